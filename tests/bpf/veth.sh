#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Network tier of the XDP program: attached (native XDP) to the server's
# veth in a namespace, real traffic from a client namespace with two
# addresses, one of them blocked. Checks at the server's kernel: the
# blocked source's ICMP, UDP 1270 and TCP 22 never arrive; the other
# source's ICMP and TCP 22 reach the kernel (ping answers, the connection
# is refused by the kernel); its UDP 1270 is counted as redirect-mom and,
# with no AF_XDP socket on the queue, falls back to the kernel. Counters
# read from the program's per-CPU map. Prints TAP.
#   usage: veth.sh BUILDDIR WORKDIR
set -uo pipefail
build=$1 work=$2
mkdir -p "$work"
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../../scripts/testbed/lib.sh"

C=fgx-cli S=fgx-srv pin=/sys/fs/bpf/fgx-$$
cleanup() {
	ip -n "$S" link set dev fgx-s0 xdp off 2>/dev/null
	tb_ns_del "$C" "$S"
	rm -rf "$pin" "$pin-maps"
}
trap cleanup EXIT
trap 'exit 143' TERM INT   # ended at the suite's limit: clean up too
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

tb_pair "$C fgx-c0 198.18.9.1/24 198.18.9.2/24" "$S fgx-s0 198.18.9.10/24" ||
	{ echo "1..0 # SKIP no namespaces"; exit 0; }
# XDP on a veth needs its peer to consume redirected frames: GRO on
ip netns exec "$C" ethtool -K fgx-c0 gro on >/dev/null 2>&1

if ! bpftool prog load "$build/bpf/fg_xdp.bpf.o" "$pin" type xdp pinmaps "$pin-maps" \
	>"$work/load.out" 2>&1; then
	nok "the kernel loads the XDP program" "$(tail -5 "$work/load.out")"
	tap_done
	exit 1
fi
ok "the kernel loads the XDP program (verifier accepts it)"
# nsenter: the net namespace only (ip netns exec would hide /sys/fs/bpf)
if nsenter --net=/var/run/netns/"$S" bpftool net attach xdp pinned "$pin" dev fgx-s0 >"$work/attach.out" 2>&1; then
	ok "attached in native XDP mode to a veth"
else
	nok "attached in native XDP mode to a veth" "$(tail -3 "$work/attach.out")"
	tap_done
	exit 1
fi
# ports (1270 TCP and UDP: mom), the blocked source 198.18.9.2/32
bpftool map update pinned "$pin-maps/fg_xdp_ports" key 0xf6 0x04 0 0 value 1
bpftool map update pinned "$pin-maps/fg_xdp_ports" key 0xf6 0x04 1 0 value 1
bpftool map update pinned "$pin-maps/fg_xdp_block4" key 32 0 0 0 198 18 9 2 value 1

# a reason's index: its place in bpf/fg_xdp.h's list
reason() { grep -E '^[[:space:]]+X\(' "$(dirname "$0")/../../bpf/fg_xdp.h" | grep -n "X($1," | cut -d: -f1 | awk '{ print $1 - 1 }'; }
R_MOM=$(reason REDIRECT_MOM) R_BLOCKED=$(reason DROP_BLOCKED)
stat() { # REASON-INDEX: sum over CPUs
	timeout 10 bpftool -j map lookup pinned "$pin-maps/fg_xdp_stats" key "$1" 0 0 0 |
		/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(int(v["value"]) if isinstance(v["value"], int) else int.from_bytes(bytes(int(b,16) for b in v["value"]), "little") for v in d["values"]))'
}

# the server: counts UDP 1270 datagrams per source until a fence
# datagram (port 9) sent after the traffic, or 60 s
rm -f "$work/udp.ready" "$work/udp.json"
ip netns exec "$S" /usr/bin/python3 "$(dirname "$0")/../dataplane/udp_count.py" \
	198.18.9.10 1270 60 "$work/udp.json" "$work/udp.ready" &
srv=$!
wait_until 20 test -e "$work/udp.ready" || nok "the server's UDP counter is listening" "no $work/udp.ready"
ping_from() { ip netns exec "$C" ping -c 2 -W 1 -I "$1" 198.18.9.10 >/dev/null 2>&1; }
tcp22() { # SRC: "refused" (a kernel answered), or "timeout"
	ip netns exec "$C" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(1.5); s.bind((sys.argv[1], 0))
try:
    s.connect(("198.18.9.10", 22)); print("open")
except ConnectionRefusedError:
    print("refused")
except OSError:
    print("timeout")' "$1"
}
udp_from() { send_udp "$C" "$1" 198.18.9.10 1270 20 event; }

drops0=$(stat "$R_BLOCKED")
ping_from 198.18.9.1 && ok "ICMP from a source not blocked reaches the server's kernel" ||
	nok "ICMP from a source not blocked reaches the server's kernel"
ping_from 198.18.9.2 && nok "ICMP from the blocked source is dropped" "ping answered" ||
	ok "ICMP from the blocked source is dropped"
r=$(tcp22 198.18.9.1)
[ "$r" = refused ] && ok "TCP 22 from a source not blocked reaches the kernel (refused by it)" ||
	nok "TCP 22 from a source not blocked reaches the kernel" "got $r"
r=$(tcp22 198.18.9.2)
[ "$r" = timeout ] && ok "TCP 22 from the blocked source never reaches the kernel" ||
	nok "TCP 22 from the blocked source never reaches the kernel" "got $r"
redir0=$(stat "$R_MOM")
udp_from 198.18.9.1
udp_from 198.18.9.2
# the fence, from the source not blocked, on the same path: repeated
# until the counter has ended (a lost datagram is no hang)
fence_udp "$srv" "$C" 198.18.9.1 198.18.9.10
wait_pid 10 "$srv"
read -r good bad fenced < <(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("198.18.9.1",0), d.get("198.18.9.2",0), d["fenced"])' "$work/udp.json")
redir=$(( $(stat "$R_MOM") - redir0 ))
drops=$(( $(stat "$R_BLOCKED") - drops0 ))
[ "$bad" -eq 0 ] && ok "UDP 1270 from the blocked source: 0 of 20 at the server" ||
	nok "UDP 1270 from the blocked source: 0 of 20 at the server" "got $bad"
[ "$redir" -eq 20 ] && [ "$good" -eq 20 ] &&
	ok "UDP 1270 from the other source: 20 counted redirect-mom, 20 at the server (no AF_XDP socket: the kernel's)" ||
	nok "UDP 1270 from the other source: redirect-mom counted, kernel fallback" "redirect $redir, server got $good (counter ended by the fence: ${fenced:-no JSON})"
# blocked: 2 pings, the TCP SYN and its retries, 20 datagrams (ARP is not IP)
[ "$drops" -ge 23 ] && ok "drop-blocked counted every blocked packet ($drops)" ||
	nok "drop-blocked counted every blocked packet" "got $drops"
tap_done
