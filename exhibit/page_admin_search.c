/*
 * page_admin_search.c - the staff catalogue (目录检索) on the admin pages:
 * every record the account's role may see, pending, returned, withdrawn,
 * internal and restricted ones marked as such, found by words or by the
 * filters alone, with facets, sortable columns and pages; the same search
 * as JSON (the answer of "hongdang search --json"); and the whole result
 * as a catalogue sheet to download, CSV or .xlsx, in the columns the
 * ingest's sheet reader takes, so that it goes back in as a sheet.
 *
 * Every request's filters are checked before anything is searched: a
 * value that is not one (an unknown status, a year that is not a year, a
 * page past the last) is a 400 saying which, never a 500 and never a
 * silently wider search.  Metadata of restricted records is shown to
 * staff (hd_search as HD_ARCHIVIST); their content is not here at all
 * (the record view and the consultation pages decide that).
 */
#include "admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#define PAGE_ROWS 50            /* rows of a page of the catalogue */
#define PAGE_MAX 100000         /* pages a request may ask for */
#define EXPORT_ROWS 20000       /* records a download carries at most */

/* The parameters a catalogue link keeps (never "page"). */
static const char *const keep[] = {"q", "status", "access", "category",
	"year_from", "year_to", "fonds", "batch", "location", "place",
	"person", "class", "sort", "order"};

/* The orders by name, with the order a column's first click asks. */
static const struct {
	const char *name;
	enum hd_sort sort;
	int descending;
} sorts[] = {
	{"relevance", HD_SORT_RELEVANCE, 0},
	{"date", HD_SORT_DATE, 0},
	{"ref", HD_SORT_REF, 0},
	{"updated", HD_SORT_UPDATED, 1},
};

/* A catalogue request, read and checked. */
struct cat {
	struct hd_query q;
	int page;               /* from 1 */
	int sort;               /* index into sorts */
	char why[1200];         /* why it was refused */
};

/* Parameter name as a whole number in lo..hi into *v: 0 when absent or
 * empty (*v unchanged), 1 when read, -1 when it is not one. */
static int int_param(const struct http_req *req, const char *name,
	long lo, long hi, long *v)
{
	const char *s = http_param(req, name);
	char *end;
	long x;

	if (s == NULL || *s == '\0') {
		return 0;
	}
	errno = 0;
	x = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || x < lo || x > hi ||
	    !(*s >= '0' && *s <= '9')) {
		return -1;
	}
	*v = x;
	return 1;
}

/* Parameter name, or NULL when absent or white space only. */
static const char *text_param(const struct http_req *req, const char *name)
{
	const char *s = http_param(req, name);
	const char *p = s;

	while (p != NULL && (*p == ' ' || *p == '\t')) {
		p++;
	}
	return p == NULL || *p == '\0' ? NULL : s;
}

/* Read the catalogue request of req into *c: the query (none: a list),
 * the filters, the order and the page.  0, or -1 with c->why saying
 * which value is not one (in Chinese, for the page). */
static int cat_read(const struct http_req *req, struct cat *c)
{
	static const char *const statuses[] = {"draft", "pending",
		"approved", "returned", "withdrawn"};
	const char *v, *bad = NULL;
	long x = 0;
	int k;
	size_t i;

	memset(c, 0, sizeof *c);
	c->page = 1;
	c->q.q = text_param(req, "q");
	c->q.limit = PAGE_ROWS;
	c->q.facets = 1;
	c->q.exact = 1;         /* staff count every match */
	if ((v = text_param(req, "status")) != NULL) {
		for (i = 0; i < sizeof statuses / sizeof *statuses; i++) {
			if (strcmp(v, statuses[i]) == 0) {
				c->q.status = statuses[i];
			}
		}
		bad = c->q.status == NULL ? "状态" : NULL;
	}
	if (bad == NULL && (v = text_param(req, "access")) != NULL) {
		c->q.access = hd_access_code(v);
		bad = c->q.access == NULL ? "开放级别" : NULL;
	}
	if (bad == NULL && (v = text_param(req, "category")) != NULL) {
		c->q.category = hd_category_code(v);
		bad = c->q.category == NULL ? "门类" : NULL;
	}
	if (bad == NULL) {
		k = int_param(req, "year_from", 1000, 9999, &x);
		bad = k < 0 ? "起始年份" : NULL;
		c->q.year_from = k > 0 ? (int)x : c->q.year_from;
	}
	if (bad == NULL) {
		k = int_param(req, "year_to", 1000, 9999, &x);
		bad = k < 0 ? "截止年份" : NULL;
		c->q.year_to = k > 0 ? (int)x : c->q.year_to;
	}
	if (bad == NULL && c->q.year_from > 0 && c->q.year_to > 0 &&
	    c->q.year_to < c->q.year_from) {
		bad = "年份范围";
	}
	if (bad == NULL) {
		k = int_param(req, "batch", 1, INT32_MAX, &x);
		bad = k < 0 ? "批次" : NULL;
		c->q.batch = k > 0 ? x : c->q.batch;
	}
	if (bad == NULL) {
		/* a page refused leaves c->page as it was (1): its offset is
		 * worked out below either way */
		k = int_param(req, "page", 1, PAGE_MAX, &x);
		bad = k < 0 ? "页码" : NULL;
		c->page = k > 0 ? (int)x : c->page;
	}
	if (bad == NULL && (v = text_param(req, "sort")) != NULL) {
		for (i = 0; i < sizeof sorts / sizeof *sorts; i++) {
			if (strcmp(v, sorts[i].name) == 0) {
				c->sort = (int)i;
				break;
			}
		}
		bad = i == sizeof sorts / sizeof *sorts ? "排序" : NULL;
	}
	c->q.sort = sorts[c->sort].sort;
	c->q.descending = sorts[c->sort].descending;
	if (bad == NULL && (v = text_param(req, "order")) != NULL) {
		if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0) {
			bad = "顺序";
		}
		c->q.descending = strcmp(v, "desc") == 0;
	}
	c->q.fonds = text_param(req, "fonds");
	c->q.location = text_param(req, "location");
	c->q.place = text_param(req, "place");
	c->q.person = text_param(req, "person");
	c->q.cls = text_param(req, "class");
	c->q.offset = (c->page - 1) * PAGE_ROWS;
	if (bad != NULL) {
		snprintf(c->why, sizeof c->why, "筛选条件“%s”的值不正确。",
			bad);
		return -1;
	}
	return 0;
}

/* The start of a catalogue page or download: a staff session
 * (admin_enter) and the request's catalogue (cat_read; 400 with its
 * reason).  1 to go on; 0 when resp is the answer. */
static int cat_enter(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, struct admin *ad,
	struct cat *c)
{
	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, ad)) {
		return 0;
	}
	if (cat_read(req, c) != 0) {
		admin_message(s, req, resp, 400, c->why, ad);
		return 0;
	}
	return 1;
}

/* The search of c (hd_search as the archivist).  0; or -1 with c->why
 * (a filter the library refuses: the request's fault, 400), or -2 when
 * the archive failed (500). */
static int cat_search(struct hd_archive *a, struct cat *c,
	struct hd_results *res)
{
	struct hd_error e;
	int rc;

	hd_err_clear(&e);
	rc = hd_search(a, HD_ARCHIVIST, &c->q, res, &e);
	if (rc == HD_EINVAL) {
		snprintf(c->why, sizeof c->why, "检索条件不正确：%s", e.msg);
		return -1;
	}
	return rc == 0 ? 0 : -2;
}

/* A link to path with the request's catalogue parameters, n1 and n2 set
 * to v1 and v2 ("" or NULL drops them; n2 may be NULL), "page" dropped.
 * Values percent-encoded.  A new string (caller frees). */
static char *cat_link(const struct http_req *req, const char *path,
	const char *n1, const char *v1, const char *n2, const char *v2)
{
	return http_link(req, path, keep, sizeof keep / sizeof *keep, n1, v1,
		n2, v2);
}

/* The link to page n of the request's catalogue (page 1: without
 * "page").  A new string (caller frees). */
static char *page_link(const struct http_req *req, int n)
{
	char *base = cat_link(req, "/admin/search", NULL, NULL, NULL, NULL);
	char *u;

	if (n <= 1) {
		return base;
	}
	u = hd_xasprintf("%s%cpage=%d", base, strchr(base, '?') ? '&' : '?',
		n);
	free(base);
	return u;
}

/* A status's badge word and class: 待审核, 已退回 ... (approved: none). */
static void status_badge(json_t *o, const char *status)
{
	if (status == NULL || strcmp(status, "approved") == 0) {
		return;
	}
	json_object_set_new(o, "status_badge", json_string(admin_or_code(
		hd_status_name(status), status)));
	json_object_set_new(o, "status_cls", json_string(strcmp(status,
		"pending") == 0 ? "badge badge-pending" : "badge badge-back"));
}

/* An access level's badge word: 内部, 受限 (public: none). */
static void access_badge(json_t *o, const char *access)
{
	if (access != NULL && strcmp(access, "internal") == 0) {
		json_object_set_new(o, "access_badge", json_string("内部"));
		json_object_set_new(o, "access_cls",
			json_string("badge badge-internal"));
	} else if (access != NULL && strcmp(access, "restricted") == 0) {
		json_object_set_new(o, "access_badge", json_string("受限"));
		json_object_set_new(o, "access_cls",
			json_string("badge badge-restricted"));
	}
}

/* The rows of the page: each hit with its admin URL, badges, China time
 * of its last change and, unless restricted, its thumbnail. */
static json_t *rows_json(const struct hd_results *res)
{
	json_t *arr = json_array();
	char when[20], *u;
	size_t i;

	for (i = 0; i < res->nhits; i++) {
		const struct hd_hit *h = &res->hits[i];
		json_t *o = json_object();

		json_object_set_new(o, "ref", json_string(h->ref));
		u = admin_record_url(h->ref);
		json_object_set_new(o, "url", json_string(u));
		free(u);
		json_object_set_new(o, "title", json_string(h->title));
		json_object_set_new(o, "date", admin_str(h->date));
		json_object_set_new(o, "category", json_string(admin_or_code(
			hd_category_name(h->category), h->category)));
		json_object_set_new(o, "status", json_string(h->status));
		json_object_set_new(o, "access", json_string(h->access));
		status_badge(o, h->status);
		access_badge(o, h->access);
		json_object_set_new(o, "location", admin_str(h->location));
		admin_china_time(h->updated, when);
		json_object_set_new(o, "updated", json_string(when));
		if (h->thumb != NULL && strcmp(h->access, "restricted") != 0) {
			u = hd_xasprintf("/admin/img/thumb/%s.jpg", h->thumb);
			json_object_set_new(o, "thumb", json_string(u));
			free(u);
		}
		if (h->snippet.text != NULL && h->snippet.text[0] != '\0') {
			struct hd_buf sb;

			hd_buf_init(&sb);
			page_snippet_html(&sb, &h->snippet);
			json_object_set_new(o, "snippet", tmpl_html(sb.p));
			hd_buf_release(&sb);
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* One facet for the side list: {name, chips: [{label, count, href,
 * active}]}, each chip toggling parameter param (with decades: the year
 * range of the decade); name labels by name(value) when it has one. */
static json_t *facet_json(const struct http_req *req, const char *title,
	const char *param, const struct hd_facets *f,
	const char *(*name)(const char *))
{
	json_t *o = json_object(), *chips = json_array();
	const char *cur = http_param(req, param);
	int decades = strcmp(param, "decade") == 0;
	char label[64], to[16], *href;
	size_t i;

	for (i = 0; i < f->n && i < 20; i++) {
		json_t *c = json_object();
		const char *v = f->v[i].value;
		int active;

		if (decades) {
			snprintf(to, sizeof to, "%d", atoi(v) + 9);
			cur = http_param(req, "year_from");
			active = cur != NULL && strcmp(cur, v) == 0 &&
				http_param(req, "year_to") != NULL &&
				strcmp(http_param(req, "year_to"), to) == 0;
			snprintf(label, sizeof label, "%s年代", v);
			href = cat_link(req, "/admin/search", "year_from",
				active ? "" : v, "year_to", active ? "" : to);
		} else {
			active = cur != NULL && (strcmp(cur, v) == 0 ||
				(name != NULL && name(v) != NULL &&
				strcmp(cur, name(v)) == 0));
			snprintf(label, sizeof label, "%s", name != NULL &&
				name(v) != NULL ? name(v) : v);
			href = cat_link(req, "/admin/search", param,
				active ? "" : v, NULL, NULL);
		}
		json_object_set_new(c, "label", json_string(label));
		json_object_set_new(c, "count", json_integer(f->v[i].count));
		json_object_set_new(c, "href", json_string(href));
		json_object_set_new(c, "active", json_boolean(active));
		free(href);
		json_array_append_new(chips, c);
	}
	json_object_set_new(o, "name", json_string(title));
	json_object_set_new(o, "chips", chips);
	return o;
}

/* The name of an access level as the badges say it. */
static const char *access_word(const char *code)
{
	return code != NULL && strcmp(code, "restricted") == 0 ? "受限" :
		hd_access_name(code);
}

/* The facets of res that have values, in the side list's order. */
static json_t *facets_json(const struct http_req *req,
	const struct hd_results *res)
{
	json_t *arr = json_array();
	const struct {
		const char *title, *param;
		const struct hd_facets *f;
		const char *(*name)(const char *);
	} fs[] = {
		{"状态", "status", &res->status, hd_status_name},
		{"开放级别", "access", &res->access, access_word},
		{"门类", "category", &res->category, hd_category_name},
		{"年代", "decade", &res->decade, NULL},
		{"地点", "place", &res->place, NULL},
		{"人物", "person", &res->person, NULL},
	};
	size_t i;

	for (i = 0; i < sizeof fs / sizeof *fs; i++) {
		if (fs[i].f->n > 0) {
			json_array_append_new(arr, facet_json(req, fs[i].title,
				fs[i].param, fs[i].f, fs[i].name));
		}
	}
	return arr;
}

/* The column headers: each {label, href, sort (aria-sort value)}; a
 * click on the column sorted by flips its order. */
static json_t *columns_json(const struct http_req *req, const struct cat *c)
{
	static const struct {
		const char *label;
		int sort;       /* index into sorts, -1 not sortable */
	} cols[] = {
		{"档号", 2}, {"题名", -1}, {"日期", 1}, {"门类", -1},
		{"状态", -1}, {"位置", -1}, {"更新", 3},
	};
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < sizeof cols / sizeof *cols; i++) {
		json_t *o = json_object();
		int cur = cols[i].sort == c->sort, down;
		char *href;

		json_object_set_new(o, "label", json_string(cols[i].label));
		if (cols[i].sort >= 0) {
			down = cur ? !c->q.descending :
				sorts[cols[i].sort].descending;
			href = cat_link(req, "/admin/search", "sort",
				sorts[cols[i].sort].name, "order",
				down ? "desc" : "asc");
			json_object_set_new(o, "href", json_string(href));
			free(href);
		}
		json_object_set_new(o, "sort", json_string(!cur ? "none" :
			c->q.descending ? "descending" : "ascending"));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The filter form's values: the request's, for the inputs, and the
 * choices of the selects. */
static void form_json(json_t *ctx, const struct http_req *req,
	const struct cat *c)
{
	static const char *const statuses[] = {"pending", "returned",
		"withdrawn", "approved", "draft"};
	static const char *const accesses[] = {"public", "internal",
		"restricted"};
	static const char *const categories[] = {"WS", "ZP", "RS", "SW",
		"LY", "LX"};
	static const char *const fields[] = {"q", "year_from", "year_to",
		"fonds", "batch", "location", "place", "person"};
	size_t i;

	for (i = 0; i < sizeof fields / sizeof *fields; i++) {
		json_object_set_new(ctx, fields[i], admin_str(http_param(req,
			fields[i])));
	}
	json_object_set_new(ctx, "status_options", admin_options(statuses, 5,
		hd_status_name, c->q.status));
	json_object_set_new(ctx, "access_options", admin_options(accesses, 3,
		access_word, c->q.access));
	json_object_set_new(ctx, "category_options", admin_options(
		categories, 6, hd_category_name, c->q.category));
	json_object_set_new(ctx, "sort_name", json_string(
		sorts[c->sort].name));
	json_object_set_new(ctx, "order", json_string(c->q.descending ?
		"desc" : "asc"));
}

/* GET /admin/search (any staff session): the catalogue page. */
int page_admin_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_results res;
	struct admin ad;
	struct cat c;
	json_t *ctx;
	char *u;
	int pages, rc;

	if (!cat_enter(s, a, req, resp, &ad, &c)) {
		return 0;
	}
	rc = cat_search(a, &c, &res);
	if (rc != 0) {
		admin_message(s, req, resp, rc == -1 ? 400 : 500, rc == -1 ?
			c.why : "检索暂时无法完成，请稍后再试。", &ad);
		return 0;
	}
	pages = (int)((res.total + PAGE_ROWS - 1) / PAGE_ROWS);
	if (c.page > 1 && c.page > pages) {
		hd_results_release(&res);
		admin_message(s, req, resp, 400, "页码超出了结果的范围。",
			&ad);
		return 0;
	}
	ctx = json_object();
	json_object_set_new(ctx, "title", json_string("目录检索"));
	form_json(ctx, req, &c);
	json_object_set_new(ctx, "listing", json_boolean(c.q.q == NULL));
	json_object_set_new(ctx, "total", json_integer(res.total));
	json_object_set_new(ctx, "rows", rows_json(&res));
	json_object_set_new(ctx, "has_rows", json_boolean(res.nhits > 0));
	json_object_set_new(ctx, "facets", facets_json(req, &res));
	json_object_set_new(ctx, "columns", columns_json(req, &c));
	json_object_set_new(ctx, "page", json_integer(c.page));
	json_object_set_new(ctx, "pages", json_integer(pages));
	if (c.page > 1) {
		u = page_link(req, c.page - 1);
		json_object_set_new(ctx, "prev", json_string(u));
		free(u);
	}
	if (c.page < pages) {
		u = page_link(req, c.page + 1);
		json_object_set_new(ctx, "next", json_string(u));
		free(u);
	}
	u = cat_link(req, "/admin/search.csv", NULL, NULL, NULL, NULL);
	json_object_set_new(ctx, "csv", json_string(u));
	free(u);
	u = cat_link(req, "/admin/search.xlsx", NULL, NULL, NULL, NULL);
	json_object_set_new(ctx, "xlsx", json_string(u));
	free(u);
	json_object_set_new(ctx, "export_max", json_integer(EXPORT_ROWS));
	hd_results_release(&res);
	admin_page(s, req, resp, 200, "admin_search.html", ctx, &ad);
	return 0;
}

/* ------------------------------------------------------------ the API */

/* A JSON error {"error": why} with status, never stored. */
static void api_error(struct http_resp *resp, int status, const char *why)
{
	json_t *o = json_object();

	json_object_set_new(o, "error", json_string(why));
	http_json(resp, status, o);
	http_header(resp, "Cache-Control", "no-store");
}

/* GET /admin/api/search?…&limit=&offset= (any staff session): the
 * catalogue's search as "hongdang search --json" answers it (the same
 * object: site_search_json), the page's filters and order honoured;
 * limit 1-1000 (default 20), offset from 0.  A bad filter is a 400,
 * {"error": why}. */
int page_admin_api_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_results res;
	struct admin ad;
	struct cat c;
	long limit = 20, offset = 0;
	int rc;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (cat_read(req, &c) != 0 ||
	    int_param(req, "limit", 1, 1000, &limit) < 0 ||
	    int_param(req, "offset", 0, INT32_MAX, &offset) < 0) {
		api_error(resp, 400, c.why[0] ? c.why : "limit 或 offset "
			"不正确。");
		return 0;
	}
	c.q.limit = (int)limit;
	c.q.offset = http_param(req, "offset") != NULL ? (int)offset :
		c.q.offset;
	c.q.facets = 0;
	rc = cat_search(a, &c, &res);
	if (rc != 0) {
		api_error(resp, rc == -1 ? 400 : 500, rc == -1 ? c.why :
			"search failed");
		return 0;
	}
	http_json(resp, 200, site_search_json(c.q.q, &res));
	http_header(resp, "Cache-Control", "no-store");
	hd_results_release(&res);
	return 0;
}

/* ------------------------------------------------------ the downloads */

/* What a download does with each record (row from 1; the header is row
 * 0): 0 to go on. */
typedef int (*cat_row_fn)(void *ud, const struct hd_record *r, size_t row);

/* Call fn for every record the request's search finds, in its order,
 * each loaded whole as the archivist sees it.  0; 1 when there are more
 * than EXPORT_ROWS (*total says how many; nothing was called); -1 with
 * c->why for a filter the library refuses; -2 when the archive failed
 * or fn did. */
static int cat_each(struct hd_archive *a, struct cat *c, cat_row_fn fn,
	void *ud, int64_t *total)
{
	struct hd_results res;
	struct hd_record r;
	size_t row = 0, i;
	int rc = 0;

	c->q.limit = 1000;
	c->q.offset = 0;
	c->q.facets = 0;
	*total = 0;
	do {
		rc = cat_search(a, c, &res);
		if (rc != 0) {
			return rc;
		}
		*total = res.total;
		if (res.total > EXPORT_ROWS) {
			hd_results_release(&res);
			return 1;
		}
		for (i = 0; i < res.nhits && rc == 0; i++) {
			hd_record_init(&r);
			if (hd_record_get(a, HD_ARCHIVIST, res.hits[i].ref, &r,
			    NULL) != 0 || fn(ud, &r, ++row) != 0) {
				rc = -2;
			}
			hd_record_release(&r);
		}
		c->q.offset += (int)res.nhits;
		i = res.nhits;
		hd_results_release(&res);
	} while (rc == 0 && i > 0 && c->q.offset < *total);
	return rc;
}

/* The refusal of a download that cannot be made: a bad filter (400),
 * too many records (413, saying how many and the cap), or a failure
 * (500). */
static void export_refused(struct site *s, const struct http_req *req,
	struct http_resp *resp, const struct admin *ad, struct cat *c,
	int rc, int64_t total)
{
	char msg[300];

	if (rc == 1) {
		snprintf(msg, sizeof msg, "检索结果有 %lld 件，超过一次下载的"
			"上限 %d 件：请加筛选条件（如批次、年份、门类）分次下载。",
			(long long)total, EXPORT_ROWS);
		admin_message(s, req, resp, 413, msg, ad);
	} else if (rc == -1) {
		admin_message(s, req, resp, 400, c->why, ad);
	} else {
		admin_message(s, req, resp, 500, "目录暂时无法导出，请稍后"
			"再试。", ad);
	}
}

/* Make resp the catalogue's download of type, "档案目录-DAY.EXT". */
static void export_download(struct http_resp *resp, const struct admin *ad,
	const char *type, const char *ext)
{
	char *name = hd_xasprintf("档案目录-%s.%s", ad->today, ext);
	char *ascii = hd_xasprintf("catalogue-%s.%s", ad->today, ext);

	admin_download(resp, type, ascii, name);
	free(name);
	free(ascii);
}

/* cat_row_fn of the CSV download: the record's row appended to the
 * buffer ud. */
static int csv_row(void *ud, const struct hd_record *r, size_t row)
{
	(void)row;
	hd_sheet_csv_record(ud, r, NULL);
	return 0;
}

/* GET /admin/search.csv?… (any staff session): every record the search
 * finds (at most EXPORT_ROWS) as a catalogue sheet: UTF-8 with a BOM
 * (Excel reads the Chinese right), the sheet's own columns, CRLF; as an
 * attachment named in Chinese. */
int page_admin_search_csv(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;
	struct hd_buf b;
	struct cat c;
	int64_t total = 0;
	int rc;

	if (!cat_enter(s, a, req, resp, &ad, &c)) {
		return 0;
	}
	hd_buf_init(&b);
	hd_sheet_csv_header(&b);
	rc = cat_each(a, &c, csv_row, &b, &total);
	if (rc != 0) {
		hd_buf_release(&b);
		export_refused(s, req, resp, &ad, &c, rc, total);
		return 0;
	}
	hd_buf_release(&resp->body);
	resp->body = b;
	export_download(resp, &ad, "text/csv; charset=utf-8", "csv");
	return 0;
}

/* An .xlsx being written: the sheet and the header's format. */
struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *head;
};

/* Write the cells in row of the sheet (format f, or none). */
static int xlsx_cells(struct xlsx *x, size_t row, char *const *cells,
	lxw_format *f)
{
	size_t i;

	for (i = 0; i < HD_SHEET_COLUMNS; i++) {
		if (worksheet_write_string(x->ws, (lxw_row_t)row,
		    (lxw_col_t)i, cells[i], f) != LXW_NO_ERROR) {
			return -1;
		}
	}
	return 0;
}

/* cat_row_fn of the .xlsx download: the record's cells in its row. */
static int xlsx_row(void *ud, const struct hd_record *r, size_t row)
{
	char *cells[HD_SHEET_COLUMNS];
	int rc;

	hd_sheet_cells(r, NULL, cells);
	rc = xlsx_cells(ud, row, cells, NULL);
	hd_sheet_cells_release(cells);
	return rc;
}

/* GET /admin/search.xlsx?… (any staff session): what the CSV download
 * gives, as an Excel workbook (libxlsxwriter): one sheet "目录", its
 * header bold and frozen, every cell text as catalogued; written under
 * tmp/ and sent from there, never held in memory whole. */
int page_admin_search_xlsx(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE };
	struct admin ad;
	struct xlsx x;
	struct cat c;
	int64_t total = 0;
	char *path, *d;
	int rc;

	if (!cat_enter(s, a, req, resp, &ad, &c)) {
		return 0;
	}
	path = admin_tmp(a, "xlsx", "xlsx");
	d = hd_xasprintf("%s/tmp", hd_archive_dir(a));
	opt.tmpdir = d;
	x.wb = workbook_new_opt(path, &opt);
	rc = x.wb == NULL ? -2 : 0;
	if (rc == 0) {
		x.ws = workbook_add_worksheet(x.wb, "目录");
		x.head = workbook_add_format(x.wb);
		format_set_bold(x.head);
		worksheet_freeze_panes(x.ws, 1, 0);
		worksheet_set_column(x.ws, 0, 0, 36, NULL);
		worksheet_set_column(x.ws, 1, 1, 40, NULL);
		worksheet_set_column(x.ws, 2, HD_SHEET_COLUMNS - 1, 14, NULL);
		rc = xlsx_cells(&x, 0, (char *const *)hd_sheet_columns,
			x.head) == 0 ? 0 : -2;
	}
	if (rc == 0) {
		rc = cat_each(a, &c, xlsx_row, &x, &total);
	}
	if (x.wb != NULL && workbook_close(x.wb) != LXW_NO_ERROR &&
	    rc == 0) {
		rc = -2;
	}
	free(d);
	if (rc != 0) {
		unlink(path);
		free(path);
		export_refused(s, req, resp, &ad, &c, rc, total);
		return 0;
	}
	resp->file = path;              /* sent from the disk, then removed */
	resp->file_temp = 1;
	export_download(resp, &ad, "application/vnd.openxmlformats-"
		"officedocument.spreadsheetml.sheet", "xlsx");
	return 0;
}
