/*
 * desk.h - the archivist's desk: ingest by upload.  A batch is uploaded
 * through the browser into the data folder's tmp/ (upload.c), checked by
 * a dry run of the pipeline, shown as a preview, and once confirmed
 * ingested inside the server, on a thread of its own, through the same
 * pipeline as "hongdang ingest" (desk.c, desk_run.c); the pages are in
 * page_ingest.c.  What only the desk's own files share is in
 * desk_int.h.
 *
 * A batch lives in DIR/tmp/upload-ID/ from its first byte to a while
 * after it ended (DESK_KEEP_SECS): batch.json (its state and options),
 * result.json (its last run: the preview or the report), files/ (what
 * arrived whole), part/ (what arrived in part), sheet/ (its catalogue
 * sheet).  The server finds its batches there again when it starts.
 */
#ifndef HD_WEB_DESK_H
#define HD_WEB_DESK_H

#include "admin.h"
#include "../ingest/ingest.h"

/* The life of a batch, in the words of the JSON API. */
enum desk_state {
	DESK_RECEIVING = 0,     /* files arriving, or waiting for the rest
	                           (a dropped connection resumes) */
	DESK_CHECKING,          /* the pipeline's dry run */
	DESK_PREVIEW,           /* checked: waits to be confirmed */
	DESK_QUEUED,            /* confirmed: waits for the ingest thread */
	DESK_INGESTING,         /* the pipeline stores it */
	DESK_DONE,              /* stored (its uploaded files are gone) */
	DESK_REFUSED,           /* the pipeline refused it: nothing stored */
	DESK_FAILED,            /* the archive failed, or the server stopped
	                           midway: nothing stored, can be run again */
	DESK_CANCELLED,         /* cancelled: its uploaded files are gone */
};

/* The bytes one batch may upload unless serve --upload-max-mb says (a
 * megabyte there is 1,000,000 bytes, as the pages count them). */
#define DESK_UPLOAD_MAX ((uint64_t)4000 * 1000 * 1000)

struct desk_opts {
	uint64_t upload_max;    /* bytes one batch may upload */
	struct batch_limits lim;        /* the pipeline's caps */
};

struct desk;

/* Open the desk of the data folder dir: the batches found in DIR/tmp/
 * are taken up again (see desk.c: what was receiving stays resumable,
 * what was being checked is checked again, what was queued stays
 * queued, what was being ingested has failed "interrupted"; finished
 * ones older than DESK_KEEP_SECS are removed), then the check and ingest
 * threads start.  Returns 0 with *out (free with desk_close), or a
 * negative code with e set. */
int desk_open(const char *dir, const struct desk_opts *o, struct desk **out,
	struct hd_error *e);
/* Stop the threads (a run in progress is stopped: a check is done again
 * at the next start, an ingest has then failed "interrupted", nothing of
 * it stored) and free the desk.  NULL is ignored. */
void desk_close(struct desk *d);

/* What the ingest page shows of the caps: {upload_max, max_entries,
 * max_total, max_entry, max_ratio, free (bytes free in DIR/tmp, -1
 * unknown)}.  A new object. */
json_t *desk_limits_json(struct desk *d);
/* The batch id as JSON (see page_ingest.c for the keys); full adds what
 * its page shows beyond the JSON API (the preview's records with their
 * files, the files received).  A new object, or NULL when there is no
 * such batch. */
json_t *desk_batch_json(struct desk *d, const char *id, int full);
/* The most recent batches (at most max), newest first, each as
 * desk_batch_json without records.  A new array. */
json_t *desk_list_json(struct desk *d, size_t max);
/* The quality-check sheet's data (batch_report) of the batch's last
 * run, or NULL when it has none.  A new reference. */
json_t *desk_report_json(struct desk *d, const char *id);

/* What the archivist decides, as account agent ("web:NAME").  Each
 * returns 0, or an HTTP status (404 no such batch, 409 not in a state
 * that allows it, 507 confirm and rerun when the batch's new state
 * could not be written to the disk: nothing changed) with a sentence in
 * msg. */
/* A batch in preview goes into the ingest queue. */
int desk_confirm(struct desk *d, const char *id, const char *agent,
	char *msg, size_t n);
/* Cancel a batch not yet stored: its uploaded files are removed (a run
 * in progress is stopped first). */
int desk_cancel(struct desk *d, const char *id, const char *agent,
	char *msg, size_t n);
/* A failed batch runs again: into the ingest queue, or to be checked
 * again when it failed before its preview was made. */
int desk_rerun(struct desk *d, const char *id, const char *agent,
	char *msg, size_t n);
/* The Chinese name of a state. */
const char *desk_state_name(enum desk_state st);

/* Work that must land but may have to wait for the archive's write lock,
 * which an ingest holds for as long as its transaction lasts (what a
 * finished download records): fn(ud, 0) runs on the desk's keeper
 * thread, never on a request's, and again after 1, 2, 4 ... (at most
 * DESK_LATER_MAX_WAIT) seconds for as long as it returns 1 ("not yet");
 * 0 ends it (landed, or failed for good: fn logs which).  At the desk's
 * close, once the ingest has stopped, fn(ud, 1) is its last try.  Then
 * done(ud) frees ud.  what names the work in the log.  Returns 0, or -1
 * when there is no keeper (the caller does the work itself). */
#define DESK_LATER_MAX_WAIT 30.0
int desk_later(struct desk *d, const char *what, int (*fn)(void *ud,
	int last), void (*done)(void *ud), void *ud);

/* ------------------------------------------------- receiving (upload.c) */

/* Begin receiving a multipart body: into a new batch of account ad when
 * id is NULL (made once the form token has come), else into the batch id
 * (its POST .../files).  content_length: the request's (0 unknown).
 * Returns 0 with sink filled, or an HTTP status with a sentence in msg:
 * 413 over the caps, 507 not enough free disk, 404 no such batch, 409 a
 * batch no longer receiving or receiving on another connection, 503 no
 * thread to receive it on (the sink writes on one of its own,
 * sinkq.c). */
int upload_open(struct desk *d, const char *id, const struct admin *ad,
	uint64_t content_length, struct http_sink *sink, char *msg,
	size_t nmsg);
/* What became of an upload once its body ended (req->upload): 0 with
 * *id the batch's, or an HTTP status with a sentence in *msg (the batch,
 * if it was made by this request and nothing of it is to be kept, is
 * gone).  The strings live as long as the upload. */
int upload_result(void *upload, const char **id, const char **msg);

/* -------------------------------------------- pages (page_ingest.c) */

int page_admin_ingest(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_ingest_open(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	struct http_sink *sink);
int page_admin_ingest_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_batches(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_batch(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_batch_open(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	struct http_sink *sink);
int page_admin_batch_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);

#endif
