# The audit listing: "hongdang audit" by record, type, agent and time,
# text and JSON, paging; /admin/audit with the same filters for the
# roles that may read it; bad filters refused, nothing changed.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive

mkdir -p "$T/a" "$T/b"
printf '居民议事会纪要：讨论加装电梯。\n' >"$T/a/议事会纪要.txt"
printf '社区图书室借阅登记。\n' >"$T/b/借阅登记.txt"
hd ingest --json --access public "$T/a"
RA=$(refs_of)
hd ingest --json --access public "$T/b"
RB=$(refs_of)
hd review approve "$RA"
hd review return "$RB" --reason '请补充日期'
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'

# ------------------------------------------------------- command line
hd audit
status audit-exit 0
head -1 "$OUT" >"$T/first"
has audit-oldest-first "$T/first" "init"
has audit-text-ref "$OUT" "$RA"
hd audit --json
status audit-json 0
jq_is audit-total "d['total'] == len(d['events'])" True
jq_is audit-ids-ascending "[e['id'] for e in d['events']] == sorted(e['id'] for e in d['events'])" True
ALL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$OUT")
hd audit --newest --limit 1 --json
jq_is audit-newest "(d['events'][0]['id'], d['events'][0]['type'])" "($ALL, 'account')"
hd audit --record "$RA" --json
jq_is audit-record "[e['type'] for e in d['events']]" "['collect', 'ingest', 'review']"
jq_is audit-record-ref "set(e['ref'] for e in d['events'])" "{'$RA'}"
hd audit --record "$(dot "$RB")" --type review --json
jq_is audit-record-type "[json.loads(e['detail']) for e in d['events']]" "[{'decision': 'return', 'reason': '请补充日期', 'from': 'pending'}]"
hd audit --type account --json
jq_is audit-type "[json.loads(e['detail'])['user'] for e in d['events']]" "['zhang', 'li']"
hd audit --agent cli:nobody --json
jq_is audit-agent-none "d['total']" 0
hd audit --limit 2 --offset 1 --json
jq_is audit-page "([e['id'] for e in d['events']], d['total'])" "([2, 3], $ALL)"
hd audit --since "$(TZ=Asia/Shanghai date -d tomorrow +%F)" --json
jq_is audit-since-tomorrow "d['total']" 0
hd audit --since "$(TZ=Asia/Shanghai date -d yesterday +%F)" --json
jq_is audit-since-yesterday "d['total']" "$ALL"
hd audit --since "$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)" --json
jq_is audit-since-utc "d['total']" "$ALL"

snapshot before-bad
hd audit --since 2026-13-01
status since-bad-month 2
hd audit --since yesterday
status since-word 2
has since-message "$ERR" "YYYY-MM-DD"
hd audit --limit 0
status limit-zero 2
hd audit --limit x
status limit-word 2
hd audit --record QF01-WS.1999.Y-9999
status record-unknown 1
hd audit --record 'not a ref'
status record-malformed 2
hd audit extra
status extra-arg 2
unchanged before-bad

# ---------------------------------------------------------- the page
serve main
req - GET /admin/audit
code visitor-to-login 303
login a zhang "zhang-secret-77"
code login-zhang 303
login r li 'li-reviews-88'
req r GET /admin/audit
code reviewer-403 403
req a GET /admin/audit
code archivist-200 200
has page-lists-review "$BODY" "请补充日期"
has page-record-link "$BODY" "/admin/record/$(dot "$RA")"
has page-lists-login "$BODY" "web:li"
req a GET "/admin/audit?record=$(urlq "$RB")&type=review"
code page-filter 200
has page-filter-hit "$BODY" "请补充日期"
lacks page-filter-other "$BODY" ">ingest<"
req a GET "/admin/audit?type=login&agent=web:zhang"
has page-agent-filter "$BODY" "web:zhang"
lacks page-agent-filter-other "$BODY" "web:li"
req a GET "/admin/audit?since=bad"
code page-bad-since 422
has page-bad-since-message "$BODY" "YYYY-MM-DD"
req a GET "/admin/audit?record=QF01-WS.1999.Y-9999"
code page-unknown-record 422
req a GET "/admin/audit?since=$(TZ=Asia/Shanghai date -d tomorrow +%F)"
has page-since-empty "$BODY" "共 0 条"
# more than a page: paging links keep the filters
for i in $(seq 55); do
	hd review edit "$RB" --description "第 $i 次修改"
done
req a GET "/admin/audit?type=edit"
has page-total "$BODY" "共 55 条"
has page-next "$BODY" "/admin/audit?page=2&amp;type=edit"
req a GET "/admin/audit?type=edit&page=2"
has page-2-prev "$BODY" "/admin/audit?page=1&amp;type=edit"
has page-2-oldest "$BODY" "第 1 次修改"
lacks page-2-no-next "$BODY" "下一页"

alive
hd verify
status verify-after 0
