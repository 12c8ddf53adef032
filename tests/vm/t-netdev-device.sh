#!/usr/bin/env bash
# The mixnet device and its lowers: an L3 device (no link-layer header,
# no ARP) of kind "mixnet", several of them in several namespaces; its
# sysfs group; enslaving Ethernet lowers (roles, defaults) and every
# refused case (itself, another mixnet device, non-Ethernet, a device with
# a receive handler); the MTU capped by the lowers; port show/set and
# their errors; releasing lowers and deleting the device.
. "$(dirname "$0")/../lib/assert.sh"
load_module sim_ports=2
. "$(dirname "$0")/netdev-lib.sh"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

mkns mxa; mkns mxb
ip -n mxa link add mixnet0 type mixnet || fail "ip link add mixnet0 type mixnet"
j=$(ip -n mxa -d -j link show mixnet0)
assert_eq "$(echo "$j" | jq -r '.[0].link_type')" none "link type"
assert_eq "$(echo "$j" | jq -r '.[0].linkinfo.info_kind')" mixnet "link kind"
echo "$j" | jq -e '.[0].flags | index("NOARP")' > /dev/null || fail "mixnet0 is not NOARP"
assert_eq "$(echo "$j" | jq -r '.[0].address // "none"')" none "link-layer address"
assert_fails ip -n mxa link add mixnet9 type mixnet address 02:00:00:00:00:01
# Several devices, in several namespaces, each with its own identity.
ip -n mxa link add mixnet1 type mixnet || fail "second device in mxa"
ip -n mxb link add mixnet0 type mixnet || fail "mixnet0 in mxb"
[ "$(mxstat mxa dev_id)" != "$(mxstat mxb dev_id)" ] || fail "two devices share a device id"
for f in routes tx_optical_packets tx_optical_bytes tx_electrical_packets tx_electrical_bytes \
	 tx_dropped_noroute fallbacks hello_bad; do
	assert_eq "$(mxstat mxa "$f")" 0 "sysfs $f of a new device"
done
out=$(nsx mxa sh -c 'echo 5 > /sys/class/net/mixnet0/mixnet/routes' 2>&1) && fail "sysfs routes is writable"

# ---- lowers ---------------------------------------------------------------------------
ip link add va netns mxa type veth peer name vb netns mxb || fail "veth va"
ip -n mxa link set va master mixnet0 || fail "enslave va"
assert_eq "$(ip -n mxa -j link show va | jq -r '.[0].master')" mixnet0 "master of va"
assert_eq "$(port_json mxa va | jq -r '.role')" electrical "default role of a veth lower"
assert_eq "$(port_json mxa va | jq -r '.dev')" mixnet0 "device of va"
ip link set ocs0p0 netns mxa
ip -n mxa link set ocs0p0 master mixnet0 || fail "enslave ocs0p0"
assert_eq "$(port_json mxa ocs0p0 | jq -r '.role')" optical "default role of a simulated OCS port"
nsx mxa "$AGENT" port show > /tmp/netdev-ports.txt || fail "port show"
grep -q '^va master mixnet0 role electrical' /tmp/netdev-ports.txt || fail "port show text: $(cat /tmp/netdev-ports.txt)"
assert_eq "$(nsx mxa "$AGENT" port show dev mixnet1 --json)" "[]" "ports of mixnet1"

# Refused: each with the kernel's reason, nothing changed.
expect_refused() {	# expect_refused TEXT CMD...
	local text=$1 out; shift
	if out=$("$@" 2>&1); then fail "accepted: $*"; fi
	echo "$out" | grep -q "$text" || fail "$*: expected '$text' in: $out"
}
expect_refused "itself" ip -n mxa link set mixnet0 master mixnet0
expect_refused "cannot be the lower" ip -n mxa link set mixnet1 master mixnet0
expect_refused "only Ethernet" ip -n mxa link set lo master mixnet0
ip -n mxa link add vc type veth peer name vd || fail "veth vc"
ip -n mxa link add mv0 link vc type macvlan || fail "macvlan on vc"
expect_refused "receive handler" ip -n mxa link set vc master mixnet0
ip -n mxa link add br0 type bridge || fail "bridge"
expect_refused "" ip -n mxa link set mixnet0 master br0	# a bridge takes Ethernet ports only
assert_eq "$(nsx mxa "$AGENT" port show --json | jq length)" 2 "lowers after refused enslaves"

# Moving a lower to another mixnet device moves it (like bridge ports).
ip -n mxa link set va master mixnet1 || fail "move va to mixnet1"
assert_eq "$(port_json mxa va | jq -r '.dev')" mixnet1 "device of va after the move"
ip -n mxa link set va master mixnet0 || fail "move va back"

# ---- MTU -------------------------------------------------------------------------------------
ip -n mxa link set va mtu 1400 || fail "lower MTU 1400"
assert_eq "$(nsx mxa cat /sys/class/net/mixnet0/mtu)" 1400 "mixnet MTU after its lower's went to 1400"
assert_fails ip -n mxa link set mixnet0 mtu 1500
ip -n mxa link set mixnet0 mtu 1300 || fail "mixnet MTU 1300"
ip -n mxa link set va mtu 9000 || fail "lower MTU 9000"
ip -n mxa link set mixnet0 mtu 1500 || fail "mixnet MTU 1500 (ocs0p0 allows it)"
assert_fails ip -n mxa link set mixnet0 mtu 1501
ip -n mxa link set ocs0p0 mtu 9000 || fail "ocs0p0 MTU 9000"
ip -n mxa link set mixnet0 mtu 9000 || fail "mixnet MTU 9000"

# ---- port set ---------------------------------------------------------------------------------
nsx mxa "$AGENT" port set va role optical || fail "port set va role optical"
assert_eq "$(port_json mxa va | jq -r '.role')" optical "role of va"
nsx mxa "$AGENT" port set va role electrical || fail "port set va role electrical"
nsx mxa "$AGENT" port set va role electrical || fail "port set to the same role"
check_rc() {	# check_rc RC TEXT CMD...
	local want=$1 text=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	assert_eq "$rc" "$want" "exit code of $*"
	echo "$out" | grep -q "$text" || fail "$*: expected '$text' in: $out"
}
check_rc 2 "unknown role" nsx mxa "$AGENT" port set va role fast
check_rc 2 "not a lower" nsx mxa "$AGENT" port set vc role optical
check_rc 4 "no such device" nsx mxa "$AGENT" port set nosuch role optical
check_rc 2 "expected" nsx mxa "$AGENT" port set va
check_rc 2 "not a mixnet device" nsx mxa "$AGENT" port show dev vc
check_rc 3 "" nsx mxa $NOBODY "$AGENT" port set va role optical
nsx mxa $NOBODY "$AGENT" port show > /dev/null || fail "port show as nobody"
assert_eq "$(port_json mxa va | jq -r '.role')" electrical "role after refused changes"

# ---- releasing ------------------------------------------------------------------------------------
ip -n mxa link set va nomaster || fail "nomaster"
assert_eq "$(ip -n mxa -j link show va | jq -r '.[0].master // "none"')" none "master of a released lower"
[ -z "$(port_json mxa va)" ] || fail "port show still lists va"
ip -n mxa link set va master mixnet0 || fail "enslave va again"
ip -n mxa link del va || fail "delete a lower"
[ -z "$(port_json mxa va)" ] || fail "port show lists a deleted lower"
ip -n mxa link del mixnet0 || fail "delete mixnet0 with a lower"
assert_eq "$(ip -n mxa -j link show ocs0p0 | jq -r '.[0].master // "none"')" none "master of ocs0p0 after its device went"
ip -n mxa link set ocs0p0 master mixnet1 || fail "enslave ocs0p0 to mixnet1"
# Deleting the namespace deletes its devices and releases the port.
ip netns del mxa
wait_for 10 test -e /sys/class/net/ocs0p0 || fail "ocs0p0 did not come back to the initial namespace"
[ -z "$(ip -j link show ocs0p0 | jq -r '.[0].master // empty')" ] || fail "ocs0p0 still has a master"
exit 0
