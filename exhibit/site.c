/*
 * site.c - the frame every page shares (layout, common values, error
 * pages) and the helpers that turn library results into template values.
 *
 * Pages build a jansson object and hand it to site_page; the template
 * engine escapes every value for where it stands, so no page formats HTML
 * itself except through tmpl_html for values made here (snippets, which
 * page_snippet_html renders from the library's text and marks, escaping
 * the text; QR codes).
 */
#include "pages.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* See pages.h.  The day and the hour, both China's (hd_china_clock),
 * pick the slot of hd_visit_slots that is open now; out is "" when the
 * slots cannot be read. */
void page_open_status(struct hd_archive *a, char *out, size_t n)
{
	struct hd_slot *slots = NULL;
	size_t ns = 0, i;
	char today[11], hm[6], hour[8];
	const struct hd_slot *cur = NULL;
	const char *first_free = NULL;

	hd_china_clock(hd_now_s(), today, hm);
	snprintf(hour, sizeof hour, "%.2s:00", hm);
	if (n > 0) {
		out[0] = '\0';
	}
	if (hd_visit_slots(a, today, &slots, &ns, NULL) != 0) {
		return;
	}
	for (i = 0; i < ns; i++) {
		if (strcmp(slots[i].time, hour) == 0) {
			cur = &slots[i];
		}
		if (slots[i].free && first_free == NULL) {
			first_free = slots[i].time;
		}
	}
	if (cur != NULL && cur->free) {
		snprintf(out, n, "现在是公益时段，免费向居民开放");
	} else if (cur != NULL) {
		snprintf(out, n, "现在是低价服务时段（每人 %d 元）；公益时段"
			"每天 %s 起免费开放", cur->price,
			first_free ? first_free : "09:00");
	} else {
		snprintf(out, n, "现在不在开放时段；公益时段每天 %s 起免费开放",
			first_free ? first_free : "09:00");
	}
	free(slots);
}

/* See pages.h: the "·" (U+00B7) of the code becomes "." (hd_ref_dotted). */
char *page_record_url(const char *ref)
{
	char *dotted = hd_ref_dotted(ref);
	char *url = hd_xasprintf("/record/%s", dotted);

	free(dotted);
	return url;
}

/* See pages.h. */
char *page_thumb_url(const char *sha)
{
	return hd_xasprintf("/img/thumb/%s.jpg", sha);
}

/* See pages.h. */
char *page_screen_url(const char *sha)
{
	return hd_xasprintf("/img/screen/%s.jpg", sha);
}

/* See pages.h.  sha is checked by hd_sha_ok: 64 lower-case hex digits,
 * so it can name nothing but an object. */
int page_image_name(const char *p, enum hd_deriv *kind, char sha[65])
{
	if (strncmp(p, "thumb/", 6) == 0) {
		*kind = HD_DERIV_THUMB;
		p += 6;
	} else if (strncmp(p, "screen/", 7) == 0) {
		*kind = HD_DERIV_SCREEN;
		p += 7;
	} else {
		return -1;
	}
	if (strlen(p) != 68 || strcmp(p + 64, ".jpg") != 0) {
		return -1;
	}
	memcpy(sha, p, 64);
	sha[64] = '\0';
	return hd_sha_ok(sha) ? 0 : -1;
}

/* See pages.h: the whole value must be a decimal number. */
int page_int(const struct http_req *req, const char *name, int lo, int hi,
	int def)
{
	const char *v = http_param(req, name);
	char *end;
	long x;

	if (v == NULL || *v == '\0') {
		return def;
	}
	x = strtol(v, &end, 10);
	if (*end != '\0' || x < lo || x > hi) {
		return def;
	}
	return (int)x;
}

/* See pages.h.  hd_buf_html escapes & < > " and ' of the text. */
void page_snippet_html(struct hd_buf *b, const struct hd_snippet *s)
{
	static const struct hd_snippet_style html = {
		hd_buf_html, "<mark>", "</mark>",
	};

	hd_snippet_render(b, s, &html);
}

/* page_hit, the snippet's HTML made in tmp (emptied first; page_hits
 * lends one to all its hits, so a hit costs no buffer of its own).
 * Missing date and year are null; category_name, snippet, thumb and
 * source (a harvested record's room) are left out when there are none.  Returns a new object. */
static json_t *hit_json(const struct hd_hit *h, int html,
	struct hd_buf *tmp)
{
	json_t *o = json_object();
	char *u = page_record_url(h->ref);
	const char *sn;

	json_object_set_new(o, "ref", json_string(h->ref));
	json_object_set_new(o, "url", json_string(u));
	free(u);
	json_object_set_new(o, "title", json_string(h->title));
	json_object_set_new(o, "date", h->date ? json_string(h->date) :
		json_null());
	json_object_set_new(o, "year", h->year ? json_integer(h->year) :
		json_null());
	json_object_set_new(o, "category", json_string(h->category));
	if (hd_category_name(h->category)) {
		json_object_set_new(o, "category_name",
			json_string(hd_category_name(h->category)));
	}
	if (h->snippet.text != NULL) {
		tmp->len = 0;
		page_snippet_html(tmp, &h->snippet);
		sn = tmp->p != NULL ? tmp->p : "";
		json_object_set_new(o, "snippet", html ? tmpl_html(sn) :
			json_string(sn));
	}
	if (h->thumb != NULL) {
		u = page_thumb_url(h->thumb);
		json_object_set_new(o, "thumb", json_string(u));
		free(u);
	}
	if (h->source != NULL) {
		json_object_set_new(o, "source", json_string(h->source));
	}
	return o;
}

/* See pages.h: hit_json with a buffer of its own, freed on return. */
json_t *page_hit(const struct hd_hit *h, int html)
{
	struct hd_buf tmp;
	json_t *o;

	hd_buf_init(&tmp);
	o = hit_json(h, html, &tmp);
	hd_buf_release(&tmp);
	return o;
}

/* See pages.h.  One buffer serves every hit's snippet, freed on
 * return. */
json_t *page_hits(const struct hd_results *res, int html)
{
	json_t *a = json_array();
	struct hd_buf tmp;
	size_t i;

	hd_buf_init(&tmp);
	for (i = 0; i < res->nhits; i++) {
		json_array_append_new(a, hit_json(&res->hits[i], html,
			&tmp));
	}
	hd_buf_release(&tmp);
	return a;
}

/* See site.h.  One buffer serves every hit's snippet, freed on
 * return. */
json_t *site_search_json(const char *query, const struct hd_results *res)
{
	json_t *o = json_object(), *hits = json_array(), *j;
	struct hd_buf sb;
	size_t k;

	hd_buf_init(&sb);
	json_object_set_new(o, "query", json_string(query ? query : ""));
	json_object_set_new(o, "total", json_integer(res->total));
	for (k = 0; k < res->nhits; k++) {
		const struct hd_hit *h = &res->hits[k];

		j = json_object();
		json_object_set_new(j, "ref", json_string(h->ref));
		json_object_set_new(j, "title", json_string(h->title));
		json_object_set_new(j, "date", h->date ? json_string(h->date) :
			json_null());
		json_object_set_new(j, "category", json_string(h->category));
		json_object_set_new(j, "access", json_string(h->access));
		json_object_set_new(j, "status", json_string(h->status));
		json_object_set_new(j, "source", h->source ?
			json_string(h->source) : json_null());
		sb.len = 0;
		page_snippet_html(&sb, &h->snippet);
		json_object_set_new(j, "snippet",
			json_string(sb.p != NULL ? sb.p : ""));
		json_array_append_new(hits, j);
	}
	json_object_set_new(o, "hits", hits);
	hd_buf_release(&sb);
	return o;
}

/* See site.h.  The templates are checked for changes first (at most
 * once a second); the page is rendered, then the layout around it with
 * the page as "content". */
void site_page(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *name, json_t *ctx)
{
	struct hd_buf body;
	struct hd_error e;
	json_t *site;

	hd_buf_init(&body);
	hd_err_clear(&e);
	tmpl_refresh(s->tmpl, 0, NULL);
	site = json_object();
	json_object_set_new(site, "name", json_string(s->name ? s->name :
		"社区档案室"));
	json_object_set_new(site, "kiosk", json_boolean(req->kiosk));
	json_object_set_new(site, "idle", json_integer(s->idle_seconds));
	json_object_set_new(site, "attract", json_integer(s->attract_seconds));
	json_object_set_new(ctx, "site", site);
	if (tmpl_render(s->tmpl, name, ctx, &body, &e) != 0) {
		json_decref(ctx);
		hd_buf_release(&body);
		resp->status = 500;
		resp->type = "text/plain; charset=utf-8";
		hd_buf_release(&resp->body);
		hd_buf_printf(&resp->body, "模板错误：%s\n", e.msg);
		return;
	}
	json_object_set_new(ctx, "content", tmpl_html(body.p ? body.p : ""));
	hd_buf_release(&resp->body);
	if (tmpl_render(s->tmpl, "layout.html", ctx, &resp->body, &e) != 0) {
		resp->status = 500;
		resp->type = "text/plain; charset=utf-8";
		hd_buf_release(&resp->body);
		hd_buf_printf(&resp->body, "模板错误：%s\n", e.msg);
	} else {
		resp->status = status;
		resp->type = "text/html; charset=utf-8";
	}
	hd_buf_release(&body);
	json_decref(ctx);
}

/* See site.h. */
void site_error(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status)
{
	const char *title, *text;

	switch (status) {
	case 400:
		title = "请求有误";
		text = "这个地址里有无法识别的字符。请回到首页重新查找。";
		break;
	case 404:
		title = "找不到这一页";
		text = "您要找的页面或档案不存在，或暂未公开。";
		break;
	case 405:
		title = "不支持的操作";
		text = "这个页面不接受这种请求。";
		break;
	case 413:
		title = "提交的内容太大";
		text = "请缩短后再提交。";
		break;
	case 429:
		title = "请求太频繁";
		text = "请稍后再试。";
		break;
	case 503:
		title = "服务暂时忙不过来";
		text = "请稍后再试。";
		break;
	default:
		title = "出了点问题";
		text = "服务器暂时无法完成请求，请稍后再试。";
		break;
	}
	site_error_text(s, req, resp, status, title, text);
}

/* See site.h.  When even the error template fails, a plain page with
 * the title and a link home is sent with the status asked for. */
void site_error_text(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *title,
	const char *text)
{
	json_t *ctx = json_object();

	if (site_is_api(req)) {
		/* a program asked: it gets JSON, whatever went wrong */
		json_object_set_new(ctx, "error", json_string(title));
		json_object_set_new(ctx, "message", json_string(text));
		json_object_set_new(ctx, "status", json_integer(status));
		http_json(resp, status, ctx);
		return;
	}
	json_object_set_new(ctx, "title", json_string(title));
	json_object_set_new(ctx, "text", json_string(text));
	json_object_set_new(ctx, "status", json_integer(status));
	site_page(s, req, resp, status, "error.html", ctx);
	if (resp->status == 500 && status != 500) {
		/* the templates themselves failed: a plain page still says
		 * what happened and how to get home */
		hd_buf_release(&resp->body);
		hd_buf_printf(&resp->body, "<!doctype html>"
			"<html lang=\"zh-CN\">"
			"<meta charset=\"utf-8\"><title>%s</title><h1>%s</h1>"
			"<p><a href=\"/\">返回首页</a></p></html>", title,
			title);
		resp->type = "text/html; charset=utf-8";
		resp->status = status;
	}
}

/* See site.h. */
void site_retry_after(struct http_resp *resp, int64_t secs)
{
	char v[24];

	if (secs > 0) {
		snprintf(v, sizeof v, "%lld", (long long)secs);
		http_header(resp, "Retry-After", v);
	}
}

/* See site.h.  Decided on the raw URL, so that a request whose path
 * could not be decoded is still known to come from a program. */
int site_is_api(const struct http_req *req)
{
	const char *u = req->raw_url ? req->raw_url : req->path;

	return u != NULL && strncmp(u, "/api", 4) == 0 &&
		(u[4] == '\0' || u[4] == '/' || u[4] == '?');
}

/* See site.h (glibc's writer-preferring kind). */
void site_rwlock_init(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t ra;

	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(l, &ra);
	pthread_rwlockattr_destroy(&ra);
}
