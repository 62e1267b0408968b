/*
 * test_codes.c - table-driven tests of the pure parsers: description
 * dates, reference codes (档号) and catalogue-sheet cells and headers.
 * Each row carries the reason it exists, printed when it fails.
 */
#include "../../archive/hd.h"
#include "../../ingest/sheet.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *in;
	const char *iso;        /* NULL: must be refused */
	int year, year_end;
	const char *why;
} dates[] = {
	{"1985", "1985", 1985, 1985, "a year alone"},
	{"1985-03", "1985-03", 1985, 1985, "year and month"},
	{"1985-03-12", "1985-03-12", 1985, 1985, "a full date"},
	{"1985.3.12", "1985-03-12", 1985, 1985, "dots and one digit"},
	{"19850312", "1985-03-12", 1985, 1985, "compact form of sheets"},
	{"1985年3月12日", "1985-03-12", 1985, 1985, "Chinese form"},
	{"1985年3月", "1985-03", 1985, 1985, "Chinese year and month"},
	{"1980年代", "1980/1989", 1980, 1989, "a decade"},
	{"1985/1990", "1985/1990", 1985, 1990, "a range"},
	{"2022-05/2022-09", "2022-05/2022-09", 2022, 2022, "month range"},
	{"1985~", "1985~", 1985, 1985, "approximate year"},
	{"2000-02-29", "2000-02-29", 2000, 2000, "leap day of 2000"},
	{"1900-02-29", NULL, 0, 0, "1900 is not a leap year"},
	{"1985-13", NULL, 0, 0, "month 13"},
	{"1985-04-31", NULL, 0, 0, "April has 30 days"},
	{"1990/1985", NULL, 0, 0, "a range that ends before it starts"},
	{"85", NULL, 0, 0, "two-digit years are ambiguous"},
	{"", NULL, 0, 0, "empty"},
	{"1985-03-12x", NULL, 0, 0, "trailing junk"},
	{"0999", NULL, 0, 0, "before year 1000"},
	/* Excel's forms (a date cell saved as CSV, or typed as text) */
	{"1985/1/5", "1985-01-05", 1985, 1985, "Excel's zh-CN short date"},
	{"1985/01/05", "1985-01-05", 1985, 1985, "slashes, two digits"},
	{"1985.1.5", "1985-01-05", 1985, 1985, "dots, one digit"},
	{"1985-1-5", "1985-01-05", 1985, 1985, "dashes, one digit"},
	{"1985年1月5日", "1985-01-05", 1985, 1985, "Excel's long date"},
	{"1985/12", "1985-12", 1985, 1985, "slash year and month"},
	{"1985/2/29", NULL, 0, 0, "1985 is not a leap year"},
	{"1985/13/1", NULL, 0, 0, "slash month 13"},
	{"1985/1/5/", NULL, 0, 0, "a trailing slash"},
	{"1985/1-5", NULL, 0, 0, "mixed separators"},
	{"1985/123", NULL, 0, 0, "three digits after a slash: neither"},
	{"1985/1/555", NULL, 0, 0, "a three-digit day"},
	/* a slash and four digits is a range, one or two digits a month */
	{"1985/1990", "1985/1990", 1985, 1990,
		"four digits after the slash: still a range of years"},
	{"1985/1/5至1986/2/1", "1985-01-05/1986-02-01", 1985, 1986,
		"slashed dates in a 至 range"},
	{"1985/1/5~1985/1/9", "1985-01-05/1985-01-09", 1985, 1985,
		"slashed dates in a ~ range"},
	{"1985/1/5~", "1985-01-05~", 1985, 1985, "slashed approximate day"},
	{"1985/1/5/1990", NULL, 0, 0,
		"a slashed date in a slash range reads two ways"},
	{"1985/1990/1/5", NULL, 0, 0,
		"a slashed end in a slash range reads two ways"},
	{"1985/1/1990", NULL, 0, 0, "month then a year: not a date"},
	{"1985.1990", NULL, 0, 0, "a dot does not make a range"},
};

static const struct {
	const char *in;
	const char *canon;      /* NULL: must be refused */
	const char *why;
} refs[] = {
	{"QF01-WS·2023·Y-DJ-0007", "QF01-WS·2023·Y-DJ-0007", "the example"},
	{"QF01-WS.2023.Y-DJ-0007", "QF01-WS·2023·Y-DJ-0007", "'.' for '·'"},
	{"qf01-ws.2023.y-dj-7", "QF01-WS·2023·Y-DJ-0007",
		"lower case and short item number"},
	{"QF01-ZP·1985·D30-0012", "QF01-ZP·1985·D30-0012", "no class"},
	{"QF01-WS・2023・Y-DJ-0007", "QF01-WS·2023·Y-DJ-0007",
		"katakana middle dot typed by an IME"},
	{"QF01-WS·2023·X-DJ-0007", NULL, "retention X does not exist"},
	{"QF01-WS·23·Y-DJ-0007", NULL, "two-digit year"},
	{"QF01-WS·2023·Y-DJ-0", NULL, "item 0"},
	{"QF01-WS·2023·Y-DJ-100000", NULL, "item over 99999"},
	{"QF01-1·2023·Y-DJ-0007", NULL, "category must be letters"},
	{"QF01WS·2023·Y-0007", NULL, "no dash after the fonds"},
	{"QF01-WS·2023·Y-DJ-0007-", NULL, "trailing dash"},
	{"../../etc/passwd", NULL, "a path is not a reference"},
	{"", NULL, "empty"},
};

static void test_dates(void)
{
	struct hd_date d;
	char name[64], got[96];
	size_t i;
	int rc;

	for (i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		rc = hd_date_parse(dates[i].in, &d, NULL);
		snprintf(name, sizeof name, "date-%zu", i);
		snprintf(got, sizeof got, "rc=%d iso=%s %d-%d", rc,
			rc == 0 ? d.iso : "", d.year, d.year_end);
		if (dates[i].iso == NULL) {
			check(name, rc != 0, "%s (got %s)", dates[i].why, got);
		} else {
			check(name, rc == 0 && strcmp(d.iso, dates[i].iso) == 0
				&& d.year == dates[i].year &&
				d.year_end == dates[i].year_end, "%s (got %s)",
				dates[i].why,
				got);
		}
	}
}

static void test_refs(void)
{
	struct hd_error e;
	char name[64], out[64], back[64];
	struct hd_ref r;
	size_t i;
	int rc;

	for (i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		hd_err_clear(&e);
		rc = hd_ref_canon(refs[i].in, out, sizeof out, &e);
		snprintf(name, sizeof name, "ref-%zu", i);
		if (refs[i].canon == NULL) {
			check(name, rc != 0 && strstr(e.msg, refs[i].in),
				"%s (got %s)", refs[i].why,
				rc == 0 ? out : e.msg);
			continue;
		}
		check(name, rc == 0 && strcmp(out, refs[i].canon) == 0,
			"%s (got %s)", refs[i].why, rc == 0 ? out : e.msg);
		/* formatting what was parsed gives the same code back */
		snprintf(name, sizeof name, "ref-%zu-roundtrip", i);
		rc = hd_ref_parse(refs[i].canon, &r, NULL);
		hd_ref_format(&r, back, sizeof back);
		check(name, rc == 0 && strcmp(back, refs[i].canon) == 0,
			"parse then format is the identity (got %s)", back);
	}
}

static const struct {
	const char *csv;
	int ok;
	size_t rows;
	const char *title0;
	const char *why;
} sheets[] = {
	{"文件名,题名\na.jpg,照片一\n", 1, 1, "照片一", "Chinese headers"},
	{"\xEF\xBB\xBF" "file,title\na.jpg,photo\n", 1, 1, "photo",
		"English headers after a BOM"},
	{"File,Title\r\na.jpg, 有空格 \r\n", 1, 1, "有空格",
		"CRLF, case-insensitive headers, trimmed cells"},
	{"文件名,题名\n\"a,b.jpg\",\"引号\"\"内\"\n", 1, 1, "引号\"内",
		"quoted commas and quotes"},
	{"文件名,题名\na.jpg,\"两行\n文字\"\n", 1, 1, "两行\n文字",
		"a quoted newline stays inside the cell"},
	{"\xCE\xC4\xBC\xFE\xC3\xFB,\xCC\xE2\xC3\xFB\na.jpg,\xD5\xD5\xC6\xAC\n",
		1, 1, "照片", "GB18030 sheet (文件名,题名 / 照片)"},
	{"题名\n照片\n", 0, 0, NULL, "no 文件名 column"},
	{"文件名,标题\na.jpg,x\n", 0, 0, NULL, "unknown header"},
	{"文件名,题名,题名\na.jpg,x,y\n", 0, 0, NULL, "repeated column"},
	{"文件名,题名\n\"a.jpg,x\n", 0, 0, NULL, "unclosed quote"},
	{"文件名,题名\na.jpg,x,extra\n", 0, 0, NULL, "more cells than columns"},
	{"", 0, 0, NULL, "empty sheet"},
	{"文件名,题名\n\n\na.jpg,x\n\n", 1, 1, "x", "blank lines skipped"},
	{"文件名,题名\n,标题\n", 0, 0, NULL, "a row without its file"},
	{"文件名,题名\na.jpg,x\n,\n", 1, 1, "x",
		"a row of empty cells is no row"},
};

static void test_sheets(void)
{
	struct hd_error e;
	struct sheet s;
	char name[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof sheets / sizeof sheets[0]; i++) {
		hd_err_clear(&e);
		rc = sheet_parse("t.csv", sheets[i].csv,
			strlen(sheets[i].csv), &s, &e);
		snprintf(name, sizeof name, "sheet-%zu", i);
		if (!sheets[i].ok) {
			check(name, rc != 0 && strstr(e.msg, "t.csv") != NULL,
				"%s (got %s)", sheets[i].why,
				rc == 0 ? "accepted" : e.msg);
		} else {
			check(name, rc == 0 && s.nrows == sheets[i].rows &&
				s.rows[0].col[COL_TITLE] != NULL &&
				strcmp(s.rows[0].col[COL_TITLE],
				sheets[i].title0) == 0, "%s (got %s)",
				sheets[i].why,
				rc ? e.msg : s.nrows && s.rows[0].col[COL_TITLE]
				? s.rows[0].col[COL_TITLE] : "(none)");
		}
		sheet_release(&s);
	}
}

static void test_split(void)
{
	char **v = NULL;
	size_t n = 0;

	sheet_split(" 党建；老旧小区改造、 红色读书角,番禺 ;; ", &v, &n);
	check("split-separators", n == 4 && strcmp(v[0], "党建") == 0 &&
		strcmp(v[1], "老旧小区改造") == 0 &&
		strcmp(v[2], "红色读书角") == 0 && strcmp(v[3], "番禺") == 0,
		"；、, and ; all separate, blanks dropped (got %s)",
		n ? v[0] : "");
	hd_strv_free(v, n);
}

int main(void)
{
	test_dates();
	test_refs();
	test_sheets();
	test_split();
	return check_done();
}
