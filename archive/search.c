/*
 * search.c - full-text search over the catalogue (FTS5 with the hongdang
 * tokenizer), with filters, facets and highlighted snippets.
 *
 * What the user typed is first tried as an FTS5 expression (phrases in
 * quotes, AND / OR / NOT, prefix*); when FTS5 rejects it as syntax it is
 * searched again as plain words, so no query is ever an error page.
 * Either way query.c writes the expression the index is walked by:
 * pinyin words rewritten ("panyu" finds 番禺), Han words as alternatives
 * that rank a record with the query's own characters above one found
 * only through folding traditional to simplified.
 * Results for HD_PUBLIC come only from the *_PUBLIC statements, which
 * select approved public records in their SQL text.  Snippets are data
 * (struct hd_snippet, read by hd_snippet_read): plain text and the
 * stretches of it that match, which each front end renders.
 */
#include "internal.h"
#include "fts.h"
#include "query.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX 1024          /* bytes of a query that are looked at */
#define OLDER_CAP 200           /* matches of each kind past the walk
                                   (see walks) */

/* See hd.h.  Frees every hit's strings and its snippet (text and marks,
 * one block: free(text)), the hits and the seven facets' values, and
 * leaves res zeroed; NULL does nothing. */
void hd_results_release(struct hd_results *res)
{
	size_t i;
	struct hd_facets *fs[7];

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
		free(h->snippet.text);          /* and its marks */
		free(h->thumb);
		free(h->updated);
		free(h->location);
		free(h->source);
	}
	free(res->hits);
	fs[0] = &res->decade;
	fs[1] = &res->category;
	fs[2] = &res->place;
	fs[3] = &res->person;
	fs[4] = &res->status;
	fs[5] = &res->access;
	fs[6] = &res->source;
	for (i = 0; i < 7; i++) {
		size_t j;

		for (j = 0; j < fs[i]->n; j++) {
			free(fs[i]->v[j].value);
		}
		free(fs[i]->v);
	}
	memset(res, 0, sizeof *res);
}

/* The staff catalogue's filters and order, checked (HD_ARCHIVIST); on
 * is 0 for HD_PUBLIC, which ignores them. */
struct staff {
	int on;
	const char *status;     /* a status code, or NULL */
	const char *access;     /* an access code, or NULL */
	int64_t batch;          /* 0: any */
	char location[HD_LOCATION_MAX];     /* canonical, "" any */
	int key;                /* the order's key (?15 of STAFF_COLS):
	                           0 relevance, 1 date, 2 ref, 3 updated */
	int descending;
};

/* Check the staff filters and order of q into *sf (HD_ARCHIVIST: staff
 * 1).  0, or HD_EINVAL naming the filter that is not one. */
static int staff_filters(const struct hd_query *q, int staff,
	struct staff *sf, struct hd_error *e)
{
	static const char *const statuses[] = {"draft", "pending",
		"approved", "returned", "withdrawn"};
	size_t i;

	memset(sf, 0, sizeof *sf);
	if (!staff) {
		return 0;
	}
	sf->on = 1;
	for (i = 0; q->status != NULL && sf->status == NULL &&
	    i < sizeof statuses / sizeof *statuses; i++) {
		if (strcmp(q->status, statuses[i]) == 0) {
			sf->status = statuses[i];
		}
	}
	if (q->status != NULL && sf->status == NULL) {
		return hd_err(e, HD_EINVAL, "status '%.40s' is not one of "
			"draft, pending, approved, returned, withdrawn",
			q->status);
	}
	sf->access = q->access != NULL ? hd_access_code(q->access) : NULL;
	if (q->access != NULL && sf->access == NULL) {
		return hd_err(e, HD_EINVAL, "access '%.40s' is not one of "
			"public, internal, restricted", q->access);
	}
	if (q->batch < 0) {
		return hd_err(e, HD_EINVAL, "batch %lld is not a batch",
			(long long)q->batch);
	}
	sf->batch = q->batch;
	if (q->location != NULL &&
	    hd_location_canon(q->location, sf->location, e) != 0) {
		return HD_EINVAL;
	}
	if ((int)q->sort < HD_SORT_RELEVANCE || q->sort > HD_SORT_UPDATED) {
		return hd_err(e, HD_EINVAL, "sort %d unknown", (int)q->sort);
	}
	sf->key = (int)q->sort;
	sf->descending = q->descending;
	return 0;
}

/* Bind q's filters and match to st, a walk or list statement (db.c),
 * and with sf->on the staff filters and order too. */
static void bind_filters(sqlite3_stmt *st, const char *match,
	const struct hd_query *q, const struct staff *sf)
{
	if (sf->on) {
		hd_bind_text(st, 11, sf->status);
		hd_bind_text(st, 12, sf->access);
		if (sf->batch > 0) {
			sqlite3_bind_int64(st, 13, sf->batch);
		}
		hd_bind_text(st, 14, sf->location[0] ? sf->location : NULL);
		sqlite3_bind_int(st, 15, sf->key);
	}
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

/* A tally: the values of one facet (category, place or person) counted
 * as they come, in a GLib hash table of struct hd_facet by value.  A
 * thousand matches carry tens of distinct categories and places but up
 * to a thousand persons, which a tree (tsearch) compares and allocates
 * for far more slowly. */
struct tally {
	GHashTable *h;          /* value -> struct hd_facet *, or NULL */
};

/* Count value n times in tally b (nothing for NULL or ""); the table is
 * made on the first value, and tally_count or tally_release frees it. */
static void tally_add(struct tally *b, const char *value, int64_t n)
{
	struct hd_facet *f;

	if (value == NULL || *value == '\0') {
		return;
	}
	if (b->h == NULL) {
		b->h = g_hash_table_new(g_str_hash, g_str_equal);
	}
	f = g_hash_table_lookup(b->h, value);
	if (f != NULL) {
		f->count += n;
		return;
	}
	f = hd_xmalloc(sizeof *f);
	f->value = hd_xstrdup(value);
	f->count = n;
	g_hash_table_insert(b->h, f->value, f);
}

/* The counts of b's values appended to f, in no order (b is emptied). */
static void tally_count(struct tally *b, struct hd_facets *f)
{
	GHashTableIter it;
	gpointer k, v;

	if (b->h == NULL) {
		return;
	}
	f->v = hd_xrealloc(f->v, (f->n + g_hash_table_size(b->h)) *
		sizeof *f->v);
	g_hash_table_iter_init(&it, b->h);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		f->v[f->n++] = *(struct hd_facet *)v;
		free(v);
	}
	g_hash_table_destroy(b->h);
	b->h = NULL;
}

/* Everything b counted, dropped (on an error path). */
static void tally_release(struct tally *b)
{
	struct hd_facets f = { NULL, 0 };

	tally_count(b, &f);
	hd_facets_release(&f);
}

/* Facet values by count, most first, then by value. */
static int by_count(const void *x, const void *y)
{
	const struct hd_facet *a = x, *b = y;

	if (a->count != b->count) {
		return a->count < b->count ? 1 : -1;
	}
	return strcmp(a->value, b->value);
}

/* 1 when the last error was FTS5 refusing the expression (SQLITE_ERROR
 * from MATCH: "fts5: syntax error", "unterminated string", "no such
 * column"...); busy, I/O and corruption errors have other codes. */
static int syntax_error(struct hd_archive *a)
{
	return sqlite3_errcode(a->db) == SQLITE_ERROR;
}

/* A match on its way to the page: its id, hd_rank relevance and, for a
 * staff order other than relevance, its key (STAFF_COLS). */
struct cand {
	int64_t id;
	double rank;
	char *key;              /* NULL: none, or sorts first */
};

struct cands {
	struct cand *v;
	size_t n, cap;
	size_t exact;           /* of them, with the query's own characters
	                           (hd_rank_exact) */
};

/* The facet values of the walks, counted when they end.  Decades are
 * counted by number (year / 10, a key of decade) and named at the end:
 * formatting each match's decade cost more than counting it. */
struct tallies {
	GHashTable *decade;     /* year / 10 -> its count, or NULL */
	struct tally category, place;
	struct tally status, access;    /* the staff catalogue's */
};

/* Count the facet values of the walk's row st in t (the decade table is
 * made on the first year; decades_count or tallies_release frees it),
 * with staff 1 its status and access (STAFF_COLS) too. */
static void tally_row(struct tallies *t, sqlite3_stmt *st, int staff)
{
	int year = sqlite3_column_int(st, 1);
	gpointer key;

	if (year > 0) {
		key = GINT_TO_POINTER(year / 10);
		if (t->decade == NULL) {
			t->decade = g_hash_table_new(g_direct_hash,
				g_direct_equal);
		}
		g_hash_table_insert(t->decade, key, GSIZE_TO_POINTER(
			GPOINTER_TO_SIZE(g_hash_table_lookup(t->decade, key)) +
			1));
	}
	tally_add(&t->category, (const char *)sqlite3_column_text(st, 2), 1);
	tally_add(&t->place, (const char *)sqlite3_column_text(st, 3), 1);
	if (staff) {
		tally_add(&t->status,
			(const char *)sqlite3_column_text(st, 5), 1);
		tally_add(&t->access,
			(const char *)sqlite3_column_text(st, 6), 1);
	}
}

/* Decades ("1990") earliest first. */
static int by_decade(const void *x, const void *y)
{
	int a = atoi(((const struct hd_facet *)x)->value);
	int b = atoi(((const struct hd_facet *)y)->value);

	return (a > b) - (a < b);
}

/* The decades t counted into f, earliest first, each named by its first
 * year ("1990"). */
static void decades_count(struct tallies *t, struct hd_facets *f)
{
	GHashTableIter it;
	gpointer k, v;

	if (t->decade == NULL) {
		return;
	}
	f->v = hd_xcalloc(g_hash_table_size(t->decade), sizeof *f->v);
	g_hash_table_iter_init(&it, t->decade);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		f->v[f->n].value = hd_xasprintf("%d", GPOINTER_TO_INT(k) * 10);
		f->v[f->n++].count = (int64_t)GPOINTER_TO_SIZE(v);
	}
	qsort(f->v, f->n, sizeof *f->v, by_decade);
	g_hash_table_destroy(t->decade);
	t->decade = NULL;
}

/* Everything t counted, dropped (on an error path). */
static void tallies_release(struct tallies *t)
{
	if (t->decade != NULL) {
		g_hash_table_destroy(t->decade);
		t->decade = NULL;
	}
	tally_release(&t->category);
	tally_release(&t->place);
	tally_release(&t->status);
	tally_release(&t->access);
}

/* 1 when id is among c->v[from..c->n). */
static int cand_seen(const struct cands *c, size_t from, int64_t id)
{
	size_t i;

	for (i = from; i < c->n; i++) {
		if (c->v[i].id == id) {
			return 1;
		}
	}
	return 0;
}

/* Walk the matches of table sql for x below id before, newest first, at
 * most cap (-1 all), adding each to c (with its key for a staff order),
 * counting it in res and its facets; one already in c->v[from..] is
 * passed over (from: c->n, none).  The matches are ranked with x's roles
 * (see hd_query_lean); x is NULL for SQL_LIST_ALL, which matches
 * nothing.  Returns SQLITE_DONE or the failing step's code. */
static int walk(struct hd_archive *a, enum hd_sql sql, const struct hd_lean *x,
	const struct hd_query *q, const struct staff *sf, int cap,
	int64_t before, size_t from, struct cands *c, struct hd_results *res,
	struct tallies *t, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, sql, e);
	size_t end = c->n;
	int64_t id;
	int rc;

	if (st == NULL) {
		return SQLITE_ERROR;
	}
	bind_filters(st, x != NULL ? x->expr : NULL, q, sf);
	sqlite3_bind_int(st, 9, cap);
	sqlite3_bind_int64(st, 10, before);
	if (x != NULL) {
		hd_bind_text(st, 16, x->roles);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (from < end && cand_seen(c, from, id)) {
			continue;
		}
		res->total++;
		if (q->facets) {
			tally_row(t, st, sf->on);
		}
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 256;
			c->v = hd_xrealloc(c->v, c->cap * sizeof *c->v);
		}
		c->v[c->n].id = id;
		c->v[c->n].rank = sqlite3_column_double(st, 4);
		c->exact += hd_rank_exact(c->v[c->n].rank);
		c->v[c->n].key = sf->key > 0 ? hd_col_dup(st, 7) : NULL;
		c->n++;
	}
	sqlite3_reset(st);
	return rc;
}

/* Best first; equal relevance, newest first. */
static int by_rank(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->rank != b->rank) {
		return a->rank < b->rank ? 1 : -1;
	}
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

/* The keys of a and b compared, a missing key first. */
static int key_cmp(const struct cand *a, const struct cand *b)
{
	if (a->key == NULL || b->key == NULL) {
		return (a->key != NULL) - (b->key != NULL);
	}
	return strcmp(a->key, b->key);
}

/* By key; equal keys newest first. */
static int by_key(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int d = key_cmp(a, b);

	if (d != 0) {
		return d;
	}
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

/* By key from the last; equal keys still newest first. */
static int by_key_down(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int d = key_cmp(b, a);

	if (d != 0) {
		return d;
	}
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

/* The candidates in the order asked (relevance: by_rank). */
static void cands_sort(struct cands *c, const struct staff *sf)
{
	if (c->n < 2) {
		return;
	}
	qsort(c->v, c->n, sizeof *c->v, sf->key == 0 ? by_rank :
		sf->descending ? by_key_down : by_key);
}

/* Free the candidates' keys and array. */
static void cands_release(struct cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].key);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

/* The persons of the records hd_search_warm read, for the person facet:
 * a facet of a thousand matches looked up a thousand records' terms (0.6
 * ms at 200,000 records) where these take a binary search each.  A chunk
 * a warm step: the pairs (record id, person) of ids lo .. hi - 1, by id,
 * with the data version they were read at (SQLITE_FCNTL_DATA_VERSION,
 * which every commit changes, this connection's own too); a search from
 * another version does not use the chunk. */
struct person_pair {
	int64_t id;
	uint32_t name;              /* its number in hd_persons.names */
};

struct person_chunk {
	int64_t lo, hi;
	unsigned int version;
	struct person_pair *pair;   /* by id */
	size_t n;
};

struct hd_persons {
	struct person_chunk *chunk;
	size_t nchunk;
	char **names;               /* the distinct persons */
	size_t nnames;
	GHashTable *number;         /* person -> its number + 1 */
	/* person_facet's counts by number (nnames of them, zero between
	 * searches) and the numbers it counted, so that a search touches
	 * only the persons of its matches */
	int64_t *counts;
	uint32_t *touched;
	size_t ntouched, captouched;
};

/* A new, empty person cache (freed by hd_persons_free). */
static struct hd_persons *persons_new(void)
{
	struct hd_persons *p = hd_xcalloc(1, sizeof *p);

	p->number = g_hash_table_new(g_str_hash, g_str_equal);
	return p;
}

/* See internal.h: the person cache's chunks, names and table freed. */
void hd_persons_free(struct hd_persons *p)
{
	size_t i;

	if (p == NULL) {
		return;
	}
	for (i = 0; i < p->nchunk; i++) {
		free(p->chunk[i].pair);
	}
	free(p->chunk);
	for (i = 0; i < p->nnames; i++) {
		free(p->names[i]);
	}
	free(p->names);
	g_hash_table_destroy(p->number);
	free(p->counts);
	free(p->touched);
	free(p);
}

/* The number of person name in p, a new one when first met. */
static uint32_t person_number(struct hd_persons *p, const char *name)
{
	gpointer k = g_hash_table_lookup(p->number, name);

	if (k != NULL) {
		return (uint32_t)(GPOINTER_TO_SIZE(k) - 1);
	}
	p->names = hd_xrealloc(p->names, (p->nnames + 1) * sizeof *p->names);
	p->counts = hd_xrealloc(p->counts, (p->nnames + 1) *
		sizeof *p->counts);
	p->counts[p->nnames] = 0;
	p->names[p->nnames] = hd_xstrdup(name);
	g_hash_table_insert(p->number, p->names[p->nnames],
		GSIZE_TO_POINTER(p->nnames + 1));
	return (uint32_t)p->nnames++;
}

/* qsort and bsearch order of person_pairs: by record id. */
static int by_pair_id(const void *x, const void *y)
{
	const struct person_pair *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

/* Read the persons of the records with ids lo .. hi - 1 (the warm step
 * just read) into a new chunk of a's persons, which grow (names and
 * chunks) until hd_persons_free.  0 or HD_EDB. */
static int warm_persons(struct hd_archive *a, int64_t lo, int64_t hi,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_WARM_TERMS, e);
	struct hd_persons *p = a->persons;
	struct person_chunk *k;
	struct person_pair *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, hi);
	sqlite3_bind_int64(st, 2, lo);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		const char *term = (const char *)sqlite3_column_text(st, 2);

		if (kind == NULL || strcmp(kind, "person") != 0 ||
		    term == NULL || *term == '\0') {
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = hd_xrealloc(v, cap * sizeof *v);
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n++].name = person_number(p, term);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return hd_sql_err(a, e, "warm the cache");
	}
	if (n > 1) {
		qsort(v, n, sizeof *v, by_pair_id);
	}
	p->chunk = hd_xrealloc(p->chunk, (p->nchunk + 1) * sizeof *p->chunk);
	k = &p->chunk[p->nchunk++];
	k->lo = lo;
	k->hi = hi;
	k->version = 0;
	sqlite3_file_control(a->db, "main", SQLITE_FCNTL_DATA_VERSION,
		&k->version);
	k->n = n;
	k->pair = v;
	return 0;
}

/* The chunk of p that holds record id, read at version; NULL when
 * none. */
static const struct person_chunk *person_chunk(const struct hd_persons *p,
	int64_t id, unsigned int version)
{
	size_t i;

	for (i = 0; p != NULL && i < p->nchunk; i++) {
		if (id >= p->chunk[i].lo && id < p->chunk[i].hi) {
			return p->chunk[i].version == version ? &p->chunk[i] :
				NULL;
		}
	}
	return NULL;
}

/* Count the persons of record id in k into p's counts, noting each
 * number first counted. */
static void person_count(struct hd_persons *p, const struct person_chunk *k,
	int64_t id)
{
	size_t lo = 0, hi = k->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (k->pair[mid].id < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	for (; lo < k->n && k->pair[lo].id == id; lo++) {
		if (p->counts[k->pair[lo].name]++ > 0) {
			continue;
		}
		if (p->ntouched == p->captouched) {
			p->captouched = p->captouched ? 2 * p->captouched : 256;
			p->touched = hd_xrealloc(p->touched, p->captouched *
				sizeof *p->touched);
		}
		p->touched[p->ntouched++] = k->pair[lo].name;
	}
}

/* The person facet: the persons of every match the walks counted (all
 * of them when the search was exact), the 20 most frequent.  Records
 * that hd_search_warm read at the search's data version are counted
 * from a's persons (when warm: the search opened its own read
 * transaction, so no change of this connection's is uncommitted), the
 * others from their terms. */
static int person_facet(struct hd_archive *a, const struct cands *c,
	int warm, struct hd_results *res, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_PERSONS_OF, e);
	struct hd_facets *f = &res->person;
	struct tally persons = { NULL };
	const struct person_chunk *k;
	struct hd_persons *p = warm ? a->persons : NULL;
	unsigned int version = 0;
	uint32_t m;
	size_t i;
	int rc = SQLITE_DONE;

	if (st == NULL) {
		return HD_EDB;
	}
	if (p == NULL || p->nnames == 0 || sqlite3_file_control(a->db,
	    "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) {
		p = NULL;
	}
	for (i = 0; i < c->n && rc == SQLITE_DONE; i++) {
		k = person_chunk(p, c->v[i].id, version);
		if (k != NULL) {
			person_count(p, k, c->v[i].id);
			continue;
		}
		sqlite3_bind_int64(st, 1, c->v[i].id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			tally_add(&persons,
				(const char *)sqlite3_column_text(st, 0), 1);
		}
		sqlite3_reset(st);
	}
	for (i = 0; p != NULL && i < p->ntouched; i++) {
		m = p->touched[i];
		tally_add(&persons, p->names[m], p->counts[m]);
		p->counts[m] = 0;
	}
	if (p != NULL) {
		p->ntouched = 0;
	}
	tally_count(&persons, f);
	if (rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "person facet");
	}
	if (f->n > 1) {
		qsort(f->v, f->n, sizeof *f->v, by_count);
	}
	while (f->n > 20) {
		free(f->v[--f->n].value);
	}
	return 0;
}

/* Fill the page: hits offset .. offset + limit of the ranked candidates,
 * each read with its snippet (of the walk's expression match, its marks
 * widened by widen: see hd_query_lean). */
static int fetch_hits(struct hd_archive *a, enum hd_audience who,
	const char *match, const char *widen, const struct hd_query *q,
	int limit, const struct cands *c, struct hd_results *res,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, who == HD_PUBLIC ? SQL_HIT_PUBLIC :
		match == NULL ? SQL_LIST_HIT_ALL : SQL_HIT_ALL, e);
	struct hd_hit *h;
	size_t i = q->offset > 0 ? (size_t)q->offset : 0;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	res->hits = hd_xcalloc((size_t)limit, sizeof *res->hits);
	if (match != NULL) {
		hd_bind_text(st, 1, match);     /* a reset keeps them bound */
		hd_bind_text(st, 3, widen);
	}
	for (; i < c->n && res->nhits < (size_t)limit; i++) {
		sqlite3_bind_int64(st, 2, c->v[i].id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			h = &res->hits[res->nhits++];
			h->id = c->v[i].id;
			h->ref = hd_col_dup(st, 0);
			h->title = hd_col_dup(st, 1);
			h->date = hd_col_dup(st, 2);
			h->year = sqlite3_column_int(st, 3);
			h->category = hd_col_dup(st, 4);
			h->cls = hd_col_dup(st, 5);
			h->access = hd_col_dup(st, 6);
			h->status = hd_col_dup(st, 7);
			if (match != NULL) {
				hd_snippet_read(&h->snippet, (const char *)
					sqlite3_column_text(st, 8), (size_t)
					sqlite3_column_bytes(st, 8));
			} else {
				h->snippet.text = hd_col_dup(st, 8);
				h->snippet.cut_after =
					sqlite3_column_int(st, 12);
			}
			h->thumb = hd_col_dup(st, 9);
			if (who == HD_ARCHIVIST) {
				h->updated = hd_col_dup(st, 10);
				h->location = hd_col_dup(st, 11);
			}
			rc = sqlite3_step(st);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			return hd_sql_err(a, e, "search");
		}
	}
	return 0;
}

/* The walks of one expression, x made of match: search newest first
 * (all of it when exact), then, when that was cut, the older matches
 * that must not be missed, at most OLDER_CAP of each kind:
 *   when fewer than want of the matches walked have the query's own
 *   characters (hd_rank_exact: 麵 among a thousand records of 面), those
 *   that have them, by x's exact alternatives alone (hd_query_lean), which
 *   hd_rank puts first;
 *   the title and meta matches, from heads: each costs a lookup of a
 *   record far from the last (3 microseconds, where the newest matches
 *   come in order and cost a tenth of that), and they only have to fill
 *   the first pages.  heads has no body column, so an expression naming
 *   one skips it.
 * An expression excluding words with NOT has neither (the exact
 * alternatives alone would change what NOT excludes; heads alone cannot
 * judge it). */
static int walks(struct hd_archive *a, enum hd_audience who,
	const char *match, const struct hd_lean *x, size_t want,
	const struct hd_query *q, const struct staff *sf, struct cands *c,
	struct hd_results *res,
	struct tallies *t, struct hd_error *e)
{
	int pub = who == HD_PUBLIC, cap = q->exact ? -1 : HD_SEARCH_CAP, rc;
	struct hd_lean ex;
	int64_t last;
	size_t from;

	rc = walk(a, pub ? SQL_WALK_PUBLIC : SQL_WALK_ALL, x, q, sf, cap,
		INT64_MAX, c->n, c, res, t, e);
	if (rc != SQLITE_DONE || q->exact || c->n < (size_t)cap) {
		return rc;
	}
	res->capped = 1;
	if (x->has_not) {
		return rc;
	}
	last = c->v[c->n - 1].id;
	from = c->n;
	if (x->alts > 0 && c->exact < want) {
		hd_query_lean(match, a->trigrams, a->scripts, 1, &ex);
		rc = walk(a, pub ? SQL_WALK_PUBLIC : SQL_WALK_ALL, &ex, q, sf,
			OLDER_CAP, last, c->n, c, res, t, e);
		hd_query_lean_release(&ex);
		if (rc != SQLITE_DONE) {
			return rc;
		}
	}
	rc = walk(a, pub ? SQL_WALK_HEADS_PUBLIC : SQL_WALK_HEADS_ALL, x, q, sf,
		OLDER_CAP, last, from, c, res, t, e);
	return rc != SQLITE_DONE && syntax_error(a) ? SQLITE_DONE : rc;
}

/* Step SQL_WARM, reading every column it selects: the records with ids
 * below below, newest first, at most limit of them.  *n rows, *last the
 * record id of the last.  Returns 0 or HD_EDB. */
static int warm_rows(struct hd_archive *a, int64_t below, int limit,
	int *n, int64_t *last, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_WARM, e);
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, below);
	sqlite3_bind_int(st, 2, limit);
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*last = sqlite3_column_int64(st, 0);
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : hd_sql_err(a, e, "warm the cache");
}

/* See hd_search.h.  Prepares the searches' statements first, then reads
 * rows records' index pages and persons below *below per call. */
int hd_search_warm(struct hd_archive *a, int64_t *below, int rows,
	struct hd_error *e)
{
	static const enum hd_sql searching[] = { SQL_WALK_ALL,
		SQL_WALK_PUBLIC, SQL_WALK_HEADS_ALL, SQL_WALK_HEADS_PUBLIC,
		SQL_HIT_ALL, SQL_HIT_PUBLIC, SQL_PERSONS_OF };
	int64_t low = *below;
	int n;
	size_t i;

	/* The first step also prepares what a search runs: parsing them
	 * took a worker's first search 1.4 ms. */
	for (i = 0; *below == INT64_MAX && i < sizeof searching /
	    sizeof *searching; i++) {
		if (hd_sql(a, searching[i], e) == NULL) {
			return HD_EDB;
		}
	}
	/* persons are kept only from outside a transaction: what one
	 * reads may yet be rolled back, which leaves the data version as
	 * it was */
	if (*below == INT64_MAX) {
		hd_persons_free(a->persons);
		a->persons = sqlite3_get_autocommit(a->db) ? persons_new() :
			NULL;
	}
	if (warm_rows(a, *below, rows, &n, &low, e) != 0) {
		return HD_EDB;
	}
	if (a->persons != NULL && sqlite3_get_autocommit(a->db) &&
	    warm_persons(a, n < rows ? INT64_MIN : low, *below, e) != 0) {
		return HD_EDB;
	}
	*below = n < rows ? 0 : low;
	return 0;
}

/* Sort facet f by count, most first (qsort may not be given a NULL
 * array, even when empty). */
static void facet_sort(struct hd_facets *f)
{
	if (f->n > 1) {
		qsort(f->v, f->n, sizeof *f->v, by_count);
	}
}

/* hd_search: see hd.h.  The walk runs in one read transaction (one
 * snapshot); res is empty on every error path.  A staff list (q->q
 * NULL) walks the records instead of the index. */
int hd_search(struct hd_archive *a, enum hd_audience who,
	const struct hd_query *q, struct hd_results *res, struct hd_error *e)
{
	char *match = NULL, *plain = NULL;
	struct hd_lean x;
	struct cands c;
	struct tallies t;
	struct staff sf;
	int limit = q->limit > 0 ? q->limit : 20;
	int rc, own;
	size_t want;

	memset(res, 0, sizeof *res);
	memset(&c, 0, sizeof c);
	memset(&t, 0, sizeof t);
	memset(&x, 0, sizeof x);
	if (limit > 1000) {
		limit = 1000;
	}
	if (staff_filters(q, who == HD_ARCHIVIST, &sf, e) != 0) {
		return HD_EINVAL;
	}
	want = (size_t)limit + (q->offset > 0 ? (size_t)q->offset : 0);
	if (q->q == NULL && sf.on) {
		if (hd_read_begin(a, &own, e) != 0) {
			return HD_EDB;
		}
		rc = walk(a, SQL_LIST_ALL, NULL, q, &sf, -1, INT64_MAX, 0,
			&c, res, &t, e);
		goto walked;
	}
	if (q->q == NULL || strlen(q->q) > QUERY_MAX) {
		return hd_err(e, HD_EINVAL, "query is empty or longer than %d "
			"bytes", QUERY_MAX);
	}
	if (!hd_utf8_valid(q->q, strlen(q->q))) {
		return hd_err(e, HD_EINVAL, "query is not valid UTF-8");
	}
	if (hd_query_blank(q->q)) {
		return hd_err(e, HD_EINVAL, "query is empty");
	}
	if (hd_read_begin(a, &own, e) != 0) {
		return HD_EDB;
	}
	match = hd_query_pinyin(q->q);
	hd_query_lean(match, a->trigrams, a->scripts, 0, &x);
	rc = walks(a, who, match, &x, want, q, &sf, &c, res, &t, e);
	if (rc != SQLITE_DONE && syntax_error(a)) {
		hd_results_release(res);
		tallies_release(&t);
		cands_release(&c);
		plain = hd_query_plain(q->q);
		free(match);
		hd_query_lean_release(&x);
		match = plain;
		hd_query_lean(match, a->trigrams, a->scripts, 0, &x);
		rc = walks(a, who, match, &x, want, q, &sf, &c, res, &t, e);
	}
walked:
	if (rc != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "search");
		goto out;
	}
	rc = 0;
	decades_count(&t, &res->decade);
	tally_count(&t.category, &res->category);
	tally_count(&t.place, &res->place);
	tally_count(&t.status, &res->status);
	tally_count(&t.access, &res->access);
	if (q->facets) {
		facet_sort(&res->category);
		facet_sort(&res->place);
		facet_sort(&res->status);
		facet_sort(&res->access);
		rc = person_facet(a, &c, own, res, e);
	}
	if (rc == 0 && c.n > 0) {
		cands_sort(&c, &sf);
		rc = fetch_hits(a, who, x.expr, x.widen, q, limit, &c, res,
			e);
	}
	if (rc == 0 && c.n > 0) {       /* the rooms' records (harvest) */
		rc = hd_harvest_mark(a, c.v, c.n, sizeof *c.v, q->facets, res,
			e);
	}
out:
	hd_read_end(a, own);
	free(match);
	hd_query_lean_release(&x);
	cands_release(&c);
	tallies_release(&t);
	if (rc != 0) {
		hd_results_release(res);
	}
	return rc;
}

/* See hd_search.h. */
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

/* ------------------------------------------------------ index upkeep */

int hd_index_merge(struct hd_archive *a, int pages, int *more,
	struct hd_error *e)
{
	static const enum hd_sql steps[2] = { SQL_MERGE_SEARCH,
		SQL_MERGE_HEADS };
	sqlite3_stmt *st;
	sqlite3_int64 before;
	int rc, i;

	*more = 0;
	if (pages < 1) {
		return hd_err(e, HD_EUSAGE, "index merge: %d pages", pages);
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		st = hd_sql(a, steps[i], e);
		if (st == NULL) {
			rc = HD_EDB;
			break;
		}
		sqlite3_bind_int(st, 1, -pages);
		before = sqlite3_total_changes64(a->db);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = hd_sql_err(a, e, "index merge");
			break;
		}
		/* a merge that did nothing changes one row (the command's
		 * own); one that merged writes pages and the structure */
		if (sqlite3_total_changes64(a->db) - before >= 2) {
			*more = 1;
		}
	}
	if (rc == 0) {
		return hd_tx_commit(a, e);
	}
	hd_tx_rollback(a);
	return rc;
}

/* See hd_search.h. */
int hd_index_segments(struct hd_archive *a, int *search, int *heads,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_SEGMENTS, e);

	*search = *heads = 0;
	if (st == NULL) {
		return HD_EDB;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		return hd_sql_err(a, e, "index segments");
	}
	*search = sqlite3_column_int(st, 0);
	*heads = sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	return 0;
}
