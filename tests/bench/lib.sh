# tests/bench/lib.sh - what the benchmark scripts share (sourced, with
# NAME set to the script's name): BUILD (the script's first argument,
# "build" by default), HERE (tests/bench), ROOT (the repository, made the
# current folder), HD (the hongdang binary of BUILD), and die, note and
# calc.
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
