#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Descriptor exhaustion.  The daemon runs with RLIMIT_NOFILE 64, of which
# it keeps the last 16 for control clients (FD_RESERVE): 20 targets hold
# their connections, then a client floods the [listen] with 60 and the
# daemon accepts only up to the reserve, pausing the listener (not
# spinning: its CPU is measured) while the rest wait in the backlog.
# Meanwhile the control socket answers every request, even five at
# once; 10 targets added at run time go down at once, cause local,
# error EMFILE; the held connections, outbound and accepted, stay up and
# none is closed.  When the flood goes, descriptors come back: the added
# targets come up, the backlog is drained, a new client is accepted, and
# the descriptor count returns to what the connections explain.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/faults/faults.sh"

limit=64
reserve=16			# FD_RESERVE in daemon/sockprobed.h

start_peer -l 127.0.0.1:0 -m hold
lport=$(free_port)
{
	printf '[daemon]\nmetrics_listen =\n\n'
	printf '[defaults]\ncheck_interval = 0\nreconnect_min = 200ms\n'
	printf 'reconnect_max = 1s\n\n[listen flood]\nbind = 127.0.0.1:%s\n' \
	    "$lport"
	printf 'backlog = 128\n'
	for i in $(seq -w 1 20); do
		printf '\n[target keep%s]\naddress = 127.0.0.1:%s\n' \
		    "$i" "$PEER_PORT"
	done
} >"$CONF"
daemon_wrapped prlimit --nofile="$limit:$limit"
start_daemon
expect_eq "the daemon's limit" "$limit" \
    "$(awk '/^Max open files/ { print $4 }' "/proc/$DAEMON_PID/limits")"
wait_for 10 count_is keep up 20 || fail "keep*: $(count_health keep up) up"
base=$(daemon_fds)
echo "$TEST_NAME: $base descriptors with 20 targets held"

# The flood: every connection completes into the backlog; the daemon
# takes what fits below the reserve and stops.
flood=$TEST_TMP/flood.out
flap_start "$flood" -n 60 "127.0.0.1:$lport"
flood_pid=$FLAP_PID
_flood_done() { [ "$(flap_established "$flood")" = 60 ]; }
wait_for 10 _flood_done || fail "flood: $(tail -n 1 "$flood")"
wait_for 10 grep -q 'listen flood: accept: pausing' "$DLOG" ||
    fail "the listener never paused: $(tail -n 20 "$DLOG")"
accepted=$(count_health flood/ up)
echo "$TEST_NAME: $accepted of 60 accepted, $(daemon_fds) descriptors"
[ "$accepted" -ge 1 ] && [ "$accepted" -lt 60 ] ||
    fail "accepted $accepted of the flood"
# Every number below the reserve is taken, none in it (descriptors
# inherited above the limit, like make's jobserver pipe, do not count).
expect_eq "highest descriptor" $(( limit - reserve - 1 )) \
    "$(ls "/proc/$DAEMON_PID/fd" | awk -v l="$limit" \
	'$1 < l && $1 > m { m = $1 } END { print m }')"
expect_fds_at_most "flooded" $(( base + accepted ))

# No spinning on the readable listener: a second of CPU at most in 2 s
# (idle is a few ms; a loop on accept() would burn all of it).
cpu0=$(daemon_cpu_ms)
sleep 2
cpu=$(( $(daemon_cpu_ms) - cpu0 ))
echo "$TEST_NAME: $cpu ms of CPU in 2 s while starved"
[ "$cpu" -lt 1000 ] || fail "the daemon spins: $cpu ms of CPU in 2 s"

# The control socket answers, five clients at once.
pids=
for i in 1 2 3 4 5; do
	"$SOCKPROBECTL" -s "$SOCK" --json status >"$TEST_TMP/par.$i" 2>&1 &
	pids="$pids $!"
done
EXTRA_PIDS="$EXTRA_PIDS $pids"
# shellcheck disable=SC2086
wait $pids
for i in 1 2 3 4 5; do
	expect_eq "parallel status $i" "$(( 20 + accepted ))" \
	    "$("$JSONGET" "$TEST_TMP/par.$i" 'targets.#')"
done

# Targets added now find no descriptor: down at once, cause local.
for i in $(seq -w 1 10); do
	ctl -s "$SOCK" add "extra$i" "127.0.0.1:$PEER_PORT"
	expect_rc "add extra$i" 0
done
wait_for 5 count_is extra down 10 ||
    fail "extra*: $(count_health extra down) down"
show_target extra05
expect_json target.last_cause local
expect_json target.last_error EMFILE
expect_json target.events.0.to down
expect_json target.events.0.cause local
expect_match "detail" 'kept for the control socket' \
    "$(jget target.events.0.detail)"

# What was held stays held, and the daemon closed nothing of the flood.
expect_eq "keep* up" 20 "$(count_health keep up)"
expect_eq "flood up" "$accepted" "$(count_health flood/ up)"
expect_match "flood's view" 'closed 0$' "$(tail -n 1 "$flood")"
daemon_alive

# Descriptors come back: the added targets come up, the backlog is
# drained (each stale peer goes down), new peers are accepted.  The
# peers to drain are those the kernel holds on the listener's side
# (accepted or queued): all 60 unless it dropped a handshake's last ACK.
server_side() {
	ss -Htan "( sport = :$lport )" | awk '$1 != "LISTEN"'
}
held=$(server_side | wc -l)
echo "$TEST_NAME: the kernel holds $held of 60 on the listener's side:" \
    "$(server_side | awk '{ print $1 }' | sort | uniq -c | xargs)"
[ "$held" -ge "$accepted" ] && [ "$held" -le 60 ] ||
    fail "the kernel holds $held connections, $accepted accepted"
flap_stop "$flood_pid"
wait_for 20 count_is extra up 10 || fail "extra*: $(count_health extra up) up"
wait_for 30 count_is flood/ down "$held" || {
	"$SOCKPROBECTL" -s "$SOCK" status | awk 'NR == 1 || $3 != "down"'
	grep 'listen flood' "$DLOG"
	ss -ltn "sport = :$lport"
	server_side
	fail "flood: $(count_health flood/ down) of $held down"
}
wait_for 5 grep -q 'listen flood: descriptors free again' "$DLOG" ||
    fail "the listener did not resume: $(tail -n 20 "$DLOG")"
late=$TEST_TMP/late.out
flap_start "$late" -n 3 "127.0.0.1:$lport"
wait_for 10 count_is flood/ up 3 ||
    fail "late clients: $(count_health flood/ up) up"
expect_eq "keep* up" 20 "$(count_health keep up)"
# 10 more targets and 3 peers than at the start, nothing else.
expect_fds_at_most "recovered" $(( base + 10 + 3 ))

daemon_alive
stop_daemon
