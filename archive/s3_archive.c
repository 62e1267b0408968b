/*
 * s3_archive.c - an archive whose objects live in a bucket: made by
 * init in one transaction with the bucket and its settings (a failed
 * one leaves nothing), opened from those settings (refused, naming
 * them, when they name nothing this library knows), and asked where its
 * objects are.  s3.c does the talking to the store.
 */
#include "s3_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

/* ------------------------------------------------------ the archive */

/* hd_store_remote: see hd_s3.h. */
int hd_store_remote(const struct hd_archive *a)
{
	return a->s3 != NULL;
}

/* hd_store_where: see hd_s3.h. */
const char *hd_store_where(const struct hd_archive *a)
{
	return a->s3 != NULL ? a->s3->where : a->objdir;
}

/* A setting of a as a new string, or NULL when unset or unreadable. */
static char *setting(struct hd_archive *a, const char *key)
{
	struct hd_error e;
	char *v = NULL;

	hd_err_clear(&e);
	if (hd_meta_get(a, key, NULL, &v, &e) != 0) {
		return NULL;
	}
	return v;
}

/* 1 when s is an endpoint: http:// or https:// then a host, an optional
 * port, nothing else (no path, query, user or white space). */
static int endpoint_ok(const char *s)
{
	const char *h;

	if (strncmp(s, "http://", 7) == 0) {
		h = s + 7;
	} else if (strncmp(s, "https://", 8) == 0) {
		h = s + 8;
	} else {
		return 0;
	}
	if (*h == '\0' || strlen(s) > 1000) {
		return 0;
	}
	for (; *h; h++) {
		if (*h == '/' && h[1] == '\0') {
			break;
		}
		if (*h <= ' ' || strchr("/?#@\\", *h) != NULL) {
			return 0;
		}
	}
	return 1;
}

/* Setting key of a into *v: bytes S3 takes as a part, or def when
 * unset.  0, or HD_EINVAL naming the setting and its value. */
static int part_setting(struct hd_archive *a, const char *key,
	uint64_t def, uint64_t *v, struct hd_error *e)
{
	char *s = setting(a, key), *stop = NULL;
	unsigned long long n;
	int rc = 0;

	*v = def;
	if (s == NULL) {
		return 0;
	}
	errno = 0;
	n = strtoull(s, &stop, 10);
	if (!g_ascii_isdigit(s[0]) || *stop != '\0' || errno != 0 ||
	    n < HD_S3_PART_MIN || n > HD_S3_PART_MAX) {
		rc = hd_err(e, HD_EINVAL, "%s: setting %s '%.40s': give "
			"bytes from %llu (5 MiB) to %llu (5 GiB)", a->dir, key,
			s, (unsigned long long)HD_S3_PART_MIN,
			(unsigned long long)HD_S3_PART_MAX);
	} else {
		*v = n;
	}
	free(s);
	return rc;
}

/* hd_s3_load: see hd_s3.h.  No request is sent (a reader that never
 * touches an object never needs the store).  objects.store is empty
 * (the local store) or s3://BUCKET with s3.endpoint set; s3.multipart
 * and s3.part, when set, numbers of bytes S3 takes as a part.  0,
 * HD_EINVAL naming the setting and its value when it is none of these
 * (an archive whose objects are somewhere it cannot name is not opened:
 * it would read and write its own objects/ folder instead), or
 * HD_EDB. */
int hd_s3_load(struct hd_archive *a, struct hd_error *e)
{
	char *store = NULL, *end = NULL, *reg = NULL, *cred = NULL;
	char *bucket = NULL;
	uint64_t mp = HD_S3_MULTIPART_DEFAULT, part = HD_S3_PART_DEFAULT;
	int rc = 0;

	rc = hd_meta_get(a, "objects.store", "", &store, e);
	if (rc != 0) {
		return rc;
	}
	if (store[0] == '\0') {
		free(store);
		return 0;
	}
	if (hd_s3_url_parse(store, &bucket, NULL) != 0) {
		rc = hd_err(e, HD_EINVAL, "%s: setting objects.store '%.200s': "
			"not s3://BUCKET, and no other store is known; the "
			"archive is not opened", a->dir, store);
		free(store);
		return rc;
	}
	end = setting(a, "s3.endpoint");
	reg = setting(a, "s3.region");
	cred = setting(a, "s3.credentials");
	if (end == NULL || !endpoint_ok(end)) {
		rc = hd_err(e, HD_EINVAL, "%s: setting s3.endpoint '%.200s' of "
			"%s: not http(s)://HOST[:PORT]", a->dir, end ? end :
			"", store);
	}
	if (rc == 0) {
		rc = part_setting(a, "s3.multipart", HD_S3_MULTIPART_DEFAULT,
			&mp, e);
	}
	if (rc == 0) {
		rc = part_setting(a, "s3.part", HD_S3_PART_DEFAULT, &part, e);
	}
	if (rc == 0) {
		a->s3 = hd_s3_new(end, bucket, reg, cred, mp, part);
	}
	free(store);
	free(end);
	free(reg);
	free(cred);
	free(bucket);
	return rc;
}

/* hd_s3_url_parse: see hd_s3.h.  A bucket name as S3 allows it: 3-63
 * of lower-case letters, digits, '.' and '-', starting and ending with
 * a letter or digit. */
int hd_s3_url_parse(const char *url, char **bucket, struct hd_error *e)
{
	const char *b;
	size_t n, i;

	*bucket = NULL;
	if (url == NULL || strncmp(url, "s3://", 5) != 0) {
		return hd_err(e, HD_EUSAGE, "--objects '%s': give "
			"s3://BUCKET", url ? url : "");
	}
	b = url + 5;
	n = strlen(b);
	if (n > 0 && b[n - 1] == '/') {
		n--;
	}
	for (i = 0; i < n; i++) {
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' &&
		    b[i] <= '9') || b[i] == '.' || b[i] == '-')) {
			break;
		}
	}
	if (n < 3 || n > 63 || i < n || b[0] == '.' || b[0] == '-' ||
	    b[n - 1] == '.' || b[n - 1] == '-') {
		return hd_err(e, HD_EUSAGE, "--objects '%s': a bucket name "
			"is 3 to 63 lower-case letters, digits, '.' and '-'",
			url);
	}
	*bucket = hd_xstrndup(b, n);
	return 0;
}

/* Set setting key to value inside a's open transaction.  0 or HD_EDB. */
static int meta_put(struct hd_archive *a, const char *key,
	const char *value, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_META_SET, e);

	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, key);
	hd_bind_text(st, 2, value);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "set setting");
	}
	return 0;
}

/* What init_more needs: the bucket's connection, who runs init, and
 * whether it made the bucket. */
struct init_ctx {
	struct hd_s3 *s;
	const struct hd_agent *agent;
	int made_bucket;
};

/* hd_archive_init_with's more: inside the new archive's transaction,
 * the bucket made if missing (or found, and the keys taken), then the
 * settings that name it and an event.  0 or the first error. */
static int init_more(struct hd_archive *a, void *ud, struct hd_error *e)
{
	struct init_ctx *c = ud;
	struct hd_s3 *s = c->s;
	char *url, *detail;
	int rc;

	pthread_mutex_lock(&s->mu);
	rc = hd_s3_bucket_make(s, &c->made_bucket, e);
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		return rc;
	}
	url = hd_xasprintf("s3://%s", s->bucket);
	rc = meta_put(a, "objects.store", url, e);
	free(url);
	if (rc == 0) {
		rc = meta_put(a, "s3.endpoint", s->endpoint, e);
	}
	if (rc == 0) {
		rc = meta_put(a, "s3.region", s->region, e);
	}
	if (rc == 0 && s->credfile != NULL) {
		rc = meta_put(a, "s3.credentials", s->credfile, e);
	}
	if (rc == 0) {
		detail = hd_xasprintf("objects in %s (region %s)", s->where,
			s->region);
		rc = hd_event_add(a, "config", 0, c->agent, detail, e);
		free(detail);
	}
	return rc;
}

/* The folders an init of dir would make: dir and each missing folder
 * above it (deepest first), then its objects/ and tmp/ when dir is
 * there without them; *n of them, new strings in a new array. */
static char **missing_dirs(const char *dir, size_t *n)
{
	char **v = NULL, *p = hd_xstrdup(dir), *slash;
	const char *sub[] = { "objects", "tmp" };
	struct stat sb;
	size_t i, made;

	*n = 0;
	while (p[0] != '\0' && stat(p, &sb) != 0 && errno == ENOENT) {
		v = hd_xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = hd_xstrdup(p);
		slash = strrchr(p, '/');
		while (slash != NULL && slash > p && slash[-1] == '/') {
			slash--;
		}
		if (slash == NULL || slash == p) {
			break;
		}
		*slash = '\0';
	}
	free(p);
	for (i = 0, made = *n; made == 0 && i < 2; i++) {
		p = hd_xasprintf("%s/%s", dir, sub[i]);
		if (stat(p, &sb) != 0 && errno == ENOENT) {
			v = hd_xrealloc(v, (*n + 1) * sizeof *v);
			v[(*n)++] = p;
		} else {
			free(p);
		}
	}
	return v;
}

/* Undo a failed init of dir: the catalogue's files, then the folders
 * missing_dirs found missing (v, n of them; each removed only when
 * empty), so dir is left as it was.  v is freed. */
static void init_undo(const char *dir, char **v, size_t n)
{
	static const char *const files[] = { "hongdang.db",
		"hongdang.db-wal", "hongdang.db-shm", "hongdang.db-journal" };
	char *p;
	size_t i;

	for (i = 0; i < sizeof files / sizeof *files; i++) {
		p = hd_xasprintf("%s/%s", dir, files[i]);
		unlink(p);
		free(p);
	}
	for (i = 0; n > 0 && strcmp(v[0], dir) == 0 && i < 2; i++) {
		/* dir was made: its tmp/ and objects/ too */
		p = hd_xasprintf("%s/%s", dir, i == 0 ? "tmp" : "objects");
		rmdir(p);
		free(p);
	}
	for (i = 0; i < n; i++) {
		rmdir(v[i]);
		free(v[i]);
	}
	free(v);
}

/* hd_archive_init_s3: see hd_s3.h.  The archive, the bucket check and
 * the settings are one transaction (hd_archive_init_with); when any of
 * it fails, the folders and files it made are removed again, and a
 * bucket it made is deleted (it is empty), so nothing is left but what
 * was there before. */
int hd_archive_init_s3(const char *dir, const char *fonds_code,
	const char *fonds_name, const struct hd_agent *agent,
	const struct hd_s3_conf *c, struct hd_error *e)
{
	struct init_ctx ic;
	struct hd_s3_req q;
	struct hd_error he;
	const char *region = c->region ? c->region : "us-east-1";
	char *path, **made;
	struct stat sb;
	size_t i, nmade;
	int rc;

	if (c->endpoint == NULL || !endpoint_ok(c->endpoint)) {
		return hd_err(e, HD_EUSAGE, "--s3-endpoint '%s': give "
			"http(s)://HOST[:PORT]", c->endpoint ? c->endpoint :
			"");
	}
	for (i = 0; region[i]; i++) {
		if (!((region[i] >= 'a' && region[i] <= 'z') ||
		    (region[i] >= '0' && region[i] <= '9') ||
		    region[i] == '-' || region[i] == '_')) {
			break;
		}
	}
	if (region[i] != '\0' || i == 0 || i > 63) {
		return hd_err(e, HD_EUSAGE, "--s3-region '%s': letters, "
			"digits and '-'", region);
	}
	if (c->credentials != NULL && c->credentials[0] != '/') {
		return hd_err(e, HD_EUSAGE, "--s3-credentials '%s': give an "
			"absolute path", c->credentials);
	}
	path = hd_xasprintf("%s/hongdang.db", dir);
	rc = stat(path, &sb);
	free(path);
	if (rc == 0) {
		return hd_err(e, HD_EEXIST, "%s: already holds an archive",
			dir);
	}
	memset(&ic, 0, sizeof ic);
	ic.s = hd_s3_new(c->endpoint, c->bucket, region, c->credentials,
		HD_S3_MULTIPART_DEFAULT, HD_S3_PART_DEFAULT);
	ic.agent = agent;
	made = missing_dirs(dir, &nmade);
	rc = hd_archive_init_with(dir, fonds_code, fonds_name, agent,
		init_more, &ic, e);
	if (rc != 0) {
		init_undo(dir, made, nmade);
	} else {
		for (i = 0; i < nmade; i++) {
			free(made[i]);
		}
		free(made);
	}
	if (rc != 0 && ic.made_bucket) {
		hd_s3_req_init(&q, "DELETE", NULL);
		hd_err_clear(&he);
		pthread_mutex_lock(&ic.s->mu);
		hd_s3_request(ic.s, &q, "removing the bucket", &he);
		pthread_mutex_unlock(&ic.s->mu);
		hd_buf_release(&q.body);
	}
	hd_s3_free(ic.s);
	return rc;
}
