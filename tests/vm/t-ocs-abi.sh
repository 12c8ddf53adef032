#!/usr/bin/env bash
# OCS character device ABI: validation leaves state and generation alone,
# REPLACE vs MERGE, generations, DRY_RUN, GET with small buffers, busy and
# wait flags, events to two readers and overflow (tests/vm/ocs_abi.c);
# then permissions: mode 0600, read-only ioctls for any holder of a
# descriptor, EPERM on APPLY without CAP_NET_ADMIN.
. "$(dirname "$0")/../lib/assert.sh"
ABI=$TOP/build/tests/vm/ocs_abi
[ -x "$ABI" ] || fail "$ABI is not built"
load_module sim_ports=8

CK_FORK=yes "$ABI" || fail "ocs_abi suite failed"

dev=/dev/mixnet/ocs0
assert_eq "$(stat -c '%a %U' $dev)" "600 root" "mode and owner of $dev"
gen=$(cat /sys/class/mixnet_ocs/ocs0/generation)

# An unprivileged user cannot open it ...
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$AGENT" ocs show ocs0 2>&1)
rc=$?
assert_eq "$rc" 3 "exit code of 'ocs show' as nobody ($out)"
echo "$out" | grep -q "Permission denied" || fail "no permission error: $out"

# ... and with a descriptor opened by root it may read, not apply.
exec 3<>"$dev"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$ABI" --fd 3 info)
assert_eq "$out" OK "INFO as nobody on an inherited descriptor"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$ABI" --fd 3 apply)
assert_eq "$out" EPERM "APPLY as nobody on an inherited descriptor"
# Root without CAP_NET_ADMIN is refused too.
out=$(setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$ABI" --fd 3 apply)
assert_eq "$out" EPERM "APPLY as root without CAP_NET_ADMIN"
assert_eq "$(cat /sys/class/mixnet_ocs/ocs0/generation)" "$gen" "generation after refused APPLYs"
out=$("$ABI" --fd 3 apply)
assert_eq "$out" OK "APPLY as root"
exec 3>&-
