# Catalogue sheets: Chinese and English headers, multi-file rows and
# folders, BOM and GB18030, and every kind of bad sheet refused with the
# archive left as it was.
. "$HD_TOP/tests/lib.sh"
new_archive

B="$T/batch"
mkdir -p "$B/卷001"
printf '第一页：前锋街道居民委员会成立大会记录。\n' >"$B/卷001/p1.txt"
printf '第二页：选举产生第一届居委会主任。\n' >"$B/卷001/p2.txt"
printf '《红岩》书目简介：重庆解放前夕的斗争故事。\n' >"$B/红岩.txt"
printf '社区改造前的排水沟照片说明。\n' >"$B/a.txt"
printf '社区改造后的排水沟照片说明。\n' >"$B/b.txt"

sheet() { printf '\xEF\xBB\xBF'; cat; }
sheet >"$T/ok.csv" <<'CSV'
文件名,题名,责任者,日期,门类,保管期限,开放,主题词,人物,地点,页数,机构问题,附注,位置
卷001,前锋街道居民委员会成立大会记录,前锋街道办事处,1958-10-01,WS,Y,public,居委会;成立大会,,番禺市桥,2,SQ,"两页, 手写",一号库房-01柜-03盒
红岩.txt,红色读书角书目：《红岩》,社区图书室,2021,WS,D30,公开,红色读书角、革命文学,,,,DS,,
a.txt;b.txt,排水沟改造前后,前锋社区居委会,2022-05/2022-09,WS,D10,internal,老旧小区改造,,,,GZ,,
CSV

# bad sheets first: each refused, nothing stored
snapshot empty
bad() {
	local name=$1 expect=$2
	hd ingest --json --sheet "$T/bad.csv" "$B"
	status "$name-exit" 1
	has "$name-reason" "$ERR" "$expect"
	jq_is "$name-added" "d['added']" 0
	unchanged empty
}
sed 's/题名/标题/' "$T/ok.csv" >"$T/bad.csv"
bad unknown-header "unknown column '标题'"
sed 's/1958-10-01/1958-13-01/' "$T/ok.csv" >"$T/bad.csv"
bad invalid-date "date '1958-13-01'"
sed 's/红岩.txt/白岩.txt/' "$T/ok.csv" >"$T/bad.csv"
bad missing-file "names '白岩.txt', which is not in the batch"
grep -v '^a.txt' "$T/ok.csv" >"$T/bad.csv"
bad unnamed-file "not named by the catalogue sheet"
sed 's/,WS,Y,/,XX,Y,/' "$T/ok.csv" >"$T/bad.csv"
bad unknown-category "unknown category 'XX'"
sed 's/,D10,/,D99,/' "$T/ok.csv" >"$T/bad.csv"
bad unknown-retention "unknown retention 'D99'"
sed 's/,公开,/,秘密,/' "$T/ok.csv" >"$T/bad.csv"
bad unknown-access "unknown access '秘密'"
printf '文件名,题名\n"a.txt,坏\n' >"$T/bad.csv"
bad malformed-csv "malformed CSV"
hd ingest --sheet "$T/nosuch.csv" "$B"
status missing-sheet-exit 1
has missing-sheet-named "$ERR" "nosuch.csv"
unchanged empty

# the good sheet
hd ingest --json --approve --sheet "$T/ok.csv" "$B"
status sheet-exit 0
jq_is sheet-added "d['added']" 3
jq_is sheet-refs "sorted(r.split('-')[0]+'-'+r.split('-')[1] for r in d['records'])" "['QF01-WS·1958·Y', 'QF01-WS·2021·D30', 'QF01-WS·2022·D10']"
ref=$(python3 -c 'import json,sys; print([r for r in json.load(open(sys.argv[1]))["records"] if "1958" in r][0])' "$OUT")
hd show --json "$ref"
jq_is folder-row-two-files "[f['name'] for f in d['files']]" "['卷001/p1.txt', '卷001/p2.txt']"
jq_is sheet-creator "d['creator']" 前锋街道办事处
jq_is sheet-subjects "d['subjects']" "['居委会', '成立大会']"
jq_is sheet-location "d['location']" 一号库房-01柜-03盒
jq_is sheet-access "d['access']" public
jq_is sheet-status "d['status']" approved
jq_is sheet-description "d['description']" "两页, 手写"
jq_is approve-review-event "[e['agent'].startswith('cli:') for e in d['events'] if e['type']=='review']" "[True]"
hd search --json --public 排水沟
jq_is public-hides-internal "d['total']" 0
hd search --json 排水沟
jq_is archivist-sees-internal "d['total']" 1
hd search --json --public 居委会
jq_is public-sees-public "d['total']" 1
hd search --json --year 2020-2021 --public 红岩
jq_is year-filter-in "d['total']" 1
hd search --json --year 1990-2000 红岩
jq_is year-filter-out "d['total']" 0

# a GB18030 sheet (made on Chinese Windows) works the same
new_archive
python3 -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1],encoding="utf-8-sig").read().encode("gb18030"))' "$T/ok.csv" >"$T/gb.csv"
hd ingest --json --sheet "$T/gb.csv" "$B"
status gb18030-exit 0
jq_is gb18030-added "d['added']" 3
hd search --json 成立大会
jq_is gb18030-title "d['hits'][0]['title']" 前锋街道居民委员会成立大会记录
