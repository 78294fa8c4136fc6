#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The manual pages cannot drift from the programs: sockprobed --help and
# sockprobectl --help list the options (and verbs) their pages describe;
# sockprobe.conf(5) lists exactly the keys `sockprobed -n` prints, each
# with the default it prints; the example configuration, uncommented,
# is the built-in defaults; libsockprobe(3) names every function
# sockprobe.h declares.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"

SOCKPROBED=$top_builddir/daemon/sockprobed
man8d=$top_builddir/man/sockprobed.8
man5=$top_builddir/man/sockprobe.conf.5
man8c=$top_srcdir/man/sockprobectl.8
man3=$top_srcdir/man/libsockprobe.3

# same WHAT FILE-A FILE-B: the two sorted lists are equal.
same() {
	diff -u "$2" "$3" >"$TEST_TMP/diff" ||
	    fail "$1 (- ${2##*/}, + ${3##*/}): $(cat "$TEST_TMP/diff")"
}

# help_opts: "-c --config" pairs from --help on stdin.
help_opts() {
	grep -oE '^  -[a-zA-Z0-9], --[a-z0-9-]+' | sed 's/^  //; s/,//' | sort
}
# man_opts PAGE: the same pairs from the page's ".It Fl c , Fl Fl config".
man_opts() {
	grep -oE '^\.It Fl [a-zA-Z0-9]( Ar [a-z]+)? , Fl Fl [a-z0-9-]+' "$1" |
	    sed 's/^\.It Fl \(.\)\( Ar [a-z]*\)* , Fl Fl /-\1 --/' | sort
}

cd "$TEST_TMP"
"$SOCKPROBED" --help >d.help || fail "sockprobed --help failed"
help_opts <d.help >d.help.opts
man_opts "$man8d" >d.man.opts
[ -s d.help.opts ] || fail "no options found in sockprobed --help"
same "sockprobed options" d.help.opts d.man.opts
# The usage line's flags are the SYNOPSIS's.
usage_flags=$(sed -n 's/^usage: sockprobed //p' d.help |
    grep -oE '\[-[a-zA-Z]+' | tr -d '[-' | fold -w1 | sort | tr -d '\n')
synopsis_flags=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh/p' "$man8d" |
    sed -n 's/^\.Op Fl \([a-zA-Z]*\).*/\1/p' | fold -w1 | sort | tr -d '\n')
expect_eq "sockprobed usage flags vs SYNOPSIS" "$usage_flags" "$synopsis_flags"

"$SOCKPROBECTL" --help >c.help || fail "sockprobectl --help failed"
help_opts <c.help >c.help.opts
man_opts "$man8c" >c.man.opts
same "sockprobectl options" c.help.opts c.man.opts
sed -n '/^Verbs/,/^Options/p' c.help | grep -E '^  [a-z]' |
    awk '{ print $1 }' | sort >c.help.verbs
grep -E '^\.It Cm [a-z]+' "$man8c" | awk '{ print $3 }' | sort -u >c.man.verbs
same "sockprobectl verbs" c.help.verbs c.man.verbs

# Keys: everything -n prints for the example (which has a target and a
# listener), against every ".It Ic key" of the page.
"$SOCKPROBED" -n -c "$top_srcdir/conf/sockprobe.conf" >example.n ||
    fail "sockprobed -n on the example failed"
sed -n 's/^\([a-z_]*\) =.*/\1/p' example.n | sort -u >n.keys
sed -n 's/^\.It Ic \([a-z_]*\) .*/\1/p' "$man5" | sort >man.keys
same "sockprobe.conf(5) keys" n.keys man.keys

# Defaults: "(default Li VALUE)" or "(default empty)" on each key's line
# is what -n prints without a file.
"$SOCKPROBED" -n >defaults.n || fail "sockprobed -n failed"
sed -n 's/^\([a-z_]*\) =\(.*\)/\1\2/p' defaults.n |
    sort >n.defaults
sed -n 's/^\.It Ic \([a-z_]*\) .* Pq default \(.*\)$/\1 \2/p' "$man5" |
    sed 's/ Li / /; s/ empty$//' | sort >man.defaults
same "sockprobe.conf(5) defaults" n.defaults man.defaults

# The example documents every [daemon] and [defaults] key commented out
# with its default: uncommented, it means what the built-in defaults do.
sed 's/^;\([a-z_]* *=\)/\1/' "$top_srcdir/conf/sockprobe.conf" >uncommented.conf
"$SOCKPROBED" -n -c uncommented.conf >uncommented.n 2>&1 ||
    fail "the uncommented example: $(cat uncommented.n)"
same "the example's commented defaults" example.n uncommented.n
for k in $(sed -n 's/^\([a-z_]*\) =.*/\1/p' defaults.n); do
	grep -q "^;$k *=" "$top_srcdir/conf/sockprobe.conf" ||
	    fail "conf/sockprobe.conf does not show $k"
done

# libsockprobe(3): the functions of sockprobe.h, no more, no less.
grep -oE '^[a-z][^(]*[ 	*]sp_[a-z0-9_]+\(' "$top_srcdir/lib/sockprobe.h" |
    grep -oE 'sp_[a-z0-9_]+\($' | tr -d '(' | sort -u >h.funcs
sed -n 's/^\.Fn \(sp_[a-z0-9_]*\) .*/\1/p' "$man3" | sort -u >man3.funcs
[ -s h.funcs ] || fail "no functions found in sockprobe.h"
same "libsockprobe(3) functions" h.funcs man3.funcs
