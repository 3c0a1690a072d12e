#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The default /etc/floodguard/floodguard.ini from docs/config.md's key
table (which tests/cli checks against floodguard --print-keys): every key
at its default, commented out, under what it does and its unit.
usage: ini.py CONFIG.md OUT"""
import sys
import textwrap


def keys(md):
    """(section, key, unit, default, meaning) of each table row."""
    rows, intable = [], False
    for line in open(md, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("| section | key |"):
            intable = True
            continue
        if intable and not line.startswith("|"):
            break
        if intable and not line.startswith("| ---"):
            # cells are split on " | ": a unit such as domain@prefix|... keeps its bars
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            if len(cells) != 5:
                sys.exit(f"ini.py: {md}: a key row without 5 cells: {line}")
            cells[1] = cells[1].strip("`")
            rows.append(cells)
    if not rows:
        sys.exit(f"ini.py: {md}: no key table")
    return rows


def main():
    rows = keys(sys.argv[1])
    out = ["; floodguard configuration (floodguard.ini(5), docs/config.md).",
           "; Every key is at its default and commented out: uncomment what differs.",
           "; systemctl reload floodguard (or floodctl reload) applies the thresholds;",
           "; sizes, ports and lists need a restart."]
    sec = None
    for s, k, unit, default, meaning in rows:
        if s != sec:
            out += ["", f"[{s}]"]
            sec = s
        what = meaning + (f" ({unit})" if unit else "")
        out += textwrap.wrap(what, 74, initial_indent="; ", subsequent_indent="; ")
        out.append(f";{k} = {default}".rstrip())
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


main()
