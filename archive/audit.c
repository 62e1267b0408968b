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

int hd_audit_list(struct hd_archive *a, const struct hd_audit_query *q,
	struct hd_event **v, size_t *n, int64_t *total, struct hd_error *e)
{
	sqlite3_stmt *st;
	struct hd_event *ev;
	char since[32];
	int64_t rec = 0;
	int limit = q->limit, rc, pass;

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
	if (q->since != NULL && since_iso(q->since, since, e) != 0) {
		return HD_EINVAL;
	}
	if (q->ref != NULL) {
		rc = hd_record_find(a, q->ref, &rec, e);
		if (rc != 0) {
			return rc;
		}
	}
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			st = hd_sql(a, q->newest_first ? SQL_AUDIT_LIST_DESC :
				SQL_AUDIT_LIST_ASC, e);
		} else if (total != NULL) {
			st = hd_sql(a, SQL_AUDIT_COUNT, e);
		} else {
			break;
		}
		if (st == NULL) {
			hd_events_free(*v, *n);
			*v = NULL;
			*n = 0;
			return HD_EDB;
		}
		if (rec > 0) {
			sqlite3_bind_int64(st, 1, rec);
		}
		hd_bind_text(st, 2, q->type);
		hd_bind_text(st, 3, q->agent);
		hd_bind_text(st, 4, q->since ? since : NULL);
		if (pass == 1) {
			if (sqlite3_step(st) == SQLITE_ROW) {
				*total = sqlite3_column_int64(st, 0);
			}
			sqlite3_reset(st);
			break;
		}
		sqlite3_bind_int(st, 5, limit);
		sqlite3_bind_int(st, 6, q->offset);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
			ev = &(*v)[(*n)++];
			hd_event_row(st, ev);
			ev->ref = hd_col_dup(st, 5);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			hd_events_free(*v, *n);
			*v = NULL;
			*n = 0;
			return hd_sql_err(a, e, "list events");
		}
	}
	return 0;
}
