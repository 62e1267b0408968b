/*
 * demo_keep.c - three demonstrations of how records are kept, each step
 * done by the archive's real machinery inside the visitor's sandbox
 * (demo.h):
 *
 *   转递 transfer: records packed into a BagIt bag by the archive's bag
 *     writer, its manifest and bag-info shown as they stand in the
 *     files, one byte of a payload file flipped, the bag validated
 *     again: the damaged file is named;
 *   数字化 digitise: a sample page "scanned" (characterised), read by OCR
 *     through the pipeline (text and confidence), its quality checks
 *     (resolution, blank page, skew, confidence) and a search that
 *     finds the new text;
 *   库房管理 storage: four weeks of temperature and humidity drawn as an
 *     SVG chart with the safe band and the readings outside it, the
 *     shelf map with a record's box lit, an inventory with its count.
 */
#include "demo.h"
#include "pages.h"
#include "../ingest/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

/* Bag files listed at most, and bytes of a tag file shown. */
#define BAG_LIST_MAX 40
#define TAG_FILE_CAP ((size_t)64 << 10)
/* Characters of a search query. */
#define QUERY_MAX 100
/* Records a transfer packs. */
#define PACK_MAX 2

static const struct hd_agent keep_agent = { "demo:档案员" };

/* ---------------------------------------------------------- transfer */

/* The bag made at the first step. */
static const char *bag_dir(struct demo_run *r)
{
	return json_string_value(json_object_get(r->st, "_bag"));
}

/* Append the files under dir (path rel) to arr as {path, bytes}, sorted
 * by name, at most BAG_LIST_MAX in all. */
static void list_files(json_t *arr, const char *dir, const char *rel)
{
	struct dirent **v = NULL;
	struct stat st;
	int n, i;

	n = scandir(dir, &v, NULL, alphasort);
	for (i = 0; i < n; i++) {
		char *p, *q;

		if (v[i]->d_name[0] == '.' ||
		    json_array_size(arr) >= BAG_LIST_MAX) {
			free(v[i]);
			continue;
		}
		p = hd_xasprintf("%s/%s", dir, v[i]->d_name);
		q = rel[0] ? hd_xasprintf("%s/%s", rel, v[i]->d_name) :
			hd_xstrdup(v[i]->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			list_files(arr, p, q);
		} else if (S_ISREG(st.st_mode)) {
			json_t *o = json_object();

			json_object_set_new(o, "path", json_string(q));
			json_object_set_new(o, "bytes", json_integer(
				(json_int_t)st.st_size));
			json_array_append_new(arr, o);
		}
		free(p);
		free(q);
		free(v[i]);
	}
	free(v);
}

/* Step 装袋: the public records packed into a BagIt bag by the archive's
 * writer (manifest, bag-info with the transfer slip, tag manifest), then
 * validated: it is whole. */
static int transfer_pack(struct demo_run *r, json_t **res)
{
	struct hd_export x;
	struct hd_transfer t;
	struct hd_bag_report rep;
	const char *refs[PACK_MAX];
	char *bags, *out;
	size_t n = r->m->nrefs < PACK_MAX ? r->m->nrefs : PACK_MAX, i;
	int rc, valid;

	for (i = 0; i < n; i++) {
		refs[i] = r->m->refs[i];
	}
	bags = hd_xasprintf("%s/bags", r->dir);
	rc = hd_fs_mkdirs(bags, &r->e);
	out = hd_xasprintf("%s/转递-%lld", bags, (long long)
		json_integer_value(json_object_get(r->st, "_bags")) + 1);
	free(bags);
	memset(&x, 0, sizeof x);
	x.out = out;
	x.refs = refs;
	x.nrefs = n;
	x.to = "区档案馆（演示）";
	x.reason = "演示：档案转递";
	memset(&t, 0, sizeof t);
	if (rc == 0) {
		rc = hd_transfer_export(r->a, &x, &keep_agent, &t, &r->e);
	}
	if (rc != 0) {
		free(out);
		return rc;
	}
	memset(&rep, 0, sizeof rep);
	valid = hd_bag_validate(out, &rep, NULL) == 0;
	hd_bag_report_release(&rep);
	*res = json_object();
	json_object_set_new(*res, "items", json_integer(t.items));
	json_object_set_new(*res, "files_n", json_integer(t.files));
	json_object_set_new(*res, "bytes", json_integer((json_int_t)t.bytes));
	json_object_set_new(*res, "to", json_string(t.peer));
	json_object_set_new(*res, "valid", json_boolean(valid));
	json_object_set_new(*res, "files", json_array());
	list_files(json_object_get(*res, "files"), out, "");
	json_object_set_new(r->st, "_bag", json_string(out));
	json_object_set_new(r->st, "_bags", json_integer(json_integer_value(
		json_object_get(r->st, "_bags")) + 1));
	hd_transfer_release(&t);
	free(out);
	return 0;
}

/* The text of tag file name of the bag, as it stands (at most
 * TAG_FILE_CAP bytes), or NULL. */
static char *tag_file(const char *bag, const char *name)
{
	unsigned char *d = NULL;
	size_t n = 0;
	char *path = hd_xasprintf("%s/%s", bag, name), *s = NULL;

	if (hd_read_file(path, TAG_FILE_CAP, &d, &n, NULL) == 0) {
		s = hd_xstrndup((const char *)d, n);
	}
	free(d);
	free(path);
	return s;
}

/* Step 清单: manifest-sha256.txt and bag-info.txt exactly as they stand
 * in the files: a checksum, two spaces, the file under data/, a line
 * each. */
static int transfer_manifest(struct demo_run *r, json_t **res)
{
	const char *bag = bag_dir(r);
	char *m, *info;
	json_t *lines = json_array();
	const char *p, *nl;

	if (bag == NULL) {
		json_decref(lines);
		return hd_err(&r->e, HD_EINVAL, "请先装袋");
	}
	m = tag_file(bag, "manifest-sha256.txt");
	info = tag_file(bag, "bag-info.txt");
	if (m == NULL || info == NULL) {
		free(m);
		free(info);
		json_decref(lines);
		return hd_err(&r->e, HD_EIO, "%s: its tag files cannot be "
			"read", bag);
	}
	for (p = m; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			break;
		}
		json_array_append_new(lines, json_stringn(p, (size_t)(nl -
			p)));
	}
	*res = json_object();
	json_object_set_new(*res, "manifest", json_string(m));
	json_object_set_new(*res, "lines", lines);
	json_object_set_new(*res, "baginfo", json_string(info));
	free(m);
	free(info);
	return 0;
}

/* Step 改一个字节: one byte in the middle of the first payload file the
 * manifest names is flipped (its lowest bit), as a bad disk or a hand
 * would. */
static int transfer_flip(struct demo_run *r, json_t **res)
{
	const char *bag = bag_dir(r);
	char *m, *rel, *path, hex[8];
	unsigned char c;
	struct stat st;
	off_t off;
	int fd, rc = 0;

	if (bag == NULL) {
		return hd_err(&r->e, HD_EINVAL, "请先装袋");
	}
	m = tag_file(bag, "manifest-sha256.txt");
	rel = m != NULL && strstr(m, "  ") != NULL ?
		hd_xstrndup(strstr(m, "  ") + 2, strcspn(strstr(m, "  ") + 2,
		"\n")) : NULL;
	free(m);
	if (rel == NULL) {
		return hd_err(&r->e, HD_EIO, "%s: no manifest line", bag);
	}
	path = hd_xasprintf("%s/%s", bag, rel);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
		rc = hd_err(&r->e, HD_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	off = st.st_size / 2;
	if (pread(fd, &c, 1, off) != 1) {
		rc = hd_err(&r->e, HD_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	*res = json_object();
	snprintf(hex, sizeof hex, "0x%02X", c);
	json_object_set_new(*res, "before", json_string(hex));
	c ^= 1;
	if (pwrite(fd, &c, 1, off) != 1) {
		json_decref(*res);
		rc = hd_err(&r->e, HD_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(hex, sizeof hex, "0x%02X", c);
	json_object_set_new(*res, "after", json_string(hex));
	json_object_set_new(*res, "path", json_string(rel));
	json_object_set_new(*res, "offset", json_integer((json_int_t)off));
	json_object_set_new(*res, "size", json_integer((json_int_t)
		st.st_size));
	json_object_set_new(r->st, "_flipped", json_string(rel));
out:
	if (fd >= 0) {
		close(fd);
	}
	free(path);
	free(rel);
	return rc;
}

/* Step 再校验: the bag validated again by the archive's validator: every
 * checksum, every file; the one damaged is named. */
static int transfer_validate(struct demo_run *r, json_t **res)
{
	const char *bag = bag_dir(r);
	const char *flipped = json_string_value(json_object_get(r->st,
		"_flipped"));
	struct hd_bag_report rep;
	struct hd_error e;
	json_t *errs = json_array();
	size_t i;
	int rc, named = 0;

	if (bag == NULL) {
		json_decref(errs);
		return hd_err(&r->e, HD_EINVAL, "请先装袋");
	}
	memset(&rep, 0, sizeof rep);
	hd_err_clear(&e);
	rc = hd_bag_validate(bag, &rep, &e);
	for (i = 0; i < rep.nerrs; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "path", json_string(rep.errs[i].path));
		json_object_set_new(o, "msg", json_string(rep.errs[i].msg));
		json_array_append_new(errs, o);
		named |= flipped != NULL && strcmp(rep.errs[i].path,
			flipped) == 0;
	}
	hd_bag_report_release(&rep);
	*res = json_object();
	json_object_set_new(*res, "valid", json_boolean(rc == 0));
	json_object_set_new(*res, "errors", errs);
	json_object_set_new(*res, "named", json_boolean(named));
	if (rc != 0) {
		json_object_set_new(*res, "message", json_string(e.msg));
	}
	return 0;
}

static const struct demo_step transfer_steps[] = {
	{"pack", "装袋", "把两件档案装进一个 BagIt 包：原文件一字不差，每个"
		"文件配一行 SHA-256 校验码。", 0, 0, transfer_pack},
	{"manifest", "查看清单", "清单文件里每行是：校验码、两个空格、"
		"data/ 下的文件名；包信息里是转递单。", 0, 0, transfer_manifest},
	{"flip", "改动一个字节", "模拟传输或存储中的损坏：把一个文件中间的"
		"一个字节改掉。", 0, 0, transfer_flip},
	{"validate", "再次校验", "接收方重新计算每个文件的校验码：被改动的"
		"文件被指了出来，整包拒收。", 0, 0, transfer_validate},
};
const struct demo_def demo_transfer = {
	"transfer", transfer_steps, sizeof transfer_steps /
	sizeof transfer_steps[0]
};

/* ---------------------------------------------------------- digitise */

/* Step 扫描: the page as a scanner delivers it: its format, pixels and
 * resolution read from the file. */
static int digitise_scan(struct demo_run *r, json_t **res)
{
	int rc;

	*res = json_object();
	rc = demo_look(r->a, r->m->page, DEMO_LOOK_CHAR, *res, &r->e);
	if (rc != 0) {
		json_decref(*res);
		return rc;
	}
	json_object_set_new(*res, "img", json_string("/demo/material/page"));
	json_object_set_new(*res, "printed", json_string(r->m->page_text));
	return 0;
}

/* Step 识别: the pipeline ingests the page with OCR (tesseract, chi_sim):
 * the text recognised and its confidence; what its quality checks
 * measured is kept for the next step. */
static int digitise_ocr(struct demo_run *r, json_t **res)
{
	struct ingest_result ir;
	struct batch b;
	struct batch_item *it;
	struct batch_page *pg;
	json_t *q, *warns;
	size_t i;
	int rc;

	rc = demo_ingest(r, r->m->page, "WS", 1, 1, &b, &ir);
	if (rc != 0) {
		batch_release(&b);
		ingest_result_release(&ir);
		return rc;
	}
	if (ir.nrefs == 0 || b.nitems == 0 || b.items[0].npagev == 0) {
		batch_release(&b);
		ingest_result_release(&ir);
		return hd_err(&r->e, HD_EINVAL, "这一页已经数字化过了，请点"
			"“重新开始”");
	}
	it = &b.items[0];
	pg = &it->pagev[0];
	*res = json_object();
	json_object_set_new(*res, "ref", json_string(ir.refs[0]));
	json_object_set_new(*res, "text", json_string(pg->text ? pg->text :
		""));
	json_object_set_new(*res, "conf", json_integer(pg->conf));
	json_object_set_new(*res, "seconds", json_real(round(b.ocr.seconds *
		10) / 10));
	q = json_object();
	json_object_set_new(q, "dpi", json_integer((int)(it->file.exif.xres +
		0.5)));
	json_object_set_new(q, "blank", json_boolean(pg->blank));
	json_object_set_new(q, "skew_known", json_boolean(pg->skew_known));
	json_object_set_new(q, "skew", json_real(pg->skew));
	json_object_set_new(q, "conf", json_integer(pg->conf));
	warns = json_array();
	for (i = 0; i < b.nwarnings; i++) {
		json_array_append_new(warns, json_string(b.warnings[i].msg));
	}
	json_object_set_new(q, "warnings", warns);
	json_object_set_new(r->st, "_quality", q);
	json_object_set_new(r->st, "_page_ref", json_string(ir.refs[0]));
	batch_release(&b);
	ingest_result_release(&ir);
	return 0;
}

/* One check of the quality table: {name, value, rule, ok}. */
static json_t *check_row(const char *name, const char *value,
	const char *rule, int ok)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "value", json_string(value));
	json_object_set_new(o, "rule", json_string(rule));
	json_object_set_new(o, "ok", json_boolean(ok));
	return o;
}

/* Step 质检: the quality checks of digitisation (DA/T 31) on what the
 * pipeline measured of the page: resolution, blank page, skew, OCR
 * confidence; and the warnings the pipeline gave. */
static int digitise_quality(struct demo_run *r, json_t **res)
{
	json_t *q = json_object_get(r->st, "_quality"), *checks;
	char v[64], rule[64];
	int dpi, conf, all;
	double skew;

	if (q == NULL) {
		return hd_err(&r->e, HD_EINVAL, "请先做文字识别");
	}
	dpi = (int)json_integer_value(json_object_get(q, "dpi"));
	conf = (int)json_integer_value(json_object_get(q, "conf"));
	skew = json_real_value(json_object_get(q, "skew"));
	checks = json_array();
	snprintf(v, sizeof v, "%d dpi", dpi);
	json_array_append_new(checks, check_row("分辨率", v, "文字识别用的"
		"扫描件不低于 300 dpi", dpi >= 300));
	json_array_append_new(checks, check_row("空白页", json_is_true(
		json_object_get(q, "blank")) ? "空白" : "有内容",
		"不漏扫、不多扫空白页", !json_is_true(json_object_get(q,
		"blank"))));
	if (json_is_true(json_object_get(q, "skew_known"))) {
		snprintf(v, sizeof v, "%.1f°", fabs(skew));
	} else {
		snprintf(v, sizeof v, "文字太少，未能测出");
	}
	snprintf(rule, sizeof rule, "歪斜不超过 %.0f°", QUALITY_SKEW_MAX);
	json_array_append_new(checks, check_row("歪斜", v, rule,
		fabs(skew) <= QUALITY_SKEW_MAX));
	snprintf(v, sizeof v, "%d%%", conf);
	snprintf(rule, sizeof rule, "不低于 %d%%，否则人工校对",
		QUALITY_CONF_LOW);
	json_array_append_new(checks, check_row("识别置信度", v, rule,
		conf >= QUALITY_CONF_LOW));
	all = dpi >= 300 && !json_is_true(json_object_get(q, "blank")) &&
		fabs(skew) <= QUALITY_SKEW_MAX && conf >= QUALITY_CONF_LOW;
	*res = json_object();
	json_object_set_new(*res, "checks", checks);
	json_object_set_new(*res, "passed", json_boolean(all));
	json_object_set_new(*res, "warnings", json_incref(json_object_get(q,
		"warnings")));
	return 0;
}

/* Step 检索: a search of the sandbox (as a visitor searches) for what
 * the visitor types (field q); the new page is among the hits when OCR
 * read the word. */
static int digitise_search(struct demo_run *r, json_t **res)
{
	const char *mine = json_string_value(json_object_get(r->st,
		"_page_ref"));
	struct hd_query q;
	struct hd_results hits;
	struct hd_buf b;
	json_t *arr;
	char *text;
	size_t i;
	int rc, found = 0;

	text = hd_trim(hd_xstrdup(demo_param(r, "q")));
	if (*text == '\0' || g_utf8_strlen(text, -1) > QUERY_MAX) {
		free(text);
		return hd_err(&r->e, HD_EINVAL, "查找的字：请输入 1 至 %d 个字",
			QUERY_MAX);
	}
	memset(&q, 0, sizeof q);
	q.q = text;
	q.limit = 5;
	rc = hd_search(r->a, HD_PUBLIC, &q, &hits, &r->e);
	if (rc != 0) {
		free(text);
		return rc == HD_EINVAL ? HD_EINVAL : rc;
	}
	arr = json_array();
	for (i = 0; i < hits.nhits; i++) {
		json_t *o = json_object();
		int me = mine != NULL && strcmp(hits.hits[i].ref, mine) == 0;

		hd_buf_init(&b);
		page_snippet_html(&b, &hits.hits[i].snippet);
		json_object_set_new(o, "title", json_string(
			hits.hits[i].title));
		json_object_set_new(o, "ref", json_string(hits.hits[i].ref));
		json_object_set_new(o, "snippet", tmpl_html(b.p ? b.p : ""));
		json_object_set_new(o, "mine", json_boolean(me));
		hd_buf_release(&b);
		found |= me;
		json_array_append_new(arr, o);
	}
	*res = json_object();
	json_object_set_new(*res, "q", json_string(text));
	json_object_set_new(*res, "total", json_integer(hits.total));
	json_object_set_new(*res, "hits", arr);
	json_object_set_new(*res, "found", json_boolean(found));
	hd_results_release(&hits);
	free(text);
	return 0;
}

static const struct demo_step digitise_steps[] = {
	{"scan", "扫描", "纸质页面扫描成 300 dpi 的图像，读出它的像素和"
		"分辨率。", 0, 0, digitise_scan},
	{"ocr", "文字识别", "文字识别（OCR）读出页面上的字，并给出置信度。",
		0, 1, digitise_ocr},
	{"quality", "质量检查", "逐项检查：分辨率、是否空白页、是否歪斜、"
		"识别是否可信。", 0, 0, digitise_quality},
	{"search", "检索", "识别出的文字进入检索：输入几个字，刚扫描的这一页"
		"就能找到。", 1, 0, digitise_search},
};
const struct demo_def demo_digitise = {
	"digitise", digitise_steps, sizeof digitise_steps /
	sizeof digitise_steps[0]
};

/* ----------------------------------------------------------- storage */

/* Chart geometry: one panel for temperature, one for humidity. */
#define CH_W 960
#define CH_PANEL 200
#define CH_LEFT 70
#define CH_RIGHT 20
#define CH_TOP 30
#define CH_GAP 70

/* Seconds since the epoch of an ISO 8601 UTC time, or 0. */
static time_t iso_time(const char *iso)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		return 0;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* One panel of the chart into b: readings v[0..n) of one quantity
 * (temp 1: °C, else % RH) between lo and hi on the axis, the safe band
 * from blo to bhi shaded, the line, and each reading outside the band
 * as a red dot with its value as a title. */
static void chart_panel(struct hd_buf *b, const struct hd_reading *v,
	size_t n, int temp, double lo, double hi, double blo, double bhi,
	int y0, time_t t0, time_t t1)
{
	double span = t1 > t0 ? (double)(t1 - t0) : 1, x, y, val, tick;
	const char *unit = temp ? "°C" : "%";
	size_t i;
	int w = CH_W - CH_LEFT - CH_RIGHT;

#define YOF(val_) (y0 + CH_PANEL - ((val_) - lo) / (hi - lo) * CH_PANEL)
	hd_buf_printf(b, "<text class=\"ch-title\" x=\"%d\" y=\"%d\">%s"
		"（%s）</text>", CH_LEFT, y0 - 10, temp ? "温度" : "相对湿度",
		unit);
	hd_buf_printf(b, "<rect class=\"ch-band\" x=\"%d\" y=\"%.1f\" "
		"width=\"%d\" height=\"%.1f\"><title>安全范围 %g—%g%s</title>"
		"</rect>", CH_LEFT, YOF(bhi), w, YOF(blo) - YOF(bhi), blo, bhi,
		unit);
	for (tick = lo; tick <= hi + 0.01; tick += (hi - lo) / 4) {
		hd_buf_printf(b, "<line class=\"ch-grid\" x1=\"%d\" "
			"y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/><text "
			"class=\"ch-axis\" x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\">%g</text>", CH_LEFT,
			YOF(tick), CH_LEFT + w, YOF(tick), CH_LEFT - 8,
			YOF(tick) + 6, round(tick * 10) / 10);
	}
	hd_buf_printf(b, "<polyline class=\"ch-line\" points=\"");
	for (i = 0; i < n; i++) {
		val = temp ? v[i].temp : v[i].rh;
		x = CH_LEFT + (double)(iso_time(v[i].at) - t0) / span * w;
		y = YOF(fmin(fmax(val, lo), hi));
		hd_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	hd_buf_printf(b, "\"/>");
	for (i = 0; i < n; i++) {
		char at[24];

		val = temp ? v[i].temp : v[i].rh;
		if (val >= blo && val <= bhi) {
			continue;
		}
		demo_time_cn(v[i].at, at);
		x = CH_LEFT + (double)(iso_time(v[i].at) - t0) / span * w;
		y = YOF(fmin(fmax(val, lo), hi));
		hd_buf_printf(b, "<circle class=\"ch-out\" cx=\"%.1f\" "
			"cy=\"%.1f\" r=\"9\"><title>%.16s %g%s（超出 %g—%g）"
			"</title></circle>", x, y, at, val, unit, blo, bhi);
	}
#undef YOF
}

/* The chart of readings v[0..n) (oldest first) as an SVG element with a
 * title and a description for screen readers.  A new string. */
static char *chart_svg(const struct hd_reading *v, size_t n, int nout)
{
	struct hd_buf b;
	time_t t0 = n ? iso_time(v[0].at) : 0, t1 = n ? iso_time(
		v[n - 1].at) : 0;
	char d0[24], d1[24];
	int h = CH_TOP + 2 * CH_PANEL + CH_GAP + 40;

	demo_time_cn(n ? v[0].at : "", d0);
	demo_time_cn(n ? v[n - 1].at : "", d1);
	hd_buf_init(&b);
	hd_buf_printf(&b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
		"role=\"img\" aria-labelledby=\"ch-t ch-d\" "
		"xmlns=\"http://www.w3.org/2000/svg\"><title id=\"ch-t\">一号"
		"库房温湿度，%.10s 至 %.10s</title><desc id=\"ch-d\">共 %zu 次"
		"读数，%d 次超出安全范围（温度 14—24 °C，相对湿度 45—60%%）"
		"</desc>", CH_W, h, d0, d1, n, nout);
	chart_panel(&b, v, n, 1, 10, 30, HD_TEMP_MIN, HD_TEMP_MAX,
		CH_TOP + 10, t0, t1);
	chart_panel(&b, v, n, 0, 35, 75, HD_RH_MIN, HD_RH_MAX,
		CH_TOP + 10 + CH_PANEL + CH_GAP, t0, t1);
	hd_buf_printf(&b, "<text class=\"ch-axis\" x=\"%d\" y=\"%d\">%.10s"
		"</text><text class=\"ch-axis\" x=\"%d\" y=\"%d\" "
		"text-anchor=\"end\">%.10s</text></svg>", CH_LEFT, h - 8, d0,
		CH_W - CH_RIGHT, h - 8, d1);
	return hd_buf_detach(&b);
}

/* Step 温湿度: the readings of the last four weeks drawn on the server
 * as an SVG chart, the safe band shaded, and the readings outside it
 * listed. */
static int storage_chart(struct demo_run *r, json_t **res)
{
	struct hd_reading *v = NULL;
	json_t *outs = json_array();
	size_t n = 0, i;
	char at[24], since[32], *svg;
	time_t t0 = (time_t)(hd_now_s() - DEMO_READING_DAYS * 86400);
	struct tm tm;
	int rc;

	gmtime_r(&t0, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	rc = hd_readings_since(r->a, since, NULL, &v, &n, &r->e);
	if (rc != 0) {
		json_decref(outs);
		return rc;
	}
	for (i = 0; i < n; i++) {
		json_t *o;

		if (v[i].in_range) {
			continue;
		}
		o = json_object();
		demo_time_cn(v[i].at, at);
		json_object_set_new(o, "at", json_stringn(at, 16));
		json_object_set_new(o, "temp", json_real(v[i].temp));
		json_object_set_new(o, "rh", json_real(v[i].rh));
		json_object_set_new(o, "what", json_string(
			v[i].temp > HD_TEMP_MAX ? "温度偏高" :
			v[i].temp < HD_TEMP_MIN ? "温度偏低" :
			v[i].rh > HD_RH_MAX ? "湿度偏高" : "湿度偏低"));
		json_array_append_new(outs, o);
	}
	svg = chart_svg(v, n, (int)json_array_size(outs));
	*res = json_object();
	json_object_set_new(*res, "svg", tmpl_html(svg));
	json_object_set_new(*res, "readings", json_integer((json_int_t)n));
	if (n > 0) {
		demo_time_cn(v[0].at, at);
		json_object_set_new(*res, "from", json_stringn(at, 10));
		demo_time_cn(v[n - 1].at, at);
		json_object_set_new(*res, "to", json_stringn(at, 10));
	}
	json_object_set_new(*res, "outside", outs);
	free(svg);
	free(v);
	return 0;
}

/* The records a visitor may look for on the shelves: the public
 * records of the template, with their places.  A new array of {ref,
 * title, location}. */
static json_t *shelf_records(struct demo_run *r)
{
	json_t *arr = json_array();
	struct hd_record rec;
	size_t i;

	for (i = 0; i < r->m->nrefs; i++) {
		hd_record_init(&rec);
		if (hd_record_get(r->a, HD_ARCHIVIST, r->m->refs[i], &rec,
		    NULL) == 0 && rec.location != NULL) {
			json_t *o = json_object();

			json_object_set_new(o, "ref", json_string(rec.ref));
			json_object_set_new(o, "title", json_string(rec.title));
			json_object_set_new(o, "location", json_string(
				rec.location));
			json_array_append_new(arr, o);
		}
		hd_record_release(&rec);
	}
	return arr;
}

/* The node of arr (an array of {name, ...}) named name[0..n), made with
 * an array under key kids when missing. */
static json_t *node_of(json_t *arr, const char *name, size_t n,
	const char *kids)
{
	json_t *o;
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		o = json_array_get(arr, i);
		if (strlen(json_string_value(json_object_get(o, "name"))) ==
		    n && strncmp(json_string_value(json_object_get(o,
		    "name")), name, n) == 0) {
			return o;
		}
	}
	o = json_object();
	json_object_set_new(o, "name", json_stringn(name, n));
	if (kids != NULL) {
		json_object_set_new(o, kids, json_array());
	}
	json_array_append_new(arr, o);
	return o;
}

/* Step 排架: the shelf map, rooms, cabinets and boxes, with the box of
 * the record the visitor looks for (field ref) lit. */
static int storage_shelf(struct demo_run *r, json_t **res)
{
	struct hd_location *v = NULL;
	json_t *recs = shelf_records(r), *rooms = json_array(), *me = NULL;
	const char *ref = demo_param(r, "ref"), *loc;
	size_t n = 0, i;
	int rc;

	for (i = 0; i < json_array_size(recs); i++) {
		if (strcmp(json_string_value(json_object_get(json_array_get(
		    recs, i), "ref")), ref) == 0) {
			me = json_array_get(recs, i);
		}
	}
	if (me == NULL) {
		json_decref(recs);
		json_decref(rooms);
		return hd_err(&r->e, HD_EINVAL, "请选择要找的档案");
	}
	loc = json_string_value(json_object_get(me, "location"));
	rc = hd_location_list(r->a, &v, &n, &r->e);
	for (i = 0; rc == 0 && i < n; i++) {
		const char *p = v[i].path, *c1, *c2;
		json_t *room, *cab, *box;

		if (v[i].depth != 4) {
			continue;
		}
		c1 = strchr(p, '-');
		c2 = c1 ? strchr(c1 + 1, '-') : NULL;
		if (c1 == NULL || c2 == NULL) {
			continue;
		}
		room = node_of(rooms, p, (size_t)(c1 - p), "cabinets");
		cab = node_of(json_object_get(room, "cabinets"), c1 + 1,
			(size_t)(c2 - c1 - 1), "boxes");
		box = node_of(json_object_get(cab, "boxes"),
			strrchr(p, '-') + 1, strlen(strrchr(p, '-') + 1), NULL);
		json_object_set_new(box, "path", json_string(p));
		json_object_set_new(box, "records", json_integer(
			v[i].records));
		json_object_set_new(box, "lit", json_boolean(strcmp(p, loc)
			== 0));
	}
	hd_locations_free(v, n);
	if (rc != 0) {
		json_decref(recs);
		json_decref(rooms);
		return rc;
	}
	*res = json_object();
	json_object_set_new(*res, "record", json_incref(me));
	json_object_set_new(*res, "rooms", rooms);
	json_decref(recs);
	return 0;
}

/* Step 盘点: an inventory of room 一号库房: started, every record the
 * catalogue keeps there marked found but one (the box left empty), and
 * finished: the count, and what is missing. */
static int storage_inventory(struct demo_run *r, json_t **res)
{
	static const char scope[] = "一号库房";
	json_t *rep = NULL, *miss;
	struct hd_inv_found *out = NULL;
	const char **refs = NULL;
	char *js = NULL;
	int64_t id = 0;
	size_t n, i;
	int rc;

	rc = hd_inventory_start(r->a, scope, &keep_agent, &id, &r->e);
	if (rc == 0) {
		rc = hd_inventory_report(r->a, id, 0, &keep_agent, &js, &r->e);
	}
	if (rc == 0) {
		rep = json_loads(js, 0, NULL);
		rc = rep != NULL ? 0 : hd_err(&r->e, HD_EIO, "inventory %lld: "
			"no report", (long long)id);
	}
	free(js);
	js = NULL;
	if (rc != 0) {
		json_decref(rep);
		return rc;
	}
	miss = json_object_get(rep, "missing");
	n = json_array_size(miss);
	refs = hd_xcalloc(n + 1, sizeof *refs);
	for (i = 0; i + 1 < n; i++) {
		refs[i] = json_string_value(json_object_get(json_array_get(
			miss, i), "ref"));
	}
	out = hd_xcalloc(n + 1, sizeof *out);
	rc = n > 1 ? hd_inventory_found(r->a, id, NULL, refs, n - 1, out,
		&r->e) : 0;
	if (rc == 0) {
		hd_inv_found_release(out, n - 1);
	}
	free(out);
	free(refs);
	json_decref(rep);
	rep = NULL;
	if (rc == 0) {
		rc = hd_inventory_report(r->a, id, 1, &keep_agent, &js, &r->e);
	}
	if (rc == 0) {
		rep = json_loads(js, 0, NULL);
	}
	free(js);
	if (rc != 0 || rep == NULL) {
		json_decref(rep);
		return rc != 0 ? rc : hd_err(&r->e, HD_EIO, "no report");
	}
	*res = json_object();
	json_object_set_new(*res, "scope", json_string(scope));
	json_object_set(*res, "expected", json_object_get(rep, "expected"));
	json_object_set(*res, "found", json_object_get(rep, "found"));
	json_object_set(*res, "missing", json_object_get(rep, "missing"));
	json_object_set_new(*res, "nmissing", json_integer((json_int_t)
		json_array_size(json_object_get(rep, "missing"))));
	json_decref(rep);
	return 0;
}

static const struct demo_step storage_steps[] = {
	{"chart", "温湿度", "近四周的温湿度记录画成曲线：浅色带是安全范围，"
		"红点是超出范围的读数。", 0, 0, storage_chart},
	{"shelf", "排架图", "选一件档案，在库房、柜、盒的排架图上找到它"
		"所在的盒子。", 1, 0, storage_shelf},
	{"inventory", "盘点", "逐盒清点一号库房：核对档号与位置，清点结果"
		"记入盘点记录。", 0, 0, storage_inventory},
};
const struct demo_def demo_storage = {
	"storage", storage_steps, sizeof storage_steps /
	sizeof storage_steps[0]
};

/* demo_keep_form_values: see demo.h. */
void demo_keep_form_values(const struct demo_def *d, const char *key,
	struct demo_run *r, json_t *ctx)
{
	json_t *recs;

	if (d == &demo_storage && strcmp(key, "shelf") == 0) {
		recs = shelf_records(r);
		json_object_set_new(ctx, "choose", json_boolean(
			json_array_size(recs) > 0));
		json_object_set_new(ctx, "records", recs);
	}
}

/* demo_def_of: see demo.h. */
const struct demo_def *demo_def_of(const char *slug)
{
	static const struct demo_def *const all[] = {
		&demo_collect, &demo_review, &demo_consult, &demo_transfer,
		&demo_digitise, &demo_storage,
	};
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (strcmp(all[i]->slug, slug) == 0) {
			return all[i];
		}
	}
	return NULL;
}
