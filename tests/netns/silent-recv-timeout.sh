#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A blocking recv under SO_RCVTIMEO 2 s on a silent peer (sp_recv_wait):
# no_reply by timeout with EAGAIN after 1.9-2.5 s, while TCP_INFO still
# says ESTABLISHED.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/netns/netns.sh"

netns_create
netns_start_peer hold
netns_run "$top_builddir/tests/netns/silent" -x "$(blackhole_cmd all)" \
    recv_timeout "$NS_PEER_IP" "$PEER_PORT"
