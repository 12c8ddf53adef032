#!/usr/bin/env bash
# A route dump that an unprivileged reader starts and leaves half-read
# pins nothing: `ip link del mixnet0` returns at once, the rest of the
# dump ends with ENODEV, and once the reader finishes (or just closes its
# socket) the dump's references are gone (the module's use count is back).
. "$(dirname "$0")/../lib/assert.sh"
load_module
. "$(dirname "$0")/netdev-lib.sh"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
NROUTES=300
GO=/tmp/netdev-dump-pin.go
OUT=/tmp/netdev-dump-pin.out
on_exit "rm -f $GO $OUT"

mkns mxh1
ip -n mxh1 link add e1 type veth peer name e2 || fail "veth e1"
ip -n mxh1 link set e1 up
# newdev: a fresh mixnet0 holding NROUTES routes
newdev() {
	ip -n mxh1 link add mixnet0 type mixnet || fail "create mixnet0"
	ip -n mxh1 link set e1 master mixnet0 || fail "enslave e1"
	ip -n mxh1 link set mixnet0 up
	nsx mxh1 "$NL" fill mixnet0 e1 02:00:00:00:00:02 $NROUTES > /dev/null || fail "fill $NROUTES routes"
}
# hold: an unprivileged route dump of mixnet0, paused after its first part (pid in $RPID)
RPID=
hold() {
	rm -f "$GO" "$OUT"
	# Not through nsx (a function: $! would be a subshell): $! is the reader.
	ip netns exec mxh1 $NOBODY "$NL" hold route mixnet0 "$GO" > "$OUT" 2>&1 &
	RPID=$!
	wait_for 10 grep -q "^paused" "$OUT" || fail "the dump did not start: $(cat "$OUT")"
	local first
	first=$(awk '/^paused/ { print $2 }' "$OUT")
	assert_ge "$first" 1 "routes in the first part"
	assert_le "$first" $((NROUTES - 1)) "routes in the first part (the dump must be left half-read)"
}
# A pinned device would block the namespace's deletion forever: let the reader go.
on_exit 'touch $GO; [ -n "$RPID" ] && kill $RPID'
refs0=$(cat /sys/module/mixnet/refcnt)

# ---- undisturbed, the dump delivers every route ----------------------------------------
newdev
hold
touch "$GO"
wait "$RPID" || fail "reader: $(cat "$OUT")"
assert_eq "$(tail -1 "$OUT")" "done $NROUTES intr 0 errno 0" "an undisturbed dump"

# ---- the device goes while a dump is half-read ------------------------------------------
hold
assert_ge "$(cat /sys/module/mixnet/refcnt)" $((refs0 + 1)) "module use count with a dump open"
ip -n mxh1 link del mixnet0 &
dpid=$!
wait_until 30 '! kill -0 $dpid 2> /dev/null' ||
	fail "ip link del mixnet0 is blocked by a half-read dump: $(dmesg | grep -i 'waiting for' | tail -1)"
wait $dpid || fail "ip link del mixnet0 failed"
touch "$GO"
wait "$RPID" || fail "reader after the device went: $(cat "$OUT")"
read -r _ n _ _ _ err <<< "$(tail -1 "$OUT")"
assert_eq "$err" 19 "error ending a dump whose device went (ENODEV)"
assert_le "$n" $NROUTES "routes dumped"
wait_until 10 'test "$(cat /sys/module/mixnet/refcnt)" = "$refs0"' ||
	fail "module use count after the dump ended: $(cat /sys/module/mixnet/refcnt), expected $refs0"

# ---- the reader closes its socket without reading on --------------------------------------
newdev
hold
ip -n mxh1 link del mixnet0 &
dpid=$!
wait_until 30 '! kill -0 $dpid 2> /dev/null' || fail "ip link del mixnet0 blocked (second dump)"
wait $dpid || fail "ip link del mixnet0 failed (second dump)"
kill "$RPID"
wait "$RPID" 2> /dev/null
RPID=
wait_until 10 'test "$(cat /sys/module/mixnet/refcnt)" = "$refs0"' ||
	fail "module use count after the socket closed: $(cat /sys/module/mixnet/refcnt), expected $refs0"

# A new device by the same name has a table of its own.
newdev
assert_eq "$(nsx mxh1 "$NL" count mixnet0 | awk '{ print $2 }')" $NROUTES "routes of the new mixnet0"
dmesg | grep -q "unregister_netdevice: waiting for mixnet0" && fail "a mixnet device waited for its references"
exit 0
