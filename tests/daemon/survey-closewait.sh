#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# CLOSE_WAIT sockets of a process that never closes what its peer
# closed: grouped by its pid, command and the peer's port, their age
# growing from one survey to the next; past closewait_alarm one warning
# and one watch event name the process, once; when the process exits
# they are forgotten.  A server that never closes has its CLOSE_WAIT on
# its listening port, and its clients' ends are orphans in FIN_WAIT2.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/survey.sh"

start_peer -l 127.0.0.1:0 -m close
cport=$PEER_PORT
survey_conf 200ms 1500ms
start_daemon

# 1. Three sockets whose peer closes at once: CLOSE_WAIT, one group.
watch_start -t 15000 target=host alarm=closewait_leak \
    "detail~to peer port $cport older"
t0=$(epoch_ms)
start_sockets -n 3 hold "127.0.0.1:$cport"
holder=$SOCKETS_PID
wait_for 5 survey_is closewait.total 3 --process "$holder" \
    --state close-wait || fail "no 3 CLOSE_WAIT sockets: $(cat "$OUT")"
expect_json "closewait.groups.#" 1
expect_json closewait.groups.0.pid "$holder"
expect_json closewait.groups.0.comm sp-sockets
expect_json closewait.groups.0.uid "$(id -u)"
expect_json closewait.groups.0.port "$cport"
expect_json closewait.groups.0.side peer
expect_json closewait.groups.0.count 3
expect_json "closewait.groups.0.sockets.#" 3
expect_json closewait.groups.0.sockets.0.peer "127.0.0.1:$cport"
expect_json counts.CLOSE_WAIT 3
expect_json counts.ESTABLISHED 0
expect_json survey.selected 3
expect_json filter.pid "$holder"

# 2. Their age grows across rounds.
age1=$(jget closewait.groups.0.oldest_age_ms)
sleep 0.6
survey --process "$holder" --state close-wait
age2=$(jget closewait.groups.0.oldest_age_ms)
echo "$TEST_NAME: ages $age1 ms, then $age2 ms"
[ "$age2" -ge $(( age1 + 400 )) ] || fail "age did not grow: $age1 -> $age2"

# 3. Past the alarm: one warning, one event naming the process.
watch_wait
expect_event up degraded state tcp_info survey
expect_eq "event tcp_state" CLOSE_WAIT "$(ev tcp_state)"
expect_eq "event pid" "$holder" "$(ev pid)"
expect_eq "event comm" sp-sockets "$(ev comm)"
expect_eq "event port" "$cport" "$(ev port)"
expect_eq "event side" peer "$(ev side)"
expect_eq "event sockets" 3 "$(ev sockets)"
expect_eq "event peer" "127.0.0.1:$cport" "$(ev peer)"
expect_between "event age_ms" 1500 5000 "$(ev age_ms)"
expect_latency "CLOSE_WAIT alarm" "$t0" 1400 5000
grep -q "survey: 3 CLOSE_WAIT sockets to peer port $cport older than 1.5s" \
    "$DLOG" || fail "no warning in the log: $(grep survey: "$DLOG")"
survey --process "$holder"
expect_json closewait.suspects 3
expect_json closewait.groups.0.suspects 3
expect_json closewait.groups.0.sockets.0.suspect true
# Once only: the next rounds raise nothing more for these sockets.
watch_start -t 1500 target=host alarm=closewait_leak \
    "detail~to peer port $cport older"
watch_none

# 4. The holder exits: its sockets are gone and forgotten; a new holder
# starts from zero.
kill "$holder"
wait "$holder" 2>/dev/null
wait_for 5 survey_is closewait.total 0 --port "$cport" \
    --state close-wait || fail "CLOSE_WAIT remembered: $(cat "$OUT")"
start_sockets -n 1 hold "127.0.0.1:$cport"
wait_for 5 survey_is closewait.total 1 --process "$SOCKETS_PID" \
    --state close-wait || fail "the new holder: $(cat "$OUT")"
expect_json closewait.groups.0.sockets.0.suspect false
expect_between "a new socket's age" 0 1400 \
    "$(jget closewait.groups.0.oldest_age_ms)"

# 5. A server that never closes: CLOSE_WAIT on its own listening port;
# the clients closed first and their ends are orphans in FIN_WAIT2.
start_peer -l 127.0.0.1:0 -m hold
sport=$PEER_PORT
server=$(last_peer_pid)
start_sockets -n 2 close "127.0.0.1:$sport"
wait_for 5 survey_is closewait.total 2 --port "$sport" ||
    fail "no CLOSE_WAIT on the server: $(cat "$OUT")"
expect_json closewait.groups.0.pid "$server"
expect_json closewait.groups.0.comm sp-peer
expect_json closewait.groups.0.port "$sport"
expect_json closewait.groups.0.side local
expect_json fin_wait2.total 2
expect_json "fin_wait2.destinations.#" 1
expect_json fin_wait2.destinations.0.peer "127.0.0.1:$sport"
expect_json fin_wait2.destinations.0.count 2
expect_json orphans 2
expect_json counts.LISTEN 1
ctl -s "$SOCK" sockets --port "$sport"
expect_rc "sockets for people" 0
# (Past 1.5 s, which a loaded host may take, they are suspects too.)
expect_out "^CLOSE_WAIT by process: 2 sockets, [0-2] leak suspects? \(alarm after 1\.5s\)"
expect_out "^ *$server +sp-peer .* $sport +local +2 +[0-2] "
expect_out "^FIN_WAIT2 by destination: 2 sockets, 1 destination"
expect_out "^127\.0\.0\.1:$sport +2$"
expect_out "^\(orphans\) +2$"

daemon_alive
stop_daemon
