/*
 * bench_derive.c - thumbnails and screen copies, for `make bench` (never
 * a test).
 *
 *   bench_derive ARCHIVE THREADS
 *
 * Makes the thumbnail (400 px) and the screen copy (1,600 px) of every
 * catalogued image of the data folder ARCHIVE through hd_derive, as the
 * exhibit server makes them on first request: THREADS threads share the
 * list, each with its own read-only handle.  Derivatives already cached
 * are removed first, so every one is made.  Prints
 *   images N
 *   wall_s S
 *   cpu_s S
 * for bench_derive.sh to set beside vipsthumbnail on the same files.
 */
#include "hd.h"

#include <sqlite3.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char **shas;
static size_t nshas;
static _Atomic size_t next;
static _Atomic int failures;
static const char *dir;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	struct hd_archive *a = NULL;
	struct hd_error e;
	char *path;
	size_t i;

	(void)arg;
	if (hd_archive_open(dir, 1, &a, &e) != 0) {
		fprintf(stderr, "bench_derive: %s\n", e.msg);
		atomic_fetch_add(&failures, 1);
		return NULL;
	}
	while ((i = atomic_fetch_add(&next, 1)) < nshas) {
		path = NULL;
		if (hd_derive(a, shas[i], HD_DERIV_THUMB, &path, &e) != 0) {
			fprintf(stderr, "bench_derive: %s\n", e.msg);
			atomic_fetch_add(&failures, 1);
		}
		free(path);
		path = NULL;
		if (hd_derive(a, shas[i], HD_DERIV_SCREEN, &path, &e) != 0) {
			fprintf(stderr, "bench_derive: %s\n", e.msg);
			atomic_fetch_add(&failures, 1);
		}
		free(path);
	}
	hd_archive_close(a);
	return NULL;
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	pthread_t th[16];
	struct rusage ru;
	char *db_path, *cmd;
	double t0, t1;
	int nth, i;

	if (argc != 3 || (nth = atoi(argv[2])) < 1 || nth > 16) {
		fprintf(stderr, "usage: bench_derive ARCHIVE THREADS\n");
		return 2;
	}
	dir = argv[1];
	db_path = hd_xasprintf("%s/hongdang.db", dir);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "SELECT DISTINCT sha256 FROM"
	    " files WHERE mime LIKE 'image/%' ORDER BY sha256", -1, &st,
	    NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_derive: %s: %s\n", db_path,
			sqlite3_errmsg(db));
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		shas = hd_xrealloc(shas, (nshas + 1) * sizeof *shas);
		shas[nshas++] = hd_xstrdup((const char *)
			sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(db_path);
	/* every derivative made in the timed part */
	cmd = hd_xasprintf("rm -rf '%s/derived'", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_derive: cannot clear %s/derived\n", dir);
		return 1;
	}
	free(cmd);

	t0 = now();
	for (i = 0; i < nth; i++) {
		pthread_create(&th[i], NULL, worker, NULL);
	}
	for (i = 0; i < nth; i++) {
		pthread_join(th[i], NULL);
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("images %zu\n", nshas);
	printf("wall_s %.3f\n", t1 - t0);
	printf("cpu_s %.3f\n", (double)ru.ru_utime.tv_sec +
		(double)ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	printf("failures %d\n", atomic_load(&failures));
	return atomic_load(&failures) ? 1 : 0;
}
