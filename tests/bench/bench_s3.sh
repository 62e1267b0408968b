#!/bin/bash
# tests/bench/bench_s3.sh BUILD - ingest into an S3 bucket against curl.
#
# A one-node Ceph RADOS Gateway (tests/rgw.sh, as root) receives the same
# files twice: once by `hongdang ingest --no-ocr` into an archive made
# with `init --objects s3://...` (reading, hashing, cataloguing, a HEAD
# and a PUT with x-amz-content-sha256 per object over one kept-alive
# connection), once by one curl process PUTting them in turn over one
# kept-alive connection (`--next`) with the same SigV4 signing and the
# same real SHA-256 headers (the gateway checks each body against its
# header, for both).  curl is handed those hashes: it reads each file
# once and hashes nothing, while ingest must hash every file to name
# it, so the floor that does the same work is the hashing plus curl.
# The hashes are computed beforehand by `openssl dgst` (timed apart),
# with the libcrypto ingest hashes with (SHA-NI where the CPU has it;
# coreutils' sha256sum has no such code and takes 3x as long).  Both
# ratios are printed: against curl alone and against that floor.  The
# goal: ingest within 1.5x of curl.  Two sets: S3_SMALL files of 1 MB,
# and S3_BIG files of 80 MB (one PUT each: under s3.multipart).  Prints
# the figures; the gateway and its folder are removed afterwards.
# shellcheck disable=SC1091
set -eu
NAME=bench_s3
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/rgw.sh"
S3_SMALL=${S3_SMALL:-200}
S3_BIG=${S3_BIG:-2}
W=$ROOT/$BUILD/bench/s3
rm -rf "$W"
mkdir -p "$W"
trap 'rgw_down; rm -rf "$W/files" "$W/archive-"*' EXIT

if ! rgw_start "$W/ceph"; then
	echo "   skipped: no Ceph RADOS Gateway can start here: $RGW_WHY"
	exit 0
fi
export AWS_ACCESS_KEY_ID=$RGW_AK AWS_SECRET_ACCESS_KEY=$RGW_SK
now() { date +%s.%N; }

# run SET COUNT SIZE_MB: both ways over COUNT files of SIZE_MB
run() {
	local set=$1 count=$2 mb=$3 dir=$W/files/$1 i t0 t1 t2 t3 cfg
	local ingest curl_s
	mkdir -p "$dir"
	for i in $(seq 1 "$count"); do
		head -c $((mb * 1024 * 1024)) /dev/urandom >"$dir/f$i.bin"
	done
	# curl: one process, one connection, the real hashes
	curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" \
		--user "$RGW_AK:$RGW_SK" -X PUT \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
		"$RGW_URL/curl-$set"
	cfg=$W/curl-$set.cfg
	: >"$cfg"
	sync
	th0=$(now)
	(cd "$dir" && openssl dgst -sha256 -r -- *.bin) >"$W/sums-$set"
	th1=$(now)
	for i in $(seq 1 "$count"); do
		sha=$(grep " \\*f$i.bin\$" "$W/sums-$set" | cut -c1-64)
		[ "$i" -gt 1 ] && echo "next" >>"$cfg"
		cat >>"$cfg" <<EOF
silent
output = /dev/null
write-out = "%{http_code}\n"
aws-sigv4 = "aws:amz:us-east-1:s3"
user = "$RGW_AK:$RGW_SK"
header = "x-amz-content-sha256: $sha"
upload-file = "$dir/f$i.bin"
url = "$RGW_URL/curl-$set/$sha"
EOF
	done
	sync
	t0=$(now)
	curl -K "$cfg" >"$W/curl-$set.codes"
	t1=$(now)
	[ "$(grep -c '^200$' "$W/curl-$set.codes")" -eq "$count" ] ||
		die "curl PUTs of $set: $(sort "$W/curl-$set.codes" | uniq -c)"
	"$HD" -d "$W/archive-$set" init --objects "s3://hd-$set" \
		--s3-endpoint "$RGW_URL" >/dev/null
	sync
	t2=$(now)
	"$HD" -d "$W/archive-$set" ingest --no-ocr "$dir" >/dev/null
	t3=$(now)
	ingest=$(calc %.2f "$t3 - $t2")
	curl_s=$(calc %.2f "$t1 - $t0")
	echo "   $count x $mb MB: hongdang ingest $ingest s ($(calc %.0f \
"$count * $mb / ($t3 - $t2)") MB/s), curl PUTs $curl_s s ($(calc %.0f \
"$count * $mb / ($t1 - $t0)") MB/s): $(calc %.2f "($t3 - $t2) / ($t1 - $t0)")x (goal <= 1.5x);"
	echo "      the floor, hashing ($(calc %.2f "$th1 - $th0") s, openssl) then curl: $(calc %.2f "$th1 - $th0 + $t1 - $t0") s: $(calc %.2f "($t3 - $t2) / ($t1 - $t0 + $th1 - $th0)")x"
	rm -rf "$dir"
}

echo "   gateway: $RGW_URL (memstore), load $(cut -d' ' -f1 /proc/loadavg)"
run small "$S3_SMALL" 1
run big "$S3_BIG" 80
