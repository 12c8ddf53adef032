# shellcheck shell=bash
# Fixtures of the t-netdev-*.sh tests (sourced after tests/lib/assert.sh).
#
# region_setup N: N hosts mxh1..mxhN (network namespaces), each with
#   mixnet0 holding 198.18.0.I/24 and 2001:2::I/64;
#   one electrical lower eI (veth) whose other end is a port of the
#   bridge mxbr in the initial namespace;
#   two optical lowers: ports 2(I-1) and 2(I-1)+1 of the simulated ocs0
#   (load the module with sim_ports >= 2N first);
#   static electrical routes (IPv4 and IPv6) to every other host, next hop
#   the peer's electrical lower MAC.
# Host I's optical ports are $(oport I 0) and $(oport I 1).
NL=$TOP/build/tests/vm/netdev_nl
PKT=$TOP/build/tests/vm/netdev_pkt
PING="busybox ping"
[ -x "$NL" ] && [ -x "$PKT" ] || fail "netdev test helpers are not built (make)"
# The guest cannot autoload modules (its usermode modprobe sees the initramfs).
modprobe -a veth bridge macvlan dummy || fail "modprobe veth bridge macvlan dummy"

# wait_until SECS 'CONDITION': wait_for with a shell condition that is
# evaluated afresh every time (wait_for's arguments are expanded once).
wait_until() { local _secs=$1; shift; wait_for "$_secs" eval "$1"; }

mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }
# mxstat NS FILE: /sys/class/net/mixnet0/mixnet/FILE in NS.
mxstat() { nsx "$1" cat "/sys/class/net/${3:-mixnet0}/mixnet/$2"; }
# ifstat NS DEV COUNTER: a standard interface counter.
ifstat() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }
oport() { echo "ocs0p$((2 * ($1 - 1) + $2))"; }
v4() { echo "198.18.0.$1"; }
v6() { echo "2001:2::$1"; }

# route_json NS PEER: the route show --json object of PEER on mixnet0.
route_json() {
	local out
	out=$(nsx "$1" "$AGENT" route show dev mixnet0 --json) || fail "route show in $1: $out"
	echo "$out" | jq -c --arg p "$2" '.[] | select(.peer == $p)'
}
# via NS PEER: which path PEER's packets take now.
via() { route_json "$1" "$2" | jq -r '.via'; }
# live_optical NS PEER: live optical paths to PEER.
live_optical() {
	local j
	j=$(route_json "$1" "$2")
	[ -n "$j" ] || { echo 0; return; }
	echo "$j" | jq '[.paths[] | select(.kind == "optical" and .live)] | length'
}
# port_json NS LOWER
port_json() { nsx "$1" "$AGENT" port show --json | jq -c --arg l "$2" '.[] | select(.lower == $l)'; }
confirmed() { [ "$(port_json "$1" "$2" | jq -r '.confirmed')" = true ]; }
hello_tx() { port_json "$1" "$2" | jq -r '.hello_tx'; }
# port_tx_all NS DEV: every frame handed to DEV (sent or dropped).
port_tx_all() { echo $(($(ifstat "$1" "$2" tx_packets) + $(ifstat "$1" "$2" tx_dropped))); }
# optical_to NS PEER N: wait until PEER has N live optical paths.
optical_to() {
	local _ns=$1 _peer=$2 _n=$3
	wait_until "${4:-10}" 'test "$(live_optical "$_ns" "$_peer")" -ge "$_n"'
}

mkhost() {	# mkhost I
	local ns=mxh$1
	mkns "$ns"
	ip -n "$ns" link add mixnet0 type mixnet || fail "create mixnet0 in $ns"
	ip -n "$ns" addr add "$(v4 "$1")/24" dev mixnet0
	ip -n "$ns" addr add "$(v6 "$1")/64" dev mixnet0 nodad
	ip -n "$ns" link set mixnet0 up
}

region_setup() {
	local n=$1 i j p
	ip link del mxbr 2> /dev/null
	ip link add mxbr type bridge || fail "bridge"
	on_exit "ip link del mxbr"
	ip link set mxbr up
	for i in $(seq 1 "$n"); do
		mkhost "$i"
		# Namespaces die asynchronously: a previous test's pair may linger.
		ip link del "mxbr$i" 2> /dev/null
		ip link add "e$i" netns "mxh$i" type veth peer name "mxbr$i" || fail "veth e$i"
		on_exit "ip link del mxbr$i"
		ip link set "mxbr$i" master mxbr
		ip link set "mxbr$i" up
		ip -n "mxh$i" link set "e$i" master mixnet0 || fail "enslave e$i"
		ip -n "mxh$i" link set "e$i" up
		for p in 0 1; do
			ip link set "$(oport "$i" "$p")" netns "mxh$i" || fail "move $(oport "$i" "$p")"
			ip -n "mxh$i" link set "$(oport "$i" "$p")" master mixnet0 || fail "enslave $(oport "$i" "$p")"
			ip -n "mxh$i" link set "$(oport "$i" "$p")" up
		done
	done
	for i in $(seq 1 "$n"); do
		for j in $(seq 1 "$n"); do
			[ "$i" = "$j" ] && continue
			nsx "mxh$i" "$AGENT" route add "$(v4 "$j")" dev mixnet0 electrical "e$i" \
				lladdr "$(mac "mxh$j" "e$j")" || fail "route to $(v4 "$j") in mxh$i"
			nsx "mxh$i" "$AGENT" route add "$(v6 "$j")" dev mixnet0 electrical "e$i" \
				lladdr "$(mac "mxh$j" "e$j")" || fail "route to $(v6 "$j") in mxh$i"
		done
	done
}

# tcp NS_FROM TO_I BYTES [-6]: a TCP transfer to host TO_I (port 7001 or
# $TCP_PORT); every byte must arrive intact (the receiver checks a pattern).
tcp() {
	local from=$1 to=$2 bytes=$3 fam=${4:-} addr log port=${TCP_PORT:-7001}
	case $bytes in *M) bytes=$((${bytes%M} * 1024 * 1024)) ;; esac
	addr=$(v4 "$to"); [ "$fam" = -6 ] && addr=$(v6 "$to")
	log=$(mktemp /tmp/netdev-tcp.XXXXXX)
	nsx "mxh$to" "$PKT" tcp-recv "$addr" "$port" 120000 > "$log" &
	local rpid=$!
	wait_for 10 grep -q listening "$log" || fail "tcp receiver in mxh$to"
	nsx "$from" "$PKT" tcp-send "$addr" "$port" "$bytes" > /dev/null || fail "tcp $from -> $addr: $(tail -1 "$log")"
	wait "$rpid" || fail "tcp receiver $addr: $(tail -1 "$log")"
	rm -f "$log"
}

# udp NS_FROM TO_I PACKETS [-6]: PACKETS datagrams (4 flows) must all arrive.
udp() {
	local from=$1 to=$2 n=$3 fam=${4:-} addr log
	addr=$(v4 "$to"); [ "$fam" = -6 ] && addr=$(v6 "$to")
	log=$(mktemp /tmp/netdev-udp.XXXXXX)
	nsx "mxh$to" "$PKT" udp-recv "$addr" 7000 $((4 * n)) 20000 > "$log" &
	local rpid=$!
	wait_for 10 grep -q listening "$log" || fail "udp receiver in mxh$to"
	nsx "$from" "$PKT" udp-send "$addr" 7000 4 "$n" || fail "udp send $from -> $addr"
	wait "$rpid" || fail "udp $from -> $addr: $(cat "$log" | tail -1) of $((4 * n))"
	rm -f "$log"
}
