/*
 * consult.c - consultation (查阅 / 借阅): requests naming a person, an
 * organisation, a purpose, records, kinds of use and days; a reviewer's
 * approval (a named account, the kinds granted, a window of days) or
 * refusal; the check a page makes before showing restricted content; the
 * log of every use; usage statistics (利用统计).
 *
 * Guarantees:
 *  - content is allowed only to the account an approved request names,
 *    only for a record the request lists, only for a kind it grants and
 *    only on a day inside its window (China dates, inclusive); the check
 *    is one SQL statement with every condition in its text;
 *  - a request is decided once (pending -> approved or refused), and the
 *    account deciding a request through the admin pages cannot name
 *    itself;
 *  - every use is a row for the statistics and an event "consult" on the
 *    record (who, what, when, which file) in the same transaction.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <jansson.h>

#define PERSON_MAX 40           /* characters */
#define ORG_MAX 80
#define NOTE_MAX 500
#define DAYS_MAX 90
#define REFS_MAX 200
#define LIST_MAX 500            /* requests listed at most */

static const struct hd_code_name purposes[] = {
	{"research", "学术研究"}, {"work", "工作查考"},
	{"history", "编史修志"}, {"personal", "个人权益"},
	{"education", "宣传教育"}, {"other", "其他"}, {NULL, NULL},
};

static const struct hd_code_name kinds[] = {
	{"view", "查看"}, {"print", "打印"}, {"copy", "复制"}, {NULL, NULL},
};
#define NKINDS (sizeof kinds / sizeof kinds[0] - 1)

/* hd_purpose_code: see hd.h. */
const char *hd_purpose_code(const char *s)
{
	return hd_code_of(purposes, s, 1);
}

/* hd_purpose_name: see hd.h. */
const char *hd_purpose_name(const char *code)
{
	return hd_name_of(purposes, code);
}

/* hd_consult_kind_name: see hd.h. */
const char *hd_consult_kind_name(const char *code)
{
	return hd_name_of(kinds, code);
}

/* "view,print" (also 查看、打印) to a bit mask; 0 or HD_EINVAL. */
static int kinds_parse(const char *s, unsigned *mask, struct hd_error *e)
{
	char *copy, *p, *tok, *save = NULL;
	size_t i;

	*mask = 0;
	if (s == NULL || !hd_utf8_valid(s, strlen(s))) {
		return hd_err(e, HD_EINVAL, "方式：应为 view、print、copy 中的"
			"一项或几项");
	}
	copy = hd_xstrdup(s);
	/* the Chinese separators become commas */
	for (p = copy; *p; p++) {
		if (strncmp(p, "\xE3\x80\x81", 3) == 0 ||
		    strncmp(p, "\xEF\xBC\x8C", 3) == 0) {
			memcpy(p, ",  ", 3);
		}
	}
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		for (i = 0; i < NKINDS; i++) {
			if (strcmp(tok, kinds[i].code) == 0 ||
			    strcmp(tok, kinds[i].name) == 0) {
				*mask |= 1u << i;
				break;
			}
		}
		if (i == NKINDS) {
			hd_err(e, HD_EINVAL, "方式 '%s'：应为 view（查看）、"
				"print（打印）或 copy（复制）", tok);
			free(copy);
			return HD_EINVAL;
		}
	}
	free(copy);
	if (*mask == 0) {
		return hd_err(e, HD_EINVAL, "方式：应为 view、print、copy 中的"
			"一项或几项");
	}
	return 0;
}

/* The kinds of bit mask mask (bit i: kinds[i]) as their codes joined by
 * commas, "view,print", into out (n bytes; 32 hold them all). */
static void kinds_format(unsigned mask, char *out, size_t n)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < NKINDS; i++) {
		if (mask & (1u << i)) {
			k += (size_t)snprintf(out + k, n - k, "%s%s",
				k ? "," : "", kinds[i].code);
		}
	}
}

/* ------------------------------------------------------------ checks */

/* A trimmed copy of a text field into *out (caller frees; NULL for an
 * empty optional field).  HD_EINVAL when required and empty, too long or
 * not text. */
static int text_field(const char *in, const char *label, size_t max,
	int required, char **out, struct hd_error *e)
{
	char *v;
	const char *p;

	*out = NULL;
	if (in == NULL) {
		in = "";
	}
	if (!hd_utf8_valid(in, strlen(in))) {
		return hd_err(e, HD_EINVAL, "%s：不是有效的文字", label);
	}
	v = hd_trim(hd_xstrdup(in));
	for (p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\n') {
			break;
		}
	}
	if (*p != '\0' || (size_t)g_utf8_strlen(v, -1) > max ||
	    (required && *v == '\0')) {
		free(v);
		return hd_err(e, HD_EINVAL, "%s：须为 %s%zu 个字以内的文字",
			label, required ? "1 至 " : "", max);
	}
	if (*v == '\0') {
		free(v);
		return 0;
	}
	*out = v;
	return 0;
}

/* The compact text of event detail o, keys in the order they were set, which
 * consumes o; the caller frees the text. */
static char *json_detail(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	return s;
}

/* ---------------------------------------------------------- requests */

/* hd_consult_request: see hd.h.  Every field is checked before the
 * transaction; each record named (twice counts once) gets an event "consult"
 * {action request, ...}; *id is 0 on every error. */
int hd_consult_request(struct hd_archive *a, const struct hd_consult_ask *q,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e)
{
	char *person = NULL, *org = NULL, *note = NULL, *detail, now[32];
	char kbuf[32];
	const char *purpose = hd_purpose_code(q->purpose);
	unsigned mask;
	int64_t rec;
	size_t i;
	json_t *o;
	int rc;

	*id = 0;
	rc = text_field(q->person, "查阅人", PERSON_MAX, 1, &person, e);
	if (rc == 0) {
		rc = text_field(q->org, "单位", ORG_MAX, 1, &org, e);
	}
	if (rc == 0 && purpose == NULL) {
		rc = hd_err(e, HD_EINVAL, "目的 '%s'：应为 research、work、"
			"history、personal、education 或 other",
			q->purpose ? q->purpose : "");
	}
	if (rc == 0) {
		rc = text_field(q->note, "说明", NOTE_MAX, 0, &note, e);
	}
	if (rc == 0) {
		rc = kinds_parse(q->kinds, &mask, e);
	}
	if (rc == 0 && (q->days < 1 || q->days > DAYS_MAX)) {
		rc = hd_err(e, HD_EINVAL, "天数 %d：应为 1 至 %d", q->days,
			DAYS_MAX);
	}
	if (rc == 0 && (q->nrefs < 1 || q->nrefs > REFS_MAX)) {
		rc = hd_err(e, HD_EINVAL, "档号：请列出 1 至 %d 件档案",
			REFS_MAX);
	}
	if (rc != 0) {
		goto out;
	}
	kinds_format(mask, kbuf, sizeof kbuf);
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		goto out;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_CONSULT_INSERT, "add request", e, "tttttitt",
		person, org, purpose, note, kbuf, q->days, now,
		hd_agent_name(agent));
	if (rc != 0) {
		goto end;
	}
	*id = sqlite3_last_insert_rowid(a->db);
	for (i = 0; i < q->nrefs && rc == 0; i++) {
		rc = hd_record_find(a, q->refs[i], &rec, e);
		if (rc == 0) {
			rc = hd_harvest_refuse(a, rec, q->refs[i], e);
		}
		if (rc == 0) {
			rc = hd_sql_run(a, SQL_CONSULT_ITEM_INSERT,
				"add request item", e, "ll", *id, rec);
		}
		if (rc != 0) {
			break;
		}
		if (sqlite3_changes(a->db) == 0) {
			continue;       /* the same record named twice */
		}
		o = json_object();
		json_object_set_new(o, "action", json_string("request"));
		json_object_set_new(o, "request", json_integer(*id));
		json_object_set_new(o, "person", json_string(person));
		json_object_set_new(o, "org", json_string(org));
		json_object_set_new(o, "purpose", json_string(purpose));
		json_object_set_new(o, "kinds", json_string(kbuf));
		json_object_set_new(o, "days", json_integer(q->days));
		detail = json_detail(o);
		rc = hd_event_add(a, "consult", rec, agent, detail, e);
		free(detail);
	}
end:
	rc = hd_tx_end(a, rc, e);
	if (rc != 0) {
		*id = 0;
	}
out:
	free(person);
	free(org);
	free(note);
	return rc;
}

/* Free what request c holds and zero it; accepts NULL. */
void hd_consult_release(struct hd_consult *c)
{
	if (c == NULL) {
		return;
	}
	free(c->person);
	free(c->org);
	free(c->purpose);
	free(c->note);
	free(c->kinds);
	free(c->status);
	free(c->created);
	free(c->requester);
	free(c->account);
	free(c->granted);
	free(c->from);
	free(c->until);
	free(c->decided_by);
	free(c->decided_at);
	free(c->reason);
	hd_strv_free(c->refs, c->nrefs);
	memset(c, 0, sizeof *c);
}

/* Free the n requests of v (hd_consult_release each) and v; accepts NULL. */
void hd_consults_free(struct hd_consult *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		hd_consult_release(&v[i]);
	}
	free(v);
}

/* The reference codes request c lists, into c->refs (hd_strv_add).
 * 0 or HD_EDB. */
static int load_items(struct hd_archive *a, struct hd_consult *c,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_CONSULT_ITEMS, e, "l", c->id);
	int rc;

	while ((rc = hd_sql_step(a, st, "request items", e)) == 1) {
		hd_strv_add(&c->refs, &c->nrefs,
			(const char *)sqlite3_column_text(st, 0));
	}
	return rc;
}

/* Requests by status, account and id (each NULL / 0 for any). */
static int list(struct hd_archive *a, const char *status,
	const char *account, int64_t id, struct hd_consult **v, size_t *n,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_CONSULT_LIST, e, "ttLi", status,
		account, id, LIST_MAX);
	struct hd_consult *c;
	size_t i;
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "list requests", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		c = &(*v)[(*n)++];
		memset(c, 0, sizeof *c);
		c->id = sqlite3_column_int64(st, 0);
		c->person = hd_col_dup(st, 1);
		c->org = hd_col_dup(st, 2);
		c->purpose = hd_col_dup(st, 3);
		c->note = hd_col_dup(st, 4);
		c->kinds = hd_col_dup(st, 5);
		c->days = sqlite3_column_int(st, 6);
		c->status = hd_col_dup(st, 7);
		c->created = hd_col_dup(st, 8);
		c->requester = hd_col_dup(st, 9);
		c->account = hd_col_dup(st, 10);
		c->granted = hd_col_dup(st, 11);
		c->from = hd_col_dup(st, 12);
		c->until = hd_col_dup(st, 13);
		c->decided_by = hd_col_dup(st, 14);
		c->decided_at = hd_col_dup(st, 15);
		c->reason = hd_col_dup(st, 16);
	}
	for (i = 0; rc == 0 && i < *n; i++) {
		rc = load_items(a, &(*v)[i], e);
	}
	if (rc != 0) {
		hd_consults_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* hd_consult_list: see hd.h.  A status other than pending, approved or
 * refused is HD_EUSAGE; at most LIST_MAX requests are listed. */
int hd_consult_list(struct hd_archive *a, const char *status,
	const char *account, struct hd_consult **v, size_t *n,
	struct hd_error *e)
{
	if (status != NULL && strcmp(status, "pending") != 0 &&
	    strcmp(status, "approved") != 0 && strcmp(status, "refused") != 0) {
		*v = NULL;
		*n = 0;
		return hd_err(e, HD_EUSAGE, "状态 '%s'：应为 pending、approved "
			"或 refused", status);
	}
	if (account != NULL) {
		status = "approved";
	}
	return list(a, status, account, 0, v, n, e);
}

/* Request number id into *c (release with hd_consult_release), with the
 * records it lists.  HD_ENOTFOUND ("没有第 N 号查阅申请") when there is
 * none, HD_EDB. */
int hd_consult_get(struct hd_archive *a, int64_t id, struct hd_consult *c,
	struct hd_error *e)
{
	struct hd_consult *v;
	size_t n;
	int rc;

	memset(c, 0, sizeof *c);
	if (id <= 0) {
		return hd_err(e, HD_ENOTFOUND, "没有第 %lld 号查阅申请",
			(long long)id);
	}
	rc = list(a, NULL, NULL, id, &v, &n, e);
	if (rc != 0) {
		return rc;
	}
	if (n == 0) {
		free(v);
		return hd_err(e, HD_ENOTFOUND, "没有第 %lld 号查阅申请",
			(long long)id);
	}
	*c = v[0];
	free(v);
	return 0;
}

/* One event "consult" on every record of request c, detail o (consumed;
 * "request" is added). */
static int request_events(struct hd_archive *a, const struct hd_consult *c,
	json_t *o, const struct hd_agent *agent, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_CONSULT_ITEMS, e, "l", c->id);
	int64_t *ids = NULL;
	size_t n = 0, i;
	char *detail;
	int rc;

	json_object_set_new(o, "request", json_integer(c->id));
	detail = json_detail(o);
	while ((rc = hd_sql_step(a, st, "request items", e)) == 1) {
		ids = hd_xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = sqlite3_column_int64(st, 1);
	}
	for (i = 0; rc == 0 && i < n; i++) {
		rc = hd_event_add(a, "consult", ids[i], agent, detail, e);
	}
	free(ids);
	free(detail);
	return rc;
}

/* hd_consult_approve: see hd.h.  The request and the account are read inside
 * the write transaction; the kinds granted may only narrow what was asked. */
int hd_consult_approve(struct hd_archive *a, int64_t id,
	const char *account, const char *kinds_in, const char *from, int days,
	const char *today, const struct hd_agent *agent, struct hd_error *e)
{
	struct hd_consult c;
	struct hd_user u;
	unsigned asked, mask;
	int64_t t0;
	char until[11], kbuf[32], now[32], self[HD_USER_MAX + 8];
	json_t *o;
	int rc;

	memset(&c, 0, sizeof c);
	if (from == NULL) {
		from = today;
	}
	rc = hd_day_parse(from, &t0, e);
	if (rc != 0) {
		return rc;
	}
	if (days < 0 || days > DAYS_MAX) {
		return hd_err(e, HD_EINVAL, "天数 %d：应为 1 至 %d", days,
			DAYS_MAX);
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_consult_get(a, id, &c, e);
	if (rc != 0) {
		goto end;
	}
	if (strcmp(c.status, "pending") != 0) {
		rc = hd_err(e, HD_EINVAL, "第 %lld 号申请已%s，不能再批准",
			(long long)id, strcmp(c.status, "approved") == 0 ?
			"批准" : "拒绝");
		goto end;
	}
	rc = hd_user_get(a, account, &u, e);
	if (rc == 0 && u.disabled) {
		rc = hd_err(e, HD_EINVAL, "账户 '%s' 已停用", u.name);
	}
	if (rc != 0) {
		goto end;
	}
	snprintf(self, sizeof self, "web:%s", u.name);
	if (agent != NULL && agent->name != NULL &&
	    strcmp(agent->name, self) == 0) {
		rc = hd_err(e, HD_EDENIED, "不能批准以自己为查阅账户的申请");
		goto end;
	}
	rc = kinds_parse(c.kinds, &asked, e);
	if (rc == 0 && kinds_in != NULL) {
		rc = kinds_parse(kinds_in, &mask, e);
		if (rc == 0 && (mask & ~asked) != 0) {
			rc = hd_err(e, HD_EINVAL, "方式 '%s'：超出申请的“%s”",
				kinds_in, c.kinds);
		}
	} else {
		mask = asked;
	}
	if (rc != 0) {
		goto end;
	}
	kinds_format(mask, kbuf, sizeof kbuf);
	if (days == 0) {
		days = c.days;
	}
	hd_day_format(t0 + (int64_t)(days - 1) * 86400, until);
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_CONSULT_APPROVE, "approve request", e,
		"llttttt", id, u.id, kbuf, from, until, hd_agent_name(agent),
		now);
	if (rc == 0 && sqlite3_changes(a->db) != 1) {
		rc = hd_sql_err(a, e, "approve request");
	}
	if (rc != 0) {
		goto end;
	}
	o = json_object();
	json_object_set_new(o, "action", json_string("approve"));
	json_object_set_new(o, "account", json_string(u.name));
	json_object_set_new(o, "kinds", json_string(kbuf));
	json_object_set_new(o, "from", json_string(from));
	json_object_set_new(o, "until", json_string(until));
	rc = request_events(a, &c, o, agent, e);
end:
	rc = hd_tx_end(a, rc, e);
	hd_consult_release(&c);
	return rc;
}

/* hd_consult_refuse: see hd.h.  The reason is trimmed, 1 to NOTE_MAX
 * characters; every record of the request gets an event "consult" {action
 * refuse, reason, request}.  HD_EINVAL when the request is not pending or
 * the reason is bad, HD_ENOTFOUND for an unknown request. */
int hd_consult_refuse(struct hd_archive *a, int64_t id, const char *reason,
	const struct hd_agent *agent, struct hd_error *e)
{
	struct hd_consult c;
	char *r, now[32];
	json_t *o;
	int rc;

	memset(&c, 0, sizeof c);
	rc = text_field(reason, "理由", NOTE_MAX, 1, &r, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		free(r);
		return rc;
	}
	rc = hd_consult_get(a, id, &c, e);
	if (rc == 0 && strcmp(c.status, "pending") != 0) {
		rc = hd_err(e, HD_EINVAL, "第 %lld 号申请已%s，不能再拒绝",
			(long long)id, strcmp(c.status, "approved") == 0 ?
			"批准" : "拒绝");
	}
	if (rc != 0) {
		goto end;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_CONSULT_REFUSE, "refuse request", e, "lttt",
		id, r, hd_agent_name(agent), now);
	if (rc == 0 && sqlite3_changes(a->db) != 1) {
		rc = hd_sql_err(a, e, "refuse request");
	}
	if (rc != 0) {
		goto end;
	}
	o = json_object();
	json_object_set_new(o, "action", json_string("refuse"));
	json_object_set_new(o, "reason", json_string(r));
	rc = request_events(a, &c, o, agent, e);
end:
	rc = hd_tx_end(a, rc, e);
	free(r);
	hd_consult_release(&c);
	return rc;
}

/* ------------------------------------------------------------- uses */

/* hd_consult_allowed: see hd.h.  The one statement SQL_CONSULT_ALLOWED holds
 * every condition; HD_EUSAGE for an unknown kind or a day that is not one. */
int hd_consult_allowed(struct hd_archive *a, int64_t user_id,
	const char *ref, const char *kind, const char *today,
	int64_t *request, struct hd_error *e)
{
	int64_t rec, t;
	int rc;

	*request = 0;
	rc = hd_record_find(a, ref, &rec, e);
	if (rc != 0) {
		return rc;
	}
	if (hd_consult_kind_name(kind) == NULL ||
	    hd_day_parse(today, &t, NULL) != 0) {
		return hd_err(e, HD_EUSAGE, "bad kind or day");
	}
	rc = hd_sql_get(a, SQL_CONSULT_ALLOWED, "check consultation", e,
		"lltt>l", rec, user_id, today, kind, request);
	if (rc != 0) {
		return rc < 0 ? rc : 0;
	}
	return hd_err(e, HD_EDENIED, "%s：没有有效的查阅批准（未批准、不在"
		"批准的期限内，或未准许%s）", ref, hd_consult_kind_name(kind));
}

/* hd_consult_log: see hd.h.  The account in the detail is the agent's name
 * without its "web:"; HD_EUSAGE for an unknown kind or no file, HD_ENOTFOUND
 * for an unknown record. */
int hd_consult_log(struct hd_archive *a, int64_t request, int64_t user_id,
	const char *ref, const char *kind, const struct hd_file *f,
	const struct hd_agent *agent, struct hd_error *e)
{
	int64_t rec;
	char now[32], *detail;
	const char *who;
	json_t *o;
	int rc;

	if (hd_consult_kind_name(kind) == NULL || f == NULL) {
		return hd_err(e, HD_EUSAGE, "bad consultation use");
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_record_find(a, ref, &rec, e);
	if (rc != 0) {
		goto end;
	}
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_CONSULT_USE_INSERT, "log use", e, "tllltt",
		now, request, rec, user_id, kind, f->sha256);
	if (rc != 0) {
		goto end;
	}
	who = hd_agent_name(agent);
	if (strncmp(who, "web:", 4) == 0) {
		who += 4;
	}
	o = json_object();
	json_object_set_new(o, "action", json_string(kind));
	json_object_set_new(o, "request", json_integer(request));
	json_object_set_new(o, "account", json_string(who));
	json_object_set_new(o, "file", json_string(f->name ? f->name : ""));
	json_object_set_new(o, "sha256", json_string(f->sha256));
	detail = json_detail(o);
	rc = hd_event_add(a, "consult", rec, agent, detail, e);
	free(detail);
end:
	rc = hd_tx_end(a, rc, e);
	return rc;
}

/* ------------------------------------------------------------ stats */

/* The rows of usage statistics statement which (key, requests, items, uses)
 * into the new array *v of *n (caller frees; a NULL key is "").  0 or
 * HD_EDB. */
static int stat_rows(struct hd_archive *a, enum hd_sql which,
	struct hd_use_row **v, size_t *n, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, which, e);
	struct hd_use_row *r;
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "usage statistics", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		r = &(*v)[(*n)++];
		memset(r, 0, sizeof *r);
		snprintf(r->key, sizeof r->key, "%s",
			sqlite3_column_text(st, 0) ?
			(const char *)sqlite3_column_text(st, 0) : "");
		r->requests = sqlite3_column_int64(st, 1);
		r->items = sqlite3_column_int64(st, 2);
		r->uses = sqlite3_column_int64(st, 3);
	}
	return rc;
}

/* The usage statistics (利用统计) into *st: requests, items and uses by
 * month (China time), by the records' category and by purpose.  0 or HD_EDB
 * (*st released); release with hd_use_stats_release. */
int hd_consult_stats(struct hd_archive *a, struct hd_use_stats *st,
	struct hd_error *e)
{
	int rc;

	memset(st, 0, sizeof *st);
	rc = stat_rows(a, SQL_CONSULT_STATS_MONTH, &st->month, &st->nmonth, e);
	if (rc == 0) {
		rc = stat_rows(a, SQL_CONSULT_STATS_CATEGORY, &st->category,
			&st->ncategory, e);
	}
	if (rc == 0) {
		rc = stat_rows(a, SQL_CONSULT_STATS_PURPOSE, &st->purpose,
			&st->npurpose, e);
	}
	if (rc != 0) {
		hd_use_stats_release(st);
	}
	return rc;
}

/* Free the three tables of *st and zero it; accepts NULL. */
void hd_use_stats_release(struct hd_use_stats *st)
{
	if (st == NULL) {
		return;
	}
	free(st->month);
	free(st->category);
	free(st->purpose);
	memset(st, 0, sizeof *st);
}

/* See hd.h.  Reads only; a catalogue that cannot be read says no. */
int hd_consult_used(struct hd_archive *a, int64_t user_id, const char *ref,
	const char *sha256, const char *kind, int hours)
{
	sqlite3_stmt *st;
	char since[32];
	char canon[64];
	int64_t t;
	time_t tt;
	struct tm tm;
	int used;

	if (!hd_sha_ok(sha256) || hd_ref_canon(ref, canon, sizeof canon,
	    NULL) != 0 || hours < 1) {
		return 0;
	}
	t = hd_now_s() - (int64_t)hours * 3600;
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	st = hd_sql_bind(a, SQL_CONSULT_USED, NULL, "ltttt", user_id, canon,
		sha256, kind, since);
	if (st == NULL) {
		return 0;
	}
	used = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return used;
}
