/*
 * fts.h - the Chinese-aware FTS5 tokenizer "hongdang" (internal to
 * archive/).
 *
 * Text is NFKC-normalised, case-folded and stripped of diacritics.  Han
 * (and other CJK) text is indexed as single characters and overlapping
 * pairs, so queries of one, two and more characters all match; Latin and
 * digits become case-folded words.  A pair never spans punctuation or a
 * change of script; white space between two Han characters (OCR and PDF
 * text layers: "社 区 开设") does not break a pair.
 *
 * Document mode (FTS5_TOKENIZE_DOCUMENT), for a Han run c0 c1 ... cn-1:
 *   position i: the unigram ci (primary token, offsets of ci) and, when
 *   i < n-1, the pair ci ci+1 as an FTS5_TOKEN_COLOCATED token.
 * Query mode (FTS5_TOKENIZE_QUERY), for the same run:
 *   n == 1: the unigram c0;
 *   n >= 2: the pairs c0c1 ... cn-2cn-1 at positions 0..n-2, then the
 *   unigram cn-1 at position n-1.  The trailing unigram changes nothing in
 *   what matches (a pair at i implies the unigram at i+1) but makes FTS5's
 *   highlight() cover the whole matched text.
 * Latin/digit words are one primary token each in both modes.
 */
#ifndef HD_FTS_H
#define HD_FTS_H

#include <sqlite3.h>

#define HD_TOK_DOCUMENT 0
#define HD_TOK_QUERY 1

#define HD_TOK_COLOCATED 1    /* same value as FTS5_TOKEN_COLOCATED */
#define HD_TOK_MAX 128        /* bytes: longer Latin words are cut */

/* Called once per token: tflags is 0 or HD_TOK_COLOCATED, tok/ntok the
 * token text (not NUL-terminated), start/end the byte offsets of the
 * original text it came from.  A non-zero return stops tokenizing and is
 * returned by hd_tokenize. */
typedef int (*hd_tok_cb)(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end);

/* Tokenize text[0..n) in mode HD_TOK_DOCUMENT or HD_TOK_QUERY.  Invalid
 * UTF-8 bytes are skipped as separators.  Returns 0 or the callback's
 * non-zero value. Allocates nothing that outlives the call. */
int hd_tokenize(const char *text, int n, int mode, void *ctx, hd_tok_cb cb);

/* Register the tokenizer as "hongdang" on db.  Returns SQLITE_OK or an
 * SQLite error code. */
int hd_fts_register(sqlite3 *db);

#endif
