#!/usr/bin/env bash
# mixnet-trafgen on veth: 4 hosts in namespaces on a bridge, a driver in
# a fifth.  Every phase's pairs carry exactly the bytes of the workload's
# matrix (as `mixnet-trafgen matrix` prints it for the same seed), every
# byte is verified, the devices' own counters saw at least that payload,
# and servers serve one driver after another.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/trafgen-net.sh"
need_trafgen_env

N=4
WL=(--phases 6 --bytes 4M --zipf 1.2 --seed 7 --experts-per-host 2)
tg_region $N
tg_serve_all $N
HOSTS=$(tg_hosts $N)

declare -A rx0 tx0
for ((i = 0; i < N; i++)); do
	rx0[$i]=$(tg_dev_bytes $i rx)
	tx0[$i]=$(tg_dev_bytes $i tx)
done

out=$(tg_run --hosts "$HOSTS" "${WL[@]}" --json) || fail "run failed ($?): $out"
echo "$out" > "$TG_LOG.json"
assert_eq "$(jq -r .ok <<< "$out")" true "ok"
assert_eq "$(jq '.phases | length' <<< "$out")" 6 "phases"
assert_eq "$(jq '[.phases[].bytes] | unique' -c <<< "$out")" "[4194304]" "bytes per phase"
assert_eq "$(jq .total.bytes <<< "$out")" $((6 * 4194304)) "total bytes"
assert_eq "$(jq '.errors | length' <<< "$out")" 0 "errors"
assert_eq "$(jq '[.phases[].layer]' -c <<< "$out")" "[0,1,2,3,4,5]" "layers"

# Per pair and phase: the bytes the model's matrix says (computed by the
# matrix command, not the driver).
mat=$("$TRAFGEN" matrix --hosts "$HOSTS" "${WL[@]}" --json) || fail "matrix failed"
want=$(jq -c '[.layers[] as $l | $l.matrix | to_entries[] | .key as $i | .value |
	to_entries[] | select(.value > 0) | [$l.layer, "h\($i)", "h\(.key)", .value]]' <<< "$mat")
got=$(jq -c '[.phases[] as $p | $p.pair_stats[] | [$p.layer, .src, .dst, .bytes]]' <<< "$out")
assert_eq "$got" "$want" "per-pair bytes"
assert_ge "$(jq '[.phases[].pairs] | min' <<< "$out")" 10 "pairs with traffic per phase"

# The skew is real: the heaviest pair of a phase carries several times the lightest.
ratio=$(jq '[.phases[] | ([.pair_stats[].bytes] | max / min)] | min' <<< "$out")
info "smallest heaviest/lightest pair ratio over the phases: $ratio"
jq -e '[.phases[] | ([.pair_stats[].bytes] | max / min)] | min > 2' <<< "$out" > /dev/null ||
	fail "pairs not skewed: $ratio"

# The slowest pair (receiver's clock, from go) fits in the phase time
# (driver's clock, from go to the last report): consistency, not speed.
jq -e '[.phases[] | .slowest.usec <= .usec and .slowest.usec > 0] | all' <<< "$out" > /dev/null ||
	fail "slowest pair outside its phase: $(jq -c '[.phases[] | [.usec, .slowest]]' <<< "$out")"

# The wire carried the payload: device counters at least row/column sums.
for ((i = 0; i < N; i++)); do
	sent=$(jq "[.phases[].pair_stats[] | select(.src == \"h$i\") | .bytes] | add" <<< "$out")
	recv=$(jq "[.phases[].pair_stats[] | select(.dst == \"h$i\") | .bytes] | add" <<< "$out")
	assert_ge $(($(tg_dev_bytes $i tx) - tx0[$i])) "$sent" "h$i eth0 tx bytes"
	assert_ge $(($(tg_dev_bytes $i rx) - rx0[$i])) "$recv" "h$i eth0 rx bytes"
done

info "phase times (ms): $(jq -r '[.phases[].usec / 1000 | . * 10 | floor / 10] | join(" ")' <<< "$out")"
info "mean $(jq '.total.mean_usec / 1000' <<< "$out") ms, max $(jq '.total.max_usec / 1000' <<< "$out") ms, $(jq '.total.gbps * 1000 | floor / 1000' <<< "$out") Gbit/s"

# Same servers, next driver: text output, repetitions, token sizing.
txt=$(tg_run --hosts "$HOSTS" --phases 2 --repeat 2 --tokens 512 --token-bytes 4K --pause 50) ||
	fail "second run failed: $txt"
grep -q "every byte verified" <<< "$txt" || fail "no verdict: $txt"
rows=$(grep -cE '^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ ' <<< "$txt")
assert_eq "$rows" 4 "phase rows (2 layers x 2)"
# layer sequence 0 1 0 1, repetitions carry the same bytes
assert_eq "$(awk '/^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ /{print $2 "/" $3}' <<< "$txt" | tr '\n' ' ')" \
	"0/0 1/0 0/1 1/1 " "layer/rep"
b=($(awk '/^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ /{print $4}' <<< "$txt"))
assert_eq "${b[0]}" "${b[2]}" "layer 0 bytes in both repetitions"
assert_eq "$((b[0] % 4096))" 0 "whole tokens"

# Matrix files: the bytes of each file, files cycled over --phases; a
# model layer printed by `matrix` reads back as the same matrix.
"$TRAFGEN" matrix --hosts "$HOSTS" "${WL[@]}" --phase 2 > "$TG_LOG.l2.csv" || fail "matrix --phase 2"
printf '# hand-made\nh0,h1,h2,h3\n0,100000,0,0\n0,0,2.5e5,0\n0,0,0,1\n7,0,0,0\n' > "$TG_LOG.hand.csv"
outm=$(tg_run --hosts "$HOSTS" --matrix "$TG_LOG.l2.csv" --matrix "$TG_LOG.hand.csv" --phases 3 \
	--json) || fail "run with --matrix failed: $outm"
assert_eq "$(jq -r .ok <<< "$outm")" true "--matrix ok"
assert_eq "$(jq -c '.config.matrix_files | length' <<< "$outm")" 2 "matrix files in the config"
want=$(jq -c '[.layers[] | select(.layer == 2) | .matrix | to_entries[] | .key as $i | .value |
	to_entries[] | select(.value > 0) | ["h\($i)", "h\(.key)", .value]]' <<< "$mat")
assert_eq "$(jq -c '[.phases[0].pair_stats[] | [.src, .dst, .bytes]]' <<< "$outm")" "$want" \
	"phase 0: the bytes of the model's layer 2, read back from CSV"
hand='[["h0","h1",100000],["h1","h2",250000],["h2","h3",1],["h3","h0",7]]'
assert_eq "$(jq -c '[.phases[1].pair_stats[] | [.src, .dst, .bytes]]' <<< "$outm")" "$hand" \
	"phase 1: the hand-made file's bytes"
assert_eq "$(jq -c '[.phases[2].pair_stats[] | [.src, .dst, .bytes]]' <<< "$outm")" "$want" \
	"phase 2: the first file again"

# Several connections per pair: the same bytes per pair, verified; h0
# holds 5 data connections to each of the 3 others during the session.
tg_run --hosts "$HOSTS" "${WL[@]}" --streams 5 --pause 400 --json > "$TG_LOG.streams" &
drv=$!
# outgoing data connections of h0 (from its address to the servers' port)
h0_conns() {
	ip netns exec "$(tg_host_ns 0)" ss -Htn state established "( dport = :7766 )" |
		grep -c " $(tg_addr 0):"
}
wait_for 10 bash -c "[ \$(ip netns exec $(tg_host_ns 0) ss -Htn state established '( dport = :7766 )' |
	grep -c ' $(tg_addr 0):') = 15 ]" || fail "h0 has $(h0_conns) data connections, not 15"
wait $drv || fail "run with --streams 5 failed: $(cat "$TG_LOG.streams")"
outs=$(cat "$TG_LOG.streams")
assert_eq "$(jq -r .ok <<< "$outs")" true "--streams ok"
assert_eq "$(jq .config.streams <<< "$outs")" 5 "streams in the config"
assert_eq "$(jq -c '[.phases[] as $p | $p.pair_stats[] | [$p.layer, .src, .dst, .bytes]]' <<< "$outs")" \
	"$got" "per-pair bytes with 5 streams"

# IPv6 fabric addresses work the same (2001:2::/48, the IPv6 benchmarking range).
for ((i = 0; i < N; i++)); do
	ip -n "$(tg_host_ns $i)" addr add "2001:2::$((i + 1))/64" dev eth0 nodad
done
ip -n "$TG_SW" addr add 2001:2::fe/64 dev br0 nodad
for ((i = 0; i < N; i++)); do
	ip netns exec "$(tg_host_ns $i)" "$TRAFGEN" serve --bind "[2001:2::$((i + 1))]:7767" --once \
		2> "$TG_LOG.v6.$i" &
	v6pids+=($!)
done
on_exit "kill ${v6pids[*]}"
out6=$(tg_run --hosts "[2001:2::1]:7767,[2001:2::2]:7767,[2001:2::3]:7767,[2001:2::4]:7767" \
	--phases 2 --bytes 1M --json) || fail "IPv6 run failed: $out6"
assert_eq "$(jq -r .ok <<< "$out6")" true "IPv6 ok"
# --once: the servers leave when their driver does
for p in "${v6pids[@]}"; do
	wait_for 5 bash -c "! kill -0 $p" || fail "--once server $p still running"
	wait "$p" || fail "--once server exited with $?"
done
exit 0
