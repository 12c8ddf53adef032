#!/usr/bin/env bash
# mixnet-trafgen failures: each ends the run with its documented exit code
# and an error naming the host or pair at fault, on stderr and in --json.
#   missing server (4), hung server at setup (4), corrupt byte (1),
#   truncated transfer (1), both with several streams per pair, server
#   stopped mid-run (1, timeout), server
#   killed mid-run (1), second driver (5) without disturbing the first,
#   --announce with no agent listening (6), bad input (2).
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/trafgen-net.sh"
need_trafgen_env

N=4
tg_region $N
HOSTS=$(tg_hosts $N)
ERR=$TG_LOG.err

# run_expect CODE ARGS...: the driver must exit with CODE; stdout in $out,
# stderr in $err.
run_expect() {
	local code=$1 rc; shift
	out=$(tg_run "$@" 2> "$ERR"); rc=$?
	err=$(cat "$ERR")
	[ "$rc" = "$code" ] || fail "exit $rc, expected $code: $*
stdout: $out
stderr: $err"
}
grep_err() { grep -qF -- "$1" <<< "$err" || fail "stderr lacks '$1': $err"; }

# ---- usage errors (2): nothing is contacted ---------------------------------
run_expect 2 --hosts "h0=198.18.0.1,h0=198.18.0.2"
grep_err "host name 'h0' given twice"
run_expect 2 --hosts "$HOSTS" --zipf 11
grep_err "--zipf '11': out of range"
run_expect 2 --hosts "$HOSTS" --bytes 4Q
run_expect 2 --hosts "$HOSTS" --bytes 1M --tokens 5 --token-bytes 1
run_expect 2 --hosts "$HOSTS" --matrix /dev/null
grep_err "--matrix /dev/null:1:1: empty matrix"
printf 'h0,h2,h1,h3\n0,1,1,1\n1,0,1,1\n1,1,0,1\n1,1,1,0\n' > "$TG_LOG.m.csv"
run_expect 2 --hosts "$HOSTS" --matrix "$TG_LOG.m.csv"
grep_err "--matrix $TG_LOG.m.csv:1:4: host 'h2' where --hosts has 'h1'"
run_expect 2 --hosts "$HOSTS" --matrix "$TG_LOG.m.csv" --zipf 2
grep_err "--matrix and --zipf exclude each other"
run_expect 2 --hosts "198.18.0.1"
run_expect 2 --hosts "$HOSTS" --bind 198.18.0.1
grep_err "run does not take --bind"
assert_fails "$TRAFGEN" serve
assert_fails "$TRAFGEN" serve --bind 0.0.0.0
"$TRAFGEN" serve --bind 198.18.0.1 --inject bogus 2> /dev/null
assert_eq $? 2 "serve with a bad --inject"

# ---- a host without a server (4) ----------------------------------------
tg_serve 0; tg_serve 1; tg_serve 2
run_expect 4 --hosts "$HOSTS" --connect-timeout 1 --json
grep_err "h3 (198.18.0.4:7766): cannot reach its mixnet-trafgen server: Connection refused"
assert_eq "$(jq -r '.ok, .errors[0].kind' <<< "$out" | tr '\n' ' ')" "false setup " "json verdict"
assert_eq "$(jq '.phases | length' <<< "$out")" 0 "phases run"

# ---- a server that accepts but never answers (4) ---------------------------
tg_serve 3
run_expect 0 --hosts "$HOSTS" --phases 1 --bytes 64K
kill -STOP "${TG_PID[3]}"
run_expect 4 --hosts "$HOSTS" --connect-timeout 1
grep_err "no 'hello' after"
grep_err "from: h3"
kill -CONT "${TG_PID[3]}"
# it recovers: the half-open control connection was dropped
run_expect 0 --hosts "$HOSTS" --phases 1 --bytes 64K

# ---- --announce with no agent listening (6), before any traffic --------------
run_expect 6 --hosts "$HOSTS" --announce --announce-socket /run/mixnet-no-such-agent.sock
grep_err "--announce: cannot reach the agent's demand API"
grep -qE '^ +[0-9]+ ' <<< "$out" && fail "a phase ran despite --announce failing: $out"

# ---- a second driver while one runs (5); the first is unharmed -------------
tg_run --hosts "$HOSTS" --phases 20 --bytes 256K --pause 100 > "$TG_LOG.first" 2>&1 &
first=$!
wait_for 10 grep -qE '^ +0 +0 ' "$TG_LOG.first" || fail "first driver did not start: $(cat "$TG_LOG.first")"
run_expect 5 --hosts "$HOSTS" --phases 1
grep_err "is busy: another driver's session is running"
wait $first || fail "first driver failed after the busy refusal: $(cat "$TG_LOG.first")"
grep -q "every byte verified" "$TG_LOG.first" || fail "first driver: $(cat "$TG_LOG.first")"

# ---- corruption: h1 flips byte 100000 of what it sends to h2 (1) -----------
kill "${TG_PID[1]}"; wait "${TG_PID[1]}"
tg_serve 1 --inject corrupt:2:100000
# 12 pairs x 349525 bytes
run_expect 1 --hosts "$HOSTS" --phases 1 --bytes 4194300 --zipf 0 --json
grep_err "h1->h2: corrupt data: byte 100000 of 349525 differs from what h1 sent"
assert_eq "$(jq -r '.errors[] | select(.kind == "corrupt") | "\(.src)->\(.dst)"' <<< "$out")" \
	"h1->h2" "corrupt pair in json"
assert_eq "$(jq '.phases | length' <<< "$out")" 0 "failed phase not reported as done"
grep -q "h1->h2: byte 100000 is corrupt" "$TG_LOG.2" || fail "receiver h2 did not log it"

# ---- truncation: h0 closes its connection to h3 after 5000 bytes (1) --------
for i in 0 1; do kill "${TG_PID[$i]}"; wait "${TG_PID[$i]}"; done
tg_serve 0 --inject truncate:3:5000
tg_serve 1
run_expect 1 --hosts "$HOSTS" --phases 1 --bytes 4194300 --zipf 0
grep_err "h0->h3: connection closed after 5000 of 349525 bytes"
grep_err "h0->h3 5000/349525"
# the failure stays with its pair: no other connection was torn down
assert_eq "$(grep -c 'connection closed' <<< "$err")" 1 "connection errors"

# ---- the same with 4 connections per pair: a chunk of any of them ----------
for i in 0 1; do kill "${TG_PID[$i]}"; wait "${TG_PID[$i]}"; done
tg_serve 0 --inject truncate:3:150000
tg_serve 1 --inject corrupt:2:200000
run_expect 1 --hosts "$HOSTS" --phases 1 --bytes 4194300 --zipf 0 --streams 4
grep_err "h1->h2: corrupt data: byte 200000 of 349525 differs from what h1 sent"
grep_err "h0->h3: connection closed after"
assert_eq "$(grep -c 'corrupt data' <<< "$err")" 1 "corrupt pairs with 4 streams"

# a fresh, clean h0 and h1 for the rest
for i in 0 1; do kill "${TG_PID[$i]}"; wait "${TG_PID[$i]}"; tg_serve $i; done
run_expect 0 --hosts "$HOSTS" --phases 2 --bytes 1M

# ---- a server stopped between phases: the next phase times out (1) ----------
tg_run --hosts "$HOSTS" --phases 3 --bytes 256K --pause 1500 --timeout 2 \
	> "$TG_LOG.stop" 2> "$ERR" &
drv=$!
wait_for 10 grep -qE '^ +0 +0 ' "$TG_LOG.stop" || fail "phase 0 did not finish: $(cat "$TG_LOG.stop")"
kill -STOP "${TG_PID[3]}"
wait $drv; rc=$?
kill -CONT "${TG_PID[3]}"
err=$(cat "$ERR")
assert_eq $rc 1 "exit status after a stopped server"
grep_err "phase 1 (layer 1, rep 0): no 'ready' after 2.0 s from: h3"
grep -q "FAILED" "$TG_LOG.stop" || fail "no FAILED verdict: $(cat "$TG_LOG.stop")"

# ---- a server killed between phases (1), named -----------------------------
run_expect 0 --hosts "$HOSTS" --phases 1 --bytes 64K	# h3 is fine again
tg_run --hosts "$HOSTS" --phases 3 --bytes 256K --pause 1500 --timeout 5 \
	> "$TG_LOG.kill" 2> "$ERR" &
drv=$!
wait_for 10 grep -qE '^ +0 +0 ' "$TG_LOG.kill" || fail "phase 0 did not finish: $(cat "$TG_LOG.kill")"
kill -KILL "${TG_PID[2]}"
wait $drv; rc=$?
err=$(cat "$ERR")
assert_eq $rc 1 "exit status after a killed server"
grep -q "h2" <<< "$err" || fail "error does not name h2: $err"
grep -q "FAILED" "$TG_LOG.kill" || fail "no FAILED verdict: $(cat "$TG_LOG.kill")"
assert_eq "$(grep -cE '^ +[0-9]+ +[0-9]+ +[0-9]+ ' "$TG_LOG.kill")" 1 "phases done before the kill"
info "killed server reported as: $(head -n 1 <<< "$err")"
exit 0
