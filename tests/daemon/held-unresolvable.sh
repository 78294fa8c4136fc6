#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A target whose name does not resolve is not a reason to refuse to start
# (`sockprobed -n` says so, the daemon does not wait for names): it is
# down with cause local, seen by connect, the name in the detail, and the
# daemon keeps trying.  A name under .invalid (RFC 6761) fails without a
# query, so this needs no resolver and no network; the target beside it
# with a numeric address is monitored all the same.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

port=$(free_port)
conf "[defaults]
check_interval = 0
reconnect_min = 100ms
reconnect_max = 200ms

[target ghost]
address = ghost.sockprobe.invalid:80

[target refused]
address = 127.0.0.1:$port"
"$SOCKPROBED" -n -c "$CONF" >/dev/null 2>"$TEST_TMP/check.err"
expect_eq "sockprobed -n exit status" 1 "$?"
expect_match "sockprobed -n message" \
    "^$CONF:7: \[target ghost\] address: cannot resolve ghost.sockprobe.invalid: " \
    "$(cat "$TEST_TMP/check.err")"

start_daemon
wait_for 5 health_is ghost down || fail "ghost not down: $(health ghost)"
wait_for 5 health_is refused down || fail "refused not down"
show_target ghost
expect_rc "show of a down target" 1
EV=$(jget "target.events.0")
expect_event connecting down local connect
expect_match "detail" "ghost.sockprobe.invalid" "$(ev detail)"
# Still retried, never a reason to stop.
sleep 0.5
daemon_alive
