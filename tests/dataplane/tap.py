# SPDX-License-Identifier: BSD-3-Clause
"""TAP for the data plane's Python tests: check() each, done() at the end."""
import sys

_tests = []


def check(ok, what, detail=""):
    _tests.append((bool(ok), what, detail))


def done():
    print(f"1..{len(_tests)}")
    for i, (ok, what, detail) in enumerate(_tests, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {what}")
        if not ok and detail:
            print("  # " + detail.replace("\n", "\n  # "))
    sys.exit(0 if all(ok for ok, _, _ in _tests) else 1)
