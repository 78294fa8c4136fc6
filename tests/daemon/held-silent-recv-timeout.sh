#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Silent death of a request/reply peer: an echo peer answers probe_payload
# until its namespace drops every IPv4 packet.  With recv_timeout 1 s the
# next probe goes unanswered and the daemon reports up -> down,
# no_reply, seen by timeout, 1-1.5 s after the cut (the probe interval
# plus the deadline), long before any kernel timer would notice.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/netns/netns.sh"
. "$top_srcdir/tests/daemon/held.sh"

held_netns_create
netns_start_peer echo
conf "[target db]
address = $NS_PEER_IP:$PEER_PORT
techniques = read,timeout
probe_payload = ping\\n
probe_expect = ping
recv_timeout = 1s
probe_interval = 500ms
check_interval = 0"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"
# Replies arrive: the last verdict is the timeout technique's good one.
sleep 1.2
expect_eq "health after replies" up "$(health db)"

watch_start target=db to=down
t0=$(epoch_ms)
blackhole all
watch_wait
expect_event up down no_reply timeout
expect_eq "error" "" "$(ev error)"
expect_eq "tcp_state" ESTABLISHED "$(ev tcp_state)"
expect_latency "no_reply" "$t0" 900 2000

daemon_alive
stop_daemon
