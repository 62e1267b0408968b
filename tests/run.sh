#!/usr/bin/env bash
# Test runner: every unit-test binary BUILD/tests/test_* and every case
# tests/cases/t*.sh.  Each prints lines "PASS name" or "FAIL name: why";
# a program that exits non-zero without printing a FAIL counts as one
# failure.  The last line is "N passed, N failed".  HD_JOBS programs run
# at once (default 2, the cores of the machine it was made on).
#   tests/run.sh [BUILD] [PATTERN]
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-build}
pattern=${2:-}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
export HD_BUILD="$build" HD_TOP="$top"
export HONGDANG="$build/hongdang"
export LC_ALL=C.UTF-8
# Sanitizer builds: leaks that libraries keep for the life of the
# process are not ours (tests/lsan.supp says which).
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
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

jobs=${HD_JOBS:-2}   # programs at once (HD_JOBS=1: one after another)

# start NAME CMD...: run one program in the background, its output in
# $out/NAME.log, its exit status and seconds in $out/NAME.rc.
start() {
	local name=$1; shift
	(
		t0=$(date +%s.%N)
		"$@" >"$out/$name.log" 2>&1
		rc=$?
		echo "$rc $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null ||
			echo "?")" >"$out/$name.rc"
	) &
}

# report NAME: count and print the result of a finished program.
report() {
	local name=$1 log="$out/$1.log" rc dt p f
	read -r rc dt <"$out/$name.rc"
	p=$(grep -c '^PASS ' "$log" 2>/dev/null); p=${p:-0}
	f=$(grep -c '^FAIL ' "$log" 2>/dev/null); f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited $rc without a FAIL line" >>"$log"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		failed+=("$name")
		printf '%-40s %3d passed %3d FAILED (%ss)\n' "$name" "$p" "$f" "${dt:0:5}"
		grep '^FAIL ' "$log" | head -20 | sed 's/^/    /'
	else
		printf '%-40s %3d passed (%ss)\n' "$name" "$p" "${dt:0:5}"
	fi
}

names=(); cmds=()
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	[ -n "$pattern" ] && [[ "$n" != *$pattern* ]] && continue
	names+=("$n"); cmds+=("$t")
done
for t in "$here"/cases/t*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ -n "$pattern" ] && [[ "$n" != *$pattern* ]] && continue
	names+=("$n"); cmds+=("$t")
done
# the longest first, so the others fill the second core beside them
order=()
for i in "${!names[@]}"; do
	case "${names[$i]}" in
	*browser*|*search_eval*) order=("$i" "${order[@]}") ;;
	*) order+=("$i") ;;
	esac
done
running=0
for i in "${order[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	case "${cmds[$i]}" in
	*.sh) start "${names[$i]}" bash "${cmds[$i]}" ;;
	*) start "${names[$i]}" "${cmds[$i]}" ;;
	esac
	running=$((running + 1))
done
wait
# reported in the usual order, whatever order they ended in
for i in "${!names[@]}"; do
	report "${names[$i]}"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (logs in $out)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
