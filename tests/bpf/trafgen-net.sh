# shellcheck shell=bash
# Fixtures of the mixnet-trafgen test scripts: source after
# tests/lib/assert.sh.  A region of N hosts, each a network namespace with
# eth0 = 198.18.0.(i+1)/24 on one bridge that lives in a "switch"
# namespace, which also holds the driver's address 198.18.0.254.
# Namespace names carry the script's PID: tests of several developers may
# run at the same time on one machine.
TRAFGEN=$TOP/tools/mixnet-trafgen
TG_NS=tg$$
TG_SW=${TG_NS}sw
TG_PIDS=()

need_trafgen_env() {
	[ -x "$TRAFGEN" ] || fail "$TRAFGEN is not built"
	command -v jq > /dev/null || fail "jq missing (tools/deps installs it)"
}

tg_host_ns() { echo "${TG_NS}h$1"; }	# tg_host_ns I
tg_addr() { echo "198.18.0.$(($1 + 1))"; }	# tg_addr I

# tg_region N: the namespaces, the bridge, the links.
tg_region() {
	local n=$1 i ns
	mkns "$TG_SW"
	ip -n "$TG_SW" link add br0 type bridge || fail "cannot create a bridge"
	ip -n "$TG_SW" addr add 198.18.0.254/24 dev br0
	ip -n "$TG_SW" link set br0 up
	for ((i = 0; i < n; i++)); do
		ns=$(tg_host_ns "$i")
		mkns "$ns"
		ip link add eth0 netns "$ns" type veth peer name "h$i" netns "$TG_SW" ||
			fail "cannot create veth for $ns"
		ip -n "$TG_SW" link set "h$i" master br0 up
		ip -n "$ns" addr add "$(tg_addr "$i")/24" dev eth0
		ip -n "$ns" link set eth0 up
	done
}

# tg_hosts N: the --hosts list h0=198.18.0.1,...
tg_hosts() {
	local i list=
	for ((i = 0; i < $1; i++)); do list+="${list:+,}h$i=$(tg_addr "$i")"; done
	echo "$list"
}

# tg_serve I [ARGS...]: start host I's server in the background (its
# stderr to $TG_LOG.I); its PID goes to TG_PID[I].
declare -A TG_PID
tg_serve() {
	local i=$1; shift
	# ip itself, not the nsx function: $! must be the server's PID
	# (ip netns exec execs it), so the test can signal it
	ip netns exec "$(tg_host_ns "$i")" "$TRAFGEN" serve --bind "$(tg_addr "$i")" "$@" \
		2> "$TG_LOG.$i" &
	TG_PID[$i]=$!
	on_exit "kill -CONT ${TG_PID[$i]}; kill ${TG_PID[$i]}; wait ${TG_PID[$i]}"
}

# tg_serve_all N [ARGS...]
tg_serve_all() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do tg_serve "$i" "$@"; done
}

# tg_run ARGS...: the driver, in the switch namespace.
tg_run() { nsx "$TG_SW" "$TRAFGEN" run "$@"; }

# tg_dev_bytes I rx|tx: bytes host I's eth0 has received / sent.
tg_dev_bytes() {
	nsx "$(tg_host_ns "$1")" cat "/sys/class/net/eth0/statistics/$2_bytes"
}

TG_LOG=$(mktemp /tmp/mixnet-trafgen-log.XXXXXX)
on_exit "rm -f $TG_LOG $TG_LOG.*"
