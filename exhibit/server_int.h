/*
 * server_int.h - what the parts of the exhibit server share among
 * themselves (server.h is all the serve command sees).  The parts:
 *
 *   server.c      the running server: its state, start, signals, the
 *                 drain at a stop, and each worker's archive handles;
 *   httpd.c       the libmicrohttpd glue: connections and requests;
 *   respond.c     responses: headers, files, bodies, error pages (these
 *                 two alone include microhttpd.h, through httpd_int.h);
 *   routes.c      the route table and how a path finds its route;
 *   respcache.c   the response cache: public answers sent again;
 *   static.c      static files: paths, headers and their cache;
 *   clientaddr.c  the client's address, also behind a trusted proxy;
 *   listen.c      the listening socket;
 *   tls.c         the certificate and key of HTTPS, read and checked;
 *   upkeep.c      the daily fixity audit, the index merge when idle and
 *                 the demonstrations' sandboxes (made and reclaimed);
 *   accesslog.c   the access log: its lines, batched.
 *
 * No libmicrohttpd type appears here: a response made ready for sending
 * again travels as an opaque pointer that only respond.c makes
 * (httpd_file_response) and destroys (httpd_response_free).
 */
#ifndef HD_SERVER_INT_H
#define HD_SERVER_INT_H

#include "server.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <netinet/in.h>

/* ------------------------------------------------------------ clocks */

/* Microseconds on the monotonic clock (request durations). */
static inline long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Milliseconds on the monotonic clock (deadlines, the log's batching). */
static inline long long mono_ms(void)
{
	return mono_us() / 1000;
}

/* Seconds on the coarse monotonic clock: cheap enough for every static
 * request (the static cache's once-a-second check). */
static inline long long mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long long)ts.tv_sec;
}

/* ------------------------------------------------------------ server */

struct httpd;
struct alog;
struct static_cache;
struct respcache;
struct upkeep;
struct static_meta;

/* The certificate and key the server serves HTTPS with (tls.c). */
struct tls_pair {
	char *cert;             /* PEM: the server's certificate, then any
	                           chain; NULL: plain HTTP */
	char *key;              /* PEM private key, no passphrase; wiped
	                           before it is freed */
	size_t nkey;            /* bytes of key */
};

/* A running server (server_run makes it, frees it on return). */
struct server {
	struct site *site;
	const struct server_opts *opts;
	struct httpd *httpd;            /* libmicrohttpd's side (httpd.c) */
	_Atomic int inflight;           /* requests begun and not ended */
	_Atomic int draining;           /* stopping: answer with close */
	_Atomic unsigned long requests; /* requests begun since the start */
	pthread_mutex_t lock;           /* handles */
	struct hd_archive **handles;    /* every worker's archive handles */
	size_t nhandles;
	struct alog *log;               /* the access log */
	struct static_cache *statics;   /* static files ready to send */
	struct respcache *answers;      /* public answers; NULL: none kept */
	struct upkeep *upkeep;          /* the audit, merge and demo
	                                   threads */
	struct tls_pair tls;            /* HTTPS when tls.cert is set */
};

/* This worker thread's archive handle (server.c): read-only (rw 0) or
 * writable (rw 1), opened on first use and closed when the server stops.
 * NULL with e set when it cannot be opened. */
struct hd_archive *server_archive(struct server *sv, int rw,
	struct hd_error *e);
/* After a request, when no other is in flight: read a little more of
 * what every search reads into this worker's read-only handle (see
 * server.c).  Never blocks a request for long. */
void server_warm(struct server *sv);

/* -------------------------------------------------- libmicrohttpd glue */

/* 1 when this libmicrohttpd can serve TLS (it was built with GnuTLS). */
int httpd_tls_supported(void);
/* Start answering requests on the listening socket lfd (ipv6: its
 * family) with opts->threads workers, over TLS with sv->tls when its
 * certificate is set.  0, or -1 when libmicrohttpd does not start (lfd is
 * then still the caller's). */
int httpd_start(struct server *sv, int lfd, int ipv6);
/* Stop accepting connections (the listening socket is closed); the
 * requests in flight go on. */
void httpd_quiesce(struct server *sv);
/* Stop every worker and close every connection; frees sv->httpd. */
void httpd_stop(struct server *sv);
/* Shut down each connection that has been receiving one request for
 * longer than opts->timeout (called from the main thread). */
void httpd_watchdog(struct server *sv);
/* A ready response for the static cache: status 200 with body (n bytes,
 * owned by the response from now on) and the file headers of m, or 304
 * (body NULL) with them but no Content-Type; the security headers too. */
void *httpd_file_response(char *body, size_t n, const struct static_meta *m,
	int status);
/* Drop a reference to a response made by respond.c; NULL is ignored. */
void httpd_response_free(void *resp);

/* ------------------------------------------------------------ routes */

/* The route for path and method (routes.c): want is "GET" (HEAD too),
 * "POST", or NULL for any other method, which no route takes.  An exact
 * path wins over the longest prefix.  NULL when none; allow then lists
 * the methods the path takes ("GET, HEAD", "POST", "GET, HEAD, POST", or
 * "" when no route takes the path). */
const struct route *route_find(const char *path, const char *want,
	char *allow, size_t nallow);
/* The open function of a ROUTE_UPLOAD route (route_opens[]), or NULL
 * for any other route. */
page_open_fn route_open_fn(const struct route *rt);

/* ---------------------------------------------------- response cache */

#define RESPCACHE_MAX_ENTRIES 2048              /* answers kept at most */
#define RESPCACHE_MAX_BYTES (32 * 1024 * 1024)  /* bytes of bodies kept */
#define RESPCACHE_MAX_BODY (512 * 1024)         /* larger: not kept */

/* Open the response cache of the archive in dir (respcache.c): *out
 * receives it, with its own read-only handle to notice changes; drop
 * frees a kept response.  0, or a negative code with e set (then keep
 * no answers).  Free with respcache_close. */
int respcache_open(const char *dir, void (*drop)(void *resp),
	struct respcache **out, struct hd_error *e);
/* Drop every answer and close the handle; NULL is ignored. */
void respcache_close(struct respcache *rc);
/* The key of a request: host '\n' URL as received.  Caller frees. */
char *respcache_key(const char *host, const char *url, size_t n);
/* Start a new generation when the archive changed since the last look,
 * and return the current one (answers made now belong to it). */
unsigned long respcache_check(struct respcache *rc);
/* Start a new generation: nothing kept so far is sent again. */
void respcache_bump(struct respcache *rc);
/* When an answer for key of the current generation and hour is kept,
 * call send(arg, resp, bytes) under the cache's read lock (resp cannot be
 * dropped meanwhile) and return 1 with *ret its result; else return 0. */
int respcache_send(struct respcache *rc, const char *key,
	int (*send)(void *arg, void *resp, size_t bytes), void *arg,
	int *ret);
/* 1 when an answer may be kept: 200, a body of at most
 * RESPCACHE_MAX_BODY bytes (n), no Cache-Control and no Set-Cookie of
 * its own. */
int respcache_keeps(const struct http_resp *hr, size_t n);
/* Keep resp (the caller's reference passes to the cache) as the answer
 * for key (owned from now on), made at generation gen; bytes: its body.
 * Makes room first as the file comment says. */
void respcache_put(struct respcache *rc, char *key, unsigned long gen,
	void *resp, size_t bytes);

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

/* -------------------------------------------------- the static cache */

/* A cache of static files as ready responses (static.c), for site's
 * static folders; make and drop make and free the responses.  Free with
 * static_cache_free. */
struct static_cache *static_cache_new(const struct site *site,
	void *(*make)(char *body, size_t n, const struct static_meta *m,
	int status),
	void (*drop)(void *resp));
void static_cache_free(struct static_cache *sc);
/* When the file rel is cached and was checked in second now, call
 * send(arg, ok, nm, m, size) under the read lock (ok: its 200 response,
 * nm: its 304, m: its metadata, size: its bytes) and return 1 with *ret
 * its result; else return 0. */
int static_cache_send(struct static_cache *sc, const char *rel,
	long long now, int (*send)(void *arg, void *ok, void *nm,
	const struct static_meta *m, uint64_t size), void *arg, int *ret);
/* Bring the cache's entry for rel up to date with the file system at
 * second now.  0: a fresh entry is cached; 1: the file exists but is not
 * cached (too big, or no room): *fd is open on it, st and m describe it
 * and the caller sends it; -1: there is no such file to serve. */
int static_cache_refresh(struct static_cache *sc, const char *rel,
	long long now, int *fd, struct stat *st, struct static_meta *m);
/* Open path as a regular file, not following a final symbolic link: its
 * descriptor with *st filled, or -1. */
int static_open(const char *path, struct stat *st);

/* ------------------------------------------------- the client address */

/* The text form of a peer's address (IPv4 or IPv6) into out; "-" when
 * sa is NULL (clientaddr.c). */
void client_addr_text(const struct sockaddr *sa,
	char out[INET6_ADDRSTRLEN]);
/* What the trusted proxy in front says of a request: *tls is set when
 * proto (X-Forwarded-Proto, may be NULL) is "https"; returns 1 with out
 * filled when the last address of xff (X-Forwarded-For, may be NULL) is
 * an IPv4 or IPv6 address, else 0. */
int client_forwarded(const char *xff, const char *proto,
	char out[INET6_ADDRSTRLEN], int *tls);

/* ------------------------------------------------------------- HTTPS */

#define TLS_FILE_MAX (1024 * 1024)      /* bytes of a certificate or key
	                                   file (a chain is a few KiB) */

/* Read the PEM certificate file cert and private key file key into *out
 * and check them as tls.c's comment says.  0, or HD_EIO (a file cannot
 * be read) or HD_EINVAL (not what it should be, or the key does not
 * belong to the certificate) with a one-line message in e naming the
 * file.  Release *out with tls_release. */
int tls_load(const char *cert, const char *key, struct tls_pair *out,
	struct hd_error *e);
/* Wipe the key, free both and zero *p; a zeroed pair is left alone. */
void tls_release(struct tls_pair *p);

/* -------------------------------------------------- listening socket */

/* Parse spec (see struct server_opts) and bind a listening socket
 * (listen.c): its descriptor, or a negative code with e set (HD_EUSAGE
 * for a malformed spec, HD_EIO when it cannot be bound).  shown receives
 * the address as "HOST:PORT" ("[HOST]:PORT" for IPv6), with the real
 * port when 0 was asked; *ipv6 its family. */
int server_listen(const char *spec, char *shown, size_t nshown, int *ipv6,
	struct hd_error *e);

/* ----------------------------------------------------- upkeep threads */

/* Start the fixity audit and the index merge threads as opts ask
 * (upkeep.c).  Never NULL. */
struct upkeep *upkeep_start(struct server *sv);
/* Ask the threads to stop (a merge step in progress ends first). */
void upkeep_stop(struct upkeep *u);
/* Ask, wait for both threads, and free; NULL is ignored. */
void upkeep_end(struct upkeep *u);

/* --------------------------------------------------------- access log */

/* The access log (accesslog.c): lines batched per thread, written whole
 * (see the file comment). */
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

/* What the log says of one request. */
struct alog_req {
	const char *remote;             /* the peer's address */
	const char *method;             /* "" when none arrived */
	const char *url;                /* the raw URL as received */
	size_t nurl;
	int status;                     /* answered; 0: no answer */
	unsigned long long bytes;       /* of the body answered */
	long long us;                   /* from the request line to now */
	const char *end;                /* how it ended: "" (normally),
	                                   " timeout", " cut-off", ... */
};
/* Log one request as one line (see accesslog.c); now: ms (monotonic). */
void alog_request(struct alog *l, const struct alog_req *r, long long now);
/* Write a line about the server itself (a reload, an error) at once:
 * "2026-11-25T17:00:00Z hongdang serve: MESSAGE". */
void alog_note(struct alog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
