/*
 * sheetcheck.h - what the sheet fuzz targets (fuzz_sheet.c, fuzz_xlsx.c)
 * ask of every sheet that sheet_parse accepts.
 */
#ifndef HD_FUZZ_SHEETCHECK_H
#define HD_FUZZ_SHEETCHECK_H

#include "../../ingest/sheet.h"

#include <stdlib.h>
#include <string.h>

/* Abort (a finding for libFuzzer) unless every cell of s is valid
 * UTF-8. */
static void sheet_check_rows(const struct sheet *s)
{
	size_t i;
	int c;

	for (i = 0; i < s->nrows; i++) {
		for (c = 0; c < COL__COUNT; c++) {
			const char *v = s->rows[i].col[c];

			if (v && !hd_utf8_valid(v, strlen(v))) {
				abort();
			}
		}
	}
}

#endif
