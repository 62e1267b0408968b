# Staff logins against guessing, as an outside probe tried it: the
# limits are read and the attempt counted in one step before the
# password is verified, so 16 guesses at once after four failures verify
# one more password, not 16, and the right password is refused while
# locked; five failures from one address lock that address out of the
# account and slow the account for everyone a few seconds, but its owner
# logs in from another address.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive

account zhang archivist 'zhang-secret-77'
account li reviewer 'li-reviews-88'
account wang admin 'wang-admin-99'
# a name slowed waits HD_LOGIN_SLOW seconds (2 in production) after its
# newest failure, twice that after the next: long enough here that a
# slow machine does not outwait it, and time moves on by the test clock
echo 0 >"$CLOCK"
serve limits HONGDANG_TEST_CLOCK="$CLOCK" HD_LOGIN_SLOW=20
# wait JAR: the seconds the page of JAR says to wait ("请 N 秒后再试")
wait_said() {
	grep -o '请 [0-9]* 秒后再试' "$T/$1.html" | grep -o '[0-9]*'
}

# form ADDR JAR: the login form fetched from ADDR into the jar JAR; its
# token in $T/JAR.tok.
form() {
	rm -f "$T/jar.$2"
	req "$2" GET /admin/login --interface "$1"
	form_csrf >"$T/$2.tok"
}
# post ADDR JAR USER PASSWORD: the form of JAR sent from ADDR; the status
# in $T/JAR.code, the page in $T/JAR.html, the headers in $T/JAR.head.
post() {
	curl -s --interface "$1" -b "$T/jar.$2" -c "$T/jar.$2" \
		-o "$T/$2.html" -D "$T/$2.head" -w '%{http_code}' \
		--max-time 60 "$B/admin/login" \
		--data-urlencode "csrf=$(cat "$T/$2.tok")" \
		--data-urlencode "user=$3" --data-urlencode "password=$4" \
		>"$T/$2.code"
}
# try ADDR JAR USER PASSWORD: form and post, one after the other.
try() { form "$1" "$2"; post "$@"; }
# is NAME JAR WANT: the post of JAR answered WANT.
is() {
	local got
	got=$(cat "$T/$2.code")
	if [ "$got" = "$3" ]; then pass "$1"; else
		fail "$1" "status $got, expected $3: $(grep -o 'role="alert">[^<]*' "$T/$2.html")"
	fi
}
# at_once USER PASSWORD ADDR...: a form fetched from each ADDR, then all
# sent at once with a wrong password; their jars are x1, x2 ...
at_once() {
	local user=$1 pw=$2 i=0 a pids=""
	shift 2
	for a in "$@"; do i=$((i + 1)); form "$a" "x$i"; done
	i=0
	for a in "$@"; do
		i=$((i + 1))
		post "$a" "x$i" "$user" "$pw-$i" &
		pids="$pids $!"
	done
	for a in $pids; do wait "$a"; done      # the curls, not the server
}
fails() { sql "SELECT count(*) FROM login_attempts WHERE name = '$1' AND ok = 0"; }
logins() { sql "SELECT count(*) FROM events WHERE type = 'login'"; }

# -------------------------------------------- 16 guesses at once, one address
at_once zhang wrong-pass 127.0.0.1 127.0.0.1 127.0.0.1 127.0.0.1
ok four-failures test "$(grep -lx 422 "$T"/x*.code | wc -l)" = 4
ok four-counted test "$(fails zhang)" = 4
for i in $(seq 16); do form 127.0.0.1 "g$i"; done
pids=""
for i in $(seq 16); do
	post 127.0.0.1 "g$i" zhang "guess-$i-pass" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done    # the curls, not the server
ok burst-at-most-five test "$(fails zhang)" -le 5
ok burst-all-refused test "$(grep -lx 429 "$T"/g*.code | wc -l)" = 16
has burst-says-locked "$T/g16.html" "账户已暂时锁定，请 15 分钟后再试"
retry_after burst-retry-after "$T/g16.head" 840 900
try 127.0.0.1 a zhang 'zhang-secret-77'
is right-password-while-locked a 429
ok right-password-no-session test "$(grep -ci 'hd_session=' "$T/a.head")" = 0
ok no-login-event test "$(logins)" = 0
ok refused-not-counted test "$(fails zhang)" -le 5

# ----------------------------------- one address locked, its owner elsewhere
for i in 1 2 3 4 5; do try 127.0.0.2 b li "wrong-$i-pass"; done
is fifth-locks-address b 429
try 127.0.0.2 b li 'li-reviews-88'
is locked-address-right-password b 429
has locked-address-says "$T/b.html" "账户已暂时锁定"
# the account is slowed for everyone: a wait of seconds, not a lock
try 127.0.0.3 c li 'li-reviews-88'
is slowed-for-everyone c 429
w=$(wait_said c)
ok slowed-says-seconds test "${w:-0}" -gt 10 -a "${w:-0}" -le 20
retry_after slowed-retry-after "$T/c.head" "${w:-1}" "${w:-1}"
clock_add 21
try 127.0.0.3 c li 'li-reviews-88'
is owner-elsewhere-logs-in c 303
ok owner-session-cookie grep -qi 'Set-Cookie: hd_session=' "$T/c.head"
ok owner-login-event test "$(logins)" = 1
# the owner's login does not unlock the guesser's address
try 127.0.0.2 b li 'li-reviews-88'
is guesser-still-locked b 429
# the lock began with the fifth failure, 21 s ago on the test clock
retry_after locked-retry-after-counts-down "$T/b.head" 820 879
has locked-says-minutes "$T/b.html" "请 15 分钟后再试"
clock_add 901
try 127.0.0.2 b li 'li-reviews-88'
is lock-ends b 303

# ----------------------------- 16 guesses at once from 16 addresses
# four failures from four addresses, then one guess each from 16 more at
# once: the wait after the fifth failure refuses the other 15 unverified
at_once wang wrong-pass 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14
ok spread-four test "$(grep -lx 422 "$T"/x*.code | wc -l)" = 4
for i in $(seq 16); do form "127.0.0.$((100 + i))" "w$i"; done
pids=""
for i in $(seq 16); do
	post "127.0.0.$((100 + i))" "w$i" wang "guess-$i-pass" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
ok spread-five-failures test "$(fails wang)" = 5
ok spread-one-verified test "$(grep -lx 422 "$T"/w*.code | wc -l)" = 1
ok spread-rest-slowed test "$(grep -lx 429 "$T"/w*.code | wc -l)" = 15
# each failure past the fifth doubles the wait
f=$(grep -lx 429 "$T"/w*.code | head -1)
w=$(wait_said "$(basename "$f" .code)")
ok spread-says-seconds test "${w:-0}" -gt 10 -a "${w:-0}" -le 20
clock_add 21
try 127.0.0.200 d wang 'guess-again-pass'
is slowed-then-tried d 422
try 127.0.0.201 d wang 'wang-admin-99'
is wait-doubles d 429
w=$(wait_said d)
ok wait-doubled test "${w:-0}" -gt 30 -a "${w:-0}" -le 40
retry_after doubled-retry-after "$T/d.head" "${w:-1}" "${w:-1}"
clock_add 41
try 127.0.0.201 d wang 'wang-admin-99'
is owner-after-wait d 303
ok no-retry-after-when-let-in test "$(grep -ci '^Retry-After:' "$T/d.head")" = 0
ok spread-six-failures test "$(fails wang)" = 6
