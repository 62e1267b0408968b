/*
 * http.h - what a page of the exhibit server sees: a plain request and
 * response, with no libmicrohttpd in sight, so a page can be rendered in
 * a test without a socket.  Only exhibit/httpd.c includes microhttpd.h.
 */
#ifndef HD_HTTP_H
#define HD_HTTP_H

#include "../archive/hd.h"

#include <jansson.h>
#include <sys/types.h>

#define HTTP_MAX_PARAMS 64    /* a page of the catalogue's 50 rows, ticked */

struct http_kv {
	char *name;                 /* decoded, valid UTF-8 */
	char *value;                /* decoded, valid UTF-8 */
};

struct http_req {
	const char *method;         /* "GET", "POST", "HEAD" */
	const char *path;           /* decoded, valid UTF-8, starts with '/' */
	const char *raw_url;        /* as received, for the access log */
	struct http_kv params[HTTP_MAX_PARAMS];  /* query (and form body) */
	size_t nparams;
	const char *if_none_match;  /* header or NULL */
	const char *if_modified_since;
	const char *cookie;
	const char *host;           /* Host header, for absolute URLs */
	const char *remote;         /* client address, text (the one a
	                               trusted proxy forwarded for) */
	int tls;                    /* came over TLS: the server's own
	                               (serve --tls-cert), or the trusted
	                               proxy says https */
	const char *body;           /* request body (POST), NUL-terminated */
	size_t nbody;
	uint64_t content_length;    /* Content-Length, 0 when none */
	void *upload;               /* a streamed body (ROUTE_UPLOAD): what
	                               the route's open function made of it
	                               (its sink's ud), else NULL */
	int kiosk;                  /* ?kiosk=1 or serve --kiosk */
};

#define HTTP_MAX_HEADERS 16

struct http_resp {
	int status;                 /* 200 by default */
	const char *type;           /* Content-Type, static string */
	struct hd_buf body;         /* the body, unless file is set */
	char *file;                 /* serve this file instead (owned) */
	uint64_t file_size;
	int file_temp;              /* file is the page's temporary file:
	                               removed when the response is released
	                               (once sent, the open file is read) */
	/* or a body made as it is sent (chunked, its length unknown): read
	 * gives up to max bytes at a time, 0 at the end, -1 on a failure
	 * (the connection is then cut: the client sees a broken download,
	 * never a short one taken for whole); done frees ud once the
	 * response is over, sent or not: whole is 1 when read gave its end,
	 * which the server asks for only once every byte before it went
	 * out (a download cut off, or a response never sent, is 0) */
	ssize_t (*stream_read)(void *ud, char *buf, size_t max);
	void (*stream_done)(void *ud, int whole);
	void *stream_ud;
	struct http_kv headers[HTTP_MAX_HEADERS];  /* extra headers (owned) */
	size_t nheaders;
};

/* The value of query/form parameter name, or NULL. */
const char *http_param(const struct http_req *r, const char *name);
/* Add a response header (both strings copied). */
void http_header(struct http_resp *r, const char *name, const char *value);
void http_resp_init(struct http_resp *r);
void http_resp_release(struct http_resp *r);
/* A JSON body (consumes v). */
void http_json(struct http_resp *r, int status, json_t *v);
/* 1 when the response has a header called name (any case). */
int http_resp_has(const struct http_resp *r, const char *name);
/* Append s (NUL-terminated) percent-encoded to b (g_uri_escape_string):
 * every byte but letters, digits, "-._~" and those in keep (NULL: none)
 * as %XX with upper-case hex, so it stands as one query value or path
 * segment. */
void http_escape(struct hd_buf *b, const char *s, const char *keep);
/* A link to path with the request's parameters named in keep (n of
 * them, in that order), those named n1 and n2 set to v1 and v2 instead
 * (n1, n2 may be NULL); an empty or missing value is left out, the
 * others percent-encoded (http_escape).  A new string (caller frees). */
char *http_link(const struct http_req *req, const char *path,
	const char *const *keep, size_t n, const char *n1, const char *v1,
	const char *n2, const char *v2);

struct site;                    /* the server's state: exhibit/site.h */

/* A page: fills resp from req.  a is this worker's own archive handle
 * (read-only unless the route says it writes).  Returns 0; errors become
 * an error page through resp->status (404 for anything a visitor may not
 * see, never 403). */
typedef int (*page_fn)(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp);

/* What a route's pages need beyond a read-only archive handle. */
enum route_flags {
	ROUTE_WRITES = 1,       /* the writable handle: a POST, or an admin
	                           page (it touches its session on every
	                           request) */
	ROUTE_CACHED = 2,       /* the same for every visitor (no cookie, no
	                           form): the server may send a page again
	                           from memory while the archive is unchanged
	                           (the response cache, respcache.c) */
	ROUTE_UPLOAD = 4,       /* a multipart/form-data body is not
	                           buffered (nor capped at SERVER_BODY_MAX):
	                           once the headers are in, the route's open
	                           function decides, and its sink receives
	                           the fields as they arrive.  Other bodies
	                           are buffered as usual. */
};

/* Where a streamed body goes (ROUTE_UPLOAD).  field is called for each
 * piece of each multipart field as it arrives: name, filename (NULL for
 * a plain field), data[0..n) at offset off within the field's value;
 * off 0 begins a field (n may be 0).  It returns 0 to go on, or -1:
 * the rest of the body is then read and thrown away (up to
 * HTTP_DISCARD_MAX bytes, then the connection is closed).  end is called
 * once the whole body has arrived, complete 1 when it was well-formed
 * multipart to its final boundary and field never said stop, before the
 * page runs with req->upload = ud.  release is called last, always
 * (also when the connection dropped midway and neither end nor the page
 * ran): it frees ud.  behind and resume may be NULL; else behind is
 * asked after each piece, and once more after end with all 1: 1 when the
 * sink is behind with its work (all: has any of it left), and the
 * connection then waits, its server thread free for others, until the
 * sink calls wake(arg) as resume told it (from any thread; at once if it
 * has caught up meanwhile).  sinkq.c makes such a sink of any other. */
struct http_sink {
	int (*field)(void *ud, const char *name, const char *filename,
		const char *data, uint64_t off, size_t n);
	void (*end)(void *ud, int complete);
	void (*release)(void *ud);
	int (*behind)(void *ud, int all);
	void (*resume)(void *ud, void (*wake)(void *), void *arg);
	void *ud;
};
#define HTTP_DISCARD_MAX ((uint64_t)64 << 20)

/* A route's open function (ROUTE_UPLOAD): called when the headers of a
 * multipart request are in, with req as pages see it but without a body.
 * Returns 1 with *sink filled to receive the body, or 0 with resp
 * holding the answer, sent at once (the body is not read, and the
 * connection closes). */
typedef int (*page_open_fn)(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp,
	struct http_sink *sink);

struct route {
	const char *method;         /* "GET" (also serves HEAD) or "POST" */
	const char *path;           /* exact path, or a prefix ending in '/' */
	page_fn fn;
	unsigned flags;             /* enum route_flags */
};

/* A ROUTE_UPLOAD route's open function, by the route's path. */
struct route_open {
	const char *path;           /* as in the route table */
	page_open_fn open;
};

/* The route table (exhibit/routes.c), ended by a NULL path, and the
 * open functions of its ROUTE_UPLOAD routes, ended the same way. */
extern const struct route routes[];
extern const struct route_open route_opens[];

/* Percent-decode s[0..n) into out (room for n + 1 bytes), '+' as a
 * space when plus is 1 (query strings and form bodies), and
 * NUL-terminate it.  Returns the decoded length, or -1 for a malformed
 * escape ("%G1", "%4", a trailing "%"), a NUL or invalid UTF-8 in the
 * result.  Allocates nothing. */
long http_decode(const char *s, size_t n, int plus, char *out);
/* Split s[0..n) ("a=1&b=2") into v[*nv ...] (HTTP_MAX_PARAMS in all),
 * decoding names and values with http_decode(plus = 1) into *arena,
 * which is advanced; it needs n + 2 * HTTP_MAX_PARAMS + 1 bytes of room.
 * Empty fields are skipped; a field without '=' has the value "".
 * Returns 0, or -1 for a bad encoding or too many fields. */
int http_parse_params(struct http_kv *v, size_t *nv, const char *s,
	size_t n, char **arena);
/* Decode a request target raw[0..n) into *path (starting with '/') and
 * its query's parameters v[*nv ...], both in arena, which needs
 * n + 2 * HTTP_MAX_PARAMS + 2 bytes of room.  Returns 0, or -1 for a
 * target that does not start with '/' or is not well-formed (a bad
 * escape, a NUL, invalid UTF-8, too many parameters). */
int http_parse_url(const char *raw, size_t n, const char **path,
	struct http_kv *v, size_t *nv, char *arena);
/* The value of cookie name in the Cookie header c (NULL: none), copied
 * into out (65 bytes) when it is 64 lower-case hex digits (the form of
 * every cookie the server sets), else "".  The header is "NAME=VALUE"
 * pairs separated by ';' and blanks; the first pair called name decides.
 * Allocates nothing. */
void http_cookie_token(const char *c, const char *name, char out[65]);

#endif
