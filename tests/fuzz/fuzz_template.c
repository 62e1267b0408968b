/*
 * fuzz_template.c - libFuzzer target for the template engine
 * (exhibit/tmpl_compile.c and template.c): a template and the values it
 * is rendered with.
 *
 * An input is a template, a NUL byte, then the values as JSON (no NUL:
 * the whole input is the template, with values that hold markup).  The
 * template is compiled and rendered by tmpl_render_text, as the command
 * line renders its built-in templates.  Invariants:
 *  - the render returns 0, or HD_EINVAL (it does not compile),
 *    HD_ENOTFOUND (a partial: there are none here) or HD_ELIMIT; a
 *    failed render leaves the output buffer as it was, and its message
 *    names the template, is one line and (for a UTF-8 template) UTF-8;
 *  - a page rendered from a UTF-8 template is UTF-8;
 *  - values never make markup: the page has the same shape (its tags,
 *    their attributes and how each value is quoted, comments), read by
 *    an HTML tokenizer after WHATWG's, as the page rendered with every
 *    non-empty string replaced by "x" (which takes the same sections);
 *  - a URL attribute (href, src, action...) whose value data changed is
 *    one a browser follows only as a relative URL or to http:, https:,
 *    mailto: or tel: (entities decoded as a browser decodes them).
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include "../../exhibit/site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n);

#define NAME "fuzz.html"
#define BEFORE "<!-- before -->"

/* The values when the input has none: markup in text, attributes and
 * URLs, Chinese text, a list and a nested object. */
static const char default_values[] =
	"{\"title\": \"前锋社区</title><script>alert(1)</script>\", "
	"\"url\": \"javascript:alert(1)\", \"q\": \"番禺 \\\"&'<>\", "
	"\"n\": 3, \"ok\": true, \"empty\": \"\", "
	"\"items\": [{\"name\": \"<b>档案</b>\", \"href\": \"/record/1\"}, "
	"{\"name\": \"照片\", \"href\": \" JaVa\\tScRiPt:x\"}], "
	"\"rec\": {\"ref\": \"QF01-WS-Y-0001\", \"title\": \"\\\" onload=\\\"x\"}}";

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "invariant broken: %s: %s\n", what, detail);
	abort();
}

/* ------------------------------------------------------------ values */

/* A copy of v with every non-empty string "x" (same sections taken, no
 * markup).  A new reference. */
static json_t *neutral(json_t *v)
{
	json_t *out, *item;
	const char *key;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string(json_string_length(v) > 0 ? "x" : "");
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(v, i, item) {
			json_array_append_new(out, neutral(item));
		}
		return out;
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach(v, key, item) {
			json_object_set_new(out, key, neutral(item));
		}
		return out;
	default:
		return json_incref(v);
	}
}

/* -------------------------------------------------- the page's shape */

/* Attributes whose value a browser follows or loads as a URL (as
 * tmpl_compile.c's list). */
static const char *const url_attrs[] = {
	"href", "src", "action", "formaction", "poster", "xlink:href",
	"cite", "background", "data", "longdesc", "usemap", "codebase",
	"manifest", "icon", "profile", "classid", "archive", "dynsrc",
	"lowsrc", "ping", NULL,
};

struct span {
	const char *p;
	size_t n;
};

/* What the tokenizer saw: the shape as text, and the values of URL
 * attributes in order. */
struct shape {
	struct hd_buf sig;
	struct span urls[256];
	size_t nurls;
	int more;               /* more URL attributes than urls holds */
};

enum mode { M_DATA, M_RCDATA, M_RAWTEXT, M_PLAINTEXT };

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 when the n bytes at s are name, ASCII case aside. */
static int name_eq(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* 1 when the attribute s[0..n) is a URL attribute. */
static int url_attr(const char *s, size_t n)
{
	size_t i;

	for (i = 0; url_attrs[i] != NULL; i++) {
		if (name_eq(s, n, url_attrs[i])) {
			return 1;
		}
	}
	return 0;
}

/* Append s[0..n) lower-cased to the shape. */
static void sig_name(struct shape *sh, const char *s, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') :
			s[i];
		hd_buf_add(&sh->sig, &c, 1);
	}
}

/* A tag from its name at s[i] (after "<" or "</") to its '>': its name,
 * each attribute's name and quoting go into the shape, URL attribute
 * values into sh->urls.  Returns the index after the tag (n when it
 * runs to the end, where a browser drops it); *tag receives the name. */
static size_t read_tag(const char *s, size_t n, size_t i, int end,
	struct shape *sh, struct span *tag)
{
	size_t a, an, v;
	char q;

	hd_buf_puts(&sh->sig, end ? "</" : "<");
	tag->p = s + i;
	while (i < n && !is_ws((unsigned char)s[i]) && s[i] != '/' &&
	    s[i] != '>') {
		i++;
	}
	tag->n = (size_t)(s + i - tag->p);
	sig_name(sh, tag->p, tag->n);
	for (;;) {
		while (i < n && (is_ws((unsigned char)s[i]) || (s[i] == '/' &&
		    (i + 1 >= n || s[i + 1] != '>')))) {
			i++;
		}
		if (i >= n) {
			hd_buf_puts(&sh->sig, " EOF\n");
			return n;
		}
		if (s[i] == '/') {
			hd_buf_puts(&sh->sig, "/>\n");
			return i + 2;
		}
		if (s[i] == '>') {
			hd_buf_puts(&sh->sig, ">\n");
			return i + 1;
		}
		/* an attribute name ('=' may be its first character) */
		a = i++;
		while (i < n && !is_ws((unsigned char)s[i]) && s[i] != '/' &&
		    s[i] != '>' && s[i] != '=') {
			i++;
		}
		an = i - a;
		hd_buf_puts(&sh->sig, " ");
		sig_name(sh, s + a, an);
		while (i < n && is_ws((unsigned char)s[i])) {
			i++;
		}
		if (i >= n || s[i] != '=') {
			continue;       /* no value */
		}
		i++;
		while (i < n && is_ws((unsigned char)s[i])) {
			i++;
		}
		if (i < n && s[i] == '>') {
			continue;       /* a missing value ends the tag */
		}
		q = i < n && (s[i] == '"' || s[i] == '\'') ? s[i] : 0;
		if (q != 0) {
			v = ++i;
			while (i < n && s[i] != q) {
				i++;
			}
		} else {
			v = i;
			while (i < n && !is_ws((unsigned char)s[i]) &&
			    s[i] != '>') {
				i++;
			}
		}
		hd_buf_add(&sh->sig, q == '"' ? "=\"" : q ? "='" : "=u", 2);
		if (!end && url_attr(s + a, an)) {
			if (sh->nurls < sizeof sh->urls / sizeof sh->urls[0]) {
				sh->urls[sh->nurls].p = s + v;
				sh->urls[sh->nurls].n = i - v;
				sh->nurls++;
			} else {
				sh->more = 1;
			}
		}
		if (q != 0 && i < n) {
			i++;    /* the closing quote */
		}
	}
}

/* The index after a comment or bogus comment that starts at s[i]
 * ("<!--", "<!", "<?" or "</" and a non-letter): "<!-->" and "<!--->"
 * end at once, a comment at "-->" or "--!>", anything else at '>'. */
static size_t skip_comment(const char *s, size_t n, size_t i,
	struct shape *sh)
{
	const char *e1, *e2, *end;

	if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
		hd_buf_puts(&sh->sig, "<!---->\n");
		i += 4;
		if (i < n && s[i] == '>') {
			return i + 1;
		}
		if (n - i >= 2 && memcmp(s + i, "->", 2) == 0) {
			return i + 2;
		}
		e1 = memmem(s + i, n - i, "-->", 3);
		e2 = memmem(s + i, n - i, "--!>", 4);
		end = e1 != NULL && (e2 == NULL || e1 < e2) ? e1 + 3 :
			e2 != NULL ? e2 + 4 : s + n;
		return (size_t)(end - s);
	}
	hd_buf_puts(&sh->sig, "<?>\n");
	end = memchr(s + i, '>', n - i);
	return end != NULL ? (size_t)(end - s) + 1 : n;
}

/* The mode text after start tag t is read in: title and textarea
 * RCDATA; script, style and the like raw text (noscript too: scripting
 * is on); plaintext to the end. */
static enum mode mode_after(struct span t)
{
	static const char *const raw[] = {"script", "style", "xmp",
		"iframe", "noembed", "noframes", "noscript", NULL};
	size_t i;

	if (name_eq(t.p, t.n, "title") || name_eq(t.p, t.n, "textarea")) {
		return M_RCDATA;
	}
	if (name_eq(t.p, t.n, "plaintext")) {
		return M_PLAINTEXT;
	}
	for (i = 0; raw[i] != NULL; i++) {
		if (name_eq(t.p, t.n, raw[i])) {
			return M_RAWTEXT;
		}
	}
	return M_DATA;
}

/* Tokenize the page s[0..n) into its shape. */
static void tokenize(const char *s, size_t n, struct shape *sh)
{
	enum mode m = M_DATA;
	struct span tag = {"", 0}, t2;
	size_t i = 0, k;

	while (i < n && m != M_PLAINTEXT) {
		if (s[i] != '<' || i + 1 >= n) {
			i++;
			continue;
		}
		if (m != M_DATA) {
			/* only the end tag of the element ends its text */
			k = i + 2;
			if (s[i + 1] == '/' && n - k > tag.n &&
			    strncasecmp(s + k, tag.p, tag.n) == 0 &&
			    (is_ws((unsigned char)s[k + tag.n]) ||
			    s[k + tag.n] == '/' || s[k + tag.n] == '>')) {
				i = read_tag(s, n, k, 1, sh, &t2);
				m = M_DATA;
			} else {
				i++;
			}
			continue;
		}
		if (is_alpha((unsigned char)s[i + 1])) {
			i = read_tag(s, n, i + 1, 0, sh, &tag);
			m = mode_after(tag);
		} else if (s[i + 1] == '/' && i + 2 < n &&
		    is_alpha((unsigned char)s[i + 2])) {
			i = read_tag(s, n, i + 2, 1, sh, &t2);
		} else if (s[i + 1] == '/' && i + 2 < n && s[i + 2] == '>') {
			i += 3;
		} else if ((s[i + 1] == '/' && i + 2 < n) || s[i + 1] == '!' ||
		    s[i + 1] == '?') {
			i = skip_comment(s, n, i, sh);
		} else {
			i++;
		}
	}
}

/* ------------------------------------------------------------- URLs */

/* The character a character reference at s[0..n) (starting with '&')
 * stands for, as a browser reads it in an attribute: *len receives the
 * bytes it takes.  -1 for a named one other than the five escaping
 * writes (the check then treats the URL as unsafe), 0 for a lone '&'. */
static long char_ref(const char *s, size_t n, size_t *len)
{
	static const struct {
		const char *name;
		char c;
	} names[] = {
		{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
		{"apos", '\''},
	};
	size_t i = 1, k;
	long v = 0;
	int hex = 0, digits = 0;

	*len = 1;
	if (n > 1 && s[1] == '#') {
		i = 2;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = 1;
			i++;
		}
		for (; i < n; i++) {
			int c = (unsigned char)s[i], d;

			if (c >= '0' && c <= '9') {
				d = c - '0';
			} else if (hex && c >= 'a' && c <= 'f') {
				d = c - 'a' + 10;
			} else if (hex && c >= 'A' && c <= 'F') {
				d = c - 'A' + 10;
			} else {
				break;
			}
			if (v < 0x110000) {
				v = v * (hex ? 16 : 10) + d;
			}
			digits++;
		}
		if (digits == 0) {
			return 0;
		}
		*len = i + (i < n && s[i] == ';');
		return v == 0 || v >= 0x110000 ? 0xFFFD : v;
	}
	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t m = strlen(names[k].name);

		if (n > m && memcmp(s + 1, names[k].name, m) == 0) {
			*len = 1 + m + (1 + m < n && s[1 + m] == ';');
			return names[k].c;
		}
	}
	if (n > 1 && is_alpha((unsigned char)s[1])) {
		return -1;
	}
	return 0;
}

/* 1 when a browser follows the attribute value s[0..n) as a relative
 * URL or to an allowed scheme: references decoded, leading controls and
 * spaces dropped, tabs and newlines dropped everywhere, then a scheme
 * is letters, digits, "+-." from a letter up to ':'. */
static int url_follows_safely(const char *s, size_t n)
{
	static const char *const ok[] = {"http", "https", "mailto", "tel",
		NULL};
	char scheme[16];
	size_t i = 0, len, k = 0, m;
	long c;
	int started = 0, colon = 0;

	while (i < n) {
		if (s[i] == '&') {
			c = char_ref(s + i, n - i, &len);
			if (c < 0) {
				return 0;
			}
			if (c == 0) {
				c = '&';
			}
		} else {
			c = (unsigned char)s[i];
			len = 1;
		}
		i += len;
		if (!started && c <= 0x20) {
			continue;
		}
		if (c == '\t' || c == '\n' || c == '\r') {
			continue;
		}
		started = 1;
		if (c == ':') {
			colon = 1;
			break;
		}
		if (c > 0x7F || !(is_alpha((int)c) || (k > 0 && ((c >= '0' &&
		    c <= '9') || c == '+' || c == '-' || c == '.')))) {
			return 1;       /* no scheme: relative */
		}
		if (k < sizeof scheme - 1) {
			scheme[k] = (char)(c >= 'A' && c <= 'Z' ?
				c - 'A' + 'a' : c);
		}
		k++;
	}
	if (!colon || k == 0) {
		return 1;       /* no scheme */
	}
	if (k >= sizeof scheme) {
		return 0;       /* a long scheme: none we allow */
	}
	scheme[k] = '\0';
	for (m = 0; ok[m] != NULL; m++) {
		if (strcmp(scheme, ok[m]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ input */

/* Render src[0..n) with ctx after BEFORE in a new buffer *out.  On
 * failure the buffer must still hold BEFORE alone. */
static int render(const char *src, size_t n, json_t *ctx, struct hd_buf *out,
	struct hd_error *e)
{
	int rc;

	hd_buf_init(out);
	hd_buf_puts(out, BEFORE);
	hd_err_clear(e);
	rc = tmpl_render_text(NAME, src, n, ctx, out, e);
	if (rc != 0 && (out->len != strlen(BEFORE) ||
	    strcmp(out->p, BEFORE) != 0)) {
		fail("a failed render changed the output", out->p);
	}
	return rc;
}

/* One input: see the file comment. */
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const unsigned char *nul = memchr(data, '\0', n);
	size_t nt = nul != NULL ? (size_t)(nul - data) : n;
	const char *src = (const char *)data;
	struct hd_buf out, out2;
	struct shape sh, sh2;
	struct hd_error e;
	json_t *ctx, *nctx;
	int rc, rc2, utf8;
	size_t i;

	ctx = nul != NULL ? json_loadb((const char *)nul + 1, n - nt - 1,
		JSON_DECODE_ANY, NULL) : json_loads(default_values, 0, NULL);
	if (ctx == NULL) {
		ctx = json_object();
	}
	utf8 = hd_utf8_valid(src, nt);
	rc = render(src, nt, ctx, &out, &e);
	if (rc != 0) {
		if (rc != HD_EINVAL && rc != HD_ENOTFOUND && rc != HD_ELIMIT) {
			fail("an unexpected error", e.msg);
		}
		if (strncmp(e.msg, NAME, strlen(NAME)) != 0) {
			fail("the message does not name the template", e.msg);
		}
		if (strchr(e.msg, '\n') != NULL) {
			fail("the message is more than one line", e.msg);
		}
		if (utf8 && !hd_utf8_valid(e.msg, strlen(e.msg))) {
			fail("the message is not UTF-8", e.msg);
		}
		goto done;
	}
	if (utf8 && !hd_utf8_valid(out.p, out.len)) {
		fail("the page is not UTF-8", out.p);
	}
	nctx = neutral(ctx);
	rc2 = render(src, nt, nctx, &out2, &e);
	json_decref(nctx);
	if (rc2 != 0) {
		if (rc2 != HD_ELIMIT) {
			fail("plain values fail where others render", e.msg);
		}
		hd_buf_release(&out2);
		goto done;
	}
	memset(&sh, 0, sizeof sh);
	memset(&sh2, 0, sizeof sh2);
	hd_buf_init(&sh.sig);
	hd_buf_init(&sh2.sig);
	tokenize(out.p, out.len, &sh);
	tokenize(out2.p, out2.len, &sh2);
	if (sh.sig.len != sh2.sig.len || (sh.sig.len > 0 &&
	    memcmp(sh.sig.p, sh2.sig.p, sh.sig.len) != 0)) {
		fprintf(stderr, "page:\n%s\nwith plain values:\n%s\n"
			"shape:\n%s\nwith plain values:\n%s\n", out.p, out2.p,
			sh.sig.p, sh2.sig.p);
		fail("values changed the page's markup", "");
	}
	for (i = 0; i < sh.nurls && i < sh2.nurls; i++) {
		if (sh.urls[i].n == sh2.urls[i].n &&
		    memcmp(sh.urls[i].p, sh2.urls[i].p, sh.urls[i].n) == 0) {
			continue;       /* as the template wrote it */
		}
		if (!url_follows_safely(sh.urls[i].p, sh.urls[i].n)) {
			fprintf(stderr, "page:\n%s\n", out.p);
			fail("a URL from data with a scheme not allowed",
				hd_xstrndup(sh.urls[i].p, sh.urls[i].n));
		}
	}
	hd_buf_release(&sh.sig);
	hd_buf_release(&sh2.sig);
	hd_buf_release(&out2);
done:
	hd_buf_release(&out);
	json_decref(ctx);
	return 0;
}
