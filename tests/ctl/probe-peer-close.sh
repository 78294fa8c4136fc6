#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# probe of a peer that closes right after accept: the read technique
# sees peer_closed, TCP_INFO says CLOSE_WAIT, exit 1, and our close is
# the second one (no TIME_WAIT on our side).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

start_peer -m close
ctl probe --json "127.0.0.1:$PEER_PORT"
expect_rc "probe close-mode peer" 1
expect_json handshake.result connected
expect_json techniques.read.cause peer_closed
expect_json techniques.read.technique read
expect_json tcp_info.state CLOSE_WAIT
expect_json techniques.tcp_info.cause peer_closed
expect_json result.cause peer_closed
expect_json result.technique read
expect_json result.health down
expect_json close.outcome peer_closed_first
expect_json close.steps.0.state CLOSE_WAIT

# RST after a delay, so the handshake completes first: reset, seen by read.
start_peer -m rst -d 20
ctl probe --json "127.0.0.1:$PEER_PORT"
expect_rc "probe rst-mode peer" 1
expect_json handshake.result connected
expect_json techniques.read.cause reset
expect_json techniques.read.error ECONNRESET
expect_json result.cause reset
expect_json close.outcome already_closed
