#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The peer's namespace drops connection requests (a SYN black hole).
# Two targets, two judges of the same silence:
#  - "kernel": syn_retries 1 and a long connect_timeout; the kernel gives
#    up after 3 SYNs, about 3.1 s (KERNEL-FACTS case 7): connecting ->
#    down, syn_timeout, seen by connect with ETIMEDOUT;
#  - "deadline": connect_timeout 1 s, our loop deadline: connecting ->
#    down, syn_timeout, seen by connect with no errno, after 1 s.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/netns/netns.sh"
. "$top_srcdir/tests/daemon/held.sh"

held_netns_create
netns_start_peer hold
blackhole syn
conf "[defaults]
check_interval = 0

[target kernel]
address = $NS_PEER_IP:$PEER_PORT
syn_retries = 1
connect_timeout = 10s

[target deadline]
address = $NS_PEER_IP:$PEER_PORT
connect_timeout = 1s"
watch_begin target=kernel to=down
kernel=$WATCH_N
start_daemon
watch_ready
started=$(daemon_started_ms)

wait_for 5 health_is deadline down || fail "deadline: $(health deadline)"
show_target deadline
EV=$(jget "target.events.0")
expect_event connecting down syn_timeout connect
expect_eq "deadline error" "" "$(ev error)"
expect_eq "deadline tcp_state" SYN_SENT "$(ev tcp_state)"
expect_latency "syn_timeout (connect_timeout)" "$started" 950 1600

watch_wait "$kernel"
expect_event connecting down syn_timeout connect
expect_eq "kernel error" ETIMEDOUT "$(ev error)"
expect_latency "syn_timeout (TCP_SYNCNT 1)" "$started" 2800 4000

daemon_alive
stop_daemon
