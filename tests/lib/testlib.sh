# shellcheck shell=bash
# Shared helpers of the test runners.  Results are lines
#   @@RESULT PASS|FAIL|SKIP tier/name
# on stdout (so they survive the VM's console) and, when MIXNET_RESULTS is
# set, appended to $MIXNET_RESULTS/<tier>.

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MIXNET_TEST_TIMEOUT=${MIXNET_TEST_TIMEOUT:-600}

result() {	# result PASS|FAIL|SKIP tier name
	echo "@@RESULT $1 $2/$3"
	if [ -n "${MIXNET_RESULTS:-}" ]; then
		mkdir -p "$MIXNET_RESULTS" && echo "$1 $2/$3" >> "$MIXNET_RESULTS/$2"
	fi
}

# run_scripts TIER DIR...: run every executable DIR/t-*.sh in name order;
# exit 0 passes, 77 skips (the script must say why), anything else fails.
# A failing test's log is printed.  Honours MIXNET_TEST_FILTER (a regex).
run_scripts() {
	local tier=$1 f name rc log; shift
	for f in $(find "$@" -maxdepth 1 -name 't-*.sh' -perm -u+x | sort); do
		name=$(basename "$f" .sh); name=${name#t-}
		if [ -n "${MIXNET_TEST_FILTER:-}" ] && ! [[ $name =~ $MIXNET_TEST_FILTER ]]; then
			continue
		fi
		log=$(mktemp /tmp/mixnet-test.XXXXXX)
		echo "=== $tier/$name"
		local t0=$SECONDS
		timeout -k 10 "$MIXNET_TEST_TIMEOUT" "$f" > "$log" 2>&1
		rc=$?
		case $rc in
		0) result PASS "$tier" "$name" ;;
		77) result SKIP "$tier" "$name"; sed 's/^/    /' "$log" | tail -n 5 ;;
		*)
			[ $rc = 124 ] && echo "    timed out after ${MIXNET_TEST_TIMEOUT}s"
			sed 's/^/    /' "$log" | tail -n 60
			result FAIL "$tier" "$name" ;;
		esac
		[ -n "${MIXNET_TEST_VERBOSE:-}" ] && [ $rc = 0 ] && sed 's/^/    /' "$log"
		echo "    ($((SECONDS - t0)) s)"
		rm -f "$log"
	done
}

# run_check_bins TIER [--valgrind] BIN...: run Check test binaries, one
# result per test case (from Check's TAP log).  With --valgrind, a leak or
# memory error in a binary is a failure of its own.
run_check_bins() {
	local tier=$1 vg= b name tap rc line status desc; shift
	if [ "${1:-}" = --valgrind ]; then vg=1; shift; fi
	for b in "$@"; do
		name=$(basename "$b")
		tap=$(mktemp /tmp/mixnet-tap.XXXXXX)
		echo "=== $tier/$name"
		if [ -n "$vg" ]; then
			CK_FORK=no CK_TAP_LOG_FILE_NAME=$tap timeout -k 10 "$MIXNET_TEST_TIMEOUT" \
				valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
				--show-leak-kinds=definite,indirect --error-exitcode=99 "$b" > "$tap.out" 2>&1
		else
			CK_TAP_LOG_FILE_NAME=$tap timeout -k 10 "$MIXNET_TEST_TIMEOUT" "$b" > "$tap.out" 2>&1
		fi
		rc=$?
		if ! grep -qE '^(not )?ok ' "$tap"; then
			sed 's/^/    /' "$tap.out" | tail -n 40
			result FAIL "$tier" "$name:no-results"
		fi
		while IFS= read -r line; do
			case "$line" in
			"not ok "*) status=FAIL ;;
			"ok "*) status=PASS ;;
			*) continue ;;
			esac
			# "ok 3 - file.c:test_name:tcase: Passed" -> test_name
			desc=${line#* - }; desc=$(echo "$desc" | cut -d: -f3)
			[ $status = FAIL ] && echo "    $line"
			result $status "$tier" "$name:$desc"
		done < "$tap"
		if [ -n "$vg" ] && [ $rc = 99 ]; then
			sed 's/^/    /' "$tap.out" | grep -v '^    [0-9]*%: Checks' | tail -n 60
			result FAIL "$tier" "$name:valgrind"
		elif [ $rc != 0 ] && ! grep -q '^not ok' "$tap"; then
			sed 's/^/    /' "$tap.out" | tail -n 40
			result FAIL "$tier" "$name:exit-$rc"
		fi
		rm -f "$tap" "$tap.out"
	done
}
