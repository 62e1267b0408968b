/*
 * pipeline.c - the ingest driver: a batch from its paths to the catalogue.
 *
 * receive -> (per file: fixity, identify, characterise, extract, pdf) ->
 * describe -> ocr -> check -> catalogue.  Every file is read once, by one
 * of two reader threads: its bytes are hashed and written into the
 * object store in the same pass, and kept in memory (up to a cap) for
 * the per-file stages, which run on the main thread in the batch's order
 * while the readers go on and the kernel already reads the next files
 * (READ_AHEAD); only the OCR stage decodes scans again (from the object
 * written), after describe has decided which records are documents and
 * which are photos.  Nothing is stored unless the whole batch is
 * acceptable; the catalogue stage is one transaction, and its objects
 * are made durable (on a thread of their own, while the index rows are
 * written) before that transaction commits.
 */
#include "ingest.h"
#include "sheet.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEM_CAP (64u << 20)     /* files up to this are read whole */
#define HEAD_CAP (1u << 20)     /* of larger ones, the first bytes */
#define CHUNK (1u << 20)
/* Files whose reading is started ahead of the one being hashed, and the
 * bytes of each asked for.  From a cold cache each small file read in
 * turn waits for the disk: 10,000 texts of 300 bytes waited 1.5 s of a
 * 5.5 s ingest, and more when other work shares the disk. */
#define READ_AHEAD 32
#define READ_AHEAD_BYTES (1u << 20)
#define READAHEAD_MIN (128 << 10) /* bytes the kernel reads ahead anyway */

/* batch_limits_default: see ingest.h. */
void batch_limits_default(struct batch_limits *l)
{
	l->max_entries = 100000;
	l->max_total = (uint64_t)64 << 30;
	l->max_entry = (uint64_t)8 << 30;
	l->max_ratio = 200.0;
}

/* batch_init: an empty batch of archive a (NULL: none, for "bag
 * validate") with the default caps.  Allocates nothing. */
void batch_init(struct batch *b, struct hd_archive *a)
{
	memset(b, 0, sizeof *b);
	b->a = a;
	batch_limits_default(&b->lim);
}

/* Free what b holds (items, their writers and temporary folders,
 * notes) and zero it. */
void batch_release(struct batch *b)
{
	size_t i;

	if (b == NULL) {
		return;
	}
	for (i = 0; i < b->nitems; i++) {
		struct batch_item *it = &b->items[i];

		free(it->path);
		free(it->src);
		free(it->file.name);
		free(it->file.mime);
		free(it->text);
		batch_item_pages_free(it);
		if (it->w != NULL) {
			hd_objw_discard(it->w);
			free(it->w);
		}
	}
	free(b->items);
	for (i = 0; i < b->ntmpdirs; i++) {
		hd_fs_rmtree(b->tmpdirs[i]);
		free(b->tmpdirs[i]);
	}
	free(b->tmpdirs);
	hd_bag_tags_free(b->bag_info, b->nbag_info);
	hd_notes_free(b->rejected, b->nrejected);
	hd_notes_free(b->warnings, b->nwarnings);
	stage_identify_end(b);
	memset(b, 0, sizeof *b);
}

/* batch_add: see ingest.h.  The item is not yet in any record
 * (record -1); its strings are copies the batch frees. */
struct batch_item *batch_add(struct batch *b, const char *path,
	const char *src, uint64_t size, int root)
{
	struct batch_item *it;

	if (b->nitems == b->capitems) {
		b->capitems = b->capitems ? b->capitems * 2 : 64;
		b->items = hd_xrealloc(b->items,
			b->capitems * sizeof *b->items);
	}
	it = &b->items[b->nitems++];
	memset(it, 0, sizeof *it);
	it->path = hd_xstrdup(path);
	it->src = hd_xstrdup(src);
	it->size = size;
	it->root = root;
	it->record = -1;
	return it;
}

/* batch_reject: a refusal on the report (see ingest.h). */
void batch_reject(struct batch *b, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hd_notes_vadd(&b->rejected, &b->nrejected, 0, path, fmt, ap);
	va_end(ap);
}

/* batch_warn: a warning on the report (see ingest.h). */
void batch_warn(struct batch *b, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hd_notes_vadd(&b->warnings, &b->nwarnings, 0, path, fmt, ap);
	va_end(ap);
}

/* ingest_result_release: free the codes and titles of *r and zero it.
 * Accepts NULL. */
void ingest_result_release(struct ingest_result *r)
{
	if (r == NULL) {
		return;
	}
	hd_strv_free(r->refs, r->nrefs);
	hd_strv_free(r->titles, r->nrefs);
	free(r->made);
	memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ progress */

#define PROGRESS_EVERY 0.2      /* seconds between two WORKING calls */

/* batch_progress: see ingest.h.  The hook receives a copy of b->prog
 * with stage, event, secs, rate and eta filled in.  Allocates nothing. */
void batch_progress(struct batch *b, enum ingest_stage stage,
	enum ingest_event event)
{
	struct ingest_progress p;
	double t = hd_mono_s();

	if (b->progress == NULL) {
		return;
	}
	if (event == INGEST_BEGIN) {
		b->prog_t0 = t;
	} else if (event == INGEST_WORKING &&
	    t - b->prog_last < PROGRESS_EVERY) {
		return;
	}
	b->prog_last = t;
	p = b->prog;
	p.stage = stage;
	p.event = event;
	p.secs = t - b->prog_t0;
	p.rate = 0;
	p.eta = 0;
	if (stage == INGEST_READ && p.secs > 0) {
		p.rate = (double)p.bytes_done / p.secs;
		p.eta = p.rate > 0 ? (double)(p.bytes_total - p.bytes_done) /
			p.rate : 0;
	} else if (stage == INGEST_OCR && p.secs > 0) {
		p.rate = (double)p.pages_done / p.secs;
		p.eta = p.pages_done > 0 ? p.secs / (double)p.pages_done *
			(double)(p.pages_total - p.pages_done) : 0;
	}
	b->progress(&p, b->progress_ud);
}

/* batch_cancelled: see ingest.h. */
int batch_cancelled(const struct batch *b)
{
	return b->cancel != NULL && atomic_load(b->cancel) != 0;
}

/* The error of a run stopped by its cancel flag: HD_EBUSY in *e. */
static int cancelled(struct hd_error *e)
{
	return hd_err(e, HD_EBUSY, "the batch was stopped before it was "
		"stored: nothing stored");
}

/* -------------------------------------------------------------- fixity */

/* Files are read, hashed and written into the store by READERS threads,
 * each taking the next file of the batch, while this thread takes their
 * results in the batch's order and runs the per-file stages on them
 * (identify, characterise, extract), which keep their libraries and the
 * batch's report to one thread.  A reader works at most WINDOW files (and
 * INFLIGHT_CAP bytes of files kept in memory, unless it is the file
 * awaited) ahead of the one awaited, so an ingest holds up to
 * INFLIGHT_CAP + MEM_CAP of file bytes (the single-threaded stage held
 * MEM_CAP).  On two cores the hashing, copying and file creation of one
 * file overlap those of the next and the stages of the one before. */
#define READERS 2
#define WINDOW 8
#define INFLIGHT_CAP ((uint64_t)256 << 20)

/* What a reader made of one file. */
struct slot {
	int ready;
	unsigned char *buf;     /* its bytes (all, or the first HEAD_CAP) */
	size_t have;
	int complete;           /* buf holds the whole file */
	struct hd_objw *w;      /* its object, hashed and written */
	char *reject;           /* why the file is refused, or NULL */
	int rc;                 /* the store failed: rc and err */
	struct hd_error err;
};

struct readers {
	struct batch *b;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* a slot filled, or one emptied */
	size_t next;            /* the next file to claim */
	size_t taken;           /* files this thread has taken */
	uint64_t inflight;      /* bytes claimed and not yet taken */
	uint64_t bytes;         /* bytes read so far, for the progress */
	int stop;
	struct slot slots[WINDOW];
};

/* The bytes of it a reader keeps in memory: all, up to MEM_CAP. */
static uint64_t inflight_of(const struct batch_item *it)
{
	return it->size < MEM_CAP ? it->size : MEM_CAP;
}

/* Read one file once: hash it into the store (or only hash, on a dry
 * run), keeping its bytes for the per-file stages.  Fills sl: buf, and
 * w (an object written, not yet published) or reject (why the file is
 * refused) or rc and err (the store failed), which slot_release frees
 * unless fixity_take hands them on.  Touches nothing shared but r's byte
 * count and stop flag: a reader stops mid-file when the batch has ended. */
static void read_one(struct readers *r, const struct batch_item *it,
	struct slot *sl)
{
	struct batch *b = r->b;
	size_t cap;
	struct hd_objw *w = hd_xcalloc(1, sizeof *w);
	struct stat sb;
	int fd, err, stop;
	ssize_t k;

	fd = open(it->src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		sl->reject = hd_xasprintf("cannot read: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		sl->reject = hd_xstrdup("not a regular file");
		goto out;
	}
	if ((uint64_t)sb.st_size > b->lim.max_entry) {
		sl->reject = hd_xasprintf("larger than the cap of %llu bytes "
			"a file", (unsigned long long)b->lim.max_entry);
		goto out;
	}
	if (sb.st_size > READAHEAD_MIN) {
		/* a smaller file is read whole by the default read-ahead */
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	sl->complete = (uint64_t)sb.st_size <= MEM_CAP;
	cap = sl->complete ? (size_t)sb.st_size + 1 : HEAD_CAP;
	sl->buf = hd_xmalloc(cap);
	hd_err_clear(&sl->err);
	if ((b->dry_run ? hd_objw_open(b->a, w, 1, &sl->err) :
	    hd_objw_open_from(b->a, w, it->src, &sl->err)) != 0) {
		sl->rc = sl->err.code;
		goto out;
	}
	for (;;) {
		unsigned char chunk[65536], *dst;
		size_t want;

		if (sl->complete || sl->have < cap) {
			dst = sl->buf + sl->have;
			want = cap - sl->have;
			if (sl->complete && want > CHUNK) {
				want = CHUNK;
			}
			if (want == 0) {
				/* the file grew: keep reading through chunk */
				sl->complete = 0;
				continue;
			}
		} else {
			dst = chunk;
			want = sizeof chunk;
		}
		k = read(fd, dst, want);
		if (k < 0 && errno == EINTR) {
			continue;
		}
		if (k < 0) {
			err = errno;
			sl->reject = hd_xasprintf("read error: %s",
				strerror(err));
			hd_objw_discard(w);
			goto out;
		}
		if (k == 0) {
			break;
		}
		if (hd_objw_write(w, dst, (size_t)k, &sl->err) != 0) {
			sl->rc = sl->err.code;
			hd_objw_discard(w);
			goto out;
		}
		if (dst != chunk) {
			sl->have += (size_t)k;
		}
		pthread_mutex_lock(&r->mu);
		r->bytes += (uint64_t)k;
		stop = r->stop;
		pthread_mutex_unlock(&r->mu);
		if (stop) {
			sl->reject = hd_xstrdup("not read: the batch ended");
			hd_objw_discard(w);
			goto out;
		}
	}
	if (hd_objw_finish(w, &sl->err) != 0) {
		sl->rc = sl->err.code;
		hd_objw_discard(w);
		goto out;
	}
	sl->complete = w->size == sl->have;
	sl->w = w;
	w = NULL;
out:
	if (fd >= 0) {
		close(fd);
	}
	if (w != NULL) {
		hd_objw_discard(w);
		free(w);
	}
}

/* Free what a reader left in sl (its object discarded) and empty it. */
static void slot_release(struct slot *sl)
{
	free(sl->buf);
	free(sl->reject);
	if (sl->w != NULL) {
		hd_objw_discard(sl->w);
		free(sl->w);
	}
	memset(sl, 0, sizeof *sl);
}

/* Start reading the first bytes of item it into the page cache, without
 * waiting for them.  What fails here fails again in read_one, which
 * reports it. */
static void read_ahead(const struct batch_item *it)
{
	int fd;

	if (it->record == -2) {
		return;
	}
	fd = open(it->src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		return;
	}
	posix_fadvise(fd, 0, it->size < READ_AHEAD_BYTES ?
		(off_t)it->size : (off_t)READ_AHEAD_BYTES, POSIX_FADV_WILLNEED);
	close(fd);
}

/* Claim the next file under r->mu, waiting for room.  Returns its index,
 * or the batch's size when there is nothing left (or r stops). */
static size_t claim(struct readers *r)
{
	struct batch *b = r->b;
	size_t i;

	for (;;) {
		i = r->next;
		if (r->stop || i >= b->nitems) {
			return b->nitems;
		}
		if (i < r->taken + WINDOW && (i == r->taken ||
		    r->inflight + inflight_of(&b->items[i]) <= INFLIGHT_CAP)) {
			break;
		}
		pthread_cond_wait(&r->cv, &r->mu);
	}
	r->next++;
	r->inflight += inflight_of(&b->items[i]);
	return i;
}

/* Read file i into its slot (outside the lock) and publish it. */
static void fill(struct readers *r, size_t i)
{
	struct batch *b = r->b;
	struct slot sl;

	memset(&sl, 0, sizeof sl);
	if (i + READ_AHEAD < b->nitems) {
		read_ahead(&b->items[i + READ_AHEAD]);
	}
	if (b->items[i].record != -2) {
		read_one(r, &b->items[i], &sl);
	}
	sl.ready = 1;
	pthread_mutex_lock(&r->mu);
	r->slots[i % WINDOW] = sl;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* A reader thread (arg: the struct readers): claims and fills slots
 * until the batch is read or stops.  Returns NULL. */
static void *reader_main(void *arg)
{
	struct readers *r = arg;
	size_t i;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		i = claim(r);
		if (i >= r->b->nitems) {
			break;
		}
		pthread_mutex_unlock(&r->mu);
		fill(r, i);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Take the slot of file i, waiting for a reader (or reading it here when
 * no reader thread could be started), telling the progress hook the
 * bytes read meanwhile (outside the lock).  *out receives the slot, which
 * is emptied. */
static void take(struct readers *r, size_t i, int nthreads,
	struct slot *out)
{
	struct slot *sl = &r->slots[i % WINDOW];
	struct timespec ts;

	if (nthreads == 0) {
		pthread_mutex_lock(&r->mu);
		claim(r);
		pthread_mutex_unlock(&r->mu);
		fill(r, i);
	}
	pthread_mutex_lock(&r->mu);
	while (!sl->ready) {
		r->b->prog.bytes_done = r->bytes;
		pthread_mutex_unlock(&r->mu);
		batch_progress(r->b, INGEST_READ, INGEST_WORKING);
		pthread_mutex_lock(&r->mu);
		if (sl->ready) {
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	*out = *sl;
	memset(sl, 0, sizeof *sl);
	r->taken = i + 1;
	r->inflight -= inflight_of(&r->b->items[i]);
	r->b->prog.bytes_done = r->bytes;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* The stages of one file a reader read whole and the duplicate check
 * passed: its object goes to it->w unless it is a duplicate or the run
 * is dry; a stage that fails has put its reason on the report. */
static void file_stages(struct batch *b, struct batch_item *it,
	struct slot *sl)
{
	if (!it->duplicate && !b->dry_run) {
		it->w = sl->w;
		sl->w = NULL;
	}
	if (stage_identify(b, it, sl->buf, sl->have, sl->complete) == 0 &&
	    stage_characterise(b, it, sl->buf, sl->have, sl->complete) == 0) {
		stage_extract(b, it, sl->buf, sl->have, sl->complete);
		stage_pdf(b, it, sl->buf, sl->have, sl->complete);
		image_probe(it, sl->buf, sl->have);
	}
}

/* The per-file stages on what a reader made of it, in the batch's
 * order: a refusal goes on the report, an error of the store or of the
 * catalogue ends the batch (a file whose duplicate check could not be
 * read is never taken for new).  The object passes to it->w (the
 * catalogue stage publishes it) unless it is a duplicate or the run is
 * dry; sl is released.  Returns 0 or the error, with *e set. */
static int fixity_take(struct batch *b, struct batch_item *it,
	struct slot *sl, struct hd_error *e)
{
	int rc = 0;

	if (sl->rc != 0) {
		rc = hd_err(e, sl->rc, "%s", sl->err.msg);
	} else if (sl->reject != NULL) {
		batch_reject(b, it->path, "%s", sl->reject);
	} else {
		memcpy(it->file.sha256, sl->w->sha256,
			sizeof it->file.sha256);
		it->file.size = sl->w->size;
		it->file.name = hd_xstrdup(it->path);
		rc = hd_file_known(b->a, sl->w->sha256, &it->duplicate, e);
		if (rc == 0) {
			file_stages(b, it, sl);
		}
	}
	slot_release(sl);
	b->prog.files_done++;
	batch_progress(b, INGEST_READ, INGEST_WORKING);
	return rc;
}

/* Every file of the batch read once (see READERS), the progress hook
 * told as files are taken.  Returns 0 or the first error of the store
 * or the catalogue, with *e set. */
static int stage_fixity(struct batch *b, struct hd_error *e)
{
	struct readers *r = hd_xcalloc(1, sizeof *r);
	pthread_t th[READERS];
	struct slot sl;
	size_t i;
	int nthreads = 0, rc = 0;

	r->b = b;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	for (i = 0; i < b->nitems && i < READ_AHEAD; i++) {
		read_ahead(&b->items[i]);
	}
	while (nthreads < READERS && pthread_create(&th[nthreads], NULL,
	    reader_main, r) == 0) {
		nthreads++;
	}
	for (i = 0; i < b->nitems && rc == 0; i++) {
		if (batch_cancelled(b)) {
			rc = cancelled(e);
			break;
		}
		take(r, i, nthreads, &sl);
		if (b->items[i].record == -2) {
			slot_release(&sl);
			continue;
		}
		rc = fixity_take(b, &b->items[i], &sl, e);
	}
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	while (nthreads > 0) {
		pthread_join(th[--nthreads], NULL);
	}
	for (i = 0; i < WINDOW; i++) {
		slot_release(&r->slots[i]);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
	return rc;
}

/* ------------------------------------------------------------- catalogue */

/* Records whose search index rows are written into the transaction
 * together (hd_tx_flush): the rows of a whole batch of thousands held
 * until its end were ten megabytes and more; FTS5 makes a segment of
 * each flush, which it merges as they pile up (at 1,024 that took half
 * a second more CPU of a 10,000-file ingest; at 4,096 a few tenths). */
#define INDEX_CHUNK 4096

/* Text that goes into the index: control characters (which the snippet
 * code uses as markers) become spaces. */
static void scrub(char *s)
{
	for (; s && *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') {
			*s = ' ';
		}
	}
}

/* The files of the record br (its items' files, names and types
 * copied) and its body, the items' texts joined (each item's text is
 * freed once it is in the body: the index row is made from the body,
 * and a batch of thousands held each text three times), scrubbed for
 * the index. */
static void record_files(struct batch *b, struct batch_record *br)
{
	struct hd_record *r = &br->rec;
	struct hd_buf body;
	size_t i;

	hd_buf_init(&body);
	r->files = hd_xcalloc(br->nitems, sizeof *r->files);
	r->nfiles = br->nitems;
	for (i = 0; i < br->nitems; i++) {
		struct batch_item *it = &b->items[br->items[i]];

		r->files[i] = it->file;
		r->files[i].name = hd_xstrdup(it->file.name);
		r->files[i].mime = hd_xstrdup(it->file.mime ?
			it->file.mime : "application/octet-stream");
		if (it->text != NULL && *it->text) {
			if (body.len > 0) {
				hd_buf_puts(&body, "\n\n");
			}
			hd_buf_puts(&body, it->text);
		}
		free(it->text);
		it->text = NULL;
	}
	free(r->body);
	r->body = body.len ? hd_buf_detach(&body) : NULL;
	hd_buf_release(&body);
	scrub(r->body);
	scrub(r->title);
	scrub(r->description);
}

/* What record br holds only for hd_record_add once that has run: its
 * files and its body (its code, title, category and access stay, for
 * the result).  Freed, so that a batch of thousands does not hold them
 * all until it ends. */
static void record_shed(struct batch_record *br)
{
	size_t i;

	for (i = 0; i < br->rec.nfiles; i++) {
		free(br->rec.files[i].name);
		free(br->rec.files[i].mime);
	}
	free(br->rec.files);
	br->rec.files = NULL;
	br->rec.nfiles = 0;
	free(br->rec.body);
	br->rec.body = NULL;
}

/* The batch's objects made durable under their names, on a thread of
 * their own, while this one writes the batch's search index rows into the
 * transaction: the one waits on the disk (syncfs, renames and folder
 * fsyncs: 1.3 s for 10,000 files of 1 GB here), the other on the CPU (2
 * s for 10,000 texts).  Both end before the transaction may commit, so an
 * object is on disk before any record names it. */
struct publish {
	struct hd_archive *a;
	struct hd_objw **ws;
	size_t nws;
	int rc;
	struct hd_error e;
};

/* The publishing thread (arg: the struct publish): its rc and e are
 * hd_store_publish's.  Returns NULL. */
static void *publish_main(void *arg)
{
	struct publish *p = arg;

	p->rc = hd_store_publish(p->a, p->ws, p->nws, &p->e);
	return NULL;
}

/* Publish ws[0..nws) on a thread of its own (here when none starts)
 * while this thread writes the index rows (hd_tx_flush).  Returns 0 or
 * the first error, the flush's before the publishing's. */
static int publish_and_flush(struct hd_archive *a, struct hd_objw **ws,
	size_t nws, struct hd_error *e)
{
	struct publish p;
	pthread_t th;
	int threaded, rc;

	p.a = a;
	p.ws = ws;
	p.nws = nws;
	p.rc = 0;
	hd_err_clear(&p.e);
	threaded = nws > 0 && pthread_create(&th, NULL, publish_main, &p) == 0;
	if (!threaded) {
		publish_main(&p);
	}
	rc = hd_tx_flush(a, e);
	if (threaded) {
		pthread_join(th, NULL);
	}
	if (rc == 0 && p.rc != 0) {
		rc = hd_err(e, p.rc, "%s", p.e.msg);
	}
	return rc;
}

/* Fill m with where the record br (the describe stage's index i) came
 * from. */
static void made(struct ingest_made *m, const struct batch_record *br,
	int i)
{
	memset(m, 0, sizeof *m);
	m->line = br->line;
	m->rec = i;
	snprintf(m->category, sizeof m->category, "%s",
		br->rec.category ? br->rec.category : "");
	snprintf(m->access, sizeof m->access, "%s",
		br->rec.access ? br->rec.access : "");
}

/* The duplicate check once more, under the write lock the catalogue
 * transaction holds: another ingest of the same files may have committed
 * since the readers looked, and two ingests of one batch started at once
 * must store it once (the second finds every file known).  A file now
 * known becomes a duplicate (its object, already in the store, is
 * published as a no-op), a record all of whose files are known a
 * duplicate record.  Returns 0 or the library's error. */
static int recheck_duplicates(struct batch *b, struct batch_record *recs,
	size_t nrecs, struct hd_error *e)
{
	size_t i, k;
	int known, all, rc;

	for (i = 0; i < nrecs; i++) {
		if (recs[i].duplicate) {
			continue;
		}
		all = 1;
		for (k = 0; k < recs[i].nitems; k++) {
			struct batch_item *it = &b->items[recs[i].items[k]];

			if (!it->duplicate) {
				rc = hd_file_known(b->a, it->file.sha256,
					&known, e);
				if (rc != 0) {
					return rc;
				}
				it->duplicate = known;
			}
			all = all && it->duplicate;
		}
		recs[i].duplicate = all;
	}
	return 0;
}

/* The catalogue stage: in one transaction, a batch row, the duplicate
 * check again (recheck_duplicates), each record that is not a duplicate
 * (hd_record_add, with its page text), the
 * warnings with their record, the batch's totals; then the objects are
 * published while the index rows are written, and the transaction
 * commits.  A dry run rolls back after the totals.  res gains the
 * references and titles added (the caller frees them).  Returns 0 or
 * the first error, everything rolled back. */
static int stage_catalogue(struct batch *b, const struct ingest_opts *o,
	const char *source, struct batch_record *recs, size_t nrecs,
	struct ingest_result *res, struct hd_error *e)
{
	struct hd_objw **ws = NULL;
	size_t i, nws = 0;
	int64_t batch;
	int rc;

	rc = hd_tx_begin(b->a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_batch_begin(b->a, recs && nrecs ? recs[0].rec.fonds :
		(o->fonds ? o->fonds : hd_archive_fonds(b->a)), source,
		o->agent, &batch, e);
	if (rc == 0) {
		rc = recheck_duplicates(b, recs, nrecs, e);
	}
	if (rc != 0) {
		goto fail;
	}
	for (i = 0; i < nrecs; i++) {
		struct batch_record *br = &recs[i];

		if (br->duplicate) {
			res->duplicates++;
			continue;
		}
		record_files(b, br);
		rc = hd_record_add(b->a, batch, &br->rec, o->agent, e);
		if (rc == 0) {
			rc = ocr_store(b, br, e);
		}
		record_shed(br);
		if (rc == 0 && b->dry_run) {
			hd_tx_unindexed(b->a);  /* rolled back: never written */
		} else if (rc == 0 && (res->added + 1) % INDEX_CHUNK == 0) {
			rc = hd_tx_flush(b->a, e);
		}
		if (rc != 0) {
			goto fail;
		}
		res->refs = hd_xrealloc(res->refs,
			(res->nrefs + 1) * sizeof *res->refs);
		res->titles = hd_xrealloc(res->titles,
			(res->nrefs + 1) * sizeof *res->titles);
		res->made = hd_xrealloc(res->made,
			(res->nrefs + 1) * sizeof *res->made);
		res->refs[res->nrefs] = hd_xstrdup(br->rec.ref);
		res->titles[res->nrefs] = hd_xstrdup(br->rec.title);
		made(&res->made[res->nrefs], br, (int)i);
		res->nrefs++;
		res->added++;
	}
	/* warnings kept with their batch and record */
	for (i = 0; i < b->nwarnings; i++) {
		int64_t rid = 0;
		size_t k;

		for (k = 0; k < b->nitems; k++) {
			struct batch_item *it = &b->items[k];

			if (it->record >= 0 &&
			    strcmp(it->path, b->warnings[i].path) == 0 &&
			    !recs[it->record].duplicate) {
				rid = recs[it->record].rec.id;
				break;
			}
		}
		rc = hd_warning_add(b->a, batch, rid, b->warnings[i].path,
			b->warnings[i].msg, e);
		if (rc != 0) {
			goto fail;
		}
	}
	rc = hd_batch_finish(b->a, batch, res->added, res->duplicates, e);
	if (rc != 0) {
		goto fail;
	}
	if (b->dry_run) {
		hd_tx_rollback(b->a);
		return 0;
	}
	ws = hd_xcalloc(b->nitems, sizeof *ws);
	for (i = 0; i < b->nitems; i++) {
		if (b->items[i].w != NULL) {
			ws[nws++] = b->items[i].w;
		}
	}
	rc = publish_and_flush(b->a, ws, nws, e);
	free(ws);
	if (rc != 0) {
		goto fail;
	}
	rc = hd_tx_commit(b->a, e);
	if (rc != 0) {
		goto fail;
	}
	res->batch = batch;
	return 0;
fail:
	hd_tx_rollback(b->a);
	return rc;
}

/* ---------------------------------------------------------------- driver */

/* The sheet: a file on disk, or a file of the batch named by its path
 * (a sheet delivered inside the archive).  The batch's own copy of the
 * sheet is not a record (item->record = -2). */
static int load_sheet(struct batch *b, const char *path, struct sheet *s)
{
	struct hd_error se;
	char *real = NULL, *ireal;
	struct stat sb;
	size_t i;
	int rc;

	hd_err_clear(&se);
	if (stat(path, &sb) == 0) {
		rc = sheet_load(path, path, s, &se);
		real = realpath(path, NULL);
	} else {
		rc = HD_ENOTFOUND;
		for (i = 0; i < b->nitems; i++) {
			if (strcmp(b->items[i].path, path) == 0) {
				rc = sheet_load(b->items[i].src, path, s,
					&se);
				real = realpath(b->items[i].src, NULL);
				break;
			}
		}
		if (rc == HD_ENOTFOUND) {
			hd_err(&se, rc, "%s: no such sheet", path);
		}
	}
	if (rc != 0) {
		batch_reject(b, path, "%s", sheet_reason(&se, path));
		free(real);
		return rc;
	}
	for (i = 0; real != NULL && i < b->nitems; i++) {
		ireal = realpath(b->items[i].src, NULL);
		if (ireal != NULL && strcmp(ireal, real) == 0) {
			b->items[i].record = -2;
		}
		free(ireal);
	}
	free(real);
	return 0;
}

/* ingest_run: see ingest.h.  The stages in order, each told to the
 * progress hook; a batch with any refusal after describe and check goes
 * no further.  Returns 0, HD_EREJECT (*e names the first reason) or the
 * archive's error; allocates what b and *res hold. */
int ingest_run(struct batch *b, const struct ingest_opts *o,
	char *const *paths, size_t npaths, struct ingest_result *res,
	struct hd_error *e)
{
	struct batch_record *recs = NULL;
	size_t nrecs = 0, i;
	struct sheet sheet;
	struct hd_buf src;
	struct hd_error ce;
	int have_sheet = 0, rc;

	memset(res, 0, sizeof *res);
	memset(&sheet, 0, sizeof sheet);
	hd_buf_init(&src);
	b->dry_run = o->dry_run;
	b->cancel = o->cancel;
	b->progress = o->progress;
	b->progress_ud = o->progress_ud;
	memset(&b->prog, 0, sizeof b->prog);
	hd_err_clear(&ce);
	if (!b->dry_run && hd_store_check(b->a, &ce) != 0) {
		/* a bucket that cannot be reached: before anything is read */
		rc = hd_err(e, ce.code, "batch refused, nothing stored: %s",
			ce.msg);
		goto out;
	}
	batch_progress(b, INGEST_RECEIVE, INGEST_BEGIN);
	rc = stage_receive(b, paths, npaths, e);
	if (rc != 0) {
		goto out;
	}
	if (o->sheet != NULL) {
		if (load_sheet(b, o->sheet, &sheet) != 0) {
			goto refused;
		}
		have_sheet = 1;
	}
	for (i = 0; i < b->nitems; i++) {
		if (b->items[i].record != -2) {
			b->prog.files_total++;
			b->prog.bytes_total += b->items[i].size;
		}
	}
	batch_progress(b, INGEST_RECEIVE, INGEST_END);
	batch_progress(b, INGEST_READ, INGEST_BEGIN);
	rc = stage_fixity(b, e);
	if (rc != 0) {
		goto out;
	}
	batch_progress(b, INGEST_READ, INGEST_END);
	stage_describe(b, o, have_sheet ? &sheet : NULL, &recs, &nrecs);
	/* OCR needs the categories; a refused batch is not read */
	if (b->nrejected == 0) {
		stage_ocr(b, o, recs, nrecs);
	}
	stage_check(b, recs, nrecs);
	if (b->nrejected > 0) {
		goto refused;
	}
	if (batch_cancelled(b)) {
		rc = cancelled(e);
		goto out;
	}
	for (i = 0; i < npaths; i++) {
		hd_buf_printf(&src, "%s%s", i ? " " : "", paths[i]);
	}
	batch_progress(b, INGEST_CATALOGUE, INGEST_BEGIN);
	rc = stage_catalogue(b, o, src.p ? src.p : "", recs, nrecs, res, e);
	if (rc == 0) {
		batch_progress(b, INGEST_CATALOGUE, INGEST_END);
	}
	goto out;
refused:
	rc = hd_err(e, HD_EREJECT, "%s: batch refused, nothing stored: %s%s%s",
		npaths ? paths[0] : "", b->rejected[0].path,
		*b->rejected[0].path ? ": " : "", b->rejected[0].msg);
out:
	batch_records_free(recs, nrecs);
	sheet_release(&sheet);
	hd_buf_release(&src);
	return rc;
}
