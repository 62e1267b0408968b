# What a visitor never sees: restricted, internal and unapproved records,
# with distinctive words, must not appear on any page or API - not in
# results, snippets, counts, timelines, images, thumbnails or QR codes -
# and asking for them by reference code or image hash is a 404.
. "$HD_TOP/tests/lib.sh"
new_archive
need_sample
mapfile -t photos < <(find "$S" -name '*.jpg' | sort | head -4)

mk() {  # mk DIR WORD PHOTO: a text and a photo carrying WORD
	mkdir -p "$T/$1"
	printf '%s：前锋社区档案，记录%s的经过。\n' "$2" "$2" >"$T/$1/$2.txt"
	cp "$3" "$T/$1/$2.jpg"
}
mk restricted 绝密甲壹 "${photos[0]}"
mk internal 内部乙贰 "${photos[1]}"
mk pending 待审丙叁 "${photos[2]}"
mk public 公开丁肆 "${photos[3]}"

ingest_refs() {  # ingest_refs NAME ARGS...: ingest, keep refs in $T/NAME.refs
	local name=$1; shift
	hd ingest --json "$@"
	status "ingest-$name" 0
	python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["records"]))' "$OUT" >"$T/$name.refs"
}
ingest_refs restricted --approve --access restricted --class DJ --category RS "$T/restricted"
ingest_refs internal --approve --access internal --class SQ "$T/internal"
ingest_refs pending --access public --class SQ "$T/pending"
ingest_refs public --approve --access public --class SQ "$T/public"

# hidden references and their objects' hashes
: >"$T/hidden"
for n in restricted internal pending; do
	while read -r ref; do
		echo "$ref" >>"$T/hidden"
		echo "${ref//·/.}" >>"$T/hidden"
		hd show --json "$ref"
		python3 -c 'import json,sys; [print(f["sha256"]) for f in json.load(open(sys.argv[1]))["files"]]' "$OUT" >>"$T/hidden"
	done <"$T/$n.refs"
done
for w in 绝密甲壹 内部乙贰 待审丙叁; do echo "$w" >>"$T/hidden"; done
# the loops below go through this list: it must hold every kind of item
ok hidden-listed test "$(grep -c '^QF01' "$T/hidden")" -ge 6 -a \
	"$(grep -c '^[0-9a-f]\{64\}$' "$T/hidden")" -ge 3

server_start serve --templates "$HD_TOP/templates"
B=$URL

urlq() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
: >"$T/bodies"
get() {  # get PATH [ECHO]: fetch, remember status and append the body
	local code
	code=$(curl -s -o "$T/body" -w '%{http_code}' "$B$1")
	# a search page repeats what was typed: that is not a leak
	if [ -n "${2:-}" ]; then
		python3 -c 'import sys; b=open(sys.argv[1],encoding="utf-8",errors="replace").read(); sys.stdout.write(b.replace(sys.argv[2],""))' "$T/body" "$2" >>"$T/bodies"
	else
		cat "$T/body" >>"$T/bodies"
	fi
	echo "$code"
}
for p in / /corridor /reading /demo /demo/collect /demo/review /demo/consult \
	/demo/transfer /demo/digitise /demo/storage /study /visit \
	/api/corridor /api/reading /api/stats "/?kiosk=1"; do
	code=$(get "$p")
	[ "$code" = 200 ] && pass "page-$p" || fail "page-$p" "status $code"
done
for w in 绝密甲壹 内部乙贰 待审丙叁 档案 前锋 社区 甲壹 绝 DJ RS; do
	q=$(urlq "$w")
	get "/search?q=$q" "$w" >/dev/null
	get "/api/search?q=$q" "$w" >/dev/null
	get "/search?q=$q&category=RS" "$w" >/dev/null
	curl -s "$B/api/search?q=$q" >"$OUT"
	case "$w" in
	绝密甲壹|内部乙贰|待审丙叁|甲壹|绝) jq_is "search-none-$w" "d['total']" 0 ;;
	esac
done
# asked for directly: 404 like a record that does not exist
while read -r h; do
	case "$h" in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*)
		for k in thumb screen; do
			code=$(get "/img/$k/$h.jpg")
			[ "$code" = 404 ] && pass "img-$k-${h:0:8}" || fail "img-$k-${h:0:8}" "status $code"
		done ;;
	QF01*)
		q=$(urlq "$h")
		for p in "/record/$q" "/api/records/$q"; do
			code=$(get "$p")
			[ "$code" = 404 ] && pass "direct-$p" || fail "direct-$p" "status $code"
		done ;;
	esac
done <"$T/hidden"

# none of it anywhere in what was served
while read -r h; do
	if grep -qF -- "$h" "$T/bodies"; then
		fail "never-shown-${h:0:16}" "'$h' appeared in a response"
	else
		pass "never-shown-${h:0:16}"
	fi
done <"$T/hidden"

# the public record is there, with its image, and counts only it
pub=$(grep -- '-ZP' "$T/public.refs" | head -1)
code=$(get "/record/$(urlq "$pub")"); [ "$code" = 200 ] && pass public-record || fail public-record "status $code"
has public-record-qr "$T/body" "<svg"
img=$(grep -o '/img/screen/[0-9a-f]*\.jpg' "$T/body" | head -1)
code=$(curl -s -o "$T/img" -w '%{http_code}' "$B$img")
[ "$code" = 200 ] && pass public-image || fail public-image "status $code for $img"
ok public-image-jpeg python3 -c 'import sys; d=open(sys.argv[1],"rb").read(3); sys.exit(d!=b"\xff\xd8\xff")' "$T/img"
curl -s "$B/api/stats" >"$OUT"
jq_is stats-count-public-only "d['records']" "$(wc -l <"$T/public.refs")"
curl -s "$B/api/search?q=$(urlq 前锋社区)" >"$OUT"
jq_is search-total-public-only "d['total']" 1
jq_is search-hit-is-public "d['hits'][0]['ref'] in open('$T/public.refs').read().split()" True

# ------------------------------------------------------------ page cache
# Pages are sent again from memory only while the archive is unchanged:
# a change made by another process (the command line) shows at once.
q=$(urlq 公开丁肆)
curl -s "$B/search?q=$q" >"$T/s1"
curl -s "$B/search?q=$q" >"$T/s2"
ok cache-same-page cmp -s "$T/s1" "$T/s2"
has cache-public-listed "$T/s2" "${pub//·/.}"
hd review withdraw "$pub" --reason 测试撤回
status cache-withdraw 0
curl -s "$B/search?q=$q" >"$T/s3"
lacks cache-withdrawn-gone "$T/s3" "${pub//·/.}"
has cache-withdrawn-still-a-page "$T/s3" '公开丁肆'
code=$(curl -s -o /dev/null -w '%{http_code}' "$B/record/$(urlq "$pub")")
[ "$code" = 404 ] && pass cache-withdrawn-record-404 ||
	fail cache-withdrawn-record-404 "status $code"
hd review resubmit "$pub"
hd review approve "$pub"
status cache-reapprove 0
curl -s "$B/search?q=$q" >"$T/s4"
has cache-back-at-once "$T/s4" "${pub//·/.}"
# the Host header is part of what a page says (QR links): never mixed up
curl -s -H 'Host: kiosk-a.local' "$B/record/$(urlq "$pub")" >"$T/ha"
curl -s -H 'Host: kiosk-b.local' "$B/record/$(urlq "$pub")" >"$T/hb"
ok cache-host-apart test "$(grep -c 'kiosk-a.local' "$T/ha")" -ge 1 -a \
	"$(grep -c 'kiosk-a.local' "$T/hb")" -eq 0
# the booking form carries each visitor's own token: never kept
curl -s -c "$T/jar1" "$B/visit" >"$T/v1"
curl -s -c "$T/jar2" "$B/visit" >"$T/v2"
t1=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/v1")
t2=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/v2")
ok cache-visit-own-token test -n "$t1" -a "$t1" != "$t2"
# --no-page-cache is accepted and the server still answers
kill "$SPID"; wait "$SPID" 2>/dev/null
"$HONGDANG" -d "$D" serve --listen "127.0.0.1:$PORT" --no-page-cache \
	--templates "$HD_TOP/templates" 2>"$T/serve2.log" &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 50); do curl -s -o /dev/null "$B/" && break; sleep 0.1; done
curl -s "$B/search?q=$q" >"$T/s5"
has nocache-serves "$T/s5" "${pub//·/.}"
