#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Socket activation: given a listening AF_UNIX socket as fd 3 with
# LISTEN_FDS/LISTEN_PID, sockprobed serves it instead of binding
# control_socket, answers sockprobectl status, and leaves the socket file
# (systemd's) in place when it stops.  Run through sp-ctltool, which does
# what systemd does, and through systemd-socket-activate where installed.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

unused=$TEST_TMP/unused.sock
conf "[daemon]
control_socket = $unused

[target db]
address = 127.0.0.1:1"

# activated LAUNCHER...: the daemon under LAUNCHER answers status on $SOCK.
activated() {
	: >"$DLOG"
	"$@" "$SOCKPROBED" -d -c "$CONF" 2>>"$DLOG" &
	DAEMON_PID=$!
	wait_for 5 test -S "$SOCK" || fail "$1 did not listen"
	ctl -s "$SOCK" --json status
	expect_rc "status through the passed socket ($1)" 1
	expect_json targets.0.name db
	wait_for 5 daemon_up || fail "not answering: $(cat "$DLOG")"
	grep -q 'listening on the socket systemd passed' "$DLOG" ||
	    fail "$1: the passed socket was not used: $(cat "$DLOG")"
	[ ! -e "$unused" ] || fail "$1: bound control_socket as well"
	stop_daemon
	[ -S "$SOCK" ] || fail "$1: the daemon removed systemd's socket"
	rm -f "$SOCK"
}

activated "$CTLTOOL" activate "$SOCK"
if command -v systemd-socket-activate >/dev/null; then
	activated systemd-socket-activate -l "$SOCK"
else
	echo "systemd-socket-activate not installed: sp-ctltool only"
fi

# Without activation the daemon binds control_socket itself.
SOCK=$unused
: >"$DLOG"
"$SOCKPROBED" -d -c "$CONF" 2>>"$DLOG" &
DAEMON_PID=$!
wait_for 10 daemon_up || fail "not listening on $unused: $(cat "$DLOG")"
stop_daemon
[ ! -e "$unused" ] || fail "its own socket was left behind"
