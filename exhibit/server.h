/*
 * server.h - the exhibit server core (server.c) as the serve command sees
 * it, and the static-file helpers (static.c) it shares with nothing else.
 * No libmicrohttpd type appears here: only server.c includes
 * microhttpd.h.
 */
#ifndef HD_SERVER_H
#define HD_SERVER_H

#include "site.h"

#include <sys/stat.h>
#include <time.h>

/* Limits of the server (and what a client gets past them). */
#define SERVER_URL_MAX 2048             /* bytes of the raw URL: 414 */
#define SERVER_BODY_MAX (64 * 1024)     /* bytes of a request body: 413 */
#define SERVER_CONN_MAX 512             /* connections at once */
#define SERVER_CONN_PER_IP 128          /* connections from one address */
#define SERVER_CONN_MEMORY (16 * 1024)  /* bytes a connection may buffer:
	                                   bigger headers get 431.  Not
	                                   more: libmicrohttpd zeroes it
	                                   between requests (32 KiB cost
	                                   5 % of the static-file rate) */

struct server_opts {
	const char *listen;     /* "ADDR:PORT", "[ADDR6]:PORT", ":PORT" (all
	                           interfaces) or "PORT" (127.0.0.1) */
	int threads;            /* worker threads, 1-64 */
	int timeout;            /* seconds: a whole request must arrive
	                           within this, and no connection stays
	                           silent longer */
	int logfd;              /* access log: 2, or a file opened O_APPEND */
	const char *trusted_proxy;  /* address of a TLS proxy in front, whose
	                               X-Forwarded-For and -Proto are
	                               believed; NULL: none */
	int page_cache;         /* keep public pages in memory (server.c) */
	int audit_hours;        /* fixity audit when the last is older than
	                           this (checked at start and every 10
	                           minutes); 0: none */
	int merge_idle;         /* merge the search index after this many
	                           seconds without a request; 0: never */
};

/* Serve site until SIGTERM or SIGINT (SIGHUP reloads the templates).
 * Binds the address, prints "红档展示服务已启动：http://ADDR:PORT/" on
 * stderr, then answers requests on opts->threads threads.  On a stop
 * signal it refuses new connections, lets the requests in flight finish
 * (or run out of time), closes every archive handle the workers opened
 * and returns 0.  Returns HD_EUSAGE for a malformed address, HD_EIO when
 * the address cannot be bound or the server does not start (message in
 * e).  The caller keeps ownership of s and of logfd. */
int server_run(struct site *s, const struct server_opts *opts,
	struct hd_error *e);

/* --------------------------------------------------------- access log */

/* The access log (accesslog.c): lines batched per thread, written whole
 * (see the file comment).  Only the server core uses it. */
struct alog;
/* A log writing to fd (not closed by alog_free).  Free with alog_free. */
struct alog *alog_new(int fd);
/* Add one whole line (ending in '\n') from this thread; now: ms
 * (monotonic).  May write. */
void alog_write(struct alog *l, const char *line, size_t n, long long now);
/* Write every buffer whose oldest line is old enough (all: every
 * buffer).  From any thread. */
void alog_tick(struct alog *l, long long now, int all);
/* Write what is left and free; call when no thread logs any more. */
void alog_free(struct alog *l);

/* ------------------------------------------------------- static files */

/* What a file response says about the file. */
struct static_meta {
	const char *type;       /* Content-Type (static string) */
	const char *cache;      /* Cache-Control (static string) */
	char etag[64];          /* strong ETag, "\"size-mtime-inode\"" (hex) */
	char modified[32];      /* Last-Modified, RFC 1123 (IMF-fixdate) */
	time_t mtime;           /* seconds, for If-Modified-Since */
};

/* The Content-Type for a file name by its extension, with
 * "; charset=utf-8" for text; "application/octet-stream" when unknown. */
const char *static_type(const char *name);
/* 1 when the file name carries a content hash: a dot-separated segment
 * of 8 or more hex digits just before the extension, after a stem
 * ("app.3f9a1c2b.css").  Such a file never changes under its name. */
int static_fingerprinted(const char *name);
/* Fill m for the file name with status st: type by extension, Cache-Control
 * "public, max-age=31536000, immutable" for fingerprinted names and
 * "public, max-age=300" otherwise, ETag and Last-Modified. */
void static_meta_fill(struct static_meta *m, const char *name,
	const struct stat *st);
/* 1 when a GET with these request headers (either may be NULL) can be
 * answered 304 Not Modified: If-None-Match lists m's ETag (weak
 * comparison, or "*"); else, without If-None-Match, If-Modified-Since is
 * an HTTP date not older than the file. */
int static_not_modified(const struct static_meta *m, const char *inm,
	const char *ims);
/* Format t as an HTTP date, "Sun, 06 Nov 1994 08:49:37 GMT", whatever
 * the locale.  out: 30 bytes are enough. */
void static_http_date(time_t t, char *out, size_t n);

#endif
