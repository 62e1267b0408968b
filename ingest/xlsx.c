/*
 * xlsx.c - catalogue sheets saved as .xlsx (Office Open XML, ECMA-376)
 * by Excel, WPS or LibreOffice: a zip of XML parts, read with libarchive
 * and libxml2's SAX parser.
 *
 * Only what a catalogue needs is read: the first visible worksheet of
 * the workbook (in the order of its tabs, not of the zip), its shared
 * strings, and the number formats of the cell styles, so that a date
 * cell (a serial number styled as a date) comes out as an ISO date.
 * Cells are handed on row by row, placed by their references ("B3"):
 * a missing cell is empty and skipped rows are simply absent.
 *
 * A hostile file cannot make the reader go past the caps below: the
 * entries of the zip, the bytes each part unpacks to (counted as they
 * stream out, so a zip bomb stops at the cap), the rows, columns, cells
 * and shared strings are all counted.  A document type declaration,
 * where entity bombs and external entities live and which no .xlsx
 * has, is refused as soon as the parser meets it; no entity is ever
 * substituted (no XML_PARSE_NOENT) and the network is never reached
 * (XML_PARSE_NONET).  libxml2 never prints.  Every error names the file,
 * and the part of it when the fault is inside one.
 */
#include "sheet.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <libxml/parser.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XLSX_ENTRIES 10000          /* entries of the zip */
#define XLSX_META_MAX (16u << 20)   /* a rels, workbook or styles part */
#define XLSX_DATA_MAX (128u << 20)  /* the worksheet or shared strings */
#define XLSX_STRINGS 1000000        /* shared strings */
#define XLSX_CELLS 4000000          /* cells of the worksheet */
#define XLSX_ROWS 1048576           /* Excel's last row */
#define XLSX_COLS 16384             /* Excel's last column, XFD */
#define XLSX_SHEETS 1000            /* sheets a workbook lists */
#define XLSX_RELS 10000             /* relationships of a part */
#define XLSX_XFS 65536              /* cell formats of the styles */
#define XLSX_NUMFMTS 4096           /* number formats of the styles */

/* A shared string too long for a cell: refused where a cell uses it. */
#define SST_LONG SIZE_MAX

/* The kinds of number format (xlsx_numfmt_kind). */
enum { NF_NUMBER, NF_DATE, NF_TIME, NF_DATETIME };

/* One relationship of a .rels part. */
struct rel {
	char *id;
	char *type;         /* the URI; matched on its last segment */
	char *target;       /* resolved to a part name, NULL if external */
};

/* One sheet the workbook lists, in the order of its tabs. */
struct wsheet {
	char *name;
	char *rid;          /* r:id, the relationship to its part */
	int hidden;         /* state="hidden" or "veryHidden" */
};

/* The reader of one file. */
struct xlsx {
	const char *name;           /* the file, for messages */
	const void *data;
	size_t n;
	struct hd_error *e;
	const char *part;           /* the part being read, for messages */

	struct rel *rels;           /* of the part last read as rels */
	size_t nrels;
	char *rels_base;            /* folder targets are relative to */
	char *rels_part;            /* the .rels part last read */

	char *office;               /* the workbook's part name */
	struct wsheet *sheets;
	size_t nsheets;
	int date1904;

	char **fmt_code;            /* custom number formats (numFmt) */
	int *fmt_id;
	size_t nfmt;
	int *xf_fmt;                /* cellXfs: the numFmtId of each */
	size_t nxf;
	unsigned char *xf_kind;     /* NF_* of each cellXfs entry */

	struct hd_buf sst;          /* shared strings, NUL-separated */
	size_t *sst_off;            /* offset of each, or SST_LONG */
	size_t nsst;
};

/* What one pass of a part's XML keeps between nodes. */
struct walk {
	int in_si, in_t, in_rph, in_fmts, in_xfs;   /* strings, styles */
	int in_data, in_cell, in_v, in_is;          /* worksheet */
	struct hd_buf text;         /* the text being gathered */
	int too_long;               /* text passed SHEET_CELL_MAX */
	long row, col;              /* worksheet position, from 1 / 0 */
	char ctype[16];             /* the cell's t attribute */
	long style;                 /* the cell's s attribute */
	char ref[32];               /* the cell's r attribute, for messages */
	char **cells;               /* the row being read */
	size_t ncells, capcells;
	size_t cells_seen;
	xlsx_row_fn fn;
	void *ctx;
};

/* What the SAX parser reports, one event at a time. */
enum { EV_START, EV_END, EV_TEXT };
struct ev {
	const char *name;           /* local name (EV_START, EV_END) */
	const xmlChar **attrs;      /* SAX2's (local, prefix, URI, value,
	                             * end) per attribute (EV_START) */
	int nattrs;
	const char *text;           /* character data, not NUL-terminated */
	size_t len;                 /* (EV_TEXT) */
};

/* A part's handler of one event (type is EV_*): 0, or a negative code
 * with x->e set, which stops the parse. */
typedef int (*node_fn)(struct xlsx *x, struct walk *w, const struct ev *r,
	int type);

/* ------------------------------------------------------------ helpers */

/* The value of the attribute with local name local, in no namespace
 * (or, with ns_required, in one, as r:id is), or NULL.  Returns a new
 * string (caller frees). */
static char *attr(const struct ev *r, const char *local, int ns_required)
{
	const xmlChar **a;
	size_t n;
	char *v;
	int i;

	for (i = 0; i < r->nattrs; i++) {
		a = r->attrs + 5 * i;
		if (strcmp((const char *)a[0], local) == 0 &&
		    ns_required == (a[2] != NULL)) {
			n = (size_t)(a[4] - a[3]);
			v = hd_xmalloc(n + 1);
			memcpy(v, a[3], n);
			v[n] = '\0';
			return v;
		}
	}
	return NULL;
}

/* The attribute local as a long in [lo, hi], or dflt when absent.
 * Returns 0, or -1 when present but not such a number. */
static int attr_long(const struct ev *r, const char *local, long lo,
	long hi, long dflt, long *out)
{
	char *v = attr(r, local, 0), *end;
	long n;

	*out = dflt;
	if (v == NULL) {
		return 0;
	}
	n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || n < lo || n > hi) {
		free(v);
		return -1;
	}
	free(v);
	*out = n;
	return 0;
}

/* 1 when the URI s ends with the segment "/tail". */
static int type_is(const char *s, const char *tail)
{
	size_t n = s ? strlen(s) : 0, k = strlen(tail);

	return n > k && s[n - k - 1] == '/' && strcmp(s + n - k, tail) == 0;
}

/* Append the gathered text of a node, up to one byte past the cell cap
 * (the cap is then noted, and the cell refused where it is used). */
static void text_add(struct walk *w, const char *s, size_t n)
{
	size_t room;

	if (w->too_long) {
		return;
	}
	room = SHEET_CELL_MAX - w->text.len;
	if (n > room) {
		w->too_long = 1;
		return;
	}
	hd_buf_add(&w->text, s, n);
}

/* Empty the gathered text (kept NUL-terminated, as hd_buf is). */
static void text_reset(struct walk *w)
{
	w->text.len = 0;
	if (w->text.p != NULL) {
		w->text.p[0] = '\0';
	}
	w->too_long = 0;
}

/* Undo the _xHHHH_ escapes of ST_Xstring in place (Excel writes a line
 * break as "_x000D_\n" and "_x005F_" for an underscore before "x"):
 * code points from U+0001 to U+FFFF other than surrogates are decoded,
 * anything else is left as it stands.  The result is never longer. */
static void xstring_unescape(char *s)
{
	char *out = s;
	unsigned v;
	int i;

	while (*s) {
		if (s[0] == '_' && s[1] == 'x') {
			v = 0;
			/* a NUL stops the loop: nothing past it is read */
			for (i = 2; i < 6; i++) {
				if (!g_ascii_isxdigit(s[i])) {
					break;
				}
				v = v * 16 +
					(unsigned)g_ascii_xdigit_value(s[i]);
			}
			if (i == 6 && s[6] == '_' && v != 0 &&
			    (v < 0xD800 || v > 0xDFFF)) {
				out += g_unichar_to_utf8(v, out);
				s += 7;
				continue;
			}
		}
		*out++ = *s++;
	}
	*out = '\0';
}

/* ------------------------------------------------- dates and numbers */

/* xlsx_numfmt_kind: see sheet.h.  A format code is read as Excel does:
 * its first section, without "quoted" text, \-escaped characters,
 * _x and *x padding, and [brackets] (colours, locales, conditions),
 * except [h] [mm] [ss], which are elapsed time. */
int xlsx_numfmt_kind(int id, const char *code)
{
	int date = 0, time = 0, month = 0;
	const char *p;

	if (code == NULL) {
		if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) ||
		    id == 36 || (id >= 50 && id <= 54) || id == 57 ||
		    id == 58) {
			return NF_DATE;
		}
		if (id == 22) {
			return NF_DATETIME;
		}
		if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) ||
		    (id >= 45 && id <= 47) || id == 55 || id == 56) {
			return NF_TIME;
		}
		return NF_NUMBER;
	}
	for (p = code; *p && *p != ';'; p++) {
		char c = g_ascii_tolower(*p);

		if (c == '"') {
			p = strchr(p + 1, '"');
			if (p == NULL) {
				break;
			}
		} else if (c == '\\' || c == '_' || c == '*') {
			if (p[1] == '\0') {
				break;
			}
			p++;
		} else if (c == '[') {
			const char *end = strchr(p, ']');

			if (end == NULL) {
				break;
			}
			if (strspn(p + 1, "hHmMsS") == (size_t)(end - p - 1) &&
			    end > p + 1) {
				time = 1;
			}
			p = end;
		} else if (c == 'y' || c == 'd') {
			date = 1;
		} else if (c == 'h' || c == 's') {
			time = 1;
		} else if (c == 'm') {
			month = 1;
		}
	}
	if (month && !time) {
		date = 1;
	}
	if (date) {
		return time ? NF_DATETIME : NF_DATE;
	}
	return time ? NF_TIME : NF_NUMBER;
}

/* xlsx_serial_date: see sheet.h.  In the 1900 system serial 1 is
 * 1900-01-01 and 60 is Excel's 1900-02-29 (a day that never was, kept
 * from Lotus 1-2-3; it comes out as written, for the date check to
 * refuse); from 61 on, the days count from 1899-12-30.  In the 1904
 * system serial 0 is 1904-01-01. */
int xlsx_serial_date(double v, int date1904, char out[11])
{
	char buf[32];
	GDate d;
	long days;

	if (!isfinite(v) || v < 0 || v >= 2958466.0) {
		return -1;
	}
	/* to the nearest second first: 31052.99999999 is the next day */
	days = (long)(llround(v * 86400.0) / 86400);
	if (date1904) {
		g_date_set_dmy(&d, 1, G_DATE_JANUARY, 1904);
	} else if (days == 0) {
		return -1;
	} else if (days == 60) {
		memcpy(out, "1900-02-29", 11);
		return 0;
	} else if (days < 60) {
		g_date_set_dmy(&d, 31, G_DATE_DECEMBER, 1899);
	} else {
		g_date_set_dmy(&d, 30, G_DATE_DECEMBER, 1899);
	}
	g_date_add_days(&d, (guint)days);
	if (g_date_get_year(&d) > 9999) {
		return -1;
	}
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", (int)g_date_get_year(&d),
		(int)g_date_get_month(&d), (int)g_date_get_day(&d));
	memcpy(out, buf, 11);
	return 0;
}

/* A numeric cell's text as a catalogue reads it: a date as ISO
 * "1985-01-05" (the date of a date and time), a time as "14:30:00",
 * any other number with up to 15 significant digits as Excel shows it
 * in General format ("1985", "2", "0.1").  Text that is not a number
 * is kept.  Returns a new string (caller frees). */
static char *number_text(const char *v, int kind, int date1904)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	char *end;
	double d;
	long long s;

	d = g_ascii_strtod(v, &end);
	if (end == v || *end != '\0' || !isfinite(d)) {
		return hd_xstrdup(v);
	}
	if ((kind == NF_DATE || kind == NF_DATETIME) &&
	    xlsx_serial_date(d, date1904, buf) == 0) {
		return hd_xstrdup(buf);
	}
	if (kind == NF_TIME && d >= 0 && d < 1e7) {
		s = llround(d * 86400.0) % 86400;
		snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", s / 3600,
			s / 60 % 60, s % 60);
		return hd_xstrdup(buf);
	}
	g_ascii_formatd(buf, sizeof buf, "%.15g", d);
	return hd_xstrdup(buf);
}

/* ------------------------------------------------------ zip and XML */

/* What libxml2 reads a part through (the zip entry, counted) and what
 * its SAX callbacks hand the part's handler. */
struct src {
	struct archive *a;
	uint64_t got, cap;
	int over;               /* the part unpacked past cap */
	int broken;             /* libarchive failed to unpack it */
	char zerr[256];
	char xerr[256];         /* libxml2's first error */
	int xline;
	xmlParserCtxtPtr ctxt;
	struct xlsx *x;
	struct walk *w;
	node_fn fn;
	int rc;                 /* the handler's, or the DTD's, refusal */
};

/* libxml2's read callback: the next bytes of the entry, -1 past the
 * cap or on a damaged entry. */
static int src_read(void *ctx, char *buf, int len)
{
	struct src *s = ctx;
	la_ssize_t r;

	if (s->over || s->broken) {
		return -1;
	}
	r = archive_read_data(s->a, buf, (size_t)len);
	if (r < 0) {
		s->broken = 1;
		snprintf(s->zerr, sizeof s->zerr, "%s",
			archive_error_string(s->a) ? archive_error_string(s->a)
			: "unreadable");
		return -1;
	}
	s->got += (uint64_t)r;
	if (s->got > s->cap) {
		s->over = 1;
		return -1;
	}
	return (int)r;
}

/* libxml2's close callback: the archive is closed by its owner. */
static int src_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* libxml2's error handler: keeps the first error (not a warning),
 * prints nothing. */
static void src_error(void *ctx, xmlErrorPtr err)
{
	struct src *s = ctx;
	size_t n;
	char *p;

	if (s->xerr[0] != '\0' || err == NULL || err->message == NULL ||
	    err->level < XML_ERR_ERROR) {
		return;
	}
	/* libxml2's messages end in a newline */
	n = strcspn(err->message, "\n");
	p = hd_utf8_printable(err->message, n, 200);
	snprintf(s->xerr, sizeof s->xerr, "%s", p);
	free(p);
	s->xline = err->line;
}

/* Hand one event to the part's handler; a refusal stops the parser. */
static void sax_event(struct src *s, const struct ev *ev, int type)
{
	if (s->rc != 0) {
		return;
	}
	s->rc = s->fn(s->x, s->w, ev, type);
	if (s->rc != 0) {
		xmlStopParser(s->ctxt);
	}
}

/* SAX2: the start of an element. */
static void sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
	const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
	int ndefaulted, const xmlChar **attrs)
{
	struct ev ev = {(const char *)local, attrs, nattrs, NULL, 0};

	(void)prefix;
	(void)uri;
	(void)nns;
	(void)ns;
	(void)ndefaulted;
	sax_event(ctx, &ev, EV_START);
}

/* SAX2: the end of an element (also of an empty one, <c/>). */
static void sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
	const xmlChar *uri)
{
	struct ev ev = {(const char *)local, NULL, 0, NULL, 0};

	(void)prefix;
	(void)uri;
	sax_event(ctx, &ev, EV_END);
}

/* SAX2: character data, CDATA and white space, in pieces. */
static void sax_text(void *ctx, const xmlChar *text, int len)
{
	struct ev ev = {"", NULL, 0, (const char *)text, (size_t)len};

	sax_event(ctx, &ev, EV_TEXT);
}

/* SAX2: a <!DOCTYPE>, where entity bombs and external entities are
 * declared; no .xlsx part has one, and it is refused before anything
 * in it is used. */
static void sax_doctype(void *ctx, const xmlChar *name, const xmlChar *eid,
	const xmlChar *sid)
{
	struct src *s = ctx;

	(void)name;
	(void)eid;
	(void)sid;
	if (s->rc == 0) {
		s->rc = hd_err(s->x->e, HD_EINVAL, "%s: %s declares a "
			"document type (<!DOCTYPE>), which no .xlsx does: "
			"refused", s->x->name, s->x->part);
	}
	xmlStopParser(s->ctxt);
}

/* Open the zip for one pass over its entries.  Returns 0 and *out (the
 * caller frees it with archive_read_free), or HD_EINVAL. */
static int zip_open(struct xlsx *x, struct archive **out)
{
	struct archive *a = archive_read_new();

	if (a == NULL) {
		abort();
	}
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, x->data, x->n) != ARCHIVE_OK) {
		hd_err(x->e, HD_EINVAL, "%s: not a readable .xlsx (zip) "
			"file: %s", x->name, archive_error_string(a) ?
			archive_error_string(a) : "unknown format");
		archive_read_free(a);
		return HD_EINVAL;
	}
	*out = a;
	return 0;
}

/* Move a to the entry named part (compared as OPC does, ignoring case
 * and a leading "/").  Returns 0 when there, HD_ENOTFOUND when the zip
 * has no such entry, HD_EINVAL or HD_ELIMIT (x->e set) when the zip is
 * damaged or has too many entries. */
static int zip_find(struct xlsx *x, struct archive *a, const char *part)
{
	struct archive_entry *ent;
	const char *p;
	size_t count = 0;
	int r;

	for (;;) {
		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF) {
			return HD_ENOTFOUND;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			return hd_err(x->e, HD_EINVAL, "%s: not a readable "
				".xlsx (zip) file: %s", x->name,
				archive_error_string(a) ?
				archive_error_string(a) : "damaged");
		}
		if (++count > XLSX_ENTRIES) {
			return hd_err(x->e, HD_ELIMIT, "%s: more than %d "
				"entries in the zip", x->name, XLSX_ENTRIES);
		}
		p = archive_entry_pathname(ent);
		if (p == NULL) {
			continue;
		}
		while (*p == '/') {
			p++;
		}
		if (strcasecmp(p, part) == 0) {
			return 0;
		}
	}
}

/* Stream the part through libxml2's SAX parser, calling fn on each
 * event.  The parser pulls the entry through src_read, so the part is
 * never whole in memory (and libxml2 keeps its input buffer small, which
 * its push-mode reader does not for long runs of text).  cap bounds the
 * bytes the part may unpack to.  Returns 0, HD_ENOTFOUND (nothing set)
 * when the zip has no such part, or a negative code with x->e set. */
static int part_walk(struct xlsx *x, const char *part, uint64_t cap,
	node_fn fn, struct walk *w)
{
	struct archive *a = NULL;
	xmlSAXHandler sax;
	struct src s;
	int rc;

	x->part = part;
	rc = zip_open(x, &a);
	if (rc != 0) {
		return rc;
	}
	rc = zip_find(x, a, part);
	if (rc != 0) {
		goto out;
	}
	s = (struct src){.a = a, .cap = cap, .x = x, .w = w, .fn = fn};
	/* only these callbacks: no entity is resolved, nothing printed */
	sax = (xmlSAXHandler){.initialized = XML_SAX2_MAGIC,
		.startElementNs = sax_start, .endElementNs = sax_end,
		.characters = sax_text, .ignorableWhitespace = sax_text,
		.cdataBlock = sax_text, .internalSubset = sax_doctype,
		.serror = src_error};
	s.ctxt = xmlCreateIOParserCtxt(&sax, &s, src_read, src_close, &s,
		XML_CHAR_ENCODING_NONE);
	if (s.ctxt == NULL) {
		abort();
	}
	xmlCtxtUseOptions(s.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
		XML_PARSE_NOWARNING);
	xmlParseDocument(s.ctxt);
	if (s.rc != 0) {
		rc = s.rc;
	} else if (s.over) {
		rc = hd_err(x->e, HD_ELIMIT, "%s: %s unpacks to more than "
			"%llu MiB (a zip bomb?)", x->name, part,
			(unsigned long long)(cap >> 20));
	} else if (s.broken) {
		rc = hd_err(x->e, HD_EINVAL, "%s: %s cannot be unpacked "
			"(damaged or encrypted): %s", x->name, part, s.zerr);
	} else if (!s.ctxt->wellFormed) {
		rc = hd_err(x->e, HD_EINVAL, "%s: %s line %d: malformed "
			"XML: %s", x->name, part, s.xline,
			s.xerr[0] ? s.xerr : "unreadable");
	}
	xmlFreeParserCtxt(s.ctxt);
out:
	archive_read_free(a);
	return rc;
}

/* Release the gathered state of a walk. */
static void walk_release(struct walk *w)
{
	size_t i;

	hd_buf_release(&w->text);
	for (i = 0; i < w->capcells; i++) {
		free(w->cells[i]);
	}
	free(w->cells);
	memset(w, 0, sizeof *w);
}

/* The folder of a part name with its "/" ("xl/" for "xl/workbook.xml",
 * "" at the top).  Returns a new string (caller frees). */
static char *part_dir(const char *part)
{
	const char *slash = strrchr(part, '/');
	size_t n = slash ? (size_t)(slash - part) + 1 : 0;
	char *d = hd_xmalloc(n + 1);

	memcpy(d, part, n);
	d[n] = '\0';
	return d;
}

/* The part a relationship target names, relative to the folder base
 * ("worksheets/sheet1.xml" in "xl/"), or absolute ("/xl/..."); "." and
 * ".." are resolved.  Returns a new string (caller frees), or NULL when
 * the target leaves the package. */
static char *part_resolve(const char *base, const char *target)
{
	gchar **segs, *joined;
	GPtrArray *out;
	char *res = NULL;
	size_t i;

	joined = g_strconcat(target[0] == '/' ? "" : base, target, NULL);
	segs = g_strsplit(joined, "/", -1);
	out = g_ptr_array_new();
	for (i = 0; segs[i] != NULL; i++) {
		if (segs[i][0] == '\0' || strcmp(segs[i], ".") == 0) {
			continue;
		}
		if (strcmp(segs[i], "..") == 0) {
			if (out->len == 0) {
				goto out;
			}
			g_ptr_array_remove_index(out, out->len - 1);
			continue;
		}
		g_ptr_array_add(out, segs[i]);
	}
	if (out->len > 0) {
		gchar *j;

		g_ptr_array_add(out, NULL);
		j = g_strjoinv("/", (gchar **)out->pdata);
		res = hd_xstrdup(j);
		g_free(j);
	}
out:
	g_ptr_array_free(out, TRUE);
	g_strfreev(segs);
	g_free(joined);
	return res;
}

/* --------------------------------------------------------- the parts */

/* Release the relationships last read. */
static void rels_clear(struct xlsx *x)
{
	size_t i;

	for (i = 0; i < x->nrels; i++) {
		free(x->rels[i].id);
		free(x->rels[i].type);
		free(x->rels[i].target);
	}
	free(x->rels);
	x->rels = NULL;
	x->nrels = 0;
}

/* A .rels part: each <Relationship Id Type Target [TargetMode]>, its
 * target resolved against x->rels_base. */
static int on_rels(struct xlsx *x, struct walk *w, const struct ev *r,
	int type)
{
	struct rel *rl;
	char *target, *mode;

	(void)w;
	if (type != EV_START ||
	    strcmp(r->name, "Relationship") != 0) {
		return 0;
	}
	if (x->nrels >= XLSX_RELS) {
		return hd_err(x->e, HD_ELIMIT, "%s: %s: more than %d "
			"relationships", x->name, x->part, XLSX_RELS);
	}
	x->rels = hd_xrealloc(x->rels, (x->nrels + 1) * sizeof *x->rels);
	rl = &x->rels[x->nrels++];
	rl->id = attr(r, "Id", 0);
	rl->type = attr(r, "Type", 0);
	target = attr(r, "Target", 0);
	mode = attr(r, "TargetMode", 0);
	rl->target = NULL;
	if (target != NULL && (mode == NULL || strcmp(mode, "External"))) {
		rl->target = part_resolve(x->rels_base, target);
	}
	free(target);
	free(mode);
	return 0;
}

/* Read the .rels part of the part named of ("" for the package):
 * "xl/_rels/workbook.xml.rels".  Returns 0 (x->rels filled),
 * HD_ENOTFOUND, or a negative code with x->e set. */
static int rels_read(struct xlsx *x, const char *of)
{
	char *dir = part_dir(of), *path;
	struct hd_buf b;
	struct walk w;
	int rc;

	rels_clear(x);
	hd_buf_init(&b);
	hd_buf_printf(&b, "%s_rels/%s.rels", dir, of + strlen(dir));
	path = hd_buf_detach(&b);
	free(x->rels_base);
	x->rels_base = dir;
	free(x->rels_part);
	x->rels_part = path;
	memset(&w, 0, sizeof w);
	rc = part_walk(x, path, XLSX_META_MAX, on_rels, &w);
	walk_release(&w);
	return rc;
}

/* The target of the first relationship whose type ends in "/tail" (and
 * whose id is id, when id is not NULL), or NULL. */
static const char *rel_find(const struct xlsx *x, const char *tail,
	const char *id)
{
	size_t i;

	for (i = 0; i < x->nrels; i++) {
		if (x->rels[i].target != NULL &&
		    type_is(x->rels[i].type, tail) && (id == NULL ||
		    (x->rels[i].id && strcmp(x->rels[i].id, id) == 0))) {
			return x->rels[i].target;
		}
	}
	return NULL;
}

/* The workbook part: the 1904 date system, and the sheets in the order
 * of their tabs. */
static int on_workbook(struct xlsx *x, struct walk *w, const struct ev *r,
	int type)
{
	struct wsheet *sh;
	const char *n = r->name;
	char *v;

	(void)w;
	if (type != EV_START) {
		return 0;
	}
	if (strcmp(n, "workbookPr") == 0) {
		v = attr(r, "date1904", 0);
		x->date1904 = v && (strcmp(v, "1") == 0 ||
			strcmp(v, "true") == 0);
		free(v);
	} else if (strcmp(n, "sheet") == 0) {
		if (x->nsheets >= XLSX_SHEETS) {
			return hd_err(x->e, HD_ELIMIT, "%s: more than %d "
				"sheets", x->name, XLSX_SHEETS);
		}
		x->sheets = hd_xrealloc(x->sheets,
			(x->nsheets + 1) * sizeof *x->sheets);
		sh = &x->sheets[x->nsheets++];
		sh->name = attr(r, "name", 0);
		sh->rid = attr(r, "id", 1);
		v = attr(r, "state", 0);
		sh->hidden = v && (strcmp(v, "hidden") == 0 ||
			strcmp(v, "veryHidden") == 0);
		free(v);
	}
	return 0;
}

/* The styles part: custom number formats (<numFmts>) and, for each
 * cell format (<cellXfs><xf>), its numFmtId.  <xf> elsewhere (the
 * <cellStyleXfs>) is not what a cell's s attribute indexes. */
static int on_styles(struct xlsx *x, struct walk *w, const struct ev *r,
	int type)
{
	const char *n = r->name;
	long id;

	if (type == EV_END) {
		if (strcmp(n, "numFmts") == 0) {
			w->in_fmts = 0;
		} else if (strcmp(n, "cellXfs") == 0) {
			w->in_xfs = 0;
		}
		return 0;
	}
	if (type != EV_START) {
		return 0;
	}
	if (strcmp(n, "numFmts") == 0) {
		w->in_fmts = 1;
	} else if (strcmp(n, "cellXfs") == 0) {
		w->in_xfs = 1;
	} else if (w->in_fmts && strcmp(n, "numFmt") == 0) {
		if (x->nfmt >= XLSX_NUMFMTS) {
			return hd_err(x->e, HD_ELIMIT, "%s: %s: more than %d "
				"number formats", x->name, x->part,
				XLSX_NUMFMTS);
		}
		if (attr_long(r, "numFmtId", 0, INT32_MAX, -1, &id) != 0 ||
		    id < 0) {
			return 0;
		}
		x->fmt_id = hd_xrealloc(x->fmt_id,
			(x->nfmt + 1) * sizeof *x->fmt_id);
		x->fmt_code = hd_xrealloc(x->fmt_code,
			(x->nfmt + 1) * sizeof *x->fmt_code);
		x->fmt_id[x->nfmt] = (int)id;
		x->fmt_code[x->nfmt] = attr(r, "formatCode", 0);
		x->nfmt++;
	} else if (w->in_xfs && strcmp(n, "xf") == 0) {
		if (x->nxf >= XLSX_XFS) {
			return hd_err(x->e, HD_ELIMIT, "%s: %s: more than %d "
				"cell formats", x->name, x->part, XLSX_XFS);
		}
		if (attr_long(r, "numFmtId", 0, INT32_MAX, 0, &id) != 0) {
			id = 0;
		}
		x->xf_fmt = hd_xrealloc(x->xf_fmt,
			(x->nxf + 1) * sizeof *x->xf_fmt);
		x->xf_fmt[x->nxf++] = (int)id;
	}
	return 0;
}

/* Classify each cell format once the styles are read (a <numFmt> may
 * in principle follow the <xf> that uses it). */
static void styles_classify(struct xlsx *x)
{
	const char *code;
	size_t i, k;

	x->xf_kind = hd_xcalloc(x->nxf ? x->nxf : 1, 1);
	for (i = 0; i < x->nxf; i++) {
		code = NULL;
		for (k = 0; k < x->nfmt; k++) {
			if (x->fmt_id[k] == x->xf_fmt[i] &&
			    x->fmt_code[k] != NULL) {
				code = x->fmt_code[k];
			}
		}
		x->xf_kind[i] = (unsigned char)xlsx_numfmt_kind(x->xf_fmt[i],
			code);
	}
}

/* Node handler of the text of a string item (<si> of the shared
 * strings, <is> of an inline string): the <t> directly in it or in its
 * rich-text runs <r>, never the phonetic reading <rPh>. */
static void on_string_text(struct walk *w, const struct ev *r, int type)
{
	const char *n;

	if (type == EV_START ||
	    type == EV_END) {
		n = r->name;
		if (strcmp(n, "rPh") == 0) {
			w->in_rph = type == EV_START;
		} else if (strcmp(n, "t") == 0) {
			w->in_t = type == EV_START &&
				!w->in_rph;
		}
	} else if (w->in_t && type == EV_TEXT) {
		text_add(w, r->text, r->len);
	}
}

/* The shared strings part: each <si> becomes one string of x->sst. */
static int on_sst(struct xlsx *x, struct walk *w, const struct ev *r,
	int type)
{
	int is_si = (type == EV_START ||
		type == EV_END) &&
		strcmp(r->name, "si") == 0;

	if (is_si && type == EV_START) {
		if (x->nsst >= XLSX_STRINGS) {
			return hd_err(x->e, HD_ELIMIT, "%s: %s: more than %d "
				"shared strings", x->name, x->part,
				XLSX_STRINGS);
		}
		w->in_si = 1;
		w->in_t = 0;
		w->in_rph = 0;
		text_reset(w);
		return 0;
	}
	if (!w->in_si) {
		return 0;
	}
	if (!is_si) {
		on_string_text(w, r, type);
		return 0;
	}
	w->in_si = 0;
	if (x->nsst % 1024 == 0) {
		x->sst_off = hd_xrealloc(x->sst_off,
			(x->nsst + 1024) * sizeof *x->sst_off);
	}
	if (w->too_long) {
		x->sst_off[x->nsst++] = SST_LONG;
		return 0;
	}
	x->sst_off[x->nsst++] = x->sst.len;
	hd_buf_add(&x->sst, w->text.p ? w->text.p : "", w->text.len);
	hd_buf_add(&x->sst, "", 1);
	return 0;
}

/* Free the cells of the row and make it empty. */
static void row_clear(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->ncells; i++) {
		free(w->cells[i]);
		w->cells[i] = NULL;
	}
	w->ncells = 0;
}

/* A cell reference "B3" to its column (A is 0).  Returns 0, or -1 when
 * it is no reference or past column XFD. */
static int ref_col(const char *ref, long *col)
{
	long c = 0;
	const char *p = ref;

	while (g_ascii_isalpha(*p) && p - ref < 3) {
		c = c * 26 + (g_ascii_toupper(*p) - 'A' + 1);
		p++;
	}
	if (p == ref || !g_ascii_isdigit(*p)) {
		return -1;
	}
	while (g_ascii_isdigit(*p)) {
		p++;
	}
	if (*p != '\0' || c > XLSX_COLS) {
		return -1;
	}
	*col = c - 1;
	return 0;
}

/* The start of a cell <c r t s>: where it is and what it holds. */
static int cell_start(struct xlsx *x, struct walk *w, const struct ev *r)
{
	char *v;

	if (++w->cells_seen > XLSX_CELLS) {
		return hd_err(x->e, HD_ELIMIT, "%s: more than %d cells",
			x->name, XLSX_CELLS);
	}
	w->in_cell = 1;
	text_reset(w);
	w->col++;
	v = attr(r, "r", 0);
	if (v != NULL) {
		snprintf(w->ref, sizeof w->ref, "%s", v);
		if (ref_col(v, &w->col) != 0) {
			char *show = hd_utf8_printable(v, strlen(v), 40);

			hd_err(x->e, HD_EINVAL, "%s line %ld: '%s' is not a "
				"cell reference (A1 to XFD1048576)", x->name,
				w->row, show);
			free(show);
			free(v);
			return HD_EINVAL;
		}
		free(v);
	} else if (w->col >= XLSX_COLS) {
		return hd_err(x->e, HD_EINVAL, "%s line %ld: more than %d "
			"columns", x->name, w->row, XLSX_COLS);
	} else {
		snprintf(w->ref, sizeof w->ref, "column %ld", w->col + 1);
	}
	v = attr(r, "t", 0);
	snprintf(w->ctype, sizeof w->ctype, "%s", v ? v : "n");
	free(v);
	if (attr_long(r, "s", 0, INT32_MAX, 0, &w->style) != 0) {
		w->style = 0;
	}
	return 0;
}

/* The end of a cell: its text by type (shared string, inline string,
 * formula string, boolean, error, date, number) placed in the row. */
static int cell_end(struct xlsx *x, struct walk *w)
{
	const char *t = w->ctype, *raw = w->text.p ? w->text.p : "";
	char *val = NULL, *end;
	long idx;
	int kind;

	w->in_cell = 0;
	w->in_v = 0;
	w->in_is = 0;
	if (w->too_long) {
		return hd_err(x->e, HD_EINVAL, "%s line %ld: a cell is "
			"longer than %u bytes", x->name, w->row,
			SHEET_CELL_MAX);
	}
	if (strcmp(t, "s") == 0) {
		if (w->text.len == 0) {
			return 0;
		}
		idx = strtol(raw, &end, 10);
		if (end == raw || *end != '\0' || idx < 0 ||
		    (size_t)idx >= x->nsst) {
			return hd_err(x->e, HD_EINVAL, "%s line %ld: cell %s "
				"uses shared string %.20s, which the file does "
				"not have", x->name, w->row, w->ref, raw);
		}
		if (x->sst_off[idx] == SST_LONG) {
			return hd_err(x->e, HD_EINVAL, "%s line %ld: a cell "
				"is longer than %u bytes", x->name, w->row,
				SHEET_CELL_MAX);
		}
		val = hd_xstrdup(x->sst.p + x->sst_off[idx]);
	} else if (strcmp(t, "b") == 0) {
		val = hd_xstrdup(strcmp(raw, "1") == 0 ? "TRUE" :
			strcmp(raw, "0") == 0 ? "FALSE" : raw);
	} else if (strcmp(t, "d") == 0) {
		/* an ISO 8601 date cell: "1985-01-05T00:00:00" */
		val = hd_xstrdup(raw);
		end = strchr(val, 'T');
		if (end != NULL && end - val == 10) {
			*end = '\0';
		}
	} else if (strcmp(t, "n") == 0 && w->text.len > 0) {
		kind = w->style >= 0 && (size_t)w->style < x->nxf ?
			x->xf_kind[w->style] : NF_NUMBER;
		val = number_text(raw, kind, x->date1904);
	} else if (w->text.len > 0) {
		/* inlineStr, str (a formula's text), e (#N/A) */
		val = hd_xstrdup(raw);
	}
	if (val == NULL) {
		return 0;
	}
	xstring_unescape(val);
	if (val[0] == '\0') {
		free(val);
		return 0;
	}
	if ((size_t)w->col >= w->capcells) {
		size_t cap = w->capcells ? w->capcells : 16;

		while (cap <= (size_t)w->col) {
			cap *= 2;
		}
		w->cells = hd_xrealloc(w->cells, cap * sizeof *w->cells);
		memset(w->cells + w->capcells, 0,
			(cap - w->capcells) * sizeof *w->cells);
		w->capcells = cap;
	}
	free(w->cells[w->col]);
	w->cells[w->col] = val;
	if ((size_t)w->col + 1 > w->ncells) {
		w->ncells = (size_t)w->col + 1;
	}
	return 0;
}

/* The worksheet part: rows of <sheetData>, each handed to w->fn when it
 * holds a cell that is not empty. */
static int on_sheet(struct xlsx *x, struct walk *w, const struct ev *r,
	int type)
{
	const char *n;
	long row;
	int rc;

	if (type == EV_START ||
	    type == EV_END) {
		n = r->name;
		if (strcmp(n, "sheetData") == 0) {
			w->in_data = type == EV_START;
			return 0;
		}
		if (!w->in_data) {
			return 0;
		}
		if (type == EV_START && strcmp(n, "row") == 0) {
			if (attr_long(r, "r", 1, XLSX_ROWS, w->row + 1, &row)
			    != 0 || row > XLSX_ROWS) {
				return hd_err(x->e, HD_EINVAL, "%s: after line "
					"%ld, a row whose number is not one "
					"from 1 to %d", x->name, w->row,
					XLSX_ROWS);
			}
			row_clear(w);
			w->row = row;
			w->col = -1;
		} else if (strcmp(n, "row") == 0) {
			if (w->ncells == 0) {
				return 0;
			}
			rc = w->fn(w->ctx, (int)w->row, w->cells, w->ncells);
			row_clear(w);
			return rc;
		} else if (strcmp(n, "c") == 0) {
			if (type == EV_START) {
				return cell_start(x, w, r);
			}
			return w->in_cell ? cell_end(x, w) : 0;
		} else if (w->in_cell && strcmp(n, "v") == 0) {
			w->in_v = type == EV_START;
		} else if (w->in_cell && strcmp(n, "is") == 0) {
			w->in_is = type == EV_START;
		} else if (w->in_is) {
			on_string_text(w, r, type);
		}
		return 0;
	}
	if (w->in_is) {
		on_string_text(w, r, type);
	} else if (w->in_v && type == EV_TEXT) {
		text_add(w, r->text, r->len);
	}
	return 0;
}

/* What kind of zip this is, when it has no workbook: for the message
 * that says which kinds of sheet are accepted. */
static const char *zip_kind(struct xlsx *x)
{
	struct archive *a;
	char buf[128];
	la_ssize_t got;
	struct hd_error keep = *x->e;
	const char *kind = "a zip archive without an Excel workbook";

	if (zip_open(x, &a) != 0) {
		*x->e = keep;
		return kind;
	}
	if (zip_find(x, a, "mimetype") == 0) {
		got = archive_read_data(a, buf, sizeof buf - 1);
		buf[got > 0 ? got : 0] = '\0';
		if (strstr(buf, "opendocument.spreadsheet") != NULL) {
			kind = "an OpenDocument spreadsheet (.ods)";
		} else if (strstr(buf, "opendocument") != NULL) {
			kind = "an OpenDocument file";
		}
	}
	archive_read_free(a);
	*x->e = keep;
	return kind;
}

/* Release everything x holds. */
static void xlsx_release(struct xlsx *x)
{
	size_t i;

	rels_clear(x);
	free(x->rels_base);
	free(x->rels_part);
	free(x->office);
	for (i = 0; i < x->nsheets; i++) {
		free(x->sheets[i].name);
		free(x->sheets[i].rid);
	}
	free(x->sheets);
	hd_strv_free(x->fmt_code, x->nfmt);
	free(x->fmt_id);
	free(x->xf_fmt);
	free(x->xf_kind);
	hd_buf_release(&x->sst);
	free(x->sst_off);
}

/* Choose the sheet to read: the first visible worksheet in the order of
 * the tabs (a hidden first sheet is usually a lookup list), else the
 * first worksheet.  Returns its part name (owned by x->rels) and sets
 * *sheet_name, or NULL with x->e set. */
static const char *sheet_choose(struct xlsx *x, const char **sheet_name)
{
	const char *part, *first = NULL, *first_name = NULL;
	size_t i;

	for (i = 0; i < x->nsheets; i++) {
		if (x->sheets[i].rid == NULL) {
			continue;
		}
		part = rel_find(x, "worksheet", x->sheets[i].rid);
		if (part == NULL) {
			continue;
		}
		if (!x->sheets[i].hidden) {
			*sheet_name = x->sheets[i].name;
			return part;
		}
		if (first == NULL) {
			first = part;
			first_name = x->sheets[i].name;
		}
	}
	if (first == NULL) {
		hd_err(x->e, HD_EINVAL, "%s: the workbook has no worksheet",
			x->name);
	}
	*sheet_name = first_name;
	return first;
}

/* Read the part that the workbook's first relationship of type tail
 * leads to (the styles, the shared strings), which a workbook may lack.
 * Returns 0 when it is read or absent, else a negative code with x->e
 * set. */
static int optional_part(struct xlsx *x, const char *tail, uint64_t cap,
	node_fn fn, struct walk *w)
{
	const char *part = rel_find(x, tail, NULL);
	int rc;

	if (part == NULL) {
		return 0;
	}
	walk_release(w);
	rc = part_walk(x, part, cap, fn, w);
	return rc == HD_ENOTFOUND ? 0 : rc;
}

/* xlsx_read: see sheet.h. */
int xlsx_read(const char *name, const void *data, size_t n,
	xlsx_row_fn fn, void *ctx, struct hd_error *e)
{
	struct xlsx x;
	struct walk w;
	const char *sheet, *sheet_name = NULL, *part;
	char *sheet_part = NULL;
	int rc;

	/* libxml2's globals, which it wants set up before a parse in a
	 * program with threads (a no-op after the first call) */
	xmlInitParser();
	memset(&x, 0, sizeof x);
	memset(&w, 0, sizeof w);
	x.name = name;
	x.data = data;
	x.n = n;
	x.e = e;
	hd_buf_init(&x.sst);
	hd_buf_init(&w.text);
	/* the package: where the workbook is (xl/workbook.xml by custom) */
	rc = rels_read(&x, "");
	if (rc != 0 && rc != HD_ENOTFOUND) {
		goto out;
	}
	part = rel_find(&x, "officeDocument", NULL);
	x.office = hd_xstrdup(part ? part : "xl/workbook.xml");
	rc = part_walk(&x, x.office, XLSX_META_MAX, on_workbook, &w);
	if (rc == HD_ENOTFOUND) {
		rc = hd_err(e, HD_EINVAL, "%s: %s, not a catalogue sheet: %s",
			name, zip_kind(&x), SHEET_KINDS);
		goto out;
	}
	if (rc != 0) {
		goto out;
	}
	rc = rels_read(&x, x.office);
	if (rc == HD_ENOTFOUND) {
		rc = hd_err(e, HD_EINVAL, "%s: the workbook's relationships "
			"(%s) are missing", name, x.rels_part);
		goto out;
	}
	if (rc != 0) {
		goto out;
	}
	sheet = sheet_choose(&x, &sheet_name);
	if (sheet == NULL) {
		rc = HD_EINVAL;
		goto out;
	}
	sheet_part = hd_xstrdup(sheet);
	rc = optional_part(&x, "styles", XLSX_META_MAX, on_styles, &w);
	if (rc != 0) {
		goto out;
	}
	styles_classify(&x);
	rc = optional_part(&x, "sharedStrings", XLSX_DATA_MAX, on_sst, &w);
	if (rc != 0) {
		goto out;
	}
	walk_release(&w);
	w.fn = fn;
	w.ctx = ctx;
	rc = part_walk(&x, sheet_part, XLSX_DATA_MAX, on_sheet, &w);
	if (rc == HD_ENOTFOUND) {
		char *show = hd_utf8_printable(sheet_name ? sheet_name : "",
			sheet_name ? strlen(sheet_name) : 0, 80);

		rc = hd_err(e, HD_EINVAL, "%s: the worksheet '%s' (%s) is "
			"missing from the file", name, show, sheet_part);
		free(show);
	}
out:
	walk_release(&w);
	free(sheet_part);
	xlsx_release(&x);
	return rc;
}
