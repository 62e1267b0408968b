/*
 * batch.c - ingest batches and their warnings in the catalogue.
 *
 * A batch row records who ran an ingest, from where and what it added;
 * warnings found by the pipeline's quality checks are kept with the batch
 * and with the record they concern, so a record page can show them.
 */
#include "internal.h"

#include <string.h>

/* hd_batch_begin: see hd.h.  *batch is 0 on every error path. */
int hd_batch_begin(struct hd_archive *a, const char *fonds,
	const char *source, const struct hd_agent *agent, int64_t *batch,
	struct hd_error *e)
{
	sqlite3_stmt *st;
	int64_t fid;
	char now[32];
	int rc;

	*batch = 0;
	if (!a->in_tx) {
		return hd_err(e, HD_EUSAGE, "batch outside a transaction");
	}
	rc = hd_fonds_id(a, fonds, &fid, e);
	if (rc != 0) {
		return rc;
	}
	st = hd_sql(a, SQL_BATCH_INSERT, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_now_iso(now);
	sqlite3_bind_int64(st, 1, fid);
	hd_bind_text(st, 2, source);
	hd_bind_text(st, 3, agent && agent->name ? agent->name : "unknown");
	hd_bind_text(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "start batch");
	}
	*batch = sqlite3_last_insert_rowid(a->db);
	return 0;
}

int hd_batch_finish(struct hd_archive *a, int64_t batch, int added,
	int duplicates, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_BATCH_FINISH, e);

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int(st, 2, added);
	sqlite3_bind_int(st, 3, duplicates);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "finish batch");
	}
	return 0;
}

int hd_warning_add(struct hd_archive *a, int64_t batch, int64_t record,
	const char *path, const char *message, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_WARNING_INSERT, e);

	if (st == NULL) {
		return HD_EDB;
	}
	if (batch > 0) {
		sqlite3_bind_int64(st, 1, batch);
	}
	if (record > 0) {
		sqlite3_bind_int64(st, 2, record);
	}
	hd_bind_text(st, 3, path);
	hd_bind_text(st, 4, message);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "store warning");
	}
	return 0;
}
