#!/usr/bin/env bash
# t0820: an archive whose objects live in a bucket of a real one-node
# Ceph RADOS Gateway (tests/rgw.sh starts it from Debian's packages, as
# root, on an address and ports of its own, and removes it afterwards).
# init makes the bucket; the sample lands in it and nothing in objects/;
# search, thumbnails and an original streamed through the exhibit;
# one PUT up to s3.multipart, parts of s3.part above it; verify reads every object back and names
# a damaged and a deleted one by SHA-256 and record; backup with and
# without --objects; with the gateway stopped, ingest refuses in one line
# naming the endpoint and stores nothing, the screens serve what they
# have and say in Chinese that the original cannot be reached; a key
# file of mode 0644 is refused; the secret key is nowhere in the folder,
# the logs or any message.  A text preview asks the gateway for the
# bytes it shows only (a ranged GET).  Without a gateway: a failed init
# leaves no folder (or the one there as it was), an unknown
# objects.store and a part size S3 cannot take are refused by name.
# When the Ceph packages are missing it says SKIP after those; when
# they are installed and the gateway does not start, that FAILs.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
. "$HD_TOP/tests/rgw.sh"
trap 'rgw_down; stop_servers' EXIT
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
# every message of a command is kept, to look for the secret at the end
msgs() { cat "$OUT" "$ERR" >>"$T/all.msgs"; }

# --- without a gateway ---------------------------------------------------
# an init that cannot reach its store leaves no folder, not even the
# folders above it that it would have made
DEAD="http://127.0.0.1:$(free_port)"
t0=$(date +%s)
AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=SK "$HONGDANG" -d "$T/new/a/b" \
	init --objects s3://hdt0820 --s3-endpoint "$DEAD" >"$OUT" 2>"$ERR"
RC=$?
msgs
status init-unreachable 1
has init-unreachable-names "$ERR" "$DEAD"
ok init-unreachable-one-line test "$(wc -l <"$ERR")" -eq 1
ok init-unreachable-bounded test $(($(date +%s) - t0)) -le 15
ok init-unreachable-no-folder test ! -e "$T/new"
# into a folder that holds something already: left exactly as it was
mkdir -p "$T/kept"
printf 'a note\n' >"$T/kept/note.txt"
(cd "$T/kept" && find . | sort && cat note.txt) >"$T/kept.before"
AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=SK "$HONGDANG" -d "$T/kept" \
	init --objects s3://hdt0820 --s3-endpoint "$DEAD" >"$OUT" 2>"$ERR"
RC=$?
status init-unreachable-kept 1
(cd "$T/kept" && find . | sort && cat note.txt) >"$T/kept.after"
ok init-unreachable-folder-as-was cmp -s "$T/kept.before" "$T/kept.after"
# a bad fonds code is refused before the store is asked
AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=SK "$HONGDANG" -d "$T/new" \
	init --fonds bad --objects s3://hdt0820 --s3-endpoint "$DEAD" \
	>"$OUT" 2>"$ERR"
RC=$?
status init-bad-fonds 2
ok init-bad-fonds-no-folder test ! -e "$T/new"
# settings an archive cannot have are refused, naming them, before
# anything is read or written (an unknown store read the local folder)
L="$T/local"
"$HONGDANG" -d "$L" init >/dev/null
sqlite3 "$L/hongdang.db" "INSERT OR REPLACE INTO meta (key, value)
	VALUES ('objects.store', 'sx://elsewhere')"
hd_in "$L" search 骑楼
status store-unknown 1
has store-unknown-named "$ERR" "objects.store 'sx://elsewhere'"
sqlite3 "$L/hongdang.db" "INSERT OR REPLACE INTO meta (key, value)
	VALUES ('objects.store', 's3://hdt0820'),
	('s3.endpoint', '$DEAD'), ('s3.multipart', '6000000000')"
hd_in "$L" search 骑楼
status multipart-too-big-stored 1
has multipart-too-big-named "$ERR" "s3.multipart '6000000000'"
sqlite3 "$L/hongdang.db" "UPDATE meta SET value = '64M'
	WHERE key = 's3.multipart'"
hd_in "$L" search 骑楼
status multipart-nonsense-stored 1
has multipart-nonsense-named "$ERR" "s3.multipart '64M'"
sqlite3 "$L/hongdang.db" "UPDATE meta SET value = '5242880'
	WHERE key = 's3.multipart'; INSERT INTO meta (key, value)
	VALUES ('s3.part', '4M')"
hd_in "$L" search 骑楼
status part-nonsense-stored 1
has part-nonsense-named "$ERR" "s3.part '4M'"
sqlite3 "$L/hongdang.db" "DELETE FROM meta WHERE key = 's3.endpoint'"
hd_in "$L" search 骑楼
status endpoint-missing 1
has endpoint-missing-named "$ERR" "s3.endpoint ''"

# --- the gateway ---------------------------------------------------------
if ! rgw_start "$T/ceph"; then
	if [ "$RGW_MISSING" = 1 ]; then
		echo "SKIP t0820's gateway part: the Ceph packages are not installed here: $RGW_WHY"
		exit 0
	fi
	fail gateway-starts "the Ceph packages are installed but the gateway did not start: $RGW_WHY"
	exit 1
fi
export AWS_ACCESS_KEY_ID=$RGW_AK AWS_SECRET_ACCESS_KEY=$RGW_SK
# s3 METHOD KEY [CURL-ARGS...]: one signed request to the bucket as the
# gateway's own client would make it; prints the status, or curl-exit-N
# when curl itself failed (no answer, cut off).
s3() {
	local m=$1 key=$2 code rc
	shift 2
	code=$(curl -s -o "$T/s3.body" -w '%{http_code}' --max-time 60 \
		-X "$m" --aws-sigv4 "aws:amz:us-east-1:s3" \
		--user "$RGW_AK:$RGW_SK" "$@" "$RGW_URL/hdt0820/$key")
	rc=$?
	if [ "$rc" -ne 0 ]; then echo "curl-exit-$rc"; else echo "$code"; fi
}

# --- init: bad options leave nothing -------------------------------------
hd init --objects s3://Bad_Bucket --s3-endpoint "$RGW_URL"
status init-bad-bucket 2
has init-bad-bucket-named "$ERR" "s3://Bad_Bucket"
hd init --objects s3://hdt0820 --s3-endpoint "ftp://$RGW_IP"
status init-bad-endpoint 2
ok init-bad-nothing test ! -e "$D"

# a key file others may read is refused, naming it and not its content
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$RGW_AK" "$RGW_SK" >"$T/keys"
chmod 644 "$T/keys"
AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= "$HONGDANG" -d "$D" init \
	--objects s3://hdt0820 --s3-endpoint "$RGW_URL" \
	--s3-credentials "$T/keys" >"$OUT" 2>"$ERR"
RC=$?
msgs
ok keyfile-0644-refused test "$RC" -ne 0
has keyfile-0644-named "$ERR" "$T/keys"
has keyfile-0644-mode "$ERR" "0600"
ok keyfile-0644-nothing test ! -e "$D/hongdang.db"
ok keyfile-0644-no-bucket test "$(s3 HEAD '' -I -H "x-amz-content-sha256: $EMPTY")" = 404

# without keys at all
AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= "$HONGDANG" -d "$D" init \
	--objects s3://hdt0820 --s3-endpoint "$RGW_URL" >"$OUT" 2>"$ERR"
RC=$?
ok nokeys-refused test "$RC" -ne 0
has nokeys-says "$ERR" "AWS_ACCESS_KEY_ID"

# --- init and ingest into the bucket ----------------------------------
chmod 600 "$T/keys"
hd init --fonds QF01 --name '前锋社区档案室' --objects s3://hdt0820 \
	--s3-endpoint "$RGW_URL"
msgs
status init 0
has init-says "$OUT" "s3://hdt0820"
ok bucket-made test "$(s3 HEAD '' -I -H "x-amz-content-sha256: $EMPTY")" = 200
ok settings-kept test "$(sql "SELECT value FROM meta WHERE key = 'objects.store'")" = s3://hdt0820

hd ingest --approve --no-ocr --sheet "$HD_BUILD/sample/目录.csv" \
	"$HD_BUILD/sample"
msgs
status ingest 0
nobj=$(sql "SELECT count(*) FROM objects")
ok ingest-objects test "$nobj" -gt 50
ok ingest-none-local test "$(find "$D/objects" -type f | wc -l)" -eq 0
ok ingest-no-tmp test "$(find "$D/tmp" -name 'obj-*' | wc -l)" -eq 0
inbucket=0
for sha in $(sql "SELECT sha256 FROM objects"); do
	[ "$(s3 HEAD "$sha" -I -H "x-amz-content-sha256: $EMPTY")" = 200 ] &&
		inbucket=$((inbucket + 1))
done
ok ingest-all-in-bucket test "$inbucket" -eq "$nobj"

# again: every file a duplicate, nothing new
hd ingest --approve --no-ocr --sheet "$HD_BUILD/sample/目录.csv" \
	"$HD_BUILD/sample"
status reingest 0
has reingest-duplicates "$OUT" "新增 0 件"

hd search 骑楼
status search 0
has search-finds "$OUT" "骑楼"

# a master above s3.multipart (16 MiB here) goes in parts of s3.part
# (5 MiB), one below it in one PUT: the gateway's ETag of an object
# made of parts ends in -N, N the number of parts
hd config s3.multipart 16777216
status multipart-setting 0
hd config s3.part 5242880
status part-setting 0
hd config s3.multipart 1000
status multipart-too-small 2
hd config s3.multipart 6000000000
status multipart-too-big 2
has multipart-too-big-says "$ERR" "6000000000"
hd config s3.part 5242879
status part-too-small 2
has part-too-small-says "$ERR" "5242879"
mkdir -p "$T/big" "$T/huge"
head -c $((12 * 1024 * 1024 + 123)) /dev/urandom >"$T/big/scan.tif.bin"
head -c $((20 * 1024 * 1024 + 5)) /dev/urandom >"$T/huge/master.tif.bin"
BIG=$(sha256sum "$T/big/scan.tif.bin" | cut -c1-64)
HUGE=$(sha256sum "$T/huge/master.tif.bin" | cut -c1-64)
hd ingest --approve --access public "$T/big"
status single-ingest 0
hd ingest --approve --access public "$T/huge"
status multipart-ingest 0
# etag KEY: the ETag the gateway gives object KEY, without its quotes
etag() {
	s3 HEAD "$1" -I -H "x-amz-content-sha256: $EMPTY" >/dev/null
	tr -d '\r"' <"$T/s3.body" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p'
}
ok multipart-in-parts test "$(etag "$HUGE" | sed -n 's/.*-//p')" = 5
ok single-put-whole test -n "$(etag "$BIG")" -a \
	"$(etag "$BIG" | tr -dc -)" = ""
ok multipart-get test "$(s3 GET "$HUGE" -H "x-amz-content-sha256: $EMPTY")" = 200
ok multipart-whole test "$(sha256sum <"$T/s3.body" | cut -c1-64)" = "$HUGE"
ok single-get test "$(s3 GET "$BIG" -H "x-amz-content-sha256: $EMPTY")" = 200
ok single-whole test "$(sha256sum <"$T/s3.body" | cut -c1-64)" = "$BIG"

# a scan read by OCR while its object is bound for the bucket (no
# temporary file: the page is read from where it came from)
mkdir -p "$T/scan"
cp "$HD_BUILD/sample/演示/05-数字化示例扫描页.jpg" "$T/scan/扫描页.jpg"
# the sample's own scan is in the bucket already: bytes after its end
# make it another object with the same page
printf 't0820' >>"$T/scan/扫描页.jpg"
hd ingest --approve --json --category WS --access public "$T/scan"
status ocr-ingest 0
jq_is ocr-read "(d['added'], d['ocr']['read'], d['ocr']['failed'])" "(1, 1, 0)"

# a text longer than a preview shows (256 KiB)
mkdir -p "$T/long"
yes '骑楼街坊的长篇口述记录，一行又一行。' | head -n 20000 >"$T/long/长篇口述.txt"
LSHA=$(sha256sum "$T/long/长篇口述.txt" | cut -c1-64)
hd ingest --approve --no-ocr --access public "$T/long"
status long-ingest 0

hd verify
msgs
status verify-clean 0
has verify-clean-all "$OUT" "完好 $((nobj + 4)) 个"

# --- backups ------------------------------------------------------------
hd backup "$T/bk-cat"
msgs
status backup-catalogue 0
ok backup-catalogue-only test "$(find "$T/bk-cat/objects" -type f | wc -l)" -eq 0
hd backup --objects "$T/bk-all"
msgs
status backup-objects 0
ok backup-objects-all test "$(find "$T/bk-all/objects" -type f | wc -l)" -eq $((nobj + 4))
f=$(find "$T/bk-all/objects" -type f | head -1)
ok backup-objects-sound test "$(sha256sum <"$f" | cut -c1-64)" = \
	"$(basename "$(dirname "$f")")$(basename "$f")"

# --- the screens --------------------------------------------------------
account chen archivist 'chen-pass-0810'
serve s3
req - GET /
code home 200
thumbs=$(grep -o '/img/thumb/[0-9a-f]\{64\}\.jpg' "$BODY" | sort -u)
T1=$(echo "$thumbs" | sed -n 1p)
T2=$(echo "$thumbs" | sed -n 2p)
ok two-thumbs test -n "$T2"
req - GET "$T1"
code thumb-from-bucket 200
hdr thumb-type Content-Type image/jpeg
login chen chen 'chen-pass-0810'
REF=$(sql "SELECT r.ref FROM records r JOIN files f ON f.record_id = r.id
	WHERE f.sha256 = '$BIG'")
req chen GET "/admin/original/$(dot "$REF")/1"
code original-streamed 200
ok original-whole test "$(sha256sum <"$BODY" | cut -c1-64)" = "$BIG"
hdr original-attachment Content-Disposition attachment
# and the transfer ended as a whole one ends (curl exits 0)
curl -s -o "$T/whole" -b "$T/jar.chen" --max-time 20 \
	"$B/admin/original/$(dot "$REF")/1"
ok original-ends-cleanly test $? -eq 0
# a text's preview asks the gateway for the bytes it shows, no more: a
# short text whole (its preview shown), a long one its first 256 KiB + 1
GWLOG="$RGW_DIR/log/client.rgw.a.log"
# gw_gets SHA FROM: the gateway's log lines of GETs of object SHA after
# byte FROM of its log, waiting up to 3 s for the log to have them
gw_gets() {
	local i
	for i in $(seq 30); do
		tail -c +"$(($2 + 1))" "$GWLOG" | grep -F "\"GET /hdt0820/$1 " &&
			return 0
		sleep 0.1
	done
	return 1
}
read -r SREF SSHA < <(sql "SELECT r.ref, f.sha256 FROM files f JOIN records r
	ON r.id = f.record_id WHERE f.mime LIKE 'text/%'
	AND r.access = 'public' ORDER BY f.id DESC LIMIT 1 OFFSET 1" | tr '|' ' ')
at=$(stat -c %s "$GWLOG")
req chen GET "/admin/view/$(dot "$SREF")/1"
code preview-200 200
has preview-shown "$BODY" 'admin-view-text'
gw_gets "$SSHA" "$at" >"$T/gets.short"
ok preview-short-ranged grep -q 'bytes=0-262144' "$T/gets.short"
LREF=$(sql "SELECT r.ref FROM files f JOIN records r ON r.id = f.record_id
	WHERE f.sha256 = '$LSHA'")
at=$(stat -c %s "$GWLOG")
req chen GET "/admin/view/$(dot "$LREF")/1"
code preview-long-200 200
gw_gets "$LSHA" "$at" >"$T/gets.long"
ok preview-long-asked grep -q 'HTTP/1.1" 206 262145 .*bytes=0-262144' "$T/gets.long"
ok preview-long-only-that test "$(grep -vc 'HTTP/1.1" 206 262145 ' "$T/gets.long")" -eq 0

# --- damage in the bucket -----------------------------------------------
read -r DMG DREF < <(sql "SELECT f.sha256, r.ref FROM files f JOIN records r
	ON r.id = f.record_id WHERE f.mime LIKE 'text/%'
	AND r.access != 'restricted' ORDER BY f.id LIMIT 1" |
	tr '|' ' ')
read -r GONE GREF < <(sql "SELECT f.sha256, r.ref FROM files f JOIN records r
	ON r.id = f.record_id WHERE f.mime LIKE 'text/%'
	AND r.access != 'restricted' ORDER BY f.id LIMIT 1 OFFSET 1" |
	tr '|' ' ')
printf 'not what it was\n' >"$T/junk"
JUNK=$(sha256sum <"$T/junk" | cut -c1-64)
ok damage-put test "$(s3 PUT "$DMG" -T "$T/junk" -H "x-amz-content-sha256: $JUNK")" = 200
# the gateway itself refuses a body whose hash is not the one signed
ok gateway-checks-hash test "$(s3 PUT "$DMG" -T "$T/junk" -H "x-amz-content-sha256: $DMG")" = 400
ok delete test "$(s3 DELETE "$GONE" -H "x-amz-content-sha256: $EMPTY")" = 204
hd verify
msgs
status verify-damage 1
has verify-damaged-named "$OUT" "损坏  $DMG  $DREF"
has verify-missing-named "$OUT" "缺失  $GONE  $GREF"
has verify-damaged-stderr "$ERR" "object $DMG is damaged (record $DREF)"
has verify-missing-stderr "$ERR" "object $GONE is missing (record $GREF)"
n=$(sql "SELECT r.id FROM records r WHERE r.ref = '$DREF'")
seq=$(sql "SELECT seq FROM files WHERE sha256 = '$DMG' AND record_id = $n")
# a damaged original is cut off, never sent as if whole: curl got a
# partial file (18), the connection reset (56) or still open at 5 s (28),
# not a refused connection or an answer that ended
curl -s -o "$T/cut" -b "$T/jar.chen" --max-time 5 \
	"$B/admin/original/$(dot "$DREF")/$seq"
rc=$?
case $rc in
18|28|56) pass damaged-original-cut ;;
*) fail damaged-original-cut "curl exited $rc" ;;
esac
req chen GET "/admin/original/$(dot "$GREF")/1"
code missing-original 404

# --- the gateway stopped ------------------------------------------------
rgw_stop
snapshot down
mkdir -p "$T/late"
printf '停机后的新文件。\n' >"$T/late/new.txt"
t0=$(date +%s)
hd ingest --approve "$T/late"
msgs
ok down-ingest-refused test "$RC" -ne 0
has down-ingest-names "$ERR" "$RGW_URL"
has down-ingest-nothing "$ERR" "nothing stored"
ok down-ingest-one-line test "$(wc -l <"$ERR")" -eq 1
ok down-ingest-bounded test $(($(date +%s) - t0)) -le 15
unchanged down
ok down-no-tmp test "$(find "$D/tmp" -name 'obj-*' | wc -l)" -eq 0
req - GET /
code down-home 200
req - GET "$T1"
code down-thumb-cached 200
req - GET "$T2"
code down-thumb-unreachable 503
has down-thumb-says "$BODY" "原件暂时无法取得"
req chen GET "/admin/original/$(dot "$REF")/1"
code down-original 503
has down-original-says "$BODY" "原件暂时无法取得"
hd search 骑楼
status down-search 0
hd verify
msgs
status down-verify 1
has down-verify-names "$ERR" "$RGW_URL"
lacks down-verify-not-missing "$OUT" "缺失"

# --- no secret anywhere ---------------------------------------------------
stop "$SPID"
cat "$T"/*.err >>"$T/all.msgs" 2>/dev/null
ok secret-not-in-folder test -z "$(grep -rlF -- "$RGW_SK" "$D")"
ok secret-not-in-db test "$(sqlite3 "$D/hongdang.db" .dump | grep -cF -- "$RGW_SK")" -eq 0
ok secret-not-in-backup test -z "$(grep -rlF -- "$RGW_SK" "$T/bk-all" "$T/bk-cat")"
lacks secret-not-in-messages "$T/all.msgs" "$RGW_SK"
