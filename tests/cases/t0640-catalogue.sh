# The staff catalogue (目录检索) as an archivist meets it: every record
# the staff may see, pending, returned, internal and restricted ones
# marked in words, found by words or by filters alone, while a visitor's
# search shows none of them; the catalogue as JSON; the CSV (UTF-8 with a
# BOM) and .xlsx downloads carry the records in the catalogue sheet's
# columns and go back in through "ingest --sheet" describing the same
# records; the staff record view with its tiles and originals, a
# restricted record's file refused without a consultation and logged
# (who, what, when) with one; a visitor is sent to the login page and
# bad filters are a 400 that searches nothing.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
need_sample
mapfile -t photos < <(find "$S" -name '*.jpg' | sort | head -3)

# one batch of five records, each in a state of its own
BATCH="$T/batch"
mkdir -p "$BATCH"
cp "${photos[0]}" "$BATCH/旧貌.jpg"
cp "${photos[1]}" "$BATCH/入党志愿书.jpg"
printf '夜校开学通知：社区夜校下月开学，欢迎居民报名。\n' >"$BATCH/夜校.txt"
printf '内部会议记录：讨论库房改造经费。\n' >"$BATCH/会议.txt"
printf '退回样例：改造前的街巷照片说明。\n' >"$BATCH/街巷.txt"
printf '入党志愿书抄件：我志愿加入中国共产党。\n' >"$BATCH/抄件.txt"
cat >"$T/sheet.csv" <<'EOF'
文件名,题名,责任者,日期,门类,保管期限,开放,主题词,人物,地点,页数,机构问题,附注,位置
旧貌.jpg,前锋村旧貌,前锋村委会,1985-05-01,ZP,Y,public,社区史;旧貌,李大伯;王阿婆,番禺,1,SQ,"附注，含“引号”、""英文引号""和,逗号",一号库房-01柜-02层-03盒
夜校.txt,夜校开学通知,前锋社区居委会,1986,WS,D30,public,夜校,,番禺,,SQ,,一号库房-01柜-02层-04盒
会议.txt,库房改造会议记录,前锋社区居委会,1990-03,WS,D10,internal,库房;改造,,,2,GZ,,二号库房-02柜
街巷.txt,街巷改造说明,前锋社区居委会,1992,WS,Y,public,改造,,南村,,GZ,,
入党志愿书.jpg;抄件.txt,张某某入党志愿书,,1978,RS,Y,restricted,,张某某,,,DJ,,三号库房-01柜
EOF
hd ingest --json --no-ocr --sheet "$T/sheet.csv" "$BATCH"
status ingest 0
mapfile -t refs < <(refs_of)
ok five-records test "${#refs[@]}" -eq 5
ref_of() {  # ref_of TITLE: the reference code of the record titled so
	sql "SELECT ref FROM records WHERE title = '$1'"
}
R_OLD=$(ref_of 前锋村旧貌)
R_SCHOOL=$(ref_of 夜校开学通知)
R_MEET=$(ref_of 库房改造会议记录)
R_STREET=$(ref_of 街巷改造说明)
R_RS=$(ref_of 张某某入党志愿书)
hd review approve "$R_OLD"
status approve-old 0
hd review approve "$R_MEET"
status approve-internal 0
hd review approve "$R_RS"
status approve-restricted 0
hd review return "$R_STREET" --reason '照片说明不全'
status return-street 0
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
serve main
login a zhang 'zhang-secret-77'
login r li 'li-reviews-88'

# ------------------------------------------------------------ the page
# row REF: the table row of REF on the last page (its <tr> ... </tr>)
row() {
	python3 - "$BODY" "$(dot "$1")" <<'EOF'
import re, sys
html = open(sys.argv[1], encoding='utf-8').read()
for tr in re.findall(r'<tr>(.*?)</tr>', html, re.S):
    if '/admin/record/' + sys.argv[2] + '"' in tr:
        print(re.sub(r'\s+', ' ', tr))
EOF
}
# rowhas NAME REF TEXT / rowlacks NAME REF TEXT: REF's row has TEXT
rowhas() {
	local r
	r=$(row "$2")
	case "$r" in *"$3"*) pass "$1" ;; *) fail "$1" "'$3' not in row: $r" ;; esac
}
rowlacks() {
	local r
	r=$(row "$2")
	if [ -z "$r" ]; then fail "$1" "no row for $2"; return; fi
	case "$r" in *"$3"*) fail "$1" "'$3' in row: $r" ;; *) pass "$1" ;; esac
}
req a GET /admin/search
code list-200 200
has list-all-five "$BODY" '共 <strong>5</strong> 件'
rowhas badge-pending "$R_SCHOOL" '待审核'
rowhas badge-returned "$R_STREET" '已退回'
rowhas badge-internal "$R_MEET" '内部'
rowhas badge-restricted "$R_RS" '受限'
rowlacks published-no-status-badge "$R_OLD" 'badge'
rowhas location-shown "$R_OLD" '一号库房-01柜-02层-03盒'
rowlacks restricted-no-thumb "$R_RS" '/admin/img/thumb/'
rowhas public-thumb "$R_OLD" '/admin/img/thumb/'
hdr list-no-cache Cache-Control no-
req a GET "/admin/search?q=$(urlq 入党)"
code search-restricted-200 200
has search-finds-restricted "$BODY" "$(dot "$R_RS")"
has search-total-one "$BODY" '共 <strong>1</strong> 件'
# the reviewer's role sees the catalogue too (it reviews these records)
req r GET "/admin/search?q=$(urlq 会议记录)"
code reviewer-catalogue 200
has reviewer-sees-internal "$BODY" "$(dot "$R_MEET")"

# a visitor: no catalogue, and the public search shows only the one
# approved public record
req - GET /admin/search
code visitor-to-login 303
hdr visitor-login-location Location /admin/login
req - GET "/admin/api/search?q=$(urlq 改造)"
code visitor-api-to-login 303
req - GET /admin/search.csv
code visitor-csv-to-login 303
req - GET /admin/search.xlsx
code visitor-xlsx-to-login 303
for w in 夜校 会议记录 街巷 入党 旧貌; do
	req - GET "/api/search?q=$(urlq "$w")"
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$BODY")
	if [ "$w" = 旧貌 ]; then want=1; else want=0; fi
	ok "public-api-$w" test "$n" = "$want"
	req - GET "/search?q=$(urlq "$w")"
	if [ "$w" = 旧貌 ]; then
		has "public-page-$w" "$BODY" "$(dot "$R_OLD")"
	else
		for r in "$R_SCHOOL" "$R_MEET" "$R_STREET" "$R_RS"; do
			lacks "public-page-$w-$(dot "$r")" "$BODY" "$(dot "$r")"
		done
	fi
done

# ------------------------------------------------------------ filters
# refs_on PATH: the reference codes the catalogue page PATH lists
refs_on() {
	req a GET "$1"
	grep -o 'class="ref"><a href="/admin/record/[^"]*"' "$BODY" |
		sed 's/.*record\///; s/"$//' | sort | tr '\n' ' '
}
want() {  # want REF...: the dotted codes sorted, as refs_on gives them
	local r
	for r in "$@"; do dot "$r"; done | sort | tr '\n' ' '
}
ok filter-status-pending test "$(refs_on '/admin/search?status=pending')" = "$(want "$R_SCHOOL")"
ok filter-status-returned test "$(refs_on '/admin/search?status=returned')" = "$(want "$R_STREET")"
ok filter-status-approved test "$(refs_on '/admin/search?status=approved')" = "$(want "$R_OLD" "$R_MEET" "$R_RS")"
ok filter-access-internal test "$(refs_on '/admin/search?access=internal')" = "$(want "$R_MEET")"
ok filter-access-restricted test "$(refs_on '/admin/search?access=restricted')" = "$(want "$R_RS")"
ok filter-access-public test "$(refs_on '/admin/search?access=public')" = "$(want "$R_OLD" "$R_SCHOOL" "$R_STREET")"
ok filter-category-zp test "$(refs_on '/admin/search?category=ZP')" = "$(want "$R_OLD")"
ok filter-category-name test "$(refs_on "/admin/search?category=$(urlq 人事)")" = "$(want "$R_RS")"
ok filter-years test "$(refs_on '/admin/search?year_from=1985&year_to=1986')" = "$(want "$R_OLD" "$R_SCHOOL")"
ok filter-year-from test "$(refs_on '/admin/search?year_from=1990')" = "$(want "$R_MEET" "$R_STREET")"
ok filter-fonds test "$(refs_on '/admin/search?fonds=QF01')" = "$(want "$R_OLD" "$R_SCHOOL" "$R_MEET" "$R_STREET" "$R_RS")"
ok filter-fonds-other test "$(refs_on '/admin/search?fonds=QF99')" = ""
ok filter-batch test "$(refs_on '/admin/search?batch=1&access=public&status=pending')" = "$(want "$R_SCHOOL")"
ok filter-batch-other test "$(refs_on '/admin/search?batch=2')" = ""
ok filter-location test "$(refs_on "/admin/search?location=$(urlq 一号库房-01柜)")" = "$(want "$R_OLD" "$R_SCHOOL")"
ok filter-place test "$(refs_on "/admin/search?place=$(urlq 南村)")" = "$(want "$R_STREET")"
ok filter-person test "$(refs_on "/admin/search?person=$(urlq 张某某)")" = "$(want "$R_RS")"
ok filter-words-and-status test "$(refs_on "/admin/search?q=$(urlq 改造)&status=returned")" = "$(want "$R_STREET")"
req a GET '/admin/search?access=internal'
has filter-kept-selected "$BODY" '<option value="internal" selected>'
has facet-status "$BODY" '>状态</h2>'
req a GET /admin/search
has facet-chip-pending "$BODY" '待审核 <span class="count">1</span>'
has facet-chip-restricted "$BODY" '受限 <span class="count">1</span>'
# sortable columns: by reference code, both ways
req a GET '/admin/search?sort=ref&order=asc'
first_asc=$(grep -o 'class="ref"><a href="/admin/record/[^"]*"' "$BODY" | head -1)
req a GET '/admin/search?sort=ref&order=desc'
first_desc=$(grep -o 'class="ref"><a href="/admin/record/[^"]*"' "$BODY" | head -1)
ok sort-flips test -n "$first_asc" -a "$first_asc" != "$first_desc"
has sort-aria "$BODY" 'aria-sort="descending"'
# bad filters: 400 naming the filter, nothing searched
for bad in 'status=lost:状态' 'access=secret:开放级别' 'category=XX:门类' \
	'year_from=85:起始年份' 'year_from=1990&year_to=1980:年份范围' \
	'batch=abc:批次' 'page=0:页码' 'page=9:页码' 'sort=size:排序' \
	'order=up:顺序'; do
	req a GET "/admin/search?${bad%%:*}"
	code "bad-${bad%%:*}" 400
	has "bad-${bad%%:*}-named" "$BODY" "${bad##*:}"
done

# --------------------------------------------------------------- JSON
req a GET "/admin/api/search?q=$(urlq 改造)"
code api-200 200
hdr api-json Content-Type application/json
cp "$BODY" "$OUT"
jq_is api-shape "sorted(d.keys())" "['hits', 'query', 'total']"
jq_is api-hits "sorted((h['ref'], h['status'], h['access']) for h in d['hits'])" "$(python3 -c '
import sys; print(sorted([(sys.argv[1], "approved", "internal"), (sys.argv[2], "returned", "public")]))' "$R_MEET" "$R_STREET")"
hd search --json 改造
jq_is api-as-cli "sorted(h['ref'] for h in d['hits'])" "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$R_MEET" "$R_STREET")"
req a GET '/admin/api/search?access=restricted&limit=1'
cp "$BODY" "$OUT"
jq_is api-filter "[h['ref'] for h in d['hits']]" "['$R_RS']"
req a GET '/admin/api/search?status=gone'
code api-bad-filter 400
cp "$BODY" "$OUT"
jq_is api-bad-filter-says "'状态' in d['error']" True
req a GET '/admin/api/search?limit=0'
code api-bad-limit 400

# ---------------------------------------------------------- downloads
req a GET /admin/search.csv
code csv-200 200
hdr csv-type Content-Type 'text/csv; charset=utf-8'
hdr csv-attachment Content-Disposition 'attachment'
hdr csv-name Content-Disposition "filename*=UTF-8''%E6%A1%A3%E6%A1%88%E7%9B%AE%E5%BD%95"
ok csv-bom test "$(head -c 3 "$BODY" | od -An -tx1 | tr -d ' ')" = efbbbf
cp "$BODY" "$T/all.csv"
ok csv-rows test "$(python3 -c '
import csv, sys
print(len(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))))' "$T/all.csv")" -eq 6
req a GET '/admin/search.xlsx'
code xlsx-200 200
hdr xlsx-type Content-Type 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
hdr xlsx-attachment Content-Disposition '.xlsx'
cp "$BODY" "$T/all.xlsx"
ok xlsx-tmp-removed test -z "$(find "$D/tmp" -name 'xlsx-*' 2>/dev/null)"
# the workbook's cells are the CSV's, cell for cell
python3 - "$T/all.xlsx" "$T/all.csv" "$T/from-xlsx.csv" >"$T/xl.out" 2>&1 <<'EOF'
import csv, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ws = wb['目录']
rows = [[c if c is not None else '' for c in r] for r in ws.iter_rows(values_only=True)]
want = list(csv.reader(open(sys.argv[2], encoding='utf-8-sig')))
print('same' if rows == want else 'differ: %r / %r' % (rows[:2], want[:2]))
with open(sys.argv[3], 'w', encoding='utf-8', newline='') as f:
    csv.writer(f).writerows(rows)
EOF
has xlsx-equals-csv "$T/xl.out" same
req a GET '/admin/search.csv?status=nope'
code csv-bad-filter 400
req a GET "/admin/search.csv?q=$(urlq 入党)"
ok csv-filtered test "$(python3 -c '
import csv, sys
print([r[1] for r in csv.reader(open(sys.argv[1], encoding="utf-8-sig"))][1:])' "$BODY")" = "['张某某入党志愿书']"

# Round trip: each download, used as the sheet of the same files in a
# fresh archive, describes every record as it was catalogued.
fields() {  # fields DIR: every record's description, by title
	local r
	for r in $(sqlite3 "$1/hongdang.db" 'SELECT ref FROM records ORDER BY title'); do
		"$HONGDANG" -d "$1" show --json "$r"
	done | python3 -c '
import json, sys
dec = json.JSONDecoder(); s = sys.stdin.read(); i = 0; out = []
while i < len(s):
    while i < len(s) and s[i].isspace(): i += 1
    if i >= len(s): break
    d, i = dec.raw_decode(s, i)
    out.append([d.get(k) for k in ("title", "creator", "date", "category",
        "retention", "access", "subjects", "persons", "place", "pages",
        "class", "description", "location")] +
        [[f["name"] for f in d["files"]], [f["sha256"] for f in d["files"]]])
print(json.dumps(out, ensure_ascii=False, sort_keys=True))'
}
fields "$D" >"$T/fields.orig"
ok fields-read test "$(wc -c <"$T/fields.orig")" -gt 500
for kind in csv xlsx; do
	D2="$T/again-$kind"
	sheet="$T/all.csv"
	[ "$kind" = xlsx ] && sheet="$T/from-xlsx.csv"
	"$HONGDANG" -d "$D2" init --fonds QF01 --name 前锋社区档案室 >/dev/null 2>&1
	hd_in "$D2" ingest --json --no-ocr --sheet "$sheet" "$BATCH"
	status "roundtrip-$kind-ingest" 0
	fields "$D2" >"$T/fields.$kind"
	if cmp -s "$T/fields.orig" "$T/fields.$kind"; then
		pass "roundtrip-$kind-same-records"
	else
		fail "roundtrip-$kind-same-records" "$(diff <(tr '[' '\n' <"$T/fields.orig") <(tr '[' '\n' <"$T/fields.$kind") | head -8)"
	fi
done

# ------------------------------------------------- the staff record view
RD=$(dot "$R_OLD")
req a GET "/admin/view/$RD/1"
code view-200 200
has view-tiles "$BODY" "/admin/tile/$RD/"
has view-original-link "$BODY" "/admin/original/$RD/1"
hdr view-no-store Cache-Control no-store
SHA=$(shas_of "$R_OLD")
req a GET "/admin/tile/$RD/$SHA/info.json"
code tile-info 200
cp "$BODY" "$OUT"
jq_is tile-info-size "d['tile'] == 256 and d['width'] > 0 and d['levels'] > 1" True
req a GET "/admin/tile/$RD/$SHA/0/0/0.jpg"
code tile-0 200
hdr tile-jpeg Content-Type image/jpeg
req a GET "/admin/tile/$RD/$SHA/0/5/5.jpg"
code tile-outside 404
req a GET "/admin/tile/$RD/$SHA/0/0/0.png"
code tile-not-jpg 404
req a GET "/admin/original/$RD/1"
code original-200 200
ok original-bytes test "$(sha256sum <"$BODY" | cut -c1-64)" = "$SHA"
hdr original-attachment Content-Disposition attachment
req a GET "/admin/view/$RD/2"
code view-no-file-2 404
req a GET "/admin/view/QF01-WS.1999.Y-9999/1"
code view-no-record 404
req - GET "/admin/view/$RD/1"
code view-visitor-login 303
req - GET "/admin/original/$RD/1"
code original-visitor-login 303
req - GET "/admin/tile/$RD/$SHA/0/0/0.jpg"
code tile-visitor-login 303

# the restricted record: metadata for staff, content only through an
# approved consultation, every opening logged
RSD=$(dot "$R_RS")
RSHA=$(shas_of "$R_RS" | head -1)
hd show --json "$R_RS"
NIMG=$(python3 -c 'import json,sys; print([i + 1 for i, f in enumerate(json.load(open(sys.argv[1]))["files"]) if f["mime"].startswith("image/")][0])' "$OUT")
RSHA=$(python3 -c 'import json,sys; print([f["sha256"] for f in json.load(open(sys.argv[1]))["files"] if f["mime"].startswith("image/")][0])' "$OUT")
n0=$(sql "SELECT count(*) FROM events WHERE type = 'consult'")
req a GET "/admin/view/$RSD/$NIMG"
code restricted-view-refused 403
has restricted-view-says "$BODY" '限制级档案'
lacks restricted-view-no-tiles "$BODY" "/admin/tile/$RSD/"
req a GET "/admin/tile/$RSD/$RSHA/info.json"
code restricted-tile-refused 403
req a GET "/admin/tile/$RSD/$RSHA/0/0/0.jpg"
code restricted-tile0-refused 403
req a GET "/admin/original/$RSD/$NIMG"
code restricted-original-refused 403
ok refusals-not-logged test "$(sql "SELECT count(*) FROM events WHERE type = 'consult'")" -eq "$n0"
hd consult request --json --person 张小明 --org 番禺区档案馆 --purpose research --kind view --days 3 "$R_RS"
status consult-request 0
hd consult approve 1 --account zhang
status consult-approve 0
n0=$(sql "SELECT count(*) FROM events WHERE type = 'consult'")
# the reviewer holds no approval: still refused
req r GET "/admin/view/$RSD/$NIMG"
code restricted-other-account 403
t_before=$(date -u +%Y-%m-%dT%H:%M:%S)
req a GET "/admin/view/$RSD/$NIMG"
code restricted-view-allowed 200
has restricted-view-tiles "$BODY" "/admin/tile/$RSD/$RSHA/"
lacks restricted-view-no-original "$BODY" "/admin/original/$RSD/"
ok restricted-view-logged test "$(sql "SELECT count(*) FROM events WHERE type = 'consult'")" -eq $((n0 + 1))
hd audit --type consult --record "$R_RS" --json
jq_is restricted-log-who "[(e['agent'], json.loads(e['detail'])['action'], json.loads(e['detail'])['account'], json.loads(e['detail'])['sha256']) for e in d['events'][-1:]]" "[('web:zhang', 'view', 'zhang', '$RSHA')]"
jq_is restricted-log-when "d['events'][-1]['at'][:19] >= '$t_before'" True
req a GET "/admin/tile/$RSD/$RSHA/info.json"
code restricted-tile-after-view 200
req a GET "/admin/tile/$RSD/$RSHA/0/0/0.jpg"
code restricted-tile0-after-view 200
req r GET "/admin/tile/$RSD/$RSHA/0/0/0.jpg"
code restricted-tile-other-account 403
req a GET "/admin/original/$RSD/$NIMG"
code restricted-original-still-refused 403
alive
