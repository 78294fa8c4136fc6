#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The peer of a held connection exits with nothing unread: its kernel
# sends FIN, and the daemon reports up -> down, peer_closed, seen by read
# in CLOSE_WAIT, within a second.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

start_peer -l 127.0.0.1:0 -m hold
peer=$(last_peer_pid)
# TCP_INFO too slow to race read; no fresh checks to muddle the path.
conf "[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 0
poll_interval = 1m"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"

watch_start target=db to=down
t0=$(epoch_ms)
kill "$peer"
watch_wait
expect_event up down peer_closed read
expect_eq "tcp_state" CLOSE_WAIT "$(ev tcp_state)"
expect_eq "error" "" "$(ev error)"
expect_eq "peer" "127.0.0.1:$PEER_PORT" "$(ev peer)"
expect_latency "peer_closed" "$t0" 0 1000

daemon_alive
stop_daemon
