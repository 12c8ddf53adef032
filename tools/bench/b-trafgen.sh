#!/usr/bin/env bash
# mixnet-trafgen throughput in the test VM (boots it when started on the
# host): 4 hosts on a bridge, an all-to-all of 12 flows.
#  - baseline: iperf3, 12 concurrent streams (every ordered pair), 5 s:
#    what the VM's kernel moves with no user-space work per byte;
#  - trafgen, uniform (--zipf 0) and skewed (--zipf 1.2) phases of 4 MiB
#    and 16 MiB, with every byte generated, checked and checksummed.
# Prints Gbit/s and the ratio to the baseline; Documentation/trafgen.md
# has the latest numbers.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f /proc/modules ] || [ "${MIXNET_IN_VM:-}" != 1 ]; then
	MIXNET_IN_VM=1 MIXNET_VM_ENV=MIXNET_IN_VM MIXNET_VM_MODULES="veth bridge" \
		exec "$TOP/tools/vm-run" "$TOP/tools/bench/b-trafgen.sh" "$@"
fi
. "$TOP/tests/lib/assert.sh"
. "$TOP/tests/bpf/trafgen-net.sh"
need_trafgen_env
SECS=${MIXNET_BENCH_SECS:-5}
N=4

tg_region $N
for ((i = 0; i < N; i++)); do
	nsx "$(tg_host_ns $i)" sysctl -qw net.ipv4.tcp_slow_start_after_idle=0
done

# ---- baseline: iperf3 on every ordered pair at once ------------------------
pids=()
for ((j = 0; j < N; j++)); do
	for ((i = 0; i < N; i++)); do
		[ $i = $j ] && continue
		ip netns exec "$(tg_host_ns $j)" iperf3 -s -1 -B "$(tg_addr $j)" -p $((5200 + i)) \
			> /dev/null 2>&1 &
		pids+=($!)
	done
done
on_exit "kill ${pids[*]}"
sleep 1
cl=()
for ((i = 0; i < N; i++)); do
	for ((j = 0; j < N; j++)); do
		[ $i = $j ] && continue
		ip netns exec "$(tg_host_ns $i)" iperf3 -c "$(tg_addr $j)" -B "$(tg_addr $i)" \
			-p $((5200 + i)) -t "$SECS" -J > "$TG_LOG.iperf.$i.$j" 2>&1 &
		cl+=($!)
	done
done
for p in "${cl[@]}"; do wait "$p" || fail "iperf3 client failed"; done
base=$(jq -s '[.[].end.sum_received.bits_per_second] | add / 1e9' "$TG_LOG".iperf.*)
printf '%-44s %8.3f Gbit/s  1.00\n' "iperf3, 12 streams, ${SECS} s (baseline)" "$base"

# ---- trafgen ------------------------------------------------------------------
tg_serve_all $N
# warm-up (not reported): first-touch page faults, connection setup
tg_run --hosts "$(tg_hosts $N)" --phases 2 --bytes 4M > /dev/null || fail "trafgen warm-up failed"
for spec in "0 4M" "0 16M" "1.2 4M" "1.2 16M"; do
	set -- $spec
	out=$(tg_run --hosts "$(tg_hosts $N)" --phases 8 --bytes "$2" --zipf "$1" --json) ||
		fail "trafgen --zipf $1 --bytes $2 failed"
	g=$(jq .total.gbps <<< "$out")
	printf "%-44s %8.3f Gbit/s  %.2f   (phase mean %.1f ms, max %.1f ms)\n" \
		"trafgen, zipf $1, 8 phases of $2" "$g" "$(awk "BEGIN { print $g / $base }")" \
		"$(jq '.total.mean_usec / 1000' <<< "$out")" "$(jq '.total.max_usec / 1000' <<< "$out")"
done
