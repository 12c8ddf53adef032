#!/usr/bin/env bash
# Traffic sampler benchmarks, on this machine's kernel (root):
#  1. ns per packet through BPF_PROG_TEST_RUN (one IPv4/TCP flow to one of
#     64 peers, 2M runs, best of 5 alternating rounds): an empty tc program
#     (the baseline), per-peer counting, per-peer + per-flow, flows 1:64.
#  2. TCP throughput (iperf3) over a veth pair between two namespaces,
#     without and with the sampler on the sender's egress, 5 alternating
#     rounds: the median of the per-round ratios.
#  3. The agent reading a 64-peer table every 1 ms: CPU and time per read.
# Prints absolute numbers and ratios; Documentation/sampling.md has the
# latest.  MIXNET_BENCH_SECS sets the length of each timed run (default 5).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/assert.sh"
. "$TOP/tests/bpf/sampler-lib.sh"
. "$TOP/tools/bench/bench-lib.sh"
COST=$TOP/build/tools/bench/bpf_cost
SECS=${MIXNET_BENCH_SECS:-5}
[ "$(id -u)" = 0 ] || fail "needs root"
[ -x "$COST" ] || fail "$COST is not built (make)"
command -v iperf3 > /dev/null || fail "iperf3 missing"
need_sampler_env
echo "kernel $(uname -r), $(nproc) CPUs"

echo "## 1. program cost per packet (BPF_PROG_TEST_RUN)"
"$COST" prog 2000000 5 || fail "bpf_cost prog"

A=mxbb-a-$$ B=mxbb-b-$$
veth_pair "$A" "$B"
peers=()
for i in $(seq 2 65); do peers+=(--peer "198.18.1.$i"); done

iperf() {	# -> bits/s received
	run_iperf "$A" "$B" 198.18.1.2
	tcp
}
tmp=$(mktemp -d /tmp/mixnet-bench.XXXXXX)
on_exit "rm -rf $tmp"
IPERF_JSON=$tmp/iperf.json

echo "## 2. TCP over veth without / with the sampler (${SECS}s runs, 5 alternating rounds)"
: > "$tmp/rounds"
for round in 1 2 3 4 5; do
	off=$(iperf)
	agent_in "$A" flows attach va "${peers[@]}" || fail "attach"
	on=$(iperf)
	agent_in "$A" flows detach va || fail "detach"
	echo "$off $on" >> "$tmp/rounds"
	info "round $round: without $off with $on"
done
# the median of the per-round ratios (neighbours in time share the noise)
sort -n -k3 <(awk '{ print $1, $2, $2 / $1 }' "$tmp/rounds") | awk '
	{ off[NR] = $1; on[NR] = $2; r[NR] = $3; if ($1 > bo) bo = $1; if ($2 > bn) bn = $2 }
	END { m = int((NR + 1) / 2)
	      printf "tcp_gbps best without=%.2f with=%.2f; ratio with/without median=%.3f (min %.3f max %.3f)\n",
		     bo / 1e9, bn / 1e9, r[m], r[1], r[NR] }'

echo "## 3. agent reading 64 peers every 1 ms (${SECS}s, then the same loop without reads)"
agent_in "$A" flows attach va "${peers[@]}" || fail "attach"
nsenter --net=/run/netns/"$A" "$COST" read va 1000 "$SECS" || fail "bpf_cost read"
agent_in "$A" flows detach va || fail "detach"
