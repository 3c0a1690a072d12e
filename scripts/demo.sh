#!/usr/bin/env bash
# floodguard's main job on its embedded default, end to end: install what
# is missing, reserve hugepages, build, create the namespace test bed
# (scripts/testbed/lib.sh: agents, SIP partners and attackers on one side,
# a UDP/TCP 1270 collector and a sipp UAS on the other, floodguard inline
# between them on net_af_packet over veth pairs, default limits), run a
# story with live counters, and print per actor what was sent, what the
# server got, what was dropped and why, and the watch list. Tears down
# everything it created, also on Ctrl-C. Run as root.
#   FG_DEMO_SCALE  stretch the story (default 1: about 50 s)
#   FG_DEMO_OUT    where the logs and results go (default /tmp/floodguard-demo)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD out=${FG_DEMO_OUT:-/tmp/floodguard-demo} scale=${FG_DEMO_SCALE:-1}
build=$root/build fc=$root/build/control/floodctl tb=$root/scripts/testbed
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.pcap
. "$tb/lib.sh"
# no step of the demo waits without a bound: the test suites' wait_until
# and wait_pid (its TAP functions go unused)
. tests/lib/tap.sh
t() { /usr/bin/python3 -c "print(max(1, round($1 * $scale)))"; }   # scaled, whole
step() { printf '\n== %s\n' "$*"; }
pids=()
finish() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	tb_down
}
trap finish EXIT
trap 'echo; echo "demo: interrupted, tearing down"; exit 130' INT TERM

step "dependencies and hugepages (scripts/deps.sh)"
timeout 1800 bash scripts/deps.sh || exit 1
step "build (meson setup build && ninja -C build)"
[ -f build/build.ninja ] || timeout 600 meson setup build >/dev/null || exit 1
timeout 1800 ninja -C build | tail -1
[ -x "$fc" ] || exit 1

step "test bed: namespaces $TB_OUT (agents, partners, attackers) and $TB_SRV (server $TB_SERVER)"
tb_up || { echo "demo: cannot create the namespaces (root?)"; exit 1; }
echo "floodguard inline between $TB-o1 and $TB-s1 (net_af_packet); default limits;"
echo "allow list: 198.18.3.9 (a partner under contract); everything else as shipped"
tb_fg_start "$build" "$out/floodguard.log" --set lists.allow=198.18.3.9 ||
	{ echo "demo: floodguard did not start:"; tail -5 "$out/floodguard.log"; exit 1; }

# the server: 1270 collector, SIP UAS, and what reaches it (SIP only).
# "ip netns exec" execs: $! is the program's own pid, which TERM stops
ns_srv="ip netns exec $TB_SRV" ns_out="ip netns exec $TB_OUT"
rm -f "$out/collector.ready"
$ns_srv /usr/bin/python3 "$tb/collector.py" "$TB_SERVER" "$out/collector.json" \
	"$out/collector.ready" &
coll=$!
$ns_srv sipp -sf "$tb/uas.xml" -i "$TB_SERVER" -p 5060 -nostdin >"$out/uas.log" 2>&1 &
pids+=($!)
# the captures also take the probes (UDP 10, before the story) and the
# fence (UDP 9, after it): datagrams from 198.18.1.1 to the server that
# cross floodguard like the rest (class other, passed untouched)
capf="udp dst port 5060 or udp dst port 9 or udp dst port 10"
$ns_srv dumpcap -q -n -P -i "$TB-s0" -f "$capf" -w "$out/server-sip.pcap" \
	>/dev/null 2>"$out/dumpcap-srv.log" &
cap_srv=$!
$ns_out dumpcap -q -n -P -i "$TB-o0" -f "$capf" -w "$out/sent-sip.pcap" \
	>/dev/null 2>"$out/dumpcap-out.log" &
cap_out=$!
pids+=("$coll" "$cap_srv" "$cap_out")
# marks PORT: the datagrams to PORT in both captures (the fewer of the two)
marks() {
	local a b
	a=$(timeout 30 tshark -r "$out/sent-sip.pcap" -Y "udp.dstport==$1" 2>/dev/null | wc -l)
	b=$(timeout 30 tshark -r "$out/server-sip.pcap" -Y "udp.dstport==$1" 2>/dev/null | wc -l)
	echo $((a < b ? a : b))
}
# mark PORT: one datagram from 198.18.1.1 to the server's PORT
mark() {
	$ns_out /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.18.1.1", 0))
s.sendto(b"fg-marker", (sys.argv[1], int(sys.argv[2])))' "$TB_SERVER" "$1" 2>/dev/null
}
# dumpcap says "Capturing" before its capture is open, and floodguard
# answers floodctl before its ports forward: prove all of it live with
# probes until one has crossed floodguard into both captures, and the
# collector and the UAS listening, before the story begins
probed() { mark 10; sleep 0.2; [ "$(marks 10)" -gt 0 ]; }
uas_up() { [ -n "$($ns_srv ss -Hlun "sport = :5060")" ]; }
wait_until 60 test -e "$out/collector.ready" ||
	{ echo "demo: the collector did not start"; exit 1; }
wait_until 30 uas_up || { echo "demo: the SIP server did not start:"; tail -3 "$out/uas.log"; exit 1; }
wait_until 60 probed || { echo "demo: nothing crossed floodguard into the captures:"
	tail -2 "$out/dumpcap-out.log" "$out/dumpcap-srv.log" "$out/floodguard.log"; exit 1; }

users() { # FILE PREFIX COUNT DOMAIN: a sipp -inf file
	/usr/bin/python3 -c '
import sys
f, p, n, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
open(f, "w").write("SEQUENTIAL\n" + "".join(f"{p}{i:05d};{d}\n" for i in range(n)))' "$@"
}
uac() { # SRC USERS RATE CALLS
	$ns_out sipp -sf "$tb/uac.xml" -inf "$2" -i "$1" -p 5060 "$TB_SERVER:5060" -r "$3" \
		-m "$4" -nostdin -recv_timeout 4000 >"$out/uac-$1.log" 2>&1
}
agent() { # SRC RATE SECONDS
	$ns_out /usr/bin/python3 "$tb/agent.py" "$1" "$TB_SERVER" "$2" "$3" "$out/agent-$1.json"
}

T=$(t 45)
users "$out/u-partner.csv" user 4 partner.example
users "$out/u-walk.csv" x 2500 scan.example
users "$out/u-busy.csv" busy 3 failing.example
users "$out/u-vip.csv" user 50 vip.example
step "the story (${T} s): live counters from 'floodctl stats --json' every 3 s"
cat <<TXT
  0 s   agents 198.18.1.1-4 report 50 events/s each; partner 198.18.3.1 calls 5/s;
        partner 198.18.3.9 (allow-listed) calls 10/s
  $(t 6) s   agent 198.18.1.66 floods 1270 at 50,000 packets/s (100x its limit) for $(t 15) s
  $(t 10) s  198.18.3.66 walks the directory: INVITEs to 2,500 users at 100/s
  $(t 14) s  partner 198.18.3.77 calls busy users: every call fails (486)
  $(t 20) s  the allow-listed partner bursts to 150 calls/s for $(t 6) s
  $(t 30) s  the operator looks at the watch list and acts with floodctl
TXT
for a in 198.18.1.1 198.18.1.2 198.18.1.3 198.18.1.4; do agent "$a" 50 "$T" & pids+=($!); done
uac 198.18.3.1 "$out/u-partner.csv" 5 "$(t 5*45)" & pids+=($!)
( uac 198.18.3.9 "$out/u-vip.csv" 10 "$(t 10*20)"; uac 198.18.3.9 "$out/u-vip.csv" 150 "$(t 150*6)";
  uac 198.18.3.9 "$out/u-vip.csv" 10 "$(t 10*15)" ) & pids+=($!)
( sleep "$(t 6)"; agent 198.18.1.66 50000 "$(t 15)" ) & pids+=($!)
( sleep "$(t 10)"; uac 198.18.3.66 "$out/u-walk.csv" 100 2500 ) & pids+=($!)
( sleep "$(t 14)"; uac 198.18.3.77 "$out/u-busy.csv" 5 "$(t 5*20)" ) & pids+=($!)

start=$(date +%s)
printf '%6s %10s %10s %10s  %s\n' "t" "received" "passed" "dropped" "drops by reason (so far)"
acted=
while :; do
	now=$(( $(date +%s) - start ))
	timeout 10 "$fc" stats --json -i "$TB" 2>/dev/null | /usr/bin/python3 "$tb/live.py" "$now"
	if [ -z "$acted" ] && [ "$now" -ge "$(t 30)" ]; then
		acted=1
		echo "   -- operator: floodctl watch list"
		timeout 10 "$fc" watch list --json -i "$TB" >"$out/watch-op.json"
		timeout 10 "$fc" watch list -i "$TB" | sed 's/^/      /'
		echo "   -- operator: floodctl watch promote 198.18.3.66 block; floodctl block add 198.18.1.66"
		timeout 10 "$fc" watch promote 198.18.3.66 block -i "$TB" 2>&1 | sed 's/^/      /'
		timeout 10 "$fc" block add 198.18.1.66 -i "$TB" 2>&1 | sed 's/^/      /'
	fi
	[ "$now" -ge "$T" ] && break
	sleep 3
done
step "waiting for the last calls to end"
uacs_done() { ! pgrep -f "sipp -sf $tb/uac.xml" >/dev/null; }
wait_until 60 uacs_done || echo "   (calls still running after 60 s: ended)"
pkill -f "sipp -sf $tb/uac.xml" 2>/dev/null && wait_until 10 uacs_done
# the fence: datagrams to the server's port 9 after all the traffic, on
# its path through floodguard, until one is in both captures (frames on
# an interface are captured in order: everything sent before it is in);
# the collector ends once one has reached it and 0.5 s have been quiet
fence_seen() { mark 9; sleep 0.2; [ "$(marks 9)" -gt 0 ]; }
coll_done() { ! kill -0 "$coll" 2>/dev/null; }
wait_until 60 fence_seen && wait_until 30 coll_done ||
	echo "   (the fence did not end the captures and the collector: they are stopped)"
timeout 10 "$fc" watch list --json -i "$TB" >"$out/watch.json"
timeout 10 "$fc" events --json -i "$TB" >"$out/events.jsonl"
timeout 10 "$fc" block list --json -i "$TB" >"$out/block.json"
timeout 10 "$fc" stats --json -i "$TB" >"$out/stats.json"
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "$coll" "$cap_srv" "$cap_out"; do wait_pid 20 "$p" 2>/dev/null; done
pids=()

step "per actor: sent (leaving $TB_OUT), delivered (at the server), dropped and why"
/usr/bin/python3 "$tb/report.py" "$out"
rc=$?
echo
echo "logs and results: $out (result.json; floodguard.log; *.pcap: SIP as sent and as delivered)"
exit $rc
