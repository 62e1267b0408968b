/*
 * page_admin_consult.c - consultation (查阅 / 借阅) on the admin pages:
 * requests, their approval or refusal, usage statistics, and the pages
 * that show consulted content to the account an approval names.
 *
 * Guarantees: content under /admin/consult/{view,print,copy}/REF/N is
 * sent only after hd_consult_allowed says this account may use this
 * record for this kind today, and only after the use is logged (a row
 * and an event "consult" naming the account, the record and the file);
 * when the log cannot be written nothing is shown.  A page of consulted
 * content is never cached (no-store), and an image is sent inside the
 * page (a data: URL) so that no second, unlogged URL serves it.  An
 * original is only ever sent as a download (Content-Disposition:
 * attachment, application/octet-stream), never rendered by the browser
 * on this origin.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define IMAGE_MAX (16u << 20)   /* bytes of a screen copy sent inline */
#define TEXT_MAX (1u << 20)     /* bytes of a text file shown */

/* The purposes a request may give (hd_purpose_name names them). */
static const char *const purposes[] = {"research", "work", "history",
	"personal", "education", "other"};

/* "view,print" as the page says it: "查看、打印". */
static json_t *kinds_zh(const char *kinds)
{
	char out[64] = "", code[16];
	const char *p = kinds, *name;
	size_t n;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, ",");
		snprintf(code, sizeof code, "%.*s", (int)n, p);
		name = hd_consult_kind_name(code);
		if (name != NULL && strlen(out) + strlen(name) + 4 <
		    sizeof out) {
			if (out[0] != '\0') {
				strcat(out, "、");
			}
			strcat(out, name);
		}
		p += n + (p[n] == ',');
	}
	return json_string(out[0] != '\0' ? out : (kinds ? kinds : ""));
}

/* --------------------------------------------------------- the list */

/* A consultation request for admin_consult.html: who asked, for what
 * purpose, which records (with their admin URLs), the kinds asked and
 * granted in Chinese, when (China time) and how it was decided.
 * Returns a new object. */
static json_t *request_json(const struct hd_consult *c)
{
	json_t *refs = json_array();
	char when[20], *u;
	size_t k;

	for (k = 0; k < c->nrefs; k++) {
		u = admin_record_url(c->refs[k]);
		json_array_append_new(refs, json_pack("{s:s, s:s}",
			"ref", c->refs[k], "url", u));
		free(u);
	}
	admin_china_time(c->created, when);
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:i, s:s, s:b, "
		"s:b, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"id", (json_int_t)c->id, "person", c->person, "org", c->org,
		"purpose", admin_or_code(hd_purpose_name(c->purpose),
		c->purpose), "note", admin_str(c->note),
		"kinds", kinds_zh(c->kinds), "days", c->days,
		"status", c->status,
		"pending", strcmp(c->status, "pending") == 0,
		"approved", strcmp(c->status, "approved") == 0,
		"created", when, "requester", c->requester,
		"account", admin_str(c->account),
		"granted", kinds_zh(c->granted), "from", admin_str(c->from),
		"until", admin_str(c->until),
		"decided_by", admin_str(c->decided_by),
		"reason", admin_str(c->reason), "refs", refs);
}

/* Rows of the usage statistics, each {key, requests, items, uses}; the
 * key shown by name (a code's display name, the code when it has none)
 * unless name is NULL.  Returns a new array. */
static json_t *rows_json(const struct hd_use_row *v, size_t n,
	const char *(*name)(const char *))
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "key", json_string(name ?
			admin_or_code(name(v[i].key), v[i].key) : v[i].key));
		json_object_set_new(o, "requests", json_integer(v[i].requests));
		json_object_set_new(o, "items", json_integer(v[i].items));
		json_object_set_new(o, "uses", json_integer(v[i].uses));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Active accounts other than this one: who an approval may name. */
static json_t *account_options(struct hd_archive *a, const struct admin *ad)
{
	struct hd_user *v = NULL;
	json_t *arr = json_array();
	size_t n = 0, i;

	if (hd_user_list(a, &v, &n, NULL) != 0) {
		return arr;
	}
	for (i = 0; i < n; i++) {
		json_t *o;

		if (v[i].disabled || strcmp(v[i].name, ad->s.user) == 0) {
			continue;
		}
		o = json_object();
		json_object_set_new(o, "value", json_string(v[i].name));
		json_object_set_new(o, "label", json_string(v[i].name));
		json_array_append_new(arr, o);
	}
	free(v);
	return arr;
}

/* The consultation page into resp with status: requests pending and
 * decided, the windows open to this account today, the form's options,
 * usage statistics; after an error the form's fields as sent with the
 * error, done: a confirmation. */
static void consult_page(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *error, const char *done, const struct admin *ad)
{
	struct hd_consult *v = NULL;
	struct hd_use_stats st;
	json_t *ctx = json_object(), *pend = json_array(), *rest = json_array();
	json_t *mine = json_array();
	size_t n = 0, i;

	if (hd_consult_list(a, NULL, NULL, &v, &n, NULL) != 0) {
		n = 0;
	}
	for (i = 0; i < n; i++) {
		json_t *o = request_json(&v[i]);

		if (v[i].account != NULL &&
		    strcmp(v[i].account, ad->s.user) == 0 &&
		    strcmp(v[i].until, ad->today) >= 0) {
			json_array_append(mine, o);
		}
		json_array_append_new(strcmp(v[i].status, "pending") == 0 ?
			pend : rest, o);
	}
	hd_consults_free(v, n);
	json_object_set_new(ctx, "title", json_string("查阅利用"));
	json_object_set_new(ctx, "has_pending", json_boolean(
		json_array_size(pend) > 0));
	json_object_set_new(ctx, "pending", pend);
	json_object_set_new(ctx, "decided", rest);
	json_object_set_new(ctx, "has_mine", json_boolean(
		json_array_size(mine) > 0));
	json_object_set_new(ctx, "mine", mine);
	json_object_set_new(ctx, "today", json_string(ad->today));
	json_object_set_new(ctx, "purposes", admin_options(purposes,
		sizeof purposes / sizeof purposes[0], hd_purpose_name, NULL));
	json_object_set_new(ctx, "accounts", account_options(a, ad));
	if (hd_consult_stats(a, &st, NULL) == 0) {
		json_object_set_new(ctx, "by_month", rows_json(st.month,
			st.nmonth, NULL));
		json_object_set_new(ctx, "by_category", rows_json(st.category,
			st.ncategory, hd_category_name));
		json_object_set_new(ctx, "by_purpose", rows_json(st.purpose,
			st.npurpose, hd_purpose_name));
		hd_use_stats_release(&st);
	}
	if (error != NULL) {
		static const char *const keep[] = {"person", "org", "note",
			"refs", "days"};

		json_object_set_new(ctx, "error", json_string(error));
		for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
			if (http_param(req, keep[i]) != NULL) {
				json_object_set_new(ctx, keep[i], json_string(
					http_param(req, keep[i])));
			}
		}
	}
	if (done != NULL) {
		json_object_set_new(ctx, "done", json_string(done));
	}
	admin_page(s, req, resp, status, "admin_consult.html", ctx, ad);
}

/* GET /admin/consult (any staff session): the consultation page, with
 * the confirmation ?done=request|approve|refuse names; any other path
 * under it that no route takes is a 404 message. */
int page_admin_consult(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	static const struct {
		const char *code, *text;
	} dones[] = {
		{"request", "查阅申请已登记，等待审核人批准。"},
		{"approve", "已批准。"}, {"refuse", "已拒绝。"},
	};
	const char *done = http_param(req, "done"), *text = NULL;
	struct admin ad;
	size_t i;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (strcmp(req->path, "/admin/consult") != 0) {
		admin_message(s, req, resp, 404, "没有这个管理页面。", &ad);
		return 0;
	}
	for (i = 0; done != NULL && i < sizeof dones / sizeof dones[0];
	    i++) {
		if (strcmp(done, dones[i].code) == 0) {
			text = dones[i].text;
		}
	}
	consult_page(s, a, req, resp, 200, NULL, text, &ad);
	return 0;
}

/* The kinds ticked in a form (kind_view, kind_print, kind_copy) as
 * "view,print", or NULL when none is. */
static char *ticked_kinds(const struct http_req *req)
{
	static const char *const kinds[] = {"view", "print", "copy"};
	struct hd_buf b;
	char name[16];
	size_t i;

	hd_buf_init(&b);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "kind_%s", kinds[i]);
		if (http_param(req, name) != NULL) {
			hd_buf_printf(&b, "%s%s", b.len ? "," : "", kinds[i]);
		}
	}
	if (b.len == 0) {
		hd_buf_release(&b);
		return NULL;
	}
	return hd_buf_detach(&b);
}

/* Reference codes typed one a line (or separated by spaces, commas or
 * 、) into *v (caller frees with hd_strv_free). */
static void split_refs(const char *s, char ***v, size_t *n)
{
	char *copy = hd_xstrdup(s ? s : ""), *p, *tok, *save = NULL;

	*v = NULL;
	*n = 0;
	for (p = copy; *p; p++) {
		if (strncmp(p, "\xE3\x80\x81", 3) == 0 ||
		    strncmp(p, "\xEF\xBC\x8C", 3) == 0) {
			memcpy(p, "   ", 3);
		}
	}
	for (tok = strtok_r(copy, " ,;\r\n\t", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,;\r\n\t", &save)) {
		hd_strv_add(v, n, tok);
	}
	free(copy);
}

/* POST /admin/consult, action request (HD_PERM_CONSULT_ASK), approve or
 * refuse (HD_PERM_CONSULT_DECIDE): the library checks and records it;
 * 303 to the page with ?done=ACTION, or the page again with why not
 * (403 denied, 422 invalid, 500 the database). */
int page_admin_consult_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *action = http_param(req, "action");
	struct hd_consult_ask q;
	struct hd_error e;
	struct admin ad;
	char **refs = NULL, *kinds = NULL, msg[256];
	size_t nrefs = 0;
	int64_t id = 0;
	int rc;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (action == NULL || (strcmp(action, "request") != 0 &&
	    strcmp(action, "approve") != 0 && strcmp(action, "refuse") != 0)) {
		admin_message(s, req, resp, 400, "未知操作。", &ad);
		return 0;
	}
	if (!admin_can(&ad, strcmp(action, "request") == 0 ?
	    HD_PERM_CONSULT_ASK : HD_PERM_CONSULT_DECIDE)) {
		admin_denied(s, req, resp, &ad);
		return 0;
	}
	hd_err_clear(&e);
	kinds = ticked_kinds(req);
	if (strcmp(action, "request") == 0) {
		memset(&q, 0, sizeof q);
		split_refs(http_param(req, "refs"), &refs, &nrefs);
		q.person = http_param(req, "person");
		q.org = http_param(req, "org");
		q.purpose = http_param(req, "purpose");
		q.note = http_param(req, "note");
		q.kinds = kinds;
		q.days = page_int(req, "days", 1, 90, 0);
		q.refs = (const char *const *)refs;
		q.nrefs = nrefs;
		rc = hd_consult_request(a, &q, &ad.agent, &id, &e);
		hd_strv_free(refs, nrefs);
	} else {
		id = page_int(req, "id", 1, 2000000000, 0);
		if (strcmp(action, "approve") == 0) {
			const char *from = http_param(req, "from");

			rc = hd_consult_approve(a, id, http_param(req,
				"account"), kinds, from && *from ? from : NULL,
				page_int(req, "days", 1, 90, 0), ad.today,
				&ad.agent, &e);
		} else {
			rc = hd_consult_refuse(a, id, http_param(req,
				"reason"), &ad.agent, &e);
		}
	}
	free(kinds);
	if (rc != 0) {
		consult_page(s, a, req, resp, rc == HD_EDB || rc == HD_EBUSY ?
			500 : rc == HD_EDENIED ? 403 : 422, e.msg, NULL, &ad);
		return 0;
	}
	snprintf(msg, sizeof msg, "/admin/consult?done=%s", action);
	admin_redirect(resp, msg);
	return 0;
}

/* ------------------------------------------------------- the content */

/* An <img> with the bytes of a JPEG file inline; NULL when it cannot be
 * read.  Caller frees. */
static char *inline_image(const char *path)
{
	unsigned char *raw = NULL;
	size_t n = 0, len;
	int more = 0;
	char *b64, *html;

	if (hd_read_file(path, IMAGE_MAX, &raw, &n, &more) != 0 || more ||
	    n == 0) {
		free(raw);
		return NULL;
	}
	len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	b64 = hd_xmalloc(len);
	sodium_bin2base64(b64, len, raw, n, sodium_base64_VARIANT_ORIGINAL);
	free(raw);
	html = hd_xasprintf("<img class=\"consult-img\" alt=\"\" "
		"src=\"data:image/jpeg;base64,%s\">", b64);
	free(b64);
	return html;
}

/* The text of a text file, as UTF-8 (caller frees), or NULL. */
static char *file_text(struct hd_archive *a, const struct hd_file *f)
{
	unsigned char *raw;
	size_t n = 0;
	int more = 0;
	char *t = NULL;

	raw = page_object_bytes(a, f->sha256, TEXT_MAX, &n, &more);
	if (raw != NULL) {
		t = hd_text_to_utf8((const char *)raw, n);
	}
	free(raw);
	return t;
}

/* The text of the pages of file seq of r (a PDF's text layer, OCR),
 * or a line saying there is none. */
static char *file_pages(struct hd_archive *a, const struct hd_record *r,
	int seq)
{
	struct hd_page *pg = NULL;
	struct hd_buf b;
	size_t np = 0, i;

	hd_buf_init(&b);
	if (hd_record_pages(a, r, &pg, &np, NULL) == 0) {
		for (i = 0; i < np; i++) {
			if (pg[i].seq == seq && pg[i].text[0] != '\0') {
				hd_buf_printf(&b, "%s第 %d 页\n%s\n",
					b.len ? "\n" : "", pg[i].page,
					pg[i].text);
			}
		}
		hd_pages_free(pg, np);
	}
	if (b.len == 0) {
		hd_buf_puts(&b, "（这个文件没有可在屏幕上显示的文字或图像；"
			"如需原件，请申请复制。）");
	}
	return hd_buf_detach(&b);
}

/* /admin/consult/KIND/REF/N: parse into kind (a static string), ref
 * (64 bytes) and n (1-100000).  0, or -1 when the path is not so. */
static int parse_use(const char *path, const char **kind, char ref[64],
	size_t *n)
{
	static const char *const kinds[] = {"view", "print", "copy"};
	const char *p = path + strlen("/admin/consult/"), *slash;
	char *end;
	size_t i, len;
	long v;

	for (i = 0; i < 3; i++) {
		len = strlen(kinds[i]);
		if (strncmp(p, kinds[i], len) == 0 && p[len] == '/') {
			*kind = kinds[i];
			p += len + 1;
			break;
		}
	}
	if (i == 3) {
		return -1;
	}
	slash = strrchr(p, '/');
	if (slash == NULL || slash == p || (size_t)(slash - p) >= 64) {
		return -1;
	}
	memcpy(ref, p, (size_t)(slash - p));
	ref[slash - p] = '\0';
	v = strtol(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || v < 1 || v > 100000) {
		return -1;
	}
	*n = (size_t)v;
	return 0;
}

/* GET /admin/consult/{view,print,copy}/REF/N: file N of record REF,
 * when hd_consult_allowed grants this account that kind today (else
 * 403) and after the use is logged (else 500, nothing shown): a copy as
 * a download of the original; a view or print as a page with the screen
 * copy inline, the file's text, or its pages' text. */
int page_admin_consult_use(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *kind = NULL, *base;
	const struct hd_file *f;
	struct hd_record r;
	struct hd_error e;
	struct admin ad;
	char ref[64], *html = NULL, *text = NULL, *u;
	int64_t request = 0;
	json_t *ctx;
	size_t n = 0;
	int rc, copy = 0;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	hd_record_init(&r);
	if (parse_use(req->path, &kind, ref, &n) != 0 ||
	    hd_record_get(a, HD_ARCHIVIST, ref, &r, NULL) != 0 ||
	    n > r.nfiles) {
		hd_record_release(&r);
		admin_message(s, req, resp, 404, "没有这件档案或这个文件。",
			&ad);
		return 0;
	}
	f = &r.files[n - 1];
	hd_err_clear(&e);
	rc = hd_consult_allowed(a, ad.s.user_id, r.ref, kind, ad.today,
		&request, &e);
	if (rc != 0) {
		hd_record_release(&r);
		admin_message(s, req, resp, rc == HD_EDENIED ? 403 : 500,
			rc == HD_EDENIED ? e.msg : "暂时无法查阅。", &ad);
		return 0;
	}
	if (strcmp(kind, "copy") == 0) {
		if (!hd_store_has(a, f->sha256)) {
			hd_record_release(&r);
			admin_message(s, req, resp, 404, "这个文件的数字对象"
				"缺失，或存放原件的对象存储现在连接不上；请稍后"
				"再试，或运行 hongdang verify。", &ad);
			return 0;
		}
		copy = 1;
	} else if (f->mime != NULL && strncmp(f->mime, "image/", 6) == 0) {
		char *dpath = NULL;

		if (hd_derive(a, f->sha256, HD_DERIV_SCREEN, &dpath,
		    NULL) == 0) {
			html = inline_image(dpath);
		}
		free(dpath);
	} else if (f->mime != NULL && strncmp(f->mime, "text/", 5) == 0) {
		text = file_text(a, f);
	}
	if (text == NULL && html == NULL && !copy) {
		/* the text of this file's pages only: the use is logged for
		 * this file, so nothing of the record's other files shows */
		text = file_pages(a, &r, (int)n);
	}
	/* nothing leaves before the use is on record; then a copy's
	 * original, which a bucket may fail to give (404, 503) */
	rc = hd_consult_log(a, request, ad.s.user_id, r.ref, kind, f,
		&ad.agent, &e) != 0 ? 500 : copy ? page_object_send(a,
		f->sha256, resp) : 0;
	if (rc != 0) {
		free(html);
		free(text);
		hd_record_release(&r);
		admin_message(s, req, resp, rc, rc == 500 ? "查阅记录无法写入，"
			"暂不能查阅。" : rc == 404 ? "这个文件的数字对象缺失，请"
			"运行 hongdang verify。" : "原件暂时无法取得：存放原件的"
			"对象存储现在连接不上，请稍后再试。", &ad);
		return 0;
	}
	if (copy) {
		resp->type = "application/octet-stream";
		base = strrchr(f->name, '/');
		u = admin_disposition("download", base ? base + 1 : f->name);
		http_header(resp, "Content-Disposition", u);
		free(u);
		http_header(resp, "Cache-Control", "no-store");
		hd_record_release(&r);
		return 0;
	}
	ctx = admin_record_ctx(&r, "record_url");
	json_object_set_new(ctx, "file", json_string(f->name));
	json_object_set_new(ctx, "n", json_integer((json_int_t)n));
	json_object_set_new(ctx, "kind", json_string(
		hd_consult_kind_name(kind)));
	json_object_set_new(ctx, "print", json_boolean(
		strcmp(kind, "print") == 0));
	json_object_set_new(ctx, "request", json_integer(request));
	json_object_set_new(ctx, "today", json_string(ad.today));
	if (html != NULL) {
		json_object_set_new(ctx, "image", tmpl_html(html));
	}
	if (text != NULL && *text) {
		json_object_set_new(ctx, "text", json_string(text));
	}
	free(html);
	free(text);
	hd_record_release(&r);
	admin_page(s, req, resp, 200, "admin_consult_view.html", ctx, &ad);
	return 0;
}
