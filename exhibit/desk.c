/*
 * desk.c - the batches of the archivist's desk: the table of them, their
 * state on disk and after a restart, what the pages see of them (JSON
 * snapshots taken under the lock), and the archivist's decisions
 * (confirm, cancel, run again).  The threads that run the pipeline are
 * in desk_run.c, the receiving of uploads in upload.c.
 *
 * On disk, DIR/tmp/upload-ID/ holds batch.json (state, options, who,
 * when, the client's manifest), result.json (the last run of the
 * pipeline: the preview, or the batch report), files/ (files that
 * arrived whole, under their batch-relative paths), part/ (files that
 * arrived in part) and sheet/ (the catalogue sheet).  batch.json is
 * written at every change of state (one that cannot be written is
 * logged and written by the keeper as soon as it can, desk_keep.c; an
 * archivist's confirm or rerun is refused then); the files themselves
 * are the record of what arrived, so a restart finds a receiving batch
 * as its dropped connection left it.
 *
 * Guarantees:
 *  - an id is "b" and the time of its making, then four random hex
 *    digits (b20261125-093000-3f2a): after "upload-" comes a letter, so
 *    the store's sweep of tmp/ (which takes "NAME-PID..." of a dead
 *    process for its own litter) never removes a batch;
 *  - at a start (desk_open), what was receiving stays receiving, what was
 *    being checked is checked again, what was queued stays queued, and
 *    what was being ingested has failed ("interrupted"): the pipeline's
 *    one transaction left it whole or absent, and running it again adds
 *    only what is missing (files already stored are known by hash);
 *    what was done or cancelled keeps none of its uploaded files (a
 *    kill after its state was written may have left them);
 *  - finished batches (done, cancelled, refused) and uploads abandoned
 *    while receiving are removed DESK_KEEP_SECS after their last change.
 */
#include "desk_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* The states: the JSON API's word and the page's. */
static const struct {
	const char *code;
	const char *name;
} states[] = {
	[DESK_RECEIVING] = {"receiving", "接收中"},
	[DESK_CHECKING] = {"checking", "检查中"},
	[DESK_PREVIEW] = {"preview", "待确认"},
	[DESK_QUEUED] = {"queued", "排队中"},
	[DESK_INGESTING] = {"ingesting", "入库中"},
	[DESK_DONE] = {"done", "已入库"},
	[DESK_REFUSED] = {"refused", "已拒收"},
	[DESK_FAILED] = {"failed", "未完成"},
	[DESK_CANCELLED] = {"cancelled", "已取消"},
};
#define NSTATES (sizeof states / sizeof states[0])

/* See desk.h. */
const char *desk_state_name(enum desk_state st)
{
	return (unsigned)st < NSTATES ? states[st].name : "";
}

/* The state of an API word, or -1. */
static int state_of(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < NSTATES; i++) {
		if (strcmp(states[i].code, code) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* 1 when id could be a batch's: 'b', then [0-9a-z-], shorter than
 * DESK_ID_MAX. */
static int id_ok(const char *id)
{
	size_t i, n = id ? strlen(id) : 0;

	if (n < 2 || n >= DESK_ID_MAX || id[0] != 'b') {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'z') || id[i] == '-')) {
			return 0;
		}
	}
	return 1;
}

/* ------------------------------------------------------------ the disk */

static int persist(struct desk_batch *b);

/* See desk_int.h. */
int64_t desk_free_bytes(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) != 0) {
		return -1;
	}
	return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

/* See desk_int.h. */
uint64_t desk_margin(const char *path)
{
	struct statvfs sv;
	uint64_t m;

	if (statvfs(path, &sv) != 0) {
		return DESK_MARGIN_MAX;
	}
	m = (uint64_t)sv.f_blocks * sv.f_frsize / 20;
	return m < DESK_MARGIN_MAX ? m : DESK_MARGIN_MAX;
}

/* See desk_int.h.  The temporary is PATH.tmp; errno is the failure's. */
int desk_write_file(const char *path, const char *p, size_t n)
{
	char *tmp = hd_xasprintf("%s.tmp", path);
	int fd, rc = -1, err;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		O_NOFOLLOW, 0640);
	err = errno;
	if (fd >= 0) {
		rc = hd_fs_write_all(fd, p, n);
		err = errno;
		if (close(fd) != 0 && rc == 0) {
			rc = -1;
			err = errno;
		}
		if (rc == 0 && rename(tmp, path) != 0) {
			rc = -1;
			err = errno;
		}
		if (rc != 0) {
			unlink(tmp);
		}
	}
	free(tmp);
	errno = err;
	return rc;
}

/* A JSON file of at most 64 MiB, or NULL. */
static json_t *read_json(const char *path)
{
	unsigned char *p = NULL;
	size_t n = 0;
	int more = 0;
	json_t *v;

	if (hd_read_file(path, (size_t)64 << 20, &p, &n, &more) != 0 ||
	    more) {
		free(p);
		return NULL;
	}
	v = json_loadb((const char *)p, n, 0, NULL);
	free(p);
	return v;
}

/* See desk_int.h. */
json_t *desk_result_slim(const json_t *r)
{
	static const char *const keep[] = {
		"kind", "refs", "rejected", "warnings", "added",
		"duplicate_records", "totals",
	};
	json_t *o, *v;
	size_t i;

	if (r == NULL) {
		return NULL;
	}
	o = json_object();
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		v = json_object_get(r, keep[i]);
		if (v != NULL) {
			json_object_set(o, keep[i], v);
		}
	}
	return o;
}

/* The last run's whole result of the batch folder dir (result.json), or
 * NULL. */
static json_t *result_full(const char *dir)
{
	char *path = hd_xasprintf("%s/result.json", dir);
	json_t *r = read_json(path);

	free(path);
	return r;
}

/* --------------------------------------------------------- the batches */

/* The order of file paths in a batch's tree. */
static gint path_cmp(gconstpointer x, gconstpointer y, gpointer ud)
{
	(void)ud;
	return strcmp(x, y);
}

/* A zeroed batch called id in DIR/tmp/upload-ID, with an empty file
 * tree.  Caller frees with batch_free. */
static struct desk_batch *batch_alloc(struct desk *d, const char *id)
{
	struct desk_batch *b = hd_xcalloc(1, sizeof *b);

	snprintf(b->id, sizeof b->id, "%s", id);
	b->dir = hd_xasprintf("%s/upload-%s", d->tmp, id);
	b->files = g_tree_new_full(path_cmp, NULL, g_free, g_free);
	b->ocr = OCR_AUTO;
	atomic_init(&b->cancel, DESK_GO);
	return b;
}

/* Free b and all it holds (not its folder); NULL is ignored. */
static void batch_free(struct desk_batch *b)
{
	if (b == NULL) {
		return;
	}
	free(b->dir);
	free(b->reason);
	free(b->sheet);
	if (b->manifest != NULL) {
		g_hash_table_destroy(b->manifest);
	}
	g_tree_destroy(b->files);
	json_decref(b->result);
	free(b);
}

/* See desk_int.h. */
struct desk_batch *desk_find(struct desk *d, const char *id)
{
	return id_ok(id) ? g_hash_table_lookup(d->batches, id) : NULL;
}

/* Stamp b's last change now. */
static void touch(struct desk_batch *b)
{
	hd_now_iso(b->updated);
	b->updated_s = hd_now_s();
}

/* See desk_int.h.  The folder is made with mkdir, so two batches made in
 * the same second with the same random digits cannot share it. */
struct desk_batch *desk_batch_new(struct desk *d, const char *agent,
	struct hd_error *e)
{
	char id[DESK_ID_MAX], when[20];
	struct desk_batch *b;
	time_t now = time(NULL);
	struct tm tm;
	int tries;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y%m%d-%H%M%S", &tm);
	for (tries = 0; tries < 16; tries++) {
		snprintf(id, sizeof id, "b%s-%04x", when,
			(unsigned)g_random_int_range(0, 0x10000));
		b = batch_alloc(d, id);
		if (mkdir(b->dir, 0750) == 0) {
			snprintf(b->owner, sizeof b->owner, "%s", agent);
			hd_now_iso(b->created);
			touch(b);
			if (persist(b) == 0) {
				g_hash_table_insert(d->batches, b->id, b);
				return b;
			}
			/* a batch whose state cannot be kept is not made */
			hd_err(e, HD_EIO, "%s/batch.json: %s", b->dir,
				strerror(errno));
			hd_fs_rmtree(b->dir);
			batch_free(b);
			return NULL;
		}
		batch_free(b);
		if (errno != EEXIST) {
			hd_err(e, HD_EIO, "%s/upload-%s: %s", d->tmp, id,
				strerror(errno));
			return NULL;
		}
	}
	hd_err(e, HD_EIO, "%s: no free name for a batch", d->tmp);
	return NULL;
}

/* See desk_int.h. */
void desk_batch_delete(struct desk *d, struct desk_batch *b)
{
	hd_fs_rmtree(b->dir);
	g_hash_table_remove(d->batches, b->id);
	batch_free(b);
}

/* See desk_int.h. */
void desk_clear_disk(const char *dir)
{
	static const char *const subs[] = {"files", "part", "sheet"};
	char *p;
	size_t i;

	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		p = hd_xasprintf("%s/%s", dir, subs[i]);
		hd_fs_rmtree(p);
		free(p);
	}
}

/* See desk_int.h. */
void desk_forget_files(struct desk_batch *b)
{
	g_tree_destroy(b->files);
	b->files = g_tree_new_full(path_cmp, NULL, g_free, g_free);
	b->nfiles_complete = 0;
	b->bytes = 0;
}

/* See desk_int.h. */
void desk_batch_clear(struct desk *d, struct desk_batch *b)
{
	(void)d;
	desk_clear_disk(b->dir);
	desk_forget_files(b);
}

/* See desk_int.h. */
void desk_file_set(struct desk_batch *b, const char *path, uint64_t bytes,
	int complete)
{
	struct desk_file *f = g_tree_lookup(b->files, path);

	if (f == NULL) {
		f = g_new0(struct desk_file, 1);
		g_tree_insert(b->files, g_strdup(path), f);
	}
	b->bytes -= f->bytes;
	b->nfiles_complete -= f->complete != 0;
	f->bytes = bytes;
	f->complete = complete;
	b->bytes += bytes;
	b->nfiles_complete += complete != 0;
}

/* For g_hash_table_find: a manifest entry whose file has not arrived
 * whole. */
static gboolean missing_one(gpointer key, gpointer value, gpointer ud)
{
	const struct desk_batch *b = ud;
	const struct desk_file *f = g_tree_lookup(b->files, key);

	(void)value;
	return f == NULL || !f->complete;
}

/* See desk_int.h. */
int desk_manifest_done(const struct desk_batch *b)
{
	return b->manifest == NULL || g_hash_table_find(b->manifest,
		missing_one, (gpointer)b) == NULL;
}

/* The OCR mode's word in batch.json and the API. */
static const char *ocr_word(int ocr)
{
	return ocr == OCR_ON ? "on" : ocr == OCR_OFF ? "off" : "auto";
}

/* For g_hash_table_foreach: a manifest entry into a JSON array. */
static void manifest_one(gpointer key, gpointer value, gpointer ud)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(key));
	json_object_set_new(o, "size", json_integer((json_int_t)
		*(uint64_t *)value));
	json_array_append_new(ud, o);
}

/* The batch options of b as JSON. */
static json_t *options_json(const struct desk_batch *b)
{
	json_t *o = json_object();

	json_object_set_new(o, "category", json_string(b->category));
	json_object_set_new(o, "access", json_string(b->access));
	json_object_set_new(o, "retention", json_string(b->retention));
	json_object_set_new(o, "class", json_string(b->cls));
	json_object_set_new(o, "ocr", json_string(ocr_word(b->ocr)));
	json_object_set_new(o, "ocr_lang", json_string(b->ocr_lang));
	json_object_set_new(o, "sheet", b->sheet ? json_string(b->sheet) :
		json_null());
	return o;
}

/* Write batch.json of b now: 0, or -1 with errno set. */
static int persist(struct desk_batch *b)
{
	json_t *o = json_object(), *m;
	char *text, *path;
	int rc, err;

	json_object_set_new(o, "id", json_string(b->id));
	json_object_set_new(o, "state", json_string(states[b->state].code));
	json_object_set_new(o, "reason", b->reason ? json_string(b->reason) :
		json_null());
	json_object_set_new(o, "owner", json_string(b->owner));
	json_object_set_new(o, "runner", json_string(b->runner));
	json_object_set_new(o, "created", json_string(b->created));
	json_object_set_new(o, "updated", json_string(b->updated));
	json_object_set_new(o, "updated_s", json_integer(b->updated_s));
	json_object_set_new(o, "options", options_json(b));
	if (b->manifest != NULL) {
		m = json_array();
		g_hash_table_foreach(b->manifest, manifest_one, m);
		json_object_set_new(o, "manifest", m);
	}
	json_object_set_new(o, "seq", json_integer(b->seq));
	json_object_set_new(o, "batch", json_integer(b->archive_batch));
	json_object_set_new(o, "added", json_integer(b->added));
	json_object_set_new(o, "duplicates", json_integer(b->duplicates));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	path = hd_xasprintf("%s/batch.json", b->dir);
	errno = ENOMEM;
	rc = text ? desk_write_file(path, text, strlen(text)) : -1;
	err = errno;
	free(path);
	free(text);
	errno = err;
	return rc;
}

/* See desk_int.h.  The log names the batch, its state and the error;
 * the keeper's own tries log only when one lands. */
int desk_persist(struct desk *d, struct desk_batch *b)
{
	int rc = persist(b), err = errno;

	if (rc != 0 && !b->unsaved) {
		fprintf(stderr, "hongdang: batch %s (%s): its batch.json could "
			"not be written: %s; written again as soon as it can "
			"be\n", b->id, states[b->state].code, strerror(err));
		b->unsaved = 1;
		desk_keeper_wake(d);
	} else if (rc == 0 && b->unsaved) {
		fprintf(stderr, "hongdang: batch %s (%s): its batch.json is "
			"written\n", b->id, states[b->state].code);
		b->unsaved = 0;
	}
	errno = err;
	return rc;
}

/* Enter state st in memory (see desk_set_state). */
static void enter(struct desk *d, struct desk_batch *b, enum desk_state st,
	const char *reason)
{
	char *old = b->reason;

	b->state = st;
	b->reason = reason ? hd_xstrdup(reason) : NULL;
	free(old);
	if (st == DESK_CHECKING || st == DESK_QUEUED) {
		b->seq = ++d->seq;
		pthread_cond_broadcast(&d->cv);
	}
	touch(b);
}

/* See desk_int.h.  reason may be b->reason itself. */
int desk_set_state(struct desk *d, struct desk_batch *b,
	enum desk_state st, const char *reason)
{
	enter(d, b, st, reason);
	return desk_persist(d, b);
}

/* ----------------------------------------------------------- restoring */

/* Add the files under root/rel (rel "" at the top) to b, complete or
 * not; nothing but regular files and folders is taken. */
static void walk(struct desk_batch *b, const char *root, const char *rel,
	int complete, int depth)
{
	char *dir = *rel ? hd_xasprintf("%s/%s", root, rel) :
		hd_xstrdup(root);
	struct dirent *de;
	struct stat st;
	char *full, *sub;
	DIR *dp = opendir(dir);

	while (dp != NULL && depth <= DESK_DEPTH_MAX &&
	    (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		full = hd_xasprintf("%s/%s", dir, de->d_name);
		sub = *rel ? hd_xasprintf("%s/%s", rel, de->d_name) :
			hd_xstrdup(de->d_name);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk(b, root, sub, complete, depth + 1);
		} else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			desk_file_set(b, sub, (uint64_t)st.st_size, complete);
		}
		free(full);
		free(sub);
	}
	if (dp != NULL) {
		closedir(dp);
	}
	free(dir);
}

/* The string value of key in o, or "". */
static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Fill b's options from the JSON o (options_json's shape). */
static void options_load(struct desk_batch *b, const json_t *o)
{
	const char *ocr = jstr(o, "ocr"), *sheet;

	snprintf(b->category, sizeof b->category, "%s", jstr(o, "category"));
	snprintf(b->access, sizeof b->access, "%s", jstr(o, "access"));
	snprintf(b->retention, sizeof b->retention, "%s",
		jstr(o, "retention"));
	snprintf(b->cls, sizeof b->cls, "%s", jstr(o, "class"));
	snprintf(b->ocr_lang, sizeof b->ocr_lang, "%s", jstr(o, "ocr_lang"));
	b->ocr = strcmp(ocr, "on") == 0 ? OCR_ON : strcmp(ocr, "off") == 0 ?
		OCR_OFF : OCR_AUTO;
	sheet = json_string_value(json_object_get(o, "sheet"));
	b->sheet = sheet ? hd_xstrdup(sheet) : NULL;
}

/* Take up the batch in DIR/tmp/upload-ID again, as the file comment
 * says.  A folder without a readable batch.json is removed (it was
 * being made when the server stopped: nothing of it was accepted). */
static void restore_one(struct desk *d, const char *id)
{
	struct desk_batch *b = batch_alloc(d, id);
	json_t *o, *m, *e;
	char *path, *root;
	size_t i;
	int st;

	path = hd_xasprintf("%s/batch.json", b->dir);
	o = read_json(path);
	free(path);
	st = o ? state_of(jstr(o, "state")) : -1;
	if (st < 0 || strcmp(jstr(o, "id"), id) != 0) {
		hd_fs_rmtree(b->dir);
		batch_free(b);
		json_decref(o);
		return;
	}
	b->state = (enum desk_state)st;
	if (json_string_value(json_object_get(o, "reason")) != NULL) {
		b->reason = hd_xstrdup(jstr(o, "reason"));
	}
	snprintf(b->owner, sizeof b->owner, "%s", jstr(o, "owner"));
	snprintf(b->runner, sizeof b->runner, "%s", jstr(o, "runner"));
	snprintf(b->created, sizeof b->created, "%s", jstr(o, "created"));
	snprintf(b->updated, sizeof b->updated, "%s", jstr(o, "updated"));
	b->updated_s = json_integer_value(json_object_get(o, "updated_s"));
	options_load(b, json_object_get(o, "options"));
	m = json_object_get(o, "manifest");
	if (json_is_array(m)) {
		b->manifest = g_hash_table_new_full(g_str_hash, g_str_equal,
			g_free, g_free);
		json_array_foreach(m, i, e) {
			uint64_t *sz = g_new(uint64_t, 1);

			*sz = (uint64_t)json_integer_value(json_object_get(e,
				"size"));
			b->manifest_bytes += *sz;
			g_hash_table_insert(b->manifest,
				g_strdup(jstr(e, "path")), sz);
		}
	}
	b->seq = (long)json_integer_value(json_object_get(o, "seq"));
	if (b->seq > d->seq) {
		d->seq = b->seq;
	}
	b->archive_batch = json_integer_value(json_object_get(o, "batch"));
	b->added = (int)json_integer_value(json_object_get(o, "added"));
	b->duplicates = (int)json_integer_value(json_object_get(o,
		"duplicates"));
	json_decref(o);
	if (b->state == DESK_DONE || b->state == DESK_CANCELLED) {
		/* a kill between the state written and the files removed
		 * (desk_run.c's settle, desk_cancel) left them behind */
		desk_clear_disk(b->dir);
	}
	root = hd_xasprintf("%s/files", b->dir);
	walk(b, root, "", 1, 0);
	free(root);
	root = hd_xasprintf("%s/part", b->dir);
	walk(b, root, "", 0, 0);
	free(root);
	o = result_full(b->dir);
	b->result = desk_result_slim(o);
	json_decref(o);
	g_hash_table_insert(d->batches, b->id, b);
	if (b->state == DESK_INGESTING) {
		desk_set_state(d, b, DESK_FAILED, "服务器在入库过程中停止了。"
			"入库在一个事务中完成：这一批要么完整入库，要么完全没有"
			"入库。可以重新入库：已存入的文件按哈希识别为重复，不会"
			"存两遍。");
	}
}

/* Remove what has been kept long enough (under d->mu): finished
 * batches and abandoned uploads DESK_KEEP_SECS after their last change,
 * when nobody holds them. */
static void sweep(struct desk *d)
{
	GHashTableIter it;
	gpointer k, v;
	GPtrArray *gone = g_ptr_array_new();
	int64_t now = hd_now_s();
	guint i;

	g_hash_table_iter_init(&it, d->batches);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct desk_batch *b = v;
		int old = now - b->updated_s > DESK_KEEP_SECS;

		if (old && !b->uploading && !b->running &&
		    (b->state == DESK_DONE || b->state == DESK_CANCELLED ||
		    b->state == DESK_REFUSED || b->state == DESK_RECEIVING)) {
			g_ptr_array_add(gone, b);
		}
	}
	for (i = 0; i < gone->len; i++) {
		desk_batch_delete(d, g_ptr_array_index(gone, i));
	}
	g_ptr_array_free(gone, TRUE);
}

/* See desk_int.h. */
void desk_sweep(struct desk *d)
{
	sweep(d);
}

/* Take up every DIR/tmp/upload-* of d (desk_open). */
static void restore(struct desk *d)
{
	struct dirent *de;
	DIR *dp = opendir(d->tmp);

	while (dp != NULL && (de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, "upload-", 7) == 0 &&
		    id_ok(de->d_name + 7)) {
			restore_one(d, de->d_name + 7);
		}
	}
	if (dp != NULL) {
		closedir(dp);
	}
	sweep(d);
}

/* See desk.h. */
int desk_open(const char *dir, const struct desk_opts *o, struct desk **out,
	struct hd_error *e)
{
	struct desk *d = hd_xcalloc(1, sizeof *d);
	int rc;

	d->dir = hd_xstrdup(dir);
	d->tmp = hd_xasprintf("%s/tmp", dir);
	d->opts = *o;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	desk_keeper_init(d);
	d->batches = g_hash_table_new(g_str_hash, g_str_equal);
	rc = hd_fs_mkdirs(d->tmp, e);
	if (rc != 0) {
		desk_close(d);
		return rc;
	}
	pthread_mutex_lock(&d->mu);
	restore(d);
	pthread_mutex_unlock(&d->mu);
	if (desk_threads_start(d) != 0) {
		desk_close(d);
		return hd_err(e, HD_EIO, "the ingest threads did not start");
	}
	*out = d;
	return 0;
}

/* See desk.h. */
void desk_close(struct desk *d)
{
	GHashTableIter it;
	gpointer k, v;

	if (d == NULL) {
		return;
	}
	desk_threads_stop(d);
	g_hash_table_iter_init(&it, d->batches);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		batch_free(v);
	}
	g_hash_table_destroy(d->batches);
	pthread_cond_destroy(&d->cv);
	pthread_cond_destroy(&d->keep_cv);
	pthread_mutex_destroy(&d->mu);
	free(d->tmp);
	free(d->dir);
	free(d);
}

/* ------------------------------------------------------------- showing */

/* The batches of d in the queue before b (QUEUED with a smaller seq,
 * and the one being ingested). */
static int ahead_of(struct desk *d, const struct desk_batch *b)
{
	GHashTableIter it;
	gpointer k, v;
	int n = 0;

	g_hash_table_iter_init(&it, d->batches);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct desk_batch *o = v;

		n += o->state == DESK_INGESTING ||
			(o->state == DESK_QUEUED && o->seq < b->seq);
	}
	return n;
}

/* The figures of the run in progress as JSON. */
static json_t *progress_json(const struct ingest_progress *p)
{
	static const char *const stages[] = {
		"", "receive", "read", "ocr", "catalogue",
	};
	json_t *o = json_object();

	json_object_set_new(o, "stage", json_string((unsigned)p->stage <
		sizeof stages / sizeof stages[0] ? stages[p->stage] : ""));
	json_object_set_new(o, "files_done", json_integer(
		(json_int_t)p->files_done));
	json_object_set_new(o, "files_total", json_integer(
		(json_int_t)p->files_total));
	json_object_set_new(o, "bytes_done", json_integer(
		(json_int_t)p->bytes_done));
	json_object_set_new(o, "bytes_total", json_integer(
		(json_int_t)p->bytes_total));
	json_object_set_new(o, "pages_done", json_integer(
		(json_int_t)p->pages_done));
	json_object_set_new(o, "pages_total", json_integer(
		(json_int_t)p->pages_total));
	json_object_set_new(o, "rate", json_real(p->rate));
	json_object_set_new(o, "eta", json_real(p->eta));
	json_object_set_new(o, "secs", json_real(p->secs));
	return o;
}

/* For g_tree_foreach: a received file into a JSON array. */
static gboolean file_one(gpointer key, gpointer value, gpointer ud)
{
	const struct desk_file *f = value;
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(key));
	json_object_set_new(o, "bytes", json_integer((json_int_t)f->bytes));
	json_object_set_new(o, "complete", json_boolean(f->complete));
	json_array_append_new(ud, o);
	return FALSE;
}

/* For g_hash_table_foreach: a manifest entry not yet arrived whole into
 * the array of the missing (ud: {batch, array}). */
struct missing {
	const struct desk_batch *b;
	json_t *a;
};
/* The foreach function: key (a path) with value (its manifest entry)
 * added to m->a when it has not arrived whole. */
static void missing_add(gpointer key, gpointer value, gpointer ud)
{
	struct missing *m = ud;

	if (missing_one(key, value, (gpointer)m->b)) {
		manifest_one(key, value, m->a);
	}
}

/* The value of key in the last run's result, or a new empty array. */
static json_t *result_array(const struct desk_batch *b, const char *key)
{
	json_t *v = b->result ? json_object_get(b->result, key) : NULL;

	return json_is_array(v) ? json_incref(v) : json_array();
}

/* The counts of b for the API: how many files (bytes) it has and how
 * many of them the current phase has done: arrived (receiving), read
 * (checking, ingesting), all (preview, refused, done), none (queued,
 * cancelled, failed). */
static void counts(const struct desk_batch *b, json_t *o)
{
	uint64_t ftot = g_tree_nnodes(b->files), btot = b->bytes;
	uint64_t fdone = 0, bdone = 0;

	if (b->manifest != NULL) {
		ftot = g_hash_table_size(b->manifest);
		btot = b->manifest_bytes;
	}
	if (b->result != NULL && g_tree_nnodes(b->files) == 0) {
		/* the files are gone: the run's totals */
		json_t *t = json_object_get(b->result, "totals");

		ftot = (uint64_t)json_integer_value(json_object_get(t,
			"files"));
		btot = (uint64_t)json_integer_value(json_object_get(t,
			"bytes"));
	}
	switch (b->state) {
	case DESK_RECEIVING:
		fdone = b->nfiles_complete;
		bdone = b->bytes;
		break;
	case DESK_CHECKING:
	case DESK_INGESTING:
		if (b->have_prog && b->prog.stage >= INGEST_READ) {
			fdone = b->prog.files_done;
			bdone = b->prog.bytes_done;
			ftot = b->prog.files_total;
			btot = b->prog.bytes_total;
		}
		break;
	case DESK_PREVIEW:
	case DESK_REFUSED:
	case DESK_DONE:
		fdone = ftot;
		bdone = btot;
		break;
	default:
		break;
	}
	json_object_set_new(o, "files_total", json_integer((json_int_t)ftot));
	json_object_set_new(o, "files_done", json_integer((json_int_t)fdone));
	json_object_set_new(o, "bytes_total", json_integer((json_int_t)btot));
	json_object_set_new(o, "bytes_done", json_integer((json_int_t)bdone));
}

/* The sentence of a run's figures p: reading the files, OCR, or the
 * catalogue, with the rate and the time left. */
static void run_text(const struct ingest_progress *p, struct hd_buf *t)
{
	if (p->stage == INGEST_READ) {
		hd_buf_printf(t, "读取 %zu/%zu 个文件，%.1f/%.1f MB",
			p->files_done, p->files_total,
			(double)p->bytes_done / 1e6,
			(double)p->bytes_total / 1e6);
		if (p->rate > 0) {
			hd_buf_printf(t, "，每秒 %.1f MB，约剩 %.0f 秒",
				p->rate / 1e6, p->eta);
		}
	} else if (p->stage == INGEST_OCR) {
		hd_buf_printf(t, "文字识别 %zu/%zu 页", p->pages_done,
			p->pages_total);
		if (p->rate > 0) {
			hd_buf_printf(t, "，每分钟 %.1f 页，约剩 %.0f 秒",
				p->rate * 60.0, p->eta);
		}
	} else if (p->stage == INGEST_CATALOGUE) {
		hd_buf_puts(t, "编目、写入检索索引");
	} else {
		hd_buf_puts(t, "接收、解包");
	}
}

/* The sentence that says where b is (under d->mu; ahead: batches before
 * it in the queue), and its share done in percent, into o as "summary"
 * and "percent": what the page shows and its script updates. */
static void summary(const struct desk_batch *b, int ahead, json_t *o)
{
	struct hd_buf t;
	int pct = 0;
	json_int_t fd = json_integer_value(json_object_get(o, "files_done"));
	json_int_t ft = json_integer_value(json_object_get(o, "files_total"));
	json_int_t bd = json_integer_value(json_object_get(o, "bytes_done"));
	json_int_t bt = json_integer_value(json_object_get(o, "bytes_total"));
	json_int_t nrej = b->result ? (json_int_t)json_array_size(
		json_object_get(b->result, "rejected")) : 0;
	json_int_t nwarn = b->result ? (json_int_t)json_array_size(
		json_object_get(b->result, "warnings")) : 0;
	json_int_t add = b->result ? json_integer_value(json_object_get(
		b->result, "added")) : 0;
	json_int_t dup = b->result ? json_integer_value(json_object_get(
		b->result, "duplicate_records")) : 0;

	hd_buf_init(&t);
	if (bt > 0) {
		pct = (int)(bd * 100 / bt);
	} else if (ft > 0) {
		pct = (int)(fd * 100 / ft);
	}
	switch (b->state) {
	case DESK_RECEIVING:
		if (b->manifest != NULL) {
			hd_buf_printf(&t, "已收到 %lld/%lld 个文件，%.1f/%.1f "
				"MB", (long long)fd, (long long)ft,
				(double)bd / 1e6, (double)bt / 1e6);
		} else {
			/* a plain form: how much is to come is not known */
			hd_buf_printf(&t, "已收到 %lld 个文件（其中 %lld 个完整），"
				"%.1f MB", (long long)ft, (long long)fd,
				(double)bd / 1e6);
			pct = 0;
		}
		hd_buf_puts(&t, b->uploading ? "，正在接收" :
			"；上传没有完成，可以继续上传");
		break;
	case DESK_CHECKING:
	case DESK_INGESTING:
		hd_buf_puts(&t, b->state == DESK_CHECKING ? "检查中：" :
			"入库中：");
		if (b->have_prog) {
			run_text(&b->prog, &t);
			if (b->prog.stage == INGEST_OCR &&
			    b->prog.pages_total > 0) {
				pct = (int)(b->prog.pages_done * 100 /
					b->prog.pages_total);
			} else if (b->prog.stage == INGEST_CATALOGUE) {
				pct = 100;
			}
		} else {
			hd_buf_puts(&t, "准备中");
		}
		if (atomic_load(&b->cancel) == DESK_STOP_CANCEL) {
			hd_buf_puts(&t, "（正在取消）");
		}
		break;
	case DESK_QUEUED:
		hd_buf_printf(&t, "排队等待入库：前面还有 %d 个批次", ahead);
		break;
	case DESK_PREVIEW:
		hd_buf_printf(&t, "检查完毕：确认后将新增 %lld 件，重复 %lld "
			"件，警告 %lld 条", (long long)add, (long long)dup,
			(long long)nwarn);
		break;
	case DESK_DONE:
		hd_buf_printf(&t, "已入库（入库批次 %lld）：新增 %d 件，重复 %d "
			"件，警告 %lld 条", (long long)b->archive_batch,
			b->added, b->duplicates, (long long)nwarn);
		pct = 100;
		break;
	case DESK_REFUSED:
		hd_buf_printf(&t, "已拒收：%lld 个问题，没有存入任何内容",
			(long long)nrej);
		break;
	default:
		hd_buf_puts(&t, b->reason ? b->reason : states[b->state].name);
		break;
	}
	json_object_set_new(o, "summary", json_string(t.p ? t.p : ""));
	json_object_set_new(o, "percent", json_integer(pct < 0 ? 0 :
		pct > 100 ? 100 : pct));
	hd_buf_release(&t);
}

/* b as JSON (under d->mu): the API's keys, with records when recs is 1,
 * and what its page shows besides when full is 1. */
static json_t *batch_json(struct desk *d, const struct desk_batch *b,
	int recs, int full)
{
	json_t *o = json_object(), *a;
	struct missing m;
	int ahead;

	json_object_set_new(o, "id", json_string(b->id));
	json_object_set_new(o, "state", json_string(states[b->state].code));
	json_object_set_new(o, "state_name", json_string(
		states[b->state].name));
	counts(b, o);
	if (recs) {
		json_object_set_new(o, "records", result_array(b, "refs"));
		json_object_set_new(o, "rejected", result_array(b,
			"rejected"));
		json_object_set_new(o, "warnings", result_array(b,
			"warnings"));
	}
	json_object_set_new(o, "reason", b->reason ? json_string(b->reason) :
		json_null());
	json_object_set_new(o, "owner", json_string(b->owner));
	json_object_set_new(o, "runner", json_string(b->runner));
	json_object_set_new(o, "created", json_string(b->created));
	json_object_set_new(o, "updated", json_string(b->updated));
	json_object_set_new(o, "options", options_json(b));
	json_object_set_new(o, "uploading", json_boolean(b->uploading));
	ahead = b->state == DESK_QUEUED ? ahead_of(d, b) : 0;
	json_object_set_new(o, "queue_ahead", json_integer(ahead));
	summary(b, ahead, o);
	json_object_set_new(o, "progress", b->have_prog &&
		(b->state == DESK_CHECKING || b->state == DESK_INGESTING) ?
		progress_json(&b->prog) : json_null());
	json_object_set_new(o, "batch", b->archive_batch ?
		json_integer(b->archive_batch) : json_null());
	json_object_set_new(o, "added", json_integer(b->added));
	json_object_set_new(o, "duplicates", json_integer(b->duplicates));
	if (b->state == DESK_RECEIVING || full) {
		a = json_array();
		g_tree_foreach(b->files, file_one, a);
		json_object_set_new(o, "files", a);
		m.b = b;
		m.a = json_array();
		if (b->manifest != NULL) {
			g_hash_table_foreach(b->manifest, missing_add, &m);
		}
		json_object_set_new(o, "missing", m.a);
	}
	return o;
}

/* See desk.h.  A deep copy: the page renders it after the lock is let
 * go, while the threads change the batch; the last run's whole result
 * comes from its file (written whole, by a rename). */
json_t *desk_batch_json(struct desk *d, const char *id, int full)
{
	struct desk_batch *b;
	json_t *o = NULL, *copy, *r;
	char *dir = NULL;

	pthread_mutex_lock(&d->mu);
	b = desk_find(d, id);
	if (b != NULL) {
		o = batch_json(d, b, 1, full);
		dir = full && b->result != NULL ? hd_xstrdup(b->dir) : NULL;
	}
	pthread_mutex_unlock(&d->mu);
	if (o == NULL || !full) {
		return o;
	}
	copy = json_deep_copy(o);
	r = dir != NULL ? result_full(dir) : NULL;
	if (r != NULL) {
		json_object_set_new(copy, "result", r);
	}
	free(dir);
	json_decref(o);
	return copy;
}

/* qsort order of batches: newest first (ids begin with the time). */
static int newest_first(const void *x, const void *y)
{
	const struct desk_batch *a = *(const struct desk_batch *const *)x;
	const struct desk_batch *b = *(const struct desk_batch *const *)y;

	return strcmp(b->created, a->created);
}

/* See desk.h. */
json_t *desk_list_json(struct desk *d, size_t max)
{
	GHashTableIter it;
	gpointer k, v;
	struct desk_batch **all;
	json_t *a = json_array();
	size_t n = 0, i;

	pthread_mutex_lock(&d->mu);
	all = hd_xcalloc(g_hash_table_size(d->batches) + 1, sizeof *all);
	g_hash_table_iter_init(&it, d->batches);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		all[n++] = v;
	}
	if (n > 1) {
		qsort(all, n, sizeof *all, newest_first);
	}
	for (i = 0; i < n && i < max; i++) {
		json_array_append_new(a, batch_json(d, all[i], 0, 0));
	}
	pthread_mutex_unlock(&d->mu);
	free(all);
	return a;
}

/* See desk.h. */
json_t *desk_report_json(struct desk *d, const char *id)
{
	struct desk_batch *b;
	json_t *full = NULL, *r;
	char *dir = NULL;

	pthread_mutex_lock(&d->mu);
	b = desk_find(d, id);
	if (b != NULL && b->result != NULL) {
		dir = hd_xstrdup(b->dir);
	}
	pthread_mutex_unlock(&d->mu);
	if (dir != NULL) {
		full = result_full(dir);
		free(dir);
	}
	r = json_object_get(full, "report");
	r = r ? json_incref(r) : NULL;
	json_decref(full);
	return r;
}

/* See desk.h. */
json_t *desk_limits_json(struct desk *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "upload_max", json_integer(
		(json_int_t)d->opts.upload_max));
	json_object_set_new(o, "max_entries", json_integer(
		(json_int_t)d->opts.lim.max_entries));
	json_object_set_new(o, "max_total", json_integer(
		(json_int_t)d->opts.lim.max_total));
	json_object_set_new(o, "max_entry", json_integer(
		(json_int_t)d->opts.lim.max_entry));
	json_object_set_new(o, "max_ratio", json_real(d->opts.lim.max_ratio));
	json_object_set_new(o, "free", json_integer(desk_free_bytes(d->tmp)));
	return o;
}

/* ----------------------------------------------------------- deciding */

/* The batch id for a decision (under d->mu): b, or NULL with *rc 404
 * (no such batch) or, when want is a state and b is in another, 409
 * with a sentence saying it cannot (what the archivist asked for). */
static struct desk_batch *decide_find(struct desk *d, const char *id,
	int want, const char *cannot, char *msg, size_t n, int *rc)
{
	struct desk_batch *b = desk_find(d, id);

	*rc = 0;
	if (b == NULL) {
		snprintf(msg, n, "没有这个批次（%s）。", id);
		*rc = 404;
	} else if (want >= 0 && b->state != (enum desk_state)want) {
		snprintf(msg, n, "这个批次现在%s，%s。", states[b->state].name,
			cannot);
		*rc = 409;
		b = NULL;
	}
	return b;
}

/* The archivist's decision that b enters st (CHECKING or QUEUED; runner
 * who asked, or NULL), under d->mu: taken only once batch.json says so,
 * since a restart must find the batch where the page said it went.
 * When it cannot be written the batch stays as it was (state, place,
 * runner) and the answer is 507 with a sentence in msg saying what did
 * not happen (what); else 0. */
static int decide(struct desk *d, struct desk_batch *b, enum desk_state st,
	const char *runner, const char *what, char *msg, size_t n)
{
	enum desk_state was_state = b->state;
	char *was_reason = b->reason ? hd_xstrdup(b->reason) : NULL;
	char was_runner[sizeof b->runner], was_updated[sizeof b->updated];
	int64_t was_s = b->updated_s;
	long was_seq = b->seq;
	int err;

	memcpy(was_runner, b->runner, sizeof was_runner);
	memcpy(was_updated, b->updated, sizeof was_updated);
	if (runner != NULL) {
		snprintf(b->runner, sizeof b->runner, "%s", runner);
	}
	enter(d, b, st, NULL);
	if (persist(b) == 0) {
		free(was_reason);
		if (b->unsaved) {
			fprintf(stderr, "hongdang: batch %s (%s): its "
				"batch.json is written\n", b->id,
				states[b->state].code);
			b->unsaved = 0;
		}
		return 0;
	}
	err = errno;
	free(b->reason);
	b->reason = was_reason;
	b->state = was_state;
	b->seq = was_seq;
	memcpy(b->runner, was_runner, sizeof b->runner);
	memcpy(b->updated, was_updated, sizeof b->updated);
	b->updated_s = was_s;
	fprintf(stderr, "hongdang: batch %s: its batch.json could not be "
		"written: %s; not %s\n", b->id, strerror(err),
		states[st].code);
	snprintf(msg, n, "批次的状态无法写入数据文件夹的 tmp/（%s），%s没有"
		"生效，批次仍是“%s”。请腾出磁盘空间后再试。", err == ENOSPC ||
		err == EDQUOT ? "磁盘已满" : strerror(err), what,
		states[b->state].name);
	return 507;
}

/* See desk.h.  The preview's records are what will be stored, with the
 * numbers then free: a batch queued behind another may get later
 * ones. */
int desk_confirm(struct desk *d, const char *id, const char *agent,
	char *msg, size_t n)
{
	struct desk_batch *b;
	int rc;

	pthread_mutex_lock(&d->mu);
	b = decide_find(d, id, DESK_PREVIEW, "不能确认入库", msg, n, &rc);
	if (b != NULL) {
		rc = decide(d, b, DESK_QUEUED, agent, "确认入库", msg, n);
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

/* See desk.h.  A batch being checked or ingested is told to stop and
 * becomes CANCELLED when its run has stopped (desk_run.c); one being
 * received on a connection is CANCELLED at once, and its files go when
 * the connection lets them go (upload.c). */
int desk_cancel(struct desk *d, const char *id, const char *agent,
	char *msg, size_t n)
{
	struct desk_batch *b;
	char why[128];
	int rc;

	pthread_mutex_lock(&d->mu);
	b = decide_find(d, id, -1, NULL, msg, n, &rc);
	if (b != NULL && (b->state == DESK_DONE ||
	    b->state == DESK_CANCELLED)) {
		snprintf(msg, n, "这个批次%s，不能取消。",
			states[b->state].name);
		rc = 409;
	} else if (b != NULL) {
		snprintf(why, sizeof why, "由 %s 取消", agent);
		atomic_store(&b->cancel, DESK_STOP_CANCEL);
		if (b->running) {
			free(b->reason);
			b->reason = hd_xstrdup(why);
			desk_persist(d, b);
		} else {
			desk_set_state(d, b, DESK_CANCELLED, why);
		}
		if (!b->uploading && !b->running) {
			desk_batch_clear(d, b);
		}
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

/* See desk.h.  A batch that failed before its preview was made is
 * checked again first. */
int desk_rerun(struct desk *d, const char *id, const char *agent,
	char *msg, size_t n)
{
	struct desk_batch *b;
	int rc;

	pthread_mutex_lock(&d->mu);
	b = decide_find(d, id, DESK_FAILED, "不需要重新运行", msg, n, &rc);
	if (b != NULL && (b->result == NULL || strcmp(jstr(b->result,
	    "kind"), "preview") != 0)) {
		/* it failed before its preview was made: check it first */
		rc = decide(d, b, DESK_CHECKING, NULL, "重新运行", msg, n);
	} else if (b != NULL) {
		rc = decide(d, b, DESK_QUEUED, agent, "重新运行", msg, n);
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}
