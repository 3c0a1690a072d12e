#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# perf/xdpgen, the flood generator of perf/bench-peers: between two
# namespaces' veths, what it says it sent is what the peer received, at
# the rate asked; the frames step through SOURCES source addresses in
# turn with a valid IPv4 header checksum and are otherwise the template's
# bytes; bad arguments exit 2 naming the argument. Prints TAP.
#   usage: xdpgen.sh BUILDDIR WORKDIR
set -uo pipefail
build=$1 work=$2
mkdir -p "$work"
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../../scripts/testbed/lib.sh"
gen=$build/perf/xdpgen
A=fgg-a B=fgg-b

trap 'tb_ns_del "$A" "$B"' EXIT
trap 'exit 143' TERM INT   # ended at the suite's limit: clean up too
[ -x "$gen" ] || { echo "1..0 # SKIP $gen not built (no clang/bpftool/libbpf)"; exit 0; }
# no IPv6 (tb_pair): its router and multicast listener messages would be counted
tb_pair "$A fgg-a0" "$B fgg-b0" || { echo "1..0 # SKIP no namespaces"; exit 0; }
# redirected frames reach the peer only through its NAPI: GRO on
ip netns exec "$B" ethtool -K fgg-b0 gro on >/dev/null

frames "$work/t.pcap" <<'EOF'
wrpcap(w, [e() / IP(src="198.19.0.250", dst="198.18.2.11") / UDP(sport=40000, dport=1270) /
           Raw(b"xdpgen-template" * 4)])
EOF
rx() { ip netns exec "$B" cat /sys/class/net/fgg-b0/statistics/rx_packets; }
# The peer counts a frame when its NAPI takes it, which a busy machine
# can defer past the generator's exit (to ksoftirqd): read the count
# once it has stood still for 0.3 s, and wait (bounded) for the frames
# the generator says it sent instead of reading the count at once.
rx_still() { local a b; a=$(rx); sleep 0.3; b=$(rx); [ "$a" = "$b" ] && rx_now=$b; }
rx_base() { rx_now=; wait_until 10 rx_still; echo "${rx_now:-$(rx)}"; }
rx_reaches() { [ "$(rx)" -ge "$1" ]; }
rx_after() { # BASE SENT: the frames counted since BASE once SENT arrived (or 10 s)
	wait_until 10 rx_reaches $(($1 + ${2:-0}))
	rx_now=; wait_until 5 rx_still
	echo $((${rx_now:-$(rx)} - $1))
}

# the frames: 10 of them from 4 sources, captured at the peer; the
# capture is proven live with a marker frame first and fenced with one
# after (tests/lib/tap.sh), the markers left out of what is judged
cap_start "$B" fgg-b0 "udp dst port 1270" "$work/got.pcap" 60
cap_mark "$work/got.pcap" 20 mark_raw "$A" fgg-a0 ||
	nok "the capture at the peer sees a marker frame" "$(tail -3 "$work/got.pcap.err")"
r0=$(rx_base)
timeout 30 ip netns exec "$A" "$gen" fgg-a0 "$work/t.pcap" 10 1 4 >"$work/few.out" 2>&1
sent=$(sed -n 's/^sent=\([0-9]*\) .*/\1/p' "$work/few.out")
got=$(rx_after "$r0" "$sent")
fence=fenced
cap_mark "$work/got.pcap" 20 mark_raw "$A" fgg-a0 || fence="no fence marker seen in 20 s"
cap_stop
# it sends frame k at (k-1)/10 s, so never more than 10; a neighbour that
# holds it off through its last 100 ms costs the 10th
check "10 pps for 1 s: sent 9 or 10 (it says $sent), the peer received as many ($got)" \
	test -n "$sent" -a "${sent:-0}" -ge 9 -a "${sent:-0}" -le 10 -a "$got" -eq "${sent:-0}"
srcs=$(tshark -r "$work/got.pcap" -Y 'udp.dstport==1270' -o ip.check_checksum:TRUE -T fields \
	-e ip.src -e ip.checksum.status 2>/dev/null | tr '\t\n' ' ')
want=""
for i in $(seq 0 $((${sent:-10} - 1))); do want+="198.19.0.$((250 + i % 4)) 1 "; done
check "sources .250-.253 in turn from the first frame, every IPv4 checksum good (captured, $fence: $srcs)" \
	test "$srcs" = "$want"
# apart from the source and the checksum, the template's bytes
/usr/bin/python3 - "$work/t.pcap" "$work/got.pcap" >"$work/bytes.out" 2>&1 <<'EOF'
import sys
from scapy.all import rdpcap
t = bytes(rdpcap(sys.argv[1])[0])
for i, p in enumerate(rdpcap(sys.argv[2])):
    b = bytes(p)
    mask = lambda x: x[:24] + x[26:28] + x[30:]   # IP checksum, saddr's low 16 bits
    if b[36:38] == b"\x00\x09":   # a marker (UDP to port 9), not the generator's
        continue
    if len(b) != len(t) or mask(b) != mask(t):
        print(f"frame {i} differs from the template")
        sys.exit(1)
print("same")
EOF
check "every frame is the template but for the source's low 16 bits and the checksum" \
	grep -qx same "$work/bytes.out"

# a rate: 200,000 pps for 2 s, all of it at the peer. What it says it
# sent must arrive, exactly; never more than asked (it paces to
# rate x elapsed); at least 95 % of it (a neighbour on this CPU can hold
# the generator off for tens of ms at the end of its 2 s, when it has no
# time left to catch up, and that loses a few thousand frames)
r0=$(rx_base)
timeout 30 ip netns exec "$A" taskset -c 0 "$gen" fgg-a0 "$work/t.pcap" 200000 2 1000 >"$work/rate.out" 2>&1
sent=$(sed -n 's/^sent=\([0-9]*\) .*/\1/p' "$work/rate.out")
got=$(rx_after "$r0" "$sent")
check "200,000 pps for 2 s: sent $sent (380,000 to 400,000: $(cat "$work/rate.out")), the peer received exactly that ($got)" \
	test -n "$sent" -a "${sent:-0}" -ge 380000 -a "${sent:-0}" -le 400000 -a "$got" -eq "${sent:-0}"

# bad arguments: exit 2, the argument named
bad() { # WHAT WANT-IN-MESSAGE ARGS...
	local what=$1 msg=$2 rc
	shift 2
	timeout 30 ip netns exec "$A" "$gen" "$@" >"$work/bad.out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "$msg" "$work/bad.out"; then
		ok "$what: exit 2, says \"$msg\""
	else
		nok "$what: exit 2, says \"$msg\"" "exit $rc: $(head -2 "$work/bad.out")"
	fi
}
head -c 200 /dev/zero >"$work/zero.bin"
bad "0 sources" "SOURCES: at least 1" fgg-a0 "$work/t.pcap" 10 1 0
bad "sources past the low 16 bits" "would wrap" fgg-a0 "$work/t.pcap" 10 1 65536
bad "a rate that is not a number" "PPS: '1k'" fgg-a0 "$work/t.pcap" 1k 1 1
bad "an interface not in this namespace" "nope: no such interface" nope "$work/t.pcap" 10 1 1
bad "a file that is not a pcap" "not a little-endian classic pcap" fgg-a0 "$work/zero.bin" 10 1 1
bad "missing arguments" "usage: xdpgen" fgg-a0
tap_done
