#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# probe against an echo peer: exit 0, connected, ESTABLISHED, read alive,
# and a clean close watched down to TIME_WAIT through sock_diag.  The
# human form of the same probe names every section.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

start_peer -m echo
ctl probe --json --timeout 2s "127.0.0.1:$PEER_PORT"
expect_rc "probe echo --json" 0
[ "$(wc -l <"$OUT")" -eq 1 ] || fail "--json is not one line"
expect_json target "127.0.0.1:$PEER_PORT"
expect_json handshake.result connected
expect_json handshake.address "127.0.0.1:$PEER_PORT"
expect_match "handshake local" '^127\.0\.0\.1:[0-9]+$' "$(jget handshake.local)"
expect_between "handshake elapsed_us" 0 2000000 "$(jget handshake.elapsed_us)"
expect_json tcp_info.state ESTABLISHED
expect_match "tcp_info rtt_us" '^[0-9]+$' "$(jget tcp_info.rtt_us)"
expect_json techniques.read.technique read
expect_json techniques.read.cause none
expect_json techniques.read.error ""
expect_json techniques.tcp_info.cause none
expect_json techniques.write.skipped true
expect_json techniques.keepalive.effective.enabled true
expect_json techniques.keepalive.effective.idle_s 10
expect_json techniques.keepalive.effective.interval_s 2
expect_json techniques.keepalive.effective.count 3
expect_json techniques.user_timeout.effective.user_timeout_ms 16000
expect_json techniques.timeout.effective.recv_timeout_ms 2000
# The close: our FIN first, the peer's FIN back, TIME_WAIT with its timer.
expect_json close.outcome time_wait
expect_json close.peer_fin true
expect_json close.steps.0.state ESTABLISHED
expect_json close.steps.source=sock_diag.state TIME_WAIT
expect_between "TIME_WAIT timer" 50000 60000 \
    "$(jget close.steps.state=TIME_WAIT.timer_ms)"
expect_json budget.modes.mode=idle.technique user_timeout
expect_json budget.options.keepalive_idle_s 10
expect_json result.health up
expect_json result.cause none
expect_json result.exit 0

ctl probe "127.0.0.1:$PEER_PORT"
expect_rc "probe echo" 0
for section in Target Handshake TCP_INFO Techniques Close \
    'Worst case to detect a dead peer' 'The budget in words' Result; do
	expect_out "^$section\$"
done
expect_out '^  result +connected$'
expect_out '^  TIME_WAIT +\+'
expect_out '^  health +up$'
if grep -q "$(printf '\033')" "$OUT"; then
	fail "colour escapes in a pipe"
fi
[ ! -s "$ERR" ] || fail "stderr not empty: $(cat "$ERR")"

# The options reach the socket and its budget.
ctl probe --json --keepalive off --user-timeout 0 --syn-retries 2 \
    "127.0.0.1:$PEER_PORT"
expect_rc "probe without keepalive" 0
expect_json techniques.keepalive.effective.enabled false
expect_json techniques.user_timeout.effective.user_timeout_ms 0
expect_json budget.options.keepalive false
expect_json budget.options.syn_retries 2
expect_json budget.modes.mode=idle.detect_ms null
expect_json budget.modes.mode=syn_sent.detect_ms 7000
ctl probe --keepalive off "127.0.0.1:$PEER_PORT"
expect_out '^  idle death +if the peer dies while the connection is idle, nothing notices$'

# --listen-self brings its own echo peer.
ctl probe --listen-self --json
expect_rc "probe --listen-self" 0
expect_json handshake.result connected
expect_json close.outcome time_wait
