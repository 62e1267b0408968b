/*
 * respond.c - the exhibit server's responses, as libmicrohttpd sends
 * them: the security headers every answer carries, files (200 or 304 by
 * their validators), a page's body or its streamed body, the site's error
 * pages, and the answers the response cache and the static cache keep.
 * httpd.c decides what a request gets; this file makes and queues it
 * (httpd_int.h is what the two share).
 */
#include "httpd_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The security headers every response carries (a page may set its own
 * value of one). */
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

/* A request being answered, for the caches' send functions. */
struct sending {
	struct conn *cn;
	struct MHD_Connection *c;
};

/* Add every security header to r. */
static void add_security(struct MHD_Response *r)
{
	size_t i;

	for (i = 0; i < sizeof sec_headers / sizeof sec_headers[0]; i++) {
		MHD_add_response_header(r, sec_headers[i].name,
			sec_headers[i].value);
	}
}

/* Queue r with status, note it for the log (no body bytes for HEAD or
 * 304), and drop our reference. */
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

/* The page's headers, then the security headers it did not set itself,
 * then "Connection: close" while stopping.  hr may be NULL. */
static void add_headers(struct server *sv, struct MHD_Response *r,
	const struct http_resp *hr)
{
	size_t i;

	for (i = 0; hr != NULL && i < hr->nheaders; i++) {
		MHD_add_response_header(r, hr->headers[i].name,
			hr->headers[i].value);
	}
	for (i = 0; i < sizeof sec_headers / sizeof sec_headers[0]; i++) {
		if (hr == NULL || !http_resp_has(hr, sec_headers[i].name)) {
			MHD_add_response_header(r, sec_headers[i].name,
				sec_headers[i].value);
		}
	}
	if (atomic_load(&sv->draining)) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION,
			"close");
	}
}

/* type, with "; charset=utf-8" added (in buf) to a text type that lacks
 * a charset; "text/html; charset=utf-8" when type is NULL. */
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

/* The headers of a file response (200 or 304; with_type: add
 * Content-Type). */
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

/* See server_int.h. */
void *httpd_file_response(char *body, size_t n, const struct static_meta *m,
	int status)
{
	struct MHD_Response *r;

	if (status == 304) {
		r = MHD_create_response_from_buffer(0, (void *)"",
			MHD_RESPMEM_PERSISTENT);
		add_file_headers(r, m, 0);
	} else {
		r = MHD_create_response_from_buffer(n, body,
			MHD_RESPMEM_MUST_FREE);
		add_file_headers(r, m, 1);
	}
	add_security(r);
	return r;
}

/* See server_int.h. */
void httpd_response_free(void *resp)
{
	if (resp != NULL) {
		MHD_destroy_response(resp);
	}
}

/* Answer with an open regular file (fd is consumed): 304 when the
 * request's validators match m, else its bytes, with the file headers
 * and hr's (may be NULL). */
static enum MHD_Result send_fd(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, int fd, const struct stat *st,
	const struct static_meta *m, const struct http_resp *hr)
{
	struct MHD_Response *r;

	if (static_not_modified(m,
	    conn_header(c, MHD_HTTP_HEADER_IF_NONE_MATCH),
	    conn_header(c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE))) {
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

/* The headers of a page's body: its Content-Type, Cache-Control as the
 * page chose it or cache, and the page's and the security headers. */
static void body_headers(struct server *sv, struct MHD_Response *r,
	const struct http_resp *hr, const char *cache)
{
	char tbuf[128];

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		text_type(hr->type, tbuf, sizeof tbuf));
	if (!http_resp_has(hr, MHD_HTTP_HEADER_CACHE_CONTROL)) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
			cache);
	}
	add_headers(sv, r, hr);
}

/* A page's streamed body, for libmicrohttpd. */
struct stream {
	ssize_t (*read)(void *ud, char *buf, size_t max);
	void (*done)(void *ud, int whole);
	void *ud;
	int ended;              /* read gave its end */
};

/* libmicrohttpd's reader of a streamed body: the page's read, its end
 * and its failure as libmicrohttpd's.  libmicrohttpd (chunked: the
 * length is unknown) asks for more only once the chunk before has been
 * written to the connection, so the end read means every byte before
 * it went out. */
static ssize_t stream_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	ssize_t n = st->read(st->ud, buf, max);

	(void)pos;
	st->ended |= n == 0;
	return n > 0 ? n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM :
		MHD_CONTENT_READER_END_WITH_ERROR;
}

/* libmicrohttpd is done with a streamed body: the page's done, told
 * whether the whole body went out. */
static void stream_free(void *cls)
{
	struct stream *st = cls;

	if (st->done != NULL) {
		st->done(st->ud, st->ended);
	}
	free(st);
}

/* Answer with the body the page streams (hr->stream_read; taken over
 * from hr), its type and headers, never cached. */
static enum MHD_Result send_stream(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, struct http_resp *hr)
{
	struct stream *st = hd_xcalloc(1, sizeof *st);
	struct MHD_Response *r;

	st->read = hr->stream_read;
	st->done = hr->stream_done;
	st->ud = hr->stream_ud;
	hr->stream_read = NULL;
	hr->stream_done = NULL;
	hr->stream_ud = NULL;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
		stream_body, st, stream_free);
	if (r == NULL) {
		stream_free(st);
		return MHD_NO;
	}
	body_headers(sv, r, hr, "no-store");
	return queue(cn, c, hr->status, r, 0);
}

/* Answer with what a page put into hr: its streamed body, its file (404
 * when it cannot be opened), or its body with Content-Type and, unless
 * the page chose, "Cache-Control: no-cache".  key (owned, may be NULL):
 * the response cache's key for the request; the answer is kept under it,
 * at generation gen, when respcache_keeps allows and the server is not
 * draining. */
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

	if (hr->stream_read != NULL) {
		free(key);
		return send_stream(sv, cn, c, hr);
	}
	if (hr->file != NULL) {
		free(key);
		fd = static_open(hr->file, &st);
		if (fd < 0) {
			alog_note(sv->log, "cannot open %s", hr->file);
			http_resp_release(hr);
			return respond_error(sv, cn, c, 404, NULL);
		}
		static_meta_fill(&m, hr->file, &st);
		if (hr->type != NULL) {
			m.type = text_type(hr->type, tbuf, sizeof tbuf);
		}
		/* the page decides how long; by default ask every time
		 * (a withdrawn record's image must go at once) */
		m.cache = http_resp_has(hr, MHD_HTTP_HEADER_CACHE_CONTROL) ?
			NULL : "no-cache";
		return send_fd(sv, cn, c, fd, &st, &m, hr);
	}
	n = hr->body.len;
	body = hd_buf_detach(&hr->body);
	r = MHD_create_response_from_buffer(n, body ? body : (void *)"",
		body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	body_headers(sv, r, hr, "no-cache");
	if (key != NULL && respcache_keeps(hr, n) &&
	    !atomic_load(&sv->draining)) {
		/* queued first: once in the cache another thread may drop
		 * it; the cache then owns our reference */
		cn->status = 200;
		cn->bytes = cn->meth == M_HEAD ? 0 : n;
		ret = MHD_queue_response(c, 200, r);
		respcache_put(sv->answers, key, gen, r, n);
		return ret;
	}
	free(key);
	return queue(cn, c, hr->status, r, n);
}

/* See httpd_int.h. */
enum MHD_Result respond_error(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, int status, const char *allow)
{
	struct http_req req;
	struct http_resp resp;
	enum MHD_Result ret;

	httpd_fill_req(sv, cn, c, &req);
	http_resp_init(&resp);
	site_error(sv->site, &req, &resp, status);
	if (cn->close) {
		http_header(&resp, "Connection", "close");
	}
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

/* For respcache_send: queue a kept answer (resp, a body of bytes). */
static int send_kept(void *arg, void *resp, size_t bytes)
{
	struct sending *s = arg;

	s->cn->status = 200;
	s->cn->bytes = s->cn->meth == M_HEAD ? 0 :
		(unsigned long long)bytes;
	return MHD_queue_response(s->c, 200, resp);
}

/* For static_cache_send: queue a cached file's 304 (nm) when the
 * request's validators match m, else its 200 (ok, size bytes). */
static int send_static_kept(void *arg, void *ok, void *nm,
	const struct static_meta *m, uint64_t size)
{
	struct sending *s = arg;
	int not_mod = static_not_modified(m,
		conn_header(s->c, MHD_HTTP_HEADER_IF_NONE_MATCH),
		conn_header(s->c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE));

	s->cn->status = not_mod ? 304 : 200;
	s->cn->bytes = not_mod || s->cn->meth == M_HEAD ? 0 :
		(unsigned long long)size;
	return MHD_queue_response(s->c, not_mod ? 304 : 200,
		not_mod ? nm : ok);
}

/* See httpd_int.h. */
enum MHD_Result respond_static(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const char *rel)
{
	struct sending snd = { cn, c };
	long long now = mono_s();
	struct static_meta m;
	struct stat st;
	char *real;
	int tries, fd, rc, ret;

	for (tries = 0; tries < 2; tries++) {
		if (!atomic_load_explicit(&sv->draining,
		    memory_order_relaxed) &&
		    static_cache_send(sv->statics, rel, now, send_static_kept,
		    &snd, &ret)) {
			return (enum MHD_Result)ret;
		}
		rc = static_cache_refresh(sv->statics, rel, now, &fd, &st,
			&m);
		if (rc < 0) {
			return respond_error(sv, cn, c, 404, NULL);
		}
		if (rc == 1 || atomic_load(&sv->draining)) {
			if (fd < 0) {
				break;
			}
			return send_fd(sv, cn, c, fd, &st, &m, NULL);
		}
	}
	/* the file changed under us twice, or we are stopping: plainly */
	real = site_static_path(sv->site, rel);
	fd = real ? static_open(real, &st) : -1;
	free(real);
	if (fd < 0) {
		return respond_error(sv, cn, c, 404, NULL);
	}
	static_meta_fill(&m, rel, &st);
	return send_fd(sv, cn, c, fd, &st, &m, NULL);
}

/* See httpd_int.h. */
enum MHD_Result respond_page(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const struct http_req *req,
	struct http_resp *hr, char *key, unsigned long gen)
{
	int status;

	if (hr->status >= 400 && hr->body.len == 0 && hr->file == NULL) {
		status = hr->status;
		http_resp_release(hr);
		http_resp_init(hr);
		site_error(sv->site, req, hr, status);
	}
	return send_resp(sv, cn, c, hr, key, gen);
}

/* See httpd_int.h. */
int respond_kept(struct server *sv, struct conn *cn,
	struct MHD_Connection *c, const char *key, enum MHD_Result *ret)
{
	struct sending snd = { cn, c };
	int kept;

	if (!respcache_send(sv->answers, key, send_kept, &snd, &kept)) {
		return 0;
	}
	*ret = (enum MHD_Result)kept;
	return 1;
}
