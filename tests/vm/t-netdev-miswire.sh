#!/usr/bin/env bash
# Miswiring: mxh1's circuit to mxh2 is re-pointed to mxh3 while mxh1
# keeps sending to mxh2.  Discovery must keep mxh2's traffic off the
# circuit (it now reaches mxh3), learned or static path alike, while
# traffic for mxh3 takes it once mxh3 answered.
. "$(dirname "$0")/../lib/assert.sh"
# No periodic hellos during the test: frame counts on the ports are exact
# (carrier-up still sends hellos at once).
load_module sim_ports=6 sim_switch_delay_us=25000 hello_interval_ms=60000 hello_timeout_ms=60000
. "$(dirname "$0")/netdev-lib.sh"
region_setup 3

# mxh1 port 0 (ocs0p0) <-> mxh2 port 2 (ocs0p2); mxh1 also has a static
# optical path to mxh2 on that port.
"$AGENT" ocs connect ocs0 0:2 --wait > /dev/null || fail "connect 0:2"
optical_to mxh1 "$(v4 2)" 1 || fail "no optical path mxh1 -> mxh2"
nsx mxh1 "$AGENT" route replace "$(v6 2)" dev mixnet0 optical ocs0p0 lladdr "$(mac mxh2 ocs0p2)" \
	electrical e1 lladdr "$(mac mxh2 e2)" || fail "static optical route to $(v6 2)"
optical_to mxh1 "$(v6 2)" 1 || fail "static optical path to $(v6 2) not confirmed"
assert_eq "$(route_json mxh1 "$(v6 2)" | jq -r '.paths[] | select(.kind == "optical") | .origin')" \
	static "origin of the static optical path"

# Steady traffic to mxh2 (both families) across the re-pointing.
log=$(mktemp /tmp/netdev-mis.XXXXXX)
nsx mxh2 "$PKT" udp-recv "$(v4 2)" 7000 $((4 * 3000)) 20000 > "$log" &
r4=$!
nsx mxh2 "$PKT" udp-recv "$(v6 2)" 7001 $((4 * 3000)) 20000 > "$log.6" &
r6=$!
wait_for 10 grep -q listening "$log" || fail "receiver"
wait_for 10 grep -q listening "$log.6" || fail "receiver (IPv6)"
nsx mxh1 "$PKT" udp-send "$(v4 2)" 7000 4 3000 1000 &
s4=$!
nsx mxh1 "$PKT" udp-send "$(v6 2)" 7001 4 3000 1000 &
s6=$!
sleep 0.5
o0=$(mxstat mxh1 tx_optical_packets)
"$AGENT" ocs apply ocs0 0:4 > /dev/null || fail "apply 0:4"	# returns once ocs0p0 is dark
sleep 0.05
t0=$(port_tx_all mxh1 ocs0p0); h0=$(hello_tx mxh1 ocs0p0)
assert_ge "$o0" 1 "optical packets before the re-pointing"

wait_for 10 confirmed mxh1 ocs0p0 || fail "ocs0p0 not confirmed after the re-pointing"
wait_for 10 confirmed mxh3 ocs0p4 || fail "ocs0p4 not confirmed"
peer=$(port_json mxh1 ocs0p0 | jq -r '.peer_dev_id')
assert_eq "$peer" "$(mxstat mxh3 dev_id)" "device behind ocs0p0 now"
wait $s4 || fail "sender"
wait $s6 || fail "sender (IPv6)"
t1=$(port_tx_all mxh1 ocs0p0); h1=$(hello_tx mxh1 ocs0p0)
# Everything mxh1 handed to ocs0p0 since the switch started was a hello.
assert_eq $((t1 - t0)) $((h1 - h0)) "frames on ocs0p0 after the re-pointing that were not hellos: $((t1 - t0 - h1 + h0)); frames"
assert_eq "$(live_optical mxh1 "$(v4 2)")" 0 "live optical paths to $(v4 2)"
assert_eq "$(via mxh1 "$(v4 2)")" electrical "path to $(v4 2)"
assert_eq "$(via mxh1 "$(v6 2)")" electrical "path to $(v6 2) (static optical path not confirmed)"
assert_eq "$(route_json mxh1 "$(v6 2)" | jq -r '.paths[] | select(.kind == "optical") | .live')" false \
	"static optical path to $(v6 2)"
# The learned path to mxh2 on the re-pointed port is gone.
assert_eq "$(route_json mxh1 "$(v4 2)" | jq '[.paths[] | select(.kind == "optical")] | length')" 0 \
	"optical paths to $(v4 2)"
# Frames already on the circuit when it went dark are lost (the OCS drops
# them); everything sent after that went electrical.
wait $r4; wait $r6
for l in "$log" "$log.6"; do
	n=$(awk '/received/ {print $2}' "$l")
	info "datagrams to mxh2 across the re-pointing: $n of 12000"
	assert_ge "$n" 11880 "datagrams to mxh2 ($l)"
done

# Traffic for mxh3 takes the circuit.
optical_to mxh1 "$(v4 3)" 1 || fail "no optical path mxh1 -> mxh3"
p0=$(port_tx_all mxh1 ocs0p0); e0=$(mxstat mxh1 tx_electrical_packets)
tcp mxh1 3 2M
assert_ge $(($(port_tx_all mxh1 ocs0p0) - p0)) 50 "frames to mxh3 on ocs0p0"
assert_eq "$(mxstat mxh1 tx_electrical_packets)" "$e0" "electrical packets while talking to mxh3"

# Back to mxh2: the static path is confirmed again, the learned one returns.
"$AGENT" ocs apply ocs0 0:2 --wait > /dev/null || fail "apply 0:2"
optical_to mxh1 "$(v6 2)" 1 || fail "static path to $(v6 2) not confirmed again"
optical_to mxh1 "$(v4 2)" 1 || fail "learned path to $(v4 2) not back"
wait_for 5 test -z "$(route_json mxh1 "$(v4 3)" | jq -r '.paths[] | select(.kind == "optical") | .lower')" ||
	fail "mxh1 still has an optical path to mxh3"
rm -f "$log" "$log.6"
exit 0
