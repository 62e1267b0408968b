#!/bin/bash
# tests/bench/bench_derive.sh BUILD - thumbnails and screen copies per
# second, ours against vipsthumbnail on the same images in the same run,
# for `make bench` (never a test).
#
# BENCH_IMAGES (default 300) JPEG photos (the ~200 KB generated photos of
# run.sh section 1 when they exist, else the sample collection's) are
# ingested into a fresh data folder; then:
#   - ours: bench_derive.c makes the thumbnail (400 px) and the screen
#     copy (1,600 px) of each through hd_derive on 2 threads, as the
#     exhibit server does on first request (EXIF orientation, sRGB,
#     metadata stripped, Q 82, each file fsynced and renamed);
#   - vipsthumbnail, the same two sizes (shrinking only, ">") with the
#     same Q and strip, one
#     process over all files, and two processes at a time (xargs -P2);
#     it writes without fsync.
# Images per second counts an image done when both its copies are.
set -eu
NAME=bench_derive
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8
W=$ROOT/$BUILD/bench/derive
N=${BENCH_IMAGES:-300}
command -v vipsthumbnail > /dev/null || die "vipsthumbnail missing (make deps)"
[ -x "$HD" ] || die "$HD missing (make)"

rm -rf "$W"
mkdir -p "$W/in" "$W/vt1" "$W/vt2"
src=$ROOT/$BUILD/bench/src/mixed
if [ -d "$src" ]; then
	find "$src" -name '*.jpg' | sort | head -n "$N" > "$W/list"
else
	find "$ROOT/$BUILD/sample" -name '*.jpg' | sort | head -n "$N" > "$W/list"
fi
i=0
while read -r f; do
	i=$((i + 1))
	cp "$f" "$W/in/$(printf 'p%05d.jpg' "$i")"
done < "$W/list"
n=$(find "$W/in" -name '*.jpg' | wc -l)
[ "$n" -gt 0 ] || die "no photos found"
mb=$(du -sm "$W/in" | cut -f1)

"$HD" -d "$W/data" init --fonds QF01 --name 缩略图测试 > /dev/null
"$HD" -d "$W/data" ingest --approve --no-ocr "$W/in" > "$W/ingest.log" ||
	die "ingest failed: see $W/ingest.log"

# shellcheck disable=SC2016  # make text, not an expansion
PC_LIBS=$(printf 'print-pc:\n\t@echo $(PC_LIBS)\n' |
	make -s -f Makefile -f - print-pc BUILD="$BUILD" 2> /dev/null)
# shellcheck disable=SC2046,SC2086  # PC_LIBS is a list
cc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Iarchive \
	$(pkg-config --cflags $PC_LIBS) -o "$W/bench_derive" \
	"$HERE/bench_derive.c" "$ROOT/$BUILD/libhd.a" \
	$(pkg-config --libs $PC_LIBS) -lcsv -lpthread -lm ||
	die "bench_derive.c did not build"

sync
"$W/bench_derive" "$W/data" 2 > "$W/ours.txt" || die "bench_derive failed"
v() { awk -v k="$1" '$1 == k { print $2 }' "$W/ours.txt"; }
OURS_WALL=$(v wall_s)
OURS_CPU=$(v cpu_s)
imgs=$(v images)

# vipsthumbnail: one process, then two at a time
vt() {  # vt OUTDIR PARALLEL
	local t0 t1
	t0=$(date +%s.%N)
	find "$W/in" -name '*.jpg' -print0 | sort -z |
		xargs -0 -n 25 -P "$2" vipsthumbnail -s "400x400>" \
		-o "$1/%s-thumb.jpg[Q=82,strip,optimize_coding]"
	find "$W/in" -name '*.jpg' -print0 | sort -z |
		xargs -0 -n 25 -P "$2" vipsthumbnail -s "1600x1600>" \
		-o "$1/%s-screen.jpg[Q=82,strip,optimize_coding]"
	t1=$(date +%s.%N)
	calc %.3f "$t1 - $t0"
}
sync
VT1=$(vt "$W/vt1" 1)
sync
VT2=$(vt "$W/vt2" 2)
made=$(find "$W/vt2" -name '*.jpg' | wc -l)

echo ""
echo "5. Thumbnails (400 px) and screen copies (1,600 px): $n JPEG photos, $mb MB"
printf '   %-44s %8s %8s %10s\n' '' 'wall s' 'cpu s' 'images/s'
printf '   %-44s %8s %8s %10s\n' "hongdang (hd_derive, 2 threads, fsync)" \
	"$OURS_WALL" "$OURS_CPU" "$(calc %.1f "$imgs / $OURS_WALL")"
printf '   %-44s %8s %8s %10s\n' "vipsthumbnail, one process" "$VT1" "-" \
	"$(calc %.1f "$n / $VT1")"
printf '   %-44s %8s %8s %10s\n' "vipsthumbnail, two at a time" "$VT2" "-" \
	"$(calc %.1f "$n / $VT2")"
best=$(awk -v a="$VT1" -v b="$VT2" 'BEGIN { print (a < b ? a : b) }')
echo "   ratio ours / best vipsthumbnail (images per second):" \
	"$(calc %.2f "($imgs / $OURS_WALL) / ($n / $best)")x" \
	"($made vipsthumbnail files for $n images)"
