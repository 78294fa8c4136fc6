#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Silent death with a probe in flight: the peer's namespace drops every
# IPv4 packet while probe_payload goes out every 500 ms, keepalive off,
# TCP_USER_TIMEOUT 2 s.  tcp_info sees the retransmissions first (up ->
# degraded, retransmitting); the user timeout then ends it: degraded ->
# down, timed_out, seen by user_timeout with ETIMEDOUT.  Its clock starts
# at the first RTO (KERNEL-FACTS case 6c), so 2.2-4 s after the cut.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/netns/netns.sh"
. "$top_srcdir/tests/daemon/held.sh"

held_netns_create
netns_start_peer sink
conf "[target db]
address = $NS_PEER_IP:$PEER_PORT
techniques = read,write,tcp_info,user_timeout
user_timeout = 2s
probe_payload = ping\\n
probe_interval = 500ms
poll_interval = 200ms
check_interval = 0"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"
sleep 1

watch_start target=db to=down
t0=$(epoch_ms)
blackhole all
watch_wait
expect_event degraded down timed_out user_timeout
expect_eq "error" ETIMEDOUT "$(ev error)"
expect_latency "timed_out" "$t0" 2200 4000
grep '"to": *"degraded"' "$WATCH_ALL" | grep '"technique": *"tcp_info"' |
    grep -q '"cause": *"retransmitting"' ||
    fail "no degraded retransmitting before: $(cat "$WATCH_ALL")"

daemon_alive
stop_daemon
