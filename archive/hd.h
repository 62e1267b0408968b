/*
 * hd.h - the Hongdang archive library (libhd.a).
 *
 * Everything the command line, the ingest pipeline and the exhibit server
 * know about the archive goes through this header: the catalogue (SQLite),
 * the content-addressed object store, the hash-chained event log and the
 * Chinese full-text search.  No other part of the program includes
 * sqlite3.h.
 *
 * Guarantees:
 *  - the library never prints and never exits; every failure is a negative
 *    return code with a message in a caller-supplied struct hd_error that
 *    names the input (out of memory aborts: see hd_xmalloc);
 *  - every change of data happens inside one SQLite transaction
 *    (hd_tx_begin / hd_tx_commit);
 *  - an object is never visible under its final name before its bytes are
 *    on disk (temporary file, fsync, rename, directory fsync);
 *  - functions whose name says "public" can only ever return approved
 *    public records: the filter is part of their SQL text, not a flag.
 */
#ifndef HD_H
#define HD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- errors */

enum hd_code {
	HD_OK = 0,
	HD_EUSAGE = -1,     /* bad arguments from the caller */
	HD_EINVAL = -2,     /* bad input data (a file, a sheet, a query) */
	HD_ENOTFOUND = -3,  /* no such record, object or data folder */
	HD_EEXIST = -4,     /* already there (init on an existing folder) */
	HD_EIO = -5,        /* the file system failed */
	HD_EDB = -6,        /* SQLite failed */
	HD_ELIMIT = -7,     /* a cap was passed (size, count, ratio) */
	HD_EREJECT = -8,    /* the batch was refused; details in a report */
	HD_ECORRUPT = -9,   /* verify found damage */
	HD_EDENIED = -10,   /* not allowed for this account */
	HD_EBUSY = -11,     /* another writer holds the archive */
};

struct hd_error {
	int code;           /* enum hd_code, 0 when nothing failed */
	char msg[1024];     /* one line, UTF-8, names the input and reason */
};

/* Set *e (if not NULL) to code and a printf-formatted message; returns
 * code so that "return hd_err(e, HD_EINVAL, ...)" reads naturally. */
int hd_err(struct hd_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hd_err_clear(struct hd_error *e);
/* The one table from codes to process exit statuses (0, 1, 2). */
int hd_exit_status(int code);
/* The one table from codes to HTTP statuses (a hidden record is 404). */
int hd_http_status(int code);

/* Allocation that aborts on out of memory (the one permitted exit). */
void *hd_xmalloc(size_t n);
void *hd_xcalloc(size_t n, size_t size);
void *hd_xrealloc(void *p, size_t n);
char *hd_xstrdup(const char *s);
char *hd_xstrndup(const char *s, size_t n);
/* asprintf that aborts on out of memory; caller frees. */
char *hd_xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* --------------------------------------------------------------- text */

/* A growable byte buffer, always NUL-terminated.  hd_buf_release frees
 * the bytes and leaves an empty buffer. */
struct hd_buf {
	char *p;
	size_t len;
	size_t cap;
};
void hd_buf_init(struct hd_buf *b);
void hd_buf_add(struct hd_buf *b, const void *s, size_t n);
void hd_buf_puts(struct hd_buf *b, const char *s);
void hd_buf_printf(struct hd_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s HTML-escaped (& < > " ' become entities). */
void hd_buf_html(struct hd_buf *b, const char *s, size_t n);
void hd_buf_release(struct hd_buf *b);
/* Hand the bytes to the caller (who frees) and leave b empty. */
char *hd_buf_detach(struct hd_buf *b);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int hd_utf8_valid(const char *s, size_t n);
/* Decode one code point at s (n bytes left); returns its length in bytes,
 * or 0 at an invalid sequence.  *cp receives the code point. */
int hd_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encode cp into out (4 bytes room); returns the length. */
int hd_utf8_encode(uint32_t cp, char *out);
/* Unicode NFC of s (valid UTF-8).  Returns a new string (caller frees) or
 * NULL when s is not valid UTF-8. */
char *hd_nfc(const char *s, size_t n);
/* Bytes in GB18030 (GBK is a subset) to UTF-8.  Returns a new string
 * (caller frees) or NULL when the bytes are not valid GB18030. */
char *hd_gb18030_to_utf8(const char *s, size_t n);
/* Text of unknown encoding to UTF-8: UTF-8 (a BOM dropped) is kept, else
 * GB18030 is tried.  Returns a new string (caller frees) or NULL. */
char *hd_text_to_utf8(const char *s, size_t n);
/* Trim ASCII and ideographic white space at both ends, in place. */
char *hd_trim(char *s);

/* Read up to cap bytes from the start of path into a new buffer (caller
 * frees *out; one spare byte is allocated for a NUL).  *more (if not NULL)
 * is set when the file is longer than cap.  Returns 0, or -1 with errno
 * set. */
int hd_read_file(const char *path, size_t cap, unsigned char **out,
	size_t *n, int *more);

/* Current time as ISO 8601 UTC with milliseconds, "2026-11-25T08:00:00.123Z". */
void hd_now_iso(char out[32]);

/* ----------------------------------------------------------- dates */

/* A description date (DA/T 18): "1985", "1985-03", "1985-03-12",
 * a range "1985/1990" or "1985-03-01/1985-04-30", an approximate year
 * "1985~".  Also accepted on input: "1985.03.12", "19850312",
 * "1985年3月12日", "1985年3月", "1985年", "1985年代" (a decade). */
struct hd_date {
	char iso[32];       /* normalised form as listed above */
	int year;           /* first year */
	int year_end;       /* last year (== year unless a range) */
	int approximate;    /* 1 for "~" */
};
/* Parse s; returns 0 or HD_EINVAL (with a message naming s). */
int hd_date_parse(const char *s, struct hd_date *d, struct hd_error *e);

/* ----------------------------------------------------- reference codes */

/* A reference code (档号) in the DA/T 13-2022 form
 *   FONDS-CAT·YEAR·RET[-CLASS]-NNNN, e.g. QF01-WS·2023·Y-DJ-0007.
 * "." is accepted for "·" on input; output always uses "·" (U+00B7). */
struct hd_ref {
	char fonds[17];     /* 全宗号: 1-16 of [A-Z0-9] */
	char category[5];   /* 门类代码: 2-4 of [A-Z] (WS, ZP, RS, SW, LY, LX) */
	int year;           /* 年度: 1000-9999 */
	char retention[5];  /* 保管期限: Y, D30 or D10 */
	char cls[9];        /* 机构(问题): 0-8 of [A-Z0-9], "" when absent */
	int item;           /* 件号: 1-99999 */
};
/* Parse s; returns 0 or HD_EINVAL with a message naming s. */
int hd_ref_parse(const char *s, struct hd_ref *r, struct hd_error *e);
/* Format r into out (64 bytes is always enough). */
void hd_ref_format(const struct hd_ref *r, char *out, size_t n);
/* Canonical form of a reference typed by a user (". " -> "·", upper
 * case).  Returns 0 and writes out, or HD_EINVAL. */
int hd_ref_canon(const char *s, char *out, size_t n, struct hd_error *e);

/* Category codes and their names: WS 文书, ZP 照片, RS 人事, SW 实物, ...
 * hd_category_code accepts a code or a Chinese name, returns the code or
 * NULL.  hd_category_name returns the Chinese name or NULL. */
const char *hd_category_code(const char *s);
const char *hd_category_name(const char *code);
/* Retention: "Y" 永久, "D30" 30年, "D10" 10年; accepts the Chinese too. */
const char *hd_retention_code(const char *s);
const char *hd_retention_name(const char *code);
/* Access levels: public, internal, restricted; accepts 公开/内部/限制. */
const char *hd_access_code(const char *s);
const char *hd_access_name(const char *code);
/* Status names in Chinese: 待审核, 已发布 ... */
const char *hd_status_name(const char *code);
/* Class (机构问题) codes of the community and their Chinese names, used
 * as the themes of the exhibit: DJ 党建, SQ 社区史, GZ 改造, DS 读书,
 * YS 演示.  Unknown codes are allowed; the name is then NULL. */
const char *hd_class_name(const char *code);

/* ---------------------------------------------------------- archive */

struct hd_archive;      /* an open data folder; opaque */

/* Who does something, for the event log: "cli:root", "web:zhang". */
struct hd_agent {
	const char *name;
};

/* Create a data folder at dir (made if missing; must be empty of an
 * archive) with its first fonds.  fonds_code: 1-16 of [A-Z0-9].
 * Returns 0, HD_EEXIST when dir already holds an archive, HD_EINVAL for a
 * bad code, HD_EIO / HD_EDB otherwise. */
int hd_archive_init(const char *dir, const char *fonds_code,
	const char *fonds_name, const struct hd_agent *agent,
	struct hd_error *e);

/* Open the archive in dir.  *out receives a handle (free with
 * hd_archive_close).  HD_ENOTFOUND when dir holds no archive.
 * readonly: 1 for a connection that never writes (server pages).
 * Schema migrations run here (by user_version). */
int hd_archive_open(const char *dir, int readonly, struct hd_archive **out,
	struct hd_error *e);
void hd_archive_close(struct hd_archive *a);
const char *hd_archive_dir(const struct hd_archive *a);

/* The default fonds (the first created) code and name; strings owned by
 * the archive. */
const char *hd_archive_fonds(struct hd_archive *a);
const char *hd_archive_name(struct hd_archive *a);
/* Look up a fonds by code: returns its id (> 0) or HD_ENOTFOUND. */
int64_t hd_fonds_id(struct hd_archive *a, const char *code,
	struct hd_error *e);

/* Transactions: all writes happen between begin and commit.  begin takes
 * the write lock (BEGIN IMMEDIATE). rollback accepts a handle with no open
 * transaction. */
int hd_tx_begin(struct hd_archive *a, struct hd_error *e);
int hd_tx_commit(struct hd_archive *a, struct hd_error *e);
void hd_tx_rollback(struct hd_archive *a);

/* ------------------------------------------------------ object store */

/* Objects live under DIR/objects/ab/cdef... by SHA-256 (lower-case hex).
 * A writer streams bytes into a temporary file while hashing them; the
 * finished objects of a batch are made durable and renamed together by
 * hd_store_publish, before the batch's transaction commits. */
struct hd_objw {
	int fd;             /* temporary file, -1 when hashing only */
	char tmp[1024];     /* its path */
	void *md;           /* EVP_MD_CTX */
	uint64_t size;      /* bytes written so far */
	char sha256[65];    /* set by hd_objw_finish */
};
/* Start an object.  dry: 1 to hash without writing anything. */
int hd_objw_open(struct hd_archive *a, struct hd_objw *w, int dry,
	struct hd_error *e);
int hd_objw_write(struct hd_objw *w, const void *p, size_t n,
	struct hd_error *e);
/* Close the temporary file and compute the hash.  The temporary file stays
 * until hd_store_publish or hd_objw_discard. */
int hd_objw_finish(struct hd_objw *w, struct hd_error *e);
/* Remove the temporary file (safe to call twice, or on a dry writer). */
void hd_objw_discard(struct hd_objw *w);

/* Make a set of finished writers durable and visible: one syncfs of the
 * store's file system (every temporary file on disk), then each renamed to
 * objects/ab/cdef... unless that object already exists (then the temporary
 * is removed), then each touched directory fsynced.  Call before the
 * batch's transaction commits.  Leaves every writer discarded. */
int hd_store_publish(struct hd_archive *a, struct hd_objw **ws, size_t nws,
	struct hd_error *e);
/* 1 when the object is present in the store. */
int hd_store_has(struct hd_archive *a, const char *sha256);
/* Path of an object in the store (caller frees), whether present or not. */
char *hd_store_path(struct hd_archive *a, const char *sha256);
/* Hash a whole file with SHA-256 (libcrypto); out: 65 bytes hex. */
int hd_sha256_file(const char *path, char out[65], uint64_t *size,
	struct hd_error *e);
/* SHA-256 of a memory block; out: 65 bytes hex. */
void hd_sha256_hex(const void *p, size_t n, char out[65]);

/* ---------------------------------------------------------- records */

struct hd_exif {
	char datetime[32];  /* DateTimeOriginal as ISO 8601, "" if absent */
	char make[64];
	char model[64];
	int orientation;    /* 1-8, 0 if absent */
	double xres;        /* dots per inch, 0 if absent */
	double yres;
	int has_gps;
	double lat;         /* decimal degrees, north positive */
	double lon;         /* decimal degrees, east positive */
};

struct hd_file {
	char *name;         /* original name as given, UTF-8 NFC, batch-relative */
	char sha256[65];
	uint64_t size;      /* bytes */
	char *mime;         /* real type from content (libmagic) */
	int width;          /* pixels, 0 when not an image */
	int height;
	int pages;          /* pages in the file (PDF, multi-page TIFF); 0 unknown */
	int has_exif;
	struct hd_exif exif;
};

struct hd_event {
	int64_t id;
	char at[32];        /* ISO 8601 UTC */
	char *type;         /* collect, ingest, review, consult, ... */
	char *agent;
	char *detail;
	char *ref;          /* the record's reference code, or NULL */
};

/* One record (件) with its description and files.  Strings are owned by
 * the struct and freed by hd_record_release. */
struct hd_record {
	int64_t id;
	char *ref;          /* DA/T 13 档号 */
	char *fonds;        /* 全宗号 */
	char *title;        /* 题名 */
	char *creator;      /* 责任者 */
	char *date;         /* ISO 8601 (struct hd_date.iso) or NULL */
	int year;           /* 0 when undated */
	int year_end;
	char *category;     /* 门类代码 WS, ZP, ... */
	char *retention;    /* Y, D30, D10 */
	char *cls;          /* 机构问题 code or NULL */
	char *access;       /* public, internal, restricted */
	char *status;       /* draft, pending, approved, returned, withdrawn */
	char *place;        /* 地点 */
	char *location;     /* physical location 库房-柜-盒 */
	char *description;  /* 附注 / abstract */
	char *language;     /* ISO 639, "zh" by default */
	char *source;       /* who handed it in */
	int pages;          /* 页数 from the sheet; 0 unknown */
	char **subjects;    /* 主题词 */
	size_t nsubjects;
	char **persons;     /* 人物 */
	size_t npersons;
	struct hd_file *files;
	size_t nfiles;
	char *body;         /* extracted text for search (not loaded by get) */
	struct hd_event *events;
	size_t nevents;
	char *created;
	char *updated;
};
void hd_record_init(struct hd_record *r);
void hd_record_release(struct hd_record *r);
/* Append a copy of s to a string list. */
void hd_strv_add(char ***v, size_t *n, const char *s);
void hd_strv_free(char **v, size_t n);

/* Start a batch (inside a transaction).  Returns the new batch id > 0, or
 * a negative code. */
int64_t hd_batch_begin(struct hd_archive *a, const char *fonds,
	const char *source, const struct hd_agent *agent,
	struct hd_error *e);
/* Record the batch's totals (inside the same transaction). */
int hd_batch_finish(struct hd_archive *a, int64_t batch, int added,
	int duplicates, struct hd_error *e);
/* Store a warning about a batch file (and its record, 0 if none). */
int hd_warning_add(struct hd_archive *a, int64_t batch, int64_t record,
	const char *path, const char *message, struct hd_error *e);

/* 1 when an object with this hash already belongs to a catalogued file. */
int hd_file_known(struct hd_archive *a, const char *sha256);

/* Add a record inside an open transaction: allocates its reference code
 * (r->ref is set; never reused), stores the description, the files (the
 * objects must have been published or be published before commit), the
 * search index entry, and the events "collect" and "ingest" (and "review"
 * when r->status is "approved").  r->fonds, r->category, r->retention,
 * r->access, r->status and r->title must be set. */
int hd_record_add(struct hd_archive *a, int64_t batch, struct hd_record *r,
	const struct hd_agent *agent, struct hd_error *e);

/* Audiences: what a caller may see.  HD_ARCHIVIST sees every record;
 * HD_PUBLIC sees approved public records only. */
enum hd_audience {
	HD_PUBLIC = 0,
	HD_ARCHIVIST = 1,
};

/* Load the record with reference code ref (any accepted spelling) into *r
 * (initialised by the caller), with files and events.  A record the
 * audience may not see is HD_ENOTFOUND, exactly like a missing one. */
int hd_record_get(struct hd_archive *a, enum hd_audience who,
	const char *ref, struct hd_record *r, struct hd_error *e);

/* The searchable text of a record loaded by hd_record_get (description
 * and the text of its files), or NULL.  Caller frees.  Visibility was
 * decided when r was loaded. */
char *hd_record_text(struct hd_archive *a, const struct hd_record *r);

/* Append an event (inside a transaction).  record: its id or 0.  Each
 * event holds the SHA-256 of the previous one. */
int hd_event_add(struct hd_archive *a, const char *type, int64_t record,
	const struct hd_agent *agent, const char *detail,
	struct hd_error *e);

/* ----------------------------------------------------------- search */

struct hd_query {
	const char *q;      /* what the user typed */
	int limit;          /* 1-1000, default 20 */
	int offset;
	int year_from;      /* 0: open */
	int year_to;
	const char *category;   /* code or NULL */
	const char *cls;        /* 机构问题 code or NULL */
	const char *fonds;
	const char *place;
	const char *person;
	int facets;         /* 1: also count facets */
};

struct hd_hit {
	int64_t id;
	char *ref;
	char *title;
	char *date;
	int year;
	char *category;
	char *cls;
	char *access;
	char *status;
	char *snippet;      /* HTML: matches in <mark></mark>, rest escaped */
	char *thumb;        /* SHA-256 of the first image file, or NULL */
};

struct hd_facet {
	char *value;
	int64_t count;
};
struct hd_facets {
	struct hd_facet *v;
	size_t n;
};

struct hd_results {
	int64_t total;
	struct hd_hit *hits;
	size_t nhits;
	struct hd_facets decade, category, place, person;
};
void hd_results_release(struct hd_results *res);

/* Full-text search.  HD_PUBLIC results contain approved public records
 * only (and so do their totals, snippets and facets).  A query FTS5 would
 * reject as syntax is searched as plain words.  res is filled (caller
 * releases it with hd_results_release). */
int hd_search(struct hd_archive *a, enum hd_audience who,
	const struct hd_query *q, struct hd_results *res, struct hd_error *e);

/* ---------------------------------------------- listings for visitors */

/* What the exhibit lists: only approved public records, always. */
struct hd_list {
	const char *cls;        /* 机构问题 code or NULL */
	const char *category;   /* 门类 code or NULL */
	int decade;             /* e.g. 1980, or 0 for any */
	int year_from;          /* 0 for any */
	int images_only;        /* 1: records with at least one image */
	int newest_first;
	int limit;              /* default 50, at most 1000 */
	int offset;
};
/* Public records matching l, in date order.  Each hit's snippet is the
 * start of the description, HTML-escaped.  res->total counts them all. */
int hd_list_public(struct hd_archive *a, const struct hd_list *l,
	struct hd_results *res, struct hd_error *e);
/* Public records related to record id (shared subjects or persons, or the
 * same class and decade), closest first. */
int hd_related_public(struct hd_archive *a, int64_t id, int limit,
	struct hd_results *res, struct hd_error *e);
/* Decades ("1980") with their number of public records, oldest first. */
int hd_decades_public(struct hd_archive *a, struct hd_facets *out,
	struct hd_error *e);
/* Classes (机构问题 codes) with their number of public records. */
int hd_classes_public(struct hd_archive *a, struct hd_facets *out,
	struct hd_error *e);
/* The most used subjects (主题词) of public records: topic chips. */
int hd_subjects_public(struct hd_archive *a, struct hd_facets *out,
	struct hd_error *e);
void hd_facets_release(struct hd_facets *f);
/* The newest event of a type: its time (and detail, caller frees, may be
 * NULL).  HD_ENOTFOUND when there is none. */
int hd_event_last(struct hd_archive *a, const char *type, char at[32],
	char **detail, struct hd_error *e);

/* ------------------------------------------------ meta configuration */

/* A setting kept in the archive (visit hours, capacity ...): its value
 * (caller frees) or a copy of def when unset. */
char *hd_meta_get(struct hd_archive *a, const char *key, const char *def);
/* Set a setting in its own transaction, as an event "config". */
int hd_meta_set(struct hd_archive *a, const char *key, const char *value,
	const struct hd_agent *agent, struct hd_error *e);

/* ------------------------------------------------- guided-talk visits */

/* One bookable hour of a day.  Public-welfare hours (公益时段, 09:00-12:00
 * by default, setting visit.free) are free; the low-price hours (setting
 * visit.paid, "14:00-17:00,19:00-21:00") cost visit.price yuan a person;
 * every slot holds visit.capacity people. */
struct hd_slot {
	char time[6];           /* "09:00" */
	int free;               /* 1: 公益时段 */
	int price;              /* yuan per person, 0 when free */
	int capacity;           /* people */
	int booked;             /* people already booked */
};
/* The slots of day ("2026-12-01"): *slots receives an array (caller
 * frees).  HD_EINVAL for a malformed day. */
int hd_visit_slots(struct hd_archive *a, const char *day,
	struct hd_slot **slots, size_t *nslots, struct hd_error *e);
/* Book a guided talk (its own transaction, an event "visit").  today is
 * "YYYY-MM-DD" (the caller's clock, for tests).  Refuses with HD_EINVAL
 * and a Chinese message naming the field: a day in the past or more than
 * 60 days ahead, an hour that is not a slot, a group name of 1-40
 * characters missing, a contact that is not a phone number or e-mail,
 * people outside 1..capacity, not enough room left in the slot, or the
 * same group booked twice in a slot.  *id receives the booking's id. */
int hd_visit_book(struct hd_archive *a, const char *day, const char *slot,
	const char *group, const char *contact, int people, const char *today,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e);

/* -------------------------------------------------- storage readings */

/* The storage room must keep 14-24 °C and 45-60 % relative humidity. */
#define HD_TEMP_MIN 14.0
#define HD_TEMP_MAX 24.0
#define HD_RH_MIN 45.0
#define HD_RH_MAX 60.0

struct hd_reading {
	char at[32];
	char room[64];
	double temp;            /* °C */
	double rh;              /* % */
	int in_range;           /* 1 when both are within the limits */
};
/* Log a reading (its own transaction, an event "storage"); at may be NULL
 * for now.  HD_EINVAL for values no thermometer gives (-40..60 °C,
 * 0..100 %). */
int hd_reading_add(struct hd_archive *a, const char *room, double temp,
	double rh, const char *at, const struct hd_agent *agent,
	struct hd_error *e);
/* The newest reading; HD_ENOTFOUND when none was logged. */
int hd_reading_last(struct hd_archive *a, struct hd_reading *r,
	struct hd_error *e);

/* ----------------------------------------------------------- verify */

struct hd_verify {
	int64_t objects;    /* objects catalogued */
	int64_t ok;
	char **damaged;     /* hashes whose content no longer matches */
	size_t ndamaged;
	char **missing;     /* hashes absent from the store */
	size_t nmissing;
	int chain_ok;       /* 1 when every event links to the one before */
	int64_t broken_at;  /* id of the first event that fails, 0 if none */
	char *chain_reason; /* why it fails, or NULL */
	int64_t events;
};
void hd_verify_release(struct hd_verify *v);
/* Recompute every object hash and the whole event chain.  Returns 0 when
 * the check ran (look at *v for its findings) or a negative code. */
int hd_verify_run(struct hd_archive *a, struct hd_verify *v,
	struct hd_error *e);

/* ------------------------------------------------------ derivatives */

enum hd_deriv {
	HD_DERIV_THUMB = 0,     /* longest side 400 px, for cards */
	HD_DERIV_SCREEN = 1,    /* longest side 1600 px, for the screens */
};
/* 1 when the object belongs to a file of an approved public record: the
 * only objects (and derivatives) a visitor may receive. */
int hd_object_public(struct hd_archive *a, const char *sha256);
/* The real type of a catalogued object, or NULL (caller frees). */
char *hd_object_mime(struct hd_archive *a, const char *sha256);
/* Path of the JPEG derivative of an image object (caller frees *path),
 * made with libvips on first use (EXIF orientation applied; JPEG, PNG,
 * TIFF masters) and cached as DIR/derived/ab/<sha>-thumb.jpg or
 * -screen.jpg (temporary file, fsync, rename).  HD_ENOTFOUND when the
 * object is not a catalogued image, HD_EINVAL when it cannot be decoded.
 * Safe to call from several threads. */
int hd_derive(struct hd_archive *a, const char *sha256, enum hd_deriv kind,
	char **path, struct hd_error *e);

/* ------------------------------------------------------------ stats */

struct hd_stats {
	int64_t records;
	int64_t photos;     /* records of category ZP */
	int64_t files;
	int64_t pages;
	int year_min;
	int year_max;
};
int hd_stats_get(struct hd_archive *a, enum hd_audience who,
	struct hd_stats *s, struct hd_error *e);

#endif
