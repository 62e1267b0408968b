# The exhibit's screens in headless Chromium (Debian's chromium driven by
# playwright-core from tests/browser/): home, corridor, reading corner,
# demonstrations, search (hits and none), a record, study list, bookings,
# the 404 page and the kiosk home, at 1920x1080 and 1080x1920 (and home,
# search and a record on a 390x844 phone); the admin pages (login, the
# page refusing a login over plain HTTP from another machine, home,
# review queue, a record, consultation, storage room, audit, accounts)
# at a desk's 1366x768, logged in through the form.  Each page: no console errors,
# page errors or failed requests; axe-core finds nothing serious or
# critical; lang zh-CN; alt text; headings from h1; touch targets of 48 px;
# no sideways scrolling.  Then the study list, a demonstration's next step
# and the kiosk's idle countdown, return home and attract loop.
# Screenshots: $HD_BUILD/screenshots/<viewport>-<page>.png.
. "$HD_TOP/tests/lib.sh"

BR="$HD_TOP/tests/browser"
CHROMIUM=${HD_CHROMIUM:-/usr/bin/chromium}
SHOTS="$HD_BUILD/screenshots"
SAMPLE="$HD_BUILD/sample"

# Missing tools are a failure, not a skip: the issue asks for these checks.
if ! command -v node >/dev/null 2>&1; then
	fail browser-node "node is not installed (make deps installs nodejs and npm)"
	exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
if [ "${major:-0}" -lt 18 ]; then
	fail browser-node "node $(node --version 2>&1) is too old; playwright-core needs 18 or later"
	exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
	fail browser-chromium "no $CHROMIUM: install Debian's chromium (make deps)"
	exit 1
fi
if [ ! -f "$SAMPLE/目录.csv" ]; then
	fail browser-sample "no sample collection in $SAMPLE (make sample)"
	exit 1
fi

# npm packages, pinned by tests/browser/package-lock.json; installed once
# (npm ci needs the registry only when they are missing or stale).
deps_ok() {
	(cd "$BR" && node -e '
const want = require("./package.json").dependencies;
for (const [n, v] of Object.entries(want)) {
  let got = null;
  try { got = require("./node_modules/" + n + "/package.json").version; } catch (e) {}
  if (got !== v) process.exit(1);
}' 2>/dev/null)
}
if ! deps_ok; then
	if ! command -v npm >/dev/null 2>&1; then
		fail browser-npm "npm is not installed and $BR/node_modules is missing"
		exit 1
	fi
	if ! (cd "$BR" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1 || ! deps_ok; then
		fail browser-npm "npm ci in tests/browser failed: $(tail -5 "$T/npm.log" | tr '\n' ' ')"
		exit 1
	fi
fi
# what the checks need, looked at again after any install
tools_ok() {
	command -v node >/dev/null 2>&1 && [ -x "$CHROMIUM" ] &&
		[ "$(node -p 'process.versions.node.split(".")[0]' \
			2>/dev/null)" -ge 18 ] && deps_ok
}
ok browser-tools tools_ok

# A fresh archive with the sample collection.
new_archive
hd ingest --approve --sheet "$SAMPLE/目录.csv" "$SAMPLE"
status browser-ingest-sample 0
# for the admin pages: an account, a record waiting for review, a
# consultation request and a week of storage-room readings
printf 'Admin-Browser-2026\n' >"$T/pw"
hd user add admin1 --role admin --password-file "$T/pw"
status browser-admin-account 0
mkdir -p "$T/pending"
printf '社区志愿服务队活动记录：清理楼道、看望独居老人。\n' >"$T/pending/志愿服务记录.txt"
hd ingest --access public --class SQ "$T/pending"
status browser-pending 0
RS=$(sqlite3 "$D/hongdang.db" "SELECT ref FROM records WHERE access = 'restricted' LIMIT 1")
hd consult request --person 李研究员 --org 区档案馆 --purpose research \
	--kind view --days 7 "$RS"
status browser-consult-request 0
for i in 6 5 4 3 2 1 0; do
	hd storage log --temp "$((18 + i % 3)).5" --rh "$((50 + i))" \
		--at "$(date -u -d "-$i day" +%Y-%m-%dT09:00:00Z)"
done
hd storage log --temp 26 --rh 63
status browser-storage 0

# start NAME ARGS...: a server on a free port; sets PORT and PID.
start() {
	local name=$1
	shift
	if ! server_start "$name" --templates "$HD_TOP/templates" "$@"; then
		fail "browser-$name-starts" "no answer on port $PORT: $(head -c 400 "$T/$name.err")"
		exit 1
	fi
	PID=$SPID
}
start main
MAIN_PORT=$PORT MAIN_PID=$PID
# the kiosk checks: "还在浏览吗？" after 5 s, attract loop after 10 s
start idle --idle 5 --attract 10
IDLE_PORT=$PORT IDLE_PID=$PID
# the admin login from another machine over plain HTTP: a request through
# the trusted proxy (127.0.0.1) naming a client elsewhere
start proxy --trusted-proxy 127.0.0.1
PROXY_PORT=$PORT PROXY_PID=$PID

rm -rf "$SHOTS"
mkdir -p "$SHOTS"
HD_URL="http://127.0.0.1:$MAIN_PORT" HD_IDLE_URL="http://127.0.0.1:$IDLE_PORT" \
HD_PROXY_URL="http://127.0.0.1:$PROXY_PORT" \
HD_SHOTS="$SHOTS" HD_CHROMIUM="$CHROMIUM" \
HD_ADMIN_USER=admin1 HD_ADMIN_PASS=Admin-Browser-2026 \
	timeout 600 node "$BR/screens.mjs" >"$T/node.out" 2>"$T/node.err"
rc=$?
cat "$T/node.out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T/node.out"; then
	fail browser-script "node exited $rc: $(grep -v 'unexpected operator' "$T/node.err" | tail -5 | tr '\n' ' ')"
elif ! grep -q '^PASS ' "$T/node.out"; then
	fail browser-script \
		"node checked nothing: $(tail -5 "$T/node.err" | tr '\n' ' ')"
fi

# Both servers stop cleanly on SIGTERM, and answered no request with a 5xx
# or a sanitizer report while the browser was at work.
for name in main idle proxy; do
	case $name in
	main) p=$MAIN_PID ;;
	idle) p=$IDLE_PID ;;
	*) p=$PROXY_PID ;;
	esac
	kill "$p" 2>/dev/null
	wait "$p"
	src=$?
	PIDS=$(echo " $PIDS " | sed "s/ $p / /")
	if [ "$src" -eq 0 ]; then pass "browser-$name-server-stops"; else
		fail "browser-$name-server-stops" "exit $src: $(tail -c 400 "$T/$name.err")"
	fi
	if grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$T/$name.err"; then
		fail "browser-$name-server-sanitizer" "$(grep -m3 -E 'Sanitizer|runtime error' "$T/$name.err")"
	elif grep -q '" 5[0-9][0-9] ' "$T/$name.err"; then
		fail "browser-$name-server-5xx" "$(grep -m3 '" 5[0-9][0-9] ' "$T/$name.err")"
	else
		pass "browser-$name-server-log-clean"
	fi
done
