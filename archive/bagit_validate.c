/*
 * bagit_validate.c - BagIt validation (RFC 8493 BagIt 1.0, and drafts
 * 0.93-0.97): hd_bag_validate.  What the reader shares with the writer
 * (manifest path encoding, finding a bag, naming it) is in bagit.c.
 *
 * A bag is how a district archive or a neighbouring community hands over
 * records (转递): a folder with bagit.txt, a payload in data/, manifests
 * listing every payload file with its checksum, and bag-info.txt.  A bag
 * is accepted only when every checksum matches, nothing listed is missing,
 * nothing in the payload is unlisted, and no listed path leaves the bag;
 * otherwise every problem found is reported, one line each, so the sender
 * can fix all of them at once.  Nothing is ever fetched (fetch.txt): a bag
 * whose fetch list names a file that is not there is incomplete.
 *
 * Where the drafts differ from 1.0: before 1.0 a file listed twice with
 * the same checksum is only a warning, and manifest paths are not
 * percent-decoded; before 0.96 bag-info.txt was called package-info.txt.
 * Tag files other than bagit.txt may be in any encoding ICU knows
 * (UTF-16 and ISO-8859-1 bags exist); they are converted to UTF-8, with a
 * warning for a 1.0 bag, which must use UTF-8.  Bags written on macOS or
 * Windows may list a file under another Unicode normalisation or letter
 * case than the one on disk: such a file is matched with a warning and
 * still verified.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#define BAGIT_TXT_MAX 65536             /* bytes of bagit.txt */
#define TAG_FILE_MAX (256u << 20)       /* bytes of any other tag file */
#define BAG_MAX_FILES 2000000           /* files in one bag */
#define BAG_MAX_DEPTH 256               /* nested folders */
#define BAG_MAX_MANIFESTS 32            /* manifest and tagmanifest files */
#define BAG_MAX_TAGS 10000              /* lines of bag-info.txt */
#define READ_CHUNK (256u << 10)

/* A regular file found in the bag (symbolic links are refused). */
struct bfile {
	char *rel;              /* bag-relative path, bytes as on disk */
	char *nfc;              /* rel in NFC, or a copy of rel */
	char *fold;             /* nfc with ASCII letters in lower case */
	uint64_t size;          /* bytes */
	int payload;            /* 1: under data/ */
	uint32_t listed;        /* bit m: manifest m lists it */
};

struct manifest {
	char *name;             /* "manifest-sha256.txt" */
	char alg[16];           /* "sha256" */
	const EVP_MD *md;       /* NULL: an algorithm we do not check */
	int tag;                /* 1: a tag manifest */
};

/* One line of a manifest. */
struct entry {
	char *path;             /* cleaned, bag-relative, UTF-8 */
	char *sum;              /* lower-case hex */
	int man;                /* index into bag.man */
	size_t line;            /* 1-based line number */
	long file;              /* index into bag.files, -1: not found */
};

struct bag {
	const char *dir;
	int major, minor;       /* BagIt-Version */
	char *enc;              /* Tag-File-Character-Encoding */
	int utf8;               /* 1: enc is UTF-8 */
	struct bfile *files;    /* sorted by rel */
	size_t nfiles, capfiles;
	struct bfile **by_nfc;  /* files sorted by nfc */
	struct bfile **by_fold; /* files sorted by fold */
	struct manifest man[BAG_MAX_MANIFESTS];
	size_t nman;
	struct entry *ents;
	size_t nents, capents;
	uint64_t payload_bytes; /* regular files under data/ */
	uint64_t payload_files;
	struct hd_note *errs;
	size_t nerrs;
	struct hd_note *warns;
	size_t nwarns;
	struct hd_bag_tag *info;
	size_t ninfo;
};

/* ------------------------------------------------------------ notes */

static void bag_error(struct bag *g, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bag_warn(struct bag *g, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A problem that makes the bag invalid; path is bag-relative ("." for the
 * bag itself), the message names the file.  Both are made printable
 * (hd_notes_vadd): bag contents may hold any byte. */
static void bag_error(struct bag *g, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hd_notes_vadd(&g->errs, &g->nerrs, 1, path, fmt, ap);
	va_end(ap);
}

/* A warning: the bag stays valid; path and message as for bag_error. */
static void bag_warn(struct bag *g, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hd_notes_vadd(&g->warns, &g->nwarns, 1, path, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- walk */

/* qsort order of struct bfile: by rel, bytewise. */
static int cmp_rel(const void *x, const void *y)
{
	return strcmp(((const struct bfile *)x)->rel,
		((const struct bfile *)y)->rel);
}

/* qsort order of struct bfile pointers: by nfc. */
static int cmp_nfc(const void *x, const void *y)
{
	return strcmp((*(struct bfile *const *)x)->nfc,
		(*(struct bfile *const *)y)->nfc);
}

/* qsort order of struct bfile pointers: by fold. */
static int cmp_fold(const void *x, const void *y)
{
	return strcmp((*(struct bfile *const *)x)->fold,
		(*(struct bfile *const *)y)->fold);
}

/* ASCII lower case of s (a new string). */
static char *fold_ascii(const char *s)
{
	char *f = hd_xstrdup(s), *p;

	for (p = f; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char)(*p - 'A' + 'a');
		}
	}
	return f;
}

/* NFC of s when it is UTF-8, else a copy (a new string). */
static char *nfc_or_copy(const char *s)
{
	char *n = hd_nfc(s, strlen(s));

	return n != NULL ? n : hd_xstrdup(s);
}

/* Collect the regular files under dir/rel (rel "" for the top).  Links
 * and special files are errors: a bag holds plain files only.  Returns
 * -1 when the walk had to stop (too deep, too many files). */
static int walk(struct bag *g, const char *rel, int depth)
{
	char shown[HD_SHOW_SIZE];
	char *path = NULL, *sub = NULL;
	struct dirent *de;
	struct stat st;
	struct bfile *f;
	DIR *d = NULL;
	int rc = 0;

	path = rel[0] != '\0' ? hd_xasprintf("%s/%s", g->dir, rel) :
		hd_xstrdup(g->dir);
	if (depth > BAG_MAX_DEPTH) {
		bag_error(g, rel, "%s: folders nested over %d deep",
			hd_name_show(rel, shown), BAG_MAX_DEPTH);
		rc = -1;
		goto done;
	}
	d = opendir(path);
	if (d == NULL) {
		bag_error(g, rel[0] != '\0' ? rel : ".", "%s: cannot read "
			"the folder: %s", rel[0] != '\0' ?
			hd_name_show(rel, shown) : ".", strerror(errno));
		goto done;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		free(sub);
		sub = rel[0] != '\0' ? hd_xasprintf("%s/%s", rel, de->d_name) :
			hd_xstrdup(de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0) {
			bag_error(g, sub, "%s: %s", hd_name_show(sub, shown),
				strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (walk(g, sub, depth + 1) != 0) {
				rc = -1;
				goto done;
			}
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			bag_error(g, sub, "%s: a symbolic link; a bag must "
				"hold plain files", hd_name_show(sub, shown));
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			bag_error(g, sub, "%s: not a regular file",
				hd_name_show(sub, shown));
			continue;
		}
		if (g->nfiles >= BAG_MAX_FILES) {
			bag_error(g, ".", "the bag holds over %d files",
				BAG_MAX_FILES);
			rc = -1;
			goto done;
		}
		if (g->nfiles == g->capfiles) {
			g->capfiles = g->capfiles ? g->capfiles * 2 : 64;
			g->files = hd_xrealloc(g->files,
				g->capfiles * sizeof *g->files);
		}
		f = &g->files[g->nfiles++];
		memset(f, 0, sizeof *f);
		f->rel = sub;
		sub = NULL;
		f->nfc = nfc_or_copy(f->rel);
		f->fold = fold_ascii(f->nfc);
		f->size = (uint64_t)st.st_size;
		f->payload = strncmp(f->rel, "data/", 5) == 0;
		if (f->payload) {
			g->payload_bytes += f->size;
			g->payload_files++;
		}
	}
	if (errno != 0) {
		bag_error(g, rel[0] != '\0' ? rel : ".", "%s: %s",
			rel[0] != '\0' ? hd_name_show(rel, shown) : ".",
			strerror(errno));
	}
done:
	if (d != NULL) {
		closedir(d);
	}
	free(sub);
	free(path);
	return rc;
}

/* Sort the files and build the indexes by NFC and by folded case. */
static void index_files(struct bag *g)
{
	size_t i;

	if (g->nfiles > 1) {
		qsort(g->files, g->nfiles, sizeof *g->files, cmp_rel);
	}
	g->by_nfc = hd_xmalloc((g->nfiles + 1) * sizeof *g->by_nfc);
	g->by_fold = hd_xmalloc((g->nfiles + 1) * sizeof *g->by_fold);
	for (i = 0; i < g->nfiles; i++) {
		g->by_nfc[i] = &g->files[i];
		g->by_fold[i] = &g->files[i];
	}
	qsort(g->by_nfc, g->nfiles, sizeof *g->by_nfc, cmp_nfc);
	qsort(g->by_fold, g->nfiles, sizeof *g->by_fold, cmp_fold);
}

/* The file whose rel is exactly path, or NULL. */
static struct bfile *find_exact(struct bag *g, const char *path)
{
	struct bfile key;

	if (g->nfiles == 0) {
		return NULL;
	}
	memset(&key, 0, sizeof key);
	key.rel = (char *)path;
	return bsearch(&key, g->files, g->nfiles, sizeof *g->files, cmp_rel);
}

/* The one file whose key (NFC or folded) equals that of path, or NULL
 * when none or more than one do. */
static struct bfile *find_index(struct bfile **ix, size_t n, const char *k,
	int fold)
{
	struct bfile key, *kp = &key, **hit;
	size_t at;

	memset(&key, 0, sizeof key);
	key.nfc = (char *)k;
	key.fold = (char *)k;
	hit = bsearch(&kp, ix, n, sizeof *ix, fold ? cmp_fold : cmp_nfc);
	if (hit == NULL) {
		return NULL;
	}
	at = (size_t)(hit - ix);
	if ((at > 0 && (fold ? cmp_fold : cmp_nfc)(&ix[at - 1], &kp) == 0) ||
	    (at + 1 < n &&
	    (fold ? cmp_fold : cmp_nfc)(&ix[at + 1], &kp) == 0)) {
		return NULL;
	}
	return *hit;
}

/* ------------------------------------------------------- tag files */

/* Read the bag file rel (found by the walk) into a new NUL-terminated
 * buffer of at most max bytes.  Returns 0, or -1 with an error noted. */
static int read_tag(struct bag *g, const char *rel, size_t max, char **buf,
	size_t *len)
{
	char *path = hd_xasprintf("%s/%s", g->dir, rel);
	char *p = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd, rc = -1;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		bag_error(g, rel, "%s: cannot open: %s", rel, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		bag_error(g, rel, "%s: not a regular file", rel);
		goto done;
	}
	if ((uint64_t)st.st_size > max) {
		bag_error(g, rel, "%s: over %zu bytes", rel, max);
		goto done;
	}
	p = hd_xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		r = read(fd, p + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			bag_error(g, rel, "%s: cannot read: %s", rel,
				strerror(errno));
			goto done;
		}
		if (r == 0) {
			break;
		}
		got += (size_t)r;
	}
	p[got] = '\0';
	*buf = p;
	*len = got;
	p = NULL;
	rc = 0;
done:
	if (fd >= 0) {
		close(fd);
	}
	free(p);
	free(path);
	return rc;
}

/* Text of a tag file in the bag's tag encoding as UTF-8 without a BOM
 * (a new string), or NULL with an error noted. */
static char *tag_text(struct bag *g, const char *rel, const char *raw,
	size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	UConverter *cv = NULL;
	UChar *u = NULL;
	char *out = NULL;
	int32_t ulen, need = 0;

	if (g->utf8) {
		if (n >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) {
			bag_warn(g, rel, "%s: starts with a byte-order mark",
				rel);
			raw += 3;
			n -= 3;
		}
		if (!hd_utf8_valid(raw, n) || memchr(raw, '\0', n) != NULL) {
			bag_error(g, rel, "%s: not valid UTF-8 text", rel);
			goto done;
		}
		out = hd_xstrndup(raw, n);
		goto done;
	}
	cv = ucnv_open(g->enc, &st);
	if (U_FAILURE(st)) {
		bag_error(g, rel, "%s: unknown encoding '%s'", rel, g->enc);
		cv = NULL;
		goto done;
	}
	ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL,
		&st);
	u = hd_xmalloc((n + 2) * sizeof *u);
	ulen = ucnv_toUChars(cv, u, (int32_t)(n + 2), raw, (int32_t)n, &st);
	if (U_FAILURE(st)) {
		bag_error(g, rel, "%s: not valid %s text", rel, g->enc);
		goto done;
	}
	if (ulen > 0 && u[0] == 0xFEFF) {
		memmove(u, u + 1, (size_t)(ulen - 1) * sizeof *u);
		ulen--;
	}
	if (u_memchr(u, 0, ulen) != NULL) {
		bag_error(g, rel, "%s: holds a NUL character", rel);
		goto done;
	}
	u_strToUTF8(NULL, 0, &need, u, ulen, &st);
	st = U_ZERO_ERROR;
	out = hd_xmalloc((size_t)need + 1);
	u_strToUTF8(out, need + 1, NULL, u, ulen, &st);
	if (U_FAILURE(st)) {
		bag_error(g, rel, "%s: not valid %s text", rel, g->enc);
		free(out);
		out = NULL;
	}
done:
	if (cv != NULL) {
		ucnv_close(cv);
	}
	free(u);
	return out;
}

/* Next line of text at *p (CRLF, LF or CR ends it); returns 0 at the end.
 * *line and *len receive the line without its end. */
static int next_line(const char **p, const char **line, size_t *len)
{
	const char *s = *p, *q = *p;

	if (*s == '\0') {
		return 0;
	}
	while (*q != '\0' && *q != '\n' && *q != '\r') {
		q++;
	}
	*line = s;
	*len = (size_t)(q - s);
	if (*q == '\r' && q[1] == '\n') {
		q += 2;
	} else if (*q != '\0') {
		q++;
	}
	*p = q;
	return 1;
}

/* 1 for the white space of tag files: space and tab. */
static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* bagit.txt: "BagIt-Version: M.N" and "Tag-File-Character-Encoding: E".
 * It is always UTF-8 and may not start with a BOM.  Returns 0 when both
 * were read (even with problems noted), -1 when the bag cannot be read
 * further. */
static int read_bagit_txt(struct bag *g)
{
	const char *p, *line, *colon, *v;
	char *buf = NULL, *label = NULL, *value = NULL, *ver = NULL;
	size_t len, n, vl, ln = 0;
	int rc = -1, nread;
	char extra;

	if (find_exact(g, "bagit.txt") == NULL) {
		bag_error(g, "bagit.txt", "bagit.txt is missing");
		goto done;
	}
	if (read_tag(g, "bagit.txt", BAGIT_TXT_MAX, &buf, &len) != 0) {
		goto done;
	}
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		bag_error(g, "bagit.txt", "bagit.txt starts with a "
			"byte-order mark, which BagIt forbids");
		memmove(buf, buf + 3, len - 2);
		len -= 3;
	}
	if (!hd_utf8_valid(buf, len) || memchr(buf, '\0', len) != NULL) {
		bag_error(g, "bagit.txt", "bagit.txt is not UTF-8 text");
		goto done;
	}
	p = buf;
	while (next_line(&p, &line, &n)) {
		ln++;
		if (n == 0) {
			continue;
		}
		colon = memchr(line, ':', n);
		if (colon == NULL) {
			bag_error(g, "bagit.txt", "bagit.txt line %zu is not "
				"'Label: value'", ln);
			continue;
		}
		free(label);
		free(value);
		label = hd_xstrndup(line, (size_t)(colon - line));
		if (colon > line && is_blank(colon[-1])) {
			bag_error(g, "bagit.txt", "bagit.txt line %zu: "
				"white space before ':' in '%s'", ln,
				hd_trim(label));
			value = NULL;
			continue;
		}
		v = colon + 1;
		while (v < line + n && is_blank(*v)) {
			v++;
		}
		vl = (size_t)(line + n - v);
		value = hd_xstrndup(v, vl);
		if (vl > 0 && is_blank(v[vl - 1])) {
			bag_warn(g, "bagit.txt", "bagit.txt line %zu: "
				"trailing white space", ln);
			hd_trim(value);
		}
		if (strcmp(label, "BagIt-Version") == 0) {
			free(ver);
			ver = value;
			value = NULL;
		} else if (strcmp(label, "Tag-File-Character-Encoding") == 0) {
			free(g->enc);
			g->enc = value;
			value = NULL;
		} else {
			bag_warn(g, "bagit.txt", "bagit.txt line %zu: unknown "
				"label '%s'", ln, label);
		}
	}
	if (ver == NULL) {
		bag_error(g, "bagit.txt", "bagit.txt has no BagIt-Version");
		goto done;
	}
	nread = 0;
	if (sscanf(ver, "%d.%d%n%c", &g->major, &g->minor, &nread,
	    &extra) != 2 || ver[0] < '0' || ver[0] > '9' ||
	    (size_t)nread != strlen(ver) || strchr(ver, '+') != NULL ||
	    strchr(ver, '-') != NULL || strchr(ver, ' ') != NULL) {
		bag_error(g, "bagit.txt", "bagit.txt: BagIt-Version '%s' is "
			"not M.N", ver);
		goto done;
	}
	if (!((g->major == 1 && g->minor == 0) ||
	    (g->major == 0 && g->minor >= 93 && g->minor <= 97))) {
		bag_error(g, "bagit.txt", "bagit.txt: BagIt-Version %s is not "
			"one we know (0.93-0.97, 1.0)", ver);
		goto done;
	}
	if (g->enc == NULL) {
		bag_error(g, "bagit.txt", "bagit.txt has no "
			"Tag-File-Character-Encoding");
		goto done;
	}
	g->utf8 = strcasecmp(g->enc, "UTF-8") == 0 ||
		strcasecmp(g->enc, "UTF8") == 0;
	if (!g->utf8 && g->major >= 1) {
		bag_warn(g, "bagit.txt", "tag files are in %s; BagIt 1.0 "
			"asks for UTF-8", g->enc);
	}
	rc = 0;
done:
	free(buf);
	free(label);
	free(value);
	free(ver);
	return rc;
}

/* bag-info.txt (package-info.txt before 0.96): "Label: value" lines,
 * a line starting with white space continues the value above (joined
 * with one space; a blank line adds nothing).  Labels may repeat.
 * Payload-Oxum is checked against the payload. */
static void read_bag_info(struct bag *g)
{
	const char *name = "bag-info.txt", *p, *line, *colon;
	char *buf = NULL, *text = NULL, *cont, *label;
	struct hd_bag_tag *t;
	unsigned long long oct, streams;
	size_t len, n, ln = 0, i;
	int seen_oxum = 0, nread;
	char extra;

	if (find_exact(g, name) == NULL && g->major == 0 && g->minor < 96 &&
	    find_exact(g, "package-info.txt") != NULL) {
		name = "package-info.txt";
	}
	if (find_exact(g, name) == NULL) {
		goto done;
	}
	if (read_tag(g, name, TAG_FILE_MAX, &buf, &len) != 0) {
		goto done;
	}
	text = tag_text(g, name, buf, len);
	if (text == NULL) {
		goto done;
	}
	p = text;
	while (next_line(&p, &line, &n)) {
		ln++;
		if (n == 0) {
			continue;
		}
		if (is_blank(line[0])) {
			if (g->ninfo == 0) {
				bag_warn(g, name, "%s line %zu continues no "
					"label", name, ln);
				continue;
			}
			t = &g->info[g->ninfo - 1];
			cont = hd_xstrndup(line, n);
			if (*hd_trim(cont) == '\0') {
				free(cont);     /* a blank line adds nothing */
				continue;
			}
			label = t->value[0] != '\0' ? hd_xasprintf("%s %s",
				t->value, cont) : hd_xstrdup(cont);
			free(t->value);
			free(cont);
			t->value = label;
			continue;
		}
		colon = memchr(line, ':', n);
		if (colon == NULL) {
			bag_warn(g, name, "%s line %zu is not 'Label: value'",
				name, ln);
			continue;
		}
		if (g->ninfo >= BAG_MAX_TAGS) {
			bag_warn(g, name, "%s: over %d labels; the rest is "
				"ignored", name, BAG_MAX_TAGS);
			break;
		}
		g->info = hd_xrealloc(g->info, (g->ninfo + 1) *
			sizeof *g->info);
		t = &g->info[g->ninfo++];
		t->label = hd_xstrndup(line, (size_t)(colon - line));
		t->value = hd_xstrndup(colon + 1,
			(size_t)(line + n - colon - 1));
		hd_trim(t->label);
		hd_trim(t->value);
	}
	for (i = 0; i < g->ninfo; i++) {
		if (strcasecmp(g->info[i].label, "Payload-Oxum") != 0) {
			continue;
		}
		nread = 0;
		if (sscanf(g->info[i].value, "%llu.%llu%n%c", &oct, &streams,
		    &nread, &extra) != 2 ||
		    (size_t)nread != strlen(g->info[i].value) ||
		    strchr(g->info[i].value, '-') != NULL ||
		    strchr(g->info[i].value, '+') != NULL ||
		    strchr(g->info[i].value, ' ') != NULL) {
			bag_error(g, name, "%s: Payload-Oxum '%s' is not "
				"OCTETS.FILES", name, g->info[i].value);
		} else if (oct != g->payload_bytes ||
		    streams != g->payload_files) {
			bag_error(g, name, "%s: Payload-Oxum is %s but the "
				"payload holds %llu bytes in %llu files", name,
				g->info[i].value,
				(unsigned long long)g->payload_bytes,
				(unsigned long long)g->payload_files);
		}
		if (seen_oxum) {
			bag_warn(g, name, "%s: Payload-Oxum given twice",
				name);
		}
		seen_oxum = 1;
	}
done:
	free(buf);
	free(text);
}

/* ------------------------------------------------------- manifests */

/* The algorithms RFC 8493 names, with SHA-224 and SHA-384, which bag
 * makers also write. */
static const EVP_MD *algorithm(const char *alg)
{
	static const char *known[] = {
		"md5", "sha1", "sha224", "sha256", "sha384", "sha512",
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strcmp(alg, known[i]) == 0) {
			return EVP_get_digestbyname(alg);
		}
	}
	return NULL;
}

/* Find manifest-ALG.txt and tagmanifest-ALG.txt at the top of the bag. */
static void find_manifests(struct bag *g)
{
	char shown[HD_SHOW_SIZE];
	const char *rel, *alg;
	struct manifest *m;
	size_t i, len, pre;
	int tag, payload = 0;

	for (i = 0; i < g->nfiles; i++) {
		rel = g->files[i].rel;
		len = strlen(rel);
		if (strchr(rel, '/') != NULL || len < 5 ||
		    strcmp(rel + len - 4, ".txt") != 0) {
			continue;
		}
		if (strncmp(rel, "manifest-", 9) == 0) {
			tag = 0;
			pre = 9;
		} else if (strncmp(rel, "tagmanifest-", 12) == 0) {
			tag = 1;
			pre = 12;
		} else {
			continue;
		}
		if (len - 4 <= pre || len - 4 - pre >= sizeof m->alg) {
			bag_warn(g, rel, "%s: no algorithm we know; not "
				"checked", hd_name_show(rel, shown));
			continue;
		}
		if (g->nman == BAG_MAX_MANIFESTS) {
			bag_error(g, ".", "the bag has over %d manifests",
				BAG_MAX_MANIFESTS);
			break;
		}
		m = &g->man[g->nman];
		memset(m, 0, sizeof *m);
		memcpy(m->alg, rel + pre, len - 4 - pre);
		m->alg[len - 4 - pre] = '\0';
		alg = m->alg;
		m->md = algorithm(alg);
		if (m->md == NULL) {
			bag_warn(g, rel, "%s: algorithm '%s' is not one we "
				"check; ignored", rel, alg);
			continue;
		}
		m->name = hd_xstrdup(rel);
		m->tag = tag;
		g->nman++;
		payload += !tag;
	}
	if (payload == 0) {
		bag_error(g, ".", "the bag has no payload manifest we can "
			"check (manifest-sha256.txt, manifest-sha512.txt, "
			"...)");
	}
}

/* Clean a manifest or fetch path: "." and empty components dropped.
 * Returns a new string, or NULL with *why set when the path would leave
 * the bag (absolute, drive letter, "~", ".."). */
static char *clean_path(const char *p, const char **why, int *dotslash)
{
	const char *c = p, *slash;
	char *out;
	size_t o = 0, clen;

	*why = NULL;
	*dotslash = 0;
	if (p[0] == '/' || p[0] == '\\') {
		*why = "is an absolute path";
		return NULL;
	}
	if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
	    p[1] == ':') {
		*why = "has a drive letter";
		return NULL;
	}
	if (p[0] == '~') {
		*why = "starts with '~' (a home folder)";
		return NULL;
	}
	out = hd_xmalloc(strlen(p) + 1);
	while (*c != '\0') {
		slash = strchr(c, '/');
		clen = slash != NULL ? (size_t)(slash - c) : strlen(c);
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			*why = "has a '..' component, which leaves the bag";
			free(out);
			return NULL;
		}
		if (clen == 0 || (clen == 1 && c[0] == '.')) {
			*dotslash = 1;
		} else {
			if (o > 0) {
				out[o++] = '/';
			}
			memcpy(out + o, c, clen);
			o += clen;
		}
		c += clen + (slash != NULL);
	}
	out[o] = '\0';
	if (o == 0) {
		*why = "names no file";
		free(out);
		return NULL;
	}
	return out;
}

/* 1 when s[0..n) is all hex digits, either case. */
static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

/* Parse manifest mi into g->ents. */
static void read_manifest(struct bag *g, int mi)
{
	struct manifest *m = &g->man[mi];
	char shown[HD_SHOW_SIZE];
	const char *p, *line, *sp, *why;
	char *buf = NULL, *text = NULL, *raw = NULL, *path;
	size_t len, n, ln = 0, hexlen, i;
	int star = 0, dotslash, dots = 0;
	struct entry *en;

	if (read_tag(g, m->name, TAG_FILE_MAX, &buf, &len) != 0) {
		goto done;
	}
	text = tag_text(g, m->name, buf, len);
	if (text == NULL) {
		goto done;
	}
	hexlen = (size_t)EVP_MD_get_size(m->md) * 2;
	p = text;
	while (next_line(&p, &line, &n)) {
		ln++;
		for (i = 0; i < n && is_blank(line[i]); i++) {
		}
		if (i == n) {
			continue;
		}
		sp = line;
		while (sp < line + n && !is_blank(*sp)) {
			sp++;
		}
		if ((size_t)(sp - line) != hexlen || !is_hex(line, hexlen)) {
			bag_error(g, m->name, "%s line %zu: '%.*s' is not a "
				"%s checksum", m->name, ln,
				(int)((sp - line) > 80 ? 80 : (sp - line)),
				line, m->alg);
			continue;
		}
		while (sp < line + n && is_blank(*sp)) {
			sp++;
		}
		if (sp == line + n) {
			bag_error(g, m->name, "%s line %zu has a checksum but "
				"no file path", m->name, ln);
			continue;
		}
		free(raw);
		raw = hd_xstrndup(sp, (size_t)(line + n - sp));
		if (raw[0] == '*') {
			/* md5sum -b writes "sum *path" */
			if (!star) {
				bag_warn(g, m->name, "%s: paths marked '*' "
					"as md5sum -b writes them", m->name);
			}
			star = 1;
			memmove(raw, raw + 1, strlen(raw));
		}
		if (g->major >= 1) {
			hd_bag_path_decode(raw);
		}
		path = clean_path(raw, &why, &dotslash);
		if (path == NULL) {
			bag_error(g, m->name, "%s line %zu: '%s' %s", m->name,
				ln, hd_name_show(raw, shown), why);
			continue;
		}
		if (dotslash && !dots) {
			bag_warn(g, m->name, "%s: paths such as '%s' hold "
				"'./' or '//'", m->name,
				hd_name_show(raw, shown));
			dots = 1;
		}
		if (!m->tag && (strncmp(path, "data/", 5) != 0)) {
			bag_error(g, m->name, "%s line %zu: '%s' is outside "
				"the payload folder data/", m->name, ln,
				hd_name_show(raw, shown));
			free(path);
			continue;
		}
		if (g->nents == g->capents) {
			g->capents = g->capents ? g->capents * 2 : 64;
			g->ents = hd_xrealloc(g->ents,
				g->capents * sizeof *g->ents);
		}
		en = &g->ents[g->nents++];
		en->path = path;
		en->sum = hd_xstrndup(line, hexlen);
		for (i = 0; i < hexlen; i++) {
			if (en->sum[i] >= 'A' && en->sum[i] <= 'F') {
				en->sum[i] = (char)(en->sum[i] - 'A' + 'a');
			}
		}
		en->man = mi;
		en->line = ln;
		en->file = -1;
	}
done:
	free(buf);
	free(text);
	free(raw);
}

/* An entry with its path in NFC, for finding the same name written
 * under two Unicode normalisations. */
struct entry_key {
	struct entry *en;
	char *key;              /* en->path, or its NFC */
};

/* qsort order of struct entry_key: by manifest, then key. */
static int cmp_key(const void *x, const void *y)
{
	const struct entry_key *a = x, *b = y;

	if (a->en->man != b->en->man) {
		return a->en->man - b->en->man;
	}
	return strcmp(a->key, b->key);
}

/* A path listed twice in one manifest: an error in 1.0 (and always when
 * the checksums differ), a warning before.  The same name listed under
 * two Unicode normalisations is a warning. */
static void check_duplicates(struct bag *g)
{
	char shown[HD_SHOW_SIZE];
	struct entry_key *v;
	struct entry *a, *b;
	size_t i;

	if (g->nents < 2) {
		return;
	}
	v = hd_xmalloc(g->nents * sizeof *v);
	for (i = 0; i < g->nents; i++) {
		v[i].en = &g->ents[i];
		v[i].key = g->ents[i].path;
	}
	qsort(v, g->nents, sizeof *v, cmp_key);
	for (i = 1; i < g->nents; i++) {
		a = v[i - 1].en;
		b = v[i].en;
		if (a->man != b->man || strcmp(a->path, b->path) != 0) {
			continue;
		}
		if (strcmp(a->sum, b->sum) != 0) {
			bag_error(g, a->path, "%s lists '%s' twice with "
				"different checksums", g->man[a->man].name,
				hd_name_show(a->path, shown));
		} else if (g->major >= 1) {
			bag_error(g, a->path, "%s lists '%s' twice",
				g->man[a->man].name,
				hd_name_show(a->path, shown));
		} else {
			bag_warn(g, a->path, "%s lists '%s' twice",
				g->man[a->man].name,
				hd_name_show(a->path, shown));
		}
	}
	for (i = 0; i < g->nents; i++) {
		v[i].en = &g->ents[i];
		v[i].key = nfc_or_copy(g->ents[i].path);
	}
	qsort(v, g->nents, sizeof *v, cmp_key);
	for (i = 1; i < g->nents; i++) {
		a = v[i - 1].en;
		b = v[i].en;
		if (a->man == b->man && strcmp(a->path, b->path) != 0 &&
		    strcmp(v[i - 1].key, v[i].key) == 0) {
			bag_warn(g, a->path, "%s lists '%s' twice, under two "
				"Unicode normalisations", g->man[a->man].name,
				hd_name_show(v[i].key, shown));
		}
	}
	for (i = 0; i < g->nents; i++) {
		free(v[i].key);
	}
	free(v);
}

/* Find the file each entry names: the exact name, else the same name in
 * NFC, else the same name in another letter case (a bag made on macOS or
 * Windows), with a warning. */
static void match_entries(struct bag *g)
{
	char shown[HD_SHOW_SIZE], shown2[HD_SHOW_SIZE];
	struct entry *en;
	struct bfile *f;
	char *nfc, *fold;
	size_t i;

	for (i = 0; i < g->nents; i++) {
		en = &g->ents[i];
		f = find_exact(g, en->path);
		if (f == NULL) {
			nfc = nfc_or_copy(en->path);
			fold = fold_ascii(nfc);
			f = find_index(g->by_nfc, g->nfiles, nfc, 0);
			if (f != NULL) {
				bag_warn(g, en->path, "%s lists '%s', found as "
					"'%s' (another Unicode normalisation)",
					g->man[en->man].name,
					hd_name_show(en->path, shown),
					hd_name_show(f->rel, shown2));
			} else {
				f = find_index(g->by_fold, g->nfiles, fold, 1);
				if (f != NULL) {
					bag_warn(g, en->path, "%s lists '%s', "
						"found as '%s' (names differ "
						"in letter case)",
						g->man[en->man].name,
						hd_name_show(en->path, shown),
						hd_name_show(f->rel, shown2));
				}
			}
			free(nfc);
			free(fold);
		}
		if (f == NULL) {
			bag_error(g, en->path, "%s lists '%s', which is not "
				"in the bag", g->man[en->man].name,
				hd_name_show(en->path, shown));
			continue;
		}
		en->file = (long)(f - g->files);
		f->listed |= 1u << en->man;
	}
}

/* Every payload file must be in every payload manifest. */
static void check_complete(struct bag *g)
{
	char shown[HD_SHOW_SIZE];
	struct bfile *f;
	size_t i, m;

	for (i = 0; i < g->nfiles; i++) {
		f = &g->files[i];
		if (!f->payload) {
			continue;
		}
		for (m = 0; m < g->nman; m++) {
			if (!g->man[m].tag && !(f->listed & (1u << m))) {
				bag_error(g, f->rel, "'%s' is in the payload "
					"but not in %s",
					hd_name_show(f->rel, shown),
					g->man[m].name);
			}
		}
	}
}

/* qsort order of entry pointers: by file, then manifest, so that the
 * entries of one file stand together. */
static int cmp_ent_file(const void *x, const void *y)
{
	const struct entry *a = *(struct entry *const *)x;
	const struct entry *b = *(struct entry *const *)y;

	if (a->file != b->file) {
		return a->file < b->file ? -1 : 1;
	}
	return a->man - b->man;
}

/* Hash the file f once with every algorithm its entries need (mask) and
 * put the hex digests in hex[m].  Returns 0 or -1 with an error noted. */
static int hash_file(struct bag *g, struct bfile *f, uint32_t mask,
	char hex[][EVP_MAX_MD_SIZE * 2 + 1])
{
	char shown[HD_SHOW_SIZE];
	EVP_MD_CTX *ctx[BAG_MAX_MANIFESTS] = { NULL };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned char *buf = NULL;
	unsigned int mdlen, k;
	char *path = hd_xasprintf("%s/%s", g->dir, f->rel);
	ssize_t r;
	size_t m;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		bag_error(g, f->rel, "'%s': cannot open: %s",
			hd_name_show(f->rel, shown), strerror(errno));
		goto done;
	}
	for (m = 0; m < g->nman; m++) {
		if (mask & (1u << m)) {
			ctx[m] = EVP_MD_CTX_new();
			if (ctx[m] == NULL ||
			    !EVP_DigestInit_ex(ctx[m], g->man[m].md, NULL)) {
				bag_error(g, f->rel, "'%s': %s not available",
					hd_name_show(f->rel, shown),
					g->man[m].alg);
				goto done;
			}
		}
	}
	buf = hd_xmalloc(READ_CHUNK);
	for (;;) {
		r = read(fd, buf, READ_CHUNK);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			bag_error(g, f->rel, "'%s': cannot read: %s",
				hd_name_show(f->rel, shown), strerror(errno));
			goto done;
		}
		if (r == 0) {
			break;
		}
		for (m = 0; m < g->nman; m++) {
			if (ctx[m] != NULL) {
				EVP_DigestUpdate(ctx[m], buf, (size_t)r);
			}
		}
	}
	for (m = 0; m < g->nman; m++) {
		if (ctx[m] == NULL) {
			continue;
		}
		EVP_DigestFinal_ex(ctx[m], md, &mdlen);
		for (k = 0; k < mdlen; k++) {
			snprintf(hex[m] + 2 * k, 3, "%02x", md[k]);
		}
		hex[m][2 * mdlen] = '\0';
	}
	rc = 0;
done:
	for (m = 0; m < g->nman; m++) {
		EVP_MD_CTX_free(ctx[m]);
	}
	if (fd >= 0) {
		close(fd);
	}
	free(buf);
	free(path);
	return rc;
}

/* Verify every checksum, reading each file once. */
static void verify_sums(struct bag *g)
{
	char hex[BAG_MAX_MANIFESTS][EVP_MAX_MD_SIZE * 2 + 1];
	char shown[HD_SHOW_SIZE];
	struct entry **v, *en;
	size_t i, j, n = 0;
	uint32_t mask;

	v = hd_xmalloc((g->nents + 1) * sizeof *v);
	for (i = 0; i < g->nents; i++) {
		if (g->ents[i].file >= 0) {
			v[n++] = &g->ents[i];
		}
	}
	qsort(v, n, sizeof *v, cmp_ent_file);
	for (i = 0; i < n; i = j) {
		mask = 0;
		for (j = i; j < n && v[j]->file == v[i]->file; j++) {
			mask |= 1u << v[j]->man;
		}
		if (hash_file(g, &g->files[v[i]->file], mask, hex) != 0) {
			continue;
		}
		for (; i < j; i++) {
			en = v[i];
			if (strcmp(hex[en->man], en->sum) != 0) {
				bag_error(g, en->path, "'%s' does not match "
					"its %s checksum in %s (listed "
					"%.12s..., file %.12s...)",
					hd_name_show(en->path, shown),
					g->man[en->man].alg,
					g->man[en->man].name, en->sum,
					hex[en->man]);
			}
		}
	}
	free(v);
}

/* fetch.txt: "URL LENGTH PATH" lines.  Nothing is fetched: every path
 * must be safe, in data/, and already present. */
static void check_fetch(struct bag *g)
{
	char shown[HD_SHOW_SIZE];
	const char *p, *line, *q, *why;
	char *buf = NULL, *text = NULL, *raw = NULL, *path, *nfc;
	size_t len, n, ln = 0;
	int field, dotslash, warned = 0;

	if (find_exact(g, "fetch.txt") == NULL) {
		return;
	}
	if (read_tag(g, "fetch.txt", TAG_FILE_MAX, &buf, &len) != 0) {
		goto done;
	}
	text = tag_text(g, "fetch.txt", buf, len);
	if (text == NULL) {
		goto done;
	}
	p = text;
	while (next_line(&p, &line, &n)) {
		ln++;
		q = line;
		for (field = 0; field < 2; field++) {
			while (q < line + n && is_blank(*q)) {
				q++;
			}
			while (q < line + n && !is_blank(*q)) {
				q++;
			}
		}
		while (q < line + n && is_blank(*q)) {
			q++;
		}
		if (q == line && n == 0) {
			continue;
		}
		if (q == line + n) {
			bag_error(g, "fetch.txt", "fetch.txt line %zu is not "
				"'URL LENGTH PATH'", ln);
			continue;
		}
		free(raw);
		raw = hd_xstrndup(q, (size_t)(line + n - q));
		if (g->major >= 1) {
			hd_bag_path_decode(raw);
		}
		path = clean_path(raw, &why, &dotslash);
		if (path == NULL) {
			bag_error(g, "fetch.txt", "fetch.txt line %zu: '%s' %s",
				ln, hd_name_show(raw, shown), why);
			continue;
		}
		if (strncmp(path, "data/", 5) != 0) {
			bag_error(g, "fetch.txt", "fetch.txt line %zu: '%s' "
				"is outside the payload folder data/", ln,
				hd_name_show(raw, shown));
		} else {
			nfc = nfc_or_copy(path);
			if (find_exact(g, path) == NULL &&
			    find_index(g->by_nfc, g->nfiles, nfc, 0) == NULL) {
				bag_error(g, path, "fetch.txt line %zu: '%s' "
					"is to be fetched; Hongdang never "
					"fetches, so the bag is incomplete",
					ln, hd_name_show(path, shown));
			} else if (!warned) {
				bag_warn(g, "fetch.txt", "fetch.txt lists "
					"files that are already present; "
					"nothing was fetched");
				warned = 1;
			}
			free(nfc);
		}
		free(path);
	}
done:
	free(buf);
	free(text);
	free(raw);
}

/* Files that operating systems leave behind: valid, but worth a word. */
static void check_system_files(struct bag *g)
{
	char shown[HD_SHOW_SIZE];
	const char *base;
	size_t i;

	for (i = 0; i < g->nfiles; i++) {
		if (!g->files[i].payload) {
			continue;
		}
		base = strrchr(g->files[i].rel, '/');
		base = base != NULL ? base + 1 : g->files[i].rel;
		if (hd_fs_system_file(base)) {
			bag_warn(g, g->files[i].rel, "'%s' is a file the "
				"operating system made, not a record",
				hd_name_show(g->files[i].rel, shown));
		}
	}
}

/*
 * hd_bag_validate: see hd.h.  The steps run in an order that lets each
 * trust the one before: the walk lists the files, bagit.txt gives the
 * version and encoding every other tag file is read with, the manifests
 * are read, matched with the files and checked, then bag-info.txt,
 * fetch.txt and the payload's system files.  A bag that cannot be walked
 * or whose bagit.txt cannot be read stops there.  Returns 0 or HD_EINVAL
 * ("DIR: invalid BagIt bag, N problems: FIRST (and more)"); r holds the
 * notes and tags (hd_bag_report_release).
 */
int hd_bag_validate(const char *dir, struct hd_bag_report *r,
	struct hd_error *e)
{
	struct bag g;
	struct stat st;
	char *data = NULL;
	size_t i;
	int m;

	memset(r, 0, sizeof *r);
	memset(&g, 0, sizeof g);
	g.dir = dir;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		bag_error(&g, ".", "%s is not a folder", dir);
		goto done;
	}
	if (walk(&g, "", 0) != 0) {
		goto done;
	}
	index_files(&g);
	if (read_bagit_txt(&g) != 0) {
		goto done;
	}
	data = hd_xasprintf("%s/data", dir);
	if (lstat(data, &st) != 0 || !S_ISDIR(st.st_mode)) {
		bag_error(&g, "data", "the payload folder data/ is missing");
	}
	find_manifests(&g);
	for (m = 0; m < (int)g.nman; m++) {
		read_manifest(&g, m);
	}
	check_duplicates(&g);
	match_entries(&g);
	check_complete(&g);
	verify_sums(&g);
	read_bag_info(&g);
	check_fetch(&g);
	check_system_files(&g);
done:
	free(data);
	for (i = 0; i < g.nfiles; i++) {
		free(g.files[i].rel);
		free(g.files[i].nfc);
		free(g.files[i].fold);
	}
	free(g.files);
	free(g.by_nfc);
	free(g.by_fold);
	for (i = 0; i < g.nman; i++) {
		free(g.man[i].name);
	}
	for (i = 0; i < g.nents; i++) {
		free(g.ents[i].path);
		free(g.ents[i].sum);
	}
	free(g.ents);
	free(g.enc);
	r->errs = g.errs;
	r->nerrs = g.nerrs;
	r->warns = g.warns;
	r->nwarns = g.nwarns;
	r->info = g.info;
	r->ninfo = g.ninfo;
	if (r->nerrs == 0) {
		return 0;
	}
	return hd_err(e, HD_EINVAL, "%s: invalid BagIt bag, %zu problem%s: "
		"%s%s", dir, r->nerrs, r->nerrs == 1 ? "" : "s",
		r->errs[0].msg, r->nerrs > 1 ? " (and more)" : "");
}
