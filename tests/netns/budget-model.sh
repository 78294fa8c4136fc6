#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The detection-budget model against this kernel: sp_budget_compute's
# prediction for a socket's own options must be within 10 % of the time
# measured, for keepalive 1/1/3 idle (~4 s), user timeout 10 s with
# keepalive 1/1/3 (~10 s), user timeout 2.5 s with keepalive 1/1/9 (~3 s)
# and TCP_SYNCNT 2 into a SYN black hole (~7.1 s), all at once.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/netns/netns.sh"

netns_create
netns_start_peer hold
netns_run "$top_builddir/tests/netns/silent" -x "$(blackhole_cmd all)" \
    model "$NS_PEER_IP" "$PEER_PORT"
