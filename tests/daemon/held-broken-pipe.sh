#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Writing to a peer that closed, with read and tcp_info switched off so
# only the write probes can tell: the first write after the FIN succeeds
# and draws an RST, the next fails with EPIPE (KERNEL-FACTS case 2).  The
# daemon reports up -> down, broken_pipe, seen by write, within two probe
# intervals, and it is still running: SIGPIPE never kills it.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

# sink reads every probe, so its exit sends FIN, not RST.
start_peer -l 127.0.0.1:0 -m sink
peer=$(last_peer_pid)
conf "[target db]
address = 127.0.0.1:$PEER_PORT
techniques = write
probe_payload = ping\\n
probe_interval = 300ms
check_interval = 0"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"
# A few probes reached the peer and were read.
sleep 0.5

watch_start target=db to=down
t0=$(epoch_ms)
kill "$peer"
watch_wait
expect_event up down broken_pipe write
expect_eq "error" EPIPE "$(ev error)"
expect_latency "broken_pipe" "$t0" 200 1500

daemon_alive
stop_daemon
