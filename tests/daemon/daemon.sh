# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the control tests after tests/common.sh and tests/ctl/ctl.sh:
# run the real sockprobed on a private control socket and configuration,
# talk to it raw (sp-ctltool) or through sockprobectl, and stop it, also
# when the test fails.

: "${SOCKPROBED:=$top_builddir/daemon/sockprobed}"
: "${CTLTOOL:=$top_builddir/tests/daemon/sp-ctltool}"

SOCK=$TEST_TMP/control.sock
CONF=$TEST_TMP/sockprobe.conf
DLOG=$TEST_TMP/daemon.log
DAEMON_PID=
EXTRA_PIDS=

_daemon_cleanup() {
	local pid i
	for pid in $DAEMON_PID $EXTRA_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	# Bounded: whatever ignores SIGTERM for 5 s gets SIGKILL.
	for pid in $DAEMON_PID $EXTRA_PIDS; do
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	_ctl_cleanup
}
cleanup_hook=_daemon_cleanup

# conf TEXT: write the configuration file.
conf() {
	printf '%s\n' "$1" >"$CONF"
}

# daemon_up: the control socket answers hello.
daemon_up() {
	printf '{"cmd":"hello"}\n' | "$CTLTOOL" raw "$SOCK" -w 1000 |
	    grep -q '"proto":'
}

# start_daemon [ARGS...]: sockprobed -c $CONF -s $SOCK ARGS, answering.
start_daemon() {
	"$SOCKPROBED" -d -c "$CONF" -s "$SOCK" "$@" 2>>"$DLOG" &
	DAEMON_PID=$!
	wait_for 10 daemon_up ||
	    fail "sockprobed did not come up: $(cat "$DLOG")"
}

# stop_daemon: SIGTERM, and it exits 0 within 5 s.
stop_daemon() {
	local rc
	kill -TERM "$DAEMON_PID" || fail "sockprobed died early: $(cat "$DLOG")"
	wait_for 5 sh -c "! kill -0 $DAEMON_PID 2>/dev/null" ||
	    fail "sockprobed did not stop on SIGTERM"
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	expect_eq "sockprobed exit status" 0 "$rc"
}

# daemon_alive: fail unless sockprobed still runs.
daemon_alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null ||
	    fail "sockprobed died: $(tail -n 20 "$DLOG")"
}

# raw TEXT [TOOL-ARGS...]: send TEXT as is; $OUT holds what came back.
raw() {
	local text=$1
	shift
	printf '%b' "$text" | "$CTLTOOL" raw "$SOCK" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# health NAME: the target's health in `status --json`, "" if absent.
health() {
	"$SOCKPROBECTL" -s "$SOCK" --json status >"$TEST_TMP/st" 2>/dev/null
	"$JSONGET" "$TEST_TMP/st" "targets.name=$1.health" 2>/dev/null || true
}

# health_is NAME HEALTH: for wait_for.
health_is() {
	[ "$(health "$1")" = "$2" ]
}
