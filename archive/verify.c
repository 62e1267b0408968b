/*
 * verify.c - fixity and chain audit.
 *
 * Recomputes the SHA-256 of every catalogued object and compares it with
 * its name, and walks the whole event log checking that each event links
 * to the one before and that its own hash matches its fields.  The first
 * event that fails is named; the check itself never changes anything.
 * The fixity audit the server runs daily (hd_fixity_audit) is the same
 * check, recorded as an event "fixity" naming what it found.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* hd_verify_release: see hd.h.  Frees the lists and the reason and zeroes
 * *v; accepts NULL. */
void hd_verify_release(struct hd_verify *v)
{
	if (v == NULL) {
		return;
	}
	hd_strv_free(v->damaged, v->ndamaged);
	hd_strv_free(v->missing, v->nmissing);
	free(v->chain_reason);
	memset(v, 0, sizeof *v);
}

/* Hash every object the catalogue lists (SHA-256 of its file in the store,
 * or of its bytes read back from the bucket) and compare the hash and the
 * size with the catalogue: each goes into v->missing (no file), v->damaged
 * (unreadable, or another hash or size) or counts in v->ok.  0, HD_EDB
 * when the list cannot be read, or HD_EIO / HD_EDENIED when the bucket
 * cannot be read at all (naming its endpoint): a store that is down is not
 * a store whose objects are all missing. */
static int check_objects(struct hd_archive *a, struct hd_verify *v,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_OBJECTS_ALL, e);
	struct hd_error fe;
	char got[65], *path;
	const char *sha;
	uint64_t size;
	int rc;

	while ((rc = hd_sql_step(a, st, "read objects", e)) == 1) {
		sha = (const char *)sqlite3_column_text(st, 0);
		v->objects++;
		path = hd_store_path(a, sha);
		hd_err_clear(&fe);
		if (a->s3 != NULL) {
			/* read back whole: the bucket's own checksums are
			 * not SHA-256, and a HEAD proves nothing */
			rc = hd_store_read(a, sha, NULL, NULL, got, &size,
				&fe);
			if (rc == HD_EIO || rc == HD_EDENIED) {
				free(path);
				sqlite3_reset(st);
				return hd_err(e, rc, "%s", fe.msg);
			}
		} else {
			rc = hd_sha256_file(path, got, &size, &fe);
		}
		if (rc != 0) {
			if (fe.code == HD_ENOTFOUND) {
				hd_strv_add(&v->missing, &v->nmissing, sha);
			} else {
				hd_strv_add(&v->damaged, &v->ndamaged, sha);
			}
		} else if (strcmp(got, sha) != 0 || size !=
		    (uint64_t)sqlite3_column_int64(st, 1)) {
			hd_strv_add(&v->damaged, &v->ndamaged, sha);
		} else {
			v->ok++;
		}
		free(path);
	}
	return rc;
}

/* Note the first break of the event chain in *v: the event id where it fails
 * and why (later breaks are not kept). */
static void chain_break(struct hd_verify *v, int64_t id, const char *why)
{
	if (v->chain_ok) {
		v->chain_ok = 0;
		v->broken_at = id;
		v->chain_reason = hd_xstrdup(why);
	}
}

/* Walk the event log in id order: ids must follow each other from 1, each
 * event must name the hash of the one before (64 zeros for the first) and
 * hash to its own stored hash; then the head kept in meta (the last id and
 * hash written) must be where the log ends, which catches deleted newest
 * events.  The first break goes into *v (chain_break).  0, or HD_EDB when
 * the events cannot be read. */
static int check_chain(struct hd_archive *a, struct hd_verify *v,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_EVENTS_ALL, e);
	char prev[65], hash[65], why[160];
	int64_t id, last_id = 0;
	const char *p, *h;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	memset(prev, '0', 64);
	prev[64] = '\0';
	v->chain_ok = 1;
	while ((rc = hd_sql_step(a, st, "read events", e)) == 1) {
		id = sqlite3_column_int64(st, 0);
		p = (const char *)sqlite3_column_text(st, 6);
		h = (const char *)sqlite3_column_text(st, 7);
		v->events++;
		if (id != last_id + 1) {
			snprintf(why, sizeof why, "event %lld follows event "
				"%lld: events are missing or inserted",
				(long long)id, (long long)last_id);
			chain_break(v, id, why);
		}
		if (p == NULL || strcmp(p, prev) != 0) {
			snprintf(why, sizeof why, "event %lld does not link "
				"to the event before it", (long long)id);
			chain_break(v, id, why);
		}
		hd_event_hash(p ? p : "", id,
			(const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			sqlite3_column_int64(st, 3),
			(const char *)sqlite3_column_text(st, 4),
			(const char *)sqlite3_column_text(st, 5), hash);
		if (h == NULL || strcmp(h, hash) != 0) {
			snprintf(why, sizeof why, "event %lld was changed "
				"after it was written", (long long)id);
			chain_break(v, id, why);
		}
		snprintf(prev, sizeof prev, "%s", h ? h : "");
		last_id = id;
	}
	if (rc != 0) {
		return rc;
	}
	/* the head kept in meta catches deleted newest events */
	st = hd_sql(a, SQL_META_GET, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, "event_head_id");
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 0) != last_id) {
		int64_t head = sqlite3_column_int64(st, 0);

		snprintf(why, sizeof why, "the log ends at event %lld but "
			"event %lld was written", (long long)last_id,
			(long long)head);
		chain_break(v, last_id + 1, why);
	}
	sqlite3_reset(st);
	hd_bind_text(st, 1, "event_head_hash");
	if (sqlite3_step(st) == SQLITE_ROW && last_id > 0 &&
	    strcmp((const char *)sqlite3_column_text(st, 0), prev) != 0) {
		snprintf(why, sizeof why, "event %lld is not the event that "
			"was written last", (long long)last_id);
		chain_break(v, last_id, why);
	}
	sqlite3_reset(st);
	return 0;
}

/* hd_verify_run: see hd.h.  The objects are checked first, then the chain;
 * *v is zeroed first (release it with hd_verify_release either way). */
int hd_verify_run(struct hd_archive *a, struct hd_verify *v,
	struct hd_error *e)
{
	int rc;

	memset(v, 0, sizeof *v);
	rc = check_objects(a, v, e);
	if (rc == 0) {
		rc = check_chain(a, v, e);
	}
	return rc;
}

/* hd_object_refs: see hd_s3.h. */
char *hd_object_refs(struct hd_archive *a, const char *sha256)
{
	struct hd_error e;
	struct hd_buf b;
	sqlite3_stmt *st;
	int n = 0, rc;

	hd_err_clear(&e);
	st = hd_sql_bind(a, SQL_RECORDS_OF_OBJECT, &e, "t", sha256);
	if (st == NULL) {
		return NULL;
	}
	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	while ((rc = hd_sql_step(a, st, "records of an object", &e)) == 1) {
		hd_buf_printf(&b, "%s%s", n++ ? ", " : "",
			(const char *)sqlite3_column_text(st, 0));
	}
	if (rc != 0) {
		hd_buf_release(&b);
		return NULL;
	}
	return hd_buf_detach(&b);
}

/* -------------------------------------------------------- fixity audit */

/* Append to b the records holding object sha, and the object.  Returns
 * 0 or HD_EDB. */
static int name_object(struct hd_archive *a, struct hd_buf *b,
	const char *kind, const char *sha, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_RECORDS_OF_OBJECT, e, "t",
		sha);
	int n = 0, rc;

	if (st == NULL) {
		return HD_EDB;
	}
	hd_buf_printf(b, "; %s ", kind);
	while ((rc = hd_sql_step(a, st, "records of an object", e)) == 1) {
		hd_buf_printf(b, "%s%s", n++ ? ", " : "",
			(const char *)sqlite3_column_text(st, 0));
	}
	if (rc != 0) {
		return rc;
	}
	hd_buf_printf(b, "%s(%.12s…)", n ? " " : "", sha);
	return 0;
}

/* hd_fixity_audit: see hd.h.  At most 50 damaged and 50 missing objects
 * are named.  Returns 0, or the error of the check, of naming the
 * records (HD_EDB) or of the event; *v holds the findings either way. */
int hd_fixity_audit(struct hd_archive *a, const struct hd_agent *agent,
	struct hd_verify *v, struct hd_error *e)
{
	struct hd_buf b;
	size_t i;
	int rc;

	rc = hd_verify_run(a, v, e);
	if (rc != 0) {
		return rc;
	}
	hd_buf_init(&b);
	hd_buf_printf(&b, "objects %lld, ok %lld, damaged %zu, missing %zu, "
		"events %lld, chain %s", (long long)v->objects,
		(long long)v->ok, v->ndamaged, v->nmissing,
		(long long)v->events, v->chain_ok ? "ok" : "broken");
	for (i = 0; i < v->ndamaged && i < 50 && rc == 0; i++) {
		rc = name_object(a, &b, "damaged", v->damaged[i], e);
	}
	for (i = 0; i < v->nmissing && i < 50 && rc == 0; i++) {
		rc = name_object(a, &b, "missing", v->missing[i], e);
	}
	if (!v->chain_ok && v->chain_reason != NULL) {
		hd_buf_printf(&b, "; %s", v->chain_reason);
	}
	if (rc == 0) {
		rc = hd_tx_begin(a, e);
	}
	if (rc == 0) {
		rc = hd_event_add(a, "fixity", 0, agent, b.p, e);
		if (rc == 0) {
			rc = hd_tx_commit(a, e);
		} else {
			hd_tx_rollback(a);
		}
	}
	hd_buf_release(&b);
	return rc;
}

/* hd_fixity_due: see hd.h.  Compares the event's ISO time with now -
 * hours as text (both UTC, to the second). */
int hd_fixity_due(struct hd_archive *a, int hours)
{
	char at[32], now[32];
	time_t t = time(NULL) - (time_t)hours * 3600;
	struct tm tm;

	if (hd_event_last(a, "fixity", at, NULL, NULL) != 0) {
		return 1;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
	return strncmp(at, now, 19) < 0;
}
