#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Flake census: N fresh clones of this repository's HEAD in a row, each
# running `bash .ci/run` as CI does (CI=true, no stdin), and a table of
# every suite's passes, failures and seconds per run. One run (the last,
# by default) has a pinned busy loop keeping a CPU busy throughout, as a
# noisy neighbour would. Needs root, like .ci/run.
#   usage: scripts/flake-census.sh [N]     (default 5)
#   FG_CENSUS_HOG   RUN:CPU[,RUN:CPU...] runs with a busy loop pinned to
#                   CPU (default N:1, the last run with CPU 1 busy)
#   FG_CENSUS_DIR   where the clones, logs and table go (default a temp dir)
# Prints the table (markdown) and writes it to DIR/census.md; exits 1 if
# any run failed.
set -uo pipefail
n=${1:-5}
case $n in '' | *[!0-9]* | 0)
	echo "flake-census: N: a number of runs, 1 or more (got '$n')" >&2
	exit 2
	;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
hog=${FG_CENSUS_HOG:-$n:1}
dir=${FG_CENSUS_DIR:-$(mktemp -d /tmp/floodguard-census.XXXXXX)}
mkdir -p "$dir"
head=$(git -C "$root" rev-parse --short=12 HEAD) || exit 1
hogpid=
trap '[ -n "$hogpid" ] && kill "$hogpid" 2>/dev/null' EXIT
echo "census: $n runs of .ci/run on fresh clones of $head in $dir; busy: $hog"

for i in $(seq "$n"); do
	rm -rf "$dir/run$i"
	# the commit recorded above, whatever lands on the branch meanwhile
	git clone -q "$root" "$dir/run$i" && git -C "$dir/run$i" checkout -q "$head" || exit 1
	cpu=$(tr ',' '\n' <<<"$hog" | sed -n "s/^$i:\([0-9]*\)$/\1/p")
	if [ -n "$cpu" ]; then
		taskset -c "$cpu" sh -c 'while :; do :; done' &
		hogpid=$!
		echo "$cpu" >"$dir/run$i.busy"
	fi
	t0=$SECONDS
	(cd "$dir/run$i" && CI=true bash .ci/run </dev/null) >"$dir/run$i.log" 2>&1
	echo "$? $((SECONDS - t0))" >"$dir/run$i.rc"
	[ -n "$hogpid" ] && kill "$hogpid" 2>/dev/null && wait "$hogpid" 2>/dev/null
	hogpid=
	echo "census: run $i: $(tail -1 "$dir/run$i.log") in $((SECONDS - t0)) s (exit $(cut -d' ' -f1 "$dir/run$i.rc"))"
	# each clone's four build trees take ~1.5 GB: keep the logs only
	rm -rf "$dir/run$i"
done

/usr/bin/python3 - "$dir" "$n" "$head" <<'PY' | tee "$dir/census.md"
import os, re, sys
d, n, head = sys.argv[1], int(sys.argv[2]), sys.argv[3]
line = re.compile(r"^(\S+)\s+(\d+) passed, (\d+) failed\s+(\d+) s")
suites, runs = [], []
for i in range(1, n + 1):
    res = {}
    text = open(f"{d}/run{i}.log", errors="replace").read().splitlines()
    for l in text:
        m = line.match(l)
        if m:
            name = m.group(1)
            if name not in suites:
                suites.append(name)
            res[name] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    rc, secs = open(f"{d}/run{i}.rc").read().split()
    busy = open(f"{d}/run{i}.busy").read().strip() if os.path.exists(f"{d}/run{i}.busy") else ""
    runs.append((res, text[-1] if text else "(no output)", int(rc), int(secs), busy))
hdr = [f"run {i + 1}" + (f" (CPU {r[4]} busy)" if r[4] else "") for i, r in enumerate(runs)]
print(f"Flake census of {head}: {n} fresh clones, `bash .ci/run` each; cells are passed/failed (seconds).\n")
print("| suite | " + " | ".join(hdr) + " |")
print("| --- |" + " --- |" * n)
for s in suites:
    cells = []
    for res, *_ in runs:
        p, f, t = res.get(s, (0, 1, 0))
        cells.append(f"{p}/{f} ({t})" + (" **FAIL**" if f else "") if s in res else "missing")
    print(f"| {s} | " + " | ".join(cells) + " |")
print("| **total** | " + " | ".join(f"{r[1]} ({r[3]} s, exit {r[2]})" for r in runs) + " |")
bad = [i + 1 for i, r in enumerate(runs) if r[2] != 0]
print(f"\n{n - len(bad)} of {n} runs green" + (f"; failed: runs {bad}" if bad else ""))
sys.exit(1 if bad else 0)
PY
