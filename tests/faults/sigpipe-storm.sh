#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A SIGPIPE storm.  80 targets probe with write only, every 100 ms, a
# peer that closes each connection as soon as it accepts it: the first
# probe after its FIN draws an RST, the second fails with EPIPE, and the
# target reconnects 100 ms later, about three times a second each.
# Meanwhile watch clients are killed with events unread, so the daemon
# also writes into control sockets that were reset.  After thousands of
# broken pipes the daemon still runs, SIGPIPE is still ignored,
# sockprobe_epipe_total equals the broken_pipe events watch saw (and
# the log shows), and every target is still there.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/faults/faults.sh"

ntargets=80
storm_s=12

# epipe_total: the counter, from the metrics the control socket serves.
epipe_total() {
	"$SOCKPROBECTL" -s "$SOCK" metrics |
	    awk '$1 == "sockprobe_epipe_total" { print $2 }'
}

port=$(free_port)
{
	printf '[daemon]\nmetrics_listen =\n\n'
	printf '[defaults]\ntechniques = write\nprobe_payload = ping\\n\n'
	printf 'probe_interval = 100ms\ncheck_interval = 0\n'
	printf 'reconnect_min = 100ms\nreconnect_max = 200ms\n'
	for i in $(seq -w 1 "$ntargets"); do
		printf '\n[target p%s]\naddress = 127.0.0.1:%s\n' \
		    "$i" "$port"
	done
} >"$CONF"
start_daemon
# Every event from before the peer exists until the storm is over.
watch_start -t $(( (storm_s + 20) * 1000 ))
all=$WATCH_ALL
watch_pid=$WATCH_PID
wait_for 10 count_is p down "$ntargets" || fail "targets not refused"
start_peer -l "127.0.0.1:$port" -m close
peer=$(last_peer_pid)
expect_eq "SIGPIPE ignored" 1 $(( 0x$(awk '/^SigIgn:/ { print $2 }' \
    "/proc/$DAEMON_PID/status") >> 12 & 1 ))

# Watchers that die with events unread: their sockets are reset while
# the daemon writes to them.
end=$(( $(now_ms) + storm_s * 1000 ))
while [ "$(now_ms)" -lt "$end" ]; do
	"$SOCKPROBECTL" -s "$SOCK" watch >/dev/null 2>&1 &
	w=$!
	sleep 0.3
	kill -KILL "$w" 2>/dev/null
	wait "$w" 2>/dev/null
	daemon_alive
done

# The storm ends: refused from now on, no more writes.
kill "$peer"
wait "$peer" 2>/dev/null
wait_for 10 count_is p down "$ntargets" ||
    fail "$(count_health p down) of $ntargets down after the storm"
sleep 0.5
epipes=$(epipe_total)
kill -TERM "$watch_pid"
wait "$watch_pid" 2>/dev/null
events=$(grep -c '"cause":"broken_pipe"' "$all")
logged=$(grep -c 'down: broken_pipe (write)' "$DLOG")
echo "$TEST_NAME: $epipes EPIPEs counted, $events broken_pipe events," \
    "$logged logged, in ${storm_s}s"
[ "$epipes" -ge 1000 ] || fail "only $epipes broken pipes: no storm"
expect_eq "broken_pipe events" "$epipes" "$events"
expect_eq "broken_pipe log lines" "$epipes" "$logged"
expect_eq "targets" "$ntargets" "$(count_health p down)"
grep -q '"cause":"broken_pipe","technique":"write"' "$all" ||
    fail "no broken_pipe by write: $(head -n 3 "$all")"

daemon_alive
stop_daemon
