#!/bin/bash
# tests/bench/bench_harvest.sh BUILD - the district's harvest (section
# "harvest" of tests/bench/run.sh; `make bench BENCH_ONLY=harvest`).
#
# A room of HARVEST_RECORDS (default 100,000) approved public records,
# ingested once from generated Chinese text files and cached under
# BUILD/bench/harvest/ (BENCH_REBUILD=1 makes it again), is served on
# 127.0.0.1; a fresh district harvests it whole with `hongdang harvest
# run`, at the room's default page (100 records) and at 500, then once
# more with nothing changed.  The goal is 2,000 records/s or more.
# Figures on stdout (run.sh adds them to results.txt).
set -eu

NAME=bench_harvest
. "$(dirname "$0")/lib.sh"
B=$ROOT/$BUILD/bench/harvest
N=${HARVEST_RECORDS:-100000}
ROOM=$B/room
PID=""
trap '[ -z "$PID" ] || { kill "$PID"; wait "$PID"; } 2>/dev/null' EXIT

[ -x "$HD" ] || die "$HD missing: run 'make' first"
mkdir -p "$B"
if [ "${BENCH_REBUILD:-0}" = 1 ] || [ "$(cat "$B/.key" 2> /dev/null)" != "$N" ]; then
	note "making a room of $N records"
	rm -rf "$ROOM" "$B/src" "$B"/batch* "$B/.key"
	python3 - "$B/src" "$N" <<'PY'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
words = "骑楼 街坊 老街 新村 祠堂 夜校 花市 龙舟 飘色 侨乡 农贸 市桥 码头".split()
for i in range(n):
    d = os.path.join(top, "%03d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    w = words[i % len(words)], words[(i * 7) % len(words)]
    with open(os.path.join(d, "社区档案%06d%s.txt" % (i, w[0])), "w") as f:
        f.write("番禺社区第%d件：%s与%s的记忆。\n" % (i, w[0], w[1]))
PY
	"$HD" -d "$ROOM" init --fonds QB01 --name 基准社区档案室 > /dev/null
	# a reference-code prefix numbers at most 99,999 items: a class
	# (机构问题) for each 50 folders of 1,000
	for f in "$B"/src/*; do
		k=$(( 10#$(basename "$f") / 50 ))
		mkdir -p "$B/batch$k"
		mv "$f" "$B/batch$k/"
	done
	for f in "$B"/batch*; do
		"$HD" -d "$ROOM" ingest --no-ocr --approve --access public \
			--class "Q${f##*batch}" "$f" > /dev/null
	done
	echo "$N" > "$B/.key"
fi

PORT=$(python3 -c 'import socket; s=socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$HD" -d "$ROOM" serve --listen "127.0.0.1:$PORT" --audit-hours 0 \
	--merge-idle 0 --demo-max 0 2> "$B/room.err" &
PID=$!
for i in $(seq 100); do
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/favicon.ico" &&
		break
	sleep 0.1
done

# cpu_of PID: user + system seconds the process has used so far.
cpu_of() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		"/proc/$1/stat"
}

# harvest LABEL: a fresh district harvests the room whole; figures.
harvest() {
	local d=$B/district t0 t1 s r0 r1
	rm -rf "$d"
	"$HD" -d "$d" init --fonds QQ00 --name 区档案馆 > /dev/null
	"$HD" -d "$d" harvest add 基准 "http://127.0.0.1:$PORT/oai" > /dev/null
	r0=$(cpu_of "$PID")
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$B/cpu" "$HD" -d "$d" harvest run \
		> "$B/run.out"
	t1=$(date +%s.%N)
	r1=$(cpu_of "$PID")
	s=$(calc "%.2f" "$t1 - $t0")
	echo "harvest, $1: $N records in $s s, $(calc "%.0f" "$N / ($t1 - $t0)") records/s (goal >= 2000); CPU: the district $(awk '{ printf "%.2f", $1 + $2 }' "$B/cpu") s, the room $(calc "%.2f" "$r1 - $r0") s; load $(cut -d' ' -f1 /proc/loadavg); $(cat "$B/run.out")"
	t0=$(date +%s.%N)
	"$HD" -d "$d" harvest run > "$B/run.out"
	t1=$(date +%s.%N)
	echo "harvest, $1, again with nothing changed: $(calc "%.2f" "$t1 - $t0") s"
}
"$HD" -d "$ROOM" config oai.page 100 > /dev/null
harvest "pages of 100 (the room's default)"
"$HD" -d "$ROOM" config oai.page 500 > /dev/null
harvest "pages of 500"
"$HD" -d "$ROOM" config oai.page 100 > /dev/null
