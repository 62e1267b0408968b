# kill -9 at random moments of an ingest: the data folder always opens,
# passes verify, holds the batch whole or not at all, and the same batch
# then completes.  Each trial starts from a fresh data folder, so every
# kill meets a batch still to be stored.  The moments are drawn from a
# seed (printed; HD_KILL_SEED=N repeats them) within the time the last
# whole ingest took here; a kill that comes after the ingest ended is
# counted and tried again sooner, until HD_KILL_ROUNDS kills (8) have
# landed while an ingest ran, in at most three times as many trials.
. "$HD_TOP/tests/lib.sh"
# the batch: NF text files of 20 to 35 KB (the moments follow the time an
# ingest takes, so a small batch serves as well as a large one)
NF=160
B="$T/batch"; mkdir -p "$B"
python3 - "$B" "$NF" <<'PY'
import os, sys, random
random.seed(7)
chars = "前锋社区党员档案番禺市桥老旧小区改造居民议事协商会楼道微更新红色读书角"
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], "f%04d.txt" % i), "w") as f:
        f.write("".join(random.choice(chars) for _ in range(200 + i)))
        f.write("\n" + "x" * (20000 + 97 * i))
PY
seed=${HD_KILL_SEED:-140}
RANDOM=$seed
rounds=${HD_KILL_ROUNDS:-8}
echo "# seed $seed, $rounds kills (HD_KILL_SEED=$seed repeats the moments)"

# ms: milliseconds since T0MS was set by ms_start
ms_start() { T0MS=$(date +%s%N); }
ms() { echo $((($(date +%s%N) - T0MS) / 1000000)); }

# how long a whole ingest takes on this machine
"$HONGDANG" -d "$T/ref" init --fonds QF01 --name ref >/dev/null 2>&1
ms_start
hd_in "$T/ref" ingest "$B"
span=$(ms)
status reference-ingest 0

killed=0 trials=0
while [ "$killed" -lt "$rounds" ] && [ "$trials" -lt $((3 * rounds)) ]; do
	trials=$((trials + 1))
	r=$trials
	new_archive
	# a moment within an ingest, its last steps (publish, commit) too
	at=$(((RANDOM * 32768 + RANDOM) % (span + 1)))
	"$HONGDANG" -d "$D" ingest "$B" >/dev/null 2>&1 &
	pid=$!
	sleep "$((at / 1000)).$(printf '%03d' $((at % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM records")
	echo "# trial $r: kill at $at ms of $span, ingest exit $rc, $n records"
	hd verify --json
	if [ "$RC" -ne 0 ]; then
		fail "kill-$r-verify" "$(cat "$OUT" "$ERR")"
	else
		pass "kill-$r-verify"
	fi
	if [ "$n" -ne 0 ] && [ "$n" -ne "$NF" ]; then
		fail "kill-$r-whole" "$n records: a batch landed in part"
	else
		pass "kill-$r-whole"
	fi
	# the same batch then completes
	ms_start
	hd ingest --json "$B"
	took=$(ms)
	status "kill-$r-after-exit" 0
	n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM records")
	ok "kill-$r-all-there" test "$n" -eq "$NF"
	hd verify --json
	status "kill-$r-after-verify" 0
	jq_is "kill-$r-objects" "d['objects']" "$NF"
	# what the killed process left in tmp/ is swept at the next ingest
	left=$(find "$D/tmp" -mindepth 1 | wc -l)
	ok "kill-$r-tmp-swept" test "$left" -eq 0
	if [ "$rc" -eq 137 ]; then
		killed=$((killed + 1))
		span=$took
	else
		span=$at        # the ingest ended before the kill
	fi
done
echo "# $killed kills landed while the ingest ran, in $trials trials"
ok kills-during-ingest test "$killed" -eq "$rounds"
