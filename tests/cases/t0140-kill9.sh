# kill -9 at random moments of an ingest: the data folder always opens,
# passes verify, holds the batch whole or not at all, and the same batch
# then completes.  Each round starts from a fresh data folder, so every
# kill meets a batch still to be stored; the moments are drawn from a
# seed (printed; HD_KILL_SEED=N repeats them) within the time a whole
# ingest takes here, and most kills must land while the ingest runs.
. "$HD_TOP/tests/lib.sh"
B="$T/batch"; mkdir -p "$B"
python3 - "$B" <<'PY'
import os, sys, random
random.seed(7)
chars = "前锋社区党员档案番禺市桥老旧小区改造居民议事协商会楼道微更新红色读书角"
for i in range(400):
    with open(os.path.join(sys.argv[1], "f%04d.txt" % i), "w") as f:
        f.write("".join(random.choice(chars) for _ in range(200 + i)))
        f.write("\n" + "x" * (20000 + 97 * i))
PY
seed=${HD_KILL_SEED:-140}
RANDOM=$seed
rounds=${HD_KILL_ROUNDS:-8}
echo "# seed $seed, $rounds rounds (HD_KILL_SEED=$seed repeats the moments)"

# how long a whole ingest takes on this machine, in ms
"$HONGDANG" -d "$T/ref" init --fonds QF01 --name ref >/dev/null 2>&1
t0=$(date +%s%N)
hd_in "$T/ref" ingest "$B"
took=$((($(date +%s%N) - t0) / 1000000))
status reference-ingest 0

killed=0
for r in $(seq 1 "$rounds"); do
	new_archive
	# a moment within the first four fifths of an ingest
	at=$(((RANDOM * 32768 + RANDOM) % (took * 4 / 5 + 1)))
	"$HONGDANG" -d "$D" ingest "$B" >/dev/null 2>&1 &
	pid=$!
	sleep "$((at / 1000)).$(printf '%03d' $((at % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	[ "$rc" -eq 137 ] && killed=$((killed + 1))
	echo "# round $r: kill at $at ms of $took, ingest exit $rc"
	hd verify --json
	if [ "$RC" -ne 0 ]; then
		fail "kill-$r-verify" "$(cat "$OUT" "$ERR")"
	else
		pass "kill-$r-verify"
	fi
	n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM records")
	if [ "$n" -ne 0 ] && [ "$n" -ne 400 ]; then
		fail "kill-$r-whole" "$n records: a batch landed in part"
	else
		pass "kill-$r-whole"
	fi
	# the same batch then completes
	hd ingest --json "$B"
	status "kill-$r-after-exit" 0
	n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM records")
	ok "kill-$r-all-there" test "$n" -eq 400
	hd verify --json
	status "kill-$r-after-verify" 0
	jq_is "kill-$r-objects" "d['objects']" 400
	# what the killed process left in tmp/ is swept at the next ingest
	left=$(find "$D/tmp" -mindepth 1 | wc -l)
	ok "kill-$r-tmp-swept" test "$left" -eq 0
done
echo "# $killed of $rounds kills landed while the ingest ran"
ok kills-during-ingest test "$killed" -ge $(((rounds + 1) / 2))
