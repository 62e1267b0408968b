/*
 * fs.c - the file-system helpers every part of the program shares:
 * writing a whole buffer, making folders, fsyncing files and folders,
 * copying a file while hashing it, writing and replacing small files,
 * removing a tree.
 *
 * Guarantees: a file made by hd_fs_write, hd_fs_copy or hd_fs_replace is
 * on disk (fsynced) before the call returns 0, and a file that could not
 * be written whole is removed; hd_fs_replace swaps the new bytes in by
 * rename, so a reader sees the old file or the new one, never a part.
 * Every error names the path.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include <openssl/evp.h>
#include <sodium.h>

#define COPY_CHUNK (1u << 20)   /* bytes read at a time by hd_fs_copy */

/*
 * hd_fs_write_all: see hd.h.  write(2) until all n bytes are out,
 * again after EINTR; a write that moves nothing counts as an error
 * (errno EIO) rather than looping.  Allocates nothing.
 */
int hd_fs_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		k = write(fd, c, n);
		if (k < 0 && errno == EINTR) {
			continue;
		}
		if (k <= 0) {
			if (k == 0) {
				errno = EIO;
			}
			return -1;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * hd_hex: see internal.h.  libsodium's sodium_bin2hex (lower case, in
 * constant time); out needs 2 * n + 1 bytes.
 */
void hd_hex(const unsigned char *d, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, d, n);
}

/*
 * hd_fs_mkdirs: see hd.h.  Makes each folder of dir from the top down;
 * one that exists already is fine.  Returns 0, or HD_EIO naming the
 * first folder that could not be made.  The working copy of dir is
 * freed before returning.
 */
int hd_fs_mkdirs(const char *dir, struct hd_error *e)
{
	char *p = hd_xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				rc = hd_err(e, HD_EIO, "%s: cannot create: %s",
					p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0') {
				break;
			}
		}
	}
	free(p);
	return rc;
}

/* open(path, flags) and fsync it: 0 or HD_EIO naming path. */
static int fsync_open(const char *path, int flags, struct hd_error *e)
{
	int fd = open(path, flags | O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0) {
		return hd_err(e, HD_EIO, "%s: %s", path, strerror(errno));
	}
	if (fsync(fd) != 0) {
		rc = hd_err(e, HD_EIO, "%s: fsync: %s", path, strerror(errno));
	}
	close(fd);
	return rc;
}

/* hd_fs_fsync_dir: see hd.h.  0 or HD_EIO; allocates nothing. */
int hd_fs_fsync_dir(const char *dir, struct hd_error *e)
{
	return fsync_open(dir, O_DIRECTORY, e);
}

/* hd_fs_fsync_file: see hd.h.  0 or HD_EIO; allocates nothing. */
int hd_fs_fsync_file(const char *path, struct hd_error *e)
{
	return fsync_open(path, 0, e);
}

/* Read the open file in (named src) to its end, hashing it with SHA-256
 * and, when out >= 0, writing each chunk to out (named dst): sum receives
 * the hash in hex, *total the bytes.  Returns 0 or HD_EIO naming the file
 * that failed; a chunk buffer of COPY_CHUNK bytes is freed before
 * returning. */
static int hash_stream(int in, const char *src, int out, const char *dst,
	char sum[65], uint64_t *total, struct hd_error *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int dn = 0;
	char *buf;
	ssize_t n;
	int rc = 0;

	*total = 0;
	if (md == NULL) {
		return hd_err(e, HD_EIO, "%s: cannot hash: out of memory",
			src);
	}
	posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	buf = hd_xmalloc(COPY_CHUNK);
	for (;;) {
		n = read(in, buf, COPY_CHUNK);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = hd_err(e, HD_EIO, "%s: read: %s", src,
				strerror(errno));
			break;
		}
		if (n == 0) {
			break;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		if (out >= 0 && hd_fs_write_all(out, buf, (size_t)n) != 0) {
			rc = hd_err(e, HD_EIO, "%s: write: %s", dst,
				strerror(errno));
			break;
		}
		*total += (uint64_t)n;
	}
	if (rc == 0) {
		EVP_DigestFinal_ex(md, d, &dn);
		hd_hex(d, 32, sum);
	}
	free(buf);
	EVP_MD_CTX_free(md);
	return rc;
}

/*
 * hd_sha256_file: see hd.h.  Returns 0, HD_ENOTFOUND when path is
 * absent, HD_EIO.  Allocates nothing that outlives it.
 */
int hd_sha256_file(const char *path, char out[65], uint64_t *size,
	struct hd_error *e)
{
	uint64_t total;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return hd_err(e, errno == ENOENT ? HD_ENOTFOUND : HD_EIO,
			"%s: %s", path, strerror(errno));
	}
	rc = hash_stream(fd, path, -1, NULL, out, &total, e);
	close(fd);
	if (rc == 0 && size != NULL) {
		*size = total;
	}
	return rc;
}

/*
 * hd_fs_copy: see hd.h.  Returns 0; HD_ENOTFOUND when src is absent,
 * HD_EEXIST when dst exists, HD_ECORRUPT when the hash is not want,
 * HD_EIO otherwise (dst removed on every error path).
 */
int hd_fs_copy(const char *src, const char *dst, const char *want,
	char got[65], uint64_t *size, struct hd_error *e)
{
	char sum[65];
	uint64_t total = 0;
	int in = -1, out = -1, rc = 0;

	in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		return hd_err(e, errno == ENOENT ? HD_ENOTFOUND : HD_EIO,
			"%s: %s", src, strerror(errno));
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		0644);
	if (out < 0) {
		rc = hd_err(e, errno == EEXIST ? HD_EEXIST : HD_EIO,
			"%s: cannot create: %s", dst, strerror(errno));
		close(in);
		return rc;
	}
	rc = hash_stream(in, src, out, dst, sum, &total, e);
	if (rc == 0 && want != NULL && strcmp(sum, want) != 0) {
		rc = hd_err(e, HD_ECORRUPT, "%s: damaged: its SHA-256 is now "
			"%.16s…, not %.16s…", src, sum, want);
	}
	if (rc == 0 && fsync(out) != 0) {
		rc = hd_err(e, HD_EIO, "%s: fsync: %s", dst, strerror(errno));
	}
	close(in);
	if (close(out) != 0 && rc == 0) {
		rc = hd_err(e, HD_EIO, "%s: close: %s", dst, strerror(errno));
	}
	if (rc != 0) {
		unlink(dst);
		return rc;
	}
	if (got != NULL) {
		memcpy(got, sum, 65);
	}
	if (size != NULL) {
		*size = total;
	}
	return 0;
}

/*
 * hd_fs_write: see hd.h.  Returns 0, HD_EEXIST when path exists, HD_EIO
 * (path removed).  Allocates nothing.
 */
int hd_fs_write(const char *path, const void *p, size_t n,
	struct hd_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0) {
		return hd_err(e, errno == EEXIST ? HD_EEXIST : HD_EIO,
			"%s: cannot create: %s", path, strerror(errno));
	}
	if (hd_fs_write_all(fd, p, n) != 0 || fsync(fd) != 0) {
		rc = hd_err(e, HD_EIO, "%s: write: %s", path, strerror(errno));
	}
	if (close(fd) != 0 && rc == 0) {
		rc = hd_err(e, HD_EIO, "%s: close: %s", path, strerror(errno));
	}
	if (rc != 0) {
		unlink(path);
	}
	return rc;
}

/*
 * hd_fs_parent: see hd.h.  "." for a bare name, "/" for a name at the
 * root; always a new string (caller frees).
 */
char *hd_fs_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		return hd_xstrdup(".");
	}
	if (slash == path) {
		return hd_xstrdup("/");
	}
	return hd_xstrndup(path, (size_t)(slash - path));
}

/*
 * hd_fs_replace: see hd.h.  The temporary file is path.tmp-PID; it is
 * removed when anything fails.  Returns 0 or HD_EIO naming the path.
 */
int hd_fs_replace(const char *path, const void *p, size_t n,
	struct hd_error *e)
{
	char *tmp = hd_xasprintf("%s.tmp-%ld", path, (long)getpid());
	char *dir = hd_fs_parent(path);
	int rc;

	unlink(tmp);
	rc = hd_fs_write(tmp, p, n, e);
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = hd_err(e, HD_EIO, "%s: rename: %s", path,
			strerror(errno));
		unlink(tmp);
	}
	if (rc == 0) {
		rc = hd_fs_fsync_dir(dir, e);
	}
	free(tmp);
	free(dir);
	return rc;
}

/* nftw callback of hd_fs_rmtree: remove one entry, go on regardless. */
static int rm_entry(const char *path, const struct stat *sb, int flag,
	struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* hd_fs_rmtree: see hd.h.  Depth first, links not followed; entries
 * that cannot be removed are left.  Accepts NULL. */
void hd_fs_rmtree(const char *dir)
{
	if (dir != NULL) {
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
}

/* hd_fs_state: see hd.h.  A link is "something else" (lstat); a folder
 * that cannot be read counts as something else too. */
int hd_fs_state(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int state = 1;

	if (lstat(path, &st) != 0) {
		return errno == ENOENT ? 0 : 3;
	}
	if (!S_ISDIR(st.st_mode)) {
		return 3;
	}
	d = opendir(path);
	if (d == NULL) {
		return 3;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			state = 2;
			break;
		}
	}
	closedir(d);
	return state;
}

/* hd_fs_system_file: see hd.h.  The names macOS (.DS_Store, AppleDouble
 * "._x") and Windows (Thumbs.db, desktop.ini in any case) write into
 * folders they show.  Returns 1 or 0; allocates nothing. */
int hd_fs_system_file(const char *name)
{
	return strcmp(name, ".DS_Store") == 0 ||
		strcmp(name, "Thumbs.db") == 0 ||
		strcasecmp(name, "desktop.ini") == 0 ||
		strncmp(name, "._", 2) == 0;
}

/*
 * hd_read_file: see hd.h.  One read(2) loop into a buffer of
 * min(size, cap) + 1 bytes; a file that shrinks meanwhile gives what
 * was there.
 */
int hd_read_file(const char *path, size_t cap, unsigned char **out,
	size_t *n, int *more)
{
	unsigned char *buf = NULL;
	size_t len = 0, size;
	struct stat st;
	int fd, rc = -1, err = 0;

	*out = NULL;
	*n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		err = errno;
		goto out;
	}
	size = (uint64_t)st.st_size < cap ? (size_t)st.st_size : cap;
	if (more != NULL) {
		*more = (uint64_t)st.st_size > cap;
	}
	buf = hd_xmalloc(size + 1);
	while (len < size) {
		ssize_t r = read(fd, buf + len, size - len);

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			err = errno;
			goto out;
		}
		if (r == 0) {
			break;
		}
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	*n = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	if (err) {
		errno = err;
	}
	return rc;
}

/* hd_fs_clone: see hd_disk.h. */
int hd_fs_clone(const char *src, const char *dst, struct hd_error *e)
{
	int in, out, rc = 0;
	ssize_t k;
	char buf[65536];

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		return hd_err(e, HD_EIO, "%s: %s", src, strerror(errno));
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = hd_err(e, HD_EIO, "%s: %s", dst, strerror(errno));
		close(in);
		return rc;
	}
	if (ioctl(out, FICLONE, in) != 0) {
		do {
			k = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		} while (k > 0);
		if (k < 0) {
			/* not across these file systems: by hand */
			while ((k = read(in, buf, sizeof buf)) > 0) {
				if (hd_fs_write_all(out, buf, (size_t)k) != 0) {
					k = -1;
					break;
				}
			}
		}
		if (k < 0) {
			rc = hd_err(e, HD_EIO, "%s: %s", dst, strerror(errno));
		}
	}
	close(in);
	if (close(out) != 0 && rc == 0) {
		rc = hd_err(e, HD_EIO, "%s: %s", dst, strerror(errno));
	}
	return rc;
}

/* hd_fs_copytree: see hd_disk.h.  depth: how deep src already is. */
static int copytree(const char *src, const char *dst, int durable,
	int depth, struct hd_error *e)
{
	struct dirent *de;
	struct stat st;
	char *s, *d;
	DIR *dir;
	int rc = 0;

	if (depth > 32) {
		return 0;
	}
	if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
		return hd_err(e, HD_EIO, "%s: cannot create: %s", dst,
			strerror(errno));
	}
	dir = opendir(src);
	if (dir == NULL) {
		return hd_err(e, HD_EIO, "%s: %s", src, strerror(errno));
	}
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		s = hd_xasprintf("%s/%s", src, de->d_name);
		d = hd_xasprintf("%s/%s", dst, de->d_name);
		if (lstat(s, &st) != 0) {
			rc = hd_err(e, HD_EIO, "%s: %s", s, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = copytree(s, d, durable, depth + 1, e);
		} else if (S_ISREG(st.st_mode)) {
			rc = durable ? hd_fs_copy(s, d, NULL, NULL, NULL, e) :
				hd_fs_clone(s, d, e);
		}
		free(s);
		free(d);
	}
	closedir(dir);
	if (rc == 0 && durable) {
		rc = hd_fs_fsync_dir(dst, e);
	}
	return rc;
}

/* hd_fs_copytree: see hd_disk.h. */
int hd_fs_copytree(const char *src, const char *dst, int durable,
	struct hd_error *e)
{
	return copytree(src, dst, durable, 0, e);
}
