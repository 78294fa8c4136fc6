# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the metrics scenarios (tests/daemon/metrics-*.sh) after
# tests/common.sh, tests/ctl/ctl.sh, tests/daemon/daemon.sh and
# tests/daemon/held.sh: one HTTP request with sp-httpget, a sample's
# value out of the text, and promtool, which CI installs (package
# prometheus).

: "${HTTPGET:=$top_builddir/tests/daemon/sp-httpget}"

HTTP_CODE=
HEAD=$TEST_TMP/http.head
BODY=$TEST_TMP/http.body

# need_promtool: promtool is there (skipping is a failure in CI).
need_promtool() {
	command -v promtool >/dev/null ||
	    skip "promtool is not installed (Debian package prometheus)"
}

# http METHOD HOST:PORT PATH [SP-HTTPGET ARGS...]: one request; HTTP_CODE
# is the status, $HEAD the header lines, $BODY the body.
http() {
	local method=$1 addr=$2 path=$3
	shift 3
	rm -f "$BODY"
	"$HTTPGET" -X "$method" -o "$BODY" "$@" "$addr" "$path" >"$HEAD" \
	    2>"$TEST_TMP/http.err" ||
	    fail "$method http://$addr$path: $(cat "$TEST_TMP/http.err")"
	HTTP_CODE=$(head -n 1 "$HEAD")
	[ -f "$BODY" ] || : >"$BODY"
}

# header NAME: the value of response header NAME in $HEAD, "" if absent.
header() {
	sed -n "2,\$ s/^$1: //Ip" "$HEAD" | head -n 1
}

# scrape HOST:PORT: GET /metrics, which must answer 200 with a body.
scrape() {
	http GET "$1" /metrics
	expect_eq "GET /metrics status" 200 "$HTTP_CODE"
	[ -s "$BODY" ] || fail "GET /metrics: empty body"
}

# sample SERIES [FILE]: the value of the sample written exactly SERIES
# (name{labels} as the daemon prints them), "" if there is none.
sample() {
	awk -v s="$1" 'index($0, s " ") == 1 && length($0) > length(s) {
		print substr($0, length(s) + 2); exit }' "${2:-$BODY}"
}

# expect_sample SERIES VALUE [FILE]
expect_sample() {
	expect_eq "$1" "$2" "$(sample "$1" "${3:-$BODY}")"
}

# sample_is ADDR SERIES VALUE: for wait_for, a fresh scrape each time.
sample_is() {
	"$HTTPGET" -o "$TEST_TMP/poll.body" "$1" /metrics >/dev/null \
	    2>&1 || return 1
	[ "$(sample "$2" "$TEST_TMP/poll.body")" = "$3" ]
}

# wait_sample ADDR SERIES VALUE: within 10 s, then $BODY holds that text.
wait_sample() {
	wait_for 10 sample_is "$@" || fail "$2 never became $3; last \
value '$(sample "$2" "$TEST_TMP/poll.body")'"
	cp "$TEST_TMP/poll.body" "$BODY"
}

# promtool_metrics [FILE]: `promtool check metrics` accepts the text and
# its linter has nothing to say.
promtool_metrics() {
	promtool check metrics <"${1:-$BODY}" >"$TEST_TMP/promtool" 2>&1 ||
	    fail "promtool check metrics: $(cat "$TEST_TMP/promtool")"
	[ ! -s "$TEST_TMP/promtool" ] ||
	    fail "promtool check metrics: $(cat "$TEST_TMP/promtool")"
}

# families [FILE]: the sorted "# TYPE" lines.
families() {
	grep '^# TYPE ' "${1:-$BODY}" | sort
}
