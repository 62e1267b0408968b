/*
 * check.h - the one check of the unit tests (tests/unit/test_*.c).
 *
 * A test program calls check() once per row or property: it prints
 * "PASS name", or "FAIL name: why" with why formatted as printf does, so
 * a row's reason for being there and what came out are read on the line
 * that failed (curl's unit tests).  check_done() ends the program: it
 * prints "N passed, N failed" and gives the exit status.  tests/run.sh
 * counts the PASS and FAIL lines.
 */
#ifndef HD_TEST_CHECK_H
#define HD_TEST_CHECK_H

/* Checks passed and failed so far. */
extern int check_passed, check_failed;

/* Print "PASS name" when ok, else "FAIL name: " and why formatted with
 * the arguments after it; flushed at once, so a child process or a
 * crash loses no line.  Returns ok as 0 or 1. */
int check(const char *name, int ok, const char *why, ...)
	__attribute__((format(printf, 3, 4)));

/* Print "N passed, N failed".  Returns the exit status of the program:
 * 1 when a check failed, else 0. */
int check_done(void);

#endif
