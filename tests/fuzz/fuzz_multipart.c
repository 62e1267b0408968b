/*
 * fuzz_multipart.c - libFuzzer target for the web desk's upload: a
 * multipart/form-data body as the server receives it (exhibit/httpd.c:
 * libmicrohttpd's post processor, in pieces of random sizes, into the
 * sink of exhibit/upload.c, run on its own thread by sinkq.c), into a
 * scratch data folder.
 *
 * Input: a first line, then the body.  The line is "new PARAMS" (a new
 * batch, POST /admin/ingest) or "resume PARAMS" (POST
 * /admin/batches/ID/files into a batch that already holds 100 bytes of
 * doc/p1.txt in part/ and the whole doc/p0.txt, as a dropped connection
 * leaves them); PARAMS follow "multipart/form-data; " in the request's
 * Content-Type (boundary=...).  The form token is TOKEN below.  The
 * pieces the body arrives in are drawn from a hash of the input.
 *
 * Invariants checked once the body has ended:
 *  - the answer is 0 or a 4xx the desk gives (400, 403, 404, 409, 413,
 *    507), never a 500, with a one-line UTF-8 sentence;
 *  - nothing is written outside tmp/upload-ID/ (batch.json, files/,
 *    part/, sheet/), and every path under files/ and part/ is a name
 *    the pipeline's own check (entry_name_check) keeps as it is;
 *  - no field data outside a field: each file in files/ holds exactly
 *    the bytes of a files field of that name (after the earlier bytes
 *    of a resumed file), each in part/ a beginning of that; a sheet is
 *    one name in sheet/;
 *  - a new batch that was refused (403, 413, 507) leaves no folder; a
 *    batch kept never promises more than the cap (its manifest).
 *
 *   make fuzz && build-fuzz/fuzz/fuzz_multipart -max_total_time=60 \
 *     build-fuzz/corpus_multipart tests/fuzz/corpus_multipart
 */
#include "../../exhibit/desk_int.h"
#include "../../exhibit/sinkq.h"
#include "../../ingest/ingest.h"

#include <microhttpd.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOKEN "5f0c0ffee5f0c0ffee5f0c0ffee5f0c0ffee5f0c0ffee5f0c0ffee5f0c0ffee0"
#define PP_BUFFER (64 * 1024)           /* as exhibit/httpd.c */
#define UPLOAD_MAX (256u * 1024)        /* small caps, to meet them */
#define MAX_ENTRIES 12
#define MAX_ENTRY (64u * 1024)
#define PRE_LEN 100                     /* bytes of doc/p1.txt before */

static char root[64];           /* the scratch data folder */
static struct desk *desk;
static char ctype[1024];        /* the request's Content-Type */

/* The post processor asks the connection for its Content-Type: here
 * there is none, and this answers for it (the executable's definition
 * comes before the library's). */
enum MHD_Result MHD_lookup_connection_value_n(struct MHD_Connection *c,
	enum MHD_ValueKind kind, const char *key, size_t key_size,
	const char **value_ptr, size_t *value_size_ptr);
enum MHD_Result MHD_lookup_connection_value_n(struct MHD_Connection *c,
	enum MHD_ValueKind kind, const char *key, size_t key_size,
	const char **value_ptr, size_t *value_size_ptr)
{
	(void)c;
	(void)key_size;
	if (kind != MHD_HEADER_KIND || strcasecmp(key, "Content-Type") != 0) {
		return MHD_NO;
	}
	if (value_ptr != NULL) {
		*value_ptr = ctype;
	}
	if (value_size_ptr != NULL) {
		*value_size_ptr = strlen(ctype);
	}
	return MHD_YES;
}

/* Stop the run: an invariant is broken. */
static void broken(const char *what, const char *detail)
{
	fprintf(stderr, "invariant broken: %s: %s\n", what, detail);
	abort();
}

/* ---------------------------------------------- the fields as they came */

/* A files or sheet field as the post processor delivered it. */
struct field {
	char *name;
	char *filename;
	struct hd_buf data;
};

struct feed {
	struct http_sink sink;          /* the upload's (sinkq) */
	struct field fields[256];
	size_t nfields;
	int dropped;                    /* fields past the table */
	uint64_t want_off;              /* the next piece's offset */
	int stopped;                    /* the sink said stop */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int woken;
};

/* The field under way, or a new one when off is 0. */
static struct field *field_at(struct feed *f, const char *name,
	const char *filename, uint64_t off)
{
	struct field *x;

	if (off == 0 || f->nfields == 0) {
		if (f->nfields == sizeof f->fields / sizeof f->fields[0]) {
			f->dropped = 1;
			return NULL;
		}
		x = &f->fields[f->nfields++];
		x->name = hd_xstrdup(name);
		x->filename = filename ? hd_xstrdup(filename) : NULL;
		hd_buf_init(&x->data);
		return x;
	}
	return &f->fields[f->nfields - 1];
}

/* The post processor's iterator, as exhibit/httpd.c's on_field: each
 * piece to the sink, a refusal stops the parsing; the piece is noted
 * for the checks (pieces of a field come in order, without gaps). */
static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind,
	const char *key, const char *filename, const char *ctype_,
	const char *encoding, const char *data, uint64_t off, size_t size)
{
	struct feed *f = cls;
	struct field *x;
	char m[64];

	(void)kind;
	(void)ctype_;
	(void)encoding;
	if (off != 0 && off != f->want_off) {
		snprintf(m, sizeof m, "offset %llu after %llu",
			(unsigned long long)off,
			(unsigned long long)f->want_off);
		broken("a field's pieces out of order", m);
	}
	f->want_off = off + size;
	x = field_at(f, key ? key : "", filename, off);
	if (x != NULL) {
		hd_buf_add(&x->data, data, size);
	}
	if (f->sink.field(f->sink.ud, key ? key : "", filename, data, off,
	    size) != 0) {
		f->stopped = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

/* The sink's wake: the queue caught up. */
static void wake(void *arg)
{
	struct feed *f = arg;

	pthread_mutex_lock(&f->mu);
	f->woken = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Wait while the sink is behind (all: until it has done everything), as
 * the server pauses the connection. */
static void catch_up(struct feed *f, int all)
{
	if (f->sink.behind == NULL || !f->sink.behind(f->sink.ud, all)) {
		return;
	}
	pthread_mutex_lock(&f->mu);
	f->woken = 0;
	pthread_mutex_unlock(&f->mu);
	f->sink.resume(f->sink.ud, wake, f);
	pthread_mutex_lock(&f->mu);
	while (!f->woken) {
		pthread_cond_wait(&f->cv, &f->mu);
	}
	pthread_mutex_unlock(&f->mu);
}

/* A small random generator for the pieces. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Send body[0..n) to the desk as the server would: upload_open (into
 * the batch id, or a new one when NULL), the post processor fed in
 * pieces drawn from seed, the end, then the answer.  Returns the status
 * (0 done) with the batch id in id (a new batch's) and the sentence in
 * msg; f keeps the fields (free with feed_release). */
static int feed(struct feed *f, const char *id, const char *body, size_t n,
	uint64_t seed, char out_id[DESK_ID_MAX], char *msg, size_t nmsg)
{
	struct MHD_PostProcessor *pp;
	struct admin ad;
	const char *bid, *bmsg;
	size_t at = 0, k;
	uint64_t r;
	int status, complete;

	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	memset(&ad, 0, sizeof ad);
	snprintf(ad.s.csrf, sizeof ad.s.csrf, "%s", TOKEN);
	snprintf(ad.s.agent, sizeof ad.s.agent, "web:fuzz");
	snprintf(ad.s.user, sizeof ad.s.user, "fuzz");
	snprintf(ad.s.role, sizeof ad.s.role, "archivist");
	out_id[0] = '\0';
	status = upload_open(desk, id, &ad, n, &f->sink, msg, nmsg);
	if (status != 0) {
		return status;
	}
	/* a dummy connection: the lookup above never reads it */
	pp = MHD_create_post_processor((struct MHD_Connection *)f,
		PP_BUFFER, on_field, f);
	f->stopped = pp == NULL;
	seed |= 1;
	while (at < n) {
		/* a quarter 1-16 bytes (a boundary cut anywhere), half up
		 * to 512, a quarter up to 4096 */
		r = next(&seed) % 4;
		k = (size_t)(next(&seed) % (r == 0 ? 16 : r == 3 ? 4096 :
			512)) + 1;
		k = k < n - at ? k : n - at;
		if (!f->stopped && MHD_post_process(pp, body + at, k) !=
		    MHD_YES) {
			f->stopped = 1;
		}
		at += k;
		catch_up(f, 0);
	}
	complete = pp != NULL && MHD_destroy_post_processor(pp) == MHD_YES;
	f->sink.end(f->sink.ud, complete && !f->stopped);
	catch_up(f, 1);
	status = upload_result(f->sink.ud, &bid, &bmsg);
	snprintf(out_id, DESK_ID_MAX, "%s", bid);
	snprintf(msg, nmsg, "%s", bmsg);
	f->sink.release(f->sink.ud);
	return status;
}

/* Free what feed kept. */
static void feed_release(struct feed *f)
{
	size_t i;

	for (i = 0; i < f->nfields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].filename);
		hd_buf_release(&f->fields[i].data);
	}
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
}

/* ------------------------------------------------------------ checks */

/* The whole file path into a new buffer (*n bytes). */
static char *slurp(const char *path, size_t *n)
{
	struct hd_buf b;
	char tmp[4096];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	hd_buf_init(&b);
	if (fd < 0) {
		broken("a file that cannot be read", path);
	}
	while ((r = read(fd, tmp, sizeof tmp)) > 0) {
		hd_buf_add(&b, tmp, (size_t)r);
	}
	close(fd);
	*n = b.len;
	if (b.p == NULL) {
		return hd_xstrdup("");
	}
	return b.p;
}

/* 1 when c[0..cn) is pre[0..s) followed by d[0..cn-s) for some s
 * (pre NULL: s is 0), all of d when whole. */
static int made_of(const char *c, size_t cn, const char *pre, size_t pn,
	const char *d, size_t dn, int whole)
{
	size_t s, rest;

	for (s = 0; s <= (pre ? pn : 0) && s <= cn; s++) {
		rest = cn - s;
		if (s > 0 && memcmp(c, pre, s) != 0) {
			break;
		}
		if (rest > dn || (whole && rest != dn)) {
			continue;
		}
		if (memcmp(c + s, d, rest) == 0) {
			return 1;
		}
	}
	return 0;
}

static const char *pre_bytes;   /* doc/p1.txt's first PRE_LEN bytes */

/* The file path (rel under files/ or part/, whole when in files/) holds
 * the bytes of a files field named so. */
static void check_file(const struct feed *f, const char *full,
	const char *rel, int whole)
{
	struct hd_error e;
	char *c, *norm;
	size_t cn, i;
	int ok = 0;

	c = slurp(full, &cn);
	for (i = 0; !ok && i < f->nfields; i++) {
		const struct field *x = &f->fields[i];

		if (strcmp(x->name, "files") != 0 || x->filename == NULL) {
			continue;
		}
		hd_err_clear(&e);
		if (entry_name_check(x->filename, strlen(x->filename), &norm,
		    &e) != 0) {
			continue;
		}
		ok = strcmp(norm, rel) == 0 && made_of(c, cn,
			strcmp(rel, "doc/p1.txt") == 0 ? pre_bytes : NULL,
			PRE_LEN, x->data.p ? x->data.p : "", x->data.len,
			whole);
		free(norm);
	}
	free(c);
	/* the resume batch's own files, left alone */
	if (!ok && strcmp(rel, "doc/p0.txt") == 0 && whole) {
		ok = 1;
	}
	if (!ok && strcmp(rel, "doc/p1.txt") == 0 && !whole) {
		c = slurp(full, &cn);
		ok = cn <= PRE_LEN && memcmp(c, pre_bytes, cn) == 0;
		free(c);
	}
	if (!ok && !f->dropped) {
		broken("a file's bytes are not its field's", full);
	}
}

/* Walk dir (rel under the batch's sub, "" at its top): every name is
 * canonical, every file holds its field's bytes. */
static void walk(const struct feed *f, const char *dir, const char *rel,
	int whole)
{
	struct hd_error e;
	struct stat st;
	char *full, *sub, *norm;
	const char *name;
	GDir *dp = g_dir_open(dir, 0, NULL);

	while (dp != NULL && (name = g_dir_read_name(dp)) != NULL) {
		full = g_build_filename(dir, name, NULL);
		sub = *rel ? g_build_filename(rel, name, NULL) :
			g_strdup(name);
		if (lstat(full, &st) != 0) {
			broken("vanished", full);
		}
		hd_err_clear(&e);
		if (entry_name_check(sub, strlen(sub), &norm, &e) != 0 ||
		    strcmp(norm, sub) != 0) {
			broken("a name the pipeline would not keep", full);
		}
		free(norm);
		if (S_ISDIR(st.st_mode)) {
			walk(f, full, sub, whole);
		} else if (S_ISREG(st.st_mode)) {
			check_file(f, full, sub, whole);
		} else {
			broken("neither file nor folder", full);
		}
		g_free(full);
		g_free(sub);
	}
	if (dp != NULL) {
		g_dir_close(dp);
	}
}

/* The batch folder bdir holds only what a batch may. */
static void check_batch(const struct feed *f, const char *bdir)
{
	struct dirent *de;
	struct stat st;
	char *full;
	DIR *dp = opendir(bdir);
	int nsheet;

	while (dp != NULL && (de = readdir(dp)) != NULL) {
		const char *n = de->d_name;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
		    strcmp(n, "batch.json") == 0) {
			continue;
		}
		full = hd_xasprintf("%s/%s", bdir, n);
		if (strcmp(n, "files") == 0 || strcmp(n, "part") == 0) {
			walk(f, full, "", strcmp(n, "files") == 0);
		} else if (strcmp(n, "sheet") == 0) {
			DIR *sd = opendir(full);
			struct dirent *s;

			nsheet = 0;
			while (sd != NULL && (s = readdir(sd)) != NULL) {
				char *p = hd_xasprintf("%s/%s", full,
					s->d_name);

				if (s->d_name[0] != '.' && (lstat(p, &st) != 0 ||
				    !S_ISREG(st.st_mode) ||
				    strchr(s->d_name, '/') != NULL)) {
					broken("the sheet is not one file", p);
				}
				nsheet += s->d_name[0] != '.';
				free(p);
			}
			if (sd != NULL) {
				closedir(sd);
			}
			if (nsheet > 1) {
				broken("more than one sheet", full);
			}
		} else {
			broken("something else in the batch folder", full);
		}
		free(full);
	}
	if (dp != NULL) {
		closedir(dp);
	}
}

/* The scratch folder holds tmp/ only, tmp/ the batches only; returns how
 * many batch folders there are. */
static int check_root(const struct feed *f)
{
	struct dirent *de;
	char *tmp = hd_xasprintf("%s/tmp", root), *full;
	DIR *dp = opendir(root);
	int n = 0;

	while (dp != NULL && (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "tmp")) {
			broken("written beside tmp/", de->d_name);
		}
	}
	closedir(dp);
	dp = opendir(tmp);
	while (dp != NULL && (de = readdir(dp)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			continue;
		}
		if (strncmp(de->d_name, "upload-", 7) != 0) {
			broken("written into tmp/", de->d_name);
		}
		full = hd_xasprintf("%s/%s", tmp, de->d_name);
		check_batch(f, full);
		free(full);
		n++;
	}
	if (dp != NULL) {
		closedir(dp);
	}
	free(tmp);
	return n;
}

/* Every batch goes, with its folder. */
static void clear_batches(void)
{
	GHashTableIter it;
	gpointer k, v;
	char *tmp;

	pthread_mutex_lock(&desk->mu);
	while (g_hash_table_size(desk->batches) > 0) {
		g_hash_table_iter_init(&it, desk->batches);
		g_hash_table_iter_next(&it, &k, &v);
		desk_batch_delete(desk, v);
	}
	pthread_mutex_unlock(&desk->mu);
	tmp = hd_xasprintf("%s/tmp", root);
	hd_fs_rmtree(tmp);
	mkdir(tmp, 0750);
	free(tmp);
}

/* The batch a resumed upload goes into: doc/p0.txt whole, the first
 * PRE_LEN bytes of doc/p1.txt, the connection dropped.  Its id into
 * id. */
static void resumable(char id[DESK_ID_MAX])
{
	static char body[1024];
	struct feed f;
	struct stat st;
	char msg[512], *p1;
	int n;

	n = snprintf(body, sizeof body, "--Xb\r\nContent-Disposition: "
		"form-data; name=\"csrf\"\r\n\r\n%s\r\n--Xb\r\nContent-"
		"Disposition: form-data; name=\"files\"; filename=\"doc/p0.txt"
		"\"\r\n\r\nwhole\r\n--Xb\r\nContent-Disposition: form-data; "
		"name=\"files\"; filename=\"doc/p1.txt\"\r\n\r\n%s", TOKEN,
		pre_bytes);
	/* the dropped connection: the post processor keeps back the last
	 * 4 bytes, which could begin a boundary */
	n += snprintf(body + n, sizeof body - (size_t)n, "ZZZZ");
	snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=Xb");
	feed(&f, NULL, body, (size_t)n, 7, id, msg, sizeof msg);
	feed_release(&f);
	p1 = hd_xasprintf("%s/tmp/upload-%s/part/doc/p1.txt", root, id);
	if (id[0] == '\0' || stat(p1, &st) != 0 || st.st_size != PRE_LEN) {
		broken("the resumable batch was not made", msg);
	}
	free(p1);
}

/* Once: the scratch folder and the desk (without its threads: a batch
 * that arrives whole is only marked to be checked). */
static void setup(void)
{
	static char pre[PRE_LEN + 1];
	struct desk_opts o;
	struct hd_error e;
	char *tmp;
	int i;

	for (i = 0; i < PRE_LEN; i++) {
		pre[i] = (char)('a' + i % 26);
	}
	pre_bytes = pre;
	snprintf(root, sizeof root, "%s", "/tmp/fuzz_multipart.XXXXXX");
	if (mkdtemp(root) == NULL) {
		broken("no scratch folder", root);
	}
	memset(&o, 0, sizeof o);
	o.upload_max = UPLOAD_MAX;
	o.lim.max_entries = MAX_ENTRIES;
	o.lim.max_total = UPLOAD_MAX;
	o.lim.max_entry = MAX_ENTRY;
	o.lim.max_ratio = 100;
	desk = hd_xcalloc(1, sizeof *desk);
	desk->dir = hd_xstrdup(root);
	desk->tmp = hd_xasprintf("%s/tmp", root);
	desk->opts = o;
	pthread_mutex_init(&desk->mu, NULL);
	pthread_cond_init(&desk->cv, NULL);
	desk->batches = g_hash_table_new(g_str_hash, g_str_equal);
	tmp = desk->tmp;
	hd_err_clear(&e);
	if (hd_fs_mkdirs(tmp, &e) != 0) {
		broken("no tmp/", e.msg);
	}
}

/* At the exit: the scratch folder goes. */
static void teardown(void)
{
	hd_fs_rmtree(root);
}

/* 1 when the sizes b's manifest promises add up to the cap at most
 * (and so does what the batch says they add up to). */
static int manifest_within(const struct desk_batch *b)
{
	GHashTableIter it;
	gpointer k, v;
	uint64_t sum = 0, s;

	g_hash_table_iter_init(&it, b->manifest);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		s = *(const uint64_t *)v;
		if (s > UPLOAD_MAX || sum + s > UPLOAD_MAX) {
			return 0;
		}
		sum += s;
	}
	return b->manifest_bytes <= UPLOAD_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *nl, *params;
	char id[DESK_ID_MAX], got[DESK_ID_MAX], msg[512], st[16];
	uint64_t seed = 1469598103934665603ULL;
	struct desk_batch *b;
	struct feed f;
	size_t i, plen;
	int resume = 0, status, nb;

	if (!ready) {
		setup();
		atexit(teardown);
		ready = 1;
	}
	nl = memchr(data, '\n', size);
	if (nl == NULL || (size_t)(nl - (const char *)data) > 600) {
		return 0;
	}
	params = (const char *)data;
	plen = (size_t)(nl - params);
	if (plen >= 7 && memcmp(params, "resume ", 7) == 0) {
		resume = 1;
		params += 7;
		plen -= 7;
	} else if (plen >= 4 && memcmp(params, "new ", 4) == 0) {
		params += 4;
		plen -= 4;
	}
	if (memchr(params, '\0', plen) != NULL) {
		return 0;       /* a header holds no NUL */
	}
	for (i = 0; i < size; i++) {
		seed = (seed ^ data[i]) * 1099511628211ULL;
	}
	id[0] = '\0';
	if (resume) {
		resumable(id);
	}
	snprintf(ctype, sizeof ctype, "multipart/form-data; %.*s",
		(int)plen, params);
	status = feed(&f, resume ? id : NULL, nl + 1, size - (size_t)(nl +
		1 - (const char *)data), seed, got, msg, sizeof msg);
	snprintf(st, sizeof st, "%d", status);
	if (status != 0 && status != 400 && status != 403 && status != 404 &&
	    status != 409 && status != 413 && status != 507) {
		broken("an answer the desk does not give", msg);
	}
	if (status != 0 && (msg[0] == '\0' || !hd_utf8_valid(msg,
	    strlen(msg)) || strchr(msg, '\n') != NULL)) {
		broken("not one line of UTF-8", msg);
	}
	nb = check_root(&f);
	if (!resume && (status == 403 || status == 413 || status == 507) &&
	    nb != 0) {
		broken("a refused new batch left its folder", st);
	}
	pthread_mutex_lock(&desk->mu);
	b = got[0] ? desk_find(desk, got) : NULL;
	if (b != NULL && b->manifest != NULL && !manifest_within(b)) {
		broken("a manifest over the cap was kept", got);
	}
	if (b != NULL && (b->uploading || b->bytes > UPLOAD_MAX + PRE_LEN)) {
		broken("the batch is still held, or over the cap", got);
	}
	pthread_mutex_unlock(&desk->mu);
	feed_release(&f);
	clear_batches();
	return 0;
}
