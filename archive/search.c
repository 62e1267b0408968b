/*
 * search.c - full-text search over the catalogue (FTS5 with the hongdang
 * tokenizer), with filters, facets and highlighted snippets.
 *
 * What the user typed is first tried as an FTS5 expression (phrases in
 * quotes, AND / OR / NOT, prefix*); when FTS5 rejects it as syntax it is
 * searched again as plain words, so no query is ever an error page.
 * Either way, Latin words that read as pinyin are rewritten first:
 * "panyu" becomes (panyu OR "\x01pan'yu"), a phrase of the pinyin tokens
 * the tokenizer indexes (fts.h), so it finds 番禺 and still finds the
 * English word.  Words of one syllable join their neighbours ("pan yu"
 * is read as one phrase); a word that splits several ways ("dangan":
 * dang'an, dan'gan) tries them all.
 * Results for HD_PUBLIC come only from the *_PUBLIC statements, which
 * select approved public records in their SQL text.  Snippets are data
 * (struct hd_snippet, read by hd_snippet_read): plain text and the
 * stretches of it that match, which each front end renders.
 */
#include "internal.h"
#include "fts.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#define QUERY_MAX 1024          /* bytes of a query that are looked at */
#define RUN_MAX 8               /* words read together as pinyin */
#define PY_ALT_MAX 8            /* readings tried for one run */
#define HEADS_CAP 200           /* title and meta matches past the walk */

/* See hd.h.  Frees every hit's strings and its snippet (text and marks,
 * one block: free(text)), the hits and the four facets' values, and
 * leaves res zeroed; NULL does nothing. */
void hd_results_release(struct hd_results *res)
{
	size_t i;
	struct hd_facets *fs[4];

	if (res == NULL) {
		return;
	}
	for (i = 0; i < res->nhits; i++) {
		struct hd_hit *h = &res->hits[i];

		free(h->ref);
		free(h->title);
		free(h->date);
		free(h->category);
		free(h->cls);
		free(h->access);
		free(h->status);
		free(h->snippet.text);          /* and its marks */
		free(h->thumb);
	}
	free(res->hits);
	fs[0] = &res->decade;
	fs[1] = &res->category;
	fs[2] = &res->place;
	fs[3] = &res->person;
	for (i = 0; i < 4; i++) {
		size_t j;

		for (j = 0; j < fs[i]->n; j++) {
			free(fs[i]->v[j].value);
		}
		free(fs[i]->v);
	}
	memset(res, 0, sizeof *res);
}

/* ------------------------------------------------------ pinyin */

/* The expression being written, and the consecutive words that may be
 * pinyin waiting to be written into it.  FTS5 joins two phrases side by
 * side with an implicit AND but refuses it next to a parenthesised
 * group, so an AND is written wherever a group meets an operand. */
struct run {
	struct hd_buf b;
	int operand;            /* b ends with a phrase, string or group */
	int group;              /* b ends with a group written here */
	int quote;              /* plain-words mode: quote each word */
	const char *w[RUN_MAX]; /* the words as typed */
	size_t n[RUN_MAX];
	const char *c[RUN_MAX]; /* their letters (no quotes around) */
	size_t cn[RUN_MAX];
	int nw;
};

static void put_word(struct hd_buf *b, const char *w, size_t n, int quote)
{
	size_t i;

	if (!quote) {
		hd_buf_add(b, w, n);
		return;
	}
	hd_buf_puts(b, "\"");
	for (i = 0; i < n; i++) {
		if (w[i] == '"') {
			hd_buf_puts(b, "\"\"");
		} else {
			hd_buf_add(b, w + i, 1);
		}
	}
	hd_buf_puts(b, "\"");
}

static int syllables(const char *seg)
{
	int n = 1;

	for (; *seg; seg++) {
		n += *seg == '\'';
	}
	return n;
}

/* The segmentations of a word worth trying, into segs: those with the
 * fewest syllables ("yexiao" is ye'xiao, not ye'xi'ao), and one syllable
 * more when the fewest is one ("xian" is also xi'an, 西安).  Returns how
 * many. */
static int word_readings(const char *c, size_t cn,
	char segs[][HD_PY_SEGBUF])
{
	int n = hd_py_segment(c, cn, segs, HD_PY_SEG_MAX), i, k, fewest;

	for (i = 0, fewest = 1 << 20; i < n; i++) {
		if (syllables(segs[i]) < fewest) {
			fewest = syllables(segs[i]);
		}
	}
	for (i = 0, k = 0; i < n; i++) {
		if (syllables(segs[i]) <= fewest + (fewest == 1)) {
			if (k != i) {
				memcpy(segs[k], segs[i], sizeof segs[0]);
			}
			k++;
		}
	}
	return k;
}

/* The readings of words w[from..to) joined into one phrase each, at most
 * PY_ALT_MAX, written into alt; returns how many have two syllables or
 * more. */
static int run_readings(const struct run *r, int from, int to,
	char alt[][RUN_MAX * HD_PY_SEGBUF])
{
	char (*segs)[HD_PY_SEG_MAX][HD_PY_SEGBUF];
	int nseg[RUN_MAX], idx[RUN_MAX], i, k, nalt = 0;
	size_t len;

	segs = hd_xmalloc(RUN_MAX * sizeof *segs);
	for (i = from; i < to; i++) {
		nseg[i] = word_readings(r->c[i], r->cn[i], segs[i]);
		idx[i] = 0;
		if (nseg[i] == 0) {
			free(segs);
			return 0;
		}
	}
	/* odometer over the words' segmentations */
	for (;;) {
		len = 0;
		for (i = from; i < to; i++) {
			if (i > from) {
				alt[nalt][len++] = '\'';
			}
			k = (int)strlen(segs[i][idx[i]]);
			memcpy(alt[nalt] + len, segs[i][idx[i]], (size_t)k);
			len += (size_t)k;
		}
		alt[nalt][len] = '\0';
		if (syllables(alt[nalt]) >= 2) {
			nalt++;
		}
		if (nalt == PY_ALT_MAX) {
			break;
		}
		for (i = to - 1; i >= from && ++idx[i] == nseg[i]; i--) {
			idx[i] = 0;
		}
		if (i < from) {
			break;
		}
	}
	free(segs);
	return nalt;
}

/* Write words w[from..to) into out as (plain OR pinyin phrases), or
 * plainly when they have no reading of two syllables.  Returns 1 when a
 * group was written. */
static int put_group(struct hd_buf *out, const struct run *r, int from,
	int to)
{
	char (*alt)[RUN_MAX * HD_PY_SEGBUF];
	int nalt, i;

	alt = hd_xmalloc(PY_ALT_MAX * sizeof *alt);
	nalt = run_readings(r, from, to, alt);
	if (nalt == 0) {
		for (i = from; i < to; i++) {
			if (i > from) {
				hd_buf_puts(out, " ");
			}
			put_word(out, r->w[i], r->n[i], r->quote);
		}
		free(alt);
		return 0;
	}
	hd_buf_puts(out, to - from > 1 ? "((" : "(");
	for (i = from; i < to; i++) {
		if (i > from) {
			hd_buf_puts(out, " AND ");
		}
		put_word(out, r->w[i], r->n[i], r->quote);
	}
	hd_buf_puts(out, to - from > 1 ? ")" : "");
	for (i = 0; i < nalt; i++) {
		hd_buf_printf(out, " OR \"%c%s\"", HD_PY_START, alt[i]);
	}
	hd_buf_puts(out, ")");
	free(alt);
	return 1;
}

/* Write the pending run: each word alone when every word reads as two
 * syllables or more ("shequ dangan": 社区 and 档案 anywhere), else all
 * of them as one phrase ("pan yu": 番禺).  Several words with a group
 * among them are wrapped in parentheses, so the run is one operand. */
static void run_flush(struct run *r)
{
	char seg[HD_PY_SEG_MAX][HD_PY_SEGBUF];
	struct hd_buf w;
	int i, alone = 1, groups = 0;

	if (r->nw == 0) {
		return;
	}
	for (i = 0; i < r->nw && alone; i++) {
		alone = hd_py_segment(r->c[i], r->cn[i], seg, 1) == 1 &&
		    syllables(seg[0]) >= 2;
	}
	hd_buf_init(&w);
	if (alone || r->nw == 1) {
		for (i = 0; i < r->nw; i++) {
			if (i > 0) {
				hd_buf_puts(&w, " AND ");
			}
			groups += put_group(&w, r, i, i + 1);
		}
	} else {
		groups = put_group(&w, r, 0, r->nw);
	}
	/* a group beside an operand either way round needs the AND: this
	 * run's group after one, or this run after a group (a full run
	 * flushed before the next word, "a a a a a a a a a") */
	if ((groups > 0 || r->group) && r->operand) {
		hd_buf_puts(&r->b, "AND ");
	}
	if (groups > 0 && r->nw > 1 && (alone || r->nw == 1)) {
		hd_buf_puts(&r->b, "(");
		hd_buf_add(&r->b, w.p, w.len);
		hd_buf_puts(&r->b, ")");
	} else if (w.len > 0) {
		hd_buf_add(&r->b, w.p, w.len);
	}
	hd_buf_release(&w);
	r->operand = 1;
	r->group = groups > 0;
	r->nw = 0;
}

/* 1 for a word made of ASCII letters only (what pinyin can be). */
static int letters(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= 'A' && w[i] <= 'Z'))) {
			return 0;
		}
	}
	return n > 0 && n <= HD_PY_WORD_MAX;
}

/* A word that may be pinyin (its letters c), after white space (space:
 * 1) or not.  A full run is written first. */
static void put_cand(struct run *r, const char *w, size_t n,
	const char *c, size_t cn, int space)
{
	if (r->nw == RUN_MAX) {
		run_flush(r);
	}
	if (r->nw == 0 && space && r->b.len > 0) {
		hd_buf_puts(&r->b, " ");
	}
	r->w[r->nw] = w;
	r->n[r->nw] = n;
	r->c[r->nw] = c;
	r->cn[r->nw++] = cn;
}

/* Anything else: the pending run first, the white space that came
 * before (space: 1), then s[0..n).  operand: 1 for a phrase, a string
 * or NEAR(...), 0 for an operator or punctuation, -1 for what leaves
 * the state as it is (a prefix star). */
static void put_other(struct run *r, const char *s, size_t n, int operand,
	int space)
{
	run_flush(r);
	if (space && r->b.len > 0) {
		hd_buf_puts(&r->b, " ");
	}
	if (operand == 1 && r->group) {
		hd_buf_puts(&r->b, "AND ");
	}
	if (r->quote) {
		put_word(&r->b, s, n, 1);
	} else {
		hd_buf_add(&r->b, s, n);
	}
	if (operand >= 0) {
		r->operand = operand;
		r->group = 0;
	}
}

static int bareword_byte(unsigned char c)
{
	return c >= 0x80 || c == 0x1A || c == '_' || (c >= '0' && c <= '9') ||
	    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 for the bareword w[0..n) that is an FTS5 operator: AND, OR, NOT. */
static int is_operator(const char *w, size_t n)
{
	return (n == 3 && (strncmp(w, "AND", 3) == 0 ||
	    strncmp(w, "NOT", 3) == 0)) || (n == 2 && strncmp(w, "OR", 2) == 0);
}

/* Length of the FTS5 string that starts at p (p[0] is its quote; ""
 * inside it is a quote), closing quote included; to the end when it is
 * not closed. */
static size_t string_len(const char *p)
{
	size_t n;

	for (n = 1; p[n]; n++) {
		if (p[n] == '"' && p[n + 1] == '"') {
			n++;
		} else if (p[n] == '"') {
			return n + 1;
		}
	}
	return n;
}

static int left_out(int loose, int ended, const char *next, const char *s,
	size_t n);

/* The FTS5 expression q with pinyin barewords rewritten (see the top of
 * the file).  Strings, operators, column filters, prefix words and
 * NEAR(...) groups are copied as they are.  Caller frees. */
static char *pinyin_expr(const char *q)
{
	struct run r;
	const char *p = q, *w;
	size_t n, k;
	int depth, cand, op, space = 0;

	memset(&r, 0, sizeof r);
	hd_buf_init(&r.b);
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = 1;
			p++;
			continue;
		}
		if (!bareword_byte((unsigned char)*p)) {
			n = 1;
			op = *p == ')' ? 1 : *p == '*' ? -1 : 0;
			if (*p == '"') {
				n = string_len(p);
				op = 1;
			}
			put_other(&r, p, n, op, space);
			space = 0;
			p += n;
			continue;
		}
		w = p;
		for (n = 0; bareword_byte((unsigned char)p[n]); n++) {
		}
		p += n;
		for (k = 0; p[k] == ' '; k++) {
		}
		op = !is_operator(w, n);
		cand = op && letters(w, n) && p[k] != '*' && p[k] != ':' &&
		    !(w > q && w[-1] == '^');
		/* a word without a token beside a phrase, which FTS5 drops
		 * (lean_expr): left out here, so that it cannot become an
		 * operand of the AND written beside a pinyin group (lanhe ，
		 * would find nothing) */
		if (left_out(op && !cand && !(w > q && w[-1] == '^'),
		    r.operand == 1 || r.nw > 0, p, w, n)) {
			continue;
		}
		if (n == 4 && strncmp(w, "NEAR", 4) == 0 && p[k] == '(') {
			/* NEAR(...) is copied whole */
			for (depth = 0; p[k]; k++) {
				depth += p[k] == '(';
				depth -= p[k] == ')';
				if (depth == 0 && p[k] == ')') {
					k++;
					break;
				}
			}
			n = (size_t)(p + k - w);
			p += k;
			cand = 0;
		}
		if (cand) {
			put_cand(&r, w, n, w, n, space);
		} else {
			put_other(&r, w, n, op, space);
		}
		space = 0;
	}
	run_flush(&r);
	return hd_buf_detach(&r.b);
}

/* Open a string in b: a space first when b ends with a quote, which
 * would otherwise make the two quotes one escaped quote. */
static void open_quote(struct hd_buf *b)
{
	if (b->len > 0 && b->p[b->len - 1] == '"') {
		hd_buf_add(b, " ", 1);
	}
	hd_buf_add(b, "\"", 1);
}

/* 1 when s[0..n) is one or more Han characters and nothing else (what
 * the tokenizer reads as one run: see HD_LEAN in fts.h). */
static int all_han(const char *s, size_t n)
{
	int32_t i = 0, len = (int32_t)n;
	UChar32 cp;

	while (i < len) {
		U8_NEXT(s, i, len, cp);
		if (cp < 0 || !hd_is_han((uint32_t)cp)) {
			return 0;
		}
	}
	return n > 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_space(const char *p)
{
	while (is_space(*p)) {
		p++;
	}
	return p;
}

/* The widening of one phrase's marks for hd_snippet (fts.c) into w: a
 * lean phrase of n Han characters (lean: 1) is matched by n - 2 trigrams
 * from its second position, or by its pair when n is 2, at its first; a
 * pinyin string ("\x01pan'yu") of n syllables by its n - 1 pinyin pairs
 * from its first (fts.h). */
static void put_widen(struct hd_buf *w, int lean, const char *s, size_t n)
{
	size_t chars = 0, i;

	if (n > 0 && s[0] == HD_PY_START) {
		hd_buf_puts(w, "01");
		return;
	}
	for (i = 0; lean && i < n; i++) {
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	}
	hd_buf_puts(w, !lean || chars < 2 ? "00" : chars == 2 ? "01" : "11");
}

static int token_seen(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end)
{
	(void)ctx;
	(void)tflags;
	(void)tok;
	(void)ntok;
	(void)start;
	(void)end;
	return 1;
}

/* 1 when the tokenizer reads no token in s[0..n): punctuation alone. */
static int tokenless(const char *s, size_t n)
{
	return hd_tokenize(s, (int)n, HD_TOK_QUERY, NULL, token_seen) == 0;
}

/* 1 when p, white space skipped, begins what FTS5 reads as a phrase, a
 * NEAR group or a column filter before one. */
static int starts_phrase(const char *p)
{
	size_t n;

	p = skip_space(p);
	if (*p == '"' || *p == '^' || *p == '{' || *p == '-') {
		return 1;
	}
	for (n = 0; bareword_byte((unsigned char)p[n]); n++) {
	}
	return n > 0 && !is_operator(p, n);
}

/* 1 when the word s[0..n) (a string's text when quoted), just before
 * next, is one FTS5 would drop, so the expression leaves it out: it has
 * no token, stands loose (not joined by '+', after '^' or a column
 * filter, in braces or as NEAR's distance: loose 1), is not followed by
 * '+', ':', '*' or '(', and stands beside a phrase: one ended just
 * before it (ended 1) or one begins at next. */
static int left_out(int loose, int ended, const char *next, const char *s,
	size_t n)
{
	const char *after = skip_space(next);

	return loose && (*after == '\0' || strchr("+:*(", *after) == NULL) &&
		(ended || starts_phrase(next)) && tokenless(s, n);
}

/* The expression match for walking (see HD_LEAN in fts.h): each string
 * and each bareword that is Han characters alone (so never an operator
 * or a column name) made a string that begins with HD_LEAN, when the
 * index has the trigrams lean strings are read by (trigrams: 1).  Pinyin
 * strings, prefix words and anything mixed (2023年度, 社区。前锋) are left
 * as they are: a lean phrase is shorter than its text, so it would not
 * line up with what comes before or after it in one string.  *has_not
 * is set when match uses the NOT operator.  Strings joined by '+' (one
 * phrase) and a string after '^' (which must begin its column) stay as
 * they are too.  *widen receives, for each phrase of the result in
 * order, how far hd_snippet widens its marks: the phrases are the
 * strings and the barewords other than operators, column names ({a b}
 * or before ':') and NEAR's distance, each string joined by '+' to the
 * one before it being part of that one's phrase.  A phrase without a
 * token (a word of punctuation: 社区 ， 夜校) next to another phrase, or
 * beside another in a NEAR group, is left out: FTS5 drops it there
 * (sqlite3Fts5ParseImplicitAnd, sqlite3Fts5ParseNearset), which would
 * move every later phrase's number and widening.  (It also drops one
 * after a column filter, '^' or before '*' or '+': those are kept, and
 * the marks after them may then be a character short or long.)
 * Caller frees both. */
static char *lean_expr(const char *match, int trigrams, int *has_not,
	char **widen)
{
	struct hd_buf b, w;
	const char *p = match, *after;
	size_t n;
	int brace = 0, near = 0, join = 0, comma = 0, caret = 0, lean;
	int ended = 0, colon = 0;

	*has_not = 0;
	hd_buf_init(&b);
	hd_buf_init(&w);
	while (*p) {
		if (*p == '"') {
			n = string_len(p);
			after = skip_space(p + n);
			if (left_out(!join && !caret && !colon && !brace &&
			    !comma && n >= 2 && p[n - 1] == '"', ended, p + n,
			    p + 1, n - 2)) {
				hd_buf_add(&b, " ", 1);   /* abc"，"def */
				p += n;
				continue;
			}
			open_quote(&b);
			/* the text between the quotes (none inside); not a
			 * string joined to another by '+' or after '^' */
			lean = trigrams && n >= 2 && p[n - 1] == '"' &&
				all_han(p + 1, n - 2) && !join && !caret &&
				*after != '+';
			if (lean) {
				hd_buf_add(&b, (char[]){ HD_LEAN }, 1);
			}
			if (!join && !brace && *after != ':') {
				put_widen(&w, lean, p + 1, n - 2);
			}
			hd_buf_add(&b, p + 1, n - 1);
			p += n;
			ended = *after != ':';
			join = comma = caret = colon = 0;
			continue;
		}
		if (!bareword_byte((unsigned char)*p)) {
			if (!is_space(*p)) {
				ended = (*p == ')' && near > 0) || *p == '*';
				colon = *p == ':';
			}
			brace += *p == '{';
			brace -= *p == '}' && brace > 0;
			near -= *p == ')' && near > 0;
			join = *p == '+' || (join && is_space(*p));
			comma = near > 0 && (*p == ',' ||
				(comma && is_space(*p)));
			caret = *p == '^' || (caret && is_space(*p));
			hd_buf_add(&b, p, 1);
			p++;
			continue;
		}
		for (n = 0; bareword_byte((unsigned char)p[n]); n++) {
		}
		after = skip_space(p + n);
		if (left_out(!join && !caret && !colon && !brace && !comma,
		    ended, p + n, p, n)) {
			p += n;
			continue;
		}
		*has_not |= n == 3 && strncmp(p, "NOT", 3) == 0;
		lean = trigrams && all_han(p, n) && *after != '*' &&
		    *after != ':' && *after != '+' && !join && !caret;
		if (lean) {
			open_quote(&b);
			hd_buf_add(&b, (char[]){ HD_LEAN }, 1);
			hd_buf_add(&b, p, n);
			hd_buf_add(&b, "\"", 1);
		} else {
			hd_buf_add(&b, p, n);
		}
		if (n == 4 && strncmp(p, "NEAR", 4) == 0 && *after == '(') {
			near++;
		} else if (!join && !brace && *after != ':' && !comma &&
		    !is_operator(p, n)) {
			put_widen(&w, lean, p, n);
		}
		ended = !is_operator(p, n) && *after != ':' && !(n == 4 &&
			strncmp(p, "NEAR", 4) == 0 && *after == '(');
		p += n;
		join = comma = caret = colon = 0;
	}
	*widen = hd_buf_detach(&w);
	return hd_buf_detach(&b);
}

/* The query as plain words: each white-space separated word quoted for
 * FTS5 (a quote inside doubled), pinyin words rewritten as above.
 * Caller frees. */
static char *plain_words(const char *q)
{
	struct run r;
	const char *p = q, *c, *held = NULL;
	size_t n, cn, heldn = 0;

	memset(&r, 0, sizeof r);
	hd_buf_init(&r.b);
	r.quote = 1;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    strncmp(p, "\xE3\x80\x80", 3) == 0) {
			p += (*p == '\xE3') ? 3 : 1;
		}
		if (*p == '\0') {
			break;
		}
		for (n = 0; p[n] && p[n] != ' ' && p[n] != '\t' &&
		    p[n] != '\n' && p[n] != '\r' &&
		    strncmp(p + n, "\xE3\x80\x80", 3) != 0; n++) {
		}
		/* the letters inside quotes or before a comma */
		for (c = p, cn = n; cn > 0 && strchr("\"'(,.;:!?", *c); c++) {
			cn--;
		}
		while (cn > 0 && strchr("\"'),.;:!?*", c[cn - 1])) {
			cn--;
		}
		if (letters(c, cn)) {
			put_cand(&r, p, n, c, cn, 1);
		} else if (!tokenless(p, n)) {
			put_other(&r, p, n, 1, 1);
		} else {
			/* a word without a token, left out beside others as
			 * FTS5 would leave it out (see pinyin_expr) */
			held = p;
			heldn = n;
		}
		p += n;
	}
	run_flush(&r);
	/* words without a token alone: the last stands (it finds
	 * nothing), an empty expression would be a syntax error */
	if (r.b.len == 0 && held != NULL) {
		put_other(&r, held, heldn, 1, 1);
	}
	return hd_buf_detach(&r.b);
}

static void bind_filters(sqlite3_stmt *st, const char *match,
	const struct hd_query *q)
{
	hd_bind_text(st, 1, match);
	if (q->year_from > 0) {
		sqlite3_bind_int(st, 2, q->year_from);
	}
	if (q->year_to > 0) {
		sqlite3_bind_int(st, 3, q->year_to);
	}
	hd_bind_text(st, 4, q->category);
	hd_bind_text(st, 5, q->cls);
	hd_bind_text(st, 6, q->fonds);
	hd_bind_text(st, 7, q->place);
	hd_bind_text(st, 8, q->person);
}

/* A tally: the values of one facet (category, place or person) counted
 * as they come, in a GLib hash table of struct hd_facet by value.  A
 * thousand matches carry tens of distinct categories and places but up
 * to a thousand persons, which a tree (tsearch) compares and allocates
 * for far more slowly. */
struct tally {
	GHashTable *h;          /* value -> struct hd_facet *, or NULL */
};

/* Count value n times in tally b (nothing for NULL or ""); the table is
 * made on the first value, and tally_count or tally_release frees it. */
static void tally_add(struct tally *b, const char *value, int64_t n)
{
	struct hd_facet *f;

	if (value == NULL || *value == '\0') {
		return;
	}
	if (b->h == NULL) {
		b->h = g_hash_table_new(g_str_hash, g_str_equal);
	}
	f = g_hash_table_lookup(b->h, value);
	if (f != NULL) {
		f->count += n;
		return;
	}
	f = hd_xmalloc(sizeof *f);
	f->value = hd_xstrdup(value);
	f->count = n;
	g_hash_table_insert(b->h, f->value, f);
}

/* The counts of b's values appended to f, in no order (b is emptied). */
static void tally_count(struct tally *b, struct hd_facets *f)
{
	GHashTableIter it;
	gpointer k, v;

	if (b->h == NULL) {
		return;
	}
	f->v = hd_xrealloc(f->v, (f->n + g_hash_table_size(b->h)) *
		sizeof *f->v);
	g_hash_table_iter_init(&it, b->h);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		f->v[f->n++] = *(struct hd_facet *)v;
		free(v);
	}
	g_hash_table_destroy(b->h);
	b->h = NULL;
}

/* Everything b counted, dropped (on an error path). */
static void tally_release(struct tally *b)
{
	struct hd_facets f = { NULL, 0 };

	tally_count(b, &f);
	hd_facets_release(&f);
}

static int by_count(const void *x, const void *y)
{
	const struct hd_facet *a = x, *b = y;

	if (a->count != b->count) {
		return a->count < b->count ? 1 : -1;
	}
	return strcmp(a->value, b->value);
}

/* 1 when the last error was FTS5 refusing the expression (SQLITE_ERROR
 * from MATCH: "fts5: syntax error", "unterminated string", "no such
 * column"...); busy, I/O and corruption errors have other codes. */
static int syntax_error(struct hd_archive *a)
{
	return sqlite3_errcode(a->db) == SQLITE_ERROR;
}

/* A match on its way to the page: its id and hd_rank relevance. */
struct cand {
	int64_t id;
	double rank;
};

struct cands {
	struct cand *v;
	size_t n, cap;
};

/* The facet values of the walks, counted when they end.  Decades are
 * counted by number (year / 10, a key of decade) and named at the end:
 * formatting each match's decade cost more than counting it. */
struct tallies {
	GHashTable *decade;     /* year / 10 -> its count, or NULL */
	struct tally category, place;
};

/* Count the facet values of the walk's row st in t (the decade table is
 * made on the first year; decades_count or tallies_release frees it). */
static void tally_row(struct tallies *t, sqlite3_stmt *st)
{
	int year = sqlite3_column_int(st, 1);
	gpointer key;

	if (year > 0) {
		key = GINT_TO_POINTER(year / 10);
		if (t->decade == NULL) {
			t->decade = g_hash_table_new(g_direct_hash,
				g_direct_equal);
		}
		g_hash_table_insert(t->decade, key, GSIZE_TO_POINTER(
			GPOINTER_TO_SIZE(g_hash_table_lookup(t->decade, key)) +
			1));
	}
	tally_add(&t->category, (const char *)sqlite3_column_text(st, 2), 1);
	tally_add(&t->place, (const char *)sqlite3_column_text(st, 3), 1);
}

/* Decades ("1990") earliest first. */
static int by_decade(const void *x, const void *y)
{
	int a = atoi(((const struct hd_facet *)x)->value);
	int b = atoi(((const struct hd_facet *)y)->value);

	return (a > b) - (a < b);
}

/* The decades t counted into f, earliest first, each named by its first
 * year ("1990"). */
static void decades_count(struct tallies *t, struct hd_facets *f)
{
	GHashTableIter it;
	gpointer k, v;

	if (t->decade == NULL) {
		return;
	}
	f->v = hd_xcalloc(g_hash_table_size(t->decade), sizeof *f->v);
	g_hash_table_iter_init(&it, t->decade);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		f->v[f->n].value = hd_xasprintf("%d", GPOINTER_TO_INT(k) * 10);
		f->v[f->n++].count = (int64_t)GPOINTER_TO_SIZE(v);
	}
	qsort(f->v, f->n, sizeof *f->v, by_decade);
	g_hash_table_destroy(t->decade);
	t->decade = NULL;
}

/* Everything t counted, dropped (on an error path). */
static void tallies_release(struct tallies *t)
{
	if (t->decade != NULL) {
		g_hash_table_destroy(t->decade);
		t->decade = NULL;
	}
	tally_release(&t->category);
	tally_release(&t->place);
}

/* Walk the matches of table sql below id before, newest first, at most
 * cap (-1 all), adding each to c, counting it in res and its facets.
 * Returns SQLITE_DONE or the failing step's code. */
static int walk(struct hd_archive *a, enum hd_sql sql, const char *match,
	const struct hd_query *q, int cap, int64_t before, struct cands *c,
	struct hd_results *res, struct tallies *t, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, sql, e);
	int rc;

	if (st == NULL) {
		return SQLITE_ERROR;
	}
	bind_filters(st, match, q);
	sqlite3_bind_int(st, 9, cap);
	sqlite3_bind_int64(st, 10, before);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		res->total++;
		if (q->facets) {
			tally_row(t, st);
		}
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 256;
			c->v = hd_xrealloc(c->v, c->cap * sizeof *c->v);
		}
		c->v[c->n].id = sqlite3_column_int64(st, 0);
		c->v[c->n].rank = sqlite3_column_double(st, 4);
		c->n++;
	}
	sqlite3_reset(st);
	return rc;
}

/* Best first; equal relevance, newest first. */
static int by_rank(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->rank != b->rank) {
		return a->rank < b->rank ? 1 : -1;
	}
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

/* The persons of the records hd_search_warm read, for the person facet:
 * a facet of a thousand matches looked up a thousand records' terms (0.6
 * ms at 200,000 records) where these take a binary search each.  A chunk
 * a warm step: the pairs (record id, person) of ids lo .. hi - 1, by id,
 * with the data version they were read at (SQLITE_FCNTL_DATA_VERSION,
 * which every commit changes, this connection's own too); a search from
 * another version does not use the chunk. */
struct person_pair {
	int64_t id;
	uint32_t name;              /* its number in hd_persons.names */
};

struct person_chunk {
	int64_t lo, hi;
	unsigned int version;
	struct person_pair *pair;   /* by id */
	size_t n;
};

struct hd_persons {
	struct person_chunk *chunk;
	size_t nchunk;
	char **names;               /* the distinct persons */
	size_t nnames;
	GHashTable *number;         /* person -> its number + 1 */
	/* person_facet's counts by number (nnames of them, zero between
	 * searches) and the numbers it counted, so that a search touches
	 * only the persons of its matches */
	int64_t *counts;
	uint32_t *touched;
	size_t ntouched, captouched;
};

static struct hd_persons *persons_new(void)
{
	struct hd_persons *p = hd_xcalloc(1, sizeof *p);

	p->number = g_hash_table_new(g_str_hash, g_str_equal);
	return p;
}

void hd_persons_free(struct hd_persons *p)
{
	size_t i;

	if (p == NULL) {
		return;
	}
	for (i = 0; i < p->nchunk; i++) {
		free(p->chunk[i].pair);
	}
	free(p->chunk);
	for (i = 0; i < p->nnames; i++) {
		free(p->names[i]);
	}
	free(p->names);
	g_hash_table_destroy(p->number);
	free(p->counts);
	free(p->touched);
	free(p);
}

/* The number of person name in p, a new one when first met. */
static uint32_t person_number(struct hd_persons *p, const char *name)
{
	gpointer k = g_hash_table_lookup(p->number, name);

	if (k != NULL) {
		return (uint32_t)(GPOINTER_TO_SIZE(k) - 1);
	}
	p->names = hd_xrealloc(p->names, (p->nnames + 1) * sizeof *p->names);
	p->counts = hd_xrealloc(p->counts, (p->nnames + 1) *
		sizeof *p->counts);
	p->counts[p->nnames] = 0;
	p->names[p->nnames] = hd_xstrdup(name);
	g_hash_table_insert(p->number, p->names[p->nnames],
		GSIZE_TO_POINTER(p->nnames + 1));
	return (uint32_t)p->nnames++;
}

static int by_pair_id(const void *x, const void *y)
{
	const struct person_pair *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

/* Read the persons of the records with ids lo .. hi - 1 (the warm step
 * just read) into a new chunk of a's persons, which grow (names and
 * chunks) until hd_persons_free.  0 or HD_EDB. */
static int warm_persons(struct hd_archive *a, int64_t lo, int64_t hi,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_WARM_TERMS, e);
	struct hd_persons *p = a->persons;
	struct person_chunk *k;
	struct person_pair *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, hi);
	sqlite3_bind_int64(st, 2, lo);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		const char *term = (const char *)sqlite3_column_text(st, 2);

		if (kind == NULL || strcmp(kind, "person") != 0 ||
		    term == NULL || *term == '\0') {
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = hd_xrealloc(v, cap * sizeof *v);
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n++].name = person_number(p, term);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return hd_sql_err(a, e, "warm the cache");
	}
	if (n > 1) {
		qsort(v, n, sizeof *v, by_pair_id);
	}
	p->chunk = hd_xrealloc(p->chunk, (p->nchunk + 1) * sizeof *p->chunk);
	k = &p->chunk[p->nchunk++];
	k->lo = lo;
	k->hi = hi;
	k->version = 0;
	sqlite3_file_control(a->db, "main", SQLITE_FCNTL_DATA_VERSION,
		&k->version);
	k->n = n;
	k->pair = v;
	return 0;
}

/* The chunk of p that holds record id, read at version; NULL when
 * none. */
static const struct person_chunk *person_chunk(const struct hd_persons *p,
	int64_t id, unsigned int version)
{
	size_t i;

	for (i = 0; p != NULL && i < p->nchunk; i++) {
		if (id >= p->chunk[i].lo && id < p->chunk[i].hi) {
			return p->chunk[i].version == version ? &p->chunk[i] :
				NULL;
		}
	}
	return NULL;
}

/* Count the persons of record id in k into p's counts, noting each
 * number first counted. */
static void person_count(struct hd_persons *p, const struct person_chunk *k,
	int64_t id)
{
	size_t lo = 0, hi = k->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (k->pair[mid].id < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	for (; lo < k->n && k->pair[lo].id == id; lo++) {
		if (p->counts[k->pair[lo].name]++ > 0) {
			continue;
		}
		if (p->ntouched == p->captouched) {
			p->captouched = p->captouched ? 2 * p->captouched : 256;
			p->touched = hd_xrealloc(p->touched, p->captouched *
				sizeof *p->touched);
		}
		p->touched[p->ntouched++] = k->pair[lo].name;
	}
}

/* The person facet: the persons of every match the walks counted (all
 * of them when the search was exact), the 20 most frequent.  Records
 * that hd_search_warm read at the search's data version are counted
 * from a's persons (when warm: the search opened its own read
 * transaction, so no change of this connection's is uncommitted), the
 * others from their terms. */
static int person_facet(struct hd_archive *a, const struct cands *c,
	int warm, struct hd_results *res, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_PERSONS_OF, e);
	struct hd_facets *f = &res->person;
	struct tally persons = { NULL };
	const struct person_chunk *k;
	struct hd_persons *p = warm ? a->persons : NULL;
	unsigned int version = 0;
	uint32_t m;
	size_t i;
	int rc = SQLITE_DONE;

	if (st == NULL) {
		return HD_EDB;
	}
	if (p == NULL || p->nnames == 0 || sqlite3_file_control(a->db,
	    "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) {
		p = NULL;
	}
	for (i = 0; i < c->n && rc == SQLITE_DONE; i++) {
		k = person_chunk(p, c->v[i].id, version);
		if (k != NULL) {
			person_count(p, k, c->v[i].id);
			continue;
		}
		sqlite3_bind_int64(st, 1, c->v[i].id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			tally_add(&persons,
				(const char *)sqlite3_column_text(st, 0), 1);
		}
		sqlite3_reset(st);
	}
	for (i = 0; p != NULL && i < p->ntouched; i++) {
		m = p->touched[i];
		tally_add(&persons, p->names[m], p->counts[m]);
		p->counts[m] = 0;
	}
	if (p != NULL) {
		p->ntouched = 0;
	}
	tally_count(&persons, f);
	if (rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "person facet");
	}
	if (f->n > 1) {
		qsort(f->v, f->n, sizeof *f->v, by_count);
	}
	while (f->n > 20) {
		free(f->v[--f->n].value);
	}
	return 0;
}

/* Fill the page: hits offset .. offset + limit of the ranked candidates,
 * each read with its snippet (of the walk's expression match, its marks
 * widened by widen: see lean_expr). */
static int fetch_hits(struct hd_archive *a, enum hd_audience who,
	const char *match, const char *widen, const struct hd_query *q,
	int limit, const struct cands *c, struct hd_results *res,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, who == HD_PUBLIC ? SQL_HIT_PUBLIC :
		SQL_HIT_ALL, e);
	struct hd_hit *h;
	size_t i = q->offset > 0 ? (size_t)q->offset : 0;
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	res->hits = hd_xcalloc((size_t)limit, sizeof *res->hits);
	hd_bind_text(st, 1, match);     /* a reset keeps them bound */
	hd_bind_text(st, 3, widen);
	for (; i < c->n && res->nhits < (size_t)limit; i++) {
		sqlite3_bind_int64(st, 2, c->v[i].id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			h = &res->hits[res->nhits++];
			h->id = c->v[i].id;
			h->ref = hd_col_dup(st, 0);
			h->title = hd_col_dup(st, 1);
			h->date = hd_col_dup(st, 2);
			h->year = sqlite3_column_int(st, 3);
			h->category = hd_col_dup(st, 4);
			h->cls = hd_col_dup(st, 5);
			h->access = hd_col_dup(st, 6);
			h->status = hd_col_dup(st, 7);
			hd_snippet_read(&h->snippet,
				(const char *)sqlite3_column_text(st, 8),
				(size_t)sqlite3_column_bytes(st, 8));
			h->thumb = hd_col_dup(st, 9);
			rc = sqlite3_step(st);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			return hd_sql_err(a, e, "search");
		}
	}
	return 0;
}

/* The walks of one expression: search newest first (all of it when
 * exact), then, when that was cut, heads for the title and meta matches
 * older than what it saw, at most HEADS_CAP of them: each costs a lookup
 * of a record far from the last (3 microseconds, where the newest
 * matches come in order and cost a tenth of that), and they only have
 * to fill the first pages.  heads has no body column, so an expression
 * naming one (or excluding words with NOT, which heads alone cannot
 * judge) skips it. */
static int walks(struct hd_archive *a, enum hd_audience who,
	const char *match, int has_not, const struct hd_query *q,
	struct cands *c, struct hd_results *res, struct tallies *t,
	struct hd_error *e)
{
	int pub = who == HD_PUBLIC, cap = q->exact ? -1 : HD_SEARCH_CAP, rc;

	rc = walk(a, pub ? SQL_WALK_PUBLIC : SQL_WALK_ALL, match, q, cap,
		INT64_MAX, c, res, t, e);
	if (rc != SQLITE_DONE || q->exact || c->n < (size_t)cap) {
		return rc;
	}
	res->capped = 1;
	if (has_not) {
		return rc;
	}
	rc = walk(a, pub ? SQL_WALK_HEADS_PUBLIC : SQL_WALK_HEADS_ALL, match,
		q, HEADS_CAP, c->v[c->n - 1].id, c, res, t, e);
	return rc != SQLITE_DONE && syntax_error(a) ? SQLITE_DONE : rc;
}

/* Step SQL_WARM, reading every column it selects: the records with ids
 * below below, newest first, at most limit of them.  *n rows, *last the
 * record id of the last.  Returns 0 or HD_EDB. */
static int warm_rows(struct hd_archive *a, int64_t below, int limit,
	int *n, int64_t *last, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_WARM, e);
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, below);
	sqlite3_bind_int(st, 2, limit);
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*last = sqlite3_column_int64(st, 0);
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : hd_sql_err(a, e, "warm the cache");
}

int hd_search_warm(struct hd_archive *a, int64_t *below, int rows,
	struct hd_error *e)
{
	static const enum hd_sql searching[] = { SQL_WALK_ALL,
		SQL_WALK_PUBLIC, SQL_WALK_HEADS_ALL, SQL_WALK_HEADS_PUBLIC,
		SQL_HIT_ALL, SQL_HIT_PUBLIC, SQL_PERSONS_OF };
	int64_t low = *below;
	int n;
	size_t i;

	/* The first step also prepares what a search runs: parsing them
	 * took a worker's first search 1.4 ms. */
	for (i = 0; *below == INT64_MAX && i < sizeof searching /
	    sizeof *searching; i++) {
		if (hd_sql(a, searching[i], e) == NULL) {
			return HD_EDB;
		}
	}
	/* persons are kept only from outside a transaction: what one
	 * reads may yet be rolled back, which leaves the data version as
	 * it was */
	if (*below == INT64_MAX) {
		hd_persons_free(a->persons);
		a->persons = sqlite3_get_autocommit(a->db) ? persons_new() :
			NULL;
	}
	if (warm_rows(a, *below, rows, &n, &low, e) != 0) {
		return HD_EDB;
	}
	if (a->persons != NULL && sqlite3_get_autocommit(a->db) &&
	    warm_persons(a, n < rows ? INT64_MIN : low, *below, e) != 0) {
		return HD_EDB;
	}
	*below = n < rows ? 0 : low;
	return 0;
}

/* hd_search: see hd.h.  The walk runs in one read transaction (one
 * snapshot); res is empty on every error path. */
int hd_search(struct hd_archive *a, enum hd_audience who,
	const struct hd_query *q, struct hd_results *res, struct hd_error *e)
{
	char *match = NULL, *plain = NULL, *lean = NULL, *widen = NULL;
	struct cands c;
	struct tallies t;
	int limit = q->limit > 0 ? q->limit : 20;
	int rc, own, has_not;

	memset(res, 0, sizeof *res);
	memset(&c, 0, sizeof c);
	memset(&t, 0, sizeof t);
	if (limit > 1000) {
		limit = 1000;
	}
	if (q->q == NULL || strlen(q->q) > QUERY_MAX) {
		return hd_err(e, HD_EINVAL, "query is empty or longer than %d "
			"bytes", QUERY_MAX);
	}
	if (!hd_utf8_valid(q->q, strlen(q->q))) {
		return hd_err(e, HD_EINVAL, "query is not valid UTF-8");
	}
	if (*skip_space(q->q) == '\0') {
		return hd_err(e, HD_EINVAL, "query is empty");
	}
	if (hd_read_begin(a, &own, e) != 0) {
		return HD_EDB;
	}
	match = pinyin_expr(q->q);
	lean = lean_expr(match, a->trigrams, &has_not, &widen);
	rc = walks(a, who, lean, has_not, q, &c, res, &t, e);
	if (rc != SQLITE_DONE && syntax_error(a)) {
		hd_results_release(res);
		tallies_release(&t);
		c.n = 0;
		plain = plain_words(q->q);
		free(match);
		free(lean);
		free(widen);
		match = plain;
		lean = lean_expr(match, a->trigrams, &has_not, &widen);
		rc = walks(a, who, lean, has_not, q, &c, res, &t, e);
	}
	if (rc != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "search");
		goto out;
	}
	rc = 0;
	decades_count(&t, &res->decade);
	tally_count(&t.category, &res->category);
	tally_count(&t.place, &res->place);
	if (q->facets) {
		/* qsort may not be given a NULL array, even when empty */
		if (res->category.n > 1) {
			qsort(res->category.v, res->category.n,
				sizeof *res->category.v, by_count);
		}
		if (res->place.n > 1) {
			qsort(res->place.v, res->place.n,
				sizeof *res->place.v, by_count);
		}
		rc = person_facet(a, &c, own, res, e);
	}
	if (rc == 0 && c.n > 0) {
		qsort(c.v, c.n, sizeof *c.v, by_rank);
		rc = fetch_hits(a, who, lean, widen, q, limit, &c, res, e);
	}
out:
	hd_read_end(a, own);
	free(match);
	free(lean);
	free(widen);
	free(c.v);
	tallies_release(&t);
	if (rc != 0) {
		hd_results_release(res);
	}
	return rc;
}

int hd_stats_get(struct hd_archive *a, enum hd_audience who,
	struct hd_stats *s, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, who == HD_PUBLIC ? SQL_STATS_PUBLIC :
		SQL_STATS_ALL, e);
	int rc;

	memset(s, 0, sizeof *s);
	if (st == NULL) {
		return HD_EDB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->records = sqlite3_column_int64(st, 0);
		s->photos = sqlite3_column_int64(st, 1);
		s->year_min = sqlite3_column_int(st, 2);
		s->year_max = sqlite3_column_int(st, 3);
		s->files = sqlite3_column_int64(st, 4);
		s->pages = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : hd_sql_err(a, e, "stats");
}

/* ------------------------------------------------------ index upkeep */

int hd_index_merge(struct hd_archive *a, int pages, int *more,
	struct hd_error *e)
{
	static const enum hd_sql steps[2] = { SQL_MERGE_SEARCH,
		SQL_MERGE_HEADS };
	sqlite3_stmt *st;
	sqlite3_int64 before;
	int rc, i;

	*more = 0;
	if (pages < 1) {
		return hd_err(e, HD_EUSAGE, "index merge: %d pages", pages);
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		st = hd_sql(a, steps[i], e);
		if (st == NULL) {
			rc = HD_EDB;
			break;
		}
		sqlite3_bind_int(st, 1, -pages);
		before = sqlite3_total_changes64(a->db);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = hd_sql_err(a, e, "index merge");
			break;
		}
		/* a merge that did nothing changes one row (the command's
		 * own); one that merged writes pages and the structure */
		if (sqlite3_total_changes64(a->db) - before >= 2) {
			*more = 1;
		}
	}
	if (rc == 0) {
		return hd_tx_commit(a, e);
	}
	hd_tx_rollback(a);
	return rc;
}

int hd_index_segments(struct hd_archive *a, int *search, int *heads,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_SEGMENTS, e);

	*search = *heads = 0;
	if (st == NULL) {
		return HD_EDB;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		return hd_sql_err(a, e, "index segments");
	}
	*search = sqlite3_column_int(st, 0);
	*heads = sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	return 0;
}
