# SPDX-License-Identifier: BSD-3-Clause
# The control suites' reads of the published counters (ctl.sh, reload.sh):
# source it after tap.sh, with $fc (floodctl) and $inst (the instance) set.

# snap REASON...: the counters as last published, one line: the publish
# time in ms (CLOCK_REALTIME, the clock of now_us), packets received, then
# per REASON its verdict counter (a+b: the sum of a and b)
snap() {
	"$fc" stats --json -i "$inst" 2>/dev/null | jq -r '[(.unix_ns / 1000000 | floor), .rx] +
		[$ARGS.positional[] as $r | [.verdicts[($r / "+")[]]] | add] |
		map(tostring) | join(" ")' --args "$@"
}

# settle T_US: wait (at most 20 s) for a snapshot published after T_US
# (now_us) and then for 1,000 more packets received: what is decided from
# then on was decided after T_US. Returns 1 if that did not happen (and
# clears what window sets, so that no test reads an earlier window's).
settle() {
	local t=$(($1 / 1000)) s rx0=
	d=() dr= dms=0 drx=0
	_settled() {
		read -ra s < <(snap pass)
		[ "${#s[@]}" -eq 3 ] && [ "${s[0]}" -gt "$t" ] || return 1
		[ -n "$rx0" ] || rx0=${s[1]}
		[ "${s[1]}" -ge $((rx0 + 1000)) ]
	}
	wait_until 20 _settled
}

# window rx|ms AMOUNT REASON...: from the snapshot now to the first one
# with AMOUNT more packets received (rx) or AMOUNT ms later by the data
# plane's clock (ms), at most 30 s. Sets d[i] (REASON i's growth, from 0),
# dr (the first REASON's), dms and drx; returns 1 (d empty) if no such
# snapshot came. A read that fails (a publish in progress, a busy host)
# is asked again, the first one too.
window() {
	local by=$1 want=$2 a b i
	shift 2
	d=() dr='' dms=0 drx=0
	_first() { read -ra a < <(snap "$@") && [ "${#a[@]}" -eq $(($# + 2)) ]; }
	wait_until 10 _first "$@" || return 1
	_grown() {
		read -ra b < <(snap "$@")
		[ "${#b[@]}" -eq $(($# + 2)) ] || return 1
		if [ "$by" = rx ]; then [ "${b[1]}" -ge $((a[1] + want)) ]
		else [ "${b[0]}" -ge $((a[0] + want)) ]; fi
	}
	wait_until 30 _grown "$@" || return 1
	dms=$((b[0] - a[0])) drx=$((b[1] - a[1]))
	for ((i = 0; i < $#; i++)); do d+=($((b[i + 2] - a[i + 2]))); done
	dr=${d[0]}
}
