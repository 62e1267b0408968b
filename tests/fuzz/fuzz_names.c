/*
 * fuzz_names.c - libFuzzer target for entry_name_check (ingest/names.c).
 *
 * Every archive entry name an attacker writes passes through
 * entry_name_check, so whatever bytes come in, an accepted name must be
 * safe to join under the batch folder.  Invariants checked on success:
 * the result is valid UTF-8 with no NUL, no control character and no
 * backslash; it does not start with '/' nor with a drive letter; it has
 * no "..", "." or empty component; no component is over 255 bytes and
 * the whole is at most 4096; and checking the result again gives the
 * result unchanged (it is already in the one canonical form).  On
 * refusal the message must be one line of valid UTF-8.
 *
 * Build and run with the Makefile ("make fuzz-run FUZZ_SECONDS=60", all
 * targets), or this one alone:
 *   make BUILD=build-fuzz CC=clang FUZZ=1 build-fuzz/fuzz/fuzz_names
 *   build-fuzz/fuzz/fuzz_names -max_total_time=60 -max_len=600 \
 *     build-fuzz/corpus_names tests/fuzz/corpus_names
 */
#include "../../ingest/ingest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const char *out)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s: '%s'\n", what, out);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_error e;
	const char *p, *slash;
	char *out = NULL, *again = NULL;
	size_t n, clen, i;

	hd_err_clear(&e);
	if (entry_name_check((const char *)data, size, &out, &e) != 0) {
		check(out == NULL, "refused but an output", "");
		check(hd_utf8_valid(e.msg, strlen(e.msg)) &&
			strchr(e.msg, '\n') == NULL &&
			strchr(e.msg, '\r') == NULL,
			"message not one line of UTF-8", e.msg);
		return 0;
	}
	n = strlen(out);
	check(n > 0 && n <= 4096, "length", out);
	check(hd_utf8_valid(out, n), "not UTF-8", out);
	check(out[0] != '/', "absolute", out);
	check(!(((out[0] >= 'A' && out[0] <= 'Z') ||
		(out[0] >= 'a' && out[0] <= 'z')) && out[1] == ':'),
		"drive letter", out);
	for (i = 0; i < n; i++) {
		check((unsigned char)out[i] >= 0x20 && out[i] != 0x7F,
			"control character", out);
		check(out[i] != '\\', "backslash", out);
	}
	for (p = out; ; p = slash + 1) {
		slash = strchr(p, '/');
		clen = slash != NULL ? (size_t)(slash - p) : strlen(p);
		check(clen > 0, "empty component", out);
		check(!(clen == 1 && p[0] == '.'), "'.' component", out);
		check(!(clen == 2 && p[0] == '.' && p[1] == '.'),
			"'..' component", out);
		check(clen <= 255, "component over 255 bytes", out);
		if (slash == NULL) {
			break;
		}
	}
	check(entry_name_check(out, n, &again, &e) == 0 &&
		strcmp(again, out) == 0, "not idempotent", out);
	free(again);
	free(out);
	return 0;
}
