#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# probe of a peer that never closes after our FIN: the probe itself is
# fine (exit 0), our end stays in FIN_WAIT2 and, once closed, lingers as
# an orphan for tcp_fin_timeout, which the close section says in words.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

fin_timeout=$(cat /proc/sys/net/ipv4/tcp_fin_timeout)
start_peer -m hold
t0=$(now_ms)
ctl probe --json "127.0.0.1:$PEER_PORT"
t1=$(now_ms)
expect_rc "probe hold-mode peer" 0
expect_json techniques.read.cause none
expect_json close.outcome peer_did_not_close
expect_json close.peer_fin false
expect_json close.detail \
    "the peer did not close: FIN_WAIT2 until tcp_fin_timeout ($fin_timeout s)"
expect_json close.steps.state=FIN_WAIT2.source tcp_info
expect_json close.steps.source=sock_diag.state FIN_WAIT2
expect_json close.steps.source=sock_diag.orphan true
expect_between "orphan FIN_WAIT2 timer" 1 $((fin_timeout * 1000)) \
    "$(jget close.steps.source=sock_diag.timer_ms)"
# The wait for the peer's FIN is bounded: about one second.
expect_between "probe took (ms)" 900 4000 $((t1 - t0))

ctl probe "127.0.0.1:$PEER_PORT"
expect_rc "probe hold-mode peer, human" 0
expect_out "the peer did not close: FIN_WAIT2 until tcp_fin_timeout \\($fin_timeout s\\)"
