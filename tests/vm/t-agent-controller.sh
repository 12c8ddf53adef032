#!/usr/bin/env bash
# The real `mixnet-agent daemon` as a region controller on the simulated
# OCS: configuration check, keys, a matrix through `demand submit` planned
# by the real planner and applied to ocs0 (no host agents here, so the
# circuits stay unverified), `status`, clean stop on SIGTERM, and a
# restart that reads the circuits back without touching the OCS.
. "$(dirname "$0")/../lib/assert.sh"
load_module sim_ports=8 sim_switch_delay_us=2000
dir=$(mktemp -d /tmp/mixnet-agent-ctl.XXXXXX)
on_exit "rm -rf $dir"

for h in h0 h1 h2 h3; do
	"$AGENT" daemon --gen-keys "$dir" --name $h > /dev/null || fail "keys for $h"
done
"$AGENT" daemon --gen-keys "$dir" --name ctl > /dev/null || fail "controller keys"
out=$("$AGENT" daemon --gen-keys "$dir" --name h0 2>&1)
assert_eq "$?" 5 "exit code when key files exist ($out)"

{
	printf '[region]\nname = vmregion\nalpha = 2\nepoch_ms = 50\n'
	printf '[controller]\nendpoint = tcp://127.0.0.1:17400\npublic_key_file = ctl.pub\nocs = /dev/mixnet/ocs0\n'
	printf '[agent]\nroles = controller\nsecret_key_file = ctl.key\n'
	printf 'control_socket = %s/control.sock\ndemand_socket = %s/demand.sock\n' "$dir" "$dir"
	for i in 0 1 2 3; do
		printf '[host h%d]\nfabric = 198.18.0.%d\nmgmt = 127.0.0.1\npublic_key_file = h%d.pub\n' $i $((i + 1)) $i
		printf 'electrical = eth0\nelectrical_nexthop = 02:00:00:00:00:0%d\n' $((i + 1))
		printf 'optical = o0 port %d\noptical = o1 port %d\n' $((2 * i)) $((2 * i + 1))
	done
} > "$dir/agent.ini"
"$AGENT" daemon --check --config "$dir/agent.ini" > /dev/null || fail "config check"
# A configuration error is exit 2 and names file:line.
sed 's/^alpha = 2/alpha = x/' "$dir/agent.ini" > "$dir/bad.ini"
out=$("$AGENT" daemon --check --config "$dir/bad.ini" 2>&1)
assert_eq "$?" 2 "exit code of a bad configuration"
echo "$out" | grep -q "bad.ini:3: \[region\] alpha" || fail "error does not name file:line: $out"

start_daemon() {
	"$AGENT" daemon --config "$dir/agent.ini" 2> "$dir/daemon.log" &
	pid=$!
	on_exit "kill $pid 2>/dev/null"
	wait_for 20 "$AGENT" status --socket "$dir/control.sock" || fail "daemon did not come up: $(cat "$dir/daemon.log")"
}
start_daemon
gen0=$(cat /sys/class/mixnet_ocs/ocs0/generation)

printf 'h0,h1,h2,h3\n0,9e6,0,0\n9e6,0,0,0\n0,0,0,4e6\n0,0,4e6,0\n' > "$dir/m.csv"
out=$("$AGENT" demand submit --layer 3 --socket "$dir/demand.sock" "$dir/m.csv") || fail "demand submit: $out"
echo "$out" | grep -q "accepted as demand #1" || fail "unexpected output: $out"
wait_for 20 sh -c "[ \$(cat /sys/class/mixnet_ocs/ocs0/reconfigs) -ge 1 ] && grep -q '^0 2$' /sys/class/mixnet_ocs/ocs0/xconnects" ||
	fail "no circuits on ocs0: $(cat /sys/class/mixnet_ocs/ocs0/xconnects)"
wait_for 20 sh -c "\"$AGENT\" --json status --socket $dir/control.sock | jq -e '.controller.last_reconfig.reason == \"submitted\"'" ||
	fail "no reconfiguration in status: $("$AGENT" status --socket "$dir/control.sock")"
st=$("$AGENT" --json status --socket "$dir/control.sock")
# Two hosts pairs, two NICs each: h0-h1 and h2-h3 get two circuits each.
assert_eq "$(echo "$st" | jq '.controller.circuits | length')" 4 "circuits in status"
assert_eq "$(echo "$st" | jq '.controller.last_reconfig.layer')" 3 "layer in status"
assert_eq "$(echo "$st" | jq '.controller.last_reconfig.added')" 4 "circuits added"
# No host agent confirmed them: not used, and status says so.
assert_eq "$(echo "$st" | jq '[.controller.circuits[] | select(.verified)] | length')" 0 "verified circuits"
assert_eq "$(echo "$st" | jq -r '.roles[0]')" controller "role"
assert_eq "$(wc -l < /sys/class/mixnet_ocs/ocs0/xconnects)" 8 "cross-connects on ocs0"
gen1=$(cat /sys/class/mixnet_ocs/ocs0/generation)
[ "$gen1" -gt "$gen0" ] || fail "generation did not move"
grep -q "reconfig plan .* (submitted, layer 3): circuits +4 -0 =0" "$dir/daemon.log" ||
	fail "no reconfiguration line in the log: $(cat "$dir/daemon.log")"
"$AGENT" status --socket "$dir/control.sock" | grep -q "circuits: 4 (0 verified)" || fail "status text"

# A demand naming a host outside the region is refused with the reason.
printf 'h0,h9\n0,1\n1,0\n' > "$dir/bad.csv"
out=$("$AGENT" demand submit --socket "$dir/demand.sock" "$dir/bad.csv" 2>&1)
assert_eq "$?" 4 "exit code for an unknown host ($out)"
echo "$out" | grep -q "h9 is not a host of region vmregion" || fail "reason: $out"

# SIGTERM: exit 0, sockets gone.
kill -TERM $pid
wait $pid
assert_eq "$?" 0 "exit status after SIGTERM"
[ ! -e "$dir/control.sock" ] || fail "control socket left behind"

# A restarted controller reads the circuits back and changes nothing.
start_daemon
st=$("$AGENT" --json status --socket "$dir/control.sock")
assert_eq "$(echo "$st" | jq '.controller.circuits | length')" 4 "circuits read back"
assert_eq "$(echo "$st" | jq '.controller.ocs_generation')" "$gen1" "generation read back"
sleep 0.3
assert_eq "$(cat /sys/class/mixnet_ocs/ocs0/generation)" "$gen1" "OCS untouched by the restart"
kill -TERM $pid
wait $pid
assert_eq "$?" 0 "exit status after the second SIGTERM"
info "daemon log (second run):"; sed "s/^/#   /" "$dir/daemon.log"
