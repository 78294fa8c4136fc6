#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Who may change the running daemon: root; a member of control_group, by
# the groups its process holds; nobody else, who may still read.  The
# socket is 0660 and belongs to control_group, so an outsider cannot even
# connect until the socket is opened up (as SocketMode=0666 would); then
# each mutating command is refused with not_authorized and changes
# nothing.  Needs root to become nobody (setpriv).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

need_root
command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
group=daemon
gid=$(getent group "$group" | cut -d: -f3)
[ -n "$gid" ] || fail "no group $group on this host"

# as_nobody [GROUPS] CMD...: run CMD as uid/gid 65534 with those groups.
as_nobody() {
	local groups=$1
	shift
	if [ -n "$groups" ]; then
		setpriv --reuid=65534 --regid=65534 --groups="$groups" "$@"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	fi
}

# nctl GROUPS ARGS...: sockprobectl as nobody; $OUT, $ERR, $RC.
nctl() {
	local groups=$1
	shift
	as_nobody "$groups" "$SOCKPROBECTL" -s "$SOCK" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

chmod 755 "$TEST_TMP"
conf "[daemon]
control_group = $group

[target keep]
address = 127.0.0.1:1"
start_daemon
expect_eq "socket mode and group" "660 $group" "$(stat -c '%a %G' "$SOCK")"

# Not in the group: the kernel refuses the connection itself.
nctl "" status
expect_rc "outsider, 0660 socket" 2
expect_match "outsider's error" 'Permission denied' "$(cat "$ERR")"

# In the group by a supplementary group: may read and change.
nctl "$gid" --json status
expect_rc "member: status" 1
expect_json targets.0.name keep
nctl "$gid" add member 127.0.0.1:1
expect_rc "member: add" 0
nctl "$gid" remove member
expect_rc "member: remove" 0
grep -q 'uid 65534 pid [0-9]*: added target member' "$DLOG" ||
    fail "the add is not logged with its uid: $(cat "$DLOG")"

# Open the socket to everyone: reading works, changing does not.
chmod 0666 "$SOCK"
printf '{"cmd":"hello"}\n' | as_nobody "" "$CTLTOOL" raw "$SOCK" >"$OUT"
expect_eq "hello: may_mutate" false \
    "$(head -n 1 "$OUT" | "$JSONGET" - may_mutate)"
nctl "" --json status
expect_rc "outsider: status" 1
expect_json targets.0.name keep
for cmd in "add intruder 127.0.0.1:1" "remove keep" "reload"; do
	# shellcheck disable=SC2086
	nctl "" $cmd
	expect_rc "outsider: $cmd" 2
	expect_match "outsider: $cmd" 'not_authorized' "$(cat "$ERR")"
done
grep -q 'uid 65534 pid [0-9]*: add refused' "$DLOG" ||
    fail "the refusal is not logged"
ctl -s "$SOCK" --json status
expect_rc "status" 1
expect_json 'targets.#' 1
expect_json targets.0.name keep

# Root always may.
ctl -s "$SOCK" add rootadd 127.0.0.1:1
expect_rc "root: add" 0
ctl -s "$SOCK" remove rootadd
expect_rc "root: remove" 0

daemon_alive
stop_daemon
