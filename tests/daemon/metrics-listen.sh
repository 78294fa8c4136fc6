#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Where the endpoint listens.  An address the file sets that is taken
# stops the start (exit 1, the address named, no control socket left);
# ":PORT" binds loopback only; a reload moves the endpoint, turns it
# off, or is refused when the new address is taken, the old endpoint
# still serving.  The built-in default, 127.0.0.1:9469, is checked in a
# private network namespace of its own so that no other daemon can hold
# the port: it serves there, and when the port is taken the daemon logs
# it and runs anyway.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/metrics.sh"

MNS=
_metrics_cleanup() {
	_held_cleanup
	if [ -n "$MNS" ]; then ip netns delete "$MNS" 2>/dev/null; fi
	return 0
}
cleanup_hook=_metrics_cleanup

# listening PORT: the local addresses that listen on PORT, sorted.
listening() {
	ss -Hltn "sport = :$1" | awk '{ print $4 }' | sort
}

# refused HOST:PORT: nothing answers there.
refused() {
	! "$HTTPGET" -t 1000 "$1" /metrics >/dev/null 2>&1
}

# 1. A configured address that is taken: no start.
start_peer -l 127.0.0.1:0 -m hold
taken=127.0.0.1:$PEER_PORT
conf "[daemon]
metrics_listen = $taken"
timeout 10 "$SOCKPROBED" -c "$CONF" -s "$SOCK" >"$OUT" 2>"$ERR"
RC=$?
expect_rc "sockprobed with metrics_listen taken" 1
grep -q "metrics: $taken: Address already in use" "$ERR" ||
    fail "the message does not name $taken: $(cat "$ERR")"
[ ! -e "$SOCK" ] || fail "a control socket was left behind"

# 2. ":PORT" is loopback, never every interface.
p1=$(free_port)
conf "[daemon]
metrics_listen = :$p1"
start_daemon
expect_eq "listening for :$p1" "127.0.0.1:$p1" "$(listening "$p1")"
scrape "127.0.0.1:$p1"
promtool_metrics

# 3. A reload to a taken address is refused; the endpoint stays.
conf "[daemon]
metrics_listen = $taken"
ctl -s "$SOCK" reload
expect_rc "reload to a taken address" 2
grep -q "metrics_listen: $taken: Address already in use" "$ERR" ||
    fail "the refusal does not say why: $(cat "$ERR")"
scrape "127.0.0.1:$p1"
expect_sample sockprobe_reload_failures_total 1

# 4. A reload to a free address moves the endpoint.
p2=$(free_port)
conf "[daemon]
metrics_listen = 127.0.0.1:$p2"
ctl -s "$SOCK" reload
expect_rc "reload to a free address" 0
scrape "127.0.0.1:$p2"
expect_sample sockprobe_reloads_total 1
refused "127.0.0.1:$p1" || fail "the old endpoint still answers"

# 5. The same port on a wider address: the old socket makes way.
conf "[daemon]
metrics_listen = 0.0.0.0:$p2"
ctl -s "$SOCK" reload
expect_rc "reload to 0.0.0.0 on the same port" 0
expect_eq "listening on $p2" "0.0.0.0:$p2" "$(listening "$p2")"
scrape "127.0.0.1:$p2"

# 6. Empty: off.
conf "[daemon]
metrics_listen ="
ctl -s "$SOCK" reload
expect_rc "reload with metrics_listen empty" 0
expect_eq "listening on $p2 once off" "" "$(listening "$p2")"
grep -q 'metrics: off' "$DLOG" || fail "no 'metrics: off' in the log"
daemon_alive
stop_daemon

# 7. The default, in a namespace where 127.0.0.1:9469 is ours to test.
need_root
MNS=sp-metrics-$$
ip netns add "$MNS" || fail "ip netns add $MNS"
ip -n "$MNS" link set lo up || fail "lo up in $MNS"
conf "[target self]
address = 127.0.0.1:9
check_interval = 0"
: >"$DLOG"
ip netns exec "$MNS" "$SOCKPROBED" -d -c "$CONF" -s "$SOCK" 2>>"$DLOG" &
DAEMON_PID=$!
wait_for 10 daemon_up || fail "sockprobed did not come up: $(cat "$DLOG")"
ip netns exec "$MNS" "$HTTPGET" -o "$BODY" 127.0.0.1:9469 /metrics \
    >"$HEAD" || fail "the default 127.0.0.1:9469 does not serve"
expect_eq "GET on the default" 200 "$(head -n 1 "$HEAD")"
promtool_metrics
stop_daemon

# Taken by someone else: logged, and the daemon runs without it.
ip netns exec "$MNS" "$SP_PEER" -l 127.0.0.1:9469 -m hold \
    >"$TEST_TMP/holder" &
PEER_PIDS="$PEER_PIDS $!"
wait_for 5 test -s "$TEST_TMP/holder" || fail "nothing holds 9469"
: >"$DLOG"
ip netns exec "$MNS" "$SOCKPROBED" -d -c "$CONF" -s "$SOCK" 2>>"$DLOG" &
DAEMON_PID=$!
wait_for 10 daemon_up || fail "sockprobed did not come up: $(cat "$DLOG")"
grep -q 'metrics: 127.0.0.1:9469 (the default): Address already in use' \
    "$DLOG" || fail "no warning about the default: $(cat "$DLOG")"
ctl -s "$SOCK" metrics
expect_rc "metrics by the control socket without an endpoint" 0
expect_sample 'sockprobe_up{target="self"}' 0 "$OUT"
daemon_alive
stop_daemon
