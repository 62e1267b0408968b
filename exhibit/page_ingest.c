/*
 * page_ingest.c - the desk's pages for ingest by upload (导入):
 *
 *   GET  /admin/ingest              the form: files, a folder, archives or
 *                                   a bag, a sheet, the batch options; the
 *                                   caps and the free disk
 *   POST /admin/ingest              multipart (csrf first, then files,
 *                                   sheet, category, access, retention,
 *                                   class, ocr, ocr_lang, manifest; see
 *                                   upload.c): 303 to /admin/batches/ID
 *   GET  /admin/batches             recent batches (.json: as JSON)
 *   GET  /admin/batches/ID          a batch's page: progress, preview,
 *                                   report, what it waits for
 *   GET  /admin/batches/ID.json     {id, state, files_total, files_done,
 *                                   bytes_total, bytes_done, records,
 *                                   rejected [{path, reason}], warnings
 *                                   [{path, message}], ...} (desk.c)
 *   GET  /admin/batches/ID/report   the printable quality-check sheet
 *   POST /admin/batches/ID/files    multipart, as /admin/ingest: more
 *                                   files, or the rest of one (offset)
 *   POST /admin/batches/ID/confirm  the preview is right: into the queue
 *   POST /admin/batches/ID/cancel   no: the upload is removed
 *   POST /admin/batches/ID/rerun    a failed batch runs again
 *
 * Every page takes the edit permission (archivists and admins; a
 * reviewer gets 403) and every POST the session's form token: a urlencoded
 * form's through admin_enter, a streamed one's as its first field
 * (upload.c).  Pages never cache.
 */
#include "desk.h"
#include "site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCHES_SHOWN 100       /* rows of /admin/batches */
#define FILES_SHOWN 500         /* received files listed on a page */

/* Category codes offered by the form (archive/codes.c names them). */
static const char *const categories[] = {
	"WS", "ZP", "RS", "SW", "LY", "LX", "KJ", "JJ", "DZ",
};
static const char *const accesses[] = {"internal", "public", "restricted"};
static const char *const retentions[] = {"Y", "D30", "D10"};
static const char *const classes[] = {"DJ", "SQ", "GZ", "DS", "YS"};
/* OCR languages offered, and how the form names them. */
static const struct {
	const char *code;
	const char *name;
} langs[] = {
	{"chi_sim", "简体中文"}, {"chi_tra", "繁体中文"}, {"eng", "英文"},
	{"chi_sim+eng", "简体中文和英文"},
};

/* A size for people: "512 字节", "3.4 MB", "1.2 GB". */
static json_t *size_text(json_int_t n)
{
	char b[32];

	if (n < 0) {
		return json_string("不详");
	}
	if (n < 1000000) {
		snprintf(b, sizeof b, n < 1000 ? "%.0f 字节" : "%.1f KB",
			n < 1000 ? (double)n : (double)n / 1e3);
	} else if (n < 1000000000) {
		snprintf(b, sizeof b, "%.1f MB", (double)n / 1e6);
	} else {
		snprintf(b, sizeof b, "%.1f GB", (double)n / 1e9);
	}
	return json_string(b);
}

/* The integer at key of o as size_text. */
static json_t *size_of(const json_t *o, const char *key)
{
	return size_text(json_integer_value(json_object_get(o, key)));
}

/* The China time of the ISO time at key of o. */
static json_t *time_of(const json_t *o, const char *key)
{
	char t[20];

	admin_china_time(json_string_value(json_object_get(o, key)), t);
	return json_string(t);
}

/* The account of an agent "web:NAME": NAME. */
static const char *account_of(const char *agent)
{
	return agent && strncmp(agent, "web:", 4) == 0 ? agent + 4 :
		agent ? agent : "";
}

/* The ID of a path /admin/batches/ID[SUFFIX] into id (DESK_ID_MAX at
 * most, 32 bytes of room) and what follows it into *rest ("", ".json",
 * "/report", "/files", ...).  0, or -1 when there is no ID. */
static int batch_path(const char *path, char id[32], const char **rest)
{
	const char *p = path + strlen("/admin/batches/");
	size_t n = strcspn(p, "./");

	if (n == 0 || n >= 32) {
		return -1;
	}
	memcpy(id, p, n);
	id[n] = '\0';
	*rest = p + n;
	return 0;
}

/* A message page with a link (may be NULL) under it. */
static void message(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *text,
	const struct admin *ad, const char *link, const char *link_text)
{
	json_t *ctx = json_object();

	json_object_set_new(ctx, "title", json_string(status == 403 ?
		"没有权限" : status == 404 ? "找不到" : status == 413 ?
		"超过上限" : status == 507 ? "磁盘空间不足" : "无法完成"));
	json_object_set_new(ctx, "status", json_integer(status));
	json_object_set_new(ctx, "text", json_string(text));
	if (link != NULL) {
		json_object_set_new(ctx, "link", json_string(link));
		json_object_set_new(ctx, "link_text", json_string(link_text));
	}
	admin_page(s, req, resp, status, "admin_message.html", ctx,
		ad != NULL && ad->s.user[0] ? ad : NULL);
}

/* --------------------------------------------------------- the form */

/* The OCR language options, chi_sim first. */
static json_t *lang_options(void)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof langs / sizeof langs[0]; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "value", json_string(langs[i].code));
		json_object_set_new(o, "label", json_string(langs[i].name));
		json_object_set_new(o, "selected", json_boolean(i == 0));
		json_array_append_new(a, o);
	}
	return a;
}

/* GET /admin/ingest: the upload form with the caps and the free disk,
 * and the batches under way. */
int page_admin_ingest(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *ctx, *lim, *list, *active, *v;
	struct admin ad;
	const char *st;
	size_t i;

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	ctx = json_object();
	lim = desk_limits_json(s->desk);
	json_object_set_new(ctx, "title", json_string("导入"));
	json_object_set_new(ctx, "upload_max", size_of(lim, "upload_max"));
	/* a file uploaded as it is meets the batch's cap first; one
	 * unpacked from an archive the pipeline's */
	json_object_set_new(ctx, "max_file", size_text(json_integer_value(
		json_object_get(lim, "max_entry")) < json_integer_value(
		json_object_get(lim, "upload_max")) ? json_integer_value(
		json_object_get(lim, "max_entry")) : json_integer_value(
		json_object_get(lim, "upload_max"))));
	json_object_set_new(ctx, "max_entry", size_of(lim, "max_entry"));
	json_object_set_new(ctx, "max_total", size_of(lim, "max_total"));
	json_object_set_new(ctx, "free", size_of(lim, "free"));
	json_object_set_new(ctx, "max_entries", json_integer(
		json_integer_value(json_object_get(lim, "max_entries"))));
	json_object_set_new(ctx, "max_ratio", json_integer((json_int_t)
		json_real_value(json_object_get(lim, "max_ratio"))));
	json_object_set_new(ctx, "limits", lim);
	json_object_set_new(ctx, "categories", admin_options(categories,
		sizeof categories / sizeof categories[0], hd_category_name,
		NULL));
	json_object_set_new(ctx, "accesses", admin_options(accesses,
		sizeof accesses / sizeof accesses[0], hd_access_name,
		"internal"));
	json_object_set_new(ctx, "retentions", admin_options(retentions,
		sizeof retentions / sizeof retentions[0], hd_retention_name,
		"Y"));
	json_object_set_new(ctx, "classes", admin_options(classes,
		sizeof classes / sizeof classes[0], hd_class_name, NULL));
	json_object_set_new(ctx, "langs", lang_options());
	list = desk_list_json(s->desk, BATCHES_SHOWN);
	active = json_array();
	json_array_foreach(list, i, v) {
		st = json_string_value(json_object_get(v, "state"));
		if (strcmp(st, "done") != 0 && strcmp(st, "cancelled") != 0) {
			json_array_append(active, v);
		}
	}
	json_decref(list);
	json_object_set_new(ctx, "active", active);
	admin_page(s, req, resp, 200, "admin_ingest.html", ctx, &ad);
	return 0;
}

/* The answer to a streamed upload once its body has arrived: 303 to its
 * batch's page, or the page saying why not (with a link to the batch
 * when it is kept).  The session gives the page's frame only: an upload
 * longer than the session's idle time still ends on its batch. */
static int upload_answer(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *id, *msg;
	struct http_resp scratch;
	struct admin ad;
	char *url;
	int st, have;

	st = upload_result(req->upload, &id, &msg);
	url = *id ? hd_xasprintf("/admin/batches/%s", id) : NULL;
	if (st == 0) {
		admin_redirect(resp, url);
		free(url);
		return 0;
	}
	http_resp_init(&scratch);
	have = admin_enter_stream(s, a, req, &scratch, HD_PERM_EDIT, &ad);
	http_resp_release(&scratch);
	if (url != NULL) {
		/* the batch may be gone: a link only to one that is kept */
		json_t *b = desk_batch_json(s->desk, id, 0);

		if (b == NULL) {
			free(url);
			url = NULL;
		}
		json_decref(b);
	}
	message(s, req, resp, st, msg, have ? &ad : NULL, url ? url :
		"/admin/ingest", url ? "查看这个批次" : "回到导入页面");
	free(url);
	return 0;
}

/* See page_open_fn: POST /admin/ingest, once its headers are in.  A
 * reviewer gets 403, an upload over the cap 413, one the disk cannot
 * hold 507, before any of it is read. */
int page_admin_ingest_open(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	struct http_sink *sink)
{
	struct admin ad;
	char msg[512];
	int st;

	if (!admin_enter_stream(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	st = upload_open(s->desk, NULL, &ad, req->content_length, sink, msg,
		sizeof msg);
	if (st != 0) {
		message(s, req, resp, st, msg, &ad, "/admin/ingest",
			"回到导入页面");
		return 0;
	}
	return 1;
}

/* POST /admin/ingest: a multipart upload has arrived (upload_answer);
 * any other body is refused (415) after the form token is checked. */
int page_admin_ingest_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;

	if (req->upload != NULL) {
		return upload_answer(s, a, req, resp);
	}
	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	message(s, req, resp, 415, "请用导入页面的表单上传文件"
		"（multipart/form-data）。", &ad, "/admin/ingest",
		"回到导入页面");
	return 0;
}

/* ------------------------------------------------------ the batches */

/* The list entry b for the page: its times, sizes and people shown. */
static void list_row(json_t *b)
{
	json_object_set_new(b, "url", json_pack("s+", "/admin/batches/",
		json_string_value(json_object_get(b, "id"))));
	json_object_set_new(b, "created_text", time_of(b, "created"));
	json_object_set_new(b, "updated_text", time_of(b, "updated"));
	json_object_set_new(b, "bytes_text", size_of(b, "bytes_total"));
	json_object_set_new(b, "owner_name", json_string(account_of(
		json_string_value(json_object_get(b, "owner")))));
}

/* GET /admin/batches (and .json): the most recent batches. */
int page_admin_batches(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	json_t *list, *ctx, *v;
	struct admin ad;
	size_t i;

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	list = desk_list_json(s->desk, BATCHES_SHOWN);
	if (strcmp(req->path, "/admin/batches.json") == 0) {
		http_json(resp, 200, json_pack("{s:o}", "batches", list));
		http_header(resp, "Cache-Control", "no-store");
		return 0;
	}
	json_array_foreach(list, i, v) {
		list_row(v);
	}
	ctx = json_object();
	json_object_set_new(ctx, "title", json_string("导入批次"));
	json_object_set_new(ctx, "has_batches", json_boolean(
		json_array_size(list) > 0));
	json_object_set_new(ctx, "batches", list);
	admin_page(s, req, resp, 200, "admin_batches.html", ctx, &ad);
	return 0;
}

/* The preview's (or report's) records for the page: their codes'
 * names, their files as one line, a link once stored. */
static void records_rows(json_t *recs, int stored)
{
	json_t *r, *f;
	struct hd_buf files;
	const char *cat, *acc;
	size_t i, k;

	json_array_foreach(recs, i, r) {
		cat = json_string_value(json_object_get(r, "category"));
		acc = json_string_value(json_object_get(r, "access"));
		json_object_set_new(r, "category_name", json_string(
			admin_or_code(hd_category_name(cat), cat)));
		json_object_set_new(r, "access_name", json_string(
			admin_or_code(hd_access_name(acc), acc)));
		json_object_set_new(r, "restricted", json_boolean(acc &&
			strcmp(acc, "restricted") == 0));
		hd_buf_init(&files);
		json_array_foreach(json_object_get(r, "files"), k, f) {
			hd_buf_printf(&files, "%s%s", k ? "、" : "",
				json_string_value(f));
		}
		json_object_set_new(r, "files_text", json_string(files.p ?
			files.p : ""));
		hd_buf_release(&files);
		if (stored) {
			char *u = admin_record_url(json_string_value(
				json_object_get(r, "ref")));

			json_object_set_new(r, "url", json_string(u));
			free(u);
		}
	}
}

/* The flags and counts of a run's result (res) that its page shows:
 * has_X and X_count of its records, duplicates, refusals and warnings,
 * the records' caption (stored: the batch is done), and the quality
 * checks of its files (has_checks, checks_count, checks_more). */
static void result_ctx(json_t *res, int stored)
{
	static const char *const lists[] = {
		"records", "duplicates", "rejected", "warnings",
	};
	json_t *files;
	char key[32];
	size_t i, n;

	for (i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		n = json_array_size(json_object_get(res, lists[i]));
		snprintf(key, sizeof key, "has_%s", lists[i]);
		json_object_set_new(res, key, json_boolean(n > 0));
		snprintf(key, sizeof key, "%s_count", lists[i]);
		json_object_set_new(res, key, json_integer((json_int_t)n));
	}
	json_object_set_new(res, "records_caption", json_string(stored ?
		"已入库的档案" : "将要生成的档案"));
	records_rows(json_object_get(res, "records"), stored);
	/* the quality checks of the files: the first FILES_SHOWN on the
	 * page, all of them on the printable sheet */
	files = json_object_get(json_object_get(res, "report"), "files");
	n = json_array_size(files);
	json_object_set_new(res, "has_checks", json_boolean(n > 0));
	json_object_set_new(res, "checks_count", json_integer((json_int_t)n));
	json_object_set_new(res, "checks_more", json_boolean(
		n > FILES_SHOWN));
	while (json_array_size(files) > FILES_SHOWN) {
		json_array_remove(files, FILES_SHOWN);
	}
}

/* The batch's page from its JSON (desk_batch_json, full): flags for the
 * state, what may be done, sizes and times for people. */
static json_t *batch_ctx(json_t *b)
{
	const char *st = json_string_value(json_object_get(b, "state"));
	json_t *res = json_object_get(b, "result"), *files, *f;
	char key[32];
	size_t i;

	json_object_set_new(b, "title", json_pack("s+", "批次 ",
		json_string_value(json_object_get(b, "id"))));
	snprintf(key, sizeof key, "is_%s", st);
	json_object_set_new(b, key, json_true());
	json_object_set_new(b, "active", json_boolean(
		strcmp(st, "receiving") == 0 || strcmp(st, "checking") == 0 ||
		strcmp(st, "queued") == 0 || strcmp(st, "ingesting") == 0));
	json_object_set_new(b, "can_cancel", json_boolean(
		strcmp(st, "done") != 0 && strcmp(st, "cancelled") != 0));
	json_object_set_new(b, "has_report", json_boolean(res != NULL &&
		json_object_get(res, "report") != NULL));
	json_object_set_new(b, "created_text", time_of(b, "created"));
	json_object_set_new(b, "updated_text", time_of(b, "updated"));
	json_object_set_new(b, "bytes_text", size_of(b, "bytes_total"));
	json_object_set_new(b, "owner_name", json_string(account_of(
		json_string_value(json_object_get(b, "owner")))));
	json_object_set_new(b, "runner_name", json_string(account_of(
		json_string_value(json_object_get(b, "runner")))));
	files = json_object_get(b, "files");
	json_array_foreach(files, i, f) {
		json_object_set_new(f, "bytes_text", size_of(f, "bytes"));
	}
	while (json_array_size(files) > FILES_SHOWN) {
		json_array_remove(files, FILES_SHOWN);
	}
	json_array_foreach(json_object_get(b, "missing"), i, f) {
		json_object_set_new(f, "size_text", size_of(f, "size"));
	}
	json_object_set_new(b, "has_files", json_boolean(
		json_array_size(files) > 0));
	json_object_set_new(b, "has_missing", json_boolean(
		json_array_size(json_object_get(b, "missing")) > 0));
	if (res != NULL) {
		result_ctx(res, strcmp(st, "done") == 0);
	}
	return b;
}

/* The quality-check sheet of the batch id (templates/print/report.html)
 * as a document of its own: 404 when the batch has no run yet.  Its
 * inline style is allowed by its own Content-Security-Policy, which
 * allows no script. */
static void report_page(struct site *s, const struct http_req *req,
	struct http_resp *resp, const char *id)
{
	json_t *r = desk_report_json(s->desk, id);
	struct hd_error e;

	if (r == NULL) {
		site_error(s, req, resp, 404);
		return;
	}
	hd_err_clear(&e);
	hd_buf_release(&resp->body);
	if (tmpl_render(s->tmpl, "print/report.html", r, &resp->body,
	    &e) != 0) {
		hd_buf_release(&resp->body);
		hd_buf_printf(&resp->body, "模板错误：%s\n", e.msg);
		resp->status = 500;
		resp->type = "text/plain; charset=utf-8";
	} else {
		resp->status = 200;
		resp->type = "text/html; charset=utf-8";
		http_header(resp, "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; "
			"img-src 'self' data:; base-uri 'none'; "
			"form-action 'none'; frame-ancestors 'none'");
	}
	http_header(resp, "Cache-Control", "no-store");
	json_decref(r);
}

/* GET /admin/batches/ID, ID.json, ID/report. */
int page_admin_batch(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;
	const char *rest;
	char id[32];
	json_t *b;

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	if (batch_path(req->path, id, &rest) != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	if (strcmp(rest, "/report") == 0) {
		report_page(s, req, resp, id);
		return 0;
	}
	if (strcmp(rest, ".json") == 0) {
		b = desk_batch_json(s->desk, id, 0);
		if (b == NULL) {
			http_json(resp, 404, json_pack("{s:s,s:i}", "error",
				"no such batch", "status", 404));
		} else {
			http_json(resp, 200, b);
		}
		http_header(resp, "Cache-Control", "no-store");
		return 0;
	}
	b = rest[0] == '\0' ? desk_batch_json(s->desk, id, 1) : NULL;
	if (b == NULL) {
		message(s, req, resp, 404, "没有这个批次：可能已经取消并清理。",
			&ad, "/admin/batches", "查看所有批次");
		return 0;
	}
	admin_page(s, req, resp, 200, "admin_batch.html", batch_ctx(b), &ad);
	return 0;
}

/* See page_open_fn: POST /admin/batches/ID/files, once its headers are
 * in (another path under /admin/batches/ takes no multipart body:
 * 415). */
int page_admin_batch_open(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	struct http_sink *sink)
{
	struct admin ad;
	const char *rest;
	char id[32], msg[512], *url;
	int st;

	if (!admin_enter_stream(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	if (batch_path(req->path, id, &rest) != 0 ||
	    strcmp(rest, "/files") != 0) {
		message(s, req, resp, 415, "这里不接受上传的文件。", &ad, NULL,
			NULL);
		return 0;
	}
	st = upload_open(s->desk, id, &ad, req->content_length, sink, msg,
		sizeof msg);
	if (st != 0) {
		url = hd_xasprintf("/admin/batches/%s", id);
		message(s, req, resp, st, msg, &ad, url, "查看这个批次");
		free(url);
		return 0;
	}
	return 1;
}

/* POST /admin/batches/ID/ACTION: files (a streamed upload, else 415),
 * confirm, cancel, rerun; each then 303 back to the batch, or a page
 * saying why not. */
int page_admin_batch_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;
	const char *rest;
	char id[32], msg[256], *url;
	int st;

	if (req->upload != NULL) {
		return upload_answer(s, a, req, resp);
	}
	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	if (batch_path(req->path, id, &rest) != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	msg[0] = '\0';
	if (strcmp(rest, "/confirm") == 0) {
		st = desk_confirm(s->desk, id, ad.s.agent, msg, sizeof msg);
	} else if (strcmp(rest, "/cancel") == 0) {
		st = desk_cancel(s->desk, id, ad.s.agent, msg, sizeof msg);
	} else if (strcmp(rest, "/rerun") == 0) {
		st = desk_rerun(s->desk, id, ad.s.agent, msg, sizeof msg);
	} else if (strcmp(rest, "/files") == 0) {
		st = 415;
		snprintf(msg, sizeof msg, "请用批次页面的表单上传文件"
			"（multipart/form-data）。");
	} else {
		site_error(s, req, resp, 404);
		return 0;
	}
	url = hd_xasprintf("/admin/batches/%s", id);
	if (st == 0) {
		admin_redirect(resp, url);
	} else {
		message(s, req, resp, st, msg, &ad, st == 404 ?
			"/admin/batches" : url, st == 404 ? "查看所有批次" :
			"回到这个批次");
	}
	free(url);
	return 0;
}
