/*
 * fuzz_bagit.c - libFuzzer target for the BagIt reader
 * (archive/bagit_validate.c): bagit.txt, the manifests, bag-info.txt and
 * fetch.txt of a bag a neighbour hands over, and the writer's bag-info
 * (archive/bagit.c) read back.
 *
 * Each input becomes a bag folder in a scratch folder (on /dev/shm when
 * there is one: fsync is free there).  The bag starts as a good one:
 * bagit.txt (1.0, UTF-8), two payload files under data/ with Chinese
 * names, manifest-sha256.txt, bag-info.txt and tagmanifest-sha256.txt.
 * An input that does not start with "@@ " is the bag's bag-info.txt;
 * otherwise it is sections, "@@ PATH" on a line and the file's bytes
 * after it up to the next "\n@@ ", each replacing or adding the file
 * PATH ("@@ -PATH" removes it; a path that would leave the bag is
 * skipped).  In a file called manifest-ALG.txt or tagmanifest-ALG.txt
 * at the top, a line "= PATH" gets the checksum of PATH written in place
 * of the '=' (payload manifests first), and "Payload-Oxum: =" in
 * bag-info.txt (package-info.txt) the payload's real one, so that inputs reach the
 * checksums' far side.  Invariants:
 *  - hd_bag_validate returns 0 exactly when it notes no problem, else
 *    HD_EINVAL naming the folder; every note is one line of UTF-8;
 *  - every bag-info tag is UTF-8 without a line break, its label without
 *    ':' and both without white space at either end;
 *  - a valid bag no longer is once a payload file changes by a byte, an
 *    unlisted payload file appears, or a payload file disappears;
 *  - the tags read, written again by the bag writer (hd_bagw_info) and
 *    read from that bag, are the same (tabs in a value aside, which the
 *    writer turns into spaces; empty values, which it leaves out; and a
 *    first label starting with U+FEFF, which reads as a byte-order mark:
 *    the writer's labels are the program's own).
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include "../../archive/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

#define PATH_MAX_FUZZ 200       /* bytes of a path an input may name */
#define FILES_MAX 32            /* sections an input may give */
#define UNLISTED "data/未列出的文件.txt"

static char *scratch;           /* the scratch folder, made once */

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "invariant broken: %s: %s\n", what, detail);
	abort();
}

/* A file of the bag: path and bytes (NULL: removed). */
struct bfile {
	char *path;
	unsigned char *p;
	size_t n;
};

struct bag {
	struct bfile f[FILES_MAX + 8];
	size_t n;
};

/* The good bag every input starts from. */
static const struct {
	const char *path, *text;
} good[] = {
	{"bagit.txt", "BagIt-Version: 1.0\n"
		"Tag-File-Character-Encoding: UTF-8\n"},
	{"data/前锋社区/沿革.txt", "前锋社区位于番禺区市桥街。\n"},
	{"data/照片 1.jpg", "\xff\xd8\xff\xe0 JFIF 街坊出力\n"},
	{"manifest-sha256.txt", "= data/前锋社区/沿革.txt\n"
		"= data/照片 1.jpg\n"},
	{"bag-info.txt", "Source-Organization: 番禺区前锋社区档案室\n"
		"Bagging-Date: 2024-05-01\nPayload-Oxum: =\n"
		"External-Description: 台风过后清理河涌淤泥的照片和文字，\n"
		"  由街坊整理。\n"},
	{"tagmanifest-sha256.txt", "= bagit.txt\n= bag-info.txt\n"
		"= manifest-sha256.txt\n"},
};

/* Set file path of g to p[0..n) (p NULL: remove it). */
static void bag_set(struct bag *g, const char *path, size_t np,
	const void *p, size_t n)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (strlen(g->f[i].path) == np &&
		    memcmp(g->f[i].path, path, np) == 0) {
			break;
		}
	}
	if (i == g->n) {
		if (p == NULL || g->n == sizeof g->f / sizeof g->f[0]) {
			return;
		}
		g->f[g->n].path = hd_xstrndup(path, np);
		g->f[g->n].p = NULL;
		g->n++;
	}
	free(g->f[i].p);
	g->f[i].p = NULL;
	g->f[i].n = 0;
	if (p != NULL) {
		g->f[i].p = hd_xmalloc(n + 1);
		memcpy(g->f[i].p, p, n);
		g->f[i].n = n;
	}
}

static void bag_release(struct bag *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->f[i].path);
		free(g->f[i].p);
	}
	g->n = 0;
}

/* 1 when path p[0..n) stays inside the bag: relative, no "." or ".."
 * or empty component, no NUL, not too long. */
static int path_ok(const char *p, size_t n)
{
	size_t i, start = 0;

	if (n == 0 || n > PATH_MAX_FUZZ || memchr(p, '\0', n) != NULL) {
		return 0;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '/') {
			continue;
		}
		if (i == start || (i - start == 1 && p[start] == '.') ||
		    (i - start == 2 && p[start] == '.' && p[start + 1] == '.')) {
			return 0;
		}
		start = i + 1;
	}
	return 1;
}

/* The input's changes to the good bag. */
static void bag_from_input(struct bag *g, const char *s, size_t n)
{
	const char *end = s + n, *nl, *body, *next;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		bag_set(g, good[i].path, strlen(good[i].path), good[i].text,
			strlen(good[i].text));
	}
	if (n < 3 || memcmp(s, "@@ ", 3) != 0) {
		bag_set(g, "bag-info.txt", 12, s, n);
		return;
	}
	while (s < end) {
		s += 3;
		nl = memchr(s, '\n', (size_t)(end - s));
		body = nl != NULL ? nl + 1 : end;
		next = memmem(body, (size_t)(end - body), "\n@@ ", 4);
		if (nl == NULL) {
			nl = end;
		}
		if (s < nl && *s == '-') {
			if (path_ok(s + 1, (size_t)(nl - s - 1))) {
				bag_set(g, s + 1, (size_t)(nl - s - 1), NULL,
					0);
			}
		} else if (path_ok(s, (size_t)(nl - s))) {
			bag_set(g, s, (size_t)(nl - s), body,
				(size_t)((next != NULL ? next : end) - body));
		}
		s = next != NULL ? next + 1 : end;
	}
}

/* ------------------------------------------------------ on disk */

/* Make the folders of dir/rel's parent.  0 or -1. */
static int make_parents(const char *dir, const char *rel)
{
	char *p = hd_xasprintf("%s/%s", dir, rel), *slash;

	for (slash = strchr(p + strlen(dir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*slash = '/';
	}
	free(p);
	return 0;
}

/* Write p[0..n) as dir/rel; a failure (a file where a folder must be)
 * leaves the file out.  Returns 0 or -1. */
static int put(const char *dir, const char *rel, const void *p, size_t n)
{
	char *path = hd_xasprintf("%s/%s", dir, rel);
	int fd, rc = -1;

	if (make_parents(dir, rel) == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			rc = write(fd, p, n) == (ssize_t)n ? 0 : -1;
			close(fd);
		}
	}
	free(path);
	return rc;
}

/* The regular files under dir/rel ("" the top): count and bytes of
 * those whose bag path starts with data/, and the path of the one
 * numbered pick (from 0, in the order found; a new string, or NULL when
 * there are fewer) into *picked. */
static void payload(const char *dir, const char *rel, uint64_t *files,
	uint64_t *bytes, uint64_t pick, char **picked)
{
	char *path = rel[0] ? hd_xasprintf("%s/%s", dir, rel) :
		hd_xstrdup(dir), *sub;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(path);

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		sub = rel[0] ? hd_xasprintf("%s/%s", rel, de->d_name) :
			hd_xstrdup(de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISDIR(st.st_mode)) {
				payload(dir, sub, files, bytes, pick, picked);
			} else if (S_ISREG(st.st_mode) &&
			    strncmp(sub, "data/", 5) == 0) {
				if (*files == pick) {
					*picked = hd_xstrdup(sub);
				}
				(*files)++;
				*bytes += (uint64_t)st.st_size;
			}
		}
		free(sub);
	}
	if (d != NULL) {
		closedir(d);
	}
	free(path);
}

/* The hex digest of dir/rel with the algorithm alg into hex; 0, or -1
 * when there is no such file or algorithm. */
static int digest(const char *dir, const char *rel, const char *alg,
	char hex[EVP_MAX_MD_SIZE * 2 + 1])
{
	const EVP_MD *md = EVP_get_digestbyname(alg);
	unsigned char *buf = NULL, out[EVP_MAX_MD_SIZE];
	char *path;
	unsigned int k, len = 0;
	size_t n = 0;
	int more = 0, rc = -1;

	if (md == NULL) {
		return -1;
	}
	path = hd_xasprintf("%s/%s", dir, rel);
	if (hd_read_file(path, 1u << 20, &buf, &n, &more) == 0 &&
	    EVP_Digest(buf, n, out, &len, md, NULL) == 1) {
		for (k = 0; k < len; k++) {
			snprintf(hex + 2 * k, 3, "%02x", out[k]);
		}
		rc = 0;
	}
	free(buf);
	free(path);
	return rc;
}

/* The algorithm of manifest name rel ("manifest-sha256.txt") into alg
 * (32 bytes); 1 for a payload manifest, 2 a tag manifest, 0 neither. */
static int manifest_alg(const char *rel, char alg[32])
{
	size_t n = strlen(rel), pre;
	int kind;

	if (strncmp(rel, "manifest-", 9) == 0) {
		pre = 9;
		kind = 1;
	} else if (strncmp(rel, "tagmanifest-", 12) == 0) {
		pre = 12;
		kind = 2;
	} else {
		return 0;
	}
	if (strchr(rel, '/') != NULL || n < pre + 5 || n - pre - 4 >= 32 ||
	    strcmp(rel + n - 4, ".txt") != 0) {
		return 0;
	}
	memcpy(alg, rel + pre, n - pre - 4);
	alg[n - pre - 4] = '\0';
	return kind;
}

/* f's "= PATH" lines with the checksum of PATH (with alg). */
static void fill_sums(const char *dir, struct bfile *f, const char *alg)
{
	char hex[EVP_MAX_MD_SIZE * 2 + 1], *path;
	const char *s = (const char *)f->p, *end = s + f->n, *nl;
	struct hd_buf b;

	hd_buf_init(&b);
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		nl = nl != NULL ? nl + 1 : end;
		path = NULL;
		if (nl - s > 2 && s[0] == '=' && s[1] == ' ') {
			path = hd_xstrndup(s + 2, (size_t)(nl - s - 2));
			path[strcspn(path, "\r\n")] = '\0';
		}
		if (path != NULL && digest(dir, path, alg, hex) == 0) {
			hd_buf_puts(&b, hex);
			hd_buf_add(&b, s + 1, (size_t)(nl - s - 1));
		} else {
			hd_buf_add(&b, s, (size_t)(nl - s));
		}
		free(path);
		s = nl;
	}
	free(f->p);
	f->n = b.len;
	f->p = (unsigned char *)hd_buf_detach(&b);
}

/* bag-info.txt's "Payload-Oxum: =" with the payload on disk in dir. */
static void fill_oxum(const char *dir, struct bfile *f)
{
	static const char key[] = "Payload-Oxum: =";
	uint64_t files = 0, bytes = 0;
	unsigned char *at = memmem(f->p, f->n, key, sizeof key - 1);
	char *first = NULL;
	struct hd_buf b;
	size_t pre;

	if (at == NULL) {
		return;
	}
	payload(dir, "", &files, &bytes, 0, &first);
	free(first);
	pre = (size_t)(at - f->p);
	hd_buf_init(&b);
	hd_buf_add(&b, f->p, pre);
	hd_buf_printf(&b, "Payload-Oxum: %llu.%llu",
		(unsigned long long)bytes, (unsigned long long)files);
	hd_buf_add(&b, at + sizeof key - 1, f->n - pre - (sizeof key - 1));
	free(f->p);
	f->n = b.len;
	f->p = (unsigned char *)hd_buf_detach(&b);
}

/* Write bag g into dir (made new): the plain files, then bag-info.txt
 * with its Payload-Oxum, the payload manifests, the tag manifests. */
static void bag_write(struct bag *g, const char *dir)
{
	struct bfile *f;
	char alg[32];
	size_t i;
	int pass, kind, info;

	if (mkdir(dir, 0755) != 0) {
		fail("mkdir", strerror(errno));
	}
	for (pass = 0; pass < 4; pass++) {
		for (i = 0; i < g->n; i++) {
			f = &g->f[i];
			kind = manifest_alg(f->path, alg);
			info = strcmp(f->path, "bag-info.txt") == 0 ||
				strcmp(f->path, "package-info.txt") == 0;
			if (f->p == NULL || (pass == 0 && (kind || info)) ||
			    (pass == 1 && !info) ||
			    (pass == 2 && kind != 1) ||
			    (pass == 3 && kind != 2)) {
				continue;
			}
			if (info) {
				fill_oxum(dir, f);
			}
			if (kind != 0) {
				fill_sums(dir, f, alg);
			}
			put(dir, f->path, f->p, f->n);
		}
	}
}

/* ------------------------------------------------------------ checks */

/* 1 when s holds a character a line of text may not: a control
 * character other than tab. */
static int has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t') {
			return 1;
		}
	}
	return 0;
}

/* 1 when s starts or ends with white space hd_trim removes. */
static int untrimmed(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && (s[0] == ' ' || s[0] == '\t' ||
		s[n - 1] == ' ' || s[n - 1] == '\t' ||
		strncmp(s, "\xE3\x80\x80", 3) == 0 ||
		(n >= 3 && strcmp(s + n - 3, "\xE3\x80\x80") == 0));
}

/* Validate the bag in dir: the invariants of any verdict (file
 * comment).  Returns 1 when it is valid; *r keeps the report. */
static int validate(const char *dir, struct hd_bag_report *r)
{
	struct hd_error e;
	size_t i;
	int rc;

	hd_err_clear(&e);
	rc = hd_bag_validate(dir, r, &e);
	if (rc != 0 && rc != HD_EINVAL) {
		fail("an unexpected error", e.msg);
	}
	if ((rc == 0) != (r->nerrs == 0)) {
		fail("the verdict and the problems disagree", e.msg);
	}
	if (rc != 0 && strncmp(e.msg, dir, strlen(dir)) != 0) {
		fail("the message does not name the bag", e.msg);
	}
	for (i = 0; i < r->nerrs + r->nwarns; i++) {
		const struct hd_note *t = i < r->nerrs ? &r->errs[i] :
			&r->warns[i - r->nerrs];

		if (!hd_utf8_valid(t->msg, strlen(t->msg)) ||
		    has_control(t->msg) || has_control(t->path) ||
		    !hd_utf8_valid(t->path, strlen(t->path))) {
			fail("a note is not one line of UTF-8", t->msg);
		}
	}
	for (i = 0; i < r->ninfo; i++) {
		const struct hd_bag_tag *t = &r->info[i];

		if (!hd_utf8_valid(t->label, strlen(t->label)) ||
		    !hd_utf8_valid(t->value, strlen(t->value)) ||
		    strpbrk(t->label, "\r\n:") != NULL ||
		    strpbrk(t->value, "\r\n") != NULL) {
			fail("a tag is not a label and a line of UTF-8",
				t->label);
		}
		if (untrimmed(t->label) || untrimmed(t->value)) {
			fail("a tag keeps white space at an end", t->label);
		}
	}
	return rc == 0;
}

/* The valid bag in dir after a change (how, to what) must no longer be
 * valid. */
static void must_fail(const char *dir, const char *how, const char *what)
{
	struct hd_bag_report r;

	if (validate(dir, &r)) {
		fprintf(stderr, "%s: %s\n", how, what);
		fail("a changed bag is still valid", how);
	}
	hd_bag_report_release(&r);
}

/* A valid bag in dir: a payload file (the one numbered pick, modulo
 * their count) changed, then removed, and an unlisted one added must
 * each make it invalid. */
static void tamper(const char *dir, size_t pick)
{
	uint64_t files = 0, bytes = 0, count;
	char *victim = NULL, *path;
	FILE *fp;

	payload(dir, "", &files, &bytes, UINT64_MAX, &victim);
	if (files > 0) {
		count = files;
		files = 0;
		payload(dir, "", &files, &bytes, pick % count, &victim);
		path = hd_xasprintf("%s/%s", dir, victim);
		fp = fopen(path, "ab");
		if (fp == NULL) {
			fail("fopen", path);
		}
		fputc('x', fp);
		fclose(fp);
		must_fail(dir, "a payload file one byte longer", victim);
		if (unlink(path) != 0) {
			fail("unlink", path);
		}
		must_fail(dir, "a payload file removed", victim);
		free(path);
		free(victim);
	}
	if (put(dir, UNLISTED, "x", 1) == 0) {
		must_fail(dir, "a payload file added", UNLISTED);
	}
}

/* Tabs in s as spaces (a new string). */
static char *tabs_as_spaces(const char *s)
{
	char *c = hd_xstrdup(s), *p;

	for (p = c; *p != '\0'; p++) {
		if (*p == '\t') {
			*p = ' ';
		}
	}
	return c;
}

/* The tags t[0..n), written by the bag writer into a new bag in dir and
 * read back, must come back the same. */
static void round_trip(const char *dir, const struct hd_bag_tag *t,
	size_t n)
{
	struct hd_bag_report r;
	struct hd_bagw w;
	struct hd_error e;
	size_t i, k = 0;
	char *want;

	for (i = 0; i < n && t[i].value[0] == '\0'; i++) {
	}
	if (i < n && strncmp(t[i].label, "\xEF\xBB\xBF", 3) == 0) {
		return;         /* first in the file, U+FEFF is a BOM */
	}
	memset(&w, 0, sizeof w);
	if (hd_bagw_begin(&w, dir, &e) != 0 ||
	    hd_bagw_info(&w, t, n, &e) != 0 ||
	    hd_bagw_finish(&w, &e) != 0) {
		fail("the bag writer", e.msg);
	}
	validate(w.root, &r);
	for (i = 0; i < n; i++) {
		if (t[i].value[0] == '\0') {
			continue;
		}
		want = tabs_as_spaces(t[i].value);
		if (k >= r.ninfo || strcmp(r.info[k].label, t[i].label) != 0 ||
		    strcmp(r.info[k].value, want) != 0) {
			fprintf(stderr, "tag %zu: '%s: %s' came back as "
				"'%s: %s'\n", i, t[i].label, want,
				k < r.ninfo ? r.info[k].label : "(none)",
				k < r.ninfo ? r.info[k].value : "");
			fail("bag-info.txt written and read again differs",
				t[i].label);
		}
		free(want);
		k++;
	}
	if (k != r.ninfo) {
		fail("bag-info.txt written and read again has more tags", "");
	}
	hd_bag_report_release(&r);
	hd_bagw_discard(&w);
	hd_bagw_release(&w);
}

/* atexit: remove the scratch folder. */
static void cleanup(void)
{
	hd_fs_rmtree(scratch);
}

/* The scratch folder: on /dev/shm when there is one, removed at the
 * exit. */
static void setup(void)
{
	struct stat st;
	char *t;

	t = hd_xstrdup(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		access("/dev/shm", W_OK) == 0 ? "/dev/shm/hd-fuzz-bagit-XXXXXX" :
		"/tmp/hd-fuzz-bagit-XXXXXX");
	scratch = mkdtemp(t);
	if (scratch == NULL) {
		fail("mkdtemp", strerror(errno));
	}
	atexit(cleanup);
}

/* One input: see the file comment. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	struct hd_bag_report r;
	struct bag g;
	char *dir, *out;

	if (scratch == NULL) {
		setup();
	}
	memset(&g, 0, sizeof g);
	bag_from_input(&g, (const char *)data, n);
	dir = hd_xasprintf("%s/bag", scratch);
	out = hd_xasprintf("%s/again", scratch);
	hd_fs_rmtree(dir);
	bag_write(&g, dir);
	if (validate(dir, &r)) {
		tamper(dir, n);
	}
	round_trip(out, r.info, r.ninfo);
	hd_bag_report_release(&r);
	hd_fs_rmtree(dir);
	bag_release(&g);
	free(dir);
	free(out);
	return 0;
}
