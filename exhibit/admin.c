/*
 * admin.c - what every admin page (page_admin*.c, page_storage.c)
 * shares: the session and role check each starts with, cookies, the
 * admin frame and messages, and small helpers for showing times and
 * codes.  Pages depend on this file, never on each other.
 *
 * Guarantees: admin_enter lets a page go on only with a live session
 * whose role grants the page's permission, and for a POST only with the
 * session's form token (see page_admin.c for the session scheme);
 * everything rendered through admin_page is sent with Cache-Control:
 * no-store, so a restricted record's metadata does not stay on a shared
 * screen after logout.
 */
#include "admin.h"

#include <glib.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ policy */

static struct hd_login_policy policy;
static pthread_once_t policy_once = PTHREAD_ONCE_INIT;
static int cookie_secure;

/* Set *v to the environment variable name when it is a whole number
 * of seconds from 1 to 30 days; else leave it. */
static void env_seconds(const char *name, int *v)
{
	const char *s = getenv(name);
	char *end;
	long x;

	if (s != NULL && *s) {
		x = strtol(s, &end, 10);
		if (*end == '\0' && x > 0 && x <= 30L * 86400) {
			*v = (int)x;
		}
	}
}

/* Read the policy and the Secure flag from the environment (once, by
 * admin_policy). */
static void policy_load(void)
{
	const char *sec = getenv("HD_COOKIE_SECURE");

	hd_login_policy_default(&policy);
	env_seconds("HD_SESSION_IDLE", &policy.idle);
	env_seconds("HD_SESSION_MAX", &policy.max);
	env_seconds("HD_LOGIN_LOCK", &policy.lock);
	env_seconds("HD_LOGIN_SLOW", &policy.slow);
	if (policy.slow_max < policy.slow) {
		policy.slow_max = policy.slow;
	}
	cookie_secure = sec != NULL && strcmp(sec, "1") == 0;
}

/* See admin.h. */
const struct hd_login_policy *admin_policy(void)
{
	pthread_once(&policy_once, policy_load);
	return &policy;
}

/* ------------------------------------------------ cookies and frame */

/* See admin.h.  Secure also when the request came over TLS: the
 * server's own, or the trusted proxy's. */
void admin_set_cookie(const struct http_req *req, struct http_resp *resp,
	const char *name, const char *value, const char *path, int clear)
{
	char *c;

	admin_policy();
	c = hd_xasprintf("%s=%s; Path=%s; HttpOnly; SameSite=Strict%s%s",
		name, value, path, cookie_secure || req->tls ? "; Secure" : "",
		clear ? "; Max-Age=0" : "");
	http_header(resp, "Set-Cookie", c);
	free(c);
}

/* See admin.h: http_cookie_token on the request's Cookie header. */
void admin_cookie_get(const struct http_req *req, const char *name,
	char out[65])
{
	http_cookie_token(req->cookie, name, out);
}

/* See admin.h.  Never stored (no-store), with a short text body. */
void admin_redirect(struct http_resp *resp, const char *to)
{
	resp->status = 303;
	http_header(resp, "Location", to);
	http_header(resp, "Cache-Control", "no-store");
	resp->type = "text/plain; charset=utf-8";
	hd_buf_release(&resp->body);
	hd_buf_puts(&resp->body, "见 ");
	hd_buf_puts(&resp->body, to);
	hd_buf_puts(&resp->body, "\n");
}

/* See admin.h. */
char *admin_record_url(const char *ref)
{
	char *u = page_record_url(ref), *r;

	r = hd_xasprintf("/admin%s", u);
	free(u);
	return r;
}

/* See admin.h. */
json_t *admin_record_ctx(const struct hd_record *r, const char *url_key)
{
	char *u = admin_record_url(r->ref);
	json_t *ctx = json_pack("{s:s, s:s, s:s}", "title", r->title, "ref",
		r->ref, url_key, u);

	free(u);
	return ctx;
}

/* See admin.h. */
char *admin_disposition(const char *ascii, const char *name)
{
	struct hd_buf b;

	hd_buf_init(&b);
	hd_buf_printf(&b, "attachment; filename=\"%s\"; filename*=UTF-8''",
		ascii);
	http_escape(&b, name, NULL);
	return hd_buf_detach(&b);
}

/* See admin.h. */
char *admin_tmp(struct hd_archive *a, const char *what, const char *ext)
{
	static atomic_uint seq;

	return hd_xasprintf("%s/tmp/%s-%ld-%u%s%s", hd_archive_dir(a), what,
		(long)getpid(), atomic_fetch_add(&seq, 1), *ext ? "." : "",
		ext);
}

/* See admin.h. */
void admin_download(struct http_resp *resp, const char *type,
	const char *ascii, const char *name)
{
	char *d = admin_disposition(ascii, name);

	resp->type = type;
	http_header(resp, "Content-Disposition", d);
	http_header(resp, "Cache-Control", "no-store");
	free(d);
}

/* See admin.h (the library's hd_role_can decides). */
int admin_can(const struct admin *ad, enum hd_perm p)
{
	return hd_role_can(ad->s.role, p);
}

/* The admin frame's values of ad: the account, its role and what the
 * role may do (to show only the links it can use), and the form token.
 * Returns a new object. */
static json_t *admin_frame(const struct admin *ad)
{
	json_t *o = json_object();

	json_object_set_new(o, "user", json_string(ad->s.user));
	json_object_set_new(o, "role", json_string(ad->s.role));
	json_object_set_new(o, "role_name", json_string(
		hd_role_name(ad->s.role) ? hd_role_name(ad->s.role) : ""));
	json_object_set_new(o, "csrf", json_string(ad->s.csrf));
	json_object_set_new(o, "can_edit", json_boolean(admin_can(ad,
		HD_PERM_EDIT)));
	json_object_set_new(o, "can_decide", json_boolean(admin_can(ad,
		HD_PERM_DECIDE)));
	json_object_set_new(o, "can_consult_ask", json_boolean(admin_can(ad,
		HD_PERM_CONSULT_ASK)));
	json_object_set_new(o, "can_consult_decide", json_boolean(
		admin_can(ad, HD_PERM_CONSULT_DECIDE)));
	json_object_set_new(o, "can_audit", json_boolean(admin_can(ad,
		HD_PERM_AUDIT)));
	json_object_set_new(o, "can_users", json_boolean(admin_can(ad,
		HD_PERM_USERS)));
	return o;
}

/* See admin.h.  Without an account (ad NULL or empty: the login page)
 * there is no frame. */
void admin_page(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *name, json_t *ctx,
	const struct admin *ad)
{
	if (ad != NULL && ad->s.user[0] != '\0') {
		json_object_set_new(ctx, "admin", admin_frame(ad));
	}
	json_object_set_new(ctx, "home", json_true());
	site_page(s, req, resp, status, name, ctx);
	http_header(resp, "Cache-Control", "no-store");
}

/* See admin.h.  The title follows the status. */
void admin_message(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *text,
	const struct admin *ad)
{
	json_t *ctx = json_object();

	json_object_set_new(ctx, "title", json_string(status == 403 ?
		"没有权限" : status == 404 ? "找不到" : "无法完成"));
	json_object_set_new(ctx, "status", json_integer(status));
	json_object_set_new(ctx, "text", json_string(text));
	admin_page(s, req, resp, status, "admin_message.html", ctx, ad);
}

/* See admin.h.  The role is named as the page's frame names it. */
void admin_denied(struct site *s, const struct http_req *req,
	struct http_resp *resp, const struct admin *ad)
{
	char msg[256];

	snprintf(msg, sizeof msg, "您的账户（%s）没有这项权限。",
		admin_or_code(hd_role_name(ad->s.role), ad->s.role));
	admin_message(s, req, resp, 403, msg, ad);
}

/* admin_enter, and admin_enter_stream when token is 0 (the form token
 * is then the page's to check).  A session the library cannot check for
 * any reason but its absence (a busy database) is a 503, not a logout.
 * ad->today is set from hd_china_today. */
static int enter(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, enum hd_perm perm,
	struct admin *ad, int token)
{
	struct hd_error e;
	int rc;

	memset(ad, 0, sizeof *ad);
	admin_cookie_get(req, ADMIN_COOKIE, ad->token);
	hd_err_clear(&e);
	rc = ad->token[0] ? hd_session_check(a, ad->token, admin_policy(),
		&ad->s, &e) : HD_ENOTFOUND;
	if (rc != 0) {
		if (rc != HD_ENOTFOUND) {
			admin_message(s, req, resp, 503,
				"系统繁忙，请稍后再试。", NULL);
			return 0;
		}
		admin_redirect(resp, "/admin/login");
		if (ad->token[0] != '\0') {
			admin_set_cookie(req, resp, ADMIN_COOKIE, "", "/",
				1);
		}
		memset(ad, 0, sizeof *ad);
		return 0;
	}
	ad->agent.name = ad->s.agent;
	hd_china_today(ad->today);
	if (token && strcmp(req->method, "POST") == 0 &&
	    !hd_csrf_ok(&ad->s, http_param(req, "csrf"))) {
		admin_form_expired(s, req, resp, ad);
		return 0;
	}
	if (!admin_can(ad, perm)) {
		admin_denied(s, req, resp, ad);
		return 0;
	}
	return 1;
}

/* See admin.h. */
int admin_enter(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, enum hd_perm perm,
	struct admin *ad)
{
	return enter(s, a, req, resp, perm, ad, 1);
}

/* See admin.h. */
int admin_get(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, enum hd_perm perm,
	admin_draw_fn draw)
{
	struct admin ad;

	if (enter(s, a, req, resp, perm, &ad, 1)) {
		draw(s, a, req, resp, 200, NULL, &ad);
	}
	return 0;
}

/* See admin.h. */
int admin_enter_stream(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, enum hd_perm perm,
	struct admin *ad)
{
	return enter(s, a, req, resp, perm, ad, 0);
}

/* See admin.h. */
void admin_form_expired(struct site *s, const struct http_req *req,
	struct http_resp *resp, const struct admin *ad)
{
	admin_message(s, req, resp, 403, "表单已过期或无效：请回到上一页，"
		"刷新后重新提交。", ad);
}

/* ----------------------------------------------------------- showing */

/* See admin.h.  GLib reads the time; one without a zone is UTC. */
time_t admin_iso_seconds(const char *iso)
{
	GTimeZone *utc;
	GDateTime *t;
	time_t v;

	if (iso == NULL) {
		return -1;
	}
	utc = g_time_zone_new_utc();
	t = g_date_time_new_from_iso8601(iso, utc);
	g_time_zone_unref(utc);
	if (t == NULL) {
		return -1;
	}
	v = (time_t)g_date_time_to_unix(t);
	g_date_time_unref(t);
	return v;
}

/* See admin.h (CHINA_UTC_OFFSET: pages.h). */
void admin_china_time(const char *iso, char out[20])
{
	time_t t = admin_iso_seconds(iso);
	struct tm tm;

	if (t < 0) {
		snprintf(out, 20, "%.16s", iso ? iso : "");
		return;
	}
	t += CHINA_UTC_OFFSET;
	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M", &tm);
}

/* See admin.h. */
const char *admin_or_code(const char *name, const char *code)
{
	return name ? name : code ? code : "";
}

/* See admin.h. */
json_t *admin_str(const char *s)
{
	return json_string(s ? s : "");
}

/* See admin.h. */
json_t *admin_options(const char *const *codes, size_t n,
	const char *(*name)(const char *), const char *cur)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "value", json_string(codes[i]));
		json_object_set_new(o, "label", json_string(admin_or_code(
			name(codes[i]), codes[i])));
		json_object_set_new(o, "selected", json_boolean(cur != NULL &&
			strcmp(cur, codes[i]) == 0));
		json_array_append_new(arr, o);
	}
	return arr;
}
