#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# BGP tier on the BGP test bed (tests/bgp/lib.sh, prefix fgbg): appliance
# A's exabgp speaker, driven by hand as floodguard's component will drive
# it, announces an RTBH route and FlowSpec rules to a BIRD route
# reflector; the upstream router, first BIRD 2 then FRR 8.4 with the
# configurations of tests/bgp/conf/ (the ones docs/bgp.md shows),
# installs the RTBH route as a blackhole, so its loose uRPF drops the
# flood (its nft counters: arriving keeps rising, forwarded stops) while
# the source's neighbour goes on; the FlowSpec rules are in its RIB with
# their match and action; appliance B's API process receives A's routes;
# withdrawal restores the flood; the routes come back after the
# reflector is killed and restarted (BIRD) or the router's session is
# taken down and up (FRR); A's exabgp killed takes its routes with it
# and a new one announces nothing until told; the router refuses a
# BLACKHOLE route shorter than /24 and a host route without BLACKHOLE;
# 10,000 routes announced and withdrawn, none left behind. Floodguard A forwards inline between the router and the
# server, whose counts match what the router forwarded. Prints TAP.
#   usage: bgp.sh BUILD WORKDIR    (BUILD "": a kernel bridge for floodguard)
#   BG_ROUTES  routes in the bulk test (default 10000; 0: skip it)
#   BG_ROUTERS routers to run (default "bird frr")
#   BG_BULK    routers the bulk test runs on (default bird: ~15 s each)
set -uo pipefail
build=$1 work=$2
mkdir -p "$work"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
BG=fgbg
. "$here/lib.sh"
routes=${BG_ROUTES:-10000}
flood_pid='' count_pid=''

finish() {
	[ -n "$flood_pid" ] && stop_pid TERM 5 "$flood_pid" >/dev/null
	[ -n "$count_pid" ] && stop_pid TERM 5 "$count_pid" >/dev/null
	cp "$BG_RUN"/*.log "$BG_RUN"/*.api "$BG_RUN"/*.conf "$work/" 2>/dev/null
	bg_down
}
trap finish EXIT
# run_suite's SIGTERM at its limit (and Ctrl-C): exit, so finish runs
trap 'exit 143' TERM INT

# res RC WHAT [DETAIL...]: ok WHAT if RC is 0 (pass $? first: it is
# expanded before any command substitution in WHAT or DETAIL runs)
res() { local rc=$1; shift; if [ "$rc" -eq 0 ]; then ok "$1"; else nok "$@"; fi; }

# ms WHAT CMD...: bg_wait, its "N ms" kept in $ms for the test's name
ms=
waited() {
	local secs=$1 out
	shift
	out=$(bg_wait "$secs" x "$@")
	local rc=$?
	ms=${out#x: }
	return $rc
}
# stamp_ms NAME PATTERN T0: "N ms" from T0 (µs) to the last line
# matching PATTERN that speaker NAME's API process got (api.py stamps
# each line it gets in NAME.api.t)
stamp_ms() {
	local t
	t=$(grep -- "$2" "$BG_RUN/$1.api.t" | tail -n 1 | cut -d' ' -f1)
	[ -n "$t" ] && echo "$(((t - $3) / 1000)) ms" || echo "? ms"
}

# delta NAME SECONDS: how much the router's counter NAME rose in SECONDS
declare -A before
snap() { local c; for c; do before[$c]=$(bg_counter "$c"); done; }
rose() { echo $(($(bg_counter "$1") - ${before[$1]})); }

RTBH="announce route $BG_FLOOD/32 next-hop $BG_NEXTHOP community [65535:666 no-export 65000:666]"
FLOW="source $BG_FLOOD/32 destination $BG_PROTECTED protocol udp destination-port =1270"
FLOWS="source $BG_FLOOD/32 destination $BG_PROTECTED protocol udp destination-port [ =5060 =5061 ]"
RULE="dst $BG_PROTECTED src $BG_FLOOD/32 proto 17 dport 1270 discard"
RULES="dst $BG_PROTECTED src $BG_FLOOD/32 proto 17 dport 5060,5061 discard"
COMMS="$BG_FLOOD/32 communities 65000:666 65535:666 65535:65281"

t_start=$SECONDS
# docs/bgp.md shows the routers' configurations: the very files run here
for f in bird-router.conf frr-router.conf bird-rr.conf; do
	/usr/bin/python3 - "$here/../../docs/bgp.md" "$BG_CONF/$f" <<-'PY'
	import re, sys
	doc, conf = open(sys.argv[1]).read(), open(sys.argv[2]).read()
	blocks = re.findall(r"^```[a-z]*\n(.*?)^```$", doc, re.S | re.M)
	sys.exit(0 if conf in blocks else 1)
	PY
	res $? "docs/bgp.md shows tests/bgp/conf/$f verbatim"
done
bg_up || { nok "the test bed comes up" "$(tail -5 "$BG_RUN"/*.log)"; tap_done; exit; }
if [ -n "$build" ]; then
	# floodguard forwards everything here (no rate limits): the filter
	# under test is the router's
	bg_fg_start a "$build" "$work/fg.out" --set mom.pps=0 --set mom.bps=0 \
		--set mom.window_events=0
	res $? "floodguard A forwards inline between the router and the server" "$(tail -5 "$work/fg.out")"
else
	bg_bridge
	res $? "a kernel bridge stands in for floodguard A"
fi
bg_exabgp_start a && bg_exabgp_start b
waited 20 bg_rr_established appliance_a && waited 20 bg_rr_established appliance_b
res $? "appliances A and B's exabgp sessions with the reflector are up ($ms)" "$(tail -n 3 "$BG_RUN/a.log" "$BG_RUN/b.log")"

# the server's counter, proven live before the flood: a datagram from
# the well-behaved source crosses the router and floodguard
ip netns exec "$BG-srv" /usr/bin/python3 "$here/../dataplane/udp_count.py" "$BG_SERVER" 1270 \
	300 "$work/server.json" "$work/server.ready" &
count_pid=$!
wait_until 20 test -e "$work/server.ready"
res $? "the server's UDP counter is listening"
live() { ip netns exec "$BG-src" ping -c 1 -W 1 -I "$BG_GOOD" "$BG_SERVER" >/dev/null 2>&1; }
wait_until 20 live
res $? "the server answers the source's neighbour through the router and floodguard"
good0=$(bg_counter good_fwd) flood0=$(bg_counter flood_fwd)
ip netns exec "$BG-src" /usr/bin/python3 "$here/flood.py" "$BG_SERVER" 1270 600 \
	"$BG_FLOOD:500" "$BG_GOOD:50" &
flood_pid=$!

router_checks() {
	local r=$1 out a cnt t0
	bg_router_start "$r"
	res $? "$r: the upstream router starts" "$(tail -n 5 "$BG_RUN"/rtr.log "$BG_RUN"/frr-*.log 2>/dev/null)"
	waited 30 bg_router_established
	res $? "$r: its session with the reflector is up ($ms)"
	snap flood_fwd
	sleep 1
	cnt=$(rose flood_fwd)
	[ "$cnt" -gt 200 ]
	res $? "$r: before any block it forwards the flood (+$cnt in 1 s)"

	# RTBH
	a=$(grep -c "\"nlri\": \"$BG_FLOOD/32\"" "$BG_RUN/b.api")
	t0=$(bg_now_us)
	bg_cmd a "$RTBH"
	# the flood stopped at the router: its forward counter still for 0.1 s
	stopped() {
		local c; c=$(bg_counter flood_fwd)
		sleep 0.1
		[ "$(bg_counter flood_fwd)" = "$c" ]
	}
	waited 5 bg_kernel_blackhole "$BG_FLOOD"
	res $? "$r: A's RTBH route is installed in the router's kernel as a blackhole ($ms after A's command)" \
		"$(bg_kernel "$BG_FLOOD")"
	waited 5 stopped
	res $? "$r: the flood stops at the router within $(bg_ms_since "$t0") ms of A's command"
	waited 5 bg_in_rib "$BG_FLOOD/32"
	out=$(bg_rib "$BG_FLOOD/32")
	[ "$out" = "$COMMS" ]
	res $? "$r: in its RIB with BLACKHOLE, NO_EXPORT and 65000:666" "$out"
	sleep 0.3
	snap flood_in flood_fwd good_fwd
	sleep 1
	local fin ffwd gfwd
	fin=$(rose flood_in) ffwd=$(rose flood_fwd) gfwd=$(rose good_fwd)
	[ "$fin" -gt 200 ] && [ "$ffwd" -eq 0 ] && [ "$gfwd" -gt 20 ]
	res $? "$r: loose uRPF drops the flood at the router: in 1 s +$fin arrived, +$ffwd forwarded; its neighbour +$gfwd forwarded" \
		"uRPF drops so far: $(bg_rpf_drops)"
	heard_b() { [ "$(grep -c "\"nlri\": \"$BG_FLOOD/32\"" "$BG_RUN/b.api")" -gt "$a" ]; }
	waited 5 heard_b && grep "\"nlri\": \"$BG_FLOOD/32\"" "$BG_RUN/b.api" | tail -1 | grep -q '\[ 65535, 666 \]'
	# when it came: api.py stamps each line (.api.t)
	res $? "$r: appliance B's API process got A's route from the reflector, with BLACKHOLE ($(stamp_ms b "\"nlri\": \"$BG_FLOOD/32\"" "$t0") after A's command)"

	# FlowSpec
	bg_cmd a "announce flow route $FLOW discard community [65000:666]" \
		"announce flow route $FLOWS discard community [65000:666]"
	two() { [ "$(bg_flow_count)" = 2 ]; }
	waited 5 two && bg_has_flow "$RULE" && bg_has_flow "$RULES"
	res $? "$r: FlowSpec: both discard rules in the router's RIB ($ms)" "$(bg_flows)"
	bg_flow | sed 's/^/# /'
	grep -q '"ipv4 flow".*"=5061"' "$BG_RUN/b.api"
	res $? "$r: appliance B's API process got A's FlowSpec rules"

	# withdrawal
	bg_cmd a "withdraw route $BG_FLOOD/32"
	t0=$(bg_now_us)
	waited 5 bg_no_kernel "$BG_FLOOD" && bg_not_in_rib "$BG_FLOOD/32"
	res $? "$r: withdrawn: gone from the router's kernel ($ms after A's command) and RIB"
	sleep 0.3
	snap flood_fwd
	sleep 1
	cnt=$(rose flood_fwd)
	[ "$cnt" -gt 200 ]
	res $? "$r: the flood is forwarded again (+$cnt in 1 s)"
	bg_cmd a "withdraw flow route $FLOW" "withdraw flow route $FLOWS"
	noflows() { [ "$(bg_flow_count)" = 0 ]; }
	waited 5 noflows
	res $? "$r: FlowSpec rules withdrawn: none left ($ms)" "$(bg_flows)"

	# recovery
	bg_cmd a "$RTBH"
	waited 5 bg_kernel_blackhole "$BG_FLOOD"
	if [ "$r" = bird ]; then
		bg_rr_kill
		waited 10 bg_no_kernel "$BG_FLOOD"
		res $? "$r: the reflector killed: the router drops the route ($ms)"
		bg_rr_start
		t0=$(bg_now_us)
		waited 30 bg_kernel_blackhole "$BG_FLOOD"
		res $? "$r: the reflector restarted: the blackhole is back ($(bg_ms_since "$t0") ms; A re-announced it)"
	else
		bg_session disable upstream
		waited 10 bg_no_kernel "$BG_FLOOD"
		res $? "$r: the router's session taken down at the reflector: the route goes ($ms)"
		bg_session enable upstream
		t0=$(bg_now_us)
		waited 30 bg_kernel_blackhole "$BG_FLOOD"
		res $? "$r: the session up again: the blackhole is back ($(bg_ms_since "$t0") ms)"
	fi
	# the speaker itself killed: its routes go with its session; a new
	# exabgp starts empty (what was announced must be announced again)
	bg_exabgp_kill a
	waited 10 bg_no_kernel "$BG_FLOOD"
	res $? "$r: A's exabgp killed: the router drops A's route ($ms)"
	bg_exabgp_start a
	waited 20 bg_rr_established appliance_a && sleep 1 && bg_no_kernel "$BG_FLOOD"
	res $? "$r: A's exabgp restarted: up again ($ms) and nothing announced until told"
	bg_cmd a "$RTBH"
	waited 5 bg_kernel_blackhole "$BG_FLOOD"
	res $? "$r: announced again: the blackhole is back ($ms)"
	bg_cmd a "withdraw route $BG_FLOOD/32"
	waited 5 bg_no_kernel "$BG_FLOOD"

	# the router's own rails: a BLACKHOLE route shorter than /24, and a
	# host route without BLACKHOLE, reach the router (B hears both
	# through the reflector) and are refused there
	a=$(grep -c '"198.18.0.0/16"\|"198.18.5.67/32"' "$BG_RUN/b.api")
	bg_cmd a "announce route 198.18.0.0/16 next-hop $BG_NEXTHOP community [65535:666 no-export]" \
		"announce route 198.18.5.67/32 next-hop $BG_NEXTHOP community [65000:666]"
	both_b() { [ "$(grep -c '"198.18.0.0/16"\|"198.18.5.67/32"' "$BG_RUN/b.api")" -ge $((a + 2)) ]; }
	waited 5 both_b && sleep 0.5 && bg_not_in_rib 198.18.0.0/16 && bg_not_in_rib 198.18.5.67/32 &&
		bg_no_kernel 198.18.0.0/16 && bg_no_kernel 198.18.5.67
	res $? "$r: refuses a BLACKHOLE /16 and a /32 without BLACKHOLE (B got both)" \
		"$(bg_kernel 198.18.0.0/16; bg_kernel 198.18.5.67)"
	bg_cmd a "withdraw route 198.18.0.0/16" "withdraw route 198.18.5.67/32"

	# many routes
	if [ "$routes" -gt 0 ] && [[ " ${BG_BULK:-bird} " == *" $r "* ]]; then
		local base kb rib_ms='?' wd_ms='?'
		base=$(bg_rib_count) kb=$(bg_kernel_blackholes)
		t0=$(bg_now_us)
		bg_cmd_file a "$BG_RUN/many.ann"
		all_rib() { [ "$(bg_rib_count)" -ge $((base + routes)) ]; }
		all_kern() { [ "$(bg_kernel_blackholes)" -ge $((kb + routes)) ]; }
		waited 90 all_rib && rib_ms=$(bg_ms_since "$t0") &&
			waited 30 all_kern
		res $? "$r: $routes routes announced at once: all in the RIB after $rib_ms ms, in the kernel after $(bg_ms_since "$t0") ms" \
			"RIB $(bg_rib_count), kernel $(bg_kernel_blackholes)"
		t0=$(bg_now_us)
		bg_cmd_file a "$BG_RUN/many.wd"
		none_rib() { [ "$(bg_rib_count)" -le "$base" ]; }
		none_kern() { [ "$(bg_kernel_blackholes)" -le "$kb" ]; }
		waited 90 none_rib && wd_ms=$(bg_ms_since "$t0") && waited 30 none_kern
		res $? "$r: and withdrawn: none left in the RIB after $wd_ms ms, in the kernel after $(bg_ms_since "$t0") ms" \
			"RIB $(bg_rib_count), kernel $(bg_kernel_blackholes)"
	fi
	bg_router_stop
	[ -z "$(ip -n "$BG-rtr" route show type blackhole)" ]
	res $? "$r: stopped; nothing of it is left in the router's kernel for the next one" "$(ip -n "$BG-rtr" route show type blackhole)"
}

if [ "$routes" -gt 0 ]; then
	/usr/bin/python3 - "$BG_RUN/many" "$routes" <<-'PY'
	import ipaddress, sys
	base, n = int(ipaddress.IPv4Address("198.19.64.0")), int(sys.argv[2])
	with open(sys.argv[1] + ".ann", "w") as a, open(sys.argv[1] + ".wd", "w") as w:
	    for i in range(n):
	        p = ipaddress.IPv4Address(base + i)
	        a.write("announce route %s/32 next-hop 192.0.2.1 community [65535:666 no-export 65000:666]\n" % p)
	        w.write("withdraw route %s/32\n" % p)
	PY
fi
for r in ${BG_ROUTERS:-bird frr}; do router_checks "$r"; done

# the server got what the router forwarded
stop_pid TERM 5 "$flood_pid"
flood_pid=
sleep 0.2
rgood=$(($(bg_counter good_fwd) - good0)) rflood=$(($(bg_counter flood_fwd) - flood0))
fence_udp "$count_pid" "$BG-src" "$BG_GOOD" "$BG_SERVER"
res $? "the server's counter ends on the fence"
wait_pid 10 "$count_pid"
count_pid=
read -r sgood sflood sdrop < <(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d.get(sys.argv[2], 0), d.get(sys.argv[3], 0), d.get("rcvbuf_errors", 0))' \
	"$work/server.json" "$BG_GOOD" "$BG_FLOOD")
# each source's datagrams arrived (99 %, the flood's 98 %), or the server's
# own socket dropped the missing ones (a starved counter on a busy host:
# counted by the kernel, not lost on the path under test)
[ "$sgood" -gt 0 ] && [ "$sgood" -le "$rgood" ] && [ "$sflood" -le "$rflood" ] && {
	{ [ $((sgood * 100)) -ge $((rgood * 99)) ] && [ $((sflood * 100)) -ge $((rflood * 98)) ]; } ||
		[ $(((sgood + sflood + sdrop) * 100)) -ge $(((rgood + rflood) * 99)) ]
}
res $? "the server received what the router forwarded: neighbour $sgood of $rgood, flood $sflood of $rflood ($sdrop dropped by the server's full socket)"
if [ -n "$build" ]; then
	bg_fg_stop a
	res $? "floodguard A stops cleanly (exit $?)"
fi

finish
trap - EXIT
left=$(bg_leftovers; ip netns list | grep "^$BG-")
[ -z "$left" ]
res $? "torn down: no namespace, no process left" "$left"
echo "# $((SECONDS - t_start)) s"
tap_done
