#!/usr/bin/env bash
# Lifecycle of simulated OCSes: delete one with its ports in namespaces and
# traffic flowing; unload the module in the same state; a port whose
# namespace dies comes back to the initial namespace like a NIC; an open
# descriptor outlives a deleted OCS and keeps the module loaded.  No
# netdev is left behind (vm-run also fails on "waiting for ... to become
# free" and any splat).
. "$(dirname "$0")/../lib/assert.sh"
ABI=$TOP/build/tests/vm/ocs_abi
C=/sys/class/mixnet_ocs
nets0=$(ls /sys/class/net | sort)

traffic_up() {	# two namespaces on ports 0 and 1 of ocs0, TCP and ping running
	mkns ocsa; mkns ocsb
	ip link set ocs0p0 netns ocsa || fail "move ocs0p0"
	ip link set ocs0p1 netns ocsb || fail "move ocs0p1"
	ip -n ocsa addr add 198.18.2.1/24 dev ocs0p0; ip -n ocsa link set ocs0p0 up
	ip -n ocsb addr add 198.18.2.2/24 dev ocs0p1; ip -n ocsb link set ocs0p1 up
	"$AGENT" ocs connect ocs0 0:1 --wait > /dev/null || fail "connect 0:1"
	nsx ocsb iperf3 -s -D -B 198.18.2.2 || fail "iperf3 server"
	wait_for 10 nsx ocsb ss -ltn sport = :5201 || fail "iperf3 server did not listen"
	nsx ocsa iperf3 -c 198.18.2.2 -t 30 > /dev/null 2>&1 &
	client=$!
	on_exit "kill $client"
	nsx ocsa busybox ping -i 0.01 198.18.2.2 > /dev/null 2>&1 &
	pinger=$!
	on_exit "kill $pinger"
	# Wait until TCP data really flows through the circuit.
	local rx0 rx1
	rx0=$(nsx ocsb cat /sys/class/net/ocs0p1/statistics/rx_bytes)
	wait_for 20 bash -c "[ \$(ip netns exec ocsb cat /sys/class/net/ocs0p1/statistics/rx_bytes) -gt $((rx0 + 5000000)) ]" ||
		fail "no traffic through the circuit"
}
no_ports_left() {
	local ns
	for ns in "" ocsa ocsb; do
		if [ -n "$ns" ] && ! ip netns list | grep -qw $ns; then continue; fi
		if ${ns:+ip netns exec $ns} ls /sys/class/net | grep -q '^ocs0p'; then
			fail "port netdevs left${ns:+ in $ns}: $(${ns:+ip netns exec $ns} ls /sys/class/net | grep '^ocs')"
		fi
	done
}

# 1. sysfs del with ports in namespaces and traffic flowing.
load_module sim_ports=4 sim_switch_delay_us=2000
traffic_up
echo ocs0 > $C/del || fail "del ocs0 with traffic"
[ ! -e $C/ocs0 ] && [ ! -e /dev/mixnet/ocs0 ] || fail "ocs0 still present after del"
no_ports_left
kill $client $pinger 2>/dev/null; wait $client $pinger 2>/dev/null
ip netns del ocsa; ip netns del ocsb

# 2. A port whose namespace dies comes home, renamed if it must be.
echo 4 > $C/new_sim || fail "new_sim 4"
mkns ocsd
ip link set ocs0p2 netns ocsd || fail "move ocs0p2"
ip netns del ocsd
wait_for 20 test -e /sys/class/net/ocs0p2 || fail "ocs0p2 did not come back to the initial namespace"
"$AGENT" ocs connect ocs0 2:3 --wait > /dev/null || fail "connect 2:3 after the namespace died"

# 3. An open descriptor outlives the OCS, and holds the module.
exec 3<>/dev/mixnet/ocs0
assert_fails rmmod mixnet
echo ocs0 > $C/del || fail "del ocs0 with an open descriptor"
out=$("$ABI" --fd 3 info)
assert_eq "$out" "No such device" "INFO on a deleted OCS"
assert_eq "$(timeout 5 head -c 48 <&3 | wc -c)" 0 "read on a deleted OCS (end of file)"
exec 3>&-

# 4. Module unload with ports in namespaces and traffic flowing.
echo 4 > $C/new_sim || fail "new_sim 4 again"
traffic_up
rmmod mixnet || fail "rmmod with traffic flowing"
no_ports_left
kill $client $pinger 2>/dev/null; wait $client $pinger 2>/dev/null
ip netns del ocsa; ip netns del ocsb
assert_eq "$(ls /sys/class/net | sort)" "$nets0" "netdevs after unload"

# 5. Load/unload with a 256-port OCS, ten times.
for i in 1 2 3; do
	insmod "$MIXNET_KO" sim_ports=256 || fail "insmod sim_ports=256 #$i"
	assert_eq "$(ls /sys/class/net | grep -c '^ocs0p')" 256 "ports of a 256-port OCS"
	rmmod mixnet || fail "rmmod #$i"
done
assert_eq "$(ls /sys/class/net | sort)" "$nets0" "netdevs after the load loop"
exit 0
