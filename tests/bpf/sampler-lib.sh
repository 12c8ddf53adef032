# shellcheck shell=bash
# Fixtures of the sampler's test scripts (bpf and vm tiers): source after
# tests/lib/assert.sh.
SENDRECV=$TOP/build/tests/bpf/sendrecv

# The BPF file system, jq and the helpers; pins go to a private root.
need_sampler_env() {
	[ -x "$AGENT" ] || fail "$AGENT is not built"
	[ -x "$SENDRECV" ] || fail "$SENDRECV is not built"
	command -v jq > /dev/null || fail "jq missing (tools/deps installs it)"
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf || fail "cannot mount the BPF file system"
	fi
	export MIXNET_PIN_ROOT=/sys/fs/bpf/mixnet-t-$$
	on_exit "rm -rf $MIXNET_PIN_ROOT"
}

# agent_in NS ARGS...: mixnet-agent in NS's network namespace with the
# host's mounts (ip netns exec would hide /sys/fs/bpf).
agent_in() {
	local ns=$1; shift
	nsenter --net=/run/netns/"$ns" "$AGENT" "$@"
}

mac_of() {	# mac_of NS DEV
	ip -n "$1" -br link show "$2" | awk '{print $3}'
}

# veth_pair NSA NSB: namespaces joined by va (198.18.1.1/24) <-> vb
# (198.18.1.2/24), IPv6 off, static neighbours (198.18.1.2..9 behind vb):
# every frame va sends is one the test sent.
veth_pair() {
	local a=$1 b=$2 ns i
	mkns "$a"
	mkns "$b"
	for ns in "$a" "$b"; do
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || fail "sysctl in $ns"
	done
	ip link add va netns "$a" type veth peer name vb netns "$b" || fail "cannot create veth"
	ip -n "$a" addr add 198.18.1.1/24 dev va
	ip -n "$b" addr add 198.18.1.2/24 dev vb
	ip -n "$a" link set va up
	ip -n "$b" link set vb up
	for i in 2 3 4 5 6 7 8 9; do
		ip -n "$a" neigh replace 198.18.1.$i lladdr "$(mac_of "$b" vb)" dev va nud permanent
	done
	ip -n "$b" neigh replace 198.18.1.1 lladdr "$(mac_of "$a" va)" dev vb nud permanent
}

# tx_counters NS DEV: "bytes packets" the device has sent.
tx_counters() {
	nsx "$1" cat /sys/class/net/"$2"/statistics/tx_bytes /sys/class/net/"$2"/statistics/tx_packets |
		tr '\n' ' '
}

# show_json NS [DEV]: flows show --json --interval 0 (totals only).
show_json() {
	local ns=$1; shift
	agent_in "$ns" flows show "$@" --json --interval 0 || fail "flows show failed"
}

# peer_field JSON PEER FIELD: a field of one peer (PEER "unknown": slot 0).
peer_field() {
	if [ "$2" = unknown ]; then
		jq -r ".devices[0].unknown.$3" <<< "$1"
	else
		jq -r ".devices[0].peers[] | select(.peer == \"$2\") | .$3" <<< "$1"
	fi
}

# tcp_sink NS PORT OUT: start a sink in NS writing the byte count to OUT;
# returns once it listens (so no connection attempt is refused).  $! is it.
tcp_sink() {
	nsx "$1" "$SENDRECV" tcp-sink "$2" > "$3" &
	wait_for 10 sh -c "ip netns exec $1 ss -Htln 'sport = :$2' | grep -q ." ||
		fail "tcp sink on port $2 does not listen"
}
