#!/usr/bin/env bash
# floodguard's main job on its embedded default: install what is missing,
# reserve hugepages, build, then run floodguard over 40 seconds of edge
# traffic (scripts/demo_traffic.py: agents, a SIP partner, an agent
# flood, a SYN flood, oversized SIP, a SIP directory walk, a partner whose
# calls fail, spoofed sources, the server's answers) in offline mode, with the default limits, and print per actor
# what was sent, what passed and what was dropped and why. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${FG_DEMO_OUT:-/tmp/floodguard-demo}
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "dependencies and hugepages (scripts/deps.sh)"
bash scripts/deps.sh

step "build (meson setup build && ninja -C build)"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build | tail -1

step "traffic: $out/edge.pcap (scripts/demo_traffic.py)"
/usr/bin/python3 scripts/demo_traffic.py "$out/edge.pcap" "$out/actors.json"
echo "$(tshark -r "$out/edge.pcap" 2>/dev/null | wc -l) packets, 40 s, protected server 198.18.2.10"

step "floodguard --mode offline --pcap-in $out/edge.pcap (default limits, [protect] 198.18.2.0/24)"
./build/dataplane/floodguard --mode offline --pcap-in "$out/edge.pcap" \
	--pcap-out "$out/passed.pcap" --verdicts "$out/verdicts.jsonl" \
	--report "$out/report.json" --set protect.prefixes=198.18.2.0/24 \
	2>"$out/floodguard.log"

step "per actor"
/usr/bin/python3 - "$out" <<'EOF'
import collections, json, sys
from scapy.all import IP, PcapReader
d = sys.argv[1]
actors = json.load(open(f"{d}/actors.json"))
rows = collections.OrderedDict()
with open(f"{d}/verdicts.jsonl") as vf:
    for p, line in zip(PcapReader(f"{d}/edge.pcap"), vf):
        v = json.loads(line)
        r = rows.setdefault(actors.get(p[IP].src, "?"), collections.Counter())
        r["sent"] += 1
        r[v["verdict"]] += 1
        if v["verdict"] == "drop":
            r["why " + v["reason"]] += 1
print(f"{'actor':18} {'sent':>7} {'passed':>7} {'dropped':>8}  why")
for a, r in rows.items():
    why = ", ".join(f"{k[4:]} {n}" for k, n in r.items() if k.startswith("why "))
    print(f"{a:18} {r['sent']:7} {r['pass']:7} {r['drop']:8}  {why}")
EOF
echo
echo "(spoofed sources send one packet each: per-source limits cannot tell them"
echo " from new agents; they cost a table slot each and are evicted first)"

step "SIP watch list at the end (docs/sip.md)"
/usr/bin/python3 - "$out/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for w in r.get("watch", []):
    print(f"  {w.get('domain', w.get('src')):20} {','.join(w.get('addresses', [])):15} mode {w['mode']:6}"
          f" alert {'yes' if w.get('alert') else 'no':3} reasons {','.join(w['reasons']):26}"
          f" URIs {w.get('uris', 0):5}  dropped: watch-rate {w.get('drop_rate', 0)}, new-URI {w.get('drop_uri', 0)}"
          f"  responses ok/failed {w.get('resp_ok', 0)}/{w.get('resp_fail', 0)}")
if not r.get("watch"):
    print("  (empty)")
EOF

step "done"
echo "verdict per packet: $out/verdicts.jsonl; passed packets: $out/passed.pcap;"
echo "counters and blocked sources: $out/report.json; floodguard's log: $out/floodguard.log"
echo "configuration keys: ./build/dataplane/floodguard --print-config (docs/config.md)"
