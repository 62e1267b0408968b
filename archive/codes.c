/*
 * codes.c - reference codes (档号, DA/T 13-2022), description dates
 * (DA/T 18, ISO 8601) and the code tables of the archive.
 *
 * Pure functions: no allocation, no I/O.  Every parser refuses what it does
 * not understand with a message that quotes the input.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* 门类 (DA/T 13 and the community's own). */
static const struct hd_code_name categories[] = {
	{"WS", "文书"}, {"ZP", "照片"}, {"RS", "人事"}, {"SW", "实物"},
	{"LY", "录音"}, {"LX", "录像"}, {"KJ", "会计"}, {"JJ", "基建"},
	{"DZ", "电子"}, {NULL, NULL},
};
/* After each table's names, other words catalogue sheets write for a
 * code: hd_code_of takes them, hd_name_of gives the first name. */
static const struct hd_code_name retentions[] = {
	{"Y", "永久"}, {"D30", "30年"}, {"D10", "10年"},
	{"D30", "30"}, {"D10", "10"}, {NULL, NULL},
};
static const struct hd_code_name accesses[] = {
	{"public", "公开"}, {"internal", "内部"}, {"restricted", "限制"},
	{"public", "开放"}, {"public", "是"}, {"restricted", "控制"},
	{"restricted", "否"}, {NULL, NULL},
};
static const struct hd_code_name statuses[] = {
	{"draft", "草稿"}, {"pending", "待审核"}, {"approved", "已发布"},
	{"returned", "已退回"}, {"withdrawn", "已撤回"}, {NULL, NULL},
};
static const struct hd_code_name classes[] = {
	{"DJ", "党建"}, {"SQ", "社区史"}, {"GZ", "改造"}, {"DS", "读书"},
	{"YS", "演示"}, {NULL, NULL},
};

/* See internal.h.  Codes are matched without regard to case, names exactly;
 * the code returned is the table's (static). */
const char *hd_code_of(const struct hd_code_name *t, const char *s,
	int by_name)
{
	size_t i;

	if (s == NULL) {
		return NULL;
	}
	for (i = 0; t[i].code != NULL; i++) {
		if (strcasecmp(t[i].code, s) == 0) {
			return t[i].code;
		}
		if (by_name && strcmp(t[i].name, s) == 0) {
			return t[i].code;
		}
	}
	return NULL;
}

/* See internal.h.  The code must match exactly; NULL for an unknown or NULL
 * code. */
const char *hd_name_of(const struct hd_code_name *t, const char *code)
{
	size_t i;

	if (code == NULL) {
		return NULL;
	}
	for (i = 0; t[i].code != NULL; i++) {
		if (strcmp(t[i].code, code) == 0) {
			return t[i].name;
		}
	}
	return NULL;
}

/* hd_category_code: see hd.h (WS 文书, ZP 照片, RS 人事, SW 实物, LY 录音,
 * LX 录像). */
const char *hd_category_code(const char *s)
{
	return hd_code_of(categories, s, 1);
}

/* hd_category_name: see hd.h. */
const char *hd_category_name(const char *code)
{
	return hd_name_of(categories, code);
}

/* hd_retention_code: see hd.h.  "30" and "10", as sheets write them,
 * are D30 and D10 too. */
const char *hd_retention_code(const char *s)
{
	return hd_code_of(retentions, s, 1);
}

/* hd_retention_name: see hd.h. */
const char *hd_retention_name(const char *code)
{
	return hd_name_of(retentions, code);
}

/* hd_access_code: see hd.h.  开放 and 是 are public, 控制 and 否
 * restricted, as sheets write them. */
const char *hd_access_code(const char *s)
{
	return hd_code_of(accesses, s, 1);
}

/* hd_access_name: see hd.h. */
const char *hd_access_name(const char *code)
{
	return hd_name_of(accesses, code);
}

/* hd_status_name: see hd.h. */
const char *hd_status_name(const char *code)
{
	return hd_name_of(statuses, code);
}

/* hd_class_name: see hd.h. */
const char *hd_class_name(const char *code)
{
	return hd_name_of(classes, code);
}

/* ------------------------------------------------------------- dates */

/* The days of month m (1-12) of year y, Gregorian leap years. */
static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* Read exactly n digits at *p; returns the value or -1. */
static int digits(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i])) {
			return -1;
		}
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

/* Read 1 or 2 digits. */
static int digits12(const char **p)
{
	int v;

	if (!isdigit((unsigned char)**p)) {
		return -1;
	}
	v = *(*p)++ - '0';
	if (isdigit((unsigned char)**p)) {
		v = v * 10 + (*(*p)++ - '0');
	}
	return v;
}

/* How many ASCII digits start s. */
static int ndigits(const char *s)
{
	int n = 0;

	while (isdigit((unsigned char)s[n])) {
		n++;
	}
	return n;
}

/* One point in time: y, m (0 absent), d (0 absent).  Accepts
 * YYYY[-M[M][-D[D]]], the same with "." or "/" for "-", YYYYMMDD, and
 * YYYY年[M月[D日]].  "/" separates a month only when one or two digits
 * follow it: "1985/3" is March 1985 and "1985/1/5" a day, while
 * "1985/1990" is left for the caller as a range (a year has four
 * digits).  *slashed is set to 1 when the point used "/".  Returns 0 and
 * advances *p, or -1. */
static int date_point(const char **p, int *y, int *m, int *d, int *slashed)
{
	const char *s = *p;
	char sep;

	*m = 0;
	*d = 0;
	*slashed = 0;
	*y = digits(&s, 4);
	if (*y < 0) {
		return -1;
	}
	if (isdigit((unsigned char)s[0])) {
		/* YYYYMMDD */
		*m = digits(&s, 2);
		*d = digits(&s, 2);
		if (*m < 0 || *d < 0) {
			return -1;
		}
	} else if (strncmp(s, "年", 3) == 0) {
		s += 3;
		if (isdigit((unsigned char)s[0])) {
			*m = digits12(&s);
			if (strncmp(s, "月", 3) != 0) {
				return -1;
			}
			s += 3;
			if (isdigit((unsigned char)s[0])) {
				*d = digits12(&s);
				if (strncmp(s, "日", 3) != 0) {
					return -1;
				}
				s += 3;
			}
		}
	} else if ((s[0] == '-' || s[0] == '.' || s[0] == '/') &&
	    ndigits(s + 1) >= 1 && ndigits(s + 1) <= 2) {
		sep = s[0];
		*slashed = sep == '/';
		s++;
		*m = digits12(&s);
		if (s[0] == sep && ndigits(s + 1) >= 1 &&
		    ndigits(s + 1) <= 2) {
			s++;
			*d = digits12(&s);
		}
	}
	if (*y < 1000 || *m < 0 || *m > 12 || *d < 0 ||
	    (*m == 0 && *d != 0) || (*d > 0 && *d > days_in(*y, *m))) {
		return -1;
	}
	*p = s;
	return 0;
}

/* A date point (year, month and day; a month or day of 0 is not there) as
 * ISO 8601 text into out: "1985", "1985-03" or "1985-03-12".  The parts are
 * brought into four and two digits so the text fits its buffer whatever they
 * hold. */
static void point_iso(char *out, size_t n, int y, int m, int d)
{
	y = (y % 10000 + 10000) % 10000;
	m = (m % 100 + 100) % 100;
	d = (d % 100 + 100) % 100;
	if (d > 0) {
		snprintf(out, n, "%04d-%02d-%02d", y, m, d);
	} else if (m > 0) {
		snprintf(out, n, "%04d-%02d", y, m);
	} else {
		snprintf(out, n, "%04d", y);
	}
}

/* hd_date_parse: see hd.h.  The grammar is POINT, POINT~, POINT前后,
 * POINT左右, YYYY代 (YYYY a multiple of 10) or POINT SEP POINT with SEP
 * one of "/", "~", "至".  A range written with "/" takes no point that
 * itself uses "/" ("1985/1/5/1990/2/3" is refused): write
 * "1985/1/5至1990/2/3" or the ISO form instead, so that a slash always
 * reads one way. */
int hd_date_parse(const char *in, struct hd_date *dt, struct hd_error *e)
{
	const char *s = in;
	int y1, m1, d1, y2, m2, d2, sl1, sl2, slash_range;
	char a[12], b[12];

	memset(dt, 0, sizeof *dt);
	if (in == NULL || *in == '\0') {
		return hd_err(e, HD_EINVAL, "empty date");
	}
	if (date_point(&s, &y1, &m1, &d1, &sl1) != 0) {
		goto bad;
	}
	point_iso(a, sizeof a, y1, m1, d1);
	dt->year = y1;
	dt->year_end = y1;
	if (*s == '\0') {
		snprintf(dt->iso, sizeof dt->iso, "%.11s", a);
		return 0;
	}
	if ((*s == '~' && s[1] == '\0') || strcmp(s, "前后") == 0 ||
	    strcmp(s, "左右") == 0) {
		dt->approximate = 1;
		snprintf(dt->iso, sizeof dt->iso, "%.11s~", a);
		return 0;
	}
	if (strcmp(s, "代") == 0 && m1 == 0 && y1 % 10 == 0) {
		/* "1980年代": the decade */
		dt->year_end = y1 + 9;
		snprintf(dt->iso, sizeof dt->iso, "%.4s/%04d", a,
			(y1 + 9) % 10000);
		return 0;
	}
	if (*s == '/' || strncmp(s, "至", 3) == 0 || *s == '~') {
		slash_range = *s == '/';
		s += (*s == '/' || *s == '~') ? 1 : 3;
		if (date_point(&s, &y2, &m2, &d2, &sl2) != 0 || *s != '\0' ||
		    (slash_range && (sl1 || sl2))) {
			goto bad;
		}
		if (y2 < y1 || (y2 == y1 && (m2 < m1 ||
		    (m2 == m1 && d2 < d1)))) {
			return hd_err(e, HD_EINVAL,
				"date '%s': the range ends before it starts",
				in);
		}
		point_iso(b, sizeof b, y2, m2, d2);
		dt->year_end = y2;
		snprintf(dt->iso, sizeof dt->iso, "%.11s/%.11s", a, b);
		return 0;
	}
bad:
	return hd_err(e, HD_EINVAL, "date '%s' is not a valid date "
		"(use 1985, 1985-03, 1985-03-12, 1985/3/12, 1985年3月12日, "
		"1985/1990 or 1985~)", in);
}

/* ---------------------------------------------------- reference codes */

/* hd_ref_canon: see hd.h: hd_ref_parse, then hd_ref_format. */
int hd_ref_canon(const char *s, char *out, size_t n, struct hd_error *e)
{
	struct hd_ref r;
	int rc;

	rc = hd_ref_parse(s, &r, e);
	if (rc != 0) {
		return rc;
	}
	hd_ref_format(&r, out, n);
	return 0;
}

/* hd_ref_dotted: see hd.h. */
char *hd_ref_dotted(const char *ref)
{
	struct hd_buf b;
	const char *p;

	hd_buf_init(&b);
	for (p = ref; *p; p++) {
		if (strncmp(p, "\xC2\xB7", 2) == 0) {
			hd_buf_puts(&b, ".");
			p++;
		} else {
			hd_buf_add(&b, p, 1);
		}
	}
	return hd_buf_detach(&b);
}

/* Copy a field of allowed characters up to a delimiter; returns its
 * length or -1. */
static int ref_field(const char **p, char *out, size_t cap, int alpha_only)
{
	size_t n = 0;
	const char *s = *p;

	while (isalnum((unsigned char)*s)) {
		if (alpha_only && !isalpha((unsigned char)*s)) {
			return -1;
		}
		if (n + 1 >= cap) {
			return -1;
		}
		out[n++] = (char)toupper((unsigned char)*s);
		s++;
	}
	out[n] = '\0';
	*p = s;
	return (int)n;
}

/* The middle dot: U+00B7 "·", or "." typed instead, or U+30FB/U+2022. */
static int middot(const char **p)
{
	if (**p == '.') {
		(*p)++;
		return 1;
	}
	if (strncmp(*p, "\xC2\xB7", 2) == 0) {
		*p += 2;
		return 1;
	}
	if (strncmp(*p, "\xE3\x83\xBB", 3) == 0 ||
	    strncmp(*p, "\xE2\x80\xA2", 3) == 0) {
		*p += 3;
		return 1;
	}
	return 0;
}

/* hd_ref_parse: see hd.h.  The parts are
 * FONDS-CATEGORY·YEAR·RETENTION[-CLASS]-ITEM, the dot as middot()
 * takes it; the item is 1-99999, with or without leading zeros. */
int hd_ref_parse(const char *in, struct hd_ref *r, struct hd_error *e)
{
	const char *s = in;
	char year[8], tail1[12], tail2[12];
	char *end;
	long item;
	int n;

	memset(r, 0, sizeof *r);
	if (in == NULL) {
		goto bad;
	}
	n = ref_field(&s, r->fonds, sizeof r->fonds, 0);
	if (n < 1 || *s++ != '-') {
		goto bad;
	}
	n = ref_field(&s, r->category, sizeof r->category, 1);
	if (n < 2 || !middot(&s)) {
		goto bad;
	}
	n = ref_field(&s, year, sizeof year, 0);
	if (n != 4) {
		goto bad;
	}
	r->year = atoi(year);
	if (r->year < 1000 || !middot(&s)) {
		goto bad;
	}
	n = ref_field(&s, r->retention, sizeof r->retention, 0);
	if (n < 1 || hd_retention_code(r->retention) == NULL ||
	    *s++ != '-') {
		goto bad;
	}
	n = ref_field(&s, tail1, sizeof tail1, 0);
	if (n < 1) {
		goto bad;
	}
	if (*s == '-') {
		s++;
		if (strlen(tail1) >= sizeof r->cls) {
			goto bad;
		}
		memcpy(r->cls, tail1, strlen(tail1) + 1);
		n = ref_field(&s, tail2, sizeof tail2, 0);
		if (n < 1) {
			goto bad;
		}
	} else {
		memcpy(tail2, tail1, sizeof tail2);
	}
	if (*s != '\0') {
		goto bad;
	}
	item = strtol(tail2, &end, 10);
	if (*end != '\0' || item < 1 || item > 99999) {
		goto bad;
	}
	r->item = (int)item;
	return 0;
bad:
	return hd_err(e, HD_EINVAL, "reference code '%s' is not of the form "
		"QF01-WS·2023·Y-DJ-0007", in ? in : "");
}

/* hd_ref_format: see hd.h.  The year and item are written with four digits
 * at least ("0007"); the class part only when there is one. */
void hd_ref_format(const struct hd_ref *r, char *out, size_t n)
{
	if (r->cls[0] != '\0') {
		snprintf(out, n, "%s-%s\xC2\xB7%04d\xC2\xB7%s-%s-%04d", r->fonds,
			r->category, r->year, r->retention, r->cls, r->item);
	} else {
		snprintf(out, n, "%s-%s\xC2\xB7%04d\xC2\xB7%s-%04d", r->fonds,
			r->category, r->year, r->retention, r->item);
	}
}
