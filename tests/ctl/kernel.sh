#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# kernel: every liveness sysctl of this host listed with its meaning; the
# JSON form parses and matches the files; an absent sysctl is "-"/null.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"

names="tcp_syn_retries tcp_syn_linear_timeouts tcp_synack_retries
tcp_retries1 tcp_retries2 tcp_orphan_retries tcp_fin_timeout
tcp_keepalive_time tcp_keepalive_intvl tcp_keepalive_probes tcp_rto_min_us
tcp_rto_max_ms"

ctl kernel
expect_rc kernel 0
expect_out '^SYSCTL +VALUE +MEANS +MEANING$'
for n in $names; do
	expect_out "^$n "
done

ctl kernel --json
expect_rc "kernel --json" 0
expect_json sysctls.# 12
expect_json sysctl_dir /proc/sys/net/ipv4
expect_json sysctls.name=tcp_fin_timeout.value \
    "$(cat /proc/sys/net/ipv4/tcp_fin_timeout)"
expect_json sysctls.name=tcp_keepalive_time.value \
    "$(cat /proc/sys/net/ipv4/tcp_keepalive_time)"

sys=$TEST_TMP/sysctl
sysctl_fixture "$sys"
echo 30 >"$sys/tcp_fin_timeout"
rm "$sys/tcp_syn_linear_timeouts"
ctl kernel --sysctl-dir "$sys" --json
expect_rc "kernel -k" 0
expect_json sysctl_dir "$sys"
expect_json sysctls.name=tcp_fin_timeout.value 30
expect_json sysctls.name=tcp_fin_timeout.effect_ms 30000
expect_json sysctls.name=tcp_keepalive_probes.value 9
expect_json sysctls.name=tcp_syn_linear_timeouts.present false
expect_json sysctls.name=tcp_syn_linear_timeouts.value null
ctl kernel -k "$sys"
expect_out '^tcp_syn_linear_timeouts +- '
expect_out '^tcp_fin_timeout +30 +30s '
