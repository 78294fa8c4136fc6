#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The two paths disagree, held dead but fresh fine: the peer closes every
# connection 1.5 s after accepting it (sp-peer -m close -d 1500), so the
# held one dies while fresh connects every 500 ms keep succeeding.  The
# event is up -> down, peer_closed, seen by read, and its detail says the
# held connection was lost but fresh connects succeed.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

start_peer -l 127.0.0.1:0 -m close -d 1500
conf "[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 500ms
poll_interval = 1m"
watch_begin target=db to=down
start_daemon
watch_ready
watch_wait
expect_event up down peer_closed read
expect_match "detail" \
    'held connection lost but fresh connects succeed' "$(ev detail)"
show_target db
expect_json "target.fresh.enabled" true
up=$(jget "target.events.to=up.time")
expect_latency "peer_closed" "$(rfc3339_ms "$up")" 1400 2500

daemon_alive
stop_daemon
