#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The two paths disagree, held fine but fresh failing: the peer never
# accepts and listens with backlog 0, so our held connection, established
# first, fills its accept queue and every later SYN is dropped.  The fresh
# checks time out (connect_timeout 500 ms): up -> degraded, syn_timeout,
# seen by connect on path fresh, with the detail naming a full listen
# backlog; the held connection stays connected and the target degraded.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

start_peer -l 127.0.0.1:0 -m noaccept -b 0
conf "[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 1s
connect_timeout = 500ms
poll_interval = 500ms"
watch_begin target=db to=degraded
start_daemon
watch_ready
watch_wait
expect_event up degraded syn_timeout connect fresh
expect_match "detail" \
    'fresh connects fail while the held connection lives' "$(ev detail)"
expect_eq "tcp_state" SYN_SENT "$(ev tcp_state)"
degraded_ms=$(rfc3339_ms "$(ev time)")
# A few more polls and checks: the held path alone cannot lift it, and
# the timed-out fresh sockets are closed.
fds=$(daemon_fds)
sleep 2
expect_fds_at_most "descriptors after more failed checks" "$fds"
show_target db
expect_json "target.health" degraded
expect_json "target.phase" connected
expect_json "target.tcp_info.state" ESTABLISHED
expect_json "target.fresh.last_cause" syn_timeout
expect_json "target.events.#" 2
# The first check starts 0.5-1 s after the start, and times out 0.5 s on.
up=$(rfc3339_ms "$(jget "target.events.to=up.time")")
echo "$TEST_NAME: degraded after $(( degraded_ms - up )) ms (bound 900..2500)"
expect_between "degraded latency (ms)" 900 2500 $(( degraded_ms - up ))

daemon_alive
stop_daemon
