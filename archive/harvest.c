/*
 * harvest.c - the district gathers the rooms' catalogues over OAI-PMH
 * 2.0: Identify for the room's datestamp granularity, then ListRecords
 * in oai_dc, incrementally from the responseDate of the last complete
 * run's first answer, page by page through resumption tokens.
 *
 * Guarantees: each page is stored with the token of the next in one
 * transaction (harvest_store.c), so a run stopped anywhere (kill -9, a
 * room gone mid-run) goes on from the next page with nothing twice and
 * nothing missing; a page that cannot be read or filed stores nothing
 * and leaves the source's last_error saying why, naming the source and
 * the URL.  Answers are fetched with libcurl (a time limit and a size
 * cap on each) and parsed with libxml2 without network access, DTDs or
 * entity substitution; the elements the protocol requires are checked
 * before anything is taken from a page.  A token the room gives twice in
 * one run stops it: a room that loops would otherwise be harvested for
 * ever.
 */
#include "harvest_int.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#define NS_OAI "http://www.openarchives.org/OAI/2.0/"
#define NS_OAI_DC "http://www.openarchives.org/OAI/2.0/oai_dc/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define ANSWER_MAX (64 << 20)   /* bytes of one OAI-PMH answer */
#define THUMB_MAX (4 << 20)     /* bytes of one thumbnail */
#define CONNECT_S 10            /* seconds to connect, at most */
#define RESTARTS 1              /* refused tokens started again */

#define REDIRECTS 3            /* redirects followed, on the room's host */

/* A run: the connection kept between requests, the source, the answer
 * being read. */
struct run {
	struct hd_archive *a;
	struct hv_source s;
	CURL *curl;
	long timeout;
	char curl_err[CURL_ERROR_SIZE];
	struct hd_buf body;
	size_t cap;             /* bytes the answer being read may have */
	int over;               /* it went past cap: the transfer stopped */
	char *host;             /* the room's host (its URL's), lower case */
	GHashTable *tokens;     /* the tokens of this run, to stop a loop */
	struct hd_harvest_report *rep;
	const struct hd_agent *agent;
	const struct hd_harvest_opts *o;    /* or NULL */
	struct hd_error *e;
};

/* --------------------------------------------------------- fetching */

/* libcurl's write callback: append to the run's body, refusing (0)
 * once it passes the request's cap, which stops the transfer there
 * (libcurl reports a write error): an answer without a length (chunked)
 * is never read past the cap. */
static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct run *r = ud;
	size_t len = size * n;

	if (len > r->cap || r->body.len > r->cap - len) {
		r->over = 1;
		return 0;
	}
	hd_buf_add(&r->body, p, len);
	return len;
}

/* The host of URL url, lower case, as a new string; NULL when url has
 * none or cannot be parsed. */
static char *host_of(const char *url)
{
	CURLU *u = curl_url();
	char *h = NULL, *out = NULL, *p;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		out = hd_xstrdup(h);
		curl_free(h);
		for (p = out; *p; p++) {
			*p = g_ascii_tolower(*p);
		}
	}
	curl_url_cleanup(u);
	return out;
}

/* GET url into r->body (at most cap bytes: a Content-Length above it is
 * refused before the body comes, a body without one is cut once it
 * passes cap).  A redirect is followed, up to REDIRECTS, only when it
 * stays on the room's own host (an answer must not send the district to
 * another machine).  0, or HD_EIO with *r->e saying what went wrong in
 * words a person acts on (what names the request: "Identify", "page 3",
 * "thumbnail"). */
static int fetch(struct run *r, const char *url, size_t cap,
	const char *what)
{
	long status = 0;
	char *next = NULL, *to, *host;
	const char *at = url;
	CURLcode c;
	int hops, rc = 0;

	for (hops = 0;; hops++) {
		r->body.len = 0;
		r->cap = cap;
		r->over = 0;
		curl_easy_setopt(r->curl, CURLOPT_URL, at);
		curl_easy_setopt(r->curl, CURLOPT_MAXFILESIZE_LARGE,
			(curl_off_t)cap);
		r->curl_err[0] = '\0';
		status = 0;
		c = curl_easy_perform(r->curl);
		if (c == CURLE_OK) {
			curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE,
				&status);
		}
		if (c != CURLE_OK || status < 300 || status > 399 ||
		    curl_easy_getinfo(r->curl, CURLINFO_REDIRECT_URL, &to) !=
		    CURLE_OK || to == NULL) {
			break;
		}
		host = host_of(to);
		if (host == NULL || r->host == NULL ||
		    strcmp(host, r->host) != 0 ||
		    (!g_str_has_prefix(to, "http://") &&
		    !g_str_has_prefix(to, "https://"))) {
			rc = hd_err(r->e, HD_EIO, "%s: %s: %s: redirected to "
				"%.200s, off the room's host %s: not followed",
				r->s.name, what, url, to, r->host ? r->host :
				"?");
			free(host);
			free(next);
			return rc;
		}
		free(host);
		if (hops == REDIRECTS) {
			free(next);
			return hd_err(r->e, HD_EIO, "%s: %s: %s: more than %d "
				"redirects", r->s.name, what, url, REDIRECTS);
		}
		to = hd_xstrdup(to);
		free(next);
		next = to;
		at = next;
	}
	free(next);
	if (c == CURLE_OPERATION_TIMEDOUT) {
		return hd_err(r->e, HD_EIO, "%s: %s: %s: no answer within %ld "
			"s (slow or stuck)", r->s.name, what, url, r->timeout);
	}
	if (c == CURLE_FILESIZE_EXCEEDED || (c == CURLE_WRITE_ERROR &&
	    r->over)) {
		return hd_err(r->e, HD_EIO, "%s: %s: %s: the answer is over "
			"%zu bytes", r->s.name, what, url, cap);
	}
	if (c != CURLE_OK) {
		return hd_err(r->e, HD_EIO, "%s: %s: %s: cannot be reached "
			"(%s)", r->s.name, what, url, r->curl_err[0] ?
			r->curl_err : curl_easy_strerror(c));
	}
	if (status != 200) {
		return hd_err(r->e, HD_EIO, "%s: %s: %s: HTTP status %ld",
			r->s.name, what, url, status);
	}
	return 0;
}

/* The URL of a request to the source: its base URL and the arguments,
 * the values %-escaped.  args are name, value pairs ended by NULL; a
 * NULL value leaves its pair out.  A new string. */
static char *request_url(struct run *r, const char *const *args)
{
	struct hd_buf b;
	char *v;
	size_t i;
	char sep = strchr(r->s.url, '?') ? '&' : '?';

	hd_buf_init(&b);
	hd_buf_puts(&b, r->s.url);
	for (i = 0; args[i] != NULL; i += 2) {
		if (args[i + 1] == NULL) {
			continue;
		}
		v = curl_easy_escape(r->curl, args[i + 1], 0);
		hd_buf_printf(&b, "%c%s=%s", sep, args[i], v ? v : "");
		curl_free(v);
		sep = '&';
	}
	return hd_buf_detach(&b);
}

/* ----------------------------------------------------------- reading */

/* The first element child of n named name in namespace ns, or NULL. */
static xmlNodePtr child(xmlNodePtr n, const char *ns, const char *name)
{
	xmlNodePtr c;

	for (c = n ? n->children : NULL; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && c->ns != NULL &&
		    strcmp((const char *)c->ns->href, ns) == 0 &&
		    strcmp((const char *)c->name, name) == 0) {
			return c;
		}
	}
	return NULL;
}

/* The next sibling of n with n's name and namespace, or NULL. */
static xmlNodePtr next_same(xmlNodePtr n)
{
	xmlNodePtr c;

	for (c = n->next; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && c->ns == n->ns &&
		    strcmp((const char *)c->name, (const char *)n->name) ==
		    0) {
			return c;
		}
	}
	return NULL;
}

/* The text of n, trimmed, as a new string; NULL when n is NULL or its
 * text is empty. */
static char *text_of(xmlNodePtr n)
{
	xmlChar *t;
	char *s;

	if (n == NULL) {
		return NULL;
	}
	t = xmlNodeGetContent(n);
	s = g_strstrip(g_strdup(t ? (const char *)t : ""));
	xmlFree(t);
	if (*s == '\0') {
		g_free(s);
		return NULL;
	}
	{
		char *out = hd_xstrdup(s);

		g_free(s);
		return out;
	}
}

/* Whether s is a datestamp of the protocol: YYYY-MM-DD, or with
 * Thh:mm:ssZ after it.  1 or 0. */
static int stamp_ok(const char *s)
{
	static const char day[] = "dddd-dd-dd", full[] =
		"dddd-dd-ddTdd:dd:ddZ";
	const char *pat;
	size_t i, n;

	if (s == NULL) {
		return 0;
	}
	n = strlen(s);
	pat = n == 10 ? day : n == 20 ? full : NULL;
	for (i = 0; pat != NULL && i < n; i++) {
		if (pat[i] == 'd' ? !g_ascii_isdigit(s[i]) : s[i] != pat[i]) {
			return 0;
		}
	}
	return pat != NULL;
}

/* Parse r->body (fetched from url) as an OAI-PMH answer: *doc and its
 * root, the responseDate checked.  0, or HD_EIO naming the source when
 * it is not XML or not an OAI-PMH answer. */
static int parse_answer(struct run *r, const char *url, const char *what,
	xmlDocPtr *doc, xmlNodePtr *root, char **date)
{
	const xmlError *xe;
	char why[160], *d;

	*date = NULL;
	*doc = xmlReadMemory(r->body.p ? r->body.p : "", (int)r->body.len,
		url, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
		XML_PARSE_NOWARNING);
	if (*doc == NULL) {
		xe = xmlGetLastError();
		snprintf(why, sizeof why, "%s", xe && xe->message ?
			xe->message : "cannot be parsed");
		return hd_err(r->e, HD_EIO, "%s: %s: %s: not XML (%s)",
			r->s.name, what, url, g_strstrip(why));
	}
	if ((*doc)->intSubset != NULL) {
		/* OAI-PMH answers carry none; one may define entities that
		 * xmlNodeGetContent would expand */
		return hd_err(r->e, HD_EIO, "%s: %s: %s: not an OAI-PMH "
			"answer (it carries a DOCTYPE)", r->s.name, what, url);
	}
	*root = xmlDocGetRootElement(*doc);
	if (*root == NULL || (*root)->ns == NULL ||
	    strcmp((const char *)(*root)->ns->href, NS_OAI) != 0 ||
	    strcmp((const char *)(*root)->name, "OAI-PMH") != 0) {
		return hd_err(r->e, HD_EIO, "%s: %s: %s: not an OAI-PMH "
			"answer (the root is not OAI-PMH in its namespace)",
			r->s.name, what, url);
	}
	d = text_of(child(*root, NS_OAI, "responseDate"));
	if (d == NULL || strlen(d) != 20 || !stamp_ok(d) ||
	    child(*root, NS_OAI, "request") == NULL) {
		free(d);
		return hd_err(r->e, HD_EIO, "%s: %s: %s: not a valid OAI-PMH "
			"answer (responseDate or request missing or "
			"malformed)", r->s.name, what, url);
	}
	*date = d;
	return 0;
}

/* The code of the first OAI-PMH error of the answer root into code
 * ("" when it has none), its message into *msg (a new string or NULL). */
static void oai_error(xmlNodePtr root, char code[64], char **msg)
{
	xmlNodePtr err = child(root, NS_OAI, "error");
	xmlChar *c;

	code[0] = '\0';
	*msg = NULL;
	if (err == NULL) {
		return;
	}
	c = xmlGetProp(err, BAD_CAST "code");
	snprintf(code, 64, "%s", c && *c ? (const char *)c : "?");
	xmlFree(c);
	*msg = text_of(err);
}

/* Identify: the source's granularity into r->s.granularity.  0 or
 * HD_EIO. */
static int identify(struct run *r)
{
	static const char *const args[] = { "verb", "Identify", NULL };
	char *url = request_url(r, args), *date = NULL, *g = NULL, *msg;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, id;
	char code[64];
	int rc;

	rc = fetch(r, url, ANSWER_MAX, "Identify");
	if (rc == 0) {
		rc = parse_answer(r, url, "Identify", &doc, &root, &date);
	}
	if (rc == 0) {
		oai_error(root, code, &msg);
		if (code[0]) {
			rc = hd_err(r->e, HD_EIO, "%s: Identify: %s: OAI-PMH "
				"error %s: %s", r->s.name, url, code,
				msg ? msg : "");
		}
		free(msg);
	}
	if (rc == 0) {
		id = child(root, NS_OAI, "Identify");
		g = text_of(child(id, NS_OAI, "granularity"));
		if (id == NULL || g == NULL || (strcmp(g, "YYYY-MM-DD") != 0 &&
		    strcmp(g, "YYYY-MM-DDThh:mm:ssZ") != 0)) {
			rc = hd_err(r->e, HD_EIO, "%s: Identify: %s: not a "
				"valid OAI-PMH answer (no Identify with a "
				"granularity)", r->s.name, url);
		}
	}
	if (rc == 0) {
		free(r->s.granularity);
		r->s.granularity = g;
		g = NULL;
	}
	free(g);
	free(date);
	if (doc != NULL) {
		xmlFreeDoc(doc);
	}
	free(url);
	return rc;
}

/* Whether s is an http(s) URL.  1 or 0. */
static int is_url(const char *s)
{
	return g_str_has_prefix(s, "http://") ||
		g_str_has_prefix(s, "https://");
}

/* Whether URL s names a JPEG by its ending (.jpg, .jpeg): the only
 * thumbnails the district serves (as image/jpeg). */
static int is_image_url(const char *s)
{
	return is_url(s) && (g_str_has_suffix(s, ".jpg") ||
		g_str_has_suffix(s, ".jpeg"));
}

/* The access a room's dc:rights means: restricted or internal when it
 * says so (Hongdang's rooms write "公开 (public)"), else public.  The
 * district's own filter then keeps all but public records from view. */
static const char *rights_access(const char *rights)
{
	if (rights == NULL) {
		return "public";
	}
	if (strstr(rights, "限制") || strstr(rights, "restricted")) {
		return "restricted";
	}
	if (strstr(rights, "内部") || strstr(rights, "internal")) {
		return "internal";
	}
	return "public";
}

/* The oai_dc metadata dc of record v into v->r: the reference code
 * among its identifiers (the others, URLs, are the room's page of it),
 * its thumbnail among its relations, title, creator, subjects, date,
 * description, coverage (place), language and rights.  0, or HD_EINVAL
 * naming the record when it has no title or no reference code. */
static int read_dc(struct run *r, xmlNodePtr dc, struct hv_rec *v)
{
	struct hd_ref ref;
	struct hd_date d;
	xmlNodePtr n;
	char canon[64], *t, *rights = NULL;
	const char *name;
	int have_ref = 0;

	for (n = dc->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || n->ns == NULL ||
		    strcmp((const char *)n->ns->href, NS_DC) != 0) {
			continue;
		}
		name = (const char *)n->name;
		t = text_of(n);
		if (t == NULL) {
			continue;
		}
		if (strcmp(name, "identifier") == 0 && is_url(t)) {
			if (v->page_url == NULL) {
				v->page_url = t;
				t = NULL;
			}
		} else if (strcmp(name, "identifier") == 0 && !have_ref &&
		    hd_ref_canon(t, canon, sizeof canon, NULL) == 0 &&
		    hd_ref_parse(canon, &ref, NULL) == 0) {
			have_ref = 1;
		} else if (strcmp(name, "relation") == 0 &&
		    is_image_url(t) && v->thumb_url == NULL) {
			v->thumb_url = t;
			t = NULL;
		} else if (strcmp(name, "title") == 0 && !v->r.title) {
			v->r.title = t;
			t = NULL;
		} else if (strcmp(name, "creator") == 0 && !v->r.creator) {
			v->r.creator = t;
			t = NULL;
		} else if (strcmp(name, "subject") == 0) {
			hd_strv_add(&v->r.subjects, &v->r.nsubjects, t);
		} else if (strcmp(name, "description") == 0 &&
		    !v->r.description) {
			v->r.description = t;
			t = NULL;
		} else if (strcmp(name, "date") == 0 && !v->r.date &&
		    hd_date_parse(t, &d, NULL) == 0) {
			v->r.date = hd_xstrdup(d.iso);
			v->r.year = d.year;
			v->r.year_end = d.year_end;
		} else if (strcmp(name, "coverage") == 0 && !v->r.place) {
			v->r.place = t;
			t = NULL;
		} else if (strcmp(name, "language") == 0 && !v->r.language) {
			v->r.language = t;
			t = NULL;
		} else if (strcmp(name, "rights") == 0 && rights == NULL) {
			rights = t;
			t = NULL;
		}
		free(t);
	}
	v->r.access = hd_xstrdup(rights_access(rights));
	free(rights);
	if (!have_ref) {
		return hd_err(r->e, HD_EINVAL, "%s: record %s has no "
			"reference code (档号) among its dc:identifier",
			r->s.name, v->oai_id);
	}
	if (v->r.title == NULL) {
		return hd_err(r->e, HD_EINVAL, "%s: record %s has no dc:title",
			r->s.name, v->oai_id);
	}
	v->r.ref = hd_xstrdup(canon);
	v->r.fonds = hd_xstrdup(ref.fonds);
	v->r.category = hd_xstrdup(ref.category);
	v->r.retention = hd_xstrdup(ref.retention);
	v->r.cls = ref.cls[0] ? hd_xstrdup(ref.cls) : NULL;
	if (v->r.year == 0) {
		v->r.year = ref.year;
	}
	v->r.status = hd_xstrdup("approved");
	return 0;
}

/* Record element rec, number i of the page, into *v: its header
 * (identifier, datestamp, status) and, unless deleted, its oai_dc.  0,
 * HD_EINVAL naming it when it has no identifier, HD_EIO when the
 * protocol's required parts are missing. */
static int read_record(struct run *r, xmlNodePtr rec, size_t i,
	const char *url, struct hv_rec *v)
{
	xmlNodePtr h = child(rec, NS_OAI, "header"), md, dc;
	xmlChar *status;

	memset(v, 0, sizeof *v);
	hd_record_init(&v->r);
	if (h == NULL) {
		return hd_err(r->e, HD_EIO, "%s: %s: record %zu of the page "
			"has no header (not a valid OAI-PMH answer)", r->s.name,
			url, i + 1);
	}
	v->oai_id = text_of(child(h, NS_OAI, "identifier"));
	if (v->oai_id == NULL) {
		return hd_err(r->e, HD_EINVAL, "%s: %s: record %zu of the page "
			"has no identifier", r->s.name, url, i + 1);
	}
	v->datestamp = text_of(child(h, NS_OAI, "datestamp"));
	if (!stamp_ok(v->datestamp)) {
		return hd_err(r->e, HD_EIO, "%s: %s: record %s has no valid "
			"datestamp (not a valid OAI-PMH answer)", r->s.name,
			url, v->oai_id);
	}
	status = xmlGetProp(h, BAD_CAST "status");
	v->deleted = status != NULL && strcmp((const char *)status,
		"deleted") == 0;
	xmlFree(status);
	if (v->deleted) {
		return 0;
	}
	md = child(rec, NS_OAI, "metadata");
	dc = child(md, NS_OAI_DC, "dc");
	if (dc == NULL) {
		return hd_err(r->e, HD_EIO, "%s: %s: record %s has no oai_dc "
			"metadata (not a valid OAI-PMH answer)", r->s.name, url,
			v->oai_id);
	}
	return read_dc(r, dc, v);
}

/* ---------------------------------------------------------- thumbnails */

/* Fetch and cache the thumbnail of v unless the district has it: a
 * JPEG of at most THUMB_MAX bytes, written (temporary file,
 * fsync, rename) as its SHA-256 under dir/harvest/thumbs.  A thumbnail
 * that cannot be had is counted and left out: the record is still
 * filed. */
static void thumb_get(struct run *r, struct hv_rec *v)
{
	struct hd_error e2, *keep = r->e;
	char sha[65], *dir, *path;
	const unsigned char *p;
	int ok;

	if (v->deleted || v->thumb_url == NULL) {
		return;
	}
	hd_err_clear(&e2);
	if (hv_thumb_known(r->a, &r->s, v, &e2) != 0 || v->thumb[0]) {
		return;
	}
	r->e = &e2;
	ok = fetch(r, v->thumb_url, THUMB_MAX, "thumbnail") == 0;
	r->e = keep;
	p = (const unsigned char *)r->body.p;
	ok = ok && r->body.len > 8 && p[0] == 0xFF && p[1] == 0xD8 &&
		p[2] == 0xFF;
	if (!ok) {
		r->rep->thumbs_failed++;
		return;
	}
	hd_sha256_hex(r->body.p, r->body.len, sha);
	dir = hv_thumb_dir(r->a);
	path = hd_xasprintf("%s/%s", dir, sha);
	if (g_mkdir_with_parents(dir, 0755) == 0 &&
	    g_file_set_contents_full(path, r->body.p, (gssize)r->body.len,
	    G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
	    0644, NULL)) {
		memcpy(v->thumb, sha, sizeof v->thumb);
		r->rep->thumbs++;
	} else {
		r->rep->thumbs_failed++;
	}
	free(path);
	free(dir);
}

/* ---------------------------------------------------------------- pages */

/* What one ListRecords answer held. */
struct page {
	struct hv_rec *v;
	size_t n;
	char *next;         /* the token of the next page, NULL: the last */
	char *date;         /* responseDate */
	char code[64];      /* an OAI-PMH error's code, "" none */
	char *msg;          /* its message */
};

/* Free what p holds. */
static void page_release(struct page *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		hv_rec_release(&p->v[i]);
	}
	free(p->v);
	free(p->next);
	free(p->date);
	free(p->msg);
	memset(p, 0, sizeof *p);
}

/* Fetch and read one ListRecords page (url) into *p.  0 (p->code set
 * for an OAI-PMH error), HD_EIO, HD_EINVAL. */
static int page_get(struct run *r, const char *url, const char *what,
	struct page *p)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root, list, rec, tok;
	size_t i;
	int rc;

	memset(p, 0, sizeof *p);
	rc = fetch(r, url, ANSWER_MAX, what);
	if (rc == 0) {
		rc = parse_answer(r, url, what, &doc, &root, &p->date);
	}
	if (rc == 0) {
		oai_error(root, p->code, &p->msg);
	}
	if (rc != 0 || p->code[0]) {
		goto out;
	}
	list = child(root, NS_OAI, "ListRecords");
	rec = child(list, NS_OAI, "record");
	if (rec == NULL) {
		rc = hd_err(r->e, HD_EIO, "%s: %s: %s: not a valid OAI-PMH "
			"answer (neither an error nor ListRecords with a "
			"record)", r->s.name, what, url);
		goto out;
	}
	for (; rec != NULL && rc == 0; rec = next_same(rec)) {
		i = p->n;
		p->v = hd_xrealloc(p->v, (i + 1) * sizeof *p->v);
		p->n++;
		rc = read_record(r, rec, i, url, &p->v[i]);
	}
	tok = child(list, NS_OAI, "resumptionToken");
	if (rc == 0 && tok != NULL) {
		p->next = text_of(tok);
	}
out:
	if (doc != NULL) {
		xmlFreeDoc(doc);
	}
	return rc;
}

/* The from of a new run: the last complete run's first responseDate in
 * the room's granularity (a day: its date), NULL for everything. */
static char *run_from(const struct hv_source *s)
{
	if (s->done_until == NULL) {
		return NULL;
	}
	if (strcmp(s->granularity, "YYYY-MM-DD") == 0) {
		return hd_xasprintf("%.10s", s->done_until);
	}
	return hd_xstrdup(s->done_until);
}

/* Harvest page after page until the list ends or something fails. */
static int harvest(struct run *r)
{
	struct page p;
	char *url, what[48];
	const char *tok;
	int rc = 0, restarts = 0;
	int64_t n = 0;

	if (r->s.token == NULL) {
		free(r->s.run_from);
		r->s.run_from = run_from(&r->s);
		free(r->s.run_date);
		r->s.run_date = NULL;
	} else {
		r->rep->resumed = 1;
		g_hash_table_add(r->tokens, hd_xstrdup(r->s.token));
	}
	for (;;) {
		tok = r->s.token;
		if (tok != NULL) {
			const char *args[] = { "verb", "ListRecords",
				"resumptionToken", tok, NULL };

			url = request_url(r, args);
		} else {
			const char *args[] = { "verb", "ListRecords",
				"metadataPrefix", "oai_dc", "from",
				r->s.run_from, NULL };

			url = request_url(r, args);
		}
		snprintf(what, sizeof what, "page %lld", (long long)++n);
		rc = page_get(r, url, what, &p);
		if (rc == 0 && p.code[0] && tok == NULL &&
		    strcmp(p.code, "noRecordsMatch") == 0) {
			/* nothing changed: the run is complete as of now */
			if (r->s.run_date == NULL) {
				r->s.run_date = hd_xstrdup(p.date);
			}
			rc = hv_store_page(r->a, &r->s, NULL, 0, NULL,
				r->agent, r->rep, r->e);
			r->rep->complete = rc == 0;
			page_release(&p);
			free(url);
			return rc;
		}
		if (rc == 0 && p.code[0] && tok != NULL &&
		    strcmp(p.code, "badResumptionToken") == 0 &&
		    restarts < RESTARTS && n == 1) {
			/* a stopped run's token the room no longer takes:
			 * the run starts again from its from */
			restarts++;
			rc = hv_store_restart(r->a, &r->s, r->e);
			free(r->s.token);
			r->s.token = NULL;
			free(r->s.run_date);
			r->s.run_date = NULL;
			page_release(&p);
			free(url);
			n = 0;
			if (rc != 0) {
				return rc;
			}
			continue;
		}
		if (rc == 0 && p.code[0]) {
			rc = hd_err(r->e, HD_EIO, "%s: %s: %s: OAI-PMH error "
				"%s: %s", r->s.name, what, url, p.code,
				p.msg ? p.msg : "");
		}
		if (rc == 0 && p.next != NULL &&
		    g_hash_table_contains(r->tokens, p.next)) {
			rc = hd_err(r->e, HD_EIO, "%s: %s: %s: the resumption "
				"token '%.60s' was given before in this run "
				"(the list loops); stopped", r->s.name, what,
				url, p.next);
		}
		if (rc != 0) {
			page_release(&p);
			free(url);
			return rc;
		}
		if (r->s.run_date == NULL) {
			r->s.run_date = hd_xstrdup(p.date);
		}
		for (size_t i = 0; i < p.n; i++) {
			thumb_get(r, &p.v[i]);
		}
		rc = hv_store_page(r->a, &r->s, p.v, p.n, p.next, r->agent,
			r->rep, r->e);
		if (rc != 0 || p.next == NULL) {
			r->rep->complete = rc == 0;
			page_release(&p);
			free(url);
			return rc;
		}
		g_hash_table_add(r->tokens, hd_xstrdup(p.next));
		free(r->s.token);
		r->s.token = p.next;
		p.next = NULL;
		page_release(&p);
		free(url);
		if (r->o != NULL && r->o->stop != NULL &&
		    r->o->stop(r->o->ud)) {
			return 0;       /* asked to stop: the token is kept */
		}
	}
}

/* hd_harvest_run: see hd_harvest.h. */
int hd_harvest_run(struct hd_archive *a, const char *name,
	const struct hd_harvest_opts *o, const struct hd_agent *agent,
	struct hd_harvest_report *rep, struct hd_error *e)
{
	struct run r;
	struct hd_error e2;
	int rc;

	memset(rep, 0, sizeof *rep);
	hd_globals_init();
	memset(&r, 0, sizeof r);
	r.a = a;
	r.rep = rep;
	r.agent = agent;
	r.e = e;
	r.timeout = o != NULL && o->timeout > 0 ? o->timeout :
		HD_HARVEST_TIMEOUT;
	r.o = o;
	rc = hv_source_get(a, name, &r.s, e);
	if (rc != 0) {
		return rc;
	}
	r.host = host_of(r.s.url);
	r.curl = curl_easy_init();
	if (r.curl == NULL) {
		hv_source_release(&r.s);
		free(r.host);
		return hd_err(e, HD_EIO, "%s: cannot start libcurl", name);
	}
	hd_buf_init(&r.body);
	r.tokens = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	curl_easy_setopt(r.curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r.curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(r.curl, CURLOPT_ERRORBUFFER, r.curl_err);
	curl_easy_setopt(r.curl, CURLOPT_TIMEOUT, r.timeout);
	curl_easy_setopt(r.curl, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_S <
		r.timeout ? (long)CONNECT_S : r.timeout);
	curl_easy_setopt(r.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r.curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r.curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r.curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(r.curl, CURLOPT_USERAGENT, "hongdang-harvest/1");
	rc = identify(&r);
	if (rc == 0) {
		rc = harvest(&r);
	}
	if (rc != 0 && rc != HD_EBUSY && rc != HD_EDB) {
		hd_err_clear(&e2);
		if (hv_store_failed(a, &r.s, e->msg, &e2) != 0) {
			rc = hd_err(e, e2.code, "%s (and it could not be "
				"noted: %s)", e->msg, e2.msg);
		} else if (rc == HD_EINVAL) {
			rc = HD_EIO;
		}
	}
	g_hash_table_destroy(r.tokens);
	hd_buf_release(&r.body);
	curl_easy_cleanup(r.curl);
	hv_source_release(&r.s);
	free(r.host);
	return rc;
}
