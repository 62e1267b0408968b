/*
 * desk_int.h - what the desk's own files share (desk.h is what the
 * pages and the server see): the desk, its batches, and the helpers of
 * desk.c that desk_run.c and upload.c use.
 *
 * Locking: d->mu guards the batch table and every field of every batch
 * but those a field's comment gives to one thread.  Nothing slow is done
 * under it: no file is written whole under it but batch.json (small, not
 * fsynced), and no run of the pipeline.  A batch is freed only under
 * d->mu, and only when no upload and no run holds it (uploading and
 * running both 0).
 */
#ifndef HD_DESK_INT_H
#define HD_DESK_INT_H

#include "desk.h"

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>

#define DESK_ID_MAX 32                  /* bytes of an id, NUL included */
#define DESK_KEEP_SECS (7 * 86400)      /* finished batches kept this long */
#define DESK_SWEEP_SECS 3600            /* and looked for this often */
#define DESK_MARGIN_MAX ((uint64_t)256 << 20)   /* free disk kept at most */
#define DESK_DEPTH_MAX 64       /* folders a batch path may be in: what an
                                   upload takes and a start finds again */

/* A file of a batch as it arrived. */
struct desk_file {
	uint64_t bytes;         /* on disk */
	int complete;           /* its part ended: in files/, else part/ */
};

/* What a cancel flag says. */
enum { DESK_GO = 0, DESK_STOP_CANCEL = 1, DESK_STOP_SERVER = 2 };

struct desk_batch {
	char id[DESK_ID_MAX];
	char *dir;              /* DIR/tmp/upload-ID */
	enum desk_state state;
	char *reason;           /* why it failed, was refused or cancelled */
	char owner[HD_USER_MAX + 8];    /* "web:NAME" who uploaded it */
	char runner[HD_USER_MAX + 8];   /* who confirmed it: the ingest's
	                                   agent */
	char created[32];       /* ISO 8601 UTC */
	char updated[32];
	int64_t updated_s;      /* hd_now_s() of updated */
	/* the batch options (codes; "" for the pipeline's default) */
	char category[8];
	char access[16];
	char retention[8];
	char cls[16];
	char ocr_lang[72];
	int ocr;                /* OCR_AUTO, OCR_ON, OCR_OFF */
	char *sheet;            /* the sheet's name in sheet/, or NULL */
	GHashTable *manifest;   /* path -> uint64_t * (bytes) the client
	                           said it will send, or NULL */
	uint64_t manifest_bytes;
	GTree *files;           /* path -> struct desk_file *, sorted */
	size_t nfiles_complete;
	uint64_t bytes;         /* on disk, every file */
	int uploading;          /* a connection is receiving into it */
	long seq;               /* order it entered CHECKING or QUEUED */
	/* the runs */
	int running;            /* a thread runs the pipeline on it */
	atomic_int cancel;      /* DESK_GO, DESK_STOP_CANCEL, ... */
	struct ingest_progress prog;    /* the run's last figures */
	int have_prog;
	json_t *result;         /* the last run (desk_result_slim of
	                           result.json), or NULL */
	int64_t archive_batch;  /* the archive's batch number once stored */
	int added;
	int duplicates;
	int unsaved;            /* batch.json is behind the state in memory
	                           (it could not be written): the keeper
	                           writes it (desk_keep.c) */
};

/* Work the keeper retries (desk_later). */
struct desk_later {
	struct desk_later *next;
	char what[160];         /* for the log */
	int (*fn)(void *ud, int last);
	void (*done)(void *ud);
	void *ud;
	double at;              /* hd_mono_s() of its next try */
	double wait;            /* seconds before the one after */
	int tries;
};

struct desk {
	char *dir;              /* the data folder */
	char *tmp;              /* DIR/tmp */
	struct desk_opts opts;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* work for the threads, or the stop */
	GHashTable *batches;    /* id -> struct desk_batch * */
	long seq;
	int stopping;
	pthread_t threads[2];   /* the check thread, the ingest thread */
	int nthreads;
	/* the keeper (desk_keep.c): a thread of its own that writes the
	 * batch states that could not be written and runs the work that
	 * waits for the archive (desk_later), under mu */
	pthread_t keeper;
	int have_keeper;
	int keeper_stop;
	pthread_cond_t keep_cv; /* work for the keeper, or its stop */
	struct desk_later *later;       /* sorted by at */
	double unsaved_at;      /* next try of the unsaved batches */
	double unsaved_wait;
};

/* ---------------------------------------------------------- desk.c */

/* The batch id, or NULL (under d->mu). */
struct desk_batch *desk_find(struct desk *d, const char *id);
/* A new batch of agent in state RECEIVING with its folder made and
 * batch.json written (under d->mu).  NULL with e set when the folder
 * cannot be made or batch.json written (nothing is left of it then). */
struct desk_batch *desk_batch_new(struct desk *d, const char *agent,
	struct hd_error *e);
/* Remove the batch b whole: its folder, its entry, b itself (under
 * d->mu; b must be held by nobody else). */
void desk_batch_delete(struct desk *d, struct desk_batch *b);
/* Remove what was uploaded into b (files/, part/, sheet/) and forget
 * its files (under d->mu, when b is neither uploading nor running). */
void desk_batch_clear(struct desk *d, struct desk_batch *b);
/* Enter state st (with reason, may be NULL, copied), stamp the time and
 * write batch.json (under d->mu).  CHECKING and QUEUED take the next
 * place in their queue and wake the threads.  Returns desk_persist's
 * answer. */
int desk_set_state(struct desk *d, struct desk_batch *b,
	enum desk_state st, const char *reason);
/* Write batch.json of b now (under d->mu).  0, or -1 with errno set:
 * the state in memory goes on, the failure is logged and b is unsaved
 * until the keeper (desk_keep.c) has written it. */
int desk_persist(struct desk *d, struct desk_batch *b);
/* Forget the files of b (in memory only). */
void desk_forget_files(struct desk_batch *b);
/* Remove files/, part/ and sheet/ of the batch folder dir (without the
 * lock: only for a batch nobody writes into any more). */
void desk_clear_disk(const char *dir);
/* Record a file of b: path with bytes on disk, complete or not (under
 * d->mu); the batch's counts follow. */
void desk_file_set(struct desk_batch *b, const char *path, uint64_t bytes,
	int complete);
/* 1 when every file of b's manifest arrived whole (1 without one). */
int desk_manifest_done(const struct desk_batch *b);
/* Remove what has been kept long enough (under d->mu): finished
 * batches and abandoned uploads DESK_KEEP_SECS after their last
 * change. */
void desk_sweep(struct desk *d);
/* Bytes free for an unprivileged writer in the folder path, or -1. */
int64_t desk_free_bytes(const char *path);
/* The free disk a batch must leave in path's file system: a twentieth
 * of it, at most DESK_MARGIN_MAX. */
uint64_t desk_margin(const char *path);
/* What of a run's result r (desk_run.c) a batch keeps in memory: all
 * but its records and report, read from result.json when a page shows
 * them (a batch of thousands would otherwise hold megabytes of them in
 * the server for the week it is kept).  A new object; NULL for NULL. */
json_t *desk_result_slim(const json_t *r);
/* Write p[0..n) to path through a temporary beside it and a rename
 * (not fsynced: the desk's own state, never the archive's).  0 or -1. */
int desk_write_file(const char *path, const char *p, size_t n);

/* ------------------------------------------------------ desk_run.c */

/* Start the check and the ingest threads (desk_open, after the batches
 * were taken up).  0, or -1 when none could be started. */
int desk_threads_start(struct desk *d);
/* Ask them to stop, stopping a run in progress, and wait for them;
 * then the keeper's last round (desk_keeper_stop). */
void desk_threads_stop(struct desk *d);

/* ----------------------------------------------------- desk_keep.c */

/* Make what the keeper waits on (desk_open, before anything can fail;
 * desk_close destroys d->keep_cv). */
void desk_keeper_init(struct desk *d);
/* Start the keeper thread.  0, or -1 when it could not be started. */
int desk_keeper_start(struct desk *d);
/* Wake the keeper: a batch became unsaved (under d->mu). */
void desk_keeper_wake(struct desk *d);
/* Stop the keeper after one last try of what it holds (what still
 * fails is logged and dropped), and wait for it.  Call once the check
 * and ingest threads have ended: the archive's write lock is then free
 * of them. */
void desk_keeper_stop(struct desk *d);

#endif
