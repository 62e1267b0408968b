/*
 * page_exhibit.c - the kiosk's screens: home (four tiles), the history
 * corridor (a timeline by decade) and the red reading corner (the
 * demonstrations are page_demo.c's).
 *
 * Everything shown comes from the archive's approved public records: the
 * tiles' counts and pictures, the corridor's chapters, the reading lists.
 */
#include "pages.h"
#include "demo.h"

#include <stdlib.h>
#include <string.h>

/* The first public record with an image in class cls: its thumb URL. */
static json_t *class_picture(struct hd_archive *a, const char *cls,
	int newest)
{
	struct hd_list l;
	struct hd_results res;
	json_t *v = json_null();
	char *u;

	memset(&l, 0, sizeof l);
	l.cls = cls;
	l.images_only = 1;
	l.newest_first = newest;
	l.limit = 1;
	if (hd_list_public(a, &l, &res, NULL) == 0 && res.nhits > 0 &&
	    res.hits[0].thumb) {
		u = page_thumb_url(res.hits[0].thumb);
		json_decref(v);
		v = json_string(u);
		free(u);
	}
	hd_results_release(&res);
	return v;
}

/* The count of class cls among the facets f, or 0. */
static int64_t class_count(const struct hd_facets *f, const char *cls)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].value, cls) == 0) {
			return f->v[i].count;
		}
	}
	return 0;
}

/* A home page tile {href, title, sub, count, unit, img} (img
 * consumed).  Returns a new object. */
static json_t *tile(const char *href, const char *title, const char *sub,
	int64_t count, const char *unit, json_t *img)
{
	json_t *t = json_object();

	json_object_set_new(t, "href", json_string(href));
	json_object_set_new(t, "title", json_string(title));
	json_object_set_new(t, "sub", json_string(sub));
	json_object_set_new(t, "count", json_integer(count));
	json_object_set_new(t, "unit", json_string(unit));
	json_object_set_new(t, "img", img);
	return t;
}

/* GET /: the home screen: four tiles (reading corner, corridor,
 * demonstrations, search) with live counts and a picture each, the
 * collection's figures and years, and whether the room is open now. */
int page_home(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_stats st;
	struct hd_facets cls;
	json_t *ctx = json_object(), *tiles = json_array();
	char status[256], years[32];

	hd_stats_get(a, HD_PUBLIC, &st, NULL);
	memset(&cls, 0, sizeof cls);
	hd_classes_public(a, &cls, NULL);
	json_array_append_new(tiles, tile("/reading", "红色读书角",
		"红色书目与档案里的故事", class_count(&cls, "DS"), "种书目",
		class_picture(a, "DS", 0)));
	json_array_append_new(tiles, tile("/corridor", "历史文化长廊",
		"从骑楼老街到新村改造", st.photos, "张老照片",
		class_picture(a, "SQ", 0)));
	json_array_append_new(tiles, tile("/demo", "档案工作演示",
		"收集、审核、查阅、转递、数字化、库房", (int64_t)DEMO_NPROCS,
		"项流程", class_picture(a, "GZ", 1)));
	json_array_append_new(tiles, tile("/search", "查一查",
		"输入两个字也能找到", st.records, "件档案",
		class_picture(a, "DJ", 1)));
	hd_facets_release(&cls);
	json_object_set_new(ctx, "title", json_string("首页"));
	json_object_set_new(ctx, "tiles", tiles);
	json_object_set_new(ctx, "records", json_integer(st.records));
	json_object_set_new(ctx, "photos", json_integer(st.photos));
	if (st.year_min > 0) {
		snprintf(years, sizeof years, "%d—%d", st.year_min,
			st.year_max);
		json_object_set_new(ctx, "years", json_string(years));
		json_object_set_new(ctx, "span",
			json_integer(st.year_max - st.year_min + 1));
	}
	page_open_status(a, status, sizeof status);
	json_object_set_new(ctx, "open_status", json_string(status));
	json_object_set_new(ctx, "home", json_true());
	site_page(s, req, resp, 200, "home.html", ctx);
	return 0;
}

/* A short paragraph for a decade: the description of its lead record. */
static const char *decade_name(int d)
{
	static const struct {
		int decade;
		const char *text;
	} names[] = {
		{1950, "新中国成立初期的前锋街"}, {1960, "艰苦奋斗的年代"},
		{1970, "河畔人家"}, {1980, "改革开放，集市兴旺"},
		{1990, "撤县设市，新村落成"}, {2000, "社区建设起步"},
		{2010, "城市更新前夜"}, {2020, "老旧小区改造与新生"},
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (names[i].decade == d) {
			return names[i].text;
		}
	}
	return "社区记忆";
}

/* A before/after pair: a public record titled "…前后对比" with two
 * images. */
static json_t *pair_of(struct hd_archive *a, const struct hd_hit *h)
{
	struct hd_record r;
	json_t *p = NULL;
	char *u1, *u2;
	size_t i, n = 0;
	const char *img[2] = {NULL, NULL};

	if (strstr(h->title, "前后对比") == NULL) {
		return NULL;
	}
	hd_record_init(&r);
	if (hd_record_get(a, HD_PUBLIC, h->ref, &r, NULL) != 0) {
		return NULL;
	}
	for (i = 0; i < r.nfiles && n < 2; i++) {
		if (r.files[i].mime && strncmp(r.files[i].mime, "image/", 6)
		    == 0) {
			img[n++] = r.files[i].sha256;
		}
	}
	if (n == 2) {
		p = json_object();
		u1 = page_thumb_url(img[0]);
		u2 = page_thumb_url(img[1]);
		json_object_set_new(p, "before", json_string(u1));
		json_object_set_new(p, "after", json_string(u2));
		free(u1);
		free(u2);
	}
	hd_record_release(&r);
	return p;
}

/* The corridor as data: chapters by decade, each with its records. */
static json_t *corridor_data(struct hd_archive *a, int html)
{
	struct hd_facets dec;
	struct hd_results res;
	struct hd_list l;
	json_t *chapters = json_array();
	size_t i, k;

	if (hd_decades_public(a, &dec, NULL) != 0) {
		return chapters;
	}
	for (i = 0; i < dec.n; i++) {
		json_t *c = json_object(), *items = json_array();
		int d = atoi(dec.v[i].value);
		char label[16], anchor[16];

		memset(&l, 0, sizeof l);
		l.decade = d;
		l.limit = 40;
		if (hd_list_public(a, &l, &res, NULL) != 0) {
			json_decref(c);
			json_decref(items);
			continue;
		}
		snprintf(label, sizeof label, "%d年代", d);
		snprintf(anchor, sizeof anchor, "d%d", d);
		json_object_set_new(c, "decade", json_integer(d));
		json_object_set_new(c, "label", json_string(label));
		json_object_set_new(c, "anchor", json_string(anchor));
		json_object_set_new(c, "name", json_string(decade_name(d)));
		json_object_set_new(c, "count", json_integer(dec.v[i].count));
		for (k = 0; k < res.nhits; k++) {
			json_t *h = page_hit(&res.hits[k], html);
			json_t *pair = pair_of(a, &res.hits[k]);

			if (pair != NULL) {
				json_object_set_new(h, "pair", pair);
			}
			if (!json_object_get(c, "lead") && res.hits[k].thumb) {
				json_object_set(c, "lead", h);
			}
			json_array_append_new(items, h);
		}
		json_object_set_new(c, "items", items);
		json_array_append_new(chapters, c);
		hd_results_release(&res);
	}
	hd_facets_release(&dec);
	return chapters;
}

/* GET /corridor: the history corridor, one chapter a decade. */
int page_corridor(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *ctx = json_object();

	json_object_set_new(ctx, "title", json_string("历史文化长廊"));
	json_object_set_new(ctx, "chapters", corridor_data(a, 1));
	site_page(s, req, resp, 200, "corridor.html", ctx);
	return 0;
}

/* GET /api/corridor: the same chapters as JSON, {chapters}. */
int page_api_corridor(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *o = json_object();

	json_object_set_new(o, "chapters", corridor_data(a, 0));
	http_json(resp, 200, o);
	return 0;
}

/* The reading corner as data: book entries (class DS) and stories from
 * the archive (class DJ, public), each with a cover and a text to read
 * aloud. */
static json_t *reading_data(struct hd_archive *a, int html)
{
	struct hd_results res;
	struct hd_list l;
	json_t *o = json_object();

	memset(&l, 0, sizeof l);
	l.cls = "DS";
	l.limit = 100;
	if (hd_list_public(a, &l, &res, NULL) == 0) {
		json_object_set_new(o, "books", page_hits(&res, html));
		hd_results_release(&res);
	}
	l.cls = "DJ";
	if (hd_list_public(a, &l, &res, NULL) == 0) {
		json_object_set_new(o, "stories", page_hits(&res, html));
		hd_results_release(&res);
	}
	return o;
}

/* GET /reading: the red reading corner, books and stories. */
int page_reading(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *ctx = reading_data(a, 1);

	json_object_set_new(ctx, "title", json_string("红色读书角"));
	site_page(s, req, resp, 200, "reading.html", ctx);
	return 0;
}

/* GET /api/reading: the same as JSON, {books, stories}. */
int page_api_reading(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	http_json(resp, 200, reading_data(a, 0));
	return 0;
}
