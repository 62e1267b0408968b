/*
 * gen_sample.c - build the bundled sample collection of the 前锋社区
 * archive room from small text sources.
 *
 * Usage: gen-sample SRCDIR OUTDIR.  Reads SRCDIR/records.txt (the block
 * format is described in SRCDIR/README.md) and writes OUTDIR/目录.csv, the
 * catalogue sheet, plus every file the sheet names: text records (.txt,
 * .md, .html) from the source bodies, and photos, scans and book covers
 * drawn procedurally, encoded with libjpeg and given real EXIF through
 * libexif.  Guarantees: every file written under OUTDIR except 目录.csv is
 * named by exactly one row of the sheet (checked before anything is
 * written); the output depends on the sources only - each picture is
 * drawn from a seed derived from its path, no clock is read - so the same
 * sources always give byte-identical files.  All people and events are
 * fictional.  Needs only libc, libjpeg and libexif.
 */
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <libexif/exif-data.h>

#include "sample.h"

/* ------------------------------------------------------------ basics */

static void die(const char *fmt, ...) __attribute__((noreturn,
	format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("gen-sample: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Out of memory is the one error we do not report: abort. */
void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		abort();
	}
	return q;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

/* A growing byte buffer; p is always NUL-terminated. */
struct buf {
	char *p;
	size_t n;
	size_t cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static char *
slurp(const char *path, size_t *len)
{
	struct buf b = { NULL, 0, 0 };
	char tmp[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		die("%s: %s", path, strerror(errno));
	}
	buf_add(&b, "", 0);
	for (;;) {
		n = fread(tmp, 1, sizeof(tmp), f);
		if (n == 0) {
			break;
		}
		buf_add(&b, tmp, n);
	}
	if (ferror(f)) {
		die("%s: read error", path);
	}
	fclose(f);
	*len = b.n;
	return b.p;
}

/* Make every parent folder of path (a file path). */
static void
mkparents(const char *path)
{
	char *p = xstrdup(path);
	char *s;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/') {
			continue;
		}
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			die("%s: %s", p, strerror(errno));
		}
		*s = '/';
	}
	free(p);
}

static void
write_file(const char *path, const void *data, size_t n)
{
	FILE *f;

	mkparents(path);
	f = fopen(path, "wb");
	if (f == NULL) {
		die("%s: %s", path, strerror(errno));
	}
	if (fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		die("%s: write error", path);
	}
}

/* FNV-1a: the seed of a picture comes from its path. */
static uint64_t
hash64(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* ------------------------------------------------------------ sources */

/* The sheet columns, in the order they are written. */
enum { C_FILE, C_TITLE, C_CREATOR, C_DATE, C_CAT, C_RET, C_ACCESS,
	C_SUBJ, C_PERS, C_PLACE, C_PAGES, C_CLASS, C_NOTE, C_LOC, NCOLS };
static const char *const colname[NCOLS] = {
	"文件名", "题名", "责任者", "日期", "门类", "保管期限", "开放",
	"主题词", "人物", "地点", "页数", "机构问题", "附注", "位置"
};

struct kv {
	char *k;
	char *v;
};

/* One file to generate: a text (body from the source) or an image
 * (drawn from key: value parameters). */
struct gfile {
	int is_text;
	char *path;             /* relative to OUTDIR */
	char *enc;              /* text encoding: NULL (UTF-8) or gb18030 */
	struct kv *kv;
	size_t nkv;
	struct buf body;
	int line;               /* in records.txt, for messages */
};

struct rec {
	char *f[NCOLS];
	struct gfile *files;
	size_t nfiles;
	int line;
};

static struct rec *recs;
static size_t nrecs;
static const char *srcname;

static const char *
kv_get(const struct gfile *g, const char *k, const char *def)
{
	size_t i;

	for (i = 0; i < g->nkv; i++) {
		if (strcmp(g->kv[i].k, k) == 0) {
			return g->kv[i].v;
		}
	}
	return def;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
		*--e = '\0';
	}
	return s;
}

/* Parse "@ text PATH [enc=gb18030]" or "@ image PATH". */
static void
parse_file_header(struct rec *r, char *s, int lineno)
{
	struct gfile *g;
	char *kind = strtok(s, " \t");
	char *path = strtok(NULL, " \t");
	char *opt = strtok(NULL, " \t");

	if (kind == NULL || path == NULL) {
		die("%s:%d: '@ KIND PATH' expected", srcname, lineno);
	}
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof(*g));
	g = &r->files[r->nfiles++];
	memset(g, 0, sizeof(*g));
	g->path = xstrdup(path);
	g->line = lineno;
	if (strcmp(kind, "text") == 0) {
		g->is_text = 1;
	} else if (strcmp(kind, "image") != 0) {
		die("%s:%d: unknown kind '%s'", srcname, lineno, kind);
	}
	if (opt != NULL && strcmp(opt, "enc=gb18030") == 0) {
		g->enc = xstrdup("GB18030");
	} else if (opt != NULL) {
		die("%s:%d: unknown option '%s'", srcname, lineno, opt);
	}
	if (path[0] == '/' || strstr(path, "..") != NULL) {
		die("%s:%d: bad path '%s'", srcname, lineno, path);
	}
}

static void
parse_field(struct rec *r, struct gfile *g, char *line, int lineno)
{
	char *colon = strchr(line, ':');
	char *k, *v;
	int i;

	if (colon == NULL) {
		die("%s:%d: 'key: value' expected", srcname, lineno);
	}
	*colon = '\0';
	k = trim(line);
	v = trim(colon + 1);
	if (g != NULL) {
		g->kv = xrealloc(g->kv, (g->nkv + 1) * sizeof(*g->kv));
		g->kv[g->nkv].k = xstrdup(k);
		g->kv[g->nkv].v = xstrdup(v);
		g->nkv++;
		return;
	}
	for (i = 0; i < NCOLS; i++) {
		if (strcmp(k, colname[i]) == 0) {
			free(r->f[i]);
			r->f[i] = xstrdup(v);
			return;
		}
	}
	die("%s:%d: unknown column '%s'", srcname, lineno, k);
}

/* Records start at a line "%%"; files at "@ KIND PATH".  Outside text
 * bodies, '#' lines and blank lines are ignored. */
static void
parse_sources(char *text)
{
	char *line = text;
	char *next;
	char *nl;
	struct rec *r = NULL;
	struct gfile *g = NULL;
	int lineno = 0;
	size_t n;

	while (*line != '\0') {
		nl = strchr(line, '\n');
		next = nl != NULL ? nl + 1 : line + strlen(line);
		if (nl != NULL) {
			*nl = '\0';
		}
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\r') {
			line[n - 1] = '\0';
		}
		lineno++;
		if (strcmp(line, "%%") == 0) {
			recs = xrealloc(recs, (nrecs + 1) * sizeof(*r));
			r = &recs[nrecs++];
			memset(r, 0, sizeof(*r));
			r->line = lineno;
			g = NULL;
		} else if (strncmp(line, "@ ", 2) == 0) {
			if (r == NULL) {
				die("%s:%d: file outside a record", srcname,
					lineno);
			}
			parse_file_header(r, line + 2, lineno);
			g = &r->files[r->nfiles - 1];
		} else if (g != NULL && g->is_text) {
			if (g->body.n > 0 || *trim(line) != '\0') {
				buf_puts(&g->body, line);
				buf_puts(&g->body, "\n");
			}
		} else if (line[0] == '#' || *trim(line) == '\0') {
			/* comment or blank */
		} else if (r == NULL) {
			die("%s:%d: field outside a record", srcname, lineno);
		} else {
			parse_field(r, g, line, lineno);
		}
		line = next;
	}
}

/* Every record has a title and files; every path is written once and
 * named by one row: a folder row owns exactly the files under it. */
static void
check_sources(void)
{
	size_t i, j, k, l;
	struct rec *r;

	for (i = 0; i < nrecs; i++) {
		r = &recs[i];
		if (r->f[C_TITLE] == NULL || r->nfiles == 0) {
			die("%s:%d: record without 题名 or files", srcname,
				r->line);
		}
		for (j = 0; j < r->nfiles; j++) {
			struct gfile *g = &r->files[j];

			while (g->body.n > 1 &&
				g->body.p[g->body.n - 2] == '\n') {
				g->body.p[--g->body.n] = '\0';
			}
			if (g->is_text && g->body.n == 0) {
				die("%s:%d: empty text", srcname, g->line);
			}
			for (k = 0; k < nrecs; k++) {
				const char *d = recs[k].f[C_FILE];
				size_t dn = d != NULL ? strlen(d) : 0;

				if (k != i && d != NULL &&
					strncmp(g->path, d, dn) == 0 &&
					g->path[dn] == '/') {
					die("%s:%d: %s is inside folder row %s",
						srcname, g->line, g->path, d);
				}
				if (k == i && d != NULL &&
					(strncmp(g->path, d, dn) != 0 ||
					g->path[dn] != '/')) {
					die("%s:%d: %s is not under %s",
						srcname, g->line, g->path, d);
				}
				for (l = 0; l < recs[k].nfiles; l++) {
					if ((k != i || l != j) && strcmp(
						recs[k].files[l].path,
						g->path) == 0) {
						die("%s:%d: %s written twice",
							srcname, g->line,
							g->path);
					}
				}
			}
		}
	}
}

/* ------------------------------------------------------------ texts */

static void
html_escape(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '&') {
			buf_puts(b, "&amp;");
		} else if (s[i] == '<') {
			buf_puts(b, "&lt;");
		} else if (s[i] == '>') {
			buf_puts(b, "&gt;");
		} else {
			buf_add(b, s + i, 1);
		}
	}
}

/* The body as an HTML page: "## x" a heading, "- x" a list item, any
 * other line a paragraph. */
static void
render_html(struct buf *o, const char *title, const char *body)
{
	const char *s = body;
	const char *e;
	int inlist = 0;

	buf_puts(o, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
		"<meta charset=\"utf-8\">\n<title>");
	html_escape(o, title, strlen(title));
	buf_puts(o, "</title>\n<style>body{font-family:serif;"
		"max-width:40em;margin:2em auto;line-height:1.8}</style>\n"
		"</head>\n<body>\n<h1>");
	html_escape(o, title, strlen(title));
	buf_puts(o, "</h1>\n");
	while (*s != '\0') {
		e = strchr(s, '\n');
		if (e == NULL) {
			e = s + strlen(s);
		}
		if (inlist && strncmp(s, "- ", 2) != 0) {
			buf_puts(o, "</ul>\n");
			inlist = 0;
		}
		if (strncmp(s, "## ", 3) == 0) {
			buf_puts(o, "<h2>");
			html_escape(o, s + 3, (size_t)(e - s - 3));
			buf_puts(o, "</h2>\n");
		} else if (strncmp(s, "- ", 2) == 0) {
			if (!inlist) {
				buf_puts(o, "<ul>\n");
				inlist = 1;
			}
			buf_puts(o, "<li>");
			html_escape(o, s + 2, (size_t)(e - s - 2));
			buf_puts(o, "</li>\n");
		} else if (e > s) {
			buf_puts(o, "<p>");
			html_escape(o, s, (size_t)(e - s));
			buf_puts(o, "</p>\n");
		}
		s = *e != '\0' ? e + 1 : e;
	}
	if (inlist) {
		buf_puts(o, "</ul>\n");
	}
	buf_puts(o, "</body>\n</html>\n");
}

static void
write_text(const char *out, const struct rec *r, const struct gfile *g)
{
	struct buf o = { NULL, 0, 0 };
	const char *ext = strrchr(g->path, '.');
	const char *title = r->f[C_TITLE];

	buf_add(&o, "", 0);
	if (ext != NULL && strcmp(ext, ".html") == 0) {
		render_html(&o, title, g->body.p);
	} else {
		if (ext != NULL && strcmp(ext, ".md") == 0) {
			buf_puts(&o, "# ");
		}
		buf_puts(&o, title);
		buf_puts(&o, "\n\n");
		buf_puts(&o, g->body.p);
	}
	if (g->enc != NULL) {
		iconv_t cd = iconv_open(g->enc, "UTF-8");
		size_t cap = o.n * 2 + 16;
		char *conv = xrealloc(NULL, cap);
		char *in = o.p, *op = conv;
		size_t inleft = o.n, outleft = cap;

		if (cd == (iconv_t)-1 ||
			iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1) {
			die("%s: cannot convert to %s", g->path, g->enc);
		}
		iconv_close(cd);
		write_file(out, conv, cap - outleft);
		free(conv);
	} else {
		write_file(out, o.p, o.n);
	}
	free(o.p);
}

/* ------------------------------------------------------------ EXIF */

/* Cameras and scanners named in the sources by a short id. */
static const struct camera {
	const char *id;
	const char *make;
	const char *model;
	const char *software;
	double focal;           /* mm, 0 for a scanner */
} cameras[] = {
	{ "v850", "EPSON", "Perfection V850 Pro", "EPSON Scan", 0 },
	{ "9000f", "Canon", "CanoScan 9000F Mark II", "ScanGear", 0 },
	{ "a70", "Canon", "Canon PowerShot A70", NULL, 5.4 },
	{ "d70s", "NIKON CORPORATION", "NIKON D70s", "Ver.1.00", 35 },
	{ "5d2", "Canon", "Canon EOS 5D Mark II", NULL, 35 },
	{ "5d4", "Canon", "Canon EOS 5D Mark IV", NULL, 24 },
	{ "p30", "HUAWEI", "ELE-AL00", NULL, 5.6 },
	{ "ip12", "Apple", "iPhone 12", "14.4", 4.2 },
};

static ExifEntry *
exif_put(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt,
	unsigned long n)
{
	ExifMem *mem = exif_mem_new_default();
	ExifEntry *e = exif_entry_new_mem(mem);
	size_t sz = exif_format_get_size(fmt) * n;

	if (mem == NULL || e == NULL) {
		abort();
	}
	e->data = exif_mem_alloc(mem, (ExifLong)sz);
	if (e->data == NULL) {
		abort();
	}
	e->size = (unsigned int)sz;
	e->tag = tag;
	e->components = n;
	e->format = fmt;
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_mem_unref(mem);
	exif_entry_unref(e);
	return e;
}

static void
exif_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
	ExifEntry *e = exif_put(ed, ifd, tag, EXIF_FORMAT_ASCII,
		strlen(s) + 1);

	memcpy(e->data, s, strlen(s) + 1);
}

static void
exif_short(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned v)
{
	ExifEntry *e = exif_put(ed, ifd, tag, EXIF_FORMAT_SHORT, 1);

	exif_set_short(e->data, EXIF_BYTE_ORDER_INTEL, (ExifShort)v);
}

static void
exif_long(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned v)
{
	ExifEntry *e = exif_put(ed, ifd, tag, EXIF_FORMAT_LONG, 1);

	exif_set_long(e->data, EXIF_BYTE_ORDER_INTEL, (ExifLong)v);
}

/* n rationals num[i]/den[i]. */
static void
exif_rats(ExifData *ed, ExifIfd ifd, ExifTag tag, const unsigned *num,
	const unsigned *den, int n)
{
	ExifEntry *e = exif_put(ed, ifd, tag, EXIF_FORMAT_RATIONAL,
		(unsigned long)n);
	ExifRational r;
	int i;

	for (i = 0; i < n; i++) {
		r.numerator = num[i];
		r.denominator = den[i];
		exif_set_rational(e->data + 8 * i, EXIF_BYTE_ORDER_INTEL, r);
	}
}

static void
exif_rat(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned num,
	unsigned den)
{
	exif_rats(ed, ifd, tag, &num, &den, 1);
}

static void
exif_undef(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s,
	size_t n)
{
	ExifEntry *e = exif_put(ed, ifd, tag, EXIF_FORMAT_UNDEFINED, n);

	memcpy(e->data, s, n);
}

/* Degrees as the three rationals EXIF GPS wants (d, m, s/100). */
static void
exif_deg(ExifData *ed, ExifTag tag, double v)
{
	unsigned num[3], den[3] = { 1, 1, 100 };
	double mins = (v - floor(v)) * 60;

	num[0] = (unsigned)floor(v);
	num[1] = (unsigned)floor(mins);
	num[2] = (unsigned)lround((mins - floor(mins)) * 6000);
	exif_rats(ed, EXIF_IFD_GPS, tag, num, den, 3);
}

/* "1998-12-20 10:30:00" -> "1998:12:20 10:30:00". */
static void
exif_time(char out[20], const char *s, const char *path)
{
	if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ') {
		die("%s: time '%s' is not YYYY-MM-DD HH:MM:SS", path, s);
	}
	memcpy(out, s, 20);
	out[4] = ':';
	out[7] = ':';
}

/* Build the APP1 payload ("Exif\0\0" + TIFF) for one picture; the
 * caller frees *out with free(). */
static void
make_exif(const struct gfile *g, int w, int h, int orient,
	unsigned char **out, unsigned int *len)
{
	ExifData *ed = exif_data_new();
	const char *cam = kv_get(g, "cam", "v850");
	const char *taken = kv_get(g, "taken", NULL);
	const char *scan = kv_get(g, "scan", NULL);
	const char *gps = kv_get(g, "gps", NULL);
	const struct camera *c = NULL;
	unsigned dpi = (unsigned)atoi(kv_get(g, "dpi", "300"));
	char t1[20], t2[20];
	size_t i;

	for (i = 0; i < sizeof(cameras) / sizeof(cameras[0]); i++) {
		if (strcmp(cameras[i].id, cam) == 0) {
			c = &cameras[i];
		}
	}
	if (ed == NULL || c == NULL) {
		die("%s: unknown camera '%s'", g->path, cam);
	}
	/* Nothing added behind our back: exif_data_fix would fill in
	 * missing mandatory tags with the current time. */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	if (taken != NULL) {
		exif_time(t1, taken, g->path);
	}
	if (scan != NULL) {
		exif_time(t2, scan, g->path);
	} else if (taken != NULL) {
		memcpy(t2, t1, sizeof(t2));
	} else {
		die("%s: neither taken nor scan given", g->path);
	}
	exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, c->make);
	exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, c->model);
	exif_short(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, (unsigned)orient);
	exif_rat(ed, EXIF_IFD_0, EXIF_TAG_X_RESOLUTION, dpi, 1);
	exif_rat(ed, EXIF_IFD_0, EXIF_TAG_Y_RESOLUTION, dpi, 1);
	exif_short(ed, EXIF_IFD_0, EXIF_TAG_RESOLUTION_UNIT, 2);
	if (c->software != NULL) {
		exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_SOFTWARE, c->software);
	}
	exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_DATE_TIME, t2);
	exif_undef(ed, EXIF_IFD_EXIF, EXIF_TAG_EXIF_VERSION, "0230", 4);
	if (taken != NULL) {
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, t1);
	}
	exif_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, t2);
	exif_short(ed, EXIF_IFD_EXIF, EXIF_TAG_COLOR_SPACE, 1);
	exif_long(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION, (unsigned)w);
	exif_long(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION, (unsigned)h);
	if (c->focal > 0) {
		static const unsigned fn[] = { 28, 40, 56, 80 };
		static const unsigned ex[] = { 60, 125, 250, 500 };
		static const unsigned iso[] = { 100, 200, 400 };

		exif_rat(ed, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, 1,
			ex[ir(0, 3)]);
		exif_rat(ed, EXIF_IFD_EXIF, EXIF_TAG_FNUMBER, fn[ir(0, 3)],
			10);
		exif_short(ed, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS,
			iso[ir(0, 2)]);
		exif_rat(ed, EXIF_IFD_EXIF, EXIF_TAG_FOCAL_LENGTH,
			(unsigned)lround(c->focal * 10), 10);
	}
	if (gps != NULL) {
		double lat = 22.9405 + fr(-0.0012, 0.0012);
		double lon = 113.3628 + fr(-0.0012, 0.0012);
		ExifEntry *e = exif_put(ed, EXIF_IFD_GPS,
			(ExifTag)EXIF_TAG_GPS_VERSION_ID, EXIF_FORMAT_BYTE, 4);

		if (sscanf(gps, "%lf,%lf", &lat, &lon) != 2 &&
			strcmp(gps, "yes") != 0) {
			die("%s: gps '%s' is not LAT,LON or yes", g->path,
				gps);
		}
		memcpy(e->data, "\2\3\0\0", 4);
		exif_ascii(ed, EXIF_IFD_GPS,
			(ExifTag)EXIF_TAG_GPS_LATITUDE_REF, "N");
		exif_deg(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE, lat);
		exif_ascii(ed, EXIF_IFD_GPS,
			(ExifTag)EXIF_TAG_GPS_LONGITUDE_REF, "E");
		exif_deg(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE, lon);
		exif_ascii(ed, EXIF_IFD_GPS,
			(ExifTag)EXIF_TAG_GPS_MAP_DATUM, "WGS-84");
	}
	*out = NULL;
	exif_data_save_data(ed, out, len);
	if (*out == NULL) {
		abort();
	}
	exif_data_unref(ed);
}

/* ------------------------------------------------------------ images */

static void
write_image(const char *out, const struct gfile *g)
{
	const char *scene = kv_get(g, "scene", NULL);
	const char *var = kv_get(g, "var", "");
	const char *size = kv_get(g, "size", "1024x768");
	const char *era = kv_get(g, "era", "color");
	const char *year = kv_get(g, "year", kv_get(g, "taken",
		kv_get(g, "scan", "2020")));
	int orient = atoi(kv_get(g, "orient", "1"));
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	struct img m;
	unsigned char *exif;
	unsigned int exiflen;
	JSAMPROW row;
	FILE *f;

	if (scene == NULL || sscanf(size, "%dx%d", &m.w, &m.h) != 2 ||
		m.w < 64 || m.h < 64 || m.w > 4096 || m.h > 4096) {
		die("%s: scene and size WxH needed", g->path);
	}
	if (orient != 1 && orient != 6) {
		die("%s: orient is 1 or 6", g->path);
	}
	rng = hash64(kv_get(g, "seed", g->path));
	yr = atoi(year);
	m.p = xrealloc(NULL, (size_t)m.w * (size_t)m.h * 3);
	memset(m.p, 0x80, (size_t)m.w * (size_t)m.h * 3);
	if (scene_draw(&m, scene, var) != 0) {
		die("%s: unknown scene '%s'", g->path, scene);
	}
	rng = hash64(g->path);
	finish(&m, era);
	if (orient == 6) {
		rotate_for_6(&m);
	}
	make_exif(g, m.w, m.h, orient, &exif, &exiflen);
	if (exiflen > 65533) {
		die("%s: EXIF too large", g->path);
	}
	mkparents(out);
	f = fopen(out, "wb");
	if (f == NULL) {
		die("%s: %s", out, strerror(errno));
	}
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, f);
	ci.image_width = (JDIMENSION)m.w;
	ci.image_height = (JDIMENSION)m.h;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 85, TRUE);
	ci.optimize_coding = TRUE;
	/* No JFIF APP0: the EXIF APP1 follows SOI directly, as Exif
	 * 2.3 wants, and carries the resolution. */
	ci.write_JFIF_header = FALSE;
	jpeg_start_compress(&ci, TRUE);
	jpeg_write_marker(&ci, JPEG_APP0 + 1, exif, exiflen);
	while (ci.next_scanline < ci.image_height) {
		row = m.p + 3 * (size_t)ci.next_scanline * (size_t)m.w;
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	if (fclose(f) != 0) {
		die("%s: write error", out);
	}
	free(exif);
	free(m.p);
}

/* ------------------------------------------------------------ sheet */

static void
csv_field(struct buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buf_puts(b, s);
		return;
	}
	buf_puts(b, "\"");
	for (; *s != '\0'; s++) {
		buf_add(b, s, 1);
		if (*s == '"') {
			buf_add(b, s, 1);
		}
	}
	buf_puts(b, "\"");
}

/* 目录.csv: UTF-8 with a BOM and CRLF line ends, as spreadsheet
 * programs save it; 文件名 is the row's folder or its files joined
 * with ';'. */
static void
write_sheet(const char *outdir)
{
	struct buf b = { NULL, 0, 0 };
	struct buf names;
	char *path;
	size_t i, j;
	int c;

	buf_puts(&b, "\xef\xbb\xbf");
	for (c = 0; c < NCOLS; c++) {
		buf_puts(&b, c ? "," : "");
		buf_puts(&b, colname[c]);
	}
	buf_puts(&b, "\r\n");
	for (i = 0; i < nrecs; i++) {
		memset(&names, 0, sizeof(names));
		buf_add(&names, "", 0);
		for (j = 0; j < recs[i].nfiles && recs[i].f[C_FILE] == NULL;
			j++) {
			buf_puts(&names, j ? ";" : "");
			buf_puts(&names, recs[i].files[j].path);
		}
		for (c = 0; c < NCOLS; c++) {
			const char *v = recs[i].f[c];

			buf_puts(&b, c ? "," : "");
			if (c == C_FILE && v == NULL) {
				v = names.p;
			}
			csv_field(&b, v != NULL ? v : "");
		}
		buf_puts(&b, "\r\n");
		free(names.p);
	}
	path = xrealloc(NULL, strlen(outdir) + 32);
	sprintf(path, "%s/目录.csv", outdir);
	write_file(path, b.p, b.n);
	free(path);
	free(b.p);
}

int
main(int argc, char **argv)
{
	char *src, *text, *out;
	size_t len, i, j;

	if (argc != 3) {
		fprintf(stderr, "usage: gen-sample SRCDIR OUTDIR\n");
		return 2;
	}
	src = xrealloc(NULL, strlen(argv[1]) + 16);
	sprintf(src, "%s/records.txt", argv[1]);
	srcname = src;
	text = slurp(src, &len);
	if (strlen(text) != len) {
		die("%s: NUL byte in the sources", src);
	}
	parse_sources(text);
	check_sources();
	if (mkdir(argv[2], 0755) != 0 && errno != EEXIST) {
		die("%s: %s", argv[2], strerror(errno));
	}
	for (i = 0; i < nrecs; i++) {
		for (j = 0; j < recs[i].nfiles; j++) {
			const struct gfile *g = &recs[i].files[j];

			out = xrealloc(NULL, strlen(argv[2]) +
				strlen(g->path) + 2);
			sprintf(out, "%s/%s", argv[2], g->path);
			if (g->is_text) {
				write_text(out, &recs[i], g);
			} else {
				write_image(out, g);
			}
			free(out);
		}
	}
	write_sheet(argv[2]);
	return 0;
}
