#!/usr/bin/env bash
# mixnet-sim speed (Documentation/sim.md):
#  1. the 128-server (1024-GPU) Mixtral 8x22B iteration on all five
#     fabrics, on one core (target: under 10 s in total);
#  2. the same simulation with max-min rates recomputed for every flow at
#     every event instead of only the affected component, measured in the
#     same run (speedup = baseline / ours; the results must be identical);
#  3. growth with the cluster size, fat-tree and mixnet, up to 4096
#     servers (set MIXNET_BENCH_SIM_MAX=N to stop earlier).
set -eu
cd "$(dirname "$0")/../.."
sim=tools/mixnet-sim
[ -x $sim ] || make --no-print-directory $sim
max=${MIXNET_BENCH_SIM_MAX:-4096}
out=$(mktemp /tmp/mixnet-bench-sim.XXXXXX)
trap 'rm -f "$out" "$out".*' EXIT

now() { date +%s.%N; }

# column 1 fabric, 2 iteration_ms, 11 wall_s of the text output
wall_of() { awk -v f="$1" '$1 == f { print $NF }' "$2"; }
iter_of() { awk -v f="$1" '$1 == f { print $2 }' "$2"; }

t0=$(now)
taskset -c 0 $sim --model mixtral-8x22b --servers 128 --speed 400 > "$out.all" 2>/dev/null ||
	$sim --model mixtral-8x22b --servers 128 --speed 400 > "$out.all"
t1=$(now)
echo "sim mixtral-8x22b 128 servers, 5 fabrics: total $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s (target < 10 s)"
for f in fat-tree oversub3 rail static-ocs mixnet; do
	printf '  %-11s %6s s\n' "$f" "$(wall_of $f "$out.all")"
done

$sim --model mixtral-8x22b --servers 128 --speed 400 --fabric mixnet --global-maxmin > "$out.g"
for f in fat-tree mixnet; do
	ours=$(wall_of $f "$out.all"); base=$(wall_of $f "$out.g")
	same=identical
	[ "$(iter_of $f "$out.all")" = "$(iter_of $f "$out.g")" ] || same=DIFFERENT
	echo "sim $f: component max-min $ours s, global max-min $base s, speedup" \
		"$(awk "BEGIN { printf \"%.1f\", $base / $ours }")x, results $same"
	[ $same = identical ]
done

echo "sim scaling (mixtral-8x22b, 400G): servers, wall s, flows, flows per recompute"
for n in 128 512 1024 2048 4096; do
	[ "$n" -le "$max" ] || break
	$sim --model mixtral-8x22b --servers $n --speed 400 --fabric mixnet --json > "$out.s"
	awk -v n=$n '
		/"fabric"/ { f = $2; gsub(/[",]/, "", f) }
		/"flows"/ { fl = $2; gsub(/,/, "", fl) }
		/"flows_per_recompute"/ { fpr = $2; gsub(/,/, "", fpr) }
		/"wall_s"/ { w = $2; gsub(/,/, "", w)
			printf "  %5d %-9s %8.2f s %10d flows %6.1f per recompute %6.2f us/flow\n", n, f, w, fl, fpr, 1e6 * w / fl }
	' "$out.s"
done
