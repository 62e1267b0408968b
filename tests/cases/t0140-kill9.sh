# kill -9 at random moments of an ingest: the data folder always opens,
# passes verify, and the same batch then completes.
. "$HD_TOP/tests/lib.sh"
new_archive
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
rounds=${HD_KILL_ROUNDS:-8}
for r in $(seq 1 "$rounds"); do
	"$HONGDANG" -d "$D" ingest "$B" >/dev/null 2>&1 &
	pid=$!
	sleep "$(( RANDOM % 2 )).$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
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
done
hd ingest --json "$B"
status after-kills-exit 0
n=$(sqlite3 "$D/hongdang.db" "SELECT count(*) FROM records")
ok after-kills-all-there test "$n" -eq 400
hd verify --json
status after-kills-verify 0
jq_is after-kills-objects "d['objects']" 400
# what killed processes left in tmp/ is swept at the next ingest
left=$(find "$D/tmp" -mindepth 1 | wc -l)
ok tmp-swept test "$left" -eq 0
