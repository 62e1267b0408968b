/*
 * visits.c - guided-talk bookings (讲解预约).
 *
 * Bookings follow the community's "public welfare + low price" model:
 * the public-welfare hours (公益时段, 09:00-12:00 unless configured) are
 * free, the other opening hours cost a low price, and each hour holds a
 * limited number of people.  The rules are checked here, inside the
 * booking's transaction, so two requests cannot overfill a slot.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#define DEF_FREE "09:00-12:00"
#define DEF_PAID "14:00-17:00,19:00-21:00"
#define DEF_CAPACITY "40"
#define DEF_PRICE "10"
#define MAX_AHEAD_DAYS 60

/*
 * hd_visit_hours: see hd.h.  Each range is read by sscanf as
 * "%2d:00-%2d:00" and must be followed by ',' and another range or by
 * the end.  mask is cleared first and holds the hours of the ranges read
 * when HD_EINVAL is returned.  Allocates nothing.
 */
int hd_visit_hours(const char *spec, int mask[24], struct hd_error *e)
{
	const char *p;
	int from, to, h, k;

	memset(mask, 0, 24 * sizeof *mask);
	for (p = spec; p != NULL && *p; p += k) {
		if (sscanf(p, "%2d:00-%2d:00%n", &from, &to, &k) != 2 ||
		    from < 0 || to > 24 || from >= to) {
			break;
		}
		for (h = from; h < to; h++) {
			mask[h] = 1;
		}
		if (p[k] == ',') {
			k++;
		} else if (p[k] != '\0') {
			break;
		}
	}
	if (spec == NULL || *spec == '\0' || *p != '\0') {
		return hd_err(e, HD_EINVAL, "开放时段“%s”：应写成 "
			"HH:00-HH:00，几段之间用逗号隔开", spec ? spec : "");
	}
	return 0;
}

struct visit_conf {
	int free[24];
	int paid[24];
	int capacity;
	int price;
};

/* The visit settings of a (their defaults when unset) into *c.  Returns
 * 0, HD_EDB when they cannot be read, or HD_EINVAL for hours that are
 * not of hd_visit_hours's grammar (hongdang config sets none such). */
static int conf_load(struct hd_archive *a, struct visit_conf *c,
	struct hd_error *e)
{
	char *f = NULL, *p = NULL, *cap = NULL, *price = NULL;
	int rc;

	memset(c, 0, sizeof *c);
	rc = hd_meta_get(a, "visit.free", DEF_FREE, &f, e);
	if (rc == 0) {
		rc = hd_meta_get(a, "visit.paid", DEF_PAID, &p, e);
	}
	if (rc == 0) {
		rc = hd_meta_get(a, "visit.capacity", DEF_CAPACITY, &cap, e);
	}
	if (rc == 0) {
		rc = hd_meta_get(a, "visit.price", DEF_PRICE, &price, e);
	}
	if (rc == 0) {
		rc = hd_visit_hours(f, c->free, e);
	}
	if (rc == 0) {
		rc = hd_visit_hours(p, c->paid, e);
	}
	if (rc == 0) {
		c->capacity = atoi(cap) > 0 ? atoi(cap) : 40;
		c->price = atoi(price) >= 0 ? atoi(price) : 0;
	}
	free(f);
	free(p);
	free(cap);
	free(price);
	return rc;
}

/* Days since 1970 of "YYYY-MM-DD" (hd_day_parse), or -1 when malformed
 * or impossible. */
static long day_number(const char *s)
{
	int64_t t;

	return hd_day_parse(s, &t, NULL) == 0 ? (long)(t / 86400) : -1;
}

/* hd_visit_slots: see hd.h.  *slots is NULL on every error path. */
int hd_visit_slots(struct hd_archive *a, const char *day,
	struct hd_slot **slots, size_t *nslots, struct hd_error *e)
{
	struct visit_conf c;
	sqlite3_stmt *st;
	struct hd_slot *v = NULL;
	size_t n = 0, i;
	int h, rc;

	*slots = NULL;
	*nslots = 0;
	if (day_number(day) < 0) {
		return hd_err(e, HD_EINVAL, "日期“%s”无效，请用 2026-12-01 的"
			"格式", day ? day : "");
	}
	rc = conf_load(a, &c, e);
	if (rc != 0) {
		return rc;
	}
	for (h = 0; h < 24; h++) {
		if (!c.free[h] && !c.paid[h]) {
			continue;
		}
		v = hd_xrealloc(v, (n + 1) * sizeof *v);
		memset(&v[n], 0, sizeof v[n]);
		snprintf(v[n].time, sizeof v[n].time, "%02u:00",
			(unsigned)h % 24u);
		v[n].free = c.free[h];
		v[n].price = c.free[h] ? 0 : c.price;
		v[n].capacity = c.capacity;
		n++;
	}
	st = hd_sql_bind(a, SQL_VISITS_OF_DAY, e, "t", day);
	while ((rc = hd_sql_step(a, st, "read bookings", e)) == 1) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		for (i = 0; i < n; i++) {
			if (strcmp(v[i].time, t) == 0) {
				v[i].booked = sqlite3_column_int(st, 1);
			}
		}
	}
	if (rc != 0) {
		free(v);
		return rc;
	}
	*slots = v;
	*nslots = n;
	return 0;
}

/* A phone number (digits, spaces, '-', '+', 7-20 of them) or an e-mail. */
static int contact_ok(const char *s)
{
	size_t n = strlen(s), digits = 0, i;
	const char *at = strchr(s, '@');

	if (n < 5 || n > 80) {
		return 0;
	}
	if (at != NULL) {
		return at > s && strchr(at, '.') != NULL && !strchr(s, ' ');
	}
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			digits++;
		} else if (s[i] != ' ' && s[i] != '-' && s[i] != '+') {
			return 0;
		}
	}
	return digits >= 7 && digits <= 20;
}

/* hd_visit_book: see hd.h.  The slots are read inside the booking's
 * transaction, so two bookings cannot overfill a slot; *id is 0 on every
 * error path. */
int hd_visit_book(struct hd_archive *a, const char *day, const char *slot,
	const char *group, const char *contact, int people, const char *today,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e)
{
	struct hd_slot *slots = NULL, *s = NULL;
	size_t n = 0, i;
	long d, t;
	sqlite3_stmt *st;
	char now[32], *detail;
	int rc;

	*id = 0;
	d = day_number(day);
	t = day_number(today);
	if (d < 0) {
		return hd_err(e, HD_EINVAL, "日期“%s”无效，请选择一个日期",
			day ? day : "");
	}
	if (t >= 0 && d < t) {
		return hd_err(e, HD_EINVAL, "日期 %s 已经过去，请选择今天或"
			"以后的日期", day);
	}
	if (t >= 0 && d > t + MAX_AHEAD_DAYS) {
		return hd_err(e, HD_EINVAL, "只能预约 %d 天以内的讲解",
			MAX_AHEAD_DAYS);
	}
	if (group == NULL || !hd_utf8_valid(group, strlen(group)) ||
	    g_utf8_strlen(group, -1) < 1 || g_utf8_strlen(group, -1) > 40) {
		return hd_err(e, HD_EINVAL, "请填写团体名称（1 到 40 个字）");
	}
	if (contact == NULL || !contact_ok(contact)) {
		return hd_err(e, HD_EINVAL, "联系方式“%s”不是电话号码或电子"
			"邮箱", contact ? contact : "");
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	/* read the slots inside the transaction: the write lock is held, so
	 * the room left cannot change before the insert */
	rc = hd_visit_slots(a, day, &slots, &n, e);
	if (rc != 0) {
		goto end;
	}
	for (i = 0; i < n; i++) {
		if (slot != NULL && strcmp(slots[i].time, slot) == 0) {
			s = &slots[i];
		}
	}
	if (s == NULL) {
		rc = hd_err(e, HD_EINVAL, "“%s”不是开放预约的时段",
			slot ? slot : "");
		goto end;
	}
	if (people < 1 || people > s->capacity) {
		rc = hd_err(e, HD_EINVAL, "人数须在 1 到 %d 人之间",
			s->capacity);
		goto end;
	}
	if (hd_visit_closed(a, day, s->time)) {
		rc = hd_err(e, HD_EINVAL, "%s %s 已停止预约，请选择其他时段",
			day, s->time);
		goto fail;
	}
	if (s->booked + people > s->capacity) {
		rc = hd_err(e, HD_EINVAL, "%s %s 只剩 %d 个名额，请减少人数或"
			"选择其他时段", day, s->time, s->capacity - s->booked);
		goto end;
	}
	hd_now_iso(now);
	st = hd_sql_bind(a, SQL_VISIT_INSERT, e, "ttttiiit", day, s->time,
		group, contact, people, s->free, s->price, now);
	if (st == NULL) {
		rc = HD_EDB;
		goto end;
	}
	/* by hand: a second booking of the group is the person's mistake */
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT) {
		rc = hd_err(e, HD_EINVAL, "“%s”已预约 %s %s，不能重复预约",
			group, day, s->time);
		goto end;
	}
	if (rc != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "book");
		goto end;
	}
	*id = sqlite3_last_insert_rowid(a->db);
	detail = hd_xasprintf("booking %lld: %s %s, %d people%s",
		(long long)*id, day, s->time, people,
		s->free ? " (公益时段)" : "");
	rc = hd_event_add(a, "visit", 0, agent, detail, e);
	free(detail);
end:
	rc = hd_tx_end(a, rc, e);
	free(slots);
	if (rc != 0) {
		*id = 0;
	}
	return rc;
}

/* ------------------------------------------------ the desk's keeping */

#define CLOSED_KEY "visit.closed."      /* + day: its closed slots */

/* 1 when slot is one of the comma-separated hours of list. */
static int in_list(const char *list, const char *slot)
{
	size_t n = strlen(slot);
	const char *p;

	for (p = list; p != NULL && *p != '\0'; p = strchr(p, ',')) {
		p += *p == ',';
		if (strncmp(p, slot, n) == 0 && (p[n] == ',' || p[n] == '\0')) {
			return 1;
		}
	}
	return 0;
}

/* See hd_desk.h.  The setting visit.closed.DAY lists the day's closed
 * hours. */
int hd_visit_closed(struct hd_archive *a, const char *day, const char *slot)
{
	char *key, *list = NULL;
	int closed;

	if (day == NULL || slot == NULL || strlen(day) != 10) {
		return 0;
	}
	key = hd_xasprintf(CLOSED_KEY "%s", day);
	closed = hd_meta_get(a, key, "", &list, NULL) == 0 &&
		in_list(list, slot);
	free(key);
	free(list);
	return closed;
}

/* See hd_desk.h.  The list is rewritten in the order of the day's slots,
 * inside the transaction that writes the event. */
int hd_visit_close(struct hd_archive *a, const char *day, const char *slot,
	int closed, const struct hd_agent *agent, struct hd_error *e)
{
	struct hd_slot *v = NULL;
	struct hd_buf b;
	sqlite3_stmt *st;
	char *key = NULL, *list = NULL, *detail;
	size_t n = 0, i;
	int rc, found = 0, now;

	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_visit_slots(a, day, &v, &n, e);
	for (i = 0; rc == 0 && i < n; i++) {
		found |= slot != NULL && strcmp(v[i].time, slot) == 0;
	}
	if (rc == 0 && !found) {
		rc = hd_err(e, HD_EINVAL, "“%s”不是开放预约的时段",
			slot ? slot : "");
	}
	if (rc == 0) {
		key = hd_xasprintf(CLOSED_KEY "%s", day);
		rc = hd_meta_get(a, key, "", &list, e);
	}
	if (rc != 0 || in_list(list, slot) == closed) {
		goto out;               /* refused, or nothing to change */
	}
	for (i = 0; i < n; i++) {
		now = strcmp(v[i].time, slot) == 0 ? closed :
			in_list(list, v[i].time);
		if (now) {
			hd_buf_printf(&b, "%s%s", b.len ? "," : "", v[i].time);
		}
	}
	st = hd_sql(a, SQL_META_SET, e);
	if (st == NULL) {
		rc = HD_EDB;
		goto out;
	}
	hd_bind_text(st, 1, key);
	hd_bind_text(st, 2, b.p);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "close a slot");
		goto out;
	}
	detail = hd_xasprintf("slot %s %s %s for bookings", day, slot,
		closed ? "closed" : "opened");
	rc = hd_event_add(a, "visit", 0, agent, detail, e);
	free(detail);
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
out:
	if (a->in_tx) {
		hd_tx_rollback(a);
	}
	hd_buf_release(&b);
	free(v);
	free(key);
	free(list);
	return rc;
}

/* See hd_desk.h. */
void hd_visits_free(struct hd_visit *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].group);
		free(v[i].contact);
	}
	free(v);
}

/* Copy the text of column c of st into out (size n), "" for NULL. */
static void col_copy(sqlite3_stmt *st, int c, char *out, size_t n)
{
	const char *t = (const char *)sqlite3_column_text(st, c);

	snprintf(out, n, "%s", t ? t : "");
}

/* See hd_desk.h.  *v is NULL on every error path. */
int hd_visit_list(struct hd_archive *a, const char *from, const char *to,
	struct hd_visit **v, size_t *n, struct hd_error *e)
{
	struct hd_visit *w = NULL, *x;
	sqlite3_stmt *st;
	size_t k = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (day_number(from) < 0 || day_number(to) < 0) {
		return hd_err(e, HD_EINVAL, "日期“%s”至“%s”无效，请用 "
			"2026-12-01 的格式", from ? from : "", to ? to : "");
	}
	st = hd_sql(a, SQL_VISITS_BETWEEN, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, from);
	hd_bind_text(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		w = hd_xrealloc(w, (k + 1) * sizeof *w);
		x = &w[k++];
		memset(x, 0, sizeof *x);
		x->id = sqlite3_column_int64(st, 0);
		col_copy(st, 1, x->day, sizeof x->day);
		col_copy(st, 2, x->slot, sizeof x->slot);
		x->group = hd_xstrdup((const char *)sqlite3_column_text(st, 3));
		x->contact = hd_xstrdup((const char *)sqlite3_column_text(st,
			4));
		x->people = sqlite3_column_int(st, 5);
		x->free = sqlite3_column_int(st, 6);
		x->price = sqlite3_column_int(st, 7);
		col_copy(st, 8, x->created, sizeof x->created);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		hd_visits_free(w, k);
		return hd_sql_err(a, e, "read bookings");
	}
	*v = w;
	*n = k;
	return 0;
}

/* See hd_desk.h.  The row goes and the event says what it was (no
 * names: the bookings' events never carry them). */
int hd_visit_cancel(struct hd_archive *a, int64_t id, const char *reason,
	const struct hd_agent *agent, struct hd_error *e)
{
	sqlite3_stmt *st;
	char *detail;
	int rc;

	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	st = hd_sql(a, SQL_VISIT_DELETE, e);
	if (st == NULL) {
		hd_tx_rollback(a);
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		hd_tx_rollback(a);
		return hd_err(e, HD_ENOTFOUND, "没有第 %lld 号预约",
			(long long)id);
	}
	if (rc != SQLITE_ROW) {
		rc = hd_sql_err(a, e, "cancel a booking");
		sqlite3_reset(st);
		hd_tx_rollback(a);
		return rc;
	}
	detail = hd_xasprintf("booking %lld cancelled: %s %s, %d people; %s",
		(long long)id, (const char *)sqlite3_column_text(st, 0),
		(const char *)sqlite3_column_text(st, 1),
		sqlite3_column_int(st, 3), reason != NULL && *reason != '\0' ?
		reason : "no reason given");
	sqlite3_reset(st);
	rc = hd_event_add(a, "visit", 0, agent, detail, e);
	free(detail);
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc != 0) {
		hd_tx_rollback(a);
	}
	return rc;
}
