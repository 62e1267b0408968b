/*
 * bagit.c - the BagIt format (RFC 8493) as the reader and the writer
 * share it, and the writer.
 *
 * A bag is a folder: bagit.txt ("BagIt-Version: 1.0" and
 * "Tag-File-Character-Encoding: UTF-8"), the payload under data/,
 * manifest-ALG.txt with a line "CHECKSUM  PATH" for every payload file,
 * tagmanifest-ALG.txt with the same for the other files, and
 * bag-info.txt with "Label: value" lines, a long value folded onto lines
 * that start with white space.  In a manifest path CR, LF and '%' are
 * percent-encoded (1.0, section 2.1.3).  Payload-Oxum is "OCTETS.FILES"
 * of the payload.  bagit_validate.c reads and checks bags of any maker
 * (1.0 and the drafts 0.93-0.97); this file writes bags of our own
 * (1.0, SHA-256) and holds what both sides agree on: the manifest path
 * encoding, where a bag is in an unpacked archive, what names a bag.
 *
 * The writer (hd_bagw_*, declared in internal.h: only the library writes
 * bags) guarantees that a bag is made in OUT.part-PID beside its
 * destination, every file and folder fsynced, and only then renamed to
 * OUT (hd_bagw_place), so a bag appears whole or not at all; the caller
 * removes it again (hd_bagw_discard) when what the bag stands for (a
 * transfer) does not commit.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>

#define INFO_COLUMNS 79         /* bag-info.txt lines, RFC 8493 2.2.2 */
#define MANIFEST_MAX ((size_t)256 << 20)    /* bytes of a manifest read */

/* ------------------------------------------------------------- tags */

/* hd_bag_tags_free: see hd.h.  Frees labels, values and t. */
void hd_bag_tags_free(struct hd_bag_tag *t, size_t n)
{
	size_t i;

	if (t == NULL) {
		return;
	}
	for (i = 0; i < n; i++) {
		free(t[i].label);
		free(t[i].value);
	}
	free(t);
}

/* hd_bag_tag_get: see internal.h.  Returns a value borrowed from t, or NULL;
 * allocates nothing. */
const char *hd_bag_tag_get(const struct hd_bag_tag *t, size_t n,
	const char *label)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(t[i].label, label) == 0) {
			return t[i].value;
		}
	}
	return NULL;
}

/* hd_bag_report_release: see hd.h.  Frees the notes and tags and zeroes
 * r. */
void hd_bag_report_release(struct hd_bag_report *r)
{
	if (r == NULL) {
		return;
	}
	hd_notes_free(r->errs, r->nerrs);
	hd_notes_free(r->warns, r->nwarns);
	hd_bag_tags_free(r->info, r->ninfo);
	memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------ manifest paths */

/* hd_bag_path_encode: see internal.h.  Appends to b; allocates only
 * b's growth. */
void hd_bag_path_encode(struct hd_buf *b, const char *p)
{
	for (; *p; p++) {
		if (*p == '%') {
			hd_buf_puts(b, "%25");
		} else if (*p == '\r') {
			hd_buf_puts(b, "%0D");
		} else if (*p == '\n') {
			hd_buf_puts(b, "%0A");
		} else {
			hd_buf_add(b, p, 1);
		}
	}
}

/* hd_bag_path_decode: see internal.h.  In place (the text only
 * shrinks); allocates nothing. */
void hd_bag_path_decode(char *s)
{
	char *o = s;

	while (*s != '\0') {
		if (s[0] == '%' && s[1] == '0' &&
		    (s[2] == 'A' || s[2] == 'a')) {
			*o++ = '\n';
			s += 3;
		} else if (s[0] == '%' && s[1] == '0' &&
		    (s[2] == 'D' || s[2] == 'd')) {
			*o++ = '\r';
			s += 3;
		} else if (s[0] == '%' && s[1] == '2' && s[2] == '5') {
			*o++ = '%';
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

/* ------------------------------------------------------- finding bags */

/* hd_bag_detect: see hd.h.  lstat, so a link named bagit.txt is no bag.
 * Returns 1 or 0; allocates nothing that outlives the call. */
int hd_bag_detect(const char *dir)
{
	char *path = hd_xasprintf("%s/bagit.txt", dir);
	struct stat st;
	int yes;

	yes = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return yes;
}

/* hd_bag_find: see hd.h.  Besides hd_fs_system_file's names, a macOS
 * zip's __MACOSX/ folder is not counted.  Returns a new path or NULL. */
char *hd_bag_find(const char *dir)
{
	struct dirent *de;
	struct stat st;
	char *sub = NULL;
	size_t count = 0;
	DIR *d;

	if (hd_bag_detect(dir)) {
		return hd_xstrdup(dir);
	}
	d = opendir(dir);
	if (d == NULL) {
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "__MACOSX") == 0 ||
		    hd_fs_system_file(de->d_name)) {
			continue;
		}
		count++;
		free(sub);
		sub = hd_xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (sub != NULL && (count != 1 || lstat(sub, &st) != 0 ||
	    !S_ISDIR(st.st_mode) || !hd_bag_detect(sub))) {
		free(sub);
		sub = NULL;
	}
	return sub;
}

/* ------------------------------------------------------------- zip */

#define ZIP_CHUNK (256u << 10)  /* file bytes handed to libarchive at once */

/* One entry of a zip being made: a folder or a regular file. */
struct zip_entry {
	char *path;             /* on disk */
	char *name;             /* in the zip, UTF-8 */
	int dir;
	int64_t size;
	time_t mtime;
};

struct hd_zipstream {
	struct archive *z;
	struct zip_entry *v;    /* every entry, in the order written */
	size_t n, next;         /* entries, and the next to begin */
	int fd;                 /* the file being written, or -1 */
	char *buf;              /* ZIP_CHUNK bytes read from it */
	struct hd_buf out;      /* zip bytes not yet taken */
	size_t taken;           /* of out */
	int done;               /* the zip's end was written */
	int failed;
	char *remove;           /* a folder removed at the close, or NULL */
};

/* List the folder dir (its entries under the zip path as/) into zs, in
 * name order, folders before what they hold.  Returns 0, or HD_EIO
 * naming what is neither a file nor a folder. */
static int zip_list(struct hd_zipstream *zs, const char *dir, const char *as,
	int depth, struct hd_error *e)
{
	struct dirent **v = NULL;
	struct zip_entry *en;
	struct stat st;
	int n, i, rc = 0;

	if (depth > 64) {
		return hd_err(e, HD_EIO, "%s: folders too deep", dir);
	}
	n = scandir(dir, &v, NULL, alphasort);
	if (n < 0) {
		return hd_err(e, HD_EIO, "%s: %s", dir, strerror(errno));
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && strcmp(v[i]->d_name, ".") != 0 &&
		    strcmp(v[i]->d_name, "..") != 0) {
			zs->v = hd_xrealloc(zs->v, (zs->n + 1) * sizeof *zs->v);
			en = &zs->v[zs->n++];
			en->path = hd_xasprintf("%s/%s", dir, v[i]->d_name);
			en->name = hd_xasprintf("%s/%s", as, v[i]->d_name);
			if (lstat(en->path, &st) != 0 ||
			    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
				rc = hd_err(e, HD_EIO, "%s: not a file or "
					"folder", en->path);
			}
			en->dir = rc == 0 && S_ISDIR(st.st_mode);
			en->size = rc == 0 ? (int64_t)st.st_size : 0;
			en->mtime = rc == 0 ? st.st_mtime : 0;
			if (rc == 0 && en->dir) {
				rc = zip_list(zs, en->path, en->name,
					depth + 1, e);
			}
		}
		free(v[i]);
	}
	free(v);
	return rc;
}

/* libarchive's writer: the zip's bytes go to zs->out. */
static la_ssize_t zip_out(struct archive *z, void *ud, const void *p,
	size_t n)
{
	struct hd_zipstream *zs = ud;

	(void)z;
	hd_buf_add(&zs->out, p, n);
	return (la_ssize_t)n;
}

/* One step of the zip: the next entry's header, or a chunk of the file
 * under way, or the zip's end.  0, or -1 (zs->failed). */
static int zip_step(struct hd_zipstream *zs)
{
	struct archive_entry *ae;
	struct zip_entry *en;
	ssize_t got;

	if (zs->fd >= 0) {
		got = read(zs->fd, zs->buf, ZIP_CHUNK);
		if (got > 0 && archive_write_data(zs->z, zs->buf,
		    (size_t)got) == got) {
			return 0;
		}
		close(zs->fd);
		zs->fd = -1;
		return got == 0 ? 0 : (zs->failed = 1, -1);
	}
	if (zs->next == zs->n) {
		zs->done = 1;
		return archive_write_close(zs->z) == ARCHIVE_OK ? 0 :
			(zs->failed = 1, -1);
	}
	en = &zs->v[zs->next++];
	ae = archive_entry_new();
	archive_entry_set_pathname_utf8(ae, en->name);
	archive_entry_set_mtime(ae, en->mtime, 0);
	archive_entry_set_filetype(ae, en->dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(ae, en->dir ? 0755 : 0644);
	if (!en->dir) {
		archive_entry_set_size(ae, en->size);
		zs->fd = open(en->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if ((!en->dir && zs->fd < 0) ||
	    archive_write_header(zs->z, ae) != ARCHIVE_OK) {
		zs->failed = 1;
	}
	archive_entry_free(ae);
	return zs->failed ? -1 : 0;
}

/* See hd_desk.h.  The entries are listed now; their bytes are read as
 * the zip is taken.  Entries are stored, not deflated: a bag's payload
 * is mostly images that are compressed already, and a big bag goes at
 * the speed of the disk. */
int hd_zip_stream_open(const char *dir, const char *as,
	struct hd_zipstream **out, struct hd_error *e)
{
	struct hd_zipstream *zs = hd_xcalloc(1, sizeof *zs);
	int rc;

	*out = NULL;
	zs->fd = -1;
	hd_buf_init(&zs->out);
	rc = zip_list(zs, dir, as, 0, e);
	zs->z = archive_write_new();
	if (rc == 0 && (archive_write_set_format_zip(zs->z) != ARCHIVE_OK ||
	    archive_write_set_options(zs->z, "zip:compression=store,"
	    "zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(zs->z, 0) != ARCHIVE_OK ||
	    archive_write_open2(zs->z, zs, NULL, zip_out, NULL, NULL) !=
	    ARCHIVE_OK)) {
		rc = hd_err(e, HD_EIO, "%s: zip: %s", dir,
			archive_error_string(zs->z));
	}
	if (rc != 0) {
		hd_zip_stream_close(zs);
		return rc;
	}
	zs->buf = hd_xmalloc(ZIP_CHUNK);
	*out = zs;
	return 0;
}

/* See hd_desk.h. */
ssize_t hd_zip_stream_read(struct hd_zipstream *zs, char *buf, size_t max)
{
	size_t n;

	while (zs->out.len == zs->taken && !zs->done && !zs->failed) {
		hd_buf_release(&zs->out);
		zs->taken = 0;
		zip_step(zs);
	}
	if (zs->failed) {
		return -1;
	}
	n = zs->out.len - zs->taken;
	n = n < max ? n : max;
	if (n > 0) {
		memcpy(buf, zs->out.p + zs->taken, n);
		zs->taken += n;
	}
	return (ssize_t)n;
}

/* See hd_desk.h. */
void hd_zip_stream_remove(struct hd_zipstream *zs, const char *dir)
{
	free(zs->remove);
	zs->remove = dir != NULL ? hd_xstrdup(dir) : NULL;
}

/* See hd_desk.h. */
void hd_zip_stream_close(struct hd_zipstream *zs)
{
	size_t i;

	if (zs == NULL) {
		return;
	}
	if (zs->fd >= 0) {
		close(zs->fd);
	}
	if (zs->z != NULL) {
		archive_write_free(zs->z);
	}
	for (i = 0; i < zs->n; i++) {
		free(zs->v[i].path);
		free(zs->v[i].name);
	}
	if (zs->remove != NULL) {
		hd_fs_rmtree(zs->remove);
	}
	free(zs->remove);
	free(zs->v);
	free(zs->buf);
	hd_buf_release(&zs->out);
	free(zs);
}

/* 1 for a payload manifest's name, "manifest-ALG.txt" (scandir's
 * filter). */
static int is_manifest(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return strncmp(de->d_name, "manifest-", 9) == 0 && n > 13 &&
		strcmp(de->d_name + n - 4, ".txt") == 0;
}

/* hd_bag_manifest_hash: see internal.h.  A manifest that cannot be read
 * counts as empty; each is read up to 256 MiB.  Allocates nothing that
 * outlives the call. */
void hd_bag_manifest_hash(const char *dir, char out[65])
{
	struct dirent **names = NULL;
	unsigned char *buf;
	struct hd_buf b;
	char *path;
	size_t len;
	int n, i;

	path = hd_xasprintf("%s/manifest-sha256.txt", dir);
	if (hd_sha256_file(path, out, NULL, NULL) == 0) {
		free(path);
		return;
	}
	free(path);
	hd_buf_init(&b);
	n = scandir(dir, &names, is_manifest, alphasort);
	for (i = 0; i < n; i++) {
		path = hd_xasprintf("%s/%s", dir, names[i]->d_name);
		if (hd_read_file(path, MANIFEST_MAX, &buf, &len, NULL) == 0) {
			hd_buf_printf(&b, "%s\n", names[i]->d_name);
			hd_buf_add(&b, buf, len);
			free(buf);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	hd_sha256_hex(b.p ? b.p : "", b.len, out);
	hd_buf_release(&b);
}

/* hd_bag_size_text: see internal.h.  Binary units with one decimal.  Returns
 * a new string (caller frees). */
char *hd_bag_size_text(uint64_t n)
{
	if (n >= (uint64_t)1 << 30) {
		return hd_xasprintf("%.1f GB", (double)n / (1 << 30));
	}
	if (n >= (uint64_t)1 << 20) {
		return hd_xasprintf("%.1f MB", (double)n / (1 << 20));
	}
	if (n >= 1024) {
		return hd_xasprintf("%.1f KB", (double)n / 1024);
	}
	return hd_xasprintf("%llu bytes", (unsigned long long)n);
}

/* ------------------------------------------------------------ writing */

/* Add a file (path copied) to the list v of *n. */
static void file_add(struct hd_bag_file **v, size_t *n, const char *path,
	const char sha[65], uint64_t size)
{
	*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[*n].path = hd_xstrdup(path);
	memcpy((*v)[*n].sha256, sha, 65);
	(*v)[*n].size = size;
	(*n)++;
}

/* hd_bagw_begin: see internal.h.  A folder OUT.part-PID left by an earlier
 * run of this process id is removed first.  Returns 0, HD_EUSAGE,
 * HD_EEXIST or HD_EIO; w->root is NULL unless the folder was made. */
int hd_bagw_begin(struct hd_bagw *w, const char *out, struct hd_error *e)
{
	memset(w, 0, sizeof *w);
	if (out == NULL || *out == '\0') {
		return hd_err(e, HD_EUSAGE, "no folder given for the bag");
	}
	if (hd_fs_state(out) != 0) {
		return hd_err(e, HD_EEXIST, "%s: already exists; a bag is "
			"written into a new folder", out);
	}
	w->out = hd_xstrdup(out);
	w->root = hd_staging_name(out);
	hd_fs_rmtree(w->root);
	if (mkdir(w->root, 0755) != 0) {
		hd_err(e, HD_EIO, "%s: cannot create: %s", w->root,
			strerror(errno));
		free(w->root);
		w->root = NULL;
		return HD_EIO;
	}
	return 0;
}

/* Make the folders of the bag-relative rel inside the bag, each once
 * (they are listed in w->dirs for the fsync at the end).  0 or HD_EIO;
 * allocates w->dirs' entries. */
static int make_dirs(struct hd_bagw *w, const char *rel, struct hd_error *e)
{
	char *copy = hd_xstrdup(rel), *slash, *dir;
	size_t i;
	int rc = 0, seen;

	for (slash = strchr(copy, '/'); slash && rc == 0;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		dir = hd_xasprintf("%s/%s", w->root, copy);
		*slash = '/';
		for (i = 0, seen = 0; i < w->ndirs && !seen; i++) {
			seen = strcmp(w->dirs[i], dir) == 0;
		}
		if (!seen) {
			if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
				rc = hd_err(e, HD_EIO, "%s: cannot create: %s",
					dir, strerror(errno));
			}
			hd_strv_add(&w->dirs, &w->ndirs, dir);
		}
		free(dir);
	}
	free(copy);
	return rc;
}

/* hd_bagw_path: see internal.h.  Returns 0 with *path (caller frees), or
 * HD_EIO with *path NULL. */
int hd_bagw_path(struct hd_bagw *w, const char *rel, char **path,
	struct hd_error *e)
{
	int rc = make_dirs(w, rel, e);

	*path = rc == 0 ? hd_xasprintf("%s/%s", w->root, rel) : NULL;
	return rc;
}

/* hd_bagw_payload: see internal.h.  Copies rel into w->payload. */
void hd_bagw_payload(struct hd_bagw *w, const char *rel,
	const char sha256[65], uint64_t size)
{
	file_add(&w->payload, &w->npayload, rel, sha256, size);
	w->bytes += size;
}

/* hd_bagw_tag: see internal.h.  The file must not exist yet (hd_fs_write).
 * Returns 0 or HD_EIO; on success rel is copied into w->tags. */
int hd_bagw_tag(struct hd_bagw *w, const char *rel, const char *text,
	struct hd_error *e)
{
	size_t n = strlen(text);
	char sha[65], *path;
	int rc;

	rc = hd_bagw_path(w, rel, &path, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_fs_write(path, text, n, e);
	free(path);
	if (rc == 0) {
		hd_sha256_hex(text, n, sha);
		file_add(&w->tags, &w->ntags, rel, sha, n);
	}
	return rc;
}

/* qsort order of struct hd_bag_file: by path, bytewise. */
static int cmp_file(const void *x, const void *y)
{
	return strcmp(((const struct hd_bag_file *)x)->path,
		((const struct hd_bag_file *)y)->path);
}

/* The text of a SHA-256 manifest of v[0..n), sorted (in place) by path:
 * "CHECKSUM  PATH\n" lines, the path encoded.  Returns a new string. */
static char *manifest_text(struct hd_bag_file *v, size_t n)
{
	struct hd_buf b;
	size_t i;

	if (n > 1) {
		qsort(v, n, sizeof *v, cmp_file);
	}
	hd_buf_init(&b);
	for (i = 0; i < n; i++) {
		hd_buf_printf(&b, "%s  ", v[i].sha256);
		hd_bag_path_encode(&b, v[i].path);
		hd_buf_puts(&b, "\n");
	}
	return hd_buf_detach(&b);
}

/* hd_bagw_manifest: see internal.h.  Sorts w->payload.  Returns 0 or
 * HD_EIO. */
int hd_bagw_manifest(struct hd_bagw *w, char out[65], struct hd_error *e)
{
	char *text = manifest_text(w->payload, w->npayload);
	int rc;

	hd_sha256_hex(text, strlen(text), out);
	rc = hd_bagw_tag(w, "manifest-sha256.txt", text, e);
	free(text);
	return rc;
}

/* hd_bagw_oxum: see internal.h.  Allocates nothing. */
void hd_bagw_oxum(const struct hd_bagw *w, char out[48])
{
	snprintf(out, 48, "%llu.%zu", (unsigned long long)w->bytes,
		w->npayload);
}

/* 1 when p points at white space a reader of bag-info.txt trims off a
 * line (hd_trim: ASCII blanks, U+3000 IDEOGRAPHIC SPACE), or at the
 * end. */
static int trimmed_at(const char *p)
{
	return *p == '\0' || *p == ' ' || memcmp(p, "\xE3\x80\x80", 3) == 0;
}

/* 1 when the space at v[i] may end a folded line: a single space with
 * no white space a reader trims on either side, so that joining the
 * lines again with one space gives the value back. */
static int fold_point(const char *v, size_t i)
{
	return v[i] == ' ' && i > 0 && v[i - 1] != ' ' &&
		!(i >= 3 && memcmp(v + i - 3, "\xE3\x80\x80", 3) == 0) &&
		!trimmed_at(v + i + 1);
}

/* Append "label: value\n" to b, the value on one line (CR, LF and TAB
 * become spaces) folded at fold points so that no line passes
 * INFO_COLUMNS characters where that can be helped; a continuation line
 * starts with one space.  Allocates only b's growth. */
static void info_line(struct hd_buf *b, const char *label, const char *value)
{
	char *v = hd_xstrdup(value), *p;
	size_t i, start = 0;
	long col, word;

	for (p = v; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			*p = ' ';
		}
	}
	hd_buf_printf(b, "%s: ", label);
	col = g_utf8_strlen(label, -1) + 2;
	for (i = 0;; i++) {
		if (v[i] != '\0' && !fold_point(v, i)) {
			continue;
		}
		/* v[start..i) is a word that a fold may precede */
		word = g_utf8_strlen(v + start, (gssize)(i - start));
		if (start > 0 && col + 1 + word > INFO_COLUMNS) {
			hd_buf_puts(b, "\n ");
			col = 1;
		} else if (start > 0) {
			hd_buf_puts(b, " ");
			col++;
		}
		hd_buf_add(b, v + start, i - start);
		col += word;
		if (v[i] == '\0') {
			break;
		}
		start = i + 1;
	}
	hd_buf_puts(b, "\n");
	free(v);
}

/* hd_bagw_info: see internal.h.  Returns 0 or HD_EIO. */
int hd_bagw_info(struct hd_bagw *w, const struct hd_bag_tag *t, size_t n,
	struct hd_error *e)
{
	struct hd_buf b;
	size_t i;
	int rc;

	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	for (i = 0; i < n; i++) {
		if (t[i].value != NULL && *t[i].value != '\0') {
			info_line(&b, t[i].label, t[i].value);
		}
	}
	rc = hd_bagw_tag(w, "bag-info.txt", b.p, e);
	hd_buf_release(&b);
	return rc;
}

/* hd_bagw_finish: see internal.h.  The folders are fsynced deepest last made
 * first, then the bag's own.  Returns 0 or HD_EIO. */
int hd_bagw_finish(struct hd_bagw *w, struct hd_error *e)
{
	struct hd_bag_file *v;
	char *text;
	size_t i;
	int rc;

	rc = hd_bagw_tag(w, "bagit.txt", "BagIt-Version: 1.0\n"
		"Tag-File-Character-Encoding: UTF-8\n", e);
	if (rc == 0) {
		/* the tag manifest lists every tag file but itself */
		v = hd_xcalloc(w->ntags, sizeof *v);
		memcpy(v, w->tags, w->ntags * sizeof *v);
		text = manifest_text(v, w->ntags);
		free(v);
		rc = hd_bagw_tag(w, "tagmanifest-sha256.txt", text, e);
		free(text);
	}
	for (i = w->ndirs; rc == 0 && i > 0; i--) {
		rc = hd_fs_fsync_dir(w->dirs[i - 1], e);
	}
	if (rc == 0) {
		rc = hd_fs_fsync_dir(w->root, e);
	}
	return rc;
}

/* hd_bagw_place: see internal.h.  Returns 0 or HD_EIO; w->placed is set once
 * the rename is done, also when the fsync after it fails. */
int hd_bagw_place(struct hd_bagw *w, struct hd_error *e)
{
	char *parent;
	int rc;

	if (rename(w->root, w->out) != 0) {
		return hd_err(e, HD_EIO, "%s: rename: %s", w->out,
			strerror(errno));
	}
	w->placed = 1;
	parent = hd_fs_parent(w->out);
	rc = hd_fs_fsync_dir(parent, e);
	free(parent);
	return rc;
}

/* hd_bagw_discard: see internal.h.  Allocates nothing. */
void hd_bagw_discard(struct hd_bagw *w)
{
	if (w->placed) {
		hd_fs_rmtree(w->out);
	} else if (w->root != NULL) {
		hd_fs_rmtree(w->root);
	}
}

/* hd_bagw_release: see internal.h.  Accepts a w that hd_bagw_begin refused. */
void hd_bagw_release(struct hd_bagw *w)
{
	size_t i;

	for (i = 0; i < w->npayload; i++) {
		free(w->payload[i].path);
	}
	for (i = 0; i < w->ntags; i++) {
		free(w->tags[i].path);
	}
	free(w->payload);
	free(w->tags);
	hd_strv_free(w->dirs, w->ndirs);
	free(w->root);
	free(w->out);
	memset(w, 0, sizeof *w);
}
