/*
 * internal.h - what the modules of archive/ share and nobody else sees:
 * the archive handle and the table of named SQL statements.
 */
#ifndef HD_INTERNAL_H
#define HD_INTERNAL_H

#include "hd.h"

#include <sqlite3.h>
#include <stdatomic.h>

/* Every statement the library runs, by name (the SQL is in db.c). */
enum hd_sql {
	/* the paper storage room (room.c) */
	SQL_LOCATION_INSERT,
	SQL_LOCATION_GET,
	SQL_LOCATION_LIST,
	SQL_LOCATION_USED,
	SQL_RECORD_LOCATE,
	SQL_RECORD_SET_LOCATION,
	SQL_READINGS_SINCE,
	SQL_READING_LAST,
	SQL_READING_INSERT,
	SQL_INVENTORY_INSERT,
	SQL_INVENTORY_GET,
	SQL_INVENTORY_LIST,
	SQL_INVENTORY_ITEM_INSERT,
	SQL_INVENTORY_ITEMS,
	SQL_INVENTORY_EXPECTED,
	SQL_INVENTORY_FINISH,
	/* the fixity audit (verify.c) */
	SQL_RECORDS_OF_OBJECT,
	/* transfer (transfer.c) */
	SQL_RECORDS_OF_PERSON,
	SQL_RECORD_BY_FILE,
	SQL_TRANSFER_INSERT,
	SQL_TRANSFER_BY_UUID,
	SQL_TRANSFER_GET,
	SQL_TRANSFER_LIST,
	SQL_TRANSFER_CONFIRM,
	/* harvesting (oai.c) */
	SQL_OAI_LIST_PUBLIC,
	SQL_OAI_COUNT_PUBLIC,
	SQL_OAI_GET_PUBLIC,
	SQL_OAI_SETS_PUBLIC,
	SQL_OAI_EARLIEST_PUBLIC,
	SQL_EVENT_FIRST,
	/* backup (backup.c) */
	SQL_QUICK_CHECK,
	/* the rest */
	SQL_FONDS_BY_CODE,
	SQL_FONDS_FIRST,
	SQL_DATA_VERSION,
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
	SQL_HEADS_INSERT,
	SQL_FTS_HASHSIZE,
	SQL_MERGE_SEARCH,
	SQL_MERGE_HEADS,
	SQL_SEGMENTS,
	SQL_WARM,
	SQL_WARM_TERMS,
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
	SQL_EVENTS_TAIL,
	SQL_WALK_ALL,
	SQL_WALK_PUBLIC,
	SQL_WALK_HEADS_ALL,
	SQL_WALK_HEADS_PUBLIC,
	SQL_LIST_ALL,
	SQL_HIT_ALL,
	SQL_HIT_PUBLIC,
	SQL_LIST_HIT_ALL,
	SQL_PERSONS_OF,
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
	SQL_VISIT_GROUP_TAKEN,
	SQL_VISIT_FORM_USED,
	SQL_VISIT_OPEN_OF_CONTACT,
	SQL_VISIT_RECENT_OF_REMOTE,
	SQL_VISIT_LIST,
	SQL_VISIT_GET,
	SQL_VISIT_CANCEL,
	SQL_VISIT_ALL,
	SQL_VISIT_SET_KEYS,
	SQL_CLASS_COUNTS_PUBLIC,
	SQL_TOP_SUBJECTS_PUBLIC,
	SQL_RECORD_BODY,
	/* page text (pagetext.c) */
	SQL_PAGE_INSERT,
	SQL_QUALITY_SET,
	SQL_PAGES_OF,
	/* accounts and sessions (account.c) */
	SQL_USER_INSERT,
	SQL_USER_GET,
	SQL_USER_LIST,
	SQL_USER_SET_DISABLED,
	SQL_USER_SET_HASH,
	SQL_USER_SET_LOGIN,
	SQL_SESSION_INSERT,
	SQL_SESSION_GET,
	SQL_SESSION_TOUCH,
	SQL_SESSION_DELETE,
	SQL_SESSION_DELETE_USER,
	SQL_SESSION_PURGE,
	SQL_LOGIN_INSERT,
	SQL_LOGIN_FAILS_NAME,
	SQL_LOGIN_FAILS_PAIR,
	SQL_LOGIN_FAILS_REMOTE,
	SQL_LOGIN_SET_OK,
	SQL_LOGIN_PURGE,
	SQL_LOGIN_FORGET_NAME,
	/* review (review.c) */
	SQL_RECORD_STATE,
	SQL_RECORD_SET_STATUS,
	SQL_RECORD_UPDATE,
	SQL_TERMS_DELETE,
	SQL_FTS_UPDATE,
	SQL_HEADS_UPDATE,
	SQL_REVIEW_QUEUE,
	SQL_REVIEW_QUEUE_ALL,
	SQL_ADMIN_COUNTS,
	SQL_OBJECT_STAFF,
	/* consultation (consult.c) */
	SQL_CONSULT_INSERT,
	SQL_CONSULT_ITEM_INSERT,
	SQL_CONSULT_LIST,
	SQL_CONSULT_ITEMS,
	SQL_CONSULT_APPROVE,
	SQL_CONSULT_REFUSE,
	SQL_CONSULT_ALLOWED,
	SQL_CONSULT_USE_INSERT,
	SQL_CONSULT_USED,
	SQL_CONSULT_STATS_MONTH,
	SQL_CONSULT_STATS_CATEGORY,
	SQL_CONSULT_STATS_PURPOSE,
	/* audit (audit.c) */
	SQL_AUDIT_LIST_ASC,
	SQL_AUDIT_LIST_DESC,
	SQL_AUDIT_COUNT,
	/* suggestions while typing (suggest.c) */
	SQL_SUGGEST_FIND,
	SQL_SUGGEST_INSERT,
	SQL_SUGGEST_COUNT,
	SQL_SUGGEST_KEY_INSERT,
	SQL_SUGGEST_CLEAR,
	SQL_SUGGEST_CLEAR_KEYS,
	SQL_SUGGEST_SOURCE,
	SQL_SUGGEST_PUBLIC,
	/* harvesting the rooms' catalogues (harvest_store.c,
	 * harvest_sql.h) */
	SQL_HARVEST_SOURCE_INSERT,
	SQL_HARVEST_SOURCE_GET,
	SQL_HARVEST_SOURCE_LIST,
	SQL_HARVEST_SOURCE_RECORDS,
	SQL_HARVEST_SOURCE_FONDS_IDS,
	SQL_HARVEST_FONDS_DELETE,
	SQL_HARVEST_SOURCE_UNLINK,
	SQL_HARVEST_SOURCE_DELETE,
	SQL_HARVEST_SOURCE_PAGE,
	SQL_HARVEST_SOURCE_DONE,
	SQL_HARVEST_SOURCE_FAILED,
	SQL_HARVEST_SOURCE_RESTART,
	SQL_HARVEST_FIND,
	SQL_HARVEST_BY_REF,
	SQL_HARVEST_FONDS,
	SQL_HARVEST_FONDS_LINK,
	SQL_HARVEST_RECORD_INSERT,
	SQL_HARVEST_INSERT,
	SQL_HARVEST_DELETE,
	SQL_HARVEST_TERMS_DELETE,
	SQL_HARVEST_FTS_DELETE,
	SQL_HARVEST_HEADS_DELETE,
	SQL_HARVEST_RECORD_DELETE,
	SQL_HARVEST_OF_RECORD,
	SQL_HARVEST_SOURCE_NAMES,
	SQL_HARVEST_SOURCE_OF,
	SQL_HARVEST_SOURCE_FONDS,
	SQL_HARVEST_THUMB_PUBLIC,
	SQL__COUNT
};

/* One search index row of a record added in the open transaction. */
struct hd_index_row {
	int64_t id;             /* records.id, the row's rowid */
	char *title, *meta, *body;
};

/* Milliseconds a connection waits for a lock another holds. */
#define HD_BUSY_MS 10000

struct hd_archive {
	char *dir;              /* the data folder */
	char *objdir;           /* dir/objects */
	char *tmpdir;           /* dir/tmp */
	sqlite3 *db;
	int readonly;
	int trigrams;           /* the index has Han trigrams (version 6):
	                           search.c may walk by them */
	int scripts;            /* it marks folded characters (version 8,
	                           HD_FOLD): search.c ranks by them */
	int in_tx;
	sqlite3_stmt *st[SQL__COUNT];
	char *fonds_code;       /* the first fonds */
	char *fonds_name;
	/* Index rows of the records added in the open transaction, written
	 * all together just before COMMIT (record.c) */
	struct hd_index_row *index;
	size_t nindex, capindex;
	/* The persons of the records hd_search_warm read (search.c) */
	struct hd_persons *persons;
	int alone;              /* opened without the shared index: a full
	                           disk (connect in db.c) */
	int full;               /* SQLite said SQLITE_FULL (hd_sql_err) */
	uint64_t short_bytes;   /* ... for want of this much (0: unknown) */
	char *note;             /* hd_archive_note's line, or NULL */
	struct hd_s3 *s3;       /* the bucket its objects live in, or NULL
	                           for objects/ (s3.c) */
};

/* Free what hd_search_warm kept of a's persons (hd_archive_close). */
void hd_persons_free(struct hd_persons *p);

/* The prepared statement for name, reset and with bindings cleared; NULL
 * (and *e set) when it cannot be prepared. */
sqlite3_stmt *hd_sql(struct hd_archive *a, enum hd_sql name,
	struct hd_error *e);
/* Fill *e from the connection's last error; returns HD_EDB, or HD_EIO
 * for a full disk (SQLITE_FULL: a->full set, and the message names the
 * folder and the space missing when it is known). */
int hd_sql_err(struct hd_archive *a, struct hd_error *e, const char *what);
/* Bind a text value, or NULL when s is NULL. */
int hd_bind_text(sqlite3_stmt *st, int i, const char *s);

/*
 * Statements with their values, as Fossil's db_multi_exec and db_prepare
 * with bindings do: every value bound, never formatted into the SQL.
 * types has one letter for each value that follows, bound in order from
 * ?1, and the value must have exactly the C type its letter names (an
 * int where an int64_t is due is undefined behaviour: cast it):
 *   't'  const char *, NULL binds NULL
 *   'i'  int                'I'  int, NULL when 0 or less
 *   'l'  int64_t            'L'  int64_t, NULL when 0 or less (an id
 *                                that is not there: no batch, no record)
 *   'd'  double             '-'  NULL, and no value follows (a ?N the
 *                                statement does not use)
 * hd_sql_run and hd_sql_get assert that the letters cover every ?N of
 * the statement, hd_sql_bind that they are not more (the caller may bind
 * the rest by hand): a miscount fails the first test that runs it.
 *
 * hd_sql_bind: hd_sql(name) with the values bound; NULL (*e set) when the
 * statement cannot be prepared.
 * hd_sql_done: step st, which must finish without a row (an INSERT,
 * UPDATE or DELETE), and reset it; 0, or HD_EDB with *e "what: <SQLite's
 * message>".  A NULL st (a failed hd_sql) is HD_EDB with *e as it is, so
 * hd_sql_done(a, hd_sql_bind(...), ...) reports either failure.
 * sqlite3_changes and sqlite3_last_insert_rowid still tell of the step.
 * hd_sql_run: hd_sql_done of hd_sql_bind: one write with its values.
 * hd_sql_step: one step of st: 1 a row (st left on it), 0 the end (st
 * reset), HD_EDB (st reset, *e naming what); a NULL st is HD_EDB.
 * hd_sql_get: a statement of one row at the most: the values to bind,
 * then '>' and a letter for each column of its row, from the first,
 * read into the pointer that follows: 'i' int *, 'l' int64_t *, 'd'
 * double *, 't' char ** (a new string the caller frees; NULL for NULL).
 * 1 when a row was read, 0 when there was none (the pointers untouched),
 * HD_EDB.  The statement is reset either way.
 */
sqlite3_stmt *hd_sql_bind(struct hd_archive *a, enum hd_sql name,
	struct hd_error *e, const char *types, ...);
int hd_sql_done(struct hd_archive *a, sqlite3_stmt *st, const char *what,
	struct hd_error *e);
int hd_sql_run(struct hd_archive *a, enum hd_sql name, const char *what,
	struct hd_error *e, const char *types, ...);
int hd_sql_step(struct hd_archive *a, sqlite3_stmt *st, const char *what,
	struct hd_error *e);
int hd_sql_get(struct hd_archive *a, enum hd_sql name, const char *what,
	struct hd_error *e, const char *types, ...);

/* End the transaction hd_tx_begin opened as rc says, as Fossil's
 * db_end_transaction does: commit when rc is 0, else roll back.  Returns
 * rc, or what the commit returned (which rolled back when it failed). */
int hd_tx_end(struct hd_archive *a, int rc, struct hd_error *e);

/* A record's text quality (records.text_quality) from its pages: the
 * mean OCR confidence over 100, NULL when no page was read by OCR; the
 * record's id follows. */
#define HD_QUALITY_SQL \
	"SELECT avg(p.confidence) / 100.0 FROM files f JOIN pages p" \
	" ON p.file_id = f.id WHERE p.confidence IS NOT NULL" \
	" AND f.record_id = "

/* The schema (migrate.c).  hd_migrate brings a's schema to the newest
 * version, each step in its own transaction, telling the upgrade hook
 * (when one is set) with tell; 0 or HD_EDB (a step failed and was rolled
 * back, or the archive is newer than this program).  hd_schema_current:
 * 1 when a needs no migration. */
int hd_migrate(struct hd_archive *a, int tell, struct hd_error *e);
int hd_schema_current(struct hd_archive *a);
/* Run sql (one or more statements, no values) on a's connection; 0 or
 * HD_EDB with SQLite's message.  e may be NULL (db.c). */
int hd_exec(struct hd_archive *a, const char *sql, struct hd_error *e);
/* PRAGMA user_version of a, the schema version it has reached; -1 when
 * it cannot be read (db.c). */
int hd_user_version(struct hd_archive *a);
/* The first column of the first row sql (one statement, no values) gives
 * on a's connection, as a number; -1 when there is none or it fails
 * (db.c). */
int64_t hd_sql_number(struct hd_archive *a, const char *sql);

/* A read of several statements from one snapshot of the archive, with
 * the lock taken once (each statement on its own takes and drops it: a
 * few microseconds of fcntl and fstat a lookup).  *own is set when this
 * call opened the transaction (none was open); hd_read_end(a, *own)
 * closes it then.  0 or HD_EDB. */
int hd_read_begin(struct hd_archive *a, int *own, struct hd_error *e);
void hd_read_end(struct hd_archive *a, int own);

/* A column as a new string (NULL stays NULL); caller frees. */
char *hd_col_dup(sqlite3_stmt *st, int i);
/* A column's text copied into out (size bytes, cut to fit; "" for
 * NULL). */
void hd_col_copy(sqlite3_stmt *st, int i, char *out, size_t size);

/* Records by reference code (record.c).  hd_record_id: the id of the
 * record with canonical reference code canon into *id, 0 when there is
 * none; 0 or HD_EDB.  hd_record_find: the same for a code as a person
 * typed it; 0, HD_EINVAL (not a reference code), HD_ENOTFOUND ("%s：没有
 * 这件档案", for the pages that show it) or HD_EDB. */
int hd_record_id(struct hd_archive *a, const char *canon, int64_t *id,
	struct hd_error *e);
int hd_record_find(struct hd_archive *a, const char *ref, int64_t *id,
	struct hd_error *e);

/* Index a record's title and meta text in heads, the title-and-meta
 * full-text table of search.c (record.c): sql is SQL_HEADS_INSERT for a
 * new record, SQL_HEADS_UPDATE after an edit.  0 or HD_EDB. */
int hd_heads_put(struct hd_archive *a, enum hd_sql sql, int64_t id,
	const char *title, const char *meta, struct hd_error *e);

/* Add the terms v[0..n) of kind ("subject", "person") to record id, in
 * that order (seq 1..n; a term already there is left), inside the
 * caller's transaction (record.c).  0 or HD_EDB. */
int hd_terms_add(struct hd_archive *a, int64_t id, const char *kind,
	char *const *v, size_t n, struct hd_error *e);

/* Days (calendar.c).  hd_day_parse: a day "YYYY-MM-DD" as the Unix time
 * of its midnight UTC; 0 or HD_EINVAL (a Chinese message naming s).
 * hd_day_format: the day of Unix time t (UTC) as "YYYY-MM-DD".
 * hd_china_day_start: the moment day "YYYY-MM-DD" begins in China, as
 * ISO 8601 UTC with milliseconds ("2026-11-24T16:00:00.000Z"); 0 or
 * HD_EINVAL as hd_day_parse. */
int hd_day_parse(const char *s, int64_t *t, struct hd_error *e);
void hd_day_format(int64_t t, char out[11]);
int hd_china_day_start(const char *day, char out[32], struct hd_error *e);

/* Fill in the grp_key and contact_key of every booking from its group
 * and contact (visits.c, for migration 8), inside the caller's
 * transaction.  0 or HD_EDB. */
int hd_visit_rekey(struct hd_archive *a, struct hd_error *e);

/* Text as people type it into a form, tidied for keeping and comparing
 * (util.c): Unicode NFC (HD_TIDY_NFC: as typed, for showing), NFKC
 * (HD_TIDY_NFKC: full-width digits and letters made plain, for phone
 * numbers) or NFKC_Casefold (HD_TIDY_KEY: for comparing, case folded
 * too); then the invisible characters (default-ignorable code points:
 * U+200B and the other zero-width ones) removed, white space and
 * controls trimmed at both ends and each run of them inside made one
 * space.  Returns a new string (caller frees), or NULL when s is NULL or
 * not UTF-8. */
enum hd_tidy { HD_TIDY_NFC, HD_TIDY_NFKC, HD_TIDY_KEY };
char *hd_text_tidy(const char *s, enum hd_tidy form);

/* The text of JSON value o (jansson's json_dumps with flags) into *out,
 * which the caller frees.  Returns 0, or HD_EIO naming what when it
 * cannot be written (*out NULL) (util.c). */
struct json_t;
int hd_json_dump(const struct json_t *o, size_t flags, const char *what,
	char **out, struct hd_error *e);

/* d[0..n) as lower-case hex into out (2 * n + 1 bytes, NUL-terminated)
 * (fs.c: libsodium's sodium_bin2hex). */
void hd_hex(const unsigned char *d, size_t n, char *out);

/* Suggestions (suggest.c).  hd_suggest_record adds the terms of r
 * (title, place, subjects, persons) inside the caller's transaction:
 * hd_record_add calls it, and so must whatever changes a record's
 * description (rows are never removed; what shows is checked against the
 * records at query time).  hd_suggest_fill rebuilds the tables from the
 * catalogue inside the caller's transaction (the version 3 migration). */
int hd_suggest_record(struct hd_archive *a, const struct hd_record *r,
	struct hd_error *e);
int hd_suggest_fill(struct hd_archive *a, struct hd_error *e);

/* Remove temporary files left by processes that are gone (store.c). */
void hd_store_sweep(struct hd_archive *a);
/* Remove what killed runs left in the temporary folder dir of an
 * archive or a backup: entries "KIND-PID" and "KIND-PID-..." (KIND in
 * lower-case letters) whose process is gone (staging.c). */
void hd_tmp_sweep(const char *dir);

/* The name of the VFS the catalogue's connections open with (vfs.c):
 * SQLite's default one whose shared-memory regions are given their disk
 * blocks when mapped, so a full disk is SQLITE_FULL and never SIGBUS;
 * NULL (the default VFS) if it could not be registered. */
const char *hd_vfs_name(void);
/* How many bytes of hongdang.db-shm found no free disk block when this
 * thread's connection last failed to map a region with SQLITE_FULL (0
 * when none did); reading clears it. */
uint64_t hd_vfs_shm_short(void);

/* The event in the current row of st, whose columns 0-4 are id, at,
 * type, agent and detail, into *ev (zeroed first, ref left NULL); the
 * strings are new (hd_events_free) (event.c). */
void hd_event_row(sqlite3_stmt *st, struct hd_event *ev);
/* The name events and rows keep for agent: its name, or "unknown" when
 * there is no agent or it has no name (event.c). */
const char *hd_agent_name(const struct hd_agent *agent);
/* The hash of one event over its fields (event.c); out: 65 bytes hex. */
void hd_event_hash(const char *prev, int64_t id, const char *at,
	const char *type, int64_t record, const char *agent,
	const char *detail, char out[65]);

/* A table of codes and their Chinese names, ended by {NULL, NULL}
 * (codes.c).  hd_code_of: the code s names (a code, case-insensitive,
 * or with by_name a name), or NULL; hd_name_of: the name of a code. */
struct hd_code_name {
	const char *code;
	const char *name;
};
const char *hd_code_of(const struct hd_code_name *t, const char *s,
	int by_name);
const char *hd_name_of(const struct hd_code_name *t, const char *code);

/* The search entry's meta column of r: reference code, creator,
 * subjects, persons, place (record.c).  Caller frees. */
char *hd_record_meta_text(const struct hd_record *r);

/* Write the index rows waiting in a->index (record.c); hd_tx_commit calls
 * it before COMMIT.  Returns 0 or HD_EDB; the rows are freed either way.
 * hd_index_drop frees them unwritten (on rollback). */
int hd_index_flush(struct hd_archive *a, struct hd_error *e);
void hd_index_drop(struct hd_archive *a);
/* Queue record r's index row (its search and heads rows, rowid id) for
 * hd_index_flush, which writes the transaction's rows all together: one
 * INSERT into FTS5 each between other statements would have it flush
 * its pending rows at every statement's savepoint.  The record's
 * strings are copied. */
void hd_index_queue(struct hd_archive *a, int64_t id,
	const struct hd_record *r);
/* Take record id's row out of the queue (removed in the same
 * transaction it was added in); nothing when it is not queued. */
void hd_index_unqueue(struct hd_archive *a, int64_t id);

/* BagIt manifest paths (bagit.c, RFC 8493 2.1.3).  hd_bag_path_encode
 * appends p to b with '%', CR and LF percent-encoded, as a manifest
 * line writes it; hd_bag_path_decode turns %25, %0D and %0A (either
 * case) back in place, as a 1.0 reader must. */
void hd_bag_path_encode(struct hd_buf *b, const char *p);
void hd_bag_path_decode(char *s);

/* The value of the first tag of t[0..n) labelled label (ASCII case
 * ignored), borrowed, or NULL (bagit.c). */
const char *hd_bag_tag_get(const struct hd_bag_tag *t, size_t n,
	const char *label);
/* What names a bag for sender and receiver alike (bagit.c): the SHA-256
 * (hex, into out) of its manifest-sha256.txt or, for a bag from
 * elsewhere without one, of its payload manifests in name order, each
 * preceded by its name and a newline. */
void hd_bag_manifest_hash(const char *dir, char out[65]);
/* The size of a bag for people (Bag-Size, the slip): "341.8 KB", "1.2
 * GB", "512 bytes" (bagit.c).  A new string. */
char *hd_bag_size_text(uint64_t bytes);

/* A bag being written (bagit.c).  It is made in the folder OUT.part-PID
 * beside its destination and appears under OUT only once it is whole
 * and on disk (hd_bagw_place): whole or not at all.  Files are SHA-256
 * checked: manifest-sha256.txt and tagmanifest-sha256.txt. */
struct hd_bag_file {
	char *path;             /* bag-relative */
	char sha256[65];
	uint64_t size;          /* bytes */
};
struct hd_bagw {
	char *out;              /* the folder the bag is to become */
	char *root;             /* OUT.part-PID, where it is made */
	struct hd_bag_file *payload;
	size_t npayload;
	struct hd_bag_file *tags;   /* tag files written so far */
	size_t ntags;
	uint64_t bytes;         /* payload bytes */
	char **dirs;            /* folders made, fsynced by hd_bagw_finish */
	size_t ndirs;
	int placed;             /* 1: renamed to out */
};
/* Begin a bag that is to become the new folder out: checks that out
 * does not exist and makes OUT.part-PID.  Returns 0; HD_EUSAGE for no
 * out, HD_EEXIST when out exists, HD_EIO.  *w is initialised on every
 * path (hd_bagw_release frees it; hd_bagw_discard removes the folder). */
int hd_bagw_begin(struct hd_bagw *w, const char *out, struct hd_error *e);
/* The path on disk of the bag-relative rel, its folders made (a new
 * string into *path, caller frees; NULL on error).  0 or HD_EIO. */
int hd_bagw_path(struct hd_bagw *w, const char *rel, char **path,
	struct hd_error *e);
/* Count the payload file rel the caller wrote at hd_bagw_path's path,
 * with its SHA-256 and size, for the manifest and Payload-Oxum. */
void hd_bagw_payload(struct hd_bagw *w, const char *rel,
	const char sha256[65], uint64_t size);
/* Write the tag file rel holding text (made new, fsynced) and count it
 * for the tag manifest.  0 or HD_EIO. */
int hd_bagw_tag(struct hd_bagw *w, const char *rel, const char *text,
	struct hd_error *e);
/* Write manifest-sha256.txt, every payload file counted so far in path
 * order; out receives its SHA-256 (hd_bag_manifest_hash of the finished
 * bag).  0 or HD_EIO. */
int hd_bagw_manifest(struct hd_bagw *w, char out[65], struct hd_error *e);
/* Payload-Oxum of the payload counted so far: "OCTETS.FILES". */
void hd_bagw_oxum(const struct hd_bagw *w, char out[48]);
/* Write bag-info.txt: a line "Label: value" for each of t[0..n) whose
 * value is not NULL or empty, in order; line breaks and tabs in a value
 * become spaces, and a line over 79 characters is folded at a space
 * (RFC 8493 2.2.2), which readers join again.  0 or HD_EIO. */
int hd_bagw_info(struct hd_bagw *w, const struct hd_bag_tag *t, size_t n,
	struct hd_error *e);
/* Write bagit.txt (BagIt 1.0, UTF-8), then tagmanifest-sha256.txt (every
 * tag file but itself), and fsync every folder of the bag.  0 or
 * HD_EIO. */
int hd_bagw_finish(struct hd_bagw *w, struct hd_error *e);
/* Rename the finished bag to out and fsync the folder holding it.  0 or
 * HD_EIO. */
int hd_bagw_place(struct hd_bagw *w, struct hd_error *e);
/* Remove the bag: its folder OUT.part-PID, or out once placed. */
void hd_bagw_discard(struct hd_bagw *w);
/* Free what w holds (the bag on disk stays) and zero it. */
void hd_bagw_release(struct hd_bagw *w);

/* A number for a temporary file's name under a data folder's tmp/
 * ("obj-PID-N", "s3get-PID-N"): one sequence for the whole process, since
 * several handles to one folder (the server's threads, an ingest's
 * readers) make such files there at once (store.c). */
unsigned int hd_tmp_next(void);

#endif
