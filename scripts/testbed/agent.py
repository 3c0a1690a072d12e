#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An agent (or a flooder) of the test bed: UDP events to SERVER:1270.

  agent.py SRC SERVER RATE SECONDS OUT.json   RATE 0: as fast as it can
Writes {"src":..., "sent": N} when done (or on SIGTERM). Each datagram
carries its send time (CLOCK_REALTIME, ns) for the collector's latency:
"event SRC t=NS " padded to 56 bytes.
"""
import json
import signal
import socket
import sys
import time

src, server, rate, secs, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
sent = 0
stop = False


def done(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, done)
head = b"event " + src.encode() + b" t="
start = time.monotonic()
end = start + secs
while not stop:
    now = time.monotonic()
    if now >= end:
        break
    if rate > 0:
        due = start + sent / rate
        if due > now:
            time.sleep(min(due - now, 0.05))
            continue
    try:
        s.sendto((head + b"%d " % time.time_ns()).ljust(56, b"x"), (server, 1270))
        sent += 1
    except OSError:
        time.sleep(0.001)   # ENOBUFS: the kernel's queue is full, not sent
json.dump({"src": src, "sent": sent}, open(out, "w"))
