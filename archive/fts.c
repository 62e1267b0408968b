/*
 * fts.c - the Chinese-aware FTS5 tokenizer "hongdang" (see fts.h for the
 * token stream it promises).
 *
 * Text is read one code point at a time.  ASCII, the common CJK Unified
 * Ideographs, the usual Chinese punctuation and the full-width ASCII forms
 * take fast paths that never call ICU; everything else is cut into
 * normalisation segments (a code point and what follows it up to the next
 * NFKC boundary), and each segment goes through ICU's NFKC_Casefold, so
 * the result is the same as folding the whole text at once.  Latin output
 * is then decomposed (NFKD) and stripped of its nonspacing marks.  Every
 * code point a segment folds to keeps the byte span of the segment in the
 * original text, so offsets always point into what the caller passed.
 *
 * Han characters are folded to simplified through OpenCC one character
 * at a time.  OpenCC's t2s is phrase-based and costs about a microsecond
 * a call, so each character is converted once, the first time it is met,
 * and remembered in a table indexed by code point (filled lazily rather
 * than all at once: converting every CJK character up front costs 50-90
 * ms at each process start, and a real text meets a few thousand).
 * Pinyin readings come from pinyin.c.
 *
 * The ranking functions of rank.c are registered here too, with
 * hd_snippet(), FTS5's snippet() with the marks of search.c's lean and
 * pinyin phrases widened to their characters.
 *
 * Guarantees: any byte string is accepted (invalid UTF-8 bytes are
 * separators); nothing is allocated by the tokenizer (tokens are built in
 * stack buffers); every token is 1..HD_TOK_MAX bytes with
 * 0 <= start <= end <= n, valid UTF-8 except for the HD_PY_START byte
 * that begins a pinyin token; the fold table and OpenCC
 * are shared by all threads (atomic table entries, one mutex around
 * OpenCC).
 */
#include "fts.h"
#include "hd.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

_Static_assert(HD_TOK_COLOCATED == FTS5_TOKEN_COLOCATED,
	"HD_TOK_COLOCATED must equal FTS5_TOKEN_COLOCATED");

/* What a (folded) code point does to the token stream. */
enum cls {
	C_WORD = 1, /* Latin and other alphabetic letters, digits */
	C_MARK,     /* a combining mark left after folding */
	C_SPACE,    /* white space: ends a word, may sit inside a CJK run */
	C_PUNCT,    /* punctuation, symbols, emoji, invalid bytes */
	C_HAN,      /* the three CJK classes: runs of unigrams and pairs,
	               and of Han trigrams */
	C_KANA,
	C_HANGUL,
};

/* What a query asks for of each Han token (see HD_LEAN in fts.h). */
enum ask {
	ASK_EITHER,     /* the token, and the marked one colocated */
	ASK_MASK,       /* each token unmarked or marked, as the mask says */
	ASK_LITERAL,    /* the characters as written, not folded */
};

/* Longest normalisation segment taken as one unit (code points); a longer
 * one (a base with dozens of combining marks) is cut, which can only make
 * the folding of such garbage slightly less exact. */
#define SEG_MAX 16
/* UTF-16 room for a folded segment: NFKC expands one code point to at
 * most 18 UTF-16 units (U+FDFA). */
#define SEG_OUT 512

/* The tokenizer's state while it walks one text. */
struct tk {
	int mode;               /* HD_TOK_DOCUMENT or HD_TOK_QUERY */
	int plain;              /* HD_TOK_PLAIN: no folding, no pinyin */
	int aux;                /* HD_TOK_AUX: no colocated tokens */
	void *ctx;
	hd_tok_cb cb;
	int rc;                 /* first non-zero callback return */

	/* The word being built (Latin, digits, other alphabets). */
	char word[HD_TOK_MAX];
	int nword;              /* bytes in word[]; 0 when no word is open */
	int wstart, wend;       /* its original byte span */
	int wlatin;             /* last letter added was Latin: drop marks */
	int wcut;               /* HD_TOK_MAX reached: the rest is dropped */

	/* The open CJK run: class of its characters (0 when none) and its
	 * last character, which the next one may pair with. */
	int run;
	int runlen;             /* characters in it so far */
	int lean;               /* query text began with HD_LEAN */
	int ask;                /* query: the Han tokens asked for (ASK_*) */
	unsigned mask;          /* ASK_MASK: bit i set, Han token i marked */
	int qtok;               /* Han tokens a query gave so far */
	char prev[4];
	int nprev;
	int pstart, pend;       /* original byte span of prev */
	char pprev[4];          /* the character before prev in the run */
	int npprev;
	int ppstart;            /* where it began */
	int gap_nl;             /* newlines in white space since prev */
	uint32_t pcp;           /* prev as a (folded) code point */
	uint32_t porig;         /* and as it was before folding */
	uint32_t ppcp, pporig;  /* the same of pprev */

	/* ICU, fetched on first use. */
	const UNormalizer2 *nfkc_cf;
	const UNormalizer2 *nfkd;
};

/* ------------------------------------------------------ folding */

/* Folded forms by code point, 0 while not yet known: the CJK Unified
 * Ideographs of the BMP (with extension A), then the supplementary
 * planes' (extensions B-H). */
#define FOLD_BMP_LO 0x3400u
#define FOLD_BMP_HI 0x9FFFu
#define FOLD_SUP_LO 0x20000u
#define FOLD_SUP_HI 0x323AFu
#define FOLD_N ((FOLD_BMP_HI - FOLD_BMP_LO + 1) + \
	(FOLD_SUP_HI - FOLD_SUP_LO + 1))

static _Atomic uint32_t fold_tab[FOLD_N];
static opencc_t occ = (opencc_t)-1;
static pthread_mutex_t occ_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t occ_once = PTHREAD_ONCE_INIT;

/* Open OpenCC's traditional-to-simplified converter once (pthread_once);
 * occ stays (opencc_t)-1 when it cannot be opened. */
static void occ_open(void)
{
	occ = opencc_open("t2s.json");
}

/* The slot of code point cp in the fold cache (the CJK blocks FOLD_BMP_*
 * and FOLD_SUP_*, one after the other), or -1 outside them. */
static long fold_slot(uint32_t cp)
{
	if (cp >= FOLD_BMP_LO && cp <= FOLD_BMP_HI) {
		return (long)(cp - FOLD_BMP_LO);
	}
	if (cp >= FOLD_SUP_LO && cp <= FOLD_SUP_HI) {
		return (long)(FOLD_BMP_HI - FOLD_BMP_LO + 1 +
			(cp - FOLD_SUP_LO));
	}
	return -1;
}

/* OpenCC on cp alone (under occ_lock): the result when it is one code
 * point, else cp. */
static uint32_t occ_convert(uint32_t cp)
{
	char in[5], *out;
	uint32_t r = cp;
	int32_t k = 0, c;

	U8_APPEND_UNSAFE(in, k, cp);
	in[k] = '\0';
	out = opencc_convert_utf8(occ, in, (size_t)k);
	if (out == NULL) {
		return cp;
	}
	c = hd_one_char(out, (int)strlen(out));
	if (c >= 0) {
		r = (uint32_t)c;
	}
	opencc_convert_utf8_free(out);
	return r;
}

/* See fts.h.  Compatibility ideographs (U+F900...) reach here already
 * NFKC-folded to unified ones. */
uint32_t hd_han_fold(uint32_t cp)
{
	long slot = fold_slot(cp);
	uint32_t v, next;
	int i;

	if (slot < 0) {
		return cp;
	}
	v = atomic_load_explicit(&fold_tab[slot], memory_order_relaxed);
	if (v != 0) {
		return v;
	}
	pthread_once(&occ_once, occ_open);
	if (occ == (opencc_t)-1) {
		return cp;
	}
	pthread_mutex_lock(&occ_lock);
	v = cp;
	for (i = 0; i < 4; i++) {
		next = occ_convert(v);
		if (next == v) {
			break;
		}
		v = next;
	}
	pthread_mutex_unlock(&occ_lock);
	atomic_store_explicit(&fold_tab[slot], v, memory_order_relaxed);
	return v;
}

/* 1 for the CJK Unified Ideographs blocks (base and extensions A-I),
 * which have no decomposition and no case: no ICU needed. */
static int is_han_fast(uint32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) ||
	    (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0x20000 && cp <= 0x2A6DF) ||
	    (cp >= 0x2A700 && cp <= 0x2EE5F) ||
	    (cp >= 0x30000 && cp <= 0x323AF);
}

/* See fts.h. */
int hd_is_han(uint32_t cp)
{
	return is_han_fast(cp);
}

/* See fts.h.  Allocates nothing. */
int32_t hd_one_char(const char *s, int n)
{
	int32_t k = 0;
	UChar32 c;

	if (n <= 0) {
		return -1;
	}
	U8_NEXT(s, k, n, c);
	return c >= 0 && k == n ? c : -1;
}

/* Pass one token to the callback, unless an earlier call asked to stop. */
static void emit(struct tk *t, int flags, const char *s, int n, int start,
	int end)
{
	if (t->rc == 0 && !(t->aux && (flags & HD_TOK_COLOCATED))) {
		t->rc = t->cb(t->ctx, flags, s, n, start, end);
	}
}

/* Emit a CJK token with flags: s[0..n) its characters folded, o[0..no)
 * as written, diff 1 when they differ (a character of it was written
 * otherwise than folded).  In a document, the token as written, and when
 * diff, the folded one marked (HD_FOLD) colocated; in a query, as it asks
 * (t->ask: a query's text is folded unless it asks for the characters as
 * written).  Kana, Hangul and the plain tokenizer have no folding, so no
 * marked tokens. */
static void emit_gram(struct tk *t, int cls, int flags, const char *s,
	int n, const char *o, int no, int diff, int start, int end)
{
	char m[1 + 12];
	int bit;

	if (cls != C_HAN || t->plain || n > 12) {
		emit(t, flags, s, n, start, end);
		return;
	}
	m[0] = HD_FOLD;
	memcpy(m + 1, s, (size_t)n);
	if (t->mode == HD_TOK_DOCUMENT) {
		if (diff) {
			emit(t, flags, o, no, start, end);
			emit(t, HD_TOK_COLOCATED, m, n + 1, start, end);
		} else {
			emit(t, flags, s, n, start, end);
		}
		return;
	}
	switch (t->ask) {
	case ASK_MASK:
		/* the mask's bits are its first tokens'; any past them (a
		 * word longer than the mask, fuzz_tokenize found 32) are
		 * written as typed */
		bit = t->qtok < (int)(8 * sizeof t->mask) &&
			((t->mask >> t->qtok) & 1);
		t->qtok++;
		if (bit) {
			emit(t, flags, m, n + 1, start, end);
		} else {
			emit(t, flags, s, n, start, end);
		}
		break;
	case ASK_EITHER:
		emit(t, flags, s, n, start, end);
		emit(t, HD_TOK_COLOCATED, m, n + 1, start, end);
		break;
	default:
		emit(t, flags, s, n, start, end);
	}
}

/* Code points c[0..k) as UTF-8 into out (4 * k bytes); their length. */
static int utf8_of(const uint32_t *c, int k, char *out)
{
	int i, n = 0;

	for (i = 0; i < k; i++) {
		U8_APPEND_UNSAFE(out, n, c[i]);
	}
	return n;
}

/* A document's tokens of a gram of k CJK characters (1 to 3), through
 * emit_gram: s[0..n) the characters folded, f[0..k) the same as code
 * points and o[0..k) as written. */
static void emit_doc_gram(struct tk *t, int cls, int flags, const char *s,
	int n, const uint32_t *f, const uint32_t *o, int k, int start,
	int end)
{
	char os[12] = "";
	int no = 0, diff = 0, i;

	for (i = 0; i < k; i++) {
		diff |= f[i] != o[i];
	}
	if (diff) {
		no = utf8_of(o, k, os);
	}
	emit_gram(t, cls, flags, s, n, os, no, diff, start, end);
}

/* Close the open word, if any, emitting it. */
static void word_end(struct tk *t)
{
	if (t->nword > 0) {
		emit(t, 0, t->word, t->nword, t->wstart, t->wend);
	}
	t->nword = 0;
	t->wlatin = 0;
	t->wcut = 0;
}

/* Add a folded letter or digit to the word; bytes past HD_TOK_MAX are
 * dropped (the word is cut) but the span still grows, so highlight()
 * covers the whole word. */
static void word_add(struct tk *t, uint32_t cp, int latin, int start,
	int end)
{
	char b[4];
	int k = 0;

	U8_APPEND_UNSAFE(b, k, cp);
	if (t->nword == 0) {
		t->wstart = start;
	}
	if (!t->wcut && t->nword + k <= HD_TOK_MAX) {
		memcpy(t->word + t->nword, b, (size_t)k);
		t->nword += k;
	} else {
		t->wcut = 1;
	}
	t->wend = end;
	t->wlatin = latin;
}

/* Close the open CJK run: in query mode its last character is the
 * trailing unigram (for a one-character run, the only token); a lean
 * Han run of two characters is their pair, held back until now (one of
 * three or more was its trigrams).  Lean applies to Han runs only, the
 * only ones indexed with trigrams. */
static void run_close(struct tk *t)
{
	char pair[8];
	int lean = t->lean && t->run == C_HAN;

	if (t->run == 0 || t->mode != HD_TOK_QUERY) {
		t->run = 0;
		return;
	}
	if (lean && t->runlen == 2) {
		memcpy(pair, t->pprev, (size_t)t->npprev);
		memcpy(pair + t->npprev, t->prev, (size_t)t->nprev);
		emit_gram(t, t->run, 0, pair, t->npprev + t->nprev, NULL,
			0, 0, t->ppstart, t->pend);
	} else if (!lean || t->runlen == 1) {
		emit_gram(t, t->run, 0, t->prev, t->nprev, NULL, 0, 0,
			t->pstart, t->pend);
	}
	t->run = 0;
}

/* A pinyin token into out (PY_TOK bytes): mark, syllable a (at most 7
 * letters), and when b is not NULL an apostrophe and syllable b.
 * Returns its length. */
#define PY_TOK 20
static int py_tok(char *out, char mark, const char *a, const char *b)
{
	size_t na = strnlen(a, 7), nb = b ? strnlen(b, 7) : 0;
	int n = 0;

	out[n++] = mark;
	memcpy(out + n, a, na);
	n += (int)na;
	if (b != NULL) {
		out[n++] = '\'';
		memcpy(out + n, b, nb);
		n += (int)nb;
	}
	out[n] = '\0';
	return n;
}

/* The pinyin pair tokens of Han characters a b (folded, and ao bo as
 * written): HD_PY_START, then syllable ' syllable, for each combination
 * of their readings, written one after the other into buf (each
 * NUL-terminated); returns their number.  The apostrophe keeps xi'an
 * apart from xian and xiang'an from xian'gan. */
static int py_pairs(uint32_t a, uint32_t ao, uint32_t b, uint32_t bo,
	char buf[][PY_TOK])
{
	uint16_t ra[HD_PY_MAX], rb[HD_PY_MAX];
	int na, nb, i, j, k, m, n = 0;

	na = hd_py_readings2(ao, a, ra);
	nb = hd_py_readings2(bo, b, rb);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++) {
			py_tok(buf[n], HD_PY_START, hd_py_syllable(ra[i] >> 3),
				hd_py_syllable(rb[j] >> 3));
			/* lù and lǜ are both "lu": keep one */
			for (k = 0, m = 0; k < n && !m; k++) {
				m = strcmp(buf[k], buf[n]) == 0;
			}
			if (!m) {
				n++;
			}
		}
	}
	return n;
}

/* A CJK character of class cls (cp folded, orig as written): continue
 * the open run when it is of the same script and no paragraph break came
 * between, else start one.  In a document every unigram, pair and
 * trigram is given as written, and folded and marked when that differs
 * (emit_doc_gram): the index then holds each as it was written and,
 * under its mark, what it folds to. */
static void run_add(struct tk *t, int cls, uint32_t cp, uint32_t orig,
	int start, int end)
{
	char pair[8], tri[12], py[HD_PY_MAX * HD_PY_MAX][PY_TOK];
	uint32_t f[3] = { t->ppcp, t->pcp, cp };
	uint32_t o[3] = { t->pporig, t->porig, orig };
	int k, npy = 0, i, ntri;

	if (t->run == cls && t->gap_nl < 2) {
		memcpy(pair, t->prev, (size_t)t->nprev);
		k = 0;
		U8_APPEND_UNSAFE(pair + t->nprev, k, cp);
		/* the trigram, for Han from the third character on */
		ntri = 0;
		if (t->runlen >= 2 && cls == C_HAN) {
			memcpy(tri, t->pprev, (size_t)t->npprev);
			memcpy(tri + t->npprev, pair, (size_t)(t->nprev + k));
			ntri = t->npprev + t->nprev + k;
		}
		if (t->mode == HD_TOK_QUERY && t->lean && cls == C_HAN) {
			/* the trigrams from the third character on; a
			 * run of two is its pair, at run_close */
			if (ntri > 0) {
				emit_gram(t, cls, 0, tri, ntri, NULL, 0, 0,
					t->ppstart, end);
			}
		} else if (t->mode == HD_TOK_QUERY) {
			emit_gram(t, cls, 0, pair, t->nprev + k, NULL, 0, 0,
				t->pstart, end);
		} else if (t->aux) {
			/* highlighting reads positions, not what is at them */
			emit(t, 0, pair + t->nprev, k, start, end);
		} else {
			emit_doc_gram(t, cls, HD_TOK_COLOCATED, pair,
				t->nprev + k, f + 1, o + 1, 2, t->pstart, end);
			if (ntri > 0) {
				emit_doc_gram(t, cls, HD_TOK_COLOCATED, tri,
					ntri, f, o, 3, t->ppstart, end);
			}
			if (cls == C_HAN && !t->plain) {
				npy = py_pairs(t->pcp, t->porig, cp, orig,
					py);
			}
			for (i = 0; i < npy; i++) {
				emit(t, HD_TOK_COLOCATED, py[i],
					(int)strlen(py[i]), t->pstart, end);
			}
			emit_doc_gram(t, cls, 0, pair + t->nprev, k, f + 2,
				o + 2, 1, start, end);
		}
		memcpy(t->pprev, t->prev, (size_t)t->nprev);
		t->npprev = t->nprev;
		t->ppstart = t->pstart;
		t->ppcp = t->pcp;
		t->pporig = t->porig;
		memcpy(t->prev, pair + t->nprev, (size_t)k);
		t->nprev = k;
		t->runlen++;
	} else {
		run_close(t);
		t->run = cls;
		t->runlen = 1;
		t->nprev = 0;
		U8_APPEND_UNSAFE(t->prev, t->nprev, cp);
		if (t->mode == HD_TOK_DOCUMENT) {
			emit_doc_gram(t, cls, 0, t->prev, t->nprev, f + 2,
				o + 2, 1, start, end);
		}
	}
	t->pcp = cp;
	t->porig = orig;
	t->pstart = start;
	t->pend = end;
	t->gap_nl = 0;
}

/* A pinyin request in a query (see fts.h): text[i] is HD_PY_START; the
 * syllables are the letters up to the first byte that is not a letter,
 * an apostrophe or a space.  Returns the index after the request. */
static int py_request(struct tk *t, const char *text, int i, int n)
{
	char syl[32][8], tok[PY_TOK];
	int nsyl = 0, start = i, k, len;

	word_end(t);
	run_close(t);
	for (i++; i < n && nsyl < 32;) {
		unsigned c = (unsigned char)text[i];

		if (c == '\'' || c == ' ') {
			i++;
			continue;
		}
		for (len = 0; i + len < n && len < 7; len++) {
			c = (unsigned char)text[i + len];
			if (c < 'a' || c > 'z') {
				break;
			}
		}
		if (len == 0) {
			break;
		}
		memcpy(syl[nsyl], text + i, (size_t)len);
		syl[nsyl++][len] = '\0';
		i += len;
	}
	if (nsyl == 1) {
		/* a lone syllable: a token no document has */
		emit(t, 0, tok, py_tok(tok, HD_PY_START, syl[0], NULL),
			start, i);
	}
	for (k = 0; k + 1 < nsyl; k++) {
		emit(t, 0, tok, py_tok(tok, HD_PY_START, syl[k],
			syl[k + 1]), start, i);
	}
	return i;
}

/* Feed one folded code point of class cls that came from the original
 * bytes [start, end).  nl: newlines it stands for (white space only). */
static void feed(struct tk *t, int cls, uint32_t cp, int nl, int start,
	int end)
{
	switch (cls) {
	case C_WORD:
		run_close(t);
		word_add(t, cp, cp < 0x80, start, end);
		break;
	case C_MARK:
		/* Marks stay inside a non-Latin word (Devanagari vowel
		 * signs); after Latin they are diacritics and go. */
		if (t->nword > 0) {
			if (t->wlatin) {
				t->wend = end;
			} else {
				word_add(t, cp, 0, start, end);
			}
		}
		break;
	case C_SPACE:
		word_end(t);
		if (t->run != 0) {
			t->gap_nl += nl;
			if (t->gap_nl >= 2) {
				run_close(t);
			}
		}
		break;
	case C_PUNCT:
		word_end(t);
		run_close(t);
		break;
	case C_HAN:
	case C_KANA:
	case C_HANGUL:
		word_end(t);
		run_add(t, cls, cls == C_HAN && !t->plain &&
			t->ask != ASK_LITERAL ? hd_han_fold(cp) : cp, cp,
			start, end);
		break;
	}
}

/* Class of an ASCII byte (letters already lower-cased by the caller);
 * *nl receives the newlines it stands for. */
static int ascii_class(unsigned c, int next, int *nl)
{
	*nl = 0;
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
		return C_WORD;
	}
	switch (c) {
	case '\n':
	case '\f':
		*nl = 1;
		return C_SPACE;
	case '\r':
		/* CR LF counts once, at the LF. */
		*nl = next == '\n' ? 0 : 1;
		return C_SPACE;
	case ' ':
	case '\t':
	case '\v':
		return C_SPACE;
	default:
		return C_PUNCT;
	}
}

/* Class of a folded non-ASCII code point, by general category and
 * script. */
static int uni_class(uint32_t cp, int *nl)
{
	UErrorCode err = U_ZERO_ERROR;
	UScriptCode sc;

	*nl = 0;
	if (is_han_fast(cp)) {
		return C_HAN;
	}
	switch (u_charType((UChar32)cp)) {
	case U_UPPERCASE_LETTER:
	case U_LOWERCASE_LETTER:
	case U_TITLECASE_LETTER:
	case U_MODIFIER_LETTER:
	case U_OTHER_LETTER:
	case U_DECIMAL_DIGIT_NUMBER:
	case U_LETTER_NUMBER:
	case U_OTHER_NUMBER:
		if (cp == 0x30FC) {
			return C_KANA;  /* ー, script Common */
		}
		sc = uscript_getScript((UChar32)cp, &err);
		if (U_FAILURE(err)) {
			return C_PUNCT;
		}
		switch (sc) {
		case USCRIPT_HAN:
			return C_HAN;
		case USCRIPT_HIRAGANA:
		case USCRIPT_KATAKANA:
		case USCRIPT_KATAKANA_OR_HIRAGANA:
			return C_KANA;
		case USCRIPT_HANGUL:
			return C_HANGUL;
		default:
			return C_WORD;
		}
	case U_NON_SPACING_MARK:
	case U_ENCLOSING_MARK:
	case U_COMBINING_SPACING_MARK:
		return C_MARK;
	case U_SPACE_SEPARATOR:
		return C_SPACE;
	case U_LINE_SEPARATOR:
		*nl = 1;
		return C_SPACE;
	case U_PARAGRAPH_SEPARATOR:
		*nl = 2;
		return C_SPACE;
	case U_CONTROL_CHAR:
		if (cp == 0x85) {
			*nl = 1;    /* NEL */
			return C_SPACE;
		}
		return C_PUNCT;
	default:
		return C_PUNCT;
	}
}

/* Fast class of a non-ASCII code point that needs no folding, or -1 when
 * ICU must see it.  Covers what fills Chinese text. */
static int fast_class(uint32_t cp)
{
	if (cp >= 0x3001 && cp <= 0x3003) {
		return C_PUNCT;     /* 、。〃 */
	}
	if ((cp >= 0x3008 && cp <= 0x3011) || (cp >= 0x3014 && cp <= 0x301F)) {
		return C_PUNCT;     /* 〈〉《》「」『』【】〔〕...〜〝〞〟 */
	}
	if ((cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E)) {
		return C_PUNCT;     /* ‐–—‘’“”•…‰′※ ... */
	}
	if (cp == 0x00B7 || (cp >= 0xFF5F && cp <= 0xFF65)) {
		return C_PUNCT;     /* · and half-width ｡｢｣､･ */
	}
	if (cp == 0x3000 || cp == 0x00A0) {
		return C_SPACE;
	}
	return -1;
}

/* 1 when a normalisation segment must end before the code point at
 * s[0..n): ASCII, Han and invalid bytes answer without ICU. */
static int seg_boundary(struct tk *t, const unsigned char *s, int n)
{
	int32_t k = 0;
	UChar32 cp;

	if (n <= 0 || s[0] < 0xCC) {
		return 1;   /* end, ASCII, invalid, or below U+0300 */
	}
	U8_NEXT(s, k, n, cp);
	if (cp < 0 || is_han_fast((uint32_t)cp)) {
		return 1;
	}
	return unorm2_hasBoundaryBefore(t->nfkc_cf, cp);
}

/* Fold the segment [i, j) of text (valid UTF-8, at most SEG_MAX code
 * points) and feed what it folds to.  Latin letters lose their marks. */
static void fold_segment(struct tk *t, const char *text, int i, int j)
{
	UChar src[2 * SEG_MAX], dst[SEG_OUT], dec[32];
	UErrorCode err = U_ZERO_ERROR;
	int ns = 0, nd, k, q, nl, cls;
	int32_t nk;
	int latin = 0;
	UChar32 c, d;

	for (k = i; k < j;) {
		U8_NEXT(text, k, j, c);
		U16_APPEND_UNSAFE(src, ns, c);
	}
	nd = unorm2_normalize(t->nfkc_cf, src, ns, dst, SEG_OUT, &err);
	if (U_FAILURE(err)) {
		feed(t, C_PUNCT, 0, 0, i, j);
		return;
	}
	for (k = 0; k < nd;) {
		U16_NEXT(dst, k, nd, c);
		if (c < 0x80) {
			cls = ascii_class((unsigned)c, 0, &nl);
			latin = 1;
			feed(t, cls, (uint32_t)c, nl, i, j);
			continue;
		}
		cls = uni_class((uint32_t)c, &nl);
		if (cls == C_WORD) {
			err = U_ZERO_ERROR;
			latin = uscript_getScript(c, &err) == USCRIPT_LATIN;
		}
		if (cls == C_MARK && latin) {
			continue;   /* a diacritic that did not compose */
		}
		if (cls != C_WORD || !latin) {
			feed(t, cls, (uint32_t)c, nl, i, j);
			continue;
		}
		/* Latin: é -> e, ǆ -> dž -> dz; keep what is not a mark. */
		err = U_ZERO_ERROR;
		nk = unorm2_getDecomposition(t->nfkd, c, dec, 32, &err);
		if (nk < 0 || U_FAILURE(err)) {
			feed(t, C_WORD, (uint32_t)c, 0, i, j);
			continue;
		}
		for (q = 0; q < nk;) {
			U16_NEXT(dec, q, nk, d);
			if (u_charType(d) == U_NON_SPACING_MARK) {
				continue;
			}
			cls = d < 0x80 ? ascii_class((unsigned)d, 0, &nl) :
			    uni_class((uint32_t)d, &nl);
			feed(t, cls, (uint32_t)d, nl, i, j);
		}
	}
}

/* See fts.h.  Returns 0 or the callback's first non-zero value; nothing
 * is allocated (ICU's normalisers are process-wide singletons). */
int hd_tokenize(const char *text, int n, int mode, void *ctx, hd_tok_cb cb)
{
	const unsigned char *u = (const unsigned char *)text;
	UErrorCode err = U_ZERO_ERROR;
	struct tk t;
	uint32_t cp;
	int32_t i = 0, j, k;
	int cls, nl, nseg;
	UChar32 uc;
	unsigned c;

	if (text == NULL || n <= 0) {
		return 0;
	}
	memset(&t, 0, sizeof t);
	t.mode = (mode & HD_TOK_QUERY) ? HD_TOK_QUERY : HD_TOK_DOCUMENT;
	t.plain = (mode & HD_TOK_PLAIN) != 0;
	t.aux = t.mode == HD_TOK_DOCUMENT && (mode & HD_TOK_AUX) != 0;
	t.ctx = ctx;
	t.cb = cb;
	if (t.mode == HD_TOK_QUERY && u[0] == (unsigned char)HD_LEAN) {
		t.lean = 1;
		i = 1;
		if (n > 2 && u[1] == (unsigned char)HD_LEAN_MASK &&
		    u[2] >= '0' && u[2] <= '7') {
			t.ask = ASK_MASK;
			t.mask = u[2] - '0';
			i += 2;
		} else if (n > 1 && u[1] == (unsigned char)HD_LEAN_LITERAL) {
			t.ask = ASK_LITERAL;
			i++;
		}
	}

	while (i < n && t.rc == 0) {
		c = u[i];
		if (c == (unsigned char)HD_PY_START &&
		    t.mode == HD_TOK_QUERY && !t.plain) {
			i = py_request(&t, text, i, n);
			continue;
		}
		if (c < 0x80) {
			if (c >= 'A' && c <= 'Z') {
				c += 'a' - 'A';
			}
			cls = ascii_class(c, i + 1 < n ? u[i + 1] : 0, &nl);
			feed(&t, cls, c, nl, i, i + 1);
			i++;
			continue;
		}
		k = i;
		U8_NEXT(u, k, n, uc);
		if (uc < 0) {
			/* one invalid byte at a time, each a separator */
			feed(&t, C_PUNCT, 0, 0, i, i + 1);
			i++;
			continue;
		}
		cp = (uint32_t)uc;
		k -= i;
		if (is_han_fast(cp)) {
			feed(&t, C_HAN, cp, 0, i, i + k);
			i += k;
			continue;
		}
		if (cp >= 0xFF01 && cp <= 0xFF5E) {
			/* Full-width ASCII: what NFKC_Casefold gives. */
			c = cp - 0xFEE0;
			if (c >= 'A' && c <= 'Z') {
				c += 'a' - 'A';
			}
			cls = ascii_class(c, 0, &nl);
			feed(&t, cls, c, nl, i, i + k);
			i += k;
			continue;
		}
		cls = fast_class(cp);
		if (cls >= 0) {
			feed(&t, cls, cp, 0, i, i + k);
			i += k;
			continue;
		}
		if (t.nfkc_cf == NULL) {
			t.nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
			t.nfkd = unorm2_getNFKDInstance(&err);
		}
		if (U_FAILURE(err)) {
			/* No ICU data: what needs it is a separator. */
			feed(&t, C_PUNCT, 0, 0, i, i + k);
			i += k;
			continue;
		}
		j = i + k;
		nseg = 1;
		while (nseg < SEG_MAX && !seg_boundary(&t, u + j, n - j)) {
			U8_NEXT(u, j, n, uc);
			nseg++;
		}
		fold_segment(&t, text, i, j);
		i = j;
	}
	word_end(&t);
	run_close(&t);
	return t.rc;
}

/* ------------------------------------------------------------- FTS5 */

/* The tokenizer has one setting, "plain" (HD_TOK_PLAIN), so every
 * instance is one of these two objects. */
static int tok_instance[2];

/* FTS5's xCreate: the tokenizer, or with the argument "plain" the one
 * without pairs or pinyin; SQLITE_ERROR for any other argument.  The two
 * instances are static (tok_instance): nothing is allocated. */
static int tok_create(void *udata, const char **argv, int argc,
	Fts5Tokenizer **out)
{
	(void)udata;
	*out = NULL;
	if (argc == 1 && strcmp(argv[0], "plain") == 0) {
		*out = (Fts5Tokenizer *)&tok_instance[1];
		return SQLITE_OK;
	}
	if (argc > 0) {
		return SQLITE_ERROR;
	}
	*out = (Fts5Tokenizer *)&tok_instance[0];
	return SQLITE_OK;
}

/* FTS5's xDelete: nothing to free (see tok_create). */
static void tok_delete(Fts5Tokenizer *tok)
{
	(void)tok;
}

/* See hd_fts_documents. */
static atomic_uint_fast64_t documents;

/* See fts.h. */
uint64_t hd_fts_documents(void)
{
	return atomic_load_explicit(&documents, memory_order_relaxed);
}

/* FTS5_TOKENIZE_AUX (highlight, snippet) must see the document's tokens,
 * so everything but a query is document mode; but those functions skip
 * colocated tokens (pairs and pinyin), so they are not made for them:
 * a snippet of a 300-character body then costs a third as much. */
static int tok_tokenize(Fts5Tokenizer *tok, void *ctx, int flags,
	const char *text, int n,
	int (*xToken)(void *, int, const char *, int, int, int))
{
	int mode;

	mode = (flags & FTS5_TOKENIZE_QUERY) ? HD_TOK_QUERY : HD_TOK_DOCUMENT;
	if (flags & FTS5_TOKENIZE_AUX) {
		mode |= HD_TOK_AUX;
	} else if (mode == HD_TOK_DOCUMENT) {
		atomic_fetch_add_explicit(&documents, 1, memory_order_relaxed);
	}
	if ((int *)tok == &tok_instance[1]) {
		mode |= HD_TOK_PLAIN;
	}
	return hd_tokenize(text, n, mode, ctx, xToken);
}

/* ------------------------------------------------------ snippets */

#define SNIP_TOKENS 24          /* positions a snippet shows */
#define SNIP_WIDEN_MAX 2        /* positions a phrase's mark may widen */

/* The positions of a column as highlighting reads it (FTS5_TOKENIZE_AUX:
 * one token a position, no colocated ones): their byte spans. */
struct snip_toks {
	int n, cap;
	int *start, *end;
};

/* The xToken callback that fills a struct snip_toks (p) with the byte
 * span of each position, colocated tokens passed over.  SQLITE_OK. */
static int snip_tok(void *p, int tflags, const char *tok, int ntok,
	int start, int end)
{
	struct snip_toks *t = p;

	(void)tok;
	(void)ntok;
	if (tflags & FTS5_TOKEN_COLOCATED) {
		return SQLITE_OK;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->start = hd_xrealloc(t->start, (size_t)t->cap *
			sizeof *t->start);
		t->end = hd_xrealloc(t->end, (size_t)t->cap * sizeof *t->end);
	}
	t->start[t->n] = start;
	t->end[t->n] = end;
	t->n++;
	return SQLITE_OK;
}

/* Text s[0..n) of a snippet into b, without the bytes HD_SNIP_OPEN and
 * HD_SNIP_CLOSE that mark its matches (a text of control characters
 * would make marks). */
static void snip_add(struct hd_buf *b, const char *s, int n)
{
	int i, run = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == HD_SNIP_OPEN || s[i] == HD_SNIP_CLOSE) {
			hd_buf_add(b, s + run, (size_t)(i - run));
			run = i + 1;
		}
	}
	hd_buf_add(b, s + run, (size_t)(n - run));
}

/* Positions [a, b] of a column to mark, for phrase ph. */
struct snip_span {
	int a, b, ph;
};

/* qsort order of snip_spans: by first position, then by last. */
static int by_span(const void *x, const void *y)
{
	const struct snip_span *p = x, *q = y;

	if (p->a != q->a) {
		return p->a < q->a ? -1 : 1;
	}
	return p->b < q->b ? -1 : p->b > q->b;
}

/* 1 when the text between two positions, g[0..n), ends a sentence as
 * FTS5's snippet() sees one: '.' or ':' and white space after it. */
static int sentence_gap(const char *g, int n)
{
	int i = n - 1;

	while (i >= 0 && strchr(" \t\r\n", g[i]) != NULL && g[i] != '\0') {
		i--;
	}
	return i >= 0 && i < n - 1 && (g[i] == '.' || g[i] == ':');
}

/* The score of the window of SNIP_TOKENS positions from ws (FTS5's
 * snippet(): 1000 for each phrase it shows, 1 for each further mark of
 * one), and in *adj where to start it so its marks sit in the middle. */
static int snip_score(const struct snip_span *v, int nv, char *seen,
	int nph, int ws, int npos, int *adj)
{
	int i, score = 0, first = -1, last = 0, a;

	memset(seen, 0, (size_t)nph);
	for (i = 0; i < nv; i++) {
		if (v[i].a < ws || v[i].a >= ws + SNIP_TOKENS) {
			continue;
		}
		score += seen[v[i].ph] ? 1 : 1000;
		seen[v[i].ph] = 1;
		if (first < 0) {
			first = v[i].a;
		}
		if (v[i].b + 1 > last) {
			last = v[i].b + 1;
		}
	}
	if (adj != NULL) {
		a = first < 0 ? ws : first - (SNIP_TOKENS - (last - first)) / 2;
		if (a + SNIP_TOKENS > npos) {
			a = npos - SNIP_TOKENS;
		}
		*adj = a < 0 ? 0 : a;
	}
	return score;
}

/* hd_snippet(table, column [, widen]): what FTS5's snippet(table, column,
 * char(1), char(2), '…', 24) gives (the 24 positions of the column that
 * show the most of the query's phrases, each mark between HD_SNIP_OPEN
 * and HD_SNIP_CLOSE), except that a first byte says where text was cut
 * (see fts.h) instead of a '…' there, and that the marks of phrase i
 * reach widen[2i] positions further left and widen[2i+1] further right
 * (digits; none when widen is shorter).  search.c walks with phrases of
 * trigrams (HD_LEAN), which stand at their characters' second position
 * and are one position shorter on each side than the characters they
 * match (a pinyin phrase, of pairs, is one short on the right); reading
 * the snippet with the same phrases, whose pages the walk has just read,
 * and widening their marks costs half of what a snippet of the pair
 * phrases does on a first search.  The window is chosen as
 * FTS5 chooses it, except that it is centred on the marks' full extent,
 * and a mark cut at its start shows the part inside; a mark of no bytes
 * is left out.  The result is NULL for a column without text, or an
 * error code when FTS5 fails; its text is a buffer SQLite frees, the
 * rest is freed before return. */
static void snippet_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
	sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	const char *text = NULL, *widen = NULL;
	struct snip_toks t = { 0, 0, NULL, NULL };
	struct snip_span *v = NULL, m;
	struct hd_buf b;
	const char mk[2] = { HD_SNIP_OPEN, HD_SNIP_CLOSE };
	char *seen = NULL, cut;
	int col, ntext = 0, ninst = 0, nv = 0, nph, i, j, ph, c, off, l, r;
	int best = 0, ws = 0, we, sc, adj, sent = 0, from, to, ms, me, rc;
	size_t nw = 0;

	if (nval < 1) {
		sqlite3_result_error(ctx, "hd_snippet: no column", -1);
		return;
	}
	col = sqlite3_value_int(val[0]);
	if (nval >= 2 && sqlite3_value_type(val[1]) == SQLITE_TEXT) {
		widen = (const char *)sqlite3_value_text(val[1]);
		nw = strlen(widen);
	}
	rc = api->xColumnText(fts, col, &text, &ntext);
	if (rc != SQLITE_OK || text == NULL || ntext == 0) {
		if (rc != SQLITE_OK) {
			sqlite3_result_error_code(ctx, rc);
		}
		return;
	}
	rc = api->xTokenize(fts, text, ntext, &t, snip_tok);
	if (rc == SQLITE_OK) {
		rc = api->xInstCount(fts, &ninst);
	}
	nph = api->xPhraseCount(fts);
	seen = hd_xcalloc((size_t)(nph > 0 ? nph : 1), 1);
	v = hd_xmalloc((size_t)(ninst > 0 ? ninst : 1) * sizeof *v);
	for (i = 0; rc == SQLITE_OK && i < ninst; i++) {
		rc = api->xInst(fts, i, &ph, &c, &off);
		if (rc != SQLITE_OK || c != col || off < 0 || off >= t.n ||
		    ph < 0 || ph >= nph) {
			continue;
		}
		l = (size_t)ph * 2 < nw ? widen[2 * ph] - '0' : 0;
		r = (size_t)ph * 2 + 1 < nw ? widen[2 * ph + 1] - '0' : 0;
		l = l < 0 || l > SNIP_WIDEN_MAX ? 0 : l;
		r = r < 0 || r > SNIP_WIDEN_MAX ? 0 : r;
		v[nv].a = off - l < 0 ? 0 : off - l;
		v[nv].b = off + api->xPhraseSize(fts, ph) - 1 + r;
		if (v[nv].b >= t.n) {
			v[nv].b = t.n - 1;
		}
		v[nv++].ph = ph;
	}
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		goto done;
	}
	qsort(v, (size_t)nv, sizeof *v, by_span);
	/* the window: each mark's, centred, or from the sentence it is in,
	 * the first such sentence counting a little more */
	for (i = 0; t.n > SNIP_TOKENS && i < nv; i++) {
		sc = snip_score(v, nv, seen, nph, v[i].a, t.n, &adj);
		if (sc > best) {
			best = sc;
			ws = adj;
		}
		for (j = v[i].a; j > sent; j--) {
			if (sentence_gap(text + t.end[j - 1], t.start[j] -
			    t.end[j - 1])) {
				break;
			}
		}
		sent = j;
		if (sent < v[i].a) {
			sc = snip_score(v, nv, seen, nph, sent, t.n, NULL) +
				(sent == 0 ? 120 : 100);
			if (sc > best) {
				best = sc;
				ws = sent;
			}
		}
	}
	/* the text of the window, the marks in it merged where they
	 * overlap by position or by bytes (NFKC makes tokens 1 and 2 of
	 * the one character ½, each spanning all of it); a mark the window
	 * cuts keeps the part it shows (FTS5 drops it at the start) */
	hd_buf_init(&b);
	we = ws + SNIP_TOKENS - 1 < t.n - 1 ? ws + SNIP_TOKENS - 1 : t.n - 1;
	cut = (char)('0' + (ws > 0 ? HD_SNIP_BEFORE : 0) +
		(we < t.n - 1 ? HD_SNIP_AFTER : 0));
	hd_buf_add(&b, &cut, 1);
	from = ws > 0 ? t.start[ws] : 0;
	for (i = 0; i < nv; i++) {
		m = v[i];
		while (i + 1 < nv && (v[i + 1].a <= m.b ||
		    t.start[v[i + 1].a] < t.end[m.b])) {
			if (v[++i].b > m.b) {
				m.b = v[i].b;
			}
		}
		if (m.b < ws || m.a > we) {
			continue;
		}
		m.a = m.a < ws ? ws : m.a;
		m.b = m.b > we ? we : m.b;
		ms = t.start[m.a] > from ? t.start[m.a] : from;
		me = t.end[m.b] > ms ? t.end[m.b] : ms;
		if (me == ms) {
			continue;
		}
		snip_add(&b, text + from, ms - from);
		hd_buf_add(&b, mk, 1);
		snip_add(&b, text + ms, me - ms);
		hd_buf_add(&b, mk + 1, 1);
		from = me;
	}
	to = we == t.n - 1 ? ntext : t.end[we];
	if (to > from) {
		snip_add(&b, text + from, to - from);
	}
	/* the result takes b's bytes (SQLite frees them), not a copy; -1:
	 * SQLite then knows they end with a NUL, and does not copy them to
	 * add one when the value is read as text */
	sqlite3_result_text(ctx, hd_buf_detach(&b), -1, free);
done:
	free(seen);
	free(v);
	free(t.start);
	free(t.end);
}

/* See fts.h.  The fts5_api pointer comes from "SELECT fts5(?1)" with
 * sqlite3_bind_pointer (the documented way; SQLite 3.40 has the v1
 * tokenizer API only).  Returns SQLITE_OK or an SQLite error code;
 * allocates nothing that outlives the call. */
int hd_fts_register(sqlite3 *db)
{
	static fts5_tokenizer tok = { tok_create, tok_delete, tok_tokenize };
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	pthread_once(&occ_once, occ_open);
	if (occ == (opencc_t)-1) {
		return SQLITE_ERROR;
	}
	hd_py_init();
	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		goto done;
	}
	rc = sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	if (rc != SQLITE_OK) {
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		goto done;
	}
	if (api == NULL || api->iVersion < 2) {
		rc = SQLITE_ERROR;
		goto done;
	}
	rc = api->xCreateTokenizer(api, "hongdang", NULL, &tok, NULL);
	if (rc == SQLITE_OK) {
		rc = api->xCreateFunction(api, "hd_boost", NULL, hd_boost_fn,
			NULL);
	}
	if (rc == SQLITE_OK) {
		rc = api->xCreateFunction(api, "hd_rank", NULL, hd_rank_fn,
			NULL);
	}
	if (rc == SQLITE_OK) {
		rc = api->xCreateFunction(api, "hd_snippet", NULL, snippet_fn,
			NULL);
	}
done:
	sqlite3_finalize(st);
	return rc;
}
