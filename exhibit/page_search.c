/*
 * page_search.c - search with snippets and facets, the record page (with
 * images, related records and a QR code), the study list, images, and the
 * JSON API for what a visitor may see.
 *
 * Every call into the library here says HD_PUBLIC: a record, an image or
 * a count a visitor may not see is a 404, exactly like one that does not
 * exist.
 */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 20

static int hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

/* The query a request asks for (q, page, decade, category, place,
 * person). */
static void read_query(const struct http_req *req, struct hd_query *q,
	int *page)
{
	int decade;

	memset(q, 0, sizeof *q);
	q->q = http_param(req, "q");
	*page = page_int(req, "page", 1, 10000, 1);
	q->limit = PAGE_SIZE;
	q->offset = (*page - 1) * PAGE_SIZE;
	decade = page_int(req, "decade", 1000, 9990, 0);
	if (decade > 0) {
		q->year_from = decade;
		q->year_to = decade + 9;
	}
	q->category = hd_category_code(http_param(req, "category"));
	q->place = http_param(req, "place");
	q->person = http_param(req, "person");
	if (q->place && !*q->place) {
		q->place = NULL;
	}
	if (q->person && !*q->person) {
		q->person = NULL;
	}
	q->facets = 1;
}

/* A link to the search with one parameter changed (others kept). */
static char *search_link(const struct http_req *req, const char *name,
	const char *value)
{
	static const char *const keep[] = {"q", "decade", "category", "place",
		"person", "kiosk"};
	struct hd_buf b;
	size_t i;
	const char *v;
	char sep = '?';

	hd_buf_init(&b);
	hd_buf_puts(&b, "/search");
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		v = strcmp(keep[i], name) == 0 ? value : http_param(req,
			keep[i]);
		if (v == NULL || *v == '\0') {
			continue;
		}
		hd_buf_printf(&b, "%c%s=", sep, keep[i]);
		sep = '&';
		for (; *v; v++) {
			unsigned char c = (unsigned char)*v;

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			    c == '_' || c == '~') {
				hd_buf_add(&b, v, 1);
			} else {
				hd_buf_printf(&b, "%%%02X", c);
			}
		}
	}
	return hd_buf_detach(&b);
}

static json_t *facet_json(const struct http_req *req, const char *param,
	const struct hd_facets *f, int decades)
{
	json_t *a = json_array();
	const char *cur = http_param(req, param);
	size_t i;

	for (i = 0; i < f->n && i < 12; i++) {
		json_t *o = json_object();
		const char *label = f->v[i].value;
		char buf[32], *href;
		int active = cur && strcmp(cur, f->v[i].value) == 0;

		if (decades) {
			snprintf(buf, sizeof buf, "%s年代", f->v[i].value);
			label = buf;
		} else if (strcmp(param, "category") == 0 &&
		    hd_category_name(f->v[i].value)) {
			label = hd_category_name(f->v[i].value);
		}
		href = search_link(req, param, active ? "" : f->v[i].value);
		json_object_set_new(o, "label", json_string(label));
		json_object_set_new(o, "count", json_integer(f->v[i].count));
		json_object_set_new(o, "href", json_string(href));
		json_object_set_new(o, "active", json_boolean(active));
		json_object_set_new(o, "cls", json_string(active ?
			"chip active" : "chip"));
		free(href);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *topics(struct hd_archive *a)
{
	struct hd_facets f;
	json_t *arr = json_array();
	size_t i;

	if (hd_subjects_public(a, &f, NULL) == 0) {
		for (i = 0; i < f.n; i++) {
			json_array_append_new(arr, json_string(f.v[i].value));
		}
		hd_facets_release(&f);
	}
	return arr;
}

int page_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_query q;
	struct hd_results res;
	json_t *ctx = json_object(), *facets;
	int page, pages;
	char *href;

	read_query(req, &q, &page);
	json_object_set_new(ctx, "title", json_string("查一查"));
	json_object_set_new(ctx, "topics", topics(a));
	if (q.q == NULL || *q.q == '\0') {
		site_page(s, req, resp, 200, "search.html", ctx);
		return 0;
	}
	json_object_set_new(ctx, "q", json_string(q.q));
	if (hd_search(a, HD_PUBLIC, &q, &res, NULL) != 0) {
		memset(&res, 0, sizeof res);
	}
	json_object_set_new(ctx, "searched", json_true());
	json_object_set_new(ctx, "total", json_integer(res.total));
	json_object_set_new(ctx, "capped", json_boolean(res.capped));
	json_object_set_new(ctx, "hits", page_hits(&res, 1));
	facets = json_array();
	if (res.decade.n > 1 || http_param(req, "decade")) {
		json_t *f = json_object();

		json_object_set_new(f, "name", json_string("年代"));
		json_object_set_new(f, "chips", facet_json(req, "decade",
			&res.decade, 1));
		json_array_append_new(facets, f);
	}
	if (res.category.n > 1 || http_param(req, "category")) {
		json_t *f = json_object();

		json_object_set_new(f, "name", json_string("门类"));
		json_object_set_new(f, "chips", facet_json(req, "category",
			&res.category, 0));
		json_array_append_new(facets, f);
	}
	if (res.place.n > 0) {
		json_t *f = json_object();

		json_object_set_new(f, "name", json_string("地点"));
		json_object_set_new(f, "chips", facet_json(req, "place",
			&res.place, 0));
		json_array_append_new(facets, f);
	}
	if (res.person.n > 0) {
		json_t *f = json_object();

		json_object_set_new(f, "name", json_string("人物"));
		json_object_set_new(f, "chips", facet_json(req, "person",
			&res.person, 0));
		json_array_append_new(facets, f);
	}
	json_object_set_new(ctx, "facets", facets);
	pages = (int)((res.total + PAGE_SIZE - 1) / PAGE_SIZE);
	if (page > 1) {
		char num[16];

		snprintf(num, sizeof num, "%d", page - 1);
		href = search_link(req, "page", num);
		json_object_set_new(ctx, "prev", json_string(href));
		free(href);
	}
	if (page < pages) {
		char num[16];

		snprintf(num, sizeof num, "%d", page + 1);
		href = search_link(req, "page", num);
		/* search_link drops "page"; add it back */
		free(href);
		href = search_link(req, "q", q.q);
		json_object_set_new(ctx, "next", json_string(href));
		free(href);
		href = hd_xasprintf("%s&page=%d", json_string_value(
			json_object_get(ctx, "next")), page + 1);
		json_object_set_new(ctx, "next", json_string(href));
		free(href);
	}
	if (page > 1) {
		href = search_link(req, "q", q.q);
		json_object_set_new(ctx, "prev", json_string(page - 1 > 1 ?
			"" : href));
		if (page - 1 > 1) {
			char *p = hd_xasprintf("%s&page=%d", href, page - 1);

			json_object_set_new(ctx, "prev", json_string(p));
			free(p);
		}
		free(href);
	}
	json_object_set_new(ctx, "page", json_integer(page));
	json_object_set_new(ctx, "pages", json_integer(pages));
	hd_results_release(&res);
	site_page(s, req, resp, 200, "search.html", ctx);
	return 0;
}

/* The reference code at the end of a path after prefix; NULL if none. */
static const char *path_ref(const struct http_req *req, const char *prefix)
{
	const char *r = req->path + strlen(prefix);

	return *r ? r : NULL;
}

static json_t *record_ctx(struct site *s, struct hd_archive *a,
	const struct http_req *req, const struct hd_record *r, int html)
{
	json_t *ctx = json_object(), *imgs = json_array(), *files;
	struct hd_results rel;
	char *u, *abs, *svg, *text;
	size_t i;

	json_object_set_new(ctx, "ref", json_string(r->ref));
	json_object_set_new(ctx, "title", json_string(r->title));
	json_object_set_new(ctx, "creator", r->creator ?
		json_string(r->creator) : json_null());
	json_object_set_new(ctx, "date", r->date ? json_string(r->date) :
		json_null());
	json_object_set_new(ctx, "category", json_string(r->category));
	json_object_set_new(ctx, "category_name",
		json_string(hd_category_name(r->category) ?
		hd_category_name(r->category) : r->category));
	json_object_set_new(ctx, "place", r->place ? json_string(r->place) :
		json_null());
	json_object_set_new(ctx, "description", r->description ?
		json_string(r->description) : json_null());
	files = json_array();
	for (i = 0; i < r->nsubjects; i++) {
		json_array_append_new(files, json_string(r->subjects[i]));
	}
	json_object_set_new(ctx, "subjects", files);
	files = json_array();
	for (i = 0; i < r->npersons; i++) {
		json_array_append_new(files, json_string(r->persons[i]));
	}
	json_object_set_new(ctx, "persons", files);
	for (i = 0; i < r->nfiles; i++) {
		const struct hd_file *f = &r->files[i];
		json_t *o;

		if (f->mime == NULL || strncmp(f->mime, "image/", 6) != 0) {
			continue;
		}
		o = json_object();
		u = page_screen_url(f->sha256);
		json_object_set_new(o, "screen", json_string(u));
		free(u);
		u = page_thumb_url(f->sha256);
		json_object_set_new(o, "thumb", json_string(u));
		free(u);
		json_object_set_new(o, "width", json_integer(f->width));
		json_object_set_new(o, "height", json_integer(f->height));
		json_object_set_new(o, "alt", json_string(r->title));
		json_array_append_new(imgs, o);
	}
	json_object_set_new(ctx, "images", imgs);
	text = hd_record_text(a, r);
	if (text != NULL && *text) {
		json_object_set_new(ctx, "text", json_string(text));
		json_object_set_new(ctx, "show_text",
			json_boolean(json_array_size(imgs) > 0));
	}
	free(text);
	json_object_set_new(ctx, "has_subjects",
		json_boolean(r->nsubjects > 0));
	u = page_record_url(r->ref);
	json_object_set_new(ctx, "url", json_string(u));
	if (html) {
		abs = s->public_url ? hd_xasprintf("%s%s", s->public_url, u) :
			hd_xasprintf("http://%s%s", req->host ? req->host :
			"127.0.0.1:8080", u);
		svg = qr_svg(abs, "本页二维码：扫码带走这件档案");
		if (svg != NULL) {
			json_object_set_new(ctx, "qr", tmpl_html(svg));
		}
		json_object_set_new(ctx, "qr_url", json_string(abs));
		free(svg);
		free(abs);
	}
	free(u);
	if (hd_related_public(a, r->id, 6, &rel, NULL) == 0) {
		json_object_set_new(ctx, "related", page_hits(&rel, html));
		json_object_set_new(ctx, "has_related",
			json_boolean(rel.nhits > 0));
		hd_results_release(&rel);
	}
	return ctx;
}

int page_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *ref = path_ref(req, "/record/");
	struct hd_record r;

	hd_record_init(&r);
	if (ref == NULL || hd_record_get(a, HD_PUBLIC, ref, &r, NULL) != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	site_page(s, req, resp, 200, "record.html",
		record_ctx(s, a, req, &r, 1));
	hd_record_release(&r);
	return 0;
}

int page_api_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *ref = path_ref(req, "/api/records/");
	struct hd_record r;
	json_t *o;

	hd_record_init(&r);
	if (ref == NULL || hd_record_get(a, HD_PUBLIC, ref, &r, NULL) != 0) {
		o = json_object();
		json_object_set_new(o, "error", json_string("not found"));
		http_json(resp, 404, o);
		return 0;
	}
	http_json(resp, 200, record_ctx(s, a, req, &r, 0));
	hd_record_release(&r);
	return 0;
}

int page_study(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *ctx = json_object();

	json_object_set_new(ctx, "title", json_string("我的研学清单"));
	site_page(s, req, resp, 200, "study.html", ctx);
	return 0;
}

/* /img/thumb/SHA.jpg and /img/screen/SHA.jpg: derivatives of images of
 * public records only; originals are never served here. */
int page_image(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *p = req->path + strlen("/img/");
	enum hd_deriv kind;
	char sha[65], *path = NULL;

	if (strncmp(p, "thumb/", 6) == 0) {
		kind = HD_DERIV_THUMB;
		p += 6;
	} else if (strncmp(p, "screen/", 7) == 0) {
		kind = HD_DERIV_SCREEN;
		p += 7;
	} else {
		site_error(s, req, resp, 404);
		return 0;
	}
	if (strlen(p) != 68 || strcmp(p + 64, ".jpg") != 0 || !hex64(p)) {
		site_error(s, req, resp, 404);
		return 0;
	}
	memcpy(sha, p, 64);
	sha[64] = '\0';
	if (!hd_object_public(a, sha) ||
	    hd_derive(a, sha, kind, &path, NULL) != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	resp->file = path;
	resp->type = "image/jpeg";
	/* no Cache-Control: the server's default "no-cache" makes a kiosk
	 * ask each time (a 304 when unchanged), so the image of a withdrawn
	 * record is gone at once, not after a day in the cache */
	return 0;
}

/* GET /api/search?q=&limit=&offset=: approved public records only,
 * {query, total, capped, hits}; capped true when the search stopped at
 * its cap (hd_search): total is then a lower bound. */
int page_api_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_query q;
	struct hd_results res;
	json_t *o = json_object();
	int page;

	read_query(req, &q, &page);
	q.limit = page_int(req, "limit", 1, 100, PAGE_SIZE);
	q.offset = page_int(req, "offset", 0, 1000000, q.offset);
	if (q.q == NULL || *q.q == '\0') {
		json_object_set_new(o, "error", json_string("q is required"));
		http_json(resp, 400, o);
		return 0;
	}
	if (hd_search(a, HD_PUBLIC, &q, &res, NULL) != 0) {
		memset(&res, 0, sizeof res);
	}
	json_object_set_new(o, "query", json_string(q.q));
	json_object_set_new(o, "total", json_integer(res.total));
	json_object_set_new(o, "capped", json_boolean(res.capped));
	json_object_set_new(o, "hits", page_hits(&res, 0));
	hd_results_release(&res);
	http_json(resp, 200, o);
	return 0;
}

/* GET /api/suggest?q=&limit=: suggestions while typing, from approved
 * public records only: {query, suggestions: [{text, kind, pinyin?}]},
 * kind one of title, person, place, subject. */
int page_api_suggest(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_suggestion *v = NULL;
	const char *q = http_param(req, "q");
	json_t *o = json_object(), *arr = json_array(), *it;
	size_t n = 0, i;
	int limit = page_int(req, "limit", 1, 20, 8);

	(void)s;
	if (q == NULL) {
		q = "";
	}
	if (hd_suggest_public(a, q, limit, &v, &n, NULL) != 0) {
		v = NULL;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		it = json_object();
		json_object_set_new(it, "text", json_string(v[i].text));
		json_object_set_new(it, "kind", json_string(v[i].kind));
		if (v[i].pinyin != NULL) {
			json_object_set_new(it, "pinyin",
				json_string(v[i].pinyin));
		}
		json_array_append_new(arr, it);
	}
	hd_suggestions_free(v, n);
	json_object_set_new(o, "query", json_string(q));
	json_object_set_new(o, "suggestions", arr);
	http_json(resp, 200, o);
	return 0;
}

int page_api_stats(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_stats st;
	struct hd_facets dec;
	json_t *o = json_object(), *d = json_object();
	size_t i;

	hd_stats_get(a, HD_PUBLIC, &st, NULL);
	json_object_set_new(o, "name", json_string(s->name ? s->name : ""));
	json_object_set_new(o, "records", json_integer(st.records));
	json_object_set_new(o, "photos", json_integer(st.photos));
	json_object_set_new(o, "files", json_integer(st.files));
	json_object_set_new(o, "year_min", st.year_min ?
		json_integer(st.year_min) : json_null());
	json_object_set_new(o, "year_max", st.year_max ?
		json_integer(st.year_max) : json_null());
	if (hd_decades_public(a, &dec, NULL) == 0) {
		for (i = 0; i < dec.n; i++) {
			json_object_set_new(d, dec.v[i].value,
				json_integer(dec.v[i].count));
		}
		hd_facets_release(&dec);
	}
	json_object_set_new(o, "decades", d);
	http_json(resp, 200, o);
	return 0;
}
