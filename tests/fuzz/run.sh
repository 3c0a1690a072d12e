#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run each libFuzzer target for SECONDS; TAP out; nonzero exit on a crash.
# Builds nothing: BUILD_DIR (default build-fuzz) must be configured as in
# tests/fuzz/meson.build and built. Each target starts from a fresh copy of
# tests/fuzz/corpus/<target> plus the fixture table (fuzz-seeds); crash
# inputs go to a temp dir (never the tree), kept and named when one is found.
# A fuzzer still running 2 x SECONDS + 60 s after its start (libFuzzer's
# own -max_total_time missed: a hang outside its per-input -timeout) is
# ended and fails.
# Usage: tests/fuzz/run.sh SECONDS [BUILD_DIR]
set -uo pipefail
secs=${1:?usage: run.sh SECONDS [BUILD_DIR]}
build=${2:-build-fuzz}
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/fg-fuzz-run.XXXXXX)
art=$(mktemp -d /tmp/fg-fuzz-crash.XXXXXX)
trap 'rm -rf "$work"; rmdir "$art" 2>/dev/null' EXIT
# UBSan findings abort (the build also uses -fno-sanitize-recover=all).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
. "$src/../lib/tap.sh"

for t in l2l4 sip; do
	if [ ! -x "$build/tests/fuzz/fuzz-$t" ]; then
		echo "Bail out! $build/tests/fuzz/fuzz-$t not built"
		exit 2
	fi
done
if [ -x "$build/tests/fuzz/fuzz-seeds" ]; then
	timeout 60 "$build/tests/fuzz/fuzz-seeds" "$work/seed" >/dev/null ||
		echo "# fuzz-seeds failed: shipped corpus only"
fi

for t in l2l4 sip; do
	corpus=$work/corpus-$t
	mkdir -p "$corpus"
	cp "$src/corpus/$t/"* "$corpus/" 2>/dev/null
	cp "$work/seed/$t/"* "$corpus/" 2>/dev/null
	log=$work/$t.log
	start=$(date +%s)
	timeout -k 10 $((secs * 2 + 60)) "$build/tests/fuzz/fuzz-$t" \
		-max_total_time="$secs" -max_len=2048 \
		-timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/$t-" "$corpus" >"$log" 2>&1
	rc=$?
	el=$(( $(date +%s) - start ))
	runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -1)
	if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
		ok "fuzz-$t ${runs:-?} runs in ${el} s, ${cov:-cov: ?}, 0 crashes"
	else
		over=
		[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && over=" (ended at its bound)"
		nok "fuzz-$t exit $rc$over after ${runs:-?} runs in ${el} s, crash input ${crash:-(none written)}"
		grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$log" |
			head -12 | sed 's/^/# /'
		cp "$log" "$art/$t.log"
		echo "# log: $art/$t.log; replay: $build/tests/fuzz/fuzz-$t ${crash:-FILE}"
	fi
done
tap_done
