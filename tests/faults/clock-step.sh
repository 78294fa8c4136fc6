#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The wall clock steps an hour forward, then two hours back, and no
# deadline fires early or stalls: they all run on CLOCK_MONOTONIC (ours
# and libevent's).  Stepping the host's clock would disturb every other
# test and program on the machine, and a time namespace cannot move
# CLOCK_REALTIME; so the step is made for the daemon alone, by
# libclockshift (LD_PRELOAD: SIGUSR1 and SIGUSR2 move CLOCK_REALTIME,
# gettimeofday and time, exactly what a step changes for a process).
#
# Measured on this side's clock, which nobody moves, as events arrive:
#  - flap (peer closes at once, reconnect_min = reconnect_max = 1s):
#    reconnect backoff, 0.75..1 s each, in every phase, never a gap;
#  - quiet (peer reads, never answers; probe_interval 1s, recv_timeout
#    1s): no_reply 2 s after each up, never earlier, never late;
#  - bh (added after the back step, its peer's backlog full so the SYN
#    is dropped; connect_timeout 1s): syn_timeout 1 s after the add.
# The events' own times carry the shift: the step really happened.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/faults/faults.sh"

shim=$top_builddir/tests/faults/.libs/libclockshift.so
[ -f "$shim" ] || fail "$shim is missing"
step=3600

# arrival_ms: now on this process's wall clock, which nobody steps.
arrival_ms() {
	echo $(( ${EPOCHREALTIME/[.,]/} / 1000 ))
}

start_peer -l 127.0.0.1:0 -m close
flap_port=$PEER_PORT
start_peer -l 127.0.0.1:0 -m sink
quiet_port=$PEER_PORT
# A listener that never accepts, its backlog (1) filled by one client.
start_peer -l 127.0.0.1:0 -m noaccept -b 0
bh_port=$PEER_PORT
flap_start "$TEST_TMP/bhfill" -n 1 "127.0.0.1:$bh_port"

conf "[daemon]
metrics_listen =

[defaults]
check_interval = 0
reconnect_min = 1s
reconnect_max = 1s

[target flap]
address = 127.0.0.1:$flap_port

[target quiet]
address = 127.0.0.1:$quiet_port
probe_payload = ping\\n
probe_interval = 1s
recv_timeout = 1s"
# ASan checks that it is loaded first; with the shim it is second, which
# is harmless here.
daemon_wrapped env LD_PRELOAD="$shim" SP_CLOCKSHIFT_STEP=$step \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
start_daemon

rec=$TEST_TMP/arrivals
# shellcheck disable=SC2016
"$SOCKPROBECTL" -s "$SOCK" --json watch | while IFS= read -r line; do
	printf '%s %s\n' "$(( ${EPOCHREALTIME/[.,]/} / 1000 ))" "$line"
done >"$rec" &
EXTRA_PIDS="$EXTRA_PIDS $!"
wait_for 10 grep -q '"target":"flap".*"to":"down"' "$rec" ||
    fail "flap never cycled: $(cat "$rec")"

sleep 3
t_fwd=$(arrival_ms)
kill -USR1 "$DAEMON_PID"		# +1 h
sleep 4
t_back=$(arrival_ms)
kill -USR2 "$DAEMON_PID"		# back to the real time,
sleep 0.1				# (two pending signals are one)
kill -USR2 "$DAEMON_PID"		# and one more hour back
ctl -s "$SOCK" add bh "127.0.0.1:$bh_port" connect_timeout=1s
expect_rc "add bh" 0
t_bh=$(arrival_ms)
sleep 4
t_end=$(arrival_ms)
daemon_alive

# The wall clock the daemon saw in each phase, from its events' times.
_skew() {
	awk -v a="$1" -v b="$2" '$1 >= a && $1 < b' "$rec" | head -n 1 |
	    while read -r at ev; do
		t=$(printf '%s' "$ev" | "$JSONGET" - time)
		echo $(( ($(rfc3339_ms "$t") - at) / 1000 ))
	    done
}
skew_fwd=$(_skew $(( t_fwd + 500 )) "$t_back")
skew_back=$(_skew $(( t_back + 500 )) "$t_end")
echo "$TEST_NAME: the daemon's clock: ${skew_fwd}s, then ${skew_back}s off"
expect_between "forward step (s)" $(( step - 5 )) $(( step + 5 )) "$skew_fwd"
expect_between "back step (s)" $(( -step - 5 )) $(( -step + 5 )) \
    "$(( skew_back ))"

# flap: consecutive ups 0.75..1 s of backoff apart (plus the loop's
# slack), in every phase: at least 3 per 4 s and no gap.
ups=$(grep '"target":"flap".*"to":"up"' "$rec" | awk '{ print $1 }')
prev=
n=0
for at in $ups; do
	if [ -n "$prev" ]; then
		expect_between "flap: ms between ups" 600 1800 $(( at - prev ))
	fi
	prev=$at
	[ "$at" -ge "$t_back" ] && n=$(( n + 1 ))
done
[ $(( t_end - prev )) -lt 1800 ] ||
    fail "flap: no up for $(( t_end - prev )) ms"
[ "$n" -ge 3 ] || fail "flap: $n ups after the back step"
echo "$TEST_NAME: flap: $(echo "$ups" | wc -w) reconnects, steady"

# quiet: each no_reply 2 s after the up before it.
last_up=
checked=0
while read -r at ev; do
	case $ev in
	*'"to":"up"'*) last_up=$at ;;
	*'"cause":"no_reply"'*)
		[ -n "$last_up" ] || continue
		expect_between "quiet: ms from up to no_reply" 1800 2600 \
		    $(( at - last_up ))
		checked=$(( checked + 1 )) ;;
	esac
done < <(grep '"target":"quiet"' "$rec")
[ "$checked" -ge 3 ] || fail "quiet: only $checked no_reply events"

# bh: syn_timeout after connect_timeout, though the clock went back 2 h.
bh=$(grep '"target":"bh".*"cause":"syn_timeout"' "$rec" | head -n 1)
[ -n "$bh" ] || fail "bh: no syn_timeout: $(grep '"bh"' "$rec")"
expect_between "bh: ms from add to syn_timeout" 900 1700 \
    $(( ${bh%% *} - t_bh ))

daemon_alive
stop_daemon
