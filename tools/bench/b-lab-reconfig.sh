#!/usr/bin/env bash
# Control-plane reconfiguration time of a real region: an 8-host
# mixnet-lab region in the test VM (real mixnet.ko, simulated OCS with a
# 25 ms switch, host agents on mixnet0 over genetlink, CURVE over the
# management bridge), alternating matchings submitted through the demand
# API so that every circuit moves and every host takes part in every
# step.  Per round the controller's own timings: demand in -> plan ->
# DRAIN acked -> APPLY -> SWITCH_DONE -> CONFIRM acked (discovery saw the
# new peers) -> USE acked (routes set on all hosts).
#
# Baseline, same VM, same run: tools/bench/agent_reconfig (the same
# daemons in one process, kernel parts faked with no delay) and its CURVE
# round trip.  Documentation/agent.md has the latest numbers.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -f /proc/modules ] || [ "${MIXNET_IN_VM:-}" != 1 ]; then
	MIXNET_IN_VM=1 MIXNET_VM_ENV=MIXNET_IN_VM exec "$TOP/tools/vm-run" "$TOP/tools/bench/b-lab-reconfig.sh" "$@"
fi
. "$TOP/tests/lib/assert.sh"
N=${MIXNET_BENCH_HOSTS:-8}
ROUNDS=${MIXNET_BENCH_ROUNDS:-30}
SWITCH_MS=${MIXNET_BENCH_SWITCH_MS:-25}
K=3
LAB=$TOP/tools/mixnet-lab
FAKE=$TOP/build/tools/bench/agent_reconfig
[ -x "$FAKE" ] || fail "$FAKE is not built (make)"
[ $((N % 4)) = 0 ] || fail "MIXNET_BENCH_HOSTS must be a multiple of 4"
name=bench
lab() { "$LAB" --name $name "$@"; }
lab down > /dev/null
on_exit "$LAB --name $name down > /dev/null"
dir=$(mktemp -d /tmp/mixnet-bench-lab.XXXXXX)
on_exit "rm -rf $dir"

echo "## baseline: $N daemons in one process, kernel parts faked (same VM)"
"$FAKE" "$N" "$ROUNDS" | tee "$dir/fake.txt" || fail "agent_reconfig"
fake=$(sed -n 's/^control_plane_ms median=\([0-9.]*\).*/\1/p' "$dir/fake.txt")
rtt=$(sed -n 's/^curve_rtt_ms median=\([0-9.]*\).*/\1/p' "$dir/fake.txt")

echo "## $N-host lab region: $K optical + 1 electrical each, switch $SWITCH_MS ms, $ROUNDS rounds"
lab up --hosts "$N" --optical $K --switch-delay "$SWITCH_MS" --mode dynamic > /dev/null || fail "lab up"
STATE=/run/mixnet-lab/$name
st() { "$TOP/agent/mixnet-agent" --json status --socket "$STATE/ctl.control"; }
# Two perfect matchings in turn, i <-> i^1 and i <-> i^2: every circuit moves.
matrix() {
	local r=$1 i j p
	seq -f 'h%g' 0 $((N - 1)) | paste -sd,
	for i in $(seq 0 $((N - 1))); do
		if [ $((r % 2)) = 1 ]; then p=$((i ^ 2)); else p=$((i ^ 1)); fi
		for j in $(seq 0 $((N - 1))); do
			[ "$j" = "$p" ] && printf 1000000 || printf 0
			[ "$j" -lt $((N - 1)) ] && printf ,
		done
		echo
	done
}
: > "$dir/rounds.txt"
for r in $(seq 0 $((ROUNDS - 1))); do
	matrix "$r" > "$dir/m.csv"
	want=$(($(st | jq '.controller.reconfigs.submitted') + 1))
	"$TOP/agent/mixnet-agent" demand submit --socket "$STATE/h1.demand" "$dir/m.csv" > /dev/null ||
		fail "demand submit (round $r)"
	wait_for 30 sh -c "\"$TOP/agent/mixnet-agent\" --json status --socket $STATE/ctl.control |
		jq -e '.controller.reconfigs.submitted >= $want and .controller.phase == \"idle\"'" ||
		fail "round $r: no reconfiguration: $(st | jq -c .controller.last_reconfig)"
	st | jq -r '.controller.last_reconfig |
		if .unverified > 0 or .aborted then "BAD \(.unverified) \(.aborted) \(.error)" else
		[.timings_ms.total, .timings_ms.switch, .timings_ms.total - .timings_ms.switch,
		 .timings_ms.control, .timings_ms.plan, .timings_ms.drain, .timings_ms.apply,
		 .timings_ms.confirm, .timings_ms.use, .added, .removed] | map(tostring) | join(" ") end' \
		>> "$dir/rounds.txt"
done
grep -q BAD "$dir/rounds.txt" && fail "reconfigurations with unverified circuits or aborted: $(grep BAD "$dir/rounds.txt")"

# col N: median and p90 of column N of the rounds.
col() { awk -v c="$1" '{print $c}' "$dir/rounds.txt" | sort -g | awk '{v[NR]=$1} END {
	m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.9 + 0.999)]; printf "%.3f %.3f", m, p }'; }
read -r tot_m tot_p <<< "$(col 1)"
read -r sw_m sw_p <<< "$(col 2)"
read -r ns_m ns_p <<< "$(col 3)"
read -r ctl_m ctl_p <<< "$(col 4)"
printf 'circuits moved in the last round: %s added, %s removed\n' "$(awk 'END{print $10}' "$dir/rounds.txt")" \
	"$(awk 'END{print $11}' "$dir/rounds.txt")"
printf 'total_ms (demand in -> USE acked by all hosts) median=%s p90=%s\n' "$tot_m" "$tot_p"
printf 'switch_ms (APPLY -> SWITCH_DONE, the OCS itself) median=%s p90=%s\n' "$sw_m" "$sw_p"
printf 'without_switch_ms (total - switch) median=%s p90=%s\n' "$ns_m" "$ns_p"
printf 'control_ms (total - switch - confirm: the agents own share) median=%s p90=%s\n' "$ctl_m" "$ctl_p"
printf 'phases_ms median: plan=%s drain=%s apply=%s confirm=%s use=%s\n' \
	"$(col 5 | cut -d' ' -f1)" "$(col 6 | cut -d' ' -f1)" "$(col 7 | cut -d' ' -f1)" \
	"$(col 8 | cut -d' ' -f1)" "$(col 9 | cut -d' ' -f1)"
awk -v c="$ctl_m" -v n="$ns_m" -v f="$fake" -v r="$rtt" -v s="$SWITCH_MS" 'BEGIN {
	printf "ratio lab_control/fake_control=%.2f lab_control/curve_rtt=%.1f without_switch/%dms_switch=%.3f control/%dms_switch=%.3f\n",
		c / f, c / r, s, n / s, s, c / s }'
