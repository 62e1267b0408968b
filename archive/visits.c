/*
 * visits.c - guided-talk bookings (讲解预约), and staff's list and
 * cancellation of them.
 *
 * Bookings follow the community's "public welfare + low price" model:
 * the public-welfare hours (公益时段, 09:00-12:00 unless configured) are
 * free, the other opening hours cost a low price, and each hour holds a
 * limited number of people.  Guarantees: every rule and limit
 * (hd_visit.h) is checked inside the booking's transaction, which holds
 * the write lock from its start, so bookers at once can neither overfill
 * a slot nor pass a limit between them; names and contacts are compared
 * by their tidied, case-folded keys, never as typed, so a trailing space
 * or a zero-width character makes no second group.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#define DEF_FREE "09:00-12:00"
#define DEF_PAID "14:00-17:00,19:00-21:00"
#define DEF_CAPACITY "40"
#define DEF_PRICE "10"

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

/* hd_visit_past: see hd_visit.h.  Both are compared as text: days as
 * "YYYY-MM-DD", times as "HH:MM". */
int hd_visit_past(const char *day, const char *slot, int64_t now)
{
	char today[11], hm[6];
	int c;

	hd_china_clock(now, today, hm);
	c = strcmp(day, today);
	return c < 0 || (c == 0 && strcmp(slot, hm) <= 0);
}

/* ------------------------------------------------------------ kiosks */

#define KIOSK_SEP ", \t"

/* The address s (IPv4, IPv6, or IPv6 holding IPv4 as ::ffff:a.b.c.d)
 * into out as IPv6 bytes, so that each address has one form.  1, or 0
 * when s is not an address. */
static int addr_bytes(const char *s, unsigned char out[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0xff, 0xff};

	if (inet_pton(AF_INET, s, out + 12) == 1) {
		memcpy(out, mapped, sizeof mapped);
		return 1;
	}
	return inet_pton(AF_INET6, s, out) == 1;
}

/* The item of a kiosk list at *p (after the separators) into out (64
 * bytes; an item as long is cut, and then no address), *p moved past
 * it.  0 when there is none left. */
static int kiosk_item(const char **p, char out[64])
{
	size_t n;

	*p += strspn(*p, KIOSK_SEP);
	n = strcspn(*p, KIOSK_SEP);
	if (n == 0) {
		return 0;
	}
	snprintf(out, 64, "%.*s", (int)n, *p);
	*p += n;
	return 1;
}

/* hd_visit_kiosks: see hd_visit.h. */
int hd_visit_kiosks(const char *spec, struct hd_error *e)
{
	const char *p = spec ? spec : "";
	unsigned char b[16];
	char item[64];

	while (kiosk_item(&p, item)) {
		if (!addr_bytes(item, b)) {
			return hd_err(e, HD_EINVAL, "“%s”不是 IP 地址（几个地址"
				"之间用逗号或空格隔开）", item);
		}
	}
	return 0;
}

/* 1 when the address remote is one of the list spec (hd_visit_kiosks's
 * grammar), compared as addresses, not as text. */
static int kiosk_has(const char *spec, const char *remote)
{
	unsigned char want[16], b[16];
	const char *p = spec;
	char item[64];

	if (!addr_bytes(remote, want)) {
		return 0;
	}
	while (kiosk_item(&p, item)) {
		if (addr_bytes(item, b) && memcmp(b, want, 16) == 0) {
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------ what a visitor typed */

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

/* s tidied (hd_text_tidy) into form, or a copy of s when it is not
 * UTF-8.  A new string. */
static char *tidy_or_copy(const char *s, enum hd_tidy form)
{
	char *t = hd_text_tidy(s, form);

	return t != NULL ? t : hd_xstrdup(s);
}

/* The key a contact (tidied, contact_ok) is compared by: an e-mail
 * case-folded, a phone number its digits (a leading '+' kept), so that
 * "020-8888 1234" and "02088881234" are one.  A new string. */
static char *contact_key(const char *c)
{
	char *k;
	size_t i, n = 0;

	if (strchr(c, '@') != NULL) {
		return tidy_or_copy(c, HD_TIDY_KEY);
	}
	k = hd_xmalloc(strlen(c) + 1);
	for (i = 0; c[i] != '\0'; i++) {
		if (isdigit((unsigned char)c[i]) || (c[i] == '+' && n == 0)) {
			k[n++] = c[i];
		}
	}
	k[n] = '\0';
	return k;
}

/* The group name and contact of a booking, tidied as kept and as
 * compared. */
struct who {
	char *group, *group_key;
	char *contact, *contact_key;
};

/* Free what w holds. */
static void who_release(struct who *w)
{
	free(w->group);
	free(w->group_key);
	free(w->contact);
	free(w->contact_key);
}

/* The keys of w's group and contact, which are set. */
static void who_keys(struct who *w)
{
	w->group_key = tidy_or_copy(w->group, HD_TIDY_KEY);
	w->contact_key = contact_key(w->contact);
}

/* group and contact as typed, tidied into *w (zeroed first; release it
 * on every path).  0, or HD_EINVAL with the form's message. */
static int who_read(const char *group, const char *contact, struct who *w,
	struct hd_error *e)
{
	glong n;

	memset(w, 0, sizeof *w);
	w->group = hd_text_tidy(group, HD_TIDY_NFC);
	n = w->group != NULL ? g_utf8_strlen(w->group, -1) : 0;
	if (n < 1 || n > 40) {
		return hd_err(e, HD_EINVAL, "请填写团体名称（1 到 40 个字）");
	}
	w->contact = hd_text_tidy(contact, HD_TIDY_NFKC);
	if (w->contact == NULL || !contact_ok(w->contact)) {
		return hd_err(e, HD_EINVAL, "联系方式“%s”不是电话号码或电子"
			"邮箱", w->contact ? w->contact : "");
	}
	who_keys(w);
	return 0;
}

/* hd_visit_rekey: see internal.h.  The rows are read first and written
 * after, so that no update changes what the read still walks.  A
 * booking the rules of today would refuse is keyed all the same. */
int hd_visit_rekey(struct hd_archive *a, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_VISIT_ALL, e);
	struct who *v = NULL, *w;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rc;

	while ((rc = hd_sql_step(a, st, "read bookings", e)) == 1) {
		v = hd_xrealloc(v, (n + 1) * sizeof *v);
		ids = hd_xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n] = sqlite3_column_int64(st, 0);
		w = &v[n++];
		memset(w, 0, sizeof *w);
		w->group = tidy_or_copy((const char *)
			sqlite3_column_text(st, 1), HD_TIDY_NFC);
		w->contact = tidy_or_copy((const char *)
			sqlite3_column_text(st, 2), HD_TIDY_NFKC);
		who_keys(w);
	}
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			rc = hd_sql_run(a, SQL_VISIT_SET_KEYS, "key bookings",
				e, "ltt", ids[i], v[i].group_key,
				v[i].contact_key);
		}
		who_release(&v[i]);
	}
	free(v);
	free(ids);
	return rc;
}

/* ---------------------------------------------------------- booking */

/* Unix seconds of "YYYY-MM-DD HH:MM" in China (UTC+8, no summer time),
 * or 0 when it is not that. */
static int64_t china_minute(const char *s)
{
	int y, mo, d, h, mi;
	GDateTime *dt;
	int64_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d %2d:%2d", &y, &mo, &d, &h,
	    &mi) != 5) {
		return 0;
	}
	dt = g_date_time_new_utc(y, mo, d, h, mi, 0);
	if (dt == NULL) {
		return 0;
	}
	t = g_date_time_to_unix(dt) - 8 * 3600;
	g_date_time_unref(dt);
	return t;
}

/* The limits of booking b from b->remote for w's contact, inside its
 * transaction: HD_ELIMIT when the contact holds HD_VISIT_OPEN_MAX open
 * bookings at b->now (e->retry: until the one that frees a place
 * begins) or the address (not a kiosk's) made HD_VISIT_HOURLY_MAX in
 * the hour before it (e->retry: until the one that frees a place is an
 * hour old); else 0 (or HD_EDB). */
static int limits_check(struct hd_archive *a, const struct hd_booking *b,
	const struct who *w, struct hd_error *e)
{
	char today[11], hm[6], now[20], *kiosks = NULL;
	char *frees = NULL;
	int64_t n, at;
	int rc;

	hd_china_clock(b->now, today, hm);
	snprintf(now, sizeof now, "%s %s", today, hm);
	n = 0;
	rc = hd_sql_get(a, SQL_VISIT_OPEN_OF_CONTACT, "count bookings", e,
		"tttl>lt", w->contact_key, now, today,
		(int64_t)HD_VISIT_OPEN_MAX - 1, &n, &frees);
	at = china_minute(frees);
	if (rc == 1 && n >= HD_VISIT_OPEN_MAX) {
		hd_err(e, HD_ELIMIT, "联系方式“%s”已有 %lld 个尚未进行"
			"的预约，每个联系方式最多 %d 个；%s%s%s如需更改，请先联系"
			"档案室取消", w->contact, (long long)n, HD_VISIT_OPEN_MAX,
			at > b->now ? "在 " : "", at > b->now ? frees : "",
			at > b->now ? " 的预约开始后可以再约；" : "");
		if (e != NULL && at > b->now) {
			e->retry = at - b->now;
		}
		free(frees);
		return HD_ELIMIT;
	}
	free(frees);
	if (rc < 0 || b->remote == NULL || b->remote[0] == '\0') {
		return rc < 0 ? rc : 0;
	}
	rc = hd_meta_get(a, "visit.kiosks", "", &kiosks, e);
	if (rc == 0 && !kiosk_has(kiosks, b->remote)) {
		n = at = 0;
		rc = hd_sql_get(a, SQL_VISIT_RECENT_OF_REMOTE, "count bookings",
			e, "tll>ll", b->remote, b->now - 3600,
			(int64_t)HD_VISIT_HOURLY_MAX - 1, &n, &at);
		rc = rc < 0 ? rc : 0;
		/* frees when the one of them that is HD_VISIT_HOURLY_MAX-th
		 * newest is an hour old */
		at = at + 3600 > b->now ? at + 3600 - b->now : 1;
		if (rc == 0 && n >= HD_VISIT_HOURLY_MAX) {
			rc = hd_err(e, HD_ELIMIT, "这个网络地址一小时内已提交 "
				"%d 个预约，请 %lld 分钟后再试，或到档案室前台预约",
				HD_VISIT_HOURLY_MAX, (long long)(at + 59) / 60);
			if (e != NULL) {
				e->retry = at;
			}
		}
	}
	free(kiosks);
	return rc;
}

/* The slot b asks for, among the day's (read inside the transaction):
 * *s points into slots.  0, or HD_EINVAL when it is not one of them, has
 * begun, or is too small for b->people. */
static int slot_check(const struct hd_booking *b, struct hd_slot *slots,
	size_t n, struct hd_slot **s, struct hd_error *e)
{
	size_t i;

	*s = NULL;
	for (i = 0; i < n; i++) {
		if (b->slot != NULL && strcmp(slots[i].time, b->slot) == 0) {
			*s = &slots[i];
		}
	}
	if (*s == NULL) {
		return hd_err(e, HD_EINVAL, "“%s”不是开放预约的时段",
			b->slot ? b->slot : "");
	}
	if (hd_visit_past(b->day, (*s)->time, b->now)) {
		return hd_err(e, HD_EINVAL, "%s %s 的讲解已经开始或结束，请"
			"选择以后的时段", b->day, (*s)->time);
	}
	if (b->people < 1 || b->people > (*s)->capacity) {
		return hd_err(e, HD_EINVAL, "人数须在 1 到 %d 人之间",
			(*s)->capacity);
	}
	if ((*s)->booked + b->people > (*s)->capacity) {
		return hd_err(e, HD_EINVAL, "%s %s 只剩 %d 个名额，请减少人数"
			"或选择其他时段", b->day, (*s)->time,
			(*s)->capacity - (*s)->booked);
	}
	return 0;
}

/* The checks and the insert of b for w, inside its transaction; *id
 * receives the new booking's id. */
static int book_in_tx(struct hd_archive *a, const struct hd_booking *b,
	const struct who *w, const struct hd_agent *agent, int64_t *id,
	struct hd_error *e)
{
	struct hd_slot *slots = NULL, *s = NULL;
	size_t n = 0;
	int64_t other = 0;
	char now[32], *detail;
	int rc = 0;

	if (b->form != NULL) {
		rc = hd_sql_get(a, SQL_VISIT_FORM_USED, "look up form", e,
			"t>l", b->form, &other);
		if (rc == 1) {
			return hd_err(e, HD_EEXIST, "这张预约表已经提交过（预约"
				"号 %lld），不必再次提交；如需再预约，请重新"
				"填写预约表", (long long)other);
		}
	}
	if (rc == 0) {
		rc = hd_visit_slots(a, b->day, &slots, &n, e);
	}
	if (rc == 0) {
		rc = slot_check(b, slots, n, &s, e);
	}
	if (rc == 0 && hd_visit_closed(a, b->day, s->time)) {
		rc = hd_err(e, HD_EINVAL, "%s %s 已停止预约，请选择其他时段",
			b->day, s->time);
	}
	if (rc == 0) {
		rc = hd_sql_get(a, SQL_VISIT_GROUP_TAKEN, "look up group", e,
			"ttt>l", b->day, s->time, w->group_key, &other);
		if (rc == 1) {
			rc = hd_err(e, HD_EINVAL, "“%s”已预约 %s %s，不能重复"
				"预约", w->group, b->day, s->time);
		}
	}
	if (rc == 0) {
		rc = limits_check(a, b, w, e);
	}
	if (rc == 0) {
		hd_now_iso(now);
		rc = hd_sql_run(a, SQL_VISIT_INSERT, "book", e,
			"ttttttiiitltt", b->day, s->time, w->group,
			w->group_key, w->contact, w->contact_key, b->people,
			s->free, s->price, now, b->now,
			b->remote ? b->remote : "", b->form);
	}
	if (rc == 0) {
		*id = sqlite3_last_insert_rowid(a->db);
		detail = hd_xasprintf("booking %lld: %s %s, %d people%s",
			(long long)*id, b->day, s->time, b->people,
			s->free ? " (公益时段)" : "");
		rc = hd_event_add(a, "visit", 0, agent, detail, e);
		free(detail);
	}
	free(slots);
	return rc;
}

/* hd_visit_book: see hd_visit.h.  What needs no catalogue is checked
 * before the write lock is taken; the rest inside (book_in_tx). */
int hd_visit_book(struct hd_archive *a, const struct hd_booking *b,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e)
{
	char today[11], hm[6];
	struct who w;
	long d, t;
	int rc;

	*id = 0;
	memset(&w, 0, sizeof w);
	hd_china_clock(b->now, today, hm);
	d = day_number(b->day);
	t = day_number(today);
	if (d < 0) {
		return hd_err(e, HD_EINVAL, "日期“%s”无效，请选择一个日期",
			b->day ? b->day : "");
	}
	if (t >= 0 && d < t) {
		return hd_err(e, HD_EINVAL, "日期 %s 已经过去，请选择今天或"
			"以后的日期", b->day);
	}
	if (t >= 0 && d > t + HD_VISIT_AHEAD_DAYS) {
		return hd_err(e, HD_EINVAL, "只能预约 %d 天以内的讲解",
			HD_VISIT_AHEAD_DAYS);
	}
	rc = who_read(b->group, b->contact, &w, e);
	if (rc == 0) {
		rc = hd_tx_begin(a, e);
		if (rc == 0) {
			rc = hd_tx_end(a, book_in_tx(a, b, &w, agent, id, e),
				e);
		}
	}
	who_release(&w);
	if (rc != 0) {
		*id = 0;
	}
	return rc;
}

/* ------------------------------------------------------ for the staff */

/* The booking in the current row of a statement of VISIT_COLUMNS into
 * *v, zeroed first. */
static void visit_from_row(sqlite3_stmt *st, struct hd_visit *v)
{
	memset(v, 0, sizeof *v);
	v->id = sqlite3_column_int64(st, 0);
	hd_col_copy(st, 1, v->day, sizeof v->day);
	hd_col_copy(st, 2, v->slot, sizeof v->slot);
	hd_col_copy(st, 3, v->group, sizeof v->group);
	hd_col_copy(st, 4, v->contact, sizeof v->contact);
	v->people = sqlite3_column_int(st, 5);
	v->free = sqlite3_column_int(st, 6);
	v->price = sqlite3_column_int(st, 7);
	hd_col_copy(st, 8, v->created, sizeof v->created);
	hd_col_copy(st, 9, v->remote, sizeof v->remote);
	hd_col_copy(st, 10, v->cancelled, sizeof v->cancelled);
	hd_col_copy(st, 11, v->cancelled_by, sizeof v->cancelled_by);
}

/* hd_visit_list: see hd_visit.h.  *v is NULL and *n 0 on every error. */
int hd_visit_list(struct hd_archive *a, const char *from, int days,
	struct hd_visit **v, size_t *n, struct hd_error *e)
{
	long d = day_number(from);
	sqlite3_stmt *st;
	char to[11];
	int rc;

	*v = NULL;
	*n = 0;
	if (d < 0) {
		return hd_err(e, HD_EINVAL, "日期“%s”无效，请用 2026-12-01 的"
			"格式", from ? from : "");
	}
	if (days < 1 || days > 366) {
		return hd_err(e, HD_EINVAL, "天数 %d：应为 1 到 366", days);
	}
	hd_day_format((int64_t)(d + days) * 86400, to);
	st = hd_sql_bind(a, SQL_VISIT_LIST, e, "tt", from, to);
	while ((rc = hd_sql_step(a, st, "list bookings", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		visit_from_row(st, &(*v)[(*n)++]);
	}
	if (rc != 0) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* Booking id into *v inside the caller's transaction: 0, HD_ENOTFOUND
 * or HD_EDB. */
static int visit_get(struct hd_archive *a, int64_t id, struct hd_visit *v,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_VISIT_GET, e, "l", id);
	int rc = hd_sql_step(a, st, "look up booking", e);

	if (rc == 1) {
		visit_from_row(st, v);
		sqlite3_reset(st);
		return 0;
	}
	return rc != 0 ? rc : hd_err(e, HD_ENOTFOUND, "没有预约号 %lld",
		(long long)id);
}

/* hd_visit_cancel: see hd_visit.h. */
int hd_visit_cancel(struct hd_archive *a, int64_t id, int64_t now,
	const char *reason, const struct hd_agent *agent, struct hd_visit *v,
	struct hd_error *e)
{
	struct hd_visit cur;
	char at[32], *detail;
	int rc;

	if (reason != NULL && (strlen(reason) > HD_VISIT_REASON_MAX ||
	    strpbrk(reason, "\r\n") != NULL)) {
		return hd_err(e, HD_EINVAL, "取消原因最多 %d 字节、一行",
			HD_VISIT_REASON_MAX);
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = visit_get(a, id, &cur, e);
	if (rc == 0 && cur.cancelled[0] != '\0') {
		rc = hd_err(e, HD_EINVAL, "预约 %lld 已于 %s 取消",
			(long long)id, cur.cancelled);
	}
	if (rc == 0 && hd_visit_past(cur.day, cur.slot, now)) {
		rc = hd_err(e, HD_EINVAL, "预约 %lld 的时段 %s %s 已经开始，"
			"不能取消", (long long)id, cur.day, cur.slot);
	}
	if (rc == 0) {
		hd_now_iso(at);
		rc = hd_sql_run(a, SQL_VISIT_CANCEL, "cancel booking", e,
			"ltt", id, at, agent && agent->name ? agent->name : "");
	}
	if (rc == 0) {
		detail = hd_xasprintf("cancel booking %lld: %s %s, %d people;"
			" %s", (long long)id, cur.day, cur.slot, cur.people,
			reason != NULL && reason[0] != '\0' ? reason :
			"no reason given");
		rc = hd_event_add(a, "visit", 0, agent, detail, e);
		free(detail);
	}
	if (rc == 0) {
		rc = visit_get(a, id, &cur, e);
	}
	rc = hd_tx_end(a, rc, e);
	if (rc == 0 && v != NULL) {
		*v = cur;
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

/* hd_visit_closed: see hd_visit.h.  The setting visit.closed.DAY lists
 * the day's closed hours. */
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

/* hd_visit_close: see hd_visit.h.  The list is rewritten in the order of
 * the day's slots, inside the transaction that writes the event. */
int hd_visit_close(struct hd_archive *a, const char *day, const char *slot,
	int closed, const struct hd_agent *agent, struct hd_error *e)
{
	struct hd_slot *v = NULL;
	struct hd_buf b;
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
	rc = hd_sql_run(a, SQL_META_SET, "close a slot", e, "tt", key, b.p);
	if (rc != 0) {
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
