/*
 * oai_sql.h - the statements of OAI-PMH (oai.c), in the form of db.c's
 * table, which includes this file inside it (as harvest_sql.h): kept
 * apart so that db.c stays within its size.  They carry db.c's VISIBLE
 * filter in their text, and list the district's own records only.
 */
#ifndef HD_OAI_SQL_H
#define HD_OAI_SQL_H

/* OAI-PMH lists: ?1 after this id, ?2 from and ?3 until (datestamps,
 * "YYYY-MM-DDThh:mm:ss"), ?4 category, ?5 class, ?6 1: any class,
 * ?7 limit. */
#define OAI_SQL "SELECT r.id, r.ref, (" VISIBLE "), r.updated," \
	" r.category, r.class"
/* the district's own records only: a harvested one is its room's to
 * publish (harvest_records names it) */
#define OAI_OWN " NOT EXISTS (SELECT 1 FROM harvest_records h" \
	" WHERE h.record_id = r.id)"
/* visible, or published once and gone since: reported as deleted */
#define OAI_WHERE \
	" ((" VISIBLE ") OR r.published = 1) AND" OAI_OWN \
	" AND (?2 IS NULL OR substr(r.updated, 1, 19) >= ?2)" \
	" AND (?3 IS NULL OR substr(r.updated, 1, 19) <= ?3)" \
	" AND (?4 IS NULL OR r.category = ?4)" \
	" AND (?5 IS NULL OR r.class = ?5)" \
	" AND (?6 = 0 OR r.class IS NOT NULL)"

#define OAI_SQLS \
	/* harvesting (oai.c): approved public records, and those that \
	 * were published once and are not visible now, reported as \
	 * deleted */ \
	[SQL_OAI_LIST_PUBLIC] = OAI_SQL " FROM records r WHERE" OAI_WHERE \
		" AND r.id > ?1 ORDER BY r.id LIMIT ?7", \
	[SQL_OAI_COUNT_PUBLIC] = "SELECT count(*) FROM records r WHERE" \
		OAI_WHERE " AND r.id > ?1", \
	[SQL_OAI_GET_PUBLIC] = OAI_SQL " FROM records r WHERE r.ref = ?1 AND" \
		" ((" VISIBLE ") OR r.published = 1) AND" OAI_OWN, \
	[SQL_OAI_SETS_PUBLIC] = "SELECT 'category', r.category, count(*)" \
		" FROM records r WHERE" VISIBLE "AND" OAI_OWN \
		" GROUP BY r.category" \
		" UNION ALL SELECT 'class', r.class, count(*) FROM records r" \
		" WHERE" VISIBLE " AND r.class IS NOT NULL AND" OAI_OWN \
		" GROUP BY r.class ORDER BY 1, 2", \
	[SQL_OAI_EARLIEST_PUBLIC] = "SELECT min(r.updated) FROM records r" \
		" WHERE ((" VISIBLE ") OR (r.status = 'withdrawn' AND" \
		" r.access = 'public')) AND" OAI_OWN,

#endif
