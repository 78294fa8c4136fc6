#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# make install DESTDIR=...: exactly the expected files, each where
# configure put it (binaries, library, header, .pc, the example
# configuration, units, sysusers.d and tmpfiles.d entries, man pages,
# completion); no @placeholder@ left in what was made from .in files;
# the installed daemon runs from there on the installed configuration;
# the installed units pass systemd-analyze verify (their man pages found
# in the DESTDIR); the sysusers.d and tmpfiles.d entries make the user
# and the runtime directory in a scratch root; uninstall leaves nothing
# but what it must not remove (an edited configuration).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/install/install.sh"

D=$TEST_TMP/dest
sp_install "$D"

# Every file we expect, and nothing else.  The library's file names
# follow its libtool version: libsockprobe.so -> .so.MAJOR.AGE.REVISION.
real=$(readlink "$D$libdir/libsockprobe.so")
expect_match "libsockprobe.so links to" '^libsockprobe\.so\.[0-9]+\.[0-9]+\.[0-9]+$' \
    "$real"
soname=${real%.*.*}
expected=$TEST_TMP/expected
{
	echo "$sbindir/sockprobed$EXEEXT"
	echo "$bindir/sockprobectl$EXEEXT"
	echo "$includedir/sockprobe.h"
	echo "$pkgconfigdir/libsockprobe.pc"
	echo "$libdir/libsockprobe.a"
	echo "$libdir/libsockprobe.la"
	echo "$libdir/libsockprobe.so"
	echo "$libdir/$soname"
	echo "$libdir/$real"
	echo "$sysconfdir/sockprobe/sockprobe.conf"
	echo "$mandir/man3/libsockprobe.3"
	echo "$mandir/man5/sockprobe.conf.5"
	echo "$mandir/man8/sockprobectl.8"
	echo "$mandir/man8/sockprobed.8"
	[ "$systemdsystemunitdir" = no ] || {
		echo "$systemdsystemunitdir/sockprobed.service"
		echo "$systemdsystemunitdir/sockprobed.socket"
	}
	[ "$sysusersdir" = no ] || echo "$sysusersdir/sockprobe.conf"
	[ "$tmpfilesdir" = no ] || echo "$tmpfilesdir/sockprobe.conf"
	[ "$bashcompletiondir" = no ] ||
	    echo "$bashcompletiondir/sockprobectl"
} | sort >"$expected"
(cd "$D" && find . ! -type d | sed 's|^\.||' | sort) >"$TEST_TMP/found"
diff -u "$expected" "$TEST_TMP/found" >"$TEST_TMP/diff" ||
    fail "installed tree differs from the expected (-) one: $(cat "$TEST_TMP/diff")"

[ -x "$D$sbindir/sockprobed$EXEEXT" ] || fail "sockprobed not executable"
[ -x "$D$bindir/sockprobectl$EXEEXT" ] || fail "sockprobectl not executable"
[ -L "$D$libdir/$soname" ] || fail "no SONAME link $soname"
expect_eq "SONAME" "$soname" "$(objdump -p "$D$libdir/$real" |
    awk '$1 == "SONAME" { print $2 }')"
cmp -s "$top_srcdir/conf/sockprobe.conf" \
    "$D$sysconfdir/sockprobe/sockprobe.conf" ||
    fail "the installed configuration is not the example"
for f in "$D$mandir"/man*/* "$D$systemdsystemunitdir"/* \
    "$D$tmpfilesdir"/*; do
	[ -f "$f" ] || continue
	! grep -n '@[A-Za-z_]*@' "$f" >"$TEST_TMP/ph" ||
	    fail "$f: placeholder left: $(cat "$TEST_TMP/ph")"
done

# The daemon and the ctl run from the DESTDIR, on its configuration.
export LD_LIBRARY_PATH=$D$libdir
"$D$sbindir/sockprobed$EXEEXT" -n -c "$D$sysconfdir/sockprobe/sockprobe.conf" \
    >"$TEST_TMP/n" 2>&1 || fail "installed sockprobed -n: $(cat "$TEST_TMP/n")"
grep -q '^\[target self\]' "$TEST_TMP/n" || fail "sockprobed -n: $(cat "$TEST_TMP/n")"
"$D$bindir/sockprobectl$EXEEXT" --version >"$TEST_TMP/v" 2>&1 ||
    fail "installed sockprobectl --version: $(cat "$TEST_TMP/v")"
unset LD_LIBRARY_PATH

# The units name the installed daemon and configuration, and the socket
# the daemon binds by default.
if [ "$systemdsystemunitdir" != no ]; then
	unit=$D$systemdsystemunitdir/sockprobed.service
	expect_eq "ExecStart" \
	    "ExecStart=$sbindir/sockprobed -c $sysconfdir/sockprobe/sockprobe.conf" \
	    "$(grep '^ExecStart=' "$unit")"
	expect_eq "ListenStream" "ListenStream=$control_socket" \
	    "$(grep '^ListenStream=' "$D$systemdsystemunitdir/sockprobed.socket")"
	expect_eq "RuntimeDirectory" "RuntimeDirectory=${rundir#/run/}" \
	    "$(grep '^RuntimeDirectory=' "$unit")"

	# systemd-analyze verify: the binary must exist, so it is looked
	# for in the DESTDIR; the man pages in Documentation= too.
	need systemd-analyze man
	mkdir "$TEST_TMP/units"
	sed "s|^ExecStart=$sbindir/|ExecStart=$D$sbindir/|" "$unit" \
	    >"$TEST_TMP/units/sockprobed.service"
	cp "$D$systemdsystemunitdir/sockprobed.socket" "$TEST_TMP/units/"
	MANPATH=$D$mandir systemd-analyze verify \
	    "$TEST_TMP/units/sockprobed.socket" \
	    "$TEST_TMP/units/sockprobed.service" >"$TEST_TMP/verify" 2>&1 ||
	    fail "systemd-analyze verify: $(cat "$TEST_TMP/verify")"
	[ ! -s "$TEST_TMP/verify" ] ||
	    fail "systemd-analyze verify complained: $(cat "$TEST_TMP/verify")"
fi

# sysusers.d makes the user and group in a scratch root; tmpfiles.d
# then makes the runtime directory owned by them (chown needs root).
if [ "$sysusersdir" != no ] && [ "$tmpfilesdir" != no ]; then
	need systemd-sysusers systemd-tmpfiles
	R=$TEST_TMP/root
	mkdir -p "$R/etc"
	systemd-sysusers --root="$R" "$D$sysusersdir/sockprobe.conf" \
	    >"$TEST_TMP/su" 2>&1 || fail "systemd-sysusers: $(cat "$TEST_TMP/su")"
	grep -q '^sockprobe:x:[0-9]*:[0-9]*:.*:/:/usr/sbin/nologin$' \
	    "$R/etc/passwd" || fail "no sockprobe user: $(cat "$R/etc/passwd")"
	grep -q '^sockprobe:x:' "$R/etc/group" || fail "no sockprobe group"
	uid=$(awk -F: '$1 == "sockprobe" { print $3 }' "$R/etc/passwd")
	if [ "$(id -u)" = 0 ]; then
		systemd-tmpfiles --root="$R" --create \
		    "$D$tmpfilesdir/sockprobe.conf" >"$TEST_TMP/tf" 2>&1 ||
		    fail "systemd-tmpfiles: $(cat "$TEST_TMP/tf")"
		expect_eq "runtime directory" "750 $uid" \
		    "$(stat -c '%a %u' "$R$rundir")"
	else
		echo "not root: the tmpfiles.d entry is not applied"
	fi
fi

# A second install keeps an edited configuration; uninstall removes
# everything else, and the configuration only while it is the example.
echo '; edited' >>"$D$sysconfdir/sockprobe/sockprobe.conf"
sp_install "$D"
grep -q '^; edited$' "$D$sysconfdir/sockprobe/sockprobe.conf" ||
    fail "make install replaced an edited configuration"
(cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    $MAKE uninstall DESTDIR="$D") >"$TEST_TMP/un" 2>&1 ||
    fail "make uninstall: $(tail -n 20 "$TEST_TMP/un")"
expect_eq "left after uninstall" "$sysconfdir/sockprobe/sockprobe.conf" \
    "$(cd "$D" && find . ! -type d | sed 's|^\.||')"
rm "$D$sysconfdir/sockprobe/sockprobe.conf"
sp_install "$D"
(cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    $MAKE uninstall DESTDIR="$D") >"$TEST_TMP/un" 2>&1 ||
    fail "make uninstall: $(tail -n 20 "$TEST_TMP/un")"
expect_eq "left after uninstalling the example" "" \
    "$(cd "$D" && find . ! -type d)"
