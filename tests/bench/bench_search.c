/*
 * bench_search.c - search at scale, for `make bench` (never a test).
 *
 *   bench_search build CORPUS WORKDIR
 *     Creates WORKDIR/archive through libhd (one hd_record_add per line
 *     of CORPUS, transactions of 10,000) and WORKDIR/trigram.db (FTS5
 *     trigram over the same title and body, sqlite3 C API directly),
 *     timing both; prints the figures and writes them to
 *     WORKDIR/build.txt.
 *   bench_search query CORPUS WORKDIR
 *     Draws 100 distinct queries of 1, 2 and 4 Han characters from the
 *     corpus (frequent to rare), then times hd_search (limit 20, snippets,
 *     facets 0 and 1, HD_ARCHIVIST and HD_PUBLIC) and the trigram table
 *     (count + top 20 by rank with snippet()) on each; prints p50/p99 and
 *     hits, and writes every query's figures to WORKDIR/queries.txt.
 *
 * CORPUS lines: title TAB body TAB year TAB place TAB person (corpus.py).
 * Latencies are in-process, wall clock (CLOCK_MONOTONIC), warm OS cache,
 * one fresh read-only connection like the exhibit server's.
 */
#include "hd.h"

#include <sqlite3.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TX_RECORDS 10000
#define NQ 100                  /* queries per length */
#define SAMPLES 40000           /* substrings sampled per length */

struct doc {
	char *title, *body, *place, *person;
	int year;
};

static struct doc *docs;
static size_t ndocs;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_search: %s: %s\n", what, why);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

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

static void load_corpus(const char *path)
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

static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* Sum of dbstat page sizes of the tables whose name starts with prefix,
 * each shadow table reported on its own line into out. */
static long long fts_size(const char *db, const char *prefix, FILE *out)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long total = 0;
	char like[64];

	snprintf(like, sizeof like, "%s%%", prefix);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT name, sum(pgsize) FROM dbstat"
	    " WHERE name LIKE ?1 GROUP BY name ORDER BY 2 DESC", -1, &st,
	    NULL) != SQLITE_OK) {
		die(db, sqlite3_errmsg(h));
	}
	sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long sz = sqlite3_column_int64(st, 1);

		fprintf(out, "size.%s %lld\n", sqlite3_column_text(st, 0), sz);
		total += sz;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return total;
}

/* ------------------------------------------------------------ build */

static void build_ours(const char *dir, FILE *out)
{
	struct hd_agent agent = { "bench" };
	struct hd_archive *a;
	struct hd_error e;
	struct hd_record r;
	double t0, t1, tb, slow = 0, fast = 1e9;
	size_t i;
	int64_t batch;
	char date[16];

	hd_err_clear(&e);
	if (hd_archive_init(dir, "BENCH", "基准测试", &agent, &e) != 0 ||
	    hd_archive_open(dir, 0, &a, &e) != 0) {
		die(dir, e.msg);
	}
	t0 = now_s();
	for (i = 0; i < ndocs; i++) {
		if (i % TX_RECORDS == 0) {
			tb = now_s();
			if (hd_tx_begin(a, &e) != 0) {
				die("begin", e.msg);
			}
			batch = hd_batch_begin(a, hd_archive_fonds(a), "bench",
				&agent, &e);
			if (batch < 0) {
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
		r.place = hd_xstrdup(docs[i].place);
		hd_strv_add(&r.persons, &r.npersons, docs[i].person);
		if (hd_record_add(a, batch, &r, &agent, &e) != 0) {
			die("record", e.msg);
		}
		hd_record_release(&r);
		if ((i + 1) % TX_RECORDS == 0 || i + 1 == ndocs) {
			double dt;

			if (hd_batch_finish(a, batch, (int)(i % TX_RECORDS) + 1,
			    0, &e) != 0 || hd_tx_commit(a, &e) != 0) {
				die("commit", e.msg);
			}
			dt = now_s() - tb;
			if (dt > slow) {
				slow = dt;
			}
			if (dt < fast) {
				fast = dt;
			}
		}
	}
	t1 = now_s();
	hd_archive_close(a);
	fprintf(out, "ours.build_s %.3f\n", t1 - t0);
	fprintf(out, "ours.tx_fast_s %.3f\nours.tx_slow_s %.3f\n", fast, slow);
}

static void exec_or_die(sqlite3 *h, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		die(sql, msg ? msg : sqlite3_errmsg(h));
	}
}

static void build_trigram(const char *path, FILE *out)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	double t0, t1;
	size_t i;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		die(path, sqlite3_errmsg(h));
	}
	/* the same durability settings as the archive's connection */
	exec_or_die(h, "PRAGMA journal_mode = WAL");
	exec_or_die(h, "PRAGMA synchronous = FULL");
	exec_or_die(h, "CREATE VIRTUAL TABLE t USING fts5(title, body,"
		" tokenize = 'trigram')");
	if (sqlite3_prepare_v2(h, "INSERT INTO t (rowid, title, body)"
	    " VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK) {
		die(path, sqlite3_errmsg(h));
	}
	t0 = now_s();
	for (i = 0; i < ndocs; i++) {
		if (i % TX_RECORDS == 0) {
			exec_or_die(h, "BEGIN IMMEDIATE");
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(st, 2, docs[i].title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, docs[i].body, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			die(path, sqlite3_errmsg(h));
		}
		sqlite3_reset(st);
		if ((i + 1) % TX_RECORDS == 0 || i + 1 == ndocs) {
			exec_or_die(h, "COMMIT");
		}
	}
	t1 = now_s();
	sqlite3_finalize(st);
	sqlite3_close(h);
	fprintf(out, "trigram.build_s %.3f\n", t1 - t0);
}

static void cmd_build(const char *workdir)
{
	char *dir = hd_xasprintf("%s/archive", workdir);
	char *db = hd_xasprintf("%s/archive/hongdang.db", workdir);
	char *tri = hd_xasprintf("%s/trigram.db", workdir);
	char *res = hd_xasprintf("%s/build.txt", workdir);
	long long raw = 0, ours, trig;
	size_t i;
	FILE *out = fopen(res, "w");

	if (out == NULL) {
		die(res, "cannot write");
	}
	for (i = 0; i < ndocs; i++) {
		raw += (long long)(strlen(docs[i].title) +
			strlen(docs[i].body));
	}
	fprintf(out, "records %zu\nraw_bytes %lld\n", ndocs, raw);
	build_ours(dir, out);
	ours = fts_size(db, "search", out);
	fprintf(out, "ours.index_bytes %lld\nours.db_bytes %lld\n", ours,
		file_size(db));
	build_trigram(tri, out);
	trig = fts_size(tri, "t_", out);
	fprintf(out, "trigram.index_bytes %lld\ntrigram.db_bytes %lld\n",
		trig, file_size(tri));
	fclose(out);
	free(dir);
	free(db);
	free(tri);
	free(res);
}

/* ---------------------------------------------------------- queries */

struct cand {
	char s[16];             /* n Han characters, UTF-8 */
	long count;
};

static int is_han(uint32_t cp)
{
	return cp >= 0x4E00 && cp <= 0x9FFF;
}

static int by_str(const void *x, const void *y)
{
	return strcmp(((const struct cand *)x)->s,
		((const struct cand *)y)->s);
}

static int by_count_desc(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->count != b->count) {
		return a->count < b->count ? 1 : -1;
	}
	return strcmp(a->s, b->s);
}

/* Decode s into code points and their byte offsets (cap entries). */
static int decode(const char *s, uint32_t *cps, int *offs, int cap)
{
	size_t n = strlen(s), i = 0;
	int k = 0, m;

	while (i < n && k < cap) {
		m = hd_utf8_decode(s + i, n - i, &cps[k]);
		if (m == 0) {
			m = 1;
			cps[k] = 0;
		}
		offs[k++] = (int)i;
		i += (size_t)m;
	}
	offs[k] = (int)n;
	return k;
}

/* Candidates of n Han characters, counted: for n == 1 every character of
 * every body, else SAMPLES substrings at random places.  Returns the
 * unique candidates sorted by count, most frequent first. */
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
			m = hd_utf8_encode((uint32_t)j, c[nc].s);
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

/* NQ distinct queries of n characters: the named ones first, then ranks
 * spaced logarithmically from the most frequent to the rarest, so about
 * half are common and half come from the long tail. */
static void pick_queries(int n, char q[NQ][16])
{
	static const char *named[][4] = {
		{ "的", "档", "禺", NULL },
		{ "番禺", "党员", "档案", "社区" },
		{ "前锋社区", "老旧小区", "小区改造", NULL },
	};
	size_t nc, i, r;
	struct cand *c = candidates(n, &nc);
	char *used = hd_xcalloc(nc, 1);
	int k = 0, row = n == 1 ? 0 : n == 2 ? 1 : 2;

	for (i = 0; i < 4 && named[row][i] != NULL; i++) {
		snprintf(q[k++], 16, "%s", named[row][i]);
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
		snprintf(q[k++], 16, "%s", c[r].s);
	}
	for (r = 0; k < NQ && r < nc; r++) {
		if (!used[r]) {
			used[r] = 1;
			snprintf(q[k++], 16, "%s", c[r].s);
		}
	}
	if (k < NQ) {
		die("queries", "corpus too small for 100 distinct queries");
	}
	free(used);
	free(c);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Percentile p (0-100) of v[0..n) (sorted copy), nearest rank. */
static double pct(const double *v, int n, double p)
{
	double *s = hd_xmalloc((size_t)n * sizeof *s), r;
	int i;

	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	i = (int)ceil(p / 100.0 * n) - 1;
	if (i < 0) {
		i = 0;
	}
	r = s[i];
	free(s);
	return r;
}

struct qres {
	double ms[2][2];        /* [audience][facets] */
	long long total[2];     /* [audience] */
	double tri_ms;
	long long tri_total;
	size_t snippets;        /* hits with a <mark> in their snippet */
};

static double time_ours(struct hd_archive *a, enum hd_audience who,
	const char *q, int facets, long long *total, size_t *marked)
{
	struct hd_query hq;
	struct hd_results res;
	struct hd_error e;
	double t0, t1;
	size_t i;

	memset(&hq, 0, sizeof hq);
	hq.q = q;
	hq.limit = 20;
	hq.facets = facets;
	hd_err_clear(&e);
	t0 = now_s();
	if (hd_search(a, who, &hq, &res, &e) != 0) {
		die(q, e.msg);
	}
	t1 = now_s();
	*total = res.total;
	if (marked != NULL) {
		*marked = 0;
		for (i = 0; i < res.nhits; i++) {
			if (res.hits[i].snippet != NULL &&
			    strstr(res.hits[i].snippet, "<mark>") != NULL) {
				(*marked)++;
			}
		}
	}
	hd_results_release(&res);
	return (t1 - t0) * 1000.0;
}

/* The trigram side of one query: the total (as hd_search counts it) and
 * the top 20 by rank with snippet(). */
static double time_trigram(sqlite3 *h, sqlite3_stmt *cnt,
	sqlite3_stmt *page, const char *q, long long *total)
{
	char phrase[64];
	double t0, t1;
	int rows = 0;

	snprintf(phrase, sizeof phrase, "\"%s\"", q);
	t0 = now_s();
	sqlite3_bind_text(cnt, 1, phrase, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(cnt) != SQLITE_ROW) {
		die(q, sqlite3_errmsg(h));
	}
	*total = sqlite3_column_int64(cnt, 0);
	sqlite3_reset(cnt);
	sqlite3_bind_text(page, 1, phrase, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(page) == SQLITE_ROW) {
		/* fetch what a page shows */
		(void)sqlite3_column_text(page, 1);
		(void)sqlite3_column_text(page, 2);
		rows++;
	}
	sqlite3_reset(page);
	t1 = now_s();
	(void)rows;
	return (t1 - t0) * 1000.0;
}

static void cmd_query(const char *workdir)
{
	static const int lens[3] = { 1, 2, 4 };
	static char qs[3][NQ][16];
	static struct qres r[3][NQ];
	static const char *aud[2] = { "public", "archivist" };
	char *dir = hd_xasprintf("%s/archive", workdir);
	char *tri = hd_xasprintf("%s/trigram.db", workdir);
	char *qpath = hd_xasprintf("%s/queries.txt", workdir);
	struct hd_archive *a;
	struct hd_error e;
	sqlite3 *h;
	sqlite3_stmt *cnt, *page;
	double v[NQ], t0;
	long long dummy;
	int l, i, w, f;
	FILE *qf;

	for (l = 0; l < 3; l++) {
		pick_queries(lens[l], qs[l]);
	}
	hd_err_clear(&e);
	if (hd_archive_open(dir, 1, &a, &e) != 0) {
		die(dir, e.msg);
	}
	if (sqlite3_open_v2(tri, &h, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(h, "SELECT count(*) FROM t"
	    " WHERE t MATCH ?1", -1, &cnt, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT rowid, title, snippet(t, 1,"
	    " char(1), char(2), '…', 24) FROM t WHERE t MATCH ?1"
	    " ORDER BY rank LIMIT 20", -1, &page, NULL) != SQLITE_OK) {
		die(tri, sqlite3_errmsg(h));
	}
	/* One unmeasured pass so that both sides start with their pages
	 * in the OS cache and statements prepared. */
	t0 = now_s();
	for (l = 0; l < 3; l++) {
		for (i = 0; i < NQ; i++) {
			time_ours(a, HD_ARCHIVIST, qs[l][i], 0, &dummy, NULL);
			time_trigram(h, cnt, page, qs[l][i], &dummy);
		}
	}
	fprintf(stderr, "bench_search: warm-up pass %.1f s\n", now_s() - t0);
	for (l = 0; l < 3; l++) {
		for (i = 0; i < NQ; i++) {
			struct qres *q = &r[l][i];

			for (w = 0; w < 2; w++) {
				for (f = 0; f < 2; f++) {
					q->ms[w][f] = time_ours(a,
						(enum hd_audience)w, qs[l][i],
						f, &q->total[w],
						w == 1 && f == 0 ?
						&q->snippets : NULL);
				}
			}
			q->tri_ms = time_trigram(h, cnt, page, qs[l][i],
				&q->tri_total);
		}
	}
	sqlite3_finalize(cnt);
	sqlite3_finalize(page);
	sqlite3_close(h);
	hd_archive_close(a);

	printf("Search latency, %zu records, in-process, warm cache, "
		"%d distinct queries per length\n", ndocs, NQ);
	printf("(hd_search: limit 20, snippets, total counted; "
		"target p99 < 5 ms)\n\n");
	printf("%-6s %-10s %-6s %9s %9s %9s %11s\n", "query", "audience",
		"facets", "p50 ms", "p99 ms", "max ms", "median hits");
	for (l = 0; l < 3; l++) {
		for (w = 1; w >= 0; w--) {
			for (f = 0; f < 2; f++) {
				double hits[NQ];

				for (i = 0; i < NQ; i++) {
					v[i] = r[l][i].ms[w][f];
					hits[i] = (double)r[l][i].total[w];
				}
				printf("%d char %-10s %-6d %9.2f %9.2f %9.2f "
					"%11.0f\n", lens[l], aud[w], f,
					pct(v, NQ, 50), pct(v, NQ, 99),
					pct(v, NQ, 100), pct(hits, NQ, 50));
			}
		}
	}
	printf("\nOurs against FTS5 trigram on the same %zu texts "
		"(trigram: count + top 20 by rank with snippet())\n\n",
		ndocs);
	printf("%-6s %10s %10s %10s %10s %8s %8s %10s %10s\n", "query",
		"ours p50", "ours p99", "tri p50", "tri p99", "ours hit",
		"tri hit", "ours hits", "tri hits");
	printf("%-6s %10s %10s %10s %10s %8s %8s %10s %10s\n", "", "ms",
		"ms", "ms", "ms", "queries", "queries", "(sum)", "(sum)");
	for (l = 0; l < 3; l++) {
		double tv[NQ];
		int oh = 0, th = 0;
		long long os = 0, ts = 0;

		for (i = 0; i < NQ; i++) {
			v[i] = r[l][i].ms[1][0];
			tv[i] = r[l][i].tri_ms;
			oh += r[l][i].total[1] > 0;
			th += r[l][i].tri_total > 0;
			os += r[l][i].total[1];
			ts += r[l][i].tri_total;
		}
		printf("%d char %10.2f %10.2f %10.2f %10.2f %5d/%d %5d/%d "
			"%10lld %10lld\n", lens[l], pct(v, NQ, 50),
			pct(v, NQ, 99), pct(tv, NQ, 50), pct(tv, NQ, 99), oh,
			NQ, th, NQ, os, ts);
	}
	for (l = 0; l < 3; l++) {
		int differ = 0, nomark = 0;

		for (i = 0; i < NQ; i++) {
			differ += r[l][i].total[1] != r[l][i].tri_total;
			nomark += r[l][i].total[1] > 0 &&
			    r[l][i].snippets == 0;
		}
		printf("%d char: trigram count differs from ours on %d of %d"
			" queries; %d queries had hits but no <mark> in any "
			"snippet\n", lens[l], differ, NQ, nomark);
	}
	qf = fopen(qpath, "w");
	if (qf == NULL) {
		die(qpath, "cannot write");
	}
	fprintf(qf, "# query\thits\tpublic_f0_ms\tpublic_f1_ms\t"
		"archivist_f0_ms\tarchivist_f1_ms\ttrigram_hits\t"
		"trigram_ms\n");
	for (l = 0; l < 3; l++) {
		for (i = 0; i < NQ; i++) {
			struct qres *q = &r[l][i];

			fprintf(qf, "%s\t%lld\t%.3f\t%.3f\t%.3f\t%.3f\t%lld\t"
				"%.3f\n", qs[l][i], q->total[1], q->ms[0][0],
				q->ms[0][1], q->ms[1][0], q->ms[1][1],
				q->tri_total, q->tri_ms);
		}
	}
	fclose(qf);
	printf("\nper-query figures: %s\n", qpath);
	free(dir);
	free(tri);
	free(qpath);
}

int main(int argc, char **argv)
{
	double t0 = now_s();

	if (argc != 4 || (strcmp(argv[1], "build") != 0 &&
	    strcmp(argv[1], "query") != 0)) {
		fprintf(stderr, "usage: bench_search build|query CORPUS "
			"WORKDIR\n");
		return 2;
	}
	load_corpus(argv[2]);
	fprintf(stderr, "bench_search: %zu records loaded in %.1f s\n", ndocs,
		now_s() - t0);
	if (strcmp(argv[1], "build") == 0) {
		cmd_build(argv[3]);
	} else {
		cmd_query(argv[3]);
	}
	return 0;
}
