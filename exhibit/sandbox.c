/*
 * sandbox.c - the demonstrations' sandboxes: a scratch archive for each
 * demonstration session, so that a visitor's touches run the real
 * pipeline, store, event chain, BagIt writer and OCR without ever
 * writing to the real archive.
 *
 * The pool lives in DIR/tmp/demo-PID-N/: the material and the template
 * (demo_template.c) made once at the start, and one folder sNNN per
 * sandbox, a copy of the template (each file cloned where the file
 * system can, else copied: a few megabytes, ready in milliseconds).
 * Guarantees:
 *  - the real data folder is only read, and only while the template is
 *    made; every handle a sandbox opens is to its own folder;
 *  - two sessions never share a sandbox (a session is a random 256-bit
 *    cookie value); one request at a time works in a sandbox (its lock);
 *  - at most lim.max sandboxes exist; each is reclaimed after lim.idle
 *    seconds unused, after lim.life seconds, or past lim.bytes on disk;
 *  - a pool left behind by a server that died is removed by the next
 *    one to start on the folder: a live pool holds a lock on its folder
 *    (flock), so a pool folder nobody holds is stale;
 *  - a slow step (OCR) runs on one of the pool's own worker threads
 *    (one a processor, at most DEMO_WORKERS), on a handle of its own to
 *    the sandbox: the request that asks for it is answered at once, and
 *    no request thread of the server waits seconds for tesseract.  The
 *    jobs are taken in the order they came, one sandbox's one at a
 *    time.  A sandbox with a job queued or running is not reclaimed; one
 *    reset meanwhile drops the job's result.
 * Cookies and pages are demo pages' (page_demo.c): this file knows keys.
 */
#include "demo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sandbox {
	char key[65];           /* the session's cookie value */
	char *dir;              /* its data folder */
	struct hd_archive *a;   /* writable, to dir */
	pthread_mutex_t lock;   /* held by the request working in it */
	int users;              /* requests holding or waiting (pool lock) */
	int jobs;               /* jobs queued or running (pool lock) */
	int working;            /* a worker runs one of them (pool lock) */
	unsigned long gen;      /* resets so far (its lock) */
	int ended;              /* the session ended: reclaim when unused */
	long long made;         /* monotonic seconds */
	long long used;
	json_t *state;          /* the demonstrations' progress */
};

/* A slow step waiting for the worker. */
struct demo_job {
	struct demo_job *next;
	struct sandbox *sb;
	unsigned long gen;      /* the sandbox's resets when it was queued */
	struct demo_work w;
};

struct demo_pool {
	char *dir;              /* the real data folder */
	char *root;             /* DIR/tmp/demo-PID-N */
	char *tmpl;             /* root/template */
	pthread_rwlock_t tmpl_lock;     /* written while its readings are
	                                   brought up to date, read while
	                                   copied */
	int64_t tmpl_upto;      /* its last reading's slot (pool lock) */
	int lockfd;
	struct demo_limits lim;
	pthread_mutex_t lock;   /* everything below */
	pthread_cond_t ready_cv;
	int ready;              /* 1 made, -1 failed, 0 not yet */
	struct hd_error why;    /* the failure, when ready is -1 */
	struct demo_material mat;
	struct sandbox **v;
	size_t n;
	int making;             /* sandboxes being copied */
	unsigned long seq;      /* folder numbers */
	struct demo_job *head, *tail;   /* the worker's queue */
	pthread_cond_t job_cv;
	pthread_t workers[DEMO_WORKERS];
	int nworkers;           /* started */
	int stopping;
};

/* Seconds on the monotonic clock. */
static long long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/* ------------------------------------------------------ file copies */

/* The bytes tree_bytes is adding up (one walk at a time a thread). */
static _Thread_local uint64_t walk_bytes;

/* nftw's callback of tree_bytes: add the entry's blocks.  0: go on. */
static int add_blocks(const char *path, const struct stat *st, int flag,
	struct FTW *f)
{
	(void)path;
	(void)flag;
	(void)f;
	walk_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* Bytes the files under dir take on disk (blocks allocated). */
static uint64_t tree_bytes(const char *dir)
{
	walk_bytes = 0;
	(void)nftw(dir, add_blocks, 16, FTW_PHYS);  /* a part is enough */
	return walk_bytes;
}

/* ------------------------------------------------------------ pool */

/* Remove the pool folders under tmp (DIR/tmp/demo-*) that no live pool
 * holds locked: left by a server that died. */
static void sweep_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *de;
	char *path, *lock;
	int fd;

	if (d == NULL) {
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "demo-", 5) != 0) {
			continue;
		}
		path = hd_xasprintf("%s/%s", tmp, de->d_name);
		lock = hd_xasprintf("%s/lock", path);
		fd = open(lock, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0) {
			hd_fs_rmtree(path);
		}
		if (fd >= 0) {
			close(fd);
		}
		free(lock);
		free(path);
	}
	closedir(d);
}

/* ------------------------------------------------------------ jobs */

/* Do job j (no lock held): its step on a handle of its own to the
 * sandbox's folder, then its result given to the state under the
 * sandbox's lock, unless the sandbox was reset meanwhile. */
static void job_run(struct demo_pool *p, struct demo_job *j)
{
	struct sandbox *sb = j->sb;
	struct demo_run r;
	json_t *res = NULL, *priv = json_object();
	char *dir = NULL;
	int rc = HD_EIO;

	memset(&r, 0, sizeof r);
	pthread_mutex_lock(&sb->lock);
	if (sb->gen == j->gen) {
		dir = hd_xstrdup(sb->dir);
	}
	pthread_mutex_unlock(&sb->lock);
	if (dir != NULL) {
		r.dir = dir;
		r.m = &p->mat;
		r.st = priv;
		hd_err_clear(&r.e);
		rc = hd_archive_open(dir, 0, &r.a, &r.e);
		if (rc == 0) {
			rc = j->w.run(&r, &res);
		}
		hd_archive_close(r.a);
	}
	pthread_mutex_lock(&sb->lock);
	if (sb->gen == j->gen) {
		j->w.finish(sb->state, &j->w, rc, res, priv, &r.e);
	} else {
		json_decref(res);
	}
	sb->used = now_s();
	pthread_mutex_unlock(&sb->lock);
	json_decref(priv);
	free(dir);
}

/* Take out of p's queue its oldest job whose sandbox no worker is
 * working in, marking the sandbox worked in (pool lock held).  NULL when
 * there is none. */
static struct demo_job *job_take(struct demo_pool *p)
{
	struct demo_job *j, *prev = NULL;

	for (j = p->head; j != NULL && j->sb->working; j = j->next) {
		prev = j;
	}
	if (j == NULL) {
		return NULL;
	}
	if (prev != NULL) {
		prev->next = j->next;
	} else {
		p->head = j->next;
	}
	if (p->tail == j) {
		p->tail = prev;
	}
	j->sb->working = 1;
	return j;
}

/* A worker of the pool: queued jobs (job_take) until the pool is freed.
 * Returns NULL. */
static void *worker_main(void *arg)
{
	struct demo_pool *p = arg;
	struct demo_job *j;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		j = NULL;
		while (!p->stopping) {
			j = job_take(p);
			if (j != NULL) {
				break;
			}
			pthread_cond_wait(&p->job_cv, &p->lock);
		}
		if (j == NULL) {
			break;          /* the pool is being freed */
		}
		pthread_mutex_unlock(&p->lock);
		job_run(p, j);
		pthread_mutex_lock(&p->lock);
		j->sb->jobs--;
		j->sb->working = 0;
		free(j);
		/* a job of that sandbox may wait for another worker */
		pthread_cond_broadcast(&p->job_cv);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* demo_sandbox_queue: see demo.h. */
int demo_sandbox_queue(struct demo_pool *p, struct sandbox *sb,
	const struct demo_work *w, struct hd_error *e)
{
	struct demo_job *j;

	if (p->nworkers == 0) {
		return hd_err(e, HD_EIO, "the demonstrations' workers did not "
			"start");
	}
	j = hd_xcalloc(1, sizeof *j);
	j->sb = sb;
	j->gen = sb->gen;               /* sb is entered: its lock held */
	j->w = *w;
	pthread_mutex_lock(&p->lock);
	sb->jobs++;
	if (p->tail != NULL) {
		p->tail->next = j;
	} else {
		p->head = j;
	}
	p->tail = j;
	pthread_cond_signal(&p->job_cv);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* demo_pool_new: see demo.h. */
int demo_pool_new(const char *dir, const struct demo_limits *lim,
	struct demo_pool **out, struct hd_error *e)
{
	struct demo_pool *p;
	char *tmp, *lock;
	long nproc;
	int i, rc;

	*out = NULL;
	tmp = hd_xasprintf("%s/tmp", dir);
	rc = hd_fs_mkdirs(tmp, e);
	if (rc != 0) {
		free(tmp);
		return rc;
	}
	sweep_stale(tmp);
	p = hd_xcalloc(1, sizeof *p);
	p->dir = hd_xstrdup(dir);
	p->lim = *lim;
	p->lockfd = -1;
	for (i = 0; i < 1000 && p->root == NULL; i++) {
		char *r = hd_xasprintf("%s/demo-%ld-%d", tmp, (long)getpid(),
			i);

		if (mkdir(r, 0755) == 0) {
			p->root = r;
		} else {
			free(r);
		}
	}
	free(tmp);
	if (p->root == NULL) {
		rc = hd_err(e, HD_EIO, "%s/tmp: no folder for the "
			"demonstrations: %s", dir, strerror(errno));
		goto fail;
	}
	lock = hd_xasprintf("%s/lock", p->root);
	p->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (p->lockfd < 0 || flock(p->lockfd, LOCK_EX | LOCK_NB) != 0) {
		rc = hd_err(e, HD_EIO, "%s: %s", lock, strerror(errno));
		free(lock);
		goto fail;
	}
	free(lock);
	p->tmpl = hd_xasprintf("%s/template", p->root);
	p->mat.dir = hd_xasprintf("%s/material", p->root);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->ready_cv, NULL);
	pthread_rwlock_init(&p->tmpl_lock, NULL);
	pthread_cond_init(&p->job_cv, NULL);
	nproc = sysconf(_SC_NPROCESSORS_ONLN);
	for (i = 0; i < (nproc < 1 ? 1 : nproc > DEMO_WORKERS ? DEMO_WORKERS :
	    nproc); i++) {
		if (pthread_create(&p->workers[p->nworkers], NULL, worker_main,
		    p) == 0) {
			p->nworkers++;
		}
	}
	*out = p;
	return 0;
fail:
	if (p->root != NULL) {
		hd_fs_rmtree(p->root);
	}
	if (p->lockfd >= 0) {
		close(p->lockfd);
	}
	free(p->root);
	free(p->dir);
	free(p);
	return rc;
}

/* demo_pool_prepare: see demo.h. */
int demo_pool_prepare(struct demo_pool *p, struct hd_error *e)
{
	struct hd_archive *real = NULL;
	int64_t upto = demo_reading_slot(hd_now_s());
	int rc;

	rc = hd_archive_open(p->dir, 1, &real, e);
	if (rc == 0) {
		rc = demo_template_make(real, p->tmpl, &p->mat, upto, e);
	}
	hd_archive_close(real);
	pthread_mutex_lock(&p->lock);
	p->ready = rc == 0 ? 1 : -1;
	p->tmpl_upto = upto;
	if (rc != 0) {
		p->why = *e;
	}
	pthread_cond_broadcast(&p->ready_cv);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* Free sandbox sb: its handle, its folder and itself. */
static void sandbox_free(struct sandbox *sb)
{
	hd_archive_close(sb->a);
	if (sb->dir != NULL) {
		hd_fs_rmtree(sb->dir);
	}
	free(sb->dir);
	json_decref(sb->state);
	pthread_mutex_destroy(&sb->lock);
	free(sb);
}

/* demo_pool_free: see demo.h. */
void demo_pool_free(struct demo_pool *p)
{
	size_t i;
	int k;

	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->job_cv);
	pthread_mutex_unlock(&p->lock);
	for (k = 0; k < p->nworkers; k++) {
		pthread_join(p->workers[k], NULL);
	}
	while (p->head != NULL) {
		struct demo_job *j = p->head;

		p->head = j->next;
		free(j);
	}
	for (i = 0; i < p->n; i++) {
		sandbox_free(p->v[i]);
	}
	free(p->v);
	demo_material_release(&p->mat);
	hd_fs_rmtree(p->root);
	close(p->lockfd);
	pthread_cond_destroy(&p->ready_cv);
	pthread_rwlock_destroy(&p->tmpl_lock);
	pthread_cond_destroy(&p->job_cv);
	pthread_mutex_destroy(&p->lock);
	free(p->tmpl);
	free(p->root);
	free(p->dir);
	free(p);
}

/* Take sandbox i out of the pool's list (pool locked). */
static struct sandbox *pool_take(struct demo_pool *p, size_t i)
{
	struct sandbox *sb = p->v[i];

	p->v[i] = p->v[--p->n];
	return sb;
}

/* Bring the template's readings up to the last slot, when one has come
 * since they were made (the day a server has run for weeks, sandboxes
 * still show the last four weeks); sandboxes made meanwhile wait for the
 * copy.  0, or the failure: those slots are then left out (a gap in
 * the chart, never a reading twice, as each reading is its own
 * transaction) and the next slot's come as usual. */
static int freshen(struct demo_pool *p, struct hd_error *e)
{
	int64_t upto = demo_reading_slot(hd_now_s()), after;
	struct hd_archive *a = NULL;
	int rc;

	pthread_mutex_lock(&p->lock);
	after = p->ready == 1 ? p->tmpl_upto : upto;
	pthread_mutex_unlock(&p->lock);
	if (upto <= after) {
		return 0;
	}
	pthread_rwlock_wrlock(&p->tmpl_lock);
	rc = hd_archive_open(p->tmpl, 0, &a, e);
	if (rc == 0) {
		rc = demo_readings_add(a, after, upto, e);
	}
	hd_archive_close(a);
	pthread_rwlock_unlock(&p->tmpl_lock);
	pthread_mutex_lock(&p->lock);
	p->tmpl_upto = upto;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* demo_pool_reap: see demo.h.  Only sandboxes no request holds or waits
 * for are looked at (users 0 under the pool's lock, so none can come
 * while their size is measured). */
int demo_pool_reap(struct demo_pool *p, struct hd_error *e)
{
	struct sandbox *gone[64];
	size_t i, ngone = 0;
	long long t = now_s();
	int k;

	hd_err_clear(e);
	(void)freshen(p, e);
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n && ngone < 64; ) {
		struct sandbox *sb = p->v[i];

		if (sb->users == 0 && sb->jobs == 0 && (sb->ended ||
		    t - sb->used >= p->lim.idle ||
		    t - sb->made >= p->lim.life ||
		    tree_bytes(sb->dir) > p->lim.bytes)) {
			gone[ngone++] = pool_take(p, i);
			continue;
		}
		i++;
	}
	pthread_mutex_unlock(&p->lock);
	for (k = 0; k < (int)ngone; k++) {
		sandbox_free(gone[k]);
	}
	return (int)ngone;
}

/* demo_pool_count: see demo.h. */
int demo_pool_count(struct demo_pool *p)
{
	int n;

	pthread_mutex_lock(&p->lock);
	n = (int)p->n;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* demo_pool_material: see demo.h. */
const struct demo_material *demo_pool_material(struct demo_pool *p)
{
	return &p->mat;
}

/* Wait (pool locked) until the template is made, at most
 * DEMO_READY_WAIT_S.  0, HD_EBUSY still not ready, or its failure. */
static int wait_ready(struct demo_pool *p, struct hd_error *e)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DEMO_READY_WAIT_S;
	while (p->ready == 0) {
		if (pthread_cond_timedwait(&p->ready_cv, &p->lock,
		    &until) != 0) {
			break;
		}
	}
	if (p->ready == 1) {
		return 0;
	}
	if (p->ready == 0) {
		return hd_err(e, HD_EBUSY, "the demonstrations are still "
			"being prepared");
	}
	if (e != NULL) {
		*e = p->why;
	}
	return p->why.code != 0 ? p->why.code : HD_EIO;
}

/* A copy of the template at dir, opened: 0 or the failure (nothing is
 * left at dir then). */
static int sandbox_fill(struct demo_pool *p, const char *dir,
	struct hd_archive **a, struct hd_error *e)
{
	int rc;

	pthread_rwlock_rdlock(&p->tmpl_lock);
	rc = hd_fs_copytree(p->tmpl, dir, 0, e);
	pthread_rwlock_unlock(&p->tmpl_lock);
	if (rc == 0) {
		rc = hd_archive_open(dir, 0, a, e);
	}
	if (rc != 0) {
		hd_fs_rmtree(dir);
		*a = NULL;
	}
	return rc;
}

/* demo_sandbox_enter: see demo.h.  The copy is made outside the pool's
 * lock, its place kept by p->making. */
int demo_sandbox_enter(struct demo_pool *p, const char *key, int create,
	struct sandbox **out, int *made, struct hd_error *e)
{
	struct sandbox *sb = NULL, *evict = NULL;
	long long t = now_s();
	size_t i;
	int rc;

	*out = NULL;
	*made = 0;
	pthread_mutex_lock(&p->lock);
	rc = wait_ready(p, e);
	if (rc != 0) {
		pthread_mutex_unlock(&p->lock);
		return rc;
	}
	for (i = 0; i < p->n && sb == NULL; i++) {
		if (!p->v[i]->ended && hd_token_equal(p->v[i]->key, key)) {
			sb = p->v[i];
		}
	}
	if (sb != NULL) {
		sb->users++;
		pthread_mutex_unlock(&p->lock);
		pthread_mutex_lock(&sb->lock);
		*out = sb;
		return 0;
	}
	if (!create) {
		pthread_mutex_unlock(&p->lock);
		return hd_err(e, HD_ENOTFOUND, "no demonstration session");
	}
	if ((int)p->n + p->making >= p->lim.max) {
		/* the longest unused, when it has been for a while */
		for (i = 0; i < p->n; i++) {
			struct sandbox *c = p->v[i];

			if (c->users == 0 && c->jobs == 0 &&
			    t - c->used >= DEMO_EVICT_S &&
			    (evict == NULL || c->used < evict->used)) {
				evict = c;
			}
		}
		if (evict == NULL) {
			pthread_mutex_unlock(&p->lock);
			return hd_err(e, HD_EBUSY, "all %d demonstration "
				"sandboxes are in use", p->lim.max);
		}
		for (i = 0; p->v[i] != evict; i++) {
		}
		pool_take(p, i);
	}
	p->making++;
	sb = hd_xcalloc(1, sizeof *sb);
	snprintf(sb->key, sizeof sb->key, "%s", key);
	sb->dir = hd_xasprintf("%s/s%lu", p->root, ++p->seq);
	pthread_mutex_unlock(&p->lock);
	if (evict != NULL) {
		sandbox_free(evict);
	}
	pthread_mutex_init(&sb->lock, NULL);
	sb->state = json_object();
	sb->made = sb->used = t;
	sb->users = 1;
	rc = sandbox_fill(p, sb->dir, &sb->a, e);
	pthread_mutex_lock(&p->lock);
	p->making--;
	if (rc == 0) {
		p->v = hd_xrealloc(p->v, (p->n + 1) * sizeof *p->v);
		p->v[p->n++] = sb;
	}
	pthread_mutex_unlock(&p->lock);
	if (rc != 0) {
		free(sb->dir);
		sb->dir = NULL;
		sandbox_free(sb);
		return rc;
	}
	pthread_mutex_lock(&sb->lock);
	*out = sb;
	*made = 1;
	return 0;
}

/* demo_sandbox_leave: see demo.h. */
void demo_sandbox_leave(struct demo_pool *p, struct sandbox *sb)
{
	if (sb == NULL) {
		return;
	}
	sb->used = now_s();
	pthread_mutex_unlock(&sb->lock);
	pthread_mutex_lock(&p->lock);
	sb->users--;
	pthread_mutex_unlock(&p->lock);
}

/* demo_sandbox_reset: see demo.h.  The new copy is made beside the old
 * one and takes its place only when it opened. */
int demo_sandbox_reset(struct demo_pool *p, struct sandbox *sb,
	struct hd_error *e)
{
	struct hd_archive *a = NULL;
	char *dir;
	int rc;

	pthread_mutex_lock(&p->lock);
	dir = hd_xasprintf("%s/s%lu", p->root, ++p->seq);
	pthread_mutex_unlock(&p->lock);
	rc = sandbox_fill(p, dir, &a, e);
	if (rc != 0) {
		free(dir);
		return rc;
	}
	hd_archive_close(sb->a);
	hd_fs_rmtree(sb->dir);
	free(sb->dir);
	sb->dir = dir;
	sb->a = a;
	json_decref(sb->state);
	sb->state = json_object();
	sb->made = now_s();
	sb->gen++;              /* a job queued before finds no home */
	return 0;
}

/* demo_sandbox_end: see demo.h. */
void demo_sandbox_end(struct demo_pool *p, const char *key)
{
	struct sandbox *sb = NULL;
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n; i++) {
		if (hd_token_equal(p->v[i]->key, key)) {
			p->v[i]->ended = 1;
			if (p->v[i]->users == 0 && p->v[i]->jobs == 0) {
				sb = pool_take(p, i);
			}
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (sb != NULL) {
		sandbox_free(sb);
	}
}

/* demo_sandbox_archive: see demo.h. */
struct hd_archive *demo_sandbox_archive(struct sandbox *sb)
{
	return sb->a;
}

/* demo_sandbox_dir: see demo.h. */
const char *demo_sandbox_dir(const struct sandbox *sb)
{
	return sb->dir;
}

/* demo_sandbox_state: see demo.h. */
json_t *demo_sandbox_state(struct sandbox *sb)
{
	return sb->state;
}
