#!/usr/bin/env bash
# Three hosts (namespaces) with mixnet0, one electrical lower each on a
# shared bridge, two optical lowers each on a simulated OCS:
#  - TCP and UDP, IPv4 and IPv6, between all pairs with no circuit go
#    electrical (counters: no optical byte);
#  - after a circuit is made the pair's traffic moves to it within one
#    switch delay of the switch completing (events), and the counters
#    prove the bytes went optical (and the circuit port carried them);
#  - removing the circuit falls back to electrical in the kernel
#    (fallbacks, events);
#  - an iperf3 TCP stream runs across repeated reconfigurations with no
#    reset, every byte delivered, over both kinds of path.
. "$(dirname "$0")/../lib/assert.sh"
DELAY_US=25000
load_module sim_ports=6 sim_switch_delay_us=$DELAY_US
. "$(dirname "$0")/netdev-lib.sh"
region_setup 3

# ---- no circuit: everything electrical ------------------------------------
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] && continue
		nsx mxh$i $PING -c 1 -W 2 "$(v4 $j)" > /dev/null || fail "ping $(v4 $j) from mxh$i"
		nsx mxh$i $PING -c 1 -W 2 "$(v6 $j)" > /dev/null || fail "ping $(v6 $j) from mxh$i"
		assert_eq "$(via mxh$i "$(v4 $j)")" electrical "path to $(v4 $j) from mxh$i without circuits"
	done
done
tcp mxh1 2 1M; tcp mxh2 3 1M; tcp mxh3 1 1M
tcp mxh2 1 1M -6; tcp mxh3 2 1M -6; tcp mxh1 3 1M -6
udp mxh1 2 50; udp mxh2 3 50; udp mxh3 1 50
udp mxh2 1 50 -6; udp mxh3 2 50 -6; udp mxh1 3 50 -6
for i in 1 2 3; do
	assert_eq "$(mxstat mxh$i tx_optical_packets)" 0 "optical packets of mxh$i without circuits"
	assert_ge "$(mxstat mxh$i tx_electrical_bytes)" $((2 * 1024 * 1024)) "electrical bytes of mxh$i"
	assert_eq "$(mxstat mxh$i tx_dropped_noroute)" 0 "noroute drops of mxh$i"
done

# ---- a circuit mxh1 <-> mxh2: traffic moves to it --------------------------
# ocs0p0 (mxh1) <-> ocs0p2 (mxh2).  The helper times switch-done -> path up.
lat=$(mktemp /tmp/netdev-lat.XXXXXX)
nsx mxh1 "$NL" pathup mixnet0 ocs0 10000 > "$lat" &
lpid=$!
wait_for 10 grep -q ready "$lat" || fail "pathup helper"
"$AGENT" ocs connect ocs0 0:2 --wait > /dev/null || fail "connect 0:2"
wait $lpid || fail "no optical path came up: $(cat "$lat")"
us=$(awk '/switch_done_to_path_up_us/ {print $2}' "$lat")
info "switch done -> optical path up at mxh1: ${us} us (switch delay ${DELAY_US} us)"
assert_le "$us" "$DELAY_US" "time from switch done to optical path up"
optical_to mxh1 "$(v4 2)" 1 || fail "mxh1 has no live optical path to $(v4 2)"
optical_to mxh2 "$(v4 1)" 1 || fail "mxh2 has no live optical path to $(v4 1)"
optical_to mxh1 "$(v6 2)" 1 || fail "mxh1 has no live optical path to $(v6 2)"
assert_eq "$(via mxh1 "$(v4 2)")" optical "path to $(v4 2) from mxh1"
assert_eq "$(via mxh1 "$(v4 3)")" electrical "path to $(v4 3) from mxh1 (no circuit)"
assert_eq "$(route_json mxh1 "$(v4 2)" | jq -r '.paths[] | select(.kind == "optical") | .origin')" \
	learned "origin of the discovered path"

e0=$(mxstat mxh1 tx_electrical_packets); o0=$(mxstat mxh1 tx_optical_bytes)
p0=$(ifstat mxh1 ocs0p0 tx_bytes)
tcp mxh1 2 4M
udp mxh1 2 50
tcp mxh1 2 1M -6
e1=$(mxstat mxh1 tx_electrical_packets); o1=$(mxstat mxh1 tx_optical_bytes)
p1=$(ifstat mxh1 ocs0p0 tx_bytes)
assert_eq "$e1" "$e0" "electrical packets of mxh1 while only talking to mxh2 over the circuit"
assert_ge $((o1 - o0)) $((5 * 1024 * 1024)) "optical bytes of mxh1"
assert_ge $((p1 - p0)) $((5 * 1024 * 1024)) "bytes the circuit port ocs0p0 sent"
# The third host is still reached electrically while the circuit is up.
e0=$(mxstat mxh1 tx_electrical_bytes)
tcp mxh1 3 1M
assert_ge $(($(mxstat mxh1 tx_electrical_bytes) - e0)) $((1024 * 1024)) "electrical bytes to mxh3"

# ---- removing the circuit: in-kernel fallback -------------------------------
ev=$(mktemp /tmp/netdev-ev.XXXXXX)
nsx mxh1 "$NL" watch mixnet0 3 10000 > "$ev" &
wpid=$!
wait_for 10 grep -q ready "$ev" || fail "event watcher"
f1=$(mxstat mxh1 fallbacks); f2=$(mxstat mxh2 fallbacks)
"$AGENT" ocs disconnect ocs0 0 --wait > /dev/null || fail "disconnect 0"
# The data path falls back at once (it reads the carrier); the counter follows.
assert_eq "$(via mxh1 "$(v4 2)")" electrical "path to $(v4 2) right after the circuit went"
wait_until 5 'test "$(mxstat mxh1 fallbacks)" -eq $((f1 + 1))' || fail "mxh1 fallbacks $(mxstat mxh1 fallbacks), was $f1"
wait_until 5 'test "$(mxstat mxh2 fallbacks)" -eq $((f2 + 1))' || fail "mxh2 fallbacks $(mxstat mxh2 fallbacks), was $f2"
wait $wpid || fail "events after the fallback: $(cat "$ev")"
grep -q '^fallback ocs0p0$' "$ev" || fail "no fallback event: $(cat "$ev")"
grep -q "^path_down $(v4 2) ocs0p0$" "$ev" || fail "no path_down event: $(cat "$ev")"
o0=$(mxstat mxh1 tx_optical_packets); e0=$(mxstat mxh1 tx_electrical_bytes)
tcp mxh1 2 2M
udp mxh1 2 50
assert_eq "$(mxstat mxh1 tx_optical_packets)" "$o0" "optical packets after the fallback"
assert_ge $(($(mxstat mxh1 tx_electrical_bytes) - e0)) $((2 * 1024 * 1024)) "electrical bytes after the fallback"

# ---- TCP across repeated reconfigurations -----------------------------------
# Two streams at once: iperf3 (must end without error or reset) and a
# paced transfer whose receiver checks every byte.  iperf3's own receive
# count stops when the test ends, so it may trail the sent count by what
# was still in flight; the checked transfer is the exact proof.
ROUNDS=5
nsx mxh2 iperf3 -s -1 -D -B "$(v4 2)" || fail "iperf3 server"
wait_for 10 nsx mxh2 ss -ltn sport = :5201 || fail "iperf3 server did not listen"
nsx mxh2 "$PKT" tcp-recv "$(v4 2)" 7002 120000 > /tmp/netdev-recv.log &
rpid=$!
wait_for 10 grep -q listening /tmp/netdev-recv.log || fail "tcp receiver"
f1=$(mxstat mxh1 fallbacks); o0=$(mxstat mxh1 tx_optical_bytes); e0=$(mxstat mxh1 tx_electrical_bytes)
nsx mxh1 iperf3 -c "$(v4 2)" -t 12 -b 40M -J > /tmp/netdev-stream.json &
spid=$!
nsx mxh1 "$PKT" tcp-send "$(v4 2)" 7002 $((50 * 1024 * 1024)) 40 > /tmp/netdev-send.log &
tpid=$!
sleep 1
for r in $(seq 1 $ROUNDS); do
	"$AGENT" ocs connect ocs0 0:2 --wait > /dev/null || fail "connect 0:2 (round $r)"
	optical_to mxh1 "$(v4 2)" 1 || fail "no optical path in round $r"
	sleep 0.7
	"$AGENT" ocs disconnect ocs0 0 --wait > /dev/null || fail "disconnect (round $r)"
	sleep 0.7
done
wait $spid || fail "iperf3 across reconfigurations failed: $(jq -r .error /tmp/netdev-stream.json)"
wait $tpid || fail "checked transfer across reconfigurations: $(cat /tmp/netdev-send.log)"
wait $rpid || fail "checked transfer receiver: $(cat /tmp/netdev-recv.log)"
assert_eq "$(tail -1 /tmp/netdev-recv.log)" "received $((50 * 1024 * 1024))" "checked transfer"
sent=$(jq '.end.sum_sent.bytes' /tmp/netdev-stream.json)
got=$(jq '.end.sum_received.bytes' /tmp/netdev-stream.json)
info "iperf3: sent $sent received $got bytes, retransmits $(jq '.end.sum_sent.retransmits' /tmp/netdev-stream.json)"
assert_ge "$sent" $((20 * 1024 * 1024)) "bytes iperf3 sent"
assert_ge "$got" $((sent - 4 * 1024 * 1024)) "bytes iperf3 received"
wait_until 5 'test "$(mxstat mxh1 fallbacks)" -eq $((f1 + ROUNDS))' ||
	fail "fallbacks during the streams: $(($(mxstat mxh1 fallbacks) - f1)), expected $ROUNDS"
assert_ge $(($(mxstat mxh1 tx_optical_bytes) - o0)) $((4 * 1024 * 1024)) "optical bytes of the streams"
assert_ge $(($(mxstat mxh1 tx_electrical_bytes) - e0)) $((4 * 1024 * 1024)) "electrical bytes of the streams"

# The same over IPv6, across one reconfiguration each way.
nsx mxh2 "$PKT" tcp-recv "$(v6 2)" 7003 120000 > /tmp/netdev-recv6.log &
rpid=$!
wait_for 10 grep -q listening /tmp/netdev-recv6.log || fail "tcp receiver (IPv6)"
nsx mxh1 "$PKT" tcp-send "$(v6 2)" 7003 $((16 * 1024 * 1024)) 40 > /tmp/netdev-send6.log &
tpid=$!
sleep 1
"$AGENT" ocs connect ocs0 0:2 --wait > /dev/null || fail "connect 0:2 (IPv6)"
optical_to mxh1 "$(v6 2)" 1 || fail "no optical IPv6 path"
sleep 1
"$AGENT" ocs disconnect ocs0 0 --wait > /dev/null || fail "disconnect (IPv6)"
wait $tpid || fail "IPv6 transfer across reconfigurations: $(cat /tmp/netdev-send6.log)"
wait $rpid || fail "IPv6 receiver: $(cat /tmp/netdev-recv6.log)"
assert_eq "$(tail -1 /tmp/netdev-recv6.log)" "received $((16 * 1024 * 1024))" "IPv6 checked transfer"
for i in 1 2 3; do
	assert_eq "$(mxstat mxh$i tx_dropped_noroute)" 0 "noroute drops of mxh$i"
done
rm -f "$lat" "$ev"
exit 0
