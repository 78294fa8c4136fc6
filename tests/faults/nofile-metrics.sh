#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Descriptor exhaustion through the metrics endpoint, which any local
# user can reach: 100 silent HTTP clients against a daemon limited to 64
# descriptors.  libevent's listener used to retry accept() at once on
# EMFILE, burning the CPU and writing a log line each turn (millions in
# seconds), and the control socket could accept no one.  Now the
# endpoint pauses (one warning), the daemon stays idle, the control
# socket serves one client at a time on its spare descriptor, the held
# connection stays up, and once the clients go the endpoint serves
# again.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/faults/faults.sh"

: "${HTTPGET:=$top_builddir/tests/daemon/sp-httpget}"
limit=64

start_peer -l 127.0.0.1:0 -m hold
mport=$(free_port)
conf "[daemon]
metrics_listen = 127.0.0.1:$mport

[target keep]
address = 127.0.0.1:$PEER_PORT
check_interval = 0"
daemon_wrapped prlimit --nofile="$limit:$limit"
start_daemon
wait_for 10 health_is keep up || fail "keep never up"

flood=$TEST_TMP/flood.out
flap_start "$flood" -n 100 "127.0.0.1:$mport"
wait_for 10 grep -q 'metrics: accept: Too many open files: pausing' \
    "$DLOG" || fail "the endpoint never paused: $(tail -n 5 "$DLOG")"

cpu0=$(daemon_cpu_ms)
sleep 2
cpu=$(( $(daemon_cpu_ms) - cpu0 ))
echo "$TEST_NAME: $cpu ms of CPU in 2 s with the table full"
[ "$cpu" -lt 1000 ] || fail "the daemon spins: $cpu ms of CPU in 2 s"
lines=$(grep -c 'accept' "$DLOG")
[ "$lines" -lt 10 ] || fail "$lines log lines about accept: \
$(grep accept "$DLOG" | sort | uniq -c | head)"

# One client at a time on the spare descriptor, every time.
for i in 1 2 3; do
	ctl -s "$SOCK" --json status
	expect_rc "status $i with the table full" 0
	expect_json targets.0.health up
done
grep -q 'control: out of descriptors: one client served on the spare' \
    "$DLOG" || fail "no client was served on the spare"

flap_stop "$FLAP_PID"
_serves() {
	"$HTTPGET" -o /dev/null "127.0.0.1:$mport" /metrics |
	    head -n 1 | grep -q '^200$'
}
wait_for 10 _serves || fail "the endpoint does not serve again"
grep -q 'metrics: descriptors free again, accepting' "$DLOG" ||
    fail "no resume in the log: $(tail -n 5 "$DLOG")"
expect_eq "keep" up "$(health keep)"

daemon_alive
stop_daemon
