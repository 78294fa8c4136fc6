#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# run.sh BINARY SECONDS: run one libFuzzer target (fuzz/fuzz-NAME) for a
# bounded time from its checked-in seeds, leaks detected, and say PASS or
# FAIL with its executions, coverage and corpus.  New inputs go to a
# scratch corpus next to the binary (fuzz/work/NAME), never into the
# source tree; a crash, leak or sanitizer report leaves its input there,
# named in the output, with the report's end.  Exit 0 on a clean run.

set -u

bin=$1
secs=$2
name=$(basename "$bin" | sed 's/^fuzz-//')
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
work=$(dirname "$bin")/work/$name
log=$work/fuzz.log

[ -x "$bin" ] || { echo "FAIL: fuzz-$name: $bin not built (make fuzz)"; exit 1; }
rm -rf "$work"
mkdir -p "$work/corpus"

seeds=("$top_srcdir/fuzz/corpus/$name")
# The configuration parser also starts from every golden file and the
# shipped example.
if [ "$name" = config ]; then
	seeds+=("$top_srcdir/tests/conf" "$top_srcdir/conf")
fi

start=$(date +%s)
# -timeout: one input may take 10 s before it counts as a hang;
# -rss_limit_mb: more than 2 GiB counts as a crash (unbounded growth).
# The outer timeout only guards against a fuzzer that will not stop.
timeout -k 10 $((secs + 120)) "$bin" \
	-max_total_time="$secs" -detect_leaks=1 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" "${seeds[@]}" \
	>"$log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))

# The final stats: "stat::number_of_executed_units: N" and the last
# status line "#N DONE cov: C ft: F corp: K/S ...".
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
cov=$(grep -Eo ' cov: [0-9]+' "$log" | tail -1 | tr -dc 0-9)
corp=$(grep -Eo ' corp: [0-9]+' "$log" | tail -1 | tr -dc 0-9)
summary="${elapsed}s, ${execs:-?} execs, cov ${cov:-?}, corpus ${corp:-?}"

if [ $rc -eq 0 ]; then
	echo "PASS: fuzz-$name ($summary)"
	exit 0
fi
echo "FAIL: fuzz-$name exit $rc ($summary)"
grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant broken|.*runtime error)' \
    "$log" | head -n 5
for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
	[ -f "$a" ] && echo "  input: $a (replay: fuzz/replay-$name $a)"
done
tail -n 30 "$log"
exit 1
