#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The XDP program on older kernels than the host's: Debian 12's 6.1 and
# Debian 11's 5.10 (their cloud-amd64 builds, fetched from deb.debian.org
# into a cache, never installed), each booted under qemu (TCG) with a
# small initramfs: busybox, floodctl and its libraries, crafted captures.
# In the VM `floodctl xdp test` loads the program (the kernel's verifier)
# and runs every packet through BPF_PROG_TEST_RUN; each packet's action
# and reason must be the expected one. floodctl is built again from the
# same sources for x86-64-v2 (the build's -march=native may use AVX-512,
# which TCG lacks); its XDP program's instructions must be the build's.
# A kernel that cannot be fetched is a SKIP. Prints TAP.
#   usage: kernels.sh BUILDDIR WORKDIR
#   FG_KERNEL_CACHE: the cache (/var/cache/floodguard/kernels); delete a
#   release's directory there to fetch its newest kernel again
#   FG_KERNEL_FETCH_SECONDS: bound of each apt-get step of a fetch (120);
#   once one reaches it the network is taken as gone and the next
#   release is a SKIP without trying, so a black hole costs one bound
set -uo pipefail
build=$(realpath "$1") work=$2
mkdir -p "$work"
work=$(realpath "$work")
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kernel.sh"

for t in qemu-system-x86_64 busybox cpio apt-get dpkg-deb meson ninja llvm-objdump; do
	command -v "$t" >/dev/null ||
		{ echo "1..0 # SKIP needs $t (qemu-system-x86, busybox-static, cpio)"; exit 0; }
done

# the captures and, for each packet, "ACTION REASON what it is"
frames "$work" <<'PY' || { nok "captures written"; tap_done; exit 1; }
srv, srv6 = "198.18.2.10", "2001:db8:2::10"
all_ = [  # run with the blocks and protected prefixes of the VM's /init
    (e() / IP(src="198.18.0.1", dst=srv) / UDP(sport=4000, dport=1270) / Raw(b"b" * 30),
     "drop drop-blocked blocked source dropped"),
    (e() / IPv6(src="2001:db8:bad::1", dst=srv6) / TCP(sport=4000, dport=1270),
     "drop drop-blocked blocked IPv6 source dropped"),
    (e() / IP(src="198.18.5.5", dst=srv) / UDP(sport=4000, dport=1270) / Raw(b"p" * 30),
     "redirect redirect-mom protected UDP 1270 redirected"),
    (e() / Dot1Q(vlan=10) / IP(src="198.18.5.5", dst=srv) / TCP(sport=4000, dport=5060),
     "redirect redirect-sip VLAN-tagged SIP TCP 5060 redirected"),
    (e() / IPv6(src="2001:db8:5::5", dst=srv6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
     TCP(sport=4000, dport=5061),
     "redirect redirect-sip-tls IPv6 with two extension headers, TCP 5061, redirected"),
    (e() / IP(src="198.18.5.5", dst="203.0.113.5") / UDP(sport=4000, dport=1270),
     "pass pass-dst UDP 1270 to an unprotected server passed"),
    (e() / IP(src="198.18.5.5", dst=srv) / UDP(sport=4000, dport=53) / Raw(b"q" * 30),
     "pass pass-other other traffic (UDP 53) passed"),
    (e() / ARP(psrc="198.18.5.5", pdst=srv), "pass pass-not-ip ARP passed"),
    (e() / IP(src="198.18.5.5", dst=srv, proto=17, frag=100) / Raw(b"f" * 40),
     "pass pass-frag non-first fragment passed"),
    (e() / IP(src="198.18.5.5", dst=srv, ihl=4) / UDP(sport=4000, dport=1270),
     "pass pass-malformed malformed IPv4 (IHL 4) passed"),
]
fallback = [  # run with --repeat: the production path, no AF_XDP socket
    (e() / IP(src="198.18.5.5", dst=srv) / UDP(sport=4000, dport=1270) / Raw(b"p" * 30),
     "pass redirect-mom protected UDP 1270, no AF_XDP socket: bpf_redirect_map falls back to pass"),
]
for name, pkts in (("all", all_), ("fallback", fallback)):
    wrpcap(f"{w}/{name}.pcap", [p for p, _ in pkts])
    with open(f"{w}/{name}.expect", "w") as f:
        f.writelines(x + "\n" for _, x in pkts)
PY

# floodctl for a CPU TCG emulates, with the build's XDP program
src=$(cd "$(dirname "$0")/../.." && pwd) gb=$work/build-x86-64-v2
{ [ -f "$gb/build.ninja" ] || timeout 300 meson setup "$gb" "$src" -Dcpu=x86-64-v2 -Dtests=disabled; } >"$work/build.log" 2>&1 &&
	timeout 300 ninja -C "$gb" control/floodctl >>"$work/build.log" 2>&1 ||
	{ nok "floodctl built for x86-64-v2" "$(tail -5 "$work/build.log")"; tap_done; exit 1; }
insns() { llvm-objdump -d --no-show-raw-insn "$1/bpf/fg_xdp.bpf.o" | tail -n +3; }
what="floodctl built for x86-64-v2; its XDP program has the build's instructions"
diff <(insns "$build") <(insns "$gb") >/dev/null && ok "$what" ||
	{ nok "$what" "they differ: rebuild $build?"; tap_done; exit 1; }

# the initramfs: busybox, floodctl and what ldd lists for it, the captures
root=$work/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$(command -v busybox)" "$root/bin/busybox" && ln -s busybox "$root/bin/sh"
cp "$gb/control/floodctl" "$work"/{all,fallback}.pcap "$root/" || { nok "initramfs built"; tap_done; exit 1; }
for l in $(ldd "$gb/control/floodctl" | grep -o '/[^ ]*'); do cp -L --parents "$l" "$root"; done
{ init_head; cat <<'EOF'
mount -t bpf bpf /sys/fs/bpf
run() { # NAME ARGS...: its output and exit status, each line after NAME
	name=$1
	shift
	/floodctl xdp test "$@" "/$name.pcap" >/tmp/out 2>&1
	echo "$name rc $?"
	sed "s/^/$name /" /tmp/out
}
run all --block 198.18.0.1 --block 2001:db8:bad::/48 --protect 198.18.2.0/24 --protect 2001:db8:2::/48
run fallback --repeat 100
poweroff -f
EOF
} >"$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.cpio.gz"

for rel in bookworm bullseye; do
	t0=$SECONDS
	if ! fetch "$rel"; then
		ok "$rel # SKIP its kernel cannot be fetched: $(grep -E '^(E|W):' "$cache/$rel.log" | tail -1)"
		continue
	fi
	fetched=$((SECONDS - t0)) t0=$SECONDS
	log=$work/$rel.console
	timeout -k 10 240 qemu-system-x86_64 -cpu max -m 1024 -nographic -no-reboot -net none -kernel "$cache/$rel/vmlinuz" \
		-initrd "$work/initrd.cpio.gz" -append "console=ttyS0 panic=-1 quiet" </dev/null 2>&1 |
		tr -d '\r' >"$log"
	k=$(sed -n "s/.*fg-uname //p" "$log")
	if [ -z "$k" ]; then
		nok "$rel ($(cat "$cache/$rel/package")) boots" "$(tail -5 "$log")"
		continue
	fi
	echo "# $k ($(cat "$cache/$rel/package")): fetched in ${fetched} s, booted and ran in $((SECONDS - t0)) s"
	if ! grep -qx 'all rc 0' "$log" || ! grep -qx 'fallback rc 0' "$log"; then
		nok "$k: floodctl xdp test loads the program (the verifier accepts it) and runs" \
			"$(grep -E '^(all|fallback) ' "$log" | grep -v '"n":' | tail -40)" "console: $log"
		continue
	fi
	ok "$k: floodctl xdp test loads the program (the verifier accepts it) and runs"
	for run in all fallback; do
		mapfile -t got < <(sed -n "s/^$run {\"n\":[0-9]*,\"action\":\"\([a-z]*\)\",\"reason\":\"\([a-z-]*\)\".*/\1 \2/p" "$log")
		i=0
		while read -r act why what; do
			g=${got[i]:-nothing}
			i=$((i + 1))
			[ "$g" = "$act $why" ] && ok "$k: $what ($why)" ||
				nok "$k: $what ($why)" "want $act $why, got $g"
		done <"$work/$run.expect"
	done
done
tap_done
