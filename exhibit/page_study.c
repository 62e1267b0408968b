/*
 * page_study.c - the study list (我的研学清单): the page a class fills
 * with records while visiting, kept in the browser only.
 */
#include "pages.h"

/* GET /study: the frame of the study list; the list itself lives in
 * the visitor's browser (localStorage, static/hongdang.js), so none of
 * it reaches the server. */
int page_study(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *ctx = json_object();

	json_object_set_new(ctx, "title", json_string("我的研学清单"));
	site_page(s, req, resp, 200, "study.html", ctx);
	return 0;
}
