# Ingest of a folder of Chinese text files: references, names, events,
# duplicates, dry run, search and verify.
. "$HD_TOP/tests/lib.sh"
new_archive

B="$T/batch"
mkdir -p "$B/会议纪要"
printf '前锋社区居民议事协商会纪要\n\n会议讨论了番禺区老旧小区改造中的排污管道更换和停车位规划。\n' \
	>"$B/会议纪要/1998-03-12 议事会（第一次）.txt"
printf '新建社区。党员带头学习，开展楼道微更新志愿服务。\n' >"$B/党员学习.txt"
printf '<html><body><h1>社区夜校</h1><p>祠堂改作夜校，居民识字扫盲。</p><script>var x="不该被索引";</script></body></html>' >"$B/夜校.html"

hd ingest --dry-run --json "$B"
status dry-run-exit 0
jq_is dry-run-would-add "d['added']" 3
jq_is dry-run-no-batch "d['batch']" None
ok dry-run-stores-nothing test -z "$(find "$D/objects" -type f)"
hd search --json 番禺
jq_is dry-run-not-searchable "d['total']" 0

hd ingest --json --class SQ "$B"
status ingest-exit 0
jq_is ingest-added "d['added']" 3
jq_is ingest-duplicates "d['duplicates']" 0
jq_is ingest-no-rejects "len(d['rejected'])" 0
jq_is ingest-ref-form "all(__import__('re').fullmatch(r'QF01-WS·\d{4}·Y-SQ-\d{4}', r) for r in d['records'])" True
jq_is ingest-dated-from-name "any('·1998·' in r for r in d['records'])" True
ok ingest-three-objects test "$(find "$D/objects" -type f | wc -l)" -eq 3
cp "$OUT" "$T/first.json"
snapshot after-first

# original names kept byte for byte, content byte for byte
ref=$(python3 -c 'import json,sys; print([r for r in json.load(open(sys.argv[1]))["records"] if "·1998·" in r][0])' "$T/first.json")
hd show --json "$ref"
status show-exit 0
jq_is show-name-kept "d['files'][0]['name']" "会议纪要/1998-03-12 议事会（第一次）.txt"
jq_is show-title "d['title']" "1998-03-12 议事会（第一次）"
jq_is show-date "d['date']" "1998-03-12"
jq_is show-status "d['status']" pending
jq_is show-access "d['access']" internal
jq_is show-mime "d['files'][0]['mime']" text/plain
jq_is show-events "[e['type'] for e in d['events']]" "['collect', 'ingest']"
sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["sha256"])' "$OUT")
ok object-byte-identical cmp "$D/objects/${sha:0:2}/${sha:2}" "$B/会议纪要/1998-03-12 议事会（第一次）.txt"
hd show "${ref//·/.}"
status show-dot-form 0

# re-ingest: nothing added, duplicates reported
hd ingest --json --class SQ "$B"
status reingest-exit 0
jq_is reingest-added "d['added']" 0
jq_is reingest-duplicates "d['duplicates']" 3
unchanged after-first

# search: 1, 2 and 4 characters, HTML snippet, no script text indexed
hd search --json 番禺
jq_is search-two-chars "d['total']" 1
jq_is search-snippet-mark "'<mark>番禺</mark>' in d['hits'][0]['snippet']" True
hd search --json 档
jq_is search-one-char-none "d['total']" 0
hd search --json 祠
jq_is search-one-char "d['total']" 1
hd search --json 前锋社区
jq_is search-four-chars "d['total']" 1
jq_is search-four-mark "'<mark>前锋社区</mark>' in d['hits'][0]['snippet']" True
hd search --json 不该被索引
jq_is search-no-script "d['total']" 0
hd search --json 区党
jq_is search-no-pair-across-words "d['total']" 0
hd search --json '"unbalanced (AND'
status search-syntax-never-error 0
hd search --json 'NOT'
status search-bare-operator 0
# a visitor sees nothing: everything is pending and internal
hd search --json --public 社区
jq_is search-public-hides-pending "d['total']" 0

# progress on a terminal (files, bytes, rate, time left), on stderr;
# none when stderr is not a terminal
P="$T/progress"
mkdir -p "$P"
for i in $(seq 1 60); do
	printf '第%s期社区简报：楼道微更新进展。\n' "$i" >"$P/简报$i.txt"
done
"$HONGDANG" -d "$T/pa" init --fonds QF01 --name 进度 >/dev/null 2>&1
hd_in "$T/pa" ingest "$P"
status progress-pipe-exit 0
lacks progress-silent-off-terminal "$ERR" "个文件"
"$HONGDANG" -d "$T/pb" init --fonds QF01 --name 进度 >/dev/null 2>&1
script -qec "'$HONGDANG' -d '$T/pb' ingest '$P' >/dev/null" /dev/null \
	>"$OUT" 2>"$ERR"
RC=$?
status progress-tty-exit 0
has progress-tty-files "$OUT" "60/60 个文件"
has progress-tty-rate "$OUT" "MB/s"
has progress-tty-eta "$OUT" "剩余约"

hd verify --json
status verify-ok-exit 0
jq_is verify-objects "d['objects']" 3
jq_is verify-chain "d['chain']" ok

# Two ingests of one batch started at once store it once: the duplicate
# check and the insert are one step under the write lock, so the second
# finds every file known (two rounds, each on a fresh folder).
R="$T/race"
mkdir -p "$R/batch"
for i in $(seq 200); do
	printf '街道档案第 %d 号：居民议事记录。\n' "$i" >"$R/batch/记录$i.txt"
done
for round in 1 2; do
	"$HONGDANG" -d "$R/a$round" init --fonds QF01 --name 并发 >/dev/null \
		2>&1
	"$HONGDANG" -d "$R/a$round" ingest "$R/batch" >"$R/o1" 2>&1 &
	p1=$!
	"$HONGDANG" -d "$R/a$round" ingest "$R/batch" >"$R/o2" 2>&1 &
	p2=$!
	wait "$p1"; r1=$?
	wait "$p2"; r2=$?
	ok "race$round-both-ran" test "$r1" -eq 0 -a "$r2" -eq 0
	n=$(sqlite3 "$R/a$round/hongdang.db" "SELECT count(*) FROM records")
	ok "race$round-stored-once" test "$n" -eq 200
	n=$(sqlite3 "$R/a$round/hongdang.db" "SELECT count(*) FROM (SELECT
	    sha256 FROM files GROUP BY sha256 HAVING count(*) > 1)")
	ok "race$round-no-file-twice" test "$n" -eq 0
	ok "race$round-second-all-duplicates" grep -q '新增 0 件，重复 200 件' \
		"$R/o1" "$R/o2"
	"$HONGDANG" -d "$R/a$round" verify >/dev/null 2>&1
	ok "race$round-verify" test $? -eq 0
done
