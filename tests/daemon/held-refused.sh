#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A target whose port nobody listens on: the handshake is answered with
# RST at once, and the first event is connecting -> down, refused, seen by
# connect with ECONNREFUSED.  The retries that follow change nothing: the
# history holds that one event, and the daemon keeps trying without
# leaking a descriptor per attempt.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

port=$(free_port)
conf "[target db]
address = 127.0.0.1:$port
check_interval = 0
reconnect_min = 100ms
reconnect_max = 200ms"
start_daemon
wait_for 5 health_is db down || fail "db not down: $(health db)"
# Several reconnects, each refused again, and none leaks its socket.
sleep 0.5
fds=$(daemon_fds)
sleep 1
expect_fds_at_most "descriptors after more refused reconnects" "$fds"
show_target db
expect_rc "show of a down target" 1
expect_json "target.events.#" 1
EV=$(jget "target.events.0")
expect_event connecting down refused connect
expect_eq "error" ECONNREFUSED "$(ev error)"
expect_eq "peer" "127.0.0.1:$port" "$(ev peer)"
expect_latency "refused" "$(daemon_started_ms)" 0 1000
expect_match "phase" '^(waiting|connecting)$' "$(jget target.phase)"

daemon_alive
stop_daemon
