# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the shell tests: failure reporting, bounded waits, and a
# private temporary directory removed on exit.  Set `cleanup_hook` to a
# function name to run more cleanup before the directory goes.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
: "${SOCKPROBECTL:=$top_builddir/ctl/sockprobectl}"

TEST_NAME=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sp-$TEST_NAME.XXXXXX")
cleanup_hook=

_common_exit() {
	local rc=$?
	if [ -n "$cleanup_hook" ]; then "$cleanup_hook" || true; fi
	rm -rf "$TEST_TMP"
	exit $rc
}
trap _common_exit EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

# Skipping is only allowed outside CI; in CI a missing capability fails.
skip() {
	if [ -n "${CI:-}" ]; then fail "cannot skip in CI: $*"; fi
	echo "SKIP: $TEST_NAME: $*" >&2
	exit 77
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# wait_for TIMEOUT_S COMMAND...: poll every 0.05 s until COMMAND succeeds.
wait_for() {
	local limit=$1; shift
	local deadline=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
	until "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $deadline ] || return 1
		sleep 0.05
	done
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# expect_match WHAT REGEX TEXT
expect_match() {
	printf '%s' "$3" | grep -Eq -- "$2" || fail "$1: '$2' not in: $3"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
