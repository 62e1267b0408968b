/*
 * fuzz_xlsx.c - libFuzzer target for .xlsx catalogue sheets: whatever
 * the bytes, sheet_parse either refuses with a message that names the
 * sheet at its head (not twice over) or returns rows whose cells are
 * valid UTF-8.
 *
 * Input that starts with "PK" is taken as the file itself (the zip
 * layer, the kind of file).  Any other input is the XML of a workbook's
 * parts separated by NUL bytes, which XML never holds: the worksheet,
 * then the shared strings, the styles and the workbook; each is stored
 * in a zip built here (zipmem.h) with the relationships that lead to it,
 * so that mutations reach the XML handlers rather than the zip's CRCs.
 */
#include "../../ingest/sheet.h"
#include "../unit/zipmem.h"
#include "sheetcheck.h"

#include <stdlib.h>
#include <string.h>

#define NPARTS 4

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

static const char pkg_rels[] = "<Relationships xmlns=\"http://schemas."
	"openxmlformats.org/package/2006/relationships\"><Relationship "
	"Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
	"2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
	"</Relationships>";
static const char book_rels[] = "<Relationships xmlns=\"http://schemas."
	"openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/"
	"officeDocument/2006/relationships/worksheet\" "
	"Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/"
	"officeDocument/2006/relationships/sharedStrings\" "
	"Target=\"sharedStrings.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/"
	"officeDocument/2006/relationships/styles\" "
	"Target=\"styles.xml\"/></Relationships>";
static const char book[] = "<workbook xmlns=\"http://schemas."
	"openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://"
	"schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	"<sheets><sheet name=\"s\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
	"</workbook>";

/* The workbook the NUL-separated parts of data describe, as a zip.
 * Returns a new buffer (caller frees) of *len bytes. */
static unsigned char *parts_zip(const unsigned char *data, size_t n,
	size_t *len)
{
	static const char *const part_names[NPARTS] = {
		"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
		"xl/styles.xml", "xl/workbook.xml"};
	const char *names[NPARTS + 2], *texts[NPARTS + 2];
	size_t lens[NPARTS + 2], k = 0, i, start = 0, part = 0;
	int have_book = 0;

	names[k] = "_rels/.rels";
	texts[k] = pkg_rels;
	lens[k++] = strlen(pkg_rels);
	names[k] = "xl/_rels/workbook.xml.rels";
	texts[k] = book_rels;
	lens[k++] = strlen(book_rels);
	for (i = 0; i <= n && part < NPARTS; i++) {
		if (i < n && data[i] != '\0') {
			continue;
		}
		names[k] = part_names[part];
		texts[k] = (const char *)data + start;
		lens[k++] = i - start;
		have_book |= part == 3;
		part++;
		start = i + 1;
	}
	if (!have_book) {
		names[k] = "xl/workbook.xml";
		texts[k] = book;
		lens[k++] = strlen(book);
	}
	return zipmem(names, texts, lens, k, 1, len);
}

/* One input: the file as it comes when it starts with "PK", else the
 * workbook its parts describe; see the top of the file for what is
 * asked of the result. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	unsigned char *zip = NULL;
	const char *msg;
	struct hd_error e;
	struct sheet s;
	size_t len;

	if (n >= 2 && data[0] == 'P' && data[1] == 'K') {
		len = n;
	} else {
		zip = parts_zip(data, n, &len);
	}
	hd_err_clear(&e);
	if (sheet_parse("fuzz.xlsx", zip ? (const char *)zip :
	    (const char *)data, len, &s, &e) != 0) {
		/* the name at the head, not twice over (a cell may hold
		 * the name, though) */
		msg = e.msg;
		if (strncmp(msg, "fuzz.xlsx", 9) != 0 ||
		    strncmp(msg + 9, ": fuzz.xlsx", 11) == 0 ||
		    !hd_utf8_valid(msg, strlen(msg))) {
			abort();
		}
	} else {
		sheet_check_rows(&s);
	}
	sheet_release(&s);
	free(zip);
	return 0;
}
