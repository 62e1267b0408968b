/*
 * record.c - records (件): adding one with its files inside a batch, and
 * loading one for display.
 *
 * Reference codes are allocated here, inside the caller's transaction,
 * from a per-prefix counter that only grows: a number handed out is never
 * handed out again.  A record a reader may not see is reported exactly
 * like a missing one, so its existence does not leak.
 *
 * The search index rows of the records added in a transaction are written
 * together just before it commits, inside it: FTS5 writes out its pending
 * rows as a new segment at every statement journal, and every INSERT into
 * records opens one (the records_published_insert trigger makes it a
 * multi-row write), so rows written as each record is added made one
 * segment per record and most of a batch's time went in merging them.
 * FTS5 also writes a segment whenever the rows it holds pass its
 * 'hashsize' (1 MB by default), and merges them as they pile up: at
 * INDEX_HASHSIZE a batch of thousands of records makes a few large
 * segments instead of dozens, which took a seventh of an ingest's time
 * (the tokens indexed are the same).  The setting is kept in the index's
 * own configuration; other writers hold a few rows at a time.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define INDEX_HASHSIZE (8 << 20)        /* bytes of rows FTS5 holds */

void hd_record_init(struct hd_record *r)
{
	memset(r, 0, sizeof *r);
}

static void file_release(struct hd_file *f)
{
	free(f->name);
	free(f->mime);
}

void hd_record_release(struct hd_record *r)
{
	size_t i;

	if (r == NULL) {
		return;
	}
	free(r->ref);
	free(r->fonds);
	free(r->title);
	free(r->creator);
	free(r->date);
	free(r->category);
	free(r->retention);
	free(r->cls);
	free(r->access);
	free(r->status);
	free(r->place);
	free(r->location);
	free(r->description);
	free(r->language);
	free(r->source);
	hd_strv_free(r->subjects, r->nsubjects);
	hd_strv_free(r->persons, r->npersons);
	for (i = 0; i < r->nfiles; i++) {
		file_release(&r->files[i]);
	}
	free(r->files);
	free(r->body);
	for (i = 0; i < r->nevents; i++) {
		free(r->events[i].type);
		free(r->events[i].agent);
		free(r->events[i].detail);
		free(r->events[i].ref);
	}
	free(r->events);
	free(r->created);
	free(r->updated);
	hd_record_init(r);
}

/* Next item number for the prefix (e.g. "QF01-WS·2023·Y-DJ"). */
static int next_item(struct hd_archive *a, const char *prefix, int *item,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_REFSEQ_GET, e);
	int last = 0;

	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, prefix);
	if (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int(st, 0);
	}
	sqlite3_reset(st);
	if (last >= 99999) {
		return hd_err(e, HD_ELIMIT, "reference codes '%s-…' are used "
			"up (99999 items)", prefix);
	}
	st = hd_sql(a, SQL_REFSEQ_SET, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, prefix);
	sqlite3_bind_int(st, 2, last + 1);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "allocate reference code");
	}
	*item = last + 1;
	return 0;
}

static int alloc_ref(struct hd_archive *a, struct hd_record *r,
	struct hd_error *e)
{
	struct hd_ref ref;
	char prefix[64], out[64], now[32];
	int rc;

	memset(&ref, 0, sizeof ref);
	snprintf(ref.fonds, sizeof ref.fonds, "%s", r->fonds);
	snprintf(ref.category, sizeof ref.category, "%s", r->category);
	snprintf(ref.retention, sizeof ref.retention, "%s", r->retention);
	snprintf(ref.cls, sizeof ref.cls, "%s", r->cls ? r->cls : "");
	ref.year = r->year;
	if (ref.year <= 0) {
		hd_now_iso(now);
		ref.year = atoi(now);
	}
	ref.item = 1;
	hd_ref_format(&ref, out, sizeof out);
	/* the prefix is the code without its item number */
	snprintf(prefix, sizeof prefix, "%.*s", (int)(strrchr(out, '-') - out),
		out);
	rc = next_item(a, prefix, &ref.item, e);
	if (rc != 0) {
		return rc;
	}
	hd_ref_format(&ref, out, sizeof out);
	free(r->ref);
	r->ref = hd_xstrdup(out);
	return 0;
}

static char *exif_json(const struct hd_file *f)
{
	json_t *o;
	char *s;

	if (!f->has_exif) {
		return NULL;
	}
	o = json_object();
	if (f->exif.datetime[0]) {
		json_object_set_new(o, "DateTimeOriginal",
			json_string(f->exif.datetime));
	}
	if (f->exif.make[0]) {
		json_object_set_new(o, "Make", json_string(f->exif.make));
	}
	if (f->exif.model[0]) {
		json_object_set_new(o, "Model", json_string(f->exif.model));
	}
	if (f->exif.orientation > 0) {
		json_object_set_new(o, "Orientation",
			json_integer(f->exif.orientation));
	}
	if (f->exif.xres > 0) {
		json_object_set_new(o, "XResolution", json_real(f->exif.xres));
	}
	if (f->exif.yres > 0) {
		json_object_set_new(o, "YResolution", json_real(f->exif.yres));
	}
	if (f->exif.has_gps) {
		json_object_set_new(o, "GPSLatitude", json_real(f->exif.lat));
		json_object_set_new(o, "GPSLongitude", json_real(f->exif.lon));
	}
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static void exif_parse(const char *s, struct hd_file *f)
{
	json_t *o = json_loads(s, 0, NULL), *v;

	if (o == NULL) {
		return;
	}
	f->has_exif = 1;
	v = json_object_get(o, "DateTimeOriginal");
	snprintf(f->exif.datetime, sizeof f->exif.datetime, "%s",
		json_is_string(v) ? json_string_value(v) : "");
	v = json_object_get(o, "Make");
	snprintf(f->exif.make, sizeof f->exif.make, "%s",
		json_is_string(v) ? json_string_value(v) : "");
	v = json_object_get(o, "Model");
	snprintf(f->exif.model, sizeof f->exif.model, "%s",
		json_is_string(v) ? json_string_value(v) : "");
	f->exif.orientation = (int)json_integer_value(
		json_object_get(o, "Orientation"));
	f->exif.xres = json_number_value(json_object_get(o, "XResolution"));
	f->exif.yres = json_number_value(json_object_get(o, "YResolution"));
	v = json_object_get(o, "GPSLatitude");
	if (json_is_number(v)) {
		f->exif.has_gps = 1;
		f->exif.lat = json_number_value(v);
		f->exif.lon = json_number_value(
			json_object_get(o, "GPSLongitude"));
	}
	json_decref(o);
}

static int step_done(struct hd_archive *a, sqlite3_stmt *st,
	struct hd_error *e, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, what);
	}
	return 0;
}

/* See internal.h. */
int hd_heads_put(struct hd_archive *a, enum hd_sql sql, int64_t id,
	const char *title, const char *meta, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, sql, e);

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, id);
	hd_bind_text(st, 2, title);
	hd_bind_text(st, 3, meta);
	return step_done(a, st, e, "index title");
}

static int add_terms(struct hd_archive *a, int64_t id, const char *kind,
	char **v, size_t n, struct hd_error *e)
{
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < n; i++) {
		st = hd_sql(a, SQL_TERM_INSERT, e);
		if (st == NULL) {
			return HD_EDB;
		}
		sqlite3_bind_int64(st, 1, id);
		hd_bind_text(st, 2, kind);
		sqlite3_bind_int(st, 3, (int)i + 1);
		hd_bind_text(st, 4, v[i]);
		if (step_done(a, st, e, "add term") != 0) {
			return HD_EDB;
		}
	}
	return 0;
}

static int add_file(struct hd_archive *a, int64_t id, int seq,
	const struct hd_file *f, const char *now, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_OBJECT_INSERT, e);
	char *ex;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, f->sha256);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)f->size);
	hd_bind_text(st, 3, now);
	if (step_done(a, st, e, "add object") != 0) {
		return HD_EDB;
	}
	st = hd_sql(a, SQL_FILE_INSERT, e);
	if (st == NULL) {
		return HD_EDB;
	}
	ex = exif_json(f);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, seq);
	hd_bind_text(st, 3, f->name);
	hd_bind_text(st, 4, f->sha256);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)f->size);
	hd_bind_text(st, 6, f->mime);
	if (f->width > 0) {
		sqlite3_bind_int(st, 7, f->width);
		sqlite3_bind_int(st, 8, f->height);
	}
	if (f->pages > 0) {
		sqlite3_bind_int(st, 9, f->pages);
	}
	hd_bind_text(st, 10, ex);
	rc = step_done(a, st, e, "add file");
	free(ex);
	return rc;
}

/* Text searched besides title and body: who, what about, where, and the
 * reference code itself (internal.h: review.c rebuilds it on an edit). */
char *hd_record_meta_text(const struct hd_record *r)
{
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b);
	hd_buf_printf(&b, "%s\n", r->ref);
	if (r->creator) {
		hd_buf_printf(&b, "%s\n", r->creator);
	}
	for (i = 0; i < r->nsubjects; i++) {
		hd_buf_printf(&b, "%s\n", r->subjects[i]);
	}
	for (i = 0; i < r->npersons; i++) {
		hd_buf_printf(&b, "%s\n", r->persons[i]);
	}
	if (r->place) {
		hd_buf_printf(&b, "%s\n", r->place);
	}
	return hd_buf_detach(&b);
}

static char *body_text(const struct hd_record *r)
{
	struct hd_buf b;

	hd_buf_init(&b);
	if (r->description) {
		hd_buf_printf(&b, "%s\n", r->description);
	}
	if (r->body) {
		hd_buf_puts(&b, r->body);
	}
	return hd_buf_detach(&b);
}

/* Queue the index row of record id for hd_index_flush. */
static void index_add(struct hd_archive *a, int64_t id,
	const struct hd_record *r)
{
	struct hd_index_row *x;

	if (a->nindex == a->capindex) {
		a->capindex = a->capindex ? a->capindex * 2 : 64;
		a->index = hd_xrealloc(a->index,
			a->capindex * sizeof *a->index);
	}
	x = &a->index[a->nindex++];
	x->id = id;
	x->title = r->title ? hd_xstrdup(r->title) : NULL;
	x->meta = hd_record_meta_text(r);
	x->body = body_text(r);
}

void hd_index_drop(struct hd_archive *a)
{
	size_t i;

	for (i = 0; i < a->nindex; i++) {
		free(a->index[i].title);
		free(a->index[i].meta);
		free(a->index[i].body);
	}
	free(a->index);
	a->index = NULL;
	a->nindex = a->capindex = 0;
}

int hd_index_flush(struct hd_archive *a, struct hd_error *e)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (a->nindex > 0) {
		st = hd_sql(a, SQL_FTS_HASHSIZE, e);
		if (st == NULL) {
			rc = HD_EDB;
		} else {
			sqlite3_bind_int(st, 1, INDEX_HASHSIZE);
			rc = step_done(a, st, e, "set index hashsize");
		}
	}
	for (i = 0; i < a->nindex && rc == 0; i++) {
		st = hd_sql(a, SQL_FTS_INSERT, e);
		if (st == NULL) {
			rc = HD_EDB;
			break;
		}
		sqlite3_bind_int64(st, 1, a->index[i].id);
		hd_bind_text(st, 2, a->index[i].title);
		hd_bind_text(st, 3, a->index[i].meta);
		hd_bind_text(st, 4, a->index[i].body);
		rc = step_done(a, st, e, "index record");
	}
	/* then the title-and-meta table, all its rows together too */
	for (i = 0; i < a->nindex && rc == 0; i++) {
		rc = hd_heads_put(a, SQL_HEADS_INSERT, a->index[i].id,
			a->index[i].title, a->index[i].meta, e);
	}
	hd_index_drop(a);
	return rc;
}

/* hd_record_add: see hd.h.  Returns 0, HD_EUSAGE outside a transaction,
 * HD_ENOTFOUND for an unknown fonds, HD_EDB. */
int hd_record_add(struct hd_archive *a, int64_t batch, struct hd_record *r,
	const struct hd_agent *agent, struct hd_error *e)
{
	sqlite3_stmt *st;
	char now[32], *detail = NULL;
	int64_t fonds, id;
	size_t i;
	int rc;

	if (!a->in_tx) {
		return hd_err(e, HD_EUSAGE, "record added outside a "
			"transaction");
	}
	rc = hd_fonds_id(a, r->fonds, &fonds, e);
	if (rc != 0) {
		return rc;
	}
	rc = alloc_ref(a, r, e);
	if (rc != 0) {
		return rc;
	}
	hd_now_iso(now);
	st = hd_sql(a, SQL_RECORD_INSERT, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, r->ref);
	sqlite3_bind_int64(st, 2, fonds);
	if (batch > 0) {
		sqlite3_bind_int64(st, 3, batch);
	}
	hd_bind_text(st, 4, r->title);
	hd_bind_text(st, 5, r->creator);
	hd_bind_text(st, 6, r->date);
	if (r->year > 0) {
		sqlite3_bind_int(st, 7, r->year);
		sqlite3_bind_int(st, 8, r->year_end > 0 ? r->year_end :
			r->year);
	}
	hd_bind_text(st, 9, r->category);
	hd_bind_text(st, 10, r->retention);
	hd_bind_text(st, 11, r->cls);
	hd_bind_text(st, 12, r->access);
	hd_bind_text(st, 13, r->status);
	hd_bind_text(st, 14, r->place);
	hd_bind_text(st, 15, r->location);
	hd_bind_text(st, 16, r->description);
	hd_bind_text(st, 17, r->language ? r->language : "zh");
	hd_bind_text(st, 18, r->source);
	if (r->pages > 0) {
		sqlite3_bind_int(st, 19, r->pages);
	}
	hd_bind_text(st, 20, now);
	if (step_done(a, st, e, "add record") != 0) {
		return HD_EDB;
	}
	id = sqlite3_last_insert_rowid(a->db);
	r->id = id;
	rc = add_terms(a, id, "subject", r->subjects, r->nsubjects, e);
	if (rc == 0) {
		rc = add_terms(a, id, "person", r->persons, r->npersons, e);
	}
	for (i = 0; i < r->nfiles && rc == 0; i++) {
		rc = add_file(a, id, (int)i + 1, &r->files[i], now, e);
	}
	if (rc != 0) {
		return rc;
	}
	index_add(a, id, r);
	rc = hd_suggest_record(a, r, e);
	if (rc != 0) {
		return rc;
	}
	detail = hd_xasprintf("%s%s", r->source ? "source: " : "",
		r->source ? r->source : "");
	rc = hd_event_add(a, "collect", id, agent, detail, e);
	free(detail);
	if (rc != 0) {
		return rc;
	}
	detail = hd_xasprintf("batch %lld: %zu file(s)", (long long)batch,
		r->nfiles);
	rc = hd_event_add(a, "ingest", id, agent, detail, e);
	free(detail);
	if (rc == 0 && strcmp(r->status, "approved") == 0) {
		rc = hd_event_add(a, "review", id, agent,
			"approved at ingest (--approve)", e);
	}
	return rc;
}

/* hd_record_id: see internal.h.  Allocates nothing. */
int hd_record_id(struct hd_archive *a, const char *canon, int64_t *id,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_RECORD_STATE, e);
	int rc;

	*id = 0;
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, canon);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "find record");
	}
	return 0;
}

/* hd_record_find: see internal.h.  Allocates nothing. */
int hd_record_find(struct hd_archive *a, const char *ref, int64_t *id,
	struct hd_error *e)
{
	char canon[64];
	int rc;

	*id = 0;
	rc = hd_ref_canon(ref, canon, sizeof canon, e);
	if (rc == 0) {
		rc = hd_record_id(a, canon, id, e);
	}
	if (rc == 0 && *id == 0) {
		rc = hd_err(e, HD_ENOTFOUND, "%s：没有这件档案", ref);
	}
	return rc;
}

/*
 * hd_file_known: see hd.h.  A catalogue that cannot be read (busy,
 * damaged) is HD_EDB, never "not known": a duplicate must not pass for a
 * new file.
 */
int hd_file_known(struct hd_archive *a, const char *sha256, int *known,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_FILE_KNOWN, e);
	int rc;

	*known = 0;
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, sha256);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		*known = 1;
	} else if (rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "look up object");
	}
	return 0;
}

static int load_files(struct hd_archive *a, struct hd_record *r,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_FILES_OF, e);
	struct hd_file *f;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->files = hd_xrealloc(r->files,
			(r->nfiles + 1) * sizeof *r->files);
		f = &r->files[r->nfiles++];
		memset(f, 0, sizeof *f);
		f->name = hd_col_dup(st, 0);
		snprintf(f->sha256, sizeof f->sha256, "%s",
			(const char *)sqlite3_column_text(st, 1));
		f->size = (uint64_t)sqlite3_column_int64(st, 2);
		f->mime = hd_col_dup(st, 3);
		f->width = sqlite3_column_int(st, 4);
		f->height = sqlite3_column_int(st, 5);
		f->pages = sqlite3_column_int(st, 6);
		if (sqlite3_column_type(st, 7) == SQLITE_TEXT) {
			exif_parse((const char *)sqlite3_column_text(st, 7),
				f);
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : hd_sql_err(a, e, "load files");
}

static int load_terms(struct hd_archive *a, struct hd_record *r,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_TERMS_OF, e);
	const char *kind, *term;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kind = (const char *)sqlite3_column_text(st, 0);
		term = (const char *)sqlite3_column_text(st, 1);
		if (strcmp(kind, "person") == 0) {
			hd_strv_add(&r->persons, &r->npersons, term);
		} else {
			hd_strv_add(&r->subjects, &r->nsubjects, term);
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : hd_sql_err(a, e, "load terms");
}

static int load_events(struct hd_archive *a, struct hd_record *r,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_EVENTS_OF, e);
	struct hd_event *ev;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->events = hd_xrealloc(r->events,
			(r->nevents + 1) * sizeof *r->events);
		ev = &r->events[r->nevents++];
		hd_event_row(st, ev);
		ev->ref = hd_xstrdup(r->ref);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : hd_sql_err(a, e, "load events");
}

int hd_record_get(struct hd_archive *a, enum hd_audience who,
	const char *ref, struct hd_record *r, struct hd_error *e)
{
	sqlite3_stmt *st;
	char canon[64];
	int rc;

	rc = hd_ref_canon(ref, canon, sizeof canon, e);
	if (rc != 0) {
		return rc;
	}
	st = hd_sql(a, who == HD_PUBLIC ? SQL_RECORD_GET_PUBLIC :
		SQL_RECORD_GET_ALL, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, canon);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			return hd_sql_err(a, e, "load record");
		}
		return hd_err(e, HD_ENOTFOUND, "%s: no such record", ref);
	}
	r->id = sqlite3_column_int64(st, 0);
	r->ref = hd_col_dup(st, 1);
	r->fonds = hd_col_dup(st, 2);
	r->title = hd_col_dup(st, 3);
	r->creator = hd_col_dup(st, 4);
	r->date = hd_col_dup(st, 5);
	r->year = sqlite3_column_int(st, 6);
	r->year_end = sqlite3_column_int(st, 7);
	r->category = hd_col_dup(st, 8);
	r->retention = hd_col_dup(st, 9);
	r->cls = hd_col_dup(st, 10);
	r->access = hd_col_dup(st, 11);
	r->status = hd_col_dup(st, 12);
	r->place = hd_col_dup(st, 13);
	r->location = hd_col_dup(st, 14);
	r->description = hd_col_dup(st, 15);
	r->language = hd_col_dup(st, 16);
	r->source = hd_col_dup(st, 17);
	r->pages = sqlite3_column_int(st, 18);
	r->created = hd_col_dup(st, 19);
	r->updated = hd_col_dup(st, 20);
	sqlite3_reset(st);
	rc = load_files(a, r, e);
	if (rc == 0) {
		rc = load_terms(a, r, e);
	}
	if (rc == 0 && who == HD_ARCHIVIST) {
		rc = load_events(a, r, e);
	}
	if (rc != 0) {
		hd_record_release(r);
	}
	return rc;
}

char *hd_record_text(struct hd_archive *a, const struct hd_record *r)
{
	sqlite3_stmt *st = hd_sql(a, SQL_RECORD_BODY, NULL);
	char *s = NULL;

	if (st == NULL || r->id <= 0) {
		return NULL;
	}
	sqlite3_bind_int64(st, 1, r->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s = hd_col_dup(st, 0);
	}
	sqlite3_reset(st);
	return s;
}
