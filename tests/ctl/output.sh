#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Colour: on a terminal only, and never with NO_COLOR set.  script(1)
# (util-linux, essential on Debian) gives the ctl a terminal.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

command -v script >/dev/null || fail "script(1) is missing"
esc=$(printf '\033[')

TERM=xterm script -qec "env -u NO_COLOR '$SOCKPROBECTL' kernel" /dev/null \
    >"$OUT" </dev/null || fail "kernel on a terminal failed"
grep -qF "$esc" "$OUT" || fail "no colour on a terminal"
grep -q 'tcp_fin_timeout' "$OUT" || fail "no table on a terminal"

TERM=xterm NO_COLOR=1 script -qec "'$SOCKPROBECTL' kernel" /dev/null \
    >"$OUT" </dev/null || fail "kernel with NO_COLOR failed"
grep -qF "$esc" "$OUT" && fail "colour despite NO_COLOR"
grep -q 'tcp_fin_timeout' "$OUT" || fail "no table with NO_COLOR"

ctl kernel
grep -qF "$esc" "$OUT" && fail "colour in a pipe"
ctl kernel --json
grep -qF "$esc" "$OUT" && fail "colour in JSON"
exit 0
