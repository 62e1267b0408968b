# The district gathers the rooms' catalogues (hongdang harvest): three
# rooms on 127.0.0.2, .3 and .4, each its own records, harvested into one
# district folder; only their public records arrive; a record withdrawn
# in a room leaves the district on the next run and a changed one is
# replaced; a room that stops between pages, and a harvester killed with
# kill -9, go on with no record twice and none missing; every kind of bad
# source fails with its own clear status while the others are harvested
# and nothing of it is stored; harvested records are read-only and
# marked with their room (search --json source, the 社区 facet, the link
# back, the cached thumbnail); serve --harvest-hours harvests on its
# own.  Two runs of one room at once: one stores, the other says it lost
# and stores nothing.  A room's record issued again under a new
# identifier with the same reference code replaces its old one.  A
# thumbnail is never fetched off the room's host by a redirect, nor read
# past its cap.  The district's own /oai publishes its own records, never
# the rooms'.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
FAKE="$HD_TOP/tests/data/harvest/fake_room.py"
export FAKE_STATE="$T"

# room NAME HOST FONDS: a room's folder $T/NAME with fonds FONDS.
room() {
	"$HONGDANG" -d "$T/$1" init --fonds "$3" --name "$1社区档案室" \
		>/dev/null 2>"$ERR" || { fail "init-$1" "$(cat "$ERR")"; exit 1; }
}
# room_serve NAME HOST VAR: serve room NAME on HOST; its base URL in
# $VAR.
room_serve() {
	local keep=$D
	D="$T/$1"
	SERVE_HOST=$2 server_start "$1" --templates "$HD_TOP/templates" \
		--audit-hours 0 --merge-idle 0 --demo-max 0 ||
		{ fail "serve-$1" "$(cat "$T/$1.err")"; exit 1; }
	D=$keep
	printf -v "$3" '%s' "$URL"
}
# fake MODE: a fake room (tests/data/harvest/fake_room.py) on a free
# port of 127.0.0.1, its URL in FAKE_URL; extra arguments go to it.
fake() {
	local port i
	port=$(free_port)
	$PY "$FAKE" "$1" "$port" "${@:2}" 2>"$T/fake-$1.err" &
	PIDS="$PIDS $!"
	FAKE_PORT=$port
	FAKE_URL="http://127.0.0.1:$port/oai"
	for i in $(seq 50); do     # listening (the slow one never answers)
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
}
# dsql SQL: a query on the district's catalogue.
dsql() { sqlite3 "$D/hongdang.db" "$1"; }
# rsql ROOM SQL: a query on a room's catalogue.
rsql() { sqlite3 "$T/$1/hongdang.db" "$2"; }
PUB="status = 'approved' AND access = 'public'"
# same NAME ROOM: the district holds exactly the public records of ROOM
# (their reference codes, each once).
same() {
	rsql "$2" "SELECT ref FROM records WHERE $PUB ORDER BY ref" \
		>"$T/want.$1"
	dsql "SELECT r.ref FROM records r JOIN harvest_records h
		ON h.record_id = r.id JOIN harvest_sources s ON s.id = h.source_id
		WHERE s.name = '$2' ORDER BY r.ref" >"$T/got.$1"
	if [ -s "$T/want.$1" ] && cmp -s "$T/want.$1" "$T/got.$1"; then
		pass "$1"
	else
		fail "$1" "room $2 has $(wc -l <"$T/want.$1") public, the district $(wc -l <"$T/got.$1"): $(diff "$T/want.$1" "$T/got.$1" | head -5 | tr '\n' ' ')"
	fi
}

# ------------------------------------------------------------ the rooms
# 前锋: the sample collection (with photographs: thumbnails), five to a
# page; 东环: public, restricted, internal and pending records; 沙湾:
# public records of its own.
room 前锋 127.0.0.2 QF01
"$HONGDANG" -d "$T/前锋" ingest --no-ocr --approve --sheet "$HD_BUILD/sample/目录.csv" \
	"$HD_BUILD/sample" >/dev/null 2>"$ERR" || fail ingest-前锋 "$(cat "$ERR")"
"$HONGDANG" -d "$T/前锋" config oai.page 5 >/dev/null
room 东环 127.0.0.3 QD02
mkdir -p "$T/src/dh-pub" "$T/src/dh-secret" "$T/src/dh-inner" "$T/src/dh-wait"
for i in 1 2 3 4 5 6; do
	printf '东环社区第 %s 件公开档案：骑楼街坊记忆。\n' "$i" \
		>"$T/src/dh-pub/东环公开$i.txt"
done
printf '东环张三人事档案。\n' >"$T/src/dh-secret/东环机密人事.txt"
printf '东环内部工作记录。\n' >"$T/src/dh-inner/东环内部记录.txt"
printf '东环待审核档案。\n' >"$T/src/dh-wait/东环待审.txt"
hd_in "$T/东环" ingest --approve --access public "$T/src/dh-pub"
hd_in "$T/东环" ingest --approve --access restricted --category RS \
	"$T/src/dh-secret"
hd_in "$T/东环" ingest --approve --access internal "$T/src/dh-inner"
hd_in "$T/东环" ingest --access public "$T/src/dh-wait"
room 沙湾 127.0.0.4 QS03
mkdir -p "$T/src/sw"
for i in 1 2 3; do
	printf '沙湾古镇第 %s 件：飘色巡游。\n' "$i" >"$T/src/sw/沙湾飘色$i.txt"
done
hd_in "$T/沙湾" ingest --approve --access public "$T/src/sw"
room_serve 前锋 127.0.0.2 QF_URL
room_serve 东环 127.0.0.3 DH_URL
room_serve 沙湾 127.0.0.4 SW_URL
# the rooms' answers, thumbnails in dc:relation, stay schema-valid
ok room-list-fetched curl -sf --max-time 20 -o "$T/list.xml" \
	"$QF_URL/oai?verb=ListRecords&metadataPrefix=oai_dc"
oai_valid room-list "$T/list.xml"
has room-thumb-relation "$T/list.xml" "<dc:relation>$QF_URL/img/thumb/"
has room-page-size "$T/list.xml" 'cursor="0"'

# ------------------------------------------------------ the district
"$HONGDANG" -d "$D" init --fonds QQ00 --name '番禺区档案馆' >/dev/null
# one record of the district's own, which its /oai publishes
mkdir -p "$T/src/own"
printf '番禺区志编纂记录。\n' >"$T/src/own/区志.txt"
hd ingest --no-ocr --approve --access public "$T/src/own"
status own-ingest 0
OWN=$(dsql "SELECT ref FROM records")
for sub in add run list remove; do
	hd harvest "$sub" --help
	status "help-$sub" 0
	has "help-$sub-usage" "$OUT" "usage: hongdang [-d DIR] harvest $sub"
done
hd harvest list
status list-empty 0
has list-empty-says "$OUT" "还没有社区"
hd harvest add 前锋 "$QF_URL/oai"
status add-前锋 0
hd harvest add 东环 "$DH_URL/oai"
hd harvest add 沙湾 "$SW_URL/oai"
snapshot sources
hd harvest add 前锋 "$SW_URL/oai"
status add-twice 1
has add-twice-says "$ERR" "source '前锋' exists already"
hd harvest add 坏址 "ftp://127.0.0.2/oai"
status add-bad-url 2
has add-bad-url-says "$ERR" "source URL 'ftp://127.0.0.2/oai'"
hd harvest add -- "-x" "$SW_URL/oai"
status add-bad-name 2
hd harvest run 无此社区
status run-unknown 1
has run-unknown-says "$ERR" "no source '无此社区'"
unchanged sources

hd harvest run
status run-all 0
has run-前锋-pages "$OUT" "前锋：13 页，新增 65"
same district-has-前锋 前锋
same district-has-东环 东环
same district-has-沙湾 沙湾
for ref in $(rsql 东环 "SELECT ref FROM records WHERE NOT ($PUB)"); do
	n=$(dsql "SELECT count(*) FROM records WHERE ref = '$ref'")
	[ "$n" = 0 ] || fail "never-$ref" "a record the room keeps back is at the district"
done
pass no-restricted-internal-pending
hd harvest list --json
jq_is list-records "[s['records'] for s in d]" "[6, 65, 3]"
jq_is list-ok "[s['last_error'] for s in d]" "[None, None, None]"
jq_is list-not-resuming "[s['resuming'] for s in d]" "[False, False, False]"
n=$(ls "$D/harvest/thumbs" | wc -l)
[ "$n" -gt 10 ] && pass thumbs-cached || fail thumbs-cached "$n thumbnails"
hd search --json --public 飘色
jq_is search-source "sorted(set(h['source'] for h in d['hits']))" "['沙湾']"
jq_is search-total "d['total']" 3

# nothing changed: a second run stores nothing new
hd harvest run
status run-again 0
has run-again-nothing "$OUT" "沙湾：1 页，新增 0，更新 0，删除 0"

# read-only at the district
SW=$(rsql 沙湾 "SELECT ref FROM records WHERE $PUB ORDER BY ref LIMIT 1")
snapshot ro
hd review withdraw "$SW" --reason 测试
ok ro-withdraw [ "$RC" -ne 0 ]
has ro-withdraw-says "$ERR" "收自社区“沙湾”的目录，在区档案馆只读"
hd review edit "$SW" --title 改名
ok ro-edit [ "$RC" -ne 0 ]
has ro-edit-says "$ERR" "只读"
hd consult request --person 李四 --org 学校 --purpose research \
	--kind view --days 3 "$SW"
ok ro-consult [ "$RC" -ne 0 ]
has ro-consult-says "$ERR" "只读"
unchanged ro

# a withdrawn record leaves, an edited one is replaced
DH=$(rsql 东环 "SELECT ref FROM records WHERE $PUB ORDER BY ref LIMIT 1")
hd_in "$T/东环" review withdraw "$DH" --reason 撤回测试
status room-withdraw 0
SW2=$(rsql 沙湾 "SELECT ref FROM records WHERE $PUB ORDER BY ref DESC LIMIT 1")
hd_in "$T/沙湾" review edit "$SW2" --title 沙湾飘色新题名
hd_in "$T/沙湾" review approve "$SW2"
status room-edit-approve 0
sleep 1.1   # a datestamp after the last run's responseDate
hd harvest run
status run-changes 0
has run-deleted "$OUT" "东环：1 页，新增 0，更新 0，删除 1"
n=$(dsql "SELECT count(*) FROM records WHERE ref = '$DH'")
[ "$n" = 0 ] && pass withdrawn-left || fail withdrawn-left "still there"
same district-after-withdraw 东环
n=$(dsql "SELECT title FROM records WHERE ref = '$SW2'")
[ "$n" = 沙湾飘色新题名 ] && pass edited-replaced || fail edited-replaced "$n"
hd search --json --public 东环公开
jq_is withdrawn-not-found "d['total']" 5

# the screens: the 社区 facet, the link back, the cached thumbnail
serve district --audit-hours 0 --merge-idle 0 --demo-max 0
DPID=$SPID
req - GET "/search?q=%E7%A4%BE%E5%8C%BA"
code search-200 200
has facet-社区 "$BODY" '<span class="facet-name">社区</span>'
has facet-chip "$BODY" 'href="/search?q=%E7%A4%BE%E5%8C%BA&amp;source=%E5%89%8D%E9%94%8B"'
req - GET "/search?q=%E9%A3%98%E8%89%B2&source=%E6%B2%99%E6%B9%BE"
has facet-filter "$BODY" '飘色”共找到 3 件档案'
req - GET "/search?q=%E9%A3%98%E8%89%B2&source=%E5%89%8D%E9%94%8B"
lacks facet-filter-other "$BODY" '沙湾飘色'
QF=$(dsql "SELECT r.ref FROM records r JOIN harvest_records h ON h.record_id = r.id
	WHERE h.thumb IS NOT NULL ORDER BY r.id LIMIT 1")
req - GET "/record/$(dot "$QF")"
code record-200 200
has record-links-back "$BODY" "href=\"$QF_URL/record/$(dot "$QF")\""
has record-names-room "$BODY" "收自前锋社区档案室"
TH=$(dsql "SELECT thumb FROM harvest_records h JOIN records r ON r.id = h.record_id
	WHERE r.ref = '$QF'")
req - GET "/img/thumb/$TH.jpg"
code thumb-served 200
hdr thumb-jpeg Content-Type image/jpeg
req - GET "/img/screen/$TH.jpg"
code thumb-only 404
# the district's /oai: its own record only, the rooms' belong to them
req - GET "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
code oai-ids-200 200
ok oai-ids-own-only test "$(grep -o '<header>' "$BODY" | wc -l)" -eq 1
has oai-ids-own "$BODY" "<identifier>oai:hongdang:${OWN%%·*}"
lacks oai-ids-not-room "$BODY" "${QF%%-*}"
req - GET "/oai?verb=ListRecords&metadataPrefix=oai_dc"
ok oai-records-own-only test "$(grep -o '<record>' "$BODY" | wc -l)" -eq 1
lacks oai-records-not-room "$BODY" '飘色'
req - GET "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq "oai:hongdang:$(dot "$QF")")"
has oai-get-room-none "$BODY" 'code="idDoesNotExist"'
req - GET "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq "oai:hongdang:$(dot "$OWN")")"
has oai-get-own "$BODY" '<dc:title>区志</dc:title>'
req - GET "/oai?verb=ListSets"
lacks oai-sets-not-room "$BODY" '<setSpec>category:ZP</setSpec>'
stop "$DPID"

# ----------------------------------------- stopped between pages
# 前锋 again into a second district through a proxy that closes the
# connection on the fourth ListRecords request, as a room stopped
# between pages; the next run goes on from the fourth page.
D2="$T/d2"
"$HONGDANG" -d "$D2" init --fonds QQ00 --name 区档案馆二 >/dev/null
fake proxy "$QF_URL/oai"
echo 4 >"$T/$FAKE_PORT.fail"
hd_in "$D2" harvest add 前锋 "$FAKE_URL"
hd_in "$D2" harvest run 前锋 --timeout 10
status stopped-run 1
has stopped-says "$ERR" "前锋: page 4"
has stopped-stored "$OUT" "已存 3 页"
n=$(sqlite3 "$D2/hongdang.db" "SELECT count(*) FROM harvest_records")
[ "$n" = 15 ] && pass stopped-kept-3-pages || fail stopped-kept-3-pages "$n records"
hd_in "$D2" harvest list --json
jq_is stopped-resuming "d[0]['resuming']" True
jq_is stopped-error "'page 4' in d[0]['last_error']" True
rm -f "$T/$FAKE_PORT.fail"
hd_in "$D2" harvest run 前锋
status resumed-run 0
has resumed-says "$OUT" "前锋：续接上次中断，10 页，新增 50"
keep=$D; D=$D2
same resumed-complete 前锋
D=$keep

# ------------------------------------------------ kill -9 mid-run
D3="$T/d3"
"$HONGDANG" -d "$D3" init --fonds QQ00 --name 区档案馆三 >/dev/null
echo 0.15 >"$T/$FAKE_PORT.delay"
hd_in "$D3" harvest add 前锋 "$FAKE_URL"
"$HONGDANG" -d "$D3" harvest run 前锋 >/dev/null 2>&1 &
HPID=$!
for i in $(seq 100); do
	n=$(sqlite3 "$D3/hongdang.db" "SELECT count(*) FROM harvest_records" 2>/dev/null)
	[ "${n:-0}" -ge 20 ] && break
	sleep 0.05
done
kill -9 "$HPID"; wait "$HPID" 2>/dev/null
n=$(sqlite3 "$D3/hongdang.db" "SELECT count(*) FROM harvest_records")
[ "$n" -lt 65 ] && pass killed-mid-run || fail killed-mid-run "$n: it had finished"
rm -f "$T/$FAKE_PORT.delay"
hd_in "$D3" harvest run 前锋
status killed-resumed 0
has killed-resumed-says "$OUT" "续接上次中断"
keep=$D; D=$D3
same killed-complete 前锋
D=$keep

# ----------------------------------------- two runs of one room at once
# (serve --harvest-hours and a harvest run at the same moment): each
# page's state is set over the one its run began from, so one run
# stores and the other, finding it moved on, says it lost and stores
# nothing; the room ends harvested once, complete
D5="$T/d5"
"$HONGDANG" -d "$D5" init --fonds QQ00 --name 区档案馆五 >/dev/null
hd_in "$D5" harvest add 前锋 "$FAKE_URL"
echo 0.3 >"$T/$FAKE_PORT.delay"
"$HONGDANG" -d "$D5" harvest run 前锋 >"$T/race1.out" 2>"$T/race1.err" &
R1PID=$!
"$HONGDANG" -d "$D5" harvest run 前锋 >"$T/race2.out" 2>"$T/race2.err" &
R2PID=$!
wait "$R1PID"; R1=$?
wait "$R2PID"; R2=$?
rm -f "$T/$FAKE_PORT.delay"
if [ "$R1" = 0 ] && [ "$R2" = 1 ]; then LOST=race2
elif [ "$R1" = 1 ] && [ "$R2" = 0 ]; then LOST=race1
else LOST=""; fi
ok race-one-lost test -n "$LOST"
has race-lost-says "$T/${LOST:-race1}.err" "this run lost and stopped"
keep=$D; D=$D5
same race-complete 前锋
n=$(dsql "SELECT count(*) FROM harvest_records")
[ "$n" = 65 ] && pass race-each-once || fail race-each-once "$n records"
hd harvest list --json
jq_is race-state "[d[0]['resuming'], d[0]['last_error']]" "[False, None]"
D=$keep

# ------------------------------------------------------ bad sources
# each fails alone, with a status naming what is wrong, nothing stored
for kind in notxml invalid loop noid doctype slow; do
	fake "$kind"
	hd harvest add "坏-$kind" "$FAKE_URL"
done
hd harvest add 坏-unreachable "http://127.0.0.1:$(free_port)/oai"
# each alone first: it fails and the district's catalogue (every table
# but the sources' own status) and its files are as they were, byte for
# byte
dstate() {
	sqlite3 "$D/hongdang.db" .dump | grep -v '^INSERT INTO harvest_sources'
	(cd "$D" && find objects harvest -type f | sort | xargs -r sha256sum)
}
for kind in notxml invalid noid doctype slow unreachable; do
	dstate >"$T/before.$kind"
	hd harvest run "坏-$kind" --timeout 2
	status "bad-alone-$kind" 1
	dstate >"$T/after.$kind"
	if cmp -s "$T/before.$kind" "$T/after.$kind"; then
		pass "bad-$kind-unchanged"
	else
		fail "bad-$kind-unchanged" "$(diff "$T/before.$kind" "$T/after.$kind" | head -4 | tr '\n' ' ')"
	fi
done
hd harvest run --timeout 2
status bad-run-all 1
for s in 前锋 东环 沙湾; do
	has "bad-others-$s" "$OUT" "$s：1 页"
done
hd harvest list --json
err_of() {
	$PY -c 'import json,sys
d = {s["name"]: s for s in json.load(open(sys.argv[1]))}
print(d[sys.argv[2]]["last_error"])' "$OUT" "$1"
}
bad_is() {
	local got
	got=$(err_of "坏-$1")
	case "$got" in
	*"$2"*) pass "bad-$1" ;;
	*) fail "bad-$1" "last_error '$got' lacks '$2'" ;;
	esac
}
bad_is notxml "not XML"
bad_is invalid "not a valid OAI-PMH answer"
bad_is loop "was given before in this run (the list loops)"
bad_is noid "record 2 of the page has no identifier"
bad_is doctype "it carries a DOCTYPE"
bad_is slow "no answer within 2 s"
bad_is unreachable "cannot be reached"
# the looping room's first page was whole and is kept; the page with a
# record without an identifier is not stored at all
n=$(dsql "SELECT count(*) FROM records WHERE ref LIKE 'QL01%'")
[ "$n" = 1 ] && pass bad-loop-first-page || fail bad-loop-first-page "$n"
n=$(dsql "SELECT count(*) FROM records WHERE ref LIKE 'QN01%'")
[ "$n" = 0 ] && pass bad-noid-nothing || fail bad-noid-nothing "$n records"
n=$(dsql "SELECT count(*) FROM records WHERE ref LIKE 'QD01%'")
[ "$n" = 0 ] && pass bad-doctype-nothing || fail bad-doctype-nothing "$n records"
hd harvest list
has bad-list-shows "$OUT" "失败："
for kind in notxml invalid loop noid doctype slow unreachable; do
	hd harvest remove "坏-$kind"
done
status remove-bad 0

# the district's own filter: a room that marks records restricted or
# internal (a room not running Hongdang might send them) shows none
fake rights
hd harvest add 另类 "$FAKE_URL"
hd harvest run 另类
status rights-run 0
n=$(dsql "SELECT count(*) FROM records WHERE ref LIKE 'QR01%'")
[ "$n" = 3 ] && pass rights-stored || fail rights-stored "$n"
hd search --json --public 一件
jq_is rights-public-only "[h['title'] for h in d['hits']]" "['公开的一件']"
serve district2 --audit-hours 0 --merge-idle 0 --demo-max 0
req - GET "/record/$(dot 'QR01-WS·2020·Y-0002')"
code rights-restricted-404 404
req - GET "/record/$(dot 'QR01-WS·2020·Y-0001')"
code rights-public-200 200
stop "$SPID"
hd harvest remove 另类
status remove 0
has remove-says "$OUT" "已移除社区：另类（3 件目录）"
n=$(dsql "SELECT count(*) FROM records WHERE ref LIKE 'QR01%'")
[ "$n" = 0 ] && pass removed-records || fail removed-records "$n"
n=$(dsql "SELECT count(*) FROM fonds WHERE code = 'QR01'")
[ "$n" = 0 ] && pass removed-fonds || fail removed-fonds "$n"

# a record withdrawn in the room and issued again under a new OAI-PMH
# identifier with the same reference code replaces the room's old one
# (it wedged every later run of the room before)
fake reissue
hd harvest add 重发 "$FAKE_URL"
hd harvest run 重发
status reissue-first 0
echo 2 >"$T/$FAKE_PORT.gen"
hd harvest run 重发
status reissue-again 0
has reissue-says "$OUT" "重发：1 页，新增 1，更新 1，删除 1"
n=$(dsql "SELECT r.title || ' ' || h.oai_id FROM records r JOIN harvest_records h
	ON h.record_id = r.id WHERE r.ref = 'QX01-WS·2020·Y-0001'")
[ "$n" = "第2版 oai:f:2-1" ] && pass reissue-replaced || fail reissue-replaced "'$n'"
hd harvest run 重发
status reissue-not-wedged 0
hd harvest remove 重发

# thumbnails: a redirect off the room's host is not followed, one on it
# is; an answer without a length is cut once past the cap (4 MiB), one
# whose length says more is refused before its body
fake thumbs
hd harvest add 缩略 "$FAKE_URL"
before=$(ls "$D/harvest/thumbs" | wc -l)
hd harvest run 缩略 --timeout 20
status thumbs-run 0
has thumbs-counted "$OUT" "缩略图 1（3 张取不到）"
ok thumbs-one-cached test "$(ls "$D/harvest/thumbs" | wc -l)" -eq $((before + 1))
has thumbs-same-host "$T/$FAKE_PORT.hosts" "127.0.0.1:$FAKE_PORT"
lacks thumbs-not-off-host "$T/$FAKE_PORT.hosts" "localhost"
for i in $(seq 50); do      # the room's thread notes it as it ends
	[ -s "$T/$FAKE_PORT.sent" ] && break
	sleep 0.1
done
sent=$(cat "$T/$FAKE_PORT.sent" 2>/dev/null || echo none)
case "$sent" in
[0-9]*) ok thumbs-endless-cut test "$sent" -lt $((16 << 20)) ;;
*) fail thumbs-endless-cut "the room's answer never ended ($sent)" ;;
esac
hd harvest remove 缩略

# ------------------------------------------ serve --harvest-hours
D4="$T/d4"
"$HONGDANG" -d "$D4" init --fonds QQ00 --name 区档案馆四 >/dev/null
hd_in "$D4" harvest add 东环 "$DH_URL/oai"
keep=$D; D=$D4
# held NAME N: within 20 s the district holds N harvested records
held() {
	local i n
	for i in $(seq 200); do
		n=$(dsql "SELECT count(*) FROM harvest_records")
		[ "$n" = "$2" ] && break
		sleep 0.1
	done
	[ "$n" = "$2" ] && pass "$1" || fail "$1" "$n records, not $2"
}
echo 0 >"$CLOCK"
serve scheduled HONGDANG_TEST_CLOCK="$CLOCK" --harvest-hours 1 \
	--audit-hours 0 --merge-idle 0 --demo-max 0
held scheduled-harvest 5
DH2=$(rsql 东环 "SELECT ref FROM records WHERE $PUB ORDER BY ref LIMIT 1")
hd_in "$T/东环" review withdraw "$DH2" --reason 再撤回
sleep 3     # not due yet: nothing moves
n=$(dsql "SELECT count(*) FROM harvest_records")
[ "$n" = 5 ] && pass scheduled-not-due || fail scheduled-not-due "$n"
clock_add 3700
held scheduled-again 4
has scheduled-logged "$T/scheduled.err" "harvest: 东环:"
stop "$SPID"
D=$keep
