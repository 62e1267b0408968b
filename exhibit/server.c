/*
 * server.c - the exhibit server core: libmicrohttpd, limits, the route
 * table, static files, the access log and a clean shutdown.
 *
 * The only file that includes microhttpd.h; pages see struct http_req
 * and struct http_resp.  Guarantees:
 *  - a page is called only with a path and parameters that were
 *    well-formed percent-encoding of valid UTF-8 without NUL (else 400),
 *    a raw URL of at most SERVER_URL_MAX bytes (else 414), a body of at
 *    most SERVER_BODY_MAX bytes (else 413), at most HTTP_MAX_PARAMS
 *    parameters (else 400) and a method its route takes (else 405);
 *  - every response made here carries the security headers (CSP,
 *    nosniff, Referrer-Policy, X-Frame-Options); only the bare error
 *    answers libmicrohttpd makes by itself (431, malformed request
 *    lines) cannot;
 *  - a path from a request reaches the file system only through
 *    site_static_path;
 *  - a client must deliver a whole request within opts.timeout seconds
 *    of the connection becoming ready, however slowly it trickles bytes
 *    (a watchdog in the main thread cuts it off); silence longer than
 *    that ends any connection;
 *  - each worker thread opens its own archive handles (SQLite
 *    connections are opened without mutexes), read-only for GET and a
 *    second, writable one for POST routes and paths under rw_prefixes
 *    (the admin pages); all are closed at shutdown;
 *  - SIGTERM/SIGINT: the listening socket closes, requests in flight
 *    finish, then everything is released and server_run returns 0.
 *
 * Static files are answered from a small cache of ready-made responses
 * (the file's bytes, ETag and headers built once), re-checked against
 * the file system at most once a second, so a static request costs
 * little more than libmicrohttpd itself.
 */
#include "server.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_URL_MAX 400         /* bytes of a URL written to the log */
#define SC_BUCKETS 1024         /* static cache hash buckets */
#define SC_MAX_ENTRIES 1024     /* files kept in memory at most */
#define SC_MAX_FILE (1024 * 1024)       /* larger files: read each time */
#define SC_MAX_BYTES (64 * 1024 * 1024) /* bytes kept in memory at most */
#define PC_BUCKETS 1024         /* page cache hash buckets */
#define PC_MAX_ENTRIES 2048     /* pages kept at most */
#define PC_MAX_BYTES (32 * 1024 * 1024)  /* bytes of pages kept at most */
#define PC_MAX_PAGE (512 * 1024)         /* larger pages are not kept */
#define DRAIN_EXTRA 5           /* seconds beyond the timeout to drain */

static const struct {
	const char *name;
	const char *value;
} sec_headers[] = {
	{"Content-Security-Policy", "default-src 'self'; "
		"img-src 'self' data:; style-src 'self'; script-src 'self'; "
		"object-src 'none'; base-uri 'none'; form-action 'self'; "
		"frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "same-origin"},
	{"X-Frame-Options", "DENY"},
};

enum method { M_OTHER, M_GET, M_HEAD, M_POST };

/* What the watchdog knows of a connection. */
enum phase {
	PH_WAIT,        /* ready for a request: none or part of one received */
	PH_BODY,        /* headers received, body arriving */
	PH_BUSY,        /* request complete: being answered */
};

/* One connection and the request in progress on it (HTTP/1.1 handles
 * one request at a time per connection).  Allocated when the connection
 * opens, freed when it closes. */
struct conn {
	struct conn *prev, *next;       /* all open connections */
	int fd;
	int cut;                        /* the watchdog shut it down */
	char remote[INET6_ADDRSTRLEN];
	char forwarded[INET6_ADDRSTRLEN];  /* the client a proxy names */
	_Atomic int phase;              /* enum phase */
	_Atomic long long since;        /* ms (monotonic) the phase began */

	/* the request: reset by rq_reset */
	int active;                     /* the request line was received */
	int started;                    /* the access handler was called */
	long long t0;                   /* µs (monotonic) of the request line */
	int bad;                        /* status to answer at once, or 0 */
	enum method meth;
	char method[16];
	size_t nraw;
	char raw[SERVER_URL_MAX + 1];   /* as received (cut when too long) */
	const char *path;               /* decoded, in arena */
	struct http_kv params[HTTP_MAX_PARAMS];
	size_t nparams;
	char arena[SERVER_URL_MAX + 2 * HTTP_MAX_PARAMS + 8];
	struct hd_buf body;
	int too_big;                    /* the body passed SERVER_BODY_MAX */
	char *form;                     /* decoded form fields (owned) */
	int status;                     /* answered, for the log; 0 none */
	unsigned long long bytes;       /* body bytes answered */
};

/* A rendered public page ready to send again (the page cache): valid
 * while the archive has not changed (gen), within the hour it was made. */
struct pc_entry {
	struct pc_entry *next;
	unsigned hash;
	unsigned long gen;              /* server's generation when made */
	long long hour;                 /* pc_hour() when made */
	char *key;                      /* host '\n' raw URL */
	struct MHD_Response *r;         /* 200, with every header */
	size_t bytes;                   /* of the body */
};

/* A static file ready to send. */
struct sc_entry {
	struct sc_entry *next;
	unsigned hash;
	long long checked;              /* monotonic second of the last check */
	char *rel;
	char *real;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct static_meta meta;
	struct MHD_Response *ok;        /* 200, with the bytes */
	struct MHD_Response *nm;        /* 304 */
};

struct server {
	struct site *site;
	const struct server_opts *opts;
	struct MHD_Daemon *d;
	_Atomic int inflight;           /* requests begun and not ended */
	_Atomic int draining;           /* stopping: answer with close */
	pthread_mutex_t lock;           /* conns and handles */
	struct conn *conns;
	struct hd_archive **handles;    /* every worker's archive handles */
	size_t nhandles;
	struct alog *log;               /* the access log */
	pthread_rwlock_t sc_lock;       /* the static cache */
	struct sc_entry *sc[SC_BUCKETS];
	size_t sc_n;
	size_t sc_bytes;
	/* the page cache (pc_*) */
	pthread_rwlock_t pc_lock;
	struct pc_entry *pc[PC_BUCKETS];
	size_t pc_n;
	size_t pc_bytes;
	_Atomic unsigned long gen;      /* bumped when the archive changed */
	struct hd_archive *watch;       /* read-only, for data_version; NULL:
	                                   no page cache */
	int64_t watch_dv;               /* its last data_version */
	pthread_mutex_t watch_lock;
	/* the daily fixity audit (audit_thread) */
	pthread_t audit;
	int audit_started;
	int audit_stop;                 /* under audit_lock */
	pthread_mutex_t audit_lock;
	pthread_cond_t audit_wake;
	/* the index merge when quiet (merge_thread), stopped with audit_stop */
	_Atomic unsigned long requests;         /* begun since the start */
	pthread_t merge;
	int merge_started;
};

/* This worker thread's archive handles: [0] read-only, [1] writable. */
static __thread struct hd_archive *t_arch[2];
/* warm_worker's progress on t_arch[0]: the data_version at the last
 * look, the one the warming under way is for, the id it has read down
 * to (0: done) and the records read. */
static __thread int64_t t_seen_dv = -1, t_warm_dv = -1, t_warm_below;
static __thread int t_warm_rows;

/* ------------------------------------------------------------ clocks */

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long now_ms(void)
{
	return now_us() / 1000;
}

/* Seconds, cheaply (for the static cache's once-a-second check). */
static long long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long long)ts.tv_sec;
}

static void set_phase(struct conn *cn, enum phase p, long long ms)
{
	atomic_store_explicit(&cn->since, ms, memory_order_relaxed);
	atomic_store_explicit(&cn->phase, p, memory_order_release);
}

/* ------------------------------------------------------ URL decoding */

/* Decode the raw URL of cn into its path and parameters.  0 or -1. */
static int parse_url(struct conn *cn)
{
	const char *q = memchr(cn->raw, '?', cn->nraw);
	size_t plen = q ? (size_t)(q - cn->raw) : cn->nraw;
	char *arena = cn->arena;
	long k;

	if (plen == 0 || cn->raw[0] != '/') {
		return -1;
	}
	k = http_decode(cn->raw, plen, 0, arena);
	if (k < 0) {
		return -1;
	}
	cn->path = arena;
	arena += k + 1;
	if (q != NULL) {
		return http_parse_params(cn->params, &cn->nparams, q + 1,
			cn->nraw - plen - 1, &arena);
	}
	return 0;
}

/* ------------------------------------------------------ access log */

/* Append s[0..n) at p, bytes outside printable ASCII and quotes as \xHH
 * (a URL cannot forge a log line).  Writes at most 4 * n bytes. */
static char *put_url(char *p, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else {
			*p++ = (char)c;
		}
	}
	return p;
}

/* Append s (at most max bytes of it) at p. */
static char *put_str(char *p, const char *s, size_t max)
{
	while (*s && max-- > 0) {
		*p++ = *s++;
	}
	return p;
}

static char *put_num(char *p, unsigned long long v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0) {
		*p++ = tmp[--n];
	}
	return p;
}

/* One line per request, formatted by hand (this runs for every static
 * file too) and batched by accesslog.c:
 *   2026-11-25T17:00:00Z 127.0.0.1 "GET /search?q=x" 200 1234 0.8ms
 * now: µs (monotonic) at the end of the request. */
static void log_request(struct server *sv, struct conn *cn,
	enum MHD_RequestTerminationCode toe, long long now)
{
	static __thread time_t last;
	static __thread char stamp[32];
	static const char *const why[] = {
		"", " error", " timeout", " shutdown", " read-error",
		" client-abort",
	};
	char line[LOG_URL_MAX * 4 + 256], *p = line;
	long long tenths = (now - cn->t0 + 50) / 100;
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != last) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = ts.tv_sec;
	}
	p = put_str(p, stamp, 31);
	*p++ = ' ';
	p = put_str(p, cn->remote, sizeof cn->remote);
	p = put_str(p, " \"", 2);
	p = put_str(p, cn->method[0] ? cn->method : "-", sizeof cn->method);
	*p++ = ' ';
	p = put_url(p, cn->raw, cn->nraw < LOG_URL_MAX ? cn->nraw :
		LOG_URL_MAX);
	if (cn->nraw > LOG_URL_MAX) {
		p = put_str(p, "...", 3);
	}
	p = put_str(p, "\" ", 2);
	if (cn->status) {
		p = put_num(p, (unsigned long long)cn->status);
		*p++ = ' ';
		p = put_num(p, cn->bytes);
	} else {
		p = put_str(p, "- 0", 3);
	}
	*p++ = ' ';
	p = put_num(p, (unsigned long long)(tenths < 0 ? 0 : tenths / 10));
	*p++ = '.';
	*p++ = (char)('0' + (tenths < 0 ? 0 : tenths % 10));
	p = put_str(p, "ms", 2);
	if (cn->cut) {
		p = put_str(p, " cut-off", 8);
	} else if ((unsigned)toe < sizeof why / sizeof why[0]) {
		p = put_str(p, why[toe], 16);
	}
	*p++ = '\n';
	alog_write(sv->log, line, (size_t)(p - line), now / 1000);
}

/* A line about the server itself (reload, errors) in the log. */
static void log_note(struct server *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_note(struct server *sv, const char *fmt, ...)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	struct hd_buf b;
	va_list ap;
	char *msg;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
	}
	va_end(ap);
	hd_buf_init(&b);
	hd_buf_printf(&b, "%s hongdang serve: %s\n", stamp,
		msg ? msg : fmt);
	free(msg);
	(void)!write(sv->opts->logfd, b.p, b.len);
	hd_buf_release(&b);
}

static unsigned str_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s) {
		h = (h ^ (unsigned char)*s++) * 16777619u;
	}
	return h;
}

/* ------------------------------------------------------ page cache */

/* The public pages (home, corridor, search, records, the JSON API) are
 * the same for every visitor: a function of the URL, the Host header
 * (QR links), the archive and the hour.  A kiosk or a class of students
 * asks for the same few again and again, so a page made once is sent
 * again from memory until the archive changes (any commit by another
 * handle or process, seen through PRAGMA data_version on this worker's
 * read-only handle, bumps the server's generation), the templates are
 * reloaded, or the hour ends (the open-now line and the day's slots
 * follow the clock; China's offset is whole hours, so its hours begin
 * with UTC's).
 * Only routes listed in cache_paths (routes.c) are kept, and only 200
 * answers with no cookie and no Cache-Control of their own; nothing
 * under /admin, no form page, no image. */

static void pc_free(struct pc_entry *e)
{
	MHD_destroy_response(e->r);
	free(e->key);
	free(e);
}

/* Drop every entry (under the write lock). */
static void pc_clear(struct server *sv)
{
	struct pc_entry *e, *next;
	size_t i;

	for (i = 0; i < PC_BUCKETS; i++) {
		for (e = sv->pc[i]; e != NULL; e = next) {
			next = e->next;
			pc_free(e);
		}
		sv->pc[i] = NULL;
	}
	sv->pc_n = 0;
	sv->pc_bytes = 0;
}

/* The hour a page is made in: pages are kept within it. */
static long long pc_hour(void)
{
	return (long long)time(NULL) / 3600;
}

/* Drop the entries that are stale at gen and hour now (under the write
 * lock). */
static void pc_prune(struct server *sv, unsigned long gen, long long now)
{
	struct pc_entry **pp, *e;
	size_t i;

	for (i = 0; i < PC_BUCKETS; i++) {
		for (pp = &sv->pc[i]; (e = *pp) != NULL;) {
			if (e->gen != gen || e->hour != now) {
				*pp = e->next;
				sv->pc_n--;
				sv->pc_bytes -= e->bytes;
				pc_free(e);
			} else {
				pp = &e->next;
			}
		}
	}
}

/* 1 when the route at path keeps its pages in the cache. */
static int pc_route(const char *path)
{
	size_t i, n;

	for (i = 0; cache_paths[i] != NULL; i++) {
		n = strlen(cache_paths[i]);
		if (n > 1 && cache_paths[i][n - 1] == '/' ?
		    strncmp(path, cache_paths[i], n) == 0 :
		    strcmp(path, cache_paths[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* The cache key of a request: host '\n' URL as received. */
static char *pc_key(struct conn *cn, struct MHD_Connection *c)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_HOST);

	return hd_xasprintf("%s\n%.*s", host ? host : "", (int)cn->nraw,
		cn->raw);
}

/* Bump the generation when the archive changed since the last look.
 * One read-only handle of the server's own answers for every worker
 * (data_version numbers are per connection: each worker comparing its
 * own would start the cache again the first time each worker looks). */
static void pc_check(struct server *sv)
{
	int64_t v;

	pthread_mutex_lock(&sv->watch_lock);
	v = hd_archive_data_version(sv->watch);
	if (v != sv->watch_dv) {
		sv->watch_dv = v;
		atomic_fetch_add(&sv->gen, 1);
	}
	pthread_mutex_unlock(&sv->watch_lock);
}

/* Send the cached page for key; MHD_NO with *hit 0 when there is none. */
static enum MHD_Result pc_send(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const char *key, int *hit)
{
	unsigned h = str_hash(key);
	unsigned long gen = atomic_load(&sv->gen);
	long long now = pc_hour();
	struct pc_entry *e;
	enum MHD_Result ret = MHD_NO;

	*hit = 0;
	pthread_rwlock_rdlock(&sv->pc_lock);
	for (e = sv->pc[h % PC_BUCKETS]; e != NULL; e = e->next) {
		if (e->hash == h && strcmp(e->key, key) == 0) {
			break;
		}
	}
	if (e != NULL && e->gen == gen && e->hour == now) {
		*hit = 1;
		cn->status = 200;
		cn->bytes = cn->meth == M_HEAD ? 0 :
			(unsigned long long)e->bytes;
		ret = MHD_queue_response(c, 200, e->r);
	}
	pthread_rwlock_unlock(&sv->pc_lock);
	return ret;
}

/* Keep r (one reference taken) as the page for key, made at gen. */
static void pc_put(struct server *sv, char *key, unsigned long gen,
	struct MHD_Response *r, size_t bytes)
{
	unsigned h = str_hash(key);
	long long now = pc_hour();
	struct pc_entry **pp, *e;

	pthread_rwlock_wrlock(&sv->pc_lock);
	if (sv->pc_n >= PC_MAX_ENTRIES ||
	    sv->pc_bytes + bytes > PC_MAX_BYTES) {
		pc_prune(sv, atomic_load(&sv->gen), now);
		if (sv->pc_n >= PC_MAX_ENTRIES ||
		    sv->pc_bytes + bytes > PC_MAX_BYTES) {
			pc_clear(sv);
		}
	}
	for (pp = &sv->pc[h % PC_BUCKETS]; (e = *pp) != NULL;
	    pp = &e->next) {
		if (e->hash == h && strcmp(e->key, key) == 0) {
			*pp = e->next;
			sv->pc_n--;
			sv->pc_bytes -= e->bytes;
			pc_free(e);
			break;
		}
	}
	e = hd_xcalloc(1, sizeof *e);
	e->hash = h;
	e->gen = gen;
	e->hour = now;
	e->key = key;
	e->r = r;
	e->bytes = bytes;
	e->next = sv->pc[h % PC_BUCKETS];
	sv->pc[h % PC_BUCKETS] = e;
	sv->pc_n++;
	sv->pc_bytes += bytes;
	pthread_rwlock_unlock(&sv->pc_lock);
}

/* ---------------------------------------------------- responses */

static void add_security(struct MHD_Response *r)
{
	size_t i;

	for (i = 0; i < sizeof sec_headers / sizeof sec_headers[0]; i++) {
		MHD_add_response_header(r, sec_headers[i].name,
			sec_headers[i].value);
	}
}

/* Queue r with status, note it for the log, drop our reference. */
static enum MHD_Result queue(struct conn *cn, struct MHD_Connection *c,
	int status, struct MHD_Response *r, unsigned long long bytes)
{
	enum MHD_Result ret;

	cn->status = status;
	cn->bytes = cn->meth == M_HEAD || status == 304 ? 0 : bytes;
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static int resp_has(const struct http_resp *hr, const char *name)
{
	size_t i;

	for (i = 0; i < hr->nheaders; i++) {
		if (strcasecmp(hr->headers[i].name, name) == 0) {
			return 1;
		}
	}
	return 0;
}

/* The page's headers, then the security headers it did not set itself,
 * then "Connection: close" while stopping. */
static void add_headers(struct server *sv, struct MHD_Response *r,
	const struct http_resp *hr)
{
	size_t i;

	for (i = 0; hr != NULL && i < hr->nheaders; i++) {
		MHD_add_response_header(r, hr->headers[i].name,
			hr->headers[i].value);
	}
	for (i = 0; i < sizeof sec_headers / sizeof sec_headers[0]; i++) {
		if (hr == NULL || !resp_has(hr, sec_headers[i].name)) {
			MHD_add_response_header(r, sec_headers[i].name,
				sec_headers[i].value);
		}
	}
	if (atomic_load(&sv->draining)) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION,
			"close");
	}
}

/* type, with "; charset=utf-8" added to text types that lack one. */
static const char *text_type(const char *type, char *buf, size_t n)
{
	static const char *const texty[] = {
		"text/", "application/json", "application/javascript",
		"application/xml", "image/svg+xml",
	};
	size_t i;

	if (type == NULL) {
		return "text/html; charset=utf-8";
	}
	if (strstr(type, "charset") != NULL) {
		return type;
	}
	for (i = 0; i < sizeof texty / sizeof texty[0]; i++) {
		if (strncasecmp(type, texty[i], strlen(texty[i])) == 0) {
			snprintf(buf, n, "%s; charset=utf-8", type);
			return buf;
		}
	}
	return type;
}

/* The headers of a file response (200 or 304). */
static void add_file_headers(struct MHD_Response *r,
	const struct static_meta *m, int with_type)
{
	if (with_type) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
			m->type);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, m->etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, m->modified);
	if (m->cache != NULL) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
			m->cache);
	}
}

/* Answer with an open regular file (fd is consumed): 304 when the
 * request's validators match, else its bytes. */
static enum MHD_Result send_fd(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, int fd, const struct stat *st,
	const struct static_meta *m, const struct http_resp *hr)
{
	struct MHD_Response *r;
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_IF_MODIFIED_SINCE);

	if (static_not_modified(m, inm, ims)) {
		close(fd);
		r = MHD_create_response_from_buffer(0, (void *)"",
			MHD_RESPMEM_PERSISTENT);
		add_file_headers(r, m, 0);
		add_headers(sv, r, hr);
		return queue(cn, c, 304, r, 0);
	}
	r = MHD_create_response_from_fd64((uint64_t)st->st_size, fd);
	if (r == NULL) {
		close(fd);
		return MHD_NO;
	}
	add_file_headers(r, m, 1);
	add_headers(sv, r, hr);
	return queue(cn, c, 200, r, (unsigned long long)st->st_size);
}

/* Open path as a regular file: fd and *st, or -1. */
static int open_regular(const char *path, struct stat *st)
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

static void fill_req(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, struct http_req *req);
static enum MHD_Result send_error(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, int status, const char *allow);

/* Answer with what a page put into hr. */
static enum MHD_Result send_resp(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, struct http_resp *hr, char *key,
	unsigned long gen)
{
	struct MHD_Response *r;
	struct static_meta m;
	struct stat st;
	enum MHD_Result ret;
	char tbuf[128];
	size_t n;
	char *body;
	int fd;

	if (hr->file != NULL) {
		free(key);
		fd = open_regular(hr->file, &st);
		if (fd < 0) {
			log_note(sv, "cannot open %s", hr->file);
			http_resp_release(hr);
			return send_error(sv, cn, c, 404, NULL);
		}
		static_meta_fill(&m, hr->file, &st);
		if (hr->type != NULL) {
			m.type = text_type(hr->type, tbuf, sizeof tbuf);
		}
		/* the page decides how long; by default ask every time
		 * (a withdrawn record's image must go at once) */
		m.cache = resp_has(hr, MHD_HTTP_HEADER_CACHE_CONTROL) ? NULL :
			"no-cache";
		return send_fd(sv, cn, c, fd, &st, &m, hr);
	}
	n = hr->body.len;
	body = hd_buf_detach(&hr->body);
	r = MHD_create_response_from_buffer(n, body ? body : (void *)"",
		body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		text_type(hr->type, tbuf, sizeof tbuf));
	if (!resp_has(hr, MHD_HTTP_HEADER_CACHE_CONTROL)) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
			"no-cache");
	}
	add_headers(sv, r, hr);
	if (key != NULL && hr->status == 200 && n <= PC_MAX_PAGE &&
	    !resp_has(hr, MHD_HTTP_HEADER_CACHE_CONTROL) &&
	    !resp_has(hr, MHD_HTTP_HEADER_SET_COOKIE) &&
	    !atomic_load(&sv->draining)) {
		/* queued first: once in the cache another thread may drop
		 * it; the cache then owns our reference */
		cn->status = 200;
		cn->bytes = cn->meth == M_HEAD ? 0 : n;
		ret = MHD_queue_response(c, 200, r);
		pc_put(sv, key, gen, r, n);
		return ret;
	}
	free(key);
	return queue(cn, c, hr->status, r, n);
}

/* The error page for status (site_error), with an Allow header for 405. */
static enum MHD_Result send_error(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, int status, const char *allow)
{
	struct http_req req;
	struct http_resp resp;
	enum MHD_Result ret;

	fill_req(sv, cn, c, &req);
	http_resp_init(&resp);
	site_error(sv->site, &req, &resp, status);
	if (allow != NULL) {
		http_header(&resp, "Allow", allow);
	}
	if (resp.status < 400) {
		resp.status = status;
	}
	ret = send_resp(sv, cn, c, &resp, NULL, 0);
	http_resp_release(&resp);
	return ret;
}

/* -------------------------------------------------- static cache */


static struct sc_entry **sc_find(struct server *sv, unsigned h,
	const char *rel)
{
	struct sc_entry **pp = &sv->sc[h % SC_BUCKETS];

	while (*pp != NULL && ((*pp)->hash != h || strcmp((*pp)->rel, rel))) {
		pp = &(*pp)->next;
	}
	return pp;
}

static void sc_free(struct sc_entry *e)
{
	if (e != NULL) {
		MHD_destroy_response(e->ok);
		MHD_destroy_response(e->nm);
		free(e->rel);
		free(e->real);
		free(e);
	}
}

/* Drop the entry for rel (under the write lock). */
static void sc_drop(struct server *sv, unsigned h, const char *rel)
{
	struct sc_entry **pp, *e;

	pthread_rwlock_wrlock(&sv->sc_lock);
	pp = sc_find(sv, h, rel);
	e = *pp;
	if (e != NULL) {
		*pp = e->next;
		sv->sc_n--;
		sv->sc_bytes -= (size_t)e->size;
	}
	pthread_rwlock_unlock(&sv->sc_lock);
	sc_free(e);
}

static int same_file(const struct sc_entry *e, const char *real,
	const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
		e->size == st->st_size &&
		e->mtime.tv_sec == st->st_mtim.tv_sec &&
		e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
		strcmp(e->real, real) == 0;
}

/* Read fd's size bytes into a new buffer (caller frees), or NULL. */
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

/* Bring the cache entry for rel up to date with the file system.
 * Returns 0 when a fresh entry is in the cache, 1 when the file exists
 * but is not cached (too big, cache full: *fd and *st are then set, the
 * caller sends it), -1 when there is no such file to serve. */
static int sc_refresh(struct server *sv, const char *rel, unsigned h,
	long long now, int *fdp, struct stat *st, struct static_meta *m)
{
	struct sc_entry **pp, *e, *old = NULL;
	char *real, *bytes;
	int fd, rc = 0;

	*fdp = -1;
	real = site_static_path(sv->site, rel);
	fd = real ? open_regular(real, st) : -1;
	if (fd < 0) {
		free(real);
		sc_drop(sv, h, rel);
		return -1;
	}
	pthread_rwlock_wrlock(&sv->sc_lock);
	e = *sc_find(sv, h, rel);
	if (e != NULL && same_file(e, real, st)) {
		e->checked = now;
		pthread_rwlock_unlock(&sv->sc_lock);
		close(fd);
		free(real);
		return 0;
	}
	pthread_rwlock_unlock(&sv->sc_lock);
	static_meta_fill(m, rel, st);
	bytes = st->st_size <= SC_MAX_FILE ?
		read_all(fd, (size_t)st->st_size) : NULL;
	if (bytes == NULL) {
		free(real);
		*fdp = fd;
		return 1;
	}
	e = hd_xcalloc(1, sizeof *e);
	e->hash = h;
	e->checked = now;
	e->rel = hd_xstrdup(rel);
	e->real = real;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->meta = *m;
	e->ok = MHD_create_response_from_buffer((size_t)st->st_size, bytes,
		MHD_RESPMEM_MUST_FREE);
	add_file_headers(e->ok, &e->meta, 1);
	add_security(e->ok);
	e->nm = MHD_create_response_from_buffer(0, (void *)"",
		MHD_RESPMEM_PERSISTENT);
	add_file_headers(e->nm, &e->meta, 0);
	add_security(e->nm);

	pthread_rwlock_wrlock(&sv->sc_lock);
	pp = sc_find(sv, h, rel);
	if (*pp != NULL) {
		old = *pp;
		e->next = old->next;
		*pp = e;
		sv->sc_bytes += (size_t)e->size - (size_t)old->size;
	} else if (sv->sc_n < SC_MAX_ENTRIES &&
	    sv->sc_bytes + (size_t)e->size <= SC_MAX_BYTES) {
		*pp = e;
		sv->sc_n++;
		sv->sc_bytes += (size_t)e->size;
	} else {
		old = e;        /* no room: send this one from the file */
		rc = 1;
	}
	pthread_rwlock_unlock(&sv->sc_lock);
	sc_free(old);
	if (rc == 1) {
		*fdp = fd;
		return 1;
	}
	close(fd);
	return 0;
}

/* GET/HEAD /static/REL (and /favicon.ico): from the cache when fresh;
 * no archive handle, no template check. */
static enum MHD_Result serve_static(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const char *rel)
{
	unsigned h = str_hash(rel);
	long long now = now_s();
	struct sc_entry *e;
	struct static_meta m;
	struct stat st;
	enum MHD_Result ret;
	int tries, fd, rc, nm;

	for (tries = 0; tries < 2; tries++) {
		if (!atomic_load_explicit(&sv->draining,
		    memory_order_relaxed)) {
			pthread_rwlock_rdlock(&sv->sc_lock);
			e = *sc_find(sv, h, rel);
			if (e != NULL && e->checked == now) {
				nm = static_not_modified(&e->meta,
					MHD_lookup_connection_value(c,
					MHD_HEADER_KIND,
					MHD_HTTP_HEADER_IF_NONE_MATCH),
					MHD_lookup_connection_value(c,
					MHD_HEADER_KIND,
					MHD_HTTP_HEADER_IF_MODIFIED_SINCE));
				cn->status = nm ? 304 : 200;
				cn->bytes = nm || cn->meth == M_HEAD ? 0 :
					(unsigned long long)e->size;
				ret = MHD_queue_response(c, nm ? 304 : 200,
					nm ? e->nm : e->ok);
				pthread_rwlock_unlock(&sv->sc_lock);
				return ret;
			}
			pthread_rwlock_unlock(&sv->sc_lock);
		}
		rc = sc_refresh(sv, rel, h, now, &fd, &st, &m);
		if (rc < 0) {
			return send_error(sv, cn, c, 404, NULL);
		}
		if (rc == 1 || atomic_load(&sv->draining)) {
			if (fd < 0) {
				break;
			}
			return send_fd(sv, cn, c, fd, &st, &m, NULL);
		}
	}
	/* the file changed under us twice, or we are stopping: plainly */
	{
		char *real = site_static_path(sv->site, rel);

		fd = real ? open_regular(real, &st) : -1;
		free(real);
		if (fd < 0) {
			return send_error(sv, cn, c, 404, NULL);
		}
		static_meta_fill(&m, rel, &st);
		return send_fd(sv, cn, c, fd, &st, &m, NULL);
	}
}

static void sc_clear(struct server *sv)
{
	struct sc_entry *e, *next;
	size_t i;

	for (i = 0; i < SC_BUCKETS; i++) {
		for (e = sv->sc[i]; e != NULL; e = next) {
			next = e->next;
			sc_free(e);
		}
		sv->sc[i] = NULL;
	}
	sv->sc_n = 0;
	sv->sc_bytes = 0;
}

/* ------------------------------------------------------- requests */

/* This worker's archive handle, opened on first use and remembered for
 * the close at shutdown.  NULL with e set when it cannot be opened. */
static struct hd_archive *worker_archive(struct server *sv, int rw,
	struct hd_error *e)
{
	struct hd_archive *a = NULL;

	if (t_arch[rw] != NULL) {
		return t_arch[rw];
	}
	if (hd_archive_open(sv->site->dir, !rw, &a, e) != 0) {
		return NULL;
	}
	pthread_mutex_lock(&sv->lock);
	sv->handles = hd_xrealloc(sv->handles,
		(sv->nhandles + 1) * sizeof *sv->handles);
	sv->handles[sv->nhandles++] = a;
	pthread_mutex_unlock(&sv->lock);
	t_arch[rw] = a;
	return a;
}

/* A request through the trusted proxy: the client is the last address
 * of X-Forwarded-For (the one the proxy added; earlier ones the client
 * may have made up), when it is an address; X-Forwarded-Proto https
 * marks the request as TLS (Secure cookies). */
static void forwarded_for(struct MHD_Connection *c, struct conn *cn,
	struct http_req *req)
{
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		"X-Forwarded-For");
	const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		"X-Forwarded-Proto");
	const char *p, *end;
	unsigned char buf[sizeof(struct in6_addr)];
	char addr[INET6_ADDRSTRLEN];
	size_t n;

	req->tls = proto != NULL && strcasecmp(proto, "https") == 0;
	if (xff == NULL) {
		return;
	}
	p = strrchr(xff, ',');
	p = p != NULL ? p + 1 : xff;
	while (*p == ' ' || *p == '\t') {
		p++;
	}
	for (end = p + strlen(p); end > p && (end[-1] == ' ' ||
	    end[-1] == '\t'); end--) {
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof addr) {
		return;
	}
	memcpy(addr, p, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, buf) == 1 ||
	    inet_pton(AF_INET6, addr, buf) == 1) {
		memcpy(cn->forwarded, addr, n + 1);
		req->remote = cn->forwarded;
	}
}

static void fill_req(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, struct http_req *req)
{
	const char *k;

	memset(req, 0, sizeof *req);
	req->method = cn->method;
	req->path = cn->path && !cn->bad ? cn->path : "/";
	req->raw_url = cn->raw;
	if (!cn->bad) {
		memcpy(req->params, cn->params,
			cn->nparams * sizeof cn->params[0]);
		req->nparams = cn->nparams;
	}
	req->if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_IF_NONE_MATCH);
	req->if_modified_since = MHD_lookup_connection_value(c,
		MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	req->cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_COOKIE);
	req->host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_HOST);
	req->remote = cn->remote;
	if (sv->opts->trusted_proxy != NULL &&
	    strcmp(cn->remote, sv->opts->trusted_proxy) == 0) {
		forwarded_for(c, cn, req);
	}
	req->body = cn->body.p ? cn->body.p : "";
	req->nbody = cn->body.len;
	k = http_param(req, "kiosk");
	req->kiosk = sv->site->kiosk || (k != NULL && strcmp(k, "1") == 0);
}

/* 1 when the route's path takes path (exact, or prefix when it ends in
 * '/' and is longer than "/"). */
static int route_takes(const struct route *rt, const char *path)
{
	size_t n = strlen(rt->path);

	if (n > 1 && rt->path[n - 1] == '/') {       /* "/" is exact */
		return strncmp(path, rt->path, n) == 0;
	}
	return strcmp(path, rt->path) == 0;
}

/* The route for path and method (HEAD as GET): an exact path before the
 * longest prefix.  NULL when none; *allow then lists what the path takes
 * ("" when no route takes it). */
static const struct route *route_find(const char *path, enum method m,
	char *allow, size_t nallow)
{
	const struct route *best = NULL;
	const char *want = m == M_POST ? "POST" : "GET";
	size_t i, blen = 0, n;
	int get = 0, post = 0;

	for (i = 0; routes[i].path != NULL; i++) {
		if (!route_takes(&routes[i], path)) {
			continue;
		}
		if (strcmp(routes[i].method, "POST") == 0) {
			post = 1;
		} else {
			get = 1;
		}
		if (m == M_OTHER || strcmp(routes[i].method, want) != 0) {
			continue;
		}
		n = strlen(routes[i].path);
		if (best == NULL || strcmp(routes[i].path, path) == 0 ||
		    (n > blen && strcmp(best->path, path) != 0)) {
			best = &routes[i];
			blen = n;
		}
	}
	snprintf(allow, nallow, "%s%s%s", get ? "GET, HEAD" : "",
		get && post ? ", " : "", post ? "POST" : "");
	return best;
}

/* 1 when path lies under one of rw_prefixes (routes.c). */
static int rw_path(const char *path)
{
	size_t i;

	for (i = 0; rw_prefixes[i] != NULL; i++) {
		if (strncmp(path, rw_prefixes[i], strlen(rw_prefixes[i])) ==
		    0) {
			return 1;
		}
	}
	return 0;
}

static int is_form(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_TYPE);
	static const char form[] = "application/x-www-form-urlencoded";

	return t != NULL && strncasecmp(t, form, sizeof form - 1) == 0 &&
		(t[sizeof form - 1] == '\0' || t[sizeof form - 1] == ';' ||
		t[sizeof form - 1] == ' ');
}

/* The whole request is in: answer it. */
static enum MHD_Result handle(struct server *sv, struct conn *cn,
	struct MHD_Connection *c)
{
	const struct route *rt;
	struct http_req req;
	struct http_resp resp;
	struct hd_archive *a;
	struct hd_error e;
	enum MHD_Result ret;
	char allow[32], *arena, *key = NULL;
	const char *rel = NULL;
	unsigned long gen = 0;
	int rw, hit;

	set_phase(cn, PH_BUSY, 0);   /* no deadline: no clock */
	if (cn->bad) {
		return send_error(sv, cn, c, cn->bad, NULL);
	}
	if (cn->too_big) {
		return send_error(sv, cn, c, 413, NULL);
	}
	if (strncmp(cn->path, "/static/", 8) == 0) {
		rel = cn->path + 8;
	} else if (strcmp(cn->path, "/favicon.ico") == 0) {
		rel = "favicon.ico";
	}
	if (rel != NULL) {
		if (cn->meth != M_GET && cn->meth != M_HEAD) {
			return send_error(sv, cn, c, 405, "GET, HEAD");
		}
		return serve_static(sv, cn, c, rel);
	}
	rt = route_find(cn->path, cn->meth, allow, sizeof allow);
	if (rt == NULL) {
		if (cn->meth == M_OTHER || allow[0] != '\0') {
			return send_error(sv, cn, c, 405, allow[0] ? allow :
				"GET, HEAD, POST");
		}
		return send_error(sv, cn, c, 404, NULL);
	}
	if (cn->meth == M_POST && is_form(c)) {
		cn->form = hd_xmalloc(cn->body.len + 2 * HTTP_MAX_PARAMS + 8);
		arena = cn->form;
		if (http_parse_params(cn->params, &cn->nparams, cn->body.p ?
		    cn->body.p : "", cn->body.len, &arena) != 0) {
			cn->bad = 400;
			return send_error(sv, cn, c, 400, NULL);
		}
	}
	hd_err_clear(&e);
	rw = cn->meth == M_POST || rw_path(cn->path);
	a = worker_archive(sv, rw, &e);
	if (a == NULL) {
		log_note(sv, "%s", e.msg);
		return send_error(sv, cn, c, 503, NULL);
	}
	if (!rw && sv->watch != NULL && pc_route(cn->path) &&
	    !atomic_load(&sv->draining)) {
		pc_check(sv);
		gen = atomic_load(&sv->gen);
		key = pc_key(cn, c);
		ret = pc_send(sv, cn, c, key, &hit);
		if (hit) {
			free(key);
			return ret;
		}
	}
	fill_req(sv, cn, c, &req);
	http_resp_init(&resp);
	rt->fn(sv->site, a, &req, &resp);
	if (resp.status >= 400 && resp.body.len == 0 && resp.file == NULL) {
		int status = resp.status;

		http_resp_release(&resp);
		http_resp_init(&resp);
		site_error(sv->site, &req, &resp, status);
	}
	ret = send_resp(sv, cn, c, &resp, key, gen);
	http_resp_release(&resp);
	return ret;
}

static enum method method_of(const char *m)
{
	if (strcmp(m, MHD_HTTP_METHOD_GET) == 0) {
		return M_GET;
	}
	if (strcmp(m, MHD_HTTP_METHOD_HEAD) == 0) {
		return M_HEAD;
	}
	if (strcmp(m, MHD_HTTP_METHOD_POST) == 0) {
		return M_POST;
	}
	return M_OTHER;
}

/* 1 when the request announces a body. */
static int has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL) {
		return 1;
	}
	return cl != NULL && strtoull(cl, NULL, 10) > 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
	const char *url, const char *method, const char *version,
	const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct conn *cn = *con_cls;
	const char *cl;
	size_t n;

	if (cn == NULL) {
		return MHD_NO;
	}
	/* An answer queued in this first call makes libmicrohttpd close
	 * the connection afterwards: right for a body we refuse unread,
	 * too costly for everything else, which waits for the second. */
	if (!cn->started) {
		cn->started = 1;
		n = strlen(method);
		n = n < sizeof cn->method ? n : sizeof cn->method - 1;
		memcpy(cn->method, method, n);
		cn->method[n] = '\0';
		cn->meth = method_of(method);
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > SERVER_BODY_MAX) {
			cn->too_big = 1;
			return handle(sv, cn, c);
		}
		if (has_body(c)) {
			set_phase(cn, PH_BODY, now_ms());
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!cn->too_big && cn->body.len + *upload_size <=
		    SERVER_BODY_MAX) {
			hd_buf_add(&cn->body, upload, *upload_size);
		} else {
			cn->too_big = 1;
			hd_buf_release(&cn->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(sv, cn, c);
}

static void rq_reset(struct conn *cn)
{
	hd_buf_release(&cn->body);
	free(cn->form);
	cn->form = NULL;
	cn->active = cn->started = cn->bad = cn->too_big = cn->status = 0;
	cn->meth = M_OTHER;
	cn->method[0] = '\0';
	cn->nraw = 0;
	cn->raw[0] = '\0';
	cn->path = NULL;
	cn->nparams = 0;
	cn->bytes = 0;
}

/* The request line is in: keep the raw URL and decode it ourselves
 * (libmicrohttpd's own decoding would hide malformed escapes).  The
 * connection becomes the request's context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct server *sv = cls;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *cn = ci ? ci->socket_context : NULL;
	size_t n = strlen(uri);

	if (cn == NULL) {
		return NULL;
	}
	rq_reset(cn);
	cn->active = 1;
	cn->t0 = now_us();
	atomic_fetch_add(&sv->inflight, 1);
	atomic_fetch_add_explicit(&sv->requests, 1, memory_order_relaxed);
	cn->nraw = n > SERVER_URL_MAX ? SERVER_URL_MAX : n;
	memcpy(cn->raw, uri, cn->nraw);
	cn->raw[cn->nraw] = '\0';
	if (n > SERVER_URL_MAX) {
		cn->bad = 414;
	} else if (parse_url(cn) != 0) {
		cn->bad = 400;
	}
	return cn;
}

/* Records warm_worker reads at a time: some 15 ms at 200,000 records. */
#define WARM_STEP 20000

/* After a request, when nothing else is in flight: read into this
 * worker's read-only handle what every search reads (hd_search_warm),
 * WARM_STEP records a request, newest first, and again after the archive
 * changed, since SQLite empties a connection's page cache when another
 * one wrote.  A first search on a cold handle reads its matches' records
 * one system call each: 14 ms for a rare phrase at 200,000 records.
 * Warming waits until two looks in a row see the same data_version, so
 * an archive being written (a batch, the index merge) is left alone. */
static void warm_worker(struct server *sv)
{
	struct hd_error e;
	int64_t dv;

	if (t_arch[0] == NULL || atomic_load(&sv->draining) ||
	    atomic_load(&sv->inflight) > 0) {
		return;
	}
	dv = hd_archive_data_version(t_arch[0]);
	if (dv != t_seen_dv) {
		t_seen_dv = dv;
		return;
	}
	if (dv != t_warm_dv) {
		t_warm_dv = dv;
		t_warm_below = INT64_MAX;
		t_warm_rows = 0;
	}
	if (t_warm_below == 0 || t_warm_rows >= HD_WARM_ROWS) {
		return;
	}
	hd_err_clear(&e);
	if (hd_search_warm(t_arch[0], &t_warm_below, WARM_STEP, &e) != 0) {
		log_note(sv, "%s", e.msg);
		t_warm_below = 0;
	}
	t_warm_rows += WARM_STEP;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct conn *cn = *con_cls;
	long long now = now_us();

	if (cn == NULL) {
		return;
	}
	if (cn->active) {
		log_request(sv, cn, toe, now);
		atomic_fetch_sub(&sv->inflight, 1);
	}
	rq_reset(cn);
	set_phase(cn, PH_WAIT, now / 1000);
	*con_cls = NULL;
	warm_worker(sv);
}

static void on_conn(void *cls, struct MHD_Connection *c, void **ctx,
	enum MHD_ConnectionNotificationCode code)
{
	struct server *sv = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *cn;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		cn = hd_xcalloc(1, sizeof *cn);
		hd_buf_init(&cn->body);
		ci = MHD_get_connection_info(c,
			MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->fd = ci ? ci->connect_fd : -1;
		ci = MHD_get_connection_info(c,
			MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci == NULL || ci->client_addr == NULL) {
			snprintf(cn->remote, sizeof cn->remote, "-");
		} else if (ci->client_addr->sa_family == AF_INET6) {
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
				(const void *)ci->client_addr)->sin6_addr,
				cn->remote, sizeof cn->remote);
		} else {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
				(const void *)ci->client_addr)->sin_addr,
				cn->remote, sizeof cn->remote);
		}
		set_phase(cn, PH_WAIT, now_ms());
		pthread_mutex_lock(&sv->lock);
		cn->next = sv->conns;
		if (sv->conns != NULL) {
			sv->conns->prev = cn;
		}
		sv->conns = cn;
		pthread_mutex_unlock(&sv->lock);
		*ctx = cn;
		return;
	}
	cn = *ctx;
	if (cn == NULL) {
		return;
	}
	pthread_mutex_lock(&sv->lock);
	if (cn->prev != NULL) {
		cn->prev->next = cn->next;
	} else {
		sv->conns = cn->next;
	}
	if (cn->next != NULL) {
		cn->next->prev = cn->prev;
	}
	pthread_mutex_unlock(&sv->lock);
	if (cn->active) {       /* never reported complete: count it out */
		log_request(sv, cn, MHD_REQUEST_TERMINATED_WITH_ERROR,
			now_us());
		atomic_fetch_sub(&sv->inflight, 1);
	}
	rq_reset(cn);
	free(cn);
	*ctx = NULL;
}

/* libmicrohttpd must not decode the URL: we decode the raw one. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* Cut off every connection that has been receiving one request for
 * longer than the timeout.  The socket is only shut down (libmicrohttpd
 * then closes it); the list lock keeps the descriptor from being closed
 * and reused meanwhile. */
static void watchdog(struct server *sv)
{
	long long now = now_ms(), limit = sv->opts->timeout * 1000LL;
	struct conn *cn;
	int ph;

	pthread_mutex_lock(&sv->lock);
	for (cn = sv->conns; cn != NULL; cn = cn->next) {
		ph = atomic_load_explicit(&cn->phase, memory_order_acquire);
		if (ph != PH_BUSY && !cn->cut && cn->fd >= 0 &&
		    now - atomic_load_explicit(&cn->since,
		    memory_order_relaxed) > limit) {
			cn->cut = 1;
			shutdown(cn->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&sv->lock);
}

/* ------------------------------------------------------- lifecycle */

/* Parse spec (see struct server_opts) and bind a listening socket; its
 * descriptor, or a negative code with e set.  shown receives the address
 * as "HOST:PORT" (the real port when 0 was asked), *ipv6 its family. */
static int bind_listen(const char *spec, char *shown, size_t nshown,
	int *ipv6, struct hd_error *e)
{
	char host[256], port[16];
	const char *colon, *h = spec, *ps;
	size_t hl;
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = -1, one = 1, rc, err = 0;
	char *end;
	long pn;

	if (spec[0] == '[') {
		colon = strstr(spec, "]:");
		h = spec + 1;
		hl = colon ? (size_t)(colon - h) : 0;
		colon = colon ? colon + 1 : NULL;
	} else {
		colon = strrchr(spec, ':');
		hl = colon ? (size_t)(colon - spec) : 0;
	}
	ps = colon ? colon + 1 : spec;
	if (colon == NULL) {
		snprintf(host, sizeof host, "127.0.0.1");
	} else if (hl == 0) {
		snprintf(host, sizeof host, "0.0.0.0");
	} else if (hl < sizeof host) {
		memcpy(host, h, hl);
		host[hl] = '\0';
	} else {
		return hd_err(e, HD_EUSAGE, "--listen '%s': address too long",
			spec);
	}
	pn = strtol(ps, &end, 10);
	if (*ps == '\0' || *end != '\0' || pn < 0 || pn > 65535) {
		return hd_err(e, HD_EUSAGE, "--listen '%s': give ADDR:PORT, "
			"e.g. 127.0.0.1:8080", spec);
	}
	snprintf(port, sizeof port, "%ld", pn);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		return hd_err(e, HD_EUSAGE, "--listen '%s': %s", spec,
			gai_strerror(rc));
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 511) == 0) {
			*ipv6 = ai->ai_family == AF_INET6;
			break;
		}
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		return hd_err(e, HD_EIO, "%s:%s: %s", host, port,
			strerror(err));
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			pn = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			pn = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
	}
	if (*ipv6) {
		snprintf(shown, nshown, "[%s]:%ld", host, pn);
	} else {
		snprintf(shown, nshown, "%s:%ld", host, pn);
	}
	return fd;
}

/* ------------------------------------------------- upkeep threads */

/* The fixity audit and the index merge run in threads of their own,
 * stopped together (audit_end) through audit_lock and audit_wake. */

/* Wait until ms from now or a stop; returns 1 on a stop. */
static int upkeep_wait(struct server *sv, long long ms)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&sv->audit_lock);
	while (!sv->audit_stop &&
	    pthread_cond_timedwait(&sv->audit_wake, &sv->audit_lock,
	    &until) == 0) {
		continue;
	}
	stop = sv->audit_stop;
	pthread_mutex_unlock(&sv->audit_lock);
	return stop;
}

static int upkeep_stopping(struct server *sv)
{
	int stop;

	pthread_mutex_lock(&sv->audit_lock);
	stop = sv->audit_stop;
	pthread_mutex_unlock(&sv->audit_lock);
	return stop;
}

/* ------------------------------------------------------ fixity audit */

/* How often the audit thread looks whether an audit is due. */
#define AUDIT_CHECK_S 600

/* The daily fixity audit inside the running server: on start and then
 * every AUDIT_CHECK_S seconds, when the last "fixity" event is older
 * than opts->audit_hours, every object is read and checked on its own
 * writable handle (hd_fixity_audit writes the "fixity" event that the
 * admin home reads to flag damaged records).  Reading the store is off
 * the request path; a stop waits for an audit in progress to end. */
static void *audit_thread(void *arg)
{
	struct server *sv = arg;
	struct hd_agent agent = { "server" };
	struct hd_archive *a = NULL;
	struct hd_verify v;
	struct hd_error e;
	int stop = 0;

	while (!stop) {
		hd_err_clear(&e);
		if (a == NULL &&
		    hd_archive_open(sv->site->dir, 0, &a, &e) != 0) {
			log_note(sv, "fixity audit: %s", e.msg);
			a = NULL;
		}
		if (a != NULL && hd_fixity_due(a, sv->opts->audit_hours)) {
			memset(&v, 0, sizeof v);
			if (hd_fixity_audit(a, &agent, &v, &e) != 0) {
				log_note(sv, "fixity audit: %s", e.msg);
			} else {
				log_note(sv, "fixity audit: objects %lld, ok "
					"%lld, damaged %zu, missing %zu, "
					"chain %s", (long long)v.objects,
					(long long)v.ok, v.ndamaged,
					v.nmissing,
					v.chain_ok ? "ok" : "broken");
			}
			hd_verify_release(&v);
		}
		stop = upkeep_wait(sv, AUDIT_CHECK_S * 1000LL);
	}
	hd_archive_close(a);
	return NULL;
}

/* ------------------------------------------------- index merge */

/* Leaf pages a merge step: some 50 ms here, so a request that comes in
 * meanwhile shares the machine with it briefly (it never waits for it:
 * readers do not wait for the writer). */
#define MERGE_PAGES 500
/* How often the merge thread looks whether the server is idle. */
#define MERGE_CHECK_MS 1000

/* Quiet: no request in flight, and at most one a second begun since
 * count was base at t0 (ms).  A kiosk left on its attract loop asks for a
 * slide or /api/corridor every second or so; the merge should run then,
 * and give way when visitors or a class are searching. */
static int server_quiet(struct server *sv, unsigned long base, long long t0)
{
	unsigned long n = atomic_load_explicit(&sv->requests,
		memory_order_relaxed);

	return atomic_load(&sv->inflight) == 0 &&
	    (long long)(n - base) <= 1 + (now_ms() - t0) / 1000;
}

/* The search index merged while the server is quiet (hd_index_merge):
 * after each batch an archivist ingests, searches look their words up in
 * more segments until this has run.  Once the server has been quiet for
 * opts->merge_idle seconds, steps go on while it stays quiet and
 * something is left to merge; then the thread rests until another
 * connection changes the archive (data_version).  A step that finds the
 * write lock taken (an ingest) is tried again later. */
static void *merge_thread(void *arg)
{
	struct server *sv = arg;
	struct hd_archive *a = NULL;
	struct hd_error e;
	int64_t rested = -1, dv;
	unsigned long seen = atomic_load(&sv->requests);
	long long quiet_since = now_ms(), t;
	int rc, more, steps = 0, failed = 0;

	while (!upkeep_wait(sv, MERGE_CHECK_MS)) {
		t = now_ms();
		if (!server_quiet(sv, seen, t - MERGE_CHECK_MS)) {
			quiet_since = t;
		}
		seen = atomic_load(&sv->requests);
		if (t - quiet_since < sv->opts->merge_idle * 1000LL) {
			continue;
		}
		hd_err_clear(&e);
		if (a == NULL &&
		    hd_archive_open(sv->site->dir, 0, &a, &e) != 0) {
			if (!failed) {
				log_note(sv, "index merge: %s", e.msg);
			}
			failed = 1;
			a = NULL;
			continue;
		}
		dv = hd_archive_data_version(a);
		if (dv == rested) {
			continue;
		}
		rc = 0;
		more = 1;
		while (more && server_quiet(sv, seen, t) &&
		    !upkeep_stopping(sv)) {
			rc = hd_index_merge(a, MERGE_PAGES, &more, &e);
			if (rc != 0) {
				break;
			}
			steps += more;
		}
		if (rc != 0 && rc != HD_EBUSY && !failed) {
			log_note(sv, "index merge: %s", e.msg);
		}
		failed = rc != 0 && rc != HD_EBUSY;
		if (rc == 0 && !more) {
			if (steps > 0) {
				log_note(sv, "search index merged in %d step%s",
					steps, steps == 1 ? "" : "s");
			}
			steps = 0;
			rested = hd_archive_data_version(a);
		} else if (rc == 0) {
			quiet_since = now_ms();   /* visitors came */
		}
		seen = atomic_load(&sv->requests);
	}
	hd_archive_close(a);
	return NULL;
}

static void audit_start(struct server *sv)
{
	pthread_mutex_init(&sv->audit_lock, NULL);
	pthread_cond_init(&sv->audit_wake, NULL);
	if (sv->opts->audit_hours > 0 &&
	    pthread_create(&sv->audit, NULL, audit_thread, sv) == 0) {
		sv->audit_started = 1;
	}
	if (sv->opts->merge_idle > 0 &&
	    pthread_create(&sv->merge, NULL, merge_thread, sv) == 0) {
		sv->merge_started = 1;
	}
}

/* Ask the upkeep threads to stop (a merge step in progress ends first). */
static void upkeep_stop(struct server *sv)
{
	pthread_mutex_lock(&sv->audit_lock);
	sv->audit_stop = 1;
	pthread_cond_broadcast(&sv->audit_wake);
	pthread_mutex_unlock(&sv->audit_lock);
}

static void audit_end(struct server *sv)
{
	upkeep_stop(sv);
	if (sv->audit_started) {
		pthread_join(sv->audit, NULL);
	}
	if (sv->merge_started) {
		pthread_join(sv->merge, NULL);
	}
	pthread_cond_destroy(&sv->audit_wake);
	pthread_mutex_destroy(&sv->audit_lock);
}

int server_run(struct site *s, const struct server_opts *opts,
	struct hd_error *e)
{
	struct server *sv;
	pthread_rwlockattr_t ra;
	sigset_t set, old;
	struct timespec ts;
	struct hd_error te;
	char shown[300], line[400];
	unsigned flags;
	long long deadline;
	int lfd, ipv6 = 0, sig, n;
	size_t i;

	lfd = bind_listen(opts->listen, shown, sizeof shown, &ipv6, e);
	if (lfd < 0) {
		return e->code;
	}
	sv = hd_xcalloc(1, sizeof *sv);
	sv->site = s;
	sv->opts = opts;
	sv->log = alog_new(opts->logfd);
	pthread_mutex_init(&sv->lock, NULL);
	/* writers first: a refresh must not starve under a stream of
	 * readers */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sv->sc_lock, &ra);
	pthread_rwlock_init(&sv->pc_lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&sv->watch_lock, NULL);
	if (opts->page_cache) {
		struct hd_error we;

		hd_err_clear(&we);
		if (hd_archive_open(s->dir, 1, &sv->watch, &we) != 0) {
			sv->watch = NULL;       /* pages made anew, then */
			log_note(sv, "page cache off: %s", we.msg);
		} else {
			sv->watch_dv = hd_archive_data_version(sv->watch);
		}
	}

	/* signals go to this thread only: the workers inherit the mask */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		MHD_USE_TURBO | MHD_USE_ITC;
	if (ipv6) {
		flags |= MHD_USE_IPv6;
	}
	if (getenv("HONGDANG_MHD_DEBUG") != NULL) {
		flags |= MHD_USE_ERROR_LOG;
	}
	sv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, sv,
		MHD_OPTION_LISTEN_SOCKET, lfd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVER_CONN_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)SERVER_CONN_PER_IP,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)SERVER_CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->timeout,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, sv,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, sv,
		MHD_OPTION_NOTIFY_CONNECTION, on_conn, sv,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
		MHD_OPTION_END);
	if (sv->d == NULL) {
		close(lfd);
		hd_err(e, HD_EIO, "%s: the HTTP server did not start", shown);
		goto out;
	}
	n = snprintf(line, sizeof line, "红档展示服务已启动：http://%s/\n",
		shown);
	(void)!write(2, line, (size_t)n);
	audit_start(sv);

	for (;;) {
		ts.tv_sec = 0;
		ts.tv_nsec = 100 * 1000 * 1000;
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			break;
		}
		if (sig == SIGHUP && s->tmpl != NULL) {
			hd_err_clear(&te);
			if (tmpl_refresh(s->tmpl, 1, &te) != 0) {
				log_note(sv, "templates not reloaded: %s",
					te.msg);
			} else {
				log_note(sv, "%s", "templates reloaded");
			}
			atomic_fetch_add(&sv->gen, 1);
		}
		watchdog(sv);
		alog_tick(sv->log, now_ms(), 0);
	}

	/* stop: no new connections, let the requests in flight finish */
	atomic_store(&sv->draining, 1);
	upkeep_stop(sv);
	lfd = MHD_quiesce_daemon(sv->d);
	if (lfd >= 0) {
		close(lfd);
	}
	deadline = now_ms() + (opts->timeout + DRAIN_EXTRA) * 1000LL;
	while (atomic_load(&sv->inflight) > 0 && now_ms() < deadline) {
		ts.tv_sec = 0;
		ts.tv_nsec = 50 * 1000 * 1000;
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			break;          /* asked twice: stop now */
		}
		watchdog(sv);
		alog_tick(sv->log, now_ms(), 0);
	}
	MHD_stop_daemon(sv->d);
	audit_end(sv);
	hd_err_clear(e);
out:
	for (i = 0; i < sv->nhandles; i++) {
		hd_archive_close(sv->handles[i]);
	}
	free(sv->handles);
	alog_free(sv->log);
	sc_clear(sv);
	pc_clear(sv);
	hd_archive_close(sv->watch);
	pthread_mutex_destroy(&sv->watch_lock);
	pthread_rwlock_destroy(&sv->sc_lock);
	pthread_rwlock_destroy(&sv->pc_lock);
	pthread_mutex_destroy(&sv->lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(sv);
	return e->code;
}
