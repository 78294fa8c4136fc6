#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# watch: once the daemon's "ok" is in, every health change streams as one
# event; when the peer of a held connection dies (its kernel sends FIN)
# the event says up -> down, peer_closed, seen by read, with an RFC 3339
# UTC time.  Both renderers get it; SIGINT ends each watch with status 0.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

start_peer -l 127.0.0.1:0 -m hold
peer_pid=${PEER_PIDS##* }
# One path to watch: no fresh checks, and TCP_INFO too slow to race read.
conf "[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 0
poll_interval = 1m"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"

JW=$TEST_TMP/watch.json
HW=$TEST_TMP/watch.txt
"$SOCKPROBECTL" -s "$SOCK" --json watch >"$JW" 2>&1 &
jpid=$!
"$SOCKPROBECTL" -s "$SOCK" watch >"$HW" 2>&1 &
hpid=$!
EXTRA_PIDS="$jpid $hpid"

# Both watchers are registered once they see a marker target's event
# (added again until they do: they connect in their own time).
marker_seen() {
	"$SOCKPROBECTL" -s "$SOCK" remove marker >/dev/null 2>&1
	"$SOCKPROBECTL" -s "$SOCK" add marker 127.0.0.1:1 || return 1
	sleep 0.1
	grep -q '"marker"' "$JW" && grep -q ' marker ' "$HW"
}
wait_for 5 marker_seen || fail "watchers: $(cat "$JW" "$HW")"

t0=$(now_ms)
kill "$peer_pid"
wait "$peer_pid" 2>/dev/null
down() { grep '"target": *"db"' "$JW" | grep -q '"to": *"down"'; }
wait_for 5 down || fail "no down event for db: $(cat "$JW")"
echo "event after $(( $(now_ms) - t0 )) ms"

ev=$(grep '"target": *"db"' "$JW" | grep '"to": *"down"' | head -n 1)
f() { printf '%s' "$ev" | "$JSONGET" - "$1"; }
expect_eq "from" up "$(f from)"
expect_eq "to" down "$(f to)"
expect_eq "cause" peer_closed "$(f cause)"
expect_eq "technique" read "$(f technique)"
expect_eq "path" held "$(f path)"
expect_eq "peer" "127.0.0.1:$PEER_PORT" "$(f peer)"
rfc3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'
expect_match "time" "$rfc3339" "$(f time)"
expect_match "detail" '.' "$(f detail)"
# One object per line, no "ok" acknowledgement among the events.
if grep -q '"ok"' "$JW"; then fail "the watch acknowledgement was printed"; fi

wait_for 5 grep -Eq ' db .*up -> down peer_closed \(read\)' "$HW" ||
    fail "text watcher: $(cat "$HW")"

for pid in $jpid $hpid; do
	kill -INT "$pid"
	wait "$pid"
	expect_eq "watch $pid ends on SIGINT with status" 0 "$?"
done
EXTRA_PIDS=

daemon_alive
stop_daemon
