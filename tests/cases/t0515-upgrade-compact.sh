# An upgrade that rebuilt the search index gives back the space the old
# index left: taken back to version 10, an archive's next open makes the
# index again (version 11) and then the file anew without the free pages,
# says so on stderr (what it freed, the size before and after), and the
# file is smaller with every record and search as before.  Without room
# for the copy (SQLite's temporary folder on a volume of 256 KiB) the
# upgrade still succeeds, leaves the file as it was and says why, naming
# the space needed and "hongdang optimize".  The second part needs root
# to mount that volume; it says SKIP otherwise.  "hongdang optimize"
# then gives the space back, or says what room it lacks.
. "$HD_TOP/tests/lib.sh"
SMALL="$T/small"
trap 'umount "$SMALL" 2>/dev/null' EXIT
new_archive
mkdir -p "$T/docs"
for i in $(seq 1 400); do
	for k in $(seq 1 12); do
		printf '第%s卷第%s段：居民议事会讨论老街修缮与河涌清理。\n' "$i" "$k"
	done >"$T/docs/议事会$i.txt"
done
hd ingest --approve --no-ocr --access public "$T/docs"
status ingest 0

# state: what the catalogue holds, searched and stored, on stdout.
state() {
	sqlite3 "$D/hongdang.db" "SELECT id, ref, title, description, status
		FROM records ORDER BY id; SELECT rowid, body, title, meta FROM
		search ORDER BY rowid; PRAGMA integrity_check;"
	"$HONGDANG" -d "$D" search --json 老街修缮 2>/dev/null | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["total"])'
}
# size: the bytes of the catalogue's files.
size() {
	cat "$D/hongdang.db" "$D/hongdang.db-wal" 2>/dev/null | wc -c
}
state >"$T/before"
has searched "$T/before" 400
sqlite3 "$D/hongdang.db" "PRAGMA user_version = 10"
s0=$(size)
hd search 老街修缮
status upgrade_exit 0
has upgrade_done "$ERR" "档案库已升级到第 11 版"
has compact_says "$ERR" "整理数据库文件，归还重建索引后空出的空间（空出"
has compact_size "$ERR" "数据库文件已从"
lacks compact_stdout "$OUT" "整理"
s1=$(size)
if [ "$s1" -lt "$s0" ]; then pass smaller; else
	fail smaller "$s1 bytes after, $s0 before"
fi
compacted=$s1
state >"$T/after"
ok same_data cmp -s "$T/before" "$T/after"
f=$(sqlite3 "$D/hongdang.db" "PRAGMA freelist_count")
ok no_free_pages test "$f" -lt 10
ver=$(sqlite3 "$D/hongdang.db" "PRAGMA user_version")
ok version test "$ver" = 11
# opened again, nothing to do and nothing said
hd search 老街修缮
lacks current_silent "$ERR" "整理"

mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=256k tmpfs "$SMALL" 2>"$T/mount.err"; then
	echo "SKIP t0515 no_room: no volume can be mounted here (root is" \
		"needed): $(head -c 200 "$T/mount.err")"
	exit 0
fi
sqlite3 "$D/hongdang.db" "PRAGMA user_version = 10"
s0=$(size)
SQLITE_TMPDIR="$SMALL" hd search 老街修缮
status no_room_exit 0
has no_room_done "$ERR" "档案库已升级到第 11 版"
has no_room_says "$ERR" "没有整理数据库文件（磁盘空间不足：需要"
has no_room_optimize "$ERR" "hongdang optimize"
# the index was made again, its old pages left free in the file
s1=$(size)
if [ "$s1" -gt $((compacted + compacted / 4)) ]; then pass no_room_size
else fail no_room_size "$s1 bytes, $compacted when compacted"; fi
state >"$T/after"
ok no_room_same_data cmp -s "$T/before" "$T/after"

# optimize gives the space back when there is room, and says so; without
# it, it merges all the same and says what is missing
SQLITE_TMPDIR="$SMALL" hd optimize
status optimize_no_room_exit 0
has optimize_no_room_says "$ERR" \
	"no room to give back the catalogue's free pages"
has optimize_no_room_merged "$OUT" "search index:"
s2=$(size)
ok optimize_no_room_size test "$s2" -ge "$s1"
hd optimize --json
status optimize_exit 0
jq_is optimize_json_done 'd["compact"]["done"]' True
jq_is optimize_json_smaller \
	'd["compact"]["size_after"] < d["compact"]["size"]' True
s2=$(size)
if [ "$s2" -le $((compacted + compacted / 20)) ]; then pass optimize_size
else fail optimize_size "$s2 bytes, $compacted after the upgrade"; fi
state >"$T/after"
ok optimize_same_data cmp -s "$T/before" "$T/after"
# nothing more to give back: nothing said
hd optimize
status optimize_again_exit 0
lacks optimize_again_quiet "$OUT" "catalogue:"
