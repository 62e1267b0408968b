/*
 * eval_manpages.c - known-item search evaluation on a real corpus in both
 * Chinese scripts, for `make eval` (never part of make test).
 *
 *   eval_manpages CORPUS WORKDIR
 *
 * CORPUS has one document a line, "SCRIPT TAB PAGE TAB TITLE TAB BODY"
 * (tests/bench/manpages.py writes Debian's manpages-zh so: SCRIPT zh_CN
 * for Simplified, zh_TW for Traditional; backslash, tab and newline
 * escaped as \\, \t and \n).  Every document becomes a public, approved
 * record of a fresh archive in WORKDIR/archive (its title, or its page
 * name when it has none, and its body; bench_build of bench.c).  Then, from a fixed seed, each
 * document gets a known-item query: a piece of 2 to 6 Han characters of
 * its title (every other document, when the title has Han) or its body,
 * that is distinctive: its folded form (traditional characters folded to
 * simplified, as the index folds them) is in at most TITLE_MAX titles for
 * a piece of a title, in at most DOC_MAX documents for a piece of a body.
 * A piece that OpenCC writes differently in the other script is
 * preferred.  The piece is searched (HD_ARCHIVIST, 10 hits) as written
 * ("same script") and converted to the other script by OpenCC s2t or t2s
 * ("cross script", only when that changes it), and the document counts as
 * found when it is among the 10 hits.
 *
 * Prints the corpus (documents, characters, Han characters), the share
 * found for each script and source, the share found as the first hit
 * (where a record with the query's own characters comes first, the same
 * page in the other script may come before the known item), the latency
 * of the searches (p50, p99), and a PASS or FAIL line (check.h) for same script at least
 * SAME_MIN and cross script at least CROSS_MIN percent.  HD_EVAL_VERBOSE
 * set: every miss, with the hits that came instead.
 */
#include "../../archive/hd.h"
#include "../../archive/fts.h"
#include "../unit/check.h"
#include "bench.h"

#include <opencc.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/utf8.h>

#define SAME_MIN 99.5           /* % found in the top 10, same script */
#define CROSS_MIN 98.0          /* % found, the other script */
#define TITLE_MAX 3             /* titles a title piece may be in */
#define DOC_MAX 5               /* documents a body piece may be in */
#define TRIES 60                /* pieces drawn for one document */

/* One document of the corpus: a page, and what bench.c makes a record
 * of (docs[] of bench.h: its title and body, at the same index). */
struct page {
	char *page;             /* "zh_CN/man1/ls.1.gz" */
	char *title, *body;
	char *ftitle, *fbody;   /* folded (fold_text) */
	int trad;               /* zh_TW */
};

static struct page *pages;
static size_t npages;
static opencc_t s2t = (opencc_t)-1, t2s = (opencc_t)-1;

/* s with the escapes of manpages.py undone, in place. */
static char *unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1] != '\0') {
			*w++ = r[1] == 'n' ? '\n' : r[1] == 't' ? '\t' : r[1];
			r += 2;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

/* Text s with every Han character folded (hd_han_fold), the rest as it
 * is.  Caller frees. */
static char *fold_text(const char *s)
{
	int32_t n = (int32_t)strlen(s), i = 0, k = 0;
	char *out = malloc((size_t)n * 2 + 4);
	UChar32 c;

	if (out == NULL) {
		abort();
	}
	while (i < n) {
		U8_NEXT(s, i, n, c);
		if (c < 0) {
			continue;
		}
		if (hd_is_han((uint32_t)c)) {
			c = (UChar32)hd_han_fold((uint32_t)c);
		}
		U8_APPEND_UNSAFE(out, k, c);
	}
	out[k] = '\0';
	return out;
}

/* Read CORPUS into pages; 0, or -1 when it cannot be read. */
static int load(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *p, *field[4];
	size_t cap = 0, alloc = 0;
	int k;

	if (f == NULL) {
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		for (k = 0, p = line; k < 4 && p != NULL; k++) {
			field[k] = p;
			p = strchr(p, '\t');
			if (p != NULL) {
				*p++ = '\0';
			}
		}
		if (k < 4) {
			continue;
		}
		if (npages == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			pages = hd_xrealloc(pages, alloc * sizeof *pages);
			docs = hd_xrealloc(docs, alloc * sizeof *docs);
		}
		pages[npages].trad = strcmp(field[0], "zh_TW") == 0;
		pages[npages].page = hd_xasprintf("%s/%s", field[0], field[1]);
		unescape(field[2]);
		pages[npages].title = hd_xstrdup(*field[2] ? field[2] :
			field[1]);
		pages[npages].body = hd_xstrdup(unescape(field[3]));
		pages[npages].ftitle = fold_text(pages[npages].title);
		pages[npages].fbody = fold_text(pages[npages].body);
		memset(&docs[npages], 0, sizeof docs[npages]);
		docs[npages].title = pages[npages].title;
		docs[npages].body = pages[npages].body;
		docs[npages].year = 2023;
		npages++;
	}
	free(line);
	fclose(f);
	ndocs = npages;
	return npages > 0 ? 0 : -1;
}

/* Documents whose folded title (titles: 1) or folded title and body
 * hold the folded piece, counted up to limit + 1. */
static int count_in(const char *piece, int titles, int limit)
{
	size_t i;
	int n = 0;

	for (i = 0; i < npages && n <= limit; i++) {
		n += strstr(pages[i].ftitle, piece) != NULL ||
		    (!titles && strstr(pages[i].fbody, piece) != NULL);
	}
	return n;
}

/* A piece of 2 to 6 Han characters of s, from a random place, into out
 * (cap bytes); 0 when the place drawn has no run of two. */
static int draw_piece(const char *s, char *out, size_t cap)
{
	int32_t n = (int32_t)strlen(s), i, j, end, len, k;
	int32_t offs[64];
	UChar32 c;
	int nch;

	if (n == 0) {
		return 0;
	}
	/* the Han run at or after a random byte */
	i = (int32_t)(rnd() % (uint64_t)n);
	while (i > 0 && (s[i] & 0xC0) == 0x80) {
		i--;
	}
	for (;;) {
		if (i >= n) {
			return 0;
		}
		j = i;
		U8_NEXT(s, j, n, c);
		if (c >= 0 && hd_is_han((uint32_t)c)) {
			break;
		}
		i = j;
	}
	for (nch = 0, end = i; end < n && nch < 64;) {
		j = end;
		U8_NEXT(s, j, n, c);
		if (c < 0 || !hd_is_han((uint32_t)c)) {
			break;
		}
		offs[nch++] = end;
		end = j;
	}
	if (nch < 2) {
		return 0;
	}
	len = 2 + (int32_t)(rnd() % 5);
	if (len > nch) {
		len = nch;
	}
	k = (int32_t)(rnd() % (uint64_t)(nch - len + 1));
	i = offs[k];
	j = k + len < nch ? offs[k + len] : end;
	if ((size_t)(j - i) >= cap) {
		return 0;
	}
	memcpy(out, s + i, (size_t)(j - i));
	out[j - i] = '\0';
	return 1;
}

/* s converted by cc (OpenCC), into out (cap bytes). */
static void convert(opencc_t cc, const char *s, char *out, size_t cap)
{
	char *t = opencc_convert_utf8(cc, s, strlen(s));

	snprintf(out, cap, "%s", t != NULL ? t : s);
	if (t != NULL) {
		opencc_convert_utf8_free(t);
	}
}

/* A known-item query of document d. */
struct query {
	size_t doc;
	int title;              /* the piece is of the title */
	char same[64];          /* as written */
	char cross[96];         /* in the other script; "" when the same */
};

/* Draw d's query into q; 0 when no distinctive piece was found. */
static int make_query(size_t d, struct query *q)
{
	char piece[64], conv[96], *f;
	int t, found = 0, title;

	memset(q, 0, sizeof *q);
	q->doc = d;
	title = d % 2 == 0;
	for (t = 0; t < TRIES; t++) {
		if (t == TRIES / 2) {
			title = !title;     /* the other source may have one */
		}
		if (!draw_piece(title ? pages[d].title : pages[d].body, piece,
		    sizeof piece)) {
			continue;
		}
		f = fold_text(piece);
		if (count_in(f, title, title ? TITLE_MAX : DOC_MAX) >
		    (title ? TITLE_MAX : DOC_MAX)) {
			free(f);
			continue;
		}
		free(f);
		convert(pages[d].trad ? t2s : s2t, piece, conv, sizeof conv);
		if (!found || strcmp(conv, piece) != 0) {
			snprintf(q->same, sizeof q->same, "%s", piece);
			snprintf(q->cross, sizeof q->cross, "%s",
				strcmp(conv, piece) != 0 ? conv : "");
			q->title = title;
			found = 1;
		}
		if (q->cross[0] != '\0') {
			break;
		}
	}
	return found;
}

/* Figures of one kind of query. */
struct tally {
	int found, total;
	int first;              /* found as the first hit */
};

/* Count in t a search whose known item came at rank (1 to 10, 0: not
 * among the hits). */
static void tally_add(struct tally *t, int rank)
{
	t->total++;
	t->found += rank > 0;
	t->first += rank == 1;
}

/* Search q for document d: its rank among the 10 hits (from 1), 0 when
 * it is not among them.  Its latency goes to lat[*nlat]. */
static int search_one(struct hd_archive *a, const char *q, size_t d,
	double *lat, size_t *nlat, int verbose, const char *kind)
{
	struct hd_query hq;
	struct hd_results res;
	struct hd_error e;
	size_t h, k;
	double t0;
	int hit = 0;

	memset(&hq, 0, sizeof hq);
	hq.q = q;
	hq.limit = 10;
	t0 = now_s();
	if (hd_search(a, HD_ARCHIVIST, &hq, &res, &e) != 0) {
		printf("error %s: %s\n", q, e.msg);
		return 0;
	}
	lat[(*nlat)++] = now_s() - t0;
	for (h = 0; h < res.nhits && !hit; h++) {
		hit = res.hits[h].id == docs[d].id ? (int)h + 1 : 0;
	}
	if (!hit && verbose) {
		printf("miss %s %s -> %s [%s] (%lld hits:", kind, q,
			pages[d].page, pages[d].title, (long long)res.total);
		for (h = 0; h < res.nhits; h++) {
			for (k = 0; k < npages; k++) {
				if (docs[k].id == res.hits[h].id) {
					printf(" %s", pages[k].page);
					break;
				}
			}
		}
		printf(")\n");
	}
	hd_results_release(&res);
	return hit;
}

/* Percent of t, 0 when empty. */
static double pct(struct tally t)
{
	return t.total ? 100.0 * t.found / t.total : 0.0;
}

/* Draw and search every document's query; print the figures and the
 * checks. */
static void evaluate(const char *dir)
{
	struct hd_archive *a;
	struct hd_error e;
	struct query q;
	struct tally same[2][2], cross[2][2], s = { 0, 0, 0 }, c = { 0, 0, 0 };
	double *lat = hd_xcalloc(2 * npages + 1, sizeof *lat), t0;
	size_t d, nlat = 0;
	int verbose = getenv("HD_EVAL_VERBOSE") != NULL, skipped = 0, i, j;
	static const char *const script[2] = { "zh_CN", "zh_TW" };
	static const char *const source[2] = { "body", "title" };

	memset(same, 0, sizeof same);
	memset(cross, 0, sizeof cross);
	if (hd_archive_open(dir, 1, &a, &e) != 0) {
		check("corpus_open", 0, "open the archive (got %s)", e.msg);
		free(lat);
		return;
	}
	t0 = now_s();
	for (d = 0; d < npages; d++) {
		if (!make_query(d, &q)) {
			skipped++;
			continue;
		}
		i = pages[d].trad;
		j = q.title;
		tally_add(&same[i][j], search_one(a, q.same, d, lat, &nlat,
			verbose, "same"));
		if (q.cross[0] != '\0') {
			tally_add(&cross[i][j], search_one(a, q.cross, d, lat,
				&nlat, verbose, "cross"));
		}
	}
	printf("corpus queries drawn and searched in %.1f s; %d documents "
		"without a distinctive piece\n", now_s() - t0, skipped);
	hd_archive_close(a);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			printf("corpus %s %-5s same script %4d/%-4d %6.2f %%, "
				"cross script %4d/%-4d %6.2f %%\n", script[i],
				source[j], same[i][j].found, same[i][j].total,
				pct(same[i][j]), cross[i][j].found,
				cross[i][j].total, pct(cross[i][j]));
			s.found += same[i][j].found;
			s.total += same[i][j].total;
			s.first += same[i][j].first;
			c.found += cross[i][j].found;
			c.total += cross[i][j].total;
			c.first += cross[i][j].first;
		}
	}
	printf("corpus all          same script %4d/%-4d %6.2f %%, "
		"cross script %4d/%-4d %6.2f %%\n", s.found, s.total, pct(s),
		c.found, c.total, pct(c));
	printf("corpus all          first hit   %4d/%-4d %6.2f %%, "
		"cross script %4d/%-4d %6.2f %%\n", s.first, s.total,
		s.total ? 100.0 * s.first / s.total : 0.0, c.first, c.total,
		c.total ? 100.0 * c.first / c.total : 0.0);
	qsort(lat, nlat, sizeof *lat, cmp_double);
	if (nlat > 0) {
		printf("corpus search latency p50 %.2f ms, p99 %.2f ms, max "
			"%.2f ms (%zu searches)\n", lat[nlat / 2] * 1000,
			lat[nlat * 99 / 100] * 1000, lat[nlat - 1] * 1000,
			nlat);
	}
	check("corpus_same_script", s.total >= (int)npages * 9 / 10 &&
		pct(s) >= SAME_MIN, "known items found in the top 10 as "
		"written: at least %.1f %% (got %d/%d = %.2f %%)", SAME_MIN,
		s.found, s.total, pct(s));
	check("corpus_cross_script", c.total >= (int)npages / 2 &&
		pct(c) >= CROSS_MIN, "known items found in the top 10 typed "
		"in the other script: at least %.1f %% (got %d/%d = %.2f %%)",
		CROSS_MIN, c.found, c.total, pct(c));
	free(lat);
}

/* The corpus's size: documents of each script, characters, Han. */
static void describe(const char *path)
{
	size_t d, trad = 0, chars = 0, han = 0;
	int32_t i, n;
	UChar32 c;
	const char *t[2];
	int k;

	for (d = 0; d < npages; d++) {
		trad += pages[d].trad;
		t[0] = pages[d].title;
		t[1] = pages[d].body;
		for (k = 0; k < 2; k++) {
			n = (int32_t)strlen(t[k]);
			for (i = 0; i < n;) {
				U8_NEXT(t[k], i, n, c);
				chars++;
				han += c >= 0 && hd_is_han((uint32_t)c);
			}
		}
	}
	printf("corpus %s: %zu documents (%zu zh_CN, %zu zh_TW), %zu "
		"characters, %zu of them Han\n", path, npages, npages - trad,
		trad, chars, han);
}

int main(int argc, char **argv)
{
	struct build_times t;
	struct hd_error e;
	char *dir;
	size_t d;

	bench_name = "eval_manpages";
	rng_state = 0x2545F4914F6CDD1Dull;
	if (argc != 3) {
		fprintf(stderr, "usage: eval_manpages CORPUS WORKDIR\n");
		return 2;
	}
	if (load(argv[1]) != 0) {
		die(argv[1], "no documents");
	}
	s2t = opencc_open("s2t.json");
	t2s = opencc_open("t2s.json");
	if (s2t == (opencc_t)-1 || t2s == (opencc_t)-1) {
		die("OpenCC", "s2t.json or t2s.json missing");
	}
	describe(argv[1]);
	dir = hd_xasprintf("%s/archive", argv[2]);
	hd_err_clear(&e);
	hd_fs_rmtree(dir);
	if (hd_fs_mkdirs(argv[2], &e) != 0) {
		die(argv[2], e.msg);
	}
	bench_build(dir, &t);
	printf("corpus built in %.1f s\n", t.wall);
	evaluate(dir);
	for (d = 0; d < npages; d++) {
		free(pages[d].page);
		free(pages[d].title);
		free(pages[d].body);
		free(pages[d].ftitle);
		free(pages[d].fbody);
	}
	free(pages);
	free(docs);
	free(dir);
	opencc_close(s2t);
	opencc_close(t2s);
	return check_done();
}
