#!/bin/bash
# tests/bench/bench_server.sh BUILD - the exhibit server under load, for
# `make bench` (never a test).
#
# For each data set, `wrk -t2 -c64 -d10s --latency` on 127.0.0.1 against
# `hongdang serve` (2 worker threads, as by default): the home page /,
# /search?q=番禺, a public record page and the style sheet the layout
# links (/static/hongdang.css).  In the same run, beside it:
#   - bare_mhd.c, a few lines of libmicrohttpd with the server's
#     threading model answering the same CSS bytes from memory: the
#     ceiling of the engine;
#   - nginx (2 workers, its own prefix and config under BUILD/bench/)
#     serving the same CSS file and a saved copy of the home page.
# Reported: requests/s, p50 and p99 latency from wrk's distribution,
# errors (non-2xx/3xx answers and socket errors), the same pages again
# from a server started with --no-page-cache (every page made anew, as
# a stream of different searches costs), the server's VmRSS
# after its runs, and each target of the issue as met or MISSED:
# static >= 90 % of bare libmicrohttpd, home page >= 50 % of it, p99 <
# 20 ms, no errors; at 200,000 records also search >= 5,000 requests/s
# and RSS < 100 MB.
#
# Data sets: the sample collection (BUILD/sample, ingested afresh
# without OCR into BUILD/bench/server/), and the 200,000 generated
# records section 2 of run.sh builds in BUILD/bench/search/work/archive,
# opened where it is (BENCH_SERVER_ARCHIVE names another data folder);
# without it that part is skipped.  BENCH_SECONDS (default 10) is the
# length of each wrk run.  The table goes to stdout, progress to stderr.
set -eu

NAME=bench_server
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8
B=$ROOT/$BUILD/bench
W=$B/server
SECS=${BENCH_SECONDS:-10}
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
QUERY=番禺

# verdict COND: "met" when the awk condition holds, else "MISSED"
verdict() { awk "BEGIN { print ($1) ? \"met\" : \"MISSED\" }"; }

[ -x "$HD" ] || die "$HD missing: run 'make' first"
[ -d "$ROOT/$BUILD/sample" ] || die "$BUILD/sample missing: run 'make sample'"
for t in wrk nginx curl cc pkg-config sqlite3; do
	command -v $t > /dev/null || die "$t is needed (make bench-deps)"
done

# The style sheet the layout links, and its file in the built-in static
# folder the server answers /static/ from.
CSS_URL=$(grep -o 'href="/static/[^"]*\.css"' templates/layout.html |
	head -1 | cut -d'"' -f2)
[ -n "$CSS_URL" ] || die "templates/layout.html links no style sheet"
CSS_FILE=templates/static/${CSS_URL#/static/}
[ -f "$CSS_FILE" ] || die "$CSS_FILE missing"
QENC=$($PY -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1]))' "$QUERY")

rm -rf "$W"
mkdir -p "$W"

freeport() {
	$PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# up URL PID: waits until URL answers while PID lives (a page made
# anew at 200,000 records may take seconds: 60 s for each try).
up() {
	local _
	for _ in $(seq 100); do
		kill -0 "$2" 2> /dev/null || return 1
		if curl -s -o /dev/null --max-time 60 "$1"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# fetch URL FILE: the body into FILE; prints the HTTP status.
fetch() {
	curl -s -o "$2" -w '%{http_code}' --max-time 10 "$1" || echo 000
}

# bench NAME URL: one wrk run; sets RPS P50 P99 (ms) ERRS and ERRTXT
# (what the errors were, "-" if none).  wrk's output is kept in
# W/wrk-NAME.txt.
bench() {
	local out=$W/wrk-$1.txt
	note "wrk ${SECS}s: $2"
	wrk -t2 -c64 -d"${SECS}s" --latency "$2" > "$out" 2>&1 ||
		die "wrk failed on $2: see $out"
	read -r RPS P50 P99 ERRS ERRTXT < <(awk '
	function ms(v) {
		if (v ~ /us$/) { return v / 1000 }
		if (v ~ /ms$/) { return v + 0 }
		if (v ~ /m$/) { return v * 60000 }
		if (v ~ /s$/) { return v * 1000 }
		return v + 0
	}
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	$1 == "Requests/sec:" { rps = $2 }
	/^ *Socket errors:/ {
		for (i = 4; i <= NF; i += 2) {
			n = $i + 0
			bad += n
			if (n) { d = d sprintf(" %s %d", $(i - 1), n) }
		}
	}
	/^ *Non-2xx or 3xx responses:/ {
		bad += $NF
		d = d sprintf(" non-2xx/3xx %d", $NF)
	}
	END {
		printf "%.1f %.2f %.2f %d %s\n", rps, p50, p99, bad,
			d == "" ? "-" : substr(d, 2)
	}' "$out")
	# wrk itself said nothing: a broken run.  "0 requests in 10s" is a
	# figure (every request slower than wrk's 2 s timeout), reported.
	if [ -z "$RPS" ]; then
		die "no figures from wrk: see $out"
	fi
	if ! grep -q '[1-9][0-9]* requests in' "$out"; then
		ERRTXT="no request finished within wrk's 2 s timeout"
		ERRS=$((ERRS > 0 ? ERRS : 1))
	fi
}

row() {
	printf '   %-19s %8s %8s %8s %7s %8s  %s\n' "$@"
}
# vs RPS: RPS as a percentage of the bare libmicrohttpd rate of the data
# set in hand (BARE_RPS)
vs() { calc %.0f%% "100 * $1 / $BARE_RPS"; }

# The bare libmicrohttpd program, built once.
# shellcheck disable=SC2046  # pkg-config prints a list of flags
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wno-unused-parameter \
	-o "$W/bare_mhd" "$HERE/bare_mhd.c" \
	$(pkg-config --cflags --libs libmicrohttpd) ||
	die "bare_mhd.c did not build"
NGINX_USER=""
[ "$(id -u)" -ne 0 ] || NGINX_USER="user root;"

# nginx_conf DIR PORT: a throwaway configuration whose every path lies
# under DIR (pid, error log, lock and temp folders), serving DIR/www.
nginx_conf() {
	mkdir -p "$1/www" "$1/tmp"
	cat > "$1/nginx.conf" << EOF
$NGINX_USER
worker_processes 2;
pid $1/nginx.pid;
lock_file $1/nginx.lock;
error_log $1/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	types { text/html html; text/css css; }
	default_type application/octet-stream;
	charset utf-8;
	charset_types text/css;
	server {
		listen 127.0.0.1:$2;
		root $1/www;
		index index.html;
	}
}
EOF
}

echo ""
echo "4. Exhibit server: wrk -t2 -c64 -d${SECS}s --latency on 127.0.0.1;" \
	"hongdang serve --threads 2"
echo "   beside it: bare libmicrohttpd" \
	"$(pkg-config --modversion libmicrohttpd) (bare_mhd.c, same" \
	"threading), $(nginx -v 2>&1 | sed 's/.*: //') (2 workers)"
echo "   $(nproc) cores; load average at start:" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"

# dataset NAME DIR BIG: the whole comparison on one data folder; BIG=1
# adds the targets set at 200,000 records.
dataset() {
	local name=$1 dir=$2 big=$3 d=$W/$1 port srv pre
	local recs pub hits ref rec rss hwm rss0 j u worst worst_url bad
	local -a urls shown codes
	local -A rps p50 p99 errs errtxt what

	mkdir -p "$d"
	read -r recs pub < <(sqlite3 -readonly "$dir/hongdang.db" \
		"SELECT count(*), count(*) FILTER (WHERE status = 'approved'
		 AND access = 'public') FROM records" | tr '|' ' ')
	"$HD" -d "$dir" search --public --json --limit 1 "$QUERY" \
		> "$d/search.json" || die "hongdang search failed on $dir"
	read -r hits ref < <($PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["total"], r["hits"][0]["ref"] if r["hits"] else "-")' \
		"$d/search.json")
	if [ "$ref" = - ]; then
		ref=$(sqlite3 -readonly "$dir/hongdang.db" "SELECT ref FROM
			records WHERE status = 'approved' AND access = 'public'
			LIMIT 1")
	fi
	rec=""
	[ -z "$ref" ] || [ "$ref" = - ] || rec=/record/${ref//·/.}

	# warm the OS cache for the database, as a running server has it
	cat "$dir/hongdang.db" > /dev/null

	port=$(freeport)
	pre=http://127.0.0.1:$port
	"$HD" -d "$dir" serve --listen "127.0.0.1:$port" --threads 2 \
		--templates templates --log /dev/null --audit-hours 0 \
		2> "$d/serve.log" &
	srv=$!
	PIDS="$PIDS $srv"
	up "$pre/" "$srv" || die "hongdang serve did not answer: see $d/serve.log"

	urls=(/ "/search?q=$QENC")
	shown=(/ "/search?q=$QUERY")
	if [ -n "$rec" ]; then
		urls+=("$rec")
		shown+=("$rec")
	fi
	urls+=("$CSS_URL")
	shown+=("$CSS_URL")
	codes=()
	for j in "${!urls[@]}"; do
		codes+=("$(fetch "$pre${urls[$j]}" "$d/page-$j")")
	done
	# the saved copies nginx serves: what the server answered
	mkdir -p "$d/nginx/www"
	cp "$d/page-0" "$d/nginx/www/index.html"
	mkdir -p "$d/nginx/www/$(dirname "${CSS_URL#/}")"
	cp "$d/page-$((${#urls[@]} - 1))" "$d/nginx/www/${CSS_URL#/}"
	cmp -s "$CSS_FILE" "$d/nginx/www/${CSS_URL#/}" ||
		note "$CSS_URL as served differs from $CSS_FILE"
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$srv/status")

	# the ceiling first, while our server idles
	port=$(freeport)
	"$W/bare_mhd" "$port" "$CSS_FILE" 2> "$d/bare.log" &
	u=$!
	PIDS="$PIDS $u"
	up "http://127.0.0.1:$port/" "$u" || die "bare_mhd did not answer"
	bench "$name-bare" "http://127.0.0.1:$port$CSS_URL"
	stop "$u"
	rps[bare]=$RPS p50[bare]=$P50 p99[bare]=$P99 errs[bare]=$ERRS
	errtxt[bare]=$ERRTXT
	what[bare]="bare libmicrohttpd, $W/wrk-$name-bare.txt"
	BARE_RPS=$RPS

	for j in "${!urls[@]}"; do
		bench "$name-ours-$j" "$pre${urls[$j]}"
		rps[$j]=$RPS p50[$j]=$P50 p99[$j]=$P99 errs[$j]=$ERRS
		errtxt[$j]=$ERRTXT
		what[$j]="hongdang ${shown[$j]}, $W/wrk-$name-ours-$j.txt"
	done
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$srv/status")
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$srv/status")
	stop "$srv"

	# the same pages made anew for every request (--no-page-cache):
	# what a stream of different searches costs
	port=$(freeport)
	"$HD" -d "$dir" serve --listen "127.0.0.1:$port" --threads 2 \
		--templates templates --log /dev/null --audit-hours 0 \
		--no-page-cache 2> "$d/serve-nc.log" &
	srv=$!
	PIDS="$PIDS $srv"
	up "http://127.0.0.1:$port/" "$srv" ||
		die "hongdang serve did not answer: see $d/serve-nc.log"
	for j in "${!urls[@]}"; do
		[ "${urls[$j]}" != "$CSS_URL" ] || continue
		bench "$name-nocache-$j" "http://127.0.0.1:$port${urls[$j]}"
		rps[nc$j]=$RPS p50[nc$j]=$P50 p99[nc$j]=$P99 errs[nc$j]=$ERRS
		errtxt[nc$j]=$ERRTXT
		what[nc$j]="hongdang --no-page-cache ${shown[$j]}, $W/wrk-$name-nocache-$j.txt"
	done
	stop "$srv"

	port=$(freeport)
	nginx_conf "$d/nginx" "$port"
	nginx -p "$d/nginx/" -c "$d/nginx/nginx.conf" -e "$d/nginx/error.log" \
		-g 'daemon off;' 2> "$d/nginx/stderr.log" &
	u=$!
	PIDS="$PIDS $u"
	up "http://127.0.0.1:$port/" "$u" ||
		die "nginx did not answer: see $d/nginx/error.log"
	bench "$name-nginx-css" "http://127.0.0.1:$port$CSS_URL"
	rps[ncss]=$RPS p50[ncss]=$P50 p99[ncss]=$P99 errs[ncss]=$ERRS
	errtxt[ncss]=$ERRTXT what[ncss]="nginx, $W/wrk-$name-nginx-css.txt"
	bench "$name-nginx-home" "http://127.0.0.1:$port/"
	rps[nhome]=$RPS p50[nhome]=$P50 p99[nhome]=$P99 errs[nhome]=$ERRS
	errtxt[nhome]=$ERRTXT what[nhome]="nginx, $W/wrk-$name-nginx-home.txt"
	stop "$u"

	# the table
	echo ""
	if [ "$big" = 1 ]; then
		echo "   $recs records ($pub public) in $dir"
	else
		echo "   sample collection: $recs records ($pub public)"
	fi
	echo "   $QUERY: $hits public hits$([ "$hits" != 0 ] ||
		echo ' (the search page shows none here)');" \
		"record page: ${rec:-none (no public record)}"
	row server req/s 'p50 ms' 'p99 ms' errors 'vs bare' URL
	row "bare libmicrohttpd" "${rps[bare]}" "${p50[bare]}" "${p99[bare]}" \
		"${errs[bare]}" 100% \
		"$CSS_URL ($(stat -c %s "$CSS_FILE") bytes from memory)"
	row nginx "${rps[ncss]}" "${p50[ncss]}" "${p99[ncss]}" \
		"${errs[ncss]}" "$(vs "${rps[ncss]}")" "$CSS_URL"
	row nginx "${rps[nhome]}" "${p50[nhome]}" "${p99[nhome]}" \
		"${errs[nhome]}" "$(vs "${rps[nhome]}")" \
		"/ (saved copy, $(stat -c %s "$d/nginx/www/index.html") bytes)"
	for j in "${!urls[@]}"; do
		row hongdang "${rps[$j]}" "${p50[$j]}" "${p99[$j]}" \
			"${errs[$j]}" "$(vs "${rps[$j]}")" \
			"${shown[$j]}$([ "${codes[$j]}" = 200 ] ||
				echo " (HTTP ${codes[$j]})")"
	done
	for j in "${!urls[@]}"; do
		[ -n "${rps[nc$j]:-}" ] || continue
		row "  no page cache" "${rps[nc$j]}" "${p50[nc$j]}" \
			"${p99[nc$j]}" "${errs[nc$j]}" "$(vs "${rps[nc$j]}")" \
			"${shown[$j]}"
	done
	for j in bare ncss nhome "${!urls[@]}"; do
		[ "${errtxt[$j]}" = - ] ||
			echo "   errors: ${errtxt[$j]} (${what[$j]})"
	done
	echo "   hongdang VmRSS after the runs: $(calc %.1f "$rss / 1024") MB" \
		"(peak VmHWM $(calc %.1f "$hwm / 1024") MB;" \
		"$(calc %.1f "$rss0 / 1024") MB before)"

	# the targets
	local last=$((${#urls[@]} - 1))
	worst=0 worst_url="" bad=0
	for j in "${!urls[@]}"; do
		if awk "BEGIN { exit !(${p99[$j]} > $worst) }"; then
			worst=${p99[$j]} worst_url=${shown[$j]}
		fi
		bad=$((bad + errs[$j]))
	done
	echo "   targets:"
	printf '     %-42s %-22s %s\n' \
		"static >= 90 % of bare libmicrohttpd" \
		"$(vs "${rps[$last]}")" \
		"$(verdict "${rps[$last]} >= 0.9 * $BARE_RPS")" \
		"home page >= 50 % of bare libmicrohttpd" \
		"$(vs "${rps[0]}")" \
		"$(verdict "${rps[0]} >= 0.5 * $BARE_RPS")" \
		"p99 < 20 ms on every hongdang URL" \
		"worst $worst ms" \
		"$(verdict "$worst < 20")" \
		"no errors (non-2xx/3xx, socket)" \
		"$bad" \
		"$(verdict "$bad == 0")"
	if [ "$big" = 1 ]; then
		printf '     %-42s %-22s %s\n' \
			"search >= 5,000 requests/s" \
			"${rps[1]}/s" \
			"$(verdict "${rps[1]} >= 5000")$([ "$hits" != 0 ] ||
				echo ' (0 hits: not a real measure)')" \
			"  the same, every page made anew" \
			"${rps[nc1]}/s" \
			"$(verdict "${rps[nc1]} >= 5000")" \
			"RSS after the run < 100 MB" \
			"$(calc %.1f "$rss / 1024") MB" \
			"$(verdict "$rss < 100 * 1024")"
	fi
	[ -z "$worst_url" ] || [ "$(verdict "$worst < 20")" = met ] ||
		echo "     (worst p99: $worst_url)"
}

note "loading the sample collection into $W/sample-data"
"$HD" -d "$W/sample-data" init --fonds QF01 --name '前锋社区档案室' \
	> /dev/null
"$HD" -d "$W/sample-data" ingest --approve --no-ocr \
	--sheet "$BUILD/sample/目录.csv" "$BUILD/sample" > "$W/ingest.log" ||
	die "ingest of the sample failed: see $W/ingest.log"
dataset sample "$W/sample-data" 0

BIG=${BENCH_SERVER_ARCHIVE:-$B/search/work/archive}
if [ -n "${BENCH_SERVER_ARCHIVE:-}" ] && [ -f "$BIG/hongdang.db" ]; then
	dataset big "$BIG" 1
elif [ -f "$BIG/hongdang.db" ] && [ -f "$B/search/work/db.key" ]; then
	dataset big "$BIG" 1
else
	echo ""
	echo "   200,000 generated records: skipped, no finished archive at $BIG"
	echo "   (section 2 of tests/bench/run.sh builds it)"
fi
echo ""
echo "   load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
