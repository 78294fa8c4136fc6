#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Silent death of an idle peer: its namespace starts dropping every IPv4
# packet.  Keepalive 1s/1s/3 without a user timeout: tcp_info first sees
# the unanswered probes (up -> degraded, keepalive_probing), then the
# kernel gives up and the daemon reports degraded -> down, timed_out,
# seen by keepalive with ETIMEDOUT, 3-5 s after the cut (idle + interval
# x count after the last ACK, which came at most one idle before it).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/netns/netns.sh"
. "$top_srcdir/tests/daemon/held.sh"

held_netns_create
netns_start_peer hold
conf "[target db]
address = $NS_PEER_IP:$PEER_PORT
techniques = read,tcp_info,keepalive,user_timeout
keepalive_idle = 1s
keepalive_interval = 1s
keepalive_count = 3
user_timeout = 0
poll_interval = 300ms
check_interval = 0"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"
# A keepalive round trip or two before the cut.
sleep 1.5

watch_start target=db to=down
t0=$(epoch_ms)
blackhole all
watch_wait
expect_event degraded down timed_out keepalive
expect_eq "error" ETIMEDOUT "$(ev error)"
expect_latency "timed_out" "$t0" 2800 5000
grep '"to": *"degraded"' "$WATCH_ALL" | grep '"technique": *"tcp_info"' |
    grep -q '"cause": *"keepalive_probing"' ||
    fail "no degraded keepalive_probing before: $(cat "$WATCH_ALL")"

daemon_alive
stop_daemon
