/*
 * static.c - static files: where a /static/ path may lead, and what its
 * response says (type, cache lifetime, ETag, Last-Modified, 304).
 *
 * Guarantee: site_static_path returns only the real path of a regular
 * file inside the real path of the override's or the built-in static
 * folder.  A relative path with an empty, "." or ".." segment, a segment
 * starting with a dot, a backslash or a control character is refused
 * before the file system is asked anything, and a path that resolves
 * outside its folder (a symbolic link out) is refused after.
 */
#include "server.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STATIC_REL_MAX 1024     /* bytes of a path under /static/ */

/* 1 when rel may be looked up at all (see the file comment). */
static int rel_ok(const char *rel)
{
	const char *p = rel, *seg = rel;
	size_t n = strlen(rel);

	if (n == 0 || n > STATIC_REL_MAX) {
		return 0;
	}
	for (;; p++) {
		if (*p == '/' || *p == '\0') {
			if (p == seg || *seg == '.') {
				return 0;       /* empty, ".", "..", dotfile */
			}
			if (*p == '\0') {
				return 1;
			}
			seg = p + 1;
		} else if (*p == '\\' || (unsigned char)*p < 0x20 ||
		    *p == 0x7f) {
			return 0;
		}
	}
}

/* The real path of root/rel when it is a regular file inside root's real
 * path (caller frees), else NULL.  *absent is set when root/rel simply
 * does not exist (so the next folder may be tried). */
static char *resolve_in(const char *root, const char *rel, int *absent)
{
	char *rroot = NULL, *cand = NULL, *real = NULL;
	struct stat st;
	size_t n;

	*absent = 0;
	rroot = realpath(root, NULL);
	if (rroot == NULL) {
		*absent = 1;
		goto out;
	}
	cand = hd_xasprintf("%s/%s", rroot, rel);
	real = realpath(cand, NULL);
	if (real == NULL) {
		/* a dangling link is refused, not skipped */
		*absent = lstat(cand, &st) != 0;
		goto out;
	}
	n = strlen(rroot);
	if (strncmp(real, rroot, n) != 0 || real[n] != '/' ||
	    stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(real);
		real = NULL;
	}
out:
	free(rroot);
	free(cand);
	return real;
}

/* See site.h.  The override folder wins; a file that exists there but is
 * refused (a link out) is not looked for in the built-in folder. */
char *site_static_path(const struct site *s, const char *rel)
{
	char *root, *real = NULL;
	int absent = 1;

	if (rel == NULL || !rel_ok(rel)) {
		return NULL;
	}
	if (s->override != NULL) {
		root = hd_xasprintf("%s/static", s->override);
		real = resolve_in(root, rel, &absent);
		free(root);
	}
	if (real == NULL && absent && s->builtin != NULL) {
		root = hd_xasprintf("%s/static", s->builtin);
		real = resolve_in(root, rel, &absent);
		free(root);
	}
	return real;
}

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{"css", "text/css; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"json", "application/json; charset=utf-8"},
	{"map", "application/json; charset=utf-8"},
	{"txt", "text/plain; charset=utf-8"},
	{"html", "text/html; charset=utf-8"},
	{"svg", "image/svg+xml; charset=utf-8"},
	{"png", "image/png"},
	{"jpg", "image/jpeg"},
	{"jpeg", "image/jpeg"},
	{"gif", "image/gif"},
	{"webp", "image/webp"},
	{"avif", "image/avif"},
	{"ico", "image/x-icon"},
	{"woff2", "font/woff2"},
	{"woff", "font/woff"},
	{"ttf", "font/ttf"},
	{"otf", "font/otf"},
	{"pdf", "application/pdf"},
	{"mp3", "audio/mpeg"},
	{"mp4", "video/mp4"},
	{"webm", "video/webm"},
	{"webmanifest", "application/manifest+json"},
};

const char *static_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');
	size_t i;

	if (dot != NULL && (slash == NULL || dot > slash)) {
		for (i = 0; i < sizeof types / sizeof types[0]; i++) {
			if (strcasecmp(dot + 1, types[i].ext) == 0) {
				return types[i].type;
			}
		}
	}
	return "application/octet-stream";
}

int static_fingerprinted(const char *name)
{
	const char *base = strrchr(name, '/');
	const char *ext, *p, *seg;

	base = base ? base + 1 : name;
	ext = strrchr(base, '.');
	if (ext == NULL || ext == base) {
		return 0;
	}
	for (seg = ext; seg > base && seg[-1] != '.'; seg--) {
	}
	if (seg <= base + 1 || ext - seg < 8) {
		return 0;       /* no stem before the hash, or too short */
	}
	for (p = seg; p < ext; p++) {
		if (!isxdigit((unsigned char)*p)) {
			return 0;
		}
	}
	return 1;
}

void static_http_date(time_t t, char *out, size_t n)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void static_meta_fill(struct static_meta *m, const char *name,
	const struct stat *st)
{
	m->type = static_type(name);
	m->cache = static_fingerprinted(name) ?
		"public, max-age=31536000, immutable" : "public, max-age=300";
	snprintf(m->etag, sizeof m->etag, "\"%llx-%llx-%llx\"",
		(unsigned long long)st->st_size,
		(unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
		(unsigned long long)st->st_mtim.tv_nsec,
		(unsigned long long)st->st_ino);
	m->mtime = st->st_mtim.tv_sec;
	static_http_date(m->mtime, m->modified, sizeof m->modified);
}

/* 1 when the If-None-Match list s names etag (weak comparison: a "W/"
 * prefix is ignored on both sides) or is "*". */
static int etag_listed(const char *s, const char *etag)
{
	const char *p = s, *start;
	size_t n = strlen(etag);

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',') {
			p++;
		}
		if (*p == '\0') {
			return 0;
		}
		if (*p == '*') {
			return 1;
		}
		if (p[0] == 'W' && p[1] == '/') {
			p += 2;
		}
		start = p;
		if (*p == '"') {
			p = strchr(p + 1, '"');
			if (p == NULL) {
				return 0;       /* unterminated: no match */
			}
			p++;
		} else {
			while (*p && *p != ',' && *p != ' ') {
				p++;
			}
		}
		if ((size_t)(p - start) == n && memcmp(start, etag, n) == 0) {
			return 1;
		}
	}
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as seconds, or -1. */
static time_t parse_http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	char mon[4];
	int n = 0;
	const char *m;

	memset(&tm, 0, sizeof tm);
	if (strlen(s) < 29 || s[3] != ',') {
		return -1;
	}
	if (sscanf(s + 4, " %2d %3s %4d %2d:%2d:%2d GMT%n", &tm.tm_mday, mon,
	    &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0) {
		return -1;
	}
	m = strstr(months, mon);
	if (m == NULL || strlen(mon) != 3 || (m - months) % 3 != 0) {
		return -1;
	}
	tm.tm_mon = (int)(m - months) / 3;
	tm.tm_year -= 1900;
	return timegm(&tm);
}

int static_not_modified(const struct static_meta *m, const char *inm,
	const char *ims)
{
	time_t t;

	if (inm != NULL) {
		return etag_listed(inm, m->etag);
	}
	if (ims != NULL) {
		t = parse_http_date(ims);
		return t != -1 && m->mtime <= t;
	}
	return 0;
}
