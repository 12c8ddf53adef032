#!/usr/bin/env bash
# 100k routes on one device: installed one request at a time, dumped
# whole (every entry exactly once, no interruption when nothing changes),
# looked up by the data path (first, middle and last routes carry
# traffic), counted in sysfs; then the device and the module go with all
# of them in place.
. "$(dirname "$0")/../lib/assert.sh"
load_module
. "$(dirname "$0")/netdev-lib.sh"
N=100000

mkhost 1; mkhost 2
ip link add e1 netns mxh1 type veth peer name e2 netns mxh2 || fail "veth"
for i in 1 2; do ip -n mxh$i link set e$i master mixnet0; ip -n mxh$i link set e$i up; done
M2=$(mac mxh2 e2)
nsx mxh2 "$AGENT" route add default dev mixnet0 electrical e2 lladdr "$(mac mxh1 e1)" || fail "default"
# Routes 198.18.16.0 .. 198.19.150.159 (from index 4096).
out=$(nsx mxh1 "$NL" fill mixnet0 e1 "$M2" $N) || fail "fill $N routes: $out"
info "$out"
assert_eq "$(mxstat mxh1 routes)" $N "sysfs routes"
out=$(nsx mxh1 "$NL" count mixnet0) || fail "dump: $out"
info "$out"
assert_eq "$out" "$(echo "$out" | sed -E 's/^routes [0-9]+ interrupted [0-9]+/routes '$N' interrupted 0/')" \
	"a dump of $N routes in a table nobody changes"
# Every entry exactly once: the peers of the JSON listing are all distinct.
nsx mxh1 "$AGENT" route show dev mixnet0 --json > /tmp/netdev-100k.json || fail "route show of $N routes"
assert_eq "$(jq 'map(.peer) | unique | length' /tmp/netdev-100k.json)" $N "distinct peers listed"
rm -f /tmp/netdev-100k.json

# The data path finds the first, a middle and the last route.
ip -n mxh1 route add 198.18.0.0/15 dev mixnet0 || fail "kernel route to the fabric"
for idx in 4096 54096 $((4096 + N - 1)); do
	addr=198.$((18 + idx / 65536)).$(((idx / 256) % 256)).$((idx % 256))
	ip -n mxh2 addr add "$addr/32" dev mixnet0 || fail "address $addr on mxh2"
	e0=$(mxstat mxh1 tx_electrical_packets)
	nsx mxh1 $PING -c 1 -W 2 "$addr" > /dev/null || fail "ping $addr through its route among $N"
	assert_eq "$(($(mxstat mxh1 tx_electrical_packets) - e0))" 1 "packets to $addr"
done
assert_eq "$(mxstat mxh1 tx_dropped_noroute)" 0 "noroute drops"

# Deleting a device with 100k routes, then unloading with 100k more.
t0=$(date +%s%N)
ip -n mxh1 link del mixnet0 || fail "delete a device with $N routes"
info "deleting the device took $((($(date +%s%N) - t0) / 1000000)) ms"
nsx mxh2 "$NL" fill mixnet0 e2 "$(mac mxh1 e1)" $N > /dev/null || fail "fill mxh2"
t0=$(date +%s%N)
rmmod mixnet || fail "rmmod with $N routes"
info "unloading with $N routes took $((($(date +%s%N) - t0) / 1000000)) ms"
exit 0
