# Keeping (保管) on one page: the last fixity audit and what it found, the
# last backup (where, when, verified against the backup folder), "back up
# now" into the configured folder in the background (a backup that
# restores), the storage room's readings out of range, and the bookings
# of the coming days, one cancelled and a slot closed (the public form
# then refuses it).  Bad requests change nothing: no folder set, no form
# token, a reviewer, a visitor, an unknown booking, an hour that is no
# slot; the admin menu links the page.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
mkdir -p "$T/batch"
printf '前锋社区大事记。\n' >"$T/batch/大事记.txt"
printf '社区夜校招生简章。\n' >"$T/batch/夜校.txt"
hd ingest --json --no-ocr --approve --access public "$T/batch"
status ingest 0
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
SERVE_OPTS='--audit-hours 0'   # no audit of its own: the CLI's are shown
serve main
login a zhang 'zhang-secret-77'
login r li 'li-reviews-88'
events() { sql "SELECT count(*) FROM events WHERE type = '$1'"; }

# ---------------------------------------------------- nothing done yet
req a GET /admin/keeping
code page-200 200
has menu-link "$BODY" '<a href="/admin/keeping">保管</a>'
has no-fixity-yet "$BODY" '还没有做过完整性检查'
has no-backup-yet "$BODY" '还没有备份过'
has no-dest-yet "$BODY" 'hongdang config backup.dest'
has no-readings-out "$BODY" '没有超出范围'
has backup-button "$BODY" '立即备份'
req r GET /admin/keeping
code reviewer-reads 200
lacks reviewer-no-button "$BODY" '立即备份'
req - GET /admin/keeping
code visitor-login 303

# ------------------------------------------------------------- fixity
hd verify
status verify 0
req a GET /admin/keeping
has fixity-ok "$BODY" '2 个数字对象全部与 SHA-256 一致，事件链完整'
obj=$(find "$D/objects" -type f | head -1)
chmod u+w "$obj" && printf 'x' >>"$obj"
hd verify
status verify-damage 1
req a GET /admin/keeping
has fixity-bad "$BODY" '损坏 1 个，缺失 0 个'
has fixity-bad-badge "$BODY" '有问题'
# mend it again (the damaged byte off) so the backups below can run
truncate -s -1 "$obj"
hd verify
status verify-mended 0

# ------------------------------------------------------------- backups
snapshot before-bad-backup
post a /admin/keeping action=backup
code backup-no-dest-422 422
has backup-no-dest-says "$BODY" '还没有设置备份位置'
hd config backup.dest relative/folder
status dest-not-absolute 2
hd config backup.dest "$T/backups/红档"
status dest-set 0
req a POST /admin/keeping --data-urlencode action=backup
code backup-no-token-403 403
post r /admin/keeping action=backup
code backup-reviewer-403 403
req - POST /admin/keeping --data-urlencode action=backup
code backup-visitor-login 303
ok bad-backups-none test "$(events backup)" -eq 0 -a ! -e "$T/backups/红档"
post a /admin/keeping action=nonsense
code unknown-action-400 400
# wait_backup NAME: the page until the backup under way has ended
wait_backup() {
	local i
	for i in $(seq 100); do
		req a GET /admin/keeping
		grep -q '进行中' "$BODY" || break
		sleep 0.1
	done
	lacks "$1" "$BODY" '进行中'
}
post a /admin/keeping action=backup
code backup-303 303
hdr backup-back Location '/admin/keeping?done=backup'
wait_backup backup-ends
has backup-done "$BODY" '备份完成'
has backup-verified "$BODY" '已核验'
has backup-where "$BODY" "$T/backups/红档"
has backup-who "$BODY" 'web:zhang'
ok backup-event test "$(sql "SELECT count(*) FROM events WHERE type = 'backup' AND agent = 'web:zhang'")" -eq 1
ok backup-folder test -f "$T/backups/红档/BACKUP" -a -f "$T/backups/红档/hongdang.db"
"$HONGDANG" -d "$T/restored" restore "$T/backups/红档" >/dev/null 2>"$ERR"
RC=$?
status backup-restores 0
ok backup-same-records test "$(sqlite3 "$T/restored/hongdang.db" 'SELECT group_concat(ref) FROM records')" = "$(sql 'SELECT group_concat(ref) FROM records')"
# the backup disk gone: the page says so
mv "$T/backups" "$T/unplugged"
req a GET /admin/keeping
has backup-missing "$BODY" '找不到'
mv "$T/unplugged" "$T/backups"
# a folder that is no backup: the backup fails, named, nothing written
mkdir -p "$T/other" && printf 'x\n' >"$T/other/notes.txt"
hd config backup.dest "$T/other"
post a /admin/keeping action=backup
code backup-other-303 303
wait_backup backup-other-ends
has backup-failed "$BODY" '备份失败'
has backup-failed-names "$BODY" "$T/other"
ok backup-other-untouched test "$(ls "$T/other")" = notes.txt
ok backup-failed-no-event test "$(events backup)" -eq 1
# "back up now" again while a backup runs: 409 saying one is under way,
# and the first is unharmed (it ends verified, one event, a backup that
# restores).  A 64 MB object keeps the first busy (copied, fsynced and
# checked) well past the second request, sent right after it.
mkdir -p "$T/big"
head -c $((64 << 20)) /dev/urandom >"$T/big/大文件.bin"
hd ingest --json --no-ocr --approve --access public "$T/big"
status big-ingest 0
hd config backup.dest "$T/backups2/红档"
status dest-two-set 0
b0=$(events backup)
tok=$(csrf a)
req a POST /admin/keeping --data-urlencode "csrf=$tok" --data-urlencode action=backup
code backup-first-303 303
req a POST /admin/keeping --data-urlencode "csrf=$tok" --data-urlencode action=backup
code backup-twice-409 409
has backup-twice-says "$BODY" '已有一次备份正在进行，请等它完成。'
has backup-twice-shows-first "$BODY" '进行中'
wait_backup backup-first-ends
has backup-first-done "$BODY" '备份完成'
has backup-first-verified "$BODY" '已核验'
ok backup-first-one-event test "$(events backup)" -eq $((b0 + 1))
"$HONGDANG" -d "$T/restored2" restore "$T/backups2/红档" >/dev/null 2>"$ERR"
RC=$?
status backup-first-restores 0
ok backup-first-whole test "$(find "$T/restored2/objects" -type f -size +60M | wc -l)" -eq 1
rm -rf "$T/restored2" "$T/backups2" "$T/big"

# ------------------------------------------------------------ readings
hd storage log --temp 29.5 --rh 52
status reading-hot 0
hd storage log --temp 20 --rh 50
status reading-ok 0
req a GET /admin/keeping
has readings-out "$BODY" '有 1 次读数超出范围'
has readings-why "$BODY" '温度过高'
has readings-value "$BODY" '29.5'

# ------------------------------------------------------------ bookings
TODAY=$(TZ=Asia/Shanghai date +%F)
DAY=$(TZ=Asia/Shanghai date -d '+2 days' +%F)
FAR=$(TZ=Asia/Shanghai date -d '+20 days' +%F)
J="$T/jar.visitor"
curl -s -c "$J" -b "$J" "$B/visit" >"$T/v.html"
vtok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/v.html" | grep -o '[0-9a-f]\{64\}')
# book DAY SLOT GROUP PEOPLE [CONTACT]: the visitor's form, a fresh one
# each time (a form books once; a contact holds 2 open bookings); status
# in $CODE
book() {
	local form
	form=$(curl -s -b "$J" "$B/visit?day=$1" |
		grep -o 'name="form" value="[^"]*"' | sed 's/.*value="//; s/"$//')
	CODE=$(curl -s -b "$J" -o "$T/book.html" -w '%{http_code}' "$B/visit" \
		--data-urlencode "csrf=$vtok" --data-urlencode "form=$form" \
		--data-urlencode "day=$1" --data-urlencode "slot=$2" \
		--data-urlencode "group=$3" --data-urlencode "people=$4" \
		--data-urlencode "contact=${5:-02088881234}")
}
book "$DAY" 09:00 番禺中学研学组 12
ok book-1 test "$CODE" = 200
book "$DAY" 14:00 市桥小学 8
ok book-2 test "$CODE" = 200
book "$FAR" 09:00 远期团体 5 13800138000
ok book-far test "$CODE" = 200
req a GET /admin/keeping
has bookings-group "$BODY" '番禺中学研学组'
has bookings-contact "$BODY" '02088881234'
has bookings-day "$BODY" "$DAY"
lacks bookings-not-far "$BODY" '远期团体'
has bookings-today-row "$BODY" "<th scope=\"row\">$TODAY</th>"
has slot-count "$BODY" '<span>12/40</span>'
ID1=$(sql "SELECT id FROM visits WHERE grp = '番禺中学研学组'")

snapshot before-bad-bookings
v0=$(events visit)
req a POST /admin/keeping --data-urlencode action=cancel --data-urlencode "id=$ID1"
code cancel-no-token-403 403
post r /admin/keeping action=cancel "id=$ID1"
code cancel-reviewer-403 403
post a /admin/keeping action=cancel id=999
code cancel-unknown-404 404
has cancel-unknown-says "$BODY" '没有预约号 999'
post a /admin/keeping action=cancel id=abc
code cancel-bad-id-400 400
post a /admin/keeping action=cancel "id=$ID1" "reason=$(printf 'x%.0s' $(seq 201))"
code cancel-reason-long-422 422
has cancel-reason-long-says "$BODY" '取消原因最多 200 字节'
post a /admin/keeping action=close "day=$DAY" slot=12:00
code close-not-slot-422 422
has close-not-slot-says "$BODY" '“12:00”不是开放预约的时段'
post a /admin/keeping action=close day=2026-13-40 slot=09:00
code close-bad-day-422 422
post r /admin/keeping action=close "day=$DAY" slot=15:00
code close-reviewer-403 403
unchanged before-bad-bookings
ok bad-bookings-no-event test "$(events visit)" -eq "$v0"
ok bad-bookings-kept test "$(sql 'SELECT count(*) FROM visits')" -eq 3

post a /admin/keeping action=cancel "id=$ID1" reason=学校改期
code cancel-303 303
hdr cancel-back Location '/admin/keeping?done=cancel'
ok cancel-marked test "$(sql "SELECT cancelled_by FROM visits WHERE id = $ID1")" = web:zhang
hd audit --type visit --json
jq_is cancel-event "[(e['agent'], e['detail']) for e in d['events'][-1:]]" "[('web:zhang', 'cancel booking $ID1: $DAY 09:00, 12 people; 学校改期')]"
post a /admin/keeping action=cancel "id=$ID1"
code cancel-twice-422 422
has cancel-twice-says "$BODY" "预约 $ID1 已于"
req a GET /admin/keeping?done=cancel
has cancel-said "$BODY" '预约已取消'
lacks cancel-not-listed "$BODY" '番禺中学研学组'

post a /admin/keeping action=close "day=$DAY" slot=15:00
code close-303 303
req a GET /admin/keeping
has close-shown "$BODY" "aria-label=\"重新开放 $DAY 15:00\""
hd audit --type visit --json
jq_is close-event "d['events'][-1]['detail']" "slot $DAY 15:00 closed for bookings"
# the public form shows it closed and refuses a booking
curl -s -b "$J" "$B/visit?day=$DAY" >"$T/v2.html"
has public-closed "$T/v2.html" '已停止预约'
book "$DAY" 15:00 晚到的团体 3
ok public-book-closed-422 test "$CODE" = 422
has public-book-closed-says "$T/book.html" '已停止预约'
ok public-book-closed-nothing test "$(sql "SELECT count(*) FROM visits WHERE grp = '晚到的团体'")" -eq 0
# closing again changes nothing; opening lets bookings in again
n=$(events visit)
post a /admin/keeping action=close "day=$DAY" slot=15:00
code close-again-303 303
ok close-again-no-event test "$(events visit)" -eq "$n"
post a /admin/keeping action=open "day=$DAY" slot=15:00
code open-303 303
book "$DAY" 15:00 晚到的团体 3
ok public-book-open-200 test "$CODE" = 200
alive
