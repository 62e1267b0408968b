/*
 * pdf.c - PDFs: page count, the text layer, and pages rendered for OCR.
 *
 * A born-digital PDF carries its text: poppler gives it page by page, and
 * it becomes searchable as it is (tidied: some producers, tesseract's own
 * searchable PDFs among them, put a space between Chinese characters).  A
 * scanned PDF has pages without a text layer; those are marked for OCR
 * and later rendered here at 300 dpi through cairo into an 8-bit grey
 * leptonica image, each worker thread with its own document.
 *
 * Guarantees: poppler never prints (its log domain is silenced); an
 * encrypted, corrupt or truncated PDF is a warning naming the file, never
 * a failure of the batch; at most PDF_MAX_PAGES pages of a file are read.
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <allheaders.h>
#include <cairo.h>
#include <poppler.h>

/* Pages of one PDF whose text is read (a page count beyond is kept). */
#define PDF_MAX_PAGES 10000
/* A page with fewer visible characters has no real text layer (a stray
 * page number stamped by the scanner software): it is read by OCR. */
#define MIN_LAYER_CHARS 8
/* The largest side of a rendered page, in pixels (a poster at 300 dpi
 * is rendered at a lower resolution instead). */
#define MAX_SIDE 12000

/* GLib log handler that drops poppler's messages: the library never prints,
 * and a damaged PDF is reported as a warning of the batch. */
static void log_drop(const gchar *domain, GLogLevelFlags level,
	const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

/* pthread_once body of quiet(): silence the "Poppler" log domain. */
static void quiet_once(void)
{
	g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
		G_LOG_FLAG_RECURSION, log_drop, NULL);
}

/* Silence poppler's messages (a library never prints). */
static void quiet(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, quiet_once);
}

/* Visible characters of s: code points that are not white space. */
static size_t visible(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xC0) != 0x80 && c > ' ') {
			n++;
		}
	}
	return n;
}

/* The PDF of a file: from data[0..n) when complete (the whole file), else
 * from the file at src, which poppler reads itself.  NULL when it cannot be
 * opened, with why (nwhy bytes) saying so ("encrypted", or poppler's
 * message).  Caller unrefs. */
static PopplerDocument *open_doc(const unsigned char *data, size_t n,
	int complete, const char *src, char *why, size_t nwhy)
{
	PopplerDocument *doc = NULL;
	GError *err = NULL;
	GBytes *bytes;
	int fd;

	quiet();
	if (complete) {
		bytes = g_bytes_new_static(data, n);
		doc = poppler_document_new_from_bytes(bytes, NULL, &err);
		g_bytes_unref(bytes);
	} else {
		fd = open(src, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, nwhy, "%s", strerror(errno));
			return NULL;
		}
		/* poppler owns fd from here, closed or not */
		doc = poppler_document_new_from_fd(fd, NULL, &err);
	}
	if (doc == NULL) {
		if (err != NULL && err->domain == POPPLER_ERROR &&
		    err->code == POPPLER_ERROR_ENCRYPTED) {
			snprintf(why, nwhy, "encrypted");
		} else {
			snprintf(why, nwhy, "%s", err && err->message ?
				err->message : "?");
		}
	}
	if (err != NULL) {
		g_error_free(err);
	}
	return doc;
}

/*
 * See ingest.h.  Allocates it->pagev (one entry per page read) and
 * it->text, owned by the item.  Always returns 0.
 */
int stage_pdf(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete)
{
	PopplerDocument *doc;
	char why[256] = "";
	int np, p;

	if (it->file.mime == NULL ||
	    strcmp(it->file.mime, "application/pdf") != 0) {
		return 0;
	}
	doc = open_doc(data, n, complete || it->src == NULL, it->src, why,
		sizeof why);
	if (doc == NULL) {
		if (strcmp(why, "encrypted") == 0) {
			batch_warn(b, it->path, "PDF 已加密，无法读取页数和"
				"文字");
		} else {
			batch_warn(b, it->path, "PDF 无法解析（%s），未提取"
				"文字", why);
		}
		return 0;
	}
	np = poppler_document_get_n_pages(doc);
	it->file.pages = np > 0 ? np : 0;
	if (np > PDF_MAX_PAGES) {
		batch_warn(b, it->path, "PDF 共 %d 页，只读取了前 %d 页的文字",
			np, PDF_MAX_PAGES);
		np = PDF_MAX_PAGES;
	}
	batch_item_pages_free(it);
	if (np > 0) {
		it->pagev = hd_xcalloc((size_t)np, sizeof *it->pagev);
		it->npagev = np;
	}
	for (p = 0; p < np; p++) {
		PopplerPage *page = poppler_document_get_page(doc, p);
		struct batch_page *pg = &it->pagev[p];
		char *text = NULL, *t;

		pg->conf = -1;
		if (page != NULL) {
			text = poppler_page_get_text(page);
			g_object_unref(page);
		}
		if (text != NULL && hd_utf8_valid(text, strlen(text))) {
			t = ocr_tidy(hd_xstrdup(text));
			if (visible(t) >= MIN_LAYER_CHARS) {
				pg->text = t;
			} else {
				free(t);
			}
		}
		g_free(text);
		pg->want = pg->text == NULL;
	}
	g_object_unref(doc);
	pages_join(it);
	return 0;
}

/* ------------------------------------------------------------ render */

struct pdf_doc {
	PopplerDocument *doc;
};

/* See ingest.h.  Read by poppler from the file itself, for the OCR threads. */
struct pdf_doc *pdf_open(const char *path)
{
	struct pdf_doc *d;
	PopplerDocument *doc;
	char why[256];

	doc = open_doc(NULL, 0, 0, path, why, sizeof why);
	if (doc == NULL) {
		return NULL;
	}
	d = hd_xcalloc(1, sizeof *d);
	d->doc = doc;
	return d;
}

/* See ingest.h.  Accepts NULL. */
void pdf_close(struct pdf_doc *d)
{
	if (d == NULL) {
		return;
	}
	g_object_unref(d->doc);
	free(d);
}

/* Copy a cairo RGB24 surface into a new 8-bit grey Pix. */
static PIX *surface_grey(cairo_surface_t *s, int dpi)
{
	int w = cairo_image_surface_get_width(s);
	int h = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	const unsigned char *data;
	PIX *pix;
	l_uint32 *pd;
	int wpl, x, y;

	cairo_surface_flush(s);
	data = cairo_image_surface_get_data(s);
	pix = pixCreate(w, h, 8);
	if (pix == NULL || data == NULL) {
		pixDestroy(&pix);
		return NULL;
	}
	pixSetResolution(pix, dpi, dpi);
	pd = pixGetData(pix);
	wpl = pixGetWpl(pix);
	for (y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)
			(data + (size_t)y * (size_t)stride);
		l_uint32 *line = pd + (size_t)y * (size_t)wpl;

		for (x = 0; x < w; x++) {
			uint32_t v = row[x];
			unsigned r = (v >> 16) & 0xFF, g = (v >> 8) & 0xFF;
			unsigned bl = v & 0xFF;

			SET_DATA_BYTE(line, x,
				(r * 77 + g * 150 + bl * 29) >> 8);
		}
	}
	return pix;
}

/* See ingest.h.  Rendered by cairo on white, then made grey with the ITU-R
 * 601 weights; a page larger than MAX_SIDE pixels at dpi is rendered
 * smaller. */
struct Pix *pdf_render(struct pdf_doc *d, int page, int dpi)
{
	PopplerPage *pg;
	cairo_surface_t *s;
	cairo_t *cr;
	double pw = 0, ph = 0, scale;
	PIX *pix = NULL;
	int w, h;

	if (d == NULL || page < 0 ||
	    page >= poppler_document_get_n_pages(d->doc)) {
		return NULL;
	}
	pg = poppler_document_get_page(d->doc, page);
	if (pg == NULL) {
		return NULL;
	}
	poppler_page_get_size(pg, &pw, &ph);
	scale = dpi / 72.0;
	if (pw <= 0 || ph <= 0 || pw > 1e5 || ph > 1e5) {
		g_object_unref(pg);
		return NULL;
	}
	if (pw * scale > MAX_SIDE || ph * scale > MAX_SIDE) {
		scale = MAX_SIDE / (pw > ph ? pw : ph);
		dpi = (int)(scale * 72.0);
	}
	w = (int)(pw * scale + 0.5);
	h = (int)(ph * scale + 0.5);
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w > 0 ? w : 1,
		h > 0 ? h : 1);
	if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
		cr = cairo_create(s);
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_paint(cr);
		cairo_scale(cr, scale, scale);
		poppler_page_render(pg, cr);
		if (cairo_status(cr) == CAIRO_STATUS_SUCCESS) {
			pix = surface_grey(s, dpi);
		}
		cairo_destroy(cr);
	}
	cairo_surface_destroy(s);
	g_object_unref(pg);
	return pix;
}
