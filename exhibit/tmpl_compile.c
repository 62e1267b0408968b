/*
 * tmpl_compile.c - the template compiler: a template file becomes a
 * program of operations (exhibit/tmpl.h).  A small HTML state machine
 * follows the text so that every placeholder gets the escaping of the
 * place where it stands, and placeholders where no escaping makes data
 * safe (inside <script> or <style>, comments, on*, style or srcset
 * attributes, unquoted values, tag and attribute names) fail the compile
 * with file and line.  See template.c for the syntax.
 */
#include "tmpl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Free a compiled program and everything it holds; NULL is ignored. */
void tmpl_prog_free(struct prog *p)
{
	if (p == NULL) {
		return;
	}
	free(p->ops);
	hd_buf_release(&p->pool);
	free(p->segs);
	free(p);
}

/* Append a zeroed op of kind, from source line, to p; returns it
 * (valid until the next op_new). */
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

/* 1 for HTML's ASCII white space. */
static int is_ws(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\f';
}

/* 1 for an ASCII letter, whatever the locale. */
int tmpl_is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* ch in ASCII lower case, whatever the locale. */
int tmpl_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Add ch, lower-cased, to the name in buf (size bytes) of length *n;
 * a name too long for buf stops growing there, before the first
 * character that does not fit whole (messages quote it: it stays
 * UTF-8), while *n counts on (to 255), so it can match nothing. */
static void name_add(char *buf, size_t size, unsigned char *n, int ch)
{
	size_t len = strlen(buf);
	size_t need = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;

	if (len == *n && len + need <= size - 1) {
		buf[len] = (char)tmpl_lower(ch);
		buf[len + 1] = '\0';
	}
	if (*n < 255) {
		(*n)++;
	}
}

/* 1 when the name in buf (length n, see name_add) is s. */
static int name_is(const char *buf, size_t size, unsigned char n,
	const char *s)
{
	return n < size - 1 && strcmp(buf, s) == 0;
}

/* 1 when the tag h is in is called s (lower case). */
static int tag_is(const struct hstate *h, const char *s)
{
	return name_is(h->tag, sizeof h->tag, h->ntag, s);
}

/* 1 when the attribute h is in is called s (lower case). */
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

/* The enum akind of the attribute h is in: any attribute of an SVG
 * animation element, on*, style, srcset, srcdoc, a URL attribute
 * (url_attrs), or plain. */
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

/* A compile error: HD_EINVAL with "path:line: message" in c->e, on one
 * line (a control character the message quotes from the template, such
 * as the line break inside a tag, becomes a space). */
static int cerr(struct comp *c, unsigned line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (i = 0; msg[i] != '\0'; i++) {
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7F) {
			msg[i] = ' ';
		}
	}
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
		if (tmpl_is_alpha(ch)) {
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
		if (tmpl_is_alpha(ch)) {
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
		if (tmpl_is_alpha(ch)) {
			h->st = H_RC_NAME;
			h->nrc = 0;
			h->rc[0] = '\0';
			name_add(h->rc, sizeof h->rc, &h->nrc, ch);
			break;
		}
		h->st = H_RC;
		goto again;
	case H_RC_NAME:
		if (tmpl_is_alpha(ch)) {
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

/* 1 when h is inside a start tag, between attributes (where a section
 * may add or leave out whole attributes). */
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

/* Take one literal byte of the template: follow it in the HTML state
 * (an error for what the state machine refuses), end a URL attribute's
 * dynamic value when its quote closes (OP_URL_END), append the byte and
 * note where a URL attribute's value begins.  0 or a negative code. */
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

/* Drop white space at both ends of s[0..n), moving *s and *n. */
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

/* 1 for a byte a part of a value name may hold (letters, digits,
 * "_-:" and any non-ASCII byte). */
static int seg_char(int ch)
{
	return tmpl_is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '_' ||
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

/* {{#name}} (sigil '#') or {{^name}} ('^'): check the place
 * (sect_place), open an OP_SECT or OP_INV (once when inside a tag) and
 * remember where it opened, to check its end against.  No filter, at
 * most TMPL_NEST_MAX deep.  0 or a compile error. */
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

/* {{/name}}: it must close the innermost open section, by the same
 * name, in the same HTML place it opened (or both within one tag's
 * attributes), so every path through it leaves the HTML in one state.
 * Sets the section's end.  0 or a compile error. */
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

/* {{> name}}: in HTML text only, a name of letters, digits and "_-./"
 * that neither starts with '/' nor climbs with "..", ".html" added when
 * missing; an OP_PARTIAL naming it.  0 or a compile error. */
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
		if (!tmpl_is_alpha((unsigned char)s[i]) &&
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

/* {{name}} or {{name|url}}: an OP_VAR escaped for where it stands
 * (var_refusal refuses the places no escaping makes safe), marking a
 * URL attribute's value as dynamic.  0 or a compile error. */
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
int tmpl_compile(const char *path, const char *src, size_t n,
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
		tmpl_prog_free(c.p);
		return rc;
	}
	*out = c.p;
	return 0;
}

