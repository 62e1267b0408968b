# The six demonstrations in headless Chromium (tests/browser/demos.mjs):
# each done by its autoplay at 1920x1080 and by touches on a 1080x1920
# touch screen, to the end (data-done on the root, every step done), with
# no console errors, axe clean, 48 px targets; 重新开始 starts afresh; on
# a kiosk (--idle 5) a running autoplay is not idleness, and going home
# after idle ends the kiosk's sandbox.  The real
# archive's events, chain head and objects are the same afterwards.
# Screenshots: $HD_BUILD/screenshots-demos/.
. "$HD_TOP/tests/lib.sh"
. "$HD_TOP/tests/browser/lib.sh"
SHOTS="$HD_BUILD/screenshots-demos"

new_archive
hd ingest --approve --no-ocr --sheet "$SAMPLE/目录.csv" "$SAMPLE"
status demo-browser-ingest 0
chain_state >"$T/before"
if ! server_start demos --templates "$HD_TOP/templates" --audit-hours 0 \
	--merge-idle 0 --idle 5 --attract 600; then
	fail demo-browser-server "no answer: $(head -c 400 "$T/demos.err")"
	exit 1
fi
rm -rf "$SHOTS"
HD_URL=$URL HD_SHOTS="$SHOTS" HD_CHROMIUM="$CHROMIUM" \
	timeout 600 node "$BR/demos.mjs" >"$T/node.out" 2>"$T/node.err"
rc=$?
cat "$T/node.out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$T/node.out"; then
	fail demo-browser-script "node exited $rc: $(tail -5 "$T/node.err" | tr '\n' ' ')"
elif ! grep -q '^PASS ' "$T/node.out"; then
	fail demo-browser-script "node checked nothing: $(tail -5 "$T/node.err" | tr '\n' ' ')"
fi
# the autoplay's and the touches' sandboxes are there still (a closed
# browser leaves its sandbox to the reaper); the kiosk's that went home
# after idle is not
n=$(find "$D/tmp" -mindepth 2 -maxdepth 2 -path '*/demo-*/s*' -type d | wc -l)
ok demo-browser-idle-home-ends-sandbox test "$n" -eq 2
kill "$SPID"
wait "$SPID"
src=$?
PIDS=""
[ "$src" -eq 0 ] && pass demo-browser-server-stops || fail demo-browser-server-stops "exit $src"
if grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$T/demos.err"; then
	fail demo-browser-sanitizer "$(grep -m3 -E 'Sanitizer|runtime error' "$T/demos.err")"
elif grep -q '" 5[0-9][0-9] ' "$T/demos.err"; then
	fail demo-browser-5xx "$(grep -m3 '" 5[0-9][0-9] ' "$T/demos.err")"
else
	pass demo-browser-server-log-clean
fi
chain_state >"$T/after"
if cmp -s "$T/before" "$T/after"; then
	pass demo-browser-real-archive-unchanged
else
	fail demo-browser-real-archive-unchanged "before: $(cat "$T/before"); after: $(cat "$T/after")"
fi
