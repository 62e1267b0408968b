/*
 * ingest.h - the ingest pipeline (internal to ingest/ and the command).
 *
 * A batch goes through stages, each a function with one job:
 *   stage_receive      list the batch's files: folders walked, archives
 *                      (zip, tar, tar.gz, 7z) extracted safely into a
 *                      private folder, BagIt bags validated;
 *   stage_identify     real format from content (libmagic);
 *   stage_fixity       SHA-256 while streaming into the object store,
 *                      on two reader threads; the per-file stages below
 *                      (identify to pdf) then run on the main thread,
 *                      file by file in the batch's order;
 *   stage_characterise EXIF (libexif for JPEG, libtiff for TIFF), size;
 *   stage_extract      text for search (plain text, HTML, Markdown);
 *   stage_pdf          PDF page count and text layer (poppler);
 *   stage_ocr          scanned pages read by tesseract, after describe
 *                      (which decides the category: photos are not read);
 *   stage_describe     records from the catalogue sheet, EXIF, names;
 *   stage_check        quality warnings (DA/T 31 spirit);
 *   stage_catalogue    one transaction: records, files, events, index.
 * A batch lands whole or not at all; every problem found is reported,
 * not only the first.
 */
#ifndef HD_INGEST_H
#define HD_INGEST_H

#include "../archive/hd.h"

#include <stdatomic.h>

/* Caps on what a batch may hold; a batch over any of them is refused
 * whole with a message naming the entry and the cap. */
struct batch_limits {
	size_t max_entries;     /* files in the batch */
	uint64_t max_total;     /* bytes, all files together */
	uint64_t max_entry;     /* bytes, one file */
	double max_ratio;       /* extracted bytes / archive bytes */
};

/* One page of a file: its text, from a PDF's text layer or from OCR
 * (ingest/pdf.c, ingest/ocr.c). */
struct batch_page {
	char *text;             /* UTF-8, tidied by ocr_tidy, or NULL */
	int conf;               /* OCR mean word confidence 0-100, -1: none */
	int want;               /* 1: no text layer, to be read by OCR */
	int done;               /* 1: read by OCR, now or from the cache */
	int cached;             /* 1: the text came from the OCR cache */
	int blank;              /* 1: almost no dark pixels */
	int failed;             /* 1 not decoded, 2 no engine, 3 timed out */
	int skew_known;         /* 1: skew was measured (a page OCR read
	                           now, with text lines enough) */
	double skew;            /* degrees the lines lean, either way
	                           (leptonica's pixFindSkew angle) */
};

/* Quality thresholds of scanned pages (quality.c, DA/T 31 spirit): OCR
 * text below this mean confidence needs proofreading; a page leaning
 * more than this many degrees should be straightened or scanned
 * again. */
#define QUALITY_CONF_LOW 60
#define QUALITY_SKEW_MAX 1.0

/* One file of the batch. */
struct batch_item {
	char *path;             /* batch-relative, '/'-separated, UTF-8 NFC */
	char *src;              /* where its bytes are on disk (owned) */
	uint64_t size;          /* bytes, from stat at receive time */
	int root;               /* index of the PATH argument it came from */
	/* filled by the later stages */
	struct hd_file file;    /* name, sha256, size, mime, EXIF ... */
	char *text;             /* extracted text, or NULL */
	int duplicate;          /* 1: its object is already catalogued */
	struct hd_objw *w;      /* its pending object, or NULL */
	int record;             /* index into batch.records, -1 if none */
	/* digitisation (ingest/pdf.c, ocr.c, quality.c) */
	struct batch_page *pagev;   /* text per page (PDF, OCR), or NULL */
	int npagev;
	int ocr;                /* 1: its pages are meant for OCR */
	char *lang;             /* its OCR languages ("chi_sim"), or NULL */
	int bpp;                /* bits per pixel of an image, 0 unknown */
};

/* What the OCR stage did, for the report. */
struct ocr_stats {
	int pages;              /* pages meant for OCR */
	int read;               /* read by tesseract in this run */
	int cached;             /* taken from DIR/derived/ocr (a run before) */
	int failed;             /* could not be decoded or read */
	int skipped;            /* not read: language pack missing */
	int workers;            /* engines (threads) used */
	double seconds;         /* wall time of the reading */
};

/* How far a batch is, for a progress display (the command line's on a
 * terminal, the web desk's).  The pipeline prints nothing itself: it
 * calls the hook of struct ingest_opts. */
enum ingest_stage {
	INGEST_RECEIVE = 1,     /* inputs listed, archives unpacked, bags
	                           validated */
	INGEST_READ,            /* each file read once: hashed, stored,
	                           identified, characterised */
	INGEST_OCR,             /* scanned pages read by OCR (only when some
	                           are to be read, not from the cache) */
	INGEST_CATALOGUE,       /* records, files and index written in one
	                           transaction */
};
enum ingest_event {
	INGEST_BEGIN = 1,       /* the stage begins (its clock starts) */
	INGEST_WORKING,         /* how it goes: at most every 0.2 s */
	INGEST_END,             /* the stage ended well (not sent when the
	                           batch stops on an error) */
};
struct ingest_progress {
	enum ingest_stage stage;
	enum ingest_event event;
	size_t files_done;      /* READ: files read so far */
	size_t files_total;     /* files of the batch (the sheet not counted) */
	uint64_t bytes_done;    /* READ: bytes read so far */
	uint64_t bytes_total;   /* bytes of those files */
	size_t pages_done;      /* OCR: pages read so far */
	size_t pages_total;     /* OCR: pages to read */
	double secs;            /* seconds since the stage began */
	double rate;            /* READ: bytes a second; OCR: pages a second;
	                           0 for the other stages */
	double eta;             /* seconds left at that rate (0: unknown) */
};
/* The hook: p points at a copy made for this call, valid during it. */
typedef void ingest_progress_fn(const struct ingest_progress *p, void *ud);

struct batch {
	struct hd_archive *a;
	struct batch_limits lim;
	int dry_run;
	/* the progress hook of struct ingest_opts, and the figures it was
	 * last given; touched by the thread running ingest_run only */
	ingest_progress_fn *progress;
	void *progress_ud;
	struct ingest_progress prog;
	double prog_t0;         /* hd_mono_s() when the stage began */
	double prog_last;       /* ... when the hook was last called */
	const atomic_int *cancel;       /* of struct ingest_opts */
	/* what stage_receive found */
	struct batch_item *items;
	size_t nitems;
	size_t capitems;
	char **tmpdirs;         /* private extraction folders to remove */
	size_t ntmpdirs;
	int is_bag;             /* the (single) root was a valid BagIt bag */
	struct hd_bag_tag *bag_info;    /* its bag-info.txt */
	size_t nbag_info;
	/* the report */
	struct hd_note *rejected;      /* path: batch-relative or the
	                                  input given */
	size_t nrejected;
	struct hd_note *warnings;
	size_t nwarnings;
	void *magic;            /* libmagic cookie, opened by stage_identify */
	void *magic_text;       /* the same without its soft-magic database:
	                           for text named as text (see identify.c) */
	struct ocr_stats ocr;   /* filled by stage_ocr */
};

void batch_init(struct batch *b, struct hd_archive *a);
void batch_release(struct batch *b);
/* Default caps: 100,000 files, 64 GiB total, 8 GiB a file, ratio 200. */
void batch_limits_default(struct batch_limits *l);
/* Add a file to the batch (copies both strings); returns the item. */
struct batch_item *batch_add(struct batch *b, const char *path,
	const char *src, uint64_t size, int root);
/* Add a note to the report (path copied; message printf-formatted). */
void batch_reject(struct batch *b, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void batch_warn(struct batch *b, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Tell b's progress hook (if any) how stage goes, from the counts in
 * b->prog: INGEST_BEGIN starts the stage's clock; BEGIN and END always
 * call the hook, WORKING only when 0.2 s have passed since the last
 * call.  secs, rate and eta are worked out here.  Call it from the
 * thread running ingest_run only. */
void batch_progress(struct batch *b, enum ingest_stage stage,
	enum ingest_event event);
/* 1 when the run was asked to stop (struct ingest_opts' cancel); from
 * any thread. */
int batch_cancelled(const struct batch *b);

/* Check one archive entry or folder entry name as given (raw bytes).
 * On success returns 0 and writes the batch-relative UTF-8 NFC path with
 * '/' separators (caller frees *out).  Refuses, with HD_EINVAL and a
 * message naming the entry: empty names, absolute paths ("/x", "C:\x",
 * "\\x"), any ".." component, NUL or control characters, names that are
 * neither UTF-8 nor GB18030 (GBK names from Chinese Windows are
 * converted), components over 255 bytes, paths over 4096 bytes.  "./"
 * components and backslashes are normalised. */
int entry_name_check(const char *raw, size_t n, char **out,
	struct hd_error *e);

/* Receive the inputs (files, folders, archives, bags) into b->items.
 * Hostile archives (escaping paths, links, over-limit sizes, counts or
 * ratios, truncation) and invalid bags refuse the whole batch: returns
 * HD_EREJECT with the reason in *e and in b->rejected.  Unreadable files
 * are noted in b->rejected and receiving continues (the batch is refused
 * later, with every reason listed).  Items are sorted by path. */
int stage_receive(struct batch *b, char *const *paths, size_t npaths,
	struct hd_error *e);

/* ---- per-file stages (ingest/identify.c, characterise.c, extract.c) ----
 * Each receives the file's bytes: data[0..n) is the whole file when
 * complete is 1, else only its first n bytes (large files); it->src is the
 * path to read from when more is needed.  Problems become warnings on the
 * batch report (batch_warn with it->path), never a crash; a return other
 * than 0 means the file could not be read at all (it is then rejected).
 */

/* Set it->file.mime from the content (libmagic, opened once per batch on
 * b->magic).  A file whose content contradicts its extension keeps its
 * real type and gets a warning; an unknown format gets a warning ("preserved
 * as application/octet-stream"). */
int stage_identify(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete);
/* Close what stage_identify opened (b->magic). */
void stage_identify_end(struct batch *b);

/* Images: width and height (JPEG, PNG, TIFF, GIF), EXIF through libexif
 * for JPEG (DateTimeOriginal, Make, Model, Orientation, X/YResolution in
 * dpi, GPS) and through libtiff for TIFF; page count of a multi-page TIFF.
 * A corrupt or truncated EXIF block, or an APP1 holding XMP, is a warning. */
int stage_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete);

/* Text for search: text/plain (UTF-8 or GB18030), HTML (tags dropped,
 * entities decoded), Markdown (kept as text).  Sets it->text (owned, UTF-8)
 * or leaves it NULL; an empty text file is a warning. */
int stage_extract(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete);

/* The text of a file of type mime (data[0..n)) with its outline kept:
 * an HTML page's headings as "## " lines (as many '#' as the level) and
 * its list items as "1. " (ordered) or "- " lines, as Markdown writes
 * them; plain text and Markdown as they are.  Decoded and cleaned as
 * stage_extract does (UTF-8, no control characters, at most 4 MiB).  A
 * new string (caller frees), or NULL for another type or text in no
 * known encoding.  For reading a document's structure (the steps of a
 * procedure record); the search index takes stage_extract's text. */
char *text_outline(const char *mime, const unsigned char *d, size_t n);

/* ---- the driver (ingest/pipeline.c, describe.c) ---- */

struct ingest_opts {
	const char *fonds;      /* fonds code, NULL: the archive's first */
	const char *sheet;      /* catalogue sheet path, or NULL */
	const char *category;   /* default 门类 code, NULL: from the format */
	const char *access;     /* default access, NULL: internal */
	const char *retention;  /* default retention, NULL: Y */
	const char *cls;        /* default 机构问题 code, or NULL */
	int approve;            /* 1: records arrive approved */
	int dry_run;            /* 1: report only, store nothing */
	/* Called with how the batch goes (struct ingest_progress), on the
	 * thread that runs ingest_run, never on a reader or OCR thread: at
	 * each stage's begin and end and at most every 0.2 s in between.
	 * NULL: no progress.  A hook that hands the figures to other threads
	 * (the web desk) copies *p under its own lock. */
	ingest_progress_fn *progress;
	void *progress_ud;
	const struct hd_agent *agent;
	int ocr;                /* OCR_AUTO, OCR_ON or OCR_OFF */
	const char *ocr_lang;   /* tesseract languages, NULL: OCR_LANG */
	const char *tessdata;   /* folder of *.traineddata, NULL: OCR_DATA */
	int ocr_workers;        /* OCR threads, 0: one per core */
	/* When *cancel (if not NULL) becomes non-zero, from any thread, the
	 * run stops at the next file or page it would read, and before the
	 * catalogue stage, and returns HD_EBUSY with nothing stored (the web
	 * desk's cancel, and the server's stop). */
	const atomic_int *cancel;
	int keep_ocr;           /* 1: a dry run still keeps what OCR read in
	                           DIR/derived/ocr, for the run that follows
	                           it (the web desk's preview) */
};

/* When scans are read by OCR.  AUTO: images of records of category WS
 * (文书) and RS (人事), and PDF pages without a text layer; photos (ZP)
 * and the other categories are not read.  ON: every image and every PDF
 * page without text.  OFF: none (PDF text layers are still used). */
enum { OCR_AUTO = 0, OCR_ON = 1, OCR_OFF = -1 };
/* The default language, chosen by measurement (see ocr.c). */
#define OCR_LANG "chi_sim"
/* Where Debian's tesseract-ocr-* packages put the language data. */
#define OCR_DATA "/usr/share/tesseract-ocr/5/tessdata"

/* A record being described: the files (indexes into batch.items) and
 * the description. */
struct batch_record {
	struct hd_record rec;
	size_t *items;
	size_t nitems;
	int line;               /* sheet line, 0 without a sheet */
	int duplicate;          /* every file already catalogued */
	char *lang;             /* OCR languages from the sheet's 语种, or NULL */
};

/* Where a record added (or, on a dry run, to be added) came from. */
struct ingest_made {
	int line;               /* its catalogue sheet line, 0 without one */
	int rec;                /* the describe stage's index of the record:
	                           the batch items whose record is rec are
	                           its files */
	char category[8];       /* 门类 code */
	char access[16];        /* public, internal or restricted */
};

struct ingest_result {
	int64_t batch;          /* batch id, 0 on a dry run or refusal */
	int added;
	int duplicates;
	char **refs;            /* reference codes of the added records */
	char **titles;
	struct ingest_made *made;       /* beside refs */
	size_t nrefs;
};
void ingest_result_release(struct ingest_result *r);

/* Run the whole pipeline over paths.  Returns 0 when the batch landed (or
 * would land, on a dry run); HD_EREJECT when it was refused (every reason
 * in b->rejected, nothing stored); HD_EBUSY when it was cancelled
 * (o->cancel); another negative code on a failure of the archive itself.
 * The report is in b and *res. */
int ingest_run(struct batch *b, const struct ingest_opts *o,
	char *const *paths, size_t npaths, struct ingest_result *res,
	struct hd_error *e);

/* stage_describe: records from the sheet (or one per file), checking that
 * the sheet and the batch agree.  Problems go to b->rejected. */
struct sheet;
int stage_describe(struct batch *b, const struct ingest_opts *o,
	struct sheet *s, struct batch_record **recs, size_t *nrecs);
/* stage_check: quality warnings (DA/T 31 spirit) on the batch report. */
void stage_check(struct batch *b, struct batch_record *recs, size_t nrecs);
void batch_records_free(struct batch_record *recs, size_t n);

/* ---- digitisation (ingest/pdf.c, ocr.c, quality.c) ---- */

/* PDF (poppler-glib): page count into it->file.pages, the text layer of
 * each page into it->pagev and, joined, it->text; a page with fewer than
 * a few characters of text is marked for OCR (want).  An encrypted or
 * corrupt PDF is a warning.  Returns 0; other types are left alone. */
int stage_pdf(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete);

/* A PDF opened for rendering pages (one per thread). */
struct pdf_doc;
struct Pix;
/* Open the PDF at path; NULL when it cannot be read. */
struct pdf_doc *pdf_open(const char *path);
void pdf_close(struct pdf_doc *d);
/* Page (from 0) rendered at dpi as an 8-bit grey leptonica image (caller
 * frees with pixDestroy), or NULL. */
struct Pix *pdf_render(struct pdf_doc *d, int page, int dpi);

/* Read the pages meant for OCR (see OCR_AUTO) with tesseract: one engine
 * per worker thread, created once, a queue of pages shared by the
 * workers.  Text already read for the same object, page and languages is
 * taken from DIR/derived/ocr/ instead (an interrupted batch resumes where
 * it stopped), and each page read is written there (not on a dry run).
 * Each page's text and confidence go to it->pagev, the joined text to
 * it->text.  A missing language pack is one warning and no OCR for the
 * pages in that language.  Progress goes to the hook (stage INGEST_OCR:
 * pages read of those to read, their rate, the time left).  Statistics
 * in b->ocr.  Returns 0. */
int stage_ocr(struct batch *b, const struct ingest_opts *o,
	struct batch_record *recs, size_t nrecs);
/* Store the page texts of a record just added (its files in order),
 * inside the catalogue transaction.  Returns 0 or the library's code. */
int ocr_store(struct batch *b, const struct batch_record *br,
	struct hd_error *e);
/* Free it->pagev and it->lang. */
void batch_item_pages_free(struct batch_item *it);
/* Join the texts of it->pagev into it->text (NULL when there is none),
 * at most 4 MiB. */
void pages_join(struct batch_item *it);
/* 1 when s is a tesseract language list: names of [A-Za-z0-9_] joined by
 * '+', at most 64 bytes in all ("chi_sim", "chi_sim+eng"). */
int ocr_lang_ok(const char *s);
/* A sheet's 语种 cell to tesseract languages: 简体/中文/zh/zh-CN/zh-Hans
 * give chi_sim, 繁体/繁體/zh-TW/zh-HK/zh-Hant chi_tra, 英文/en eng, a
 * tesseract list stays as it is; NULL when not understood.  *iso (if
 * not NULL) receives the ISO 639 form for the record (zh, zh-Hant, en).
 * Returns a static string or cell itself. */
const char *ocr_lang_of(const char *cell, const char **iso);
/* Tidy text from OCR or a PDF in place: ASCII : ; , ! ? between CJK
 * characters made full-width, spaces between two CJK characters and line
 * breaks inside a paragraph of CJK text removed, trailing spaces and
 * blank lines at either end dropped, runs of empty lines made one.
 * Returns s. */
char *ocr_tidy(char *s);

/* Bits per pixel of an image from its header (leptonica) into it->bpp;
 * other types are left alone.  Called by the fixity stage. */
void image_probe(struct batch_item *it, const unsigned char *data,
	size_t n);
/* Quality warnings from the pages of one file (stage_check): a photo
 * (category ZP) scanned in 1-bit black and white, blank pages, pages
 * whose OCR confidence is below 60, pages in which OCR found no text,
 * pages that could not be decoded, pages whose reading timed out. */
void check_pages(struct batch *b, const struct batch_item *it,
	const char *category);
/* The batch report as data for the printable Chinese quality-check
 * sheet (数字化质量检查单; templates/print/report.html renders it):
 *   {archive, fonds (the archive's name and fonds code), batch (null
 *    when nothing was stored), dry_run, generated ("YYYY-MM-DD
 *    HH:MM:SS UTC"), refused, added, duplicates, warnings (counts),
 *    ocr: null or {pages, read, cached, unread, seconds, time ("12.3")},
 *    files: [{path, mime (or null), pages, dpi (or null), ocr_read,
 *     ocr_pages, ocr_conf (mean confidence of the pages read),
 *     ocr_blank, ocr_unread, notes: [{rejected, msg}]}] (every file
 *     but the sheet, in the batch's order),
 *    batch_notes: [{rejected, path, msg}] (notes naming no file)}.
 * Returns a new JSON object (caller decrefs). */
struct json_t *batch_report(const struct batch *b,
	const struct ingest_result *res, int dry_run);
/* The same data as JSON text given to put piece by piece, each file's
 * row made, given and freed in turn (a batch of thousands is never
 * whole in memory as JSON).  Returns 0, or -1 when a piece could not be
 * made (what was given is then not valid JSON). */
int batch_report_write(const struct batch *b,
	const struct ingest_result *res, int dry_run,
	void (*put)(const char *text, void *ud), void *ud);
/* The notes v (n of them) as a JSON array of {path, KEY: message}, as
 * the command line's --json and the web desk give a batch's refusals
 * and warnings.  Returns a new array. */
struct json_t *batch_notes_json(const struct hd_note *v, size_t n,
	const char *key);


/* ---- receiving a transfer bag (ingest/import.c) ---- */

/* A bag being received: "hongdang import" and /admin/import. */
struct import_run {
	struct batch unpack;    /* a packed bag unpacked (holds its folder) */
	struct batch b;         /* the bag's batch: items, warnings, and the
	                           reasons it was refused */
	struct ingest_result res;
	char *root;             /* the bag's folder, or NULL */
	int stored;             /* 1 once the records landed */
	int64_t receipt;        /* the receipt (回执) recorded, 0 none */
	int again;              /* 1: this bag was received before */
};
void import_run_init(struct import_run *r, struct hd_archive *a);
void import_run_release(struct import_run *r);
/* Receive the bag at path (a folder, zip or tar) into r's archive: found
 * (a packed one unpacked privately), validated whole, ingested in one
 * transaction described by its metadata/records.csv (options o, whose
 * sheet is ignored), and receipted.  Returns 0 with r->receipt set;
 * HD_EREJECT when the bag is refused (every reason in r->b.rejected,
 * the first naming path, nothing stored); another negative code with e
 * set when the archive failed, r->stored saying whether the records had
 * landed before it did (then only the receipt is missing: importing
 * the bag again records it). */
int ingest_import(struct import_run *r, const char *path,
	const struct ingest_opts *o, struct hd_error *e);

#endif
