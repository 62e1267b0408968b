/*
 * room.c - the paper storage room (库房日常管理): shelf locations of the
 * paper originals, the temperature and humidity log, and inventories
 * (盘点).  (The object store of the digital files is store.c.)
 *
 * A location is a path of one to four parts (room 库房, cabinet 柜, shelf
 * 层, box 盒) kept with '-' between them, the way catalogue sheets write
 * 位置, so a record catalogued with "一号库房-01柜-03盒" is found by an
 * inventory of "一号库房" or "一号库房-01柜".  Guarantees: a record is only
 * ever assigned a location that was added (a typing slip cannot invent a
 * cabinet); every change is one transaction with its event; an inventory
 * compares what was found with what the catalogue says at the moment it
 * finishes, and its report is stored with it and as the detail of an
 * event "storage", so it cannot be edited afterwards unnoticed.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <unicode/utf8.h>

#define PART_MAX 60             /* bytes of one part of a location */
#define LEVELS 4                /* room, cabinet, shelf, box */

/* --------------------------------------------------------- locations */

/* Length of a separator at s ('/', '-', '／' U+FF0F, '－' U+FF0D), or 0. */
static size_t sep_len(const char *s)
{
	if (*s == '/' || *s == '-') {
		return 1;
	}
	if (strncmp(s, "\xEF\xBC\x8F", 3) == 0 ||
	    strncmp(s, "\xEF\xBC\x8D", 3) == 0) {
		return 3;
	}
	return 0;
}

/*
 * hd_location_canon: see hd.h.  Allocates nothing that outlives the call.
 */
int hd_location_canon(const char *s, char out[HD_LOCATION_MAX],
	struct hd_error *e)
{
	char part[HD_LOCATION_MAX];
	size_t n, k, olen = 0, plen;
	const char *p;
	int parts = 0;

	out[0] = '\0';
	if (s == NULL || !hd_utf8_valid(s, strlen(s)) ||
	    strlen(s) >= HD_LOCATION_MAX) {
		return hd_err(e, HD_EINVAL, "a location is up to %d bytes of "
			"UTF-8 text", HD_LOCATION_MAX - 1);
	}
	for (p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7F) {
			return hd_err(e, HD_EINVAL, "location '%s': control "
				"characters are not allowed", s);
		}
	}
	p = s;
	for (;;) {
		for (n = 0; p[n] && sep_len(p + n) == 0; n++) {
		}
		memcpy(part, p, n);
		part[n] = '\0';
		hd_trim(part);
		plen = strlen(part);
		if (plen == 0) {
			return hd_err(e, HD_EINVAL, "location '%s': an empty "
				"part (write ROOM-CABINET-SHELF-BOX, e.g. "
				"一号库房-01柜-02层-03盒)", s);
		}
		if (plen > PART_MAX) {
			return hd_err(e, HD_EINVAL, "location '%s': part '%s' "
				"is over %d bytes", s, part, PART_MAX);
		}
		if (++parts > LEVELS) {
			return hd_err(e, HD_EINVAL, "location '%s': more than "
				"%d parts (room, cabinet, shelf, box)", s,
				LEVELS);
		}
		if (olen > 0) {
			out[olen++] = '-';
		}
		memcpy(out + olen, part, plen);
		olen += plen;
		out[olen] = '\0';
		if (p[n] == '\0') {
			break;
		}
		k = sep_len(p + n);
		p += n + k;
	}
	return 0;
}

/* 1 when location loc is place or lies inside it. */
static int within(const char *loc, const char *place)
{
	size_t n = strlen(place);

	return loc != NULL && strncmp(loc, place, n) == 0 &&
		(loc[n] == '\0' || loc[n] == '-');
}

/* The depth of a canonical location: 1 for a room, one more for each
 * '-'. */
static int depth_of(const char *path)
{
	int d = 1;

	for (; *path; path++) {
		d += *path == '-';
	}
	return d;
}

/* hd_location_add: see hd.h.  Allocates nothing that outlives it. */
int hd_location_add(struct hd_archive *a, const char *path,
	const struct hd_agent *agent, char out[HD_LOCATION_MAX],
	struct hd_error *e)
{
	char canon[HD_LOCATION_MAX], prefix[HD_LOCATION_MAX], now[32];
	char parent[HD_LOCATION_MAX], *detail;
	size_t i, len;
	int rc, added = 0;

	rc = hd_location_canon(path, canon, e);
	if (rc != 0) {
		return rc;
	}
	if (out != NULL) {
		snprintf(out, HD_LOCATION_MAX, "%s", canon);
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	hd_now_iso(now);
	len = strlen(canon);
	parent[0] = '\0';
	for (i = 0; i <= len; i++) {
		if (canon[i] != '-' && canon[i] != '\0') {
			continue;
		}
		memcpy(prefix, canon, i);
		prefix[i] = '\0';
		rc = hd_sql_run(a, SQL_LOCATION_INSERT, "add location", e,
			"ttit", prefix, parent[0] ? parent : NULL,
			depth_of(prefix), now);
		if (rc != 0) {
			goto end;
		}
		added = sqlite3_changes(a->db) > 0;
		snprintf(parent, sizeof parent, "%s", prefix);
	}
	if (!added) {
		rc = hd_err(e, HD_EEXIST, "location '%s' is already there",
			canon);
		goto end;
	}
	detail = hd_xasprintf("location added: %s", canon);
	rc = hd_event_add(a, "storage", 0, agent, detail, e);
	free(detail);
end:
	rc = hd_tx_end(a, rc, e);
	return rc;
}

/* hd_locations_free: see hd.h.  Accepts NULL. */
void hd_locations_free(struct hd_location *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].path);
	}
	free(v);
}

/* hd_location_list: see hd.h.  Returns 0 or HD_EDB (*v NULL). */
int hd_location_list(struct hd_archive *a, struct hd_location **v,
	size_t *n, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_LOCATION_LIST, e);
	struct hd_location *l;
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "list locations", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		l = &(*v)[(*n)++];
		l->path = hd_col_dup(st, 0);
		l->depth = sqlite3_column_int(st, 1);
		l->records = sqlite3_column_int64(st, 2);
	}
	if (rc != 0) {
		hd_locations_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* *yes becomes 1 when statement which, with path bound to ?1, gives a
 * row: SQL_LOCATION_GET (path was added as a location) or
 * SQL_LOCATION_USED (a record is kept there or inside it).  Returns 0 or
 * HD_EDB. */
static int location_has(struct hd_archive *a, enum hd_sql which,
	const char *path, int *yes, struct hd_error *e)
{
	int rc = hd_sql_get(a, which, "look up location", e, "t", path);

	*yes = rc == 1;
	return rc < 0 ? rc : 0;
}

/* The record with canonical reference code ref: *id its id (0 when there
 * is none), and new copies of its location and (when title is not NULL)
 * its title, which the caller frees.  Returns 0 or HD_EDB. */
static int locate(struct hd_archive *a, const char *ref, int64_t *id,
	char **loc, char **title, struct hd_error *e)
{
	char *t = NULL;
	int rc;

	*id = 0;
	*loc = NULL;
	rc = hd_sql_get(a, SQL_RECORD_LOCATE, "find record", e, "t>ltt", ref,
		id, loc, &t);
	if (title != NULL) {
		*title = t;
	} else {
		free(t);
	}
	return rc < 0 ? rc : 0;
}

/* hd_location_assign: see hd.h.  Assigning the location a record has
 * already is 0 and writes nothing. */
int hd_location_assign(struct hd_archive *a, const char *ref,
	const char *path, const struct hd_agent *agent, struct hd_error *e)
{
	char canon[HD_LOCATION_MAX], cref[64], now[32];
	char *old = NULL, *detail = NULL;
	int64_t id;
	int rc, known;

	rc = hd_ref_canon(ref, cref, sizeof cref, e);
	if (rc == 0) {
		rc = hd_location_canon(path, canon, e);
	}
	if (rc != 0) {
		return rc;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = location_has(a, SQL_LOCATION_GET, canon, &known, e);
	if (rc != 0) {
		goto end;
	}
	if (!known) {
		rc = hd_err(e, HD_ENOTFOUND, "location '%s' is not known: add "
			"it first", canon);
		goto end;
	}
	rc = locate(a, cref, &id, &old, NULL, e);
	if (rc != 0) {
		goto end;
	}
	if (id == 0) {
		rc = hd_err(e, HD_ENOTFOUND, "%s: no such record", ref);
		goto end;
	}
	rc = hd_harvest_refuse(a, id, cref, e);
	if (rc != 0) {
		goto end;
	}
	if (old != NULL && strcmp(old, canon) == 0) {
		hd_tx_rollback(a);
		free(old);
		return 0;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_RECORD_SET_LOCATION, "assign location", e,
		"ltt", id, canon, now);
	if (rc != 0) {
		goto end;
	}
	detail = old != NULL && *old ? hd_xasprintf("location: %s -> %s",
		old, canon) : hd_xasprintf("location: %s", canon);
	rc = hd_event_add(a, "storage", id, agent, detail, e);
end:
	rc = hd_tx_end(a, rc, e);
	free(old);
	free(detail);
	return rc;
}

/* ----------------------------------------------------------- readings */

/* 1 when temp (°C) and rh (%) are inside the limits of the room. */
static int in_range(double temp, double rh)
{
	return temp >= HD_TEMP_MIN && temp <= HD_TEMP_MAX &&
		rh >= HD_RH_MIN && rh <= HD_RH_MAX;
}

/* The reading in the current row of st (at, room, temp, rh) into *r. */
static void reading_row(sqlite3_stmt *st, struct hd_reading *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->at, sizeof r->at, "%s",
		(const char *)sqlite3_column_text(st, 0));
	snprintf(r->room, sizeof r->room, "%s",
		(const char *)sqlite3_column_text(st, 1));
	r->temp = sqlite3_column_double(st, 2);
	r->rh = sqlite3_column_double(st, 3);
	r->in_range = in_range(r->temp, r->rh);
}

/*
 * hd_reading_add: see hd.h.  Returns 0, HD_EINVAL for a value outside
 * what a thermometer gives, HD_EBUSY / HD_EDB from the transaction; the
 * event's detail says "(out of range)" when the room is outside its
 * limits.
 */
int hd_reading_add(struct hd_archive *a, const char *room, double temp,
	double rh, const char *at, const struct hd_agent *agent,
	struct hd_error *e)
{
	char now[32], *detail;
	int rc;

	if (!(temp >= -40 && temp <= 60)) {
		return hd_err(e, HD_EINVAL, "temperature %.1f °C is not a "
			"reading (-40 to 60)", temp);
	}
	if (!(rh >= 0 && rh <= 100)) {
		return hd_err(e, HD_EINVAL, "humidity %.1f %% is not a "
			"reading (0 to 100)", rh);
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_READING_INSERT, "log reading", e, "ttddt",
		at ? at : now, room ? room : "一号库房", temp, rh,
		hd_agent_name(agent));
	if (rc == 0) {
		detail = hd_xasprintf("%s %.1f °C %.0f%% RH%s",
			room ? room : "一号库房", temp, rh,
			in_range(temp, rh) ? "" : " (out of range)");
		rc = hd_event_add(a, "storage", 0, agent, detail, e);
		free(detail);
	}
	return hd_tx_end(a, rc, e);
}

/* hd_reading_last: see hd.h.  Returns 0, HD_ENOTFOUND, HD_EDB. */
int hd_reading_last(struct hd_archive *a, struct hd_reading *r,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_READING_LAST, e);
	int rc = hd_sql_step(a, st, "read reading", e);

	memset(r, 0, sizeof *r);
	if (rc == 1) {
		reading_row(st, r);
		sqlite3_reset(st);
		return 0;
	}
	return rc < 0 ? rc : hd_err(e, HD_ENOTFOUND, "no storage reading logged yet");
}

/* hd_readings_since: see hd.h.  Returns 0 or HD_EDB (*v NULL). */
int hd_readings_since(struct hd_archive *a, const char *since,
	const char *room, struct hd_reading **v, size_t *n,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_READINGS_SINCE, e, "tt",
		since ? since : "", room);
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "read readings", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		reading_row(st, &(*v)[(*n)++]);
	}
	if (rc != 0) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* -------------------------------------------------------- inventories */

struct inventory {
	char *scope;
	char *started;
	char *finished;         /* NULL while open */
	char *report;           /* JSON once finished */
};

/* Free what v holds and zero it. */
static void inventory_release(struct inventory *v)
{
	free(v->scope);
	free(v->started);
	free(v->finished);
	free(v->report);
	memset(v, 0, sizeof *v);
}

/* Inventory id into *v (release with inventory_release).  Returns 0,
 * HD_ENOTFOUND, HD_EDB. */
static int inventory_load(struct hd_archive *a, int64_t id,
	struct inventory *v, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_INVENTORY_GET, e, "l", id);
	int rc = hd_sql_step(a, st, "read inventory", e);

	memset(v, 0, sizeof *v);
	if (rc == 1) {
		v->scope = hd_col_dup(st, 0);
		v->started = hd_col_dup(st, 1);
		v->finished = hd_col_dup(st, 2);
		v->report = hd_col_dup(st, 4);
		sqlite3_reset(st);
		return 0;
	}
	return rc < 0 ? rc : hd_err(e, HD_ENOTFOUND, "inventory %lld does not exist",
		(long long)id);
}

/* hd_inventory_start: see hd.h.  The scope must be a location added or
 * one where a record is kept: HD_ENOTFOUND otherwise. */
int hd_inventory_start(struct hd_archive *a, const char *scope,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e)
{
	char canon[HD_LOCATION_MAX], now[32], *detail;
	int rc, used = 0;

	*id = 0;
	rc = hd_location_canon(scope, canon, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = location_has(a, SQL_LOCATION_USED, canon, &used, e);
	if (rc == 0 && !used) {
		rc = location_has(a, SQL_LOCATION_GET, canon, &used, e);
	}
	if (rc != 0) {
		goto end;
	}
	if (!used) {
		rc = hd_err(e, HD_ENOTFOUND, "location '%s' is not known and "
			"no record is kept there", canon);
		goto end;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_INVENTORY_INSERT, "start inventory", e, "ttt",
		canon, now, hd_agent_name(agent));
	if (rc != 0) {
		goto end;
	}
	*id = sqlite3_last_insert_rowid(a->db);
	detail = hd_xasprintf("inventory %lld of %s started",
		(long long)*id, canon);
	rc = hd_event_add(a, "storage", 0, agent, detail, e);
	free(detail);
end:
	rc = hd_tx_end(a, rc, e);
	if (rc != 0) {
		*id = 0;
	}
	return rc;
}

/* hd_inv_found_release: see hd.h.  Accepts NULL. */
void hd_inv_found_release(struct hd_inv_found *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].location);
		free(v[i].title);
		v[i].location = NULL;
		v[i].title = NULL;
	}
}

/* Where a record kept at loc stands for an inventory of scope, found at
 * at (or NULL). */
static int mark_of(const char *loc, const char *scope, const char *at)
{
	if (loc == NULL || *loc == '\0') {
		return HD_INV_UNLOCATED;
	}
	if (!within(loc, scope)) {
		return HD_INV_MISPLACED;
	}
	if (at != NULL && !within(at, loc) && !within(loc, at)) {
		return HD_INV_MISPLACED;
	}
	return HD_INV_EXPECTED;
}

/* A reference as typed, made printable for the report (what a scanner
 * sends may be anything): invalid UTF-8 and control bytes become '?'. */
static void shown_ref(const char *s, char out[64])
{
	int32_t i = 0, j, n = (int32_t)strlen(s);
	size_t o = 0;
	UChar32 cp;

	while (i < n && o + 4 < 64) {
		j = i;
		U8_NEXT(s, j, n, cp);
		if (cp >= 0x20 && cp != 0x7F) {
			memcpy(out + o, s + i, (size_t)(j - i));
			o += (size_t)(j - i);
			i = j;
		} else {
			out[o++] = '?';
			i++;
		}
	}
	out[o] = '\0';
}

/* hd_inventory_found: see hd.h.  A reference that is not one is kept,
 * made printable, as HD_INV_UNKNOWN.  On an error out[] is released. */
int hd_inventory_found(struct hd_archive *a, int64_t id, const char *at,
	const char *const *refs, size_t n, struct hd_inv_found *out,
	struct hd_error *e)
{
	char cat[HD_LOCATION_MAX], now[32], *typed;
	struct inventory inv;
	size_t i;
	int64_t rid;
	int rc;

	memset(out, 0, n * sizeof *out);
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = inventory_load(a, id, &inv, e);
	if (rc != 0) {
		goto end;
	}
	if (inv.finished != NULL) {
		rc = hd_err(e, HD_EINVAL, "inventory %lld was finished at %s",
			(long long)id, inv.finished);
		goto end;
	}
	if (at != NULL) {
		rc = hd_location_canon(at, cat, e);
		if (rc != 0) {
			goto end;
		}
		if (!within(cat, inv.scope)) {
			rc = hd_err(e, HD_EINVAL, "'%s' is not inside %s, the "
				"place inventory %lld covers", cat, inv.scope,
				(long long)id);
			goto end;
		}
	}
	hd_now_iso(now);
	for (i = 0; i < n; i++) {
		struct hd_inv_found *f = &out[i];

		typed = hd_xstrdup(refs[i] ? refs[i] : "");
		hd_trim(typed);
		rid = 0;
		if (hd_ref_canon(typed, f->ref, sizeof f->ref, NULL) == 0) {
			rc = locate(a, f->ref, &rid, &f->location, &f->title,
				e);
		} else {
			shown_ref(typed, f->ref);
		}
		free(typed);
		if (rc != 0) {
			goto end;
		}
		f->mark = rid == 0 ? HD_INV_UNKNOWN : mark_of(f->location,
			inv.scope, at != NULL ? cat : NULL);
		if (f->ref[0] == '\0') {
			continue;
		}
		rc = hd_sql_run(a, SQL_INVENTORY_ITEM_INSERT, "mark found", e,
			"ltLtt", id, f->ref, rid, at != NULL ? cat : NULL, now);
		if (rc != 0) {
			goto end;
		}
		if (sqlite3_changes(a->db) == 0) {
			f->mark = HD_INV_AGAIN;
		}
	}
end:
	rc = hd_tx_end(a, rc, e);
	inventory_release(&inv);
	if (rc != 0) {
		hd_inv_found_release(out, n);
	}
	return rc;
}

/* The report of an open inventory, from the catalogue as it is now. */
static int build_report(struct hd_archive *a, int64_t id,
	const struct inventory *inv, const char *finished, json_t **out,
	struct hd_error *e)
{
	json_t *o = json_object(), *missing = json_array();
	json_t *misplaced = json_array(), *unlocated = json_array();
	json_t *unknown = json_array(), *x;
	int64_t *found = NULL, rid;
	size_t nfound = 0, k, expected = 0;
	sqlite3_stmt *st;
	const char *loc, *at;
	int rc, hit;

	*out = NULL;
	st = hd_sql_bind(a, SQL_INVENTORY_ITEMS, e, "l", id);
	while ((rc = hd_sql_step(a, st, "read inventory", e)) == 1) {
		if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
			json_array_append_new(unknown, json_string(
				(const char *)sqlite3_column_text(st, 0)));
			continue;
		}
		rid = sqlite3_column_int64(st, 2);
		found = hd_xrealloc(found, (nfound + 1) * sizeof *found);
		found[nfound++] = rid;
		loc = (const char *)sqlite3_column_text(st, 3);
		at = (const char *)sqlite3_column_text(st, 1);
		switch (mark_of(loc, inv->scope, at)) {
		case HD_INV_UNLOCATED:
			x = json_object();
			json_object_set_new(x, "ref", json_string((const char *)
				sqlite3_column_text(st, 0)));
			json_object_set_new(x, "title", json_string(
				(const char *)sqlite3_column_text(st, 4)));
			json_array_append_new(unlocated, x);
			break;
		case HD_INV_MISPLACED:
			x = json_object();
			json_object_set_new(x, "ref", json_string((const char *)
				sqlite3_column_text(st, 0)));
			json_object_set_new(x, "title", json_string(
				(const char *)sqlite3_column_text(st, 4)));
			json_object_set_new(x, "location", json_string(loc));
			json_object_set_new(x, "found_at", json_string(
				at != NULL ? at : inv->scope));
			json_array_append_new(misplaced, x);
			break;
		default:
			break;
		}
	}
	if (rc != 0) {
		goto done;
	}
	st = hd_sql_bind(a, SQL_INVENTORY_EXPECTED, e, "t", inv->scope);
	while ((rc = hd_sql_step(a, st, "read records in place", e)) == 1) {
		rid = sqlite3_column_int64(st, 0);
		expected++;
		for (k = 0, hit = 0; k < nfound && !hit; k++) {
			hit = found[k] == rid;
		}
		if (hit) {
			continue;
		}
		x = json_object();
		json_object_set_new(x, "ref", json_string((const char *)
			sqlite3_column_text(st, 1)));
		json_object_set_new(x, "title", json_string((const char *)
			sqlite3_column_text(st, 2)));
		json_object_set_new(x, "location", json_string((const char *)
			sqlite3_column_text(st, 3)));
		json_array_append_new(missing, x);
	}
	if (rc != 0) {
		goto done;
	}
	json_object_set_new(o, "inventory", json_integer(id));
	json_object_set_new(o, "scope", json_string(inv->scope));
	json_object_set_new(o, "started", hd_json_str(inv->started));
	json_object_set_new(o, "finished", hd_json_str(finished));
	json_object_set_new(o, "expected", json_integer((json_int_t)expected));
	json_object_set_new(o, "found", json_integer((json_int_t)nfound));
	json_object_set_new(o, "missing", missing);
	json_object_set_new(o, "misplaced", misplaced);
	json_object_set_new(o, "unlocated", unlocated);
	json_object_set_new(o, "unknown", unknown);
	missing = misplaced = unlocated = unknown = NULL;
	*out = o;
	o = NULL;
	rc = 0;
done:
	json_decref(o);
	json_decref(missing);
	json_decref(misplaced);
	json_decref(unlocated);
	json_decref(unknown);
	free(found);
	return rc;
}

/* hd_inventory_report: see hd.h.  Returns 0, HD_ENOTFOUND, HD_EINVAL,
 * HD_EIO (the report cannot be written out), HD_EDB. */
int hd_inventory_report(struct hd_archive *a, int64_t id, int finish,
	const struct hd_agent *agent, char **json, struct hd_error *e)
{
	struct inventory inv;
	json_t *rep = NULL;
	char now[32], *text = NULL;
	int rc, in_tx = 0;

	*json = NULL;
	if (finish) {
		rc = hd_tx_begin(a, e);
		if (rc != 0) {
			return rc;
		}
		in_tx = 1;
	}
	rc = inventory_load(a, id, &inv, e);
	if (rc != 0) {
		goto out;
	}
	if (inv.finished != NULL) {
		if (finish) {
			rc = hd_err(e, HD_EINVAL, "inventory %lld was finished "
				"at %s", (long long)id, inv.finished);
		} else {
			*json = inv.report;
			inv.report = NULL;
		}
		goto out;
	}
	hd_now_iso(now);
	rc = build_report(a, id, &inv, finish ? now : NULL, &rep, e);
	if (rc != 0) {
		goto out;
	}
	rc = hd_json_dump(rep, JSON_COMPACT | JSON_PRESERVE_ORDER,
		"inventory report", &text, e);
	if (rc != 0) {
		goto out;
	}
	if (finish) {
		rc = hd_sql_run(a, SQL_INVENTORY_FINISH, "finish inventory",
			e, "ltt", id, now, text);
		if (rc == 0) {
			rc = hd_event_add(a, "storage", 0, agent, text, e);
		}
		if (rc == 0) {
			rc = hd_tx_commit(a, e);
		}
		if (rc != 0) {
			goto out;
		}
		in_tx = 0;
	}
	*json = text;
	text = NULL;
out:
	if (in_tx) {
		hd_tx_rollback(a);
	}
	json_decref(rep);
	free(text);
	inventory_release(&inv);
	return rc;
}
