#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Silent peer death with 100 bytes unacknowledged and TCP_USER_TIMEOUT
# 3000 ms, no keepalive: timed_out by user_timeout with ETIMEDOUT about
# the first RTO plus 3 s after the send (3.2-4.2 s).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/netns/netns.sh"

netns_create
netns_start_peer hold
netns_run "$top_builddir/tests/netns/silent" -x "$(blackhole_cmd all)" \
    user_timeout "$NS_PEER_IP" "$PEER_PORT"
