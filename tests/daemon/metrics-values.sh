#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The values follow what happens: a held target is up with its TCP_INFO
# families, and once its peer dies sockprobe_up is 0, health is down and
# events_total counts peer_closed by read, while the tcp families go
# away with the connection.  Inbound peers are counted per listener, with
# no series of their own, and their listener's event count outlives them
# once forgotten; a listener with metrics_per_peer = yes gives each peer
# its series.  promtool accepts every scrape.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/metrics.sh"

need_promtool
start_peer -l 127.0.0.1:0 -m hold
peer=$(last_peer_pid)
db_port=$PEER_PORT
mport=$(free_port)
agg_port=$(free_port)
each_port=$(free_port)
M=127.0.0.1:$mport
conf "[daemon]
metrics_listen = $M

[defaults]
poll_interval = 200ms

[target db]
address = 127.0.0.1:$db_port
check_interval = 0
reconnect_min = 1m
reconnect_max = 1m

[listen agg]
bind = 127.0.0.1:$agg_port
forget_after = 1s

[listen each]
bind = 127.0.0.1:$each_port
metrics_per_peer = yes"
start_daemon
wait_for 10 health_is db up || fail "db never up: $(health db)"

# Up, with TCP_INFO polled: the tcp families appear.
wait_sample "$M" 'sockprobe_tcp_retransmits{target="db"}' 0
promtool_metrics
expect_sample 'sockprobe_up{target="db"}' 1
expect_sample 'sockprobe_health{target="db",state="up"}' 1
expect_sample 'sockprobe_health{target="db",state="connecting"}' 0
expect_sample \
    "sockprobe_target_info{target=\"db\",kind=\"outbound\",peer=\"127.0.0.1:$db_port\"}" 1
expect_sample \
    'sockprobe_events_total{target="db",cause="none",technique="connect"}' 1
rtt=$(sample 'sockprobe_tcp_rtt_seconds{target="db"}')
expect_match "rtt in seconds" '^0\.[0-9]{6}$' "$rtt"
expect_match "connect time" '^0\.[0-9]{6}$' \
    "$(sample 'sockprobe_connect_seconds{target="db"}')"
expect_sample 'sockprobe_connections{kind="outbound"}' 1

# Inbound: three peers on agg, one on each.
# client PORT: hold one connection to PORT; CLIENT is the holder's pid.
client() {
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && exec sleep 30" &
	CLIENT=$!
	EXTRA_PIDS="$EXTRA_PIDS $CLIENT"
}
client "$agg_port"
victim=$CLIENT
client "$agg_port"
client "$agg_port"
client "$each_port"
wait_sample "$M" 'sockprobe_inbound_peers{listener="agg",state="up"}' 3
promtool_metrics
expect_sample 'sockprobe_inbound_peers{listener="each",state="up"}' 1
expect_sample 'sockprobe_inbound_accepted_total{listener="agg"}' 3
expect_sample 'sockprobe_connections{kind="inbound"}' 4
expect_sample \
    'sockprobe_inbound_events_total{listener="agg",cause="none",technique="connect"}' 3
! grep -q 'target="agg/' "$BODY" ||
    fail "agg's peers have series: $(grep 'target="agg/' "$BODY")"
each=$(grep -o 'sockprobe_up{target="each/127\.0\.0\.1:[0-9]*"}' "$BODY")
[ -n "$each" ] || fail "each's peer has no sockprobe_up: $(cat "$BODY")"
expect_sample "$each" 1
expect_match "each's peer names its listener" \
    'sockprobe_target_info\{target="each/127\.0\.0\.1:[0-9]+",kind="inbound",peer="127\.0\.0\.1:[0-9]+",listener="each"\} 1' \
    "$(cat "$BODY")"

# One agg peer leaves (FIN): counted per listener, then forgotten while
# the listener's count stays.
kill "$victim"
wait "$victim" 2>/dev/null
wait_sample "$M" \
    'sockprobe_inbound_events_total{listener="agg",cause="peer_closed",technique="read"}' 1
wait_sample "$M" 'sockprobe_inbound_peers{listener="agg",state="down"}' 0
expect_sample 'sockprobe_inbound_peers{listener="agg",state="up"}' 2
expect_sample \
    'sockprobe_inbound_events_total{listener="agg",cause="peer_closed",technique="read"}' 1
promtool_metrics

# The target's peer dies: down, counted, no tcp families.
watch_start target=db to=down
kill "$peer"
watch_wait
expect_event up down peer_closed read
scrape "$M"
promtool_metrics
expect_sample 'sockprobe_up{target="db"}' 0
expect_sample 'sockprobe_health{target="db",state="down"}' 1
expect_sample 'sockprobe_health{target="db",state="up"}' 0
expect_sample \
    'sockprobe_events_total{target="db",cause="peer_closed",technique="read"}' 1
expect_sample \
    'sockprobe_events_total{target="db",cause="none",technique="connect"}' 1
[ -z "$(sample 'sockprobe_tcp_rtt_seconds{target="db"}')" ] ||
    fail "a dead connection still has an rtt"
# The control command sees the same values.
ctl -s "$SOCK" metrics
expect_rc "sockprobectl metrics" 0
expect_sample 'sockprobe_up{target="db"}' 0 "$OUT"
expect_sample \
    'sockprobe_events_total{target="db",cause="peer_closed",technique="read"}' 1 "$OUT"

daemon_alive
stop_daemon
