/*
 * page_admin_keeping.c - keeping (保管) on one page: the last fixity
 * audit and what it found, the last backup (where, when, by whom, and
 * whether it is still there as recorded) with "back up now", the storage
 * room's readings out of range, and the guided-talk bookings of the
 * coming days, where a booking is cancelled or a slot closed.
 *
 *   GET  /admin/keeping      any staff account
 *   POST /admin/keeping      archivists and admins (HD_PERM_EDIT), csrf:
 *        action=backup             back up to the setting backup.dest
 *        action=cancel id= reason= cancel a booking
 *        action=close|open day= slot=   close a slot, or open it again
 *
 * "Back up now" runs the command line's backup (hd_backup_run, into the
 * folder "hongdang config backup.dest" names) on a thread of its own
 * with its own archive handle, one at a time in the server: the answer
 * comes at once (303 back to the page), which shows the backup under way
 * and, when it has ended, its figures or its error.  A backup under way
 * when the server stops is cut off; hd_backup_run's guarantees leave the
 * previous backup or none under the folder's name, and the next one
 * starts over.  Every change is an event of the library naming the
 * account; a POST answers 303 with the outcome named in the query (a
 * fixed word, no text of the request), or the page again with why not
 * (400, 404, 409, 422).
 */
#include "admin.h"

#include <glib.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAYS_AHEAD 7            /* days of bookings shown, today first */
#define READING_DAYS 30         /* readings out of range shown */
#define READINGS_SHOWN 20
#define BACKUP_STALE_DAYS 7     /* a backup older than this is flagged */

/* The backup the server runs (one at a time). */
static struct {
	pthread_mutex_t mu;
	int running;            /* a thread is backing up */
	int ended;              /* a backup of this server has ended */
	char started[32];       /* ISO 8601 UTC */
	char agent[HD_USER_MAX + 8];
	char *dir;              /* the data folder */
	char *dest;
	int rc;                 /* of the last one ended */
	char msg[1100];         /* its error */
	struct hd_backup_stats st;
} job = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The backup thread: its own archive handle, hd_backup_run, the outcome
 * kept for the page. */
static void *backup_thread(void *arg)
{
	struct hd_backup_stats st;
	struct hd_archive *a = NULL;
	struct hd_agent agent;
	struct hd_error e;
	int rc;

	(void)arg;
	memset(&st, 0, sizeof st);
	agent.name = job.agent;         /* set before the thread began */
	hd_err_clear(&e);
	rc = hd_archive_open(job.dir, 0, &a, &e);
	if (rc == 0) {
		rc = hd_backup_run(a, job.dest, &agent, &st, &e);
	}
	hd_archive_close(a);
	pthread_mutex_lock(&job.mu);
	job.rc = rc;
	snprintf(job.msg, sizeof job.msg, "%s", rc != 0 ? e.msg : "");
	job.st = st;
	job.running = 0;
	job.ended = 1;
	pthread_mutex_unlock(&job.mu);
	return NULL;
}

/* Start a backup of site s's archive into dest for ad.  0; 409 when one
 * is under way; 500 when no thread could be started. */
static int backup_start(struct site *s, const char *dest,
	const struct admin *ad)
{
	pthread_attr_t at;
	pthread_t th;
	int status = 0;

	pthread_mutex_lock(&job.mu);
	if (job.running) {
		status = 409;
	} else {
		free(job.dir);
		free(job.dest);
		job.dir = hd_xstrdup(s->dir);
		job.dest = hd_xstrdup(dest);
		snprintf(job.agent, sizeof job.agent, "%s", ad->s.agent);
		hd_now_iso(job.started);
		job.running = 1;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &at, backup_thread, NULL) != 0) {
			job.running = 0;
			status = 500;
		}
		pthread_attr_destroy(&at);
	}
	pthread_mutex_unlock(&job.mu);
	return status;
}

/* The server's backup for the page: {running, started, by} while one
 * runs; {ended, ok, copied, kept, replaced, objects, mb, error} once one
 * has ended; or null. */
static json_t *job_json(void)
{
	json_t *o = NULL;
	char when[20], mb[32];

	pthread_mutex_lock(&job.mu);
	if (job.running || job.ended) {
		o = json_object();
		admin_china_time(job.started, when);
		json_object_set_new(o, "running", json_boolean(job.running));
		json_object_set_new(o, "started", json_string(when));
		json_object_set_new(o, "by", json_string(job.agent));
		json_object_set_new(o, "dest", admin_str(job.dest));
	}
	if (o != NULL && !job.running) {
		json_object_set_new(o, "ok", json_boolean(job.rc == 0));
		json_object_set_new(o, "error", json_string(job.msg));
		json_object_set_new(o, "objects", json_integer(job.st.objects));
		json_object_set_new(o, "copied", json_integer(job.st.copied));
		json_object_set_new(o, "kept", json_integer(job.st.kept));
		json_object_set_new(o, "replaced",
			json_integer(job.st.replaced));
		json_object_set_new(o, "records", json_integer(job.st.records));
		snprintf(mb, sizeof mb, "%.1f", (double)job.st.bytes / 1e6);
		json_object_set_new(o, "mb", json_string(mb));
	}
	pthread_mutex_unlock(&job.mu);
	return o != NULL ? o : json_null();
}

/* A number after "word " in text, or -1. */
static long long count_of(const char *text, const char *word)
{
	const char *p = text != NULL ? strstr(text, word) : NULL;

	return p != NULL ? strtoll(p + strlen(word), NULL, 10) : -1;
}

/* The last fixity audit (its event, as hd_fixity_audit writes it):
 * {at, objects, damaged, missing, chain_ok, ok, detail}, or null when
 * none was made. */
static json_t *fixity_json(struct hd_archive *a)
{
	char at[32], when[20], *detail = NULL;
	long long damaged, missing;
	json_t *o;
	int chain;

	if (hd_event_last(a, "fixity", at, &detail, NULL) != 0 ||
	    detail == NULL) {
		free(detail);
		return json_null();
	}
	o = json_object();
	admin_china_time(at, when);
	damaged = count_of(detail, "damaged ");
	missing = count_of(detail, "missing ");
	chain = strstr(detail, "chain ok") != NULL;
	json_object_set_new(o, "at", json_string(when));
	json_object_set_new(o, "objects", json_integer(count_of(detail,
		"objects ")));
	json_object_set_new(o, "damaged", json_integer(damaged));
	json_object_set_new(o, "missing", json_integer(missing));
	json_object_set_new(o, "chain_ok", json_boolean(chain));
	json_object_set_new(o, "ok", json_boolean(damaged == 0 &&
		missing == 0 && chain));
	json_object_set_new(o, "detail", json_string(detail));
	free(detail);
	return o;
}

/* The last backup: {at, by, dest, objects, present (1, 0, -1 as
 * hd_backup_last says: verified, missing, other), stale}, or null. */
static json_t *backup_json(struct hd_archive *a)
{
	struct hd_backup_last b;
	char when[20];
	time_t t;
	json_t *o;

	if (hd_backup_last(a, &b, NULL) != 0) {
		return json_null();
	}
	o = json_object();
	admin_china_time(b.at, when);
	t = admin_iso_seconds(b.at);
	json_object_set_new(o, "at", json_string(when));
	json_object_set_new(o, "by", json_string(b.agent));
	json_object_set_new(o, "dest", admin_str(b.dest));
	json_object_set_new(o, "objects", json_integer(b.objects));
	json_object_set_new(o, "sha", json_string(b.db_sha256));
	json_object_set_new(o, "sha_short", json_stringn(b.db_sha256,
		strnlen(b.db_sha256, 16)));
	json_object_set_new(o, "verified", json_boolean(b.present == 1));
	json_object_set_new(o, "missing", json_boolean(b.present == 0));
	json_object_set_new(o, "other", json_boolean(b.present == -1));
	json_object_set_new(o, "stale", json_boolean(t >= 0 && time(NULL) -
		t > (time_t)BACKUP_STALE_DAYS * 86400));
	hd_backup_last_release(&b);
	return o;
}

/* day + k days ("YYYY-MM-DD") into out; 0, or -1 for a bad day. */
static int day_add(const char *day, int k, char out[11])
{
	unsigned y, m, d;
	GDate g;

	if (sscanf(day, "%4u-%2u-%2u", &y, &m, &d) != 3 ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y)) {
		return -1;
	}
	g_date_clear(&g, 1);
	g_date_set_dmy(&g, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	g_date_add_days(&g, (guint)k);
	return g_date_strftime(out, 11, "%Y-%m-%d", &g) == 10 ? 0 : -1;
}

/* The slots of the coming days, a row a day: {day, slots: [{time,
 * booked, capacity, closed, free}]}. */
static json_t *days_json(struct hd_archive *a, const char *today)
{
	json_t *arr = json_array(), *row, *slots, *o;
	struct hd_slot *v = NULL;
	size_t n, i;
	char day[11];
	int k;

	for (k = 0; k < DAYS_AHEAD; k++) {
		if (day_add(today, k, day) != 0 ||
		    hd_visit_slots(a, day, &v, &n, NULL) != 0) {
			break;
		}
		row = json_object();
		slots = json_array();
		for (i = 0; i < n; i++) {
			o = json_object();
			json_object_set_new(o, "time", json_string(v[i].time));
			json_object_set_new(o, "booked",
				json_integer(v[i].booked));
			json_object_set_new(o, "capacity",
				json_integer(v[i].capacity));
			json_object_set_new(o, "closed", json_boolean(
				hd_visit_closed(a, day, v[i].time)));
			json_object_set_new(o, "free", json_boolean(v[i].free));
			json_object_set_new(o, "day", json_string(day));
			json_array_append_new(slots, o);
		}
		free(v);
		v = NULL;
		json_object_set_new(row, "day", json_string(day));
		json_object_set_new(row, "slots", slots);
		json_array_append_new(arr, row);
	}
	return arr;
}

/* The bookings of the coming days that stand (not cancelled): {id,
 * day, slot, group, contact, people, free, price}. */
static json_t *bookings_json(struct hd_archive *a, const char *today)
{
	json_t *arr = json_array(), *o;
	struct hd_visit *v = NULL;
	size_t n = 0, i;

	if (hd_visit_list(a, today, DAYS_AHEAD, &v, &n, NULL) != 0) {
		return arr;
	}
	for (i = 0; i < n; i++) {
		if (v[i].cancelled[0] != '\0') {
			continue;       /* "hongdang visit list" shows those */
		}
		o = json_object();
		json_object_set_new(o, "id", json_integer(v[i].id));
		json_object_set_new(o, "day", json_string(v[i].day));
		json_object_set_new(o, "slot", json_string(v[i].slot));
		json_object_set_new(o, "group", json_string(v[i].group));
		json_object_set_new(o, "contact", json_string(v[i].contact));
		json_object_set_new(o, "people", json_integer(v[i].people));
		json_object_set_new(o, "free", json_boolean(v[i].free));
		json_object_set_new(o, "price", json_integer(v[i].price));
		json_array_append_new(arr, o);
	}
	free(v);
	return arr;
}

/* The outcomes a POST's 303 names, and what the page says of them. */
static const struct {
	const char *done;
	const char *text;
} dones[] = {
	{"backup", "备份已开始，在后台进行；完成后本页显示结果。"},
	{"cancel", "预约已取消。"},
	{"close", "该时段已停止预约（已有的预约仍然有效）。"},
	{"open", "该时段已重新开放预约。"},
};

/* The keeping page into resp with status; error: why the last POST was
 * refused (NULL: none). */
static void keeping_page(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *error, const struct admin *ad)
{
	const char *done = http_param(req, "done");
	json_t *ctx = json_object(), *flagged, *job_o, *bookings;
	char *dest = NULL;
	size_t i, n;

	json_object_set_new(ctx, "title", json_string("保管"));
	for (i = 0; done != NULL && i < sizeof dones / sizeof *dones; i++) {
		if (strcmp(done, dones[i].done) == 0) {
			json_object_set_new(ctx, "done",
				json_string(dones[i].text));
		}
	}
	if (error != NULL) {
		json_object_set_new(ctx, "error", json_string(error));
	}
	json_object_set_new(ctx, "fixity", fixity_json(a));
	json_object_set_new(ctx, "backup", backup_json(a));
	if (hd_meta_get(a, "backup.dest", NULL, &dest, NULL) == 0 &&
	    dest != NULL && *dest != '\0') {
		json_object_set_new(ctx, "dest", json_string(dest));
	}
	free(dest);
	job_o = job_json();
	json_object_set_new(ctx, "refresh", json_boolean(
		json_is_object(job_o) && json_is_true(json_object_get(job_o,
		"running"))));
	json_object_set_new(ctx, "job", job_o);
	flagged = admin_readings_flagged(a, READING_DAYS, NULL, NULL);
	n = json_array_size(flagged);
	while (json_array_size(flagged) > READINGS_SHOWN) {
		json_array_remove(flagged, 0);  /* the newest kept */
	}
	json_object_set_new(ctx, "flagged_count", json_integer(
		(json_int_t)n));
	json_object_set_new(ctx, "has_flagged", json_boolean(n > 0));
	json_object_set_new(ctx, "flagged", flagged);
	json_object_set_new(ctx, "reading_days", json_integer(READING_DAYS));
	json_object_set_new(ctx, "days", days_json(a, ad->today));
	bookings = bookings_json(a, ad->today);
	json_object_set_new(ctx, "has_bookings", json_boolean(
		json_array_size(bookings) > 0));
	json_object_set_new(ctx, "bookings", bookings);
	json_object_set_new(ctx, "days_ahead", json_integer(DAYS_AHEAD));
	admin_page(s, req, resp, status, "admin_keeping.html", ctx, ad);
}

/* GET /admin/keeping (any staff account): the page. */
int page_admin_keeping(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	return admin_get(s, a, req, resp, HD_PERM_STAFF, keeping_page);
}

/* action=backup: start one into the setting backup.dest; 0 with *done
 * set, or the status with msg. */
static int post_backup(struct site *s, struct hd_archive *a,
	const struct admin *ad, char *msg, size_t nmsg)
{
	char *dest = NULL;
	int status;

	if (hd_meta_get(a, "backup.dest", NULL, &dest, NULL) != 0) {
		snprintf(msg, nmsg, "读取设置失败，请稍后再试。");
		return 500;
	}
	if (dest == NULL || *dest == '\0') {
		free(dest);
		snprintf(msg, nmsg, "还没有设置备份位置：请在档案室电脑上运行 "
			"hongdang config backup.dest /备份盘/红档备份");
		return 422;
	}
	status = backup_start(s, dest, ad);
	free(dest);
	if (status == 409) {
		snprintf(msg, nmsg, "已有一次备份正在进行，请等它完成。");
	} else if (status != 0) {
		snprintf(msg, nmsg, "备份未能开始，请稍后再试。");
	}
	return status;
}

/* A booking's number from s, or 0. */
static int64_t id_of(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || !(*s >= '1' && *s <= '9')) {
		return 0;
	}
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* POST /admin/keeping (HD_PERM_EDIT): back up now, cancel a booking,
 * close or open a slot; 303 back with the outcome, or the page with why
 * not. */
int page_admin_keeping_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *action = http_param(req, "action");
	const char *reason = http_param(req, "reason");
	struct hd_error e;
	struct admin ad;
	char msg[1200], *to;
	int status = 0, rc;
	int64_t id;

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	hd_err_clear(&e);
	msg[0] = '\0';
	if (action == NULL) {
		status = 400;
		snprintf(msg, sizeof msg, "请求不完整。");
	} else if (strcmp(action, "backup") == 0) {
		status = post_backup(s, a, &ad, msg, sizeof msg);
	} else if (strcmp(action, "cancel") == 0) {
		id = id_of(http_param(req, "id"));
		if (id == 0) {
			status = 400;
			snprintf(msg, sizeof msg, "预约编号不正确。");
		} else if ((rc = hd_visit_cancel(a, id, hd_now_s(), reason,
		    &ad.agent, NULL, &e)) != 0) {
			status = rc == HD_ENOTFOUND ? 404 :
				rc == HD_EINVAL ? 422 : 500;
			snprintf(msg, sizeof msg, "%s", status != 500 ?
				e.msg : "取消未能保存，请稍后再试。");
		}
	} else if (strcmp(action, "close") == 0 ||
	    strcmp(action, "open") == 0) {
		rc = hd_visit_close(a, http_param(req, "day"),
			http_param(req, "slot"), action[0] == 'c', &ad.agent,
			&e);
		if (rc != 0) {
			status = rc == HD_EINVAL ? 422 : 500;
			snprintf(msg, sizeof msg, "%s", rc == HD_EINVAL ?
				e.msg : "未能保存，请稍后再试。");
		}
	} else {
		status = 400;
		snprintf(msg, sizeof msg, "没有这项操作。");
	}
	if (status != 0) {
		keeping_page(s, a, req, resp, status, msg, &ad);
		return 0;
	}
	to = hd_xasprintf("/admin/keeping?done=%s", action);
	admin_redirect(resp, to);
	free(to);
	return 0;
}
