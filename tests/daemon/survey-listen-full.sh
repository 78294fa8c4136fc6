#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A listener that never accepts, backlog 1: the kernel completes two
# handshakes into its queue (it is full once more than the backlog
# wait), and drops the third client's SYN.  The survey lists it full,
# with its process, and the alarm says so once on the watch stream.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/survey.sh"

start_peer -l 127.0.0.1:0 -m noaccept -b 1
lport=$PEER_PORT
listener=$(last_peer_pid)
survey_conf 200ms 0
start_daemon

watch_start -t 10000 target=host alarm=listen_queue_full \
    "local=127.0.0.1:$lport"
start_sockets -n 3 hold "127.0.0.1:$lport"
wait_for 5 survey_is listeners.full 1 --state listen --port "$lport" ||
    fail "the queue is not full: $(cat "$OUT")"
expect_json listeners.total 1
expect_json listeners.queued 1
expect_json listeners.queues.0.local "127.0.0.1:$lport"
expect_json listeners.queues.0.queue 2
expect_json listeners.queues.0.backlog 1
expect_json listeners.queues.0.full true
expect_json listeners.queues.0.near_full true
expect_json listeners.queues.0.pid "$listener"
expect_json listeners.queues.0.comm sp-peer

watch_wait
expect_event up degraded local tcp_info survey
expect_eq "event tcp_state" LISTEN "$(ev tcp_state)"
expect_eq "event pid" "$listener" "$(ev pid)"
expect_eq "event queue" 2 "$(ev queue)"
expect_eq "event backlog" 1 "$(ev backlog)"
grep -q "survey: listener 127.0.0.1:$lport: accept queue full, 2 waiting" \
    "$DLOG" || fail "no warning in the log: $(grep survey: "$DLOG")"

# The clients: two connected (they cannot tell), the third's SYN dropped.
survey --port "$lport" --process sp-sockets
expect_json counts.ESTABLISHED 2
expect_json counts.SYN_SENT 1

ctl -s "$SOCK" sockets --state listen --port "$lport"
expect_rc "sockets for people" 0
expect_out "^Accept queues: 1 listener, 1 with connections waiting, 1 full$"
expect_out "^127\.0\.0\.1:$lport +2 +1 +200% +full: SYNs dropped +$listener +sp-peer$"

daemon_alive
stop_daemon
