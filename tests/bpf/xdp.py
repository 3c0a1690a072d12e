#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The XDP program against the C core, through BPF_PROG_TEST_RUN.

Every fixture of the classifier's table (tests/fixtures.c, written by
fixtures-pcap) runs through `floodctl xdp test` and `floodctl inspect`.
The XDP action must be what the data plane would do with the core's
answer: redirect when the core gives a protected class, or calls the
packet malformed after finding protected ports (the data plane decides
those); pass for everything else. Then once more with the fixtures'
source blocked: drop exactly the packets whose source address the core
read. Prints TAP.   usage: xdp.py BUILDDIR WORKDIR
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import check, done  # noqa: E402

build, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
fctl = os.path.join(build, "control", "floodctl")
cap = os.path.join(work, "fixtures.pcap")
# every child is bounded well inside the suite's limit (60 s): one that
# overruns is a failed test with the others still reported, not a hang
SECS = 20
try:
    names = subprocess.run([os.path.join(build, "tests", "fixtures-pcap"), cap], timeout=SECS,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    names = [n.split("\t")[0] for n in names]
    core = [json.loads(x) for x in subprocess.run([fctl, "inspect", cap], capture_output=True,
                                                  timeout=SECS, text=True, check=True).stdout.splitlines()]
except (subprocess.SubprocessError, OSError) as e:
    check(False, "the fixtures written and inspected by the core", str(e))
    done()
PORTS = {("tcp", 1270): "mom", ("udp", 1270): "mom", ("tcp", 5060): "sip",
         ("udp", 5060): "sip", ("tcp", 5061): "sip-tls"}


def expected(c, blocked=None):
    if blocked is not None and c.get("src") == blocked:
        return "drop"
    if c["class"] in ("mom", "sip", "sip-tls"):
        return "redirect"
    if c["class"] == "malformed" and "dport" in c:
        pc = PORTS.get((c["l4"], c["dport"])) or PORTS.get((c["l4"], c["sport"]))
        if pc:
            return "redirect"
    return "pass"


hung = []   # after one overrun the later runs fail at once: all fit the limit


def run(extra):
    cmd = [fctl, "xdp", "test"] + extra + [cap]
    if hung:
        return subprocess.CompletedProcess(cmd, 124, "", f"not run: {hung[0]}"), []
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=SECS)
    except subprocess.TimeoutExpired:
        hung.append(f"{' '.join(cmd[1:])} timed out after {SECS} s")
        return subprocess.CompletedProcess(cmd, 124, "", hung[0]), []
    return r, [json.loads(x) for x in r.stdout.splitlines()]


for blocked in (None, "198.18.0.1"):
    r, xdp = run(["--block", blocked] if blocked else [])
    tag = f" with {blocked} blocked" if blocked else ""
    check(r.returncode == 0 and len(xdp) == len(core),
          f"xdp test runs every fixture{tag} ({len(core)})", r.stderr[-300:])
    if len(xdp) != len(core):
        continue
    ran = [(n, c, x) for n, c, x in zip(names, core, xdp) if x["action"] != "none"]
    notrun = [n for n, c, x in zip(names, core, xdp) if x["action"] == "none"]
    bad = [f"{n}: core {c['class']}/{c.get('reason', 'ok')} -> want {expected(c, blocked)}, "
           f"xdp {x['action']} ({x['reason']})"
           for n, c, x in ran if x["action"] != expected(c, blocked)]
    check(not bad, f"XDP agrees with the core on {len(ran)} of {len(ran)} fixtures{tag}",
          "\n".join(bad[:20]))
    check(all(c["len"] < 14 for n, c, x in zip(names, core, xdp) if x["action"] == "none"),
          f"the {len(notrun)} fixtures not run are shorter than an Ethernet header",
          ", ".join(notrun))
    if blocked is None:
        kinds = {x["reason"] for _, _, x in ran}
        check({"redirect-mom", "redirect-sip", "redirect-sip-tls", "pass-other",
               "pass-malformed", "pass-frag", "pass-not-ip"} <= kinds,
              "the fixtures cover every pass and redirect reason", str(sorted(kinds)))
    else:
        check(sum(x["action"] == "drop" for _, _, x in ran) ==
              sum(c.get("src") == blocked for _, c, _ in ran) > 0,
              "every packet from the blocked source is dropped, nothing else")
# protected prefixes: to the fixtures' server the same redirects; to
# another prefix every redirect becomes pass-dst
every_dst = sorted({c["dst"] for c in core if "dst" in c})
r1, x1 = run([a for d in every_dst for a in ("--protect", d)])
r2, x2 = run(["--protect", "203.0.113.0/24"])
base = run([])[1]
check(r1.returncode == 0 and [a["action"] for a in x1] == [a["action"] for a in base],
      f"--protect with every destination of the fixtures ({len(every_dst)}) changes nothing")
moved = [(b, o) for b, o in zip(base, x2) if b["action"] != o["action"]]
check(r2.returncode == 0 and moved and all(b["action"] == "redirect" and o["action"] == "pass" and
                                           o["reason"] == "pass-dst" for b, o in moved) and
      sum(b["action"] == "redirect" for b in base) == len(moved),
      f"--protect with another prefix: all {len(moved)} redirects become pass-dst, nothing else moves")
done()
