#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# What systemd hears, through a NOTIFY_SOCKET the test owns: READY=1 only
# once the control socket accepts, a STATUS= line, RELOADING=1 with
# MONOTONIC_USEC then READY=1 again for a reload asked over the control
# socket (good or refused), and STOPPING=1 on SIGTERM.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

NSOCK=$TEST_TMP/notify.sock
NLOG=$TEST_TMP/notify.log
"$CTLTOOL" notify "$NSOCK" "$SOCK" >"$NLOG" &
EXTRA_PIDS=$!
wait_for 5 grep -q listening "$NLOG" || fail "notify listener not ready"

# count WORD: lines of the notify log holding WORD.
count() { grep -c -- "$1" "$NLOG" || true; }

conf '[target db]
address = 127.0.0.1:1'
NOTIFY_SOCKET=$NSOCK start_daemon
wait_for 5 grep -q 'READY=1' "$NLOG" || fail "no READY=1: $(cat "$NLOG")"
expect_eq "READY=1 after the control socket listens" 1 \
    "$(count 'READY=1 control=up')"
expect_eq "READY=1 before it" 0 "$(count 'control=down')"
wait_for 5 grep -q '^STATUS=' "$NLOG" || fail "no STATUS=: $(cat "$NLOG")"

ctl -s "$SOCK" reload
expect_rc "reload" 0
wait_for 10 test "$(count 'READY=1')" = 2 ||
    fail "no READY=1 after the reload: $(cat "$NLOG")"
expect_match "RELOADING" '^RELOADING=1 MONOTONIC_USEC=[0-9]+$' \
    "$(grep RELOADING "$NLOG")"
# The order: READY, RELOADING, READY.
expect_eq "order" "READY RELOADING READY" "$(grep -oE '^(READY|RELOADING)' \
    "$NLOG" | tr '\n' ' ' | sed 's/ $//')"

conf '[target db]
address = nonsense'
ctl -s "$SOCK" reload
expect_rc "refused reload" 2
wait_for 10 test "$(count 'READY=1')" = 3 ||
    fail "no READY=1 after the refused reload: $(cat "$NLOG")"
expect_eq "RELOADING twice" 2 "$(count 'RELOADING=1')"

stop_daemon
wait_for 5 grep -q 'STOPPING=1' "$NLOG" || fail "no STOPPING=1: $(cat "$NLOG")"
