/*
 * bench.c - what bench_search.c and bench_variants.c share (bench.h).
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unicode/utf8.h>

#define SAMPLES 40000           /* substrings sampled per length */

struct doc *docs;
size_t ndocs;
const char *bench_name = "bench";
uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* See bench.h. */
void die(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", bench_name, what, why);
	exit(1);
}

/* See bench.h. */
double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* See bench.h. */
double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* See bench.h. */
uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

/* The field at *p, up to a tab or the end, NUL-terminated in place; *p
 * moves past it. */
static char *field(char **p)
{
	char *s = *p, *t = strchr(s, '\t');

	if (t == NULL) {
		t = s + strlen(s);
		*p = t;
	} else {
		*t = '\0';
		*p = t + 1;
	}
	return s;
}

/* See bench.h. */
void load_corpus(const char *path)
{
	unsigned char *buf;
	size_t n, cap = 0;
	char *p, *nl;

	if (hd_read_file(path, (size_t)4 << 30, &buf, &n, NULL) != 0) {
		die(path, "cannot read");
	}
	buf[n] = '\0';
	for (p = (char *)buf; *p; p = nl + 1) {
		struct doc *d;

		nl = strchr(p, '\n');
		if (nl == NULL) {
			break;
		}
		*nl = '\0';
		if (ndocs == cap) {
			cap = cap ? cap * 2 : 1024;
			docs = hd_xrealloc(docs, cap * sizeof *docs);
		}
		d = &docs[ndocs++];
		d->title = field(&p);
		d->body = field(&p);
		d->year = atoi(field(&p));
		d->place = field(&p);
		d->person = field(&p);
	}
	if (ndocs == 0) {
		die(path, "no records");
	}
}

/* See bench.h. */
void bench_build(const char *dir, struct build_times *t)
{
	struct hd_agent agent = { "bench" };
	struct hd_archive *a;
	struct hd_error e;
	struct hd_record r;
	double t0, c0, tb = 0, dt;
	size_t i;
	int64_t batch = 0;
	char date[16];

	memset(t, 0, sizeof *t);
	t->tx_fast = 1e9;
	hd_err_clear(&e);
	if (hd_archive_init(dir, "BENCH", "基准测试", &agent, &e) != 0 ||
	    hd_archive_open(dir, 0, &a, &e) != 0) {
		die(dir, e.msg);
	}
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < ndocs; i++) {
		if (i % TX_RECORDS == 0) {
			tb = now_s();
			if (hd_tx_begin(a, &e) != 0) {
				die("begin", e.msg);
			}
			if (hd_batch_begin(a, hd_archive_fonds(a), "bench",
			    &agent, &batch, &e) != 0) {
				die("batch", e.msg);
			}
		}
		hd_record_init(&r);
		r.fonds = hd_xstrdup(hd_archive_fonds(a));
		r.category = hd_xstrdup("WS");
		r.retention = hd_xstrdup("Y");
		r.access = hd_xstrdup("public");
		r.status = hd_xstrdup("approved");
		r.title = hd_xstrdup(docs[i].title);
		r.body = hd_xstrdup(docs[i].body);
		snprintf(date, sizeof date, "%d", docs[i].year);
		r.date = hd_xstrdup(date);
		r.year = r.year_end = docs[i].year;
		if (docs[i].place != NULL && docs[i].place[0] != '\0') {
			r.place = hd_xstrdup(docs[i].place);
		}
		if (docs[i].person != NULL && docs[i].person[0] != '\0') {
			hd_strv_add(&r.persons, &r.npersons, docs[i].person);
		}
		if (hd_record_add(a, batch, &r, &agent, &e) != 0) {
			die("record", e.msg);
		}
		docs[i].id = r.id;
		hd_record_release(&r);
		if ((i + 1) % TX_RECORDS == 0 || i + 1 == ndocs) {
			if (hd_batch_finish(a, batch, (int)(i % TX_RECORDS) + 1,
			    0, &e) != 0 || hd_tx_commit(a, &e) != 0) {
				die("commit", e.msg);
			}
			dt = now_s() - tb;
			t->tx_slow = dt > t->tx_slow ? dt : t->tx_slow;
			t->tx_fast = dt < t->tx_fast ? dt : t->tx_fast;
		}
	}
	hd_archive_close(a);
	t->wall = now_s() - t0;
	t->cpu = cpu_s() - c0;
}

/* See bench.h. */
void exec_or_die(sqlite3 *h, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		die(sql, msg ? msg : sqlite3_errmsg(h));
	}
}

/* ---------------------------------------------------------- queries */

/* A candidate query and how often it was seen. */
struct cand {
	char s[16];             /* n Han characters, UTF-8 */
	long count;
};

/* See bench.h. */
int is_han(uint32_t cp)
{
	return cp >= 0x4E00 && cp <= 0x9FFF;
}

/* qsort order of candidates by their text. */
static int by_str(const void *x, const void *y)
{
	return strcmp(((const struct cand *)x)->s,
		((const struct cand *)y)->s);
}

/* qsort order of candidates, most frequent first, then by text. */
static int by_count_desc(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->count != b->count) {
		return a->count < b->count ? 1 : -1;
	}
	return strcmp(a->s, b->s);
}

/* See bench.h. */
int decode(const char *s, uint32_t *cps, int *offs, int cap)
{
	int32_t n = (int32_t)strlen(s), i = 0, j;
	int k = 0;
	UChar32 c;

	while (i < n && k < cap) {
		j = i;
		U8_NEXT(s, j, n, c);
		cps[k] = c < 0 ? 0 : (uint32_t)c;
		offs[k++] = (int)i;
		i = c < 0 ? i + 1 : j;
	}
	offs[k] = (int)n;
	return k;
}

/* Candidates of n Han characters, counted: for n == 1 every character of
 * every body, else SAMPLES substrings at random places.  Returns the
 * unique candidates sorted by count, most frequent first (*ncand of
 * them; the caller frees the array). */
static struct cand *candidates(int n, size_t *ncand)
{
	static uint32_t cps[8192];
	static int offs[8193];
	struct cand *c;
	size_t nc = 0, cap = SAMPLES, i, u;
	int k, j, m, tries;

	c = hd_xcalloc(cap, sizeof *c);
	if (n == 1) {
		long *freq = hd_xcalloc(0xA000, sizeof *freq);

		for (i = 0; i < ndocs; i++) {
			k = decode(docs[i].body, cps, offs, 8192);
			for (j = 0; j < k; j++) {
				if (is_han(cps[j])) {
					freq[cps[j]]++;
				}
			}
		}
		for (j = 0x4E00; j < 0xA000; j++) {
			if (freq[j] == 0) {
				continue;
			}
			if (nc == cap) {
				cap *= 2;
				c = hd_xrealloc(c, cap * sizeof *c);
			}
			c[nc].count = freq[j];
			m = 0;
			U8_APPEND_UNSAFE(c[nc].s, m, j);
			c[nc].s[m] = '\0';
			nc++;
		}
		free(freq);
	} else {
		for (i = 0; i < SAMPLES; i++) {
			for (tries = 0; tries < 1000; tries++) {
				const struct doc *d = &docs[rnd() % ndocs];

				k = decode(d->body, cps, offs, 8192);
				if (k < n) {
					continue;
				}
				j = (int)(rnd() % (uint64_t)(k - n + 1));
				for (m = 0; m < n && is_han(cps[j + m]); m++) {
				}
				if (m < n) {
					continue;
				}
				memcpy(c[nc].s, d->body + offs[j],
					(size_t)(offs[j + n] - offs[j]));
				c[nc].s[offs[j + n] - offs[j]] = '\0';
				c[nc].count = 1;
				nc++;
				break;
			}
		}
		qsort(c, nc, sizeof *c, by_str);
		for (i = 0, u = 0; i < nc; i++) {
			if (u > 0 && strcmp(c[u - 1].s, c[i].s) == 0) {
				c[u - 1].count++;
			} else {
				c[u++] = c[i];
			}
		}
		nc = u;
	}
	qsort(c, nc, sizeof *c, by_count_desc);
	*ncand = nc;
	return c;
}

/* See bench.h. */
void pick_queries(int n, char q[NQ][QMAX])
{
	static const char *named[][4] = {
		{ "的", "档", "禺", NULL },
		{ "番禺", "党员", "档案", "社区" },
		{ "前锋社区", "老旧小区", "小区改造", NULL },
	};
	size_t nc, i, r;
	struct cand *c = candidates(n, &nc);
	char *used = hd_xcalloc(nc + 1, 1);
	int k = 0, row = n == 1 ? 0 : n == 2 ? 1 : 2;

	for (i = 0; i < 4 && named[row][i] != NULL; i++) {
		snprintf(q[k++], QMAX, "%s", named[row][i]);
		for (r = 0; r < nc; r++) {
			if (strcmp(c[r].s, named[row][i]) == 0) {
				used[r] = 1;
			}
		}
	}
	for (i = 0; k < NQ && i < 4 * NQ; i++) {
		r = (size_t)pow((double)nc, (double)i / (3.0 * NQ)) - 1;
		while (r < nc && used[r]) {
			r++;
		}
		if (r >= nc) {
			continue;
		}
		used[r] = 1;
		snprintf(q[k++], QMAX, "%s", c[r].s);
	}
	for (r = 0; k < NQ && r < nc; r++) {
		if (!used[r]) {
			used[r] = 1;
			snprintf(q[k++], QMAX, "%s", c[r].s);
		}
	}
	if (k < NQ) {
		die("queries", "corpus too small for 100 distinct queries");
	}
	free(used);
	free(c);
}

/* A phrase counted by count_phrases: its text and the records that
 * have it. */
struct counted {
	char s[QMAX];
	long docs;
	size_t last;            /* the record that last counted it, + 1 */
};

/* FNV-1a of s[0..n), for count_phrases' table. */
static uint32_t fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	}
	return h;
}

/* The records whose title, body, place or person has each of v[0..nv)
 * as written, in one pass over the corpus: v[i].docs.  Every phrase is
 * of n Han characters of the basic block (3 bytes each). */
static void count_phrases(struct counted *v, size_t nv, int n)
{
	static uint32_t cps[8192];
	static int offs[8193];
	size_t cap = 1, i, d, len = (size_t)n * 3;
	size_t *slot;
	uint32_t h;
	int k, j, f, run;

	while (cap < 4 * nv) {
		cap *= 2;
	}
	slot = hd_xcalloc(cap, sizeof *slot);   /* index + 1, 0 free */
	for (i = 0; i < nv; i++) {
		v[i].docs = 0;
		v[i].last = 0;
		h = fnv(v[i].s, strlen(v[i].s)) & (uint32_t)(cap - 1);
		while (slot[h] != 0) {
			h = (h + 1) & (uint32_t)(cap - 1);
		}
		slot[h] = i + 1;
	}
	for (d = 0; d < ndocs; d++) {
		const char *fields[4] = { docs[d].title, docs[d].body,
			docs[d].place, docs[d].person };

		for (f = 0; f < 4; f++) {
			const char *t = fields[f] ? fields[f] : "";

			k = decode(t, cps, offs, 8192);
			for (j = 0, run = 0; j < k; j++) {
				run = is_han(cps[j]) && offs[j + 1] - offs[j] ==
					3 ? run + 1 : 0;
				if (run < n) {
					continue;
				}
				h = fnv(t + offs[j + 1] - len, len) &
					(uint32_t)(cap - 1);
				for (; slot[h] != 0; h = (h + 1) &
				    (uint32_t)(cap - 1)) {
					struct counted *c = &v[slot[h] - 1];

					if (memcmp(c->s, t + offs[j + 1] - len,
					    len) == 0 && c->s[len] == '\0') {
						if (c->last != d + 1) {
							c->docs++;
							c->last = d + 1;
						}
						break;
					}
				}
			}
		}
	}
	free(slot);
}

/* See bench.h. */
void pick_rare(int n, int zero, char q[NQ][QMAX], long *hits)
{
	size_t nc, i, j, nv = 0, cap = 8 * NQ;
	struct cand *c = candidates(n, &nc);
	struct counted *v = hd_xcalloc(cap, sizeof *v);
	int k = 0, half = n / 2 * 3;

	if (zero) {
		/* the first half of one frequent phrase and the second half
		 * of another: each part common, the whole seldom written */
		size_t lim = nc < 4 * NQ ? nc : 4 * NQ;

		for (i = 0; nv < cap; i++) {
			j = (size_t)(rnd() % lim);
			snprintf(v[nv].s, QMAX, "%.*s%s", half, c[i % lim].s,
				c[j].s + half);
			nv++;
		}
	} else {
		/* the rarest sampled phrases: seen once in the sample */
		for (i = nc; nv < cap && i > 0; i--) {
			snprintf(v[nv++].s, QMAX, "%s", c[i - 1].s);
		}
	}
	count_phrases(v, nv, n);
	for (i = 0; i < nv && k < NQ; i++) {
		if (zero ? v[i].docs == 0 : v[i].docs >= 1 &&
		    v[i].docs <= RARE_MAX) {
			for (j = 0; j < (size_t)k && strcmp(q[j], v[i].s) != 0;
			    j++) {
			}
			if (j < (size_t)k) {
				continue;
			}
			hits[k] = v[i].docs;
			snprintf(q[k++], QMAX, "%s", v[i].s);
		}
	}
	if (k < NQ) {
		die("queries", zero ? "too few phrases written nowhere" :
			"too few rare phrases");
	}
	free(v);
	free(c);
}

/* See bench.h. */
int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}
