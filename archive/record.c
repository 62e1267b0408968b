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

/* hd_record_init: see hd.h: every field zero or NULL. */
void hd_record_init(struct hd_record *r)
{
	memset(r, 0, sizeof *r);
}

/* Free the strings file f holds (its name and type). */
static void file_release(struct hd_file *f)
{
	free(f->name);
	free(f->mime);
}

/* hd_record_release: see hd.h.  Frees every string, list, file and event r
 * holds and makes it as hd_record_init left it; accepts NULL. */
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
	sqlite3_stmt *st = hd_sql_bind(a, SQL_REFSEQ_GET, e, "t", prefix);
	int last = 0, rc;

	if (st == NULL) {
		return HD_EDB;
	}
	/* a failing read counts from 0 and the write below fails on the
	 * same database */
	if (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int(st, 0);
	}
	sqlite3_reset(st);
	if (last >= 99999) {
		return hd_err(e, HD_ELIMIT, "reference codes '%s-…' are used "
			"up (99999 items)", prefix);
	}
	rc = hd_sql_run(a, SQL_REFSEQ_SET, "allocate reference code", e, "ti",
		prefix, last + 1);
	if (rc == 0) {
		*item = last + 1;
	}
	return rc;
}

/* Give record r its reference code (r->ref, new) inside the open
 * transaction: its fonds, category, year (this year when undated), retention
 * and class, with the next item number of that prefix (next_item).  0,
 * HD_ELIMIT when the prefix's numbers are used up, or HD_EDB. */
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

/* The EXIF fields file f carries as compact JSON with sorted keys
 * (DateTimeOriginal, Make, Model, Orientation, X/YResolution, GPS), only
 * those present; NULL when it has none.  Caller frees. */
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

/* The EXIF fields of JSON text s (as exif_json writes it) into f, and
 * f->has_exif set; text that is not JSON is ignored. */
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

/* See internal.h. */
int hd_heads_put(struct hd_archive *a, enum hd_sql sql, int64_t id,
	const char *title, const char *meta, struct hd_error *e)
{
	return hd_sql_run(a, sql, "index title", e, "ltt", id, title, meta);
}

/* See internal.h. */
int hd_terms_add(struct hd_archive *a, int64_t id, const char *kind,
	char *const *v, size_t n, struct hd_error *e)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		rc = hd_sql_run(a, SQL_TERM_INSERT, "add term", e, "ltit", id,
			kind, (int)i + 1, v[i]);
	}
	return rc;
}

/* File f, number seq of record id, into files (its object into objects
 * unless the store holds it already), inside the caller's transaction.
 * A width of 0 (not an image) leaves width and height NULL, 0 pages
 * leaves pages NULL.  0 or HD_EDB. */
static int add_file(struct hd_archive *a, int64_t id, int seq,
	const struct hd_file *f, const char *now, struct hd_error *e)
{
	sqlite3_stmt *st;
	char *ex;
	int rc;

	rc = hd_sql_run(a, SQL_OBJECT_INSERT, "add object", e, "tlt",
		f->sha256, (int64_t)f->size, now);
	if (rc != 0) {
		return rc;
	}
	ex = exif_json(f);
	st = hd_sql_bind(a, SQL_FILE_INSERT, e, "littlt", id, seq, f->name,
		f->sha256, (int64_t)f->size, f->mime);
	if (st != NULL) {
		if (f->width > 0) {
			sqlite3_bind_int(st, 7, f->width);
			sqlite3_bind_int(st, 8, f->height);
		}
		if (f->pages > 0) {
			sqlite3_bind_int(st, 9, f->pages);
		}
		hd_bind_text(st, 10, ex);
	}
	rc = hd_sql_done(a, st, "add file", e);
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

/* The body column of record r's search row: its description, a newline, then
 * the text of its files (r->body).  Caller frees. */
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

/* hd_index_queue: see internal.h. */
void hd_index_queue(struct hd_archive *a, int64_t id,
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

/* See internal.h.  The rows are freed and a->index emptied. */
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

/* hd_index_unqueue: see internal.h.  The last row takes its place. */
void hd_index_unqueue(struct hd_archive *a, int64_t id)
{
	size_t i;

	for (i = 0; i < a->nindex; i++) {
		if (a->index[i].id != id) {
			continue;
		}
		free(a->index[i].title);
		free(a->index[i].meta);
		free(a->index[i].body);
		a->index[i] = a->index[--a->nindex];
		return;
	}
}

/* See internal.h.  The index's hashsize is raised to INDEX_HASHSIZE first
 * (see the file comment), then the rows go into search and then into heads. */
int hd_index_flush(struct hd_archive *a, struct hd_error *e)
{
	size_t i;
	int rc = 0;

	if (a->nindex > 0) {
		rc = hd_sql_run(a, SQL_FTS_HASHSIZE, "set index hashsize", e,
			"i", INDEX_HASHSIZE);
	}
	for (i = 0; i < a->nindex && rc == 0; i++) {
		rc = hd_sql_run(a, SQL_FTS_INSERT, "index record", e, "lttt",
			a->index[i].id, a->index[i].title, a->index[i].meta,
			a->index[i].body);
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
	/* no year leaves year and year_end NULL; year_end is at least the
	 * year */
	rc = hd_sql_run(a, SQL_RECORD_INSERT, "add record", e,
		"tlLtttIIttttttttttIt", r->ref, fonds, batch, r->title,
		r->creator, r->date, r->year, r->year > 0 && r->year_end > 0 ?
		r->year_end : r->year, r->category, r->retention, r->cls,
		r->access, r->status, r->place, r->location, r->description,
		r->language ? r->language : "zh", r->source, r->pages, now);
	if (rc != 0) {
		return rc;
	}
	id = sqlite3_last_insert_rowid(a->db);
	r->id = id;
	rc = hd_terms_add(a, id, "subject", r->subjects, r->nsubjects, e);
	if (rc == 0) {
		rc = hd_terms_add(a, id, "person", r->persons, r->npersons, e);
	}
	for (i = 0; i < r->nfiles && rc == 0; i++) {
		rc = add_file(a, id, (int)i + 1, &r->files[i], now, e);
	}
	if (rc != 0) {
		return rc;
	}
	hd_index_queue(a, id, r);
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
	int rc;

	*id = 0;
	rc = hd_sql_get(a, SQL_RECORD_STATE, "find record", e, "t>l", canon,
		id);
	return rc < 0 ? rc : 0;
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
	int rc;

	*known = 0;
	rc = hd_sql_get(a, SQL_FILE_KNOWN, "look up object", e, "t", sha256);
	if (rc < 0) {
		return rc;
	}
	*known = rc;
	return 0;
}

/* The files of record r->id, in order, appended to r->files (their EXIF from
 * its JSON).  0 or HD_EDB. */
static int load_files(struct hd_archive *a, struct hd_record *r,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_FILES_OF, e, "l", r->id);
	struct hd_file *f;
	int rc;

	while ((rc = hd_sql_step(a, st, "load files", e)) == 1) {
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
	return rc;
}

/* The subjects and persons of record r->id, in their order, into r->subjects
 * and r->persons.  0 or HD_EDB. */
static int load_terms(struct hd_archive *a, struct hd_record *r,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_TERMS_OF, e, "l", r->id);
	const char *kind, *term;
	int rc;

	while ((rc = hd_sql_step(a, st, "load terms", e)) == 1) {
		kind = (const char *)sqlite3_column_text(st, 0);
		term = (const char *)sqlite3_column_text(st, 1);
		if (strcmp(kind, "person") == 0) {
			hd_strv_add(&r->persons, &r->npersons, term);
		} else {
			hd_strv_add(&r->subjects, &r->nsubjects, term);
		}
	}
	return rc;
}

/* The events of record r->id, oldest first, appended to r->events, each with
 * the record's reference code.  0 or HD_EDB. */
static int load_events(struct hd_archive *a, struct hd_record *r,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_EVENTS_OF, e, "l", r->id);
	struct hd_event *ev;
	int rc;

	while ((rc = hd_sql_step(a, st, "load events", e)) == 1) {
		r->events = hd_xrealloc(r->events,
			(r->nevents + 1) * sizeof *r->events);
		ev = &r->events[r->nevents++];
		hd_event_row(st, ev);
		ev->ref = hd_xstrdup(r->ref);
	}
	return rc;
}

/* hd_record_get: see hd.h.  Events are loaded for HD_ARCHIVIST only; on an
 * error *r is released. */
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
	st = hd_sql_bind(a, who == HD_PUBLIC ? SQL_RECORD_GET_PUBLIC :
		SQL_RECORD_GET_ALL, e, "t", canon);
	rc = hd_sql_step(a, st, "load record", e);
	if (rc != 1) {
		return rc < 0 ? rc : hd_err(e, HD_ENOTFOUND,
			"%s: no such record", ref);
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

/* hd_record_text: see hd.h. */
char *hd_record_text(struct hd_archive *a, const struct hd_record *r)
{
	char *s = NULL;

	if (r->id > 0) {
		hd_sql_get(a, SQL_RECORD_BODY, "read text", NULL, "l>t", r->id,
			&s);
	}
	return s;
}
