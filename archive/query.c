/*
 * query.c - what search.c walks: the query as typed made the FTS5
 * expressions the index answers (see query.h).
 *
 * Latin words that read as pinyin are rewritten: "panyu" becomes (panyu
 * OR "\x01pan'yu"), a phrase of the pinyin tokens the tokenizer indexes
 * (fts.h), so it finds 番禺 and still finds the English word.  Words of
 * one syllable join their neighbours ("pan yu" is read as one phrase); a
 * word that splits several ways ("dangan": dang'an, dan'gan) tries them
 * all.  Han words become lean strings (HD_LEAN in fts.h), each as
 * alternatives that tell hd_rank whether a record has the query's own
 * characters or matched only through folding traditional to simplified
 * (hd_query_lean).
 */
#include "internal.h"
#include "fts.h"
#include "query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#define RUN_MAX 8               /* words read together as pinyin */
#define MASK_TOKENS 3           /* tokens of a word written as masks */
#define PY_ALT_MAX 8            /* readings tried for one run */

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

/* Append the word w[0..n) to b, as it is, or with quote as an FTS5
 * string (quotes around, a quote inside doubled). */
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

/* The syllables of a segmented pinyin reading ("dang'an": 2). */
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

/* 1 for a byte FTS5 takes in a bareword (letters, digits, '_', 0x1A and
 * every byte of a multibyte character). */
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

/* See query.h. */
char *hd_query_pinyin(const char *q)
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
		 * (hd_query_lean): left out here, so that it cannot become an
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

/* 1 for the white space FTS5 skips between tokens of an expression. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* p past its white space (is_space). */
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

/* The xToken callback of tokenless: any token stops the walk
 * (SQLITE_DONE), so that the walk says whether there was one. */
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

/* The expression hd_query_lean writes, and what it says of its phrases. */
struct leaned {
	struct hd_buf b;        /* the expression */
	struct hd_buf w;        /* widening, two digits a phrase */
	struct hd_buf r;        /* roles, a letter a phrase (fts.h) */
	int after_alts;         /* b ends with a group of alternatives: an
	                           operand after it needs an AND */
	int words;              /* words written as alternatives */
	int single;             /* those of one character */
	int exact_only;         /* write each word's exact alternative
	                           alone (see put_alts) */
};

/* The widening and role of the next phrase, s[0..n) (lean: 1 for a lean
 * string), into l. */
static void put_phrase(struct leaned *l, int lean, const char *s, size_t n,
	char role)
{
	put_widen(&l->w, lean, s, n);
	hd_buf_add(&l->r, &role, 1);
}

/* One alternative of a Han word (see put_alts): the lean string of
 * s[0..n) asking for what the bytes ask say (HD_LEAN_MASK and its digit,
 * HD_LEAN_LITERAL; "": the tokens of either script), with its role. */
static void put_alt(struct leaned *l, const char *ask, const char *s,
	size_t n, char role)
{
	if (role >= 'a') {
		hd_buf_puts(&l->b, " OR ");
	}
	hd_buf_add(&l->b, "\"", 1);
	hd_buf_add(&l->b, (char[]){ HD_LEAN }, 1);
	hd_buf_puts(&l->b, ask);
	hd_buf_add(&l->b, s, n);
	hd_buf_add(&l->b, "\"", 1);
	put_phrase(l, 1, s, n, role);
}

/* The Han word s[0..n), as typed, as a group of alternatives that match
 * the same records together as the word alone and that hd_rank tells
 * apart (an AND first when need_and: after an operand, FTS5 joins no
 * group to it by itself):
 *   typed as its folded characters (社区, 面, 卢丒同志), of k tokens (the
 *   lean string of one to three characters is one token, of more their
 *   trigrams) where k is at most MASK_TOKENS: each of the 2^k masks
 *   (HD_LEAN_MASK), which match disjoint text: each token written so or
 *   otherwise (盧丒同志: 盧丒同 is written otherwise, 丒同志 is not);
 *   mask 0, the text written as typed, 'E', the others 'f'.  Where the
 *   text is in one script, every mask with a marked token reads a
 *   doclist that is empty, and the word costs what it cost alone;
 *   typed otherwise (檔案, 麵, 頭髮), or longer: the text written with
 *   these very characters, 'M' (no other: 麵 is exact, 麪 and 面 are
 *   not), and in either script, 'f', which matches the same text again
 *   (so 'M' only tells hd_rank where the exact ones are).
 * With l->exact_only, the word as typed alone, 'E'. */
static void put_alts(struct leaned *l, const char *s, size_t n,
	int need_and)
{
	int32_t i = 0, len = (int32_t)n;
	int chars = 0, otherwise = 0, k, m;
	char mask[3] = { HD_LEAN_MASK, '0', '\0' };
	UChar32 c;

	while (i < len) {
		U8_NEXT(s, i, len, c);
		chars++;
		otherwise |= c >= 0 && hd_han_fold((uint32_t)c) != (uint32_t)c;
	}
	if (need_and) {
		if (l->b.len > 0 && !is_space(l->b.p[l->b.len - 1])) {
			hd_buf_add(&l->b, " ", 1);
		}
		hd_buf_puts(&l->b, "AND ");
	}
	hd_buf_add(&l->b, "(", 1);
	k = chars <= 3 ? 1 : chars - 2;
	if (l->exact_only) {
		put_alt(l, (char[]){ HD_LEAN_LITERAL, '\0' }, s, n, 'E');
	} else if (!otherwise && k <= MASK_TOKENS) {
		for (m = 0; m < 1 << k; m++) {
			mask[1] = (char)('0' + m);
			put_alt(l, mask, s, n, m == 0 ? 'E' : 'f');
		}
	} else {
		put_alt(l, (char[]){ HD_LEAN_LITERAL, '\0' }, s, n, 'M');
		put_alt(l, "", s, n, 'f');
	}
	hd_buf_add(&l->b, ")", 1);
	l->after_alts = 1;
	l->words++;
	l->single += chars == 1;
}

/* An operand begins in l's expression: an AND first when it follows a
 * group of alternatives. */
static void operand_begins(struct leaned *l)
{
	if (l->after_alts) {
		hd_buf_puts(&l->b, "AND ");
		l->after_alts = 0;
	}
}

/* See query.h.  The expression match for walking (see HD_LEAN in
 * fts.h) into out->expr: each string
 * and each bareword that is Han characters alone (so never an operator
 * or a column name) made a string that begins with HD_LEAN, when the
 * index has the trigrams lean strings are read by (trigrams: 1), and
 * when it also marks folded characters (scripts: 1) and the word stands
 * where a group may (not in a NEAR group or braces), a group of
 * alternatives that tell how a record matched it (put_alts), joined to
 * the operands beside it by AND (out->alts counts those words).  Pinyin
 * strings, prefix words and anything mixed (2023年度, 社区。前锋) are left
 * as they are: a lean phrase is shorter than its text, so it would not
 * line up with what comes before or after it in one string.
 * out->has_not is set when match uses the NOT operator.  Strings joined
 * by '+' (one phrase) and a string after '^' (which must begin its
 * column) stay as they are too.  out->widen receives, for each phrase of
 * the result in order, how far hd_snippet widens its marks, and
 * out->roles what hd_rank
 * needs to know of them (HD_ROLE_FIELDS in fts.h; HD_ROLE_EXACT when
 * every word written as alternatives is one character): the phrases are
 * the strings and the barewords other than operators, column names ({a
 * b} or before ':') and NEAR's distance, each string joined by '+' to
 * the one before it being part of that one's phrase.  A phrase without a
 * token (a word of punctuation: 社区 ， 夜校) next to another phrase, or
 * beside another in a NEAR group, is left out: FTS5 drops it there
 * (sqlite3Fts5ParseImplicitAnd, sqlite3Fts5ParseNearset), which would
 * move every later phrase's number and widening.  (It also drops one
 * after a column filter, '^' or before '*' or '+': those are kept, and
 * the marks after them may then be a character short or long.)
 * With exact_only, each group of alternatives is its exact one alone
 * (put_alts).  Caller releases out (hd_query_lean_release). */
void hd_query_lean(const char *match, int trigrams, int scripts,
	int exact_only, struct hd_lean *out)
{
	struct leaned l;
	const char *p = match, *after;
	size_t n;
	int brace = 0, near = 0, join = 0, comma = 0, caret = 0, lean;
	int ended = 0, colon = 0;
	char flag;

	memset(out, 0, sizeof *out);
	memset(&l, 0, sizeof l);
	l.exact_only = exact_only;
	hd_buf_init(&l.b);
	hd_buf_init(&l.w);
	hd_buf_init(&l.r);
	while (*p) {
		if (*p == '"') {
			n = string_len(p);
			after = skip_space(p + n);
			if (left_out(!join && !caret && !colon && !brace &&
			    !comma && n >= 2 && p[n - 1] == '"', ended, p + n,
			    p + 1, n - 2)) {
				hd_buf_add(&l.b, " ", 1);   /* abc"，"def */
				p += n;
				continue;
			}
			/* the text between the quotes (none inside); not a
			 * string joined to another by '+' or after '^' */
			lean = trigrams && n >= 2 && p[n - 1] == '"' &&
				all_han(p + 1, n - 2) && !join && !caret &&
				*after != '+';
			if (lean && scripts && !near && !brace &&
			    *after != ':') {
				put_alts(&l, p + 1, n - 2, ended ||
					l.after_alts);
				p += n;
				ended = 1;
				join = comma = caret = colon = 0;
				continue;
			}
			operand_begins(&l);
			open_quote(&l.b);
			if (lean) {
				hd_buf_add(&l.b, (char[]){ HD_LEAN }, 1);
			}
			if (!join && !brace && *after != ':') {
				put_phrase(&l, lean, p + 1, n - 2, 'N');
			}
			hd_buf_add(&l.b, p + 1, n - 1);
			p += n;
			ended = *after != ':';
			join = comma = caret = colon = 0;
			continue;
		}
		if (!bareword_byte((unsigned char)*p)) {
			if (*p == '^' || *p == '{' || *p == '-') {
				operand_begins(&l);
			} else if (!is_space(*p)) {
				l.after_alts = 0;
			}
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
			hd_buf_add(&l.b, p, 1);
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
		out->has_not |= n == 3 && strncmp(p, "NOT", 3) == 0;
		lean = trigrams && all_han(p, n) && *after != '*' &&
		    *after != ':' && *after != '+' && !join && !caret;
		if (lean && scripts && !near && !brace) {
			put_alts(&l, p, n, ended || l.after_alts);
			p += n;
			ended = 1;
			join = comma = caret = colon = 0;
			continue;
		}
		if (is_operator(p, n)) {
			l.after_alts = 0;
		} else {
			operand_begins(&l);
		}
		if (lean) {
			open_quote(&l.b);
			hd_buf_add(&l.b, (char[]){ HD_LEAN }, 1);
			hd_buf_add(&l.b, p, n);
			hd_buf_add(&l.b, "\"", 1);
		} else {
			hd_buf_add(&l.b, p, n);
		}
		if (n == 4 && strncmp(p, "NEAR", 4) == 0 && *after == '(') {
			near++;
		} else if (!join && !brace && *after != ':' && !comma &&
		    !is_operator(p, n)) {
			put_phrase(&l, lean, p, n, 'N');
		}
		ended = !is_operator(p, n) && *after != ':' && !(n == 4 &&
			strncmp(p, "NEAR", 4) == 0 && *after == '(');
		p += n;
		join = comma = caret = colon = 0;
	}
	flag = l.words > 0 && l.single == l.words ? HD_ROLE_EXACT :
		HD_ROLE_FIELDS;
	out->widen = hd_buf_detach(&l.w);
	hd_buf_add(&l.r, "", 1);
	out->roles = hd_xasprintf("%c%s", flag, l.r.p);
	hd_buf_release(&l.r);
	out->alts = l.words;
	out->expr = hd_buf_detach(&l.b);
}

/* See query.h. */
void hd_query_lean_release(struct hd_lean *x)
{
	free(x->expr);
	free(x->widen);
	free(x->roles);
	memset(x, 0, sizeof *x);
}

/* See query.h. */
char *hd_query_plain(const char *q)
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
			 * FTS5 would leave it out (see hd_query_pinyin) */
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

/* See query.h. */
int hd_query_blank(const char *q)
{
	return *skip_space(q) == '\0';
}
