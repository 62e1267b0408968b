/*
 * store.c - the content-addressed object store.
 *
 * An object's name is the SHA-256 of its bytes: objects/ab/cdef....  Bytes
 * are streamed into a temporary file under tmp/ while being hashed
 * (libcrypto, which uses the CPU's SHA instructions).  hd_store_publish
 * makes a batch's temporary files durable (fsync, or one syncfs for large
 * batches), renames each to its final name, and fsyncs every directory it
 * touched: an object is never visible under its final name before its
 * bytes are on disk, and identical content is stored once.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* Below this many objects fsync each file; above, one syncfs is cheaper. */
#define PUBLISH_SYNCFS_AT 16

/* hd_sha256_hex: see hd.h.  Allocates nothing. */
void hd_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[32];
	unsigned int dn = 0;

	EVP_Digest(p, n, d, &dn, EVP_sha256(), NULL);
	hd_hex(d, 32, out);
}

/* hd_store_path: see hd.h.  Objects are kept as OBJDIR/ab/cdef... : the
 * first two hex digits name the folder, so none holds more than a 256th of
 * them. */
char *hd_store_path(struct hd_archive *a, const char *sha256)
{
	return hd_xasprintf("%s/%.2s/%s", a->objdir, sha256, sha256 + 2);
}

/* hd_store_has: see hd.h.  A regular file of that name, or an object of
 * the bucket a HEAD finds (hd_store_stat); its content is not checked
 * (verify does that). */
int hd_store_has(struct hd_archive *a, const char *sha256)
{
	struct hd_error e;
	uint64_t size;

	hd_err_clear(&e);
	return hd_store_stat(a, sha256, &size, &e) == 0;
}

/* The sequence of hd_tmp_next. */
static atomic_uint tmp_seq;

/* hd_tmp_next: see internal.h. */
unsigned int hd_tmp_next(void)
{
	return atomic_fetch_add(&tmp_seq, 1);
}

/* hd_objw_open: see hd.h.  The temporary is tmp/obj-PID-N (the store's
 * sweep knows it by its PID).  Returns 0 or HD_EIO (w holds nothing). */
int hd_objw_open(struct hd_archive *a, struct hd_objw *w, int dry,
	struct hd_error *e)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	w->md = EVP_MD_CTX_new();
	if (w->md == NULL) {
		return hd_err(e, HD_EIO, "%s: cannot hash: out of memory",
			a->tmpdir);
	}
	EVP_DigestInit_ex(w->md, EVP_sha256(), NULL);
	if (dry) {
		return 0;
	}
	w->tmp = hd_xasprintf("%s/obj-%ld-%u", a->tmpdir, (long)getpid(),
		hd_tmp_next());
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (w->fd < 0) {
		int err = errno;

		EVP_MD_CTX_free(w->md);
		w->md = NULL;
		free(w->tmp);
		w->tmp = NULL;
		return hd_err(e, HD_EIO, "%s: cannot create: %s", a->tmpdir,
			strerror(err));
	}
	return 0;
}

/* hd_objw_open_from: see hd.h. */
int hd_objw_open_from(struct hd_archive *a, struct hd_objw *w,
	const char *src, struct hd_error *e)
{
	int rc;

	if (a->s3 == NULL) {
		return hd_objw_open(a, w, 0, e);
	}
	rc = hd_objw_open(a, w, 1, e);
	if (rc == 0) {
		w->src = hd_xstrdup(src);
	}
	return rc;
}

/* hd_objw_write: see hd.h.  Returns 0 or HD_EIO naming the temporary. */
int hd_objw_write(struct hd_objw *w, const void *p, size_t n,
	struct hd_error *e)
{
	EVP_DigestUpdate(w->md, p, n);
	w->size += n;
	if (w->fd >= 0 && hd_fs_write_all(w->fd, p, n) != 0) {
		return hd_err(e, HD_EIO, "%s: write: %s", w->tmp,
			strerror(errno));
	}
	return 0;
}

/* hd_objw_finish: see hd.h.  Returns 0 or HD_EIO. */
int hd_objw_finish(struct hd_objw *w, struct hd_error *e)
{
	unsigned char d[32];
	unsigned int dn = 0;
	int rc = 0;

	EVP_DigestFinal_ex(w->md, d, &dn);
	EVP_MD_CTX_free(w->md);
	w->md = NULL;
	hd_hex(d, 32, w->sha256);
	if (w->fd >= 0 && close(w->fd) != 0) {
		rc = hd_err(e, HD_EIO, "%s: close: %s", w->tmp,
			strerror(errno));
	}
	w->fd = -1;
	return rc;
}

/* hd_objw_discard: see hd.h.  Closes the temporary file's descriptor and
 * removes it. */
void hd_objw_discard(struct hd_objw *w)
{
	if (w == NULL) {
		return;
	}
	/* a descriptor is the object's only while it has a temporary file:
	 * a zeroed w (never opened) names descriptor 0, someone else's */
	if (w->tmp != NULL && w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->md != NULL) {
		EVP_MD_CTX_free(w->md);
		w->md = NULL;
	}
	if (w->tmp != NULL) {
		unlink(w->tmp);
		free(w->tmp);
		w->tmp = NULL;
	}
	free(w->src);
	w->src = NULL;
}

/* hd_store_publish: see hd.h.  Returns 0 or HD_EIO. */
int hd_store_publish(struct hd_archive *a, struct hd_objw **ws, size_t nws,
	struct hd_error *e)
{
	unsigned char touched[256] = {0};
	int made_dir = 0, rc = 0, fd;
	size_t i, pending = 0;
	char *final = NULL, dir[4096];
	struct stat sb;

	if (a->s3 != NULL) {
		/* into the bucket: its store keeps them durable */
		return hd_s3_publish(a, ws, nws, e);
	}
	for (i = 0; i < nws; i++) {
		if (ws[i] != NULL && ws[i]->tmp != NULL) {
			pending++;
		}
	}
	if (pending == 0) {
		return 0;
	}
	/* 1. the bytes of every temporary file on disk */
	if (pending >= PUBLISH_SYNCFS_AT) {
		fd = open(a->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) != 0) {
			rc = hd_err(e, HD_EIO, "%s: syncfs: %s", a->tmpdir,
				strerror(errno));
		}
		if (fd >= 0) {
			close(fd);
		}
	} else {
		for (i = 0; i < nws && rc == 0; i++) {
			if (ws[i] != NULL && ws[i]->tmp != NULL) {
				rc = hd_fs_fsync_file(ws[i]->tmp, e);
			}
		}
	}
	/* 2. each renamed to its name, unless already there */
	for (i = 0; i < nws && rc == 0; i++) {
		struct hd_objw *w = ws[i];
		unsigned b;

		if (w == NULL || w->tmp == NULL) {
			continue;
		}
		final = hd_store_path(a, w->sha256);
		if (stat(final, &sb) == 0) {
			hd_objw_discard(w);
			free(final);
			final = NULL;
			continue;
		}
		sscanf(w->sha256, "%2x", &b);
		snprintf(dir, sizeof dir, "%s/%.2s", a->objdir, w->sha256);
		/* a folder this loop renamed into exists already */
		if (!touched[b & 255]) {
			if (mkdir(dir, 0755) == 0) {
				made_dir = 1;
			} else if (errno != EEXIST) {
				rc = hd_err(e, HD_EIO, "%s: %s", dir,
					strerror(errno));
				break;
			}
		}
		if (rename(w->tmp, final) != 0) {
			rc = hd_err(e, HD_EIO, "%s: rename: %s", final,
				strerror(errno));
			break;
		}
		free(w->tmp);
		w->tmp = NULL;
		touched[b & 255] = 1;
		free(final);
		final = NULL;
	}
	free(final);
	/* 3. the directory entries on disk */
	for (i = 0; i < 256 && rc == 0; i++) {
		if (touched[i]) {
			snprintf(dir, sizeof dir, "%s/%02x", a->objdir,
				(unsigned)i);
			rc = hd_fs_fsync_dir(dir, e);
		}
	}
	if (rc == 0 && made_dir) {
		rc = hd_fs_fsync_dir(a->objdir, e);
	}
	for (i = 0; i < nws; i++) {
		hd_objw_discard(ws[i]);
	}
	return rc;
}

/* Remove what a killed process left in tmp/: names "<kind>-<pid>-..."
 * whose process is gone (hd_tmp_sweep). */
void hd_store_sweep(struct hd_archive *a)
{
	hd_tmp_sweep(a->tmpdir);
}
