#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A half-closed peer (sp-peer -m halfclose: shutdown(SHUT_WR) 1 s after
# accepting, the socket kept open and read).  Two targets watch it:
# "reader" has read on and reports up -> down, peer_closed, seen by read
# in CLOSE_WAIT, at the FIN; "writer" has only write on and stays up,
# because writes to a half-closed peer keep succeeding (KERNEL-FACTS
# case 2, halfclose): no write ever fails, so write alone cannot see it.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

start_peer -l 127.0.0.1:0 -m halfclose -d 1000
conf "[defaults]
check_interval = 0
poll_interval = 1m
probe_payload = ping\\n
probe_interval = 200ms

[target reader]
address = 127.0.0.1:$PEER_PORT
techniques = read

[target writer]
address = 127.0.0.1:$PEER_PORT
techniques = write"
watch_begin target=reader to=down
start_daemon
watch_ready
watch_wait
expect_event up down peer_closed read
expect_eq "tcp_state" CLOSE_WAIT "$(ev tcp_state)"
# The FIN is due 1 s after the accept: after the up event, which the
# history keeps (the watch may have come too late for it).
show_target reader
up=$(jget "target.events.to=up.time")
[ -n "$up" ] || fail "reader was never up: $(cat "$OUT")"
expect_latency "peer_closed" "$(rfc3339_ms "$up")" 900 2000

# The writer's peer half-closed at the same time; 2 s of probes later
# (10 writes) it is still up, with no event since it came up.
watch_start -t 2000 target=writer
watch_none
expect_eq "writer health" up "$(health writer)"
show_target writer
expect_json "target.tcp_info.state" CLOSE_WAIT
expect_json "target.events_total" 1

daemon_alive
stop_daemon
