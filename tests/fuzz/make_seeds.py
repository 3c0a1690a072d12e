#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the hand-built seed corpora in tests/fuzz/corpus/{sip,l2l4}/.

Standard library only (no scapy). The fixture table gives the fuzzers many
more seeds at run time (fuzz-seeds); these few are the shapes that matter
most and are kept in the tree so a fuzzer starts from them even alone.
Usage: tests/fuzz/make_seeds.py [OUT_DIR]   (default: next to this file)
"""
import os
import struct
import sys

INVITE = (
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n")
OK200 = (
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8,"
    " SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n")
COMPACT = (
    "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
    "v: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n"
    "t: <sip:carol@chicago.example.com>\r\n"
    "f: \"Alice \\\"A\\\"\" <sip:alice@[2001:db8::1]:5060>;tag=1928301774\r\n"
    "i: a84b4c76e66710\r\n"
    "CSeq: 63104 OPTIONS\r\n"
    "l: 0\r\n"
    "\r\n")
FOLDED = (
    "REGISTER sips:registrar.biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TLS bobspc.biloxi.example.com:5061\r\n"
    " ;branch=z9hG4bKnashds7\r\n"
    "To: Bob\r\n\t<sips:bob@biloxi.example.com>\r\n"
    "From: sips:bob@biloxi.example.com;tag=456248\r\n"
    "Call-ID:\r\n 843817637684230@998sdasdh09\r\n"
    "CSeq: 1826\r\n  REGISTER\r\n"
    "Content-Length: 0\r\n"
    "\r\n")
SIP = {"invite": INVITE, "200-ok": OK200, "compact": COMPACT,
       "folded": FOLDED, "keepalive": "\r\n\r\n",
       "stream-two": OK200 + OK200[:40],
       "stream-several": COMPACT + "\r\n\r\n" + INVITE + OK200 + INVITE[:60]}


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def eth(et, vlans=()):
    h = bytes.fromhex("020000000002" "020000000001")
    for tpid, vid in vlans:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", et)


def ip4(proto, pl, frag=0, opts=b"", src="10.0.0.1", dst="10.0.0.2"):
    ihl = 5 + len(opts) // 4
    a = bytes(int(x) for x in src.split("."))
    b = bytes(int(x) for x in dst.split("."))
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(pl), 1,
                    frag, 64, proto, 0, a, b) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + pl


def ip6(nh, pl, ext=b""):
    src = bytes.fromhex("20010db8000000000000000000000001")
    dst = bytes.fromhex("20010db8000000000000000000000002")
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(pl), nh, 64) + \
        src + dst + ext + pl


def udp(sport, dport, pl):
    return struct.pack("!HHHH", sport, dport, 8 + len(pl), 0) + pl


def tcp(sport, dport, flags, pl=b"", opts=b""):
    doff = 5 + len(opts) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, doff << 4, flags,
                       65535, 0, 0) + opts + pl


def pad60(f):
    return f + b"\0" * max(0, 60 - len(f))


def frames():
    inv = INVITE.encode()
    yield "udp-1270", pad60(eth(0x0800) + ip4(17, udp(40000, 1270, b"evt!")))
    yield "tcp-syn-1270", pad60(eth(0x0800) + ip4(6, tcp(40000, 1270, 0x02)))
    yield "udp-5060-invite", eth(0x0800) + ip4(17, udp(5060, 5060, inv))
    yield "tcp-5060-200ok", eth(0x86dd) + ip6(6, tcp(5060, 40000, 0x18,
                                                      OK200.encode()))
    yield "qinq-udp-5060", eth(0x0800, [(0x88a8, 10), (0x8100, 20)]) + \
        ip4(17, udp(40000, 5060, COMPACT.encode()))
    yield "ip4-opts-frag-first", eth(0x0800) + \
        ip4(17, udp(40000, 5060, inv[:64]), frag=0x2000,
            opts=b"\x01\x07\x07\x04" + b"\0" * 4)
    # hop-by-hop, then a fragment header (first fragment), then UDP
    ext = bytes([44, 0, 1, 4, 0, 0, 0, 0]) + bytes([17, 0, 0, 1, 0, 0, 0, 7])
    yield "ip6-hbh-frag-udp", eth(0x86dd) + ip6(0, udp(40000, 5060,
                                                        inv[:80]), ext)
    yield "tcp-5061-tls", pad60(eth(0x0800) + ip4(6, tcp(40000, 5061, 0x10)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    for sub in ("sip", "l2l4"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for name, msg in SIP.items():
        with open(os.path.join(out, "sip", name), "wb") as f:
            f.write(msg.encode())
    for name, fr in frames():
        with open(os.path.join(out, "l2l4", name), "wb") as f:
            f.write(fr)


if __name__ == "__main__":
    main()
