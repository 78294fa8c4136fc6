#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# sockprobectl probe against a peer in a network namespace: reachable
# (exit 0), then with the namespace silently dropping everything: our
# own deadline gives syn_timeout with no errno, and TCP_SYNCNT 1 with a
# longer deadline gives the kernel's ETIMEDOUT after about 3 s; exit 1.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/netns/netns.sh"

netns_create
netns_start_peer echo
target=$NS_PEER_IP:$PEER_PORT

ctl probe --json --timeout 2s "$target"
expect_rc "probe before the cut" 0
expect_json handshake.result connected
expect_json result.reachable true

blackhole all
t0=$(now_ms)
ctl probe --json --timeout 1s "$target"
t1=$(now_ms)
expect_rc "probe, our deadline" 1
expect_json handshake.result syn_timeout
expect_json result.cause syn_timeout
expect_json result.technique connect
expect_json handshake.error ""
expect_between "our deadline took (ms)" 950 2500 $((t1 - t0))

t0=$(now_ms)
ctl probe --json --timeout 10s --syn-retries 1 --user-timeout 0 "$target"
t1=$(now_ms)
expect_rc "probe, kernel's verdict" 1
expect_json result.cause syn_timeout
expect_json handshake.error ETIMEDOUT
expect_between "TCP_SYNCNT=1 took (ms)" 2800 3800 $((t1 - t0))

ctl probe "$target" --timeout 1s
expect_rc "human probe" 1
expect_match "human output" 'syn_timeout' "$(cat "$OUT")"
