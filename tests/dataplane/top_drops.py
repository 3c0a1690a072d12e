#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Heavy hitters of drops: the offline report's top_drops against exact
counts (DPDK tier).

A capture, written here byte by byte: 100,000 spoofed sources of one
packet each from a block-listed /10, and 20 heavy sources each above 1 %
of the drops, some block-listed, some flooding an agent port (rate-pps,
flood-blocked), interleaved at random. The exact drops per source come
from the verdict lines; the report's top 16 (fg_hh.h, bounded memory)
must hold at least 15 of the exact top 16, with counts close to the
exact ones and the dominant reason right. Prints TAP.

usage: top_drops.py FLOODGUARD WORKDIR
"""
import ipaddress
import json
import os
import random
import struct
import subprocess
import sys
from collections import Counter, defaultdict

fg, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import check, done  # noqa: E402

SRV = ipaddress.IPv4Address("198.18.2.10").packed
rnd = random.Random(19)


def csum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(src, dport):
    payload = b"event"
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, SRV)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


BLOCK = ipaddress.IPv4Network("100.64.0.0/10")
spoof = [(BLOCK.network_address + rnd.randrange(1, BLOCK.num_addresses)).packed
         for _ in range(100_000)]
# 20 heavy: 10 block-listed (block-list), 10 agents flooding port 1270
heavy = {}
for h in range(10):
    heavy[(BLOCK.network_address + 0x10000 * (h + 1) + 7).packed] = 1600 + 150 * h
for h in range(10):
    heavy[ipaddress.IPv4Address(f"198.18.1.{h + 1}").packed] = 2700 + 150 * h
seq = [s for s in spoof] + [a for a, n in heavy.items() for _ in range(n)]
rnd.shuffle(seq)
cap = os.path.join(work, "in.pcap")
with open(cap, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, src in enumerate(seq):
        fr = frame(src, 1270)
        us = i * 2   # 500,000 packets/s
        f.write(struct.pack("<IIII", 1_700_000_000 + us // 1_000_000, us % 1_000_000,
                            len(fr), len(fr)) + fr)

v, rep = os.path.join(work, "v.jsonl"), os.path.join(work, "r.json")
r = subprocess.run([fg, "--mode", "offline", "--pcap-in", cap, "--verdicts", v, "--report", rep,
                    "--set", f"lists.block={BLOCK}"], capture_output=True, text=True)
check(r.returncode == 0, "offline run over the capture exits 0", r.stderr[-400:])
drops, why = Counter(), defaultdict(Counter)
with open(v) as f:
    for src, line in zip(seq, f):
        x = json.loads(line)
        if x["verdict"] == "drop":
            drops[src] += 1
            why[src][x["reason"]] += 1
total = sum(drops.values())
exact = [a for a, n in drops.most_common(16) if n > total / 100]
check(len(exact) == 16 and all(a in heavy for a in exact),
      f"exact: the top 16 of {total} drops are heavy sources above 1 % each",
      f"{[(str(ipaddress.IPv4Address(a)), drops[a]) for a in exact]}")
top = json.load(open(rep)).get("top_drops", []) if r.returncode == 0 else []
got = {ipaddress.IPv4Address(t["src"]).packed: t for t in top}
hit = [a for a in exact if a in got]
check(len(top) == 16 and len(hit) >= 15,
      f"report: top_drops holds {len(hit)} of the exact top 16 (at least 15)",
      f"report: {[(t['src'], t['drops']) for t in top]}")
noise = 4 * total // 16384
bad = [(str(ipaddress.IPv4Address(a)), got[a]["drops"], drops[a]) for a in hit
       if abs(got[a]["drops"] - drops[a]) > noise]
check(not bad, f"report: their counts within {noise} of the exact ones", str(bad))
bad = [(str(ipaddress.IPv4Address(a)), got[a]["reason"], why[a].most_common(1)[0][0]) for a in hit
       if got[a]["reason"] != why[a].most_common(1)[0][0]]
check(not bad, "report: each one's dominant reason is the exact one", str(bad))
done()
