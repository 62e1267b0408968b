/*
 * internal.h - what the modules of archive/ share and nobody else sees:
 * the archive handle and the table of named SQL statements.
 */
#ifndef HD_INTERNAL_H
#define HD_INTERNAL_H

#include "hd.h"

#include <sqlite3.h>

/* Every statement the library runs, by name (the SQL is in db.c). */
enum hd_sql {
	SQL_FONDS_BY_CODE,
	SQL_FONDS_FIRST,
	SQL_FONDS_INSERT,
	SQL_META_GET,
	SQL_META_SET,
	SQL_BATCH_INSERT,
	SQL_BATCH_FINISH,
	SQL_REFSEQ_GET,
	SQL_REFSEQ_SET,
	SQL_RECORD_INSERT,
	SQL_TERM_INSERT,
	SQL_OBJECT_INSERT,
	SQL_FILE_INSERT,
	SQL_FILE_KNOWN,
	SQL_FTS_INSERT,
	SQL_EVENT_LAST,
	SQL_EVENT_INSERT,
	SQL_WARNING_INSERT,
	SQL_RECORD_GET_ALL,
	SQL_RECORD_GET_PUBLIC,
	SQL_FILES_OF,
	SQL_TERMS_OF,
	SQL_EVENTS_OF,
	SQL_OBJECTS_ALL,
	SQL_EVENTS_ALL,
	SQL_SEARCH_ALL,
	SQL_SEARCH_PUBLIC,
	SQL_MATCHES_ALL,
	SQL_MATCHES_PUBLIC,
	SQL_FACET_PERSON_ALL,
	SQL_FACET_PERSON_PUBLIC,
	SQL_FIRST_IMAGE,
	SQL_STATS_ALL,
	SQL_STATS_PUBLIC,
	SQL_OBJECT_PUBLIC,
	SQL_OBJECT_MIME,
	SQL_LIST_PUBLIC,
	SQL_LIST_COUNT_PUBLIC,
	SQL_DECADES_PUBLIC,
	SQL_RELATED_PUBLIC,
	SQL_LAST_EVENT_OF_TYPE,
	SQL_VISITS_OF_DAY,
	SQL_VISIT_INSERT,
	SQL_READING_LAST,
	SQL_READING_INSERT,
	SQL_CLASS_COUNTS_PUBLIC,
	SQL_TOP_SUBJECTS_PUBLIC,
	SQL_RECORD_BODY,
	SQL__COUNT
};

struct hd_archive {
	char *dir;              /* the data folder */
	char *objdir;           /* dir/objects */
	char *tmpdir;           /* dir/tmp */
	sqlite3 *db;
	int readonly;
	int in_tx;
	sqlite3_stmt *st[SQL__COUNT];
	char *fonds_code;       /* the first fonds */
	char *fonds_name;
	unsigned tmp_seq;       /* for temporary object names */
};

/* The prepared statement for name, reset and with bindings cleared; NULL
 * (and *e set) when it cannot be prepared. */
sqlite3_stmt *hd_sql(struct hd_archive *a, enum hd_sql name,
	struct hd_error *e);
/* Fill *e from the connection's last error; returns HD_EDB. */
int hd_sql_err(struct hd_archive *a, struct hd_error *e, const char *what);
/* Bind a text value, or NULL when s is NULL. */
int hd_bind_text(sqlite3_stmt *st, int i, const char *s);
/* A column as a new string (NULL stays NULL); caller frees. */
char *hd_col_dup(sqlite3_stmt *st, int i);

/* Remove temporary files left by processes that are gone (store.c). */
void hd_store_sweep(struct hd_archive *a);

/* The hash of one event over its fields (event.c); out: 65 bytes hex. */
void hd_event_hash(const char *prev, int64_t id, const char *at,
	const char *type, int64_t record, const char *agent,
	const char *detail, char out[65]);

#endif
