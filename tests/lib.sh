# tests/lib.sh - helpers for the shell test cases (sourced).
#
# A case makes a fresh data folder, runs the hongdang binary as a user
# would, and checks stdout, stderr, exit status and files on disk.  Each
# check prints "PASS name" or "FAIL name: why".
set -u
: "${HONGDANG:?run through tests/run.sh}"
T=$(mktemp -d "${TMPDIR:-/tmp}/hdtest.XXXXXX")
D="$T/archive"          # the data folder of this case
OUT="$T/out"            # stdout of the last run
ERR="$T/err"            # stderr of the last run
RC=0                    # exit status of the last run

# hd ARGS...: run hongdang on $D, keeping stdout, stderr and status.
hd() {
	"$HONGDANG" -d "$D" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	return 0
}
# hd_in DIR ARGS...: the same on another data folder.
hd_in() {
	local dir=$1; shift
	"$HONGDANG" -d "$dir" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	return 0
}
# The test clock (HONGDANG_TEST_CLOCK in hongdang.1): a server started
# with HONGDANG_TEST_CLOCK="$CLOCK" counts time ahead of the real clock by
# the seconds in $CLOCK.
CLOCK="$T/clock"
# clock_add S: move the test clock on by S seconds (the file is replaced
# whole, so a server never reads it half-written).
clock_add() {
	local now=0
	[ -f "$CLOCK" ] && now=$(cat "$CLOCK")
	echo $((now + $1)) >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"
}

# Debian's python3 starts in 50 ms; a version manager's shim can take 1 s.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# Servers: every one a case starts is in $PIDS, and is stopped and waited
# for when the case ends, before its folder goes.
PIDS=""
stop_servers() {
	local p
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	# a case's own clean-up (cleanup_case), once its servers stopped
	if declare -F cleanup_case >/dev/null; then
		cleanup_case
	fi
	rm -rf "$T"
}
trap stop_servers EXIT
# free_port: a TCP port of 127.0.0.1 that is free at this moment.
free_port() {
	$PY -c 'import socket; s=socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# server_start NAME [VAR=VALUE...] [ARGS...]: "hongdang serve ARGS" on $D
# at a free port of $SERVE_HOST (default 127.0.0.1), with the environment
# VAR=VALUE and its stderr in $T/NAME.err, then wait (10 s at most) until
# it answers.  Sets PORT, SPID (its pid, added to $PIDS) and URL
# (http://HOST:PORT, https:// when ARGS have --tls-cert).  Returns 1 when
# it never answered.
server_start() {
	local name=$1 host=${SERVE_HOST:-127.0.0.1} scheme=http i
	local env=()
	shift
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do
		env+=("$1")
		shift
	done
	[[ " $* " == *" --tls-cert "* ]] && scheme=https
	PORT=$(free_port)
	env "${env[@]}" "$HONGDANG" -d "$D" serve --listen "$host:$PORT" \
		"$@" 2>"$T/$name.err" &
	SPID=$!
	PIDS="$PIDS $SPID"
	URL="$scheme://$host:$PORT"
	for i in $(seq 100); do
		# -k: only whether it answers (the certificate is the case's)
		curl -s -k -o /dev/null --max-time 1 "$URL/favicon.ico" &&
			return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# ok NAME COND...: PASS when the command succeeds.
ok() {
	local name=$1; shift
	if "$@"; then pass "$name"; else
		fail "$name" "'$*' failed; rc=$RC; stderr: $(head -c 400 "$ERR" 2>/dev/null)"
	fi
}
# status NAME N: the last run exited with N.
status() {
	if [ "$RC" -eq "$2" ]; then pass "$1"; else
		fail "$1" "exit $RC, expected $2; stderr: $(head -c 400 "$ERR")"
	fi
}
# has NAME FILE TEXT: FILE contains TEXT (fixed string).
has() {
	if grep -qF -- "$3" "$2"; then pass "$1"; else
		fail "$1" "'$3' not in $(basename "$2"): $(head -c 400 "$2")"
	fi
}
# lacks NAME FILE TEXT: FILE (which must be there) does not contain TEXT.
lacks() {
	if [ ! -f "$2" ]; then
		fail "$1" "no $(basename "$2") to look in"
	elif grep -qF -- "$3" "$2"; then
		fail "$1" "'$3' unexpectedly in $(basename "$2")"
	else pass "$1"; fi
}
# jq_is NAME EXPR VALUE: python-evaluated EXPR on the JSON in $OUT.
jq_is() {
	local got
	got=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$OUT" "$2" 2>&1)
	if [ "$got" = "$3" ]; then pass "$1"; else
		fail "$1" "$2 is '$got', expected '$3'"
	fi
}
# retry_after NAME HEADERS LO HI: the response headers in the file
# HEADERS have one Retry-After, of LO to HI seconds.
retry_after() {
	local v n
	n=$(grep -ci '^Retry-After:' "$2")
	v=$(grep -i '^Retry-After:' "$2" | head -1 | tr -d '\r' |
		sed 's/^[^:]*: *//')
	if [ "$n" = 1 ] && [ "$v" -ge "$3" ] 2>/dev/null && [ "$v" -le "$4" ]; then
		pass "$1"
	else
		fail "$1" "$n Retry-After, '$v', wanted $3..$4 s"
	fi
}
# new_archive [ARGS]: init a fresh archive in $D.
new_archive() {
	rm -rf "$D"
	"$HONGDANG" -d "$D" init --fonds QF01 --name '前锋社区档案室' "$@" \
		>/dev/null 2>"$ERR" || { fail init "$(cat "$ERR")"; exit 1; }
}
# need_sample: S is the sample collection (make sample); without it the
# case fails saying so and stops.
need_sample() {
	S="$HD_BUILD/sample"
	[ -d "$S" ] || { fail sample "build the sample first (make sample)"; exit 1; }
}
# snapshot NAME: fingerprint of everything stored (db content + objects),
# for "nothing stored before changed" checks.
snapshot() {
	{
		sqlite3 "$D/hongdang.db" \
		  "SELECT ref,title,status,access FROM records ORDER BY id;
		   SELECT count(*) FROM files; SELECT count(*) FROM objects;
		   SELECT id,type,hash FROM events ORDER BY id;" 2>&1
		(cd "$D" && find objects -type f | sort | xargs -r sha256sum)
	} | sha256sum | cut -c1-64 >"$T/snap.$1"
}
# unchanged NAME: the archive equals snapshot NAME.
unchanged() {
	local before now
	before=$(cat "$T/snap.$1")
	snapshot __now
	now=$(cat "$T/snap.__now")
	if [ "$before" = "$now" ]; then pass "$1-unchanged"; else
		fail "$1-unchanged" "the archive changed"
	fi
}
# chain_state: the count of events, the chain's head, the objects
# catalogued and on disk and the records of $D, on one line: what the
# demonstrations must leave as it was.
chain_state() {
	sqlite3 "$D/hongdang.db" "SELECT count(*) FROM events;
		SELECT value FROM meta WHERE key = 'event_head_hash';
		SELECT count(*) FROM objects; SELECT count(*) FROM records;" |
		tr '\n' ' '
	find "$D/objects" -type f | wc -l
}
# oai_valid NAME FILE...: every FILE is an OAI-PMH 2.0 response that the
# official schemas accept, oai_dc metadata included (tests/data/oai,
# whose catalog keeps xmllint off the network).  One PASS or FAIL.
oai_valid() {
	local name=$1 dir="$HD_TOP/tests/data/oai"
	shift
	if XML_CATALOG_FILES="$dir/catalog.xml" xmllint --nonet --noout \
	    --schema "$dir/harvest.xsd" "$@" >"$T/xsd.out" 2>&1; then
		pass "$name-schema"
	else
		fail "$name-schema" "$(grep -v ' validates$' "$T/xsd.out" | head -c 400)"
	fi
}
