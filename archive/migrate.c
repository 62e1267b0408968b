/*
 * migrate.c - the schema's versions: what each migration does, run in a
 * transaction of its own when a writer opens an archive made by an older
 * version, and the progress it reports through the upgrade hook.
 *
 * Version 1 is archive/schema.sql, version 2 archive/schema2.sql; the
 * later ones are below.  PRAGMA user_version holds the version an archive
 * has reached: a step interrupted (a crash, a kill) is rolled back whole
 * and runs again at the next open, and steps done stay done.
 */
#include "internal.h"
#include "fts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

extern const char hd_schema_sql[];
extern const char hd_schema2_sql[];

/* Version 3: Chinese search that finds what people type.  The index is
 * rebuilt from its own stored text (search is a regular FTS5 table) by
 * the tokenizer that folds traditional characters to simplified and adds
 * pinyin; the suggestion tables are created, then filled from the
 * catalogue by hd_suggest_fill; records get the indexes the suggestions'
 * visibility checks use. */
static const char migrate3_sql[] =
	"INSERT INTO search (search) VALUES ('rebuild');"
	/* one row per distinct title, person, place and subject */
	"CREATE TABLE suggest ("
	" id     INTEGER PRIMARY KEY,"
	" kind   TEXT NOT NULL"
	"   CHECK (kind IN ('title', 'person', 'place', 'subject')),"
	" term   TEXT NOT NULL,"
	" pinyin TEXT,"             /* its reading with tones: pān yú */
	" n      INTEGER NOT NULL DEFAULT 0," /* public records, to rank */
	" UNIQUE (kind, term));"
	/* what a term is found by: folded characters, pinyin, initials */
	"CREATE TABLE suggest_keys ("
	" key TEXT NOT NULL,"
	" id  INTEGER NOT NULL REFERENCES suggest(id),"
	" PRIMARY KEY (key, id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS records_title ON records(title);"
	"CREATE INDEX IF NOT EXISTS records_place ON records(place);";

/* The schema version this program makes: the number of migrations. */
#define NVERSIONS 11

/* A step in C run after a migration's SQL, in its transaction. */
typedef int (*migrate_fn)(struct hd_archive *a, struct hd_error *e);

/* Version 4: the public listings and counts at 200,000 records.  The
 * home page, corridor and reading corner list and count the visible
 * records by class, category and year; from these narrow indexes instead
 * of the wide rows (descriptions) they take milliseconds, not seconds. */
static const char migrate4_sql[] =
	"CREATE INDEX IF NOT EXISTS records_list ON records(status, access,"
	" class, category, year, year_end, pages, date, ref);"
	"CREATE INDEX IF NOT EXISTS files_record_mime ON files(record_id,"
	" mime, seq);";

/* Version 5: search at 200,000 records.  heads indexes the title and
 * meta columns of search a second time, alone: a broad query's title and
 * subject matches are then found by walking their own short doclists, not
 * the body's (社区 is in nearly every body).  search.c walks search for
 * the newest matches and heads for the title and meta matches beyond
 * them. */
static const char migrate5_sql[] =
	"DROP TABLE IF EXISTS heads;"   /* made anew from search */
	"CREATE VIRTUAL TABLE heads USING fts5(title, meta,"
	" tokenize = 'hongdang', detail = 'full');"
	"INSERT INTO heads (rowid, title, meta)"
	" SELECT rowid, title, meta FROM search;";

/* Versions 6, 7 and 8 changed what the tokenizer emits: 6 added Han
 * trigrams, 7 dropped the second copy of each pinyin pair, 8 indexes the
 * characters as written beside the folded ones (HD_FOLD, fts.h), so that
 * the query's own characters rank first.  FTS5
 * removes a row's tokens by tokenizing its text again, so rows made
 * before would keep what it no longer emits, and its integrity check
 * would call the index damaged: both index tables are made again from
 * their own copy of the text. */
static const char rebuild_sql[] =
	"INSERT INTO search (search) VALUES ('rebuild');"
	"INSERT INTO heads (heads) VALUES ('rebuild');";

/* Version 5, in C: records.text_quality, the mean OCR confidence of a
 * record's pages over 100 (NULL: no page read by OCR, clean text), which
 * hd_rank multiplies a match's score by.  Added unless a column of that
 * name is there (an archive some test took back to an older version). */
static int migrate5(struct hd_archive *a, struct hd_error *e)
{
	sqlite3_stmt *st = NULL;
	int has = 0;

	if (sqlite3_prepare_v2(a->db, "SELECT 1 FROM pragma_table_info("
	    "'records') WHERE name = 'text_quality'", -1, &st, NULL) !=
	    SQLITE_OK) {
		return hd_sql_err(a, e, "migrate to version 5");
	}
	has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!has && hd_exec(a, "ALTER TABLE records ADD COLUMN text_quality"
	    " REAL", e) != 0) {
		return HD_EDB;
	}
	return hd_exec(a, "UPDATE records SET text_quality = (" HD_QUALITY_SQL
		"records.id)", e);
}

/* Version 8: bookings that can be limited and cancelled.  The table is
 * made again without version 1's UNIQUE (day, slot, grp), which compared
 * the names as typed and would keep a cancelled group from booking its
 * slot again: the group and the contact are compared by their keys
 * (grp_key, contact_key: hd_text_tidy's HD_TIDY_KEY, filled in by
 * hd_visit_rekey for the bookings made before), in the booking's
 * transaction.  at and remote say when (Unix seconds) and from where a
 * booking came, form the nonce of the form token that made it (each
 * books once); a cancelled booking keeps its row with cancelled set. */
static const char migrate8_sql[] =
	"CREATE TABLE visits_new ("
	" id           INTEGER PRIMARY KEY,"
	" day          TEXT NOT NULL,"          /* YYYY-MM-DD */
	" slot         TEXT NOT NULL,"          /* HH:MM */
	" grp          TEXT NOT NULL,"          /* as shown, tidied */
	" grp_key      TEXT NOT NULL DEFAULT '',"
	" contact      TEXT NOT NULL,"
	" contact_key  TEXT NOT NULL DEFAULT '',"
	" people       INTEGER NOT NULL CHECK (people > 0),"
	" free         INTEGER NOT NULL,"       /* 1: 公益时段 */
	" price        INTEGER NOT NULL,"       /* yuan per person */
	" created      TEXT NOT NULL,"          /* ISO 8601 UTC */
	" at           INTEGER NOT NULL DEFAULT 0," /* Unix seconds */
	" remote       TEXT NOT NULL DEFAULT '',"   /* client address */
	" form         TEXT UNIQUE,"            /* form token's nonce */
	" cancelled    TEXT,"                   /* ISO 8601 UTC */
	" cancelled_by TEXT);"
	"INSERT INTO visits_new (id, day, slot, grp, contact, people, free,"
	" price, created) SELECT id, day, slot, grp, contact, people, free,"
	" price, created FROM visits;"
	"DROP TABLE visits;"
	"ALTER TABLE visits_new RENAME TO visits;"
	"CREATE INDEX visits_day ON visits(day, slot, grp_key);"
	"CREATE INDEX visits_contact ON visits(contact_key, day);"
	"CREATE INDEX visits_remote ON visits(remote, at);";

/* Version 9: the catalogues of the rooms a district harvests over
 * OAI-PMH (harvest.c).  A source is a room's /oai with the state of its
 * harvest: done_until, the responseDate of the first page of the last
 * complete run (the next run asks from it), and while a run is under
 * way its from, its first responseDate and the resumption token of the
 * next page, stored with each page in the page's transaction.  A
 * harvested record is a row of records (searched like the district's
 * own) with a row of harvest_records saying whose it is; the fonds of a
 * room's records are the room's (harvest_fonds), never the district's.
 * IF NOT EXISTS: a folder taken back to an older version (the tests do)
 * keeps the tables. */
static const char migrate10_sql[] =
	"CREATE TABLE IF NOT EXISTS harvest_sources ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" url TEXT NOT NULL,"
	" added TEXT NOT NULL,"
	" granularity TEXT,"
	" done_until TEXT,"
	" run_from TEXT,"
	" run_date TEXT,"
	" token TEXT,"
	" last_run TEXT,"
	" last_ok TEXT,"
	" last_error TEXT);"
	"CREATE TABLE IF NOT EXISTS harvest_records ("
	" record_id INTEGER PRIMARY KEY REFERENCES records(id),"
	" source_id INTEGER NOT NULL REFERENCES harvest_sources(id),"
	" oai_id TEXT NOT NULL,"
	" datestamp TEXT NOT NULL,"
	" page_url TEXT,"
	" thumb_url TEXT,"
	" thumb TEXT,"
	" UNIQUE (source_id, oai_id));"
	"CREATE INDEX IF NOT EXISTS harvest_records_thumb"
	" ON harvest_records(thumb);"
	"CREATE TABLE IF NOT EXISTS harvest_fonds ("
	" fonds_id INTEGER PRIMARY KEY REFERENCES fonds(id),"
	" source_id INTEGER NOT NULL REFERENCES harvest_sources(id));";

/* Version 11: a smaller index.  FTS5 writes, in each record's entry of
 * each token, a marker of two bytes before the positions of every column
 * but the first; the body holds nearly all of an index's tokens, so with
 * it first instead of last the index is some 30 % smaller (at 200,000
 * records of the bench) with the same tokens and positions.  search is
 * made again as (body, title, meta) from its own text, in segments of
 * 8 MB of rows as record.c's INDEX_HASHSIZE (rank.c's rank_field maps
 * the columns to fields; the hits' snippets are of column 0).  The old
 * table's own tables are emptied before it is dropped (a DROP of them
 * would journal every page it frees, for the statement, in SQLite's
 * temporary folder: as big as the old index); its pages go to the free
 * list, and the upgrade gives them back after its last step (compact). */
static const char migrate11_sql[] =
	"DROP TABLE IF EXISTS search_new;"
	"CREATE VIRTUAL TABLE search_new USING fts5(body, title, meta,"
	" tokenize = 'hongdang', detail = 'full');"
	"INSERT INTO search_new (search_new, rank) VALUES ('hashsize',"
	" 8388608);"
	"INSERT INTO search_new (rowid, body, title, meta)"
	" SELECT rowid, body, title, meta FROM search;"
	"DELETE FROM search_data;"
	"DELETE FROM search_idx;"
	"DELETE FROM search_content;"
	"DELETE FROM search_docsize;"
	"DROP TABLE search;"
	"ALTER TABLE search_new RENAME TO search;";

/* The schema's versions: migrations[i] brings user_version i to i + 1,
 * with (*hooks)[i] (NULL for none) run after its SQL; *n of them. */
static const char *const *migrations(size_t *n, const migrate_fn **hooks)
{
	static const char *m[NVERSIONS];
	static const migrate_fn h[NVERSIONS] = { NULL, NULL, hd_suggest_fill,
		NULL, migrate5, NULL, NULL, hd_visit_rekey, NULL, NULL,
		NULL };

	m[0] = hd_schema_sql;
	m[1] = hd_schema2_sql;
	m[2] = migrate3_sql;
	m[3] = migrate4_sql;
	m[4] = migrate5_sql;
	m[5] = rebuild_sql;
	m[6] = rebuild_sql;
	m[7] = migrate8_sql;
	m[8] = rebuild_sql;
	m[9] = migrate10_sql;
	m[10] = migrate11_sql;
	*n = NVERSIONS;
	*hooks = h;
	return m;
}

/* ------------------------------------------------ upgrade progress */

static hd_upgrade_fn *upgrade_fn;
static void *upgrade_ud;

/* hd_set_upgrade_hook: see hd.h.  Not locked: set before any thread opens an
 * archive. */
void hd_set_upgrade_hook(hd_upgrade_fn *fn, void *ud)
{
	upgrade_fn = fn;
	upgrade_ud = ud;
}

/* What each migration does, for the hook, and the texts it gives the
 * tokenizer (its work): TEXTS_SEARCH, those of search (title, meta and
 * body of every record), TEXTS_HEADS those of heads (title and meta). */
#define TEXTS_SEARCH 1
#define TEXTS_HEADS 2
static const struct {
	const char *what;
	int texts;
} step_info[NVERSIONS] = {
	{ "建立档案库", 0 },
	{ "增加账户、页面文字与移交记录", 0 },
	{ "简繁与拼音检索：重建检索索引，建立输入提示", TEXTS_SEARCH },
	{ "建立公开目录的索引", 0 },
	{ "建立题名与主题词索引", TEXTS_HEADS },
	{ "三字检索：重建检索索引", TEXTS_SEARCH | TEXTS_HEADS },
	{ "精简拼音：重建检索索引", TEXTS_SEARCH | TEXTS_HEADS },
	{ "讲解预约：可限额、可取消", 0 },
	{ "简繁原字优先：重建检索索引", TEXTS_SEARCH | TEXTS_HEADS },
	{ "汇集各社区档案室的目录", 0 },
	{ "精简检索索引：正文列在前，重建检索索引", TEXTS_SEARCH },
};

/* An upgrade in progress. */
struct upgrade {
	struct hd_upgrade u;
	uint64_t base;          /* hd_fts_documents() at the step's start */
	double t0, step_t0, last;
};

/* Tell the hook event, with where g stands. */
static void upgrade_tell(struct upgrade *g, enum hd_upgrade_event event)
{
	uint64_t d = hd_fts_documents() - g->base;
	double t = hd_mono_s();

	g->last = t;
	g->u.event = event;
	g->u.done = (int64_t)d < g->u.total ? (int64_t)d : g->u.total;
	if (event == HD_UPGRADE_STEP_DONE) {
		g->u.done = g->u.total;
	}
	g->u.step_secs = t - g->step_t0;
	g->u.secs = t - g->t0;
	upgrade_fn(&g->u, upgrade_ud);
}

/* SQLite's progress handler during a step: the hook every 0.2 s. */
static int upgrade_tick(void *p)
{
	struct upgrade *g = p;

	if (hd_mono_s() - g->last >= 0.2) {
		upgrade_tell(g, HD_UPGRADE_STEP);
	}
	return 0;
}

/* g is at the step to version v: named, nothing counted yet. */
static void upgrade_name(struct upgrade *g, int v)
{
	g->u.version = v;
	g->u.what = step_info[v - 1].what;
	g->u.total = 0;
	g->base = hd_fts_documents();
	g->step_t0 = hd_mono_s();
}

/* The step g is at begins (in its transaction): its work counted from
 * the stored texts (FTS5 gives the tokenizer every one that is not NULL),
 * the hook told, and then ticked while the step runs. */
static void upgrade_begin(struct hd_archive *a, struct upgrade *g)
{
	int texts = step_info[g->u.version - 1].texts;
	sqlite3_stmt *st;

	if (texts != 0 && sqlite3_prepare_v2(a->db, "SELECT count(title) +"
	    " count(meta) + count(body), count(title) + count(meta) FROM"
	    " search", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			g->u.total = ((texts & TEXTS_SEARCH) ?
				sqlite3_column_int64(st, 0) : 0) +
				((texts & TEXTS_HEADS) ?
				sqlite3_column_int64(st, 1) : 0);
		}
		sqlite3_finalize(st);
	}
	g->step_t0 = hd_mono_s();  /* the wait for the write lock is not
	                              the step's work */
	upgrade_tell(g, HD_UPGRADE_STEP);
	sqlite3_progress_handler(a->db, 1000, upgrade_tick, g);
}

/* ------------------------------------------------ giving space back */

/* A rebuilt index leaves its old pages on the free list: the file keeps
 * its size (2.84 GB for 1.45 GB of catalogue at 200,000 records).  When
 * they are at least 1/COMPACT_SHARE of it, the upgrade makes the file
 * again without them (VACUUM). */
#define COMPACT_SHARE 10
#define COMPACT_WHAT "整理数据库文件，归还重建索引后空出的空间"

/* The folder where SQLite makes its temporary files, VACUUM's copy of
 * the catalogue among them: the first of these that is a folder this
 * process may write in, as os_unix.c (unixTempFileDir) picks it. */
static const char *sqlite_tmp_dir(void)
{
	const char *dirs[7] = { sqlite3_temp_directory,
		getenv("SQLITE_TMPDIR"), getenv("TMPDIR"), "/var/tmp",
		"/usr/tmp", "/tmp", "." };
	struct stat sb;
	size_t i;

	for (i = 0; i < 6; i++) {
		if (dirs[i] != NULL && stat(dirs[i], &sb) == 0 &&
		    S_ISDIR(sb.st_mode) && access(dirs[i], W_OK | X_OK) == 0) {
			return dirs[i];
		}
	}
	return dirs[6];
}

/* The free space for this process on the file system of dir (root may use
 * the blocks reserved for it), in bytes, and its device in *dev; -1 when
 * it cannot be told. */
static int64_t room_in(const char *dir, dev_t *dev)
{
	struct statvfs fs;
	struct stat sb;

	if (statvfs(dir, &fs) != 0 || stat(dir, &sb) != 0) {
		return -1;
	}
	*dev = sb.st_dev;
	return (int64_t)(geteuid() == 0 ? fs.f_bfree : fs.f_bavail) *
		(int64_t)fs.f_frsize;
}

/* The bytes of the catalogue's files in a->dir (hongdang.db and its
 * WAL). */
static int64_t catalogue_size(struct hd_archive *a)
{
	static const char *const names[2] = { "hongdang.db",
		"hongdang.db-wal" };
	int64_t n = 0;
	struct stat sb;
	char *path;
	int i;

	for (i = 0; i < 2; i++) {
		path = hd_xasprintf("%s/%s", a->dir, names[i]);
		n += stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
		free(path);
	}
	return n;
}

/* What giving back a's free pages would free and need into c: 0, or 1
 * when they are less than 1/COMPACT_SHARE of the file.  VACUUM writes a
 * copy of the pages in use into a temporary file (sqlite_tmp_dir) and
 * then the catalogue anew through the WAL, which the checkpoint empties
 * and truncates: it needs about the pages in use free on each of the two
 * file systems (twice on one), and a tenth more. */
static int compact_plan(struct hd_archive *a, struct hd_compact *c)
{
	int64_t page = hd_sql_number(a, "PRAGMA page_size");
	int64_t pages = hd_sql_number(a, "PRAGMA page_count");
	int64_t unused = hd_sql_number(a, "PRAGMA freelist_count");
	int64_t used, troom;
	dev_t dev = 0, tdev = 0;

	memset(c, 0, sizeof *c);
	c->size = catalogue_size(a);
	if (page <= 0 || pages <= 0 || unused < 0 ||
	    unused * COMPACT_SHARE < pages) {
		return 1;
	}
	used = (pages - unused) * page;
	c->freed = unused * page;
	c->need = used + used / 10;
	c->room = room_in(a->dir, &dev);
	troom = room_in(sqlite_tmp_dir(), &tdev);
	if (c->room >= 0 && troom >= 0 && dev == tdev) {
		c->need *= 2;
	} else if (troom >= 0 && troom < c->need) {
		c->room = troom;   /* the temporary copy's is the one short */
	}
	return 0;
}

/* hd_compact: see hd.h. */
int hd_compact(struct hd_archive *a, struct hd_compact *c,
	struct hd_error *e)
{
	char *need, *room;
	int rc;

	if (compact_plan(a, c) != 0) {
		return 1;
	}
	if (c->room < c->need) {
		need = hd_size_text((uint64_t)c->need);
		room = hd_size_text((uint64_t)(c->room > 0 ? c->room : 0));
		rc = hd_err(e, HD_ELIMIT, "%s: no room to give back the "
			"catalogue's free pages: %s free space needed (there "
			"and in %s), %s there", a->dir, need, sqlite_tmp_dir(),
			room);
		free(need);
		free(room);
		return rc;
	}
	if (hd_exec(a, "VACUUM", e) != 0 ||
	    hd_exec(a, "PRAGMA wal_checkpoint(TRUNCATE)", e) != 0) {
		return HD_EDB;
	}
	c->size_after = catalogue_size(a);
	return 0;
}

/* Give back the free pages of a's catalogue after an upgrade, when they
 * are worth it, told through g (NULL: silently): HD_UPGRADE_COMPACT, then
 * HD_UPGRADE_COMPACT_DONE, or HD_UPGRADE_COMPACT_SKIPPED with why (no
 * room, checked before; SQLite's message).  A VACUUM that fails changes
 * nothing, and the upgrade stands. */
static void compact(struct hd_archive *a, struct upgrade *g)
{
	struct hd_compact c;
	struct hd_error e;
	const char *why = NULL;

	hd_err_clear(&e);
	if (compact_plan(a, &c) != 0) {
		return;
	}
	if (g != NULL) {
		g->u.what = COMPACT_WHAT;
		g->u.compact = c;
	}
	if (c.room < c.need) {
		why = "磁盘空间不足";
	} else {
		if (g != NULL) {
			upgrade_tell(g, HD_UPGRADE_COMPACT);
		}
		if (hd_compact(a, &c, &e) != 0) {
			why = e.msg;
		}
	}
	if (g != NULL) {
		c.size_after = why != NULL ? catalogue_size(a) : c.size_after;
		g->u.compact.size_after = c.size_after;
		if (why != NULL) {
			g->u.what = why;
		}
		upgrade_tell(g, why != NULL ? HD_UPGRADE_COMPACT_SKIPPED :
			HD_UPGRADE_COMPACT_DONE);
		g->u.what = step_info[g->u.version - 1].what;
	}
}

/* Bring the schema to the newest version, each step in a transaction;
 * with tell, through the upgrade hook (when one is set).  After a step
 * that rebuilt an index, the space it left is given back (compact). */
int hd_migrate(struct hd_archive *a, int tell, struct hd_error *e)
{
	size_t n, i;
	const migrate_fn *h;
	const char *const *m = migrations(&n, &h);
	int v = hd_user_version(a), rc = 0, rebuilt = 0;
	struct upgrade g, *gp = NULL;
	char sql[64];

	if (v < 0) {
		return hd_sql_err(a, e, "read user_version");
	}
	if ((size_t)v > n) {
		return hd_err(e, HD_EDB, "%s/hongdang.db: schema version %d is "
			"newer than this program (%zu)", a->dir, v, n);
	}
	if (tell && upgrade_fn != NULL && (size_t)v < n) {
		memset(&g, 0, sizeof g);
		g.u.dir = a->dir;
		g.u.from = v;
		g.u.to = (int)n;
		g.t0 = hd_mono_s();
		gp = &g;
		upgrade_name(gp, v + 1);
		upgrade_tell(gp, HD_UPGRADE_START);
	}
	for (i = (size_t)v; i < n && rc == 0; i++) {
		if (gp != NULL) {
			upgrade_name(gp, (int)i + 1);
		}
		if (hd_exec(a, "BEGIN IMMEDIATE", e) != 0) {
			rc = HD_EDB;
			break;
		}
		if (hd_user_version(a) > (int)i) {
			/* another process migrated while we waited */
			hd_exec(a, "COMMIT", NULL);
			continue;
		}
		if (gp != NULL) {
			upgrade_begin(a, gp);
		}
		snprintf(sql, sizeof sql, "PRAGMA user_version = %zu", i + 1);
		rc = HD_EDB;
		if (hd_exec(a, m[i], e) == 0 &&
		    (h[i] == NULL || h[i](a, e) == 0) && hd_exec(a, sql, e) == 0 &&
		    hd_exec(a, "COMMIT", e) == 0) {
			rc = 0;
			rebuilt |= step_info[i].texts != 0;
		} else {
			hd_exec(a, "ROLLBACK", NULL);
		}
		if (gp != NULL) {
			sqlite3_progress_handler(a->db, 0, NULL, NULL);
			if (rc == 0) {
				upgrade_tell(gp, HD_UPGRADE_STEP_DONE);
			}
		}
	}
	if (rc == 0 && rebuilt && v > 0) {
		compact(a, gp);
	}
	if (gp != NULL) {
		upgrade_tell(gp, rc == 0 ? HD_UPGRADE_DONE :
			HD_UPGRADE_FAILED);
	}
	return rc;
}

/* 1 when the schema needs no migration. */
int hd_schema_current(struct hd_archive *a)
{
	const migrate_fn *h;
	size_t n;

	migrations(&n, &h);
	return hd_user_version(a) >= (int)n;
}
