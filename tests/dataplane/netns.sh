#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Network tier on the shared test bed (scripts/testbed/lib.sh, prefix
# fgnt): the outside namespace and the server namespace joined only
# through floodguard inline on two net_af_packet ports over veth pairs.
# Real UDP and TCP on 1270 from the outside's addresses, counted at the
# server by the test bed's collector: the flooding source is cut to its
# limit, the well-behaved one loses nothing, a TCP connection from an
# allow-listed one completes its handshake and carries data. Prints TAP.
#   usage: netns.sh BUILD WORKDIR
set -uo pipefail
build=$(realpath "$1") work=$2
mkdir -p "$work"
here=$(dirname "$0")
. "$here/../lib/tap.sh"
TB=fgnt
. "$here/../../scripts/testbed/lib.sh"
tb=$(realpath "$here/../../scripts/testbed")
trap tb_down EXIT
GOOD=198.18.1.1 FLOOD=198.18.1.66 ALLOWED=198.18.1.3

tb_up || { echo "1..0 # SKIP cannot create the test bed's namespaces"; exit 0; }
tb_fg_start "$build" "$work/fg.out" --set mom.pps=100 --set mom.pps_burst=200 \
	--set lists.allow="$ALLOWED" ||
	{ nok "floodguard starts inline on the test bed" "$(tail -5 "$work/fg.out")"; tap_done; exit; }
rm -f "$work/server.ready" "$work/server.json"
ip netns exec "$TB_SRV" /usr/bin/python3 "$tb/collector.py" "$TB_SERVER" "$work/server.json" \
	"$work/server.ready" &
coll=$!
wait_until 20 test -e "$work/server.ready" || nok "the server's collector is listening" "no $work/server.ready"
# floodguard forwards (tb_fg_start saw it say so); a first request may
# still wait on ARP or a worker a busy machine has not run yet: retried
# for at most 20 s
ping_ok=no
pinged() { ip netns exec "$TB_OUT" ping -c 1 -W 1 -I "$GOOD" "$TB_SERVER" >/dev/null 2>&1; }
wait_until 20 pinged && ping_ok=yes
[ "$ping_ok" = yes ] && ok "ICMP and ARP cross floodguard untouched" ||
	nok "ICMP and ARP cross floodguard untouched" "ping failed: $(tail -3 "$work/fg.out")"

timeout 60 ip netns exec "$TB_OUT" /usr/bin/python3 - "$work/client.json" "$GOOD" "$FLOOD" "$ALLOWED" "$TB_SERVER" <<'PY'
import json, socket, sys, threading, time
out, good, flood, allowed, srv = sys.argv[1:]
res = {}
def send_good():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((good, 0))
    for i in range(50):
        s.sendto(b"event %d" % i, (srv, 1270)); time.sleep(0.05)
def send_flood():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((flood, 0))
    t0 = time.time()
    for i in range(3000):
        s.sendto(b"flood %d" % i, (srv, 1270))
    res["flood_s"] = time.time() - t0
def tcp():
    time.sleep(0.5)
    s = socket.create_connection((srv, 1270), timeout=5, source_address=(allowed, 0))
    s.sendall(b"hello floodguard"); s.close(); res["tcp"] = "sent"
th = [threading.Thread(target=f) for f in (send_good, send_flood, tcp)]
[x.start() for x in th]; [x.join() for x in th]
json.dump(res, open(out, "w"))
PY
# the fence: a datagram to the collector's port 9 from the well-behaved
# source, through floodguard on the same queue after everything above;
# repeated until the collector has written its counts and ended
fence_udp "$coll" "$TB_OUT" "$GOOD" "$TB_SERVER" || nok "the collector ends on the fence" "still running: ended by SIGTERM"
stop_pid TERM 10 "$coll"
tb_fg_stop; rc=$?

read -r good flood tcp_bytes flood_s < <(/usr/bin/python3 - "$work" "$GOOD" "$FLOOD" "$ALLOWED" <<'PY'
import json, sys
w, good, flood, allowed = sys.argv[1:]
s = json.load(open(w + "/server.json")); c = json.load(open(w + "/client.json"))
print(s["udp"].get(good, 0), s["udp"].get(flood, 0), s["tcp"].get(allowed, 0), c.get("flood_s", 0))
PY
)
[ "$good" -eq 50 ] && ok "well-behaved source: 50 of 50 datagrams reached the server" ||
	nok "well-behaved source: 50 of 50 datagrams reached the server" "got $good"
max=$(/usr/bin/python3 -c "import math; print(200 + math.ceil(100 * ($flood_s + 1)))")
if [ "$flood" -ge 100 ] && [ "$flood" -le "$max" ]; then
	ok "flooding source cut to burst 200 + 100/s: $flood of 3000 reached the server (bound $max)"
else nok "flooding source cut to burst 200 + 100/s" "got $flood of 3000 (bound $max)"; fi
[ "$tcp_bytes" -eq 16 ] &&
	ok "TCP 1270 from an allow-listed source: handshake and 16 bytes of data reached the server" ||
	nok "TCP 1270 from an allow-listed source: handshake and data through the filter" "server got $tcp_bytes bytes"
[ "$rc" -eq 0 ] && ok "floodguard exits 0 on SIGINT" || nok "floodguard exits 0 on SIGINT" "exit $rc"
if grep -q 'received = passed + dropped: yes' "$work/fg.out" &&
	grep -q 'rate-pps [0-9]' "$work/fg.out" && grep -q 'pass-allow [0-9]' "$work/fg.out"; then
	ok "summary: every packet accounted for, rate-pps drops and allow-listed passes counted"
else nok "summary: every packet accounted for, rate-pps drops and allow-listed passes counted" "$(grep -E 'packets:|verdicts:' "$work/fg.out")"; fi
tap_done
