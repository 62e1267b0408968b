/*
 * receive.c - stage 1 of ingest: the PATH arguments become batch items.
 *
 * A PATH is a file, a folder, an archive (zip, tar, tar.gz/bz2/xz/zst,
 * 7z: told by content through libarchive, never by extension) or a BagIt
 * bag (a folder with bagit.txt, or an archive whose root, or whose single
 * top folder, is one).  What this stage guarantees to the stages after it:
 *
 *  - every item path is relative, '/'-separated, UTF-8 NFC, without ".."
 *    (it went through entry_name_check), and every item source is a
 *    regular file: in the folder given, or in a private folder made with
 *    mkdtemp under DATA/tmp/ (listed in b->tmpdirs for batch_release);
 *  - an archive is never unpacked by libarchive onto the disk: each entry
 *    is written by us, under our own checked name, with O_CREAT|O_EXCL|
 *    O_NOFOLLOW, so no entry can reach outside the private folder;
 *  - a hostile input refuses the whole batch (HD_EREJECT, the reason in
 *    *e and in b->rejected): an entry name with "..", an absolute path or
 *    a drive letter; a link entry (symbolic or hard) or a device, FIFO or
 *    socket entry; a symbolic link in a folder that leads outside it; more
 *    entries, bytes, bytes a file, or a compression ratio than b->lim
 *    allows (the ratio is checked while bytes stream out, once 1 MiB has
 *    come out, so a zip bomb stops early); a truncated or corrupt archive;
 *    an invalid bag (every problem listed);
 *  - a file that cannot be read (permission) or is no regular file is
 *    noted in b->rejected and receiving goes on, so the report lists all
 *    of them;
 *  - items come out sorted by path.
 *
 * Choices:
 *  - paths are relative to their PATH argument: a folder's files to the
 *    folder, an archive's to its root, a bag's to its data/, a lone file
 *    is its own name.  When two arguments give the same path, each of
 *    the clashing items is prefixed with its argument's name (the folder
 *    or archive name, or for a lone file the folder holding it); a clash
 *    that remains (two names equal once in NFC) is noted as a rejection;
 *  - a symbolic link inside a folder that stays inside it is skipped with
 *    a warning (never followed, so nothing is counted twice and no loop
 *    is walked); a PATH argument that is itself a link is followed: the
 *    archivist named it;
 *  - files that operating systems leave behind (.DS_Store, Thumbs.db,
 *    desktop.ini, AppleDouble "._x", __MACOSX/) are skipped with a
 *    warning in folders and archives; a bag's payload is taken whole;
 *  - a zip that is an office document (OOXML [Content_Types].xml, ODF or
 *    EPUB mimetype, OFD.xml) is one file, not a batch;
 *  - archives nested in archives are items, not unpacked;
 *  - a BagIt bag must be the only PATH of its batch (b->is_bag and
 *    b->bag_info describe that one bag).
 * Archive entry names are read raw under a C.UTF-8 thread locale: then
 * libarchive neither mangles UTF-8 names (zip UTF-8 flag, pax, 7z) nor
 * converts GBK ones, and entry_name_check settles the encoding.
 */
#include "ingest.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_CHUNK 65536
#define RATIO_FLOOR ((uint64_t)1 << 20) /* ratio applies past 1 MiB out */
#define WALK_MAX_DEPTH 256

/* The state of receiving one batch. */
struct rcv {
	struct batch *b;
	struct hd_error *e;
	size_t npaths;
	int refused;            /* a whole-batch refusal was noted */
	uint64_t total;         /* bytes of all items so far */
	const char *input;      /* the PATH argument being received */
	int root;               /* its index */
	char **rootnames;       /* per root: name used to prefix clashes */
};


static void refuse(struct rcv *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Refuse the whole batch because of the current input: the reason goes
 * to b->rejected (path: the input) and, for the first refusal, to *e as
 * "INPUT: reason". */
static void refuse(struct rcv *r, const char *fmt, ...)
{
	char shown[HD_SHOW_SIZE];
	char *raw = NULL, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) < 0) {
		raw = NULL;
	}
	va_end(ap);
	msg = raw != NULL ? hd_utf8_printable(raw, strlen(raw), 0) :
		hd_xstrdup("refused");
	hd_name_show(r->input, shown);
	batch_reject(r->b, shown, "%s", msg);
	if (!r->refused) {
		hd_err(r->e, HD_EREJECT, "%s: %s", shown, msg);
	}
	r->refused = 1;
	free(raw);
	free(msg);
}

/* The caps every file of the batch passes, wherever it comes from.
 * Returns 0, or 1 after refusing the batch. */
static int caps_check(struct rcv *r, const char *path, uint64_t size)
{
	const struct batch_limits *l = &r->b->lim;

	if (r->b->nitems >= l->max_entries) {
		refuse(r, "more than %zu files in the batch (at '%s')",
			l->max_entries, path);
		return 1;
	}
	if (size > l->max_entry) {
		refuse(r, "'%s' is %llu bytes, over the cap of %llu bytes a "
			"file", path, (unsigned long long)size,
			(unsigned long long)l->max_entry);
		return 1;
	}
	if (r->total + size > l->max_total) {
		refuse(r, "the batch passes the cap of %llu bytes (at '%s')",
			(unsigned long long)l->max_total, path);
		return 1;
	}
	return 0;
}

/* 1 for a file operating systems leave behind, not a record. */
static int is_junk(const char *name, int is_dir)
{
	if (is_dir) {
		return strcmp(name, "__MACOSX") == 0;
	}
	return hd_fs_system_file(name);
}

/* qsort order of strings: bytewise. */
static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorted names in the folder path (caller frees with hd_strv_free), or
 * NULL with errno set. */
static char **list_dir(const char *path, size_t *n)
{
	struct dirent *de;
	char **v = NULL;
	DIR *d;

	*n = 0;
	d = opendir(path);
	if (d == NULL) {
		return NULL;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			break;
		}
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			hd_strv_add(&v, n, de->d_name);
		}
	}
	closedir(d);
	if (*n > 1) {
		qsort(v, *n, sizeof *v, cmp_str);
	}
	if (v == NULL) {
		v = hd_xcalloc(1, sizeof *v);
	}
	return v;
}

/* 1 when the resolved path p lies inside the resolved folder top. */
static int inside(const char *p, const char *top)
{
	size_t n = strlen(top);

	if (strcmp(top, "/") == 0) {
		return 1;
	}
	return strncmp(p, top, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

/* Walk the folder top/rel (rel "" at the top) and add its regular files
 * with paths relative to top.  realtop: top resolved, for links.  junk: 1
 * to skip system files.  Returns 0, 1 when the batch was refused (the
 * walk stops), or HD_EIO. */
static int walk(struct rcv *r, const char *top, const char *realtop,
	const char *rel, int depth, int junk)
{
	char shown[HD_SHOW_SIZE];
	struct hd_error ne;
	struct stat st;
	char **names = NULL, *dir = NULL, *full = NULL, *sub = NULL;
	char *path = NULL, *real = NULL;
	size_t n = 0, i;
	int fd, rc = 0;

	dir = rel[0] != '\0' ? hd_xasprintf("%s/%s", top, rel) :
		hd_xstrdup(top);
	if (depth > WALK_MAX_DEPTH) {
		refuse(r, "folders nested over %d deep at '%s'",
			WALK_MAX_DEPTH, hd_name_show(rel, shown));
		rc = 1;
		goto done;
	}
	names = list_dir(dir, &n);
	if (names == NULL) {
		batch_reject(r->b, hd_name_show(rel[0] != '\0' ? rel : r->input,
			shown), "cannot read the folder: %s", strerror(errno));
		goto done;
	}
	for (i = 0; i < n && rc == 0; i++) {
		free(full);
		free(sub);
		free(path);
		free(real);
		path = NULL;
		real = NULL;
		full = hd_xasprintf("%s/%s", dir, names[i]);
		sub = rel[0] != '\0' ? hd_xasprintf("%s/%s", rel, names[i]) :
			hd_xstrdup(names[i]);
		if (lstat(full, &st) != 0) {
			batch_reject(r->b, hd_name_show(sub, shown),
				"cannot read: %s", strerror(errno));
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			real = realpath(full, NULL);
			if (real == NULL) {
				batch_warn(r->b, hd_name_show(sub, shown),
					"symbolic link that leads nowhere; "
					"skipped");
			} else if (inside(real, realtop)) {
				batch_warn(r->b, hd_name_show(sub, shown),
					"symbolic link inside the batch; "
					"skipped, not followed");
			} else {
				refuse(r, "symbolic link '%s' points outside "
					"the batch (to '%s')",
					hd_name_show(sub, shown), real);
				rc = 1;
			}
			continue;
		}
		if (junk && is_junk(names[i], S_ISDIR(st.st_mode))) {
			batch_warn(r->b, hd_name_show(sub, shown), "left by "
				"the operating system, not a record; skipped");
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = walk(r, top, realtop, sub, depth + 1, junk);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			batch_reject(r->b, hd_name_show(sub, shown), "not a "
				"regular file (device, FIFO or socket)");
			continue;
		}
		hd_err_clear(&ne);
		if (entry_name_check(sub, strlen(sub), &path, &ne) != 0) {
			batch_reject(r->b, hd_name_show(sub, shown), "%s",
				ne.msg);
			continue;
		}
		fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC);
		if (fd < 0) {
			batch_reject(r->b, path, "cannot read: %s",
				strerror(errno));
			continue;
		}
		close(fd);
		if (caps_check(r, path, (uint64_t)st.st_size) != 0) {
			rc = 1;
			continue;
		}
		batch_add(r->b, path, full, (uint64_t)st.st_size, r->root);
		r->total += (uint64_t)st.st_size;
	}
done:
	hd_strv_free(names, n);
	free(dir);
	free(full);
	free(sub);
	free(path);
	free(real);
	return rc;
}

/* Add the files of a folder (top) as items.  Returns as walk. */
static int add_folder(struct rcv *r, const char *top, int junk)
{
	char shown[HD_SHOW_SIZE];
	char *real = realpath(top, NULL);
	size_t before = r->b->nitems;
	int rc;

	if (real == NULL) {
		batch_reject(r->b, hd_name_show(r->input, shown),
			"cannot read: %s", strerror(errno));
		return 0;
	}
	rc = walk(r, top, real, "", 0, junk);
	free(real);
	if (rc == 0 && r->b->nitems == before) {
		batch_warn(r->b, hd_name_show(r->input, shown),
			"holds no files");
	}
	return rc;
}

/* ---------------------------------------------------------------- bags */

/* Validate the bag in dir (hd_bag_validate) and, when valid, add its
 * payload (paths relative to data/), its warnings (a payload file's
 * under its path, the others under the input) and its bag-info.txt
 * (b->bag_info).  An invalid bag refuses the batch, each problem one
 * line of b->rejected.  Returns 0, 1 when refused, HD_EIO. */
static int add_bag(struct rcv *r, const char *dir)
{
	struct hd_bag_report rep;
	struct hd_error ve;
	char shown[HD_SHOW_SIZE];
	const char *p;
	char *data = NULL;
	size_t i;
	int rc = 0, first;

	hd_name_show(r->input, shown);
	if (r->npaths > 1) {
		refuse(r, "a BagIt bag is received on its own, not with "
			"other paths");
		return 1;
	}
	if (hd_bag_validate(dir, &rep, &ve) != 0) {
		first = !r->refused;
		for (i = 0; i < rep.nerrs; i++) {
			batch_reject(r->b, shown, "%s", rep.errs[i].msg);
		}
		if (first) {
			hd_err(r->e, HD_EREJECT, "%s: invalid BagIt bag, %zu "
				"problem%s: %s%s", shown, rep.nerrs,
				rep.nerrs == 1 ? "" : "s", rep.errs[0].msg,
				rep.nerrs > 1 ? " (and more)" : "");
		}
		r->refused = 1;
		rc = 1;
		goto done;
	}
	for (i = 0; i < rep.nwarns; i++) {
		p = rep.warns[i].path;
		batch_warn(r->b, strncmp(p, "data/", 5) == 0 ? p + 5 : shown,
			"%s", rep.warns[i].msg);
	}
	data = hd_xasprintf("%s/data", dir);
	rc = add_folder(r, data, 0);
	if (rc == 0) {
		r->b->is_bag = 1;
		hd_bag_tags_free(r->b->bag_info, r->b->nbag_info);
		r->b->bag_info = rep.info;
		r->b->nbag_info = rep.ninfo;
		rep.info = NULL;
		rep.ninfo = 0;
	}
done:
	hd_bag_report_release(&rep);
	free(data);
	return rc;
}

/* ------------------------------------------------------------ archives */

/* A reader for the formats and filters a batch may come in.  External
 * decompression programs are never run: only built-in filters. */
static struct archive *reader_new(void)
{
	struct archive *a = archive_read_new();

	if (a == NULL) {
		abort();        /* out of memory: the one permitted exit */
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_7zip(a);
	return a;
}

/* Create the folders of rel below the folder fd top and, unless dir is
 * set, the file itself (O_EXCL: an entry given twice is caught).
 * *out receives the file's descriptor.  Returns 0, 1 when the name clashes
 * with an earlier entry, -1 on a file system error (errno set). */
static int make_path(int top, const char *rel, int dir, int *out)
{
	char *copy = hd_xstrdup(rel), *comp = copy, *slash;
	struct stat st;
	int dfd = top, nd, rc = -1;

	*out = -1;
	for (;;) {
		slash = strchr(comp, '/');
		if (slash == NULL) {
			break;
		}
		*slash = '\0';
		if (mkdirat(dfd, comp, 0700) != 0 && errno != EEXIST) {
			goto done;
		}
		nd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
		if (nd < 0) {
			rc = errno == ENOTDIR || errno == ELOOP ? 1 : -1;
			goto done;
		}
		if (dfd != top) {
			close(dfd);
		}
		dfd = nd;
		comp = slash + 1;
	}
	if (dir) {
		if (mkdirat(dfd, comp, 0700) != 0) {
			if (errno != EEXIST) {
				goto done;
			}
			if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISDIR(st.st_mode)) {
				rc = 1;
				goto done;
			}
		}
		rc = 0;
		goto done;
	}
	*out = openat(dfd, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		O_CLOEXEC, 0600);
	if (*out < 0) {
		rc = errno == EEXIST ? 1 : -1;
		goto done;
	}
	rc = 0;
done:
	if (dfd != top) {
		close(dfd);
	}
	free(copy);
	return rc;
}

/* A private folder DATA/tmp/rcv-PID-XXXXXX for one archive, recorded in
 * b->tmpdirs (the "-PID-" lets the store's sweep remove it after a
 * crash).  Returns a new string, or NULL with *e set. */
static char *private_dir(struct rcv *r)
{
	const char *base = NULL;
	char *parent, *dir;

	if (r->b->a != NULL) {
		parent = hd_xasprintf("%s/tmp", hd_archive_dir(r->b->a));
	} else {
		base = getenv("TMPDIR");
		parent = hd_xstrdup(base != NULL && base[0] != '\0' ? base :
			"/tmp");
	}
	if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
		hd_err(r->e, HD_EIO, "%s: cannot create: %s", parent,
			strerror(errno));
		free(parent);
		return NULL;
	}
	dir = hd_xasprintf("%s/rcv-%ld-XXXXXX", parent, (long)getpid());
	free(parent);
	if (mkdtemp(dir) == NULL) {
		hd_err(r->e, HD_EIO, "%s: cannot create: %s", dir,
			strerror(errno));
		free(dir);
		return NULL;
	}
	r->b->tmpdirs = hd_xrealloc(r->b->tmpdirs,
		(r->b->ntmpdirs + 1) * sizeof *r->b->tmpdirs);
	r->b->tmpdirs[r->b->ntmpdirs++] = hd_xstrdup(dir);
	return dir;
}

/* 1 when a zip's root entry name marks an office document. */
static int doc_marker(const char *name, int first)
{
	return strcmp(name, "[Content_Types].xml") == 0 ||
		strcmp(name, "OFD.xml") == 0 ||
		(first && strcmp(name, "mimetype") == 0);
}

/* Stream the current entry's bytes into fd, checking the caps as bytes
 * come.  *out counts the archive's bytes so far.  Returns 0, 1 refused,
 * HD_EIO. */
static int copy_entry(struct rcv *r, struct archive *a, const char *path,
	int fd, uint64_t arsize, uint64_t *out)
{
	const struct batch_limits *l = &r->b->lim;
	char *buf = hd_xmalloc(IO_CHUNK);
	uint64_t size = 0;
	la_ssize_t n;
	int rc = 0;

	for (;;) {
		n = archive_read_data(a, buf, IO_CHUNK);
		if (n == 0) {
			break;
		}
		if (n < 0) {
			refuse(r, "entry '%s': %s", path,
				archive_error_string(a) != NULL ?
				archive_error_string(a) : "cannot read");
			rc = 1;
			break;
		}
		size += (uint64_t)n;
		*out += (uint64_t)n;
		if (size > l->max_entry) {
			refuse(r, "entry '%s' is over the cap of %llu bytes "
				"a file", path,
				(unsigned long long)l->max_entry);
			rc = 1;
			break;
		}
		if (r->total + *out > l->max_total) {
			refuse(r, "the batch passes the cap of %llu bytes "
				"(at entry '%s')",
				(unsigned long long)l->max_total, path);
			rc = 1;
			break;
		}
		if (*out > RATIO_FLOOR &&
		    (double)*out > l->max_ratio * (double)arsize) {
			refuse(r, "compression ratio over %g (entry '%s'): "
				"refused as a zip bomb", l->max_ratio, path);
			rc = 1;
			break;
		}
		if (hd_fs_write_all(fd, buf, (size_t)n) != 0) {
			rc = hd_err(r->e, HD_EIO, "%s: cannot write: %s",
				path, strerror(errno));
			break;
		}
	}
	free(buf);
	return rc;
}

/* make_path's failure k for entry path: 1 refuses the batch (an entry
 * given twice), -1 is a file system error.  Returns 1 or HD_EIO. */
static int clash(struct rcv *r, int k, const char *path)
{
	if (k > 0) {
		refuse(r, "entry '%s' is given twice, or clashes with a "
			"folder or file of the same name", path);
		return 1;
	}
	return hd_err(r->e, HD_EIO, "%s: cannot create: %s", path,
		strerror(errno));
}

/* 1 when an archive entry's name is only "." and "/" components ("./",
 * ".", "././"): GNU tar's entry for the folder it was run in, which is
 * the batch itself, not a file of it. */
static int batch_root(const char *raw)
{
	const char *p;

	for (p = raw; *p != '\0'; p++) {
		if (*p != '.' && *p != '/') {
			return 0;
		}
		if (p[0] == '.' && p[1] == '.') {
			return 0;
		}
	}
	return 1;
}

/* Extract every entry of the open reader a (its first header not yet
 * read) into the folder fd top.  *doc is set when the zip turns out to be
 * an office document (extraction stops).  Returns 0, 1 refused, HD_EIO. */
static int extract(struct rcv *r, struct archive *a, int top,
	uint64_t arsize, int *doc)
{
	const struct batch_limits *l = &r->b->lim;
	char shown[HD_SHOW_SIZE];
	struct archive_entry *ent;
	struct hd_error ne;
	const char *raw, *target;
	char *path = NULL;
	uint64_t out = 0;
	size_t count = 0;
	mode_t type;
	int k, fd = -1, rc = 0, zip;

	*doc = 0;
	for (;;) {
		free(path);
		path = NULL;
		k = archive_read_next_header(a, &ent);
		if (k == ARCHIVE_EOF) {
			break;
		}
		if (k != ARCHIVE_OK && k != ARCHIVE_WARN) {
			refuse(r, "%s", archive_error_string(a) != NULL ?
				archive_error_string(a) : "corrupt archive");
			rc = 1;
			break;
		}
		zip = archive_format(a) == ARCHIVE_FORMAT_ZIP ||
			(archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) ==
			ARCHIVE_FORMAT_ZIP;
		if (++count > l->max_entries) {
			refuse(r, "more than %zu entries", l->max_entries);
			rc = 1;
			break;
		}
		raw = archive_entry_pathname(ent);
		if (raw == NULL) {
			refuse(r, "entry %zu has no name", count);
			rc = 1;
			break;
		}
		if (zip && doc_marker(raw, count == 1)) {
			*doc = 1;
			break;
		}
		type = archive_entry_filetype(ent);
		if (type == AE_IFDIR && batch_root(raw)) {
			continue;       /* "./" of tar -c . : the batch itself */
		}
		if (type == 0 && archive_entry_size_is_set(ent)) {
			/* a mode without file-type bits (py7zr writes such):
			 * an entry with a size is a plain file, as 7z itself
			 * extracts it */
			type = AE_IFREG;
		}
		hd_err_clear(&ne);
		if (entry_name_check(raw, strlen(raw), &path, &ne) != 0) {
			refuse(r, "%s", ne.msg);
			rc = 1;
			break;
		}
		target = archive_entry_hardlink(ent);
		if (target != NULL) {
			refuse(r, "entry '%s' is a hard link (to '%s'); "
				"links are not accepted", path,
				hd_name_show(target, shown));
			rc = 1;
			break;
		}
		if (type == AE_IFLNK) {
			target = archive_entry_symlink(ent);
			refuse(r, "entry '%s' is a symbolic link (to '%s'); "
				"links are not accepted", path,
				hd_name_show(target != NULL ? target : "?",
				shown));
			rc = 1;
			break;
		}
		if (type == AE_IFDIR) {
			k = make_path(top, path, 1, &fd);
			if (k != 0) {
				rc = clash(r, k, path);
				break;
			}
			continue;
		}
		if (type != AE_IFREG) {
			refuse(r, "entry '%s' is a device, FIFO or socket",
				path);
			rc = 1;
			break;
		}
		if (archive_entry_is_encrypted(ent)) {
			refuse(r, "entry '%s' is encrypted", path);
			rc = 1;
			break;
		}
		if (archive_entry_size_is_set(ent) &&
		    (uint64_t)archive_entry_size(ent) > l->max_entry) {
			refuse(r, "entry '%s' is %lld bytes, over the cap of "
				"%llu bytes a file", path,
				(long long)archive_entry_size(ent),
				(unsigned long long)l->max_entry);
			rc = 1;
			break;
		}
		k = make_path(top, path, 0, &fd);
		if (k != 0) {
			rc = clash(r, k, path);
			break;
		}
		rc = copy_entry(r, a, path, fd, arsize, &out);
		if (close(fd) != 0 && rc == 0) {
			rc = hd_err(r->e, HD_EIO, "%s: cannot write: %s", path,
				strerror(errno));
		}
		fd = -1;
		if (rc != 0) {
			break;
		}
	}
	free(path);
	return rc;
}

/* The input as one item named by its file name.  Returns 0, 1 refused. */
static int add_plain(struct rcv *r, const struct stat *st)
{
	char shown[HD_SHOW_SIZE];
	struct hd_error ne;
	const char *base;
	char *path = NULL, *src = NULL;
	int fd, rc = 0;

	hd_name_show(r->input, shown);
	base = strrchr(r->input, '/');
	base = base != NULL ? base + 1 : r->input;
	hd_err_clear(&ne);
	if (entry_name_check(base, strlen(base), &path, &ne) != 0) {
		batch_reject(r->b, shown, "%s", ne.msg);
		goto done;
	}
	fd = open(r->input, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		batch_reject(r->b, shown, "cannot read: %s", strerror(errno));
		goto done;
	}
	close(fd);
	/* the link an archivist named is followed here, once: later
	 * stages open the source with O_NOFOLLOW */
	src = realpath(r->input, NULL);
	if (src == NULL) {
		batch_reject(r->b, shown, "cannot read: %s", strerror(errno));
		goto done;
	}
	if (caps_check(r, path, (uint64_t)st->st_size) != 0) {
		rc = 1;
		goto done;
	}
	batch_add(r->b, path, src, (uint64_t)st->st_size, r->root);
	r->total += (uint64_t)st->st_size;
done:
	free(path);
	free(src);
	return rc;
}

/* Unpack the archive open in a into a private folder and add its files,
 * or its bag's payload.  *doc is set when it is an office document (the
 * caller then takes it as one file).  Returns 0, 1 refused, HD_EIO. */
static int unpack(struct rcv *r, struct archive *a, const struct stat *st,
	int *doc)
{
	char *dir, *bag = NULL;
	int top = -1, rc;

	*doc = 0;
	dir = private_dir(r);
	if (dir == NULL) {
		rc = HD_EIO;
		goto done;
	}
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		rc = hd_err(r->e, HD_EIO, "%s: %s", dir, strerror(errno));
		goto done;
	}
	rc = extract(r, a, top, (uint64_t)st->st_size, doc);
	if (rc != 0 || *doc) {
		goto done;
	}
	bag = hd_bag_find(dir);
	if (bag != NULL) {
		rc = add_bag(r, bag);
	} else {
		rc = add_folder(r, dir, 1);
	}
done:
	if (top >= 0) {
		close(top);
	}
	free(dir);
	free(bag);
	return rc;
}

/* The input is a regular file: an archive is unpacked and its files (or
 * its bag's payload) added; any other file is one item.  Entry names are
 * read under a C.UTF-8 thread locale (see the top of this file).
 * Returns 0, 1 refused, HD_EIO. */
static int add_file(struct rcv *r, const struct stat *st)
{
	char shown[HD_SHOW_SIZE];
	locale_t utf8, old = (locale_t)0;
	struct archive *a;
	int rc = 0, doc = 0, k;

	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8 != (locale_t)0) {
		old = uselocale(utf8);
	}
	a = reader_new();
	k = archive_read_open_filename(a, r->input, IO_CHUNK);
	if (k != ARCHIVE_OK && k != ARCHIVE_WARN) {
		if (archive_errno(a) == EACCES || archive_errno(a) == EPERM) {
			batch_reject(r->b, hd_name_show(r->input, shown),
				"cannot read: %s", strerror(archive_errno(a)));
		} else {
			/* no format we unpack: one file */
			rc = add_plain(r, st);
		}
		goto done;
	}
	rc = unpack(r, a, st, &doc);
	if (rc == 0 && doc) {
		rc = add_plain(r, st);
	}
done:
	archive_read_free(a);
	if (utf8 != (locale_t)0) {
		uselocale(old);
		freelocale(utf8);
	}
	return rc;
}

/* ------------------------------------------------------------- clashes */

/* The name that prefixes a root's clashing items: a folder's or an
 * archive's own name, a lone file's folder name. */
static char *root_name(const char *input, int is_file, int root)
{
	struct hd_error ne;
	char *copy = hd_xstrdup(input), *base, *out = NULL;
	size_t n = strlen(copy);

	while (n > 1 && copy[n - 1] == '/') {
		copy[--n] = '\0';
	}
	if (is_file) {
		base = strrchr(copy, '/');
		if (base != NULL) {
			*base = '\0';
		} else {
			copy[0] = '\0';
		}
	}
	base = strrchr(copy, '/');
	base = base != NULL ? base + 1 : copy;
	if (entry_name_check(base, strlen(base), &out, &ne) != 0) {
		out = hd_xasprintf("input-%d", root + 1);
	}
	free(copy);
	return out;
}

/* qsort order of batch items: by path, then by the input they came
 * from. */
static int cmp_item(const void *x, const void *y)
{
	const struct batch_item *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	if (c != 0) {
		return c;
	}
	return a->root - b->root;
}

/* Sort the items; prefix clashing paths from different roots with their
 * root's name; note what still clashes. */
static void settle_paths(struct rcv *r)
{
	struct batch *b = r->b;
	size_t i, j, k;
	char *p;
	int again = 0;

	if (b->nitems < 2) {
		return;
	}
	qsort(b->items, b->nitems, sizeof *b->items, cmp_item);
	for (i = 0; i < b->nitems; i = j) {
		for (j = i + 1; j < b->nitems &&
		    strcmp(b->items[j].path, b->items[i].path) == 0; j++) {
		}
		if (j - i < 2 || b->items[i].root == b->items[j - 1].root) {
			continue;
		}
		for (k = i; k < j; k++) {
			p = hd_xasprintf("%s/%s",
				r->rootnames[b->items[k].root],
				b->items[k].path);
			free(b->items[k].path);
			b->items[k].path = p;
		}
		again = 1;
	}
	if (again) {
		qsort(b->items, b->nitems, sizeof *b->items, cmp_item);
	}
	for (i = 1; i < b->nitems; i++) {
		if (strcmp(b->items[i].path, b->items[i - 1].path) == 0) {
			batch_reject(b, b->items[i].path, "two files of the "
				"batch have this name (once written the same "
				"way); rename one");
		}
	}
}

/*
 * stage_receive: see ingest.h and the notes at the top of this file.
 * Returns 0 (b->items filled and sorted; unreadable files noted in
 * b->rejected), HD_EREJECT when the batch is refused whole (*e holds the
 * first reason, b->rejected every one), or HD_EIO when the data folder's
 * tmp/ cannot be written.  Allocates the items, b->tmpdirs and
 * b->bag_info, all released by batch_release.
 */
int stage_receive(struct batch *b, char *const *paths, size_t npaths,
	struct hd_error *e)
{
	char shown[HD_SHOW_SIZE];
	struct rcv r;
	struct stat st;
	size_t i;
	int rc = 0;

	memset(&r, 0, sizeof r);
	r.b = b;
	r.e = e;
	r.npaths = npaths;
	r.rootnames = hd_xcalloc(npaths + 1, sizeof *r.rootnames);
	for (i = 0; i < npaths && rc != HD_EIO; i++) {
		r.input = paths[i];
		r.root = (int)i;
		hd_name_show(paths[i], shown);
		if (stat(paths[i], &st) != 0) {
			batch_reject(b, shown, "cannot read: %s",
				strerror(errno));
			r.rootnames[i] = hd_xasprintf("input-%zu", i + 1);
			continue;
		}
		r.rootnames[i] = root_name(paths[i], !S_ISDIR(st.st_mode),
			(int)i);
		if (S_ISDIR(st.st_mode)) {
			if (hd_bag_detect(paths[i])) {
				rc = add_bag(&r, paths[i]);
			} else {
				rc = add_folder(&r, paths[i], 1);
			}
		} else if (S_ISREG(st.st_mode)) {
			rc = add_file(&r, &st);
		} else {
			batch_reject(b, shown, "not a file or a folder");
		}
	}
	if (rc != HD_EIO) {
		settle_paths(&r);
		rc = r.refused ? HD_EREJECT : 0;
	}
	for (i = 0; i < npaths; i++) {
		free(r.rootnames[i]);
	}
	free(r.rootnames);
	return rc;
}
