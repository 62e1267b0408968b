/*
 * sheet.h - catalogue sheets (目录): the CSV a scanning contractor
 * delivers with a batch, one row per record.
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

struct sheet_row {
	int line;                   /* line number in the file, from 1 */
	char *col[COL__COUNT];      /* trimmed UTF-8 NFC, NULL when absent */
};

struct sheet {
	char *name;                 /* the sheet's name, for messages */
	struct sheet_row *rows;
	size_t nrows;
	int has[COL__COUNT];        /* the header named this column */
};

/* Parse a sheet held in memory (UTF-8 with or without BOM, or GB18030).
 * name is used in messages.  Caps: 16 MiB, 100,000 rows, 64 KiB a cell.
 * Refuses (HD_EINVAL, message naming the sheet and the line) an unknown
 * header, a missing 文件名 column, a repeated column, invalid encoding or
 * a malformed CSV.  Fills *s (release with sheet_release). */
int sheet_parse(const char *name, const char *data, size_t n,
	struct sheet *s, struct hd_error *e);
/* Read and parse a sheet file. */
int sheet_load(const char *path, struct sheet *s, struct hd_error *e);
void sheet_release(struct sheet *s);
/* The column a header names (Chinese or English), or -1. */
int sheet_column(const char *header);
/* Split a multi-value cell on ; ； 、 , ， into trimmed non-empty parts
 * appended to *v. */
void sheet_split(const char *cell, char ***v, size_t *n);

#endif
