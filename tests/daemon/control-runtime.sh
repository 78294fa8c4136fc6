#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# add and remove while the daemon runs: an added target connects to a
# real peer and comes up with the settings given on top of [defaults];
# show and explain see it; a bad setting, a taken name and an unknown
# name are refused with their codes and change nothing; remove closes
# the connection (the peer sees it go) and forgets the target.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

start_peer -l 127.0.0.1:0 -m hold
conf "[defaults]
check_interval = 0
keepalive_idle = 20s

[target first]
address = 127.0.0.1:$PEER_PORT"
start_daemon
wait_for 10 health_is first up || fail "first never up"

ctl -s "$SOCK" add second "127.0.0.1:$PEER_PORT" keepalive_count=4 \
    user_timeout=7s
expect_rc "add" 0
wait_for 10 health_is second up || fail "second never up: $(health second)"

ctl -s "$SOCK" --json show second
expect_rc "show" 0
expect_json target.name second
expect_json target.health up
expect_json target.tcp_state ESTABLISHED

# The settings are the running [defaults] plus those given, and the
# held socket carries them: explain reads them back from it.
ctl -s "$SOCK" --json explain second
expect_rc "explain" 0
expect_json source socket
expect_json options.keepalive_idle_s 20
expect_json options.keepalive_count 4
expect_json options.user_timeout_ms 7000

ctl -s "$SOCK" add second 127.0.0.1:1
expect_rc "add, name taken" 2
expect_match "taken" 'exists' "$(cat "$ERR")"
ctl -s "$SOCK" add third 127.0.0.1:1 keepalive_idle=1500ms
expect_rc "add, bad setting" 2
expect_match "bad setting" 'bad_argument: .*keepalive_idle' "$(cat "$ERR")"
ctl -s "$SOCK" add third 127.0.0.1:1 no_such_key=1
expect_rc "add, unknown key" 2
expect_match "unknown key" 'no_such_key' "$(cat "$ERR")"
ctl -s "$SOCK" add 'bad name' 127.0.0.1:1
expect_rc "add, bad name" 2
ctl -s "$SOCK" add third not-an-address
expect_rc "add, bad address" 2
ctl -s "$SOCK" --json status
expect_json 'targets.#' 2

ctl -s "$SOCK" remove second
expect_rc "remove" 0
ctl -s "$SOCK" --json status
expect_rc "status after remove" 0
expect_json 'targets.#' 1
expect_json summary.up 1
expect_json summary.down 0
expect_json targets.0.name first
ctl -s "$SOCK" show second
expect_rc "show of a removed target" 2
expect_match "not found" 'not_found' "$(cat "$ERR")"
ctl -s "$SOCK" remove second
expect_rc "remove twice" 2
expect_match "not found" 'not_found' "$(cat "$ERR")"

# The peer saw the removed connection close: one of its two is left.
command -v ss >/dev/null || fail "ss (iproute2) is missing"
held() { [ "$(ss -Htn state established "dport = :$PEER_PORT" | wc -l)" = 1 ]; }
wait_for 5 held || fail "connections to the peer: $(ss -Htn \
    state established "dport = :$PEER_PORT")"

# hello: who answers, in both renderers.
ctl -s "$SOCK" --json hello
expect_rc "hello" 0
expect_json proto 1
expect_json backend epoll
expect_json pid "$DAEMON_PID"
expect_json may_mutate true
ctl -s "$SOCK" hello
expect_rc "hello for people" 0
expect_out '^ *backend +epoll$'

daemon_alive
stop_daemon
