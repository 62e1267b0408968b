/*
 * harvest_store.c - the rooms' catalogues as the district keeps them:
 * the sources, each page of a harvest stored in one transaction with
 * the state to go on from, and what the screens ask of a harvested
 * record (its room, its page there, its thumbnail).
 *
 * A harvested record is a row of records, approved, searched and shown
 * like the district's own and filtered by the same *_PUBLIC statements
 * (the district applies its own public filter: a record the room marks
 * internal or restricted is stored so and never shown), with a row of
 * harvest_records naming its source and its OAI-PMH identifier.  It has
 * no events of its own (the room keeps its history) and no files (the
 * room keeps the objects); a change in the room replaces it under the
 * same id, a deletion removes it with its terms and index rows.  The
 * fonds of its reference code is the room's: a fonds of the district's
 * own or of another room refuses the record, and a room has one fonds.
 */
#include "harvest_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ sources */

/* Whether name can name a source: 1 to HD_HARVEST_NAME_MAX bytes of
 * UTF-8 without control characters, not beginning with '-' (it would
 * read as an option).  1 or 0. */
static int name_ok(const char *name)
{
	const unsigned char *p;

	if (name == NULL || *name == '\0' || *name == '-' ||
	    strlen(name) > HD_HARVEST_NAME_MAX ||
	    !hd_utf8_valid(name, strlen(name))) {
		return 0;
	}
	for (p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			return 0;
		}
	}
	return 1;
}

/* Whether url can be a base URL: http:// or https://, a host, no
 * space, control character, user part or fragment.  1 or 0. */
static int url_ok(const char *url)
{
	const char *host, *p;

	if (url == NULL || strlen(url) > HD_HARVEST_URL_MAX) {
		return 0;
	}
	if (strncmp(url, "http://", 7) == 0) {
		host = url + 7;
	} else if (strncmp(url, "https://", 8) == 0) {
		host = url + 8;
	} else {
		return 0;
	}
	if (*host == '\0' || *host == '/' || *host == ':') {
		return 0;
	}
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '#') {
			return 0;
		}
	}
	p = strchr(host, '/');
	return memchr(host, '@', p ? (size_t)(p - host) : strlen(host)) ==
		NULL;
}

/* hd_harvest_add: see hd_harvest.h. */
int hd_harvest_add(struct hd_archive *a, const char *name, const char *url,
	const struct hd_agent *agent, struct hd_error *e)
{
	char now[32], *detail;
	int rc;

	if (!name_ok(name)) {
		return hd_err(e, HD_EINVAL, "source name '%s': use 1 to %d "
			"bytes of text, not beginning with '-'",
			name ? name : "", HD_HARVEST_NAME_MAX);
	}
	if (!url_ok(url)) {
		return hd_err(e, HD_EINVAL, "source URL '%s': give the room's "
			"OAI-PMH address, http://HOST[:PORT]/oai", url ? url :
			"");
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_HARVEST_SOURCE_INSERT, "add source", e, "ttt",
		name, url, now);
	if (rc != 0 && sqlite3_extended_errcode(a->db) ==
	    SQLITE_CONSTRAINT_UNIQUE) {
		rc = hd_err(e, HD_EEXIST, "source '%s' exists already", name);
	}
	if (rc == 0) {
		detail = hd_xasprintf("add source %s %s", name, url);
		rc = hd_event_add(a, "harvest", 0, agent, detail, e);
		free(detail);
	}
	return hd_tx_end(a, rc, e);
}

/* Remove record id, which source s harvested, with its terms and index
 * rows, inside the caller's transaction.  0 or HD_EDB. */
static int drop_record(struct hd_archive *a, int64_t id, struct hd_error *e)
{
	static const enum hd_sql steps[] = { SQL_HARVEST_DELETE,
		SQL_HARVEST_TERMS_DELETE, SQL_HARVEST_FTS_DELETE,
		SQL_HARVEST_HEADS_DELETE, SQL_HARVEST_RECORD_DELETE };
	size_t i;
	int rc = 0;

	hd_index_unqueue(a, id);   /* added earlier in this transaction */
	for (i = 0; i < sizeof steps / sizeof *steps && rc == 0; i++) {
		rc = hd_sql_run(a, steps[i], "remove harvested record", e,
			"l", id);
	}
	return rc;
}

/* The ids that statement sql (one value bound: id) selects, into *out
 * (caller frees), *n of them.  0 or HD_EDB. */
static int ids_of(struct hd_archive *a, enum hd_sql sql, int64_t id,
	int64_t **out, size_t *n, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, sql, e, "l", id);
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "list harvested rows", e)) == 1) {
		*out = hd_xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	return rc;
}

/* hd_harvest_remove: see hd_harvest.h.  The ids are read first, then
 * removed: a statement is not stepped while its table changes; the
 * room's fonds go after the links to them. */
int hd_harvest_remove(struct hd_archive *a, const char *name,
	const struct hd_agent *agent, int64_t *removed, struct hd_error *e)
{
	struct hv_source s;
	int64_t *ids = NULL, *fonds = NULL;
	size_t n = 0, nf = 0, i;
	char *detail;
	int rc;

	if (removed != NULL) {
		*removed = 0;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hv_source_get(a, name, &s, e);
	if (rc != 0) {
		return hd_tx_end(a, rc, e);
	}
	rc = ids_of(a, SQL_HARVEST_SOURCE_RECORDS, s.id, &ids, &n, e);
	if (rc == 0) {
		rc = ids_of(a, SQL_HARVEST_SOURCE_FONDS_IDS, s.id, &fonds, &nf,
			e);
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = drop_record(a, ids[i], e);
	}
	if (rc == 0) {
		rc = hd_sql_run(a, SQL_HARVEST_SOURCE_UNLINK,
			"remove the room's fonds", e, "l", s.id);
	}
	for (i = 0; i < nf && rc == 0; i++) {
		rc = hd_sql_run(a, SQL_HARVEST_FONDS_DELETE,
			"remove the room's fonds", e, "l", fonds[i]);
	}
	if (rc == 0) {
		rc = hd_sql_run(a, SQL_HARVEST_SOURCE_DELETE, "remove source",
			e, "l", s.id);
	}
	if (rc == 0) {
		detail = hd_xasprintf("remove source %s: %zu record(s)", name,
			n);
		rc = hd_event_add(a, "harvest", 0, agent, detail, e);
		free(detail);
	}
	rc = hd_tx_end(a, rc, e);
	if (rc == 0 && removed != NULL) {
		*removed = (int64_t)n;
	}
	free(ids);
	free(fonds);
	hv_source_release(&s);
	return rc;
}

/* hd_harvest_list: see hd_harvest.h. */
int hd_harvest_list(struct hd_archive *a, struct hd_harvest_source **out,
	size_t *n, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_HARVEST_SOURCE_LIST, e);
	struct hd_harvest_source *v = NULL, *s;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "list sources", e)) == 1) {
		v = hd_xrealloc(v, (k + 1) * sizeof *v);
		s = &v[k++];
		s->id = sqlite3_column_int64(st, 0);
		s->name = hd_col_dup(st, 1);
		s->url = hd_col_dup(st, 2);
		s->added = hd_col_dup(st, 3);
		s->last_run = hd_col_dup(st, 4);
		s->last_ok = hd_col_dup(st, 5);
		s->last_error = hd_col_dup(st, 6);
		s->done_until = hd_col_dup(st, 7);
		s->resuming = sqlite3_column_int(st, 8);
		s->records = sqlite3_column_int64(st, 9);
	}
	if (rc < 0) {
		hd_harvest_sources_free(v, k);
		return rc;
	}
	*out = v;
	*n = k;
	return 0;
}

/* hd_harvest_sources_free: see hd_harvest.h.  NULL does nothing. */
void hd_harvest_sources_free(struct hd_harvest_source *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].url);
		free(v[i].added);
		free(v[i].last_run);
		free(v[i].last_ok);
		free(v[i].last_error);
		free(v[i].done_until);
	}
	free(v);
}

/* hv_source_get: see harvest_int.h. */
int hv_source_get(struct hd_archive *a, const char *name,
	struct hv_source *s, struct hd_error *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof *s);
	st = hd_sql_bind(a, SQL_HARVEST_SOURCE_GET, e, "t", name);
	rc = hd_sql_step(a, st, "read source", e);
	if (rc == 0) {
		return hd_err(e, HD_ENOTFOUND, "no source '%s' (hongdang "
			"harvest list shows them)", name);
	}
	if (rc < 0) {
		return rc;
	}
	s->id = sqlite3_column_int64(st, 0);
	s->name = hd_xstrdup(name);
	s->url = hd_col_dup(st, 1);
	s->granularity = hd_col_dup(st, 2);
	s->done_until = hd_col_dup(st, 3);
	s->run_from = hd_col_dup(st, 4);
	s->run_date = hd_col_dup(st, 5);
	s->token = hd_col_dup(st, 6);
	sqlite3_reset(st);
	return 0;
}

/* hv_source_release: see harvest_int.h.  A zeroed struct is fine. */
void hv_source_release(struct hv_source *s)
{
	free(s->name);
	free(s->url);
	free(s->granularity);
	free(s->done_until);
	free(s->run_from);
	free(s->run_date);
	free(s->token);
	memset(s, 0, sizeof *s);
}

/* hv_rec_release: see harvest_int.h. */
void hv_rec_release(struct hv_rec *v)
{
	free(v->oai_id);
	free(v->datestamp);
	free(v->page_url);
	free(v->thumb_url);
	hd_record_release(&v->r);
	memset(v, 0, sizeof *v);
}

/* ------------------------------------------------------------- pages */

/* The fonds of record v for source s: its id into *fonds, a new fonds
 * (named after the room) when the district has none of that code.
 * HD_EINVAL when the code is the district's own, another room's, or not
 * the one this room's records have; HD_EDB. */
static int room_fonds(struct hd_archive *a, const struct hv_source *s,
	const struct hv_rec *v, int64_t *fonds, struct hd_error *e)
{
	sqlite3_stmt *st;
	char *own = NULL, now[32];
	int64_t owner = 0;
	int rc;

	*fonds = 0;
	rc = hd_sql_get(a, SQL_HARVEST_SOURCE_FONDS, "read the room's fonds",
		e, "t>t", s->name, &own);
	if (rc < 0) {
		return rc;
	}
	if (own != NULL && strcmp(own, v->r.fonds) != 0) {
		rc = hd_err(e, HD_EINVAL, "record %s: fonds %s, but the "
			"records of this room are of fonds %s", v->oai_id,
			v->r.fonds, own);
		free(own);
		return rc;
	}
	free(own);
	st = hd_sql_bind(a, SQL_HARVEST_FONDS, e, "t", v->r.fonds);
	rc = hd_sql_step(a, st, "look up fonds", e);
	if (rc == 1) {
		*fonds = sqlite3_column_int64(st, 0);
		owner = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		if (owner == s->id) {
			return 0;
		}
		return hd_err(e, HD_EINVAL, "record %s: fonds %s is %s, not "
			"this room's", v->oai_id, v->r.fonds, owner == 0 ?
			"the district's own" : "another room's");
	}
	if (rc < 0) {
		return rc;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_FONDS_INSERT, "add the room's fonds", e, "ttt",
		v->r.fonds, s->name, now);
	if (rc == 0) {
		*fonds = sqlite3_last_insert_rowid(a->db);
		rc = hd_sql_run(a, SQL_HARVEST_FONDS_LINK,
			"add the room's fonds", e, "ll", *fonds, s->id);
	}
	return rc;
}

/* Record v of source s into records (under id, 0 for a new one), its
 * terms, index rows and suggestions, and harvest_records, inside the
 * caller's transaction.  A record this room sent earlier under another
 * OAI-PMH identifier with the same reference code (withdrawn and
 * issued again, or the room's catalogue rebuilt) is the room's older
 * word on that code: it is removed (*dropped set to 1) and v takes its
 * code.  HD_EINVAL when the code is held by a record of the district's
 * own or of another room (naming both), HD_EDB. */
static int put_record(struct hd_archive *a, const struct hv_source *s,
	struct hv_rec *v, int64_t id, int *dropped, struct hd_error *e)
{
	struct hd_record *r = &v->r;
	sqlite3_stmt *st;
	char now[32];
	int64_t fonds, other = 0, held;
	int rc;

	*dropped = 0;
	st = hd_sql_bind(a, SQL_HARVEST_BY_REF, e, "t", r->ref);
	rc = hd_sql_step(a, st, "look up reference code", e);
	if (rc == 1) {
		held = sqlite3_column_int64(st, 0);
		other = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		if (other != s->id) {
			return hd_err(e, HD_EINVAL, "record %s: reference "
				"code %s is held already by %s", v->oai_id,
				r->ref, other == 0 ? "a record of the "
				"district's own" : "another room's record");
		}
		rc = drop_record(a, held, e);
		*dropped = rc == 0;
	}
	if (rc < 0) {
		return rc;
	}
	rc = room_fonds(a, s, v, &fonds, e);
	if (rc != 0) {
		return rc;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_HARVEST_RECORD_INSERT, "add harvested record",
		e, "LtltttIIttttttttt", id, r->ref, fonds, r->title,
		r->creator, r->date, r->year, r->year > 0 && r->year_end > 0 ?
		r->year_end : r->year, r->category, r->retention, r->cls,
		r->access, r->place, r->description, r->language ?
		r->language : "zh", s->name, now);
	if (rc != 0) {
		return rc;
	}
	r->id = sqlite3_last_insert_rowid(a->db);
	rc = hd_terms_add(a, r->id, "subject", r->subjects, r->nsubjects, e);
	if (rc == 0) {
		/* written with the page's others at the commit */
		hd_index_queue(a, r->id, r);
	}
	if (rc == 0) {
		rc = hd_suggest_record(a, r, e);
	}
	if (rc == 0) {
		rc = hd_sql_run(a, SQL_HARVEST_INSERT, "add harvested record",
			e, "llttttt", r->id, s->id, v->oai_id, v->datestamp,
			v->page_url, v->thumb_url, v->thumb[0] ? v->thumb :
			NULL);
	}
	return rc;
}

/* The id of the record source s harvested as oai_id into *id (0 when
 * none).  0 or HD_EDB. */
static int find_record(struct hd_archive *a, const struct hv_source *s,
	const char *oai_id, int64_t *id, struct hd_error *e)
{
	int rc;

	*id = 0;
	rc = hd_sql_get(a, SQL_HARVEST_FIND, "find harvested record", e,
		"lt>l", s->id, oai_id, id);
	return rc < 0 ? rc : 0;
}

/* hv_thumb_known: see harvest_int.h. */
int hv_thumb_known(struct hd_archive *a, const struct hv_source *s,
	struct hv_rec *v, struct hd_error *e)
{
	sqlite3_stmt *st;
	char *dir, *path;
	int rc;

	v->thumb[0] = '\0';
	st = hd_sql_bind(a, SQL_HARVEST_FIND, e, "lt", s->id, v->oai_id);
	rc = hd_sql_step(a, st, "find harvested record", e);
	if (rc != 1) {
		return rc;
	}
	if (v->thumb_url != NULL && sqlite3_column_text(st, 1) != NULL &&
	    sqlite3_column_text(st, 2) != NULL &&
	    strcmp((const char *)sqlite3_column_text(st, 1),
	    v->thumb_url) == 0) {
		hd_col_copy(st, 2, v->thumb, sizeof v->thumb);
	}
	sqlite3_reset(st);
	if (v->thumb[0]) {
		dir = hv_thumb_dir(a);
		path = hd_xasprintf("%s/%s", dir, v->thumb);
		if (access(path, R_OK) != 0) {
			v->thumb[0] = '\0';
		}
		free(path);
		free(dir);
	}
	return 0;
}

/* hv_store_page: see harvest_int.h. */
int hv_store_page(struct hd_archive *a, const struct hv_source *s,
	struct hv_rec *v, size_t n, const char *next,
	const struct hd_agent *agent, struct hd_harvest_report *rep,
	struct hd_error *e)
{
	struct hd_harvest_report r;
	char now[32], *detail;
	int64_t id;
	size_t i;
	int rc, dropped;

	memset(&r, 0, sizeof r);
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	/* the state first, over the one the run went on from: a run of
	 * the same source at the same time that stored before this one
	 * makes it change nothing, and this run stores nothing */
	hd_now_iso(now);
	if (next != NULL) {
		rc = hd_sql_run(a, SQL_HARVEST_SOURCE_PAGE, "note the page", e,
			"lttttttt", s->id, s->granularity, s->run_from,
			s->run_date, next, now, s->token, s->done_until);
	} else {
		rc = hd_sql_run(a, SQL_HARVEST_SOURCE_DONE, "note the run", e,
			"lttttt", s->id, s->granularity, s->run_date, now,
			s->token, s->done_until);
	}
	if (rc == 0 && sqlite3_changes(a->db) != 1) {
		rc = hd_err(e, HD_EBUSY, "%s: another harvest of this source, "
			"run at the same time, stored this page first: this "
			"run lost and stopped, storing nothing of the page "
			"(the other goes on)", s->name);
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = find_record(a, s, v[i].oai_id, &id, e);
		if (rc == 0 && id != 0) {
			rc = drop_record(a, id, e);
		}
		if (rc != 0) {
			break;
		}
		if (v[i].deleted) {
			r.deleted += id != 0;
			continue;
		}
		rc = put_record(a, s, &v[i], id, &dropped, e);
		r.deleted += dropped;
		if (id != 0) {
			r.updated++;
		} else {
			r.added++;
		}
	}
	if (rc == 0 && (r.added || r.updated || r.deleted)) {
		detail = hd_xasprintf("source %s: %lld new, %lld changed, "
			"%lld deleted", s->name, (long long)r.added,
			(long long)r.updated, (long long)r.deleted);
		rc = hd_event_add(a, "harvest", 0, agent, detail, e);
		free(detail);
	}
	rc = hd_tx_end(a, rc, e);
	if (rc == 0) {
		rep->pages++;
		rep->added += r.added;
		rep->updated += r.updated;
		rep->deleted += r.deleted;
	}
	return rc;
}

/* hv_store_failed: see harvest_int.h. */
int hv_store_failed(struct hd_archive *a, const struct hv_source *s,
	const char *msg, struct hd_error *e)
{
	char now[32];
	int rc = hd_tx_begin(a, e);

	if (rc != 0) {
		return rc;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_HARVEST_SOURCE_FAILED, "note the failure", e,
		"ltt", s->id, now, msg);
	return hd_tx_end(a, rc, e);
}

/* hv_store_restart: see harvest_int.h. */
int hv_store_restart(struct hd_archive *a, const struct hv_source *s,
	struct hd_error *e)
{
	int rc = hd_tx_begin(a, e);

	if (rc != 0) {
		return rc;
	}
	rc = hd_sql_run(a, SQL_HARVEST_SOURCE_RESTART, "forget the token", e,
		"lt", s->id, s->token);
	if (rc == 0 && sqlite3_changes(a->db) != 1) {
		rc = hd_err(e, HD_EBUSY, "%s: another harvest of this source, "
			"run at the same time, went on first: this run lost "
			"and stopped", s->name);
	}
	return hd_tx_end(a, rc, e);
}

/* --------------------------------------------- what the screens ask */

/* hd_harvest_of: see hd_harvest.h. */
int hd_harvest_of(struct hd_archive *a, int64_t id, char **source,
	char **page_url, char **thumb, struct hd_error *e)
{
	*source = *page_url = *thumb = NULL;
	return hd_sql_get(a, SQL_HARVEST_OF_RECORD, "read harvested record", e,
		"l>ttt", id, source, page_url, thumb);
}

/* hd_harvest_refuse: see hd_harvest.h. */
int hd_harvest_refuse(struct hd_archive *a, int64_t id, const char *ref,
	struct hd_error *e)
{
	char *source, *url, *thumb;
	int rc = hd_harvest_of(a, id, &source, &url, &thumb, e);

	if (rc == 1) {
		rc = hd_err(e, HD_EDENIED, "%s：收自社区“%s”的目录，在区档案馆"
			"只读（请在该社区档案室审核、修改或借阅）", ref, source);
	}
	free(source);
	free(url);
	free(thumb);
	return rc;
}

/* hd_harvest_fonds: see hd_harvest.h. */
int hd_harvest_fonds(struct hd_archive *a, const char *name, char **fonds,
	struct hd_error *e)
{
	int rc;

	*fonds = NULL;
	rc = hd_sql_get(a, SQL_HARVEST_SOURCE_FONDS, "read the room's fonds",
		e, "t>t", name, fonds);
	return rc < 0 ? rc : 0;
}

/* hv_thumb_dir: see harvest_int.h. */
char *hv_thumb_dir(struct hd_archive *a)
{
	return hd_xasprintf("%s/harvest/thumbs", a->dir);
}

/* hd_harvest_thumb: see hd_harvest.h. */
int hd_harvest_thumb(struct hd_archive *a, const char *sha256, char **path,
	struct hd_error *e)
{
	int found = 0, rc;
	char *dir;

	*path = NULL;
	if (!hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no such thumbnail");
	}
	rc = hd_sql_get(a, SQL_HARVEST_THUMB_PUBLIC, "find thumbnail", e,
		"t>i", sha256, &found);
	if (rc < 0) {
		return rc;
	}
	if (!found) {
		return hd_err(e, HD_ENOTFOUND, "no such thumbnail");
	}
	dir = hv_thumb_dir(a);
	*path = hd_xasprintf("%s/%s", dir, sha256);
	free(dir);
	return 0;
}

/* One source's name by id, from the list names (n of them). */
static const char *name_of(char **names, const int64_t *ids, size_t n,
	int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ids[i] == id) {
			return names[i];
		}
	}
	return NULL;
}

/* Count value in facet f (a linear search: a district has a few hundred
 * rooms, a search's matches a few of them). */
static void facet_add(struct hd_facets *f, const char *value)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].value, value) == 0) {
			f->v[i].count++;
			return;
		}
	}
	f->v = hd_xrealloc(f->v, (f->n + 1) * sizeof *f->v);
	f->v[f->n].value = hd_xstrdup(value);
	f->v[f->n++].count = 1;
}

/* Facet values by count, most first, then by value. */
static int by_count(const void *x, const void *y)
{
	const struct hd_facet *p = x, *q = y;

	if (p->count != q->count) {
		return p->count < q->count ? 1 : -1;
	}
	return strcmp(p->value, q->value);
}

/* The source of record id: its source's id into *src (0: the
 * district's own) and its cached thumbnail into thumb ("" none).  0 or
 * HD_EDB. */
static int source_of(struct hd_archive *a, int64_t id, int64_t *src,
	char thumb[65], struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_HARVEST_SOURCE_OF, e, "l", id);
	int rc = hd_sql_step(a, st, "find the record's room", e);

	*src = 0;
	thumb[0] = '\0';
	if (rc == 1) {
		*src = sqlite3_column_int64(st, 0);
		hd_col_copy(st, 1, thumb, 65);
		sqlite3_reset(st);
	}
	return rc < 0 ? rc : 0;
}

/* hd_harvest_mark: see hd_harvest.h. */
int hd_harvest_mark(struct hd_archive *a, const void *ids, size_t n,
	size_t stride, int facets, struct hd_results *res,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_HARVEST_SOURCE_NAMES, e);
	char **names = NULL, thumb[65];
	int64_t *sids = NULL, id, src;
	const char *name;
	size_t k = 0, i;
	int rc;

	while ((rc = hd_sql_step(a, st, "list sources", e)) == 1) {
		names = hd_xrealloc(names, (k + 1) * sizeof *names);
		sids = hd_xrealloc(sids, (k + 1) * sizeof *sids);
		sids[k] = sqlite3_column_int64(st, 0);
		names[k++] = hd_col_dup(st, 1);
	}
	for (i = 0; rc == 0 && k > 0 && facets && i < n; i++) {
		memcpy(&id, (const char *)ids + i * stride, sizeof id);
		rc = source_of(a, id, &src, thumb, e);
		name = rc == 0 && src != 0 ? name_of(names, sids, k, src) :
			NULL;
		if (name != NULL) {
			facet_add(&res->source, name);
		}
	}
	if (res->source.n > 1) {
		qsort(res->source.v, res->source.n, sizeof *res->source.v,
			by_count);
	}
	for (i = 0; rc == 0 && k > 0 && i < res->nhits; i++) {
		rc = source_of(a, res->hits[i].id, &src, thumb, e);
		name = rc == 0 && src != 0 ? name_of(names, sids, k, src) :
			NULL;
		if (name != NULL) {
			res->hits[i].source = hd_xstrdup(name);
		}
		if (name != NULL && thumb[0] && res->hits[i].thumb == NULL) {
			res->hits[i].thumb = hd_xstrdup(thumb);
		}
	}
	for (i = 0; i < k; i++) {
		free(names[i]);
	}
	free(names);
	free(sids);
	return rc;
}
