#!/usr/bin/env bash
# The routing table through the CLI and generic netlink: add, replace,
# get, show (text and JSON), delete, IPv4, IPv6 and the default entry;
# the electrical data path it drives (static next hops, default, no
# route); and bad input of every kind refused with the kernel's reason and
# the right exit code, leaving the table exactly as it was: a non-lower
# device, another mixnet device's lower, malformed addresses, kinds that
# do not match the role, unknown and output-only attributes, missing ones;
# a dump interrupted by a change is flagged.
. "$(dirname "$0")/../lib/assert.sh"
load_module
. "$(dirname "$0")/netdev-lib.sh"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

mkhost 1; mkhost 2
ip link add e1 netns mxh1 type veth peer name e2 netns mxh2 || fail "veth e1"
ip link add vo netns mxh1 type veth peer name vp netns mxh2 || fail "veth vo"
for i in 1 2; do
	ip -n mxh$i link set e$i master mixnet0 || fail "enslave e$i"
	ip -n mxh$i link set e$i up
done
ip -n mxh1 link set vo master mixnet0 || fail "enslave vo"
nsx mxh1 "$AGENT" port set vo role optical || fail "vo optical"
ip -n mxh1 link add mixnet1 type mixnet
ip -n mxh1 link add vx type veth peer name vy
ip -n mxh1 link set vx master mixnet1
ip -n mxh1 link add dummy0 type dummy
M2=$(mac mxh2 e2); M1=$(mac mxh1 e1); MP=$(mac mxh2 vp)
A="nsx mxh1 $AGENT"

# ---- no route: dropped and counted --------------------------------------------------------
assert_fails nsx mxh1 $PING -c 1 -W 1 "$(v4 2)"
assert_eq "$(mxstat mxh1 tx_dropped_noroute)" 1 "tx_dropped_noroute without a route"
[ "$(nsx mxh1 cat /sys/class/net/mixnet0/statistics/tx_dropped)" -ge 1 ] || fail "standard tx_dropped"

# ---- add, show, get ---------------------------------------------------------------------------
$A route add "$(v4 2)" dev mixnet0 electrical e1 lladdr "$M2" || fail "route add IPv4"
$A route add "$(v6 2)" dev mixnet0 optical vo lladdr "$MP" electrical e1 lladdr "$M2" || fail "route add IPv6"
nsx mxh2 "$AGENT" route add default dev mixnet0 electrical e2 lladdr "$M1" || fail "route add default"
assert_eq "$(mxstat mxh1 routes)" 2 "routes in mxh1"
assert_eq "$(mxstat mxh2 routes)" 0 "routes in mxh2 (the default entry is not counted)"
j=$(route_json mxh1 "$(v4 2)")
assert_eq "$(echo "$j" | jq -r '.via + " " + (.static | tostring) + " " + (.paths | length | tostring)')" \
	"electrical true 1" "IPv4 route"
assert_eq "$(echo "$j" | jq -r '.paths[0] | .kind + " " + .lower + " " + .lladdr + " " + .origin')" \
	"electrical e1 $M2 static" "IPv4 route path"
j=$(route_json mxh1 "$(v6 2)")
assert_eq "$(echo "$j" | jq -r '[.paths[] | .kind + ":" + .lower + ":" + (.live | tostring)] | join(" ")')" \
	"optical:vo:false electrical:e1:true" "IPv6 route paths"
assert_eq "$(echo "$j" | jq -r '.via')" electrical "IPv6 route with an unconfirmed optical path"
assert_eq "$(nsx mxh2 "$AGENT" route show --json | jq -r '.[0].peer + " " + .[0].via')" "default default" "default entry"
$A route show dev mixnet0 "$(v4 2)" | grep -q "^$(v4 2) dev mixnet0 via electrical static" ||
	fail "route show PEER: $($A route show dev mixnet0 "$(v4 2)")"
$A route show | grep -q "^    electrical e1 lladdr $M2 static live" || fail "route show text: $($A route show)"

# ---- traffic: IPv4 by its route, IPv6 by its electrical path, replies by the default ----------
nsx mxh1 $PING -c 2 -W 2 "$(v4 2)" > /dev/null || fail "ping $(v4 2)"
nsx mxh1 $PING -c 2 -W 2 "$(v6 2)" > /dev/null || fail "ping $(v6 2)"
assert_ge "$(mxstat mxh1 tx_electrical_packets)" 4 "electrical packets of mxh1"
assert_eq "$(mxstat mxh1 tx_optical_packets)" 0 "optical packets of mxh1"
assert_ge "$(mxstat mxh2 tx_electrical_packets)" 4 "electrical packets of mxh2 (default entry)"
assert_ge "$(nsx mxh2 cat /sys/class/net/mixnet0/statistics/rx_packets)" 4 "rx_packets of mxh2"
tcp mxh1 2 1M; tcp mxh1 2 1M -6

# ---- replace ---------------------------------------------------------------------------------------
check_rc() {	# check_rc RC TEXT CMD...
	local want=$1 text=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	assert_eq "$rc" "$want" "exit code of ${*:3}: $out"
	echo "$out" | grep -q -- "$text" || fail "${*:3}: expected '$text' in: $out"
}
check_rc 5 "route exists" $A route add "$(v4 2)" dev mixnet0 electrical e1 lladdr "$M2"
$A route replace "$(v4 2)" dev mixnet0 electrical e1 lladdr 02:00:00:00:00:22 || fail "route replace"
assert_eq "$(route_json mxh1 "$(v4 2)" | jq -r '.paths[0].lladdr')" 02:00:00:00:00:22 "lladdr after replace"
$A route replace "$(v4 2)" dev mixnet0 electrical e1 lladdr "$M2" || fail "route replace back"

# ---- bad input: refused with a reason, the table untouched ------------------------------------------
before=$($A route show --json); gen=$(mxstat mxh1 generation)
check_rc 2 "not a lower of this mixnet device" $A route add 198.18.0.9 dev mixnet0 electrical dummy0 lladdr "$M2"
check_rc 2 "not a lower of this mixnet device" $A route add 198.18.0.9 dev mixnet0 electrical lo lladdr "$M2"
check_rc 2 "lower of another mixnet device" $A route add 198.18.0.9 dev mixnet0 electrical vx lladdr "$M2"
check_rc 4 "no such device" $A route add 198.18.0.9 dev mixnet0 electrical nosuch lladdr "$M2"
check_rc 4 "no such device" $A route add 198.18.0.9 dev nosuch electrical e1 lladdr "$M2"
check_rc 2 "not a mixnet device" $A route add 198.18.0.9 dev e1 electrical e1 lladdr "$M2"
check_rc 2 "not an IPv4 or IPv6 address" $A route add 198.18.0.300 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "not an IPv4 or IPv6 address" $A route add 198.18.0.0/24 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer4 is not a unicast address" $A route add 224.0.0.1 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer4 is not a unicast address" $A route add 255.255.255.255 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer4 is not a unicast address" $A route add 0.0.0.0 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer4 is not a unicast address" $A route add 127.0.0.1 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer4 is not a unicast address" $A route add 169.254.0.9 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer6 is not a unicast IPv6 address" $A route add ff02::1 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer6 is not a unicast IPv6 address" $A route add ::ffff:198.18.0.9 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer6 is not a unicast IPv6 address" $A route add ::1 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer6 is not a unicast IPv6 address" $A route add :: dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer6 is not a unicast IPv6 address" $A route add fe80::9 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "peer6 is not a unicast IPv6 address" $A route add ::198.18.0.9 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 2 "not a MAC address" $A route add 198.18.0.9 dev mixnet0 electrical e1 lladdr 02:00:00:00:00
check_rc 2 "not a MAC address" $A route add 198.18.0.9 dev mixnet0 electrical e1 lladdr 02:00:00:00:00:0g
check_rc 2 "unicast Ethernet address" $A route add 198.18.0.9 dev mixnet0 electrical e1 lladdr 01:00:5e:00:00:01
check_rc 2 "unicast Ethernet address" $A route add 198.18.0.9 dev mixnet0 electrical e1 lladdr 00:00:00:00:00:00
check_rc 2 "whose role is electrical" $A route add 198.18.0.9 dev mixnet0 optical e1 lladdr "$M2"
check_rc 2 "whose role is optical" $A route add 198.18.0.9 dev mixnet0 electrical vo lladdr "$MP"
check_rc 2 "only one electrical path" $A route add 198.18.0.9 dev mixnet0 electrical e1 lladdr "$M2" electrical e1 lladdr "$M2"
check_rc 2 "two optical paths on one lower" $A route add 198.18.0.9 dev mixnet0 optical vo lladdr "$MP" optical vo lladdr "$MP"
check_rc 2 "takes only an electrical path" $A route add default dev mixnet0 optical vo lladdr "$MP"
check_rc 2 "at least one path" $A route add 198.18.0.9 dev mixnet0
check_rc 2 "missing dev" $A route add 198.18.0.9 electrical e1 lladdr "$M2"
check_rc 2 "expected: optical LOWER lladdr MAC" $A route add 198.18.0.9 dev mixnet0 optical vo
check_rc 2 "unexpected argument" $A route add 198.18.0.9 dev mixnet0 bogus
check_rc 2 "unknown route subcommand" $A route frob
check_rc 4 "no route to that peer" $A route del 198.18.0.9 dev mixnet0
check_rc 4 "no route to that peer" $A route show dev mixnet0 198.18.0.9
check_rc 3 "" nsx mxh1 $NOBODY "$AGENT" route add 198.18.0.9 dev mixnet0 electrical e1 lladdr "$M2"
check_rc 3 "" nsx mxh1 $NOBODY "$AGENT" route del "$(v4 2)" dev mixnet0
nsx mxh1 $NOBODY "$AGENT" route show > /dev/null || fail "route show as nobody"
# Requests no CLI would send, straight to the family.
raw() {	# raw CASE ERRNO TEXT
	local out
	out=$(nsx mxh1 "$NL" raw mixnet0 "$1") || fail "raw $1 was accepted: $out"
	echo "$out" | grep -q "^errno $2 msg .*$3" || fail "raw $1: expected errno $2 and '$3': $out"
}
raw unknown_attr 22 "Unknown attribute type"
raw unknown_nested 22 "Unknown attribute type"
raw output_only 22 "attribute is output only"
raw nested_output_only 22 "attribute is output only"
raw path_origin 22 "attribute is output only"
raw bad_flags 22 "reserved bit set"
raw bad_ifname 22 "."
raw short_peer 34 "binary attribute size out of range"
raw bad_kind 34 "integer out of range"
raw two_peers 22 "exactly one of peer4, peer6 and default"
raw no_peer 22 "exactly one of peer4, peer6 and default"
raw no_route 22 "missing attribute"
raw no_dev 22 "no mixnet device given"
raw path_no_lladdr 22 "path lladdr missing"
raw no_paths 22 "at least one path"
assert_eq "$($A route show --json)" "$before" "routing table after refused requests"
assert_eq "$(mxstat mxh1 generation)" "$gen" "generation after refused requests"

# A lower in use by static paths keeps its role until they are gone.
check_rc 5 "static routes use this lower" $A port set vo role electrical
$A route del "$(v6 2)" dev mixnet0 || fail "route del IPv6"
$A port set vo role electrical || fail "role change once unused"

# ---- dumps: complete, and flagged when the table changes in the middle -----------------------------
nsx mxh1 "$NL" fill mixnet0 e1 "$M2" 3000 > /dev/null || fail "fill 3000 routes"
assert_eq "$(mxstat mxh1 routes)" 3001 "routes after the fill"
out=$(nsx mxh1 "$NL" count mixnet0) || fail "count"
assert_eq "$(echo "$out" | awk '{print $2}')" 3001 "routes dumped"
assert_eq "$($A route show --json | jq length)" 3001 "routes shown"
out=$(nsx mxh1 "$NL" dumpintr mixnet0 e1 "$M2") || fail "a change during a dump was not flagged: $out"
info "$out"
nsx mxh1 "$NL" del mixnet0 3000 > /dev/null || fail "delete 3000 routes"
assert_eq "$(mxstat mxh1 routes)" 1 "routes after the deletes"

# ---- delete ---------------------------------------------------------------------------------------------
$A route del "$(v4 2)" dev mixnet0 || fail "route del IPv4"
nsx mxh2 "$AGENT" route del default dev mixnet0 || fail "route del default"
assert_eq "$($A route show --json)" "[]" "routes left in mxh1"
assert_eq "$(nsx mxh2 "$AGENT" route show --json)" "[]" "routes left in mxh2"
n=$(mxstat mxh1 tx_dropped_noroute)
assert_fails nsx mxh1 $PING -c 1 -W 1 "$(v4 2)"
assert_eq "$(mxstat mxh1 tx_dropped_noroute)" $((n + 1)) "noroute drops after the delete"
# Releasing a lower takes its paths (and routes left without one) with it.
$A route add 198.18.0.7 dev mixnet0 electrical e1 lladdr "$M2" || fail "route via e1"
ip -n mxh1 link set e1 nomaster
assert_eq "$($A route show --json)" "[]" "routes after their lower was released"
exit 0
