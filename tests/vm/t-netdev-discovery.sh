#!/usr/bin/env bash
# Discovery, driven frame by frame: mxh1's optical lower vo1 faces a plain
# namespace (mxp) that sends hand-made hellos.  Checks the hello mxh1
# sends, learning from a good hello, every kind of bad hello (counted,
# ignored), the answer to a soliciting hello, re-validation after a
# carrier flap, a circuit that now reaches another device, static optical
# paths confirmed only by a matching hello, and expiry.
. "$(dirname "$0")/../lib/assert.sh"
# Periodic hellos only once a minute (mxh1 sends them on carrier-up and
# to answer solicits); peers forgotten after 15 s, far above what a step
# of this test takes in a busy TCG guest.
load_module hello_interval_ms=60000 hello_timeout_ms=15000
. "$(dirname "$0")/netdev-lib.sh"

mkhost 1
mkns mxp
ip link add vo1 netns mxh1 type veth peer name vp netns mxp || fail "veth vo1"
ip link add ve1 netns mxh1 type veth peer name vq netns mxp || fail "veth ve1"
ip -n mxh1 link set vo1 master mixnet0 || fail "enslave vo1"
ip -n mxh1 link set ve1 master mixnet0 || fail "enslave ve1"
nsx mxh1 "$AGENT" port set vo1 role optical || fail "port set vo1 role optical"
ip -n mxh1 link set ve1 up; ip -n mxp link set vq up
nsx mxh1 "$AGENT" route add default dev mixnet0 electrical ve1 lladdr "$(mac mxp vq)" || fail "default route"
VP=$(mac mxp vp)
ID=$(mxstat mxh1 dev_id)
bad() { mxstat mxh1 hello_bad; }
hello() { nsx mxp "$PKT" hello vp "$@" || fail "send hello $*"; }
learned() { [ "$(live_optical mxh1 "$1")" -ge 1 ]; }
# keepalive HELLO-ARGS...: a good hello every 0.3 s until keepalive_stop
# (hello_timeout_ms is 15000: a peer that stops sending is forgotten).
KA=
KAFLAG=/tmp/netdev-keepalive.$$
keepalive() {
	keepalive_stop
	touch "$KAFLAG"
	( while [ -e "$KAFLAG" ]; do nsx mxp "$PKT" hello vp good "$@"; sleep 0.3; done ) > /dev/null 2>&1 &
	KA=$!
}
# Returns once the last hello of the loop was sent.
keepalive_stop() { rm -f "$KAFLAG"; [ -n "$KA" ] && wait "$KA" 2> /dev/null; KA=; }
on_exit keepalive_stop

# ---- the hello mxh1 sends when the circuit comes up -----------------------------
nsx mxp "$PKT" hello-recv vp 10000 > /tmp/netdev-hello.txt &
hpid=$!
sleep 0.3
ip -n mxp link set vp up; ip -n mxh1 link set vo1 up
wait $hpid || fail "no hello from mxh1 on carrier-up"
read -r -a h < /tmp/netdev-hello.txt
info "${h[*]}"
assert_eq "${h[2]}" 0x4d584e48 "hello magic"
assert_eq "${h[4]}" 1 "hello version"
assert_eq "${h[6]}" "$ID" "hello dev_id"
assert_eq "${h[8]}" 1 "hello flags (solicit: nobody answered yet)"
assert_eq "${h[12]}" 0 "hello reserved"
assert_eq "${h[*]:14}" "$(v4 1) $(v6 1)" "hello addresses"

# ---- a good hello: the peer is learned on vo1 ------------------------------------
b0=$(bad)
keepalive 0x1234 "$(v4 2)" "$(v6 2)"
wait_for 10 learned "$(v4 2)" || fail "path to $(v4 2) not learned"
learned "$(v6 2)" || fail "path to $(v6 2) not learned"
p=$(route_json mxh1 "$(v4 2)" | jq -c '.paths[0]')
assert_eq "$(echo "$p" | jq -r '.lower + " " + .lladdr + " " + .origin')" "vo1 $VP learned" "learned path"
assert_eq "$(via mxh1 "$(v4 2)")" optical "path to $(v4 2)"
assert_eq "$(port_json mxh1 vo1 | jq -r '.peer_dev_id + " " + .peer_lladdr')" "0x0000000000001234 $VP" "peer of vo1"
confirmed mxh1 vo1 || fail "vo1 not confirmed"
assert_eq "$(bad)" "$b0" "hello_bad after a good hello"
o0=$(mxstat mxh1 tx_optical_packets); r0=$(ifstat mxp vp rx_packets)
nsx mxh1 $PING -c 3 -W 1 "$(v4 2)" > /dev/null	# nobody answers: only the transmit counts
assert_eq "$(($(mxstat mxh1 tx_optical_packets) - o0))" 3 "optical packets of 3 pings"
assert_ge "$(($(ifstat mxp vp rx_packets) - r0))" 3 "frames that reached the far end"

# ---- bad hellos: counted, ignored ------------------------------------------------------
gen=$(mxstat mxh1 generation); n=$(bad)
expect_bad() {	# expect_bad WHAT HELLO-ARGS...
	local what=$1; shift
	hello "$@"
	n=$((n + 1))
	wait_until 10 'test "$(bad)" -eq "$n"' || fail "hello_bad after $what: $(bad), expected $n"
}
expect_bad "a bad magic" bad_magic 0x1234 "$(v4 2)"
expect_bad "a bad version" bad_version 0x1234 "$(v4 2)"
expect_bad "reserved bits" reserved 0x1234 "$(v4 2)"
expect_bad "a truncated hello" truncated 0x1234 "$(v4 2)" "$(v6 2)"
expect_bad "too many addresses" too_many 0x1234 "$(v4 2)"
expect_bad "device id 0" good 0 "$(v4 2)"
expect_bad "our own device id" good "$ID" "$(v4 2)"
expect_bad "a hello claiming our address" good 0x1234 "$(v4 1)"
expect_bad "a multicast address" good 0x1234 224.0.0.5
expect_bad "an IPv4-mapped IPv6 address" good 0x1234 "$(v4 2)" ::ffff:198.18.0.9
expect_bad "an IPv4-compatible IPv6 address" good 0x1234 "$(v4 2)" ::198.18.0.9
expect_bad "a link-local IPv6 address" good 0x1234 "$(v4 2)" fe80::9
expect_bad "a link-local IPv4 address" good 0x1234 169.254.0.9
expect_bad "bytes after the addresses" trailing 0x1234 "$(v4 2)" "$(v6 2)"
expect_bad "nine IPv4 addresses" good 0x1234 $(seq -f 198.18.0.%g 10 18)
expect_bad "a second sender on a confirmed circuit" good 0x5678 198.18.0.7
assert_eq "$(port_json mxh1 vo1 | jq -r '.hello_bad')" "$n" "hello_bad of vo1"
assert_eq "$(mxstat mxh1 generation)" "$gen" "routing table generation after bad hellos"
assert_eq "$(port_json mxh1 vo1 | jq -r '.peer_dev_id')" 0x0000000000001234 "peer of vo1 after bad hellos"
[ -z "$(route_json mxh1 198.18.0.7)" ] || fail "a route was learned from an inconsistent hello"
[ -z "$(route_json mxh1 198.18.0.9)" ] || fail "a route was learned from an IPv4 address in IPv6 form"

# A hello on an electrical lower is not discovery's business.
nsx mxp "$PKT" hello vq good 0x4444 198.18.0.8 || fail "hello on vq"
n=$((n + 1))
wait_until 10 'test "$(bad)" -eq "$n"' || fail "hello_bad after a hello on an electrical lower"
[ -z "$(route_json mxh1 198.18.0.8)" ] || fail "learned a path from an electrical lower"

# ---- a soliciting hello is answered at once ------------------------------------------
nsx mxp "$PKT" hello-recv vp 10000 > /tmp/netdev-hello.txt &
hpid=$!
sleep 0.3
hello solicit 0x1234 "$(v4 2)" "$(v6 2)"
wait $hpid || fail "no answer to a soliciting hello"
read -r -a h < /tmp/netdev-hello.txt
assert_eq "${h[8]}" 0 "flags of the answer (mxh1 has confirmed its peer)"

# ---- carrier flap: nothing goes down the circuit until a hello confirms it -----------------
keepalive_stop
f0=$(mxstat mxh1 fallbacks)
ip -n mxp link set vp down
assert_eq "$(live_optical mxh1 "$(v4 2)")" 0 "live optical paths without carrier"
assert_eq "$(via mxh1 "$(v4 2)")" default "path to $(v4 2) without carrier"
wait_until 10 'test "$(mxstat mxh1 fallbacks)" -eq $((f0 + 1))' || fail "fallbacks after the carrier loss"
ip -n mxp link set vp up
wait_until 10 'test "$(nsx mxh1 cat /sys/class/net/vo1/carrier)" = 1' || fail "vo1 carrier"
sleep 0.5
assert_eq "$(live_optical mxh1 "$(v4 2)")" 0 "live optical paths after carrier-up, before a hello"
o0=$(mxstat mxh1 tx_optical_packets)
nsx mxh1 $PING -c 2 -W 1 "$(v4 2)" > /dev/null
assert_eq "$(mxstat mxh1 tx_optical_packets)" "$o0" "optical packets before the circuit was confirmed again"
keepalive 0x1234 "$(v4 2)" "$(v6 2)"
wait_for 10 learned "$(v4 2)" || fail "path to $(v4 2) not confirmed again"

# ---- the circuit now reaches another device ---------------------------------------------------
keepalive_stop
ip -n mxp link set vp down; ip -n mxp link set vp up
wait_until 10 'test "$(nsx mxh1 cat /sys/class/net/vo1/carrier)" = 1' || fail "vo1 carrier"
keepalive 0x9999 198.18.0.3
wait_for 10 learned 198.18.0.3 || fail "path to 198.18.0.3 not learned"
wait_until 10 'test -z "$(route_json mxh1 "$(v4 2)")"' || fail "learned route to $(v4 2) survived the new peer"
[ -z "$(route_json mxh1 "$(v6 2)")" ] || fail "learned route to $(v6 2) survived the new peer"
assert_eq "$(port_json mxh1 vo1 | jq -r '.peer_dev_id')" 0x0000000000009999 "peer of vo1"

# ---- static optical paths need a matching hello ------------------------------------------------
nsx mxh1 "$AGENT" route add 198.18.0.5 dev mixnet0 optical vo1 lladdr "$VP" || fail "static optical route"
sleep 0.3
assert_eq "$(live_optical mxh1 198.18.0.5)" 0 "static path before a hello lists its peer"
keepalive 0x9999 198.18.0.3 198.18.0.5
wait_for 10 learned 198.18.0.5 || fail "static path not confirmed"
assert_eq "$(route_json mxh1 198.18.0.5 | jq -r '.paths[0].origin')" static "origin of the confirmed path"
# The peer stops announcing .5: its path stops at once.
keepalive 0x9999 198.18.0.3
wait_until 10 'test "$(live_optical mxh1 198.18.0.5)" -eq 0' || fail "static path still live after its peer left the hello"
[ -n "$(route_json mxh1 198.18.0.5)" ] || fail "the static route went away"
# A static path naming another MAC is not confirmed by a hello from this one.
nsx mxh1 "$AGENT" route replace 198.18.0.5 dev mixnet0 optical vo1 lladdr 02:00:00:00:00:99 || fail "route replace"
n=$(bad)
keepalive 0x9999 198.18.0.3 198.18.0.5
wait_until 10 'test "$(bad)" -gt "$n"' || fail "hello_bad after a MAC mismatch"
assert_eq "$(live_optical mxh1 198.18.0.5)" 0 "static path with another MAC"

# ---- expiry: no hellos, no learned path ---------------------------------------------------------------
keepalive_stop
wait_until 40 'test -z "$(route_json mxh1 198.18.0.3)"' || fail "learned route did not expire"
[ -n "$(route_json mxh1 198.18.0.5)" ] || fail "the static route expired"
assert_eq "$(port_json mxh1 vo1 | jq -r '.peer_dev_id')" null "peer of vo1 after expiry"
confirmed mxh1 vo1 && fail "vo1 still confirmed after expiry"

# ---- hellos while mixnet0 is down are ignored ------------------------------------------------------------
ip -n mxh1 link set mixnet0 down
hello good 0x9999 198.18.0.3
sleep 0.5
ip -n mxh1 link set mixnet0 up
sleep 0.3
[ -z "$(route_json mxh1 198.18.0.3)" ] || fail "learned a path while mixnet0 was down"
assert_eq "$(mxstat mxh1 tx_dropped_noroute)" 0 "noroute drops"

# ---- what a hello announces: fabric addresses only, at most 8 of each family --------------------
ip -n mxh1 addr add 169.254.0.1/16 dev mixnet0 || fail "link-local IPv4 address"
for i in $(seq 10 19); do
	ip -n mxh1 addr add "198.18.0.$i/24" dev mixnet0 || fail "address 198.18.0.$i"
	ip -n mxh1 addr add "2001:2::$i/64" dev mixnet0 nodad || fail "address 2001:2::$i"
done
mine=$(ip -n mxh1 -j addr show dev mixnet0 | jq -r '.[0].addr_info[].local')
nsx mxp "$PKT" hello-recv vp 10000 > /tmp/netdev-hello.txt &
hpid=$!
sleep 0.3
ip -n mxp link set vp down; ip -n mxp link set vp up	# a hello on carrier-up
wait $hpid || fail "no hello from mxh1 with 22 addresses"
read -r -a h < /tmp/netdev-hello.txt
info "${h[*]}"
n4=0; n6=0
for a in "${h[@]:14}"; do
	case $a in *:*) n6=$((n6 + 1)) ;; *) n4=$((n4 + 1)) ;; esac
	echo "$mine" | grep -qx "$a" || fail "the hello announces $a, not an address of mixnet0"
	case $a in 169.254.*|fe80:*) fail "the hello announces the link-local $a" ;; esac
done
assert_eq "$n4 $n6" "8 8" "IPv4 and IPv6 addresses in a hello"
rm -f /tmp/netdev-hello.txt
exit 0
