# Chinese search that finds what people type, on the sample collection
# (build/sample, loaded as "make run" does, without OCR for speed):
# traditional and simplified find each other (檔案 = 档案, 黨員 = 党员),
# pinyin finds Chinese (panyu, pan yu, dangan, qianfeng), snippets mark
# the document's own characters, /api/suggest suggests by characters,
# pinyin and initials from public records only, and an archive of
# schema version 1 is brought to version 9 by a reader that opens it.
. "$HD_TOP/tests/lib.sh"
new_archive

SAMPLE="$HD_BUILD/sample"
[ -f "$SAMPLE/目录.csv" ] ||
	{ fail sample "no $SAMPLE (make sample)"; exit 1; }
hd ingest --approve --no-ocr --sheet "$SAMPLE/目录.csv" "$SAMPLE"
status ingest 0

# total QUERY: the number of hits "search --json" reports for QUERY.
total() {
	"$HONGDANG" -d "$D" search --json --limit 50 "$1" >"$OUT" 2>"$ERR"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["total"])' "$OUT" 2>/dev/null ||
		echo "error: $(head -c 200 "$ERR")"
}
# same NAME A B: queries A and B find the same number of records (> 0).
same() {
	local a b
	a=$(total "$2")
	b=$(total "$3")
	if [ "$a" = "$b" ] && [ "$a" != 0 ] && [ "${a#error}" = "$a" ]; then
		pass "$1"
	else
		fail "$1" "'$2' finds $a, '$3' finds $b"
	fi
}

hd search 檔案
status trad_status 0
has trad_finds "$OUT" "档案查阅操作规程"
same trad_same 檔案 档案
same dangyuan 黨員 党员
same trad_phrase 檔案館 档案馆

hd search panyu
status panyu_status 0
has panyu_finds "$OUT" "前锋街居民庆祝番禺撤县设市"
same panyu_same panyu 番禺
same pan_yu_same "pan yu" 番禺
same panyu_case PanYu 番禺
same dangan dangan 档案
same qianfeng qianfeng 前锋
same qianfeng_shequ "qianfeng shequ" "前锋 社区"

hd search --json panyu
has panyu_mark "$OUT" "<mark>番禺</mark>"
# A pinyin phrase of n syllables is n-1 pair tokens in the index (fts.h);
# the snippet still marks all n characters, as written in the document
# (traditional, with an OCR space), and never widens a Han match.
mkdir -p "$T/trad"
printf '%s\n' '本館收藏番 禺舊照與檔案，前鋒社區居民捐贈。' \
	>"$T/trad/舊照說明.txt"
hd ingest --approve --no-ocr "$T/trad"
status trad_ingest 0
hd search --json "pan yu"
has pan_yu_mark "$OUT" "<mark>番禺</mark>"
hd search --json 舊照說明 panyu
has widen_trad_space "$OUT" "<mark>番 禺</mark>"
hd search --json 舊照說明 dangan
has widen_trad "$OUT" "<mark>檔案</mark>"
hd search --json 舊照說明 qianfengshequ
has widen_long "$OUT" "<mark>前鋒社區</mark>"
hd search --json 舊照說明 番
has han_not_widened "$OUT" "<mark>番</mark> 禺"
lacks han_not_widened2 "$OUT" "<mark>番 禺</mark>"
hd search --json 舊照說明 番 dangan
has han_beside_pinyin "$OUT" "<mark>番</mark> 禺舊照與<mark>檔案</mark>"
hd search --json 黨員
has trad_mark "$OUT" "<mark>党员</mark>"
# a restricted record: the archivist finds it by pinyin, with its mark
# widened; a visitor never does (checked on the server below)
mkdir -p "$T/secret"
printf '%s\n' '麒麟舞传承人登记表，含个人联系方式。' >"$T/secret/麒麟舞登记.txt"
hd ingest --approve --no-ocr --access restricted "$T/secret"
status secret_ingest 0
hd search --json qilinwu
has secret_archivist "$OUT" "<mark>麒麟舞</mark>"
hd search --public --json qilinwu
jq_is secret_cli_public '(d["total"], d["hits"])' "(0, [])"
# control bytes typed into a query (the tokenizer's pinyin marker, the
# snippet's mark bytes) are words like any other, never an error
hd search --json "$(printf '\001qi\047lin\002')"
status ctl_query 0
jq_is ctl_query_json 'type(d["hits"]).__name__' list
hd search history
has english_alone "$OUT" "共 0 条"

# ---------------------------------------------------------- suggestions
server_start serve
PID=$SPID
U=$URL

# suggest NAME Q: GET /api/suggest?q=Q into $OUT.
suggest() {
	curl -s --max-time 10 -G --data-urlencode "q=$2" "$U/api/suggest" \
		>"$OUT" 2>"$ERR"
	RC=$?
}
# texts: the suggestions' texts; all_start P: all of them begin with P
TEXTS='[x["text"] for x in d["suggestions"]]'
all_start() {
	echo "len($TEXTS) > 0 and all(t.startswith(\"$1\") for t in $TEXTS)"
}
suggest sug_chars 番
jq_is sug_chars "$(all_start 番)" True
jq_is sug_pinyin_field \
	'd["suggestions"][0].get("pinyin", "").startswith("pān yú")' True
suggest sug_pinyin pany
jq_is sug_pinyin "'番禺' in $TEXTS" True
suggest sug_initials py
jq_is sug_initials "'番禺' in $TEXTS" True
suggest sug_trad 檔案
jq_is sug_trad "$(all_start 档案)" True
suggest sug_kinds qianfeng
jq_is sug_kinds 'len(d["suggestions"]) > 0 and set(x["kind"] for x in
	d["suggestions"]) <= {"title", "person", "place", "subject"}' True
# internal and restricted records are never suggested
suggest sug_internal 老旧小区改造工程款
jq_is sug_internal 'd["suggestions"]' "[]"
suggest sug_restricted 党员档案
jq_is sug_restricted "[t for t in $TEXTS if t.startswith('党员档案：')]" \
	"[]"
suggest sug_empty ""
jq_is sug_empty 'd["suggestions"]' "[]"
# a visitor searching for the restricted record by pinyin, characters,
# or a raw pinyin request with control bytes gets nothing
secret_api() {
	curl -s --max-time 10 -G --data-urlencode "q=$2" "$U/api/search" \
		>"$OUT" 2>"$ERR"
	jq_is "$1" '(d["total"], d["hits"])' "(0, [])"
}
secret_api secret_api_pinyin qilinwu
secret_api secret_api_syllables "qi lin wu"
secret_api secret_api_chars 麒麟舞
secret_api secret_api_request "$(printf '\001qi\047lin\047wu')"
secret_api secret_api_marks "$(printf '\002\001\002')"
curl -s --max-time 10 -o "$OUT" -w '%{http_code}' -G \
	--data-urlencode "q=$(printf '\001qi\047lin\002')" "$U/search" \
	>"$T/code" 2>"$ERR"
ok ctl_page_200 test "$(cat "$T/code")" = 200
lacks secret_page "$OUT" "麒麟舞传承人"
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null

# ------------------------------------------------------------ migration
# What versions 2 (archive/schema2.sql) and 3 added, taken away: the
# archive is as version 1 made it, and a reader (search) must upgrade it.
# (heads, of version 5, stays: the sqlite3 shell cannot drop a table of
# the hongdang tokenizer; version 5 makes it anew.)
v2=$(sed -n -e 's/^CREATE TRIGGER \([a-z_]*\).*/DROP TRIGGER \1;/p' \
	-e 's/^ALTER TABLE \([a-z_]*\) ADD COLUMN \([a-z_]*\).*/ALTER TABLE \1 DROP COLUMN \2;/p' \
	-e 's/^CREATE TABLE \([a-z_]*\).*/DROP TABLE \1;/p' \
	"$HD_TOP/archive/schema2.sql" | tac)
sqlite3 "$D/hongdang.db" "PRAGMA foreign_keys = OFF;
	DROP TABLE suggest_keys; DROP TABLE suggest;
	DROP INDEX records_title; DROP INDEX records_place; $v2
	PRAGMA user_version = 1;" 2>"$ERR"
n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM sqlite_schema
	WHERE name IN ('users', 'pages', 'transfers', 'suggest')")
if [ "$n" = 0 ]; then pass old_made; else fail old_made "$n tables left"; fi
hd search 檔案
status old_search 0
has old_finds "$OUT" "档案查阅操作规程"
# the upgrade says where it starts and where it ended, on stderr only
has old_says_start "$ERR" "正在把档案库从第 1 版升级到第 11 版"
has old_says_done "$ERR" "档案库已升级到第 11 版"
lacks old_stdout_clean "$OUT" "升级"
ver=$(sqlite3 "$D/hongdang.db" "PRAGMA user_version")
n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM suggest")
u=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM users")
if [ "$ver" = 11 ] && [ "${n:-0}" -gt 0 ] && [ "$u" = 0 ]; then
	pass old_upgraded; else
	fail old_upgraded "user_version $ver, $n suggestions"
fi
# version 5 made the title-and-meta index anew, one row per record
h=$(sqlite3 "$D/hongdang.db" "SELECT (SELECT count(*) FROM heads_content)
	= (SELECT count(*) FROM records) AND (SELECT count(*) FROM records) > 0")
if [ "$h" = 1 ]; then pass old_heads; else fail old_heads "heads: $h"; fi
# Opened again, a current archive is not upgraded and says nothing.
hd search 檔案
status current_search 0
lacks current_silent "$ERR" "升级"
# On a terminal each step shows what it does and its share done: taken
# back to version 5, the two rebuilds of the index (6 and 7), the
# bookings' new table (8), the third rebuild (9), the harvest's
# tables (10) and the index made again with the body first (11) are
# shown.
sqlite3 "$D/hongdang.db" "PRAGMA user_version = 5" 2>"$ERR"
script -qec "'$HONGDANG' -d '$D' search 檔案 >/dev/null" /dev/null \
	>"$OUT" 2>"$ERR"
RC=$?
status upgrade_tty_exit 0
has upgrade_tty_step6 "$OUT" "第 1/6 步（第 6 版）三字检索：重建检索索引"
has upgrade_tty_step7 "$OUT" "第 2/6 步（第 7 版）精简拼音：重建检索索引  100%"
has upgrade_tty_step8 "$OUT" "第 3/6 步（第 8 版）讲解预约：可限额、可取消"
has upgrade_tty_step9 "$OUT" \
	"第 4/6 步（第 9 版）简繁原字优先：重建检索索引  100%"
has upgrade_tty_step10 "$OUT" "第 5/6 步（第 10 版）汇集各社区档案室的目录"
has upgrade_tty_step11 "$OUT" \
	"第 6/6 步（第 11 版）精简检索索引：正文列在前，重建检索索引  100%"
has upgrade_tty_done "$OUT" "档案库已升级到第 11 版"
# An upgrade that cannot take the write lock leaves the version alone
# and says so, naming the version it could not reach.
sqlite3 "$D/hongdang.db" "PRAGMA user_version = 6" 2>"$ERR"
python3 - "$D/hongdang.db" "$T/locked" <<'PY' &
import sqlite3, sys, os, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(15)
db.execute("ROLLBACK")
PY
LOCKER=$!
for _ in $(seq 50); do [ -e "$T/locked" ] && break; sleep 0.1; done
ok upgrade_lock_taken test -e "$T/locked"
hd search 檔案
kill "$LOCKER" 2>/dev/null
wait "$LOCKER" 2>/dev/null
ok upgrade_locked_fails test "$RC" -ne 0
has upgrade_locked_says "$ERR" "升级到第 7 版未成功，档案库仍是第 6 版"
has upgrade_locked_reason "$ERR" "locked"
ver=$(sqlite3 "$D/hongdang.db" "PRAGMA user_version")
ok upgrade_locked_version test "$ver" = 6
hd search 檔案
status upgrade_after_lock 0
ver=$(sqlite3 "$D/hongdang.db" "PRAGMA user_version")
ok upgrade_after_lock_version test "$ver" = 11

# ------------------------------------------------------------ the cap
# 1,100 public records that all say 龙舟: the command line counts every
# one; the server walks the newest 1,000 (and 200 title matches past
# them), says so ("capped", 至少) and still fills its page.
B="$T/big"
mkdir -p "$T/many"
for i in $(seq -w 1 1100); do
	printf '第%s号记录：端午龙舟竞渡，街坊在河涌边观看。\n' "$i" \
		>"$T/many/龙舟$i.txt"
done
"$HONGDANG" -d "$B" init --fonds QF02 --name '大批量' >/dev/null 2>"$ERR"
"$HONGDANG" -d "$B" ingest --approve --no-ocr --access public "$T/many" \
	>"$OUT" 2>"$ERR"
status cap_ingest 0
"$HONGDANG" -d "$B" search --json 龙舟 >"$OUT" 2>"$ERR"
jq_is cap_cli_exact 'd["total"]' 1100
# api_search Q: GET /api/search?q=Q into $OUT.
api_search() {
	curl -s --max-time 10 -G --data-urlencode "q=$1" "$U/api/search" \
		>"$OUT" 2>"$ERR"
}
"$HONGDANG" -d "$B" serve --listen "127.0.0.1:$PORT" 2>"$T/serve2.err" &
PID=$!
PIDS="$PIDS $PID"
for i in $(seq 100); do
	curl -s -o /dev/null --max-time 1 "$U/favicon.ico" && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
api_search "龙舟"
jq_is cap_api '(d["capped"], d["total"], len(d["hits"]))' "(True, 1100, 20)"
api_search "第0007号"
jq_is cap_api_rare '(d["capped"], d["total"], d["hits"][0]["title"])' \
	"(False, 1, '龙舟0007')"
curl -s --max-time 10 -G --data-urlencode "q=龙舟" "$U/search" \
	>"$OUT" 2>"$ERR"
has cap_page "$OUT" "共找到至少 1100 件档案"
# titles(Q): every title the API pages out for Q (100 a page), space-separated
titles() {
	$PY - "$U" "$1" <<'PYEOF'
import json, sys, urllib.parse, urllib.request
u, q = sys.argv[1], sys.argv[2]
out = []
for off in range(0, 1300, 100):
    url = u + "/api/search?" + urllib.parse.urlencode(
        {"q": q, "limit": 100, "offset": off})
    d = json.load(urllib.request.urlopen(url, timeout=10))
    out += [h["title"] for h in d["hits"]]
print(" ".join(out))
PYEOF
}
# a word excluded with NOT stays excluded when the walk is cut: the title
# matches past it (heads) cannot see the body, so they must not be added
t=$(titles "龙舟 NOT 第0001号")
case " $t " in
*" 龙舟0001 "*) fail cap_not "龙舟0001 is among the hits of 龙舟 NOT 第0001号" ;;
*" 龙舟0999 "*) pass cap_not ;;
*) fail cap_not "hits: $(echo "$t" | head -c 200)" ;;
esac
# nor counted: 1,099 records say 龙舟 without 第0001号
api_search "龙舟 NOT 第0001号"
jq_is cap_not_total '(d["capped"], 1000 <= d["total"] <= 1099)' "(True, True)"
# a record made restricted is neither a hit nor counted, also when it is
# found only through the title matches past the walk (the oldest record)
ok cap_restrict sqlite3 "$B/hongdang.db" "UPDATE records SET access =
	'restricted' WHERE title = '龙舟0001'"
t=$(titles "龙舟")
case " $t " in
*" 龙舟0001 "*) fail cap_restricted_hidden "龙舟0001 is public in the hits" ;;
*" 龙舟0002 "*) pass cap_restricted_hidden ;;
*) fail cap_restricted_hidden "hits: $(echo "$t" | head -c 200)" ;;
esac
api_search "龙舟"
jq_is cap_restricted_count '(d["capped"], d["total"])' "(True, 1099)"
api_search "第0001号"
jq_is cap_restricted_direct '(d["total"], d["hits"])' "(0, [])"
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
