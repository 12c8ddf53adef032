#!/usr/bin/env bash
# Fault knobs in /sys/kernel/debug/mixnet/ocsN/: fail_next_apply makes one
# APPLY fail with the chosen errno and change nothing; dead_ports keeps a
# port dark after a switch (a dead transceiver) while the circuit stays
# established, and frames sent into it are counted as dark.
. "$(dirname "$0")/../lib/assert.sh"
load_module sim_ports=4 sim_switch_delay_us=2000
D=/sys/kernel/debug/mixnet/ocs0
[ -d $D ] || fail "$D missing"
for k in 0 1 2 3; do ip link set ocs0p$k up; done

# fail_next_apply
for bad in -1 4096 abc; do assert_write_fails $D/fail_next_apply "$bad"; done
echo 16 > $D/fail_next_apply
assert_eq "$(cat $D/fail_next_apply)" 16 "fail_next_apply armed"
gen=$(cat /sys/class/mixnet_ocs/ocs0/generation)
out=$("$AGENT" ocs connect ocs0 0:1 2>&1); rc=$?
assert_eq "$rc" 5 "exit code of an APPLY failed with EBUSY ($out)"
echo "$out" | grep -q "Device or resource busy" || fail "errno text missing: $out"
assert_eq "$(cat $D/fail_next_apply)" 0 "fail_next_apply disarmed after use"
assert_eq "$(cat /sys/class/mixnet_ocs/ocs0/generation)" "$gen" "generation after the failed APPLY"
assert_eq "$(cat /sys/class/mixnet_ocs/ocs0/xconnects)" "" "xconnects after the failed APPLY"

# dead_ports
assert_write_fails $D/dead_ports 4
assert_write_fails $D/dead_ports x
echo 3 > $D/dead_ports
assert_eq "$(cat $D/dead_ports)" 3 "dead_ports"
"$AGENT" ocs connect ocs0 0:1 2:3 --wait > /dev/null || fail "connect 0:1 2:3"
assert_eq "$(cat /sys/class/net/ocs0p0/carrier)$(cat /sys/class/net/ocs0p1/carrier)" 11 "carrier of 0 and 1"
assert_eq "$(cat /sys/class/net/ocs0p2/carrier)" 1 "carrier of port 2 (alive)"
assert_eq "$(cat /sys/class/net/ocs0p3/carrier)" 0 "carrier of dead port 3"
grep -q '^2 3$' /sys/class/mixnet_ocs/ocs0/xconnects || fail "2->3 not established"
mkns ocsx
ip link set ocs0p2 netns ocsx; ip -n ocsx link set ocs0p2 up
ip -n ocsx addr add 198.18.3.1/24 dev ocs0p2
nsx ocsx busybox ping -c 2 -W 1 198.18.3.2 > /dev/null 2>&1
dark=$(nsx ocsx cat /sys/class/net/ocs0p2/ocs/tx_dropped_dark)
[ "$dark" -gt 0 ] || fail "frames into a dead port not counted as dark ($dark)"
assert_eq "$(cat /sys/class/net/ocs0p3/statistics/rx_packets)" 0 "frames reached the dead port"
# Cleared, the port lights again at its next switch.
echo > $D/dead_ports
assert_eq "$(cat $D/dead_ports)" "" "dead_ports cleared"
"$AGENT" ocs apply ocs0 0:1 3:2 --simplex --wait > /dev/null || fail "re-point 3"
assert_eq "$(cat /sys/class/net/ocs0p3/carrier)" 1 "carrier of port 3 after its next switch"
exit 0
