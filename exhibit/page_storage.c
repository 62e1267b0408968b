/*
 * page_storage.c - the storage room's admin page (库房管理): the last
 * reading, a chart of the last 30 days of temperature and humidity drawn
 * here as inline SVG (no script, nothing from outside: it works offline
 * and passes the page's Content-Security-Policy, since it uses
 * presentation attributes and no style attribute), the readings outside
 * 14-24 °C / 45-60 % RH, the shelf locations, and a form to log a
 * reading.
 *
 * GET needs a staff session; POST needs an archivist's (HD_PERM_EDIT) and
 * the session's form token, both checked by admin_enter before anything
 * is written.  A logged reading answers with 303 back to the page, so a
 * reload does not log it twice.
 */
#include "admin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAYS 30

/* Chart geometry, in SVG user units. */
#define W 720
#define H 260
#define ML 48                   /* left margin: the °C axis */
#define MR 48                   /* right margin: the % axis */
#define MT 16
#define MB 40
#define PW (W - ML - MR)
#define PH (H - MT - MB)
#define TEMP_TOP 40.0           /* °C at the top of the plot */
#define RH_TOP 100.0            /* % at the top */

/* v within lo..hi. */
static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The chart's x of time t, from..to spanning the plot. */
static double xpos(time_t t, time_t from, time_t to)
{
	return ML + (double)PW * clampd((double)(t - from) /
		(double)(to - from), 0, 1);
}

/* The chart's y of c °C (0..TEMP_TOP spanning the plot). */
static double ytemp(double c)
{
	return MT + PH - (double)PH * clampd(c, 0, TEMP_TOP) / TEMP_TOP;
}

/* The chart's y of p % relative humidity (0..RH_TOP). */
static double yrh(double p)
{
	return MT + PH - (double)PH * clampd(p, 0, RH_TOP) / RH_TOP;
}

/* Why a reading is flagged ("温度过高，湿度过低"), or "". */
static void why(const struct hd_reading *r, char *out, size_t n)
{
	const char *t = r->temp < HD_TEMP_MIN ? "温度过低" :
		r->temp > HD_TEMP_MAX ? "温度过高" : NULL;
	const char *h = r->rh < HD_RH_MIN ? "湿度过低" :
		r->rh > HD_RH_MAX ? "湿度过高" : NULL;

	snprintf(out, n, "%s%s%s", t ? t : "", t && h ? "，" : "",
		h ? h : "");
}

/* The line of one series as SVG points. */
static void points(struct hd_buf *b, const struct hd_reading *v, size_t n,
	time_t from, time_t to, int rh)
{
	size_t i;
	time_t t;

	for (i = 0; i < n; i++) {
		t = admin_iso_seconds(v[i].at);
		if (t < 0) {
			continue;
		}
		hd_buf_printf(b, "%s%.1f,%.1f", i ? " " : "",
			xpos(t, from, to), rh ? yrh(v[i].rh) :
			ytemp(v[i].temp));
	}
}

/*
 * The chart: an SVG image of the readings v[0..n) between from and to,
 * with the ranges the room must keep shaded, temperature on the left
 * axis, humidity on the right, and each reading outside the ranges
 * marked with its values in a <title>.  Every text is escaped.  Returns
 * a new string (caller frees).
 */
static char *chart_svg(const struct hd_reading *v, size_t n, time_t from,
	time_t to)
{
	struct hd_buf b;
	char day[8], label[256], reason[64], when[20];
	time_t t;
	struct tm tm;
	size_t i;
	int k;

	hd_buf_init(&b);
	hd_buf_printf(&b, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/"
		"svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
		"aria-labelledby=\"chart-title chart-desc\">\n", W, H);
	hd_buf_printf(&b, "<title id=\"chart-title\">最近 %d 天库房温湿度"
		"</title>\n<desc id=\"chart-desc\">红线为温度（左轴，°C），"
		"蓝线为相对湿度（右轴，%%）；浅色带为应保持的范围 %.0f–%.0f °C "
		"与 %.0f–%.0f%%；橙色圆点为超出范围的读数。共 %zu 次记录。"
		"</desc>\n",
		DAYS, HD_TEMP_MIN, HD_TEMP_MAX, HD_RH_MIN, HD_RH_MAX, n);
	hd_buf_printf(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		"fill=\"#ffffff\"/>\n", W, H);
	/* the ranges */
	hd_buf_printf(&b, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" "
		"height=\"%.1f\" fill=\"#c0392b\" fill-opacity=\"0.10\"/>\n",
		ML, ytemp(HD_TEMP_MAX), PW, ytemp(HD_TEMP_MIN) -
		ytemp(HD_TEMP_MAX));
	hd_buf_printf(&b, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" "
		"height=\"%.1f\" fill=\"#2471a3\" fill-opacity=\"0.10\"/>\n",
		ML, yrh(HD_RH_MAX), PW, yrh(HD_RH_MIN) - yrh(HD_RH_MAX));
	/* axes and ticks */
	hd_buf_printf(&b, "<g stroke=\"#888888\" stroke-width=\"1\">"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>\n",
		ML, MT, ML, MT + PH, W - MR, MT, W - MR, MT + PH, ML, MT + PH,
		W - MR, MT + PH);
	hd_buf_puts(&b, "<g font-size=\"12\" fill=\"#333333\">\n");
	for (k = 0; k <= 4; k++) {
		hd_buf_printf(&b, "<text x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\" fill=\"#c0392b\">%d°C</text>"
			"<text x=\"%d\" y=\"%.1f\" fill=\"#2471a3\">%d%%</text>"
			"\n", ML - 4, ytemp(k * 10.0) + 4, k * 10, W - MR + 4,
			yrh(k * 25.0) + 4, k * 25);
	}
	for (t = from; t <= to; t += 5 * 86400) {
		time_t local = t + CHINA_UTC_OFFSET;

		gmtime_r(&local, &tm);
		strftime(day, sizeof day, "%m-%d", &tm);
		hd_buf_printf(&b, "<text x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\">%s</text>\n", xpos(t, from, to),
			MT + PH + 18, day);
	}
	hd_buf_puts(&b, "</g>\n");
	if (n == 0) {
		hd_buf_printf(&b, "<text x=\"%d\" y=\"%d\" "
			"text-anchor=\"middle\" font-size=\"16\" "
			"fill=\"#555555\">最近 %d 天没有记录</text>\n", W / 2,
			MT + PH / 2, DAYS);
	} else {
		hd_buf_puts(&b, "<polyline fill=\"none\" stroke=\"#c0392b\" "
			"stroke-width=\"2\" points=\"");
		points(&b, v, n, from, to, 0);
		hd_buf_puts(&b, "\"/>\n<polyline fill=\"none\" "
			"stroke=\"#2471a3\" stroke-width=\"2\" points=\"");
		points(&b, v, n, from, to, 1);
		hd_buf_puts(&b, "\"/>\n");
	}
	for (i = 0; i < n; i++) {
		t = admin_iso_seconds(v[i].at);
		if (v[i].in_range || t < 0) {
			continue;
		}
		why(&v[i], reason, sizeof reason);
		admin_china_time(v[i].at, when);
		snprintf(label, sizeof label, "%s %s：%.1f °C，%.0f%%（%s）",
			when, v[i].room, v[i].temp, v[i].rh, reason);
		hd_buf_printf(&b, "<circle class=\"flag\" cx=\"%.1f\" "
			"cy=\"%.1f\" r=\"5\" fill=\"#e67e22\"><title>",
			xpos(t, from, to), v[i].temp < HD_TEMP_MIN ||
			v[i].temp > HD_TEMP_MAX ? ytemp(v[i].temp) :
			yrh(v[i].rh));
		hd_buf_html(&b, label, strlen(label));
		hd_buf_puts(&b, "</title></circle>\n");
	}
	hd_buf_puts(&b, "</svg>");
	return hd_buf_detach(&b);
}

/* A reading for admin_storage.html: {at (China time), room, temp,
 * rh, why, in_range, cls}.  Returns a new object. */
static json_t *reading_json(const struct hd_reading *r)
{
	json_t *o = json_object();
	char buf[64], when[20];

	admin_china_time(r->at, when);
	json_object_set_new(o, "at", json_string(when));
	json_object_set_new(o, "room", json_string(r->room));
	snprintf(buf, sizeof buf, "%.1f", r->temp);
	json_object_set_new(o, "temp", json_string(buf));
	snprintf(buf, sizeof buf, "%.0f", r->rh);
	json_object_set_new(o, "rh", json_string(buf));
	why(r, buf, sizeof buf);
	json_object_set_new(o, "why", json_string(buf));
	json_object_set_new(o, "in_range", json_boolean(r->in_range));
	json_object_set_new(o, "cls", json_string(r->in_range ? "ok" :
		"flagged"));
	return o;
}

/* See admin.h: the readings of the last days days, oldest first, those
 * out of range as reading_json gives them. */
json_t *admin_readings_flagged(struct hd_archive *a, int days,
	struct hd_reading **all, size_t *nall)
{
	struct hd_reading *v = NULL;
	json_t *flagged = json_array();
	time_t from = time(NULL) - (time_t)days * 86400;
	char since[32];
	struct tm tm;
	size_t n = 0, i;

	gmtime_r(&from, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	if (hd_readings_since(a, since, NULL, &v, &n, NULL) != 0) {
		v = NULL;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		if (!v[i].in_range) {
			json_array_append_new(flagged, reading_json(&v[i]));
		}
	}
	if (all != NULL) {
		*all = v;
		*nall = n;
	} else {
		free(v);
	}
	return flagged;
}

/* The storage room page into resp with status: the chart and the
 * flagged readings of the last DAYS days, the last reading, the shelf
 * locations and, for archivists, the form; error: why a reading was not
 * logged (with the fields as typed). */
static void storage_page(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp, int status,
	const char *error, const struct admin *ad)
{
	struct hd_reading *v = NULL, last;
	struct hd_location *locs = NULL;
	size_t n = 0, nlocs = 0, i, bad;
	json_t *ctx = json_object(), *flagged, *arr;
	char *svg;
	time_t to = time(NULL), from = to - (time_t)DAYS * 86400;
	static const char *const keep[] = {"temp", "rh", "room", "at"};

	flagged = admin_readings_flagged(a, DAYS, &v, &n);
	bad = json_array_size(flagged);
	svg = chart_svg(v, n, from, to);
	json_object_set_new(ctx, "title", json_string("库房管理"));
	json_object_set_new(ctx, "chart", tmpl_html(svg));
	free(svg);
	json_object_set_new(ctx, "count", json_integer((json_int_t)n));
	json_object_set_new(ctx, "bad", json_integer((json_int_t)bad));
	json_object_set_new(ctx, "has_flagged", json_boolean(bad > 0));
	json_object_set_new(ctx, "flagged", flagged);
	if (hd_reading_last(a, &last, NULL) == 0) {
		json_object_set_new(ctx, "last", reading_json(&last));
	}
	arr = json_array();
	if (hd_location_list(a, &locs, &nlocs, NULL) == 0) {
		for (i = 0; i < nlocs; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "path",
				json_string(locs[i].path));
			json_object_set_new(o, "depth",
				json_integer(locs[i].depth));
			json_object_set_new(o, "records",
				json_integer(locs[i].records));
			json_array_append_new(arr, o);
		}
		hd_locations_free(locs, nlocs);
	}
	json_object_set_new(ctx, "locations", arr);
	json_object_set_new(ctx, "can_log", json_boolean(admin_can(ad,
		HD_PERM_EDIT)));
	if (http_param(req, "logged") != NULL && error == NULL) {
		json_object_set_new(ctx, "done", json_string("读数已登记。"));
	}
	if (error != NULL) {
		json_object_set_new(ctx, "error", json_string(error));
		for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
			const char *f = http_param(req, keep[i]);
			char *key = hd_xasprintf("form_%s", keep[i]);

			if (f != NULL) {
				json_object_set_new(ctx, key, json_string(f));
			}
			free(key);
		}
	}
	free(v);
	admin_page(s, req, resp, status, "admin_storage.html", ctx, ad);
}

/* GET /admin/storage (any staff session): the storage room page. */
int page_admin_storage(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	return admin_get(s, a, req, resp, HD_PERM_STAFF, storage_page);
}

/* A number from a form field ("18.5", "18,5", "18.5°C" is not), or NAN. */
static double form_number(const char *s)
{
	char buf[32], *end, *c;
	double v;

	if (s == NULL || *s == '\0' || strlen(s) >= sizeof buf) {
		return NAN;
	}
	snprintf(buf, sizeof buf, "%s", s);
	hd_trim(buf);
	for (c = buf; *c; c++) {
		if (*c == ',') {
			*c = '.';
		}
	}
	v = strtod(buf, &end);
	return end != buf && *end == '\0' ? v : NAN;
}

/* POST /admin/storage (HD_PERM_EDIT): log a reading of temp and rh,
 * in room (the library's default when empty or over 60 bytes) at at
 * (now when empty; hd_time_parse forms), then 303 to ?logged=1; else
 * the page with why (422 for what was typed, 500 when it cannot be
 * saved). */
int page_admin_storage_post(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct admin ad;
	struct hd_error e;
	double temp, rh;
	const char *room = http_param(req, "room");
	const char *at = http_param(req, "at");
	char iso[32];

	if (!admin_enter(s, a, req, resp, HD_PERM_EDIT, &ad)) {
		return 0;
	}
	temp = form_number(http_param(req, "temp"));
	rh = form_number(http_param(req, "rh"));
	if (isnan(temp) || isnan(rh)) {
		storage_page(s, a, req, resp, 422,
			"请填写温度和相对湿度（数字）。", &ad);
		return 0;
	}
	if (room != NULL && (*room == '\0' || strlen(room) > 60)) {
		room = NULL;
	}
	hd_err_clear(&e);
	if (at != NULL && *at != '\0' && hd_time_parse(at, iso, &e) != 0) {
		storage_page(s, a, req, resp, 422,
			"时间请写成 2026-11-20 09:30。", &ad);
		return 0;
	}
	if (hd_reading_add(a, room, temp, rh, at != NULL && *at != '\0' ?
	    iso : NULL, &ad.agent, &e) != 0) {
		storage_page(s, a, req, resp, e.code == HD_EINVAL ? 422 : 500,
			e.code == HD_EINVAL ?
			"这不是温湿度计能给出的读数，请核对。" :
			"读数暂时无法保存，请稍后再试。", &ad);
		return 0;
	}
	admin_redirect(resp, "/admin/storage?logged=1");
	return 0;
}
