# The storage room (库房日常管理): locations added and assigned, the
# temperature and humidity log with readings outside 14-24 °C / 45-60 %
# flagged, the report, inventories (盘点) with missing, misplaced,
# unlocated and unknown items, and the admin page with its SVG chart and
# form (session, role and form token checked).
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive

BT="$T/batch"
mkdir -p "$BT"
for n in 1 2 3 4; do printf '库房档案 %s\n' "$n" >"$BT/r$n.txt"; done
cat >"$T/sheet.csv" <<'CSV'
文件名,题名,日期,门类,开放,机构问题,位置
r1.txt,一号档案,1985,WS,public,SQ,一号库房-01柜-03盒
r2.txt,二号档案,1986,WS,public,SQ,
r3.txt,三号档案,1987,WS,public,SQ,
r4.txt,四号档案,1988,WS,public,SQ,二号库房-01柜
CSV
hd ingest --approve --sheet "$T/sheet.csv" "$BT"
status ingest 0
R1='QF01-WS·1985·Y-SQ-0001'
R2='QF01-WS·1986·Y-SQ-0001'
R3='QF01-WS·1987·Y-SQ-0001'
R4='QF01-WS·1988·Y-SQ-0001'

# ------------------------------------------------------------- locations
hd location add '一号库房/01柜/02层/01盒' '一号库房 - 01柜 - 03盒' '二号库房/01柜'
status location-add 0
has location-canonical "$OUT" '已添加位置：一号库房-01柜-02层-01盒'
has location-dash "$OUT" '已添加位置：一号库房-01柜-03盒'
hd location list --json
jq_is location-parents "[l['path'] for l in d]" \
	"['一号库房', '一号库房-01柜', '一号库房-01柜-02层', '一号库房-01柜-02层-01盒', '一号库房-01柜-03盒', '二号库房', '二号库房-01柜']"
jq_is location-counts "[l['records'] for l in d if l['path'] == '一号库房']" "[1]"
hd location add '一号库房/01柜/02层/01盒'
status location-again 0
has location-again-says "$OUT" '已有位置'
snapshot before
hd location add 'a//b'
status location-empty-part 1
has location-empty-why "$ERR" 'empty part'
hd location add 'a/b/c/d/e'
status location-too-deep 1
hd location assign "$R2" '三号库房/01柜'
status assign-unknown-place 1
has assign-unknown-why "$ERR" 'not known'
hd location assign 'QF01-WS·1999·Y-SQ-0009' '一号库房-01柜-03盒'
status assign-unknown-record 1
# each subcommand takes its own options only
hd location list --at 一号库房
status location-list-foreign-option 2
has location-list-foreign-option-named "$ERR" "unknown option '--at'"
hd location add 三号库房 --json
status location-add-foreign-option 2
has location-add-foreign-option-named "$ERR" "'--json'"
unchanged before
hd location assign "$R2" '一号库房/01柜/02层/01盒'
status assign 0
hd show --json "$R2"
jq_is assign-shown "d['location']" '一号库房-01柜-02层-01盒'
jq_is assign-event "[e['detail'] for e in d['events'] if e['type'] == 'storage']" \
	"['location: 一号库房-01柜-02层-01盒']"
hd location assign "$R1" '一号库房/01柜/03盒'
status assign-same 0
hd show --json "$R1"
jq_is assign-same-no-event "len([e for e in d['events'] if e['type'] == 'storage'])" 0

# -------------------------------------------------------------- readings
old=$(date -u -d '-40 days' '+%Y-%m-%dT%H:%M:%SZ')
recent=$(date -d '-2 days' '+%Y-%m-%d 09:30')
hd storage log --temp 18.5 --rh 52
status log-ok 0
lacks log-ok-no-flag "$OUT" '超出范围'
hd storage log --temp 26 --rh 50 --at "$recent"
status log-hot 0
has log-hot-flag "$OUT" '超出范围：温度过高'
hd storage log --temp 20 --rh 71 --room 二号库房
has log-damp-flag "$OUT" '湿度过高'
hd storage log --temp 12 --rh 40 --at "$old"
has log-cold-dry-flag "$OUT" '温度过低，湿度过低'
snapshot readings
hd storage log --temp warm --rh 50
status log-not-a-number 2
hd storage log --temp 20
status log-no-rh 2
hd storage log --temp 20 --rh 50 --at 'yesterday'
status log-bad-time 2
hd storage log --temp 99 --rh 50
status log-impossible 2
has log-impossible-why "$ERR" 'not a reading'
# each subcommand takes its own options only
hd storage log --temp 20 --rh 50 --days 3
status log-foreign-option 2
has log-foreign-option-named "$ERR" "unknown option '--days'"
hd storage report --temp 20
status report-foreign-option 2
has report-foreign-option-named "$ERR" "'--temp'"
unchanged readings
hd storage report --json
status report 0
jq_is report-count "d['readings']" 3
jq_is report-flagged "d['out_of_range']" 2
jq_is report-max "d['temp_max']" 26.0
jq_is report-why "sorted(f['why'] for f in d['flagged'])" "['温度过高', '湿度过高']"
hd storage report --days 60 --json
jq_is report-60-days "d['readings']" 4
hd storage report --room 二号库房 --json
jq_is report-room "d['readings']" 1
hd storage report
has report-text "$OUT" '超出范围 2 次'
ok reading-events test "$(sql "SELECT count(*) FROM events WHERE type = 'storage' AND detail LIKE '%RH%'")" -eq 4
ok reading-china-time test "$(sql "SELECT count(*) FROM storage_readings WHERE at LIKE '%T01:30:00.000Z'")" -eq 1

# ------------------------------------------------------------- inventory
hd inventory start '一号库房/01柜'
status inventory-start 0
has inventory-expected "$OUT" '应有 2 件'
hd inventory found 1 "$R2" 'QF01-WS.1987.Y-SQ-0001'
status found-typed 0
has found-expected "$OUT" "✓  $R2"
has found-unlocated "$OUT" "无位置  $R3"
printf '%s\nNOT-A-REF\n\n%s\n' "$R4" "$R2" | "$HONGDANG" -d "$D" inventory found 1 - >"$OUT" 2>"$ERR"
RC=$?
status found-scanned 0
has found-misplaced "$OUT" "错架  $R4"
has found-misplaced-where "$OUT" '应在 二号库房-01柜'
has found-unknown "$OUT" '目录中没有  NOT-A-REF'
has found-again "$OUT" "已登记  $R2"
hd inventory found 1 --at '一号库房/01柜/02层/01盒' "$R1"
status found-at 0
has found-wrong-box "$OUT" "错架  $R1"
hd inventory found 1 --at '二号库房' "$R1"
status found-outside-scope 2
hd inventory show 1 --json
status show-progress 1
jq_is progress-open "d['finished']" None
hd inventory finish 1 --json
status finish-problems 1
jq_is finish-expected "d['expected']" 2
jq_is finish-found "d['found']" 4
jq_is finish-missing "[m['ref'] for m in d['missing']]" "[]"
jq_is finish-misplaced "sorted(m['ref'] for m in d['misplaced'])" "['$R1', '$R4']"
jq_is finish-found-at "[m['found_at'] for m in d['misplaced'] if m['ref'] == '$R1']" "['一号库房-01柜-02层-01盒']"
jq_is finish-unlocated "[m['ref'] for m in d['unlocated']]" "['$R3']"
jq_is finish-unknown "d['unknown']" "['NOT-A-REF']"
ok finish-stored test -n "$(sql "SELECT report FROM inventories WHERE id = 1 AND finished IS NOT NULL")"
ok finish-event test "$(sql "SELECT count(*) FROM events WHERE type = 'storage' AND detail LIKE '{\"inventory\":1,%'")" -eq 1
snapshot finished
hd inventory found 1 "$R2"
status found-after-finish 2
hd inventory finish 1
status finish-again 2
# each subcommand takes its own options only
hd inventory found 1 --json "$R2"
status found-foreign-option 2
has found-foreign-option-named "$ERR" "unknown option '--json'"
hd inventory show 1 --at 二号库房
status show-foreign-option 2
has show-foreign-option-named "$ERR" "'--at'"
unchanged finished
# missing items, and a clean inventory
hd inventory start 一号库房
hd inventory finish 2 --json
status finish-missing 1
jq_is missing-listed "sorted(m['ref'] for m in d['missing'])" "['$R1', '$R2']"
hd inventory start '二号库房'
hd inventory found 3 "$R4"
hd inventory finish 3
status finish-clean 0
has finish-clean-says "$OUT" '账物相符'
hd inventory start '五号库房'
status start-unknown 2
hd inventory show 99
status show-unknown 2
hd verify
status verify-after 0

# ------------------------------------------------------------ admin page
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
serve storage
req - GET /admin/storage
code visitor-to-login 303
hdr visitor-location Location /admin/login
login z zhang 'zhang-secret-77'
req z GET /admin/storage
code page 200
has page-title "$BODY" '库房管理'
has page-svg "$BODY" '<svg class="chart"'
has page-lines "$BODY" '<polyline'
n=$(grep -o '<circle class="flag"' "$BODY" | wc -l)
ok page-flag-marks test "$n" -eq 2
has page-flag-title "$BODY" '温度过高'
has page-band "$BODY" 'fill-opacity="0.10"'
has page-location "$BODY" '一号库房-01柜-02层-01盒'
has page-form "$BODY" 'action="/admin/storage"'
lacks page-no-inline-style "$BODY" 'style="'
lacks page-no-inline-script "$BODY" '<script>'
hdr page-csp Content-Security-Policy "script-src 'self'"
hdr page-no-store Cache-Control no-store
if $PY - "$BODY" <<'PY'
import re, sys, xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
root = ET.fromstring(svg)
assert root.tag.endswith("svg")
PY
then pass svg-well-formed; else fail svg-well-formed "not XML"; fi
before=$(sql 'SELECT count(*) FROM storage_readings')
req z POST /admin/storage --data 'temp=30&rh=50'
code post-no-token 403
ok post-no-token-nothing test "$(sql 'SELECT count(*) FROM storage_readings')" -eq "$before"
post z /admin/storage 'temp=abc' 'rh=50'
code post-bad-number 422
has post-bad-number-why "$BODY" '请填写温度和相对湿度'
has post-bad-keeps "$BODY" 'value="abc"'
post z /admin/storage 'temp=30,5' 'rh=50' 'room=一号库房'
code post-ok 303
hdr post-redirect Location '/admin/storage?logged=1'
ok post-stored test "$(sql 'SELECT count(*) FROM storage_readings')" -eq "$((before + 1))"
ok post-agent test "$(sql "SELECT agent FROM storage_readings ORDER BY id DESC LIMIT 1")" = web:zhang
req z GET '/admin/storage?logged=1'
has post-done "$BODY" '读数已登记'
has post-shown "$BODY" '30.5'
n=$(grep -o '<circle class="flag"' "$BODY" | wc -l)
ok post-flagged test "$n" -eq 3
req z GET /admin/
has home-flag "$BODY" '库房温湿度超出范围'
login l li 'li-reviews-88'
req l GET /admin/storage
code reviewer-reads 200
lacks reviewer-no-form "$BODY" 'action="/admin/storage"'
post l /admin/storage 'temp=20' 'rh=50'
code reviewer-cannot-log 403
ok reviewer-nothing test "$(sql 'SELECT count(*) FROM storage_readings')" -eq "$((before + 1))"
stop "$SPID"

# -------------------------------------------- the server's daily audit
# A folder never audited: the server audits it on start, in the
# background, records an event "fixity" as agent "server" and flags the
# damaged record on the admin home.  A second start within the day does
# not audit again.
D="$T/audited"
"$HONGDANG" -d "$D" init --fonds QF09 --name 审计测试 >"$OUT" 2>"$ERR"
status audit-init 0
mkdir -p "$T/abatch"
printf '第一份：社区档案。\n' >"$T/abatch/a1.txt"
printf '第二份：社区档案。\n' >"$T/abatch/a2.txt"
hd ingest --approve "$T/abatch"
status audit-ingest 0
obj=$(find "$D/objects" -type f | sort | head -1)
sha=$(basename "$(dirname "$obj")")$(basename "$obj")
chmod u+w "$obj"; printf 'x' >>"$obj"
account wang archivist 'wang-secret-55'
serve audit
n=0
for i in $(seq 100); do
	n=$(sql "SELECT count(*) FROM events WHERE type = 'fixity'
		AND agent = 'server'")
	[ "$n" -ge 1 ] && break
	sleep 0.1
done
ok audit-ran test "$n" -eq 1
detail=$(sql "SELECT detail FROM events WHERE type = 'fixity'
	ORDER BY id DESC LIMIT 1")
has audit-damaged <(printf '%s' "$detail") 'damaged 1, missing 0'
has audit-names-object <(printf '%s' "$detail") "(${sha:0:12}…)"
has audit-logged "$T/audit.err" 'fixity audit: objects 2, ok 1, damaged 1'
login w wang 'wang-secret-55'
req w GET /admin/
code audit-home 200
has audit-home-flag "$BODY" '完整性检查'
stop "$SPID"
serve audit2
sleep 0.5
ok audit-once-a-day test "$(sql "SELECT count(*) FROM events
	WHERE type = 'fixity'")" -eq 1
stop "$SPID"
hd serve --audit-hours x
status audit-hours-bad 2
has audit-hours-why "$ERR" "--audit-hours 'x'"
