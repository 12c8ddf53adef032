#!/usr/bin/env bash
# The bpf tier's Check programs (BPF_PROG_TEST_RUN with crafted packets;
# the agent's library on veth and tun devices) run again on the guest's
# Debian 6.1 kernel: the same object and agent must behave the same there.
. "$(dirname "$0")/../lib/assert.sh"
for m in veth sch_ingress cls_bpf tun; do
	modprobe "$m" 2> /dev/null || grep -qw "$m" "/lib/modules/$(uname -r)/modules.builtin" ||
		fail "modprobe $m failed"
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || fail "no bpffs"
rc=0
for t in "$TOP"/build/tests/bpf/test_*; do
	[ -x "$t" ] || fail "$t is not built"
	info "$(basename "$t") on $(uname -r)"
	out=$("$t" 2>&1) || rc=1
	echo "$out" | sed 's/^/    /'
done
exit $rc
