/*
 * stub_routes.c - TEMPORARY stand-ins so the server core builds and its
 * tests run before the real pieces land: a route table (GET "/", GET
 * "/api/ping", GET "/api/stats", POST "/api/echo"), site_page,
 * site_error and the template calls the server makes.
 *
 * Every definition is weak: the real routes.c, site.c and template.c
 * replace them at link time.  DELETE THIS FILE once those are in.
 */
#include "site.h"

#include <stdlib.h>
#include <string.h>

static int stub_home(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	hd_buf_puts(&resp->body, "<!doctype html><html lang=\"zh-CN\">"
		"<meta charset=\"utf-8\"><title>红档</title><h1>");
	hd_buf_html(&resp->body, s->name ? s->name : "", s->name ?
		strlen(s->name) : 0);
	hd_buf_puts(&resp->body, "</h1><p>展示服务运行中。</p></html>");
	resp->type = "text/html; charset=utf-8";
	return 0;
}

static int stub_ping(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *o = json_object();

	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "name", json_string(hd_archive_name(a)));
	json_object_set_new(o, "kiosk", json_boolean(req->kiosk));
	http_json(resp, 200, o);
	return 0;
}

static int stub_stats(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_stats st;
	struct hd_error e;
	json_t *o;

	hd_err_clear(&e);
	if (hd_stats_get(a, HD_PUBLIC, &st, &e) != 0) {
		resp->status = hd_http_status(e.code);
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "records", json_integer(st.records));
	http_json(resp, 200, o);
	return 0;
}

static int stub_echo(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < req->nparams; i++) {
		json_object_set_new(o, req->params[i].name,
			json_string(req->params[i].value));
	}
	http_json(resp, 200, o);
	return 0;
}

__attribute__((weak)) const struct route routes[] = {
	{"GET", "/", stub_home},
	{"GET", "/api/ping", stub_ping},
	{"GET", "/api/stats", stub_stats},
	{"POST", "/api/echo", stub_echo},
	{NULL, NULL, NULL},
};

__attribute__((weak)) void site_page(struct site *s,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *name, json_t *ctx)
{
	json_decref(ctx);
	resp->status = status;
	resp->type = "text/html; charset=utf-8";
	hd_buf_printf(&resp->body, "<!doctype html><p>%s</p>", name);
}

__attribute__((weak)) void site_error(struct site *s,
	const struct http_req *req, struct http_resp *resp, int status)
{
	hd_buf_release(&resp->body);
	hd_buf_printf(&resp->body, "<!doctype html><html lang=\"zh-CN\">"
		"<meta charset=\"utf-8\"><title>%d</title><h1>%s</h1>"
		"<p><a href=\"/\">返回首页</a></p></html>", status,
		status == 404 ? "找不到这一页" : "请求有误");
	resp->type = "text/html; charset=utf-8";
	resp->status = status;
}

__attribute__((weak)) int tmpl_open(struct tmpl_set **out,
	const char *const *dirs, size_t ndirs, struct hd_error *e)
{
	*out = NULL;
	return 0;
}

__attribute__((weak)) void tmpl_close(struct tmpl_set *ts)
{
}

__attribute__((weak)) int tmpl_refresh(struct tmpl_set *ts, int force,
	struct hd_error *e)
{
	return 0;
}
