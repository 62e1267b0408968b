/*
 * bench_variants.c - the cost of traditional/simplified folding and
 * pinyin in the search index, for `make bench` (never a test).
 *
 *   bench_variants CORPUS ARCHIVE WORKDIR
 *   bench_variants build CORPUS ARCHIVE
 *
 * ARCHIVE is a data folder built from CORPUS by the current library
 * (variants and pinyin indexed), as bench_search build makes it or the
 * second form does (hd_record_add per line, transactions of 10,000,
 * printing the time; nothing else is built).  The first
 * run makes WORKDIR/plain/, a copy of it whose search index is rebuilt
 * (then merged into one segment, as run.sh's merged copy is) with
 * tokenize='hongdang plain' (the tokenizer without folding and
 * pinyin: what the index was before them), timing that build.  Then it
 * prints, for both:
 *   - the size of the search index (every search* and heads* table by
 *     dbstat) and
 *     the growth, and the size of the suggestion tables;
 *   - p50/p99 of hd_search (HD_PUBLIC, limit 20, snippets, no facets) for
 *     100 queries each of 1, 2 and 4 Han characters (frequent to rare,
 *     as bench_search draws them), and on the variants side for the
 *     pinyin of the 2- and 4-character queries ("dangan",
 *     "qianfengshequ") and their traditional forms (OpenCC s2t);
 *   - p50/p99 of hd_suggest_public (8 suggestions) for 100 prefixes each
 *     of 1-2 Han characters, 2-6 pinyin letters and 2-3 initials.
 * Latencies are in-process wall clock, warm cache, one read-only handle
 * per archive that has read what every search reads (hd_search_warm), as
 * the exhibit server's workers have; each query runs once on each side,
 * the sides alternating.
 *
 * CORPUS lines: title TAB body TAB year TAB place TAB person (corpus.py).
 */
#include "bench.h"
#include "fts.h"

#include <opencc.h>
#include <sqlite3.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unicode/utf8.h>





/* ------------------------------------------------------ build */

/* ARCHIVE from the corpus, as bench_search builds it. */
static void build(const char *dir)
{
	struct build_times t;

	bench_build(dir, &t);
	printf("built %zu records in %.1f s (cpu %.1f s)\n", ndocs, t.wall,
		t.cpu);
}

/* ------------------------------------------------------ the copy */

/* WORKDIR/plain: ARCHIVE's database with its index made by the plain
 * tokenizer.  Prints the build time. */
static void make_plain(const char *archive, const char *plain)
{
	char *src = hd_xasprintf("%s/hongdang.db", archive);
	char *dst = hd_xasprintf("%s/hongdang.db", plain);
	char *sql;
	sqlite3 *h;
	struct stat sb;
	double t0, c0;

	if (stat(dst, &sb) == 0) {
		printf("plain copy: %s (kept from an earlier run)\n", plain);
		free(src);
		free(dst);
		return;
	}
	mkdir(plain, 0755);
	if (sqlite3_open(src, &h) != SQLITE_OK) {
		die(src, sqlite3_errmsg(h));
	}
	/* the copy without the index: it is rebuilt below */
	sql = sqlite3_mprintf("VACUUM INTO %Q", dst);
	exec_or_die(h, sql);
	sqlite3_free(sql);
	sqlite3_close(h);
	if (sqlite3_open(dst, &h) != SQLITE_OK || hd_fts_register(h) !=
	    SQLITE_OK) {
		die(dst, sqlite3_errmsg(h));
	}
	exec_or_die(h, "PRAGMA journal_mode = WAL");
	exec_or_die(h, "BEGIN");
	exec_or_die(h, "CREATE TABLE text AS SELECT rowid AS id, title, meta,"
		" body FROM search");
	exec_or_die(h, "DROP TABLE search");
	exec_or_die(h, "DROP TABLE heads");
	exec_or_die(h, "CREATE VIRTUAL TABLE search USING fts5(title, meta,"
		" body, tokenize = 'hongdang plain', detail = 'full')");
	exec_or_die(h, "CREATE VIRTUAL TABLE heads USING fts5(title, meta,"
		" tokenize = 'hongdang plain', detail = 'full')");
	t0 = now_s();
	c0 = cpu_s();
	exec_or_die(h, "INSERT INTO search (rowid, title, meta, body)"
		" SELECT id, title, meta, body FROM text ORDER BY id");
	exec_or_die(h, "INSERT INTO heads (rowid, title, meta)"
		" SELECT id, title, meta FROM text ORDER BY id");
	printf("plain index built in %.1f s (cpu %.1f s)\n", now_s() - t0,
		cpu_s() - c0);
	/* merged into one segment, untimed, as the other side is when it
	 * is the merged copy section 2 leaves */
	exec_or_die(h, "INSERT INTO search (search) VALUES ('optimize')");
	exec_or_die(h, "INSERT INTO heads (heads) VALUES ('optimize')");
	exec_or_die(h, "DROP TABLE text");
	exec_or_die(h, "COMMIT");
	exec_or_die(h, "VACUUM");
	sqlite3_close(h);
	free(src);
	free(dst);
}

/* Sum of dbstat page sizes of the tables whose name starts with
 * prefix. */
static long long table_bytes(const char *dir, const char *prefix)
{
	char *db = hd_xasprintf("%s/hongdang.db", dir);
	char like[64];
	sqlite3 *h;
	sqlite3_stmt *st;
	long long total = 0;

	snprintf(like, sizeof like, "%s%%", prefix);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT sum(pgsize) FROM dbstat"
	    " WHERE name LIKE ?1", -1, &st, NULL) != SQLITE_OK) {
		die(db, sqlite3_errmsg(h));
	}
	sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		total = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(db);
	return total;
}

/* ------------------------------------------------------ queries */

static double pct(const double *v, int n, double p)
{
	double *s = hd_xmalloc((size_t)n * sizeof *s), r;
	int i;

	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	i = (int)ceil(p / 100.0 * n) - 1;
	r = s[i < 0 ? 0 : i];
	free(s);
	return r;
}

static double time_search(struct hd_archive *a, const char *q,
	long long *total)
{
	struct hd_query hq;
	struct hd_results res;
	struct hd_error e;
	double t0, t1;

	memset(&hq, 0, sizeof hq);
	hq.q = q;
	hq.limit = 20;
	hd_err_clear(&e);
	t0 = now_s();
	if (hd_search(a, HD_PUBLIC, &hq, &res, &e) != 0) {
		die(q, e.msg);
	}
	t1 = now_s();
	*total = res.total;
	hd_results_release(&res);
	return (t1 - t0) * 1000.0;
}

static double time_suggest(struct hd_archive *a, const char *q,
	size_t *n)
{
	struct hd_suggestion *v;
	struct hd_error e;
	double t0, t1;

	t0 = now_s();
	if (hd_suggest_public(a, q, 8, &v, n, &e) != 0) {
		die(q, e.msg);
	}
	t1 = now_s();
	hd_suggestions_free(v, *n);
	return (t1 - t0) * 1000.0;
}

/* A row of figures: p50, p99, max (ms), and the mean number of hits. */
static void row(const char *label, const double *ms, const long long *hits,
	int n)
{
	long long sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		sum += hits[i];
	}
	printf("  %-34s %8.2f %8.2f %8.2f %10.0f\n", label, pct(ms, n, 50),
		pct(ms, n, 99), pct(ms, n, 100), (double)sum / n);
}

/* The usual pinyin of a Han string, run together. */
static void pinyin_of(const char *s, char *out, size_t n)
{
	struct hd_py_term t;

	hd_py_term(s, 0, &t);
	snprintf(out, n, "%s", t.pinyin[0]);
	hd_py_term_release(&t);
}

int main(int argc, char **argv)
{
	static const int lens[3] = { 1, 2, 4 };
	static char qs[3][NQ][QMAX], py[2][NQ][QMAX], tr[NQ][QMAX], sg[4][NQ][QMAX];
	static double ms[2][NQ];
	static long long hits[2][NQ];
	struct hd_archive *a[2];
	struct hd_error e;
	opencc_t s2t;
	char *plain, *t, label[64];
	long long ours, base, sug;
	int64_t below;
	size_t nsug;
	int l, i, side, ntr = 0;

	bench_name = "bench_variants";
	/* its own sequence: the queries it has always drawn */
	rng_state = 0x2545F4914F6CDD1Dull;
	if (argc == 4 && strcmp(argv[1], "build") == 0) {
		load_corpus(argv[2]);
		build(argv[3]);
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: bench_variants CORPUS ARCHIVE WORKDIR\n"
			"       bench_variants build CORPUS ARCHIVE\n");
		return 2;
	}
	load_corpus(argv[1]);
	plain = hd_xasprintf("%s/plain", argv[3]);
	make_plain(argv[2], plain);

	ours = table_bytes(argv[2], "search") + table_bytes(argv[2], "heads");
	base = table_bytes(plain, "search") + table_bytes(plain, "heads");
	sug = table_bytes(argv[2], "suggest");
	printf("records %zu\n", ndocs);
	printf("index without variants and pinyin  %8.1f MB\n", base / 1e6);
	printf("index with them                    %8.1f MB  (+%.0f %%)\n",
		ours / 1e6, 100.0 * (double)(ours - base) / (double)base);
	printf("suggestion tables                  %8.1f MB\n", sug / 1e6);

	for (l = 0; l < 3; l++) {
		pick_queries(lens[l], qs[l]);
	}
	for (i = 0; i < NQ; i++) {
		pinyin_of(qs[1][i], py[0][i], sizeof py[0][i]);
		pinyin_of(qs[2][i], py[1][i], sizeof py[1][i]);
	}
	s2t = opencc_open("s2t.json");
	for (i = 0; i < NQ && s2t != (opencc_t)-1; i++) {
		t = opencc_convert_utf8(s2t, qs[1][i], strlen(qs[1][i]));
		if (t != NULL && strcmp(t, qs[1][i]) != 0) {
			snprintf(tr[ntr++], sizeof tr[0], "%s", t);
		}
		opencc_convert_utf8_free(t);
	}
	/* suggestion prefixes: Han, pinyin, initials */
	for (i = 0; i < NQ; i++) {
		const struct doc *d = &docs[rnd() % ndocs];
		uint32_t cp[64];
		int off[65], k;
		struct hd_py_term pt;
		const char *src = i % 2 ? d->place : d->title;

		k = decode(src, cp, off, 63);
		k = k < 2 ? k : 1 + i % 2;
		snprintf(sg[0][i], 64, "%.*s", off[k], src);
		hd_py_term(src, 0, &pt);
		snprintf(sg[1][i], 64, "%.*s", 2 + i % 5, pt.pinyin[0]);
		snprintf(sg[2][i], 64, "%.*s", 2 + i % 2, pt.initials[0]);
		hd_py_term_release(&pt);
	}

	hd_err_clear(&e);
	if (hd_archive_open(argv[2], 1, &a[0], &e) != 0 ||
	    hd_archive_open(plain, 1, &a[1], &e) != 0) {
		die("open", e.msg);
	}
	for (side = 0; side < 2; side++) {
		below = INT64_MAX;
		while (below != 0) {
			if (hd_search_warm(a[side], &below, HD_WARM_ROWS,
			    &e) != 0) {
				die("warm", e.msg);
			}
		}
	}
	printf("\nhd_search, ms (HD_PUBLIC, limit 20, snippets):\n");
	printf("  %-34s %8s %8s %8s %10s\n", "", "p50", "p99", "max",
		"mean hits");
	for (l = 0; l < 3; l++) {
		for (i = 0; i < NQ; i++) {
			for (side = 0; side < 2; side++) {
				ms[side][i] = time_search(a[side], qs[l][i],
					&hits[side][i]);
			}
		}
		snprintf(label, sizeof label, "%d char, without", lens[l]);
		row(label, ms[1], hits[1], NQ);
		snprintf(label, sizeof label, "%d char, with variants+pinyin",
			lens[l]);
		row(label, ms[0], hits[0], NQ);
	}
	for (l = 0; l < 2; l++) {
		for (i = 0; i < NQ; i++) {
			ms[0][i] = time_search(a[0], py[l][i], &hits[0][i]);
		}
		snprintf(label, sizeof label, "pinyin of %d char (\"%s\")",
			l ? 4 : 2, py[l][3]);
		row(label, ms[0], hits[0], NQ);
	}
	for (i = 0; i < ntr; i++) {
		ms[0][i] = time_search(a[0], tr[i], &hits[0][i]);
	}
	if (ntr > 0) {
		snprintf(label, sizeof label, "traditional 2 char (%d)", ntr);
		row(label, ms[0], hits[0], ntr);
	}

	printf("\nhd_suggest_public, ms (8 suggestions):\n");
	for (l = 0; l < 3; l++) {
		for (i = 0; i < NQ; i++) {
			ms[0][i] = time_suggest(a[0], sg[l][i], &nsug);
			hits[0][i] = (long long)nsug;
		}
		row(l == 0 ? "Han, 1-2 characters" : l == 1 ?
			"pinyin, 2-6 letters" : "initials, 2-3 letters",
			ms[0], hits[0], NQ);
	}
	hd_archive_close(a[0]);
	hd_archive_close(a[1]);
	if (s2t != (opencc_t)-1) {
		opencc_close(s2t);
	}
	free(plain);
	return 0;
}
