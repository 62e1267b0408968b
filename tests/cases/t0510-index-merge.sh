# The search index kept merged: every ingested batch leaves index
# segments of its own, "hongdang optimize" merges them into one, and the
# exhibit server does the same by itself once it has been quiet (at most
# a request a second, as a kiosk's attract loop) for --merge-idle
# seconds.  Searches find exactly what they found before and
# nothing stored changes; bad usage is refused with exit 2.
. "$HD_TOP/tests/lib.sh"
new_archive

# segments: "SEARCH HEADS", the segment counts of the two index tables.
segments() {
	sqlite3 "$D/hongdang.db" "SELECT (SELECT count(DISTINCT segid) FROM
		search_idx) || ' ' || (SELECT count(DISTINCT segid) FROM
		heads_idx)"
}
# batches FROM TO: one ingest of three public records per number.
batches() {
	local i j
	for i in $(seq "$1" "$2"); do
		mkdir -p "$T/in$i"
		for j in 1 2 3; do
			printf '第%s批第%s件：社区党员学习活动记录，前锋社区。\n' \
				"$i" "$j" >"$T/in$i/记录$j.txt"
		done
		hd ingest --approve --access public "$T/in$i"
		status "ingest_$i" 0
	done
}
batches 1 6
before=$(segments)
case "$before" in
"1 "* | "0 "* | "") fail many_segments "six batches left '$before'" ;;
*) pass many_segments ;;
esac

hd search --json --limit 50 党员
cp "$OUT" "$T/search.before"
hd search --json --limit 50 第4批
cp "$OUT" "$T/batch4.before"
snapshot merged

hd optimize --json
status optimize 0
jq_is optimize_before '(d["segments_before"]["search"],
	d["segments_before"]["heads"])' "(${before% *}, ${before#* })"
jq_is optimize_after '(d["segments"], d["steps"] >= 1, d["seconds"] >= 0)' \
	"({'search': 1, 'heads': 1}, True, True)"
ok optimize_on_disk [ "$(segments)" = "1 1" ]
# the same hits, snippets and order as before
hd search --json --limit 50 党员
ok optimize_same_hits cmp -s "$OUT" "$T/search.before"
jq_is optimize_all_found 'd["total"]' 18
hd search --json --limit 50 第4批
ok optimize_same_batch cmp -s "$OUT" "$T/batch4.before"
unchanged merged

# again: nothing left to merge, said so
hd optimize
status optimize_again 0
has optimize_again_text "$OUT" "search index: 1 segment -> 1; title index: 1 -> 1"

# Walks read Han runs by their trigrams; a query that mixes digits,
# punctuation or spaces with Han (2023年度, 社区。前锋) is walked by its
# pairs, so every form of the same words still finds the record.
mkdir -p "$T/mixed"
printf '2023年度工作报告：第3届全国代表大会在社区。前锋社区的党员参加。\n' \
	>"$T/mixed/报告.txt"
hd ingest --approve --access public "$T/mixed"
status mixed_ingest 0
for q in 2023年度工作报告 年度工作报告 第3届全国代表大会 '"社区。前锋社区"' \
	'"全国 代表"' 前锋社区的党员 工作报告 度工 报; do
	hd search --json "$q"
	jq_is "mixed_finds_$q" '[h["title"] for h in d["hits"]]' "['报告']"
done
hd search --json 前锋社区党员
jq_is mixed_phrase_apart 'd["total"]' 0
# malformed and boolean forms around a walked phrase: an unterminated
# quote or a stray bracket is searched as plain words
for q in '"全国代表大会' '全国代表大会"' '(全国代表大会' \
	'全国代表大会 AND 工作报告' 'NEAR(全国代表 大会)'; do
	hd search --json "$q"
	status "malformed_status_$q" 0
	jq_is "malformed_finds_$q" '[h["title"] for h in d["hits"]]' "['报告']"
done
hd search --json '全国代表大会 NOT 党员'
jq_is walked_not 'd["total"]' 0

# a restricted record: the archivist finds it by a walked phrase, a
# visitor by no form of it
mkdir -p "$T/secret"
printf '内部调查报告卷宗：只供档案员查阅。\n' >"$T/secret/卷宗.txt"
hd ingest --approve --access restricted "$T/secret"
status secret_ingest 0
hd search --json 调查报告卷宗
jq_is secret_archivist 'd["total"]' 1
for q in 调查报告卷宗 报告卷宗 卷宗 '"调查报告卷宗"'; do
	hd search --public --json "$q"
	jq_is "secret_public_$q" '(d["total"], d["hits"])' "(0, [])"
done

hd optimize --help
status optimize_help 0
has optimize_help_text "$OUT" "usage: hongdang [-d DIR] optimize [--json]"
hd optimize extra
status optimize_extra 2
has optimize_extra_named "$ERR" "'extra'"
hd optimize --fast
status optimize_unknown 2
has optimize_unknown_named "$ERR" "'--fast'"
hd_in "$T/nowhere" optimize
status optimize_no_archive 2
has optimize_no_archive_named "$ERR" "$T/nowhere"
# a data folder whose database is not one: refused, named, left as it was
mkdir -p "$T/corrupt"
yes '这不是数据库 not a database' | head -c 16384 >"$T/corrupt/hongdang.db"
sum0=$(sha256sum <"$T/corrupt/hongdang.db")
hd_in "$T/corrupt" optimize
ok optimize_corrupt_fails [ "$RC" -ne 0 ]
has optimize_corrupt_named "$ERR" "$T/corrupt"
ok optimize_corrupt_untouched [ "$(sha256sum <"$T/corrupt/hongdang.db")" = "$sum0" ]

# ----------------------------------------------- the server, when idle
PID=
# serve NAME ARGS...: start the server in the background, wait for it.
serve() {
	local name=$1
	shift
	server_start "$name" --templates "$HD_TOP/templates" --audit-hours 0 \
		"$@"
	PID=$SPID
}
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}
# api_total Q: the public total of /api/search?q=Q.
api_total() {
	curl -s --max-time 10 -G --data-urlencode "q=$1" \
		"http://127.0.0.1:$PORT/api/search" >"$OUT" 2>"$ERR"
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["total"])' \
		"$OUT" 2>/dev/null || echo "error: $(head -c 200 "$OUT")"
}

# --merge-idle 0: the server never merges, not even after an hour of
# quiet (the test clock, HONGDANG_TEST_CLOCK, moved on at once) and a
# second and a half, in which a merge thread would have looked
batches 7 9
before=$(segments)
HONGDANG_TEST_CLOCK="$CLOCK" serve never --merge-idle 0
clock_add 3600
sleep 1.5
ok never_answers [ "$(api_total 党员)" = 28 ]
ok never_secret [ "$(api_total 调查报告卷宗)" = 0 ]
ok never_secret_short [ "$(api_total 卷宗)" = 0 ]
ok never_merged [ "$(segments)" = "$before" ]
stop
case "$before" in
"1 "*) fail idle_unmerged "three batches left '$before'" ;;
*) pass idle_unmerged ;;
esac

# --merge-idle 1: merged a second after the last request, while serving
serve idle --merge-idle 1
ok idle_answers [ "$(api_total 党员)" = 28 ]
for i in $(seq 100); do
	[ "$(segments)" = "1 1" ] && break
	sleep 0.1
done
ok idle_merged [ "$(segments)" = "1 1" ]
ok idle_same_total [ "$(api_total 党员)" = 28 ]
ok idle_finds_new [ "$(api_total 第9批)" = 3 ]
stop
has idle_logged "$T/idle.err" "search index merged"

# a kiosk on its attract loop (a request a second) does not keep the
# server from merging
batches 10 11
serve kiosk --merge-idle 1
for i in $(seq 60); do
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/api/corridor"
	[ "$(segments)" = "1 1" ] && break
	sleep 1
done
ok kiosk_merged [ "$(segments)" = "1 1" ]
stop
# while a class searches (many requests a second) it waits
batches 12 13
before=$(segments)
serve busy --merge-idle 2
# four visitors searching at once for four seconds
pids=
for j in 1 2 3 4; do
	(
		t_end=$(($(date +%s) + 4))
		while [ "$(date +%s)" -lt "$t_end" ]; do
			curl -s -o /dev/null --max-time 5 \
			  "http://127.0.0.1:$PORT/api/search?q=%E5%85%9A%E5%91%98"
		done
	) &
	pids="$pids $!"
done
# shellcheck disable=SC2086  # a list of pids
wait $pids
ok busy_not_merged [ "$(segments)" = "$before" ]
ok busy_answers [ "$(api_total 党员)" = 40 ]
stop

serve bad_value --merge-idle soon
wait "$PID" 2>/dev/null
RC=$?
PID=
status merge_idle_bad 2
has merge_idle_bad_named "$T/bad_value.err" "--merge-idle 'soon'"
