#!/bin/bash
# tests/bench/bench_upload.sh BUILD SRC - ingest by upload through the
# web path against the command line, for `make bench` (never a test).
#
# SRC is the mixed batch of section 1 (about 1 GB: 5,000 JPEG photos
# and 5,000 Chinese texts).  In the same run, each into a fresh data
# folder, page cache dropped before each side when the kernel lets us:
#   - the floor: cp -r SRC to the same disk + sync;
#   - `hongdang ingest --no-ocr` of SRC (pending review, as the web's);
#   - the web: `hongdang serve`, an archivist logged in through the
#     form, one `curl` multipart POST /admin/ingest of every file (the
#     form token first, ocr=off), the server's check until the preview,
#     confirm, and the ingest until the batch is done.
# Meanwhile the server's VmRSS is sampled every 0.2 s (counted from just
# before the upload), and a client asks for the home page / about 20 times a
# second on a kept-alive connection, as a kiosk and phones would: its
# latencies give p50, p99 and max.
# Reported: each phase's wall and CPU time (user + system: of cp and
# the command line with their children, of the server's threads and
# curl; on a shared machine CPU time is the steadier figure), the web
# total against ingest + cp (target within 1.5x), RSS growth (target
# < 64 MB), p99 of / (target < 50 ms), and the records both sides made
# (they must be equal).
# BENCH_UPLOAD_WEB=1 runs the web side alone (while working on it).
# shellcheck disable=SC2016  # sh -c scripts, not expansions
set -eu

NAME=bench_upload
SRC=${2:?usage: bench_upload.sh BUILD SRC}
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8
B=$ROOT/$BUILD/bench
W=$B/upload
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

TCK=$(getconf CLK_TCK)
# cpu_of PID: user + system seconds of a running process, its threads
cpu_of() { awk -v t="$TCK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
# timed CMD...: run it; WALL and CPU (user + system, children included)
timed() {
	local t0 tf rc=0
	tf=$(mktemp)
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$tf" "$@" || rc=$?
	WALL=$(calc %.2f "$(now) - $t0")
	CPU=$(awk 'NF == 2 { printf "%.2f", $1 + $2 }' "$tf")
	rm -f "$tf"
	return $rc
}
now() { date +%s.%N; }
verdict() { awk "BEGIN { print ($1) ? \"met\" : \"MISSED\" }"; }

[ -x "$HD" ] || die "$HD missing: run 'make' first"
[ -d "$SRC" ] || die "$SRC missing (run.sh section 1 makes it)"
for t in curl sqlite3 /usr/bin/time; do
	command -v $t > /dev/null || die "$t is needed"
done

rm -rf "$W"
mkdir -p "$W"
NFILES=$(find "$SRC" -type f | wc -l)
NBYTES=$(find "$SRC" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
MB=$(calc %.1f "$NBYTES / 1e6")

WEB_ONLY=${BENCH_UPLOAD_WEB:-0}
CP=0 CLI=0 CP_CPU=0 CLI_CPU=0 CLI_RECS=-
# --------------------------------------------------------- the floor
[ "$WEB_ONLY" = 1 ] || {
note "floor: cp -r of $NFILES files, $MB MB"
drop
timed sh -c 'cp -r "$1" "$2" && sync' sh "$SRC" "$W/floor"
CP=$WALL CP_CPU=$CPU
rm -rf "$W/floor"
sync

# ------------------------------------------------- the command line
note "hongdang ingest --no-ocr of the same"
"$HD" -d "$W/cli" init --fonds BENCH --name '基准测试' > /dev/null
drop
timed sh -c '"$1" -d "$2" ingest --no-ocr --json "$3" > "$4"' sh "$HD" \
	"$W/cli" "$SRC" "$W/cli.json" ||
	die "hongdang ingest failed: see $W/cli.json"
CLI=$WALL CLI_CPU=$CPU
CLI_RECS=$(sqlite3 "$W/cli/hongdang.db" 'SELECT count(*) FROM records')
rm -rf "$W/cli"
sync
}

# ------------------------------------------------------------ the web
D=$W/web
"$HD" -d "$D" init --fonds BENCH --name '基准测试' > /dev/null
printf 'Bench-Upload-2026\n' > "$W/pw"
"$HD" -d "$D" user add bench --role archivist --password-file "$W/pw" \
	> /dev/null
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
U="http://127.0.0.1:$PORT"
"$HD" -d "$D" serve --listen "127.0.0.1:$PORT" --audit-hours 0 \
	--templates "$ROOT/templates" --log "$W/access.log" \
	2> "$W/serve.err" &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do
	curl -s -o /dev/null --max-time 1 "$U/favicon.ico" && break
	kill -0 "$SPID" 2> /dev/null || die "the server died: $(cat "$W/serve.err")"
	sleep 0.1
done
JAR=$W/jar
# token: the csrf hidden field of a page
token() {
	curl -s -b "$JAR" -c "$JAR" "$U$1" |
		grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 |
		sed 's/.*value="//; s/"$//'
}
tok=$(token /admin/login)
curl -s -o /dev/null -b "$JAR" -c "$JAR" --data-urlencode "csrf=$tok" \
	--data-urlencode user=bench --data-urlencode password=Bench-Upload-2026 \
	"$U/admin/login"
tok=$(token /admin/)
[ -n "$tok" ] || die "could not log in: $(tail -3 "$W/serve.err")"

# one part a file, named by its path in the batch, the token first
$PY - "$SRC" "$tok" > "$W/form.cfg" <<'EOF'
import os, sys
src, tok = sys.argv[1], sys.argv[2]
q = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')
print('form = "csrf=%s"' % tok)
print('form = "ocr=off"')
for d, _, fs in sorted(os.walk(src)):
    for f in sorted(fs):
        p = os.path.join(d, f)
        rel = os.path.relpath(p, os.path.dirname(src))
        print('form = "files=@\\"%s\\";filename=\\"%s\\""' % (q(p), q(rel)))
EOF

# the server's RSS (kB) every 0.2 s, until the file stop exists, each
# after its time: only those from RSS0 on count (what the server does
# as it starts, before the upload, is not the upload's)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SPID/status"; }
( while [ ! -e "$W/stop" ] && kill -0 "$SPID" 2> /dev/null; do
	echo "$(now) $(rss)"; sleep 0.2; done > "$W/rss.txt" ) &
PIDS="$PIDS $!"
# the home page about 20 times a second, each latency in ms
$PY - "$PORT" "$W/stop" > "$W/lat.txt" <<'EOF' &
import http.client, os, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
bad = 0
while not os.path.exists(stop):
    t0 = time.monotonic()
    try:
        c.request("GET", "/")
        r = c.getresponse()
        r.read()
        ok = r.status == 200
    except OSError:
        ok = False
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    dt = time.monotonic() - t0
    print("%.3f" % (dt * 1000) if ok else "error", flush=True)
    time.sleep(max(0.0, 0.05 - dt))
EOF
PIDS="$PIDS $!"
sleep 1
RSS0=$(rss)
TRSS0=$(now)

# batch_state ID: its state ("unanswered" when the server did not say)
batch_state() {
	curl -s --max-time 20 -b "$JAR" "$U/admin/batches/$1.json" |
		$PY -c 'import json, sys
try:
    print(json.load(sys.stdin)["state"])
except ValueError:
    print("unanswered")'
}
# wait_for ID STATE: poll until the batch is in STATE (or fails)
wait_for() {
	local st
	while :; do
		st=$(batch_state "$1")
		[ "$st" = "$2" ] && return 0
		case $st in
		refused | failed | cancelled)
			die "batch $1 is $st: $(curl -s -b "$JAR" "$U/admin/batches/$1.json" | head -c 600)" ;;
		esac
		sleep 0.2
	done
}

note "web: upload of the same through POST /admin/ingest"
drop
c0=$(cpu_of "$SPID")
t0=$(now)
timed curl -s -o "$W/up.html" -D "$W/up.head" -b "$JAR" -K "$W/form.cfg" \
	"$U/admin/ingest"
CURL_CPU=$CPU
loc=$(tr -d '\r' < "$W/up.head" | awk 'tolower($1) == "location:" { print $2 }')
t1=$(now)
c1=$(cpu_of "$SPID")
ID=${loc##*/}
[ -n "$ID" ] || die "the upload was not taken: $(head -c 400 "$W/up.html")"
wait_for "$ID" preview
t2=$(now)
c2=$(cpu_of "$SPID")
curl -s -o /dev/null -b "$JAR" --data-urlencode "csrf=$tok" \
	"$U/admin/batches/$ID/confirm"
wait_for "$ID" "done"
t3=$(now)
c3=$(cpu_of "$SPID")
touch "$W/stop"
sleep 0.5
WEB_RECS=$(sqlite3 "$D/hongdang.db" 'SELECT count(*) FROM records')
UP=$(calc %.2f "$t1 - $t0")
CHECK=$(calc %.2f "$t2 - $t1")
ING=$(calc %.2f "$t3 - $t2")
WEB=$(calc %.2f "$t3 - $t0")
UP_CPU=$(calc %.2f "$c1 - $c0 + $CURL_CPU")
CHECK_CPU=$(calc %.2f "$c2 - $c1")
ING_CPU=$(calc %.2f "$c3 - $c2")
WEB_CPU=$(calc %.2f "$c3 - $c0 + $CURL_CPU")
RSSMAX=$(awk -v t="$TRSS0" -v m="$RSS0" '$1 >= t && $2 > m { m = $2 }
	END { print m }' "$W/rss.txt")
GROW=$(calc %.1f "($RSSMAX - $RSS0) / 1024")
read -r NLAT NERR P50 P99 PMAX <<< "$($PY - "$W/lat.txt" <<'EOF'
import sys
v = [l.strip() for l in open(sys.argv[1])]
ok = sorted(float(x) for x in v if x != "error")
q = lambda p: ok[min(len(ok) - 1, int(p * len(ok)))] if ok else 0
print(len(v), len(v) - len(ok), "%.1f" % q(.5), "%.1f" % q(.99),
      "%.1f" % (ok[-1] if ok else 0))
EOF
)"
kill -0 "$SPID" 2> /dev/null || die "the server died: $(tail -5 "$W/serve.err")"

echo ""
echo "9. Ingest by upload: $NFILES files, $MB MB (section 1's mixed batch), reads $CACHE"
printf '   %-44s %8s %8s %8s\n' '' 'wall s' 'cpu s' 'MB/s'
row() {
	printf '   %-44s %8s %8s %8s\n' "$1" "$2" "$3" \
		"$(calc %.1f "$NBYTES / 1e6 / ($2 + 0.001)")"
}
row "floor: cp -r + sync" "$CP" "$CP_CPU"
row "hongdang ingest --no-ocr" "$CLI" "$CLI_CPU"
row "ingest + cp" "$(calc %.2f "$CLI + $CP")" "$(calc %.2f "$CLI_CPU + $CP_CPU")"
row "web: curl multipart upload (to DIR/tmp)" "$UP" "$UP_CPU"
row "web: the server's check (dry run, preview)" "$CHECK" "$CHECK_CPU"
row "web: confirmed, the ingest" "$ING" "$ING_CPU"
row "web: total" "$WEB" "$WEB_CPU"
if [ "$WEB_ONLY" != 1 ]; then
	ratio=$(calc %.2f "$WEB / ($CLI + $CP)")
	cratio=$(calc %.2f "$WEB_CPU / ($CLI_CPU + $CP_CPU)")
	echo "   ratio web / (ingest + cp): wall ${ratio}x, cpu ${cratio}x   target <= 1.5x (wall): $(verdict "$ratio <= 1.5")"
	echo "   records: command line $CLI_RECS, web $WEB_RECS: $([ "$CLI_RECS" = "$WEB_RECS" ] && echo same || echo DIFFERENT)"
fi
echo "   server RSS: $(calc %.1f "$RSS0 / 1024") MB before, $(calc %.1f "$RSSMAX / 1024") MB at most: +$GROW MB   target < 64 MB: $(verdict "$GROW < 64")"
echo "   GET / meanwhile: $NLAT requests, $NERR errors, p50 $P50 ms, p99 $P99 ms, max $PMAX ms   target p99 < 50 ms: $(verdict "$P99 < 50 && $NERR == 0")"
stop "$SPID"
rm -rf "$W/web"
[ "$WEB_ONLY" = 1 ] || [ "$CLI_RECS" = "$WEB_RECS" ] ||
	die "the two sides made different records"
