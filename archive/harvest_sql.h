/*
 * harvest_sql.h - the statements of the harvest (harvest_store.c), in
 * the form of db.c's table, which includes this file inside it: kept
 * apart so that the table stays one screenful per subject.  The
 * *_PUBLIC ones carry db.c's VISIBLE filter in their text.
 */
#ifndef HD_HARVEST_SQL_H
#define HD_HARVEST_SQL_H

#define HARVEST_SQLS \
	[SQL_HARVEST_SOURCE_INSERT] = "INSERT INTO harvest_sources (name," \
		" url, added) VALUES (?1, ?2, ?3)", \
	[SQL_HARVEST_SOURCE_GET] = "SELECT id, url, granularity," \
		" done_until, run_from, run_date, token FROM harvest_sources" \
		" WHERE name = ?1", \
	[SQL_HARVEST_SOURCE_LIST] = "SELECT s.id, s.name, s.url, s.added," \
		" s.last_run, s.last_ok, s.last_error, s.done_until," \
		" s.token IS NOT NULL, (SELECT count(*) FROM" \
		" harvest_records h WHERE h.source_id = s.id)" \
		" FROM harvest_sources s" \
		" ORDER BY s.name", \
	[SQL_HARVEST_SOURCE_RECORDS] = "SELECT record_id FROM" \
		" harvest_records WHERE source_id = ?1", \
	[SQL_HARVEST_SOURCE_FONDS_IDS] = "SELECT fonds_id FROM" \
		" harvest_fonds WHERE source_id = ?1", \
	[SQL_HARVEST_FONDS_DELETE] = "DELETE FROM fonds WHERE id = ?1", \
	[SQL_HARVEST_SOURCE_UNLINK] = "DELETE FROM harvest_fonds" \
		" WHERE source_id = ?1", \
	[SQL_HARVEST_SOURCE_DELETE] = "DELETE FROM harvest_sources" \
		" WHERE id = ?1", \
	/* a page's state only over the state its run went on from (?7 the \
	 * token, ?8 done_until): a run at the same time that stored first \
	 * leaves this one's UPDATE changing nothing */ \
	[SQL_HARVEST_SOURCE_PAGE] = "UPDATE harvest_sources SET" \
		" granularity = ?2, run_from = ?3, run_date = ?4, token = ?5," \
		" last_run = ?6 WHERE id = ?1 AND token IS ?7" \
		" AND done_until IS ?8", \
	[SQL_HARVEST_SOURCE_DONE] = "UPDATE harvest_sources SET" \
		" granularity = ?2, done_until = ?3, run_from = NULL," \
		" run_date = NULL, token = NULL, last_run = ?4, last_ok = ?4," \
		" last_error = NULL WHERE id = ?1 AND token IS ?5" \
		" AND done_until IS ?6", \
	[SQL_HARVEST_SOURCE_FAILED] = "UPDATE harvest_sources SET" \
		" last_run = ?2, last_error = ?3 WHERE id = ?1", \
	[SQL_HARVEST_SOURCE_RESTART] = "UPDATE harvest_sources SET" \
		" token = NULL WHERE id = ?1 AND token IS ?2", \
	[SQL_HARVEST_FIND] = "SELECT record_id, thumb_url, thumb FROM" \
		" harvest_records WHERE source_id = ?1 AND oai_id = ?2", \
	[SQL_HARVEST_BY_REF] = "SELECT r.id, h.source_id, h.oai_id FROM" \
		" records r LEFT JOIN harvest_records h ON h.record_id = r.id" \
		" WHERE r.ref = ?1", \
	[SQL_HARVEST_FONDS] = "SELECT f.id, hf.source_id FROM fonds f" \
		" LEFT JOIN harvest_fonds hf ON hf.fonds_id = f.id" \
		" WHERE f.code = ?1", \
	[SQL_HARVEST_FONDS_LINK] = "INSERT INTO harvest_fonds (fonds_id," \
		" source_id) VALUES (?1, ?2)", \
	[SQL_HARVEST_RECORD_INSERT] = "INSERT INTO records (id, ref," \
		" fonds_id, title, creator, date, year, year_end, category," \
		" retention, class, access, status, place, description," \
		" language, source, created, updated) VALUES (?1, ?2, ?3, ?4," \
		" ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'approved', ?13, ?14," \
		" ?15, ?16, ?17, ?17)", \
	[SQL_HARVEST_INSERT] = "INSERT INTO harvest_records (record_id," \
		" source_id, oai_id, datestamp, page_url, thumb_url, thumb)" \
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", \
	[SQL_HARVEST_DELETE] = "DELETE FROM harvest_records" \
		" WHERE record_id = ?1", \
	[SQL_HARVEST_TERMS_DELETE] = "DELETE FROM terms WHERE record_id = ?1", \
	[SQL_HARVEST_FTS_DELETE] = "DELETE FROM search WHERE rowid = ?1", \
	[SQL_HARVEST_HEADS_DELETE] = "DELETE FROM heads WHERE rowid = ?1", \
	[SQL_HARVEST_RECORD_DELETE] = "DELETE FROM records WHERE id = ?1", \
	[SQL_HARVEST_OF_RECORD] = "SELECT s.name, h.page_url, h.thumb" \
		" FROM harvest_records h JOIN harvest_sources s" \
		" ON s.id = h.source_id WHERE h.record_id = ?1", \
	[SQL_HARVEST_SOURCE_NAMES] = "SELECT id, name FROM harvest_sources", \
	[SQL_HARVEST_SOURCE_OF] = "SELECT source_id, thumb FROM" \
		" harvest_records WHERE record_id = ?1", \
	[SQL_HARVEST_SOURCE_FONDS] = "SELECT f.code FROM harvest_fonds hf" \
		" JOIN fonds f ON f.id = hf.fonds_id JOIN harvest_sources s" \
		" ON s.id = hf.source_id WHERE s.name = ?1 ORDER BY f.id" \
		" LIMIT 1", \
	[SQL_HARVEST_THUMB_PUBLIC] = "SELECT 1 FROM harvest_records h" \
		" JOIN records r ON r.id = h.record_id WHERE h.thumb = ?1" \
		" AND" VISIBLE "LIMIT 1",

#endif
