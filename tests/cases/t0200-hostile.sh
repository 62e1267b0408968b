# Hostile batches: archives that try to write outside the batch (.., an
# absolute path, a drive letter), link entries (symbolic and hard), a
# FIFO entry, an entry given twice, a zip bomb and a tar.gz bomb, too many
# entries, a truncated zip, a name in no known encoding, and a folder whose
# symbolic link leads outside it.  Each must be refused whole: exit 1, one
# stderr line naming the archive (or link) and the reason, the reason in
# the --json report, nothing stored, nothing left in the data folder's
# tmp/, nothing written outside.  Last, a zip from Chinese Windows (GBK
# names, no UTF-8 flag) lands with its names in correct UTF-8.
#
# Relies on the CLI's test hook HD_MAX_ENTRIES (lowers the entry cap) so
# that the count cap is tested with 11 entries, not 100,001.
. "$HD_TOP/tests/lib.sh"
new_archive

H="$T/h"
mkdir -p "$H" "$T/good"
printf '前锋社区党支部会议记录\n' >"$T/good/会议记录.txt"
printf '社区读书角借阅登记\n' >"$T/good/借阅登记.txt"
hd ingest --json "$T/good"
status good-exit 0
jq_is good-added "d['added']" 2
snapshot good

python3 - "$H" <<'EOF' || fail make-archives "python3 failed"
import io, os, sys, tarfile, zipfile, warnings
os.chdir(sys.argv[1])
warnings.simplefilter("ignore")

class RawName(zipfile.ZipInfo):
    """A zip entry whose name is written as raw bytes, no UTF-8 flag
    (as Chinese Windows writes GBK names)."""
    raw = b""
    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800

def rawinfo(raw):
    zi = RawName("x")
    zi.raw = raw
    zi.create_system = 0        # made on MS-DOS/Windows
    return zi

def tar(name, members, mode="w"):
    with tarfile.open(name, mode, format=tarfile.GNU_FORMAT) as t:
        for ti, data in members:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)

def ti(name, data=b"", type=tarfile.REGTYPE, linkname=""):
    t = tarfile.TarInfo(name)
    t.type = type
    t.linkname = linkname
    t.size = len(data) if type == tarfile.REGTYPE else 0
    return t, (data if type == tarfile.REGTYPE else None)

with zipfile.ZipFile("dotdot.zip", "w") as z:
    z.writestr("ok.txt", b"fine\n")
    z.writestr("../evil", b"escaped\n")
tar("dotdot.tar", [ti("a/../../evil", b"escaped\n")])
tar("abs.tar", [ti("/tmp/hd-abs-evil", b"escaped\n")])
with zipfile.ZipFile("drive.zip", "w") as z:
    z.writestr("C:\\Windows\\evil.txt", b"escaped\n")

with zipfile.ZipFile("symlink.zip", "w") as z:
    z.writestr("readme.txt", b"see passwd\n")
    zi = zipfile.ZipInfo("passwd")
    zi.create_system = 3
    zi.external_attr = 0o120777 << 16
    z.writestr(zi, "/etc/passwd")
tar("symlink.tar.gz", [ti("etc-passwd", type=tarfile.SYMTYPE,
                          linkname="/etc/passwd")], "w:gz")
tar("weird-link.tar", [ti("w", type=tarfile.SYMTYPE,
                        linkname="x\x1b\udcff")])
tar("hardlink.tar", [ti("a.txt", b"a\n"),
                     ti("b.txt", type=tarfile.LNKTYPE, linkname="a.txt")])
tar("hardlink-abs.tar", [ti("shadow", type=tarfile.LNKTYPE,
                            linkname="/etc/shadow")])
tar("fifo.tar", [ti("pipe", type=tarfile.FIFOTYPE)])
with zipfile.ZipFile("twice.zip", "w") as z:
    z.writestr("a.txt", b"first\n")
    z.writestr("a.txt", b"second\n")

# 200 MiB of zeros: a few hundred KiB compressed.
MiB = b"\0" * (1 << 20)
zi = zipfile.ZipInfo("zeros.bin")
zi.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile("bomb.zip", "w") as z:
    with z.open(zi, "w", force_zip64=True) as f:
        for _ in range(200):
            f.write(MiB)

class Zeros(io.RawIOBase):
    def __init__(self, n):
        self.left = n
    def readable(self):
        return True
    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k
with tarfile.open("bomb.tar.gz", "w:gz") as t:
    info = tarfile.TarInfo("zeros.bin")
    info.size = 200 << 20
    t.addfile(info, io.BufferedReader(Zeros(info.size)))

with zipfile.ZipFile("many.zip", "w") as z:
    for i in range(11):
        z.writestr("f%02d.txt" % i, b"%d\n" % i)

with zipfile.ZipFile("full.zip", "w") as z:
    z.writestr("scan-001.tif", os.urandom(256 << 10))
    z.writestr("scan-002.tif", os.urandom(256 << 10))
with open("full.zip", "rb") as f:
    data = f.read()
with open("truncated.zip", "wb") as f:
    f.write(data[:100 << 10])

with zipfile.ZipFile("badname.zip", "w") as z:
    z.writestr(rawinfo(b"\xff\xfe\xff.txt"), b"x\n")
with zipfile.ZipFile("ctrl.zip", "w") as z:
    z.writestr("a\x1b[2Jb.txt", b"x\n")

# Chinese Windows: GBK names, no UTF-8 flag; 0x5C as a GBK trail byte.
with zipfile.ZipFile("gbk.zip", "w") as z:
    z.writestr(rawinfo("前锋社区\\党员名册.txt".encode("gbk")),
               "党员名册\n".encode("utf-8"))
    z.writestr(rawinfo("前锋社区/嘰.txt".encode("gbk")), b"ji\n")
EOF

# refused NAME FILE TEXT: FILE is refused whole; stderr is one line naming
# FILE and TEXT; the --json report lists TEXT; nothing changed or leaked.
# (TEXT holds no '"' or '\', so it reads the same inside the JSON.)
refused() {
	local name=$1 file=$2 text=$3
	hd ingest --json "$file"
	status "$name-exit" 1
	ok "$name-one-stderr-line" test "$(wc -l <"$ERR")" -eq 1
	has "$name-names-input" "$ERR" "$(basename "$file")"
	has "$name-reason" "$ERR" "$text"
	has "$name-in-report" "$OUT" "\"reason\": \""
	has "$name-reason-in-report" "$OUT" "$text"
	has "$name-no-batch" "$OUT" '"batch": null'
	unchanged good
	ok "$name-tmp-empty" test -z "$(ls -A "$D/tmp" 2>/dev/null)"
}

refused dotdot-zip "$H/dotdot.zip" "entry '../evil': '..' escapes the batch"
refused dotdot-tar "$H/dotdot.tar" "'..' escapes the batch"
ok dotdot-nothing-escaped test ! -e "$D/evil" -a ! -e "$T/evil" \
	-a ! -e "$H/evil" -a ! -e "$D/tmp/evil"
refused abs-tar "$H/abs.tar" "absolute path"
ok abs-nothing-written test ! -e /tmp/hd-abs-evil
refused drive-zip "$H/drive.zip" "drive letter"
refused symlink-zip "$H/symlink.zip" \
	"entry 'passwd' is a symbolic link (to '/etc/passwd')"
refused symlink-tgz "$H/symlink.tar.gz" "is a symbolic link"
refused weird-link "$H/weird-link.tar" "entry 'w' is a symbolic link (to 'x"
has weird-link-escaped "$ERR" "(to 'x\\x1B\\xFF')"
jq_is weird-link-json-ok "len(d['rejected'])" 1
refused hardlink-tar "$H/hardlink.tar" "entry 'b.txt' is a hard link"
refused hardlink-abs "$H/hardlink-abs.tar" "is a hard link (to '/etc/shadow')"
refused fifo-tar "$H/fifo.tar" "entry 'pipe' is a device, FIFO or socket"
refused twice-zip "$H/twice.zip" "entry 'a.txt' is given twice"
refused bomb-zip "$H/bomb.zip" "compression ratio over 200"
refused bomb-tgz "$H/bomb.tar.gz" "compression ratio over 200"
HD_MAX_ENTRIES=10 refused entries-cap "$H/many.zip" "more than 10 entries"
refused truncated-zip "$H/truncated.zip" "scan-001.tif"
refused badname-zip "$H/badname.zip" "neither UTF-8 nor GB18030"
refused ctrl-zip "$H/ctrl.zip" "control character"

# a bomb stops early: far less than 200 MiB is ever written
hd ingest --json "$H/bomb.zip"
ok bomb-stops-early test "$(du -sk "$D" | cut -f1)" -lt 51200

# a folder whose symbolic link leads outside it
mkdir -p "$T/linky/sub"
printf 'ok\n' >"$T/linky/sub/note.txt"
ln -s /etc/passwd "$T/linky/sub/passwd"
refused link-outside "$T/linky" \
	"symbolic link 'sub/passwd' points outside the batch"

# several paths: the refusal of one refuses all
hd ingest --json "$T/good" "$H/dotdot.zip"
status mixed-exit 1
unchanged good

# unreadable file in a folder: noted, the batch refused with the reason
# (as root every file is readable: then the case runs as nobody)
as_user=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null &&
		as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" -ne 0 ] || [ -n "$as_user" ]; then
	# among good files: exactly the unreadable ones are reported
	L="$T/lk"
	mkdir -p "$L/locked"
	printf 'a\n' >"$L/locked/open.txt"
	printf 'b\n' >"$L/locked/secret.txt"
	for i in $(seq 10 39); do
		printf '第%s号居民来信\n' "$i" >"$L/locked/f$i.txt"
	done
	printf 'c\n' >"$L/locked/f20x.txt"
	printf 'd\n' >"$L/locked/f33x.txt"
	chmod 755 "$T"
	chmod -R a+rwX "$L"
	chmod 000 "$L/locked/secret.txt" "$L/locked/f20x.txt" \
		"$L/locked/f33x.txt"
	$as_user "$HONGDANG" -d "$L/arch" init --fonds QF01 --name x \
		>/dev/null 2>&1
	$as_user "$HONGDANG" -d "$L/arch" ingest --json "$L/locked" \
		>"$OUT" 2>"$ERR"
	RC=$?
	status unreadable-exit 1
	has unreadable-named "$OUT" '"path": "secret.txt"'
	has unreadable-reason "$OUT" "cannot read: Permission denied"
	has unreadable-named-2 "$OUT" '"path": "f20x.txt"'
	has unreadable-named-3 "$OUT" '"path": "f33x.txt"'
	ok unreadable-only-those test "$(grep -c '"reason": ' "$OUT")" -eq 3
	lacks unreadable-no-bad-fd "$OUT" "Bad file descriptor"
	ok unreadable-nothing-stored test -z \
		"$(find "$L/arch/objects" -type f 2>/dev/null)"

	# the object store cannot take the batch (its tmp folder refuses
	# new files): the error names the folder, nothing is stored and
	# nothing is left behind; once writable, the same batch lands whole
	mkdir -p "$L/many"
	for i in $(seq 1 40); do
		printf '第%s次居民议事会记录\n' "$i" >"$L/many/m$i.txt"
	done
	chmod -R a+rwX "$L/many"
	$as_user "$HONGDANG" -d "$L/st" init --fonds QF01 --name x \
		>/dev/null 2>&1
	# many: ingest the 40 files into st as the unprivileged user
	many() {
		$as_user "$HONGDANG" -d "$L/st" ingest --json "$L/many" \
			>"$OUT" 2>"$ERR"
		RC=$?
	}
	chmod 555 "$L/st/tmp"
	many
	status store-fails-exit 1
	has store-fails-named "$ERR" \
		"$L/st/tmp: cannot create: Permission denied"
	ok store-fails-nothing-stored test -z \
		"$(find "$L/st/objects" "$L/st/tmp" -type f 2>/dev/null)"
	chmod 755 "$L/st/tmp"
	many
	status store-again-exit 0
	has store-again-added "$OUT" '"added": 40'
	ok store-again-objects test "$(find "$L/st/objects" -type f |
		wc -l)" -eq 40
	ok store-again-tmp-empty test -z "$(find "$L/st/tmp" -type f)"
	chmod 700 "$T"
else
	fail unreadable "root without setpriv: no user to run the case as"
fi

# GBK names from Chinese Windows come out as UTF-8
hd ingest --json "$H/gbk.zip"
status gbk-exit 0
jq_is gbk-added "d['added']" 2
jq_is gbk-no-rejects "d['rejected']" "[]"
sqlite3 "$D/hongdang.db" "SELECT name FROM files ORDER BY name" >"$T/names"
has gbk-name-utf8 "$T/names" "前锋社区/党员名册.txt"
has gbk-trail-5c "$T/names" "前锋社区/嘰.txt"
ok gbk-tmp-empty test -z "$(ls -A "$D/tmp" 2>/dev/null)"
