#!/usr/bin/env bash
# mixnet-agent flows/tm from the command line: bad arguments, a missing
# device, attaching twice, detaching what is not attached, no permission,
# no BPF file system, a device deleted under the sampler.  Each error has
# its exit code and names the object, and leaves nothing behind.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/sampler-lib.sh"
need_sampler_env
A=mxsc-a-$$ B=mxsc-b-$$
veth_pair "$A" "$B"
tmp=$(mktemp -d /tmp/mixnet-sampler.XXXXXX)
on_exit "rm -rf $tmp"

# expect CODE PATTERN CMD...: CMD exits with CODE and stderr matches PATTERN
expect() {
	local code=$1 pat=$2 rc; shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" = "$code" ] || fail "$*: exit $rc, want $code: $(cat "$tmp/err")"
	grep -qE -- "$pat" "$tmp/err" || fail "$*: stderr lacks '$pat': $(cat "$tmp/err")"
}
nothing_left() {
	[ ! -e "$MIXNET_PIN_ROOT/va" ] || fail "$1: pins left behind"
	tc -n "$A" qdisc show dev va | grep -q clsact && fail "$1: clsact left behind"
	return 0
}
ag() { agent_in "$A" "$@"; }

# usage errors: exit 2, the offending word named
expect 2 "attach: needs a device" ag flows attach
expect 2 "^mixnet-agent: --sample: 'x' is not a number" ag flows attach va --sample x
expect 2 "--max-flows: '0' is not a number in 1\.\." ag flows attach va --max-flows 0
expect 2 "--peer-slots" ag flows attach va --peer-slots 1
expect 2 "198\.18\.1: not an IPv4 or IPv6 peer address" ag flows attach va --peer 198.18.1
expect 2 "--top: unknown option for 'attach'" ag flows attach va --top 3
expect 2 "--peer: needs a value" ag flows attach va --peer
expect 2 "too many arguments \('vb'\)" ag flows attach va vb
printf '198.18.1.2\n# fine\nfe80::1%%va\n' > "$tmp/peers"
expect 2 "$tmp/peers: line 3: not an IPv4" ag flows attach va --peers-file "$tmp/peers"
expect 2 "$tmp/nope: cannot open peer list" ag flows attach va --peers-file "$tmp/nope"
expect 2 "198\.18\.1\.2: peer listed twice" ag flows attach va --peer 198.18.1.2 --peer 198.18.1.2
expect 2 "peers: 3 peers, at most 2 fit" ag flows attach va --peer-slots 3 \
	--peer 198.18.1.2 --peer 198.18.1.3 --peer 198.18.1.4
expect 2 "bogus: unknown flows command" ag flows bogus
expect 2 "--interval: '0' is not a number" ag tm va --interval 0
expect 2 "--bogus: unknown option for tm" ag tm --bogus
nothing_left "usage errors"

# missing things: exit 4
expect 4 "nosuch0: no such device" ag flows attach nosuch0
expect 4 "va: no sampler attached" ag flows detach va
expect 4 "va: no sampler attached" ag flows show va
expect 4 "no sampler attached" ag tm
expect 4 "va: no sampler attached" ag flows peers va 198.18.1.2
nothing_left "missing things"

# no permission: exit 3, nothing created
expect 3 "va: cannot load the BPF program \(needs CAP_BPF and CAP_NET_ADMIN\)" \
	nsenter --net=/run/netns/"$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all "$AGENT" flows attach va
[ ! -e "$MIXNET_PIN_ROOT" ] || fail "no permission: pin root created"
nothing_left "no permission"

# no BPF file system: ip netns exec mounts a fresh /sys without one
expect 1 "/sys/fs/bpf: no BPF file system mounted here \(mount -t bpf bpf /sys/fs/bpf\)" \
	env -u MIXNET_PIN_ROOT ip netns exec "$A" "$AGENT" flows attach va
expect 1 "$tmp: not on a BPF file system" env MIXNET_PIN_ROOT="$tmp" "$AGENT" flows show
nothing_left "no bpffs"

# attach, then attach again: exit 5, the first one intact
ag flows attach va --peer 198.18.1.2 || fail "attach failed"
expect 5 "va: sampler already attached" ag flows attach va
nsx "$A" "$SENDRECV" udp 198.18.1.2 1 100 3
assert_eq "$(peer_field "$(show_json "$A" va)" 198.18.1.2 bytes)" 384 "counting after a refused attach"

# peers from the command line, a file, none
printf '# region\n198.18.1.3\n\n198.18.1.4  # rack 2\n' > "$tmp/peers"
ag flows peers va --peers-file "$tmp/peers" 198.18.1.5 || fail "flows peers failed"
j=$(show_json "$A" va)
assert_eq "$(jq -r '[.devices[0].peers[].peer] | join(" ")' <<< "$j")" \
	"198.18.1.3 198.18.1.4 198.18.1.5" "peer set"
expect 2 "give the peers" ag flows peers va
expect 2 "nope: not an IPv4" ag flows peers va nope
assert_eq "$(jq -r '.devices[0].peers | length' <<< "$(show_json "$A" va)")" 3 "peer set after bad input"
ag flows peers va --none || fail "flows peers --none failed"
assert_eq "$(jq -r '.devices[0].peers | length' <<< "$(show_json "$A" va)")" 0 "no peers"

# expire and the text listing
assert_eq "$(ag flows expire va --idle 0 --json | jq -r .removed)" 1 "flows expired"
ag -v flows show --interval 0 > "$tmp/show" || fail "flows show failed"
grep -q "^va: attached, ethernet, every packet, 0/16384 flows" "$tmp/show" ||
	fail "show header: $(cat "$tmp/show")"
ag flows help | grep -q "flows attach DEV" || fail "flows help"

# a clsact qdisc that was there before stays
ag flows detach va || fail "detach failed"
tc -n "$A" qdisc add dev va clsact
ag flows attach va || fail "attach over an existing clsact failed"
ag flows detach va || fail "detach failed"
tc -n "$A" qdisc show dev va | grep -q clsact || fail "pre-existing clsact removed"
tc -n "$A" qdisc del dev va clsact

# leftovers of an attach that died: replaced by attach, reported by show,
# removed by detach
mkdir "$MIXNET_PIN_ROOT/va" || fail "mkdir"
ag flows attach va || fail "attach over the remains of a dead attach"
mkdir "$MIXNET_PIN_ROOT/gone0" || fail "mkdir"
expect 1 "gone0: incomplete attachment" ag flows show --interval 0
grep -q "^va: attached" "$tmp/out" || fail "show skipped the good sampler: $(cat "$tmp/out")"
ag flows detach gone0 || fail "detach of a dead attach failed"
[ ! -e "$MIXNET_PIN_ROOT/gone0" ] || fail "dead attach not removed"
ag flows show --interval 0 > /dev/null || fail "show after cleaning up"
ag flows detach va || fail "detach failed"

# the device disappears under the sampler: stale, then cleaned up
ag flows attach va || fail "attach failed"
ip -n "$A" link del va
j=$(show_json "$A" va)
assert_eq "$(jq -r '.devices[0].attached' <<< "$j")" false "attached after the device is gone"
ag flows show --interval 0 | grep -q "^va: STALE" || fail "stale sampler not marked"
ag flows detach va || fail "detach of a vanished device failed"
[ ! -e "$MIXNET_PIN_ROOT/va" ] || fail "pins left after detaching a vanished device"
exit 0
