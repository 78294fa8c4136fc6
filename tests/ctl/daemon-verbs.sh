#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The verbs that ask sockprobed, against tests/ctl/fakectl standing in
# for its control socket: the request lines sent, the table and the exit
# status drawn from the answers, --json passing an answer unchanged,
# errors and a silent daemon as exit 2, watch streaming events.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

FAKECTL=$top_builddir/tests/ctl/fakectl
sock=$TEST_TMP/control.sock
req=$TEST_TMP/request
n=0

# fake_daemon ANSWER-LINE...: a control socket that answers one client.
fake_daemon() {
	n=$((n + 1))
	rm -f "$req"
	"$FAKECTL" "$sock" "$req" "$@" >"$TEST_TMP/fake.$n" &
	PEER_PIDS="$PEER_PIDS $!"
	wait_for 5 grep -q ready "$TEST_TMP/fake.$n" || fail "fakectl not ready"
}

# expect_request JSON: the request line the ctl sent.
expect_request() {
	wait_for 5 test -s "$req" || fail "no request saved"
	expect_eq "request" "$1" "$(cat "$req")"
}

up='{"ok": true, "targets": [{"name": "db", "peer": "10.0.0.5:5432", "health": "up", "since": "2026-11-24T10:00:00.123456Z", "tcp_state": "ESTABLISHED", "rtt_us": 250, "total_retrans": 0, "last_cause": "none", "last_technique": "none"}]}'
fake_daemon "$up"
ctl -s "$sock" status
expect_rc "status, all up" 0
expect_request '{"cmd":"status"}'
expect_out '^NAME +PEER +HEALTH +STATE +RTT +RETRANS +CAUSE +BY +SINCE$'
expect_out '^db +10\.0\.0\.5:5432 +up +ESTABLISHED +0\.250 ms +0 +none +none +2026-11-24T10:00:00\.123456Z$'

fake_daemon "$up"
ctl --socket "$sock" --json status
expect_rc "status --json" 0
expect_eq "status --json is the answer" "$up" "$(cat "$OUT")"

fake_daemon '{"ok": true, "targets": [{"name": "db", "health": "up"}, {"name": "web", "health": "down", "last_cause": "refused"}]}'
ctl -s "$sock" status
expect_rc "status, one down" 1
expect_out '^web +- +down +- +- +- +refused '

fake_daemon '{"ok": true, "target": {"name": "db", "health": "degraded"}}'
ctl -s "$sock" show db
expect_rc "show, degraded" 0
expect_request '{"cmd":"show","name":"db"}'
expect_out '^  health +degraded$'

fake_daemon '{"ok": true, "target": {"name": "db", "health": "down"}}'
ctl -s "$sock" show db
expect_rc "show, down" 1

fake_daemon '{"ok": true, "name": "db"}'
ctl -s "$sock" add db 10.0.0.5:5432 check_interval=5s close_mode=rst
expect_rc "add" 0
expect_request '{"cmd":"add","name":"db","address":"10.0.0.5:5432","settings":{"check_interval":"5s","close_mode":"rst"}}'

fake_daemon '{"ok": false, "error": {"code": "not_found", "message": "db: no such target"}}'
ctl -s "$sock" remove db
expect_rc "remove, refused" 2
expect_request '{"cmd":"remove","name":"db"}'
grep -q 'remove: not_found: db: no such target' "$ERR" ||
    fail "error not reported: $(cat "$ERR")"
[ ! -s "$OUT" ] || fail "stdout on an error"

fake_daemon '{"ok": true, "target": "db", "source": "socket", "modes": [{"mode": "idle", "detect_ms": 16000, "technique": "keepalive", "cause": "timed_out", "how": "probes after 10 s"}], "warnings": [], "options": {"keepalive": true, "keepalive_idle_s": 10, "keepalive_interval_s": 2, "keepalive_count": 3, "user_timeout_ms": 0, "syn_retries": null, "linger2_s": null, "rto_ms": null, "recv_timeout_ms": 0, "send_timeout_ms": 0}}'
ctl -s "$sock" explain db
expect_rc "explain NAME" 0
expect_request '{"cmd":"explain","name":"db"}'
expect_out '^  name +db$'
expect_out '^  keepalive +on: idle 10s, interval 2s, count 3$'
expect_out '^ESTABLISHED, idle +16s +keepalive +timed_out +probes after 10 s$'

fake_daemon '{"ok": true, "watching": true}' \
    '{"time": "2026-11-24T10:00:00.123456Z", "target": "db", "from": "up", "to": "down", "cause": "peer_closed", "technique": "read", "detail": "recv returned 0"}' \
    '{"time": "2026-11-24T10:00:01.000000Z", "target": "db", "from": "down", "to": "up", "cause": "none", "technique": "connect", "detail": "connected"}'
ctl -s "$sock" watch
expect_rc "watch until the daemon goes" 0
expect_request '{"cmd":"watch"}'
expect_eq "watch lines" 2 "$(wc -l <"$OUT")"
expect_out '^2026-11-24T10:00:00\.123456Z db up -> down peer_closed \(read\) recv returned 0$'

fake_daemon
ctl -s "$sock" reload
expect_rc "a daemon that closes without answering" 2
grep -q 'closed without an answer' "$ERR" || fail "no message: $(cat "$ERR")"

fake_daemon 'this is not JSON'
ctl -s "$sock" status
expect_rc "a garbled answer" 2

fake_daemon '{"ok": false, "error": {"code": "reload_failed", "message": "2 errors"}, "errors": ["/etc/sockprobe.ini:3: [target db] address: expected host:port", "/etc/sockprobe.ini:9: unknown section [foo]"]}'
ctl -s "$sock" reload
expect_rc "a refused reload" 2
grep -q '^/etc/sockprobe.ini:3: \[target db\] address: expected host:port$' \
    "$ERR" || fail "reload error line missing: $(cat "$ERR")"
grep -q 'reload: reload_failed: 2 errors' "$ERR" || fail "no reload summary"
