#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package end to end, as an operator gets it: built from a copy
# of the tree with dpkg-buildpackage, lintian clean (every override says
# why in debian/floodguard.lintian-overrides), installed with apt-get, the
# installed binaries run (offline replay, inspect, --version, man -w,
# completion, the hugepages helper), the units verified with
# systemd-analyze, then removed (only the conffile stays) and purged
# (nothing stays). Leaves no package installed. Prints TAP.
#   usage: package.sh WORKDIR        (root; ~2-3 min, bounded at 5)
set -uo pipefail
work=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/lib/tap.sh"
export DEBIAN_FRONTEND=noninteractive
rm -rf "$work" && mkdir -p "$work/src/floodguard"
purge() { timeout 120 apt-get purge -y -qq floodguard >/dev/null 2>&1; }
dpkg-query -W floodguard >/dev/null 2>&1 && purge
trap purge EXIT

# the tree as committed or being committed, without build directories
(cd "$src" && git ls-files -co --exclude-standard -z) |
	(cd "$src" && xargs -0 cp --parents -t "$work/src/floodguard") ||
	{ nok "copy of the tree"; tap_done; exit 1; }
t0=$SECONDS
(cd "$work/src/floodguard" && timeout 240 dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1
rc=$? deb=$(ls "$work"/src/floodguard_*_amd64.deb 2>/dev/null | head -1)
[ "$rc" -eq 0 ] && [ -n "$deb" ]
okst $? "dpkg-buildpackage -b -us -uc builds $(basename "${deb:-none}") in $((SECONDS - t0)) s" \
	"exit $rc" "$(tail -5 "$work/build.log")"
[ -n "$deb" ] || { tap_done; exit 1; }

timeout 120 lintian --pedantic --fail-on error,warning,info,pedantic "$deb" >"$work/lintian.out" 2>&1
rc=$? tags=$(grep -v 'running with root privileges' "$work/lintian.out")
[ "$rc" -eq 0 ] && [ -z "$tags" ]
okst $? "lintian --pedantic: no tag that is not overridden" "exit $rc" "$tags"
dep=$(dpkg-deb -f "$deb" Depends)
grep -q 'librte-eal' <<<"$dep" && grep -q libbpf <<<"$dep" && grep -q libpcap <<<"$dep" &&
	! grep -q -- '-dev' <<<"$dep"
okst $? "depends on the runtime libraries only (DPDK, libbpf, libpcap)" "$dep"

out=$(cd "$work/src" && timeout 180 apt-get install -y -qq "./$(basename "$deb")" 2>&1); rc=$?
[ "$rc" -eq 0 ] && dpkg-query -W -f='${Status}' floodguard | grep -q 'install ok installed'
okst $? "apt-get install ./$(basename "$deb")" "exit $rc" "$(tail -5 <<<"$out")"
files=$(dpkg -L floodguard)
missing=
for f in /usr/bin/floodguard /usr/bin/floodctl /etc/floodguard/floodguard.ini \
	/lib/systemd/system/floodguard.service /lib/systemd/system/floodguard@.service \
	/usr/libexec/floodguard-hugepages /usr/lib/floodguard/fg_xdp.bpf.o \
	/usr/share/man/man8/floodguard.8.gz /usr/share/man/man8/floodctl.8.gz \
	/usr/share/man/man5/floodguard.ini.5.gz /usr/share/bash-completion/completions/floodctl; do
	grep -qx "$f" <<<"$files" && [ -e "$f" ] || missing="$missing $f"
done
[ -z "$missing" ]
okst $? "dpkg -L lists binaries, conffile, units, helper, XDP object, man pages, completion" \
	"missing:$missing"
grep -qx /etc/floodguard/floodguard.ini /var/lib/dpkg/info/floodguard.conffiles
okst $? "/etc/floodguard/floodguard.ini is a conffile"

v=$(dpkg-deb -f "$deb" Version)
fgv=$(/usr/bin/floodguard --version) && fcv=$(/usr/bin/floodctl --version) &&
	[[ $fgv == "floodguard $v (DPDK "[0-9]* ]] && [ "$fcv" = "floodctl $v" ]
okst $? "installed --version: $fgv; $fcv" "$fgv" "$fcv"
# the default file is the defaults: every key there, all commented out
a=$(/usr/bin/floodguard --config /etc/floodguard/floodguard.ini --print-config) &&
	[ "$a" = "$(/usr/bin/floodguard --print-config)" ] &&
	[ "$(grep -c '^;[a-z_0-9]* = \?' /etc/floodguard/floodguard.ini)" -eq \
	  "$(/usr/bin/floodguard --print-keys | grep -c '^| [a-z-]* | `')" ]
okst $? "the default floodguard.ini loads to the defaults and names every key"

timeout 60 /usr/bin/python3 - "$work/agents.pcap" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
pk = []
for i in range(3000):
    p = Ether() / IP(src="198.18.1.1", dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"e" * 20)
    p.time = 1700000000 + i / 1000000   # 3,000 in 3 ms: over the burst of 1000
    pk.append(p)
wrpcap(sys.argv[1], pk)
PY
timeout 60 /usr/bin/floodguard --mode offline --config /etc/floodguard/floodguard.ini \
	--pcap-in "$work/agents.pcap" --pcap-out "$work/out.pcap" \
	--verdicts "$work/v.jsonl" >"$work/offline.out" 2>&1; rc=$?
nv=$(wc -l <"$work/v.jsonl" 2>/dev/null) drop=$(grep -c '"verdict":"drop"' "$work/v.jsonl" 2>/dev/null)
[ "$rc" -eq 0 ] && [ "$nv" = 3000 ] && [ "$drop" -gt 0 ] && [ "$drop" -lt 3000 ]
okst $? "installed floodguard replays offline: 3000 verdicts, $drop dropped over the burst" \
	"exit $rc" "$(tail -3 "$work/offline.out")"
cls=$(timeout 60 /usr/bin/floodctl inspect "$work/agents.pcap" | jq -r .class | sort | uniq -c | xargs)
[ "$cls" = "3000 mom" ]
okst $? "installed floodctl inspect: 3000 packets of class mom" "$cls"

ok_man=1
for p in floodguard.8 floodctl.8 floodguard.ini.5; do
	w=$(man -w "${p##*.}" "${p%.*}" 2>&1) && [ "$w" = "/usr/share/man/man${p##*.}/$p.gz" ] ||
		{ ok_man=0; echo "# man -w $p: $w"; }
done
[ "$ok_man" = 1 ] && man 5 floodguard.ini 2>/dev/null | grep -q 'window_events'
okst $? "man -w finds floodguard(8), floodctl(8), floodguard.ini(5); the keys are in (5)"

# the units as systemd reads them, with the binaries and man pages they name
out=$(cd / && timeout 60 systemd-analyze verify floodguard.service floodguard@edge1.service 2>&1); rc=$?
[ "$rc" -eq 0 ] && [ -z "$out" ]
okst $? "systemd-analyze verify floodguard.service floodguard@edge1.service: clean" "exit $rc" "$out"
u=$(systemctl cat floodguard@edge1.service 2>/dev/null || cat /lib/systemd/system/floodguard@.service)
grep -q '^Type=notify' <<<"$u" && grep -q '^ExecReload=/usr/bin/floodctl reload -i %i' <<<"$u" &&
	grep -q -- '--config /etc/floodguard/%i.ini --set control.instance=%i' <<<"$u" &&
	grep -q '^StateDirectory=floodguard' <<<"$u"
okst $? "floodguard@.service: Type=notify, reload by floodctl, instance %i, StateDirectory"

c=$(bash -c '. /usr/share/bash-completion/completions/floodctl
	COMP_WORDS=(floodctl rel); COMP_CWORD=1; _floodctl; echo "${COMPREPLY[*]}"
	COMP_WORDS=(floodctl -i x block ""); COMP_CWORD=4; _floodctl; echo "${COMPREPLY[*]}"' 2>&1)
[ "$(sed -n 1p <<<"$c")" = reload ] && grep -q '^add del list replace .*--tag' <<<"$(sed -n 2p <<<"$c")"
okst $? "completion: 'floodctl rel' gives reload; 'floodctl -i x block' its sub-commands" "$c"

have=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
/usr/libexec/floodguard-hugepages "$have" && mountpoint -q /dev/hugepages &&
	[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)" = "$have" ]
okst $? "floodguard-hugepages $have: hugetlbfs mounted, the reservation kept"
err=$(/usr/libexec/floodguard-hugepages lots 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "'lots' is not a number" <<<"$err"
okst $? "floodguard-hugepages lots: exit 2, says why" "exit $rc: $err"

mkdir -p /var/lib/floodguard && touch /var/lib/floodguard/floodguard.lists
out=$(timeout 120 apt-get remove -y -qq floodguard 2>&1); rc=$?
left=$(while read -r f; do [ -f "$f" ] && echo "$f"; done <<<"$files")
[ "$rc" -eq 0 ] && [ "$left" = /etc/floodguard/floodguard.ini ] &&
	dpkg-query -W -f='${db:Status-Abbrev}' floodguard | grep -q '^rc'
okst $? "apt-get remove: only the conffile is left" "exit $rc" "left: $left"
out=$(timeout 120 apt-get purge -y -qq floodguard 2>&1); rc=$?
left=$(while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done <<<"$files")
s=$(dpkg-query -W -f='${db:Status-Abbrev}' floodguard 2>/dev/null)
[ "$rc" -eq 0 ] && [ "${s:1:1}" != i ] && [ "${s:1:1}" != c ]
okst $? "apt-get purge: the package is gone" "exit $rc, status '$s'" "$out"
[ -z "$left" ] && [ ! -e /etc/floodguard ] && [ ! -e /var/lib/floodguard ]
okst $? "apt-get purge: nothing left (conffile, /etc/floodguard, /var/lib/floodguard)" \
	"left: $left $(ls -d /etc/floodguard /var/lib/floodguard 2>/dev/null)"
tap_done
