# SPDX-License-Identifier: BSD-3-Clause
# The suite runner of scripts/test.sh: source it with root (the tree),
# logs (a directory) and passed=0 failed=0 set; run_suite each suite.
# tests/lib/selftest.sh checks it.

# sweep: what a suite ended at its limit may have left behind: processes
# started from this tree, and hugepage files no process maps any more
# (a SIGKILLed DPDK process leaves its own; they would starve the next).
sweep() {
	local p f
	for p in /proc/[0-9]*; do
		case $(readlink "$p/exe" 2>/dev/null) in
		"$root"/*) kill -KILL "${p#/proc/}" 2>/dev/null ;;
		esac
	done
	sleep 0.5
	for f in /dev/hugepages/*; do
		[ -f "$f" ] || continue
		grep -qsF -- "$f" /proc/[0-9]*/maps || rm -f -- "$f"
	done
}

# run_suite NAME LIMIT CMD...: run with a wall-clock limit of LIMIT
# seconds (about 3x its usual time on a busy 2-vCPU machine), keep the
# log, count TAP lines. A suite that reaches its limit is ended (SIGTERM
# to its process group, SIGKILL 15 s later) and counts as one failure; so
# does one that dies without a failing TAP line.
run_suite() {
	local name=$1 limit=$2 log="$logs/$1.tap" p f rc t0 secs
	shift 2
	t0=$SECONDS
	timeout -k 15 "$limit" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$((SECONDS - t0))
	p=$(grep -c '^ok' "$log")
	f=$(grep -c '^not ok' "$log")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		f=$((f + 1))
		echo "  $name: reached its limit of $limit s and was ended (see $log)"
		sweep
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "  $name: exited $rc without a failing test (see $log)"
	fi
	grep -A12 '^not ok' "$log" | sed 's/^/    /' | head -60
	printf '%-16s %4d passed, %d failed  %4d s (limit %d s)%s\n' "$name" "$p" "$f" \
		"$secs" "$limit" "$([ $((secs * 3)) -gt $((limit * 2)) ] && echo ', near its limit')"
	passed=$((passed + p))
	failed=$((failed + f))
}

