# The demonstrations of archive procedures (/demo/NAME) on the sample
# collection that "make run" loads: each of the six shows the steps of
# the archive's own procedure record, whatever list form the record
# uses (numbered Markdown, HTML bullets, headings); a procedure whose
# record is missing says so and is still demonstrated.
. "$HD_TOP/tests/lib.sh"

SAMPLE="$HD_BUILD/sample"
if [ ! -f "$SAMPLE/目录.csv" ]; then
	fail demo-sample "no sample collection in $SAMPLE (make sample)"
	exit 1
fi
new_archive
hd ingest --approve --no-ocr --sheet "$SAMPLE/目录.csv" "$SAMPLE"
status demo-ingest-sample 0

if ! server_start serve --templates "$HD_TOP/templates"; then
	fail demo-server-starts "no answer: $(head -c 400 "$T/serve.err")"
	exit 1
fi
B=$URL

# steps NAME: the step titles of /demo/NAME, one a line, into $T/NAME.steps
steps() {
	curl -s -o "$T/$1.html" -w '%{http_code}' "$B/demo/$1" >"$T/$1.code"
	$PY - "$T/$1.html" >"$T/$1.steps" <<'PY'
import re, sys, html
t = open(sys.argv[1], encoding='utf-8').read()
for m in re.finditer(r'<li data-proc-step><strong>(.*?)</strong>', t, re.S):
    print(html.unescape(m.group(1)).strip())
PY
}
# want_steps NAME TITLE...: /demo/NAME answers 200 with these steps.
want_steps() {
	local name=$1 got want
	shift
	steps "$name"
	got=$(tr '\n' '|' <"$T/$name.steps")
	want=$(printf '%s|' "$@")
	if [ "$(cat "$T/$name.code")" = 200 ] && [ "$got" = "$want" ]; then
		pass "demo-steps-$name"
	else
		fail "demo-steps-$name" "HTTP $(cat "$T/$name.code"), steps '$got', want '$want'"
	fi
}
# numbered Markdown under "## 步骤"
want_steps collect 登记 清点 鉴别 暂存 记录
want_steps review 著录检查 内容检查 开放审核 审核结论 记录
# HTML bullets under <h2>办理步骤</h2>
want_steps consult 申请 审批 调阅 登记 归还
# numbered lists starting again under 转出 and 转入
want_steps transfer 核对 封装 递送 登记 核验 回执 入库
# HTML headings with bullets under each
want_steps digitise 扫描要求 质量检查 存储
# Markdown headings, one with an untitled list inside
want_steps storage 温湿度 安全 盘点
has demo-step-text-from-html "$T/consult.html" "填写《档案查阅申请表》"
has demo-step-text-joined "$T/digitise.html" "逐页核对，不漏页、不重页、不歪斜；"
has demo-source-named "$T/consult.html" "《<a href=\"/record/"
for n in collect review consult transfer digitise storage; do
	if [ "$(wc -l <"$T/$n.steps")" -lt 3 ]; then
		fail "demo-three-steps-$n" "$(wc -l <"$T/$n.steps") steps"
	else
		pass "demo-three-steps-$n"
	fi
done

# A procedure whose record is missing: withdrawn from the public, the
# page says so and still demonstrates it.
cref=$(sqlite3 "$D/hongdang.db" "SELECT ref FROM records WHERE title = '档案查阅操作规程'")
hd review withdraw "$cref" --reason "规程修订中"
status demo-withdraw-procedure 0
curl -s -o "$T/gone.html" -w '%{http_code}' "$B/demo/consult" >"$T/gone.code"
ok demo-missing-still-200 grep -qx 200 "$T/gone.code"
has demo-missing-says-so "$T/gone.html" "尚未公开《档案查阅操作规程》"
has demo-missing-still-demonstrated "$T/gone.html" "data-demo"

# ------------------------------------------------------------ sandboxes
# sandboxes: the sandbox folders of the pools under $D/tmp, one a line.
sandboxes() {
	find "$D/tmp" -mindepth 2 -maxdepth 2 -path '*/demo-*/s*' -type d | sort
}
# cookie JAR: the hd_demo value in a cookie jar.
cookie() {
	awk '$6 == "hd_demo" { print $7 }' "$1"
}
kill "$SPID"; wait "$SPID" 2>/dev/null; PIDS=""
# a pool left by a server that died (no one holds its lock) goes
mkdir -p "$D/tmp/demo-99999-0/s1"; : >"$D/tmp/demo-99999-0/lock"
chain_state >"$T/real.before"
if ! server_start sb --templates "$HD_TOP/templates" --audit-hours 0 \
	--merge-idle 0 --demo-max 2 --demo-idle 3; then
	fail demo-sb-server "no answer: $(head -c 400 "$T/sb.err")"
	exit 1
fi
B=$URL
ok demo-stale-pool-removed test ! -e "$D/tmp/demo-99999-0"

# kiosk A: a sandbox of its own, ready at once, its cookie private
curl -s -D "$T/a.h" -c "$T/a.jar" -o "$T/a.html" -w '%{http_code} %{time_total}\n' \
	"$B/demo/collect" >"$T/a.code"
read -r code secs <"$T/a.code"
[ "$code" = 200 ] && pass demo-sandbox-made || fail demo-sandbox-made "HTTP $code: $(head -c 300 "$T/a.html")"
ok demo-cookie-httponly grep -qi '^Set-Cookie: hd_demo=[0-9a-f]\{64\}; Path=/demo; HttpOnly; SameSite=Strict' "$T/a.h"
ok demo-no-store grep -qi '^Cache-Control: no-store' "$T/a.h"
has demo-sandbox-records "$T/a.html" 'data-sandbox="'
ok demo-one-sandbox test "$(sandboxes | wc -l)" -eq 1
A1=$(sandboxes)
ok demo-sandbox-has-catalogue test -f "$A1/hongdang.db"
# the first may have waited for the template; a second kiosk's is a copy
curl -s -c "$T/b.jar" -o "$T/b.html" -w '%{http_code} %{time_total}\n' \
	"$B/demo/review" >"$T/b.code"
read -r code secs <"$T/b.code"
[ "$code" = 200 ] && pass demo-second-kiosk || fail demo-second-kiosk "HTTP $code"
if $PY -c "import sys; sys.exit(0 if float('$secs') < 0.5 else 1)"; then
	pass demo-sandbox-ready-500ms
else
	fail demo-sandbox-ready-500ms "the page with a new sandbox took $secs s"
fi
ok demo-two-kiosks-two-sandboxes test "$(sandboxes | wc -l)" -eq 2
ok demo-cookies-differ test "$(cookie "$T/a.jar")" != "$(cookie "$T/b.jar")"
# A again: the same sandbox
curl -s -b "$T/a.jar" -o /dev/null "$B/demo/storage"
ok demo-same-kiosk-same-sandbox test "$(sandboxes | wc -l)" -eq 2 -a -d "$A1"

# 重新开始: a fresh copy in place of the old one, back to the page
curl -s -b "$T/a.jar" -D "$T/r.h" -o /dev/null -d 'back=/demo/storage' "$B/demo/reset"
ok demo-reset-303 grep -q '^HTTP/1.1 303' "$T/r.h"
ok demo-reset-back grep -qi '^Location: /demo/storage' "$T/r.h"
ok demo-reset-fresh-copy test ! -e "$A1" -a "$(sandboxes | wc -l)" -eq 2
curl -s -b "$T/a.jar" -D "$T/r2.h" -o /dev/null -d 'back=https://evil.example/' "$B/demo/reset"
sed -i 's/\r$//' "$T/r2.h"
ok demo-reset-foreign-back grep -qi '^Location: /demo$' "$T/r2.h"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$T/a.jar" -X POST "$B/demo/nonsense")
[ "$code" = 404 ] && pass demo-post-unknown-404 || fail demo-post-unknown-404 "HTTP $code"

# past the cap (2): a third kiosk is asked to wait, the others keep theirs
curl -s -D "$T/c.h" -c "$T/c.jar" -o "$T/c.html" -w '%{http_code}' "$B/demo/collect" >"$T/c.code"
ok demo-cap-503 grep -qx 503 "$T/c.code"
ok demo-cap-retry-after grep -qi '^Retry-After: ' "$T/c.h"
has demo-cap-says-busy "$T/c.html" "演示区正忙"
ok demo-cap-no-third test "$(sandboxes | wc -l)" -eq 2
ok demo-cap-no-cookie test -z "$(cookie "$T/c.jar")"
# B goes home (its kiosk ends the session): its sandbox goes at once
code=$(curl -s -b "$T/b.jar" -c "$T/b.jar" -o /dev/null -w '%{http_code}' -X POST "$B/demo/end")
[ "$code" = 204 ] && pass demo-end-204 || fail demo-end-204 "HTTP $code"
ok demo-end-removes test "$(sandboxes | wc -l)" -eq 1
code=$(curl -s -c "$T/c.jar" -o /dev/null -w '%{http_code}' "$B/demo/collect")
[ "$code" = 200 ] && pass demo-cap-freed || fail demo-cap-freed "HTTP $code"
# many kiosks at once past the cap: never more sandboxes than the cap
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null -w '%{http_code}\n' "$B/demo/transfer" &
done >"$T/many.codes"
wait_curls() { local j; for j in $(jobs -p); do case " $PIDS " in *" $j "*) ;; *) wait "$j";; esac; done; }
wait_curls
ok demo-many-503 test "$(grep -c 503 "$T/many.codes")" -eq 6
ok demo-many-cap-held test "$(sandboxes | wc -l)" -le 2

# a kiosk that vanishes: its sandbox is reclaimed after --demo-idle
for i in $(seq 60); do
	[ "$(sandboxes | wc -l)" -eq 0 ] && break
	sleep 0.1
done
ok demo-vanished-reclaimed test "$(sandboxes | wc -l)" -eq 0
has demo-reclaim-logged "$T/sb.err" "reclaimed"
# and comes back: a new sandbox, the same cookie
curl -s -b "$T/a.jar" -o "$T/a2.html" -w '%{http_code}' "$B/demo/collect" >"$T/a2.code"
ok demo-back-after-reclaim grep -qx 200 "$T/a2.code"
ok demo-back-one-sandbox test "$(sandboxes | wc -l)" -eq 1

# the stop removes the pool; the real archive never changed
POOL=$(find "$D/tmp" -maxdepth 1 -name 'demo-*' | head -1)
kill "$SPID"; wait "$SPID" 2>/dev/null; PIDS=""
ok demo-stop-removes-pool test ! -e "$POOL"

# ------------------------------------------- a sandbox's age and size caps
# --demo-life: a sandbox in use all the time is still replaced once it is
# older than its lifetime; the kiosk goes on in a new one.
if ! server_start life --templates "$HD_TOP/templates" --audit-hours 0 \
	--merge-idle 0 --demo-max 2 --demo-idle 600 --demo-life 3; then
	fail demo-life-server "no answer: $(head -c 400 "$T/life.err")"
	exit 1
fi
B=$URL
curl -s -c "$T/l.jar" -o /dev/null "$B/demo/collect"
L1=$(sandboxes)
ok demo-life-made test -n "$L1" -a "$(echo "$L1" | wc -l)" -eq 1
for i in $(seq 40); do
	[ -e "$L1" ] || break
	curl -s -b "$T/l.jar" -o /dev/null "$B/demo/collect"
	sleep 0.25
done
ok demo-life-replaced test ! -e "$L1"
code=$(curl -s -b "$T/l.jar" -o /dev/null -w '%{http_code}' "$B/demo/collect")
[ "$code" = 200 ] && pass demo-life-goes-on || fail demo-life-goes-on "HTTP $code"
ok demo-life-new-one test "$(sandboxes | wc -l)" -eq 1 -a "$(sandboxes)" != "$L1"
stop_last() { kill "$SPID"; wait "$SPID" 2>/dev/null; PIDS=""; }
stop_last
# --demo-mb: a sandbox grown past its size (here a file written into it
# from outside, as a runaway step would) is reclaimed though young and
# in use; nothing else is touched.
if ! server_start size --templates "$HD_TOP/templates" --audit-hours 0 \
	--merge-idle 0 --demo-max 2 --demo-idle 600 --demo-mb 2; then
	fail demo-size-server "no answer: $(head -c 400 "$T/size.err")"
	exit 1
fi
B=$URL
curl -s -c "$T/m.jar" -o /dev/null "$B/demo/transfer"
curl -s -c "$T/n.jar" -o /dev/null "$B/demo/transfer"
M1=$(sandboxes | head -1)
N1=$(sandboxes | tail -1)
ok demo-size-two test "$(sandboxes | wc -l)" -eq 2
sleep 1.5
ok demo-size-small-kept test -e "$M1" -a -e "$N1"
head -c 3000000 /dev/urandom >"$M1/grown.bin"
for i in $(seq 50); do
	[ -e "$M1" ] || break
	sleep 0.1
done
ok demo-size-reclaimed test ! -e "$M1"
ok demo-size-other-kept test -e "$N1"
stop_last
chain_state >"$T/real.after"
if cmp -s "$T/real.before" "$T/real.after"; then
	pass demo-real-archive-unchanged
else
	fail demo-real-archive-unchanged "before: $(cat "$T/real.before"); after: $(cat "$T/real.after")"
fi

# --------------------------------------------------- the demonstrations
# Each of the six done step by step as a visitor's touches send them (a
# form each step, answered 303 back to the page), by the real machinery
# in the kiosk's sandbox; the real archive unchanged after all of them.
if ! server_start demos --templates "$HD_TOP/templates" --audit-hours 0 \
	--merge-idle 0; then
	fail demo-demos-server "no answer: $(head -c 400 "$T/demos.err")"
	exit 1
fi
B=$URL
chain_state >"$T/real.before"
J="$T/k.jar"
# step NAME KEY [curl args]: POST one step; its status into $T/step.code
step() {
	local name=$1 key=$2
	shift 2
	curl -s -b "$J" -c "$J" -o "$T/step.html" -w '%{http_code}' \
		--data-urlencode "step=$key" "$@" "$B/demo/$name" >"$T/step.code"
}
# run_steps NAME KEY[:FIELD=VALUE,...]...: every step in turn, each
# with its fields, each answered 303
run_steps() {
	local name=$1 k f bad="" args
	shift
	for k in "$@"; do
		args=()
		if [[ $k == *:* ]]; then
			IFS=, read -ra fs <<<"${k#*:}"
			for f in "${fs[@]}"; do args+=(--data-urlencode "$f"); done
			k=${k%%:*}
		fi
		step "$name" "$k" "${args[@]}"
		[ "$(cat "$T/step.code")" = 303 ] || bad="$bad $k:$(cat "$T/step.code")"
	done
	[ -z "$bad" ] && pass "demo-$name-steps-303" || fail "demo-$name-steps-303" "$bad"
}
# page NAME: the page now, into $T/NAME.html
page() {
	curl -s -b "$J" -c "$J" -o "$T/$1.html" "$B/demo/$1"
}
# attr FILE ATTR: the value of the first ATTR="..." in FILE
attr() {
	grep -o "$2=\"[^\"]*\"" "$1" | head -1 | sed "s/^$2=\"//; s/\"\$//"
}
done_check() {
	page "$1"
	if grep -q "data-demo=\"$1\" data-done" "$T/$1.html" &&
	    [ "$(grep -o 'class="dstep done' "$T/$1.html" | wc -l)" -eq "$2" ]; then
		pass "demo-$1-done"
	else
		fail "demo-$1-done" "no data-done or not $2 steps done"
	fi
}

# 收集: a photograph with EXIF, identified, hashed, catalogued
page collect
MAT=$(find "$D/tmp" -maxdepth 2 -type d -name material | head -1)
ok demo-collect-data-step test "$(grep -o 'data-step="' "$T/collect.html" | wc -l)" -eq 5
step collect pick -d item=nothing
ok demo-collect-bad-item grep -qx 400 "$T/step.code"
has demo-collect-bad-item-says "$T/step.html" "请选择一件要捐赠的物品"
step collect hash
ok demo-collect-out-of-order grep -qx 303 "$T/step.code"
page collect
ok demo-collect-order-kept grep -q 'class="dstep current" id="step-1"' "$T/collect.html"
run_steps collect pick:item=photo identify exif hash register
curl -s -b "$J" -o "$T/collect.html" "$B/demo/collect"
done_check collect 5
has demo-collect-type "$T/collect.html" 'data-mime="image/jpeg"'
has demo-collect-exif "$T/collect.html" 'data-exif'
sum=$(sha256sum "$MAT"/donate/*.jpg | grep -v 扫描件 | cut -c1-64)
ok demo-collect-sha256 test "$(attr "$T/collect.html" data-sha256)" = "$sum"
ok demo-collect-ref test -n "$(attr "$T/collect.html" data-ref | grep '^QF01-ZP')"
has demo-collect-event-collect "$T/collect.html" 'data-event="collect"'
has demo-collect-event-ingest "$T/collect.html" 'data-event="ingest"'
# a second donation of the same file is a duplicate, not a second record
step collect pick -d item=photo
ok demo-collect-done-stays grep -qx 303 "$T/step.code"

# 审核: the donation approved, on the public screen, in the chain
run_steps review look
step review decide -d decision=maybe
ok demo-review-bad-decision-400 grep -qx 400 "$T/step.code"
run_steps review decide:decision=approve screen chain
done_check review 4
has demo-review-subject "$T/review.html" 'data-subject="true"'
has demo-review-present "$T/review.html" 'data-present'
has demo-review-chain-ok "$T/review.html" 'data-chain-ok'
# code NAME: the text of <code NAME>…</code>
code_of() { grep -o "<code $1>[0-9a-f]*" "$T/review.html" | sed 's/.*>//'; }
ok demo-review-hash-computed test -n "$(code_of data-calc)" -a \
	"$(code_of data-calc)" = "$(code_of data-event-hash)"
prev=$(grep -o '<tr class="covered-prev"><th scope="row">[^<]*</th><td><code>[0-9a-f]*' "$T/review.html" | grep -o '[0-9a-f]\{64\}')
ok demo-review-covers-previous test -n "$prev" -a "$prev" = "$(code_of data-before-hash)"
# the review event is the sandbox's, never the real archive's
SBX=$(find "$D/tmp" -mindepth 2 -maxdepth 2 -path '*/demo-*/s*' -type d | head -1)
ok demo-review-event-in-sandbox test "$(sqlite3 "$SBX/hongdang.db" \
	"SELECT count(*) FROM events WHERE type = 'review' AND agent = 'demo:审核人'")" -eq 1

# 查阅: the request form refuses bad input, naming the field, storing
# nothing; then approval, the file opened inside the window (logged) and
# hidden outside it
nreq() { sqlite3 "$SBX/hongdang.db" "SELECT count(*) FROM consult_requests"; }
step consult request -d person= -d org=某中学 -d purpose=education -d kind=view
ok demo-consult-empty-400 grep -qx 400 "$T/step.code"
has demo-consult-empty-names-field "$T/step.html" "查阅人"
has demo-consult-error-shown "$T/step.html" "data-step-error"
long=$($PY -c 'print("长" * 500)')
step consult request --data-urlencode "person=$long" -d org=某中学 -d purpose=education -d kind=view
ok demo-consult-huge-400 grep -qx 400 "$T/step.code"
has demo-consult-huge-says "$T/step.html" "查阅人：须为 1 至 40 个字以内的文字"
step consult request -d person=王某 --data-urlencode "org=<script>alert(1)</script>" \
	--data-urlencode "purpose=');DROP TABLE consult_requests;--" -d kind=view
ok demo-consult-hostile-400 grep -qx 400 "$T/step.code"
has demo-consult-hostile-names-field "$T/step.html" "目的"
lacks demo-consult-hostile-escaped "$T/step.html" "<script>alert(1)"
has demo-consult-hostile-kept-escaped "$T/step.html" "&lt;script&gt;alert(1)&lt;/script&gt;"
step consult request -d person=王某 -d org=某中学 -d purpose=education -d kind=steal
ok demo-consult-bad-kind-400 grep -qx 400 "$T/step.code"
has demo-consult-bad-kind-says "$T/step.html" "查阅方式"
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/big"
code=$(curl -s -b "$J" -o /dev/null -w '%{http_code}' --data-urlencode "person@$T/big" \
	-d step=request "$B/demo/consult")
ok demo-consult-too-big-413 test "$code" = 413
ok demo-consult-bad-stored-nothing test "$(nreq)" -eq 0
run_steps consult request:person=王某,org=某中学,purpose=education,kind=view approve open
ok demo-consult-request-stored test "$(nreq)" -eq 1
page consult
has demo-consult-window "$T/consult.html" 'data-window="'
has demo-consult-content-inside "$T/consult.html" "入党时间"
has demo-consult-who-saw-what "$T/consult.html" 'data-log'
ok demo-consult-use-logged test "$(sqlite3 "$SBX/hongdang.db" \
	"SELECT count(*) FROM consult_uses")" -eq 1
run_steps consult outside
done_check consult 4
has demo-consult-denied-outside "$T/consult.html" 'data-denied'
lacks demo-consult-content-hidden "$T/consult.html" "入党时间"

# 转递: the bag's manifest as it stands, one byte flipped, named
run_steps transfer pack manifest flip validate
done_check transfer 4
BAG=$(find "$SBX/bags" -mindepth 1 -maxdepth 1 -type d | head -1)
$PY - "$T/transfer.html" "$BAG" >"$T/bag.check" <<'PY'
import html, re, sys
t = open(sys.argv[1], encoding='utf-8').read()
shown = html.unescape(re.search(r'<pre class="tagfile" data-manifest>(.*?)</pre>', t, re.S).group(1))
info = html.unescape(re.search(r'<pre class="tagfile" data-baginfo>(.*?)</pre>', t, re.S).group(1))
disk = open(sys.argv[2] + '/manifest-sha256.txt', encoding='utf-8').read()
ok = shown == disk and all(re.fullmatch(r'[0-9a-f]{64}  data/\S.*', l) for l in disk.splitlines())
print('manifest', 'same' if ok else 'differs')
print('baginfo', 'same' if info == open(sys.argv[2] + '/bag-info.txt', encoding='utf-8').read() else 'differs')
PY
has demo-transfer-manifest-verbatim "$T/bag.check" "manifest same"
has demo-transfer-baginfo-verbatim "$T/bag.check" "baginfo same"
has demo-transfer-invalid "$T/transfer.html" 'data-invalid'
has demo-transfer-named "$T/transfer.html" 'data-named'
ok demo-transfer-names-flipped test "$(attr "$T/transfer.html" data-error-path)" = \
	"$(attr "$T/transfer.html" data-flipped)"
"$HONGDANG" bag validate "$BAG" >"$T/bv.out" 2>&1
ok demo-transfer-cli-agrees grep -qF "$(attr "$T/transfer.html" data-flipped)" "$T/bv.out"

# 数字化: OCR with its confidence, the quality checks, the search
step digitise search -d q=夜校
ok demo-digitise-search-not-yet grep -qx 303 "$T/step.code"
run_steps digitise scan ocr
# OCR is done by the pool's worker: the page says so until it is
page digitise
has demo-digitise-ocr-pending "$T/digitise.html" 'data-pending'
for i in $(seq 150); do
	page digitise
	grep -q 'data-pending' "$T/digitise.html" || break
	sleep 0.1
done
lacks demo-digitise-ocr-finished "$T/digitise.html" 'data-pending'
run_steps digitise quality
step digitise search -d q=
ok demo-digitise-empty-query-400 grep -qx 400 "$T/step.code"
has demo-digitise-empty-query-says "$T/step.html" "查找的字"
step digitise search --data-urlencode "q=<b>夜校</b>"
ok demo-digitise-hostile-query-303 grep -qx 303 "$T/step.code"
page digitise
lacks demo-digitise-hostile-escaped "$T/digitise.html" "<b>夜校</b>"
run_steps digitise search:q=夜校
# the search may be done again: the last query shows
step digitise search -d q=夜校
ok demo-digitise-search-again grep -qx 303 "$T/step.code"
done_check digitise 4
conf=$(attr "$T/digitise.html" data-conf)
ok demo-digitise-confidence test "${conf:-0}" -ge 60
has demo-digitise-ocr-text "$T/digitise.html" "夜校"
ok demo-digitise-four-checks test "$(grep -o 'data-check="' "$T/digitise.html" | wc -l)" -eq 4
has demo-digitise-skew-checked "$T/digitise.html" 'data-check="歪斜"'
has demo-digitise-found "$T/digitise.html" 'data-found="true"'

# 库房: the chart drawn on the server, the lit box, the inventory count
run_steps storage chart
page storage
ref=$(grep -o 'name="ref" value="[^"]*"' "$T/storage.html" | head -1 | sed 's/.*value="//; s/"$//')
step storage shelf --data-urlencode "ref=no-such-record"
ok demo-storage-bad-ref-400 grep -qx 400 "$T/step.code"
step storage shelf --data-urlencode "ref=$ref"
ok demo-storage-shelf-303 grep -qx 303 "$T/step.code"
run_steps storage inventory
done_check storage 3
ok demo-storage-svg test "$(grep -c '<svg class="chart"' "$T/storage.html")" -eq 1
ok demo-storage-safe-bands test "$(grep -o 'class="ch-band"' "$T/storage.html" | wc -l)" -eq 2
nout=$(grep -o 'class="ch-out"' "$T/storage.html" | wc -l)
ok demo-storage-outside-marked test "$nout" -ge 1 -a "$nout" -eq \
	"$(grep -o 'data-outside' "$T/storage.html" | wc -l)"
ok demo-storage-one-box-lit test "$(grep -o 'data-lit-box="true"' "$T/storage.html" | wc -l)" -eq 1
lit=$(grep -o 'data-box="[^"]*" data-lit-box="true"' "$T/storage.html" | sed 's/data-box="//; s/".*//')
ok demo-storage-lit-is-record test "$lit" = "$(attr "$T/storage.html" data-lit)"
e=$(attr "$T/storage.html" data-expected); f=$(attr "$T/storage.html" data-found)
m=$(attr "$T/storage.html" data-missing)
ok demo-storage-inventory-count test "${e:-0}" -gt 0 -a "$e" -eq "$((f + m))"

# a server that runs for days: each new sandbox's chart still ends at the
# last reading slot (09:00 or 15:00 in China), four weeks of them
# (test clock moved three days on; the template is brought up to date)
chart_to() { grep -o '至 [0-9-]*' "$T/storage.html" | head -1 | cut -c 5-; }
SAVE_B=$B SAVE_J=$J SAVE_SPID=$SPID
if ! server_start days HONGDANG_TEST_CLOCK="$CLOCK" --templates \
	"$HD_TOP/templates" --audit-hours 0 --merge-idle 0 --demo-max 2; then
	fail demo-days-server "no answer: $(head -c 400 "$T/days.err")"
	exit 1
fi
B=$URL J="$T/days1.jar"
run_steps storage chart
page storage
to1=$(chart_to)
ok demo-days-chart-dated test -n "$to1"
clock_add 259200
sleep 2.5
J="$T/days2.jar"
run_steps storage chart
page storage
to2=$(chart_to)
ok demo-days-chart-current test "$to2" = "$(date -u -d "$to1 + 3 days" +%Y-%m-%d)"
n2=$(grep -o '共 [0-9]* 次读数' "$T/storage.html" | head -1 | tr -dc 0-9)
ok demo-days-four-weeks test "${n2:-0}" -ge 55 -a "${n2:-0}" -le 56
kill "$SPID"; wait "$SPID" 2>/dev/null
B=$SAVE_B J=$SAVE_J SPID=$SAVE_SPID

# every page a visitor saw lists the procedure's own steps
ok demo-rules-shown test "$(grep -o 'data-proc-step' "$T/collect.html" | wc -l)" -eq 5
# the attract loop's list of demonstrations
curl -s "$B/api/demos" >"$OUT"
jq_is demo-api-six "len(d['demos'])" 6
jq_is demo-api-steps "d['demos'][0]['steps'][0]" 选择捐赠物

# the real archive saw none of it
kill "$SPID"; wait "$SPID" 2>/dev/null; PIDS=""
chain_state >"$T/real.after"
if cmp -s "$T/real.before" "$T/real.after"; then
	pass demo-six-real-archive-unchanged
else
	fail demo-six-real-archive-unchanged "before: $(cat "$T/real.before"); after: $(cat "$T/real.after")"
fi
