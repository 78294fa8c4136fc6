#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The filters of sockets: by process (pid or command), port and states,
# and --top; every bad filter is refused with a message naming it, by
# sockprobectl before it connects or by the daemon, which goes on
# serving the same client and everyone else.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/survey.sh"

start_peer -l 127.0.0.1:0 -m close
port1=$PEER_PORT
start_peer -l 127.0.0.1:0 -m close
port2=$PEER_PORT
survey_conf 0 0
start_daemon
start_sockets -n 2 hold "127.0.0.1:$port1"
h1=$SOCKETS_PID
start_sockets -n 1 hold "127.0.0.1:$port2"
h2=$SOCKETS_PID

# By pid: each holder alone.
wait_for 5 survey_is closewait.total 2 --process "$h1" ||
    fail "holder 1: $(cat "$OUT")"
expect_json "closewait.groups.#" 1
expect_json closewait.groups.0.port "$port1"
wait_for 5 survey_is closewait.total 1 --process "$h2" ||
    fail "holder 2: $(cat "$OUT")"
expect_json closewait.groups.0.port "$port2"

# By port: holder 1's sockets and its peer's listener, nothing of h2.
survey --port "$port1"
expect_json closewait.total 2
expect_json counts.LISTEN 1
survey --port "$port1" --state listen
expect_json closewait.total 0
expect_json counts.LISTEN 1
expect_json counts.CLOSE_WAIT 0

# By command and state: both holders, the larger group first; --top 1
# lists one group of the two.
survey --process sp-sockets --state close-wait,time-wait
expect_json filter.comm sp-sockets
expect_json filter.state.0 TIME_WAIT
expect_json filter.state.1 CLOSE_WAIT
ctl -s "$SOCK" --json sockets --process "$h1" --state CLOSE_WAIT --top 1
expect_rc "--top 1" 0
expect_json "closewait.groups.#" 1
expect_json "closewait.groups.0.sockets.#" 1
expect_json closewait.groups.0.count 2

# Refused by sockprobectl (exit 2) or by the daemon (exit 2, its words).
ctl -s "$SOCK" sockets --process 999999999
expect_rc "no such pid" 2
grep -q "not_found: pid 999999999: no such process" "$ERR" ||
    fail "no such pid: $(cat "$ERR")"
ctl -s "$SOCK" sockets --process no-such-comm
expect_rc "no such command" 2
grep -q "no process of that name" "$ERR" || fail "comm: $(cat "$ERR")"
ctl -s "$SOCK" sockets --state close_waiting
expect_rc "bad state" 2
grep -q "CLOSE_WAITING: not a TCP state" "$ERR" || fail "state: $(cat "$ERR")"

# The protocol itself: one client, several bad requests, then hello.
raw '{"cmd":"sockets","state":"CLOSE-WAIT"}
{"cmd":"sockets","port":70000}
{"cmd":"sockets","limit":"ten"}
{"cmd":"sockets","pid":1,"comm":"init"}
{"cmd":"sockets","state":["LISTEN",{}]}
{"cmd":"hello"}
'
expect_eq "answers" 7 "$(wc -l <"$OUT")"
answer() { sed -n "${1}p" "$OUT" | "$JSONGET" - "$2"; }
for i in 1 2 3 4 5; do
	expect_eq "bad request $i" bad_argument "$(answer $i error.code)"
done
expect_match "state message" 'state: CLOSE-WAIT' "$(answer 1 error.message)"
expect_match "port message" 'port: expected an integer from 1 to 65535' \
    "$(answer 2 error.message)"
expect_match "limit message" 'limit' "$(answer 3 error.message)"
expect_match "pid and comm" 'give one' "$(answer 4 error.message)"
expect_eq "hello after them" true "$(answer 6 ok)"

survey --process "$h2"
expect_json closewait.total 1
daemon_alive
stop_daemon
