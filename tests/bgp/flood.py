#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP from each SRC at PPS datagrams per second to DST:PORT, for at
most SECONDS or until SIGTERM: the BGP test bed's flooding source and
its well-behaved neighbour (tests/bgp/lib.sh). Paced in 10 ms steps.
flood.py DST PORT SECONDS SRC:PPS [SRC:PPS...]"""
import signal
import socket
import sys
import time

dst, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
senders = []
for arg in sys.argv[4:]:
    src, pps = arg.split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    senders.append([s, int(pps), 0, src.encode()])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
t0 = time.monotonic()
while True:
    now = time.monotonic() - t0
    if now >= secs:
        break
    for x in senders:
        s, pps, sent, name = x
        due = int(now * pps)
        while sent < due:
            try:
                s.sendto(b"flood %s %d" % (name, sent), (dst, port))
            except OSError:
                pass        # a black hole at the router answers nothing; local errors: go on
            sent += 1
        x[2] = sent
    time.sleep(0.01)
