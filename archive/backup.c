/*
 * backup.c - backup and restore of a data folder.
 *
 * A backup is taken while the archive is in use (the exhibit server may
 * be writing).  The catalogue is copied through SQLite's online backup
 * API, which reads one consistent snapshot without blocking writers;
 * the objects copied are exactly those the snapshot names, so the copy
 * never refers to an object it lacks.  Guarantees:
 *  - every object is hashed while it is copied and checked against its
 *    name: a damaged object of the archive stops the backup with its
 *    name, and a damaged copy in an earlier backup is written again;
 *  - every file is written under a temporary name, fsynced, and renamed;
 *    a new backup is built beside its destination and renamed into
 *    place, so an interrupted backup leaves either the previous backup
 *    or nothing under that name; objects are in place before the
 *    catalogue that names them;
 *  - BACKUP in the backup folder records the source, the time, the
 *    catalogue's SHA-256 and the counts; restore checks the catalogue
 *    against it, every object against its hash, builds the new data
 *    folder under a temporary name, verifies it (objects and event chain)
 *    and only then renames it into place.
 */
#include "internal.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#define BACKUP_INFO_MAX 65536   /* bytes of a BACKUP file */
#define BUSY_TRIES 600          /* 50 ms apart: half a minute */

/* Put a copy of src's templates/ (if any) in place of dst's. */
static int sync_templates(const char *src, const char *dst,
	struct hd_error *e)
{
	char *from = hd_xasprintf("%s/templates", src);
	char *to = hd_xasprintf("%s/templates", dst);
	char *part = hd_xasprintf("%s/tmp/templates-%ld", dst,
		(long)getpid());
	char *old = hd_xasprintf("%s/tmp/oldtemplates-%ld", dst,
		(long)getpid());
	struct stat st;
	int rc = 0;

	hd_fs_rmtree(part);
	hd_fs_rmtree(old);
	if (lstat(from, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = hd_fs_copytree(from, part, 1, e);
		if (rc == 0 && rename(to, old) != 0 && errno != ENOENT) {
			rc = hd_err(e, HD_EIO, "%s: rename: %s", to,
				strerror(errno));
		}
		if (rc == 0 && rename(part, to) != 0) {
			rc = hd_err(e, HD_EIO, "%s: rename: %s", to,
				strerror(errno));
		}
	} else if (rename(to, old) != 0 && errno != ENOENT) {
		rc = hd_err(e, HD_EIO, "%s: rename: %s", to, strerror(errno));
	}
	hd_fs_rmtree(part);
	hd_fs_rmtree(old);
	free(from);
	free(to);
	free(part);
	free(old);
	return rc;
}

/* ---------------------------------------------------------- snapshots */

/* Copy the catalogue of the connection src into a new database file at
 * path with the online backup API (a consistent snapshot; a writer that
 * holds the database only delays it), in rollback-journal mode so the
 * copy is one self-contained file. */
static int snapshot(sqlite3 *src, const char *what, const char *path,
	struct hd_error *e)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *bk;
	int rc, tries = 0;

	unlink(path);
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = hd_err(e, HD_EIO, "%s: %s", path, dst ?
			sqlite3_errmsg(dst) : "cannot open");
		sqlite3_close(dst);
		return rc;
	}
	bk = sqlite3_backup_init(dst, "main", src, "main");
	if (bk == NULL) {
		rc = hd_err(e, HD_EDB, "%s: backup: %s", what,
			sqlite3_errmsg(dst));
		sqlite3_close(dst);
		unlink(path);
		return rc;
	}
	for (;;) {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_DONE) {
			break;
		}
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		    ++tries < BUSY_TRIES) {
			sqlite3_sleep(50);
			continue;
		}
		break;
	}
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		rc = hd_err(e, rc == SQLITE_BUSY ? HD_EBUSY : HD_EDB,
			"%s: backup: %s", what, sqlite3_errstr(rc));
		sqlite3_close(dst);
		unlink(path);
		return rc;
	}
	/* a pragma of the copy's own connection, which is no archive
	 * handle: the one statement here outside db.c's table */
	rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
		NULL);
	if (sqlite3_close(dst) != SQLITE_OK || rc != SQLITE_OK) {
		unlink(path);
		return hd_err(e, HD_EDB, "%s: cannot finish the copy", path);
	}
	return 0;
}

/* PRAGMA quick_check of an open archive: 0 or HD_ECORRUPT. */
static int quick_check(struct hd_archive *a, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_QUICK_CHECK, e);
	const char *r;
	int rc = 0;

	if (st == NULL) {
		return HD_EDB;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		r = (const char *)sqlite3_column_text(st, 0);
		if (r == NULL || strcmp(r, "ok") != 0) {
			rc = hd_err(e, HD_ECORRUPT, "%s/hongdang.db: %s",
				a->dir, r ? r : "quick_check failed");
		}
	} else {
		rc = hd_sql_err(a, e, "quick_check");
	}
	sqlite3_reset(st);
	return rc;
}

/* The records and events archive a holds into st->records and
 * st->events.  Returns 0 or HD_EDB. */
static int counts(struct hd_archive *a, struct hd_backup_stats *st,
	struct hd_error *e)
{
	struct hd_stats s;
	int rc;

	rc = hd_stats_get(a, HD_ARCHIVIST, &s, e);
	if (rc != 0) {
		return rc;
	}
	st->records = s.records;
	/* ids run from 1 without gaps: the last is the count */
	rc = hd_sql_get(a, SQL_EVENT_LAST, "count events", e, ">l",
		&st->events);
	return rc < 0 ? rc : 0;
}

/* Where copy_objects takes the objects from. */
enum copy_from {
	FROM_FOLDER,            /* a local store's folder */
	FROM_BUCKET,            /* snap's bucket (hd_store_read) */
	FROM_NONE               /* nowhere: they stay in the bucket */
};

/* The sink of fetch_into: into the file descriptor ud. */
static int fd_sink(void *ud, const void *p, size_t n)
{
	return hd_fs_write_all(*(int *)ud, p, n) == 0 ? 0 : -1;
}

/* Object sha of snap's bucket into the new file tmp, fsynced, *size its
 * bytes.  0; HD_ENOTFOUND or HD_ECORRUPT (tmp removed); or the store's
 * error (HD_EIO, HD_EDENIED) naming it. */
static int fetch_into(struct hd_archive *snap, const char *sha,
	const char *tmp, uint64_t *size, struct hd_error *e)
{
	char got[65];
	int fd, rc;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		return hd_err(e, HD_EIO, "%s: cannot create: %s", tmp,
			strerror(errno));
	}
	rc = hd_store_read(snap, sha, fd_sink, &fd, got, size, e);
	if (rc == 0 && fsync(fd) != 0) {
		rc = hd_err(e, HD_EIO, "%s: fsync: %s", tmp, strerror(errno));
	}
	close(fd);
	if (rc == 0 && strcmp(got, sha) != 0) {
		rc = hd_err(e, HD_ECORRUPT, "%s: damaged", sha);
	}
	if (rc != 0) {
		unlink(tmp);
	}
	return rc;
}

/* Copy every object the archive snap names from the store at from (or
 * snap's bucket, or nowhere: how) into the store at to (made), each
 * checked by its hash.  update: objects already in to are hashed and
 * kept when sound.  Problems of the source (damaged, missing) are
 * collected: the first in *e, all counted in *bad; a bucket out of reach
 * stops the copy. */
static int copy_objects(struct hd_archive *snap, enum copy_from how,
	const char *from, const char *to, const char *tmpdir, int update,
	struct hd_backup_stats *st, int64_t *bad, struct hd_error *e)
{
	unsigned char touched[256] = {0};
	sqlite3_stmt *q = hd_sql(snap, SQL_OBJECTS_ALL, e);
	char got[65], dir[PATH_MAX], *src = NULL, *dst = NULL, *tmp = NULL;
	struct hd_error fe;
	const char *sha;
	uint64_t size;
	unsigned seq = 0, b;
	int rc = 0, step, i;

	*bad = 0;
	if (q == NULL) {
		return HD_EDB;
	}
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		sha = (const char *)sqlite3_column_text(q, 0);
		if (!hd_sha_ok(sha)) {
			/* a crafted catalogue: no path is made of it */
			rc = hd_err(e, HD_EINVAL, "the catalogue names an "
				"object '%.80s' that is not a SHA-256",
				sha ? sha : "");
			break;
		}
		st->objects++;
		if (how == FROM_NONE) {
			continue;
		}
		free(src);
		free(dst);
		free(tmp);
		src = hd_xasprintf("%s/%.2s/%s", from, sha, sha + 2);
		dst = hd_xasprintf("%s/%.2s/%s", to, sha, sha + 2);
		tmp = hd_xasprintf("%s/obj-%ld-%u", tmpdir, (long)getpid(),
			seq++);
		if (update && access(dst, F_OK) == 0) {
			hd_err_clear(&fe);
			if (hd_sha256_file(dst, got, &size, &fe) == 0 &&
			    strcmp(got, sha) == 0) {
				st->kept++;
				continue;
			}
			st->replaced++;
		}
		snprintf(dir, sizeof dir, "%s/%.2s", to, sha);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			rc = hd_err(e, HD_EIO, "%s: cannot create: %s", dir,
				strerror(errno));
			break;
		}
		unlink(tmp);
		hd_err_clear(&fe);
		rc = how == FROM_BUCKET ? fetch_into(snap, sha, tmp, &size,
			&fe) : hd_fs_copy(src, tmp, sha, NULL, &size, &fe);
		if (rc == HD_ECORRUPT || rc == HD_ENOTFOUND) {
			if (*bad == 0) {
				hd_err(e, HD_ECORRUPT, "object %s: %s", sha,
					rc == HD_ENOTFOUND ? "missing from "
					"the store" : "damaged (its bytes no "
					"longer match its name)");
			}
			(*bad)++;
			rc = 0;
			continue;
		}
		if (rc != 0) {
			hd_err(e, fe.code, "%s", fe.msg);
			break;
		}
		if (rename(tmp, dst) != 0) {
			rc = hd_err(e, HD_EIO, "%s: rename: %s", dst,
				strerror(errno));
			unlink(tmp);
			break;
		}
		sscanf(sha, "%2x", &b);
		touched[b & 255] = 1;
		st->copied++;
		st->bytes += size;
	}
	sqlite3_reset(q);
	free(src);
	free(dst);
	free(tmp);
	for (i = 0; i < 256 && rc == 0; i++) {
		if (touched[i]) {
			snprintf(dir, sizeof dir, "%s/%02x", to, (unsigned)i);
			rc = hd_fs_fsync_dir(dir, e);
		}
	}
	if (rc == 0) {
		rc = hd_fs_fsync_dir(to, e);
	}
	return rc;
}

/* The value of "key: value" in a BACKUP file's text, or NULL; caller
 * frees. */
static char *info_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text, *end;

	while (p != NULL && *p) {
		if (strncmp(p, key, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ') {
				p++;
			}
			end = strchr(p, '\n');
			return end ? hd_xstrndup(p, (size_t)(end - p)) :
				hd_xstrdup(p);
		}
		p = strchr(p, '\n');
		if (p != NULL) {
			p++;
		}
	}
	return NULL;
}

/* The BACKUP file's text of folder dir, or NULL. */
static char *read_info(const char *dir)
{
	char *path = hd_xasprintf("%s/BACKUP", dir);
	unsigned char *buf = NULL;
	size_t n;

	if (hd_read_file(path, BACKUP_INFO_MAX, &buf, &n, NULL) != 0) {
		buf = NULL;
	}
	free(path);
	return (char *)buf;
}

/* An absolute form of path (its folder resolved, the last part kept),
 * for comparing places; caller frees. */
static char *absolute(const char *path)
{
	char *dir = hd_fs_parent(path), *real, *out;
	const char *base = strrchr(path, '/');

	real = realpath(dir, NULL);
	base = base ? base + 1 : path;
	out = real ? hd_xasprintf("%s/%s", strcmp(real, "/") ? real : "",
		base) : hd_xstrdup(path);
	free(real);
	free(dir);
	return out;
}

/* --------------------------------------------------------------- backup */

/* hd_backup_run: see hd.h.  The objects of a bucket stay there. */
int hd_backup_run(struct hd_archive *a, const char *dest,
	const struct hd_agent *agent, struct hd_backup_stats *st,
	struct hd_error *e)
{
	return hd_backup_run_objects(a, dest, 0, agent, st, e);
}

/* hd_backup_run_objects: see hd_s3.h.  Built under dest's temporary name
 * for a new backup, in place for an update; every error path removes what
 * this run made. */
int hd_backup_run_objects(struct hd_archive *a, const char *dest,
	int objects, const struct hd_agent *agent,
	struct hd_backup_stats *st, struct hd_error *e)
{
	struct hd_archive *snap = NULL;
	char *target = NULL, *tmpdir = NULL, *snapdir = NULL, *snapdb = NULL;
	char *objdir = NULL, *db = NULL, *info = NULL, *p = NULL;
	char *src = NULL, *dst = NULL, *detail = NULL, now[32];
	int64_t bad = 0;
	int state = 0, update = 0, rc;
	struct hd_buf b;

	memset(st, 0, sizeof *st);
	hd_buf_init(&b);
	src = realpath(a->dir, NULL);
	dst = absolute(dest);
	if (src == NULL) {
		rc = hd_err(e, HD_EIO, "%s: %s", a->dir, strerror(errno));
		goto out;
	}
	if (strncmp(dst, src, strlen(src)) == 0 &&
	    (dst[strlen(src)] == '/' || dst[strlen(src)] == '\0')) {
		rc = hd_err(e, HD_EUSAGE, "%s: a backup cannot go inside the "
			"data folder it copies", dest);
		goto out;
	}
	state = hd_fs_state(dest);
	if (state == 3) {
		rc = hd_err(e, HD_EEXIST, "%s: exists and is not a folder",
			dest);
		goto out;
	}
	if (state == 2) {
		info = read_info(dest);
		if (info == NULL || strncmp(info, "hongdang backup\n", 16)) {
			rc = hd_err(e, HD_EEXIST, "%s: holds files that are "
				"not a Hongdang backup; choose an empty or new "
				"folder", dest);
			goto out;
		}
		update = 1;
		target = hd_xstrdup(dest);
	} else {
		target = hd_staging_name(dest);
		hd_fs_rmtree(target);
	}
	tmpdir = hd_xasprintf("%s/tmp", target);
	if (update) {
		/* an earlier backup into it that was killed */
		hd_tmp_sweep(tmpdir);
	}
	objdir = hd_xasprintf("%s/objects", target);
	snapdir = hd_xasprintf("%s/snap-%ld", tmpdir, (long)getpid());
	snapdb = hd_xasprintf("%s/hongdang.db", snapdir);
	hd_fs_rmtree(snapdir);
	rc = hd_fs_mkdirs(snapdir, e);
	if (rc == 0) {
		rc = hd_fs_mkdirs(objdir, e);
	}
	if (rc == 0) {
		rc = snapshot(a->db, a->dir, snapdb, e);
	}
	if (rc == 0) {
		rc = hd_archive_open(snapdir, 1, &snap, e);
	}
	if (rc == 0) {
		rc = quick_check(snap, e);
	}
	if (rc == 0) {
		rc = copy_objects(snap, a->s3 == NULL ? FROM_FOLDER :
			objects ? FROM_BUCKET : FROM_NONE, a->objdir, objdir,
			tmpdir, update, st, &bad, e);
	}
	if (rc == 0 && bad > 0) {
		rc = HD_ECORRUPT;
		if (bad > 1) {
			p = hd_xstrdup(e->msg);
			hd_err(e, HD_ECORRUPT, "%s (and %lld more): run "
				"'hongdang verify'", p, (long long)(bad - 1));
		}
	}
	if (rc == 0) {
		rc = counts(snap, st, e);
	}
	hd_archive_close(snap);
	snap = NULL;
	if (rc == 0) {
		rc = hd_sha256_file(snapdb, st->db_sha256, NULL, e);
	}
	if (rc == 0) {
		/* a stale journal beside the old copy must not meet the new
		 * one */
		db = hd_xasprintf("%s/hongdang.db", target);
		free(p);
		p = hd_xasprintf("%s-wal", db);
		unlink(p);
		free(p);
		p = hd_xasprintf("%s-shm", db);
		unlink(p);
		free(p);
		p = hd_xasprintf("%s-journal", db);
		unlink(p);
		if (rename(snapdb, db) != 0) {
			rc = hd_err(e, HD_EIO, "%s: rename: %s", db,
				strerror(errno));
		}
	}
	if (rc == 0) {
		rc = sync_templates(a->dir, target, e);
	}
	if (rc == 0) {
		hd_now_iso(now);
		hd_buf_printf(&b, "hongdang backup\nsource: %s\nfonds: %s %s\n"
			"made: %s\ncatalogue-sha256: %s\nobjects: %lld\n"
			"records: %lld\nevents: %lld\n", src,
			a->fonds_code ? a->fonds_code : "",
			a->fonds_name ? a->fonds_name : "", now, st->db_sha256,
			(long long)st->objects, (long long)st->records,
			(long long)st->events);
		free(p);
		p = hd_xasprintf("%s/BACKUP", target);
		rc = hd_fs_replace(p, b.p, b.len, e);
	}
	if (rc == 0) {
		rc = hd_fs_fsync_dir(target, e);
	}
	if (rc == 0 && !update) {
		if (state == 1 && rmdir(dest) != 0) {
			rc = hd_err(e, HD_EIO, "%s: %s", dest, strerror(errno));
		} else if (rename(target, dest) != 0) {
			rc = hd_err(e, HD_EIO, "%s: rename: %s", dest,
				strerror(errno));
		} else {
			free(p);
			p = hd_fs_parent(dst);
			rc = hd_fs_fsync_dir(p, e);
		}
	}
	if (rc == 0 && !a->readonly) {
		detail = hd_xasprintf("backup to %s: %lld objects (%lld "
			"copied, %lld kept, %lld replaced), catalogue "
			"sha256 %s",
			dst, (long long)st->objects, (long long)st->copied,
			(long long)st->kept, (long long)st->replaced,
			st->db_sha256);
		rc = hd_tx_begin(a, e);
		if (rc == 0) {
			rc = hd_event_add(a, "backup", 0, agent, detail, e);
			if (rc == 0) {
				rc = hd_tx_commit(a, e);
			} else {
				hd_tx_rollback(a);
			}
		}
	}
out:
	if (snapdir != NULL) {
		hd_fs_rmtree(snapdir);
	}
	if (rc != 0 && target != NULL && !update && access(target, F_OK) ==
	    0 && strcmp(target, dest) != 0) {
		hd_fs_rmtree(target);
	}
	hd_archive_close(snap);
	hd_buf_release(&b);
	free(target);
	free(tmpdir);
	free(snapdir);
	free(snapdb);
	free(objdir);
	free(db);
	free(info);
	free(p);
	free(src);
	free(dst);
	free(detail);
	return rc;
}

/* -------------------------------------------------------------- restore */

/* hd_restore_run: see hd.h.  Built under a temporary name beside dir and
 * renamed only after the restored archive verified; removed on any
 * error. */
int hd_restore_run(const char *src, const char *dir,
	const struct hd_agent *agent, struct hd_backup_stats *st,
	struct hd_verify *v, struct hd_error *e)
{
	struct hd_archive *snap = NULL, *a = NULL;
	char *target = NULL, *info = NULL, *want = NULL, *path = NULL;
	char *objdir = NULL, *tmpdir = NULL, *made = NULL, *parent = NULL;
	char *detail = NULL, *abs = NULL;
	int64_t bad = 0;
	int state, rc;

	memset(st, 0, sizeof *st);
	memset(v, 0, sizeof *v);
	state = hd_fs_state(dir);
	if (state == 2 || state == 3) {
		return hd_err(e, HD_EEXIST, "%s: not empty; restore goes into "
			"a new or empty folder", dir);
	}
	path = hd_xasprintf("%s/hongdang.db", src);
	if (access(path, R_OK) != 0) {
		rc = hd_err(e, HD_ENOTFOUND, "%s: no backup here (no "
			"hongdang.db)", src);
		goto out;
	}
	info = read_info(src);
	want = info ? info_value(info, "catalogue-sha256") : NULL;
	made = info ? info_value(info, "made") : NULL;
	if (want != NULL) {
		rc = hd_sha256_file(path, st->db_sha256, NULL, e);
		if (rc == 0 && strcmp(want, st->db_sha256) != 0) {
			rc = hd_err(e, HD_ECORRUPT, "%s: damaged: its SHA-256 "
				"is not the one BACKUP records (%.16s…)", path,
				want);
		}
		if (rc != 0) {
			goto out;
		}
	}
	parent = hd_fs_parent(dir);
	rc = hd_fs_mkdirs(parent, e);
	if (rc != 0) {
		goto out;
	}
	target = hd_staging_name(dir);
	hd_fs_rmtree(target);
	objdir = hd_xasprintf("%s/objects", target);
	tmpdir = hd_xasprintf("%s/tmp", target);
	rc = hd_fs_mkdirs(objdir, e);
	if (rc == 0) {
		rc = hd_fs_mkdirs(tmpdir, e);
	}
	if (rc == 0) {
		rc = hd_archive_open(src, 1, &snap, e);
	}
	if (rc == 0) {
		rc = quick_check(snap, e);
	}
	if (rc == 0) {
		free(path);
		path = hd_xasprintf("%s/hongdang.db", target);
		rc = snapshot(snap->db, src, path, e);
	}
	if (rc == 0) {
		free(path);
		path = hd_xasprintf("%s/objects", src);
		/* an archive on a bucket finds its objects there again */
		rc = copy_objects(snap, snap->s3 == NULL ? FROM_FOLDER :
			FROM_NONE, path, objdir, tmpdir, 0, st, &bad, e);
	}
	if (rc == 0 && bad > 0) {
		free(path);
		path = hd_xstrdup(e->msg);
		rc = hd_err(e, HD_ECORRUPT, "the backup is damaged: %s%s",
			path, bad > 1 ? " (and more)" : "");
	}
	if (rc == 0) {
		rc = counts(snap, st, e);
	}
	hd_archive_close(snap);
	snap = NULL;
	if (rc == 0) {
		rc = sync_templates(src, target, e);
	}
	if (rc == 0) {
		rc = hd_archive_open(target, 0, &a, e);
	}
	if (rc == 0) {
		rc = hd_verify_run(a, v, e);
	}
	if (rc == 0 && (v->ndamaged > 0 || v->nmissing > 0 || !v->chain_ok)) {
		rc = hd_err(e, HD_ECORRUPT, "the restored archive does not "
			"verify: %zu damaged, %zu missing objects%s%s",
			v->ndamaged, v->nmissing, v->chain_ok ? "" : "; ",
			v->chain_ok ? "" : v->chain_reason);
	}
	if (rc == 0) {
		abs = absolute(src);
		detail = hd_xasprintf("restored from %s (backup made %s)", abs,
			made ? made : "at an unknown time");
		rc = hd_tx_begin(a, e);
		if (rc == 0) {
			rc = hd_event_add(a, "restore", 0, agent, detail, e);
			if (rc == 0) {
				rc = hd_tx_commit(a, e);
			} else {
				hd_tx_rollback(a);
			}
		}
	}
	hd_archive_close(a);
	a = NULL;
	if (rc == 0) {
		free(path);
		path = hd_xasprintf("%s/tmp", target);
		hd_fs_rmtree(path);
		rc = hd_fs_mkdirs(path, e);
	}
	if (rc == 0) {
		rc = hd_fs_fsync_dir(target, e);
	}
	if (rc == 0) {
		if (state == 1 && rmdir(dir) != 0) {
			rc = hd_err(e, HD_EIO, "%s: %s", dir, strerror(errno));
		} else if (rename(target, dir) != 0) {
			rc = hd_err(e, HD_EIO, "%s: rename: %s", dir,
				strerror(errno));
		} else {
			rc = hd_fs_fsync_dir(parent, e);
		}
	}
out:
	hd_archive_close(snap);
	hd_archive_close(a);
	if (rc != 0 && target != NULL) {
		hd_fs_rmtree(target);
	}
	free(target);
	free(info);
	free(want);
	free(made);
	free(path);
	free(objdir);
	free(tmpdir);
	free(parent);
	free(detail);
	free(abs);
	return rc;
}

/* ------------------------------------------------------- the last one */

/* See hd_desk.h. */
void hd_backup_last_release(struct hd_backup_last *b)
{
	free(b->agent);
	free(b->dest);
	free(b->detail);
	memset(b, 0, sizeof *b);
}

/* The destination, object count and catalogue hash out of a "backup"
 * event's detail into b, as hd_backup_run writes it ("backup to DEST: N
 * objects (…), catalogue sha256 HEX"; DEST may hold ": " itself, the
 * count is what comes before " objects ("). */
static void last_parse(struct hd_backup_last *b)
{
	const char *d = b->detail, *p, *q, *sha;

	p = strstr(d, " objects (");
	if (strncmp(d, "backup to ", 10) != 0 || p == NULL) {
		return;
	}
	for (q = p; q > d + 10 && q[-1] >= '0' && q[-1] <= '9'; q--) {
	}
	if (q < p && q - d >= 12 && q[-2] == ':' && q[-1] == ' ') {
		b->dest = hd_xstrndup(d + 10, (size_t)(q - 2 - (d + 10)));
		b->objects = strtoll(q, NULL, 10);
	}
	sha = strstr(p, "catalogue sha256 ");
	if (sha != NULL) {
		snprintf(b->db_sha256, sizeof b->db_sha256, "%.64s",
			sha + strlen("catalogue sha256 "));
	}
}

/* See hd_desk.h.  The backup folder's BACKUP file is read (a small
 * file), nothing is hashed: the objects were checked as they were
 * copied. */
int hd_backup_last(struct hd_archive *a, struct hd_backup_last *b,
	struct hd_error *e)
{
	struct hd_audit_query q;
	struct hd_event *v = NULL;
	char *info = NULL, *sha = NULL, *made = NULL;
	size_t n = 0;
	int rc;

	memset(b, 0, sizeof *b);
	memset(&q, 0, sizeof q);
	q.type = "backup";
	q.limit = 1;
	q.newest_first = 1;
	rc = hd_audit_list(a, &q, &v, &n, NULL, e);
	if (rc != 0) {
		return rc;
	}
	if (n == 0) {
		hd_events_free(v, n);
		return hd_err(e, HD_ENOTFOUND, "no backup was made yet");
	}
	snprintf(b->at, sizeof b->at, "%s", v[0].at);
	b->agent = hd_xstrdup(v[0].agent ? v[0].agent : "");
	b->detail = hd_xstrdup(v[0].detail ? v[0].detail : "");
	hd_events_free(v, n);
	last_parse(b);
	info = b->dest != NULL ? read_info(b->dest) : NULL;
	if (info != NULL && strncmp(info, "hongdang backup\n", 16) == 0) {
		sha = info_value(info, "catalogue-sha256");
		made = info_value(info, "made");
		b->present = sha != NULL && strcmp(sha, b->db_sha256) == 0 ?
			1 : -1;
		snprintf(b->made, sizeof b->made, "%s", made ? made : "");
	}
	free(info);
	free(sha);
	free(made);
	return 0;
}
