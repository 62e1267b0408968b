/*
 * ocr.c - stage_ocr: scanned pages read by tesseract, on every core.
 *
 * Which pages: see OCR_AUTO in ingest.h.  Photos are never read unless
 * asked (--ocr): their "text" would be noise in the index, and reading
 * them would cost seconds each.  The language is the sheet row's 语种,
 * else the batch's --ocr-lang, else chi_sim: on a plain Chinese page
 * chi_sim alone reads far better than chi_sim+eng, which turns whole
 * Chinese lines into Latin letters (measured in tests/bench/bench_ocr.sh).
 *
 * How: the pages form one queue; a few worker threads (one per core)
 * each create one tesseract engine, initialised once per language, and
 * take pages from the queue until it is empty.  OpenMP inside tesseract
 * is switched off in the workers: its spinning threads would fight the
 * workers for the same cores.  A page image comes from leptonica
 * (JPEG, PNG, TIFF with its page index, EXIF orientation applied) or from
 * poppler (a PDF page rendered at 300 dpi).  Before a page is read, its
 * ink is measured: a page without any is blank and not read at all.
 *
 * Resume: the text of each page read is cached as
 * DIR/derived/ocr/ab/<sha256>-<page>-<lang>.txt (written to DIR/tmp,
 * fsynced, renamed), and consulted before any page is read, so a batch
 * interrupted in its OCR and run again reads only what is left.  A cache
 * file that does not parse is ignored and the page read again.
 *
 * Guarantees: workers touch only their own pages' slots; every warning
 * is added by the calling thread after the workers have finished;
 * tesseract and leptonica never print (debug_file is /dev/null, the
 * leptonica message severity is "none").
 */
#include "ingest.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <allheaders.h>
#include <tesseract/capi.h>
#include <unicode/utf8.h>

/* The joined text of one file, and one page read from the cache. */
#define TEXT_CAP ((size_t)4 << 20)
#define PAGE_CAP ((size_t)1 << 20)
/* A page with less ink than this share is blank (a title page of two
 * characters at 300 dpi has about twice as much), unless OCR finds text;
 * ink is INK_STEP grey levels darker than the paper. */
#define BLANK_INK 0.0001
#define INK_STEP 48
/* Pages larger than this many pixels are not read (memory). */
#define MAX_PIXELS (200.0 * 1000 * 1000)
#define MAX_WORKERS 8
/* A page still being read after this long (wall clock) is given up: a
 * page of noise can keep tesseract busy for minutes. */
#define PAGE_MSECS 120000
/* pixFindSkew's confidence (its best score over its worst) below which
 * a page's skew is not taken as measured.  Leptonica deskews only from
 * 3; a page of three short lines measures 2.1 with the angle right to a
 * tenth of a degree, a straight page 6 with 0.0. */
#define SKEW_CONF 2.0
/* PDF pages are rendered at this resolution for OCR. */
#define RENDER_DPI 300
#define CACHE_MAGIC "hongdang-ocr 1"

/* ------------------------------------------------------------- text */

/* Chinese, Japanese and Korean characters and punctuation, full-width
 * forms: between two of them a space is a layout artefact. */
static int is_cjk(uint32_t c)
{
	return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
		(c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF) ||
		(c >= 0x20000 && c <= 0x3FFFF);
}

/* A line ending in c continues on the next line: c is CJK and does not
 * end a sentence or introduce a list (。！？：；). */
static int continues(uint32_t c)
{
	return is_cjk(c) && c != 0x3002 && c != 0xFF01 && c != 0xFF1F &&
		c != 0xFF1A && c != 0xFF1B;
}

/* 1 for an ASCII blank, space or tab. */
static int is_space(uint32_t c)
{
	return c == ' ' || c == '\t';
}

/* Tesseract reads the full-width ：；，！？ of Chinese text as ASCII with
 * spaces around ("时间 : 二"): between CJK characters they become
 * full-width again (the spaces then go as any between CJK). */
static void widen_punct(uint32_t *cp, size_t k)
{
	static const char ascii[] = ":;,!?";
	static const uint32_t wide[] = {
		0xFF1A, 0xFF1B, 0xFF0C, 0xFF01, 0xFF1F,
	};
	const char *hit;
	size_t i, l, r;

	for (i = 1; i + 1 < k; i++) {
		hit = cp[i] < 0x80 && cp[i] != 0 ? strchr(ascii, (int)cp[i]) :
			NULL;
		if (hit == NULL) {
			continue;
		}
		for (l = i; l > 0 && is_space(cp[l - 1]); l--) {
		}
		for (r = i + 1; r < k && is_space(cp[r]); r++) {
		}
		if (l > 0 && r < k && is_cjk(cp[l - 1]) && is_cjk(cp[r])) {
			cp[i] = wide[hit - ascii];
		}
	}
}

/* Tidy OCR text in place (see ingest.h); s must be valid UTF-8 (an
 * invalid byte would become the three of U+FFFD).  Returns s. */
char *ocr_tidy(char *s)
{
	size_t n = strlen(s), i = 0, k = 0, m = 0, j, nl;
	size_t cur = 0, line = 0, longest = 0;
	uint32_t *cp = hd_xmalloc((n + 1) * sizeof *cp), c;
	int32_t at = 0, next, len = (int32_t)n, o = 0;
	UChar32 uc;

	while (at < len) {
		next = at;
		U8_NEXT(s, next, len, uc);
		/* an invalid byte is U+FFFD, and reading goes on after it */
		c = uc < 0 ? 0xFFFD : (uint32_t)uc;
		at = uc < 0 ? at + 1 : next;
		if (c != '\r') {
			cp[k++] = c;
		}
	}
	widen_punct(cp, k);
	/* a line wrapped by the layout is about as long as the longest; a
	 * shorter one (a heading, the end of a paragraph) ends there */
	for (i = 0; i <= k; i++) {
		if (i == k || cp[i] == '\n') {
			longest = line > longest ? line : longest;
			line = 0;
		} else {
			line++;
		}
	}
	/* rewrite cp in place: the output never runs ahead of the input */
	for (i = 0; i < k; i++) {
		c = cp[i];
		if (is_space(c)) {
			for (j = i; j < k && is_space(cp[j]); j++) {
			}
			if (m == 0 || j == k || cp[j] == '\n' ||
			    (is_cjk(cp[m - 1]) && is_cjk(cp[j]))) {
				i = j - 1;
				continue;
			}
			for (; i < j; i++) {
				cp[m++] = cp[i];
			}
			i = j - 1;
			continue;
		}
		if (c == '\n') {
			nl = 0;
			for (j = i; j < k && (cp[j] == '\n' || is_space(cp[j]));
			    j++) {
				nl += cp[j] == '\n';
			}
			if (m == 0 || j == k) {
				i = j - 1;
				continue;
			}
			if (nl == 1 && continues(cp[m - 1]) && is_cjk(cp[j]) &&
			    cur * 4 >= longest * 3) {
				i = j - 1;
				continue;
			}
			cp[m++] = '\n';
			if (nl > 1) {
				cp[m++] = '\n';
			}
			cur = 0;
			i = j - 1;
			continue;
		}
		cp[m++] = c;
		cur++;
	}
	for (i = 0; i < m; i++) {
		U8_APPEND_UNSAFE(s, o, cp[i]);
	}
	s[o] = '\0';
	free(cp);
	return s;
}

/* Visible characters: code points other than white space. */
static size_t visible(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xC0) != 0x80 && c > ' ') {
			n++;
		}
	}
	return n;
}

/* pages_join: see ingest.h.  Replaces it->text. */
void pages_join(struct batch_item *it)
{
	struct hd_buf t;
	size_t cut;
	int p;

	hd_buf_init(&t);
	for (p = 0; p < it->npagev; p++) {
		const char *x = it->pagev[p].text;

		if (x == NULL || *x == '\0') {
			continue;
		}
		if (t.len > 0) {
			hd_buf_puts(&t, "\n\n");
		}
		hd_buf_puts(&t, x);
		if (t.len > TEXT_CAP) {
			break;
		}
	}
	if (t.len > TEXT_CAP) {
		/* cut on a character boundary */
		cut = TEXT_CAP;
		while (cut > 0 && ((unsigned char)t.p[cut] & 0xC0) == 0x80) {
			cut--;
		}
		t.p[cut] = '\0';
		t.len = cut;
	}
	free(it->text);
	it->text = t.len ? hd_buf_detach(&t) : NULL;
	hd_buf_release(&t);
}

/* batch_item_pages_free: see ingest.h.  Leaves it->pagev and it->lang
 * NULL. */
void batch_item_pages_free(struct batch_item *it)
{
	int p;

	for (p = 0; p < it->npagev; p++) {
		free(it->pagev[p].text);
	}
	free(it->pagev);
	it->pagev = NULL;
	it->npagev = 0;
	free(it->lang);
	it->lang = NULL;
}

/* -------------------------------------------------------- languages */

/* ocr_lang_ok: see ingest.h.  Returns 1 or 0. */
int ocr_lang_ok(const char *s)
{
	size_t i, run = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 64) {
		return 0;
	}
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (c == '+') {
			if (run == 0) {
				return 0;
			}
			run = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_') {
			run++;
		} else {
			return 0;
		}
	}
	return run > 0;
}

/* ocr_lang_of: see ingest.h.  Returns a static string, cell, or
 * NULL. */
const char *ocr_lang_of(const char *cell, const char **iso)
{
	static const struct {
		const char *name, *lang, *iso;
	} map[] = {
		{"简体", "chi_sim", "zh"}, {"简体中文", "chi_sim", "zh"},
		{"中文", "chi_sim", "zh"}, {"汉语", "chi_sim", "zh"},
		{"zh", "chi_sim", "zh"}, {"zh-CN", "chi_sim", "zh"},
		{"zh-Hans", "chi_sim", "zh"}, {"chinese", "chi_sim", "zh"},
		{"繁体", "chi_tra", "zh-Hant"}, {"繁體", "chi_tra", "zh-Hant"},
		{"繁体中文", "chi_tra", "zh-Hant"},
		{"繁體中文", "chi_tra", "zh-Hant"},
		{"zh-TW", "chi_tra", "zh-Hant"},
		{"zh-HK", "chi_tra", "zh-Hant"},
		{"zh-Hant", "chi_tra", "zh-Hant"},
		{"英文", "eng", "en"}, {"英语", "eng", "en"}, {"en", "eng", "en"},
		{"english", "eng", "en"},
	};
	size_t i;

	if (iso != NULL) {
		*iso = NULL;
	}
	if (cell == NULL) {
		return NULL;
	}
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcasecmp(cell, map[i].name) == 0) {
			if (iso != NULL) {
				*iso = map[i].iso;
			}
			return map[i].lang;
		}
	}
	if (!ocr_lang_ok(cell)) {
		return NULL;
	}
	if (iso != NULL) {
		*iso = strncmp(cell, "chi_tra", 7) == 0 ? "zh-Hant" :
			strncmp(cell, "chi_sim", 7) == 0 ? "zh" :
			strncmp(cell, "eng", 3) == 0 ? "en" : NULL;
	}
	return cell;
}

/* The first language of list lang whose data file is missing from dir,
 * copied into out; 0 when all are there. */
static int lang_missing(const char *dir, const char *lang, char *out,
	size_t nout)
{
	char name[72], *path;
	const char *p = lang, *plus;
	size_t len;
	int ok;

	while (*p) {
		plus = strchr(p, '+');
		len = plus ? (size_t)(plus - p) : strlen(p);
		snprintf(name, sizeof name, "%.*s", (int)len, p);
		path = hd_xasprintf("%s/%s.traineddata", dir, name);
		ok = access(path, R_OK) == 0;
		free(path);
		if (!ok) {
			snprintf(out, nout, "%s", name);
			return 1;
		}
		p += len + (plus != NULL);
	}
	return 0;
}

/* ------------------------------------------------------------ cache */

/* Where the text of page (from 0) of it's object read in lang is
 * cached: DIR/derived/ocr/ab/SHA256-PAGE-LANG.txt.  A new string. */
static char *cache_path(struct batch *b, const struct batch_item *it,
	int page, const char *lang)
{
	return hd_xasprintf("%s/derived/ocr/%.2s/%s-%d-%s.txt",
		hd_archive_dir(b->a), it->file.sha256, it->file.sha256,
		page + 1, lang);
}

/* Fill pg from a cache file; 0 when it was there and sound. */
static int cache_get(const char *path, struct batch_page *pg)
{
	unsigned char *d = NULL;
	size_t n = 0, hl;
	int more = 0, conf, blank, rc = -1;
	char *nl;

	if (hd_read_file(path, PAGE_CAP, &d, &n, &more) != 0) {
		return -1;
	}
	d[n] = '\0';
	nl = memchr(d, '\n', n);
	if (more || nl == NULL || strlen((char *)d) != n ||
	    sscanf((char *)d, CACHE_MAGIC " %d %d", &conf, &blank) != 2 ||
	    conf < 0 || conf > 100 || (blank != 0 && blank != 1)) {
		goto out;
	}
	hl = (size_t)(nl - (char *)d) + 1;
	if (!hd_utf8_valid((char *)d + hl, n - hl)) {
		goto out;
	}
	free(pg->text);
	pg->text = n > hl ? hd_xstrdup((char *)d + hl) : NULL;
	pg->conf = conf;
	pg->blank = blank;
	pg->done = 1;
	pg->cached = 1;
	pg->failed = 0;
	rc = 0;
out:
	free(d);
	return rc;
}

/* Write pg's result to path: temporary file under DIR/tmp, fsync,
 * rename.  A cache that cannot be written costs only a later re-read. */
static void cache_put(struct batch *b, const char *path,
	const struct batch_page *pg, unsigned seq)
{
	char head[64], *tmp, *dir = hd_fs_parent(path);
	int fd, ok;

	tmp = hd_xasprintf("%s/tmp/ocr-%ld-%u", hd_archive_dir(b->a),
		(long)getpid(), seq);
	hd_fs_mkdirs(dir, NULL);
	free(dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(tmp);
		return;
	}
	snprintf(head, sizeof head, CACHE_MAGIC " %d %d\n", pg->conf,
		pg->blank);
	ok = hd_fs_write_all(fd, head, strlen(head)) == 0 &&
		hd_fs_write_all(fd, pg->text ? pg->text : "",
		pg->text ? strlen(pg->text) : 0) == 0 && fsync(fd) == 0;
	if (close(fd) != 0) {
		ok = 0;
	}
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
	}
	free(tmp);
}

/* ---------------------------------------------------------- workers */

struct job {
	size_t item;            /* index into b->items */
	int page;               /* from 0 */
	size_t order;           /* position before sorting, to keep it */
};

struct run {
	struct batch *b;
	const char *tessdata;
	int write_cache;
	struct job *jobs;
	size_t njobs;
	size_t next;            /* next job to take (under mu) */
	size_t done;            /* jobs finished (under mu) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_uint tmpseq;
	char bad_lang[72];      /* a language an engine could not load */
};

struct worker {
	struct run *run;
	TessBaseAPI *api;
	ETEXT_DESC *mon;        /* the per-page deadline */
	char lang[72];          /* what api is initialised with, "" none */
	int lang_bad;           /* 1: initialising with lang failed */
	struct pdf_doc *doc;    /* the PDF of doc_item, or NULL */
	size_t doc_item;
	pthread_t th;
};

/* Make OpenMP regions started from this thread run on it alone (the
 * workers already use every core).  Looked up at run time: a tesseract
 * built without OpenMP does not bring the symbol. */
static void omp_serial(void)
{
	void (*set_levels)(int);
	void *sym = dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");

	if (sym != NULL) {
		memcpy(&set_levels, &sym, sizeof set_levels);
		set_levels(0);
	}
}

/* Where the item's bytes are read from: the object being stored (the
 * very bytes that were hashed) while it waits for publication, else the
 * source (a dry run, a duplicate, an object bound for a bucket, which
 * has no temporary file). */
static const char *item_path(const struct batch_item *it)
{
	return it->w != NULL && it->w->tmp != NULL ? it->w->tmp : it->src;
}

/* The page image: a PDF page rendered, a TIFF page, or an image with its
 * EXIF orientation applied.  *dpi receives its resolution (0 unknown). */
static PIX *page_image(struct worker *w, size_t idx,
	const struct batch_item *it, int page, int *dpi)
{
	const char *m = it->file.mime ? it->file.mime : "";
	const char *path = item_path(it);
	PIX *pix, *rot;
	int o = it->file.exif.orientation, quads;

	*dpi = 0;
	if (strcmp(m, "application/pdf") == 0) {
		if (w->doc == NULL || w->doc_item != idx) {
			pdf_close(w->doc);
			w->doc = pdf_open(path);
			w->doc_item = idx;
		}
		*dpi = RENDER_DPI;
		return pdf_render(w->doc, page, RENDER_DPI);
	}
	if ((double)it->file.width * (double)it->file.height > MAX_PIXELS) {
		return NULL;
	}
	if (strcmp(m, "image/tiff") == 0) {
		pix = pixReadTiff(path, page);
	} else {
		pix = page == 0 ? pixRead(path) : NULL;
	}
	if (pix == NULL) {
		return NULL;
	}
	*dpi = it->file.exif.xres > 0 ? (int)(it->file.exif.xres + 0.5) :
		pixGetXRes(pix);
	quads = o == 6 ? 1 : o == 3 ? 2 : o == 8 ? 3 : 0;
	if (quads != 0) {
		rot = pixRotateOrth(pix, quads);
		if (rot != NULL) {
			pixDestroy(&pix);
			pix = rot;
		}
	}
	return pix;
}

/* Share of ink in an 8-bit grey image: pixels clearly darker (by
 * INK_STEP levels) than the paper, the most frequent grey.  Measured
 * against the paper, not mid-grey, so faint pencil or faded ink on a
 * yellowed page still counts. */
static double ink_share(PIX *grey)
{
	NUMA *h = pixGetGrayHistogram(grey, 2);
	l_float32 v, best = -1, total = 0, ink = 0;
	int i, n, paper = 255;

	if (h == NULL) {
		return 1.0;
	}
	n = numaGetCount(h);
	for (i = 0; i < n; i++) {
		numaGetFValue(h, i, &v);
		total += v;
		if (v > best) {
			best = v;
			paper = i;
		}
	}
	for (i = 0; i < n && i < paper - INK_STEP; i++) {
		numaGetFValue(h, i, &v);
		ink += v;
	}
	numaDestroy(&h);
	return total > 0 ? (double)(ink / total) : 1.0;
}

/* The lean of a page's text lines into pg->skew (degrees), when
 * leptonica is confident of it (pixFindSkew's ratio of best to worst
 * score at least SKEW_CONF). */
static void measure_skew(PIX *grey, struct batch_page *pg)
{
	PIX *bin = pixConvertTo1(grey, 128);
	l_float32 angle = 0, conf = 0;

	pg->skew_known = 0;
	if (bin != NULL && pixFindSkew(bin, &angle, &conf) == 0 &&
	    conf >= SKEW_CONF) {
		pg->skew = angle;
		pg->skew_known = 1;
	}
	pixDestroy(&bin);
}

/* Initialise the worker's engine for lang unless it already is; 0 when
 * it is ready. */
static int engine_for(struct worker *w, const char *lang)
{
	if (strcmp(w->lang, lang) == 0) {
		return w->lang_bad ? -1 : 0;
	}
	snprintf(w->lang, sizeof w->lang, "%s", lang);
	w->lang_bad = TessBaseAPIInit3(w->api, w->run->tessdata, lang) != 0;
	if (w->lang_bad) {
		pthread_mutex_lock(&w->run->mu);
		if (w->run->bad_lang[0] == '\0') {
			snprintf(w->run->bad_lang, sizeof w->run->bad_lang,
				"%s", lang);
		}
		pthread_mutex_unlock(&w->run->mu);
		return -1;
	}
	return 0;
}

/* Read one page into its slot. */
static void read_page(struct worker *w, const struct job *j)
{
	struct batch *b = w->run->b;
	struct batch_item *it = &b->items[j->item];
	struct batch_page *pg = &it->pagev[j->page];
	PIX *pix, *grey;
	char *text, *path;
	double ink;
	int dpi;

	if (engine_for(w, it->lang) != 0) {
		pg->failed = 2;
		return;
	}
	pix = page_image(w, j->item, it, j->page, &dpi);
	grey = pix ? pixConvertTo8(pix, 0) : NULL;
	pixDestroy(&pix);
	if (grey == NULL) {
		pg->failed = 1;
		return;
	}
	ink = ink_share(grey);
	pg->conf = 0;
	if (ink >= BLANK_INK) {
		measure_skew(grey, pg);
	}
	if (ink > 0) {
		TessBaseAPISetImage2(w->api, grey);
		if (dpi >= 70 && dpi <= 2400) {
			TessBaseAPISetSourceResolution(w->api, dpi);
		}
		TessMonitorSetDeadlineMSecs(w->mon, PAGE_MSECS);
		text = TessBaseAPIRecognize(w->api, w->mon) == 0 ?
			TessBaseAPIGetUTF8Text(w->api) : NULL;
		if (text != NULL) {
			free(pg->text);
			pg->text = ocr_tidy(hd_xstrdup(text));
			if (!hd_utf8_valid(pg->text, strlen(pg->text))) {
				free(pg->text);
				pg->text = NULL;
			}
			TessDeleteText(text);
			pg->conf = TessBaseAPIMeanTextConf(w->api);
			pg->conf = pg->conf < 0 ? 0 : pg->conf > 100 ? 100 :
				pg->conf;
		} else {
			pg->failed = 3;
		}
		TessBaseAPIClear(w->api);
	}
	pixDestroy(&grey);
	if (pg->failed) {
		return;
	}
	pg->blank = ink < BLANK_INK && visible(pg->text) < 2;
	if (pg->text != NULL && *pg->text == '\0') {
		free(pg->text);
		pg->text = NULL;
	}
	pg->done = 1;
	if (w->run->write_cache) {
		path = cache_path(b, it, j->page, it->lang);
		cache_put(b, path, pg, atomic_fetch_add(&w->run->tmpseq, 1));
		free(path);
	}
}

/* An OCR thread (arg: its struct worker): reads the next page of the
 * queue until none is left, counting each done under the queue's lock.
 * Returns NULL. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	struct job j;

	omp_serial();
	for (;;) {
		pthread_mutex_lock(&r->mu);
		if (r->next >= r->njobs) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		j = r->jobs[r->next++];
		pthread_mutex_unlock(&r->mu);
		read_page(w, &j);
		pthread_mutex_lock(&r->mu);
		r->done++;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	pdf_close(w->doc);
	w->doc = NULL;
	return NULL;
}

/* ---------------------------------------------------------- the stage */

/* 1 for an image type OCR reads (tesseract through leptonica). */
static int is_image(const char *m)
{
	static const char *const ok[] = {
		"image/jpeg", "image/png", "image/tiff", "image/bmp",
		"image/x-ms-bmp", "image/gif", "image/webp", NULL,
	};
	size_t i;

	for (i = 0; m != NULL && ok[i]; i++) {
		if (strcmp(m, ok[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Mark the pages of it that OCR is to read; returns how many. */
static int plan_item(struct batch_item *it, int mode, const char *cat,
	const char *lang)
{
	int p, n = 0, scan;

	if (it->file.mime != NULL &&
	    strcmp(it->file.mime, "application/pdf") == 0) {
		for (p = 0; p < it->npagev; p++) {
			n += it->pagev[p].want;
		}
	} else if (is_image(it->file.mime)) {
		scan = strcmp(cat, "WS") == 0 || strcmp(cat, "RS") == 0;
		if (mode != OCR_ON && !scan) {
			return 0;
		}
		batch_item_pages_free(it);
		n = it->file.pages > 1 ? it->file.pages : 1;
		it->pagev = hd_xcalloc((size_t)n, sizeof *it->pagev);
		it->npagev = n;
		for (p = 0; p < n; p++) {
			it->pagev[p].want = 1;
			it->pagev[p].conf = -1;
		}
	}
	if (n > 0) {
		it->ocr = 1;
		free(it->lang);
		it->lang = hd_xstrdup(lang);
	}
	return n;
}

/* Jobs by language, then in batch order (qsort_r with the batch). */
static int job_cmp(const void *x, const void *y, void *arg)
{
	const struct job *a = x, *b = y;
	const struct batch *bt = arg;
	int c = strcmp(bt->items[a->item].lang, bt->items[b->item].lang);

	if (c != 0) {
		return c;
	}
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Read the queued pages of r with nw engines, one a thread (on this
 * thread when none can be started), telling the progress hook the pages
 * read as they come (stage INGEST_OCR, from this thread, outside the
 * queue's lock).  Returns when every page was tried, or, once the run
 * is cancelled, when the pages begun are done. */
static void run_workers(struct batch *b, struct run *r, int nw)
{
	struct worker *ws = hd_xcalloc((size_t)nw, sizeof *ws);
	int i, started = 0;
	struct timespec ts;

	/* engines are made here, in one thread: setting a variable of a new
	 * engine writes tesseract's global parameters */
	for (i = 0; i < nw; i++) {
		ws[i].run = r;
		ws[i].api = TessBaseAPICreate();
		ws[i].mon = TessMonitorCreate();
		TessBaseAPISetVariable(ws[i].api, "debug_file", "/dev/null");
	}
	for (i = 0; i < nw; i++) {
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
			break;
		}
		started++;
	}
	b->prog.pages_done = 0;
	b->prog.pages_total = r->njobs;
	batch_progress(b, INGEST_OCR, INGEST_BEGIN);
	if (started == 0) {
		worker_main(&ws[0]);
	}
	pthread_mutex_lock(&r->mu);
	while (r->done < r->njobs) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		if (batch_cancelled(b) && r->next < r->njobs) {
			/* the pages not begun count as done: the run ends */
			r->done += r->njobs - r->next;
			r->next = r->njobs;
		}
		b->prog.pages_done = r->done;
		pthread_mutex_unlock(&r->mu);
		batch_progress(b, INGEST_OCR, INGEST_WORKING);
		pthread_mutex_lock(&r->mu);
	}
	b->prog.pages_done = r->done;
	pthread_mutex_unlock(&r->mu);
	batch_progress(b, INGEST_OCR, INGEST_END);
	for (i = 0; i < started; i++) {
		pthread_join(ws[i].th, NULL);
	}
	for (i = 0; i < nw; i++) {
		TessBaseAPIEnd(ws[i].api);
		TessBaseAPIDelete(ws[i].api);
		TessMonitorDelete(ws[i].mon);
	}
	free(ws);
}

/* OCR threads to run: o->ocr_workers, else one a core, at most
 * MAX_WORKERS and no more than the pages to read. */
static int worker_count(const struct ingest_opts *o, size_t njobs)
{
	long n = o->ocr_workers > 0 ? o->ocr_workers :
		sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1) {
		n = 1;
	}
	if (n > MAX_WORKERS) {
		n = MAX_WORKERS;
	}
	if ((size_t)n > njobs) {
		n = (long)njobs;
	}
	return (int)n;
}

/* Drop the languages whose data is missing: one warning each, their
 * pages counted as skipped and taken off the plan. */
static void check_langs(struct batch *b, const char *dir)
{
	char **seen = NULL, **bad = NULL, name[72];
	size_t nseen = 0, nbad = 0, i, k;
	int p, isbad;

	for (i = 0; i < b->nitems; i++) {
		struct batch_item *it = &b->items[i];

		if (!it->ocr || it->lang == NULL) {
			continue;
		}
		isbad = -1;
		for (k = 0; k < nseen && isbad < 0; k++) {
			if (strcmp(seen[k], it->lang) == 0) {
				isbad = 0;
			}
		}
		for (k = 0; k < nbad; k++) {
			if (strcmp(bad[k], it->lang) == 0) {
				isbad = 1;
			}
		}
		if (isbad < 0) {
			isbad = lang_missing(dir, it->lang, name, sizeof name);
			if (isbad) {
				hd_strv_add(&bad, &nbad, it->lang);
				batch_warn(b, "", "OCR 语言包 %s 未安装，跳过文字"
					"识别（Debian：apt-get install "
					"tesseract-ocr-%s）", name, name);
			} else {
				hd_strv_add(&seen, &nseen, it->lang);
			}
		}
		if (!isbad) {
			continue;
		}
		for (p = 0; p < it->npagev; p++) {
			if (it->pagev[p].want) {
				it->pagev[p].want = 0;
				b->ocr.skipped++;
			}
		}
	}
	hd_strv_free(seen, nseen);
	hd_strv_free(bad, nbad);
}

/* stage_ocr: see ingest.h.  Plans the pages, drops languages without
 * data, takes what the cache has, reads the rest (run_workers), then
 * joins each file's text.  Returns 0. */
int stage_ocr(struct batch *b, const struct ingest_opts *o,
	struct batch_record *recs, size_t nrecs)
{
	const char *dir = o->tessdata ? o->tessdata : OCR_DATA;
	struct run r;
	size_t i, k, cap = 0;
	double t0 = hd_mono_s();
	char *path;
	int p, nw;

	if (o->ocr == OCR_OFF) {
		return 0;
	}
	memset(&r, 0, sizeof r);
	for (i = 0; i < nrecs; i++) {
		const char *lang = recs[i].lang ? recs[i].lang :
			o->ocr_lang ? o->ocr_lang : OCR_LANG;

		if (recs[i].duplicate) {
			continue;
		}
		for (k = 0; k < recs[i].nitems; k++) {
			b->ocr.pages += plan_item(&b->items[recs[i].items[k]],
				o->ocr, recs[i].rec.category, lang);
		}
	}
	if (b->ocr.pages == 0) {
		return 0;
	}
	check_langs(b, dir);
	/* the queue: pages wanted and not in the cache */
	for (i = 0; i < b->nitems; i++) {
		struct batch_item *it = &b->items[i];

		for (p = 0; it->ocr && p < it->npagev; p++) {
			if (!it->pagev[p].want) {
				continue;
			}
			path = cache_path(b, it, p, it->lang);
			if (cache_get(path, &it->pagev[p]) == 0) {
				b->ocr.cached++;
				free(path);
				continue;
			}
			free(path);
			if (r.njobs == cap) {
				cap = cap ? cap * 2 : 64;
				r.jobs = hd_xrealloc(r.jobs,
					cap * sizeof *r.jobs);
			}
			r.jobs[r.njobs].item = i;
			r.jobs[r.njobs].page = p;
			r.jobs[r.njobs].order = r.njobs;
			r.njobs++;
		}
	}
	if (r.njobs > 0) {
		/* one language after the other: an engine loads each once */
		qsort_r(r.jobs, r.njobs, sizeof *r.jobs, job_cmp, b);
		setMsgSeverity(L_SEVERITY_NONE);
		r.b = b;
		r.tessdata = dir;
		r.write_cache = !b->dry_run || o->keep_ocr;
		pthread_mutex_init(&r.mu, NULL);
		pthread_cond_init(&r.cv, NULL);
		atomic_init(&r.tmpseq, 0);
		nw = worker_count(o, r.njobs);
		b->ocr.workers = nw;
		run_workers(b, &r, nw);
		pthread_mutex_destroy(&r.mu);
		pthread_cond_destroy(&r.cv);
		if (r.bad_lang[0] != '\0') {
			batch_warn(b, "", "文字识别引擎无法载入语言 %s，这些页"
				"未做文字识别", r.bad_lang);
		}
		for (i = 0; i < r.njobs; i++) {
			struct batch_page *pg =
				&b->items[r.jobs[i].item].pagev[r.jobs[i].page];

			if (pg->done) {
				b->ocr.read++;
			} else {
				b->ocr.failed++;
			}
		}
	}
	free(r.jobs);
	for (i = 0; i < b->nitems; i++) {
		if (b->items[i].ocr) {
			pages_join(&b->items[i]);
		}
	}
	b->ocr.seconds = hd_mono_s() - t0;
	return 0;
}

/* ocr_store: see ingest.h.  A page with no text that OCR did not read
 * is not stored. */
int ocr_store(struct batch *b, const struct batch_record *br,
	struct hd_error *e)
{
	size_t i;
	int p, rc;

	for (i = 0; i < br->nitems; i++) {
		const struct batch_item *it = &b->items[br->items[i]];

		for (p = 0; p < it->npagev; p++) {
			const struct batch_page *pg = &it->pagev[p];

			if (pg->text == NULL && !pg->done) {
				continue;
			}
			rc = hd_page_add(b->a, br->rec.id, (int)i + 1, p + 1,
				pg->text, pg->done ? pg->conf : -1, e);
			if (rc != 0) {
				return rc;
			}
		}
	}
	return 0;
}
