/*
 * sheet.c - catalogue sheets (CSV) through libcsv.
 *
 * The header may name its columns in Chinese or English, in any order;
 * an unknown header is refused rather than silently dropped, because a
 * misspelt 题名 column would otherwise catalogue a whole batch without
 * titles.  Cells are converted to UTF-8 NFC and trimmed.
 */
#include "sheet.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SHEET_MAX (16u << 20)
#define SHEET_ROWS 100000
#define CELL_MAX (64u << 10)

static const struct {
	const char *name;
	int col;
} headers[] = {
	{"文件名", COL_FILE}, {"file", COL_FILE}, {"files", COL_FILE},
	{"文件", COL_FILE}, {"filename", COL_FILE},
	{"题名", COL_TITLE}, {"title", COL_TITLE},
	{"责任者", COL_CREATOR}, {"creator", COL_CREATOR},
	{"日期", COL_DATE}, {"date", COL_DATE},
	{"门类", COL_CATEGORY}, {"category", COL_CATEGORY},
	{"保管期限", COL_RETENTION}, {"retention", COL_RETENTION},
	{"开放", COL_ACCESS}, {"access", COL_ACCESS},
	{"开放状态", COL_ACCESS},
	{"主题词", COL_SUBJECTS}, {"subjects", COL_SUBJECTS},
	{"subject", COL_SUBJECTS},
	{"人物", COL_PERSONS}, {"persons", COL_PERSONS},
	{"person", COL_PERSONS},
	{"地点", COL_PLACE}, {"place", COL_PLACE},
	{"页数", COL_PAGES}, {"pages", COL_PAGES},
	{"机构问题", COL_CLASS}, {"class", COL_CLASS},
	{"机构(问题)", COL_CLASS}, {"机构（问题）", COL_CLASS},
	{"附注", COL_DESCRIPTION}, {"description", COL_DESCRIPTION},
	{"摘要", COL_DESCRIPTION},
	{"位置", COL_LOCATION}, {"location", COL_LOCATION},
	{"存放位置", COL_LOCATION},
	{"语种", COL_LANGUAGE}, {"language", COL_LANGUAGE},
	{"文种", COL_LANGUAGE},
};

/* See sheet.h.  Headers are compared without regard to the case of English
 * ones. */
int sheet_column(const char *h)
{
	size_t i;

	for (i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		if (strcasecmp(headers[i].name, h) == 0) {
			return headers[i].col;
		}
	}
	return -1;
}

struct parse {
	struct sheet *s;
	const char *data;       /* for line numbers */
	int map[64];            /* field index -> column, -1 ignored */
	int nfields;
	int field;              /* current field in the record */
	int header_done;
	struct sheet_row cur;
	int cur_line;
	int cur_used;
	struct hd_error *e;
	int rc;
};

/* libcsv's cell callback: cell p[0..n) of the current line, NFC and trimmed.
 * In the header it names a column (an empty header cell is a column read
 * into nothing; an unknown or repeated one, or more than 64, is HD_EINVAL);
 * below it, it goes into the current row's column the header mapped it to.
 * The first failure stops the parse (ps->rc); later cells are ignored. */
static void cell_cb(void *p, size_t n, void *data)
{
	struct parse *ps = data;
	char *v, *nfc;
	int col;

	if (ps->rc != 0) {
		return;
	}
	if (n > CELL_MAX) {
		ps->rc = hd_err(ps->e, HD_EINVAL, "%s line %d: a cell is "
			"longer than %u bytes", ps->s->name, ps->cur_line,
			CELL_MAX);
		return;
	}
	nfc = hd_nfc(p ? (const char *)p : "", p ? n : 0);
	if (nfc == NULL) {
		ps->rc = hd_err(ps->e, HD_EINVAL, "%s line %d: not valid "
			"text", ps->s->name, ps->cur_line);
		return;
	}
	v = hd_trim(nfc);
	if (!ps->header_done) {
		if (*v == '\0' && ps->field == 0) {
			/* an empty header cell is tolerated, ignored */
		}
		col = *v ? sheet_column(v) : -1;
		if (*v && col < 0) {
			ps->rc = hd_err(ps->e, HD_EINVAL, "%s: unknown column "
				"'%s' (known: 文件名 题名 责任者 日期 门类 "
				"保管期限 开放 主题词 人物 地点 页数 机构问题 "
				"附注 位置)", ps->s->name, v);
		} else if (col >= 0 && ps->s->has[col]) {
			ps->rc = hd_err(ps->e, HD_EINVAL, "%s: column '%s' "
				"appears twice", ps->s->name, v);
		} else if (ps->field >= 64) {
			ps->rc = hd_err(ps->e, HD_EINVAL, "%s: more than 64 "
				"columns", ps->s->name);
		} else {
			ps->map[ps->field] = col;
			if (col >= 0) {
				ps->s->has[col] = 1;
			}
		}
		ps->field++;
		free(nfc);
		return;
	}
	col = ps->field < ps->nfields ? ps->map[ps->field] : -1;
	if (ps->field >= ps->nfields && *v) {
		ps->rc = hd_err(ps->e, HD_EINVAL, "%s line %d: more cells "
			"than the header has columns", ps->s->name,
			ps->cur_line);
	}
	ps->field++;
	if (col >= 0 && *v) {
		ps->cur.col[col] = hd_xstrdup(v);
		ps->cur_used = 1;
	}
	free(nfc);
}

/* The line (from 1) of byte offset of the sheet's text. */
static int line_of(struct parse *ps, size_t offset)
{
	size_t i;
	int line = 1;

	for (i = 0; i < offset; i++) {
		if (ps->data[i] == '\n') {
			line++;
		}
	}
	return line;
}

/* Free the cells of row r and leave them NULL. */
static void row_free(struct sheet_row *r)
{
	int i;

	for (i = 0; i < COL__COUNT; i++) {
		free(r->col[i]);
		r->col[i] = NULL;
	}
}

/* libcsv's end-of-line callback: the header line fixes the columns (a sheet
 * without 文件名 is HD_EINVAL); any later line that held a value becomes a
 * row, SHEET_ROWS at most (HD_ELIMIT). */
static void record_cb(int c, void *data)
{
	struct parse *ps = data;

	(void)c;
	if (ps->rc != 0) {
		row_free(&ps->cur);
		return;
	}
	if (!ps->header_done) {
		ps->header_done = 1;
		ps->nfields = ps->field;
		if (!ps->s->has[COL_FILE]) {
			ps->rc = hd_err(ps->e, HD_EINVAL, "%s: no 文件名 "
				"(file) column", ps->s->name);
		}
	} else if (ps->cur_used) {
		if (ps->s->nrows >= SHEET_ROWS) {
			ps->rc = hd_err(ps->e, HD_ELIMIT, "%s: more than %d "
				"rows", ps->s->name, SHEET_ROWS);
			row_free(&ps->cur);
		} else {
			ps->s->rows = hd_xrealloc(ps->s->rows,
				(ps->s->nrows + 1) * sizeof *ps->s->rows);
			ps->cur.line = ps->cur_line;
			ps->s->rows[ps->s->nrows++] = ps->cur;
		}
	}
	memset(&ps->cur, 0, sizeof ps->cur);
	ps->cur_used = 0;
	ps->field = 0;
}

/* See sheet.h.  On an error *s is released but keeps its name. */
int sheet_parse(const char *name, const char *data, size_t n,
	struct sheet *s, struct hd_error *e)
{
	struct csv_parser p;
	struct parse ps;
	char *text;
	size_t len, pos, chunk;

	memset(s, 0, sizeof *s);
	s->name = hd_xstrdup(name);
	if (n > SHEET_MAX) {
		return hd_err(e, HD_ELIMIT, "%s: larger than %u bytes", name,
			SHEET_MAX);
	}
	text = hd_text_to_utf8(data, n);
	if (text == NULL) {
		return hd_err(e, HD_EINVAL, "%s: neither UTF-8 nor GB18030 "
			"text", name);
	}
	len = strlen(text);
	if (len != n && memchr(data, '\0', n) != NULL) {
		free(text);
		return hd_err(e, HD_EINVAL, "%s: holds NUL bytes: not a CSV "
			"sheet", name);
	}
	memset(&ps, 0, sizeof ps);
	ps.s = s;
	ps.e = e;
	ps.data = text;
	ps.cur_line = 1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
	    CSV_EMPTY_IS_NULL) != 0) {
		free(text);
		abort();
	}
	csv_set_realloc_func(&p, hd_xrealloc);
	/* Feed line by line so messages can name the line of a record. */
	for (pos = 0; pos < len && ps.rc == 0; pos += chunk) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		chunk = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		if (ps.field == 0 && ps.cur_used == 0) {
			ps.cur_line = line_of(&ps, pos);
		}
		if (csv_parse(&p, text + pos, chunk, cell_cb, record_cb, &ps)
		    != chunk) {
			ps.rc = hd_err(e, HD_EINVAL, "%s line %d: malformed "
				"CSV: %s", name, line_of(&ps, pos),
				csv_strerror(csv_error(&p)));
		}
	}
	if (ps.rc == 0 && csv_fini(&p, cell_cb, record_cb, &ps) != 0) {
		ps.rc = hd_err(e, HD_EINVAL, "%s: malformed CSV at the end "
			"(an unclosed quote?)", name);
	}
	if (ps.rc == 0 && !ps.header_done) {
		ps.rc = hd_err(e, HD_EINVAL, "%s: empty sheet", name);
	}
	row_free(&ps.cur);
	csv_free(&p);
	free(text);
	if (ps.rc != 0) {
		sheet_release(s);
		s->name = hd_xstrdup(name);
	}
	return ps.rc;
}

/* See sheet.h.  At most SHEET_MAX + 1 bytes are read, so a larger file is
 * refused by sheet_parse.  HD_EINVAL naming path when it cannot be read. */
int sheet_load(const char *path, struct sheet *s, struct hd_error *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	memset(s, 0, sizeof *s);
	if (f == NULL) {
		return hd_err(e, HD_EINVAL, "%s: cannot read the sheet: %s",
			path, strerror(errno));
	}
	buf = hd_xmalloc(SHEET_MAX + 1);
	n = fread(buf, 1, SHEET_MAX + 1, f);
	if (ferror(f)) {
		rc = hd_err(e, HD_EINVAL, "%s: cannot read the sheet: %s",
			path, strerror(errno));
	} else {
		rc = sheet_parse(path, buf, n, s, e);
	}
	fclose(f);
	free(buf);
	return rc;
}

/* Free what sheet s holds and zero it; accepts NULL. */
void sheet_release(struct sheet *s)
{
	size_t i;

	if (s == NULL) {
		return;
	}
	for (i = 0; i < s->nrows; i++) {
		row_free(&s->rows[i]);
	}
	free(s->rows);
	free(s->name);
	memset(s, 0, sizeof *s);
}

/* See sheet.h.  "|" also separates. */
void sheet_split(const char *cell, char ***v, size_t *n)
{
	static const char *const seps[] = {";", "\xEF\xBC\x9B", "\xE3\x80\x81",
		",", "\xEF\xBC\x8C", "|"};
	char *copy, *p, *start;
	size_t i, k;

	if (cell == NULL) {
		return;
	}
	copy = hd_xstrdup(cell);
	start = copy;
	for (p = copy; ; ) {
		size_t sl = 0;

		if (*p != '\0') {
			for (i = 0; i < sizeof seps / sizeof seps[0]; i++) {
				k = strlen(seps[i]);
				if (strncmp(p, seps[i], k) == 0) {
					sl = k;
					break;
				}
			}
		}
		if (*p == '\0' || sl > 0) {
			char c = *p;

			*p = '\0';
			hd_trim(start);
			if (*start) {
				hd_strv_add(v, n, start);
			}
			if (c == '\0') {
				break;
			}
			p += sl;
			start = p;
		} else {
			p++;
		}
	}
	free(copy);
}
