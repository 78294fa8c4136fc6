#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# probe --send/--expect: an echo peer matches (exit 0), a wrong prefix is
# expect_mismatch (exit 1), and a peer that never answers is no_reply
# after --timeout (exit 1); escapes reach the wire as bytes.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

start_peer -m echo
ctl probe --json --send 'PING\r\n' --expect 'PING\r' "127.0.0.1:$PEER_PORT"
expect_rc "echo --expect PING" 0
expect_json techniques.write.technique write
expect_json techniques.write.cause none
expect_json techniques.write.sent_bytes 6
expect_json techniques.write.reply.matched true
expect_json techniques.write.reply.bytes 6
expect_json techniques.write.reply.data 'PING\r\n'
expect_json techniques.write.reply.cause none
expect_json techniques.write.reply.detail 'the reply starts with "PING\r"'
expect_json close.outcome time_wait
expect_json result.health up

ctl probe --json -d '\x41\x42' -e AB "127.0.0.1:$PEER_PORT"
expect_rc "echo \\xHH" 0
expect_json techniques.write.reply.data AB

ctl probe --json --send 'PING\n' --expect PONG "127.0.0.1:$PEER_PORT"
expect_rc "echo --expect PONG" 1
expect_json techniques.write.reply.cause expect_mismatch
expect_json techniques.write.reply.matched false
expect_json result.cause expect_mismatch
expect_json result.health down
expect_json result.exit 1

ctl probe --send 'PING\n' --expect PONG "127.0.0.1:$PEER_PORT"
expect_rc "echo --expect PONG, human" 1
expect_out '^  reply +expect_mismatch'
expect_out 'expected "PONG"'

start_peer -m sink
t0=$(now_ms)
ctl probe --json --send 'PING\n' --expect PONG --timeout 700ms \
    "127.0.0.1:$PEER_PORT"
t1=$(now_ms)
expect_rc "sink --expect" 1
expect_json techniques.write.cause none
expect_json techniques.write.reply.cause no_reply
expect_json techniques.write.reply.technique timeout
expect_json techniques.write.reply.bytes 0
expect_json result.cause no_reply
# The reply deadline, then the close: the sink peer closes on our FIN.
expect_between "sink probe took (ms)" 650 3000 $((t1 - t0))
