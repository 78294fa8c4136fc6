# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the install tests after tests/common.sh: the configured
# install directories, and `make install` into a private DESTDIR.

: "${MAKE:=make}"

# The build tree's install directories as shell variables (prefix,
# sbindir, systemdsystemunitdir, ...; "no" for what is not installed).
eval "$(cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    $MAKE -s sp-install-dirs)" || fail "make sp-install-dirs failed"
[ -n "${sbindir:-}" ] || fail "no install directories from make"

# sp_install DESTDIR: make install into DESTDIR, its output in the log
# only when it fails.
sp_install() {
	local log=$TEST_TMP/install.log
	(cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    $MAKE install DESTDIR="$1") >"$log" 2>&1 ||
	    fail "make install DESTDIR=$1: $(tail -n 30 "$log")"
}

# need TOOL...: each tool is installed (CI installs them all).
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || skip "$t is not installed"
	done
}
