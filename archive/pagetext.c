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
	int rc;

	if (!a->in_tx) {
		return hd_err(e, HD_EUSAGE, "page text stored outside a "
			"transaction");
	}
	/* a confidence of 0 is one; no confidence (text, not OCR) is NULL */
	st = hd_sql_bind(a, SQL_PAGE_INSERT, e, "liit", record, seq, page,
		text ? text : "");
	if (st != NULL && conf >= 0) {
		sqlite3_bind_int(st, 5, conf);
	}
	rc = hd_sql_done(a, st, "store page text", e);
	if (rc != 0 || conf < 0) {
		return rc;
	}
	/* the record's OCR'd text ranks by its pages' confidence */
	return hd_sql_run(a, SQL_QUALITY_SET, "store text quality", e, "l",
		record);
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
	st = hd_sql_bind(a, SQL_PAGES_OF, e, "l", r->id);
	while ((rc = hd_sql_step(a, st, "load page text", e)) == 1) {
		v = hd_xrealloc(v, (n + 1) * sizeof *v);
		p = &v[n++];
		p->seq = sqlite3_column_int(st, 0);
		p->page = sqlite3_column_int(st, 1);
		p->text = hd_col_dup(st, 2);
		p->conf = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
			sqlite3_column_int(st, 3);
	}
	if (rc != 0) {
		hd_pages_free(v, n);
		return rc;
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
