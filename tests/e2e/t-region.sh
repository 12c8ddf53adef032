#!/usr/bin/env bash
# A region of 4 hosts built with mixnet-lab (3 optical + 1 electrical
# each, the region controller in measured mode): skewed TCP traffic
# between two pairs gets them circuits and the bytes move to optical
# (mixnet0's counters); the skew moves to two other pairs and the
# circuits follow (OCS cross-connects, counters, routes the host agents
# set); with the controller killed, traffic keeps flowing on the circuits
# in place and electrically, also when the circuits go away, every byte
# delivered (mixnet-trafgen verifies them).
. "$(dirname "$0")/../lib/assert.sh"
LAB=$TOP/tools/mixnet-lab
TRAFGEN=$TOP/tools/mixnet-trafgen
name=rg
K=3
lab() { "$LAB" --name $name "$@"; }
lab down > /dev/null
T0=$SECONDS
info() { echo "# [$((SECONDS - T0)) s] $*"; }
on_exit "$LAB --name $name down"
lab up --hosts 4 --optical $K --mode dynamic --switch-delay 10 > /dev/null || fail "lab up"
STATE=/run/mixnet-lab/$name
OCS=$(lab status --json | jq -r '.ocs.name')
XC=/sys/class/mixnet_ocs/$OCS/xconnects
fabric() { echo "198.18.0.$(($1 + 1))"; }
# hx H CMD...: CMD in host H's namespace (lighter than `mixnet-lab exec`).
hx() { local h=$1; shift; ip netns exec "$name-h$h" "$@"; }
# mx H FILE: host H's mixnet0 counter.
mx() { hx "$1" cat "/sys/class/net/mixnet0/mixnet/$2"; }
# circuits A B: cross-connects from host A's ports to host B's.
circuits() {
	awk -v a=$(($1 * K)) -v b=$(($2 * K)) -v k=$K \
		'$1 >= a && $1 < a + k && $2 >= b && $2 < b + k' "$XC" | wc -l
}
# has_circuits A B N: N duplex circuits between hosts A and B.
has_circuits() { [ "$(circuits "$1" "$2")" = "$3" ] && [ "$(circuits "$2" "$1")" = "$3" ]; }
# wait_until SECS 'CONDITION': evaluated afresh in this shell every time.
wait_until() { local _s=$1; shift; wait_for "$_s" eval "$1"; }
ctl_status() { "$TOP/agent/mixnet-agent" --json status --socket "$STATE/ctl.control"; }
# static_optical H PEER: optical paths the host agent set on H's route to PEER, live.
static_optical() {
	hx "$1" "$TOP/agent/mixnet-agent" --json route show dev mixnet0 "$(fabric "$2")" |
		jq '[.[0].paths[] | select(.kind == "optical" and .origin == "static" and .live)] | length'
}

for i in 0 1 2 3; do
	hx "$i" iperf3 -s -D -B "$(fabric "$i")" || fail "iperf3 server in h$i"
done
iperf_pids=()
# skew A B ...: a long TCP stream from A to B (stopped with stop_skew).
skew() {
	local a b
	while [ $# -ge 2 ]; do
		a=$1 b=$2; shift 2
		# Not through a function: $! must be iperf3 itself.
		ip netns exec "$name-h$a" iperf3 -c "$(fabric "$b")" -B "$(fabric "$a")" -t 120 -f m \
			> "/tmp/rg-iperf-$a-$b.log" 2>&1 &
		iperf_pids+=($!)
	done
}
stop_skew() {
	local p
	for p in "${iperf_pids[@]}"; do kill -TERM "$p" 2> /dev/null; done
	for p in "${iperf_pids[@]}"; do wait "$p" 2> /dev/null; done
	iperf_pids=()
}
on_exit "stop_skew; rm -f /tmp/rg-iperf-*"

# optical_share H SECS: over SECS seconds, percent of H's bytes sent optical (and at least 1 MB).
optical_share() {
	local o0 e0 o1 e1 d
	o0=$(mx "$1" tx_optical_bytes); e0=$(mx "$1" tx_electrical_bytes)
	sleep "$2"
	o1=$(mx "$1" tx_optical_bytes); e1=$(mx "$1" tx_electrical_bytes)
	d=$((o1 - o0 + e1 - e0))
	[ "$d" -ge 1000000 ] || fail "h$1 sent only $d bytes in $2 s"
	echo $((100 * (o1 - o0) / d))
}

# ---- 1. skew between h0<->h1 and h2<->h3: circuits, bytes go optical ----------------
info "phase 1: heavy pairs h0-h1 and h2-h3"
el0=$(mx 0 tx_electrical_bytes)
skew 0 1 2 3
wait_for 60 has_circuits 0 1 $K || fail "h0-h1 did not get $K circuits: $(cat "$XC" | tr '\n' ' ')"
wait_for 60 has_circuits 2 3 $K || fail "h2-h3 did not get $K circuits: $(cat "$XC" | tr '\n' ' ')"
# The traffic ran electrically before the controller reacted.
[ "$(mx 0 tx_electrical_bytes)" -gt "$el0" ] || fail "no electrical bytes before the circuits"
# The host agents use the verified circuits: static optical paths, live.
wait_until 20 '[ "$(static_optical 0 1)" = $K ]' ||
	fail "h0's route to h1: $(hx 0 "$TOP/agent/mixnet-agent" route show dev mixnet0 "$(fabric 1)")"
assert_eq "$(static_optical 1 0)" $K "h1's optical paths to h0"
assert_eq "$(static_optical 2 3)" $K "h2's optical paths to h3"
share=$(optical_share 0 2); info "h0: $share% optical"
assert_ge "$share" 90 "percent of h0's bytes over optical"
share=$(optical_share 2 2); info "h2: $share% optical"
assert_ge "$share" 90 "percent of h2's bytes over optical"
st=$(ctl_status) || fail "controller status"
assert_eq "$(echo "$st" | jq '.controller.circuits | length')" $((2 * K)) "circuits in the controller's status"
assert_eq "$(echo "$st" | jq '[.controller.circuits[] | select(.verified)] | length')" $((2 * K)) "verified circuits"
m1=$(echo "$st" | jq '.controller.reconfigs.measured')
assert_ge "$m1" 1 "measured reconfigurations"

# ---- 2. the skew moves to h0<->h2 and h1<->h3: the circuits follow ----------------
info "phase 2: heavy pairs h0-h2 and h1-h3"
stop_skew
skew 0 2 1 3
wait_for 60 has_circuits 0 2 $K || fail "h0-h2 did not get $K circuits: $(cat "$XC" | tr '\n' ' ')"
wait_for 60 has_circuits 1 3 $K || fail "h1-h3 did not get $K circuits: $(cat "$XC" | tr '\n' ' ')"
assert_eq "$(circuits 0 1)" 0 "circuits left between h0 and h1"
wait_until 20 '[ "$(static_optical 0 2)" = $K ]' ||
	fail "h0's route to h2: $(hx 0 "$TOP/agent/mixnet-agent" route show dev mixnet0 "$(fabric 2)")"
assert_eq "$(static_optical 0 1)" 0 "h0's optical paths to h1 after the move"
share=$(optical_share 0 2); info "h0: $share% optical"
assert_ge "$share" 90 "percent of h0's bytes over optical after the move"
share=$(optical_share 1 2); info "h1: $share% optical"
assert_ge "$share" 90 "percent of h1's bytes over optical after the move"
st=$(ctl_status) || fail "controller status"
assert_ge "$(echo "$st" | jq '.controller.reconfigs.measured')" $((m1 + 1)) "measured reconfigurations after the move"
echo "$st" | jq -e '.controller.last_reconfig.timings_ms.control > 0' > /dev/null ||
	fail "no timing of the last reconfiguration: $(echo "$st" | jq -c .controller.last_reconfig)"
info "last reconfiguration: $(echo "$st" | jq -c '.controller.last_reconfig | {added, removed, kept, timings_ms}')"
stop_skew

# ---- 3. controller killed: circuits in place keep carrying, the rest is electrical ----
info "phase 3: controller killed"
gen=$(cat "/sys/class/mixnet_ocs/$OCS/generation")
lab controller kill > /dev/null || fail "kill the controller"
hosts=$(lab hosts)
for i in 0 1 2 3; do
	hx "$i" "$TRAFGEN" serve --bind "$(fabric "$i")" > "/tmp/rg-tg-$i.log" 2>&1 &
done
on_exit "rm -f /tmp/rg-tg-*"
tg() {	# an all-to-all of 3 phases, every byte verified
	hx 0 "$TRAFGEN" run --hosts "$hosts" --phases 3 --bytes 6M --zipf 1.2 --seed 7 --timeout 120 \
		--json > "/tmp/rg-tg-run.json" 2> /tmp/rg-tg-run.err ||
		fail "trafgen $1: $(cat /tmp/rg-tg-run.err)"
	assert_eq "$(jq -r '.ok' /tmp/rg-tg-run.json)" true "trafgen $1 verified every byte"
}
o0=$(mx 0 tx_optical_bytes); e0=$(mx 0 tx_electrical_bytes); o1=$(mx 1 tx_optical_bytes)
tg "with the circuits in place"
# h0-h2 and h1-h3 still have circuits; h0-h1 and h0-h3 go electrical.
[ $(($(mx 0 tx_optical_bytes) - o0)) -gt 100000 ] || fail "h0 sent nothing optical without a controller"
[ $(($(mx 1 tx_optical_bytes) - o1)) -gt 100000 ] || fail "h1 sent nothing optical without a controller"
[ $(($(mx 0 tx_electrical_bytes) - e0)) -gt 100000 ] || fail "h0 sent nothing electrical without a controller"
assert_eq "$(cat "/sys/class/mixnet_ocs/$OCS/generation")" "$gen" "OCS generation without a controller"
assert_eq "$(lab status --json | jq '[.hosts[] | select(.agent)] | length')" 4 "host agents alive without the controller"
# Circuits gone (e.g. a switch outside the agents' control): all electrical, in the kernel.
# shellcheck disable=SC2034 # used in wait_until's condition
fb0=$(mx 0 fallbacks)
"$TOP/agent/mixnet-agent" ocs clear "$OCS" > /dev/null || fail "clear $OCS"
wait_until 10 '[ "$(mx 0 fallbacks)" -ge $((fb0 + K)) ]' ||
	fail "h0 counted no fallbacks"
o0=$(mx 0 tx_optical_bytes); e0=$(mx 0 tx_electrical_bytes)
tg "with every circuit gone"
assert_eq "$(mx 0 tx_optical_bytes)" "$o0" "h0's optical bytes without circuits"
[ $(($(mx 0 tx_electrical_bytes) - e0)) -gt 1000000 ] || fail "h0 sent nothing electrical"
info "trafgen without circuits: $(jq -c '.total | {phases, bytes, mean_usec}' /tmp/rg-tg-run.json)"
