#!/usr/bin/env bash
# Simulated OCS datapath: ports in namespaces carry ping and TCP (iperf3)
# only through a circuit; without one frames are dropped and counted;
# re-pointing the circuit moves the traffic to a third namespace; port
# stats count both ends; jumbo MTU 9000 works.
. "$(dirname "$0")/../lib/assert.sh"
load_module sim_ports=4 sim_switch_delay_us=5000
PING="busybox ping"

mkns ocsa; mkns ocsb; mkns ocsc
setup() {	# setup NS PORT ADDR
	ip link set ocs0p$2 netns $1 || fail "move ocs0p$2 to $1"
	ip -n $1 addr add $3/24 dev ocs0p$2
	ip -n $1 link set ocs0p$2 up
}
setup ocsa 0 198.18.0.1
setup ocsb 1 198.18.0.2
setup ocsc 2 198.18.0.3
stat() { ip netns exec "$1" cat /sys/class/net/$2/$3; }

# No circuit: no carrier, no traffic.
assert_eq "$(stat ocsa ocs0p0 carrier)" 0 "carrier of an unconnected port"
assert_fails nsx ocsa $PING -c 2 -W 1 198.18.0.2

# Simplex 1->0: port 0 is lit but sends into nothing.
"$AGENT" ocs connect ocs0 1:0 --simplex --wait > /dev/null || fail "connect --simplex 1:0"
assert_eq "$(stat ocsa ocs0p0 carrier)" 1 "carrier of the RX end of a simplex circuit"
before=$(stat ocsa ocs0p0 ocs/tx_dropped_no_circuit)
assert_fails nsx ocsa $PING -c 2 -W 1 198.18.0.2
after=$(stat ocsa ocs0p0 ocs/tx_dropped_no_circuit)
[ "$after" -gt "$before" ] || fail "tx_dropped_no_circuit did not grow ($before -> $after)"
assert_eq "$(stat ocsb ocs0p1 statistics/rx_packets)" 0 "frames reached port 1 without a circuit"
"$AGENT" ocs clear ocs0 --wait > /dev/null

# Duplex 0<->1: ping and TCP.
"$AGENT" ocs connect ocs0 0:1 --wait > /dev/null || fail "connect 0:1"
assert_eq "$(stat ocsa ocs0p0 carrier)" 1 "carrier of port 0 with a circuit"
assert_eq "$(stat ocsc ocs0p2 carrier)" 0 "carrier of port 2 without one"
nsx ocsa $PING -c 3 -W 2 198.18.0.2 > /dev/null || fail "ping through 0<->1"
assert_fails nsx ocsa $PING -c 1 -W 1 198.18.0.3
nsx ocsb iperf3 -s -1 -D -B 198.18.0.2 || fail "iperf3 server"
wait_for 10 nsx ocsb ss -ltn sport = :5201 || fail "iperf3 server did not listen"
nsx ocsa iperf3 -c 198.18.0.2 -n 20M -J > /tmp/ocs-iperf.json || fail "iperf3 through 0<->1"
# The client's count: iperf3's server-side total can miss the tail that is
# in flight at the end-of-test message; delivery is checked on the ports.
got=$(jq '.end.sum_sent.bytes' /tmp/ocs-iperf.json)
[ "$got" -ge $((20 * 1024 * 1024)) ] || fail "iperf3 sent only $got bytes"
tx=$(stat ocsa ocs0p0 statistics/tx_bytes); rx=$(stat ocsb ocs0p1 statistics/rx_bytes)
[ "$rx" -ge $((20 * 1024 * 1024)) ] || fail "port 1 rx_bytes $rx"
# Compare once late frames (FIN handshake, delayed ACKs) have settled.
ports_agree() {
	local t1 tb r rb t2
	t1=$(stat ocsa ocs0p0 statistics/tx_packets); tb=$(stat ocsa ocs0p0 statistics/tx_bytes)
	r=$(stat ocsb ocs0p1 statistics/rx_packets); rb=$(stat ocsb ocs0p1 statistics/rx_bytes)
	t2=$(stat ocsa ocs0p0 statistics/tx_packets)
	[ "$t1" = "$t2" ] && [ "$r" = "$t1" ] && [ "$rb" = "$tb" ]
}
wait_for 10 ports_agree || fail "port 1 did not receive every packet/byte port 0 sent:" \
	"tx $(stat ocsa ocs0p0 statistics/tx_packets)/$(stat ocsa ocs0p0 statistics/tx_bytes)" \
	"rx $(stat ocsb ocs0p1 statistics/rx_packets)/$(stat ocsb ocs0p1 statistics/rx_bytes)"

# Re-point port 0 to port 2: traffic now reaches ocsc, not ocsb.
"$AGENT" ocs apply ocs0 0:2 --wait > /dev/null || fail "apply 0:2"
assert_eq "$(stat ocsb ocs0p1 carrier)" 0 "carrier of port 1 after it lost its circuit"
nsx ocsa $PING -c 3 -W 2 198.18.0.3 > /dev/null || fail "ping through 0<->2"
assert_fails nsx ocsa $PING -c 1 -W 1 198.18.0.2
nsx ocsc iperf3 -s -1 -D -B 198.18.0.3 || fail "iperf3 server in ocsc"
wait_for 10 nsx ocsc ss -ltn sport = :5201 || fail "iperf3 server in ocsc did not listen"
nsx ocsa iperf3 -c 198.18.0.3 -n 5M > /dev/null || fail "iperf3 through 0<->2"

# Jumbo frames up to 9000.
assert_fails ip -n ocsa link set ocs0p0 mtu 9001
ip -n ocsa link set ocs0p0 mtu 9000 || fail "mtu 9000 on ocs0p0"
ip -n ocsc link set ocs0p2 mtu 9000 || fail "mtu 9000 on ocs0p2"
p0=$(stat ocsc ocs0p2 statistics/rx_packets)
nsx ocsa $PING -c 2 -W 2 -s 8900 198.18.0.3 > /dev/null || fail "ping with 8900-byte payload"
p1=$(stat ocsc ocs0p2 statistics/rx_packets)
[ $((p1 - p0)) -le 4 ] || fail "jumbo pings were fragmented ($((p1 - p0)) packets)"
# A qdisc can be attached like on any NIC.
tc -n ocsa qdisc add dev ocs0p0 root fq_codel || fail "tc qdisc on a port"
nsx ocsa $PING -c 2 -W 2 198.18.0.3 > /dev/null || fail "ping through a port with fq_codel"
exit 0
