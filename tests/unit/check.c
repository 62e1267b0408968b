/*
 * check.c - the one check of the unit tests (check.h).
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>

int check_passed, check_failed;

int check(const char *name, int ok, const char *why, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
		check_passed++;
	} else {
		printf("FAIL %s: ", name);
		va_start(ap, why);
		vprintf(why, ap);
		va_end(ap);
		printf("\n");
		check_failed++;
	}
	fflush(stdout);
	return ok != 0;
}

int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed > 0 ? 1 : 0;
}
