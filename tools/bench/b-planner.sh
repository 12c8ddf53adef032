#!/usr/bin/env bash
# Planner speed (agent/planner.c) for 8/64/256/1024 servers, alpha 6, on a
# dense skewed matrix, against the reference implementation of the unit
# tests measured in the same run (speedup = reference / planner), then the
# quality of the plans against the exhaustive optimum on small regions.
set -eu
cd "$(dirname "$0")/../.."
bin=build/bench/planner-bench
[ -x $bin ] || make --no-print-directory $bin
$bin time
$bin quality 200
