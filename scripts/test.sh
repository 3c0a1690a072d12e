#!/usr/bin/env bash
# Run every floodguard test suite on this machine and print one summary
# line, "N passed, N failed", summed over all suites (each TAP "ok" or
# "not ok" is one test; a suite that dies without TAP counts as a failure).
#
# Suites: unit tests (Criterion: classifier, limits and source table) and
# the two-thread table stress test in a -Werror release build and again
# under ASan+UBSan; the stress test under TSan; floodctl inspect against the
# fixture table; the SIP federation rules (unit, and offline over a crafted
# capture of every kind of partner); the data plane (offline over a crafted capture, inline and
# host on net_pcap vdevs with telemetry, inline on AF_PACKET between two
# network namespaces); the XDP program against the core on every fixture
# (BPF_PROG_TEST_RUN), attached to a veth between two namespaces, and
# loaded by net_af_xdp under floodguard in host mode; libFuzzer smoke runs of the L2-L4 and SIP parsers;
# the inspect-vs-tshark differential test on real sipp captures; the
# control plane: list and shared-memory unit tests, readers racing a list
# writer (also TSan), floodctl against a running data plane (lists, watch,
# thresholds, metrics, persistence, permissions, ABI, SIGKILL of writers);
# the README's demo on the namespace test bed, judged at the server, and
# interrupted with SIGINT. Needs root
# (packages, hugepages, namespaces).
#   FG_FUZZ_SECONDS  seconds per fuzzer (default 60)
#   FG_KILLS         writers the control-plane test SIGKILLs (default 1000)
#   FG_TEST_LOG      directory for full suite logs (default a temp dir)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
logs=${FG_TEST_LOG:-$(mktemp -d /tmp/floodguard-test.XXXXXX)}
mkdir -p "$logs"
passed=0 failed=0

# run_suite NAME CMD...: run, keep the log, count TAP lines.
run_suite() {
	local name=$1 log="$logs/$1.tap" p f rc
	shift
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok' "$log")
	f=$(grep -c '^not ok' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "  $name: exited $rc without a failing test (see $log)"
	fi
	grep -A12 '^not ok' "$log" | sed 's/^/    /' | head -60
	printf '%-16s %4d passed, %d failed\n' "$name" "$p" "$f"
	passed=$((passed + p))
	failed=$((failed + f))
}

# setup DIR ARGS...: configure a build dir once, then build it.
setup() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$logs/setup-$dir.log" 2>&1 ||
			{ cat "$logs/setup-$dir.log"; return 1; }
	fi
	ninja -C "$dir" >"$logs/ninja-$dir.log" 2>&1 ||
		{ tail -40 "$logs/ninja-$dir.log"; return 1; }
}

bash scripts/deps.sh || exit 1
echo "test: logs in $logs"

if setup build -Dwerror=true; then
	run_suite unit ./build/tests/test_parse --tap=-
	run_suite unit-limit ./build/tests/test_limit --tap=-
	run_suite unit-fed ./build/tests/test_fed --tap=-
	run_suite stress ./build/tests/stress-srctab 2
	run_suite stress-fed ./build/tests/stress-fed
	run_suite cli-inspect bash tests/cli/inspect.sh build
	run_suite dp-offline /usr/bin/python3 tests/dataplane/offline.py \
		build/dataplane/floodguard "$logs/dp-offline"
	run_suite dp-inline bash tests/dataplane/inline.sh \
		build/dataplane/floodguard "$logs/dp-inline"
	run_suite dp-sip /usr/bin/python3 tests/dataplane/sip_rules.py \
		build/dataplane/floodguard "$logs/dp-sip"
	run_suite xdp-fixtures /usr/bin/python3 tests/bpf/xdp.py build "$logs/xdp"
	run_suite xdp-veth bash tests/bpf/veth.sh build "$logs/xdp-veth"
	run_suite xdp-afxdp bash tests/bpf/afxdp.sh "$root/build" "$logs/xdp-afxdp"
	run_suite xdp-kernels bash tests/bpf/kernels.sh build "$logs/xdp-kernels"
	run_suite xdpgen bash tests/bpf/xdpgen.sh build "$logs/xdpgen"
	run_suite dp-netns bash tests/dataplane/netns.sh build "$logs/dp-netns"
	run_suite unit-lists ./build/tests/test_lists --tap=-
	run_suite unit-shm ./build/tests/test_shm --tap=-
	run_suite stress-shm ./build/tests/stress-shm
	run_suite ctl bash tests/control/ctl.sh build "$logs/ctl" "${FG_KILLS:-1000}"
	run_suite e2e-demo bash tests/e2e/demo.sh "$logs/e2e"
else
	echo "build: FAILED"
	failed=$((failed + 1))
fi

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if setup build-asan -Dwerror=true -Dbuildtype=debugoptimized \
	-Db_sanitize=address,undefined; then
	run_suite unit-asan ./build-asan/tests/test_parse --tap=-
	run_suite limit-asan ./build-asan/tests/test_limit --tap=-
	run_suite fed-asan ./build-asan/tests/test_fed --tap=-
	run_suite stress-asan ./build-asan/tests/stress-srctab 2
	run_suite stress-fed-asan ./build-asan/tests/stress-fed 50
	run_suite cli-asan bash tests/cli/inspect.sh build-asan
	run_suite dp-offline-asan /usr/bin/python3 tests/dataplane/offline.py \
		build-asan/dataplane/floodguard "$logs/dp-offline-asan"
	run_suite dp-inline-asan bash tests/dataplane/inline.sh \
		build-asan/dataplane/floodguard "$logs/dp-inline-asan"
	run_suite dp-sip-asan /usr/bin/python3 tests/dataplane/sip_rules.py \
		build-asan/dataplane/floodguard "$logs/dp-sip-asan"
	run_suite lists-asan ./build-asan/tests/test_lists --tap=-
	run_suite shm-asan ./build-asan/tests/test_shm --tap=-
	run_suite ctl-asan bash tests/control/ctl.sh build-asan "$logs/ctl-asan" 200
else
	echo "build-asan: FAILED"
	failed=$((failed + 1))
fi

# TSan: the lock-free table under two racing threads (Criterion cannot run
# under TSan, so only the plain-C stress test). TSan does not model
# atomic_thread_fence (-Wtsan warns); the readers' loads are atomics.
if setup build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread; then
	run_suite stress-tsan env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-srctab 2
	run_suite stress-fed-tsan env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-fed 30
	run_suite stress-shm-tsan env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-shm
else
	echo "build-tsan: FAILED"
	failed=$((failed + 1))
fi

if CC=clang setup build-fuzz -Dfuzz=true -Dtests=disabled \
	-Db_sanitize=address,undefined -Db_lundef=false; then
	run_suite fuzz bash tests/fuzz/run.sh "${FG_FUZZ_SECONDS:-60}" build-fuzz
else
	echo "build-fuzz: FAILED"
	failed=$((failed + 1))
fi

run_suite diff-tshark env FLOODCTL="$root/build/control/floodctl" \
	OUT="$logs/diff" bash tests/diff/run.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
