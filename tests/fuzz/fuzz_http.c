/*
 * fuzz_http.c - libFuzzer target for what the exhibit server decodes
 * from a request before any page sees it (exhibit/http.c,
 * clientaddr.c): the request target (path and query), a form body, the
 * Cookie header and the X-Forwarded-For and X-Forwarded-Proto headers a
 * trusted proxy sends.
 *
 * An input is lines: the request target, the Cookie header, the
 * X-Forwarded-For header, the X-Forwarded-Proto header, then the rest
 * is a form body (application/x-www-form-urlencoded).  A header stops
 * at a NUL byte, as libmicrohttpd hands it over.  The target and the
 * body are decoded as httpd.c decodes them: each in an arena of exactly
 * the room http.h asks for (so AddressSanitizer sees a byte too many),
 * the body's fields after the query's.  Invariants:
 *  - the decoded path and fields agree with a plain reading of the
 *    rules (percent escapes, '+' a space in the query and the body, no
 *    NUL, UTF-8, at most HTTP_MAX_PARAMS fields, empty fields skipped),
 *    and a refusal with the reading's;
 *  - decoded fields encoded again (http_escape) decode to themselves;
 *  - a cookie is read as the first "NAME=VALUE" pair of that name whose
 *    value is 64 lower-case hex digits, else "" (http_cookie_token and
 *    the admin pages' admin_cookie_get alike);
 *  - an address is believed from X-Forwarded-For only when the last
 *    item, blanks trimmed, is an IPv4 or IPv6 address, and then as it
 *    stands; TLS only for "https" in X-Forwarded-Proto, any case.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include "../../exhibit/admin.h"
#include "../../exhibit/server_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "invariant broken: %s: %s\n", what, detail);
	abort();
}

/* ---------------------------------------------------- the plain rules */

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
		c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* s[0..n) decoded into a new string: '+' a space when plus, "%XX" the
 * byte XX; NULL for a '%' without two hex digits, a NUL or invalid
 * UTF-8 in the result. */
static char *plain_decode(const char *s, size_t n, int plus)
{
	char *out = hd_xmalloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || hexval((unsigned char)s[i + 1]) < 0 ||
			    hexval((unsigned char)s[i + 2]) < 0) {
				goto bad;
			}
			out[o++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
				hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[o++] = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	out[o] = '\0';
	if (memchr(out, '\0', o) != NULL || !hd_utf8_valid(out, o)) {
		goto bad;
	}
	return out;
bad:
	free(out);
	return NULL;
}

struct fields {
	char *name[HTTP_MAX_PARAMS];
	char *value[HTTP_MAX_PARAMS];
	size_t n;
};

static void fields_release(struct fields *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

/* The fields of s[0..n) ("a=1&b=2") added to f: 0, or -1 for a bad
 * escape or more than HTTP_MAX_PARAMS in all. */
static int plain_fields(const char *s, size_t n, struct fields *f)
{
	size_t i = 0, j, eq;

	while (i < n) {
		for (j = i; j < n && s[j] != '&'; j++) {
		}
		if (j == i) {
			i++;
			continue;
		}
		if (f->n == HTTP_MAX_PARAMS) {
			return -1;
		}
		for (eq = i; eq < j && s[eq] != '='; eq++) {
		}
		f->name[f->n] = plain_decode(s + i, eq - i, 1);
		f->value[f->n] = eq < j ? plain_decode(s + eq + 1,
			j - eq - 1, 1) : hd_xstrdup("");
		f->n++;
		if (f->name[f->n - 1] == NULL || f->value[f->n - 1] == NULL) {
			return -1;
		}
		i = j;
	}
	return 0;
}

/* The first cookie called name in header c, as the invariant says. */
static void plain_cookie(const char *c, const char *name, char out[65])
{
	const char *p = c, *end, *eq, *v, *ve;
	size_t k;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		end = strchr(p, ';');
		if (end == NULL) {
			end = p + strlen(p);
		}
		while (p < end && (*p == ' ' || *p == '\t')) {
			p++;
		}
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == strlen(name) &&
		    memcmp(p, name, strlen(name)) == 0) {
			v = eq + 1;
			for (ve = end; ve > v && (ve[-1] == ' ' ||
			    ve[-1] == '\t'); ve--) {
			}
			if (ve - v != 64) {
				return;
			}
			for (k = 0; k < 64; k++) {
				if (!((v[k] >= '0' && v[k] <= '9') ||
				    (v[k] >= 'a' && v[k] <= 'f'))) {
					return;
				}
			}
			memcpy(out, v, 64);
			out[64] = '\0';
			return;
		}
		p = *end != '\0' ? end + 1 : end;
	}
}

/* ---------------------------------------------------------- checks */

/* The decoded fields v[from..nv) against f[from..]. */
static void same_fields(const struct http_kv *v, size_t nv,
	const struct fields *f, const char *what)
{
	size_t i;

	if (nv != f->n) {
		fail(what, "a different number of fields");
	}
	for (i = 0; i < nv; i++) {
		if (strcmp(v[i].name, f->name[i]) != 0 ||
		    strcmp(v[i].value, f->value[i]) != 0) {
			fprintf(stderr, "field %zu: '%s'='%s', plainly "
				"'%s'='%s'\n", i, v[i].name, v[i].value,
				f->name[i], f->value[i]);
			fail(what, "a field decoded otherwise");
		}
	}
}

/* Encode the fields v[0..nv) again and decode them: the same fields. */
static void round_trip(const struct http_kv *v, size_t nv)
{
	struct http_kv w[HTTP_MAX_PARAMS];
	struct hd_buf b;
	char *arena, *a;
	size_t i, nw = 0;

	hd_buf_init(&b);
	for (i = 0; i < nv; i++) {
		if (i > 0) {
			hd_buf_puts(&b, "&");
		}
		http_escape(&b, v[i].name, NULL);
		hd_buf_puts(&b, "=");
		http_escape(&b, v[i].value, NULL);
	}
	arena = hd_xmalloc(b.len + 2 * HTTP_MAX_PARAMS + 1);
	a = arena;
	if (http_parse_params(w, &nw, b.p ? b.p : "", b.len, &a) != 0) {
		fail("encoded fields do not decode", b.p);
	}
	if (nw != nv) {
		fail("encoded fields decode to another number", b.p);
	}
	for (i = 0; i < nv; i++) {
		if (strcmp(v[i].name, w[i].name) != 0 ||
		    strcmp(v[i].value, w[i].value) != 0) {
			fail("a field encoded does not decode to itself",
				b.p);
		}
	}
	free(arena);
	hd_buf_release(&b);
}

/* The target t[0..n) and the body: see the file comment. */
static void check_request(const char *t, size_t n, const char *body,
	size_t nbody)
{
	struct http_kv v[HTTP_MAX_PARAMS];
	struct fields f = { {NULL}, {NULL}, 0 };
	const char *path = NULL, *q = memchr(t, '?', n);
	char *arena = hd_xmalloc(n + 2 * HTTP_MAX_PARAMS + 2), *form, *a;
	char *want_path = NULL;
	size_t nv = 0, plen = q != NULL ? (size_t)(q - t) : n;
	int rc, want;

	rc = http_parse_url(t, n, &path, v, &nv, arena);
	want = plen > 0 && t[0] == '/' ? 0 : -1;
	if (want == 0) {
		want_path = plain_decode(t, plen, 0);
		want = want_path != NULL ? 0 : -1;
	}
	if (want == 0 && q != NULL) {
		want = plain_fields(q + 1, n - plen - 1, &f);
	}
	if (rc != want) {
		fail(rc == 0 ? "a target taken that the rules refuse" :
			"a target refused that the rules take",
			hd_xstrndup(t, n));
	}
	if (rc != 0) {
		goto done;
	}
	if (strcmp(path, want_path) != 0) {
		fail("the path decoded otherwise", path);
	}
	same_fields(v, nv, &f, "the query");
	round_trip(v, nv);
	/* a form body: fields after the query's, in an arena of its own */
	form = hd_xmalloc(nbody + 2 * HTTP_MAX_PARAMS + 8);
	a = form;
	rc = http_parse_params(v, &nv, body, nbody, &a);
	want = plain_fields(body, nbody, &f);
	if (rc != want) {
		fail(rc == 0 ? "a body taken that the rules refuse" :
			"a body refused that the rules take",
			hd_xstrndup(body, nbody));
	}
	if (rc == 0) {
		same_fields(v, nv, &f, "the query and the body");
		round_trip(v, nv);
	}
	free(form);
done:
	fields_release(&f);
	free(want_path);
	free(arena);
}

/* The Cookie header c: each of the server's cookies read by both
 * readers as the plain reading reads it. */
static void check_cookie(const char *c)
{
	static const char *const names[] = {"hd_session", "hd_login",
		"hd_csrf"};
	char got[65], admin[65], want[65];
	struct http_req req;
	size_t i;

	memset(&req, 0, sizeof req);
	req.cookie = c;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		plain_cookie(c, names[i], want);
		http_cookie_token(c, names[i], got);
		admin_cookie_get(&req, names[i], admin);
		if (strcmp(got, want) != 0 || strcmp(admin, want) != 0) {
			fprintf(stderr, "cookie %s: read '%s', admin '%s', "
				"plainly '%s'\n", names[i], got, admin, want);
			fail("a cookie read otherwise", c);
		}
	}
}

/* X-Forwarded-For xff and X-Forwarded-Proto proto. */
static void check_forwarded(const char *xff, const char *proto)
{
	char out[INET6_ADDRSTRLEN] = "", want[INET6_ADDRSTRLEN + 1] = "";
	unsigned char bin[sizeof(struct in6_addr)];
	const char *p = strrchr(xff, ',');
	size_t k;
	int tls = -1, ok, rc;

	p = p != NULL ? p + 1 : xff;
	while (*p == ' ' || *p == '\t') {
		p++;
	}
	for (k = strlen(p); k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t');
	    k--) {
	}
	ok = k > 0 && k < sizeof want;
	if (ok) {
		memcpy(want, p, k);
		want[k] = '\0';
		ok = inet_pton(AF_INET, want, bin) == 1 ||
			inet_pton(AF_INET6, want, bin) == 1;
	}
	rc = client_forwarded(xff, proto, out, &tls);
	if (rc != ok || (ok && strcmp(out, want) != 0)) {
		fprintf(stderr, "got %d '%s', want %d '%s'\n", rc, out, ok,
			want);
		fail("X-Forwarded-For read otherwise", xff);
	}
	if (tls != (strcasecmp(proto, "https") == 0)) {
		fail("X-Forwarded-Proto read otherwise", proto);
	}
}

/* One input: see the file comment. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const char *s = (const char *)data, *end = s + n, *line[4], *nl;
	size_t len[4], i;
	char *hdr[3];

	for (i = 0; i < 4; i++) {
		nl = memchr(s, '\n', (size_t)(end - s));
		line[i] = s;
		len[i] = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
		s = nl != NULL ? nl + 1 : end;
	}
	/* the target as libmicrohttpd hands it over: up to a NUL */
	check_request(line[0], strnlen(line[0], len[0]), s,
		(size_t)(end - s));
	for (i = 0; i < 3; i++) {
		hdr[i] = hd_xstrndup(line[i + 1], len[i + 1]);
	}
	check_cookie(hdr[0]);
	check_forwarded(hdr[1], hdr[2]);
	for (i = 0; i < 3; i++) {
		free(hdr[i]);
	}
	return 0;
}
