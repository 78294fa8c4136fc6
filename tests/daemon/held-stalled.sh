#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A peer that stops reading (sp-peer -m hold) while probes keep coming:
# its receive buffer (4 KiB: tcp_rmem in its namespace) fills and it
# advertises a zero window, so our probes queue unsent.  Two targets see
# it two ways:
#  - "sender" (write, timeout; send_timeout 1s): a probe not acknowledged
#    within send_timeout is up -> down, send_stalled, seen by timeout.
#    The deadline is per probe and needs no window state: it fires first.
#  - "window" (write, tcp_info; no send deadline, stall_timeout 1s): the
#    zero window has to last stall_timeout, then up -> degraded,
#    zero_window, seen by tcp_info.  Degraded, not down: a zero window is
#    a slow reader, not a dead one, and zero-window probes are answered.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/netns/netns.sh"
. "$top_srcdir/tests/daemon/held.sh"

held_netns_create
# Set before the peer's listener exists: accepted sockets inherit it.
netns_exec sh -c 'echo "4096 4096 4096" >/proc/sys/net/ipv4/tcp_rmem' ||
    fail "tcp_rmem in $NS"
netns_start_peer hold
# 150 bytes: a configuration line holds at most 197 characters.
payload=$(printf '%0150d' 0)
conf "[defaults]
probe_payload = $payload
probe_interval = 100ms
poll_interval = 200ms
check_interval = 0

[target sender]
address = $NS_PEER_IP:$PEER_PORT
techniques = write,timeout
send_timeout = 1s
stall_timeout = 1m

[target window]
address = $NS_PEER_IP:$PEER_PORT
techniques = write,tcp_info
send_timeout = 0
stall_timeout = 1s"
watch_begin target=sender to=down
sender=$WATCH_N
watch_begin target=window to=degraded
window=$WATCH_N
start_daemon
watch_ready "$sender"
watch_ready "$window"

# up_ms NAME: when NAME first came up, from its history.
up_ms() {
	show_target "$1"
	rfc3339_ms "$(jget "target.events.to=up.time")"
}

watch_wait "$sender"
expect_event up down send_stalled timeout
expect_match "sender detail" 'still queued after send_timeout 1s' \
    "$(ev detail)"
expect_latency "send_stalled" "$(up_ms sender)" 1000 6000

watch_wait "$window"
expect_event up degraded zero_window tcp_info
expect_match "window detail" 'zero window' "$(ev detail)"
expect_latency "zero_window" "$(up_ms window)" 1000 6000

daemon_alive
stop_daemon
