#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# An embedder's build against the installed library: make install into
# a DESTDIR, then compile and link tests/install/embed.c with nothing but
# `pkg-config --cflags --libs libsockprobe` (the DESTDIR as pkg-config's
# sysroot), shared and static, and run it against the installed library:
# it must see the peer's FIN with the read check.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/install/install.sh"

need pkg-config "${CC:-cc}"
D=$TEST_TMP/dest
sp_install "$D"

# pkg-config sees only the installed .pc, and prefixes its -I and -L with
# the DESTDIR.
export PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$D$pkgconfigdir
export PKG_CONFIG_SYSROOT_DIR=$D
pkg-config --exists libsockprobe || fail "pkg-config does not find libsockprobe"
version=$(pkg-config --modversion libsockprobe)
cflags=$(pkg-config --cflags libsockprobe)
libs=$(pkg-config --libs libsockprobe)
static_libs=$(pkg-config --static --libs libsockprobe)
expect_match "cflags" "^-I$D$includedir *\$" "$cflags"
expect_match "libs" "^-L$D$libdir -lsockprobe *\$" "$libs"
expect_match "static libs" "^-L$D$libdir -lsockprobe -lmnl *\$" "$static_libs"

cd "$TEST_TMP"
# A library built with sanitizers needs them in the program too.
cflags="$cflags $sp_ldflags"
# shellcheck disable=SC2086
"${CC:-cc}" -Wall -Werror -o embed $cflags "$top_srcdir/tests/install/embed.c" \
    $libs >cc.log 2>&1 || fail "shared build: $(cat cc.log)"
# shellcheck disable=SC2086
"${CC:-cc}" -Wall -Werror -o embed-static $cflags \
    "$top_srcdir/tests/install/embed.c" \
    $(echo "$static_libs" | sed 's/-lsockprobe/-l:libsockprobe.a/') \
    >cc-static.log 2>&1 || fail "static build: $(cat cc-static.log)"

# The shared one loads the DESTDIR's library, not another.
LD_LIBRARY_PATH=$D$libdir ldd ./embed >ldd.log 2>&1
expect_match "library loaded" "libsockprobe\.so\.0 => $D$libdir/libsockprobe\.so\.0" \
    "$(cat ldd.log)"
for prog in embed embed-static; do
	out=$(LD_LIBRARY_PATH=$D$libdir "./$prog" 2>&1) ||
	    fail "$prog: $out"
	expect_eq "$prog" "${version%.*} $version peer_closed read" "$out"
done
