# The exhibit server over a real socket on 127.0.0.1: statuses and types,
# HEAD, the Chinese 404 page, hostile URLs (400, 414), oversized bodies
# and headers (413, 431), methods (405), static files (types, cache
# lifetimes, ETag, 304, traversal and symlinks: 404), security headers,
# a slow client, a clean stop on SIGTERM and the access log.
. "$HD_TOP/tests/lib.sh"
new_archive

B="$T/batch"
mkdir -p "$B"
printf '前锋社区居民议事会纪要：番禺老街的排水改造。\n' >"$B/议事会纪要.txt"
"$HONGDANG" -d "$D" ingest --approve "$B" >/dev/null 2>"$ERR" ||
	fail ingest "$(cat "$ERR")"

# Templates: a copy of the built-in ones with files for these tests, and
# links out of the static folder that must never be followed.
TPL="$T/tpl"
cp -R "$HD_TOP/templates" "$TPL"
printf 'body{color:#b00}\n' >"$TPL/static/app.3f9a1c2b.css"
printf 'p{margin:0}\n' >"$TPL/static/plain.css"
printf 'x' >"$TPL/static/.hidden.css"
ln -s /etc/passwd "$TPL/static/evil.css"
ln -s /etc "$TPL/static/etc"
# the data folder's own templates override the built-in ones
mkdir -p "$D/templates/static"
printf 'h1{color:#c00}\n' >"$D/templates/static/over.css"
cp "$TPL/static/app.3f9a1c2b.css" "$D/templates/static/app.3f9a1c2b.css"
printf 'q{}\n' >"$D/templates/static/plain.css"

# start NAME ARGS...: start a server on a free port ($PORT, $PID, its
# stderr in $T/NAME.err) and wait until it answers.
start() {
	local name=$1
	shift
	if ! server_start "$name" "$@"; then
		fail "$name-starts" "no answer on port $PORT: $(cat "$T/$name.err")"
		exit 1
	fi
	PID=$SPID
}

# fetch NAME STATUS CURL-ARGS...: one request; headers in $H, body in $BODY.
H="$T/h"
BODY="$T/b"
fetch() {
	local name=$1 want=$2 got
	shift 2
	rm -f "$BODY"
	got=$(curl -s -o "$BODY" -D "$H" -w '%{http_code}' --max-time 10 "$@")
	if [ "$got" = "$want" ]; then pass "$name"; else
		fail "$name" "status $got, expected $want: $(head -c 300 \
			"$BODY")"
	fi
}
# header NAME FIELD TEXT: the last response's FIELD header contains TEXT.
header() {
	if grep -i "^$2:" "$H" | grep -qF -- "$3"; then pass "$1"; else
		fail "$1" "$2 lacks '$3': '$(grep -i "^$2:" "$H" | tr -d '\r')'"
	fi
}
# secure NAME: the last response carries every security header.
CSP="default-src 'self'; img-src 'self' data:; style-src 'self';"
CSP="$CSP script-src 'self'; object-src 'none'; base-uri 'none';"
CSP="$CSP form-action 'self'; frame-ancestors 'none'"
secure() {
	local missing="" f
	for f in "Content-Security-Policy: $CSP" \
	    "X-Content-Type-Options: nosniff" "Referrer-Policy: same-origin" \
	    "X-Frame-Options: DENY"; do
		grep -qiF -- "$f" "$H" || missing="$missing [${f%%:*}]"
	done
	if [ -z "$missing" ]; then pass "$1"; else
		fail "$1" "missing$missing"
	fi
}
# header_is NAME FIELD VALUE: the last response's FIELD is exactly VALUE.
header_is() {
	local got
	got=$(grep -i "^$2:" "$H" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r')
	if [ "$got" = "$3" ]; then pass "$1"; else
		fail "$1" "$2 is '$got', expected '$3'"
	fi
}
# hd_quick ARGS...: hd, but never left running (a server that should not
# have started).
hd_quick() {
	timeout 10 "$HONGDANG" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}
# head_only NAME PATH: a raw HEAD request is answered with headers and
# not one byte more.
head_only() {
	local extra
	extra=$($PY - "$PORT" "$2" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HEAD " + sys.argv[2].encode() +
          b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
s.settimeout(5)
data = b"".join(iter(lambda: s.recv(65536), b""))
head, sep, rest = data.partition(b"\r\n\r\n")
print(len(rest) if sep else "no-headers")
EOF
)
	if [ "$extra" = 0 ]; then pass "$1"; else
		fail "$1" "$extra bytes after the headers"
	fi
}
empty_body() {
	if [ ! -s "$BODY" ]; then pass "$1"; else
		fail "$1" "body of $(wc -c <"$BODY") bytes"
	fi
}

LOG="$T/access.log"
start main --templates "$TPL" --log "$LOG"
U="http://127.0.0.1:$PORT"
has startup-line "$T/main.err" "红档展示服务已启动：http://127.0.0.1:$PORT/"

# ------------------------------------------------------------ pages
fetch home 200 "$U/"
header home-type Content-Type "text/html; charset=utf-8"
secure home-security-headers
len=$(wc -c <"$BODY")
fetch home-head 200 -I "$U/"
head_only home-head-no-body /
header home-head-type Content-Type "text/html; charset=utf-8"
header_is home-head-length Content-Length "$len"
fetch api-json 200 "$U/api/stats"
header api-json-type Content-Type "application/json; charset=utf-8"
secure api-security-headers

fetch unknown-404 404 "$U/no/such/page"
header unknown-404-type Content-Type "text/html; charset=utf-8"
has unknown-404-chinese "$BODY" "找不到"
has unknown-404-way-home "$BODY" 'href="/"'
secure unknown-404-security-headers

# ------------------------------------------------------ hostile URLs
fetch bad-escape 400 "$U/search?q=%G1"
has bad-escape-page "$BODY" 'href="/"'
secure bad-escape-security-headers
fetch truncated-utf8 400 "$U/search?q=%E4%B8"
fetch nul-in-query 400 "$U/search?q=a%00b"
fetch short-escape 400 "$U/search?q=%4"
fetch trailing-percent 400 "$U/search?q=abc%"
fetch bad-utf8-path 400 "$U/record/%FF%FE"
fetch overlong-utf8 400 "$U/search?q=%C0%AF"
many=$(for i in $(seq 70); do printf 'p%d=1&' "$i"; done)
fetch too-many-params 400 "$U/search?$many"
long=$(head -c 3000 /dev/zero | tr '\0' a)
fetch url-414 414 "$U/search?q=$long"
secure url-414-security-headers

# ----------------------------------------------------- big requests
head -c 102400 /dev/zero | tr '\0' a >"$T/big"
fetch body-413 413 --data-binary @"$T/big" "$U/"
fetch chunked-body-413 413 -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/big" "$U/"
big=$(head -c 40000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	-H "X-Big: $big" "$U/")
if [ "$code" = 431 ] || [ "$code" = 413 ]; then pass header-too-big; else
	fail header-too-big "status $code, expected 431 or 413"
fi
fetch after-big-still-serving 200 "$U/static/plain.css"

# ---------------------------------------------------------- methods
fetch delete-405 405 -X DELETE "$U/"
header delete-405-allow Allow "GET, HEAD"
secure delete-405-security-headers
fetch put-static-405 405 -X PUT "$U/static/plain.css"
fetch post-static-405 405 -d x=1 "$U/static/plain.css"
header post-static-405-allow Allow "GET, HEAD"

# the stand-in routes' form echo (only while exhibit/stub_routes.c is in)
code=$(curl -s -o /dev/null -w '%{http_code}' -d a=1 "$U/api/echo")
if [ "$code" = 200 ]; then
	fetch form-decoded 200 --data-binary 'name=%E7%95%AA%E7%A6%BA&x=a+b' \
		"$U/api/echo"
	has form-decoded-name "$BODY" '"name":"番禺"'
	has form-plus-is-space "$BODY" '"x":"a b"'
	fetch form-bad-escape 400 --data-binary 'name=%G1' "$U/api/echo"
	fetch kiosk-param 200 "$U/api/ping?kiosk=1"
	has kiosk-param-seen "$BODY" '"kiosk":true'
fi

# ----------------------------------------------------- static files
fetch static-css 200 "$U/static/over.css"
header static-css-type Content-Type "text/css; charset=utf-8"
has static-override-wins "$BODY" "h1{color:#c00}"
fetch static-plain-override 200 "$U/static/plain.css"
has static-plain-from-override "$BODY" "q{}"
header static-short-cache Cache-Control "public, max-age=300"
header static-last-modified Last-Modified " GMT"
secure static-security-headers
fetch static-fingerprinted 200 "$U/static/app.3f9a1c2b.css"
header static-immutable Cache-Control \
	"public, max-age=31536000, immutable"
etag=$(grep -i '^ETag:' "$H" | sed 's/^[^:]*: *//' | tr -d '\r')
lm=$(grep -i '^Last-Modified:' "$H" | sed 's/^[^:]*: *//' | tr -d '\r')
ok static-etag test -n "$etag"
fetch static-js 200 "$U/static/hongdang.js"
header static-js-type Content-Type "text/javascript; charset=utf-8"
fetch static-builtin 200 "$U/static/favicon.svg"
header static-svg-type Content-Type "image/svg+xml"
fetch favicon 200 "$U/favicon.ico"
header favicon-type Content-Type "image/x-icon"
fetch static-head 200 -I "$U/static/app.3f9a1c2b.css"
head_only static-head-no-body /static/app.3f9a1c2b.css
header_is static-head-length Content-Length \
	"$(wc -c <"$TPL/static/app.3f9a1c2b.css")"

fetch not-modified-etag 304 -H "If-None-Match: $etag" \
	"$U/static/app.3f9a1c2b.css"
empty_body not-modified-no-body
header not-modified-keeps-etag ETag "$etag"
secure not-modified-security-headers
fetch not-modified-weak 304 -H "If-None-Match: \"x\", W/$etag" \
	"$U/static/app.3f9a1c2b.css"
fetch not-modified-date 304 -H "If-Modified-Since: $lm" \
	"$U/static/app.3f9a1c2b.css"
fetch modified-other-etag 200 -H 'If-None-Match: "other"' \
	"$U/static/app.3f9a1c2b.css"
fetch modified-old-date 200 \
	-H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT' \
	"$U/static/app.3f9a1c2b.css"

printf 'late{}\n' >"$TPL/static/late.css"
fetch static-new-file 200 "$U/static/late.css"
sleep 1.1
printf 'later{}\n' >"$TPL/static/late.css"
fetch static-changed-file 200 "$U/static/late.css"
has static-changed-content "$BODY" "later{}"
rm "$TPL/static/late.css"
sleep 1.1
fetch static-removed-file 404 "$U/static/late.css"

# No path from a request reaches the file system unchecked.
for p in "/static/../../etc/passwd" "/static/%2e%2e/%2e%2e/etc/passwd" \
    "/static/..%2f..%2fetc/passwd" "/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd" \
    "/static/evil.css" "/static/etc/passwd" "/static/.hidden.css" \
    "/static//plain.css" "/static/" "/static/..%5c..%5cetc%5cpasswd" \
    "/static/./plain.css"; do
	fetch "traversal $p" 404 --path-as-is "$U$p"
	lacks "traversal-no-leak $p" "$BODY" "root:"
done
secure traversal-security-headers
fetch nul-in-static-path 400 "$U/static/plain.css%00.png"

# ------------------------------------------------ SIGHUP: templates
MAIN=$PID
kill -HUP "$MAIN"
for i in $(seq 50); do
	grep -q "templates reloaded" "$LOG" && break
	sleep 0.1
done
has sighup-reloads "$LOG" "templates reloaded"
fetch sighup-still-serving 200 "$U/"

# -------------------------------------------------------- access log
sleep 0.5
before=$(wc -l <"$LOG")
curl -s -o /dev/null -H 'Cookie: session=SEKRITCOOKIE' "$U/static/plain.css"
curl -s -o /dev/null -d 'secret=SEKRITBODY' "$U/api/echo"
curl -s -o /dev/null "$U/nope?q=%E7%95%AA"
curl -s -o /dev/null "$U/search?q=%G1"
curl -s -o /dev/null -I "$U/"
for i in $(seq 50); do
	[ "$(wc -l <"$LOG")" -ge $((before + 5)) ] && break
	sleep 0.1
done
after=$(wc -l <"$LOG")
ok log-one-line-per-request test "$((after - before))" -eq 5
tail -n 5 "$LOG" >"$T/log5"
stamp='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
ok log-format grep -qE \
	"^$stamp 127\\.0\\.0\\.1 \"GET /static/plain\\.css\" 200 4 [0-9]+\\.[0-9]ms\$" \
	"$T/log5"
has log-raw-url "$T/log5" '"GET /nope?q=%E7%95%AA" 404'
has log-bad-url "$T/log5" '"GET /search?q=%G1" 400'
has log-head "$T/log5" '"HEAD /" 200 0 '
lacks log-no-cookie "$LOG" SEKRITCOOKIE
lacks log-no-body "$LOG" SEKRITBODY
lacks log-quiet-stderr "$T/main.err" '"GET'

# ---------------------------------------------------- failing fast
hd_quick -d "$T/none" serve --listen "127.0.0.1:$(free_port)" \
	--templates "$TPL"
status no-archive-exit 2
ok no-archive-one-line test "$(wc -l <"$ERR")" -eq 1
hd_quick -d "$D" serve --listen "127.0.0.1:$PORT" --templates "$TPL"
status port-in-use-exit 1
has port-in-use-message "$ERR" "127.0.0.1:$PORT"
hd_quick -d "$D" serve --listen "127.0.0.1:99999" --templates "$TPL"
status bad-listen-exit 2
hd_quick -d "$D" serve --templates "$T/no-such-templates"
status no-templates-exit 2

# ----------------------------------- slow clients and a clean stop
# One worker thread, 3 s to send a request: a client trickling one
# header byte a second holds no thread and is cut off.
start slow --templates "$TPL" --threads 1 --timeout 3 --log "$T/slow.log"
SU="http://127.0.0.1:$PORT"
$PY - "$PORT" >"$T/slowloris" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1)
t0 = time.time()
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
cut = None
for i in range(20):
    try:
        s.sendall(b"X")
        if s.recv(1) == b"":
            cut = time.time() - t0
            break
    except socket.timeout:
        continue
    except OSError:
        cut = time.time() - t0
        break
print("cut %.1f" % cut if cut is not None else "never cut")
EOF
SLOW=$!
sleep 1
slow_ok=0
for i in 1 2 3 4 5; do
	code=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
		--max-time 2 "$SU/static/plain.css")
	case $code in "200 0."*) slow_ok=$((slow_ok + 1)) ;; esac
done
ok slow-client-blocks-nobody test "$slow_ok" -eq 5
wait "$SLOW"
cut=$(sed -n 's/^cut \([0-9]*\)\..*/\1/p' "$T/slowloris")
if [ -n "$cut" ] && [ "$cut" -ge 2 ] && [ "$cut" -le 8 ]; then
	pass slow-client-cut-off
else
	fail slow-client-cut-off "$(cat "$T/slowloris")"
fi

# SIGTERM while a request is still arriving: it is answered, new
# connections are refused, then the server exits 0.
$PY - "$PORT" "$T/started" >"$T/inflight" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /static/plain.css HTTP/1.1\r\n")
open(sys.argv[2], "w").close()
for b in b"Host: x\r\nConnection: close\r\n\r\n":
    s.sendall(bytes([b]))
    time.sleep(0.06)
s.settimeout(5)
data = b"".join(iter(lambda: s.recv(65536), b""))
print(data.split(b"\r\n")[0].decode())
EOF
INFLIGHT=$!
for i in $(seq 50); do
	[ -e "$T/started" ] && break
	sleep 0.1
done
sleep 0.2
kill -TERM "$PID"
sleep 0.5
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
	"$SU/static/plain.css")
ok stopping-refuses-new test "$code" = 000
wait "$INFLIGHT"
has inflight-answered "$T/inflight" "HTTP/1.1 200"
wait "$PID"
RC=$?
status sigterm-exit-0 0
has inflight-logged "$T/slow.log" '"GET /static/plain.css" 200'
