/*
 * test_fts.c - unit test of the "hongdang" tokenizer (archive/fts.c).
 *
 * Part one is a table: each row tokenizes an input in document (D) or
 * query (Q) mode and compares the token stream with a string.  Tokens are
 * separated by one space; a leading '+' marks an FTS5_TOKEN_COLOCATED
 * token; when the expected string holds an '@', every token is written
 * "tok@start-end" with its byte offsets in the original input, so those
 * rows check offsets as well.  Part two drives SQLite: an in-memory FTS5
 * table using the tokenizer, with MATCH and highlight() checked.
 *
 * Prints "PASS name" or "FAIL name: why got <...>" per check; exits 1 when
 * any check fails.  Needs nothing from libhd but fts.c.
 */
#include "../../archive/fts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
	const char *name;
	int mode;               /* 'D' document, 'Q' query */
	const char *in;
	int nin;                /* bytes of in; 0: strlen */
	const char *want;
	const char *why;
};

#define A8 "aaaaaaaa"
#define A32 A8 A8 A8 A8
#define A128 A32 A32 A32 A32
#define O8 "øøøøøøøø"
#define O63 O8 O8 O8 O8 O8 O8 O8 "øøøøøøø"

static const struct row rows[] = {
	{ "han_1", 'D', "档", 0, "档@0-3",
		"one character is one unigram" },
	{ "han_2", 'D', "社区", 0, "社@0-3 +社区@0-6 区@3-6",
		"unigrams plus the pair colocated at the first position" },
	{ "han_4", 'D', "前锋社区", 0, "前 +前锋 锋 +锋社 社 +社区 区",
		"every overlapping pair, colocated with its first character" },
	{ "query_1", 'Q', "档", 0, "档@0-3",
		"a one-character query is its unigram" },
	{ "query_2", 'Q', "社区", 0, "社区@0-6 区@3-6",
		"pair, then the trailing unigram" },
	{ "query_4", 'Q', "前锋社区", 0,
		"前锋@0-6 锋社@3-9 社区@6-12 区@9-12",
		"pairs at 0..n-2 and the last unigram at n-1" },
	{ "punct_doc", 'D', "社区。党员", 0, "社 +社区 区 党 +党员 员",
		"a full stop ends the run: no pair 区党" },
	{ "punct_query", 'Q', "社区。党员", 0, "社区 区 党员 员",
		"query runs end at punctuation too" },
	{ "punct_cn", 'D', "“档案”《红档》（一）、：；？！", 0,
		"档 +档案 案 红 +红档 档 一",
		"Chinese quotes, brackets and stops all break runs" },
	{ "space_bridge", 'D', "社 区 开设", 0,
		"社@0-3 +社区@0-7 区@4-7 +区开@4-11 开@8-11 +开设@8-14 "
		"设@11-14",
		"OCR spaces between Han characters do not break a pair" },
	{ "space_kinds", 'D', "社\u3000区\t开\n设", 0,
		"社 +社区 区 +区开 开 +开设 设",
		"ideographic space, tab and one newline bridge pairs" },
	{ "space_crlf", 'D', "社\r\n区", 0, "社 +社区 区",
		"CR LF is one newline" },
	{ "para_break", 'D', "社\n\n区", 0, "社 区",
		"a blank line (paragraph) breaks the run" },
	{ "para_break_crlf", 'D', "社\r\n \r\n区", 0, "社 区",
		"a blank CR LF line breaks the run" },
	{ "para_sep", 'D', "社\u2029区", 0, "社 区",
		"U+2029 PARAGRAPH SEPARATOR breaks the run" },
	{ "space_query", 'Q', "社 区 开设", 0, "社区 区开 开设 设",
		"query side bridges spaces the same way" },
	{ "mixed_year", 'D', "2023年党员", 0,
		"2023@0-4 年@4-7 +年党@4-10 党@7-10 +党员@7-13 员@10-13",
		"digits are a word; Han after it starts a new run" },
	{ "mixed_year_q", 'Q', "2023年党员", 0, "2023 年党 党员 员",
		"query mode on mixed text" },
	{ "latin_inside", 'D', "社区abc党员", 0,
		"社 +社区 区 abc 党 +党员 员",
		"a Latin word between Han runs: no pair across it" },
	{ "han_space_latin", 'D', "社区 ABC", 0, "社 +社区 区 abc",
		"space between Han and Latin is a plain separator" },
	{ "fullwidth", 'D', "ＡＢＣ１２３", 0, "abc123@0-18",
		"full-width forms fold to ASCII, offsets on the original" },
	{ "fullwidth_punct", 'D', "ＡＢ，ＣＤ", 0, "ab cd",
		"full-width comma is punctuation" },
	{ "cafe", 'D', "Café", 0, "cafe@0-5",
		"precomposed é loses its accent" },
	{ "cafe_nfd", 'D', "Cafe\xcc\x81 au lait", 0,
		"cafe@0-6 au@7-9 lait@10-14",
		"a combining accent after ASCII is dropped, span includes it" },
	{ "cafe_upper", 'Q', "CAFÉ", 0, "cafe", "case folding and accent" },
	{ "sharp_s", 'D', "Straße", 0, "strasse@0-7",
		"case folding expands ß" },
	{ "latin_ext", 'D', "Ærøskøbing Łódź", 0, "ærøskøbing łodz",
		"letters without a decomposition stay, marks go" },
	{ "traditional", 'D', "檔案館", 0, "檔 +檔案 案 +案館 館",
		"traditional characters unchanged until han_fold maps them" },
	{ "compat_ideo", 'D', "\xef\xa4\x80", 0, "豈@0-3",
		"U+F900 compatibility ideograph folds to U+8C48" },
	{ "square_kabu", 'D', "㍿", 0,
		"株@0-3 +株式@0-3 式@0-3 +式会@0-3 会@0-3 +会社@0-3 社@0-3",
		"one code point folding to four Han keeps its span on each" },
	{ "ling", 'D', "二〇二三", 0, "二 +二〇 〇 +〇二 二 +二三 三",
		"〇 U+3007 is Han" },
	{ "ext_b", 'D', "𠀀𠀁", 0, "𠀀@0-4 +𠀀𠀁@0-8 𠀁@4-8",
		"extension B ideographs (4-byte UTF-8) pair" },
	{ "circled", 'D', "第①条", 0, "第 1 条",
		"① folds to a digit, which is a word between Han" },
	{ "invalid", 'D', "\xff社\xfe区\xc3", 0, "社@1-4 区@5-8",
		"invalid bytes are separators and break the run" },
	{ "invalid_latin", 'D', "ab\x80" "cd", 0, "ab@0-2 cd@3-5",
		"a stray continuation byte splits a word" },
	{ "invalid_seq", 'D', "\xc0\xaf\xed\xa0\x80社\xe5\x8c", 0, "社@5-8",
		"overlong, surrogate and truncated sequences are skipped" },
	{ "nul", 'D', "ab\0cd", 5, "ab cd", "NUL is a separator" },
	{ "empty", 'D', "", 0, "", "empty input gives no token" },
	{ "only_punct", 'Q', "。，！ ...", 0, "", "nothing to index" },
	{ "long_word", 'D', A128 A32 A32 A8, 0, A128 "@0-200",
		"a 200-byte word is cut to HD_TOK_MAX, span covers all" },
	{ "long_word_utf8", 'D', "a" O8 O8 O8 O8 O8 O8 O8 O8 O8, 0,
		"a" O63 "@0-145",
		"a word is cut on a character boundary (127 bytes)" },
	{ "emoji", 'D', "社区🎉党员", 0, "社 +社区 区 党 +党员 员",
		"emoji are dropped and break the run" },
	{ "symbols", 'D', "♥abc★ 👍🏽x ©2024", 0, "abc x 2024",
		"symbols and skin-tone modifiers are dropped" },
	{ "zwsp", 'D', "社\u200b区", 0, "社 +社区 区",
		"zero-width space folds to nothing" },
	{ "soft_hyphen", 'D', "co\u00adop", 0, "coop@0-6",
		"soft hyphen folds to nothing inside a word" },
	{ "kana", 'D', "東京タワー", 0, "東 +東京 京 タ +タワ ワ +ワー ー",
		"kana is a run of its own: no pair 京タ" },
	{ "kana_q", 'Q', "東京タワー", 0, "東京 京 タワ ワー ー",
		"query mode per script run" },
	{ "halfwidth_kana", 'D', "ｶﾞｷﾞ", 0, "ガ@0-6 +ガギ@0-12 ギ@6-12",
		"half-width kana with voiced mark compose (NFKC)" },
	{ "hangul", 'D', "한글漢字", 0, "한 +한글 글 漢 +漢字 字",
		"no pair across Hangul and Han" },
	{ "hangul_jamo", 'D', "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", 0,
		"한@0-9", "conjoining jamo compose into one syllable" },
	{ "cyrillic", 'D', "Москва", 0, "москва", "other alphabets fold case" },
	{ "greek", 'D', "Αθήνα", 0, "αθήνα",
		"only Latin loses its diacritics" },
	{ "devanagari", 'D', "हिन्दी", 0, "हिन्दी",
		"combining vowel signs stay inside a non-Latin word" },
	{ "decimal", 'Q', "3.14 e-mail", 0, "3 14 e mail",
		"ASCII punctuation splits words" },
};

struct out {
	char s[8192];
	size_t n;
	int offsets;            /* render tok@start-end */
	int bad;                /* an invariant failed */
	int ntext;
};

static int collect(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end)
{
	struct out *o = ctx;
	int k;

	if (start < 0 || end > o->ntext || start > end || ntok < 1 ||
	    ntok > HD_TOK_MAX) {
		o->bad = 1;
	}
	k = snprintf(o->s + o->n, sizeof o->s - o->n, "%s%s%.*s",
		o->n ? " " : "", (tflags & HD_TOK_COLOCATED) ? "+" : "",
		ntok, tok);
	if (k > 0 && (size_t)k < sizeof o->s - o->n) {
		o->n += (size_t)k;
	}
	if (o->offsets) {
		k = snprintf(o->s + o->n, sizeof o->s - o->n, "@%d-%d",
			start, end);
		if (k > 0 && (size_t)k < sizeof o->s - o->n) {
			o->n += (size_t)k;
		}
	}
	return 0;
}

static int nfail;

static void check(const char *name, int ok, const char *why,
	const char *got)
{
	if (ok) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: %s got <%s>\n", name, why, got);
		nfail++;
	}
}

static void run_rows(void)
{
	size_t i;
	struct out o;
	int n, rc;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];

		memset(&o, 0, sizeof o);
		n = r->nin ? r->nin : (int)strlen(r->in);
		o.ntext = n;
		o.offsets = strchr(r->want, '@') != NULL;
		rc = hd_tokenize(r->in, n, r->mode == 'Q' ? HD_TOK_QUERY :
			HD_TOK_DOCUMENT, &o, collect);
		if (o.bad) {
			check(r->name, 0, "offsets or length out of bounds",
				o.s);
		} else {
			check(r->name, rc == 0 && strcmp(o.s, r->want) == 0,
				r->why, o.s);
		}
	}
}

/* A callback that stops after two tokens. */
static int stop_after_two(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end)
{
	int *count = ctx;

	(void)tflags;
	(void)tok;
	(void)ntok;
	(void)start;
	(void)end;
	return ++*count >= 2 ? 7 : 0;
}

static void run_stop(void)
{
	char got[64];
	int count = 0, rc;

	rc = hd_tokenize("一二三四五 abc def", 23, HD_TOK_DOCUMENT, &count,
		stop_after_two);
	snprintf(got, sizeof got, "rc=%d calls=%d", rc, count);
	check("callback_stop", rc == 7 && count == 2,
		"a non-zero callback return stops and is returned", got);
	rc = hd_tokenize(NULL, 0, HD_TOK_QUERY, &count, stop_after_two);
	snprintf(got, sizeof got, "rc=%d", rc);
	check("null_text", rc == 0, "NULL text with n=0 is empty", got);
}

/* ------------------------------------------------------------- SQL */

static const char *docs[][2] = {
	{ "番禺风貌", "前锋社区开设夜校，档案室在二楼。" },
	{ "党员名册", "社区。党员大会在番禺举行" },
	{ "档案室", "社 区 开设 夜校" },
	{ "Photo Café", "Old photos of the market" },
};

/* Rowids matching q, as "1,3"; "error: ..." when the query fails. */
static void match_ids(sqlite3 *db, const char *q, char *out, size_t n)
{
	sqlite3_stmt *st;
	size_t len = 0;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1"
	    " ORDER BY rowid", -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, n, "error: %s", sqlite3_errmsg(db));
		return;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && len + 24 < n) {
		len += (size_t)snprintf(out + len, n - len, "%s%lld",
			len ? "," : "", sqlite3_column_int64(st, 0));
	}
	if (sqlite3_errcode(db) != SQLITE_OK &&
	    sqlite3_errcode(db) != SQLITE_DONE &&
	    sqlite3_errcode(db) != SQLITE_ROW) {
		snprintf(out, n, "error: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
}

/* highlight(t, col, '[', ']') of row id for query q. */
static void highlight(sqlite3 *db, const char *q, int col, int id,
	char *out, size_t n)
{
	sqlite3_stmt *st;

	snprintf(out, n, "(no row)");
	if (sqlite3_prepare_v2(db, "SELECT highlight(t, ?2, '[', ']') FROM t"
	    " WHERE t MATCH ?1 AND rowid = ?3", -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, n, "error: %s", sqlite3_errmsg(db));
		return;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, col);
	sqlite3_bind_int(st, 3, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s",
			(const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
}

static const struct {
	const char *name, *q, *want, *why;
} matches[] = {
	{ "sql_panyu", "番禺", "1,2", "two-character word in title and body" },
	{ "sql_dang", "档", "1,3", "a single character finds its unigram" },
	{ "sql_qianfeng", "前锋社区", "1", "four characters as a phrase" },
	{ "sql_qudang", "区党", "", "no pair across 。 in 社区。党员" },
	{ "sql_shequ", "社区", "1,2,3", "OCR-spaced 社 区 matches too" },
	{ "sql_kaishe", "社区开设", "1,3", "phrase across OCR spaces" },
	{ "sql_prefix", "番*", "1,2", "prefix query on a unigram" },
	{ "sql_cafe", "CAFE", "4", "Latin folded on both sides" },
	{ "sql_cafe_acc", "café", "4", "accent dropped in the query too" },
	{ "sql_mixed", "档案 AND 夜校", "1,3", "boolean AND of two pairs" },
	{ "sql_none", "夜档", "", "characters present but not adjacent" },
};

static const struct {
	const char *name, *q;
	int col, id;
	const char *want, *why;
} highlights[] = {
	{ "hl_qianfeng", "前锋社区", 1, 1, "[前锋社区]开设夜校，档案室在二楼。",
		"the whole four characters and nothing else" },
	{ "hl_dang", "档", 1, 1, "前锋社区开设夜校，[档]案室在二楼。",
		"one character highlighted exactly" },
	{ "hl_ocr", "社区开设", 1, 3, "[社 区 开设] 夜校",
		"the match spans the OCR spaces" },
	{ "hl_pair", "番禺", 0, 2, "党员名册", "no match in the title" },
	{ "hl_pair_body", "番禺", 1, 2, "社区。党员大会在[番禺]举行",
		"a two-character match" },
	{ "hl_cafe", "cafe", 0, 4, "Photo [Café]",
		"highlight keeps the original accented text" },
};

static void run_sql(void)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char got[512];
	size_t i;
	int rc;

	rc = sqlite3_open(":memory:", &db);
	if (rc == SQLITE_OK) {
		rc = hd_fts_register(db);
	}
	snprintf(got, sizeof got, "rc=%d", rc);
	check("sql_register", rc == SQLITE_OK, "hd_fts_register", got);
	if (rc != SQLITE_OK) {
		goto done;
	}
	rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body,"
		" tokenize='hongdang')", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(db, "INSERT INTO t(rowid, title, body)"
			" VALUES (?1, ?2, ?3)", -1, &st, NULL);
	}
	for (i = 0; rc == SQLITE_OK && i < sizeof docs / sizeof docs[0];
	    i++) {
		sqlite3_bind_int(st, 1, (int)i + 1);
		sqlite3_bind_text(st, 2, docs[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, docs[i][1], -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	snprintf(got, sizeof got, "%s", sqlite3_errmsg(db));
	check("sql_create", rc == SQLITE_OK,
		"create the table and insert the documents", got);
	if (rc != SQLITE_OK) {
		goto done;
	}
	for (i = 0; i < sizeof matches / sizeof matches[0]; i++) {
		match_ids(db, matches[i].q, got, sizeof got);
		check(matches[i].name, strcmp(got, matches[i].want) == 0,
			matches[i].why, got);
	}
	for (i = 0; i < sizeof highlights / sizeof highlights[0]; i++) {
		highlight(db, highlights[i].q, highlights[i].col,
			highlights[i].id, got, sizeof got);
		check(highlights[i].name, strcmp(got, highlights[i].want) == 0,
			highlights[i].why, got);
	}
	rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE u USING fts5(x,"
		" tokenize='hongdang nonsense')", NULL, NULL, NULL);
	snprintf(got, sizeof got, "rc=%d", rc);
	check("sql_args", rc != SQLITE_OK, "the tokenizer takes no options",
		got);
done:
	sqlite3_close(db);
}

int main(void)
{
	run_rows();
	run_stop();
	run_sql();
	return nfail ? 1 : 0;
}
