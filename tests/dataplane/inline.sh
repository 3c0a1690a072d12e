#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK tier: floodguard inline between two net_pcap vdevs (hugepages, its
# own --file-prefix). The ext port reads a capture of an over-rate agent,
# a well-behaved one, a SYN flood and ARP; the int port reads the
# servers' responses. Checks what each port transmitted, packet by
# packet, the final summary, the telemetry commands while it runs, host
# mode with its exception port, and dpdk-dumpcap on a running instance.
# Prints TAP.   usage: inline.sh FLOODGUARD WORKDIR
set -uo pipefail
fg=$1 work=$2
mkdir -p "$work"
. "$(dirname "$0")/../lib/tap.sh"

frames "$work" <<'EOF'
ext = []
ext += [e() / IP(src="198.18.1.1", dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"A" * 20)] * 500
ext += [e() / IP(src="198.18.1.2", dst="198.18.2.10") / UDP(sport=40001, dport=1270) / Raw(b"B" * 20)] * 50
ext += [e() / IP(src="198.18.1.4", dst="198.18.2.10") / TCP(sport=40000 + i, dport=1270, flags="S") for i in range(30)]
ext += [e() / ARP(psrc="198.18.1.9", pdst="198.18.2.10")] * 3
wrpcap(f"{w}/ext_in.pcap", ext)
wrpcap(f"{w}/int_in.pcap", [e() / IP(src="198.18.2.10", dst="198.18.1.2") / UDP(sport=1270, dport=40001) / Raw(b"r")] * 7)
EOF

prefix=fgt-inline-$$
# own [SUFFIX]: app args giving a run its own control instance and no
# state file, so that no other floodguard on the machine is in its way
own() { echo "--set control.instance=$prefix${1:-} --set control.state_file=none"; }
# --duration 60 is only a bound: the run is ended with SIGINT once the
# telemetry has been read (an ASan build on a busy host can take seconds
# to start, and a fixed duration could end it before the reads)
"$fg" -l 0-1 --no-pci --file-prefix "$prefix" \
	--vdev "net_pcap0,rx_pcap=$work/ext_in.pcap,tx_pcap=$work/ext_out.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/int_in.pcap,tx_pcap=$work/int_out.pcap" \
	-- $(own) --duration 60 --set table.sources=65536 --set mom.pps=1 --set mom.pps_burst=100 \
	--set mom.syn=1 --set mom.syn_burst=20 >"$work/stdout" 2>"$work/stderr" &
pid=$!
tel() { # COMMAND FILE
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$prefix" >"$2" 2>&1
}
# once both ports have read their captures (583 + 7 received)
read_all() { tel /floodguard/stats "$work/tel-stats"; grep -q '"rx": 590' "$work/tel-stats" || gone "$pid"; }
wait_until 60 read_all
tel /floodguard/ports "$work/tel-ports"
tel /floodguard/top "$work/tel-top"
stop_pid INT 30 "$pid"
rc=$?
check "inline run exits 0 on SIGINT" [ "$rc" -eq 0 ]

count() { # FILE FILTER: packets of a capture matching a tshark filter
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}
a=$(count "$work/int_out.pcap" 'ip.src==198.18.1.1')
b=$(count "$work/int_out.pcap" 'ip.src==198.18.1.2')
s=$(count "$work/int_out.pcap" 'ip.src==198.18.1.4')
arp=$(count "$work/int_out.pcap" 'arp')
r=$(count "$work/ext_out.pcap" 'ip.src==198.18.2.10')
tot_int=$(count "$work/int_out.pcap" 'frame')
tot_ext=$(count "$work/ext_out.pcap" 'frame')
if [ "$a" -ge 100 ] && [ "$a" -le 104 ]; then ok "over-rate agent held to its burst of 100 (+1/s): $a of 500"
else nok "over-rate agent held to its burst of 100 (+1/s)" "got $a of 500"; fi
check "well-behaved agent: 50 of 50 delivered" [ "$b" -eq 50 ]
if [ "$s" -ge 20 ] && [ "$s" -le 24 ]; then ok "SYN flood held to its SYN burst of 20: $s of 30"
else nok "SYN flood held to its SYN burst of 20" "got $s of 30"; fi
check "ARP forwarded untouched: 3 of 3" [ "$arp" -eq 3 ]
check "responses forwarded to ext: 7 of 7" [ "$r" -eq 7 ]
check "nothing else on the int side" [ "$tot_int" -eq $((a + b + s + arp)) ]
check "nothing else on the ext side" [ "$tot_ext" -eq 7 ]
if grep -q "received 590, passed $((a + b + s + arp + r)), dropped $((590 - a - b - s - arp - r)) (received = passed + dropped: yes)" "$work/stdout"; then
	ok "summary: received 590 = passed + dropped, matching the captures"
else nok "summary: received 590 = passed + dropped, matching the captures" "$(head -1 "$work/stdout")"; fi
check "summary: no TX queue full" grep -q 'TX queue full (freed) 0' "$work/stdout"
if grep -q '"rx": 590' "$work/tel-stats" && grep -q "\"rate_pps\": 400" "$work/tel-stats"; then
	ok "telemetry /floodguard/stats while running"
else nok "telemetry /floodguard/stats while running" "$(tr '\n' ' ' <"$work/tel-stats" | cut -c1-300)"; fi
if grep -q '"1": {"src": "198.18.1.1", "class": "mom", "window_events": 500' "$work/tel-top"; then ok "telemetry /floodguard/top names the busiest source"
else nok "telemetry /floodguard/top names the busiest source" "$(tr '\n' ' ' <"$work/tel-top" | cut -c1-300)"; fi
if grep -q '"ipackets": 583' "$work/tel-ports"; then ok "telemetry /floodguard/ports: ext port received 583"
else nok "telemetry /floodguard/ports: ext port received 583" "$(tr '\n' ' ' <"$work/tel-ports" | cut -c1-300)"; fi

# host mode: one wire port; what passes goes to the exception port (here a
# net_pcap vdev so that the test can read what the host would get), what
# the host sends goes out of the wire port
frames "$work" <<'EOF'
wire = [e() / IP(src="198.18.1.1", dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"A" * 20)] * 300
wire += [e() / IP(src="198.18.1.1", dst="198.18.3.3") / UDP(sport=40000, dport=1270) / Raw(b"N" * 20)] * 40
wire += [e() / IP(src="198.18.2.10", dst="198.18.1.1") / UDP(sport=1270, dport=40000) / Raw(b"R")] * 5
wrpcap(f"{w}/wire_in.pcap", wire)
wrpcap(f"{w}/host_in.pcap", [e() / IP(src="198.18.2.10", dst="198.18.1.1") / UDP(sport=1270, dport=40000) / Raw(b"H")] * 9)
EOF
timeout 60 "$fg" -l 0-1 --no-pci --file-prefix "$prefix-h" \
	--vdev "net_pcap0,rx_pcap=$work/wire_in.pcap,tx_pcap=$work/wire_out.pcap" -- $(own -h) \
	--mode host --duration 2 --set table.sources=65536 --set mom.pps=1 --set mom.pps_burst=100 \
	--set protect.prefixes=198.18.2.0/24 \
	--set "dataplane.exception=net_pcap_exc,rx_pcap=$work/host_in.pcap,tx_pcap=$work/host_out.pcap" \
	>"$work/host.out" 2>&1
rc=$?
a=$(count "$work/host_out.pcap" 'ip.dst==198.18.2.10')
byp=$(count "$work/host_out.pcap" 'ip.dst==198.18.3.3')
resp=$(count "$work/host_out.pcap" 'ip.src==198.18.2.10')
h=$(count "$work/wire_out.pcap" 'ip.src==198.18.2.10')
if [ "$rc" -eq 0 ] && [ "$a" -eq 100 ] && [ "$byp" -eq 40 ] && [ "$resp" -eq 5 ] && [ "$h" -eq 9 ]; then
	ok "host mode: protected prefix limited (100 of 300), other destinations bypass (40 of 40), host replies out of the wire (9 of 9)"
else nok "host mode: protected prefix limited, other destinations bypass, host replies out" \
	"exit $rc, limited $a/300 (want 100), bypass $byp/40, responses $resp/5, host $h/9"; fi
grep -q 'verdicts: pass 100 pass-other 40 pass-response 14 rate-pps 200' "$work/host.out" &&
	ok "host mode: verdict counters" || nok "host mode: verdict counters" "$(grep verdicts "$work/host.out")"

# two workers, one source's packets on both RX queues of the ext port: the
# shared table holds it to its limit once, not once per worker
frames "$work" <<'EOF'
for q in (0, 1):
    wrpcap(f"{w}/q{q}.pcap", [e() / IP(src="198.18.1.1", dst="198.18.2.10") / UDP(sport=40000 + q, dport=1270) / Raw(b"Q" * 20)] * 500)
wrpcap(f"{w}/r.pcap", [e() / IP(src="198.18.2.10", dst="198.18.1.1") / UDP(sport=1270, dport=40000) / Raw(b"r")])
EOF
timeout 60 "$fg" --lcores 0@0,1@1,2@0 --no-pci --file-prefix "$prefix-w" \
	--vdev "net_pcap0,rx_pcap=$work/q0.pcap,rx_pcap=$work/q1.pcap,tx_pcap=$work/e0.pcap,tx_pcap=$work/e1.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/r.pcap,rx_pcap=$work/r.pcap,tx_pcap=$work/i0.pcap,tx_pcap=$work/i1.pcap" \
	-- $(own -w) --duration 2 --set dataplane.queues=2 --set table.sources=65536 \
	--set mom.pps=1 --set mom.pps_burst=100 >"$work/w2.out" 2>&1
rc=$?
w2=$(( $(count "$work/i0.pcap" 'ip.src==198.18.1.1') + $(count "$work/i1.pcap" 'ip.src==198.18.1.1') ))
if [ "$rc" -eq 0 ] && [ "$w2" -ge 100 ] && [ "$w2" -le 102 ] &&
	grep -q '2 workers (limiters: shared, compare-and-swap)' "$work/w2.out" &&
	grep -q 'port 0 (net_pcap): the PMD has no RSS (\[dataplane\] rss = flow): sources shared between workers' "$work/w2.out"; then
	ok "2 workers, one source on both queues: $w2 of 1000 passed (burst 100 + 1/s, once)"
else nok "2 workers, one source on both queues: its burst once" "exit $rc, passed $w2: $(grep -E 'workers|verdicts' "$work/w2.out")"; fi

# rss = presplit: the queues come split by source (one capture each), so
# each worker is the only writer of its source's entry (plain stores)
# and still holds it to its limit exactly
frames "$work" <<'EOF'
for q in (0, 1):
    wrpcap(f"{w}/s{q}.pcap", [e() / IP(src=f"198.18.1.{q + 1}", dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"S" * 20)] * 500)
EOF
timeout 60 "$fg" --lcores 0@0,1@1,2@0 --no-pci --file-prefix "$prefix-p" \
	--vdev "net_pcap0,rx_pcap=$work/s0.pcap,rx_pcap=$work/s1.pcap,tx_pcap=$work/p0.pcap,tx_pcap=$work/p1.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/r.pcap,rx_pcap=$work/r.pcap,tx_pcap=$work/j0.pcap,tx_pcap=$work/j1.pcap" \
	-- $(own -p) --duration 2 --set dataplane.queues=2 --set dataplane.rss=presplit \
	--set table.sources=65536 --set mom.pps=1 --set mom.pps_burst=100 >"$work/ps.out" 2>&1
rc=$?
a=$(( $(count "$work/j0.pcap" 'ip.src==198.18.1.1') + $(count "$work/j1.pcap" 'ip.src==198.18.1.1') ))
b=$(( $(count "$work/j0.pcap" 'ip.src==198.18.1.2') + $(count "$work/j1.pcap" 'ip.src==198.18.1.2') ))
v=$(grep -o 'verdicts: pass [0-9]* pass-response 2 rate-pps [0-9]*$' "$work/ps.out")
if [ "$rc" -eq 0 ] && [ "$a" -ge 100 ] && [ "$a" -le 102 ] && [ "$b" -ge 100 ] && [ "$b" -le 102 ] &&
	[ "$v" = "verdicts: pass $((a + b)) pass-response 2 rate-pps $((1000 - a - b))" ] &&
	grep -q '2 workers (limiters: one writer per source)' "$work/ps.out" &&
	grep -q 'port 0 (net_pcap): its queues come split by source (\[dataplane\] rss = presplit): one writer per source' "$work/ps.out"; then
	ok "rss = presplit, one source per queue: plain stores, $a and $b of 500 passed (burst 100 + 1/s each)"
else nok "rss = presplit, one source per queue: each its burst" "exit $rc, passed $a and $b: $(grep -E 'workers|verdicts' "$work/ps.out")"; fi

# rss = source where the PMD cannot hash the source alone (net_pcap: no
# RSS): a warning, and the table stays shared
timeout 60 "$fg" --lcores 0@0,1@1,2@0 --no-pci --file-prefix "$prefix-s" \
	--vdev "net_pcap0,rx_pcap=$work/s0.pcap,rx_pcap=$work/s1.pcap,tx_pcap=$work/p0.pcap,tx_pcap=$work/p1.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/r.pcap,rx_pcap=$work/r.pcap,tx_pcap=$work/j0.pcap,tx_pcap=$work/j1.pcap" \
	-- $(own -s) --duration 1 --set dataplane.queues=2 --set dataplane.rss=source \
	--set table.sources=65536 >"$work/src.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q 'port 0 (net_pcap): the PMD cannot hash the source address alone (\[dataplane\] rss = source): sources shared between workers' "$work/src.out" &&
	grep -q '2 workers (limiters: shared, compare-and-swap)' "$work/src.out"; then
	ok "rss = source on a PMD without RSS: a warning names the port, the table stays shared"
else nok "rss = source on a PMD without RSS: warned, shared" "exit $rc: $(grep -E 'rss|workers' "$work/src.out")"; fi

# rss = presplit where the PMD spreads flows itself (net_tap: RSS on
# addresses and ports, no source-only hash): no start, the port named
tap=fgrs$$
timeout 60 "$fg" --lcores 0@0,1@1,2@0 --no-pci --file-prefix "$prefix-t" \
	--vdev "net_tap0,iface=${tap:0:15}" --vdev net_null0,no-rx=1 -- $(own -t) --duration 1 \
	--set dataplane.queues=2 --set dataplane.rss=presplit >"$work/tap.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'rss = presplit: port 0 (net_tap) spreads flows over its queues and cannot hash the source address alone' "$work/tap.out" &&
	! grep -q forwarding "$work/tap.out"; then
	ok "rss = presplit on a PMD that spreads flows: no start (exit $rc), the port and why named"
else nok "rss = presplit on a PMD that spreads flows: no start" "exit $rc: $(grep -E 'rss|forwarding' "$work/tap.out")"; fi

# dpdk-dumpcap attaches to a running floodguard (rte_pdump_init) and
# captures what its ext port receives. Not with an ASan build: ASan's
# shadow memory takes the addresses the secondary must map the primary's
# memory at, and a secondary dying in its EAL init leaves the shared
# memory lock held, so the primary hangs in rte_pdump_uninit at exit.
dumpcap_test() {
	frames "$work" <<'EOF'
wrpcap(f"{w}/loop.pcap", [Ether() / IP(src="198.18.1.%d" % (i % 50 + 1), dst="198.18.2.10") /
       UDP(sport=40000, dport=1270) / Raw(b"L" * 20) for i in range(1000)])
EOF
	# a short path: dpdk-dumpcap's secondary process fails to probe a
	# net_pcap vdev whose arguments are long (DPDK 22.11, ~70 characters)
	local loop=/tmp/fgt-loop-$$.pcap pid rc dumped
	cp "$work/loop.pcap" "$loop"
	"$fg" -l 0-1 --no-pci --file-prefix "$prefix-d" \
		--vdev "net_pcap0,rx_pcap=$loop,infinite_rx=1" --vdev net_null0,no-rx=1 -- $(own -d) \
		--duration 30 --set table.sources=65536 --set dataplane.mbufs=8191 \
		>"$work/dump.out" 2>&1 &
	pid=$!
	up() { file_has "$work/dump.out" forwarding || gone "$pid"; }
	wait_until 60 up
	# on the main lcore's CPU, off the worker's, as docs/architecture.md
	# tells operators to run it
	timeout 30 taskset -c 0 dpdk-dumpcap --file-prefix="$prefix-d" -i net_pcap0 -c 20 \
		-w "$work/dump.pcapng" >"$work/dumpcap.out" 2>&1
	kill -INT "$pid"
	rm -f "$loop"
	dumped=$(count "$work/dump.pcapng" 'udp.dstport==1270')
	wait_pid 30 "$pid"
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$dumped" -ge 20 ]; then
		ok "dpdk-dumpcap captures a running floodguard's port ($dumped packets, -c 20)"
	else
		nok "dpdk-dumpcap captures a running floodguard's port" \
			"exit $rc, captured $dumped: $(tail -2 "$work/dumpcap.out")"
	fi
}
if ldd "$fg" | grep -q libasan; then
	n=$((n + 1))
	echo "ok $n - dpdk-dumpcap on a running instance # SKIP ASan build (see the comment)"
else
	dumpcap_test
fi

# rst_on_block: an agent over TCP floods the window (10 events in 10 s);
# each of its segments dropped as flood-blocked gets a reset to the server
# (int port, its addresses, the segment's seq) and one back to it (ext
# port, swapped, seq = the segment's ack). 30 segments: 10 pass, the 11th
# blocks, 19 more while blocked: 20 pairs; a SYN from it then gets RST|ACK
# towards itself only; a segment with RST gets nothing
frames "$work" <<'EOF'
pk = [e() / IP(src="198.18.1.5", dst="198.18.2.10") /
      TCP(sport=40000, dport=1270, flags="PA", seq=1000 + 10 * i, ack=5000) / Raw(b"D" * 10) for i in range(30)]
pk.append(e() / IP(src="198.18.1.5", dst="198.18.2.10") / TCP(sport=40001, dport=1270, flags="S", seq=77))
pk.append(e() / IP(src="198.18.1.5", dst="198.18.2.10") / TCP(sport=40000, dport=1270, flags="RA", seq=1300, ack=5000))
wrpcap(f"{w}/rst_in.pcap", pk)
wrpcap(f"{w}/rst_int_in.pcap", [e() / IP(src="198.18.2.10", dst="198.18.1.5") / TCP(sport=1270, dport=40000, flags="A", seq=5000, ack=1010)])
EOF
timeout 60 "$fg" -l 0-1 --no-pci --file-prefix "$prefix-rst" \
	--vdev "net_pcap0,rx_pcap=$work/rst_in.pcap,tx_pcap=$work/rst_ext_out.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/rst_int_in.pcap,tx_pcap=$work/rst_int_out.pcap" \
	-- $(own -rst) --duration 2 --set table.sources=65536 --set dataplane.rst_on_block=1 \
	--set mom.window_events=10 --set mom.window_ms=10000 --set mom.block_ms=60000 \
	>"$work/rst.out" 2>&1
rc=$?
# seq, ack and flags of the resets whose IP and TCP checksums tshark finds good
tsv() {
	tshark -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y "tcp.flags.reset==1 && tcp.checksum.status==1 && ip.checksum.status==1 && $2" \
		-T fields -e tcp.seq_raw -e tcp.ack_raw 2>/dev/null
}
srv=$(tsv "$work/rst_int_out.pcap" 'ip.src==198.18.1.5 && ip.dst==198.18.2.10 && tcp.srcport==40000 && tcp.dstport==1270')
cli=$(tsv "$work/rst_ext_out.pcap" 'ip.src==198.18.2.10 && ip.dst==198.18.1.5 && tcp.srcport==1270')
want_srv=$(for i in $(seq 10 29); do echo "$((1000 + 10 * i))"; done | tr '\n' ' ')
got_srv=$(cut -f1 <<<"$srv" | sort -n | tr '\n' ' ')
data=$(count "$work/rst_int_out.pcap" 'tcp.len==10')
[ "$rc" -eq 0 ] && [ "$data" -eq 10 ] && [ "$got_srv" = "$want_srv" ]
okif "rst_on_block: 10 segments passed, 20 resets to the server carrying the dropped segments' seq" \
	"exit $rc, data $data, seq: $got_srv"
[ "$(grep -c $'^5000\t0$' <<<"$cli")" -eq 20 ] && [ "$(grep -c $'^0\t78$' <<<"$cli")" -eq 1 ] &&
	[ "$(wc -l <<<"$cli")" -eq 21 ]
okst $? "rst_on_block: 20 resets back to the source (seq = its ack, 5000), RST|ACK for its SYN (ack 78), none for its RST" \
	"$(tr '\t\n' ', ' <<<"$cli" | cut -c1-300)"
grep -q '^tcp resets (rst_on_block): sent 41, over the cap 0, failed (no mbuf, TX full) 0$' "$work/rst.out"
okst $? "rst_on_block: the summary counts the 41 resets" "$(grep -E 'resets|verdicts' "$work/rst.out")"

# a TX queue that never takes anything (a memif server whose client never
# comes): every passed packet is counted as TX queue full and freed, the
# run ends on time and every mbuf is back in the pool
rm -f "$work/nobody.sock"
timeout 20 "$fg" -l 0-1 --no-pci --file-prefix "$prefix-full" \
	--vdev "net_pcap0,rx_pcap=$work/ext_in.pcap,tx_pcap=$work/full_ext_out.pcap" \
	--vdev "net_memif1,role=server,socket=$work/nobody.sock" \
	-- $(own -full) --duration 2 --set table.sources=65536 --set dataplane.stats_interval=0 >"$work/full.out" 2>&1
rc=$?
passed=$(sed -n 's/^packets: received [0-9]*, passed \([0-9]*\),.*/\1/p' "$work/full.out")
if [ "$rc" -eq 0 ] && [ -n "$passed" ] && [ "$passed" -gt 0 ] &&
	grep -q "^transmit: sent 0, TX queue full (freed) $passed\$" "$work/full.out" &&
	grep -q '^mbufs: all [0-9]* back in the pool' "$work/full.out"; then
	ok "TX queue that takes nothing: $passed passed packets counted as TX full and freed, all mbufs back"
else nok "TX queue that takes nothing: counted as TX full and freed, all mbufs back" \
	"exit $rc: $(grep -E '^(packets|transmit|mbufs)' "$work/full.out" | tr '\n' ' ') $(tail -2 "$work/full.out")"; fi
check "a normal inline run also returns every mbuf" grep -q '^mbufs: all [0-9]* back in the pool' "$work/stdout"
# a port that cannot start (a memif client with no server): exit 1 naming it
timeout 20 "$fg" -l 0-1 --no-pci --file-prefix "$prefix-nostart" \
	--vdev "net_pcap0,rx_pcap=$work/ext_in.pcap,tx_pcap=$work/ns_ext_out.pcap" \
	--vdev "net_memif1,role=client,socket=$work/nobody.sock" -- $(own -nostart) --duration 2 >"$work/nostart.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'fg_port_start(): port 1 ' "$work/nostart.out"; then
	ok "a port that fails to start: exit 1, names the port"
else nok "a port that fails to start: exit 1, names the port" "exit $rc: $(tail -3 "$work/nostart.out")"; fi

# bad port setups are errors that say what is missing, never a hang
timeout 60 "$fg" -l 0-1 --no-pci --file-prefix "$prefix-x" --vdev "net_null0" -- $(own -x) --duration 1 \
	>"$work/one.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'int_port: no DPDK port 1' "$work/one.out"; then ok "one port in inline mode: exit 1, names int_port"
else nok "one port in inline mode: exit 1, names int_port" "exit $rc: $(tail -2 "$work/one.out")"; fi
timeout 60 "$fg" -l 0 --no-pci --file-prefix "$prefix-y" --vdev net_null0 --vdev net_null1 -- $(own -y) --duration 1 \
	>"$work/lc.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'no worker lcore' "$work/lc.out"; then ok "one lcore: exit 1, says a worker lcore is needed"
else nok "one lcore: exit 1, says a worker lcore is needed" "exit $rc: $(tail -2 "$work/lc.out")"; fi
# monitor mode, telemetry: the ext capture replayed forever with
# [mom] monitor = 1: the over-rate agent's drops are would-drops (none
# dropped), and /floodguard/top ranks it first by drops, would-drops all
"$fg" -l 0-1 --no-pci --file-prefix "$prefix-m" \
	--vdev "net_pcap0,rx_pcap=$work/ext_in.pcap,infinite_rx=1" --vdev "net_null0,no-rx=1" \
	-- $(own -m) --duration 60 --set table.sources=65536 --set mom.pps=1 --set mom.pps_burst=100 \
	--set mom.window_events=0 --set mom.monitor=1 --set mom.syn=1 --set mom.syn_burst=20 \
	>"$work/mon.out" 2>&1 &
pid=$!
telm() { # COMMAND FILE, of the monitor run
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$prefix-m" >"$2" 2>&1
}
# judge_mon: the monitor run's telemetry as wanted (a diagnostic if not)
judge_mon() {
	/usr/bin/python3 - "$work" "$1" <<'PY'
import json, sys
w, quiet = sys.argv[1], sys.argv[2] == "quiet"
# null while its commands are not registered yet (the EAL is up first)
try:
    st = json.load(open(f"{w}/tel-mstats"))["/floodguard/stats"]
    d = json.load(open(f"{w}/tel-mtop"))["/floodguard/top"].get("drop_1", {})
    if st is None:
        raise ValueError("/floodguard/stats is null")
except (ValueError, KeyError, TypeError, AttributeError) as e:
    quiet or print(f"  # telemetry unreadable: {e}")
    sys.exit(1)
good = (st["rate_pps"] == 0 and st["would_rate_pps"] > 1000 and st["dropped"] == 0 and
        d.get("src") == "198.18.1.1" and d.get("reason") == "rate-pps" and
        d.get("would_drop") == d.get("drops") > 0)
if not good and not quiet:
    print(f"  # stats dropped {st['dropped']} rate_pps {st['rate_pps']} would_rate_pps "
          f"{st['would_rate_pps']}; top drop_1 {d}")
sys.exit(0 if good else 1)
PY
}
tel_mon() {
	telm /floodguard/stats "$work/tel-mstats" && telm /floodguard/top "$work/tel-mtop" &&
		judge_mon quiet || gone "$pid"
}
wait_until 60 tel_mon
stop_pid INT 30 "$pid"
rc=$?
judge_mon loud
okst $? "monitor: telemetry /floodguard/stats would_rate_pps, nothing dropped; /floodguard/top drop_1 is the agent, rate-pps, would-drops"
check "monitor run exits 0 on SIGINT" [ "$rc" -eq 0 ]
grep -q "\[mom\] monitor = 1: what its rules would drop passes" "$work/mon.out"
okst $? "monitor at start is logged"
tap_done
