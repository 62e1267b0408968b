/*
 * event.c - the append-only, hash-chained event log (PREMIS-style).
 *
 * Every action on the archive is an event: collect 收集, ingest, review
 * 审核, consult 查阅, transfer 转递, digitise 数字化, fixity, storage 库房,
 * edit, withdraw.  Each event stores the SHA-256 of the previous event and
 * its own hash over (previous hash, id, time, type, record, agent,
 * detail), so editing, deleting, inserting or reordering an event breaks
 * the chain at a place verify can name.  The head of the chain (last id
 * and hash) is also kept in meta, so deleting the newest events shows too.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char zero_hash[65] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* What the hash of one event covers, into b (emptied first): the
 * previous hash, id, time, type, record (empty when none), agent and
 * detail, a line each. */
static void event_covered(struct hd_buf *b, const char *prev, int64_t id,
	const char *at, const char *type, int64_t record, const char *agent,
	const char *detail)
{
	b->len = 0;
	hd_buf_printf(b, "%s\n%lld\n%s\n%s\n", prev, (long long)id, at,
		type);
	if (record > 0) {
		hd_buf_printf(b, "%lld", (long long)record);
	}
	hd_buf_printf(b, "\n%s\n%s", agent, detail ? detail : "");
}

/* The hash of one event: see the file comment for what it covers. */
void hd_event_hash(const char *prev, int64_t id, const char *at,
	const char *type, int64_t record, const char *agent,
	const char *detail, char out[65])
{
	struct hd_buf b;

	hd_buf_init(&b);
	event_covered(&b, prev, id, at, type, record, agent, detail);
	hd_sha256_hex(b.p, b.len, out);
	hd_buf_release(&b);
}

/* hd_chain_tail: see hd_chain.h.  One read, from one snapshot. */
int hd_chain_tail(struct hd_archive *a, int n, struct hd_link **v,
	size_t *nv, struct hd_error *e)
{
	sqlite3_stmt *st;
	struct hd_buf b;
	int rc;

	*v = NULL;
	*nv = 0;
	if (n < 1 || n > HD_CHAIN_TAIL_MAX) {
		return hd_err(e, HD_EUSAGE, "chain tail of %d events: 1-%d",
			n, HD_CHAIN_TAIL_MAX);
	}
	st = hd_sql_bind(a, SQL_EVENTS_TAIL, e, "i", n);
	hd_buf_init(&b);
	while ((rc = hd_sql_step(a, st, "read the newest events", e)) == 1) {
		struct hd_link *l;

		*v = hd_xrealloc(*v, (*nv + 1) * sizeof **v);
		l = &(*v)[(*nv)++];
		memset(l, 0, sizeof *l);
		l->ev.id = sqlite3_column_int64(st, 0);
		snprintf(l->ev.at, sizeof l->ev.at, "%s",
			(const char *)sqlite3_column_text(st, 1));
		l->ev.type = hd_col_dup(st, 2);
		l->record = sqlite3_column_int64(st, 3);
		l->ev.agent = hd_col_dup(st, 4);
		l->ev.detail = hd_col_dup(st, 5);
		snprintf(l->prev, sizeof l->prev, "%s",
			(const char *)sqlite3_column_text(st, 6));
		snprintf(l->hash, sizeof l->hash, "%s",
			(const char *)sqlite3_column_text(st, 7));
		l->ev.ref = hd_col_dup(st, 8);
		event_covered(&b, l->prev, l->ev.id, l->ev.at, l->ev.type,
			l->record, l->ev.agent, l->ev.detail);
		hd_sha256_hex(b.p, b.len, l->calc);
		l->covered = hd_xstrndup(b.p, b.len);
	}
	hd_buf_release(&b);
	if (rc != 0) {
		hd_links_free(*v, *nv);
		*v = NULL;
		*nv = 0;
	}
	return rc;
}

/* hd_links_free: see hd_chain.h. */
void hd_links_free(struct hd_link *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].ev.type);
		free(v[i].ev.agent);
		free(v[i].ev.detail);
		free(v[i].ev.ref);
		free(v[i].covered);
	}
	free(v);
}

/* See internal.h. */
const char *hd_agent_name(const struct hd_agent *agent)
{
	return agent != NULL && agent->name != NULL ? agent->name : "unknown";
}

/* Set meta key to val (inserted or replaced) inside the caller's
 * transaction.  0 or HD_EDB. */
static int meta_set(struct hd_archive *a, const char *key, const char *val,
	struct hd_error *e)
{
	return hd_sql_run(a, SQL_META_SET, "meta", e, "tt", key, val);
}

/* *differs becomes 1 when meta records a different newest event than
 * (last_id, hash): the log was cut or rewritten since it was last
 * written.  Returns 0 or HD_EDB. */
static int head_differs(struct hd_archive *a, int64_t last_id,
	const char *hash, int *differs, struct hd_error *e)
{
	static const char what[] = "read the head of the event log";
	int64_t head_id = 0;
	char *head_hash = NULL;
	int rc;

	*differs = 0;
	rc = hd_sql_get(a, SQL_META_GET, what, e, "t>l", "event_head_id",
		&head_id);
	if (rc < 0) {
		return rc;
	}
	*differs = rc == 1 ? head_id != last_id : last_id != 0;
	if (*differs || last_id == 0) {
		return 0;
	}
	rc = hd_sql_get(a, SQL_META_GET, what, e, "t>t", "event_head_hash",
		&head_hash);
	if (rc == 1) {
		*differs = head_hash == NULL || strcmp(head_hash, hash) != 0;
		free(head_hash);
	}
	return rc < 0 ? rc : 0;
}

/* hd_event_row: see internal.h. */
void hd_event_row(sqlite3_stmt *st, struct hd_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->id = sqlite3_column_int64(st, 0);
	snprintf(ev->at, sizeof ev->at, "%s",
		(const char *)sqlite3_column_text(st, 1));
	ev->type = hd_col_dup(st, 2);
	ev->agent = hd_col_dup(st, 3);
	ev->detail = hd_col_dup(st, 4);
}

/* hd_event_add: see hd.h.  Returns 0, HD_EUSAGE outside a transaction,
 * HD_ECORRUPT when the log does not end where it was last written (it
 * was cut or rewritten), HD_EDB. */
int hd_event_add(struct hd_archive *a, const char *type, int64_t record,
	const struct hd_agent *agent, const char *detail,
	struct hd_error *e)
{
	char prev[65], hash[65], at[32], idtxt[24], *last_hash = NULL;
	const char *who = hd_agent_name(agent);
	int64_t id = 1, last = 0;
	int rc, differs;

	if (!a->in_tx) {
		return hd_err(e, HD_EUSAGE, "event '%s' outside a transaction",
			type);
	}
	memcpy(prev, zero_hash, sizeof prev);
	rc = hd_sql_get(a, SQL_EVENT_LAST, "read the last event", e, ">lt",
		&last, &last_hash);
	if (rc < 0) {
		return rc;
	}
	if (rc == 1) {
		id = last + 1;
		snprintf(prev, sizeof prev, "%s", last_hash ? last_hash : "");
		free(last_hash);
	}
	/* Appending after a deleted or replaced newest event would hide the
	 * tampering from every later verify: refuse instead. */
	rc = head_differs(a, id - 1, prev, &differs, e);
	if (rc != 0) {
		return rc;
	}
	if (differs) {
		return hd_err(e, HD_ECORRUPT, "%s: the event log does not end "
			"where it was last written (event %lld): run 'hongdang "
			"verify'", a->dir, (long long)(id - 1));
	}
	hd_now_iso(at);
	hd_event_hash(prev, id, at, type, record, who, detail, hash);
	rc = hd_sql_run(a, SQL_EVENT_INSERT, "add event", e, "lttLtttt", id,
		at, type, record, who, detail ? detail : "", prev, hash);
	if (rc != 0) {
		return rc;
	}
	snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
	if (meta_set(a, "event_head_id", idtxt, e) != 0 ||
	    meta_set(a, "event_head_hash", hash, e) != 0) {
		return HD_EDB;
	}
	return 0;
}
