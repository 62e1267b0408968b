/*
 * hd.h - the Hongdang archive library (libhd.a).
 *
 * Everything the command line, the ingest pipeline and the exhibit server
 * know about the archive goes through this header: the catalogue (SQLite),
 * the content-addressed object store, the hash-chained event log and the
 * Chinese full-text search.  No other part of the program includes
 * sqlite3.h.  The search and listing part is declared in hd_search.h,
 * which this file includes: front ends include this file only.
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

#include <stdarg.h>
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

/*
 * The language of messages, one rule: a message is written for whoever
 * reads it where it is shown.  The library's messages are English, naming
 * the input as given (a path, a reference code, a Chinese value or field
 * name quoted as it is: "location '一号库房-01柜': ...").  The exception
 * is the modules whose messages the exhibit and admin pages show to
 * visitors and staff as they are, in answer to what they typed into a
 * form: bookings (visits.c), accounts and logins (account.c), review
 * (review.c), consultation (consult.c) and the audit query (audit.c), and
 * the day parser they share (calendar.c's hd_day_parse): their refusals
 * of what a person typed or chose are Chinese.  Failures of the database
 * or the file system (HD_EDB, HD_EIO) and calls no form can make (a kind
 * of use that does not exist) are English everywhere: they are for the
 * operator and the programmer, not the form.
 */
struct hd_error {
	int code;           /* enum hd_code, 0 when nothing failed */
	char msg[1024];     /* one line, UTF-8, names the input and reason */
	int64_t retry;      /* HD_ELIMIT of a limit that frees itself: the
	                       seconds until it does (0 unknown) */
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

struct json_t;                  /* jansson's */
/* s as a new JSON string, or JSON null when s is NULL. */
struct json_t *hd_json_str(const char *s);
/* The n strings of v as a new JSON array of strings. */
struct json_t *hd_json_strv(char *const *v, size_t n);

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

/* UTF-8.  The library validates with GLib (g_utf8_validate), counts
 * characters with g_utf8_strlen and reads them one at a time with ICU's
 * U8_NEXT / U8_APPEND macros (unicode/utf8.h); so do the front ends. */
/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no
 * code point above U+10FFFF).  NUL bytes are allowed, unlike
 * g_utf8_validate_len: a file's bytes are checked, not a C string. */
int hd_utf8_valid(const char *s, size_t n);
/* A printable copy of s[0..n), which may hold any byte, for a message:
 * valid UTF-8 characters other than C0 and C1 controls and DEL are kept,
 * every other byte becomes "\xNN".  With max > 0 the copy stops as soon
 * as it holds max bytes or more and "..." marks the cut (it is then at
 * most max + 6 bytes).  Returns a new string, valid UTF-8 on one line
 * (caller frees). */
char *hd_utf8_printable(const char *s, size_t n, size_t max);
/* A name as messages show it (hd_utf8_printable, 160 bytes), in out. */
#define HD_SHOW_SIZE 176
const char *hd_name_show(const char *s, char out[HD_SHOW_SIZE]);
/* A problem or warning on a report about a file (path "": the whole). */
struct hd_note {
	char *path;
	char *msg;              /* one line, UTF-8 */
};
/* Free v[0..n) and v (NULL accepted).  Add a note: path ("" for NULL),
 * the message of fmt; printable 1 runs both through hd_utf8_printable. */
void hd_notes_free(struct hd_note *v, size_t n);
void hd_notes_vadd(struct hd_note **v, size_t *n, int printable,
	const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
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

/* ----------------------------------------------------- files (fs.c) */

/* Write all n bytes of p to fd (again after EINTR).  Returns 0, or -1
 * with errno set. */
int hd_fs_write_all(int fd, const void *p, size_t n);
/* Read up to cap bytes from the start of path into a new buffer (caller
 * frees *out; one spare byte is allocated for a NUL).  *more (if not NULL)
 * is set when the file is longer than cap.  Returns 0, or -1 with errno
 * set. */
int hd_read_file(const char *path, size_t cap, unsigned char **out,
	size_t *n, int *more);

/* The helpers below return 0 or a negative code with *e naming the
 * path. */
/* mkdir -p: dir and every folder above it (0755). */
int hd_fs_mkdirs(const char *dir, struct hd_error *e);
/* fsync a folder (its entries on disk), or a file (its bytes). */
int hd_fs_fsync_dir(const char *dir, struct hd_error *e);
int hd_fs_fsync_file(const char *path, struct hd_error *e);
/* Create dst (it must not exist) with the bytes of src, hashing them on
 * the way: got (if not NULL) receives the SHA-256 hex, *size the bytes.
 * When want is not NULL and differs, dst is removed: HD_ECORRUPT naming
 * src.  dst is fsynced. */
int hd_fs_copy(const char *src, const char *dst, const char *want,
	char got[65], uint64_t *size, struct hd_error *e);
/* Hash a whole file with SHA-256 (libcrypto): out receives 64 hex digits
 * and a NUL, *size (if not NULL) its bytes. */
int hd_sha256_file(const char *path, char out[65], uint64_t *size,
	struct hd_error *e);
/* Create path (it must not exist) holding p[0..n), fsynced. */
int hd_fs_write(const char *path, const void *p, size_t n,
	struct hd_error *e);
/* Replace path by p[0..n): temporary file beside it, fsync, rename,
 * folder fsync. */
int hd_fs_replace(const char *path, const void *p, size_t n,
	struct hd_error *e);
/* The folder part of path ("." when it has none); caller frees. */
char *hd_fs_parent(const char *path);
/* Remove a folder and everything in it (links are not followed). */
void hd_fs_rmtree(const char *dir);
/* 0 when path does not exist, 1 an empty folder, 2 a folder with
 * entries, 3 something else. */
int hd_fs_state(const char *path);
/* 1 for OS litter: .DS_Store, Thumbs.db, desktop.ini, AppleDouble ._x. */
int hd_fs_system_file(const char *name);

/* --------------------------------------- clocks and days (calendar.c) */

/* Current time as ISO 8601 UTC with milliseconds,
 * "2026-11-25T08:00:00.123Z". */
void hd_now_iso(char out[32]);
/* Seconds on the monotonic clock, for measuring how long work takes. */
double hd_mono_s(void);
/* The clock where time decides (sessions and login limits, the exhibit
 * server's idle merge).  hd_now_s() is seconds since the epoch: time(2)
 * plus the skew that the function given to hd_clock_set returns (none
 * until one is set; NULL removes it).  A test sets one to move time on
 * without waiting (the command line does, given HONGDANG_TEST_CLOCK); set
 * it before threads start.  hd_clock_skew_s() is the skew alone, for
 * intervals measured on the monotonic clock. */
void hd_clock_set(int64_t (*skew)(void));
int64_t hd_now_s(void);
int64_t hd_clock_skew_s(void);
/* Today in China ("YYYY-MM-DD", Asia/Shanghai) by hd_now_s: the day
 * consultation windows, bookings and transfer slips count.
 * hd_china_clock: the day and the time "HH:MM" in China of Unix time t. */
void hd_china_today(char out[11]);
void hd_china_clock(int64_t t, char day[11], char hm[6]);
/* A time typed by a person, as ISO 8601 UTC with milliseconds (the form
 * of hd_now_iso): "2026-11-20 09:30", "2026-11-20T09:30:15",
 * "2026-11-20" (midnight), with "Z" or "+08:00" or without a zone (China
 * time).  0 or HD_EINVAL naming s. */
int hd_time_parse(const char *s, char out[32], struct hd_error *e);

/* ----------------------------------------------------------- dates */

/* A description date (DA/T 18): "1985", "1985-03", "1985-03-12",
 * a range "1985/1990" or "1985-03-01/1985-04-30", an approximate year
 * "1985~".  Also read: the forms sheets write (1985.3.12, 1985/3/12,
 * 1985年3月12日, 1985年代, ranges with 至); codes.c's hd_date_parse. */
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
/* ref with '.' for each '·': the form of record URLs and of a record's
 * folder in a bag, which hd_ref_canon reads back.  A new string (caller
 * frees). */
char *hd_ref_dotted(const char *ref);

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

/* Giving back a catalogue's free pages: its bytes (hongdang.db and the
 * WAL) before and after, those of its free pages, and the free space
 * that takes (on the folder's file system and SQLite's temporary
 * folder's) and there is (the smaller). */
struct hd_compact {
	int64_t size, size_after, freed, need, room;
};
/* Make the catalogue anew without its free pages (VACUUM, then the WAL
 * emptied) when they are a tenth of it or more, and the disks have room
 * (c says how much).  0 when done (c->size_after), 1 when there is too
 * little to give back, HD_ELIMIT when the room is missing (nothing
 * changed; e says how much is needed), HD_EDB/HD_EIO. */
int hd_compact(struct hd_archive *a, struct hd_compact *c,
	struct hd_error *e);

/* How far hd_archive_open is in bringing an archive that an older version
 * made up to date (a schema upgrade).  Each version is one step in a
 * transaction of its own, so an upgrade cut short keeps the steps it
 * finished and the next open goes on from there.  A step that rebuilds
 * the search index reads every record, so it reports its progress. */
enum hd_upgrade_event {
	HD_UPGRADE_START = 1,   /* once, before the first step */
	HD_UPGRADE_STEP,        /* a step begins, and every 0.2 s of it */
	HD_UPGRADE_STEP_DONE,   /* the step was committed */
	HD_UPGRADE_FAILED,      /* the step failed and was rolled back: the
	                           archive stays at version - 1, the open
	                           fails; the last call */
	HD_UPGRADE_DONE,        /* the archive is at version to; the last */
	HD_UPGRADE_COMPACT,     /* after the steps, when one rebuilt an
	                           index: the file is made again without the
	                           free pages (compact: hd_compact) */
	HD_UPGRADE_COMPACT_DONE,    /* ... it was: size_after */
	HD_UPGRADE_COMPACT_SKIPPED, /* ... it was not: what says why (room
	                               < need, or SQLite's message) */
};
struct hd_upgrade {
	enum hd_upgrade_event event;
	const char *dir;        /* the data folder */
	int from, to;           /* schema versions: before, and wanted */
	int version;            /* the one this step makes (from+1 .. to) */
	const char *what;       /* what the step does, in Chinese */
	int64_t done, total;    /* its work (texts indexed): total 0 when
	                           it is not counted; done <= total */
	double step_secs;       /* seconds since the step began */
	double secs;            /* seconds since the upgrade began */
	struct hd_compact compact;  /* COMPACT*: see hd_compact */
};
typedef void hd_upgrade_fn(const struct hd_upgrade *u, void *ud);
/* Call fn during every schema upgrade hd_archive_open runs, on the thread
 * that opened the archive (see enum hd_upgrade_event).  Process-wide,
 * since the upgrade runs before the open returns a handle; set it before
 * opening archives (NULL, the default: silence).  Making a new archive
 * (hd_archive_init) calls it never. */
void hd_set_upgrade_hook(hd_upgrade_fn *fn, void *ud);

/* The default fonds (the first created) code and name; strings owned by
 * the archive. */
const char *hd_archive_fonds(struct hd_archive *a);
const char *hd_archive_name(struct hd_archive *a);
/* A number that changes whenever another connection (another handle,
 * another process) has committed a change since this handle last asked
 * (SQLite's PRAGMA data_version); -1 on error.  For caches of pages. */
int64_t hd_archive_data_version(struct hd_archive *a);
/* Look up a fonds by code: *id receives its id (> 0).  Returns 0,
 * HD_ENOTFOUND when there is no such fonds, HD_EDB. */
int hd_fonds_id(struct hd_archive *a, const char *code, int64_t *id,
	struct hd_error *e);

/* Transactions: all writes happen between begin and commit.  begin takes
 * the write lock (BEGIN IMMEDIATE). rollback accepts a handle with no open
 * transaction.  flush writes the search index rows of the records added
 * so far into the transaction (commit does it too): the bulk of a large
 * batch's commit, which a caller may run while another thread publishes
 * the batch's objects.  flush returns 0, HD_EUSAGE (no transaction open)
 * or HD_EDB, having rolled the transaction back. */
int hd_tx_begin(struct hd_archive *a, struct hd_error *e);
int hd_tx_flush(struct hd_archive *a, struct hd_error *e);
int hd_tx_commit(struct hd_archive *a, struct hd_error *e);
void hd_tx_rollback(struct hd_archive *a);

/* ------------------------------------------------------ object store */

/* Objects live under DIR/objects/ab/cdef... by SHA-256 (lower-case hex).
 * A writer streams bytes into a temporary file while hashing them; the
 * finished objects of a batch are made durable and renamed together by
 * hd_store_publish, before the batch's transaction commits. */
struct hd_objw {
	int fd;             /* temporary file, -1 when hashing only */
	char *tmp;          /* its path (owned), or NULL: a batch keeps */
	char *src;          /* thousands, so no fixed buffers; or, for a
	                       bucket, the file it is read from and sent
	                       from (hd_objw_open_from), or NULL */
	void *md;           /* EVP_MD_CTX */
	uint64_t size;      /* bytes written so far */
	char sha256[65];    /* set by hd_objw_finish */
};
/* Start an object.  dry: 1 to hash without writing anything.  Threads
 * may write objects of one archive side by side, each its own w.
 * hd_objw_discard accepts w in any state, zeroed (never opened) too. */
int hd_objw_open(struct hd_archive *a, struct hd_objw *w, int dry,
	struct hd_error *e);
int hd_objw_write(struct hd_objw *w, const void *p, size_t n,
	struct hd_error *e);
/* hd_objw_open for the bytes of the file src: when a's objects live in a
 * bucket they are only hashed, and hd_store_publish sends them from src
 * itself (the gateway refuses them if src changed since: their hash is
 * sent with them); otherwise, as hd_objw_open. */
int hd_objw_open_from(struct hd_archive *a, struct hd_objw *w,
	const char *src, struct hd_error *e);
/* Close the temporary file and compute the hash.  The temporary file stays
 * until hd_store_publish or hd_objw_discard. */
int hd_objw_finish(struct hd_objw *w, struct hd_error *e);
/* Remove the temporary file (safe to call twice, or on a dry writer). */
void hd_objw_discard(struct hd_objw *w);

/* Make a set of finished writers durable and visible: every temporary
 * file's bytes on disk (each fsynced, or for a batch of 16 and more one
 * syncfs of the store's file system, which is cheaper then), then each
 * renamed to objects/ab/cdef... unless that object already exists (then
 * the temporary is removed), then each touched directory fsynced, and the
 * objects folder when a directory was made.  Call before the batch's
 * transaction commits.  Returns 0 or HD_EIO naming the path; leaves every
 * writer discarded either way. */
int hd_store_publish(struct hd_archive *a, struct hd_objw **ws, size_t nws,
	struct hd_error *e);
/* 1 when the object is present in the store. */
int hd_store_has(struct hd_archive *a, const char *sha256);
/* Path of an object in the store (caller frees), whether present or not. */
char *hd_store_path(struct hd_archive *a, const char *sha256);
/* 1 when s is 64 lower-case hex digits: an object name, a session
 * token. */
int hd_sha_ok(const char *s);
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

/* Start a batch (inside a transaction) of the fonds with that code:
 * *batch receives its id (> 0).  Returns 0, HD_EUSAGE outside a
 * transaction, HD_ENOTFOUND for an unknown fonds, HD_EDB. */
int hd_batch_begin(struct hd_archive *a, const char *fonds,
	const char *source, const struct hd_agent *agent, int64_t *batch,
	struct hd_error *e);
/* Record the batch's totals (inside the same transaction). */
int hd_batch_finish(struct hd_archive *a, int64_t batch, int added,
	int duplicates, struct hd_error *e);
/* Store a warning about a batch file (and its record, 0 if none). */
int hd_warning_add(struct hd_archive *a, int64_t batch, int64_t record,
	const char *path, const char *message, struct hd_error *e);

/* *known becomes 1 when an object with this hash already belongs to a
 * catalogued file, else 0.  Returns 0, or HD_EDB when the catalogue
 * cannot be read (*known is then 0 and means nothing: the caller must
 * not take the file for new). */
int hd_file_known(struct hd_archive *a, const char *sha256, int *known,
	struct hd_error *e);

/* Add a record inside an open transaction: allocates its reference code
 * (r->ref is set; never reused), stores the description, the files (the
 * objects must have been published or be published before commit), the
 * search index entry (written at hd_tx_commit, with those of the other
 * records of the transaction), and the events "collect" and "ingest" (and
 * "review" when r->status is "approved").  r->fonds, r->category,
 * r->retention, r->access, r->status and r->title must be set. */
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
 * and the text of its files), or NULL (none, or the catalogue cannot be
 * read).  Caller frees.  Visibility was decided when r was loaded. */
char *hd_record_text(struct hd_archive *a, const struct hd_record *r);

/* The text of one page of a file (archive/pagetext.c): from a PDF's text
 * layer or read by OCR, for showing beside the page image. */
struct hd_page {
	int seq;            /* the file's position in its record, from 1 */
	int page;           /* page in the file, from 1 */
	char *text;         /* UTF-8, "" for a blank page */
	int conf;           /* OCR mean word confidence 0-100, -1: text layer */
};
/* Store the text of page `page` of file `seq` of record `record`, inside
 * the batch's transaction (after hd_record_add).  conf: 0-100, or -1 for
 * a text layer (stored as NULL).  Storing a page twice replaces it.
 * Returns 0, HD_EUSAGE outside a transaction, HD_EDB. */
int hd_page_add(struct hd_archive *a, int64_t record, int seq, int page,
	const char *text, int conf, struct hd_error *e);
/* The pages of a record loaded by hd_record_get, in file and page order:
 * *pages receives an array (free with hd_pages_free), *npages its count
 * (0 and NULL when none).  Visibility was decided when r was loaded. */
int hd_record_pages(struct hd_archive *a, const struct hd_record *r,
	struct hd_page **pages, size_t *npages, struct hd_error *e);
void hd_pages_free(struct hd_page *pages, size_t npages);

/* Append an event (inside a transaction).  record: its id or 0.  Each
 * event holds the SHA-256 of the previous one. */
int hd_event_add(struct hd_archive *a, const char *type, int64_t record,
	const struct hd_agent *agent, const char *detail,
	struct hd_error *e);

#include "hd_search.h"

/* ------------------------------------------------ meta configuration */

/* A setting kept in the archive (visit hours, capacity ...): *value
 * receives a new copy of its value, or of def when it is unset (NULL when
 * def is NULL too); caller frees.  Returns 0, or HD_EDB (*value NULL)
 * when the catalogue cannot be read (busy, damaged): never the default
 * in place of a value that could not be read. */
int hd_meta_get(struct hd_archive *a, const char *key, const char *def,
	char **value, struct hd_error *e);
/* Set a setting in its own transaction, as an event "config". */
int hd_meta_set(struct hd_archive *a, const char *key, const char *value,
	const struct hd_agent *agent, struct hd_error *e);

/* Guided-talk visits and the visitors' form tokens: hd_visit.h, at the
 * end. */

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

/* The fixity audit of the digital store: hd_verify_run, then (its own
 * transaction) an event "fixity" whose detail starts as "hongdang verify"
 * writes it ("objects N, ok N, damaged N, missing N, events N, chain
 * ok|broken") and goes on to name each damaged or missing object with the
 * records holding it ("; damaged QF01-WS·1985·Y-DJ-0001 (3f9a1c2b…)"),
 * so the admin home can flag them.  *v receives the findings (release
 * with hd_verify_release).  For a daily audit inside the server:
 * hd_fixity_due says whether the last "fixity" event is older than
 * hours (1 also when there is none or it cannot be read: an audit too
 * many rather than one missed). */
int hd_fixity_audit(struct hd_archive *a, const struct hd_agent *agent,
	struct hd_verify *v, struct hd_error *e);
int hd_fixity_due(struct hd_archive *a, int hours);

/* ------------------------------------------------------ derivatives */

enum hd_deriv {
	HD_DERIV_THUMB = 0,     /* longest side 400 px, for cards */
	HD_DERIV_SCREEN = 1,    /* longest side 1600 px, for the screens */
};
/* 1 when the object belongs to a file of an approved public record: the
 * only objects (and derivatives) a visitor may receive.  0 also when the
 * catalogue cannot be read: the visitor is refused, never let through. */
int hd_object_public(struct hd_archive *a, const char *sha256);
/* The real type of a catalogued object, or NULL (also when the catalogue
 * cannot be read; caller frees). */
char *hd_object_mime(struct hd_archive *a, const char *sha256);
/* Path of the JPEG derivative of an image object (caller frees *path),
 * made with libvips on first use (EXIF orientation applied; JPEG, PNG,
 * TIFF masters) and cached as DIR/derived/ab/<sha>-thumb.jpg or
 * -screen.jpg (temporary file, fsync, rename).  HD_ENOTFOUND when the
 * object is not a catalogued image, HD_EINVAL when it cannot be decoded.
 * Safe to call from several threads. */
int hd_derive(struct hd_archive *a, const char *sha256, enum hd_deriv kind,
	char **path, struct hd_error *e);

/* Zoom into a big master: its pyramid of JPEG tiles (HD_TILE_SIZE
 * square, the last of a row or column smaller), DeepZoom levels from 0
 * (one pixel) to full resolution, EXIF orientation applied, metadata
 * stripped.  Made with libvips (dzsave) on first use, the whole pyramid
 * at once, and cached as DIR/derived/tiles/ab/<sha>/ (Z/X_Y.jpg and
 * image.dzi), written under tmp/ and renamed in whole.  hd_tiles_get
 * fills *t and gives the pyramid's folder (*dir, caller frees);
 * hd_tile the path of tile (z, x, y) (*path, caller frees).  HD_ENOTFOUND
 * when the object is not a catalogued image or the tile is outside it,
 * HD_EINVAL when the master cannot be decoded.  Who may see it is the
 * caller's to decide.  Safe to call from several threads. */
#define HD_TILE_SIZE 256
struct hd_tiles {
	int width, height;      /* pixels at full resolution (oriented) */
	int tile;               /* HD_TILE_SIZE */
	int levels;             /* 0 .. levels - 1 (full resolution) */
};
int hd_tiles_get(struct hd_archive *a, const char *sha256,
	struct hd_tiles *t, char **dir, struct hd_error *e);
int hd_tile(struct hd_archive *a, const char *sha256, int z, int x, int y,
	char **path, struct hd_error *e);

/* ---------------------------------------- the paper storage room (room.c) */

#define HD_LOCATION_MAX 256     /* bytes of a location path */

/* A shelf location of paper originals: room 库房, cabinet 柜, shelf 层,
 * box 盒: one to four parts of 1-60 bytes (UTF-8, no control
 * characters).  Typed with '/', '-' or '／' between the parts; kept with
 * '-', as catalogue sheets write 位置: "一号库房-01柜-02层-03盒".
 * Writes the canonical form into out; 0 or HD_EINVAL naming s. */
int hd_location_canon(const char *s, char out[HD_LOCATION_MAX],
	struct hd_error *e);
/* Add a location and those enclosing it (its own transaction, an event
 * "storage").  out (if not NULL) receives the canonical path.  HD_EEXIST
 * when it is there already, HD_EINVAL for a malformed path. */
int hd_location_add(struct hd_archive *a, const char *path,
	const struct hd_agent *agent, char out[HD_LOCATION_MAX],
	struct hd_error *e);
struct hd_location {
	char *path;
	int depth;              /* 1 room ... 4 box */
	int64_t records;        /* records kept there or inside it */
};
/* Every location in path order: *v receives an array (caller frees with
 * hd_locations_free). */
int hd_location_list(struct hd_archive *a, struct hd_location **v,
	size_t *n, struct hd_error *e);
void hd_locations_free(struct hd_location *v, size_t n);
/* Record where the paper original of ref is kept (its own transaction, an
 * event "storage" on the record naming the old and the new place).  The
 * location must have been added.  HD_ENOTFOUND for an unknown record or
 * location, HD_EINVAL for a malformed one. */
int hd_location_assign(struct hd_archive *a, const char *ref,
	const char *path, const struct hd_agent *agent, struct hd_error *e);

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
/* Readings logged at or after since (ISO 8601 UTC), oldest first; room
 * NULL for every room.  *v receives an array (caller frees). */
int hd_readings_since(struct hd_archive *a, const char *since,
	const char *room, struct hd_reading **v, size_t *n,
	struct hd_error *e);

/* Inventory (盘点) of a room or cabinet: started, items marked found by
 * reference code (typed or scanned), finished with a report. */
int hd_inventory_start(struct hd_archive *a, const char *scope,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e);

enum hd_inv_mark {
	HD_INV_EXPECTED = 0,    /* kept here by the catalogue */
	HD_INV_MISPLACED,       /* kept elsewhere, or found at another place */
	HD_INV_UNLOCATED,       /* catalogued without a location */
	HD_INV_UNKNOWN,         /* no such record */
	HD_INV_AGAIN,           /* marked found before in this inventory */
};
struct hd_inv_found {
	char ref[64];           /* canonical when it could be made */
	int mark;               /* enum hd_inv_mark */
	char *location;         /* where the catalogue keeps it, or NULL */
	char *title;            /* or NULL */
};
/* Mark refs[0..n) found (one transaction).  at: the location inside the
 * inventory's scope where they were found, or NULL.  out[0..n) is filled
 * (release with hd_inv_found_release).  HD_ENOTFOUND for an unknown
 * inventory, HD_EINVAL when it is finished or at is not inside it. */
int hd_inventory_found(struct hd_archive *a, int64_t id, const char *at,
	const char *const *refs, size_t n, struct hd_inv_found *out,
	struct hd_error *e);
void hd_inv_found_release(struct hd_inv_found *v, size_t n);
/* The report of inventory id as JSON (*json, caller frees):
 *   {"inventory", "scope", "started", "finished", "expected", "found",
 *    "missing": [{ref, title, location}],
 *    "misplaced": [{ref, title, location, found_at}],
 *    "unlocated": [{ref, title}], "unknown": [ref]}
 * finish 1 ends the inventory: its own transaction stores the report and
 * writes it as the detail of an event "storage".  finish 0 reports the
 * progress and writes nothing.  A finished inventory gives its stored
 * report (HD_EINVAL when asked to finish again). */
int hd_inventory_report(struct hd_archive *a, int64_t id, int finish,
	const struct hd_agent *agent, char **json, struct hd_error *e);

/* ------------ BagIt bags, RFC 8493 (bagit_validate.c reads, bagit.c) */

/* A line of bag-info.txt (UTF-8), a folded value joined with spaces. */
struct hd_bag_tag {
	char *label;
	char *value;
};
/* Free t[0..n) and t.  Accepts NULL. */
void hd_bag_tags_free(struct hd_bag_tag *t, size_t n);
/* What hd_bag_validate found; hd_bag_report_release frees it. */
struct hd_bag_report {
	struct hd_note *errs;   /* problems (paths bag-relative: ".", data/x) */
	size_t nerrs;
	struct hd_note *warns;  /* worth a word, the bag is valid */
	size_t nwarns;
	struct hd_bag_tag *info;    /* bag-info.txt (package-info.txt) */
	size_t ninfo;
};
void hd_bag_report_release(struct hd_bag_report *r);
/* Validate the bag in folder dir (1.0, 0.93-0.97): every manifest and
 * checksum, nothing missing or unlisted, Payload-Oxum, encodings, no
 * path out, nothing to fetch.  *r gets every problem, warning and tag,
 * on every path.  0 when valid, else HD_EINVAL naming the first. */
int hd_bag_validate(const char *dir, struct hd_bag_report *r,
	struct hd_error *e);
/* 1 when dir holds a regular file bagit.txt (not a link), else 0. */
int hd_bag_detect(const char *dir);
/* The bag in an unpacked folder: dir, or its one top folder (OS litter
 * not counted) holding bagit.txt.  A new path, or NULL. */
char *hd_bag_find(const char *dir);

/* ---------------------------------------------- transfer (transfer.c) */

/* A transfer (转递) sent ('out') or received ('in': its id is the
 * receipt 回执 number). */
struct hd_transfer {
	int64_t id;
	char direction[4];      /* "out" or "in" */
	char *uuid;             /* the bag's External-Identifier */
	char *peer;             /* out: 收件单位; in: the sender */
	char *reason;
	int items;
	int pages;
	int files;
	uint64_t bytes;         /* payload bytes */
	char manifest[65];      /* SHA-256 of manifest-sha256.txt */
	char *at;               /* ISO 8601 UTC */
	char *agent;
	char *path;             /* the bag written or read */
	char *detail;           /* JSON: the items */
	char *confirmed;        /* out: when the receipt was recorded */
	char *receipt;          /* out: the receipt (JSON) */
};
void hd_transfer_release(struct hd_transfer *t);
void hd_transfers_free(struct hd_transfer *v, size_t n);
int hd_transfer_get(struct hd_archive *a, int64_t id, struct hd_transfer *t,
	struct hd_error *e);
int hd_transfer_list(struct hd_archive *a, struct hd_transfer **v,
	size_t *n, struct hd_error *e);

/* Catalogue sheets as Hongdang writes them (sheetw.c): the columns the
 * ingest's sheet reader takes, in this order, so that a sheet written
 * goes back in ("ingest --sheet") describing the same records. */
#define HD_SHEET_COLUMNS 14
extern const char *const hd_sheet_columns[HD_SHEET_COLUMNS];
/* The cells of r in those columns, each a new string ("" when empty;
 * free with hd_sheet_cells_release): 文件名 its files' names in their
 * order joined by ';' (each after folder and '/' when folder is not
 * NULL), codes as catalogued (门类 ZP, 开放 restricted), subjects and
 * persons joined by ';', 页数 "" when unknown. */
void hd_sheet_cells(const struct hd_record *r, const char *folder,
	char *cells[HD_SHEET_COLUMNS]);
void hd_sheet_cells_release(char *cells[HD_SHEET_COLUMNS]);
/* A CSV row of cells[0..n) appended to b: each cell quoted, its quotes
 * doubled (libcsv's csv_write), "," between, CRLF after. */
void hd_csv_row(struct hd_buf *b, char *const *cells, size_t n);
/* A CSV sheet's start (UTF-8 BOM, for Excel, and the header row), and a
 * record's row, appended to b. */
void hd_sheet_csv_header(struct hd_buf *b);
void hd_sheet_csv_record(struct hd_buf *b, const struct hd_record *r,
	const char *folder);

/* What to export: refs, or every record naming person, or every record
 * a search for query finds (archivist's view: all statuses and access
 * levels). */
struct hd_export {
	const char *out;            /* the bag folder to make; must not exist */
	const char *const *refs;
	size_t nrefs;
	const char *person;
	const char *query;
	const char *to;             /* 收件单位, or NULL */
	const char *reason;         /* 转递原因, or NULL */
	/* slip.html rendered by slip from data (borrowed, as slip_json in
	 * transfer.c makes it) while the bag is made; not 0 fails the
	 * export.  NULL: no slip.html. */
	int (*slip)(const struct json_t *data, struct hd_buf *html,
		void *ud, struct hd_error *e);
	void *slip_ud;
};
/* Write a BagIt 1.0 bag (RFC 8493) of the records chosen by x: bagit.txt,
 * bag-info.txt carrying the transfer slip (转递单), manifest-sha256.txt,
 * tagmanifest-sha256.txt, the payload data/<REF>/<original names>
 * (byte-identical, each hash checked against its name while copied),
 * metadata/records.json and metadata/records.csv (a catalogue sheet
 * naming the payload, so "hongdang ingest --sheet BAG/metadata/records.csv
 * BAG" catalogues it) and slip.html (x->slip).  The bag is made
 * under a temporary name beside x->out, fsynced and renamed: it appears
 * whole or not at all.  Then, in one transaction, the transfer and an
 * event "transfer" on each record.  *t receives it (release with
 * hd_transfer_release).  HD_ENOTFOUND when nothing is chosen or a
 * reference code is unknown, HD_EEXIST when x->out exists, HD_ECORRUPT
 * when an object no longer matches its hash, or x->slip's error. */
int hd_transfer_export(struct hd_archive *a, const struct hd_export *x,
	const struct hd_agent *agent, struct hd_transfer *t,
	struct hd_error *e);

/* One record of a received bag, from its metadata/records.json. */
struct hd_received {
	const char *ref;            /* the sender's reference code */
	const char *title;
	const char *sha256;         /* its first file */
};
/* A bag that was validated and ingested, for the receipt. */
struct hd_receive {
	const char *path;           /* the bag as given */
	const char *root;           /* its folder (unpacked) */
	const struct hd_bag_tag *info;  /* its bag-info.txt */
	size_t ninfo;
	int files;
	uint64_t bytes;
	int64_t batch;              /* the ingest batch, 0 if all was held */
	const struct hd_received *items;
	size_t nitems;
};
/* Record the receipt of bag r (its own transaction): a transfer 'in'
 * named by its External-Identifier (else its manifest hash), its id the
 * receipt number, each item mapped to the local record holding its first
 * file, an event "transfer" on each record received and one for the
 * receipt.  A bag received before gives its receipt again: *again = 1. */
int hd_transfer_receive(struct hd_archive *a, const struct hd_receive *r,
	const struct hd_agent *agent, int64_t *id, int *again,
	struct hd_error *e);
/* Write the receipt of received transfer id (JSON) to path: temporary
 * file, fsync, rename.  HD_ENOTFOUND when id is not a receipt. */
int hd_receipt_write(struct hd_archive *a, int64_t id, const char *path,
	struct hd_error *e);
/* Record on the sending side the receipt in the file at path (its own
 * transaction, an event "transfer" on each record it names): it must
 * name a transfer sent from here and repeat its manifest hash and items.
 * *t receives the transfer.  HD_EINVAL for a receipt that is malformed
 * or does not match, HD_ENOTFOUND for an unknown transfer, HD_EEXIST when
 * it was confirmed already. */
int hd_transfer_confirm(struct hd_archive *a, const char *path,
	const struct hd_agent *agent, struct hd_transfer *t,
	struct hd_error *e);

/* ---------------------------------------------------- backup (backup.c) */

struct hd_backup_stats {
	int64_t objects;        /* objects the catalogue holds */
	int64_t copied;         /* written (new, or replacing a bad copy) */
	int64_t kept;           /* already in the backup, hash checked */
	int64_t replaced;       /* in the backup but damaged: written again */
	uint64_t bytes;         /* bytes copied */
	int64_t records;
	int64_t events;
	char db_sha256[65];     /* of the catalogue copy */
};
/* Back up the archive into dest while it is in use: the catalogue through
 * SQLite's online backup API (one consistent snapshot, writers never
 * blocked), then every object the snapshot names, hashed while copied and
 * checked against its name, each written to a temporary file, fsynced and
 * renamed.  dest is a new or empty folder, or an earlier backup (then
 * only missing or damaged objects are written, and the catalogue copy is
 * replaced by rename).  A file dest/BACKUP describes it.  An event
 * "backup" records the run.  HD_EEXIST when dest holds something that is
 * not a backup, HD_ECORRUPT when an object of the archive is damaged
 * (named). */
int hd_backup_run(struct hd_archive *a, const char *dest,
	const struct hd_agent *agent, struct hd_backup_stats *st,
	struct hd_error *e);
/* Restore the backup in src into dir (absent or empty): every object
 * copied and checked against its hash, the catalogue checked against the
 * hash in BACKUP, everything fsynced, made under a temporary name and
 * renamed into dir; then the restored archive is verified (objects and
 * event chain, *v; release with hd_verify_release) and an event "restore"
 * is written.  HD_EEXIST when dir is not empty, HD_ECORRUPT when the
 * backup is damaged (nothing is left in dir). */
int hd_restore_run(const char *src, const char *dir,
	const struct hd_agent *agent, struct hd_backup_stats *st,
	struct hd_verify *v, struct hd_error *e);

/* --------------------------------------- accounts and sessions (account.c) */

/* Staff roles and what each may do; every admin page asks hd_role_can on
 * the server.  admin: everything, accounts too; archivist: the queue,
 * records, edits and resubmission, consultation requests, the audit log;
 * reviewer: the queue, records, approve / return / withdraw, deciding
 * consultation requests. */
enum hd_perm {
	HD_PERM_STAFF = 0,          /* admin home, queue, records (read) */
	HD_PERM_EDIT,               /* edit description fields, resubmit */
	HD_PERM_DECIDE,             /* approve, return, withdraw */
	HD_PERM_CONSULT_ASK,        /* file and list consultation requests */
	HD_PERM_CONSULT_DECIDE,     /* approve or refuse them */
	HD_PERM_AUDIT,              /* read the event log */
	HD_PERM_USERS,              /* manage accounts */
};
/* "admin", "archivist" or "reviewer" for a code or its Chinese name
 * (管理员, 档案员, 审核人); NULL otherwise. */
const char *hd_role_code(const char *s);
const char *hd_role_name(const char *code);
/* 1 when role (a code) grants p. */
int hd_role_can(const char *role, enum hd_perm p);

#define HD_USER_MAX 32          /* bytes of an account name */
#define HD_PASSWORD_MIN 8       /* characters of a password */
#define HD_PASSWORD_MAX 1024    /* bytes of a password */

struct hd_user {
	int64_t id;
	char name[HD_USER_MAX + 1];
	char role[16];
	int disabled;
	char created[32];           /* ISO 8601 UTC */
	char last_login[32];        /* ISO 8601 UTC, "" when never */
};

/* Add an account (its own transaction, an event "account" that names
 * the account and role, never the password).  name: 1-32 of [a-z0-9._-]
 * starting with a letter or digit; role: a code or Chinese name;
 * password: 8-1024 bytes of UTF-8, not the name.  The password is hashed
 * with argon2id (crypto_pwhash_str).  HD_EINVAL for a bad name, role or
 * password, HD_EEXIST when the name is taken. */
int hd_user_add(struct hd_archive *a, const char *name, const char *role,
	const char *password, const struct hd_agent *agent,
	struct hd_error *e);
/* Every account by name: *v receives an array (caller frees). */
int hd_user_list(struct hd_archive *a, struct hd_user **v, size_t *n,
	struct hd_error *e);
/* One account; HD_ENOTFOUND when there is none. */
int hd_user_get(struct hd_archive *a, const char *name, struct hd_user *u,
	struct hd_error *e);
/* Disable (1) or enable (0) an account; disabling ends its sessions.
 * Its own transaction and event. */
int hd_user_disable(struct hd_archive *a, const char *name, int disabled,
	const struct hd_agent *agent, struct hd_error *e);
/* Set a new password (rules as for hd_user_add), end the account's
 * sessions and forget its failed logins.  Its own transaction and
 * event. */
int hd_user_passwd(struct hd_archive *a, const char *name,
	const char *password, const struct hd_agent *agent,
	struct hd_error *e);

/* Session and login limits.  hd_login_policy_default fills the values
 * in the comments. */
struct hd_login_policy {
	int idle;           /* seconds without a request that end a session
	                       (1800) */
	int max;            /* seconds a session lives at most (43200) */
	int fails;          /* failures of one name from one address within
	                       window that lock the name for that address;
	                       from any addresses, that slow it (5) */
	int fails_remote;   /* failures from one address within window that
	                       lock it (20) */
	int window;         /* seconds (900) */
	int lock;           /* seconds a lock lasts after the last counted
	                       failure (900) */
	int slow;           /* seconds a name slowed waits after its newest
	                       failure, doubled for each one past fails
	                       (2) */
	int slow_max;       /* ... up to (60) */
};
void hd_login_policy_default(struct hd_login_policy *p);

/* A logged-in account, as a page sees it. */
struct hd_session {
	int64_t user_id;
	char user[HD_USER_MAX + 1];
	char role[16];
	char agent[HD_USER_MAX + 8];    /* "web:NAME", for events */
	char csrf[65];      /* the session's form token (hex) */
	int64_t created;    /* Unix seconds */
	int64_t seen;
};

/* Log in name with password from address remote.  The password hash is
 * computed whether or not the name exists, is disabled or the password
 * is wrong, so they take the same time.  The limits are checked and the
 * attempt counted (as a failure until it succeeds) in one transaction
 * before the password is verified, so guesses at once cannot verify more
 * than the limits allow.  On success a session starts: token receives
 * the cookie value (64 hex digits, 256 random bits; only its SHA-256 is
 * stored) and *s the session, and an event "login" is written.
 * HD_EDENIED (one message for an unknown name, a disabled account and a
 * wrong password), or HD_ELIMIT with no password checked (the same for a
 * name that does not exist): the name is locked from this address, the
 * address is locked, or the name must wait a few seconds since its
 * newest failure (policy: fails, slow). */
int hd_login(struct hd_archive *a, const char *name, const char *password,
	const char *remote, const struct hd_login_policy *p, char token[65],
	struct hd_session *s, struct hd_error *e);
/* A cookie's session (read without the write lock; last-seen time and
 * expiry written when it is free).  HD_ENOTFOUND when the token is
 * malformed, unknown, idle too long, too old or its account disabled. */
int hd_session_check(struct hd_archive *a, const char *token,
	const struct hd_login_policy *p, struct hd_session *s,
	struct hd_error *e);
/* End the session of a cookie value (an event "logout"); 0 also when
 * there was none. */
int hd_logout(struct hd_archive *a, const char *token, struct hd_error *e);
/* 1 when sent equals the session's form token (constant time). */
int hd_csrf_ok(const struct hd_session *s, const char *sent);
/* 32 random bytes as 64 hex digits into out (libsodium). */
void hd_random_hex(char out[65]);
/* 1 when s and t are equal strings, compared in constant time for
 * their length. */
int hd_token_equal(const char *s, const char *t);

/* --------------------------------------------------- review (review.c) */

/* One record in a review queue. */
struct hd_queue_item {
	int64_t id;
	char *ref;
	char *title;
	char *date;
	char *category;
	char *access;
	char *status;
	char *updated;
	char *thumb;        /* SHA-256 of the first image, or NULL */
	char *note;         /* the last decision's reason, or NULL */
	char *note_by;      /* who decided, or NULL */
};
void hd_queue_free(struct hd_queue_item *v, size_t n);
/* Records of a status (pending when status is NULL; "all" for every
 * status but approved), oldest change first.  *v receives an array
 * (caller frees with hd_queue_free). */
int hd_review_list(struct hd_archive *a, const char *status,
	struct hd_queue_item **v, size_t *n, struct hd_error *e);
/* How many records are pending and returned, and consultation requests
 * pending. */
struct hd_admin_counts {
	int64_t pending;
	int64_t returned;
	int64_t withdrawn;
	int64_t consult_pending;
};
int hd_admin_counts(struct hd_archive *a, struct hd_admin_counts *c,
	struct hd_error *e);
/* The decisions, each in its own transaction with an event ("review" or
 * "withdraw") whose detail is JSON naming the decision and the reason;
 * the agent names the account.  approve: pending -> approved; return:
 * pending -> returned (reason 1-500 characters); resubmit: returned,
 * draft or withdrawn -> pending; withdraw: approved -> withdrawn (reason
 * required), off every public page at once.  HD_ENOTFOUND for an unknown
 * reference code, HD_EINVAL for a status the step does not start from or
 * a missing reason. */
int hd_review_approve(struct hd_archive *a, const char *ref,
	const struct hd_agent *agent, struct hd_error *e);
int hd_review_return(struct hd_archive *a, const char *ref,
	const char *reason, const struct hd_agent *agent, struct hd_error *e);
int hd_review_resubmit(struct hd_archive *a, const char *ref,
	const struct hd_agent *agent, struct hd_error *e);
int hd_review_withdraw(struct hd_archive *a, const char *ref,
	const char *reason, const struct hd_agent *agent, struct hd_error *e);

/* A change of description fields: NULL leaves a field as it is, "" clears
 * it (not the title).  subjects and persons are lists separated by ";",
 * "；", "、" or ",". */
struct hd_edit {
	const char *title;
	const char *creator;
	const char *date;           /* hd_date_parse forms */
	const char *place;
	const char *description;
	const char *access;         /* public, internal, restricted */
	const char *location;
	const char *subjects;
	const char *persons;
};
/* Edit a record (its own transaction): the record, its terms and its
 * search entry change together, with an event "edit" whose detail is JSON
 * {"before": {...}, "after": {...}} holding the changed fields.  An
 * approved record goes back to pending (nothing reaches visitors
 * unreviewed).  *changed (if not NULL) receives the number of fields
 * changed; nothing is written when it is 0.  HD_ENOTFOUND, or HD_EINVAL
 * naming the field. */
int hd_record_edit(struct hd_archive *a, const char *ref,
	const struct hd_edit *ed, const struct hd_agent *agent, int *changed,
	struct hd_error *e);
/* 1 when the object belongs to a file of a record that is not
 * restricted: what staff may see without a consultation.  0 also when
 * the catalogue cannot be read (refused, never let through). */
int hd_object_staff(struct hd_archive *a, const char *sha256);

/* ---------------------------------------- consultation (consult.c) */

/* Purposes (利用目的), for statistics: research 学术研究, work 工作查考,
 * history 编史修志, personal 个人权益, education 宣传教育, other 其他.
 * hd_purpose_code accepts a code or the Chinese name. */
const char *hd_purpose_code(const char *s);
const char *hd_purpose_name(const char *code);
/* Kinds of use: view 查看 (on screen), print 打印, copy 复制. */
const char *hd_consult_kind_name(const char *code);

struct hd_consult_ask {
	const char *person;         /* 查阅人, 1-40 characters */
	const char *org;            /* 单位, 1-80 characters */
	const char *purpose;        /* a purpose code or name */
	const char *note;           /* details, or NULL */
	const char *kinds;          /* "view", "view,print" ... */
	int days;                   /* 1-90 */
	const char *const *refs;    /* the records, 1-200 */
	size_t nrefs;
};
/* File a request (its own transaction, an event "consult" per record).
 * *id receives its number.  HD_EINVAL naming the field, HD_ENOTFOUND for
 * a reference code that does not exist. */
int hd_consult_request(struct hd_archive *a, const struct hd_consult_ask *q,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e);

struct hd_consult {
	int64_t id;
	char *person, *org, *purpose, *note, *kinds;
	int days;
	char *status;               /* pending, approved, refused */
	char *created, *requester;
	char *account;              /* the named account, or NULL */
	char *granted;              /* kinds approved, or NULL */
	char *from, *until;         /* window (YYYY-MM-DD), or NULL */
	char *decided_by, *decided_at, *reason;
	char **refs;                /* reference codes */
	size_t nrefs;
};
void hd_consult_release(struct hd_consult *c);
void hd_consults_free(struct hd_consult *v, size_t n);
/* Requests, newest first: status NULL for all; account non-NULL for
 * the approved ones naming it.  *v receives an array (caller frees with
 * hd_consults_free). */
int hd_consult_list(struct hd_archive *a, const char *status,
	const char *account, struct hd_consult **v, size_t *n,
	struct hd_error *e);
int hd_consult_get(struct hd_archive *a, int64_t id, struct hd_consult *c,
	struct hd_error *e);
/* Approve request id for account (an active account): the content may be
 * used for the kinds granted (NULL: as asked; must be among those asked)
 * from day from ("YYYY-MM-DD"; the caller's today when NULL) for days
 * days (0: as asked) inclusive.  A window in the past is allowed: it
 * grants nothing (the way to record an approval given on paper, and a
 * test of an ended window).  Its own transaction and an event per
 * record.  HD_EINVAL when the request is not pending or a value is bad,
 * HD_ENOTFOUND for an unknown request or account, HD_EDENIED when the
 * agent is the account named ("web:NAME": nobody approves their own
 * consultation). */
int hd_consult_approve(struct hd_archive *a, int64_t id,
	const char *account, const char *kinds, const char *from, int days,
	const char *today, const struct hd_agent *agent, struct hd_error *e);
/* Refuse a pending request with a reason.  Its own transaction. */
int hd_consult_refuse(struct hd_archive *a, int64_t id, const char *reason,
	const struct hd_agent *agent, struct hd_error *e);
/* May account use record ref for kind on day today?  0 with *request set
 * to the approving request, HD_EDENIED when no approved request covers
 * it, HD_ENOTFOUND for an unknown record.  Reads only. */
int hd_consult_allowed(struct hd_archive *a, int64_t user_id,
	const char *ref, const char *kind, const char *today,
	int64_t *request, struct hd_error *e);
/* Log one use (its own transaction): a row for statistics and an event
 * "consult" on the record whose detail is JSON {request, account, kind,
 * file, sha256}. */
int hd_consult_log(struct hd_archive *a, int64_t request, int64_t user_id,
	const char *ref, const char *kind, const struct hd_file *f,
	const struct hd_agent *agent, struct hd_error *e);

/* 1 when account user_id's use of kind of object sha256 of record ref
 * was logged (hd_consult_log) within the last hours: what lets the parts
 * of content a logged view shows (the tiles of a zoomed scan) follow it
 * without a log entry each.  0 otherwise, also when the catalogue cannot
 * be read.  Reads only. */
int hd_consult_used(struct hd_archive *a, int64_t user_id, const char *ref,
	const char *sha256, const char *kind, int hours);

/* Usage statistics (利用统计): requests (人次), records asked (件次)
 * and uses, by month (China time, "2026-11"), by category and by
 * purpose. */
struct hd_use_row {
	char key[32];
	int64_t requests;
	int64_t items;
	int64_t uses;
};
struct hd_use_stats {
	struct hd_use_row *month, *category, *purpose;
	size_t nmonth, ncategory, npurpose;
};
int hd_consult_stats(struct hd_archive *a, struct hd_use_stats *st,
	struct hd_error *e);
void hd_use_stats_release(struct hd_use_stats *st);

/* ---------------------------------------------------- audit (audit.c) */

struct hd_audit_query {
	const char *ref;        /* a reference code (any spelling) or NULL */
	const char *type;       /* an event type or NULL */
	const char *agent;      /* an agent ("web:zhang") or NULL */
	const char *since;      /* "YYYY-MM-DD" (China day) or ISO 8601 UTC */
	int limit;              /* 1-10000, default 100 */
	int offset;
	int newest_first;
};
/* Events matching q: *v receives an array (caller frees with
 * hd_events_free), *total (if not NULL) how many match in all.
 * HD_EINVAL for a malformed since, HD_ENOTFOUND for an unknown record. */
int hd_audit_list(struct hd_archive *a, const struct hd_audit_query *q,
	struct hd_event **v, size_t *n, int64_t *total, struct hd_error *e);
void hd_events_free(struct hd_event *v, size_t n);

/* the parts of the library with a header of their own */
#include "hd_visit.h"
#include "hd_oai.h"
#include "hd_disk.h"
#include "hd_chain.h"
#include "hd_image.h"
#include "hd_conn.h"
#include "hd_s3.h"
#include "hd_harvest.h"

#endif
