/*
 * bench.h - what the search benchmarks share (bench.c): the corpus,
 * clocks, a seeded random sequence, the archive they build from the
 * corpus and the queries they draw from it.  For `make bench` only.
 *
 * CORPUS lines: title TAB body TAB year TAB place TAB person (corpus.py).
 */
#ifndef HD_BENCH_H
#define HD_BENCH_H

#include "hd.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define NQ 100                  /* queries drawn per length */
#define QMAX 64                 /* bytes of a query, NUL included */

/* One line of the corpus; the strings point into the loaded file. */
struct doc {
	char *title, *body, *place, *person;    /* place, person: NULL or
	                                           "" for none */
	int year;
	int64_t id;             /* its record's, once bench_build made it */
};

extern struct doc *docs;
extern size_t ndocs;
/* The program's name, for die's messages. */
extern const char *bench_name;
/* The state of rnd: each benchmark seeds it with its own constant, so
 * it draws the same queries on every run. */
extern uint64_t rng_state;

/* Print "NAME: what: why" on stderr and exit 1. */
void die(const char *what, const char *why);
/* Seconds on the monotonic clock (wall time). */
double now_s(void);
/* CPU seconds (user + system) of this process so far: on a shared
 * machine wall time includes waiting for a core, CPU time does not. */
double cpu_s(void);
/* The next number of a xorshift64 sequence from rng_state. */
uint64_t rnd(void);
/* Load CORPUS at path into docs[0..ndocs); dies when it cannot be read
 * or holds no line.  The file stays in memory for the program's life. */
void load_corpus(const char *path);

/* What bench_build measured: wall and CPU seconds in all, and the
 * fastest and slowest transaction of TX_RECORDS records (wall). */
struct build_times {
	double wall, cpu, tx_fast, tx_slow;
};
#define TX_RECORDS 10000
/* Create an archive at dir (fonds BENCH) and add every record of the
 * corpus through hd_record_add, public and approved, TX_RECORDS to a
 * transaction and a batch, each document's id set; dies on any error. */
void bench_build(const char *dir, struct build_times *t);
/* sqlite3_exec(h, sql) or die naming sql. */
void exec_or_die(sqlite3 *h, const char *sql);

/* The 1-codepoint test of the queries: a CJK Unified Ideograph of the
 * basic block. */
int is_han(uint32_t cp);
/* Decode s into code points and their byte offsets (cap entries, and
 * offs[k] the end; an invalid byte is code point 0).  Returns k, their
 * number. */
int decode(const char *s, uint32_t *cps, int *offs, int cap);
/* NQ distinct queries of n Han characters into q: the named ones first,
 * then ranks spaced logarithmically from the most frequent to the
 * rarest, so about half are common and half come from the long tail.
 * Dies when the corpus has too few. */
void pick_queries(int n, char q[NQ][QMAX]);
/* NQ distinct phrases of n Han characters into q, with the records
 * whose title, body, place or person has each as written into hits:
 * zero 0, phrases of the corpus in 1 to RARE_MAX records (the rarest it
 * samples); zero 1, phrases written nowhere, each half of them common
 * (the first half of one frequent phrase, the second of another).  Dies
 * when the corpus has too few. */
#define RARE_MAX 50
void pick_rare(int n, int zero, char q[NQ][QMAX], long *hits);
/* qsort order of doubles, ascending. */
int cmp_double(const void *x, const void *y);

#endif
