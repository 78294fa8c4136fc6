# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the fault tests (tests/faults/*.sh) after tests/common.sh,
# tests/ctl/ctl.sh, tests/daemon/daemon.sh and tests/daemon/held.sh:
# sp-flap's clients, the daemon under a descriptor limit or a shifted
# clock, and counts read from status.

: "${SP_FLAP:=$top_builddir/tests/faults/sp-flap}"

# flap_start OUTFILE SP-FLAP-ARGS...: sp-flap in the background, its
# lines into OUTFILE (its errors into OUTFILE.err); FLAP_PID is its pid
# (stopped at cleanup).
flap_start() {
	local out=$1
	shift
	"$SP_FLAP" "$@" >"$out" 2>"$out.err" &
	FLAP_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $FLAP_PID"
}

# flap_stop PID: SIGTERM, and it is gone within 5 s.
flap_stop() {
	kill -TERM "$1" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $1 2>/dev/null" ||
	    fail "sp-flap $1 did not stop"
	wait "$1" 2>/dev/null
	return 0
}

# flap_established OUTFILE: the last "established E ..." count of a
# holding sp-flap.
flap_established() {
	tail -n 1 "$1" | awk '$1 == "established" { print $2 }'
}

# daemon_wrapped PREFIX...: make SOCKPROBED a script running the real
# daemon under PREFIX (prlimit, env); it execs, so DAEMON_PID stays the
# daemon's own pid.
daemon_wrapped() {
	local real=${SOCKPROBED_REAL:-$SOCKPROBED}
	local w=$TEST_TMP/sockprobed-wrapped
	SOCKPROBED_REAL=$real
	{
		echo '#!/bin/sh'
		printf 'exec'
		printf ' %q' "$@" "$real"
		echo ' "$@"'
	} >"$w"
	chmod +x "$w"
	SOCKPROBED=$w
}

# count_health PREFIX HEALTH: how many of status's connections whose name
# starts with PREFIX are in HEALTH (the table's first and third columns).
count_health() {
	"$SOCKPROBECTL" -s "$SOCK" status 2>/dev/null |
	    awk -v p="$1" -v h="$2" 'NR > 1 && index($1, p) == 1 &&
		$3 == h { n++ } END { print n + 0 }'
}

# count_is PREFIX HEALTH N: for wait_for.
count_is() {
	[ "$(count_health "$1" "$2")" = "$3" ]
}

# count_at_least PREFIX HEALTH N: for wait_for.
count_at_least() {
	[ "$(count_health "$1" "$2")" -ge "$3" ]
}

# daemon_cpu_ms: CPU time the daemon used so far, in ms (schedstat).
daemon_cpu_ms() {
	echo $(( $(cut -d' ' -f1 "/proc/$DAEMON_PID/schedstat") / 1000000 ))
}

# daemon_rss_kib: the daemon's resident memory, in KiB.
daemon_rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"
}

# sanitized: whether this build tree was configured --enable-sanitizers
# (memory figures then measure ASan's quarantine, not the daemon).
sanitized() {
	grep -q -- '-fsanitize=address' "$top_builddir/Makefile"
}
