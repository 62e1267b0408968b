# OAI-PMH 2.0 at /oai: every verb, every protocol error, resumption over
# more than one page (and tokens that were cut or edited), sets and date
# ranges, only approved public records (never restricted, internal or
# pending ones), a withdrawn public record reported as deleted, and every
# answer valid against the official OAI-PMH 2.0, oai_dc and simple Dublin
# Core schemas (tests/data/oai).
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive

P="$T/public"
mkdir -p "$P"
for i in $(seq 1 130); do
	printf '公开档案第 %s 件：社区历史 & <老街> "记忆"。\n' "$i" >"$P/pub-$(printf %03d "$i").txt"
done
hd ingest --approve --access public --class SQ "$P"
status ingest-public 0
mkdir -p "$T/dj" "$T/secret" "$T/wait" "$T/inner"
printf '党建活动照片说明。\n' >"$T/dj/党建 & <活动> \"记忆\".txt"
hd ingest --approve --access public --class DJ --category ZP "$T/dj"
printf '张三个人档案：机密内容。\n' >"$T/secret/张三人事档案.txt"
hd ingest --approve --access restricted --category RS "$T/secret"
printf '待审核的档案。\n' >"$T/wait/待审.txt"
hd ingest --access public "$T/wait"
printf '内部工作记录。\n' >"$T/inner/内部记录.txt"
hd ingest --approve --access internal "$T/inner"
PUBLIC=131
SECRET=$(sql "SELECT ref FROM records WHERE access = 'restricted'")
PENDING=$(sql "SELECT ref FROM records WHERE status = 'pending'")
INTERNAL=$(sql "SELECT ref FROM records WHERE access = 'internal'")
DJ=$(sql "SELECT ref FROM records WHERE class = 'DJ'")

# oai NAME QUERY: GET /oai?QUERY into $BODY, checked against the schemas.
oai() {
	req - GET "/oai?$2"
	code "$1-200" 200
	oai_valid "$1" "$BODY"
}
# x NAME EXPR WANT: a Python expression over the answer (r: the root,
# f(path): findall with o: and dc: prefixes, t(path): texts).
x() {
	local got
	got=$($PY - "$BODY" "$2" <<'PY' 2>&1
import sys, xml.etree.ElementTree as E
ns = {"o": "http://www.openarchives.org/OAI/2.0/",
      "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/"}
r = E.parse(sys.argv[1]).getroot()
f = lambda p: r.findall(p, ns)
t = lambda p: [e.text for e in r.findall(p, ns)]
print(eval(sys.argv[2]))
PY
)
	if [ "$got" = "$3" ]; then pass "$1"; else
		fail "$1" "$2 is '$got', expected '$3'"
	fi
}
# err NAME QUERY CODE: the answer is the protocol error CODE.
err() {
	oai "$1" "$2"
	x "$1-code" "[e.get('code') for e in f('o:error')][0]" "$3"
}
# token: the resumption token of the answer.
token() {
	$PY - "$BODY" <<'PY'
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
t = r.find(".//{http://www.openarchives.org/OAI/2.0/}resumptionToken")
print(t.text or "" if t is not None else "")
PY
}

serve oai

# ------------------------------------------------------------- the verbs
oai identify 'verb=Identify'
x identify-name "t('o:Identify/o:repositoryName')" "['前锋社区档案室']"
x identify-base "t('o:Identify/o:baseURL')[0].endswith('/oai')" True
x identify-version "t('o:Identify/o:protocolVersion')" "['2.0']"
x identify-granularity "t('o:Identify/o:granularity')" "['YYYY-MM-DDThh:mm:ssZ']"
x identify-deleted "t('o:Identify/o:deletedRecord')" "['transient']"
x identify-request "f('o:request')[0].get('verb')" Identify
x identify-date "len(t('o:responseDate')[0])" 20
x identify-email "t('o:Identify/o:adminEmail')" "['archive@localhost.localdomain']"

# the harvesters' contact: a setting, refused when the schema would not
# take it (and what was set before stays)
hd config oai.email 'dangan@qianfeng.example.cn'
status email-set 0
oai email-new 'verb=Identify'
x email-new-value "t('o:Identify/o:adminEmail')" "['dangan@qianfeng.example.cn']"
for bad in 'archive@localhost' 'no-at.example.cn' '@example.cn' \
	'a b@example.cn' 'a@example.' 'a@.cn' ''; do
	hd config oai.email "$bad"
	status "email-refused-'$bad'" 2
	has "email-refused-'$bad'-says" "$ERR" "oai.email: '$bad' is not a valid value"
done
has email-refused-form "$ERR" 'NAME@HOST.DOMAIN'
hd config oai.email
has email-kept "$OUT" 'dangan@qianfeng.example.cn'
sqlite3 "$D/hongdang.db" "UPDATE meta SET value = 'x@y' WHERE key = 'oai.email'" 2>"$T/meta.err"
oai email-stored-bad 'verb=Identify'
x email-stored-bad-default "t('o:Identify/o:adminEmail')" "['archive@localhost.localdomain']"
hd config oai.email '档案室@前锋社区.中国'
status email-unicode 0
oai email-unicode 'verb=Identify'
x email-unicode-value "t('o:Identify/o:adminEmail')" "['档案室@前锋社区.中国']"

oai formats 'verb=ListMetadataFormats'
x formats-dc "t('.//o:metadataPrefix')" "['oai_dc']"

oai sets 'verb=ListSets'
x sets-specs "sorted(t('.//o:setSpec'))" "['category', 'category:WS', 'category:ZP', 'class', 'class:DJ', 'class:SQ']"
x sets-named "'照片 (ZP)' in t('.//o:setName')" True
x sets-no-restricted "'category:RS' in t('.//o:setSpec')" False

# ---------------------------------------------- resumption over 2 pages
oai ids1 'verb=ListIdentifiers&metadataPrefix=oai_dc'
x ids1-page "len(f('.//o:header'))" 100
x ids1-size "f('.//o:resumptionToken')[0].get('completeListSize')" "$PUBLIC"
x ids1-cursor "f('.//o:resumptionToken')[0].get('cursor')" 0
TOK=$(token)
ok ids1-token test -n "$TOK"
cp "$BODY" "$T/ids1.xml"
oai ids2 "verb=ListIdentifiers&resumptionToken=$TOK"
x ids2-page "len(f('.//o:header'))" "$((PUBLIC - 100))"
x ids2-cursor "f('.//o:resumptionToken')[0].get('cursor')" 100
x ids2-last "(f('.//o:resumptionToken')[0].text or '')" ''
x ids2-request "f('o:request')[0].get('resumptionToken') == '$TOK'" True
cp "$BODY" "$T/ids2.xml"
if $PY - "$T/ids1.xml" "$T/ids2.xml" "$PUBLIC" <<'PY'
import sys, xml.etree.ElementTree as E
ns = {"o": "http://www.openarchives.org/OAI/2.0/"}
ids = []
for p in sys.argv[1:3]:
    ids += [e.text for e in E.parse(p).getroot().findall(".//o:identifier", ns)]
assert len(ids) == len(set(ids)) == int(sys.argv[3]), len(ids)
assert all(i.startswith("oai:hongdang:QF01-") for i in ids)
PY
then pass ids-complete-no-repeats; else fail ids-complete-no-repeats "pages overlap or miss"; fi
# the answers never hold what a visitor may not see
for f in "$T/ids1.xml" "$T/ids2.xml"; do
	for r in "$SECRET" "$PENDING" "$INTERNAL"; do
		lacks "hidden-$(basename "$f")-${r##*-}" "$f" "$(printf %s "$r" | sed 's/·/%C2%B7/g')"
	done
done

oai recs1 'verb=ListRecords&metadataPrefix=oai_dc'
x recs1-page "len(f('.//o:record'))" 100
x recs1-dc "len(f('.//oai_dc:dc'))" 100
x recs1-title "t('.//dc:title')[0].startswith('pub-')" True
x recs1-type "sorted(set(t('.//dc:type')))" "['Text', '文书']"
x recs1-url "any(i.startswith('http://') and '/record/QF01-WS.' in i for i in t('.//dc:identifier'))" True
TOK=$(token)
oai recs2 "verb=ListRecords&resumptionToken=$TOK"
x recs2-page "len(f('.//o:record'))" "$((PUBLIC - 100))"
lacks recs2-no-secret "$BODY" '机密'
lacks recs2-no-internal "$BODY" '内部工作记录'
lacks recs2-no-pending "$BODY" '待审核的档案'

# bad tokens: cut, edited, made up, not exclusive
err tok-cut "verb=ListIdentifiers&resumptionToken=${TOK:0:20}" badResumptionToken
EDIT=$(printf '%s' "$TOK" | sed 's/^\(.\{6\}\)./\1f/')
[ "$EDIT" = "$TOK" ] && EDIT=$(printf '%s' "$TOK" | sed 's/^\(.\{6\}\)./\1e/')
err tok-edited "verb=ListIdentifiers&resumptionToken=$EDIT" badResumptionToken
err tok-made-up 'verb=ListRecords&resumptionToken=31.0123456789abcdef0123456789abcdef' badResumptionToken
err tok-sets 'verb=ListSets&resumptionToken=abc' badResumptionToken
err tok-not-exclusive "verb=ListIdentifiers&metadataPrefix=oai_dc&resumptionToken=$TOK" badArgument

# ------------------------------------------------- sets and date ranges
oai set-dj 'verb=ListIdentifiers&metadataPrefix=oai_dc&set=class:DJ'
x set-dj-one "len(f('.//o:header'))" 1
x set-dj-specs "t('.//o:setSpec')" "['category:ZP', 'class:DJ']"
oai set-zp 'verb=ListRecords&metadataPrefix=oai_dc&set=category:ZP'
x set-zp-image "'StillImage' in t('.//dc:type')" True
x set-zp-escaped "t('.//dc:title')" "['党建 & <活动> \"记忆\"']"
has set-zp-raw "$BODY" '党建 &amp; &lt;活动&gt;'
oai set-class 'verb=ListIdentifiers&metadataPrefix=oai_dc&set=class'
x set-class-all "f('.//o:resumptionToken')[0].get('completeListSize')" "$PUBLIC"
err set-none 'verb=ListIdentifiers&metadataPrefix=oai_dc&set=category:SW' noRecordsMatch
err set-unknown 'verb=ListIdentifiers&metadataPrefix=oai_dc&set=colour:red' noRecordsMatch
err set-syntax 'verb=ListIdentifiers&metadataPrefix=oai_dc&set=a%20b' badArgument
today=$(date -u +%Y-%m-%d)
yesterday=$(date -u -d '-1 day' +%Y-%m-%d)
tomorrow=$(date -u -d '+1 day' +%Y-%m-%d)
oai from-today "verb=ListIdentifiers&metadataPrefix=oai_dc&from=$yesterday&until=$tomorrow"
x from-today-all "f('.//o:resumptionToken')[0].get('completeListSize')" "$PUBLIC"
oai from-seconds "verb=ListIdentifiers&metadataPrefix=oai_dc&from=${yesterday}T00:00:00Z"
x from-seconds-all "f('.//o:resumptionToken')[0].get('completeListSize')" "$PUBLIC"
TOK=$(token)
oai from-token "verb=ListIdentifiers&resumptionToken=$TOK"
x from-token-rest "len(f('.//o:header'))" "$((PUBLIC - 100))"
err until-past "verb=ListIdentifiers&metadataPrefix=oai_dc&until=$yesterday" noRecordsMatch
err from-future "verb=ListRecords&metadataPrefix=oai_dc&from=$tomorrow" noRecordsMatch
err from-bad 'verb=ListIdentifiers&metadataPrefix=oai_dc&from=2026-13-01' badArgument
err from-loose 'verb=ListIdentifiers&metadataPrefix=oai_dc&from=2026-1-1' badArgument
err granularity "verb=ListIdentifiers&metadataPrefix=oai_dc&from=$yesterday&until=${today}T23:59:59Z" badArgument
err from-after-until "verb=ListIdentifiers&metadataPrefix=oai_dc&from=$tomorrow&until=$yesterday" badArgument

# ------------------------------------------------------------- GetRecord
ONE=$(sql "SELECT ref FROM records WHERE title = 'pub-007'")
ID="oai:hongdang:$(printf %s "$ONE" | sed 's/·/%C2%B7/g')"
IDQ=$(urlq "$ID")
oai get "verb=GetRecord&metadataPrefix=oai_dc&identifier=$IDQ"
x get-id "t('.//o:header/o:identifier')" "['$ID']"
x get-title "t('.//dc:title')" "['pub-007']"
x get-ref "'$ONE' in t('.//dc:identifier')" True
x get-request "f('o:request')[0].get('identifier')" "$ID"
oai get-dot "verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq "oai:hongdang:$(dot "$ONE")")"
x get-dot-title "t('.//dc:title')" "['pub-007']"
err get-secret "verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq "oai:hongdang:$SECRET")" idDoesNotExist
lacks get-secret-quiet "$BODY" '机密'
err get-pending "verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq "oai:hongdang:$PENDING")" idDoesNotExist
err get-internal "verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq "oai:hongdang:$INTERNAL")" idDoesNotExist
err get-unknown 'verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:hongdang:QF01-WS.1900.Y-0999' idDoesNotExist
err get-foreign 'verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere:1' idDoesNotExist
err get-format "verb=GetRecord&metadataPrefix=marc21&identifier=$IDQ" cannotDisseminateFormat
err formats-secret "verb=ListMetadataFormats&identifier=$(urlq "oai:hongdang:$SECRET")" idDoesNotExist
oai formats-one "verb=ListMetadataFormats&identifier=$IDQ"
x formats-one-dc "t('.//o:metadataPrefix')" "['oai_dc']"

# ----------------------------------------------------------------- errors
err no-verb '' badVerb
err bad-verb 'verb=Harvest' badVerb
err two-verbs 'verb=Identify&verb=ListSets' badVerb
x two-verbs-bare "f('o:request')[0].attrib" '{}'
err identify-arg 'verb=Identify&set=x' badArgument
x bad-arg-bare "f('o:request')[0].attrib" '{}'
err illegal-arg 'verb=ListSets&colour=red' badArgument
err no-prefix 'verb=ListRecords' badArgument
err get-no-id 'verb=GetRecord&metadataPrefix=oai_dc' badArgument
err repeated-arg 'verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc' badArgument
err id-on-list "verb=ListIdentifiers&metadataPrefix=oai_dc&identifier=$IDQ" badArgument
err list-format 'verb=ListRecords&metadataPrefix=marc21' cannotDisseminateFormat
# values the schema forbids in <request> are bad arguments, never echoed
err prefix-space 'verb=ListRecords&metadataPrefix=oai%20dc' badArgument
x prefix-space-bare "f('o:request')[0].attrib" '{}'
err prefix-han "verb=GetRecord&metadataPrefix=$(urlq '都柏林')&identifier=$IDQ" badArgument
x prefix-han-bare "f('o:request')[0].attrib" '{}'
err prefix-empty 'verb=ListIdentifiers&metadataPrefix=' badArgument
err prefix-formats 'verb=ListMetadataFormats&metadataPrefix=oai%20dc' badArgument
for set in ':x' 'category:' 'class::DJ' 'a%20b'; do
	err "set-bad-$set" "verb=ListIdentifiers&metadataPrefix=oai_dc&set=$set" badArgument
	x "set-bad-$set-bare" "f('o:request')[0].attrib" '{}'
done
for id in '%zz' 'oai:hongdang:a#b#c' '['; do
	err "id-not-uri-$id" "verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq "$id")" badArgument
	x "id-not-uri-$id-bare" "f('o:request')[0].attrib" '{}'
done
err id-space "verb=GetRecord&metadataPrefix=oai_dc&identifier=$(urlq 'oai:hongdang:a b')" idDoesNotExist
x id-space-echo "f('o:request')[0].get('identifier')" 'oai:hongdang:a b'
req - POST /oai --data 'verb=Identify'
code post-200 200
has post-identify "$BODY" '<repositoryName>前锋社区档案室</repositoryName>'
hdr xml-type Content-Type 'text/xml'

# ------------------------------------------------- withdrawn -> deleted
hd review withdraw "$ONE" --reason '内容有误，暂停公开'
status withdraw 0
oai deleted "verb=GetRecord&metadataPrefix=oai_dc&identifier=$IDQ"
x deleted-status "f('.//o:header')[0].get('status')" deleted
x deleted-no-metadata "len(f('.//o:metadata'))" 0
oai deleted-list 'verb=ListIdentifiers&metadataPrefix=oai_dc&set=class:SQ'
x deleted-in-list "[h.find('{http://www.openarchives.org/OAI/2.0/}identifier').text for h in f('.//o:header') if h.get('status') == 'deleted']" "['$ID']"
oai deleted-records 'verb=ListRecords&metadataPrefix=oai_dc'
x deleted-record-bare "len(f('.//o:record')) - len(f('.//o:metadata'))" 1
# the restricted record was never public: not even as deleted
hd review withdraw "$SECRET" --reason '测试'
oai never-public 'verb=ListIdentifiers&metadataPrefix=oai_dc'
TOK=$(token)
cat "$BODY" >"$T/all.xml"
oai never-public-2 "verb=ListIdentifiers&resumptionToken=$TOK"
cat "$BODY" >>"$T/all.xml"
lacks never-public-absent "$T/all.xml" "$(printf %s "$SECRET" | sed 's/·/%C2%B7/g')"

# ------------------------------- leaving public view by other means
# an edit sends a published record back to review: deleted until
# approved again; made restricted and approved: deleted for good
TWO=$(sql "SELECT ref FROM records WHERE title = 'pub-008'")
ID2Q=$(urlq "oai:hongdang:$(printf %s "$TWO" | sed 's/·/%C2%B7/g')")
hd review edit "$TWO" --title '第八件（修订）'
status edit-published 0
oai edited "verb=GetRecord&metadataPrefix=oai_dc&identifier=$ID2Q"
x edited-deleted "f('.//o:header')[0].get('status')" deleted
hd review approve "$TWO"
oai reapproved "verb=GetRecord&metadataPrefix=oai_dc&identifier=$ID2Q"
x reapproved-back "[f('.//o:header')[0].get('status'), len(f('.//o:metadata'))]" "[None, 1]"
hd review edit "$TWO" --access restricted
hd review approve "$TWO"
status restricted-approved 0
oai restricted "verb=GetRecord&metadataPrefix=oai_dc&identifier=$ID2Q"
x restricted-deleted "[f('.//o:header')[0].get('status'), len(f('.//o:metadata'))]" "['deleted', 0]"
lacks restricted-no-title "$BODY" '第八件'
# the withdrawn restricted record made public while withdrawn was never
# published: still absent
hd review edit "$SECRET" --access public
status secret-edit 0
SIDQ=$(urlq "oai:hongdang:$(printf %s "$SECRET" | sed 's/·/%C2%B7/g')")
oai never-published "verb=GetRecord&metadataPrefix=oai_dc&identifier=$SIDQ"
x never-published-unknown "f('.//o:error')[0].get('code')" idDoesNotExist
