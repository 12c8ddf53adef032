#!/usr/bin/env bash
# The host agent's fabric backend on a real mixnet0 (tests/vm/agent_fabric.c):
# two hosts fa/fb joined by a veth (electrical) and two circuits of the
# simulated OCS; static routes with discovery's MACs, idempotent updates,
# drains that keep the other circuit live, read-back after a restart,
# netlink events, refused configurations.
. "$(dirname "$0")/../lib/assert.sh"
BIN=$TOP/build/tests/vm/agent_fabric
[ -x "$BIN" ] || fail "$BIN is not built"
modprobe -a veth || fail "modprobe veth"
load_module sim_ports=4 sim_switch_delay_us=2000
dir=$(mktemp -d /tmp/mixnet-agent-fabric.XXXXXX)
on_exit "rm -rf $dir"
mkns fa
mkns fb
ip -n fa link add e0 type veth peer name e0 netns fb || fail "veth"
for ns in fa fb; do
	ip -n $ns link add mixnet0 type mixnet || fail "mixnet0 in $ns"
	ip -n $ns link set e0 master mixnet0 || fail "enslave e0 in $ns"
done
ip -n fa addr add 198.18.0.1/24 dev mixnet0
ip -n fb addr add 198.18.0.2/24 dev mixnet0
for p in 0 1; do
	ip link set ocs0p$p netns fa && ip -n fa link set ocs0p$p master mixnet0 || fail "ocs0p$p"
	ip link set ocs0p$((p + 2)) netns fb && ip -n fb link set ocs0p$((p + 2)) master mixnet0 || fail "ocs0p$((p + 2))"
done
for ns in fa fb; do
	for d in $(ip -n $ns -j link show | jq -r '.[].ifname'); do ip -n $ns link set "$d" up; done
done
"$AGENT" ocs apply ocs0 0:2 1:3 --wait > /dev/null || fail "circuits"
mac_b=$(ip -n fb -j link show e0 | jq -r '.[0].address')
for h in h0 h1 ctl; do "$AGENT" daemon --gen-keys "$dir" --name $h > /dev/null || fail "keys"; done
cat > "$dir/region.ini" <<INI
[region]
name = fabric
alpha = 2
[controller]
endpoint = tcp://127.0.0.1:17410
public_key_file = ctl.pub
[agent]
roles = host
host = h0
secret_key_file = h0.key
[host h0]
fabric = 198.18.0.1
mgmt = 127.0.0.1
public_key_file = h0.pub
electrical = e0
electrical_nexthop = 02:00:00:00:00:01
optical = ocs0p0 port 0
optical = ocs0p1 port 1
[host h1]
fabric = 198.18.0.2
mgmt = 127.0.0.1
public_key_file = h1.pub
electrical = e0
electrical_nexthop = $mac_b
optical = ocs0p2 port 2
optical = ocs0p3 port 3
INI
CK_FORK=yes nsx fa "$BIN" "$dir/region.ini" || fail "agent_fabric suite failed"
# What the suite left: an optical route to h1 that carries traffic.
nsx fb "$AGENT" route add 198.18.0.1 dev mixnet0 electrical e0 \
	lladdr "$(ip -n fa -j link show e0 | jq -r '.[0].address')" || fail "route back"
busybox_ping() { nsx fa busybox ping -c 3 -W 2 198.18.0.2 > /dev/null; }
busybox_ping || fail "ping h1 over the routes the backend set"
[ "$(nsx fa cat /sys/class/net/mixnet0/mixnet/tx_optical_packets)" -ge 3 ] || fail "ping did not go optical"
