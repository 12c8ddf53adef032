#!/usr/bin/env bash
# mixnet-lab's life cycle: up / status / hosts / exec / down twice, `down`
# of labs left half built (a crash after each step of `up`, and `up`
# killed at a random moment), refused arguments and a second `up`; after
# every `down` nothing of the lab is left: processes, namespaces, links,
# the simulated OCS, the BPF mount, the state directory, the module.
. "$(dirname "$0")/../lib/assert.sh"
LAB=$TOP/tools/mixnet-lab
name=lc
RUN=/run/mixnet-lab
lab() { "$LAB" --name $name "$@"; }
lab down > /dev/null
T0=$SECONDS
info() { echo "# [$((SECONDS - T0)) s] $*"; }
on_exit "$LAB --name $name down"
modprobe -a veth bridge dummy > /dev/null 2>&1

ocs_count() { local n=0 d; for d in /sys/class/mixnet_ocs/ocs*; do [ -e "$d" ] && n=$((n + 1)); done; echo $n; }
module_loaded_before=$([ -d /sys/module/mixnet ] && echo 1 || echo 0)
ocs_before=0
[ "$module_loaded_before" = 1 ] && ocs_before=$(ocs_count)

# nothing_left WHAT: no trace of the lab anywhere.
nothing_left() {
	local what=$1 left
	left=$(ip netns list | awk '{print $1}' | grep "^$name-")
	[ -z "$left" ] || fail "$what: namespaces left: $left"
	left=$(ip -j link show | jq -r '.[].ifname' | grep "^$name-")
	[ -z "$left" ] || fail "$what: links left: $left"
	[ ! -e "$RUN/$name" ] || fail "$what: state directory $RUN/$name left"
	grep -q " $RUN/$name" /proc/mounts && fail "$what: mount left: $(grep " $RUN/$name" /proc/mounts)"
	left=$(pgrep -af "$RUN/$name/" || true)
	[ -z "$left" ] || fail "$what: processes left: $left"
	if [ "$module_loaded_before" = 0 ]; then
		[ ! -d /sys/module/mixnet ] || fail "$what: mixnet.ko left loaded"
	else
		assert_eq "$(ocs_count)" "$ocs_before" "$what: simulated OCSes"
	fi
}

# Arguments are checked before anything is made.
for bad in "--hosts 1" "--hosts x" "--optical 0" "--eps-rate fast" "--ocs-rate 0mbit" \
	"--switch-delay -1" "--mode chaos" "--hysteresis 1" "--frobnicate"; do
	# shellcheck disable=SC2086
	out=$(lab up $bad 2>&1)
	assert_eq "$?" 2 "exit code of up $bad ($out)"
done
out=$("$LAB" --name "Bad-Name" status 2>&1)
assert_eq "$?" 2 "exit code of a bad lab name ($out)"
out=$(lab status 2>&1)
assert_eq "$?" 4 "status without a lab ($out)"
out=$(lab down 2>&1) || fail "down without a lab: $out"
nothing_left "down without a lab"

# check_lab: a 3-host static lab as `up` promised it.
check_lab() {
	assert_eq "$(lab hosts)" "h0=198.18.0.1,h1=198.18.0.2,h2=198.18.0.3" "hosts"
	assert_eq "$(lab hosts --json | jq -r '.[1].demand_socket')" "$RUN/$name/h1.demand" "hosts --json"
	# A second up is refused and harms nothing.
	out=$(lab up --hosts 3 2>&1)
	assert_eq "$?" 5 "exit code of a second up ($out)"
	st=$(lab status --json) || fail "status --json"
	assert_eq "$(echo "$st" | jq -r '.complete')" true "complete"
	assert_eq "$(echo "$st" | jq -r '.mode')" static "mode"
	assert_eq "$(echo "$st" | jq '.hosts | length')" 3 "hosts in status"
	assert_eq "$(echo "$st" | jq '[.hosts[] | select(.agent)] | length')" 3 "agents running"
	# Round robin: 3 hosts, 2 NICs each, one host sits out per matching: 2 circuits.
	assert_eq "$(echo "$st" | jq '.ocs.xconnects | length')" 4 "static cross-connects"
	assert_eq "$(echo "$st" | jq '[.hosts[].optical_confirmed] | add')" 4 "confirmed circuits"
	lab status | grep -q "^lab $name: 3 hosts x (2 optical @ 200mbit + 1 electrical @ 100mbit), mode static" ||
		fail "status text: $(lab status)"
	# exec runs in the host's namespace: its mixnet0, its sampler pins.
	lab exec h0 busybox ping -c 2 -W 2 198.18.0.3 > /dev/null || fail "ping h0 -> h2"
	lab exec h2 busybox ping -c 2 -W 2 198.18.0.2 > /dev/null || fail "ping h2 -> h1"
	assert_eq "$(lab exec h1 ip -br addr show mixnet0 | awk '{print $3}')" 198.18.0.2/16 "h1's fabric address"
	lab exec h1 mixnet-agent flows show mixnet0 --interval 0 > /dev/null || fail "h1's sampler is not attached"
	out=$(lab exec h9 true 2>&1)
	assert_eq "$?" 4 "exec on an unknown host ($out)"
}

for round in 1 2; do
	info "round $round: up"
	out=$(lab up --hosts 3 --optical 2 --mode static 2>&1) || fail "up (round $round): $out"
	info "round $round: up done"
	echo "$out" | grep -q "^h0=198.18.0.1,h1=198.18.0.2,h2=198.18.0.3$" || fail "host list: $out"
	[ "$round" = 1 ] && check_lab
	info "round $round: checked"
	out=$(lab down 2>&1) || fail "down (round $round): $out"
	nothing_left "down (round $round)"
	info "round $round: down"
done

info "crashes"
# A crash after each step of up leaves a half-built lab; down removes it.
for step in hosts agents; do
	out=$(MIXNET_LAB_CRASH_AFTER=$step lab up --hosts 2 --optical 1 --mode dynamic 2>&1)
	rc=$?
	[ $rc != 0 ] || fail "up with a crash after $step succeeded"
	[ -e "$RUN/$name/lab.env" ] || fail "no half-built lab after $step: $out"
	out=$(lab mode static 2>&1)
	assert_eq "$?" 4 "mode on a half-built lab ($out)"
	lab status | grep -q "HALF BUILT" || fail "status does not say half built after $step"
	out=$(lab down 2>&1) || fail "down after a crash after $step: $out"
	nothing_left "down after a crash after $step"
done

info "killed"
# up killed at a moment nobody chose.
(timeout -s KILL 3 "$LAB" --name $name up --hosts 2 --optical 1 > /dev/null 2>&1) 2> /dev/null
out=$(lab down 2>&1) || fail "down after up was killed at 3 s: $out"
nothing_left "down after up was killed at 3 s"

info "failure"
# A link with the lab's prefix that up did not make: refused, left alone.
ip link add "$name-eps" type dummy || fail "dummy"
on_exit "ip link del $name-eps 2> /dev/null"
out=$(lab up --hosts 2 --optical 1 2>&1)
assert_eq "$?" 5 "up with a conflicting link ($out)"
echo "$out" | grep -q "link $name-eps exists" || fail "up did not name the conflicting link: $out"
ip link show "$name-eps" > /dev/null 2>&1 || fail "up deleted a link it did not make"
ip link del "$name-eps"
nothing_left "a refused up"

# A failure inside up removes what it built by itself.
for step in ocs hosts configs; do
	out=$(MIXNET_LAB_FAIL_AFTER=$step lab up --hosts 2 --optical 1 2>&1)
	[ $? != 0 ] || fail "up failing after $step succeeded"
	echo "$out" | grep -q "removing the half-built lab" || fail "up did not clean up after $step: $out"
	nothing_left "a failed up (after $step)"
done
