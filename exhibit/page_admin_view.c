/*
 * page_admin_view.c - the files of a record for staff: each file on a page
 * of its own, an image to zoom into (tiles of the master, made by libvips:
 * archive/derive.c), the text of its pages (OCR or a PDF's text layer)
 * beside it, and the original to download.
 *
 * Who sees what follows the rules the rest of the admin pages keep (the
 * library decides): staff see the content of records that are not
 * restricted (hd_object_staff's rule: internal and unpublished records
 * too); the content of a restricted record is shown only through the
 * consultation rules, exactly as page_admin_consult.c shows it: the
 * account needs an approval for "view" covering today
 * (hd_consult_allowed), and each opening of a file is logged first
 * (hd_consult_log: who, which record and file, when), nothing shown when
 * the log cannot be written.  The tiles of a restricted image follow a
 * logged view of that file by the same account (hd_consult_used, within
 * VIEW_HOURS), so no URL serves its content without a log entry.  Its
 * original is only ever the consultation's "copy".  Every answer here is
 * no-store.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#define VIEW_HOURS 12           /* tiles follow a logged view this long */
#define TEXT_SHOWN (256u << 10) /* bytes of a text file shown */

/* What a path under prefix names: the record (its "." form, up to 63
 * bytes) in ref, and the rest after its '/' in *rest (NULL when none).
 * 0, or -1 when there is no record part. */
static int path_ref(const char *path, const char *prefix, char ref[64],
	const char **rest)
{
	const char *p = path + strlen(prefix), *slash = strchr(p, '/');
	size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

	if (n == 0 || n >= 64) {
		return -1;
	}
	memcpy(ref, p, n);
	ref[n] = '\0';
	*rest = slash != NULL ? slash + 1 : NULL;
	return 0;
}

/* A file number 1..nfiles from s (all of it), or 0. */
static size_t file_number(const char *s, size_t nfiles)
{
	char *end;
	long v;

	if (s == NULL || !(*s >= '1' && *s <= '9')) {
		return 0;
	}
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && (size_t)v <= nfiles ? (size_t)v : 0;
}

/* 1 when r is restricted: its content is the consultation's. */
static int restricted(const struct hd_record *r)
{
	return strcmp(r->access, "restricted") == 0;
}

/* 1 when f is an image libvips may zoom into. */
static int is_image(const struct hd_file *f)
{
	return f->mime != NULL && strncmp(f->mime, "image/", 6) == 0;
}

/* Load the record a staff path names into *r (initialised here; the
 * caller releases it).  0, or -1 after a 404 page. */
static int load_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	const struct admin *ad, const char *ref, struct hd_record *r)
{
	hd_record_init(r);
	if (hd_record_get(a, HD_ARCHIVIST, ref, r, NULL) != 0) {
		admin_message(s, req, resp, 404, "没有这件档案。", ad);
		return -1;
	}
	return 0;
}

/* The start of a page about file N of record REF, its path
 * prefix + "REF/N": a staff session, the record loaded into *r (the
 * caller releases it) and N checked.  N, or 0 when resp is the answer
 * (a 404 for no such record or file) and *r holds nothing. */
static size_t file_enter(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	const char *prefix, struct admin *ad, struct hd_record *r)
{
	const char *rest;
	char ref[64];
	size_t n;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, ad)) {
		return 0;
	}
	if (path_ref(req->path, prefix, ref, &rest) != 0) {
		admin_message(s, req, resp, 404, "没有这件档案。", ad);
		return 0;
	}
	if (load_record(s, a, req, resp, ad, ref, r) != 0) {
		return 0;
	}
	n = file_number(rest, r->nfiles);
	if (n == 0) {
		admin_message(s, req, resp, 404, "这件档案没有这个文件。", ad);
		hd_record_release(r);
	}
	return n;
}

/* The links to every file of r, the current one (n) marked. */
static json_t *files_nav(const struct hd_record *r, const char *dotted,
	size_t n)
{
	json_t *arr = json_array();
	size_t i;
	char *u;

	for (i = 0; i < r->nfiles; i++) {
		json_t *o = json_object();

		u = hd_xasprintf("/admin/view/%s/%zu", dotted, i + 1);
		json_object_set_new(o, "url", json_string(u));
		free(u);
		json_object_set_new(o, "n", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "name", json_string(r->files[i].name));
		json_object_set_new(o, "current", json_boolean(i + 1 == n));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The text of the pages of file seq of r, each {page, text, conf}
 * (conf: OCR confidence, or "" for a text layer). */
static json_t *pages_json(struct hd_archive *a, const struct hd_record *r,
	int seq)
{
	struct hd_page *pg = NULL;
	json_t *arr = json_array();
	size_t np = 0, i;

	if (hd_record_pages(a, r, &pg, &np, NULL) != 0) {
		return arr;
	}
	for (i = 0; i < np; i++) {
		json_t *o;

		if (pg[i].seq != seq) {
			continue;
		}
		o = json_object();
		json_object_set_new(o, "page", json_integer(pg[i].page));
		json_object_set_new(o, "text", json_string(pg[i].text));
		if (pg[i].conf >= 0) {
			json_object_set_new(o, "conf",
				json_integer(pg[i].conf));
		}
		json_array_append_new(arr, o);
	}
	hd_pages_free(pg, np);
	return arr;
}

/* The start of a text file's content as UTF-8 (caller frees), or NULL. */
static char *text_start(struct hd_archive *a, const struct hd_file *f)
{
	unsigned char *raw;
	char *t = NULL;
	size_t n = 0;
	int more = 0;

	raw = page_object_bytes(a, f->sha256, TEXT_SHOWN, &n, &more);
	if (raw != NULL && !more) {
		t = hd_text_to_utf8((const char *)raw, n);
	}
	free(raw);
	return t;
}

/* Open file n of restricted record r for ad: the consultation must allow
 * "view" today, and the use is logged before anything is shown.  0, or
 * -1 after the answer (403 saying why, 500). */
static int consult_open(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	const struct admin *ad, const struct hd_record *r, size_t n)
{
	struct hd_error e;
	int64_t request = 0;
	char msg[1200];
	int rc;

	hd_err_clear(&e);
	rc = hd_consult_allowed(a, ad->s.user_id, r->ref, "view", ad->today,
		&request, &e);
	if (rc == HD_EDENIED) {
		snprintf(msg, sizeof msg, "限制级档案的内容只在批准的查阅期限内"
			"向指定账户提供：%s", e.msg);
		admin_message(s, req, resp, 403, msg, ad);
		return -1;
	}
	if (rc != 0 || hd_consult_log(a, request, ad->s.user_id, r->ref,
	    "view", &r->files[n - 1], &ad->agent, &e) != 0) {
		admin_message(s, req, resp, 500, "查阅记录无法写入，暂不能"
			"查阅。", ad);
		return -1;
	}
	return 0;
}

/* GET /admin/view/REF/N (any staff session): file N of the record, with
 * every file's link; an image to zoom into, its pages' text beside it,
 * the original to download (a restricted record's through the
 * consultation's "copy", when allowed). */
int page_admin_view(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const struct hd_file *f;
	struct hd_record r;
	struct admin ad;
	char *dotted, *u, *text;
	int64_t request;
	json_t *ctx;
	size_t n;

	n = file_enter(s, a, req, resp, "/admin/view/", &ad, &r);
	if (n == 0) {
		return 0;
	}
	if (restricted(&r) && consult_open(s, a, req, resp, &ad, &r, n) != 0) {
		hd_record_release(&r);
		return 0;
	}
	f = &r.files[n - 1];
	dotted = hd_ref_dotted(r.ref);
	ctx = admin_record_ctx(&r, "record_url");
	json_object_set_new(ctx, "status_name", json_string(admin_or_code(
		hd_status_name(r.status), r.status)));
	json_object_set_new(ctx, "access_name", json_string(restricted(&r) ?
		"受限" : admin_or_code(hd_access_name(r.access), r.access)));
	json_object_set_new(ctx, "restricted", json_boolean(restricted(&r)));
	json_object_set_new(ctx, "account", json_string(ad.s.user));
	json_object_set_new(ctx, "today", json_string(ad.today));
	json_object_set_new(ctx, "files", files_nav(&r, dotted, n));
	json_object_set_new(ctx, "n", json_integer((json_int_t)n));
	json_object_set_new(ctx, "name", json_string(f->name));
	json_object_set_new(ctx, "mime", admin_str(f->mime));
	json_object_set_new(ctx, "size", json_integer((json_int_t)f->size));
	json_object_set_new(ctx, "sha256", json_string(f->sha256));
	if (is_image(f)) {
		u = hd_xasprintf("/admin/tile/%s/%s/", dotted, f->sha256);
		json_object_set_new(ctx, "tiles", json_string(u));
		free(u);
		json_object_set_new(ctx, "width", json_integer(f->width));
		json_object_set_new(ctx, "height", json_integer(f->height));
	} else if (f->mime != NULL && strncmp(f->mime, "text/", 5) == 0 &&
	    (text = text_start(a, f)) != NULL) {
		json_object_set_new(ctx, "text", json_string(text));
		free(text);
	}
	json_object_set_new(ctx, "pages", pages_json(a, &r, (int)n));
	if (!restricted(&r)) {
		u = hd_xasprintf("/admin/original/%s/%zu", dotted, n);
		json_object_set_new(ctx, "original", json_string(u));
		free(u);
	} else if (hd_consult_allowed(a, ad.s.user_id, r.ref, "copy",
	    ad.today, &request, NULL) == 0) {
		u = hd_xasprintf("/admin/consult/copy/%s/%zu", dotted, n);
		json_object_set_new(ctx, "original", json_string(u));
		free(u);
	}
	free(dotted);
	hd_record_release(&r);
	admin_page(s, req, resp, 200, "admin_view.html", ctx, &ad);
	return 0;
}

/* GET /admin/original/REF/N (any staff session): the original of file N
 * as a download, for a record that is not restricted (a restricted one's
 * is the consultation's "copy": 403 saying so); from a bucket, streamed
 * (503 saying the original cannot be reached when the store is down). */
int page_admin_original(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const struct hd_file *f;
	struct hd_record r;
	struct admin ad;
	const char *base;
	size_t n;
	int st;

	n = file_enter(s, a, req, resp, "/admin/original/", &ad, &r);
	if (n == 0) {
		return 0;
	}
	st = restricted(&r) ? 403 : page_object_send(a,
		r.files[n - 1].sha256, resp);
	if (st != 0) {
		admin_message(s, req, resp, st, st == 403 ? "限制级档案的原件只能"
			"通过批准的“复制”查阅下载，每次均登记在案。" : st == 503 ?
			"原件暂时无法取得：存放原件的对象存储现在连接不上，请稍后"
			"再试。" : "这个文件的数字对象缺失，请运行 hongdang "
			"verify。", &ad);
		hd_record_release(&r);
		return 0;
	}
	f = &r.files[n - 1];
	base = strrchr(f->name, '/');
	admin_download(resp, "application/octet-stream", "original",
		base ? base + 1 : f->name);
	hd_record_release(&r);
	return 0;
}

/* "Z/X/Y.jpg" into z, x, y (each 0-99999).  0, or -1. */
static int tile_xyz(const char *s, int *z, int *x, int *y)
{
	int v[3], i, k;

	for (i = 0; i < 3; i++) {
		if (!(*s >= '0' && *s <= '9')) {
			return -1;
		}
		for (v[i] = 0, k = 0; *s >= '0' && *s <= '9'; s++, k++) {
			if (k == 5) {
				return -1;
			}
			v[i] = v[i] * 10 + (*s - '0');
		}
		if (*s != (i < 2 ? '/' : '.')) {
			return -1;
		}
		s++;
	}
	if (strcmp(s, "jpg") != 0) {
		return -1;
	}
	*z = v[0];
	*x = v[1];
	*y = v[2];
	return 0;
}

/* GET /admin/tile/REF/SHA/info.json and /admin/tile/REF/SHA/Z/X/Y.jpg
 * (any staff session): the size of the pyramid of image SHA of record
 * REF ({width, height, tile, levels}), or one of its tiles.  SHA must be
 * an image of REF (404 otherwise, as for a tile outside the image); a
 * restricted record's only for an account whose view of that file was
 * logged lately under an approval still in force (403 otherwise). */
int page_admin_tile(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_record r;
	struct hd_tiles t;
	struct hd_error e;
	struct admin ad;
	const char *rest;
	char ref[64], sha[65], *path = NULL;
	int64_t request;
	int z = 0, x = 0, y = 0, rc, found = 0, info;
	size_t i;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (path_ref(req->path, "/admin/tile/", ref, &rest) != 0 ||
	    rest == NULL || strlen(rest) < 65 || rest[64] != '/') {
		admin_message(s, req, resp, 404, "没有这个图块。", &ad);
		return 0;
	}
	memcpy(sha, rest, 64);
	sha[64] = '\0';
	rest += 65;
	info = strcmp(rest, "info.json") == 0;
	if (!hd_sha_ok(sha) || (!info && tile_xyz(rest, &z, &x, &y) != 0)) {
		admin_message(s, req, resp, 404, "没有这个图块。", &ad);
		return 0;
	}
	if (load_record(s, a, req, resp, &ad, ref, &r) != 0) {
		return 0;
	}
	for (i = 0; i < r.nfiles; i++) {
		found |= strcmp(r.files[i].sha256, sha) == 0 &&
			is_image(&r.files[i]);
	}
	if (!found) {
		hd_record_release(&r);
		admin_message(s, req, resp, 404, "这件档案没有这幅图像。", &ad);
		return 0;
	}
	if (restricted(&r) && (hd_consult_allowed(a, ad.s.user_id, r.ref,
	    "view", ad.today, &request, NULL) != 0 || !hd_consult_used(a,
	    ad.s.user_id, r.ref, sha, "view", VIEW_HOURS))) {
		hd_record_release(&r);
		admin_message(s, req, resp, 403, "限制级档案：请先在批准的查阅"
			"期限内打开这个文件（打开即登记）。", &ad);
		return 0;
	}
	hd_record_release(&r);
	hd_err_clear(&e);
	if (info) {
		rc = hd_tiles_get(a, sha, &t, &path, &e);
		if (rc == 0) {
			json_t *o = json_object();

			json_object_set_new(o, "width", json_integer(t.width));
			json_object_set_new(o, "height",
				json_integer(t.height));
			json_object_set_new(o, "tile", json_integer(t.tile));
			json_object_set_new(o, "levels",
				json_integer(t.levels));
			http_json(resp, 200, o);
			http_header(resp, "Cache-Control", "no-store");
			free(path);
			return 0;
		}
	} else {
		rc = hd_tile(a, sha, z, x, y, &path, &e);
	}
	if (rc != 0) {
		admin_message(s, req, resp, rc == HD_ENOTFOUND ? 404 :
			rc == HD_EINVAL ? 422 : 500, rc == HD_ENOTFOUND ?
			"图像上没有这个图块。" : "这幅图像无法显示。", &ad);
		return 0;
	}
	resp->file = path;
	resp->type = "image/jpeg";
	http_header(resp, "Cache-Control", "no-store");
	return 0;
}
