# Ingest by upload at the archivist's desk, driven as a browser would
# (curl, and tests/upload.py for what curl cannot do: a connection reset
# midway, a body without its token first): an archivist uploads a zip of
# scans with a catalogue sheet, sees the preview (the references to be
# allocated), confirms, and the records are stored as "hongdang ingest"
# stores them, the restricted ones never public.  Bad input, each a clear
# answer, nothing stored, nothing lost: a reviewer, a missing or late
# form token, a name that escapes, an upload over the cap (known up
# front, and found while streaming), a zip bomb, a sheet that disagrees
# with the files, a connection dropped midway (resumed from what arrived,
# also across a restart, byte-identical objects), a second batch while
# one ingests (queued), the server killed mid-ingest (whole or absent,
# run again), and the disk filling during an upload (a 2 MB tmpfs as the
# data folder's tmp/).
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
need_sample
UP=("$PY" "$HD_TOP/tests/upload.py")
MNT=""
# the small disk is unmounted once the servers stopped, before the
# folder goes (stop_servers, admin_lib.sh)
cleanup_case() {
	[ -z "$MNT" ] || umount "$MNT" 2>/dev/null
}

account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
GATE="$T/gate"
# shellcheck disable=SC2034  # read by serve (admin_lib.sh)
SERVE_OPTS="--upload-max-mb 30 --audit-hours 0 --merge-idle 0"
serve main HD_DESK_GATE="$GATE" HD_OCR_WORKERS=1
login z zhang zhang-secret-77
code login-archivist 303
login r li li-reviews-88
code login-reviewer 303

# ------------------------------------------------------------- helpers
# bjson ID: the batch's JSON into $OUT (for jq_is)
bjson() {
	req z GET "/admin/batches/$1.json"
	cp "$BODY" "$OUT"
}
# jval EXPR: EXPR of the JSON in $OUT
jval() {
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1" 2>/dev/null
}
# wait_state NAME ID STATE...: poll (up to 90 s) until the batch is in
# one of the states; a PASS or FAIL named NAME
wait_state() {
	local name=$1 id=$2 i st w
	shift 2
	for i in $(seq 900); do
		bjson "$id"
		st=$(jval 'd["state"]')
		for w in "$@"; do
			if [ "$st" = "$w" ]; then
				pass "$name"
				return 0
			fi
		done
		sleep 0.1
	done
	fail "$name" "batch $id is '$st', wanted $*: $(jval 'd.get("reason")')"
	return 1
}
# loc_id: the batch of the last answer's Location
loc_id() {
	grep -i '^location:' "$H" | sed 's|.*/admin/batches/||' | tr -d '\r'
}
# ndirs: upload folders in the data folder's tmp/
ndirs() {
	find "$D/tmp" -maxdepth 1 -name 'upload-*' | wc -l
}

# the scans: photos and the restricted party-member files of the sample,
# with their rows of the sample's sheet
mkdir -p "$T/scans"
cp -r "$S/照片" "$S/党员档案" "$T/scans/"
{ head -1 "$S/目录.csv"; grep -E '^(照片|党员档案)/' "$S/目录.csv"; } >"$T/目录.csv"
NROWS=$(grep -cE '^(照片|党员档案)/' "$T/目录.csv")
(cd "$T/scans" && zip -qr "$T/scans.zip" .)
snapshot empty

# ------------------------------------------------- who may, and tokens
req r GET /admin/ingest
code reviewer-form-403 403
tok=$(csrf r)
req r POST /admin/ingest -F "csrf=$tok" -F "files=@$T/scans.zip"
code reviewer-upload-403 403
req z GET /admin/ingest
code form-200 200
has form-folder-picker "$BODY" 'webkitdirectory'
has form-caps "$BODY" '每批上传不超过'
has form-free "$BODY" '数据盘剩余'
ok form-csrf-first test "$(grep -A1 'id="ingest-form"' "$BODY" | tail -1 | grep -c 'name="csrf"')" -eq 1
req z POST /admin/ingest -F "files=@$T/scans.zip"
code no-token-403 403
tok=$(csrf z)
req z POST /admin/ingest -F "files=@$T/scans.zip" -F "csrf=$tok"
code token-not-first-403 403
req z POST /admin/ingest -F "csrf=0123abcd" -F "files=@$T/scans.zip"
code wrong-token-403 403
ok no-batch-made test "$(ndirs)" -eq 0
req z GET /admin/batches.json
cp "$BODY" "$OUT"
jq_is no-batch-listed 'len(d["batches"])' 0
unchanged empty

# ------------------------------------------------------ the happy path
upload "files=@$T/scans.zip" "sheet=@$T/目录.csv" access=internal ocr=off
code upload-303 303
ID=$(loc_id)
ok location-is-batch test -n "$(echo "$ID" | grep -E '^b[0-9a-z-]+$')"
wait_state checked "$ID" preview
jq_is preview-keys 'sorted(k for k in ["id","state","files_total","files_done","bytes_total","bytes_done","records","rejected","warnings"] if k in d) == sorted(["id","state","files_total","files_done","bytes_total","bytes_done","records","rejected","warnings"])' True
jq_is preview-refs "len(d['records'])" "$NROWS"
jq_is preview-refs-distinct "len(set(d['records'])) == len(d['records'])" True
jq_is preview-no-refusal "d['rejected']" '[]'
jq_is preview-one-file "(d['files_total'], d['files_done'])" '(1, 1)'
PREVIEW=$(jval '" ".join(d["records"])')
unchanged empty
req z GET "/admin/batches/$ID"
code batch-page-200 200
has batch-page-confirm "$BODY" '确认入库'
has batch-page-ref "$BODY" "$(echo "$PREVIEW" | cut -d' ' -f1)"
has batch-page-sheet-row "$BODY" '目录行'
req z GET "/admin/batches/$ID/report"
code report-200 200
has report-sheet "$BODY" '数字化质量检查单'
has report-dry "$BODY" '试运行'
req r POST "/admin/batches/$ID/confirm" --data-urlencode "csrf=$(csrf r)"
code reviewer-confirm-403 403
req z POST "/admin/batches/$ID/confirm"
code confirm-needs-token 403
post z "/admin/batches/$ID/confirm"
code confirm-303 303
wait_state ingested "$ID" "done"
jq_is done-refs '" ".join(d["records"])' "$PREVIEW"
jq_is done-batch 'd["batch"] is not None' True
ok uploaded-files-removed test ! -e "$D/tmp/upload-$ID/files"
RESTRICTED=""
PUBLIC=""
for ref in $PREVIEW; do
	hd show --json "$ref"
	[ "$RC" -eq 0 ] || { fail "show-$ref" "$(cat "$ERR")"; continue; }
	acc=$(jval 'd["access"]')
	[ "$acc" = restricted ] && RESTRICTED=$ref
	[ "$acc" = public ] && PUBLIC=$ref
done
ok stored-restricted test -n "$RESTRICTED"
ok stored-public test -n "$PUBLIC"
hd audit --json --type ingest
has ingest-event-names-account "$OUT" '"web:zhang"'
hd review approve "$RESTRICTED"
status approve-restricted 0
hd review approve "$PUBLIC"
status approve-public 0
req - GET "/api/records/$(dot "$PUBLIC")"
code public-record-public 200
req - GET "/api/records/$(dot "$RESTRICTED")"
code restricted-record-not-public 404
hd search --public --json 党员
lacks restricted-not-in-public-search "$OUT" "$RESTRICTED"
req z GET /admin/batches
code batches-page 200
has batches-lists "$BODY" "$ID"
snapshot stored

# the catalogue locked for writing, as an ingest's transaction holds it:
# the pages that follow a batch answer all the same, at once
{ printf 'BEGIN IMMEDIATE;\nSELECT 1;\n'; sleep 4; printf 'ROLLBACK;\n'; } |
	sqlite3 "$D/hongdang.db" >/dev/null &
LOCKER=$!
sleep 1
t0=$(date +%s%N)
req z GET "/admin/batches/$ID.json"
code locked-json-answers 200
req z GET "/admin/batches/$ID"
code locked-page-answers 200
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok locked-answers-quickly test "$ms" -lt 2500
wait "$LOCKER"

# ----------------------------------------------- a sheet that disagrees
upload "files=@$T/scans.zip" "sheet=@$S/目录.csv" ocr=off
code disagree-303 303
ID=$(loc_id)
wait_state disagree-refused "$ID" refused
jq_is disagree-reasons "any('not in the batch' in r['reason'] for r in d['rejected'])" True
jq_is disagree-names-sheet "any(r['reason'].startswith('目录.csv line') for r in d['rejected'])" True
jq_is disagree-no-refs "d['records']" '[]'
req z GET "/admin/batches/$ID"
has disagree-page "$BODY" '拒收原因'
unchanged stored
post z "/admin/batches/$ID/cancel"
code disagree-cancel 303
bjson "$ID"
jq_is disagree-cancelled "d['state']" cancelled
ok disagree-files-removed test ! -e "$D/tmp/upload-$ID/files"

# ----------------------------------------------------------- zip bomb
$PY - "$T/bomb.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.bin", "w") as f:
        block = bytes(1 << 20)
        for _ in range(24):
            f.write(block)
EOF
upload "files=@$T/bomb.zip" ocr=off
code bomb-303 303
ID=$(loc_id)
wait_state bomb-refused "$ID" refused
jq_is bomb-reason "any('zip bomb' in r['reason'] for r in d['rejected'])" True
unchanged stored

# ---------------------------------------------------------- the caps
head -c 35000000 /dev/urandom >"$T/big.bin"
n=$(ndirs)
upload "files=@$T/big.bin"
code over-cap-413 413
has over-cap-says "$BODY" '上限'
"${UP[@]}" --jar "$T/jar.z" --out "$T/chunked.html" --chunked \
	"$B/admin/ingest" "csrf=$(csrf z)" "files=@$T/big.bin" >"$T/up.out"
has over-cap-streaming-413 "$T/up.out" '413'
has over-cap-streaming-says "$T/chunked.html" '上限'
ok over-cap-nothing-kept test "$(ndirs)" -eq "$n"
printf 'x\n' >"$T/evil.txt"
"${UP[@]}" --jar "$T/jar.z" --out "$T/evil.html" "$B/admin/ingest" \
	"csrf=$(csrf z)" "files=@$T/evil.txt;filename=../evil.txt" >"$T/up.out"
has escape-400 "$T/up.out" '400'
has escape-says "$T/evil.html" '文件名不合规'
ok escape-nothing-kept test "$(ndirs)" -eq "$n" -a ! -e "$D/tmp/evil.txt"
unchanged stored

# ------------------------------------ a dropped connection, resumed
# a photo the batches above did not hold (a duplicate would make no record)
cp "$S/实物/1992-居民赠送锦旗.jpg" "$T/a.jpg"
printf '续传测试 %s\n' "$(date +%s%N)" >"$T/b.txt"
head -c 6000000 /dev/urandom >"$T/c.bin"
# the body up to 3 MB into c.bin, then a reset once the server has read
# all but the last 1.5 MB of it (what a reset finds unread is lost)
cut=$(( $(stat -c %s "$T/a.jpg") + $(stat -c %s "$T/b.txt") + 3000000 ))
"${UP[@]}" --jar "$T/jar.z" --drop-after "$cut" \
	--drop-when "$B/admin/batches.json:$((cut - 1500000))" "$B/admin/ingest" \
	"csrf=$(csrf z)" ocr=off "files=@$T/a.jpg" "files=@$T/b.txt" \
	"files=@$T/c.bin" >"$T/up.out"
has dropped "$T/up.out" '0 -'
req z GET /admin/batches.json
cp "$BODY" "$OUT"
ID=$(jval '[b["id"] for b in d["batches"] if b["state"] == "receiving"][0]')
ok dropped-batch-kept test -n "$ID"
for i in $(seq 100); do
	bjson "$ID"
	[ "$(jval 'd["uploading"]')" = False ] && break
	sleep 0.1
done
jq_is dropped-receiving "d['state']" receiving
jq_is dropped-whole-kept "sorted((f['path'], f['complete']) for f in d['files'])" "[('a.jpg', True), ('b.txt', True), ('c.bin', False)]"
# across a restart too
stop "$SPID"
serve again HD_DESK_GATE="$GATE" HD_OCR_WORKERS=1
bjson "$ID"
jq_is restart-still-receiving "d['state']" receiving
jq_is restart-whole-kept "[f['path'] for f in d['files'] if f['complete']]" "['a.jpg', 'b.txt']"
have=$(jval '[f["bytes"] for f in d["files"] if f["path"] == "c.bin"][0]')
ok partial-kept test "$have" -gt 0 -a "$have" -lt 6000000
"${UP[@]}" --jar "$T/jar.z" "$B/admin/batches/$ID/files" \
	"csrf=$(csrf z)" "offset=$have" "files=@$T/c.bin;filename=c.bin;offset=$have" \
	>"$T/up.out"
has resumed-303 "$T/up.out" "303 /admin/batches/$ID"
wait_state resumed-checked "$ID" preview
jq_is resumed-three "len(d['records'])" 3
post z "/admin/batches/$ID/confirm"
wait_state resumed-stored "$ID" "done"
got=$(for r in $(jval '" ".join(d["records"])'); do shas_of "$r"; done | sort)
want=$(sha256sum "$T/a.jpg" "$T/b.txt" "$T/c.bin" | cut -c1-64 | sort)
ok resumed-byte-identical test "$got" = "$want"
snapshot stored

# ------------------------------------ a second batch while one ingests
mkdir -p "$T/q1" "$T/q2"
for i in 1 2 3; do
	head -c 200000 /dev/urandom >"$T/q1/q1-$i.bin"
	head -c 200000 /dev/urandom >"$T/q2/q2-$i.bin"
done
touch "$GATE"
upload "files=@$T/q1/q1-1.bin" "files=@$T/q1/q1-2.bin" "files=@$T/q1/q1-3.bin" ocr=off
Q1=$(loc_id)
wait_state q1-checked "$Q1" preview
post z "/admin/batches/$Q1/confirm"
wait_state q1-ingesting "$Q1" ingesting
upload "files=@$T/q2/q2-1.bin" "files=@$T/q2/q2-2.bin" "files=@$T/q2/q2-3.bin" ocr=off
Q2=$(loc_id)
wait_state q2-checked-meanwhile "$Q2" preview
post z "/admin/batches/$Q2/confirm"
bjson "$Q2"
jq_is q2-queued "(d['state'], d['queue_ahead'])" "('queued', 1)"
req z GET "/admin/batches/$Q2"
has q2-page-says-queued "$BODY" '排队等待入库：前面还有 1 个批次'
req - GET /
code public-answers-meanwhile 200
rm -f "$GATE"
wait_state q1-done "$Q1" "done"
wait_state q2-done "$Q2" "done"
jq_is q2-three "len(d['records'])" 3

# ------------------------------------------- the server killed mid-ingest
mkdir -p "$T/k"
for i in 1 2 3 4; do
	head -c 300000 /dev/urandom >"$T/k/k-$i.bin"
done
upload "files=@$T/k/k-1.bin" "files=@$T/k/k-2.bin" "files=@$T/k/k-3.bin" "files=@$T/k/k-4.bin" ocr=off
K=$(loc_id)
wait_state k-checked "$K" preview
snapshot before-kill
touch "$GATE"
post z "/admin/batches/$K/confirm"
wait_state k-ingesting "$K" ingesting
kill -9 "$SPID"
wait "$SPID" 2>/dev/null
PIDS=${PIDS/ $SPID/}
rm -f "$GATE"
serve after-kill
bjson "$K"
jq_is k-failed "d['state']" failed
jq_is k-says-interrupted "'停止' in d['reason']" True
unchanged before-kill
hd verify
status k-verify-after-kill 0
req z GET "/admin/batches/$K"
has k-page-offers-rerun "$BODY" '重新运行'
post z "/admin/batches/$K/rerun"
code k-rerun-303 303
wait_state k-rerun-done "$K" "done"
jq_is k-four "len(d['records'])" 4
hd verify
status k-verify-after-rerun 0
alive

# ------------------------------------------ the disk fills during an upload
DM=$D
D="$T/small"
new_archive
account wang archivist 'wang-secret-99'
mkdir -p "$D/tmp"
if mount -t tmpfs -o size=2m tmpfs "$D/tmp" 2>"$T/mount.err"; then
	MNT="$D/tmp"
	serve small
	login w wang wang-secret-99
	head -c 4000000 /dev/urandom >"$T/4m.bin"
	"${UP[@]}" --jar "$T/jar.w" --out "$T/full.html" --chunked \
		"$B/admin/ingest" "csrf=$(csrf w)" "files=@$T/4m.bin" >"$T/up.out"
	has disk-full-507 "$T/up.out" '507'
	has disk-full-says "$T/full.html" '磁盘空间不足'
	ok disk-full-upload-removed test "$(find "$D/tmp" -name 'upload-*' | wc -l)" -eq 0
	# all of it given back, beside what the server keeps there itself
	# (the demonstrations' material, made while the server starts)
	ok disk-full-space-back test "$(du -sk --exclude='demo-*' "$D/tmp" | cut -f1)" -lt 64
	tok=$(csrf w)
	req w POST /admin/ingest -F "csrf=$tok" -F "files=@$T/4m.bin"
	code disk-known-short-507 507

	# a batch state that cannot be written, the disk full: a confirm
	# is refused 507 saying so, the batch stays in preview, nothing
	# stored, the log says it; with room again the confirm goes
	# through.  A cancel goes through at once (the archivist asked for
	# it): its state is written as soon as there is room, and the log
	# says both.
	sstate() {
		req w GET "/admin/batches/$1.json"
		$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$BODY" 2>/dev/null
	}
	swait() {
		local i
		for i in $(seq 300); do
			[ "$(sstate "$1")" = "$2" ] && return 0
			sleep 0.1
		done
		return 1
	}
	# fill: the small disk full (twice: what a moment frees goes too)
	fill() {
		dd if=/dev/zero of="$D/tmp/fill" bs=16k 2>/dev/null
		sleep 0.2
		dd if=/dev/zero of="$D/tmp/fill2" bs=4k 2>/dev/null
		[ "$(df --output=avail "$D/tmp" | tail -1)" -eq 0 ]
	}
	supload() {
		printf '小磁盘上的记录：%s。\n' "$1" >"$T/$1.txt"
		req w POST /admin/ingest -F "csrf=$(csrf w)" -F ocr=off \
			-F "files=@$T/$1.txt"
		loc_id
	}
	SB=$(supload 第一份)
	ok full-upload-preview swait "$SB" preview
	snapshot small-before
	ok full-disk-full fill
	post w "/admin/batches/$SB/confirm"
	code full-confirm-507 507
	has full-confirm-says "$BODY" '批次的状态无法写入数据文件夹的 tmp/（磁盘已满）'
	has full-confirm-not-done "$BODY" '确认入库没有生效，批次仍是“待确认”'
	ok full-confirm-still-preview test "$(sstate "$SB")" = preview
	has full-confirm-on-disk "$D/tmp/upload-$SB/batch.json" '"state":"preview"'
	has full-confirm-logged "$T/small.err" "batch $SB: its batch.json could not be written: No space left on device; not queued"
	unchanged small-before
	rm -f "$D/tmp/fill" "$D/tmp/fill2"
	post w "/admin/batches/$SB/confirm"
	code roomy-confirm-303 303
	# (its ingest then fails here, renaming objects from this tmpfs
	# into objects/ on another file system: not what is tested)
	ok roomy-confirm-queued test "$(sstate "$SB")" != preview
	SC=$(supload 第二份)
	ok cancel-upload-preview swait "$SC" preview
	ok full-disk-full-again fill
	post w "/admin/batches/$SC/cancel"
	code full-cancel-303 303
	ok full-cancel-cancelled test "$(sstate "$SC")" = cancelled
	has full-cancel-logged "$T/small.err" "batch $SC (cancelled): its batch.json could not be written: No space left on device"
	rm -f "$D/tmp/fill" "$D/tmp/fill2"
	for i in $(seq 100); do
		grep -q '"state":"cancelled"' "$D/tmp/upload-$SC/batch.json" && break
		sleep 0.1
	done
	has full-cancel-written-later "$D/tmp/upload-$SC/batch.json" '"state":"cancelled"'
	has full-cancel-logged-written "$T/small.err" "batch $SC (cancelled): its batch.json is written"
	unchanged small-before
	alive
	stop "$SPID"
	umount "$MNT" && MNT=""
else
	echo "SKIP disk-full: cannot mount a tmpfs here: $(cat "$T/mount.err")"
fi
D=$DM
