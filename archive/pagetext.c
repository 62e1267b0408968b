/*
 * pagetext.c - the text of each page of a record's files (OCR or a
 * PDF's text layer).
 *
 * A scanned page read by OCR, or a PDF page with a text layer, keeps its
 * own text and (for OCR) tesseract's mean confidence, so that a record
 * page can show the text beside the image of the page and ranking can
 * tell clean text from doubtful OCR.  The searchable body of the record
 * holds the same text joined; this table is never searched.  Pages are
 * written only inside the batch's transaction, after the record's files.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* hd_page_add: see hd.h.  Allocates nothing. */
int hd_page_add(struct hd_archive *a, int64_t record, int seq, int page,
	const char *text, int conf, struct hd_error *e)
{
	sqlite3_stmt *st;

	if (!a->in_tx) {
		return hd_err(e, HD_EUSAGE, "page text stored outside a "
			"transaction");
	}
	st = hd_sql(a, SQL_PAGE_INSERT, e);
	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, record);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_int(st, 3, page);
	hd_bind_text(st, 4, text ? text : "");
	if (conf >= 0) {
		sqlite3_bind_int(st, 5, conf);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "store page text");
	}
	if (conf < 0) {
		return 0;
	}
	/* the record's OCR'd text ranks by its pages' confidence */
	st = hd_sql(a, SQL_QUALITY_SET, e);
	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, record);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "store text quality");
	}
	return 0;
}

/* hd_record_pages: see hd.h.  Returns 0 or HD_EDB (*pages NULL). */
int hd_record_pages(struct hd_archive *a, const struct hd_record *r,
	struct hd_page **pages, size_t *npages, struct hd_error *e)
{
	sqlite3_stmt *st;
	struct hd_page *v = NULL, *p;
	size_t n = 0;
	int rc;

	*pages = NULL;
	*npages = 0;
	if (r->id <= 0) {
		return 0;
	}
	st = hd_sql(a, SQL_PAGES_OF, e);
	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, r->id);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			break;
		}
		v = hd_xrealloc(v, (n + 1) * sizeof *v);
		p = &v[n++];
		p->seq = sqlite3_column_int(st, 0);
		p->page = sqlite3_column_int(st, 1);
		p->text = hd_col_dup(st, 2);
		p->conf = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
			sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		hd_pages_free(v, n);
		return hd_sql_err(a, e, "load page text");
	}
	*pages = v;
	*npages = n;
	return 0;
}

/* hd_pages_free: see hd.h.  Accepts NULL. */
void hd_pages_free(struct hd_page *pages, size_t npages)
{
	size_t i;

	for (i = 0; i < npages; i++) {
		free(pages[i].text);
	}
	free(pages);
}
