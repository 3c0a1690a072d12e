# SPDX-License-Identifier: BSD-3-Clause
# Debian's kernels for the qemu suites (tests/bpf/kernels.sh,
# tests/dataplane/steer-qemu.sh): fetched from deb.debian.org into a
# cache, never installed. Sourcing it sets the cache
# (FG_KERNEL_CACHE, /var/cache/floodguard/kernels) and the bound of each
# apt-get step (FG_KERNEL_FETCH_SECONDS, 120).
cache=${FG_KERNEL_CACHE:-/var/cache/floodguard/kernels}
fetch_secs=${FG_KERNEL_FETCH_SECONDS:-120} fetch_gone=
mkdir -p "$cache"
# fetch RELEASE: $cache/RELEASE/vmlinuz, the kernel linux-image-cloud-amd64
# depends on (the release and its security updates), and in
# $cache/RELEASE/modules the modules steer-qemu.sh loads (tun, veth, the
# tc qdiscs, classifiers and actions of the TAP PMD's rte_flow); errors in
# $cache/RELEASE.log. Each apt-get step is bounded by fetch_secs; one that
# reaches it sets fetch_gone, and later fetches are not tried.
fetch() {
	local r=$1 d=$cache/$1
	[ -s "$d/vmlinuz" ] && [ -s "$d/modules/cls_flower.ko" ] && return 0
	if [ -n "$fetch_gone" ]; then
		echo "E: not tried: $fetch_gone" >"$d.log"
		return 1
	fi
	rm -rf "$d.tmp" && mkdir -p "$d.tmp/lists/partial" "$d.tmp/archives/partial"
	fetch_into "$r" "$d" >"$d.log" 2>&1
	rm -rf "$d.tmp"
	[ -s "$d/vmlinuz" ]
}
# gone_if RC WHAT: RC is timeout's for an overrun: note the network gone
gone_if() {
	[ "$1" -eq 124 ] || [ "$1" -eq 137 ] || return "$1"
	fetch_gone="$2 reached its bound of $fetch_secs s"
	echo "E: $fetch_gone"
	return "$1"
}
fetch_into() { # RELEASE DIR
	local r=$1 d=$2 pkg
	printf 'deb http://deb.debian.org/debian %s main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
		"$r" "$r" >"$d.tmp/sources.list"
	local apt=(-o Dir::Etc::sourcelist="$d.tmp/sources.list" -o Dir::Etc::sourceparts=-
		-o Dir::State::Lists="$d.tmp/lists" -o Dir::Cache="$d.tmp" -o Dir::State::status=/dev/null
		-o APT::Sandbox::User=root -o Acquire::http::Timeout=30 -o Acquire::Retries=1 -q)
	timeout -k 10 "$fetch_secs" apt-get "${apt[@]}" update
	gone_if $? "apt-get update ($r)" || return
	pkg=$(timeout 60 apt-cache "${apt[@]}" depends linux-image-cloud-amd64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
	[ -n "$pkg" ] || { echo "E: linux-image-cloud-amd64 depends on no kernel in $r"; return 1; }
	(cd "$d.tmp" && timeout -k 10 "$fetch_secs" apt-get "${apt[@]}" download "$pkg")
	gone_if $? "apt-get download $pkg" || return
	dpkg-deb -x "$d.tmp/${pkg}"_*.deb "$d.tmp/x" &&
		mkdir -p "$d/modules" && mv "$d.tmp"/x/boot/vmlinuz-* "$d/vmlinuz" &&
		basename "$d.tmp/${pkg}"_*.deb >"$d/package" &&
		find "$d.tmp/x/lib/modules" \( -path '*/net/sched/*' -o -name tun.ko -o -name veth.ko \) \
			-name '*.ko' -exec cp {} "$d/modules/" \;
}


# init_head: the first lines of a VM's /init (busybox's applets, /dev, the
# console, /proc, /sys, the "fg-uname" line the suites wait for)
init_head() {
	cat <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "fg-uname $(uname -r)"
EOF
}
