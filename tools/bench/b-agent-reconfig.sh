#!/usr/bin/env bash
# Control-plane reconfiguration time of the mixnet-agent daemon: 8 hosts
# (daemons on loopback CURVE, fake kernel parts with no switch delay),
# demand in -> APPLY -> routes updated on all hosts.  Baseline in the same
# run: one CURVE round trip.  Runs on the host (no VM needed).
# Documentation/agent.md has the latest numbers.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/build/tools/bench/agent_reconfig
[ -x "$BIN" ] || { echo "$BIN is not built (make)" >&2; exit 1; }
"$BIN" "${MIXNET_BENCH_HOSTS:-8}" "${MIXNET_BENCH_ROUNDS:-100}"
