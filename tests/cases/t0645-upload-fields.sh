# The web desk's upload against bodies no browser sends (what the
# multipart fuzz target, tests/fuzz/fuzz_multipart.c, found): a plain
# field that is not one line of text (a NUL byte, invalid UTF-8, a line
# break) is refused 400 naming the field, and the refusal is one line of
# UTF-8; a manifest
# whose sizes add up past 2^64 (wrapping to a small total) is refused
# 413 naming its entry; a manifest entry without a string path or a
# non-negative integer size is refused 400 naming the entry; hostile
# file names are refused naming the name,
# and a file in more than 64 folders (which a restart would not find
# again) is refused.
# Each time nothing of the batch is kept and the archive is unchanged.
# And a batch stored whose uploaded files a kill left has them removed
# at the next start.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/admin_lib.sh"
new_archive
account zhang archivist 'zhang-secret-77'
# shellcheck disable=SC2034  # read by serve (admin_lib.sh)
SERVE_OPTS="--upload-max-mb 5 --audit-hours 0 --merge-idle 0"
serve main
login z zhang zhang-secret-77
code login 303
snapshot empty

# ndirs: upload folders in the data folder's tmp/
ndirs() {
	find "$D/tmp" -maxdepth 1 -name 'upload-*' 2>/dev/null | wc -l
}
# utf8_body NAME: the answer's page is valid UTF-8
utf8_body() {
	ok "$1" $PY -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$BODY"
}
printf '番禺前锋社区会议记录。\n' >"$T/a.txt"

# a plain field that is not text: named, one line of UTF-8, nothing kept
printf 'chi\377\376' >"$T/lang"
upload "ocr_lang=<$T/lang" "files=@$T/a.txt"
code bad-utf8-400 400
has bad-utf8-names-field "$BODY" 'ocr_lang'
utf8_body bad-utf8-page-utf8
ok bad-utf8-nothing-kept test "$(ndirs)" -eq 0
printf 'WS\000x' >"$T/cat"
upload "category=<$T/cat" "files=@$T/a.txt"
code nul-category-400 400
has nul-category-names-field "$BODY" 'category'
printf '5\000junk' >"$T/off"
upload "offset=<$T/off" "files=@$T/a.txt"
code nul-offset-400 400
has nul-offset-names-field "$BODY" 'offset'
printf '3\n<b>4</b>' >"$T/off"
upload "offset=<$T/off" "files=@$T/a.txt"
code newline-offset-400 400
has newline-offset-names-field "$BODY" '表单字段 offset 的内容不是一行文字'
ok nul-nothing-kept test "$(ndirs)" -eq 0

# a manifest whose sizes wrap past 2^64 to a total under the cap
big=4611686018427387904         # 2^62, four of them: 2^64
printf '[{"path":"a.txt","size":%s},{"path":"b","size":%s},{"path":"c","size":%s},{"path":"d","size":%s}]' \
	$big $big $big $big >"$T/manifest"
upload "manifest=<$T/manifest" "files=@$T/a.txt"
code manifest-wrap-413 413
has manifest-wrap-names-entry "$BODY" '文件清单里的第 1 项（a.txt'
ok manifest-wrap-nothing-kept test "$(ndirs)" -eq 0
# and one entry over the cap alone
printf '[{"path":"a.txt","size":5000001}]' >"$T/manifest"
upload "manifest=<$T/manifest" "files=@$T/a.txt"
code manifest-over-413 413
has manifest-over-says-cap "$BODY" '每批 5.0 MB 的上限'
# manifest entries that do not say a path and a byte count: each refused
# 400 naming its entry (a size as text, a fraction, a negative, none;
# a path missing, not a string; an entry that is not an object), no
# batch kept, the archive as it was
sz=$(stat -c %s "$T/a.txt")
while IFS="|" read -r -u 3 name entry says; do
	printf '[{"path":"a.txt","size":%s},%s]' "$sz" "$entry" >"$T/manifest"
	upload "manifest=<$T/manifest" "files=@$T/a.txt;filename=a.txt"
	code "manifest-$name-400" 400
	has "manifest-$name-names-entry" "$BODY" "文件清单里的第 2 项$says"
	ok "manifest-$name-nothing-kept" test "$(ndirs)" -eq 0
done 3<<'EOF2'
size-string|{"path":"b.txt","size":"12"}|（b.txt）的 size 不是字节数
size-fraction|{"path":"b.txt","size":1.5}|（b.txt）的 size 不是字节数
size-negative|{"path":"b.txt","size":-1}|（b.txt）的 size 不是字节数
size-missing|{"path":"b.txt"}|（b.txt）的 size 不是字节数
size-null|{"path":"b.txt","size":null}|（b.txt）的 size 不是字节数
path-missing|{"size":3}|没有 path
path-number|{"path":7,"size":3}|没有 path
not-object|"b.txt"|没有 path
path-escapes|{"path":"../b.txt","size":3}|不合规：
EOF2
unchanged empty
# a manifest within the cap is taken
printf '[{"path":"a.txt","size":%s}]' "$(stat -c %s "$T/a.txt")" >"$T/manifest"
upload "manifest=<$T/manifest" "files=@$T/a.txt;filename=a.txt"
code manifest-ok-303 303
OKID=$(grep -i '^location:' "$H" | sed 's|.*/admin/batches/||' | tr -d '\r')

# hostile file names: each refused naming it, nothing of them written
n0=$(ndirs)
for n in '../../escape.txt' '/etc/passwd' 'a/../../b.txt'; do
	upload "files=@$T/a.txt;filename=$n"
	code "name-$n-400" 400
	has "name-$n-named" "$BODY" 'escapes the batch'
	ok "name-$n-nothing-kept" test "$(ndirs)" -eq "$n0"
done
ok names-nothing-outside test ! -e "$D/escape.txt" -a ! -e "$D/tmp/escape.txt"
upload "files=@$T/a.txt;filename=$(printf 'x%.0s' $(seq 300)).txt"
code name-overlong-400 400
has name-overlong-named "$BODY" 'over 255 bytes'
# deeper than a restart finds again (and thousands of folders made):
# 65 folders refused, 64 taken
upload "files=@$T/a.txt;filename=$(printf 'd/%.0s' $(seq 65))a.txt"
code name-deep-400 400
has name-deep-says "$BODY" '文件夹套了 64 层以上'
ok name-deep-nothing-kept test "$(ndirs)" -eq "$n0"
upload "files=@$T/a.txt;filename=$(printf 'd/%.0s' $(seq 64))a.txt"
code name-64-deep-303 303
unchanged empty

# stored, then the server killed after the batch's state was written but
# before its uploaded files went (as the crash trials met it): the next
# start removes them
bstate() {
	req z GET "/admin/batches/$1.json"
	$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$BODY" 2>/dev/null
}
for i in $(seq 300); do [ "$(bstate "$OKID")" = preview ] && break; sleep 0.1; done
post z "/admin/batches/$OKID/confirm"
for i in $(seq 300); do [ "$(bstate "$OKID")" = done ] && break; sleep 0.1; done
ok stored-done test "$(bstate "$OKID")" = done
ok stored-files-gone test ! -e "$D/tmp/upload-$OKID/files"
kill -9 "$SPID"
wait "$SPID" 2>/dev/null
PIDS=${PIDS/ $SPID/}
mkdir -p "$D/tmp/upload-$OKID/files/scans" "$D/tmp/upload-$OKID/part"
cp "$T/a.txt" "$D/tmp/upload-$OKID/files/scans/a.txt"
cp "$T/a.txt" "$D/tmp/upload-$OKID/part/b.txt"
serve again
login z zhang zhang-secret-77
ok left-files-removed test ! -e "$D/tmp/upload-$OKID/files" -a ! -e "$D/tmp/upload-$OKID/part"
ok done-kept-done test "$(bstate "$OKID")" = done
stop "$SPID"
