# verify finds damaged and missing objects and names the first broken
# event, whether an event was edited, deleted, inserted or reordered.
. "$HD_TOP/tests/lib.sh"
new_archive
B="$T/batch"; mkdir -p "$B"
for i in 1 2 3; do printf '第%s份文件：社区档案。\n' "$i" >"$B/f$i.txt"; done
hd ingest "$B"
status ingest 0
cp -a "$D" "$T/clean"
restore() { rm -rf "$D"; cp -a "$T/clean" "$D"; }

hd verify
status clean-verify 0

obj=$(find "$D/objects" -type f | sort | head -1)
sha=$(basename "$(dirname "$obj")")$(basename "$obj")
chmod u+w "$obj"; printf 'x' >>"$obj"
hd verify --json
status damaged-exit 1
jq_is damaged-listed "d['damaged']" "['$sha']"
has damaged-stderr "$ERR" "object $sha is damaged"
restore

rm -f "$obj"
hd verify --json
status missing-exit 1
jq_is missing-listed "d['missing']" "['$sha']"
restore

db="$D/hongdang.db"
sqlite3 "$db" "UPDATE events SET detail='forged' WHERE id=3"
hd verify --json
status edited-exit 1
jq_is edited-at "d['broken_at']" 3
jq_is edited-chain "d['chain']" broken
restore

sqlite3 "$db" "DELETE FROM events WHERE id=4"
hd verify --json
jq_is deleted-at "d['broken_at']" 5
restore

n=$(sqlite3 "$db" "SELECT max(id) FROM events")
sqlite3 "$db" "DELETE FROM events WHERE id=$n"
hd verify --json
status deleted-last-exit 1
jq_is deleted-last-at "d['broken_at']" "$n"
restore

sqlite3 "$db" "UPDATE events SET id=100 WHERE id=2; UPDATE events SET id=2 WHERE id=3; UPDATE events SET id=3 WHERE id=100"
hd verify --json
jq_is reordered-at "d['broken_at']" 2
restore

sqlite3 "$db" "UPDATE events SET id=id+1000 WHERE id>=3; UPDATE events SET id=id-999 WHERE id>=1003; INSERT INTO events(id,at,type,agent,detail,prev,hash) SELECT 3,at,'ingest','cli:mallory','',hash,'forged' FROM events WHERE id=2"
hd verify --json
jq_is inserted-at "d['broken_at']" 3
restore
hd verify
status restored-verify 0
