/*
 * page_admin_transfer.c - transfers (转递) at the archivist's desk:
 * records chosen in the staff catalogue leave as a BagIt bag, downloaded
 * as a zip, and a bag received is uploaded and imported, with the
 * receipt (回执) the command line gives.
 *
 *   POST /admin/export        csrf, one or more ref, to, reason: the bag
 *                             "hongdang export" makes (the same library
 *                             call, its transfer slip slip.html inside)
 *                             as a zip download
 *   GET  /admin/import        the upload form and the bags received
 *   POST /admin/import        multipart: csrf first, then the bag as one
 *                             zip or tar ("bag") or as a folder of files
 *                             ("files", each named by its path); the bag
 *                             is imported as "hongdang import" does it
 *                             (ingest_import) and the receipt shown
 *   GET  /admin/receipt/N     the receipt of received transfer N (JSON),
 *                             as "hongdang export --receipt N" writes it
 *
 * Both ways need an account that may edit (archivists, admins); a
 * reviewer gets 403 and nothing is made.  Guarantees: a bag is never held
 * in memory: the export is written under DIR/tmp and sent as a zip made
 * while it is read (hd_zip_stream_*), the folder removed once the answer
 * is over, sent or cut off; an upload is streamed into DIR/tmp/import-…
 * as it arrives (ROUTE_UPLOAD), within caps on its bytes and files and
 * the free disk, and removed whole after the import, whatever its
 * outcome.  A bag that is not
 * valid, or an upload that stops short, stores nothing, and the message
 * names the file as the user chose it.
 */
#include "admin.h"
#include "desk.h"
#include "../ingest/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define EXPORT_REFS HTTP_MAX_PARAMS /* records one export may name */
#define FIELD_MAX 400               /* bytes of "to" and "reason" */
#define VALUE_MAX 256               /* bytes of a plain upload field */
#define DISK_SPARE ((uint64_t)64 << 20) /* free disk an upload leaves */
#define CHECK_EVERY ((uint64_t)8 << 20) /* free disk looked at */

/* ------------------------------------------------------------ export */

/* The values of parameter name in req, each once, into v (at most max);
 * returns how many. */
static size_t param_all(const struct http_req *req, const char *name,
	const char **v, size_t max)
{
	size_t n = 0, i, j;
	int seen;

	for (i = 0; i < req->nparams && n < max; i++) {
		if (strcmp(req->params[i].name, name) != 0 ||
		    req->params[i].value[0] == '\0') {
			continue;
		}
		for (seen = 0, j = 0; j < n; j++) {
			seen |= strcmp(v[j], req->params[i].value) == 0;
		}
		if (!seen) {
			v[n++] = req->params[i].value;
		}
	}
	return n;
}

/* The export's slip hook: print/slip.html of the site's templates (the
 * data folder's own first), as the command line prints it. */
static int export_slip(const struct json_t *data, struct hd_buf *html,
	void *ud, struct hd_error *e)
{
	struct site *s = ud;

	return tmpl_render(s->tmpl, "print/slip.html", (json_t *)data, html,
		e);
}

/* The answer to an export the library refused: the record that is not
 * there (404), one that cannot be sent (422), a damaged object or any
 * other failure (500), each with its reason. */
static void export_failed(struct site *s, const struct http_req *req,
	struct http_resp *resp, const struct admin *ad,
	const struct hd_error *e)
{
	char msg[1200];
	int status = 500;

	if (e->code == HD_ENOTFOUND) {
		status = 404;
		snprintf(msg, sizeof msg, "没有这件档案，未导出：%s", e->msg);
	} else if (e->code == HD_EINVAL) {
		status = 422;
		snprintf(msg, sizeof msg, "无法导出：%s", e->msg);
	} else if (e->code == HD_ECORRUPT) {
		snprintf(msg, sizeof msg, "有数字对象已损坏，未导出（请运行"
			"完整性检查）：%s", e->msg);
	} else {
		snprintf(msg, sizeof msg, "转递包未能生成：%s", e->msg);
	}
	admin_message(s, req, resp, status, msg, ad);
}

/* An export being downloaded: the zip made while it is sent, and the
 * transfer, recorded once the whole zip has been handed over. */
struct sending {
	struct hd_zipstream *zs;
	struct hd_export_made *m;
	char *dir;              /* the data folder */
	char *where;            /* the download, as the transfer names it */
	char *agent;            /* who asked for it */
	struct desk *desk;      /* whose keeper records it */
};

/* The zip of an export as the server streams it (http_resp). */
static ssize_t zip_read(void *ud, char *buf, size_t max)
{
	struct sending *g = ud;

	return hd_zip_stream_read(g->zs, buf, max);
}

/* Record the transfer of a whole download (ud: the struct sending), on
 * a handle of its own: 0 when it is recorded or failed for good (both
 * logged but a first try that lands), 1 when the archive's write lock
 * is held by another (an ingest's transaction), to be tried again
 * unless this is the last try (see desk_later).  The transfer's
 * identifier is unique in the catalogue: it is never recorded twice. */
static int record_sent(void *ud, int last)
{
	struct sending *g = ud;
	struct hd_archive *a = NULL;
	struct hd_transfer t;
	struct hd_agent agent;
	struct hd_error e;
	int rc;

	agent.name = g->agent;
	hd_err_clear(&e);
	rc = hd_archive_open(g->dir, 0, &a, &e);
	if (rc == 0) {
		rc = hd_transfer_export_record(a, g->m, g->where, &agent, &t,
			&e);
	}
	hd_archive_close(a);
	if (rc == 0) {
		hd_transfer_release(&t);
		return 0;
	}
	if (rc == HD_EBUSY && !last) {
		return 1;
	}
	fprintf(stderr, "hongdang: transfer %s was downloaded but not "
		"recorded: %s\n", hd_export_made_uuid(g->m), e.msg);
	return 0;
}

/* Free what a download held (ud: the struct sending), its stream
 * closed if it still is open. */
static void sending_free(void *ud)
{
	struct sending *g = ud;

	hd_zip_stream_close(g->zs);
	hd_export_made_free(g->m);
	free(g->dir);
	free(g->where);
	free(g->agent);
	free(g);
}

/* ... and its end, on the server's thread: the stream and the export's
 * folder go now; when the whole zip went out (never for a download cut
 * off) the transfer is recorded by the desk's keeper (record_sent),
 * which waits for the archive's write lock as long as an ingest holds
 * it, so that this thread never does. */
static void zip_done(void *ud, int whole)
{
	struct sending *g = ud;
	char what[120];

	hd_zip_stream_close(g->zs);
	g->zs = NULL;
	if (!whole) {
		sending_free(g);
		return;
	}
	snprintf(what, sizeof what, "transfer %s (downloaded)",
		hd_export_made_uuid(g->m));
	if (desk_later(g->desk, what, record_sent, sending_free, g) != 0) {
		record_sent(g, 1);
		sending_free(g);
	}
}

/* The zip's name, by the China time of the export (now, ISO 8601 UTC):
 * "转递包-20261207-153012" into out. */
static void zip_name(const char *now, char out[40])
{
	time_t t = admin_iso_seconds(now) + CHINA_UTC_OFFSET;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%Y%m%d-%H%M%S", &tm);
}

/* POST /admin/export (HD_PERM_EDIT): the records ref... as a transfer
 * bag (to: the receiving organisation, reason: why), made as "hongdang
 * export" makes it, answered as a zip made while it is sent, from the
 * bag under tmp/ (removed once the answer is over).  The transfer and
 * its events are recorded only once the whole zip has gone out. */
int page_admin_export(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *refs[EXPORT_REFS], *to, *reason;
	struct hd_export_made *m = NULL;
	struct hd_zipstream *zs = NULL;
	struct sending *g;
	struct hd_record r;
	struct hd_export x;
	struct hd_error e;
	struct admin ad;
	char now[32], when[20], stamp[40], msg[300], *work, *name, *ascii;
	char *d;
	size_t n, i;
	int rc;

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	n = param_all(req, "ref", refs, EXPORT_REFS);
	to = http_param(req, "to");
	reason = http_param(req, "reason");
	if (n == 0) {
		admin_message(s, req, resp, 400, "请先在目录检索中勾选要转递的"
			"档案。", &ad);
		return 0;
	}
	if ((to != NULL && strlen(to) > FIELD_MAX) ||
	    (reason != NULL && strlen(reason) > FIELD_MAX)) {
		admin_message(s, req, resp, 400, "收件单位或转递原因太长。",
			&ad);
		return 0;
	}
	for (i = 0; i < n; i++) {       /* every code named before any work */
		hd_record_init(&r);
		rc = hd_record_get(a, HD_ARCHIVIST, refs[i], &r, NULL);
		hd_record_release(&r);
		if (rc != 0) {
			snprintf(msg, sizeof msg, "没有这件档案：%s（未导出任何"
				"档案）", refs[i]);
			admin_message(s, req, resp, 404, msg, &ad);
			return 0;
		}
	}
	hd_now_iso(now);
	admin_china_time(now, when);
	zip_name(now, stamp);
	work = admin_tmp(a, "export", "");
	memset(&x, 0, sizeof x);
	x.out = d = hd_xasprintf("%s/bag", work);
	x.refs = refs;
	x.nrefs = n;
	x.to = to != NULL && *to != '\0' ? to : NULL;
	x.reason = reason != NULL && *reason != '\0' ? reason : NULL;
	x.slip = export_slip;
	x.slip_ud = s;
	hd_err_clear(&e);
	rc = hd_fs_mkdirs(work, &e);
	if (rc == 0) {
		rc = hd_transfer_export_make(a, &x, &ad.agent, &m, &e);
	}
	if (rc == 0) {
		name = hd_xasprintf("转递包-%s", stamp);
		rc = hd_zip_stream_open(d, name, &zs, &e);
		free(name);
	}
	free(d);
	if (rc != 0) {
		hd_export_made_free(m);
		hd_fs_rmtree(work);
		export_failed(s, req, resp, &ad, &e);
		free(work);
		return 0;
	}
	hd_zip_stream_remove(zs, work);
	g = hd_xcalloc(1, sizeof *g);
	g->zs = zs;
	g->m = m;
	g->dir = hd_xstrdup(s->dir);
	g->where = hd_xasprintf("网页下载（%s，%s）", ad.s.agent, when);
	g->agent = hd_xstrdup(ad.s.agent);
	g->desk = s->desk;
	resp->stream_read = zip_read;
	resp->stream_done = zip_done;
	resp->stream_ud = g;
	name = hd_xasprintf("转递包-%s.zip", stamp);
	ascii = hd_xasprintf("transfer-%s.zip", stamp);
	admin_download(resp, "application/zip", ascii, name);
	free(name);
	free(ascii);
	free(work);
	return 0;
}

/* ------------------------------------------------------------ upload */

/* What the field being received is. */
enum ikind { IK_NONE, IK_VALUE, IK_BAG, IK_FILE, IK_SKIP };

/* An upload of a bag to import, streamed (http_sink). */
struct imp {
	struct hd_session sess;     /* the account, for the form token */
	struct batch_limits lim;    /* the pipeline's caps */
	int token_ok;               /* csrf came first and matched */
	int approve;                /* the approve field was 1 */
	int status;                 /* 0, or the HTTP status of the failure */
	char msg[1600];             /* ... and its sentence */
	char *dir;                  /* DIR/tmp/import-…, made at the start */
	char *bag;                  /* the packed bag written, or NULL */
	char *top;                  /* the folder's first path part */
	size_t nfiles;              /* the folder's files */
	uint64_t bytes, unchecked;  /* written, and since the disk check */
	uint64_t fbytes;            /* of the file being written */
	enum ikind kind;
	char field[16];             /* the plain field's name */
	struct hd_buf value;        /* ... and its value */
	char *shown;                /* the file being written, as named */
	int fd;
};

/* Note the upload's failure (the first one counts); returns -1, for
 * the sink to stop. */
static int imp_fail(struct imp *u, int status, const char *msg,
	const char *name)
{
	if (u->status == 0) {
		u->status = status;
		snprintf(u->msg, sizeof u->msg, "%s%s%s", name ? name : "",
			name ? "：" : "", msg);
	}
	return -1;
}

/* Close the file being written (0, or -1 after noting a failure). */
static int imp_close(struct imp *u)
{
	int rc = 0;

	if (u->fd >= 0 && close(u->fd) != 0) {
		rc = imp_fail(u, 500, strerror(errno), u->shown);
	}
	u->fd = -1;
	return rc;
}

/* Bytes free for an unprivileged writer where u writes; UINT64_MAX when
 * it cannot be told. */
static uint64_t imp_free(const struct imp *u)
{
	struct statvfs v;

	if (statvfs(u->dir, &v) != 0) {
		return UINT64_MAX;
	}
	return (uint64_t)v.f_bavail * v.f_frsize;
}

/* A file field begins: check its name (the pipeline's rules) and the
 * caps, and open where it goes: the packed bag as itself, a folder's
 * file under folder/ by its path.  0, or -1. */
static int imp_file_begin(struct imp *u, int folder, const char *filename)
{
	struct hd_error e;
	char *rel = NULL, *path, *parent, *slash;
	const char *base;
	int rc;

	base = strrchr(filename, '/');
	base = folder || base == NULL ? filename : base + 1;
	hd_err_clear(&e);
	if (entry_name_check(base, strlen(base), &rel, &e) != 0) {
		return imp_fail(u, 400, e.msg, NULL);
	}
	if ((folder && u->bag != NULL) || (!folder && (u->bag != NULL ||
	    u->nfiles > 0))) {
		free(rel);
		return imp_fail(u, 400, "一次只能上传一个转递包：一个 zip 或 "
			"tar 文件，或一个文件夹", NULL);
	}
	if (folder && ++u->nfiles > u->lim.max_entries) {
		free(rel);
		return imp_fail(u, 413, "文件太多，超过一个转递包的上限",
			filename);
	}
	slash = strchr(rel, '/');
	if (folder && u->top == NULL) {
		u->top = hd_xstrndup(rel, slash ? (size_t)(slash - rel) :
			strlen(rel));
	}
	path = hd_xasprintf("%s/%s/%s", u->dir, folder ? "folder" : "bag",
		rel);
	parent = hd_fs_parent(path);
	rc = hd_fs_mkdirs(parent, &e);
	free(parent);
	u->fd = rc == 0 ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		0644) : -1;
	free(u->shown);
	u->shown = hd_xstrdup(filename);
	u->fbytes = 0;
	if (u->fd < 0) {
		rc = imp_fail(u, errno == EEXIST ? 400 : 500, errno == EEXIST ?
			"这个文件出现了两次" : strerror(errno), filename);
	}
	if (!folder && rc == 0) {
		u->bag = path;
		path = NULL;
	}
	free(path);
	free(rel);
	return rc < 0 ? -1 : 0;
}

/* Write data[0..n) of the file under way, within the caps: a file or
 * the upload over the pipeline's caps is 413, a disk short of room 507.
 * 0, or -1. */
static int imp_write(struct imp *u, const char *data, size_t n)
{
	u->bytes += n;
	u->fbytes += n;
	u->unchecked += n;
	if (u->bytes > u->lim.max_total || u->fbytes > u->lim.max_entry) {
		return imp_fail(u, 413, "上传超过了一个转递包的上限", u->shown);
	}
	if (u->unchecked >= CHECK_EVERY) {
		u->unchecked = 0;
		if (imp_free(u) < DISK_SPARE) {
			return imp_fail(u, 507, "磁盘空间不足，上传已停止，"
				"未存入任何内容", u->shown);
		}
	}
	if (hd_fs_write_all(u->fd, data, n) != 0) {
		return imp_fail(u, errno == ENOSPC ? 507 : 500, errno ==
			ENOSPC ? "磁盘空间不足，上传已停止，未存入任何内容" :
			strerror(errno), u->shown);
	}
	return 0;
}

/* The sink's field: csrf must come first and match; then approve, and
 * the bag's file(s).  Other fields are read and dropped. */
static int imp_field(void *ud, const char *name, const char *filename,
	const char *data, uint64_t off, size_t n)
{
	struct imp *u = ud;

	if (u->status != 0) {
		return -1;
	}
	if (off == 0) {                 /* a field begins */
		if (imp_close(u) != 0) {
			return -1;
		}
		u->kind = IK_SKIP;
		if (!u->token_ok && strcmp(name, "csrf") != 0) {
			return imp_fail(u, 403, "表单已过期或无效：请回到上一"
				"页，刷新后重新提交。", NULL);
		}
		if (filename == NULL && (strcmp(name, "csrf") == 0 ||
		    strcmp(name, "approve") == 0)) {
			u->kind = IK_VALUE;
			snprintf(u->field, sizeof u->field, "%s", name);
			hd_buf_release(&u->value);
			hd_buf_puts(&u->value, "");
		} else if (filename != NULL && *filename != '\0' &&
		    (strcmp(name, "bag") == 0 ||
		    strcmp(name, "files") == 0)) {
			u->kind = strcmp(name, "bag") == 0 ? IK_BAG : IK_FILE;
			if (imp_file_begin(u, u->kind == IK_FILE,
			    filename) != 0) {
				return -1;
			}
		}
	}
	if (u->kind == IK_VALUE) {
		if (u->value.len + n > VALUE_MAX) {
			return imp_fail(u, 400, "表单字段太长", u->field);
		}
		hd_buf_add(&u->value, data, n);
		if (strcmp(u->field, "csrf") == 0) {
			u->token_ok = hd_csrf_ok(&u->sess, u->value.p);
		} else {
			u->approve = strcmp(u->value.p, "1") == 0;
		}
	} else if ((u->kind == IK_BAG || u->kind == IK_FILE) && n > 0) {
		return imp_write(u, data, n);
	}
	return 0;
}

/* The sink's end: the last file closed; a body cut short is a 400. */
static void imp_end(void *ud, int complete)
{
	struct imp *u = ud;

	imp_close(u);
	if (!complete) {
		imp_fail(u, 400, "上传没有完成（连接中断或表单不完整），"
			"未存入任何内容，请重新上传。", NULL);
	}
}

/* The sink's release: the upload's folder goes, whatever happened. */
static void imp_release(void *ud)
{
	struct imp *u = ud;

	imp_close(u);
	if (u->dir != NULL) {
		hd_fs_rmtree(u->dir);
	}
	free(u->dir);
	free(u->bag);
	free(u->top);
	free(u->shown);
	hd_buf_release(&u->value);
	free(u);
}

/* POST /admin/import, when its multipart headers are in (ROUTE_UPLOAD):
 * the session and role are checked (the form token is checked as the
 * first field arrives), an announced body over the cap or the free disk
 * is refused before any of it is read, and the upload's folder is
 * made.  1 with *sink set, or 0 with resp holding the refusal. */
int page_admin_import_open(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	struct http_sink *sink)
{
	struct hd_error e;
	struct admin ad;
	struct imp *u;

	if (!admin_enter_stream(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	u = hd_xcalloc(1, sizeof *u);
	u->sess = ad.s;
	u->fd = -1;
	hd_buf_init(&u->value);
	batch_limits_default(&u->lim);
	u->dir = admin_tmp(a, "import", "");
	hd_err_clear(&e);
	if (req->content_length > u->lim.max_total + (1u << 20)) {
		imp_fail(u, 413, "上传超过了一个转递包的上限，未存入任何内容",
			NULL);
	} else if (hd_fs_mkdirs(u->dir, &e) != 0) {
		imp_fail(u, 500, e.msg, NULL);
	} else if (imp_free(u) < req->content_length + DISK_SPARE) {
		imp_fail(u, 507, "磁盘空间不足，放不下这个转递包，未存入任何"
			"内容", NULL);
	}
	if (u->status != 0) {
		admin_message(s, req, resp, u->status, u->msg, &ad);
		imp_release(u);
		return 0;
	}
	sink->field = imp_field;
	sink->end = imp_end;
	sink->release = imp_release;
	sink->ud = u;
	return 1;
}

/* ------------------------------------------------------------ import */

/* The notes v[0..n) for the page, {path, msg}, each path named as the
 * user knows it: the upload's folder taken off. */
static json_t *notes_json(const struct imp *u, const struct hd_note *v,
	size_t n)
{
	json_t *arr = json_array(), *o;
	size_t len = strlen(u->dir), i;
	const char *p;

	for (i = 0; i < n; i++) {
		p = v[i].path;
		if (strncmp(p, u->dir, len) == 0 && p[len] == '/') {
			p += len + 1;
			p += strncmp(p, "bag/", 4) == 0 ? 4 :
				strncmp(p, "folder/", 7) == 0 ? 7 : 0;
			if (strcmp(p, "folder") == 0) {
				p = u->top != NULL ? u->top : "";
			}
		}
		o = json_object();
		json_object_set_new(o, "path", json_string(p));
		json_object_set_new(o, "msg", json_string(v[i].msg));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The bags received so far, newest first (at most 20): {id, peer, at,
 * items, files, receipt (its URL)}. */
static json_t *received_json(struct hd_archive *a)
{
	struct hd_transfer *v = NULL;
	json_t *arr = json_array(), *o;
	char when[20], *u;
	size_t n = 0, i, k = 0;

	if (hd_transfer_list(a, &v, &n, NULL) != 0) {
		return arr;
	}
	for (i = n; i-- > 0 && k < 20;) {
		if (strcmp(v[i].direction, "in") != 0) {
			continue;
		}
		o = json_object();
		json_object_set_new(o, "id", json_integer(v[i].id));
		json_object_set_new(o, "peer", admin_str(v[i].peer));
		admin_china_time(v[i].at, when);
		json_object_set_new(o, "at", json_string(when));
		json_object_set_new(o, "items", json_integer(v[i].items));
		json_object_set_new(o, "files", json_integer(v[i].files));
		u = hd_xasprintf("/admin/receipt/%lld", (long long)v[i].id);
		json_object_set_new(o, "receipt", json_string(u));
		free(u);
		json_array_append_new(arr, o);
		k++;
	}
	hd_transfers_free(v, n);
	return arr;
}

/* The import page with ctx's outcome (if any) at status. */
static void import_page(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	json_t *ctx, const struct admin *ad)
{
	json_object_set_new(ctx, "title", json_string("接收转递包"));
	json_t *rec = received_json(a);

	json_object_set_new(ctx, "has_received", json_boolean(
		json_array_size(rec) > 0));
	json_object_set_new(ctx, "received", rec);
	admin_page(s, req, resp, status, "admin_import.html", ctx, ad);
}

/* GET /admin/import (HD_PERM_EDIT): the form and the bags received. */
int page_admin_import(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	import_page(s, a, req, resp, 200, json_object(), &ad);
	return 0;
}

/* The outcome of import run r of upload u for the page: the records
 * stored, the warnings, the refusals and the receipt. */
static json_t *outcome_json(const struct imp *u, const struct import_run *r,
	int rc)
{
	json_t *o = json_object(), *recs = json_array(), *it;
	char *url;
	size_t i;

	for (i = 0; i < r->res.nrefs; i++) {
		it = json_object();
		json_object_set_new(it, "ref", json_string(r->res.refs[i]));
		json_object_set_new(it, "title", json_string(
			r->res.titles[i]));
		url = admin_record_url(r->res.refs[i]);
		json_object_set_new(it, "url", json_string(url));
		free(url);
		json_array_append_new(recs, it);
	}
	json_object_set_new(o, "bag", json_string(u->bag != NULL ?
		strrchr(u->bag, '/') + 1 : u->top != NULL ? u->top : ""));
	json_object_set_new(o, "refused", json_boolean(rc == HD_EREJECT));
	json_object_set_new(o, "nrejected", json_integer(
		(json_int_t)r->b.nrejected));
	json_object_set_new(o, "rejected", notes_json(u, r->b.rejected,
		r->b.nrejected));
	json_object_set_new(o, "warnings", notes_json(u, r->b.warnings,
		r->b.nwarnings));
	json_object_set_new(o, "has_records", json_boolean(
		json_array_size(recs) > 0));
	json_object_set_new(o, "has_warnings", json_boolean(
		r->b.nwarnings > 0));
	json_object_set_new(o, "records", recs);
	json_object_set_new(o, "added", json_integer(r->res.added));
	json_object_set_new(o, "duplicates", json_integer(
		r->res.duplicates));
	if (r->receipt > 0) {
		json_object_set_new(o, "receipt", json_integer(r->receipt));
		url = hd_xasprintf("/admin/receipt/%lld",
			(long long)r->receipt);
		json_object_set_new(o, "receipt_url", json_string(url));
		free(url);
		json_object_set_new(o, "again", json_boolean(r->again));
	}
	return o;
}

/* POST /admin/import (HD_PERM_EDIT; the body streamed by
 * page_admin_import_open): the bag uploaded, imported as "hongdang
 * import" imports it, and its receipt; a refused bag is a 422 listing
 * every reason, an upload that failed its status (400, 403, 413, 507)
 * with its reason; nothing is stored by either. */
int page_admin_import_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct imp *u = req->upload;
	struct ingest_opts o;
	struct import_run r;
	struct hd_error e;
	struct admin ad;
	json_t *ctx;
	char *path, *found;
	int rc;

	if (u == NULL) {                /* not multipart: a plain form */
		if (admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
			admin_message(s, req, resp, 400, "请选择转递包文件后"
				"再提交（表单须以 multipart/form-data "
				"上传）。", &ad);
		}
		return 0;
	}
	if (!admin_enter_stream(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	if (!u->token_ok || ad.s.user_id != u->sess.user_id) {
		admin_form_expired(s, req, resp, &ad);
		return 0;
	}
	if (u->status == 0 && u->approve && !admin_can(&ad,
	    HD_PERM_DECIDE)) {
		admin_denied(s, req, resp, &ad);
		return 0;
	}
	if (u->status == 0 && u->bag == NULL && u->nfiles == 0) {
		imp_fail(u, 400, "请选择转递包：一个 zip 或 tar 文件，或整个"
			"文件夹。", NULL);
	}
	if (u->status != 0) {
		admin_message(s, req, resp, u->status, u->msg, &ad);
		return 0;
	}
	if (u->bag != NULL) {
		path = hd_xstrdup(u->bag);
	} else {
		/* the folder chosen, or the bag in it */
		path = hd_xasprintf("%s/folder", u->dir);
		found = hd_bag_find(path);
		if (found != NULL) {
			free(path);
			path = found;
		}
	}
	memset(&o, 0, sizeof o);
	o.agent = &ad.agent;
	o.approve = u->approve;
	import_run_init(&r, a);
	hd_err_clear(&e);
	rc = ingest_import(&r, path, &o, &e);
	free(path);
	if (rc != 0 && rc != HD_EREJECT) {
		char msg[1200];

		snprintf(msg, sizeof msg, r.stored ? "档案已存入，但回执未能"
			"登记：%s（请再导入一次同一个包以登记回执）" :
			"转递包未能导入：%s", e.msg);
		admin_message(s, req, resp, 500, msg, &ad);
	} else {
		ctx = json_object();
		json_object_set_new(ctx, "outcome", outcome_json(u, &r, rc));
		import_page(s, a, req, resp, rc == 0 ? 200 : 422, ctx, &ad);
	}
	import_run_release(&r);
	return 0;
}

/* GET /admin/receipt/N (HD_PERM_EDIT): the receipt of received transfer
 * N as a JSON file to hand to the sender (404 when N is none). */
int page_admin_receipt(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *p = req->path + strlen("/admin/receipt/");
	struct hd_error e;
	struct admin ad;
	char *end, *path, *name, *ascii;
	long long id;

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	errno = 0;
	id = strtoll(p, &end, 10);
	if (!(*p >= '1' && *p <= '9') || *end != '\0' || errno != 0) {
		admin_message(s, req, resp, 404, "没有这份回执。", &ad);
		return 0;
	}
	path = admin_tmp(a, "receipt", "json");
	hd_err_clear(&e);
	if (hd_receipt_write(a, id, path, &e) != 0) {
		unlink(path);
		free(path);
		admin_message(s, req, resp, e.code == HD_ENOTFOUND ? 404 : 500,
			e.code == HD_ENOTFOUND ? "没有这份回执。" :
			"回执未能写出，请稍后再试。", &ad);
		return 0;
	}
	resp->file = path;
	resp->file_temp = 1;
	name = hd_xasprintf("回执-%lld.json", id);
	ascii = hd_xasprintf("receipt-%lld.json", id);
	admin_download(resp, "application/json", ascii, name);
	free(name);
	free(ascii);
	return 0;
}
