/*
 * test_fts.c - unit test of the "hongdang" tokenizer (archive/fts.c).
 *
 * Part one is a table: each row tokenizes an input in document (D) or
 * query (Q) mode and compares the token stream with a string.  Tokens are
 * separated by one space; a leading '+' marks an FTS5_TOKEN_COLOCATED
 * token; when the expected string holds an '@', every token is written
 * "tok@start-end" with its byte offsets in the original input, so those
 * rows check offsets as well.  Pinyin tokens are written with '^' for
 * HD_PY_START in place of the control byte (and '$' for byte 0x02,
 * which older versions put before each pair again at its second
 * character: nothing may emit it now), and only in rows whose name
 * begins "py_": the other rows check the
 * characters and words alone.  A token of folded characters some of
 * which were written otherwise is written with '~' for HD_FOLD; in query
 * mode such tokens are synonyms of every Han token, shown only in rows
 * whose name begins "fold_".  Part two drives SQLite: an in-memory FTS5
 * table using the tokenizer, with MATCH and highlight() checked.
 *
 * Prints "PASS name" or "FAIL name: why (got ...)" per check (check.h);
 * exits 1 when any check fails.  Needs fts.c and pinyin.c (and OpenCC's data).
 */
#include "../../archive/fts.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
	const char *name;
	int mode;               /* 'D' document, 'Q' query; 'P', 'p' the
	                           same with HD_TOK_PLAIN */
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
	{ "han_4", 'D', "前锋社区", 0,
		"前 +前锋 锋 +锋社 +前锋社 社 +社区 +锋社区 区",
		"every overlapping pair, colocated with its first character; "
		"every trigram, colocated with its middle one" },
	{ "query_1", 'Q', "档", 0, "档@0-3",
		"a one-character query is its unigram" },
	{ "lean_1", 'Q', "\x04档", 0, "档@1-4",
		"lean (search.c's walk): one character is its unigram" },
	{ "lean_2", 'Q', "\x04社区", 0, "社区@1-7",
		"lean: two characters are their pair, no trailing unigram" },
	{ "lean_3", 'Q', "\x04前锋社", 0, "前锋社@1-10",
		"lean: three characters are their trigram" },
	{ "lean_4", 'Q', "\x04的的了的", 0, "的的了@1-10 的了的@4-13",
		"lean: four characters are two trigrams, one position apart "
		"(as in documents: each at its middle character)" },
	{ "lean_kana", 'Q', "\x04タワー", 0, "タワ ワー ー",
		"lean applies to Han runs only (no kana trigrams are indexed)" },
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
		"社@0-3 +社区@0-7 区@4-7 +区开@4-11 +社区开@0-11 开@8-11 "
		"+开设@8-14 +区开设@4-14 设@11-14",
		"OCR spaces between Han characters do not break a pair" },
	{ "space_kinds", 'D', "社\u3000区\t开\n设", 0,
		"社 +社区 区 +区开 +社区开 开 +开设 +区开设 设",
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
		"2023@0-4 年@4-7 +年党@4-10 党@7-10 +党员@7-13 +年党员@4-13 "
		"员@10-13",
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
	{ "traditional", 'D', "檔案館", 0,
		"檔 +~档 +檔案 +~档案 案 +案館 +~案馆 +檔案館 +~档案馆 館 +~馆",
		"traditional characters fold to simplified (OpenCC): each "
		"unigram, pair and trigram kept as written, with its folded "
		"form marked (HD_FOLD) beside it" },
	{ "compat_ideo", 'D', "\xef\xa4\x80", 0, "豈@0-3 +~岂@0-3",
		"U+F900 folds to U+8C48 豈 (NFKC), kept so, then to 岂 (OpenCC), "
		"marked" },
	{ "square_kabu", 'D', "㍿", 0,
		"株@0-3 +株式@0-3 式@0-3 +式会@0-3 +株式会@0-3 会@0-3 "
		"+会社@0-3 +式会社@0-3 社@0-3",
		"one code point folding to four Han keeps its span on each" },
	{ "ling", 'D', "二〇二三", 0, "二 +二〇 〇 +〇二 +二〇二 二 +二三 +〇二三 三",
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
	{ "kana", 'D', "東京タワー", 0,
		"東 +~东 +東京 +~东京 京 タ +タワ ワ +ワー ー",
		"kana is a run of its own: no pair 京タ (東 folds to 东); "
		"trigrams are of Han runs only" },
	{ "kana_q", 'Q', "東京タワー", 0, "东京 京 タワ ワー ー",
		"query mode per script run" },
	{ "halfwidth_kana", 'D', "ｶﾞｷﾞ", 0, "ガ@0-6 +ガギ@0-12 ギ@6-12",
		"half-width kana with voiced mark compose (NFKC)" },
	{ "hangul", 'D', "한글漢字", 0,
		"한 +한글 글 漢 +~汉 +漢字 +~汉字 字",
		"no pair across Hangul and Han (漢 folds to 汉)" },
	{ "hangul_jamo", 'D', "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", 0,
		"한@0-9", "conjoining jamo compose into one syllable" },
	{ "cyrillic", 'D', "Москва", 0, "москва", "other alphabets fold case" },
	{ "greek", 'D', "Αθήνα", 0, "αθήνα",
		"only Latin loses its diacritics" },
	{ "devanagari", 'D', "हिन्दी", 0, "हिन्दी",
		"combining vowel signs stay inside a non-Latin word" },
	{ "decimal", 'Q', "3.14 e-mail", 0, "3 14 e mail",
		"ASCII punctuation splits words" },

	/* traditional and simplified (OpenCC t2s, one character at a time) */
	{ "trad_offsets", 'D', "檔案", 0,
		"檔@0-3 +~档@0-3 +檔案@0-6 +~档案@0-6 案@3-6",
		"檔 folds to 档; offsets stay on the original characters" },
	{ "trad_query", 'Q', "檔案", 0, "档案@0-6 案@3-6",
		"a traditional query folds the same way" },
	{ "trad_dangyuan", 'D', "黨員", 0,
		"黨 +~党 +黨員 +~党员 員 +~员",
		"黨員 indexes as written and as 党员 written otherwise (a "
		"query of either script asks for 党员 and its mark)" },
	{ "trad_mixed", 'D', "档案檔案", 0,
		"档 +档案 案 +案檔 +~案档 +档案檔 +~档案档 檔 +~档 +檔案 +~档案 "
		"+案檔案 +~案档案 案",
		"both forms in one run: 档案 as written unmarked, every token "
		"with 檔 in it also folded and marked" },
	{ "trad_simplified_kept", 'D', "后来", 0, "后 +后来 来",
		"simplified text is unchanged (folding is idempotent)" },
	{ "trad_many_to_one", 'D', "後髮發", 0,
		"後 +~后 +後髮 +~后发 髮 +~发 +髮發 +~发发 +後髮發 +~后发发 發 "
		"+~发",
		"後 -> 后, 髮 and 發 -> 发; as written, 髮 and 發 stay apart" },
	{ "trad_hk", 'D', "裏", 0, "裏 +~里", "裏 folds to 里" },
	{ "trad_zhou", 'Q', "週", 0, "周", "週 folds to 周 in a query" },
	{ "trad_ext_a", 'D', "㑯", 0, "㑯 +~㑔",
		"extension A characters fold too" },
	{ "fold_simplified", 'D', "面积", 0, "面 +面积 积",
		"characters written as their folded forms: nothing marked" },
	{ "fold_neutral", 'D', "盧丒同志", 0,
		"盧 +~卢 +盧丒 +~卢丒 丒 +丒同 +盧丒同 +~卢丒同 同 +同志 +丒同志 "
		"志",
		"a token of characters that t2s keeps (丒同, 同志) is one, "
		"unmarked, whatever is beside it: a query of 同志 finds its "
		"own characters in traditional text too" },
	{ "fold_neutral_punct", 'D', "同志，盧丒", 0,
		"同 +同志 志 盧 +~卢 +盧丒 +~卢丒 丒",
		"punctuation ends the run: no pair across it" },
	{ "fold_space", 'D', "同志 盧\n\n同志", 0,
		"同 +同志 志 +志盧 +~志卢 +同志盧 +~同志卢 盧 +~卢 同 +同志 志",
		"the run goes on across a space, not across a paragraph" },
	{ "fold_mian", 'D', "麵麪面", 0,
		"麵 +~面 +麵麪 +~面面 麪 +~面 +麪面 +~面面 +麵麪面 +~面面面 面",
		"three characters folding to 面: each kept as written, the "
		"folded forms of 麵 and 麪 marked, 面 itself not" },
	{ "fold_query", 'Q', "檔案", 0, "档案 +~档案 案 +~案",
		"a query asks for either script: each token unmarked, and "
		"marked as a synonym" },
	{ "fold_query_simplified", 'Q', "档案", 0, "档案 +~档案 案 +~案",
		"the same for the simplified form" },
	{ "fold_lean_either", 'Q', "\x04麵", 0, "面 +~面",
		"HD_LEAN alone: either, as synonyms" },
	{ "fold_lean_plain", 'Q', "\x04\x05" "0檔案", 0, "档案@3-9",
		"HD_LEAN_MASK 0: only the folded text written so" },
	{ "fold_lean_folded", 'Q', "\x04\x05" "1档案馆", 0, "~档案馆@3-12",
		"HD_LEAN_MASK 1: only the folded text written otherwise" },
	{ "fold_lean_mask", 'Q', "\x04\x05" "2卢丒同志", 0, "卢丒同 ~丒同志",
		"HD_LEAN_MASK 2 (binary 10): the first trigram written so, the "
		"second otherwise" },
	{ "fold_lean_mask_long", 'Q', "\x04\x05" "7"
		"前锋社区夜校招生通知为提高居民文化水平"
		"社区决定开设夜校设识字班和算术班每周上课",
		0,
		"~前锋社 ~锋社区 ~社区夜 区夜校 夜校招 "
		"校招生 招生通 生通知 通知为 知为提 "
		"为提高 提高居 高居民 居民文 民文化 "
		"文化水 化水平 水平社 平社区 社区决 "
		"区决定 决定开 定开设 开设夜 设夜校 "
		"夜校设 校设识 设识字 识字班 字班和 "
		"班和算 和算术 算术班 术班每 班每周 "
		"每周上 周上课",
		"a word longer than the mask (37 trigrams, past the 32 bits "
		"of the mask too): its first three marked, the rest as typed" },
	{ "fold_lean_mask_bad", 'Q', "\x04\x05" "9面", 0, "9 面 +~面",
		"a digit past 7 is no mask: read as text, either script" },
	{ "fold_lean_literal", 'Q', "\x04\x06髮", 0, "髮@2-5",
		"HD_LEAN_LITERAL: the character as written, not folded" },
	{ "fold_lean_literal_2", 'Q', "\x04\x06檔案", 0, "檔案",
		"HD_LEAN_LITERAL of two: their pair as written, which only "
		"text written 檔案 has" },
	{ "fold_lean_literal_3", 'Q', "\x04\x06頭髮長", 0, "頭髮長",
		"HD_LEAN_LITERAL of three: the trigram as written (頭發長 is "
		"another)" },
	{ "fold_kana_q", 'Q', "タワ", 0, "タワ ワ",
		"kana are never folded: no synonyms" },

	/* pinyin tokens: ^ marks HD_PY_START */
	{ "py_pair", 'D', "番禺", 0,
		"番@0-3 +番禺@0-6 +^fan'yu@0-6 +^pan'yu@0-6 禺@3-6",
		"every reading of 番 (fān, pān) is indexed with 禺" },
	{ "py_run", 'D', "前锋社区", 0,
		"前 +前锋 +^qian'feng 锋 +锋社 +前锋社 +^feng'she 社 +社区 "
		"+锋社区 +^she'qu +^she'ou 区",
		"each pair's pinyin at its first character, once" },
	{ "py_trad", 'D', "檔案", 0, "檔 +~档 +檔案 +~档案 +^dang'an 案",
		"pinyin of the folded characters" },
	{ "py_trad_reading", 'D', "乾隆", 0,
		"乾 +~干 +乾隆 +~干隆 +^qian'long +^gan'long 隆",
		"乾 folds to 干 but keeps its own reading qián first" },
	{ "py_polyphone", 'D', "银行", 0,
		"银 +银行 +^yin'xing +^yin'hang +^yin'heng 行",
		"all readings of 行 are indexed (yín háng among them)" },
	{ "py_lv", 'D', "绿地", 0, "绿 +绿地 +^lu'de +^lu'di 地",
		"lù and lǜ are one token lu (lv typed is read as lu)" },
	{ "py_ling", 'D', "二〇", 0, "二 +二〇 +^er'ling 〇",
		"〇 reads líng (from the word table: Unihan has none)" },
	{ "py_ocr_space", 'D', "番 禺", 0,
		"番@0-3 +番禺@0-7 +^fan'yu@0-7 +^pan'yu@0-7 禺@4-7",
		"an OCR space inside Chinese does not stop pinyin" },
	{ "py_punct", 'D', "档，案", 0, "档 案",
		"no pair and no pinyin across a comma" },
	{ "py_kana", 'D', "京タワ", 0, "京 タ +タワ ワ",
		"kana have no pinyin" },
	{ "py_query", 'Q', "\x01pan'yu", 0, "^pan'yu@0-7",
		"a pinyin request of two syllables: their pair" },
	{ "py_query_long", 'Q', "\x01qian'feng'she'qu", 0,
		"^qian'feng ^feng'she ^she'qu",
		"four syllables: three pairs, a phrase" },
	{ "py_query_space", 'Q', "\x01pan yu", 0, "^pan'yu",
		"syllables may be separated by spaces" },
	{ "py_query_one", 'Q', "\x01pan", 0, "^pan",
		"one syllable becomes a token no document has" },
	{ "py_query_mixed", 'Q', "档案 \x01" "dang'an", 0,
		"档案 案 ^dang'an",
		"Han and a pinyin request in one query string" },
	{ "py_doc_marker", 'D', "a\x01pan'yu", 0, "a pan yu",
		"in a document the marker byte is only a separator" },
	{ "py_plain", 'P', "檔案", 0, "檔 +檔案 案",
		"HD_TOK_PLAIN: no folding, no pinyin (for measuring them)" },
	{ "py_plain_query", 'p', "\x01pan'yu", 0, "pan yu",
		"HD_TOK_PLAIN: no pinyin request either" },

	/* widths and punctuation */
	{ "fw_latin_han", 'D', "ＡＢＣ档案", 0, "abc 档 +档案 案",
		"full-width Latin before Han: a word, then the run" },
	{ "fw_digits_year", 'D', "２０２３年", 0, "2023 年",
		"full-width digits fold to a number" },
	{ "fw_query", 'Q', "ＰＡＮＹＵ", 0, "panyu",
		"full-width Latin in a query folds to ASCII" },
	{ "hw_stop", 'D', "档案｡社区", 0, "档 +档案 案 社 +社区 区",
		"half-width ideographic full stop breaks the run" },
	{ "ascii_punct_han", 'D', "社区,党员.档案;前锋", 0,
		"社 +社区 区 党 +党员 员 档 +档案 案 前 +前锋 锋",
		"ASCII punctuation between Han breaks runs like Chinese" },
	{ "middle_dot", 'D', "前锋·社区", 0, "前 +前锋 锋 社 +社区 区",
		"a middle dot (names, titles) breaks the run" },
	{ "dash_han", 'D', "社区——党员", 0, "社 +社区 区 党 +党员 员",
		"a Chinese dash breaks the run" },
	{ "brackets_q", 'Q', "「檔案」", 0, "档案 案",
		"corner brackets in a query are dropped" },
	{ "fw_paren", 'D', "（番禺）", 0, "番 +番禺 禺",
		"full-width parentheses are punctuation" },
	{ "ideo_space_q", 'Q', "番\u3000禺", 0, "番禺 禺",
		"an ideographic space inside a query bridges the pair" },
};

struct out {
	char s[8192];
	size_t n;
	int offsets;            /* render tok@start-end */
	int pinyin;             /* show pinyin tokens (^start, $end) */
	int synonyms;           /* show colocated tokens in query mode */
	int mode;               /* HD_TOK_DOCUMENT or HD_TOK_QUERY */
	int bad;                /* an invariant failed */
	int ntext;
};

static int collect(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end)
{
	struct out *o = ctx;
	int k;

	const char *mark = "";

	if (start < 0 || end > o->ntext || start > end || ntok < 1 ||
	    ntok > HD_TOK_MAX) {
		o->bad = 1;
	}
	if (tok[0] == HD_PY_START || tok[0] == '\x02') {
		if (!o->pinyin) {
			return 0;
		}
		mark = tok[0] == HD_PY_START ? "^" : "$";
		tok++;
		ntok--;
	} else if (tok[0] == HD_FOLD) {
		if (o->mode == HD_TOK_QUERY && (tflags & HD_TOK_COLOCATED) &&
		    !o->synonyms) {
			return 0;
		}
		mark = "~";
		tok++;
		ntok--;
	}
	k = snprintf(o->s + o->n, sizeof o->s - o->n, "%s%s%s%.*s",
		o->n ? " " : "", (tflags & HD_TOK_COLOCATED) ? "+" : "",
		mark, ntok, tok);
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
		o.pinyin = strncmp(r->name, "py_", 3) == 0;
		o.synonyms = strncmp(r->name, "fold_", 5) == 0;
		o.mode = r->mode == 'Q' || r->mode == 'p' ? HD_TOK_QUERY :
			HD_TOK_DOCUMENT;
		rc = hd_tokenize(r->in, n, o.mode | (r->mode == 'P' ||
			r->mode == 'p' ? HD_TOK_PLAIN : 0), &o, collect);
		if (o.bad) {
			check(r->name, 0, "offsets or length out of bounds "
				"(got %s)", o.s);
		} else {
			check(r->name, rc == 0 && strcmp(o.s, r->want) == 0,
				"%s (got %s)", r->why, o.s);
		}
	}
}

/* ------------------------------------------------------ pinyin */

static const struct {
	const char *w, *want, *why;
} segs[] = {
	{ "panyu", "pan'yu", "番禺 typed without a space" },
	{ "PanYu", "pan'yu", "any case" },
	{ "dangan", "dang'an dan'gan", "ambiguous: both, longest first" },
	{ "xian", "xian xi'an", "one syllable or two" },
	{ "qianfeng", "qian'feng qi'an'feng", "前锋, and 起安丰 too" },
	{ "zhuangzhuang", "zhuang'zhuang zhuang'zhu'ang zhu'ang'zhuang "
		"zhu'ang'zhu'ang", "six-letter syllables first" },
	{ "lvshi", "lu'shi", "v stands for ü, indexed as u" },
	{ "history", "", "an English word is not pinyin" },
	{ "py", "", "initials are not syllables" },
	{ "ng", "", "interjections are left out" },
	{ "pan1", "", "letters only" },
};

static void run_segments(void)
{
	char out[HD_PY_SEG_MAX][HD_PY_SEGBUF], got[512];
	size_t i, len;
	int n, k;

	for (i = 0; i < sizeof segs / sizeof segs[0]; i++) {
		n = hd_py_segment(segs[i].w, strlen(segs[i].w), out,
			HD_PY_SEG_MAX);
		got[0] = '\0';
		for (k = 0, len = 0; k < n; k++) {
			len += (size_t)snprintf(got + len, sizeof got - len,
				"%s%s", k ? " " : "", out[k]);
		}
		check(segs[i].w, strcmp(got, segs[i].want) == 0, "%s (got %s)",
			segs[i].why,
			got);
	}
	n = hd_py_segment(A32 A32 "aa", 66, out, HD_PY_SEG_MAX);
	snprintf(got, sizeof got, "%d", n);
	check("seg_too_long", n == 0, "words over 64 letters are not read "
		"(got %s)", got);
	n = hd_py_segment(A32 A32, 64, out, HD_PY_SEG_MAX);
	snprintf(got, sizeof got, "%d", n);
	check("seg_many_a", n == 1, "a run of a's has one reading, found "
		"without blowing up (got %s)", got);
	n = hd_py_segment("xianxianxianxian", 16, out, 3);
	snprintf(got, sizeof got, "%d", n);
	check("seg_max", n == 3, "at most max segmentations (got %s)", got);
}

static const struct {
	const char *name, *term;
	int flags;
	const char *chars, *pinyin, *initials, *display, *why;
} terms[] = {
	{ "term_panyu", "番禺", 0, "番禺", "panyu", "py", "pān yú",
		"the word table gives pān, not the usual fān" },
	{ "term_trad", "檔案館", 0, "档案馆", "danganguan", "dag",
		"dàng àn guǎn", "folded characters, their readings" },
	{ "term_bank", "中国银行", 0, "中国银行", "zhongguoyinhang", "zgyh",
		"zhōng guó yín háng", "a polyphonic word inside a term" },
	{ "term_surname", "区某华", HD_PY_PERSON, "区某华", "oumouhua", "omh",
		"ōu mǒu huá", "区 as a surname reads ōu" },
	{ "term_not_name", "社区", 0, "社区", "shequ", "sq", "shè qū",
		"区 elsewhere reads qū" },
	{ "term_qianlong", "乾隆", 0, "干隆", "qianlong", "ql", "qián lóng",
		"the reading of the character as written comes first" },
	{ "term_latin", "Photo Café", 0, "photocafe", "photocafe", "pc",
		NULL, "Latin words pass through; no Han, no display" },
	{ "term_mixed", "2023年 番禺", 0, "2023年番禺", "2023nianpanyu",
		"2npy", "2023 nián pān yú", "digits, spaces and Han" },
	{ "term_lv", "绿", 0, "绿", "lu", "l", "lǜ",
		"ü shows in the display, u in the keys" },
};

static void run_terms(void)
{
	struct hd_py_term t;
	char got[512];
	size_t i;
	int ok;

	for (i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		hd_py_term(terms[i].term, terms[i].flags, &t);
		ok = strcmp(t.chars, terms[i].chars) == 0 &&
		    strcmp(t.pinyin[0], terms[i].pinyin) == 0 &&
		    strcmp(t.initials[0], terms[i].initials) == 0 &&
		    ((t.display == NULL && terms[i].display == NULL) ||
		    (t.display != NULL && terms[i].display != NULL &&
		    strcmp(t.display, terms[i].display) == 0));
		snprintf(got, sizeof got, "%s|%s|%s|%s", t.chars, t.pinyin[0],
			t.initials[0], t.display ? t.display : "(null)");
		check(terms[i].name, ok, "%s (got %s)", terms[i].why, got);
		hd_py_term_release(&t);
	}
	hd_py_term("重庆长安", 0, &t);
	snprintf(got, sizeof got, "%s", t.display ? t.display : "(null)");
	check("term_places", t.display != NULL &&
		strcmp(t.display, "chóng qìng cháng ān") == 0,
		"place names from the word table (got %s)", got);
	hd_py_term_release(&t);
	hd_py_term("行", 0, &t);
	snprintf(got, sizeof got, "%d", t.npinyin);
	check("term_variants", t.npinyin >= 2,
		"a polyphonic character gives more than one reading (got %s)",
		got);
	hd_py_term_release(&t);
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
		"a non-zero callback return stops and is returned (got %s)",
		got);
	rc = hd_tokenize(NULL, 0, HD_TOK_QUERY, &count, stop_after_two);
	snprintf(got, sizeof got, "rc=%d", rc);
	check("null_text", rc == 0, "NULL text with n=0 is empty (got %s)",
		got);
}

/* ------------------------------------------------------------- SQL */

static const char *docs[][2] = {
	{ "番禺风貌", "前锋社区开设夜校，档案室在二楼。" },
	{ "党员名册", "社区。党员大会在番禺举行" },
	{ "档案室", "社 区 开设 夜校" },
	{ "Photo Café", "Old photos of the market" },
};

/* Table v: variants, pinyin and ranking. */
static const char *docs2[][2] = {
	{ "番禺风貌", "前锋社区开设夜校，档案室在二楼。" },
	{ "党员名册", "社区。党员大会在番禺举行" },
	{ "档案室", "社 区 开设 夜校" },
	{ "黨員名冊", "檔案館藏有番禺舊照。" },
	{ "社区 夜校", "夜校开在社区，前锋社区夜校" },
};

/* The table the checks below query: "t", then "v". */
static const char *tab = "t";

/* Prepare sql with every "t" standing alone replaced by tab. */
static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	char buf[512];
	size_t i, k = 0;

	for (i = 0; sql[i] && k + 2 < sizeof buf; i++) {
		if (sql[i] == 't' && (i == 0 || sql[i - 1] == ' ' ||
		    sql[i - 1] == '(') && (sql[i + 1] == ' ' ||
		    sql[i + 1] == ',' || sql[i + 1] == ')' ||
		    sql[i + 1] == '(')) {
			buf[k++] = tab[0];
		} else {
			buf[k++] = sql[i];
		}
	}
	buf[k] = '\0';
	return sqlite3_prepare_v2(db, buf, -1, st, NULL);
}

/* Rowids matching q, as "1,3"; "error: ..." when the query fails. */
static void match_ids(sqlite3 *db, const char *q, char *out, size_t n)
{
	sqlite3_stmt *st;
	size_t len = 0;

	out[0] = '\0';
	if (prep(db, "SELECT rowid FROM t WHERE t MATCH ?1"
	    " ORDER BY rowid", &st) != SQLITE_OK) {
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
	if (prep(db, "SELECT highlight(t, ?2, '[', ']') FROM t"
	    " WHERE t MATCH ?1 AND rowid = ?3", &st) != SQLITE_OK) {
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
	const char *name, *q, *want, *why;
} matches2[] = {
	{ "v_trad_doc", "档案", "1,3,4", "simplified finds 檔案 too" },
	{ "v_trad_query", "檔案", "1,3,4", "traditional finds 档案 too" },
	{ "v_dangyuan", "黨員", "2,4", "黨員 finds 党员 and 黨員" },
	{ "v_py_panyu", "\"\x01pan'yu\"", "1,2,4", "pinyin finds 番禺" },
	{ "v_py_qianfeng", "\"\x01qian'feng\"", "1,5", "前锋 by pinyin" },
	{ "v_py_dangan", "\"\x01" "dang'an\"", "1,3,4", "档案 and 檔案" },
	{ "v_py_long", "\"\x01qian'feng'she'qu\"", "1,5",
		"a four-syllable phrase" },
	{ "v_py_wrong", "\"\x01" "dan'gan\"", "", "another reading, no match" },
	{ "v_py_one", "\"\x01pan\"", "", "one syllable matches nothing" },
	{ "v_py_or", "panyu OR \"\x01pan'yu\"", "1,2,4",
		"what search.c writes for panyu" },
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

/* hd_boost(t ARG) of each matching row, as "1:1,6:2". */
static void boost_list(sqlite3 *db, const char *q, const char *arg,
	char *out, size_t n)
{
	sqlite3_stmt *st;
	size_t len = 0;
	char sql[128];

	out[0] = '\0';
	snprintf(sql, sizeof sql, "SELECT rowid, hd_boost(t%s) FROM t"
		" WHERE t MATCH ?1 ORDER BY rowid", arg);
	if (prep(db, sql, &st) != SQLITE_OK) {
		snprintf(out, n, "error: %s", sqlite3_errmsg(db));
		return;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && len + 24 < n) {
		len += (size_t)snprintf(out + len, n - len, "%s%lld:%g",
			len ? "," : "", sqlite3_column_int64(st, 0),
			sqlite3_column_double(st, 1));
	}
	sqlite3_finalize(st);
}

static const struct {
	const char *name, *q, *arg, *want, *why;
} boosts[] = {
	{ "boost_phrase", "社区 夜校", "", "1:1,3:1,5:2",
		"side by side as typed doubles; apart does not" },
	{ "boost_order", "夜校 社区", "", "1:1,3:1,5:1",
		"the other order is not the phrase typed" },
	{ "boost_one", "社区", "", "1:1,2:1,3:1,5:1",
		"one phrase: nothing to put side by side" },
	{ "boost_quality", "社区 夜校", ", 0.5", "1:0.5,3:0.5,5:1",
		"a text-quality factor (OCR confidence) multiplies" },
	{ "boost_quality_bad", "社区 夜校", ", 7", "1:1,3:1,5:2",
		"a factor outside (0, 1] is ignored" },
	{ "boost_quality_null", "社区 夜校", ", NULL", "1:1,3:1,5:2",
		"NULL (no confidence known) is ignored" },
};

static const struct {
	const char *name, *q;
	int col, id;
	const char *want, *why;
} highlights2[] = {
	{ "v_hl_trad", "档案", 1, 4, "[檔案]館藏有番禺舊照。",
		"a simplified query marks the traditional original" },
	{ "v_hl_py", "\"\x01pan'yu\"", 1, 4, "檔案館藏有[番]禺舊照。",
		"a pinyin match of n syllables is n-1 pair tokens, so "
		"highlight() marks n-1 characters: search.c widens the mark "
		"(t0500 checks <mark>番禺</mark>)" },
	{ "v_hl_py_long", "\"\x01qian'feng'she'qu\"", 1, 1,
		"[前锋社]区开设夜校，档案室在二楼。",
		"three of the four characters of a four-syllable match" },
};

/* Create table tab (title, body) and insert docs as rows 1...n. */
static int load(sqlite3 *db, const char *(*d)[2], size_t n)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	size_t i;
	int rc;

	snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE %s USING"
		" fts5(title, body, tokenize='hongdang')", tab);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		rc = prep(db, "INSERT INTO t(rowid, title, body)"
			" VALUES (?1, ?2, ?3)", &st);
	}
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_int(st, 1, (int)i + 1);
		sqlite3_bind_text(st, 2, d[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d[i][1], -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static void run_sql(void)
{
	sqlite3 *db = NULL;
	char got[512];
	size_t i;
	int rc;

	rc = sqlite3_open(":memory:", &db);
	if (rc == SQLITE_OK) {
		rc = hd_fts_register(db);
	}
	snprintf(got, sizeof got, "rc=%d", rc);
	check("sql_register", rc == SQLITE_OK, "hd_fts_register (got %s)", got);
	if (rc != SQLITE_OK) {
		goto done;
	}
	rc = load(db, docs, sizeof docs / sizeof docs[0]);
	snprintf(got, sizeof got, "%s", sqlite3_errmsg(db));
	check("sql_create", rc == SQLITE_OK,
		"create the table and insert the documents (got %s)", got);
	if (rc != SQLITE_OK) {
		goto done;
	}
	for (i = 0; i < sizeof matches / sizeof matches[0]; i++) {
		match_ids(db, matches[i].q, got, sizeof got);
		check(matches[i].name, strcmp(got, matches[i].want) == 0,
			"%s (got %s)", matches[i].why, got);
	}
	for (i = 0; i < sizeof highlights / sizeof highlights[0]; i++) {
		highlight(db, highlights[i].q, highlights[i].col,
			highlights[i].id, got, sizeof got);
		check(highlights[i].name, strcmp(got, highlights[i].want) == 0,
			"%s (got %s)", highlights[i].why, got);
	}
	tab = "v";
	rc = load(db, docs2, sizeof docs2 / sizeof docs2[0]);
	snprintf(got, sizeof got, "%s", sqlite3_errmsg(db));
	check("v_create", rc == SQLITE_OK, "the second table (got %s)", got);
	for (i = 0; rc == SQLITE_OK &&
	    i < sizeof matches2 / sizeof matches2[0]; i++) {
		match_ids(db, matches2[i].q, got, sizeof got);
		check(matches2[i].name, strcmp(got, matches2[i].want) == 0,
			"%s (got %s)", matches2[i].why, got);
	}
	for (i = 0; rc == SQLITE_OK &&
	    i < sizeof highlights2 / sizeof highlights2[0]; i++) {
		highlight(db, highlights2[i].q, highlights2[i].col,
			highlights2[i].id, got, sizeof got);
		check(highlights2[i].name,
			strcmp(got, highlights2[i].want) == 0,
			"%s (got %s)", highlights2[i].why, got);
	}
	for (i = 0; rc == SQLITE_OK && i < sizeof boosts / sizeof boosts[0];
	    i++) {
		boost_list(db, boosts[i].q, boosts[i].arg, got, sizeof got);
		check(boosts[i].name, strcmp(got, boosts[i].want) == 0,
			"%s (got %s)", boosts[i].why, got);
	}
	rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE u USING fts5(x,"
		" tokenize='hongdang nonsense')", NULL, NULL, NULL);
	snprintf(got, sizeof got, "rc=%d", rc);
	check("sql_args", rc != SQLITE_OK, "the tokenizer takes no options "
		"(got %s)", got);
done:
	sqlite3_close(db);
}

int main(void)
{
	run_rows();
	run_stop();
	run_segments();
	run_terms();
	run_sql();
	return check_done();
}
