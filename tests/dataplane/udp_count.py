#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count UDP datagrams per source address for SECONDS:
udp_count.py ADDR PORT SECONDS OUT.json [READY]
READY, if given, is created once the socket is bound: from then on every
datagram to ADDR:PORT is queued for it (wait for it before sending)."""
import json
import socket
import sys
import time

addr, port, secs, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((addr, port))
if len(sys.argv) > 5:
    open(sys.argv[5], "w").close()
u.settimeout(0.3)
n, end = {}, time.time() + secs
while time.time() < end:
    try:
        _, a = u.recvfrom(2048)
        n[a[0]] = n.get(a[0], 0) + 1
    except socket.timeout:
        pass
json.dump(n, open(out, "w"))
