/*
 * review.c - review (审核): the queue of records waiting for a decision,
 * approving, returning with a reason, resubmitting after an edit,
 * withdrawing a published record, and editing description fields.
 *
 * Guarantees:
 *  - every step is one transaction with its event, whose agent names the
 *    account and whose detail is JSON (the decision and its reason; for
 *    an edit the changed fields before and after), so the record's
 *    history can be read back from the hash-chained log;
 *  - a step only starts from the status it is meant for (approve and
 *    return from pending, resubmit from returned, draft or withdrawn,
 *    withdraw from approved);
 *  - an edit of an approved record sends it back to pending: nothing
 *    reaches visitors that a reviewer has not seen; withdrawal takes a
 *    record off every public page at once, because every public
 *    statement requires status 'approved' in its SQL text;
 *  - an edit changes the record, its terms and its search entry
 *    together.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#define REASON_MAX 500          /* characters of a reason */
#define QUEUE_MAX 1000          /* records listed at most */
#define TERMS_MAX 50            /* subjects or persons of a record */

/* 1 when s holds a control character (newline and tab allowed when
 * lines is 1). */
static int has_control(const char *s, int lines)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && !(lines && (c == '\n' || c == '\t'))) ||
		    c == 0x7f) {
			return 1;
		}
	}
	return 0;
}

/* "\r\n" to "\n" in place: a browser sends a textarea's lines so. */
static void crlf_to_lf(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (!(s[0] == '\r' && s[1] == '\n')) {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* A trimmed copy of a reason (caller frees), or NULL with e set. */
static char *reason_copy(const char *reason, const char *ref,
	struct hd_error *e)
{
	char *r;

	if (reason == NULL || !hd_utf8_valid(reason, strlen(reason))) {
		hd_err(e, HD_EINVAL, "%s：请写明理由", ref);
		return NULL;
	}
	r = hd_trim(hd_xstrdup(reason));
	if (*r == '\0' || g_utf8_strlen(r, -1) > REASON_MAX ||
	    has_control(r, 1)) {
		hd_err(e, HD_EINVAL, "%s：理由须为 1-%d 个字", ref,
			REASON_MAX);
		free(r);
		return NULL;
	}
	return r;
}

/* Find ref inside the open transaction: its id and status (caller
 * frees *status). */
static int record_state(struct hd_archive *a, const char *ref,
	char canon[64], int64_t *id, char **status, struct hd_error *e)
{
	int rc;

	rc = hd_ref_canon(ref, canon, 64, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_sql_get(a, SQL_RECORD_STATE, "find record", e, "t>lt", canon,
		id, status);
	if (rc == 0) {
		return hd_err(e, HD_ENOTFOUND, "%s：没有这件档案", ref);
	}
	return rc < 0 ? rc : 0;
}

/* Set the status of record id, and its time of change to now, inside
 * the caller's transaction.  0 or HD_EDB. */
static int set_status(struct hd_archive *a, int64_t id, const char *status,
	struct hd_error *e)
{
	char now[32];

	hd_now_iso(now);
	return hd_sql_run(a, SQL_RECORD_SET_STATUS, "set status", e, "ltt", id,
		status, now);
}

/* One decision: from one of the statuses in from (space-separated) to
 * status to, with an event of type whose detail is o (consumed). */
static int decide(struct hd_archive *a, const char *ref, const char *from,
	const char *to, const char *type, json_t *o,
	const struct hd_agent *agent, struct hd_error *e)
{
	char canon[64], *status = NULL, *detail = NULL, pad[32];
	int64_t id = 0;
	int rc;

	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	rc = record_state(a, ref, canon, &id, &status, e);
	if (rc == 0) {
		rc = hd_harvest_refuse(a, id, canon, e);
	}
	if (rc != 0) {
		goto end;
	}
	snprintf(pad, sizeof pad, " %s ", status);
	if (strstr(from, pad) == NULL) {
		rc = hd_err(e, HD_EINVAL, "%s：状态为“%s”，不能%s", canon,
			hd_status_name(status) ? hd_status_name(status) :
			status, strcmp(to, "approved") == 0 ? "批准" :
			strcmp(to, "returned") == 0 ? "退回" :
			strcmp(to, "withdrawn") == 0 ? "撤回" : "重新提交");
		goto end;
	}
	json_object_set_new(o, "from", json_string(status));
	detail = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	rc = set_status(a, id, to, e);
	if (rc == 0) {
		rc = hd_event_add(a, type, id, agent, detail, e);
	}
end:
	rc = hd_tx_end(a, rc, e);
	json_decref(o);
	free(detail);
	free(status);
	return rc;
}

/* A new event detail {"decision": what, "reason": reason}; reason NULL
 * leaves it out.  The caller owns the reference. */
static json_t *decision(const char *what, const char *reason)
{
	json_t *o = json_object();

	json_object_set_new(o, "decision", json_string(what));
	if (reason != NULL) {
		json_object_set_new(o, "reason", json_string(reason));
	}
	return o;
}

/* hd_review_approve: see hd.h. */
int hd_review_approve(struct hd_archive *a, const char *ref,
	const struct hd_agent *agent, struct hd_error *e)
{
	return decide(a, ref, " pending ", "approved", "review",
		decision("approve", NULL), agent, e);
}

/* A decision that must give its reason (returning, withdrawing): what
 * ("return", "withdraw") from the statuses in from to status to, with an
 * event of type.  HD_EINVAL when the reason is missing or too long. */
static int decide_because(struct hd_archive *a, const char *ref,
	const char *from, const char *to, const char *type, const char *what,
	const char *reason, const struct hd_agent *agent, struct hd_error *e)
{
	char *r = reason_copy(reason, ref, e);
	int rc;

	if (r == NULL) {
		return HD_EINVAL;
	}
	rc = decide(a, ref, from, to, type, decision(what, r), agent, e);
	free(r);
	return rc;
}

/* hd_review_return: see hd.h. */
int hd_review_return(struct hd_archive *a, const char *ref,
	const char *reason, const struct hd_agent *agent, struct hd_error *e)
{
	return decide_because(a, ref, " pending ", "returned", "review",
		"return", reason, agent, e);
}

/* hd_review_resubmit: see hd.h. */
int hd_review_resubmit(struct hd_archive *a, const char *ref,
	const struct hd_agent *agent, struct hd_error *e)
{
	return decide(a, ref, " returned draft withdrawn ", "pending",
		"review", decision("resubmit", NULL), agent, e);
}

/* hd_review_withdraw: see hd.h. */
int hd_review_withdraw(struct hd_archive *a, const char *ref,
	const char *reason, const struct hd_agent *agent, struct hd_error *e)
{
	return decide_because(a, ref, " approved ", "withdrawn", "withdraw",
		"withdraw", reason, agent, e);
}

/* ------------------------------------------------------------ queue */

/* hd_queue_free: see hd.h.  Accepts NULL. */
void hd_queue_free(struct hd_queue_item *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].ref);
		free(v[i].title);
		free(v[i].date);
		free(v[i].category);
		free(v[i].access);
		free(v[i].status);
		free(v[i].updated);
		free(v[i].thumb);
		free(v[i].note);
		free(v[i].note_by);
	}
	free(v);
}

/* The reason in a decision's JSON detail, or NULL (caller frees). */
static char *detail_reason(const char *detail)
{
	json_t *o, *r;
	char *s = NULL;

	if (detail == NULL) {
		return NULL;
	}
	o = json_loads(detail, 0, NULL);
	r = json_object_get(o, "reason");
	if (json_is_string(r)) {
		s = hd_xstrdup(json_string_value(r));
	}
	json_decref(o);
	return s;
}

/* hd_review_list: see hd.h.  At most QUEUE_MAX records; each carries the
 * reason and agent of its last decision when that gave a reason.  HD_EUSAGE
 * for an unknown status, HD_EDB (*v NULL). */
int hd_review_list(struct hd_archive *a, const char *status,
	struct hd_queue_item **v, size_t *n, struct hd_error *e)
{
	static const char *const ok[] = {"draft", "pending", "approved",
		"returned", "withdrawn", NULL};
	struct hd_queue_item *it;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	*v = NULL;
	*n = 0;
	if (status == NULL) {
		status = "pending";
	}
	if (strcmp(status, "all") == 0) {
		st = hd_sql_bind(a, SQL_REVIEW_QUEUE_ALL, e, "-i", QUEUE_MAX);
	} else {
		for (i = 0; ok[i] != NULL && strcmp(ok[i], status) != 0;
		    i++) {
		}
		if (ok[i] == NULL) {
			return hd_err(e, HD_EUSAGE, "状态 '%s'：应为 pending、"
				"returned、approved、withdrawn、draft 或 all",
				status);
		}
		st = hd_sql_bind(a, SQL_REVIEW_QUEUE, e, "ti", status,
			QUEUE_MAX);
	}
	while ((rc = hd_sql_step(a, st, "review queue", e)) == 1) {
		char *detail;

		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		it = &(*v)[(*n)++];
		memset(it, 0, sizeof *it);
		it->id = sqlite3_column_int64(st, 0);
		it->ref = hd_col_dup(st, 1);
		it->title = hd_col_dup(st, 2);
		it->date = hd_col_dup(st, 3);
		it->category = hd_col_dup(st, 4);
		it->access = hd_col_dup(st, 5);
		it->status = hd_col_dup(st, 6);
		it->updated = hd_col_dup(st, 7);
		it->thumb = hd_col_dup(st, 8);
		detail = hd_col_dup(st, 9);
		it->note = detail_reason(detail);
		free(detail);
		if (it->note != NULL) {
			it->note_by = hd_col_dup(st, 10);
		}
	}
	if (rc != 0) {
		hd_queue_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* hd_admin_counts: see hd.h.  One statement, one row; 0 or HD_EDB. */
int hd_admin_counts(struct hd_archive *a, struct hd_admin_counts *c,
	struct hd_error *e)
{
	int rc;

	memset(c, 0, sizeof *c);
	rc = hd_sql_get(a, SQL_ADMIN_COUNTS, "counts", e, ">llll",
		&c->pending, &c->returned, &c->withdrawn, &c->consult_pending);
	/* one row always: none would be an error SQLite did not name */
	return rc == 0 ? hd_sql_err(a, e, "counts") : rc < 0 ? rc : 0;
}

/* hd_object_staff: see hd.h. */
int hd_object_staff(struct hd_archive *a, const char *sha256)
{
	return hd_sql_get(a, SQL_OBJECT_STAFF, "find object", NULL, "t",
		sha256) == 1;
}

/* ------------------------------------------------------------- edits */

/* What an edit is building: the record as it will be, and the changed
 * fields before and after. */
struct edit {
	struct hd_record *r;
	json_t *before;
	json_t *after;
	int n;
	struct hd_error *e;
};

/* 1 when the strings x and y are equal, NULL equal only to NULL. */
static int same(const char *x, const char *y)
{
	if (x == NULL || y == NULL) {
		return x == y;
	}
	return strcmp(x, y) == 0;
}

/* Note in ed that field key changed from old to now (JSON values, consumed),
 * and count it. */
static void note_change(struct edit *ed, const char *key, json_t *old,
	json_t *now)
{
	json_object_set_new(ed->before, key, old);
	json_object_set_new(ed->after, key, now);
	ed->n++;
}

/* A trimmed copy of a field's new value: NULL for "" (caller frees), or
 * HD_EINVAL. */
static int field_value(struct edit *ed, const char *in, const char *label,
	size_t max, int lines, int required, char **out)
{
	char *v;

	*out = NULL;
	if (!hd_utf8_valid(in, strlen(in))) {
		return hd_err(ed->e, HD_EINVAL, "%s：不是有效的 UTF-8 文字",
			label);
	}
	v = hd_trim(hd_xstrdup(in));
	if (lines) {
		crlf_to_lf(v);
	}
	if ((size_t)g_utf8_strlen(v, -1) > max || has_control(v, lines)) {
		free(v);
		return hd_err(ed->e, HD_EINVAL, "%s：不超过 %zu 个字，且不含"
			"控制字符", label, max);
	}
	if (*v == '\0') {
		free(v);
		if (required) {
			return hd_err(ed->e, HD_EINVAL, "%s不能为空", label);
		}
		return 0;
	}
	*out = v;
	return 0;
}

/* Apply a text field: *cur is replaced when the value differs. */
static int edit_text(struct edit *ed, const char *in, const char *key,
	const char *label, size_t max, int lines, int required, char **cur)
{
	char *v;
	int rc;

	if (in == NULL) {
		return 0;
	}
	rc = field_value(ed, in, label, max, lines, required, &v);
	if (rc != 0) {
		return rc;
	}
	if (same(*cur, v)) {
		free(v);
		return 0;
	}
	note_change(ed, key, hd_json_str(*cur), hd_json_str(v));
	free(*cur);
	*cur = v;
	return 0;
}

/* Apply the date field in (NULL: untouched): parsed by hd_date_parse and
 * kept in its ISO form, with the year and last year it gives; "" clears the
 * date and the years.  0 or HD_EINVAL. */
static int edit_date(struct edit *ed, const char *in)
{
	struct hd_record *r = ed->r;
	struct hd_date d;
	char *v;
	int rc;

	if (in == NULL) {
		return 0;
	}
	rc = field_value(ed, in, "日期", 64, 0, 0, &v);
	if (rc != 0) {
		return rc;
	}
	memset(&d, 0, sizeof d);
	if (v != NULL && hd_date_parse(v, &d, ed->e) != 0) {
		free(v);
		return HD_EINVAL;
	}
	free(v);
	v = d.iso[0] ? hd_xstrdup(d.iso) : NULL;
	if (same(r->date, v)) {
		free(v);
		return 0;
	}
	note_change(ed, "date", hd_json_str(r->date), hd_json_str(v));
	free(r->date);
	r->date = v;
	r->year = v ? d.year : 0;
	r->year_end = v ? d.year_end : 0;
	return 0;
}

/* Apply the access field in (NULL: untouched): a code or Chinese name of
 * public, internal or restricted.  0 or HD_EINVAL. */
static int edit_access(struct edit *ed, const char *in)
{
	const char *code;

	if (in == NULL) {
		return 0;
	}
	code = hd_access_code(in);
	if (code == NULL) {
		return hd_err(ed->e, HD_EINVAL, "开放级别 '%s'：应为 public、"
			"internal 或 restricted", in);
	}
	if (same(ed->r->access, code)) {
		return 0;
	}
	note_change(ed, "access", hd_json_str(ed->r->access), json_string(code));
	free(ed->r->access);
	ed->r->access = hd_xstrdup(code);
	return 0;
}

/* Split a list typed by a person: ";", "；", "、", "," and "，" separate. */
static int split_terms(struct edit *ed, const char *in, const char *label,
	char ***v, size_t *n)
{
	static const char *const seps[] = {";", "\xEF\xBC\x9B",
		"\xE3\x80\x81", ",", "\xEF\xBC\x8C", NULL};
	const char *p = in, *q;
	size_t i, k, len;
	char *t;

	*v = NULL;
	*n = 0;
	if (!hd_utf8_valid(in, strlen(in)) || has_control(in, 0)) {
		return hd_err(ed->e, HD_EINVAL, "%s：不是有效的文字", label);
	}
	while (*p) {
		q = p;
		len = 0;
		while (*q) {
			for (k = 0; seps[k] != NULL; k++) {
				len = strlen(seps[k]);
				if (strncmp(q, seps[k], len) == 0) {
					break;
				}
			}
			if (seps[k] != NULL) {
				break;
			}
			q++;
			len = 0;
		}
		t = hd_trim(hd_xstrndup(p, (size_t)(q - p)));
		for (i = 0; *t && i < *n && strcmp((*v)[i], t) != 0; i++) {
		}
		if (*t && i == *n) {
			if (*n >= TERMS_MAX || g_utf8_strlen(t, -1) > 100) {
				free(t);
				hd_strv_free(*v, *n);
				*v = NULL;
				*n = 0;
				return hd_err(ed->e, HD_EINVAL, "%s：至多 %d "
					"项，每项不超过 100 个字", label,
					TERMS_MAX);
			}
			hd_strv_add(v, n, t);
		}
		free(t);
		p = q + len;
	}
	return 0;
}

/* Apply a list field in (NULL: untouched) to the list *cur of *ncur terms
 * (subjects or persons): split_terms' items in their order replace it when
 * they differ, and *touched becomes 1.  0 or HD_EINVAL. */
static int edit_terms(struct edit *ed, const char *in, const char *key,
	const char *label, char ***cur, size_t *ncur, int *touched)
{
	char **v;
	size_t n, i;
	int rc;

	if (in == NULL) {
		return 0;
	}
	rc = split_terms(ed, in, label, &v, &n);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; n == *ncur && i < n && strcmp(v[i], (*cur)[i]) == 0;
	    i++) {
	}
	if (n == *ncur && i == n) {
		hd_strv_free(v, n);
		return 0;
	}
	note_change(ed, key, hd_json_strv(*cur, *ncur), hd_json_strv(v, n));
	hd_strv_free(*cur, *ncur);
	*cur = v;
	*ncur = n;
	*touched = 1;
	return 0;
}

/* Replace record id's terms of kind with the n terms of v, inside the
 * caller's transaction.  0 or HD_EDB. */
static int put_terms(struct hd_archive *a, int64_t id, const char *kind,
	char **v, size_t n, struct hd_error *e)
{
	int rc = hd_sql_run(a, SQL_TERMS_DELETE, "clear terms", e, "lt", id,
		kind);

	return rc != 0 ? rc : hd_terms_add(a, id, kind, v, n, e);
}

/* Re-index the record: the body column is the description followed by
 * the text of the files, so the old description is cut off the front
 * and the new one put there. */
static int reindex(struct hd_archive *a, const struct hd_record *r,
	const char *old_desc, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_RECORD_BODY, e, "l", r->id);
	char *old = NULL, *meta, *body;
	const char *rest;
	struct hd_buf b;
	size_t n;
	int rc = 0;

	if (st == NULL) {
		return HD_EDB;
	}
	/* a failing read re-indexes from an empty body, and the write
	 * below fails on the same database */
	if (sqlite3_step(st) == SQLITE_ROW) {
		old = hd_col_dup(st, 0);
	}
	sqlite3_reset(st);
	rest = old ? old : "";
	if (old_desc != NULL) {
		n = strlen(old_desc);
		if (strncmp(rest, old_desc, n) == 0 && rest[n] == '\n') {
			rest += n + 1;
		}
	}
	hd_buf_init(&b);
	if (r->description) {
		hd_buf_printf(&b, "%s\n", r->description);
	}
	hd_buf_puts(&b, rest);
	body = hd_buf_detach(&b);
	meta = hd_record_meta_text(r);
	rc = hd_sql_run(a, SQL_FTS_UPDATE, "re-index record", e, "lttt",
		r->id, r->title, meta, body);
	if (rc == 0) {
		rc = hd_heads_put(a, SQL_HEADS_UPDATE, r->id, r->title, meta,
			e);
	}
	free(old);
	free(meta);
	free(body);
	return rc;
}

/* Write the description fields of r back to its row, and its time of change
 * (now).  Year and last year go with the date: without a dated year both are
 * NULL.  0 or HD_EDB. */
static int update_row(struct hd_archive *a, const struct hd_record *r,
	struct hd_error *e)
{
	int year = r->date != NULL && r->year > 0 ? r->year : 0;
	char now[32];

	hd_now_iso(now);
	/* no dated year leaves year and year_end NULL; year_end is at
	 * least the year */
	return hd_sql_run(a, SQL_RECORD_UPDATE, "update record", e,
		"ltttIItttttt", r->id, r->title, r->creator, r->date, year,
		year > 0 && r->year_end > 0 ? r->year_end : year, r->place,
		r->description, r->access, r->location, r->status, now);
}

/* hd_record_edit: see hd.h.  Every field is checked before anything is
 * written; the record, its changed terms, its search entry and the event
 * change in one transaction. */
int hd_record_edit(struct hd_archive *a, const char *ref,
	const struct hd_edit *in, const struct hd_agent *agent, int *changed,
	struct hd_error *e)
{
	struct hd_record r;
	struct edit ed;
	char *old_desc = NULL, *detail = NULL;
	int subj = 0, pers = 0, rc;
	json_t *o;

	if (changed != NULL) {
		*changed = 0;
	}
	hd_record_init(&r);
	memset(&ed, 0, sizeof ed);
	ed.r = &r;
	ed.e = e;
	ed.before = json_object();
	ed.after = json_object();
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		goto out;
	}
	rc = hd_record_get(a, HD_ARCHIVIST, ref, &r, e);
	if (rc == 0) {
		rc = hd_harvest_refuse(a, r.id, r.ref, e);
	}
	if (rc != 0) {
		goto end;
	}
	old_desc = r.description ? hd_xstrdup(r.description) : NULL;
	rc = edit_text(&ed, in->title, "title", "题名", 500, 0, 1, &r.title);
	if (rc == 0) {
		rc = edit_text(&ed, in->creator, "creator", "责任者", 200, 0, 0,
			&r.creator);
	}
	if (rc == 0) {
		rc = edit_date(&ed, in->date);
	}
	if (rc == 0) {
		rc = edit_text(&ed, in->place, "place", "地点", 200, 0, 0,
			&r.place);
	}
	if (rc == 0) {
		rc = edit_text(&ed, in->description, "description", "附注",
			20000, 1, 0, &r.description);
	}
	if (rc == 0) {
		rc = edit_access(&ed, in->access);
	}
	if (rc == 0) {
		rc = edit_text(&ed, in->location, "location", "位置", 200, 0, 0,
			&r.location);
	}
	if (rc == 0) {
		rc = edit_terms(&ed, in->subjects, "subjects", "主题词",
			&r.subjects, &r.nsubjects, &subj);
	}
	if (rc == 0) {
		rc = edit_terms(&ed, in->persons, "persons", "人物", &r.persons,
			&r.npersons, &pers);
	}
	if (rc != 0 || ed.n == 0) {
		hd_tx_rollback(a);
		goto out;
	}
	if (strcmp(r.status, "approved") == 0) {
		json_object_set_new(ed.before, "status",
			json_string("approved"));
		json_object_set_new(ed.after, "status", json_string("pending"));
		free(r.status);
		r.status = hd_xstrdup("pending");
	}
	rc = update_row(a, &r, e);
	if (rc == 0 && subj) {
		rc = put_terms(a, r.id, "subject", r.subjects, r.nsubjects, e);
	}
	if (rc == 0 && pers) {
		rc = put_terms(a, r.id, "person", r.persons, r.npersons, e);
	}
	if (rc == 0) {
		rc = reindex(a, &r, old_desc, e);
	}
	if (rc == 0) {
		o = json_object();
		json_object_set(o, "before", ed.before);
		json_object_set(o, "after", ed.after);
		detail = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		rc = hd_event_add(a, "edit", r.id, agent, detail, e);
	}
end:
	rc = hd_tx_end(a, rc, e);
	if (rc == 0 && changed != NULL) {
		*changed = ed.n;
	}
out:
	json_decref(ed.before);
	json_decref(ed.after);
	free(detail);
	free(old_desc);
	hd_record_release(&r);
	return rc;
}
