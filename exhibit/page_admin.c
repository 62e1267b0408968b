/*
 * page_admin.c - the archivists' admin pages: login and logout, the
 * admin home, accounts and the audit log.  The session and role check
 * every admin page starts with is in admin.c.
 *
 * Session scheme.  The login form carries a pre-session token that must
 * equal the one in its own cookie (hd_login, Path=/admin/login); a good
 * login starts a new session (never one the browser brought along, so a
 * planted cookie fixes nothing) and sets hd_session (HttpOnly,
 * SameSite=Strict, Path=/; Secure when the request came over TLS, the
 * server's own or the trusted proxy's, or HD_COOKIE_SECURE=1).  A
 * password never crosses the network in the clear: a login over plain
 * HTTP from another machine is refused (403, a page saying how to turn
 * HTTPS on) before the password is looked at; plain HTTP from this
 * machine (loopback) is allowed.  Each session has its own form token,
 * checked on every POST before anything is done.  Every admin page checks the role on the
 * server; a visitor without a session is sent to the login page (303),
 * an account whose role does not allow a page gets 403.  Admin pages are
 * never cached (Cache-Control: no-store): a restricted record's metadata
 * must not stay on a shared screen after logout.
 */
#include "admin.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_PAGE 50

/* ------------------------------------------------------------ login */

/* 1 when addr (text) is a loopback address of this machine: 127.0.0.0/8,
 * ::1, or 127.0.0.0/8 mapped into IPv6 (::ffff:127.0.0.1). */
static int is_loopback(const char *addr)
{
	unsigned char a[sizeof(struct in6_addr)];
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};

	if (addr == NULL) {
		return 0;
	}
	if (inet_pton(AF_INET, addr, a) == 1) {
		return a[0] == 127;
	}
	if (inet_pton(AF_INET6, addr, a) != 1) {
		return 0;
	}
	if (memcmp(a, mapped, sizeof mapped) == 0) {
		return a[12] == 127;
	}
	return memcmp(a, &in6addr_loopback, sizeof in6addr_loopback) == 0;
}

/* 1 when a password may be sent the way req came: over TLS (the
 * server's own, or the trusted proxy's), or from this machine.  Else
 * resp gets the 403 page saying how to turn HTTPS on, and 0. */
static int login_channel_ok(struct site *s, const struct http_req *req,
	struct http_resp *resp)
{
	json_t *ctx;

	if (req->tls || is_loopback(req->remote)) {
		return 1;
	}
	ctx = json_object();
	json_object_set_new(ctx, "title", json_string("请通过加密连接登录"));
	admin_page(s, req, resp, 403, "admin_login_tls.html", ctx, NULL);
	return 0;
}

/* The login form into resp with status and error (may be NULL): a
 * pre-session token in its own cookie (Path=/admin/login), new when
 * there was none or the last was refused (403), and the user name as
 * typed after an error. */
static void login_form(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *error)
{
	json_t *ctx = json_object();
	char tok[65];
	const char *user = http_param(req, "user");

	admin_cookie_get(req, LOGIN_COOKIE, tok);
	if (tok[0] == '\0' || status == 403) {
		hd_random_hex(tok);
	}
	admin_set_cookie(req, resp, LOGIN_COOKIE, tok, "/admin/login", 0);
	json_object_set_new(ctx, "title", json_string("档案员登录"));
	json_object_set_new(ctx, "csrf", json_string(tok));
	if (user != NULL && error != NULL) {
		json_object_set_new(ctx, "user", json_string(user));
	}
	if (error != NULL) {
		json_object_set_new(ctx, "error", json_string(error));
	}
	admin_page(s, req, resp, status, "admin_login.html", ctx, NULL);
}

/* GET /admin/login: the HTTPS page (403) over plain HTTP from another
 * machine, else 303 to /admin/ for a live session, else the form. */
int page_admin_login(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_session sess;
	char tok[65];

	if (!login_channel_ok(s, req, resp)) {
		return 0;
	}
	admin_cookie_get(req, ADMIN_COOKIE, tok);
	if (tok[0] != '\0' && hd_session_check(a, tok, admin_policy(), &sess,
	    NULL) == 0) {
		admin_redirect(resp, "/admin/");
		return 0;
	}
	login_form(s, req, resp, 200, NULL);
	return 0;
}

/* POST /admin/login: over plain HTTP from another machine the HTTPS
 * page (403; the password is not looked at, no attempt is counted);
 * else, when the form's token equals its cookie's (else 403 and a new
 * token), hd_login decides: a new session's cookie and 303 to /admin/,
 * or the form again (429 locked out, 422 wrong name or password, 503 the
 * database). */
int page_admin_login_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_session sess;
	struct hd_error e;
	char pre[65], token[65];
	int rc;

	if (!login_channel_ok(s, req, resp)) {
		return 0;
	}
	admin_cookie_get(req, LOGIN_COOKIE, pre);
	if (pre[0] == '\0' || !hd_token_equal(pre, http_param(req, "csrf"))) {
		login_form(s, req, resp, 403, "表单已过期，请重新登录。");
		return 0;
	}
	hd_err_clear(&e);
	rc = hd_login(a, http_param(req, "user"), http_param(req,
		"password"), req->remote, admin_policy(), token, &sess, &e);
	if (rc == HD_ELIMIT) {
		login_form(s, req, resp, 429, e.msg);
		site_retry_after(resp, e.retry);
		return 0;
	}
	if (rc == HD_EDENIED) {
		login_form(s, req, resp, 422, "用户名或密码不正确。");
		return 0;
	}
	if (rc != 0) {
		login_form(s, req, resp, 503, "暂时无法登录，请稍后再试。");
		return 0;
	}
	admin_redirect(resp, "/admin/");
	admin_set_cookie(req, resp, ADMIN_COOKIE, token, "/", 0);
	admin_set_cookie(req, resp, LOGIN_COOKIE, "", "/admin/login", 1);
	return 0;
}

/* POST /admin/logout: end the session, clear its cookie, 303 to the
 * login page (503 when the session cannot be ended). */
int page_admin_logout(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (hd_logout(a, ad.token, NULL) != 0) {
		admin_message(s, req, resp, 503, "暂时无法退出，请稍后再试。",
			&ad);
		return 0;
	}
	admin_redirect(resp, "/admin/login");
	admin_set_cookie(req, resp, ADMIN_COOKIE, "", "/", 1);
	return 0;
}

/* -------------------------------------------------------------- home */

/* GET /admin: 303 to /admin/ (after the session check). */
int page_admin_root(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;

	if (admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		admin_redirect(resp, "/admin/");
	}
	return 0;
}

/* Consultation windows open to this account today. */
static json_t *my_windows(struct hd_archive *a, const struct admin *ad)
{
	struct hd_consult *v;
	json_t *arr = json_array();
	size_t n, i, k;

	if (hd_consult_list(a, NULL, ad->s.user, &v, &n, NULL) != 0) {
		return arr;
	}
	for (i = 0; i < n; i++) {
		json_t *o, *refs;

		if (v[i].until == NULL || strcmp(v[i].until, ad->today) < 0) {
			continue;
		}
		o = json_object();
		refs = json_array();
		for (k = 0; k < v[i].nrefs; k++) {
			json_t *r = json_object();
			char *u = admin_record_url(v[i].refs[k]);

			json_object_set_new(r, "ref",
				json_string(v[i].refs[k]));
			json_object_set_new(r, "url", json_string(u));
			free(u);
			json_array_append_new(refs, r);
		}
		json_object_set_new(o, "id", json_integer(v[i].id));
		json_object_set_new(o, "person", json_string(v[i].person));
		json_object_set_new(o, "kinds", json_string(v[i].granted));
		json_object_set_new(o, "from", json_string(v[i].from));
		json_object_set_new(o, "until", json_string(v[i].until));
		json_object_set_new(o, "refs", refs);
		json_array_append_new(arr, o);
	}
	hd_consults_free(v, n);
	return arr;
}

/* Things to look at: a reading outside the room's range, a fixity
 * check that found damage. */
static json_t *flags(struct hd_archive *a)
{
	json_t *arr = json_array();
	struct hd_reading rd;
	char at[32], when[20], *detail = NULL, *f;

	if (hd_reading_last(a, &rd, NULL) == 0 && !rd.in_range) {
		admin_china_time(rd.at, when);
		f = hd_xasprintf("库房温湿度超出范围：%s %.1f °C，%.0f%%（%s）",
			rd.room, rd.temp, rd.rh, when);
		json_array_append_new(arr, json_string(f));
		free(f);
	}
	if (hd_event_last(a, "fixity", at, &detail, NULL) == 0 &&
	    detail != NULL && (strstr(detail, "damaged 0,") == NULL ||
	    strstr(detail, "missing 0,") == NULL ||
	    strstr(detail, "chain ok") == NULL)) {
		admin_china_time(at, when);
		f = hd_xasprintf("最近一次完整性检查（%s）发现问题：%s", when,
			detail);
		json_array_append_new(arr, json_string(f));
		free(f);
	}
	free(detail);
	return arr;
}

/* GET /admin/: the admin home: what waits for review or a decision,
 * this account's consultation windows and the flags (storage room,
 * fixity); any other path under /admin/ without a route is a 404
 * message. */
int page_admin_home(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_admin_counts n;
	struct admin ad;
	json_t *ctx, *fl;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (strcmp(req->path, "/admin/") != 0) {
		admin_message(s, req, resp, 404, "没有这个管理页面。", &ad);
		return 0;
	}
	ctx = json_object();
	if (hd_admin_counts(a, &n, NULL) != 0) {
		memset(&n, 0, sizeof n);
	}
	json_object_set_new(ctx, "title", json_string("管理首页"));
	json_object_set_new(ctx, "pending", json_integer(n.pending));
	json_object_set_new(ctx, "returned", json_integer(n.returned));
	json_object_set_new(ctx, "withdrawn", json_integer(n.withdrawn));
	json_object_set_new(ctx, "consult_pending",
		json_integer(n.consult_pending));
	json_object_set_new(ctx, "windows", my_windows(a, &ad));
	fl = flags(a);
	json_object_set_new(ctx, "has_flags", json_boolean(
		json_array_size(fl) > 0));
	json_object_set_new(ctx, "flags", fl);
	admin_page(s, req, resp, 200, "admin_home.html", ctx, &ad);
	return 0;
}

/* ---------------------------------------------------------- accounts */

/* The accounts page into resp with status: every account, the roles to
 * choose from; error: why a POST failed (with the name as typed), done:
 * a confirmation. */
static void users_page(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *error, const char *done, const struct admin *ad)
{
	static const char *const roles[] = {"archivist", "reviewer", "admin"};
	struct hd_user *v = NULL;
	json_t *ctx = json_object(), *arr = json_array();
	size_t n = 0, i;

	if (hd_user_list(a, &v, &n, NULL) != 0) {
		n = 0;
	}
	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(v[i].name));
		json_object_set_new(o, "role_name",
			json_string(hd_role_name(v[i].role)));
		json_object_set_new(o, "disabled",
			json_boolean(v[i].disabled));
		json_object_set_new(o, "last_login", json_string(
			v[i].last_login[0] ? v[i].last_login : "从未登录"));
		json_object_set_new(o, "me", json_boolean(
			strcmp(v[i].name, ad->s.user) == 0));
		json_array_append_new(arr, o);
	}
	free(v);
	json_object_set_new(ctx, "title", json_string("账户"));
	json_object_set_new(ctx, "users", arr);
	json_object_set_new(ctx, "roles", admin_options(roles,
		sizeof roles / sizeof roles[0], hd_role_name, NULL));
	if (error != NULL) {
		json_object_set_new(ctx, "error", json_string(error));
		if (http_param(req, "name") != NULL) {
			json_object_set_new(ctx, "name",
				json_string(http_param(req, "name")));
		}
	}
	if (done != NULL) {
		json_object_set_new(ctx, "done", json_string(done));
	}
	admin_page(s, req, resp, status, "admin_users.html", ctx, ad);
}

/* GET /admin/users (HD_PERM_USERS): the accounts page. */
int page_admin_users(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;

	if (!admin_enter(s, a, req, resp, HD_PERM_USERS, &ad)) {
		return 0;
	}
	users_page(s, a, req, resp, 200, NULL, NULL, &ad);
	return 0;
}

/* POST /admin/users (HD_PERM_USERS), action add, passwd, disable or
 * enable of account name (never disabling oneself; passwords typed
 * twice): the accounts page with the outcome (400 for an incomplete or
 * unknown request, 422 for a mistake, 500 when the database failed). */
int page_admin_users_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *action = http_param(req, "action");
	const char *name = http_param(req, "name");
	const char *pw = http_param(req, "password");
	const char *pw2 = http_param(req, "password2");
	struct hd_error e;
	struct admin ad;
	char *done = NULL;
	int rc;

	if (!admin_enter(s, a, req, resp, HD_PERM_USERS, &ad)) {
		return 0;
	}
	hd_err_clear(&e);
	if (action == NULL || name == NULL) {
		users_page(s, a, req, resp, 400, "请求不完整。", NULL, &ad);
		return 0;
	}
	if ((strcmp(action, "add") == 0 || strcmp(action, "passwd") == 0) &&
	    (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0)) {
		users_page(s, a, req, resp, 422, "两次输入的密码不一致。", NULL,
			&ad);
		return 0;
	}
	if (strcmp(action, "add") == 0) {
		rc = hd_user_add(a, name, http_param(req, "role"), pw,
			&ad.agent, &e);
		done = hd_xasprintf("已添加账户 %s。", name);
	} else if (strcmp(action, "passwd") == 0) {
		rc = hd_user_passwd(a, name, pw, &ad.agent, &e);
		done = hd_xasprintf("账户 %s 的密码已更改，原有登录已失效。",
			name);
	} else if (strcmp(action, "disable") == 0 ||
	    strcmp(action, "enable") == 0) {
		if (strcmp(name, ad.s.user) == 0) {
			users_page(s, a, req, resp, 422, "不能停用自己的账户。",
				NULL, &ad);
			return 0;
		}
		rc = hd_user_disable(a, name, strcmp(action, "disable") == 0,
			&ad.agent, &e);
		done = hd_xasprintf("账户 %s 已%s。", name,
			strcmp(action, "disable") == 0 ? "停用" : "启用");
	} else {
		users_page(s, a, req, resp, 400, "未知操作。", NULL, &ad);
		return 0;
	}
	if (rc != 0) {
		users_page(s, a, req, resp, rc == HD_EINVAL ||
			rc == HD_EEXIST || rc == HD_ENOTFOUND ? 422 : 500,
			e.msg, NULL, &ad);
	} else {
		users_page(s, a, req, resp, 200, NULL, done, &ad);
	}
	free(done);
	return 0;
}

/* ------------------------------------------------------------- audit */

/* A link to the audit page with the request's filters (record, type,
 * agent, since; empty ones left out), percent-encoded but for ':' (a
 * time reads better), and page p.  Returns a new string (caller
 * frees). */
static char *audit_link(const struct http_req *req, int p)
{
	static const char *const keep[] = {"record", "type", "agent",
		"since"};
	struct hd_buf b;
	const char *v;
	size_t i;

	hd_buf_init(&b);
	hd_buf_printf(&b, "/admin/audit?page=%d", p);
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		v = http_param(req, keep[i]);
		if (v == NULL || *v == '\0') {
			continue;
		}
		hd_buf_printf(&b, "&%s=", keep[i]);
		http_escape(&b, v, ":");
	}
	return hd_buf_detach(&b);
}

/* s, or NULL when it is NULL or empty (a filter not given). */
static const char *nonempty(const char *s)
{
	return s != NULL && *s ? s : NULL;
}

/* GET /admin/audit?record=&type=&agent=&since=&page= (HD_PERM_AUDIT):
 * AUDIT_PAGE events a page, newest first, with the filters kept in the
 * links to the previous and next pages; a bad filter gives the page
 * with the library's message (422; 500 when the database failed). */
int page_admin_audit(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_audit_query q;
	struct hd_event *v = NULL;
	struct hd_error e;
	struct admin ad;
	json_t *ctx, *arr;
	int64_t total = 0;
	size_t n = 0, i;
	int page, status = 200;
	char *u;

	if (!admin_enter(s, a, req, resp, HD_PERM_AUDIT, &ad)) {
		return 0;
	}
	memset(&q, 0, sizeof q);
	page = page_int(req, "page", 1, 100000, 1);
	q.ref = nonempty(http_param(req, "record"));
	q.type = nonempty(http_param(req, "type"));
	q.agent = nonempty(http_param(req, "agent"));
	q.since = nonempty(http_param(req, "since"));
	q.limit = AUDIT_PAGE;
	q.offset = (page - 1) * AUDIT_PAGE;
	q.newest_first = 1;
	ctx = json_object();
	hd_err_clear(&e);
	if (hd_audit_list(a, &q, &v, &n, &total, &e) != 0) {
		json_object_set_new(ctx, "error", json_string(e.msg));
		status = e.code == HD_EDB ? 500 : 422;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}",
			"id", (json_int_t)v[i].id, "at", v[i].at,
			"type", v[i].type, "agent", v[i].agent,
			"detail", v[i].detail);

		if (v[i].ref != NULL) {
			u = admin_record_url(v[i].ref);
			json_object_set_new(o, "ref", json_string(v[i].ref));
			json_object_set_new(o, "url", json_string(u));
			free(u);
		}
		json_array_append_new(arr, o);
	}
	hd_events_free(v, n);
	json_object_set_new(ctx, "title", json_string("审计日志"));
	json_object_set_new(ctx, "events", arr);
	json_object_set_new(ctx, "total", json_integer(total));
	json_object_set_new(ctx, "record", json_string(q.ref ? q.ref : ""));
	json_object_set_new(ctx, "type", json_string(q.type ? q.type : ""));
	json_object_set_new(ctx, "agent", json_string(q.agent ? q.agent :
		""));
	json_object_set_new(ctx, "since", json_string(q.since ? q.since :
		""));
	if (page > 1) {
		u = audit_link(req, page - 1);
		json_object_set_new(ctx, "prev", json_string(u));
		free(u);
	}
	if ((int64_t)page * AUDIT_PAGE < total) {
		u = audit_link(req, page + 1);
		json_object_set_new(ctx, "next", json_string(u));
		free(u);
	}
	admin_page(s, req, resp, status, "admin_audit.html", ctx, &ad);
	return 0;
}
