/*
 * test_ocr.c - table-driven tests of the pure text functions of the OCR
 * stage (ingest/ocr.c): ocr_tidy, ocr_lang_ok and ocr_lang_of.
 *
 * ocr_tidy rows are text as tesseract or a PDF's text layer gives it and
 * the text that should reach the index; language rows are what a user
 * types after --ocr-lang or in a sheet's 语种 column.  Each row says why
 * it is there; prints "PASS name" or "FAIL name: why" per row and exits 1
 * on any failure.
 */
#include "../../ingest/ingest.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

struct tidy_row {
	const char *in;
	const char *want;
	const char *why;
};

static const struct tidy_row tidy_rows[] = {
	{ "社 区 开设 夜校", "社区开设夜校",
	  "tesseract's searchable PDF spaces Chinese characters apart" },
	{ "加装 电梯 ， 五号楼", "加装电梯，五号楼",
	  "spaces around full-width punctuation go too" },
	{ "时间 : 二〇二三年", "时间：二〇二三年",
	  "an ASCII colon read between Chinese becomes full-width" },
	{ "Room 301 is open", "Room 301 is open",
	  "spaces between Latin words stay" },
	{ "会议 2023 年", "会议 2023 年",
	  "a space between Chinese and a number stays (not CJK on both "
	  "sides)" },
	{ "ratio 3:2 kept", "ratio 3:2 kept",
	  "an ASCII colon between digits is not Chinese punctuation" },
	{ "会议同意下月向街道提交申请材\n料，并请设计单位到现场。",
	  "会议同意下月向街道提交申请材料，并请设计单位到现场。",
	  "a line wrapped inside a Chinese sentence is joined, so words "
	  "across the break are found" },
	{ "社区图书角借阅制度\n一、图书角每周二、四、六开放，每次两册",
	  "社区图书角借阅制度\n一、图书角每周二、四、六开放，每次两册",
	  "a short line (a heading) is not a wrapped line" },
	{ "公益金支出。\n二、加装电梯", "公益金支出。\n二、加装电梯",
	  "a line ending a sentence keeps its break" },
	{ "第一段\n\n\n\n第二段", "第一段\n\n第二段",
	  "runs of empty lines become one paragraph break" },
	{ "\n\n  标题  \n\n", "标题",
	  "blank lines and spaces at either end are dropped" },
	{ "行尾空格   \nnext", "行尾空格\nnext",
	  "trailing spaces of a line are dropped" },
	{ "a\r\nb", "a\nb",
	  "carriage returns are dropped" },
	{ "", "",
	  "empty text stays empty" },
	{ "𠀀 𠀁", "𠀀𠀁",
	  "CJK extension B characters (4-byte UTF-8) count as CJK" },
};

struct lang_row {
	const char *in;
	const char *lang;       /* from ocr_lang_of, NULL: not understood */
	const char *iso;        /* record language, NULL: left alone */
	int ok;                 /* ocr_lang_ok */
	const char *why;
};

static const struct lang_row lang_rows[] = {
	{ "chi_sim", "chi_sim", "zh", 1, "the default passes through" },
	{ "chi_sim+eng", "chi_sim+eng", "zh", 1,
	  "a tesseract list passes through" },
	{ "简体", "chi_sim", "zh", 0, "the Chinese word for simplified" },
	{ "繁體", "chi_tra", "zh-Hant", 0,
	  "the traditional word in traditional characters" },
	{ "zh-TW", "chi_tra", "zh-Hant", 0, "a Taiwan language tag" },
	{ "英文", "eng", "en", 0, "English in Chinese" },
	{ "EN", "eng", "en", 1, "tags are case-insensitive" },
	{ "xyz", "xyz", NULL, 1,
	  "an unknown but well-formed name is tesseract's to refuse" },
	{ "../etc/passwd", NULL, NULL, 0,
	  "a path must never reach the data folder lookup" },
	{ "chi_sim+", NULL, NULL, 0, "an empty name after '+'" },
	{ "+eng", NULL, NULL, 0, "an empty name before '+'" },
	{ "", NULL, NULL, 0, "empty" },
	{ "法文 ", NULL, NULL, 0, "a language we cannot map" },
};

static int same(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

int main(void)
{
	char name[32];
	size_t i;

	for (i = 0; i < sizeof tidy_rows / sizeof tidy_rows[0]; i++) {
		const struct tidy_row *r = &tidy_rows[i];
		char *s = hd_xstrdup(r->in);

		ocr_tidy(s);
		snprintf(name, sizeof name, "tidy-%zu", i);
		check(name, strcmp(s, r->want) == 0, "'%s' gave '%s', want "
			"'%s' (%s)", r->in, s, r->want, r->why);
		free(s);
	}
	for (i = 0; i < sizeof lang_rows / sizeof lang_rows[0]; i++) {
		const struct lang_row *r = &lang_rows[i];
		const char *iso = "unset";
		const char *lang = ocr_lang_of(r->in, &iso);
		int ok = ocr_lang_ok(r->in);

		snprintf(name, sizeof name, "lang-%zu", i);
		check(name, same(lang, r->lang) && same(iso, r->iso) &&
			ok == r->ok, "'%s' gave %s/%s/%d, want %s/%s/%d (%s)",
			r->in, lang ? lang : "NULL", iso ? iso : "NULL", ok,
			r->lang ? r->lang : "NULL",
			r->iso ? r->iso : "NULL", r->ok, r->why);
	}
	return check_done();
}
