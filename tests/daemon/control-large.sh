#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# An answer larger than the 4 MiB unread-output limit is still delivered
# whole: status of 16,000 targets (about 6 MB of JSON) reaches
# sockprobectl, and another client is answered meanwhile.  The limit is
# for clients that do not read, not for large answers.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

n=16000
# Port 1 refuses; every target is refused once and then waits an hour.
{
	printf '[defaults]\ncheck_interval = 0\nreconnect_min = 1h\n'
	printf 'reconnect_max = 1h\ntechniques = read\n'
	for i in $(seq "$n"); do
		printf '[target t%d]\naddress = 127.0.0.1:%d\n' "$i" 1
	done
} >"$CONF"
start_daemon
"$SOCKPROBECTL" -s "$SOCK" --json status >"$TEST_TMP/big" 2>"$ERR"
rc=$?
[ $rc -eq 1 ] || fail "status of $n down targets: exit $rc: $(cat "$ERR")"
size=$(stat -c %s "$TEST_TMP/big")
[ "$size" -gt $((4 * 1024 * 1024)) ] ||
    fail "the answer was only $size bytes: not a large-answer test"
expect_eq "targets in the answer" "$n" "$("$JSONGET" "$TEST_TMP/big" 'targets.#')"
# The counts come first, so status --json needs to parse only them.
expect_eq "summary.down" "$n" "$("$JSONGET" "$TEST_TMP/big" summary.down)"
head -c 200 "$TEST_TMP/big" | grep -q '^{"ok":true,"summary":{' ||
    fail "the summary does not lead the answer: $(head -c 200 "$TEST_TMP/big")"

# Two large answers asked at once on one connection, and a small one
# from someone else, all come back.
printf '{"cmd":"status"}\n{"cmd":"status"}\n' |
    "$CTLTOOL" raw "$SOCK" -w 5000 >"$TEST_TMP/two" &
raw_pid=$!
raw '{"cmd":"hello"}\n' -w 2000
expect_match "hello meanwhile" '"ok": *true' "$(cat "$OUT")"
wait "$raw_pid"
expect_eq "answers on one connection" 2 "$(grep -c '"targets"' "$TEST_TMP/two")"
daemon_alive
stop_daemon
