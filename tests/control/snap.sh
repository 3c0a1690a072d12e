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
	d=() dms=0 drx=0
	_settled() {
		read -ra s < <(snap pass)
		[ "${#s[@]}" -eq 3 ] && [ "${s[0]}" -gt "$t" ] || return 1
		[ -n "$rx0" ] || rx0=${s[1]}
		[ "${s[1]}" -ge $((rx0 + 1000)) ]
	}
	wait_until 20 _settled
}
