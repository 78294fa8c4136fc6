#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The endpoint over HTTP: GET /metrics answers 200 with the exposition
# content type and a text promtool accepts without a lint warning; HEAD
# the same headers without a body; any other method on /metrics 405 with
# Allow; any other path 404; an oversized request is refused and the
# daemon goes on; a client that connects and says nothing does not
# stall the loop; and the `metrics` control command returns the same
# families.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"
. "$top_srcdir/tests/daemon/held.sh"
. "$top_srcdir/tests/daemon/metrics.sh"

need_promtool
start_peer -l 127.0.0.1:0 -m hold
mport=$(free_port)
M=127.0.0.1:$mport
conf "[daemon]
metrics_listen = $M

[target db]
address = 127.0.0.1:$PEER_PORT
check_interval = 0
poll_interval = 200ms"
start_daemon
grep -q "metrics: serving http://$M/metrics" "$DLOG" ||
    fail "no 'serving' in the log: $(cat "$DLOG")"
wait_for 10 health_is db up || fail "db never up: $(health db)"
wait_sample "$M" 'sockprobe_up{target="db"}' 1

# GET: the text, as Prometheus expects it.
scrape "$M"
expect_eq "Content-Type" "text/plain; version=0.0.4; charset=utf-8" \
    "$(header Content-Type)"
expect_eq "Content-Length" "$(stat -c %s "$BODY")" \
    "$(header Content-Length)"
promtool_metrics
[ "$(tail -c 1 "$BODY" | od -An -c | tr -d ' ')" = '\n' ] ||
    fail "the text does not end with a newline"
# Every family has HELP and TYPE, and every sample a TYPE'd family.
awk '/^# HELP /{ h[$3] = 1; next } /^# TYPE /{ t[$3] = 1; next }
    { n = $1; sub(/\{.*/, "", n)
      if (!(n in t) || !(n in h)) { print n; bad = 1 } }
    END { exit bad }' "$BODY" >"$TEST_TMP/untyped" ||
    fail "samples without HELP or TYPE: $(sort -u "$TEST_TMP/untyped")"
for f in sockprobe_up sockprobe_health sockprobe_target_info \
    sockprobe_tcp_rtt_seconds sockprobe_tcp_rttvar_seconds \
    sockprobe_tcp_retransmits sockprobe_tcp_retransmitted_segments_total \
    sockprobe_tcp_lost_segments sockprobe_tcp_unacked_segments \
    sockprobe_keepalive_probes sockprobe_connect_seconds \
    sockprobe_events_total sockprobe_build_info sockprobe_epipe_total \
    sockprobe_host_sockets sockprobe_host_closewait_suspects \
    sockprobe_host_listen_queue_full \
    process_cpu_seconds_total process_resident_memory_bytes \
    process_virtual_memory_bytes process_open_fds process_max_fds \
    process_start_time_seconds; do
	grep -q "^$f[{ ]" "$BODY" || fail "no $f sample: $(cat "$BODY")"
done
expect_sample 'sockprobe_health{target="db",state="up"}' 1
expect_sample 'sockprobe_health{target="db",state="down"}' 0
fds=$(sample process_open_fds)
expect_between "process_open_fds" 3 64 "$fds"
cp "$BODY" "$TEST_TMP/get.body"

# A query string does not change the path.
http GET "$M" '/metrics?debug=1'
expect_eq "GET /metrics?debug=1" 200 "$HTTP_CODE"

# HEAD: the same status and type, no body.
http HEAD "$M" /metrics
expect_eq "HEAD /metrics" 200 "$HTTP_CODE"
expect_eq "HEAD Content-Type" "text/plain; version=0.0.4; charset=utf-8" \
    "$(header Content-Type)"
[ ! -s "$BODY" ] || fail "HEAD answered with a body: $(head -c 200 "$BODY")"

# Other methods on /metrics: 405, saying which are allowed.
for m in POST PUT DELETE PATCH OPTIONS TRACE; do
	http "$m" "$M" /metrics
	expect_eq "$m /metrics" 405 "$HTTP_CODE"
	expect_eq "$m /metrics Allow" "GET, HEAD" "$(header Allow)"
done

# Nothing but /metrics is served.
for p in / /metric /metrics/ /metricsx /Metrics /favicon.ico \
    /metrics/../metrics /debug/pprof; do
	http GET "$M" "$p"
	expect_eq "GET $p" 404 "$HTTP_CODE"
done
http POST "$M" /
expect_eq "POST /" 404 "$HTTP_CODE"

# Requests over the limits are refused; nobody else notices.
big=$(head -c 9000 /dev/zero | tr '\0' a)
http GET "$M" /metrics -H "X-Big: $big"
case $HTTP_CODE in
4??) ;;
*) fail "a 9000-byte header: status $HTTP_CODE, expected 4xx" ;;
esac
http POST "$M" /metrics -H "Content-Length: 100000"
case $HTTP_CODE in
4??) ;;
*) fail "a 100000-byte body announced: status $HTTP_CODE, expected 4xx" ;;
esac
daemon_alive

# A client that connects and sends nothing holds no one up.
exec 5<>"/dev/tcp/127.0.0.1/$mport" || fail "cannot connect to $M"
t0=$(now_ms)
scrape "$M"
ctl -s "$SOCK" --json hello
expect_rc "hello beside a silent HTTP client" 0
ms=$(( $(now_ms) - t0 ))
expect_between "scrape and hello beside a silent client (ms)" 0 2000 "$ms"
exec 5>&-

# The control command: the same text, families and all.
ctl -s "$SOCK" metrics
expect_rc "sockprobectl metrics" 0
promtool_metrics "$OUT"
families "$TEST_TMP/get.body" >"$TEST_TMP/fam.http"
families "$OUT" >"$TEST_TMP/fam.ctl"
diff -u "$TEST_TMP/fam.http" "$TEST_TMP/fam.ctl" >"$TEST_TMP/fam.diff" ||
    fail "control and HTTP families differ: $(cat "$TEST_TMP/fam.diff")"
expect_sample 'sockprobe_up{target="db"}' 1 "$OUT"
ctl -s "$SOCK" --json metrics
expect_rc "sockprobectl --json metrics" 0
expect_json content_type "text/plain; version=0.0.4; charset=utf-8"

daemon_alive
stop_daemon
