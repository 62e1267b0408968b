/*
 * httpd.c - the exhibit server's libmicrohttpd glue: connections and
 * requests, from the accept policy to the access log line, the watchdog,
 * start and stop.  The responses themselves are made in respond.c; these
 * two alone include microhttpd.h (httpd_int.h is what they share).
 * Pages see struct http_req and struct http_resp, the caches and the log
 * see plain values and opaque responses.
 *
 * A request goes: on_uri (the request line: the raw URL kept and
 * decoded here) -> on_request (headers, then the body in pieces) ->
 * handle (static file, or route, archive handle, response cache, page)
 * -> on_done (the access log line).  Guarantees:
 *  - a page is called only with a path and parameters that were
 *    well-formed percent-encoding of valid UTF-8 without NUL (else 400),
 *    a raw URL of at most SERVER_URL_MAX bytes (else 414), a body of at
 *    most SERVER_BODY_MAX bytes (else 413), at most HTTP_MAX_PARAMS
 *    parameters (else 400) and a method its route takes (else 405);
 *  - except a multipart/form-data body to a route marked ROUTE_UPLOAD:
 *    its open function is asked once the headers are in (a refusal is
 *    answered before any of the body is read), then the body streams
 *    through libmicrohttpd's post processor into the route's sink, never
 *    held whole in memory; its deadline moves with every piece that
 *    arrives (a big upload takes longer than the timeout, a stalled one
 *    does not); a sink behind with its work pauses the connection (no
 *    deadline meanwhile) and not the thread that serves it;
 *  - every response made here (respond.c) carries the security headers
 *    (CSP, nosniff, Referrer-Policy, X-Frame-Options); only the bare
 *    error answers libmicrohttpd makes by itself (431, malformed
 *    request lines) cannot;
 *  - a path from a request reaches the file system only through
 *    site_static_path;
 *  - a client must deliver a whole request within opts.timeout seconds
 *    of the connection becoming ready, however slowly it trickles bytes
 *    (httpd_watchdog, from the main thread, cuts it off); silence longer
 *    than that ends any connection;
 *  - a route's page gets this worker's read-only archive handle, or its
 *    writable one when the route is marked ROUTE_WRITES (routes.c);
 *  - while the server drains, every answer says "Connection: close" and
 *    nothing new goes into a cache;
 *  - with a certificate (serve --tls-cert) every connection is TLS 1.2 or
 *    1.3 and every request is marked so for the pages (req->tls).
 */
#include "httpd_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The post processor's buffer for a streamed body: libmicrohttpd's
 * advice for speed; it also bounds a part's header lines. */
#define STREAM_PP_BUFFER (64 * 1024)

/* libmicrohttpd's side of a server. */
struct httpd {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;           /* conns */
	struct conn *conns;             /* every open connection */
	atomic_int paused;              /* connections paused for a sink */
};

/* Enter phase p at ms (monotonic) for the watchdog. */
static void set_phase(struct conn *cn, enum phase p, long long ms)
{
	atomic_store_explicit(&cn->since, ms, memory_order_relaxed);
	atomic_store_explicit(&cn->phase, p, memory_order_release);
}

/* Decode the raw URL of cn into its path and parameters
 * (http_parse_url, into cn->arena).  0, or -1 when it does not start
 * with '/' or is not well-formed. */
static int parse_url(struct conn *cn)
{
	return http_parse_url(cn->raw, cn->nraw, &cn->path, cn->params,
		&cn->nparams, cn->arena);
}

/* ----------------------------------------------------------- requests */

/* See httpd_int.h. */
void httpd_fill_req(struct server *sv, struct conn *cn,
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
	req->if_none_match = conn_header(c, MHD_HTTP_HEADER_IF_NONE_MATCH);
	req->if_modified_since = conn_header(c,
		MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	req->cookie = conn_header(c, MHD_HTTP_HEADER_COOKIE);
	req->host = conn_header(c, MHD_HTTP_HEADER_HOST);
	req->remote = cn->remote;
	if (sv->opts->trusted_proxy != NULL &&
	    strcmp(cn->remote, sv->opts->trusted_proxy) == 0 &&
	    client_forwarded(conn_header(c, "X-Forwarded-For"),
	    conn_header(c, "X-Forwarded-Proto"), cn->forwarded, &req->tls)) {
		req->remote = cn->forwarded;
	}
	req->tls = req->tls || sv->tls.cert != NULL;
	req->body = cn->body.p ? cn->body.p : "";
	req->nbody = cn->body.len;
	k = conn_header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	req->content_length = k != NULL ? strtoull(k, NULL, 10) : 0;
	req->upload = cn->streaming ? cn->sink.ud : NULL;
	k = http_param(req, "kiosk");
	req->kiosk = sv->site->kiosk || (k != NULL && strcmp(k, "1") == 0);
}

/* 1 when the request's body is a form (application/x-www-form-urlencoded,
 * with or without parameters). */
static int is_form(struct MHD_Connection *c)
{
	const char *t = conn_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	static const char form[] = "application/x-www-form-urlencoded";

	return t != NULL && strncasecmp(t, form, sizeof form - 1) == 0 &&
		(t[sizeof form - 1] == '\0' || t[sizeof form - 1] == ';' ||
		t[sizeof form - 1] == ' ');
}

/* 1 when the request's body is multipart/form-data (with its
 * parameters). */
static int is_multipart(struct MHD_Connection *c)
{
	const char *t = conn_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	static const char mp[] = "multipart/form-data";

	return t != NULL && strncasecmp(t, mp, sizeof mp - 1) == 0 &&
		(t[sizeof mp - 1] == ';' || t[sizeof mp - 1] == ' ');
}

/* ------------------------------------------------------ streamed bodies */

/* libmicrohttpd's post processor found a piece of a field: hand it to
 * the sink; its refusal stops the parsing. */
static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind,
	const char *key, const char *filename, const char *ctype,
	const char *encoding, const char *data, uint64_t off, size_t size)
{
	struct conn *cn = cls;

	(void)kind;
	(void)ctype;
	(void)encoding;
	if (cn->sink.field(cn->sink.ud, key ? key : "", filename, data, off,
	    size) != 0) {
		cn->stopped = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

/* The headers of a multipart request to route rt (ROUTE_UPLOAD) are in:
 * ask its open function with this worker's archive handle.  A refusal is
 * answered now (libmicrohttpd then closes the connection, the body
 * unread); else the body streams to the sink from now on.  A boundary
 * the post processor cannot take leaves the body to be thrown away, and
 * the sink's end is told it was not complete. */
static enum MHD_Result stream_open(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const struct route *rt)
{
	struct http_req req;
	struct http_resp resp;
	struct http_sink sink;
	struct hd_archive *a;
	struct hd_error e;
	enum MHD_Result ret;

	hd_err_clear(&e);
	a = server_archive(sv, (rt->flags & ROUTE_WRITES) != 0, &e);
	if (a == NULL) {
		alog_note(sv->log, "%s", e.msg);
		return respond_error(sv, cn, c, 503, NULL);
	}
	httpd_fill_req(sv, cn, c, &req);
	http_resp_init(&resp);
	memset(&sink, 0, sizeof sink);
	if (route_open_fn(rt)(sv->site, a, &req, &resp, &sink) == 0) {
		set_phase(cn, PH_BUSY, 0);
		ret = respond_page(sv, cn, c, &req, &resp, NULL, 0);
		http_resp_release(&resp);
		return ret;
	}
	http_resp_release(&resp);
	cn->sink = sink;
	cn->streaming = 1;
	cn->pp = MHD_create_post_processor(c, STREAM_PP_BUFFER, on_field,
		cn);
	cn->stopped = cn->pp == NULL;
	set_phase(cn, PH_BODY, mono_ms());
	return MHD_YES;
}

/* A piece of a streamed body: to the post processor, or thrown away
 * once the sink said stop (or the body proved malformed).  Returns 0, or
 * -1 when more than HTTP_DISCARD_MAX bytes were thrown away: the
 * connection is then closed. */
static int stream_data(struct conn *cn, const char *data, size_t n)
{
	set_phase(cn, PH_BODY, mono_ms());      /* the deadline moves */
	if (!cn->stopped && MHD_post_process(cn->pp, data, n) != MHD_YES) {
		cn->stopped = 1;
	}
	if (cn->stopped) {
		cn->discarded += n;
	}
	return cn->discarded > HTTP_DISCARD_MAX ? -1 : 0;
}

/* The streamed body has ended: tell the sink whether it was whole. */
static void stream_end(struct conn *cn)
{
	int complete = 0;

	if (cn->pp != NULL) {
		complete = MHD_destroy_post_processor(cn->pp) == MHD_YES;
		cn->pp = NULL;
	}
	cn->stream_ended = 1;
	cn->sink.end(cn->sink.ud, complete && !cn->stopped);
}

/* The sink of a paused connection has caught up (any thread). */
static void stream_wake(void *arg)
{
	struct conn *cn = arg;
	struct httpd *h = cn->h;

	set_phase(cn, PH_BODY, mono_ms());
	MHD_resume_connection(cn->mc);
	atomic_fetch_sub(&h->paused, 1);
}

/* Pause the connection c while its sink is behind (all: until it has
 * done everything, at the end of the body).  1 when paused: the access
 * handler is called again once the sink has caught up. */
static int stream_pause(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, int all)
{
	if (cn->sink.behind == NULL || !cn->sink.behind(cn->sink.ud, all)) {
		return 0;
	}
	cn->mc = c;
	cn->h = sv->httpd;
	set_phase(cn, PH_BUSY, 0);
	atomic_fetch_add(&sv->httpd->paused, 1);
	MHD_suspend_connection(c);
	cn->sink.resume(cn->sink.ud, stream_wake, cn);
	return 1;
}

/* The whole request is in: answer it.  In order: an error found on the
 * way (bad URL, too big), a static file, no route (404, or 405 with
 * Allow), a bad form body (400), no archive handle (503), a kept answer
 * from the response cache, and else the route's page (an error status
 * without a body becomes the error page). */
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

	set_phase(cn, PH_BUSY, 0);   /* no deadline: no clock */
	if (cn->bad) {
		return respond_error(sv, cn, c, cn->bad, NULL);
	}
	if (cn->too_big) {
		return respond_error(sv, cn, c, 413, NULL);
	}
	if (strncmp(cn->path, "/static/", 8) == 0) {
		rel = cn->path + 8;
	} else if (strcmp(cn->path, "/favicon.ico") == 0) {
		rel = "favicon.ico";
	}
	if (rel != NULL) {
		if (cn->meth != M_GET && cn->meth != M_HEAD) {
			return respond_error(sv, cn, c, 405, "GET, HEAD");
		}
		return respond_static(sv, cn, c, rel);
	}
	rt = route_find(cn->path, cn->meth == M_POST ? "POST" :
		cn->meth == M_OTHER ? NULL : "GET", allow, sizeof allow);
	if (rt == NULL) {
		if (cn->meth == M_OTHER || allow[0] != '\0') {
			return respond_error(sv, cn, c, 405, allow[0] ? allow :
				"GET, HEAD, POST");
		}
		return respond_error(sv, cn, c, 404, NULL);
	}
	if (cn->meth == M_POST && !cn->streaming && is_form(c)) {
		cn->form = hd_xmalloc(cn->body.len + 2 * HTTP_MAX_PARAMS + 8);
		arena = cn->form;
		if (http_parse_params(cn->params, &cn->nparams, cn->body.p ?
		    cn->body.p : "", cn->body.len, &arena) != 0) {
			cn->bad = 400;
			return respond_error(sv, cn, c, 400, NULL);
		}
	}
	hd_err_clear(&e);
	a = server_archive(sv, (rt->flags & ROUTE_WRITES) != 0, &e);
	if (a == NULL) {
		alog_note(sv->log, "%s", e.msg);
		return respond_error(sv, cn, c, 503, NULL);
	}
	if ((rt->flags & ROUTE_CACHED) && sv->answers != NULL &&
	    !atomic_load(&sv->draining)) {
		gen = respcache_check(sv->answers);
		key = respcache_key(conn_header(c, MHD_HTTP_HEADER_HOST),
			cn->raw, cn->nraw);
		if (respond_kept(sv, cn, c, key, &ret)) {
			free(key);
			return ret;
		}
	}
	httpd_fill_req(sv, cn, c, &req);
	http_resp_init(&resp);
	rt->fn(sv->site, a, &req, &resp);
	ret = respond_page(sv, cn, c, &req, &resp, key, gen);
	http_resp_release(&resp);
	return ret;
}

/* The method as the server tells them apart. */
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

/* Counts of the framing headers of a request (framing_of). */
struct framing {
	int lengths;            /* Content-Length headers */
	int encodings;          /* Transfer-Encoding headers */
	int chunked;            /* the one Transfer-Encoding is "chunked" */
};

/* For MHD_get_connection_values: count one header into a framing. */
static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind,
	const char *key, const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->lengths++;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->encodings++;
		f->chunked = value != NULL && strcasecmp(value, "chunked") == 0;
	}
	return MHD_YES;
}

/* 1 when the request's body is framed in a way two parsers could read
 * differently (RFC 9112 6.3): Content-Length twice, Content-Length with
 * Transfer-Encoding, Transfer-Encoding twice or other than "chunked".
 * Behind a proxy such a request could smuggle a second one. */
static int framing_ambiguous(struct MHD_Connection *c)
{
	struct framing f = { 0, 0, 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	return f.lengths > 1 || (f.lengths > 0 && f.encodings > 0) ||
		f.encodings > 1 || (f.encodings == 1 && !f.chunked);
}

/* 1 when the request announces a body. */
static int has_body(struct MHD_Connection *c)
{
	const char *cl = conn_header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (conn_header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL) {
		return 1;
	}
	return cl != NULL && strtoull(cl, NULL, 10) > 0;
}

/* libmicrohttpd's access handler: called once when the headers are in,
 * then for each piece of the body, then once more at its end.  A
 * multipart body to a ROUTE_UPLOAD route is streamed to its sink
 * (stream_open).  Any other body announced as too big is answered (413)
 * at the first call; one that grows too big is thrown away as it comes
 * and answered 413 at the end. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
	const char *url, const char *method, const char *version,
	const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct conn *cn = *con_cls;
	const struct route *rt;
	const char *cl;
	char allow[32];
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
		if (framing_ambiguous(c)) {
			/* answered before the body is read, and closed */
			cn->bad = 400;
			cn->close = 1;
			return handle(sv, cn, c);
		}
		rt = NULL;
		if (!cn->bad && cn->meth == M_POST && is_multipart(c)) {
			rt = route_find(cn->path, "POST", allow, sizeof allow);
		}
		if (rt != NULL && route_open_fn(rt) != NULL) {
			return stream_open(sv, cn, c, rt);
		}
		cl = conn_header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > SERVER_BODY_MAX) {
			cn->too_big = 1;
			return handle(sv, cn, c);
		}
		if (has_body(c)) {
			set_phase(cn, PH_BODY, mono_ms());
		}
		return MHD_YES;
	}
	if (*upload_size > 0 && cn->streaming) {
		n = *upload_size;
		*upload_size = 0;
		if (stream_data(cn, upload, n) != 0) {
			return MHD_NO;
		}
		stream_pause(sv, cn, c, 0);
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
	if (cn->streaming && !cn->stream_ended) {
		stream_end(cn);
	}
	if (cn->streaming && stream_pause(sv, cn, c, 1)) {
		return MHD_YES;
	}
	return handle(sv, cn, c);
}

/* Forget the request on cn (the connection stays); a streamed body's
 * parser and sink are let go. */
static void rq_reset(struct conn *cn)
{
	if (cn->pp != NULL) {
		MHD_destroy_post_processor(cn->pp);
		cn->pp = NULL;
	}
	if (cn->sink.release != NULL) {
		cn->sink.release(cn->sink.ud);
	}
	memset(&cn->sink, 0, sizeof cn->sink);
	cn->streaming = cn->stopped = cn->stream_ended = 0;
	cn->discarded = 0;
	hd_buf_release(&cn->body);
	free(cn->form);
	cn->form = NULL;
	cn->active = cn->started = cn->bad = cn->too_big = cn->status = 0;
	cn->close = 0;
	cn->meth = M_OTHER;
	cn->method[0] = '\0';
	cn->nraw = 0;
	cn->raw[0] = '\0';
	cn->path = NULL;
	cn->nparams = 0;
	cn->bytes = 0;
}

/* The request line is in: keep the raw URL and decode it ourselves
 * (libmicrohttpd's own decoding would hide malformed escapes), marking
 * the request 414 or 400 when it is too long or malformed.  The
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
	cn->t0 = mono_us();
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

/* The access log line of the request on cn, ended for reason toe; now:
 * µs (monotonic). */
static void log_request(struct server *sv, struct conn *cn,
	enum MHD_RequestTerminationCode toe, long long now)
{
	static const char *const why[] = {
		"", " error", " timeout", " shutdown", " read-error",
		" client-abort",
	};
	struct alog_req r;

	r.remote = cn->remote;
	r.method = cn->method;
	r.url = cn->raw;
	r.nurl = cn->nraw;
	r.status = cn->status;
	r.bytes = cn->bytes;
	r.us = now - cn->t0;
	r.end = cn->cut ? " cut-off" :
		(unsigned)toe < sizeof why / sizeof why[0] ? why[toe] : "";
	alog_request(sv->log, &r, now / 1000);
}

/* A request has ended (answered or not): log it, forget it, and let
 * the worker warm its handle while nothing else is in flight. */
static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct conn *cn = *con_cls;
	long long now = mono_us();

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
	server_warm(sv);
}

/* A connection opens (a struct conn is made and listed, with the peer's
 * address) or closes (unlisted and freed; a request never reported
 * complete is logged as an error and counted out). */
static void on_conn(void *cls, struct MHD_Connection *c, void **ctx,
	enum MHD_ConnectionNotificationCode code)
{
	struct server *sv = cls;
	struct httpd *h = sv->httpd;
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
		client_addr_text(ci ? ci->client_addr : NULL, cn->remote);
		set_phase(cn, PH_WAIT, mono_ms());
		pthread_mutex_lock(&h->lock);
		cn->next = h->conns;
		if (h->conns != NULL) {
			h->conns->prev = cn;
		}
		h->conns = cn;
		pthread_mutex_unlock(&h->lock);
		*ctx = cn;
		return;
	}
	cn = *ctx;
	if (cn == NULL) {
		return;
	}
	pthread_mutex_lock(&h->lock);
	if (cn->prev != NULL) {
		cn->prev->next = cn->next;
	} else {
		h->conns = cn->next;
	}
	if (cn->next != NULL) {
		cn->next->prev = cn->prev;
	}
	pthread_mutex_unlock(&h->lock);
	if (cn->active) {       /* never reported complete: count it out */
		log_request(sv, cn, MHD_REQUEST_TERMINATED_WITH_ERROR,
			mono_us());
		atomic_fetch_sub(&sv->inflight, 1);
	}
	rq_reset(cn);
	free(cn);
	*ctx = NULL;
}

/* libmicrohttpd's accept policy: a new connection from addr is refused
 * when its address already holds SERVER_CONN_PER_IP connections (the
 * trusted proxy, which carries every client behind it, excepted), so a
 * few addresses cannot take every slot; and when fewer than
 * SERVER_CONN_SPARE slots are left, the connection that has waited
 * longest for a request (idle, or trickling its request line and
 * headers) is shut down first to make room. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
	socklen_t len)
{
	struct server *sv = cls;
	struct httpd *h = sv->httpd;
	char remote[INET6_ADDRSTRLEN];
	struct conn *cn, *oldest = NULL;
	long long oldest_since = 0, since;
	int total = 0, same = 0, proxy;

	(void)len;
	client_addr_text(addr, remote);
	proxy = sv->opts->trusted_proxy != NULL &&
		strcmp(remote, sv->opts->trusted_proxy) == 0;
	pthread_mutex_lock(&h->lock);
	for (cn = h->conns; cn != NULL; cn = cn->next) {
		total++;
		same += strcmp(cn->remote, remote) == 0;
		since = atomic_load_explicit(&cn->since,
			memory_order_relaxed);
		if (!cn->cut && cn->fd >= 0 && atomic_load_explicit(
		    &cn->phase, memory_order_acquire) == PH_WAIT &&
		    (oldest == NULL || since < oldest_since)) {
			oldest = cn;
			oldest_since = since;
		}
	}
	if (!proxy && same >= SERVER_CONN_PER_IP) {
		pthread_mutex_unlock(&h->lock);
		return MHD_NO;
	}
	if (total >= SERVER_CONN_MAX - SERVER_CONN_SPARE && oldest != NULL) {
		oldest->cut = 1;
		shutdown(oldest->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&h->lock);
	return MHD_YES;
}

/* libmicrohttpd must not decode the URL: we decode the raw one. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* ---------------------------------------------------------- lifecycle */

/* See server_int.h.  The socket is only shut down (libmicrohttpd then
 * closes it); the list lock keeps the descriptor from being closed and
 * reused meanwhile.  A connection being answered has no deadline. */
void httpd_watchdog(struct server *sv)
{
	struct httpd *h = sv->httpd;
	long long now = mono_ms(), limit = sv->opts->timeout * 1000LL;
	long long wait = SERVER_HEAD_SECS * 1000LL;
	struct conn *cn;
	int ph;

	if (wait > limit) {
		wait = limit;
	}
	pthread_mutex_lock(&h->lock);
	for (cn = h->conns; cn != NULL; cn = cn->next) {
		ph = atomic_load_explicit(&cn->phase, memory_order_acquire);
		if (ph != PH_BUSY && !cn->cut && cn->fd >= 0 &&
		    now - atomic_load_explicit(&cn->since,
		    memory_order_relaxed) > (ph == PH_WAIT ? wait : limit)) {
			cn->cut = 1;
			shutdown(cn->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&h->lock);
}

/* See server_int.h. */
int httpd_tls_supported(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

/* See server_int.h.  One epoll thread per worker, each answering its
 * own connections (so a worker's archive handles are used by one thread
 * only); HONGDANG_MHD_DEBUG in the environment turns on libmicrohttpd's
 * own error messages.  TLS 1.2 and 1.3 only: every browser of the last
 * ten years speaks one of them.  With TLS the workers poll() instead:
 * libmicrohttpd's epoll loop (0.9.75 to 1.0.1) keeps a connection whose
 * handshake waits for the client on its ready list, so one silent TCP
 * connection would spin a worker at full speed until the watchdog cut it
 * (and a handshake took 3.6 ms of CPU instead of 0.5). */
int httpd_start(struct server *sv, int lfd, int ipv6)
{
	const struct server_opts *opts = sv->opts;
	struct httpd *h = hd_xcalloc(1, sizeof *h);
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, sv->tls.cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, sv->tls.key },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0,
			(void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
		{ MHD_OPTION_END, 0, NULL },
	};
	unsigned flags;

	pthread_mutex_init(&h->lock, NULL);
	sv->httpd = h;
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		MHD_USE_TURBO | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	if (ipv6) {
		flags |= MHD_USE_IPv6;
	}
	if (getenv("HONGDANG_MHD_DEBUG") != NULL) {
		flags |= MHD_USE_ERROR_LOG;
	}
	if (sv->tls.cert != NULL) {
		flags = (flags & ~(unsigned)MHD_USE_EPOLL) | MHD_USE_POLL |
			MHD_USE_TLS;
	}
	h->d = MHD_start_daemon(flags, 0, on_accept, sv, on_request, sv,
		MHD_OPTION_LISTEN_SOCKET, lfd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVER_CONN_MAX,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)SERVER_CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->timeout,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, sv,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, sv,
		MHD_OPTION_NOTIFY_CONNECTION, on_conn, sv,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
		MHD_OPTION_ARRAY, sv->tls.cert != NULL ? tls : tls + 3,
		MHD_OPTION_END);
	if (h->d == NULL) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		sv->httpd = NULL;
		return -1;
	}
	return 0;
}

/* See server_int.h. */
void httpd_quiesce(struct server *sv)
{
	MHD_socket lfd = MHD_quiesce_daemon(sv->httpd->d);

	if (lfd >= 0) {
		close(lfd);
	}
}

/* See server_int.h.  Requests still in flight are cut off, once no
 * connection is paused for its sink (libmicrohttpd cannot stop with one
 * paused; a sink catches up by itself, a queue of megabytes). */
void httpd_stop(struct server *sv)
{
	struct httpd *h = sv->httpd;
	int i;

	if (h == NULL) {
		return;
	}
	for (i = 0; i < 6000 && atomic_load(&h->paused) > 0; i++) {
		usleep(10 * 1000);
	}
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h);
	sv->httpd = NULL;
}
