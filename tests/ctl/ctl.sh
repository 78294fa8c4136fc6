# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the sockprobectl tests after tests/common.sh: start sp-peer
# and stop it again, run the ctl capturing stdout, stderr and the exit
# status, read JSON fields with tests/jsonget, and a sysctl directory
# with the Linux 6.x defaults so budgets do not depend on the host.

: "${JSONGET:=$top_builddir/tests/jsonget}"
: "${SP_PEER:=$top_builddir/tests/sp-peer}"

PEER_PIDS=
PEER_PORT=
OUT=$TEST_TMP/out
ERR=$TEST_TMP/err
RC=

_ctl_cleanup() {
	local pid
	for pid in $PEER_PIDS; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
cleanup_hook=_ctl_cleanup

# start_peer [SP-PEER ARGS...]: sets PEER_PORT, remembers the pid.
start_peer() {
	local out=$TEST_TMP/peer.$RANDOM
	"$SP_PEER" "$@" >"$out" &
	PEER_PIDS="$PEER_PIDS $!"
	wait_for 5 test -s "$out" || fail "sp-peer $* printed no port"
	PEER_PORT=$(head -n 1 "$out")
	[ -n "$PEER_PORT" ] || fail "sp-peer $*: empty port"
}

# ctl ARGS...: run sockprobectl; $OUT, $ERR and $RC hold the outcome.
ctl() {
	"$SOCKPROBECTL" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# expect_rc WHAT STATUS: the last ctl call exited with STATUS.
expect_rc() {
	[ "$RC" = "$2" ] || fail "$1: exit $RC, expected $2; stdout: \
$(head -c 2000 "$OUT"); stderr: $(cat "$ERR")"
}

# jget PATH: a field of the JSON object in $OUT ("" if absent).
jget() {
	"$JSONGET" "$OUT" "$1" 2>/dev/null || true
}

# expect_json PATH VALUE: the field is exactly VALUE.
expect_json() {
	expect_eq "$1" "$2" "$(jget "$1")"
}

# expect_between WHAT MIN MAX VALUE: an integer within [MIN, MAX].
expect_between() {
	case $4 in
	''|*[!0-9-]*) fail "$1: not an integer: '$4'" ;;
	esac
	[ "$4" -ge "$2" ] && [ "$4" -le "$3" ] ||
	    fail "$1: $4 not within $2..$3"
}

# expect_out REGEX: stdout matches (extended regex).
expect_out() {
	grep -Eq -- "$1" "$OUT" || fail "stdout lacks /$1/: $(cat "$OUT")"
}

# sysctl_fixture DIR: the sysctls of Linux 6.x defaults, measured ones.
sysctl_fixture() {
	mkdir -p "$1"
	echo 6 >"$1/tcp_syn_retries"
	echo 4 >"$1/tcp_syn_linear_timeouts"
	echo 5 >"$1/tcp_synack_retries"
	echo 60 >"$1/tcp_fin_timeout"
	echo 0 >"$1/tcp_orphan_retries"
	echo 7200 >"$1/tcp_keepalive_time"
	echo 75 >"$1/tcp_keepalive_intvl"
	echo 9 >"$1/tcp_keepalive_probes"
	echo 3 >"$1/tcp_retries1"
	echo 15 >"$1/tcp_retries2"
	echo 200000 >"$1/tcp_rto_min_us"
	echo 120000 >"$1/tcp_rto_max_ms"
}
