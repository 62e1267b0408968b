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
