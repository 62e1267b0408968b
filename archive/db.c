/*
 * db.c - the catalogue database: opening a data folder, the schema and its
 * migrations, transactions, and every SQL statement the library runs.
 *
 * All SQL of the program is in the table below, each statement named and
 * every value bound.  Statements that return what a visitor may see (the
 * *_PUBLIC ones) carry "status = 'approved' AND access = 'public'" in
 * their text: there is no flag to forget.  Connections use WAL, foreign
 * keys and synchronous=FULL (a committed batch survives a power cut), and
 * register the "hongdang" tokenizer before touching the search index.
 */
#include "internal.h"
#include "fts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char hd_schema_sql[];

#define VISIBLE " r.status = 'approved' AND r.access = 'public' "

/* The filters shared by the search statements:
 * ?1 match, ?2 year from, ?3 year to, ?4 category, ?5 class, ?6 fonds,
 * ?7 place, ?8 person. */
#define SEARCH_FROM \
	" FROM search s JOIN records r ON r.id = s.rowid" \
	" WHERE search MATCH ?1" \
	" AND (?2 IS NULL OR r.year_end >= ?2)" \
	" AND (?3 IS NULL OR r.year <= ?3)" \
	" AND (?4 IS NULL OR r.category = ?4)" \
	" AND (?5 IS NULL OR r.class = ?5)" \
	" AND (?6 IS NULL OR r.fonds_id =" \
	"      (SELECT id FROM fonds WHERE code = ?6))" \
	" AND (?7 IS NULL OR r.place = ?7)" \
	" AND (?8 IS NULL OR EXISTS (SELECT 1 FROM terms t" \
	"      WHERE t.record_id = r.id AND t.kind = 'person'" \
	"      AND t.term = ?8))"

/* Title weighs 10, meta (creator, subjects, persons, place) 4, body 1.
 * Snippets are computed for the page of hits only; \x01 and \x02 mark a
 * match (search.c escapes the rest). */
#define SEARCH_SQL(vis) \
	"WITH top AS (SELECT r.id AS id," \
	" bm25(search, 10.0, 4.0, 1.0) AS score" SEARCH_FROM vis \
	" ORDER BY score LIMIT ?9 OFFSET ?10)" \
	" SELECT r.id, r.ref, r.title, r.date, r.year, r.category, r.class," \
	" r.access, r.status," \
	" snippet(search, 2, char(1), char(2), '…', 24)," \
	" (SELECT f.sha256 FROM files f WHERE f.record_id = r.id" \
	"   AND f.mime LIKE 'image/%' ORDER BY f.seq LIMIT 1)" \
	" FROM top JOIN search ON search.rowid = top.id" \
	" JOIN records r ON r.id = top.id" \
	" WHERE search MATCH ?1 ORDER BY top.score"

#define MATCHES_SQL(vis) \
	"SELECT r.id, r.year, r.category, r.place" SEARCH_FROM vis

#define PERSONS_SQL(vis) \
	"SELECT t.term, count(*) AS n FROM terms t WHERE t.kind = 'person'" \
	" AND t.record_id IN (SELECT r.id" SEARCH_FROM vis ")" \
	" GROUP BY t.term ORDER BY n DESC, t.term LIMIT 20"

/* Public listings: ?1 class, ?2 category, ?3 decade (0 any), ?4 images
 * only, ?5 year from (0 any), ?6 newest first, ?7 limit, ?8 offset. */
#define LIST_FILTER \
	" AND (?1 IS NULL OR r.class = ?1)" \
	" AND (?2 IS NULL OR r.category = ?2)" \
	" AND (?3 = 0 OR (r.year >= ?3 AND r.year < ?3 + 10))" \
	" AND (?4 = 0 OR EXISTS (SELECT 1 FROM files f" \
	"      WHERE f.record_id = r.id AND f.mime LIKE 'image/%'))" \
	" AND (?5 = 0 OR r.year >= ?5)"
#define LIST_THUMB \
	" (SELECT f.sha256 FROM files f WHERE f.record_id = r.id" \
	"   AND f.mime LIKE 'image/%' ORDER BY f.seq LIMIT 1)"

#define RECORD_SQL \
	"SELECT r.id, r.ref, f.code, r.title, r.creator, r.date, r.year," \
	" r.year_end, r.category, r.retention, r.class, r.access, r.status," \
	" r.place, r.location, r.description, r.language, r.source, r.pages," \
	" r.created, r.updated FROM records r JOIN fonds f ON f.id = r.fonds_id" \
	" WHERE r.ref = ?1"

#define STATS_SQL(where) \
	"SELECT count(*), coalesce(sum(r.category = 'ZP'), 0)," \
	" min(r.year), max(r.year_end)," \
	" (SELECT count(*) FROM files f JOIN records r ON r.id = f.record_id" \
	"  " where ")," \
	" (SELECT coalesce(sum(coalesce(r.pages, 0)), 0) FROM records r " \
	where ")" \
	" FROM records r " where

static const char *const sqls[SQL__COUNT] = {
	[SQL_FONDS_BY_CODE] = "SELECT id, name FROM fonds WHERE code = ?1",
	[SQL_FONDS_FIRST] =
		"SELECT code, name FROM fonds ORDER BY id LIMIT 1",
	[SQL_FONDS_INSERT] =
		"INSERT INTO fonds (code, name, created) VALUES (?1, ?2, ?3)",
	[SQL_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[SQL_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[SQL_BATCH_INSERT] = "INSERT INTO batches (fonds_id, source, agent,"
		" started) VALUES (?1, ?2, ?3, ?4)",
	[SQL_BATCH_FINISH] = "UPDATE batches SET added = ?2, duplicates = ?3"
		" WHERE id = ?1",
	[SQL_REFSEQ_GET] = "SELECT last FROM refseq WHERE prefix = ?1",
	[SQL_REFSEQ_SET] = "INSERT INTO refseq (prefix, last) VALUES (?1, ?2)"
		" ON CONFLICT (prefix) DO UPDATE SET last = excluded.last",
	[SQL_RECORD_INSERT] = "INSERT INTO records (ref, fonds_id, batch_id,"
		" title, creator, date, year, year_end, category, retention,"
		" class, access, status, place, location, description, language,"
		" source, pages, created, updated) VALUES (?1, ?2, ?3, ?4, ?5,"
		" ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
		" ?19, ?20, ?20)",
	[SQL_TERM_INSERT] = "INSERT OR IGNORE INTO terms (record_id, kind,"
		" seq, term) VALUES (?1, ?2, ?3, ?4)",
	[SQL_OBJECT_INSERT] = "INSERT OR IGNORE INTO objects (sha256, size,"
		" created) VALUES (?1, ?2, ?3)",
	[SQL_FILE_INSERT] = "INSERT INTO files (record_id, seq, name, sha256,"
		" size, mime, width, height, pages, exif) VALUES (?1, ?2, ?3,"
		" ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SQL_FILE_KNOWN] = "SELECT 1 FROM files WHERE sha256 = ?1 LIMIT 1",
	[SQL_FTS_INSERT] = "INSERT INTO search (rowid, title, meta, body)"
		" VALUES (?1, ?2, ?3, ?4)",
	[SQL_EVENT_LAST] =
		"SELECT id, hash FROM events ORDER BY id DESC LIMIT 1",
	[SQL_EVENT_INSERT] = "INSERT INTO events (id, at, type, record_id,"
		" agent, detail, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		" ?7, ?8)",
	[SQL_WARNING_INSERT] = "INSERT INTO warnings (batch_id, record_id,"
		" path, message) VALUES (?1, ?2, ?3, ?4)",
	[SQL_RECORD_GET_ALL] = RECORD_SQL,
	[SQL_RECORD_GET_PUBLIC] = RECORD_SQL " AND" VISIBLE,
	[SQL_FILES_OF] = "SELECT name, sha256, size, mime, width, height,"
		" pages, exif FROM files WHERE record_id = ?1 ORDER BY seq",
	[SQL_TERMS_OF] = "SELECT kind, term FROM terms WHERE record_id = ?1"
		" ORDER BY kind, seq",
	[SQL_EVENTS_OF] = "SELECT id, at, type, agent, detail FROM events"
		" WHERE record_id = ?1 ORDER BY id",
	[SQL_OBJECTS_ALL] = "SELECT sha256, size FROM objects ORDER BY sha256",
	[SQL_EVENTS_ALL] = "SELECT id, at, type, record_id, agent, detail,"
		" prev, hash FROM events ORDER BY id",
	[SQL_SEARCH_ALL] = SEARCH_SQL(""),
	[SQL_SEARCH_PUBLIC] = SEARCH_SQL(" AND" VISIBLE),
	[SQL_MATCHES_ALL] = MATCHES_SQL(""),
	[SQL_MATCHES_PUBLIC] = MATCHES_SQL(" AND" VISIBLE),
	[SQL_FACET_PERSON_ALL] = PERSONS_SQL(""),
	[SQL_FACET_PERSON_PUBLIC] = PERSONS_SQL(" AND" VISIBLE),
	[SQL_FIRST_IMAGE] = "SELECT sha256 FROM files WHERE record_id = ?1"
		" AND mime LIKE 'image/%' ORDER BY seq LIMIT 1",
	[SQL_STATS_ALL] = STATS_SQL(""),
	[SQL_STATS_PUBLIC] = STATS_SQL("WHERE" VISIBLE),
	[SQL_OBJECT_PUBLIC] = "SELECT 1 FROM files f JOIN records r"
		" ON r.id = f.record_id WHERE f.sha256 = ?1 AND" VISIBLE
		" LIMIT 1",
	[SQL_OBJECT_MIME] = "SELECT mime FROM files WHERE sha256 = ?1"
		" LIMIT 1",
	[SQL_LIST_PUBLIC] = "SELECT r.id, r.ref, r.title, r.date, r.year,"
		" r.category, r.class, r.access, r.status,"
		" substr(coalesce(r.description, ''), 1, 120)," LIST_THUMB
		" FROM records r WHERE" VISIBLE LIST_FILTER
		" ORDER BY CASE WHEN ?6 = 1 THEN -r.year ELSE r.year END,"
		" r.date, r.ref LIMIT ?7 OFFSET ?8",
	[SQL_LIST_COUNT_PUBLIC] = "SELECT count(*) FROM records r WHERE"
		VISIBLE LIST_FILTER,
	[SQL_DECADES_PUBLIC] = "SELECT r.year / 10 * 10 AS d, count(*)"
		" FROM records r WHERE" VISIBLE " AND r.year IS NOT NULL"
		" GROUP BY d ORDER BY d",
	[SQL_RELATED_PUBLIC] = "SELECT r.id, r.ref, r.title, r.date, r.year,"
		" r.category, r.class, r.access, r.status,"
		" substr(coalesce(r.description, ''), 1, 120)," LIST_THUMB
		" FROM records r, records me WHERE me.id = ?1 AND r.id != me.id"
		" AND" VISIBLE " AND (r.id IN (SELECT t2.record_id FROM terms t1"
		" JOIN terms t2 ON t2.kind = t1.kind AND t2.term = t1.term"
		" WHERE t1.record_id = ?1) OR (r.class IS me.class AND"
		" r.year / 10 = me.year / 10))"
		" ORDER BY (SELECT count(*) FROM terms t1 JOIN terms t2"
		" ON t2.kind = t1.kind AND t2.term = t1.term"
		" WHERE t1.record_id = ?1 AND t2.record_id = r.id) DESC,"
		" abs(coalesce(r.year, 0) - coalesce(me.year, 0)), r.ref"
		" LIMIT ?2",
	[SQL_LAST_EVENT_OF_TYPE] = "SELECT at, detail FROM events"
		" WHERE type = ?1 ORDER BY id DESC LIMIT 1",
	[SQL_VISITS_OF_DAY] = "SELECT slot, coalesce(sum(people), 0), count(*)"
		" FROM visits WHERE day = ?1 GROUP BY slot",
	[SQL_VISIT_INSERT] = "INSERT INTO visits (day, slot, grp, contact,"
		" people, free, price, created) VALUES (?1, ?2, ?3, ?4, ?5,"
		" ?6, ?7, ?8)",
	[SQL_READING_LAST] = "SELECT at, room, temp, rh FROM storage_readings"
		" ORDER BY id DESC LIMIT 1",
	[SQL_READING_INSERT] = "INSERT INTO storage_readings (at, room, temp,"
		" rh, agent) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQL_CLASS_COUNTS_PUBLIC] = "SELECT r.class, count(*) FROM records r"
		" WHERE" VISIBLE " GROUP BY r.class",
	[SQL_RECORD_BODY] = "SELECT body FROM search WHERE rowid = ?1",
	[SQL_TOP_SUBJECTS_PUBLIC] = "SELECT t.term, count(*) AS n FROM terms t"
		" JOIN records r ON r.id = t.record_id WHERE t.kind = 'subject'"
		" AND" VISIBLE " GROUP BY t.term ORDER BY n DESC, t.term LIMIT 16",
};

/* Schema versions: migrations[i] brings user_version i to i + 1. */
static const char *const *migrations(size_t *n)
{
	static const char *m[1];

	m[0] = hd_schema_sql;
	*n = 1;
	return m;
}

sqlite3_stmt *hd_sql(struct hd_archive *a, enum hd_sql name,
	struct hd_error *e)
{
	sqlite3_stmt *st = a->st[name];

	if (st == NULL) {
		if (sqlite3_prepare_v3(a->db, sqls[name], -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			hd_sql_err(a, e, "prepare");
			return NULL;
		}
		a->st[name] = st;
		return st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int hd_sql_err(struct hd_archive *a, struct hd_error *e, const char *what)
{
	return hd_err(e, HD_EDB, "%s/hongdang.db: %s: %s", a->dir, what,
		sqlite3_errmsg(a->db));
}

int hd_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL) {
		return sqlite3_bind_null(st, i);
	}
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

char *hd_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s == NULL ? NULL : hd_xstrdup((const char *)s);
}

static int exec(struct hd_archive *a, const char *sql, struct hd_error *e)
{
	char *msg = NULL;

	if (sqlite3_exec(a->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hd_err(e, HD_EDB, "%s/hongdang.db: %s", a->dir,
			msg ? msg : sqlite3_errmsg(a->db));
		sqlite3_free(msg);
		return HD_EDB;
	}
	return 0;
}

static int user_version(struct hd_archive *a)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(a->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK) {
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

/* Bring the schema to the newest version, each step in a transaction. */
static int migrate(struct hd_archive *a, struct hd_error *e)
{
	size_t n, i;
	const char *const *m = migrations(&n);
	int v = user_version(a);
	char sql[64];

	if (v < 0) {
		return hd_sql_err(a, e, "read user_version");
	}
	if ((size_t)v > n) {
		return hd_err(e, HD_EDB, "%s/hongdang.db: schema version %d is "
			"newer than this program (%zu)", a->dir, v, n);
	}
	for (i = (size_t)v; i < n; i++) {
		if (exec(a, "BEGIN IMMEDIATE", e) != 0) {
			return HD_EDB;
		}
		snprintf(sql, sizeof sql, "PRAGMA user_version = %zu", i + 1);
		if (exec(a, m[i], e) != 0 || exec(a, sql, e) != 0) {
			exec(a, "ROLLBACK", NULL);
			return HD_EDB;
		}
		if (exec(a, "COMMIT", e) != 0) {
			exec(a, "ROLLBACK", NULL);
			return HD_EDB;
		}
	}
	return 0;
}

static int load_fonds(struct hd_archive *a, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_FONDS_FIRST, e);

	if (st == NULL) {
		return HD_EDB;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		free(a->fonds_code);
		free(a->fonds_name);
		a->fonds_code = hd_col_dup(st, 0);
		a->fonds_name = hd_col_dup(st, 1);
	}
	sqlite3_reset(st);
	return 0;
}

static int connect(struct hd_archive *a, int create, struct hd_error *e)
{
	char *path = hd_xasprintf("%s/hongdang.db", a->dir);
	int flags, rc;

	flags = a->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (create) {
		flags |= SQLITE_OPEN_CREATE;
	}
	flags |= SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &a->db, flags, NULL);
	free(path);
	if (rc != SQLITE_OK) {
		return hd_sql_err(a, e, "open");
	}
	sqlite3_busy_timeout(a->db, 10000);
	sqlite3_extended_result_codes(a->db, 1);
	if (hd_fts_register(a->db) != SQLITE_OK) {
		return hd_sql_err(a, e, "register tokenizer");
	}
	if (exec(a, "PRAGMA foreign_keys = ON", e) != 0) {
		return HD_EDB;
	}
	if (!a->readonly && (exec(a, "PRAGMA journal_mode = WAL", e) != 0 ||
	    exec(a, "PRAGMA synchronous = FULL", e) != 0)) {
		return HD_EDB;
	}
	return 0;
}

static struct hd_archive *archive_new(const char *dir)
{
	struct hd_archive *a = hd_xcalloc(1, sizeof *a);

	a->dir = hd_xstrdup(dir);
	a->objdir = hd_xasprintf("%s/objects", dir);
	a->tmpdir = hd_xasprintf("%s/tmp", dir);
	return a;
}

static int mkdir_p(const char *dir, struct hd_error *e)
{
	char *p = hd_xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				rc = hd_err(e, HD_EIO, "%s: cannot create: %s",
					p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0') {
				break;
			}
		}
	}
	free(p);
	return rc;
}

int hd_archive_init(const char *dir, const char *fonds_code,
	const char *fonds_name, const struct hd_agent *agent,
	struct hd_error *e)
{
	struct hd_archive *a = NULL;
	char *path = NULL, now[32];
	struct stat sb;
	struct hd_ref probe;
	sqlite3_stmt *st;
	int rc;
	char ref[64];

	/* The fonds code must be usable in a reference code. */
	snprintf(ref, sizeof ref, "%s-WS.2000.Y-1",
		fonds_code ? fonds_code : "");
	if (fonds_code == NULL || hd_ref_parse(ref, &probe, NULL) != 0 ||
	    strcmp(probe.fonds, fonds_code) != 0) {
		return hd_err(e, HD_EINVAL, "fonds code '%s': use 1 to 16 "
			"capital letters and digits, e.g. QF01",
			fonds_code ? fonds_code : "");
	}
	path = hd_xasprintf("%s/hongdang.db", dir);
	if (stat(path, &sb) == 0) {
		rc = hd_err(e, HD_EEXIST, "%s: already holds an archive", dir);
		goto out;
	}
	a = archive_new(dir);
	rc = mkdir_p(dir, e);
	if (rc == 0) {
		rc = mkdir_p(a->objdir, e);
	}
	if (rc == 0) {
		rc = mkdir_p(a->tmpdir, e);
	}
	if (rc == 0) {
		rc = connect(a, 1, e);
	}
	if (rc == 0) {
		rc = migrate(a, e);
	}
	if (rc != 0) {
		goto out;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		goto out;
	}
	hd_now_iso(now);
	st = hd_sql(a, SQL_FONDS_INSERT, e);
	if (st == NULL) {
		rc = HD_EDB;
		goto fail;
	}
	hd_bind_text(st, 1, fonds_code);
	hd_bind_text(st, 2, fonds_name ? fonds_name : fonds_code);
	hd_bind_text(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "create fonds");
		goto fail;
	}
	rc = hd_event_add(a, "init", 0, agent, fonds_code, e);
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc == 0) {
		goto out;
	}
fail:
	hd_tx_rollback(a);
out:
	free(path);
	hd_archive_close(a);
	return rc;
}

int hd_archive_open(const char *dir, int readonly, struct hd_archive **out,
	struct hd_error *e)
{
	struct hd_archive *a;
	char *path;
	struct stat sb;
	int rc;

	*out = NULL;
	path = hd_xasprintf("%s/hongdang.db", dir);
	rc = stat(path, &sb);
	free(path);
	if (rc != 0) {
		return hd_err(e, HD_ENOTFOUND, "%s: no archive here (run "
			"'hongdang -d %s init' first)", dir, dir);
	}
	a = archive_new(dir);
	a->readonly = readonly;
	rc = connect(a, 0, e);
	if (rc == 0 && !readonly) {
		rc = migrate(a, e);
		if (rc == 0) {
			rc = mkdir_p(a->tmpdir, e);
		}
		if (rc == 0) {
			hd_store_sweep(a);
		}
	}
	if (rc == 0) {
		rc = load_fonds(a, e);
	}
	if (rc != 0) {
		hd_archive_close(a);
		return rc;
	}
	*out = a;
	return 0;
}

void hd_archive_close(struct hd_archive *a)
{
	int i;

	if (a == NULL) {
		return;
	}
	if (a->in_tx) {
		hd_tx_rollback(a);
	}
	for (i = 0; i < SQL__COUNT; i++) {
		sqlite3_finalize(a->st[i]);
	}
	sqlite3_close(a->db);
	free(a->dir);
	free(a->objdir);
	free(a->tmpdir);
	free(a->fonds_code);
	free(a->fonds_name);
	free(a);
}

const char *hd_archive_dir(const struct hd_archive *a)
{
	return a->dir;
}

const char *hd_archive_fonds(struct hd_archive *a)
{
	return a->fonds_code;
}

const char *hd_archive_name(struct hd_archive *a)
{
	return a->fonds_name;
}

int64_t hd_fonds_id(struct hd_archive *a, const char *code,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_FONDS_BY_CODE, e);
	int64_t id;

	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, code);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return hd_err(e, HD_ENOTFOUND, "fonds '%s' does not exist in "
			"%s", code, a->dir);
	}
	id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

int hd_tx_begin(struct hd_archive *a, struct hd_error *e)
{
	if (a->in_tx) {
		return hd_err(e, HD_EUSAGE, "transaction already open");
	}
	if (exec(a, "BEGIN IMMEDIATE", e) != 0) {
		return HD_EBUSY;
	}
	a->in_tx = 1;
	return 0;
}

int hd_tx_commit(struct hd_archive *a, struct hd_error *e)
{
	if (exec(a, "COMMIT", e) != 0) {
		hd_tx_rollback(a);
		return HD_EDB;
	}
	a->in_tx = 0;
	return 0;
}

void hd_tx_rollback(struct hd_archive *a)
{
	if (a != NULL && a->in_tx) {
		exec(a, "ROLLBACK", NULL);
		a->in_tx = 0;
	}
}
