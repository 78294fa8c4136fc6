#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A flow into a black hole: a process keeps writing to a peer in a
# network namespace that starts dropping every packet; the survey lists
# its connection among the flows retransmitting now, with the
# retransmission count, backoff, rto and the process.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/netns/netns.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/survey.sh"

held_netns_create
netns_start_peer sink
survey_conf 0 0
start_daemon

start_sockets -n 1 send "$NS_PEER_IP:$PEER_PORT"
sender=$SOCKETS_PID
# Healthy first: no retransmissions while the peer acknowledges.
survey --state established --port "$PEER_PORT"
expect_json counts.ESTABLISHED 1
expect_json retransmitting.total 0

blackhole all
retransmitting() {
	survey_is retransmitting.total 1 --state established \
	    --port "$PEER_PORT" && [ "$(jget \
	    retransmitting.flows.0.retransmits)" -ge 2 ]
}
wait_for 10 retransmitting || fail "no retransmitting flow: $(cat "$OUT")"
expect_match "local end" "^$NS_HOST_IP:[0-9]+\$" \
    "$(jget retransmitting.flows.0.local)"
expect_json retransmitting.flows.0.peer "$NS_PEER_IP:$PEER_PORT"
expect_json retransmitting.flows.0.state ESTABLISHED
expect_json retransmitting.flows.0.pid "$sender"
expect_json retransmitting.flows.0.comm sp-sockets
[ "$(jget retransmitting.flows.0.backoff)" -ge 1 ] ||
    fail "no backoff: $(cat "$OUT")"
[ "$(jget retransmitting.flows.0.rto_us)" -ge 400000 ] ||
    fail "the rto did not back off: $(cat "$OUT")"
[ "$(jget retransmitting.flows.0.unacked)" -ge 1 ] ||
    fail "nothing unacked: $(cat "$OUT")"
echo "$TEST_NAME: $(jget retransmitting.flows.0)"

ctl -s "$SOCK" sockets --state established --port "$PEER_PORT"
expect_rc "sockets for people" 0
expect_out "^Retransmitting now: 1 flow$"
expect_out " $NS_PEER_IP:$PEER_PORT +ESTABLISHED +[0-9]+ +[0-9]+ .* $sender +sp-sockets$"

daemon_alive
stop_daemon
