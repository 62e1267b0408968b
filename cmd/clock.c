/*
 * clock.c - the test clock.  With HONGDANG_TEST_CLOCK=FILE in the
 * environment the library's clock (hd_clock_set) runs ahead of the real
 * one by the whole seconds written in FILE, read again at every look: a
 * test moves a running server's time on (session expiry, login locks,
 * the idle index merge) by rewriting the file instead of sleeping.  A
 * missing file or one that does not hold a number counts as 0.  For
 * tests only (hongdang.1, ENVIRONMENT).
 */
#include "cmd.h"

#include <stdlib.h>

static const char *clock_file;

/* The seconds written in clock_file, or 0. */
static int64_t test_skew(void)
{
	unsigned char *buf = NULL;
	size_t n = 0;
	long long s = 0;
	char *end;

	if (hd_read_file(clock_file, 32, &buf, &n, NULL) == 0) {
		s = strtoll((const char *)buf, &end, 10);
		if (end == (char *)buf) {
			s = 0;
		}
	}
	free(buf);
	return (int64_t)s;
}

/* See cmd.h: with HONGDANG_TEST_CLOCK set, the library's clock reads its
 * skew from that file (test_skew); otherwise nothing changes. */
void cmd_clock_init(void)
{
	const char *f = getenv("HONGDANG_TEST_CLOCK");

	if (f != NULL && f[0] != '\0') {
		clock_file = f;
		hd_clock_set(test_skew);
	}
}
