#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# With read switched off nothing reads the FIN, but TCP_INFO shows the
# connection in CLOSE_WAIT: the peer exits, and within one poll_interval
# the daemon reports up -> down, peer_closed, seen by tcp_info.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

start_peer -l 127.0.0.1:0 -m hold
peer=$(last_peer_pid)
conf "[target db]
address = 127.0.0.1:$PEER_PORT
techniques = tcp_info,keepalive
poll_interval = 500ms
check_interval = 0"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"
show_target db
expect_json "target.techniques.name=read.active" false

watch_start target=db to=down
t0=$(epoch_ms)
kill "$peer"
watch_wait
expect_event up down peer_closed tcp_info
expect_eq "tcp_state" CLOSE_WAIT "$(ev tcp_state)"
expect_latency "peer_closed" "$t0" 0 1000

daemon_alive
stop_daemon
