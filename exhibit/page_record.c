/*
 * page_record.c - the record page (/record/REF: description, images,
 * text, related records and a QR code to take it home) and the same
 * record for the JSON API (/api/records/REF).
 *
 * Every call into the library here says HD_PUBLIC: a record a visitor
 * may not see is a 404, exactly like one that does not exist.
 */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

/* The reference code at the end of a path after prefix; NULL if none. */
static const char *path_ref(const struct http_req *req, const char *prefix)
{
	const char *r = req->path + strlen(prefix);

	return *r ? r : NULL;
}

/* A record the district harvested from a room: its room's name
 * ("source") and the record's page there ("source_url") into ctx, and
 * its cached thumbnail as its image when it has none (imgs).  Nothing
 * for the district's own records. */
static void room_ctx(struct hd_archive *a, const struct hd_record *r,
	json_t *ctx, json_t *imgs)
{
	char *source, *url, *thumb, *u;
	json_t *o;

	if (hd_harvest_of(a, r->id, &source, &url, &thumb, NULL) == 1) {
		json_object_set_new(ctx, "source", json_string(source));
		if (url != NULL) {
			json_object_set_new(ctx, "source_url",
				json_string(url));
		}
		if (thumb != NULL && json_array_size(imgs) == 0) {
			o = json_object();
			u = page_thumb_url(thumb);
			json_object_set_new(o, "screen", json_string(u));
			json_object_set_new(o, "thumb", json_string(u));
			json_object_set_new(o, "alt", json_string(r->title));
			json_array_append_new(imgs, o);
			free(u);
		}
	}
	free(source);
	free(url);
	free(thumb);
}

/* The values of record r for record.html (html 1: with the QR code of
 * its public address, made from --public-url or the Host header, and
 * snippets of related records as HTML) or for the JSON API (html 0):
 * its description, its image files as screen and thumbnail URLs, its
 * text, its URL and up to six related public records.  Returns a new
 * object. */
static json_t *record_ctx(struct site *s, struct hd_archive *a,
	const struct http_req *req, const struct hd_record *r, int html)
{
	json_t *ctx = json_object(), *imgs = json_array(), *files;
	struct hd_results rel;
	char *u, *abs, *svg, *text;
	size_t i;

	json_object_set_new(ctx, "ref", json_string(r->ref));
	json_object_set_new(ctx, "title", json_string(r->title));
	json_object_set_new(ctx, "creator", r->creator ?
		json_string(r->creator) : json_null());
	json_object_set_new(ctx, "date", r->date ? json_string(r->date) :
		json_null());
	json_object_set_new(ctx, "category", json_string(r->category));
	json_object_set_new(ctx, "category_name",
		json_string(hd_category_name(r->category) ?
		hd_category_name(r->category) : r->category));
	json_object_set_new(ctx, "place", r->place ? json_string(r->place) :
		json_null());
	json_object_set_new(ctx, "description", r->description ?
		json_string(r->description) : json_null());
	files = json_array();
	for (i = 0; i < r->nsubjects; i++) {
		json_array_append_new(files, json_string(r->subjects[i]));
	}
	json_object_set_new(ctx, "subjects", files);
	files = json_array();
	for (i = 0; i < r->npersons; i++) {
		json_array_append_new(files, json_string(r->persons[i]));
	}
	json_object_set_new(ctx, "persons", files);
	for (i = 0; i < r->nfiles; i++) {
		const struct hd_file *f = &r->files[i];
		json_t *o;

		if (f->mime == NULL || strncmp(f->mime, "image/", 6) != 0) {
			continue;
		}
		o = json_object();
		u = page_screen_url(f->sha256);
		json_object_set_new(o, "screen", json_string(u));
		free(u);
		u = page_thumb_url(f->sha256);
		json_object_set_new(o, "thumb", json_string(u));
		free(u);
		json_object_set_new(o, "width", json_integer(f->width));
		json_object_set_new(o, "height", json_integer(f->height));
		json_object_set_new(o, "alt", json_string(r->title));
		json_array_append_new(imgs, o);
	}
	room_ctx(a, r, ctx, imgs);
	json_object_set_new(ctx, "images", imgs);
	text = hd_record_text(a, r);
	if (text != NULL && *text) {
		json_object_set_new(ctx, "text", json_string(text));
		json_object_set_new(ctx, "show_text",
			json_boolean(json_array_size(imgs) > 0));
	}
	free(text);
	json_object_set_new(ctx, "has_subjects",
		json_boolean(r->nsubjects > 0));
	u = page_record_url(r->ref);
	json_object_set_new(ctx, "url", json_string(u));
	if (html) {
		abs = s->public_url ? hd_xasprintf("%s%s", s->public_url, u) :
			hd_xasprintf("%s://%s%s", req->tls ? "https" : "http",
			req->host ? req->host : "127.0.0.1:8080", u);
		svg = qr_svg(abs, "本页二维码：扫码带走这件档案");
		if (svg != NULL) {
			json_object_set_new(ctx, "qr", tmpl_html(svg));
		}
		json_object_set_new(ctx, "qr_url", json_string(abs));
		free(svg);
		free(abs);
	}
	free(u);
	if (hd_related_public(a, r->id, 6, &rel, NULL) == 0) {
		json_object_set_new(ctx, "related", page_hits(&rel, html));
		json_object_set_new(ctx, "has_related",
			json_boolean(rel.nhits > 0));
		hd_results_release(&rel);
	}
	return ctx;
}

/* GET /record/REF: the record page of a public record; 404 for any
 * other reference, existing or not. */
int page_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *ref = path_ref(req, "/record/");
	struct hd_record r;

	hd_record_init(&r);
	if (ref == NULL || hd_record_get(a, HD_PUBLIC, ref, &r, NULL) != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	site_page(s, req, resp, 200, "record.html",
		record_ctx(s, a, req, &r, 1));
	hd_record_release(&r);
	return 0;
}

/* GET /api/records/REF: the same values as JSON; 404 {"error": "not
 * found"} for a reference a visitor may not see. */
int page_api_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	const char *ref = path_ref(req, "/api/records/");
	struct hd_record r;
	json_t *o;

	hd_record_init(&r);
	if (ref == NULL || hd_record_get(a, HD_PUBLIC, ref, &r, NULL) != 0) {
		o = json_object();
		json_object_set_new(o, "error", json_string("not found"));
		http_json(resp, 404, o);
		return 0;
	}
	http_json(resp, 200, record_ctx(s, a, req, &r, 0));
	hd_record_release(&r);
	return 0;
}
