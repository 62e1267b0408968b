# A backup, an export or a restore killed with kill -9 while it builds
# its folder leaves DEST.part-PID beside the destination.  The next run
# of the same command removes the staging folders of processes that are
# gone and says so in one line; it never touches a live process's folder
# nor a name that only looks like one (a leading zero, more after the
# number, another destination's, a link).  What the run then makes is
# whole.
. "$HD_TOP/tests/lib.sh"
new_archive
mkdir -p "$T/b"
# enough bytes that copying them takes a while: 240 files of 120 KB
$PY - "$T/b" <<'PY'
import os, sys
for i in range(240):
    with open(os.path.join(sys.argv[1], "f%03d.txt" % i), "w") as f:
        f.write("番禺档案第 %d 件。\n" % i)
        f.write(os.urandom(60000).hex())
PY
hd ingest --approve "$T/b"
status ingest 0
REFS=$(sqlite3 "$D/hongdang.db" "SELECT ref FROM records ORDER BY id")

# dead_pid: the id of a process that has just ended.
dead_pid() {
	true &
	local p=$!
	wait "$p"
	echo "$p"
}
# killed NAME CMD...: run hongdang CMD on $D in the background, wait
# until its staging folder $STAGE.part-PID is there, and kill -9 it;
# KPID is its pid.  FAIL when the folder never came or the run ended
# before the kill.
killed() {
	local name=$1 i
	shift
	"$HONGDANG" -d "$D" "$@" >/dev/null 2>&1 &
	KPID=$!
	for i in $(seq 1 2000); do
		[ -d "$STAGE.part-$KPID" ] && break
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.005
	done
	if kill -9 "$KPID" 2>/dev/null; then
		wait "$KPID" 2>/dev/null
		ok "$name-left" test -d "$STAGE.part-$KPID"
	else
		wait "$KPID" 2>/dev/null
		fail "$name-left" "the run ended before it could be killed"
	fi
}
# decoys NAME: beside $STAGE, folders the sweep must leave: a live
# process's, names that only look like a staging folder, a link to one,
# another destination's.  DECOYS lists them.
decoys() {
	local dead
	sleep 60 &
	LIVE=$!
	PIDS="$PIDS $LIVE"
	dead=$(dead_pid)
	DECOYS="$STAGE.part-$LIVE $STAGE.part-0$dead $STAGE.part-${dead}x
		$STAGE.part-$dead.old ${STAGE}x.part-$dead $T/elsewhere"
	for f in $DECOYS; do mkdir -p "$f"; done
	dead=$(dead_pid)
	ln -s "$T/elsewhere" "$STAGE.part-$dead"
	DECOYS="$DECOYS $STAGE.part-$dead"
}
# swept NAME: the last run said in one line that it removed the folder
# of $KPID, which is gone, and left every decoy.
swept() {
	has "$1-says" "$ERR" "removed 1 staging folder that interrupted runs left"
	has "$1-names" "$ERR" "$STAGE.part-$KPID"
	ok "$1-one-line" test "$(grep -c 'staging folder' "$ERR")" -eq 1
	ok "$1-removed" test ! -e "$STAGE.part-$KPID"
	local f kept=1
	for f in $DECOYS; do
		[ -e "$f" ] || { kept=0; fail "$1-kept" "$f removed"; }
	done
	[ "$kept" -eq 1 ] && pass "$1-kept"
}

# ----------------------------------------------------------- backup
STAGE="$T/bk"
killed backup backup "$T/bk"
decoys backup
hd backup "$T/bk"
status backup-again 0
swept backup
ok backup-whole grep -q '^hongdang backup$' "$T/bk/BACKUP"
hd backup "$T/bk"
status backup-third 0
lacks backup-third-quiet "$ERR" 'staging folder'
# killed while it updates an earlier backup: its temporary files in the
# backup's tmp/ go with the next run
mkdir -p "$T/bk/tmp/snap-$(dead_pid)" "$T/bk/tmp/obj-$(dead_pid)-3"
mkdir -p "$T/bk/tmp/snap-$LIVE"
hd backup "$T/bk/"
status backup-update 0
ok backup-update-swept test -z "$(ls "$T/bk/tmp" | grep -v "^snap-$LIVE$")"
ok backup-update-live-kept test -d "$T/bk/tmp/snap-$LIVE"
kill "$LIVE"

# a trailing slash names the same destination: the staging folder is
# beside it, not inside
hd backup "$T/bk2/"
status backup-slash 0
ok backup-slash-whole grep -q '^hongdang backup$' "$T/bk2/BACKUP"

# ----------------------------------------------------------- export
STAGE="$T/bag"
# shellcheck disable=SC2086
killed export export --bag "$T/bag" $REFS
decoys export
# shellcheck disable=SC2086
hd export --bag "$T/bag" $REFS
status export-again 0
swept export
hd bag validate "$T/bag"
status export-valid 0
kill "$LIVE"

# ---------------------------------------------------------- restore
STAGE="$T/restored"
D0=$D
D="$T/restored"
killed restore restore "$T/bk"
decoys restore
hd restore "$T/bk"
status restore-again 0
swept restore
hd verify
status restore-verifies 0
D=$D0
kill "$LIVE"
