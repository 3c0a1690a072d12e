# SPDX-License-Identifier: BSD-3-Clause
"""TAP for the Python test suites: check() each, done() at the end.

No step of a suite waits without a bound: importing this module gives
every subprocess.run() of the suite a timeout of 300 s unless the call
names its own (a child that overruns raises TimeoutExpired, which ends
the suite with its traceback and counts as a failure)."""
import subprocess
import sys

_tests = []
_run = subprocess.run


def _bounded_run(*args, timeout=300, **kwargs):
    return _run(*args, timeout=timeout, **kwargs)


subprocess.run = _bounded_run


def check(ok, what, detail=""):
    _tests.append((bool(ok), what, detail))


def done():
    print(f"1..{len(_tests)}")
    for i, (ok, what, detail) in enumerate(_tests, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {what}")
        if not ok and detail:
            print("  # " + detail.replace("\n", "\n  # "))
    sys.exit(0 if all(ok for ok, _, _ in _tests) else 1)
