# tests/browser/lib.sh - what the browser cases (t0400, t0420) need before
# they start Chromium, sourced after tests/lib.sh: node 18 or later,
# Debian's chromium, the sample collection and the npm packages pinned by
# tests/browser/package-lock.json (installed once by npm ci, under a lock:
# the two cases may start at the same time).  Missing tools are a failure,
# not a skip: the issue asks for these checks.  Sets BR, CHROMIUM,
# SHOTS and SAMPLE; exits the case after a FAIL line when something is
# missing.
BR="$HD_TOP/tests/browser"
CHROMIUM=${HD_CHROMIUM:-/usr/bin/chromium}
SHOTS="$HD_BUILD/screenshots"
SAMPLE="$HD_BUILD/sample"

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

# deps_ok: the npm packages are there at the versions pinned.
deps_ok() {
	(cd "$BR" && node -e '
const want = require("./package.json").dependencies;
for (const [n, v] of Object.entries(want)) {
  let got = null;
  try { got = require("./node_modules/" + n + "/package.json").version; } catch (e) {}
  if (got !== v) process.exit(1);
}' 2>/dev/null)
}
# npm_install: npm ci unless another case did it meanwhile.
npm_install() {
	deps_ok && return 0
	command -v npm >/dev/null 2>&1 || return 2
	(cd "$BR" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1 && deps_ok
}
if ! deps_ok; then
	if ! command -v npm >/dev/null 2>&1; then
		fail browser-npm "npm is not installed and $BR/node_modules is missing"
		exit 1
	fi
	(flock 9 && npm_install) 9>"$HD_BUILD/npm.lock"
	if ! deps_ok; then
		fail browser-npm "npm ci in tests/browser failed: $(tail -5 "$T/npm.log" 2>/dev/null | tr '\n' ' ')"
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
