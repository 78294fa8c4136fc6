#!/bin/bash
# SPDX-License-Identifier: ISC
# Golden tests of the configuration: each NAME.ini is checked with
# `sockprobed -n`; NAME.ok holds the expected normalised output (exit 0),
# NAME.err the expected messages (exit 1).  The shipped example is one.
# UPDATE=1 (make update-golden) rewrites the expectations for review.

. "$top_srcdir/tests/common.sh"

daemon=$top_builddir/daemon/sockprobed
dir=$top_srcdir/tests/conf
failed=0

# check NAME FILE: run -n on FILE from dir, compare with NAME.ok/.err.
check() {
	local name=$1 file=$2 out=$TEST_TMP/out err=$TEST_TMP/err rc
	(cd "$dir" && "$daemon" -n -c "$file" >"$out" 2>"$err")
	rc=$?
	if [ -n "${UPDATE:-}" ]; then
		if [ $rc -eq 0 ]; then
			cp "$out" "$dir/$name.ok"; rm -f "$dir/$name.err"
		else
			cp "$err" "$dir/$name.err"; rm -f "$dir/$name.ok"
		fi
		return
	fi
	if [ -f "$dir/$name.ok" ]; then
		[ $rc -eq 0 ] || { echo "$name: exit $rc:"; cat "$err"; failed=1; return; }
		diff -u "$dir/$name.ok" "$out" || failed=1
		# The normalised output is itself a valid file that prints alike.
		cp "$out" "$TEST_TMP/again.ini"
		"$daemon" -n -c "$TEST_TMP/again.ini" >"$TEST_TMP/again" 2>&1 ||
		    { echo "$name: normalised output does not load"; failed=1; }
		diff -u "$out" "$TEST_TMP/again" || failed=1
	elif [ -f "$dir/$name.err" ]; then
		[ $rc -eq 1 ] || { echo "$name: expected exit 1, got $rc"; failed=1; }
		diff -u "$dir/$name.err" "$err" || failed=1
	else
		echo "$name: no $name.ok or $name.err"; failed=1
	fi
}

check example ../../conf/sockprobe.conf
for f in "$dir"/*.ini; do
	name=$(basename "$f" .ini)
	check "$name" "$name.ini"
done
[ $failed -eq 0 ] || fail "golden mismatch (make update-golden, then review the diff)"
