#!/usr/bin/env bash
# The sampler object built on the host (6.18 BTF) attached in the guest's
# Debian 6.1 kernel (CO-RE): a veth pair between namespaces with a file
# over TCP and UDP datagrams, then VLAN devices on top (an offloaded tag,
# an in-band tag from stacked VLANs, and a sampler on a VLAN device, whose
# name has a dot).  Per-peer bytes must equal the
# IP-level bytes the device sent, exactly.
. "$(dirname "$0")/../lib/assert.sh"
. "$TOP/tests/bpf/sampler-lib.sh"
for m in veth sch_ingress cls_bpf 8021q; do
	modprobe "$m" 2> /dev/null || grep -qw "$m" "/lib/modules/$(uname -r)/modules.builtin" ||
		fail "modprobe $m failed"
done
need_sampler_env
A=mxvm-a B=mxvm-b
veth_pair "$A" "$B"
tmp=$(mktemp -d /tmp/mixnet-sampler.XXXXXX)
on_exit "rm -rf $tmp"
info "kernel $(uname -r)"

agent_in "$A" flows attach va --peer 198.18.1.2 --peer 198.18.2.2 --peer 198.18.3.2 ||
	fail "attach failed on $(uname -r)"
read -r b0 p0 <<< "$(tx_counters "$A" va)"

head -c 1000000 /dev/urandom > "$tmp/file"
tcp_sink "$B" 5001 "$tmp/got"
sink=$!
nsx "$A" "$SENDRECV" tcp-send 198.18.1.2 5001 "$tmp/file" || fail "tcp-send failed"
wait $sink || fail "tcp-sink failed"
assert_eq "$(cat "$tmp/got")" 1000000 "bytes the sink received"
nsx "$A" "$SENDRECV" udp 198.18.1.2 9000 1000 30 || fail "udp send failed"
nsx "$A" "$SENDRECV" udp 198.18.1.3 9001 300 10 || fail "udp send failed"

read -r b1 p1 <<< "$(tx_counters "$A" va)"
pkts=$((p1 - p0))
ip_bytes=$((b1 - b0 - 14 * pkts))
info "va sent $pkts packets, $ip_bytes IP bytes"
j=$(show_json "$A" va)
peer_b=$(peer_field "$j" 198.18.1.2 bytes)
unk_b=$(peer_field "$j" unknown bytes)
assert_eq "$unk_b" $((10 * 328)) "unknown-peer bytes"
assert_eq "$((peer_b + unk_b))" "$ip_bytes" "per-peer bytes vs the device's IP bytes"
assert_eq "$(( $(peer_field "$j" 198.18.1.2 packets) + $(peer_field "$j" unknown packets) ))" \
	"$pkts" "per-peer packets vs the device's packets"
assert_eq "$(jq -r '.devices[0].flows[] | select(.dport == 9000) | .bytes' <<< "$j")" \
	$((30 * 1028)) "UDP flow bytes"
assert_eq "$(jq -r '.devices[0].errors | [.[]] | add' <<< "$j")" 0 "error counters"
bpftool map dump pinned "$MIXNET_PIN_ROOT/va/peers" | grep -q '"since_ns":' ||
	fail "bpftool cannot print the peers map with BTF"

# VLANs: va.5 on va (its tag travels in skb->vlan_tci, offloaded), and
# va.5.7 on va.5 (the inner tag 7 is pushed into the frame before va sees
# it: an in-band tag at va's egress, which the program must skip).
vlan() {	# vlan LOWER_A LOWER_B ID NET
	ip -n "$A" link add link "$1" name "$1.$3" type vlan id "$3"
	ip -n "$B" link add link "$2" name "$2.$3" type vlan id "$3"
	ip -n "$A" link set "$1.$3" up
	ip -n "$B" link set "$2.$3" up
	[ -n "$4" ] || return 0
	ip -n "$A" addr add "198.18.$4.1/24" dev "$1.$3"
	ip -n "$B" addr add "198.18.$4.2/24" dev "$2.$3"
	ip -n "$A" neigh replace "198.18.$4.2" lladdr "$(mac_of "$B" "$2.$3")" dev "$1.$3" nud permanent
	ip -n "$B" neigh replace "198.18.$4.1" lladdr "$(mac_of "$A" "$1.$3")" dev "$2.$3" nud permanent
}
vlan va vb 5 3
vlan va.5 vb.5 7 2
agent_in "$A" flows attach va.5 --peer 198.18.2.2 || fail "attach to va.5 failed"
[ -d "$MIXNET_PIN_ROOT/va:5" ] || fail "pins of va.5 not under va:5"
read -r b0 p0 <<< "$(tx_counters "$A" va)"
nsx "$A" "$SENDRECV" udp 198.18.2.2 7005 400 20 || fail "udp over VLAN 5.7 failed"
nsx "$A" "$SENDRECV" udp 198.18.3.2 7006 600 15 || fail "udp over VLAN 5 failed"
read -r b1 p1 <<< "$(tx_counters "$A" va)"
assert_eq $((p1 - p0)) 35 "frames on va"
assert_eq $((b1 - b0)) $((20 * (18 + 428) + 15 * (14 + 628))) "bytes on va (one in-band tag on VLAN 5.7)"
j=$(show_json "$A" va)
assert_eq "$(peer_field "$j" 198.18.2.2 bytes)" $((20 * 428)) "peer bytes behind an in-band tag"
assert_eq "$(peer_field "$j" 198.18.3.2 bytes)" $((15 * 628)) "peer bytes with an offloaded tag"
assert_eq "$(jq -r '.devices[0].flows[] | select(.dport == 7005) | .packets' <<< "$j")" 20 \
	"flow behind an in-band tag"
assert_eq "$(jq -r '.devices[0].errors | [.[]] | add' <<< "$j")" 0 "error counters"
j=$(show_json "$A" va.5)
assert_eq "$(jq -r '.devices[0].dev' <<< "$j")" va.5 "device name with a dot"
assert_eq "$(peer_field "$j" 198.18.2.2 bytes)" $((20 * 428)) "peer bytes on va.5"
assert_eq "$(peer_field "$j" unknown bytes)" $((15 * 628)) "other bytes on va.5"

# tm needs a device name when several samplers run (and no mixnet0)
agent_in "$A" tm > /dev/null 2>&1 && fail "tm chose among several devices"
agent_in "$A" tm va.5 --interval 100 --json | jq -e '.peers[0].bytes == 8560' > /dev/null ||
	fail "tm va.5"

for d in va.5 va; do
	agent_in "$A" flows detach "$d" || fail "detach $d failed"
done
[ -z "$(ls -A "$MIXNET_PIN_ROOT")" ] || fail "pins left: $(ls "$MIXNET_PIN_ROOT")"
tc -n "$A" qdisc show dev va | grep -q clsact && fail "clsact left on va"
tc -n "$A" qdisc show dev va.5 | grep -q clsact && fail "clsact left on va.5"
exit 0
