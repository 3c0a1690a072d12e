#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK tier: floodguard --mode offline over a crafted capture (net_pcap).

Builds one capture with scapy in which every actor's verdicts are known
in advance from the documented rules (docs/limits.md), computed here by
an independent model of the GCRA and window arithmetic, runs floodguard
on it twice, and checks the verdict of every packet, the capture out
(exactly the passed packets, byte for byte, original timestamps), the
report's counters and that both runs are byte-identical. Prints TAP.

usage: offline.py FLOODGUARD WORKDIR
"""
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter

from scapy.all import IP, UDP, TCP, Ether, Raw, rdpcap, wrpcap, ARP  # noqa: E402

fg, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
T0 = 1_700_000_000
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import check, done  # noqa: E402


def udp(src, dst, dport, sport=40000, payload=b"event"):
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / \
        IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)


# (time in µs since T0, actor, packet); sorted by time, stable
pkts = []
# B: well behaved, 10/s for 5 s
for i in range(50):
    pkts.append((50_000 + i * 100_000, "B", udp("198.18.1.2", "198.18.2.10", 1270)))
# C: 1100 events in one instant: the burst (1000) passes, 100 rate-pps
for i in range(1100):
    pkts.append((1_000_000, "C", udp("198.18.1.3", "198.18.2.10", 1270)))
# A: 3100 events, 2000/s from t=2 s: rate-limited, blocked at its 3001st
A_US = [2_000_000 + i * 500 for i in range(3100)]
for t in A_US:
    pkts.append((t, "A", udp("198.18.1.1", "198.18.2.10", 1270)))
BLOCK_AT = A_US[3000]
# A again: 1 µs before the 60 s penalty ends (blocked), then at its end (passes)
pkts.append((BLOCK_AT + 60_000_000 - 1, "A-late", udp("198.18.1.1", "198.18.2.10", 1270)))
pkts.append((BLOCK_AT + 60_000_000, "A-free", udp("198.18.1.1", "198.18.2.10", 1270)))
# responses from the protected side, other traffic, malformed, too many headers
for i in range(20):
    pkts.append((300_000 + i * 1000, "resp", udp("198.18.2.10", "198.18.1.2", 40000, sport=1270)))
pkts.append((400_000, "other", Ether() / ARP(psrc="198.18.1.9", pdst="198.18.2.10")))
pkts.append((400_001, "other", udp("198.18.1.9", "198.18.2.10", 53)))
bad = bytearray(bytes(udp("198.18.1.8", "198.18.2.10", 1270)))
bad[38:40] = (200).to_bytes(2, "big")  # UDP length beyond the datagram: malformed, aimed at 1270
pkts.append((500_000, "malformed", Ether(bytes(bad))))
hdrs = "".join(f"X-H{i}: v\r\n" for i in range(80))
invite = (f"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.1.7\r\n"
          f"From: <sip:a@partner.example>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
          f"Call-ID: c1\r\nCSeq: 1 INVITE\r\n{hdrs}Content-Length: 0\r\n\r\n").encode()
pkts.append((600_000, "toomany", udp("198.18.1.7", "198.18.2.10", 5060, 5060, invite)))
pkts.sort(key=lambda p: p[0])
for t, _, p in pkts:
    p.time = T0 + t / 1e6
cap = os.path.join(work, "in.pcap")
wrpcap(cap, [p for _, _, p in pkts])


def gcra_model(times_us, rate, burst, epoch_us):
    """Independent model of docs/limits.md: units of 1/rate s since the
    epoch, TAT starts at 'now', a packet passes when max(TAT, now) + 1 -
    now <= burst."""
    out, tat = [], None
    for t in times_us:
        now = (t - epoch_us) * 1000 * rate // 10**9
        base = now if tat is None or tat < now else tat
        if base + 1 - now <= burst:
            tat = base + 1
            out.append("pass")
        else:
            out.append("rate-pps")
    return out


epoch = pkts[0][0]
expect = {}
a_model = gcra_model(A_US[:3000], 500, 1000, epoch)
expect["A"] = a_model + ["flood-blocked"] * 100
expect["A-late"] = ["flood-blocked"]
expect["A-free"] = ["pass"]
expect["B"] = ["pass"] * 50
expect["C"] = ["pass"] * 1000 + ["rate-pps"] * 100
expect["resp"] = ["pass-response"] * 20
expect["other"] = ["pass-other"] * 2
expect["malformed"] = ["malformed"]
expect["toomany"] = ["too-many-params"]


def run(tag):
    out = {k: os.path.join(work, f"{k}{tag}") for k in ("out.pcap", "v.jsonl", "r.json")}
    r = subprocess.run([fg, "--mode", "offline", "--pcap-in", cap,
                        "--pcap-out", out["out.pcap"], "--verdicts", out["v.jsonl"],
                        "--report", out["r.json"],
                        "--set", "protect.prefixes=198.18.2.0/24",
                        "--set", "mom.block_jitter_pct=0"],
                       capture_output=True, text=True)
    return r, out


r, out = run("1")
check(r.returncode == 0, "offline run exits 0", r.stderr[-500:])
lines = [json.loads(x) for x in open(out["v.jsonl"])] if r.returncode == 0 else []
check(len(lines) == len(pkts) and [x["n"] for x in lines] == list(range(1, len(pkts) + 1)),
      f"one verdict line per packet, n = 1..{len(pkts)}", f"got {len(lines)}")
got = {}
for (t, actor, _), v in zip(pkts, lines):
    got.setdefault(actor, []).append(v["reason"])
    if (v["verdict"] == "drop") != (v["reason"] not in ("pass", "pass-other", "pass-response", "pass-allow")):
        check(False, "verdict agrees with reason", str(v))
for actor, exp in expect.items():
    g = got.get(actor, [])
    first_bad = next((i for i, (a, b) in enumerate(zip(g, exp)) if a != b), None)
    check(g == exp, f"{actor}: {len(exp)} verdicts as the rules say ({Counter(exp).most_common()})",
          f"got {Counter(g).most_common()}, first difference at #{first_bad}")
check(a_model.count("rate-pps") > 0 and a_model.count("pass") > 1000,
      "A is both rate-limited and partly passed before its block",
      f"{Counter(a_model)}")

passed = [p for (_, _, p), v in zip(pkts, lines) if v["verdict"] == "pass"]
try:
    outp = rdpcap(out["out.pcap"])
except Exception as e:  # noqa: BLE001
    outp = []
    check(False, "capture out readable", str(e))
check(len(outp) == len(passed) and all(bytes(a) == bytes(b) for a, b in zip(outp, passed)),
      f"capture out holds exactly the {len(passed)} passed packets, byte for byte",
      f"got {len(outp)}")
check(all(abs(float(a.time) - float(b.time)) < 1e-6 for a, b in zip(outp, passed)),
      "capture out keeps the input timestamps")

rep = json.load(open(out["r.json"])) if r.returncode == 0 else {}
vc = Counter(x["reason"] for x in lines)
check(rep.get("packets") == len(pkts) and
      rep.get("passed", 0) + rep.get("dropped", 0) == len(pkts) and
      all(rep.get("verdicts", {}).get(k, -1) == n for k, n in vc.items()) and
      sum(rep.get("verdicts", {}).values()) == len(pkts),
      "report: packets = passed + dropped = sum of verdicts = the verdict lines",
      json.dumps(rep.get("verdicts")))
check(rep.get("sources", {}).get("blocks") == 1, "report: one source blocked once",
      json.dumps(rep.get("sources")))
check(rep.get("blocked") == [], "report: nobody is still blocked at the capture's end",
      json.dumps(rep.get("blocked")))

r2, out2 = run("2")
same = r2.returncode == 0 and all(
    hashlib.sha256(open(out[k], "rb").read()).digest() ==
    hashlib.sha256(open(out2[k], "rb").read()).digest() for k in out)
check(same, "a second run gives byte-identical capture, verdicts and report")

# the block list in the report: cut the capture right after the block
cut = os.path.join(work, "cut.pcap")
wrpcap(cut, [p for t, _, p in pkts if t <= BLOCK_AT + 1000])
rep3 = os.path.join(work, "cut.json")
r3 = subprocess.run([fg, "--mode", "offline", "--pcap-in", cut, "--report", rep3,
                     "--set", "mom.block_jitter_pct=0"],
                    capture_output=True, text=True)
b = json.load(open(rep3)).get("blocked", []) if r3.returncode == 0 else []
check(len(b) == 1 and b[0]["src"] == "198.18.1.1" and b[0]["class"] == "mom" and
      b[0]["remaining_ms"] == 59999 and b[0]["rule"] == "flood" and b[0]["offences"] == 1 and
      b[0]["since_unix_ms"] == (T0 * 10**6 + BLOCK_AT) // 1000 and
      b[0]["until_unix_ms"] - b[0]["since_unix_ms"] == 60000,
      "report lists the blocked source: class, rule, since, until, the rest of its "
      "penalty, its offences", json.dumps(b))


# Escalation (docs/limits.md): E floods (21 events at once, window_events
# 20), rests past its penalty, floods again, three times: penalties 1x, 2x,
# 4x of 10 s, each +-10 % jitter; then rests past the memory (1 h, plus the
# stamp's two units of ~17.5 min) and floods: 1x again. Probes every 100 ms
# from half to one and a half penalties after each flood find its end.
ESC_MS, MEM_S = 10_000, 3600
esc, floods, t = [], [], 1_000_000
for k, mult in enumerate([1, 2, 4, 1]):
    if k == 3:
        t += (MEM_S + 2 * 1049 + 60) * 1_000_000
    floods.append(t)
    esc += [(t, "flood", udp("198.18.1.50", "198.18.2.10", 1270)) for _ in range(21)]
    pen = ESC_MS * mult * 1000
    for x in range(t + pen // 2, t + pen * 3 // 2, 100_000):
        esc.append((x, f"probe{k}", udp("198.18.1.50", "198.18.2.10", 1270)))
    t += pen * 3 // 2 + 5_000_000
for x, _, p in esc:
    p.time = T0 + x / 1e6
ecap = os.path.join(work, "esc.pcap")
wrpcap(ecap, [p for _, _, p in esc])


def esc_run(tag, *extra):
    v = os.path.join(work, f"esc{tag}.jsonl")
    r = subprocess.run([fg, "--mode", "offline", "--pcap-in", ecap, "--verdicts", v,
                        "--set", "mom.window_events=20", "--set", "mom.window_ms=1000",
                        "--set", "mom.pps=0", "--set", "mom.bps=0",
                        "--set", f"mom.block_ms={ESC_MS}",
                        "--set", f"mom.offence_memory_s={MEM_S}"] + list(extra),
                       capture_output=True, text=True)
    return r, [json.loads(x)["reason"] for x in open(v)] if r.returncode == 0 else []


r, ev = esc_run("1")
check(r.returncode == 0 and len(ev) == len(esc), "escalation capture: one verdict per packet",
      r.stderr[-300:])
pens = []
for k, mult in enumerate([1, 2, 4, 1]):
    fl = [v for (_, a, _), v in zip(esc, ev) if a == "flood"][21 * k:21 * k + 21]
    pr = [(x, v) for (x, a, _), v in zip(esc, ev) if a == f"probe{k}"]
    first = next((x for x, v in pr if v == "pass"), None)
    pens.append(None if first is None else (first - floods[k]) / 1000)
    ok = fl == ["pass"] * 20 + ["flood-blocked"] and first is not None and \
        all(v == "flood-blocked" for x, v in pr if x < first)
    lo, hi = ESC_MS * mult * 0.9, ESC_MS * mult * 1.1 + 100
    check(ok and lo <= pens[k] <= hi,
          f"flood {k + 1}: penalty {mult}x of {ESC_MS} ms +-10 % ({pens[k]} ms)"
          + (", offences forgotten after the memory" if k == 3 else ""),
          f"flood {Counter(fl).most_common()}, probes {Counter(v for _, v in pr).most_common()}")
check(any(p is not None and abs(p - ESC_MS * m) > 200 for p, m in zip(pens, [1, 2, 4, 1])),
      "the jitter moved a penalty by more than 200 ms", str(pens))
r2, ev2 = esc_run("2")
check(r2.returncode == 0 and ev2 == ev, "the same capture gives the same penalties (seeded jitter)")
r3, ev3 = esc_run("3", "--set", "mom.block_jitter_pct=0")
exact = []
for k, mult in enumerate([1, 2, 4, 1]):
    pr = [(x, v) for (x, a, _), v in zip(esc, ev3) if a == f"probe{k}"]
    first = next((x for x, v in pr if v == "pass"), None)
    exact.append(None if first is None else (first - floods[k]) / 1000)
check(exact == [ESC_MS * m for m in (1, 2, 4, 1)],
      "block_jitter_pct 0: penalties exactly 1x, 2x, 4x, then 1x", str(exact))

def fails(args, code, needle, what):
    r = subprocess.run([fg] + args, capture_output=True, text=True)
    check(r.returncode == code and needle in r.stderr, what,
          f"exit {r.returncode}, stderr: {r.stderr.strip()[-300:]}")


fails(["--mode", "offline", "--pcap-in", "/nonexistent.pcap"], 1, "/nonexistent.pcap",
      "a missing capture: exit 1, the message names the file")
fails(["--mode", "offline"], 2, "--pcap-in", "offline without --pcap-in: exit 2")
fails(["--mode", "offline", "--pcap-in", cap, "--set", "mom.pps=fast"], 2, "[mom] pps",
      "a bad value names section and key")
fails(["--mode", "offline", "--pcap-in", cap, "--set", "mom.ppps=1"], 2,
      "[mom] ppps: unknown key", "an unknown key is an error that names it")
fails(["--mode", "offline", "--pcap-in", cap, "--set", "mom.bps_burst=100"], 2,
      "[mom] bps_burst", "a cross-key problem names the key")
fails(["--mode", "sideways"], 2, "sideways", "an unknown mode is named")
fails(["--mode", "offline", "--pcap-in", cap, "--set", "dataplane.rss=sources"], 2,
      "[dataplane] rss: 'sources' is not flow, source or presplit",
      "a bad name names the key and the names it takes")
fails(["--mode", "offline", "--pcap-in", cap, "--set", "sip.window_ms=1073741824"], 2,
      "[sip] window_ms: 1073741824 is out of range 0..1073741823 ms",
      "window_ms of 2^30: exit 2, the range is the one the window rule takes")
fails(["--mode", "offline", "--pcap-in", cap, "--set", "dataplane.rst_on_block=1"], 2,
      "[dataplane] rst_on_block: only in inline mode",
      "rst_on_block outside inline mode: exit 2, names the key")
ini = os.path.join(work, "bad.ini")
open(ini, "w").write("[table]\nsources = 0\n")
fails(["--config", ini, "--print-config"], 2, "[table] sources",
      "a bad value in the file names the file's section and key")
r = subprocess.run([fg, "--print-config"], capture_output=True, text=True)
rt = os.path.join(work, "roundtrip.ini")
open(rt, "w").write(r.stdout)
r2 = subprocess.run([fg, "--config", rt, "--print-config"], capture_output=True, text=True)
check(r.returncode == 0 and r2.returncode == 0 and r.stdout == r2.stdout and "[mom]" in r.stdout,
      "--print-config output loads back to the same configuration", r2.stderr[-300:])

# docs/config.md: its key table is what the program prints, its example loads
doc = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "config.md")).read()
keys = subprocess.run([fg, "--print-keys"], capture_output=True, text=True).stdout
check(keys.strip() and keys.strip() in doc, "docs/config.md lists every key as --print-keys does")
example = doc.split("```ini\n")[1].split("```")[0]
ex = os.path.join(work, "example.ini")
open(ex, "w").write(example)
r = subprocess.run([fg, "--config", ex, "--print-config"], capture_output=True, text=True)
check(r.returncode == 0 and "queues = 2" in r.stdout and "pps = 1000" in r.stdout and
      "198.51.100.0/24, 2001:db8:100::/48" in r.stdout,
      "the example in docs/config.md loads", r.stderr[-300:])

done()
