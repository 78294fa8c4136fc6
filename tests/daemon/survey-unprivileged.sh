#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The daemon as an unprivileged user, as the service runs: sock_diag
# still sees every TCP socket of the host, but /proc/PID/fd of another
# user's process is closed to it, so such a socket's process is unknown
# (null, "-" for people, and the alarm names its uid), while a process
# of its own user is named.  Nothing fails for it.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/survey.sh"

need_root
command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
user=nobody
uid=$(id -u "$user") || fail "no user $user"
gid=$(id -g "$user")
# setpriv execs: the pid of a background `setpriv ... &` is the program's.
as_user="setpriv --reuid=$uid --regid=$gid --clear-groups"

# The daemon's files where the user may reach them.
chmod 711 "$TEST_TMP"
mkdir "$TEST_TMP/run"
chown "$uid:$gid" "$TEST_TMP/run"
SOCK=$TEST_TMP/run/control.sock
survey_conf 200ms 1s
chmod 644 "$CONF"
$as_user "$SOCKPROBED" -d -c "$CONF" -s "$SOCK" 2>>"$DLOG" &
DAEMON_PID=$!
wait_for 10 daemon_up || fail "sockprobed did not come up: $(cat "$DLOG")"
expect_eq "the daemon's user" "$uid" \
    "$(awk '/^Uid:/ { print $3 }' "/proc/$DAEMON_PID/status")"

start_peer -l 127.0.0.1:0 -m close
rport=$PEER_PORT
start_peer -l 127.0.0.1:0 -m close
uport=$PEER_PORT

watch_start -t 15000 target=host alarm=closewait_leak \
    "detail~to peer port $rport older"
# Root's process: unknown to the daemon.
start_sockets -n 2 hold "127.0.0.1:$rport"
rootholder=$SOCKETS_PID
wait_for 5 survey_is closewait.total 2 --port "$rport" \
    --state close-wait || fail "root's CLOSE_WAIT: $(cat "$OUT")"
expect_json closewait.groups.0.pid null
expect_json closewait.groups.0.comm null
expect_json closewait.groups.0.uid 0
expect_json closewait.groups.0.count 2
expect_json survey.owners.asked 2
expect_json survey.owners.found 0

# The user's own process: named.
$as_user "$SP_SOCKETS" -n 1 hold "127.0.0.1:$uport" >"$TEST_TMP/u.out" &
userholder=$!
EXTRA_PIDS="$EXTRA_PIDS $userholder"
wait_for 5 survey_is closewait.total 1 --port "$uport" \
    --state close-wait || fail "the user's CLOSE_WAIT: $(cat "$OUT")"
expect_json closewait.groups.0.pid "$userholder"
expect_json closewait.groups.0.comm sp-sockets
expect_json closewait.groups.0.uid "$uid"

# Asking for root's process by pid: the daemon says it may not.
ctl -s "$SOCK" sockets --process "$rootholder"
expect_rc "another user's pid" 2
grep -q "not_authorized: pid $rootholder: sockprobed (uid $uid) may not read" \
    "$ERR" || fail "another user's pid: $(cat "$ERR")"

# The alarm for root's sockets names the uid.
watch_wait
expect_eq "event pid" null "$(ev pid)"
expect_eq "event uid" 0 "$(ev uid)"
expect_match "event detail" 'a process of uid 0 \(unreadable' "$(ev detail)"

ctl -s "$SOCK" sockets --port "$rport"
expect_rc "sockets for people" 0
expect_out "^  processes +unknown for 2 of 2 sockets"
expect_out "^ +- +- +0 +$rport +peer +2 "

kill "$userholder"
daemon_alive
stop_daemon
