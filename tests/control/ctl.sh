#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Control plane end to end: floodguard inline on vdevs (net_pcap replaying
# a capture forever into net_null) and floodctl against it. What the data
# plane does after each command is read back from its counters: an allowed
# flooder passes, a blocked address drops within one housekeeping
# interval, lists survive restarts, damaged state files are refused, the
# segment is 0600 (0660 with [control] group), a floodctl of another ABI
# refuses, writers killed with SIGKILL mid-update leave whole lists.
# Prints TAP.   usage: ctl.sh BUILD WORKDIR [KILLS]
#
# No fixed sleeps: the data plane publishes its counters every 100 ms,
# stamped with its wall clock (stats --json unix_ns), and every window is
# judged on those snapshots. After a command, a window starts once a
# snapshot published after the command returned is followed by 1,000 more
# packets received (the worker has decided packets under the new lists or
# thresholds; a loop pass begun before holds a few bursts of 32), and lasts
# for a number of packets received (or, for a rate, a span of the data
# plane's clock), however long a busy machine takes; every wait is bounded.
set -uo pipefail
build=$1 work=$2 kills=${3:-1000}
fg=$build/dataplane/floodguard fc=$build/control/floodctl
mkdir -p "$work"
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/snap.sh"
inst=fgt-ctl-$$ state=$work/state.lists
rm -f "$state" "$state.prev" "$state.watch" "$state.watch.prev"

frames "$work" <<'PY'
pk = []
for i in range(1200):
    # A and B flood the agent port in turns; C walks 1200 SIP URIs
    pk.append(e() / IP(src="198.18.1.1", dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"A" * 20))
    pk.append(e() / IP(src="198.18.1.2", dst="198.18.2.10") / UDP(sport=40001, dport=1270) / Raw(b"B" * 20))
    if i % 4 == 0:
        inv = (f"INVITE sip:user{i}@local.example SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.1.3;branch=z9hG4bK{i}\r\n"
               f"From: <sip:a@partner.example>;tag=1\r\nTo: <sip:user{i}@local.example>\r\nCall-ID: c{i}\r\n"
               f"CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        pk.append(e() / IP(src="198.18.1.3", dst="198.18.2.10") / UDP(sport=5060, dport=5060) / Raw(inv.encode()))
wrpcap(f"{w}/flood.pcap", pk)
# after the restart: C goes on with URIs it never asked for
wrpcap(f"{w}/flood2.pcap", [x for x in pk if IP not in x or x[IP].src != "198.18.1.3"] +
       [e() / IP(src="198.18.1.3", dst="198.18.2.10") / UDP(sport=5060, dport=5060) /
        Raw(bytes(x[Raw].load).replace(b"sip:user", b"sip:new")) for x in pk
        if IP in x and x[IP].src == "198.18.1.3"])
PY

start() { # extra --set args...
	"$fg" -l 0-1 --no-pci --file-prefix "$inst" --no-telemetry \
		--vdev "net_pcap0,rx_pcap=$work/${pcap:-flood.pcap},infinite_rx=1" --vdev "net_null0,no-rx=1" \
		-- --set control.instance="$inst" --set control.state_file="$state" \
		--set mom.pps=100 --set mom.pps_burst=100 --set mom.window_events=0 \
		--set sip.pps=1000000 --set sip.bps=0 --set sip.window_events=0 \
		--set sip-rules.uri_limit=100 --set sip-rules.sustained_rate=0 \
		--set lists.max_prefixes=65536 \
		--set lists.v4_groups=65536 "$@" \
		>>"$work/fg.out" 2>&1 &
	fgpid=$!
	# up when floodctl answers; a data plane that exited will not be
	wait_until 60 up_or_gone && ctl status -i "$inst" >/dev/null 2>&1
}
up_or_gone() { ctl status -i "$inst" >/dev/null 2>&1 || gone "$fgpid"; }
stop() { stop_pid TERM 30 "$fgpid"; }
trap 'kill $fgpid 2>/dev/null' EXIT
# floodctl waits for the data plane's workers (list updates) and main
# lcore (set, get, watch) 1 s by default: a neighbour holding their CPUs
# can take longer, which is no failure of what is tested here
TMO="--timeout 10000"
ctl() { "$fc" "$@" $TMO; }
# rd ARGS...: a floodctl read of the published counters (status, stats,
# metrics), asked again while it fails, at most 10 s: it gives up after
# ~0.1 s of finding a publish in progress ("the counters did not
# settle"), which a neighbour holding the main lcore's CPU causes
rd() {
	local out
	_rd() { out=$(ctl "$@" 2>/dev/null); }
	wait_until 10 _rd "$@"
	printf '%s\n' "$out"
}

# v REASON...: the sum of those verdict counters as last published (snap
# asked again while it fails, at most 10 s)
v() {
	local r s
	r=$(IFS=+; echo "$*")
	_v() { read -ra s < <(snap "$r") && [ "${#s[@]}" -eq 3 ]; }
	wait_until 10 _v && echo "${s[2]}"
}


# 100,000 packets: at least one publish interval at any speed this data
# plane runs on vdevs (millions per second; ASan ~1M)
WIN=100000

start || { nok "floodguard starts with floodctl reachable" "$(tail -5 "$work/fg.out")"; tap_done; exit 1; }
ok "floodguard inline up; floodctl status answers"
mode=$(stat -c %a "/dev/shm/$inst")
check "segment /dev/shm/$inst is 0600 (got $mode)" [ "$mode" = 600 ]
st=$(rd status --json -i "$inst")
check "status --json: running, inline, generation 0" grep -q '"running":true,"mode":"inline".*"lists_generation":0' <<<"$st"

# baseline: both agents over their rate, nothing allowed or blocked
settle "$(now_us)" && window rx $WIN rate-pps pass-allow
rate=${d[0]:-} allow=${d[1]:-}
check "before: the flooders drop as rate-pps ($rate of $drx received), none pass-allow" \
	[ "${rate:-0}" -gt 1000 -a "${allow:-1}" -eq 0 ]

# allow A: its packets pass as pass-allow; B alone is rate-limited
out=$(ctl allow add 198.18.1.1 -i "$inst")
check "allow add prints what changed" [ "$out" = "added to allow 198.18.1.1/32" ]
settle "$(now_us)" && window rx $WIN pass-allow rate-pps
da=${d[0]:-0} dr=${d[1]:-0}
# A and B alternate in the capture: allowed A ~ rate-limited B
if [ "$da" -gt 1000 ] && [ $((da * 10)) -ge $((dr * 8)) ] && [ $((da * 8)) -le $((dr * 10)) ]; then
	ok "allowed flooder passes: pass-allow +$da ~ B's rate-pps +$dr"
else nok "allowed flooder passes: pass-allow ~ rate-pps of B" "pass-allow +$da rate-pps +$dr"; fi

# block B: its packets drop as block-list within one housekeeping interval.
# The apply itself takes microseconds (perf/bench-ctl): block add returns
# once published, and a worker takes the new lists at its next loop pass;
# the counters show it at the next 100 ms publish in which the worker ran.
# Judged in those terms, not in ms of wall time (floodctl's start and the
# state file's fsync, or a neighbour holding the data plane's CPU, would
# count against it): the first snapshot published after block add
# returned, plus 1,000 packets received, must count block-list drops. The
# ms from block add's return to the first snapshot seen showing it (polled
# every 0.1 s: an upper bound) are reported, not judged.
b0=$(v block-list)
t0=$(now_us)
ctl block add 198.18.1.2 -i "$inst" >/dev/null
t1=$(now_us)
seen= sa_rx= judged=
_applied() {
	local s
	read -ra s < <(snap block-list)
	[ "${#s[@]}" -eq 3 ] && [ "${s[0]}" -gt $((t1 / 1000)) ] || return 1
	[ -n "$seen" ] || [ "${s[2]}" -le "$b0" ] || seen=$((s[0] - t1 / 1000))
	[ -n "$sa_rx" ] || { sa_rx=${s[1]}; return 1; }
	[ "${s[1]}" -ge $((sa_rx + 1000)) ] || return 1
	judged=${s[2]}
}
wait_until 20 _applied
if [ -n "$judged" ] && [ "$judged" -gt "${b0:-0}" ]; then
	ok "blocked address drops, counted as soon as the worker decides packets after block add (which took $(((t1 - t0) / 1000)) ms; shown in a snapshot stamped $seen ms after it; published every 100 ms)"
else nok "blocked address drops, counted as soon as the worker decides packets after block add" \
	"block-list $b0 -> ${judged:-(no snapshot with 1000 packets received after block add)}"; fi
settle "$t1" && window rx $WIN rate-pps block-list
r=${d[0]:-} bl=${d[1]:-}
check "blocked: no rate-pps left (+$r), block-list +$bl" [ "${r:-1}" -eq 0 -a "${bl:-0}" -gt 1000 ]

# deleting both brings the rate limits back
ctl allow del 198.18.1.1 -i "$inst" >/dev/null && ctl block del 198.18.1.2 -i "$inst" >/dev/null
settle "$(now_us)" && window rx $WIN rate-pps block-list+pass-allow
r=${d[0]:-} bl=${d[1]:-}
check "after del: rate-pps again (+$r), no block-list or pass-allow (+$bl)" [ "${r:-0}" -gt 1000 -a "${bl:-1}" -eq 0 ]

# bad input names the argument and why; exit codes
err=$(ctl block add 10.0.0.0/33 -i "$inst" 2>&1); rc=$?
check "block add 10.0.0.0/33: exit 2, 'prefix length out of range'" \
	[ "$rc" -eq 2 -a "$err" = "floodctl block: 10.0.0.0/33: prefix length out of range (0-32)" ]
err=$(ctl block add 198.18.1.9 10.0.0.1/8 -i "$inst" 2>&1); rc=$?
check "a bad item among good ones: exit 2, nothing added" \
	[ "$rc" -eq 2 -a "$(ctl block list -i "$inst" | wc -l)" -eq 0 ]
ctl block add 198.18.1.9 -i "$inst" >/dev/null
ctl block add 198.18.1.9 -i "$inst" >/dev/null 2>&1; rc1=$?
ctl block del 198.18.7.7 -i "$inst" >/dev/null 2>&1; rc2=$?
check "already listed / not listed: exit 3" [ "$rc1" -eq 3 -a "$rc2" -eq 3 ]

# --file: every bad line named FILE:LINE and nothing changed, unless
# --skip-bad; comments, blank lines, spaces and CRLF are not items
feed=$work/feed.txt
printf '# a feed\n203.0.113.0/24 ; SBL1\n\n  192.0.2.1  \r\n1.2.3.400\n2001:db8::/32\n10.1.2.3/8\n' >"$feed"
before=$(ctl block list -i "$inst")
err=$(ctl block add --file "$feed" -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && [ "$(ctl block list -i "$inst")" = "$before" ] &&
	grep -q "^floodctl: $feed:5: 1.2.3.400: not an IPv4 or IPv6 address$" <<<"$err" &&
	grep -q "^floodctl: $feed:7: 10.1.2.3/8: host bits set" <<<"$err" &&
	grep -q "2 bad lines: nothing changed" <<<"$err"
okif "block add --file, 2 bad lines: exit 2, each named FILE:LINE, nothing added" "exit $rc" "$err"
out=$(ctl block add --file "$feed" --skip-bad -i "$inst" 2>"$work/skip.err"); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "block: 3 added, 0 already on it" ] &&
	grep -q "2 bad lines skipped" "$work/skip.err" &&
	[ "$(ctl block list -i "$inst" | grep -c -e 203.0.113.0/24 -e 192.0.2.1/32 -e 2001:db8::/32)" -eq 3 ]
okif "--skip-bad: the 3 good lines added in one update, 2 counted" "exit $rc" "$out"
out=$(grep -v 1.2.3.400 "$feed" | grep -v 10.1.2.3 | ctl block del --file - -i "$inst"); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "block: 3 deleted, 0 not on it" ] &&
	[ "$(ctl block list -i "$inst")" = "$before" ]
okif "block del --file - (standard input): the 3 deleted" "exit $rc" "$out"
err=$(ctl block add --file "$work/none" -i "$inst" 2>&1); rc=$?
check "--file of a missing file: exit 1, names it" \
	[ "$rc" -eq 1 -a "$err" = "floodctl block: $work/none: No such file or directory" ]

# tags, replace, --contains, --ttl (prefix entries at feed scale)
/usr/bin/python3 - "$work" <<'PY'
import random, sys
w = sys.argv[1]
r = random.Random(24)
def feed(name, n, seed):
    r.seed(seed)
    with open(f"{w}/{name}", "w") as f:
        f.write("# a generated feed\n")
        for _ in range(n):
            f.write("%d.%d.%d.%d\n" % (r.randrange(11, 200), r.randrange(256), r.randrange(256), r.randrange(256)))
feed("feedA.txt", 20000, 1)
feed("feedB.txt", 20000, 2)
PY
ctl block add 203.0.113.9 -i "$inst" >/dev/null
out=$(ctl block replace --file "$work/feedA.txt" --tag feedA -i "$inst"); rc=$?
na=$(ctl block list --tag feedA -i "$inst" | wc -l)
check "replace --tag feedA: 20000 entries of tag feedA ($out)" [ "$rc" -eq 0 -a "$na" -eq 20000 ]
out=$(ctl block replace --file "$work/feedB.txt" --tag feedA -i "$inst"); rc=$?
nb=$(ctl block list --tag feedA --json -i "$inst" | grep -o '"item"' | wc -l)
same=$(ctl block list --tag feedA -i "$inst" | awk '{print $2}' | sed 's|/32$||' | sort |
	comm -12 - <(grep -v '^#' "$work/feedB.txt" | sort -u) | wc -l)
man=$(ctl block list --contains 203.0.113.9 -i "$inst")
[ "$rc" -eq 0 ] && [ "$nb" -eq "$same" ] && [ "$nb" -eq "$(grep -v '^#' "$work/feedB.txt" | sort -u | wc -l)" ] &&
	grep -q "203.0.113.9/32  tag manual" <<<"$man" && grep -q "removed" <<<"$out"
okif "replace by another feed: the tag holds exactly the new feed, a manual entry stays ($out)" \
	"exit $rc, $nb entries, $same of the new feed" "$man"
out=$(ctl block list --contains "$(sed -n 5p "$work/feedB.txt")" -i "$inst"); rc=$?
check "--contains an address of the feed: its entry, tag feedA" \
	[ "$rc" -eq 0 -a "$(awk '{print $4}' <<<"$out")" = feedA ]
ctl block list --contains 198.18.200.200 -i "$inst" >/dev/null 2>&1; rc=$?
check "--contains an address no entry holds: exit 3" [ "$rc" -eq 3 ]
out=$(ctl block replace --file /dev/null --tag feedA -i "$inst"); rc=$?
check "replace by an empty feed removes the tag's entries ($out)" \
	[ "$rc" -eq 0 -a "$(ctl block list --tag feedA -i "$inst" | wc -l)" -eq 0 ]
err=$(ctl block add 203.0.113.11 --ttl 0 -i "$inst" 2>&1); rc=$?
check "--ttl 0: exit 2, names the option and its range" \
	[ "$rc" -eq 2 -a "$err" = "floodctl block: --ttl 0: seconds, 1 to 315360000 (10 years)" ]
err=$(ctl block add 203.0.113.11 --tag 'no/slash' -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "^floodctl block: --tag no/slash: 1 to 31 letters" <<<"$err" &&
	! ctl block list --contains 203.0.113.11 -i "$inst" >/dev/null 2>&1
okif "--tag with a bad name: exit 2, names it, nothing added" "exit $rc" "$err"
ctl block add 203.0.113.10 --ttl 1 -i "$inst" >/dev/null
expired() { ! ctl block list --contains 203.0.113.10 -i "$inst" >/dev/null 2>&1; }
t0=$(now_us)
wait_until 10 expired
check "--ttl 1: the entry is gone within 3 s ($((($(now_us) - t0) / 1000)) ms)" \
	[ $(($(now_us) - t0)) -lt 3000000 ]
grep -q "^block 203.0.113.9/32 tag=manual added=[0-9]*$" "$state"
okif "the state file holds the entries with their tag and time"
ctl block del 203.0.113.9 -i "$inst" >/dev/null
# a floodctl killed during a bulk import leaves the old lists or the new
bad=0
for i in 1 2 3 4 5 6 7 8; do
	before=$(ctl block list --tag feedK -i "$inst" | wc -l)
	f=$work/feed$([ $((i % 2)) -eq 0 ] && echo A || echo B).txt
	new=$(grep -v '^#' "$f" | sort -u | wc -l)
	"$fc" block replace --file "$f" --tag feedK -i "$inst" $TMO >/dev/null 2>&1 &
	p=$!
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	stop_pid KILL 10 "$p" 2>/dev/null
	# a handed-over transaction is applied in the background: wait for it
	sleep 1
	after=$(ctl block list --tag feedK -i "$inst" | wc -l)
	[ "$after" -eq "$before" ] || [ "$after" -eq "$new" ] ||
		{ bad=1; echo "  # kill $i: $before entries before, $after after, $new new"; }
done
check "8 bulk imports killed at random: each left the old or the new feed" [ "$bad" -eq 0 ]
ctl block replace --file /dev/null --tag feedK -i "$inst" >/dev/null
err=$(ctl status -i fgt-none-$$ 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "no data plane 'fgt-none-$$'" <<<"$err"
okif "no such instance: exit 1, says so" "exit $rc"

# the URI walker is on the watch list (uri-limit); del warns, promote moves it
# (the watch list is published once a second: polled, at most 20 s)
watched() { wl=$(ctl watch list --json -i "$inst") && grep -q "$1" <<<"$wl"; }
# (its entry is its From domain, partner.example, the address beside it)
C='"item":"partner.example","addresses":\["198.18.1.3"\],"partners":1'
wait_until 20 watched "$C"',"mode":"high","mode_set":false,"alert":true,"alert_since_unix_ns":[1-9][0-9]*,"reasons":"uri-limit"'
check "watch list: partner.example (198.18.1.3), reasons uri-limit, mode high, alert" \
	grep -q "$C"',"mode":"high","mode_set":false,"alert":true,"alert_since_unix_ns":[1-9][0-9]*,"reasons":"uri-limit"' <<<"$wl"
# ThrottlingMode set by hand: medium wants the failure ratio too
out=$(ctl watch set partner.example --mode medium -i "$inst" 2>&1); rc=$?
wait_until 20 watched "$C"',"mode":"medium","mode_set":true,"alert":false,"alert_since_unix_ns":0,'
okst $? "watch set partner.example --mode medium: mode medium, no alert (uri-limit alone)" \
	"exit $rc: $out" "$wl"
ctl watch set partner.example --mode default -i "$inst" >/dev/null
wait_until 20 watched "$C"',"mode":"high","mode_set":false,"alert":true'
okst $? "watch set --mode default: back to [sip-rules] default_mode (high), alert" "$wl"
alerts() {
	ev=$(ctl events --json -i "$inst") &&
		[ "$(grep -c '"event":"alert","src":"198.18.1.3","class":"sip","arg":2,"reasons":"uri-limit","mode":"high","domain":"partner.example"}' <<<"$ev")" -ge 2 ]
}
wait_until 20 alerts
okst $? "events: an alert naming the entry each time partner.example's condition starts to hold (2)" "$ev"
err=$(ctl watch set partner.example --mode low -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--mode low: high, medium or default" <<<"$err"
okif "watch set --mode low: refused (exit 2), names the modes" "exit $rc: $err"
err=$(ctl watch set 198.18.7.7 --mode medium -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "198.18.7.7: not a partner the SIP rules track" <<<"$err"
okif "watch set of an address never seen: refused, says why" "exit $rc: $err"
m=$(rd metrics -i "$inst" | grep '^floodguard_watch_alert{entry="partner.example"')
check "metrics: floodguard_watch_alert of partner.example is 1" \
	[ "$m" = 'floodguard_watch_alert{entry="partner.example",mode="high",reasons="uri-limit"} 1' ]
# the SIP rules hold C: blocked lists its watch entry (class sip, rule
# uri-limit, no offences) until expiry_s (1 day) after since, the time
# left counting down; unblock lifts it (C, still over the limit, is back
# at its next new URI: a new since), unblock --forgive starts it afresh
wb() { # partner.example in blocked --json: "class rule since until remaining offences addresses"
	ctl blocked --json -i "$inst" 2>/dev/null | python3 -c 'import json, sys
for b in json.loads(sys.stdin.read())["blocked"]:
    if b["src"] == "partner.example":
        print(b["class"], b["rule"], b["since_unix_ms"], b["until_unix_ms"], b["remaining_ms"],
              b["offences"], ",".join(b["addresses"]))'
}
read -r cls rule since1 until1 left1 off addrs < <(wb)
[ "$cls $rule $off $addrs" = "sip uri-limit None 198.18.1.3" ] &&
	[ $((until1 - since1)) -eq 86400000 ] && [ "$left1" -gt 0 ] && [ "$left1" -le 86400000 ]
okst $? "blocked --json: partner.example, class sip, rule uri-limit, until since + 1 day, no offences" \
	"$cls $rule $since1 $until1 $left1 $off $addrs"
# (since is published in unix ms from the data plane's clock, once a
# second: two publishes may differ by a few ms)
sleep 1.1
read -r _ _ since2 _ left2 _ _ < <(wb)
[ "${since2:-0}" -ge $((since1 - 100)) ] && [ "$since2" -le $((since1 + 100)) ] &&
	[ $((left1 - ${left2:-0})) -ge 1000 ] && [ $((left1 - left2)) -le 5000 ]
okst $? "blocked: the watch entry's time left counts down ($left1 -> ${left2:-?} ms over 1.1 s)"
out=$(ctl blocked -i "$inst")
grep -Eq '^partner\.example +sip +uri-limit +[0-9T:-]+ +[0-9T:-]+ +[0-9]+ +-$' <<<"$out"
okst $? "blocked (text): partner.example's line, offences '-'" "$out"
t0=$(date +%s%3N)
out=$(ctl unblock 198.18.1.3 -i "$inst" 2>"$work/err"); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "unblocked 198.18.1.3 (watch: uri-limit)" ] &&
	grep -q "warning: 198.18.1.3 still meets uri-limit" "$work/err"
okst $? "unblock of a watched partner: exit 0, lifts uri-limit, warns it still meets it" \
	"exit $rc: $out $(cat "$work/err")"
_back() { read -r _ _ since2 _ _ _ _ < <(wb) && [ "${since2:-0}" -ge $(($1 - 100)) ]; }
wait_until 20 _back "$t0"
okst $? "blocked: partner.example back at its next new URI, since the unblock ($since1 -> ${since2:-?}, unblock at $t0)"
t0=$(date +%s%3N)
out=$(ctl unblock 198.18.1.3 --forgive -i "$inst" 2>"$work/err"); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "unblocked 198.18.1.3 (watch: uri-limit), offences forgiven" ] &&
	[ ! -s "$work/err" ]
okst $? "unblock --forgive of a watched partner: exit 0, its URIs forgotten (no warning)" \
	"exit $rc: $out $(cat "$work/err")"
wait_until 20 _back "$t0"    # 100 new URIs later
err=$(ctl watch del 198.18.1.3 -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q "warning: 198.18.1.3 still meets uri-limit" <<<"$err"
okif "watch del of a partner still over the URI limit: exit 0 and a warning" "exit $rc"
# a watched domain promoted: onto the block list and off the watch list
# in one update (one generation: never on both, never on neither)
gen() { rd status --json -i "$inst" | sed -n 's/.*"lists_generation":\([0-9]*\).*/\1/p'; }
ctl watch add evil.example -i "$inst" >/dev/null
g0=$(gen)
out=$(ctl watch promote evil.example block -i "$inst" 2>&1); rc=$?
g1=$(gen)
bl=$(ctl block list -i "$inst"); wl=$(ctl watch list -i "$inst")
[ "$rc" -eq 0 ] && [ -n "$g0" ] && [ "$((g1 - g0))" -eq 1 ] && grep -q "evil.example" <<<"$bl" && ! grep -q "evil.example" <<<"$wl"
okif "watch promote DOMAIN block: on the block list, off the watch list, one update ($g0 -> $g1)" "exit $rc"
ctl block del evil.example -i "$inst" >/dev/null
ctl watch add 198.18.1.4 --mode medium -i "$inst" >/dev/null
# on the published watch list first (once a second), so that "off" means
# the promote took it off
wait_until 20 watched '"item":"198.18.1.4","addresses":\["198.18.1.4"\],"partners":1,"mode":"medium","mode_set":true,"alert":false'
was=$?
out=$(ctl watch promote 198.18.1.4 block -i "$inst" 2>&1); rc=$?
promoted() {
	bl=$(ctl block list -i "$inst") && wl=$(ctl watch list --json -i "$inst") &&
		grep -q "198.18.1.4/32" <<<"$bl" && ! grep -q '"198.18.1.4"' <<<"$wl"
}
wait_until 20 promoted
[ "$was" -eq 0 ] && [ "$rc" -eq 0 ] && grep -q "198.18.1.4/32" <<<"$bl" && ! grep -q '"198.18.1.4"' <<<"$wl"
okst $? "watch promote ADDR block: on the block list, off the watch list" "exit $rc" \
	"on the watch list before: $([ "$was" -eq 0 ] && echo yes || echo no)"
# events are found by the main lcore's walk once a second: polled
evs() {
	ev=$(ctl events --json -i "$inst") &&
		grep -q '"event":"watch","src":"198.18.1.3","class":"sip","arg":2,"reasons":"uri-limit"' <<<"$ev" &&
		grep -q '"event":"lists"' <<<"$ev"
}
wait_until 20 evs
check "events: watch of 198.18.1.3 (uri-limit) and list generations" \
	grep -q '"event":"watch","src":"198.18.1.3","class":"sip","arg":2,"reasons":"uri-limit"' <<<"$ev"
grep -q '"event":"lists"' <<<"$ev" || nok "events: lists generations" "$ev"

# thresholds at run time
out=$(ctl set mom.pps 1000000000 -i "$inst"); rc=$?
got=$(ctl get mom.pps -i "$inst")
check "set mom.pps 1000000000, get reads it back" [ "$rc" -eq 0 -a "$got" = 1000000000 ]
settle "$(now_us)" && window rx $WIN rate-pps
r=${d[0]:-}
check "the raised rate lets the flooders through (rate-pps +$r of $drx received)" [ "${r:-1}" -eq 0 ]
# rates that change while a burst is being decided: each burst sees one
# whole set (a limiter restarted in another rate's units would read as up
# to 2 s ahead and drop everything meanwhile: ~1M here before the fix)
a=$(v rate-pps)
for i in $(seq 50); do
	ctl set mom.pps $((1000000000 + i % 2 * 2000000000)) -i "$inst" >/dev/null
done
settle "$(now_us)"
r=$(( $(v rate-pps) - a ))
check "50 sets between 10^9 and 3x10^9/s while they flood: no rate-pps (+$r)" [ "$r" -eq 0 ]
# lowered again: the limiters restart in the new rate's units (their old
# words, in units of 10^9/s, would read as years ahead); the SIP walker is
# held to 5/s meanwhile so that pass counts little besides the flooders
ctl set sip.pps 5 -i "$inst" >/dev/null && ctl set sip.pps_burst 5 -i "$inst" >/dev/null
ctl set mom.pps 50 -i "$inst" >/dev/null
# the limiters restart full (100 each): settled, 1,000 packets drain that;
# then 2 s by the data plane's own clock (the stamps of the snapshots the
# window starts and ends on), the pass count scaled to exactly 2 s
settle "$(now_us)" && window ms 2000 pass rate-pps
p=${d[0]:-} r=${d[1]:-} p2=$(( dms > 0 ? ${d[0]:-0} * 2000 / dms : 0 ))
check "set mom.pps 50: the flooders pass 2 x 50/s again (pass +$p in $dms ms: $p2 per 2 s, 10 of them SIP), rate-pps +$r" \
	[ "$p2" -ge 170 -a "$p2" -le 250 -a "${r:-0}" -gt 1000 ]
ctl set sip.pps 1000000 -i "$inst" >/dev/null && ctl set sip.pps_burst 600 -i "$inst" >/dev/null
err=$(ctl set mom.pps lots -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "\[mom\] pps" <<<"$err"
okif "set mom.pps lots: exit 2, names the key" "exit $rc"
err=$(ctl set table.sources 5 -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "not tunable" <<<"$err"
okif "set table.sources: exit 2, not tunable while running" "exit $rc"
err=$(ctl set sip.block_jitter_pct 51 -i "$inst" 2>&1); rc=$?
got=$(ctl get sip.block_jitter_pct -i "$inst")
[ "$rc" -eq 2 ] && grep -q "\[sip\] block_jitter_pct: above 50 %" <<<"$err" && [ "$got" = 10 ]
okif "set sip.block_jitter_pct 51: exit 2, names the key and the bound, 10 stays" "exit $rc, now $got: $err"
out=$(ctl set sip.block_jitter_pct 50 -i "$inst" 2>&1); rc=$?
got=$(ctl get sip.block_jitter_pct -i "$inst")
check "set sip.block_jitter_pct 50: taken" [ "$rc" -eq 0 -a "$got" = 50 ]

m=$(rd metrics -i "$inst")
check "metrics: list sizes and verdict counters (Prometheus text)" \
	grep -q '^floodguard_list_entries{list="block"} 2$' <<<"$m"
grep -q '^floodguard_packets_total{reason="block-list",verdict="drop"} [1-9]' <<<"$m" ||
	nok "metrics: block-list counter" "$(grep block-list <<<"$m")"
"$fc" metrics --listen 127.0.0.1:19527 -i "$inst" $TMO 2>/dev/null &
mp=$!
# asked until it answers (it listens once started), at most 20 s
http=$(timeout 30 /usr/bin/python3 -c '
import time, urllib.request
end = time.monotonic() + 20
while True:
    try:
        print(urllib.request.urlopen("http://127.0.0.1:19527/metrics", timeout=5).read().decode())
        break
    except OSError as e:
        if time.monotonic() > end:
            print(e)
            break
        time.sleep(0.1)' 2>&1)
stop_pid TERM 10 "$mp"
check "metrics --listen 127.0.0.1:19527 serves the same exposition" \
	grep -q '^floodguard_list_entries{list="block"} 2$' <<<"$http"

# monitor mode at run time: the flooders' rate-pps become would-drops
# (they pass), an event and a log line say so; and back
wd() { # the published would-drops of REASON
	local out
	_wd() { out=$("$fc" stats --json -i "$inst" 2>/dev/null | jq -e ".would_drop[\"$1\"]"); }
	wait_until 10 _wd "$1" && echo "$out"
}
w0=$(wd rate-pps)
out=$(ctl set mom.monitor 1 -i "$inst"); rc=$?
got=$(ctl get mom.monitor -i "$inst")
check "set mom.monitor 1 (no restart), get reads it back" [ "$rc" -eq 0 -a "$got" = 1 ]
settle "$(now_us)" && window rx $WIN rate-pps pass
r=${d[0]:-} w1=$(wd rate-pps)
check "monitor: no rate-pps drop (+$r of $drx received), would-drops rate-pps +$((w1 - w0))" \
	[ "${r:-1}" -eq 0 -a $((w1 - w0)) -gt 1000 ]
evm() { ev=$(ctl events --json -i "$inst") && grep -q "$1" <<<"$ev"; }
wait_until 20 evm '"event":"monitor","src":"","class":"mom","arg":1,"reasons":"on"'
okst $? "events: monitor on, class mom" "$(grep monitor <<<"$ev")"
grep -Eq "floodguard: event=monitor unix_ms=[0-9]+ seq=[0-9]+ scope=mom monitor=on$" "$work/fg.out"
okst $? "log line: event=monitor ... scope=mom monitor=on" "$(grep event= "$work/fg.out" | tail -3)"
grep -Eq "floodguard: event=watch unix_ms=[0-9]+ seq=[0-9]+ class=sip src=198.18.1.3 reasons=uri-limit domain=partner.example$" "$work/fg.out" &&
	grep -Eq "floodguard: event=alert unix_ms=[0-9]+ seq=[0-9]+ class=sip src=198.18.1.3 reasons=uri-limit mode=high domain=partner.example$" "$work/fg.out" &&
	grep -Eq "floodguard: event=lists unix_ms=[0-9]+ seq=[0-9]+ generation=[0-9]+$" "$work/fg.out"
okst $? "log lines: the watch of 198.18.1.3 and its alert (naming partner.example), list generations, one key=value line each"
m=$(rd metrics -i "$inst")
grep -q '^floodguard_would_drop_total{reason="rate-pps"} [1-9]' <<<"$m"
okst $? "metrics: floodguard_would_drop_total{reason=\"rate-pps\"}" "$(grep would <<<"$m" | head -3)"
st=$(rd stats -i "$inst")
grep -Eq '^packets: .* would-drop [1-9][0-9]* \(passed: monitor mode\)$' <<<"$st" &&
	grep -A20 '^would_drop:' <<<"$st" | grep -Eq '^  rate-pps +[1-9]'
okst $? "stats: would-drops apart from drops, by reason" "$(head -1 <<<"$st")"
# the flooders are the most dropped sources, would-drops all, rate-pps
topd() {
	t=$(ctl top --by drops --json -i "$inst") &&
		jq -e '.by == "drops" and ([.top[] | select(.src == "198.18.1.1" or .src == "198.18.1.2")
			| select(.reason == "rate-pps" and .would_drop == .drops and .drops > 0)] | length) == 2' \
			<<<"$t" >/dev/null
}
wait_until 20 topd
okst $? "top --by drops: both flooders, would-drops, reason rate-pps" "$(cut -c1-300 <<<"$t")"
t=$(ctl top --by bytes -n 1 -i "$inst")
grep -Eq '^1 +198\.18\.1\.[12] +mom ' <<<"$t"
okst $? "top --by bytes: a flooder first" "$(sed -n 3,4p <<<"$t")"
err=$(ctl top --by nonsense -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--by nonsense: not events, drops or bytes" <<<"$err"
okst $? "top --by nonsense: exit 2, names it" "exit $rc: $err"
err=$(ctl set mom.monitor 2 -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "\[mom\] monitor: 2 is out of range 0..1" <<<"$err"
okst $? "set mom.monitor 2: exit 2, names the key and its range" "exit $rc: $err"
ctl set mom.monitor 0 -i "$inst" >/dev/null
settle "$(now_us)" && window rx $WIN rate-pps
r=${d[0]:-}
check "set mom.monitor 0: rate-pps drops again (+$r)" [ "${r:-0}" -gt 1000 ]
wait_until 20 evm '"event":"monitor","src":"","class":"mom","arg":0,"reasons":"off"'
okst $? "events: monitor off, class mom"

# permissions: another user cannot attach
err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$fc" status -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "permission denied" <<<"$err"
okif "user nobody: exit 1, permission denied" "exit $rc"

# a second data plane of the same instance is refused
timeout -k 5 60 "$fg" -l 0 --no-pci --file-prefix "$inst-2" --no-telemetry --vdev net_null1 --vdev net_null2 -- \
	--set control.instance="$inst" >"$work/second.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "is running (pid $fgpid)" "$work/second.out"
okif "a second floodguard of the same instance refuses (exit $rc)" "exit $rc"

# ban records: the flood rule on (100 events in 10 s) blocks A and B at
# once; blocked lists both with class, rule, since, until, time left and
# offences, and the time left counts down
ctl set mom.window_events 100 -i "$inst" >/dev/null
bans() { # the blocked sources as "src class rule offences remaining_ms penalty_ms", sorted
	python3 -c 'import json, sys
for b in sorted(json.loads(sys.stdin.read())["blocked"], key=lambda b: b["src"]):
    if b["rule"] == "flood":
        print(b["src"], b["class"], b["rule"], b["offences"], b["remaining_ms"], b["until_unix_ms"] - b["since_unix_ms"])'
}
_ab() { b1=$(ctl blocked --json -i "$inst" 2>/dev/null | bans) && [ "$(grep -c '^198\.18\.1\.[12] mom flood 1 ' <<<"$b1")" -eq 2 ]; }
wait_until 10 _ab
okst $? "blocked --json: A and B, class mom, rule flood, 1 offence" "$b1"
read -r _ _ _ _ left1 pen1 < <(grep '^198\.18\.1\.1 ' <<<"$b1")
[ "${pen1:-0}" -ge 54000 ] && [ "${pen1:-0}" -le 66000 ] && [ "${left1:-0}" -gt 0 ] && [ "$left1" -le "$pen1" ]
okst $? "blocked: until - since is block_ms +-10 % ($pen1 ms), time left $left1 ms within it"
sleep 1.5
b2=$(ctl blocked --json -i "$inst" | bans)
read -r _ _ _ _ left2 _ < <(grep '^198\.18\.1\.1 ' <<<"$b2")
[ -n "${left2:-}" ] && [ $((left1 - left2)) -ge 1400 ] && [ $((left1 - left2)) -le 5000 ]
okst $? "blocked: the time left counts down ($left1 -> ${left2:-?} ms over 1.5 s)"
out=$(ctl blocked -i "$inst")
[ "$(grep -c ' mom  *flood ' <<<"$out")" -eq 2 ] && head -1 <<<"$out" | grep -q '^source .*remaining_ms *offences$'
okst $? "blocked (text): a header and a line per source with class and rule" "$out"
n1=$(ctl blocked -n 1 --json -i "$inst" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["blocked"]))')
check "blocked -n 1: one source" [ "$n1" -eq 1 ]
err=$(ctl blocked -n 0 -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '-n 0: a number from 1 to 4352' <<<"$err"
okif "blocked -n 0: exit 2, names the option and its range" "exit $rc: $err"
# unblock: the flood rule off again (nothing re-blocks them), A and B held
# by their blocks alone: rate-pps only from C (sip.pps_burst is still 5);
# A unblocked, its packets reach its limiters again at once (rate-pps at
# 30 times that), B's stay flood-blocked
ctl set mom.window_events 0 -i "$inst" >/dev/null
settle "$(now_us)" && window rx $WIN rate-pps flood-blocked
r0=${d[0]:-} fb0=${d[1]:-}
check "while blocked: flood-blocked +$fb0, rate-pps +$r0 (C's)" [ "${fb0:-0}" -gt 1000 -a -n "$r0" ]
out=$(ctl unblock 198.18.1.1 -i "$inst"); rc=$?
check "unblock 198.18.1.1: exit 0, says so ($out)" [ "$rc" -eq 0 -a "$out" = "unblocked 198.18.1.1 (mom)" ]
settle "$(now_us)" && window rx $WIN rate-pps flood-blocked pass
check "after unblock: A's packets pass and are rate-limited (rate-pps +${d[0]:-?} against +$r0 before, pass +${d[2]:-?}), B's still flood-blocked (+${d[1]:-?})" \
	[ "${d[0]:-0}" -gt $((30 * ${r0:-0} + 1000)) -a "${d[1]:-0}" -gt 1000 ]
err=$(ctl unblock 198.18.1.1 -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 3 ] && grep -q '198.18.1.1 is not flood-blocked nor watched by the SIP rules' <<<"$err"
okif "unblock of an address not blocked: exit 3, says so" "exit $rc: $err"
err=$(ctl unblock 198.18.1.300 -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q '198.18.1.300: ' <<<"$err"
okif "unblock of a malformed address: exit 2, names it" "exit $rc: $err"
out=$(ctl unblock 198.18.1.2 --forgive -i "$inst"); rc=$?
check "unblock --forgive: exit 0, says so ($out)" [ "$rc" -eq 0 -a "$out" = "unblocked 198.18.1.2 (mom), offences forgiven" ]
_none() { b3=$(ctl blocked --json -i "$inst" 2>/dev/null | bans) && [ -z "$b3" ]; }
wait_until 5 _none
okst $? "blocked: nobody left within a walk (once a second)" "$b3"
ev=$(ctl events --json -i "$inst")
grep -q '"event":"unblock","src":"198.18.1.1","class":"mom","arg":1' <<<"$ev" &&
	grep -q '"event":"unblock","src":"198.18.1.2","class":"mom","arg":0' <<<"$ev"
okst $? "events: an unblock each (arg: offences kept, 1 for A, 0 forgiven for B)" "$(grep unblock <<<"$ev")"

# persistence: the lists come back after a restart, and the watch state:
# the directory walker keeps its 100 URIs, reasons, counters, since, mode
ctl watch set partner.example --mode medium -i "$inst" >/dev/null
wait_until 20 watched "$C"',"mode":"medium","mode_set":true'
w0=$wl
stop
check "segment removed at exit" [ ! -e "/dev/shm/$inst" ]
check "state file holds the lists" grep -q "^block 198.18.1.4/32 tag=manual added=[0-9]*$" "$state"
nu=$(grep -c '^u ' "$state.watch" 2>/dev/null)
grep -q "^p 00000000000000000000ffffc6120103 2 0 [0-9]* .* 100 partner.example$" "$state.watch" &&
	[ "$nu" -ge 7 ] && grep -qx 'm partner.example medium' "$state.watch" &&
	tail -1 "$state.watch" | grep -q '^end [0-9]* crc32=[0-9a-f]\{8\}$'
okst $? "watch state file: the walker (100 URIs, $nu lines of hashes), the domain's mode, end + CRC" \
	"$(head -c 600 "$state.watch" 2>&1)"
pcap=flood2.pcap start || nok "restart"
bl=$(ctl block list -i "$inst")
check "after a restart: block list as before (198.18.1.4, 198.18.1.9: sorted)" \
	[ "$bl" = "$(printf 'block         %s/32  tag manual  expires never\n' 198.18.1.4 198.18.1.9)" ]
grep -q "watch state from $state.watch: [0-9]* partners" "$work/fg.out"
check "the watch state loads at start (logged)" [ $? -eq 0 ]
# it may take a second or two to publish; its new URIs are all beyond the 100
field() { sed -n "s/.*$C[^}]*\"$1\":\([0-9]*\).*/\1/p" <<<"$2"; }
wait_until 20 watched "$C"',"mode":"medium","mode_set":true'
okst $? "after a restart: partner.example still watched, its mode medium as set" "$wl"
s0=$(field since_unix_ns "$w0") s1=$(field since_unix_ns "$wl")
r0=$(field requests "$w0") r1=$(field requests "$wl")
u1=$(field uris "$wl")
d0=$(field dropped_new_uri "$w0") d1=$(field dropped_new_uri "$wl")
[ -n "$s0" ] && [ -n "$s1" ] && [ "$(( (s1 - s0) / 1000000000 ))" -eq 0 ] &&
	[ "$u1" = 100 ] && [ "$r1" -ge "$r0" ] && [ "$d1" -gt "$d0" ]
okst $? "after a restart: since as before, 100 URIs (no fresh 100 for new ones), counters go on" \
	"since $s0 -> $s1, uris $u1, requests $r0 -> $r1, dropped_new_uri $d0 -> $d1"
stop

# a damaged state file is refused: the last good state (.prev) loads
cp "$state" "$work/good.lists"
sed -i 's/198.18.1.4/198.18.1.5/' "$state"
start || nok "restart with a damaged state file"
grep -q "state file rejected: $state: line [0-9]*: checksum mismatch" "$work/fg.out"
check "damaged state file: refused with the line and checksum mismatch" [ $? -eq 0 ]
bl=$(ctl block list -i "$inst")
check "damaged state file: lists from $state.prev (198.18.1.9 only)" \
	[ "$bl" = "block         198.18.1.9/32  tag manual  expires never" ]
stop
truncate -s $((257 << 20)) "$state"   # sparse: more than 256 MiB
rm -f "$state.prev"
start || nok "restart with an oversized state file"
check "oversized state file refused" grep -q "more than a state file may have" "$work/fg.out"
check "oversized state file: the configuration's (empty) lists" \
	[ -z "$(ctl block list -i "$inst")" ]
stop
cp "$work/good.lists" "$state"

# a data plane killed with SIGKILL leaves its segment; the next one replaces it
start || nok "start"
stop_pid KILL 10 "$fgpid" 2>/dev/null
err=$(ctl status -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "is not running" <<<"$err"
okif "data plane killed: floodctl says it is not running (exit 1)" "exit $rc"
start
check "a new data plane replaces the dead one's segment" [ $? -eq 0 ]
stop

# [control] group: the segment is 0660 for that group
groupadd -f fgtctl
gid=$(getent group fgtctl | cut -d: -f3)
start --set control.group=fgtctl || nok "start with [control] group"
mode=$(stat -c '%a %G' "/dev/shm/$inst")
check "[control] group fgtctl: segment 0660, group fgtctl (got $mode)" [ "$mode" = "660 fgtctl" ]
setpriv --reuid=65534 --regid=65534 --groups="$gid" "$fc" block list -i "$inst" >/dev/null 2>&1
check "a member of fgtctl reads the lists" [ $? -eq 0 ]
setpriv --reuid=65534 --regid=65534 --clear-groups "$fc" block list -i "$inst" >/dev/null 2>&1
check "a non-member cannot" [ $? -eq 1 ]
stop

# a segment of another ABI: floodctl refuses and says why
/usr/bin/python3 - "$inst-abi" <<'PY'
import struct, sys, os
magic = 0x4d48534447444c46
hdr = struct.pack("<QII", magic, 99, 4096) + b"\0" * 4080
with open(f"/dev/shm/{sys.argv[1]}", "wb") as f:
    f.write(hdr)
PY
err=$(ctl status -i "$inst-abi" 2>&1); rc=$?
rm -f "/dev/shm/$inst-abi"
abi=$(sed -n 's/^#define FG_SHM_ABI *\([0-9]*\)u.*/\1/p' "$(dirname "$0")/../../shm/fg_shm.h")
[ "$rc" -eq 2 ] && grep -q "ABI 99 .*this floodctl speaks ABI $abi" <<<"$err"
okif "segment of ABI 99: floodctl exits 2 naming both ABIs" "exit $rc"

# SIGKILL writers mid-update, under traffic
start || nok "start for the kill test"
# (its kill window adapts to the machine: 1,000 kills take ~10-60 s)
timeout -k 5 200 "$build/tests/control/kill9" "$inst" "$kills" >"$work/kill9.tap" 2>&1
while read -r line; do
	case $line in
	ok*) ok "kill9: ${line#ok * - }" ;;
	"not ok"*) nok "kill9: ${line#not ok * - }" ;;
	esac
done <"$work/kill9.tap"
grep -q '^1\.\.' "$work/kill9.tap" || nok "kill9 ran" "$(tail -3 "$work/kill9.tap")"
# and the real floodctl binary killed at random points
bad=0
for i in $(seq 100); do
	"$fc" block add "198.18.3.$i" -i "$inst" $TMO >/dev/null 2>&1 &
	p=$!
	sleep "0.00$((RANDOM % 10))"
	stop_pid KILL 10 "$p" 2>/dev/null
done
ctl block list --json -i "$inst" >"$work/after-kills.json" || bad=1
ctl block add 198.18.4.1 -i "$inst" >/dev/null || bad=1
check "100 floodctl block add killed at random: lists readable, next add works" [ "$bad" -eq 0 ]
window rx $WIN block-list+rate-pps+pass
r=${d[0]:-}
check "data plane still forwarding and deciding after the kills (+$r)" [ "${r:-0}" -gt 1000 ]
stop
tap_done
