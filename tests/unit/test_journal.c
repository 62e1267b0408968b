/*
 * test_journal.c - a statement that changes more pages than fit in its
 * statement journal's memory (db.c keeps 1 MiB there; past that SQLite
 * moves the journal to a temporary file) inside a transaction of an
 * archive opened through the library, which opens its files through
 * the shim VFS of vfs.c.
 *
 * Moving the journal wrote it to the temporary file in one call of
 * 1 MiB, longer than SQLite's unix VFS writes at a time; the statement
 * failed with "database or disk is full" on a disk with room.  Here one
 * UPDATE of every record (one that may fail half-way, so SQLite
 * journals it), inside a transaction, must succeed and change every
 * record, and an UPDATE that fails at its last record must leave every
 * record as it was.
 *
 * Prints "PASS name" or "FAIL name: why (got ...)" per check (check.h);
 * exits 1 when any check fails.
 */
#include "../../archive/internal.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECORDS 600

/* The description of record i: about 1.5 KB, different for each.  A new
 * string. */
static char *description(int i)
{
	char *s = hd_xstrdup(""), *t;
	int k;

	for (k = 0; k < 30; k++) {
		t = hd_xasprintf("%s第%d卷第%d段，居民议事会记录。", s, i, k);
		free(s);
		s = t;
	}
	return s;
}

/* An archive in dir of RECORDS records, each with its description.
 * The open archive, or NULL (e says why). */
static struct hd_archive *make_archive(const char *dir, struct hd_error *e)
{
	struct hd_agent agent = { "test" };
	struct hd_archive *a = NULL;
	struct hd_record r;
	int64_t batch = -1;
	int i, rc;

	if (hd_archive_init(dir, "QF01", "前锋社区档案室", &agent, e) != 0 ||
	    hd_archive_open(dir, 0, &a, e) != 0) {
		return NULL;
	}
	rc = hd_tx_begin(a, e);
	if (rc == 0) {
		rc = hd_batch_begin(a, "QF01", "test", &agent, &batch, e);
	}
	for (i = 0; rc == 0 && i < RECORDS; i++) {
		hd_record_init(&r);
		r.fonds = hd_xstrdup("QF01");
		r.category = hd_xstrdup("WS");
		r.retention = hd_xstrdup("Y");
		r.access = hd_xstrdup("public");
		r.status = hd_xstrdup("approved");
		r.title = hd_xasprintf("居民议事会第%d次会议记录", i + 1);
		r.description = description(i + 1);
		rc = hd_record_add(a, batch, &r, &agent, e);
		hd_record_release(&r);
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc != 0) {
		hd_archive_close(a);
		return NULL;
	}
	return a;
}

/* The statements of the checks: every record's description with a line
 * added, and the sum of the lengths of all descriptions. */
#define ADD_TEXT "UPDATE records SET description = description || " \
	"'（已核对）', "
#define ADD_LINE ADD_TEXT "title = trim(title)"
#define LENGTHS "SELECT sum(length(description)) FROM records"
#define CHECKED "SELECT count(*) FROM records WHERE description LIKE '%已核对）'"

int main(void)
{
	char tmpl[] = "/tmp/hd-journal-XXXXXX", *dir;
	struct hd_archive *a;
	struct hd_error e;
	int64_t before, n;
	int rc;


	dir = mkdtemp(tmpl);
	if (dir == NULL) {
		check("tmpdir", 0, "mkdtemp");
		return check_done();
	}
	hd_err_clear(&e);
	a = make_archive(dir, &e);
	if (!check("made", a != NULL, "an archive of %d records (got %s)",
	    RECORDS, e.msg)) {
		return check_done();
	}
	before = hd_sql_number(a, LENGTHS);
	/* more than the statement journal keeps in memory: the records'
	 * pages alone hold more than 1 MiB */
	n = hd_sql_number(a, "SELECT count(*) * 4096 FROM dbstat WHERE "
		"name = 'records'");
	check("big", n > 1 << 20, "the records fill more than 1 MiB of pages "
		"(got %lld bytes)", (long long)n);

	/* one statement changing every record, inside a transaction */
	rc = hd_tx_begin(a, &e);
	if (rc == 0) {
		rc = hd_exec(a, ADD_LINE, &e);
	}
	check("update", rc == 0, "one UPDATE of %d records inside a "
		"transaction succeeds (got %s)", RECORDS, rc ? e.msg : "0");
	if (rc == 0) {
		rc = hd_tx_commit(a, &e);
	} else {
		hd_tx_rollback(a);
	}
	check("commit", rc == 0, "the transaction commits (got %s)",
		rc ? e.msg : "0");
	n = hd_sql_number(a, CHECKED);
	check("changed", n == RECORDS, "every record has the line added "
		"(got %lld)", (long long)n);
	n = hd_sql_number(a, LENGTHS);
	check("lengths", n == before + RECORDS * 5, "each description "
		"grew by the 5 characters added (got %lld, was %lld)",
		(long long)n, (long long)before);
	n = hd_sql_number(a, "SELECT count(*) FROM "
		"pragma_integrity_check WHERE integrity_check != 'ok'");
	check("integrity", n == 0, "the catalogue passes SQLite's "
		"integrity check (got %lld problems)", (long long)n);

	/* a statement failing after its journal went to disk: the last
	 * record's new description breaks NOT NULL after all others
	 * changed, and the statement's changes are undone from it */
	before = hd_sql_number(a, LENGTHS);
	rc = hd_tx_begin(a, &e);
	if (rc == 0) {
		rc = hd_exec(a, ADD_TEXT "title = CASE WHEN id = (SELECT "
			"max(id) FROM records) THEN NULL ELSE title END", &e);
	}
	check("refused", rc != 0 && strstr(e.msg, "NOT NULL") != NULL,
		"an UPDATE breaking NOT NULL at its last record fails "
		"(got %s)", rc ? e.msg : "0");
	n = hd_sql_number(a, LENGTHS);
	check("undone", n == before, "inside the transaction, every "
		"record is as before the failed statement (got %lld, was "
		"%lld)", (long long)n, (long long)before);
	rc = hd_tx_commit(a, &e);
	check("commit_after", rc == 0, "the transaction still commits "
		"(got %s)", rc ? e.msg : "0");
	n = hd_sql_number(a, "SELECT count(*) FROM records WHERE title IS "
		"NULL");
	check("titles", n == 0, "no record lost its title (got %lld)",
		(long long)n);
	hd_archive_close(a);

	hd_fs_rmtree(dir);
	return check_done();
}
