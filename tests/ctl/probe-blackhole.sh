#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# probe into a black hole: a listener whose accept queue is full drops
# every SYN, so the connect gets no answer and ends at --timeout with
# syn_timeout, exit 1.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

# Backlog 0 holds one connection; ours fills it and the next SYN drops.
start_peer -m noaccept -b 0
exec 3<>"/dev/tcp/127.0.0.1/$PEER_PORT" || fail "cannot fill the queue"
t0=$(now_ms)
ctl probe --json --timeout 1s "127.0.0.1:$PEER_PORT"
t1=$(now_ms)
exec 3>&-
expect_rc "probe black hole" 1
expect_json handshake.result syn_timeout
expect_json result.cause syn_timeout
expect_json result.technique connect
expect_json result.reachable false
expect_between "handshake elapsed_us" 950000 2500000 \
    "$(jget handshake.elapsed_us)"
expect_between "probe took (ms)" 950 3000 $((t1 - t0))
