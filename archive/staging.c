/*
 * staging.c - where a run builds what it makes before it appears, and
 * what a run killed on the way leaves behind.
 *
 * A backup, a restore and an export build their folder as DEST.part-PID
 * beside the destination and rename it into place once it is whole; a
 * run that is killed leaves DEST.part-PID, and its temporary files
 * (tmp/KIND-PID-...) in an archive or a backup.  The next run of the
 * same kind removes them: only names that are exactly what a run makes,
 * and only those whose process no longer exists (kill(PID, 0) fails with
 * ESRCH).  A live run's folder is never touched, whoever runs it.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGING_SUFFIX ".part-"

/* A copy of path without its trailing slashes ("/" stays).  A new
 * string. */
static char *trimmed(const char *path)
{
	char *p = hd_xstrdup(path);
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/') {
		p[--n] = '\0';
	}
	return p;
}

/* hd_staging_name: see hd_disk.h. */
char *hd_staging_name(const char *dest)
{
	char *d = trimmed(dest), *s;

	s = hd_xasprintf("%s" STAGING_SUFFIX "%ld", d, (long)getpid());
	free(d);
	return s;
}

/* The process id s names when it is one written as a run writes it
 * (decimal digits, no sign, no leading zero) up to its end or the byte
 * stop, else 0. */
static long pid_named(const char *s, char stop)
{
	long pid = 0;
	const char *p;

	if (*s < '1' || *s > '9') {
		return 0;
	}
	for (p = s; *p != '\0' && *p != stop; p++) {
		if (*p < '0' || *p > '9' || pid > INT_MAX / 10) {
			return 0;
		}
		pid = pid * 10 + (*p - '0');
	}
	return pid <= INT_MAX ? pid : 0;
}

/* Whether the process pid is gone: not this one, and kill(pid, 0) says
 * ESRCH (EPERM: it runs as someone else).  1 or 0. */
static int gone(long pid)
{
	if (pid <= 0 || pid == (long)getpid()) {
		return 0;
	}
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static uint64_t tree_bytes;     /* nftw's sum (one sweep at a time) */

/* nftw callback: add a regular file's size to tree_bytes. */
static int add_size(const char *path, const struct stat *sb, int flag,
	struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F && S_ISREG(sb->st_mode)) {
		tree_bytes += (uint64_t)sb->st_size;
	}
	return 0;
}

/* hd_staging_sweep: see hd_disk.h.  The folder holding dest is read once;
 * a name is taken only if it is DEST.part-PID to the byte, a folder and
 * not a link, and its process is gone. */
int hd_staging_sweep(const char *dest, struct hd_sweep *sw,
	struct hd_error *e)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	char *d = trimmed(dest), *parent, *base, *path;
	struct dirent *de;
	struct stat sb;
	size_t blen;
	DIR *dir;
	long pid;

	memset(sw, 0, sizeof *sw);
	base = strrchr(d, '/') ? strrchr(d, '/') + 1 : d;
	blen = strlen(base);
	if (blen == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		free(d);
		return 0;
	}
	parent = hd_fs_parent(d);
	dir = opendir(parent);
	if (dir == NULL) {
		int rc = errno == ENOENT ? 0 : hd_err(e, HD_EIO, "%s: %s",
			parent, strerror(errno));

		free(parent);
		free(d);
		return rc;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    strncmp(de->d_name + blen, STAGING_SUFFIX,
		    strlen(STAGING_SUFFIX)) != 0) {
			continue;
		}
		pid = pid_named(de->d_name + blen + strlen(STAGING_SUFFIX),
			'\0');
		path = hd_xasprintf("%s/%s", parent, de->d_name);
		if (pid == 0 || !gone(pid) || lstat(path, &sb) != 0 ||
		    !S_ISDIR(sb.st_mode)) {
			free(path);
			continue;
		}
		pthread_mutex_lock(&lock);
		tree_bytes = 0;
		nftw(path, add_size, 16, FTW_PHYS);
		sw->bytes += tree_bytes;
		pthread_mutex_unlock(&lock);
		hd_fs_rmtree(path);
		if (lstat(path, &sb) == 0) {
			/* something in it could not go: leave it named */
			free(path);
			continue;
		}
		sw->paths = hd_xrealloc(sw->paths, (sw->n + 1) *
			sizeof *sw->paths);
		sw->paths[sw->n++] = path;
	}
	closedir(dir);
	free(parent);
	free(d);
	return 0;
}

/* hd_sweep_release: see hd_disk.h.  Accepts a zeroed sw. */
void hd_sweep_release(struct hd_sweep *sw)
{
	size_t i;

	for (i = 0; i < sw->n; i++) {
		free(sw->paths[i]);
	}
	free(sw->paths);
	memset(sw, 0, sizeof *sw);
}

/* hd_tmp_sweep: see internal.h.  A name is "KIND-PID" or "KIND-PID-..."
 * with KIND letters only. */
void hd_tmp_sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	const char *p;
	char *path;

	if (d == NULL) {
		return;
	}
	while ((de = readdir(d)) != NULL) {
		for (p = de->d_name; (*p >= 'a' && *p <= 'z'); p++) {
		}
		if (p == de->d_name || *p != '-' ||
		    !gone(pid_named(p + 1, '-'))) {
			continue;
		}
		path = hd_xasprintf("%s/%s", dir, de->d_name);
		hd_fs_rmtree(path);
		free(path);
	}
	closedir(d);
}

/* hd_size_text: see hd_disk.h.  The bag writer's (hd_bag_size_text). */
char *hd_size_text(uint64_t bytes)
{
	return hd_bag_size_text(bytes);
}
