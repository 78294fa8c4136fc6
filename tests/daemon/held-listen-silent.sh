#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# An inbound peer dies silently: a client in a namespace connects to our
# [listen] and its namespace then drops every IPv4 packet.  The accepted
# socket gets the listener's keepalive 1s/1s/2 like any held connection:
# up -> degraded, keepalive_probing (tcp_info), then degraded -> down,
# timed_out, seen by keepalive with ETIMEDOUT, 2-4 s after the cut.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/netns/netns.sh"
. "$top_srcdir/tests/daemon/held.sh"

held_netns_create
port=$(free_port)
conf "[listen agents]
bind = $NS_HOST_IP:$port
techniques = read,tcp_info,keepalive
keepalive_idle = 1s
keepalive_interval = 1s
keepalive_count = 2
user_timeout = 0
poll_interval = 300ms"
start_daemon

netns_spawn ip netns exec "$NS" bash -c \
    "exec 3<>/dev/tcp/$NS_HOST_IP/$port && exec sleep 30"
# agents/<client>: the only inbound target, named after the client.
inbound_up() {
	"$SOCKPROBECTL" -s "$SOCK" --json status >"$TEST_TMP/st" || return 1
	NAME=$(grep -o "\"agents/$NS_PEER_IP:[0-9]*\"" "$TEST_TMP/st" |
	    tr -d '"' | head -n 1)
	[ -n "$NAME" ] && [ "$(target_health "$NAME")" = up ]
}
wait_for 5 inbound_up || fail "no inbound peer up: $(cat "$TEST_TMP/st")"
show_target "$NAME"
expect_json "target.kind" inbound
expect_json "target.techniques.name=keepalive.active" true
sleep 1.2

watch_start target="$NAME" to=down
t0=$(epoch_ms)
blackhole all
watch_wait
expect_event degraded down timed_out keepalive
expect_eq "error" ETIMEDOUT "$(ev error)"
expect_latency "timed_out" "$t0" 1800 4000
grep '"to": *"degraded"' "$WATCH_ALL" | grep '"technique": *"tcp_info"' |
    grep -q '"cause": *"keepalive_probing"' ||
    fail "no degraded keepalive_probing before: $(cat "$WATCH_ALL")"

daemon_alive
stop_daemon
