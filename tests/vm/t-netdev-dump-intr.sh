#!/usr/bin/env bash
# Device and port dumps resume by position: one that spans a change of
# what it lists (a device or a lower added or removed between two of its
# parts) ends flagged NLM_F_DUMP_INTR; an undisturbed one, or one that
# only sees a lower change its role, is not flagged and lists everything.
. "$(dirname "$0")/../lib/assert.sh"
load_module
. "$(dirname "$0")/netdev-lib.sh"
NDEVS=80
NLOWERS=60
GO=/tmp/netdev-dump-intr.go
OUT=/tmp/netdev-dump-intr.out
on_exit "rm -f $GO $OUT"

mkns mxd
for i in $(seq 0 $((NDEVS - 1))); do
	ip -n mxd link add "mx$i" type mixnet || fail "create mx$i"
done
for i in $(seq 0 $((NLOWERS - 1))); do
	ip -n mxd link add "d$i" type dummy || fail "dummy d$i"
	ip -n mxd link set "d$i" master mx0 || fail "enslave d$i"
done

# dump KIND DEV 'CHANGE' N: start a KIND dump of N messages, read its
# first part, run CHANGE, read the rest; prints "done MESSAGES intr
# FLAGGED errno E".  (The core makes the next part as the first is read,
# and parts are about 4 KiB: N is large enough for a third.)
RPID=
on_exit 'touch $GO; [ -n "$RPID" ] && kill $RPID'
dump() {
	local first
	rm -f "$GO" "$OUT"
	ip netns exec mxd "$NL" hold "$1" "$2" "$GO" > "$OUT" 2>&1 &	# $! is the reader
	RPID=$!
	wait_for 10 grep -q "^paused" "$OUT" || fail "$1 dump did not start: $(cat "$OUT")"
	first=$(awk '/^paused/ { print $2 }' "$OUT")
	[ "$first" -ge 1 ] && [ "$first" -lt "$4" ] ||
		fail "$1 dump: $first messages in the first part, expected 1..$(($4 - 1))"
	eval "$3" || fail "$1 dump: $3"
	touch "$GO"
	wait "$RPID" || fail "$1 dump reader: $(cat "$OUT")"
	RPID=
	tail -1 "$OUT"
}

assert_eq "$(dump dev - true $NDEVS)" "done $NDEVS intr 0 errno 0" "an undisturbed device dump"
r=$(dump dev - "ip -n mxd link del mx2" $NDEVS)
assert_eq "${r#done * }" "intr 1 errno 0" "a device dump across a device deletion ($r)"
r=$(dump dev - "ip -n mxd link add mxnew type mixnet" $((NDEVS - 1)))
assert_eq "${r#done * }" "intr 1 errno 0" "a device dump across a device creation ($r)"

assert_eq "$(dump port mx0 true $NLOWERS)" "done $NLOWERS intr 0 errno 0" "an undisturbed port dump"
assert_eq "$(dump port mx0 "nsx mxd $AGENT port set d0 role optical" $NLOWERS)" \
	"done $NLOWERS intr 0 errno 0" "a port dump across a role change"
r=$(dump port mx0 "ip -n mxd link set d0 nomaster" $NLOWERS)
assert_eq "${r#done * }" "intr 1 errno 0" "a port dump across a release ($r)"
r=$(dump port - "ip -n mxd link set d0 master mx1" $((NLOWERS - 1)))
assert_eq "${r#done * }" "intr 1 errno 0" "a dump of every port across an enslave ($r)"
exit 0
