/*
 * page_demo.c - the demonstrations of archive procedures (档案工作演示):
 * /demo lists the six procedures with a live figure each; /demo/NAME
 * shows one procedure's steps as the archive's own procedure record
 * gives them, worked in the visitor's sandbox (demo.h).
 *
 * A kiosk is told apart by its cookie hd_demo (256 random bits, HttpOnly,
 * SameSite=Strict, Path=/demo), which names its sandbox: the first
 * demonstration page it opens makes one.  POST /demo/reset (the button
 * 重新开始) makes it a fresh copy; POST /demo/end (sent by a kiosk going
 * home after idle) removes it at once.  Past the cap of sandboxes a
 * newcomer is answered 503 with Retry-After.  The real archive is only
 * read here (the procedure records, the figures).
 */
#include "pages.h"
#include "admin.h"
#include "demo.h"

#include <stdlib.h>
#include <string.h>

#define DEMO_COOKIE "hd_demo"
/* Seconds a kiosk is asked to wait when every sandbox is in use. */
#define BUSY_RETRY "30"

/* Procedure records (class YS, titled "…操作规程") and the slug of each. */
static const struct {
	const char *slug;
	const char *key;        /* word in the record's title */
	const char *name;
} procedures[] = {
	{"collect", "收集", "档案收集"},
	{"review", "审核", "档案审核"},
	{"consult", "查阅", "档案查阅"},
	{"transfer", "转递", "档案转递"},
	{"digitise", "数字化", "档案数字化"},
	{"storage", "库房", "库房管理"},
};
#define NPROC (sizeof procedures / sizeof procedures[0])
_Static_assert(NPROC == DEMO_NPROCS, "DEMO_NPROCS counts the procedures");

/* The index of procedure slug (s[0..n)), or -1. */
static int proc_index(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < NPROC; i++) {
		if (strlen(procedures[i].slug) == n &&
		    strncmp(procedures[i].slug, s, n) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* ------------------------------------------------------- sessions */

/* Answer that the demonstrations cannot be had now: 503 with
 * Retry-After when every sandbox is in use or the template is still
 * being made, 500 otherwise. */
static void demo_unavailable(struct site *s, const struct http_req *req,
	struct http_resp *resp, const struct hd_error *e)
{
	json_t *ctx = json_object();
	int busy = e->code == HD_EBUSY;

	json_object_set_new(ctx, "title", json_string(busy ? "演示区正忙" :
		"演示暂不可用"));
	json_object_set_new(ctx, "text", json_string(busy ?
		"演示用的档案库此刻都在使用中，请稍等片刻再试，或先去看看其他展区。" :
		"演示用的档案库没能准备好，请告诉工作人员。"));
	json_object_set_new(ctx, "status", json_integer(busy ? 503 : 500));
	site_page(s, req, resp, busy ? 503 : 500, "error.html", ctx);
	if (busy) {
		http_header(resp, "Retry-After", BUSY_RETRY);
	}
	http_header(resp, "Cache-Control", "no-store");
}

/* The sandbox of the request's session, entered (give it back with
 * demo_sandbox_leave): the cookie's, or a new one (create 1) whose
 * cookie is set on resp.  NULL when there is none to be had: resp then
 * holds the answer (503 busy, 500), or nothing when create is 0 and the
 * session has no sandbox. */
static struct sandbox *session(struct site *s, const struct http_req *req,
	struct http_resp *resp, int create)
{
	struct sandbox *sb = NULL;
	struct hd_error e;
	char key[65], *c;
	int made = 0, fresh = 0;

	if (s->demos == NULL) {
		hd_err(&e, HD_EIO, "no sandboxes");
		demo_unavailable(s, req, resp, &e);
		return NULL;
	}
	admin_cookie_get(req, DEMO_COOKIE, key);
	if (key[0] == '\0') {
		if (!create) {
			return NULL;
		}
		hd_random_hex(key);
		fresh = 1;
	}
	hd_err_clear(&e);
	if (demo_sandbox_enter(s->demos, key, create, &sb, &made, &e) != 0) {
		if (create || e.code != HD_ENOTFOUND) {
			demo_unavailable(s, req, resp, &e);
		}
		return NULL;
	}
	if (fresh) {
		c = hd_xasprintf("%s=%s; Path=/demo; HttpOnly; SameSite=Strict",
			DEMO_COOKIE, key);
		http_header(resp, "Set-Cookie", c);
		free(c);
	}
	http_header(resp, "Cache-Control", "no-store");
	return sb;
}

/* POST /demo/reset (the button 重新开始; field back: the page to return
 * to, a /demo/NAME) and POST /demo/end (a kiosk going home: its sandbox
 * is removed, its cookie cleared, 204).  Any other POST is a 404. */
int page_demo_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *back = http_param(req, "back");
	struct sandbox *sb;
	struct hd_error e;
	char key[65], *to;

	(void)a;
	if (strcmp(req->path, "/demo/end") == 0) {
		admin_cookie_get(req, DEMO_COOKIE, key);
		if (key[0] != '\0' && s->demos != NULL) {
			demo_sandbox_end(s->demos, key);
		}
		http_header(resp, "Set-Cookie", DEMO_COOKIE "=; Path=/demo; "
			"HttpOnly; SameSite=Strict; Max-Age=0");
		resp->status = 204;
		return 0;
	}
	if (strcmp(req->path, "/demo/reset") != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	sb = session(s, req, resp, 1);
	if (sb == NULL) {
		return 0;
	}
	hd_err_clear(&e);
	if (demo_sandbox_reset(s->demos, sb, &e) != 0) {
		demo_sandbox_leave(s->demos, sb);
		demo_unavailable(s, req, resp, &e);
		return 0;
	}
	demo_sandbox_leave(s->demos, sb);
	to = back != NULL && strncmp(back, "/demo/", 6) == 0 &&
		proc_index(back + 6, strlen(back + 6)) >= 0 ?
		hd_xstrdup(back) : hd_xstrdup("/demo");
	resp->status = 303;
	http_header(resp, "Location", to);
	free(to);
	return 0;
}

/* What the page says of the sandbox: {records, ready} of the archive it
 * works in. */
static json_t *sandbox_json(struct sandbox *sb)
{
	struct hd_stats st;
	json_t *o = json_object();

	memset(&st, 0, sizeof st);
	hd_stats_get(demo_sandbox_archive(sb), HD_ARCHIVIST, &st, NULL);
	json_object_set_new(o, "records", json_integer(st.records));
	return o;
}

/* The live figure shown with a procedure, counted from the archive. */
static void proc_figure(struct hd_archive *a, const char *slug,
	char *out, size_t n)
{
	struct hd_stats st;
	struct hd_reading r;
	char at[32], fx[32];

	hd_stats_get(a, HD_PUBLIC, &st, NULL);
	if (strcmp(slug, "collect") == 0) {
		snprintf(out, n, "本档案室已收集并公开 %lld 件档案，其中照片 "
			"%lld 张", (long long)st.records, (long long)st.photos);
	} else if (strcmp(slug, "review") == 0) {
		snprintf(out, n, "经审核公开发布的档案：%lld 件",
			(long long)st.records);
	} else if (strcmp(slug, "consult") == 0) {
		snprintf(out, n, "可供查阅的公开档案 %lld 件，时间跨度 %d—%d 年",
			(long long)st.records, st.year_min, st.year_max);
	} else if (strcmp(slug, "transfer") == 0) {
		if (hd_event_last(a, "transfer", at, NULL, NULL) == 0) {
			snprintf(out, n, "最近一次转递：%.10s", at);
		} else {
			snprintf(out, n, "本档案室尚未办理档案转递");
		}
	} else if (strcmp(slug, "digitise") == 0) {
		snprintf(out, n, "已数字化 %lld 个文件，共 %lld 页",
			(long long)st.files, (long long)(st.pages > st.files ?
			st.pages : st.files));
	} else {
		if (hd_event_last(a, "fixity", fx, NULL, NULL) != 0) {
			snprintf(fx, sizeof fx, "尚未检查");
		}
		if (hd_reading_last(a, &r, NULL) == 0) {
			snprintf(out, n, "库房 %.1f °C、相对湿度 %.0f%%（%s"
				"14—24 °C、45—60%%）；最近一次完整性检查：%.10s",
				r.temp, r.rh, r.in_range ? "在" : "超出", fx);
		} else {
			snprintf(out, n, "尚无温湿度记录；最近一次完整性检查："
				"%.10s", fx);
		}
	}
}

/* The public procedure record for a slug, loaded into r. */
static int proc_record(struct hd_archive *a, const char *key,
	struct hd_record *r)
{
	struct hd_results res;
	struct hd_list l;
	size_t i;
	int rc = HD_ENOTFOUND;

	memset(&l, 0, sizeof l);
	l.cls = "YS";
	l.limit = 100;
	if (hd_list_public(a, &l, &res, NULL) != 0) {
		return HD_EDB;
	}
	for (i = 0; i < res.nhits && rc != 0; i++) {
		if (strstr(res.hits[i].title, key) &&
		    strstr(res.hits[i].title, "规程")) {
			rc = hd_record_get(a, HD_PUBLIC, res.hits[i].ref, r,
				NULL);
		}
	}
	hd_results_release(&res);
	return rc;
}

/* GET /demo and /demo/SLUG: the list of procedures with their live
 * figures, or one procedure's steps as the archive's own published
 * procedure record gives them, each step with one of the archive's
 * public photographs, in the session's sandbox (made now when it has
 * none); an unknown SLUG is a 404. */
int page_demo(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *name = req->path + strlen("/demo");
	json_t *ctx = json_object(), *list = json_array(), *pics;
	struct hd_results res;
	struct hd_list l;
	struct hd_record r;
	struct sandbox *sb;
	char fig[512], *u;
	size_t i, k;

	if (*name == '/') {
		name++;
	}
	for (i = 0; i < NPROC; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "slug", json_string(procedures[i].slug));
		json_object_set_new(p, "name", json_string(procedures[i].name));
		u = hd_xasprintf("/demo/%s", procedures[i].slug);
		json_object_set_new(p, "href", json_string(u));
		free(u);
		proc_figure(a, procedures[i].slug, fig, sizeof fig);
		json_object_set_new(p, "figure", json_string(fig));
		json_array_append_new(list, p);
	}
	json_object_set_new(ctx, "procedures", list);
	if (*name == '\0') {
		json_object_set_new(ctx, "title", json_string("档案工作演示"));
		site_page(s, req, resp, 200, "demo.html", ctx);
		return 0;
	}
	for (i = 0; i < NPROC && strcmp(procedures[i].slug, name); i++) {
	}
	if (i == NPROC) {
		json_decref(ctx);
		site_error(s, req, resp, 404);
		return 0;
	}
	sb = session(s, req, resp, 1);
	if (sb == NULL) {
		json_decref(ctx);
		return 0;
	}
	json_object_set_new(ctx, "sandbox", sandbox_json(sb));
	json_object_set_new(ctx, "slug", json_string(procedures[i].slug));
	demo_sandbox_leave(s->demos, sb);
	json_object_set_new(ctx, "title", json_string(procedures[i].name));
	json_object_set_new(ctx, "name", json_string(procedures[i].name));
	proc_figure(a, procedures[i].slug, fig, sizeof fig);
	json_object_set_new(ctx, "figure", json_string(fig));
	hd_record_init(&r);
	if (proc_record(a, procedures[i].key, &r) == 0) {
		json_object_set_new(ctx, "source", json_string(r.title));
		u = page_record_url(r.ref);
		json_object_set_new(ctx, "source_url", json_string(u));
		free(u);
		json_object_set_new(ctx, "steps", demo_steps_of(a, &r));
		hd_record_release(&r);
	} else {
		/* the archive has not published its rules for this procedure:
		 * say so, and still show the live figure */
		json_object_set_new(ctx, "steps", json_array());
	}
	/* pictures: the archive's own public photographs, newest first */
	memset(&l, 0, sizeof l);
	l.images_only = 1;
	l.category = "ZP";
	l.newest_first = 1;
	l.limit = 40;
	pics = json_array();
	if (hd_list_public(a, &l, &res, NULL) == 0) {
		for (k = 0; k < res.nhits; k++) {
			json_array_append_new(pics, page_hit(&res.hits[k], 1));
		}
		hd_results_release(&res);
	}
	/* give each step a picture, in turn */
	for (k = 0; k < json_array_size(json_object_get(ctx, "steps")); k++) {
		json_t *st = json_array_get(json_object_get(ctx, "steps"), k);
		size_t np = json_array_size(pics);

		json_object_set_new(st, "number", json_integer((int)k + 1));
		if (np > 0) {
			json_object_set(st, "picture", json_array_get(pics,
				(k + i * 3) % np));
		}
	}
	json_decref(pics);
	json_object_set_new(ctx, "nsteps", json_integer((json_int_t)
		json_array_size(json_object_get(ctx, "steps"))));
	site_page(s, req, resp, 200, "demo_steps.html", ctx);
	return 0;
}
