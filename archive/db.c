/*
 * db.c - the catalogue database: opening a data folder, transactions,
 * every SQL statement the library runs, and the runner that binds their
 * values (the schema's later versions are migrate.c).
 *
 * Every statement is in the table below, each named and every value
 * bound.  Statements that return what a visitor may see (the *_PUBLIC
 * ones) carry "status = 'approved' AND access = 'public'" in their text:
 * there is no flag to forget.  Connections use WAL, foreign keys and
 * synchronous=FULL (a committed batch survives a power cut), and register
 * the "hongdang" tokenizer before touching the search index.
 */
#include "internal.h"
#include "fts.h"
#include "harvest_sql.h"
#include "oai_sql.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>


#define VISIBLE " r.status = 'approved' AND r.access = 'public' "

/* The filters shared by the search statements:
 * ?1 match, ?2 year from, ?3 year to, ?4 category, ?5 class, ?6 fonds,
 * ?7 place, ?8 person, over the full-text table t (search, or heads: the
 * title and meta columns alone).  CROSS JOIN keeps the full-text index
 * in the outer loop: with a plain JOIN the planner walks every public
 * record by records_visible and probes the index for each (seconds at
 * 200,000 records instead of milliseconds). */
#define SEARCH_FROM(t) \
	" FROM " t " s CROSS JOIN records r ON r.id = s.rowid" \
	" WHERE " t " MATCH ?1" RECORD_FILTER
#define RECORD_FILTER \
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

/* The walk of search.c (?1 made with HD_LEAN, fts.h): the matches older
 * than ?10 newest first, at most ?9 (-1: all),
 * each with what the facets count and its relevance by hd_rank (fts.c:
 * title above meta above body, the query's own characters above a match
 * through folding (?16, the roles of ?1's phrases), then term frequency,
 * doubled where the query's words stand side by side as typed, times the
 * text quality of OCR'd records: doubtful OCR below clean text).  FTS5
 * gives rowids in order without reading further than the LIMIT, where
 * bm25() or ORDER BY rank would first score every match. */
#define WALK_SQL(t, vis) \
	"SELECT r.id, r.year, r.category, r.place," \
	" hd_rank(" t ", r.text_quality, 1, ?16)" \
	SEARCH_FROM(t) vis " AND s.rowid < ?10 ORDER BY s.rowid DESC" \
	" LIMIT ?9"

/* The staff catalogue (search.c, HD_ARCHIVIST): beyond the filters of
 * SEARCH_FROM, ?11 status, ?12 access, ?13 batch and ?14 a location (the
 * records kept there or inside it); after the walk's columns each
 * record's status, access and its key for the order ?15 (1 date, undated
 * after "9999"; 2 reference code; 3 last change; else NULL). */
#define STAFF_FILTER \
	" AND (?11 IS NULL OR r.status = ?11)" \
	" AND (?12 IS NULL OR r.access = ?12)" \
	" AND (?13 IS NULL OR r.batch_id = ?13)" \
	" AND (?14 IS NULL OR" IN_PLACE("?14") ")"
#define STAFF_COLS \
	", r.status, r.access, CASE ?15" \
	" WHEN 1 THEN CASE WHEN r.year > 0 THEN printf('%04d', r.year)" \
	"  || coalesce(r.date, '') ELSE '~' END" \
	" WHEN 2 THEN r.ref WHEN 3 THEN r.updated END"
#define WALK_STAFF_SQL(t) \
	"SELECT r.id, r.year, r.category, r.place," \
	" hd_rank(" t ", r.text_quality, 1, ?16)" STAFF_COLS \
	SEARCH_FROM(t) STAFF_FILTER " AND s.rowid < ?10" \
	" ORDER BY s.rowid DESC LIMIT ?9"

/* One hit of the page, by ?2 its id, with its snippet of the body
 * (search's column 0 since migrate.c's version 11; its marks widened by
 * ?3: see hd_snippet in fts.c, read by hd_snippet_read) and the first
 * image for a thumbnail. */
#define HIT_SQL(vis, more) \
	"SELECT r.ref, r.title, r.date, r.year, r.category, r.class," \
	" r.access, r.status," \
	" hd_snippet(search, 0, ?3)," \
	" (SELECT f.sha256 FROM files f WHERE f.record_id = r.id" \
	"   AND f.mime LIKE 'image/%' ORDER BY f.seq LIMIT 1)" more \
	" FROM search CROSS JOIN records r ON r.id = search.rowid" \
	" WHERE search MATCH ?1 AND search.rowid = ?2" vis

/* Suggestions while typing (suggest.c): ?1 what was typed (folded as the
 * keys are), ?2 the end of its key range (?1 followed by U+10FFFF), ?3
 * limit.  The first 2,000 keys of the range are looked at (only a prefix
 * of one or two letters has more) and the best 200 of their terms are
 * checked against the records: a term shows only while an approved
 * public record carries it.  VISIBLE_ROW is VISIBLE with unary plus
 * signs, which keep the planner from walking records_visible instead of
 * the title, place or term index (hundreds of milliseconds at 200,000
 * records). */
#define VISIBLE_ROW " +r.status = 'approved' AND +r.access = 'public' "
#define SUGGEST_SHOWS(kind, term) \
	" CASE " kind " WHEN 'title' THEN EXISTS (SELECT 1 FROM records r" \
	"  WHERE r.title = " term " AND" VISIBLE_ROW ")" \
	" WHEN 'place' THEN EXISTS (SELECT 1 FROM records r" \
	"  WHERE r.place = " term " AND" VISIBLE_ROW ")" \
	" ELSE EXISTS (SELECT 1 FROM terms t CROSS JOIN records r" \
	"  ON r.id = t.record_id WHERE t.kind = " kind \
	"  AND t.term = " term " AND" VISIBLE_ROW ") END"
#define SUGGEST_SQL \
	"SELECT c.kind, c.term, c.pinyin FROM" \
	" (SELECT s.kind, s.term, s.pinyin, s.n, k.exact FROM" \
	"  (SELECT id, max(key = ?1) AS exact FROM" \
	"   (SELECT key, id FROM suggest_keys WHERE key >= ?1 AND key < ?2" \
	"    LIMIT 2000) GROUP BY id) k" \
	"  JOIN suggest s ON s.id = k.id" \
	"  ORDER BY k.exact DESC, s.n DESC, length(s.term), s.term" \
	"  LIMIT 200) c" \
	" WHERE" SUGGEST_SHOWS("c.kind", "c.term") \
	" ORDER BY c.exact DESC, c.n DESC, length(c.term), c.term LIMIT ?3"

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
	" (SELECT count(*) FROM files f WHERE f.record_id IN" \
	"  (SELECT r.id FROM records r " where "))," \
	" (SELECT coalesce(sum(coalesce(r.pages, 0)), 0) FROM records r " \
	where ")" \
	" FROM records r " where

/* The review queue: ?1 status, ?2 limit.  The last decision's detail
 * and agent come with each record. */
#define QUEUE_SQL \
	"SELECT r.id, r.ref, r.title, r.date, r.category, r.access," \
	" r.status, r.updated," LIST_THUMB "," \
	" (SELECT e.detail FROM events e WHERE e.record_id = r.id" \
	"  AND e.type IN ('review', 'withdraw') ORDER BY e.id DESC LIMIT 1)," \
	" (SELECT e.agent FROM events e WHERE e.record_id = r.id" \
	"  AND e.type IN ('review', 'withdraw') ORDER BY e.id DESC LIMIT 1)" \
	" FROM records r"

/* A month in China time (UTC+8, no daylight saving) of an ISO column. */
#define CHINA_MONTH(col) "strftime('%Y-%m', " col ", '+8 hours')"

/* The event log: ?1 record id, ?2 type, ?3 agent, ?4 since (ISO UTC),
 * each NULL for any; ?5 limit, ?6 offset. */
#define AUDIT_WHERE \
	" WHERE (?1 IS NULL OR e.record_id = ?1)" \
	" AND (?2 IS NULL OR e.type = ?2)" \
	" AND (?3 IS NULL OR e.agent = ?3)" \
	" AND (?4 IS NULL OR e.at >= ?4)"
#define AUDIT_SQL \
	"SELECT e.id, e.at, e.type, e.agent, e.detail, r.ref FROM events e" \
	" LEFT JOIN records r ON r.id = e.record_id" AUDIT_WHERE

/* A record kept at location path or anywhere inside it (a path and the
 * paths below it, "一号库房" and "一号库房-01柜-…"). */
#define IN_PLACE(path) \
	" (r.location = " path " OR substr(r.location, 1," \
	" length(" path ") + 1) = " path " || '-')"

#define TRANSFER_SQL \
	"SELECT id, direction, uuid, peer, reason, items, pages, files," \
	" bytes, manifest, at, agent, path, detail, confirmed, receipt" \
	" FROM transfers"

/* A booking as staff see it (visits.c's visit_from_row reads these). */
#define VISIT_COLUMNS "id, day, slot, grp, contact, people, free, price," \
	" created, remote, coalesce(cancelled, ''), coalesce(cancelled_by, '')"

static const char *const sqls[SQL__COUNT] = {
	/* the paper storage room (room.c) */
	[SQL_LOCATION_INSERT] = "INSERT OR IGNORE INTO locations (path, parent,"
		" depth, created) VALUES (?1, ?2, ?3, ?4)",
	[SQL_LOCATION_GET] = "SELECT id FROM locations WHERE path = ?1",
	[SQL_LOCATION_LIST] = "SELECT l.path, l.depth, (SELECT count(*)"
		" FROM records r WHERE" IN_PLACE("l.path") ") FROM locations l"
		" ORDER BY l.path",
	[SQL_LOCATION_USED] = "SELECT 1 FROM records r WHERE" IN_PLACE("?1")
		" LIMIT 1",
	[SQL_RECORD_LOCATE] = "SELECT id, location, title FROM records"
		" WHERE ref = ?1",
	[SQL_RECORD_SET_LOCATION] = "UPDATE records SET location = ?2,"
		" updated = ?3 WHERE id = ?1",
	[SQL_READINGS_SINCE] = "SELECT at, room, temp, rh FROM storage_readings"
		" WHERE at >= ?1 AND (?2 IS NULL OR room = ?2) ORDER BY at, id",
	[SQL_READING_LAST] = "SELECT at, room, temp, rh FROM storage_readings"
		" ORDER BY id DESC LIMIT 1",
	[SQL_READING_INSERT] = "INSERT INTO storage_readings (at, room, temp,"
		" rh, agent) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQL_INVENTORY_INSERT] = "INSERT INTO inventories (scope, started,"
		" agent) VALUES (?1, ?2, ?3)",
	[SQL_INVENTORY_GET] = "SELECT scope, started, finished, agent, report"
		" FROM inventories WHERE id = ?1",
	[SQL_INVENTORY_LIST] = "SELECT id, scope, started, finished, agent,"
		" (SELECT count(*) FROM inventory_items i"
		"  WHERE i.inventory_id = v.id) FROM inventories v ORDER BY id",
	[SQL_INVENTORY_ITEM_INSERT] = "INSERT OR IGNORE INTO inventory_items"
		" (inventory_id, ref, record_id, at_location, found)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQL_INVENTORY_ITEMS] = "SELECT i.ref, i.at_location, r.id,"
		" r.location, r.title FROM inventory_items i"
		" LEFT JOIN records r ON r.id = i.record_id"
		" WHERE i.inventory_id = ?1 ORDER BY i.found, i.ref",
	[SQL_INVENTORY_EXPECTED] = "SELECT r.id, r.ref, r.title, r.location"
		" FROM records r WHERE" IN_PLACE("?1")
		" ORDER BY r.location, r.ref",
	[SQL_INVENTORY_FINISH] = "UPDATE inventories SET finished = ?2,"
		" report = ?3 WHERE id = ?1 AND finished IS NULL",
	/* the fixity audit (verify.c) */
	[SQL_RECORDS_OF_OBJECT] = "SELECT DISTINCT r.ref FROM files f"
		" JOIN records r ON r.id = f.record_id WHERE f.sha256 = ?1"
		" ORDER BY r.ref",
	/* transfer (transfer.c) */
	[SQL_RECORDS_OF_PERSON] = "SELECT r.ref FROM records r WHERE EXISTS"
		" (SELECT 1 FROM terms t WHERE t.record_id = r.id"
		" AND t.kind = 'person' AND t.term = ?1) ORDER BY r.ref",
	[SQL_RECORD_BY_FILE] = "SELECT r.ref, r.batch_id, r.id FROM files f"
		" JOIN records r"
		" ON r.id = f.record_id WHERE f.sha256 = ?1"
		" ORDER BY r.id DESC LIMIT 1",
	[SQL_TRANSFER_INSERT] = "INSERT INTO transfers (direction, uuid,"
		" peer, reason, items, pages, files, bytes, manifest, at,"
		" agent, path, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" ?8, ?9, ?10, ?11, ?12, ?13)",
	[SQL_TRANSFER_BY_UUID] = TRANSFER_SQL " WHERE direction = ?1"
		" AND uuid = ?2",
	[SQL_TRANSFER_GET] = TRANSFER_SQL " WHERE id = ?1",
	[SQL_TRANSFER_LIST] = TRANSFER_SQL " ORDER BY id",
	[SQL_TRANSFER_CONFIRM] = "UPDATE transfers SET confirmed = ?2,"
		" receipt = ?3 WHERE id = ?1 AND confirmed IS NULL",
	OAI_SQLS
	[SQL_EVENT_FIRST] = "SELECT hash FROM events ORDER BY id LIMIT 1",
	/* backup (backup.c) */
	[SQL_QUICK_CHECK] = "PRAGMA quick_check",
	[SQL_FONDS_BY_CODE] = "SELECT id, name FROM fonds WHERE code = ?1",
	[SQL_DATA_VERSION] = "PRAGMA data_version",
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
	[SQL_HEADS_INSERT] = "INSERT INTO heads (rowid, title, meta)"
		" VALUES (?1, ?2, ?3)",
	[SQL_FTS_HASHSIZE] = "INSERT INTO search (search, rank)"
		" VALUES ('hashsize', ?1)",
	/* ?1 negative: merge every segment, as 'optimize' does, for at
	 * most -?1 pages of work */
	[SQL_MERGE_SEARCH] = "INSERT INTO search (search, rank)"
		" VALUES ('merge', ?1)",
	[SQL_MERGE_HEADS] = "INSERT INTO heads (heads, rank)"
		" VALUES ('merge', ?1)",
	[SQL_SEGMENTS] = "SELECT (SELECT count(DISTINCT segid) FROM"
		" search_idx), (SELECT count(DISTINCT segid) FROM heads_idx)",
	/* what SEARCH_FROM, WALK_SQL and VISIBLE read of a record */
	[SQL_WARM] = "SELECT id, year, year_end, category, class, fonds_id,"
		" place, access, status, text_quality FROM records"
		" WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
	/* and what the person facet (SQL_PERSONS_OF) reads of them */
	[SQL_WARM_TERMS] = "SELECT record_id, kind, term FROM terms"
		" WHERE record_id < ?1 AND record_id >= ?2",
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
	[SQL_EVENTS_TAIL] = "SELECT e.id, e.at, e.type, e.record_id, e.agent,"
		" e.detail, e.prev, e.hash, r.ref FROM events e LEFT JOIN"
		" records r ON r.id = e.record_id WHERE e.id > (SELECT"
		" coalesce(max(id), 0) FROM events) - ?1 ORDER BY e.id",
	[SQL_WALK_ALL] = WALK_STAFF_SQL("search"),
	[SQL_WALK_PUBLIC] = WALK_SQL("search", " AND" VISIBLE),
	[SQL_WALK_HEADS_ALL] = WALK_STAFF_SQL("heads"),
	[SQL_WALK_HEADS_PUBLIC] = WALK_SQL("heads", " AND" VISIBLE),
	/* the staff catalogue without a query: the records the filters
	 * choose, in the walk's columns (relevance 0), newest first */
	[SQL_LIST_ALL] = "SELECT r.id, r.year, r.category, r.place, 0.0"
		STAFF_COLS " FROM records r WHERE 1" RECORD_FILTER
		STAFF_FILTER " AND r.id < ?10 ORDER BY r.id DESC LIMIT ?9",
	[SQL_HIT_ALL] = HIT_SQL("", ", r.updated, r.location"),
	[SQL_HIT_PUBLIC] = HIT_SQL(" AND" VISIBLE, ""),
	/* a hit of that list, as SQL_HIT_ALL gives one, its snippet the
	 * first 120 characters of the description (and whether it goes
	 * on) */
	[SQL_LIST_HIT_ALL] = "SELECT r.ref, r.title, r.date, r.year,"
		" r.category, r.class, r.access, r.status,"
		" substr(coalesce(r.description, ''), 1, 120)," LIST_THUMB ","
		" r.updated, r.location, length(r.description) > 120"
		" FROM records r WHERE r.id = ?2",
	[SQL_PERSONS_OF] = "SELECT term FROM terms WHERE record_id = ?1"
		" AND kind = 'person'",
	[SQL_FIRST_IMAGE] = "SELECT sha256 FROM files WHERE record_id = ?1"
		" AND mime LIKE 'image/%' ORDER BY seq LIMIT 1",
	[SQL_STATS_ALL] = STATS_SQL(""),
	[SQL_STATS_PUBLIC] = STATS_SQL("WHERE" VISIBLE),
	[SQL_OBJECT_PUBLIC] = "SELECT 1 FROM files f JOIN records r"
		" ON r.id = f.record_id WHERE f.sha256 = ?1 AND" VISIBLE
		" LIMIT 1",
	[SQL_OBJECT_MIME] = "SELECT mime FROM files WHERE sha256 = ?1"
		" LIMIT 1",
	/* the page of ids first, from the narrow index records_list; the
	 * wide rows, descriptions and thumbnails only for that page (a
	 * sorter would otherwise carry them for every record) */
	[SQL_LIST_PUBLIC] = "WITH top AS (SELECT r.id AS id FROM records r"
		" WHERE" VISIBLE LIST_FILTER
		" ORDER BY CASE WHEN ?6 = 1 THEN -r.year ELSE r.year END,"
		" r.date, r.ref LIMIT ?7 OFFSET ?8)"
		" SELECT r.id, r.ref, r.title, r.date, r.year,"
		" r.category, r.class, r.access, r.status,"
		" substr(coalesce(r.description, ''), 1, 120)," LIST_THUMB
		" FROM top JOIN records r ON r.id = top.id"
		" ORDER BY CASE WHEN ?6 = 1 THEN -r.year ELSE r.year END,"
		" r.date, r.ref",
	[SQL_LIST_COUNT_PUBLIC] = "SELECT count(*) FROM records r WHERE"
		VISIBLE LIST_FILTER,
	[SQL_DECADES_PUBLIC] = "SELECT r.year / 10 * 10 AS d, count(*)"
		" FROM records r WHERE" VISIBLE " AND r.year IS NOT NULL"
		" GROUP BY d ORDER BY d",
	/* Records sharing a subject or person (ranked by how many terms
	 * they share) and records of the same class and decade, nearest
	 * year first.  The candidates come from the term and list indexes;
	 * only the chosen few are read whole. */
	[SQL_RELATED_PUBLIC] = "WITH me AS (SELECT id, class, year FROM records"
		" WHERE id = ?1),"
		" cand(id, shared) AS (SELECT t2.record_id, count(*) FROM terms t1"
		" JOIN terms t2 ON t2.kind = t1.kind AND t2.term = t1.term"
		" WHERE t1.record_id = ?1 AND t2.record_id != ?1"
		" GROUP BY t2.record_id"
		" UNION ALL SELECT r.id, 0 FROM records r, me"
		" WHERE r.class IS me.class AND r.year >= me.year / 10 * 10"
		" AND r.year < me.year / 10 * 10 + 10 AND r.id != me.id AND"
		VISIBLE "),"
		" top(id, shared, dy, ref) AS (SELECT r.id, max(c.shared),"
		" abs(coalesce(r.year, 0) - coalesce((SELECT year FROM me), 0)),"
		" r.ref FROM cand c JOIN records r ON r.id = c.id WHERE" VISIBLE
		" GROUP BY r.id ORDER BY 2 DESC, 3, 4 LIMIT ?2)"
		" SELECT r.id, r.ref, r.title, r.date, r.year,"
		" r.category, r.class, r.access, r.status,"
		" substr(coalesce(r.description, ''), 1, 120)," LIST_THUMB
		" FROM top JOIN records r ON r.id = top.id"
		" ORDER BY top.shared DESC, top.dy, top.ref",
	[SQL_LAST_EVENT_OF_TYPE] = "SELECT at, detail FROM events"
		" WHERE type = ?1 ORDER BY id DESC LIMIT 1",
	/* bookings (visits.c) */
	[SQL_VISITS_OF_DAY] = "SELECT slot, coalesce(sum(people), 0), count(*)"
		" FROM visits WHERE day = ?1 AND cancelled IS NULL"
		" GROUP BY slot",
	[SQL_VISIT_INSERT] = "INSERT INTO visits (day, slot, grp, grp_key,"
		" contact, contact_key, people, free, price, created, at,"
		" remote, form) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		" ?10, ?11, ?12, ?13)",
	[SQL_VISIT_GROUP_TAKEN] = "SELECT id FROM visits WHERE day = ?1"
		" AND slot = ?2 AND grp_key = ?3 AND cancelled IS NULL LIMIT 1",
	[SQL_VISIT_FORM_USED] = "SELECT id FROM visits WHERE form = ?1",
	/* the contact's bookings not cancelled whose slot (?2 "YYYY-MM-DD
	 * HH:MM", China time) has not begun; ?3 its day, for the index */
	/* the count, and when the ?4-th latest begins (ends) */
	[SQL_VISIT_OPEN_OF_CONTACT] = "SELECT count(*), (SELECT day || ' '"
		" || slot FROM visits WHERE contact_key = ?1 AND day >= ?3"
		" AND cancelled IS NULL AND day || ' ' || slot > ?2"
		" ORDER BY 1 DESC LIMIT 1 OFFSET ?4) FROM visits"
		" WHERE contact_key = ?1 AND day >= ?3 AND cancelled IS NULL"
		" AND day || ' ' || slot > ?2",
	[SQL_VISIT_RECENT_OF_REMOTE] = "SELECT count(*), (SELECT at FROM"
		" visits WHERE remote = ?1 AND at > ?2 ORDER BY at DESC"
		" LIMIT 1 OFFSET ?3) FROM visits WHERE remote = ?1 AND at > ?2",
	[SQL_VISIT_LIST] = "SELECT " VISIT_COLUMNS " FROM visits"
		" WHERE day >= ?1 AND day < ?2 ORDER BY day, slot, id",
	[SQL_VISIT_GET] = "SELECT " VISIT_COLUMNS " FROM visits WHERE id = ?1",
	[SQL_VISIT_CANCEL] = "UPDATE visits SET cancelled = ?2,"
		" cancelled_by = ?3 WHERE id = ?1 AND cancelled IS NULL",
	[SQL_VISIT_ALL] = "SELECT id, grp, contact FROM visits",
	[SQL_VISIT_SET_KEYS] = "UPDATE visits SET grp_key = ?2,"
		" contact_key = ?3 WHERE id = ?1",
	[SQL_CLASS_COUNTS_PUBLIC] = "SELECT r.class, count(*) FROM records r"
		" WHERE" VISIBLE " GROUP BY r.class",
	[SQL_RECORD_BODY] = "SELECT body FROM search WHERE rowid = ?1",
	/* page text (pagetext.c): ?1 record, ?2 file seq, ?3 page, ?4 text,
	 * ?5 confidence */
	[SQL_PAGE_INSERT] = "INSERT OR REPLACE INTO pages (file_id, page, text,"
		" confidence) SELECT id, ?3, ?4, ?5 FROM files"
		" WHERE record_id = ?1 AND seq = ?2",
	[SQL_QUALITY_SET] = "UPDATE records SET text_quality = ("
		HD_QUALITY_SQL "?1) WHERE id = ?1",
	[SQL_PAGES_OF] = "SELECT f.seq, p.page, p.text, p.confidence"
		" FROM pages p JOIN files f ON f.id = p.file_id"
		" WHERE f.record_id = ?1 ORDER BY f.seq, p.page",
	/* accounts and sessions (account.c) */
	[SQL_USER_INSERT] = "INSERT INTO users (name, role, pwhash, created)"
		" VALUES (?1, ?2, ?3, ?4)",
	[SQL_USER_GET] = "SELECT id, name, role, pwhash, disabled, created,"
		" coalesce(last_login, '') FROM users WHERE name = ?1",
	[SQL_USER_LIST] = "SELECT id, name, role, '', disabled, created,"
		" coalesce(last_login, '') FROM users ORDER BY name",
	[SQL_USER_SET_DISABLED] = "UPDATE users SET disabled = ?2"
		" WHERE id = ?1",
	[SQL_USER_SET_HASH] = "UPDATE users SET pwhash = ?2 WHERE id = ?1",
	[SQL_USER_SET_LOGIN] = "UPDATE users SET last_login = ?2"
		" WHERE id = ?1",
	[SQL_SESSION_INSERT] = "INSERT INTO sessions (id_hash, user_id, csrf,"
		" created, seen, remote) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
	[SQL_SESSION_GET] = "SELECT s.user_id, u.name, u.role, u.disabled,"
		" s.csrf, s.created, s.seen FROM sessions s"
		" JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?1",
	[SQL_SESSION_TOUCH] = "UPDATE sessions SET seen = ?2"
		" WHERE id_hash = ?1",
	[SQL_SESSION_DELETE] = "DELETE FROM sessions WHERE id_hash = ?1",
	[SQL_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1",
	[SQL_SESSION_PURGE] = "DELETE FROM sessions WHERE seen < ?1"
		" OR created < ?2",
	[SQL_LOGIN_INSERT] = "INSERT INTO login_attempts (at, name, remote,"
		" ok) VALUES (?1, ?2, ?3, ?4)",
	/* failures, newest first, since ?3 (Unix seconds), ?4 at most: of
	 * the name ?1 from anywhere since its last success; of ?1 from the
	 * address ?2 since its last success from there; from the address ?2
	 * for names it has not since logged in to (a gap in the numbers is
	 * a parameter no one reads) */
	[SQL_LOGIN_FAILS_NAME] = "SELECT at FROM login_attempts"
		" WHERE name = ?1 AND ok = 0 AND at >= ?3 AND id >"
		" coalesce((SELECT max(id) FROM login_attempts"
		" WHERE name = ?1 AND ok = 1), 0) ORDER BY id DESC LIMIT ?4",
	[SQL_LOGIN_FAILS_PAIR] = "SELECT at FROM login_attempts"
		" WHERE name = ?1 AND remote = ?2 AND ok = 0 AND at >= ?3"
		" AND id > coalesce((SELECT max(id) FROM login_attempts"
		" WHERE name = ?1 AND remote = ?2 AND ok = 1), 0)"
		" ORDER BY id DESC LIMIT ?4",
	/* an address's failures count until that same name succeeds from
	 * it: a mistyped password is forgiven by the right one, but one
	 * login to one's own account does not reset guessing at others */
	[SQL_LOGIN_FAILS_REMOTE] = "SELECT f.at FROM login_attempts f"
		" WHERE f.remote = ?2 AND f.ok = 0 AND f.at >= ?3"
		" AND NOT EXISTS (SELECT 1 FROM login_attempts s"
		" WHERE s.remote = ?2 AND s.name = f.name AND s.ok = 1"
		" AND s.id > f.id) ORDER BY f.id DESC LIMIT ?4",
	[SQL_LOGIN_SET_OK] = "UPDATE login_attempts SET ok = 1 WHERE id = ?1",
	[SQL_LOGIN_PURGE] = "DELETE FROM login_attempts WHERE at < ?1",
	[SQL_LOGIN_FORGET_NAME] = "DELETE FROM login_attempts"
		" WHERE name = ?1",
	/* review (review.c) */
	[SQL_RECORD_STATE] = "SELECT id, status, access FROM records"
		" WHERE ref = ?1",
	[SQL_RECORD_SET_STATUS] = "UPDATE records SET status = ?2,"
		" updated = ?3 WHERE id = ?1",
	[SQL_RECORD_UPDATE] = "UPDATE records SET title = ?2, creator = ?3,"
		" date = ?4, year = ?5, year_end = ?6, place = ?7,"
		" description = ?8, access = ?9, location = ?10, status = ?11,"
		" updated = ?12 WHERE id = ?1",
	[SQL_TERMS_DELETE] = "DELETE FROM terms WHERE record_id = ?1"
		" AND kind = ?2",
	[SQL_FTS_UPDATE] = "UPDATE search SET title = ?2, meta = ?3,"
		" body = ?4 WHERE rowid = ?1",
	[SQL_HEADS_UPDATE] = "UPDATE heads SET title = ?2, meta = ?3"
		" WHERE rowid = ?1",
	[SQL_REVIEW_QUEUE] = QUEUE_SQL " WHERE r.status = ?1"
		" ORDER BY r.updated, r.id LIMIT ?2",
	[SQL_REVIEW_QUEUE_ALL] = QUEUE_SQL " WHERE r.status != 'approved'"
		" ORDER BY r.updated, r.id LIMIT ?2",
	[SQL_ADMIN_COUNTS] = "SELECT"
		" (SELECT count(*) FROM records WHERE status = 'pending'),"
		" (SELECT count(*) FROM records WHERE status = 'returned'),"
		" (SELECT count(*) FROM records WHERE status = 'withdrawn'),"
		" (SELECT count(*) FROM consult_requests"
		"  WHERE status = 'pending')",
	[SQL_OBJECT_STAFF] = "SELECT 1 FROM files f JOIN records r"
		" ON r.id = f.record_id WHERE f.sha256 = ?1"
		" AND r.access != 'restricted' LIMIT 1",
	/* consultation (consult.c) */
	[SQL_CONSULT_INSERT] = "INSERT INTO consult_requests (person, org,"
		" purpose, note, kinds, days, created, requester) VALUES (?1,"
		" ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[SQL_CONSULT_ITEM_INSERT] = "INSERT OR IGNORE INTO consult_items"
		" (request_id, record_id) VALUES (?1, ?2)",
	/* ?1 status, ?2 account, ?3 id (each NULL for any), ?4 limit */
	[SQL_CONSULT_LIST] = "SELECT c.id, c.person, c.org, c.purpose,"
		" c.note, c.kinds, c.days, c.status, c.created, c.requester,"
		" u.name, c.granted, c.valid_from, c.valid_until, c.decided_by,"
		" c.decided_at, c.reason FROM consult_requests c"
		" LEFT JOIN users u ON u.id = c.user_id"
		" WHERE (?1 IS NULL OR c.status = ?1)"
		" AND (?2 IS NULL OR u.name = ?2)"
		" AND (?3 IS NULL OR c.id = ?3) ORDER BY c.id DESC LIMIT ?4",
	[SQL_CONSULT_ITEMS] = "SELECT r.ref, r.id FROM consult_items i"
		" JOIN records r ON r.id = i.record_id WHERE i.request_id = ?1"
		" ORDER BY r.ref",
	[SQL_CONSULT_APPROVE] = "UPDATE consult_requests SET"
		" status = 'approved', user_id = ?2, granted = ?3,"
		" valid_from = ?4, valid_until = ?5, decided_by = ?6,"
		" decided_at = ?7 WHERE id = ?1 AND status = 'pending'",
	[SQL_CONSULT_REFUSE] = "UPDATE consult_requests SET"
		" status = 'refused', reason = ?2, decided_by = ?3,"
		" decided_at = ?4 WHERE id = ?1 AND status = 'pending'",
	/* ?1 record, ?2 account, ?3 today, ?4 kind */
	[SQL_CONSULT_ALLOWED] = "SELECT c.id FROM consult_requests c"
		" JOIN consult_items i ON i.request_id = c.id"
		" WHERE i.record_id = ?1 AND c.user_id = ?2"
		" AND c.status = 'approved' AND c.valid_from <= ?3"
		" AND c.valid_until >= ?3"
		" AND instr(',' || c.granted || ',', ',' || ?4 || ',') > 0"
		" ORDER BY c.id DESC LIMIT 1",
	[SQL_CONSULT_USE_INSERT] = "INSERT INTO consult_uses (at, request_id,"
		" record_id, user_id, kind, file) VALUES (?1, ?2, ?3, ?4, ?5,"
		" ?6)",
	[SQL_CONSULT_USED] = "SELECT 1 FROM consult_uses u JOIN records r"
		" ON r.id = u.record_id WHERE u.user_id = ?1 AND r.ref = ?2"
		" AND u.file = ?3 AND u.kind = ?4 AND u.at >= ?5 LIMIT 1",
	[SQL_CONSULT_STATS_MONTH] = "WITH k(m) AS ("
		" SELECT " CHINA_MONTH("created") " FROM consult_requests"
		" UNION SELECT " CHINA_MONTH("at") " FROM consult_uses)"
		" SELECT m, (SELECT count(*) FROM consult_requests c"
		"  WHERE " CHINA_MONTH("c.created") " = m),"
		" (SELECT count(*) FROM consult_items i JOIN consult_requests c"
		"  ON c.id = i.request_id WHERE " CHINA_MONTH("c.created")
		" = m),"
		" (SELECT count(*) FROM consult_uses u"
		"  WHERE " CHINA_MONTH("u.at") " = m)"
		" FROM k ORDER BY m",
	[SQL_CONSULT_STATS_CATEGORY] = "SELECT r.category,"
		" count(DISTINCT i.request_id), count(*),"
		" (SELECT count(*) FROM consult_uses u JOIN records r2"
		"  ON r2.id = u.record_id WHERE r2.category = r.category)"
		" FROM consult_items i JOIN records r ON r.id = i.record_id"
		" GROUP BY r.category ORDER BY r.category",
	[SQL_CONSULT_STATS_PURPOSE] = "SELECT c.purpose, count(*),"
		" (SELECT count(*) FROM consult_items i JOIN consult_requests c2"
		"  ON c2.id = i.request_id WHERE c2.purpose = c.purpose),"
		" (SELECT count(*) FROM consult_uses u JOIN consult_requests c3"
		"  ON c3.id = u.request_id WHERE c3.purpose = c.purpose)"
		" FROM consult_requests c GROUP BY c.purpose ORDER BY c.purpose",
	/* audit (audit.c) */
	[SQL_AUDIT_LIST_ASC] = AUDIT_SQL " ORDER BY e.id LIMIT ?5 OFFSET ?6",
	[SQL_AUDIT_LIST_DESC] = AUDIT_SQL
		" ORDER BY e.id DESC LIMIT ?5 OFFSET ?6",
	[SQL_AUDIT_COUNT] = "SELECT count(*) FROM events e" AUDIT_WHERE,
	/* suggestions while typing (suggest.c) */
	[SQL_SUGGEST_FIND] = "SELECT id FROM suggest WHERE kind = ?1"
		" AND term = ?2",
	[SQL_SUGGEST_INSERT] = "INSERT INTO suggest (kind, term, pinyin, n)"
		" VALUES (?1, ?2, ?3, ?4)",
	[SQL_SUGGEST_COUNT] = "UPDATE suggest SET n = n + ?2 WHERE id = ?1",
	[SQL_SUGGEST_KEY_INSERT] = "INSERT OR IGNORE INTO suggest_keys"
		" (key, id) VALUES (?1, ?2)",
	[SQL_SUGGEST_CLEAR] = "DELETE FROM suggest",
	[SQL_SUGGEST_CLEAR_KEYS] = "DELETE FROM suggest_keys",
	[SQL_SUGGEST_SOURCE] = "SELECT 'title', r.title, sum(" VISIBLE ")"
		" FROM records r GROUP BY r.title"
		" UNION ALL SELECT 'place', r.place, sum(" VISIBLE ")"
		" FROM records r WHERE r.place != '' GROUP BY r.place"
		" UNION ALL SELECT t.kind, t.term, sum(" VISIBLE ")"
		" FROM terms t JOIN records r ON r.id = t.record_id"
		" GROUP BY t.kind, t.term",
	[SQL_SUGGEST_PUBLIC] = SUGGEST_SQL,
	[SQL_TOP_SUBJECTS_PUBLIC] = "SELECT t.term, count(*) AS n FROM terms t"
		" JOIN records r ON r.id = t.record_id WHERE t.kind = 'subject'"
		" AND" VISIBLE " GROUP BY t.term ORDER BY n DESC, t.term LIMIT 16",
	HARVEST_SQLS
};

/* See internal.h.  Each statement is prepared once per connection, on first
 * use, with SQLITE_PREPARE_PERSISTENT (it lives as long as the handle), and
 * kept in a->st for hd_archive_close to finalise. */
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

/* The space left on the file system of dir for this process (root may
 * use the blocks reserved for it), for people: "4.0 KB".  A new string. */
static char *free_text(const char *dir)
{
	struct statvfs fs;
	uint64_t n = 0;

	if (statvfs(dir, &fs) == 0) {
		n = (uint64_t)(geteuid() == 0 ? fs.f_bfree : fs.f_bavail) *
			fs.f_frsize;
	}
	return hd_bag_size_text(n);
}

/* The line for a full disk under a (SQLITE_FULL while doing what): the
 * folder, and the space missing when the shared index is what lacked it
 * (vfs.c counted it); a->full is set.  Returns HD_EIO. */
static int disk_full(struct hd_archive *a, struct hd_error *e,
	const char *what)
{
	uint64_t n = hd_vfs_shm_short();
	char *need;
	int rc;

	a->full = 1;
	if (n > 0) {
		a->short_bytes = n;
	}
	if (a->short_bytes == 0) {
		/* a write found no room: how much it wanted is SQLite's */
		need = free_text(a->dir);
		rc = hd_err(e, HD_EIO, "%s: the disk is full (%s free, and "
			"%s needed more); free some space there", a->dir, need,
			what);
		free(need);
		return rc;
	}
	need = hd_bag_size_text(a->short_bytes);
	rc = hd_err(e, HD_EIO, "%s: the disk is full: %s more free space is "
		"needed there to open the catalogue (hongdang.db-shm)", a->dir,
		need);
	free(need);
	return rc;
}

/* See internal.h.  The message names the database file, what was being done
 * and SQLite's own words. */
int hd_sql_err(struct hd_archive *a, struct hd_error *e, const char *what)
{
	if ((sqlite3_errcode(a->db) & 0xff) == SQLITE_FULL) {
		return disk_full(a, e, what);
	}
	return hd_err(e, HD_EDB, "%s/hongdang.db: %s: %s", a->dir, what,
		sqlite3_errmsg(a->db));
}

/* See internal.h.  SQLITE_STATIC: s must live until the statement is stepped
 * and reset, as the callers' strings do. */
int hd_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL) {
		return sqlite3_bind_null(st, i);
	}
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* See internal.h.  snprintf cuts at a byte, never past out[size - 1]. */
void hd_col_copy(sqlite3_stmt *st, int i, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(out, size, "%s", s != NULL ? (const char *)s : "");
}

/* See internal.h. */
char *hd_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s == NULL ? NULL : hd_xstrdup((const char *)s);
}

/* Bind the values *ap holds to st from ?1, one for each letter of types
 * up to its end or a '>' (internal.h names the letters); returns where
 * the letters stopped.  With all, the letters must cover every parameter
 * of the statement.  An unknown letter, or too many or (with all) too
 * few, is a programming error, caught by assert. */
static const char *bind_values(sqlite3_stmt *st, const char *types,
	va_list *ap, int all)
{
	int64_t v;
	char c;
	int i;

	for (i = 1; *types != '\0' && *types != '>'; types++, i++) {
		c = *types;
		if (c == 't') {
			hd_bind_text(st, i, va_arg(*ap, const char *));
		} else if (c == 'd') {
			sqlite3_bind_double(st, i, va_arg(*ap, double));
		} else if (c == '-') {
			sqlite3_bind_null(st, i);
		} else {
			/* an integer: SQLite keeps every one as 64 bits */
			assert(c == 'i' || c == 'I' || c == 'l' || c == 'L');
			v = c == 'i' || c == 'I' ? va_arg(*ap, int) :
				va_arg(*ap, int64_t);
			if ((c == 'I' || c == 'L') && v <= 0) {
				sqlite3_bind_null(st, i);
			} else {
				sqlite3_bind_int64(st, i, v);
			}
		}
	}
	assert(i - 1 <= sqlite3_bind_parameter_count(st));
	assert(!all || i - 1 == sqlite3_bind_parameter_count(st));
	return types;
}

/* Read the columns of st's row into the pointers *ap holds, one for each
 * letter of types (those after '>' of hd_sql_get). */
static void read_columns(sqlite3_stmt *st, const char *types, va_list *ap)
{
	int c;

	for (c = 0; *types != '\0'; types++, c++) {
		switch (*types) {
		case 'i':
			*va_arg(*ap, int *) = sqlite3_column_int(st, c);
			break;
		case 'l':
			*va_arg(*ap, int64_t *) = sqlite3_column_int64(st, c);
			break;
		case 'd':
			*va_arg(*ap, double *) = sqlite3_column_double(st, c);
			break;
		case 't':
			*va_arg(*ap, char **) = hd_col_dup(st, c);
			break;
		default:
			assert(!"a column letter hd_sql_get does not know");
		}
	}
}

/* See internal.h. */
sqlite3_stmt *hd_sql_bind(struct hd_archive *a, enum hd_sql name,
	struct hd_error *e, const char *types, ...)
{
	sqlite3_stmt *st = hd_sql(a, name, e);
	va_list ap;

	if (st != NULL) {
		va_start(ap, types);
		bind_values(st, types, &ap, 0);
		va_end(ap);
	}
	return st;
}

/* See internal.h.  The message is taken before the reset, which would
 * otherwise be what it reports. */
int hd_sql_done(struct hd_archive *a, sqlite3_stmt *st, const char *what,
	struct hd_error *e)
{
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : hd_sql_err(a, e, what);
	sqlite3_reset(st);
	return rc;
}

/* See internal.h. */
int hd_sql_run(struct hd_archive *a, enum hd_sql name, const char *what,
	struct hd_error *e, const char *types, ...)
{
	sqlite3_stmt *st = hd_sql(a, name, e);
	va_list ap;

	if (st == NULL) {
		return HD_EDB;
	}
	va_start(ap, types);
	bind_values(st, types, &ap, 1);
	va_end(ap);
	return hd_sql_done(a, st, what, e);
}

/* See internal.h. */
int hd_sql_step(struct hd_archive *a, sqlite3_stmt *st, const char *what,
	struct hd_error *e)
{
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		return 1;
	}
	rc = rc == SQLITE_DONE ? 0 : hd_sql_err(a, e, what);
	sqlite3_reset(st);
	return rc;
}

/* See internal.h. */
int hd_sql_get(struct hd_archive *a, enum hd_sql name, const char *what,
	struct hd_error *e, const char *types, ...)
{
	sqlite3_stmt *st = hd_sql(a, name, e);
	const char *out;
	va_list ap;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	va_start(ap, types);
	out = bind_values(st, types, &ap, 1);
	rc = hd_sql_step(a, st, what, e);
	if (rc == 1) {
		read_columns(st, *out == '>' ? out + 1 : out, &ap);
		sqlite3_reset(st);
	}
	va_end(ap);
	return rc;
}

/* See internal.h.  For the statements that take no values: pragmas,
 * transaction control, migrations' SQL. */
int hd_exec(struct hd_archive *a, const char *sql, struct hd_error *e)
{
	char *msg = NULL;

	if (sqlite3_exec(a->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if ((sqlite3_errcode(a->db) & 0xff) == SQLITE_FULL) {
			sqlite3_free(msg);
			return disk_full(a, e, sql);
		}
		hd_err(e, HD_EDB, "%s/hongdang.db: %s", a->dir,
			msg ? msg : sqlite3_errmsg(a->db));
		sqlite3_free(msg);
		return HD_EDB;
	}
	return 0;
}

/* See internal.h.  Prepared each time: it is read at open and around
 * migrations only. */
int64_t hd_sql_number(struct hd_archive *a, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

/* See internal.h. */
int hd_user_version(struct hd_archive *a)
{
	return (int)hd_sql_number(a, "PRAGMA user_version");
}

/* The code and name of the archive's first fonds into a->fonds_code
 * and a->fonds_name (new strings, freed by hd_archive_close; left as
 * they are when there is none, or when the row cannot be read).  0, or
 * HD_EDB when the statement cannot be prepared. */
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

/* Statement journals up to this size stay in memory; SQLite's default
 * is 64 KiB.  An INSERT into records (its trigger makes it a multi-row
 * write) journals every page it changes; the first that splits B-tree
 * pages passes 64 KiB, and from then on each statement of the
 * transaction wrote its journal to a temporary file: a dozen writes a
 * record in a batch.  A journal that outgrows it is moved to a temporary
 * file in writes of this size, which only the shim VFS makes possible
 * (vfs.c, WRITE_MAX). */
#define STMT_JOURNAL_MEM (1 << 20)

/* A connection's page cache (PRAGMA cache_size in connect) and the
 * archive's page size. */
#define CACHE_KIB 65536
#define CACHE_BYTES ((int64_t)CACHE_KIB * 1024)
#define TEXT_OF(x) #x
#define TEXT(x) TEXT_OF(x)
#define PAGE_BYTES 4096
#define RESERVE_MAX 8           /* connections hd_page_cache_reserve serves */

/* The page size in the header of the database file path (bytes 16-17,
 * big-endian, 1 for 65536); 0 when it cannot be read. */
static int page_size_of(const char *path)
{
	unsigned char h[18];
	FILE *f = fopen(path, "rb");
	int n;

	if (f == NULL) {
		return 0;
	}
	n = (int)fread(h, 1, sizeof h, f);
	fclose(f);
	if (n != (int)sizeof h) {
		return 0;
	}
	n = h[16] << 8 | h[17];
	return n == 1 ? 65536 : n;
}

/* hd_page_cache_reserve: see hd.h.  The pool is CACHE_BYTES a connection
 * (RESERVE_MAX connections at most), or the archive's size and a tenth when
 * that is less, in lines of a page and SQLite's header, mapped and populated
 * in one call; when SQLite will not take it the mapping is undone. */
void hd_page_cache_reserve(const char *dir, int connections)
{
	static const char *const files[2] = { "hongdang.db",
		"hongdang.db-wal" };
	struct stat st;
	int64_t each = CACHE_BYTES, size = 0;
	int hdr = 0, n, i, page;
	size_t line, len;
	void *lines;
	char *path;

	/* as much as the archive holds (its pages in the file and the
	 * WAL) and a tenth to grow, when that is less (the sample
	 * collection); nothing for a folder without an archive, or one
	 * whose pages are not PAGE_BYTES (made by something else) */
	for (i = 0; i < 2; i++) {
		path = hd_xasprintf("%s/%s", dir, files[i]);
		size += stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
		page = i == 0 ? page_size_of(path) : page;
		free(path);
	}
	if (page != PAGE_BYTES) {
		return;
	}
	if (size / 10 * 11 < each) {
		each = size / 10 * 11;
	}
	connections = connections < 1 ? 1 : connections > RESERVE_MAX ?
		RESERVE_MAX : connections;
	n = connections * (int)(each / PAGE_BYTES + 1);
	/* SQLITE_MISUSE once SQLite has started: then nothing changes */
	if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) != SQLITE_OK) {
		return;
	}
	line = ((size_t)PAGE_BYTES + (size_t)hdr + 7) & ~(size_t)7;
	len = line * (size_t)n;
	/* populated now, in one call: SQLite writes to every line at once
	 * to chain them, which would fault them in a page at a time */
	lines = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (lines == MAP_FAILED) {
		return;
	}
	if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, lines, (int)line, n) !=
	    SQLITE_OK) {
		munmap(lines, len);
	}
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

/* pthread_once body: the process-wide SQLite settings, made before the first
 * connection opens (statement journals kept in memory up to
 * STMT_JOURNAL_MEM). */
static void config(void)
{
	/* SQLITE_MISUSE if something in the process started SQLite first:
	 * the default then stays, which only costs time */
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STMT_JOURNAL_MEM);
}

/* Open a's database file (dir/hongdang.db) into a->db: read-only or
 * read-write as a->readonly says, made when create is 1, without SQLite's
 * mutexes (a handle belongs to one thread at a time), through the VFS
 * that never lets a full disk become SIGBUS (vfs.c).  Then a busy wait
 * of 10 s, extended error codes, the "hongdang" tokenizer, foreign keys
 * and a page cache of CACHE_KIB; a writer also gets WAL and
 * synchronous=FULL.  a->alone: locking_mode EXCLUSIVE first, so WAL's
 * index lives in memory and no hongdang.db-shm is used (a reader on a
 * full disk).  0, HD_EDB, or HD_EIO for a full disk; a->db is left for
 * hd_archive_close to close either way. */
static int connect(struct hd_archive *a, int create, struct hd_error *e)
{
	char *path = hd_xasprintf("%s/hongdang.db", a->dir);
	int flags, rc;

	pthread_once(&config_once, config);

	/* alone, SQLite reads a WAL database only read-write (a
	 * read-only connection then says "disk I/O error"); a reader's
	 * handle writes nothing all the same */
	flags = a->readonly && !a->alone ? SQLITE_OPEN_READONLY :
		SQLITE_OPEN_READWRITE;
	if (create) {
		flags |= SQLITE_OPEN_CREATE;
	}
	flags |= SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &a->db, flags, hd_vfs_name());
	free(path);
	if (rc != SQLITE_OK) {
		return hd_sql_err(a, e, "open");
	}
	sqlite3_busy_timeout(a->db, HD_BUSY_MS);
	sqlite3_extended_result_codes(a->db, 1);
	if (hd_fts_register(a->db) != SQLITE_OK) {
		return hd_sql_err(a, e, "register tokenizer");
	}
	if (a->alone && hd_exec(a, "PRAGMA locking_mode = EXCLUSIVE", e)) {
		return HD_EDB;
	}
	/* Keep up to 64 MB of pages, taken as they are used (SQLite's
	 * default is 2 MB).  Reads copy pages out of the OS cache, one
	 * system call a page, some 15 microseconds in this virtual machine
	 * (mapping the file instead costs as much a page, as a fault): a
	 * search on a fresh connection whose thousand newest matches are
	 * spread over the archive reads a thousand pages of records (20 ms
	 * at 200,000 records), the same search again reads none (2 ms).  A
	 * server's worker keeps its connection, so its searches get faster
	 * as it answers; 16 MB held less than the records table (35 MB at
	 * 200,000).  A batch changes more pages than 2 MB too: it wrote them
	 * to the WAL mid-transaction and read them back. */
	if (hd_exec(a, "PRAGMA foreign_keys = ON", e) != 0 ||
	    hd_exec(a, "PRAGMA cache_size = -" TEXT(CACHE_KIB), e) != 0) {
		return HD_EDB;
	}
	if (!a->readonly && (hd_exec(a, "PRAGMA journal_mode = WAL", e) != 0 ||
	    hd_exec(a, "PRAGMA synchronous = FULL", e) != 0)) {
		return HD_EDB;
	}
	return 0;
}

/* See hd_conn.h. */
int hd_archive_cache(struct hd_archive *a, int kib, struct hd_error *e)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kib);
	return hd_exec(a, sql, e) != 0 ? HD_EDB : 0;
}

/* A new handle for the data folder dir with its paths filled in and nothing
 * opened; freed by hd_archive_close. */
static struct hd_archive *archive_new(const char *dir)
{
	struct hd_archive *a = hd_xcalloc(1, sizeof *a);

	a->dir = hd_xstrdup(dir);
	a->objdir = hd_xasprintf("%s/objects", dir);
	a->tmpdir = hd_xasprintf("%s/tmp", dir);
	return a;
}

/* hd_archive_init: see hd.h. */
int hd_archive_init(const char *dir, const char *fonds_code,
	const char *fonds_name, const struct hd_agent *agent,
	struct hd_error *e)
{
	return hd_archive_init_with(dir, fonds_code, fonds_name, agent, NULL,
		NULL, e);
}

/* hd_archive_init_with: see hd_s3.h.  Makes dir, objects/ and tmp/
 * (hd_fs_mkdirs), the schema at its newest version and the first fonds
 * with an event, and what more adds, in one transaction.  The handle
 * used is closed before returning. */
int hd_archive_init_with(const char *dir, const char *fonds_code,
	const char *fonds_name, const struct hd_agent *agent,
	int (*more)(struct hd_archive *a, void *ud, struct hd_error *e),
	void *ud, struct hd_error *e)
{
	struct hd_archive *a = NULL;
	char *path = NULL, now[32];
	struct stat sb;
	struct hd_ref probe;
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
	rc = hd_fs_mkdirs(dir, e);
	if (rc == 0) {
		rc = hd_fs_mkdirs(a->objdir, e);
	}
	if (rc == 0) {
		rc = hd_fs_mkdirs(a->tmpdir, e);
	}
	if (rc == 0) {
		rc = connect(a, 1, e);
	}
	if (rc == 0) {
		rc = hd_migrate(a, 0, e);
	}
	if (rc != 0) {
		goto out;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		goto out;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_FONDS_INSERT, "create fonds", e, "ttt",
		fonds_code, fonds_name ? fonds_name : fonds_code, now);
	if (rc == 0) {
		rc = hd_event_add(a, "init", 0, agent, fonds_code, e);
	}
	if (rc == 0 && more != NULL) {
		rc = more(a, ud, e);
	}
	rc = hd_tx_end(a, rc, e);
out:
	free(path);
	hd_archive_close(a);
	return rc;
}

/* Migrate the archive in dir through a connection of its own, closed
 * again.  A file this process may not write is left as it is (0): the
 * reader then searches the old index, which still finds simplified text.
 */
static int upgrade(const char *dir, struct hd_error *e)
{
	struct hd_archive *w;
	char *path = hd_xasprintf("%s/hongdang.db", dir);
	int rc = access(path, W_OK);

	free(path);
	if (rc != 0) {
		return 0;
	}
	w = archive_new(dir);
	rc = connect(w, 0, e);
	if (rc == 0 && sqlite3_db_readonly(w->db, "main") == 1) {
		hd_archive_close(w);
		return 0;
	}
	if (rc == 0) {
		rc = hd_migrate(w, 1, e);
	}
	hd_archive_close(w);
	return rc;
}

/* hd_archive_open of dir; alone: without the shared index (connect),
 * saying so in a->note.  A reader that finds no room for the index opens
 * again alone. */
static int open_as(const char *dir, int readonly, int alone,
	struct hd_archive **out, struct hd_error *e)
{
	struct hd_archive *a;
	char *path, *need;
	struct stat sb;
	uint64_t short_bytes;
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
	a->alone = alone;
	rc = connect(a, 0, e);
	if (rc == 0 && readonly && !alone && !hd_schema_current(a)) {
		/* an archive made by an older version, opened by a reader
		 * (the server, search): a writer brings it up to date first */
		sqlite3_close(a->db);
		a->db = NULL;
		rc = upgrade(dir, e);
		if (rc == 0) {
			rc = connect(a, 0, e);
		}
	}
	if (rc != 0 && a->full && readonly && !alone) {
		/* no room for the shared index: read alone, without it */
		short_bytes = a->short_bytes ? a->short_bytes : 32768;
		hd_archive_close(a);
		rc = open_as(dir, readonly, 1, out, e);
		if (rc == 0) {
			need = hd_bag_size_text(short_bytes);
			(*out)->note = hd_xasprintf("%s: the disk is full: "
				"read without sharing the catalogue, which "
				"needs %s more free space (hongdang.db-shm) "
				"before anything can write or serve it", dir,
				need);
			free(need);
		}
		return rc;
	}
	if (rc == 0 && !readonly) {
		rc = hd_migrate(a, 1, e);
		if (rc == 0) {
			rc = hd_fs_mkdirs(a->tmpdir, e);
		}
		if (rc == 0) {
			hd_store_sweep(a);
		}
	}
	if (rc == 0) {
		rc = load_fonds(a, e);
	}
	if (rc == 0) {
		rc = hd_s3_load(a, e);
	}
	if (rc != 0) {
		hd_archive_close(a);
		return rc;
	}
	/* a reader of an archive it could not migrate searches the index
	 * as it is: without trigrams before version 6, without the
	 * characters as written beside the folded ones before version 9 */
	a->trigrams = hd_user_version(a) >= 6;
	a->scripts = hd_user_version(a) >= 9;
	*out = a;
	return 0;
}

/* hd_archive_open: see hd.h.  *out is NULL on every error path. */
int hd_archive_open(const char *dir, int readonly, struct hd_archive **out,
	struct hd_error *e)
{
	return open_as(dir, readonly, 0, out, e);
}

/* hd_archive_note: see hd_disk.h. */
const char *hd_archive_note(const struct hd_archive *a)
{
	return a != NULL ? a->note : NULL;
}

/* hd_archive_close: see hd.h.  An open transaction is rolled back; accepts
 * NULL. */
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
	hd_persons_free(a->persons);
	free(a->dir);
	free(a->objdir);
	free(a->tmpdir);
	free(a->fonds_code);
	free(a->fonds_name);
	free(a->note);
	hd_s3_free(a->s3);
	free(a);
}

/* The data folder a was opened on; the string lives as long as a. */
const char *hd_archive_dir(const struct hd_archive *a)
{
	return a->dir;
}

/* hd_archive_fonds: see hd.h.  The code of the archive's first fonds as read
 * at open; NULL when it has none. */
const char *hd_archive_fonds(struct hd_archive *a)
{
	return a->fonds_code;
}

/* hd_archive_name: see hd.h.  The first fonds' name as read at open. */
const char *hd_archive_name(struct hd_archive *a)
{
	return a->fonds_name;
}

/* hd_archive_data_version: see hd.h. */
int64_t hd_archive_data_version(struct hd_archive *a)
{
	int64_t v = -1;

	hd_sql_get(a, SQL_DATA_VERSION, "data version", NULL, ">l", &v);
	return v;
}

/* hd_fonds_id: see hd.h.  A failing read is HD_EDB, not "no fonds". */
int hd_fonds_id(struct hd_archive *a, const char *code, int64_t *id,
	struct hd_error *e)
{
	int rc;

	*id = 0;
	rc = hd_sql_get(a, SQL_FONDS_BY_CODE, "look up fonds", e, "t>l",
		code, id);
	if (rc == 0) {
		rc = hd_err(e, HD_ENOTFOUND, "fonds '%s' does not exist in %s",
			code, a->dir);
	}
	return rc < 0 ? rc : 0;
}

/* hd_tx_begin: see hd.h.  BEGIN IMMEDIATE takes the write lock now (waiting
 * up to the busy timeout), so no write inside can fail for a lock later.
 * HD_EUSAGE when a transaction is open already, HD_EBUSY when the lock is
 * not had. */
int hd_tx_begin(struct hd_archive *a, struct hd_error *e)
{
	if (a->in_tx) {
		return hd_err(e, HD_EUSAGE, "transaction already open");
	}
	if (hd_exec(a, "BEGIN IMMEDIATE", e) != 0) {
		return HD_EBUSY;
	}
	a->in_tx = 1;
	return 0;
}

/* hd_tx_flush: see hd.h. */
int hd_tx_flush(struct hd_archive *a, struct hd_error *e)
{
	if (!a->in_tx) {
		return hd_err(e, HD_EUSAGE, "no transaction to flush");
	}
	if (hd_index_flush(a, e) != 0) {
		hd_tx_rollback(a);
		return HD_EDB;
	}
	return 0;
}

/* hd_tx_unindexed: see hd_conn.h. */
void hd_tx_unindexed(struct hd_archive *a)
{
	hd_index_drop(a);
}

/* hd_tx_commit: see hd.h.  The search rows are written first (hd_tx_flush);
 * a failing COMMIT rolls back and is HD_EDB. */
int hd_tx_commit(struct hd_archive *a, struct hd_error *e)
{
	int rc = hd_tx_flush(a, e);

	if (rc != 0) {
		return rc;
	}
	if (hd_exec(a, "COMMIT", e) != 0) {
		hd_tx_rollback(a);
		return HD_EDB;
	}
	a->in_tx = 0;
	return 0;
}

/* See internal.h. */
int hd_tx_end(struct hd_archive *a, int rc, struct hd_error *e)
{
	if (rc == 0) {
		return hd_tx_commit(a, e);
	}
	hd_tx_rollback(a);
	return rc;
}

/* See internal.h. */
int hd_read_begin(struct hd_archive *a, int *own, struct hd_error *e)
{
	*own = sqlite3_get_autocommit(a->db);
	return *own ? hd_exec(a, "BEGIN", e) : 0;
}

/* See internal.h: ends the read hd_read_begin opened when own is 1. */
void hd_read_end(struct hd_archive *a, int own)
{
	if (own && !sqlite3_get_autocommit(a->db)) {
		hd_exec(a, "COMMIT", NULL);
	}
}

/* hd_tx_rollback: see hd.h.  The search rows waiting for the commit are
 * dropped; accepts NULL and a handle with no transaction open. */
void hd_tx_rollback(struct hd_archive *a)
{
	if (a == NULL) {
		return;
	}
	hd_index_drop(a);
	if (a->in_tx) {
		hd_exec(a, "ROLLBACK", NULL);
		a->in_tx = 0;
	}
}
