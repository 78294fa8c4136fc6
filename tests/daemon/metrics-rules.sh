#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The alert rules and the scrape configuration the README shows: the
# README quotes conf/sockprobe.rules.yml exactly; promtool accepts the
# rules, and the scrape configuration with them; and promtool's rule
# tests see "target down" pending at 45 s of sockprobe_up == 0 and firing
# at 1 m (only for the target that is down), "CLOSE_WAIT suspects" firing
# at the first evaluation that sees one, with their labels and words.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/daemon/metrics.sh"

need_promtool
rules=$top_srcdir/conf/sockprobe.rules.yml
readme=$top_srcdir/README.md
cd "$TEST_TMP" || fail "cd $TEST_TMP"

# block MARKER: the fenced block that follows <!-- MARKER --> in README.
block() {
	sed -n "/^<!-- $1 -->\$/,/^\`\`\`\$/p" "$readme" | sed '1,2d;$d'
}

block sockprobe.rules.yml >readme.rules
[ -s readme.rules ] || fail "README has no <!-- sockprobe.rules.yml --> block"
diff -u "$rules" readme.rules >rules.diff ||
    fail "README quotes another rules file: $(cat rules.diff)"

promtool check rules "$rules" >check.out 2>&1 ||
    fail "promtool check rules: $(cat check.out)"
grep -q 'SUCCESS: 2 rules found' check.out ||
    fail "expected 2 rules: $(cat check.out)"

# The scrape configuration, with the rules file beside it as it says.
block prometheus.yml >prometheus.yml
[ -s prometheus.yml ] || fail "README has no <!-- prometheus.yml --> block"
cp "$rules" sockprobe.rules.yml
promtool check config prometheus.yml >config.out 2>&1 ||
    fail "promtool check config: $(cat config.out)"
grep -q 'job_name: sockprobe' prometheus.yml ||
    fail "the scrape config has no sockprobe job"

# Series every 15 s: db goes down at 30 s, web never; a CLOSE_WAIT
# suspect appears at 60 s.
cat >rules.test.yml <<'EOF'
rule_files:
  - sockprobe.rules.yml
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'sockprobe_up{instance="h1:9469",job="sockprobe",target="db"}'
        values: '1 1 0 0 0 0 0 0 0 0'
      - series: 'sockprobe_up{instance="h1:9469",job="sockprobe",target="web"}'
        values: '1 1 1 1 1 1 1 1 1 1'
      - series: 'sockprobe_host_closewait_suspects{instance="h1:9469",job="sockprobe"}'
        values: '0 0 0 0 3 3 3 3 3 3'
    alert_rule_test:
      - eval_time: 75s
        alertname: SockprobeTargetDown
        exp_alerts: []
      - eval_time: 90s
        alertname: SockprobeTargetDown
        exp_alerts:
          - exp_labels:
              severity: critical
              instance: h1:9469
              job: sockprobe
              target: db
            exp_annotations:
              summary: db seen from h1:9469 is down
              description: >-
                sockprobed has had no live connection to db for a
                minute; `sockprobectl show db` on h1:9469 names the
                cause and the technique.
      - eval_time: 45s
        alertname: SockprobeCloseWaitSuspects
        exp_alerts: []
      - eval_time: 60s
        alertname: SockprobeCloseWaitSuspects
        exp_alerts:
          - exp_labels:
              severity: warning
              instance: h1:9469
              job: sockprobe
            exp_annotations:
              summary: 3 CLOSE_WAIT leak suspects on h1:9469
              description: >-
                Sockets on h1:9469 have stayed in CLOSE_WAIT longer than
                closewait_alarm: their owner never closed after the peer
                did.  `sockprobectl sockets` lists them by process.
EOF
promtool test rules rules.test.yml >test.out 2>&1 ||
    fail "promtool test rules: $(cat test.out)"
echo "$TEST_NAME: $(grep -c SUCCESS test.out) rule test file(s) passed"
