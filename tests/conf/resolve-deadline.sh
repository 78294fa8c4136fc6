#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# `sockprobed -n` looks each target's name up within a deadline, so a
# resolver that never answers cannot hang a check (or CI): in a private
# mount and network namespace, /etc/resolv.conf names a server on
# loopback whose queries an nftables rule drops.  The check must fail
# with the FILE:LINE message for the name, within 10 s, and a numeric
# target beside it must pass unasked.

. "$top_srcdir/tests/common.sh"

need_root
command -v unshare >/dev/null || skip "no unshare"
command -v nft >/dev/null || skip "no nft"

daemon=$top_builddir/daemon/sockprobed
cat >"$TEST_TMP/check.ini" <<'CONF'
[target db]
address = db.sockprobe-test.example:5432

[target numeric]
address = 127.0.0.1:5432
CONF
echo "nameserver 192.0.2.53" >"$TEST_TMP/resolv.conf"
echo "127.0.0.1 localhost" >"$TEST_TMP/hosts"

start=$(now_ms)
# shellcheck disable=SC2016
unshare -mn bash -c '
	set -e
	ip link set lo up
	ip addr add 192.0.2.53/32 dev lo
	nft -f - <<NFT
table inet blackhole {
	chain input {
		type filter hook input priority 0;
		udp dport 53 drop
		tcp dport 53 drop
	}
}
NFT
	mount --bind "$1/resolv.conf" /etc/resolv.conf
	mount --bind "$1/hosts" /etc/hosts
	set +e
	"$2" -n -c "$1/check.ini" >"$1/out" 2>"$1/err"
	echo $? >"$1/rc"
' sh "$TEST_TMP" "$daemon" || fail "namespace setup failed"
elapsed=$(( $(now_ms) - start ))

expect_eq "exit status" 1 "$(cat "$TEST_TMP/rc")"
[ "$elapsed" -le 10000 ] || fail "the check took ${elapsed} ms"
expect_match "message" \
    "^$TEST_TMP/check.ini:2: \[target db\] address: cannot resolve db.sockprobe-test.example: " \
    "$(cat "$TEST_TMP/err")"
expect_eq "messages" 1 "$(wc -l <"$TEST_TMP/err")"
echo "resolve-deadline: failed in ${elapsed} ms: $(cat "$TEST_TMP/err")"
