#!/usr/bin/env bash
# OCS benchmarks, run in the test VM (boots it when started on the host):
#  - APPLY latency: ioctl entry -> switch-started event, for a 3-port
#    change and a full 256-port REPLACE; baseline: the INFO ioctl.
#  - sim-port throughput vs a veth pair, same VM, same run: TCP (iperf3)
#    and 64-byte UDP packets per second.
# Prints absolute numbers and ratios; Documentation/ocs.md has the latest.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f /proc/modules ] || [ "${MIXNET_IN_VM:-}" != 1 ]; then
	MIXNET_IN_VM=1 MIXNET_VM_ENV=MIXNET_IN_VM MIXNET_VM_MODULES=veth \
		exec "$TOP/tools/vm-run" "$TOP/tools/bench/b-ocs.sh" "$@"
fi
. "$TOP/tests/lib/assert.sh"
. "$TOP/tools/bench/bench-lib.sh"
LAT=$TOP/build/tools/bench/ocs_apply_lat
SECS=${MIXNET_BENCH_SECS:-5}
[ -x "$LAT" ] || fail "$LAT is not built (make)"

load_module sim_ports=256 sim_switch_delay_us=0
echo "## APPLY latency (ocs0, 256 ports, switch_delay_us=0, 200 iterations)"
"$LAT" ocs0 200 || fail "ocs_apply_lat"

# Throughput: one circuit between two namespaces vs a veth pair.
mkns bsa; mkns bsb; mkns bva; mkns bvb
ip link set ocs0p0 netns bsa; ip link set ocs0p1 netns bsb
ip -n bsa addr add 198.18.9.1/24 dev ocs0p0; ip -n bsa link set ocs0p0 up
ip -n bsb addr add 198.18.9.2/24 dev ocs0p1; ip -n bsb link set ocs0p1 up
"$AGENT" ocs apply ocs0 0:1 --wait > /dev/null || fail "apply 0:1"
ip link add bv0 netns bva type veth peer name bv1 netns bvb || fail "veth pair"
ip -n bva addr add 198.18.10.1/24 dev bv0; ip -n bva link set bv0 up
ip -n bvb addr add 198.18.10.2/24 dev bv1; ip -n bvb link set bv1 up

# Alternate the two, twice, and keep the best of each: TCG is noisy.
veth_tcp=0 sim_tcp=0 veth_pps=0 sim_pps=0
for round in 1 2; do
	run_iperf bsa bsb 198.18.9.2;                sim_tcp=$(max "$sim_tcp" "$(tcp)")
	run_iperf bva bvb 198.18.10.2;               veth_tcp=$(max "$veth_tcp" "$(tcp)")
	run_iperf bsa bsb 198.18.9.2 -u -l 64 -b 0;  sim_pps=$(max "$sim_pps" "$(pps)")
	run_iperf bva bvb 198.18.10.2 -u -l 64 -b 0; veth_pps=$(max "$veth_pps" "$(pps)")
	info "round $round: tcp sim=$sim_tcp veth=$veth_tcp udp64 sim=$sim_pps veth=$veth_pps"
done

echo "## throughput (${SECS}s each, best of 2 alternating rounds, same VM)"
awk -v vt="$veth_tcp" -v st="$sim_tcp" -v vp="$veth_pps" -v sp="$sim_pps" 'BEGIN {
	printf "tcp_gbps veth=%.3f sim=%.3f ratio sim/veth=%.2f\n", vt / 1e9, st / 1e9, st / vt
	printf "udp64_kpps veth=%.1f sim=%.1f ratio sim/veth=%.2f\n", vp / 1e3, sp / 1e3, sp / vp
}'
