/*
 * hd_harvest.h - the district gathers the rooms' catalogues
 * (harvest.c, harvest_store.c): sources (a room's /oai), harvested over
 * OAI-PMH into read-only records marked with their room.  Included by
 * hd.h.
 */
#ifndef HD_HARVEST_H
#define HD_HARVEST_H

#ifndef HD_H
#error "include archive/hd.h, which includes this file"
#endif

#define HD_HARVEST_NAME_MAX 64      /* bytes of a source's name */
#define HD_HARVEST_URL_MAX 1024     /* bytes of its URL */
#define HD_HARVEST_TIMEOUT 60       /* seconds a request may take */

/* A source and how its harvest stands.  Strings are owned by the struct
 * (hd_harvest_sources_free). */
struct hd_harvest_source {
	int64_t id;
	char *name;         /* "前锋" */
	char *url;          /* "http://127.0.0.2:8080/oai" */
	char *added;        /* ISO 8601 UTC */
	char *last_run;     /* when the last run ended or stopped; NULL:
	                       never run */
	char *last_ok;      /* when a run last went to its end; NULL */
	char *last_error;   /* why the last run stopped; NULL when it
	                       went to its end */
	char *done_until;   /* the next run asks for what changed from this
	                       (the room's clock); NULL: everything */
	int resuming;       /* 1: a run stopped between pages; the next
	                       goes on from its resumption token */
	int64_t records;    /* harvested records held */
};

/* Add source name (1-HD_HARVEST_NAME_MAX bytes of UTF-8, no control
 * character, not "-" first) for the OAI-PMH base URL url (http or
 * https, no user or fragment, at most HD_HARVEST_URL_MAX bytes), with an
 * event.  Nothing is fetched.  0, HD_EINVAL naming what is wrong,
 * HD_EEXIST when the name is taken, HD_EDB. */
int hd_harvest_add(struct hd_archive *a, const char *name, const char *url,
	const struct hd_agent *agent, struct hd_error *e);

/* Remove source name and every record harvested from it (and its fonds)
 * in one transaction, with an event; the cached thumbnails stay until
 * nothing names them.  *removed receives the records removed (NULL: not
 * wanted).  0, HD_ENOTFOUND, HD_EDB. */
int hd_harvest_remove(struct hd_archive *a, const char *name,
	const struct hd_agent *agent, int64_t *removed, struct hd_error *e);

/* Every source, by name, into *out (free with hd_harvest_sources_free),
 * *n of them.  0 or HD_EDB. */
int hd_harvest_list(struct hd_archive *a, struct hd_harvest_source **out,
	size_t *n, struct hd_error *e);
void hd_harvest_sources_free(struct hd_harvest_source *v, size_t n);

/* What a run did. */
struct hd_harvest_report {
	int64_t pages;      /* ListRecords answers stored */
	int64_t added;      /* records new at the district */
	int64_t updated;    /* records changed in the room */
	int64_t deleted;    /* records the room no longer publishes */
	int64_t thumbs;     /* thumbnails fetched and cached */
	int64_t thumbs_failed;  /* thumbnails that could not be fetched */
	int resumed;        /* 1: the run went on from a stopped one */
	int complete;       /* 1: it reached the end of the list */
};

/* How a run goes: timeout (seconds, 0: HD_HARVEST_TIMEOUT) bounds each
 * request; stop, when not NULL, is asked between pages whether to stop
 * (with ud): the run then ends there, to go on from the next page. */
struct hd_harvest_opts {
	int timeout;
	int (*stop)(void *ud);
	void *ud;
};

/* Harvest source name: Identify (for its granularity), then ListRecords
 * in oai_dc from where the last complete run's first answer stood (or
 * from the resumption token of a run that was stopped), page by page.
 * Each page's records, the deletions it reports and the state to go on
 * from are stored in one transaction, so a run stopped at any moment
 * goes on with nothing missing or twice.  Thumbnails the room names are
 * fetched before their page's transaction and cached in the folder.
 * o may be NULL (the defaults).  A source that fails (unreachable, too
 * slow, not XML, not an OAI-PMH answer, an OAI-PMH error, a token given
 * twice, a record without an identifier or reference code) keeps what
 * earlier pages stored; the error is its last_error and the message of
 * *e, naming the source and the URL.  *rep is filled either way.  0
 * (rep->complete 0 when o->stop stopped it), HD_ENOTFOUND (no such
 * source), HD_EIO (the source failed), HD_EBUSY (the catalogue busy, or
 * another run of the same source at the same time stored a page first:
 * this one stops there, storing nothing of it, and says it lost), HD_EDB.
 * A record that takes the reference code of an earlier one of its
 * room (another OAI-PMH identifier) replaces it. */
int hd_harvest_run(struct hd_archive *a, const char *name,
	const struct hd_harvest_opts *o, const struct hd_agent *agent,
	struct hd_harvest_report *rep, struct hd_error *e);

/* What the district knows of record id's room: *source (the source's
 * name), *page_url (the record's page in the room, or NULL) and *thumb
 * (its cached thumbnail's SHA-256, or NULL), new strings the caller
 * frees; all NULL for a record of the district's own.  1 harvested, 0
 * not, HD_EDB. */
int hd_harvest_of(struct hd_archive *a, int64_t id, char **source,
	char **page_url, char **thumb, struct hd_error *e);

/* HD_EDENIED with "REF：收自社区“NAME”……只读" when record id was
 * harvested: the district neither reviews, edits nor lends out a room's
 * records.  0 for the district's own, HD_EDB.  ref names it in the
 * message. */
int hd_harvest_refuse(struct hd_archive *a, int64_t id, const char *ref,
	struct hd_error *e);

/* The cached thumbnail sha256 (64 hex digits) of a harvested public
 * record, as a path in the folder (a new string, *path) to serve.  0,
 * HD_ENOTFOUND for any other name. */
int hd_harvest_thumb(struct hd_archive *a, const char *sha256, char **path,
	struct hd_error *e);

/* The fonds code of source name's records, as hd_query.fonds takes it
 * (the search screen's 社区 filter): *fonds a new string, NULL when the
 * source is unknown or has no record yet.  0 or HD_EDB. */
int hd_harvest_fonds(struct hd_archive *a, const char *name, char **fonds,
	struct hd_error *e);

/* Mark the results of a search: each hit of a harvested record gets
 * its source's name (hit->source) and, without an image of its own, its
 * cached thumbnail (hit->thumb); with facets, res->source counts the
 * matches by source name.  The matches' ids are the int64_t at the
 * start of each of n items stride bytes apart from ids (search.c's
 * candidates).  Nothing when the district harvests nothing.  0 or
 * HD_EDB. */
int hd_harvest_mark(struct hd_archive *a, const void *ids, size_t n,
	size_t stride, int facets, struct hd_results *res,
	struct hd_error *e);

#endif
