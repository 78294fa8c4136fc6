#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# What a client can do to the daemon, beyond control-auth.sh (root, a
# group member and an outsider) and metrics-http.sh (only /metrics):
#  - the mode is 0660 and the owner the daemon's user even under umask
#    000, the group the daemon's own without control_group;
#  - a daemon running as an unprivileged user (uid 65534 here) lets its
#    own uid and root mutate, and refuses another uid (65533) add,
#    remove and reload, changing nothing;
#  - no request makes the daemon read or write a file, or connect
#    anywhere: reload ignores a path it is given and rereads its own
#    file, add takes no file for an address or a setting, names are not
#    paths, kernel reads only /proc/sys/net/ipv4, and read-only commands
#    given host:port strings connect nowhere; the daemon holds no file
#    open afterwards but its log and /dev/null;
#  - a regular file or a symlink where the socket should go is left
#    alone (the daemon exits 1, freeing what it made), so a planted link
#    cannot make it unlink or chmod someone else's file;
#  - with nothing configured, the metrics endpoint listens on loopback
#    alone: in a namespace of our own with a second address, the
#    default 127.0.0.1:9469 serves /metrics and 404 for /, and nothing
#    answers on the other address.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/faults/faults.sh"

: "${HTTPGET:=$top_builddir/tests/daemon/sp-httpget}"

need_root
command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"

MNS=
_security_cleanup() {
	_held_cleanup
	if [ -n "$MNS" ]; then ip netns delete "$MNS" 2>/dev/null; fi
	return 0
}
cleanup_hook=_security_cleanup

# as UID CMD...: run CMD as uid and gid UID, no supplementary groups.
as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

# req UID JSON: one raw request as UID; $OUT holds the answer line.
req() {
	printf '%s\n' "$2" | as "$1" "$CTLTOOL" raw "$SOCK" >"$OUT" 2>"$ERR"
	RC=$?
}

# answer PATH: a field of the answer in $OUT.
answer() {
	head -n 1 "$OUT" | "$JSONGET" - "$1" 2>/dev/null || true
}

# --- 1. Mode and owner, whatever the umask -----------------------------
conf "[daemon]
metrics_listen =
control_group =

[target keep]
address = 127.0.0.1:1"
old_umask=$(umask)
umask 000
start_daemon
umask "$old_umask"
expect_eq "socket under umask 000" "srw-rw---- root root" \
    "$(stat -c '%A %U %G' "$SOCK")"
stop_daemon

# --- 2. A daemon running as uid 65534 ----------------------------------
# Its directory and file are its own; the temp dir is traversable.
chmod 755 "$TEST_TMP"
run=$TEST_TMP/run
mkdir "$run"
chown 65534:65534 "$run"
SOCK=$run/control.sock
chown 65534:65534 "$CONF"
daemon_wrapped setpriv --reuid=65534 --regid=65534 --clear-groups
start_daemon
expect_eq "daemon uid" 65534 "$(awk '/^Uid:/ { print $2 }' \
    "/proc/$DAEMON_PID/status")"
expect_eq "its socket" "srw-rw---- 65534 65534" \
    "$(stat -c '%A %u %g' "$SOCK")"

req 65534 '{"cmd":"hello"}'
expect_eq "its own uid may mutate" true "$(answer may_mutate)"
req 65534 '{"cmd":"add","name":"own","address":"127.0.0.1:1"}'
expect_eq "its own uid: add" true "$(answer ok)"
req 0 '{"cmd":"remove","name":"own"}'
expect_eq "root: remove" true "$(answer ok)"

# Another uid cannot even connect to 0660; opened up, it may only read.
req 65533 '{"cmd":"hello"}'
[ "$RC" != 0 ] || fail "uid 65533 connected to a 0660 socket: $(cat "$OUT")"
chmod 0666 "$SOCK"
req 65533 '{"cmd":"hello"}'
expect_eq "another uid may not mutate" false "$(answer may_mutate)"
for r in '{"cmd":"add","name":"x","address":"127.0.0.1:1"}' \
    '{"cmd":"remove","name":"keep"}' '{"cmd":"reload"}'; do
	req 65533 "$r"
	expect_eq "uid 65533: $r" not_authorized "$(answer error.code)"
done
req 65533 '{"cmd":"status"}'
expect_eq "uid 65533: status" keep "$(answer targets.0.name)"
expect_eq "uid 65533 changed nothing" 1 "$(answer 'targets.#')"
stop_daemon
SOCKPROBED=$SOCKPROBED_REAL

# --- 3. No request touches a file or a host ----------------------------
SOCK=$TEST_TMP/control.sock
start_peer -l 127.0.0.1:0 -m hold
canary_port=$PEER_PORT
evil=$TEST_TMP/evil.conf
printf '[target evil]\naddress = 127.0.0.1:%s\n' "$canary_port" >"$evil"
conf "[daemon]
metrics_listen =

[target keep]
address = 127.0.0.1:1"
start_daemon

# reload rereads its own file, whatever it is given.
req 0 "{\"cmd\":\"reload\",\"config\":\"$evil\",\"path\":\"$evil\",\
\"file\":\"$evil\"}"
expect_eq "reload" true "$(answer ok)"
expect_eq "reload's file" "$CONF" "$(answer config)"
expect_eq "targets after reload" 1 "$(answer targets)"

# add: an address is host:port, never a path; settings are target keys.
for a in "$evil" "unix:$SOCK" "file://$evil" "@$evil"; do
	req 0 "{\"cmd\":\"add\",\"name\":\"f\",\"address\":\"$a\"}"
	expect_eq "add address $a" bad_argument "$(answer error.code)"
done
for k in control_socket include config log_file; do
	req 0 "{\"cmd\":\"add\",\"name\":\"f\",\"address\":\"127.0.0.1:1\",\
\"settings\":{\"$k\":\"$evil\"}}"
	expect_eq "add setting $k" bad_argument "$(answer error.code)"
done
req 0 "{\"cmd\":\"add\",\"name\":\"../../f\",\"address\":\"127.0.0.1:1\"}"
expect_eq "add name ../../f" bad_argument "$(answer error.code)"

# Names are names: a path or a host:port finds nothing and reaches
# nothing, for whoever asks.
for r in "{\"cmd\":\"show\",\"name\":\"$evil\"}" \
    "{\"cmd\":\"show\",\"name\":\"127.0.0.1:$canary_port\"}" \
    "{\"cmd\":\"explain\",\"name\":\"127.0.0.1:$canary_port\"}" \
    "{\"cmd\":\"remove\",\"name\":\"$evil\"}"; do
	req 0 "$r"
	expect_eq "$r" not_found "$(answer error.code)"
done
req 0 '{"cmd":"kernel","dir":"/etc","path":"/etc/passwd"}'
expect_eq "kernel with a path" true "$(answer ok)"
expect_match "kernel reads /proc/sys" 'tcp_keepalive_time' "$(cat "$OUT")"
expect_eq "connections to the canary" 0 \
    "$(ss -Htn state established "dport = :$canary_port" | wc -l)"
ctl -s "$SOCK" --json status
expect_json 'targets.#' 1
expect_json targets.0.name keep

# What the daemon holds open: stdio, the log, /dev/null, sockets and
# the loop's own descriptors; never the file a request named.
files=$(ls -l "/proc/$DAEMON_PID/fd" | awk 'NR > 1 { print $NF }' |
    grep -v -e '^socket:' -e '^pipe:' -e '^anon_inode:' -e '^/dev/null$' \
    -e '^/dev/pts/' -e "^$DLOG\$" -e "^$top_builddir/" | sort -u)
expect_eq "files the daemon holds" "" "$files"
[ "$(cat "$evil")" = "[target evil]
address = 127.0.0.1:$canary_port" ] || fail "$evil changed"
daemon_alive
stop_daemon

# --- 4. Something else at the socket's path is left alone ---------------
canary=$TEST_TMP/canary
echo precious >"$canary"
chmod 600 "$canary"
for kind in file symlink; do
	rm -f "$SOCK"
	if [ "$kind" = file ]; then cp -p "$canary" "$SOCK"; else
		ln -s "$canary" "$SOCK"; fi
	"$SOCKPROBED" -c "$CONF" -s "$SOCK" 2>"$TEST_TMP/start.$kind" &
	pid=$!
	wait_for 5 sh -c "! kill -0 $pid 2>/dev/null" ||
	    fail "$kind at the socket path: the daemon started"
	wait "$pid"
	expect_eq "$kind at the socket path: exit status" 1 "$?"
	expect_match "$kind: the refusal" 'not a socket; not removing it' \
	    "$(cat "$TEST_TMP/start.$kind")"
	# The failed start frees what it made (a sanitizer build checks).
	! grep -q 'LeakSanitizer' "$TEST_TMP/start.$kind" ||
	    fail "$kind: leaks at exit: $(cat "$TEST_TMP/start.$kind")"
	if [ "$kind" = file ]; then
		[ -f "$SOCK" ] && [ ! -L "$SOCK" ] || fail "the file went"
	else
		[ -L "$SOCK" ] || fail "the symlink went"
	fi
	expect_eq "$kind: the file behind" "precious 600" \
	    "$(cat "$canary") $(stat -c %a "$canary")"
done

# --- 5. The metrics endpoint's default: loopback only --------------------
rm -f "$SOCK"
MNS=sp-security-$$
ip netns add "$MNS" || fail "ip netns add $MNS"
ip -n "$MNS" link set lo up || fail "lo up in $MNS"
# A second address (a veth pair: no dummy driver everywhere).
ip -n "$MNS" link add sp0 type veth peer name sp1 &&
    ip -n "$MNS" link set sp0 up && ip -n "$MNS" link set sp1 up &&
    ip -n "$MNS" addr add 10.213.99.1/24 dev sp0 || fail "sp0 in $MNS"
conf "[target self]
address = 127.0.0.1:9
check_interval = 0"
: >"$DLOG"
ip netns exec "$MNS" "$SOCKPROBED" -d -c "$CONF" -s "$SOCK" 2>>"$DLOG" &
DAEMON_PID=$!
wait_for 10 daemon_up || fail "sockprobed did not come up: $(cat "$DLOG")"
expect_eq "listening on 9469" "127.0.0.1:9469" \
    "$(ip netns exec "$MNS" ss -Hltn 'sport = :9469' | awk '{ print $4 }')"
ip netns exec "$MNS" "$HTTPGET" -o "$TEST_TMP/body" 127.0.0.1:9469 \
    /metrics >"$TEST_TMP/head" || fail "the default does not serve"
expect_eq "GET /metrics" 200 "$(head -n 1 "$TEST_TMP/head")"
ip netns exec "$MNS" "$HTTPGET" 127.0.0.1:9469 / >"$TEST_TMP/head" ||
    fail "GET / had no answer"
expect_eq "GET /" 404 "$(head -n 1 "$TEST_TMP/head")"
if ip netns exec "$MNS" "$HTTPGET" -t 2000 10.213.99.1:9469 /metrics \
    >"$TEST_TMP/head" 2>&1; then
	fail "the endpoint answers on 10.213.99.1: $(cat "$TEST_TMP/head")"
fi
daemon_alive
stop_daemon
