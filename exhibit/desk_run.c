/*
 * desk_run.c - the desk's two threads, which run the ingest pipeline on
 * uploaded batches: the check thread gives each received batch its
 * preview (ingest_run with dry_run, as "hongdang ingest --dry-run"), the
 * ingest thread stores the confirmed ones in the order they were
 * confirmed.  So one batch at a time writes the archive, a second waits
 * in the queue, and a preview need not wait for a long ingest.
 *
 * Each thread has its own archive handle, opened at its first batch and
 * kept; it runs at a lower priority (nice 10, which the pipeline's
 * reader and OCR threads inherit), so the exhibit's pages keep their
 * cores while a batch is read.  Nothing slow happens under the desk's
 * lock: a thread copies what it needs out of the batch, lets go, runs,
 * writes result.json, and takes the lock again to say how it ended.
 *
 * A run ends as the batch then goes: a check in PREVIEW (or REFUSED with
 * every reason, or FAILED when the archive failed); an ingest in DONE
 * (its uploaded files removed, the report kept), REFUSED (nothing
 * stored) or FAILED (nothing stored; it can run again).  A cancel stops
 * the run at its next file or page (CANCELLED, files removed), unless
 * the ingest had already committed (then it is DONE); the server's stop
 * leaves a check to be done again at the next start and an ingest
 * FAILED ("interrupted").
 */
#include "desk_int.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DESK_NICE 10            /* the threads' priority, below pages' */
/* The page cache of a desk thread's connection (KiB): a batch of
 * thousands of records would otherwise keep 64 MB resident in the
 * server after it, for each thread. */
#define DESK_CACHE_KIB 8192

/* What a thread takes out of a batch to run it. */
struct job {
	struct desk *d;
	struct desk_batch *b;   /* held: running is 1 */
	int ingest;             /* 0: the check (a dry run) */
	char *dir;              /* the batch's folder */
	char *sheet;            /* its sheet's path, or NULL */
	char agent[HD_USER_MAX + 8];
	char category[8], access[16], retention[8], cls[16], ocr_lang[72];
	int ocr;
};

/* The thread's side of the desk. */
struct runner {
	struct desk *d;
	int ingest;
	struct hd_archive *a;   /* opened at the first batch */
};

/* The next batch for a thread (under d->mu): the one waiting longest in
 * its state (CHECKING or QUEUED) that no connection is receiving into.
 * NULL when none waits. */
static struct desk_batch *next_batch(struct desk *d, int ingest)
{
	enum desk_state want = ingest ? DESK_QUEUED : DESK_CHECKING;
	struct desk_batch *best = NULL;
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, d->batches);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct desk_batch *b = v;

		if (b->state == want && !b->running && !b->uploading &&
		    (best == NULL || b->seq < best->seq)) {
			best = b;
		}
	}
	return best;
}

/* The test hook HD_DESK_GATE: while the file it names exists, an
 * ingest (not a check) waits once it has read its first file, until it
 * is cancelled, so that a test can find it in the middle of its work
 * (queued behind it, or the server killed under it). */
static void gate(const struct job *j, const struct ingest_progress *p)
{
	const char *g = getenv("HD_DESK_GATE");

	while (g != NULL && *g && j->ingest && p->stage == INGEST_READ &&
	    p->files_done >= 1 && access(g, F_OK) == 0 &&
	    atomic_load(&j->b->cancel) == DESK_GO) {
		usleep(50 * 1000);
	}
}

/* The pipeline's progress hook: the figures into the batch, for its
 * page (ud: the struct job). */
static void on_progress(const struct ingest_progress *p, void *ud)
{
	struct job *j = ud;

	pthread_mutex_lock(&j->d->mu);
	j->b->prog = *p;
	j->b->have_prog = 1;
	pthread_mutex_unlock(&j->d->mu);
	gate(j, p);
}

/* qsort order of C strings: bytewise. */
static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The inputs of a batch: each entry at the top of DIR/files, sorted, as
 * "hongdang ingest" takes its PATH arguments (a folder uploaded whole is
 * one folder; an archive is unpacked; a lone file is its own name).
 * *n receives the count; caller frees with hd_strv_free. */
static char **inputs(const char *dir, size_t *n)
{
	char *top = hd_xasprintf("%s/files", dir), *p;
	struct dirent *de;
	char **v = NULL;
	DIR *dp = opendir(top);

	*n = 0;
	while (dp != NULL && (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		p = hd_xasprintf("%s/%s", top, de->d_name);
		hd_strv_add(&v, n, p);
		free(p);
	}
	if (dp != NULL) {
		closedir(dp);
	}
	free(top);
	if (*n > 1) {
		qsort(v, *n, sizeof *v, str_cmp);
	}
	return v;
}

/* Cut the batch's own folders (DIR/files/, DIR/sheet/) out of text, in
 * place, so that paths and messages read as "hongdang ingest" run in
 * that folder says them ("目录.csv line 4 ..."). */
static void unfolder(char *text, const char *dir)
{
	char *p, *q, *pre;
	size_t n, k;

	for (k = 0; k < 2; k++) {
		pre = hd_xasprintf("%s/%s/", dir, k ? "sheet" : "files");
		n = strlen(pre);
		for (p = q = text; *p; ) {
			if (strncmp(p, pre, n) == 0) {
				p += n;
			} else {
				*q++ = *p++;
			}
		}
		*q = '\0';
		free(pre);
	}
}

/* result.json being written (see result_write). */
struct rw {
	const char *dir;        /* the batch's folder, cut out of the text */
	FILE *f;
	int bad;                /* a piece could not be made or written */
};

/* The writer's put (struct rw as ud): text, the batch's folders cut out
 * of it (unfolder), into the file. */
static void rw_put(const char *text, void *ud)
{
	struct rw *w = ud;
	char *t = hd_xstrdup(text);

	unfolder(t, w->dir);
	if (fputs(t, w->f) == EOF) {
		w->bad = 1;
	}
	free(t);
}

/* v (a reference to it taken) written as JSON, the batch's folders cut
 * out of it.  Returns the text written (caller frees), or NULL when v
 * could not be dumped ("null" is written instead). */
static char *rw_value(struct rw *w, json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(v);
	if (t == NULL) {
		w->bad = 1;
		fputs("null", w->f);
		return NULL;
	}
	unfolder(t, w->dir);
	if (fputs(t, w->f) == EOF) {
		w->bad = 1;
	}
	return t;
}

/* ,"KEY":v written (rw_value), and v as it was written put under key in
 * keep when keep is not NULL. */
static void rw_member(struct rw *w, const char *key, json_t *v,
	json_t *keep)
{
	char *t;

	fprintf(w->f, ",\"%s\":", key);
	t = rw_value(w, v);
	if (t != NULL && keep != NULL) {
		json_object_set_new(keep, key, json_loads(t,
			JSON_DECODE_ANY, NULL));
	}
	free(t);
}

/* The records a run made (or would make) as a JSON array written to w:
 * {ref, title, line, category, access, files: [batch paths]} each, in
 * the order of res, each made, written and freed in turn. */
static void records_write(struct rw *w, const struct batch *bt,
	const struct ingest_result *res)
{
	size_t *start, *order, *fill, i, k, nrec = 0;
	json_t *o, *files;

	for (i = 0; i < res->nrefs; i++) {
		if ((size_t)res->made[i].rec + 1 > nrec) {
			nrec = (size_t)res->made[i].rec + 1;
		}
	}
	/* the items of each record, in the batch's order: a counting sort
	 * of the items by their record */
	start = hd_xcalloc(nrec + 1, sizeof *start);
	fill = hd_xcalloc(nrec + 1, sizeof *fill);
	for (i = 0; i < bt->nitems; i++) {
		if (bt->items[i].record >= 0 &&
		    (size_t)bt->items[i].record < nrec) {
			start[bt->items[i].record + 1]++;
		}
	}
	for (i = 0; i < nrec; i++) {
		start[i + 1] += start[i];
	}
	order = hd_xcalloc(start[nrec] + 1, sizeof *order);
	for (i = 0; i < bt->nitems; i++) {
		int r = bt->items[i].record;

		if (r >= 0 && (size_t)r < nrec) {
			order[start[r] + fill[r]++] = i;
		}
	}
	fputs(",\"records\":[", w->f);
	for (i = 0; i < res->nrefs; i++) {
		const struct ingest_made *m = &res->made[i];

		o = json_object();
		files = json_array();
		for (k = start[m->rec]; k < start[m->rec + 1]; k++) {
			json_array_append_new(files,
				json_string(bt->items[order[k]].path));
		}
		json_object_set_new(o, "ref", json_string(res->refs[i]));
		json_object_set_new(o, "title", json_string(res->titles[i]));
		json_object_set_new(o, "line", json_integer(m->line));
		json_object_set_new(o, "category", json_string(m->category));
		json_object_set_new(o, "access", json_string(m->access));
		json_object_set_new(o, "files", files);
		if (i > 0) {
			fputs(",", w->f);
		}
		free(rw_value(w, o));
	}
	fputs("]", w->f);
	free(start);
	free(fill);
	free(order);
}

/* Write what a run made as result.json of the batch folder dir: {kind
 * ("preview" or "ingest"), refs, records (records_write), duplicates
 * (paths of files already stored), rejected [{path, reason}], warnings
 * [{path, message}], added, duplicate_records, totals {files, bytes},
 * report (batch_report: the quality-check sheet's data)}, the batch's
 * folders cut out of it (unfolder), through a temporary renamed into
 * place.  Written piece by piece: the result of a batch of thousands was
 * tens of megabytes as one JSON value.  Returns what the batch keeps of
 * it in memory (desk_result_slim's keys), and *saved 1 when the file
 * was written whole (0: the disk failed; it is then absent). */
static json_t *result_write(const char *dir, const struct batch *bt,
	const struct ingest_result *res, int ingest, int *saved)
{
	char *path = hd_xasprintf("%s/result.json", dir);
	char *tmp = hd_xasprintf("%s.tmp", path);
	json_t *slim = json_object(), *refs = json_array(), *t;
	struct rw w;
	size_t i;

	w.dir = dir;
	w.bad = 0;
	w.f = fopen(tmp, "we");
	*saved = 0;
	if (w.f == NULL) {
		w.f = fopen("/dev/null", "we");
		w.bad = 1;
	}
	if (w.f == NULL) {
		/* no descriptor left at all: not saved, which the caller
		 * tells as a failed check */
		json_decref(refs);
		unlink(path);
		free(tmp);
		free(path);
		return slim;
	}
	for (i = 0; i < res->nrefs; i++) {
		json_array_append_new(refs, json_string(res->refs[i]));
	}
	fprintf(w.f, "{\"kind\":\"%s\"", ingest ? "ingest" : "preview");
	json_object_set_new(slim, "kind", json_string(ingest ? "ingest" :
		"preview"));
	rw_member(&w, "refs", refs, slim);
	records_write(&w, bt, res);
	fputs(",\"duplicates\":[", w.f);
	for (i = 0, t = NULL; i < bt->nitems; i++) {
		if (bt->items[i].duplicate) {
			if (t != NULL) {
				fputs(",", w.f);
			}
			t = json_string(bt->items[i].path);
			free(rw_value(&w, t));
		}
	}
	fputs("]", w.f);
	rw_member(&w, "rejected", batch_notes_json(bt->rejected,
		bt->nrejected, "reason"), slim);
	rw_member(&w, "warnings", batch_notes_json(bt->warnings,
		bt->nwarnings, "message"), slim);
	rw_member(&w, "added", json_integer(res->added), slim);
	rw_member(&w, "duplicate_records", json_integer(res->duplicates),
		slim);
	t = json_object();
	json_object_set_new(t, "files", json_integer(
		(json_int_t)bt->prog.files_total));
	json_object_set_new(t, "bytes", json_integer(
		(json_int_t)bt->prog.bytes_total));
	rw_member(&w, "totals", t, slim);
	fputs(",\"report\":", w.f);
	if (batch_report_write(bt, res, !ingest, rw_put, &w) != 0) {
		w.bad = 1;
	}
	fputs("}\n", w.f);
	if (fflush(w.f) != 0 || ferror(w.f)) {
		w.bad = 1;
	}
	if (fclose(w.f) != 0) {
		w.bad = 1;
	}
	if (!w.bad && rename(tmp, path) == 0) {
		*saved = 1;
	} else {
		unlink(tmp);
		unlink(path);
	}
	free(tmp);
	free(path);
	return slim;
}

/* A number from the environment (the command line's test hooks,
 * HD_OCR_WORKERS), or def. */
static int env_int(const char *name, int lo, int hi, int def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0') {
		return def;
	}
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= lo && v <= hi ? (int)v : def;
}

/* s, or NULL when it is empty (a default of the pipeline). */
static const char *or_null(const char *s)
{
	return s != NULL && *s ? s : NULL;
}

/* Run the pipeline on j's batch with archive a: what it made is written
 * as result.json (result_write) before the batch is let go, *result
 * receiving what the batch keeps of it (NULL when the run failed before
 * a report) and *saved whether the file was written; *res_out the
 * archive's batch figures.  Returns ingest_run's code with e set. */
static int run(struct job *j, struct hd_archive *a, json_t **result,
	int *saved, struct ingest_result *res_out, struct hd_error *e)
{
	struct hd_agent agent = { j->agent };
	struct ingest_opts o;
	struct ingest_result res;
	struct batch bt;
	const char *env;
	char **paths;
	size_t n;
	int rc;

	*result = NULL;
	*saved = 0;
	memset(res_out, 0, sizeof *res_out);
	paths = inputs(j->dir, &n);
	if (n == 0) {
		hd_strv_free(paths, n);
		return hd_err(e, HD_EINVAL, "这个批次没有收到任何文件");
	}
	memset(&o, 0, sizeof o);
	o.sheet = j->sheet;
	o.category = or_null(j->category);
	o.access = or_null(j->access);
	o.retention = or_null(j->retention);
	o.cls = or_null(j->cls);
	o.dry_run = !j->ingest;
	o.progress = on_progress;
	o.progress_ud = j;
	o.agent = &agent;
	o.ocr = j->ocr;
	o.ocr_lang = or_null(j->ocr_lang);
	env = getenv("TESSDATA_PREFIX");
	o.tessdata = env && *env ? env : NULL;
	o.ocr_workers = env_int("HD_OCR_WORKERS", 1, 64, 0);
	o.cancel = &j->b->cancel;
	o.keep_ocr = 1;
	batch_init(&bt, a);
	bt.lim = j->d->opts.lim;
	rc = ingest_run(&bt, &o, paths, n, &res, e);
	if (rc == 0 || rc == HD_EREJECT) {
		*result = result_write(j->dir, &bt, &res, j->ingest, saved);
	}
	res_out->batch = res.batch;
	res_out->added = res.added;
	res_out->duplicates = res.duplicates;
	ingest_result_release(&res);
	batch_release(&bt);
	hd_strv_free(paths, n);
	return rc;
}

/* How the run of j ended (rc, e, what it made: result, as the batch
 * keeps it), into its batch (under d->mu), as the file comment says.  Returns 1 when the batch's uploaded
 * files are to be removed (the caller does it after letting the lock
 * go). */
static int settle(struct job *j, int rc, const struct hd_error *e,
	json_t *result, const struct ingest_result *res)
{
	struct desk *d = j->d;
	struct desk_batch *b = j->b;
	int stop = atomic_load(&b->cancel), clear = 0;

	b->running = 0;
	b->have_prog = 0;
	if (result != NULL) {
		json_decref(b->result);
		b->result = json_incref(result);
	}
	if (rc == 0 && j->ingest) {
		b->archive_batch = res->batch;
		b->added = res->added;
		b->duplicates = res->duplicates;
		desk_set_state(d, b, DESK_DONE, stop == DESK_STOP_CANCEL ?
			"取消时已经入库完毕" : NULL);
		clear = 1;
	} else if (stop == DESK_STOP_CANCEL) {
		desk_set_state(d, b, DESK_CANCELLED, b->reason);
		clear = 1;
	} else if (stop == DESK_STOP_SERVER && rc != 0) {
		if (j->ingest) {
			desk_set_state(d, b, DESK_FAILED, "服务器停止时正在"
				"入库，本批次没有存入任何内容；可以重新入库。");
		} else {
			desk_persist(d, b);     /* checked again next time */
		}
	} else if (rc == 0) {
		desk_set_state(d, b, DESK_PREVIEW, NULL);
	} else if (rc == HD_EREJECT) {
		desk_set_state(d, b, DESK_REFUSED, e->msg);
	} else {
		desk_set_state(d, b, DESK_FAILED, e->msg);
	}
	if (clear) {
		/* forgotten now, removed from the disk after the lock */
		desk_forget_files(b);
	}
	pthread_cond_broadcast(&d->cv);
	return clear && !b->uploading;
}

/* Copy what a run needs out of batch b into j (under d->mu), and hold
 * b (running).  An ingest enters INGESTING. */
static void job_take(struct runner *r, struct desk_batch *b, struct job *j)
{
	memset(j, 0, sizeof *j);
	j->d = r->d;
	j->b = b;
	j->ingest = r->ingest;
	j->dir = hd_xstrdup(b->dir);
	j->sheet = b->sheet ? hd_xasprintf("%s/sheet/%s", b->dir, b->sheet) :
		NULL;
	snprintf(j->agent, sizeof j->agent, "%s", r->ingest && b->runner[0] ?
		b->runner : b->owner);
	snprintf(j->category, sizeof j->category, "%s", b->category);
	snprintf(j->access, sizeof j->access, "%s", b->access);
	snprintf(j->retention, sizeof j->retention, "%s", b->retention);
	snprintf(j->cls, sizeof j->cls, "%s", b->cls);
	snprintf(j->ocr_lang, sizeof j->ocr_lang, "%s", b->ocr_lang);
	j->ocr = b->ocr;
	b->running = 1;
	b->have_prog = 0;
	atomic_store(&b->cancel, DESK_GO);
	if (r->ingest) {
		desk_set_state(r->d, b, DESK_INGESTING, NULL);
	}
}

/* Run one batch (taken under d->mu, which is let go meanwhile and held
 * again on return). */
static void run_one(struct runner *r, struct job *j)
{
	struct desk *d = r->d;
	struct ingest_result res;
	json_t *result = NULL;
	struct hd_error e;
	char *dir;
	int rc, clear, saved = 0;

	pthread_mutex_unlock(&d->mu);
	hd_err_clear(&e);
	rc = 0;
	if (r->a == NULL) {
		rc = hd_archive_open(d->dir, 0, &r->a, &e);
		if (rc != 0) {
			r->a = NULL;
		} else if (hd_archive_cache(r->a, DESK_CACHE_KIB, &e) != 0) {
			hd_err_clear(&e);       /* the default then */
		}
	}
	memset(&res, 0, sizeof res);
	if (rc == 0) {
		rc = run(j, r->a, &result, &saved, &res, &e);
	}
	if (result != NULL && !saved) {
		fprintf(stderr, "hongdang: batch %s: %s/result.json could not "
			"be written (%s)\n", j->b->id, j->dir, rc == 0 &&
			!j->ingest ? "the preview failed" : "the batch's page "
			"lacks its report");
		if (rc == 0 && !j->ingest) {
			/* a preview the page cannot show is no preview */
			json_decref(result);
			result = NULL;
			rc = hd_err(&e, HD_EIO, "检查的结果无法写入数据文件夹的 "
				"tmp/（磁盘已满？），没有预览；请腾出空间后"
				"重新运行。");
		}
	}
	unfolder(e.msg, j->dir);
	pthread_mutex_lock(&d->mu);
	clear = settle(j, rc, &e, result, &res);
	json_decref(result);
	dir = j->dir;
	if (clear) {
		pthread_mutex_unlock(&d->mu);
		desk_clear_disk(dir);
		pthread_mutex_lock(&d->mu);
	}
	free(dir);
	free(j->sheet);
	/* what the run's thousands of small allocations held goes back to
	 * the system, not only to the heap */
	malloc_trim(0);
}

/* A desk thread (arg: its struct runner): takes the next batch of its
 * kind until the desk stops; the check thread also sweeps old batches
 * away every DESK_SWEEP_SECS.  Returns NULL. */
static void *thread_main(void *arg)
{
	struct runner *r = arg;
	struct desk *d = r->d;
	struct desk_batch *b;
	struct timespec ts;
	struct job j;

	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), DESK_NICE);
	pthread_mutex_lock(&d->mu);
	while (!d->stopping) {
		b = next_batch(d, r->ingest);
		if (b == NULL) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += DESK_SWEEP_SECS;
			if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) ==
			    ETIMEDOUT && !r->ingest) {
				desk_sweep(d);
			}
			continue;
		}
		job_take(r, b, &j);
		run_one(r, &j);
	}
	pthread_mutex_unlock(&d->mu);
	hd_archive_close(r->a);
	free(r);
	return NULL;
}

/* See desk_int.h. */
int desk_threads_start(struct desk *d)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct runner *r = hd_xcalloc(1, sizeof *r);

		r->d = d;
		r->ingest = i;
		if (pthread_create(&d->threads[d->nthreads], NULL,
		    thread_main, r) != 0) {
			free(r);
			continue;
		}
		d->nthreads++;
	}
	if (d->nthreads != 2) {
		return -1;
	}
	return desk_keeper_start(d);
}

/* See desk_int.h.  A run in progress is told the server stops (unless
 * it was already cancelled). */
void desk_threads_stop(struct desk *d)
{
	GHashTableIter it;
	gpointer k, v;
	int go;

	pthread_mutex_lock(&d->mu);
	d->stopping = 1;
	g_hash_table_iter_init(&it, d->batches);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct desk_batch *b = v;

		go = DESK_GO;
		if (b->running) {
			atomic_compare_exchange_strong(&b->cancel, &go,
				DESK_STOP_SERVER);
		}
	}
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	while (d->nthreads > 0) {
		pthread_join(d->threads[--d->nthreads], NULL);
	}
	desk_keeper_stop(d);
}
