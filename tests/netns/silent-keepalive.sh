#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Silent peer death on an idle connection with keepalive 1/1/3: the peer's
# namespace drops all IPv4, and sp_check_read must report timed_out by
# keepalive with ETIMEDOUT 3.5-5 s later.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/netns/netns.sh"

netns_create
netns_start_peer hold
netns_run "$top_builddir/tests/netns/silent" -x "$(blackhole_cmd all)" \
    keepalive "$NS_PEER_IP" "$PEER_PORT"
