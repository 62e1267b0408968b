/*
 * http.c - the plain request/response helpers pages use (http.h).
 *
 * Nothing here knows about sockets or libmicrohttpd, so a page can be
 * rendered in a test by filling a struct http_req by hand.  A response
 * owns everything it points to except its type (a static string);
 * http_resp_release frees it all.
 */
#include "http.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

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
	free(r->file);
	r->file = NULL;
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
