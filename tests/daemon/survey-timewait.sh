#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# TIME_WAIT by destination, IPv4 and IPv6: connections we close first
# to one echo peer each leave TIME_WAIT sockets counted under that peer's
# address and port; --top bounds the list, not the totals.  The survey
# runs only on request here (survey_interval = 0) until a reload sets an
# interval.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/survey.sh"

start_peer -l 127.0.0.1:0 -m echo
p4=$PEER_PORT
start_peer -l '[::1]:0' -m echo
p6=$PEER_PORT
survey_conf 0 0
start_daemon

start_sockets -n 5 close "127.0.0.1:$p4"
start_sockets -n 3 close "[::1]:$p6"

wait_for 15 survey_is time_wait.total 5 --state time-wait --port "$p4" ||
    fail "no 5 TIME_WAIT toward $p4: $(cat "$OUT")"
expect_json "time_wait.destinations.#" 1
expect_json time_wait.destinations_total 1
expect_json time_wait.destinations.0.peer "127.0.0.1:$p4"
expect_json time_wait.destinations.0.count 5
expect_json counts.TIME_WAIT 5
expect_json counts.ESTABLISHED 0
expect_json filter.state.0 TIME_WAIT
expect_json filter.port "$p4"
expect_json survey.interval_ms 0

wait_for 15 survey_is time_wait.total 3 --state time-wait --port "$p6" ||
    fail "no 3 TIME_WAIT toward [::1]:$p6: $(cat "$OUT")"
expect_json time_wait.destinations.0.peer "[::1]:$p6"
expect_json time_wait.destinations.0.count 3

# Both destinations, busiest first, and --top 1 keeps only the first.
ctl -s "$SOCK" --json sockets --state time-wait
expect_rc "sockets --state time-wait" 0
[ "$(jget time_wait.destinations_total)" -ge 2 ] ||
    fail "two destinations expected: $(cat "$OUT")"
ctl -s "$SOCK" --json sockets --state time-wait --top 1
expect_rc "sockets --top 1" 0
expect_json "time_wait.destinations.#" 1
expect_json filter.limit 1
[ "$(jget time_wait.destinations_total)" -ge 2 ] ||
    fail "--top must not cut the totals: $(cat "$OUT")"

# For people.
ctl -s "$SOCK" sockets --state time-wait --port "$p4"
expect_rc "sockets for people" 0
expect_out "^TIME_WAIT by destination: 5 sockets, 1 destination$"
expect_out "^127\.0\.0\.1:$p4 +5$"
expect_out "^TIME_WAIT +5$"

# survey_interval = 0: no round but those asked for; a reload that sets
# an interval starts the timer.
survey
r1=$(jget survey.rounds)
sleep 0.5
survey
expect_eq "rounds without a timer" $(( r1 + 1 )) "$(jget survey.rounds)"
survey_conf 100ms 0
ctl -s "$SOCK" reload
expect_rc "reload" 0
sleep 1
survey
expect_json survey.interval_ms 100
[ "$(jget survey.rounds)" -ge $(( r1 + 4 )) ] ||
    fail "no timer rounds after the reload: $(jget survey.rounds) rounds"

daemon_alive
stop_daemon
