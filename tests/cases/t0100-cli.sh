# The command-line contract: help, usage errors, exit statuses, init.
. "$HD_TOP/tests/lib.sh"

"$HONGDANG" --help >"$OUT" 2>"$ERR"; RC=$?
status help-exit 0
has help-lists-ingest "$OUT" "ingest"
# every command the program lists has --help, a page in the manual and
# a line in the README
cmds=$(sed -n '/^commands:/,$p' "$OUT" | awk 'NR > 1 && NF { print $1 }')
ok help-lists-all test "$(echo "$cmds" | wc -w)" -ge 20
cp "$OUT" "$T/help"
# a command with subcommands names each in its usage lines; each has its
# own --help and a place in the manual
nsubs=0
for c in $cmds; do
	"$HONGDANG" "$c" --help >"$OUT" 2>"$ERR"; RC=$?
	status "$c-help-exit" 0
	has "$c-help-usage" "$OUT" "usage: hongdang"
	has "$c-in-man" "$HD_TOP/hongdang.1" "\\fB$c\\fR"
	has "$c-in-readme" "$HD_TOP/README.md" "hongdang $c"
	subs=$(sed -n "s/^.*hongdang \(\[-d DIR\] \)\{0,1\}$c \([a-z][a-z]*\).*/\2/p" \
		"$OUT" | sort -u)
	for s in $subs; do
		nsubs=$((nsubs + 1))
		"$HONGDANG" "$c" "$s" --help >"$OUT" 2>"$ERR"; RC=$?
		status "$c-$s-help-exit" 0
		has "$c-$s-help-usage" "$OUT" "$c $s"
		has "$c-$s-in-man" "$HD_TOP/hongdang.1" "\\fB$c\\fR \\fB$s\\fR"
	done
done
ok help-lists-subcommands test "$nsubs" -ge 29

"$HONGDANG" frobnicate >"$OUT" 2>"$ERR"; RC=$?
status unknown-command-exit 2
has unknown-command-named "$ERR" "'frobnicate' is not a command"

hd search 番禺
status no-archive-exit 2
has no-archive-names-folder "$ERR" "$D: no archive here"

hd init --fonds 'bad code!'
status bad-fonds-exit 2
has bad-fonds-named "$ERR" "bad code!"
ok bad-fonds-nothing-created test ! -e "$D/hongdang.db"

hd init --fonds QF01 --name 前锋社区档案室
status init-exit 0
ok init-db test -f "$D/hongdang.db"
ok init-objects test -d "$D/objects"
snapshot init
hd init --fonds QF02
status init-again-exit 1
has init-again-says "$ERR" "already holds an archive"
unchanged init

hd ingest --bogus x
status ingest-bad-option 2
has ingest-bad-option-named "$ERR" "--bogus"
hd ingest
status ingest-no-path 2
hd ingest --access secret x
status ingest-bad-access 2
has ingest-bad-access-named "$ERR" "secret"
hd search --limit 0 x
status search-bad-limit 2
hd search --year 1990-1980 x
status search-bad-year 2
hd search
status search-no-query 2
hd search '   '
status search-empty-query 2
has search-empty-query-said "$ERR" "query is empty"
hd show 'not a ref'
status show-bad-ref 2
has show-bad-ref-named "$ERR" "not a ref"
hd show 'QF01-WS·2023·Y-DJ-0007'
status show-missing 1
has show-missing-named "$ERR" "QF01-WS·2023·Y-DJ-0007: no such record"

# HONGDANG_DIR selects the folder like -d
HONGDANG_DIR="$D" "$HONGDANG" verify --json >"$OUT" 2>"$ERR"; RC=$?
status env-dir-verify 0
jq_is env-dir-chain "d['chain']" ok
