#!/usr/bin/env bash
# mixnet.ko loads against the VM's kernel, shows up in lsmod and sysfs with
# its version, and unloads cleanly, 20 times in a row.
. "$(dirname "$0")/../lib/assert.sh"
need_module_env

vermagic=$(modinfo -F vermagic "$MIXNET_KO" | awk '{print $1}')
assert_eq "$vermagic" "$(uname -r)" "module built for the running kernel"
ver=$(modinfo -F version "$MIXNET_KO")
[ -n "$ver" ] || fail "module has no version"

for i in $(seq 1 20); do
	insmod "$MIXNET_KO" || fail "insmod #$i failed"
	grep -q '^mixnet ' /proc/modules || fail "mixnet not in /proc/modules after insmod #$i"
	assert_eq "$(cat /sys/module/mixnet/version)" "$ver" "sysfs version after insmod #$i"
	assert_eq "$(cat /sys/module/mixnet/refcnt)" 0 "refcount with nothing open (#$i)"
	rmmod mixnet || fail "rmmod #$i failed"
	[ ! -d /sys/module/mixnet ] || fail "/sys/module/mixnet still present after rmmod #$i"
done
dmesg | grep -q "mixnet: version $ver loaded" || fail "load message missing from dmesg"
