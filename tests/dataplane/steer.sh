#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK tier: [dataplane] steering on a PMD without rte_flow (net_pcap). In
# host mode, auto says the port is not isolated (so gets no steering rules) and that
# blocked sources are dropped in software, and forwards as without it
# (every packet judged, received = passed + dropped, a block-list entry
# dropped by the workers); floodctl status says the same; required
# refuses to start and names the call the PMD refused; off says there
# are no NIC rules. The rte_flow path itself is tests/bpf/steer-qemu.sh.
# Prints TAP.   usage: steer.sh BUILD WORKDIR
set -uo pipefail
build=$1 work=$2
fg=$build/dataplane/floodguard ctl=$build/control/floodctl
mkdir -p "$work"
. "$(dirname "$0")/../lib/tap.sh"

frames "$work" <<'EOF2'
wire = [e() / IP(src="198.18.1.1", dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"A" * 20)] * 40
wire += [e() / IP(src="198.18.1.66", dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"B" * 20)] * 30
wire += [e() / IP(src="198.18.1.1", dst="198.18.2.10") / TCP(sport=40000, dport=22, flags="S")] * 5
wrpcap(f"{w}/wire_in.pcap", wire)
wrpcap(f"{w}/host_in.pcap", [e() / IP(src="198.18.2.10", dst="198.18.1.1") / UDP(sport=1270, dport=40000)])
EOF2

prefix=fgt-steer-$$
has() { grep -qF -- "$2" "$1" 2>/dev/null; }   # FILE STRING (no regex: [dataplane])
run() { # NAME STEERING DURATION [ARGS...]: floodguard in host mode on net_pcap
	local name=$1 steering=$2 dur=$3
	shift 3
	exec "$fg" -l 0-1 --no-pci --file-prefix "$prefix-$name" \
		--vdev "net_pcap0,rx_pcap=$work/wire_in.pcap,tx_pcap=$work/$name-wire_out.pcap" -- \
		--set "control.instance=$prefix-$name" --set control.state_file=none --mode host \
		--duration "$dur" --set table.sources=65536 --set protect.prefixes=198.18.2.0/24 \
		--set "dataplane.steering=$steering" --set lists.block=198.18.1.66 \
		--set "dataplane.exception=net_pcap_x$name,rx_pcap=$work/host_in.pcap,tx_pcap=$work/$name-host_out.pcap" \
		"$@" >"$work/$name.out" 2>&1
}

# auto: runs; floodctl status while it does
(run auto auto 30) &
pid=$!
wait_until 20 "$ctl" -i "$prefix-auto" status >/dev/null 2>&1
"$ctl" -i "$prefix-auto" status >"$work/status.txt" 2>&1
"$ctl" -i "$prefix-auto" status --json >"$work/status.json" 2>&1
stop_pid INT 20 "$pid"
rc=$?
[ "$rc" -eq 0 ] && has "$work/auto.out" 'port 0: not isolated, no steering rules (rte_flow_isolate: Function not implemented): every packet reaches the workers'
okst $? "auto on net_pcap: not isolated, no steering rules, named in the log" "exit $rc" \
	"$(grep -E 'isolat|steering' "$work/auto.out")"
has "$work/auto.out" 'port 0 (net_pcap): blocked sources dropped in software: the NIC refuses drop ipv4 tcp src 192.0.2.1/32 dst any dport 1270'
okst $? "auto on net_pcap: drop rules refused, blocked sources dropped in software" \
	"$(grep -E 'drop' "$work/auto.out")"
grep -q 'packets: received 76, passed 46, dropped 30 (received = passed + dropped: yes)' "$work/auto.out" &&
	grep -q 'block-list 30' "$work/auto.out"
okst $? "auto on net_pcap: every packet judged by the workers, the listed source dropped (30)" \
	"$(grep -E 'packets|verdicts' "$work/auto.out")"
grep -q 'not isolated, no steering rules' "$work/status.txt" &&
	grep -q 'drop rules: none in the NIC: blocked sources are dropped in software' "$work/status.txt"
okst $? "floodctl status: the NIC rules as the log said" "$(cat "$work/status.txt")"
/usr/bin/python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["steering"]
assert s["queue_rules"] == 0 and s["isolated_ports"] == 0 and s["drop_port"] == -1, s
assert s["drop_rules"] == 0 and s["nic_dropped"] == 0, s
assert "not isolated, no steering rules" in s["log"], s' "$work/status.json" 2>"$work/json.err"
okst $? "floodctl status --json: steering object (0 rules, no drop port)" "$(cat "$work/json.err" "$work/status.json")"

# required: refuses, names what
(run req required 5)
rc=$?
[ "$rc" -eq 1 ] && has "$work/req.out" '[dataplane] steering = required: port 0 refuses isolation (rte_flow_isolate, errno=38): Function not implemented' &&
	! has "$work/req.out" 'forwarding'
okst $? "required on net_pcap: refuses to start, names rte_flow_isolate" "exit $rc" "$(grep -E 'steering|isolat' "$work/req.out")"

# required in inline mode (no isolation asked): names the drop rule refused
"$fg" -l 0-1 --no-pci --file-prefix "$prefix-ri" \
	--vdev "net_pcap0,rx_pcap=$work/wire_in.pcap,tx_pcap=$work/ri0.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/host_in.pcap,tx_pcap=$work/ri1.pcap" -- \
	--set "control.instance=$prefix-ri" --set control.state_file=none --duration 5 \
	--set table.sources=65536 --set dataplane.steering=required >"$work/ri.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && has "$work/ri.out" 'steering = required: port 0 (net_pcap) refuses drop ipv4 tcp src 192.0.2.1/32 dst any dport 1270: Function not implemented'
okst $? "required inline on net_pcap: refuses, names the drop rule" "exit $rc" "$(grep -E 'steering|refuses' "$work/ri.out")"

# off: no rules asked for, forwards the same
(run off off 1)
rc=$?
[ "$rc" -eq 0 ] && has "$work/off.out" 'port 0: no NIC rules ([dataplane] steering = off)' &&
	grep -q 'packets: received 76, passed 46, dropped 30 (received = passed + dropped: yes)' "$work/off.out" &&
	! has "$work/off.out" 'rte_flow'
okst $? "off: no NIC rules, the same verdicts" "exit $rc" "$(grep -E 'NIC|packets' "$work/off.out")"

"$fg" --set dataplane.steering=sometimes --print-config >"$work/bad.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && has "$work/bad.out" "[dataplane] steering: 'sometimes' is not auto, off or required"
okst $? "steering = sometimes: refused, named" "exit $rc" "$(cat "$work/bad.out")"
tap_done
