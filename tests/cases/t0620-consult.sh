# Consultation (查阅 / 借阅) end to end: requests from the command line and
# the admin page, approval by a reviewer for a named account, restricted
# content shown only to that account, only for the kinds approved and
# only inside the window, every use logged (who, what, when, which file),
# refusals, an ended window, usage statistics; visitors never see it.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
need_sample
photo=$(find "$S" -name '*.jpg' | sort | head -1)

# a party member's personal archive: a scan and a transcript
mkdir -p "$T/rs"
cp "$photo" "$T/rs/入党志愿书.jpg"
printf '入党志愿书抄件：我志愿加入中国共产党，拥护党的纲领。\n' >"$T/rs/抄件.txt"
printf '文件名,题名,门类,开放,机构问题\n入党志愿书.jpg;抄件.txt,张某某入党志愿书,RS,restricted,DJ\n' >"$T/sheet.csv"
hd ingest --json --sheet "$T/sheet.csv" "$T/rs"
status ingest 0
R=$(refs_of)
RD=$(dot "$R")
hd show --json "$R"
IMG=$(python3 -c 'import json,sys; print([f["sha256"] for f in json.load(open(sys.argv[1]))["files"] if f["mime"].startswith("image/")][0])' "$OUT")
NIMG=$(python3 -c 'import json,sys; print([i + 1 for i, f in enumerate(json.load(open(sys.argv[1]))["files"]) if f["mime"].startswith("image/")][0])' "$OUT")
NTXT=$(python3 -c 'import json,sys; print([i + 1 for i, f in enumerate(json.load(open(sys.argv[1]))["files"]) if f["mime"].startswith("text/")][0])' "$OUT")
TXTSHA=$(python3 -c 'import json,sys; print([f["sha256"] for f in json.load(open(sys.argv[1]))["files"] if f["mime"].startswith("text/")][0])' "$OUT")
ok two-files test "$NIMG$NTXT" = 12 -o "$NIMG$NTXT" = 21
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
account root1 admin 'Admin-Pass-2026'

# --------------------------------------------------------- bad requests
snapshot before-bad
hd consult request --person 张小明 --org 番禺区档案馆 --kind view --days 7 "$R"
status request-needs-purpose 2
hd consult request --person 张小明 --org 番禺区档案馆 --purpose fun --kind view --days 7 "$R"
status request-bad-purpose 1
has request-bad-purpose-message "$ERR" "目的 'fun'"
hd consult request --person 张小明 --org 番禺区档案馆 --purpose research --kind look --days 7 "$R"
status request-bad-kind 1
hd consult request --person 张小明 --org 番禺区档案馆 --purpose research --kind view --days 0 "$R"
status request-zero-days 2
hd consult request --person 张小明 --org 番禺区档案馆 --purpose research --kind view --days 91 "$R"
status request-too-many-days 2
hd consult request --person 张小明 --org 番禺区档案馆 --purpose research --kind view --days 7
status request-no-record 2
hd consult request --person 张小明 --org 番禺区档案馆 --purpose research --kind view --days 7 "$R" QF01-WS.1999.Y-9999
status request-unknown-record 1
has request-unknown-message "$ERR" "没有这件档案"
hd consult request --person '' --org 番禺区档案馆 --purpose research --kind view --days 7 "$R"
status request-empty-person 1
# each subcommand takes its own options only
hd consult request --person 张小明 --org 番禺区档案馆 --purpose research --kind view --days 7 --account zhang "$R"
status request-foreign-option 2
has request-foreign-option-named "$ERR" "unknown option '--account'"
hd consult refuse 1 --reason x --days 3
status refuse-foreign-option 2
has refuse-foreign-option-named "$ERR" "'--days'"
hd consult stats --status pending
status stats-foreign-option 2
has stats-foreign-option-named "$ERR" "'--status'"
unchanged before-bad
ok bad-requests-store-nothing test "$(sql 'SELECT count(*) FROM consult_requests')" -eq 0

# ------------------------------------------------------------ request 1
hd consult request --json --person 张小明 --org 番禺区档案馆 --purpose research \
	--note '编写社区党史' --kind view,print --days 7 "$R"
status request-1 0
jq_is request-1-id "d['id']" 1
hd consult list --json
jq_is list-pending "[(c['id'], c['status'], c['kinds'], c['refs']) for c in d]" "[(1, 'pending', 'view,print', ['$R'])]"

serve main
login a zhang 'zhang-secret-77'
login r li 'li-reviews-88'
req a GET "/admin/consult/view/$RD/$NIMG"
code pending-not-viewable 403
has pending-message "$BODY" "没有有效的查阅批准"

# approval: a reviewer, for someone else, among the kinds asked
post r /admin/consult action=approve id=1 account=li kind_view=1
code no-self-approval 403
has no-self-approval-message "$BODY" "不能批准以自己为查阅账户的申请"
post a /admin/consult action=approve id=1 account=zhang kind_view=1
code archivist-cannot-approve 403
post r /admin/consult action=approve id=1 account=zhang kind_copy=1
code approve-beyond-asked 422
has approve-beyond-message "$BODY" "超出申请"
post r /admin/consult action=approve id=1 account=nobody kind_view=1
code approve-unknown-account 422
req r POST /admin/consult --data 'action=approve&id=1&account=zhang&kind_view=1'
code approve-without-token 403
ok still-pending test "$(sql 'SELECT status FROM consult_requests WHERE id = 1')" = pending
post r /admin/consult action=approve id=1 account=zhang kind_view=1
code web-approve 303
hdr web-approve-back Location "/admin/consult?done=approve"
TODAY=$(TZ=Asia/Shanghai date +%F)
UNTIL=$(TZ=Asia/Shanghai date -d "+6 days" +%F)
hd consult list --json
jq_is approved-window "[(c['status'], c['account'], c['granted'], c['from'], c['until'], c['decided_by']) for c in d]" "[('approved', 'zhang', 'view', '$TODAY', '$UNTIL', 'web:li')]"
hd consult approve 1 --account zhang
status approve-twice 1
has approve-twice-message "$ERR" "不能再批准"

# the named account sees the content, for the kind approved; logged
n0=$(sql "SELECT count(*) FROM events WHERE type = 'consult'")
req a GET "/admin/consult/view/$RD/$NIMG"
code view-image 200
has view-image-inline "$BODY" 'src="data:image/jpeg;base64,/9j/'
has view-watermark "$BODY" "账户 zhang"
hdr view-no-store Cache-Control no-store
hdr view-csp Content-Security-Policy "img-src 'self' data:"
req a GET "/admin/consult/view/$RD/$NTXT"
code view-text 200
has view-text-content "$BODY" "我志愿加入中国共产党"
ok view-logged test "$(sql "SELECT count(*) FROM events WHERE type = 'consult'")" -eq $((n0 + 2))
hd audit --type consult --record "$R" --json
jq_is view-event "[(e['agent'], json.loads(e['detail'])['action'], json.loads(e['detail'])['account'], json.loads(e['detail'])['request']) for e in d['events'][-2:]]" "[('web:zhang', 'view', 'zhang', 1), ('web:zhang', 'view', 'zhang', 1)]"
jq_is view-event-file "json.loads(d['events'][-1]['detail'])['file']" 抄件.txt
jq_is view-event-sha "json.loads(d['events'][-1]['detail'])['sha256']" "$TXTSHA"
req a GET "/admin/consult/print/$RD/$NIMG"
code print-not-granted 403
req a GET "/admin/consult/copy/$RD/$NTXT"
code copy-not-granted 403
ok refusals-not-logged test "$(sql "SELECT count(*) FROM events WHERE type = 'consult'")" -eq $((n0 + 2))
req a GET "/admin/record/$RD"
has record-page-consult-link "$BODY" "/admin/consult/view/$RD/$NIMG"
lacks record-page-no-print-link "$BODY" "/admin/consult/print/"
# anyone else: refused
req r GET "/admin/consult/view/$RD/$NIMG"
code other-account-refused 403
req - GET "/admin/consult/view/$RD/$NIMG"
code visitor-to-login 303
req a GET "/admin/consult/view/$RD/9"
code no-such-file 404
req a GET "/admin/consult/view/$RD/0"
code file-zero 404
req a GET "/admin/consult/view/QF01-WS.1999.Y-9999/1"
code no-such-record 404
req a GET "/admin/consult/peek/$RD/1"
code no-such-kind 404
# staff images and visitor pages never show restricted content
req a GET "/admin/img/screen/$IMG.jpg"
code staff-image-route-refuses 404
req - GET "/img/screen/$IMG.jpg"
code visitor-image-404 404
req - GET "/record/$RD"
code visitor-record-404 404
req - GET "/api/records/$RD"
code visitor-api-404 404

# ------------------------------------- request 2 from the page; window over
post a /admin/consult action=request person=李研究员 org=中山大学历史系 \
	purpose=history note= kind_copy=1 days=3 refs="$R"
code web-request 303
hd consult list --status pending --json
jq_is web-request-stored "[(c['id'], c['person'], c['purpose'], c['kinds'], c['requester']) for c in d]" "[(2, '李研究员', 'history', 'copy', 'web:zhang')]"
post r /admin/consult action=request person=x org=y purpose=other kind_view=1 days=1 refs="$R"
code reviewer-cannot-request 403
post a /admin/consult action=request person=x org=y purpose=other kind_view=1 days=1 refs=QF01-WS.1999.Y-9999
code web-request-unknown-record 422
# an approval recorded for a window that has ended grants nothing
hd consult approve 2 --account zhang --from 2020-01-01 --days 3
status approve-past-window 0
hd consult list --json
jq_is past-window "[(c['from'], c['until']) for c in d if c['id'] == 2]" "[('2020-01-01', '2020-01-03')]"
req a GET "/admin/consult/copy/$RD/$NTXT"
code ended-window-refused 403
has ended-window-message "$BODY" "不在批准的期限内"
hd consult approve 2 --account zhang --from 2020-02-30
status approve-bad-date 1

# ---------------------------------------------------- request 3: a copy
hd consult request --json --person 王老师 --org 市桥二中 --purpose education --kind copy --days 2 "$R"
hd consult approve 3 --account zhang
status approve-3 0
req a GET "/admin/consult/copy/$RD/$NTXT"
code copy-200 200
hdr copy-attachment Content-Disposition "attachment"
hdr copy-name Content-Disposition "filename*=UTF-8''%E6%8A%84%E4%BB%B6.txt"
hdr copy-octet Content-Type application/octet-stream
hdr copy-no-store Cache-Control no-store
ok copy-bytes test "$(sha256sum <"$BODY" | cut -c1-64)" = "$TXTSHA"
req a GET "/admin/consult/copy/$RD/$NIMG"
code copy-image 200
ok copy-image-bytes test "$(sha256sum <"$BODY" | cut -c1-64)" = "$IMG"

# ------------------------------------------------------ request 4: refused
hd consult request --person 某公司 --org 某公司 --purpose other --kind view --days 1 "$R"
hd consult refuse 4
status refuse-needs-reason 2
hd consult refuse 4 --reason '用途与档案无关'
status refuse-4 0
hd consult approve 4 --account zhang
status approve-refused 1
hd consult refuse 99 --reason x
status refuse-unknown 1
hd consult list --status refused --json
jq_is refused-listed "[(c['id'], c['reason']) for c in d]" "[(4, '用途与档案无关')]"

# ------------------------------------------------- pages and statistics
req a GET /admin/consult
code consult-page 200
has consult-page-request "$BODY" "李研究员"
has consult-page-stats "$BODY" "利用统计"
has consult-page-mine "$BODY" "我的查阅批准"
lacks consult-page-kinds-in-chinese "$BODY" "view,"
lacks consult-page-china-time "$BODY" "Z</p>"
lacks archivist-no-approve-form "$BODY" 'value="approve"'
req r GET /admin/consult
code consult-page-reviewer 200
hd consult stats --json
status stats-exit 0
jq_is stats-month "[(m['requests'], m['items'], m['uses']) for m in d['month']]" "[(4, 4, 4)]"
jq_is stats-category "[(c['key'], c['requests'], c['uses']) for c in d['category']]" "[('RS', 4, 4)]"
jq_is stats-purpose "sorted((p['key'], p['requests'], p['uses']) for p in d['purpose'])" "[('education', 1, 2), ('history', 1, 0), ('other', 1, 0), ('research', 1, 2)]"
hd consult stats
has stats-text "$OUT" "按目的"
has stats-text-purpose "$OUT" "学术研究"
hd audit --type consult --json
jq_is audit-uses "sorted(json.loads(e['detail'])['action'] for e in d['events'])" "['approve', 'approve', 'approve', 'copy', 'copy', 'refuse', 'request', 'request', 'request', 'request', 'view', 'view']"

alive
hd verify
status verify-after 0

# an image that cannot be shown (its master damaged after the check
# above): the page shows the text read from this file's own pages and
# nothing of the record's other files, whose use is not the one logged
obj="$D/objects/${IMG:0:2}/${IMG:2}"
chmod u+w "$obj"
printf 'xxxxxxxx' | dd of="$obj" bs=1 seek=0 conv=notrunc 2>/dev/null
rm -rf "$D/derived"
req a GET "/admin/consult/view/$RD/$NIMG"
code unshowable-view 200
lacks unshowable-no-other-file "$BODY" "我志愿加入"
has unshowable-own-pages "$BODY" "第 1 页"
