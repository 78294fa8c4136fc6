#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Writing to a peer that closed, with read and tcp_info switched off so
# only the write probes can tell: the first write after the FIN succeeds
# and draws an RST, the next fails with EPIPE (KERNEL-FACTS case 2).  The
# daemon reports up -> down, broken_pipe, seen by write, at the second
# probe after the FIN, and it is still running: SIGPIPE never kills it.

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
probe_interval = 1s
check_interval = 0"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"

# Probes go out every second after the up event.  A probe arriving while
# the peer dies would be unread and turn its FIN into an RST, so the kill
# comes half way between two, after the first has been read.
watch_start target=db to=down
show_target db
up=$(rfc3339_ms "$(jget "target.events.to=up.time")")
while [ $(( $(epoch_ms) - up )) -lt 1500 ]; do sleep 0.05; done
wait_ms=$(( (500 - ($(epoch_ms) - up) % 1000 + 1000) % 1000 ))
sleep "$(printf '0.%03d' "$wait_ms")"
t0=$(epoch_ms)
kill "$peer"
watch_wait
expect_event up down broken_pipe write
expect_eq "error" EPIPE "$(ev error)"
# The next probe draws the RST, the one after fails: 1.5 s after the kill.
expect_latency "broken_pipe" "$t0" 1000 2500

daemon_alive
stop_daemon
