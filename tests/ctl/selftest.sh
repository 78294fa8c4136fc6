#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# sockprobectl selftest, as root: every scenario present, seen by the
# expected technique with the expected cause, and measured within 20 % +
# 100 ms of its prediction, for people and with --json; two runs at once
# pick different subnets; nothing is left behind (veth, route, kill peer),
# also after SIGINT mid-run; not root, or nft missing, is exit 2.
#
# selftest builds its own anonymous namespace on a 10.214.X.0/24 with a
# lock of its own, so it never collides with tests/netns (10.213.X.0/24).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

need_root
command -v ip >/dev/null || skip "ip not installed (package iproute2)"
command -v nft >/dev/null || skip "nft not installed (package nftables)"

# name:technique:cause, in the order of the table.
SCENARIOS="fin:read:peer_closed rst:read:reset kill:read:reset
zero_window:timeout:send_stalled keepalive:keepalive:timed_out
user_timeout:user_timeout:timed_out recv_timeout:timeout:no_reply
syn_blackhole:connect:syn_timeout"
ST_PIDS=

_selftest_cleanup() {
	local pid
	for pid in $ST_PIDS; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	_ctl_cleanup
}
cleanup_hook=_selftest_cleanup

# Every selftest this test starts carries SPST_TAG in its environment,
# as do the processes it forks (the kill peer), and nothing else does:
# another test's sockprobectl running meanwhile is not ours.
TAG=sockprobe-selftest-test.$$

# leftovers PID: what a run with that pid left behind, one line each:
# its veth, its route, or a process of ours still alive.
leftovers() {
	local pid=$1 p
	ip -o link show 2>/dev/null | grep -E ": spst$pid[hp][@:]" || true
	ip -4 -o route show table all root 10.214.0.0/16 2>/dev/null |
	    grep -w "spst${pid}h" || true
	for p in /proc/[0-9]*; do
		tr '\0' '\n' 2>/dev/null <"$p/environ" |
		    grep -qx "SPST_TAG=$TAG" && echo "process ${p#/proc/}"
	done
}

expect_clean() {
	local left
	left=$(leftovers "$1")
	[ -z "$left" ] || fail "$2: left behind: $left"
}

# st_start OUT ERR ARGS...: a selftest in the background, so that its
# pid (which names its veth) is known; ST_PID.
st_start() {
	local out=$1 err=$2
	shift 2
	SPST_TAG=$TAG "$SOCKPROBECTL" selftest "$@" >"$out" 2>"$err" &
	ST_PID=$!
	ST_PIDS="$ST_PIDS $ST_PID"
}

# st_wait PID LIMIT_S: wait for a selftest, bounded; sets RC.
st_wait() {
	wait_for "$2" eval "! kill -0 $1" || fail "selftest $1 still runs \
after $2 s"
	wait "$1"
	RC=$?
}

# within WHAT MEASURED PREDICTED: |measured - predicted| <= 20 % + 100 ms.
within() {
	local d
	case $2$3 in
	''|*[!0-9]*) fail "$1: measured '$2', predicted '$3'" ;;
	esac
	d=$(( $2 - $3 ))
	[ "$d" -ge 0 ] || d=$(( -d ))
	[ "$d" -le $(( $3 / 5 + 100000 )) ] ||
	    fail "$1: measured $2 us, predicted $3 us: off by $d us"
}

# Two at once: one --json, one for people; each must pass alone.
t0=$(now_ms)
st_start "$TEST_TMP/json.out" "$TEST_TMP/json.err" --json
pid_json=$ST_PID
st_start "$TEST_TMP/human.out" "$TEST_TMP/human.err"
pid_human=$ST_PID
st_wait "$pid_json" 30
rc_json=$RC
st_wait "$pid_human" 30
rc_human=$RC
elapsed=$(( $(now_ms) - t0 ))
expect_clean "$pid_json" "--json run"
expect_clean "$pid_human" "human run"

OUT=$TEST_TMP/json.out
ERR=$TEST_TMP/json.err
RC=$rc_json
expect_rc "selftest --json" 0
[ "$(wc -l <"$OUT")" -eq 1 ] || fail "--json is not one line"
expect_json scenarios.# 8
expect_json passed 8
expect_json missed 0
expect_json margin.percent 20
expect_json margin.plus_ms 100
expect_json network.host_if "spst${pid_json}h"
expect_match "peer address" '^10\.214\.[0-9]+\.2$' \
    "$(jget network.peer_address)"
for s in $SCENARIOS; do
	IFS=: read -r name tech cause <<EOF
$s
EOF
	expect_json "scenarios.name=$name.technique" "$tech"
	expect_json "scenarios.name=$name.cause" "$cause"
	expect_json "scenarios.name=$name.expected_technique" "$tech"
	expect_json "scenarios.name=$name.expected_cause" "$cause"
	expect_json "scenarios.name=$name.verdict" ok
	expect_json "scenarios.name=$name.reason" ""
	within "$name" "$(jget "scenarios.name=$name.measured_us")" \
	    "$(jget "scenarios.name=$name.predicted_us")"
done
expect_json scenarios.name=zero_window.tcp_info_cause zero_window
expect_json scenarios.name=keepalive.predicted_us 4000000
expect_json scenarios.name=keepalive.predicted_by idle
expect_json scenarios.name=user_timeout.predicted_by busy
expect_json scenarios.name=recv_timeout.predicted_us 1000000
expect_json scenarios.name=zero_window.predicted_us 1000000
expect_json scenarios.name=syn_blackhole.predicted_by syn_sent
expect_json scenarios.name=fin.predicted_by rtt
expect_match "explain command" '^sockprobectl explain --keepalive 1s,1s,3' \
    "$(jget scenarios.name=keepalive.explain)"
net_json=$(jget network.peer_address)

OUT=$TEST_TMP/human.out
ERR=$TEST_TMP/human.err
RC=$rc_human
expect_rc "selftest" 0
expect_out '^SCENARIO +DEATH +SEEN BY +CAUSE +MEASURED +PREDICTED +VERDICT$'
for s in $SCENARIOS; do
	IFS=: read -r name tech cause <<EOF
$s
EOF
	expect_out "^$name +.* $tech +$cause +[0-9.]+ m?s +[0-9.]+ m?s +ok$"
done
expect_out '^8 of 8 within 20 % \+ 100 ms of the prediction'
expect_out "veth +spst${pid_human}h 10\.214\.[0-9]+\.1 <-> "
net_human=$(sed -nE 's/.*<-> (10\.214\.[0-9]+\.2) .*/\1/p' "$OUT")
[ -n "$net_human" ] && [ "$net_human" != "$net_json" ] ||
    fail "two runs at once share a subnet: '$net_human' '$net_json'"
[ ! -s "$ERR" ] || fail "stderr not empty: $(cat "$ERR")"
[ "$elapsed" -le 15000 ] || fail "two runs at once took $elapsed ms"

# SIGINT mid-run: cleanup, then death by SIGINT (130 in the shell).
st_start "$TEST_TMP/int.out" "$TEST_TMP/int.err"
pid=$ST_PID
wait_for 5 ip link show "spst${pid}h" || fail "no veth spst${pid}h within 5 s"
# What expect_clean looks for is there while a run lives.
expect_match "a live run's processes" "process $pid" "$(leftovers "$pid")"
sleep 1
kill -INT "$pid"
st_wait "$pid" 10
OUT=$TEST_TMP/int.out
ERR=$TEST_TMP/int.err
expect_rc "selftest interrupted" 130
expect_match "interrupted message" 'interrupted by .*removed' "$(cat "$ERR")"
[ ! -s "$OUT" ] || fail "interrupted run printed: $(cat "$OUT")"
expect_clean "$pid" "SIGINT"

# Not root: exit 2 with a clear message, before touching anything.
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$SOCKPROBECTL" \
	    selftest >"$TEST_TMP/nobody.out" 2>"$TEST_TMP/nobody.err"
	RC=$?
	OUT=$TEST_TMP/nobody.out
	ERR=$TEST_TMP/nobody.err
	expect_rc "selftest as nobody" 2
	expect_match "not root" 'selftest: must be run as root' \
	    "$(cat "$ERR")"
	[ ! -s "$OUT" ] || fail "nobody's run printed: $(cat "$OUT")"
else
	skip "setpriv (util-linux) is missing"
fi

# The cut fails when the peers, the connections and the kill peer are
# all up: exit 2 with nft's message, and every part of it removed.
fake=$TEST_TMP/fakenft
mkdir "$fake"
{
	echo '#!/bin/sh'
	echo '# The table goes in; the cut is refused.'
	echo 'input=$(cat)'
	echo 'case $input in'
	echo '*"add rule"*) echo "the cut is refused (test)" >&2; exit 1 ;;'
	echo 'esac'
	echo "printf '%s\\n' \"\$input\" | exec $(command -v nft) \"\$@\""
} >"$fake/nft"
chmod +x "$fake/nft"
PATH=$fake:$PATH SPST_TAG=$TAG "$SOCKPROBECTL" selftest \
    >"$TEST_TMP/cut.out" 2>"$TEST_TMP/cut.err" &
pid=$!
ST_PIDS="$ST_PIDS $pid"
st_wait "$pid" 20
OUT=$TEST_TMP/cut.out
ERR=$TEST_TMP/cut.err
expect_rc "selftest with a failing cut" 2
expect_match "the cut's error" 'selftest: .*nft -f failed: the cut is refused' \
    "$(cat "$ERR")"
[ ! -s "$OUT" ] || fail "the failed run printed: $(cat "$OUT")"
expect_clean "$pid" "a failed cut"

# nft missing from PATH: exit 2 naming it and its package.  The libtool
# wrapper of an uninstalled sockprobectl needs a few tools of its own.
bin=$TEST_TMP/bin
mkdir "$bin"
ln -s "$(command -v ip)" "$bin/ip"
for t in ls sed; do
	ln -s "$(command -v "$t")" "$bin/$t"
done
PATH=$bin "$SOCKPROBECTL" selftest >"$TEST_TMP/nonft.out" \
    2>"$TEST_TMP/nonft.err"
RC=$?
OUT=$TEST_TMP/nonft.out
ERR=$TEST_TMP/nonft.err
expect_rc "selftest without nft" 2
expect_match "nft missing" 'nft not found in PATH: it needs nftables' \
    "$(cat "$ERR")"
[ ! -s "$OUT" ] || fail "the run without nft printed: $(cat "$OUT")"
