# shellcheck shell=bash
# Helpers of the benchmark scripts (tools/bench/b-*.sh): source after
# tests/lib/assert.sh.

max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }

# run_iperf CLIENT_NS SERVER_NS SERVER_ADDR ARGS...: one iperf3 run of
# $SECS seconds into $IPERF_JSON; tcp (bits/s) and pps read its result.
IPERF_JSON=/tmp/$(basename "$0" .sh).json
run_iperf() {
	local cns=$1 sns=$2 addr=$3; shift 3
	nsx "$sns" iperf3 -s -1 -D -B "$addr" > /dev/null || fail "iperf3 server"
	wait_for 10 nsx "$sns" ss -lnt sport = :5201 || fail "iperf3 server did not listen"
	nsx "$cns" iperf3 -c "$addr" -t "$SECS" -J "$@" > "$IPERF_JSON" || fail "iperf3 $*"
	sleep 0.5
}
tcp() { jq '.end.sum_received.bits_per_second' "$IPERF_JSON"; }
pps() { jq '(.end.sum.packets - .end.sum.lost_packets) / .end.sum.seconds' "$IPERF_JSON"; }
