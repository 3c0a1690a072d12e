#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The test bed's agent collector: counts UDP datagrams and TCP bytes on
1270 per source address; writes {"udp": {src: n}, "tcp": {src: bytes}}
to OUT.json on SIGTERM, or once a fence datagram (UDP to ADDR:9, the
marker port of tests/lib/tap.sh, sent after the measured traffic) has
come and everything has been quiet for 0.5 s since.
collector.py ADDR OUT.json [READY]
READY, if given, is created once both sockets are bound and listening:
wait for it before sending.
Datagrams that carry a send time (agent.py's "event SRC t=NS ") also give
their one-way latency: the kernel's receive time (SO_TIMESTAMPNS, taken
when the server's veth hands the frame to the stack, before the socket
queue) minus the send time, in "lat_ns": {src: [ns, ...]} (at most
LAT_MAX samples per source, the first ones).
"""
import json
import selectors
import signal
import socket
import struct
import sys

addr, out = sys.argv[1], sys.argv[2]
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
LAT_MAX = 100000
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
udp.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
udp.bind((addr, 1270))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((addr, 1270))
tcp.listen(64)
fence = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fence.bind((addr, 9))
if len(sys.argv) > 3:
    open(sys.argv[3], "w").close()
counts = {"udp": {}, "tcp": {}, "lat_ns": {}}
sel = selectors.DefaultSelector()
sel.register(udp, selectors.EVENT_READ)
sel.register(tcp, selectors.EVENT_READ)
sel.register(fence, selectors.EVENT_READ)
stop = fenced = False


def done(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, done)
peers = {}
while not stop:
    ready = sel.select(0.5 if fenced else 0.2)
    if fenced and not ready:
        break
    for key, _ in ready:
        s = key.fileobj
        if s is fence:
            fence.recvfrom(2048)
            fenced = True
        elif s is udp:
            while True:
                try:
                    data, anc, _, (src, _) = udp.recvmsg(2048, 64, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                counts["udp"][src] = counts["udp"].get(src, 0) + 1
                t = data.find(b" t=")
                if data.startswith(b"event ") and t > 0 and anc:
                    lat = counts["lat_ns"].setdefault(src, [])
                    if len(lat) < LAT_MAX:
                        sec, nsec = struct.unpack("qq", anc[0][2][:16])
                        lat.append(sec * 1000000000 + nsec - int(data[t + 3:data.index(b" ", t + 3)]))
        elif s is tcp:
            c, (src, _) = tcp.accept()
            peers[c] = src
            sel.register(c, selectors.EVENT_READ)
        else:
            data = s.recv(65536)
            if not data:
                sel.unregister(s)
                s.close()
                continue
            src = peers[s]
            counts["tcp"][src] = counts["tcp"].get(src, 0) + len(data)
json.dump(counts, open(out, "w"))
