/*
 * rank.c - the ranking functions of the search index (registered by
 * hd_fts_register, fts.c): hd_rank(), the relevance search.c orders hits
 * by (title above meta above body, the query's own characters above a
 * match through folding, then term frequency), and hd_boost(), its
 * factor for the query's phrases next to each other, in order, in one
 * column (an exact phrase outranks the same characters scattered).
 */
#include "fts.h"
#include "hd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BOOST_INST_MAX 4096     /* rows with more instances: no boost */
#define BOOST_PHRASE 2.0        /* factor for the phrases side by side */

/* What the roles argument of hd_rank says of the query's phrases (see
 * HD_ROLE_FIELDS in fts.h), read once per query: for phrase i, the word
 * it is an alternative of (word[i], from 0) and its kind (kind[i]: 'n',
 * 'e', 'f' or 'm'). */
struct roles {
	int exact_first;        /* HD_ROLE_EXACT */
	int n;                  /* phrases */
	int *word;
	char *kind;
};

/* Free a struct roles (FTS5's destructor of the auxiliary data). */
static void roles_free(void *p)
{
	struct roles *r = p;

	if (r != NULL) {
		free(r->word);
		free(r->kind);
		free(r);
	}
}

/* The roles of the current query's phrases from text (see fts.h), kept
 * as the function's auxiliary data for the query's other rows (FTS5
 * frees it with the query); NULL when it cannot be kept. */
static const struct roles *roles_get(const Fts5ExtensionApi *api,
	Fts5Context *fts, const char *text)
{
	struct roles *r = api->xGetAuxdata(fts, 0);
	size_t len = strlen(text);
	int i, w = -1;
	char c;

	if (r != NULL) {
		return r;
	}
	r = hd_xcalloc(1, sizeof *r);
	r->n = api->xPhraseCount(fts);
	r->word = hd_xcalloc((size_t)(r->n > 0 ? r->n : 1), sizeof *r->word);
	r->kind = hd_xcalloc((size_t)(r->n > 0 ? r->n : 1), 1);
	r->exact_first = len > 0 && text[0] == HD_ROLE_EXACT;
	for (i = 0; i < r->n; i++) {
		c = (size_t)i + 1 < len ? text[i + 1] : 'N';
		if (strchr("nefm", c) == NULL || w < 0) {
			w++;    /* 'N', 'E', 'F', 'M' or unknown */
		}
		r->word[i] = w;
		r->kind[i] = strchr("nefmNEFM", c) != NULL ?
			(char)(c | 0x20) : 'n';
	}
	if (api->xSetAuxdata(fts, r, roles_free) != SQLITE_OK) {
		return NULL;    /* FTS5 freed it */
	}
	return r;
}

/* The word phrase ph is an alternative of (itself without roles). */
static int role_word(const struct roles *r, int ph)
{
	return r != NULL && ph >= 0 && ph < r->n ? r->word[ph] : ph;
}

/* The kind of phrase ph ('n' without roles). */
static char role_kind(const struct roles *r, int ph)
{
	return r != NULL && ph >= 0 && ph < r->n ? r->kind[ph] : 'n';
}

/* An instance of a phrase: the word it is an alternative of, the
 * phrase, where it is. */
struct inst {
	int word, phrase, col, off;
};

/* qsort order of a record's phrase instances: by query word, column and
 * offset, so that the instances of one word in one column are side by
 * side in the order they stand. */
static int by_inst(const void *x, const void *y)
{
	const struct inst *a = x, *b = y;

	if (a->word != b->word) {
		return a->word < b->word ? -1 : 1;
	}
	if (a->col != b->col) {
		return a->col < b->col ? -1 : 1;
	}
	return a->off < b->off ? -1 : a->off > b->off;
}

/* 1 when the words of the query that occur in this row (two or more, in
 * query order; a word is any one of its alternatives, see roles) occur
 * somewhere one right after the other in one column; with lean, one or
 * two positions later too (a phrase of a query made with HD_LEAN is one
 * position shorter than the characters it covers, and one of trigrams
 * begins at its second character; a pinyin phrase, lean or not, is one
 * position shorter too, so only the walk, which ranks with lean, sees it
 * next to the phrase after it).  Without roles each phrase is a word. */
static int phrases_adjacent(const Fts5ExtensionApi *api, Fts5Context *fts,
	int lean, const struct roles *r)
{
	struct inst *v = NULL, key, *hit;
	int ninst = 0, i, j, k, nph, pos, ok = 0;
	int *present = NULL, npresent = 0;

	nph = api->xPhraseCount(fts);
	if (nph < 2 || api->xInstCount(fts, &ninst) != SQLITE_OK ||
	    ninst < 2 || ninst > BOOST_INST_MAX) {
		return 0;
	}
	v = hd_xmalloc((size_t)ninst * sizeof *v);
	present = hd_xcalloc((size_t)nph, sizeof *present);
	for (i = 0; i < ninst; i++) {
		if (api->xInst(fts, i, &v[i].phrase, &v[i].col,
		    &v[i].off) != SQLITE_OK) {
			goto done;
		}
		v[i].word = role_word(r, v[i].phrase);
	}
	qsort(v, (size_t)ninst, sizeof *v, by_inst);
	for (i = 0; i < ninst; i++) {
		if (i == 0 || v[i].word != v[i - 1].word) {
			present[npresent++] = v[i].word;
		}
	}
	if (npresent < 2) {
		goto done;
	}
	/* every instance of the first word present starts a chain */
	for (i = 0; i < ninst && v[i].word == present[0] && !ok; i++) {
		pos = v[i].off + api->xPhraseSize(fts, v[i].phrase);
		for (j = 1; j < npresent; j++) {
			key.word = present[j];
			key.col = v[i].col;
			key.off = pos;
			hit = bsearch(&key, v, (size_t)ninst, sizeof *v,
				by_inst);
			for (k = 0; hit == NULL && lean && k < 2; k++) {
				key.off = ++pos;
				hit = bsearch(&key, v, (size_t)ninst,
					sizeof *v, by_inst);
			}
			if (hit == NULL) {
				break;
			}
			pos += api->xPhraseSize(fts, hit->phrase);
		}
		ok = j == npresent;
	}
done:
	k = ok;
	free(v);
	free(present);
	return k;
}

/* hd_boost(search [, quality]): BOOST_PHRASE when phrases_adjacent
 * (words r, NULL: each phrase one), else 1.0, times quality when it is
 * given and within (0, 1] (the hook for ranking low-confidence OCR text
 * below clean text).  SQL multiplies bm25() (negative, lower is better)
 * by it. */
static double boost(const Fts5ExtensionApi *api, Fts5Context *fts,
	int nval, sqlite3_value **val, int lean, const struct roles *r)
{
	double f = phrases_adjacent(api, fts, lean, r) ? BOOST_PHRASE : 1.0;
	double q;

	if (nval >= 1 && sqlite3_value_numeric_type(val[0]) != SQLITE_NULL) {
		q = sqlite3_value_double(val[0]);
		if (q > 0.0 && q <= 1.0) {
			f *= q;
		}
	}
	return f;
}

/* The SQL function hd_boost (see boost). */
void hd_boost_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
	sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	sqlite3_result_double(ctx, boost(api, fts, nval, val, 0, NULL));
}

/* hd_rank(table [, quality [, lean [, roles]]]): the relevance of a row,
 * higher is better (lean: the query was made with HD_LEAN; roles: what
 * each phrase stands for, see HD_ROLE_FIELDS in fts.h):
 * RANK_TIER times its tier plus a score below RANK_TIER for the order
 * inside a tier.  The tier is the best field a word of the query matched
 * in: the title, above the meta column (subjects, persons, place,
 * creator, reference code), above the body only; and in each field, a
 * match of the query's own characters above one only through folding
 * (the field "exact" when every word matched in it has an exact
 * alternative there).  Tiers 7 and 6 are the title's, 5 and 4 the
 * meta's, 3 and 2 the body's.  With HD_ROLE_EXACT (a query of single
 * characters, where one folded form stands for several characters: 麵
 * and 面, 髮 and 發) every record with an exact field comes first, by
 * that field (13, 11, 9), then the rest by their best field (6, 4, 2).
 * An exact tier is odd, one through folding even (hd_rank_exact).
 * The score is BM25's saturated term frequency (k1 1.2) summed over the
 * columns, the columns weighing 10, 4 and 1, times hd_boost()'s factors
 * (alternatives of a word counted once: an 'm' phrase's matches are
 * another's too).  Two parts of BM25 are left out, for
 * speed: the inverse document frequency needs a walk of every phrase's
 * whole doclist (40 ms for 社区 at 200,000 records, whatever the LIMIT)
 * and is the same for every row of a one-phrase query, which is what
 * people type; the length normalisation reads each row's sizes (a third
 * of the cost of a walk).  Columns are by position (rank_field), so the
 * title-and-meta table (heads) ranks with the same function. */
#define RANK_TIER 10000.0
#define RANK_COLS 3

/* The field (0 title, 1 meta, 2 body) of column col of a table of ncol
 * columns: search, of three, holds (body, title, meta) since schema
 * version 11 (a body's tokens are most of the index, and FTS5 writes a
 * column marker of two bytes before the positions of every column but
 * the first, in every record of every token: migrate.c); heads holds
 * (title, meta). */
static int rank_field(int ncol, int col)
{
	return ncol == 3 ? (col + 2) % 3 : col;
}

/* The SQL function hd_rank described above (registered by
 * hd_fts_register). */
void hd_rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
	sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	static const double weight[RANK_COLS] = { 10.0, 4.0, 1.0 };
	int tf[RANK_COLS] = { 0 };
	uint64_t seen[RANK_COLS] = { 0 }, exact[RANK_COLS] = { 0 }, bit;
	const struct roles *r = NULL;
	int ninst = 0, i, ph, col, off, ncol, ncols, tier, best = -1;
	int top = -1, w;
	double score = 0.0;
	char kind;

	ncols = api->xColumnCount(fts);
	ncol = ncols > RANK_COLS ? RANK_COLS : ncols;
	if (api->xInstCount(fts, &ninst) != SQLITE_OK) {
		sqlite3_result_error(ctx, "hd_rank: no instances", -1);
		return;
	}
	if (nval >= 3 && sqlite3_value_type(val[2]) == SQLITE_TEXT) {
		r = roles_get(api, fts, (const char *)sqlite3_value_text(
			val[2]));
	}
	for (i = 0; i < ninst; i++) {
		if (api->xInst(fts, i, &ph, &col, &off) != SQLITE_OK ||
		    col < 0 || col >= ncol) {
			continue;
		}
		col = rank_field(ncols, col);
		kind = role_kind(r, ph);
		w = role_word(r, ph);
		bit = (uint64_t)1 << (w < 63 ? w : 63);
		tf[col] += kind != 'm';
		seen[col] |= bit;
		if (kind != 'f') {
			exact[col] |= bit;
		}
	}
	for (col = 0; col < ncol; col++) {
		if (seen[col] == 0) {
			continue;
		}
		if (best < 0) {
			best = col;
		}
		if (top < 0 && exact[col] == seen[col]) {
			top = col;
		}
		score += weight[col] * tf[col] * 2.2 / (tf[col] + 1.2);
	}
	if (best < 0) {
		tier = 0;
	} else if (r != NULL && r->exact_first && top >= 0) {
		tier = 2 * (3 - top) + 7;
	} else {
		tier = 2 * (3 - best) + (top == best);
	}
	score *= boost(api, fts, nval, val, nval >= 2 &&
		sqlite3_value_int(val[1]) != 0, r);
	if (score >= RANK_TIER) {
		score = RANK_TIER - 1.0;
	}
	sqlite3_result_double(ctx, tier * RANK_TIER + score);
}

/* See fts.h. */
int hd_rank_exact(double rank)
{
	return rank >= 0 && (long)(rank / RANK_TIER) % 2 == 1;
}
