/*
 * listing.c - what the exhibit lists for visitors (timelines, reading
 * lists, related records, decades) and small settings kept in meta.
 *
 * Every listing here runs a *_PUBLIC statement: approved public records
 * only, by the text of the SQL.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* hd_facets_release: see hd.h.  Frees every value and the array, leaves
 * f empty; accepts NULL. */
void hd_facets_release(struct hd_facets *f)
{
	size_t i;

	if (f == NULL) {
		return;
	}
	for (i = 0; i < f->n; i++) {
		free(f->v[i].value);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* Hits from a listing statement whose columns are: id, ref, title, date,
 * year, category, class, access, status, description start (the
 * snippet's text: no marks, no cuts), thumb; appended to res->hits,
 * which grows by one a hit (the caller releases res, also on an error).
 * Returns 0 or HD_EDB (also for a NULL st: not prepared); st is reset
 * either way. */
static int read_hits(struct hd_archive *a, sqlite3_stmt *st,
	struct hd_results *res, struct hd_error *e)
{
	struct hd_hit *h;
	int rc;

	while ((rc = hd_sql_step(a, st, "list records", e)) == 1) {
		res->hits = hd_xrealloc(res->hits,
			(res->nhits + 1) * sizeof *res->hits);
		h = &res->hits[res->nhits++];
		memset(h, 0, sizeof *h);
		h->id = sqlite3_column_int64(st, 0);
		h->ref = hd_col_dup(st, 1);
		h->title = hd_col_dup(st, 2);
		h->date = hd_col_dup(st, 3);
		h->year = sqlite3_column_int(st, 4);
		h->category = hd_col_dup(st, 5);
		h->cls = hd_col_dup(st, 6);
		h->access = hd_col_dup(st, 7);
		h->status = hd_col_dup(st, 8);
		h->snippet.text = hd_col_dup(st, 9);
		if (h->snippet.text == NULL) {
			h->snippet.text = hd_xstrdup("");
		}
		h->thumb = hd_col_dup(st, 10);
	}
	return rc;
}

/* Bind the filters of l (class, category, decade, images only, first
 * year) to parameters 1..5 of a listing statement, as both the count
 * and the page of SQL_LIST_*_PUBLIC take them. */
static void bind_list(sqlite3_stmt *st, const struct hd_list *l)
{
	hd_bind_text(st, 1, l->cls);
	hd_bind_text(st, 2, l->category);
	sqlite3_bind_int(st, 3, l->decade);
	sqlite3_bind_int(st, 4, l->images_only);
	sqlite3_bind_int(st, 5, l->year_from);
}

/* hd_list_public: see hd.h.  res->total counts every match, res->hits
 * holds one page of them (limit 50 by default, 1,000 at most); on an
 * error res is released and empty. */
int hd_list_public(struct hd_archive *a, const struct hd_list *l,
	struct hd_results *res, struct hd_error *e)
{
	sqlite3_stmt *st;
	int limit = l->limit > 0 ? l->limit : 50;
	int rc;

	memset(res, 0, sizeof *res);
	if (limit > 1000) {
		limit = 1000;
	}
	st = hd_sql(a, SQL_LIST_COUNT_PUBLIC, e);
	if (st == NULL) {
		return HD_EDB;
	}
	bind_list(st, l);
	if (sqlite3_step(st) == SQLITE_ROW) {
		res->total = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	st = hd_sql(a, SQL_LIST_PUBLIC, e);
	if (st == NULL) {
		return HD_EDB;
	}
	bind_list(st, l);
	sqlite3_bind_int(st, 6, l->newest_first);
	sqlite3_bind_int(st, 7, limit);
	sqlite3_bind_int(st, 8, l->offset > 0 ? l->offset : 0);
	rc = read_hits(a, st, res, e);
	if (rc != 0) {
		hd_results_release(res);
	}
	return rc;
}

/* hd_related_public: see hd.h.  Up to limit (6 when not positive)
 * public records sharing subjects with record id, into res; res->total
 * is their number.  On an error res is released and empty. */
int hd_related_public(struct hd_archive *a, int64_t id, int limit,
	struct hd_results *res, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_RELATED_PUBLIC, e, "li", id,
		limit > 0 ? limit : 6);
	int rc;

	memset(res, 0, sizeof *res);
	rc = read_hits(a, st, res, e);
	res->total = (int64_t)res->nhits;
	if (rc != 0) {
		hd_results_release(res);
	}
	return rc;
}

/* Run statement name, whose rows are (value, count), into out (a new
 * array the caller releases with hd_facets_release).  Returns 0, or
 * HD_EDB with out empty. */
static int read_facets(struct hd_archive *a, enum hd_sql name,
	struct hd_facets *out, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, name, e);
	const char *v;
	int rc;

	memset(out, 0, sizeof *out);
	while ((rc = hd_sql_step(a, st, "count records", e)) == 1) {
		v = (const char *)sqlite3_column_text(st, 0);
		out->v = hd_xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		out->v[out->n].value = hd_xstrdup(v ? v : "");
		out->v[out->n].count = sqlite3_column_int64(st, 1);
		out->n++;
	}
	if (rc != 0) {
		hd_facets_release(out);
	}
	return rc;
}

/* hd_decades_public: see hd.h.  Public records counted by decade. */
int hd_decades_public(struct hd_archive *a, struct hd_facets *out,
	struct hd_error *e)
{
	return read_facets(a, SQL_DECADES_PUBLIC, out, e);
}

/* hd_classes_public: see hd.h.  Public records counted by class. */
int hd_classes_public(struct hd_archive *a, struct hd_facets *out,
	struct hd_error *e)
{
	return read_facets(a, SQL_CLASS_COUNTS_PUBLIC, out, e);
}

/* hd_subjects_public: see hd.h.  The most frequent subjects of public
 * records, with their counts. */
int hd_subjects_public(struct hd_archive *a, struct hd_facets *out,
	struct hd_error *e)
{
	return read_facets(a, SQL_TOP_SUBJECTS_PUBLIC, out, e);
}

/* hd_event_last: see hd.h.  The time (into at) and, when detail is not
 * NULL, a copy of the detail of the newest event of type.  HD_ENOTFOUND
 * when there is none, HD_EDB when the log cannot be read. */
int hd_event_last(struct hd_archive *a, const char *type, char at[32],
	char **detail, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_LAST_EVENT_OF_TYPE, e);
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, type);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(at, 32, "%s", (const char *)sqlite3_column_text(st,
			0));
		if (detail != NULL) {
			*detail = hd_col_dup(st, 1);
		}
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "last event");
	}
	return hd_err(e, HD_ENOTFOUND, "no '%s' event yet", type);
}

/*
 * hd_meta_get: see hd.h.  A busy or failing catalogue is HD_EDB, never
 * "unset": the caller must not take the default for a value it could
 * not read.
 */
int hd_meta_get(struct hd_archive *a, const char *key, const char *def,
	char **value, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_META_GET, e);
	char *v = NULL;
	int rc;

	*value = NULL;
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = hd_col_dup(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "read setting");
	}
	if (v == NULL && def != NULL) {
		v = hd_xstrdup(def);
	}
	*value = v;
	return 0;
}

/* hd_meta_set: see hd.h.  The setting and its "config" event are one
 * transaction: both stored, or neither. */
int hd_meta_set(struct hd_archive *a, const char *key, const char *value,
	const struct hd_agent *agent, struct hd_error *e)
{
	sqlite3_stmt *st;
	char *detail;
	int rc;

	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	st = hd_sql(a, SQL_META_SET, e);
	if (st == NULL) {
		hd_tx_rollback(a);
		return HD_EDB;
	}
	hd_bind_text(st, 1, key);
	hd_bind_text(st, 2, value);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "set setting");
		hd_tx_rollback(a);
		return rc;
	}
	detail = hd_xasprintf("%s = %s", key, value);
	rc = hd_event_add(a, "config", 0, agent, detail, e);
	free(detail);
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc != 0) {
		hd_tx_rollback(a);
	}
	return rc;
}
