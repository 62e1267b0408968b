# Receiving what archivists really bring: a 7z and a tar.gz with Chinese
# names, an office document that is a zip but no batch, files the
# operating system leaves behind, a symbolic link inside a folder, two
# folders with the same file name, an empty archive, and BagIt bags (a
# folder, a zip holding one, the Library of Congress basic bag, an invalid
# one, and a bag among other paths).
. "$HD_TOP/tests/lib.sh"

H="$T/h"
mkdir -p "$H"
names() {
	sqlite3 "$D/hongdang.db" "SELECT name FROM files ORDER BY name" \
		>"$T/names" 2>&1
}

python3 - "$H" <<'EOF' || fail make-inputs "python3 failed"
import hashlib, io, os, sys, tarfile, zipfile
os.chdir(sys.argv[1])

os.makedirs("7z/党员档案", exist_ok=True)
open("7z/党员档案/张三.txt", "w").write("入党申请书\n")
open("7z/会议.txt", "w").write("支部会议\n")

with tarfile.open("scans.tar.gz", "w:gz") as t:
    for name, data in [("社区史/1985/老照片说明.txt", "改夜校\n"),
                       ("社区史/目录.txt", "目录\n")]:
        b = data.encode()
        ti = tarfile.TarInfo(name)
        ti.size = len(b)
        t.addfile(ti, io.BytesIO(b))

with zipfile.ZipFile("报告.docx", "w") as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    z.writestr("word/document.xml", "<w:document/>")
with zipfile.ZipFile("纪要.odt", "w") as z:
    z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    z.writestr("content.xml", "<office:document-content/>")

with zipfile.ZipFile("mac.zip", "w") as z:
    z.writestr("照片说明.txt", "说明\n")
    z.writestr("__MACOSX/._照片说明.txt", "junk")
    z.writestr(".DS_Store", "junk")
    z.writestr("Thumbs.db", "junk")
with zipfile.ZipFile("empty.zip", "w") as z:
    pass

def bag(root, files, corrupt=None, extra=None):
    os.makedirs(root + "/data", exist_ok=True)
    lines = []
    total = 0
    for name, data in files:
        p = root + "/data/" + name
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "wb").write(data)
        total += len(data)
        h = hashlib.sha256(data).hexdigest()
        if name == corrupt:
            h = "0" * 64
        lines.append("%s  data/%s\n" % (h, name))
    if extra:
        open(root + "/data/" + extra, "w").write("not listed\n")
    open(root + "/bagit.txt", "w").write(
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    open(root + "/manifest-sha256.txt", "w").write("".join(lines))
    open(root + "/bag-info.txt", "w").write(
        "Source-Organization: 番禺区档案馆\nPayload-Oxum: %d.%d\n"
        % (total, len(files)))

bag("transfer", [("党员/李四.txt", "转递材料\n".encode()),
                 ("回执.txt", "回执\n".encode())])
bag("zipped/转递包", [("王五.txt", "王五档案\n".encode())])
with zipfile.ZipFile("bag.zip", "w") as z:
    for d, _, fs in os.walk("zipped"):
        for f in fs:
            p = os.path.join(d, f)
            z.write(p, os.path.relpath(p, "zipped"))
with zipfile.ZipFile("bag-mac.zip", "w") as z:
    for d, _, fs in os.walk("zipped"):
        for f in fs:
            p = os.path.join(d, f)
            z.write(p, os.path.relpath(p, "zipped"))
            z.writestr("__MACOSX/" + os.path.relpath(p, "zipped"), "junk")
    z.writestr(".DS_Store", "junk")
bag("broken", [("a.txt", b"a\n"), ("b.txt", b"b\n")], corrupt="a.txt",
    extra="c.txt")

os.makedirs("one/sub", exist_ok=True)
os.makedirs("two/sub", exist_ok=True)
open("one/sub/说明.txt", "w").write("第一批\n")
open("two/sub/说明.txt", "w").write("第二批\n")
EOF
(cd "$H/7z" && 7z a -bd -bso0 ../records.7z 党员档案 会议.txt) ||
	fail make-7z "7z failed"
mkdir -p "$H/linkdir"
printf '正文\n' >"$H/linkdir/正文.txt"
ln -s 正文.txt "$H/linkdir/链接.txt"

# 7z and tar.gz: paths relative to the archive root, names in UTF-8
new_archive
hd ingest --json "$H/records.7z" "$H/scans.tar.gz"
status archives-exit 0
jq_is archives-added "d['added']" 4
names
has 7z-name "$T/names" "党员档案/张三.txt"
has 7z-top "$T/names" "会议.txt"
has tgz-name "$T/names" "社区史/1985/老照片说明.txt"
ok archives-tmp-empty test -z "$(ls -A "$D/tmp" 2>/dev/null)"

# what common tools make: GNU tar of the current folder ("./" is the
# batch root, not an entry naming no file) and a 7z made by py7zr with
# its defaults (a Unix mode without file-type bits: a plain file)
mkdir -p "$H/dot/老街"
printf '骑楼修缮记录\n' >"$H/dot/老街/骑楼.txt"
printf '街坊来信\n' >"$H/dot/来信.txt"
(cd "$H/dot" && tar czf ../dot.tar.gz .) || fail make-dot-tar "tar failed"
ok dot-tar-has-root sh -c "tar tzf '$H/dot.tar.gz' | grep -qx './'"
new_archive
hd ingest --json "$H/dot.tar.gz"
status dot-tar-exit 0
jq_is dot-tar-added "d['added']" 2
names
has dot-tar-name "$T/names" "老街/骑楼.txt"
lacks dot-tar-no-dot "$T/names" "./"
python3 - "$H/dot" "$H/py7zr.7z" <<'EOF'
import sys, py7zr
with py7zr.SevenZipFile(sys.argv[2], "w") as z:
    z.writeall(sys.argv[1], "党史资料")
EOF
ok py7zr-made test -s "$H/py7zr.7z"
new_archive
hd ingest --json "$H/py7zr.7z"
status py7zr-exit 0
jq_is py7zr-added "d['added']" 2
names
has py7zr-name "$T/names" "党史资料/老街/骑楼.txt"
# a folder entry named ".." is still an escape, whatever tar says
python3 - "$H/dotdot.tar" <<'EOF'
import sys, tarfile, io
with tarfile.open(sys.argv[1], "w") as t:
    d = tarfile.TarInfo("../"); d.type = tarfile.DIRTYPE; t.addfile(d)
    f = tarfile.TarInfo("a.txt"); f.size = 2
    t.addfile(f, io.BytesIO(b"x\n"))
EOF
new_archive
hd ingest --json "$H/dotdot.tar"
status dotdot-exit 1
has dotdot-escape "$ERR" "escapes the batch"

# an office document is one file, not a batch
new_archive
hd ingest --json "$H/报告.docx" "$H/纪要.odt"
status docs-exit 0
jq_is docs-added "d['added']" 2
names
has docx-whole "$T/names" "报告.docx"
has odt-whole "$T/names" "纪要.odt"
lacks docx-not-unpacked "$T/names" "document.xml"

# operating-system leftovers are skipped with a warning
new_archive
hd ingest --json "$H/mac.zip"
status mac-exit 0
jq_is mac-added "d['added']" 1
jq_is mac-warned "sorted(w['path'] for w in d['warnings'])" \
	"['.DS_Store', 'Thumbs.db', '__MACOSX']"

# a link inside the folder is skipped, not followed, with a warning
new_archive
hd ingest --json "$H/linkdir"
status link-inside-exit 0
jq_is link-inside-added "d['added']" 1
has link-inside-warned "$OUT" "symbolic link inside the batch"

# a link named on the command line is followed
new_archive
ln -s "$H/linkdir/正文.txt" "$T/named-link.txt"
hd ingest --json "$T/named-link.txt"
status named-link-exit 0
jq_is named-link-added "d['added']" 1
names
has named-link-name "$T/names" "named-link.txt"

# two folders, one file name: each path gets its folder's name
new_archive
hd ingest --json "$H/one" "$H/two"
status clash-exit 0
jq_is clash-added "d['added']" 2
names
has clash-one "$T/names" "one/sub/说明.txt"
has clash-two "$T/names" "two/sub/说明.txt"

# an empty archive is a warning, not a failure of the stage
new_archive
hd ingest --json "$H/empty.zip"
has empty-warned "$OUT" "holds no files"

# a valid bag (folder): its payload, paths relative to data/
new_archive
hd ingest --json "$H/transfer"
status bag-exit 0
jq_is bag-added "d['added']" 2
names
has bag-path "$T/names" "党员/李四.txt"
lacks bag-no-tag-files "$T/names" "manifest"
snapshot bag

# a zip whose single top folder is a bag
hd ingest --json "$H/bag.zip"
status bag-zip-exit 0
jq_is bag-zip-added "d['added']" 1
names
has bag-zip-path "$T/names" "王五.txt"
ok bag-zip-tmp-empty test -z "$(ls -A "$D/tmp" 2>/dev/null)"
snapshot bag

# the same, zipped on a Mac (__MACOSX/ and .DS_Store beside the bag)
hd ingest --json "$H/bag-mac.zip"
status bag-mac-exit 0
jq_is bag-mac-duplicate "d['duplicates']" 1
lacks bag-mac-no-junk "$OUT" "__MACOSX"

# the Library of Congress basic bag (BagIt 1.0)
hd ingest --json "$HD_TOP/tests/data/bagit-conformance/v1.0/valid/basicBag"
status loc-bag-exit 0
names
has loc-bag-path "$T/names" "hello.txt"
snapshot bag

# an invalid bag is refused whole, every problem listed
hd ingest --json "$H/broken"
status broken-exit 1
ok broken-one-line test "$(wc -l <"$ERR")" -eq 1
has broken-count "$ERR" "invalid BagIt bag, 3 problems"
has broken-checksum "$OUT" "'data/a.txt' does not match its sha256 checksum"
has broken-unlisted "$OUT" "'data/c.txt' is in the payload but not in"
has broken-oxum "$OUT" "Payload-Oxum"
jq_is broken-reasons "len(d['rejected'])" 3
unchanged bag

# a bag travels alone
hd ingest --json "$H/transfer" "$H/one"
status bag-not-alone-exit 1
has bag-not-alone "$ERR" "received on its own"
unchanged bag
