/*
 * suggest.c - suggestions while typing (/api/suggest): titles, persons,
 * places and subjects found by their first characters, by their pinyin
 * or by their pinyin initials.
 *
 * Each distinct (kind, term) is one row of the table suggest; the keys it
 * can be found by are rows of suggest_keys: its folded characters (档案,
 * also for 檔案 typed), its pinyin read a few ways (dangan) and its
 * initials (da), all without separators.  What has been typed is folded
 * the same way, and its suggestions are the keys it begins: one B-tree
 * range, so the cost does not grow with the catalogue.
 *
 * Rows are added as records are (hd_record_add calls hd_suggest_record)
 * and rebuilt from the catalogue by hd_suggest_rebuild, which the schema
 * migration to version 3 runs.  A row is never deleted when its records
 * change: the public query shows a term only while an approved public
 * record carries it (checked in the statement's SQL), so a stale row can
 * only fail to show, never leak.  n, the number of public records that
 * carried a term when it was counted, only orders the suggestions.
 */
#include "internal.h"
#include "fts.h"

#include <stdlib.h>
#include <string.h>

#define KEY_MAX 96              /* bytes of a key; longer ones are cut */
#define QUERY_MAX 256           /* bytes of what has been typed */
#define TITLE_VARIANTS 2        /* pinyin readings kept for a title */

/* The kinds, as stored and as handed out. */
static const char *const kinds[] = { "title", "person", "place",
	"subject" };

/* Cut s to at most KEY_MAX bytes on a character boundary and write ASCII
 * v as u (lv is how people type lü, which is indexed as lu). */
static void key_norm(char *s)
{
	size_t n = strlen(s), i;

	if (n > KEY_MAX) {
		n = KEY_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
			n--;
		}
		s[n] = '\0';
	}
	for (i = 0; i < n; i++) {
		if (s[i] == 'v') {
			s[i] = 'u';
		}
	}
}

/* Key key of suggestion id, normalised in place by key_norm; an empty
 * key is not added.  0 or HD_EDB. */
static int add_key(struct hd_archive *a, int64_t id, char *key,
	struct hd_error *e)
{
	key_norm(key);
	if (*key == '\0') {
		return 0;
	}
	return hd_sql_run(a, SQL_SUGGEST_KEY_INSERT, "add suggestion key", e,
		"tl", key, id);
}

/* A new row for (kind, term) with its keys. */
static int add_new(struct hd_archive *a, const char *kind, const char *term,
	int64_t n, struct hd_error *e)
{
	struct hd_py_term t;
	int64_t id;
	int i, rc, max;

	hd_py_term(term, strcmp(kind, "person") == 0 ? HD_PY_PERSON : 0, &t);
	rc = hd_sql_run(a, SQL_SUGGEST_INSERT, "add suggestion", e, "tttl",
		kind, term, t.display, n);
	if (rc != 0) {
		hd_py_term_release(&t);
		return rc;
	}
	id = sqlite3_last_insert_rowid(a->db);
	/* a title is long and unique: fewer readings of it are kept */
	max = strcmp(kind, "title") == 0 ? TITLE_VARIANTS : HD_PY_VARIANTS;
	rc = add_key(a, id, t.chars, e);
	for (i = 0; rc == 0 && i < t.npinyin && i < max; i++) {
		rc = add_key(a, id, t.pinyin[i], e);
	}
	for (i = 0; rc == 0 && i < t.ninitials && i < max; i++) {
		rc = add_key(a, id, t.initials[i], e);
	}
	hd_py_term_release(&t);
	return rc;
}

/* Count one more record for (kind, term), adding the row when new.  n:
 * public records to add to its count. */
static int add_term(struct hd_archive *a, const char *kind, const char *term,
	int64_t n, struct hd_error *e)
{
	int64_t id = 0;
	int rc;

	if (term == NULL || *term == '\0') {
		return 0;
	}
	rc = hd_sql_get(a, SQL_SUGGEST_FIND, "find suggestion", e, "tt>l",
		kind, term, &id);
	if (rc < 0) {
		return rc;
	}
	if (id == 0) {
		return add_new(a, kind, term, n, e);
	}
	if (n == 0) {
		return 0;
	}
	return hd_sql_run(a, SQL_SUGGEST_COUNT, "count suggestion", e, "ll",
		id, n);
}

/* See internal.h. */
int hd_suggest_record(struct hd_archive *a, const struct hd_record *r,
	struct hd_error *e)
{
	int64_t pub;
	size_t i;
	int rc;

	pub = r->status != NULL && r->access != NULL &&
	    strcmp(r->status, "approved") == 0 &&
	    strcmp(r->access, "public") == 0;
	rc = add_term(a, "title", r->title, pub, e);
	if (rc == 0) {
		rc = add_term(a, "place", r->place, pub, e);
	}
	for (i = 0; rc == 0 && i < r->nsubjects; i++) {
		rc = add_term(a, "subject", r->subjects[i], pub, e);
	}
	for (i = 0; rc == 0 && i < r->npersons; i++) {
		rc = add_term(a, "person", r->persons[i], pub, e);
	}
	return rc;
}

/* See internal.h. */
int hd_suggest_fill(struct hd_archive *a, struct hd_error *e)
{
	sqlite3_stmt *st;
	char *kind, *term;
	int64_t n;
	int rc, step;

	rc = hd_sql_run(a, SQL_SUGGEST_CLEAR_KEYS, "clear suggestions", e,
		"");
	if (rc == 0) {
		rc = hd_sql_run(a, SQL_SUGGEST_CLEAR, "clear suggestions", e,
			"");
	}
	if (rc != 0) {
		return rc;
	}
	/* the terms are read while rows are added: other tables */
	st = hd_sql(a, SQL_SUGGEST_SOURCE, e);
	if (st == NULL) {
		return HD_EDB;
	}
	rc = 0;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		kind = hd_col_dup(st, 0);
		term = hd_col_dup(st, 1);
		n = sqlite3_column_int64(st, 2);
		rc = add_term(a, kind, term, n, e);
		free(kind);
		free(term);
	}
	if (rc == 0 && step != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "read terms");
	}
	sqlite3_reset(st);
	return rc;
}

/* hd_suggest_rebuild: see hd.h.  0, HD_EBUSY or HD_EDB (nothing changed). */
int hd_suggest_rebuild(struct hd_archive *a, struct hd_error *e)
{
	int rc = hd_tx_begin(a, e);

	if (rc != 0) {
		return rc;
	}
	return hd_tx_end(a, hd_suggest_fill(a, e), e);
}

/* hd_suggestions_free: see hd.h.  The kinds are static strings and not
 * freed. */
void hd_suggestions_free(struct hd_suggestion *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].pinyin);
	}
	free(v);
}

/* The static string of kinds[] equal to s, so a suggestion's kind outlives
 * its row; kinds[0] for anything else. */
static const char *kind_name(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(s, kinds[i]) == 0) {
			return kinds[i];
		}
	}
	return kinds[0];
}

/* hd_suggest_public: see hd.h.  The keys looked up are what was typed folded
 * as keys are (hd_py_term, key_norm): the range from it up to it followed by
 * U+10FFFF. */
int hd_suggest_public(struct hd_archive *a, const char *q, int max,
	struct hd_suggestion **out, size_t *n, struct hd_error *e)
{
	struct hd_py_term t;
	struct hd_suggestion *v;
	sqlite3_stmt *st;
	char *hi;
	int rc;

	*out = NULL;
	*n = 0;
	if (q == NULL || strlen(q) > QUERY_MAX ||
	    !hd_utf8_valid(q, strlen(q))) {
		return hd_err(e, HD_EINVAL, "suggest: what was typed is not "
			"UTF-8 of at most %d bytes", QUERY_MAX);
	}
	if (max < 1) {
		max = 1;
	}
	if (max > 50) {
		max = 50;
	}
	hd_py_term(q, 0, &t);
	key_norm(t.chars);
	if (*t.chars == '\0') {
		hd_py_term_release(&t);
		return 0;
	}
	/* every key that begins with the prefix sorts below prefix+U+10FFFF */
	hi = hd_xasprintf("%s\xF4\x8F\xBF\xBF", t.chars);
	st = hd_sql_bind(a, SQL_SUGGEST_PUBLIC, e, "tti", t.chars, hi, max);
	if (st == NULL) {
		free(hi);
		hd_py_term_release(&t);
		return HD_EDB;
	}
	v = hd_xcalloc((size_t)max, sizeof *v);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)max) {
		v[*n].kind = kind_name(
			(const char *)sqlite3_column_text(st, 0));
		v[*n].text = hd_col_dup(st, 1);
		v[*n].pinyin = hd_col_dup(st, 2);
		(*n)++;
	}
	sqlite3_reset(st);
	free(hi);
	hd_py_term_release(&t);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		hd_suggestions_free(v, *n);
		*n = 0;
		return hd_sql_err(a, e, "suggest");
	}
	*out = v;
	return 0;
}
