/*
 * fuzz_tokenize.c - libFuzzer target for hd_tokenize (archive/fts.c).
 *
 * Every input is tokenized in document and in query mode, and every token
 * is checked: 0 <= start <= end <= n, 1..HD_TOK_MAX bytes, well-formed
 * UTF-8 (no overlong, surrogate or truncated sequence), tflags 0 or
 * HD_TOK_COLOCATED, never COLOCATED first, in query mode COLOCATED only
 * for a marked token (HD_FOLD, the other script's synonym).  A broken
 * invariant aborts, which libFuzzer reports as a crash.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *     tests/fuzz/fuzz_tokenize.c archive/fts.c \
 *     $(pkg-config --cflags --libs icu-uc icu-i18n sqlite3)
 *   ./a.out -max_total_time=60 tests/fuzz/corpus_tokenize
 */
#include "../../archive/fts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct state {
	int n;
	int mode;
	int ntok;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "invariant broken: %s\n", what);
	abort();
}

/* 1 when s[0..n) is well-formed UTF-8. */
static int utf8_ok(const unsigned char *s, int n)
{
	int i = 0, len, k;
	uint32_t c;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xC2 && s[i] <= 0xDF) {
			len = 2;
			c = s[i] & 0x1F;
		} else if (s[i] >= 0xE0 && s[i] <= 0xEF) {
			len = 3;
			c = s[i] & 0x0F;
		} else if (s[i] >= 0xF0 && s[i] <= 0xF4) {
			len = 4;
			c = s[i] & 0x07;
		} else {
			return 0;
		}
		if (i + len > n) {
			return 0;
		}
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80) {
				return 0;
			}
			c = (c << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
			return 0;
		}
		i += len;
	}
	return 1;
}

static int on_token(void *ctx, int tflags, const char *tok, int ntok,
	int start, int end)
{
	struct state *st = ctx;

	if (start < 0 || start > end || end > st->n) {
		fail("offsets out of bounds");
	}
	if (ntok < 1 || ntok > HD_TOK_MAX || tok == NULL) {
		fail("token length");
	}
	if (!utf8_ok((const unsigned char *)tok, ntok)) {
		fail("token is not valid UTF-8");
	}
	if (tflags != 0 && tflags != HD_TOK_COLOCATED) {
		fail("tflags");
	}
	/* a query gives colocated tokens only as the marked synonym of a
	 * Han token (HD_FOLD, fts.h) */
	if (tflags == HD_TOK_COLOCATED && (st->ntok == 0 ||
	    (st->mode == HD_TOK_QUERY && tok[0] != HD_FOLD))) {
		fail("colocated token first, or in query mode not marked");
	}
	st->ntok++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st;
	char *copy;
	int mode;

	if (size > 1 << 20) {
		return 0;
	}
	/* A copy of exactly size bytes, so ASan sees any read past n. */
	copy = malloc(size ? size : 1);
	if (copy == NULL) {
		return 0;
	}
	memcpy(copy, data, size);
	for (mode = HD_TOK_DOCUMENT; mode <= HD_TOK_QUERY; mode++) {
		memset(&st, 0, sizeof st);
		st.n = (int)size;
		st.mode = mode;
		if (hd_tokenize(copy, (int)size, mode, &st, on_token) != 0) {
			fail("non-zero return with a callback returning 0");
		}
	}
	free(copy);
	return 0;
}
