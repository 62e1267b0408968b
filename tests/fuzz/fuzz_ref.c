/*
 * fuzz_ref.c - libFuzzer target for the reference-code and date parsers:
 * a code that parses formats back to a code that parses to the same
 * fields; no input crashes either parser.
 */
#include "../../archive/hd.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	char *s = hd_xstrndup((const char *)data, n);
	struct hd_ref r, r2;
	struct hd_date d;
	char out[64];

	if (hd_ref_parse(s, &r, NULL) == 0) {
		hd_ref_format(&r, out, sizeof out);
		if (hd_ref_parse(out, &r2, NULL) != 0 ||
		    memcmp(&r, &r2, sizeof r) != 0) {
			abort();
		}
	}
	if (hd_date_parse(s, &d, NULL) == 0) {
		if (d.year < 1000 || d.year_end < d.year ||
		    strlen(d.iso) == 0) {
			abort();
		}
	}
	free(s);
	return 0;
}
