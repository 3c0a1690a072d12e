# SPDX-License-Identifier: BSD-3-Clause
# The BGP test bed: source it, then bg_up, bg_router_start bird|frr,
# bg_exabgp_start a|b, ..., bg_down. Every wait is bounded.
#
#  $BG-src          $BG-rtr: upstream router    $BG-a: appliance A          $BG-srv
#  flooder          (BIRD 2 or FRR 8.4),        floodguard inline           server
#  198.18.5.66      loose uRPF on r-src,        (net_af_packet)             198.18.2.10
#  legit 198.18.5.1 nft counters                                            UDP counter
#    src0 ======== r-src 198.18.5.254
#                  $BG-o0 198.18.2.1 ========== $BG-o1 [fg] $BG-s1 ======== $BG-s0
#                  r-bgp 198.19.0.2             bgp0 198.19.0.11 (exabgp A)
#                    |                            |
#  $BG-rr: bridge br0 198.19.0.1, BIRD 2 route reflector (AS 65000) ----- bgp0 198.19.0.12
#                                                            $BG-b: appliance B (exabgp B)
#
# Every address is in 198.18.0.0/15: the data path in 198.18.0.0/16
# (the protected prefix 198.18.2.0/24), the BGP LAN 198.19.0.0/24. The
# appliances' speakers run in their own namespaces: local-address
# 198.19.0.11 (A) and 198.19.0.12 (B), router-id the same, neighbor
# 198.19.0.1 (the reflector), AS 65000. Floodguard A runs in $BG-a
# (TB_FG_NS of scripts/testbed/lib.sh), so the exabgp it spawns does too.
#
# The routers' configurations are read from tests/bgp/conf/, the files
# docs/bgp.md shows: bird-rr.conf, bird-router.conf, frr-router.conf.
#   BG      name prefix (default fgbg; at most 6 characters)
#   BG_RUN  directory for sockets, pid files, logs (default /tmp/$BG-run)
BG=${BG:-fgbg}
BG_RUN=${BG_RUN:-/tmp/$BG-run}
BG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BG_CONF=$BG_DIR/conf
BG_RR=198.19.0.1 BG_RTR=198.19.0.2 BG_A=198.19.0.11 BG_B=198.19.0.12
BG_FLOOD=198.18.5.66 BG_GOOD=198.18.5.1 BG_SERVER=198.18.2.10
BG_PROTECTED=198.18.2.0/24 BG_NEXTHOP=192.0.2.1

TB=$BG
. "$BG_DIR/../../scripts/testbed/lib.sh"
TB_OUT=$BG-rtr TB_SRV=$BG-srv TB_FG_NS=$BG-a TB_SERVER=$BG_SERVER

# bg_ms_since T0_US: milliseconds since T0 (from now_us of tests/lib/tap.sh)
bg_now_us() { echo "${EPOCHREALTIME/./}"; }
bg_ms_since() { echo $((($(bg_now_us) - $1) / 1000)); }

# bg_wait SECONDS WHAT CMD...: run CMD every 0.05 s until it succeeds or
# SECONDS (may be fractional) have passed; prints "WHAT: N ms" or "WHAT:
# not within SECONDS s" and returns 0 or 1.
bg_wait() {
	local secs=$1 what=$2 t0 end
	shift 2
	t0=$(bg_now_us)
	end=$((t0 + $(printf '%.0f' "${secs}e6")))
	until "$@"; do
		if [ "$(bg_now_us)" -ge "$end" ]; then
			echo "$what: not within $secs s"
			return 1
		fi
		sleep 0.05
	done
	echo "$what: $(bg_ms_since "$t0") ms"
}

# bg_link NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends
# up, IPv6 off, full checksums on the senders
bg_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	tb_end "$1" "$2" && tb_end "$3" "$4"
}

bg_namespaces() { echo "$BG-src $BG-rtr $BG-a $BG-b $BG-srv $BG-rr"; }

# Create the namespaces, links, addresses, the router's uRPF and nft
# counters, and start the route reflector. No router runs yet.
bg_up() {
	local ns
	bg_down
	rm -rf "$BG_RUN"
	mkdir -p "$BG_RUN/frr" && chown frr:frr "$BG_RUN/frr" || return 1
	for ns in $(bg_namespaces); do
		ip netns add "$ns" || return 1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	# the data path
	bg_link "$BG-src" src0 "$BG-rtr" r-src || return 1
	bg_link "$BG-rtr" "$BG-o0" "$BG-a" "$BG-o1" || return 1
	bg_link "$BG-a" "$BG-s1" "$BG-srv" "$BG-s0" || return 1
	ip -n "$BG-src" addr add "$BG_FLOOD/24" dev src0
	ip -n "$BG-src" addr add "$BG_GOOD/24" dev src0
	ip -n "$BG-src" route add default via 198.18.5.254
	ip -n "$BG-rtr" addr add 198.18.5.254/24 dev r-src
	ip -n "$BG-rtr" addr add 198.18.2.1/24 dev "$BG-o0"
	ip -n "$BG-srv" addr add "$BG_SERVER/24" dev "$BG-s0"
	ip -n "$BG-srv" route add default via 198.18.2.1
	# the BGP LAN: a bridge in the reflector's namespace
	ip -n "$BG-rr" link add br0 type bridge || return 1
	ip -n "$BG-rr" addr add "$BG_RR/24" dev br0
	ip -n "$BG-rr" link set br0 up
	bg_link "$BG-rtr" r-bgp "$BG-rr" rr-rtr || return 1
	bg_link "$BG-a" bgp0 "$BG-rr" rr-a || return 1
	bg_link "$BG-b" bgp0 "$BG-rr" rr-b || return 1
	# appliance B's ports: two veth pairs inside $BG-b, for a floodguard
	# B (bg_fg_start b) that carries no traffic but applies A's blocks
	bg_link "$BG-b" "${BG}b-o0" "$BG-b" "${BG}b-o1" || return 1
	bg_link "$BG-b" "${BG}b-s0" "$BG-b" "${BG}b-s1" || return 1
	for ns in rr-rtr rr-a rr-b; do ip -n "$BG-rr" link set "$ns" master br0; done
	ip -n "$BG-rtr" addr add "$BG_RTR/24" dev r-bgp
	ip -n "$BG-a" addr add "$BG_A/24" dev bgp0
	ip -n "$BG-b" addr add "$BG_B/24" dev bgp0
	# the upstream router forwards, with loose uRPF toward the source
	ip netns exec "$BG-rtr" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.r-src.rp_filter=2
	ip netns exec "$BG-rtr" nft -f - <<-EOF || return 1
	table inet $BG {
		counter flood_in {}
		counter flood_fwd {}
		counter good_in {}
		counter good_fwd {}
		chain arriving {
			type filter hook prerouting priority raw;
			iifname "r-src" ip saddr $BG_FLOOD counter name "flood_in"
			iifname "r-src" ip saddr $BG_GOOD counter name "good_in"
		}
		chain routed {
			type filter hook forward priority filter;
			iifname "r-src" ip saddr $BG_FLOOD counter name "flood_fwd"
			iifname "r-src" ip saddr $BG_GOOD counter name "good_fwd"
		}
	}
	EOF
	bg_rr_start
}

# bg_bridge: a kernel bridge in $BG-a between $BG-o1 and $BG-s1, where
# floodguard A would sit (for a test bed without a build)
bg_bridge() {
	ip -n "$BG-a" link add fgbr type bridge &&
		ip -n "$BG-a" link set "$BG-o1" master fgbr &&
		ip -n "$BG-a" link set "$BG-s1" master fgbr &&
		ip -n "$BG-a" link set fgbr up
}

# bg_fg_start a|b BUILD LOG [APP ARGS...]: floodguard inline in the
# appliance's namespace (tb_fg_start of scripts/testbed/lib.sh):
# A on $BG-o1/$BG-s1, instance and file prefix $BG, between the router
# and the server; B on ${BG}b-o1/${BG}b-s1, instance ${BG}b, no traffic.
# A floodguard that spawns exabgp spawns it there, where the speaker's
# address is (198.19.0.11, .12). Its pid goes to $BG_RUN/fg-NAME.pid.
bg_fg_start() {
	local name=$1 rc
	shift
	case $name in
	a)
		tb_fg_start "$@"
		rc=$?
		# shellcheck disable=SC2154 # set by tb_fg_start
		echo "$tb_fgpid" >"$BG_RUN/fg-a.pid"
		return "$rc"
		;;
	b) (
		# shellcheck disable=SC2030 # tb_fg_start's, for B only
		TB=${BG}b TB_FG_NS=$BG-b
		tb_fg_start "$@"
		rc=$?
		echo "$tb_fgpid" >"$BG_RUN/fg-b.pid"
		exit "$rc"
	) ;;
	*) return 1 ;;
	esac
}
# bg_fg_stop a|b: SIGINT, at most 30 s to exit, then SIGKILL; returns
# its exit status for A (tb_fg_stop), 0 for B (not a child of this shell)
bg_fg_stop() {
	local p
	if [ "$1" = a ]; then
		tb_fg_stop
		return
	fi
	p=$(bg_pid fg-b) || return 0
	kill -INT "$p"
	bg_wait 30 "floodguard B ends" bash -c "! kill -0 $p 2>/dev/null" >/dev/null ||
		kill -KILL "$p" 2>/dev/null
	rm -f "$BG_RUN/fg-b.pid"
}

# bg_counter NAME: packets counted by the router's nft counter NAME
# (flood_in, flood_fwd: from $BG_FLOOD on arrival and forwarded;
# good_in, good_fwd: the same for $BG_GOOD)
bg_counter() {
	ip netns exec "$BG-rtr" nft list counter inet "$BG" "$1" 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# bg_rpf_drops: packets the router's loose uRPF dropped (all sources)
bg_rpf_drops() {
	ip netns exec "$BG-rtr" nstat -az TcpExtIPReversePathFilter 2>/dev/null |
		awk '$1 == "TcpExtIPReversePathFilter" { print $2 }'
}

# bg_pid NAME: the pid in $BG_RUN/NAME.pid if that process runs
bg_pid() {
	local p
	p=$(cat "$BG_RUN/$1.pid" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}

# bg_stop NAME SIGNAL: signal the process of NAME.pid, wait at most 5 s
# for it to end, then SIGKILL it
bg_stop() {
	local p
	p=$(bg_pid "$1") || { rm -f "$BG_RUN/$1.pid"; return 0; }
	kill "-$2" "$p" 2>/dev/null
	bg_wait 5 "$1 ends" bash -c "! kill -0 $p 2>/dev/null" >/dev/null ||
		kill -KILL "$p" 2>/dev/null
	rm -f "$BG_RUN/$1.pid"
}

# --- the route reflector (BIRD 2) ---
bg_birdc() { local s=$1; shift; birdc -r -s "$BG_RUN/$s.ctl" "$@"; }
bg_rr_start() {
	ip netns exec "$BG-rr" bird -f -c "$BG_CONF/bird-rr.conf" -s "$BG_RUN/rr.ctl" \
		-P "$BG_RUN/rr.pid" >>"$BG_RUN/rr.log" 2>&1 &
	disown    # no "Killed" from this shell when a test kills it
	bg_wait 10 "reflector answers" bg_birdc rr show status >/dev/null 2>&1
}
bg_rr_stop() { bg_stop rr TERM; }    # BIRD closes its sessions (Cease)
bg_rr_kill() { bg_stop rr KILL; }    # sessions drop without a word
# bg_session disable|enable PEER: take one of the reflector's sessions
# (upstream, appliance_a, appliance_b) down or up again
bg_session() { birdc -s "$BG_RUN/rr.ctl" "$1" "$2" >/dev/null; }
# bg_rr_established PEER: the reflector's session to PEER is up
bg_rr_established() { bg_birdc rr show protocols "$1" | grep Established >/dev/null; }

# --- the upstream router: BIRD 2 or FRR 8.4 ---
bg_frr_daemons="zebra staticd bgpd"
bg_vtysh() { vtysh --vty_socket "$BG_RUN/frr" "$@"; }

# bg_router_start bird|frr: the upstream router's BGP with the config
# from tests/bgp/conf/ (FRR: zebra, staticd and bgpd, each started by
# hand with its own sockets and pid file and the integrated config: each
# takes its own part of it. Applied afterwards with vtysh -f instead,
# the session came up 4 s later: the reflector's first attempts met a
# bgpd without the neighbor)
bg_router_start() {
	local d
	echo "$1" >"$BG_RUN/router"
	case $1 in
	bird)
		ip netns exec "$BG-rtr" bird -f -c "$BG_CONF/bird-router.conf" \
			-s "$BG_RUN/rtr.ctl" -P "$BG_RUN/rtr.pid" >>"$BG_RUN/rtr.log" 2>&1 &
		disown
		bg_wait 10 "router answers" bg_birdc rtr show status >/dev/null 2>&1
		;;
	frr)
		for d in $bg_frr_daemons; do
			ip netns exec "$BG-rtr" "/usr/lib/frr/$d" -f "$BG_CONF/frr-router.conf" -P 0 \
				--vty_socket "$BG_RUN/frr" -i "$BG_RUN/frr/$d.pid" -z "$BG_RUN/frr/zserv.api" \
				--log stdout >>"$BG_RUN/frr-$d.log" 2>&1 &
			disown
			bg_wait 10 "$d answers" test -S "$BG_RUN/frr/$d.vty" >/dev/null || return 1
		done
		;;
	*) return 1 ;;
	esac
}

# bg_router_stop / bg_router_kill: end the router's daemons (SIGTERM /
# SIGKILL); a SIGTERM takes their routes out of the kernel, after a
# SIGKILL they stay (as a crashed router's would) until flushed here
bg_router_stop() { bg_router_signal TERM; }
bg_router_kill() { bg_router_signal KILL; }
bg_router_signal() {
	local d
	bg_stop rtr "$1"
	# zebra first: it takes its routes out of the kernel as it ends.
	# FRR 8.4.4's zebra often aborts on an assertion as it ends
	# (lib/memory.c mt_count_free), more often after bgpd and staticd
	# have gone, and may leave some there
	for d in zebra bgpd staticd; do bg_stop "frr/$d" "$1"; done
	# what a router left in its kernel is not the next one's (protocol
	# numbers: FRR's bgp 186 and static 196, BIRD's 12)
	local p
	for p in 186 196 12; do ip -n "$BG-rtr" route flush proto "$p" 2>/dev/null; done
	rm -f "$BG_RUN/router"
}
# bg_router: which router runs (bird or frr), empty if none
bg_router() { cat "$BG_RUN/router" 2>/dev/null; }

# bg_router_established: the router's session to the reflector is up
bg_router_established() {
	case $(bg_router) in
	bird) bg_birdc rtr show protocols reflector | grep Established >/dev/null ;;
	frr) bg_vtysh -c "show bgp neighbors $BG_RR json" 2>/dev/null |
		grep '"bgpState":"Established"' >/dev/null ;;
	*) return 1 ;;
	esac
}

# bg_rib PREFIX: the router's best BGP route for PREFIX (ipv4 unicast),
# one line: "PREFIX communities C..." with the communities in numeric
# form, sorted (65535:666 is BLACKHOLE, 65535:65281 NO_EXPORT); fails if
# the router has no such route
bg_rib() {
	case $(bg_router) in
	bird)
		bg_birdc rtr show route "$1" all 2>/dev/null | python3 -c '
import re, sys
t = sys.stdin.read()
if not re.search(r"^" + re.escape(sys.argv[1]) + r"\s", t, re.M):
    sys.exit(1)
m = re.search(r"BGP.community: (.*)", t)
c = sorted(re.findall(r"\((\d+),(\d+)\)", m.group(1))) if m else []
print(sys.argv[1], "communities", " ".join("%s:%s" % x for x in sorted(c, key=lambda x: (int(x[0]), int(x[1])))))' "$1"
		;;
	frr)
		bg_vtysh -c "show bgp ipv4 unicast $1 json" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = d.get("paths") or sys.exit(1)
names = {"blackhole": "65535:666", "noExport": "65535:65281", "noAdvertise": "65535:65282",
         "localAs": "65535:65283", "noPeer": "65535:65284", "gracefulShutdown": "65535:0"}
best = [x for x in p if x.get("bestpath", {}).get("overall")] or p
c = [names.get(x, x) for x in best[0].get("community", {}).get("list", [])]
c.sort(key=lambda x: tuple(int(v) for v in x.split(":")))
print(sys.argv[1], "communities", " ".join(c))' "$1"
		;;
	*) return 1 ;;
	esac
}

# bg_kernel PREFIX: the router's kernel route for PREFIX exactly ("ip
# route" line: "blackhole 198.18.5.66 proto bird ..."), fails if none
bg_kernel() {
	local r
	r=$(ip -n "$BG-rtr" route show exact "$1" 2>/dev/null)
	[ -n "$r" ] && echo "$r"
}
bg_kernel_blackhole() { bg_kernel "$1" | grep '^blackhole' >/dev/null; }
bg_no_kernel() { ! bg_kernel "$1" >/dev/null; }
bg_in_rib() { bg_rib "$1" >/dev/null; }
bg_not_in_rib() { ! bg_rib "$1" >/dev/null; }

# bg_rib_count: BGP ipv4 unicast prefixes in the router's RIB
bg_rib_count() {
	case $(bg_router) in
	bird) bg_birdc rtr show route table master4 protocol reflector count 2>/dev/null |
		sed -n 's/^\([0-9]*\) of .*/\1/p' ;;
	frr) bg_vtysh -c "show bgp ipv4 unicast summary json" 2>/dev/null |
		python3 -c 'import json, sys; d = json.load(sys.stdin); print(sum(p.get("pfxRcd", 0) for p in d.get("peers", {}).values()))' ;;
	esac
}
# bg_kernel_blackholes: blackhole routes in the router's kernel, less
# FRR's own one for the next hop 192.0.2.1
bg_kernel_blackholes() {
	ip -n "$BG-rtr" route show type blackhole | grep -vc "^blackhole $BG_NEXTHOP "
}

# bg_flow: the router's FlowSpec RIB, as the router shows it (BIRD:
# show route table flowtab4 all; FRR: show bgp ipv4 flowspec detail)
bg_flow() {
	case $(bg_router) in
	bird) bg_birdc rtr show route table flowtab4 all ;;
	frr) bg_vtysh -c "show bgp ipv4 flowspec detail" ;;
	esac
}
# bg_flow_has STRING...: every STRING is in the FlowSpec RIB's text,
# as bg_flow prints it (each router in its own words)
bg_flow_has() {
	local t s
	t=$(bg_flow 2>/dev/null) || return 1
	for s; do grep -qF -- "$s" <<<"$t" || return 1; done
}
# bg_flows: the router's FlowSpec rules, one line each, the same for
# BIRD and FRR: "dst PREFIX src PREFIX proto N dport P[,P...] ACTION",
# the components the rule has, in that order; ACTION is "discard" for
# traffic-rate 0, else the router's own words
bg_flows() {
	case $(bg_router) in
	bird) bg_birdc rtr show route table flowtab4 all 2>/dev/null | python3 -c '
import re, sys
rules, cur = [], None
for line in sys.stdin:
    m = re.match(r"flow4 \{ (.*?) \}", line)
    if m:
        cur = dict(x.strip().split(" ", 1) for x in m.group(1).split(";") if x.strip())
        cur["action"] = "?"
        rules.append(cur)
    elif cur is not None and "BGP.ext_community:" in line:
        e = line.split(":", 1)[1].strip()
        cur["action"] = "discard" if "(generic, 0x80060000, 0x0)" in e else e
for r in rules:
    print(" ".join("%s %s" % (k, r[k]) for k in ("dst", "src", "proto", "dport") if k in r), r["action"])' ;;
	frr) bg_vtysh -c "show bgp ipv4 flowspec detail json" 2>/dev/null | python3 -c '
import json, re, sys
t, i, dec = sys.stdin.read(), 0, json.JSONDecoder()
while True:
    m = re.compile(r"\S").search(t, i)
    if not m:
        break
    parts, i = dec.raw_decode(t, m.start())
    r = {}
    for x in parts:
        r.update(x)
    ports = ",".join(p.strip().lstrip("=").strip() for p in r.get("dstp", "").split(",") if p.strip())
    out = [("dst", r.get("to")), ("src", r.get("from")),
           ("proto", r.get("proto", "").strip().lstrip("=").strip()), ("dport", ports)]
    act = r.get("ecomlist", "?")
    act = "discard" if re.fullmatch(r"FS:rate 0(\.0*)?", act.strip()) else act
    print(" ".join("%s %s" % (k, v) for k, v in out if v), act)' ;;
	esac
}
# bg_has_flow RULE: bg_flows has this line. (No grep -q after a pipe
# in this file: it leaves at the first match, the writer may die of
# SIGPIPE, and under pipefail the test fails with the line there.)
bg_has_flow() { bg_flows | grep -xF -- "$1" >/dev/null; }
bg_no_flow() { ! bg_flows | grep -xF -- "$1" >/dev/null; }
bg_flow_count() {
	case $(bg_router) in
	bird) bg_birdc rtr show route table flowtab4 count | sed -n 's/^\([0-9]*\) of .*/\1/p' ;;
	frr) bg_vtysh -c "show bgp ipv4 flowspec summary json" 2>/dev/null |
		python3 -c 'import json, sys; d = json.load(sys.stdin); print(sum(p.get("pfxRcd", 0) for p in d.get("peers", {}).values()))' ;;
	esac
}

# --- the appliances' speakers: exabgp 4.2, started by hand ---
# bg_exabgp_env: the environment exabgp runs with (exabgp.* names, read
# before /etc/exabgp/exabgp.env): as root (its API process too), logs on
# stdout, no listening socket, no CLI pipe (two speakers would share
# /run/exabgp/exabgp.{in,out}); BG_ACK=false turns the API's "done"
# acknowledgements off; BG_EXABGP_ENV adds more (name=value ...)
bg_exabgp_env() {
	# shellcheck disable=SC2086 # BG_EXABGP_ENV: words
	echo exabgp.daemon.user=root exabgp.daemon.drop=false exabgp.daemon.daemonize=false \
		exabgp.log.destination=stdout exabgp.tcp.bind= exabgp.api.cli=false \
		exabgp.api.ack="${BG_ACK:-true}" ${BG_EXABGP_ENV:-}
}

# bg_exabgp_conf NAME ADDR: the exabgp configuration of appliance NAME
# (a or b) with local address ADDR; its API process is api.py
bg_exabgp_conf() {
	cat <<-EOF
	process feed {
		run /usr/bin/python3 $BG_DIR/api.py $BG_RUN/$1.cmd $BG_RUN/$1.api;
		encoder json;
	}

	neighbor $BG_RR {
		router-id $2;
		local-address $2;
		local-as 65000;
		peer-as 65000;
		family {
			ipv4 unicast;
			ipv6 unicast;
			ipv4 flow;
		}
		api {
			processes [ feed ];
			neighbor-changes;
			receive {
				parsed;
				update;
			}
		}
	}
	EOF
}

# bg_exabgp_start a|b: start appliance A's or B's speaker by hand, as
# floodguard will; commands go in with bg_cmd, what it hears is in
# $BG_RUN/NAME.api (and .api.t, time-stamped)
bg_exabgp_start() {
	local name=$1 addr
	case $name in a) addr=$BG_A ;; b) addr=$BG_B ;; *) return 1 ;; esac
	bg_exabgp_conf "$name" "$addr" >"$BG_RUN/$name.conf"
	rm -f "$BG_RUN/$name.cmd"
	mkfifo "$BG_RUN/$name.cmd" || return 1
	# shellcheck disable=SC2046
	ip netns exec "$BG-$name" env $(bg_exabgp_env) exabgp "$BG_RUN/$name.conf" \
		>>"$BG_RUN/$name.log" 2>&1 &
	echo $! >"$BG_RUN/exabgp-$name.pid"
	disown
}
bg_exabgp_stop() { bg_stop "exabgp-$1" TERM; }
bg_exabgp_kill() { bg_stop "exabgp-$1" KILL; }

# bg_cmd NAME LINE...: hand API command lines to speaker NAME's process
# (at most 5 s for it to take them)
bg_cmd() {
	local name=$1
	shift
	printf '%s\n' "$@" | timeout 5 tee "$BG_RUN/$name.cmd" >/dev/null
}
# bg_cmd_file NAME FILE: hand every line of FILE to speaker NAME (at most 60 s)
bg_cmd_file() { timeout 60 dd if="$2" of="$BG_RUN/$1.cmd" bs=1M status=none; }

# bg_heard NAME PATTERN: speaker NAME's API process has been sent a line
# matching PATTERN (grep -E)
bg_heard() { grep -qE -- "$2" "$BG_RUN/$1.api" 2>/dev/null; }

# bg_leftovers: processes still running in the test bed's namespaces,
# or of its files (one line each); empty when all is gone
bg_leftovers() {
	local ns
	for ns in $(bg_namespaces); do ip netns pids "$ns" 2>/dev/null; done | sort -u
	pgrep -f -- "$BG_RUN/" 2>/dev/null
	pgrep -f -- "--file-prefix $BG --no-telemetry" 2>/dev/null
	pgrep -f -- "--file-prefix ${BG}b --no-telemetry" 2>/dev/null
}

# Stop everything the test bed started and remove what it created.
bg_down() {
	local n
	for n in a b; do bg_exabgp_stop "$n"; done
	bg_router_stop
	bg_rr_stop
	bg_fg_stop b
	tb_down
	# a floodguard B that an aborted run left behind (as tb_down does for A)
	pkill -KILL -f -- "--file-prefix ${BG}b --no-telemetry" 2>/dev/null
	# shellcheck disable=SC2046
	tb_ns_del $(bg_namespaces)
	# what ran from the run directory outside the namespaces (none should)
	pgrep -f -- "$BG_RUN/" | xargs -r kill -KILL 2>/dev/null
	rm -f "$BG_RUN"/*.cmd "$BG_RUN"/*.ctl "$BG_RUN"/frr/*.vty "$BG_RUN"/frr/zserv.api
	return 0
}
