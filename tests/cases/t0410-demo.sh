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
for m in re.finditer(r'<h2 class="step-title">(.*?)</h2>', t, re.S):
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
# The real archive as the tests compare it: events, the chain's head,
# objects (catalogued and on disk).
real_state() {
	sqlite3 "$D/hongdang.db" "SELECT count(*) FROM events;
		SELECT value FROM meta WHERE key = 'event_head_hash';
		SELECT count(*) FROM objects; SELECT count(*) FROM records;" |
		tr '\n' ' '
	find "$D/objects" -type f | wc -l
}
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
real_state >"$T/real.before"
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
real_state >"$T/real.after"
if cmp -s "$T/real.before" "$T/real.after"; then
	pass demo-real-archive-unchanged
else
	fail demo-real-archive-unchanged "before: $(cat "$T/real.before"); after: $(cat "$T/real.after")"
fi
