#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What meson install adds stays in step with the programs: the man pages
# (docs/man.py from docs/*.md) name every configuration key, every
# floodctl command and option, every floodguard option; they render
# without a groff warning; the default floodguard.ini loads to the
# defaults; the completion offers every command. Prints TAP.
#   usage: docs.sh BUILD
set -uo pipefail
b=$1 fg=$1/dataplane/floodguard fc=$1/control/floodctl
. "$(dirname "$0")/../lib/tap.sh"
# a rendered page, one long line a paragraph: no hyphenation, no wrap
render() { MANWIDTH=2000 man -E UTF-8 -l "$1" 2>/dev/null | col -b | tr -s ' '; }
miss() { local page=$1 w; shift; for w; do grep -qF -- "$w" <<<"$page" || echo "$w"; done; }

ini5=$(render "$b/docs/floodguard.ini.5") fc8=$(render "$b/docs/floodctl.8")
fg8=$(render "$b/docs/floodguard.8")
mapfile -t keys < <("$fg" --print-keys | sed -n 's/^| \([a-z-]*\) | `\([a-z_0-9]*\)`.*/[\1] \2/p')
m=$(miss "$ini5" "${keys[@]}")
[ "${#keys[@]}" -gt 50 ] && [ -z "$m" ]
okst $? "floodguard.ini(5) names all ${#keys[@]} keys of --print-keys" "missing: $m"

mapfile -t verbs < <("$fc" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
w=()
for v in "${verbs[@]}"; do
	[ "$v" = help ] && continue
	mapfile -t -O "${#w[@]}" w < <("$fc" help "$v" | grep -oE '(^|[^a-z-])--[a-z][a-z-]*' |
		grep -oE -- '--[a-z-]+' | grep -vx -- '--help' | sort -u)
done
# each command under a heading (flush left): "FLOODCTL STATUS | STATS | TOP"
m=$(miss "$fc8" "${w[@]}"; for v in "${verbs[@]}"; do
	[ "$v" = help ] || grep '^[A-Z]' <<<"$fc8" | grep -qiw -- "$v" || echo "heading: $v"; done)
[ "${#verbs[@]}" -gt 10 ] && [ -z "$m" ]
okst $? "floodctl(8) names all ${#verbs[@]} commands and their options (${#w[@]} words)" \
	"missing: $m"

mapfile -t opts < <("$fg" --help | sed -n '/^options:/,/^$/p' | grep -oE -- '--[a-z][a-z-]*' | sort -u)
m=$(miss "$fg8" "${opts[@]}" SIGHUP "floodctl reload" "/etc/floodguard/floodguard.ini")
[ "${#opts[@]}" -gt 8 ] && [ -z "$m" ]
okst $? "floodguard(8) names all ${#opts[@]} options of --help, SIGHUP, reload, the files" \
	"missing: $m"

warn=
for p in floodguard.ini.5 floodctl.8 floodguard.8; do
	# at 80 columns; long unbreakable words (code lines) may overrun
	w=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$b/docs/$p" 2>&1 >/dev/null |
		grep -v -e 'cannot adjust line' -e "can't break line")
	[ -z "$w" ] || warn="$warn $p: $w"
done
[ -z "$warn" ]
okst $? "the man pages render without a groff warning" "$warn"
head -1 "$b/docs/floodctl.8" | grep -q '^.TH FLOODCTL 8 .*floodguard '"$("$fc" --version | cut -d' ' -f2)"
okst $? "floodctl(8) carries the version" "$(head -1 "$b/docs/floodctl.8")"

a=$("$fg" --config "$b/dist/floodguard.ini" --print-config 2>&1) && [ "$a" = "$("$fg" --print-config)" ] &&
	[ "$(grep -c '^;[a-z_0-9]* = \?' "$b/dist/floodguard.ini")" -eq "${#keys[@]}" ] &&
	! grep -q '^[a-z]' "$b/dist/floodguard.ini"
okst $? "the default floodguard.ini: every key, commented out, loads to the defaults"
bad=$(printf '[mom]\npps = 10\n' | cat "$b/dist/floodguard.ini" - >"$b/dist/t.ini" &&
	"$fg" --config "$b/dist/t.ini" --print-config | grep -A3 '^\[mom\]' | grep -c '^pps = 10$')
rm -f "$b/dist/t.ini"
[ "$bad" = 1 ]
okst $? "a key uncommented in it takes effect ([mom] pps = 10)"

c=$(bash -c '. "$1"; COMP_WORDS=(floodctl ""); COMP_CWORD=1; _floodctl; echo "${COMPREPLY[*]}"' _ \
	"$b/dist/floodctl")
m=$(for v in "${verbs[@]}" --instance --json --timeout; do grep -qw -- "$v" <<<"$c" || echo "$v"; done)
[ -z "$m" ]
okst $? "completion offers every command and the common options" "missing: $m" "$c"
c=$(bash -c '. "$1"; COMP_WORDS=(floodctl stats -i x --t); COMP_CWORD=4; _floodctl; echo "${COMPREPLY[*]}"' _ \
	"$b/dist/floodctl")
[ "$c" = --timeout ]
okst $? "completion after the verb and -i NAME: 'stats -i x --t' gives --timeout" "$c"
tap_done
