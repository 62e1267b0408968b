/*
 * search.c - full-text search over the catalogue (FTS5 with the hongdang
 * tokenizer), with filters, facets and highlighted snippets.
 *
 * What the user typed is first tried as an FTS5 expression (phrases in
 * quotes, AND / OR / NOT, prefix*); when FTS5 rejects it as syntax it is
 * searched again as plain words, so no query is ever an error page.
 * Results for HD_PUBLIC come only from the *_PUBLIC statements, which
 * select approved public records in their SQL text.  Snippets are HTML:
 * matches inside <mark></mark>, every other character escaped.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define QUERY_MAX 1024          /* bytes of a query that are looked at */

void hd_results_release(struct hd_results *res)
{
	size_t i;
	struct hd_facets *fs[4];

	if (res == NULL) {
		return;
	}
	for (i = 0; i < res->nhits; i++) {
		struct hd_hit *h = &res->hits[i];

		free(h->ref);
		free(h->title);
		free(h->date);
		free(h->category);
		free(h->cls);
		free(h->access);
		free(h->status);
		free(h->snippet);
		free(h->thumb);
	}
	free(res->hits);
	fs[0] = &res->decade;
	fs[1] = &res->category;
	fs[2] = &res->place;
	fs[3] = &res->person;
	for (i = 0; i < 4; i++) {
		size_t j;

		for (j = 0; j < fs[i]->n; j++) {
			free(fs[i]->v[j].value);
		}
		free(fs[i]->v);
	}
	memset(res, 0, sizeof *res);
}

/* The query as plain words: each white-space separated word quoted for
 * FTS5 (a quote inside doubled).  Caller frees. */
static char *plain_words(const char *q)
{
	struct hd_buf b;
	const char *p = q;
	size_t n;

	hd_buf_init(&b);
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    strncmp(p, "\xE3\x80\x80", 3) == 0) {
			p += (*p == '\xE3') ? 3 : 1;
		}
		if (*p == '\0') {
			break;
		}
		if (b.len > 0) {
			hd_buf_puts(&b, " ");
		}
		hd_buf_puts(&b, "\"");
		for (n = 0; p[n] && p[n] != ' ' && p[n] != '\t' &&
		    p[n] != '\n' && p[n] != '\r' &&
		    strncmp(p + n, "\xE3\x80\x80", 3) != 0; n++) {
			if (p[n] == '"') {
				hd_buf_puts(&b, "\"\"");
			} else {
				hd_buf_add(&b, p + n, 1);
			}
		}
		hd_buf_puts(&b, "\"");
		p += n;
	}
	return hd_buf_detach(&b);
}

/* Snippet from FTS5 (matches between \x01 and \x02) to safe HTML. */
static char *snippet_html(const char *s)
{
	struct hd_buf b;
	size_t i, run = 0, n = s ? strlen(s) : 0;

	hd_buf_init(&b);
	for (i = 0; i < n; i++) {
		if (s[i] == '\x01' || s[i] == '\x02') {
			hd_buf_html(&b, s + run, i - run);
			hd_buf_puts(&b, s[i] == '\x01' ? "<mark>" : "</mark>");
			run = i + 1;
		}
	}
	hd_buf_html(&b, s + run, n - run);
	return hd_buf_detach(&b);
}

static void bind_filters(sqlite3_stmt *st, const char *match,
	const struct hd_query *q)
{
	hd_bind_text(st, 1, match);
	if (q->year_from > 0) {
		sqlite3_bind_int(st, 2, q->year_from);
	}
	if (q->year_to > 0) {
		sqlite3_bind_int(st, 3, q->year_to);
	}
	hd_bind_text(st, 4, q->category);
	hd_bind_text(st, 5, q->cls);
	hd_bind_text(st, 6, q->fonds);
	hd_bind_text(st, 7, q->place);
	hd_bind_text(st, 8, q->person);
}

static void facet_add(struct hd_facets *f, const char *value)
{
	size_t i;

	if (value == NULL || *value == '\0') {
		return;
	}
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].value, value) == 0) {
			f->v[i].count++;
			return;
		}
	}
	f->v = hd_xrealloc(f->v, (f->n + 1) * sizeof *f->v);
	f->v[f->n].value = hd_xstrdup(value);
	f->v[f->n].count = 1;
	f->n++;
}

static int by_count(const void *x, const void *y)
{
	const struct hd_facet *a = x, *b = y;

	if (a->count != b->count) {
		return a->count < b->count ? 1 : -1;
	}
	return strcmp(a->value, b->value);
}

static int by_value(const void *x, const void *y)
{
	const struct hd_facet *a = x, *b = y;

	return strcmp(a->value, b->value);
}

/* 1 when the last error was FTS5 refusing the expression (SQLITE_ERROR
 * from MATCH: "fts5: syntax error", "unterminated string", "no such
 * column"...); busy, I/O and corruption errors have other codes. */
static int syntax_error(struct hd_archive *a)
{
	return sqlite3_errcode(a->db) == SQLITE_ERROR;
}

/* Count the matches (and tally facets).  Returns SQLITE_DONE or the
 * failing step's code. */
static int count_matches(struct hd_archive *a, enum hd_audience who,
	const char *match, const struct hd_query *q, struct hd_results *res,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, who == HD_PUBLIC ? SQL_MATCHES_PUBLIC :
		SQL_MATCHES_ALL, e);
	char dec[16];
	int rc, year;

	if (st == NULL) {
		return SQLITE_ERROR;
	}
	bind_filters(st, match, q);
	res->total = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		res->total++;
		if (!q->facets) {
			continue;
		}
		year = sqlite3_column_int(st, 1);
		if (year > 0) {
			snprintf(dec, sizeof dec, "%d", year / 10 * 10);
			facet_add(&res->decade, dec);
		}
		facet_add(&res->category,
			(const char *)sqlite3_column_text(st, 2));
		facet_add(&res->place,
			(const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_reset(st);
	return rc;
}

static int person_facet(struct hd_archive *a, enum hd_audience who,
	const char *match, const struct hd_query *q, struct hd_results *res,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, who == HD_PUBLIC ?
		SQL_FACET_PERSON_PUBLIC : SQL_FACET_PERSON_ALL, e);
	struct hd_facets *f = &res->person;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	bind_filters(st, match, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f->v = hd_xrealloc(f->v, (f->n + 1) * sizeof *f->v);
		f->v[f->n].value = hd_col_dup(st, 0);
		f->v[f->n].count = sqlite3_column_int64(st, 1);
		f->n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : hd_sql_err(a, e, "person facet");
}

static int fetch_hits(struct hd_archive *a, enum hd_audience who,
	const char *match, const struct hd_query *q, int limit,
	struct hd_results *res, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, who == HD_PUBLIC ? SQL_SEARCH_PUBLIC :
		SQL_SEARCH_ALL, e);
	struct hd_hit *h;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	bind_filters(st, match, q);
	sqlite3_bind_int(st, 9, limit);
	sqlite3_bind_int(st, 10, q->offset > 0 ? q->offset : 0);
	res->hits = hd_xcalloc((size_t)limit, sizeof *res->hits);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    res->nhits < (size_t)limit) {
		h = &res->hits[res->nhits++];
		h->id = sqlite3_column_int64(st, 0);
		h->ref = hd_col_dup(st, 1);
		h->title = hd_col_dup(st, 2);
		h->date = hd_col_dup(st, 3);
		h->year = sqlite3_column_int(st, 4);
		h->category = hd_col_dup(st, 5);
		h->cls = hd_col_dup(st, 6);
		h->access = hd_col_dup(st, 7);
		h->status = hd_col_dup(st, 8);
		h->snippet = snippet_html(
			(const char *)sqlite3_column_text(st, 9));
		h->thumb = hd_col_dup(st, 10);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		return hd_sql_err(a, e, "search");
	}
	return 0;
}

int hd_search(struct hd_archive *a, enum hd_audience who,
	const struct hd_query *q, struct hd_results *res, struct hd_error *e)
{
	char *match = NULL, *plain = NULL;
	int limit = q->limit > 0 ? q->limit : 20;
	int rc;

	memset(res, 0, sizeof *res);
	if (limit > 1000) {
		limit = 1000;
	}
	if (q->q == NULL || strlen(q->q) > QUERY_MAX) {
		return hd_err(e, HD_EINVAL, "query is empty or longer than %d "
			"bytes", QUERY_MAX);
	}
	if (!hd_utf8_valid(q->q, strlen(q->q))) {
		return hd_err(e, HD_EINVAL, "query is not valid UTF-8");
	}
	match = hd_xstrdup(q->q);
	rc = count_matches(a, who, match, q, res, e);
	if (rc != SQLITE_DONE && syntax_error(a)) {
		hd_results_release(res);
		plain = plain_words(q->q);
		free(match);
		match = plain;
		rc = count_matches(a, who, match, q, res, e);
	}
	if (rc != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "search");
		goto out;
	}
	rc = 0;
	if (q->facets) {
		/* qsort may not be given a NULL array, even when empty */
		if (res->decade.n > 1) {
			qsort(res->decade.v, res->decade.n,
				sizeof *res->decade.v, by_value);
		}
		if (res->category.n > 1) {
			qsort(res->category.v, res->category.n,
				sizeof *res->category.v, by_count);
		}
		if (res->place.n > 1) {
			qsort(res->place.v, res->place.n,
				sizeof *res->place.v, by_count);
		}
		rc = person_facet(a, who, match, q, res, e);
	}
	if (rc == 0 && res->total > 0) {
		rc = fetch_hits(a, who, match, q, limit, res, e);
	}
out:
	free(match);
	if (rc != 0) {
		hd_results_release(res);
	}
	return rc;
}

int hd_stats_get(struct hd_archive *a, enum hd_audience who,
	struct hd_stats *s, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, who == HD_PUBLIC ? SQL_STATS_PUBLIC :
		SQL_STATS_ALL, e);
	int rc;

	memset(s, 0, sizeof *s);
	if (st == NULL) {
		return HD_EDB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->records = sqlite3_column_int64(st, 0);
		s->photos = sqlite3_column_int64(st, 1);
		s->year_min = sqlite3_column_int(st, 2);
		s->year_max = sqlite3_column_int(st, 3);
		s->files = sqlite3_column_int64(st, 4);
		s->pages = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : hd_sql_err(a, e, "stats");
}
