/*
 * test_xlsx.c - table-driven tests of the .xlsx reader (ingest/xlsx.c)
 * and of how sheet_parse tells the kinds of file apart: workbooks built
 * part by part in memory (zipmem.h), the fixtures of tests/data/xlsx
 * (made by openpyxl and as Excel writes them) against the same
 * catalogue as CSV, number formats and date serials.  Each row carries
 * the reason it exists, printed when it fails.
 */
#include "../../archive/hd.h"
#include "../../ingest/sheet.h"
#include "check.h"
#include "zipmem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIN "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/" \
	"2006/main\""
#define RNS "xmlns:r=\"http://schemas.openxmlformats.org/" \
	"officeDocument/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/" \
	"relationships/"
#define PKG "xmlns=\"http://schemas.openxmlformats.org/package/2006/" \
	"relationships\""

static const char book_rels[] = "<Relationships " PKG ">"
	"<Relationship Id=\"rId1\" Type=\"" REL "worksheet\" "
	"Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"" REL "styles\" "
	"Target=\"styles.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"" REL "sharedStrings\" "
	"Target=\"/xl/sharedStrings.xml\"/></Relationships>";
static const char pkg_rels[] = "<Relationships " PKG ">"
	"<Relationship Id=\"rId1\" Type=\"" REL "officeDocument\" "
	"Target=\"xl/workbook.xml\"/></Relationships>";
static const char book_one[] = "<workbook " MAIN " " RNS "><sheets>"
	"<sheet name=\"目录\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char book_1904[] = "<workbook " MAIN " " RNS ">"
	"<workbookPr date1904=\"1\"/><sheets><sheet name=\"目录\" "
	"sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char book_none[] = "<workbook " MAIN "><sheets/></workbook>";
/* cellXfs: 0 General, 1 built-in 14, 2 custom yyyy/m/d, 3 built-in 20
 * (h:mm), 4 built-in 22 (date and time), 5 custom 0.00, 6 built-in 31
 * (Chinese long date), 7 custom Chinese date with a locale */
static const char styles[] = "<styleSheet " MAIN "><numFmts count=\"3\">"
	"<numFmt numFmtId=\"164\" formatCode=\"yyyy/m/d;@\"/>"
	"<numFmt numFmtId=\"165\" formatCode=\"0.00\"/>"
	"<numFmt numFmtId=\"176\" formatCode=\"[$-804]yyyy&quot;年&quot;m"
	"&quot;月&quot;d&quot;日&quot;;@\"/></numFmts>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
	"<cellXfs count=\"8\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/>"
	"<xf numFmtId=\"164\"/><xf numFmtId=\"20\"/><xf numFmtId=\"22\"/>"
	"<xf numFmtId=\"165\"/><xf numFmtId=\"31\"/><xf numFmtId=\"176\"/>"
	"</cellXfs></styleSheet>";

#define SHEET(rows) "<worksheet " MAIN "><sheetData>" rows \
	"</sheetData></worksheet>"
#define IS(ref, text) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" text \
	"</t></is></c>"

static const struct {
	const char *book;       /* NULL: book_one */
	const char *sheet;      /* NULL: no worksheet part */
	const char *sst;        /* NULL: no shared strings part */
	const char *rows;       /* the rows read, or NULL: refused */
	const char *err;        /* what the refusal says */
	const char *why;
} books[] = {
	{NULL, SHEET("<row r=\"1\">" IS("A1", "a") IS("B1", "b") "</row>"
		"<row r=\"3\">" IS("B3", "c") "</row>"), NULL,
		"1:a|b\n3:|c\n", NULL,
		"inline strings; a skipped row and a missing cell"},
	{NULL, SHEET("<row r=\"2\">" IS("C2", "c") IS("A2", "a") "</row>"),
		NULL, "2:a||c\n", NULL, "cells placed by reference, any order"},
	{NULL, SHEET("<row><c t=\"inlineStr\"><is><t>a</t></is></c>"
		"<c t=\"inlineStr\"><is><t>b</t></is></c></row><row>"
		"<c t=\"inlineStr\"><is><t>c</t></is></c></row>"), NULL,
		"1:a|b\n2:c\n", NULL, "rows and cells without references"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c>"
		"<c r=\"B1\" t=\"s\"><v>0</v></c></row>"),
		"<sst " MAIN "><si><t>零</t></si><si><r><rPr><b/></rPr>"
		"<t>关于</t></r><r><t xml:space=\"preserve\">通知 </t></r>"
		"<rPh sb=\"0\" eb=\"1\"><t>guanyu</t></rPh></si></sst>",
		"1:关于通知 |零\n", NULL,
		"shared strings: rich text runs joined, the phonetic run "
		"left out"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
		"<c r=\"B1\" t=\"s\"><v>1</v></c></row>"),
		"<sst " MAIN "><si><t>a_x000D_b_x005F_x0041_</t></si>"
		"<si><t><![CDATA[x<y]]></t></si></sst>",
		"1:a\rb_x0041_|x<y\n", NULL,
		"_xHHHH_ escapes decoded once; CDATA is text"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\"><v>1985</v></c>"
		"<c r=\"B1\"><v>0.1</v></c><c r=\"C1\" t=\"n\"><v>1.5E-3</v>"
		"</c><c r=\"D1\"><v>31052.604166666701</v></c>"
		"<c r=\"E1\"><f>1+1</f><v>2</v></c></row>"), NULL,
		"1:1985|0.1|0.0015|31052.6041666667|2\n", NULL,
		"numbers as General shows them, 15 digits"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>31052</v></c>"
		"<c r=\"B1\" s=\"2\"><v>31052</v></c>"
		"<c r=\"C1\" s=\"3\"><v>0.5</v></c>"
		"<c r=\"D1\" s=\"4\"><v>31052.75</v></c>"
		"<c r=\"E1\" s=\"5\"><v>31052</v></c>"
		"<c r=\"F1\" s=\"6\"><v>21459</v></c>"
		"<c r=\"G1\" s=\"7\"><v>45292</v></c>"
		"<c r=\"H1\" s=\"99\"><v>7</v></c></row>"), NULL,
		"1:1985-01-05|1985-01-05|12:00:00|1985-01-05|31052|"
		"1958-10-01|2024-01-01|7\n", NULL,
		"date, time and number styles; a style the file lacks is "
		"General"},
	{book_1904, SHEET("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>29590</v>"
		"</c><c r=\"B1\" s=\"1\"><v>0</v></c></row>"), NULL,
		"1:1985-01-05|1904-01-01\n", NULL, "the 1904 date system"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" t=\"b\"><v>1</v></c>"
		"<c r=\"B1\" t=\"b\"><v>0</v></c><c r=\"C1\" t=\"e\">"
		"<v>#N/A</v></c><c r=\"D1\" t=\"str\"><f>A1&amp;\"x\"</f>"
		"<v>TRUEx</v></c><c r=\"E1\" t=\"d\">"
		"<v>1985-01-05T00:00:00</v></c></row>"), NULL,
		"1:TRUE|FALSE|#N/A|TRUEx|1985-01-05\n", NULL,
		"booleans, errors, a formula's text, an ISO date cell"},
	{NULL, SHEET("<row r=\"1\">" IS("A1", "x") "<c r=\"B1\" t=\"b\"/>"
		"<c r=\"C1\" t=\"d\"><v></v></c></row>"), NULL, "1:x\n", NULL,
		"empty cells of other types keep nothing of the cell before"},
	{NULL, "<x:worksheet xmlns:x=\"http://purl.oclc.org/ooxml/"
		"spreadsheetml/main\"><x:sheetData><x:row x:r=\"1\">"
		"<x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>p</x:t></x:is></x:c>"
		"</x:row></x:sheetData></x:worksheet>", NULL, "1:p\n", NULL,
		"prefixed elements (Strict OOXML) read by local name"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" s=\"0\"/><c r=\"B1\" "
		"t=\"s\"/></row><row r=\"2\"/>"), NULL, "", NULL,
		"styled empty cells and empty rows are no rows"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row>"),
		"<sst " MAIN "><si><t>a</t></si></sst>", NULL,
		"uses shared string 5, which the file does not have",
		"a shared string past the table"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"),
		NULL, NULL, "uses shared string 0",
		"a shared string without the table"},
	{NULL, SHEET("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>"), NULL,
		NULL, "'XFE1' is not a cell reference",
		"a column past XFD"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A-1\"><v>1</v></c></row>"), NULL,
		NULL, "'A-1' is not a cell reference", "a malformed reference"},
	{NULL, SHEET("<row r=\"0\"><c r=\"A1\"><v>1</v></c></row>"), NULL,
		NULL, "a row whose number is not one from 1 to 1048576",
		"row 0"},
	{NULL, SHEET("<row r=\"1048577\"/>"), NULL, NULL,
		"a row whose number is not one", "a row past Excel's last"},
	{NULL, "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY e SYSTEM "
		"\"file:///etc/passwd\">]>" SHEET("<row r=\"1\">"
		IS("A1", "&e;") "</row>"), NULL, NULL,
		"xl/worksheets/sheet1.xml declares a document type",
		"an external entity"},
	{NULL, SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"),
		"<!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
		"\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><sst " MAIN "><si><t>&b;"
		"</t></si></sst>", NULL,
		"xl/sharedStrings.xml declares a document type",
		"entity expansion in the shared strings"},
	{NULL, SHEET("<row r=\"1\">" IS("A1", "&undeclared;") "</row>"),
		NULL, NULL, "xl/worksheets/sheet1.xml line 1: malformed XML",
		"an undeclared entity"},
	{NULL, "<worksheet " MAIN "><sheetData><row r=\"1\">", NULL, NULL,
		"malformed XML", "a worksheet cut short"},
	{NULL, NULL, NULL, NULL,
		"the worksheet '目录' (xl/worksheets/sheet1.xml) is missing",
		"the worksheet part is missing"},
	{book_none, SHEET(""), NULL, NULL, "the workbook has no worksheet",
		"no sheets listed"},
};

/* A workbook in memory: the package and workbook relationships, the
 * workbook (book, or book_one), the styles, and the worksheet and
 * shared strings when not NULL.  Returns a new buffer (caller frees). */
static unsigned char *book(const char *wb, const char *sheet,
	const char *sst, size_t *n)
{
	const char *names[6], *data[6];
	size_t lens[6], k = 0, i;

	names[k] = "_rels/.rels";
	data[k++] = pkg_rels;
	names[k] = "xl/workbook.xml";
	data[k++] = wb ? wb : book_one;
	names[k] = "xl/_rels/workbook.xml.rels";
	data[k++] = book_rels;
	names[k] = "xl/styles.xml";
	data[k++] = styles;
	if (sheet != NULL) {
		names[k] = "xl/worksheets/sheet1.xml";
		data[k++] = sheet;
	}
	if (sst != NULL) {
		names[k] = "xl/sharedStrings.xml";
		data[k++] = sst;
	}
	for (i = 0; i < k; i++) {
		lens[i] = strlen(data[i]);
	}
	return zipmem(names, data, lens, k, 0, n);
}

/* xlsx_read's row callback for the tests: "LINE:a|b|c\n" into the
 * hd_buf ctx. */
static int dump_row(void *ctx, int row, char *const *cells, size_t n)
{
	struct hd_buf *b = ctx;
	size_t i;

	hd_buf_printf(b, "%d:", row);
	for (i = 0; i < n; i++) {
		hd_buf_printf(b, "%s%s", i ? "|" : "",
			cells[i] ? cells[i] : "");
	}
	hd_buf_puts(b, "\n");
	return 0;
}

/* Read data as "t.xlsx" into *out (caller releases); returns the code. */
static int read_rows(const unsigned char *data, size_t n, struct hd_buf *out,
	struct hd_error *e)
{
	hd_buf_init(out);
	hd_err_clear(e);
	return xlsx_read("t.xlsx", data, n, dump_row, out, e);
}

/* Each row of books[]: read, or refused naming the file once. */
static void test_books(void)
{
	struct hd_error e;
	struct hd_buf out;
	unsigned char *z;
	char name[64];
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof books / sizeof books[0]; i++) {
		z = book(books[i].book, books[i].sheet, books[i].sst, &n);
		rc = read_rows(z, n, &out, &e);
		snprintf(name, sizeof name, "xlsx-%zu", i);
		if (books[i].rows != NULL) {
			check(name, rc == 0 && strcmp(out.p ? out.p : "",
				books[i].rows) == 0, "%s (got rc %d: %s)",
				books[i].why, rc, rc ? e.msg : out.p ? out.p :
				"");
		} else {
			/* the file named once, at the head */
			check(name, rc != 0 && strncmp(e.msg, "t.xlsx", 6) ==
				0 && strstr(e.msg + 6, "t.xlsx") == NULL &&
				strstr(e.msg, books[i].err) != NULL,
				"%s (got rc %d: %s)", books[i].why, rc,
				rc ? e.msg : out.p ? out.p : "");
		}
		hd_buf_release(&out);
		free(z);
	}
}

/* Sizes: a cell past SHEET_CELL_MAX, in the worksheet and in the shared
 * strings (refused where it is used, with its line). */
static void test_caps(void)
{
	struct hd_error e;
	struct hd_buf out, x;
	unsigned char *z;
	size_t n;
	int rc;

	hd_buf_init(&x);
	hd_buf_puts(&x, "<worksheet " MAIN "><sheetData><row r=\"4\">"
		"<c r=\"A4\" t=\"inlineStr\"><is><t>");
	for (n = 0; n <= SHEET_CELL_MAX; n += 8) {
		hd_buf_puts(&x, "12345678");
	}
	hd_buf_puts(&x, "</t></is></c></row></sheetData></worksheet>");
	z = book(NULL, x.p, NULL, &n);
	rc = read_rows(z, n, &out, &e);
	check("cap-cell", rc != 0 && strcmp(e.msg, "t.xlsx line 4: a cell "
		"is longer than 65536 bytes") == 0,
		"an inline string over the cell cap (got %s)", e.msg);
	hd_buf_release(&out);
	free(z);
	hd_buf_release(&x);

	hd_buf_init(&x);
	hd_buf_puts(&x, "<sst " MAIN "><si><t>ok</t></si><si><t>");
	for (n = 0; n <= SHEET_CELL_MAX; n += 8) {
		hd_buf_puts(&x, "12345678");
	}
	hd_buf_puts(&x, "</t></si></sst>");
	z = book(NULL, SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
		"</row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row>"),
		x.p, &n);
	rc = read_rows(z, n, &out, &e);
	check("cap-sst-cell", rc != 0 && strcmp(out.p ? out.p : "",
		"1:ok\n") == 0 && strstr(e.msg, "t.xlsx line 2: a cell is "
		"longer") != NULL,
		"a long shared string is refused on the row that uses it "
		"(got %s / %s)", out.p ? out.p : "", e.msg);
	hd_buf_release(&out);
	free(z);
	hd_buf_release(&x);
}

/* A zip that is no workbook, and bytes that are no zip. */
static void test_not_books(void)
{
	static const char *const names[] = {"mimetype", "content.xml"};
	static const char *const data[] = {
		"application/vnd.oasis.opendocument.spreadsheet", "<x/>"};
	size_t lens[2] = {strlen(data[0]), strlen(data[1])}, n;
	struct hd_error e;
	struct hd_buf out;
	unsigned char *z;
	int rc;

	z = zipmem(names, data, lens, 2, 1, &n);
	rc = read_rows(z, n, &out, &e);
	check("ods", rc != 0 && strcmp(e.msg, "t.xlsx: an OpenDocument "
		"spreadsheet (.ods), not a catalogue sheet: give CSV (UTF-8 "
		"or GB18030) or .xlsx") == 0, "an .ods says what it is and "
		"what to give (got %s)", e.msg);
	hd_buf_release(&out);
	free(z);
	z = zipmem(names + 1, data + 1, lens + 1, 1, 1, &n);
	rc = read_rows(z, n, &out, &e);
	check("zip", rc != 0 && strstr(e.msg, "t.xlsx: a zip archive "
		"without an Excel workbook, not a catalogue sheet") == e.msg,
		"any other zip (got %s)", e.msg);
	hd_buf_release(&out);
	free(z);
	rc = read_rows((const unsigned char *)"PK\3\4garbage", 11, &out, &e);
	check("not-zip", rc != 0 && strstr(e.msg, "t.xlsx: not a readable "
		".xlsx (zip) file") == e.msg, "a zip's signature, then "
		"garbage (got %s)", e.msg);
	hd_buf_release(&out);
}

static const struct {
	const char *name;
	const char *data;
	size_t n;               /* 0: strlen(data) */
	const char *kind;       /* NULL: read as CSV */
	const char *why;
} kinds[] = {
	{"目录.pdf", "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", 0,
		"a PDF document", "a PDF, even of plain ASCII"},
	{"目录.xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0\0\0\0\0"
		"\0\0\0\0\0\0\0\0>\0\3\0\xFE\xFF\t\0", 32,
		"an Office 97-2003 file (.xls or .doc)",
		"an Excel 97-2003 file"},
	{"目录.csv", "\xFF\xFE\x87\x65\xF6\x4E\x0D\x54", 8, "UTF-16 text",
		"Excel's \"Unicode text\" is UTF-16"},
	{"目录.html", "<html><body><table><tr><td>文件名</td></tr></table>"
		"</body></html>\n", 0, "an HTML page",
		"a web page saved as .xls"},
	{"目录.png", "\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x02"
		"\0\0\0\x90wS\xDE", 33, "a file of type image/png",
		"an image, named by libmagic"},
	{"目录.csv", "\x80\x80\x80\x80,\xFF\n", 7,
		"text in neither UTF-8 nor GB18030",
		"bytes that no text encoding takes"},
	{"目录.csv", "文件名,题名\na.jpg,x\n", 0, NULL,
		"UTF-8 CSV is CSV"},
	{"目录.csv", "<文件名>,题名\na.jpg,x\n", 0, NULL,
		"markup-looking text that libmagic calls text is CSV (and its "
		"header is then refused by name)"},
};

/* sheet_parse tells the kinds apart by content and says, in one line
 * naming the file once, what a file is and which kinds it takes. */
static void test_kinds(void)
{
	struct hd_error e;
	struct sheet s;
	char name[64], want[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		hd_err_clear(&e);
		rc = sheet_parse(kinds[i].name, kinds[i].data, kinds[i].n ?
			kinds[i].n : strlen(kinds[i].data), &s, &e);
		snprintf(name, sizeof name, "kind-%zu", i);
		if (kinds[i].kind == NULL) {
			check(name, rc == 0 || strstr(e.msg, "not a catalogue")
				== NULL, "%s (got %s)", kinds[i].why,
				rc ? e.msg : "rows");
		} else {
			snprintf(want, sizeof want, "%s: %s, not a catalogue "
				"sheet: give CSV (UTF-8 or GB18030) or .xlsx",
				kinds[i].name, kinds[i].kind);
			check(name, rc != 0 && strcmp(e.msg, want) == 0,
				"%s (got %s)", kinds[i].why, e.msg);
		}
		sheet_release(&s);
	}
	hd_err_clear(&e);
	hd_err(&e, HD_EINVAL, "a/目录.csv line 3: x");
	check("reason-line", strcmp(sheet_reason(&e, "a/目录.csv"),
		"line 3: x") == 0, "the name is taken off a line message");
	hd_err(&e, HD_EINVAL, "a/目录.csv: y");
	check("reason-colon", strcmp(sheet_reason(&e, "a/目录.csv"), "y")
		== 0, "and off a file message");
	check("reason-other", strcmp(sheet_reason(&e, "b.csv"),
		"a/目录.csv: y") == 0, "another name is left alone");
}

/* The value of column c of row r of s, normalised as the describe stage
 * reads it: a date to its ISO form. */
static const char *cell_of(const struct sheet *s, size_t r, int c,
	char iso[32])
{
	const char *v = s->rows[r].col[c];
	struct hd_date d;

	if (v != NULL && c == COL_DATE && hd_date_parse(v, &d, NULL) == 0) {
		snprintf(iso, 32, "%s", d.iso);
		return iso;
	}
	return v ? v : "";
}

/* The fixtures: every .xlsx gives the rows of catalogue.csv. */
static void test_fixtures(void)
{
	static const char *const files[] = {"openpyxl.xlsx", "excel.xlsx",
		"excel1904.xlsx"};
	const char *top = getenv("HD_TOP");
	char path[1024], name[64], a[32], b[32];
	struct sheet csv, x;
	struct hd_error e;
	size_t i, r;
	int c, same;

	if (top == NULL) {
		top = ".";
	}
	snprintf(path, sizeof path, "%s/tests/data/xlsx/catalogue.csv", top);
	if (sheet_load(path, "catalogue.csv", &csv, &e) != 0) {
		check("fixtures", 0, "no fixtures (set HD_TOP): %s", e.msg);
		return;
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/tests/data/xlsx/%s", top,
			files[i]);
		snprintf(name, sizeof name, "fixture-%s", files[i]);
		hd_err_clear(&e);
		if (sheet_load(path, files[i], &x, &e) != 0) {
			check(name, 0, "reads (got %s)", e.msg);
			continue;
		}
		same = x.nrows == csv.nrows;
		for (r = 0; same && r < x.nrows; r++) {
			for (c = 0; c < COL__COUNT; c++) {
				if (strcmp(cell_of(&x, r, c, a),
				    cell_of(&csv, r, c, b)) != 0) {
					same = 0;
					check(name, 0, "row %zu column %d: "
						"'%s', the CSV has '%s'", r, c,
						cell_of(&x, r, c, a),
						cell_of(&csv, r, c, b));
					break;
				}
			}
		}
		if (same) {
			check(name, 1, "the rows of catalogue.csv");
		}
		sheet_release(&x);
	}
	sheet_release(&csv);
	snprintf(path, sizeof path, "%s/tests/data/xlsx/minimal.xlsx", top);
	hd_err_clear(&e);
	c = sheet_load(path, "minimal.xlsx", &x, &e);
	check("fixture-minimal", c == 0 && x.nrows == 1 &&
		x.rows[0].line == 3 && strcmp(x.rows[0].col[COL_DATE],
		"1985年1月5日") == 0, "five parts, inline strings, no styles "
		"(got %s)", c ? e.msg : "other rows");
	sheet_release(&x);
}

static const struct {
	int id;
	const char *code;
	int kind;               /* 0 number, 1 date, 2 time, 3 both */
	const char *why;
} fmts[] = {
	{0, NULL, 0, "General"},
	{14, NULL, 1, "built-in short date"},
	{17, NULL, 1, "built-in mmm-yy"},
	{22, NULL, 3, "built-in date and time"},
	{20, NULL, 2, "built-in h:mm"},
	{46, NULL, 2, "built-in [h]:mm:ss"},
	{31, NULL, 1, "zh-CN yyyy年m月d日"},
	{57, NULL, 1, "zh-CN yyyy年m月"},
	{32, NULL, 2, "zh-CN h时mm分"},
	{49, NULL, 0, "text @"},
	{164, "yyyy/m/d;@", 1, "custom date"},
	{164, "[$-804]yyyy\"年\"m\"月\"d\"日\";@", 1,
		"custom Chinese date with a locale"},
	{164, "[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\"", 1,
		"Chinese numerals"},
	{164, "yyyy-mm-dd h:mm:ss", 3, "custom date and time"},
	{164, "h:mm:ss AM/PM", 2, "custom time"},
	{164, "[h]:mm", 2, "elapsed hours"},
	{164, "mm:ss", 2, "minutes, not months, beside seconds"},
	{164, "mmm", 1, "a month name"},
	{164, "0.00", 0, "two decimals"},
	{164, "#,##0.00_);[Red](#,##0.00)", 0, "accounting, a colour"},
	{164, "\"Day\" 0", 0, "a quoted d is text"},
	{164, "0\\d", 0, "an escaped d is text"},
	{164, "General", 0, "General as a code"},
	{164, "0.00E+00", 0, "scientific"},
};

static const struct {
	double serial;
	int date1904;
	const char *iso;        /* NULL: refused */
	const char *why;
} serials[] = {
	{1, 0, "1900-01-01", "day 1"},
	{59, 0, "1900-02-28", "the day before Excel's phantom"},
	{60, 0, "1900-02-29", "Excel's phantom leap day, kept as written"},
	{61, 0, "1900-03-01", "after the phantom"},
	{31052, 0, "1985-01-05", "a day"},
	{31052.6, 0, "1985-01-05", "the time of day is dropped"},
	{31052.999999999, 0, "1985-01-06", "rounded to the second"},
	{2958465, 0, "9999-12-31", "the last day"},
	{0, 1, "1904-01-01", "1904 system day 0"},
	{29590, 1, "1985-01-05", "1904 system"},
	{0, 0, NULL, "Excel's 1900-01-00"},
	{-1, 0, NULL, "negative"},
	{2958466, 0, NULL, "past 9999"},
	{NAN, 0, NULL, "not a number"},
	{INFINITY, 0, NULL, "infinite"},
};

/* The rows of fmts[] and serials[]. */
static void test_formats(void)
{
	char name[64], iso[11];
	size_t i;
	int k;

	for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		k = xlsx_numfmt_kind(fmts[i].id, fmts[i].code);
		snprintf(name, sizeof name, "numfmt-%zu", i);
		check(name, k == fmts[i].kind, "%s: %s (got %d)", fmts[i].why,
			fmts[i].code ? fmts[i].code : "built-in", k);
	}
	for (i = 0; i < sizeof serials / sizeof serials[0]; i++) {
		k = xlsx_serial_date(serials[i].serial, serials[i].date1904,
			iso);
		snprintf(name, sizeof name, "serial-%zu", i);
		if (serials[i].iso == NULL) {
			check(name, k != 0, "%s (got %s)", serials[i].why, iso);
		} else {
			check(name, k == 0 && strcmp(iso, serials[i].iso) == 0,
				"%s (got %s)", serials[i].why, k ? "refused" :
				iso);
		}
	}
}

/* Every test; the exit status says whether one failed. */
int main(void)
{
	test_books();
	test_caps();
	test_not_books();
	test_kinds();
	test_fixtures();
	test_formats();
	return check_done();
}
