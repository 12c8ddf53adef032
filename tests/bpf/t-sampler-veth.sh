#!/usr/bin/env bash
# The sampler on a veth pair between two namespaces, through the CLI: a
# 3 MB file over TCP and UDP datagrams of known size.  The per-peer bytes
# must equal the IP-level bytes the device sent (its tx counters less the
# Ethernet headers) exactly, the UDP flows their exact sizes, and the
# maps must dump readably with bpftool.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/sampler-lib.sh"
need_sampler_env
A=mxsv-a-$$ B=mxsv-b-$$
veth_pair "$A" "$B"
tmp=$(mktemp -d /tmp/mixnet-sampler.XXXXXX)
on_exit "rm -rf $tmp"

agent_in "$A" flows attach va --peer 198.18.1.2 --peer 198.18.1.7 || fail "attach failed"
on_exit "agent_in $A flows detach va"
read -r b0 p0 <<< "$(tx_counters "$A" va)"

# a file over TCP to the peer (GSO super-packets on the veth)
head -c 3000000 /dev/urandom > "$tmp/file"
tcp_sink "$B" 5001 "$tmp/got"
sink=$!
nsx "$A" "$SENDRECV" tcp-send 198.18.1.2 5001 "$tmp/file" || fail "tcp-send failed"
wait $sink || fail "tcp-sink failed"
assert_eq "$(cat "$tmp/got")" 3000000 "bytes the sink received"
# UDP: 50 x 1000 bytes to the peer, 20 x 300 bytes to a non-peer
nsx "$A" "$SENDRECV" udp 198.18.1.2 9000 1000 50 || fail "udp send failed"
nsx "$A" "$SENDRECV" udp 198.18.1.3 9001 300 20 || fail "udp send failed"

read -r b1 p1 <<< "$(tx_counters "$A" va)"
pkts=$((p1 - p0))
ip_bytes=$((b1 - b0 - 14 * pkts))
info "va sent $pkts packets, $ip_bytes IP bytes"

j=$(show_json "$A" va)
peer_b=$(peer_field "$j" 198.18.1.2 bytes)
peer_p=$(peer_field "$j" 198.18.1.2 packets)
unk_b=$(peer_field "$j" unknown bytes)
unk_p=$(peer_field "$j" unknown packets)
assert_eq "$unk_b" $((20 * 328)) "unknown-peer bytes (the non-peer's datagrams)"
assert_eq "$unk_p" 20 "unknown-peer packets"
assert_eq "$((peer_b + unk_b))" "$ip_bytes" "per-peer bytes vs the device's IP bytes"
assert_eq "$((peer_p + unk_p))" "$pkts" "per-peer packets vs the device's packets"
assert_ge "$peer_b" $((3000000 + 50 * 1028)) "peer bytes cover the file and the datagrams"
assert_eq "$(peer_field "$j" 198.18.1.7 bytes)" 0 "idle peer"
assert_eq "$(jq -r '.devices[0].errors | [.[]] | add' <<< "$j")" 0 "error counters"

# the flows: exact for the UDP ones, and the TCP data flow carries the file
flow() { jq -r ".devices[0].flows[] | select(.protocol == \"$1\" and .dport == $2) | .$3" <<< "$j"; }
assert_eq "$(flow udp 9000 bytes)" $((50 * 1028)) "UDP flow bytes"
assert_eq "$(flow udp 9000 packets)" 50 "UDP flow packets"
assert_eq "$(flow udp 9001 bytes)" $((20 * 328)) "UDP flow to the non-peer"
assert_ge "$(flow tcp 5001 bytes)" 3000000 "TCP flow bytes"
assert_eq "$(jq -r '.devices[0].flows_in_table' <<< "$j")" 3 "flows in the table"

# tm: the demand row; nothing moves during its interval
t=$(agent_in "$A" tm va --interval 200 --json) || fail "tm failed"
assert_eq "$(jq -r '.peers[] | select(.peer == "198.18.1.2") | .bytes' <<< "$t")" "$peer_b" "tm total"
assert_eq "$(jq -r '.peers[] | select(.peer == "198.18.1.2") | .interval_bytes' <<< "$t")" 0 "tm interval bytes"
assert_eq "$(jq -r '.peers | length' <<< "$t")" 2 "tm peers"
agent_in "$A" tm > "$tmp/tm.txt" || fail "tm without a device (the only sampler)"
grep -q '^198.18.1.2 ' "$tmp/tm.txt" || fail "tm text output lacks the peer: $(cat "$tmp/tm.txt")"

# readable with bpftool: field names and the peer's bytes, summed over CPUs
dir=$MIXNET_PIN_ROOT/va
bpftool -j map dump pinned "$dir/peers" > "$tmp/peers.json" || fail "bpftool map dump peers"
sum=$(jq '[.[].formatted | select(.key == 1) | .values[].value.bytes] | add' "$tmp/peers.json")
assert_eq "$sum" "$peer_b" "bpftool: bytes of slot 1"
bpftool map dump pinned "$dir/peers" | grep -q '"since_ns":' || fail "peers dump has no field names"
bpftool map dump pinned "$dir/peers" | grep -q '"addr": \[0,0,0,0,0,0,0,0,0,0,255,255,198,18,1,2' ||
	fail "peers dump does not show 198.18.1.2"
bpftool -j map dump pinned "$dir/peer_index" |
	jq -e '[.[].formatted.value | select(.slot == 1 and .addr[15] == 2)] | length == 1' > /dev/null ||
	fail "peer_index does not map 198.18.1.2 to slot 1"
bpftool map dump pinned "$dir/peer_index_ctl" | grep -q '"slots_used": 3' || fail "peer_index_ctl dump"
bpftool map dump pinned "$dir/errors" | grep -q '"flows_full": 0' || fail "errors dump unreadable"
bpftool map dump pinned "$dir/info" | grep -q '"sample_every": 1' || fail "info dump unreadable"
bpftool map dump pinned "$dir/flows" | grep -q '"dport": 9000' || fail "flows dump unreadable"
bpftool prog show pinned "$dir/prog" | grep -q mixnet_sampler || fail "prog not pinned"

agent_in "$A" flows detach va || fail "detach failed"
[ ! -e "$dir" ] || fail "pins left after detach"
tc -n "$A" qdisc show dev va | grep -q clsact && fail "clsact left after detach"
exit 0
