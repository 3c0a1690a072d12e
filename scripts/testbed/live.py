#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""One line of live counters from `floodctl stats --json` on stdin.
  live.py SECONDS"""
import json
import sys

s = json.load(sys.stdin)
passes = ("pass", "pass-other", "pass-allow", "pass-response")
drops = sorted(((n, r) for r, n in s["verdicts"].items() if n and r not in passes), reverse=True)
print(f"{sys.argv[1]:>5}s {s['rx']:10} {s['rx'] - s['dropped']:10} {s['dropped']:10}  "
      + ", ".join(f"{r} {n}" for n, r in drops))
