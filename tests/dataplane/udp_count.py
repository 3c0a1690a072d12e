#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count UDP datagrams to ADDR:PORT per source address:
udp_count.py ADDR PORT SECONDS OUT.json [READY]
Counts until SECONDS have passed or a fence arrives: any datagram to
ADDR:9 (the marker port of tests/lib/tap.sh), sent after the measured
traffic. After the fence it goes on until PORT has been quiet for 0.5 s,
for datagrams that took a longer path (through a data plane) than the
fence did. READY, if given, is created once both sockets are bound: from
then on every datagram is queued for it (wait for it before sending).
The JSON has one key per source, "fenced": whether a fence ended it, and
"rcvbuf_errors": datagrams the kernel dropped for a full socket buffer
in this namespace meanwhile (/proc/net/snmp Udp RcvbufErrors; the
receive buffer is 64 MiB, but a busy host can still starve this loop)."""
import json
import selectors
import socket
import sys
import time



def rcvbuf_errors():
    rows = [ln.split() for ln in open("/proc/net/snmp") if ln.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


addr, port, secs, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)   # SO_RCVBUFFORCE (root)
except OSError:
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
u.bind((addr, port))
err0 = rcvbuf_errors()
fence = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fence.bind((addr, 9))
if len(sys.argv) > 5:
    open(sys.argv[5], "w").close()
sel = selectors.DefaultSelector()
sel.register(u, selectors.EVENT_READ)
sel.register(fence, selectors.EVENT_READ)
n, end, fenced, quiet = {}, time.time() + secs, False, 0.3
while time.time() < end:
    ready = sel.select(min(quiet, max(0.0, end - time.time())))
    if fenced and not ready:
        break                       # PORT quiet for 0.5 s after the fence
    for key, _ in ready:
        _, a = key.fileobj.recvfrom(2048)
        if key.fileobj is fence:
            fenced, quiet = True, 0.5
            sel.unregister(fence)
        else:
            n[a[0]] = n.get(a[0], 0) + 1
n["fenced"] = fenced
n["rcvbuf_errors"] = rcvbuf_errors() - err0
json.dump(n, open(out, "w"))
