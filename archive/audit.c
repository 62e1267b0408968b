/*
 * audit.c - reading the event log back: every action on the archive, by
 * record, type, agent and time, for "hongdang audit" and /admin/audit.
 *
 * Reading only: the chain itself is checked by verify.c.  A day given by
 * a person ("2026-11-25") means that day in China (UTC+8), so the events
 * of the evening before in UTC are counted in.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 10000

/* hd_events_free: see hd.h.  Frees each event's strings, then the array;
 * accepts NULL. */
void hd_events_free(struct hd_event *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].type);
		free(v[i].agent);
		free(v[i].detail);
		free(v[i].ref);
	}
	free(v);
}

/* since as an ISO 8601 UTC lower bound into out (32 bytes). */
static int since_iso(const char *since, char out[32], struct hd_error *e)
{
	int64_t t;
	size_t n = strlen(since), i;
	char day[11];

	if (n == 10) {
		return hd_china_day_start(since, out, e) != 0 ? HD_EINVAL : 0;
	}
	/* a full UTC time as events store it: 2026-11-25T08:00:00Z */
	if (n < 20 || n > 24 || since[10] != 'T' || since[n - 1] != 'Z') {
		goto bad;
	}
	memcpy(day, since, 10);
	day[10] = '\0';
	if (hd_day_parse(day, &t, NULL) != 0) {
		goto bad;
	}
	for (i = 11; i < n - 1; i++) {
		if (!((since[i] >= '0' && since[i] <= '9') || since[i] == ':' ||
		    since[i] == '.')) {
			goto bad;
		}
	}
	snprintf(out, 32, "%s", since);
	return 0;
bad:
	return hd_err(e, HD_EINVAL, "--since '%s'：应为日期 YYYY-MM-DD 或 "
		"UTC 时间 YYYY-MM-DDTHH:MM:SSZ", since);
}

/* hd_audit_list: see hd.h.  The events and their count are read by two
 * statements with the same filters; *v is NULL and *n 0 on every error. */
int hd_audit_list(struct hd_archive *a, const struct hd_audit_query *q,
	struct hd_event **v, size_t *n, int64_t *total, struct hd_error *e)
{
	sqlite3_stmt *st;
	struct hd_event *ev;
	char since[32];
	const char *sincep = NULL;
	int64_t rec = 0;
	int limit = q->limit, rc;

	*v = NULL;
	*n = 0;
	if (total != NULL) {
		*total = 0;
	}
	if (limit <= 0) {
		limit = AUDIT_LIMIT_DEFAULT;
	}
	if (limit > AUDIT_LIMIT_MAX || q->offset < 0) {
		return hd_err(e, HD_EUSAGE, "--limit: 1 至 %d",
			AUDIT_LIMIT_MAX);
	}
	if (q->since != NULL) {
		if (since_iso(q->since, since, e) != 0) {
			return HD_EINVAL;
		}
		sincep = since;
	}
	if (q->ref != NULL) {
		rc = hd_record_find(a, q->ref, &rec, e);
		if (rc != 0) {
			return rc;
		}
	}
	st = hd_sql_bind(a, q->newest_first ? SQL_AUDIT_LIST_DESC :
		SQL_AUDIT_LIST_ASC, e, "Ltttii", rec, q->type, q->agent, sincep,
		limit, q->offset);
	while ((rc = hd_sql_step(a, st, "list events", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		ev = &(*v)[(*n)++];
		hd_event_row(st, ev);
		ev->ref = hd_col_dup(st, 5);
	}
	if (rc == 0 && total != NULL) {
		rc = hd_sql_get(a, SQL_AUDIT_COUNT, "count events", e,
			"Lttt>l", rec, q->type, q->agent, sincep, total);
		rc = rc < 0 ? rc : 0;
	}
	if (rc != 0) {
		hd_events_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}
