# tests/admin_lib.sh - helpers for the admin-page cases (t06*), sourced
# after tests/lib.sh: servers on free ports stopped by pid, accounts,
# logins through the real form (with its CSRF token), and requests with
# a cookie jar per account.

# serve NAME [VAR=VALUE...]: start a server on a free port with the
# given environment (and the options in $SERVE_OPTS, if set); $B is its
# base URL, $SPID its pid.
serve() {
	local name=$1
	shift
	SNAME=$name
	if ! server_start "$name" "$@" --templates "$HD_TOP/templates" \
	    ${SERVE_OPTS:-}; then
		fail "$name-starts" "no answer: $(cat "$T/$name.err")"
		exit 1
	fi
	B=$URL
}
# alive: the last server started is still running.
alive() {
	if kill -0 "$SPID" 2>/dev/null; then pass "server-$SNAME-alive"; else
		fail "server-$SNAME-alive" "it died: $(tail -5 "$T/$SNAME.err" | tr '\n' ' ')"
	fi
}
# stop PID: stop one server (the last one started: checked alive first).
stop() {
	[ "$1" = "$SPID" ] && alive
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# account NAME ROLE PASSWORD: add an account from a password file.
account() {
	printf '%s\n' "$3" >"$T/pw.$1"
	hd user add "$1" --role "$2" --password-file "$T/pw.$1"
	[ "$RC" -eq 0 ] || { fail "account-$1" "$(cat "$ERR")"; exit 1; }
}

H="$T/resp.head"
BODY="$T/resp.body"
CODE=""
REQ_NS=""       # run curl in this network namespace ("": here)
REQ_CA=""       # the CA certificate that an https server's must chain to
# req JAR METHOD PATH [CURL-ARGS...]: one request with the cookie jar
# $T/jar.JAR (or none when JAR is "-"); status in $CODE, headers in $H,
# body in $BODY.
req() {
	local jar=$1 method=$2 path=$3
	shift 3
	local j=() pre=()
	[ "$jar" != "-" ] && j=(-b "$T/jar.$jar" -c "$T/jar.$jar")
	[ -n "$REQ_CA" ] && j+=(--cacert "$REQ_CA")
	[ -n "$REQ_NS" ] && pre=(ip netns exec "$REQ_NS")
	rm -f "$BODY"
	CODE=$("${pre[@]}" curl -s -o "$BODY" -D "$H" -w '%{http_code}' \
		--max-time 20 -X "$method" "${j[@]}" "$@" "$B$path")
}
# code NAME WANT: the last request answered WANT.
code() {
	if [ "$CODE" = "$2" ]; then pass "$1"; else
		fail "$1" "status $CODE, expected $2: $(head -c 300 "$BODY" | tr '\n' ' ')"
	fi
}
# hdr NAME FIELD TEXT: the last response's FIELD header contains TEXT.
hdr() {
	if grep -i "^$2:" "$H" | grep -qF -- "$3"; then pass "$1"; else
		fail "$1" "$2 lacks '$3': '$(grep -i "^$2:" "$H" | tr -d '\r' | tr '\n' '|')'"
	fi
}
# nohdr NAME FIELD TEXT: no FIELD header of the last response has TEXT.
nohdr() {
	if grep -i "^$2:" "$H" | grep -qF -- "$3"; then
		fail "$1" "$2 has '$3'"
	else pass "$1"; fi
}
# form_csrf: the csrf hidden field of the last body.
form_csrf() {
	grep -o 'name="csrf" value="[0-9a-f]*"' "$BODY" | head -1 |
		sed 's/.*value="//; s/"$//'
}
# login JAR USER PASSWORD: through the form; $CODE of the POST.
login() {
	local tok
	rm -f "$T/jar.$1"
	req "$1" GET /admin/login
	tok=$(form_csrf)
	req "$1" POST /admin/login --data-urlencode "csrf=$tok" \
		--data-urlencode "user=$2" --data-urlencode "password=$3"
}
# csrf JAR: the session's form token (from the admin home page).
csrf() {
	req "$1" GET /admin/
	form_csrf
}
# post JAR PATH FIELD=VALUE...: a POST with the session's form token.
post() {
	local jar=$1 path=$2 tok a
	shift 2
	tok=$(csrf "$jar")
	local args=(--data-urlencode "csrf=$tok")
	for a in "$@"; do
		args+=(--data-urlencode "$a")
	done
	req "$jar" POST "$path" "${args[@]}"
}
# upload FIELD...: POST /admin/ingest with curl -F as the account of the
# jar z (the web desk's cases log their archivist in there), the form
# token first.
upload() {
	local tok a args=()
	tok=$(csrf z)
	for a in "$@"; do
		args+=(-F "$a")
	done
	req z POST /admin/ingest -F "csrf=$tok" "${args[@]}"
}
# sql QUERY: one value from the catalogue.
sql() {
	sqlite3 "$D/hongdang.db" "$1"
}
# dot REF: the "." spelling of a reference code, for URLs.
dot() {
	echo "${1//·/.}"
}
# urlq TEXT: percent-encoded for a query string.
urlq() {
	$PY -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"
}
# refs_of: the reference codes of the last "ingest --json".
refs_of() {
	$PY -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["records"]))' "$OUT"
}
# shas_of REF: the SHA-256 of the files of a record.
shas_of() {
	"$HONGDANG" -d "$D" show --json "$1" | $PY -c 'import json,sys; [print(f["sha256"]) for f in json.load(sys.stdin)["files"]]'
}
