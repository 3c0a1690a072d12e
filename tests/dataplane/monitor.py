#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Monitor mode through floodguard --mode offline (DPDK tier).

One capture, built here with scapy, that makes every rule drop: an agent
flooding (rate-pps, then flood-blocked), a SYN flood on the agent port
and on SIP over TLS (syn-rate), a malformed datagram and a SIP message
with too many headers (malformed, too-many-params), a block-listed source
(block-list), a directory attack (sip-new-uri) and a failing partner
(sip-watch-rate). floodguard runs it enforcing, then in monitor mode by
each way of switching it on, and every packet must get the same reason
in every run: a drop when enforcing, a pass with "monitor":true when its
rule is monitored. Checks the report's would-drops and that received =
passed + dropped, and that a bad monitor value is refused by name.
Prints TAP.

usage: monitor.py FLOODGUARD WORKDIR
"""
import json
import os
import subprocess
import sys
from collections import Counter

from scapy.all import IP, UDP, TCP, Ether, Raw, wrpcap  # noqa: E402

fg, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
T0 = 1_700_000_000
SRV = "198.18.2.10"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import check, done  # noqa: E402


def udp(src, dport, payload=b"event", sport=40000, dst=SRV):
    return Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)


def req(src, dom, ruri, n, hdrs=""):
    return udp(src, 5060, (f"INVITE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {src}:5060;branch=z9hG4bK{n}\r\n"
                           f"From: <sip:user@{dom}>;tag={n}\r\nTo: <{ruri}>\r\nCall-ID: {n}@{src}\r\n"
                           f"CSeq: 1 INVITE\r\n{hdrs}Content-Length: 0\r\n\r\n").encode(), 5060)


def resp(partner, status, n):
    return udp(SRV, 5060, (f"SIP/2.0 {status} X\r\nVia: SIP/2.0/UDP {partner}:5060;branch=z9hG4bK{n}\r\n"
                           f"From: <sip:user@p2.example.net>;tag={n}\r\nTo: <sip:d@example.com>;tag=9\r\n"
                           f"Call-ID: {n}@{partner}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").encode(),
               5060, dst=partner)


pkts = []  # (µs since T0, packet)
# an agent: 3100 events at 2000/s: rate-pps, then flood-blocked
for i in range(3100):
    pkts.append((1_000_000 + i * 500, udp("198.18.1.1", 1270)))
# SYN floods: 40 at once to the agent port and to SIP over TLS
for i in range(40):
    pkts.append((2_000_000, Ether() / IP(src="198.18.1.2", dst=SRV) /
                 TCP(sport=41000 + i, dport=1270, flags="S")))
    pkts.append((2_100_000, Ether() / IP(src="198.18.1.3", dst=SRV) /
                 TCP(sport=41000 + i, dport=5061, flags="S")))
bad = bytearray(bytes(udp("198.18.1.8", 1270)))
bad[38:40] = (200).to_bytes(2, "big")   # UDP length beyond the datagram
pkts.append((2_200_000, Ether(bytes(bad))))
pkts.append((2_300_000, req("198.18.1.7", "p7.example.net", "sip:bob@example.com", 1,
                            "".join(f"X-H{i}: v\r\n" for i in range(80)))))
# a block-listed source, both classes
for i in range(5):
    pkts.append((2_400_000 + i, udp("198.18.1.66", 1270)))
    pkts.append((2_500_000 + i, req("198.18.1.66", "p6.example.net", "sip:bob@example.com", i)))
# a directory attack: 40 URIs at 10/s, 20 allowed
for i in range(40):
    pkts.append((3_000_000 + i * 100_000, req("198.18.1.4", "p4.example.net",
                                              f"sip:user{i}@example.com", i)))
# a failing partner: 100 INVITEs at 2/s, 90 % of the first 30 answered 404
for i in range(100):
    t = 3_000_000 + i * 500_000 + 7
    pkts.append((t, req("198.18.1.5", "p5.example.net", f"sip:desk{i % 5}@example.com", i)))
    if i < 30:
        pkts.append((t + 10_000, resp("198.18.1.5", 200 if i % 10 == 0 else 404, i)))
pkts.sort(key=lambda p: p[0])
for t, p in pkts:
    p.time = T0 + t / 1e6
cap = os.path.join(work, "in.pcap")
wrpcap(cap, [p for _, p in pkts])

BASE = ["--set", "protect.prefixes=198.18.2.0/24", "--set", "sip-rules.uri_limit=20",
        "--set", "sip-rules.local_domains=example.com", "--set", "lists.block=198.18.1.66"]
PASSES = ("pass", "pass-other", "pass-response", "pass-allow")


def run(tag, *sets):
    v, rep = os.path.join(work, f"v-{tag}.jsonl"), os.path.join(work, f"r-{tag}.json")
    args = [fg, "--mode", "offline", "--pcap-in", cap, "--verdicts", v, "--report", rep] + BASE
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True)
    ok = r.returncode == 0
    check(ok, f"{tag}: offline run exits 0", r.stderr[-400:])
    lines = [json.loads(x) for x in open(v)] if ok else []
    return lines, (json.load(open(rep)) if ok else {})


enf, enf_rep = run("enforce")
reasons = [x["reason"] for x in enf]
drops = Counter(x["reason"] for x in enf if x["verdict"] == "drop")
want = {"rate-pps", "flood-blocked", "syn-rate", "malformed", "too-many-params", "block-list",
        "sip-new-uri", "sip-watch-rate"}
check(len(enf) == len(pkts) and want <= set(drops),
      f"enforcing: every rule drops some of the {len(pkts)} packets", f"drops {dict(drops)}")
check(all("monitor" not in x for x in enf), "enforcing: no verdict line says monitor")

# the scopes a run monitors -> which reasons pass as would-drops there
CLASS_RULES = {"rate-pps", "rate-bps", "syn-rate", "flood-blocked", "too-many-params",
               "table-full", "malformed"}
RUNS = [
    ("all", ["dataplane.monitor=1", "lists.monitor=1"], lambda cls, r: True),
    ("dataplane", ["dataplane.monitor=1"], lambda cls, r: r != "block-list"),
    ("each-key", ["mom.monitor=1", "sip.monitor=1", "sip-tls.monitor=1", "sip-rules.monitor=1",
                  "lists.monitor=1"], lambda cls, r: True),
    ("mom", ["mom.monitor=1"], lambda cls, r: cls == "mom" and r in CLASS_RULES),
    ("sip-tls", ["sip-tls.monitor=1"], lambda cls, r: cls == "sip-tls" and r in CLASS_RULES),
    ("sip-rules", ["sip-rules.monitor=1"], lambda cls, r: r in ("sip-watch-rate", "sip-new-uri")),
    ("lists", ["lists.monitor=1"], lambda cls, r: r == "block-list"),
]


def cls_of(p):
    """The class whose switch applies (the port's, as the classifier's)."""
    l4 = p[TCP] if TCP in p else p[UDP] if UDP in p else None
    port = l4.dport if l4 is not None else 0
    return {1270: "mom", 5060: "sip", 5061: "sip-tls"}.get(port, "other")


classes = [cls_of(Ether(bytes(p))) for _, p in pkts]
for tag, sets, monitored in RUNS:
    mon, rep = run(tag, *sets)
    same = len(mon) == len(enf) and [x["reason"] for x in mon] == reasons
    first = next((i for i, (a, b) in enumerate(zip(mon, enf)) if a["reason"] != b["reason"]), None)
    check(same, f"{tag}: every packet has the enforcing run's reason",
          f"first difference at n={first + 1 if first is not None else '?'}")
    bad = None
    for x, e, cls in zip(mon, enf, classes):
        m = e["verdict"] == "drop" and monitored(cls, e["reason"])
        exp = {"n": e["n"], "verdict": "pass" if m else e["verdict"], "reason": e["reason"]}
        if m:
            exp["monitor"] = True
        if x != exp:
            bad = (x, exp)
            break
    check(bad is None, f"{tag}: a monitored drop is a pass with \"monitor\":true, the rest as "
          f"enforcing", str(bad))
    would = Counter(x["reason"] for x in mon if x.get("monitor"))
    dropped = Counter(x["reason"] for x in mon if x["verdict"] == "drop")
    wd = {k: v for k, v in rep.get("would_drop", {}).items() if v}
    vd = {k: v for k, v in rep.get("verdicts", {}).items() if v and k not in PASSES}
    check(wd == dict(would) and vd == dict(dropped) and
          rep.get("packets") == rep.get("passed", -1) + rep.get("dropped", -1) == len(pkts) and
          rep.get("dropped") == sum(dropped.values()),
          f"{tag}: report: would_drop and verdicts by reason as the lines, "
          "received = passed + dropped", f"would_drop {wd} vs {dict(would)}, drops {vd}")


def fails(args, needle, what):
    r = subprocess.run([fg, "--mode", "offline", "--pcap-in", cap] + args,
                       capture_output=True, text=True)
    check(r.returncode == 2 and needle in r.stderr, what,
          f"exit {r.returncode}, stderr: {r.stderr.strip()[-300:]}")


fails(["--set", "dataplane.monitor=2"], "[dataplane] monitor: 2 is out of range 0..1",
      "dataplane.monitor=2: exit 2, names the key and its range")
fails(["--set", "sip-rules.monitor=yes"], "[sip-rules] monitor: 'yes' is not a number",
      "sip-rules.monitor=yes: exit 2, names the key")
done()
