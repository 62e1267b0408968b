/*
 * httpd_int.h - what the two files that include microhttpd.h share:
 * httpd.c (connections and requests: libmicrohttpd's callbacks, the
 * watchdog, start and stop) and respond.c (responses: headers, files,
 * streamed bodies, error pages and the caches' answers).  Nothing else
 * includes it; server_int.h is what the rest of the server sees.
 */
#ifndef HD_HTTPD_INT_H
#define HD_HTTPD_INT_H

#include "server_int.h"

#include <microhttpd.h>

#include <stdatomic.h>
#include <stdint.h>

/* A request's method, as the server tells them apart (method_of). */
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
	int close;                      /* answer "Connection: close" */
	char *form;                     /* decoded form fields (owned) */
	/* a streamed body (ROUTE_UPLOAD) */
	struct MHD_PostProcessor *pp;   /* its parser, or NULL */
	struct http_sink sink;          /* where it goes; release set while
	                                   the sink's ud is to be freed */
	int streaming;                  /* the body goes to sink */
	int stopped;                    /* the sink said stop, or the body
	                                   is not well-formed: the rest is
	                                   thrown away */
	uint64_t discarded;             /* bytes thrown away since */
	int stream_ended;               /* the sink's end was called */
	struct MHD_Connection *mc;      /* while paused for the sink */
	struct httpd *h;
	int status;                     /* answered, for the log; 0 none */
	unsigned long long bytes;       /* body bytes answered */
};

/* A request header's value on c, or NULL. */
static inline const char *conn_header(struct MHD_Connection *c,
	const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ------------------------------------------------------------ httpd.c */

/* Fill req, the page's view of the request on cn: method, path ("/"
 * for a bad request), parameters, the headers pages read, the client
 * (the one the trusted proxy names, when the peer is that proxy),
 * whether it came over TLS (ours, or as the trusted proxy says), the
 * body and the kiosk flag.  Pointers are into cn and c. */
void httpd_fill_req(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, struct http_req *req);

/* ---------------------------------------------------------- respond.c */

/* Answer with what a route's page put into hr for req: an error status
 * without a body or a file becomes the site's error page; then its
 * streamed body, its file (404 when it cannot be opened), or its body
 * with Content-Type and, unless the page chose, "Cache-Control:
 * no-cache".  key (owned, may be NULL): the response cache's key for the
 * request; the answer is kept under it, at generation gen, when
 * respcache_keeps allows and the server is not draining.  hr is left
 * for the caller to release. */
enum MHD_Result respond_page(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const struct http_req *req,
	struct http_resp *hr, char *key, unsigned long gen);

/* Answer with the error page for status (site_error), with an Allow
 * header for 405 when allow is not NULL. */
enum MHD_Result respond_error(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, int status, const char *allow);

/* Answer GET/HEAD /static/REL (and /favicon.ico): from the static cache
 * when the entry was checked this second, else after bringing it up to
 * date; a file the cache does not keep, one that changed under us
 * twice, or any while draining is sent from the file.  No archive
 * handle, no template check. */
enum MHD_Result respond_static(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const char *rel);

/* Answer with the response cache's kept answer under key, when there is
 * one: 1, with libmicrohttpd's result in *ret; else 0 and nothing sent. */
int respond_kept(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const char *key, enum MHD_Result *ret);

#endif
