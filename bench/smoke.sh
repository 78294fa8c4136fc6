#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# sp-bench still runs: a small round (200 connections, 20 + 20 closes,
# 1 s of CPU) must finish and print every row of its table, and leave
# no process behind.  No figure is asserted: a benchmark is not a timed
# test.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/common.sh"

out=$TEST_TMP/out
err=$TEST_TMP/err
TMPDIR=$TEST_TMP timeout 120 "$top_builddir/bench/sp-bench" \
    -n 200 -S 20 -C 1 -o "$TEST_TMP/results.md" \
    --sockprobed "$top_builddir/daemon/sockprobed" \
    --sockprobectl "$SOCKPROBECTL" \
    --epoll "$top_builddir/bench/sp-bench-epoll" >"$out" 2>"$err"
rc=$?
[ $rc -eq 0 ] || fail "sp-bench exited $rc: $(tail -5 "$err")"
for row in 'detection p50' 'detection p99' 'user-space memory' \
    'healthy connections' 'CPU holding idle' 'status --json'; do
	grep -q "^| .*$row" "$out" || fail "no '$row' row in: $(cat "$out")"
done
cmp -s "$out" "$TEST_TMP/results.md" || fail "-o wrote another report"
# Its temp dir (under ours) is gone: every child was stopped first.
leftover=$(find "$TEST_TMP" -maxdepth 1 -name 'sp-bench.*' | head -1)
[ -z "$leftover" ] || fail "left $leftover behind"
echo "PASS: $TEST_NAME"
