#!/usr/bin/env bash
# Install what floodguard needs from Debian, mount hugetlbfs and reserve
# hugepages. Idempotent: running it twice changes nothing the second time.
#   FG_HUGEPAGES  number of 2 MiB pages to reserve (default 1024)
#   FG_DEPS_QUIET set to 1 to print only what changed
set -eu

PKGS="build-essential meson ninja-build pkg-config clang llvm lld
      libclang-rt-14-dev dpdk dpdk-dev libdpdk-dev libbpf-dev bpftool
      libcriterion-dev libpcap-dev libelf-dev zlib1g-dev jq
      python3-scapy sip-tester tshark tcpreplay iproute2 ethtool iputils-ping
      nftables qemu-system-x86 busybox-static cpio exabgp bird2 frr
      debhelper dpkg-dev lintian man-db bsdextrautils systemd"

log() { echo "deps: $*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: must run as root (apt-get, hugepages)" >&2
	exit 1
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	# the BGP daemons are run by the tests in their namespaces: their
	# packages must not start them as services here
	norc=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		norc=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	[ -n "$norc" ] && rm -f /usr/sbin/policy-rc.d
else
	log "all packages present"
fi

if ! mountpoint -q /dev/hugepages; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages
	log "mounted hugetlbfs on /dev/hugepages"
fi
want=${FG_HUGEPAGES:-1024}
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
have=$(cat "$nr")
if [ "$have" -lt "$want" ]; then
	echo "$want" > "$nr"
	log "reserved hugepages: $(cat "$nr") x 2 MiB (wanted $want)"
else
	log "hugepages: $have x 2 MiB already reserved"
fi
