#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# explain: the numbers of sp_budget_compute() for given options, against
# a sysctl directory with Linux 6.x defaults, in JSON and in words; the
# traps come out as warnings.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

sys=$TEST_TMP/sysctl
sysctl_fixture "$sys"

ctl explain -k "$sys" --json --keepalive 1s,1s,3
expect_rc "explain keepalive" 0
[ "$(wc -l <"$OUT")" -eq 1 ] || fail "--json is not one line"
expect_json modes.mode=idle.detect_ms 4000
expect_json modes.mode=idle.technique keepalive
expect_json modes.mode=idle.cause timed_out
expect_json options.keepalive true
expect_json options.keepalive_count 3
expect_json modes.# 7

ctl explain -k "$sys" --json --keepalive 1s,1s,3 --user-timeout 10s
expect_rc "explain keepalive + user timeout" 0
expect_json modes.mode=idle.detect_ms 10000
expect_json modes.mode=idle.technique user_timeout
expect_json warnings.name=keepcnt_overridden.name keepcnt_overridden
expect_json options.user_timeout_ms 10000

ctl explain -k "$sys" --json --syn-retries 2
expect_rc "explain syn retries" 0
expect_json modes.mode=syn_sent.detect_ms 7000
expect_json modes.mode=syn_sent.cause syn_timeout
expect_json options.syn_retries 2

ctl explain -k "$sys" --json
expect_rc "explain defaults" 0
expect_between "syn_sent" 131000 135000 "$(jget modes.mode=syn_sent.detect_ms)"
expect_between "busy" 924600 926000 "$(jget modes.mode=busy.detect_ms)"
expect_json modes.mode=idle.detect_ms null
expect_json warnings.name=keepalive_off.name keepalive_off
expect_json warnings.name=retries2_floor.name retries2_floor
expect_json options.keepalive false
expect_json options.syn_retries null

ctl explain -k "$sys" --json --user-timeout 2s
expect_rc "explain user timeout alone" 0
expect_json warnings.name=ut_idle_noop.name ut_idle_noop

# The same numbers in words.
ctl explain -k "$sys" --keepalive 1s,1s,3 --user-timeout 10s
expect_rc "explain, human" 0
expect_out '^Options$'
expect_out '^  keepalive +on: idle 1s, interval 1s, count 3$'
expect_out '^  user timeout +10s$'
expect_out '^FAILURE +DETECTED AFTER +BY +CAUSE +HOW$'
expect_out '^ESTABLISHED, idle +10s +user_timeout +timed_out '
expect_out '^Warnings$'
expect_out '^  keepcnt_overridden +TCP_USER_TIMEOUT'
ctl explain -k "$sys"
expect_out '^ESTABLISHED, idle +never +'
expect_out '^SYN_SENT, black hole +2m1[1-5]s +connect +syn_timeout '

# Bad input is a usage error, with a message on stderr only.
ctl explain --keepalive 1500ms,1s,3
expect_rc "keepalive in ms" 2
grep -q 'whole seconds' "$ERR" || fail "no 'whole seconds' message"
[ ! -s "$OUT" ] || fail "stdout on a usage error"
ctl explain --keepalive 1s,1s
expect_rc "keepalive with two fields" 2
ctl explain --syn-retries 0
expect_rc "syn retries 0" 2
ctl explain -k "$TEST_TMP/nonexistent"
expect_rc "missing sysctl directory" 2
ctl explain --timeout 1s
expect_rc "a probe option" 2
grep -q -- '--timeout does not apply' "$ERR" || fail "no 'does not apply'"
