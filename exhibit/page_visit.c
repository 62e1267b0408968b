/*
 * page_visit.c - guided-talk bookings (讲解预约) for study groups.
 *
 * The form shows the slots of a day with their kind (公益时段 free, or
 * the low-price hours), price and room left; the library enforces the
 * rules and limits inside the booking's transaction.  The form carries a
 * CSRF token that must equal the one in the visitor's cookie (double
 * submit), so a page elsewhere cannot book in a visitor's name, and a
 * form token (hd_form_token) tied to that cookie, which books once and
 * lives HD_VISIT_FORM_TTL seconds: one form sent again and again books
 * once.
 */
#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSRF_COOKIE "hd_csrf"

/* The token in the request's cookie, copied into out (65 bytes), or "":
 * http_cookie_token, as the admin pages read theirs. */
static void cookie_token(const struct http_req *req, char out[65])
{
	http_cookie_token(req->cookie, CSRF_COOKIE, out);
}

/* The visitor's token into tok: the cookie's, or a new random one
 * (hd_random_hex: 32 bytes as 64 hex digits) set as the cookie on resp
 * (Path=/visit, HttpOnly, SameSite=Strict). */
static void ensure_token(const struct http_req *req, struct http_resp *resp,
	char tok[65])
{
	char hdr[160];

	cookie_token(req, tok);
	if (tok[0] != '\0') {
		return;
	}
	hd_random_hex(tok);
	snprintf(hdr, sizeof hdr, "%s=%s; Path=/visit; HttpOnly; "
		"SameSite=Strict", CSRF_COOKIE, tok);
	http_header(resp, "Set-Cookie", hdr);
}

/* The slots of day for visit.html, each {time, free, price, left,
 * full, past (begun at now), stopped (closed by the staff), closed (full,
 * past or stopped: not to be chosen), capacity, checked (the one chosen),
 * cls}; an empty array when they cannot be read.  Returns a new array. */
static json_t *slots_json(struct hd_archive *a, const char *day,
	const char *chosen, int64_t now)
{
	struct hd_slot *v = NULL;
	size_t n = 0, i;
	json_t *arr = json_array();

	if (hd_visit_slots(a, day, &v, &n, NULL) != 0) {
		return arr;
	}
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		int left = v[i].capacity - v[i].booked;
		int past = hd_visit_past(day, v[i].time, now);
		int stopped = hd_visit_closed(a, day, v[i].time);
		int closed = past || stopped || left <= 0;

		json_object_set_new(o, "time", json_string(v[i].time));
		json_object_set_new(o, "free", json_boolean(v[i].free));
		json_object_set_new(o, "price", json_integer(v[i].price));
		json_object_set_new(o, "left", json_integer(left));
		json_object_set_new(o, "full", json_boolean(left <= 0));
		json_object_set_new(o, "past", json_boolean(past));
		json_object_set_new(o, "stopped", json_boolean(stopped));
		json_object_set_new(o, "closed", json_boolean(closed));
		json_object_set_new(o, "capacity", json_integer(v[i].capacity));
		json_object_set_new(o, "checked", json_boolean(chosen &&
			strcmp(chosen, v[i].time) == 0));
		json_object_set_new(o, "cls", json_string(closed ?
			"slot full" : v[i].free ? "slot free" : "slot"));
		json_array_append_new(arr, o);
	}
	free(v);
	return arr;
}

/* The booking form into resp with status: the slots of the day asked
 * for (today in China when none, or not YYYY-MM-DD long), the visitor's
 * token (set as a cookie when new) and a new form token tied to it, the
 * opening status, and after an error the fields as sent with the error;
 * done: a confirmation. */
static void visit_form(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *error, const char *done)
{
	json_t *ctx = json_object();
	char today[11], tok[65], form[HD_FORM_TOKEN_SIZE], status_line[256];
	int64_t now = hd_now_s();
	const char *day = http_param(req, "day");
	const char *field;
	static const char *const keep[] = {"group", "contact", "people",
		"slot"};
	size_t i;

	hd_china_today(today);
	if (day == NULL || strlen(day) != 10) {
		day = today;
	}
	ensure_token(req, resp, tok);
	hd_form_token("visit", tok, now, form);
	json_object_set_new(ctx, "title", json_string("预约讲解"));
	json_object_set_new(ctx, "day", json_string(day));
	json_object_set_new(ctx, "today", json_string(today));
	json_object_set_new(ctx, "csrf", json_string(tok));
	json_object_set_new(ctx, "form", json_string(form));
	json_object_set_new(ctx, "slots", slots_json(a, day,
		http_param(req, "slot"), now));
	page_open_status(a, status_line, sizeof status_line);
	json_object_set_new(ctx, "open_status", json_string(status_line));
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		field = http_param(req, keep[i]);
		if (field != NULL && error != NULL) {
			json_object_set_new(ctx, keep[i], json_string(field));
		}
	}
	if (error != NULL) {
		json_object_set_new(ctx, "error", json_string(error));
	}
	if (done != NULL) {
		json_object_set_new(ctx, "done", json_string(done));
	}
	site_page(s, req, resp, status, "visit.html", ctx);
}

/* GET /visit: the booking form. */
int page_visit(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	visit_form(s, a, req, resp, 200, NULL, NULL);
	return 0;
}

/* The HTTP status of a refused booking: the visitor's mistake 422, a
 * form that booked already 409, a limit 429, the archive busy 503, the
 * rest 500. */
static int book_status(int code)
{
	switch (code) {
	case HD_EINVAL:
		return 422;
	case HD_EEXIST:
		return 409;
	case HD_ELIMIT:
		return 429;
	case HD_EBUSY:
		return 503;
	default:
		return 500;
	}
}

/* POST /visit: book a slot (hd_visit_book decides, at hd_now_s, for the
 * client's address) when the form's CSRF token equals the cookie's and
 * its form token is one this server made for that cookie within
 * HD_VISIT_FORM_TTL seconds (else 403 and nothing booked); the form
 * again with the booking's number, or with why not (book_status). */
int page_visit_book(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_agent agent = {"web:visitor"};
	const char *sent = http_param(req, "csrf");
	struct hd_booking b;
	struct hd_error e;
	char tok[65], nonce[33], *done;
	int64_t id;
	int st;

	memset(&b, 0, sizeof b);
	b.now = hd_now_s();
	cookie_token(req, tok);
	if (tok[0] == '\0' || sent == NULL || strcmp(sent, tok) != 0 ||
	    !hd_form_token_check("visit", tok, http_param(req, "form"),
	    b.now, HD_VISIT_FORM_TTL, nonce)) {
		visit_form(s, a, req, resp, 403, "表单已过期，请重新填写后"
			"提交。", NULL);
		return 0;
	}
	b.day = http_param(req, "day");
	b.slot = http_param(req, "slot");
	b.group = http_param(req, "group");
	b.contact = http_param(req, "contact");
	b.people = page_int(req, "people", 1, 100000, 0);
	b.remote = req->remote;
	b.form = nonce;
	hd_err_clear(&e);
	if (hd_visit_book(a, &b, &agent, &id, &e) != 0) {
		st = book_status(e.code);
		visit_form(s, a, req, resp, st, st < 500 ? e.msg :
			"预约暂时无法保存，请稍后再试。", NULL);
		if (st == 429) {
			site_retry_after(resp, e.retry);
		}
		return 0;
	}
	done = hd_xasprintf("已预约：%s %s，%s，%d 人。预约号 %lld。",
		b.day, b.slot, b.group, b.people, (long long)id);
	visit_form(s, a, req, resp, 200, NULL, done);
	free(done);
	return 0;
}
