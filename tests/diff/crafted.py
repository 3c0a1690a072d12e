#!/usr/bin/python3
# Crafted SIP for the differential test (argv[1] = output pcap): messages
# that are valid RFC 3261 but stress a parser: compact and mixed-case
# header names, white space around the colon, folded values, quoted
# display names, sips:/tel: URIs, IPv6 hosts, unusual methods and status
# codes, IPv6 transport, SIP over TCP. Each message goes out over UDP/IPv4,
# UDP/IPv6 and TCP/IPv4; one extra TCP segment carries two messages.
# Prints the number of single-message SIP packets written, the minimum
# run.sh must compare. Deterministic.
import os
import sys

from scapy.all import IP, TCP, UDP, IPv6, Raw

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures"))
from gen_sample import ETH, write  # noqa: E402


def msg(start, headers, body=""):
    h = list(headers) + [f"Content-Length: {len(body)}"]
    return (start + "\r\n" + "\r\n".join(h) + "\r\n\r\n" + body).encode()


def std(method, cseq, frm="<sip:alice@atlanta.example.com>;tag=1",
        call="cid-1@atlanta.example.com", extra=()):
    return ["Via: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bK" + str(cseq),
            "From: " + frm, "To: <sip:bob@biloxi.example.com>",
            "Call-ID: " + call, f"CSeq: {cseq} {method}", *extra]


MSGS = [
    msg("INVITE sip:bob@biloxi.example.com SIP/2.0", std("INVITE", 1)),
    msg("INVITE sips:bob@biloxi.example.com;transport=tcp SIP/2.0",
        std("INVITE", 2, frm="\"Alice \\\"A\\\" Liddell\" <sips:alice@atlanta.example.com>;tag=2")),
    msg("OPTIONS sip:biloxi.example.com SIP/2.0",
        ["v: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKc1", "f: <sip:carol@chicago.example.com>;tag=3",
         "t: <sip:biloxi.example.com>", "i: compact-1@chicago.example.com", "CSeq: 3 OPTIONS"]),
    msg("MESSAGE sip:bob@biloxi.example.com SIP/2.0",
        ["vIa: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKm", "FROM: sip:alice@atlanta.example.com;tag=4",
         "tO: sip:bob@biloxi.example.com", "cAlL-iD: mixed-case@atlanta.example.com",
         "cseq: 4 MESSAGE", "Content-Type: text/plain"], "hello"),
    msg("INFO sip:bob@biloxi.example.com SIP/2.0",
        ["Via : SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKi", "From:  <sip:alice@atlanta.example.com>;tag=5",
         "To\t: <sip:bob@biloxi.example.com>", "Call-ID:\tlws@atlanta.example.com", "CSeq:  5 INFO"]),
    # HCOLON = *( SP / HTAB ) ":" SWS: white space before the colon of the
    # compared headers too (tshark 4.0 does not recognise these; run.sh).
    msg("INFO sip:bob@biloxi.example.com SIP/2.0",
        ["Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKj", "From :<sip:alice@atlanta.example.com>;tag=5b",
         "To: <sip:bob@biloxi.example.com>", "Call-ID\t: lws2@atlanta.example.com", "CSeq  : 55 INFO"]),
    msg("INVITE sip:bob@biloxi.example.com SIP/2.0",
        std("INVITE", 11, frm="sip:alice@[2001:db8::1]:5070;tag=11", call="v6-noangle@[2001:db8::1]")),
    msg("BYE sip:bob@biloxi.example.com SIP/2.0",
        std("BYE", 12, frm="\"Smith; J. <ops>\" <sip:j.smith@atlanta.example.com;transport=udp>;tag=12")),
    msg("CANCEL sip:bob@biloxi.example.com SIP/2.0",
        ["Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bK13", "From:", " <sip:alice@atlanta.example.com>", "\t;tag=13",
         "To: <sip:bob@biloxi.example.com>", "Call-ID: folded-from@atlanta.example.com", "CSeq: 13", "  CANCEL"]),
    msg("REGISTER sip:registrar.example.com SIP/2.0",
        ["Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKr", "From: <sip:alice@[2001:db8::1]>;tag=6",
         "To: <sip:alice@[2001:db8::1]>", "Call-ID: v6host@[2001:db8::1]", "CSeq: 6 REGISTER",
         "Contact: <sip:alice@[2001:db8::1]:5060>"]),
    msg("INVITE tel:+1-555-0100;phone-context=example.com SIP/2.0",
        std("INVITE", 7, frm="<sip:+15550199@gw.example.com:5070;user=phone>;tag=7")),
    msg("SUBSCRIBE sip:bob@biloxi.example.com SIP/2.0",
        std("SUBSCRIBE", 8, extra=("Event: presence", "Subject: a folded", "  subject line"))),
    msg("FOO sip:bob@biloxi.example.com SIP/2.0", std("FOO", 2147483647)),
    msg("NOTIFY sip:alice@atlanta.example.com SIP/2.0",
        std("NOTIFY", 9, frm="Bob <sip:bob@biloxi.example.com>;tag=9", extra=("Event: presence",))),
    msg("INVITE sip:bob@biloxi.example.com SIP/2.0",
        std("INVITE", 10, frm="sip:alice@atlanta.example.com", call="no-angle@a")),
]
for code, text in [(100, "Trying"), (183, "Session Progress"), (302, "Moved Temporarily"),
                   (404, "Not Found"), (486, "Busy Here"), (503, "Service Unavailable"),
                   (603, "Decline"), (200, "OK")]:
    MSGS.append(msg(f"SIP/2.0 {code} {text}", std("INVITE", 1, call=f"resp-{code}@b")))


def tcp_msg(src, dst, sport, payload):
    """One TCP connection: handshake, then payload in one segment."""
    t = IP(src=src, dst=dst)
    return [ETH / t / TCP(sport=sport, dport=5060, flags="S", seq=1000),
            ETH / IP(src=dst, dst=src) / TCP(sport=5060, dport=sport, flags="SA", seq=5000, ack=1001),
            ETH / t / TCP(sport=sport, dport=5060, flags="A", seq=1001, ack=5001),
            ETH / t / TCP(sport=sport, dport=5060, flags="PA", seq=1001, ack=5001) / Raw(payload)]


def pkts():
    out = []
    for i, m in enumerate(MSGS):
        sport = 20000 + i
        out.append(ETH / IP(src="198.18.0.1", dst="198.18.1.1") / UDP(sport=sport, dport=5060) / Raw(m))
        out.append(ETH / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=sport, dport=5060) / Raw(m))
        out += tcp_msg("198.18.0.2", "198.18.1.1", sport, m)
    # pipelined messages in one TCP segment: every one compared (run.sh);
    # a response among them (tshark stops at keep-alive CRLFs between two)
    out += tcp_msg("198.18.0.3", "198.18.1.1", 21000, MSGS[0] + MSGS[1])
    out += tcp_msg("198.18.0.3", "198.18.1.1", 21001,
                   MSGS[2] + MSGS[3] + MSGS[-1] + MSGS[6] + MSGS[8])
    return out


if __name__ == "__main__":
    write("crafted.py", pkts(), 100)
    print(3 * len(MSGS) + 2)
