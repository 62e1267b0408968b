/*
 * extract.c - stage_extract: the text of a file, for the search index.
 *
 * Plain text, Markdown and CSV are kept as they are, converted to UTF-8:
 * Chinese office machines still save GB2312/GBK (read as GB18030, their
 * superset), Notepad adds a byte-order mark or writes UTF-16.  HTML goes
 * through libxml2's forgiving HTML parser; its text is taken without
 * script and style, each block element (paragraph, heading, list item,
 * table row, <br>) on a line of its own, entities decoded.  The encoding
 * of an HTML page is decided here, before libxml2 sees it: valid UTF-8 is
 * UTF-8 whatever its <meta> claims (pages re-saved by an editor keep a
 * stale "gb2312"), otherwise the <meta charset> is honoured, otherwise
 * GB18030 is assumed; the page reaches libxml2 as UTF-8 and its own hint
 * is ignored.
 *
 * Guarantees: it->text is valid UTF-8 without NUL or control characters
 * other than tab and newline, line ends are "\n", and it is at most
 * TEXT_CAP bytes (cut at a character boundary, with a warning).  Text
 * that is empty or only white space leaves it->text NULL, with the
 * warning "文本为空".  libxml2 never prints: errors and warnings are off
 * for the parse.
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <unicode/ucnv.h>

/* The most text one file gives the index. */
#define TEXT_CAP ((size_t)4 * 1024 * 1024)
/* The most of an HTML file that is parsed (markup is most of a page). */
#define HTML_CAP ((size_t)16 * 1024 * 1024)
/* Replacement characters tolerated in a lenient conversion: a few, or
 * this many per mille; beyond that the guess of encoding is taken to be
 * wrong. */
#define BAD_FEW 2
#define BAD_PER_MILLE 10

enum text_kind { K_NONE, K_PLAIN, K_HTML };

/* How the text of a file of type mime is read: K_HTML for HTML and XHTML,
 * K_PLAIN for plain text, Markdown, CSV and TSV, K_NONE for the rest (PDFs
 * are stage_pdf's). */
static enum text_kind text_kind(const char *mime)
{
	if (mime == NULL) {
		return K_NONE;
	}
	if (strcmp(mime, "text/html") == 0 ||
	    strcmp(mime, "application/xhtml+xml") == 0) {
		return K_HTML;
	}
	if (strcmp(mime, "text/plain") == 0 ||
	    strcmp(mime, "text/markdown") == 0 ||
	    strcmp(mime, "text/csv") == 0 ||
	    strcmp(mime, "text/tab-separated-values") == 0) {
		return K_PLAIN;
	}
	return K_NONE;
}


/* Length of the longest prefix of d[0..n) that ends on a character
 * boundary in UTF-8 and GB18030 alike: after a byte below 0x30, which is
 * never inside a multi-byte sequence of either (a newline if possible). */
static size_t safe_cut(const unsigned char *d, size_t n)
{
	size_t i;

	for (i = n; i > 0 && n - i < 4096; i--) {
		if (d[i - 1] == '\n') {
			return i;
		}
	}
	for (i = n; i > 0 && d[i - 1] >= 0x30; i--) {
	}
	return i;
}

/* Bytes in charset to UTF-8 through ICU, invalid sequences replaced by
 * U+FFFD.  Returns a new string (caller frees) and its length, or NULL
 * when ICU does not know the charset or too many bytes were invalid. */
static char *to_utf8_lenient(const char *charset, const char *s, size_t n,
	size_t *outlen)
{
	UErrorCode st = U_ZERO_ERROR;
	size_t cap = n * 3 + 4, bad = 0, chars = 0, i;
	int32_t len;
	char *out;

	if (cap > INT32_MAX) {
		return NULL;
	}
	out = hd_xmalloc(cap);
	len = ucnv_convert("UTF-8", charset, out, (int32_t)cap, s, (int32_t)n,
		&st);
	if (U_FAILURE(st) || len < 0 || (size_t)len >= cap) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	for (i = 0; i < (size_t)len; i++) {
		if (((unsigned char)out[i] & 0xC0) != 0x80) {
			chars++;
		}
		if (i + 2 < (size_t)len &&
		    memcmp(out + i, "\xEF\xBF\xBD", 3) == 0) {
			bad++;
		}
	}
	if (bad > BAD_FEW && bad * 1000 > chars * BAD_PER_MILLE) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)len;
	return out;
}

/* UTF-16 with a byte-order mark to UTF-8; NULL when there is none. */
static char *utf16_bom(const unsigned char *d, size_t n, size_t *outlen)
{
	if (n >= 2 && d[0] == 0xFF && d[1] == 0xFE) {
		return to_utf8_lenient("UTF-16LE", (const char *)d + 2,
			(n - 2) & ~(size_t)1, outlen);
	}
	if (n >= 2 && d[0] == 0xFE && d[1] == 0xFF) {
		return to_utf8_lenient("UTF-16BE", (const char *)d + 2,
			(n - 2) & ~(size_t)1, outlen);
	}
	return NULL;
}

/* Clean s in place: NUL and control characters other than tab and
 * newline dropped, "\r\n" and a lone "\r" become "\n".  Returns the new
 * length. */
static size_t clean_controls(char *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r') {
			s[j++] = '\n';
			if (i + 1 < n && s[i + 1] == '\n') {
				i++;
			}
		} else if (c >= 0x20 || c == '\t' || c == '\n') {
			if (c != 0x7F) {
				s[j++] = (char)c;
			}
		}
	}
	s[j] = '\0';
	return j;
}

/* Cut s (length *n) to at most cap bytes at a UTF-8 boundary; returns 1
 * when it was cut. */
static int cap_text(char *s, size_t *n, size_t cap)
{
	size_t len = *n;

	if (len <= cap) {
		return 0;
	}
	len = cap;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80) {
		len--;
	}
	s[len] = '\0';
	*n = len;
	return 1;
}

/* 1 when s holds nothing but white space (ASCII, no-break, ideographic,
 * zero-width and byte-order-mark characters). */
static int blank(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\f' ||
		    c == '\v') {
			i++;
		} else if (n - i >= 2 && memcmp(s + i, "\xC2\xA0", 2) == 0) {
			i += 2;
		} else if (n - i >= 3 &&
		    (memcmp(s + i, "\xE3\x80\x80", 3) == 0 ||
		    memcmp(s + i, "\xEF\xBB\xBF", 3) == 0 ||
		    memcmp(s + i, "\xE2\x80\x8B", 3) == 0)) {
			i += 3;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Plain text to UTF-8: a UTF-16 BOM, UTF-8 (BOM dropped), GB18030, and
 * last GB18030 with a few damaged bytes replaced.  Returns a new string
 * and its length, or NULL when no reading makes sense. */
static char *plain_to_utf8(const unsigned char *d, size_t n, size_t *len)
{
	char *copy, *s;
	size_t i, m = 0;

	s = utf16_bom(d, n, len);
	if (s != NULL) {
		return s;
	}
	/* NUL is never part of a UTF-8 or GB18030 sequence. */
	copy = hd_xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (d[i] != 0) {
			copy[m++] = (char)d[i];
		}
	}
	s = hd_text_to_utf8(copy, m);
	if (s != NULL) {
		*len = strlen(s);
	} else {
		s = to_utf8_lenient("GB18030", copy, m, len);
	}
	free(copy);
	return s;
}

/* ------------------------------------------------------------- HTML */

/* The charset a <meta> names in the first bytes of a page, lower-cased
 * into out; "" when none. */
static void meta_charset(const unsigned char *d, size_t n, char *out,
	size_t cap)
{
	const char *p, *end;
	size_t len = n < 4096 ? n : 4096, k = 0;
	char head[4097];

	out[0] = '\0';
	memcpy(head, d, len);
	head[len] = '\0';
	for (k = 0; k < len; k++) {
		if (head[k] == '\0') {
			head[k] = ' ';
		}
	}
	end = head + len;
	for (p = strcasestr(head, "charset"); p != NULL;
	    p = strcasestr(p, "charset")) {
		p += 7;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r')) {
			p++;
		}
		if (p < end && *p == '=') {
			break;
		}
	}
	if (p == NULL) {
		return;
	}
	p++;
	while (p < end && (*p == ' ' || *p == '"' || *p == '\'')) {
		p++;
	}
	k = 0;
	while (p < end && k + 1 < cap && ((*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	    *p == '-' || *p == '_' || *p == '.' || *p == ':')) {
		char c = *p++;

		out[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[k] = '\0';
}

/* The page as UTF-8 (a new string, caller frees), whatever it was
 * written in; NULL when it cannot be read in any encoding. */
static char *html_to_utf8(const unsigned char *d, size_t n, size_t *len)
{
	char cs[48];
	char *s;

	s = utf16_bom(d, n, len);
	if (s != NULL) {
		return s;
	}
	if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0) {
		d += 3;
		n -= 3;
	}
	if (hd_utf8_valid((const char *)d, n)) {
		*len = n;
		return hd_xstrndup((const char *)d, n);
	}
	meta_charset(d, n, cs, sizeof(cs));
	if (strcmp(cs, "gb2312") == 0 || strcmp(cs, "gbk") == 0 ||
	    strcmp(cs, "x-gbk") == 0 || strcmp(cs, "cp936") == 0 ||
	    strcmp(cs, "euc-cn") == 0 || strcmp(cs, "gb_2312-80") == 0 ||
	    strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0) {
		/* GB18030 reads all of GBK; a page that says UTF-8 but is
		 * not is nearly always GBK saved under a stale header. */
		strcpy(cs, "gb18030");
	}
	if (cs[0] != '\0') {
		s = to_utf8_lenient(cs, (const char *)d, n, len);
		if (s != NULL) {
			return s;
		}
	}
	s = to_utf8_lenient("GB18030", (const char *)d, n, len);
	if (s != NULL) {
		return s;
	}
	return to_utf8_lenient("windows-1252", (const char *)d, n, len);
}

/* Lists nested deeper than this are outlined as the deepest one. */
#define LISTS_MAX 16

/* Text collected from the tree, white space collapsed as a browser
 * would, with a newline at each block boundary. */
struct walk {
	struct hd_buf out;
	int pending_nl;
	int pending_sp;
	int pre;                /* inside <pre> or <textarea> */
	int outline;            /* 1: headings and list items marked */
	int nlists;             /* lists open (outline), at most LISTS_MAX
	                           counted */
	int items[LISTS_MAX];   /* per open list: items so far, -1 for <ul> */
};

/* 1 when name is one of the strings of list (NULL-terminated). */
static int name_in(const char *name, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++) {
		if (strcmp(name, list[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

static const char *const skipped[] = {
	"script", "style", "template", NULL
};

static const char *const blocks[] = {
	"address", "article", "aside", "blockquote", "body", "br", "caption",
	"center", "dd", "details", "dialog", "div", "dl", "dt", "fieldset",
	"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
	"h5", "h6", "head", "header", "hr", "html", "li", "main", "nav",
	"ol", "option", "p", "pre", "section", "summary", "table", "tbody",
	"textarea", "tfoot", "thead", "title", "tr", "ul", NULL
};

/* Write the white space the walk is holding back, once real text follows: a
 * newline at a block boundary, else a space (neither at the start, nor a
 * space after a newline). */
static void flush_space(struct walk *w)
{
	if (w->pending_nl) {
		if (w->out.len > 0) {
			hd_buf_add(&w->out, "\n", 1);
		}
	} else if (w->pending_sp) {
		if (w->out.len > 0 && w->out.p[w->out.len - 1] != '\n') {
			hd_buf_add(&w->out, " ", 1);
		}
	}
	w->pending_nl = 0;
	w->pending_sp = 0;
}

/* Add text node s to the walk: inside <pre> or <textarea> as it is,
 * elsewhere with runs of white space (no-break space too) made one pending
 * space, as a browser shows it. */
static void put_text(struct walk *w, const char *s)
{
	size_t i = 0, start;

	if (w->pre) {
		if (*s != '\0') {
			flush_space(w);
			hd_buf_puts(&w->out, s);
		}
		return;
	}
	while (s[i] != '\0') {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f') {
			w->pending_sp = 1;
			i++;
			continue;
		}
		if (c == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
			w->pending_sp = 1;      /* &nbsp; */
			i += 2;
			continue;
		}
		start = i;
		while (s[i] != '\0' && s[i] != ' ' && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r' && s[i] != '\f' &&
		    !((unsigned char)s[i] == 0xC2 &&
		    (unsigned char)s[i + 1] == 0xA0)) {
			i++;
		}
		flush_space(w);
		hd_buf_add(&w->out, s + start, i - start);
	}
}

/* The outline's mark for element name, entered: a heading starts a
 * line "## " (as many '#' as its level), an item of an ordered list
 * "N. " and of any other list "- ", as Markdown writes them, and a
 * paragraph follows a blank line; a list opened is counted. */
static void outline_mark(struct walk *w, const char *name)
{
	int k = w->nlists < LISTS_MAX ? w->nlists : LISTS_MAX;

	if (strcmp(name, "ol") == 0 || strcmp(name, "ul") == 0) {
		if (w->nlists < LISTS_MAX) {
			w->items[w->nlists] = name[0] == 'o' ? 0 : -1;
		}
		w->nlists++;
		return;
	}
	if (strcmp(name, "p") == 0 && w->out.len > 0) {
		flush_space(w);         /* a blank line between paragraphs */
		hd_buf_add(&w->out, "\n", 1);
	} else if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' &&
	    name[2] == '\0') {
		flush_space(w);
		hd_buf_add(&w->out, "######", (size_t)(name[1] - '0'));
		hd_buf_add(&w->out, " ", 1);
	} else if (strcmp(name, "li") == 0) {
		flush_space(w);
		if (k > 0 && w->items[k - 1] >= 0) {
			hd_buf_printf(&w->out, "%d. ", ++w->items[k - 1]);
		} else {
			hd_buf_puts(&w->out, "- ");
		}
	}
}

/* Called when the walk enters a node; returns 1 to descend into it. */
static int enter(struct walk *w, xmlNode *node)
{
	const char *name;

	if (node->type == XML_TEXT_NODE ||
	    node->type == XML_CDATA_SECTION_NODE) {
		if (node->content != NULL) {
			put_text(w, (const char *)node->content);
		}
		return 0;
	}
	if (node->type != XML_ELEMENT_NODE || node->name == NULL) {
		return node->type == XML_DOCUMENT_NODE ||
			node->type == XML_HTML_DOCUMENT_NODE;
	}
	name = (const char *)node->name;
	if (name_in(name, skipped) ||
	    (w->outline && strcmp(name, "head") == 0)) {
		return 0;       /* the outline is the body's */
	}
	if (name_in(name, blocks)) {
		w->pending_nl = 1;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		w->pending_sp = 1;
	}
	if (strcmp(name, "pre") == 0 || strcmp(name, "textarea") == 0) {
		w->pre++;
	}
	if (w->outline) {
		outline_mark(w, name);
	}
	return 1;
}

/* Called when the walk leaves a node: a block ends with a newline, a table
 * cell with a space, and a <pre> or <textarea> lets white space collapse
 * again. */
static void leave(struct walk *w, xmlNode *node)
{
	const char *name;

	if (node->type != XML_ELEMENT_NODE || node->name == NULL) {
		return;
	}
	name = (const char *)node->name;
	if (name_in(name, skipped) ||
	    (w->outline && strcmp(name, "head") == 0)) {
		return;
	}
	if (name_in(name, blocks)) {
		w->pending_nl = 1;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		w->pending_sp = 1;
	}
	if ((strcmp(name, "pre") == 0 || strcmp(name, "textarea") == 0) &&
	    w->pre > 0) {
		w->pre--;
	}
	if (w->outline && (strcmp(name, "ol") == 0 ||
	    strcmp(name, "ul") == 0) && w->nlists > 0) {
		w->nlists--;
	}
}

/* Walk the tree without recursion (a hostile page may nest deeply),
 * stopping once cap bytes are collected. */
static void walk_tree(struct walk *w, xmlNode *root, size_t cap)
{
	xmlNode *node = root;

	while (node != NULL && w->out.len <= cap) {
		if (enter(w, node) && node->children != NULL) {
			node = node->children;
			continue;
		}
		while (node != NULL) {
			leave(w, node);
			if (node == root) {
				node = NULL;
			} else if (node->next != NULL) {
				node = node->next;
				break;
			} else {
				node = node->parent;
			}
		}
	}
}

/* The text of an HTML page (a new string, caller frees) and its length;
 * NULL when the page cannot be decoded or parsed.  outline 1: headings
 * and list items marked as Markdown writes them (outline_mark). */
static char *html_text(const unsigned char *d, size_t n, size_t *len,
	int outline)
{
	struct walk w;
	htmlDocPtr doc;
	size_t ulen = 0;
	char *u;

	u = html_to_utf8(d, n, &ulen);
	if (u == NULL) {
		return NULL;
	}
	doc = htmlReadMemory(u, (int)ulen, NULL, "UTF-8",
		HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
		HTML_PARSE_RECOVER | HTML_PARSE_IGNORE_ENC);
	free(u);
	if (doc == NULL) {
		return NULL;
	}
	memset(&w, 0, sizeof w);
	hd_buf_init(&w.out);
	w.outline = outline;
	walk_tree(&w, (xmlNode *)doc, TEXT_CAP);
	xmlFreeDoc(doc);
	*len = w.out.len;
	return hd_buf_detach(&w.out);
}

/* ------------------------------------------------------------ stage */

/*
 * Extract the text of a text or HTML file into it->text; see ingest.h.
 * Returns 0 (problems are warnings), or HD_EIO when the rest of a file
 * given in part cannot be read (the file is then noted as rejected here).
 * Allocates it->text (freeing one set before), owned by the item; leaves
 * it NULL for other types, for empty text and for text in no known
 * encoding.
 */
int stage_extract(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete)
{
	enum text_kind kind = text_kind(it->file.mime);
	unsigned char *whole = NULL;
	size_t len = 0, incap;
	int more = 0, cut;
	char *text;

	free(it->text);
	it->text = NULL;
	if (kind == K_NONE) {
		return 0;
	}
	if (data == NULL) {
		data = (const unsigned char *)"";
		n = 0;
	}
	incap = kind == K_HTML ? HTML_CAP : TEXT_CAP;
	if (!complete && it->src != NULL) {
		if (hd_read_file(it->src, incap, &whole, &n, &more) != 0) {
			batch_reject(b, it->path, "无法读取：%s",
				strerror(errno));
			return HD_EIO;
		}
		data = whole;
	} else if (!complete) {
		more = 1;
	}
	if (n > incap) {
		n = incap;
		more = 1;
	}
	if (more) {
		n = safe_cut(data, n);
	}
	if (kind == K_HTML) {
		text = html_text(data, n, &len, 0);
	} else {
		text = plain_to_utf8(data, n, &len);
	}
	free(whole);
	if (text == NULL) {
		batch_warn(b, it->path, "文本编码无法识别（不是 UTF-8 或 "
			"GB18030），未提取文本");
		return 0;
	}
	len = clean_controls(text, len);
	cut = cap_text(text, &len, TEXT_CAP);
	if (blank(text, len)) {
		free(text);
		batch_warn(b, it->path, "文本为空");
		return 0;
	}
	if (cut || more) {
		batch_warn(b, it->path, "文本过长，只提取了前面部分"
			"（上限 %zu MiB）", TEXT_CAP >> 20);
	}
	it->text = text;
	return 0;
}

/* text_outline: see ingest.h. */
char *text_outline(const char *mime, const unsigned char *d, size_t n)
{
	enum text_kind kind = text_kind(mime);
	size_t len = 0;
	char *text;

	if (kind == K_NONE) {
		return NULL;
	}
	if (n > (kind == K_HTML ? HTML_CAP : TEXT_CAP)) {
		n = safe_cut(d, kind == K_HTML ? HTML_CAP : TEXT_CAP);
	}
	text = kind == K_HTML ? html_text(d, n, &len, 1) :
		plain_to_utf8(d, n, &len);
	if (text == NULL) {
		return NULL;
	}
	len = clean_controls(text, len);
	cap_text(text, &len, TEXT_CAP);
	return text;
}
