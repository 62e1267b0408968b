/*
 * pages.h - what the page files share: the page functions named in the
 * route table and the helpers that turn library results into template
 * and API values.
 */
#ifndef HD_PAGES_H
#define HD_PAGES_H

#include "site.h"

/* China's offset from UTC in seconds: one zone, no daylight saving
 * since 1991, so exhibit pages add it by hand rather than reading a zone
 * file a small machine may lack (the day itself: hd_china_today). */
#define CHINA_UTC_OFFSET (8 * 3600)

/* pages (page_exhibit.c, page_search.c, page_record.c, page_study.c,
 * page_image.c, page_visit.c) */
int page_home(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_corridor(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_reading(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_demo(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_demo_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_api_demos(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_study(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_image(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_visit(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_visit_book(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_api_search(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_api_suggest(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_api_record(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_api_corridor(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_api_reading(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_api_stats(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);

/* harvesting (page_oai.c) and the storage room (page_storage.c) */
int page_oai(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_storage(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);
int page_admin_storage_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);

/* helpers (site.c) */

/* The exhibit's one rendering of a snippet, appended to b as HTML: "…"
 * where it was cut, each mark inside <mark></mark>, everything else
 * escaped (& < > " ').  Grows b; allocates nothing else. */
void page_snippet_html(struct hd_buf *b, const struct hd_snippet *s);
/* A hit as a value for templates and the API: ref, url ("/record/…"),
 * title, date, year, category (+ name), snippet (page_snippet_html: raw
 * HTML for templates when html is 1, an HTML string for the API
 * otherwise), thumb URL. */
json_t *page_hit(const struct hd_hit *h, int html);
/* An array of page_hit values. */
json_t *page_hits(const struct hd_results *res, int html);
/* The URL path of a record: "/record/QF01-ZP.1985.Y-SQ-0001" (the "."
 * form of the reference code, readable in a QR code). */
char *page_record_url(const char *ref);
/* Thumbnail / screen-copy URLs of an object. */
char *page_thumb_url(const char *sha);
char *page_screen_url(const char *sha);
/* The name of a derivative under /img/ or /admin/img/: "thumb/SHA.jpg"
 * or "screen/SHA.jpg" into *kind and sha (SHA: 64 lower-case hex
 * digits).  0, or -1 for any other name. */
int page_image_name(const char *p, enum hd_deriv *kind, char sha[65]);
/* A number from a query parameter within lo..hi, else def. */
int page_int(const struct http_req *req, const char *name, int lo, int hi,
	int def);
/* The opening status now (China time): free hours, low-price hours or
 * closed, as a sentence. */
void page_open_status(struct hd_archive *a, char *out, size_t n);

/* The original sha256 as resp's body (page_object.c): the local store's
 * file, or a bucket's object streamed as it is read.  0, 404 (missing
 * from the store) or 503 (the bucket out of reach); resp's type and
 * headers are the caller's. */
int page_object_send(struct hd_archive *a, const char *sha256,
	struct http_resp *resp);
/* Up to cap bytes of the original sha256 (hd_read_file: *more set when
 * it holds more), fetched from a bucket when it is there; NULL when it
 * cannot be read.  Caller frees. */
unsigned char *page_object_bytes(struct hd_archive *a, const char *sha256,
	size_t cap, size_t *n, int *more);

#endif
