/*
 * demo_steps.c - the steps of an archive procedure, read from the
 * archive's own procedure record (操作规程) for the demonstrations.
 *
 * Archivists write their procedures as they please: Markdown with "1."
 * lists or "##" headings, HTML with <ol>, <ul> and <h2>, or plain text
 * in the forms of Chinese official documents ("一、" above "（一）"
 * above "1." above "（1）").  The text is cut into blocks (headings,
 * list items, paragraphs) and the steps chosen from them as demo.h says;
 * an HTML file is read through its outline (text_outline), so its lists
 * and headings count as the Markdown ones do.  Nothing here writes: the
 * record is read from the archive the page was given.
 */
#include "demo.h"
#include "pages.h"
#include "../ingest/ingest.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The most of a procedure file that is read. */
#define PROC_FILE_CAP ((size_t)1 << 20)
/* Characters a step's title has at most when taken before a colon. */
#define TITLE_MAX 12

enum blk_kind { B_TEXT, B_HEAD, B_ITEM };

/* Item styles, outermost first: 一、 above （一） above 第一步 above 1.
 * above （1）; bullets are a list of their own, ranked last. */
enum item_style {
	ST_CN = 1, ST_PCN, ST_STEP, ST_NUM, ST_PNUM, ST_BULLET
};

struct blk {
	enum blk_kind kind;
	int level;              /* heading: 1-6; item: enum item_style */
	struct hd_buf text;     /* trimmed, NUL-terminated */
};

struct blocks {
	struct blk *v;
	size_t n;
};

/* 1 for ASCII and ideographic white space. */
static int is_space_at(const char *p)
{
	return *p == ' ' || *p == '\t' ||
	    memcmp(p, "\xE3\x80\x80", 3) == 0;      /* U+3000 */
}

/* p after leading white space. */
static const char *skip_space(const char *p)
{
	while (*p != '\0' && is_space_at(p)) {
		p += *p == ' ' || *p == '\t' ? 1 : 3;
	}
	return p;
}

/* 1 when c is a Chinese numeral of a list mark (一 to 十). */
static int cn_numeral(gunichar c)
{
	static const gunichar d[] = {
		0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03,
		0x516B, 0x4E5D, 0x5341,
	};
	size_t i;

	for (i = 0; i < sizeof d / sizeof d[0]; i++) {
		if (c == d[i]) {
			return 1;
		}
	}
	return 0;
}

/* p after a run of 1 to max characters that pass ok, or NULL. */
static const char *run_of(const char *p, int (*ok)(gunichar), int max)
{
	int n = 0;

	while (*p != '\0' && n < max && ok(g_utf8_get_char(p))) {
		p = g_utf8_next_char(p);
		n++;
	}
	return n > 0 && (*p == '\0' || !ok(g_utf8_get_char(p))) ? p : NULL;
}

/* 1 when c is an ASCII digit. */
static int ascii_digit(gunichar c)
{
	return c >= '0' && c <= '9';
}

/* 1 when c marks a bullet item by itself ("•申请" needs no space). */
static int bullet_char(gunichar c)
{
	static const gunichar b[] = {
		0x2022, 0x00B7, 0x25CF, 0x25CB, 0x25AA, 0x25A0, 0x25C6,
		0x25C7, 0x2023, 0x30FB, 0x2219, 0x25B6, 0x25BA, 0x2043,
	};
	size_t i;

	for (i = 0; i < sizeof b / sizeof b[0]; i++) {
		if (c == b[i]) {
			return 1;
		}
	}
	return 0;
}

/* If line p (white space skipped) starts with a list mark, its style
 * into *style and the text after the mark; else NULL. */
static const char *item_mark(const char *p, int *style)
{
	gunichar c = g_utf8_get_char(p), d;
	const char *q;

	if ((c == '-' || c == '*' || c == '+') && (p[1] == ' ' ||
	    p[1] == '\t')) {
		*style = ST_BULLET;
		return p + 2;
	}
	if (bullet_char(c)) {
		*style = ST_BULLET;
		return g_utf8_next_char(p);
	}
	/* 1. 1、 1) 1． 1） but not 1.5 */
	q = run_of(p, ascii_digit, 2);
	if (q != NULL) {
		d = g_utf8_get_char(q);
		if ((d == '.' && !ascii_digit((gunichar)q[1])) ||
		    d == 0x3001 || d == ')' || d == 0xFF0E || d == 0xFF09) {
			*style = ST_NUM;
			return g_utf8_next_char(q);
		}
		return NULL;
	}
	/* （1） (1) （一） (一) */
	if (c == '(' || c == 0xFF08) {
		p = g_utf8_next_char(p);
		q = run_of(p, ascii_digit, 2);
		*style = ST_PNUM;
		if (q == NULL) {
			q = run_of(p, cn_numeral, 3);
			*style = ST_PCN;
		}
		if (q == NULL) {
			return NULL;
		}
		d = g_utf8_get_char(q);
		return d == ')' || d == 0xFF09 ? g_utf8_next_char(q) : NULL;
	}
	/* 一、 一． */
	q = run_of(p, cn_numeral, 3);
	if (q != NULL) {
		d = g_utf8_get_char(q);
		if (d == 0x3001 || d == 0xFF0E) {
			*style = ST_CN;
			return g_utf8_next_char(q);
		}
		return NULL;
	}
	/* 第一步 第1步, then perhaps ： 、 or a space */
	if (c == 0x7B2C) {
		p = g_utf8_next_char(p);
		q = run_of(p, ascii_digit, 2);
		if (q == NULL) {
			q = run_of(p, cn_numeral, 3);
		}
		if (q == NULL || g_utf8_get_char(q) != 0x6B65) {
			return NULL;
		}
		q = g_utf8_next_char(q);
		d = g_utf8_get_char(q);
		if (d == 0xFF1A || d == ':' || d == 0x3001 || d == 0xFF0C) {
			q = g_utf8_next_char(q);
		}
		*style = ST_STEP;
		return q;
	}
	return NULL;
}

/* If line p (white space skipped) is a Markdown heading, its level and
 * the text after the marks; else NULL. */
static const char *heading_mark(const char *p, int *level)
{
	int n = 0;

	while (p[n] == '#' && n < 7) {
		n++;
	}
	if (n == 0 || n > 6 || p[n] == '\0' ||
	    (p[n] != ' ' && p[n] != '\t' && (unsigned char)p[n] < 0x80)) {
		return NULL;
	}
	*level = n;
	return p + n;
}

/* Trim white space and a heading's closing '#'s off the end of b. */
static void trim_end(struct hd_buf *b, int heading)
{
	while (b->len > 0) {
		char c = b->p[b->len - 1];

		if (c == ' ' || c == '\t' || (heading && c == '#')) {
			b->len--;
		} else if (b->len >= 3 &&
		    memcmp(b->p + b->len - 3, "\xE3\x80\x80", 3) == 0) {
			b->len -= 3;
		} else {
			break;
		}
	}
	b->p[b->len] = '\0';
}

/* Add a block of kind k (level as struct blk says) with text s[0..n). */
static struct blk *blk_add(struct blocks *bs, enum blk_kind k, int level,
	const char *s, size_t n)
{
	struct blk *b;

	bs->v = hd_xrealloc(bs->v, (bs->n + 1) * sizeof *bs->v);
	b = &bs->v[bs->n++];
	b->kind = k;
	b->level = level;
	hd_buf_init(&b->text);
	hd_buf_add(&b->text, s, n);
	trim_end(&b->text, k == B_HEAD);
	return b;
}

/* Free the blocks. */
static void blocks_release(struct blocks *bs)
{
	size_t i;

	for (i = 0; i < bs->n; i++) {
		hd_buf_release(&bs->v[i].text);
	}
	free(bs->v);
}

/* Cut text into blocks: a heading or an item a line, paragraphs of the
 * lines between blank lines (an indented line after an item goes on
 * with the item). */
static void blocks_read(struct blocks *bs, const char *text)
{
	const char *p = text, *nl, *s, *rest;
	struct blk *last = NULL;
	int level, style, indented;
	size_t n;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		{
			char *line = hd_xstrndup(p, n);

			s = skip_space(line);
			indented = s != line;
			if (*s == '\0') {
				last = NULL;            /* a blank line */
			} else if ((rest = heading_mark(s, &level)) != NULL) {
				rest = skip_space(rest);
				blk_add(bs, B_HEAD, level, rest, strlen(rest));
				last = NULL;
			} else if ((rest = item_mark(s, &style)) != NULL) {
				rest = skip_space(rest);
				last = blk_add(bs, B_ITEM, style, rest,
					strlen(rest));
			} else if (last != NULL && (last->kind == B_TEXT ||
			    indented)) {
				hd_buf_puts(&last->text, s);
				trim_end(&last->text, 0);
			} else {
				last = blk_add(bs, B_TEXT, 0, s, strlen(s));
			}
			free(line);
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* s cut to max characters, with "…" when cut.  A new string. */
static char *cut_chars(const char *s, long max)
{
	const char *end;

	if (g_utf8_strlen(s, -1) <= max) {
		return hd_xstrdup(s);
	}
	end = g_utf8_offset_to_pointer(s, max);
	return hd_xasprintf("%.*s…", (int)(end - s), s);
}

/* The position of the first of the characters stops in s within the
 * first max characters, or NULL. */
static const char *first_of(const char *s, const gunichar *stops,
	size_t nstops, long max)
{
	long k;
	size_t i;

	for (k = 0; *s != '\0' && k < max; k++) {
		gunichar c = g_utf8_get_char(s);

		for (i = 0; i < nstops; i++) {
			if (c == stops[i]) {
				return s;
			}
		}
		s = g_utf8_next_char(s);
	}
	return NULL;
}

static const gunichar colons[] = { 0xFF1A, ':' };
static const gunichar title_stops[] = { 0xFF0C, 0x3002, 0xFF1B, ',', ';' };
static const gunichar clause_ends[] = {
	0xFF0C, 0x3002, 0xFF1B, 0x3001, 0xFF1A, ',', ';', ':', 0xFF01, '.',
};

/* 1 when an item's text is titled: "登记：填写…", a title of 1 to
 * TITLE_MAX characters without a comma or stop before a colon.  *after
 * receives the text after the colon. */
static int titled(const char *s, const char **after)
{
	const char *c = first_of(s, colons, 2, TITLE_MAX + 1), *stop;

	if (c == NULL || c == s) {
		return 0;
	}
	stop = first_of(s, title_stops, sizeof title_stops /
		sizeof title_stops[0], TITLE_MAX + 1);
	if (stop != NULL && stop < c) {
		return 0;
	}
	*after = skip_space(g_utf8_next_char(c));
	return 1;
}

/* Append a step {title, text} to steps (at most DEMO_STEPS_MAX): title
 * NULL for one taken from the text, "登记：填写…" read as title and
 * text, else the first clause (or the first ten characters). */
static void step_add(json_t *steps, const char *title, const char *text)
{
	json_t *st;
	const char *after = NULL, *stop;
	char *t, *x;

	if (json_array_size(steps) >= DEMO_STEPS_MAX) {
		return;
	}
	if (title == NULL && titled(text, &after)) {
		/* the title is what stands before the colon */
		stop = first_of(text, colons, 2, TITLE_MAX + 1);
		t = hd_xstrndup(text, (size_t)(stop - text));
		text = *after != '\0' ? after : t;
	} else if (title == NULL) {
		stop = first_of(text, clause_ends, sizeof clause_ends /
			sizeof clause_ends[0], TITLE_MAX + 1);
		if (stop != NULL && stop != text) {
			t = hd_xstrndup(text, (size_t)(stop - text));
		} else {
			t = cut_chars(text, 10);
		}
	} else {
		t = hd_xstrdup(title);
	}
	/* a heading "办理步骤：" keeps no colon */
	if (strlen(t) >= 3 && strcmp(t + strlen(t) - 3, "：") == 0) {
		t[strlen(t) - 3] = '\0';
	}
	x = cut_chars(text, DEMO_STEP_TEXT);
	st = json_object();
	json_object_set_new(st, "title", json_string(t));
	json_object_set_new(st, "text", json_string(x));
	json_array_append_new(steps, st);
	free(t);
	free(x);
}

/* The end of the part headed by block h: the next heading of its level
 * or above (or the end). */
static size_t part_end(const struct blocks *bs, size_t h)
{
	size_t i;

	for (i = h + 1; i < bs->n; i++) {
		if (bs->v[i].kind == B_HEAD &&
		    bs->v[i].level <= bs->v[h].level) {
			break;
		}
	}
	return i;
}

/* The text of the part headed by block h: its first paragraph, else
 * its items joined with "；", else "".  A new string. */
static char *part_text(const struct blocks *bs, size_t h)
{
	size_t i, end = part_end(bs, h);
	struct hd_buf b;

	for (i = h + 1; i < end; i++) {
		if (bs->v[i].kind == B_TEXT) {
			return hd_xstrdup(bs->v[i].text.p);
		}
	}
	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	for (i = h + 1; i < end; i++) {
		const char *s = bs->v[i].text.p;
		size_t n = strlen(s);

		if (bs->v[i].kind != B_ITEM) {
			continue;
		}
		if (b.len > 0) {
			hd_buf_puts(&b, "；");
		}
		if (n >= 3 && (strcmp(s + n - 3, "。") == 0 ||
		    strcmp(s + n - 3, "；") == 0)) {
			n -= 3;
		}
		hd_buf_add(&b, s, n);
	}
	return hd_buf_detach(&b);
}

/* Add the headings of level `level` among blocks [from, to) as steps,
 * each with its part's text.  Returns how many there were. */
static size_t heading_steps(json_t *steps, const struct blocks *bs,
	size_t from, size_t to, int level)
{
	size_t i, n = 0;
	char *x;

	for (i = from; i < to; i++) {
		if (bs->v[i].kind == B_HEAD && bs->v[i].level == level) {
			x = part_text(bs, i);
			step_add(steps, bs->v[i].text.p, x);
			free(x);
			n++;
		}
	}
	return n;
}

/* The outermost item style among blocks [from, to), numbered ones only
 * when numbered is 1; 0 when there is none. */
static int outer_style(const struct blocks *bs, size_t from, size_t to,
	int numbered)
{
	int best = 0;
	size_t i;

	for (i = from; i < to; i++) {
		const struct blk *b = &bs->v[i];

		if (b->kind == B_ITEM && (!numbered || b->level != ST_BULLET) &&
		    (best == 0 || b->level < best)) {
			best = b->level;
		}
	}
	return best;
}

/* Add the items of style among blocks [from, to) as steps. */
static void item_steps(json_t *steps, const struct blocks *bs, size_t from,
	size_t to, int style)
{
	size_t i;

	for (i = from; i < to; i++) {
		if (bs->v[i].kind == B_ITEM && bs->v[i].level == style) {
			step_add(steps, NULL, bs->v[i].text.p);
		}
	}
}

/* 1 when a section heading names the steps. */
static int names_steps(const char *h)
{
	return strstr(h, "步骤") != NULL || strstr(h, "流程") != NULL ||
	    strstr(h, "程序") != NULL || strstr(h, "环节") != NULL;
}

/* demo_steps_parse: see demo.h. */
json_t *demo_steps_parse(const char *text)
{
	struct blocks bs = { NULL, 0 };
	json_t *steps = json_array();
	size_t i, first = 0, nsec = 0, end, n, ntitled;
	int level = 7, style;
	const char *after;

	blocks_read(&bs, text != NULL ? text : "");
	/* a first heading alone at its level is the document's title */
	if (bs.n > 0 && bs.v[0].kind == B_HEAD) {
		for (i = 1; i < bs.n; i++) {
			if (bs.v[i].kind == B_HEAD &&
			    bs.v[i].level <= bs.v[0].level) {
				break;
			}
		}
		first = i == bs.n ? 1 : 0;
	}
	for (i = first; i < bs.n; i++) {
		if (bs.v[i].kind == B_HEAD && bs.v[i].level < level) {
			level = bs.v[i].level;
		}
	}
	for (i = first; i < bs.n; i++) {
		nsec += bs.v[i].kind == B_HEAD && bs.v[i].level == level;
	}
	/* 1. a section that names the steps */
	for (i = first; i < bs.n; i++) {
		if (bs.v[i].kind != B_HEAD || bs.v[i].level != level ||
		    !names_steps(bs.v[i].text.p)) {
			continue;
		}
		end = part_end(&bs, i);
		style = outer_style(&bs, i + 1, end, 0);
		if (style != 0) {
			item_steps(steps, &bs, i + 1, end, style);
		} else if (level < 6) {
			heading_steps(steps, &bs, i + 1, end, level + 1);
		}
		if (json_array_size(steps) > 0) {
			goto out;
		}
	}
	/* 2. the outermost numbered list */
	style = outer_style(&bs, first, bs.n, 1);
	if (style != 0) {
		n = ntitled = 0;
		for (i = first; i < bs.n; i++) {
			if (bs.v[i].kind == B_ITEM && bs.v[i].level == style) {
				n++;
				ntitled += titled(bs.v[i].text.p, &after);
			}
		}
		if (n >= 2 && (nsec < 3 || 2 * ntitled >= n)) {
			item_steps(steps, &bs, first, bs.n, style);
			goto out;
		}
	}
	/* 3. three sections or more */
	if (nsec >= 3) {
		heading_steps(steps, &bs, first, bs.n, level);
		goto out;
	}
	/* 4. the outermost list of any kind, 5. the sections */
	style = outer_style(&bs, first, bs.n, 0);
	if (style != 0) {
		item_steps(steps, &bs, first, bs.n, style);
	} else if (nsec > 0) {
		heading_steps(steps, &bs, first, bs.n, level);
	}
out:
	blocks_release(&bs);
	return steps;
}

/* demo_steps_of: see demo.h.  Files that cannot be read are passed
 * over. */
json_t *demo_steps_of(struct hd_archive *a, const struct hd_record *r)
{
	json_t *steps = NULL;
	unsigned char *data;
	char *text;
	size_t i, n;
	int more;

	for (i = 0; i < r->nfiles; i++) {
		data = page_object_bytes(a, r->files[i].sha256,
			PROC_FILE_CAP, &n, &more);
		if (data != NULL) {
			text = text_outline(r->files[i].mime, data, n);
			if (text != NULL) {
				steps = demo_steps_parse(text);
				free(text);
			}
		}
		free(data);
		if (steps != NULL && json_array_size(steps) > 0) {
			return steps;
		}
		json_decref(steps);
		steps = NULL;
	}
	return demo_steps_parse(r->description);
}
