#!/usr/bin/python3
# Write the bundled sample capture (argv[1]): a few dozen packets an edge
# appliance sees, made here so nothing binary lives in the tree. Agent
# events on 1270, a SIP call and registration on 5060, SIP over TCP and
# TLS, ordinary traffic, and the malformed packets an attacker sends.
# Deterministic: fixed addresses, ports and timestamps.
import sys

from scapy.all import (ARP, DNS, DNSQR, ICMP, IP, TCP, UDP, Ether, Raw,
                       wrpcap)

AGENT, AGENT2 = "198.18.0.10", "198.18.0.11"
SERVER = "198.18.1.1"
PARTNER, SBC = "198.18.2.20", "198.18.1.5"
ATTACKER = "198.18.3.66"
ETH = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def sip(start, cseq, method, extra="", call="c0ffee@partner.example.net",
        via=1, body=""):
    hdrs = [start]
    for i in range(via):
        hdrs.append(f"Via: SIP/2.0/UDP 198.18.2.20:5060;branch=z9hG4bK{cseq}{i}")
    hdrs += ["Max-Forwards: 70",
             "From: \"Partner\" <sip:alice@partner.example.net>;tag=p1",
             "To: <sip:bob@edge.example.com>",
             f"Call-ID: {call}", f"CSeq: {cseq} {method}"]
    if extra:
        hdrs.append(extra)
    hdrs.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(hdrs) + "\r\n\r\n" + body).encode()


def req(method, cseq, **kw):
    return sip(f"{method} sip:bob@edge.example.com SIP/2.0", cseq, method, **kw)


def resp(code, text, cseq, method, **kw):
    return sip(f"SIP/2.0 {code} {text}", cseq, method, **kw)


SDP = ("v=0\r\no=alice 1 1 IN IP4 198.18.2.20\r\ns=-\r\nc=IN IP4 198.18.2.20\r\n"
       "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n")


def udp(src, dst, sport, dport, payload):
    return ETH / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)


def pkts():
    p = []
    # agents: UDP and TCP events to 1270, a server reply by source port
    p.append(udp(AGENT, SERVER, 40001, 1270, b"event id=1 level=info"))
    p.append(ETH / IP(src=AGENT2, dst=SERVER) / TCP(sport=40002, dport=1270, flags="S"))
    p.append(ETH / IP(src=SERVER, dst=AGENT2) / TCP(sport=1270, dport=40002, flags="SA"))
    p.append(ETH / IP(src=AGENT2, dst=SERVER) /
             TCP(sport=40002, dport=1270, flags="PA") / Raw(b"event id=2 level=warn"))
    # a SIP call from a federated partner, and the edge's answers
    p.append(udp(PARTNER, SBC, 5060, 5060, req("INVITE", 1, extra="Content-Type: application/sdp", body=SDP)))
    p.append(udp(SBC, PARTNER, 5060, 5060, resp(100, "Trying", 1, "INVITE")))
    p.append(udp(SBC, PARTNER, 5060, 5060, resp(180, "Ringing", 1, "INVITE")))
    p.append(udp(SBC, PARTNER, 5060, 5060, resp(200, "OK", 1, "INVITE")))
    p.append(udp(PARTNER, SBC, 5060, 5060, req("ACK", 1)))
    p.append(udp(PARTNER, SBC, 5060, 5060, req("BYE", 2)))
    p.append(udp(SBC, PARTNER, 5060, 5060, resp(200, "OK", 2, "BYE")))
    p.append(udp(PARTNER, SBC, 5060, 5060, req("OPTIONS", 3, call="opt1@partner.example.net")))
    p.append(udp(PARTNER, SBC, 5060, 5060, req("REGISTER", 4, call="reg1@partner.example.net")))
    p.append(udp(SBC, PARTNER, 5060, 5060, resp(401, "Unauthorized", 4, "REGISTER", call="reg1@partner.example.net")))
    # compact forms and a folded header, as some stacks send them
    p.append(udp(PARTNER, SBC, 5060, 5060,
                 b"MESSAGE sip:bob@edge.example.com SIP/2.0\r\n"
                 b"v: SIP/2.0/UDP 198.18.2.20;branch=z9hG4bKm1\r\n"
                 b"f: <sip:alice@partner.example.net>;tag=m\r\nt: <sip:bob@edge.example.com>\r\n"
                 b"i: msg1@partner.example.net\r\nCSeq: 5\r\n MESSAGE\r\nl: 2\r\n\r\nhi"))
    # SIP over TCP, and TLS on 5061 (opaque: L4 only)
    p.append(ETH / IP(src=PARTNER, dst=SBC) /
             TCP(sport=45000, dport=5060, flags="PA") / Raw(req("INVITE", 1, call="tcp1@partner.example.net")))
    p.append(ETH / IP(src=PARTNER, dst=SBC) /
             TCP(sport=45001, dport=5061, flags="PA") / Raw(b"\x16\x03\x01\x00\x05hello"))
    # ordinary traffic that passes untouched
    p.append(udp(AGENT, "198.18.1.53", 53001, 53, bytes(DNS(id=7, rd=1, qd=DNSQR(qname="edge.example.com")))))
    p.append(ETH / IP(src=AGENT, dst=SERVER) / ICMP())
    p.append(Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") /
             ARP(psrc=AGENT, pdst=SERVER, hwsrc="02:00:00:00:00:01"))
    p.append(ETH / IP(src=AGENT, dst="198.18.1.80") / TCP(sport=40003, dport=443, flags="S"))
    # what attackers send
    p.append(ETH / IP(src=ATTACKER, dst=SERVER, ihl=4) / UDP(sport=1, dport=1270))
    # IPv4 total length covers only 10 bytes of the 20-byte TCP header
    bad = ETH / IP(src=ATTACKER, dst=SERVER, len=30) / TCP(sport=2, dport=1270, flags="S")
    p.append(Ether(bytes(bad)[:14 + 30]))
    p.append(udp(ATTACKER, SBC, 5060, 5060,
                 req("INVITE", 9).replace(b"To: ", b"To\x01: ")))  # auth bypass class
    p.append(udp(ATTACKER, SBC, 5060, 5060,
                 req("INVITE", 9).replace(b"CSeq: 9 INVITE", b"CSeq: 4294967295 INVITE")))
    p.append(udp(ATTACKER, SBC, 5060, 5060, req("OPTIONS", 10) + req("OPTIONS", 11)))
    p.append(ETH / IP(src=ATTACKER, dst=SERVER, proto=17, frag=100) / Raw(b"x" * 16))
    p.append(ETH / IP(src=ATTACKER, dst=ATTACKER) / TCP(sport=1270, dport=1270, flags="S"))
    p.append(ETH / IP(src=ATTACKER, dst=SERVER) / TCP(sport=3, dport=1270, flags="FSRPAU"))
    return p


def write(name, pkts, per_s):
    """A capture generator's main: PKTS stamped PER_S a second from a fixed
    time (deterministic), written to argv[1]."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: {name} OUT.pcap")
    for i, pkt in enumerate(pkts):
        pkt.time = 1700000000 + i / per_s
    wrpcap(sys.argv[1], pkts)


if __name__ == "__main__":
    write("gen_sample.py", pkts(), 10)
