#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The peer resets the held connection (sp-peer -m rst: SO_LINGER 0 and
# close, 2 s after accepting): up -> down, reset, seen by read with
# ECONNRESET, within a second of the reset.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

start_peer -l 127.0.0.1:0 -m rst -d 2000
conf "[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 0
poll_interval = 1m"
# Watching before the daemon starts: the reset comes on its own clock.
watch_begin target=db to=down
start_daemon
watch_ready
watch_wait
expect_event up down reset read
expect_eq "error" ECONNRESET "$(ev error)"
expect_eq "tcp_state" CLOSE "$(ev tcp_state)"
# The reset is due 2 s after the accept: after the up event, which the
# history keeps (the watch may have come too late for it).
show_target db
up=$(jget "target.events.to=up.time")
[ -n "$up" ] || fail "db was never up: $(cat "$OUT")"
expect_latency "reset" "$(rfc3339_ms "$up")" 1900 3000

daemon_alive
stop_daemon
