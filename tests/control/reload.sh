#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Reload under traffic: floodguard inline on vdevs (net_pcap replaying two
# agents flooding 1270 forever into net_null) started as systemd starts a
# Type=notify service (NOTIFY_SOCKET, JOURNAL_STREAM), its --config file
# rewritten and re-read by `floodctl reload` and by SIGHUP. Judged on the
# published counters as tests/control/ctl.sh judges `floodctl set`: a
# window starts once a snapshot published after the command is followed
# by 1,000 more packets received. Checks: thresholds apply whole (0 packets
# misjudged while 50 reloads swap the rate), a bad file changes nothing,
# sizes are reported as needing a restart and left as they run, [lists]
# merge (tag config, domains; floodctl's entries stay; also at a start
# over a state file), readiness
# and reload are told to the notify socket, log lines carry their syslog
# priority. Prints TAP.   usage: reload.sh BUILD WORKDIR
set -uo pipefail
build=$1 work=$2
fg=$build/dataplane/floodguard fc=$build/control/floodctl
mkdir -p "$work"
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/snap.sh"
inst=fgt-reload-$$ ini=$work/fg.ini
rm -f "$work/notify" "$work/notify.log" "$work/fg.out"

timeout 120 /usr/bin/python3 - "$work" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
e = lambda: Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
pk = []
for i in range(1000):
    for s in ("198.18.1.1", "198.18.1.2"):
        pk.append(e() / IP(src=s, dst="198.18.2.10") / UDP(sport=40000, dport=1270) / Raw(b"A" * 20))
wrpcap(f"{sys.argv[1]}/flood.pcap", pk)
PY

# conf PPS [EXTRA LINES]: the configuration file, written whole
conf() {
	printf '[control]\ninstance = %s\nstate_file = none\n[mom]\npps = %s\npps_burst = 100\nwindow_events = 0\n%s\n' \
		"$inst" "$1" "${2:-}" >"$ini.new" && mv "$ini.new" "$ini"
}

# the notify socket systemd would listen on: every datagram a line
timeout 300 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")' "$work/notify" "$work/notify.log" &
npid=$!
wait_until 10 test -S "$work/notify" || nok "notify socket listening"

conf 100
touch "$work/fg.out"
NOTIFY_SOCKET=$work/notify JOURNAL_STREAM=$(stat -c %d:%i "$work/fg.out") \
	"$fg" -l 0-1 --no-pci --file-prefix "$inst" --no-telemetry \
	--vdev "net_pcap0,rx_pcap=$work/flood.pcap,infinite_rx=1" --vdev "net_null0,no-rx=1" \
	-- --config "$ini" >>"$work/fg.out" 2>&1 &
fgpid=$!
trap 'kill $fgpid $npid 2>/dev/null' EXIT
TMO="--timeout 10000"
ctl() { "$fc" "$@" $TMO; }
up_or_gone() { ctl status -i "$inst" >/dev/null 2>&1 || gone "$fgpid"; }
if ! wait_until 60 up_or_gone || ! ctl status -i "$inst" >/dev/null 2>&1; then
	nok "floodguard starts with floodctl reachable" "$(tail -5 "$work/fg.out")"
	tap_done
	exit 1
fi
ok "floodguard inline up under its --config; floodctl status answers"
wait_until 10 file_has "$work/notify.log" '^READY=1'
okst $? "READY=1 on NOTIFY_SOCKET once floodctl can attach" "$(cat "$work/notify.log")"
grep -q '^<6>floodguard: inline mode: .*forwarding' "$work/fg.out" &&
	! grep -q '^floodguard: ' "$work/fg.out"
okst $? "under JOURNAL_STREAM every log line has its priority (<6> info)" \
	"$(grep -m3 'floodguard:' "$work/fg.out")"

get() { ctl get "$1" -i "$inst" 2>/dev/null; }
WIN=100000

settle "$(now_us)" && window rx $WIN rate-pps
check "before: 2 agents over 100/s drop as rate-pps (+$dr of $drx)" [ "${dr:-0}" -gt 1000 ]

conf 1000000000
out=$(ctl reload -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q "reloaded $ini: changed \[mom\] pps" <<<"$out" &&
	[ "$(get mom.pps)" = 1000000000 ]
okst $? "reload: [mom] pps from the file is the running value" "exit $rc: $out"
settle "$(now_us)" && window rx $WIN rate-pps
check "the raised rate lets the flooders through (rate-pps +$dr of $drx)" [ "${dr:-1}" -eq 0 ]

# 50 reloads swapping the rate between 10^9/s and 3x10^9/s while they
# flood: every burst decides with one whole set, 0 packets misjudged
a=$(snap rate-pps | cut -d' ' -f3) fails=0
for i in $(seq 50); do
	conf $((1000000000 + i % 2 * 2000000000))
	ctl reload -i "$inst" >/dev/null 2>&1 || fails=$((fails + 1))
done
settle "$(now_us)"
r=$(( $(snap rate-pps | cut -d' ' -f3) - a ))
check "50 reloads under the flood: all done ($fails failed), no rate-pps (+$r)" \
	[ "$fails" -eq 0 -a "$r" -eq 0 ]

# a bad file: nothing changes, the error names the key
conf 1000000000 $'[sip]\npps = 7'
ctl reload -i "$inst" >/dev/null 2>&1
conf 50 $'[sip]\npps = lots'
err=$(ctl reload -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "\[sip\] pps: 'lots' is not a number: nothing changed" <<<"$err" &&
	[ "$(get mom.pps)" = 1000000000 ] && [ "$(get sip.pps)" = 7 ]
okst $? "a bad file: exit 1, names [sip] pps, [mom] pps and [sip] pps keep running values" \
	"exit $rc: $err" "mom.pps $(get mom.pps) sip.pps $(get sip.pps)"
settle "$(now_us)" && window rx $WIN rate-pps
check "after the refused file the flooders still pass (rate-pps +$dr of $drx)" [ "${dr:-1}" -eq 0 ]
conf 50 $'[sip-rules]\nsustained_pct = 101'
err=$(ctl reload -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "\[sip-rules\] sustained_pct: 101 is out of range" <<<"$err" &&
	[ "$(get mom.pps)" = 1000000000 ]
okst $? "a file whose only bad key is another: nothing else applies" "exit $rc: $err"

# monitor mode by reload, as floodctl set: the flooders over 50/s pass as
# would-drops, and the switch is an event
conf 50 'monitor = 1'
out=$(ctl reload -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q "changed .*\[mom\] monitor" <<<"$out" && [ "$(get mom.monitor)" = 1 ]
okst $? "reload: [mom] monitor = 1 from the file is the running value" "exit $rc: $out"
w0=$(ctl stats --json -i "$inst" | jq '.would_drop["rate-pps"]')
settle "$(now_us)" && window rx $WIN rate-pps
w1=$(ctl stats --json -i "$inst" | jq '.would_drop["rate-pps"]')
check "monitor by reload: no rate-pps drop (+$dr), would-drops +$((w1 - w0))" \
	[ "${dr:-1}" -eq 0 -a "$((w1 - w0))" -gt 1000 ]
ev=$(ctl events --json -i "$inst")
grep -q '"event":"monitor","src":"","class":"mom","arg":1' <<<"$ev"
okst $? "the reload's monitor switch is an event"
conf 1000000000
ctl reload -i "$inst" >/dev/null 2>&1
check "reload without the key: monitor off again" [ "$(get mom.monitor)" = 0 ]

# sizes and ports: named, left as they run; the thresholds beside them
# apply; the file's [lists] are merged (tag config) and reload waits for it
src=$(get table.sources)
SIZES=$'[table]\nsources = 5000\n[dataplane]\nqueues = 2'
conf 2000000000 "$SIZES"$'\n[lists]\nblock = 198.18.1.1\nblock_domains = evil.example'
out=$(ctl -i "$inst" reload 2>&1); rc=$?
bl=$(ctl block list -i "$inst" 2>&1)
[ "$rc" -eq 0 ] && grep -q "changed \[mom\] pps.*; needs a restart, left as it runs: \[dataplane\] queues, \[table\] sources; merging into the running lists: \[lists\] block, \[lists\] block_domains; \[lists\] merged: allow +0 -0, block +1 -0, domains +1 -0$" <<<"$out" &&
	[ "$bl" = "$(printf 'block         198.18.1.1/32  tag config  expires never\nblock-domain  evil.example')" ] &&
	[ "$(get table.sources)" = "$src" ] && [ "$(get mom.pps)" = 2000000000 ]
okst $? "-i before the verb; sizes need a restart and stay ($src sources), [lists] merged, pps applies" "exit $rc: $out" "$bl"
settle "$(now_us)" && window rx $WIN block-list
check "the merged block applies: 198.18.1.1 drops as block-list (+$dr of $drx)" \
	[ "${dr:-0}" -ge $((WIN / 2 - 100)) ]
# floodctl's own entries stay; a prefix the file names under another tag
# keeps it; what the file dropped goes
ctl block add 198.18.1.7 -i "$inst" >/dev/null 2>&1
conf 2000000000 "$SIZES"$'\n[lists]\nblock = 198.18.1.7'
out=$(ctl reload -i "$inst" 2>&1); rc=$?
bl=$(ctl block list -i "$inst" 2>&1)
[ "$rc" -eq 0 ] && grep -q "; \[lists\] merged: allow +0 -0, block +0 -1, domains +0 -1$" <<<"$out" &&
	[ "$bl" = "block         198.18.1.7/32  tag manual  expires never" ]
okst $? "a second file: 198.18.1.1 and evil.example go, floodctl's 198.18.1.7 stays manual" "exit $rc: $out" "$bl"
ctl block del 198.18.1.7 -i "$inst" >/dev/null 2>&1
conf 2000000000 "$SIZES"$'\n[lists]\nblock = 198.18.1.7/33'
err=$(ctl reload -i "$inst" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "\[lists\] block: '198.18.1.7/33' is not an address" <<<"$err" &&
	[ -z "$(ctl block list -i "$inst" 2>&1)" ]
okst $? "a bad [lists] prefix: exit 1 naming it, the lists untouched" "exit $rc: $err"
conf 2000000000 "$SIZES"
out=$(ctl reload -i "$inst" --json 2>&1); rc=$?
[ "$rc" -eq 0 ] && jq -e '.reloaded == true and (.message | test("no threshold changed")) and (.lists | test("block \\+0 -0"))' <<<"$out" >/dev/null
okst $? "reload --json after the verb: nothing to change, the [lists] merge reported" "exit $rc: $out"
out=$(ctl reload -i "$inst" --json 2>&1); rc=$?
[ "$rc" -eq 0 ] && jq -e '.reloaded == true and (.message | test("no threshold changed")) and (has("lists")|not)' <<<"$out" >/dev/null
okst $? "reload --json of the same file: no threshold changed, no merge" "exit $rc: $out"

# SIGHUP: the same reload; systemd is told RELOADING=1, then READY=1
conf 50
n0=$(grep -c . "$work/notify.log")
kill -HUP "$fgpid"
hup() { [ "$(get mom.pps)" = 50 ]; }
wait_until 20 hup && tail -n +"$((n0 + 1))" "$work/notify.log" | tr '\n' ' ' | grep -q '^RELOADING=1 READY=1 $' &&
	grep -q "^<6>floodguard: reloaded $ini: changed \[mom\] pps" "$work/fg.out"
okst $? "SIGHUP: [mom] pps 50 runs; RELOADING=1 then READY=1; logged at <6>" \
	"mom.pps $(get mom.pps)" "$(tail -n +"$((n0 + 1))" "$work/notify.log")"
# the limiters restart full (100 each): settled, 1,000 packets drain that;
# then 2 s by the data plane's clock: 2 agents x 50/s pass
settle "$(now_us)" && window ms 2000 pass
p2=$(( dms > 0 ? ${dr:-0} * 2000 / dms : 0 ))
check "after SIGHUP the flooders pass 2 x 50/s (pass +$dr in $dms ms: $p2 per 2 s)" \
	[ "$p2" -ge 170 -a "$p2" -le 250 ]
conf 50 $'[mom]\nbogus = 1'
kill -HUP "$fgpid"
wait_until 20 grep -q "^<3>floodguard: reload: $ini: \[mom\] bogus: unknown key: nothing changed" "$work/fg.out" &&
	! gone "$fgpid" && [ "$(get mom.pps)" = 50 ]
okst $? "SIGHUP with a bad file: logged at <3>, still running, nothing changed" \
	"$(grep -m2 'reload:' "$work/fg.out")"

stop_pid TERM 30 "$fgpid"; rc=$?
wait_until 10 file_has "$work/notify.log" '^STOPPING=1'
[ "$rc" -eq 0 ] && file_has "$work/notify.log" '^STOPPING=1'
okst $? "SIGTERM: STOPPING=1, exit 0" "exit $rc"
kill "$npid" 2>/dev/null

# a start over a state file: the file's [lists] merge as a reload merges
# them (tag config: the file's prefixes; floodctl's entries stay)
start_plain() {
	"$fg" -l 0-1 --no-pci --file-prefix "$inst" --no-telemetry \
		--vdev "net_pcap0,rx_pcap=$work/flood.pcap,infinite_rx=1" --vdev "net_null0,no-rx=1" \
		-- --config "$ini" >"$work/fg2.out" 2>&1 &
	fgpid=$!
	wait_until 60 up_or_gone && ctl status -i "$inst" >/dev/null 2>&1
}
state=$work/state.lists
rm -f "$state" "$state.prev"
conf 50 $'[lists]\nblock = 198.18.1.3'
sed -i "s|^state_file = none|state_file = $state|" "$ini"
start_plain && ctl block add 198.18.1.4 -i "$inst" >/dev/null &&
	stop_pid TERM 30 "$fgpid"
okst $? "started with a state file, floodctl added 198.18.1.4, stopped" "$(tail -3 "$work/fg2.out")"
sed -i 's|^block = 198.18.1.3|block = 198.18.1.5|' "$ini"
start_plain
bl=$(ctl block list -i "$inst" 2>&1)
[ "$bl" = "$(printf 'block         %s  tag %s  expires never\n' 198.18.1.4/32 manual 198.18.1.5/32 config)" ] &&
	grep -q "lists: the configuration's \[lists\] merged: prefixes +1 -1, domains +0" "$work/fg2.out"
okst $? "restart with [lists] changed: 198.18.1.3 gone, 198.18.1.5 (config) added, 198.18.1.4 (manual) kept" \
	"$bl" "$(grep -m2 'lists' "$work/fg2.out")"
stop_pid TERM 30 "$fgpid"
tap_done
