#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# floodguard's BGP export and cluster (docs/bgp.md) on the namespace test
# bed of tests/bgp/lib.sh: appliance A inline between the upstream router
# (BIRD, loose uRPF) and the server, appliance B beside it (net_null
# ports), both announcing through the BIRD route reflector with the
# exabgp speaker floodguard starts. TAP.
#   export.sh BUILD LOGDIR [bird|frr]   (the upstream router; default bird)
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
logs=${2:-/tmp/fg-bgp-export}
router=${3:-bird}
mkdir -p "$logs"
export BG=${BG:-fgbe} BG_RUN=${BG_RUN:-/tmp/fgbe-run}
. "$here/../lib/tap.sh"
. "$here/lib.sh"
fc=$build/control/floodctl
bfgpid= floodpid= goodpid=

cleanup() {
	kill $floodpid $goodpid 2>/dev/null
	[ -n "$bfgpid" ] && kill -INT "$bfgpid" 2>/dev/null
	bg_down >/dev/null 2>&1
	[ -n "$bfgpid" ] && { sleep 0.5; kill -KILL "$bfgpid" 2>/dev/null; }
	return 0
}
trap cleanup EXIT

ctl() { "$fc" "$@" --timeout 10000; }
a() { ctl -i "$BG" "$@"; }
b() { ctl -i "$BG-b" "$@"; }
# bgpj INSTANCE PYEXPR: evaluate PYEXPR on `floodctl bgp --json` as d
bgpj() {
	"$fc" -i "$1" bgp --json -n 100 2>/dev/null |
		python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null
}
route_state() { # INSTANCE PREFIX STATE [WHY]
	bgpj "$1" "any(r['prefix'] == '$2' and r['state'] == '$3' and r.get('why', '') == '${4:-}' for r in d['list'])"
}
in_b() { b block list --contains "$1" 2>/dev/null | grep -q "tag bgp:$BG_A"; }
not_in_b() { ! b block list --contains "$1" 2>/dev/null | grep -q "bgp:"; }
rising() { # COUNTER: it grows within 1 s
	local c0
	c0=$(bg_counter "$1")
	sleep 1
	[ "$(bg_counter "$1")" -gt "$c0" ]
}
still() { # COUNTER: it does not grow in 1 s while traffic arrives (flood_in/good_in grow)
	local c0 i0 in=${1/_fwd/_in}
	c0=$(bg_counter "$1") i0=$(bg_counter "$in")
	sleep 1
	[ "$(bg_counter "$1")" -eq "$c0" ] && [ "$(bg_counter "$in")" -gt "$i0" ]
}
sender() { # SRC PPS: UDP to the server's port 1270 until killed
	ip netns exec "$BG-src" python3 - "$1" "$BG_SERVER" "$2" <<'PY' &
import socket, sys, time
src, dst, pps = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
t0, n = time.time(), 0
while True:
    try:
        s.sendto(b"x" * 32, (dst, 1270))
    except OSError:
        pass
    n += 1
    lag = t0 + n / pps - time.time()
    if lag > 0:
        time.sleep(lag)
PY
}

COMMON=(--set bgp.local_as=65000 --set bgp.peers="$BG_RR" --set bgp.cluster_community=65000:100
	--set bgp.import_hold_s=4 --set protect.prefixes="$BG_PROTECTED")
bg_up >"$logs/up.log" 2>&1
up_rr() { bg_birdc rr show status >/dev/null 2>&1; }
check "test bed up (namespaces, BIRD reflector)" wait_until 10 up_rr
bg_router_start "$router" >>"$logs/up.log" 2>&1
okif "upstream router ($router) up"
# A: flowspec and RTBH; flood rule 500 datagrams in 1 s; min_pps 500
tb_fg_start "$build" "$logs/a.log" "${COMMON[@]}" --set bgp.local_address="$BG_A" \
	--set bgp.announce=both --set bgp.min_pps=500 --set bgp.min_len4=16 \
	--set mom.window_events=500 --set mom.window_ms=1000 --set mom.block_ms=600000 \
	--set mom.pps=100000 --set mom.pps_burst=100000 --set mom.bps=0
okif "floodguard A starts with [bgp] (its exabgp too)" "see $logs/a.log"
ip netns exec "$BG-b" "$build/dataplane/floodguard" -l 0-1 --no-pci --file-prefix "$BG-b" \
	--no-telemetry --vdev net_null0 --vdev net_null1 -- --set control.instance="$BG-b" \
	--set control.state_file="$logs/b.lists" --set lists.allow=198.18.5.88 "${COMMON[@]}" \
	--set bgp.local_address="$BG_B" >"$logs/b.log" 2>&1 &
bfgpid=$!
check "A's session to the reflector comes up" wait_until 60 bgpj "$BG" "d['sessions'][0]['up']"
check "B's session to the reflector comes up" wait_until 60 bgpj "$BG-b" "d['sessions'][0]['up']"
check "the router's session comes up" wait_until 60 bg_router_established

# a legitimate source and a flood from another, both through the router
sender "$BG_GOOD" 20 && goodpid=$!
check "the legitimate source's packets cross the router" wait_until 10 rising good_fwd
sender "$BG_FLOOD" 5000 && floodpid=$!
check "A flood-blocks the flooder and announces it (auto, above min_pps)" \
	wait_until 10 route_state "$BG" "$BG_FLOOD/32" announced
check "the router installs the black hole for the flooder" \
	wait_until 5 bg_kernel_blackhole "$BG_FLOOD"
bg_rib "$BG_FLOOD/32" >"$logs/rib.txt" 2>&1
check "its route carries BLACKHOLE, NO_EXPORT and the cluster's community" \
	grep -q "communities 65000:100 65535:666 65535:65281$" "$logs/rib.txt"
check "the router drops the flood (arriving, not forwarded: loose uRPF)" wait_until 5 still flood_fwd
check "the legitimate source still crosses the router" rising good_fwd
# the rule as each router prints it: traffic-rate 0 is discard
if [ "$router" = bird ]; then
	rule=("dst $BG_PROTECTED; src $BG_FLOOD/32; proto 6,17; dport 1270;" "(generic, 0x80060000, 0x0)")
else
	rule=("Destination Address $BG_PROTECTED" "Source Address $BG_FLOOD/32" "IP Protocol = 6 , = 17"
	      "Destination Port = 1270" "FS:rate 0.000000")
fi
check "the FlowSpec rule is in the router's RIB: source, destination, ports, discard" \
	wait_until 5 bg_flow_has "${rule[@]}"
bg_flow >"$logs/flow.txt" 2>&1
check "B takes A's block into its block list (tag bgp:$BG_A)" wait_until 5 in_b "$BG_FLOOD"
check "floodctl bgp shows the flooder's rate (>= min_pps)" \
	bgpj "$BG" "[r for r in d['list'] if r['prefix'] == '$BG_FLOOD/32'][0]['pps'] >= 500"
kill "$floodpid" 2>/dev/null; floodpid=

# a list block of the legitimate source: dropped at the router; deleted: restored
a block add "$BG_GOOD" >/dev/null
check "block add on A: the router drops the source" wait_until 5 still good_fwd
check "block add on A: B has it" wait_until 5 in_b "$BG_GOOD"
a block del "$BG_GOOD" >/dev/null
check "block del on A: the router forwards the source again" wait_until 5 rising good_fwd
check "block del on A: B deleted it" wait_until 5 not_in_b "$BG_GOOD"

# the rails: nothing too short, allowed or protected leaves A
a allow add 198.18.5.99 >/dev/null
a block add 198.18.5.99 198.18.2.10 198.18.0.0/15 >/dev/null
check "A refuses an allowed address" wait_until 5 route_state "$BG" 198.18.5.99/32 refused allowed
check "A refuses a protected address" wait_until 5 route_state "$BG" 198.18.2.10/32 refused protected
check "A refuses a prefix shorter than min_len4" \
	wait_until 5 route_state "$BG" 198.18.0.0/15 refused too-short
check "none of them reaches the router" \
	bash -c "! ip -n $BG-rtr route show type blackhole | grep -qE '198.18.5.99|198.18.2.10|198.18.0.0/15'"
# B's rails on what A sends: B allows 198.18.5.88, takes nothing shorter than /24
a block add 198.18.5.88 198.18.64.0/18 >/dev/null
check "the router gets A's /18 and 198.18.5.88 (A's rails pass them)" \
	wait_until 5 bg_kernel_blackhole 198.18.5.88
bgpj "$BG-b" "d['cluster']['refused']['allowed'] >= 1 and d['cluster']['refused']['too-short'] >= 1 and d['cluster']['refused']['not-unicast'] >= 1"
okif "B refuses A's allowed-here and too-short routes, and FlowSpec (counted by reason)"
check "B's block list holds neither" bash -c "! $fc -i $BG-b block list | grep -qE '198.18.5.88|198.18.64.0'"

# the state file never holds the cluster's entries
check "B's state file holds no bgp: entry" bash -c "! grep -q 'bgp:' $logs/b.lists 2>/dev/null"

# the reflector killed: nothing changes on B at once; back, everything is back
a block add 198.18.6.1 198.18.6.2 198.18.6.3 >/dev/null
check "B holds A's list blocks" wait_until 5 in_b 198.18.6.3
# the feed dies: exabgp runs it again, and what changed meanwhile is right
feed=$(pgrep -f "[f]loodctl -i $BG bgp feed")
kill -KILL $feed
a block del 198.18.6.2 >/dev/null
new_feed() { local p; p=$(pgrep -f "[f]loodctl -i $BG bgp feed") && [ "$p" != "$feed" ]; }
check "A's feed killed: exabgp runs a new one" wait_until 20 new_feed
check "the new feed withdraws what was deleted while none ran" wait_until 10 bg_no_kernel 198.18.6.2
check "... and announces again what is still blocked" wait_until 10 bg_kernel_blackhole 198.18.6.3
n_b=$(b block list | grep -c "bgp:")
bg_rr_kill 2>/dev/null
check "reflector killed: B sees its session down" wait_until 10 bgpj "$BG-b" "not d['sessions'][0]['up']"
check "reflector killed: B keeps A's $n_b entries meanwhile" \
	bash -c "[ \$($fc -i $BG-b block list | grep -c bgp:) -eq $n_b ]"
bg_rr_start >/dev/null 2>&1
both_up() { bgpj "$BG" "d['sessions'][0]['up']" && bgpj "$BG-b" "d['sessions'][0]['up']"; }
check "reflector back: A's and B's sessions come up again" wait_until 60 both_up
check "reflector back: the router has A's black holes again" wait_until 30 bg_kernel_blackhole 198.18.5.88
sleep 5    # longer than import_hold_s: what came again stays
check "reflector back: B still holds A's $n_b entries after import_hold_s" \
	bash -c "[ \$($fc -i $BG-b block list | grep -c bgp:) -eq $n_b ]"
# down for longer than import_hold_s: B's entries age out
bg_rr_stop
check "reflector down longer than import_hold_s: B's entries age out" \
	wait_until 15 bash -c "[ \$($fc -i $BG-b block list | grep -c bgp:) -eq 0 ]"
bg_rr_start >/dev/null 2>&1
check "and come back with the session" wait_until 60 in_b 198.18.6.3

# A stops: its routes go
tb_fg_stop
no_holes() { [ "$(bg_kernel_blackholes)" -eq 0 ]; }
wait_until 15 no_holes
rc=$? left=$(ip -n "$BG-rtr" route show type blackhole)
(exit $rc)
okif "A stopped: the router withdraws every black hole of A" "$left"
check "A stopped: B withdraws A's entries" \
	wait_until 15 bash -c "[ \$($fc -i $BG-b block list | grep -c bgp:) -eq 0 ]"
a_gone() { ! pgrep -f "[f]loodctl -i $BG bgp feed" >/dev/null && ! pgrep -f "[/]run/floodguard/$BG.exabgp.conf" >/dev/null; }
check "A stopped: its exabgp and feed are gone" wait_until 10 a_gone
# hold_s: the routes outlive floodguard that long, then go with exabgp
tb_fg_start "$build" "$logs/a2.log" "${COMMON[@]}" --set bgp.local_address="$BG_A" \
	--set bgp.hold_s=4 --set lists.block=198.18.6.9
okif "A again, with hold_s 4 and a block in [lists]" "see $logs/a2.log"
check "its [lists] block reaches the router" wait_until 60 bg_kernel_blackhole 198.18.6.9
t0=$(now_us)
tb_fg_stop
sleep 2
check "A stopped with hold_s 4: the route is still there 2 s later" bg_kernel_blackhole 198.18.6.9
check "... and gone within 10 s" wait_until 10 bg_no_kernel 198.18.6.9
ms=$((($(now_us) - t0) / 1000))
[ "$ms" -ge 4000 ]
okif "... not before hold_s ($ms ms)"
check "... with its exabgp and feed" wait_until 10 a_gone
kill -INT "$bfgpid"; wait_pid 30 "$bfgpid"; bfgpid=
bg_down >/dev/null 2>&1
noleft() { [ -z "$(bg_leftovers)" ] && ! pgrep -f "[/]run/floodguard/$BG" >/dev/null; }
wait_until 20 noleft
rc=$? left=$(bg_leftovers; pgrep -fa "[/]run/floodguard/$BG")
(exit $rc)
okif "B and the test bed stopped: no process is left" "$left"
tap_done
