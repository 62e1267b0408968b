# The exhibit's screens in headless Chromium (Debian's chromium driven by
# playwright-core from tests/browser/): home, corridor, reading corner,
# demonstrations, search (hits and none), a record, study list, bookings,
# the 404 page and the kiosk home, at 1920x1080 and 1080x1920 (and home,
# search and a record on a 390x844 phone); the admin pages (login, the
# page refusing a login over plain HTTP from another machine, home,
# review queue, a record, consultation, storage room, the catalogue,
# keeping, receiving a transfer, audit, accounts) at a desk's 1440x900,
# logged in through the form.  Each page: no console errors,
# page errors or failed requests; axe-core finds nothing serious or
# critical; lang zh-CN; alt text; headings from h1; touch targets of 48 px;
# no sideways scrolling.  Then the study list, a demonstration's first step
# and the kiosk's idle countdown, return home and attract loop.  At the
# archivist's desk: a zip of scans and its .xlsx sheet uploaded, previewed,
# confirmed and followed to the end (desk_ingest.mjs); the new restricted
# record found in the staff catalogue and not in the public search, the
# new records' bag downloaded by the catalogue's button, then validated
# here with its slip (desk_catalogue.mjs).
# Screenshots: $HD_BUILD/screenshots/<viewport>-<page>.png.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/browser/lib.sh"

# A fresh archive with the sample collection.
new_archive
hd ingest --approve --sheet "$SAMPLE/目录.csv" "$SAMPLE"
status browser-ingest-sample 0
# for the admin pages: an account, a record waiting for review, a
# consultation request and a week of storage-room readings
printf 'Admin-Browser-2026\n' >"$T/pw"
hd user add admin1 --role admin --password-file "$T/pw"
status browser-admin-account 0
mkdir -p "$T/pending"
printf '社区志愿服务队活动记录：清理楼道、看望独居老人。\n' >"$T/pending/志愿服务记录.txt"
hd ingest --access public --class SQ "$T/pending"
status browser-pending 0
RS=$(sqlite3 "$D/hongdang.db" "SELECT ref FROM records WHERE access = 'restricted' LIMIT 1")
hd consult request --person 李研究员 --org 区档案馆 --purpose research \
	--kind view --days 7 "$RS"
status browser-consult-request 0
for i in 6 5 4 3 2 1 0; do
	hd storage log --temp "$((18 + i % 3)).5" --rh "$((50 + i))" \
		--at "$(date -u -d "-$i day" +%Y-%m-%dT09:00:00Z)"
done
hd storage log --temp 26 --rh 63
status browser-storage 0

# for the desk's ingest by upload (desk_ingest.mjs): a zip of scans the
# archive has not seen (the sample's re-encoded) with its sheet as an
# .xlsx (openpyxl: the photograph's date a serial number, pages numbers),
# one record restricted; and two files for an upload broken off and
# resumed
mkdir -p "$T/desk/扫描/党员档案" "$T/resume"
convert "$SAMPLE/照片/1956-梁氏宗祠夜校.jpg" -quality 83 "$T/desk/扫描/夜校.jpg"
convert "$SAMPLE/党员档案/陈某华/入党志愿书.jpg" -quality 83 \
	"$T/desk/扫描/党员档案/入党志愿书.jpg"
printf '扫描批次说明 %s\n' "$(date +%s%N)" >"$T/desk/扫描/说明.txt"
(cd "$T/desk" && zip -qr "$T/scans.zip" 扫描)
{
	head -1 "$SAMPLE/目录.csv"
	echo '扫描/夜校.jpg,夜校扫盲班（重扫）,市桥前锋街居民委员会,1956-09,ZP,Y,public,夜校;扫盲,,番禺市桥,1,SQ,,'
	echo '扫描/党员档案,党员档案：入党志愿书（重扫）,中共前锋社区支部委员会,1965,RS,Y,restricted,党员档案,陈某华,番禺市桥,1,DJ,,'
	echo '扫描/说明.txt,扫描批次说明,社区档案室,2026,WS,D10,internal,数字化,,,1,SQ,,'
} >"$T/目录.csv"
$PY - "$T/目录.csv" "$T/目录.xlsx" <<'EOF'
import csv, datetime, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = '目录'
for i, row in enumerate(csv.reader(open(sys.argv[1], encoding='utf-8-sig'))):
    if i > 0:
        row[10] = int(row[10])
        if row[3] == '1956-09':
            row[3] = datetime.datetime(1956, 9, 1)
    ws.append(row)
ws['D2'].number_format = 'yyyy/m/d'
wb.save(sys.argv[2])
EOF
status browser-xlsx-sheet 0
# the date cell is a number in the workbook, not text
ok browser-xlsx-date-serial test "$(unzip -p "$T/目录.xlsx" xl/worksheets/sheet1.xml |
	grep -o '<c r="D2"[^>]*><v>[0-9.]*</v>' | grep -c '<v>20699</v>')" = 1
head -c 300000 /dev/urandom >"$T/resume/甲.bin"
head -c 900000 /dev/urandom >"$T/resume/乙.bin"


# start NAME ARGS...: a server on a free port; sets PORT and PID.
start() {
	local name=$1
	shift
	if ! server_start "$name" --templates "$HD_TOP/templates" "$@"; then
		fail "browser-$name-starts" "no answer on port $PORT: $(head -c 400 "$T/$name.err")"
		exit 1
	fi
	PID=$SPID
}
start main
MAIN_PORT=$PORT MAIN_PID=$PID
# the kiosk checks: "还在浏览吗？" after 5 s, attract loop after 10 s
start idle --idle 5 --attract 10
IDLE_PORT=$PORT IDLE_PID=$PID
# the admin login from another machine over plain HTTP: a request through
# the trusted proxy (127.0.0.1) naming a client elsewhere
start proxy --trusted-proxy 127.0.0.1
PROXY_PORT=$PORT PROXY_PID=$PID

rm -rf "$SHOTS"
mkdir -p "$SHOTS"
HD_URL="http://127.0.0.1:$MAIN_PORT" HD_IDLE_URL="http://127.0.0.1:$IDLE_PORT" \
HD_PROXY_URL="http://127.0.0.1:$PROXY_PORT" \
HD_SHOTS="$SHOTS" HD_CHROMIUM="$CHROMIUM" \
HD_ADMIN_USER=admin1 HD_ADMIN_PASS=Admin-Browser-2026 \
HD_INGEST_FILES="$T/scans.zip" HD_INGEST_SHEET="$T/目录.xlsx" HD_INGEST_ROWS=3 \
HD_CATALOGUE_Q=重扫 HD_BAG_OUT="$T/bag.zip" HD_TRANSFER_TO=番禺区档案馆 \
HD_RESUME_FILES="$T/resume/甲.bin
$T/resume/乙.bin" HD_INGEST_OUT="$T/ingest.json" \
	timeout 600 node "$BR/screens.mjs" >"$T/node.out" 2>"$T/node.err"
rc=$?
cat "$T/node.out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T/node.out"; then
	fail browser-script "node exited $rc: $(grep -v 'unexpected operator' "$T/node.err" | tail -5 | tr '\n' ' ')"
elif ! grep -q '^PASS ' "$T/node.out"; then
	fail browser-script \
		"node checked nothing: $(tail -5 "$T/node.err" | tr '\n' ' ')"
fi

# What the browser's uploads stored: the sheet's records as the sheet
# says (the restricted one not public), the resumed files byte for byte.
if [ -z "${HD_ONLY:-}" ] || [ "$HD_ONLY" = ingest ]; then
	stored() {
		$PY -c 'import json, sys
d = json.load(open(sys.argv[1])).get(sys.argv[2]) or {}
print("\n".join(d.get("records", [])))' "$T/ingest.json" "$1" 2>/dev/null
	}
	# show REF EXPR: EXPR of "hongdang show --json REF" (d)
	show() {
		"$HONGDANG" -d "$D" show --json "$1" | $PY -c 'import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$2"
	}
	got=$(for r in $(stored batch); do show "$r" 'd["title"] + " " + d["access"]'; done | sort)
	want=$(printf '%s\n' '党员档案：入党志愿书（重扫） restricted' \
		'夜校扫盲班（重扫） public' '扫描批次说明 internal' | sort)
	ok browser-ingest-as-sheet test "$got" = "$want"
	rs=$(for r in $(stored batch); do
		[ "$(show "$r" 'd["access"]')" = restricted ] && echo "$r"; done)
	code=$(curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$MAIN_PORT/api/records/${rs//·/.}")
	ok browser-ingest-restricted-not-public test -n "$rs" -a "$code" = 404
	got=$(for r in $(stored batch); do show "$r" 'd["date"]'; done | sort | tr '\n' ' ')
	ok browser-xlsx-serial-is-date test "$got" = '1956-09-01 1965 2026 '
	got=$(for r in $(stored resumed); do show "$r" \
		'"\n".join(f["sha256"] for f in d["files"])'; done | sort)
	want=$(sha256sum "$T/resume/甲.bin" "$T/resume/乙.bin" | cut -c1-64 | sort)
	ok browser-resumed-byte-identical test "$got" = "$want"
fi

# The bag the catalogue's button downloaded (desk_catalogue.mjs): a
# valid bag of the two new records it ticked, the transfer slip inside
# as the page promises, recorded as one transfer by the account.
if [ -z "${HD_ONLY:-}" ] || [ "$HD_ONLY" = ingest ]; then
	rm -rf "$T/bag"
	if ! $PY -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
		"$T/bag.zip" "$T/bag" 2>"$T/unzip.err"; then
		fail browser-bag-unzips "$(tail -2 "$T/unzip.err")"
	fi
	BAG=$(find "$T/bag" -mindepth 1 -maxdepth 1 -type d | head -1)
	hd bag validate "$BAG"
	status browser-bag-validates 0
	ok browser-bag-slip test -s "$BAG/slip.html"
	has browser-bag-slip-receiver "$BAG/slip.html" 番禺区档案馆
	for r in $(stored batch); do
		[ "$(show "$r" 'd["title"]')" = 扫描批次说明 ] && continue
		has "browser-bag-slip-$r" "$BAG/slip.html" "$r"
		ok "browser-bag-payload-$r" test -d "$BAG/data/${r//·/.}"
	done
	hd transfer list --json
	jq_is browser-bag-recorded "[(t['direction'], t['items'], t['agent']) for t in d]" "[('out', 2, 'web:admin1')]"
fi

# Both servers stop cleanly on SIGTERM, and answered no request with a 5xx
# or a sanitizer report while the browser was at work.
for name in main idle proxy; do
	case $name in
	main) p=$MAIN_PID ;;
	idle) p=$IDLE_PID ;;
	*) p=$PROXY_PID ;;
	esac
	kill "$p" 2>/dev/null
	wait "$p"
	src=$?
	PIDS=$(echo " $PIDS " | sed "s/ $p / /")
	if [ "$src" -eq 0 ]; then pass "browser-$name-server-stops"; else
		fail "browser-$name-server-stops" "exit $src: $(tail -c 400 "$T/$name.err")"
	fi
	if grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$T/$name.err"; then
		fail "browser-$name-server-sanitizer" "$(grep -m3 -E 'Sanitizer|runtime error' "$T/$name.err")"
	elif grep -q '" 5[0-9][0-9] ' "$T/$name.err"; then
		fail "browser-$name-server-5xx" "$(grep -m3 '" 5[0-9][0-9] ' "$T/$name.err")"
	else
		pass "browser-$name-server-log-clean"
	fi
done
