/*
 * sheet.c - catalogue sheets: CSV through libcsv, .xlsx through
 * xlsx_read (xlsx.c); both give their cells to the same header and row
 * logic, so the checks and messages are the same whatever the kind.
 *
 * The kind is told by the content, not the name: a zip is read as an
 * .xlsx workbook, text as CSV, and anything else (an .xls, a PDF, UTF-16
 * text, an image) is refused in one line saying what it is and which
 * kinds are accepted (libmagic names it).
 *
 * The header may name its columns in Chinese or English, in any order;
 * an unknown header is refused rather than silently dropped, because a
 * misspelt 题名 column would otherwise catalogue a whole batch without
 * titles.  Cells are converted to UTF-8 NFC and trimmed.
 */
#include "sheet.h"

#include <csv.h>
#include <errno.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>

#define SHEET_MAX (16u << 20)
#define SHEET_ROWS 100000
#define CELL_MAX SHEET_CELL_MAX

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

/* sheet_column: see sheet.h. */
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

/* The header and row logic's state, fed cell by cell and record by
 * record by the CSV parser or the .xlsx reader. */
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
	size_t rows_cap;        /* room in s->rows, doubled as it fills */
	struct hd_error *e;
	int rc;
};

/* One cell (p NULL or n 0 when empty): a column name while the header
 * is read, else a value of the row being gathered.  The first failure
 * is kept in ps->rc and the cells after it are ignored. */
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

/* The line of the CSV text at offset, from 1. */
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

/* Free the cells of r and leave them NULL. */
static void row_free(struct sheet_row *r)
{
	int i;

	for (i = 0; i < COL__COUNT; i++) {
		free(r->col[i]);
		r->col[i] = NULL;
	}
}

/* The end of a record: the header is checked for its 文件名 column, a
 * row that holds a value is kept (up to SHEET_ROWS) when it names its
 * files. */
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
		if (ps->cur.col[COL_FILE] == NULL) {
			ps->rc = hd_err(ps->e, HD_EINVAL, "%s line %d: the "
				"文件名 (file) cell is empty", ps->s->name,
				ps->cur_line);
			row_free(&ps->cur);
		} else if (ps->s->nrows >= SHEET_ROWS) {
			ps->rc = hd_err(ps->e, HD_ELIMIT, "%s: more than %d "
				"rows", ps->s->name, SHEET_ROWS);
			row_free(&ps->cur);
		} else {
			if (ps->s->nrows == ps->rows_cap) {
				ps->rows_cap = ps->rows_cap ?
					ps->rows_cap * 2 : 64;
				ps->s->rows = hd_xrealloc(ps->s->rows,
					ps->rows_cap * sizeof *ps->s->rows);
			}
			ps->cur.line = ps->cur_line;
			ps->s->rows[ps->s->nrows++] = ps->cur;
		}
	}
	memset(&ps->cur, 0, sizeof ps->cur);
	ps->cur_used = 0;
	ps->field = 0;
}

/* The .xlsx reader's row: its cells in the order of their columns,
 * then the end of the record, under the worksheet's row number. */
static int xlsx_row(void *ctx, int row, char *const *cells, size_t n)
{
	struct parse *ps = ctx;
	size_t i;

	ps->cur_line = row;
	for (i = 0; i < n && ps->rc == 0; i++) {
		cell_cb(cells[i], cells[i] ? strlen(cells[i]) : 0, ps);
	}
	record_cb(0, ps);
	return ps->rc;
}

/* Feed CSV text (UTF-8, NUL-terminated) to the row logic line by line,
 * so that messages can name the line of a record.  Returns 0 or the
 * first error. */
static int csv_feed(struct parse *ps, const char *name, const char *text)
{
	struct csv_parser p;
	size_t len = strlen(text), pos, chunk;

	ps->data = text;
	ps->cur_line = 1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
	    CSV_EMPTY_IS_NULL) != 0) {
		abort();
	}
	csv_set_realloc_func(&p, hd_xrealloc);
	for (pos = 0; pos < len && ps->rc == 0; pos += chunk) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		chunk = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		if (ps->field == 0 && ps->cur_used == 0) {
			ps->cur_line = line_of(ps, pos);
		}
		if (csv_parse(&p, text + pos, chunk, cell_cb, record_cb, ps)
		    != chunk) {
			ps->rc = hd_err(ps->e, HD_EINVAL, "%s line %d: "
				"malformed CSV: %s", name, line_of(ps, pos),
				csv_strerror(csv_error(&p)));
		}
	}
	if (ps->rc == 0 && csv_fini(&p, cell_cb, record_cb, ps) != 0) {
		ps->rc = hd_err(ps->e, HD_EINVAL, "%s: malformed CSV at the "
			"end (an unclosed quote?)", name);
	}
	csv_free(&p);
	return ps->rc;
}

/* What a file that is neither CSV nor .xlsx is, for the one line that
 * refuses it: libmagic's MIME type, in words for the kinds people
 * mistake for a sheet.  text_ok: the bytes read as text.  Returns a
 * static string, or one written into buf. */
static const char *other_kind(const char *data, size_t n, int text_ok,
	char *buf, size_t cap)
{
	static const struct {
		const char *mime, *words;
	} kinds[] = {
		{"application/vnd.ms-excel",
			"an Excel 97-2003 workbook (.xls)"},
		{"application/pdf", "a PDF document"},
		{"text/html", "an HTML page"},
		{"text/xml", "an XML file"},
		{"application/xml", "an XML file"},
		{"text/rtf", "an RTF document"},
	};
	const char *mime = NULL, *kind = NULL;
	magic_t m;
	size_t i;

	if (n >= 2 && ((data[0] == '\xFF' && data[1] == '\xFE') ||
	    (data[0] == '\xFE' && data[1] == '\xFF'))) {
		return "UTF-16 text";
	}
	m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
	if (m != NULL && magic_load(m, NULL) == 0) {
		mime = magic_buffer(m, data, n < (1u << 20) ? n : (1u << 20));
	}
	for (i = 0; mime != NULL && i < sizeof kinds / sizeof kinds[0];
	    i++) {
		if (strcmp(mime, kinds[i].mime) == 0) {
			kind = kinds[i].words;
		}
	}
	if (kind == NULL && n >= 8 &&
	    memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
		/* the OLE2 compound file of Office 97-2003, which libmagic
		 * names only when it finds the workbook stream */
		kind = "an Office 97-2003 file (.xls or .doc)";
	} else if (kind == NULL && mime != NULL &&
	    strncmp(mime, "text/", 5) == 0) {
		kind = text_ok ? NULL : "text in neither UTF-8 nor GB18030";
	} else if (kind == NULL) {
		snprintf(buf, cap, "a file of type %s",
			mime ? mime : "unknown");
		kind = buf;
	}
	if (m != NULL) {
		magic_close(m);
	}
	return kind;
}

/* sheet_parse: see sheet.h. */
int sheet_parse(const char *name, const char *data, size_t n,
	struct sheet *s, struct hd_error *e)
{
	struct parse ps;
	char *text = NULL, kbuf[160];
	const char *kind = NULL;
	int text_ok;

	memset(s, 0, sizeof *s);
	s->name = hd_xstrdup(name);
	if (n > SHEET_MAX) {
		return hd_err(e, HD_ELIMIT, "%s: larger than %u bytes", name,
			SHEET_MAX);
	}
	memset(&ps, 0, sizeof ps);
	ps.s = s;
	ps.e = e;
	/* a zip (an empty one too): local file header or end record */
	if (n >= 4 && (memcmp(data, "PK\3\4", 4) == 0 ||
	    memcmp(data, "PK\5\6", 4) == 0)) {
		ps.rc = xlsx_read(name, data, n, xlsx_row, &ps, e);
		goto done;
	}
	text = hd_text_to_utf8(data, n);
	text_ok = text != NULL && memchr(data, '\0', n) == NULL;
	/* text that opens as markup or a PDF would does not look like
	 * CSV either: libmagic has the last word */
	if (!text_ok || (n > 0 && strchr("<%{", data[0]) != NULL)) {
		kind = other_kind(data, n, text_ok, kbuf, sizeof kbuf);
	}
	if (kind != NULL) {
		ps.rc = hd_err(e, HD_EINVAL, "%s: %s, not a catalogue sheet: "
			SHEET_KINDS, name, kind);
		goto done;
	}
	csv_feed(&ps, name, text);
done:
	if (ps.rc == 0 && !ps.header_done) {
		ps.rc = hd_err(e, HD_EINVAL, "%s: empty sheet", name);
	}
	row_free(&ps.cur);
	free(text);
	if (ps.rc != 0) {
		sheet_release(s);
		s->name = hd_xstrdup(name);
	}
	return ps.rc;
}

/* sheet_load: see sheet.h. */
int sheet_load(const char *path, const char *name, struct sheet *s,
	struct hd_error *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	memset(s, 0, sizeof *s);
	if (f == NULL) {
		return hd_err(e, HD_EINVAL, "%s: cannot read the sheet: %s",
			name, strerror(errno));
	}
	buf = hd_xmalloc(SHEET_MAX + 1);
	n = fread(buf, 1, SHEET_MAX + 1, f);
	if (ferror(f)) {
		rc = hd_err(e, HD_EINVAL, "%s: cannot read the sheet: %s",
			name, strerror(errno));
	} else {
		rc = sheet_parse(name, buf, n, s, e);
	}
	fclose(f);
	free(buf);
	return rc;
}

/* sheet_reason: see sheet.h. */
const char *sheet_reason(const struct hd_error *e, const char *name)
{
	size_t k = strlen(name);

	if (k > 0 && strncmp(e->msg, name, k) == 0) {
		if (e->msg[k] == ':' && e->msg[k + 1] == ' ') {
			return e->msg + k + 2;
		}
		if (e->msg[k] == ' ') {
			return e->msg + k + 1;
		}
	}
	return e->msg;
}

/* sheet_release: see sheet.h. */
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

/* sheet_split: see sheet.h. */
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
