#!/usr/bin/env bash
# `make demo`, shortened (3 layers instead of 8): what must hold whatever the
# machine's speed.  Every mode delivers every byte (mixnet-trafgen
# verifies them) and the kernel's counters saw at least that payload;
# electrical only sends nothing optical, static circuits are the
# round-robin set; with mixnet (measured and announced demand) the
# controller reconfigured, the heaviest pair of the last layer had
# circuits during it (announced: most of it, and at the end) and optical
# bytes exceed electrical ones; the lab is gone afterwards.  No timing is asserted.  (No kernel splat: the tier checks.)
. "$(dirname "$0")/../lib/assert.sh"
DEMO=$TOP/tools/demo
LAYERS=3
BYTES=4M
# Seed 13: the last layer has one dominant pair (h1-h3 carries 3.5x the
# next one), so "the heavy pair" the circuits must end on is unambiguous.
SEED=13
T0=$SECONDS
info() { echo "# [$((SECONDS - T0)) s] $*"; }
out=/tmp/t-demo.json
on_exit "rm -f $out /tmp/t-demo.err"

# We are inside the test VM already: run the demo's guest part directly.
MIXNET_IN_VM=1 MIXNET_DEMO_DIRECT=1 "$DEMO" --json --layers $LAYERS --bytes $BYTES --seed $SEED \
	> $out 2> /tmp/t-demo.err
rc=$?
sed 's/^/    /' /tmp/t-demo.err
info "demo exited $rc"
jq -e . $out > /dev/null || fail "no JSON document (exit $rc)"
m() { jq -r ".modes[$1]$2" $out; }	# m INDEX FILTER

assert_eq "$(jq '.modes | length' $out)" 4 "modes"
assert_eq "$(jq -r '[.modes[].mode] | join(" ")' $out)" "electrical static measured announced" "mode order"
payload=$((LAYERS * 4 * 1024 * 1024))
for i in 0 1 2 3; do
	name=$(m $i .title)
	assert_eq "$(m $i .ok)" true "$name: ok ($(m $i .errors) $(m $i .stderr))"
	assert_eq "$(m $i .phases)" $LAYERS "$name: layers completed"
	assert_eq "$(m $i .bytes)" $payload "$name: bytes delivered and verified"
	# the wire carried at least the payload (headers on top)
	assert_ge $(($(m $i .tx_optical_bytes) + $(m $i .tx_electrical_bytes))) $payload \
		"$name: bytes mixnet0 sent"
	info "$name: mean $(m $i .mean_ms) ms, optical $(m $i .tx_optical_bytes) B, electrical $(m $i .tx_electrical_bytes) B, reconfigs $(m $i .reconfigs.count)"
done
assert_eq "$rc" 0 "exit status"
assert_eq "$(jq .ok $out)" true "overall verdict"

# 1: no circuits, nothing optical.
assert_eq "$(m 0 .tx_optical_bytes)" 0 "electrical only: optical bytes"
# 2: the round-robin set (4 hosts, 3 NICs: every pair once), never changed.
assert_eq "$(m 1 '.circuits | map("\(.a)-\(.b)x\(.circuits)") | join(" ")')" \
	"h0-h1x1 h0-h2x1 h0-h3x1 h1-h2x1 h1-h3x1 h2-h3x1" "static circuits"
assert_eq "$(m 1 .tx_electrical_bytes)" 0 "static circuits: electrical bytes"
assert_eq "$(m 1 .reconfigs)" null "static circuits: no controller"

# 3 and 4: the controller moved circuits and optical carried more than
# electrical.  The heaviest pair of the last layer had circuits while that
# layer ran (sampled every 100 ms); with announced demand it had them for
# most of the layer and still has them at the end.  (With measured demand
# the end state follows the layer's last bytes, whichever pair sent them.)
heavy=$(jq -r '.last_layer_pairs[0] | "\(.a) \(.b)"' $out)
assert_eq "$heavy" "h1 h3" "heaviest pair of the last layer (seed $SEED)"
read -r a b <<< "$heavy"
for i in 2 3; do
	name=$(m $i .title)
	assert_ge "$(m $i .reconfigs.count)" 1 "$name: reconfigurations"
	assert_ge "$(m $i .tx_optical_bytes)" $(($(m $i .tx_electrical_bytes) + 1)) \
		"$name: optical bytes over electrical ones"
	share=$(jq --arg a "$a" --arg b "$b" \
		"[.modes[$i].last_layer_circuits.pairs[] | select(.a == \$a and .b == \$b) | .share] | add // 0" $out)
	info "$name: during the last layer ($(m $i .last_layer_circuits.samples) samples): $(m $i '.last_layer_circuits.pairs | map("\(.a)-\(.b) mean \(.mean) share \(.share)") | join(", ")')"
	jq -e -n "$share > 0" > /dev/null || fail "$name: no circuit on $a-$b during the last layer"
	[ $i = 3 ] || continue
	jq -e -n "$share >= 0.5" > /dev/null || fail "$name: circuits on $a-$b for only $share of the last layer"
	got=$(jq --arg a "$a" --arg b "$b" \
		"[.modes[$i].circuits[] | select(.a == \$a and .b == \$b) | .circuits] | add // 0" $out)
	assert_ge "$got" 1 "$name: circuits on $a-$b at the end ($(m $i .circuits))"
done
assert_ge "$(m 2 .reconfigs.measured)" 1 "measured: reconfigurations for measured demand"
assert_ge "$(m 3 .reconfigs.submitted)" 1 "announced: reconfigurations for announced matrices"

# Nothing of the lab is left.
left=$(ip netns list | awk '{print $1}' | grep '^demo-')
[ -z "$left" ] || fail "namespaces left: $left"
[ ! -e /run/mixnet-lab/demo ] || fail "lab state left"
left=$(pgrep -af "mixnet-trafgen serve" || true)
[ -z "$left" ] || fail "trafgen servers left: $left"
exit 0
