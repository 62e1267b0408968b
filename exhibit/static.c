/*
 * static.c - static files: where a /static/ path may lead, what its
 * response says (type, cache lifetime, ETag, Last-Modified, 304), and
 * the cache of ready responses that lets a static request cost little
 * more than libmicrohttpd itself.
 *
 * Guarantee: site_static_path returns only the real path of a regular
 * file inside the real path of the override's or the built-in static
 * folder.  A relative path with an empty, "." or ".." segment, a segment
 * starting with a dot, a backslash or a control character is refused
 * before the file system is asked anything, and a path that resolves
 * outside its folder (a symbolic link out) is refused after.
 *
 * The cache keeps, for each file asked for, its bytes as a ready 200
 * response and a ready 304, both with every header.  An entry is
 * trusted within the second it was last checked; after that the next
 * request checks it again (path, device, inode, size and mtime), so a
 * changed or removed file is seen within a second.  At most
 * STATIC_CACHE_FILES files of at most STATIC_CACHE_FILE bytes each and
 * STATIC_CACHE_BYTES in all are kept; others are sent from the file
 * each time.  Nothing is ever evicted: a site's static folder is small.
 * Lookups share a read lock (writers first), and a cached response is
 * handed to the caller under it, so it cannot be dropped meanwhile.
 */
#include "server_int.h"

#include <glib.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define STATIC_REL_MAX 1024     /* bytes of a path under /static/ */
#define STATIC_CACHE_FILES 1024                 /* files kept at most */
#define STATIC_CACHE_FILE (1024 * 1024)         /* larger: read each time */
#define STATIC_CACHE_BYTES (64 * 1024 * 1024)   /* bytes kept at most */

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

/* See server_int.h.  The extension is what follows the last dot of
 * the last path segment, in any case. */
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

/* See server_int.h. */
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

/* See server_int.h.  Names of days and months from a table, not
 * strftime, so no locale can change them. */
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

/* See server_int.h.  The ETag changes whenever the size, the mtime
 * (to the nanosecond) or the inode does. */
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

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

/* Make the C locale object http_date_parse reads day and month names
 * in (once). */
static void c_locale_make(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as seconds, or -1:
 * strptime in the C locale, whatever the process's locale is.  The two
 * obsolete forms of RFC 7231 (RFC 850, asctime) give -1, and a client
 * sending them only misses a 304. */
static time_t http_date_parse(const char *s)
{
	struct tm tm;
	const char *end;

	if (strlen(s) < 29 || s[3] != ',') {
		return -1;
	}
	pthread_once(&c_locale_once, c_locale_make);
	if (c_locale == (locale_t)0) {
		return -1;
	}
	memset(&tm, 0, sizeof tm);
	end = strptime_l(s, "%a, %d %b %Y %H:%M:%S GMT", &tm, c_locale);
	if (end == NULL) {
		return -1;
	}
	return timegm(&tm);
}

/* See server_int.h (RFC 7232: If-None-Match, when present, decides
 * alone). */
int static_not_modified(const struct static_meta *m, const char *inm,
	const char *ims)
{
	time_t t;

	if (inm != NULL) {
		return etag_listed(inm, m->etag);
	}
	if (ims != NULL) {
		t = http_date_parse(ims);
		return t != -1 && m->mtime <= t;
	}
	return 0;
}

/* ------------------------------------------------------------ the cache */

/* One static file ready to send. */
struct static_entry {
	char *rel;                      /* the path under /static/; the key */
	char *real;                     /* its real path when checked */
	long long checked;              /* monotonic second of the check */
	dev_t dev;                      /* what the file was, to see a */
	ino_t ino;                      /* change at the next check */
	off_t size;
	struct timespec mtime;
	struct static_meta meta;
	void *ok;                       /* the 200 response, with the bytes */
	void *nm;                       /* the 304 response */
	void (*drop)(void *resp);
};

struct static_cache {
	const struct site *site;
	pthread_rwlock_t lock;          /* map, bytes, entries' checked */
	GHashTable *map;                /* rel -> struct static_entry */
	size_t bytes;                   /* of the files kept */
	void *(*make)(char *body, size_t n, const struct static_meta *m,
		int status);
	void (*drop)(void *resp);
};

/* Free an entry and drop its responses (the map's value destructor);
 * NULL is ignored. */
static void entry_free(void *p)
{
	struct static_entry *e = p;

	if (e != NULL) {
		e->drop(e->ok);
		e->drop(e->nm);
		free(e->rel);
		free(e->real);
		free(e);
	}
}

/* See server_int.h.  Writers are preferred on the lock: a refresh must
 * not starve under a stream of readers. */
struct static_cache *static_cache_new(const struct site *site,
	void *(*make)(char *body, size_t n, const struct static_meta *m,
	int status),
	void (*drop)(void *resp))
{
	struct static_cache *sc = hd_xcalloc(1, sizeof *sc);

	sc->site = site;
	sc->make = make;
	sc->drop = drop;
	site_rwlock_init(&sc->lock);
	sc->map = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
		entry_free);
	return sc;
}

/* See server_int.h.  Call when no thread uses the cache any more; NULL
 * is ignored. */
void static_cache_free(struct static_cache *sc)
{
	if (sc == NULL) {
		return;
	}
	g_hash_table_destroy(sc->map);
	pthread_rwlock_destroy(&sc->lock);
	free(sc);
}

/* See server_int.h. */
int static_cache_send(struct static_cache *sc, const char *rel,
	long long now, int (*send)(void *arg, void *ok, void *nm,
	const struct static_meta *m, uint64_t size), void *arg, int *ret)
{
	struct static_entry *e;
	int hit = 0;

	pthread_rwlock_rdlock(&sc->lock);
	e = g_hash_table_lookup(sc->map, rel);
	if (e != NULL && e->checked == now) {
		hit = 1;
		*ret = send(arg, e->ok, e->nm, &e->meta, (uint64_t)e->size);
	}
	pthread_rwlock_unlock(&sc->lock);
	return hit;
}

/* See server_int.h. */
int static_open(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when entry e still describes the file at real with status st. */
static int same_file(const struct static_entry *e, const char *real,
	const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
		e->size == st->st_size &&
		e->mtime.tv_sec == st->st_mtim.tv_sec &&
		e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
		strcmp(e->real, real) == 0;
}

/* Read the first size bytes of fd (from offset 0, whatever its
 * position) into a new buffer (caller frees), or NULL when it has fewer
 * or cannot be read. */
static char *read_all(int fd, size_t size)
{
	char *p = hd_xmalloc(size ? size : 1);
	size_t got = 0;
	ssize_t k;

	while (got < size) {
		k = pread(fd, p + got, size - got, (off_t)got);
		if (k <= 0) {
			if (k < 0 && errno == EINTR) {
				continue;
			}
			free(p);
			return NULL;
		}
		got += (size_t)k;
	}
	return p;
}

/* Drop the entry for rel, if any. */
static void static_cache_drop(struct static_cache *sc, const char *rel)
{
	struct static_entry *e;

	pthread_rwlock_wrlock(&sc->lock);
	e = g_hash_table_lookup(sc->map, rel);
	if (e != NULL) {
		sc->bytes -= (size_t)e->size;
		g_hash_table_remove(sc->map, rel);
	}
	pthread_rwlock_unlock(&sc->lock);
}

/* See server_int.h.  The file is opened and read outside the lock; an
 * unchanged file only has its check time renewed; a changed one gets a
 * new entry, which replaces the old whatever the limits, while a file
 * not yet cached is added only when it fits. */
int static_cache_refresh(struct static_cache *sc, const char *rel,
	long long now, int *fdp, struct stat *st, struct static_meta *m)
{
	struct static_entry *e, *old;
	char *real, *bytes;
	int fd, kept = 1;

	*fdp = -1;
	real = site_static_path(sc->site, rel);
	fd = real ? static_open(real, st) : -1;
	if (fd < 0) {
		free(real);
		static_cache_drop(sc, rel);
		return -1;
	}
	pthread_rwlock_wrlock(&sc->lock);
	e = g_hash_table_lookup(sc->map, rel);
	if (e != NULL && same_file(e, real, st)) {
		e->checked = now;
		pthread_rwlock_unlock(&sc->lock);
		close(fd);
		free(real);
		return 0;
	}
	pthread_rwlock_unlock(&sc->lock);
	static_meta_fill(m, rel, st);
	bytes = st->st_size <= STATIC_CACHE_FILE ?
		read_all(fd, (size_t)st->st_size) : NULL;
	if (bytes == NULL) {
		free(real);
		*fdp = fd;
		return 1;
	}
	e = hd_xcalloc(1, sizeof *e);
	e->checked = now;
	e->rel = hd_xstrdup(rel);
	e->real = real;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->meta = *m;
	e->ok = sc->make(bytes, (size_t)st->st_size, &e->meta, 200);
	e->nm = sc->make(NULL, 0, &e->meta, 304);
	e->drop = sc->drop;

	pthread_rwlock_wrlock(&sc->lock);
	old = g_hash_table_lookup(sc->map, rel);
	if (old != NULL) {
		sc->bytes += (size_t)e->size - (size_t)old->size;
		g_hash_table_replace(sc->map, e->rel, e);
	} else if (g_hash_table_size(sc->map) < STATIC_CACHE_FILES &&
	    sc->bytes + (size_t)e->size <= STATIC_CACHE_BYTES) {
		sc->bytes += (size_t)e->size;
		g_hash_table_insert(sc->map, e->rel, e);
	} else {
		kept = 0;       /* no room: send this one from the file */
	}
	pthread_rwlock_unlock(&sc->lock);
	if (!kept) {
		entry_free(e);
		*fdp = fd;
		return 1;
	}
	close(fd);
	return 0;
}
