#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The peer goes away and comes back on the same port: up -> down,
# peer_closed, seen by read; the reconnects are refused meanwhile (no
# event: down stays down); once sp-peer listens again on that port the
# next reconnect brings the target down -> up, seen by connect, within
# reconnect_max.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

start_peer -l 127.0.0.1:0 -m hold
peer=$(last_peer_pid)
port=$PEER_PORT
conf "[target db]
address = 127.0.0.1:$port
check_interval = 0
poll_interval = 1m
reconnect_min = 200ms
reconnect_max = 500ms"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"

watch_start target=db to=down
kill "$peer"
wait "$peer" 2>/dev/null
watch_wait
expect_event up down peer_closed read

# Refused a few times: still down, and the refusals are no events.
sleep 1.2
expect_eq "health while the peer is away" down "$(health db)"
show_target db
expect_eq "last cause while away" refused "$(jget target.last_cause)"
expect_json "target.events.#" 2

watch_start target=db to=up
t0=$(epoch_ms)
start_peer -l "127.0.0.1:$port" -m hold
expect_eq "the peer's port" "$port" "$PEER_PORT"
watch_wait
expect_event down up none connect
expect_latency "reconnect" "$t0" 0 1000
show_target db
expect_json "target.events.#" 3
expect_json "target.phase" connected

daemon_alive
stop_daemon
