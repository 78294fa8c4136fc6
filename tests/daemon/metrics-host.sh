#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The host families come from the survey, so the daemon runs in a
# private network namespace where every socket is the test's: a server
# that never closes what its client closed shows as one CLOSE_WAIT
# socket, then, past closewait_alarm, as one CLOSE_WAIT suspect; a
# listener that never accepts, with its queue full, as one full listen
# queue.  promtool accepts the text.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/metrics.sh"

need_root
need_promtool
MNS=
_host_cleanup() {
	_held_cleanup
	if [ -n "$MNS" ]; then ip netns delete "$MNS" 2>/dev/null; fi
	return 0
}
cleanup_hook=_host_cleanup

MNS=sp-mhost-$$
ip netns add "$MNS" || fail "ip netns add $MNS"
ip -n "$MNS" link set lo up || fail "lo up in $MNS"
M=127.0.0.1:9469

# in_ns CMD...: CMD inside the namespace, in the foreground.  What runs
# in the background is started with `ip netns exec` itself, which execs
# it, so that $! is its pid and not a subshell's.
in_ns() {
	ip netns exec "$MNS" "$@"
}

# ns_sample_is SERIES VALUE: for wait_for, a scrape from inside.
ns_sample_is() {
	in_ns "$HTTPGET" -o "$TEST_TMP/poll.body" "$M" /metrics >/dev/null \
	    2>&1 || return 1
	[ "$(sample "$1" "$TEST_TMP/poll.body")" = "$2" ]
}

# ns_wait_sample SERIES VALUE: within 10 s; $BODY then holds the text.
ns_wait_sample() {
	wait_for 10 ns_sample_is "$1" "$2" || fail "$1 never became $2; \
last '$(sample "$1" "$TEST_TMP/poll.body")': $(cat "$TEST_TMP/poll.body")"
	cp "$TEST_TMP/poll.body" "$BODY"
}

conf "[daemon]
survey_interval = 200ms
closewait_alarm = 2s"
: >"$DLOG"
ip netns exec "$MNS" "$SOCKPROBED" -d -c "$CONF" -s "$SOCK" 2>>"$DLOG" &
DAEMON_PID=$!
wait_for 10 daemon_up || fail "sockprobed did not come up: $(cat "$DLOG")"

# Nothing yet but listeners: ours and nobody else's.
ns_wait_sample 'sockprobe_host_sockets{state="CLOSE_WAIT"}' 0
promtool_metrics
expect_sample sockprobe_host_closewait_suspects 0
expect_sample sockprobe_host_listen_queue_full 0
expect_match "a survey time" '^[0-9]+\.[0-9]{6}$' \
    "$(sample sockprobe_host_survey_timestamp_seconds)"

# A server that holds what its client closes: CLOSE_WAIT on its side.
ip netns exec "$MNS" "$SP_PEER" -l 127.0.0.1:7001 -m hold \
    >"$TEST_TMP/holder" &
PEER_PIDS="$PEER_PIDS $!"
wait_for 5 test -s "$TEST_TMP/holder" || fail "the holder did not start"
in_ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/7001 && sleep 0.2' ||
    fail "cannot connect to the holder"
t0=$(now_ms)
ns_wait_sample 'sockprobe_host_sockets{state="CLOSE_WAIT"}' 1
expect_sample sockprobe_host_closewait_suspects 0
ns_wait_sample sockprobe_host_closewait_suspects 1
ms=$(( $(now_ms) - t0 ))
echo "$TEST_NAME: suspect after $ms ms (closewait_alarm 2s)"
expect_between "CLOSE_WAIT suspect after (ms)" 1500 6000 "$ms"
promtool_metrics

# A listener that never accepts, its queue (backlog 1: two entries) full.
ip netns exec "$MNS" "$SP_PEER" -l 127.0.0.1:7002 -m noaccept -b 1 \
    >"$TEST_TMP/full" &
PEER_PIDS="$PEER_PIDS $!"
wait_for 5 test -s "$TEST_TMP/full" || fail "the full listener did not start"
for i in 1 2; do
	ip netns exec "$MNS" bash -c \
	    'exec 3<>/dev/tcp/127.0.0.1/7002 && exec sleep 30' &
	EXTRA_PIDS="$EXTRA_PIDS $!"
done
ns_wait_sample sockprobe_host_listen_queue_full 1
promtool_metrics

daemon_alive
stop_daemon
