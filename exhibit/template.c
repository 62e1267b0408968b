/*
 * template.c - the exhibit's HTML templates: Mustache-like files compiled
 * once into a list of operations, with every placeholder escaped for the
 * place in the HTML where it stands.
 *
 * Guarantees.  A value reaches the page only escaped for its context
 * (HTML text, <title>/<textarea>, a quoted attribute value).  A URL
 * attribute (href, src, action...) whose value is built from data is
 * checked as a whole when rendered and replaced by "#" unless it is
 * relative or starts with http:, https:, mailto: or tel:.  A placeholder
 * where escaping cannot make data safe (inside <script> or <style>, an
 * HTML comment, an on* or style or srcset attribute, an unquoted value,
 * a tag or attribute name) fails the compile with file and line.  Only
 * values made by tmpl_html() go out raw, and only in HTML text.  A
 * section may not change the HTML context between its start and its end,
 * so what the compiler checked holds on every path through a template.
 * A render never sees a half-replaced set: refresh swaps compiled
 * templates under the write side of a rwlock, and a template that no
 * longer compiles keeps its previous version.
 *
 * Syntax (the whole of it):
 *   {{name}} {{a.b.c}} {{.}}   a value; the first part of a dotted name
 *                              is looked up from the innermost section
 *                              outwards, the rest inside what it found
 *   {{name|url}}               percent-encoded for a URL query part
 *   {{@index}} {{@number}}     position in the innermost loop, from 0
 *                              or from 1
 *   {{@first}} {{@last}}       true on the first or last loop item
 *   {{#name}}...{{/name}}      array: once per item (the item pushed);
 *                              object: once, pushed; true, a non-zero
 *                              number, a non-empty string: once;
 *                              false, null, 0, "", [] or missing: never
 *   {{^name}}...{{/name}}      once when the value is as good as false
 *   {{> name}}                 the template name.html (partials/x for
 *                              partials/x.html), in HTML text only
 *   {{! comment }}             nothing
 * Strings go out as they are (escaped), integers in decimal, reals
 * without trailing zeros, true and false as "true" and "false", null,
 * missing values, arrays and objects as nothing.
 */
#include "site.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TMPL_FILE_MAX    (256 * 1024)   /* bytes in one template file */
#define TMPL_FILES_MAX   1024           /* templates in one set */
#define TMPL_NAME_MAX    128            /* bytes in a template name */
#define TMPL_NEST_MAX    32             /* sections open in one file */
#define TMPL_PARTIAL_MAX 16             /* partials inside partials */
#define TMPL_FRAMES_MAX  128            /* context stack of a render */
#define TMPL_TAG_MAX     256            /* bytes between {{ and }} */
#define TMPL_SEGS_MAX    8              /* parts of a dotted name */
#define TMPL_OUT_MAX     (8u << 20)     /* bytes one render may write */
#define TMPL_CHECK_MS    1000           /* stat the files this seldom */

/* The key of a tmpl_html() object: "\0html", 5 bytes.  json_loads
 * refuses a NUL in a key and json_object_set stops at one, so data
 * parsed from outside can never pass itself off as HTML; json_dumps
 * still writes it as valid JSON ("\u0000html"). */
#define HTML_KEY "\0html"
#define HTML_KEYLEN 5

/* ------------------------------------------------------------ programs */

enum op_kind {
	OP_TEXT,        /* literal bytes from the pool */
	OP_VAR,         /* {{x}} */
	OP_SECT,        /* {{#x}}: its body is the ops up to end */
	OP_INV,         /* {{^x}} */
	OP_PARTIAL,     /* {{> x}} */
	OP_URL_BEGIN,   /* a URL attribute value built from data starts */
	OP_URL_END,     /* ... and ends here: check its scheme */
};

enum esc {
	ESC_TEXT,       /* HTML text: a tmpl_html() value goes out raw */
	ESC_ATTR,       /* attribute value or RCDATA: everything escaped */
};

enum path_kind { PK_NAME, PK_DOT, PK_INDEX, PK_NUMBER, PK_FIRST, PK_LAST };

struct op {
	unsigned char kind;     /* enum op_kind */
	unsigned char esc;      /* enum esc */
	unsigned char url;      /* |url */
	unsigned char once;     /* a section inside a tag never loops */
	unsigned char pk;       /* enum path_kind */
	unsigned char nsegs;    /* parts of a PK_NAME */
	unsigned line;
	size_t end;             /* OP_SECT, OP_INV: index after the body */
	size_t off, len;        /* OP_TEXT: bytes; OP_PARTIAL: name */
	size_t seg;             /* first of the parts in prog.segs */
};

struct prog {
	struct op *ops;
	size_t nops, capops;
	struct hd_buf pool;     /* literal text and NUL-ended names */
	size_t *segs;           /* pool offsets of name parts */
	size_t nsegs, capsegs;
};

static void prog_free(struct prog *p)
{
	if (p == NULL) {
		return;
	}
	free(p->ops);
	hd_buf_release(&p->pool);
	free(p->segs);
	free(p);
}

static struct op *op_new(struct prog *p, int kind, unsigned line)
{
	struct op *op;

	if (p->nops == p->capops) {
		p->capops = p->capops ? 2 * p->capops : 64;
		p->ops = hd_xrealloc(p->ops, p->capops * sizeof *p->ops);
	}
	op = &p->ops[p->nops++];
	memset(op, 0, sizeof *op);
	op->kind = (unsigned char)kind;
	op->line = line;
	return op;
}

/* ----------------------------------------------------- HTML positions */

/* A small HTML tokenizer (after the WHATWG one) run over the literal
 * text of a template, so that each placeholder knows where it stands. */
enum hst {
	H_DATA,
	H_RC,           /* inside <title>, <textarea>, <script>, <style>... */
	H_RC_LT,        /* ... just after '<' */
	H_RC_LTS,       /* ... just after "</" */
	H_RC_NAME,      /* ... in what may be the end tag */
	H_TAG_OPEN,     /* after '<' */
	H_END_OPEN,     /* after "</" */
	H_TAG_NAME,
	H_BEFORE_ATTR,
	H_ATTR_NAME,
	H_AFTER_ATTR,
	H_BEFORE_VALUE,
	H_VALUE_DQ,
	H_VALUE_SQ,
	H_VALUE_UNQ,
	H_AFTER_VALUE,
	H_SELF_CLOSE,
	H_JOIN,         /* after a section tag that may have cut a name */
	H_MD_OPEN,      /* after "<!" */
	H_MD_DASH,      /* after "<!-" */
	H_COMMENT_START,
	H_COMMENT_START_DASH,
	H_COMMENT,
	H_COMMENT_END_DASH,
	H_COMMENT_END,
	H_COMMENT_END_BANG,
	H_BOGUS,        /* <?...> or <!...> */
};

enum akind {
	AK_PLAIN,
	AK_URL,
	AK_EVENT,       /* on*= */
	AK_STYLE,
	AK_SRCSET,
	AK_SRCDOC,
	AK_ANIM,        /* any attribute of an SVG animation element */
};

struct hstate {
	unsigned char st;       /* enum hst */
	unsigned char rcdata;   /* H_RC*: 1 title/textarea, 0 script... */
	unsigned char is_end;   /* the tag is an end tag */
	unsigned char akind;    /* enum akind of the value we are in */
	unsigned char ntag;     /* length of the tag name (saturates) */
	unsigned char nattr;
	unsigned char nrc;
	char tag[24];           /* lower-case element name, cut short */
	char attr[32];          /* lower-case attribute name, cut short */
	char rc[24];            /* a possible end tag inside H_RC */
	unsigned tagno;         /* counts tags: which one we are in */
	unsigned attrno;        /* counts attribute values */
	unsigned since;         /* line where the current construct began */
};

enum { EV_NONE, EV_OPEN, EV_CLOSE };    /* a quoted value opens, closes */

static int is_ws(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\f';
}

static int is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static void name_add(char *buf, size_t size, unsigned char *n, int ch)
{
	if (*n < size - 1) {
		buf[*n] = (char)lower(ch);
		buf[*n + 1] = '\0';
	}
	if (*n < 255) {
		(*n)++;
	}
}

static int name_is(const char *buf, size_t size, unsigned char n,
	const char *s)
{
	return n < size - 1 && strcmp(buf, s) == 0;
}

static int tag_is(const struct hstate *h, const char *s)
{
	return name_is(h->tag, sizeof h->tag, h->ntag, s);
}

static int attr_is(const struct hstate *h, const char *s)
{
	return name_is(h->attr, sizeof h->attr, h->nattr, s);
}

/* Attributes whose value is a URL a browser may follow or load. */
static const char *const url_attrs[] = {
	"href", "src", "action", "formaction", "poster", "xlink:href",
	"cite", "background", "data", "longdesc", "usemap", "codebase",
	"manifest", "icon", "profile", "classid", "archive", "dynsrc",
	"lowsrc", "ping", NULL,
};

static int attr_kind(const struct hstate *h)
{
	size_t i;

	if (tag_is(h, "animate") || tag_is(h, "set") ||
		tag_is(h, "animatemotion") || tag_is(h, "animatetransform")) {
		return AK_ANIM;
	}
	if (h->nattr >= 2 && h->attr[0] == 'o' && h->attr[1] == 'n') {
		return AK_EVENT;
	}
	if (attr_is(h, "style")) {
		return AK_STYLE;
	}
	if (attr_is(h, "srcset") || attr_is(h, "imagesrcset")) {
		return AK_SRCSET;
	}
	if (attr_is(h, "srcdoc")) {
		return AK_SRCDOC;
	}
	for (i = 0; url_attrs[i] != NULL; i++) {
		if (attr_is(h, url_attrs[i])) {
			return AK_URL;
		}
	}
	return AK_PLAIN;
}

/* The end of a start or end tag: where the text after it stands. */
static void tag_end(struct hstate *h)
{
	static const char *const rcdata[] = {"title", "textarea", NULL};
	static const char *const rawtext[] = {"script", "style", "xmp",
		"iframe", "noembed", "noframes", "plaintext", NULL};
	size_t i;

	h->st = H_DATA;
	if (h->is_end) {
		return;
	}
	for (i = 0; rcdata[i] != NULL; i++) {
		if (tag_is(h, rcdata[i])) {
			h->st = H_RC;
			h->rcdata = 1;
		}
	}
	for (i = 0; rawtext[i] != NULL; i++) {
		if (tag_is(h, rawtext[i])) {
			h->st = H_RC;
			h->rcdata = 0;
		}
	}
}

/* ------------------------------------------------------------ compiler */

struct sect {
	size_t op;              /* its OP_SECT or OP_INV */
	unsigned line;
	struct hstate h;        /* where it opened (canonical) */
	const char *name;       /* in the source */
	size_t nname;
};

struct comp {
	const char *path;       /* for messages */
	const char *src;
	size_t n, pos;
	unsigned line;
	struct hstate h;
	struct prog *p;
	struct sect sect[TMPL_NEST_MAX];
	size_t nsect;
	int url_pending;        /* inside a URL attribute value */
	int url_begun;          /* ... and OP_URL_BEGIN was emitted */
	size_t url_split;       /* pool offset where the value starts */
	int cut;                /* a section ended: start a new OP_TEXT */
	struct hd_error *e;
};

static int cerr(struct comp *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cerr(struct comp *c, unsigned line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return hd_err(c->e, HD_EINVAL, "%s:%u: %s", c->path, line, msg);
}

/* Where h stands, in words, for messages. */
static void describe(const struct hstate *h, char *out, size_t n)
{
	switch (h->st) {
	case H_DATA:
		snprintf(out, n, "in HTML text");
		break;
	case H_RC:
	case H_RC_LT:
	case H_RC_LTS:
	case H_RC_NAME:
		snprintf(out, n, "inside <%s>", h->tag);
		break;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
	case H_VALUE_UNQ:
		snprintf(out, n, "inside attribute %s= of <%s>", h->attr,
			h->tag);
		break;
	case H_MD_OPEN:
	case H_MD_DASH:
	case H_BOGUS:
		snprintf(out, n, "inside <!...> or <?...>");
		break;
	case H_COMMENT_START:
	case H_COMMENT_START_DASH:
	case H_COMMENT:
	case H_COMMENT_END_DASH:
	case H_COMMENT_END:
	case H_COMMENT_END_BANG:
		snprintf(out, n, "inside an HTML comment");
		break;
	default:
		snprintf(out, n, "inside tag <%s%s>", h->is_end ? "/" : "",
			h->tag);
		break;
	}
}

/* Feed one byte of literal text.  Returns EV_OPEN when it opens a quoted
 * attribute value, EV_CLOSE when it closes one, EV_NONE, or a negative
 * code for HTML that would make the placement of data unclear. */
static int track(struct comp *c, int ch)
{
	struct hstate *h = &c->h;

again:
	switch (h->st) {
	case H_DATA:
		if (ch == '<') {
			h->st = H_TAG_OPEN;
			h->since = c->line;
		}
		break;
	case H_TAG_OPEN:
		if (is_alpha(ch)) {
			h->st = H_TAG_NAME;
			h->is_end = 0;
			h->ntag = 0;
			h->tag[0] = '\0';
			h->tagno++;
			name_add(h->tag, sizeof h->tag, &h->ntag, ch);
		} else if (ch == '/') {
			h->st = H_END_OPEN;
		} else if (ch == '!') {
			h->st = H_MD_OPEN;
		} else if (ch == '?') {
			h->st = H_BOGUS;
		} else if (ch != '<') {
			h->st = H_DATA;
		}
		break;
	case H_END_OPEN:
		if (is_alpha(ch)) {
			h->st = H_TAG_NAME;
			h->is_end = 1;
			h->ntag = 0;
			h->tag[0] = '\0';
			h->tagno++;
			name_add(h->tag, sizeof h->tag, &h->ntag, ch);
		} else if (ch == '>') {
			h->st = H_DATA;
		} else {
			h->st = H_BOGUS;
		}
		break;
	case H_TAG_NAME:
		if (is_ws(ch)) {
			h->st = H_BEFORE_ATTR;
		} else if (ch == '/') {
			h->st = H_SELF_CLOSE;
		} else if (ch == '>') {
			tag_end(h);
		} else {
			name_add(h->tag, sizeof h->tag, &h->ntag, ch);
		}
		break;
	case H_JOIN:
		if (!is_ws(ch) && ch != '/' && ch != '>') {
			return cerr(c, c->line, "inside <%s>, a section tag "
				"must stand between attributes (put a space "
				"after it)", h->tag);
		}
		h->st = H_BEFORE_ATTR;
		goto again;
	case H_BEFORE_ATTR:
	case H_AFTER_ATTR:
		if (is_ws(ch)) {
			break;
		}
		if (ch == '/') {
			h->st = H_SELF_CLOSE;
		} else if (ch == '>') {
			tag_end(h);
		} else if (ch == '=' && h->st == H_AFTER_ATTR) {
			h->st = H_BEFORE_VALUE;
		} else if (ch == '=' || ch == '"' || ch == '\'' ||
			ch == '<') {
			return cerr(c, c->line, "unexpected '%c' inside <%s>",
				ch, h->tag);
		} else {
			h->st = H_ATTR_NAME;
			h->nattr = 0;
			h->attr[0] = '\0';
			name_add(h->attr, sizeof h->attr, &h->nattr, ch);
		}
		break;
	case H_ATTR_NAME:
		if (is_ws(ch)) {
			h->st = H_AFTER_ATTR;
		} else if (ch == '/') {
			h->st = H_SELF_CLOSE;
		} else if (ch == '>') {
			tag_end(h);
		} else if (ch == '=') {
			h->st = H_BEFORE_VALUE;
		} else if (ch == '"' || ch == '\'' || ch == '<') {
			return cerr(c, c->line, "unexpected '%c' in attribute "
				"name %s of <%s>", ch, h->attr, h->tag);
		} else {
			name_add(h->attr, sizeof h->attr, &h->nattr, ch);
		}
		break;
	case H_BEFORE_VALUE:
		if (is_ws(ch)) {
			break;
		}
		if (ch == '>') {
			tag_end(h);
			break;
		}
		h->attrno++;
		h->akind = (unsigned char)attr_kind(h);
		if (ch == '"' || ch == '\'') {
			h->st = ch == '"' ? H_VALUE_DQ : H_VALUE_SQ;
			return EV_OPEN;
		}
		h->st = H_VALUE_UNQ;
		break;
	case H_VALUE_DQ:
		if (ch == '"') {
			h->st = H_AFTER_VALUE;
			return EV_CLOSE;
		}
		break;
	case H_VALUE_SQ:
		if (ch == '\'') {
			h->st = H_AFTER_VALUE;
			return EV_CLOSE;
		}
		break;
	case H_VALUE_UNQ:
		if (is_ws(ch)) {
			h->st = H_BEFORE_ATTR;
		} else if (ch == '>') {
			tag_end(h);
		}
		break;
	case H_AFTER_VALUE:
	case H_SELF_CLOSE:
		if (ch == '>') {
			tag_end(h);
			break;
		}
		h->st = H_BEFORE_ATTR;
		goto again;
	case H_MD_OPEN:
		if (ch == '-') {
			h->st = H_MD_DASH;
			break;
		}
		h->st = H_BOGUS;
		goto again;
	case H_MD_DASH:
		if (ch == '-') {
			h->st = H_COMMENT_START;
			break;
		}
		h->st = H_BOGUS;
		goto again;
	case H_COMMENT_START:
	case H_COMMENT_START_DASH:
		if (ch == '-') {
			h->st = h->st == H_COMMENT_START ?
				H_COMMENT_START_DASH : H_COMMENT_END;
		} else if (ch == '>') {
			h->st = H_DATA;
		} else {
			h->st = H_COMMENT;
		}
		break;
	case H_COMMENT:
		if (ch == '-') {
			h->st = H_COMMENT_END_DASH;
		}
		break;
	case H_COMMENT_END_DASH:
		h->st = ch == '-' ? H_COMMENT_END : H_COMMENT;
		break;
	case H_COMMENT_END:
		if (ch == '>') {
			h->st = H_DATA;
		} else if (ch == '!') {
			h->st = H_COMMENT_END_BANG;
		} else if (ch != '-') {
			h->st = H_COMMENT;
		}
		break;
	case H_COMMENT_END_BANG:
		if (ch == '-') {
			h->st = H_COMMENT_END_DASH;
		} else if (ch == '>') {
			h->st = H_DATA;
		} else {
			h->st = H_COMMENT;
		}
		break;
	case H_BOGUS:
		if (ch == '>') {
			h->st = H_DATA;
		}
		break;
	case H_RC:
		if (ch == '<') {
			h->st = H_RC_LT;
		}
		break;
	case H_RC_LT:
		if (ch == '/') {
			h->st = H_RC_LTS;
		} else if (ch == '!' && !h->rcdata) {
			/* "<!--" in a script changes where it ends */
			return cerr(c, c->line, "\"<!\" inside <%s> is not "
				"supported", h->tag);
		} else if (ch != '<') {
			h->st = H_RC;
		}
		break;
	case H_RC_LTS:
		if (is_alpha(ch)) {
			h->st = H_RC_NAME;
			h->nrc = 0;
			h->rc[0] = '\0';
			name_add(h->rc, sizeof h->rc, &h->nrc, ch);
			break;
		}
		h->st = H_RC;
		goto again;
	case H_RC_NAME:
		if (is_alpha(ch)) {
			name_add(h->rc, sizeof h->rc, &h->nrc, ch);
			break;
		}
		if ((is_ws(ch) || ch == '/' || ch == '>') &&
			!tag_is(h, "plaintext") &&
			name_is(h->rc, sizeof h->rc, h->nrc, h->tag)) {
			h->is_end = 1;
			h->tagno++;
			h->st = H_BEFORE_ATTR;
			goto again;
		}
		h->st = H_RC;
		goto again;
	}
	return EV_NONE;
}

static int in_tag(const struct hstate *h)
{
	switch (h->st) {
	case H_BEFORE_ATTR:
	case H_ATTR_NAME:
	case H_AFTER_ATTR:
	case H_AFTER_VALUE:
	case H_JOIN:
		return !h->is_end;
	default:
		return 0;
	}
}

/* Same position for what follows: a section may join its two paths
 * (skipped, taken) only where they agree. */
static int hs_same(const struct hstate *a, const struct hstate *b)
{
	if (a->st != b->st) {
		return 0;
	}
	switch (a->st) {
	case H_RC:
		return a->tagno == b->tagno;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		return a->attrno == b->attrno;
	case H_BEFORE_ATTR:
	case H_JOIN:
		return a->tagno == b->tagno;
	default:
		return 1;
	}
}

/* Append one literal byte to the program. */
static void text_add(struct comp *c, int ch)
{
	struct prog *p = c->p;
	struct op *last = p->nops ? &p->ops[p->nops - 1] : NULL;
	char b = (char)ch;

	if (c->cut || last == NULL || last->kind != OP_TEXT ||
		last->off + last->len != p->pool.len) {
		last = op_new(p, OP_TEXT, c->line);
		last->off = p->pool.len;
		c->cut = 0;
	}
	hd_buf_add(&p->pool, &b, 1);
	last->len++;
}

static int literal(struct comp *c, int ch)
{
	int ev = track(c, ch);

	if (ev < 0) {
		return ev;
	}
	if (ev == EV_CLOSE) {
		if (c->url_begun) {
			op_new(c->p, OP_URL_END, c->line);
		}
		c->url_pending = 0;
		c->url_begun = 0;
	}
	text_add(c, ch);
	if (ch == '\n') {
		c->line++;
	}
	if (ev == EV_OPEN && c->h.akind == AK_URL) {
		c->url_pending = 1;
		c->url_begun = 0;
		c->url_split = c->p->pool.len;
	}
	return 0;
}

/* Data is about to enter a URL attribute value: mark where the value
 * began so that the render checks it whole. */
static void dynamic(struct comp *c)
{
	struct prog *p = c->p;
	struct op *last;
	size_t tail = 0;

	if (!c->url_pending || c->url_begun) {
		return;
	}
	last = p->nops ? &p->ops[p->nops - 1] : NULL;
	if (last != NULL && last->kind == OP_TEXT &&
		c->url_split >= last->off &&
		c->url_split < last->off + last->len) {
		tail = last->off + last->len - c->url_split;
		last->len -= tail;
	}
	op_new(p, OP_URL_BEGIN, c->line);
	if (tail > 0) {
		last = op_new(p, OP_TEXT, c->line);
		last->off = c->url_split;
		last->len = tail;
	}
	c->url_begun = 1;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_ws((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ws((unsigned char)(*s)[*n - 1])) {
		(*n)--;
	}
}

static int seg_char(int ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '_' ||
		ch == '-' || ch == ':' || ch >= 0x80;
}

/* Parse a value name into op (pk, seg, nsegs).  tag: "{{...}}" as
 * written, for messages. */
static int parse_path(struct comp *c, const char *s, size_t n,
	struct op *op, const char *tag, unsigned line)
{
	static const struct {
		const char *name;
		int pk;
	} at[] = {
		{"@index", PK_INDEX}, {"@number", PK_NUMBER},
		{"@first", PK_FIRST}, {"@last", PK_LAST},
	};
	struct prog *p = c->p;
	size_t i, j;

	if (n == 1 && s[0] == '.') {
		op->pk = PK_DOT;
		return 0;
	}
	if (n > 0 && s[0] == '@') {
		for (i = 0; i < sizeof at / sizeof at[0]; i++) {
			if (strlen(at[i].name) == n &&
				memcmp(at[i].name, s, n) == 0) {
				op->pk = (unsigned char)at[i].pk;
				return 0;
			}
		}
		return cerr(c, line, "%s: unknown name (@index, @number, "
			"@first or @last)", tag);
	}
	op->pk = PK_NAME;
	op->seg = p->nsegs;
	for (i = 0; i <= n; i = j + 1) {
		for (j = i; j < n && s[j] != '.'; j++) {
			if (!seg_char((unsigned char)s[j])) {
				return cerr(c, line, "%s: '%c' is not allowed "
					"in a name", tag, s[j]);
			}
		}
		if (j == i) {
			return cerr(c, line, "%s: empty name", tag);
		}
		if (op->nsegs == TMPL_SEGS_MAX) {
			return cerr(c, line, "%s: more than %d parts", tag,
				TMPL_SEGS_MAX);
		}
		if (p->nsegs == p->capsegs) {
			p->capsegs = p->capsegs ? 2 * p->capsegs : 32;
			p->segs = hd_xrealloc(p->segs,
				p->capsegs * sizeof *p->segs);
		}
		p->segs[p->nsegs++] = p->pool.len;
		hd_buf_add(&p->pool, s + i, j - i);
		hd_buf_add(&p->pool, "", 1);
		op->nsegs++;
	}
	return 0;
}

/* Why a placeholder may not stand at h, or NULL when it may; *esc
 * receives how to escape it. */
static const char *var_refusal(const struct hstate *h, int *esc,
	char *buf, size_t n)
{
	*esc = ESC_ATTR;
	switch (h->st) {
	case H_DATA:
		*esc = ESC_TEXT;
		return NULL;
	case H_RC:
		if (h->rcdata) {
			return NULL;
		}
		snprintf(buf, n, "inside <%s>", h->tag);
		return buf;
	case H_RC_LT:
	case H_RC_LTS:
	case H_RC_NAME:
		snprintf(buf, n, "right after '<' inside <%s>", h->tag);
		return buf;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		switch (h->akind) {
		case AK_PLAIN:
		case AK_URL:
			return NULL;
		case AK_EVENT:
			snprintf(buf, n, "in event-handler attribute %s= of "
				"<%s>", h->attr, h->tag);
			return buf;
		case AK_STYLE:
			return "in a style attribute";
		case AK_SRCSET:
			return "in a srcset attribute (use src)";
		case AK_SRCDOC:
			return "in a srcdoc attribute";
		default:
			snprintf(buf, n, "inside SVG animation <%s>", h->tag);
			return buf;
		}
	case H_BEFORE_VALUE:
	case H_VALUE_UNQ:
		snprintf(buf, n, "in the unquoted value of %s= (quote the "
			"value)", h->attr);
		return buf;
	case H_TAG_OPEN:
	case H_END_OPEN:
	case H_TAG_NAME:
		return "in a tag name";
	case H_MD_OPEN:
	case H_MD_DASH:
	case H_BOGUS:
		return "inside <!...> or <?...>";
	case H_COMMENT_START:
	case H_COMMENT_START_DASH:
	case H_COMMENT:
	case H_COMMENT_END_DASH:
	case H_COMMENT_END:
	case H_COMMENT_END_BANG:
		return "inside an HTML comment";
	default:
		if (h->is_end) {
			snprintf(buf, n, "inside end tag </%s>", h->tag);
			return buf;
		}
		snprintf(buf, n, "in an attribute name position of <%s>",
			h->tag);
		return buf;
	}
}

/* A section tag ({{#x}}, {{^x}}, {{/x}}) is about to stand at c->h.
 * Inside a tag, bring the state to one of two canonical ones: between
 * attributes, or "a name may have been cut" (H_JOIN). */
static int sect_place(struct comp *c, const char *tag, unsigned line)
{
	struct hstate *h = &c->h;
	char where[160];

	switch (h->st) {
	case H_DATA:
	case H_RC:
	case H_VALUE_DQ:
	case H_VALUE_SQ:
	case H_COMMENT_START:
	case H_COMMENT_START_DASH:
	case H_COMMENT:
	case H_COMMENT_END_DASH:
	case H_COMMENT_END:
	case H_COMMENT_END_BANG:
	case H_BOGUS:
		return 0;
	case H_BEFORE_ATTR:
	case H_AFTER_ATTR:
	case H_AFTER_VALUE:
		if (!h->is_end) {
			h->st = H_BEFORE_ATTR;
			return 0;
		}
		break;
	case H_ATTR_NAME:
	case H_JOIN:
		if (!h->is_end) {
			h->st = H_JOIN;
			return 0;
		}
		break;
	default:
		break;
	}
	describe(h, where, sizeof where);
	return cerr(c, line, "%s is not allowed here (%s)", tag, where);
}

static int sect_open(struct comp *c, int sigil, const char *s, size_t n,
	const char *tag, unsigned line)
{
	struct sect *sc;
	struct op *op;
	int rc;

	if (memchr(s, '|', n) != NULL) {
		return cerr(c, line, "%s: a section takes no filter", tag);
	}
	if (c->nsect == TMPL_NEST_MAX) {
		return cerr(c, line, "%s: sections nested deeper than %d",
			tag, TMPL_NEST_MAX);
	}
	rc = sect_place(c, tag, line);
	if (rc != 0) {
		return rc;
	}
	dynamic(c);
	op = op_new(c->p, sigil == '#' ? OP_SECT : OP_INV, line);
	op->once = (unsigned char)in_tag(&c->h);
	rc = parse_path(c, s, n, op, tag, line);
	if (rc != 0) {
		return rc;
	}
	sc = &c->sect[c->nsect++];
	sc->op = c->p->nops - 1;
	sc->line = line;
	sc->h = c->h;
	sc->name = s;
	sc->nname = n;
	return 0;
}

static int sect_close(struct comp *c, const char *s, size_t n,
	const char *tag, unsigned line)
{
	struct sect *sc;
	char a[160], b[160];
	int rc;

	if (c->nsect == 0) {
		return cerr(c, line, "%s closes no section", tag);
	}
	sc = &c->sect[c->nsect - 1];
	if (sc->nname != n || memcmp(sc->name, s, n) != 0) {
		return cerr(c, line, "%s does not match {{%c%.*s}} opened at "
			"line %u", tag,
			c->p->ops[sc->op].kind == OP_SECT ? '#' : '^',
			(int)sc->nname, sc->name, sc->line);
	}
	rc = sect_place(c, tag, line);
	if (rc != 0) {
		return rc;
	}
	if (in_tag(&sc->h) && in_tag(&c->h) && sc->h.tagno == c->h.tagno) {
		if (sc->h.st == H_JOIN) {
			c->h.st = H_JOIN;
		}
	} else if (!hs_same(&sc->h, &c->h)) {
		describe(&sc->h, a, sizeof a);
		describe(&c->h, b, sizeof b);
		return cerr(c, line, "section {{%c%.*s}} opened at line %u "
			"%s ends %s; a section must start and end in the "
			"same place", c->p->ops[sc->op].kind == OP_SECT ?
			'#' : '^', (int)sc->nname, sc->name, sc->line, a, b);
	}
	c->p->ops[sc->op].end = c->p->nops;
	c->nsect--;
	c->cut = 1;
	return 0;
}

static int partial(struct comp *c, const char *s, size_t n,
	const char *tag, unsigned line)
{
	struct prog *p = c->p;
	struct op *op;
	char where[160];
	size_t i;

	if (c->h.st != H_DATA) {
		describe(&c->h, where, sizeof where);
		return cerr(c, line, "%s is allowed in HTML text only, not "
			"%s", tag, where);
	}
	trim(&s, &n);
	if (n == 0 || n > TMPL_NAME_MAX - 5 || s[0] == '/' ||
		(n >= 2 && memcmp(s, "..", 2) == 0)) {
		return cerr(c, line, "%s: bad partial name", tag);
	}
	for (i = 0; i < n; i++) {
		if (!is_alpha((unsigned char)s[i]) &&
			!(s[i] >= '0' && s[i] <= '9') && s[i] != '_' &&
			s[i] != '-' && s[i] != '.' && s[i] != '/') {
			return cerr(c, line, "%s: bad partial name", tag);
		}
		if (s[i] == '/' && i + 2 < n && s[i + 1] == '.' &&
			s[i + 2] == '.') {
			return cerr(c, line, "%s: bad partial name", tag);
		}
	}
	op = op_new(p, OP_PARTIAL, line);
	op->off = p->pool.len;
	hd_buf_add(&p->pool, s, n);
	if (n < 5 || memcmp(s + n - 5, ".html", 5) != 0) {
		hd_buf_add(&p->pool, ".html", 5);
	}
	op->len = p->pool.len - op->off;
	hd_buf_add(&p->pool, "", 1);
	return 0;
}

static int variable(struct comp *c, const char *s, size_t n,
	const char *tag, unsigned line)
{
	const char *bar = memchr(s, '|', n);
	const char *why;
	char buf[160];
	struct op *op;
	size_t np = bar != NULL ? (size_t)(bar - s) : n;
	int esc, url = 0;

	if (bar != NULL) {
		const char *f = bar + 1;
		size_t nf = n - np - 1;

		trim(&f, &nf);
		if (nf != 3 || memcmp(f, "url", 3) != 0) {
			return cerr(c, line, "%s: unknown filter '%.*s' (the "
				"one filter is |url)", tag, (int)nf, f);
		}
		url = 1;
		trim(&s, &np);
	}
	why = var_refusal(&c->h, &esc, buf, sizeof buf);
	if (why != NULL) {
		return cerr(c, line, "%s %s is not allowed", tag, why);
	}
	dynamic(c);
	op = op_new(c->p, OP_VAR, line);
	op->esc = (unsigned char)esc;
	op->url = (unsigned char)url;
	return parse_path(c, s, np, op, tag, line);
}

/* One {{...}} at c->pos. */
static int mustache(struct comp *c)
{
	size_t start = c->pos + 2, k, nl = 0, cap = TMPL_TAG_MAX;
	unsigned line = c->line;
	const char *s;
	char tag[80];
	size_t n, show;
	int rc, sigil;

	for (k = start; k < c->n && is_ws((unsigned char)c->src[k]); k++) {
	}
	if (k < c->n && c->src[k] == '!') {
		cap = 16 * TMPL_TAG_MAX;    /* comments may be longer */
	}
	for (k = start; k + 1 < c->n && k - start <= cap; k++) {
		if (c->src[k] == '}' && c->src[k + 1] == '}') {
			break;
		}
		if (c->src[k] == '\n') {
			nl++;
		}
	}
	if (k + 1 >= c->n || k - start > cap) {
		return cerr(c, line, "\"{{\" without \"}}\" (within %zu bytes)",
			cap);
	}
	s = c->src + start;
	n = k - start;
	show = n;
	if (show > 60) {
		show = 60;      /* cut on a character boundary */
		while (show > 0 && ((unsigned char)s[show] & 0xC0) == 0x80) {
			show--;
		}
	}
	snprintf(tag, sizeof tag, "{{%.*s%s}}", (int)show, s,
		show < n ? "..." : "");
	c->pos = k + 2;
	trim(&s, &n);
	sigil = n > 0 ? (unsigned char)s[0] : 0;
	rc = 0;
	switch (sigil) {
	case '!':
		break;
	case '{':
	case '&':
		rc = cerr(c, line, "%s: raw output is not supported; the C "
			"code marks HTML with tmpl_html()", tag);
		break;
	case '=':
		rc = cerr(c, line, "%s: changing delimiters is not supported",
			tag);
		break;
	case '#':
	case '^':
	case '/':
	case '>':
		s++;
		n--;
		trim(&s, &n);
		if (sigil == '/') {
			rc = sect_close(c, s, n, tag, line);
		} else if (sigil == '>') {
			rc = partial(c, s, n, tag, line);
		} else {
			rc = sect_open(c, sigil, s, n, tag, line);
		}
		break;
	default:
		rc = variable(c, s, n, tag, line);
		break;
	}
	c->line += (unsigned)nl;
	return rc;
}

/* Compile src (n bytes) read from path.  Returns 0 and *out (free with
 * prog_free), or HD_EINVAL with "path:line: why" in e. */
static int compile(const char *path, const char *src, size_t n,
	struct prog **out, struct hd_error *e)
{
	struct comp c;
	char where[160];
	int rc = 0;

	memset(&c, 0, sizeof c);
	c.path = path;
	c.src = src;
	c.n = n;
	c.line = 1;
	c.e = e;
	c.h.st = H_DATA;
	c.p = hd_xcalloc(1, sizeof *c.p);
	hd_buf_init(&c.p->pool);
	while (rc == 0 && c.pos < c.n) {
		if (c.src[c.pos] == '{' && c.pos + 1 < c.n &&
			c.src[c.pos + 1] == '{') {
			if (c.pos + 2 < c.n && c.src[c.pos + 2] == '{') {
				rc = cerr(&c, c.line, "\"{{{\": raw output is "
					"not supported; the C code marks HTML "
					"with tmpl_html()");
				break;
			}
			rc = mustache(&c);
			continue;
		}
		rc = literal(&c, (unsigned char)c.src[c.pos]);
		c.pos++;
	}
	if (rc == 0 && c.nsect > 0) {
		struct sect *sc = &c.sect[c.nsect - 1];

		rc = cerr(&c, sc->line, "{{%c%.*s}} is never closed (no "
			"{{/%.*s}})", c.p->ops[sc->op].kind == OP_SECT ?
			'#' : '^', (int)sc->nname, sc->name, (int)sc->nname,
			sc->name);
	}
	if (rc == 0 && c.h.st != H_DATA) {
		describe(&c.h, where, sizeof where);
		rc = cerr(&c, c.h.since, "the template ends %s (begun here)",
			where);
	}
	if (rc != 0) {
		prog_free(c.p);
		return rc;
	}
	*out = c.p;
	return 0;
}

/* ------------------------------------------------------------- values */

/* A value for a context that {{x}} writes raw in HTML text (and escaped
 * anywhere else).  Returns a new reference (the caller owns it, usually
 * by handing it to json_object_set_new); NULL html is "". */
json_t *tmpl_html(const char *html)
{
	json_t *o = json_object();
	json_t *s = json_string_nocheck(html != NULL ? html : "");

	if (o == NULL || s == NULL ||
		json_object_setn_new_nocheck(o, HTML_KEY, HTML_KEYLEN,
		s) != 0) {
		abort();        /* out of memory: the one permitted exit */
	}
	return o;
}

/* The HTML of a tmpl_html() value, or NULL. */
static json_t *html_of(json_t *v)
{
	json_t *s;

	if (!json_is_object(v) || json_object_size(v) != 1) {
		return NULL;
	}
	s = json_object_getn(v, HTML_KEY, HTML_KEYLEN);
	return json_is_string(s) ? s : NULL;
}

enum { V_JSON, V_INT, V_BOOL };

struct val {
	int kind;
	json_t *j;              /* V_JSON; NULL when missing */
	long long i;            /* V_INT, V_BOOL */
};

struct frame {
	json_t *v;
	size_t i, n;            /* loop: position and count */
	int loop;
};

struct rstate {
	struct tmpl_set *ts;
	struct hd_buf *out;
	size_t start;           /* out->len when the render began */
	size_t url_at;          /* where the current URL value began */
	struct frame fr[TMPL_FRAMES_MAX];
	size_t nfr;
	int depth;              /* partials */
	const char *name;       /* the template asked for */
	struct hd_error *e;
};

static struct val lookup(const struct rstate *r, const struct prog *p,
	const struct op *op)
{
	struct val v = {V_JSON, NULL, 0};
	const struct frame *f = NULL;
	size_t k;

	if (op->pk == PK_DOT) {
		v.j = r->nfr > 0 ? r->fr[r->nfr - 1].v : NULL;
		return v;
	}
	if (op->pk != PK_NAME) {
		for (k = r->nfr; k-- > 0;) {
			if (r->fr[k].loop) {
				f = &r->fr[k];
				break;
			}
		}
		if (f == NULL) {
			return v;
		}
		v.kind = op->pk == PK_INDEX || op->pk == PK_NUMBER ? V_INT :
			V_BOOL;
		v.i = op->pk == PK_INDEX ? (long long)f->i :
			op->pk == PK_NUMBER ? (long long)f->i + 1 :
			op->pk == PK_FIRST ? f->i == 0 : f->i + 1 == f->n;
		return v;
	}
	for (k = r->nfr; k-- > 0;) {
		if (json_is_object(r->fr[k].v)) {
			v.j = json_object_get(r->fr[k].v,
				p->pool.p + p->segs[op->seg]);
			if (v.j != NULL) {
				break;
			}
		}
	}
	for (k = 1; k < op->nsegs && v.j != NULL; k++) {
		v.j = json_is_object(v.j) ? json_object_get(v.j,
			p->pool.p + p->segs[op->seg + k]) : NULL;
	}
	return v;
}

static int truthy(struct val v)
{
	json_t *h;

	if (v.kind != V_JSON) {
		return v.i != 0;
	}
	if (v.j == NULL) {
		return 0;
	}
	switch (json_typeof(v.j)) {
	case JSON_TRUE:
		return 1;
	case JSON_INTEGER:
		return json_integer_value(v.j) != 0;
	case JSON_REAL:
		return json_real_value(v.j) != 0.0;
	case JSON_STRING:
		return json_string_length(v.j) > 0;
	case JSON_ARRAY:
		return json_array_size(v.j) > 0;
	case JSON_OBJECT:
		h = html_of(v.j);
		return h == NULL || json_string_length(h) > 0;
	default:
		return 0;
	}
}

static void put_url(struct hd_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[3] = {'%', 0, 0};
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '-' ||
			ch == '.' || ch == '_' || ch == '~') {
			continue;
		}
		hd_buf_add(out, s + run, i - run);
		enc[1] = hex[ch >> 4];
		enc[2] = hex[ch & 15];
		hd_buf_add(out, enc, 3);
		run = i + 1;
	}
	hd_buf_add(out, s + run, n - run);
}

static void emit(struct rstate *r, const struct op *op, struct val v)
{
	char num[64];
	const char *s = num;
	size_t n = 0;
	json_t *h;
	int raw = 0;

	if (v.kind == V_INT) {
		n = (size_t)snprintf(num, sizeof num, "%lld", v.i);
	} else if (v.kind == V_BOOL) {
		s = v.i ? "true" : "false";
		n = strlen(s);
	} else if (v.j == NULL) {
		return;
	} else {
		switch (json_typeof(v.j)) {
		case JSON_STRING:
			s = json_string_value(v.j);
			n = json_string_length(v.j);
			break;
		case JSON_INTEGER:
			n = (size_t)snprintf(num, sizeof num,
				"%" JSON_INTEGER_FORMAT,
				json_integer_value(v.j));
			break;
		case JSON_REAL:
			n = (size_t)snprintf(num, sizeof num, "%.15g",
				json_real_value(v.j));
			break;
		case JSON_TRUE:
			s = "true";
			n = 4;
			break;
		case JSON_FALSE:
			s = "false";
			n = 5;
			break;
		case JSON_OBJECT:
			h = html_of(v.j);
			if (h == NULL) {
				return;
			}
			s = json_string_value(h);
			n = json_string_length(h);
			raw = 1;
			break;
		default:
			return;
		}
	}
	if (op->url) {
		put_url(r->out, s, n);
	} else if (raw && op->esc == ESC_TEXT) {
		hd_buf_add(r->out, s, n);
	} else {
		hd_buf_html(r->out, s, n);
	}
}

/* An entity our escaping or an author's may leave in an attribute and
 * that cannot stand for ':', '/', '?' or '#': its length, or 0. */
static size_t safe_entity(const char *s, size_t n)
{
	static const char *const ok[] = {"&amp;", "&lt;", "&gt;", "&quot;",
		"&#39;", NULL};
	size_t i, m;

	for (i = 0; ok[i] != NULL; i++) {
		m = strlen(ok[i]);
		if (m <= n && memcmp(s, ok[i], m) == 0) {
			return m;
		}
	}
	return 0;
}

/* 1 when the attribute value s (as written to the page) is a relative
 * URL or starts with an allowed scheme.  Browsers drop leading spaces
 * and controls and every tab and newline, so this does too; an entity
 * that could hide a ':' before the first '/', '?' or '#' fails. */
static int url_safe(const char *s, size_t n)
{
	static const char *const schemes[] = {"http", "https", "mailto",
		"tel", NULL};
	char sch[8];
	size_t i = 0, k = 0, m;
	int bad = 0;

	while (i < n && (unsigned char)s[i] <= 0x20) {
		i++;
	}
	for (; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '\t' || ch == '\n' || ch == '\r') {
			continue;
		}
		if (ch == '/' || ch == '?' || ch == '#') {
			return 1;
		}
		if (ch == ':') {
			if (bad || k == 0) {
				return 0;
			}
			sch[k] = '\0';
			for (m = 0; schemes[m] != NULL; m++) {
				if (strcmp(sch, schemes[m]) == 0) {
					return 1;
				}
			}
			return 0;
		}
		if (ch == '&') {
			m = safe_entity(s + i, n - i);
			if (m == 0) {
				return 0;
			}
			i += m - 1;
			bad = 1;
			continue;
		}
		if (k < sizeof sch - 1 && (is_alpha(ch) ||
			(ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
			ch == '.')) {
			sch[k++] = (char)lower(ch);
		} else {
			bad = 1;
		}
	}
	return 1;
}

static const struct prog *find_prog(const struct tmpl_set *ts,
	const char *name);

static int run(struct rstate *r, const struct prog *p, size_t from,
	size_t to);

static int push(struct rstate *r, json_t *v, size_t i, size_t n, int loop)
{
	struct frame *f;

	if (r->nfr == TMPL_FRAMES_MAX) {
		return hd_err(r->e, HD_ELIMIT, "%s: sections nested deeper "
			"than %d", r->name, TMPL_FRAMES_MAX);
	}
	f = &r->fr[r->nfr++];
	f->v = v;
	f->i = i;
	f->n = n;
	f->loop = loop;
	return 0;
}

static int too_big(struct rstate *r)
{
	if (r->out->len - r->start > TMPL_OUT_MAX) {
		return hd_err(r->e, HD_ELIMIT, "%s: the page passes %u MiB",
			r->name, TMPL_OUT_MAX >> 20);
	}
	return 0;
}

static int section(struct rstate *r, const struct prog *p, size_t at)
{
	const struct op *op = &p->ops[at];
	struct val v = lookup(r, p, op);
	size_t i, n;
	int rc;

	if (op->kind == OP_INV) {
		return truthy(v) ? 0 : run(r, p, at + 1, op->end);
	}
	if (!truthy(v)) {
		return 0;
	}
	if (v.kind != V_JSON || (json_is_array(v.j) && op->once)) {
		return run(r, p, at + 1, op->end);
	}
	if (!json_is_array(v.j)) {
		rc = push(r, v.j, 0, 0, 0);
		if (rc == 0) {
			rc = run(r, p, at + 1, op->end);
			r->nfr--;
		}
		return rc;
	}
	n = json_array_size(v.j);
	for (i = 0; i < n; i++) {
		rc = push(r, json_array_get(v.j, i), i, n, 1);
		if (rc != 0) {
			return rc;
		}
		rc = run(r, p, at + 1, op->end);
		r->nfr--;
		if (rc == 0) {
			rc = too_big(r);
		}
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

static int run(struct rstate *r, const struct prog *p, size_t from,
	size_t to)
{
	const struct prog *q;
	const struct op *op;
	size_t i = from;
	int rc;

	while (i < to) {
		op = &p->ops[i];
		switch (op->kind) {
		case OP_TEXT:
			hd_buf_add(r->out, p->pool.p + op->off, op->len);
			i++;
			break;
		case OP_VAR:
			emit(r, op, lookup(r, p, op));
			rc = too_big(r);
			if (rc != 0) {
				return rc;
			}
			i++;
			break;
		case OP_SECT:
		case OP_INV:
			rc = section(r, p, i);
			if (rc != 0) {
				return rc;
			}
			i = op->end;
			break;
		case OP_PARTIAL:
			q = find_prog(r->ts, p->pool.p + op->off);
			if (q == NULL) {
				return hd_err(r->e, HD_ENOTFOUND, "%s: partial "
					"%s not found", r->name,
					p->pool.p + op->off);
			}
			if (r->depth == TMPL_PARTIAL_MAX) {
				return hd_err(r->e, HD_ELIMIT, "%s: partials "
					"nested deeper than %d (%s includes "
					"itself?)", r->name, TMPL_PARTIAL_MAX,
					p->pool.p + op->off);
			}
			r->depth++;
			rc = run(r, q, 0, q->nops);
			r->depth--;
			if (rc != 0) {
				return rc;
			}
			i++;
			break;
		case OP_URL_BEGIN:
			r->url_at = r->out->len;
			i++;
			break;
		case OP_URL_END:
			if (!url_safe(r->out->p + r->url_at,
				r->out->len - r->url_at)) {
				r->out->len = r->url_at;
				hd_buf_add(r->out, "#", 1);
			}
			i++;
			break;
		default:
			i++;
			break;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- sets */

struct fid {                    /* what tells a file changed */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
};

struct tfile {
	char *name;             /* "record.html", "partials/x.html" */
	char *path;             /* the file its prog came from */
	struct fid id;
	char *seen_path;        /* the last version tried (errors are */
	struct fid seen;        /* reported once per version) */
	struct prog *prog;      /* NULL: never compiled */
};

struct tmpl_set {
	pthread_rwlock_t lock;  /* renders: shared; swaps: exclusive */
	pthread_mutex_t mu;     /* one refresh at a time */
	char **dirs;
	size_t ndirs;
	struct tfile *f;        /* sorted by name */
	size_t nf;
	atomic_llong next_ms;   /* monotonic ms of the next check */
};

struct cand {
	char *name;
	char *path;
	struct fid id;
	size_t order;           /* folder index: earlier wins */
};

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int fid_eq(const struct fid *a, const struct fid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		a->mtim.tv_sec == b->mtim.tv_sec &&
		a->mtim.tv_nsec == b->mtim.tv_nsec;
}

static int tfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tfile *)a)->name,
		((const struct tfile *)b)->name);
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	if (d != 0) {
		return d;
	}
	return x->order < y->order ? -1 : x->order > y->order;
}

static struct tfile *find_file(const struct tmpl_set *ts, const char *name)
{
	struct tfile key;

	key.name = (char *)name;
	if (ts->nf == 0) {
		return NULL;
	}
	return bsearch(&key, ts->f, ts->nf, sizeof *ts->f, tfile_cmp);
}

static const struct prog *find_prog(const struct tmpl_set *ts,
	const char *name)
{
	struct tfile *t = find_file(ts, name);

	return t != NULL ? t->prog : NULL;
}

static void cands_free(struct cand *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

/* List the *.html files of one folder (and of its partials/). */
static int scan_dir(const char *dir, size_t order, struct cand **v,
	size_t *n, size_t *cap, struct hd_error *e)
{
	static const char *const subs[] = {"", "partials/"};
	struct dirent *de;
	struct stat st;
	char *dp, *path;
	size_t s, len;
	DIR *d;

	for (s = 0; s < 2; s++) {
		dp = hd_xasprintf("%s/%s", dir, subs[s]);
		d = opendir(dp);
		if (d == NULL) {
			int err = errno;

			free(dp);
			if (err == ENOENT || err == ENOTDIR) {
				continue;
			}
			return hd_err(e, HD_EIO, "%s%s: %s", dir,
				s ? "/partials" : "", strerror(err));
		}
		for (;;) {
			de = readdir(d);
			if (de == NULL) {
				break;
			}
			len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len < 6 ||
				strcmp(de->d_name + len - 5, ".html") != 0 ||
				len + strlen(subs[s]) > TMPL_NAME_MAX) {
				continue;
			}
			path = hd_xasprintf("%s%s", dp, de->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
				free(path);
				continue;
			}
			if (*n == TMPL_FILES_MAX * 2) {
				free(path);
				closedir(d);
				free(dp);
				return hd_err(e, HD_ELIMIT, "%s: more than %d "
					"templates", dir, TMPL_FILES_MAX);
			}
			if (*n == *cap) {
				*cap = *cap ? 2 * *cap : 64;
				*v = hd_xrealloc(*v, *cap * sizeof **v);
			}
			(*v)[*n].name = hd_xasprintf("%s%s", subs[s],
				de->d_name);
			(*v)[*n].path = path;
			(*v)[*n].id.dev = st.st_dev;
			(*v)[*n].id.ino = st.st_ino;
			(*v)[*n].id.size = st.st_size;
			(*v)[*n].id.mtim = st.st_mtim;
			(*v)[*n].order = order;
			(*n)++;
		}
		closedir(d);
		free(dp);
	}
	return 0;
}

/* Every template file of the set's folders, the first folder's winning,
 * sorted by name.  Folders that do not exist are empty. */
static int scan(const struct tmpl_set *ts, struct cand **out, size_t *nout,
	struct hd_error *e)
{
	struct cand *v = NULL;
	size_t n = 0, cap = 0, i, j;
	int rc;

	for (i = 0; i < ts->ndirs; i++) {
		rc = scan_dir(ts->dirs[i], i, &v, &n, &cap, e);
		if (rc != 0) {
			cands_free(v, n);
			return rc;
		}
	}
	if (n > 0) {
		qsort(v, n, sizeof *v, cand_cmp);
	}
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(v[j - 1].name, v[i].name) == 0) {
			free(v[i].name);
			free(v[i].path);
			continue;
		}
		v[j++] = v[i];
	}
	if (j > TMPL_FILES_MAX) {
		cands_free(v, j);
		return hd_err(e, HD_ELIMIT, "more than %d templates",
			TMPL_FILES_MAX);
	}
	*out = v;
	*nout = j;
	return 0;
}

static int compile_file(const char *path, struct prog **out,
	struct hd_error *e)
{
	unsigned char *buf;
	size_t n;
	int more = 0, rc;

	if (hd_read_file(path, TMPL_FILE_MAX, &buf, &n, &more) != 0) {
		return hd_err(e, HD_EIO, "%s: %s", path, strerror(errno));
	}
	if (more) {
		free(buf);
		return hd_err(e, HD_ELIMIT, "%s: larger than %d KiB", path,
			TMPL_FILE_MAX / 1024);
	}
	if (!hd_utf8_valid((const char *)buf, n)) {
		free(buf);
		return hd_err(e, HD_EINVAL, "%s: not valid UTF-8", path);
	}
	rc = compile(path, (const char *)buf, n, out, e);
	free(buf);
	return rc;
}

/* Every partial p names must be a template with a program; have(name)
 * says so. */
static int link_check(const char *path, const struct prog *p,
	int (*have)(const void *, const char *), const void *arg,
	struct hd_error *e)
{
	size_t i;

	for (i = 0; i < p->nops; i++) {
		if (p->ops[i].kind == OP_PARTIAL &&
			!have(arg, p->pool.p + p->ops[i].off)) {
			return hd_err(e, HD_EINVAL, "%s:%u: partial %s not "
				"found", path, p->ops[i].line,
				p->pool.p + p->ops[i].off);
		}
	}
	return 0;
}

static int have_in_set(const void *arg, const char *name)
{
	return find_prog(arg, name) != NULL;
}

static void tfile_release(struct tfile *t)
{
	free(t->name);
	free(t->path);
	free(t->seen_path);
	prog_free(t->prog);
}

/* Free the set and every compiled template.  No render or refresh may
 * be running.  Accepts NULL. */
void tmpl_close(struct tmpl_set *ts)
{
	size_t i;

	if (ts == NULL) {
		return;
	}
	for (i = 0; i < ts->nf; i++) {
		tfile_release(&ts->f[i]);
	}
	free(ts->f);
	for (i = 0; i < ts->ndirs; i++) {
		free(ts->dirs[i]);
	}
	free(ts->dirs);
	pthread_rwlock_destroy(&ts->lock);
	pthread_mutex_destroy(&ts->mu);
	free(ts);
}

/* Load and compile every *.html (and partials/ *.html) of the folders,
 * the earlier folder winning by name; a folder that does not exist is
 * empty.  Returns 0 with *out (free with tmpl_close); HD_EINVAL with
 * "path:line: why" when a template does not compile or names a missing
 * partial; HD_ELIMIT for a file over 256 KiB or more than 1024 files;
 * HD_ENOTFOUND when no folder holds a template; HD_EIO. */
int tmpl_open(struct tmpl_set **out, const char *const *dirs, size_t ndirs,
	struct hd_error *e)
{
	pthread_rwlockattr_t attr;
	struct tmpl_set *ts;
	struct cand *v = NULL;
	size_t n = 0, i;
	int rc;

	*out = NULL;
	if (dirs == NULL || ndirs == 0) {
		return hd_err(e, HD_EUSAGE, "tmpl_open: no folders");
	}
	ts = hd_xcalloc(1, sizeof *ts);
	/* Writers first: a refresh must not starve behind 8 renderers. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&ts->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&ts->mu, NULL);
	ts->dirs = hd_xcalloc(ndirs, sizeof *ts->dirs);
	for (i = 0; i < ndirs; i++) {
		ts->dirs[i] = hd_xstrdup(dirs[i]);
	}
	ts->ndirs = ndirs;
	rc = scan(ts, &v, &n, e);
	if (rc != 0) {
		goto fail;
	}
	if (n == 0) {
		rc = hd_err(e, HD_ENOTFOUND, "%s: no templates (*.html)",
			dirs[ndirs - 1]);
		goto fail;
	}
	ts->f = hd_xcalloc(n, sizeof *ts->f);
	for (i = 0; i < n; i++) {
		struct tfile *t = &ts->f[ts->nf++];

		t->name = v[i].name;
		t->path = v[i].path;
		t->id = v[i].id;
		t->seen = v[i].id;
		t->seen_path = hd_xstrdup(v[i].path);
		v[i].name = v[i].path = NULL;
		rc = compile_file(t->path, &t->prog, e);
		if (rc != 0) {
			goto fail;
		}
	}
	for (i = 0; i < ts->nf; i++) {
		rc = link_check(ts->f[i].path, ts->f[i].prog, have_in_set, ts,
			e);
		if (rc != 0) {
			goto fail;
		}
	}
	cands_free(v, n);
	atomic_store(&ts->next_ms, now_ms() + TMPL_CHECK_MS);
	*out = ts;
	return 0;
fail:
	cands_free(v, n);
	tmpl_close(ts);
	return rc;
}

struct upd {
	struct cand *c;         /* the file (owned by the cands list) */
	struct tfile *t;        /* its current entry, or NULL for new */
	struct prog *prog;      /* NULL when it failed */
};

struct upd_view {
	const struct tmpl_set *ts;
	const struct upd *u;
	size_t n;
};

static int have_after(const void *arg, const char *name)
{
	const struct upd_view *w = arg;
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (strcmp(w->u[i].c->name, name) == 0) {
			return w->u[i].prog != NULL ||
				(w->u[i].t != NULL && w->u[i].t->prog != NULL);
		}
	}
	return find_prog(w->ts, name) != NULL;
}

/* Holding ts->mu: compile what changed, then swap it in. */
static int refresh_locked(struct tmpl_set *ts, int force,
	struct hd_error *e)
{
	struct hd_error err2, *first = e;
	struct cand *v = NULL;
	struct upd *u = NULL;
	struct upd_view w;
	struct prog **old = NULL;
	size_t n = 0, nu = 0, nold = 0, nnew = 0, i;
	int rc, ret = 0;
	struct tfile *t;

	rc = scan(ts, &v, &n, e);
	if (rc != 0) {
		return rc;
	}
	u = hd_xcalloc(n ? n : 1, sizeof *u);
	for (i = 0; i < n; i++) {
		t = find_file(ts, v[i].name);
		if (t != NULL && !force && t->prog != NULL &&
			strcmp(t->path, v[i].path) == 0 &&
			fid_eq(&t->id, &v[i].id)) {
			continue;
		}
		if (t != NULL && !force && t->seen_path != NULL &&
			strcmp(t->seen_path, v[i].path) == 0 &&
			fid_eq(&t->seen, &v[i].id)) {
			continue;   /* this version failed: said once */
		}
		u[nu].c = &v[i];
		u[nu].t = t;
		rc = compile_file(v[i].path, &u[nu].prog, ret ? &err2 : first);
		if (rc != 0 && ret == 0) {
			ret = rc;
		}
		nu++;
	}
	w.ts = ts;
	w.u = u;
	w.n = nu;
	for (i = 0; i < nu; i++) {
		if (u[i].prog == NULL) {
			continue;
		}
		rc = link_check(u[i].c->path, u[i].prog, have_after, &w,
			ret ? &err2 : first);
		if (rc != 0) {
			prog_free(u[i].prog);
			u[i].prog = NULL;
			if (ret == 0) {
				ret = rc;
			}
		}
	}
	if (nu == 0) {
		free(u);
		cands_free(v, n);
		return 0;
	}
	old = hd_xcalloc(nu, sizeof *old);
	pthread_rwlock_wrlock(&ts->lock);
	for (i = 0; i < nu; i++) {
		nnew += u[i].t == NULL;
	}
	if (nnew > 0) {
		ts->f = hd_xrealloc(ts->f, (ts->nf + nnew) * sizeof *ts->f);
	}
	/* the entries already there first, while the array is sorted */
	for (i = 0; i < nu; i++) {
		u[i].t = u[i].t != NULL ? find_file(ts, u[i].c->name) : NULL;
	}
	for (i = 0; i < nu; i++) {
		struct cand *c = u[i].c;

		t = u[i].t;
		if (t == NULL) {
			t = &ts->f[ts->nf++];
			memset(t, 0, sizeof *t);
			t->name = hd_xstrdup(c->name);
		}
		free(t->seen_path);
		t->seen_path = hd_xstrdup(c->path);
		t->seen = c->id;
		if (u[i].prog != NULL) {
			old[nold++] = t->prog;
			t->prog = u[i].prog;
			free(t->path);
			t->path = hd_xstrdup(c->path);
			t->id = c->id;
		}
	}
	if (nnew > 0) {
		qsort(ts->f, ts->nf, sizeof *ts->f, tfile_cmp);
	}
	pthread_rwlock_unlock(&ts->lock);
	for (i = 0; i < nold; i++) {
		prog_free(old[i]);
	}
	free(old);
	free(u);
	cands_free(v, n);
	return ret;
}

/* Rescan the folders (at most once a second unless force; a call that
 * finds another thread refreshing returns at once) and recompile files
 * that changed, appeared, or now come from another folder.  Compiled
 * templates are swapped in under the write lock; one that fails keeps
 * its previous version, and its error is returned once per version of
 * the file (force reports it again).  Returns 0 or the first error. */
int tmpl_refresh(struct tmpl_set *ts, int force, struct hd_error *e)
{
	long long now = now_ms();
	int rc;

	if (ts == NULL) {
		return hd_err(e, HD_EUSAGE, "tmpl_refresh: no set");
	}
	if (!force) {
		if (now < atomic_load(&ts->next_ms)) {
			return 0;
		}
		if (pthread_mutex_trylock(&ts->mu) != 0) {
			return 0;   /* another thread is at it */
		}
		if (now < atomic_load(&ts->next_ms)) {
			pthread_mutex_unlock(&ts->mu);
			return 0;
		}
	} else {
		pthread_mutex_lock(&ts->mu);
	}
	rc = refresh_locked(ts, force, e);
	atomic_store(&ts->next_ms, now_ms() + TMPL_CHECK_MS);
	pthread_mutex_unlock(&ts->mu);
	return rc;
}

/* Append template name ("record.html", or "record") rendered with ctx
 * to out.  ctx is only read (it may be shared between threads).  Returns
 * 0; HD_ENOTFOUND (unknown template or partial); HD_ELIMIT (page over
 * 8 MiB, partials deeper than 16, sections deeper than 128).  On an
 * error out is left as it was. */
int tmpl_render(struct tmpl_set *ts, const char *name, json_t *ctx,
	struct hd_buf *out, struct hd_error *e)
{
	struct rstate *r;
	const struct prog *p;
	char alt[TMPL_NAME_MAX + 8];
	size_t start;
	int rc;

	if (ts == NULL || name == NULL || out == NULL) {
		return hd_err(e, HD_EUSAGE, "tmpl_render: missing argument");
	}
	/* the frames are 4 KiB: keep them off small thread stacks */
	r = hd_xmalloc(sizeof *r);
	pthread_rwlock_rdlock(&ts->lock);
	p = find_prog(ts, name);
	if (p == NULL && strlen(name) < TMPL_NAME_MAX &&
		strchr(name, '.') == NULL) {
		snprintf(alt, sizeof alt, "%s.html", name);
		p = find_prog(ts, alt);
	}
	if (p == NULL) {
		pthread_rwlock_unlock(&ts->lock);
		free(r);
		return hd_err(e, HD_ENOTFOUND, "template %s not found", name);
	}
	start = out->len;
	r->ts = ts;
	r->out = out;
	r->start = start;
	r->url_at = start;
	r->nfr = 0;
	r->depth = 0;
	r->name = name;
	r->e = e;
	rc = ctx != NULL ? push(r, ctx, 0, 0, 0) : 0;
	if (rc == 0) {
		rc = run(r, p, 0, p->nops);
	}
	pthread_rwlock_unlock(&ts->lock);
	free(r);
	if (rc != 0 && out->p != NULL) {
		out->len = start;   /* no half page */
		out->p[start] = '\0';
	}
	return rc;
}
