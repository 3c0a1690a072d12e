#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The test helpers themselves: the bounded waits of tap.sh end on time
# and report what they waited for; run_suite (suite.sh) ends a suite at
# its limit, with the processes it started, and counts it as a failure;
# a capture proven live with markers and fenced after the traffic holds
# exactly what was sent. Prints TAP.   usage: selftest.sh WORKDIR
set -uo pipefail
work=$1
mkdir -p "$work"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"

ms_since() { echo $((($(now_us) - $1) / 1000)); }

t0=$(now_us)
wait_until 1 false
rc=$? ms=$(ms_since "$t0")
[ "$rc" -eq 1 ] && [ "$ms" -ge 1000 ] && [ "$ms" -lt 3000 ]
okif "wait_until 1 false: gives up after 1 s with status 1" "status $rc after $ms ms"
rm -f "$work/flag"
(sleep 0.5; touch "$work/flag") &
t0=$(now_us)
wait_until 10 test -e "$work/flag"
rc=$? ms=$(ms_since "$t0")
[ "$rc" -eq 0 ] && [ "$ms" -lt 5000 ]
okif "wait_until returns as soon as the condition holds" "status $rc after $ms ms"

(exit 3) &
wait_pid 5 $!
rc=$?
check "wait_pid returns the child's own exit status (3, got $rc)" [ "$rc" -eq 3 ]
sleep 60 &
p=$!
t0=$(now_us)
wait_pid 1 "$p"
rc=$? ms=$(ms_since "$t0")
[ "$rc" -eq 124 ] && gone "$p" && [ "$ms" -lt 4000 ]
okif "wait_pid 1 on a child that runs on: ended, status 124, within the bound" "status $rc after $ms ms"
rm -f "$work/trapped"
bash -c 'trap "" TERM; touch "$1"; sleep 60' - "$work/trapped" &
p=$!
wait_until 10 test -e "$work/trapped"
t0=$(now_us)
stop_pid TERM 1 "$p"
rc=$? ms=$(ms_since "$t0")
[ "$rc" -eq 124 ] && gone "$p" && [ "$ms" -lt 9000 ]
okif "stop_pid on a child that ignores SIGTERM: SIGKILL after the grace, status 124" "status $rc after $ms ms"

# run_suite, as scripts/test.sh runs it
root=$work logs=$work/logs passed=0 failed=0
mkdir -p "$logs"
. "$here/suite.sh"
out=$(run_suite slow 2 bash -c 'echo "ok 1 - before"; sleep 300 & echo $! >'"$work/child"'; wait')
t1=$(cat "$work/child" 2>/dev/null)
grep -q 'slow: reached its limit of 2 s and was ended' <<<"$out" &&
	grep -Eq '^slow +1 passed, 1 failed +[0-9]+ s \(limit 2 s\)' <<<"$out" &&
	[ -n "$t1" ] && wait_until 5 gone "$t1"
okif "run_suite: a suite past its limit is ended with what it started and counted as 1 failure" "$out"
out=$(run_suite dies 10 bash -c 'echo "ok 1 - a"; exit 3')
grep -q 'dies: exited 3 without a failing test' <<<"$out" && grep -Eq '^dies +1 passed, 1 failed' <<<"$out"
okif "run_suite: a suite that dies without a failing test counts as 1 failure" "$out"
out=$(run_suite fine 10 bash -c 'echo "ok 1 - a"; echo "ok 2 - b"; echo "not ok 3 - c"; exit 1')
grep -Eq '^fine +2 passed, 1 failed +[0-9]+ s \(limit 10 s\)$' <<<"$out"
okif "run_suite: counts each ok and not ok once" "$out"

# a capture between two namespaces: live before, fenced after, exact
. "$here/../../scripts/testbed/lib.sh"
A=fgl-a B=fgl-b
trap 'tb_ns_del "$A" "$B"' EXIT
if tb_pair "$A fgl-a0 198.18.250.1/24" "$B fgl-b0 198.18.250.2/24"; then
	cap_start "$B" fgl-b0 "udp dst port 1270" "$work/cap.pcap" 60
	cap_mark "$work/cap.pcap" 20 mark_raw "$A" fgl-a0
	okst $? "cap_mark: the capture sees a raw marker frame (proven live)" "$(tail -2 "$work/cap.pcap.err")"
	send_udp "$A" 198.18.250.1 198.18.250.2 1270 37 x
	cap_mark "$work/cap.pcap" 20 mark_udp "$A" 198.18.250.1 198.18.250.2
	okif "cap_mark: the fence marker arrives after the traffic"
	cap_stop "$work/cap.pcap"
	rc=$?
	got=$(tshark -r "$work/cap.pcap" -Y 'udp.dstport==1270' 2>/dev/null | wc -l)
	[ "$rc" -eq 0 ] && [ "$got" -eq 37 ]
	okif "cap_stop: tshark ends at once and the file holds the 37 datagrams sent ($got)" "tshark status $rc"
else
	echo "ok $((n + 1)) - captures # SKIP no namespaces"
	n=$((n + 1))
fi

# okif reads $?, which a command substitution among its arguments has
# already replaced by its own status: such a check passes whatever the
# condition. Every script must pass the status first (okst $? ...).
bad=$(python3 - "$here/../.." <<'PY'
import glob, os, re, sys
root = sys.argv[1]
for f in sorted(glob.glob(f"{root}/tests/**/*.sh", recursive=True) +
                glob.glob(f"{root}/scripts/**/*.sh", recursive=True)):
    lines = open(f).read().split("\n")
    i = 0
    while i < len(lines):
        s, j = lines[i], i
        while s.rstrip().endswith("\\") and j + 1 < len(lines):
            j += 1
            s = s.rstrip()[:-1] + " " + lines[j].strip()
        if re.match(r"\s*okif\s", s) and "$(" in s:
            print(f"{os.path.relpath(f, root)}:{i + 1}")
        i = j + 1
PY
)
[ -z "$bad" ]
okst $? "no okif takes a command substitution (it would read that status)" $bad
tap_done
