#!/usr/bin/env bash
# Tearing things down with traffic flowing, cleanly: an OCS (every optical
# lower) deleted under a TCP transfer that must survive on the electrical
# path; an electrical lower deleted; the mixnet device deleted; a
# namespace deleted; the module unloaded with devices, lowers, routes and
# traffic; and load/unload cycles.  Any WARN, BUG, oops or refcount leak
# in the kernel log fails the vm tier.
. "$(dirname "$0")/../lib/assert.sh"
load_module sim_ports=4 sim_switch_delay_us=5000
. "$(dirname "$0")/netdev-lib.sh"
region_setup 2

# flood NS ADDR: datagrams until killed.
FLOODS=()
flood() { nsx "$1" "$PKT" udp-flood "$2" 9000 2000 > /dev/null 2>&1 & FLOODS+=($!); }
stop_floods() { local p; for p in "${FLOODS[@]}"; do kill "$p" 2> /dev/null; wait "$p" 2> /dev/null; done; FLOODS=(); }
on_exit stop_floods

# ---- the OCS goes away under a TCP transfer on its circuit ---------------------------------
"$AGENT" ocs connect ocs0 0:2 1:3 --wait > /dev/null || fail "connect"
optical_to mxh1 "$(v4 2)" 2 || fail "no optical paths"
nsx mxh2 "$PKT" tcp-recv "$(v4 2)" 7005 120000 > /tmp/netdev-f.log &
rpid=$!
wait_for 10 grep -q listening /tmp/netdev-f.log || fail "receiver"
nsx mxh1 "$PKT" tcp-send "$(v4 2)" 7005 $((24 * 1024 * 1024)) 30 > /tmp/netdev-fs.log &
spid=$!
flood mxh1 "$(v6 2)"; flood mxh2 "$(v4 1)"
sleep 2
o0=$(mxstat mxh1 tx_optical_bytes)
assert_ge "$o0" $((1024 * 1024)) "optical bytes before the OCS went"
echo ocs0 > /sys/class/mixnet_ocs/del || fail "delete ocs0"
assert_eq "$(nsx mxh1 "$AGENT" port show --json | jq -r 'map(.lower) | join(" ")')" e1 "lowers of mxh1 after the OCS went"
assert_eq "$(via mxh1 "$(v4 2)")" electrical "path to $(v4 2) without the OCS"
wait $spid || fail "TCP transfer across the OCS deletion: $(cat /tmp/netdev-fs.log)"
wait $rpid || fail "receiver: $(cat /tmp/netdev-f.log)"
assert_eq "$(tail -1 /tmp/netdev-f.log)" "received $((24 * 1024 * 1024))" "bytes across the OCS deletion"
assert_ge "$(mxstat mxh1 tx_electrical_bytes)" $((1024 * 1024)) "electrical bytes after the OCS went"

# ---- an electrical lower deleted under traffic ----------------------------------------------------
ip -n mxh1 link del e1 || fail "delete e1"
[ -z "$(route_json mxh1 "$(v4 2)")" ] || fail "route via a deleted lower survived"
assert_eq "$(nsx mxh1 "$AGENT" port show --json)" "[]" "lowers of mxh1"
n=$(mxstat mxh1 tx_dropped_noroute)
sleep 0.5
[ "$(mxstat mxh1 tx_dropped_noroute)" -gt "$n" ] || fail "traffic without a route is not counted as noroute"

# ---- the mixnet device deleted under traffic ---------------------------------------------------------
ip -n mxh2 link del mixnet0 || fail "delete mixnet0 of mxh2"
[ -z "$(ip -n mxh2 -j link show e2 | jq -r '.[0].master // empty')" ] || fail "e2 still has a master"
stop_floods

# ---- a namespace deleted with its device, lowers, routes and traffic -----------------------------------
mkhost 3; mkhost 4
ip link add e3 netns mxh3 type veth peer name e4 netns mxh4
for i in 3 4; do ip -n mxh$i link set e$i master mixnet0; ip -n mxh$i link set e$i up; done
nsx mxh3 "$AGENT" route add "$(v4 4)" dev mixnet0 electrical e3 lladdr "$(mac mxh4 e4)" || fail "route"
nsx mxh4 "$AGENT" route add default dev mixnet0 electrical e4 lladdr "$(mac mxh3 e3)" || fail "default"
nsx mxh3 "$NL" fill mixnet0 e3 "$(mac mxh4 e4)" 2000 > /dev/null || fail "fill"
flood mxh3 "$(v4 4)"; flood mxh4 "$(v4 3)"
sleep 1
assert_ge "$(mxstat mxh4 tx_electrical_packets)" 100 "traffic mxh4 -> mxh3"
ip netns del mxh3
sleep 1
stop_floods
ip netns del mxh4

# ---- the module unloaded under traffic -------------------------------------------------------------------
mkhost 5; mkhost 6
ip link add e5 netns mxh5 type veth peer name e6 netns mxh6
ip link add o5 netns mxh5 type veth peer name o6 netns mxh6
for i in 5 6; do
	ip -n mxh$i link set e$i master mixnet0; ip -n mxh$i link set e$i up
	ip -n mxh$i link set o$i master mixnet0
	nsx mxh$i "$AGENT" port set o$i role optical || fail "o$i optical"
	ip -n mxh$i link set o$i up
done
nsx mxh5 "$AGENT" route add "$(v4 6)" dev mixnet0 electrical e5 lladdr "$(mac mxh6 e6)" || fail "route"
nsx mxh6 "$AGENT" route add "$(v4 5)" dev mixnet0 electrical e6 lladdr "$(mac mxh5 e5)" || fail "route"
nsx mxh5 "$NL" fill mixnet0 e5 "$(mac mxh6 e6)" 5000 > /dev/null || fail "fill"
optical_to mxh5 "$(v4 6)" 1 || fail "discovery over o5"
flood mxh5 "$(v4 6)"; flood mxh6 "$(v4 5)"
nsx mxh6 iperf3 -s -1 -D -B "$(v4 6)" || fail "iperf3 server"
wait_for 10 nsx mxh6 ss -ltn sport = :5201 || fail "iperf3 server did not listen"
nsx mxh5 iperf3 -c "$(v4 6)" -t 30 > /dev/null 2>&1 &
ipid=$!
sleep 2
assert_ge "$(mxstat mxh5 tx_optical_packets)" 100 "optical traffic before the unload"
rmmod mixnet || fail "rmmod with devices and traffic"
[ ! -d /sys/module/mixnet ] || fail "module still loaded"
ip -n mxh5 link show mixnet0 > /dev/null 2>&1 && fail "mixnet0 survived the unload"
[ -z "$(ip -n mxh5 -j link show e5 | jq -r '.[0].master // empty')" ] || fail "e5 still has a master"
stop_floods
kill $ipid 2> /dev/null; wait $ipid 2> /dev/null

# ---- load/unload cycles with devices and lowers ---------------------------------------------------------------
for c in $(seq 1 5); do
	insmod "$MIXNET_KO" sim_ports=2 || fail "insmod #$c"
	ip -n mxh5 link add mixnet0 type mixnet || fail "mixnet0 #$c"
	ip -n mxh5 link set e5 master mixnet0 || fail "enslave #$c"
	ip -n mxh5 link set mixnet0 up
	nsx mxh5 "$AGENT" route add default dev mixnet0 electrical e5 lladdr "$(mac mxh6 e6)" || fail "route #$c"
	rmmod mixnet || fail "rmmod #$c"
done
if dmesg | grep -q "unregister_netdevice: waiting"; then fail "a netdev reference leaked"; fi
exit 0
