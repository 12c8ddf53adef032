#!/usr/bin/env bash
# The sampler on mixnet0, the L3 routing device (packets start at the IP
# header, no link-layer header): two hosts joined by an electrical lower,
# UDP datagrams and a file over TCP through mixnet0.  The sampler must pick
# the l3 mode by itself, and its per-peer bytes must equal mixnet0's own
# transmitted bytes (IP bytes) exactly.
. "$(dirname "$0")/../lib/assert.sh"
. "$TOP/tests/bpf/sampler-lib.sh"
for m in veth sch_ingress cls_bpf; do
	modprobe "$m" 2> /dev/null || grep -qw "$m" "/lib/modules/$(uname -r)/modules.builtin" ||
		fail "modprobe $m failed"
done
load_module
need_sampler_env
H1=mxs0-1 H2=mxs0-2
for h in "$H1" "$H2"; do
	mkns "$h"
	nsx "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	if ! out=$(ip -n "$h" link add mixnet0 type mixnet 2>&1); then
		case $out in
		*"Unknown device type"*) skip "this mixnet.ko has no mixnet0 netdev yet: $out" ;;
		*) fail "ip link add mixnet0 type mixnet: $out" ;;
		esac
	fi
done
tmp=$(mktemp -d /tmp/mixnet-sampler.XXXXXX)
on_exit "rm -rf $tmp"

ip link add e1 netns "$H1" type veth peer name e2 netns "$H2" || fail "veth"
for i in 1 2; do
	h=mxs0-$i
	ip -n "$h" link set "e$i" master mixnet0 || fail "enslave e$i"
	ip -n "$h" addr add "198.18.0.$i/24" dev mixnet0
	ip -n "$h" link set "e$i" up
	ip -n "$h" link set mixnet0 up
done
nsx "$H1" "$AGENT" route add 198.18.0.2 dev mixnet0 electrical e1 lladdr "$(mac_of "$H2" e2)" ||
	fail "route to 198.18.0.2"
nsx "$H2" "$AGENT" route add 198.18.0.1 dev mixnet0 electrical e2 lladdr "$(mac_of "$H1" e1)" ||
	fail "route to 198.18.0.1"

agent_in "$H1" flows attach mixnet0 --peer 198.18.0.2 --peer 198.18.0.3 || fail "attach to mixnet0"
j=$(show_json "$H1" mixnet0)
assert_eq "$(jq -r '.devices[0].link' <<< "$j")" l3 "link mode chosen for mixnet0"
read -r b0 p0 <<< "$(tx_counters "$H1" mixnet0)"

nsx "$H1" "$SENDRECV" udp 198.18.0.2 9000 1000 40 || fail "udp through mixnet0"
head -c 1000000 /dev/urandom > "$tmp/file"
tcp_sink "$H2" 5001 "$tmp/got"
sink=$!
nsx "$H1" "$SENDRECV" tcp-send 198.18.0.2 5001 "$tmp/file" || fail "tcp through mixnet0"
wait $sink || fail "tcp sink"
assert_eq "$(cat "$tmp/got")" 1000000 "bytes received through mixnet0"

read -r b1 p1 <<< "$(tx_counters "$H1" mixnet0)"
j=$(show_json "$H1" mixnet0)
peer_b=$(peer_field "$j" 198.18.0.2 bytes)
peer_p=$(peer_field "$j" 198.18.0.2 packets)
info "mixnet0 sent $((p1 - p0)) packets, $((b1 - b0)) bytes; sampler: $peer_p, $peer_b"
assert_eq "$(peer_field "$j" unknown bytes)" 0 "unknown-peer bytes"
assert_eq "$peer_b" $((b1 - b0)) "per-peer bytes vs mixnet0's transmitted IP bytes"
assert_eq "$peer_p" $((p1 - p0)) "per-peer packets vs mixnet0's transmitted packets"
assert_eq "$(jq -r '.devices[0].flows[] | select(.dport == 9000) | .bytes' <<< "$j")" \
	$((40 * 1028)) "UDP flow bytes on mixnet0"
assert_ge "$(jq -r '.devices[0].flows[] | select(.dport == 5001) | .bytes' <<< "$j")" 1000000 \
	"TCP flow bytes on mixnet0"
assert_eq "$(jq -r '.devices[0].errors | [.[]] | add' <<< "$j")" 0 "error counters"
t=$(agent_in "$H1" tm --interval 100 --json) || fail "tm without a device (mixnet0)"
assert_eq "$(jq -r .dev <<< "$t")" mixnet0 "tm's default device"
assert_eq "$(jq -r '.peers[] | select(.peer == "198.18.0.2") | .bytes' <<< "$t")" "$peer_b" "tm bytes"

agent_in "$H1" flows detach mixnet0 || fail "detach"
[ ! -e "$MIXNET_PIN_ROOT/mixnet0" ] || fail "pins left"
tc -n "$H1" qdisc show dev mixnet0 | grep -q clsact && fail "clsact left on mixnet0"
exit 0
