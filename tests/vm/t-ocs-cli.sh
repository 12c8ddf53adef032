#!/usr/bin/env bash
# mixnet-agent ocs: list/show/connect/disconnect/apply/clear/watch with
# --json, --simplex, --dry-run, --expect-generation, --wait, --force;
# errors name the offending pair and the errno text; exit codes.
. "$(dirname "$0")/../lib/assert.sh"
A=$AGENT
load_module sim_ports=8 sim_switch_delay_us=3000
x() { cat /sys/class/mixnet_ocs/ocs0/xconnects | tr '\n' ' '; }
gen() { cat /sys/class/mixnet_ocs/ocs0/generation; }
expect_rc() {	# expect_rc RC PATTERN CMD...
	local want=$1 pat=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, want $want: $out"
	[ -z "$pat" ] || echo "$out" | grep -q -- "$pat" || fail "'$*' output lacks '$pat': $out"
}

# list
$A ocs list | grep -q '^ocs0 *sim *8 *0 *0 *idle *3000$' || fail "ocs list: $($A ocs list)"
assert_eq "$($A --json ocs list | jq -c '.[0] | [.name, .nports, .backend, .state]')" \
	'["ocs0",8,"sim","idle"]' "ocs list --json"

# connect (duplex, merge) and show
$A ocs connect ocs0 0:1 2:3 --wait > /dev/null || fail "connect"
assert_eq "$(x)" "0 1 1 0 2 3 3 2 " "xconnects after connect"
$A ocs show ocs0 | grep -q '0 <-> 1' || fail "show lacks 0 <-> 1"
assert_eq "$($A ocs show ocs0 --json | jq -c '[.generation, .nxconnects, (.circuits | length), .state]')" \
	"[1,4,2,\"idle\"]" "show --json"
# --simplex
$A ocs connect ocs0 4:5 --simplex --wait > /dev/null || fail "connect --simplex"
assert_eq "$(x)" "0 1 1 0 2 3 3 2 4 5 " "xconnects after simplex connect"
$A ocs show ocs0 | grep -q '4 -> 5' || fail "show lacks 4 -> 5"
# comma lists are accepted too
$A ocs connect ocs0 6:7 --simplex --wait > /dev/null || fail "connect 6:7"
# disconnect: duplex frees both directions of the port's circuit
$A ocs disconnect ocs0 2 --wait > /dev/null || fail "disconnect 2"
assert_eq "$(x)" "0 1 1 0 4 5 6 7 " "xconnects after disconnect 2"
$A ocs disconnect ocs0 4-4,6 --simplex --wait > /dev/null || fail "disconnect --simplex"
assert_eq "$(x)" "0 1 1 0 " "xconnects after disconnect --simplex"

# errors name the pair and say why; exit codes
g=$(gen)
expect_rc 5 "pair 1:2: Address already in use" $A ocs connect ocs0 4:5 1:2
expect_rc 2 "'1:1'.*itself" $A ocs connect ocs0 1:1
expect_rc 2 "'3:8'.*out of range" $A ocs connect ocs0 3:8
expect_rc 2 "'x:1'.*not a port" $A ocs connect ocs0 x:1
expect_rc 2 "TX of port 3 is already used by '3:4'" $A ocs apply ocs0 3:4 3:5
expect_rc 2 "expected a pair" $A ocs apply ocs0 3
expect_rc 2 "" $A ocs apply ocs0 3:4 --bogus
expect_rc 2 "does not apply" $A ocs list --simplex
expect_rc 2 "not an OCS name" $A ocs show ocsx
expect_rc 4 "no such OCS" $A ocs show ocs9
expect_rc 2 "" $A ocs frobnicate ocs0
expect_rc 2 "" $A ocs connect ocs0
expect_rc 2 "named twice" $A ocs disconnect ocs0 1 1
assert_eq "$(gen)" "$g" "generation after rejected commands"
# --force takes busy ports
$A ocs connect ocs0 1:2 --force --wait > /dev/null || fail "connect --force"
assert_eq "$(x)" "1 2 2 1 " "xconnects after connect --force"

# --dry-run and --expect-generation
g=$(gen)
$A ocs apply ocs0 0:1 --dry-run | grep -q "dry run ok: 3 ports would switch" || fail "dry run output"
assert_eq "$(x)" "1 2 2 1 " "xconnects after dry run"
expect_rc 5 "generation is $g, not $((g + 7))" $A ocs apply ocs0 0:1 --expect-generation $((g + 7))
expect_rc 2 "" $A ocs apply ocs0 0:1 --expect-generation -1
assert_eq "$($A --json ocs apply ocs0 0:1 --expect-generation $g --wait | jq -c '[.generation, .changed_ports, .completed]')" \
	"[$((g + 1)),3,true]" "apply --json"

# busy without --wait, queued with it
echo 400000 > /sys/class/mixnet_ocs/ocs0/switch_delay_us
$A ocs apply ocs0 2:3 > /dev/null || fail "apply 2:3"
expect_rc 5 "switch is in progress" $A ocs apply ocs0 4:5
$A ocs apply ocs0 4:5 --wait > /dev/null || fail "apply --wait while busy"
assert_eq "$(cat /sys/class/mixnet_ocs/ocs0/state)" idle "state after --wait"
assert_eq "$(x)" "4 5 5 4 " "xconnects after apply --wait"
echo 3000 > /sys/class/mixnet_ocs/ocs0/switch_delay_us

# watch
$A --json ocs watch ocs0 --count 4 > /tmp/ocs-watch.json &
w=$!
wait_for 10 bash -c "ls -l /proc/$w/fd 2>/dev/null | grep -q /dev/mixnet/ocs0" || fail "watch did not open"
g=$(gen)
$A ocs clear ocs0 --wait > /dev/null || fail "clear"
$A ocs connect ocs0 0:1 --wait > /dev/null
wait $w || fail "watch --count 4 failed"
assert_eq "$(jq -c '[.type, .generation, .changed_ports]' /tmp/ocs-watch.json | tr '\n' ' ')" \
	"[\"switch-start\",$((g + 1)),2] [\"switch-done\",$((g + 1)),2] [\"switch-start\",$((g + 2)),2] [\"switch-done\",$((g + 2)),2] " \
	"watch --json events"
assert_eq "$(x)" "0 1 1 0 " "xconnects after clear and connect"
$A ocs watch ocs0 --count 1 > /tmp/ocs-watch.txt &
w=$!
wait_for 10 bash -c "ls -l /proc/$w/fd 2>/dev/null | grep -q /dev/mixnet/ocs0" || fail "watch did not open"
$A ocs clear ocs0 > /dev/null
wait $w
grep -q "ocs0: generation $((g + 3)) switch-start, 2 ports" /tmp/ocs-watch.txt || fail "watch text: $(cat /tmp/ocs-watch.txt)"
exit 0
