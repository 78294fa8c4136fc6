#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# probe of a closed port: exit 1 at once, handshake refused with
# ECONNREFUSED, and no TCP_INFO, techniques or close in the result.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

# A port that was just listening and is closed now.
start_peer -m echo
port=$PEER_PORT
pid=${PEER_PIDS##* }
kill "$pid"
wait "$pid" 2>/dev/null

t0=$(now_ms)
ctl probe --json "127.0.0.1:$port"
t1=$(now_ms)
expect_rc "probe closed port" 1
expect_json handshake.result refused
expect_json handshake.error ECONNREFUSED
expect_json attempts.0.result refused
expect_json result.reachable false
expect_json result.cause refused
expect_json result.technique connect
expect_json result.exit 1
expect_eq "tcp_info absent" "" "$(jget tcp_info)"
expect_eq "close absent" "" "$(jget close)"
expect_between "refusal took (ms)" 0 1500 $((t1 - t0))

ctl probe "127.0.0.1:$port"
expect_rc "probe closed port, human" 1
expect_out '^  result +refused \(ECONNREFUSED\)$'
expect_out '^  cause +refused'
