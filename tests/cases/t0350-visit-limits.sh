# Guided-talk bookings under abuse, as an outside probe tried them: one
# form sent 488 times books once; a contact holds two open bookings; an
# address makes ten an hour (the kiosks' addresses, visit.kiosks,
# excepted); bookers at once pass no limit between them; a slot of today
# whose hour has begun is refused; a group name with a trailing space or
# a zero-width character is the same group.  Staff list and cancel
# bookings (hongdang visit).  Bookings made before version 8 are kept
# and keyed.
. "$HD_TOP/tests/lib.sh"
new_archive

# The server's clock (HONGDANG_TEST_CLOCK) stands at 15:30 today, China
# time, whatever the hour the test runs at.
read -r skew TODAY D1 D2 D3 <<EOF
$($PY -c 'import time, datetime
now = int(time.time())
day = (now + 8 * 3600) // 86400
print(day * 86400 - 8 * 3600 + 15 * 3600 + 30 * 60 - now,
      *[datetime.date.fromordinal(719163 + day + k).isoformat()
        for k in range(4)])')
EOF
echo "$skew" >"$CLOCK"
server_start serve HONGDANG_TEST_CLOCK="$CLOCK" --templates "$HD_TOP/templates" || {
	fail serve-starts "$(cat "$T/serve.err")"; exit 1; }
B=$URL

J="$T/jar"
curl -s -c "$J" "$B/visit" >/dev/null
CSRF=$(awk '$6 == "hd_csrf" { print $7 }' "$J")
ok cookie-token test "${#CSRF}" -eq 64
# form ADDR [DAY]: a new form token, fetched from the address ADDR.
form() {
	curl -s --interface "$1" -b "$J" "$B/visit?day=${2:-$D1}" |
		grep -o 'name="form" value="[^"]*"' | sed 's/.*value="//; s/"$//'
}
# book NAME ADDR FORM DAY SLOT GROUP CONTACT PEOPLE: one booking from
# ADDR; its status in $T/NAME.code, its page in $T/NAME.html, its
# headers in $T/NAME.head.
book() {
	curl -s --interface "$2" -b "$J" -o "$T/$1.html" -D "$T/$1.head" \
		-w '%{http_code}' \
		"$B/visit" --data-urlencode "csrf=$CSRF" \
		--data-urlencode "form=$3" --data-urlencode "day=$4" \
		--data-urlencode "slot=$5" --data-urlencode "group=$6" \
		--data-urlencode "contact=$7" --data-urlencode "people=$8" \
		>"$T/$1.code"
}
# code NAME WANT: booking NAME answered WANT.
code() {
	local got
	got=$(cat "$T/$1.code")
	if [ "$got" = "$2" ]; then pass "$1-$2"; else
		fail "$1-$2" "status $got: $(grep -o 'notice[^<]*' "$T/$1.html")"
	fi
}
visits() { sqlite3 "$D/hongdang.db" "$1"; }
fingerprint() { visits "SELECT * FROM visits ORDER BY id" | sha256sum; }

# The kiosk in the hall books for many visitors; 127.0.0.1 is it here,
# so that only the cases from other addresses meet the hourly cap.
hd config visit.kiosks '127.0.0.1, ::1'
status kiosks-set 0
hd config visit.kiosks '127.0.0.1,not-an-address'
status kiosks-bad 2
has kiosks-bad-named "$ERR" "'127.0.0.1,not-an-address' is not a valid value"
hd config visit.kiosks
has kiosks-kept "$OUT" "127.0.0.1, ::1"

# ------------------------------------------------- one form, 488 slots
# The probe booked every slot of 61 days with one form token; now the
# first booking uses it up and every other one is refused (409).
F=$(form 127.0.0.1)
$PY - "$B" "$CSRF" "$F" "$TODAY" >"$T/probe" <<'PY'
import collections, datetime, http.client, sys, urllib.parse
base, csrf, form, today = sys.argv[1:5]
host, port = base[len("http://"):].split(":")
c = http.client.HTTPConnection(host, int(port), timeout=20)
d0 = datetime.date.fromisoformat(today)
codes = collections.Counter()
for k in range(61):
    for slot in ("09:00", "10:00", "11:00", "14:00", "15:00", "16:00",
                 "19:00", "20:00"):
        body = urllib.parse.urlencode({"csrf": csrf, "form": form,
            "day": (d0 + datetime.timedelta(days=k)).isoformat(),
            "slot": slot, "group": "probe", "contact": "13900000000",
            "people": "40"})
        c.request("POST", "/visit", body, {"Cookie": "hd_csrf=" + csrf,
            "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        codes[r.status] += 1
print(sum(codes.values()), codes[200], codes[409])
PY
read -r sent booked refused <"$T/probe"
ok probe-sent-488 test "$sent" = 488
ok probe-one-booked test "$booked" = 1
ok probe-rest-409 test "$refused" -ge 480
ok probe-one-row test "$(visits "SELECT count(*) FROM visits")" = 1
# the one it booked is the first slot not begun: today 16:00
ok probe-first-open-slot test "$(visits "SELECT day || ' ' || slot FROM visits")" = "$TODAY 16:00"
book reuse 127.0.0.1 "$F" "$D2" 09:00 再来一次 13900000001 1
code reuse 409
has reuse-says "$T/reuse.html" "这张预约表已经提交过"

# a form token forged, cut, of another visitor or too old books nothing
before=$(fingerprint)
F=$(form 127.0.0.1)
last=${F: -1}; [ "$last" = 0 ] && last=1 || last=0
book forged 127.0.0.1 "${F%?}$last" "$D2" 09:00 伪造 13900000002 1
code forged 403
book cut 127.0.0.1 "${F%%.*}" "$D2" 09:00 伪造 13900000002 1
code cut 403
has cut-says "$T/cut.html" "表单已过期"
curl -s -c "$T/jar2" "$B/visit" >"$T/other.html"
F2=$(grep -o 'name="form" value="[^"]*"' "$T/other.html" | sed 's/.*value="//; s/"$//')
book others 127.0.0.1 "$F2" "$D2" 09:00 别人的表 13900000002 1
code others 403
ok bad-forms-book-nothing test "$(fingerprint)" = "$before"
clock_add 3601
book old 127.0.0.1 "$F" "$D2" 09:00 过期的表 13900000002 1
code old 403
ok old-form-books-nothing test "$(fingerprint)" = "$before"
echo "$skew" >"$CLOCK"

# ------------------------------------------------ a slot that has begun
# at 15:30 the slots up to 15:00 of today are over: shown so, refused
curl -s -b "$J" "$B/visit?day=$TODAY" >"$T/today.html"
$PY - "$T/today.html" >"$T/today.slots" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
for m in re.finditer(r'value="(\d\d:00)"( disabled)?[^>]*>.*?slot-left">([^<]*)<',
                     html, re.S):
    print(m.group(1), "closed" if m.group(2) else "open", m.group(3))
PY
has today-09-past "$T/today.slots" "09:00 closed 已过"
has today-15-past "$T/today.slots" "15:00 closed 已过"
has today-16-full "$T/today.slots" "16:00 closed 已满"
has today-19-open "$T/today.slots" "19:00 open 余 40 / 40 人"
for s in 09:00 15:00; do
	book "past-$s" 127.0.0.1 "$(form 127.0.0.1)" "$TODAY" "$s" 晚到的团 13700000000 2
	code "past-$s" 422
	has "past-$s-says" "$T/past-$s.html" "$TODAY $s 的讲解已经开始或结束"
done
book today-19 127.0.0.1 "$(form 127.0.0.1)" "$TODAY" 19:00 晚到的团 13700000000 2
code today-19 200

# ------------------------------------------- names and contacts tidied
book grp 127.0.0.1 "$(form 127.0.0.1)" "$D1" 10:00 '市桥二中  初二（3）班' 13600000001 2
code grp 200
ok grp-kept-tidy test "$(visits "SELECT grp FROM visits ORDER BY id DESC LIMIT 1")" = '市桥二中 初二（3）班'
n=0
for g in '市桥二中 初二（3）班 ' $'市桥二中 初二（3）班\u200b' \
    $'\u3000市桥二中\u00a0初二(3)班' $'市桥\u200b二中 初二（3）班'; do
	n=$((n + 1))
	book "grp-again-$n" 127.0.0.1 "$(form 127.0.0.1)" "$D1" 10:00 "$g" "1360000001$n" 1
	code "grp-again-$n" 422
	has "grp-again-$n-says" "$T/grp-again-$n.html" "不能重复预约"
done
book grp-latin 127.0.0.1 "$(form 127.0.0.1)" "$D1" 11:00 'Ｂａｙ Ｓｃｈｏｏｌ' 13600000020 1
code grp-latin 200
book grp-latin-again 127.0.0.1 "$(form 127.0.0.1)" "$D1" 11:00 'bay school' 13600000021 1
code grp-latin-again 422

# ---------------------------------------------- two open bookings a contact
book c1 127.0.0.1 "$(form 127.0.0.1)" "$D2" 09:00 团一 '020-8888 1234' 2
code c1 200
book c2 127.0.0.1 "$(form 127.0.0.1)" "$D2" 10:00 团二 02088881234 2
code c2 200
before=$(fingerprint)
for c in 02088881234 '０２０ ８８８８ １２３４' ' 020-8888-1234 '; do
	book c3 127.0.0.1 "$(form 127.0.0.1)" "$D3" 09:00 团三 "$c" 2
	code c3 429
done
has c3-says "$T/c3.html" "每个联系方式最多 2 个"
# the limit frees when the earlier of the two begins: $D2 09:00, two days
# on from 15:30 less six and a half hours (the clock moved on meanwhile)
retry_after c3-retry-after "$T/c3.head" $((149400 - 900)) 149400
has c3-says-when "$T/c3.html" "在 $D2 09:00 的预约开始后可以再约"
book mail1 127.0.0.1 "$(form 127.0.0.1)" "$D2" 14:00 邮件团一 Li@Example.org 1
code mail1 200
book mail2 127.0.0.1 "$(form 127.0.0.1)" "$D2" 15:00 邮件团二 li@example.ORG 1
code mail2 200
book mail3 127.0.0.1 "$(form 127.0.0.1)" "$D2" 16:00 邮件团三 ' LI@EXAMPLE.ORG' 1
code mail3 429
ok contact-refusals-book-nothing test "$(visits "SELECT count(*) FROM visits WHERE contact_key = '02088881234'")" = 2

# --------------------------------------------------- ten an hour, an address
for i in $(seq 10); do
	book "addr-$i" 127.0.0.2 "$(form 127.0.0.2)" "$D3" 14:00 "外来团$i" "135000001$(printf %02d "$i")" 1
done
ok addr-ten-booked test "$(visits "SELECT count(*) FROM visits WHERE remote = '127.0.0.2'")" = 10
book addr-11 127.0.0.2 "$(form 127.0.0.2)" "$D3" 15:00 外来团11 13500000111 1
code addr-11 429
has addr-11-says "$T/addr-11.html" "一小时内已提交 10 个预约"
# it frees when the first of the ten is an hour old
retry_after addr-11-retry-after "$T/addr-11.head" 2700 3600
ok addr-11-says-minutes grep -qE '请 (4[5-9]|5[0-9]|60) 分钟后再试' "$T/addr-11.html"
book addr-other 127.0.0.3 "$(form 127.0.0.3)" "$D3" 15:00 外来团11 13500000111 1
code addr-other 200
ok addr-other-no-retry-after test "$(grep -ci '^Retry-After:' "$T/addr-other.head")" = 0
hd config visit.kiosks '127.0.0.1 127.0.0.2'
book addr-kiosk 127.0.0.2 "$(form 127.0.0.2)" "$D3" 15:00 外来团12 13500000112 1
code addr-kiosk 200
hd config visit.kiosks 127.0.0.1
book addr-again 127.0.0.2 "$(form 127.0.0.2)" "$D3" 16:00 外来团13 13500000113 1
code addr-again 429
retry_after addr-again-retry-after "$T/addr-again.head" 2700 3600
clock_add 3601
book addr-hour-on 127.0.0.2 "$(form 127.0.0.2)" "$D3" 16:00 外来团13 13500000113 1
code addr-hour-on 200
echo "$skew" >"$CLOCK"

# ------------------------------------------------------ bookers at once
# each with a form of its own: 20 groups of 5 for a slot of 40; 8 of one
# contact; 20 from one address; one form 10 times.  Every check and the
# insert are one transaction under the write lock.
hd config visit.kiosks '127.0.0.1'
for i in $(seq 20); do form 127.0.0.1 "$D3"; done >"$T/forms.cap"
for i in $(seq 8); do form 127.0.0.1 "$D3"; done >"$T/forms.contact"
for i in $(seq 20); do form 127.0.0.4 "$D3"; done >"$T/forms.addr"
F=$(form 127.0.0.1 "$D3")
jobs=""
i=0; while read -r f; do i=$((i + 1))
	book "cap-$i" 127.0.0.1 "$f" "$D3" 19:00 "并发团$i" "1340000$((1000 + i))" 5 &
	jobs="$jobs $!"
done <"$T/forms.cap"
i=0; while read -r f; do i=$((i + 1))
	book "one-$i" 127.0.0.1 "$f" "$(date -u -d "$D3 + $i days" +%F)" 20:00 "同一人$i" 13300000000 1 &
	jobs="$jobs $!"
done <"$T/forms.contact"
i=0; while read -r f; do i=$((i + 1))
	book "addr4-$i" 127.0.0.4 "$f" "$(date -u -d "$D3 + $i days" +%F)" 11:00 "同址$i" "1320000$((1000 + i))" 1 &
	jobs="$jobs $!"
done <"$T/forms.addr"
for i in $(seq 10); do
	book "same-$i" 127.0.0.1 "$F" "$(date -u -d "$D3 + $i days" +%F)" 14:00 "同表$i" "1310000$((1000 + i))" 1 &
	jobs="$jobs $!"
done
for j in $jobs; do wait "$j"; done   # the curls, not the server
# count NAME CODE: how many of the bookings NAME-* answered CODE
count() { grep -lx "$2" "$T/$1"-*.code | wc -l; }
ok par-capacity-8-of-20 test "$(count cap 200)" = 8
ok par-capacity-rest-422 test "$(count cap 422)" = 12
ok par-capacity-full test "$(visits "SELECT sum(people) FROM visits WHERE day = '$D3' AND slot = '19:00'")" = 40
ok par-contact-2-of-8 test "$(count one 200)" = 2
ok par-contact-rest-429 test "$(count one 429)" = 6
ok par-address-10-of-20 test "$(count addr4 200)" = 10
ok par-address-rest-429 test "$(count addr4 429)" = 10
ok par-form-1-of-10 test "$(count same 200)" = 1
ok par-form-rest-409 test "$(count same 409)" = 9

# ------------------------------------------------------------ the staff
hd visit list --from "$TODAY" --days 3 --json
status list-exit 0
jq_is list-days "sorted(set(v['day'] for v in d))" "['$TODAY', '$D1', '$D2']"
jq_is list-first "[d[0]['slot'], d[0]['group'], d[0]['people']]" "['16:00', 'probe', 40]"
jq_is list-open "all(v['cancelled'] is None for v in d)" True
id=$(visits "SELECT id FROM visits WHERE grp = '团一'")
hd visit list --from "$D2" --days 1
has list-line "$OUT" "$D2 09:00    2 人  团一  020-8888 1234"
hd visit cancel "$id" --reason "$(printf 'x%.0s' $(seq 201))"
status cancel-reason-long 1
has cancel-reason-long-says "$ERR" "取消原因最多 200 字节"
hd visit cancel "$id" --reason "$(printf '改期\n另约')"
status cancel-reason-lines 1
hd visit list --from "$D2" --days 1 --json
jq_is cancel-reason-bad-kept "[v['cancelled'] for v in d if v['id'] == $id]" "[None]"
hd visit cancel "$id" --reason 学校改期
status cancel-exit 0
has cancel-says "$OUT" "已取消预约 $id：$D2 09:00，团一，2 人"
hd visit list --from "$D2" --days 1 --json
jq_is cancel-listed "[(v['cancelled'] is not None, v['cancelled_by']) for v in d if v['id'] == $id]" "[(True, 'cli:$(id -un)')]"
# its contact may book again, and its group its slot
book c4 127.0.0.1 "$(form 127.0.0.1)" "$D2" 09:00 ' 团一' 02088881234 2
code c4 200
hd audit --type visit --json
jq_is cancel-event "[e['detail'] for e in d['events'] if e['detail'].startswith('cancel booking $id:')]" "['cancel booking $id: $D2 09:00, 2 people; 学校改期']"
before=$(fingerprint)
hd visit cancel "$id"
status cancel-twice 1
has cancel-twice-says "$ERR" "预约 $id 已于"
hd visit cancel 99999
status cancel-unknown 1
has cancel-unknown-says "$ERR" "没有预约号 99999"
hd visit cancel abc
status cancel-not-number 2
hd visit list --from 2026-02-30
status list-bad-day 2
has list-bad-day-says "$ERR" "2026-02-30"
past=$(visits "SELECT id FROM visits WHERE day = '$TODAY' AND slot = '16:00'")
clock_add 3600
HONGDANG_TEST_CLOCK="$CLOCK" hd visit cancel "$past"
status cancel-begun 1
has cancel-begun-says "$ERR" "已经开始，不能取消"
ok staff-refusals-change-nothing test "$(fingerprint)" = "$before"
echo "$skew" >"$CLOCK"
kill "$SPID"; wait "$SPID" 2>/dev/null

# --------------------------------------------- bookings of version 7 kept
# the table as version 1 made it, two names that differ by a trailing
# space: both kept, one key
sqlite3 "$D/hongdang.db" "DROP TABLE visits;
	CREATE TABLE visits (id INTEGER PRIMARY KEY, day TEXT NOT NULL,
	slot TEXT NOT NULL, grp TEXT NOT NULL, contact TEXT NOT NULL,
	people INTEGER NOT NULL CHECK (people > 0), free INTEGER NOT NULL,
	price INTEGER NOT NULL, created TEXT NOT NULL,
	UNIQUE (day, slot, grp));
	INSERT INTO visits VALUES (1, '$D1', '09:00', '老团', '020-1234 5678',
	3, 1, 0, '2026-01-01T00:00:00.000Z');
	INSERT INTO visits VALUES (2, '$D1', '09:00', '老团 ', '02012345678',
	4, 1, 0, '2026-01-01T00:00:00.000Z');
	PRAGMA user_version = 7;"
hd visit list --from "$D1" --days 1 --json
status old-list 0
has old-upgraded "$ERR" "档案库已升级到第 11 版"
jq_is old-kept "[(v['id'], v['people']) for v in d]" "[(1, 3), (2, 4)]"
ok old-keys test "$(visits "SELECT group_concat(DISTINCT grp_key) || '|' || group_concat(DISTINCT contact_key) FROM visits")" = "老团|02012345678"
hd verify
status verify-after 0
