#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Attribution of an ETIMEDOUT when keepalive is on but data is in flight:
# keepalive does not probe then, the retransmission budget gives up, and
# the verdict must name the observing technique (read), not keepalive.
# The client runs inside the namespace, where tcp_retries2 is lowered to
# 3 (about 6.6 s), and talks to the peer over the namespace's loopback.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/netns/netns.sh"

netns_create
netns_exec sysctl -qw net.ipv4.tcp_retries2=3 || fail "sysctl failed"
netns_start_peer hold 127.0.0.1
netns_run ip netns exec "$NS" "$top_builddir/tests/netns/silent" \
    -x "$(blackhole_cmd "port:$PEER_PORT")" retries2 127.0.0.1 "$PEER_PORT"
