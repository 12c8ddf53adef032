#!/usr/bin/env bash
# Two parallel circuits between mxh1 and mxh2: flows spread over both, a
# single flow stays on one of them, and losing one circuit moves its
# flows to the other without leaving the optical fabric.
. "$(dirname "$0")/../lib/assert.sh"
# No periodic hellos during the test: frame counts on the ports are exact.
load_module sim_ports=4 sim_switch_delay_us=25000 hello_interval_ms=60000 hello_timeout_ms=60000
. "$(dirname "$0")/netdev-lib.sh"
region_setup 2

"$AGENT" ocs connect ocs0 0:2 1:3 --wait > /dev/null || fail "connect 0:2 1:3"
optical_to mxh1 "$(v4 2)" 2 || fail "mxh1 does not see two live optical paths to mxh2"
optical_to mxh2 "$(v4 1)" 2 || fail "mxh2 does not see two live optical paths to mxh1"

# non_hello NS PORT T0 H0: frames PORT sent since (T0, H0) that were not hellos.
non_hello() { echo $(($(port_tx_all "$1" "$2") - $3 - ($(hello_tx "$1" "$2") - $4))); }
snap() { a0=$(port_tx_all mxh1 ocs0p0); ah=$(hello_tx mxh1 ocs0p0); b0=$(port_tx_all mxh1 ocs0p1); bh=$(hello_tx mxh1 ocs0p1); }

# One flow: all of it on one circuit.
snap
tcp mxh1 2 4M
a=$(non_hello mxh1 ocs0p0 "$a0" "$ah"); b=$(non_hello mxh1 ocs0p1 "$b0" "$bh")
info "one TCP flow: ocs0p0 $a frames, ocs0p1 $b frames"
[ "$a" -eq 0 ] || [ "$b" -eq 0 ] || fail "one flow was split over both circuits ($a / $b frames)"
assert_ge $((a + b)) 100 "frames of the flow on the circuits"

# 64 flows (distinct source ports): both circuits carry a fair share.
snap
log=$(mktemp /tmp/netdev-par.XXXXXX)
nsx mxh2 "$PKT" udp-recv "$(v4 2)" 7000 $((64 * 40)) 20000 > "$log" &
rpid=$!
wait_for 10 grep -q listening "$log" || fail "receiver"
nsx mxh1 "$PKT" udp-send "$(v4 2)" 7000 64 40 || fail "udp flows"
wait $rpid || fail "datagrams over two circuits: $(tail -1 "$log")"
a=$(non_hello mxh1 ocs0p0 "$a0" "$ah"); b=$(non_hello mxh1 ocs0p1 "$b0" "$bh")
info "64 UDP flows: ocs0p0 $a frames, ocs0p1 $b frames"
assert_eq $((a + b)) $((64 * 40)) "datagrams on the two circuits"
assert_ge "$a" $((64 * 40 / 10)) "share of ocs0p0"
assert_ge "$b" $((64 * 40 / 10)) "share of ocs0p1"
# Flows keep their circuit: every flow's 40 datagrams went one way, so
# each port carried a multiple of 40.
assert_eq $((a % 40)) 0 "datagrams on ocs0p0 are whole flows"

# The same over IPv6.
snap
nsx mxh2 "$PKT" udp-recv "$(v6 2)" 7001 $((64 * 20)) 20000 > "$log" &
rpid=$!
wait_for 10 grep -q listening "$log" || fail "receiver (IPv6)"
nsx mxh1 "$PKT" udp-send "$(v6 2)" 7001 64 20 || fail "udp flows (IPv6)"
wait $rpid || fail "IPv6 datagrams over two circuits: $(tail -1 "$log")"
a=$(non_hello mxh1 ocs0p0 "$a0" "$ah"); b=$(non_hello mxh1 ocs0p1 "$b0" "$bh")
info "64 IPv6 UDP flows: ocs0p0 $a frames, ocs0p1 $b frames"
assert_ge "$a" $((64 * 20 / 10)) "IPv6 share of ocs0p0"
assert_ge "$b" $((64 * 20 / 10)) "IPv6 share of ocs0p1"

# One circuit goes: everything on the other, still optical.
f0=$(mxstat mxh1 fallbacks)
"$AGENT" ocs disconnect ocs0 1 --wait > /dev/null || fail "disconnect 1"
assert_eq "$(live_optical mxh1 "$(v4 2)")" 1 "live optical paths after one circuit went"
assert_eq "$(via mxh1 "$(v4 2)")" optical "path to mxh2 with one circuit left"
wait_until 5 'test "$(mxstat mxh1 fallbacks)" -eq $((f0 + 1))' || fail "fallbacks $(mxstat mxh1 fallbacks), was $f0"
snap
e0=$(mxstat mxh1 tx_electrical_packets)
nsx mxh2 "$PKT" udp-recv "$(v4 2)" 7000 $((64 * 20)) 20000 > "$log" &
rpid=$!
wait_for 10 grep -q listening "$log" || fail "receiver"
nsx mxh1 "$PKT" udp-send "$(v4 2)" 7000 64 20 || fail "udp flows"
wait $rpid || fail "datagrams over one circuit: $(tail -1 "$log")"
assert_eq "$(non_hello mxh1 ocs0p0 "$a0" "$ah")" $((64 * 20)) "datagrams on the remaining circuit"
assert_eq "$(mxstat mxh1 tx_electrical_packets)" "$e0" "electrical packets with one circuit left"
rm -f "$log"
exit 0
