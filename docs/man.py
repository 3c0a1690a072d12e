#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A man page from one of docs/*.md, so that the page and the reference
are one text: headings, paragraphs, lists, code blocks, tables (a row an
item) and inline code, bold and links of the Markdown these pages use.
usage: man.py IN.md OUT NAME SECTION 'one-line description' VERSION"""
import re
import sys


def esc(t):
    t = t.replace("\\", "\\e")
    t = t.replace("-", "\\-")
    return t


def inline(t):
    out, pos = [], 0
    for m in re.finditer(r"`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\([^)]+\)", t):
        out.append(esc(t[pos:m.start()]))
        if m.group(1) is not None:
            out.append("\\fB" + esc(m.group(1)) + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fB" + esc(m.group(2)) + "\\fR")
        elif m.group(3) is not None:
            out.append("\\fI" + esc(m.group(3)) + "\\fR")
        else:
            out.append(esc(m.group(4)))
        pos = m.end()
    out.append(esc(t[pos:]))
    return "".join(out)


def text(t):
    """A line of running text: never one groff reads as a request."""
    t = inline(t)
    return "\\&" + t if t.startswith((".", "'")) else t


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split(" | ")]


def table(rows, out):
    head, body = cells(rows[0]), [cells(r) for r in rows[2:]]
    for r in body:
        if head[:2] == ["section", "key"] and len(r) == 5:
            out.append(".TP")
            out.append(text(f"**[{r[0]}] {r[1].strip('`')}**"))
            unit = f"{r[2]}; " if r[2] else ""
            dflt = f"default {r[3]}" if r[3] else "default empty"
            out.append(text(f"{unit}{dflt}. {r[4]}"))
            continue
        out.append(".TP")
        out.append(text(r[0] if r[0].startswith("`") else f"**{r[0]}**"))
        out.append(text("; ".join(f"{h}: {c}" if h else c
                                  for h, c in zip(head[1:], r[1:]) if c)))


def convert(md, name, sec, desc, version):
    out = [f'.TH {name.upper()} {sec} "" "floodguard {version}" "floodguard"',
           ".SH NAME", f"{esc(name)} \\- {esc(desc)}"]
    lines = open(md, encoding="utf-8").read().split("\n")
    i, para = 0, []

    def flush():
        if para:
            out.append(".PP")
            out.append(text(" ".join(para)))
            para.clear()

    while i < len(lines):
        ln = lines[i]
        if ln.startswith("```"):
            flush()
            out += [".PP", ".EX"]
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append("\\&" + esc(lines[i]))
                i += 1
            out.append(".EE")
        elif ln.startswith("# "):
            flush()
        elif ln.startswith("## "):
            flush()
            out.append(".SH " + esc(ln[3:].upper()))
        elif ln.startswith("### "):
            flush()
            out.append(".SS " + esc(ln[4:]))
        elif ln.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            table(rows, out)
            continue
        elif re.match(r"^(- |\d+\. )", ln):
            flush()
            item = [re.sub(r"^(- |\d+\. )", "", ln)]
            while i + 1 < len(lines) and lines[i + 1].startswith("  ") and lines[i + 1].strip():
                i += 1
                item.append(lines[i].strip())
            out += [".IP \\(bu 2", text(" ".join(item))]
        elif not ln.strip():
            flush()
        else:
            para.append(ln.strip())
        i += 1
    flush()
    return "\n".join(out) + "\n"


def main():
    md, dst, name, sec, desc, version = sys.argv[1:7]
    with open(dst, "w", encoding="utf-8") as f:
        f.write(convert(md, name, sec, desc, version))


main()
