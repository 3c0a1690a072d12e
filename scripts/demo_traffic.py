#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The demo's embedded default: 40 seconds at the edge, as a capture.

  demo_traffic.py OUT.pcap ACTORS.json

Well-behaved agents and a SIP partner, an agent that floods, a SYN flood,
a partner sending oversized SIP messages, a SIP partner walking the
directory (1,100 distinct Request-URIs), a partner whose calls mostly
fail (the server answers 404), a burst of spoofed one-packet sources, and
the protected server's responses (198.18.2.0/24). ACTORS.json
maps each source address to its actor's name, for the demo's table.
"""
import json
import random
import sys

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

out, actors_out = sys.argv[1], sys.argv[2]
T0 = 1_700_000_000.0
SRV = "198.18.2.10"
rng = random.Random(7)
pkts, actors = [], {}


def add(t, name, src, l4, payload=b""):
    actors[src] = name
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=SRV) / l4
    if payload:
        p = p / Raw(payload)
    p.time = T0 + t
    pkts.append(p)


def sip_msg(method, src, n, extra=0, user=None):
    hdrs = "".join(f"X-Extra-{i}: filler\r\n" for i in range(extra))
    user = user or f"desk{n % 20}"
    return (f"{method} sip:{user}@example.com SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {src}:5060;branch=z9hG4bK{n:06x}\r\n"
            f"From: <sip:trunk@partner.example.net>;tag={n:x}\r\n"
            f"To: <sip:{user}@example.com>\r\nCall-ID: {n:08x}@{src}\r\n"
            f"CSeq: 1 {method}\r\nMax-Forwards: 70\r\n{hdrs}Content-Length: 0\r\n\r\n").encode()


for k, src in enumerate(("198.18.1.11", "198.18.1.12", "198.18.1.13")):
    for i in range(200):                       # 5 events/s for 40 s
        add(k * 0.03 + i * 0.2, f"agent-{k + 1}", src,
            UDP(sport=41000 + k, dport=1270), b"event %d" % i)
for i in range(200):                           # a partner, 5 SIP requests/s
    add(0.1 + i * 0.2, "sip-partner", "198.18.1.21",
        UDP(sport=5060, dport=5060), sip_msg("OPTIONS" if i % 4 else "INVITE", "198.18.1.21", i))
for i in range(20000):                         # 2000 events/s from t=5 s for 10 s
    add(5 + i * 0.0005, "agent-flood", "198.18.1.66", UDP(sport=42000, dport=1270), b"x" * 40)
for i in range(2000):                          # 200 SYN/s from t=20 s for 10 s
    add(20 + i * 0.005, "syn-flood", "198.18.1.77", TCP(sport=10000 + i, dport=1270, flags="S"))
for i in range(30):                            # SIP with 100 extra headers
    add(12 + i * 0.5, "sip-oversize", "198.18.1.31",
        UDP(sport=5060, dport=5060), sip_msg("INVITE", "198.18.1.31", i, extra=100))
for i in range(1100):                          # directory walk: 1,100 URIs in 40 s
    add(0.2 + i * (39.0 / 1100), "sip-dir-walk", "198.18.1.41",
        UDP(sport=5060, dport=5060), sip_msg("OPTIONS", "198.18.1.41", 100000 + i,
                                             user=f"user{i}"))
for i in range(60):                            # calls that fail: 2/s, 90 % answered 404
    add(5 + i * 0.5, "sip-failing", "198.18.1.42",
        UDP(sport=5060, dport=5060), sip_msg("INVITE", "198.18.1.42", i % 3))
    status = "200 OK" if i % 10 == 0 else "404 Not Found"
    r = (f"SIP/2.0 {status}\r\nVia: SIP/2.0/UDP 198.18.1.42:5060;branch=z9hG4bK{i:06x}\r\n"
         f"From: <sip:trunk@partner.example.net>;tag={i:x}\r\nTo: <sip:desk@example.com>;tag=s\r\n"
         f"Call-ID: {i:08x}@198.18.1.42\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
    p = Ether() / IP(src=SRV, dst="198.18.1.42") / UDP(sport=5060, dport=5060) / Raw(r.encode())
    p.time = T0 + 5 + i * 0.5 + 0.01
    pkts.append(p)
for i in range(3000):                          # spoofed: one packet per source
    src = "198.18.%d.%d" % (rng.randrange(128, 256), rng.randrange(1, 255))
    add(30 + i * 0.001, "spoofed", src, UDP(sport=rng.randrange(1024, 65535), dport=1270), b"s")
for i in range(100):                           # the server's answers
    actors[SRV] = "server-responses"
    p = Ether() / IP(src=SRV, dst="198.18.1.11") / UDP(sport=1270, dport=41000) / Raw(b"ack")
    p.time = T0 + 0.05 + i * 0.4
    pkts.append(p)
pkts.sort(key=lambda p: float(p.time))
wrpcap(out, pkts)
json.dump(actors, open(actors_out, "w"))
