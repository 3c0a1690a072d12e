#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count UDP datagrams per source address: udp_count.py ADDR PORT SECONDS OUT.json"""
import json
import socket
import sys
import time

addr, port, secs, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((addr, port))
u.settimeout(0.3)
n, end = {}, time.time() + secs
while time.time() < end:
    try:
        _, a = u.recvfrom(2048)
        n[a[0]] = n.get(a[0], 0) + 1
    except socket.timeout:
        pass
json.dump(n, open(out, "w"))
