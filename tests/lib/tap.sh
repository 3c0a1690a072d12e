# SPDX-License-Identifier: BSD-3-Clause
# TAP and bounded waits for the shell test suites: source it, call
# ok/nok/check/okif for each test, end with tap_done (prints the plan,
# exits 1 if anything failed). No step of a suite waits without a bound:
# poll with wait_until, reap background processes with wait_pid/stop_pid,
# prove a listener or capture live before the measured traffic.
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "  # $l"; done; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what" "failed: $*"; fi; }
# okif WHAT [DETAIL...]: ok if the command just before succeeded (a
# compound condition, e.g. [ "$rc" -eq 1 ] && grep -q ... <<<"$err")
okif() { if [ $? -eq 0 ]; then ok "$1"; else nok "$@"; fi; }
# okst STATUS WHAT [DETAIL...]: okif for details made by command
# substitution, which would change $? before okif reads it: pass $? first
okst() { local rc=$1; shift; if [ "$rc" -eq 0 ]; then ok "$1"; else nok "$@"; fi; }
tap_done() { echo "1..$n"; [ "$fails" -eq 0 ]; }

# now_us: microseconds of the wall clock
now_us() { echo "${EPOCHREALTIME/./}"; }

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds
# (returns 0) or SECONDS (an integer) have passed (returns 1).
wait_until() {
	local end=$(($(now_us) + $1 * 1000000))
	shift
	until "$@"; do
		[ "$(now_us)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# gone PID: the process has exited (bash reaps its own children at once)
gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_pid SECONDS PID: wait for a child of this shell at most SECONDS;
# returns its exit status, or 124 when it had to be ended (SIGTERM, then
# SIGKILL 5 s later) because it overran.
wait_pid() {
	local pid=$2
	if wait_until "$1" gone "$pid"; then
		wait "$pid"
		return
	fi
	kill -TERM "$pid" 2>/dev/null
	wait_until 5 gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 124
}

# stop_pid SIGNAL SECONDS PID: send SIGNAL, then wait_pid SECONDS PID.
stop_pid() {
	kill "-$1" "$3" 2>/dev/null
	wait_pid "$2" "$3"
}

# file_has FILE PATTERN: grep -q that does not fail on a missing file
file_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# frames ARG...: run the Python script on stdin, at most 120 s, with
# sys.argv[1:] = ARG..., w = the first ARG (where the captures go), scapy's
# layers and wrpcap imported and e() an Ethernet header 02:..:01 -> :02
frames() {
	{
		printf '%s\n' 'import sys' 'from scapy.all import (ARP, IP, TCP, UDP, Dot1Q, Ether, IPv6,' \
			'    IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, Raw, wrpcap)' 'w = sys.argv[1]' \
			'e = lambda: Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")'
		cat
	} | timeout 120 /usr/bin/python3 - "$@"
}

# Captures are proven live before the measured traffic and fenced after
# it with marker datagrams (UDP to port 9, the discard port): frames on
# one interface are captured in order, so once a marker sent after the
# traffic shows, everything sent before it is in the file. Count the
# measured frames with a display filter that leaves port 9 out.
#
# cap_start NS IFACE FILTER FILE SECONDS: tshark in namespace NS (""
# for this one) on IFACE for at most SECONDS; captures FILTER or UDP to
# port 9 into FILE (pcap) and prints each frame's UDP destination port to
# FILE.ports as it arrives. Sets cap_pid.
cap_start() {
	local ns=$1 ifc=$2 filter=$3 file=$4 secs=$5 pre=()
	[ -n "$ns" ] && pre=(ip netns exec "$ns")
	rm -f "$file" "$file.ports"
	"${pre[@]}" tshark -i "$ifc" -f "($filter) or udp dst port 9" -a "duration:$secs" \
		-P -l -T fields -e udp.dstport -F pcap -w "$file" >"$file.ports" 2>"$file.err" &
	cap_pid=$!
}

# cap_mark FILE SECONDS SEND...: run SEND (which sends one marker) every
# 0.2 s until one more marker than before shows in the capture FILE;
# returns 1 if none did within SECONDS.
cap_mark() {
	local file=$1 secs=$2 before
	shift 2
	before=$(grep -c '^9$' "$file.ports" 2>/dev/null)
	_cap_more() {
		"$@" >/dev/null 2>&1
		sleep 0.2
		[ "$(grep -c '^9$' "$file.ports" 2>/dev/null)" -gt "${before:-0}" ]
	}
	wait_until "$secs" _cap_more "$@"
}

# cap_stop FILE: end the capture (SIGINT: tshark closes the file whole)
cap_stop() { stop_pid INT 10 "$cap_pid"; }

# mark_raw NS IFACE: send one marker frame out of IFACE in namespace NS
# ("" for this one) without an address: broadcast Ethernet, IPv4
# 198.18.255.254 -> 198.18.255.255, UDP to port 9, payload "fg-marker".
mark_raw() {
	local pre=()
	[ -n "$1" ] && pre=(ip netns exec "$1")
	"${pre[@]}" /usr/bin/python3 -c '
import socket, struct, sys
pay = b"fg-marker"
udp = struct.pack("!HHHH", 9, 9, 8 + len(pay), 0) + pay
ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                           bytes([198, 18, 255, 254]), bytes([198, 18, 255, 255])))
s = sum(struct.unpack("!10H", ip))
s = (s & 0xffff) + (s >> 16)
ip[10:12] = struct.pack("!H", ~((s & 0xffff) + (s >> 16)) & 0xffff)
eth = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\xfe" + b"\x08\x00"
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
p.bind((sys.argv[1], 0))
p.send(eth + bytes(ip) + udp)' "$2"
}

# send_udp NS SRC DST PORT [COUNT [PAYLOAD]]: COUNT datagrams (default 1)
# of PAYLOAD (default fg-marker) from SRC to DST:PORT through namespace
# NS's stack (where the sender has addresses)
send_udp() {
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0))
for i in range(int(sys.argv[4])):
    s.sendto(sys.argv[5].encode(), (sys.argv[2], int(sys.argv[3])))' "$2" "$3" "$4" "${5:-1}" \
		"${6:-fg-marker}"
}

# mark_udp NS SRC DST: send one marker datagram from SRC to DST:9
mark_udp() { send_udp "$1" "$2" "$3" 9; }

# fence_udp PID NS SRC DST: a listener that ends on a fence (udp_count.py,
# the test bed's collector) is sent marker datagrams from SRC to DST:9
# through namespace NS, behind the measured traffic on its path, until
# process PID has ended; returns 1 if it still runs after 30 s.
fence_udp() {
	local pid=$1
	shift
	_fenced() { mark_udp "$@"; wait_until 2 gone "$pid"; }
	wait_until 30 _fenced "$@"
}
