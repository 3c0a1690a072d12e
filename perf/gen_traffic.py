#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a benchmark capture: a traffic mix from N distinct sources.

  gen_traffic.py OUT.pcap --mix mom|sip --sources N [--packets P] [--seed S]

mom: agent traffic to 1270 — 80 % UDP events of 60-300 bytes, 20 % TCP
segments with payload (ACK|PSH), every source in turn (a random order of
the sources, repeated), as an agent fleet reporting looks.
sip: SIP over UDP 5060 — INVITE, REGISTER, OPTIONS, BYE and 200 OK
responses of 350-650 bytes with realistic headers, sources as above.
Packets are built as bytes (scapy takes minutes for a million); checksums
are left 0 (floodguard does not verify them). Sources are 10.0.0.0/8
addresses: the capture only ever feeds DPDK vdevs.
"""
import argparse
import random
import struct

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--mix", choices=("mom", "sip"), required=True)
ap.add_argument("--sources", type=int, required=True)
ap.add_argument("--packets", type=int, default=0, help="default: max(sources, 65536)")
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
rng = random.Random(a.seed)
npkts = a.packets or max(a.sources, 65536)
order = list(range(a.sources))
rng.shuffle(order)
DST = bytes([198, 18, 2, 10])
ETH = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"


def ip4(src, proto, l4):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                       src, DST) + l4


def mom(i, src, s):
    if rng.random() < 0.8:
        pl = b"E" * rng.randint(18, 258)
        return ip4(src, 17, struct.pack("!HHHH", 40000 + s % 20000, 1270, 8 + len(pl), 0) + pl)
    pl = b"T" * rng.randint(20, 240)
    tcp = struct.pack("!HHIIBBHHH", 40000 + s % 20000, 1270, i, 1, 5 << 4, 0x18, 65535, 0, 0)
    return ip4(src, 6, tcp + pl)


SIP_METHODS = ["INVITE", "REGISTER", "OPTIONS", "BYE", "200"]


def sip(i, src, s):
    kind = SIP_METHODS[i % len(SIP_METHODS)]
    host = "10.%d.%d.%d" % (src[1], src[2], src[3])
    user = "user%d" % (i % 5000)
    common = (f"Via: SIP/2.0/UDP {host}:5060;branch=z9hG4bK{i:08x}\r\n"
              f"Max-Forwards: 70\r\n"
              f"From: \"Partner {s}\" <sip:agent{s}@partner{s % 97}.example.net>;tag={i:x}\r\n"
              f"To: <sip:{user}@example.com>\r\n"
              f"Call-ID: {i:08x}-{s:06x}@{host}\r\n")
    if kind == "200":
        msg = (f"SIP/2.0 200 OK\r\n{common}CSeq: 1 INVITE\r\n"
               f"Contact: <sip:{user}@{host}>\r\nContent-Length: 0\r\n\r\n")
    else:
        body = "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n" \
               "m=audio 4000 RTP/AVP 0\r\n" % (host, host) if kind == "INVITE" else ""
        msg = (f"{kind} sip:{user}@example.com SIP/2.0\r\n{common}CSeq: 1 {kind}\r\n"
               f"Contact: <sip:agent{s}@{host}:5060>\r\nUser-Agent: bench/1.0\r\n"
               f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}")
    pl = msg.encode()
    return ip4(src, 17, struct.pack("!HHHH", 5060, 5060, 8 + len(pl), 0) + pl)


make = mom if a.mix == "mom" else sip
with open(a.out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(npkts):
        s = order[i % a.sources]
        src = bytes([10, (s >> 16) & 255, (s >> 8) & 255, s & 255])
        frame = ETH + make(i, src, s)
        f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(frame), len(frame)) + frame)
