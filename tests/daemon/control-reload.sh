#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# reload over the control socket: a good file is applied (a new target
# starts, an unchanged one keeps its connection, one added at run time
# goes); a bad file is refused with each problem as FILE:LINE, in the
# response's "errors" and on sockprobectl's stderr, and the running set
# stays exactly as it was.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

since() {
	"$SOCKPROBECTL" -s "$SOCK" --json show "$1" |
	    "$JSONGET" - target.since 2>/dev/null || true
}

start_peer -l 127.0.0.1:0 -m hold
base="[defaults]
check_interval = 0

[target a]
address = 127.0.0.1:$PEER_PORT"
conf "$base"
start_daemon
wait_for 10 health_is a up || fail "a never up"
a_since=$(since a)
ctl -s "$SOCK" add runtime 127.0.0.1:1
expect_rc "add runtime" 0

# Good: b appears, a keeps its connection, runtime goes.
conf "$base

[target b]
address = 127.0.0.1:$PEER_PORT"
ctl -s "$SOCK" --json reload
expect_rc "good reload" 0
expect_json ok true
expect_json config "$CONF"
expect_json targets 2
wait_for 10 health_is b up || fail "b never up"
expect_eq "a kept its connection" "$a_since" "$(since a)"
ctl -s "$SOCK" show runtime
expect_rc "the runtime target is gone" 2

# Bad: two problems, both reported with their lines; nothing changes.
conf "$base

[target c]
address = 127.0.0.1:$PEER_PORT
rise = banana

[target d]
bogus = 1"
ctl -s "$SOCK" reload
expect_rc "bad reload" 2
grep -q "^$CONF:9: .*rise" "$ERR" || fail "no $CONF:9 line: $(cat "$ERR")"
grep -q "^$CONF:12: .*bogus" "$ERR" || fail "no $CONF:12 line: $(cat "$ERR")"
expect_match "summary" 'reload_failed' "$(cat "$ERR")"

raw '{"cmd":"reload"}\n'
line1=$(head -n 1 "$OUT")
expect_eq "code" reload_failed \
    "$(printf '%s' "$line1" | "$JSONGET" - error.code)"
expect_match "errors[0]" "^$CONF:9: " \
    "$(printf '%s' "$line1" | "$JSONGET" - errors.0)"
expect_match "errors[1]" "^$CONF:12: " \
    "$(printf '%s' "$line1" | "$JSONGET" - errors.1)"

ctl -s "$SOCK" --json status
expect_rc "status after the refusal" 0
expect_json 'targets.#' 2
expect_json targets.0.name a
expect_json targets.1.name b
expect_eq "a still on its first connection" "$a_since" "$(since a)"
grep -q 'reload refused' "$DLOG" || fail "the refusal is not logged"

daemon_alive
stop_daemon
