/*
 * harvest_int.h - what the two halves of the harvest share: harvest.c
 * fetches and reads the rooms' answers, harvest_store.c keeps them in
 * the catalogue.  Library-internal.
 */
#ifndef HD_HARVEST_INT_H
#define HD_HARVEST_INT_H

#include "internal.h"

/* One record of a ListRecords answer, as read. */
struct hv_rec {
	char *oai_id;           /* the header's identifier */
	char *datestamp;
	int deleted;            /* status="deleted": no metadata */
	struct hd_record r;     /* ref, fonds, title ... (not deleted) */
	char *page_url;         /* the room's page of it, or NULL */
	char *thumb_url;        /* the room's thumbnail of it, or NULL */
	char thumb[65];         /* its cached copy's SHA-256, "" none */
};
void hv_rec_release(struct hv_rec *v);

/* A source's row: the state of its harvest.  Strings owned. */
struct hv_source {
	int64_t id;
	char *name;
	char *url;
	char *granularity;      /* "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" */
	char *done_until;       /* NULL: never complete */
	char *run_from;         /* the from of the run under way, or NULL */
	char *run_date;         /* its first responseDate, or NULL */
	char *token;            /* the next page's token, NULL: no run */
};
/* Read source name into *s: 0, HD_ENOTFOUND naming it, HD_EDB. */
int hv_source_get(struct hd_archive *a, const char *name,
	struct hv_source *s, struct hd_error *e);
void hv_source_release(struct hv_source *s);

/* The thumbnail record v had (same URL, still cached) into v->thumb;
 * nothing when it had none or another URL.  0 or HD_EDB. */
int hv_thumb_known(struct hd_archive *a, const struct hv_source *s,
	struct hv_rec *v, struct hd_error *e);

/* Store one page in one transaction: its records (new, changed or
 * deleted) and the state to go on from: s->granularity, s->run_from,
 * s->run_date and next (the token of the next page), or, with next
 * NULL, the run complete as of s->run_date.  The state is set only
 * over the one the page was asked from (s->token and s->done_until, a
 * compare-and-set in the same transaction): when another run of the
 * source stored first, nothing is stored and HD_EBUSY says this run
 * lost.  rep counts.  0, HD_EINVAL for a record the district cannot
 * file (naming it; nothing stored), HD_EBUSY, HD_EDB. */
int hv_store_page(struct hd_archive *a, const struct hv_source *s,
	struct hv_rec *v, size_t n, const char *next,
	const struct hd_agent *agent, struct hd_harvest_report *rep,
	struct hd_error *e);

/* Note that source s stopped with message msg (its last_error), in a
 * transaction of its own.  0 or the failure's code. */
int hv_store_failed(struct hd_archive *a, const struct hv_source *s,
	const char *msg, struct hd_error *e);

/* Forget the stored token of source s (when it is still s->token):
 * the room refused it, the run starts again from s->run_from.  0,
 * HD_EBUSY when another run moved the source on, or the failure's
 * code. */
int hv_store_restart(struct hd_archive *a, const struct hv_source *s,
	struct hd_error *e);

/* The folder of the cached thumbnails, dir/harvest/thumbs (a new
 * string). */
char *hv_thumb_dir(struct hd_archive *a);

#endif
