#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's first command end to end: scripts/demo.sh on the namespace
# test bed, shortened (FG_DEMO_SCALE), judged by what reached the server:
# every legitimate actor's packets delivered, the attackers held to their
# limits, the operator's floodctl actions applied, everything torn down;
# and a second run interrupted with SIGINT tears down too. Prints TAP.
#   usage: demo.sh WORKDIR [SCALE]
set -uo pipefail
work=$1 scale=${2:-0.6}
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
mkdir -p "$work"

# every step of the demo is bounded; this bound is for the whole of it
# (SIGTERM: the demo tears down as on Ctrl-C)
FG_DEMO_OUT="$work/run" FG_DEMO_SCALE=$scale timeout -k 20 240 bash scripts/demo.sh \
	>"$work/demo.out" 2>&1
rc=$?
check "scripts/demo.sh exits 0 (legitimate actors all delivered; exit $rc)" [ "$rc" -eq 0 ]
r=$work/run/result.json
judge() { # WHAT PYTHON-EXPRESSION over a = {src: row}: ok if it holds (pipefail)
	local why
	why=$(/usr/bin/python3 -c '
import json, sys
a = {r["src"]: r for r in json.load(open(sys.argv[1]))["actors"]}
sys.exit(0 if eval(sys.argv[2]) else "no: " + json.dumps({k: (v["sent"], v["delivered"], v["why"]) for k, v in a.items()}))' "$r" "$2" 2>&1 | tail -n 1)
	okif "$1" "$why"
}
for src in 198.18.1.1 198.18.1.2 198.18.1.3 198.18.1.4 198.18.3.1 198.18.3.9; do
	judge "legitimate $src: every packet sent reached the server" \
		"a['$src']['sent'] > 0 and a['$src']['delivered'] == a['$src']['sent']"
done
# the flooder: its burst (1,000) and 500/s until the window rule blocks it
judge "flooding agent held to its limits at the server" \
	"a['198.18.1.66']['sent'] > 100000 and a['198.18.1.66']['delivered'] <= 1000 + 500 * 6"
judge "flooding agent: flood-blocked, then on the block list (floodctl)" \
	"'flood-blocked' in a['198.18.1.66']['why'] and 'block-list' in a['198.18.1.66']['why']"
judge "directory walker: under 5 % of its requests reached the server" \
	"a['198.18.3.66']['sent'] > 2500 and a['198.18.3.66']['delivered'] < 0.05 * a['198.18.3.66']['sent']"
judge "directory walker: watched, then promoted to the block list" \
	"'watched' in a['198.18.3.66']['why'] and 'block-list' in a['198.18.3.66']['why']"
judge "failing partner: watched for its failure ratio, throttled" \
	"'failure-ratio' in a['198.18.3.77']['why'] and a['198.18.3.77']['delivered'] < 0.5 * a['198.18.3.77']['sent']"
grep -q "legitimate actors: every packet delivered" "$work/demo.out" &&
	ok "the table says so" || nok "the table says so" "$(tail -3 "$work/demo.out")"
left=$(ip netns list | grep -c '^fgdm-')
check "torn down: no namespace left ($left), no segment" [ "$left" -eq 0 -a ! -e /dev/shm/fgdm ]

# Ctrl-C in the middle of the story: SIGINT to its process group, as a
# terminal sends it (a background job of this shell would ignore SIGINT:
# start it in its own session with SIGINT back to the default)
FG_DEMO_OUT="$work/int" FG_DEMO_SCALE=$scale /usr/bin/python3 -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp("bash", ["bash", "scripts/demo.sh"])' >"$work/int.out" 2>&1 &
d=$!
# in the middle of the story: its live counters at 10 s or later
middle() { file_has "$work/int.out" "operator\|  1[0-9]s " || gone "$d"; }
wait_until 120 middle
kill -INT -- -"$d" 2>/dev/null
if wait_until 60 gone "$d"; then
	wait "$d" 2>/dev/null
	ok "Ctrl-C: the demo stops"
else
	nok "Ctrl-C: the demo stops" "still running 60 s after SIGINT"
	kill -9 -- -"$d" 2>/dev/null
	wait_pid 10 "$d"
fi
# the demo tears down before it exits: give what the kernel does after
# (namespaces and links go once their last process has) a bound, not a
# fixed second
torn() {
	left=$(ip netns list | grep -c '^fgdm-')
	[ "$left" -eq 0 -a ! -e /dev/shm/fgdm ] && ! ip link show fgdm-o1 >/dev/null 2>&1 &&
		! pgrep -f "file-prefix fgdm" >/dev/null
}
wait_until 10 torn
okif "Ctrl-C: torn down (namespaces $left, veths, floodguard, segment)"
grep -q "demo: interrupted, tearing down" "$work/int.out" &&
	ok "Ctrl-C: the demo says it is tearing down" || nok "Ctrl-C: the demo says so" "$(tail -2 "$work/int.out")"
. scripts/testbed/lib.sh
TB=fgdm tb_down    # whatever a failure above left
tap_done
