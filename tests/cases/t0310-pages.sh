# The screens over real sockets: escaping of hostile titles, the search
# page, guided-talk bookings (CSRF, capacity, double bookings, past days),
# demonstrations built from the archive's own procedure records.
. "$HD_TOP/tests/lib.sh"
new_archive
B0="$T/batch"; mkdir -p "$B0"
printf '<script>alert(1)</script> 的正文：番禺前锋社区。\n' >"$B0/x.txt"
printf '档案收集的步骤\n\n1. 登记：填写接收登记表。\n2. 清点：逐件核对。\n3. 入库：放入待整理柜。\n' >"$B0/rules.md"
cat >"$T/sheet.csv" <<'CSV'
文件名,题名,日期,门类,开放,机构问题,主题词
x.txt,"<script>alert(1)</script>""'&",2021-05-01,WS,public,SQ,"<b>粗</b>"
rules.md,档案收集操作规程,2023-08,WS,public,YS,操作规程
CSV
hd ingest --approve --sheet "$T/sheet.csv" "$B0"
status ingest 0
hd config visit.capacity 5
status config-capacity 0
hd config visit.capacity 0
status config-bad-capacity 2

server_start serve --templates "$HD_TOP/templates"
B=$URL

# escaping: the hostile title is text everywhere
curl -s "$B/search?q=%E7%95%AA%E7%A6%BA" >"$T/s.html"
lacks search-no-raw-script "$T/s.html" "<script>alert(1)"
has search-title-escaped "$T/s.html" "&lt;script&gt;alert(1)&lt;/script&gt;"
has search-snippet-mark "$T/s.html" "<mark>番禺</mark>"
ref=$(curl -s "$B/api/search?q=%E7%95%AA%E7%A6%BA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["url"])')
curl -s "$B$ref" >"$T/r.html"
lacks record-no-raw-script "$T/r.html" "<script>alert"
lacks record-no-raw-bold "$T/r.html" "<b>粗</b>"
has record-subject-escaped "$T/r.html" "&lt;b&gt;粗&lt;/b&gt;"
has record-lang "$T/r.html" '<html lang="zh-CN">'
curl -s "$B/api/search?q=%E7%95%AA%E7%A6%BA" >"$OUT"
jq_is api-title-raw-json "d['hits'][0]['title']" "<script>alert(1)</script>\"'&"
jq_is api-snippet-escaped "'&lt;script&gt;' in d['hits'][0]['snippet']" True
curl -s "$B/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D" >"$T/e.html"
has empty-result-suggests "$T/e.html" "点一个主题"
curl -s -o /dev/null -w '%{http_code}' "$B/search?q=%22unbalanced%20(" >"$T/code"
ok syntax-query-200 grep -qx 200 "$T/code"

# demonstrations from the archive's own procedure record
curl -s "$B/demo/collect" >"$T/d.html"
has demo-step-from-record "$T/d.html" "填写接收登记表"
has demo-step-title "$T/d.html" "清点"
has demo-live-figure "$T/d.html" "已收集并公开 2 件档案"
curl -s "$B/demo/review" >"$T/d2.html"
has demo-without-rules "$T/d2.html" "尚未公开《档案审核操作规程》"
code=$(curl -s -o /dev/null -w '%{http_code}' "$B/demo/nonsense")
[ "$code" = 404 ] && pass demo-unknown-404 || fail demo-unknown-404 "status $code"

# bookings: CSRF, rules, capacity
J="$T/jar"
curl -s -c "$J" "$B/visit" >"$T/v.html"
csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/v.html" | grep -o '[0-9a-f]\{64\}')
ok visit-csrf-in-form test ${#csrf} -eq 64
ok visit-cookie-httponly grep -q HttpOnly "$J"
day=$(date -u -d '+3 days' +%F)
past=$(date -u -d '-3 days' +%F)
# post ARGS...: one booking through a form just fetched, with its form
# token (each books once)
post() {
	local form
	form=$(curl -s -b "$J" "$B/visit" | grep -o 'name="form" value="[^"]*"' | sed 's/.*value="//; s/"$//')
	curl -s -b "$J" -o "$T/p.html" -w '%{http_code}' "$B/visit" --data-urlencode "form=$form" --data-urlencode "$@"
}
code=$(curl -s -b "$J" -o "$T/p.html" -w '%{http_code}' "$B/visit" -d "day=$day&slot=09:00&group=x&contact=02088881234&people=2")
[ "$code" = 403 ] && pass visit-no-csrf-403 || fail visit-no-csrf-403 "status $code"
code=$(curl -s -o "$T/p.html" -w '%{http_code}' "$B/visit" -d "csrf=$csrf&day=$day&slot=09:00&group=x&contact=02088881234&people=2")
[ "$code" = 403 ] && pass visit-no-cookie-403 || fail visit-no-cookie-403 "status $code"
code=$(post "group=市桥二中初二（3）班" -d "csrf=$csrf&day=$day&slot=09:00&contact=020-8888 1234&people=3")
[ "$code" = 200 ] && pass visit-book || fail visit-book "status $code: $(grep -o 'notice[^<]*<' "$T/p.html")"
has visit-book-done "$T/p.html" "已预约"
has visit-free-hours-shown "$T/p.html" "公益时段 · 免费"
code=$(post "group=市桥二中初二（3）班" -d "csrf=$csrf&day=$day&slot=09:00&contact=020-8888 1234&people=1")
[ "$code" = 422 ] && pass visit-double-422 || fail visit-double-422 "status $code"
has visit-double-says "$T/p.html" "不能重复预约"
code=$(post "group=另一个团体" -d "csrf=$csrf&day=$day&slot=09:00&contact=13800000000&people=3")
[ "$code" = 422 ] && pass visit-capacity-422 || fail visit-capacity-422 "status $code"
has visit-capacity-says "$T/p.html" "只剩 2 个名额"
code=$(post "group=另一个团体" -d "csrf=$csrf&day=$past&slot=09:00&contact=13800000000&people=1")
[ "$code" = 422 ] && pass visit-past-422 || fail visit-past-422 "status $code"
has visit-past-says "$T/p.html" "已经过去"
code=$(post "group=另一个团体" -d "csrf=$csrf&day=$day&slot=13:00&contact=13800000000&people=1")
[ "$code" = 422 ] && pass visit-no-slot-422 || fail visit-no-slot-422 "status $code"
code=$(post "group=另一个团体" -d "csrf=$csrf&day=$day&slot=14:00&contact=not-a-phone&people=1")
[ "$code" = 422 ] && pass visit-bad-contact-422 || fail visit-bad-contact-422 "status $code"
code=$(post "group=另一个团体" -d "csrf=$csrf&day=$day&slot=14:00&contact=13800000000&people=2")
[ "$code" = 200 ] && pass visit-paid-slot || fail visit-paid-slot "status $code"
has visit-paid-price "$T/p.html" "每人 10 元"
n=$(sqlite3 "$D/hongdang.db" "SELECT sum(people) FROM visits")
ok visit-stored-people test "$n" -eq 5
n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM events WHERE type='visit'")
ok visit-events test "$n" -eq 2
