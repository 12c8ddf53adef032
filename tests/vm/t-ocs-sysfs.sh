#!/usr/bin/env bash
# OCS sysfs: module parameters create ocs0; new_sim/del create and remove
# OCSes and their port netdevs; attributes read right; bad writes
# (new_sim 0, 1, -1, 2^31, text; switch_delay_us out of range; del of
# garbage or of a missing OCS) are rejected and change nothing.
. "$(dirname "$0")/../lib/assert.sh"
C=/sys/class/mixnet_ocs

load_module sim_ports=4 sim_switch_delay_us=1500
d=$C/ocs0
assert_eq "$(cat $d/nports)" 4 "nports"
assert_eq "$(cat $d/backend)" sim "backend"
assert_eq "$(cat $d/switch_delay_us)" 1500 "switch_delay_us from the module parameter"
assert_eq "$(cat $d/generation)" 0 "generation"
assert_eq "$(cat $d/reconfigs)" 0 "reconfigs"
assert_eq "$(cat $d/state)" idle "state"
assert_eq "$(cat $d/xconnects)" "" "xconnects"
for k in 0 1 2 3; do
	[ -d /sys/class/net/ocs0p$k ] || fail "port netdev ocs0p$k missing"
	assert_eq "$(cat /sys/class/net/ocs0p$k/ocs/port)" $k "ocs0p$k port index"
	assert_eq "$(cat /sys/class/net/ocs0p$k/ocs/ocs)" ocs0 "ocs0p$k OCS name"
	assert_eq "$(cat /sys/class/net/ocs0p$k/dev_port)" $k "ocs0p$k dev_port"
	assert_eq "$(cat /sys/class/net/ocs0p$k/phys_port_name)" p$k "ocs0p$k phys_port_name"
	assert_eq "$(cat /sys/class/net/ocs0p$k/type)" 1 "ocs0p$k is Ethernet"
done
[ -c /dev/mixnet/ocs0 ] || fail "/dev/mixnet/ocs0 missing"

# switch_delay_us: bounded, strict.
for bad in -1 10000001 4294967296 abc "" " 5" 0x10 1.5; do
	assert_write_fails $d/switch_delay_us "$bad"
done
assert_eq "$(cat $d/switch_delay_us)" 1500 "switch_delay_us after bad writes"
echo 0 > $d/switch_delay_us || fail "switch_delay_us 0 refused"
echo 10000000 > $d/switch_delay_us || fail "switch_delay_us 10000000 refused"
echo 2000 > $d/switch_delay_us
assert_eq "$(cat $d/switch_delay_us)" 2000 "switch_delay_us"
assert_write_fails $d/generation 5

# new_sim: bounded NPORTS, strict.
nets=$(ls /sys/class/net | wc -l)
for bad in 0 1 -1 2147483648 4294967296 1025 abc "" "4 4" 0x4; do
	assert_write_fails $C/new_sim "$bad"
done
[ ! -e $C/ocs1 ] || fail "a bad new_sim created ocs1"
assert_eq "$(ls /sys/class/net | wc -l)" "$nets" "netdevs after bad new_sim writes"
out=$( (echo 0 > $C/new_sim) 2>&1 )
echo "$out" | grep -q "out of range" || fail "new_sim 0 error is not 'out of range': $out"

echo 2 > $C/new_sim || fail "new_sim 2 refused"
echo 3 > $C/new_sim || fail "new_sim 3 refused"
assert_eq "$(cat $C/ocs1/nports)" 2 "ocs1 nports"
assert_eq "$(cat $C/ocs2/nports)" 3 "ocs2 nports"
[ -d /sys/class/net/ocs2p2 ] || fail "ocs2p2 missing"
assert_eq "$(cat $C/ocs1/switch_delay_us)" 1500 "new OCSes start with sim_switch_delay_us"

# del: strict names, missing OCSes.
for bad in ocs ocs-1 ocsx 1 "ocs1 " ocs99 ocs4294967296 ""; do
	assert_write_fails $C/del "$bad"
done
echo ocs1 > $C/del || fail "del ocs1 refused"
[ ! -e $C/ocs1 ] && [ ! -e /sys/class/net/ocs1p0 ] && [ ! -e /dev/mixnet/ocs1 ] ||
	fail "ocs1 not fully removed"
assert_write_fails $C/del ocs1
# The lowest free number is reused.
echo 5 > $C/new_sim
assert_eq "$(cat $C/ocs1/nports)" 5 "ocs1 re-created"

# A big map spans more than a page of xconnects text.
echo 600 > $C/new_sim || fail "new_sim 600 refused"
echo 0 > $C/ocs3/switch_delay_us
pairs=$(for ((i = 0; i < 600; i += 2)); do printf '%d:%d ' $i $((i + 1)); done)
# shellcheck disable=SC2086
"$AGENT" ocs apply ocs3 $pairs --wait > /dev/null || fail "apply of 300 circuits on ocs3"
lines=$(wc -l < $C/ocs3/xconnects)
assert_eq "$lines" 600 "xconnects lines of ocs3"
assert_eq "$(sed -n 600p $C/ocs3/xconnects)" "599 598" "last xconnects line of ocs3"
[ "$(wc -c < $C/ocs3/xconnects)" -gt 4096 ] || fail "xconnects of ocs3 should exceed a page"
[ -d /sys/class/net/ocs3p599 ] || fail "ocs3p599 missing"

for n in 3 2 1 0; do echo ocs$n > $C/del || fail "del ocs$n"; done
assert_eq "$(ls $C)" "$(printf 'del\nnew_sim')" "class directory after deleting all"
ls /sys/class/net | grep -q '^ocs' && fail "port netdevs left: $(ls /sys/class/net | grep '^ocs')"

# Bad module parameters are refused at load.
rmmod mixnet
for p in sim_ports=1 sim_ports=1025 sim_switch_delay_us=10000001; do
	if insmod "$MIXNET_KO" $p 2>/dev/null; then rmmod mixnet; fail "insmod with $p accepted"; fi
done
exit 0
