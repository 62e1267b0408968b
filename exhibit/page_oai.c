/*
 * page_oai.c - OAI-PMH 2.0 at /oai for harvesters (the district archive):
 * the request's arguments (query string, or a form body for POST, as the
 * protocol allows both) handed to hd_oai_respond, the XML answered as
 * text/xml.  Protocol errors are answers with status 200, as OAI-PMH
 * wants; only a failing archive is a 500.  What can appear is decided in
 * the library: approved public records only.
 */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

/* The base URL of the repository: the configured public address, else
 * the Host the harvester used (https when the request came over TLS). */
static char *base_url(const struct site *s, const struct http_req *req,
	const char *path)
{
	const char *host = req->host;
	const char *p;

	if (s->public_url != NULL && *s->public_url) {
		size_t n = strlen(s->public_url);

		while (n > 0 && s->public_url[n - 1] == '/') {
			n--;
		}
		return hd_xasprintf("%.*s%s", (int)n, s->public_url, path);
	}
	/* a Host header is a name and a port, nothing else */
	for (p = host; p != NULL && *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(".-:[]", *p))) {
			host = NULL;
			break;
		}
	}
	return hd_xasprintf("%s://%s%s", req->tls ? "https" : "http",
		host && *host ? host : "localhost", path);
}

/* GET or POST /oai: the OAI-PMH answer of hd_oai_respond to the
 * request's arguments, as text/xml, with base and record URLs made
 * from --public-url or the Host header; a 500 page when the library
 * fails; any other path under it is a 404. */
int page_oai(struct site *s, struct hd_archive *a,
	const struct http_req *req, struct http_resp *resp)
{
	struct hd_oai_arg args[HTTP_MAX_PARAMS];
	struct hd_oai_req q;
	struct hd_error e;
	char *base, *rec, *thumb;
	size_t i;

	if (strcmp(req->path, "/oai") != 0) {
		site_error(s, req, resp, 404);
		return 0;
	}
	for (i = 0; i < req->nparams && i < HTTP_MAX_PARAMS; i++) {
		args[i].name = req->params[i].name;
		args[i].value = req->params[i].value;
	}
	base = base_url(s, req, "/oai");
	rec = base_url(s, req, "/record/");
	thumb = base_url(s, req, "/img/thumb/");
	memset(&q, 0, sizeof q);
	q.base_url = base;
	q.record_url = rec;
	q.thumb_url = thumb;
	q.args = args;
	q.nargs = i;
	hd_err_clear(&e);
	hd_buf_release(&resp->body);
	if (hd_oai_respond(a, &q, &resp->body, &e) != 0) {
		hd_buf_release(&resp->body);
		site_error(s, req, resp, 500);
	} else {
		resp->status = 200;
		resp->type = "text/xml; charset=utf-8";
	}
	free(base);
	free(rec);
	free(thumb);
	return 0;
}
