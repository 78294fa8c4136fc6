#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The daemon as the units start it, without a systemd: the built
# sockprobed.socket's ListenStream= (moved into the test's directory)
# and SocketMode= on the socket systemd-socket-activate makes, the
# service's ExecStart= arguments and WatchdogSec= (as WATCHDOG_USEC),
# and, as root, `nobody` with no capability at all standing in for the
# service's User= and empty CapabilityBoundingSet=.  The daemon must
# start on the first connection, answer sockprobectl status with the
# shipped example configuration up, send READY=1 and WATCHDOG=1, reload
# on the unit's ExecReload= and stop on SIGTERM, leaving the socket file
# to its owner.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

for t in systemd-socket-activate setpriv; do
	command -v "$t" >/dev/null || skip "$t is not installed"
done

unit=$top_builddir/systemd/sockprobed.service
socket_unit=$top_builddir/systemd/sockprobed.socket
val() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

listen=$(val "$socket_unit" ListenStream)
mode=$(val "$socket_unit" SocketMode)
exec_start=$(val "$unit" ExecStart)
exec_reload=$(val "$unit" ExecReload)
watchdog=$(val "$unit" WatchdogSec)
[ -n "$listen" ] && [ -n "$mode" ] && [ -n "$exec_start" ] ||
    fail "units lack ListenStream=, SocketMode= or ExecStart="
expect_match "WatchdogSec in seconds" '^[0-9]+s$' "$watchdog"

# free_port: a loopback port nobody listens on now (sp-peer picks an
# ephemeral one and exits).
free_port() {
	local out=$TEST_TMP/port.$RANDOM pid
	"$SP_PEER" -l 127.0.0.1:0 -m hold >"$out" &
	pid=$!
	wait_for 5 test -s "$out" || fail "sp-peer printed no port"
	kill "$pid"
	wait "$pid" 2>/dev/null
	head -n 1 "$out"
}

# ExecStart= with the build tree's daemon, and the shipped example
# configuration on a free port instead of 7070.
read -r -a argv <<<"$exec_start"
expect_match "ExecStart runs sockprobed" '/sockprobed$' "${argv[0]}"
argv[0]=$top_builddir/daemon/sockprobed
port=$(free_port)
for i in "${!argv[@]}"; do
	[ "${argv[i]}" = -c ] || continue
	expect_match "ExecStart reads" '/sockprobe/sockprobe\.conf$' \
	    "${argv[i + 1]}"
	sed "s/:7070\$/:$port/" "$top_srcdir/conf/sockprobe.conf" >"$CONF"
	argv[i + 1]=$CONF
done
grep -q ":$port\$" "$CONF" ||
    fail "ExecStart= has no -c, or the example does not use 7070"
argv+=(-d)

SOCK=$TEST_TMP/run/${listen##*/}
mkdir "$TEST_TMP/run"
NSOCK=$TEST_TMP/notify.sock
NLOG=$TEST_TMP/notify.log
"$CTLTOOL" notify "$NSOCK" >"$NLOG" &
EXTRA_PIDS=$!
wait_for 5 test -S "$NSOCK" || fail "notify socket not made"

# As root, the daemon runs as nobody without capabilities, as the unit's
# User=sockprobe with CapabilityBoundingSet= would.
drop=()
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$TEST_TMP"
	chmod 644 "$CONF"
	chmod 666 "$NSOCK"
	drop=(setpriv --reuid=nobody --regid=nogroup --clear-groups
	    --no-new-privs --inh-caps=-all --bounding-set=-all)
fi

: >"$DLOG"
systemd-socket-activate -l "$SOCK" \
    -E NOTIFY_SOCKET="$NSOCK" -E WATCHDOG_USEC="${watchdog%s}000000" \
    "${drop[@]}" "${argv[@]}" 2>>"$DLOG" &
DAEMON_PID=$!
wait_for 5 test -S "$SOCK" || fail "systemd-socket-activate did not listen: $(cat "$DLOG")"
# What systemd does with SocketMode=; systemd-socket-activate cannot.
chmod "$mode" "$SOCK"

# The first connection starts the daemon on the passed socket.
"$SOCKPROBECTL" -s "$SOCK" --json status >/dev/null 2>&1
wait_for 10 daemon_up || fail "not answering: $(cat "$DLOG")"
grep -q 'listening on the socket systemd passed' "$DLOG" ||
    fail "the passed socket was not used: $(cat "$DLOG")"
wait_for 10 health_is self up || fail "self never up: $(cat "$DLOG")"
wait_for 10 sh -c "'$SOCKPROBECTL' -s '$SOCK' status >'$OUT' 2>&1" ||
    fail "sockprobectl status: $(cat "$OUT")"
expect_match "status lists self" '^self +127\.0\.0\.1:[0-9]+ +up ' "$(cat "$OUT")"
expect_match "status lists the inbound peer" '^inbound/127\.0\.0\.1:[0-9]+ .* up ' \
    "$(cat "$OUT")"
wait_for 5 grep -q '^READY=1' "$NLOG" || fail "no READY=1: $(cat "$NLOG")"
expect_eq "the daemon left the socket's mode alone" "${mode#0}" \
    "$(stat -c %a "$SOCK")"
wait_for 5 grep -q '^WATCHDOG=1' "$NLOG" || fail "no WATCHDOG=1: $(cat "$NLOG")"

if [ ${#drop[@]} -gt 0 ]; then
	expect_eq "the daemon's user" "$(id -u nobody)" \
	    "$(awk '/^Uid:/ { print $3 }' "/proc/$DAEMON_PID/status")"
	expect_eq "the daemon's capabilities" 0000000000000000 \
	    "$(awk '/^CapEff:/ { print $2 }' "/proc/$DAEMON_PID/status")"
fi

# ExecReload=, with $MAINPID the daemon: RELOADING=1, then READY=1.
reload=${exec_reload//\$MAINPID/$DAEMON_PID}
$reload || fail "ExecReload= failed: $reload"
wait_for 5 grep -q '^RELOADING=1' "$NLOG" || fail "no RELOADING=1: $(cat "$NLOG")"
wait_for 5 test "$(grep -c '^READY=1' "$NLOG")" -ge 2 ||
    fail "no READY=1 after the reload: $(cat "$NLOG")"
grep -q 'reloaded' "$DLOG" || fail "no reload in the log: $(cat "$DLOG")"

# root may change the daemon through the socket.
ctl -s "$SOCK" reload
expect_rc "reload as root" 0

stop_daemon
grep -q '^STOPPING=1' "$NLOG" || fail "no STOPPING=1: $(cat "$NLOG")"
[ -S "$SOCK" ] || fail "the daemon removed the socket it was passed"
