#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# A connect into a SYN black hole (the peer's namespace drops connection
# requests only) with TCP_SYNCNT 1, waiting for the kernel's verdict:
# syn_timeout by connect with ETIMEDOUT after 2.8-3.6 s.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/netns/netns.sh"

netns_create
netns_start_peer hold
netns_run "$top_builddir/tests/netns/silent" -x "$(blackhole_cmd syn)" \
    syn "$NS_PEER_IP" "$PEER_PORT"
