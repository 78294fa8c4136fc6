#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A peer that receives probe_payload but never reads it is killed with
# SIGKILL: a process dying with unread data sends RST, not FIN
# (KERNEL-FACTS case 3), so the daemon reports up -> down, reset, seen by
# read with ECONNRESET, within a second.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

# hold: accepts and never reads, so every probe stays unread.
start_peer -l 127.0.0.1:0 -m hold
peer=$(last_peer_pid)
conf "[target db]
address = 127.0.0.1:$PEER_PORT
techniques = read,write
probe_payload = ping\\n
probe_interval = 200ms
check_interval = 0"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"

# The peer's receive queue holds our probes: Recv-Q of its socket.
unread() {
	ss -tnH state established "( sport = :$PEER_PORT )" |
	    awk '$1 > 0 { found = 1 } END { exit !found }'
}
wait_for 5 unread || fail "no unread probe at the peer: $(ss -tn)"

watch_start target=db to=down
t0=$(epoch_ms)
kill -KILL "$peer"
wait "$peer" 2>/dev/null
watch_wait
expect_event up down reset read
expect_eq "error" ECONNRESET "$(ev error)"
expect_latency "reset" "$t0" 0 1000

daemon_alive
stop_daemon
