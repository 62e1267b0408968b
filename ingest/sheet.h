/*
 * sheet.h - catalogue sheets (目录): the CSV or .xlsx a scanning
 * contractor or the archive room delivers with a batch, one row per
 * record.
 */
#ifndef HD_SHEET_H
#define HD_SHEET_H

#include "../archive/hd.h"

enum sheet_col {
	COL_FILE,           /* 文件名: paths ';'-separated, or a folder */
	COL_TITLE,          /* 题名 */
	COL_CREATOR,        /* 责任者 */
	COL_DATE,           /* 日期 */
	COL_CATEGORY,       /* 门类 */
	COL_RETENTION,      /* 保管期限 */
	COL_ACCESS,         /* 开放 */
	COL_SUBJECTS,       /* 主题词 */
	COL_PERSONS,        /* 人物 */
	COL_PLACE,          /* 地点 */
	COL_PAGES,          /* 页数 */
	COL_CLASS,          /* 机构问题 */
	COL_DESCRIPTION,    /* 附注 */
	COL_LOCATION,       /* 位置 */
	COL_LANGUAGE,       /* 语种: OCR language (简体, 繁体, 英文, chi_sim) */
	COL__COUNT
};

/* The longest cell, in bytes of UTF-8. */
#define SHEET_CELL_MAX (64u << 10)
/* What a file that is no sheet is told (after its kind). */
#define SHEET_KINDS "give CSV (UTF-8 or GB18030) or .xlsx"

struct sheet_row {
	int line;                   /* line number in the file, from 1 (the
	                             * row number of an .xlsx) */
	char *col[COL__COUNT];      /* trimmed UTF-8 NFC, NULL when absent */
};

struct sheet {
	char *name;                 /* the sheet's name, for messages */
	struct sheet_row *rows;
	size_t nrows;
	int has[COL__COUNT];        /* the header named this column */
};

/* Parse a sheet held in memory: an .xlsx workbook (known by its zip
 * signature, whatever its name; its first visible worksheet is read, see
 * xlsx_read) or CSV in UTF-8 (with or without BOM) or GB18030.  The
 * first row that is not empty is the header.  name is used in messages.
 * Caps: 16 MiB, 100,000 rows, SHEET_CELL_MAX a cell.  Refuses (HD_EINVAL
 * or HD_ELIMIT, a message naming the sheet and the line) an unknown
 * header, a missing 文件名 column, a repeated column, invalid encoding,
 * a malformed CSV or .xlsx, and a file of another kind (.xls, .ods, PDF,
 * UTF-16, binary: "NAME: KIND, not a catalogue sheet: " SHEET_KINDS).
 * Fills *s (release with sheet_release; *s is empty on failure). */
int sheet_parse(const char *name, const char *data, size_t n,
	struct sheet *s, struct hd_error *e);
/* Read and parse the sheet file at path; messages name it name (the
 * path as the user gave it).  Returns as sheet_parse does, or HD_EINVAL
 * when the file cannot be read. */
int sheet_load(const char *path, const char *name, struct sheet *s,
	struct hd_error *e);
/* Free the rows and name of s and leave it empty.  Accepts NULL. */
void sheet_release(struct sheet *s);
/* A sheet error's reason without the sheet's name at its head, for a
 * caller that shows the name beside it: "x.csv line 3: y" gives
 * "line 3: y", "x.csv: y" gives "y".  Returns a pointer into e->msg. */
const char *sheet_reason(const struct hd_error *e, const char *name);
/* The column a header names (Chinese or English), or -1. */
int sheet_column(const char *header);
/* Split a multi-value cell on ; ； 、 , ， into trimmed non-empty parts
 * appended to *v. */
void sheet_split(const char *cell, char ***v, size_t *n);

/* ---------------------------------------------------------- .xlsx */

/* One row of a worksheet: cells[i] is the text of column i (A is 0),
 * NULL when empty; n is one past the last cell that is not empty.
 * Returns 0 to go on, or a negative code (with the error set) to stop. */
typedef int (*xlsx_row_fn)(void *ctx, int row, char *const *cells,
	size_t n);
/* Read the first visible worksheet (in the order of the tabs) of the
 * .xlsx held in data[0..n), calling fn for each row that holds a cell,
 * in the order of the file.  Cells are UTF-8: shared and inline strings
 * (rich text runs joined, phonetic runs left out, _xHHHH_ escapes
 * decoded), numbers as Excel's General format shows them ("1985", "2",
 * "0.5"), booleans TRUE/FALSE, and numbers styled as dates as ISO dates
 * ("1985-01-05", xlsx_serial_date; the date of a date and time) or
 * times ("14:30:00").  Caps: 10,000 zip entries, 16 MiB unpacked for the
 * package, workbook, relationship and style parts and 128 MiB for the
 * worksheet and the shared strings, 1,000,000 shared strings, 4,000,000
 * cells, rows 1 to 1048576, columns A to XFD, SHEET_CELL_MAX a cell.
 * Returns 0, fn's code, or HD_EINVAL / HD_ELIMIT with a message naming
 * name (and the part of the file) for a damaged, hostile or over-large
 * file, a DTD or entity declaration, a zip with no workbook (.ods,
 * .docx: the message says what it is and SHEET_KINDS) or a workbook
 * without a worksheet.  Allocates nothing that outlives the call. */
int xlsx_read(const char *name, const void *data, size_t n,
	xlsx_row_fn fn, void *ctx, struct hd_error *e);
/* The kind of a number format: 0 a number, 1 a date, 2 a time of day,
 * 3 a date and time.  code is the format's code ("yyyy/m/d",
 * "[$-804]yyyy\"年\"m\"月\";@") or NULL for a built-in id (14-17, 22,
 * 18-21, 45-47 and the Chinese 27-36, 50-58). */
int xlsx_numfmt_kind(int id, const char *code);
/* The ISO date "YYYY-MM-DD" of a serial day number of the 1900 date
 * system (or 1904 when date1904), the time of day dropped.  Returns 0,
 * or -1 for a negative, non-finite or past-9999 serial and for serial 0
 * of the 1900 system (Excel's "1900-01-00"). */
int xlsx_serial_date(double serial, int date1904, char out[11]);

#endif
