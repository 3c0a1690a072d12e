#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Command lines refused or taken before any data plane runs: floodctl's
# common options (-i/--instance, --json, --timeout) are told apart by
# name, before or after the verb (each case ends at the option check or at
# attaching to an instance that is not there); floodguard names the key
# a limit check fails on. Prints TAP.   usage: options.sh BUILD
set -uo pipefail
fc=$1/control/floodctl fg=$1/dataplane/floodguard
. "$(dirname "$0")/../lib/tap.sh"
none=fgt-opt-none-$$

err=$(timeout 10 "$fc" status --instance=timeout1 2>&1); rc=$?
[ "$rc" -ne 0 ] && ! grep -q -- --timeout <<<"$err" && grep -q timeout1 <<<"$err"
okif "--instance=timeout1 is an instance, not a --timeout" "rc $rc: $err"
err=$(timeout 10 "$fc" status -i timeout1 2>&1); rc=$?
[ "$rc" -ne 0 ] && ! grep -q -- --timeout <<<"$err"
okif "-i timeout1 is an instance, not a --timeout" "rc $rc: $err"
err=$(timeout 10 "$fc" status --timeout=0 -i "$none" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--timeout 0: milliseconds' <<<"$err"
okif "--timeout=0 is refused" "rc $rc: $err"
err=$(timeout 10 "$fc" status --timeout=5 --json --instance="$none" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "$none" <<<"$err" && ! grep -q -- '--timeout' <<<"$err"
okif "--timeout=5 --json --instance=NAME: all three taken" "rc $rc: $err"
err=$(timeout 10 "$fc" status -i 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '-i: needs a value' <<<"$err"
okif "-i without a value is refused" "rc $rc: $err"
err=$(timeout 10 "$fc" status --json=1 -i "$none" 2>&1); rc=$?
[ "$rc" -ne 0 ]
okif "--json takes no value" "rc $rc: $err"
err=$(timeout 10 "$fc" --timeout 5 --json -i "$none" status 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "$none" <<<"$err" && ! grep -q 'unknown command' <<<"$err"
okif "--timeout 5 --json -i NAME before the verb: all three taken" "rc $rc: $err"
err=$(timeout 10 "$fc" --instance="$none" status --timeout=0 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--timeout 0: milliseconds' <<<"$err"
okif "options before and after the verb are checked alike" "rc $rc: $err"
err=$(timeout 10 "$fc" -i "$none" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q 'no command after the options' <<<"$err"
okif "options and no verb: refused, says so" "rc $rc: $err"
err=$(timeout 30 "$fg" --set mom.block_ms=0 2>&1); rc=$?
[ "$rc" -ne 0 ] && grep -q '\[mom\] block_ms: block time' <<<"$err"
okif "a limit check names its key: [mom] block_ms" "rc $rc: ${err##*$'\n'}"
err=$(timeout 30 "$fg" --set sip.block_jitter_pct=51 2>&1); rc=$?
[ "$rc" -ne 0 ] && grep -q '\[sip\] block_jitter_pct: above 50 %' <<<"$err"
okif "jitter above 50 % refused at config load: [sip] block_jitter_pct" "rc $rc: ${err##*$'\n'}"
err=$(timeout 30 "$fg" --set mom.block_max_ms=1000 2>&1); rc=$?
[ "$rc" -ne 0 ] && grep -q '\[mom\] block_max_ms: below block_ms' <<<"$err"
okif "a cap below block_ms refused: [mom] block_max_ms" "rc $rc: ${err##*$'\n'}"
tap_done
