#!/usr/bin/env bash
# The flow table through the CLI: when it is full, new flows are counted
# in flows_full instead of disappearing silently, while the per-peer
# counters stay exact; with --sample N the flow numbers are estimates
# (sampled counts times N) and the per-peer counters still exact.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/sampler-lib.sh"
need_sampler_env
A=mxso-a-$$ B=mxso-b-$$
veth_pair "$A" "$B"

agent_in "$A" flows attach va --max-flows 8 --peer 198.18.1.2 || fail "attach failed"
on_exit "agent_in $A flows detach va"
for port in $(seq 1 20); do
	nsx "$A" "$SENDRECV" udp 198.18.1.2 "$port" 100 1 || fail "udp send failed"
done
j=$(show_json "$A" va --top 0)
assert_eq "$(jq -r '.devices[0].flows_in_table' <<< "$j")" 8 "flows in a full table"
assert_eq "$(jq -r '.devices[0].flows | length' <<< "$j")" 8 "flows listed with --top 0"
assert_eq "$(jq -r '.devices[0].errors.flows_full' <<< "$j")" 12 "flows_full"
assert_eq "$(peer_field "$j" 198.18.1.2 packets)" 20 "peer packets"
assert_eq "$(peer_field "$j" 198.18.1.2 bytes)" $((20 * 128)) "peer bytes"
agent_in "$A" flows show va --interval 0 | grep -q "flows_full 12" || fail "text output lacks flows_full"

# expiring makes room again
agent_in "$A" flows expire va --idle 0 > /dev/null || fail "expire failed"
nsx "$A" "$SENDRECV" udp 198.18.1.2 21 100 1
j=$(show_json "$A" va)
assert_eq "$(jq -r '.devices[0].flows_in_table' <<< "$j")" 1 "flows after expiry"
assert_eq "$(jq -r '.devices[0].errors.flows_full' <<< "$j")" 12 "flows_full after expiry"
agent_in "$A" flows detach va || fail "detach failed"

# 1 in 64: 6400 datagrams, about 100 sampled (sd 10)
agent_in "$A" flows attach va --sample 64 --peer 198.18.1.2 || fail "attach --sample 64 failed"
nsx "$A" "$SENDRECV" udp 198.18.1.2 7 100 6400 || fail "udp send failed"
j=$(show_json "$A" va)
assert_eq "$(jq -r '.devices[0].sample_every' <<< "$j")" 64 "sample_every"
assert_eq "$(peer_field "$j" 198.18.1.2 packets)" 6400 "per-peer packets (exact)"
est=$(jq -r '.devices[0].flows[] | select(.dport == 7) | .packets' <<< "$j")
assert_eq "$((est % 64))" 0 "estimate is sampled packets x 64"
assert_ge "$est" $((50 * 64)) "estimated packets"
assert_le "$est" $((150 * 64)) "estimated packets"
assert_eq "$(jq -r '.devices[0].flows[] | select(.dport == 7) | .bytes' <<< "$j")" $((est * 128)) \
	"estimated bytes"
agent_in "$A" flows show va --interval 0 | grep -q "1 in 64 packets sampled" || fail "text output"
exit 0
