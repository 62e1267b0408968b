/*
 * page_demo.c - the demonstrations of archive procedures (档案工作演示):
 * /demo lists the six procedures with a live figure each; /demo/NAME
 * shows one procedure's steps as the archive's own procedure record
 * gives them beside the demonstration's own steps, each a form (POST
 * /demo/NAME, answered 303 back to the page) that the machinery does in
 * the visitor's sandbox (demo.h; the steps are demo_intake.c's and
 * demo_keep.c's).  /demo/img/SHA.jpg are thumbnails from the sandbox,
 * /demo/material/NAME what a visitor hands in, /api/demos the list the
 * kiosk's attract loop shows.
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
		/* the day of the last fixity check: its time cut to the
		 * date (a Chinese word must not be cut: bytes) */
		if (hd_event_last(a, "fixity", fx, NULL, NULL) == 0) {
			fx[10] = '\0';
		} else {
			snprintf(fx, sizeof fx, "尚未检查");
		}
		if (hd_reading_last(a, &r, NULL) == 0) {
			snprintf(out, n, "库房 %.1f °C、相对湿度 %.0f%%（%s"
				"14—24 °C、45—60%%）；最近一次完整性检查：%s",
				r.temp, r.rh, r.in_range ? "在" : "超出", fx);
		} else {
			snprintf(out, n, "尚无温湿度记录；最近一次完整性检查："
				"%s", fx);
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

/* demo_img_url: see demo.h. */
char *demo_img_url(const char *sha)
{
	return hd_xasprintf("/demo/img/%s.jpg", sha);
}

/* GET /demo/img/SHA.jpg (a thumbnail of an image in the session's
 * sandbox) and /demo/material/NAME (photo, scan, page: the material a
 * visitor hands in, the same for every kiosk).  A 404 for anything
 * else, and for an image when the session has no sandbox. */
static void demo_file(struct site *s, const struct http_req *req,
	struct http_resp *resp, const char *rest)
{
	const struct demo_material *m;
	struct sandbox *sb;
	char sha[65], *path = NULL;
	const char *f = NULL;

	if (strncmp(rest, "material/", 9) == 0 && s->demos != NULL) {
		m = demo_pool_material(s->demos);
		f = strcmp(rest + 9, "photo") == 0 ? m->photo :
			strcmp(rest + 9, "scan") == 0 ? m->scan :
			strcmp(rest + 9, "page") == 0 ? m->page : NULL;
		if (f != NULL) {
			resp->file = hd_xstrdup(f);
			resp->type = "image/jpeg";
			return;
		}
	} else if (strncmp(rest, "img/", 4) == 0 && strlen(rest + 4) == 68 &&
	    strcmp(rest + 4 + 64, ".jpg") == 0) {
		memcpy(sha, rest + 4, 64);
		sha[64] = '\0';
		sb = hd_sha_ok(sha) ? session(s, req, resp, 0) : NULL;
		if (sb != NULL) {
			int rc = hd_derive(demo_sandbox_archive(sb), sha,
				HD_DERIV_THUMB, &path, NULL);

			demo_sandbox_leave(s->demos, sb);
			if (rc == 0) {
				resp->file = path;
				resp->type = "image/jpeg";
				return;
			}
		}
		http_resp_release(resp);
		http_resp_init(resp);
	}
	site_error(s, req, resp, 404);
}

/* The state of demonstration d in sandbox sb: an object kept by the
 * sandbox ({done, KEY: result, _private: ...}), made when missing. */
static json_t *demo_state(struct sandbox *sb, const struct demo_def *d)
{
	json_t *all = demo_sandbox_state(sb), *st;

	st = json_object_get(all, d->slug);
	if (st == NULL) {
		st = json_object();
		json_object_set_new(st, "done", json_integer(0));
		json_object_set_new(all, d->slug, st);
	}
	return st;
}

/* Fill r for demonstration d of request req in sandbox sb (entered):
 * its archive, folder, material, form and state.  Returns the steps
 * done. */
static int run_init(struct demo_run *r, struct site *s,
	const struct http_req *req, struct sandbox *sb,
	const struct demo_def *d)
{
	memset(r, 0, sizeof *r);
	r->a = demo_sandbox_archive(sb);
	r->dir = demo_sandbox_dir(sb);
	r->m = demo_pool_material(s->demos);
	r->req = req;
	r->st = demo_state(sb, d);
	return (int)json_integer_value(json_object_get(r->st, "done"));
}

/* The steps of demonstration d for its template: each {key, number,
 * title, what, done, current, todo, again, result, is_KEY} with, for
 * the current one, the values of its form (demo_form_values); err is
 * the refusal of the step at index bad (-1: none), shown with the
 * visitor's values (form). */
static json_t *steps_json(const struct demo_def *d, struct demo_run *r,
	int bad, const char *err)
{
	json_t *arr = json_array(), *o, *form;
	size_t i, k;
	int done = (int)json_integer_value(json_object_get(r->st, "done"));
	char is[32];

	for (i = 0; i < d->nsteps; i++) {
		const struct demo_step *st = &d->steps[i];

		o = json_object();
		json_object_set_new(o, "key", json_string(st->key));
		json_object_set_new(o, "number", json_integer((int)i + 1));
		json_object_set_new(o, "title", json_string(st->title));
		json_object_set_new(o, "what", json_string(st->what));
		json_object_set_new(o, "done", json_boolean((int)i < done));
		json_object_set_new(o, "current", json_boolean((int)i == done));
		json_object_set_new(o, "todo", json_boolean((int)i > done));
		json_object_set_new(o, "again", json_boolean(st->again &&
			(int)i < done));
		snprintf(is, sizeof is, "is_%s", st->key);
		json_object_set_new(o, is, json_true());
		if (json_equal(json_object_get(r->st, "_pending"),
		    json_object_get(o, "key"))) {
			json_object_set_new(o, "pending", json_true());
		}
		if (bad < 0 && json_equal(json_object_get(json_object_get(
		    r->st, "_failed"), "key"), json_object_get(o, "key"))) {
			json_object_set(o, "error", json_object_get(
				json_object_get(r->st, "_failed"), "msg"));
		}
		if (json_object_get(r->st, st->key) != NULL) {
			json_object_set(o, "result", json_object_get(r->st,
				st->key));
		}
		if ((int)i == done || (st->again && (int)i < done)) {
			demo_form_values(d, st->key, r, o);
		}
		if ((int)i == bad) {
			json_object_set_new(o, "error", json_string(err));
			form = json_object();
			for (k = 0; k < r->req->nparams; k++) {
				const struct http_kv *kv = &r->req->params[k];

				json_object_set_new(form, kv->name,
					json_string(kv->value));
			}
			json_object_set_new(o, "form", form);
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The page of demonstration d (procedure index i) in sandbox sb, into
 * resp with status: the frame (the procedure record's steps, the live
 * figure, the sandbox) and the steps; bad and err as steps_json has
 * them.  Consumes ctx. */
static void demo_render(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	size_t i, struct sandbox *sb, int bad, const char *err)
{
	const struct demo_def *d = demo_def_of(procedures[i].slug);
	json_t *ctx = json_object(), *list = json_array();
	struct demo_run r;
	struct hd_record rec;
	char fig[512], *u, tmpl[48];
	size_t k;
	int done;

	for (k = 0; k < NPROC; k++) {
		json_t *p = json_object();

		json_object_set_new(p, "name", json_string(procedures[k].name));
		u = hd_xasprintf("/demo/%s", procedures[k].slug);
		json_object_set_new(p, "href", json_string(u));
		free(u);
		json_object_set_new(p, "here", json_boolean(k == i));
		json_array_append_new(list, p);
	}
	json_object_set_new(ctx, "procedures", list);
	json_object_set_new(ctx, "title", json_string(procedures[i].name));
	json_object_set_new(ctx, "name", json_string(procedures[i].name));
	json_object_set_new(ctx, "slug", json_string(procedures[i].slug));
	proc_figure(a, procedures[i].slug, fig, sizeof fig);
	json_object_set_new(ctx, "figure", json_string(fig));
	hd_record_init(&rec);
	if (proc_record(a, procedures[i].key, &rec) == 0) {
		json_object_set_new(ctx, "source", json_string(rec.title));
		u = page_record_url(rec.ref);
		json_object_set_new(ctx, "source_url", json_string(u));
		free(u);
		json_object_set_new(ctx, "proc_steps", demo_steps_of(a, &rec));
		hd_record_release(&rec);
	}
	done = run_init(&r, s, req, sb, d);
	json_object_set_new(ctx, "sandbox", sandbox_json(sb));
	json_object_set_new(ctx, "material", json_pack("{ss}", "photo_title",
		r.m->photo_title ? r.m->photo_title : ""));
	json_object_set_new(ctx, "steps", steps_json(d, &r, bad, err));
	json_object_set_new(ctx, "nsteps", json_integer((int)d->nsteps));
	json_object_set_new(ctx, "ndone", json_integer(done));
	json_object_set_new(ctx, "all_done", json_boolean(done >=
		(int)d->nsteps));
	/* the consultation's window is over: what was opened is hidden */
	json_object_set_new(ctx, "window_over", json_boolean(
		json_object_get(r.st, "outside") != NULL));
	snprintf(tmpl, sizeof tmpl, "demo_%s.html", procedures[i].slug);
	site_page(s, req, resp, status, tmpl, ctx);
}

/* GET /demo, /demo/NAME and the files under /demo/: the list of
 * procedures with their live figures; one demonstration, worked in the
 * session's sandbox (made now when it has none); images (demo_file).  An
 * unknown NAME is a 404. */
int page_demo(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *name = req->path + strlen("/demo");
	json_t *ctx, *list;
	struct sandbox *sb;
	char fig[512], *u;
	int i;
	size_t k;

	if (*name == '/') {
		name++;
	}
	if (strncmp(name, "img/", 4) == 0 ||
	    strncmp(name, "material/", 9) == 0) {
		demo_file(s, req, resp, name);
		return 0;
	}
	if (*name == '\0') {
		ctx = json_object();
		list = json_array();
		for (k = 0; k < NPROC; k++) {
			json_t *p = json_object();

			json_object_set_new(p, "slug", json_string(
				procedures[k].slug));
			json_object_set_new(p, "name", json_string(
				procedures[k].name));
			u = hd_xasprintf("/demo/%s", procedures[k].slug);
			json_object_set_new(p, "href", json_string(u));
			free(u);
			proc_figure(a, procedures[k].slug, fig, sizeof fig);
			json_object_set_new(p, "figure", json_string(fig));
			json_array_append_new(list, p);
		}
		json_object_set_new(ctx, "procedures", list);
		json_object_set_new(ctx, "title", json_string("档案工作演示"));
		site_page(s, req, resp, 200, "demo.html", ctx);
		return 0;
	}
	i = proc_index(name, strlen(name));
	if (i < 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	sb = session(s, req, resp, 1);
	if (sb == NULL) {
		return 0;
	}
	demo_render(s, a, req, resp, 200, (size_t)i, sb, -1, NULL);
	demo_sandbox_leave(s->demos, sb);
	return 0;
}

/* The end of a slow step (demo_work's finish, on the pool's worker,
 * under the sandbox's lock): its result in the state, and the next step
 * reached; or why it failed, shown at the step. */
static void slow_finish(json_t *state, const struct demo_work *w, int rc,
	json_t *res, json_t *left, const struct hd_error *e)
{
	json_t *st = json_object_get(state, w->slug);
	const char *k;
	json_t *v;

	if (st == NULL) {
		json_decref(res);
		return;
	}
	json_object_del(st, "_pending");
	if (rc != 0) {
		json_decref(res);
		json_object_set_new(st, "_failed", json_pack("{ss ss}", "key",
			w->key, "msg", rc == HD_EINVAL ? e->msg :
			"这一步没能完成，请点“重新开始”再试一次"));
		return;
	}
	json_object_set_new(st, w->key, res);
	json_object_foreach(left, k, v) {
		json_object_set(st, k, v);
	}
	if (json_integer_value(json_object_get(st, "done")) == w->index) {
		json_object_set_new(st, "done", json_integer(w->index + 1));
	}
}

/* POST /demo/NAME (field step: a step's key, and its form): the step
 * done in the session's sandbox, then 303 back to the page at the next
 * step.  Steps go in order: one already done (unless it may be done
 * again), not yet reached or still being done is not run, and the page
 * is shown as it is.  A slow step (OCR) is given to the pool's worker
 * and the page says it is being done until it is.  Input the step
 * refuses: the page again, 400, the reason at the step with what the
 * visitor typed; nothing changed. */
static void demo_step_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, size_t i)
{
	const struct demo_def *d = demo_def_of(procedures[i].slug);
	const char *key = http_param(req, "step");
	struct demo_run r;
	struct sandbox *sb;
	json_t *res = NULL;
	char *to;
	int k, done, rc;

	sb = session(s, req, resp, 1);
	if (sb == NULL) {
		return;
	}
	done = run_init(&r, s, req, sb, d);
	for (k = 0; k < (int)d->nsteps && (key == NULL ||
	    strcmp(d->steps[k].key, key) != 0); k++) {
	}
	rc = 1;
	hd_err_clear(&r.e);
	if (json_object_get(r.st, "_pending") != NULL) {
		rc = 1;                 /* the worker is at it */
	} else if (k == done && d->steps[k].slow) {
		struct demo_work w = { d->slug, d->steps[k].key, k,
			d->steps[k].run, slow_finish };

		rc = demo_sandbox_queue(s->demos, sb, &w, &r.e);
		if (rc == 0) {
			json_object_set_new(r.st, "_pending", json_string(
				d->steps[k].key));
			json_object_del(r.st, "_failed");
			rc = 1;
		}
	} else if (k == done || (k < done && d->steps[k].again)) {
		json_object_del(r.st, "_failed");
		rc = d->steps[k].run(&r, &res);
	}
	if (rc == HD_EINVAL) {
		demo_render(s, a, req, resp, 400, i, sb, k, r.e.msg);
		demo_sandbox_leave(s->demos, sb);
		return;
	}
	if (rc < 0) {
		demo_sandbox_leave(s->demos, sb);
		demo_unavailable(s, req, resp, &r.e);
		return;
	}
	if (rc == 0) {
		json_object_set_new(r.st, d->steps[k].key, res);
		if (k == done) {
			json_object_set_new(r.st, "done", json_integer(++done));
		}
	}
	demo_sandbox_leave(s->demos, sb);
	to = hd_xasprintf("/demo/%s#step-%d", procedures[i].slug,
		rc == 0 ? k + 1 : done + 1);
	resp->status = 303;
	http_header(resp, "Location", to);
	free(to);
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
		int i = proc_index(req->path + 6, strlen(req->path + 6));

		if (i < 0 || strncmp(req->path, "/demo/", 6) != 0) {
			site_error(s, req, resp, 404);
		} else {
			demo_step_post(s, a, req, resp, (size_t)i);
		}
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

/* GET /api/demos: the demonstrations, for the kiosk's attract loop:
 * {demos: [{slug, name, href, steps: [the titles of its steps]}]}. */
int page_api_demos(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i, k;
	char *u;

	(void)s;
	(void)a;
	(void)req;
	for (i = 0; i < NPROC; i++) {
		const struct demo_def *d = demo_def_of(procedures[i].slug);
		json_t *p = json_object(), *steps = json_array();

		json_object_set_new(p, "slug", json_string(procedures[i].slug));
		json_object_set_new(p, "name", json_string(procedures[i].name));
		u = hd_xasprintf("/demo/%s", procedures[i].slug);
		json_object_set_new(p, "href", json_string(u));
		free(u);
		for (k = 0; d != NULL && k < d->nsteps; k++) {
			json_array_append_new(steps, json_string(
				d->steps[k].title));
		}
		json_object_set_new(p, "steps", steps);
		json_array_append_new(arr, p);
	}
	json_object_set_new(o, "demos", arr);
	http_json(resp, 200, o);
	return 0;
}
