#!/usr/bin/env bash
# Differential test of `floodctl inspect` against tshark (needs root).
# Captures: real sipp UAC <-> UAS traffic over UDP and TCP between two
# network namespaces (fgd-uac, fgd-uas; veth, 198.18.10.0/24), crafted.py's
# unusual-but-valid SIP, and the bundled sample (tests/captures). For every
# packet either tool calls SIP it compares method, Request-URI, status code,
# From host, Call-ID, CSeq number and CSeq method. TAP on stdout; nonzero
# exit on any mismatch or when a capture has too few compared packets.
# Every wait is bounded; each capture is proven live with a marker datagram
# (tests/lib/tap.sh) before sipp starts and fenced with one after it, and
# the sipp UAS is listening before the UAC sends.
#   FLOODCTL  floodctl binary (default build/control/floodctl)
#   OUT       where captures and per-capture reports go (default mktemp -d)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fc=${FLOODCTL:-build/control/floodctl}
[ -x "$fc" ] || fc=$here/../../$fc
fc=$(realpath "$fc")
out=${OUT:-$(mktemp -d /tmp/fg-diff.XXXXXX)}
mkdir -p "$out"
out=$(realpath "$out")
py=/usr/bin/python3 # Debian's, with scapy
calls=20            # sipp calls per capture
uac=fgd-uac uas=fgd-uas
pids=()             # running background processes this script started
# TAP, bounded waits, live captures. Under set -e its helpers are called
# only where a failure is handled (if, ||).
. "$here/../lib/tap.sh"
. "$here/../../scripts/testbed/lib.sh"

cleanup() {
	local p
	for p in "${pids[@]}"; do stop_pid TERM 5 "$p" || true; done
	tb_ns_del $uac $uas || true
}
trap cleanup EXIT

for t in ip ethtool ss sipp tshark jq; do
	command -v "$t" >/dev/null || { echo "Bail out! $t not found"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root (network namespaces)"; exit 1; }
[ -x "$fc" ] || { echo "Bail out! no floodctl at $fc"; exit 1; }

# --- (a) sipp captures -------------------------------------------------------

# IPv4 only, full checksums in the captures (tb_pair); stale namespaces
# of an interrupted run go first
tb_pair "$uac fgd-a 198.18.10.1/24" "$uas fgd-b 198.18.10.2/24" ||
	{ echo "Bail out! cannot create the namespaces"; exit 1; }

# scenario NAME: sipp's arguments for a built-in or a scenarios/*.xml one
scenario() {
	case $1 in
	uac | uas) echo "-sn $1" ;;
	*) echo "-sf $here/scenarios/$1.xml" ;;
	esac
}

# marker: one datagram from the uac to the uas's port 9, on the path of
# the SIP traffic (tap.sh's markers; left out of the compared capture)
marker() { mark_udp $uac 198.18.10.1 198.18.10.2; }

# listening u|t: the uas has its UDP or TCP port 5060 open
listening() { [ -n "$(ip netns exec $uas ss -Hln"$1" 'sport = :5060')" ]; }

# sipp_capture NAME TRANSPORT UAS-SCENARIO UAC-SCENARIO: $calls calls
# captured on the uas side into $out/NAME.pcap; the uac's exit status goes
# to $out/NAME.sipp-rc, what went wrong with the capture to
# $out/NAME.cap-err (empty: proven live before sipp and fenced after it)
sipp_capture() {
	local name=$1 t=$2 sp rc=0 uas_sc uac_sc raw err
	raw=$out/$name.raw.pcap err=$out/$name.cap-err
	read -ra uas_sc <<<"$(scenario "$3")"
	read -ra uac_sc <<<"$(scenario "$4")"
	: >"$err"
	# tshark for at most 180 s (more than the bounds below add up to), live
	# once it shows a marker sent after it started
	cap_start $uas fgd-b "tcp or udp" "$raw" 180
	pids=("$cap_pid")
	cap_mark "$raw" 30 marker || echo "capture not live: no marker within 30 s" >>"$err"
	# "ip netns exec" execs: $! is sipp's own pid (a shell function in
	# the background would be a subshell)
	ip netns exec $uas sipp "${uas_sc[@]}" -i 198.18.10.2 -p 5060 -t "$t" -m $calls \
		-nostdin -trace_err -error_file "$out/$name.uas.err" \
		>"$out/$name.uas.log" 2>&1 &
	sp=$!
	pids+=("$sp")
	# the uac's first INVITE (its TCP connect) must find the uas there
	wait_until 20 listening "${t:0:1}" ||
		echo "sipp uas not listening on ${t:0:1}/5060 within 20 s" >>"$err"
	ip netns exec $uac timeout 30 sipp 198.18.10.2:5060 "${uac_sc[@]}" -i 198.18.10.1 \
		-p 5070 -t "$t" -m $calls -r 50 -nostdin -trace_err \
		-error_file "$out/$name.uac.err" >"$out/$name.uac.log" 2>&1 ||
		rc=$?
	echo "$rc" >"$out/$name.sipp-rc"
	# the uas stops by itself after $calls calls (else SIGTERM after 10 s)
	wait_pid 10 "$sp" >/dev/null 2>&1 || true
	# the fence: a marker after the last message; once it shows, every
	# frame sent before it is in the file
	cap_mark "$raw" 30 marker || echo "capture not fenced: no marker within 30 s" >>"$err"
	cap_stop || true
	pids=()
	tshark -n -r "$raw" -Y 'not udp.dstport == 9' -F pcap -w "$out/$name.pcap" \
		2>"$out/$name.strip.log" ||
		echo "tshark could not leave the markers out of $raw" >>"$err"
}

sipp_capture sipp-call-udp u1 uas uac
sipp_capture sipp-call-tcp t1 uas uac
sipp_capture sipp-misc-udp u1 uas_misc uac_misc
sipp_capture sipp-misc-tcp t1 uas_misc uac_misc
tb_ns_del $uac $uas || true

# --- (b) crafted and sample captures -----------------------------------------
crafted_n=$($py "$here/crafted.py" "$out/crafted.pcap")
$py "$here/../captures/gen_sample.py" "$out/sample.pcap"

# --- (c) compare -------------------------------------------------------------

# inspect_tsv CAP: n class reason kind method ruri status from cid cseq cmeth;
# a TCP segment's messages (.sip, then .sip.more) joined by "|" as tshark's
# occurrences are (tshark_tsv), each field over the messages that have it
inspect_tsv() {
	"$fc" inspect "$1" | jq -r 'def m: [.sip // empty] + (.sip.more // []) |
			map(select(.kind == "request" or .kind == "response"));
		def j(f): [m[] | f // empty | tostring] | join("|");
		[.n, .class, .reason // "", .sip.kind // "",
		j(.method), j(.ruri), j(.status), j(.from_domain), j(.call_id),
		j(.cseq), j(.cseq_method)] | @tsv'
}

# tshark_tsv CAP: frame, the same seven fields, expert messages. Several
# occurrences of a field (several SIP messages in a frame) are joined by
# "|", a byte no method, URI, host, Call-ID or number may hold.
tshark_tsv() {
	tshark -n -r "$1" -d udp.port==5060,sip -d tcp.port==5060,sip \
		-T fields -E separator=/t -E occurrence=a -E aggregator='|' \
		-e frame.number -e sip.Method -e sip.r-uri -e sip.Status-Code \
		-e sip.from.host -e sip.Call-ID -e sip.CSeq.seq -e sip.CSeq.method \
		-e _ws.expert.message 2>/dev/null
}

# compare INSPECT.tsv TSHARK.tsv ALLOW_MALFORMED: "# " diagnostics, then
# "compared=N excluded=N mismatches=N tshark_deviations=N".
#
# Joined on the packet number: inspect's n and tshark's frame.number are
# both 1-based; the packet counts must agree. A packet is SIP for inspect
# when class is "sip" and sip.kind request or response, for tshark when it
# has a Method or Status-Code. Normalised: the From host loses surrounding
# [] on both sides (tshark 4.0 keeps the brackets of an IPv6 reference,
# inspect too; other versions may not). Excluded, counted and listed:
# Several SIP messages in a frame (a TCP segment with pipelined messages)
# are compared field by field, every message's value in order.
#  - tcp-reassembly: inspect says sip-tcp-partial/-nonstart (a message
#    spread over segments, which tshark shows once reassembled);
#  - inspect-malformed: only with ALLOW_MALFORMED (the sample's deliberate
#    attacks): inspect rejects a message tshark parses (e.g. "To\x01:").
# tshark deviation, counted apart: RFC 3261 HCOLON allows white space
# before the colon; tshark 4.0 then reports "Unrecognised SIP header
# (from )" and leaves that header's fields empty. Accepted only if tshark
# says exactly that for the header the field comes from and inspect has a
# value; any other difference is a mismatch.
compare() {
	awk -F'\t' -v allow_malformed="$3" '
	function strip1(h) {
		return h ~ /^\[.*\]$/ ? substr(h, 2, length(h) - 2) : h
	}
	function strip(h,   x, m, i, o) {
		m = split(h, x, "|")
		o = m ? strip1(x[1]) : ""
		for (i = 2; i <= m; i++)
			o = o "|" strip1(x[i])
		return o
	}
	function count(s,   x) { return s == "" ? 0 : split(s, x, "|") }
	function hcolon(x, f,   names, k, m, i) {
		names = f == 4 ? "from f" : f == 5 ? "call-id i" : f >= 6 ? "cseq" : ""
		m = split(names, k, " ")
		for (i = 1; i <= m; i++)
			if (index(x, "Unrecognised SIP header (" k[i] " ") ||
			    index(x, "Unrecognised SIP header (" k[i] "\\t"))
				return 1
		return 0
	}
	function excl(why, n, what) {
		excluded++
		printf "# frame %d excluded (%s): %s\n", n, why, what
	}
	function bad(n, what) {
		mismatches++
		printf "# frame %d MISMATCH %s\n", n, what
	}
	BEGIN {
		split("method ruri status from_host call_id cseq cseq_method", name, " ")
	}
	NR == FNR {
		ni++
		if ($1 != ni)
			bad(ni, "inspect numbering: n=" $1)
		cls[$1] = $2; rsn[$1] = $3; kind[$1] = $4
		for (i = 1; i <= 7; i++)
			iv[$1, i] = $(i + 4)
		next
	}
	{
		nt++
		n = $1
		isip = cls[n] == "sip" && (kind[n] == "request" || kind[n] == "response")
		msgs = count($2) + count($4)
		if (!isip && msgs == 0)
			next
		if (rsn[n] == "sip-tcp-partial" || rsn[n] == "sip-tcp-nonstart") {
			excl("tcp-reassembly", n, rsn[n])
			next
		}
		if (!isip) {
			if (allow_malformed && cls[n] == "malformed")
				excl("inspect-malformed", n, rsn[n] \
				     ", tshark: " $2 $4 " CSeq " $7)
			else
				bad(n, "tshark sees SIP (" $2 $4 "), inspect: class=" \
				    cls[n] " kind=" kind[n] " reason=" rsn[n])
			next
		}
		if (msgs == 0) {
			bad(n, "inspect sees SIP (" iv[n, 1] iv[n, 3] \
			    "), tshark does not")
			next
		}
		compared++
		for (f = 1; f <= 7; f++) {
			a = iv[n, f]; b = $(f + 1)
			if (f == 4) { a = strip(a); b = strip(b) }
			if (a == b)
				continue
			if (b == "" && hcolon($9, f)) {
				dev++
				printf "# frame %d tshark deviation (LWS before colon): " \
				       "%s inspect=\047%s\047 tshark=\047\047\n", n, name[f], a
				continue
			}
			bad(n, name[f] ": inspect=\047" a "\047 tshark=\047" b "\047")
		}
	}
	END {
		if (ni != nt)
			bad(0, "packet count: inspect " ni ", tshark " nt)
		printf "compared=%d excluded=%d mismatches=%d tshark_deviations=%d\n",
		       compared, excluded, mismatches, dev
	}' "$1" "$2"
}

# name, minimum compared, minimum compared+excluded, malformed allowed
checks=(
	"sipp-call-udp $((6 * calls * 3 / 4)) $((6 * calls)) 0"
	"sipp-call-tcp $((6 * calls * 3 / 4)) $((6 * calls)) 0"
	"sipp-misc-udp $((10 * calls * 3 / 4)) $((10 * calls)) 0"
	"sipp-misc-tcp $((10 * calls * 3 / 4)) $((10 * calls)) 0"
	"crafted $crafted_n $crafted_n 0"
	"sample 12 12 1"
)
tot_c=0 tot_e=0 tot_m=0 tot_d=0
for c in "${checks[@]}"; do
	read -r name min_c min_ce allow <<<"$c"
	cap=$out/$name.pcap
	inspect_tsv "$cap" >"$out/$name.inspect.tsv"
	tshark_tsv "$cap" >"$out/$name.tshark.tsv"
	compare "$out/$name.inspect.tsv" "$out/$name.tshark.tsv" "$allow" \
		>"$out/$name.report"
	summary=$(tail -n 1 "$out/$name.report")
	read -r cmp exc mis dev < <(tr -c '0-9\n' ' ' <<<"$summary")
	tot_c=$((tot_c + cmp)) tot_e=$((tot_e + exc))
	tot_m=$((tot_m + mis)) tot_d=$((tot_d + dev))
	why=""
	[ "$mis" -eq 0 ] || why="$why; mismatches"
	[ "$cmp" -ge "$min_c" ] || why="$why; compared < $min_c"
	[ $((cmp + exc)) -ge "$min_ce" ] || why="$why; compared+excluded < $min_ce"
	rc=$(cat "$out/$name.sipp-rc" 2>/dev/null || echo 0)
	[ "$rc" -eq 0 ] || why="$why; sipp uac exited $rc (see $out/$name.uac.*)"
	[ ! -s "$out/$name.cap-err" ] || why="$why; $(paste -sd ';' "$out/$name.cap-err")"
	if [ -z "$why" ]; then
		ok "$name: $summary"
	else
		nok "$name: $summary (${why#; })"
	fi
	# diagnostics: every mismatch, the first few exclusions and deviations
	grep '^# .* MISMATCH' "$out/$name.report" || true
	grep -v -e '^# .* MISMATCH' -e '^compared=' "$out/$name.report" |
		head -n 5 || true
done
echo "# total: compared=$tot_c excluded=$tot_e mismatches=$tot_m" \
	"tshark_deviations=$tot_d; captures and reports in $out"
tap_done
