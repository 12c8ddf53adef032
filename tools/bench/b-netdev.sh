#!/usr/bin/env bash
# mixnet netdev benchmarks, run in the test VM (boots it when started on
# the host), every number against a baseline measured in the same run:
#  - throughput (iperf3 TCP, 64-byte UDP) and ping latency through
#    mixnet0 over one circuit of the simulated OCS, vs the bare simulated
#    ports, vs a veth pair;
#  - the transmit path with 10, 1k and 100k routes: 64-byte UDP through
#    mixnet0 onto a dummy lower, vs straight onto a dummy device.
# Documentation/netdev.md has the latest numbers.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f /proc/modules ] || [ "${MIXNET_IN_VM:-}" != 1 ]; then
	MIXNET_IN_VM=1 MIXNET_VM_ENV=MIXNET_IN_VM exec "$TOP/tools/vm-run" "$TOP/tools/bench/b-netdev.sh" "$@"
fi
. "$TOP/tests/lib/assert.sh"
. "$TOP/tools/bench/bench-lib.sh"
NL=$TOP/build/tests/vm/netdev_nl
BLAST=$TOP/build/tools/bench/netdev_blast
SECS=${MIXNET_BENCH_SECS:-5}
[ -x "$NL" ] && [ -x "$BLAST" ] || fail "benchmark helpers are not built (make)"
modprobe -a veth dummy || fail "modprobe veth dummy"
load_module sim_ports=4 sim_switch_delay_us=0
mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }
stat() { ip netns exec "$1" cat "/sys/class/net/mixnet0/mixnet/$2"; }

# ---- three ways between two namespaces ------------------------------------------------
# veth: bva/bvb 198.18.10.0/24.  Bare sim ports: ocs0p0/ocs0p1 198.18.9.0/24.
# mixnet: bma/bmb, mixnet0 198.18.0.0/24 over circuit ocs0p2 <-> ocs0p3
# (optical lowers) with a veth pair as the electrical fabric.
mkns bva; mkns bvb; mkns bsa; mkns bsb; mkns bma; mkns bmb
ip link add bv0 netns bva type veth peer name bv1 netns bvb || fail "veth"
ip -n bva addr add 198.18.10.1/24 dev bv0; ip -n bva link set bv0 up
ip -n bvb addr add 198.18.10.2/24 dev bv1; ip -n bvb link set bv1 up
ip link set ocs0p0 netns bsa; ip link set ocs0p1 netns bsb
ip -n bsa addr add 198.18.9.1/24 dev ocs0p0; ip -n bsa link set ocs0p0 up
ip -n bsb addr add 198.18.9.2/24 dev ocs0p1; ip -n bsb link set ocs0p1 up
ip link add be0 netns bma type veth peer name be1 netns bmb || fail "veth"
ip link set ocs0p2 netns bma; ip link set ocs0p3 netns bmb
for n in 0 1; do
	ns=$([ $n = 0 ] && echo bma || echo bmb)
	ip -n $ns link add mixnet0 type mixnet || fail "mixnet0"
	ip -n $ns link set be$n master mixnet0; ip -n $ns link set be$n up
	ip -n $ns link set ocs0p$((n + 2)) master mixnet0; ip -n $ns link set ocs0p$((n + 2)) up
	ip -n $ns addr add 198.18.0.$((n + 1))/24 dev mixnet0; ip -n $ns link set mixnet0 up
done
ip netns exec bma "$AGENT" route add 198.18.0.2 dev mixnet0 electrical be0 lladdr "$(mac bmb be1)" || fail "route"
ip netns exec bmb "$AGENT" route add 198.18.0.1 dev mixnet0 electrical be1 lladdr "$(mac bma be0)" || fail "route"
"$AGENT" ocs apply ocs0 0:1 2:3 --wait > /dev/null || fail "apply 0:1 2:3"
optical() { ip netns exec bma "$AGENT" route show dev mixnet0 198.18.0.2 --json | jq -e '.[0].via == "optical"'; }
wait_for 10 optical || fail "mixnet0 did not move to the circuit"

rtt_us() {	# rtt_us NS ADDR: mean RTT of 200 pings, 10 ms apart
	nsx "$1" busybox ping -q -c 200 -i 0.01 "$2" | awk -F'[/ =]+' '/round-trip/ { print $6 * 1000 }'
}

declare -A T P R
for k in veth sim mixnet; do T[$k]=0; P[$k]=0; R[$k]=999999999; done
o0=$(stat bma tx_optical_bytes); e0=$(stat bma tx_electrical_bytes)
for round in 1 2; do
	run_iperf bva bvb 198.18.10.2;                T[veth]=$(max "${T[veth]}" "$(tcp)")
	run_iperf bsa bsb 198.18.9.2;                 T[sim]=$(max "${T[sim]}" "$(tcp)")
	run_iperf bma bmb 198.18.0.2;                 T[mixnet]=$(max "${T[mixnet]}" "$(tcp)")
	run_iperf bva bvb 198.18.10.2 -u -l 64 -b 0;  P[veth]=$(max "${P[veth]}" "$(pps)")
	run_iperf bsa bsb 198.18.9.2 -u -l 64 -b 0;   P[sim]=$(max "${P[sim]}" "$(pps)")
	run_iperf bma bmb 198.18.0.2 -u -l 64 -b 0;   P[mixnet]=$(max "${P[mixnet]}" "$(pps)")
	R[veth]=$(min "${R[veth]}" "$(rtt_us bva 198.18.10.2)")
	R[sim]=$(min "${R[sim]}" "$(rtt_us bsa 198.18.9.2)")
	R[mixnet]=$(min "${R[mixnet]}" "$(rtt_us bma 198.18.0.2)")
	info "round $round: tcp veth=${T[veth]} sim=${T[sim]} mixnet=${T[mixnet]}" \
	     "udp64 veth=${P[veth]} sim=${P[sim]} mixnet=${P[mixnet]} rtt_us veth=${R[veth]} sim=${R[sim]} mixnet=${R[mixnet]}"
done
# The mixnet numbers must have gone over the circuit, not the electrical veth.
assert_eq "$(stat bma tx_electrical_bytes)" "$e0" "electrical bytes during the mixnet runs"
assert_ge $(($(stat bma tx_optical_bytes) - o0)) $((10 * 1024 * 1024)) "optical bytes of the mixnet runs"

echo "## one circuit: mixnet0 vs bare simulated ports vs veth (${SECS}s runs, best of 2 alternating rounds, same VM)"
awk -v vt="${T[veth]}" -v st="${T[sim]}" -v mt="${T[mixnet]}" \
    -v vp="${P[veth]}" -v sp="${P[sim]}" -v mp="${P[mixnet]}" \
    -v vr="${R[veth]}" -v sr="${R[sim]}" -v mr="${R[mixnet]}" 'BEGIN {
	printf "tcp_gbps    veth=%.3f sim=%.3f mixnet=%.3f  mixnet/sim=%.2f mixnet/veth=%.2f\n", vt / 1e9, st / 1e9, mt / 1e9, mt / st, mt / vt
	printf "udp64_kpps  veth=%.1f sim=%.1f mixnet=%.1f  mixnet/sim=%.2f mixnet/veth=%.2f\n", vp / 1e3, sp / 1e3, mp / 1e3, mp / sp, mp / vp
	printf "rtt_us      veth=%.0f sim=%.0f mixnet=%.0f  mixnet/sim=%.2f mixnet/veth=%.2f\n", vr, sr, mr, mr / sr, mr / vr
}'

# ---- transmit lookup with 10, 1k, 100k routes -------------------------------------------------
# 64-byte UDP to 64 destinations spread over the table (or every route
# when fewer), through mixnet0 onto a dummy lower (which frees each frame:
# no receiver in the way).  Baseline: the same traffic straight onto a
# dummy device.  Packets counted at the device.
mkns bla; mkns bld
ip -n bld link add dum0 type dummy
ip -n bld addr add 198.18.0.1/15 dev dum0; ip -n bld link set dum0 up
ip -n bla link add dum1 type dummy
ip -n bla link add mixnet0 type mixnet
ip -n bla link set dum1 master mixnet0; ip -n bla link set dum1 up
ip -n bla addr add 198.18.0.1/15 dev mixnet0; ip -n bla link set mixnet0 up

blast() {	# blast NS COUNTER_CMD... -> packets/s counted by the device
	local ns=$1 n stride c0 c1; shift
	n=$(min "$ROUTES" 64); stride=$((ROUTES / n))
	c0=$("$@")
	nsx "$ns" "$BLAST" "$SECS" 4096 "$stride" "$n" > /dev/null || fail "blast"
	c1=$("$@")
	echo $(((c1 - c0) / SECS))
}
dummy_tx() { nsx bld cat /sys/class/net/dum0/statistics/tx_packets; }
mixnet_tx() { stat bla tx_electrical_packets; }

echo "## transmit path: 64-byte UDP to 64 peers through mixnet0 (dummy lower) vs onto a dummy device (${SECS}s, best of 2)"
have=0
for ROUTES in 10 1000 100000; do
	nsx bla "$NL" fill mixnet0 dum1 02:00:00:00:00:01 $((ROUTES - have)) $((4096 + have)) > /dev/null ||
		fail "fill to $ROUTES routes"
	have=$ROUTES
	assert_eq "$(stat bla routes)" "$ROUTES" "routes"
	base=0 mx=0
	for round in 1 2; do
		base=$(max "$base" "$(blast bld dummy_tx)")
		mx=$(max "$mx" "$(blast bla mixnet_tx)")
	done
	assert_eq "$(stat bla tx_dropped_noroute)" 0 "noroute drops"
	awk -v n="$ROUTES" -v b="$base" -v m="$mx" 'BEGIN {
		printf "routes=%-6d dummy_kpps=%.1f mixnet_kpps=%.1f mixnet/dummy=%.2f ns_per_pkt dummy=%.0f mixnet=%.0f extra=%.0f\n",
			n, b / 1e3, m / 1e3, m / b, 1e9 / b, 1e9 / m, 1e9 / m - 1e9 / b
	}'
done
