/*
 * derive.c - what a visitor's screen receives instead of a master: JPEG
 * thumbnails and screen copies of image objects, made with libvips and
 * cached in the data folder as derived/ab/<sha>-thumb.jpg (longest side
 * 400 px) and derived/ab/<sha>-screen.jpg (1600 px); and, for staff
 * zooming into a big scan, its pyramid of tiles (derived/tiles/ab/<sha>/,
 * made whole under tmp/ and renamed into place).
 *
 * Guarantees:
 *  - a derivative is never visible under its name before its bytes are on
 *    disk: it is written to tmp/drv-<pid>-<n> (which hd_store_sweep
 *    removes when its process is gone), fsynced, renamed into place, and
 *    the directory fsynced;
 *  - a hash that is not 64 lower-case hex digits is refused before any
 *    SQL runs or any path is built from it;
 *  - only catalogued image objects are derived, each decoded by the
 *    loader its catalogued type names (a "JPEG" that libvips would read
 *    as SVG or PDF is refused), and libvips' untrusted loaders are
 *    blocked for the whole process;
 *  - a master with damaged pixels is an error (libvips fail_on=error), so
 *    a half-grey copy of a damaged scan is never cached in place of it;
 *  - EXIF orientation is applied, the copy is sRGB with transparency on
 *    white, metadata stripped (no GPS of a photo reaches a visitor), never
 *    larger than the master (no upscaling); multi-page TIFF: first page;
 *  - libvips never prints: its log domain is captured and its last
 *    warning goes into the error message instead.
 *
 * The first stat of the cached file is the server's hot path and is all a
 * cached call costs.  Threads that miss at once on the same derivative do
 * not both make it: the second waits for the first (a small in-progress
 * set, which also caps how many are made at once).  Separate processes
 * may both make it; the rename keeps that safe.
 *
 * libvips is started once per process (pthread_once) with its operation
 * cache off: a server making thousands of thumbnails must not keep
 * decoded images or open files around (RSS stays flat).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

/* Derivatives made at once in this process; more callers wait. */
#define MAX_BUSY 4
/* JPEG quality of derivatives (libvips scale, as vipsthumbnail's Q). */
#define DERIV_Q 82

static const struct {
	const char *name;       /* file name suffix */
	int size;               /* longest side, px */
} kinds[] = {
	[HD_DERIV_THUMB] = { "thumb", 400 },
	[HD_DERIV_SCREEN] = { "screen", 1600 },
};

/* The catalogued types derived, and the libvips loaders (class name
 * prefixes) allowed to read each. */
static const struct {
	const char *mime;
	const char *loader[2];
} images[] = {
	{ "image/jpeg", { "VipsForeignLoadJpeg", NULL } },
	{ "image/png", { "VipsForeignLoadPng", "VipsForeignLoadSpng" } },
	{ "image/tiff", { "VipsForeignLoadTiff", NULL } },
	{ "image/gif", { "VipsForeignLoadNsgif", "VipsForeignLoadGif" } },
	{ "image/webp", { "VipsForeignLoadWebp", NULL } },
};

/* ------------------------------------------------------------ hashes */

/* hd_object_public: see hd.h.  Fails closed: a name that is not a
 * SHA-256 or a catalogue that cannot be read is 0.  The statement is
 * reset, so no read transaction is left open. */
int hd_object_public(struct hd_archive *a, const char *sha256)
{
	return hd_sha_ok(sha256) && hd_sql_get(a, SQL_OBJECT_PUBLIC,
		"find object", NULL, "t", sha256) == 1;
}

/* hd_object_mime: see hd.h.  NULL as well when sha256 is not a SHA-256
 * or the catalogue cannot be read. */
char *hd_object_mime(struct hd_archive *a, const char *sha256)
{
	char *mime = NULL;

	if (hd_sha_ok(sha256)) {
		hd_sql_get(a, SQL_OBJECT_MIME, "find object", NULL, "t>t",
			sha256, &mime);
	}
	return mime;
}

/* ------------------------------------------------------------ libvips */

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_rc = -1;
static char lib_why[256];

/* The last message libvips logged on this thread (warnings of a loader
 * such as "Premature end of JPEG file"), for the error message. */
static _Thread_local char last_log[256];

/* GLib log handler for the "VIPS" domain: keep the message in last_log (this
 * thread's), instead of letting GLib print it: the library never prints. */
static void log_capture(const gchar *domain, GLogLevelFlags level,
	const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)data;
	snprintf(last_log, sizeof last_log, "%s", msg != NULL ? msg : "");
}

/* pthread_once body: start libvips (its log captured; its operation
 * cache off, since each derivative is made once and written to disk; one
 * worker a pipeline; untrusted loaders blocked) and note in lib_rc and
 * lib_why whether it started. */
static void lib_start(void)
{
	g_log_set_handler("VIPS", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
		G_LOG_FLAG_RECURSION, log_capture, NULL);
	if (VIPS_INIT("hongdang") != 0) {
		char *m = vips_error_buffer_copy();

		snprintf(lib_why, sizeof lib_why, "%s", m);
		g_free(m);
		return;
	}
	vips_cache_set_max(0);
	vips_cache_set_max_files(0);
	vips_cache_set_max_mem(0);
	/* One worker a pipeline: the server already runs one request per
	 * thread, and on two cores a second libvips worker made single
	 * derivations no faster (test_derive bench) while taking the core
	 * other requests need. */
	vips_concurrency_set(1);
	vips_block_untrusted_set(TRUE);
	lib_rc = 0;
}

/* hd_vips_start: see hd_image.h. */
int hd_vips_start(struct hd_error *e)
{
	pthread_once(&lib_once, lib_start);
	if (lib_rc != 0) {
		return hd_err(e, HD_EIO, "libvips cannot start: %s", lib_why);
	}
	return 0;
}

/* The first line of the libvips error (the cause; the lines after it
 * repeat it from outer operations) or, without one, its last log line. */
static void lib_message(char *out, size_t n)
{
	char *m = vips_error_buffer_copy();

	if (m == NULL || m[0] == '\0') {
		snprintf(out, n, "%s", last_log[0] != '\0' ? last_log :
			"unknown libvips error");
	} else {
		snprintf(out, n, "%s", m);
	}
	g_free(m);
	out[strcspn(out, "\r\n")] = '\0';
}

/* ------------------------------------------------- the in-progress set */

static pthread_mutex_t busy_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t busy_cv = PTHREAD_COND_INITIALIZER;
static char busy[MAX_BUSY][72];         /* "<sha>-<kind>", "" when free */

/* The slot of busy[] holding key ("" finds a free one), or -1; busy_mu
 * is held. */
static int busy_find(const char *key)
{
	int i;

	for (i = 0; i < MAX_BUSY; i++) {
		if (strcmp(busy[i], key) == 0) {
			return i;
		}
	}
	return -1;
}

/* Claim key for this thread.  Returns 1 when claimed, 0 after waiting for
 * another thread that was making it (or for a free slot): look again. */
static int busy_claim(const char *key)
{
	int slot, claimed = 0;

	pthread_mutex_lock(&busy_mu);
	slot = busy_find("");
	if (busy_find(key) >= 0 || slot < 0) {
		pthread_cond_wait(&busy_cv, &busy_mu);
	} else {
		snprintf(busy[slot], sizeof busy[slot], "%s", key);
		claimed = 1;
	}
	pthread_mutex_unlock(&busy_mu);
	return claimed;
}

/* Give key up (busy_claim took it) and wake every thread waiting for a slot
 * or for key. */
static void busy_release(const char *key)
{
	int slot;

	pthread_mutex_lock(&busy_mu);
	slot = busy_find(key);
	if (slot >= 0) {
		busy[slot][0] = '\0';
	}
	pthread_cond_broadcast(&busy_cv);
	pthread_mutex_unlock(&busy_mu);
}

/* ------------------------------------------------------------ making */

/* mkdir dir; *made is set when it was created.  An existing one is fine. */
static int make_dir(const char *dir, int *made, struct hd_error *e)
{
	*made = 0;
	if (mkdir(dir, 0755) == 0) {
		*made = 1;
		return 0;
	}
	if (errno == EEXIST) {
		return 0;
	}
	return hd_err(e, HD_EIO, "%s: %s", dir, strerror(errno));
}

/* 1 when libvips would read src with one of the loaders allowed (the
 * catalogued type's); else 0 with *found the loader it would use (a
 * static string, or NULL for none). */
static int loader_ok(const char *src, const char *const *loader,
	const char **found)
{
	int i;

	*found = vips_foreign_find_load(src);
	for (i = 0; *found != NULL && i < 2 && loader[i] != NULL; i++) {
		if (strncmp(*found, loader[i], strlen(loader[i])) == 0) {
			return 1;
		}
	}
	vips_error_clear();
	return 0;
}

/* in made fit for a screen: transparency flattened on white, sRGB, 8
 * bits a band.  *out receives a new reference (caller unrefs); 0, or -1
 * with the libvips error set. */
static int displayable(VipsImage *in, VipsImage **out)
{
	VipsImage *t[3] = { NULL, NULL, NULL };
	VipsImage *img = in;
	VipsArrayDouble *bg = NULL;
	double white;
	int rc = -1, i;

	if (vips_image_hasalpha(img)) {
		white = img->BandFmt == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;
		bg = vips_array_double_newv(1, white);
		if (vips_flatten(img, &t[0], "background", bg,
		    "max_alpha", white, NULL) != 0) {
			goto out;
		}
		img = t[0];
	}
	if (vips_colourspace(img, &t[1], VIPS_INTERPRETATION_sRGB,
	    NULL) != 0) {
		goto out;
	}
	img = t[1];
	if (img->BandFmt != VIPS_FORMAT_UCHAR) {
		if (vips_cast_uchar(img, &t[2], NULL) != 0) {
			goto out;
		}
		img = t[2];
	}
	g_object_ref(img);
	*out = img;
	rc = 0;
out:
	if (bg != NULL) {
		vips_area_unref(VIPS_AREA(bg));
	}
	for (i = 0; i < 3; i++) {
		if (t[i] != NULL) {
			g_object_unref(t[i]);
		}
	}
	return rc;
}

/* Encode the derivative of the master at src into a new JPEG in memory
 * (*jpg, *njpg: g_free).  loaders: the libvips loaders allowed. */
static int encode(const char *src, const char *const *loader, int size,
	const char *sha, void **jpg, size_t *njpg, struct hd_error *e)
{
	VipsImage *thumb = NULL, *img = NULL;
	const char *found;
	char why[512];
	int rc = 0;

	*jpg = NULL;
	*njpg = 0;
	last_log[0] = '\0';
	if (!loader_ok(src, loader, &found)) {
		return hd_err(e, HD_EINVAL, "image %s: content cannot be read "
			"as its catalogued type (libvips: %s)", sha,
			found != NULL ? found : "no loader");
	}
	if (vips_thumbnail(src, &thumb, size, "height", size,
	    "size", VIPS_SIZE_DOWN, "fail_on", VIPS_FAIL_ON_ERROR, NULL) != 0 ||
	    displayable(thumb, &img) != 0) {
		goto fail;
	}
	/* Pixels are decoded here: damage shows up now, not before. */
	if (vips_jpegsave_buffer(img, jpg, njpg, "Q", DERIV_Q,
	    "strip", TRUE, "optimize_coding", TRUE, NULL) != 0) {
		goto fail;
	}
	goto out;
fail:
	lib_message(why, sizeof why);
	rc = hd_err(e, HD_EINVAL, "image %s: cannot be decoded: %s", sha,
		why);
	g_free(*jpg);
	*jpg = NULL;
	*njpg = 0;
out:
	if (img != NULL) {
		g_object_unref(img);
	}
	if (thumb != NULL) {
		g_object_unref(thumb);
	}
	return rc;
}

/* Write p[0..n) to a new temporary file under tmp/, fsynced
 * (hd_fs_write); its path goes to tmp (ntmp bytes), "" when it failed
 * (nothing is left behind then).  Returns 0 or HD_EIO. */
static int write_tmp(struct hd_archive *a, const void *p, size_t n,
	char *tmp, size_t ntmp, struct hd_error *e)
{
	static atomic_uint seq;
	int rc;

	snprintf(tmp, ntmp, "%s/drv-%ld-%u", a->tmpdir, (long)getpid(),
		atomic_fetch_add(&seq, 1));
	rc = hd_fs_write(tmp, p, n, e);
	if (rc != 0) {
		tmp[0] = '\0';
	}
	return rc;
}

/* Make the derivative final (DIR/derived/ab/<sha>-<kind>.jpg) of the
 * master src.  The caller holds the in-progress claim. */
static int make(struct hd_archive *a, const char *sha, const char *src,
	const char *const *loader, int size, const char *final,
	struct hd_error *e)
{
	char tmp[1024] = "", *top, *sub;
	void *jpg = NULL;
	size_t njpg = 0;
	int rc, made_top = 0, made_sub = 0;

	top = hd_xasprintf("%s/derived", a->dir);
	sub = hd_xasprintf("%s/%.2s", top, sha);
	rc = encode(src, loader, size, sha, &jpg, &njpg, e);
	if (rc == 0) {
		rc = write_tmp(a, jpg, njpg, tmp, sizeof tmp, e);
	}
	if (rc == 0) {
		rc = make_dir(top, &made_top, e);
	}
	if (rc == 0) {
		rc = make_dir(sub, &made_sub, e);
	}
	if (rc == 0 && rename(tmp, final) != 0) {
		rc = hd_err(e, HD_EIO, "%s: rename: %s", final,
			strerror(errno));
	} else if (rc == 0) {
		tmp[0] = '\0';
	}
	/* The entries on disk: the file's, then any directory made. */
	if (rc == 0) {
		rc = hd_fs_fsync_dir(sub, e);
	}
	if (rc == 0 && made_sub) {
		rc = hd_fs_fsync_dir(top, e);
	}
	if (rc == 0 && made_top) {
		rc = hd_fs_fsync_dir(a->dir, e);
	}
	if (tmp[0] != '\0') {
		unlink(tmp);
	}
	g_free(jpg);
	free(top);
	free(sub);
	return rc;
}

/* The master of image sha256 as a file to decode: its own in the local
 * store, a copy under tmp/ fetched from a bucket (*temp 1: the caller
 * removes it).  *src a new string.  0, HD_ENOTFOUND (missing from the
 * store), or the store's error: a bucket that cannot be reached says so
 * with its endpoint (the screens then say the original cannot be
 * reached). */
static int master_get(struct hd_archive *a, const char *sha256,
	char **src, int *temp, struct hd_error *e)
{
	struct hd_error fe;
	struct stat sb;
	int rc;

	hd_err_clear(&fe);
	rc = hd_store_fetch(a, sha256, src, temp, &fe);
	if (rc == 0 && !*temp && (stat(*src, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))) {
		rc = hd_err(&fe, HD_ENOTFOUND, "%s", *src);
	}
	if (rc == HD_ENOTFOUND || rc == HD_ECORRUPT) {
		hd_err(e, rc, "image %s: catalogued but %s the store (%s)",
			sha256, rc == HD_ENOTFOUND ? "missing from" :
			"damaged in", fe.msg);
	} else if (rc != 0) {
		hd_err(e, rc, "image %s: %s", sha256, fe.msg);
	}
	if (rc != 0) {
		free(*src);
		*src = NULL;
		*temp = 0;
	}
	return rc;
}

/* The catalogued image type's allowed loaders, or NULL. */
static const char *const *image_loaders(const char *mime)
{
	size_t i;

	for (i = 0; mime != NULL && i < sizeof images / sizeof images[0];
	     i++) {
		if (strcmp(mime, images[i].mime) == 0) {
			return images[i].loader;
		}
	}
	return NULL;
}

/* How derive_once checks for one derivative and makes it.  ready: 1
 * when it is on disk (made before, or by another thread meanwhile);
 * make: make it from the decoded master src (the caller holds the
 * in-progress claim); ud: theirs. */
struct deriv_job {
	int (*ready)(void *ud);
	int (*make)(struct hd_archive *a, const char *sha, const char *src,
		const char *const *loader, void *ud, struct hd_error *e);
	void *ud;
};

/* Make the derivative of image sha256 that job describes, unless it is
 * ready: name ("screen", "tiles" ...) keeps two threads from making the
 * same one (the second waits for the first and makes nothing); the
 * master is fetched (from a bucket: once, by the thread that makes the
 * derivative, not by each that waits for it) and removed again when it
 * was a copy.  0 when it is ready, HD_ENOTFOUND when sha256 is not a
 * catalogued image, or the error of libvips, the store or job->make. */
static int derive_once(struct hd_archive *a, const char *sha256,
	const char *name, const struct deriv_job *job, struct hd_error *e)
{
	const char *const *loader;
	char *src = NULL, *mime, key[72];
	int rc = 0, temp = 0;

	mime = hd_object_mime(a, sha256);
	loader = image_loaders(mime);
	free(mime);
	if (loader == NULL) {
		return hd_err(e, HD_ENOTFOUND, "no image object '%s'", sha256);
	}
	pthread_once(&lib_once, lib_start);
	if (lib_rc != 0) {
		return hd_err(e, HD_EIO, "libvips cannot start: %s", lib_why);
	}
	snprintf(key, sizeof key, "%s-%s", sha256, name);
	do {
		if (job->ready(job->ud)) {
			return 0;
		}
	} while (!busy_claim(key));
	/* another thread may have finished between our look and claim */
	if (!job->ready(job->ud)) {
		rc = master_get(a, sha256, &src, &temp, e);
		if (rc == 0) {
			rc = job->make(a, sha256, src, loader, job->ud, e);
		}
	}
	busy_release(key);
	if (temp) {
		unlink(src);
	}
	free(src);
	return rc;
}

/* A derivative of hd_derive: its file and size. */
struct deriv_file {
	const char *final;
	int size;
};

/* For derive_once: 1 when the derivative's file is there. */
static int deriv_file_ready(void *ud)
{
	const struct deriv_file *f = ud;
	struct stat sb;

	return stat(f->final, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* For derive_once: make the derivative's file (make). */
static int deriv_file_make(struct hd_archive *a, const char *sha,
	const char *src, const char *const *loader, void *ud,
	struct hd_error *e)
{
	const struct deriv_file *f = ud;

	return make(a, sha, src, loader, f->size, f->final, e);
}

/* hd_derive: see hd.h.  A derivative already on disk is returned without a
 * look at the catalogue beyond the object's type; one being made by another
 * thread is waited for, not made twice. */
int hd_derive(struct hd_archive *a, const char *sha256, enum hd_deriv kind,
	char **path, struct hd_error *e)
{
	struct deriv_file f;
	struct deriv_job job = { deriv_file_ready, deriv_file_make, &f };
	char *final;
	int rc;

	*path = NULL;
	if ((int)kind < 0 || (size_t)kind >= sizeof kinds / sizeof kinds[0]) {
		return hd_err(e, HD_EUSAGE, "derivative kind %d unknown",
			(int)kind);
	}
	if (!hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no image object '%.80s'",
			sha256 != NULL ? sha256 : "(null)");
	}
	final = hd_xasprintf("%s/derived/%.2s/%s-%s.jpg", a->dir, sha256,
		sha256, kinds[kind].name);
	f.final = final;
	f.size = kinds[kind].size;
	/* The hot path: made before (only ever from a catalogued image). */
	rc = deriv_file_ready(&f) ? 0 :
		derive_once(a, sha256, kinds[kind].name, &job, e);
	if (rc != 0) {
		free(final);
		return rc;
	}
	*path = final;
	return 0;
}

/* ------------------------------------------------------------ tiles */

/* The deepest level of the pyramid of a w x h image: full resolution,
 * level 0 being one pixel (DeepZoom). */
static int tile_depth(int w, int h)
{
	int m = w > h ? w : h, n = 0;

	while (n < 30 && (1 << n) < m) {
		n++;
	}
	return n;
}

/* Read the size DeepZoom's image.dzi in dir gives into *t.  0, or -1. */
static int tiles_read(const char *dir, struct hd_tiles *t)
{
	unsigned char *raw = NULL;
	char *path = hd_xasprintf("%s/image.dzi", dir);
	const char *w, *h;
	size_t n = 0;
	int more = 0, rc = -1;

	if (hd_read_file(path, 4096, &raw, &n, &more) == 0 && !more) {
		raw[n] = '\0';
		w = strstr((char *)raw, "Width=\"");
		h = strstr((char *)raw, "Height=\"");
		if (w != NULL && h != NULL) {
			t->width = atoi(w + 7);
			t->height = atoi(h + 8);
			t->tile = HD_TILE_SIZE;
			t->levels = tile_depth(t->width, t->height) + 1;
			rc = t->width > 0 && t->height > 0 ? 0 : -1;
		}
	}
	free(raw);
	free(path);
	return rc;
}

/* Make the pyramid of the master src into dir (which must not exist):
 * written under tmp/, every byte on disk (one syncfs), then renamed into
 * place whole; another process's pyramid already there is kept. */
static int tiles_make(struct hd_archive *a, const char *sha, const char *src,
	const char *const *loader, const char *dir, struct hd_error *e)
{
	static atomic_uint seq;
	VipsImage *in = NULL, *rot = NULL, *img = NULL;
	const char *found;
	char *work, *base, *from, *dzi, *in_dir, *sub, why[512];
	int rc = 0, fd;

	if (!loader_ok(src, loader, &found)) {
		return hd_err(e, HD_EINVAL, "image %s: content cannot be read "
			"as its catalogued type (libvips: %s)", sha,
			found != NULL ? found : "no loader");
	}
	work = hd_xasprintf("%s/tiles-%ld-%u", a->tmpdir, (long)getpid(),
		atomic_fetch_add(&seq, 1));
	base = hd_xasprintf("%s/t", work);
	from = hd_xasprintf("%s_files", base);
	dzi = hd_xasprintf("%s.dzi", base);
	in_dir = hd_xasprintf("%s/image.dzi", from);
	sub = hd_xasprintf("%s/derived/tiles/%.2s", a->dir, sha);
	last_log[0] = '\0';
	if (mkdir(work, 0755) != 0) {
		rc = hd_err(e, HD_EIO, "%s: %s", work, strerror(errno));
		goto out;
	}
	in = vips_image_new_from_file(src, "fail_on", VIPS_FAIL_ON_ERROR,
		NULL);
	if (in == NULL || vips_autorot(in, &rot, NULL) != 0 ||
	    displayable(rot, &img) != 0 ||
	    vips_dzsave(img, base, "tile_size", HD_TILE_SIZE, "overlap", 0,
	    "depth", VIPS_FOREIGN_DZ_DEPTH_ONEPIXEL, "suffix",
	    ".jpg[Q=82,strip]", NULL) != 0) {
		lib_message(why, sizeof why);
		rc = hd_err(e, HD_EINVAL, "image %s: cannot be tiled: %s", sha,
			why);
		goto out;
	}
	/* the size beside the tiles, so the folder is the whole pyramid */
	if (rename(dzi, in_dir) != 0) {
		rc = hd_err(e, HD_EIO, "%s: %s", dzi, strerror(errno));
	}
	fd = rc == 0 ? open(work, O_RDONLY | O_DIRECTORY) : -1;
	if (rc == 0 && (fd < 0 || syncfs(fd) != 0)) {
		rc = hd_err(e, HD_EIO, "%s: sync: %s", work, strerror(errno));
	}
	if (fd >= 0) {
		close(fd);
	}
	if (rc == 0) {
		/* derived/ itself may not be there yet */
		rc = hd_fs_mkdirs(sub, e);
	}
	if (rc == 0 && rename(from, dir) != 0 && errno != EEXIST &&
	    errno != ENOTEMPTY) {
		rc = hd_err(e, HD_EIO, "%s: rename: %s", dir, strerror(errno));
	}
	if (rc == 0) {
		rc = hd_fs_fsync_dir(sub, e);
	}
out:
	if (img != NULL) {
		g_object_unref(img);
	}
	if (rot != NULL) {
		g_object_unref(rot);
	}
	if (in != NULL) {
		g_object_unref(in);
	}
	hd_fs_rmtree(work);
	free(work);
	free(base);
	free(from);
	free(dzi);
	free(in_dir);
	free(sub);
	return rc;
}

/* A pyramid of hd_tiles_get: its folder and what it says. */
struct deriv_tiles {
	const char *dir;
	struct hd_tiles *t;
};

/* For derive_once: 1 when the pyramid is there and read. */
static int deriv_tiles_ready(void *ud)
{
	const struct deriv_tiles *p = ud;

	return tiles_read(p->dir, p->t) == 0;
}

/* For derive_once: make the pyramid (tiles_make) and read it. */
static int deriv_tiles_make(struct hd_archive *a, const char *sha,
	const char *src, const char *const *loader, void *ud,
	struct hd_error *e)
{
	const struct deriv_tiles *p = ud;
	int rc = tiles_make(a, sha, src, loader, p->dir, e);

	if (rc == 0 && tiles_read(p->dir, p->t) != 0) {
		rc = hd_err(e, HD_EIO, "%s: the pyramid cannot be read",
			p->dir);
	}
	return rc;
}

/* See hd.h.  The pyramid is made once (the in-progress set keeps two
 * threads from making the same one); a made one costs a stat and a
 * small read. */
int hd_tiles_get(struct hd_archive *a, const char *sha256, struct hd_tiles *t,
	char **dir, struct hd_error *e)
{
	struct deriv_tiles p;
	struct deriv_job job = { deriv_tiles_ready, deriv_tiles_make, &p };
	char *d;
	int rc;

	memset(t, 0, sizeof *t);
	*dir = NULL;
	if (!hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no image object '%.80s'",
			sha256 != NULL ? sha256 : "(null)");
	}
	d = hd_xasprintf("%s/derived/tiles/%.2s/%s", a->dir, sha256, sha256);
	p.dir = d;
	p.t = t;
	rc = deriv_tiles_ready(&p) ? 0 :
		derive_once(a, sha256, "tiles", &job, e);
	if (rc != 0) {
		free(d);
		return rc;
	}
	*dir = d;
	return 0;
}

/* See hd.h. */
int hd_tile(struct hd_archive *a, const char *sha256, int z, int x, int y,
	char **path, struct hd_error *e)
{
	struct hd_tiles t;
	char *dir = NULL;
	long w, h;
	int rc, n;

	*path = NULL;
	rc = hd_tiles_get(a, sha256, &t, &dir, e);
	if (rc != 0) {
		return rc;
	}
	n = t.levels - 1;
	if (z < 0 || z > n || x < 0 || y < 0) {
		free(dir);
		return hd_err(e, HD_ENOTFOUND, "image %s has no level %d",
			sha256, z);
	}
	/* the level's size: the image halved n - z times, rounded up */
	w = ((long)t.width + (1L << (n - z)) - 1) >> (n - z);
	h = ((long)t.height + (1L << (n - z)) - 1) >> (n - z);
	if ((long)x * HD_TILE_SIZE >= w || (long)y * HD_TILE_SIZE >= h) {
		free(dir);
		return hd_err(e, HD_ENOTFOUND, "tile %d/%d/%d is outside "
			"image %s", z, x, y, sha256);
	}
	*path = hd_xasprintf("%s/%d/%d_%d.jpg", dir, z, x, y);
	free(dir);
	return 0;
}
