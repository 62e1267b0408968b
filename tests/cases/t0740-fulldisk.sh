# A data folder on a nearly full file system of 1 KiB blocks (what
# mkfs.ext4 picks for a small volume, as a USB stick's partition): a
# 24 MB loop volume, the folder copied on, the volume filled to within a
# few KiB.  SQLite's shared index (hongdang.db-shm) then finds no block
# for its pages; before, search and verify died with SIGBUS (exit 135).
# Now a reader reads without it and says so in one line naming the
# folder and the space missing, a writer refuses in one line, and
# nothing stored is lost: freed, the folder verifies and works.  Needs
# root for the loop volume; says SKIP and passes nothing otherwise.
. "$HD_TOP/tests/lib.sh"
M="$T/mnt"
trap 'umount "$M" 2>/dev/null; stop_servers' EXIT
mkdir -p "$M"
if ! truncate -s 24M "$T/vol.img" ||
    ! mkfs.ext4 -q -F -b 1024 "$T/vol.img" >/dev/null 2>&1 ||
    ! mount -o loop "$T/vol.img" "$M" 2>"$T/mount.err"; then
	echo "SKIP t0740: no loop volume can be mounted here (root, losetup" \
		"and mount are needed): $(head -c 200 "$T/mount.err")"
	exit 0
fi

new_archive
mkdir -p "$T/b"
for i in $(seq 1 40); do
	printf '番禺市桥街道第 %s 份档案：社区历史与老街记忆。\n' "$i" >"$T/b/doc-$i.txt"
done
hd ingest --approve "$T/b"
status ingest 0
REF=$(sqlite3 "$D/hongdang.db" "SELECT ref FROM records LIMIT 1")
A="$M/arch"

# fill K: the folder copied anew onto the volume, then the volume filled
# to within K KiB (a spare file of K KiB kept while the rest is filled
# until ENOSPC, then removed).
fill() {
	rm -rf "$A" "$M/fill" "$M/spare"
	cp -a "$D" "$A"
	dd if=/dev/zero of="$M/spare" bs=1k count="$1" status=none
	dd if=/dev/zero of="$M/fill" bs=64k status=none 2>/dev/null
	dd if=/dev/zero of="$M/fill" bs=1k oflag=append conv=notrunc \
		status=none 2>/dev/null
	rm -f "$M/spare"
	sync
}
# one_line NAME FILE TEXT...: FILE is a single line holding each TEXT.
one_line() {
	local name=$1 file=$2 t
	shift 2
	if [ "$(wc -l <"$file")" -ne 1 ]; then
		fail "$name" "not one line: $(head -c 400 "$file")"
		return
	fi
	for t in "$@"; do
		if ! grep -qF -- "$t" "$file"; then
			fail "$name" "'$t' not in: $(cat "$file")"
			return
		fi
	done
	pass "$name"
}

# ------------------------------------ the recipe: 9 KiB left, no -shm
fill 9
ok shm-absent test ! -e "$A/hongdang.db-shm"
hd_in "$A" search 番禺
status search-full 0
has search-full-finds "$OUT" '共 40 条'
one_line search-full-says "$ERR" "$A: the disk is full" "KB more free space" \
	"hongdang.db-shm"
hd_in "$A" show "$REF"
status show-full 0
hd_in "$A" verify
status verify-full 1
one_line verify-full-says "$ERR" "$A: the disk is full" \
	"KB more free space is needed"
hd_in "$A" ingest --approve "$T/b"
ok ingest-full-refused test "$RC" -eq 1
ok ingest-full-no-signal test "$RC" -lt 128
hd_in "$A" search 番禺
has ingest-full-nothing-added "$OUT" '共 40 条'

# ---------------------------- every level of free space up to 40 KiB
bad=""
for k in 0 1 2 3 4 5 6 7 8 10 12 14 16 20 24 28 32 40; do
	fill "$k"
	hd_in "$A" search 番禺
	if [ "$RC" -ne 0 ] || ! grep -qF '共 40 条' "$OUT"; then
		bad="$bad search@${k}KiB:rc=$RC"
	elif [ -s "$ERR" ] && ! grep -qF "$A: the disk is full" "$ERR"; then
		bad="$bad search@${k}KiB:$(head -c 100 "$ERR")"
	fi
	hd_in "$A" verify
	if [ "$RC" -ne 0 ] && { [ "$RC" -ne 1 ] ||
	    ! grep -qF "$A: the disk is full" "$ERR"; }; then
		bad="$bad verify@${k}KiB:rc=$RC:$(head -c 100 "$ERR")"
	fi
done
ok levels-never-signal test -z "$bad"
[ -n "$bad" ] && echo "# $bad"

# ------------------------------------------- freed: whole and working
fill 9
hd_in "$A" verify
rm -f "$M/fill"
sync
hd_in "$A" verify
status freed-verify 0
ok freed-integrity test "$(sqlite3 "$A/hongdang.db" 'PRAGMA integrity_check')" = ok
hd_in "$A" search 番禺
status freed-search 0
ok freed-search-quiet test ! -s "$ERR"
mkdir -p "$T/c"
printf '番禺新入藏的一份档案。\n' >"$T/c/new.txt"
hd_in "$A" ingest --approve "$T/c"
status freed-ingest 0

# an ingest that fills the disk: refused whole, with a line, no signal
head -c 30000000 /dev/urandom | base64 -w 76 >"$T/c/big.txt" 2>/dev/null
hd_in "$A" ingest --approve "$T/c"
ok fills-refused test "$RC" -eq 1
ok fills-no-signal test "$RC" -lt 128
one_line fills-says "$ERR" "No space left on device"
hd_in "$A" verify
status fills-then-verify 0
