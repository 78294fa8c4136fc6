# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the held-connection scenarios (tests/daemon/held-*.sh) after
# tests/common.sh, tests/ctl/ctl.sh and tests/daemon/daemon.sh, and
# tests/netns/netns.sh when the peer lives in a namespace: watch for the
# one event a scenario expects with sp-waitevent, read its fields, time
# it, and clean up the daemon, the peers and the namespace on every path.

: "${WAITEVENT:=$top_builddir/tests/daemon/sp-waitevent}"

EV=
WATCH_PID=
WATCH_N=
WATCH_ALL=
_held_nwatch=0

# The daemon first (bounded: SIGKILL after 5 s), so it never sees its
# peers die during cleanup; then what daemon.sh and netns.sh started.
_held_cleanup() {
	local i
	if [ -n "$DAEMON_PID" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		for i in $(seq 100); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	fi
	_daemon_cleanup
	if [ -n "${NS:-}" ]; then netns_destroy; fi
	return 0
}
cleanup_hook=_held_cleanup

# held_netns_create: netns_create, keeping this file's cleanup (which
# removes the namespace too).
held_netns_create() {
	netns_create
	cleanup_hook=_held_cleanup
}

# watch_start [-t MS] COND...: watch the daemon in the background for the
# first event whose members match COND (KEY=VALUE or KEY~TEXT, see
# waitevent.c), within MS (default 15000); returns once the daemon
# accepted the watch, so whatever the caller does next is seen.
watch_start() {
	watch_begin "$@"
	watch_ready
}

# watch_begin [-t MS] COND...: the same without waiting, for a watch
# started before the daemon (it retries connecting until MS).
watch_begin() {
	local ms=15000 n
	if [ "${1:-}" = -t ]; then ms=$2; shift 2; fi
	_held_nwatch=$(( _held_nwatch + 1 ))
	WATCH_N=$_held_nwatch
	n=$TEST_TMP/watch.$WATCH_N
	WATCH_ALL=$n.all
	"$WAITEVENT" -t "$ms" -r "$n.ready" -a "$WATCH_ALL" "$SOCK" "$@" \
	    >"$n.out" 2>"$n.err" &
	WATCH_PID=$!
	eval "_held_watch_pid_$WATCH_N=\$WATCH_PID"
	EXTRA_PIDS="$EXTRA_PIDS $WATCH_PID"
}

# watch_ready [N]: watch N (default the last one begun) is accepted.
watch_ready() {
	local n=$TEST_TMP/watch.${1:-$WATCH_N}
	wait_for 10 test -e "$n.ready" ||
	    fail "the watch was not accepted: $(cat "$n.err")"
}

# watch_wait [N]: the verdict of watch N (default the last one begun),
# bounded by its own deadline; EV is the matching event.  On failure,
# every event it saw and the daemon's last words.
watch_wait() {
	local i=${1:-$WATCH_N} n rc pid
	n=$TEST_TMP/watch.$i
	eval "pid=\$_held_watch_pid_$i"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || fail "$(cat "$n.err"); events seen: \
$(cat "$n.all" 2>/dev/null); daemon log: $(tail -n 30 "$DLOG")"
	EV=$(head -n 1 "$n.out")
	echo "$TEST_NAME: event: $EV"
}

# watch_none [N]: watch N (default the last one begun) ran to its
# deadline without a matching event.
watch_none() {
	local i=${1:-$WATCH_N} n pid
	n=$TEST_TMP/watch.$i
	eval "pid=\$_held_watch_pid_$i"
	wait "$pid"
	[ ! -s "$n.out" ] || fail "unexpected event: $(cat "$n.out")"
}

# ev KEY: a member of the event EV.
ev() {
	printf '%s' "$EV" | "$JSONGET" - "$1"
}

# expect_event FROM TO CAUSE TECHNIQUE [PATH]: EV is that change.
expect_event() {
	expect_eq "event from" "$1" "$(ev from)"
	expect_eq "event to" "$2" "$(ev to)"
	expect_eq "event cause" "$3" "$(ev cause)"
	expect_eq "event technique" "$4" "$(ev technique)"
	expect_eq "event path" "${5:-held}" "$(ev path)"
}

# rfc3339_ms TIME: an event's RFC 3339 UTC time as ms since the epoch.
rfc3339_ms() {
	date -u -d "$1" +%s%3N
}

# epoch_ms: now, in the clock of the events' times.
epoch_ms() {
	date +%s%3N
}

# event_after MS_EPOCH: how long after MS_EPOCH the event EV happened.
event_after() {
	echo $(( $(rfc3339_ms "$(ev time)") - $1 ))
}

# expect_latency WHAT T0 MIN MAX: EV happened MIN..MAX ms after T0; the
# measured value is printed for the log.
expect_latency() {
	local ms
	ms=$(event_after "$2")
	echo "$TEST_NAME: $1 after $ms ms (bound $3..$4)"
	expect_between "$1 latency (ms)" "$3" "$4" "$ms"
}

# show_target NAME: `show NAME --json` into $OUT.
show_target() {
	ctl -s "$SOCK" --json show "$1"
	[ "$RC" = 0 ] || [ "$RC" = 1 ] ||
	    fail "show $1: exit $RC: $(cat "$ERR")"
}

# target_health NAME: NAME's health from `show`, "" when there is no such
# target; unlike daemon.sh's health it takes names with dots
# (LISTENER/127.0.0.1:PORT), which jsonget's paths cannot.
target_health() {
	"$SOCKPROBECTL" -s "$SOCK" --json show "$1" >"$TEST_TMP/th" \
	    2>/dev/null
	"$JSONGET" "$TEST_TMP/th" target.health 2>/dev/null || true
}

# daemon_fds: how many descriptors the daemon holds now.
daemon_fds() {
	ls "/proc/$DAEMON_PID/fd" | wc -l
}

# expect_fds_at_most WHAT N: the daemon comes back to N descriptors or
# fewer within 3 s (a connect attempt or a control client may hold one
# for a moment; a leak only grows).
expect_fds_at_most() {
	_fds_le() { [ "$(daemon_fds)" -le "$1" ]; }
	wait_for 3 _fds_le "$2" ||
	    fail "$1: $(daemon_fds) descriptors, expected at most $2: \
$(ls -l "/proc/$DAEMON_PID/fd")"
}

# daemon_backend: the event backend the running daemon reports, read
# through `sockprobectl --json hello`.
daemon_backend() {
	"$SOCKPROBECTL" -s "$SOCK" --json hello >"$TEST_TMP/hello" \
	    2>/dev/null || return 1
	"$JSONGET" "$TEST_TMP/hello" backend
}

# daemon_started_ms: when the daemon started (hello's "started"), in ms
# since the epoch; its targets begin connecting right after.
daemon_started_ms() {
	"$SOCKPROBECTL" -s "$SOCK" --json hello >"$TEST_TMP/hello" \
	    2>/dev/null || fail "hello: $(cat "$TEST_TMP/hello")"
	rfc3339_ms "$("$JSONGET" "$TEST_TMP/hello" started)"
}

# free_port: a loopback TCP port nobody listens on right now (sp-peer
# reports an ephemeral one and goes away).
free_port() {
	local out=$TEST_TMP/free.$RANDOM pid port
	"$SP_PEER" -l 127.0.0.1:0 -m hold >"$out" &
	pid=$!
	wait_for 5 test -s "$out" || fail "sp-peer printed no port"
	port=$(head -n 1 "$out")
	kill "$pid"
	wait "$pid" 2>/dev/null
	echo "$port"
}

# last_peer_pid: the pid of the last peer start_peer started.
last_peer_pid() {
	echo "${PEER_PIDS##* }"
}

# held_fin_backend BACKEND: the peer's FIN under event_backend = BACKEND:
# hello and the start-up log name BACKEND as the one in use, and the held
# connection goes up -> down, peer_closed, seen by read, within a second.
# poll and select have no EV_CLOSED: the FIN arrives as plain readability.
held_fin_backend() {
	local peer t0
	start_peer -l 127.0.0.1:0 -m hold
	peer=$(last_peer_pid)
	conf "[daemon]
event_backend = $1

[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 0
poll_interval = 1m"
	start_daemon
	expect_eq "backend in sockprobectl hello" "$1" "$(daemon_backend)"
	grep -q "started with .*, $1 backend" "$DLOG" ||
	    fail "no '$1 backend' in the log: $(cat "$DLOG")"
	wait_for 10 health_is db up || fail "db never up: $(health db)"

	watch_start target=db to=down
	t0=$(epoch_ms)
	kill "$peer"
	watch_wait
	expect_event up down peer_closed read
	expect_eq "tcp_state" CLOSE_WAIT "$(ev tcp_state)"
	expect_latency "peer_closed ($1)" "$t0" 0 1000

	# And it reconnects under the same backend once the peer is back.
	watch_start target=db to=up
	start_peer -l "127.0.0.1:$PEER_PORT" -m hold
	watch_wait
	expect_event down up none connect

	daemon_alive
	stop_daemon
}
