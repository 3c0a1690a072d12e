#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""SIP federation rules through floodguard --mode offline (DPDK tier).

One capture, built here with scapy, with the partners the rules are
about: a directory attack (1,500 URIs), a failing partner (90 % 404s from
the protected server), a sustained 19.5 msg/s partner, a well-behaved one
at 5 msg/s, an allow-listed partner that floods, a partner spoofing an
allow-listed domain (and the real one), a blocked domain. The expected
verdict of every message follows from the documented rules
(docs/sip.md), computed here; checks every verdict, the watch list
(entries, modes, reasons) and the counters in the report. Prints TAP.

usage: sip_rules.py FLOODGUARD WORKDIR
"""
import json
import os
import subprocess
import sys
from collections import Counter

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402

fg, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
T0 = 1_700_000_000
SRV = "198.18.2.10"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import check, done  # noqa: E402


def sip(src, dst, text, sport=5060):
    return Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=5060) / Raw(text.encode())


def req(src, dom, ruri, n, method="INVITE"):
    return sip(src, SRV,
               f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {src}:5060;branch=z9hG4bK{n}\r\n"
               f"From: <sip:user@{dom}>;tag={n}\r\nTo: <{ruri}>\r\nCall-ID: {n}@{src}\r\n"
               f"CSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n")


def req_text(src, dom, ruri, n, method="INVITE", tp="UDP"):
    return (f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/{tp} {src}:5060;branch=z9hG4bK{n}\r\n"
            f"From: <sip:user@{dom}>;tag={n}\r\nTo: <{ruri}>\r\nCall-ID: {n}@{src}\r\n"
            f"CSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n")


TCP_SEQ = {}


def tcp_seg(src, text):
    """One TCP segment of the partner's connection to the server."""
    seq = TCP_SEQ.get(src, 1000)
    TCP_SEQ[src] = seq + len(text)
    return (Ether() / IP(src=src, dst=SRV) / TCP(sport=40000, dport=5060, flags="PA", seq=seq) /
            Raw(text.encode()))


def resp(partner, status, n):
    return sip(SRV, partner,
               f"SIP/2.0 {status} X\r\nVia: SIP/2.0/UDP {partner}:5060;branch=z9hG4bK{n}\r\n"
               f"From: <sip:user@p2.example.net>;tag={n}\r\nTo: <sip:d@example.com>;tag=9\r\n"
               f"Call-ID: {n}@{partner}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")


pkts = []  # (µs since T0, actor, packet)


def add(us, actor, p):
    pkts.append((us, actor, p))


add(0, "start", req("198.18.1.4", "wb.example.net", "sip:desk0@example.com", 0, "OPTIONS"))
# 1. directory attack: 1,500 distinct URIs at 10/s, then 50 to old ones
for i in range(1500):
    add(1_000_000 + i * 100_000, "dir", req("198.18.1.1", "p1.example.net",
                                            f"sip:user{i}@example.com", i))
for i in range(50):
    add(152_000_000 + i * 100_000, "dir-old",
        req("198.18.1.1", "p1.example.net", f"sip:User{i * 20}@EXAMPLE.com;x=1".replace("User", "user"), 2000 + i))
# 2. failing partner: 100 INVITEs at 2/s from t=10 s; the server answered the
#    first 30: 90 % 404
for i in range(100):
    t = 10_000_000 + i * 500_000
    add(t, "fail", req("198.18.1.2", "p2.example.net", f"sip:desk{i % 5}@example.com", i))
    if i < 30:
        add(t + 10_000, "fail-resp", resp("198.18.1.2", 200 if i % 10 == 0 else 404, i))
# 3. sustained: 19.5/s for 60 s; 4. well-behaved: 5/s for 60 s
for i in range(int(19.5 * 60)):
    add(int(i * 1e6 / 19.5) + 7, "sustained", req("198.18.1.3", "p3.example.net",
                                                   "sip:desk@example.com", i, "OPTIONS"))
for i in range(1, 300):
    add(i * 200_000 + 11, "good", req("198.18.1.4", "wb.example.net",
                                      f"sip:desk{i % 20}@example.com", i, "OPTIONS"))
# 5. allow-listed partner flooding: 5,000 in 5 s
for i in range(5000):
    add(70_000_000 + i * 1000, "allowed", req("198.18.1.5", "p5.example.net",
                                              f"sip:x{i}@example.com", i))
# 6. a spoofer claiming the allowed domain, and the real owner of it
for i in range(1000):
    add(80_000_000 + i * 1000 + 3, "spoof", req("198.18.1.6", "trusted.example.net",
                                                 "sip:desk@example.com", i))
    add(80_000_000 + i * 1000 + 5, "trusted", req("198.51.100.7", "trusted.example.net",
                                                  "sip:desk@example.com", i))
# 7. a blocked domain
for i in range(10):
    add(90_000_000 + i * 1000, "blocked", req("198.18.1.7", "evil.example.org",
                                              "sip:desk@example.com", i))
# 8. a directory attack over TCP: every segment a harmless OPTIONS first,
#    then 4 INVITEs to new users (the URI rule must read all 5 messages)
for i in range(270):
    text = req_text("198.18.1.8", "p8.example.net", "sip:example.com", f"o{i}", "OPTIONS", "TCP")
    text += "".join(req_text("198.18.1.8", "p8.example.net", f"sip:t{4 * i + k}@example.com",
                             f"i{i}.{k}", "INVITE", "TCP") for k in range(4))
    add(100_000_000 + i * 100_000 + 13, "tcp-dir", tcp_seg("198.18.1.8", text))
# 9. the same walk behind a first message that claims the allowed domain
#    from its prefixes: the claim exempts that message, not the segment
for i in range(270):
    text = req_text("198.51.100.8", "trusted.example.net", "sip:example.com", f"a{i}", "OPTIONS",
                    "TCP")
    text += "".join(req_text("198.51.100.8", "p10.example.net", f"sip:a{4 * i + k}@example.com",
                             f"j{i}.{k}", "INVITE", "TCP") for k in range(4))
    add(130_000_000 + i * 100_000 + 17, "tcp-allow-dir", tcp_seg("198.51.100.8", text))
pkts.sort(key=lambda x: x[0])
for us, _, p in pkts:
    p.time = T0 + us / 1e6
cap = os.path.join(work, "sip.pcap")
wrpcap(cap, [p for _, _, p in pkts])


def gcra(times_us, rate, burst):
    """Per-source packets/s (docs/limits.md): units of 1/rate s since the
    capture's first packet, TAT starts at now."""
    out, tat = [], None
    for t in times_us:
        now = t * 1000 * rate // 10**9
        base = now if tat is None or tat < now else tat
        if base + 1 - now <= burst:
            tat, _ = base + 1, out.append(True)
        else:
            out.append(False)
    return out


expect = {
    "start": ["pass"],
    "dir": ["pass"] * 1000 + ["sip-new-uri"] * 500,
    "dir-old": ["pass"] * 50,
    "fail-resp": ["pass-response"] * 30,
    "sustained": ["pass"] * int(19.5 * 60),
    "good": ["pass"] * 299,
    "allowed": ["pass-allow"] * 5000,
    "trusted": ["pass-allow"] * 1000,
    "blocked": ["block-list"] * 10,
    # the OPTIONS URI and 249 segments' 4 new ones: 997 URIs; the 250th
    # segment's 4th INVITE is the 1001st URI, and every later segment
    # starts with a new one
    "tcp-dir": ["pass"] * 249 + ["sip-new-uri"] * 21,
    # 4 new URIs a segment (the exempt OPTIONS is not counted): the 251st
    # segment's first INVITE is the 1001st
    "tcp-allow-dir": ["pass-allow"] * 250 + ["sip-new-uri"] * 20,
}
# the failing partner: suspicious at the 20th response (i = 19, 18 failed
# to 2 succeeded); from then on 1 message per second (burst 1), in units
# of whole seconds since the capture's first packet
fail = []
tat = 0
for i in range(100):
    t = 10_000_000 + i * 500_000
    if t <= 10_000_000 + 19 * 500_000 + 10_000:
        fail.append("pass")
        continue
    now = t // 1_000_000
    base = max(tat, now)
    if base + 1 - now <= 1:
        tat = base + 1
        fail.append("pass")
    else:
        fail.append("sip-watch-rate")
expect["fail"] = fail
# the spoofer: no exemption, so the sip class's per-source limit (300/s,
# burst 600) applies
expect["spoof"] = ["pass" if ok else "rate-pps" for ok in
                   gcra([80_000_000 + i * 1000 + 3 for i in range(1000)], 300, 600)]

out = {k: os.path.join(work, k) for k in ("v.jsonl", "r.json")}
r = subprocess.run([fg, "--mode", "offline", "--pcap-in", cap, "--verdicts", out["v.jsonl"],
                    "--report", out["r.json"],
                    "--set", "protect.prefixes=198.18.2.0/24",
                    "--set", "sip-rules.local_domains=example.com",
                    # a prefix written twice counts once, the entries after it too
                    "--set", "lists.allow=203.0.113.9,203.0.113.9,198.18.1.5",
                    "--set", "lists.allow_domains=trusted.example.net@198.51.100.0/24",
                    "--set", "lists.block_domains=evil.example.org",
                    "--set", "lists.watch_domains=p3.example.net"],
                   capture_output=True, text=True)
check(r.returncode == 0, "offline run exits 0", r.stderr[-500:])
lines = [json.loads(x) for x in open(out["v.jsonl"])] if r.returncode == 0 else []
check(len(lines) == len(pkts), f"one verdict per packet ({len(pkts)})", f"got {len(lines)}")
got = {}
for (_, actor, _), v in zip(pkts, lines):
    got.setdefault(actor, []).append(v["reason"])
for actor, exp in expect.items():
    g = got.get(actor, [])
    first = next((i for i, (a, b) in enumerate(zip(g, exp)) if a != b), None)
    check(g == exp, f"{actor}: every verdict as the rules say ({Counter(exp).most_common()})",
          f"got {Counter(g).most_common()}, first difference at #{first}")
check(expect["fail"].count("sip-watch-rate") == 40 and expect["spoof"].count("rate-pps") > 0,
      "the failing partner loses 40 of its last 80 messages, the spoofer hits its limit",
      f"{Counter(expect['fail'])} {Counter(expect['spoof'])}")

rep = json.load(open(out["r.json"])) if r.returncode == 0 else {}
# entries keyed by From domain (docs/sip.md), the partners' addresses beside
watch = {w.get("domain", w.get("src")): w for w in rep.get("watch", [])}
check(set(watch) == {"p1.example.net", "p2.example.net", "p3.example.net", "p8.example.net",
                     "p10.example.net"},
      "watch list: the directory attackers' (UDP, TCP, TCP behind an allowed claim), the "
      "failing and the sustained "
      "partner's domains, the last also watched by hand; nobody else", json.dumps(sorted(watch)))
t = watch.get("p8.example.net", {})
check(t.get("addresses") == ["198.18.1.8"] and t.get("reasons") == ["uri-limit"] and
      t.get("uris") == 1000 and t.get("drop_uri") == 21 and
      t.get("requests") == 249 * 5 + 5 + 20 * 2,
      "TCP directory attacker: 1000 URIs held, 21 segments dropped at their first URI beyond, "
      "every message up to it (it included) counted", json.dumps(t))
d, f, s = (watch.get(a, {}) for a in ("p1.example.net", "p2.example.net", "p3.example.net"))
check(d.get("mode") == "high" and d.get("alert") is True and d.get("reasons") == ["uri-limit"] and
      d.get("uris") == 1000 and d.get("drop_uri") == 500 and d.get("addresses") == ["198.18.1.1"] and
      abs(d.get("since_s", 0) - (T0 + 1 + 1000 * 0.1)) < 1e-6 and
      d.get("alert_since_s") == d.get("since_s"),
      "directory attacker: mode high, alert, reason uri-limit, 1000 URIs held, 500 dropped, "
      "since its 1001st URI", json.dumps(d))
check(f.get("mode") == "high" and f.get("alert") is True and f.get("reasons") == ["failure-ratio"] and
      f.get("addresses") == ["198.18.1.2"] and
      f.get("resp_ok") == 3 and f.get("resp_fail") == 27 and f.get("drop_rate") == 40,
      "failing partner: mode high, alert, reason failure-ratio, 3 ok / 27 failed responses, "
      "40 dropped", json.dumps(f))
check(s.get("mode") == "high" and s.get("alert") is False and s.get("alert_since_s") is None and
      s.get("reasons") == ["sustained-rate", "manual"] and s.get("addresses") == ["198.18.1.3"] and
      s.get("drop_rate") == 0 and s.get("drop_uri") == 0,
      "sustained partner's domain (also watched by hand): watched, no alert (neither condition "
      "of the mode), nothing dropped", json.dumps(s))
# the watch entries with an automatic reason are holds: in blocked too,
# with the rule, since, until (expiry_s, 1 day, later) and no offences
held = {b["src"]: b for b in rep.get("blocked", []) if b.get("class") == "sip"}
b = held.get("p1.example.net", {})
check(set(held) == set(watch) and b.get("rule") == "uri-limit" and
      b.get("since_unix_ms") == int(d.get("since_s", 0) * 1000 + 1e-3) and
      b.get("until_unix_ms", 0) - b.get("since_unix_ms", 0) == 86_400_000 and
      0 < b.get("remaining_ms", 0) < 86_400_000 and b.get("offences", 0) is None and
      b.get("addresses") == ["198.18.1.1"] and b.get("dropped") == 500 and
      held.get("p3.example.net", {}).get("rule") == "sustained-rate" and
      held.get("p2.example.net", {}).get("rule") == "failure-ratio",
      "blocked: every automatic watch entry, class sip, its rule (not manual), since, "
      "until since + expiry_s, no offences, its partners and drops", json.dumps(held))
sipc = rep.get("sip", {})
check(sipc.get("allow_spoof") == 1000 and sipc.get("watched") == 5 and
      sipc.get("watch_domain_msgs") == int(19.5 * 60),
      "counters: 1000 spoofed claims, 5 partners watched, the watched domain's messages",
      json.dumps(sipc))
vc = Counter(x["reason"] for x in lines)
check(all(rep.get("verdicts", {}).get(k) == n for k, n in vc.items()) and
      rep.get("packets") == len(pkts),
      "report verdict counters equal the verdict lines", json.dumps(rep.get("verdicts")))

# ThrottlingMode: a partner that fails first and walks the directory later.
# high alerts at the ratio, medium only once the URI condition holds too.
mp = []
for i in range(20):
    mp.append((1_000_000 + i * 100_000, req("198.18.1.9", "p9.example.net", "sip:desk@example.com", i)))
    mp.append((1_000_000 + i * 100_000 + 10_000, resp("198.18.1.9", 200 if i < 2 else 404, i)))
T_RATIO = 1_000_000 + 19 * 100_000 + 10_000
# 1.1 s apart: under the watch rate (1/s); the desk URI is the first held
for i in range(1000):
    mp.append((5_000_000 + i * 1_100_000, req("198.18.1.9", "p9.example.net",
                                              f"sip:m{i}@example.com", 100 + i)))
T_URI = 5_000_000 + 999 * 1_100_000
for us, p in mp:
    p.time = T0 + us / 1e6
mcap = os.path.join(work, "mode.pcap")
wrpcap(mcap, [p for _, p in mp])
wrpcap(os.path.join(work, "mode-cut.pcap"), [p for us, p in mp if us < T_URI])


def mode_run(capname, *sets):
    rp = os.path.join(work, capname + ".r.json")
    args = [fg, "--mode", "offline", "--pcap-in", os.path.join(work, capname),
            "--pcap-out", "/dev/null", "--report", rp, "--set", "protect.prefixes=198.18.2.0/24"]
    for x in sets:
        args += ["--set", x]
    rr = subprocess.run(args, capture_output=True, text=True)
    ent = json.load(open(rp)).get("watch", []) if rr.returncode == 0 else []
    return next((w for w in ent if w.get("domain") == "p9.example.net"), {"rc": rr.stderr[-300:]})


hi = mode_run("mode.pcap")
check(hi.get("mode") == "high" and hi.get("alert") is True and
      abs(hi.get("alert_since_s", 0) - (T0 + T_RATIO / 1e6)) < 1e-6 and
      hi.get("reasons") == ["failure-ratio", "uri-limit"],
      "mode high: alert from the failure ratio on", json.dumps(hi))
cut = mode_run("mode-cut.pcap", "sip-rules.default_mode=medium")
check(cut.get("mode") == "medium" and cut.get("alert") is False and
      cut.get("reasons") == ["failure-ratio"] and cut.get("uris") == 1000,
      "mode medium, only the ratio holds (1000 URIs, none beyond): no alert", json.dumps(cut))
med = mode_run("mode.pcap", "sip-rules.default_mode=medium")
check(med.get("mode") == "medium" and med.get("alert") is True and
      abs(med.get("alert_since_s", 0) - (T0 + T_URI / 1e6)) < 1e-6,
      "mode medium: alert once the URI condition holds too, from its 1001st URI", json.dumps(med))

bad = subprocess.run([fg, "--print-config", "--set",
                      "lists.allow_domains=trusted.example.net"], capture_output=True, text=True)
check(bad.returncode == 2 and "binds to the prefixes" in bad.stderr,
      "an allowed domain without a prefix is refused, and says why", bad.stderr[-200:])

done()
