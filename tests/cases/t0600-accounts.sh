# Accounts and sessions: user add/list/disable/passwd (argon2id, never a
# password in argv, the log or the database), the login form and its
# token, the session cookie, roles checked on the server, logout and a
# replayed token, idle and absolute expiry, login limits that do not tell
# whether a name exists, security headers on admin pages.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive

PWA='Admin-Pass-2026'
PWZ='zhang-secret-77'
PWL='li-reviews-88'

# ------------------------------------------------------------ command line
account root1 admin "$PWA"
account zhang archivist "$PWZ"
account li 审核人 "$PWL"
hd user list --json
status list-exit 0
jq_is list-names "[u['name'] for u in d]" "['li', 'root1', 'zhang']"
jq_is list-roles "[u['role'] for u in d]" "['reviewer', 'admin', 'archivist']"
jq_is list-no-hash "any('argon' in json.dumps(u) for u in d)" False
ok hash-argon2id test "$(sql "SELECT count(*) FROM users WHERE pwhash LIKE '\$argon2id\$%'")" -eq 3

snapshot before-bad
hd user add wang --role admin --password 'Sekrit-In-Argv'
status argv-password-refused 2
has argv-password-message "$ERR" "never given as an argument"
hd user add wang --role admin --password=Sekrit-In-Argv
status argv-password-eq-refused 2
hd user passwd zhang -p Sekrit-In-Argv
status argv-p-refused 2
lacks argv-password-not-echoed "$ERR" "Sekrit-In-Argv"
# no terminal to type at (setsid: none even when run from one)
setsid -w "$HONGDANG" -d "$D" user add wang --role admin </dev/null \
	>"$OUT" 2>"$ERR"
RC=$?
status no-terminal 2
has no-terminal-message "$ERR" "--password-file"
printf 'short\n' >"$T/short"
hd user add wang --role admin --password-file "$T/short"
status short-password 2
has short-password-message "$ERR" "至少 8 个字符"
printf 'wang\n' >"$T/same"
hd user add wang --role admin --password-file "$T/same"
status name-as-password 2
hd user add Wang --role admin --password-file "$T/pw.zhang"
status bad-name 2
hd user add wang --role boss --password-file "$T/pw.zhang"
status bad-role 2
hd user add zhang --role admin --password-file "$T/pw.zhang"
status duplicate 1
has duplicate-message "$ERR" "已存在"
hd user add wang --role admin --password-file "$T/nosuch"
status missing-file 1
# each subcommand takes its own options only
hd user disable li --role admin
status disable-foreign-option 2
has disable-foreign-option-named "$ERR" "unknown option '--role'"
hd user list --password-file "$T/pw.zhang"
status list-foreign-option 2
has list-foreign-option-named "$ERR" "'--password-file'"
hd user passwd zhang --role admin --password-file "$T/pw.zhang"
status passwd-foreign-option 2
has passwd-foreign-option-named "$ERR" "'--role'"
unchanged before-bad
ok bad-adds-nothing test "$(sql 'SELECT count(*) FROM users')" -eq 3

# a password from standard input never shows in the process's arguments
mkfifo "$T/fifo"
"$HONGDANG" -d "$D" user add wang --role reviewer --password-file - \
	<"$T/fifo" >"$T/wang.out" 2>&1 &
wpid=$!
exec 7>"$T/fifo"
for i in $(seq 50); do      # until the shell has made way for hongdang
	tr '\0' ' ' <"/proc/$wpid/cmdline" >"$T/cmdline" 2>/dev/null
	grep -q "user add wang" "$T/cmdline" && break
	sleep 0.05
done
lacks ps-no-password "$T/cmdline" "wang-pass-123"
has ps-is-that-process "$T/cmdline" "user add wang"
printf 'wang-pass-123\n' >&7
exec 7>&-
wait "$wpid"
ok stdin-password-added test "$(sql "SELECT count(*) FROM users WHERE name = 'wang'")" -eq 1

# ------------------------------------------------------------------ HTTP
serve main
# a visitor never reaches an admin page: sent to the login form
for p in /admin/ /admin/review /admin/record/QF01-WS.2026.Y-0001 \
    /admin/consult /admin/audit /admin/users /admin/nonesuch \
    /admin/img/thumb/0000000000000000000000000000000000000000000000000000000000000000.jpg \
    /admin/consult/view/QF01-RS.2026.Y-0001/1; do
	req - GET "$p"
	code "visitor-303$p" 303
	hdr "visitor-to-login$p" Location /admin/login
done
req - POST /admin/users --data 'action=add&name=evil&role=admin&password=x&password2=x'
code visitor-post-303 303

req a GET /admin/login
code login-form 200
hdr login-form-cookie Set-Cookie "hd_login="
hdr login-form-cookie-httponly Set-Cookie "HttpOnly"
hdr login-form-cookie-samesite Set-Cookie "SameSite=Strict"
hdr login-csp Content-Security-Policy "script-src 'self'"
hdr login-nosniff X-Content-Type-Options nosniff
hdr login-referrer Referrer-Policy same-origin
hdr login-frames X-Frame-Options DENY
hdr login-no-store Cache-Control no-store
TOK=$(form_csrf)
ok login-form-token test "${#TOK}" -eq 64
ok login-token-is-cookie grep -q "hd_login	$TOK" "$T/jar.a"

# the login POST needs the form's token, bound to its cookie
req a POST /admin/login --data-urlencode "user=zhang" --data-urlencode "password=$PWZ"
code login-no-token 403
nohdr login-no-token-no-session Set-Cookie "hd_session="
req - POST /admin/login --data-urlencode "csrf=$TOK" --data-urlencode "user=zhang" --data-urlencode "password=$PWZ"
code login-token-without-cookie 403
req a GET /admin/login
TOK=$(form_csrf)
req a POST /admin/login --data-urlencode "csrf=$(printf '%064d' 0)" --data-urlencode "user=zhang" --data-urlencode "password=$PWZ"
code login-wrong-token 403

# a wrong password and an unknown name: one answer, one cost
login a zhang 'not-the-password'
code wrong-password 422
has wrong-password-message "$BODY" "用户名或密码不正确"
nohdr wrong-password-no-session Set-Cookie "hd_session="
lacks wrong-password-not-echoed "$BODY" "not-the-password"
has wrong-password-keeps-name "$BODY" 'value="zhang"'
login a nobody 'not-the-password'
code unknown-name 422
has unknown-name-message "$BODY" "用户名或密码不正确"
hd user disable wang
status disable-exit 0
login a wang 'wang-pass-123'
code disabled-account 422
has disabled-message "$BODY" "用户名或密码不正确"
# same work whatever the name: each takes an argon2id verification
t_known=0; t_unknown=0
for i in 1 2 3; do
	t_known=$(curl -s -o /dev/null -w '%{time_total}' -b "$T/jar.a" \
		--data-urlencode "csrf=$(grep -o 'hd_login	[0-9a-f]*' "$T/jar.a" | cut -f2)" \
		--data-urlencode user=zhang --data-urlencode password=x1x1x1x1 \
		"$B/admin/login" | awk -v a="$t_known" '{print a + $1}')
	t_unknown=$(curl -s -o /dev/null -w '%{time_total}' -b "$T/jar.a" \
		--data-urlencode "csrf=$(grep -o 'hd_login	[0-9a-f]*' "$T/jar.a" | cut -f2)" \
		--data-urlencode user=ghost$i --data-urlencode password=x1x1x1x1 \
		"$B/admin/login" | awk -v a="$t_unknown" '{print a + $1}')
done
ok timing-unknown-like-known awk -v k="$t_known" -v u="$t_unknown" \
	'BEGIN { exit !(u > k * 0.4 && k > u * 0.4) }'
# zhang now has 1 + 3 failures: clear them with a good login
login a zhang "$PWZ"
code login-ok 303
hdr login-ok-home Location /admin/
hdr login-ok-cookie Set-Cookie "hd_session="
hdr login-ok-httponly Set-Cookie "HttpOnly"
hdr login-ok-samesite Set-Cookie "SameSite=Strict"
hdr login-ok-path Set-Cookie "Path=/;"
nohdr login-ok-no-secure-without-tls Set-Cookie "Secure"
SESS=$(grep -o 'hd_session	[0-9a-f]*' "$T/jar.a" | cut -f2)
ok session-256-bit test "${#SESS}" -eq 64
ok session-stored-hashed test "$(sql "SELECT count(*) FROM sessions WHERE id_hash = '$(printf %s "$SESS" | sha256sum | cut -c1-64)'")" -eq 1
ok session-not-stored-plain test "$(sql "SELECT count(*) FROM sessions WHERE id_hash = '$SESS' OR csrf = '$SESS'")" -eq 0
req a GET /admin/
code home-200 200
has home-names-account "$BODY" "zhang（档案员）"
hdr home-no-store Cache-Control no-store
hdr home-csp Content-Security-Policy "default-src 'self'"
hdr home-frames X-Frame-Options DENY
req a GET /admin/login
code login-when-logged-in 303
hdr login-when-logged-in-home Location /admin/

# roles are checked on the server
req a GET /admin/users
code archivist-no-users 403
login r li "$PWL"
code reviewer-login 303
req r GET /admin/audit
code reviewer-no-audit 403
req r GET /admin/users
code reviewer-no-users 403
login m root1 "$PWA"
req m GET /admin/users
code admin-users 200
has admin-sees-zhang "$BODY" ">zhang<"

# a POST without the session's token does nothing
snapshot before-csrf
req m POST /admin/users --data 'action=add&name=evil&role=admin&password=evil-pass-1&password2=evil-pass-1'
code post-without-token 403
req m POST /admin/users --data "csrf=$(printf 'f%.0s' $(seq 64))&action=add&name=evil&role=admin&password=evil-pass-1&password2=evil-pass-1"
code post-wrong-token 403
ZTOK=$(csrf a)
req m POST /admin/users --data "csrf=$ZTOK&action=add&name=evil&role=admin&password=evil-pass-1&password2=evil-pass-1"
code post-other-sessions-token 403
unchanged before-csrf
post a /admin/users action=add name=evil role=admin password=evil-pass-1 password2=evil-pass-1
code archivist-cannot-add 403
ok nothing-added test "$(sql "SELECT count(*) FROM users WHERE name = 'evil'")" -eq 0
# the admin can
post m /admin/users action=add name=chen role=reviewer password=chen-pass-99 password2=chen-pass-99
code admin-adds 200
has admin-adds-done "$BODY" "已添加账户 chen"
hd user list --json
jq_is web-added-listed "[u['role'] for u in d if u['name'] == 'chen']" "['reviewer']"
post m /admin/users action=disable name=root1
code no-self-disable 422

# logout ends the session; its cookie and token are dead after
MTOK=$(csrf m)
cp "$T/jar.m" "$T/jar.old"
req m POST /admin/logout --data "csrf=$MTOK"
code logout-303 303
hdr logout-to-login Location /admin/login
hdr logout-clears-cookie Set-Cookie "Max-Age=0"
req old GET /admin/
code old-cookie-dead 303
req old POST /admin/users --data "csrf=$MTOK&action=add&name=ghost&role=admin&password=ghost-pass-1&password2=ghost-pass-1"
code replayed-token-refused 303
ok replay-added-nothing test "$(sql "SELECT count(*) FROM users WHERE name = 'ghost'")" -eq 0

# disabling an account or changing its password ends its sessions
hd user disable li
req r GET /admin/
code disabled-session-ends 303
hd user enable li
login r li "$PWL"
code enabled-again 303
printf 'zhang-new-pass-1\n' >"$T/pw.new"
hd user passwd zhang --password-file "$T/pw.new"
status passwd-exit 0
req a GET /admin/
code passwd-ends-session 303
login a zhang "$PWZ"
code old-password-refused 422
login a zhang 'zhang-new-pass-1'
code new-password-works 303

# limits: 5 failures lock a name from that address for 15 minutes, known
# or not, with one message; a good password does not open it meanwhile
# (t0360: guesses at once, and the owner at another address)
for i in 1 2 3 4 5; do login x li "wrong-$i-pass"; done
code fifth-failure-locks 429
login x li "$PWL"
code locked-even-with-password 429
has locked-message "$BODY" "账户已暂时锁定，请 15 分钟后再试"
nohdr locked-no-session Set-Cookie "hd_session="
for i in 1 2 3 4 5; do login x nosuchname "wrong-$i-pass"; done
login x nosuchname "whatever-pass"
code unknown-locked-too 429
has unknown-locked-same-message "$BODY" "账户已暂时锁定，请 15 分钟后再试"
req r GET /admin/
code locked-name-keeps-live-session 200
stop "$SPID"

# a lock lasts HD_LOGIN_LOCK seconds (15 minutes in production); time
# moves on by the test clock (clock_add), not by waiting
serve lock HD_LOGIN_LOCK=5 HONGDANG_TEST_CLOCK="$CLOCK"
for i in 1 2 3 4 5; do login x chen "wrong-$i-pass"; done
login x chen chen-pass-99
code short-lock-locked 429
has short-lock-message "$BODY" "请 1 分钟后再试"
clock_add 6
login x chen chen-pass-99
code lock-expires 303
stop "$SPID"

# idle expiry (HD_SESSION_IDLE seconds; 30 minutes in production)
# The test clock runs ahead of the real one, so each step leaves room
# for a slow machine's real seconds (a loaded one took 4 s a request).
serve idle HD_SESSION_IDLE=40 HONGDANG_TEST_CLOCK="$CLOCK"
login i chen chen-pass-99
code idle-login 303
for i in 1 2 3 4 5 6; do      # 60 s in all, longer than the idle limit
	clock_add 10
	req i GET /admin/
done
code idle-activity-keeps-session 200
clock_add 45
req i GET /admin/
code idle-expired 303
hdr idle-expired-to-login Location /admin/login
hdr idle-expired-clears-cookie Set-Cookie "Max-Age=0"
stop "$SPID"

# absolute expiry (HD_SESSION_MAX seconds; 12 hours in production)
serve max HD_SESSION_MAX=60 HONGDANG_TEST_CLOCK="$CLOCK"
login x chen chen-pass-99
for i in 1 2 3; do
	clock_add 10
	req x GET /admin/
done
code max-still-alive 200
clock_add 40    # past 60 s from the login, not 60 s from the last request
req x GET /admin/
code max-expired 303
stop "$SPID"

# behind a TLS proxy the cookie is Secure
serve tls HD_COOKIE_SECURE=1
login x chen chen-pass-99
hdr secure-cookie Set-Cookie "Secure"
stop "$SPID"

# the log names accounts and logins, never a password
hd audit --type login --json
jq_is audit-logins "sorted(set(e['agent'] for e in d['events']))" "['web:chen', 'web:li', 'web:root1', 'web:zhang']"
hd audit --type account --json
jq_is audit-accounts "[e['detail'] for e in d['events']][0]" '{"action":"add","user":"root1","role":"admin"}'
for p in "$PWA" "$PWZ" "$PWL" wang-pass-123 zhang-new-pass-1 chen-pass-99 Sekrit-In-Argv; do
	if cat "$D"/hongdang.db* | grep -qaF -- "$p"; then
		fail "no-password-in-db-$p" "found"
	else
		pass "no-password-in-db-$p"
	fi
done
for f in "$T"/*.err; do
	lacks "no-password-in-log-$(basename "$f")" "$f" "$PWZ"
done
hd verify
status verify-after 0

# the per-address limit (20 failures): logging in to one's own account
# forgives only that account's mistypes, not guesses at other names
sql "DELETE FROM login_attempts"
serve spray
for n in s1 s2 s3 s4; do
	for i in 1 2 3 4; do login x "$n" "wrong-$i-pass"; done
done
code spray-no-name-locked 422
login x chen chen-pass-99
code spray-own-login 303
for i in 1 2 3 4; do login x s5 "wrong-$i-pass"; done
login x s6 "wrong-pass-6"
code spray-address-locked 429
stop "$SPID"

# behind a trusted TLS proxy: limits count the address it forwards for,
# so one guesser cannot lock out everyone behind the proxy; https makes
# the cookie Secure (plain http from another machine is refused: t0340).
# Without --trusted-proxy the header is not believed.
sql "DELETE FROM login_attempts"
port=$(free_port)
"$HONGDANG" -d "$D" serve --listen "127.0.0.1:$port" --templates \
	"$HD_TOP/templates" --trusted-proxy 127.0.0.1 2>"$T/proxy.err" &
SPID=$!; SNAME=proxy; PIDS="$PIDS $SPID"
B="http://127.0.0.1:$port"
for _ in $(seq 100); do
	curl -s -o /dev/null --max-time 1 "$B/favicon.ico" && break
	sleep 0.1
done
# plogin JAR USER PASSWORD XFF [PROTO (default https)]
plogin() {
	local tok
	rm -f "$T/jar.$1"
	req "$1" GET /admin/login -H "X-Forwarded-For: $4" \
		-H "X-Forwarded-Proto: ${5:-https}"
	tok=$(form_csrf)
	req "$1" POST /admin/login -H "X-Forwarded-For: $4" \
		-H "X-Forwarded-Proto: ${5:-https}" --data-urlencode "csrf=$tok" \
		--data-urlencode "user=$2" --data-urlencode "password=$3"
}
for n in p1 p2 p3 p4 p5; do
	for i in 1 2 3 4; do plogin x "$n" "wrong-$i-pass" 10.0.0.66; done
done
plogin x p6 wrong-pass 10.0.0.66
code proxy-guesser-locked 429
plogin y chen chen-pass-99 '6.6.6.6, 10.0.0.7' https
code proxy-others-not-locked 303
hdr proxy-https-secure Set-Cookie 'Secure'
ok proxy-counts-forwarded test "$(sql "SELECT count(*) FROM login_attempts
	WHERE remote = '10.0.0.66'")" -ge 20
ok proxy-last-address test "$(sql "SELECT remote FROM login_attempts
	WHERE name = 'chen' ORDER BY id DESC LIMIT 1")" = 10.0.0.7
# a forged or malformed X-Forwarded-For is not an address: the proxy's own
plogin y chen chen-pass-99 '<script>,x' https
code proxy-bad-forwarded-login 303
ok proxy-bad-forwarded-ignored test "$(sql "SELECT remote FROM
	login_attempts WHERE name = 'chen' ORDER BY id DESC LIMIT 1")" = 127.0.0.1
stop "$SPID"
serve noproxy
plogin z chen chen-pass-99 10.0.0.8 https
code noproxy-login 303
nohdr noproxy-not-secure Set-Cookie 'Secure'
ok noproxy-header-ignored test "$(sql "SELECT remote FROM login_attempts
	WHERE name = 'chen' ORDER BY id DESC LIMIT 1")" = 127.0.0.1
stop "$SPID"
hd serve --trusted-proxy not-an-address
status proxy-bad-address 2
has proxy-bad-why "$ERR" "--trusted-proxy 'not-an-address'"
