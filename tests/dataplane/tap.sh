# SPDX-License-Identifier: BSD-3-Clause
# TAP for the data plane's shell tests: source it, call ok/nok/check/okif,
# end with tap_done (prints the plan, exits 1 if anything failed).
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "  # $l"; done; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what" "failed: $*"; fi; }
# okif WHAT [DETAIL...]: ok if the command just before succeeded (a
# compound condition, e.g. [ "$rc" -eq 1 ] && grep -q ... <<<"$err")
okif() { if [ $? -eq 0 ]; then ok "$1"; else nok "$@"; fi; }
tap_done() { echo "1..$n"; [ "$fails" -eq 0 ]; }
