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
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_BATCH_INSERT, "start batch", e, "lttt", fid,
		source, hd_agent_name(agent), now);
	if (rc != 0) {
		return rc;
	}
	*batch = sqlite3_last_insert_rowid(a->db);
	return 0;
}

/* hd_batch_finish: see hd.h. */
int hd_batch_finish(struct hd_archive *a, int64_t batch, int added,
	int duplicates, struct hd_error *e)
{
	return hd_sql_run(a, SQL_BATCH_FINISH, "finish batch", e, "lii",
		batch, added, duplicates);
}

/* hd_warning_add: see hd.h.  A batch or record of 0 is stored as none
 * (NULL). */
int hd_warning_add(struct hd_archive *a, int64_t batch, int64_t record,
	const char *path, const char *message, struct hd_error *e)
{
	return hd_sql_run(a, SQL_WARNING_INSERT, "store warning", e, "LLtt",
		batch, record, path, message);
}
