# SPDX-License-Identifier: BSD-3-Clause
"""What perf/bench-peers and perf/bench-sip-peers share: frames built as
bytes (scapy takes minutes for a million), the capture they are replayed
from, CPU 1's busy time."""
import struct


def udp4_frame(dst_mac, src, dst, sport, dport, payload):
    """Ethernet + IPv4 (header checksum set: the server's kernel checks it)
    + UDP (checksum 0) from dotted-quad @src to @dst."""
    a = lambda ip: bytes(int(x) for x in ip.split("."))
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, a(src), a(dst))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
    return bytes.fromhex(dst_mac.replace(":", "")) + b"\x02\x00\x00\x00\x01\x01\x08\x00" + ip + udp


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            out.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
    return path


def cpu1_busy():
    """CPU 1's busy jiffies (all but idle and iowait)."""
    line = [l for l in open("/proc/stat").read().split("\n") if l.startswith("cpu1 ")][0]
    v = list(map(int, line.split()[1:]))
    return sum(v) - v[3] - v[4]
