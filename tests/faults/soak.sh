#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The soak benchmark's short mode (bench/soak.c): 20 s of 100 clients a
# second on a [listen], 20 targets cut by their peers, a reload every
# 5 s.  sp-soak --check judges: the descriptors quiet afterwards are
# those quiet before; the heap in use quiet afterwards and at the end
# within noise of quiet before and after the warm-up, RSS within what a
# burst can leave (memory is not judged in a sanitizer build, whose
# allocator is not glibc's); a down event for every client connection,
# every target's events in sequence, and exit 0 on SIGTERM.  The figures
# go to the log.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/faults/faults.sh"

: "${SP_SOAK:=$top_builddir/bench/sp-soak}"

rss=
if sanitized; then rss=--no-rss; fi
# shellcheck disable=SC2086
"$SP_SOAK" --check --duration 20 $rss --sockprobed "$SOCKPROBED" \
    --peer "$SP_PEER" --flap "$SP_FLAP" >"$OUT" 2>&1
rc=$?
cat "$OUT"
[ "$rc" = 0 ] || fail "sp-soak --check: exit $rc"
