/*
 * calendar.c - clocks, days and times: the current time as the event log
 * writes it, the day it is in China, and the days and times people type.
 *
 * The archive room keeps China's calendar: a day typed by a person
 * ("2026-11-25") is that day in China, and a time without a zone is China
 * time: UTC+8, a fixed GLib zone (g_time_zone_new_offset).  It is what
 * the tz database's "Asia/Shanghai" has said since 1991; that zone's
 * history (local mean time before 1901, summer time in 1986-1991) would
 * move the times typed for those years, and would make the answer depend
 * on whether the machine has a tz database.  The grammar of what is
 * accepted is checked here by hand, since it is narrower than ISO 8601
 * (GLib's g_date_time_new_from_iso8601 accepts week dates, ordinal dates
 * and more, and needs seconds); which days exist and how times convert
 * between zones is GDateTime's.
 * Everything here is safe to call from several threads.
 */
#include "internal.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <glib.h>

#define CHINA_UTC_OFFSET (8 * 3600)     /* seconds east of UTC */

/* China's zone, UTC+8, made once (GLib's zones are immutable and may be
 * shared by threads); never freed. */
static gpointer china_zone_make(gpointer unused)
{
	(void)unused;
	return g_time_zone_new_offset(CHINA_UTC_OFFSET);
}

/* China's zone (see the top of the file).  Owned by this file. */
static GTimeZone *china_zone(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, china_zone_make, NULL);
}

/* The day of dt as "YYYY-MM-DD" into out. */
static void day_text(GDateTime *dt, char out[11])
{
	int y, m, d;

	g_date_time_get_ymd(dt, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
		(unsigned)m % 100u, (unsigned)d % 100u);
}

/* hd_mono_s: see hd.h.  CLOCK_MONOTONIC; never fails. */
double hd_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The skew function of hd_clock_set, NULL for none. */
static int64_t (*clock_skew)(void);

/* hd_clock_set: see hd.h.  Not synchronised: set before threads start. */
void hd_clock_set(int64_t (*skew)(void))
{
	clock_skew = skew;
}

/* hd_clock_skew_s: see hd.h.  0 without a skew function. */
int64_t hd_clock_skew_s(void)
{
	return clock_skew != NULL ? clock_skew() : 0;
}

/* hd_now_s: see hd.h.  time(2) plus the skew; never fails. */
int64_t hd_now_s(void)
{
	return (int64_t)time(NULL) + hd_clock_skew_s();
}

/* hd_now_iso: see hd.h.  The wall clock, in UTC, cut to milliseconds;
 * allocates nothing. */
void hd_now_iso(char out[32])
{
	struct timeval tv;
	struct tm tm;

	char ymdhms[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ymdhms, sizeof ymdhms, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03uZ", ymdhms,
		(unsigned)(tv.tv_usec / 1000) % 1000u);
}

/* hd_china_today: see hd.h.  The one place that says which day it is in
 * China: the day of hd_now_s, so the test clock moves it too. */
void hd_china_today(char out[11])
{
	char hm[6];

	hd_china_clock(hd_now_s(), out, hm);
}

/* hd_china_clock: see hd.h.  A time GDateTime cannot hold gives "" in
 * both. */
void hd_china_clock(int64_t t, char day[11], char hm[6])
{
	GDateTime *u = g_date_time_new_from_unix_utc(t), *dt = NULL;

	day[0] = hm[0] = '\0';
	if (u != NULL) {
		dt = g_date_time_to_timezone(u, china_zone());
		g_date_time_unref(u);
	}
	if (dt != NULL) {
		day_text(dt, day);
		snprintf(hm, 6, "%02u:%02u",
			(unsigned)g_date_time_get_hour(dt) % 24u,
			(unsigned)g_date_time_get_minute(dt) % 60u);
		g_date_time_unref(dt);
	}
}

/* Exactly n ASCII digits at s as a number, or -1. */
static int num(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD" at the start of s (digits and dashes in place): the year,
 * month and day, or 0 when it is not of that shape. */
static int ymd_shape(const char *s, int *y, int *m, int *d)
{
	if (strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-') {
		return 0;
	}
	*y = num(s, 4);
	*m = num(s + 5, 2);
	*d = num(s + 8, 2);
	return *y >= 0 && *m >= 0 && *d >= 0;
}

/*
 * hd_day_parse: see internal.h.  s must be exactly "YYYY-MM-DD" (ASCII
 * digits), from the year 1900, a month 1-12 and a day 1-31 (else
 * HD_EINVAL "应为 YYYY-MM-DD"); GDateTime says whether the day exists
 * (else HD_EINVAL "没有这一天").  Allocates nothing that outlives it.
 */
int hd_day_parse(const char *s, int64_t *t, struct hd_error *e)
{
	GDateTime *dt;
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || !ymd_shape(s, &y, &m, &d) ||
	    y < 1900 || m < 1 || m > 12 || d < 1 || d > 31) {
		return hd_err(e, HD_EINVAL, "日期 '%s'：应为 YYYY-MM-DD",
			s ? s : "");
	}
	dt = g_date_time_new_utc(y, m, d, 0, 0, 0);
	if (dt == NULL) {
		return hd_err(e, HD_EINVAL, "日期 '%s'：没有这一天", s);
	}
	*t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}

/* hd_day_format: see internal.h.  A time GDateTime cannot hold (before
 * year 1, after 9999) gives "". */
void hd_day_format(int64_t t, char out[11])
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);

	out[0] = '\0';
	if (dt != NULL) {
		day_text(dt, out);
		g_date_time_unref(dt);
	}
}

/* The UTC time of dt as hd_now_iso writes it, with ms milliseconds;
 * 0, or -1 when it falls outside the years 1-9999 in UTC. */
static int utc_text(GDateTime *dt, int ms, char out[32])
{
	GDateTime *u = g_date_time_to_utc(dt);
	char *s;

	if (u == NULL) {
		return -1;
	}
	s = g_date_time_format(u, "%Y-%m-%dT%H:%M:%S");
	snprintf(out, 32, "%.19s.%03uZ", s ? s : "", (unsigned)ms % 1000u);
	g_free(s);
	g_date_time_unref(u);
	return 0;
}

/*
 * hd_china_day_start: see internal.h.  The day is read by hd_day_parse
 * (its messages); its first second in China's zone, in UTC.
 */
int hd_china_day_start(const char *day, char out[32], struct hd_error *e)
{
	GDateTime *dt;
	int64_t t;
	int rc, y, m, d;

	rc = hd_day_parse(day, &t, e);
	if (rc != 0) {
		return rc;
	}
	ymd_shape(day, &y, &m, &d);
	dt = g_date_time_new(china_zone(), y, m, d, 0, 0, 0);
	if (dt == NULL || utc_text(dt, 0, out) != 0) {
		if (dt != NULL) {
			g_date_time_unref(dt);
		}
		return hd_err(e, HD_EINVAL, "日期 '%s'：没有这一天", day);
	}
	g_date_time_unref(dt);
	return 0;
}

/*
 * hd_time_parse: see hd.h.  Accepts YYYY-MM-DD (from 1900), then
 * optionally 'T' or a space, hh:mm, :ss and .fff (more digits are read
 * and dropped), then optionally Z or ±hh:mm / ±hhmm (at most 14 hours).
 * The day must exist and the time be 00:00-23:59:59; GDateTime builds it
 * in the zone given (China's when none) and converts it to UTC.
 * Returns 0, or HD_EINVAL naming s.
 */
int hd_time_parse(const char *s, char out[32], struct hd_error *e)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0, zoned = 0;
	int sign, oh, om, k;
	GTimeZone *tz = NULL;
	GDateTime *dt = NULL;

	if (s == NULL || !ymd_shape(s, &y, &mo, &d) || y < 1900) {
		goto bad;
	}
	p += 10;
	if (*p == 'T' || *p == ' ') {
		if (strnlen(p, 6) < 6) {
			goto bad;
		}
		h = num(p + 1, 2);
		mi = num(p + 4, 2);
		if (p[3] != ':' || h < 0 || h > 23 || mi < 0 || mi > 59) {
			goto bad;
		}
		p += 6;
		if (*p == ':') {
			sec = num(p + 1, 2);
			if (sec < 0 || sec > 59) {
				goto bad;
			}
			p += 3;
			if (*p == '.') {
				for (k = 0, p++; *p >= '0' && *p <= '9'; p++,
				    k++) {
					if (k < 3) {
						ms = ms * 10 + (*p - '0');
					}
				}
				if (k == 0) {
					goto bad;
				}
				for (; k < 3; k++) {
					ms *= 10;
				}
			}
		}
	}
	if (*p == 'Z') {
		zoned = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		if (strnlen(p, 5) < 5) {
			goto bad;
		}
		sign = *p == '-' ? -1 : 1;
		oh = num(p + 1, 2);
		if (p[3] == ':') {
			om = num(p + 4, 2);
			p += 6;
		} else {
			om = num(p + 3, 2);
			p += 5;
		}
		if (oh < 0 || oh > 14 || om < 0 || om > 59) {
			goto bad;
		}
		off = sign * (oh * 60 + om);
		zoned = 1;
	}
	if (*p != '\0') {
		goto bad;
	}
	tz = zoned ? g_time_zone_new_offset(off * 60) :
		g_time_zone_ref(china_zone());
	dt = g_date_time_new(tz, y, mo, d, h, mi, sec);
	g_time_zone_unref(tz);
	if (dt == NULL) {
		goto bad;
	}
	k = utc_text(dt, ms, out);
	g_date_time_unref(dt);
	if (k != 0) {
		goto bad;
	}
	return 0;
bad:
	return hd_err(e, HD_EINVAL, "time '%s': write 2026-11-20 09:30 "
		"(China time) or ISO 8601 with a zone", s ? s : "");
}
