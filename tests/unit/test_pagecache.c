/*
 * test_pagecache.c - hd_page_cache_reserve (db.c): the pool of page
 * cache lines the exhibit server sets aside before it opens the archive.
 *
 * SQLite takes such a pool once per process, before it starts, so each
 * case runs in a child process of its own (the parent never starts
 * SQLite): the archive is made in one child, and each case reserves,
 * opens, searches and reports whether SQLite's pages went into the
 * pool (SQLITE_STATUS_PAGECACHE_USED).
 *
 * Prints "PASS name" or "FAIL name: why (got ...)" per check (check.h);
 * exits 1 when any check fails.
 */
#include "../../archive/hd.h"
#include "check.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn(arg) in a child; its exit status, or -1 when it did not exit. */
static int in_child(int (*fn)(const char *), const char *arg)
{
	pid_t pid;
	int st = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		return -1;
	}
	return WEXITSTATUS(st);
}

/* An archive of a few records in dir.  0 on success. */
static int make_archive(const char *dir)
{
	struct hd_agent agent = { "test" };
	struct hd_archive *a;
	struct hd_record r;
	struct hd_error e;
	int64_t batch;
	int i, rc;

	hd_err_clear(&e);
	if (hd_archive_init(dir, "QF01", "前锋社区档案室", &agent, &e) != 0 ||
	    hd_archive_open(dir, 0, &a, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	rc = hd_tx_begin(a, &e);
	batch = -1;
	if (rc == 0) {
		rc = hd_batch_begin(a, "QF01", "test", &agent, &batch, &e);
	}
	for (i = 0; batch > 0 && rc == 0 && i < 20; i++) {
		hd_record_init(&r);
		r.fonds = hd_xstrdup("QF01");
		r.category = hd_xstrdup("WS");
		r.retention = hd_xstrdup("Y");
		r.access = hd_xstrdup("public");
		r.status = hd_xstrdup("approved");
		r.title = hd_xasprintf("社区夜校第%d期开学记录", i + 1);
		r.body = hd_xstrdup("居民踊跃报名参加学习活动。");
		rc = hd_record_add(a, batch, &r, &agent, &e);
		hd_record_release(&r);
	}
	if (rc == 0 && batch > 0) {
		rc = hd_tx_commit(a, &e);
	}
	hd_archive_close(a);
	return rc == 0 && batch > 0 ? 0 : 1;
}

/* A database of another page size (1024) in dir, made by SQLite alone. */
static int make_other(const char *dir)
{
	char *path = hd_xasprintf("%s/hongdang.db", dir);
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db,
		"PRAGMA page_size = 1024; CREATE TABLE t (x);"
		" INSERT INTO t VALUES (1);", NULL, NULL, NULL) != SQLITE_OK;
	sqlite3_close(db);
	free(path);
	return rc;
}

/* The case: reserve for dir (twice when the name says so), open the
 * archive in the same dir and search it.  Exit status: 10 + 1 when the
 * pool was used, 10 when not; 1 on an error. */
static int search_case(const char *dir)
{
	struct hd_archive *a;
	struct hd_query q;
	struct hd_results res;
	struct hd_error e;
	sqlite3_int64 cur = 0, hi = 0;
	int found;

	hd_page_cache_reserve(dir, 2);
	hd_err_clear(&e);
	if (hd_archive_open(dir, 1, &a, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	/* once SQLite has started, a second call changes nothing */
	hd_page_cache_reserve(dir, 2);
	memset(&q, 0, sizeof q);
	q.q = "夜校";
	q.limit = 20;
	if (hd_search(a, HD_PUBLIC, &q, &res, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		hd_archive_close(a);
		return 1;
	}
	found = res.total == 20;
	hd_results_release(&res);
	hd_archive_close(a);
	sqlite3_status64(SQLITE_STATUS_PAGECACHE_USED, &cur, &hi, 0);
	return found ? 10 + (hi > 0) : 1;
}

/* The folder empty_case reserves for, inside the archive's. */
static const char *reserve_in = "none";

/* Reserve for a folder without an archive (or with a damaged one:
 * reserve_in), then use another that has one: 10 + 1 when the pool was
 * used, 10 when not, 1 on an error. */
static int empty_case(const char *dir)
{
	char *none = hd_xasprintf("%s/%s", dir, reserve_in);
	sqlite3_int64 cur = 0, hi = 0;
	struct hd_archive *a;
	struct hd_stats st;
	struct hd_error e;
	int rc;

	hd_page_cache_reserve(none, 2);
	free(none);
	hd_err_clear(&e);
	rc = hd_archive_open(dir, 1, &a, &e);
	if (rc != 0) {
		return 1;
	}
	rc = hd_stats_get(a, HD_PUBLIC, &st, &e);
	hd_archive_close(a);
	sqlite3_status64(SQLITE_STATUS_PAGECACHE_USED, &cur, &hi, 0);
	return rc != 0 || st.records != 20 ? 1 : 10 + (hi > 0);
}

/* Reserve for the folder of a database of 1024-byte pages, then read it
 * with SQLite: 10 + 1 when the pool was used, 10 when not. */
static int other_case(const char *dir)
{
	char *path = hd_xasprintf("%s/hongdang.db", dir);
	sqlite3_int64 cur = 0, hi = 0;
	sqlite3 *db = NULL;
	int rc;

	hd_page_cache_reserve(dir, 2);
	rc = sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db,
		"SELECT * FROM t", NULL, NULL, NULL) != SQLITE_OK;
	sqlite3_close(db);
	free(path);
	sqlite3_status64(SQLITE_STATUS_PAGECACHE_USED, &cur, &hi, 0);
	return rc ? 1 : 10 + (hi > 0);
}

int main(void)
{
	char tmpl[] = "/tmp/hd-pagecache-XXXXXX", *dir, *arch, *other, *cmd;
	char got[32], *path, *sub;
	FILE *f;
	int rc;

	dir = mkdtemp(tmpl);
	if (dir == NULL) {
		check("tmpdir", 0, "mkdtemp");
		return 1;
	}
	arch = hd_xasprintf("%s/archive", dir);
	other = hd_xasprintf("%s/other", dir);
	rc = in_child(make_archive, arch);
	check("made", rc == 0, "an archive of 20 records");
	rc = mkdir(other, 0755) == 0 ? in_child(make_other, other) : -1;
	check("made_other", rc == 0, "a database of 1024-byte pages (got %s)",
		"");

	rc = in_child(search_case, arch);
	snprintf(got, sizeof got, "status %d", rc);
	check("pool_used", rc == 11, "a search's pages go into the pool set "
		"aside before SQLite started; a second call changes nothing "
		"(got %s)", got);
	rc = in_child(empty_case, arch);
	snprintf(got, sizeof got, "status %d", rc);
	check("pool_none_without_archive", rc == 10, "nothing is set aside "
		"for a folder without an archive (got %s)", got);
	/* a hongdang.db of ten bytes: no header to read a page size from */
	reserve_in = "damaged";
	path = hd_xasprintf("%s/damaged", arch);
	sub = hd_xasprintf("%s/hongdang.db", path);
	f = mkdir(path, 0755) == 0 ? fopen(sub, "wb") : NULL;
	rc = f != NULL && fwrite("SQLite fo", 1, 10, f) == 10;
	rc = (f != NULL && fclose(f) == 0 && rc) ? in_child(empty_case, arch) :
		-1;
	snprintf(got, sizeof got, "status %d", rc);
	check("pool_none_damaged", rc == 10, "nothing is set aside for a "
		"truncated database file (got %s)", got);
	free(path);
	free(sub);
	rc = in_child(other_case, other);
	snprintf(got, sizeof got, "status %d", rc);
	check("pool_none_other_pages", rc == 10, "nothing is set aside for "
		"a database of another page size (got %s)", got);

	cmd = hd_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		printf("note: could not remove %s\n", dir);
	}
	free(cmd);
	free(arch);
	free(other);
	return check_done();
}
