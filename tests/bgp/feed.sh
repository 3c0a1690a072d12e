#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# floodctl bgp feed against a running floodguard, with this script in
# exabgp's place: it writes the speaker's lines into the feed and reads
# its commands. The rails, max_routes, max_updates_s, the cluster's
# routes and their ageing, exactly, without namespaces or daemons. TAP.
#   feed.sh BUILD LOGDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
logs=${2:-/tmp/fg-bgp-feed}
mkdir -p "$logs"
rm -f "$logs/state" "$logs/state.prev" "$logs/out"   # a run before: start empty
. "$here/../lib/tap.sh"
fg=$build/dataplane/floodguard fc=$build/control/floodctl
inst=fgt-feed-$$
fgpid= feedpid=
cleanup() {
	exec 7>&- 2>/dev/null
	[ -n "$feedpid" ] && kill "$feedpid" 2>/dev/null
	[ -n "$fgpid" ] && kill -INT "$fgpid" 2>/dev/null
	sleep 0.3
	[ -n "$fgpid" ] && kill -KILL "$fgpid" 2>/dev/null
	rm -f "$logs/in"
}
trap cleanup EXIT
ctl() { "$fc" -i "$inst" "$@" --timeout 10000; }
bgpj() { ctl bgp --json -n 100 2>/dev/null |
	python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)" 2>/dev/null; }
said() { grep -c -- "$1" "$logs/out" 2>/dev/null; }
# routes the feed has announced minus withdrawn, over its unicast commands
net_routes() {
	python3 - "$logs/out" <<'PY'
import sys
n = 0
for l in open(sys.argv[1]):
    w = l.split()
    if len(w) > 2 and w[1] == "attributes":
        k = len(w) - w.index("nlri") - 1
        n += k if w[0] == "announce" else -k
print(n)
PY
}
routes_are() { [ "$(net_routes)" -eq "$1" ]; }
tell() { printf '%s\n' "$@" >&7; }   # lines from "exabgp"

# the speaker floodguard starts is /bin/true: this script is exabgp
"$fg" -l 0-1 --no-pci --file-prefix "$inst" --no-telemetry --vdev net_null0 --vdev net_null1 -- \
	--set control.instance="$inst" --set control.state_file="$logs/state" \
	--set lists.max_prefixes=65536 --set lists.v4_groups=65536 \
	--set protect.prefixes=198.18.2.0/24 --set bgp.peers=198.19.0.1 \
	--set bgp.local_address=198.19.0.11 --set bgp.local_as=65000 --set bgp.speaker=/bin/true \
	--set bgp.cluster_community=65000:100 --set bgp.max_routes=3 --set bgp.max_updates_s=2 \
	--set bgp.import_hold_s=2 >"$logs/fg.out" 2>&1 &
fgpid=$!
up() { ctl status >/dev/null 2>&1; }
check "floodguard with [bgp] (speaker /bin/true) answers" wait_until 60 up
# bad arguments are named, exit 2
for args in "-n" "-n abc" "-n -3" "feed extra" "routes"; do
	err=$("$fc" -i "$inst" bgp $args 2>&1 >/dev/null); rc=$?
	[ "$rc" -eq 2 ] && grep -qE "floodctl bgp: (-n|unknown argument)" <<<"$err"
	okst $? "floodctl bgp $args: exit 2, the argument named" "exit $rc: $err"
done
rm -f "$logs/in"; mkfifo "$logs/in"
"$fc" -i "$inst" bgp feed <"$logs/in" >"$logs/out" 2>"$logs/err" &
feedpid=$!
exec 7>"$logs/in"
check "the feed first makes the speaker forget what a previous one announced" \
	wait_until 5 file_has "$logs/out" "^clear adj-rib out$"
tell done "neighbor 198.19.0.1 up"
check "floodctl bgp: the session is up" wait_until 5 bgpj "d['sessions'][0]['up']"

# five list blocks: max_routes 3, max_updates_s 2
ctl block add 198.18.7.1 198.18.7.2 198.18.7.3 198.18.7.4 198.18.7.5 >/dev/null
first_batch() { # routes in the first announcement
	python3 -c '
import sys
for l in open(sys.argv[1]):
    w = l.split()
    if w[:2] == ["announce", "attributes"]:
        print(len(w) - w.index("nlri") - 1); break' "$logs/out"
}
check "the routes come" wait_until 5 file_has "$logs/out" "^announce attributes"
first_is() { [ "$(first_batch)" -eq "$1" ]; }
check "max_updates_s 2: the first pass hands over two routes, not more" first_is 2
check "... the third follows" wait_until 5 routes_are 3
check "max_routes 3: the other two refused (max-routes), counted and shown" \
	bgpj "d['refused']['max-routes'] == 2 and d['routes']['announced'] == 3 and d['updates']['deferred'] >= 1"
check "each route is RTBH: next hop 192.0.2.1, 65535:666, no-export, the cluster's community" \
	grep -q "^announce attributes next-hop 192.0.2.1 community \[ 65535:666 no-export 65000:100 \] nlri 198.18.7" "$logs/out"
first=$(python3 -c '
import sys
for l in open(sys.argv[1]):
    w = l.split()
    if w[:2] == ["announce", "attributes"]:
        print(w[w.index("nlri") + 1].split("/")[0]); break' "$logs/out")
ctl block del "$first" >/dev/null
check "a deleted block is withdrawn" wait_until 5 file_has "$logs/out" "^withdraw attributes .* nlri $first/32"
check "... and a refused one takes its place (3 announced)" wait_until 5 routes_are 3
tell error
wait_until 5 bgpj "d['updates']['speaker_errors'] == 1"
okif "an 'error' from the speaker is counted"

# the rails on what A would announce
ctl block del 198.18.7.1 198.18.7.2 198.18.7.3 198.18.7.4 198.18.7.5 >/dev/null 2>&1
ctl allow add 198.18.8.8 >/dev/null
ctl block add 198.18.8.8 198.18.2.7 198.18.0.0/16 >/dev/null
check "rails: allowed, protected and too-short, each refused and named" \
	wait_until 5 bgpj "d['refused']['allowed'] == 1 and d['refused']['protected'] == 1 and d['refused']['too-short'] == 1"
check "rails: none of them announced" bash -c "! grep -qE '198.18.8.8|198.18.2.7|198.18.0.0' $logs/out"
check "rails: every other route withdrawn (none left)" wait_until 5 routes_are 0
# IPv6: its own next hop, /128 routes, min_len6
ctl block add 2001:db8::66 2001:db8::/32 >/dev/null
check "IPv6: the source /128 with next hop 100::1" wait_until 5 file_has "$logs/out" \
	"^announce attributes next-hop 100::1 community \[ 65535:666 no-export 65000:100 \] nlri 2001:db8::66/128$"
check "IPv6: a /32 is shorter than min_len6" wait_until 5 bgpj "d['refused']['too-short'] == 2"
ctl block del 2001:db8::66 2001:db8::/32 >/dev/null
check "IPv6: withdrawn" wait_until 5 file_has "$logs/out" "^withdraw attributes next-hop 100::1 .* nlri 2001:db8::66/128$"

# the cluster's routes
U="neighbor 198.19.0.1 receive update"
tell "$U start" \
	"$U announced 198.18.9.9/32 next-hop 192.0.2.1 origin igp community [ 65535:666 no-export 65000:100 ] originator-id 198.19.0.12" \
	"$U announced 198.18.9.10/32 next-hop 192.0.2.1 community 65000:100" \
	"$U announced 198.18.9.11/32 next-hop 192.0.2.1 community [ 65535:666 ]" \
	"$U announced 198.18.16.0/20 next-hop 192.0.2.1 community [ 65000:100 ]" \
	"$U announced 198.18.2.9/32 next-hop 192.0.2.1 community [ 65000:100 ]" \
	"$U announced 198.18.8.8/32 next-hop 192.0.2.1 community [ 65000:100 ]" \
	"$U announced flow destination-ipv4 198.18.2.0/24 source-ipv4 198.18.9.9/32 extended-community rate-limit:0" \
	"$U end"
has() { ctl block list --contains "$1" 2>/dev/null | grep -q "tag $2"; }
check "a cluster route goes into the block list under bgp:ORIGINATOR" wait_until 5 has 198.18.9.9 "bgp:198.19.0.12"
check "... or bgp:PEER without an originator-id" wait_until 5 has 198.18.9.10 "bgp:198.19.0.1 "
check "import rails: no community, too short, protected, allowed, FlowSpec: refused and counted" \
	wait_until 5 bgpj "d['cluster']['refused'] == {'too-short': 1, 'allowed': 1, 'protected': 1, 'max-routes': 0, 'no-community': 1, 'not-unicast': 1, 'speaker-error': 0} and d['cluster']['imported'] == 2"
check "... none of them in the block list" \
	bash -c "! $fc -i $inst block list | grep -qE '198.18.9.11|198.18.16.0|198.18.2.9/32|198.18.8.8.*bgp'"
check "the cluster's entries are not announced again" bash -c "! grep -q '198.18.9.9' $logs/out"
check "the state file never holds them" bash -c "! grep -q 'bgp:' $logs/state"
check "floodctl block list --tag bgp:198.19.0.12 lists them alone" \
	bash -c "[ \"\$($fc -i $inst block list --tag bgp:198.19.0.12 | wc -l)\" -eq 1 ]"
# a withdrawal deletes only the cluster's entry, not an operator's
ctl block add 198.18.9.20 >/dev/null
tell "$U announced 198.18.9.20/32 next-hop 192.0.2.1 community [ 65000:100 ]" \
	"$U withdrawn 198.18.9.20/32" "$U withdrawn 198.18.9.9/32"
check "a withdrawn route's entry is deleted" wait_until 5 bash -c "! $fc -i $inst block list --contains 198.18.9.9 | grep -q bgp"
check "an operator's entry for a withdrawn prefix stays" has 198.18.9.20 manual
# the session goes down: nothing at once, then import_hold_s (2 s)
tell "neighbor 198.19.0.1 down - peer reset"
sleep 0.5
check "session down: its routes stay meanwhile" has 198.18.9.10 "bgp:198.19.0.1 "
check "... and go after import_hold_s" wait_until 5 bash -c "! $fc -i $inst block list | grep -q 'bgp:'"
tell "neighbor 198.19.0.1 up" "$U announced 198.18.9.30/32 next-hop 192.0.2.1 community [ 65000:100 ]"
check "session up again: its routes come in again" wait_until 5 has 198.18.9.30 "bgp:198.19.0.1 "
# the speaker goes away: the feed ends
exec 7>&-
wait_pid 10 "$feedpid"
okif "the speaker closes the pipe: the feed exits 0" "exit $?"
feedpid=
tap_done
