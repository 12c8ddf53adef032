#!/usr/bin/env bash
# Unloading the module deletes every mixnet device while the generic
# netlink family is still there: a listener hears every route go.
. "$(dirname "$0")/../lib/assert.sh"
load_module
. "$(dirname "$0")/netdev-lib.sh"
OUT=/tmp/netdev-unload.out
on_exit "rm -f $OUT"

mkhost 1
ip -n mxh1 link add e1 type veth peer name e2 || fail "veth e1"
ip -n mxh1 link set e1 master mixnet0 || fail "enslave e1"
ip -n mxh1 link set e1 up
for p in "$(v4 2)" "$(v6 2)" "$(v4 3)"; do
	nsx mxh1 "$AGENT" route add "$p" dev mixnet0 electrical e1 lladdr 02:00:00:00:00:02 ||
		fail "route add $p"
done
nsx mxh1 "$NL" watch mixnet0 3 30000 > "$OUT" &
wpid=$!
wait_for 10 grep -q ready "$OUT" || fail "listener"
rmmod mixnet || fail "rmmod mixnet"
wait $wpid || fail "route events heard at unload: $(grep -vc ready "$OUT") of 3: $(cat "$OUT")"
for p in "$(v4 2)" "$(v6 2)" "$(v4 3)"; do
	grep -qx "route $p deleted" "$OUT" || fail "no deletion event for $p: $(cat "$OUT")"
done
exit 0
