#!/usr/bin/env bash
# Crash trials (make crash-trials; not part of the test suite): seeded
# kill -9 at random moments of ingest, backup, export, import and a
# review while the server runs on the same folder, then full disks.
#
# After every kill: the folder opens (search), verify passes, SQLite's
# integrity_check says ok, the interrupted work run again completes, and
# after that run no staging folder or temporary file of the killed
# process is left.  Full disks: small loop-mounted ext4 volumes of 1 KiB
# and 4 KiB blocks, filled to many levels of free space, where search,
# verify, ingest and backup must end without a signal, each refusal in
# one line, and the folder, once space is freed, verifies and ingests.
#
#   tests/crash/trials.sh [BUILD]
#   CRASH_TRIALS=N (100) trials of each kind, CRASH_SEED=S (18) the
#   moments, CRASH_KINDS="ingest backup export import review web disk"
#   the kinds run.
# A web trial: a server on a copy of the folder, an archivist uploads the
# batch (curl, multipart), confirms it once checked, and the server is
# killed at a random moment of that (the upload, the check, the ingest);
# restarted, the batch is taken to the end (run again, confirmed, or
# uploaded again when it was cut short) with its records once.
# The last line is "N trials, N passed, N failed"; exit 1 on a failure.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
H="$build/hongdang"
N=${CRASH_TRIALS:-100}
SEED=${CRASH_SEED:-18}
KINDS=${CRASH_KINDS:-"ingest backup export import review web disk"}
export LC_ALL=C.UTF-8
RANDOM=$SEED
W=$(mktemp -d "${TMPDIR:-/tmp}/hdcrash.XXXXXX")
M="$W/mnt"
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	umount "$M" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
echo "# seed $SEED, $N trials of each of: $KINDS (in $W)"

trials=0 passed=0 failed=0
declare -A kt kp kk
# result KIND OK WHY: count one trial.
result() {
	trials=$((trials + 1))
	kt[$1]=$((${kt[$1]:-0} + 1))
	if [ "$2" -eq 1 ]; then
		passed=$((passed + 1))
		kp[$1]=$((${kp[$1]:-0} + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $1 trial ${kt[$1]}: $3"
	fi
}
# ms_of CMD...: milliseconds CMD takes.
ms_of() {
	local t0
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	echo $((($(date +%s%N) - t0) / 1000000))
}
# moment SPAN: a random number of milliseconds from 0 to SPAN.
moment() {
	echo $(((RANDOM * 32768 + RANDOM) % ($1 + 1)))
}
# run_killed AT CMD...: start CMD, kill -9 it AT ms later.  KPID its pid;
# KILLED 1 when it was still running.
run_killed() {
	local at=$1
	shift
	"$@" >/dev/null 2>&1 &
	KPID=$!
	sleep "$((at / 1000)).$(printf '%03d' $((at % 1000)))"
	KILLED=0
	kill -9 "$KPID" 2>/dev/null && KILLED=1
	wait "$KPID" 2>/dev/null
	kk[$CUR]=$((${kk[$CUR]:-0} + KILLED))
}
# sound DIR: the folder opens, verifies and passes integrity_check;
# prints why not and returns 1.
sound() {
	if ! "$H" -d "$1" search 番禺 >/dev/null 2>"$W/err"; then
		echo "search: $(head -c 200 "$W/err")"
		return 1
	fi
	if ! "$H" -d "$1" verify >/dev/null 2>"$W/err"; then
		echo "verify: $(head -c 200 "$W/err")"
		return 1
	fi
	local ic
	ic=$(sqlite3 "$1/hongdang.db" 'PRAGMA integrity_check' 2>&1)
	if [ "$ic" != ok ]; then
		echo "integrity_check: $ic"
		return 1
	fi
}
# records DIR: how many records DIR holds.
records() {
	sqlite3 "$1/hongdang.db" 'SELECT count(*) FROM records'
}
# leftovers DIR PID: what of process PID is left in DIR/tmp.
leftovers() {
	ls "$1/tmp" 2>/dev/null | grep -E "^[a-z]+-$2(-|$)"
}

# ------------------------------------------------------- the material
BATCH="$W/batch"
mkdir -p "$BATCH"
python3 - "$BATCH" <<'PY'
import os, sys, random
random.seed(18)
chars = "前锋社区党员档案番禺市桥老旧小区改造居民议事协商会楼道微更新红色读书角"
for i in range(120):
    with open(os.path.join(sys.argv[1], "f%04d.txt" % i), "w") as f:
        f.write("".join(random.choice(chars) for _ in range(200 + i)))
        f.write("\n" + os.urandom(15000 + 97 * i).hex())
PY
NF=120
BASE="$W/base"
"$H" -d "$BASE" init --fonds QF01 --name 前锋社区档案室 >/dev/null
mkdir -p "$W/seed"
for i in $(seq 1 12); do
	printf '番禺档案第 %s 件。\n' "$i" >"$W/seed/s$i.txt"
done
"$H" -d "$BASE" ingest --approve "$W/seed" >/dev/null
NBASE=$(records "$BASE")
FULL="$W/full"
cp -a "$BASE" "$FULL"
"$H" -d "$FULL" ingest --approve "$BATCH" >/dev/null
"$H" -d "$FULL" export --bag "$W/refbag" --query 番禺 >/dev/null
NBAG=$(grep -c ' data/' "$W/refbag/manifest-sha256.txt")

# kill_rerun KIND FROM WANT SPAN CMD...: N trials of CMD, which works on
# the folder $W/a, each on a fresh copy of FROM, killed at a random
# moment within SPAN ms: the folder is then sound and holds FROM's
# records or WANT (the work whole or absent); CMD run again completes
# with WANT records, and leaves no staging of the killed process.
kill_rerun() {
	local kind=$1 from=$2 want=$3 span=$4 i at why n n0
	shift 4
	n0=$(records "$from")
	for i in $(seq 1 "$N"); do
		rm -rf "$W/a"
		cp -a "$from" "$W/a"
		at=$(moment "$span")
		run_killed "$at" "$@"
		why=$(sound "$W/a") || { result "$kind" 0 "kill at $at ms: $why"; continue; }
		n=$(records "$W/a")
		if [ "$n" -ne "$n0" ] && [ "$n" -ne "$want" ]; then
			result "$kind" 0 "kill at $at ms: $n records, not whole"
			continue
		fi
		if ! "$@" >/dev/null 2>"$W/err"; then
			result "$kind" 0 "rerun: $(head -c 200 "$W/err")"
			continue
		fi
		n=$(records "$W/a")
		if [ "$n" -ne "$want" ]; then
			result "$kind" 0 "rerun left $n records"
		elif [ -n "$(leftovers "$W/a" "$KPID")" ]; then
			result "$kind" 0 "tmp/ keeps $(leftovers "$W/a" "$KPID")"
		else
			why=$(sound "$W/a") && result "$kind" 1 "" ||
				result "$kind" 0 "after rerun: $why"
		fi
	done
	rm -rf "$W/a"
}

# -------------------------------------------------------------- ingest
trial_ingest() {
	local span
	cp -a "$BASE" "$W/ref"
	span=$(ms_of "$H" -d "$W/ref" ingest --approve "$BATCH")
	rm -rf "$W/ref"
	echo "# ingest of $NF files: $span ms"
	kill_rerun ingest "$BASE" $((NBASE + NF)) "$span" \
		"$H" -d "$W/a" ingest --approve "$BATCH"
}

# -------------------------------------------------------------- backup
trial_backup() {
	local i span at why dest
	span=$(ms_of "$H" -d "$FULL" backup "$W/bkref")
	rm -rf "$W/bkref"
	echo "# backup of $(du -sh "$FULL" | cut -f1): $span ms"
	for i in $(seq 1 "$N"); do
		# every other trial updates one backup in place
		if [ $((i % 2)) -eq 0 ]; then dest="$W/bk-upd"; else
			dest="$W/bk-$i"; fi
		at=$(moment "$span")
		run_killed "$at" "$H" -d "$FULL" backup "$dest"
		why=$(sound "$FULL") || { result backup 0 "kill at $at ms: $why"; continue; }
		if ! "$H" -d "$FULL" backup "$dest" >/dev/null 2>"$W/err"; then
			result backup 0 "rerun: $(head -c 200 "$W/err")"
			continue
		fi
		if ls -d "$dest".part-* >/dev/null 2>&1; then
			result backup 0 "left $(ls -d "$dest".part-*)"
		elif [ -n "$(leftovers "$dest" "$KPID")" ]; then
			result backup 0 "backup tmp/ keeps $(leftovers "$dest" "$KPID")"
		elif [ "$(sqlite3 "$dest/hongdang.db" 'PRAGMA integrity_check')" != ok ]; then
			result backup 0 "the backup's catalogue is damaged"
		elif [ $((i % 10)) -eq 1 ] && ! "$H" -d "$W/rs-$i" restore "$dest" \
		    >/dev/null 2>"$W/err"; then
			result backup 0 "restore: $(head -c 200 "$W/err")"
		else
			result backup 1 ""
		fi
		[ "$dest" != "$W/bk-upd" ] && rm -rf "$dest"
		rm -rf "$W/rs-$i"
	done
	rm -rf "$W/bk-upd"
}

# -------------------------------------------------------------- export
trial_export() {
	local i span at why out
	span=$(ms_of "$H" -d "$FULL" export --bag "$W/bagref" --query 番禺)
	rm -rf "$W/bagref"
	echo "# export of a bag of $NBAG files: $span ms"
	for i in $(seq 1 "$N"); do
		out="$W/bag-$i"
		at=$(moment "$span")
		run_killed "$at" "$H" -d "$FULL" export --bag "$out" --query 番禺
		why=$(sound "$FULL") || { result export 0 "kill at $at ms: $why"; continue; }
		if [ "$KILLED" -eq 0 ]; then
			# it ended before the kill: the bag is made
			"$H" bag validate "$out" >/dev/null 2>&1 &&
				result export 1 "" ||
				result export 0 "a finished bag does not validate"
			rm -rf "$out"
			continue
		fi
		if [ -d "$out" ]; then
			# placed, killed before its transfer was recorded: the
			# bag is whole; the rerun needs another name
			if ! "$H" bag validate "$out" >/dev/null 2>&1; then
				result export 0 "a placed bag does not validate"
				continue
			fi
			echo "# export trial $i: killed at $at ms after the bag was placed"
			rm -rf "$out"
		fi
		if ! "$H" -d "$FULL" export --bag "$out" --query 番禺 >/dev/null 2>"$W/err"; then
			result export 0 "rerun: $(head -c 200 "$W/err")"
		elif ls -d "$out".part-* >/dev/null 2>&1; then
			result export 0 "left $(ls -d "$out".part-*)"
		elif ! "$H" bag validate "$out" >/dev/null 2>"$W/err"; then
			result export 0 "bag: $(head -c 200 "$W/err")"
		else
			result export 1 ""
		fi
		rm -rf "$out"
	done
}

# -------------------------------------------------------------- import
trial_import() {
	local span n
	"$H" -d "$W/empty" init --fonds QF02 --name 区档案馆 >/dev/null
	cp -a "$W/empty" "$W/ref"
	span=$(ms_of "$H" -d "$W/ref" import --approve "$W/refbag")
	n=$(records "$W/ref")
	rm -rf "$W/ref"
	echo "# import of a bag of $n records: $span ms"
	kill_rerun import "$W/empty" "$n" "$span" \
		"$H" -d "$W/a" import --approve "$W/refbag"
	rm -rf "$W/empty"
}

# ----------------------------------------- review while the server runs
trial_review() {
	local i span at why ref port url load st
	rm -rf "$W/r"
	cp -a "$BASE" "$W/r"
	mkdir -p "$W/pending"
	for i in $(seq 1 $((N + 1))); do
		printf '番禺待审档案 %s。\n' "$i" >"$W/pending/p$i.txt"
	done
	"$H" -d "$W/r" ingest --access public "$W/pending" >/dev/null
	port=$(python3 -c 'import socket; s=socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	url="http://127.0.0.1:$port"
	"$H" -d "$W/r" serve --listen "127.0.0.1:$port" \
		--templates "$top/templates" 2>"$W/serve.err" &
	SPID=$!
	for i in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "$url/favicon.ico" && break
		sleep 0.1
	done
	( while [ ! -e "$W/stop" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
			"$url/search?q=%E7%95%AA%E7%A6%BA" >>"$W/codes"
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
			"$url/oai?verb=ListIdentifiers&metadataPrefix=oai_dc" \
			>>"$W/codes"
	  done ) &
	load=$!
	ref=$(sqlite3 "$W/r/hongdang.db" "SELECT ref FROM records WHERE status = 'pending' LIMIT 1")
	span=$(ms_of "$H" -d "$W/r" review approve "$ref")
	echo "# review approve while serving: $span ms"
	for i in $(seq 1 "$N"); do
		ref=$(sqlite3 "$W/r/hongdang.db" "SELECT ref FROM records WHERE status = 'pending' LIMIT 1")
		at=$(moment $((span * 2)))
		run_killed "$at" "$H" -d "$W/r" review approve "$ref"
		st=$(sqlite3 "$W/r/hongdang.db" "SELECT status FROM records WHERE ref = '$ref'")
		if [ "$st" != pending ] && [ "$st" != approved ]; then
			result review 0 "kill at $at ms: status '$st'"
			continue
		fi
		if [ "$st" = pending ] && ! "$H" -d "$W/r" review approve "$ref" \
		    >/dev/null 2>"$W/err"; then
			result review 0 "rerun: $(head -c 200 "$W/err")"
			continue
		fi
		st=$(sqlite3 "$W/r/hongdang.db" "SELECT status FROM records WHERE ref = '$ref'")
		if [ "$st" != approved ]; then
			result review 0 "rerun left '$st'"
		elif ! kill -0 "$SPID" 2>/dev/null; then
			result review 0 "the server died: $(tail -3 "$W/serve.err")"
		elif [ $((i % 10)) -eq 0 ] && ! why=$(sound "$W/r"); then
			result review 0 "$why"
		else
			result review 1 ""
		fi
	done
	touch "$W/stop"
	wait "$load"
	why=$(grep -vc '^200$' "$W/codes")
	result review "$([ "$why" -eq 0 ] && echo 1 || echo 0)" \
		"$why of $(wc -l <"$W/codes") requests during the trials failed"
	kill "$SPID"
	wait "$SPID" 2>/dev/null
	SPID=""
	why=$(sound "$W/r") && result review 1 "" || result review 0 "at the end: $why"
	rm -rf "$W/r"
}

# ------------------------------------------- a web upload at the desk
# The archivist's side, by curl against $WURL with the cookie jar
# $W/jar: web_login logs in, web_state ID prints a batch's state,
# web_post PATH posts the session's form token to PATH.
web_login() {
	local tok
	rm -f "$W/jar"
	tok=$(curl -s -c "$W/jar" --max-time 20 "$WURL/admin/login" |
		grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 |
		sed 's/.*value="//; s/"$//')
	curl -s -o /dev/null -b "$W/jar" -c "$W/jar" --max-time 20 \
		"$WURL/admin/login" --data-urlencode "csrf=$tok" \
		--data-urlencode user=zhang --data-urlencode "password=zhang-secret-77"
}
web_token() {
	curl -s -b "$W/jar" -c "$W/jar" --max-time 20 "$WURL/admin/" |
		grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 |
		sed 's/.*value="//; s/"$//'
}
web_post() {
	curl -s -o /dev/null -w '%{http_code}' -b "$W/jar" -c "$W/jar" \
		--max-time 20 "$WURL$1" --data-urlencode "csrf=$(web_token)"
}
web_state() {
	curl -s -b "$W/jar" --max-time 20 "$WURL/admin/batches/$1.json" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null
}
# web_batches: "ID STATE" of each batch the desk lists.
web_batches() {
	curl -s -b "$W/jar" --max-time 20 "$WURL/admin/batches.json" |
		python3 -c 'import json,sys
for b in json.load(sys.stdin)["batches"]: print(b["id"], b["state"])' 2>/dev/null
}
# web_wait ID STATE...: wait (120 s at most, while the server runs) until
# the batch is in one of the states; prints the state it is in.
web_wait() {
	local id=$1 i st w
	shift
	for i in $(seq 1200); do
		kill -0 "$SPID" 2>/dev/null || break
		st=$(web_state "$id")
		for w in "$@"; do
			[ "$st" = "$w" ] && { echo "$st"; return 0; }
		done
		sleep 0.1
	done
	echo "$st"
	return 1
}
# web_upload: the batch's files in one multipart POST /admin/ingest,
# confirmed once checked, until stored.  Returns 1 on a wrong turn.
web_upload() {
	local id f args=()
	for f in "$BATCH"/*; do
		args+=(-F "files=@$f")
	done
	id=$(curl -s -o /dev/null -D - -b "$W/jar" -c "$W/jar" --max-time 120 \
		"$WURL/admin/ingest" -F "csrf=$(web_token)" -F ocr=off "${args[@]}" |
		grep -i '^location:' | sed 's|.*/admin/batches/||' | tr -d '\r')
	[ -n "$id" ] || return 1
	[ "$(web_wait "$id" preview refused failed)" = preview ] || return 1
	[ "$(web_post "/admin/batches/$id/confirm")" = 303 ] || return 1
	[ "$(web_wait "$id" done failed)" = done ]
}
# web_serve DIR: a server on DIR at a free port (60 s at most to answer,
# on a loaded machine); WURL, SPID.
web_serve() {
	local port i
	port=$(python3 -c 'import socket; s=socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	WURL="http://127.0.0.1:$port"
	HD_OCR_WORKERS=1 "$H" -d "$1" serve --listen "127.0.0.1:$port" \
		--templates "$top/templates" --audit-hours 0 --merge-idle 0 \
		2>>"$W/serve.err" &
	SPID=$!
	for i in $(seq 600); do
		curl -s -o /dev/null --max-time 1 "$WURL/favicon.ico" && return 0
		kill -0 "$SPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# web_stop: stop the server (SIGTERM).
web_stop() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=""
}
# web_finish: after the restart, take the interrupted batch to the end
# as an archivist would: run a failed one again, confirm a checked one,
# wait for one queued or being checked, cancel one cut short and upload
# it again, upload it when none was made.  Prints why not and returns 1.
web_finish() {
	local id st n=0
	web_login
	while read -r id st; do
		n=$((n + 1))
		case "$st" in
		receiving)
			[ "$(web_post "/admin/batches/$id/cancel")" = 303 ] ||
				{ echo "cancel $id refused"; return 1; }
			web_upload || { echo "upload again failed"; return 1; } ;;
		checking|preview|queued|ingesting|failed)
			st=$(web_wait "$id" preview failed done)
			if [ "$st" = failed ]; then
				[ "$(web_post "/admin/batches/$id/rerun")" = 303 ] ||
					{ echo "rerun $id refused"; return 1; }
				st=$(web_wait "$id" preview done failed)
			fi
			if [ "$st" = preview ]; then
				web_post "/admin/batches/$id/confirm" >/dev/null
				st=$(web_wait "$id" done failed)
			fi
			[ "$st" = done ] || { echo "batch $id ends $st: $(curl -s -b "$W/jar" "$WURL/admin/batches/$id.json" | head -c 300)"; return 1; } ;;
		done) ;;
		*) echo "batch $id is $st"; return 1 ;;
		esac
	done < <(web_batches)
	if [ "$n" -eq 0 ]; then
		web_upload || { echo "upload failed"; return 1; }
	fi
}
trial_web() {
	local i span at why n t0 spid
	cp -a "$BASE" "$W/wbase"
	printf 'zhang-secret-77\n' >"$W/pw"
	"$H" -d "$W/wbase" user add zhang --role archivist \
		--password-file "$W/pw" >/dev/null
	cp -a "$W/wbase" "$W/a"
	web_serve "$W/a" || { result web 0 "the server does not start"; return; }
	t0=$(date +%s%N)
	web_login
	web_upload || result web 0 "the reference upload failed"
	span=$((($(date +%s%N) - t0) / 1000000))
	web_stop
	rm -rf "$W/a"
	echo "# web upload of $NF files, checked, confirmed and stored: $span ms"
	for i in $(seq 1 "$N"); do
		rm -rf "$W/a"
		cp -a "$W/wbase" "$W/a"
		web_serve "$W/a" || { result web 0 "trial $i: no server"; continue; }
		at=$(moment "$span")
		( web_login; web_upload ) >/dev/null 2>&1 &
		KPID=$!
		sleep "$((at / 1000)).$(printf '%03d' $((at % 1000)))"
		spid=$SPID
		KILLED=0
		kill -9 "$SPID" 2>/dev/null && KILLED=1
		wait "$SPID" 2>/dev/null
		kk[$CUR]=$((${kk[$CUR]:-0} + KILLED))
		kill "$KPID" 2>/dev/null        # the client, its server gone
		wait "$KPID" 2>/dev/null
		why=$(sound "$W/a") || { result web 0 "kill at $at ms: $why"; continue; }
		n=$(records "$W/a")
		if [ "$n" -ne "$NBASE" ] && [ "$n" -ne $((NBASE + NF)) ]; then
			result web 0 "kill at $at ms: $n records, not whole"
			continue
		fi
		web_serve "$W/a" || { result web 0 "trial $i: no server after the kill"; continue; }
		if ! why=$(web_finish); then
			result web 0 "kill at $at ms: $why"
			web_stop
			continue
		fi
		web_stop
		n=$(records "$W/a")
		if [ "$n" -ne $((NBASE + NF)) ]; then
			result web 0 "kill at $at ms: $n records after the rerun"
		elif [ -n "$(leftovers "$W/a" "$spid")" ]; then
			result web 0 "tmp/ keeps $(leftovers "$W/a" "$spid")"
		elif [ -n "$(find "$W/a/tmp" -path '*/upload-*/*' \( -name files -o -name part \) 2>/dev/null)" ]; then
			result web 0 "uploaded files left: $(find "$W/a/tmp" -path '*/upload-*/*' \( -name files -o -name part \) | head -3)"
		else
			why=$(sound "$W/a") && result web 1 "" ||
				result web 0 "after the rerun: $why"
		fi
	done
	rm -rf "$W/a" "$W/wbase"
}

# ----------------------------------------------------------- full disks
# disk_run KIND LEVEL CMD...: CMD on the nearly full volume ends without
# a signal, and a refusal is one line on stderr.
disk_run() {
	local kind=$1 level=$2 rc
	shift 2
	"$@" >/dev/null 2>"$W/err"
	rc=$?
	if [ "$rc" -ge 128 ]; then
		result "$kind" 0 "$level: '$*' died with signal $((rc - 128))"
	elif [ "$rc" -ne 0 ] && [ "$(wc -l <"$W/err")" -ne 1 ]; then
		result "$kind" 0 "$level: '$*' exit $rc, not one line: $(head -c 200 "$W/err")"
	else
		result "$kind" 1 ""
		[ "$rc" -ne 0 ] && refused=$((refused + 1))
	fi
}
trial_disk() {
	local bs level levels kind why
	mkdir -p "$M" "$W/small"
	for i in 1 2 3; do
		printf '番禺新档案 %s。\n' "$i" >"$W/small/n$i.txt"
	done
	head -c 400000 /dev/urandom | base64 >"$W/small/big.txt"
	for bs in 1024 4096; do
		kind="disk-${bs}"
		refused=0
		truncate -s 24M "$W/vol.img"
		if ! mkfs.ext4 -q -F -b "$bs" "$W/vol.img" >/dev/null 2>&1 ||
		    ! mount -o loop "$W/vol.img" "$M" 2>"$W/err"; then
			echo "SKIP full disks: cannot mount a loop volume: $(cat "$W/err")"
			return
		fi
		levels="$(seq 0 1 40) 48 56 64 80 96 128 192 256 384 512 768 1024 1536 2048"
		for level in $levels; do
			rm -rf "$M/arch" "$M/bk" "$M"/bk.part-* "$M/fill" "$M/spare"
			cp -a "$BASE" "$M/arch"
			dd if=/dev/zero of="$M/spare" bs=1k count="$level" status=none
			dd if=/dev/zero of="$M/fill" bs=64k status=none 2>/dev/null
			dd if=/dev/zero of="$M/fill" bs=1k oflag=append \
				conv=notrunc status=none 2>/dev/null
			rm -f "$M/spare"
			sync
			disk_run "$kind" "${level}KiB" "$H" -d "$M/arch" search 番禺
			disk_run "$kind" "${level}KiB" "$H" -d "$M/arch" verify
			disk_run "$kind" "${level}KiB" "$H" -d "$M/arch" ingest --approve "$W/small"
			disk_run "$kind" "${level}KiB" "$H" -d "$M/arch" backup "$M/bk"
			rm -f "$M/fill"
			sync
			if ! why=$(sound "$M/arch"); then
				result "$kind" 0 "${level}KiB, freed: $why"
			elif ! "$H" -d "$M/arch" ingest --approve "$W/small" >/dev/null 2>"$W/err"; then
				result "$kind" 0 "${level}KiB, freed: ingest: $(head -c 200 "$W/err")"
			elif ! "$H" -d "$M/arch" backup "$M/bk" >/dev/null 2>"$W/err" ||
			    ls -d "$M"/bk.part-* >/dev/null 2>&1; then
				result "$kind" 0 "${level}KiB, freed: backup: $(head -c 200 "$W/err")"
			else
				result "$kind" 1 ""
			fi
		done
		echo "# $kind: $(echo "$levels" | wc -w) levels, $refused refusals (one line each)"
		umount "$M"
	done
}

for k in $KINDS; do
	CUR=$k
	"trial_$k"
done
echo "# by kind: trials, passed, kills that met a running command"
for k in "${!kt[@]}"; do
	echo "#   $k: ${kt[$k]} trials, ${kp[$k]:-0} passed, ${kk[$k]:-0} kills"
done | sort
echo "$trials trials, $passed passed, $failed failed"
[ "$failed" -eq 0 ]
