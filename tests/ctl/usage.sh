#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The command line: --help and --version exit 0 on stdout; every misuse
# exits 2 with a message on stderr and nothing on stdout; a daemon verb
# without a daemon is a connection error, also 2.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

ctl --help
expect_rc "--help" 0
for v in probe explain kernel selftest hello status show watch add remove \
    reload sockets metrics; do
	expect_out "^  $v( |$)"
done
for o in help version json socket sysctl-dir keepalive user-timeout \
    syn-retries timeout send expect ipv4 ipv6 listen-self linger2 rto \
    recv-timeout send-timeout state port process top; do
	expect_out "^  -[a-zA-Z0-9], --$o( |$)"
done
awk 'length > 80 { exit 1 }' "$OUT" || fail "--help wider than 80 columns"
ctl -h
expect_rc "-h" 0
ctl help
expect_rc "help" 0

ctl --version
expect_rc "--version" 0
expect_out '^sockprobectl [0-9]+\.[0-9]+'

# usage_error WHAT ARGS...: exit 2, stderr says something, stdout empty.
usage_error() {
	local what=$1; shift
	ctl "$@"
	expect_rc "$what" 2
	[ -s "$ERR" ] || fail "$what: no message on stderr"
	[ ! -s "$OUT" ] || fail "$what: stdout not empty: $(cat "$OUT")"
}
usage_error "no verb"
usage_error "unknown verb" frobnicate
usage_error "abbreviated verb" prob 127.0.0.1:1
usage_error "unknown option" kernel --frobnicate
usage_error "probe without a target" probe
usage_error "probe with two targets" probe 127.0.0.1:1 127.0.0.1:2
usage_error "probe target and --listen-self" probe --listen-self 127.0.0.1:1
usage_error "probe without a port" probe 127.0.0.1
usage_error "probe port 0" probe 127.0.0.1:0
usage_error "probe port too big" probe 127.0.0.1:70000
usage_error "bad --timeout" probe --timeout 5x 127.0.0.1:1
usage_error "zero --timeout" probe --timeout 0 127.0.0.1:1
usage_error "--expect without --send" probe --expect x 127.0.0.1:1
usage_error "empty --send" probe --send '' 127.0.0.1:1
usage_error "bad escape" probe --send 'a\q' 127.0.0.1:1
usage_error "short \\x" probe --send 'a\x4' 127.0.0.1:1
usage_error "bad --keepalive" probe --keepalive fast 127.0.0.1:1
usage_error "bad --syn-retries" probe --syn-retries 128 127.0.0.1:1
usage_error "kernel with an argument" kernel extra
usage_error "kernel with --keepalive" kernel --keepalive 1s,1s,1
usage_error "explain with --send" explain --send x
usage_error "selftest with an argument" selftest extra
usage_error "selftest with --keepalive" selftest --keepalive 1s,1s,1
usage_error "show without a name" show
usage_error "add without an address" add db
usage_error "sockets with an argument" sockets extra
usage_error "sockets with a bad --state" sockets --state closed-wait
usage_error "sockets with an empty --state" sockets --state ''
usage_error "sockets with port 0" sockets --port 0
usage_error "sockets with a bad --top" sockets --top 0
usage_error "sockets with a long --process" sockets --process \
    a-command-name-too-long
usage_error "--state for status" status --state listen

# Daemon verbs need the control socket: a missing one is exit 2.
sock=$TEST_TMP/none.sock
for v in hello status watch reload sockets metrics "show db" "remove db" \
    "explain db" "add db 127.0.0.1:5432 check_interval=5s"; do
	# shellcheck disable=SC2086
	ctl -s "$sock" $v
	expect_rc "$v without a daemon" 2
	grep -q -- "$sock" "$ERR" || fail "$v: stderr does not name $sock"
	[ ! -s "$OUT" ] || fail "$v: stdout not empty"
done
ctl --socket "$sock" add db 127.0.0.1:5432 novalue
expect_rc "add key without =" 2

# --help and the manual list the same verbs and options.
man=$top_srcdir/man/sockprobectl.8
[ -f "$man" ] || fail "no $man"
ctl --help
help_opts=$(sed -nE 's/^  -(.), --([a-z0-9-]+).*/\1 \2/p' "$OUT" | sort)
man_opts=$(sed -nE 's/^\.It Fl (.) , Fl Fl ([a-z0-9-]+).*/\1 \2/p' "$man" |
    sort)
[ -n "$help_opts" ] || fail "no options in --help"
expect_eq "options in --help and the manual" "$help_opts" "$man_opts"
help_verbs=$(sed -nE 's/^  ([a-z]+)( .*|)$/\1/p' "$OUT" | sort)
man_verbs=$(sed -nE 's/^\.It Cm ([a-z]+).*/\1/p' "$man" | sort)
expect_eq "verbs in --help and the manual" "$help_verbs" "$man_verbs"
