#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Health events reach the journal with fields to match on when stderr is
# journald's stream: in a private mount namespace a fake journald socket
# collects the native-protocol datagrams, JOURNAL_STREAM names the
# daemon's stderr, and a peer's FIN must arrive as one message with
# TARGET=, PEER=, CAUSE= and TECHNIQUE=.  Without JOURNAL_STREAM the same
# event is a plain "<6>" line on stderr.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"

if [ "${1:-}" != --inner ]; then
	. "$top_srcdir/tests/common.sh"
	need_root
	# The daemon, the peer and the fake journald live and die in here.
	unshare --mount --propagation private bash "$0" --inner
	exit $?
fi

. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

mount -t tmpfs tmpfs /run || fail "cannot mount a private /run"
mkdir -p /run/systemd/journal
JLOG=$TEST_TMP/journal.log
"$CTLTOOL" notify /run/systemd/journal/socket >"$JLOG" &
EXTRA_PIDS="$EXTRA_PIDS $!"
wait_for 5 grep -q listening "$JLOG" || fail "fake journald did not start"

# run_case STREAM: one daemon, one peer that closes after 300 ms.
run_case() {
	start_peer -m close -d 300
	conf "[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 0"
	: >"$DLOG"
	if [ "$1" = journal ]; then
		JOURNAL_STREAM=$(stat -c '%d:%i' "$DLOG") start_daemon
	else
		start_daemon
	fi
	if [ "$1" = journal ]; then where=$JLOG; else where=$DLOG; fi
	wait_for 10 grep -q 'peer_closed' "$where" ||
	    fail "$1: no peer_closed event: $(cat "$DLOG")"
	stop_daemon
}

run_case journal
line=$(grep 'CAUSE=peer_closed' "$JLOG" | head -1)
[ -n "$line" ] || fail "no journal message with CAUSE=peer_closed: $(cat "$JLOG")"
expect_match "journal TARGET" ' TARGET=db ' "$line "
expect_match "journal PEER" " PEER=127\\.0\\.0\\.1:$PEER_PORT " "$line "
expect_match "journal TECHNIQUE" ' TECHNIQUE=read ' "$line "
expect_match "journal PRIORITY" ' PRIORITY=6 ' "$line "
expect_match "journal MESSAGE" ' MESSAGE=target db: up -> down: peer_closed \(read\)' " $line"
! grep -q 'target db: up -> down' "$DLOG" ||
    fail "the event went to stderr as well as to the journal"

: >"$JLOG.before"; cp "$JLOG" "$JLOG.before"
run_case stderr
grep -q '^<6>target db: up -> down: peer_closed (read)' "$DLOG" ||
    fail "no plain prefixed line without JOURNAL_STREAM: $(cat "$DLOG")"
cmp -s "$JLOG" "$JLOG.before" ||
    fail "without JOURNAL_STREAM the journal still got: $(diff "$JLOG.before" "$JLOG")"
