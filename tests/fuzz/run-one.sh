#!/bin/sh
# run-one.sh NAME SECONDS OUT: run the libFuzzer target build-fuzz/fuzz/
# fuzz_NAME for SECONDS over the corpus OUT/corpus_NAME (made when
# missing, kept afterwards) and the seeds tests/fuzz/corpus_NAME, with the
# log in OUT/NAME.log and anything found in OUT/NAME-crash-... (or -leak-,
# -timeout-, -oom-).  Prints one line, "NAME: N runs, cov C, ft F, corpus
# K inputs, E exec/s, ok" (or "FOUND: <file>"), also into OUT/NAME.sum,
# and exits 1 when the target found something, after the log's last 40
# lines.
set -u
name=$1 seconds=$2 out=$3
bin=build-fuzz/fuzz/fuzz_$name
log=$out/$name.log
mkdir -p "$out/corpus_$name"
"$bin" -max_total_time="$seconds" -print_final_stats=1 \
	-artifact_prefix="$out/$name-" \
	"$out/corpus_$name" "tests/fuzz/corpus_$name" >"$log" 2>&1
rc=$?
# the last status line libFuzzer printed: "#N DONE cov: C ft: F corp: K/..."
last=$(grep -a -E '^#[0-9]+' "$log" | grep -a 'cov:' | tail -1)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
found=$(sed -n "s/.*Test unit written to \(.*\)/\1/p" "$log" | head -1)
if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
	result=ok
else
	result="FOUND: ${found:-exit status $rc}"
fi
printf '%s: %s runs, cov %s, ft %s, corpus %s inputs, %s exec/s, %s\n' \
	"$name" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
	"${speed:-?}" "$result" | tee "$out/$name.sum"
if [ "$result" != ok ]; then
	tail -40 "$log"
	exit 1
fi
