# Review (审核) end to end, from the command line and the admin pages:
# the queue with thumbnails, approve / return with a reason / edit and
# resubmit / withdraw, each an event naming the account; what a visitor
# sees follows at once (search, the JSON API, record pages, images); the
# wrong role and a missing form token change nothing.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
need_sample
mapfile -t photos < <(find "$S" -name '*.jpg' | sort | head -3)

mk() {  # mk DIR WORD PHOTO: one photo record titled WORD
	mkdir -p "$T/$1"
	cp "$3" "$T/$1/$2.jpg"
}
mk one 议事甲壹 "${photos[0]}"
mk two 改造乙贰 "${photos[1]}"
mk secret 党员丙叁 "${photos[2]}"
hd ingest --json --access public --class SQ "$T/one"
R1=$(refs_of)
hd ingest --json --access public --class GZ "$T/two"
R2=$(refs_of)
hd ingest --json --access restricted --category RS --class DJ "$T/secret"
R3=$(refs_of)
IMG1=$(shas_of "$R1")
IMG2=$(shas_of "$R2")
IMG3=$(shas_of "$R3")
ok one-record-each test "$(printf '%s\n' "$R1" "$R2" "$R3" "$IMG1" "$IMG2" "$IMG3" | wc -l)" -eq 6
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'

serve main
# visible-to-visitors probes: VIS NAME REF WORD WANT(yes|no)
vis() {
	local name=$1 ref=$2 word=$3 want=$4 got=no n
	req - GET "/search?q=$(urlq "$word")"
	grep -qF "$word" "$BODY" && grep -qF "$(dot "$ref")" "$BODY" && got=yes
	req - GET "/api/search?q=$(urlq "$word")"
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$BODY")
	req - GET "/record/$(dot "$ref")"
	if [ "$want" = yes ]; then
		[ "$got" = yes ] && [ "$n" -ge 1 ] && [ "$CODE" = 200 ] &&
			pass "$name" || fail "$name" "search $got, api $n, page $CODE"
	else
		[ "$got" = no ] && [ "$n" -eq 0 ] && [ "$CODE" = 404 ] &&
			pass "$name" || fail "$name" "search $got, api $n, page $CODE"
	fi
}
vis pending-invisible "$R1" 议事甲壹 no
req - GET "/img/thumb/$IMG1.jpg"
code pending-thumb-404 404

# ------------------------------------------------------- command line
hd review list --json
status list-exit 0
jq_is list-pending "sorted(i['ref'] for i in d)" "$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$R1" "$R2" "$R3")"
snapshot before-bad
hd review return "$R1"
status return-needs-reason 2
hd review return "$R1" --reason '   '
status return-blank-reason 1
hd review withdraw "$R1" --reason 'x'
status withdraw-pending-refused 1
has withdraw-pending-message "$ERR" "不能撤回"
hd review approve 'QF01-WS·1999·Y-9999'
status approve-unknown 1
hd review approve 'not a ref'
status approve-malformed 1
hd review bogus "$R1"
status unknown-subcommand 2
# each subcommand takes its own options only
hd review approve "$R1" --title x
status approve-foreign-option 2
has approve-foreign-option-named "$ERR" "unknown option '--title'"
hd review list --reason x
status list-foreign-option 2
has list-foreign-option-named "$ERR" "'--reason'"
hd review return "$R1" --reason x --status all
status return-foreign-option 2
has return-foreign-option-named "$ERR" "'--status'"
hd review edit "$R1" --title x --json
status edit-foreign-option 2
hd review --json list
status option-before-subcommand 2
has option-before-subcommand-named "$ERR" "'--json'"
hd review approve --help
status approve-help 0
has approve-help-usage "$OUT" "usage: hongdang [-d DIR] review approve REF"
lacks approve-help-own "$OUT" "--title"
hd review edit "$R1" --title ''
status edit-empty-title 1
has edit-empty-title-message "$ERR" "题名不能为空"
hd review edit "$R1" --date '1958-13-01'
status edit-bad-date 1
hd review edit "$R1" --access secret
status edit-bad-access 1
unchanged before-bad

hd review return "$R1" --reason '题名应写明会议届次'
status cli-return 0
hd review list --status returned --json
jq_is returned-listed "[(i['ref'], i['note'], i['note_by']) for i in d]" "[('$R1', '题名应写明会议届次', 'cli:root')]"
hd review approve "$R1"
status approve-returned-refused 1
has approve-returned-message "$ERR" "已退回"
hd review edit "$R1" --title '第一届居民议事会' --subjects '议事会；居民自治' --date 1985-03
status cli-edit 0
has cli-edit-count "$OUT" "已修改 3 项"
hd review edit "$R1" --title '第一届居民议事会'
has cli-edit-no-change "$OUT" "没有改动"
hd audit --record "$R1" --type edit --json
jq_is edit-event-count "d['total']" 1
jq_is edit-before-after "(lambda x: (x['before']['title'], sorted(x['before']), x['after']))(json.loads(d['events'][0]['detail']))" "('议事甲壹', ['date', 'subjects', 'title'], {'title': '第一届居民议事会', 'date': '1985-03', 'subjects': ['议事会', '居民自治']})"
hd review resubmit "$R1"
status cli-resubmit 0
hd review approve "$R1"
status cli-approve 0
vis cli-approved-visible "$R1" 第一届居民议事会 yes
vis cli-approved-subject "$R1" 居民自治 yes
req - GET "/img/thumb/$IMG1.jpg"
code approved-thumb-200 200
hd audit --record "$R1" --type review --json
jq_is review-events "[json.loads(e['detail'])['decision'] for e in d['events']]" "['return', 'resubmit', 'approve']"

# ------------------------------------------------------------ admin pages
login r li 'li-reviews-88'
login a zhang 'zhang-secret-77'
req r GET /admin/review
code queue-200 200
has queue-lists-r2 "$BODY" "$R2"
has queue-lists-r3 "$BODY" "$R3"
has queue-thumb "$BODY" "/admin/img/thumb/"
lacks queue-no-restricted-thumb "$BODY" "$IMG3"
req r GET "/admin/img/thumb/$IMG2.jpg"
code staff-pending-thumb 200
hdr staff-thumb-type Content-Type image/jpeg
hdr staff-thumb-private Cache-Control private
req r GET "/admin/img/thumb/$IMG3.jpg"
code staff-restricted-thumb-404 404
req r GET "/admin/img/screen/$IMG3.jpg"
code staff-restricted-screen-404 404
req - GET "/admin/img/thumb/$IMG1.jpg"
code visitor-admin-thumb-303 303
req r GET "/admin/img/thumb/../../etc/passwd"
code admin-img-traversal 404
req r GET "/admin/record/$(dot "$R3")"
code restricted-metadata-for-staff 200
has restricted-title-shown "$BODY" "党员丙叁"
has restricted-note "$BODY" "限制级档案"
req r GET "/admin/record/QF01-WS.1999.Y-9999"
code admin-record-unknown 404

# the wrong role and missing tokens change nothing
snapshot before-refusals
post a "/admin/record/$(dot "$R2")" action=approve
code archivist-cannot-approve 403
post a "/admin/record/$(dot "$R2")" action=return reason=x
code archivist-cannot-return 403
post r "/admin/record/$(dot "$R2")" action=edit title=改名
code reviewer-cannot-edit 403
req r POST "/admin/record/$(dot "$R2")" --data 'action=approve'
code approve-without-token 403
req r POST "/admin/record/$(dot "$R2")" --data "action=approve&csrf=$(csrf a)"
code approve-with-others-token 403
req - POST "/admin/record/$(dot "$R2")" --data 'action=approve'
code visitor-approve-303 303
post r "/admin/record/$(dot "$R2")" action=explode
code unknown-action 400
unchanged before-refusals
vis refusals-still-invisible "$R2" 改造乙贰 no

# reviewer approves on the page
post r "/admin/record/$(dot "$R2")" action=approve
code web-approve 303
hdr web-approve-back Location "/admin/record/$(dot "$R2")?done=approve"
vis web-approved-visible "$R2" 改造乙贰 yes
hd audit --record "$R2" --type review --json
jq_is web-approve-names-account "[(e['agent'], json.loads(e['detail'])['decision']) for e in d['events']]" "[('web:li', 'approve')]"
req r GET "/admin/record/$(dot "$R2")?done=approve"
has web-approve-done "$BODY" "已批准发布"
has web-public-link "$BODY" "href=\"/record/$(dot "$R2")\""
post r "/admin/record/$(dot "$R2")" action=approve
code approve-twice 422
has approve-twice-message "$BODY" "不能批准"

# archivist edits a published record: it goes back for review at once
post a "/admin/record/$(dot "$R2")" action=edit title='排水沟改造前后' description=$'改造前后对比。\r\n第二行'
code web-edit 303
hd show --json "$R2"
jq_is web-edit-status "d['status']" pending
jq_is web-edit-title "d['title']" 排水沟改造前后
jq_is web-edit-lines "d['description']" $'改造前后对比。\n第二行'
vis web-edited-off-public "$R2" 改造乙贰 no
hd audit --record "$R2" --type edit --json
jq_is web-edit-event "(d['events'][0]['agent'], json.loads(d['events'][0]['detail'])['after']['status'])" "('web:zhang', 'pending')"
post a "/admin/record/$(dot "$R2")" action=edit title='排水沟改造前后' description=$'改造前后对比。\r\n第二行'
hdr web-edit-same Location "done=same"

# return, resubmit, approve, withdraw: all through the pages
post r "/admin/record/$(dot "$R2")" action=return reason=''
code web-return-needs-reason 422
post r "/admin/record/$(dot "$R2")" action=return reason='请补充日期'
code web-return 303
req a GET /admin/review?status=returned
has web-returned-reason "$BODY" "请补充日期"
post a "/admin/record/$(dot "$R2")" action=edit date=2022-05
post a "/admin/record/$(dot "$R2")" action=resubmit
code web-resubmit 303
post r "/admin/record/$(dot "$R2")" action=approve
code web-approve-again 303
vis reapproved-visible "$R2" 排水沟改造前后 yes
req - GET "/img/screen/$IMG2.jpg"
code public-image-before-withdraw 200
hdr public-image-revalidated Cache-Control no-cache
etag=$(grep -i '^etag:' "$H" | cut -d' ' -f2- | tr -d '\r')
req - GET "/img/screen/$IMG2.jpg" -H "If-None-Match: $etag"
code public-image-304 304
post a "/admin/record/$(dot "$R2")" action=withdraw reason=x
code archivist-cannot-withdraw 403
post r "/admin/record/$(dot "$R2")" action=withdraw reason='涉及个人隐私'
code web-withdraw 303
vis withdrawn-gone-at-once "$R2" 排水沟改造前后 no
req - GET "/img/screen/$IMG2.jpg"
code withdrawn-image-gone 404
req - GET "/img/screen/$IMG2.jpg" -H "If-None-Match: $etag"
code withdrawn-cached-image-gone 404
req - GET "/api/records/$(dot "$R2")"
code withdrawn-api-404 404
hd audit --record "$R2" --type withdraw --json
jq_is withdraw-event "[(e['agent'], json.loads(e['detail'])['reason']) for e in d['events']]" "[('web:li', '涉及个人隐私')]"
req r GET "/admin/review?status=withdrawn"
has withdrawn-queue "$BODY" "$R2"

# a visitor asking for restricted content by reference or hash
req - GET "/record/$(dot "$R3")"
code restricted-record-404 404
req - GET "/api/records/$(dot "$R3")"
code restricted-api-404 404
req - GET "/img/thumb/$IMG3.jpg"
code restricted-thumb-404 404
req - GET "/img/screen/$IMG3.jpg"
code restricted-screen-404 404
hd review approve "$R3"
req - GET "/record/$(dot "$R3")"
code restricted-approved-still-404 404
req - GET "/img/thumb/$IMG3.jpg"
code restricted-approved-thumb-404 404
req - GET "/search?q=$(urlq 党员丙叁)"
lacks restricted-not-searchable "$BODY" "$(dot "$R3")"

# an archivist may not lift a restriction: that would open a party
# member's archive to staff view without a consultation
post a "/admin/record/$(dot "$R3")" action=edit access=internal
code archivist-cannot-unrestrict 403
ok unrestrict-nothing test "$(sqlite3 "$D/hongdang.db" "SELECT access
	FROM records WHERE ref = '$R3'")" = restricted
req a GET "/admin/record/$(dot "$R3")"
lacks unrestrict-no-images "$BODY" "/admin/img/"

alive
hd verify
status verify-after 0
