/*
 * page_search.c - search for visitors: the search page with snippets,
 * facets and pages of results, and the JSON API beside it (search,
 * suggestions while typing, the collection's figures).
 *
 * Every call into the library here says HD_PUBLIC: a record or a count
 * a visitor may not see is never found or counted.  A search page's
 * links carry the query's own parameters, percent-encoded, and nothing
 * else (search_link).
 */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 20

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

/* A link to the search with parameter name set to value ("" drops
 * it), the others of q, decade, category, place, person and kiosk kept
 * as the request has them, empty ones left out; "page" is never kept.
 * Values are percent-encoded.  Returns a new string (caller frees). */
static char *search_link(const struct http_req *req, const char *name,
	const char *value)
{
	static const char *const keep[] = {"q", "decade", "category", "place",
		"person", "source", "kiosk"};

	return http_link(req, "/search", keep, sizeof keep / sizeof keep[0],
		name, value, NULL, NULL);
}

/* The chips of facet f (parameter param) for search.html: at most 12,
 * each {label, count, href, active, cls}; a chip already chosen links
 * to the search without it.  decades: labels "1980年代"; category:
 * labels by name.  Returns a new array. */
static json_t *facet_json(const struct http_req *req, const char *param,
	const struct hd_facets *f, int decades)
{
	json_t *a = json_array();
	const char *cur = http_param(req, param);
	size_t i;

	for (i = 0; i < f->n && i < 12; i++) {
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
		json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:b, s:s}",
			"label", label, "count", (json_int_t)f->v[i].count,
			"href", href, "active", active,
			"cls", active ? "chip active" : "chip"));
		free(href);
	}
	return a;
}

/* The subjects of public records (the search page's topic list), as a
 * new array of strings; empty when they cannot be read. */
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

/* Append to facets the facet called name with its chips (consumed). */
static void add_facet(json_t *facets, const char *name, json_t *chips)
{
	json_t *f = json_object();

	json_object_set_new(f, "name", json_string(name));
	json_object_set_new(f, "chips", chips);
	json_array_append_new(facets, f);
}

/* GET /search?q=&page=&decade=&category=&place=&person=&source=:
 * without q the search form with the topics; with it PAGE_SIZE hits of
 * the page asked for, the facets that can narrow the search (decades
 * and categories when there is a choice or one is chosen, places,
 * persons and rooms (社区, a district's harvest) when any), and links
 * to the previous and next pages. */
int page_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_query q;
	struct hd_results res;
	json_t *ctx = json_object(), *facets;
	int page, pages;
	char *base, *href, *fonds = NULL;
	const char *room = http_param(req, "source");

	read_query(req, &q, &page);
	if (room != NULL && *room) {
		/* 社区: a room's records are of its fonds; an unknown room
		 * matches nothing */
		hd_harvest_fonds(a, room, &fonds, NULL);
		q.fonds = fonds != NULL ? fonds : "-";
	}
	json_object_set_new(ctx, "title", json_string("查一查"));
	json_object_set_new(ctx, "topics", topics(a));
	if (q.q == NULL || *q.q == '\0') {
		free(fonds);
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
		add_facet(facets, "年代", facet_json(req, "decade",
			&res.decade, 1));
	}
	if (res.category.n > 1 || http_param(req, "category")) {
		add_facet(facets, "门类", facet_json(req, "category",
			&res.category, 0));
	}
	if (res.place.n > 0) {
		add_facet(facets, "地点", facet_json(req, "place",
			&res.place, 0));
	}
	if (res.person.n > 0) {
		add_facet(facets, "人物", facet_json(req, "person",
			&res.person, 0));
	}
	if (res.source.n > 0) {
		add_facet(facets, "社区", facet_json(req, "source",
			&res.source, 0));
	}
	json_object_set_new(ctx, "facets", facets);
	pages = (int)((res.total + PAGE_SIZE - 1) / PAGE_SIZE);
	base = search_link(req, "q", q.q);     /* page 1 */
	if (page > 1) {
		href = page - 1 > 1 ? hd_xasprintf("%s&page=%d", base,
			page - 1) : hd_xstrdup(base);
		json_object_set_new(ctx, "prev", json_string(href));
		free(href);
	}
	if (page < pages) {
		href = hd_xasprintf("%s&page=%d", base, page + 1);
		json_object_set_new(ctx, "next", json_string(href));
		free(href);
	}
	free(base);
	json_object_set_new(ctx, "page", json_integer(page));
	json_object_set_new(ctx, "pages", json_integer(pages));
	hd_results_release(&res);
	free(fonds);
	site_page(s, req, resp, 200, "search.html", ctx);
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
	struct hd_error e;
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
	hd_err_clear(&e);
	if (hd_search(a, HD_PUBLIC, &q, &res, &e) != 0) {
		/* a query the library refuses (too long, not UTF-8, blank)
		 * is the client's error; anything else is ours */
		json_object_set_new(o, "error", json_string(
			e.code == HD_EINVAL ? e.msg : "search failed"));
		http_json(resp, e.code == HD_EINVAL ? 400 : 500, o);
		return 0;
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

/* GET /api/stats: the public collection's figures, {name, records,
 * photos, files, year_min, year_max, decades: {"1980": n, ...}}. */
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
