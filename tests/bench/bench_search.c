/*
 * bench_search.c - search at scale, for `make bench` (never a test).
 *
 *   bench_search build CORPUS WORKDIR
 *     Creates WORKDIR/archive through libhd (one hd_record_add per line
 *     of CORPUS, transactions of 10,000) and WORKDIR/trigram.db (FTS5
 *     trigram over the same title and body, sqlite3 C API directly),
 *     timing both; prints the figures and writes them to
 *     WORKDIR/build.txt.
 *   bench_search compose WORKDIR
 *     What WORKDIR/archive's database is made of: each table by dbstat,
 *     then the terms of search and heads by kind (unigram, pair,
 *     trigram, pinyin, marked, Latin) with their records, instances and
 *     estimated bytes (compose_table); also into WORKDIR/compose.txt.
 *   bench_search query CORPUS WORKDIR
 *     Draws 100 distinct queries of 1, 2 and 4 Han characters from the
 *     corpus (frequent to rare), 100 rare phrases of 4 (in 1 to
 *     RARE_MAX records) and 100 written nowhere, then times hd_search
 *     (limit 20, snippets, facets 0 and 1, HD_ARCHIVIST and HD_PUBLIC)
 *     and the trigram table (count + top 20 by rank with snippet()) on
 *     each; prints p50/p99 and hits, and writes every query's figures to
 *     WORKDIR/queries.txt.
 *     Each of the 25 cells (row x configuration) gets a share of
 *     BENCH_QUERY_BUDGET seconds (default 150) and stops when it is spent,
 *     so a slow library cannot make the bench run for hours.
 *     BENCH_ARCHIVE names the archive folder inside WORKDIR (default
 *     "archive"; run.sh also times a merged copy, "merged"); the
 *     per-query figures go to WORKDIR/queries-NAME.txt then.
 *     BENCH_WARM=1: each cell's connection answers its queries once,
 *     untimed, before the timed pass (a worker that has seen them);
 *     BENCH_WARM=server: it sets its page cache aside
 *     (hd_page_cache_reserve) and calls hd_search_warm first, untimed, as
 *     the exhibit server does for each worker (the queries are then new
 *     to it).
 *
 * CORPUS lines: title TAB body TAB year TAB place TAB person (corpus.py).
 * Latencies are in-process, wall clock (CLOCK_MONOTONIC), warm OS cache,
 * one read-only connection like the exhibit server's; the thread's CPU
 * time is reported beside them, since on a busy machine wall time also
 * counts waiting for a core.
 */
#include "bench.h"
#include "fts.h"

#include <sqlite3.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unicode/utf8.h>
#include <unistd.h>

#define MIN_CELL 4.0            /* seconds any cell may take */


/* CPU time of the calling thread, for one query. */
static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* The archive of the corpus at dir (bench_build), its times into out. */
static void build_ours(const char *dir, FILE *out)
{
	struct build_times t;

	bench_build(dir, &t);
	fprintf(out, "ours.build_s %.3f\nours.build_cpu_s %.3f\n", t.wall,
		t.cpu);
	fprintf(out, "ours.tx_fast_s %.3f\nours.tx_slow_s %.3f\n", t.tx_fast,
		t.tx_slow);
}

static void build_trigram(const char *path, FILE *out)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	double t0, t1, c0;
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
	c0 = cpu_s();
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
	sqlite3_finalize(st);
	sqlite3_close(h);
	t1 = now_s();
	fprintf(out, "trigram.build_s %.3f\ntrigram.build_cpu_s %.3f\n",
		t1 - t0, cpu_s() - c0);
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
	ours = fts_size(db, "search", out) + fts_size(db, "heads", out);
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

/* ------------------------------------------------------ composition */

/* The kinds of token the tokenizer writes (fts.h), by what a term
 * begins with and how many characters it has. */
enum kind { K_UNI, K_PAIR, K_TRI, K_PINYIN, K_MUNI, K_MPAIR, K_MTRI,
	K_OLD, K_LATIN, NKIND };
static const char *const kind_name[NKIND] = {
	"unigram", "pair", "trigram", "pinyin pair", "marked unigram",
	"marked pair", "marked trigram", "old 0x02 pair", "latin/digit",
};

/* The kind of term t[0..n). */
static enum kind term_kind(const unsigned char *t, int n)
{
	int marked = 0, i = 0, k = 0;
	UChar32 c = 0;

	if (n > 0 && t[0] == HD_PY_START) {
		return K_PINYIN;
	}
	if (n > 0 && t[0] == 0x02) {
		return K_OLD;
	}
	if (n > 0 && t[0] == HD_FOLD) {
		marked = 1;
		i = 1;
	}
	while (i < n) {
		U8_NEXT(t, i, n, c);
		if (c < 0x2E80) {
			return K_LATIN;
		}
		k++;
	}
	k = k < 1 ? 1 : k > 3 ? 3 : k;
	return (enum kind)((marked ? K_MUNI : K_UNI) + k - 1);
}

/* Bytes of the varint of v (SQLite's, as FTS5 writes). */
static int varint_len(double v)
{
	int n = 1;

	while (v >= 128.0 && n < 9) {
		v /= 128.0;
		n++;
	}
	return n;
}

/* The first column of the first row of sql (which it frees) on h, 0
 * for none; dies when sql fails. */
static long long scalar(sqlite3 *h, char *sql)
{
	sqlite3_stmt *st;
	long long v = 0;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		die(sql, sqlite3_errmsg(h));
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	free(sql);
	return v;
}

/* What compose counts of a kind. */
struct kind_sum {
	long long terms, docs, inst;
	double est;             /* bytes, by the model of compose_table */
};

/* The composition of FTS5 table tab of db: each term of its fts5vocab
 * 'col' table by kind (term_kind), its doclist bytes estimated by the
 * layout FTS5 writes for detail=full (per term: its key and first
 * rowid; per record: a rowid delta of about nrows / docs and a size;
 * per column other than the table's first: a marker of 2 bytes; per
 * position: the first about half way into the column, the next ones a
 * small delta), the estimates scaled to the table's real size (its _data
 * table by dbstat), printed as lines "compose.TAB.KIND terms docs inst
 * bytes" into out and as a table on stdout. */
static void compose_table(sqlite3 *h, const char *tab, FILE *out)
{
	struct kind_sum k[NKIND];
	sqlite3_stmt *st;
	char *sql;
	long long nrows = 0, data = 0, prev_docs = 0;
	double total = 0, scale, len;
	char order[3][16] = { "", "", "" };
	char last[HD_TOK_MAX + 8] = "";
	int i, col, nlast = 0;

	memset(k, 0, sizeof k);
	nrows = scalar(h, hd_xasprintf("SELECT count(*) FROM %s", tab));
	data = scalar(h, hd_xasprintf("SELECT sum(pgsize) FROM dbstat"
		" WHERE name = '%s_data'", tab));
	/* the columns in the table's order: the first has no marker */
	sql = hd_xasprintf("SELECT name FROM pragma_table_info('%s')", tab);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		die(sql, sqlite3_errmsg(h));
	}
	for (i = 0; i < 3 && sqlite3_step(st) == SQLITE_ROW; i++) {
		snprintf(order[i], sizeof order[i], "%s",
			(const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	free(sql);
	sql = hd_xasprintf("CREATE VIRTUAL TABLE temp.v_%s USING"
		" fts5vocab(main, %s, 'col')", tab, tab);
	exec_or_die(h, sql);
	free(sql);
	sql = hd_xasprintf("SELECT term, col, doc, cnt FROM temp.v_%s", tab);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		die(sql, sqlite3_errmsg(h));
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		const char *cn = (const char *)sqlite3_column_text(st, 1);
		long long d = sqlite3_column_int64(st, 2);
		long long c = sqlite3_column_int64(st, 3);
		enum kind kd = term_kind(t, n);
		double b;
		int newterm = n != nlast || memcmp(t, last, (size_t)n) != 0;

		for (col = 0; col < 2 && strcmp(cn, order[col]) != 0; col++) {
		}
		if (newterm) {
			/* key (prefix-compressed: about half of it) and
			 * the first rowid, a full varint */
			k[kd].terms++;
			b = 2.0 + n / 2.0 + varint_len((double)nrows);
			k[kd].est += b;
			total += b;
			if (n <= HD_TOK_MAX) {
				memcpy(last, t, (size_t)n);
			}
			nlast = n;
			prev_docs = 0;
		}
		/* a record's rowid delta and size, counted once per term
		 * by its largest column (records of several columns are
		 * few) */
		if (d > prev_docs) {
			b = (double)(d - prev_docs) * (varint_len(
				(double)nrows / (double)d) + 1.0);
			k[kd].est += b;
			total += b;
			k[kd].docs += d - prev_docs;
			prev_docs = d;
		}
		len = strcmp(cn, "title") == 0 ? 8.0 : strcmp(cn, "meta") ==
			0 ? 40.0 : 600.0;      /* positions in the column */
		b = (col > 0 ? 2.0 * (double)d : 0.0) + (double)d *
			varint_len(len / 2.0) + (double)(c - d) *
			varint_len(len * (double)d / (double)c);
		k[kd].est += b;
		k[kd].inst += c;
		total += b;
	}
	sqlite3_finalize(st);
	free(sql);
	scale = total > 0 ? (double)data / total : 0;
	printf("%s_data %.1f MB (model %.1f MB, scaled by %.2f)\n", tab,
		(double)data / 1e6, total / 1e6, scale);
	printf("  %-16s %10s %12s %12s %9s %6s\n", "kind", "terms",
		"records", "instances", "est MB", "share");
	for (i = 0; i < NKIND; i++) {
		if (k[i].terms == 0) {
			continue;
		}
		printf("  %-16s %10lld %12lld %12lld %9.1f %5.1f%%\n",
			kind_name[i], k[i].terms, k[i].docs, k[i].inst,
			k[i].est * scale / 1e6, 100.0 * k[i].est / total);
		fprintf(out, "compose.%s.%s %lld %lld %lld %.0f\n", tab,
			kind_name[i], k[i].terms, k[i].docs, k[i].inst,
			k[i].est * scale);
	}
}

/* The composition of WORKDIR/$BENCH_ARCHIVE's database: every table and
 * index by dbstat, then search's and heads' terms by kind
 * (compose_table); written to WORKDIR/compose.txt too. */
static void cmd_compose(const char *workdir)
{
	char *db = hd_xasprintf("%s/%s/hongdang.db", workdir,
		getenv("BENCH_ARCHIVE") ? getenv("BENCH_ARCHIVE") : "archive");
	char *res = hd_xasprintf("%s/compose.txt", workdir);
	FILE *out = fopen(res, "w");
	sqlite3 *h;
	sqlite3_stmt *st;
	long long all = 0;

	if (out == NULL) {
		die(res, "cannot write");
	}
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    hd_fts_register(h) != SQLITE_OK) {
		die(db, sqlite3_errmsg(h));
	}
	if (sqlite3_prepare_v2(h, "SELECT name, sum(pgsize) FROM dbstat"
	    " GROUP BY name ORDER BY 2 DESC", -1, &st, NULL) != SQLITE_OK) {
		die(db, sqlite3_errmsg(h));
	}
	printf("tables and indexes of %s by dbstat:\n", db);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long sz = sqlite3_column_int64(st, 1);

		all += sz;
		if (sz >= 1000000) {
			printf("  %-28s %9.1f MB\n", sqlite3_column_text(st, 0),
				(double)sz / 1e6);
		}
		fprintf(out, "table.%s %lld\n", sqlite3_column_text(st, 0),
			sz);
	}
	sqlite3_finalize(st);
	printf("  %-28s %9.1f MB\n", "(all pages)", (double)all / 1e6);
	compose_table(h, "search", out);
	compose_table(h, "heads", out);
	sqlite3_close(h);
	fclose(out);
	free(db);
	free(res);
}

/* ---------------------------------------------------------- queries */

/* The figures of one query in one cell (a query length and a
 * configuration: archivist or public, facets 0 or 1, or trigram). */
struct meas {
	int state;              /* 0 not run, 1 measured, 2 cut off */
	double ms;              /* wall; when cut, how long it had run */
	double cpu;             /* CPU time of the thread */
	long long total;
	int capped;             /* total is of the newest matches only */
	long marked;            /* hits with a mark in the snippet */
};

enum { CELL_ARCH0, CELL_ARCH1, CELL_PUB0, CELL_PUB1, CELL_TRI, NCELL };
static const char *const cell_name[NCELL] = {
	"archivist 0", "archivist 1", "public    0", "public    1",
	"trigram",
};

/* One query through hd_search; fills m. */
static void time_ours(struct hd_archive *a, enum hd_audience who,
	const char *q, int facets, struct meas *m)
{
	struct hd_query hq;
	struct hd_results res;
	struct hd_error e;
	double t0, c0;
	size_t i;

	memset(&hq, 0, sizeof hq);
	hq.q = q;
	hq.limit = 20;
	hq.facets = facets;
	hd_err_clear(&e);
	c0 = thread_cpu_s();
	t0 = now_s();
	if (hd_search(a, who, &hq, &res, &e) != 0) {
		die(q, e.msg);
	}
	m->ms = (now_s() - t0) * 1000.0;
	m->cpu = (thread_cpu_s() - c0) * 1000.0;
	m->total = res.total;
	m->capped = res.capped;
	m->marked = 0;
	for (i = 0; i < res.nhits; i++) {
		if (res.hits[i].snippet.nmarks > 0) {
			m->marked++;
		}
	}
	m->state = 1;
	hd_results_release(&res);
}

/* The trigram side of one query: the total (hd_search counts it too) and
 * the top 20 by rank with snippet(). */
static void time_trigram(sqlite3 *h, sqlite3_stmt *cnt,
	sqlite3_stmt *page, const char *q, struct meas *m)
{
	char phrase[64];
	double t0, c0;
	const char *snip;

	snprintf(phrase, sizeof phrase, "\"%s\"", q);
	c0 = thread_cpu_s();
	t0 = now_s();
	sqlite3_bind_text(cnt, 1, phrase, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(cnt) != SQLITE_ROW) {
		die(q, sqlite3_errmsg(h));
	}
	m->total = sqlite3_column_int64(cnt, 0);
	sqlite3_reset(cnt);
	sqlite3_bind_text(page, 1, phrase, -1, SQLITE_TRANSIENT);
	m->marked = 0;
	while (sqlite3_step(page) == SQLITE_ROW) {
		(void)sqlite3_column_text(page, 1);     /* what a page shows */
		snip = (const char *)sqlite3_column_text(page, 2);
		m->marked += snip != NULL && strchr(snip, '\x01') != NULL;
	}
	sqlite3_reset(page);
	m->ms = (now_s() - t0) * 1000.0;
	m->cpu = (thread_cpu_s() - c0) * 1000.0;
	m->state = 1;
}

/* What a cell's child process sends for each query it finishes. */
struct msg {
	int idx;
	struct meas m;
};

/* The archive folder inside WORKDIR that the queries read. */
static const char *archive_name(void)
{
	const char *v = getenv("BENCH_ARCHIVE");

	return v != NULL && *v != '\0' ? v : "archive";
}

/* Warm a as the exhibit server does, all of it at once. */
static void warm(struct hd_archive *a, const char *path)
{
	struct hd_error e;
	int64_t below = INT64_MAX;

	hd_err_clear(&e);
	while (below != 0) {
		if (hd_search_warm(a, &below, HD_WARM_ROWS, &e) != 0) {
			die(path, e.msg);
		}
	}
}

/* 1 when BENCH_WARM=server. */
static int warm_server(void)
{
	const char *v = getenv("BENCH_WARM");

	return v != NULL && strcmp(v, "server") == 0;
}

/* Child: run the cell's queries in order, one message each, then exit.
 * A fresh connection per cell, as a server worker would have. */
static void cell_child(int fd, const char *workdir, int cell,
	char qs[NQ][QMAX], const int *order)
{
	char *path;
	struct hd_archive *a = NULL;
	struct hd_error e;
	sqlite3 *h = NULL;
	sqlite3_stmt *cnt = NULL, *page = NULL;
	struct msg mg;
	int i;

	if (cell == CELL_TRI) {
		path = hd_xasprintf("%s/trigram.db", workdir);
		if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) !=
		    SQLITE_OK || sqlite3_prepare_v2(h, "SELECT count(*)"
		    " FROM t WHERE t MATCH ?1", -1, &cnt, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(h, "SELECT rowid, title, snippet(t, 1,"
		    " char(1), char(2), '…', 24) FROM t WHERE t MATCH ?1"
		    " ORDER BY rank LIMIT 20", -1, &page, NULL) != SQLITE_OK) {
			die(path, sqlite3_errmsg(h));
		}
	} else {
		path = hd_xasprintf("%s/%s", workdir, archive_name());
		hd_err_clear(&e);
		if (warm_server()) {
			hd_page_cache_reserve(path, 1);     /* as the server */
		}
		if (hd_archive_open(path, 1, &a, &e) != 0) {
			die(path, e.msg);
		}
	}
	/* BENCH_WARM: answer every query once, untimed, first: the timed
	 * pass then shows a worker that has answered them before (their
	 * pages in its cache), where the default shows a fresh one; or
	 * only read in what every search reads, as the server does. */
	if (warm_server() && cell != CELL_TRI) {
		warm(a, path);
	}
	for (i = 0; getenv("BENCH_WARM") != NULL && !warm_server() &&
	    cell != CELL_TRI && i < NQ; i++) {
		time_ours(a, cell < CELL_PUB0 ? HD_ARCHIVIST : HD_PUBLIC,
			qs[order[i]], cell % 2, &mg.m);
	}
	for (i = 0; i < NQ; i++) {
		memset(&mg, 0, sizeof mg);
		mg.idx = order[i];
		if (cell == CELL_TRI) {
			time_trigram(h, cnt, page, qs[order[i]], &mg.m);
		} else {
			time_ours(a, cell < CELL_PUB0 ? HD_ARCHIVIST :
			    HD_PUBLIC, qs[order[i]], cell % 2, &mg.m);
		}
		if (write(fd, &mg, sizeof mg) != (ssize_t)sizeof mg) {
			_exit(1);
		}
	}
	_exit(0);
}

/* Run one cell in a child for at most limit seconds (the first query is
 * always started).  A query still running at the deadline is killed and
 * recorded as cut off, with the time it had run.  Returns the seconds
 * spent, or -1 when the child was killed by someone else (a stray signal
 * on a shared machine): then the caller runs the cell again. */
static double run_cell(const char *workdir, int cell, char qs[NQ][QMAX],
	const int *order, struct meas *out, double limit)
{
	int fds[2], st = 0, done = 0, deadline = 0;
	pid_t pid;
	double t0 = now_s(), last = t0, left;
	struct msg mg;
	struct pollfd pfd;
	ssize_t k;

	if (pipe(fds) != 0) {
		die("pipe", strerror(errno));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		die("fork", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		cell_child(fds[1], workdir, cell, qs, order);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		left = t0 + limit - now_s();
		if (left <= 0) {
			deadline = 1;
			break;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0) {
			continue;
		}
		k = read(fds[0], &mg, sizeof mg);
		if (k != (ssize_t)sizeof mg) {
			break;          /* the child finished, failed or died */
		}
		out[mg.idx] = mg.m;
		last = now_s();
		done++;
	}
	close(fds[0]);
	if (deadline) {
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, &st, 0) != pid) {
		die("waitpid", strerror(errno));
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		die(cell_name[cell], "query child failed");
	}
	if (WIFSIGNALED(st) && !deadline) {
		return -1;
	}
	if (deadline && done < NQ) {
		out[order[done]].state = 2;
		out[order[done]].ms = (now_s() - last) * 1000.0;
	}
	return now_s() - t0;
}

/* Figures of one cell over its queries: percentiles of wall and CPU
 * time (a cut-off query counts with the time it had run, and a figure
 * that lands on one is a lower bound: lb), median total. */
struct cell {
	int n, cut;
	double p50, p99, max, cpu50, cpu99, hits50;
	int p50_lb, p99_lb, max_lb;
};

/* Percentile p (0-100) of v[0..n), nearest rank, v sorted. */
static double pct(const double *v, int n, double p)
{
	int i = (int)ceil(p / 100.0 * n) - 1;

	return v[i < 0 ? 0 : i];
}

static void cell_of(const struct meas *m, struct cell *c)
{
	double v[NQ], cv[NQ], hits[NQ], cutmin = 1e300;
	int i, nv = 0;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NQ; i++) {
		if (m[i].state == 1) {
			v[nv++] = m[i].ms;
			cv[c->n] = m[i].cpu;
			hits[c->n++] = (double)m[i].total;
			c->max = m[i].ms > c->max ? m[i].ms : c->max;
		}
	}
	/* A query cut off says something only when it had already run
	 * longer than every measured one; else it is as if not run. */
	for (i = 0; i < NQ; i++) {
		if (m[i].state == 2 && m[i].ms > c->max) {
			v[nv++] = m[i].ms;
			c->cut++;
			cutmin = m[i].ms < cutmin ? m[i].ms : cutmin;
		}
	}
	if (nv == 0) {
		return;
	}
	qsort(v, (size_t)nv, sizeof *v, cmp_double);
	c->p50 = pct(v, nv, 50);
	c->p99 = pct(v, nv, 99);
	c->max = v[nv - 1];
	c->p50_lb = c->cut && c->p50 >= cutmin;
	c->p99_lb = c->cut && c->p99 >= cutmin;
	c->max_lb = c->cut > 0;
	if (c->n > 0) {
		qsort(cv, (size_t)c->n, sizeof *cv, cmp_double);
		qsort(hits, (size_t)c->n, sizeof *hits, cmp_double);
		c->cpu50 = pct(cv, c->n, 50);
		c->cpu99 = pct(cv, c->n, 99);
		c->hits50 = pct(hits, c->n, 50);
	}
}

/* "12.34" or ">12.34" for a lower bound, "-" for nothing. */
static const char *fig(char *b, size_t n, double v, int lb, int have)
{
	if (!have) {
		snprintf(b, n, "-");
	} else {
		snprintf(b, n, "%s%.2f", lb ? ">" : "", v);
	}
	return b;
}

/* The rows of queries: of 1, 2 and 4 characters drawn frequent to rare
 * (pick_queries), then rare and zero-hit phrases of 4 (pick_rare). */
enum { G_RARE = 3, G_ZERO, NGROUP };
static const char *const group_name[NGROUP] = {
	"1 char", "2 char", "4 char", "4 rare", "4 zero",
};

static void cmd_query(const char *workdir)
{
	static const int lens[NGROUP] = { 1, 2, 4, 4, 4 };
	static char qs[NGROUP][NQ][QMAX];
	static struct meas r[NGROUP][NCELL][NQ];
	static long known[2][NQ];
	char *qpath = getenv("BENCH_ARCHIVE") ? hd_xasprintf(
		"%s/queries-%s%s.txt", workdir, archive_name(),
		warm_server() ? "-server" : getenv("BENCH_WARM") ? "-warm" :
		"") :
		hd_xasprintf("%s/queries.txt", workdir);
	const char *env = getenv("BENCH_QUERY_BUDGET");
	double budget = env ? atof(env) : 150.0, spent = 0, cb;
	int order[NQ], l, i, j, k, cells = NGROUP * NCELL, met = 0;
	double kv[NQ];
	char b1[32], b2[32], b3[32], b4[32];
	FILE *qf;

	for (l = 0; l < 3; l++) {
		pick_queries(lens[l], qs[l]);
	}
	pick_rare(4, 0, qs[G_RARE], known[0]);
	pick_rare(4, 1, qs[G_ZERO], known[1]);
	/* Queries run in one fixed shuffled order, so that a cell cut
	 * short by its budget measured a fair sample, frequent and rare. */
	for (i = 0; i < NQ; i++) {
		order[i] = i;
	}
	for (i = NQ - 1; i > 0; i--) {
		j = (int)(rnd() % (uint64_t)(i + 1));
		k = order[i];
		order[i] = order[j];
		order[j] = k;
	}
	/* Each cell gets an equal share of what is left of the budget, at
	 * least MIN_CELL seconds. */
	for (l = 0; l < NGROUP; l++) {
		for (k = 0; k < NCELL; k++) {
			cb = (budget - spent) / cells--;
			if (cb < MIN_CELL) {
				cb = MIN_CELL;
			}
			for (i = 0; i < 3; i++) {
				double t = run_cell(workdir, k, qs[l], order,
					r[l][k], cb);

				if (t >= 0) {
					spent += t;
					break;
				}
				memset(r[l][k], 0, sizeof r[l][k]);
				fprintf(stderr, "bench_search: a query process "
					"was killed from outside; again\n");
			}
			for (i = j = 0; i < NQ; i++) {
				j += r[l][k][i].state == 1;
			}
			fprintf(stderr, "bench_search: %s, %s: %d queries;"
				" %.0f s of the budget used\n", group_name[l],
				cell_name[k], j, spent);
		}
	}

	printf("Search latency (archive folder \"%s\"%s): %zu records, "
		"in-process, warm OS cache,\na fresh read-only connection per "
		"row; hd_search with limit 20, "
		"snippets, total counted\n(up to %d matches and the title "
		"and meta matches past them: hd_search's cap).\n",
		archive_name(), warm_server() ? ", hd_search_warm first, "
		"untimed" : getenv("BENCH_WARM") ? ", each query answered "
		"once before, untimed" : "", ndocs, HD_SEARCH_CAP);
	for (i = 0; i < NQ; i++) {
		kv[i] = (double)known[0][i];
	}
	qsort(kv, NQ, sizeof *kv, cmp_double);
	printf("%d distinct queries per row: of 1, 2 and 4 characters "
		"frequent to rare;\n4 rare: phrases in 1 to %d records as "
		"written (median %.0f), the rarest the\ncorpus sample has; "
		"4 zero: phrases written in no record, each half common.\n"
		"Target p99 < 5 ms.\n", NQ, RARE_MAX, pct(kv, NQ, 50));
	printf("n: queries measured; each row may use its share of "
		"BENCH_QUERY_BUDGET=%.0f s\n(so n < %d is a random sample; "
		"then p99 is about the slowest).  cut: a query\nstill running "
		"at the end of the share, killed; '>' marks a figure that is "
		"one\n(counted only when it had run longer than every measured "
		"query of its row).\n", budget, NQ);
	printf("\n%-6s %-9s %-6s %4s %4s %9s %9s %9s %8s %8s %8s\n", "query",
		"audience", "facets", "n", "cut", "p50 ms", "p99 ms", "max ms",
		"cpu p50", "cpu p99", "med hits");
	for (l = 0; l < NGROUP; l++) {
		for (k = 0; k < CELL_TRI; k++) {
			struct cell c;

			cell_of(r[l][k], &c);
			j = c.n + c.cut;
			met += j > 0 && !c.p99_lb && c.p99 < 5.0;
			printf("%s %-16s %4d %4d %9s %9s %9s %8.2f %8.2f "
				"%8.0f\n", group_name[l], cell_name[k], c.n,
				c.cut,
				fig(b1, sizeof b1, c.p50, c.p50_lb, j),
				fig(b2, sizeof b2, c.p99, c.p99_lb, j),
				fig(b3, sizeof b3, c.max, c.max_lb, j),
				c.cpu50, c.cpu99, c.hits50);
		}
	}
	printf("p99 < 5 ms in %d of %d rows\n", met, NGROUP * CELL_TRI);
	printf("\nOurs (archivist, facets 0) against FTS5 trigram on the same "
		"texts\n(trigram: count(*) + top 20 by rank with snippet(), "
		"what hd_search does too)\n\n");
	printf("%-6s %4s %9s %9s %4s %9s %9s %12s %12s\n", "query", "n",
		"ours p50", "ours p99", "n", "tri p50", "tri p99",
		"ours found", "tri found");
	for (l = 0; l < NGROUP; l++) {
		struct cell c, t;
		int both = 0, oh = 0, th = 0, differ = 0, nomark = 0, capped = 0;

		cell_of(r[l][CELL_ARCH0], &c);
		cell_of(r[l][CELL_TRI], &t);
		for (i = 0; i < NQ; i++) {
			const struct meas *o = &r[l][CELL_ARCH0][i];
			const struct meas *g = &r[l][CELL_TRI][i];

			if (o->state != 1 || g->state != 1) {
				continue;
			}
			both++;
			oh += o->total > 0;
			th += g->total > 0;
			capped += o->capped;
			differ += g->total > 0 && !o->capped &&
				o->total != g->total;
			nomark += o->total > 0 && o->marked == 0;
		}
		printf("%s %4d %9s %9s %4d %9s %9s %5d of %-4d %5d of "
			"%-4d\n", group_name[l], c.n,
			fig(b1, sizeof b1, c.p50, c.p50_lb, c.n + c.cut),
			fig(b2, sizeof b2, c.p99, c.p99_lb, c.n + c.cut),
			t.n, fig(b3, sizeof b3, t.p50, 0, t.n),
			fig(b4, sizeof b4, t.p99, 0, t.n), oh, both, th, both);
		if (differ > 0 || nomark > 0 || capped > 0) {
			printf("       (%d: both found, totals differ, ours not "
				"capped; %d: hits but no <mark> in\n        any "
				"snippet; %d: ours capped)\n", differ, nomark,
				capped);
		}
	}
	printf("       (found: queries with at least one hit, of those "
		"measured on both sides)\n");
	qf = fopen(qpath, "w");
	if (qf == NULL) {
		die(qpath, "cannot write");
	}
	fprintf(qf, "# query, then per cell (archivist f0, archivist f1, "
		"public f0, public f1, trigram):\n# hits/ms, '-' not run, "
		"'>ms' cut off\n");
	for (l = 0; l < NGROUP; l++) {
		for (i = 0; i < NQ; i++) {
			fprintf(qf, "%s", qs[l][i]);
			for (k = 0; k < NCELL; k++) {
				const struct meas *m = &r[l][k][i];

				if (m->state == 0) {
					fprintf(qf, "\t-");
				} else if (m->state == 2) {
					fprintf(qf, "\t?/>%.0f", m->ms);
				} else {
					fprintf(qf, "\t%lld/%.2f", m->total,
						m->ms);
				}
			}
			fprintf(qf, "\n");
		}
	}
	fclose(qf);
	printf("\nper-query figures: %s\n", qpath);
	free(qpath);
}

int main(int argc, char **argv)
{
	double t0 = now_s();

	bench_name = "bench_search";
	if (argc == 3 && strcmp(argv[1], "compose") == 0) {
		cmd_compose(argv[2]);
		return 0;
	}
	if (argc != 4 || (strcmp(argv[1], "build") != 0 &&
	    strcmp(argv[1], "query") != 0)) {
		fprintf(stderr, "usage: bench_search build|query CORPUS "
			"WORKDIR\n       bench_search compose WORKDIR\n");
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
