#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The demo's per-actor table from what the test bed recorded in OUT:
agent-*.json (sent by the UDP agents), collector.json (delivered at the
server), sent-sip.pcap / server-sip.pcap (SIP requests leaving the
outside and reaching the server), watch-op.json / watch.json / block.json
/ events.jsonl (floodctl). Writes OUT/result.json.   report.py OUT
"""
import glob
import json
import os
import subprocess
import sys

out = sys.argv[1]
ACTORS = [  # name, address, kind, legitimate
    ("agent", "198.18.1.1", "udp", True),
    ("agent", "198.18.1.2", "udp", True),
    ("agent", "198.18.1.3", "udp", True),
    ("agent", "198.18.1.4", "udp", True),
    ("flooding agent", "198.18.1.66", "udp", False),
    ("partner", "198.18.3.1", "sip", True),
    ("allow-listed partner", "198.18.3.9", "sip", True),
    ("directory walker", "198.18.3.66", "sip", False),
    ("failing partner", "198.18.3.77", "sip", False),
]


def load(name, default):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def sip_requests(pcap):
    """{source address: SIP requests} and the number of frames in pcap"""
    n = {}
    if not os.path.exists(pcap):
        return n, 0
    try:
        # bounded: a few seconds for the demo's ~15,000 frames
        r = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "sip.Method",
                            "-e", "ip.src"], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        print(f"report: tshark -r {pcap} ran over 300 s: its SIP requests are not counted")
        return n, 0
    frames = r.stdout.splitlines()
    for f in frames:
        method, _, src = f.partition("\t")
        if method:
            n[src] = n.get(src, 0) + 1
    return n, len(frames)


sent = {j["src"]: j["sent"] for j in (load(os.path.basename(f), {}) for f in
                                     glob.glob(os.path.join(out, "agent-*.json"))) if j}
coll = load("collector.json", {"udp": {}})
(sip_sent, sent_frames), (sip_got, _) = (sip_requests(f"{out}/sent-sip.pcap"),
                                          sip_requests(f"{out}/server-sip.pcap"))
stats = load("stats.json", {})
# what left the outside (the agents' datagrams, and every frame of the
# outside's capture: SIP and the probes) against what floodguard's outside
# port received: more sent than received is lost in the kernel before
# floodguard (net_af_packet's ring full while its worker waited for a CPU)
outside = sum(sent.values()) + sent_frames
received = next((p["ipackets"] for p in stats.get("ports", []) if p.get("port") == 0), None)
lost_before = outside - received if received is not None and outside > received else 0
# entries are keyed by From domain (or address), the partners' addresses beside
watch = {a: w for w in load("watch-op.json", []) + load("watch.json", [])
         if w.get("list") == "watch" for a in w.get("addresses") or [w["item"]]}
blocked = {b["item"].split("/")[0] for b in load("block.json", []) if b.get("list") == "block"}
flood_blocked = set()
for line in open(os.path.join(out, "events.jsonl")) if os.path.exists(f"{out}/events.jsonl") else []:
    e = json.loads(line)
    if e["event"] == "block":
        flood_blocked.add(e["src"])

rows = []
print(f"{'actor':22} {'address':12} {'what':11} {'sent':>7} {'delivered':>9} {'dropped':>8}  why")
for name, addr, kind, legit in ACTORS:
    if kind == "udp":
        s, d, what = sent.get(addr, 0), coll["udp"].get(addr, 0), "1270 events"
    else:
        s, d, what = sip_sent.get(addr, 0), sip_got.get(addr, 0), "SIP requests"
    why = []
    if addr in flood_blocked:
        why.append("flood-blocked (block event)")
    elif kind == "udp" and s > d:
        # floodguard counts drops per reason, not per source: say what is known
        why.append("not delivered, no block event (floodguard's verdicts below)")
    w = watch.get(addr)
    if w:
        why.append(f"watched ({w['reasons']}, mode {w['mode']}): "
                   f"sip-watch-rate {w['dropped_rate']}, sip-new-uri {w['dropped_new_uri']}")
    if addr in blocked:
        why.append("block-list (floodctl)")
    if addr == "198.18.3.9":
        why.append("allow list: exempt")
    if legit and s > d and lost_before:
        why.append(f"{lost_before} packets of the outside never reached floodguard")
    pct = 100.0 * d / s if s else 0.0
    rows.append({"actor": name, "src": addr, "kind": kind, "legitimate": legit, "sent": s,
                 "delivered": d, "dropped": s - d, "delivered_pct": round(pct, 2),
                 "why": "; ".join(why)})
    print(f"{name:22} {addr:12} {what:11} {s:7} {d:9} {s - d:8}  {'; '.join(why) or '-'}"
          f"{'' if not legit else ('  [100% delivered]' if s and d == s else '  [LOSS]')}")
verdicts = stats.get("verdicts", {})
print("\nfloodguard's verdicts (all sources): " +
      (", ".join(f"{k} {v}" for k, v in verdicts.items() if v) or "none recorded"))
if received is not None:
    print(f"before floodguard: the outside sent {outside} packets, floodguard's port 0 received "
          f"{received}" + (f": {lost_before} lost in the kernel before it" if lost_before else ""))
print("\nwatch list (as the operator saw it):")
for w in load("watch-op.json", []):
    if w.get("list") == "watch":
        print(f"  {w['item']:20} {','.join(w.get('addresses', [])):14} mode {w['mode']:7} "
              f"alert {'yes' if w.get('alert') else 'no':3} reasons {w['reasons']:28} requests "
              f"{w['requests']}, responses ok {w['responses_ok']} failed {w['responses_failed']}, "
              f"uris {w['uris']}")
json.dump({"actors": rows, "stats": stats, "outside_sent": outside, "lost_before": lost_before},
          open(f"{out}/result.json", "w"), indent=1)
legit_ok = all(r["sent"] > 0 and r["delivered"] == r["sent"] for r in rows if r["legitimate"])
print(f"\nlegitimate actors: {'every packet delivered' if legit_ok else 'LOSS (see above)'}")
sys.exit(0 if legit_ok else 1)
