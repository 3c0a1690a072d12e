# SPDX-License-Identifier: BSD-3-Clause
# The namespace test bed the demo, the end-to-end test and perf/ share:
# source it, then tb_up / tb_fg_start / tb_down.
#
#   outside namespace $TB-out            server namespace $TB-srv
#   agents 198.18.1.1-4, flooder .1.66   198.18.2.10: UDP/TCP 1270 collector,
#   SIP partners 198.18.3.1, .3.9,       sipp UAS on 5060
#   .3.66, .3.77
#        $TB-o0 ==veth== $TB-o1 [floodguard inline, net_af_packet] $TB-s1 ==veth== $TB-s0
#
# One L2 segment (198.18.0.0/16): floodguard is a bump in the wire, ARP
# and everything not protected goes through it untouched.
#   TB      name prefix (default fgdm; at most 8 characters)
#   TB_PMD  af_packet (default) or af_xdp: floodguard's ports on the veths
#   TB_FG_NS  the namespace floodguard runs in (default: this one), for
#           a test bed that moves its ports there (tests/bgp/lib.sh)
# Suites that want two namespaces and one veth pair only: tb_pair.
TB=${TB:-fgdm}
TB_SERVER=198.18.2.10
TB_OUT=$TB-out TB_SRV=$TB-srv
TB_ADDRS="198.18.1.1 198.18.1.2 198.18.1.3 198.18.1.4 198.18.1.66 198.18.3.1 198.18.3.9 198.18.3.66 198.18.3.77"
tb_fgpid=

# tb_end NS IFACE: NS's loopback and IFACE up, IFACE sending full
# checksums (veth hands partial ones to AF_PACKET readers and captures)
tb_end() {
	ip -n "$1" link set lo up
	ip -n "$1" link set "$2" up
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
}

# tb_ns_del NS...: end every process in these namespaces (SIGTERM, then
# SIGKILL 0.2 s later) and remove them with their interfaces.
tb_ns_del() {
	local ns
	for ns; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null; done
	sleep 0.2
	for ns; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# tb_pair "NS1 IF1 [ADDR/LEN...]" "NS2 IF2 [ADDR/LEN...]": two namespaces
# (removing leftovers first) joined by one veth pair, IF1 in NS1 and IF2
# in NS2, with these addresses; IPv4 only (no router solicitations or MLD
# in what a suite counts), tb_end on both ends.
tb_pair() {
	local one=($1) two=($2) x a
	tb_ns_del "${one[0]}" "${two[0]}"
	ip netns add "${one[0]}" && ip netns add "${two[0]}" || return 1
	ip link add "${one[1]}" netns "${one[0]}" type veth peer name "${two[1]}" netns "${two[0]}" || return 1
	for x in "$1" "$2"; do
		set -- $x
		ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		for a in "${@:3}"; do ip -n "$1" addr add "$a" dev "$2"; done
		tb_end "$1" "$2"
	done
}

# Create the namespaces and veth pairs (removing leftovers first).
tb_up() {
	tb_down
	ip netns add "$TB_OUT" && ip netns add "$TB_SRV" || return 1
	ip link add "$TB-o0" type veth peer name "$TB-o1" || return 1
	ip link add "$TB-s0" type veth peer name "$TB-s1" || return 1
	ip link set "$TB-o0" netns "$TB_OUT"
	ip link set "$TB-s0" netns "$TB_SRV"
	for a in $TB_ADDRS; do ip -n "$TB_OUT" addr add "$a/16" dev "$TB-o0"; done
	ip -n "$TB_SRV" addr add "$TB_SERVER/16" dev "$TB-s0"
	tb_end "$TB_OUT" "$TB-o0"
	tb_end "$TB_SRV" "$TB-s0"
	ip link set "$TB-o1" up
	ip link set "$TB-s1" up
}

# floodguard inline between the two root-side veth ends; extra args are
# floodguard app args (--set ...). Waits (at most 60 s) until it says it
# is forwarding and floodctl answers: floodctl answers as soon as the
# segment is up, before the ports are started.
tb_fg_start() { # BUILD LOG [APP ARGS...]
	local build=$1 log=$2
	shift 2
	# 32768 ring frames, not the PMD's 512: the worker shares two vCPUs
	# with the senders, and a flood at 50k pps fills 512 in 10 ms of a
	# stalled worker, 4096 in 82 ms (a busy host lost legitimate packets
	# so); 32768 hold 650 ms, 128 MiB a port. What the kernel drops there
	# no counter of floodguard shows (net_af_packet has no imissed in
	# DPDK 22.11): the demo's report compares sent with received
	local v0="net_af_packet0,iface=$TB-o1,framecnt=32768" v1="net_af_packet1,iface=$TB-s1,framecnt=32768"
	if [ "${TB_PMD:-af_packet}" = af_xdp ]; then
		v0="net_af_xdp0,iface=$TB-o1" v1="net_af_xdp1,iface=$TB-s1"
	fi
	local pre=()
	[ -n "${TB_FG_NS:-}" ] && pre=(ip netns exec "$TB_FG_NS")
	"${pre[@]}" "$build/dataplane/floodguard" -l 0-1 --no-pci --file-prefix "$TB" --no-telemetry \
		--vdev "$v0" --vdev "$v1" -- \
		--set control.instance="$TB" --set control.state_file=none \
		--set table.sources=65536 --set dataplane.stats_interval=0 "$@" >"$log" 2>&1 &
	tb_fgpid=$!
	local end=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$end" ]; do
		grep -q ', forwarding$' "$log" 2>/dev/null &&
			"$build/control/floodctl" status -i "$TB" --timeout 2000 >/dev/null 2>&1 && return 0
		kill -0 "$tb_fgpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Stop floodguard: SIGINT, at most 30 s for it to write its summary and
# exit, then SIGKILL. Returns its exit status (137 if it was killed).
tb_fg_stop() {
	local pid=$tb_fgpid end=$((SECONDS + 30)) rc=0
	tb_fgpid=
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

# Stop everything the test bed started and remove what it created.
tb_down() {
	tb_fg_stop
	# a floodguard of this test bed that an aborted run left behind holds
	# the instance (floodctl answers from its segment, a new one is refused)
	pkill -INT -f -- "--file-prefix $TB --no-telemetry" 2>/dev/null && sleep 0.5
	pkill -KILL -f -- "--file-prefix $TB --no-telemetry" 2>/dev/null
	tb_ns_del "$TB_OUT" "$TB_SRV"
	ip link del "$TB-o1" 2>/dev/null
	ip link del "$TB-s1" 2>/dev/null
	return 0
}
