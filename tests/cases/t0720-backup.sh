# Backup while the archive is in use (the exhibit server answering and
# other processes writing), restore into a new folder and verify; an
# update of an earlier backup copies only what is new or damaged; damaged
# backups and occupied folders are refused with nothing left behind.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive

BT="$T/batch"
mkdir -p "$BT"
for i in $(seq 1 120); do
	head -c 40000 /dev/urandom >"$BT/scan-$i.bin"
	printf '社区档案第 %s 件\n' "$i" >"$BT/note-$i.txt"
done
hd ingest --approve --access public "$BT"
status ingest 0
mkdir -p "$D/templates/static"
printf 'h1{color:#a00}\n' >"$D/templates/static/local.css"
before=$(sql 'SELECT count(*) FROM records')

# ------------------------------------------- backup while the server runs
serve live
(
	i=0
	while [ ! -e "$T/stop" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
			"$B/corridor" >>"$T/codes"
		curl -s -o "$T/oai-live.$i.xml" -w '%{http_code}\n' \
			--max-time 10 \
			"$B/oai?verb=ListIdentifiers&metadataPrefix=oai_dc" \
			>>"$T/codes"
		"$HONGDANG" -d "$D" storage log --temp 20 --rh 50 \
			>/dev/null 2>>"$T/writer.err" || echo "write failed" >>"$T/writer.err"
		i=$((i + 1))
	done
	echo "$i" >"$T/rounds"
) &
LOAD=$!
mkdir -p "$T/more"
for i in $(seq 1 30); do printf '新增档案 %s\n' "$i" >"$T/more/new-$i.txt"; done
"$HONGDANG" -d "$D" ingest --approve "$T/more" >"$T/more.out" 2>&1 &
ING=$!
sleep 0.3
hd backup --json "$T/bk"
status backup-live 0
wait "$ING"
ok ingest-during-backup test $? -eq 0
touch "$T/stop"
wait "$LOAD"
ok load-ran test "$(cat "$T/rounds")" -ge 1
ok server-answered-all test -z "$(grep -v '^200$' "$T/codes")"
oai_valid oai-during-backup "$T"/oai-live.*.xml
ok writers-never-failed test ! -s "$T/writer.err"
jq_is backup-objects "d['objects'] >= 240" True
jq_is backup-all-copied "d['copied'] == d['objects']" True
ok backup-info grep -q '^hongdang backup$' "$T/bk/BACKUP"
ok backup-catalogue-hash grep -qF "catalogue-sha256: $(sha256sum "$T/bk/hongdang.db" | cut -c1-64)" "$T/bk/BACKUP"
ok backup-no-part test -z "$(ls -d "$T"/bk.part-* 2>/dev/null)"
ok backup-no-journal test ! -e "$T/bk/hongdang.db-wal"
ok backup-db-sound test "$(sqlite3 "$T/bk/hongdang.db" 'PRAGMA integrity_check')" = ok
ok backup-templates cmp "$D/templates/static/local.css" "$T/bk/templates/static/local.css"
ok backup-objects-match python3 - "$T/bk" <<'PY'
import hashlib, os, sqlite3, sys
bk = sys.argv[1]
db = sqlite3.connect(f"file:{bk}/hongdang.db?mode=ro", uri=True)
for (sha,) in db.execute("SELECT sha256 FROM objects"):
    p = f"{bk}/objects/{sha[:2]}/{sha[2:]}"
    assert hashlib.sha256(open(p, "rb").read()).hexdigest() == sha, p
PY
ok backup-event test "$(sql "SELECT count(*) FROM events WHERE type = 'backup'")" -eq 1
req - GET /
code server-still-serves 200

# --------------------------------------------------------------- restore
NEW="$T/restored"
hd_in "$NEW" restore --json "$T/bk"
status restore 0
jq_is restore-records "d['records'] >= $before" True
jq_is restore-chain "d['chain']" ok
hd_in "$NEW" verify
status restored-verifies 0
ok restored-objects diff -r "$T/bk/objects" "$NEW/objects"
ok restored-templates cmp "$D/templates/static/local.css" "$NEW/templates/static/local.css"
ok restored-event test "$(sqlite3 "$NEW/hongdang.db" "SELECT count(*) FROM events WHERE type = 'restore'")" -eq 1
ok restored-no-part test -z "$(ls -d "$T"/restored.part-* 2>/dev/null)"
hd_in "$NEW" search 档案 --json
status restored-searches 0
n=$(sqlite3 "$NEW/hongdang.db" 'SELECT count(*) FROM records')
ok restored-same-records test "$n" -eq "$(sqlite3 "$T/bk/hongdang.db" 'SELECT count(*) FROM records')"
# into an empty folder too
mkdir "$T/empty"
hd_in "$T/empty" restore "$T/bk"
status restore-into-empty 0
# not into a folder that holds something
hd_in "$NEW" restore "$T/bk"
status restore-occupied 2
has restore-occupied-why "$ERR" 'not empty'
hd_in "$T/none" restore "$T/nowhere"
status restore-no-backup 2
ok restore-no-backup-nothing test ! -e "$T/none"

# a damaged backup is refused and leaves nothing
cp -R "$T/bk" "$T/dam"
obj=$(find "$T/dam/objects" -type f | head -1)
chmod u+w "$obj"
printf 'rot' | dd of="$obj" bs=1 seek=10 conv=notrunc 2>/dev/null
hd_in "$T/fromdam" restore "$T/dam"
status restore-damaged 1
has restore-damaged-why "$ERR" 'damaged'
ok restore-damaged-nothing test ! -e "$T/fromdam"
ok restore-damaged-no-part test -z "$(ls -d "$T"/fromdam.part-* 2>/dev/null)"
cp -R "$T/bk" "$T/dam2"
printf 'x' | dd of="$T/dam2/hongdang.db" bs=1 seek=200 conv=notrunc 2>/dev/null
hd_in "$T/fromdam2" restore "$T/dam2"
status restore-catalogue-damaged 1
has restore-catalogue-why "$ERR" 'BACKUP records'
ok restore-catalogue-nothing test ! -e "$T/fromdam2"
# a crafted catalogue (no BACKUP to check it by) naming an object by a
# path: refused, nothing made outside
cp -R "$T/bk" "$T/dam3"
rm -f "$T/dam3/BACKUP"
sqlite3 "$T/dam3/hongdang.db" "PRAGMA foreign_keys = OFF;
	UPDATE objects SET sha256 = '../../../escape' WHERE sha256 =
	(SELECT min(sha256) FROM objects)"
hd_in "$T/fromdam3" restore "$T/dam3"
status restore-crafted-name 1
has restore-crafted-why "$ERR" "'../../../escape' that is not a SHA-256"
ok restore-crafted-nothing test ! -e "$T/fromdam3" -a ! -e "$T/escape"

# ------------------------------------------------ updating a backup
mkdir -p "$T/later"
printf '后来的档案\n' >"$T/later/later.txt"
hd ingest --approve "$T/later"
bobj=$(find "$T/bk/objects" -type f | sort | head -1)
chmod u+w "$bobj"
printf 'rot' | dd of="$bobj" bs=1 seek=5 conv=notrunc 2>/dev/null
had=$(sqlite3 "$T/bk/hongdang.db" 'SELECT count(*) FROM objects')
now=$(sql 'SELECT count(*) FROM objects')
hd backup --json "$T/bk"
status backup-update 0
jq_is update-copied "d['copied']" "$((now - had + 1))"
jq_is update-replaced "d['replaced']" 1
jq_is update-kept "d['kept']" "$((had - 1))"
ok update-repaired test "$(sha256sum "$bobj" | cut -c1-64)" = "$(basename "$(dirname "$bobj")")$(basename "$bobj")"
hd_in "$T/restored2" restore "$T/bk"
status restore-updated 0
ok restore-has-later test "$(sqlite3 "$T/restored2/hongdang.db" "SELECT count(*) FROM records WHERE title = 'later'")" -eq 1

# refusals
mkdir -p "$T/busy" && printf 'mine\n' >"$T/busy/thesis.doc"
hd backup "$T/busy"
status backup-not-a-backup 1
has backup-not-a-backup-why "$ERR" 'not a Hongdang backup'
ok backup-not-a-backup-untouched test "$(ls "$T/busy")" = thesis.doc
hd backup "$D/inside"
status backup-inside 2
ok backup-inside-nothing test ! -e "$D/inside"
hd verify
status source-verifies 0
