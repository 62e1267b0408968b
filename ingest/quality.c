/*
 * quality.c - quality checks on scanned pages and the printable
 * quality-check sheet of a batch (DA/T 31 spirit).
 *
 * The checks here look at what digitisation found out about each file:
 * the bit depth of an image (a photograph scanned in 1-bit black and
 * white has lost its tones for good), and per page whether it is blank,
 * whether OCR read it with confidence, whether it could be decoded at
 * all, whether its lines lean.  Each finding is one warning per file on
 * the batch report, naming
 * the pages, so a 200-page register with three doubtful pages gives one
 * line, not three.  stage_check (describe.c) calls check_pages for every
 * file of every record; the catalogue stage keeps the warnings with the
 * record.
 *
 * The quality-check sheet is the batch report as a page to print and
 * sign.  This file says what the sheet holds (batch_report, a JSON
 * value); the front ends render it through their templates
 * (templates/print/report.html for the command line), which escape
 * every value from the batch (names, messages).
 */
#include "ingest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <allheaders.h>
#include <jansson.h>

/* Below this mean word confidence (0-100) OCR text needs proofreading. */
#define LOW_CONF QUALITY_CONF_LOW
/* Pages named in one warning before "等". */
#define LIST_MAX 20

/* image_probe: see ingest.h.  Reads the header from data, else from
 * it->src; leaves it->bpp at 0 when neither can be read.  Allocates
 * nothing. */
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

/* page_list's pickers.  1 for a page OCR read and found blank. */
static int pick_blank(const struct batch_page *pg)
{
	return pg->done && pg->blank;
}

/* 1 for a page OCR read with text of confidence below LOW_CONF. */
static int pick_low(const struct batch_page *pg)
{
	return pg->done && !pg->blank && pg->text != NULL &&
		pg->conf < LOW_CONF;
}

/* 1 for a page OCR read, not blank, in which it found no text. */
static int pick_empty(const struct batch_page *pg)
{
	return pg->done && !pg->blank && pg->text == NULL;
}

/* 1 for a page whose lines lean more than QUALITY_SKEW_MAX degrees. */
static int pick_skewed(const struct batch_page *pg)
{
	return pg->done && !pg->blank && pg->skew_known &&
		fabs(pg->skew) > QUALITY_SKEW_MAX;
}

/* 1 for a page that could not be decoded. */
static int pick_failed(const struct batch_page *pg)
{
	return pg->failed == 1;
}

/* 1 for a page whose reading timed out. */
static int pick_slow(const struct batch_page *pg)
{
	return pg->failed == 3;
}

/* check_pages: see ingest.h.  One warning a kind of finding, naming
 * the pages (page_list).  Allocates only the warnings. */
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
	n = page_list(&l, it, pick_skewed);
	if (n > 0) {
		double worst = 0;

		for (p = 0; p < it->npagev; p++) {
			if (pick_skewed(&it->pagev[p]) &&
			    fabs(it->pagev[p].skew) > fabs(worst)) {
				worst = it->pagev[p].skew;
			}
		}
		batch_warn(b, it->path, "页面歪斜%s%s（%.1f°，超过 %.0f°），请"
			"校正或重新扫描", l.len ? "：" : "", l.p ? l.p : "",
			fabs(worst), QUALITY_SKEW_MAX);
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

/* Mean OCR confidence of a file's pages, -1 when none was read; *npages
 * receives how many pages it is the mean of. */
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

/* {rejected, msg} for each note of v[0..n) about path, appended to arr. */
static void notes_of(json_t *arr, const struct hd_note *v, size_t n,
	const char *path, int rejected)
{
	json_t *o;
	size_t k;

	for (k = 0; k < n; k++) {
		if (strcmp(v[k].path, path) == 0) {
			o = json_object();
			json_object_set_new(o, "rejected",
				json_boolean(rejected));
			json_object_set_new(o, "msg", json_string(v[k].msg));
			json_array_append_new(arr, o);
		}
	}
}

/* One file's row of the sheet (see batch_report in ingest.h).  Returns
 * a new JSON object. */
static json_t *file_json(const struct batch *b, const struct batch_item *it)
{
	json_t *o = json_object(), *notes = json_array();
	int conf, nread, blank;

	conf = mean_conf(it, &nread);
	blank = conf < 0 && it->ocr && it->npagev > 0 && it->pagev[0].blank;
	json_object_set_new(o, "path", json_string(it->path));
	json_object_set_new(o, "mime", it->file.mime ?
		json_string(it->file.mime) : json_null());
	json_object_set_new(o, "pages", json_integer(it->file.pages > 0 ?
		it->file.pages : 1));
	json_object_set_new(o, "dpi", it->file.exif.xres > 0 ?
		json_integer((json_int_t)rint(it->file.exif.xres)) :
		json_null());
	json_object_set_new(o, "ocr_read", json_boolean(conf >= 0));
	json_object_set_new(o, "ocr_pages", json_integer(nread));
	json_object_set_new(o, "ocr_conf", json_integer(conf));
	json_object_set_new(o, "ocr_blank", json_boolean(blank));
	json_object_set_new(o, "ocr_unread", json_boolean(conf < 0 &&
		it->ocr && !blank));
	notes_of(notes, b->rejected, b->nrejected, it->path, 1);
	notes_of(notes, b->warnings, b->nwarnings, it->path, 0);
	json_object_set_new(o, "notes", notes);
	return o;
}

/* The notes of v[0..n) that name no file of the batch (the batch's own,
 * or about a file the sheet is), as {rejected, path, msg} appended to
 * arr. */
static void batch_notes(json_t *arr, const struct batch *b,
	const struct hd_note *v, size_t n, int rejected)
{
	json_t *o;
	size_t i, k;
	int own;

	for (i = 0; i < n; i++) {
		own = 1;
		for (k = 0; k < b->nitems && own; k++) {
			own = strcmp(b->items[k].path, v[i].path) != 0 ||
				b->items[k].record == -2;
		}
		if (!own) {
			continue;
		}
		o = json_object();
		json_object_set_new(o, "rejected", json_boolean(rejected));
		json_object_set_new(o, "path", json_string(v[i].path));
		json_object_set_new(o, "msg", json_string(v[i].msg));
		json_array_append_new(arr, o);
	}
}

/* What the OCR stage did, for the sheet: null when no page was meant
 * for OCR.  Returns a new reference. */
static json_t *ocr_json(const struct ocr_stats *s)
{
	json_t *o;
	char t[32];

	if (s->pages <= 0) {
		return json_null();
	}
	o = json_object();
	snprintf(t, sizeof t, "%.1f", s->seconds);
	json_object_set_new(o, "pages", json_integer(s->pages));
	json_object_set_new(o, "read", json_integer(s->read));
	json_object_set_new(o, "cached", json_integer(s->cached));
	json_object_set_new(o, "unread", json_integer(s->failed +
		s->skipped));
	json_object_set_new(o, "seconds", json_real(s->seconds));
	json_object_set_new(o, "time", json_string(t));
	return o;
}

/* batch_notes_json: see ingest.h. */
json_t *batch_notes_json(const struct hd_note *v, size_t n, const char *key)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "path", json_string(v[i].path));
		json_object_set_new(o, key, json_string(v[i].msg));
		json_array_append_new(a, o);
	}
	return a;
}

/* The sheet's data but its files and batch_notes: a new object. */
static json_t *report_head(const struct batch *b,
	const struct ingest_result *res, int dry_run)
{
	json_t *o = json_object();
	const char *name = hd_archive_name(b->a);
	const char *fonds = hd_archive_fonds(b->a);
	char now[32], when[40];

	hd_now_iso(now);
	snprintf(when, sizeof when, "%.10s %.8s UTC", now, now + 11);
	json_object_set_new(o, "archive", json_string(name ? name : ""));
	json_object_set_new(o, "fonds", json_string(fonds ? fonds : ""));
	json_object_set_new(o, "batch", res->batch > 0 ?
		json_integer(res->batch) : json_null());
	json_object_set_new(o, "dry_run", json_boolean(dry_run));
	json_object_set_new(o, "generated", json_string(when));
	json_object_set_new(o, "refused", json_integer((json_int_t)
		b->nrejected));
	json_object_set_new(o, "added", json_integer(res->added));
	json_object_set_new(o, "duplicates", json_integer(res->duplicates));
	json_object_set_new(o, "warnings", json_integer((json_int_t)
		b->nwarnings));
	json_object_set_new(o, "ocr", ocr_json(&b->ocr));
	return o;
}

/* The notes naming no file of the batch: a new array. */
static json_t *report_own(const struct batch *b)
{
	json_t *own = json_array();

	batch_notes(own, b, b->rejected, b->nrejected, 1);
	batch_notes(own, b, b->warnings, b->nwarnings, 0);
	return own;
}

/* batch_report: see ingest.h.  Returns a new JSON object (caller
 * decrefs). */
json_t *batch_report(const struct batch *b, const struct ingest_result *res,
	int dry_run)
{
	json_t *o = report_head(b, res, dry_run), *files = json_array();
	size_t i;

	for (i = 0; i < b->nitems; i++) {
		if (b->items[i].record != -2) {
			json_array_append_new(files,
				file_json(b, &b->items[i]));
		}
	}
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "batch_notes", report_own(b));
	return o;
}

/* Dump v (a reference taken) compactly to put; 0, or -1 when it could
 * not be dumped. */
static int put_json(json_t *v, void (*put)(const char *text, void *ud),
	void *ud)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(v);
	if (t == NULL) {
		return -1;
	}
	put(t, ud);
	free(t);
	return 0;
}

/* batch_report_write: see ingest.h.  The head's closing brace is cut
 * and the files follow it. */
int batch_report_write(const struct batch *b,
	const struct ingest_result *res, int dry_run,
	void (*put)(const char *text, void *ud), void *ud)
{
	json_t *h = report_head(b, res, dry_run);
	char *head = json_dumps(h, JSON_COMPACT);
	size_t i, n;
	int rc = 0, first = 1;

	json_decref(h);
	n = head ? strlen(head) : 0;
	if (n < 2 || head[n - 1] != '}') {
		free(head);
		return -1;
	}
	head[n - 1] = '\0';
	put(head, ud);
	free(head);
	put(",\"files\":[", ud);
	for (i = 0; i < b->nitems && rc == 0; i++) {
		if (b->items[i].record == -2) {
			continue;
		}
		if (!first) {
			put(",", ud);
		}
		first = 0;
		rc = put_json(file_json(b, &b->items[i]), put, ud);
	}
	put("],\"batch_notes\":", ud);
	if (rc == 0) {
		rc = put_json(report_own(b), put, ud);
	}
	put("}", ud);
	return rc;
}
