/*
 * hd_search.h - the search and listing part of the library's interface
 * (archive/search.c, listing.c, suggest.c, snippet.c): full-text search
 * with its filters, facets and snippets, the index's upkeep, suggestions
 * while typing, the public listings and the collection's figures.
 *
 * Included by hd.h, after the records it searches; front ends include
 * archive/hd.h, never this file alone.
 */
#ifndef HD_SEARCH_H
#define HD_SEARCH_H

#ifndef HD_H
#error "include archive/hd.h, which includes this file"
#endif

/* ----------------------------------------------------------- search */

/* The orders of the staff catalogue (hd_search as HD_ARCHIVIST). */
enum hd_sort {
	HD_SORT_RELEVANCE = 0,  /* as hd_search ranks; a list: newest first */
	HD_SORT_DATE,           /* by first year, then date as catalogued;
	                           undated records after the dated ones */
	HD_SORT_REF,            /* by reference code (档号) */
	HD_SORT_UPDATED,        /* by the time of the last change */
};

struct hd_query {
	const char *q;      /* what the user typed; HD_ARCHIVIST: NULL lists
	                       the records the filters choose */
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
	int exact;          /* 1: count every match (see hd_search) */
	/* The staff catalogue's filters and order, NULL or 0 for any.
	 * HD_PUBLIC ignores them all: it sees approved public records
	 * only, in relevance order. */
	const char *status;     /* draft, pending, approved, returned or
	                           withdrawn */
	const char *access;     /* public, internal or restricted (or
	                           公开, 内部, 限制) */
	int64_t batch;          /* the ingest batch's id */
	const char *location;   /* a shelf location (库房-柜-盒, any form
	                           hd_location_canon reads): the records kept
	                           there or inside it */
	enum hd_sort sort;
	int descending;     /* 1: sort from the last (not for relevance) */
};

/* A match inside a snippet's text: bytes [off, off + len). */
struct hd_mark {
	size_t off;
	size_t len;         /* > 0 */
};

/* What a hit shows of its record: plain UTF-8 text (nothing escaped),
 * the stretches of it that match the query, and whether the record's
 * text goes on before or after it.  The library says what to show;
 * each front end renders it (exhibit/ as HTML with <mark>, cmd/ on the
 * terminal; hd_snippet_render lays it out for them). */
struct hd_snippet {
	char *text;         /* "" when the record has none; one allocation
	                     * with marks: free(text) frees both */
	struct hd_mark *marks;  /* nmarks (NULL when none), sorted, none
	                         * overlapping the next (they may touch),
	                         * each on UTF-8 character boundaries */
	size_t nmarks;
	int cut_before;     /* 1: the record's text goes on before text */
	int cut_after;      /* 1: and after it (a front end shows "…") */
};

/* How hd_snippet_render writes a snippet: put appends a stretch of its
 * text to b as the front end needs it (escaped for HTML, newlines as
 * spaces on a terminal ...), open and close go as they are around each
 * mark. */
struct hd_snippet_style {
	void (*put)(struct hd_buf *b, const char *s, size_t n);
	const char *open;
	const char *close;
};

/* Append snippet s to b in style st: "…" (through put) where s was cut,
 * its text through put, each mark's bytes between st->open and
 * st->close.  Grows b as needed; allocates nothing else. */
void hd_snippet_render(struct hd_buf *b, const struct hd_snippet *s,
	const struct hd_snippet_style *st);

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
	struct hd_snippet snippet;  /* its text, matches marked (a list:
	                             * the start of the description) */
	char *thumb;        /* SHA-256 of the first image file, or NULL */
	char *updated;      /* HD_ARCHIVIST: its last change (ISO 8601
	                       UTC); NULL for HD_PUBLIC */
	char *location;     /* HD_ARCHIVIST: its shelf location, or NULL */
	char *source;       /* the room a harvested record came from
	                       (hd_harvest_mark), NULL for the district's */
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
	int capped;         /* 1: the walk stopped at HD_SEARCH_CAP: total
	                     * is a lower bound, facets are of those */
	struct hd_hit *hits;
	size_t nhits;
	struct hd_facets decade, category, place, person;
	struct hd_facets status, access;    /* HD_ARCHIVIST only */
	struct hd_facets source;    /* 社区: rooms, by name (hd_harvest_mark) */
};
/* Free what res holds (hits with their snippets, facets); res is left
 * empty.  NULL does nothing. */
void hd_results_release(struct hd_results *res);

/* Full-text search.  HD_PUBLIC results contain approved public records
 * only (and so do their totals, snippets and facets).  A query FTS5 would
 * reject as syntax is searched as plain words.  Hits are ordered by
 * relevance: a match in the title first, then in subjects, persons or
 * place, then in the body; inside each, a record with the query's own
 * characters before one that matched only through folding traditional
 * and simplified (for a query of single characters, 麵 before 面 and
 * 髮 before 发 whatever the field), then by term frequency with the
 * exact phrase first and OCR text by its confidence (doubtful OCR below
 * clean text), then newest first.
 * Unless q->exact, the newest HD_SEARCH_CAP matches are walked (and the
 * title and meta matches beyond them, and, when few of those walked have
 * the query's own characters, the ones that have them): a query that
 * matches more gets res->capped set, a total and facets of those, and
 * its hits ranked among them, so its cost does not grow with the
 * archive; q->exact counts and ranks every match, at a cost that grows
 * with their number.  res is filled (caller releases it with
 * hd_results_release).
 * HD_ARCHIVIST sees every record and honours the staff filters and order
 * of q (status, access, batch, location, sort): its facets also count
 * status and access, its hits carry updated and location.  With q->q
 * NULL it lists the records the filters choose (every record without
 * one), newest first unless sorted, each hit's snippet the start of its
 * description, every one counted.  Returns 0, HD_EINVAL for a query that
 * is empty, over 1024 bytes or not UTF-8, or a staff filter that is not
 * one (naming it), HD_EDB. */
#define HD_SEARCH_CAP 1000
int hd_search(struct hd_archive *a, enum hd_audience who,
	const struct hd_query *q, struct hd_results *res, struct hd_error *e);

/* The search index's upkeep.  Every transaction that adds records leaves
 * its index rows as new segments, which FTS5 merges only as they pile
 * up, and a search looks each of its terms up in every segment, so one
 * merged segment makes every search cheaper.  hd_index_merge does one
 * step of merging all segments of both index tables into one: about
 * pages leaf pages of work in one write transaction of its own, so
 * others may write between steps and a stop loses at most a step.
 * *more is 1 when the step merged something (call again), 0 when there
 * was nothing left to merge.  Returns 0, HD_EUSAGE (pages < 1 or a
 * transaction open), HD_EBUSY, HD_EDB.  hd_index_segments counts the
 * segments of the full-text table and of the title-and-meta table. */
int hd_index_merge(struct hd_archive *a, int pages, int *more,
	struct hd_error *e);
int hd_index_segments(struct hd_archive *a, int *search, int *heads,
	struct hd_error *e);

/* Set aside one pool of page cache for the connections a long-running
 * process (the exhibit server) keeps to the archive in dir: 64 MB for
 * each of that many connections (at most 8), or the archive's size and a
 * tenth each when that is less; resident from the call on.  SQLite
 * otherwise mallocs each page as a connection's cache grows, and in a
 * heap that thousands of pages and a search's buffers came and went
 * through, such a malloc can cost as much as reading the page.  A line
 * given back (a closed connection, a cache emptied by another
 * connection's write) is taken again first.  Every connection of the
 * process draws on the pool; when it runs out the caches stop growing
 * and reuse their oldest pages, so it also bounds their memory.  Nothing
 * is set aside for a folder without an archive or with pages of another
 * size, and nothing changes once the process has started SQLite (opened
 * anything): call it first. */
void hd_page_cache_reserve(const char *dir, int connections);

/* Read into a's page cache what every search reads of the catalogue:
 * the filter, facet and ranking columns of up to rows records with ids
 * below *below, newest first, and their persons, which a's searches
 * then count for the person facet without looking them up, while the
 * archive is as it was when they were read (persons read inside a
 * transaction are not kept); *below becomes the lowest id read, 0 when
 * no record is left below it (start with INT64_MAX: that first step
 * also forgets the persons read before, and prepares the statements a
 * search runs).  A search joins each of up to HD_SEARCH_CAP matches to
 * its record, and on a connection that has not read that record's page
 * yet each join costs a read from disk, which a rare phrase whose
 * matches are spread over the archive pays hundreds of times.  For a
 * connection that will answer many searches (a server worker's, in
 * steps small enough to keep it answering; reading more than
 * HD_WARM_ROWS records only pushes the first out).  Returns 0 or
 * HD_EDB. */
#define HD_WARM_ROWS 300000
int hd_search_warm(struct hd_archive *a, int64_t *below, int rows,
	struct hd_error *e);

/* A suggestion while typing (hd_suggest_public). */
struct hd_suggestion {
	char *text;         /* the title, person, place or subject */
	const char *kind;   /* "title", "person", "place" or "subject" */
	char *pinyin;       /* its reading with tones, "pān yú"; NULL when
	                       it has no Chinese characters */
};
/* Up to max (1-50) suggestions for q, what has been typed so far: terms
 * whose characters (simplified or traditional), pinyin or pinyin
 * initials begin with it ("档", "檔", "dang", "da"), exact matches first,
 * then by how many public records carry them.  Only terms of approved
 * public records.  *out receives an array (free with
 * hd_suggestions_free) of *n entries (none for a q with nothing to look
 * up).  Returns 0, HD_EINVAL for a q over 256 bytes or not UTF-8,
 * HD_EDB. */
int hd_suggest_public(struct hd_archive *a, const char *q, int max,
	struct hd_suggestion **out, size_t *n, struct hd_error *e);
void hd_suggestions_free(struct hd_suggestion *v, size_t n);
/* Rebuild the suggestions from the catalogue in a transaction of its own
 * (records added or edited through the library keep them current). */
int hd_suggest_rebuild(struct hd_archive *a, struct hd_error *e);

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
 * start of the description (its first 120 characters, no marks, no
 * cuts).  res->total counts them all. */
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

/* What the archivist's desk in the browser adds (transfers as downloads,
 * bookings kept, the last backup): a topic header of its own. */
#include "hd_desk.h"

#endif
