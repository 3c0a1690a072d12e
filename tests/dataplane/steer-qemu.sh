#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The rte_flow path on a PMD that has it: floodguard in host mode on
# net_tap,remote=vA inside Debian 12's kernel under qemu (TCG), whose
# tc (sch_multiq, cls_flower, act_gact, act_skbedit, act_mirred) the TAP
# PMD's rte_flow is built on; the host's kernel may lack them. In the VM a
# veth pair vB -> vA: frames sent on vB (tcpreplay) arrive on vA, the
# "NIC" whose tc rules the PMD writes. Checks: the port isolated and the
# steering rules in the NIC (log, floodctl status); the protected classes
# reach the worker's queue, other traffic and protected ports to other
# destinations do not (the port's ipackets: the queue counter); a
# block-list source never reaches the queue; `floodctl block add` of a
# sending source stops it at the NIC, `block del` lets it in again; the
# time from floodctl handing a block-list change over to the drop rules
# in step (the data plane's debug log) over 202 changes, and its parts:
# the list thread's wakeup, the set's change, the TAP PMD's rte_flow
# calls (netlink to the emulated kernel's tc), the rest; each change
# creates or destroys only its source's 5 rules; at hw_drop_rules = 64
# a 13th /32 waits in software and gets the room a delete gives back. A
# kernel that cannot be fetched is a SKIP. Prints TAP.
#   usage: steer-qemu.sh BUILDDIR WORKDIR   (FG_KERNEL_CACHE, as kernels.sh)
set -uo pipefail
build=$(realpath "$1") work=$2
mkdir -p "$work"
work=$(realpath "$work")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kernel.sh"

for t in qemu-system-x86_64 busybox cpio apt-get dpkg-deb meson ninja tcpreplay ip; do
	command -v "$t" >/dev/null ||
		{ echo "1..0 # SKIP needs $t (qemu-system-x86, busybox-static, cpio, tcpreplay)"; exit 0; }
done
rel=bookworm
fetch "$rel" ||
	{ echo "1..0 # SKIP its kernel cannot be fetched: $(grep -E '^(E|W):' "$cache/$rel.log" | tail -1)"; exit 0; }

# the traffic: to the protected 198.18.2.0/24 from a good source (UDP and
# TCP 1270, UDP and TCP 5060, TCP 5061), other traffic (UDP 53, TCP 22),
# a protected port to an unprotected server, a block-list source
frames "$work" <<'PY' || { nok "captures written"; tap_done; exit 1; }
srv, good, bad = "198.18.2.10", "198.18.1.1", "198.18.9.9"
t = []
t += [e() / IP(src=good, dst=srv) / UDP(sport=4000, dport=1270) / Raw(b"m" * 30)] * 10
t += [e() / IP(src=good, dst=srv) / TCP(sport=4000, dport=1270, flags="PA") / Raw(b"m" * 30)] * 4
t += [e() / IP(src=good, dst=srv) / UDP(sport=5060, dport=5060) / Raw(b"x" * 30)] * 3
t += [e() / IP(src=good, dst=srv) / TCP(sport=4001, dport=5061, flags="S")] * 3
wrpcap(f"{w}/steered.pcap", t)           # 20: every one to the queue
o = [e() / IP(src=good, dst=srv) / UDP(sport=4000, dport=53) / Raw(b"q" * 30)] * 7
o += [e() / IP(src=good, dst=srv) / TCP(sport=4000, dport=22, flags="S")] * 5
o += [e() / IP(src=good, dst="198.18.3.3") / UDP(sport=4000, dport=1270)] * 6
wrpcap(f"{w}/other.pcap", o)             # 18: none to the queue
wrpcap(f"{w}/blocked.pcap",              # 25 from the block-list source
       [e() / IP(src=bad, dst=srv) / UDP(sport=4000, dport=1270) / Raw(b"b" * 30)] * 25)
wrpcap(f"{w}/late.pcap",                 # 12 from a source blocked while it runs
       [e() / IP(src="198.18.1.77", dst=srv) / UDP(sport=4000, dport=1270)] * 12)
PY

# floodguard and floodctl for a CPU TCG emulates (the build's -march=native
# may use AVX-512, which TCG lacks)
src=$(cd "$(dirname "$0")/../.." && pwd) gb=$work/build-x86-64-v2
{ [ -f "$gb/build.ninja" ] || timeout 300 meson setup "$gb" "$src" -Dcpu=x86-64-v2 -Dtests=disabled; } >"$work/build.log" 2>&1 &&
	timeout 600 ninja -C "$gb" dataplane/floodguard control/floodctl >>"$work/build.log" 2>&1 ||
	{ nok "floodguard built for x86-64-v2" "$(tail -5 "$work/build.log")"; tap_done; exit 1; }

# the initramfs: busybox, floodguard, floodctl, ip, tcpreplay and their
# libraries, the TAP PMD and the ring mempool driver (DPDK's plugins), the
# modules, the captures
root=$work/initramfs pmds=$(pkg-config --variable=pmdsdir libdpdk 2>/dev/null)
[ -n "$pmds" ] || pmds=$(dirname "$(ls /usr/lib/*/dpdk/pmds-*/librte_net_tap.so | head -1)")
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,mod,run,var} "$root$pmds"
cp "$(command -v busybox)" "$root/bin/busybox" && ln -s busybox "$root/bin/sh" &&
	cp "$gb/dataplane/floodguard" "$gb/control/floodctl" "$work"/*.pcap "$root/" &&
	mkdir -p "$root/sbin2" && cp "$(command -v ip)" "$(command -v tc)" "$(command -v tcpreplay)" "$root/sbin2/" &&
	cp "$pmds"/librte_net_tap.so* "$pmds"/librte_mempool_ring.so* "$root$pmds/" &&
	cp "$cache/$rel"/modules/{tun,veth,sch_ingress,sch_multiq,sch_prio,cls_flower,act_gact,act_mirred,act_skbedit,cls_bpf,act_bpf}.ko "$root/mod/" ||
	{ nok "initramfs built"; tap_done; exit 1; }
for b in "$gb/dataplane/floodguard" "$gb/control/floodctl" "$(command -v ip)" "$(command -v tc)" "$(command -v tcpreplay)" \
	"$pmds"/librte_net_tap.so "$pmds"/librte_mempool_ring.so; do
	for l in $(ldd "$b" | grep -o '/[^ ]*'); do cp -L --parents "$l" "$root" 2>/dev/null; done
done
{ init_head; cat <<'EOF'
mkdir -p /dev/shm /var/run && mount -t tmpfs tmpfs /dev/shm && mount -t tmpfs tmpfs /var/run
for m in tun veth sch_ingress sch_multiq sch_prio cls_flower act_gact act_mirred act_skbedit cls_bpf act_bpf; do
	insmod /mod/$m.ko || echo "fg-insmod-failed $m"
done
# no IPv6 on the taps the PMD creates: their own router solicitations
# and MLD reports would be received on the queue too
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
ip=/sbin2/ip
$ip link add vA type veth peer name vB && $ip link set vA up && $ip link set vB up &&
	$ip addr add 198.18.2.1/24 dev vA || echo "fg-veth-failed"
fc() { /floodctl -i q "$@"; }
/floodguard -l 0-1 --no-huge -m 512 --no-pci --no-telemetry --vdev net_tap0,iface=dtap0,remote=vA -- \
	--mode host --duration 600 --set control.instance=q --set control.state_file=none \
	--set protect.prefixes=198.18.2.0/24 --set dataplane.exception=net_tap1,iface=fgx \
	--set lists.max_prefixes=1024 --set lists.v4_groups=64 --set table.sources=4096 \
	--set dataplane.mbufs=4095 --set dataplane.log_level=debug --set dataplane.stats_interval=0 \
	--set lists.block=198.18.9.9 --set dataplane.hw_drop_rules=64 >/tmp/fg.log 2>&1 &
fg=$!
i=0
until grep -q forwarding /tmp/fg.log; do
	i=$((i + 1)); [ $i -lt 300 ] && kill -0 $fg 2>/dev/null || break; sleep 1
done
echo "fg-started after $i s"
fc status | sed 's/^/status /'
fc status --json | sed 's/^/statusjson /'
ipk() { fc stats --json | sed -n 's/.*"port":0,"name":"[^"]*","ipackets":\([0-9]*\).*/\1/p'; }
snap() { sleep 2; echo "ipackets $1 $(ipk)"; }
snap start
/sbin2/tcpreplay -q -i vB /steered.pcap >/dev/null 2>&1; snap steered
/sbin2/tcpreplay -q -i vB /other.pcap >/dev/null 2>&1; snap other
/sbin2/tcpreplay -q -i vB /blocked.pcap >/dev/null 2>&1; snap blocked
fc block add 198.18.1.77 >/dev/null
/sbin2/tcpreplay -q -i vB /late.pcap >/dev/null 2>&1; snap late-blocked
fc block del 198.18.1.77 >/dev/null
/sbin2/tcpreplay -q -i vB /late.pcap >/dev/null 2>&1; snap late-unblocked
for n in $(seq 1 100); do
	fc block add 198.18.8.$n >/dev/null; fc block del 198.18.8.$n >/dev/null
done
fc status | sed 's/^/status2 /'
# the cap: 64 rules are 12 /32s; 198.18.9.9 and 11 more fill it, a 13th
# waits in software, and takes the room a deleted one gives back at the
# next once-a-second pass
for n in $(seq 1 12); do fc block add 198.18.7.$n >/dev/null; done
fc status | sed -n 's/^ *drop rules: /cap-full /p'
fc block del 198.18.7.1 >/dev/null
sleep 3
fc status | sed -n 's/^ *drop rules: /cap-refill /p'
/sbin2/tc -s filter show dev vA ingress | sed 's/^/tc /'
$ip -s link show vA | sed 's/^/link /'
kill -INT $fg
i=0
while kill -0 $fg 2>/dev/null && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
sed 's/^/fglog /' /tmp/fg.log
poweroff -f
EOF
} >"$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.cpio.gz"

log=$work/console t0=$SECONDS
timeout -k 10 420 qemu-system-x86_64 -cpu max -smp 2 -m 1536 -nographic -no-reboot -net none \
	-kernel "$cache/$rel/vmlinuz" -initrd "$work/initrd.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null 2>&1 | tr -d '\r' >"$log"
k=$(sed -n "s/.*fg-uname //p" "$log")
[ -n "$k" ] || { nok "$rel boots" "$(tail -5 "$log")"; tap_done; exit 1; }
echo "# $k ($(cat "$cache/$rel/package")): booted and ran in $((SECONDS - t0)) s"
grep -qE 'fg-insmod-failed|fg-veth-failed' "$log"
[ $? -ne 0 ] && grep -q '^fg-started' "$log"
okst $? "$k: the tc modules load, floodguard starts on net_tap,remote=vA" \
	"$(grep -E 'fg-insmod|fg-veth|fg-started' "$log")" "$(grep '^fglog' "$log" | grep -iE 'err|fail|refus' | head -5)"

grep -q '^fglog floodguard: port 0 (net_tap): 5 steering rules in the NIC (protected ports of the \[protect\] prefixes to 1 queues); isolated' "$log"
okst $? "$k: port isolated, 5 steering rules in the NIC (the protected ports to 198.18.2.0/24)" \
	"$(grep -E '^fglog .*(isolat|steering|drop rules|refuses)' "$log")"
grep -q '^fglog floodguard: port 0 (net_tap): blocked sources dropped in the NIC' "$log" &&
	grep -q '^status .*drop rules: [0-9]* in the NIC for 1 blocked sources' "$log"
okst $? "$k: drop rules taken; floodctl status: the block-list entry in the NIC" \
	"$(grep -E '^status|^fglog .*drop' "$log")"

v() { sed -n "s/^ipackets $1 //p" "$log"; }
s0=$(v start) s1=$(v steered) s2=$(v other) s3=$(v blocked) s4=$(v late-blocked) s5=$(v late-unblocked)
echo "# queue ipackets: start $s0, after steered $s1, other $s2, blocked $s3, late blocked $s4, unblocked $s5"
[ -n "$s5" ] && [ $((s1 - s0)) -eq 20 ]
okst $? "$k: the 20 protected packets to the protected prefix reach the worker's queue" "got $((s1 - s0))"
[ -n "$s5" ] && [ "$s2" -eq "$s1" ]
okst $? "$k: other traffic and protected ports to another server stay in the kernel (0 of 18 on the queue)" "got $((s2 - s1))"
[ -n "$s5" ] && [ "$s3" -eq "$s2" ]
okst $? "$k: a block-list source never reaches the queue (0 of 25)" "got $((s3 - s2))"
[ -n "$s5" ] && [ "$s4" -eq "$s3" ] && [ $((s5 - s4)) -eq 12 ]
okst $? "$k: floodctl block add stops a source at the NIC (0 of 12), block del lets it in (12 of 12)" \
	"blocked: $((s4 - s3)), unblocked: $((s5 - s4))"

# the update time is TCG's on a shared host as much as ours: the test
# asserts that every change was followed within a second, by its own 5
# rules only, and prints the percentiles of the time and of its parts
# (docs/steering.md holds them; the 10 ms goal is a figure to measure,
# not a pass/fail bound for an emulated kernel)
upd=$(grep -m 202 'NIC drop rules in step' "$log" | sed -n 's/^fglog .*NIC drop rules in step \([0-9]*\) us after.*(woken \([0-9]*\) us, set \([0-9]*\) us, rte_flow \([0-9]*\) us in \([0-9]*\) calls, rest \([0-9]*\) us).*/\1 \2 \3 \4 \5 \6/p')
col() { awk -v c="$1" '{ print $c }' <<<"$upd" | sort -n; }
pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); print NR ? v[i < 1 ? 1 : i] : 999999999 }'; }
fig() { echo "p50 $(col "$1" | pct 50) us, p90 $(col "$1" | pct 90) us, p99 $(col "$1" | pct 99) us, max $(col "$1" | pct 100) us"; }
nu=$(grep -c . <<<"$upd") max=$(col 1 | pct 100) p50=$(col 1 | pct 50) p99=$(col 1 | pct 99)
echo "# rule updates: $nu, in step: $(fig 1) (TCG)"
echo "#   woken (floodctl to the list thread): $(fig 2)"
echo "#   set (the prefix set's change): $(fig 3)"
echo "#   rte_flow (the TAP PMD, netlink to the emulated kernel's tc): $(fig 4)"
echo "#   rest (the drop rules' bookkeeping, the data plane's): $(fig 6)"
[ "$nu" -ge 202 ] && [ "$max" -le 1000000 ]
okst $? "$k: drop rules in step with each of $nu floodctl block add|del (p50 $p50 us, p99 $p99 us, max $max us)" \
	"$(col 1 | tr '\n' ' ')"
calls=$(col 5 | sort -u | tr '\n' ' ')
[ "$calls" = "5 " ]
okst $? "$k: each change creates or destroys its source's 5 rules only (rte_flow calls per change: $calls)"
grep -q '^cap-full 60 in the NIC for 12 blocked sources, 1 left to software' "$log" &&
	grep -q '^cap-refill 60 in the NIC for 12 blocked sources, 0 left to software' "$log"
okst $? "$k: at hw_drop_rules = 64, the 13th /32 waits in software and takes the room a deleted one gives back" \
	"$(grep -E '^cap-' "$log")"
tap_done
