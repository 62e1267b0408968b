#!/usr/bin/env bash
# bench_ocr.sh - OCR speed and accuracy, ours against the tesseract CLI.
#
#   tests/bench/bench_ocr.sh [BUILD]
#
# Six A4 pages of Chinese text (community minutes, notices, an oral
# history) are drawn at 300 dpi with ImageMagick and Debian's Noto Serif
# CJK, then read in the same run:
#   - by the tesseract command-line tool, one process a page, one page
#     after the other, as a script would call it (`tesseract IMG - -l
#     chi_sim`), and the same with two processes at a time (xargs -P2);
#   - by `hongdang ingest --category WS` (its OCR stage: one engine per
#     core, created once, a shared queue of pages), with chi_sim and with
#     chi_sim+eng.
# Speed is pages per minute of wall time for the whole command (start-up,
# hashing and cataloguing included for ours), best of two interleaved
# rounds, with the CPU seconds each page cost.
# Character accuracy is 1 - (edit distance / length of the known text),
# after NFKC and with white space removed on both sides, over all pages.
# Not a test: it prints figures and exits 0 unless a tool is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
HONGDANG="$build/hongdang"
export LC_ALL=C.UTF-8
for t in convert tesseract; do
	command -v $t >/dev/null ||
		{ echo "bench_ocr: $t missing (make deps)"; exit 1; }
done
[ -x "$HONGDANG" ] || { echo "bench_ocr: $HONGDANG missing (make)"; exit 1; }
PY=$(python3 -c 'import sys; print(sys.executable)')
W=$(mktemp -d "${TMPDIR:-/tmp}/hdbench-ocr.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/pages" "$W/known" "$W/cli"

# ---- the pages: one text per page, lines as they are to be printed
cat >"$W/texts" <<'EOF'
前锋社区居民议事协商会纪要
时间：二〇二三年五月十二日下午三时
地点：社区党群服务中心二楼会议室
出席：居民代表二十一人，社区工作人员四人
一、楼道微更新。居民代表反映三号楼楼道照明不足，墙面
剥落，杂物堆放影响通行。会议决定由党员志愿者分组清理楼
道杂物，更换节能灯，粉刷墙面，费用由社区公益金支出。
二、加装电梯。五号楼住户征求意见结束，同意加装电梯的
住户占百分之八十五，会议同意下月向街道提交申请材料，并
请设计单位到现场查看。
三、停车位规划。小区东门外空地改建为停车场，优先安排老
年人和残疾人车辆，具体方案在公告栏公示七天。
会议记录：王秀英
%%
关于开展老旧小区改造意见征询的通知
各位居民：
根据区住房和城乡建设局的统一安排，我社区前锋新村、河
岸花园两个小区列入今年老旧小区改造计划。改造内容包括
雨污分流管网、屋面防水、外墙修缮、消防通道整治和电动
自行车充电设施。为了让改造工程符合大家的意愿，社区居
委会将于本月十五日至二十五日逐户发放征询意见表，请各
位居民如实填写，并于月底前交回楼栋长。
对改造方案有意见或建议的，也可以在每周三上午到社区服
务中心当面反映，或拨打社区服务电话。
特此通知。
前锋社区居民委员会
%%
社区垃圾分类工作简报（第六期）
本月社区继续推进生活垃圾分类工作。一是开展入户宣传，
志愿者上门发放分类指南四百余份，讲解厨余垃圾、可回收
物、有害垃圾和其他垃圾的投放要求；二是完善投放点设施，
在五个小区新增洗手池和遮雨棚；三是组织积分兑换活动，
参与居民一百四十人次，兑换日用品三百余件。
从抽查情况看，厨余垃圾分出率比上月明显提高，但仍有个
别居民混投混放，部分投放点夜间溢满。下月将增加夜间巡
查，并请物业公司调整清运时间。
欢迎居民朋友继续支持垃圾分类工作，共同建设整洁美丽的
家园。
社区党委办公室
%%
口述史：祠堂里的夜校
讲述人：梁伯，一九三六年生，前锋街老居民
记录整理：社区档案室
解放初期，街坊们大多不识字，写信记账都要请人帮忙。一九
五六年，街道在梁氏宗祠里办起了夜校，白天大家做工，晚
上点着煤油灯在祠堂里学识字、学算术。老师是附近小学的
教员，还有几位读过书的青年义务来上课。
我那时候二十岁，每天收工后匆匆吃过饭就去上课，一年下
来能认一千多个字，可以自己看报纸了。后来祠堂改成了街
道工厂，夜校搬到居委会楼上，一直办到六十年代中期。
现在回想起来，夜校改变了很多人的一生。
%%
倡议书
全体居民朋友们：
文明城市创建需要我们每一个人的参与。为此，社区居委会
向大家发出如下倡议：
一、爱护公共环境，不乱扔垃圾，不在楼道堆放杂物；
二、文明饲养宠物，出门牵绳，及时清理宠物粪便；
三、安全用电用气，电动自行车不进楼入户，不私拉电线充电；
四、邻里互助友爱，关心独居老人和困难家庭；
五、积极参加志愿服务，每人每年服务不少于二十小时。
让我们从自身做起，从小事做起，共同营造和谐文明的社区
环境。
前锋社区居民委员会
%%
关于社区档案室藏品数字化的情况说明
社区档案室现存纸质档案一千二百余件，照片八百余张，其中
最早的是一九五三年的街景照片。为了更好地保护和利用这些
档案，社区于今年启动数字化工作。
纸质文书以三百dpi灰度扫描，照片以六百dpi彩色扫描，扫
描件经质量检查后存入档案系统，文书同时进行文字识别，
方便居民检索查阅。
数字化工作由社区工作人员和大学生志愿者共同完成，预计
年底前完成全部扫描。扫描过程中发现破损的档案，将另行
登记，交专业机构修复。
欢迎居民捐赠老照片和旧物件，共同丰富社区记忆。
EOF

"$PY" - "$W" <<'EOF'
import sys, os
w = sys.argv[1]
pages = open(os.path.join(w, 'texts')).read().strip().split('%%\n')
for i, p in enumerate(pages, 1):
    open(os.path.join(w, 'known', 'p%d.txt' % i), 'w').write(p.strip() + '\n')
EOF
n=0
for k in "$W"/known/p*.txt; do
	b=$(basename "$k" .txt)
	convert -density 300 -units PixelsPerInch -size 2480x3508 xc:white \
		-font Noto-Serif-CJK-SC -pointsize 12 -interline-spacing 30 \
		-annotate +250+300 "$(cat "$k")" -colorspace Gray -depth 8 \
		"$W/pages/$b.png" || exit 1
	n=$((n + 1))
done
tv=$(tesseract --version 2>&1 | head -1 | awk '{print $2}')
echo "bench_ocr: $n A4 pages at 300 dpi, $(nproc) cores, tesseract $tv"

# timed NAME CMD...: run CMD, append "NAME wall user+sys" to $W/times
# (bash's own clock: children's CPU included)
timed() {
	local name=$1 t
	shift
	t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 )
	echo "$name $t" | awk '{print $1, $2, $3 + $4}' >>"$W/times"
}
cli_seq() {
	local p
	for p in "$W"/pages/p*.png; do
		tesseract "$p" - -l chi_sim \
			>"$W/cli/$(basename "$p" .png).txt" 2>/dev/null
	done
}
cli_par() {
	ls "$W"/pages/p*.png |
		xargs -P2 -I{} sh -c 'tesseract {} - -l chi_sim >/dev/null 2>&1'
}
ours() {  # ours NAME LANG [WORKERS]: a fresh archive $W/a-NAME, ingest
	rm -rf "$W/a-$1"
	"$HONGDANG" -d "$W/a-$1" init --fonds QF01 >/dev/null 2>&1
	HD_OCR_WORKERS=${3:-0} "$HONGDANG" -d "$W/a-$1" ingest --json \
		--category WS --ocr-lang "$2" "$W/pages" >"$W/ingest-$1.json"
}
# two rounds, readers interleaved, so that a busy moment of the machine
# does not land on one reader only; the better round counts
: >"$W/times"
for round in 1 2; do
	timed cli-seq cli_seq
	timed ours-2 ours chi_sim chi_sim
	timed cli-par cli_par
	timed ours-1 ours one chi_sim 1
	timed ours-mix ours chi_sim+eng chi_sim+eng
done

echo
"$PY" - "$W/times" "$n" <<'EOF'
import sys
best = {}
for line in open(sys.argv[1]):
    name, wall, cpu = line.split()
    wall, cpu = float(wall), float(cpu)
    if name not in best or wall < best[name][0]:
        best[name] = (wall, cpu)
n = int(sys.argv[2])
rows = [
    ('cli-seq', 'tesseract CLI, a process a page, one after another'),
    ('cli-par', 'tesseract CLI, two processes at a time (xargs -P2)'),
    ('ours-2', 'hongdang ingest, chi_sim, an engine per core'),
    ('ours-1', 'hongdang ingest, chi_sim, one engine'),
    ('ours-mix', 'hongdang ingest, chi_sim+eng, an engine per core'),
]
print('%-52s %7s %9s %9s' % ('reader (same %d pages, same run, best of 2)' % n,
                             'wall s', 'pages/min', 'CPU s/pg'))
for key, label in rows:
    wall, cpu = best[key]
    print('%-52s %7.1f %9.1f %9.2f' % (label, wall, n * 60 / wall, cpu / n))
EOF

# ---- accuracy against the known text
"$PY" - "$W" "$n" <<'EOF'
import json, os, sqlite3, sys, unicodedata
w, n = sys.argv[1], int(sys.argv[2])

def norm(s):
    return ''.join(c for c in unicodedata.normalize('NFKC', s)
                   if not c.isspace())

def dist(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1,
                           prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]

def is_han(c):
    return '\u4e00' <= c <= '\u9fff' or '\u3400' <= c <= '\u4dbf'

known = [norm(open(os.path.join(w, 'known', 'p%d.txt' % i)).read())
         for i in range(1, n + 1)]

def ours(lang):
    db = sqlite3.connect(os.path.join(w, 'a-' + lang, 'hongdang.db'))
    rows = db.execute("SELECT f.name, p.text, p.confidence FROM pages p"
                      " JOIN files f ON f.id = p.file_id").fetchall()
    got = {name.split('/')[-1]: (text, conf) for name, text, conf in rows}
    return [got.get('p%d.png' % i, ('', 0)) for i in range(1, n + 1)]

def score(texts):
    tot = err = han = han_err = 0
    for k, t in zip(known, texts):
        h = norm(t)
        tot += len(k)
        err += dist(k, h)
        kh = ''.join(c for c in k if is_han(c))
        hh = ''.join(c for c in h if is_han(c))
        han += len(kh)
        han_err += dist(kh, hh)
    return 1 - err / tot, 1 - han_err / han, tot

print()
print('%-34s %10s %10s %6s' % ('character accuracy', 'all chars', 'Han only',
                                'conf'))
cli = [open(os.path.join(w, 'cli', 'p%d.txt' % i)).read()
       for i in range(1, n + 1)]
a, h, tot = score(cli)
print('%-34s %9.2f%% %9.2f%% %6s' % ('tesseract CLI, chi_sim', a * 100,
                                     h * 100, '-'))
for lang in ('chi_sim', 'chi_sim+eng'):
    r = ours(lang)
    a, h, tot = score([t for t, c in r])
    conf = sum(c or 0 for t, c in r) / len(r)
    print('%-34s %9.2f%% %9.2f%% %6.1f' % ('hongdang, ' + lang, a * 100,
                                           h * 100, conf))
print('(%d characters of known text on %d pages)' % (tot, n))
r = ours('chi_sim')
print('misread examples (chi_sim): ', end='')
ex = []
for k, (t, c) in zip(known, r):
    h = norm(t)
    for word in ('祠堂', '加装电梯', '楼道', '垃圾分类', '数字化'):
        if word in k and word not in h:
            ex.append(word)
print('、'.join(sorted(set(ex))) or 'none of 祠堂 加装电梯 楼道 垃圾分类 数字化')
EOF
