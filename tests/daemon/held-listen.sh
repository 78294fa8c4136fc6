#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Peers accepted on [listen] sections are monitored as LISTENER/ADDR:PORT
# and die like any other: a client that exits with nothing unread sends
# FIN (down, peer_closed, seen by read); a client killed with probes
# unread sends RST (down, reset, seen by read).  Each dead peer stays
# listed, down, until forget_after (1 s) and is then forgotten.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"

quiet_port=$(free_port)
chatty_port=$(free_port)
conf "[defaults]
poll_interval = 1m
forget_after = 1s

[listen quiet]
bind = 127.0.0.1:$quiet_port

[listen chatty]
bind = 127.0.0.1:$chatty_port
techniques = read,write
probe_payload = hello\\n
probe_interval = 200ms"
start_daemon
fds=$(daemon_fds)

# client PORT: a process that holds one connection to PORT and never
# reads; CLIENT is its pid.
client() {
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && exec sleep 30" &
	CLIENT=$!
	EXTRA_PIDS="$EXTRA_PIDS $CLIENT"
}

# inbound LISTENER: the name of LISTENER's one live peer, once it is up.
inbound() {
	"$SOCKPROBECTL" -s "$SOCK" --json status >"$TEST_TMP/st" || return 1
	NAME=$(grep -o "\"$1/127\\.0\\.0\\.1:[0-9]*\"" "$TEST_TMP/st" |
	    tr -d '"' | head -n 1)
	[ -n "$NAME" ] && [ "$(target_health "$NAME")" = up ]
}

client "$quiet_port"
quiet_client=$CLIENT
wait_for 5 inbound quiet || fail "no quiet peer up: $(cat "$TEST_TMP/st")"
quiet=$NAME
client "$chatty_port"
chatty_client=$CLIENT
wait_for 5 inbound chatty || fail "no chatty peer up: $(cat "$TEST_TMP/st")"
chatty=$NAME
show_target "$quiet"
expect_json "target.kind" inbound
expect_json "target.events.0.from" connecting
expect_json "target.events.0.to" up

# The FIN: nothing was ever sent to the quiet client.
watch_start target="$quiet" to=down
t0=$(epoch_ms)
kill "$quiet_client"
wait "$quiet_client" 2>/dev/null
watch_wait
expect_event up down peer_closed read
expect_eq "peer" "${quiet#quiet/}" "$(ev peer)"
expect_latency "peer_closed" "$t0" 0 1000
gone0=$(rfc3339_ms "$(ev time)")
expect_eq "a dead peer stays listed" down "$(target_health "$quiet")"

# The RST: the chatty client's kernel holds our unread probes.
unread() {
	ss -tnH state established "( dport = :$chatty_port )" |
	    awk '$1 > 0 { found = 1 } END { exit !found }'
}
wait_for 5 unread || fail "no unread probe at the client: $(ss -tn)"
watch_start target="$chatty" to=down
t0=$(epoch_ms)
kill -KILL "$chatty_client"
wait "$chatty_client" 2>/dev/null
watch_wait
expect_event up down reset read
expect_eq "error" ECONNRESET "$(ev error)"
expect_latency "reset" "$t0" 0 1000

# forget_after 1s, checked every 100 ms.
forgotten() { [ -z "$(target_health "$1")" ]; }
wait_for 5 forgotten "$quiet" || fail "$quiet never forgotten"
ms=$(( $(epoch_ms) - gone0 ))
echo "$TEST_NAME: $quiet forgotten after $ms ms (bound 1000..2500)"
expect_between "forget_after" 1000 2500 "$ms"
wait_for 5 forgotten "$chatty" || fail "$chatty never forgotten"
ctl -s "$SOCK" --json show "$quiet"
expect_rc "show of a forgotten peer" 2
expect_fds_at_most "descriptors once both peers are gone" "$fds"

daemon_alive
stop_daemon
