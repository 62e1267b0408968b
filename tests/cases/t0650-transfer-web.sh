# Transfers at the archivist's desk: records ticked in the catalogue leave
# as the BagIt bag "hongdang export" makes (slip inside), downloaded as a
# zip that "hongdang bag validate" accepts, recorded as a transfer; a big
# bag is sent from disk, not memory.  A receiving archive takes the zip
# (or the bag as a folder of files) at /admin/import exactly as "hongdang
# import" does, with its receipt.  Bad requests change nothing: an
# unknown record (named), no form token, a reviewer, a visitor, a
# tampered bag (refused naming the file), a zip that is no bag, names
# leaving the folder, an upload cut short; no upload is left in tmp/.
# A download that ends while an ingest holds the archive's write lock is
# recorded once the lock is free, exactly once.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
need_sample
photo=$(find "$S" -name '*.jpg' | sort | head -1)

SEND=$D
BATCH="$T/batch"
mkdir -p "$BATCH/卷 001"
printf '第一页：前锋社区党员大会纪要。\n' >"$BATCH/卷 001/p1.txt"
printf '第二页：选举支部委员。\n' >"$BATCH/卷 001/p2.txt"
printf '张三入党志愿书（1985）。\n' >"$BATCH/志愿书.txt"
cp "$photo" "$BATCH/老街.jpg"
cat >"$T/sheet.csv" <<'CSV'
文件名,题名,责任者,日期,门类,保管期限,开放,主题词,人物,地点,页数,机构问题,附注,位置
卷 001/p1.txt;卷 001/p2.txt,党员大会纪要,前锋社区党支部,1985-03-12,WS,Y,public,党建;会议,张三;李四,番禺,2,DJ,"两页, ""手写""",一号库房-01柜-03盒
志愿书.txt,张三入党志愿书,张三,1985,RS,Y,restricted,入党,张三,,,DJ,,
老街.jpg,老街旧照,,1990,ZP,Y,public,老街,,市桥,,SQ,,
CSV
hd ingest --json --no-ocr --approve --sheet "$T/sheet.csv" "$BATCH"
status ingest 0
R1=$(sql "SELECT ref FROM records WHERE title = '党员大会纪要'")
R2=$(sql "SELECT ref FROM records WHERE title = '张三入党志愿书'")
R3=$(sql "SELECT ref FROM records WHERE title = '老街旧照'")
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
# under AddressSanitizer freed memory waits in a quarantine (256 MB)
# that the peak of big-export-not-in-memory would count: a small one
# keeps that check about the server's own memory
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:quarantine_size_mb=4} serve send
BS=$B
SENDPID=$SPID
login a zhang 'zhang-secret-77'
login r li 'li-reviews-88'

# the catalogue offers the ticks and the form to the archivist only
req a GET /admin/search
has catalogue-ticks "$BODY" "name=\"ref\" value=\"$R1\" form=\"export-form\""
has catalogue-export-form "$BODY" 'action="/admin/export"'
req r GET /admin/search
lacks reviewer-no-ticks "$BODY" 'form="export-form"'

transfers() { sql "SELECT count(*) FROM transfers"; }
tmp_clean() {  # tmp_clean NAME DIR: no export, import or receipt left
	local left i  # (once the server has let the answer go: a moment)
	for i in $(seq 50); do
		left=$(find "$2/tmp" -mindepth 1 -maxdepth 1 \( -name 'export-*' \
			-o -name 'import-*' -o -name 'receipt-*' \) 2>/dev/null |
			head -3)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -z "$left" ]; then pass "$1"; else fail "$1" "left in tmp: $left"; fi
}

# ---------------------------------------------------------- bad exports
snapshot before-bad-export
post a /admin/export "ref=$R1" ref=QF01-WS.1999.Y-9999 to=番禺区档案馆
code export-unknown-404 404
has export-unknown-named "$BODY" 'QF01-WS.1999.Y-9999'
post a /admin/export to=番禺区档案馆
code export-none-400 400
has export-none-says "$BODY" '勾选'
req a POST /admin/export --data-urlencode "ref=$R1"
code export-no-token-403 403
post r /admin/export "ref=$R1"
code export-reviewer-403 403
req - POST /admin/export --data-urlencode "ref=$R1"
code export-visitor-login 303
hdr export-visitor-to-login Location /admin/login
unchanged before-bad-export
ok bad-exports-no-transfer test "$(transfers)" -eq 0
tmp_clean bad-exports-tmp-clean "$SEND"

# ---------------------------------------------------------------- export
post a /admin/export "ref=$R1" "ref=$R2" "ref=$R1" to=番禺区档案馆 reason=档案移交进馆
code export-200 200
hdr export-zip Content-Type application/zip
# named by the China time of the export: the transfer's number is given
# only once the whole zip has gone out
hdr export-attachment Content-Disposition 'attachment; filename="transfer-20'
hdr export-name Content-Disposition "filename*=UTF-8''%E8%BD%AC%E9%80%92%E5%8C%85-20"
hdr export-no-store Cache-Control no-store
cp "$BODY" "$T/web.zip"
tmp_clean export-tmp-clean "$SEND"
rm -rf "$T/web"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$T/web.zip" "$T/web"
WN=$(ls "$T/web")
WB="$T/web/$WN"
ok zip-one-bag test -f "$WB/bagit.txt" -a -f "$WB/slip.html" -a \
	-f "$WB/metadata/records.csv" -a "$(echo "$WN" | grep -c '^转递包-20[0-9]\{6\}-[0-9]\{6\}$')" = 1
hd bag validate "$WB"
status zip-bag-validates 0
has slip-receiver "$WB/slip.html" 番禺区档案馆
has slip-item "$WB/slip.html" "$R2"
lacks slip-only-chosen "$WB/slip.html" "$R3"
has bag-info-to "$WB/bag-info.txt" 'To: 番禺区档案馆'
has bag-info-reason "$WB/bag-info.txt" 'Transfer-Reason: 档案移交进馆'
has bag-info-items "$WB/bag-info.txt" 'Transfer-Items: 2'
ok payload-identical cmp "$BATCH/卷 001/p2.txt" "$WB/data/$(dot "$R1")/卷 001/p2.txt"
# what the command line makes of the same records: the same payload
hd export --bag "$T/cli" --to 番禺区档案馆 "$R1" "$R2"
status cli-export 0
ok same-payload-as-cli cmp "$T/cli/manifest-sha256.txt" "$WB/manifest-sha256.txt"
ok same-sheet-as-cli cmp "$T/cli/metadata/records.csv" "$WB/metadata/records.csv"
# recorded once the whole zip went out, by the desk's keeper: a moment
for i in $(seq 50); do [ "$(transfers)" -ge 1 ] && break; sleep 0.1; done
hd transfer list --json
jq_is transfer-recorded "[(t['transfer'], t['direction'], t['items'], t['agent'], t['bag'][:5]) for t in d][:1]" "[(1, 'out', 2, 'web:zhang', '网页下载（')]"
ok transfer-events test "$(sql "SELECT count(*) FROM events WHERE type = 'transfer' AND agent = 'web:zhang'")" -eq 2

# a big bag goes out from disk: the server does not grow by its size
head -c $((48 << 20)) /dev/urandom >"$T/big.bin"
mkdir -p "$T/bigbatch" && mv "$T/big.bin" "$T/bigbatch/大文件.bin"
hd ingest --json --no-ocr "$T/bigbatch"
status big-ingest 0
RB=$(refs_of)
hwm() { awk '/VmHWM/ {print $2}' "/proc/$SENDPID/status"; }
before=$(hwm)
nb=$(transfers)
post a /admin/export "ref=$RB"
code big-export-200 200
after=$(hwm)
# the desk's keeper records it a moment after the last byte
for i in $(seq 100); do [ "$(transfers)" -gt "$nb" ] && break; sleep 0.1; done
ok big-export-recorded test "$(transfers)" -eq $((nb + 1))
ok big-export-size test "$(stat -c %s "$BODY")" -gt $((48 << 20))
ok big-export-not-in-memory test $((after - before)) -lt $((24 << 10))
tmp_clean big-export-tmp-clean "$SEND"
# a download cut off midway: the bag under tmp/ goes all the same, and
# no transfer is recorded (nor an event on the record): the receiver
# has no bag
n0=$(transfers)
e0=$(sql "SELECT count(*) FROM events WHERE type = 'transfer'")
tok=$(csrf a)
curl -s -o "$T/cut.zip" --max-time 1 --limit-rate 4M -b "$T/jar.a" \
	--data-urlencode "csrf=$tok" --data-urlencode "ref=$RB" "$BS/admin/export"
ok cut-export-was-cut test "$(stat -c %s "$T/cut.zip")" -gt 0 -a \
	"$(stat -c %s "$T/cut.zip")" -lt $((48 << 20))
tmp_clean cut-export-tmp-clean "$SEND"
# as long as a whole one takes to be recorded, then none
for i in $(seq 20); do [ "$(transfers)" -gt "$n0" ] && break; sleep 0.1; done
ok cut-export-no-transfer test "$(transfers)" -eq "$n0"
ok cut-export-no-event test "$(sql "SELECT count(*) FROM events WHERE type = 'transfer'")" -eq "$e0"

# a download that ends while another holds the archive's write lock (as
# an ingest's transaction does, here for 12 s: past the 10 s a writer
# waits for it): the answer is whole at once, the server's threads do
# not wait (the home page answers meanwhile), nothing is recorded while
# the lock is held, and the transfer and its event are recorded once
# the lock is free, exactly once, the log saying so
{ printf 'BEGIN IMMEDIATE;\nSELECT 1;\n'; sleep 12; printf 'ROLLBACK;\n'; } |
	sqlite3 "$SEND/hongdang.db" >/dev/null &
LOCKER=$!
sleep 0.5
t0=$(date +%s%N)
post a /admin/export "ref=$R3" to=市桥街道档案室
code locked-export-200 200
cp "$BODY" "$T/locked.zip"
LU=$(python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
n = [m for m in z.namelist() if m.endswith("/bag-info.txt")][0]
print([l.split(": ", 1)[1] for l in z.read(n).decode().splitlines()
       if l.startswith("External-Identifier: ")][0])' "$T/locked.zip")
ok locked-export-has-id test -n "$LU"
for i in 1 2 3; do
	req - GET /
	code "locked-home-answers-$i" 200
	sleep 1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok locked-meanwhile-quick test "$ms" -lt 8000
ok locked-not-yet test "$(sql "SELECT count(*) FROM transfers WHERE uuid = '$LU'")" -eq 0
wait "$LOCKER"
for i in $(seq 300); do
	[ "$(sql "SELECT count(*) FROM transfers WHERE uuid = '$LU'")" -ge 1 ] && break
	sleep 0.1
done
ok locked-recorded-once test "$(sql "SELECT count(*) FROM transfers WHERE uuid = '$LU'")" -eq 1
ok locked-event-once test "$(sql "SELECT count(*) FROM events e JOIN records r ON r.id = e.record_id WHERE e.type = 'transfer' AND r.ref = '$R3'")" -eq 1
has locked-logged-busy "$T/send.err" "transfer $LU (downloaded): the archive is busy"
has locked-logged-done "$T/send.err" "transfer $LU (downloaded): done at try"
lacks locked-not-lost "$T/send.err" "downloaded but not recorded"
tmp_clean locked-export-tmp-clean "$SEND"

# ---------------------------------------------------------------- import
RECV="$T/receiver"
D=$RECV
"$HONGDANG" -d "$D" init --fonds QF09 --name 番禺区档案馆 >/dev/null 2>&1
account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
serve recv
BR=$B
login ra zhang 'zhang-secret-77'
login rr li 'li-reviews-88'
req ra GET /admin/import
code import-page 200
has import-form "$BODY" 'enctype="multipart/form-data"'
has import-folder-input "$BODY" 'webkitdirectory'
TOK=$(form_csrf)
req rr GET /admin/
RTOK=$(form_csrf)
# upload JAR TOKEN FIELDS...: a multipart POST /admin/import
upload() {
	local jar=$1 tok=$2 f args=()
	shift 2
	for f in "$@"; do
		args+=(-F "$f")
	done
	req "$jar" POST /admin/import -F "csrf=$tok" "${args[@]}"
}
snapshot before-bad-import
# a tampered bag: one payload byte changed, its zip refused naming it
rm -rf "$T/bad" && cp -r "$T/web" "$T/bad"
printf 'X' | dd of="$T/bad/$WN/data/$(dot "$R1")/卷 001/p1.txt" bs=1 seek=3 conv=notrunc 2>/dev/null
(cd "$T/bad" && zip -qr "$T/bad.zip" "$WN")
upload ra "$TOK" "bag=@$T/bad.zip;filename=坏包.zip"
code import-tampered-422 422
has import-tampered-refused "$BODY" '被拒收，未存入任何内容'
has import-tampered-names-file "$BODY" 'p1.txt'
printf '只是一个文本文件\n' >"$T/notes.txt"
(cd "$T" && zip -q "$T/notabag.zip" notes.txt)
upload ra "$TOK" "bag=@$T/notabag.zip;filename=不是包.zip"
code import-not-bag-422 422
has import-not-bag-named "$BODY" '不是包.zip'
has import-not-bag-says "$BODY" 'not a BagIt bag'
upload ra "$TOK" "bag=@$T/notes.txt;filename=文本.zip"
code import-not-zip-422 422
has import-not-zip-named "$BODY" '文本.zip'
upload ra "$TOK" "files=@$T/notes.txt;filename=../逃出.txt"
code import-escape-400 400
has import-escape-named "$BODY" '逃出.txt'
upload ra 0000 "bag=@$T/web.zip;filename=web.zip"
code import-bad-token-403 403
req ra POST /admin/import -F "bag=@$T/web.zip;filename=web.zip" -F "csrf=$TOK"
code import-token-last-403 403
upload rr "$RTOK" "bag=@$T/web.zip;filename=web.zip"
code import-reviewer-403 403
req - POST /admin/import -F "csrf=$TOK" -F "bag=@$T/web.zip;filename=web.zip"
code import-visitor-login 303
upload ra "$TOK"
code import-nothing-400 400
upload ra "$TOK" "bag=@$T/web.zip;filename=web.zip" "bag=@$T/web.zip;filename=again.zip"
code import-two-bags-400 400
upload ra "$TOK" "approve=1" "bag=@$T/web.zip;filename=web.zip"
code import-approve-needs-reviewer-role 403
req ra POST /admin/import -H 'Content-Type: multipart/form-data; boundary=xyz' \
	-H 'Content-Length: 99999999999999' --data-binary 'x'
code import-announced-too-big 413
# an upload cut short: the connection drops after a part of the body
head -c $((8 << 20)) /dev/urandom >"$T/part.bin"
curl -s -o /dev/null --max-time 1 --limit-rate 1M -b "$T/jar.ra" \
	-F "csrf=$TOK" -F "bag=@$T/part.bin;filename=半截.zip" "$BR/admin/import"
tmp_clean cut-short-tmp-clean "$RECV"
unchanged before-bad-import
ok bad-imports-no-transfer test "$(transfers)" -eq 0
tmp_clean bad-imports-tmp-clean "$RECV"

# the zip the sender downloaded
upload ra "$TOK" "bag=@$T/web.zip;filename=转递包-1.zip"
code import-200 200
has import-done "$BODY" '接收完成：新增 2 件，原已保存 0 件'
has import-receipt "$BODY" '回执 1'
has import-receipt-link "$BODY" '/admin/receipt/1'
has import-lists-record "$BODY" '党员大会纪要'
tmp_clean import-tmp-clean "$RECV"
hd transfer list --json
jq_is import-recorded "[(t['transfer'], t['direction'], t['items'], t['agent']) for t in d]" "[(1, 'in', 2, 'web:zhang')]"
ok import-pending test "$(sql "SELECT group_concat(status) FROM records")" = pending,pending
req ra GET /admin/receipt/1
code receipt-200 200
hdr receipt-json Content-Type application/json
hdr receipt-attachment Content-Disposition 'receipt-1.json'
cp "$BODY" "$OUT"
jq_is receipt-content "(d['hongdang_receipt'], d['receipt'], sorted(i['ref'] for i in d['items']))" "(1, 1, $(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$R1" "$R2"))"
req ra GET /admin/receipt/9
code receipt-unknown-404 404
req rr GET /admin/receipt/1
code receipt-reviewer-403 403
tmp_clean receipt-tmp-clean "$RECV"
# the same bag again: nothing added, the receipt given again
upload ra "$TOK" "bag=@$T/web.zip;filename=转递包-1.zip"
code import-again-200 200
has import-again-nothing "$BODY" '新增 0 件，原已保存 2 件'
has import-again-said "$BODY" '这个包以前已接收过'
# the command line's import of the same zip makes the same records
C="$T/cli-recv"
"$HONGDANG" -d "$C" init --fonds QF09 --name 番禺区档案馆 >/dev/null 2>&1
hd_in "$C" import --json "$T/web.zip"
status cli-import 0
desc() {  # desc DIR: the records' descriptions and files, by title
	sqlite3 "$1/hongdang.db" "SELECT r.ref, r.title, r.date, r.category,
		r.access, r.status, f.name, f.sha256 FROM records r JOIN files f
		ON f.record_id = r.id ORDER BY r.title, f.seq"
}
ok web-import-as-cli test "$(desc "$RECV")" = "$(desc "$C")"

# a bag as a folder of files (a folder chosen whole in the browser)
D3="$T/folder-recv"
"$HONGDANG" -d "$D3" init --fonds QF09 --name 番禺区档案馆 >/dev/null 2>&1
stop "$SPID"
D=$D3
account zhang archivist 'zhang-secret-77'
serve folder
login fa zhang 'zhang-secret-77'
req fa GET /admin/import
FTOK=$(form_csrf)
args=()
while IFS= read -r -d '' f; do
	args+=("files=@$f;filename=${f#"$T/web/"}")
done < <(find "$T/web" -type f -print0)
upload fa "$FTOK" "${args[@]}"
code folder-import-200 200
has folder-import-done "$BODY" '接收完成：新增 2 件'
ok folder-import-as-cli test "$(desc "$D3")" = "$(desc "$C")"
tmp_clean folder-tmp-clean "$D3"
alive
