/*
 * sheetw.c - catalogue sheets as Hongdang writes them: one row a record,
 * in the columns the ingest's sheet reader takes (ingest/sheet.c), so that
 * what is written goes back in as a sheet.  A bag's metadata/records.csv
 * (transfer.c) and the staff catalogue's downloads (CSV and .xlsx) are
 * made from these cells.
 *
 * Guarantees: every cell is a value the reader reads back as it was
 * catalogued: codes as codes (门类 ZP, 开放 restricted), lists joined with
 * ';' (a separator the reader splits on), the files named one by one in
 * their order; a CSV cell is always quoted, its quotes doubled by libcsv's
 * csv_write, so commas, quotes and line breaks inside it survive.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

const char *const hd_sheet_columns[HD_SHEET_COLUMNS] = {
	"文件名", "题名", "责任者", "日期", "门类", "保管期限", "开放",
	"主题词", "人物", "地点", "页数", "机构问题", "附注", "位置",
};

/* v[0..n) joined by ';' as a new string (caller frees). */
static char *joined(char *const *v, size_t n)
{
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	for (i = 0; i < n; i++) {
		hd_buf_printf(&b, "%s%s", i ? ";" : "", v[i]);
	}
	return hd_buf_detach(&b);
}

/* The 文件名 cell of r: its files' names, each after folder and '/' when
 * folder is not NULL, joined by ';'.  A name holding ';' or '；' (which
 * the reader splits on) makes the cell the folder alone, which names
 * every file in it; without a folder the names are joined all the same.
 * A new string (caller frees). */
static char *files_cell(const struct hd_record *r, const char *folder)
{
	struct hd_buf b;
	size_t k;
	int plain = 1;

	for (k = 0; k < r->nfiles; k++) {
		if (strchr(r->files[k].name, ';') != NULL ||
		    strstr(r->files[k].name, "\xEF\xBC\x9B") != NULL) {
			plain = 0;
		}
	}
	if (!plain && folder != NULL) {
		return hd_xstrdup(folder);
	}
	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	for (k = 0; k < r->nfiles; k++) {
		hd_buf_printf(&b, "%s%s%s%s", k ? ";" : "",
			folder ? folder : "", folder ? "/" : "",
			r->files[k].name);
	}
	return hd_buf_detach(&b);
}

/* See hd.h. */
void hd_sheet_cells(const struct hd_record *r, const char *folder,
	char *cells[HD_SHEET_COLUMNS])
{
	const char *const plain[HD_SHEET_COLUMNS] = {
		NULL, r->title, r->creator, r->date, r->category,
		r->retention, r->access, NULL, NULL, r->place, NULL, r->cls,
		r->description, r->location,
	};
	size_t i;

	for (i = 0; i < HD_SHEET_COLUMNS; i++) {
		cells[i] = hd_xstrdup(plain[i] != NULL ? plain[i] : "");
	}
	free(cells[0]);
	cells[0] = files_cell(r, folder);
	free(cells[7]);
	cells[7] = joined(r->subjects, r->nsubjects);
	free(cells[8]);
	cells[8] = joined(r->persons, r->npersons);
	if (r->pages > 0) {
		free(cells[10]);
		cells[10] = hd_xasprintf("%d", r->pages);
	}
}

/* See hd.h. */
void hd_csv_row(struct hd_buf *b, char *const *cells, size_t n)
{
	size_t i, len, need;
	char *cell;

	for (i = 0; i < n; i++) {
		len = strlen(cells[i]);
		need = csv_write(NULL, 0, cells[i], len);
		cell = hd_xmalloc(need);
		csv_write(cell, need, cells[i], len);
		hd_buf_add(b, cell, need);
		free(cell);
		hd_buf_puts(b, i + 1 < n ? "," : "\r\n");
	}
}

/* See hd.h: the BOM, then the column names as they are (none needs
 * quotes), as sheets are usually headed. */
void hd_sheet_csv_header(struct hd_buf *b)
{
	size_t i;

	hd_buf_puts(b, "\xEF\xBB\xBF");
	for (i = 0; i < HD_SHEET_COLUMNS; i++) {
		hd_buf_printf(b, "%s%s", hd_sheet_columns[i],
			i + 1 < HD_SHEET_COLUMNS ? "," : "\r\n");
	}
}

/* See hd.h. */
void hd_sheet_cells_release(char *cells[HD_SHEET_COLUMNS])
{
	size_t i;

	for (i = 0; i < HD_SHEET_COLUMNS; i++) {
		free(cells[i]);
		cells[i] = NULL;
	}
}

/* See hd.h. */
void hd_sheet_csv_record(struct hd_buf *b, const struct hd_record *r,
	const char *folder)
{
	char *cells[HD_SHEET_COLUMNS];

	hd_sheet_cells(r, folder, cells);
	hd_csv_row(b, cells, HD_SHEET_COLUMNS);
	hd_sheet_cells_release(cells);
}
