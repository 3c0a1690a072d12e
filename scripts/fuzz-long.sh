#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fuzz the L2-L4 and SIP parsers for longer than CI does.
# Usage: scripts/fuzz-long.sh [MINUTES_PER_TARGET] (default 30; "0.5" works)
# Sets up and builds build-fuzz when missing (command in tests/fuzz/meson.build).
# Uses every core (-fork=nproc, or FG_FUZZ_JOBS); keeps the corpus in $FG_FUZZ_CORPUS
# (default /var/tmp/floodguard-fuzz) so runs build on each other; crash
# inputs go to $FG_FUZZ_ARTIFACTS (default /tmp/floodguard-fuzz-artifacts).
set -euo pipefail
cd "$(dirname "$0")/.."
min=${1:-30}
secs=$(awk -v m="$min" 'BEGIN { s = int(m * 60); print (s > 0 ? s : 1) }')
jobs=${FG_FUZZ_JOBS:-$(nproc)}
corpus=${FG_FUZZ_CORPUS:-/var/tmp/floodguard-fuzz}
art=${FG_FUZZ_ARTIFACTS:-/tmp/floodguard-fuzz-artifacts}
mkdir -p "$corpus" "$art"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-fuzz tests/fuzz/fuzz-l2l4 tests/fuzz/fuzz-sip tests/fuzz/fuzz-seeds
build-fuzz/tests/fuzz/fuzz-seeds "$corpus/seed"

crashes=0 cpu_s=0
for t in l2l4 sip; do
	mkdir -p "$corpus/$t"
	before=$(find "$art" -name "$t-*" ! -name "*.log" | wc -l)
	log=$art/$t-last.log
	echo "fuzz-$t: ${secs}s x $jobs processes, log $log"
	start=$(date +%s)
	# -fork: a crash stops the run (the input is in $art); exit status is
	# judged from the artifacts below.
	build-fuzz/tests/fuzz/fuzz-$t -fork="$jobs" -max_total_time="$secs" \
		-max_len=2048 -timeout=5 -rss_limit_mb=2048 \
		-artifact_prefix="$art/$t-" "$corpus/$t" "$corpus/seed/$t" \
		tests/fuzz/corpus/$t >"$log" 2>&1 || true
	el=$(( $(date +%s) - start ))
	cpu_s=$((cpu_s + el * jobs))
	grep -E '^#[0-9]+: cov' "$log" | tail -1 | sed 's/^/  /' || true
	grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/  /' || true
	after=$(find "$art" -name "$t-*" ! -name "*.log" | wc -l)
	crashes=$((crashes + after - before))
done
echo "fuzzed $((cpu_s / 60)) CPU-minutes ($jobs processes), $crashes new crash inputs in $art"
[ "$crashes" -eq 0 ]
