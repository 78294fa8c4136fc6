#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The real sockprobed against bad clients: malformed and unknown requests
# get their error and the client stays; an oversized line and one client
# too many get their error and are dropped; all the while a watcher keeps
# getting events and the daemon keeps serving everyone else.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

# line N: line N of $OUT; code N: its error code; field N PATH: any field.
line() { sed -n "${1}p" "$OUT"; }
field() { line "$1" | "$JSONGET" - "$2" 2>/dev/null || true; }
code() { field "$1" error.code; }

conf '[target db]
address = 127.0.0.1:1'
start_daemon

"$SOCKPROBECTL" -s "$SOCK" --json watch >"$TEST_TMP/watch" 2>&1 &
WATCH_PID=$!
EXTRA_PIDS="$WATCH_PID"

# 1. Each bad request costs one error line; the client stays.
requests='not json
{"cmd":"frobnicate"}
{"cmd":"hello"}
["hello"]
{"cmd":"show","name":"nope"}
{"cmd":"show","name":7}
{"cmd":"sockets","state":"SOMEWHERE"}
{"cmd":"add","name":"x y","address":"h:1"}
{"cmd":"hel\xfflo"}
{}
{"cmd":"status"}
'
raw "$requests"
expect_eq "answers" 12 "$(wc -l <"$OUT")"
expect_eq "not JSON" bad_request "$(code 1)"
expect_match "not JSON, message" 'invalid JSON' "$(field 1 error.message)"
expect_eq "unknown command" unknown_command "$(code 2)"
expect_match "unknown command, message" frobnicate "$(field 2 error.message)"
expect_eq "hello after two errors" 1 "$(field 3 proto)"
expect_eq "an array" bad_request "$(code 4)"
expect_eq "show of nothing" not_found "$(code 5)"
expect_eq "show with a number" bad_argument "$(code 6)"
expect_match "show with a number, message" 'name: expected a string' \
    "$(field 6 error.message)"
expect_eq "sockets with a bad filter" bad_argument "$(code 7)"
expect_match "sockets with a bad filter, message" 'state: SOMEWHERE' \
    "$(field 7 error.message)"
expect_eq "a bad name" bad_argument "$(code 8)"
expect_eq "invalid UTF-8" bad_request "$(code 9)"
expect_eq "no cmd" bad_request "$(code 10)"
expect_eq "status after all that" db "$(field 11 targets.0.name)"
expect_eq "the daemon closed only after our EOF" '#eof' "$(line 12)"

# 2. A line over 64 KiB: request_too_long, then dropped, the request
# after it never answered.
{ head -c 70000 /dev/zero | tr '\0' x; printf '\n{"cmd":"hello"}\n'; } |
    "$CTLTOOL" raw "$SOCK" -k -w 5000 >"$OUT" 2>"$ERR"
expect_eq "oversized" request_too_long "$(code 1)"
expect_eq "then closed, nothing more" '#eof' "$(line 2)"

# 3. Client 129 is told and dropped.  The watcher is one of the 128.
holders=
for i in $(seq 1 127); do
	"$CTLTOOL" raw "$SOCK" -k -w 30000 </dev/null >/dev/null 2>&1 &
	holders="$holders $!"
done
EXTRA_PIDS="$EXTRA_PIDS $holders"
refused() {
	raw '{"cmd":"hello"}\n' -w 2000
	[ "$(code 1)" = too_many_clients ] && [ "$(line 2)" = '#eof' ]
}
wait_for 10 refused || fail "client 129 not refused: $(cat "$OUT")"
grep -q '128 clients connected, refusing' "$DLOG" || fail "not logged"
daemon_alive
for pid in $holders; do kill "$pid" 2>/dev/null || true; done
wait_for 10 daemon_up || fail "not serving after the holders left"

# 4. The watcher was never disturbed: it sees a target added now.
ctl -s "$SOCK" add late 127.0.0.1:1
expect_rc "add" 0
wait_for 5 grep -q '"target": *"late"' "$TEST_TMP/watch" ||
    fail "watcher missed the event: $(cat "$TEST_TMP/watch")"
kill -0 "$WATCH_PID" || fail "the watcher was dropped"
kill -INT "$WATCH_PID"
wait "$WATCH_PID"
expect_eq "watch ends on SIGINT with status" 0 "$?"

daemon_alive
stop_daemon
