# shellcheck shell=bash
# Assertions and fixtures for the test scripts (bpf, vm and e2e tiers).
# Source it, then use the helpers; a failed assertion exits 1 with the
# reason, and registered cleanups run on every exit.
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MIXNET_KO=${MIXNET_KO:-$TOP/kmod/mixnet.ko}
AGENT=${AGENT:-$TOP/agent/mixnet-agent}

_cleanups=()
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" > /dev/null 2>&1
	done
}
trap _run_cleanups EXIT
# on_exit CMD: run CMD (a string) when the test exits, last registered first.
on_exit() { _cleanups+=("$1"); }

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
info() { echo "# $*"; }

assert_eq() {	# assert_eq ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}
assert_ge() {	# assert_ge ACTUAL MIN WHAT
	[ "$1" -ge "$2" ] || fail "$3: expected >= $2, got $1"
}
assert_le() {	# assert_le ACTUAL MAX WHAT
	[ "$1" -le "$2" ] || fail "$3: expected <= $2, got $1"
}
# assert_ok CMD...: the command must succeed.
assert_ok() {
	local out
	out=$("$@" 2>&1) || fail "command failed: $*: $out"
}
# assert_fails CMD...: the command must fail (any non-zero status).
assert_fails() {
	local out
	if out=$("$@" 2>&1); then fail "command unexpectedly succeeded: $*: $out"; fi
}
# assert_write_fails FILE VALUE: writing VALUE to a sysfs/proc FILE must fail.
assert_write_fails() {
	if (echo "$2" > "$1") 2>/dev/null; then fail "write of '$2' to $1 was accepted"; fi
}
# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" > /dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}

# ---- module (vm and e2e tiers) ----------------------------------------------
need_module_env() {
	[ -f /proc/modules ] || fail "this kernel cannot load modules (run through tools/vm-run)"
	[ -f "$MIXNET_KO" ] || fail "$MIXNET_KO is not built"
}
# load_module [PARAM=VALUE...]: insmod mixnet.ko; unloaded again on exit.
load_module() {
	need_module_env
	if [ -d /sys/module/mixnet ]; then rmmod mixnet || fail "stale mixnet module cannot be removed"; fi
	insmod "$MIXNET_KO" "$@" || fail "insmod $MIXNET_KO $* failed"
	on_exit "unload_module"
}
unload_module() {
	[ -d /sys/module/mixnet ] || return 0
	rmmod mixnet
}

# ---- network namespaces ---------------------------------------------------------
# mkns NAME: a fresh network namespace with lo up, deleted on exit.
mkns() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || fail "cannot create netns $1"
	on_exit "ip netns del $1"
	ip -n "$1" link set lo up
}
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
