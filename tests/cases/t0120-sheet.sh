# Catalogue sheets: Chinese and English headers, multi-file rows and
# folders, BOM and GB18030, .xlsx from openpyxl and as Excel writes it
# (the same catalogue as from CSV), Excel's date forms, and every kind of
# bad sheet (hostile .xlsx and files of other kinds too) refused with
# the archive left as it was.
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

# ---- .xlsx sheets.  tests/data/xlsx holds one catalogue as Excel (zh-CN)
# saves it as CSV, and as .xlsx from openpyxl, as Excel writes it (shared
# strings, date cells, the catalogue on a tab that is not the first sheet
# of the file) and with Excel for Mac's 1904 dates; make.py made them.
X="$HD_TOP/tests/data/xlsx"
XB="$T/xbatch"
mkdir -p "$XB/卷001"
for f in 卷001/p1.txt 卷001/p2.txt 红岩.txt a.txt b.txt 通知.txt 合影.txt \
    名单.txt; do
	printf '%s：社区档案测试文本。\n' "$f" >"$XB/$f"
done
# described NAME: every record of the last ingest, as "show --json" gives
# it without events and file hashes, one line each, into $T/cat.NAME.
described() {
	python3 - "$HONGDANG" "$D" "$OUT" >"$T/cat.$1" <<'PY'
import json, subprocess, sys
hd, d, out = sys.argv[1:]
for ref in sorted(json.load(open(out))['records']):
    r = json.loads(subprocess.run([hd, '-d', d, 'show', '--json', ref],
                                  capture_output=True, check=True).stdout)
    r.pop('events')
    r['files'] = [f['name'] for f in r['files']]
    print(json.dumps(r, ensure_ascii=False, sort_keys=True))
PY
}
for s in catalogue.csv openpyxl.xlsx excel.xlsx excel1904.xlsx; do
	D="$T/arch-$s"
	new_archive
	hd ingest --json --sheet "$X/$s" "$XB"
	status "$s-exit" 0
	jq_is "$s-added" "d['added']" 6
	described "$s"
done
for s in openpyxl.xlsx excel.xlsx excel1904.xlsx; do
	ok "$s-same-catalogue-as-csv" \
		cmp -s "$T/cat.catalogue.csv" "$T/cat.$s"
done
has xlsx-serial-is-a-date "$T/cat.excel.xlsx" '"date": "1958-10-01"'
has xlsx-chinese-date-format "$T/cat.excel.xlsx" '"date": "1985-01-05"'
has xlsx-text-date "$T/cat.excel.xlsx" '"date": "1985-03-12"'
has xlsx-persons "$T/cat.excel.xlsx" '"persons": ["张桂英", "王建国"]'
has xlsx-rich-text-title "$T/cat.excel.xlsx" \
	'"title": "关于召开第一届居民代表大会的通知"'
has xlsx-number-pages "$T/cat.excel.xlsx" '"pages": 3'
has xlsx-formula-text "$T/cat.excel.xlsx" '"location": "一号库房-01柜-03盒"'
D="$T/arch-excel.xlsx"
hd search --json --public 排水沟
jq_is xlsx-access-kept "d['total']" 0

# the kind is told by the content, not the name
D="$T/arch-misnamed"
new_archive
cp "$X/excel.xlsx" "$T/目录（导出）.csv"
hd ingest --json --sheet "$T/目录（导出）.csv" "$XB"
status xlsx-named-csv-exit 0
jq_is xlsx-named-csv-added "d['added']" 6

# the least an .xlsx can be: inline strings, no styles, no shared strings
MB="$T/mbatch"
mkdir -p "$MB"
cp "$XB/通知.txt" "$MB/"
D="$T/arch-minimal"
new_archive
hd ingest --json --sheet "$X/minimal.xlsx" "$MB"
status minimal-exit 0
jq_is minimal-added "d['added']" 1
hd show --json "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["records"][0])' "$OUT")"
jq_is minimal-title "d['title']" 居民大会通知
jq_is minimal-date "d['date']" 1985-01-05

# bad sheets: each refused in one message that names the file once, exit
# 1, nothing stored (hostile.py makes them: a zip bomb, not a zip, ...)
D="$T/arch-bad"
new_archive
hd ingest --json --sheet "$X/catalogue.csv" "$XB"
snapshot stored
python3 "$X/hostile.py" "$T/bad" || fail hostile.py "made no bad sheets"
refused_sheet() {
	local name=$1 file="$T/bad/$1" expect=$2
	hd ingest --json --sheet "$file" "$XB"
	status "$name-exit" 1
	has "$name-message" "$ERR" "$file: $expect"
	jq_is "$name-path" "d['rejected'][0]['path']" "$file"
	jq_is "$name-named-once" "d['rejected'][0]['reason'].count('$1')" 0
	jq_is "$name-added" "d['added']" 0
	unchanged stored
}
refused_sheet bomb.xlsx \
	"xl/worksheets/sheet1.xml unpacks to more than 128 MiB (a zip bomb?)"
refused_sheet notzip.xlsx "not a readable .xlsx (zip) file"
refused_sheet nosheet.xlsx \
	"the worksheet '目录' (xl/worksheets/sheet1.xml) is missing"
refused_sheet entity.xlsx \
	"xl/worksheets/sheet1.xml declares a document type (<!DOCTYPE>)"
refused_sheet laughs.xlsx "xl/sharedStrings.xml declares a document type"
refused_sheet rows.xlsx "more than 100000 rows"
refused_sheet manysst.xlsx \
	"xl/sharedStrings.xml: more than 1000000 shared strings"
KINDS="not a catalogue sheet: give CSV (UTF-8 or GB18030) or .xlsx"
refused_sheet doc.ods "an OpenDocument spreadsheet (.ods), $KINDS"
refused_sheet old.xls "an Office 97-2003 file (.xls or .doc), $KINDS"
refused_sheet scan.pdf "a PDF document, not a catalogue sheet"
lacks entity-no-passwd "$ERR" "root:"
# the path given once on each line, also for a sheet that is not there
hd ingest --sheet "$T/bad/nosuch.xlsx" "$XB"
status nosuch-exit 1
ok nosuch-named-once test "$(cat "$OUT" "$ERR" | grep -c 'nosuch.*nosuch')" \
	-eq 0
has nosuch-message "$ERR" "$T/bad/nosuch.xlsx: no such sheet"

# Excel's date forms in a CSV: 1985/1/5 and the rest are days, 1985/1990
# stays a range of years
printf '%s\n' '文件名,题名,日期' '通知.txt,通知,1985/1/5' \
	'合影.txt,合影,1985.1.5' '名单.txt,名单,1985年1月5日' \
	'a.txt;b.txt,排水沟,1985/01/05' '红岩.txt,红岩,1985-1-5' \
	'卷001,成立大会,1985/1990' >"$T/forms.csv"
D="$T/arch-forms"
new_archive
hd ingest --json --sheet "$T/forms.csv" "$XB"
status date-forms-exit 0
described forms
ok date-forms-days test \
	"$(grep -c '"date": "1985-01-05"' "$T/cat.forms")" -eq 5
has date-forms-range "$T/cat.forms" '"date": "1985/1990"'
snapshot forms
sed 's#1985/1990#1985/1/5/1990#' "$T/forms.csv" >"$T/forms-bad.csv"
hd ingest --json --sheet "$T/forms-bad.csv" "$XB"
status date-slash-both-ways-exit 1
has date-slash-both-ways "$ERR" "date '1985/1/5/1990' is not a valid date"
unchanged forms
