#!/usr/bin/env bash
# Test runner: every unit-test binary BUILD/tests/test_* and every case
# tests/cases/t*.sh.  Each prints lines "PASS name" or "FAIL name: why";
# a program that exits non-zero without printing a FAIL counts as one
# failure.  The last line is "N passed, N failed".
#   tests/run.sh [BUILD] [PATTERN]
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-build}
pattern=${2:-}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
export HD_BUILD="$build" HD_TOP="$top"
export HONGDANG="$build/hongdang"
export HD_SHARED="${HD_SHARED:-$top/../shared}"
export LC_ALL=C.UTF-8
# Debian's python3 directly: a version-manager shim in PATH costs a
# tenth of a second per call, and the cases call it hundreds of times.
if [ -x /usr/bin/python3 ]; then
	mkdir -p "$build/bin"
	ln -sf /usr/bin/python3 "$build/bin/python3"
	export PATH="$build/bin:$PATH"
fi
out="$build/test-logs"
rm -rf "$out"; mkdir -p "$out"
pass=0; fail=0; failed=()

run_one() {
	local name=$1; shift
	local log="$out/$name.log"
	local t0=$(date +%s.%N)
	"$@" >"$log" 2>&1
	local rc=$?
	local p f
	p=$(grep -c '^PASS ' "$log" 2>/dev/null); p=${p:-0}
	f=$(grep -c '^FAIL ' "$log" 2>/dev/null); f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited $rc without a FAIL line" >>"$log"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
	local dt=$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo "?")
	if [ "$f" -gt 0 ]; then
		failed+=("$name")
		printf '%-40s %3d passed %3d FAILED (%ss)\n' "$name" "$p" "$f" "${dt:0:5}"
		grep '^FAIL ' "$log" | head -20 | sed 's/^/    /'
	else
		printf '%-40s %3d passed (%ss)\n' "$name" "$p" "${dt:0:5}"
	fi
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	[ -n "$pattern" ] && [[ "$n" != *$pattern* ]] && continue
	run_one "$n" "$t"
done
for t in "$here"/cases/t*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ -n "$pattern" ] && [[ "$n" != *$pattern* ]] && continue
	run_one "$n" bash "$t"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (logs in $out)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
