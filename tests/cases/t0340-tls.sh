# HTTPS: serve --tls-cert/--tls-key with certificates made here by openssl
# as the README says (a small local CA, and one self-signed certificate);
# pages and a staff login over TLS checked with curl --cacert, the
# session cookie Secure; TLS 1.1 and plain HTTP on the TLS port refused.
# Bad certificate and key files: each one line naming the file, a
# non-zero exit, nothing listening and nothing run on the archive.  Then
# "another machine": a client in a network namespace made here (a veth
# pair with 10.x addresses of its own, removed at the end), for which a
# staff login over plain HTTP is refused with the HTTPS page and a 403
# (nothing checked, nothing stored) while the same login over TLS, or
# through a trusted proxy saying https, works; loopback still logs in
# over plain HTTP.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
PW='Zhang-Pass-2026'
account zhang archivist "$PW"
printf '社区夜校开学典礼的通知。\n' >"$T/夜校通知.txt"
hd ingest --approve --access public "$T/夜校通知.txt"
status ingest-one 0
REF=$(sql "SELECT ref FROM records LIMIT 1")

# ------------------------------------------------------- the network
# The namespace and its addresses first: the server certificate names
# the host end.  A /30 of 10.200-249.x.0 not already on this machine.
NS="hdt$$"
VH="hdt$$h"
VN="hdt$$n"
NET=""
net_down() {
	ip netns del "$NS" 2>/dev/null
	ip link del "$VH" 2>/dev/null
}
# stop the servers (they may listen on the veth address), then the
# network, then the folder
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=""; net_down; stop_servers' EXIT
net_up() {
	local a=$((200 + $$ % 50)) b=$(($$ / 50 % 256)) i
	for i in 0 1 2 3 4 5 6 7; do
		if ! ip -o -4 addr show 2>/dev/null |
		    grep -q " 10\.$a\.$(((b + i) % 256))\."; then
			NET="10.$a.$(((b + i) % 256))"
			break
		fi
	done
	[ -n "$NET" ] &&
	ip netns add "$NS" &&
	ip link add "$VH" type veth peer name "$VN" &&
	ip link set "$VN" netns "$NS" &&
	ip addr add "$NET.1/30" dev "$VH" &&
	ip link set "$VH" up &&
	ip netns exec "$NS" ip addr add "$NET.2/30" dev "$VN" &&
	ip netns exec "$NS" ip link set "$VN" up &&
	ip netns exec "$NS" ip link set lo up
}
NETNS=1
if ! net_up >"$T/netns.err" 2>&1; then
	NETNS=0
	net_down
	echo "SKIP t0340-netns: no network namespace can be made here" \
		"($(head -c 200 "$T/netns.err" | tr '\n' ' ')); the checks" \
		"from another machine did not run"
	NET=10.255.255
fi

# ------------------------------------------------------- certificates
# The README's small local CA: a root, and a server certificate it signs
# for the server's addresses.
C="$T/certs"
mkdir -p "$C"
(
	cd "$C" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-days 3650 -subj "/CN=Qianfeng Archive Room Local CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout ca.key -out ca.pem &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=hongdang" -keyout key.pem -out server.csr &&
	printf '%s\n' "subjectAltName=IP:$NET.1,IP:127.0.0.1,DNS:localhost" \
		'basicConstraints=CA:FALSE' \
		'keyUsage=critical,digitalSignature' \
		'extendedKeyUsage=serverAuth' >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 1825 -extfile server.ext -out cert.pem &&
	# the README's one self-signed certificate
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-days 3650 -subj "/CN=hongdang" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout self.key -out self.pem
) >"$T/openssl.log" 2>&1
ok certs-made test -s "$C/cert.pem" -a -s "$C/key.pem" -a -s "$C/self.pem"
REQ_CA="$C/ca.pem"

# ---------------------------------------------------- HTTPS on loopback
if ! server_start tls --templates "$HD_TOP/templates" \
    --tls-cert "$C/cert.pem" --tls-key "$C/key.pem"; then
	fail tls-starts "no answer: $(cat "$T/tls.err")"
	exit 1
fi
B=$URL
TLS_PID=$SPID
SNAME=tls
has tls-start-line "$T/tls.err" "红档展示服务已启动：https://127.0.0.1:$PORT/"
req - GET /
code tls-home 200
has tls-home-page "$BODY" "前锋社区档案室"
hdr tls-home-csp Content-Security-Policy "default-src 'self'"
# the certificate is the one given: curl trusts it only through ca.pem
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$B/" 2>&1)
ok tls-untrusted-without-ca test "$CODE" = 000
# plain HTTP on the TLS port gets no HTTP answer
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	"http://127.0.0.1:$PORT/")
ok tls-port-no-plain-http test "$CODE" = 000
# TLS 1.2 and 1.3 only (GnuTLS's NORMAL would take 1.1)
tls_version() {
	timeout 10 openssl s_client -connect "127.0.0.1:$PORT" "-$1" \
		-cipher 'DEFAULT@SECLEVEL=0' -CAfile "$C/ca.pem" \
		</dev/null >"$T/s_client.$1" 2>&1
}
ok tls-1.3 tls_version tls1_3
ok tls-1.2 tls_version tls1_2
ok tls-1.1-refused eval '! tls_version tls1_1'
# the QR code of a record links over https
req - GET "/record/$(dot "$REF")"
code tls-record 200
has tls-qr-https "$BODY" "https://127.0.0.1:$PORT/record/"
# a staff login over TLS: the form, the session, both cookies Secure
req zt GET /admin/login
code tls-login-form 200
hdr tls-login-cookie-secure Set-Cookie "Secure"
login zt zhang "$PW"
code tls-login 303
hdr tls-session-cookie Set-Cookie "hd_session="
hdr tls-session-secure Set-Cookie "Secure"
req zt GET /admin/
code tls-admin-home 200
has tls-admin-user "$BODY" "zhang"
# silent TCP connections waiting for their handshake cost no CPU (with
# libmicrohttpd's epoll loop each one spun a worker until cut off)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$TLS_PID/stat"; }
t0=$(cpu_ticks)
$PY -c 'import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
     for _ in range(8)]
time.sleep(2)' "$PORT"
spent=$(( ($(cpu_ticks) - t0) * 1000 / $(getconf CLK_TCK) ))
ok tls-silent-handshakes-idle test "$spent" -lt 300
stop "$TLS_PID"
# the self-signed certificate serves as well
if server_start self --templates "$HD_TOP/templates" \
    --tls-cert "$C/self.pem" --tls-key "$C/self.key"; then
	SNAME=self
	CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
		--cacert "$C/self.pem" "$URL/")
	ok self-signed-home test "$CODE" = 200
	stop "$SPID"
else
	fail self-signed-starts "$(cat "$T/self.err")"
fi

# ---------------------------------------------- plain HTTP on loopback
REQ_CA=""
serve plain
login zp zhang "$PW"
code loopback-plain-login 303
nohdr loopback-plain-not-secure Set-Cookie "Secure"
stop "$SPID"

# ---------------------------------------------------- bad files
openssl x509 -in "$C/cert.pem" -outform DER -out "$C/cert.der"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$C/other.key" 2>/dev/null
openssl pkey -in "$C/key.pem" -aes256 -passout pass:secret-words \
	-out "$C/locked.key"
printf 'not a certificate\n' >"$C/junk.pem"
: >"$C/empty.pem"
mkdir -p "$C/folder.pem"
snapshot bad-files
# bad NAME STATUS TEXT ARGS...: serve with ARGS exits STATUS before it
# listens, with one line on stderr holding TEXT
bad() {
	local name=$1 want=$2 text=$3 port
	shift 3
	port=$(free_port)
	timeout 20 "$HONGDANG" -d "$D" serve --listen "127.0.0.1:$port" \
		--templates "$HD_TOP/templates" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	status "bad-$name-exit" "$want"
	has "bad-$name-message" "$ERR" "$text"
	if [ "$want" -ne 2 ]; then
		ok "bad-$name-one-line" test "$(wc -l <"$ERR")" -eq 1
	fi
	lacks "bad-$name-not-started" "$ERR" "已启动"
	if curl -s -k -o /dev/null --max-time 2 "https://127.0.0.1:$port/"
	then
		fail "bad-$name-not-listening" "port $port answered"
	else
		pass "bad-$name-not-listening"
	fi
}
bad cert-alone 2 "give --tls-cert and --tls-key together" \
	--tls-cert "$C/cert.pem"
bad key-alone 2 "give --tls-cert and --tls-key together" \
	--tls-key "$C/key.pem"
bad missing 1 "$C/nosuch.pem: cannot read the certificate: No such file" \
	--tls-cert "$C/nosuch.pem" --tls-key "$C/key.pem"
bad unreadable 1 "$C/folder.pem: cannot read the certificate" \
	--tls-cert "$C/folder.pem" --tls-key "$C/key.pem"
if [ "$(id -u)" -ne 0 ]; then
	# root reads any file: only another account can see this one
	cp "$C/key.pem" "$C/closed.key"
	chmod 000 "$C/closed.key"
	bad no-permission 1 "$C/closed.key: cannot read the private key" \
		--tls-cert "$C/cert.pem" --tls-key "$C/closed.key"
fi
bad missing-key 1 "$C/nokey.pem: cannot read the private key" \
	--tls-cert "$C/cert.pem" --tls-key "$C/nokey.pem"
bad empty 1 "$C/empty.pem: the certificate file is empty" \
	--tls-cert "$C/empty.pem" --tls-key "$C/key.pem"
bad der 1 "$C/cert.der: not a PEM certificate" \
	--tls-cert "$C/cert.der" --tls-key "$C/key.pem"
bad junk 1 "$C/junk.pem: not a PEM certificate" \
	--tls-cert "$C/junk.pem" --tls-key "$C/key.pem"
bad junk-key 1 "$C/junk.pem: not a PEM private key" \
	--tls-cert "$C/cert.pem" --tls-key "$C/junk.pem"
bad swapped 1 "$C/key.pem: a private key, not a certificate" \
	--tls-cert "$C/key.pem" --tls-key "$C/cert.pem"
bad cert-as-key 1 "$C/cert.pem: a certificate, not a private key" \
	--tls-cert "$C/cert.pem" --tls-key "$C/cert.pem"
bad mismatch 1 \
	"$C/other.key: the key does not belong to the certificate in $C/cert.pem" \
	--tls-cert "$C/cert.pem" --tls-key "$C/other.key"
bad passphrase 1 "$C/locked.key: the key has a passphrase" \
	--tls-cert "$C/cert.pem" --tls-key "$C/locked.key"
# nothing ran on the archive (a server that starts audits and logs)
unchanged bad-files

# ------------------------------------------------- another machine
if [ "$NETNS" -eq 1 ]; then
	SERVE_HOST="$NET.1"
	REQ_NS="$NS"
	sessions() { sql "SELECT count(*) FROM sessions"; }
	attempts() { sql "SELECT count(*) FROM login_attempts"; }

	# plain HTTP: the public pages, but no staff login
	serve far-plain
	FAR_PID=$SPID
	req - GET /
	code far-plain-home 200
	s0=$(sessions) a0=$(attempts)
	req fp GET /admin/login
	code far-plain-login-page 403
	has far-plain-page-title "$BODY" "请通过加密连接（HTTPS）登录"
	has far-plain-page-how "$BODY" "--tls-cert"
	lacks far-plain-no-form "$BODY" 'name="password"'
	nohdr far-plain-no-cookie Set-Cookie "hd_"
	hdr far-plain-no-store Cache-Control "no-store"
	# the POST with the right password and a token of its own cookie
	tok=$(printf 'a%.0s' $(seq 64))
	req - POST /admin/login -b "hd_login=$tok" \
		--data-urlencode "csrf=$tok" --data-urlencode "user=zhang" \
		--data-urlencode "password=$PW"
	code far-plain-login-refused 403
	has far-plain-post-page "$BODY" "请通过加密连接（HTTPS）登录"
	nohdr far-plain-post-no-session Set-Cookie "hd_session"
	ok far-plain-no-session test "$(sessions)" -eq "$s0"
	ok far-plain-no-attempt test "$(attempts)" -eq "$a0"
	stop "$FAR_PID"
	# the access log names the client as the other machine
	ok far-plain-logged-remote grep -qF "Z $NET.2 \"POST /admin/login\" 403" \
		"$T/far-plain.err"

	# the same login over TLS from the same machine works
	REQ_CA="$C/ca.pem"
	serve far-tls --tls-cert "$C/cert.pem" --tls-key "$C/key.pem"
	FAR_PID=$SPID
	login ft zhang "$PW"
	code far-tls-login 303
	hdr far-tls-secure Set-Cookie "Secure"
	ok far-tls-session test "$(sessions)" -eq "$((s0 + 1))"
	req ft GET /admin/
	code far-tls-admin-home 200
	has far-tls-admin-user "$BODY" "zhang"
	stop "$FAR_PID"

	# a trusted TLS proxy at the namespace's address: its https is
	# believed, its plain http is not enough, and nobody else's header
	# counts
	REQ_CA=""
	serve far-proxy --trusted-proxy "$NET.2"
	FAR_PID=$SPID
	req - GET /admin/login -H "X-Forwarded-For: 192.0.2.7" \
		-H "X-Forwarded-Proto: https"
	code proxy-https-form 200
	tok=$(form_csrf)
	# the form's cookie is Secure: curl keeps it from plain http to a
	# 10.x address (a browser talks https to the proxy), so send it here
	ck=$(grep -i '^Set-Cookie: hd_login=' "$H" | sed 's/.*hd_login=//; s/;.*//')
	req - POST /admin/login -H "X-Forwarded-For: 192.0.2.7" \
		-H "X-Forwarded-Proto: https" -b "hd_login=$ck" \
		--data-urlencode "csrf=$tok" \
		--data-urlencode "user=zhang" --data-urlencode "password=$PW"
	code proxy-https-login 303
	hdr proxy-https-secure Set-Cookie "Secure"
	req fy GET /admin/login -H "X-Forwarded-For: 192.0.2.7" \
		-H "X-Forwarded-Proto: http"
	code proxy-http-refused 403
	# from the host end (not the proxy) the header is not believed
	REQ_NS=""
	req fz GET /admin/login -H "X-Forwarded-Proto: https"
	code not-proxy-https-refused 403
	stop "$FAR_PID"
	SERVE_HOST=""
	REQ_NS=""
fi

# the namespace goes with the case
trap - EXIT
for p in $PIDS; do kill "$p" 2>/dev/null; done
for p in $PIDS; do wait "$p" 2>/dev/null; done
PIDS=""
net_down
# no server (or refused start) met a sanitizer report
if grep -lE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' \
    "$T"/*.err "$ERR" >"$T/san" 2>/dev/null; then
	fail servers-sanitizer-clean "reports in $(tr '\n' ' ' <"$T/san")"
else
	pass servers-sanitizer-clean
fi
if [ "$NETNS" -eq 1 ]; then
	if ip netns list | grep -qw "$NS" || ip link show "$VH" >/dev/null 2>&1
	then
		fail netns-removed "$NS or $VH is still there"
	else
		pass netns-removed
	fi
fi
stop_servers
