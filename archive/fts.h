/*
 * fts.h - the Chinese-aware FTS5 tokenizer "hongdang" and the Chinese
 * text helpers around it: traditional -> simplified folding and pinyin
 * (internal to archive/).
 *
 * Text is NFKC-normalised, case-folded and stripped of diacritics.  Han
 * (and other CJK) text is indexed as single characters and overlapping
 * pairs, so queries of one, two and more characters all match, and Han
 * text also as overlapping trigrams, which longer queries walk by; Latin
 * and digits become case-folded words.  A pair never spans punctuation or a
 * change of script; white space between two Han characters (OCR and PDF
 * text layers: "社 区 开设") does not break a pair.
 *
 * Every Han character is folded to its simplified form (OpenCC t2s, one
 * character at a time: 檔 -> 档, 黨 -> 党), in documents and queries
 * alike, so either form finds both; and the index keeps what was written
 * beside what it folds to, so that search.c can rank a record with the
 * query's own characters above one found only through folding.  Each Han
 * token (unigram, pair, trigram) is indexed as written; when a character
 * of it was written otherwise than folded (檔案), the folded token is
 * indexed beside it behind the byte HD_FOLD ("\x03档案": "marked").  A
 * token whose characters were all written as their folded forms (档案,
 * or 面 in 面積, which t2s keeps) is indexed once, unmarked.  So "档案"
 * is in the text that writes 档案, "檔案" in the text that writes 檔案,
 * "\x03档案" in the text that writes 檔案, 档案 or 檔案 (what folds to
 * 档案 and is not written so): a query of the folded token and the
 * marked one finds both scripts, one of the token as written finds the
 * text with the query's own characters.  Folding is idempotent (t2s is
 * applied until nothing changes), so a folded token never has a
 * character written otherwise and never equals a token as written that
 * has one.  The offsets stay those of the original characters, so
 * highlight() marks the document's own characters.
 *
 * Document mode (FTS5_TOKENIZE_DOCUMENT), for a Han run c0 c1 ... cn-1:
 *   position i: the unigram ci (primary token, offsets of ci); when
 *   i < n-1, the pair ci ci+1 as an FTS5_TOKEN_COLOCATED token, and when
 *   0 < i < n-1 the trigram ci-1 ci ci+1 (colocated, offsets of all
 *   three: at its middle character, where the tokenizer knows it); each
 *   as written, with its marked folded form colocated when that differs;
 *   for every pair, its pinyin: each combination of the two characters'
 *   toneless readings, concatenated, as HD_PY_START + "panyu" colocated
 *   at position i.  The control bytes cannot begin any other token (they
 *   are separators in text), so neither pinyin nor a marked token ever
 *   collides with a Latin word.
 *   (Indexes built before 2026-11-26 also hold each pair again at i+1,
 *   behind byte 0x02, only so that highlight() marked a pinyin phrase's
 *   last character; no query asks for those now, hd_snippet widens the
 *   mark as search.c tells it, and a small text is indexed about a tenth
 *   faster.  Indexes before schema version 8 hold every Han token folded
 *   and unmarked, none as written.)
 * Query mode (FTS5_TOKENIZE_QUERY), for the same run:
 *   n == 1: the unigram c0;
 *   n >= 2: the pairs c0c1 ... cn-2cn-1 at positions 0..n-2, then the
 *   unigram cn-1 at position n-1.  The trailing unigram changes nothing in
 *   what matches (a pair at i implies the unigram at i+1) but makes FTS5's
 *   highlight() cover the whole matched text.
 *   Each of these Han tokens is folded and given unmarked with the
 *   marked one colocated: FTS5 takes colocated query tokens as synonyms,
 *   so the phrase matches text in either script.  (A lean string may ask
 *   for less: see HD_LEAN.)
 *   A pinyin request, HD_PY_START followed by toneless syllables separated
 *   by apostrophes or spaces ("\x01pan'yu", written by search.c), becomes
 *   the pinyin pairs s0s1 ... at positions 0..n-2 (HD_PY_START): a
 *   phrase that matches the Han text read that way.  highlight() marks its
 *   first n-1 characters; hd_snippet widens the mark by the last.  One
 *   syllable alone matches nothing (one syllable stands for too many
 *   characters).
 * Latin/digit words are one primary token each in both modes.
 */
#ifndef HD_FTS_H
#define HD_FTS_H

#include <sqlite3.h>

#include <stddef.h>
#include <stdint.h>

#define HD_TOK_DOCUMENT 0
#define HD_TOK_QUERY 1
#define HD_TOK_PLAIN 2          /* or-ed in: no folding, no pinyin (the
                                   tokenizer as before them; FTS5 option
                                   tokenize='hongdang plain', for
                                   measuring their cost) */
#define HD_TOK_AUX 4            /* or-ed in with HD_TOK_DOCUMENT: only the
                                 * tokens that are not colocated (what
                                 * snippet() and highlight() look at) */

#define HD_TOK_COLOCATED 1    /* same value as FTS5_TOKEN_COLOCATED */
#define HD_TOK_MAX 128        /* bytes: longer Latin words are cut */

#define HD_PY_START '\x01'    /* pinyin pair token at the pair's start */
#define HD_FOLD '\x03'        /* a Han token some of whose characters were
                                 written otherwise than folded */

/* 1 for a code point of the CJK Unified Ideographs blocks (base and
 * extensions A-I): what search.c may write as a lean string. */
int hd_is_han(uint32_t cp);
/* The code point s[0..n) is made of, or -1 when it is not exactly one
 * valid UTF-8 character (ICU's U8_NEXT). */
int32_t hd_one_char(const char *s, int n);

/* A query text that begins with HD_LEAN and is one run of Han characters
 * (search.c writes nothing else so) gives a run of two CJK
 * characters as their pair alone, without the trailing character, and a
 * run of three or more as its trigrams c0c1c2 ... cn-3cn-2cn-1 at
 * positions 0..n-3: the same records match (a pair is indexed only where
 * its second character follows, a trigram where all three do), but the
 * phrase is shorter than the characters it covers, so highlight() would
 * miss some; search.c walks with it and makes its snippets with it too,
 * by hd_snippet, which widens the marks to the characters.  The
 * trailing character of 社的 is 的, whose doclist is every record's,
 * positions and all: the walk then reads that too; and the pairs of
 * 的的了的 are each in nearly every record, where its trigrams are in a
 * tenth of them.
 * The bytes after HD_LEAN may choose which of the tokens of either
 * script the string asks for (without them, the unmarked and marked
 * ones, colocated): HD_LEAN_MASK and a digit '0' to '7', for each Han
 * token of the string in order (bit i for token i), the marked one when
 * its bit is set, else the unmarked one (text written with the folded
 * characters themselves): of the 2^k masks of a string of k tokens
 * exactly one matches a given text, '0' the text written as typed;
 * HD_LEAN_LITERAL the characters as written, not folded (text written
 * with those very characters).  search.c writes a word as such strings
 * joined by OR, to tell apart how a record matched it (hd_rank's roles).
 */
#define HD_LEAN '\x04'
#define HD_LEAN_MASK '\x05'
#define HD_LEAN_LITERAL '\x06'

/* Called once per token: tflags is 0 or HD_TOK_COLOCATED, tok/ntok the
 * token text (not NUL-terminated), start/end the byte offsets of the
 * original text it came from.  A non-zero return stops tokenizing and is
 * returned by hd_tokenize. */
typedef int (*hd_tok_cb)(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end);

/* Tokenize text[0..n) in mode HD_TOK_DOCUMENT or HD_TOK_QUERY (with
 * HD_TOK_PLAIN or-ed in, neither folding nor pinyin).  Invalid
 * UTF-8 bytes are skipped as separators.  Returns 0 or the callback's
 * non-zero value. Allocates nothing that outlives the call. */
int hd_tokenize(const char *text, int n, int mode, void *ctx, hd_tok_cb cb);

/* The roles of the phrases of an expression, for hd_rank(table,
 * quality, lean, roles) (rank.c): one byte HD_ROLE_FIELDS or
 * HD_ROLE_EXACT, then one letter per phrase, in the order FTS5 numbers
 * them: 'n' a phrase whose match says nothing of the script (pinyin, a
 * Latin word, anything not written as alternatives: taken as exact),
 * 'e' an alternative that matches the query's own characters, 'f' one
 * that matches only through folding, 'm' one that marks where the
 * query's own characters are, in text another alternative of the same
 * word also matches (its matches are not counted again).  A capital
 * letter begins a word, a small one is another alternative of the word
 * before it; alternatives of a word are next to each other.  A phrase
 * past the end of the string is 'N'.  HD_ROLE_FIELDS: a record whose best
 * field (title, meta, body) has the query's own characters ranks above
 * one that matched the same field only through folding; HD_ROLE_EXACT
 * (a query of single characters): above every record that matched only
 * through folding, whatever the field. */
#define HD_ROLE_FIELDS '0'
#define HD_ROLE_EXACT '1'

/* The FTS5 auxiliary functions hd_boost() and hd_rank() (rank.c), which
 * hd_fts_register registers. */
void hd_boost_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
	sqlite3_context *ctx, int nval, sqlite3_value **val);
void hd_rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
	sqlite3_context *ctx, int nval, sqlite3_value **val);

/* 1 when rank, a value of hd_rank(), is of a record that has the query's
 * own characters (every word of it, as written, in the field it ranks by;
 * a query without roles: every record). */
int hd_rank_exact(double rank);

/* Register the tokenizer as "hongdang", the ranking functions hd_rank()
 * and hd_boost() and the snippet function hd_snippet() on db (see
 * fts.c).  Prepares the process-wide tables on first use (thread-safe).
 * Returns SQLITE_OK, or SQLITE_ERROR when OpenCC's
 * t2s.json cannot be opened: an index built without folding would not
 * match queries folded later, so the tokenizer refuses to run without it.
 */
int hd_fts_register(sqlite3 *db);

/* The value of hd_snippet() (fts.c), which hd_snippet_read turns into a
 * struct hd_snippet: one byte, '0' plus HD_SNIP_BEFORE when the window
 * starts after the column's start and HD_SNIP_AFTER when it ends before
 * the column's end; then the window's text, each mark between
 * HD_SNIP_OPEN and HD_SNIP_CLOSE (bytes hd_snippet drops from the text
 * itself).  NULL for a column without text. */
#define HD_SNIP_BEFORE 1
#define HD_SNIP_AFTER 2
#define HD_SNIP_OPEN '\x01'
#define HD_SNIP_CLOSE '\x02'

struct hd_snippet;
/* Fill s from raw[0..n), a value of hd_snippet() (raw NULL: an empty
 * text, no marks, no cuts), in one allocation (snippet.c): s->text, with
 * s->marks after it; free(s->text) frees both.  A mark is opened by the
 * first HD_SNIP_OPEN and closed by the next HD_SNIP_CLOSE (one left open
 * ends with the text); one of no bytes is dropped, and so is a stray
 * HD_SNIP_CLOSE. */
void hd_snippet_read(struct hd_snippet *s, const char *raw, size_t n);

/* Texts the "hongdang" tokenizer has indexed in this process (each column
 * of each row FTS5 gives it in document mode, snippets not counted), for
 * the progress of a rebuild of the index. */
uint64_t hd_fts_documents(void);

/* The simplified form of Han character cp: OpenCC t2s applied to the
 * character alone until it no longer changes (so folding is idempotent);
 * cp itself when OpenCC maps it to several characters or is missing.
 * Each character is converted once per process, then cached. */
uint32_t hd_han_fold(uint32_t cp);

/* ------------------------------------------------ pinyin (pinyin.c) */

#define HD_PY_MAX 4             /* readings kept per character */
#define HD_PY_VARIANTS 4        /* readings of a term (hd_py_term) */
#define HD_PY_WORD_MAX 64       /* letters of a word hd_py_segment takes */
#define HD_PY_SEGBUF (2 * HD_PY_WORD_MAX)
#define HD_PY_SEG_MAX 8         /* segmentations of one word, at most */
#define HD_PY_PERSON 1          /* hd_py_term: the term is a name */

/* Load the readings tables once (also done by every function below). */
void hd_py_init(void);

/* Readings of the folded Han character cp: up to HD_PY_MAX values
 * (syllable id << 3 | tone 1-5), most used first; returns their number,
 * 0 for a character without a Mandarin reading. */
int hd_py_readings(uint32_t cp, uint16_t out[HD_PY_MAX]);

/* Readings of a character as written (orig) and of its folded form:
 * those of orig first (乾 qián, then 干 gān), without repeats, at most
 * HD_PY_MAX.  Folding must not lose a reading: 乾隆 is qián lóng though
 * 乾 folds to 干. */
int hd_py_readings2(uint32_t orig, uint32_t folded,
	uint16_t out[HD_PY_MAX]);

/* Token spelling of a syllable id: toneless, ü written u ("lu" for lü);
 * "" for an unknown id.  Static storage. */
const char *hd_py_syllable(int id);

/* The reading rd (as from hd_py_readings) with its tone mark: "pān",
 * "lǜ", "de".  out: 16 bytes. */
void hd_py_toned(uint16_t rd, char out[16]);

/* Every complete segmentation of the ASCII letters w[0..n) (any case; v
 * stands for ü) into syllables, longest syllables first, at most max:
 * each written to out[i] as token spellings joined by apostrophes
 * ("dang'an", then "dan'gan").  Returns how many (0 when w is not pinyin
 * or longer than HD_PY_WORD_MAX).  Allocates nothing. */
int hd_py_segment(const char *w, size_t n, char out[][HD_PY_SEGBUF],
	int max);

/* A term (title, name, place, subject) read aloud, for suggestions. */
struct hd_py_term {
	char *chars;            /* folded text without separators: "番禺" */
	char *pinyin[HD_PY_VARIANTS];   /* "panyu", then other readings */
	int npinyin;            /* >= 1 */
	char *initials[HD_PY_VARIANTS]; /* "py", ... */
	int ninitials;
	char *display;          /* "pān yú"; NULL when the term has no Han */
};
/* Read s (UTF-8): variant 0 uses each character's usual reading, or the
 * reading of a table word it belongs to (番禺 pān yú), or for flags
 * HD_PY_PERSON a surname's (区 ōu); the next ones read one polyphonic
 * character otherwise.  Fills *t (release with hd_py_term_release). */
int hd_py_term(const char *s, int flags, struct hd_py_term *t);
void hd_py_term_release(struct hd_py_term *t);

#endif
