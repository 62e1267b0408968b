/*
 * quality.c - quality checks on scanned pages and the printable
 * quality-check sheet of a batch (DA/T 31 spirit).
 *
 * The checks here look at what digitisation found out about each file:
 * the bit depth of an image (a photograph scanned in 1-bit black and
 * white has lost its tones for good), and per page whether it is blank,
 * whether OCR read it with confidence, whether it could be decoded at
 * all.  Each finding is one warning per file on the batch report, naming
 * the pages, so a 200-page register with three doubtful pages gives one
 * line, not three.  stage_check (describe.c) calls check_pages for every
 * file of every record; the catalogue stage keeps the warnings with the
 * record.
 *
 * The quality-check sheet is the batch report as a page to print and
 * sign: every value from the batch (names, messages) is HTML-escaped.
 */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include <allheaders.h>

/* Below this mean word confidence (0-100) OCR text needs proofreading. */
#define LOW_CONF 60
/* Pages named in one warning before "等". */
#define LIST_MAX 20

void image_probe(struct batch_item *it, const unsigned char *data,
	size_t n)
{
	l_int32 fmt = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
	l_ok rc = 1;

	if (it->file.mime == NULL || strncmp(it->file.mime, "image/", 6) != 0) {
		return;
	}
	setMsgSeverity(L_SEVERITY_NONE);
	if (data != NULL && n > 0) {
		rc = pixReadHeaderMem(data, n, &fmt, &w, &h, &bps, &spp, &cmap);
	}
	if (rc != 0 && it->src != NULL) {
		rc = pixReadHeader(it->src, &fmt, &w, &h, &bps, &spp, &cmap);
	}
	if (rc == 0 && bps > 0) {
		it->bpp = cmap ? 8 : bps * (spp > 0 ? spp : 1);
	}
}

/* Append " 第 1、3、5 页" (or nothing for a one-page file) for the pages
 * p where pick(p) holds; returns how many there are. */
static int page_list(struct hd_buf *out, const struct batch_item *it,
	int (*pick)(const struct batch_page *))
{
	int p, n = 0;

	for (p = 0; p < it->npagev; p++) {
		if (!pick(&it->pagev[p])) {
			continue;
		}
		n++;
		if (it->npagev == 1) {
			continue;
		}
		if (n <= LIST_MAX) {
			hd_buf_printf(out, "%s%d", n == 1 ? "第 " : "、", p + 1);
		}
	}
	if (n > 0 && it->npagev > 1) {
		hd_buf_printf(out, n > LIST_MAX ? " 等 %d 页" : " 页", n);
	}
	return n;
}

static int pick_blank(const struct batch_page *pg)
{
	return pg->done && pg->blank;
}

static int pick_low(const struct batch_page *pg)
{
	return pg->done && !pg->blank && pg->text != NULL &&
		pg->conf < LOW_CONF;
}

static int pick_empty(const struct batch_page *pg)
{
	return pg->done && !pg->blank && pg->text == NULL;
}

static int pick_failed(const struct batch_page *pg)
{
	return pg->failed == 1;
}

static int pick_slow(const struct batch_page *pg)
{
	return pg->failed == 3;
}

void check_pages(struct batch *b, const struct batch_item *it,
	const char *category)
{
	struct hd_buf l;
	int p, n, lo = 100;

	if (it->bpp == 1 && category != NULL && strcmp(category, "ZP") == 0) {
		batch_warn(b, it->path, "照片以黑白二值（1 位）扫描，灰度和"
			"色彩已丢失；照片应以灰度或彩色扫描（DA/T 31）");
	}
	hd_buf_init(&l);
	if (page_list(&l, it, pick_blank) > 0) {
		batch_warn(b, it->path, "空白页%s%s（几乎没有深色像素），请确认"
			"是否漏扫或多扫", l.len ? "：" : "", l.p ? l.p : "");
	}
	hd_buf_release(&l);
	n = page_list(&l, it, pick_low);
	for (p = 0; p < it->npagev; p++) {
		if (pick_low(&it->pagev[p]) && it->pagev[p].conf < lo) {
			lo = it->pagev[p].conf;
		}
	}
	if (n > 0) {
		batch_warn(b, it->path, "文字识别置信度低%s%s（最低 %d，低于 "
			"%d），识别的文字需人工校对", l.len ? "：" : "",
			l.p ? l.p : "", lo, LOW_CONF);
	}
	hd_buf_release(&l);
	if (page_list(&l, it, pick_empty) > 0) {
		batch_warn(b, it->path, "未识别出文字%s%s，请检查扫描方向和"
			"清晰度", l.len ? "：" : "", l.p ? l.p : "");
	}
	hd_buf_release(&l);
	if (page_list(&l, it, pick_failed) > 0) {
		batch_warn(b, it->path, "页面无法解码或过大%s%s，未做文字识别",
			l.len ? "：" : "", l.p ? l.p : "");
	}
	hd_buf_release(&l);
	if (page_list(&l, it, pick_slow) > 0) {
		batch_warn(b, it->path, "文字识别超时%s%s（每页限 2 分钟），"
			"页面可能是噪点或图片", l.len ? "：" : "",
			l.p ? l.p : "");
	}
	hd_buf_release(&l);
}

/* ------------------------------------------------- the printable sheet */

static void esc(struct hd_buf *o, const char *s)
{
	hd_buf_html(o, s ? s : "", s ? strlen(s) : 0);
}

static const char sheet_css[] =
	"body{font-family:\"Noto Serif CJK SC\",\"Songti SC\",serif;"
	"margin:2em;color:#000}"
	"h1{font-size:1.5em;text-align:center;letter-spacing:.2em}"
	"table{border-collapse:collapse;width:100%;font-size:.9em}"
	"th,td{border:1px solid #444;padding:.3em .4em;text-align:left;"
	"vertical-align:top}"
	"th{background:#eee}td.n{text-align:right;white-space:nowrap}"
	".warn{color:#8a1c00}.ok{color:#225522}"
	".sign{margin-top:3em;display:flex;justify-content:space-between}"
	"@media print{body{margin:1cm}th{background:none}"
	"tr{page-break-inside:avoid}}";

/* Mean OCR confidence of a file's pages, -1 when none was read. */
static int mean_conf(const struct batch_item *it, int *npages)
{
	int p, sum = 0, n = 0;

	for (p = 0; p < it->npagev; p++) {
		if (it->pagev[p].done && !it->pagev[p].blank &&
		    it->pagev[p].text != NULL) {
			sum += it->pagev[p].conf;
			n++;
		}
	}
	*npages = n;
	return n > 0 ? (sum + n / 2) / n : -1;
}

static void file_row(struct hd_buf *o, struct batch *b, size_t idx,
	int seq)
{
	const struct batch_item *it = &b->items[idx];
	const char *cls = "ok";
	int conf, nread, nw = 0;
	size_t k;

	for (k = 0; k < b->nwarnings; k++) {
		nw += strcmp(b->warnings[k].path, it->path) == 0;
	}
	for (k = 0; k < b->nrejected; k++) {
		nw += strcmp(b->rejected[k].path, it->path) == 0;
	}
	if (nw > 0) {
		cls = "warn";
	}
	hd_buf_printf(o, "<tr class=\"%s\"><td class=\"n\">%d</td><td>", cls,
		seq);
	esc(o, it->path);
	hd_buf_puts(o, "</td><td>");
	esc(o, it->file.mime ? it->file.mime : "—");
	hd_buf_puts(o, "</td><td class=\"n\">");
	if (it->file.pages > 0) {
		hd_buf_printf(o, "%d", it->file.pages);
	} else {
		hd_buf_puts(o, "1");
	}
	hd_buf_puts(o, "</td><td class=\"n\">");
	if (it->file.exif.xres > 0) {
		hd_buf_printf(o, "%.0f dpi", it->file.exif.xres);
	} else {
		hd_buf_puts(o, "—");
	}
	hd_buf_puts(o, "</td><td class=\"n\">");
	conf = mean_conf(it, &nread);
	if (conf >= 0) {
		hd_buf_printf(o, "%d 页，置信度 %d", nread, conf);
	} else if (it->ocr && it->npagev > 0 && it->pagev[0].blank) {
		hd_buf_puts(o, "空白");
	} else if (it->ocr) {
		hd_buf_puts(o, "未识别");
	} else {
		hd_buf_puts(o, "—");
	}
	hd_buf_puts(o, "</td><td>");
	if (nw == 0) {
		hd_buf_puts(o, "合格");
	}
	for (k = 0; k < b->nrejected; k++) {
		if (strcmp(b->rejected[k].path, it->path) == 0) {
			hd_buf_puts(o, "拒收：");
			esc(o, b->rejected[k].msg);
			hd_buf_puts(o, "<br>");
		}
	}
	for (k = 0; k < b->nwarnings; k++) {
		if (strcmp(b->warnings[k].path, it->path) == 0) {
			esc(o, b->warnings[k].msg);
			hd_buf_puts(o, "<br>");
		}
	}
	hd_buf_puts(o, "</td></tr>\n");
}

/* Notes whose path names no file of the batch: the batch's own.
 * Returns how many were listed. */
static int batch_notes(struct hd_buf *o, struct batch *b,
	const struct batch_note *v, size_t n, const char *label)
{
	size_t i, k;
	int own, listed = 0;

	for (i = 0; i < n; i++) {
		own = 1;
		for (k = 0; k < b->nitems && own; k++) {
			own = strcmp(b->items[k].path, v[i].path) != 0 ||
				b->items[k].record == -2;
		}
		if (!own) {
			continue;
		}
		hd_buf_printf(o, "<li>%s", label);
		if (*v[i].path) {
			esc(o, v[i].path);
			hd_buf_puts(o, "：");
		}
		esc(o, v[i].msg);
		hd_buf_puts(o, "</li>\n");
		listed++;
	}
	return listed;
}

char *batch_report_html(struct batch *b, const struct ingest_result *res,
	int dry_run)
{
	struct hd_buf o;
	char now[32];
	size_t i;
	int seq = 0;

	hd_buf_init(&o);
	hd_now_iso(now);
	hd_buf_printf(&o, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>"
		"<meta charset=\"utf-8\">\n<title>数字化质量检查单");
	if (res->batch > 0) {
		hd_buf_printf(&o, " 批次 %lld", (long long)res->batch);
	}
	hd_buf_printf(&o, "</title>\n<style>%s</style>\n</head>\n<body>\n"
		"<h1>数字化质量检查单</h1>\n<p>档案室：", sheet_css);
	esc(&o, hd_archive_name(b->a));
	hd_buf_puts(&o, "（");
	esc(&o, hd_archive_fonds(b->a));
	hd_buf_puts(&o, "）　批次：");
	if (res->batch > 0) {
		hd_buf_printf(&o, "%lld", (long long)res->batch);
	} else {
		hd_buf_puts(&o, dry_run ? "试运行（未存入）" : "未存入");
	}
	hd_buf_printf(&o, "　生成时间：%.10s %.8s UTC</p>\n<p>结果：", now,
		now + 11);
	if (b->nrejected > 0) {
		hd_buf_printf(&o, "<strong class=\"warn\">批次被拒收，未存入任何"
			"内容（%zu 个问题）</strong>", b->nrejected);
	} else {
		hd_buf_printf(&o, "%s %d 件，重复 %d 件，警告 %zu 条",
			dry_run ? "将新增" : "新增", res->added,
			res->duplicates, b->nwarnings);
	}
	hd_buf_puts(&o, "</p>\n");
	if (b->ocr.pages > 0) {
		hd_buf_printf(&o, "<p>文字识别：%d 页（本次识别 %d 页，沿用已识别"
			" %d 页，未识别 %d 页），用时 %.1f 秒</p>\n",
			b->ocr.pages, b->ocr.read, b->ocr.cached,
			b->ocr.failed + b->ocr.skipped, b->ocr.seconds);
	}
	hd_buf_puts(&o, "<table>\n<thead><tr><th>序号</th><th>文件</th>"
		"<th>格式</th><th>页数</th><th>分辨率</th><th>文字识别</th>"
		"<th>检查结果</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < b->nitems; i++) {
		if (b->items[i].record != -2) {
			file_row(&o, b, i, ++seq);
		}
	}
	hd_buf_puts(&o, "</tbody>\n</table>\n<h2>批次问题</h2>\n<ul>\n");
	if (batch_notes(&o, b, b->rejected, b->nrejected, "拒收：") +
	    batch_notes(&o, b, b->warnings, b->nwarnings, "") == 0) {
		hd_buf_puts(&o, "<li>无</li>\n");
	}
	hd_buf_puts(&o, "</ul>\n<p class=\"sign\"><span>检查人：＿＿＿＿＿＿"
		"</span><span>复核人：＿＿＿＿＿＿</span><span>日期：＿＿＿＿"
		"年＿＿月＿＿日</span></p>\n</body>\n</html>\n");
	return hd_buf_detach(&o);
}
