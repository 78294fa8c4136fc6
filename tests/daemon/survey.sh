# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the host-survey scenarios (tests/daemon/survey-*.sh) after
# tests/common.sh, tests/ctl/ctl.sh, tests/daemon/daemon.sh and
# tests/daemon/held.sh: sockets made by sp-sockets under its own pid,
# and `sockprobectl sockets --json` read with jsonget.  The daemon sees
# every socket of the host, parallel tests' too, so each check filters
# on this test's own ports or processes.

: "${SP_SOCKETS:=$top_builddir/tests/daemon/sp-sockets}"

SOCKETS_PID=

# start_sockets ARGS...: sp-sockets ARGS in the background until it says
# ready; SOCKETS_PID is its pid, stopped by the cleanup.
start_sockets() {
	local out=$TEST_TMP/sockets.$RANDOM
	"$SP_SOCKETS" "$@" >"$out" 2>"$out.err" &
	SOCKETS_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $SOCKETS_PID"
	wait_for 10 grep -q '^ready' "$out" ||
	    fail "sp-sockets $*: not ready: $(cat "$out.err")"
}

# survey_conf INTERVAL ALARM: the daemon's configuration, no metrics
# endpoint (parallel daemons would fight for its port).
survey_conf() {
	conf "[daemon]
metrics_listen =
survey_interval = $1
closewait_alarm = $2"
}

# survey ARGS...: `sockets --json ARGS` into $OUT; it must succeed.
survey() {
	ctl -s "$SOCK" --json sockets "$@"
	expect_rc "sockets $*" 0
}

# survey_is PATH VALUE ARGS...: for wait_for, the field after a survey.
survey_is() {
	local path=$1 value=$2
	shift 2
	ctl -s "$SOCK" --json sockets "$@"
	[ "$RC" = 0 ] && [ "$(jget "$path")" = "$value" ]
}
