/*
 * http.c - the plain request/response helpers pages use (http.h), the
 * decoding of URLs and form bodies the server relies on, and the one
 * percent-encoder of the exhibit (both through GLib's URI functions).
 *
 * Nothing here knows about sockets or libmicrohttpd, so a page can be
 * rendered in a test by filling a struct http_req by hand.  A response
 * owns everything it points to except its type (a static string);
 * http_resp_release frees it all.  A decoded string is always valid
 * UTF-8 without NUL: anything else is refused, never repaired.
 */
#include "http.h"

#include <glib.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The value of the first parameter called name, or NULL.  The string
 * belongs to the request. */
const char *http_param(const struct http_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nparams; i++) {
		if (strcmp(r->params[i].name, name) == 0) {
			return r->params[i].value;
		}
	}
	return NULL;
}

/* Add a response header; both strings are copied (freed by
 * http_resp_release).  More than HTTP_MAX_HEADERS is a programming
 * error. */
void http_header(struct http_resp *r, const char *name, const char *value)
{
	assert(r->nheaders < HTTP_MAX_HEADERS);
	if (r->nheaders >= HTTP_MAX_HEADERS) {
		return;
	}
	r->headers[r->nheaders].name = hd_xstrdup(name);
	r->headers[r->nheaders].value = hd_xstrdup(value);
	r->nheaders++;
}

/* An empty 200 response with no type (the server then sends
 * text/html; charset=utf-8).  Allocates nothing. */
void http_resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof *r);
	r->status = 200;
	hd_buf_init(&r->body);
}

/* Free the body, the file name and the headers; r is left empty and may
 * be reused after http_resp_init. */
void http_resp_release(struct http_resp *r)
{
	size_t i;

	if (r == NULL) {
		return;
	}
	hd_buf_release(&r->body);
	if (r->file != NULL && r->file_temp) {
		unlink(r->file);
	}
	free(r->file);
	r->file = NULL;
	r->file_temp = 0;
	if (r->stream_done != NULL) {
		r->stream_done(r->stream_ud, 0);
	}
	r->stream_read = NULL;
	r->stream_done = NULL;
	r->stream_ud = NULL;
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	r->nheaders = 0;
}

/* Set the body to v serialised as compact UTF-8 JSON (keys in insertion
 * order), with the status and type application/json.  Consumes v; a
 * NULL v gives a 500. */
void http_json(struct http_resp *r, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
		JSON_ENCODE_ANY);

	json_decref(v);
	hd_buf_release(&r->body);
	if (s == NULL) {        /* v was NULL: a page bug, not a crash */
		hd_buf_puts(&r->body, "{\"error\":\"internal\"}");
		r->status = 500;
		r->type = "application/json; charset=utf-8";
		return;
	}
	hd_buf_puts(&r->body, s);
	free(s);
	r->status = status;
	r->type = "application/json; charset=utf-8";
}

/* 1 when the response has a header called name (any case). */
int http_resp_has(const struct http_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->headers[i].name, name) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Append s percent-encoded to b, keeping the unreserved characters of
 * RFC 3986 and those in keep (see http.h). */
void http_escape(struct hd_buf *b, const char *s, const char *keep)
{
	char *enc = g_uri_escape_string(s, keep, FALSE);

	hd_buf_puts(b, enc);
	g_free(enc);
}

/* See http.h. */
char *http_link(const struct http_req *req, const char *path,
	const char *const *keep, size_t n, const char *n1, const char *v1,
	const char *n2, const char *v2)
{
	struct hd_buf b;
	const char *v;
	char sep = '?';
	size_t i;

	hd_buf_init(&b);
	hd_buf_puts(&b, path);
	for (i = 0; i < n; i++) {
		v = http_param(req, keep[i]);
		if (n1 != NULL && strcmp(keep[i], n1) == 0) {
			v = v1;
		} else if (n2 != NULL && strcmp(keep[i], n2) == 0) {
			v = v2;
		}
		if (v == NULL || *v == '\0') {
			continue;
		}
		hd_buf_printf(&b, "%c%s=", sep, keep[i]);
		sep = '&';
		http_escape(&b, v, NULL);
	}
	return hd_buf_detach(&b);
}

/* Percent-decode s[0..n) into out (n + 1 bytes of room), '+' as a space
 * when plus is 1, and NUL-terminate it.  Returns the decoded length, or
 * -1 for a malformed escape ("%G1", "%4", a trailing "%"), a NUL or
 * invalid UTF-8 in the result.  The '+' are turned into spaces before
 * decoding, so "%2B" stays a '+'; GLib decodes only when there is an
 * escape at all (most paths have none). */
long http_decode(const char *s, size_t n, int plus, char *out)
{
	char *dec;
	size_t i, k = n;

	memcpy(out, s, n);
	out[n] = '\0';
	if (plus) {
		for (i = 0; i < n; i++) {
			if (out[i] == '+') {
				out[i] = ' ';
			}
		}
	}
	if (memchr(out, '%', n) != NULL) {
		dec = g_uri_unescape_segment(out, out + n, NULL);
		if (dec == NULL) {
			return -1;      /* malformed, or a NUL */
		}
		k = strlen(dec);
		memcpy(out, dec, k + 1);
		g_free(dec);
	}
	if (memchr(out, '\0', k) != NULL || !hd_utf8_valid(out, k)) {
		return -1;
	}
	return (long)k;
}

/* Split s[0..n) ("a=1&b=2", '+' a space) into v (*nv used of
 * HTTP_MAX_PARAMS), decoding into *arena, which must have room for
 * n + 2 * HTTP_MAX_PARAMS + 1 bytes over the whole request.  Empty
 * fields are skipped; a field without '=' has the value "".  Returns 0,
 * or -1 for a bad encoding or too many fields. */
int http_parse_params(struct http_kv *v, size_t *nv, const char *s,
	size_t n, char **arena)
{
	const char *p = s, *end = s + n, *amp, *eq;
	long k;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL) {
			amp = end;
		}
		if (amp == p) {
			p++;
			continue;
		}
		if (*nv >= HTTP_MAX_PARAMS) {
			return -1;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		v[*nv].name = *arena;
		k = http_decode(p, (size_t)((eq ? eq : amp) - p), 1, *arena);
		if (k < 0) {
			return -1;
		}
		*arena += k + 1;
		v[*nv].value = *arena;
		if (eq != NULL) {
			k = http_decode(eq + 1, (size_t)(amp - eq - 1), 1,
				*arena);
			if (k < 0) {
				return -1;
			}
			*arena += k + 1;
		} else {
			**arena = '\0';
			*arena += 1;
		}
		(*nv)++;
		p = amp;
	}
	return 0;
}

/* Decode a request target raw[0..n) ("/search?q=%E7%95%AA&page=2") into
 * its path and parameters (see http.h), decoding into arena, which must
 * have room for n + 2 * HTTP_MAX_PARAMS + 2 bytes.  Returns 0, or -1 when
 * it does not start with '/' or is not well-formed. */
int http_parse_url(const char *raw, size_t n, const char **path,
	struct http_kv *v, size_t *nv, char *arena)
{
	const char *q = memchr(raw, '?', n);
	size_t plen = q ? (size_t)(q - raw) : n;
	long k;

	if (plen == 0 || raw[0] != '/') {
		return -1;
	}
	k = http_decode(raw, plen, 0, arena);
	if (k < 0) {
		return -1;
	}
	*path = arena;
	arena += k + 1;
	if (q != NULL) {
		return http_parse_params(v, nv, q + 1, n - plen - 1, &arena);
	}
	return 0;
}

/* The value of cookie name in the Cookie header c (NULL: none) into out
 * (65 bytes) when it is 64 lower-case hex digits, else "" (see http.h).
 * Allocates nothing. */
void http_cookie_token(const char *c, const char *name, char out[65])
{
	const char *p = c, *end;
	size_t n = strlen(name), k;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';') {
			p++;
		}
		end = strchr(p, ';');
		if (end == NULL) {
			end = p + strlen(p);
		}
		if (strncmp(p, name, n) == 0 && p + n < end && p[n] == '=') {
			p += n + 1;
			for (k = 0; k < 64 && ((p[k] >= '0' && p[k] <= '9') ||
			    (p[k] >= 'a' && p[k] <= 'f')); k++) {
				out[k] = p[k];
			}
			out[k] = '\0';
			for (p += k; p < end && (*p == ' ' || *p == '\t');
			    p++) {
			}
			if (k != 64 || p != end) {
				out[0] = '\0';
			}
			return;
		}
		p = end;
	}
}
