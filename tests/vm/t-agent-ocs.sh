#!/usr/bin/env bash
# The region controller on the simulated OCS through the daemon's OCS
# adapter (tests/vm/agent_ocs.c): it reads the established circuits back,
# reconfigures with one APPLY against the expected generation, waits for
# the device's SWITCH_DONE, keeps other regions' cross-connects, and
# recovers when somebody else changes or is switching the OCS.
. "$(dirname "$0")/../lib/assert.sh"
BIN=$TOP/build/tests/vm/agent_ocs
[ -x "$BIN" ] || fail "$BIN is not built"
load_module sim_ports=10 sim_switch_delay_us=20000
# A circuit of the region (h0/o0 <-> h1/o0) and one outside it (ports 8, 9).
"$AGENT" ocs apply ocs0 0:2 8:9 --wait > /dev/null || fail "initial cross-connects"
CK_FORK=yes "$BIN" || fail "agent_ocs suite failed"
