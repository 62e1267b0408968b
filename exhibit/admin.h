/*
 * admin.h - what the admin pages (page_admin*.c, page_storage.c) share,
 * all of it in admin.c: the session and permission check every admin
 * page starts with, the frame they render in, helpers for times and
 * codes; and the page functions named in the route table.
 *
 * Every admin route is marked ROUTE_WRITES in routes.c: even a GET
 * updates its session's last-seen time (idle expiry).
 */
#ifndef HD_ADMIN_H
#define HD_ADMIN_H

#include "pages.h"

#include <time.h>

#define ADMIN_COOKIE "hd_session"       /* the session (Path=/) */
#define LOGIN_COOKIE "hd_login"         /* the login form's token */

/* The logged-in account of a request. */
struct admin {
	struct hd_session s;
	struct hd_agent agent;  /* points into s.agent */
	char token[65];         /* the cookie value */
	char today[11];         /* China day, for consultation windows */
};

/* The session and login limits: hd_login_policy_default, changed by the
 * environment of the server (seconds): HD_SESSION_IDLE, HD_SESSION_MAX,
 * HD_LOGIN_LOCK, HD_LOGIN_SLOW (the first wait of a name slowed).  Read
 * once. */
const struct hd_login_policy *admin_policy(void);

/* The start of every admin page: the session cookie must name a live
 * session (else 303 to /admin/login, with the cookie cleared when it was
 * stale), the account's role must grant perm (else 403), and a POST must
 * carry the session's form token in the field "csrf" (else 403, nothing
 * done).  Returns 1 when the page may go on with *ad filled, 0 when resp
 * holds the answer. */
int admin_enter(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, enum hd_perm perm,
	struct admin *ad);
/* A page of the admin drawn by its own file's function, with the
 * status, an error to show (NULL: none) and the session. */
typedef void (*admin_draw_fn)(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *error, const struct admin *ad);
/* The GET of such a page: the session checked for perm (admin_enter),
 * then draw with 200 and no error.  Returns 0, as a page does. */
int admin_get(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, enum hd_perm perm,
	admin_draw_fn draw);
/* admin_enter for a streamed body (ROUTE_UPLOAD), whose form token has
 * not arrived when the headers are in: everything but the token is
 * checked; the page checks the token (hd_csrf_ok with ad->s) before it
 * accepts anything else of the body. */
int admin_enter_stream(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, enum hd_perm perm,
	struct admin *ad);
/* The 403 page of a POST without the session's form token. */
void admin_form_expired(struct site *s, const struct http_req *req,
	struct http_resp *resp, const struct admin *ad);
/* 1 when ad's role grants p. */
int admin_can(const struct admin *ad, enum hd_perm p);
/* Render template name in the layout with the admin frame's values (the
 * account, its permissions, the form token), never cached.  Consumes
 * ctx. */
void admin_page(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *name, json_t *ctx,
	const struct admin *ad);
/* A short page saying why (403 wrong role, 404, 422 ...). */
void admin_message(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *text,
	const struct admin *ad);
/* The 403 message "your account (ROLE) lacks this permission". */
void admin_denied(struct site *s, const struct http_req *req,
	struct http_resp *resp, const struct admin *ad);
/* A 303 to the path to (a local path). */
void admin_redirect(struct http_resp *resp, const char *to);
/* The "/admin/record/REF" path of a record ("." form of the code);
 * caller frees. */
char *admin_record_url(const char *ref);
/* The start of a record's page context: a new object with its title,
 * its ref and, under url_key, its page's path (admin_record_url). */
json_t *admin_record_ctx(const struct hd_record *r, const char *url_key);
/* The Content-Disposition of a download named name: an attachment
 * called ascii (plain ASCII, no quotes: for old clients) and, which
 * browsers prefer, filename*=UTF-8'' with name percent-encoded (RFC
 * 6266, 8187).  A new string (caller frees). */
char *admin_disposition(const char *ascii, const char *name);
/* Make resp a download of type (a static string): an attachment named
 * as admin_disposition names it, never stored by caches. */
void admin_download(struct http_resp *resp, const char *type,
	const char *ascii, const char *name);
/* A new path for a temporary file of a page, DIR/tmp/WHAT-PID-N.EXT
 * (N counts up in the process; ext "" for none): no two requests get
 * the same.  The caller makes and removes the file; caller frees. */
char *admin_tmp(struct hd_archive *a, const char *what, const char *ext);
/* Add to resp the header "Set-Cookie: NAME=VALUE; Path=PATH; HttpOnly;
 * SameSite=Strict" (+ "; Secure" when HD_COOKIE_SECURE=1 or the request
 * came over TLS, req->tls; + "; Max-Age=0" when clear). */
void admin_set_cookie(const struct http_req *req, struct http_resp *resp,
	const char *name, const char *value, const char *path, int clear);
/* The 64-hex-digit value of cookie name in the request, into out (65
 * bytes); "" when absent or malformed. */
void admin_cookie_get(const struct http_req *req, const char *name,
	char out[65]);

/* Seconds since 1970 of an ISO 8601 time as the library stores them
 * ("2026-11-20T01:30:00.000Z"; without a zone: UTC), or -1 when it is
 * not one. */
time_t admin_iso_seconds(const char *iso);
/* China time of such a time, "2026-11-20 09:30"; what is not one is
 * shown as its first 16 characters. */
void admin_china_time(const char *iso, char out[20]);
/* name when there is one, else code, else "": a code's display name
 * (hd_role_name, hd_purpose_name ...) with the code as a fallback. */
const char *admin_or_code(const char *name, const char *code);
/* s as a JSON string, "" for NULL (an optional field shown empty). */
json_t *admin_str(const char *s);
/* The codes[0..n) as the options of a <select>: {value, label (by
 * name, the code when it has none), selected (the one equal to cur,
 * which may be NULL)}.  Returns a new array. */
json_t *admin_options(const char *const *codes, size_t n,
	const char *(*name)(const char *), const char *cur);

/* pages (page_admin.c) */
int page_admin_login(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_login_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_logout(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_root(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_home(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_audit(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_users(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_users_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
/* pages (page_admin_review.c) */
int page_admin_review(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_record_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_image(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
/* pages (page_admin_consult.c) */
int page_admin_consult(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_consult_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_consult_use(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
/* pages (page_admin_search.c: the staff catalogue; page_admin_view.c:
 * the files of a record) */
int page_admin_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_api_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_search_csv(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_search_xlsx(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_view(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_original(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_tile(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);

/* The storage room's readings of the last days days out of range, each
 * {at (China time), room, temp, rh, why, in_range, cls}, oldest first:
 * a new array.  all (may be NULL) receives every reading of those days
 * (*nall of them; caller frees). */
json_t *admin_readings_flagged(struct hd_archive *a, int days,
	struct hd_reading **all, size_t *nall);

/* pages (page_admin_transfer.c: transfers out and in) */
int page_admin_export(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_import(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_import_open(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	struct http_sink *sink);
int page_admin_import_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_receipt(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
/* pages (page_admin_keeping.c: fixity, backups, readings, bookings) */
int page_admin_keeping(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_keeping_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);

#endif
