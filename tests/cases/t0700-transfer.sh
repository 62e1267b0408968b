# Transfer (转递): export records as a BagIt 1.0 bag with its slip, import
# it into a fresh archive (folder, zip and tar) with the same records and
# byte-identical files, the receipt (回执) back to the sender; a tampered
# bag refused whole with every reason and nothing stored; and the Library
# of Congress conformance suite through "hongdang bag validate".
. "$HD_TOP/tests/lib.sh"
new_archive

B="$T/batch"
mkdir -p "$B/卷 001"
printf '第一页：前锋社区党员大会纪要。\n' >"$B/卷 001/p1.txt"
printf '第二页：选举支部委员。\n' >"$B/卷 001/p2.txt"
printf '张三入党志愿书（1985）。\n' >"$B/志愿书.txt"
head -c 3000 /dev/urandom >"$B/scan 100%.bin"
printf '社区老街改造说明。\n' >"$B/改造.txt"
printf '\xEF\xBB\xBF' >"$T/sheet.csv"
cat >>"$T/sheet.csv" <<'CSV'
文件名,题名,责任者,日期,门类,保管期限,开放,主题词,人物,地点,页数,机构问题,附注,位置
卷 001/p1.txt;卷 001/p2.txt,党员大会纪要,前锋社区党支部,1985-03-12,WS,Y,public,党建;会议,张三;李四,番禺,2,DJ,"两页, ""手写""
第二行",一号库房-01柜-03盒
志愿书.txt,张三入党志愿书,张三,1985,RS,Y,restricted,入党,张三,,,DJ,,
scan 100%.bin,扫描件,,1990~,WS,D30,internal,,张三,,,SQ,,
改造.txt,老街改造说明,前锋社区居委会,2022-05/2022-09,WS,D10,public,改造,,市桥,,GZ,,
CSV
hd ingest --approve --sheet "$T/sheet.csv" "$B"
status ingest 0
R1='QF01-WS·1985·Y-DJ-0001'
R2='QF01-RS·1985·Y-DJ-0001'
R3='QF01-WS·1990·D30-SQ-0001'
R4='QF01-WS·2022·D10-GZ-0001'

# ---------------------------------------------------------------- export
hd export --bag "$T/bag" --to '番禺区档案馆' --reason '档案移交进馆' \
	--json --person 张三
status export-person 0
jq_is export-items "d['items']" 3
jq_is export-pages "d['pages']" 4
jq_is export-files "d['files']" 4
BAG="$T/bag"
ok bag-layout test -f "$BAG/bagit.txt" -a -f "$BAG/bag-info.txt" \
	-a -f "$BAG/manifest-sha256.txt" -a -f "$BAG/tagmanifest-sha256.txt" \
	-a -f "$BAG/metadata/records.json" -a -f "$BAG/metadata/records.csv" \
	-a -f "$BAG/slip.html"
ok bag-payload-identical cmp "$B/卷 001/p2.txt" \
	"$BAG/data/QF01-WS.1985.Y-DJ-0001/卷 001/p2.txt"
ok bag-payload-binary cmp "$B/scan 100%.bin" \
	"$BAG/data/QF01-WS.1990.D30-SQ-0001/scan 100%.bin"
has bagit-version "$BAG/bagit.txt" 'BagIt-Version: 1.0'
for tag in 'Source-Organization: 前锋社区档案室' 'To: 番禺区档案馆' \
    'Transfer-Reason: 档案移交进馆' 'Transfer-Items: 3' 'Transfer-Pages: 4' \
    'Bag-Software-Agent: hongdang' 'Bagging-Date: ' 'External-Identifier: urn:uuid:' \
    'Contact-Name: '; do
	has "bag-info-${tag%%:*}" "$BAG/bag-info.txt" "$tag"
done
bytes=$(find "$BAG/data" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
has payload-oxum "$BAG/bag-info.txt" "Payload-Oxum: $bytes.4"
has manifest-escapes-percent "$BAG/manifest-sha256.txt" 'scan 100%25.bin'
# every checksum, recomputed outside Hongdang
if python3 - "$BAG" <<'PY'
import hashlib, sys, urllib.parse
bag = sys.argv[1]
for man in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
    for line in open(f"{bag}/{man}", encoding="utf-8"):
        s, p = line.rstrip("\n").split("  ", 1)
        p = urllib.parse.unquote(p)
        h = hashlib.sha256(open(f"{bag}/{p}", "rb").read()).hexdigest()
        assert h == s, (man, p)
PY
then pass manifests-recomputed; else fail manifests-recomputed "mismatch"; fi
has slip-title "$BAG/slip.html" '档案转递单'
has slip-receiver "$BAG/slip.html" '番禺区档案馆'
has slip-item "$BAG/slip.html" "$R2"
has slip-checksum "$BAG/slip.html" \
	"$(sha256sum "$B/志愿书.txt" | cut -c1-64)"
has slip-sign "$BAG/slip.html" '接收人（签字）'
lacks slip-not-others "$BAG/slip.html" "$R4"
has sheet-header "$BAG/metadata/records.csv" '文件名,题名,责任者,日期,门类'
has json-events "$BAG/metadata/records.json" '"type": "ingest"'
hd bag validate "$BAG"
status bag-validates 0
has bag-valid-says "$OUT" 'valid BagIt bag'
n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM events WHERE type =
	'transfer' AND detail LIKE '%番禺区档案馆%'")
ok sender-events test "$n" -eq 3

# refusals: an existing folder, an unknown record, two ways of choosing
snapshot before
hd export --bag "$BAG" "$R1"
status export-exists 1
has export-exists-why "$ERR" 'already exists'
hd export --bag "$T/nobag" 'QF01-WS·1985·Y-DJ-0099'
status export-unknown 1
ok export-unknown-nothing test ! -e "$T/nobag"
hd export --bag "$T/nobag" --person 张三 "$R1"
status export-two-ways 2
# each subcommand takes its own options only
hd transfer list --to 番禺区档案馆
status transfer-list-foreign-option 2
has transfer-list-foreign-option-named "$ERR" "unknown option '--to'"
hd transfer show 1 --approve
status transfer-show-foreign-option 2
has transfer-show-foreign-option-named "$ERR" "'--approve'"
hd bag validate --json "$BAG"
status bag-validate-foreign-option 2
has bag-validate-foreign-option-named "$ERR" "'--json'"
unchanged before

# the other selections
hd export --bag "$T/bagq" --json --query 改造
status export-query 0
jq_is export-query-items "d['records'][0]['ref']" "$R4"
hd export --bag "$T/bagr" --json "$R4" "$R1"
status export-refs 0
jq_is export-refs-items "d['items']" 2

# ---------------------------------------------------------------- import
D2="$T/receiver"
"$HONGDANG" -d "$D2" init --fonds QF01 --name '番禺区档案馆' >/dev/null
hd_in "$D2" import --json "$BAG"
status import 0
jq_is import-added "d['added']" 3
jq_is import-receipt "d['receipt']" 1
same() {   # same NAME REF: the record has the same description on both sides
	local a b
	a=$("$HONGDANG" -d "$D" show --json "$2" | python3 -c '
import json,sys; d=json.load(sys.stdin)
print(json.dumps([d[k] for k in ("title","creator","date","category",
 "retention","class","access","place","description","location","pages",
 "subjects","persons")], ensure_ascii=False))')
	b=$("$HONGDANG" -d "$D2" show --json "$2" | python3 -c '
import json,sys; d=json.load(sys.stdin)
print(json.dumps([d[k] for k in ("title","creator","date","category",
 "retention","class","access","place","description","location","pages",
 "subjects","persons")], ensure_ascii=False))')
	if [ -n "$a" ] && [ "$a" = "$b" ]; then pass "$1"; else
		fail "$1" "sender $a / receiver $b"; fi
}
same same-record-1 "$R1"
same same-record-2 "$R2"
same same-record-3 "$R3"
# file order and bytes
objs() {
	"$HONGDANG" -d "$1" show --json "$2" | python3 -c '
import json,sys; print(" ".join(f["sha256"] for f in json.load(sys.stdin)["files"]))'
}
ok same-files-in-order test "$(objs "$D" "$R1")" = "$(objs "$D2" "$R1")"
same_bytes=0 differ=""
for r in "$R1" "$R2" "$R3"; do
	for s in $(objs "$D2" "$r"); do
		if cmp -s "$D/objects/${s:0:2}/${s:2}" \
		    "$D2/objects/${s:0:2}/${s:2}"; then
			same_bytes=$((same_bytes + 1))
		else
			differ="$differ $r:$s"
		fi
	done
done
# three records of four files (R1 has two pages)
if [ -z "$differ" ] && [ "$same_bytes" -eq 4 ]; then pass byte-identical
else fail byte-identical "$same_bytes the same, differ:$differ"; fi
hd_in "$D2" show --json "$R1"
jq_is received-status "d['status']" pending
has received-event "$OUT" 'received from 前锋社区档案室'
hd_in "$D2" verify
status receiver-verifies 0

# the receipt goes back and is recorded by the sender
hd_in "$D2" export --receipt 1 "$T/receipt.json"
status receipt-written 0
ok receipt-names-bag grep -qF "$(sha256sum "$BAG/manifest-sha256.txt" |
	cut -c1-64)" "$T/receipt.json"
ok receipt-maps grep -qF '"received_as"' "$T/receipt.json"
sed 's/"manifest_sha256": "[0-9a-f]/"manifest_sha256": "x/' \
	"$T/receipt.json" >"$T/forged.json"
hd transfer confirm "$T/forged.json"
status confirm-forged 1
has confirm-forged-why "$ERR" 'manifest hash'
hd transfer confirm "$T/receipt.json"
status confirm 0
has confirm-says "$OUT" '已确认接收'
hd transfer confirm "$T/receipt.json"
status confirm-again 1
has confirm-again-why "$ERR" 'confirmed already'
hd transfer list
has transfer-listed "$OUT" '已回执'
hd_in "$D2" export --receipt 9 "$T/none.json"
status receipt-unknown 1

# the same bag again adds nothing and gives the same receipt
hd_in "$D2" import --json "$BAG"
status import-again 0
jq_is import-again-added "d['added']" 0
jq_is import-again-receipt "d['receipt']" 1
jq_is import-again-flag "d['again']" True

# zip and tar bags
(cd "$T" && zip -qr bag.zip bag && tar cf bag.tar bag)
for kind in zip tar; do
	D3="$T/recv-$kind"
	"$HONGDANG" -d "$D3" init --fonds QF09 --name '接收方' >/dev/null
	hd_in "$D3" import --json "$T/bag.$kind"
	status "import-$kind" 0
	jq_is "import-$kind-added" "d['added']" 3
	ok "import-$kind-clean" test -z "$(ls "$D3/tmp")"
	hd_in "$D3" verify
	status "import-$kind-verifies" 0
done

# ------------------------------------------------------------- tampering
BAD="$T/tampered"
cp -R "$BAG" "$BAD"
printf 'x' >>"$BAD/data/QF01-WS.1985.Y-DJ-0001/卷 001/p1.txt"
printf 'stowaway\n' >"$BAD/data/extra.txt"
rm "$BAD/data/QF01-RS.1985.Y-DJ-0001/志愿书.txt"
sed -i 's/^Payload-Oxum: .*/Payload-Oxum: 1.1/' "$BAD/bag-info.txt"
printf '%s  data/../../escape.txt\n' "$(printf x | sha256sum | cut -c1-64)" \
	>>"$BAD/manifest-sha256.txt"
D4="$T/recv-bad"
"$HONGDANG" -d "$D4" init --fonds QF09 --name '接收方' >/dev/null
snap_dir() { D="$1" snapshot "$2"; }
D_SAVE=$D; D=$D4; snapshot tampered; D=$D_SAVE
hd_in "$D4" import "$BAD"
status tampered-refused 1
has tampered-payload "$OUT" "p1.txt' does not match its sha256 checksum"
has tampered-unlisted "$OUT" "'data/extra.txt' is in the payload but not in"
has tampered-missing "$OUT" "志愿书.txt', which is not in the bag"
has tampered-oxum "$OUT" 'Payload-Oxum is 1.1'
has tampered-escape "$OUT" "'..'"
has tampered-tagmanifest "$OUT" "'bag-info.txt' does not match"
has tampered-whole "$OUT" '未存入任何内容'
D_SAVE=$D; D=$D4; unchanged tampered; D=$D_SAVE
(cd "$T" && zip -qr tampered.zip tampered)
hd_in "$D4" import "$T/tampered.zip"
status tampered-zip-refused 1
has tampered-zip-reasons "$OUT" "'data/extra.txt' is in the payload"
ok tampered-zip-clean test -z "$(ls "$D4/tmp")"
D_SAVE=$D; D=$D4; unchanged tampered; D=$D_SAVE
hd bag validate "$BAD"
status tampered-validate 1
n=$(grep -c '^invalid: ' "$ERR")
ok tampered-every-reason test "$n" -ge 6
mkdir "$T/notabag" && printf 'x\n' >"$T/notabag/a.txt"
hd_in "$D4" import "$T/notabag"
status not-a-bag 1
has not-a-bag-why "$OUT" 'not a BagIt bag'

# ------------------------------------------------ the conformance suite
S="$HD_TOP/tests/data/bagit-conformance"
if [ ! -d "$S" ]; then
	fail conformance "no suite at $S"
	exit 1
fi
count=0
for bag in "$S"/v*/valid/*/ "$S"/v*/warning/*/; do
	bag=${bag%/}
	rel=${bag#"$S"/}
	if [ "$rel" = v0.97/warning/special-system-files ]; then
		cp -R "$bag" "$T/ssf" && : >"$T/ssf/data/.DS_Store"
		bag="$T/ssf"
	fi
	hd bag validate "$bag"
	if [ "$RC" -ne 0 ]; then
		fail "suite $rel" "refused: $(head -c 300 "$ERR")"
	elif [[ "$rel" == */warning/* ]] && ! grep -q '^warning: ' "$ERR"; then
		fail "suite $rel" "accepted without a warning"
	else
		count=$((count + 1))
	fi
done
for bag in "$S"/v*/invalid/*/ "$S"/v0.97/linux-only/*/ \
    "$S"/v0.97/windows-only/*/; do
	bag=${bag%/}
	rel=${bag#"$S"/}
	hd bag validate "$bag"
	if [ "$RC" -ne 1 ] || ! grep -q '^invalid: ' "$ERR"; then
		fail "suite $rel" "exit $RC: $(head -c 300 "$ERR")"
	else
		count=$((count + 1))
	fi
done
ok conformance-bags test "$count" -ge 40
# bags from elsewhere (sha512 and md5 manifests, no slip) are received too,
# one record a file, each its own receipt
D5="$T/recv-foreign"
"$HONGDANG" -d "$D5" init --fonds QF09 --name '接收方' >/dev/null
hd_in "$D5" import --json "$S/v1.0/valid/basicBag"
status foreign-import 0
jq_is foreign-receipt "[d['receipt'], d['added']]" "[1, 1]"
hd_in "$D5" import --json "$S/v0.97/valid/basic-bag"
jq_is foreign-second "[d['receipt'], d['again']]" "[2, False]"
# reasons named, not just a refusal
hd bag validate "$S/v1.0/invalid/notAllManifestsListAllFiles"
has suite-reason-manifests "$ERR" 'is in the payload but not in'
hd bag validate "$S/v0.97/invalid/out-of-scope-file-paths-using-dot-notation"
has suite-reason-escape "$ERR" "'..'"
hd bag validate "$S/v0.97/warning/made-with-md5sum-tools"
has suite-warning-md5 "$ERR" 'md5sum'
# a zipped suite bag validates too
(cd "$S/v1.0/valid" && zip -qr "$T/basic.zip" basicBag)
hd bag validate "$T/basic.zip"
status suite-zip-valid 0
hd bag validate "$T/nothing-here"
status validate-missing 2

# a long bag-info.txt value is folded onto continuation lines (RFC 8493
# 2.2.2) and read back whole by the receiver
LONG='移交 the records of the Qianfeng party branch from 1985 to 1990 for permanent keeping in the district archives, as agreed'
hd export --bag "$T/bag-long" --to '番禺区档案馆' --reason "$LONG" "$R4"
status fold-export 0
ok fold-continued grep -q '^ ' "$T/bag-long/bag-info.txt"
hd bag validate "$T/bag-long"
status fold-validates 0
D6="$T/recv-long"
"$HONGDANG" -d "$D6" init --fonds QF08 --name '接收方' >/dev/null
hd_in "$D6" import "$T/bag-long"
status fold-import 0
hd_in "$D6" transfer list --json
jq_is fold-read-back "d[0]['reason']" "$LONG"
