/*
 * server.h - the exhibit server as the serve command sees it: its
 * limits, its options and server_run.  What the server's own parts share
 * is in server_int.h.  No libmicrohttpd type appears here: only httpd.c
 * includes microhttpd.h.
 */
#ifndef HD_SERVER_H
#define HD_SERVER_H

#include "site.h"

/* Limits of the server (and what a client gets past them). */
#define SERVER_URL_MAX 2048             /* bytes of the raw URL: 414 */
#define SERVER_BODY_MAX (64 * 1024)     /* bytes of a request body: 413 */
#define SERVER_CONN_MAX 512             /* connections at once */
#define SERVER_CONN_PER_IP 32           /* connections from one address
	                                   (not the trusted proxy): ten
	                                   addresses hold at most 320 of
	                                   SERVER_CONN_MAX */
#define SERVER_CONN_SPARE 64            /* below this many free slots a
	                                   new connection first shuts the
	                                   one that has waited longest for
	                                   a request */
#define SERVER_HEAD_SECS 10             /* seconds a connection may wait
	                                   (idle, or sending its request
	                                   line and headers) before it is
	                                   cut: at most the timeout */
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
	int page_cache;         /* keep public answers in memory (the
	                           response cache, respcache.c) */
	int audit_hours;        /* fixity audit when the last is older than
	                           this (checked at start and every 10
	                           minutes); 0: none */
	int merge_idle;         /* merge the search index after this many
	                           seconds without a request; 0: never */
	uint64_t upload_max;    /* bytes one batch may upload at the desk
	                           (/admin/ingest); 0: DESK_UPLOAD_MAX */
	int harvest_hours;      /* harvest each room whose last run is older
	                           than this (upkeep.c); 0: never */
	int demo_max;           /* demonstration sandboxes at once; 0: no
	                           demonstrations with a sandbox */
	int demo_idle;          /* seconds a sandbox may go unused */
	int demo_life;          /* seconds a sandbox may live */
	uint64_t demo_bytes;    /* bytes a sandbox may hold on disk */
	const char *tls_cert;   /* PEM certificate file: serve HTTPS; NULL:
	                           plain HTTP.  Given with tls_key */
	const char *tls_key;    /* PEM private key file of tls_cert */
};

/* Serve site until SIGTERM or SIGINT (SIGHUP reloads the templates).
 * Reads and checks the certificate and key when opts->tls_cert is set,
 * binds the address, opens the desk (its batches taken up again, its
 * check and ingest threads started: desk.h), prints
 * "红档展示服务已启动：http://ADDR:PORT/" (or https) on stderr, then
 * answers requests on opts->threads threads.  On a stop signal it
 * refuses new connections, lets the requests in flight finish (or run
 * out of time), closes every archive handle the workers opened and
 * returns 0.  Returns HD_EUSAGE for a malformed address, HD_EIO when a
 * certificate or key file cannot be read, TLS is not built in, the
 * address cannot be bound or the server does not start, HD_EINVAL for a
 * certificate or key that is not one or a key that does not belong to
 * the certificate (message in e, naming the file; nothing listened to
 * then).  The caller keeps ownership of s and of logfd. */
int server_run(struct site *s, const struct server_opts *opts,
	struct hd_error *e);

#endif
