#!/usr/bin/env bash
# floodctl inspect against the fixture table: every fixture written to a
# pcap must come back with the class and reason the table expects, the
# output must be valid JSON lines, and usage errors must name the problem.
# TAP on stdout. Usage: inspect.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
fc=$build/control/floodctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../lib/tap.sh"

"$build/tests/fixtures-pcap" "$tmp/fx.pcap" >"$tmp/want.tsv"
"$fc" inspect "$tmp/fx.pcap" >"$tmp/out.jsonl" 2>"$tmp/err"
okif "inspect exits 0 on the fixture capture"
[ "$(jq -c . "$tmp/out.jsonl" | wc -l)" -eq "$(wc -l <"$tmp/want.tsv")" ]
okif "one JSON object per packet"
jq -s -e "[.[].n] == [range(1; length + 1)]" "$tmp/out.jsonl" >/dev/null
okif "packets numbered 1..N in order"
jq -r '[.class, (.reason // "ok")] | @tsv' "$tmp/out.jsonl" >"$tmp/got.tsv"
cut -f2,3 "$tmp/want.tsv" | paste - "$tmp/got.tsv" | cut -f1-4 >"$tmp/cmp.tsv"
paste <(cut -f1 "$tmp/want.tsv") "$tmp/cmp.tsv" |
	awk -F'\t' '$2 != $4 || $3 != $5 { printf "# %s: want %s/%s got %s/%s\n", $1, $2, $3, $4, $5; bad++ }
		    END { exit bad > 0 }'
okif "class and reason of every fixture match the table"
jq -e -s '[.[] | select(.sip.method == "INVITE" and .sip.cseq == 314159
	and .sip.from_domain == "atlanta.example.com")] | length >= 4' "$tmp/out.jsonl" >/dev/null
okif "SIP fields of the INVITE fixture"
! grep -q $'\x01' "$tmp/out.jsonl"
okif "the To\\x01 header is escaped, not printed raw"

"$fc" inspect --summary "$tmp/fx.pcap" >/dev/null 2>"$tmp/sum"
check "--summary counts every packet" grep -qx "packets: $(wc -l <"$tmp/want.tsv")" "$tmp/sum"

"$fc" inspect "$tmp/missing.pcap" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "missing.pcap" "$tmp/err"
okif "missing file: exit 1 naming the file"
"$fc" inspect --port sip=udp/70000 "$tmp/fx.pcap" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "70000" "$tmp/err"
okif "bad --port: exit 2 naming the port"
"$fc" inspect --port sip-tls=udp/5061 "$tmp/fx.pcap" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && [ -s "$tmp/err" ]
okif "sip-tls over udp refused"
"$fc" inspect >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "missing FILE" "$tmp/err"
okif "no FILE: exit 2"
"$fc" inspect --port sip=udp/5070 --no-default-ports "$tmp/fx.pcap" >"$tmp/nd.jsonl"
[ "$(jq -r "select(.dport == 1270) | .class" "$tmp/nd.jsonl" | sort -u | grep -vc "^malformed$")" -ge 1 ] &&
	! jq -r .class "$tmp/nd.jsonl" | grep -qx mom
okif "--no-default-ports: agent traffic is other"
head -c 100 /dev/urandom >"$tmp/junk.pcap"
"$fc" inspect "$tmp/junk.pcap" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q junk.pcap "$tmp/err"
okif "not a capture: exit 1"

tap_done
