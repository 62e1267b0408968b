/*
 * page_admin_review.c - review (审核) on the admin pages: the queue with
 * thumbnails, the full record (restricted metadata too) with its history,
 * the edit form and the decisions, and the images staff may see.
 *
 * Who may do what is asked of the library (hd_role_can) on every
 * request: reviewers approve, return and withdraw; archivists edit and
 * resubmit; admins do both.  Images here are those of records that are
 * not restricted, for any staff account with a session; the content of a
 * restricted record is only shown through an approved consultation
 * (page_admin_consult.c), where each use is logged.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

/* The staff URL of the thumbnail of object sha.  Caller frees. */
static char *admin_thumb(const char *sha)
{
	return hd_xasprintf("/admin/img/thumb/%s.jpg", sha);
}

/* ------------------------------------------------------------ queue */

/* GET /admin/review?status=: the review queue (any staff session) of
 * the records in one status (pending by default; returned, withdrawn,
 * or all not published), with tabs to switch, each item with its
 * reviewer's note and, unless restricted, its thumbnail. */
int page_admin_review(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	static const struct {
		const char *code, *label;
	} tabs[] = {
		{"pending", "待审核"}, {"returned", "已退回"},
		{"withdrawn", "已撤回"}, {"all", "全部未发布"},
	};
	const char *status = http_param(req, "status");
	struct hd_queue_item *v = NULL;
	struct admin ad;
	json_t *ctx, *arr, *tl;
	size_t n = 0, i;
	char *u;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	for (i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
		if (status != NULL && strcmp(status, tabs[i].code) == 0) {
			break;
		}
	}
	if (i == sizeof tabs / sizeof tabs[0]) {
		status = "pending";
	}
	ctx = json_object();
	tl = json_array();
	for (i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
		json_t *o = json_object();

		u = hd_xasprintf("/admin/review?status=%s", tabs[i].code);
		json_object_set_new(o, "url", json_string(u));
		free(u);
		json_object_set_new(o, "label", json_string(tabs[i].label));
		json_object_set_new(o, "current", json_boolean(
			strcmp(status, tabs[i].code) == 0));
		json_array_append_new(tl, o);
	}
	if (hd_review_list(a, status, &v, &n, NULL) != 0) {
		n = 0;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "ref", json_string(v[i].ref));
		u = admin_record_url(v[i].ref);
		json_object_set_new(o, "url", json_string(u));
		free(u);
		json_object_set_new(o, "title", json_string(v[i].title));
		json_object_set_new(o, "date", json_string(v[i].date ?
			v[i].date : ""));
		json_object_set_new(o, "status", json_string(admin_or_code(
			hd_status_name(v[i].status), v[i].status)));
		json_object_set_new(o, "access", json_string(admin_or_code(
			hd_access_name(v[i].access), v[i].access)));
		json_object_set_new(o, "category", json_string(admin_or_code(
			hd_category_name(v[i].category), v[i].category)));
		if (v[i].thumb != NULL &&
		    strcmp(v[i].access, "restricted") != 0) {
			u = admin_thumb(v[i].thumb);
			json_object_set_new(o, "thumb", json_string(u));
			free(u);
		}
		if (v[i].note != NULL) {
			json_object_set_new(o, "note", json_string(v[i].note));
			json_object_set_new(o, "note_by",
				json_string(v[i].note_by ? v[i].note_by : ""));
		}
		json_array_append_new(arr, o);
	}
	hd_queue_free(v, n);
	json_object_set_new(ctx, "title", json_string("审核队列"));
	json_object_set_new(ctx, "tabs", tl);
	json_object_set_new(ctx, "count", json_integer((json_int_t)n));
	json_object_set_new(ctx, "items", arr);
	admin_page(s, req, resp, 200, "admin_review.html", ctx, &ad);
	return 0;
}

/* ----------------------------------------------------------- record */

/* The strings v[0..n) joined by "；" (as the edit form shows subjects
 * and persons).  Caller frees. */
static char *joined(char **v, size_t n)
{
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b);
	for (i = 0; i < n; i++) {
		hd_buf_printf(&b, "%s%s", i ? "；" : "", v[i]);
	}
	return hd_buf_detach(&b);
}

/* The files of r: thumbnails for staff when the record is not
 * restricted; for a restricted one, links to the consultation pages for
 * each kind this account may use today. */
static json_t *files_json(struct hd_archive *a, const struct hd_record *r,
	const struct admin *ad, int *any_consult)
{
	static const char *const kinds[] = {"view", "print", "copy"};
	json_t *arr = json_array();
	int restricted = strcmp(r->access, "restricted") == 0;
	int allowed[3];
	int64_t req_id;
	size_t i, k;
	char *u;

	for (k = 0; k < 3; k++) {
		allowed[k] = hd_consult_allowed(a, ad->s.user_id, r->ref,
			kinds[k], ad->today, &req_id, NULL) == 0;
		*any_consult |= allowed[k];
	}
	for (i = 0; i < r->nfiles; i++) {
		const struct hd_file *f = &r->files[i];
		json_t *o = json_object(), *links = json_array();
		char *rurl = page_record_url(r->ref);

		json_object_set_new(o, "n", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "name", json_string(f->name));
		json_object_set_new(o, "size", json_integer(
			(json_int_t)f->size));
		json_object_set_new(o, "mime", admin_str(f->mime));
		json_object_set_new(o, "sha256", json_string(f->sha256));
		/* rurl is "/record/REF" */
		u = hd_xasprintf("/admin/view%s/%zu", rurl + strlen("/record"),
			i + 1);
		json_object_set_new(o, "view", json_string(u));
		free(u);
		if (!restricted && f->mime != NULL &&
		    strncmp(f->mime, "image/", 6) == 0) {
			u = admin_thumb(f->sha256);
			json_object_set_new(o, "thumb", json_string(u));
			free(u);
			u = hd_xasprintf("/admin/img/screen/%s.jpg",
				f->sha256);
			json_object_set_new(o, "screen", json_string(u));
			free(u);
		}
		for (k = 0; k < 3; k++) {
			json_t *l;

			if (!allowed[k]) {
				continue;
			}
			l = json_object();
			/* rurl is "/record/REF" */
			u = hd_xasprintf("/admin/consult/%s%s/%zu", kinds[k],
				rurl + strlen("/record"), i + 1);
			json_object_set_new(l, "url", json_string(u));
			free(u);
			json_object_set_new(l, "label", json_string(
				hd_consult_kind_name(kinds[k])));
			json_array_append_new(links, l);
		}
		free(rurl);
		json_object_set_new(o, "consult", links);
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The events of r, newest first, each {id, at, type, agent, detail}.
 * Returns a new array. */
static json_t *events_json(const struct hd_record *r)
{
	json_t *arr = json_array();
	size_t i;

	for (i = r->nevents; i-- > 0; ) {
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, "
			"s:s}", "id", (json_int_t)r->events[i].id,
			"at", r->events[i].at, "type", r->events[i].type,
			"agent", r->events[i].agent,
			"detail", r->events[i].detail));
	}
	return arr;
}

/* The admin record page of ref into resp with status: every field
 * (restricted metadata too), its files, its history, the edit form and
 * the decisions this account may take in the record's status; a 404
 * message when there is no such record.  error: why a POST failed,
 * done: a confirmation. */
static void record_page(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *ref, const char *error, const char *done,
	const struct admin *ad)
{
	static const char *const access[] = {"public", "internal",
		"restricted"};
	struct hd_record r;
	json_t *ctx;
	char *u;
	int any = 0, st_pending, st_approved, st_back;

	hd_record_init(&r);
	if (ref == NULL || hd_record_get(a, HD_ARCHIVIST, ref, &r,
	    NULL) != 0) {
		admin_message(s, req, resp, 404, "没有这件档案。", ad);
		return;
	}
	ctx = admin_record_ctx(&r, "action");
	if (strcmp(r.status, "approved") == 0 &&
	    strcmp(r.access, "public") == 0) {
		u = page_record_url(r.ref);
		json_object_set_new(ctx, "public_url", json_string(u));
		free(u);
	}
	json_object_set_new(ctx, "record_title", json_string(r.title));
	json_object_set_new(ctx, "creator", admin_str(r.creator));
	json_object_set_new(ctx, "date", admin_str(r.date));
	json_object_set_new(ctx, "place", admin_str(r.place));
	json_object_set_new(ctx, "description", admin_str(r.description));
	json_object_set_new(ctx, "location", admin_str(r.location));
	json_object_set_new(ctx, "source", admin_str(r.source));
	json_object_set_new(ctx, "category", json_string(admin_or_code(
		hd_category_name(r.category), r.category)));
	json_object_set_new(ctx, "retention", json_string(admin_or_code(
		hd_retention_name(r.retention), r.retention)));
	json_object_set_new(ctx, "status", json_string(r.status));
	json_object_set_new(ctx, "status_name", json_string(admin_or_code(
		hd_status_name(r.status), r.status)));
	json_object_set_new(ctx, "access_name", json_string(admin_or_code(
		hd_access_name(r.access), r.access)));
	json_object_set_new(ctx, "restricted", json_boolean(
		strcmp(r.access, "restricted") == 0));
	json_object_set_new(ctx, "access_options", admin_options(access, 3,
		hd_access_name, r.access));
	u = joined(r.subjects, r.nsubjects);
	json_object_set_new(ctx, "subjects", json_string(u));
	free(u);
	u = joined(r.persons, r.npersons);
	json_object_set_new(ctx, "persons", json_string(u));
	free(u);
	json_object_set_new(ctx, "files", files_json(a, &r, ad, &any));
	json_object_set_new(ctx, "consult_ok", json_boolean(any));
	json_object_set_new(ctx, "events", events_json(&r));
	st_pending = strcmp(r.status, "pending") == 0;
	st_approved = strcmp(r.status, "approved") == 0;
	st_back = strcmp(r.status, "returned") == 0 ||
		strcmp(r.status, "draft") == 0 ||
		strcmp(r.status, "withdrawn") == 0;
	json_object_set_new(ctx, "may_approve", json_boolean(st_pending &&
		admin_can(ad, HD_PERM_DECIDE)));
	json_object_set_new(ctx, "may_withdraw", json_boolean(st_approved &&
		admin_can(ad, HD_PERM_DECIDE)));
	json_object_set_new(ctx, "may_resubmit", json_boolean(st_back &&
		admin_can(ad, HD_PERM_EDIT)));
	json_object_set_new(ctx, "may_edit", json_boolean(admin_can(ad,
		HD_PERM_EDIT)));
	json_object_set_new(ctx, "edit_unpublishes", json_boolean(
		st_approved));
	if (error != NULL) {
		json_object_set_new(ctx, "error", json_string(error));
	}
	if (done != NULL) {
		json_object_set_new(ctx, "done", json_string(done));
	}
	hd_record_release(&r);
	admin_page(s, req, resp, status, "admin_record.html", ctx, ad);
}

/* What follows prefix in the request's path, or NULL when nothing. */
static const char *path_rest(const struct http_req *req, const char *prefix)
{
	const char *r = req->path + strlen(prefix);

	return *r ? r : NULL;
}

/* GET /admin/record/REF (any staff session): the record page, with the
 * confirmation ?done=ACTION names. */
int page_admin_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	static const struct {
		const char *code, *text;
	} dones[] = {
		{"approve", "已批准发布。"}, {"return", "已退回。"},
		{"withdraw", "已撤回：公众页面上已不再显示。"},
		{"resubmit", "已重新提交审核。"}, {"edit", "已保存修改。"},
		{"same", "没有改动。"},
	};
	const char *done = http_param(req, "done"), *text = NULL;
	struct admin ad;
	size_t i;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	for (i = 0; done != NULL && i < sizeof dones / sizeof dones[0];
	    i++) {
		if (strcmp(done, dones[i].code) == 0) {
			text = dones[i].text;
		}
	}
	record_page(s, a, req, resp, 200, path_rest(req, "/admin/record/"),
		NULL, text, &ad);
	return 0;
}

/* 1 when access (as posted) would take the record at ref out of
 * "restricted". */
static int lifts_restriction(struct hd_archive *a, const char *ref,
	const char *access)
{
	struct hd_record r;
	int lifts = 0;

	if (access == NULL || strcmp(access, "restricted") == 0) {
		return 0;
	}
	hd_record_init(&r);
	if (hd_record_get(a, HD_ARCHIVIST, ref, &r, NULL) == 0) {
		lifts = strcmp(r.access, "restricted") == 0;
	}
	hd_record_release(&r);
	return lifts;
}

/* POST /admin/record/REF, action approve, return or withdraw
 * (HD_PERM_DECIDE), resubmit or edit (HD_PERM_EDIT; lifting
 * "restricted" needs HD_PERM_DECIDE too): done through the library,
 * then 303 to the record with ?done=ACTION ("same" for an edit that
 * changed nothing); else 400, 403, 404, or the page with why (422, or
 * 500 when the database failed). */
int page_admin_record_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *ref = path_rest(req, "/admin/record/");
	const char *action = http_param(req, "action");
	const char *reason = http_param(req, "reason");
	enum hd_perm need;
	struct hd_edit ed;
	struct hd_error e;
	struct admin ad;
	char *u;
	int rc, changed = 0;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (action == NULL || ref == NULL) {
		admin_message(s, req, resp, 400, "请求不完整。", &ad);
		return 0;
	}
	if (strcmp(action, "approve") == 0 || strcmp(action, "return") == 0 ||
	    strcmp(action, "withdraw") == 0) {
		need = HD_PERM_DECIDE;
	} else if (strcmp(action, "resubmit") == 0 ||
	    strcmp(action, "edit") == 0) {
		need = HD_PERM_EDIT;
	} else {
		admin_message(s, req, resp, 400, "未知操作。", &ad);
		return 0;
	}
	if (!admin_can(&ad, need)) {
		admin_denied(s, req, resp, &ad);
		return 0;
	}
	hd_err_clear(&e);
	if (strcmp(action, "approve") == 0) {
		rc = hd_review_approve(a, ref, &ad.agent, &e);
	} else if (strcmp(action, "return") == 0) {
		rc = hd_review_return(a, ref, reason, &ad.agent, &e);
	} else if (strcmp(action, "withdraw") == 0) {
		rc = hd_review_withdraw(a, ref, reason, &ad.agent, &e);
	} else if (strcmp(action, "resubmit") == 0) {
		rc = hd_review_resubmit(a, ref, &ad.agent, &e);
	} else {
		memset(&ed, 0, sizeof ed);
		ed.title = http_param(req, "title");
		ed.creator = http_param(req, "creator");
		ed.date = http_param(req, "date");
		ed.place = http_param(req, "place");
		ed.description = http_param(req, "description");
		ed.access = http_param(req, "access");
		ed.location = http_param(req, "location");
		ed.subjects = http_param(req, "subjects");
		ed.persons = http_param(req, "persons");
		if (lifts_restriction(a, ref, ed.access) &&
		    !admin_can(&ad, HD_PERM_DECIDE)) {
			/* else an archivist could open a party member's
			 * archive to staff view without a consultation */
			admin_message(s, req, resp, 403, "限制级档案的开放范围"
				"只能由审核人员解除。", &ad);
			return 0;
		}
		rc = hd_record_edit(a, ref, &ed, &ad.agent, &changed, &e);
		if (rc == 0 && changed == 0) {
			action = "same";
		}
	}
	if (rc == HD_ENOTFOUND) {
		admin_message(s, req, resp, 404, "没有这件档案。", &ad);
		return 0;
	}
	if (rc != 0) {
		record_page(s, a, req, resp, rc == HD_EINVAL ? 422 : 500, ref,
			e.msg, NULL, &ad);
		return 0;
	}
	u = admin_record_url(ref);
	{
		char *to = hd_xasprintf("%s?done=%s", u, action);

		admin_redirect(resp, to);
		free(to);
	}
	free(u);
	return 0;
}

/* ----------------------------------------------------------- images */

/* /admin/img/thumb/SHA.jpg and /admin/img/screen/SHA.jpg: derivatives of
 * images of records that are not restricted, in any status, for staff. */
int page_admin_image(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	enum hd_deriv kind;
	struct admin ad;
	char sha[65], *path = NULL;

	if (!admin_enter(s, a, req, resp, HD_PERM_STAFF, &ad)) {
		return 0;
	}
	if (page_image_name(req->path + strlen("/admin/img/"), &kind,
	    sha) != 0 || !hd_object_staff(a, sha) ||
	    hd_derive(a, sha, kind, &path, NULL) != 0) {
		resp->status = 404;
		return 0;
	}
	resp->file = path;
	resp->type = "image/jpeg";
	http_header(resp, "Cache-Control", "private, no-cache");
	return 0;
}
