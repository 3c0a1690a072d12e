#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Capture what exabgp 4.2 writes to its API process, for the parser's
# unit tests: on the BGP test bed (tests/bgp/lib.sh, BIRD router and
# reflector), appliance A's speaker is handed RTBH and FlowSpec
# announcements and withdrawals; appliance B's API process receives them
# through the reflector (encoder json, receive { parsed; update; },
# neighbor-changes). Writes tests/bgp/samples/: the whole of B's and A's
# stdin (b-session.jsonl, a-session.txt), one file per kind of message,
# and B's stdin with exabgp.api.ack=false (b-noack.jsonl). As root.
#   usage: samples.sh [OUTDIR]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/samples}
BG=${BG:-fgbs}
. "$here/lib.sh"
trap bg_down EXIT
trap 'exit 143' TERM INT
mkdir -p "$out"

die() { echo "samples: $*" >&2; exit 1; }
rtbh='announce route 198.18.5.66/32 next-hop 192.0.2.1 community [65535:666 no-export 65000:666]'
rtbh6='announce route 2001:db8::66/128 next-hop 100::1 community [65535:666 no-export 65000:666]'
flow='announce flow route source 198.18.5.66/32 destination 198.18.2.0/24 protocol udp destination-port =1270 discard community [65000:666]'
flows='announce flow route source 198.18.5.66/32 destination 198.18.2.0/24 protocol udp destination-port [ =5060 =5061 ] discard community [65000:666]'

bg_up || die "bg_up failed"
bg_router_start bird || die "router"
bg_exabgp_start a
BG_ACK=true bg_exabgp_start b
bg_wait 20 "A up" bg_rr_established appliance_a || die "A"
bg_wait 20 "B up" bg_rr_established appliance_b || die "B"
bg_wait 10 "B's end-of-RIB" bg_heard b '"safi" : "flow"' || die "B eor"

bg_cmd a "$rtbh" "$rtbh6"
bg_wait 10 "B heard the RTBH routes" bg_heard b '2001:db8::66/128' || die "rtbh"
bg_cmd a "$flow"
bg_wait 10 "B heard the flow" bg_heard b 'destination-port": \[ "=1270"' || die "flow"
bg_cmd a "$flows"
bg_wait 10 "B heard the flow with two ports" bg_heard b '"=5061"' || die "flows"
bg_cmd a 'withdraw route 198.18.5.66/32' 'withdraw route 2001:db8::66/128'
bg_wait 10 "B heard the withdrawals" bg_heard b '"withdraw": \{ "ipv6 unicast"' || die "withdraw"
# two at once: one UPDATE withdraws both (a list of two)
bg_cmd a 'withdraw flow route source 198.18.5.66/32 destination 198.18.2.0/24 protocol udp destination-port =1270' \
	'withdraw flow route source 198.18.5.66/32 destination 198.18.2.0/24 protocol udp destination-port [ =5060 =5061 ]'
bg_wait 10 "B heard the flows' withdrawal" bg_heard b '"withdraw": \{ "ipv4 flow"' || die "withdraw flow"
# four at once: the reflector packs them into one UPDATE, if it gets
# them together (a list of several NLRI; not guaranteed)
many=() unmany=()
for i in 80 81 82 83; do
	many+=("announce route 198.18.5.$i/32 next-hop 192.0.2.1 community [65535:666 no-export 65000:666]")
	unmany+=("withdraw route 198.18.5.$i/32")
done
bg_cmd a "${many[@]}"
bg_wait 10 "B heard four routes" bg_heard b '198.18.5.83/32' || die "many"
bg_cmd a "${unmany[@]}"
bg_wait 10 "B heard four withdrawals" bg_heard b '"withdraw": .*198.18.5.83/32' || die "unmany"
bg_cmd a 'announce flow route source 198.18.5.70/32 destination-port =99999 discard'
bg_wait 10 "A's error" bg_heard a '^error' || die "error"
# the reflector takes B's session down and up again
bg_session disable appliance_b
bg_wait 10 "B heard the session go down" bg_heard b '"state": "down"' || die "down"
bg_session enable appliance_b
bg_wait 20 "B up again" bg_rr_established appliance_b || die "B again"
sleep 1
bg_exabgp_stop b
bg_wait 10 "B's API process ends" bash -c "! pgrep -f 'api.py $BG_RUN/b[.]cmd' >/dev/null"
cp "$BG_RUN/b.api" "$out/b-session.jsonl"
cp "$BG_RUN/a.api" "$out/a-session.txt"

# the same with exabgp.api.ack=false: B's stdin has no "done"
: >"$BG_RUN/b.api"
BG_ACK=false bg_exabgp_start b
bg_wait 20 "B up (no ack)" bg_rr_established appliance_b || die "B noack"
bg_cmd a "$rtbh"
bg_wait 10 "B heard it" bg_heard b '198.18.5.66/32' || die "noack rtbh"
bg_cmd b 'announce route 198.18.5.99/32 next-hop 192.0.2.1 community [65535:666 no-export 65000:666]'
bg_wait 10 "A heard B's route" bg_heard a '198.18.5.99/32' || die "b route"
bg_cmd b 'withdraw route 198.18.5.99/32'
bg_wait 10 "A heard B's withdrawal" bg_heard a '"nlri": "198.18.5.99/32" \} \] \} \} \}' || die "b withdraw"
bg_exabgp_stop b
cp "$BG_RUN/b.api" "$out/b-noack.jsonl"

# one file per kind, the first of each in B's session
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
kinds = {}
for line in open(out + "/b-session.jsonl"):
    s = line.strip()
    if not s.startswith("{"):
        kinds.setdefault("ack-" + s, s)
        continue
    m = json.loads(s)
    if m["type"] == "state":
        name = "state-" + m["neighbor"]["state"]
    elif m["type"] == "update":
        msg = m["neighbor"]["message"]
        if "eor" in msg:
            name = "eor-%s-%s" % (msg["eor"]["afi"], msg["eor"]["safi"])
        else:
            u = msg["update"]
            what, fams = ("announce", u["announce"]) if "announce" in u else ("withdraw", u["withdraw"])
            fam = list(fams)[0].replace(" ", "-")
            name = "%s-%s" % (what, fam)
            nlri = list(fams.values())[0]
            if isinstance(nlri, dict):
                nlri = list(nlri.values())[0]
            if len(nlri) > 1:
                name += "-many"
            if fam == "ipv4-flow" and what == "announce":
                nl = list(fams["ipv4 flow"].values())[0][0]
                name += "-ports" if len(nl.get("destination-port", [])) > 1 else ""
    else:
        name = m["type"]
    kinds.setdefault(name, s)
for name, s in kinds.items():
    if name.startswith("ack-"):
        continue
    open("%s/%s.json" % (out, name), "w").write(s + "\n")
print("samples:", " ".join(sorted(kinds)))
PY
ls "$out"
