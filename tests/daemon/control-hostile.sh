#!/bin/bash
# SPDX-License-Identifier: ISC
# The control socket against hostile clients, the short run of sp-hostile:
# every malformed request answered with its error code on a connection
# that stays, lines over the limit refused and dropped, a flood of
# clients refused past CTL_MAX_CLIENTS, silent, stalled and non-reading
# clients held, while a legitimate client is always answered; the daemon
# alive and exiting 0 at the end, its memory within a generous bound.
# No timing is asserted here: `make hostile` prints the figures.

. "$top_srcdir/tests/common.sh"

hostile=$top_builddir/bench/sp-hostile
daemon=$top_builddir/daemon/sockprobed
growth=64
# ASan keeps freed memory in quarantine (256 MiB by default) and shadows
# the rest: its daemon is allowed more.  (daemon/sockprobed may be
# libtool's wrapper script: the build's flags tell.)
if grep -q -- '-fsanitize=address' "$top_builddir/Makefile"; then
	growth=512
fi
timeout -k 5 120 "$hostile" --quick --sockprobed "$daemon" \
    --rss-growth-mb "$growth" --reply-ms 10000 ||
    fail "sp-hostile --quick failed"
