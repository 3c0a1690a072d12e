#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A hand-run stand-in for `floodctl bgp feed`: the API process of an
exabgp speaker of the BGP test bed (tests/bgp/lib.sh).
api.py FIFO LOG
Every line written into FIFO (a named pipe) is passed on to exabgp, on
stdout, as an API command. Every line exabgp writes to stdin (its JSON
messages, and "done"/"error" after each command while exabgp.api.ack is
true) is appended to LOG as it came, and to LOG.t behind the wall-clock
time it arrived in microseconds. Ends when exabgp closes stdin."""
import os
import sys
import threading
import time

fifo, log = sys.argv[1], sys.argv[2]


def feed():
    # O_RDWR: the pipe never reads as ended when a writer closes it
    with os.fdopen(os.open(fifo, os.O_RDWR), "r") as f:
        for line in f:
            sys.stdout.write(line)
            sys.stdout.flush()


threading.Thread(target=feed, daemon=True).start()
with open(log, "a") as raw, open(log + ".t", "a") as stamped:
    for line in sys.stdin:
        raw.write(line)
        raw.flush()
        stamped.write("%d %s" % (time.time_ns() // 1000, line))
        stamped.flush()
