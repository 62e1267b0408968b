#!/bin/bash
# tests/bench/run.sh BUILD - the benchmarks of `make bench` (never a test).
#
# 1. Ingest without OCR of 10,000 generated files (5,000 JPEG photos of
#    about 200 KB with real EXIF, 5,000 Chinese text files) into a fresh
#    data folder, against the floor of the same work measured in the same
#    run: `cp -r` to the same disk + `sync`, then `openssl dgst -sha256`
#    over the same files.  Then the per-file overhead on 10,000 small
#    (~300 byte) Chinese text files.
# 2. Search at 200,000 generated Chinese records (bench_search.c): index
#    build rate and size, what the index is made of (each token kind's
#    share), p50/p99 of hd_search for 1-, 2- and 4-character queries
#    and for rare and zero-hit 4-character phrases, and FTS5 trigram on
#    the same texts beside it; then the same on a copy merged by
#    `hongdang optimize` (what the server does idle).
# 3. OCR speed and accuracy against the tesseract command line
#    (bench_ocr.sh).
# 4. The exhibit server under wrk, with the sample collection and with
#    the 200k archive of section 2, beside a bare libmicrohttpd program
#    and nginx serving the same bytes (bench_server.sh).
# 5. Thumbnails and screen copies against vipsthumbnail (bench_derive.sh).
# 6. Index size and search latency with variants and pinyin indexed
#    against a copy without them (bench_variants.c).
# 7. The template engine: one home-sized page rendered 100,000 times
#    (test_template bench).
# 8. The demonstrations: a sandbox ready, each step p50/p99 (OCR apart),
#    one kiosk and eight at once (bench_demo.sh).
# 9. Ingest by upload: section 1's mixed batch (about 1 GB) sent with
#    curl to the server's /admin/ingest, checked, confirmed and ingested,
#    against `hongdang ingest` of the same files + cp; the server's RSS
#    and the home page's latency meanwhile (bench_upload.sh).
# 10. Ingest into an S3 bucket of a one-node Ceph RADOS Gateway against
#    curl PUTs of the same files over one connection (bench_s3.sh; root).
# 11. A district harvesting 100,000 records from a room served on
#    127.0.0.1 (bench_harvest.sh; BENCH_ONLY=harvest).
#
# Everything lives under BUILD/bench/; the figures go to stdout and to
# BUILD/bench/results.txt.  Generated inputs and the 200k databases are
# cached there: files by the hash of corpus.py, the databases by the hash
# of what decides their content (bench_search.c, corpus.py, the tokenizer,
# the schema and migrations, record.c).  BENCH_REBUILD=1 rebuilds them anyway;
# BENCH_QUERY_BUDGET (seconds, default 150) caps the query phase;
# BENCH_LAYOUT=1 adds to section 2 the size of each part of the index
# (unigrams, pairs, trigrams, pinyin; positions or none; body first or
# last) and phrase walks on them (bench_layout.c: long, an hour at
# 200,000 records on a busy machine).
# BENCH_RECORDS (default 200000; SCALE is another name for it:
# `make bench SCALE=1000000`) sets the size of the search corpus of
# sections 2, 4 and 6: smaller for a quick check of the script itself,
# a million for one node of a district (about 25 minutes of building
# and 10 GB under BUILD/bench/search at this machine's speed).  BENCH_ONLY="1 6" runs only those
# sections (default all; `make bench BENCH_ONLY=1` is the ingest alone,
# BENCH_ONLY=upload the same as 9, s3 as 10, harvest as 11); section 6
# then uses the 200k archive section 2 last built.
# No network is used.
# shellcheck disable=SC2016  # sh -c scripts and make text, not expansions
set -eu

NAME=bench
. "$(dirname "$0")/lib.sh"
B=$ROOT/$BUILD/bench
OUT=$B/results.txt
NPHOTO=5000
NTEXT=5000
NSMALL=10000
NSEARCH=${BENCH_RECORDS:-${SCALE:-200000}}

say() { echo "$*" | tee -a "$OUT"; }
now() { date +%s.%N; }
# elapsed T0 T1 -> seconds with 2 decimals
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
BENCH_ONLY=${BENCH_ONLY:+ $BENCH_ONLY }
BENCH_ONLY=${BENCH_ONLY// upload / 9 }
BENCH_ONLY=${BENCH_ONLY// s3 / 10 }
BENCH_ONLY=${BENCH_ONLY// harvest / 11 }
# want N: section N is to run
want() {
	case " ${BENCH_ONLY:-1 2 3 4 5 6 7 8 9 10 11} " in
	*" $1 "*) ;;
	*) return 1 ;;
	esac
}

[ -x "$HD" ] || die "$HD missing: run 'make' first"
for n in ${BENCH_ONLY:-}; do
	case $n in
	[1-9] | 1[01]) ;;
	*) die "BENCH_ONLY: no section '$n' (1 to 11, upload, s3 or harvest)" ;;
	esac
done
for t in openssl python3 cc pkg-config; do
	command -v $t > /dev/null || die "$t is needed"
done
mkdir -p "$B"
: > "$OUT"

# Runs "$@" and sets WALL and CPU (user + system seconds of it and its
# children): on a shared machine CPU time is the steadier figure.
timed() {
	local t0 t1 tf rc=0
	tf=$(mktemp)
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$tf" "$@" || rc=$?
	t1=$(now)
	WALL=$(elapsed "$t0" "$t1")
	CPU=$(awk 'NF == 2 { printf "%.2f", $1 + $2 }' "$tf")
	rm -f "$tf"
	return $rc
}
[ -x /usr/bin/time ] || timed() {
	local t0 t1 rc=0
	t0=$(now); "$@" || rc=$?; t1=$(now)
	WALL=$(elapsed "$t0" "$t1"); CPU=0
	return $rc
}

fstype=$(df -T "$B" | awk 'NR == 2 { print $2 }')
[ "$fstype" != tmpfs ] || die "$B is on tmpfs: give a BUILD on disk"

say "Hongdang benchmarks  $(date -u '+%Y-%m-%d %H:%M UTC')  $(git rev-parse --short HEAD 2> /dev/null || echo '?')$(git diff --quiet 2> /dev/null || echo ' (+ uncommitted changes)')"
say "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $B on $fstype ($(df -h "$B" | awk 'NR == 2 { print $1 }')); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "SQLite $(pkg-config --modversion sqlite3), OpenSSL $(openssl version | cut -d' ' -f2)"

# ------------------------------------------------------------ inputs

key() { cat "$@" | sha256sum | cut -c1-16; }

if want 1 || want 9; then
	SRC=$B/src
	genkey=$(key "$HERE/corpus.py"
		find "$ROOT/$BUILD/sample" -name '*.jpg' -printf '%s %P\n' | sort |
		sha256sum)
	if [ "$(cat "$SRC/.key" 2> /dev/null)" != "$genkey" ]; then
		note "generating $NPHOTO photos, $NTEXT texts and $NSMALL small texts"
		rm -rf "$SRC"
		mkdir -p "$SRC/mixed" "$SRC/small"
		python3 "$HERE/corpus.py" photos "$ROOT/$BUILD/sample" \
			"$SRC/mixed" $NPHOTO
		python3 "$HERE/corpus.py" texts "$SRC/mixed" $NTEXT 300
		python3 "$HERE/corpus.py" texts "$SRC/small" $NSMALL 100
		echo "$genkey" > "$SRC/.key"
	fi
fi

# files and bytes under a folder
files() { find "$1" -type f | wc -l; }
bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }'; }

# ------------------------------------------------------------ ingest

# Copies and data folders of an earlier run go first, all together: on
# ext4 without a journal, creating a file right after many were deleted
# costs more (the allocator skips recently deleted inodes), and neither
# side should pay for the other's clean-up.  They are removed at the end.
# The allocator skips an inode for 60 seconds after its deletion was
# written out (ext4's recently_deleted()): creating 10,000 files in that
# minute took 236 microseconds a file here, against 18 otherwise, so the
# run waits that minute out when it deleted anything.
if compgen -G "$B/floor-*" > /dev/null || compgen -G "$B/data-*" > /dev/null
then
	rm -rf "$B"/floor-* "$B"/data-*
	sync
	if want 1; then
		note "waiting 65 s: inodes deleted in the last minute are slow to reuse"
		sleep 65
	fi
fi
cleanup() { rm -rf "$B"/floor-* "$B"/data-*; }

# A step killed by a signal it did not ask for is run again (twice at
# most): on a shared machine whose PIDs wrap every few minutes, another
# job's late `kill $pid` can land on one of ours.  Sets RETRIES.
RETRIES=0
killed() {
	[ "$1" -ge 128 ] && [ "$RETRIES" -lt 2 ] || return 1
	RETRIES=$((RETRIES + 1))
	note "a step was killed by signal $(($1 - 128)) from outside; again"
}

# floor NAME SRC: cp -r + sync, then SHA-256 of the same files.  The
# caches are dropped before the copy only: the hash then reads what the
# copy just read, as ingest reads each file once.
floor() {
	local dst=$B/floor-$1 rc
	while :; do
		rm -rf "$dst"
		sync
		drop
		rc=0
		timed sh -c 'cp -r "$1" "$2" && sync' sh "$2" "$dst" || rc=$?
		FCP_WALL=$WALL FCP_CPU=$CPU
		[ $rc -eq 0 ] && timed sh -c 'find "$1" -type f -print0 |
			xargs -0 openssl dgst -sha256 > /dev/null' sh "$2" ||
			rc=$?
		killed $rc || break
	done
	[ $rc -eq 0 ] || die "floor of $2 failed"
	FSHA_WALL=$WALL FSHA_CPU=$CPU
	FLOOR_WALL=$(calc %.2f "$FCP_WALL + $FSHA_WALL")
	FLOOR_CPU=$(calc %.2f "$FCP_CPU + $FSHA_CPU")
}

# ingest NAME SRC: a fresh data folder, then one `hongdang ingest`.
ingest() {
	local data=$B/data-$1 added rc
	while :; do
		rm -rf "$data"
		"$HD" -d "$data" init --fonds BENCH --name '基准测试' \
			> /dev/null
		sync
		drop
		rc=0
		timed "$HD" -d "$data" ingest --approve --json "$2" \
			> "$B/ingest-$1.json" || rc=$?
		killed $rc || break
	done
	[ $rc -eq 0 ] || die "ingest of $2 failed: see $B/ingest-$1.json"
	added=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["added"], r["duplicates"], len(r["rejected"]),
      len(r["warnings"]))' "$B/ingest-$1.json")
	read -r ADDED DUPS REJ WARN <<< "$added"
	ING_WALL=$WALL ING_CPU=$CPU
	DATA_BYTES=$(du -sb "$data" | cut -f1)
}

if want 1; then
	# the mixed batch
	n=$(files "$SRC/mixed")
	nb=$(bytes "$SRC/mixed")
	mb=$(calc %.1f "$nb / 1e6")
	note "ingest: floor of $n files, $mb MB"
	floor mixed "$SRC/mixed"
	note "ingest: hongdang ingest of the same"
	ingest mixed "$SRC/mixed"
	say ""
	say "1. Ingest without OCR: $n files ($NPHOTO JPEG of ~$(calc %.0f "$(bytes "$SRC/mixed/照片00") / 500 / 1000") KB with EXIF, $NTEXT Chinese texts), $mb MB"
	say "   reads: $CACHE (page cache dropped before each side)"
	say "   added $ADDED records, $DUPS duplicates, $REJ rejected, $WARN warnings; data folder $(calc %.0f "$DATA_BYTES / 1e6") MB"
	say ""
	say "   $(printf '%-34s %8s %8s %9s %8s' '' 'wall s' 'cpu s' 'files/s' 'MB/s')"
	row() {
		say "   $(printf '%-34s %8s %8s %9s %8s' "$1" "$2" "$3" \
			"$(calc %.0f "$4 / $2")" "$(calc %.1f "$5 / 1e6 / $2")")"
	}
	row "floor: cp -r + sync" "$FCP_WALL" "$FCP_CPU" "$n" "$nb"
	row "floor: openssl dgst -sha256" "$FSHA_WALL" "$FSHA_CPU" "$n" "$nb"
	row "floor: total" "$FLOOR_WALL" "$FLOOR_CPU" "$n" "$nb"
	row "hongdang ingest" "$ING_WALL" "$ING_CPU" "$n" "$nb"
	ratio=$(calc %.2f "$ING_WALL / $FLOOR_WALL")
	say "   ratio ingest / floor (wall): ${ratio}x   target <= 2x: $(awk -v r="$ratio" 'BEGIN { print (r <= 2 ? "met" : "MISSED") }')"

	# the small texts
	n=$(files "$SRC/small")
	nb=$(bytes "$SRC/small")
	note "ingest: $n small texts"
	floor small "$SRC/small"
	ingest small "$SRC/small"
	per=$(calc %.3f "$ING_WALL * 1000 / $n")
	say ""
	say "   Per-file overhead: $n Chinese texts of ~$(calc %.0f "$nb / $n") bytes"
	say "   $(printf '%-34s %8s %8s %9s' '' 'wall s' 'cpu s' 'files/s')"
	say "   $(printf '%-34s %8s %8s %9s' 'floor: cp -r + sync + openssl' "$FLOOR_WALL" "$FLOOR_CPU" "$(calc %.0f "$n / $FLOOR_WALL")")"
	say "   $(printf '%-34s %8s %8s %9s' 'hongdang ingest' "$ING_WALL" "$ING_CPU" "$(calc %.0f "$n / $ING_WALL")")"
	cleanup
	say "   per file: ${per} ms wall, $(calc %.3f "$ING_CPU * 1000 / $n") ms cpu   target < 0.5 ms: $(awk -v p="$per" 'BEGIN { print (p < 0.5 ? "met" : "MISSED") }')"
fi

# ------------------------------------------------------------ search

S=$B/search
mkdir -p "$S"
PC_LIBS=$(printf 'print-pc:\n\t@echo $(PC_LIBS)\n' |
	make -s -f Makefile -f - print-pc BUILD="$BUILD" 2> /dev/null) ||
	PC_LIBS=
[ -n "$PC_LIBS" ] || PC_LIBS="sqlite3 libarchive libexif jansson libcrypto
	icu-uc icu-i18n libmagic libtiff-4 libjpeg libxml-2.0"
if want 2; then
	# shellcheck disable=SC2046,SC2086  # PC_LIBS is a list
	cc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Iarchive \
		$(pkg-config --cflags $PC_LIBS) -o "$S/bench_search" \
		"$HERE/bench_search.c" "$HERE/bench.c" "$ROOT/$BUILD/libhd.a" \
		$(pkg-config --libs $PC_LIBS) -lcsv -lpthread -lm

	ckey=$(key "$HERE/corpus.py"; echo "$NSEARCH")
	if [ "$(cat "$S/corpus.key" 2> /dev/null)" != "$ckey" ]; then
		note "generating $NSEARCH records of Chinese text"
		python3 "$HERE/corpus.py" search "$S/corpus.tsv" "$NSEARCH"
		echo "$ckey" > "$S/corpus.key"
	fi
	dkey=$(echo "$NSEARCH"; key "$HERE/bench_search.c" "$HERE/bench.c" "$HERE/corpus.py" archive/fts.c \
		archive/fts.h archive/schema.sql archive/schema2.sql archive/pinyin.c \
		archive/suggest.c archive/record.c archive/db.c archive/migrate.c)
	cached="(built in this run)"
	if [ "${BENCH_REBUILD:-0}" = 1 ] ||
	    [ "$(cat "$S/work/db.key" 2> /dev/null)" != "$dkey" ]; then
		note "building the $NSEARCH-record archive and the trigram table (minutes)"
		while :; do
			rm -rf "$S/work"
			mkdir -p "$S/work"
			echo "load average before the build: $(cut -d' ' -f1-3 \
				/proc/loadavg)" > "$S/work/load.txt"
			rc=0
			"$S/bench_search" build "$S/corpus.tsv" "$S/work" || rc=$?
			killed $rc || break
		done
		[ "$rc" -eq 0 ] || die "bench_search build failed"
		echo "$dkey" > "$S/work/db.key"
	else
		cached="(cached: built $(date -u -r "$S/work/build.txt" '+%Y-%m-%d %H:%M UTC'); BENCH_REBUILD=1 rebuilds)"
	fi

	v() { awk -v k="$1" '$1 == k { print $2 }' "$S/work/build.txt"; }
	recs=$(v records)
	raw=$(v raw_bytes)
	say ""
	say "2. Search: $recs records, $(calc %.0f "$raw / $recs") bytes of title + body each, $(calc %.0f "$raw / 1e6") MB of text  $cached"
	say "   $(cat "$S/work/load.txt")"
	say ""
	say "   $(printf '%-26s %8s %8s %10s %10s %9s %9s' 'index' 'wall s' 'cpu s' 'records/s' 'index MB' 'x text' 'db MB')"
	for side in ours trigram; do
		w=$(v $side.build_s)
		label="hongdang (libhd, per record)"
		[ $side = ours ] || label="FTS5 trigram (bare table)"
		say "   $(printf '%-26s %8s %8s %10s %10s %9s %9s' "$label" "$w" \
			"$(v $side.build_cpu_s)" "$(calc %.0f "$recs / $w")" \
			"$(calc %.1f "$(v $side.index_bytes) / 1e6")" \
			"$(calc %.2f "$(v $side.index_bytes) / $raw")" \
			"$(calc %.1f "$(v $side.db_bytes) / 1e6")")"
	done
	say "   index = every search* and heads* (t_*) table by dbstat, content copy included:"
	say "   $(awk '/^size\.(search|heads)/ { sub("size.", ""); printf "%s %.1f MB  ", $1, $2 / 1e6 }' "$S/work/build.txt")"
	say "   $(awk '/^size\.t_/ { sub("size.", ""); printf "%s %.1f MB  ", $1, $2 / 1e6 }' "$S/work/build.txt")"
	say "   ours: slowest transaction of 10,000 records $(v ours.tx_slow_s) s, fastest $(v ours.tx_fast_s) s"
	folder=$(du -sb "$S/work/archive" | cut -f1)
	say "   the whole data folder: $(calc %.1f "$folder / 1e6") MB, $(calc %.2f "$folder / $raw") x the text"
	say ""
	# What the index is made of: each table of the database, then the
	# terms of search and heads by kind (unigram, pair, trigram, pinyin,
	# marked, Latin), their bytes estimated (bench_search compose)
	if [ "$(cat "$S/work/compose.key" 2> /dev/null)" != "$dkey" ]; then
		"$S/bench_search" compose "$S/work" > "$S/work/compose.out" ||
			die "bench_search compose failed"
		echo "$dkey" > "$S/work/compose.key"
	fi
	say "   Composition of the index (fts5vocab 'col'; bytes estimated from counts"
	say "   by FTS5's doclist layout, scaled to the table's real size):"
	sed 's/^/   /' "$S/work/compose.out" | tee -a "$OUT"
	say ""
	# BENCH_LAYOUT=1: the parts of the index in other layouts, and the
	# walks of 4-character phrases on them (bench_layout.c; long: a
	# table per part, built from the corpus)
	if [ "${BENCH_LAYOUT:-0}" = 1 ]; then
		# shellcheck disable=SC2046,SC2086  # PC_LIBS is a list
		cc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Iarchive \
			$(pkg-config --cflags $PC_LIBS) -o "$S/bench_layout" \
			"$HERE/bench_layout.c" "$HERE/bench.c" \
			"$ROOT/$BUILD/libhd.a" $(pkg-config --libs $PC_LIBS) \
			-lcsv -lpthread -lm
		rm -f "$S/layout.db" "$S/layout.db-wal" "$S/layout.db-shm"
		say "   Parts of the index in other layouts (bench_layout):"
		"$S/bench_layout" "$S/corpus.tsv" "$S/layout.db" |
			sed 's/^/   /' | tee -a "$OUT"
		say ""
	fi

	# warm the OS cache for both databases, as a running server has it
	cat "$S/work/trigram.db" "$S/work/archive/hongdang.db" > /dev/null
	note "timing queries (budget ${BENCH_QUERY_BUDGET:-150} s)"
	while :; do
		rc=0
		"$S/bench_search" query "$S/corpus.tsv" "$S/work" > "$S/query.out" ||
			rc=$?
		killed $rc || break
	done
	[ "$rc" -eq 0 ] || die "bench_search query failed"
	sed 's/^/   /' "$S/query.out" | tee -a "$OUT"

	# The same queries on a copy whose index "hongdang optimize" merged,
	# as the exhibit server leaves it once idle (serve --merge-idle): the
	# archive above was built in 20 transactions and has their segments.
	if [ "$(cat "$S/work/merged.key" 2> /dev/null)" != "$dkey" ]; then
		rm -rf "$S/work/merged"
		cp -r "$S/work/archive" "$S/work/merged"
		"$HD" -d "$S/work/merged" optimize --json > "$S/work/optimize.json" ||
			die "hongdang optimize failed"
		echo "$dkey" > "$S/work/merged.key"
	fi
	say ""
	say "   $(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("hongdang optimize: search index %d segments -> %d, title index %d -> %d,"
      " %d steps, %.1f s" % (d["segments_before"]["search"],
      d["segments"]["search"], d["segments_before"]["heads"],
      d["segments"]["heads"], d["steps"], d["seconds"]))' "$S/work/optimize.json")"
	say ""
	cat "$S/work/merged/hongdang.db" > /dev/null
	note "timing queries on the merged index"
	while :; do
		rc=0
		BENCH_ARCHIVE=merged "$S/bench_search" query "$S/corpus.tsv" \
			"$S/work" > "$S/query-merged.out" || rc=$?
		killed $rc || break
	done
	[ "$rc" -eq 0 ] || die "bench_search query (merged) failed"
	sed 's/^/   /' "$S/query-merged.out" | tee -a "$OUT"

	# warm_pass WARM NAME TITLE: the merged queries again with
	# BENCH_WARM=WARM, the table under TITLE.
	warm_pass() {
		say ""
		note "timing queries on the merged index ($2)"
		while :; do
			rc=0
			BENCH_WARM=$1 BENCH_ARCHIVE=merged "$S/bench_search" \
				query "$S/corpus.tsv" "$S/work" \
				> "$S/query-$2.out" || rc=$?
			killed $rc || break
		done
		[ "$rc" -eq 0 ] || die "bench_search query ($2) failed"
		sed -n '/^query  audience/,/^p99 </p' "$S/query-$2.out" |
			sed 's/^/   /' | { echo "   $3"; cat; } | tee -a "$OUT"
	}
	# A server's worker that has answered these queries before (the
	# figures above are of a fresh connection, which reads every page of
	# a query from the OS cache: a system call of some 15 microseconds
	# each in this machine).
	warm_pass 1 warm "Merged, each query answered once before on the same connection:"
	# And as an exhibit server's worker meets them: its connection has
	# read what every search reads (hd_search_warm, done after its first
	# request and after each change), the queries are new to it.
	warm_pass server server "Merged, after hd_search_warm, each query new to the connection (a server worker):"
fi

# ------------------------------------------------------------ OCR, server

# Scripts of their own; one that fails is named, the others still run.
FAILED=""
failed() {
	[ "$2" -eq 0 ] && return 0
	say "   $1 failed (exit $2)"
	FAILED="$FAILED $1"
}
if want 3; then
	say ""
	say "3. OCR"
	bash "$HERE/bench_ocr.sh" "$BUILD" | tee -a "$OUT"
	failed bench_ocr.sh "${PIPESTATUS[0]}"
fi
if want 4; then
	bash "$HERE/bench_server.sh" "$BUILD" | tee -a "$OUT"
	failed bench_server.sh "${PIPESTATUS[0]}"
fi
if want 5; then
	bash "$HERE/bench_derive.sh" "$BUILD" | tee -a "$OUT"
	failed bench_derive.sh "${PIPESTATUS[0]}"
fi

# the cost of variants and pinyin in the index at 200,000 records: the
# archive of section 2 against a copy indexed without them
if want 6; then
	say ""
	say "6. Variants and pinyin in the search index"
	# shellcheck disable=SC2046,SC2086  # PC_LIBS is a list
	if cc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Iarchive \
		$(pkg-config --cflags $PC_LIBS) -o "$S/bench_variants" \
		"$HERE/bench_variants.c" "$HERE/bench.c" "$ROOT/$BUILD/libhd.a" \
		$(pkg-config --libs $PC_LIBS) -lcsv -lpthread -lm; then
		rm -rf "$S/variants"
		mkdir -p "$S/variants"
		# the merged copy when section 2 made one: what the server
		# leaves once idle, and one segment like the plain rebuild
		arch="$S/work/archive"
		[ ! -d "$S/work/merged" ] || arch="$S/work/merged"
		say "   archive: $arch"
		"$S/bench_variants" "$S/corpus.tsv" "$arch" "$S/variants" |
			sed 's/^/   /' | tee -a "$OUT"
		failed bench_variants "${PIPESTATUS[0]}"
	else
		failed bench_variants.c 1
	fi
fi

if want 7; then
	say ""
	say "7. Templates"
	"$ROOT/$BUILD/tests/test_template" bench | sed 's/^/   /' |
		tee -a "$OUT"
	failed test_template "${PIPESTATUS[0]}"
fi

if want 8; then
	say ""
	say "8. Demonstrations"
	bash "$HERE/bench_demo.sh" "$BUILD" | tee -a "$OUT"
	failed bench_demo.sh "${PIPESTATUS[0]}"
fi

if want 9; then
	say ""
	say "9. Ingest by upload"
	bash "$HERE/bench_upload.sh" "$BUILD" "$SRC/mixed" | tee -a "$OUT"
	failed bench_upload.sh "${PIPESTATUS[0]}"
fi

if want 10; then
	say ""
	say "10. Ingest into an S3 bucket (Ceph RADOS Gateway) against curl"
	bash "$HERE/bench_s3.sh" "$BUILD" | tee -a "$OUT"
	failed bench_s3.sh "${PIPESTATUS[0]}"
fi

if want 11; then
	say ""
	say "11. Harvest (OAI-PMH, a district from a room)"
	bash "$HERE/bench_harvest.sh" "$BUILD" | sed 's/^/   /' | tee -a "$OUT"
	failed bench_harvest.sh "${PIPESTATUS[0]}"
fi

say ""
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)$([ "$RETRIES" -eq 0 ] || echo "; $RETRIES step(s) killed from outside and run again")"
note "figures written to $OUT"
[ -z "$FAILED" ] || die "failed:$FAILED"
