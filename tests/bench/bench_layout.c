/*
 * bench_layout.c - what each part of the search index would cost in
 * other layouts, for `make bench` (never a test): the measurements
 * behind a design that makes the index smaller.
 *
 *   bench_layout CORPUS DB
 *
 * Builds into DB (a new file) one contentless FTS5 table per part: the
 * tokens of one kind of the "hongdang" tokenizer (fts.h: u unigrams, p
 * pairs, t trigrams, y pinyin pairs, l Latin words and digits; marked
 * tokens go with their kind), over the columns (body, title, meta) or
 * (title, meta, body) as today, with detail 'full' or 'none'; every
 * record of CORPUS, transactions of 10,000, each table merged at the
 * end (as `hongdang optimize` leaves search).  Prints each table's size
 * by dbstat, so that a layout's index is the sum of its parts plus the
 * text kept once.  Then times, for the rare and zero-hit 4-character
 * phrases bench_search draws (pick_rare) and its frequent ones
 * (pick_queries): the walk by the trigram phrase on the positional
 * table (what search.c does today), the walk by the pair phrase on the
 * positional pair table, and the narrowing by the trigrams on the
 * 'none' table (AND, no positions) followed by the pair phrase checked
 * on the records it leaves; each newest first, at most 1,000 matches.
 *
 * The tables' tokenizer "hdpart" wraps hd_tokenize: in a document it
 * passes on the tokens of its kinds (the first kept at a position
 * starts it); in a query it gives each space-separated word of the text
 * as one token as written, so the timed statements name the tokens
 * themselves.
 */
#include "bench.h"
#include "fts.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf8.h>

/* The kinds of hd_tokenize's tokens, as letters. */
static char tok_kind(const char *t, int n)
{
	int i = 0, k = 0;
	UChar32 c = 0;

	if (n > 0 && t[0] == HD_PY_START) {
		return 'y';
	}
	if (n > 0 && t[0] == HD_FOLD) {
		i = 1;
	}
	while (i < n) {
		U8_NEXT(t, i, n, c);
		if (c < 0x2E80) {
			return 'l';
		}
		k++;
	}
	return k <= 1 ? 'u' : k == 2 ? 'p' : 't';
}

/* A part's tokenizer: the kinds it keeps. */
struct part {
	char kinds[8];
};

/* What the xToken wrapper carries. */
struct pass {
	const struct part *p;
	void *ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
	int newpos;             /* the next token kept starts a position */
};

static int pass_tok(void *v, int tflags, const char *tok, int ntok,
	int start, int end)
{
	struct pass *s = v;

	if (tflags == 0) {
		s->newpos = 1;
	}
	if (strchr(s->p->kinds, tok_kind(tok, ntok)) == NULL) {
		return 0;
	}
	tflags = s->newpos ? 0 : FTS5_TOKEN_COLOCATED;
	s->newpos = 0;
	return s->xToken(s->ctx, tflags, tok, ntok, start, end);
}

static int part_create(void *ud, const char **argv, int argc,
	Fts5Tokenizer **out)
{
	struct part *p = hd_xcalloc(1, sizeof *p);

	(void)ud;
	snprintf(p->kinds, sizeof p->kinds, "%s", argc > 0 ? argv[0] : "");
	*out = (Fts5Tokenizer *)p;
	return SQLITE_OK;
}

static void part_delete(Fts5Tokenizer *t)
{
	free(t);
}

static int part_tokenize(Fts5Tokenizer *t, void *ctx, int flags,
	const char *text, int n,
	int (*xToken)(void *, int, const char *, int, int, int))
{
	struct pass s = { (const struct part *)t, ctx, xToken, 1 };
	int i = 0, j, rc = SQLITE_OK;

	if (flags & FTS5_TOKENIZE_QUERY) {
		while (i < n && rc == SQLITE_OK) {
			while (i < n && text[i] == ' ') {
				i++;
			}
			for (j = i; j < n && text[j] != ' '; j++) {
			}
			if (j > i) {
				rc = xToken(ctx, 0, text + i, j - i, i, j);
			}
			i = j;
		}
		return rc;
	}
	return hd_tokenize(text, n, HD_TOK_DOCUMENT, &s, pass_tok);
}

/* The tables built: name, kinds, column order, detail. */
static const struct {
	const char *name, *kinds;
	int body_first;
	const char *detail;
} parts[] = {
	{ "u_full", "u", 1, "full" },
	{ "p_full", "p", 1, "full" },
	{ "t_full", "t", 1, "full" },
	{ "y_full", "y", 1, "full" },
	{ "l_full", "l", 1, "full" },
	{ "p_full_titlefirst", "p", 0, "full" },
	{ "u_none", "u", 1, "none" },
	{ "t_none", "t", 1, "none" },
	{ "y_none", "y", 1, "none" },
	{ "p_none", "p", 1, "none" },
	{ "u_column", "u", 1, "column" },
	{ "p_column", "p", 1, "column" },
	{ "y_column", "y", 1, "column" },
};
#define NPARTS (sizeof parts / sizeof *parts)

static void register_part(sqlite3 *h)
{
	static fts5_tokenizer tok = { part_create, part_delete,
		part_tokenize };
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK) {
		die("fts5", sqlite3_errmsg(h));
	}
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (api == NULL || api->xCreateTokenizer(api, "hdpart", NULL, &tok,
	    NULL) != SQLITE_OK) {
		die("fts5", "cannot register hdpart");
	}
}

/* Build every part from the corpus. */
static void build(sqlite3 *h)
{
	sqlite3_stmt *ins[NPARTS];
	char *sql;
	size_t i, k;
	double t0 = now_s();

	exec_or_die(h, "PRAGMA journal_mode = WAL");
	for (k = 0; k < NPARTS; k++) {
		sql = hd_xasprintf("CREATE VIRTUAL TABLE %s USING fts5(%s,"
			" tokenize = 'hdpart %s', detail = '%s', content = '')",
			parts[k].name, parts[k].body_first ?
			"body, title, meta" : "title, meta, body",
			parts[k].kinds, parts[k].detail);
		exec_or_die(h, sql);
		free(sql);
		sql = hd_xasprintf("INSERT INTO %s (rowid, body, title, meta)"
			" VALUES (?1, ?2, ?3, ?4)", parts[k].name);
		if (sqlite3_prepare_v2(h, sql, -1, &ins[k], NULL) !=
		    SQLITE_OK) {
			die(sql, sqlite3_errmsg(h));
		}
		free(sql);
	}
	for (i = 0; i < ndocs; i++) {
		char *meta = hd_xasprintf("%s\n%s\n", docs[i].person ?
			docs[i].person : "", docs[i].place ? docs[i].place :
			"");

		if (i % TX_RECORDS == 0) {
			exec_or_die(h, "BEGIN");
		}
		for (k = 0; k < NPARTS; k++) {
			sqlite3_bind_int64(ins[k], 1, (sqlite3_int64)i + 1);
			sqlite3_bind_text(ins[k], 2, docs[i].body, -1,
				SQLITE_STATIC);
			sqlite3_bind_text(ins[k], 3, docs[i].title, -1,
				SQLITE_STATIC);
			sqlite3_bind_text(ins[k], 4, meta, -1, SQLITE_STATIC);
			if (sqlite3_step(ins[k]) != SQLITE_DONE) {
				die(parts[k].name, sqlite3_errmsg(h));
			}
			sqlite3_reset(ins[k]);
		}
		free(meta);
		if ((i + 1) % TX_RECORDS == 0 || i + 1 == ndocs) {
			exec_or_die(h, "COMMIT");
			fprintf(stderr, "bench_layout: %zu records, %.0f s\n",
				i + 1, now_s() - t0);
		}
	}
	for (k = 0; k < NPARTS; k++) {
		sqlite3_finalize(ins[k]);
		sql = hd_xasprintf("INSERT INTO %s (%s) VALUES ('optimize')",
			parts[k].name, parts[k].name);
		exec_or_die(h, sql);
		free(sql);
	}
	exec_or_die(h, "PRAGMA wal_checkpoint(TRUNCATE)");
}

/* Print each part's size by dbstat. */
static void sizes(sqlite3 *h)
{
	sqlite3_stmt *st;
	size_t k;
	long long raw = 0;
	size_t i;

	for (i = 0; i < ndocs; i++) {
		raw += (long long)(strlen(docs[i].title) +
			strlen(docs[i].body));
	}
	printf("%zu records, %.1f MB of title + body\n", ndocs, raw / 1e6);
	printf("%-20s %-6s %-12s %10s %8s\n", "part", "detail", "columns",
		"MB", "x text");
	for (k = 0; k < NPARTS; k++) {
		char *like = hd_xasprintf("%s_[dic]*", parts[k].name);
		long long sz = 0;

		if (sqlite3_prepare_v2(h, "SELECT sum(pgsize) FROM dbstat"
		    " WHERE name GLOB ?1", -1, &st, NULL) != SQLITE_OK) {
			die("dbstat", sqlite3_errmsg(h));
		}
		sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			sz = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		printf("%-20s %-6s %-12s %10.1f %8.3f\n", parts[k].name,
			parts[k].detail, parts[k].body_first ? "body first" :
			"title first", sz / 1e6, (double)sz / (double)raw);
		free(like);
	}
}

/* The UTF-8 bytes of character i of a 4-character phrase q (3 each). */
#define CH(q, i) ((q) + 3 * (i))

/* Rows of st (bound to m), at most cap; their rowids into ids when not
 * NULL.  Returns how many. */
static int rows(sqlite3_stmt *st, const char *m, int64_t *ids, int cap)
{
	int n = 0;

	sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
	while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
		if (ids != NULL) {
			ids[n] = sqlite3_column_int64(st, 0);
		}
		n++;
	}
	sqlite3_reset(st);
	return n;
}

/* Time the three walks over qs, print p50/p99 and median matches. */
static void walks(sqlite3 *h, const char *label, char qs[NQ][QMAX])
{
	sqlite3_stmt *tri, *pair, *narrow, *check;
	static int64_t ids[1 << 20];
	double v[3][NQ], t0, m[NQ];
	char q[256];
	int i, j, n, found, k;

	if (sqlite3_prepare_v2(h, "SELECT rowid FROM t_full WHERE t_full"
	    " MATCH ?1 ORDER BY rowid DESC", -1, &tri, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT rowid FROM p_full WHERE p_full"
	    " MATCH ?1 ORDER BY rowid DESC", -1, &pair, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT rowid FROM t_none WHERE t_none"
	    " MATCH ?1 ORDER BY rowid DESC", -1, &narrow, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT 1 FROM p_full WHERE p_full"
	    " MATCH ?1 AND rowid = ?2", -1, &check, NULL) != SQLITE_OK) {
		die("walks", sqlite3_errmsg(h));
	}
	for (i = 0; i < NQ; i++) {
		const char *s = qs[i];

		/* trigram phrase, positional */
		snprintf(q, sizeof q, "\"%.9s %.9s\"", CH(s, 0), CH(s, 1));
		t0 = now_s();
		m[i] = rows(tri, q, NULL, HD_SEARCH_CAP);
		v[0][i] = (now_s() - t0) * 1000;
		/* pair phrase, positional */
		snprintf(q, sizeof q, "\"%.6s %.6s %.6s\"", CH(s, 0), CH(s, 1),
			CH(s, 2));
		t0 = now_s();
		rows(pair, q, NULL, HD_SEARCH_CAP);
		v[1][i] = (now_s() - t0) * 1000;
		/* trigrams without positions, then the pair phrase on each
		 * record they leave, until the cap */
		t0 = now_s();
		snprintf(q, sizeof q, "\"%.9s\" AND \"%.9s\"", CH(s, 0),
			CH(s, 1));
		n = rows(narrow, q, ids, (int)(sizeof ids / sizeof *ids));
		snprintf(q, sizeof q, "\"%.6s %.6s %.6s\"", CH(s, 0), CH(s, 1),
			CH(s, 2));
		sqlite3_bind_text(check, 1, q, -1, SQLITE_TRANSIENT);
		for (j = 0, found = 0; j < n && found < HD_SEARCH_CAP; j++) {
			sqlite3_bind_int64(check, 2, ids[j]);
			found += sqlite3_step(check) == SQLITE_ROW;
			sqlite3_reset(check);
		}
		v[2][i] = (now_s() - t0) * 1000;
	}
	sqlite3_finalize(tri);
	sqlite3_finalize(pair);
	sqlite3_finalize(narrow);
	sqlite3_finalize(check);
	qsort(m, NQ, sizeof *m, cmp_double);
	printf("%-8s %6.0f", label, m[NQ / 2]);
	for (k = 0; k < 3; k++) {
		qsort(v[k], NQ, sizeof *v[k], cmp_double);
		printf("  %7.2f %7.2f", v[k][NQ / 2 - 1], v[k][NQ - 2]);
	}
	printf("\n");
}

/* Read the file at path once, as a running server has it in the OS
 * cache. */
static void warm_file(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "rb");

	while (f != NULL && fread(buf, 1, sizeof buf, f) == sizeof buf) {
	}
	if (f != NULL) {
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	static char qs[3][NQ][QMAX];
	static long hits[NQ];
	sqlite3 *h;
	FILE *f;

	bench_name = "bench_layout";
	if (argc != 3) {
		fprintf(stderr, "usage: bench_layout CORPUS DB\n");
		return 2;
	}
	load_corpus(argv[1]);
	f = fopen(argv[2], "r");
	if (sqlite3_open(argv[2], &h) != SQLITE_OK ||
	    hd_fts_register(h) != SQLITE_OK) {
		die(argv[2], sqlite3_errmsg(h));
	}
	register_part(h);
	if (f == NULL) {
		build(h);
	} else {
		fclose(f);
	}
	sizes(h);
	pick_queries(4, qs[0]);
	pick_rare(4, 0, qs[1], hits);
	pick_rare(4, 1, qs[2], hits);
	warm_file(argv[2]);
	printf("\nwalks of 4-character phrases, newest first, at most %d "
		"matches (ms, p50 p99;\nwarm OS cache, one connection, each "
		"query once):\n", HD_SEARCH_CAP);
	printf("%-8s %6s  %15s  %15s  %15s\n", "phrases", "med", "trigram "
		"phrase", "pair phrase", "tri none+check");
	walks(h, "frequent", qs[0]);
	walks(h, "rare", qs[1]);
	walks(h, "zero", qs[2]);
	sqlite3_close(h);
	return 0;
}
