#!/usr/bin/env bash
# Carrier of a port whose cross-connect changes is down for the switching
# time: never shorter than switch_delay_us (kernel timestamps, and what
# userspace sees), and on this idle VM no longer than 20% + 5 ms past it.
. "$(dirname "$0")/../lib/assert.sh"
CARRIER=$TOP/build/tests/vm/ocs_carrier
[ -x "$CARRIER" ] || fail "$CARRIER is not built"
load_module sim_ports=4
for k in 0 1 2 3; do ip link set ocs0p$k up; done

measure() {	# measure DELAY_US PAIR
	local out lower upper kernel gap
	out=$("$CARRIER" ocs0 ocs0p0 "$2") || fail "ocs_carrier $2 failed"
	info "delay $1 us, $2: $out"
	eval "$out"
	lower=$lower_us upper=$upper_us kernel=$kernel_us gap=$gap_us
	assert_ge "$kernel" "$1" "kernel switch time for $2"
	assert_ge "$upper" "$1" "carrier down time (upper bound) for $2"
	assert_le "$upper" $(($1 * 12 / 10 + 5000)) "carrier down time for $2"
	# The down time seen is at least the delay minus the polling slack.
	assert_ge $((lower + gap + 1000)) "$1" "carrier down time (lower bound) for $2"
}

for delay in 25000 10000; do
	echo $delay > /sys/class/mixnet_ocs/ocs0/switch_delay_us
	for pair in 0:1 0:2 0:3 0:1 0:2; do
		measure $delay $pair
	done
done
# Untouched ports keep their carrier: port 0 stays on 0<->1 while 2<->3 moves.
"$AGENT" ocs apply ocs0 0:1 --wait > /dev/null
c0=$(cat /sys/class/net/ocs0p0/carrier_changes)
"$AGENT" ocs apply ocs0 0:1 2:3 --wait > /dev/null
"$AGENT" ocs apply ocs0 0:1 --wait > /dev/null
assert_eq "$(cat /sys/class/net/ocs0p0/carrier_changes)" "$c0" "carrier changes of an untouched port"
assert_eq "$(cat /sys/class/net/ocs0p2/carrier)" 0 "carrier of a port left unconnected"
exit 0
