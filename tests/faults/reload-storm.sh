#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A reload storm: 100 reloads, alternating a good file and a bad one,
# while 40 clients a second connect to a [listen] and leave (a quarter
# with an RST).  The two good files differ in one target (b1 or b2) and
# in one setting of a10, which therefore restarts; a01..a09 never change.
# After every good reload each configured target is in status, and no
# other; every bad one is refused with its FILE:LINE and changes
# nothing.  At the end: a01..a09 are still on their first connection
# and never went down, every client connection produced its down
# event, the metrics count 51 reloads (the last back to the first file)
# and 50 failures, and the
# descriptors are what they were before the storm.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/faults/faults.sh"

start_peer -l 127.0.0.1:0 -m hold
lport=$(free_port)

# good N: the good file with target bN; a10 differs between the two.
good() {
	# The HTTP endpoint off: a reload would retry binding the default
	# port, which another test's daemon may have held at start.
	printf '[daemon]\nmetrics_listen =\n\n'
	printf '[defaults]\ncheck_interval = 0\nreconnect_min = 100ms\n'
	printf 'reconnect_max = 500ms\n\n[listen churn]\n'
	printf 'bind = 127.0.0.1:%s\nforget_after = 2s\n' "$lport"
	for i in 01 02 03 04 05 06 07 08 09 10; do
		printf '\n[target a%s]\naddress = 127.0.0.1:%s\n' \
		    "$i" "$PEER_PORT"
	done
	[ "$1" = 2 ] && printf 'probe_interval = 7s\n'
	printf '\n[target b%s]\naddress = 127.0.0.1:%s\n' "$1" "$PEER_PORT"
}

# bad N K: good N with the Kth kind of mistake appended.
bad() {
	good "$1"
	case $(( $2 % 4 )) in
	0) printf '\n[target c]\naddress = 127.0.0.1:1\nrise = banana\n' ;;
	1) printf '\n[target c]\naddress = 127.0.0.1:1\nbogus = 1\n' ;;
	2) printf '\n[nonsense c]\n' ;;
	3) printf '\n[target c]\naddress = 127.0.0.1:1\nno equals sign\n' ;;
	esac
}

# install TEXT-PRODUCER ARGS...: replace the file in one rename.
install() {
	"$@" >"$CONF.new"
	mv "$CONF.new" "$CONF"
}

# names: the outbound targets in status, one line, sorted.
names() {
	"$SOCKPROBECTL" -s "$SOCK" status |
	    awk 'NR > 1 && index($1, "/") == 0 { print $1 }' | sort |
	    tr '\n' ' '
}

expect_names() {
	local want
	want="a01 a02 a03 a04 a05 a06 a07 a08 a09 a10 b$1 "
	expect_eq "targets after $2" "$want" "$(names)"
}

# since NAME: when NAME's health last changed.
since() {
	"$SOCKPROBECTL" -s "$SOCK" --json show "$1" |
	    "$JSONGET" - target.since 2>/dev/null || true
}

# metric NAME: one counter from `sockprobectl metrics`.
metric() {
	"$SOCKPROBECTL" -s "$SOCK" metrics |
	    awk -v n="$1" '$1 == n { print $2 }'
}

install good 1
watch_begin -t 120000
all=$WATCH_ALL
watch_pid=$WATCH_PID
start_daemon
watch_ready
wait_for 10 count_is a up 10 || fail "a*: $(count_health a up) up"
wait_for 10 count_is b1 up 1 || fail "b1 never up"
fds0=$(daemon_fds)
for i in 01 02 03 04 05 06 07 08 09; do
	eval "since_a$i=\$(since a$i)"
done
reloads0=$(metric sockprobe_reloads_total)
failures0=$(metric sockprobe_reload_failures_total)

flood=$TEST_TMP/churn.out
flap_start "$flood" -r 40 -t 10 -H 300 -R 25 "127.0.0.1:$lport"
churn=$FLAP_PID

cur=1
for i in $(seq 1 100); do
	if [ $(( i % 2 )) = 1 ]; then
		cur=$(( 3 - cur ))
		install good "$cur"
		ctl -s "$SOCK" --json reload
		expect_rc "reload $i (good)" 0
		expect_names "$cur" "reload $i"
	else
		install bad "$cur" "$i"
		line=$(wc -l <"$CONF")
		ctl -s "$SOCK" reload
		expect_rc "reload $i (bad)" 2
		grep -q "^$CONF:$line: " "$ERR" ||
		    fail "reload $i: no $CONF:$line: $(cat "$ERR")"
		expect_names "$cur" "refused reload $i"
	fi
	sleep 0.05
done
daemon_alive

# The traffic ends: every client connection it made went down once.
wait "$churn"
summary=$(cat "$flood")
connected=$(echo "$summary" | awk '{ print $2 }')
echo "$TEST_NAME: clients: $summary"
[ "$connected" -ge 200 ] || fail "too little traffic: $summary"
wait_for 10 count_is churn/ up 0 || fail "$(count_health churn/ up) peers up"
_churn_events() {
	[ "$(grep -c '"target":"churn/[^"]*",.*"to":"down"' "$all")" = \
	    "$connected" ]
}
wait_for 5 _churn_events || fail "$connected client connections, \
$(grep -c '"target":"churn/[^"]*",.*"to":"down"' "$all") down events"

# Back to the first file: the same connections as before the storm.
install good 1
ctl -s "$SOCK" reload
expect_rc "the last reload" 0
wait_for 10 count_is b1 up 1 || fail "b1 never up again"
expect_fds_at_most "after the storm" "$fds0"
expect_eq "reloads applied" $(( reloads0 + 51 )) \
    "$(metric sockprobe_reloads_total)"
expect_eq "reloads refused" $(( failures0 + 50 )) \
    "$(metric sockprobe_reload_failures_total)"

kill -TERM "$watch_pid"
wait "$watch_pid" 2>/dev/null
for i in 01 02 03 04 05 06 07 08 09; do
	expect_eq "a$i: down events" 0 \
	    "$(grep "\"target\":\"a$i\"" "$all" | grep -c '"to":"down"')"
	expect_eq "a$i: up since" "$(eval echo "\$since_a$i")" "$(since "a$i")"
done
# a10 restarted at each good reload: removed (down), then up again.
expect_eq "a10 removals" 50 \
    "$(grep '"target":"a10"' "$all" | grep -c 'removed from monitoring')"

daemon_alive
stop_daemon
