# tests/bench/lib.sh - what the benchmark scripts share (sourced, with
# NAME set to the script's name): BUILD (the script's first argument,
# "build" by default), HERE (tests/bench), ROOT (the repository, made the
# current folder), HD (the hongdang binary of BUILD), and die, note and
# calc; the caches (CACHE, drop) and the processes a script starts (PIDS,
# stop, stop_all).
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
HD=$ROOT/$BUILD/hongdang

# die MESSAGE...: say what went wrong on stderr and stop.
die() { echo "$NAME: $*" >&2; exit 1; }
# note MESSAGE...: progress, on stderr.
note() { echo "$NAME: $*" >&2; }
# calc FORMAT EXPR: EXPR worked out by awk, printed with FORMAT.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# Cold reads when the kernel lets us drop its page cache (as root):
# drop syncs and empties the cache, and CACHE says then whether it could
# ("cold") or not ("warm").
CACHE=cold
drop() {
	sync
	if [ "$CACHE" = cold ] &&
	    ! { echo 3 > /proc/sys/vm/drop_caches; } 2> /dev/null; then
		CACHE=warm
	fi
}

# Everything a script starts is in PIDS and stopped by its pid, also on
# the way out (a script that sets its own EXIT trap calls stop_all).
PIDS=""
# stop PID: stop one process, wait for it and take it out of PIDS.
stop() {
	kill "$1" 2> /dev/null || true
	wait "$1" 2> /dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ' ||
		true)
}
# stop_all: stop every process of PIDS.
stop_all() {
	local p
	for p in $PIDS; do
		stop "$p"
	done
}
trap stop_all EXIT
