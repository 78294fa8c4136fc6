#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Every manual page, as installed (the .in ones as made), is clean under
# `mandoc -T lint` at warning level and has the sections a reader looks
# for: EXAMPLES in all of them, EXIT STATUS for the commands, RETURN
# VALUES for the library.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"

command -v mandoc >/dev/null || skip "mandoc is not installed"

pages="$top_builddir/man/sockprobed.8 $top_builddir/man/sockprobe.conf.5
$top_srcdir/man/sockprobectl.8 $top_srcdir/man/libsockprobe.3"
for p in $pages; do
	[ -f "$p" ] || fail "$p missing"
	out=$(mandoc -T lint -W warning "$p" 2>&1) ||
	    fail "mandoc -T lint $p: $out"
	[ -z "$out" ] || fail "mandoc -T lint $p: $out"
	grep -q '^\.Sh EXAMPLES' "$p" || fail "$p: no EXAMPLES"
	case $p in
	*.8) grep -q '^\.Sh EXIT STATUS' "$p" || fail "$p: no EXIT STATUS" ;;
	*.3) grep -q '^\.Sh RETURN VALUES' "$p" || fail "$p: no RETURN VALUES" ;;
	esac
done
