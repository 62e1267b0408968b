# Digitisation: scanned pages read by OCR become searchable; PDFs give
# their text layer or are read; quality warnings (resolution, blank page,
# low confidence, page count, 1-bit photo); a missing language pack is
# one warning; an interrupted OCR batch resumes without re-reading; the
# printable quality-check sheet; a page scanned askew.  The pages are
# drawn here with ImageMagick and Debian's Noto CJK fonts; the search
# words were chosen among those tesseract 5.3 (chi_sim) reads correctly
# on these pages
# (加装电梯 is not one of them: it comes out as 加妆电梯).
. "$HD_TOP/tests/lib.sh"
new_archive

for tool in convert img2pdf; do
	command -v $tool >/dev/null ||
		{ fail setup "$tool missing (make deps)"; exit 1; }
done
[ -f /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] ||
	{ fail setup "tesseract-ocr-chi-sim missing (make deps)"; exit 1; }

# The interpreter itself: python3 may be a version manager's shell shim,
# slow to start, and this case checks a lot of JSON.
PY=$(python3 -c 'import sys; print(sys.executable)')
# jqs NAME EXPR VALUE [NAME EXPR VALUE]...: jq_is for several checks on
# $OUT in one run of python.
jqs() {
	"$PY" - "$OUT" "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
a = sys.argv[2:]
for name, expr, want in zip(a[0::3], a[1::3], a[2::3]):
    try:
        got = str(eval(expr))
    except Exception as e:
        got = 'error: %s' % e
    if got == want:
        print('PASS', name)
    else:
        print('FAIL %s: %s is %r, expected %r' % (name, expr, got, want))
EOF
}

F="$T/fixtures"; mkdir -p "$F"
FONT=Noto-Serif-CJK-SC
P1='前锋社区居民议事协商会纪要
一、楼道微更新。三号楼楼道照明不足，
会议决定由党员志愿者清理楼道杂物。
二、加装电梯。五号楼同意加装电梯的
住户占百分之八十五，下月提交申请。
三、停车场规划在公告栏公示七天。'
P2='社区垃圾分类工作简报
本月垃圾分类志愿服务共开展十二次，
参与居民一百四十人，厨余垃圾分出率
明显提高。下月继续开展入户宣传。'
P3='旧城改造征询意见汇总
居民普遍关心排污管道更换和停车位，
多数住户赞成先改造雨污分流管网。'
page() {  # page W H SIZE TEXT: a white page at 300 dpi with TEXT
	convert -density 300 -units PixelsPerInch -size "$1x$2" xc:white \
		-font $FONT -pointsize "$3" -interline-spacing 24 \
		-annotate +150+180 "$4" -colorspace Gray -depth 8 "${@:5}"
}
# the minutes at 300 dpi (PNG, JPEG), at 150 dpi, and as a 1-bit "photo"
page 1800 1100 12 "$P1" -write "$F/p1.png" -write "$F/p1.jpg" \
	\( +clone -monochrome -write "$F/mono.png" +delete \) \
	-resample 150 -density 150 "$F/p150.png"
# a two-page TIFF: a report and a blank page
page 1800 900 12 "$P2" \( -size 1800x900 xc:white -density 300 \) \
	-units PixelsPerInch -compress lzw "$F/two.tif"
# a page too small and blurred to read with confidence
page 1800 1100 5 "$P1" -blur 0x3 "$F/blurred.png"
# a scanned PDF (an image only) and a born-digital PDF with a text layer
page 1800 700 12 "$P3" -quality 90 "$F/p3.jpg"
img2pdf "$F/p3.jpg" -o "$F/scan.pdf" 2>/dev/null
BORN1='社区图书角借阅制度|一、图书角每周二、四、六开放。|二、每人每次借阅不超过两册。'
BORN2='夜校扫盲班历史资料整理说明|本册收录一九五六年至一九六〇年|夜校扫盲班的学员名册和课本。'
"$PY" - "$F/born.pdf" "$BORN1" "$BORN2" <<'EOF'
# A born-digital PDF: text in a CJK font (not embedded), character codes
# = Unicode code points (Identity-H), with a ToUnicode map.
import sys
pages = [p.split('|') for p in sys.argv[2:]]
chars = sorted({ord(c) for p in pages for l in p for c in l})
objs = []
def add(s):
    objs.append(s.encode() if isinstance(s, str) else s)
    return len(objs)
cat, root, font, cid = add(''), add(''), add(''), add('')
fd = add('<< /Type /FontDescriptor /FontName /NotoSerifCJKsc-Regular'
         ' /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0'
         ' /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>')
cm = ('/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n'
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0'
      ' >> def\n/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n'
      '1 begincodespacerange <0000> <FFFF> endcodespacerange\n'
      '%d beginbfchar\n%sendbfchar\nendcmap CMapName currentdict /CMap'
      ' defineresource pop end end\n') % (
      len(chars), ''.join('<%04X> <%04X>\n' % (c, c) for c in chars))
tu = add('<< /Length %d >>\nstream\n%sendstream' % (len(cm.encode()), cm))
kids = []
for p in pages:
    body = 'BT /F1 14 Tf 18 TL 72 760 Td\n' + ''.join(
        '<%s> Tj T*\n' % ''.join('%04X' % ord(c) for c in l)
        for l in p) + 'ET\n'
    c = add('<< /Length %d >>\nstream\n%sendstream' % (len(body), body))
    kids.append(add('<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842]'
        ' /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>'
        % (root, font, c)))
objs[cat - 1] = b'<< /Type /Catalog /Pages %d 0 R >>' % root
objs[root - 1] = b'<< /Type /Pages /Kids [%s] /Count %d >>' % (
    ' '.join('%d 0 R' % k for k in kids).encode(), len(kids))
objs[font - 1] = (b'<< /Type /Font /Subtype /Type0 /BaseFont'
    b' /NotoSerifCJKsc-Regular /Encoding /Identity-H /DescendantFonts'
    b' [%d 0 R] /ToUnicode %d 0 R >>' % (cid, tu))
objs[cid - 1] = (b'<< /Type /Font /Subtype /CIDFontType2 /BaseFont'
    b' /NotoSerifCJKsc-Regular /CIDSystemInfo << /Registry (Adobe)'
    b' /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R'
    b' /DW 1000 >>' % fd)
out, offs = b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b'%d 0 obj\n%s\nendobj\n' % (i + 1, o)
x = len(out)
out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1)
out += b''.join(b'%010d 00000 n \n' % o for o in offs)
out += b'trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (
    len(objs) + 1, cat, x)
open(sys.argv[1], 'wb').write(out)
EOF
ok fixtures-made test -s "$F/born.pdf" -a -s "$F/scan.pdf" -a -s "$F/two.tif" \
	-a -s "$F/p150.png" -a -s "$F/mono.png" -a -s "$F/blurred.png"

q() {  # q SQL: one query on the catalogue of $D
	sqlite3 "$D/hongdang.db" "$1"
}
ref_of() {  # ref_of NAME: reference code of the record whose file is NAME
	q "SELECT r.ref FROM records r JOIN files f ON f.record_id = r.id
		WHERE f.name = '$1'"
}
found() {  # found NAME WORD REF: searching WORD finds record REF
	hd search --json "$2"
	has "$1" "$OUT" "\"ref\": \"$3\""
}

# ---- scans of documents, with a sheet: 300 dpi, 150 dpi, a two-page TIFF
# with a blank page (the sheet says three pages), a blurred page
S="$T/scans"; mkdir -p "$S"
cp "$F/p1.png" "$F/p150.png" "$F/two.tif" "$F/blurred.png" "$S/"
cat >"$T/sheet.csv" <<'EOF'
文件名,题名,门类,页数,语种
p1.png,第一次会议记录,WS,1,简体
p150.png,第一次会议记录（复印件）,WS,,简体
two.tif,工作简报,WS,3,简体
blurred.png,便条,WS,,
EOF
hd ingest --json --sheet "$T/sheet.csv" --report-html "$T/qc.html" "$S"
status scans-exit 0
ok scans-stderr-quiet test ! -s "$ERR"
w() {  # w PATH TEXT: a check that a warning on PATH contains TEXT
	echo "any(x['path'] == '$1' and '$2' in x['message']" \
		"for x in d['warnings'])"
}
jqs scans-added "d['added']" 4 \
	scans-ocr-pages "d['ocr']['pages']" 5 \
	scans-ocr-read "d['ocr']['read']" 5 \
	scans-ocr-two-workers "d['ocr']['workers']" 2 \
	warn-150dpi "$(w p150.png "分辨率 150 dpi，低于文字识别（OCR）要求的 300 dpi")" True \
	warn-blank-page "$(w two.tif "空白页：第 2 页")" True \
	warn-page-count "$(w two.tif "目录页数为 3，实际 2 页")" True \
	warn-low-confidence "$(w blurred.png "文字识别置信度低")" True \
	p1-no-warning "[x for x in d['warnings'] if x['path'] == 'p1.png']" "[]"
r1=$(ref_of p1.png); rt=$(ref_of two.tif)
found search-ocr-words 楼道微更新 "$r1"
found search-ocr-phrase 议事协商会 "$r1"
found search-ocr-volunteers 党员志愿者 "$r1"
found search-tiff-page 垃圾分类 "$rt"
hd show --json "$rt"
jqs tiff-pages "d['files'][0]['pages']" 2
# per-page text with its confidence; no spaces between Chinese characters
conf=$(q "SELECT p.confidence FROM pages p JOIN files f ON f.id = p.file_id
	WHERE f.name = 'p1.png'")
ok page-confidence-stored test "${conf:-0}" -ge 60
# the record's text quality, which ranking multiplies by, is its pages'
# mean confidence; the doubtful page of the blurred note ranks lower
tq() {  # tq NAME: text quality of the record of file NAME, x100
	q "SELECT CAST(round(r.text_quality * 100) AS INTEGER) FROM records r
		JOIN files f ON f.record_id = r.id WHERE f.name = '$1'"
}
ok text-quality-of-ocr test "$(tq p1.png)" = "$conf"
ok text-quality-blurred-lower test "$(tq blurred.png)" -lt "$(tq p1.png)"
ok page-text-no-cjk-spaces test -z "$(q "SELECT 1 FROM pages
	WHERE text GLOB '*[一-龥] [一-龥]*'")"
# the warnings are kept with the records
ok warnings-stored test "$(q "SELECT count(*) FROM warnings w JOIN records r
	ON r.id = w.record_id WHERE w.path = 'two.tif'")" -eq 2
# resume material: one cache file per page read
cached() {  # cached DIR: OCR cache files of the archive in DIR
	find "$1/derived/ocr" -name '*.txt' 2>/dev/null | wc -l
}
ok ocr-cache-files test "$(cached "$D")" -eq 5
# the quality-check sheet
ok html-written test -s "$T/qc.html"
has html-title "$T/qc.html" "数字化质量检查单"
has html-blank "$T/qc.html" "空白页：第 2 页"
has html-file "$T/qc.html" "two.tif"

# ---- PDFs: a born-digital one (two pages, text layer) and a scanned one
P="$T/pdfs"; mkdir -p "$P"
cp "$F/born.pdf" "$F/scan.pdf" "$P/"
hd ingest --json "$P"
status pdfs-exit 0
jqs pdfs-added "d['added']" 2 \
	pdfs-ocr-only-the-scan "(d['ocr']['pages'], d['ocr']['read'])" "(1, 1)"
rb=$(ref_of born.pdf); rs=$(ref_of scan.pdf)
found search-born-page1 借阅制度 "$rb"
found search-born-page2 扫盲班 "$rb"
found search-scanned-pdf 排污管道 "$rs"
hd show --json "$rb"
jqs born-pdf-pages "d['files'][0]['pages']" 2
hd show --json "$rs"
jqs scan-pdf-pages "d['files'][0]['pages']" 1
ok born-layer-stored test "$(q "SELECT count(*) FROM pages p JOIN files f
	ON f.id = p.file_id WHERE f.name = 'born.pdf' AND
	p.confidence IS NULL")" -eq 2
# a text layer is clean text: no quality factor
ok text-quality-layer-null test -z "$(tq born.pdf)"
ok text-quality-scan-set test -n "$(tq scan.pdf)"

# ---- photos are not read by default; a 1-bit photo is a warning; names
# on the sheet are escaped
Z="$T/photos"; mkdir -p "$Z"
cp "$F/p1.jpg" "$Z/街景.jpg"
cp "$F/mono.png" "$Z/x<b>&.png"
hd ingest --json --report-html "$T/qc2.html" "$Z"
status photos-exit 0
jqs photos-not-read "d['ocr']['pages']" 0 \
	warn-1bit-photo "$(w "x<b>&.png" "黑白二值（1 位）")" True
has html-escaped "$T/qc2.html" "x&lt;b&gt;&amp;.png"
lacks html-raw-name "$T/qc2.html" "x<b>&.png"

# ---- a missing language pack: one warning line, the batch still lands
D2="$T/a2"
"$HONGDANG" -d "$D2" init --fonds QF01 >/dev/null 2>&1
hd_in "$D2" ingest --category WS --ocr-lang xyz "$F/p1.png"
status nolang-exit 0
ok nolang-one-line test "$(grep -c '语言包' "$OUT")" -eq 1
has nolang-message "$OUT" "OCR 语言包 xyz 未安装，跳过文字识别"
ok nolang-stderr-quiet test ! -s "$ERR"
hd_in "$D2" ingest --json --category WS --ocr-lang xyz "$F/p3.jpg"
jqs nolang-skipped "(d['added'], d['ocr']['skipped'], d['ocr']['read'])" \
	"(1, 1, 0)"
hd_in "$D2" ingest --category WS --ocr-lang '../x' "$F/p3.jpg"
status bad-lang-usage 2
# --no-ocr, and a dry run reads but caches nothing
hd_in "$D2" ingest --json --category WS --no-ocr "$F/p1.jpg"
jqs no-ocr "(d['added'], d['ocr']['pages'])" "(1, 0)"
hd_in "$D2" ingest --json --dry-run --category WS "$F/two.tif"
jqs dry-run-reads "d['ocr']['read']" 2
ok dry-run-no-cache test ! -d "$D2/derived/ocr"

# ---- resume: kill a one-worker OCR batch after its first page, run again
D3="$T/a3"; R="$T/resume"; mkdir -p "$R"
cp "$F/p1.png" "$F/p3.jpg" "$F/blurred.png" "$R/"
"$HONGDANG" -d "$D3" init --fonds QF01 >/dev/null 2>&1
HD_OCR_WORKERS=1 "$HONGDANG" -d "$D3" ingest --json --category WS "$R" \
	>"$T/killed.out" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
	[ "$(cached "$D3")" -gt 0 ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
ok resume-killed-midway test \
	"$(sqlite3 "$D3/hongdang.db" "SELECT count(*) FROM records")" -eq 0
hd_in "$D3" ingest --json --category WS "$R"
status resume-exit 0
e="(d['ocr']['cached'] >= 1, d['ocr']['read'] + d['ocr']['cached'])"
jqs resume-added "d['added']" 3 \
	resume-cached-not-reread "$e" "(True, 3)"
ok resume-cache-complete test "$(cached "$D3")" -eq 3
ok resume-no-tmp-left test -z "$(ls "$D3/tmp")"

# ---- a page scanned askew: its lines lean 3 degrees (warned, with the
# angle), the same page straight is not (p1-no-warning above)
page 1800 1100 12 "$P1" -background white -rotate 3 -gravity center \
	-extent 1800x1100 -density 300 "$F/tilted.png"
hd_in "$D2" ingest --json --category WS "$F/tilted.png"
status skew-exit 0
jqs warn-skew "$(w tilted.png "页面歪斜（3.0°，超过 1°）")" True
