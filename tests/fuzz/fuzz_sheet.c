/*
 * fuzz_sheet.c - libFuzzer target for the catalogue-sheet parser:
 * whatever the bytes, it either refuses with a message naming the sheet
 * or returns rows whose cells are valid UTF-8.
 */
#include "../../ingest/sheet.h"
#include "sheetcheck.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	struct hd_error e;
	struct sheet s;

	hd_err_clear(&e);
	if (sheet_parse("fuzz.csv", (const char *)data, n, &s, &e) != 0) {
		if (strstr(e.msg, "fuzz.csv") == NULL) {
			abort();
		}
	} else {
		sheet_check_rows(&s);
	}
	sheet_release(&s);
	return 0;
}
