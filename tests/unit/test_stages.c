/*
 * test_stages.c - table-driven test of the per-file ingest stages
 * (ingest/identify.c, characterise.c, extract.c).
 *
 * The fixtures are made at start, in memory and in a fresh temporary
 * folder (nothing binary is kept in the repository): JPEGs written with
 * libjpeg, with EXIF blocks built here byte by byte in either byte order
 * (so libexif is tested against bytes it did not write), damaged variants
 * of them, a PNG with pHYs, TIFFs from libtiff and from the same builder,
 * GB18030, BOM and UTF-16 text, HTML with scripts and a gb2312 <meta>.
 * Each row names a fixture, the name it goes by, how much of it the
 * stages see, and what must come out: type, size, EXIF fields, text, and a
 * piece of the warning expected (or none at all).  Then every prefix and
 * many one-byte mutations of the image fixtures go through all three
 * stages, which must survive them (run under ASan by make check-asan).
 *
 * Prints "PASS name" or "FAIL name: why: problems" per row (check.h), a
 * last line "N passed, N failed", and exits 1 on any failure.
 *   test_stages          the test
 *   test_stages bench    time identify+characterise on a 200 KB JPEG
 */
#include "../../ingest/ingest.h"
#include "check.h"

#include <errno.h>
#include <ftw.h>
#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <tiffio.h>

static char tmpdir[64];

/* ------------------------------------------------------------ blobs */

struct blob {
	unsigned char *p;
	size_t n;
};

static void blob_add(struct blob *b, const void *p, size_t n)
{
	b->p = hd_xrealloc(b->p, b->n + n + 1);
	if (n > 0) {
		memcpy(b->p + b->n, p, n);
	}
	b->n += n;
}

static void blob_str(struct blob *b, const char *s)
{
	blob_add(b, s, strlen(s));
}

static struct blob blob_copy(const struct blob *src, size_t n)
{
	struct blob b = { NULL, 0 };

	blob_add(&b, src->p, n < src->n ? n : src->n);
	return b;
}

/* A fixed pseudo-random sequence, so that failures repeat. */
static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* ------------------------------------------- TIFF / EXIF structures */

/* An IFD entry to write.  ASCII takes s; SHORT, LONG take v[0..count);
 * RATIONAL takes v[0..2*count) as numerator, denominator pairs. */
struct ent {
	uint16_t tag;
	uint16_t type;          /* 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL */
	uint32_t count;         /* 0: computed for ASCII */
	const char *s;
	uint32_t v[8];
};

struct tw {
	struct blob b;
	int be;
};

static void tw_set16(struct tw *w, size_t off, uint32_t v)
{
	if (w->be) {
		w->b.p[off] = (unsigned char)(v >> 8);
		w->b.p[off + 1] = (unsigned char)v;
	} else {
		w->b.p[off] = (unsigned char)v;
		w->b.p[off + 1] = (unsigned char)(v >> 8);
	}
}

static void tw_set32(struct tw *w, size_t off, uint32_t v)
{
	if (w->be) {
		tw_set16(w, off, v >> 16);
		tw_set16(w, off + 2, v & 0xFFFF);
	} else {
		tw_set16(w, off, v & 0xFFFF);
		tw_set16(w, off + 2, v >> 16);
	}
}

static size_t tw_grow(struct tw *w, size_t n)
{
	size_t off = w->b.n;
	unsigned char zero[256] = { 0 };

	while (n > 0) {
		size_t k = n < sizeof(zero) ? n : sizeof(zero);

		blob_add(&w->b, zero, k);
		n -= k;
	}
	return off;
}

static void tw_init(struct tw *w, int be)
{
	memset(w, 0, sizeof(*w));
	w->be = be;
	blob_add(&w->b, be ? "MM" : "II", 2);
	tw_grow(w, 6);
	tw_set16(w, 2, 42);
}

/* Write an IFD (and its out-of-line values) at the end; returns its
 * offset.  Its next-IFD pointer is left 0 (see tw_link). */
static size_t tw_ifd(struct tw *w, const struct ent *e, size_t n)
{
	size_t ifd, i, j, size, off;
	static const size_t tsize[] = { 0, 1, 1, 2, 4, 8 };

	if (w->b.n & 1) {
		tw_grow(w, 1);
	}
	ifd = tw_grow(w, 2 + 12 * n + 4);
	tw_set16(w, ifd, (uint32_t)n);
	for (i = 0; i < n; i++) {
		size_t at = ifd + 2 + 12 * i;
		uint32_t count = e[i].count;

		if (e[i].type == 2 && count == 0) {
			count = (uint32_t)strlen(e[i].s) + 1;
		}
		size = tsize[e[i].type] * count;
		tw_set16(w, at, e[i].tag);
		tw_set16(w, at + 2, e[i].type);
		tw_set32(w, at + 4, count);
		if (size > 4) {
			if (w->b.n & 1) {
				tw_grow(w, 1);
			}
			off = tw_grow(w, size);
			tw_set32(w, at + 8, (uint32_t)off);
		} else {
			off = at + 8;
		}
		for (j = 0; j < count; j++) {
			switch (e[i].type) {
			case 2:
				w->b.p[off + j] = j < strlen(e[i].s) ?
					(unsigned char)e[i].s[j] : 0;
				break;
			case 3:
				tw_set16(w, off + 2 * j, e[i].v[j]);
				break;
			case 4:
				tw_set32(w, off + 4 * j, e[i].v[j]);
				break;
			case 5:
				tw_set32(w, off + 8 * j, e[i].v[2 * j]);
				tw_set32(w, off + 8 * j + 4, e[i].v[2 * j + 1]);
				break;
			}
		}
	}
	return ifd;
}

/* Set the next-IFD pointer of the IFD at ifd (n entries). */
static void tw_link(struct tw *w, size_t ifd, size_t n, size_t next)
{
	tw_set32(w, ifd + 2 + 12 * n, (uint32_t)next);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* An EXIF block ("Exif\0\0" + TIFF structure) with the usual fields. */
struct exif_spec {
	int be;
	const char *make, *model, *datetime, *original;
	int orientation;
	uint32_t xres[2], yres[2];
	int unit;               /* 0: no ResolutionUnit tag */
	int gps;
	char latref, lonref;
	uint32_t lat[6], lon[6];
};

static struct blob exif_block(const struct exif_spec *x)
{
	struct tw w;
	struct ent ifd0[12], exif[2], gps[4];
	size_t n0 = 0, ne = 0, ng = 0, off_exif = 0, off_gps = 0, i0;
	struct blob out = { NULL, 0 };
	static char latref[2], lonref[2];

	tw_init(&w, x->be);
	if (x->original != NULL) {
		exif[ne++] = (struct ent){ 0x9003, 2, 0, x->original, { 0 } };
		off_exif = tw_ifd(&w, exif, ne);
	}
	if (x->gps) {
		latref[0] = x->latref;
		lonref[0] = x->lonref;
		gps[ng++] = (struct ent){ 1, 2, 2, latref, { 0 } };
		gps[ng] = (struct ent){ 2, 5, 3, NULL, { 0 } };
		memcpy(gps[ng++].v, x->lat, sizeof(x->lat));
		gps[ng++] = (struct ent){ 3, 2, 2, lonref, { 0 } };
		gps[ng] = (struct ent){ 4, 5, 3, NULL, { 0 } };
		memcpy(gps[ng++].v, x->lon, sizeof(x->lon));
		off_gps = tw_ifd(&w, gps, ng);
	}
	if (x->make != NULL) {
		ifd0[n0++] = (struct ent){ 0x010F, 2, 0, x->make, { 0 } };
	}
	if (x->model != NULL) {
		ifd0[n0++] = (struct ent){ 0x0110, 2, 0, x->model, { 0 } };
	}
	if (x->orientation) {
		ifd0[n0++] = (struct ent){ 0x0112, 3, 1, NULL,
			{ (uint32_t)x->orientation } };
	}
	if (x->xres[1]) {
		ifd0[n0++] = (struct ent){ 0x011A, 5, 1, NULL,
			{ x->xres[0], x->xres[1] } };
		ifd0[n0++] = (struct ent){ 0x011B, 5, 1, NULL,
			{ x->yres[0], x->yres[1] } };
	}
	if (x->unit) {
		ifd0[n0++] = (struct ent){ 0x0128, 3, 1, NULL,
			{ (uint32_t)x->unit } };
	}
	if (x->datetime != NULL) {
		ifd0[n0++] = (struct ent){ 0x0132, 2, 0, x->datetime, { 0 } };
	}
	if (off_exif) {
		ifd0[n0++] = (struct ent){ 0x8769, 4, 1, NULL,
			{ (uint32_t)off_exif } };
	}
	if (off_gps) {
		ifd0[n0++] = (struct ent){ 0x8825, 4, 1, NULL,
			{ (uint32_t)off_gps } };
	}
	i0 = tw_ifd(&w, ifd0, n0);
	tw_set32(&w, 4, (uint32_t)i0);
	blob_add(&out, "Exif\0\0", 6);
	blob_add(&out, w.b.p, w.b.n);
	free(w.b.p);
	return out;
}

/* A TIFF built by hand: pages of w x h 8-bit grey, the first with the
 * fields of x (resolution, make, model, dates) and an EXIF IFD, and a
 * reduced-resolution thumbnail IFD at the end of the chain. */
static struct blob tiff_by_hand(int be, int pages, uint32_t w, uint32_t h,
	const char *make, const char *datetime, const char *original,
	int thumb)
{
	struct tw t;
	struct ent e[16], ex[1];
	size_t ne, strip, prev = 0, prevn = 0, ifd, exif_off = 0;
	int p;

	tw_init(&t, be);
	if (original != NULL) {
		ex[0] = (struct ent){ 0x9003, 2, 0, original, { 0 } };
		exif_off = tw_ifd(&t, ex, 1);
	}
	for (p = 0; p < pages + (thumb ? 1 : 0); p++) {
		int is_thumb = p == pages;
		uint32_t pw = is_thumb ? 4 : w, ph = is_thumb ? 3 : h;

		strip = tw_grow(&t, (size_t)pw * ph);
		memset(t.b.p + strip, 0x80 + p * 16, (size_t)pw * ph);
		ne = 0;
		e[ne++] = (struct ent){ 254, 4, 1, NULL,
			{ is_thumb ? 1u : 2u } };
		e[ne++] = (struct ent){ 256, 4, 1, NULL, { pw } };
		e[ne++] = (struct ent){ 257, 4, 1, NULL, { ph } };
		e[ne++] = (struct ent){ 258, 3, 1, NULL, { 8 } };
		e[ne++] = (struct ent){ 259, 3, 1, NULL, { 1 } };
		e[ne++] = (struct ent){ 262, 3, 1, NULL, { 1 } };
		if (p == 0 && make != NULL) {
			e[ne++] = (struct ent){ 271, 2, 0, make, { 0 } };
		}
		e[ne++] = (struct ent){ 273, 4, 1, NULL, { (uint32_t)strip } };
		e[ne++] = (struct ent){ 277, 3, 1, NULL, { 1 } };
		e[ne++] = (struct ent){ 278, 4, 1, NULL, { ph } };
		e[ne++] = (struct ent){ 279, 4, 1, NULL, { pw * ph } };
		e[ne++] = (struct ent){ 282, 5, 1, NULL, { 400, 1 } };
		e[ne++] = (struct ent){ 283, 5, 1, NULL, { 400, 1 } };
		e[ne++] = (struct ent){ 296, 3, 1, NULL, { 2 } };
		if (p == 0 && datetime != NULL) {
			e[ne++] = (struct ent){ 306, 2, 0, datetime, { 0 } };
		}
		if (p == 0 && exif_off != 0) {
			e[ne++] = (struct ent){ 34665, 4, 1, NULL,
				{ (uint32_t)exif_off } };
		}
		ifd = tw_ifd(&t, e, ne);
		if (p == 0) {
			tw_set32(&t, 4, (uint32_t)ifd);
		} else {
			tw_link(&t, prev, prevn, ifd);
		}
		prev = ifd;
		prevn = ne;
	}
	return t.b;
}

/* A TIFF written by libtiff: pages of w x h grey, 150 dpi, with make,
 * model, date and orientation on the first. */
static struct blob tiff_by_libtiff(const char *path, int pages)
{
	struct blob b = { NULL, 0 };
	unsigned char row[64];
	TIFF *t;
	FILE *f;
	long len;
	int p;
	uint32_t y;

	t = TIFFOpen(path, "w");
	if (t == NULL) {
		return b;
	}
	memset(row, 0x40, sizeof(row));
	for (p = 0; p < pages; p++) {
		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 40);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, 30);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 30);
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 150.0);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, 150.0);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, p, pages);
		if (p == 0) {
			TIFFSetField(t, TIFFTAG_MAKE, "Epson");
			TIFFSetField(t, TIFFTAG_MODEL, "Perfection V600 ");
			TIFFSetField(t, TIFFTAG_DATETIME,
				"2023:06:01 09:30:00");
			TIFFSetField(t, TIFFTAG_ORIENTATION,
				ORIENTATION_TOPLEFT);
		}
		for (y = 0; y < 30; y++) {
			TIFFWriteScanline(t, row, y, 0);
		}
		TIFFWriteDirectory(t);
	}
	TIFFClose(t);
	f = fopen(path, "rb");
	if (f == NULL) {
		return b;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.p = hd_xmalloc((size_t)len + 1);
	b.n = fread(b.p, 1, (size_t)len, f);
	fclose(f);
	return b;
}

/* ------------------------------------------------------------- JPEG */

struct app {
	int marker;             /* JPEG_APP0 + n */
	const struct blob *data;
};

/* A JPEG of w x h through libjpeg.  jfif_unit: -1 writes no JFIF APP0,
 * else its density unit (0, 1 dpi, 2 dpcm) with density d.  noise: 1 for
 * random pixels (a large file), 0 for a smooth gradient. */
static struct blob jpeg_make(int w, int h, int jfif_unit, int d,
	const struct app *apps, size_t napps, int noise, int quality)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *mem = NULL, *row;
	unsigned long size = 0;
	struct blob b = { NULL, 0 };
	size_t i;
	int x, y;

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	if (jfif_unit < 0) {
		c.write_JFIF_header = FALSE;
	} else {
		c.density_unit = (UINT8)jfif_unit;
		c.X_density = (UINT16)d;
		c.Y_density = (UINT16)d;
	}
	jpeg_start_compress(&c, TRUE);
	for (i = 0; i < napps; i++) {
		jpeg_write_marker(&c, apps[i].marker, apps[i].data->p,
			(unsigned)apps[i].data->n);
	}
	row = hd_xmalloc((size_t)w * 3);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w * 3; x++) {
			row[x] = noise ? (unsigned char)rnd() :
				(unsigned char)(x + y);
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	blob_add(&b, mem, size);
	free(mem);
	return b;
}

/* -------------------------------------------------------------- PNG */

static uint32_t crc_table[256];

static uint32_t crc32_png(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	size_t i;
	int k;

	if (crc_table[1] == 0) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++) {
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			}
			crc_table[i] = c;
		}
		c = 0xFFFFFFFFu;
	}
	for (i = 0; i < n; i++) {
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	}
	return c ^ 0xFFFFFFFFu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void png_chunk(struct blob *b, const char *type,
	const unsigned char *data, size_t n)
{
	unsigned char hdr[8], crc[4];
	struct blob tmp = { NULL, 0 };

	put_be32(hdr, (uint32_t)n);
	memcpy(hdr + 4, type, 4);
	blob_add(b, hdr, 8);
	blob_add(b, data, n);
	blob_add(&tmp, type, 4);
	blob_add(&tmp, data, n);
	put_be32(crc, crc32_png(tmp.p, tmp.n));
	blob_add(b, crc, 4);
	free(tmp.p);
}

/* A valid grey PNG of w x h (stored deflate), with pHYs when ppm > 0. */
static struct blob png_make(uint32_t w, uint32_t h, uint32_t ppm)
{
	struct blob b = { NULL, 0 }, z = { NULL, 0 };
	unsigned char ihdr[13] = { 0 }, phys[9], hdr[5];
	size_t raw = (size_t)(w + 1) * h, i;
	uint32_t a = 1, bb = 0;
	unsigned char *rows = hd_xcalloc(raw, 1), adler[4];

	for (i = 0; i < raw; i++) {
		rows[i] = i % (w + 1) == 0 ? 0 : (unsigned char)(i * 7);
		a = (a + rows[i]) % 65521;
		bb = (bb + a) % 65521;
	}
	blob_add(&b, "\x89PNG\r\n\x1a\n", 8);
	put_be32(ihdr, w);
	put_be32(ihdr + 4, h);
	ihdr[8] = 8;            /* bit depth; colour type 0: grey */
	png_chunk(&b, "IHDR", ihdr, 13);
	if (ppm > 0) {
		put_be32(phys, ppm);
		put_be32(phys + 4, ppm);
		phys[8] = 1;
		png_chunk(&b, "pHYs", phys, 9);
	}
	blob_add(&z, "\x78\x01", 2);
	hdr[0] = 1;
	hdr[1] = (unsigned char)raw;
	hdr[2] = (unsigned char)(raw >> 8);
	hdr[3] = (unsigned char)~raw;
	hdr[4] = (unsigned char)(~raw >> 8);
	blob_add(&z, hdr, 5);
	blob_add(&z, rows, raw);
	put_be32(adler, bb << 16 | a);
	blob_add(&z, adler, 4);
	png_chunk(&b, "IDAT", z.p, z.n);
	png_chunk(&b, "IEND", NULL, 0);
	free(z.p);
	free(rows);
	return b;
}

/* ------------------------------------------------------------- text */

static struct blob encode(const char *to, const char *utf8)
{
	struct blob b = { NULL, 0 };
	iconv_t cd = iconv_open(to, "UTF-8");
	char *in = (char *)utf8, *out;
	size_t inleft = strlen(utf8), outleft = inleft * 4 + 16;
	char *buf = hd_xmalloc(outleft);

	out = buf;
	if (cd == (iconv_t)-1 ||
	    iconv(cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
		fprintf(stderr, "iconv to %s failed\n", to);
		exit(2);
	}
	iconv_close(cd);
	blob_add(&b, buf, (size_t)(out - buf));
	free(buf);
	return b;
}

static struct blob text_blob(const char *s)
{
	struct blob b = { NULL, 0 };

	blob_str(&b, s);
	return b;
}

/* --------------------------------------------------------- fixtures */

enum fx {
	FX_PHOTO, FX_PHOTO_BE, FX_JFIF_DPI, FX_JFIF_DPCM, FX_EXIF_BADOFF,
	FX_EXIF_BADMAGIC, FX_EXIF_BADENTRY, FX_EXIF_TRUNC, FX_XMP,
	FX_EXIF_XMP, FX_GARBAGE, FX_CUT_SCAN, FX_CUT_HEAD, FX_BIG_APP,
	FX_NO_EXIF_RES, FX_PNG, FX_PNG_CUT, FX_TIFF_LIB, FX_TIFF_HAND,
	FX_TIFF_CUT, FX_GIF, FX_BMP, FX_WEBP, FX_GB_TEXT, FX_BOM_TEXT,
	FX_U16_TEXT, FX_MD, FX_CSV, FX_BLANK, FX_EMPTY, FX_HTML_GB,
	FX_HTML_STALE, FX_HTML_FRAG, FX_HTML_DEEP, FX_RANDOM, FX_LONG_GB,
	FX_GB_BAD, FX_HTML_LATE, FX_COUNT
};

static struct blob fx[FX_COUNT];

static const char XMP[] = "http://ns.adobe.com/xap/1.0/\0"
	"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf="
	"\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description "
	"xmp:CreateDate=\"1985-03-12T10:20:30\"/></rdf:RDF></x:xmpmeta>";

static void make_fixtures(void)
{
	static const struct exif_spec photo = {
		0, "Canon ", "Canon EOS 5D  ", "2001:01:01 00:00:00",
		"1985:03:12 10:20:30", 6, { 300, 1 }, { 300, 1 }, 2,
		1, 'N', 'E', { 22, 1, 56, 1, 2400, 100 },
		{ 113, 1, 22, 1, 4800, 100 }
	};
	static const struct exif_spec photo_be = {
		1, "NIKON CORPORATION", "NIKON D70", "1999:12:31 23:59:59",
		NULL, 1, { 118, 1 }, { 118, 1 }, 3,
		1, 'S', 'W', { 33, 1, 30, 1, 0, 1 },
		{ 70, 1, 39, 1, 36, 1 }
	};
	static const struct exif_spec nores = {
		0, "HUAWEI", "P30", NULL, "2019:00:00 00:00:00", 0,
		{ 0, 0 }, { 0, 0 }, 0, 0, 0, 0, { 0 }, { 0 }
	};
	struct blob e, e2, xmp = { NULL, 0 }, big = { NULL, 0 }, tmp;
	struct app apps[4];
	char path[128];
	size_t i;

	e = exif_block(&photo);
	apps[0] = (struct app){ JPEG_APP0 + 1, &e };
	fx[FX_PHOTO] = jpeg_make(64, 48, 1, 72, apps, 1, 0, 75);

	e2 = exif_block(&photo_be);
	apps[0] = (struct app){ JPEG_APP0 + 1, &e2 };
	fx[FX_PHOTO_BE] = jpeg_make(33, 17, -1, 0, apps, 1, 0, 75);
	free(e2.p);

	fx[FX_JFIF_DPI] = jpeg_make(20, 10, 1, 200, NULL, 0, 0, 75);
	fx[FX_JFIF_DPCM] = jpeg_make(20, 10, 2, 100, NULL, 0, 0, 75);

	/* IFD 0 offset far past the block. */
	tmp = blob_copy(&e, e.n);
	tmp.p[6 + 4] = 0xF0;
	tmp.p[6 + 5] = 0xFF;
	apps[0] = (struct app){ JPEG_APP0 + 1, &tmp };
	fx[FX_EXIF_BADOFF] = jpeg_make(16, 16, 1, 72, apps, 1, 0, 75);
	/* Byte order mark neither II nor MM. */
	tmp.p[6 + 4] = e.p[6 + 4];
	tmp.p[6 + 5] = e.p[6 + 5];
	tmp.p[6] = 'X';
	tmp.p[7] = 'Y';
	fx[FX_EXIF_BADMAGIC] = jpeg_make(16, 16, 1, 72, apps, 1, 0, 75);
	free(tmp.p);
	/* The EXIF IFD pointer and the Make value's offset point out of
	 * the block; Model stays readable. */
	tmp = blob_copy(&e, e.n);
	for (i = 6 + 8; i + 12 < tmp.n; i++) {
		if (tmp.p[i] == 0x0F && tmp.p[i + 1] == 0x01 &&
		    tmp.p[i + 2] == 2) {
			tmp.p[i + 8] = 0xFF;
			tmp.p[i + 9] = 0xFF;
			tmp.p[i + 10] = 0xFF;
		}
		if (tmp.p[i] == 0x69 && tmp.p[i + 1] == 0x87 &&
		    tmp.p[i + 2] == 4) {
			tmp.p[i + 10] = 0x7F;
		}
	}
	fx[FX_EXIF_BADENTRY] = jpeg_make(16, 16, 1, 72, apps, 1, 0, 75);
	free(tmp.p);
	/* A file cut in the middle of its EXIF segment. */
	fx[FX_EXIF_TRUNC] = blob_copy(&fx[FX_PHOTO], 20 + 4 + e.n / 2);

	blob_add(&xmp, XMP, sizeof(XMP) - 1);
	apps[0] = (struct app){ JPEG_APP0 + 1, &xmp };
	fx[FX_XMP] = jpeg_make(24, 12, 1, 300, apps, 1, 0, 75);
	apps[0] = (struct app){ JPEG_APP0 + 1, &e };
	apps[1] = (struct app){ JPEG_APP0 + 1, &xmp };
	fx[FX_EXIF_XMP] = jpeg_make(24, 12, -1, 0, apps, 2, 0, 75);

	blob_add(&fx[FX_GARBAGE], "\xFF\xD8\xFF", 3);
	for (i = 0; i < 3000; i++) {
		unsigned char c = (unsigned char)rnd();

		blob_add(&fx[FX_GARBAGE], &c, 1);
	}
	fx[FX_GARBAGE].p[3] = 0x17;     /* not a marker start */

	fx[FX_CUT_SCAN] = blob_copy(&fx[FX_PHOTO], fx[FX_PHOTO].n - 40);
	fx[FX_CUT_HEAD] = blob_copy(&fx[FX_JFIF_DPI], 30);

	/* 180 KB of ICC-like APP2 before the frame header. */
	for (i = 0; i < 60000; i++) {
		unsigned char c = (unsigned char)i;

		blob_add(&big, &c, 1);
	}
	apps[0] = (struct app){ JPEG_APP0 + 1, &e };
	apps[1] = (struct app){ JPEG_APP0 + 2, &big };
	apps[2] = (struct app){ JPEG_APP0 + 2, &big };
	apps[3] = (struct app){ JPEG_APP0 + 2, &big };
	fx[FX_BIG_APP] = jpeg_make(40, 20, 1, 72, apps, 4, 0, 75);
	free(big.p);

	e2 = exif_block(&nores);
	apps[0] = (struct app){ JPEG_APP0 + 1, &e2 };
	fx[FX_NO_EXIF_RES] = jpeg_make(20, 10, 1, 240, apps, 1, 0, 75);
	free(e2.p);
	free(e.p);
	free(xmp.p);

	fx[FX_PNG] = png_make(10, 7, 11811);
	fx[FX_PNG_CUT] = blob_copy(&fx[FX_PNG], fx[FX_PNG].n - 12);

	snprintf(path, sizeof(path), "%s/made-by-libtiff.tif", tmpdir);
	fx[FX_TIFF_LIB] = tiff_by_libtiff(path, 2);
	fx[FX_TIFF_HAND] = tiff_by_hand(1, 3, 40, 30, "Fujitsu",
		"2020:02:02 02:02:02", "1956:10:01 08:00:00", 1);
	fx[FX_TIFF_CUT] = blob_copy(&fx[FX_TIFF_HAND], 300);

	blob_add(&fx[FX_GIF], "GIF89a\x03\x00\x02\x00\x80\x00\x00"
		"\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00"
		"\x00\x02\x02\x44\x01\x00;", 35);
	blob_add(&fx[FX_BMP], "BM\x46\0\0\0\0\0\0\0\x36\0\0\0" "\x28\0\0\0"
		"\x05\0\0\0" "\xfd\xff\xff\xff" "\x01\0\x18\0" "\0\0\0\0"
		"\x10\0\0\0" "\x13\x0b\0\0" "\x13\x0b\0\0" "\0\0\0\0\0\0\0\0"
		"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 70);
	blob_add(&fx[FX_WEBP], "RIFF\x24\0\0\0WEBPVP8X\x0a\0\0\0"
		"\0\0\0\0\x7f\x02\0\xdf\x01\0" "\0\0\0\0\0\0\0\0\0\0\0\0", 42);

	fx[FX_GB_TEXT] = encode("GB18030", "番禺区前锋社区党员名册\n"
		"一九八五年三月\r\n夜校开课\n");
	fx[FX_GB_BAD] = blob_copy(&fx[FX_GB_TEXT], 12);
	blob_add(&fx[FX_GB_BAD], "\xFF", 1);
	blob_add(&fx[FX_GB_BAD], fx[FX_GB_TEXT].p + 12,
		fx[FX_GB_TEXT].n - 12);
	fx[FX_HTML_LATE] = encode("GB18030", "<html><head><script>"
		"var c = document.charset;</script><meta http-equiv=\"Content-"
		"Type\" content=\"text/html; charset=GBK\"></head><body>"
		"<p>旧网页</p></body></html>");
	fx[FX_BOM_TEXT] = text_blob("\xEF\xBB\xBF红色读书角\n");
	blob_add(&fx[FX_U16_TEXT], "\xFF\xFE", 2);
	tmp = encode("UTF-16LE", "档案室\n");
	blob_add(&fx[FX_U16_TEXT], tmp.p, tmp.n);
	free(tmp.p);
	fx[FX_MD] = text_blob("# 社区史\n\n- 1985 年 **夜校**\n");
	fx[FX_CSV] = text_blob("题名,年度\n党员名册,1985\n");
	fx[FX_BLANK] = text_blob("  \n\t\r\n\xE3\x80\x80 \n");
	fx[FX_EMPTY] = text_blob("");
	fx[FX_HTML_GB] = encode("GB18030", "<!DOCTYPE html><html><head>"
		"<meta charset=\"gb2312\"><title>前锋社区</title>"
		"<style>p { color: red }</style>"
		"<script>var secret = \"不该出现\";</script></head><body>"
		"<h1>历史文化长廊</h1><p>第一段&amp;<b>粗体</b></p>"
		"<div>第二段<br>换行</div><!-- 注释 -->"
		"<table><tr><td>甲</td><td>乙</td></tr></table>"
		"<pre>  保留  空格</pre></body></html>");
	fx[FX_HTML_STALE] = text_blob("<html><head><meta http-equiv="
		"\"Content-Type\" content=\"text/html; charset=gb2312\">"
		"</head><body><p>番禺&nbsp;区 &lt;红档&gt;</p></body></html>");
	fx[FX_HTML_FRAG] = text_blob("<p>只有一段</p>\n");
	for (i = 0; i < 20000; i++) {
		blob_str(&fx[FX_HTML_DEEP], "<div>");
	}
	blob_str(&fx[FX_HTML_DEEP], "深处");
	for (i = 0; i < 3000; i++) {
		unsigned char c = (unsigned char)rnd();

		blob_add(&fx[FX_RANDOM], &c, 1);
	}
	fx[FX_RANDOM].p[0] = 0x00;
	fx[FX_RANDOM].p[1] = 0x9F;
	for (i = 0; i < 400; i++) {
		tmp = encode("GB18030",
			"这是一行很长的中文文本，用来测试截断。\n");
		blob_add(&fx[FX_LONG_GB], tmp.p, tmp.n);
		free(tmp.p);
	}
}

/* ------------------------------------------------------------- rows */

#define NOWARN "-"      /* warn: none at all */

struct row {
	const char *name;
	enum fx fx;
	const char *path;       /* the name it is ingested under */
	long prefix;            /* 0: whole file; > 0: only that many bytes
	                         * (complete = 0); < 0: all but that many */
	const char *mime;
	int width, height;
	double xres;            /* -1: do not check */
	int has_exif;
	const char *datetime;   /* NULL: do not check */
	const char *make;
	const char *model;
	int orientation;        /* -1: do not check */
	int gps;                /* 1: check lat/lon below */
	double lat, lon;
	int pages;              /* -1: do not check */
	const char *text;       /* piece the text must hold; "" = NULL text */
	const char *notext;     /* piece it must not hold */
	const char *warn;       /* piece of a warning, NOWARN, NULL any */
	const char *why;
};

static const struct row rows[] = {
	{ .name = "jpeg-exif", .fx = FX_PHOTO, .path = "photo.jpg",
	  .mime = "image/jpeg", .width = 64, .height = 48, .xres = 300,
	  .has_exif = 1, .datetime = "1985-03-12T10:20:30", .make = "Canon",
	  .model = "Canon EOS 5D", .orientation = 6, .gps = 1, .lat = 22.94,
	  .lon = 113.38, .pages = -1, .text = "", .warn = NOWARN,
	  .why =
	  "a camera JPEG: date original, trimmed make/model, orientation, "
	  "EXIF dpi over JFIF 72, GPS N/E in decimal degrees" },
	{ .name = "jpeg-exif-be", .fx = FX_PHOTO_BE, .path = "scan/NIKON.JPEG",
	  .mime = "image/jpeg", .width = 33, .height = 17, .xres = 300,
	  .has_exif = 1, .datetime = "1999-12-31T23:59:59",
	  .make = "NIKON CORPORATION", .model = "NIKON D70", .orientation = 1,
	  .gps = 1, .lat = -33.5, .lon = -70.66, .pages = -1, .text = "",
	  .warn = NOWARN,
	  .why =
	  "big-endian EXIF, DateTime fallback, 118 dots/cm rounded to 300 "
	  "dpi, S/W references negative" },
	{ .name = "jfif-dpi", .fx = FX_JFIF_DPI, .path = "a.jpg",
	  .mime = "image/jpeg", .width = 20, .height = 10, .xres = 200,
	  .datetime = "", .make = "", .model = "", .pages = -1, .text = "",
	  .warn = NOWARN,
	  .why = "no EXIF: the JFIF density in dpi is the resolution" },
	{ .name = "jfif-dpcm", .fx = FX_JFIF_DPCM, .path = "a.jpeg",
	  .mime = "image/jpeg", .width = 20, .height = 10, .xres = 254,
	  .orientation = -1, .pages = -1, .text = "", .warn = NOWARN,
	  .why = "JFIF density in dots per cm is converted to dpi" },
	{ .name = "exif-no-res", .fx = FX_NO_EXIF_RES, .path = "p30.jpg",
	  .mime = "image/jpeg", .width = 20, .height = 10, .xres = 240,
	  .has_exif = 1, .datetime = "2019", .make = "HUAWEI", .model = "P30",
	  .pages = -1, .text = "", .warn = NOWARN,
	  .why =
	  "EXIF without resolution falls back to JFIF; a date with month 00 "
	  "keeps only its year" },
	{ .name = "exif-bad-offset", .fx = FX_EXIF_BADOFF, .path = "b.jpg",
	  .mime = "image/jpeg", .width = 16, .height = 16, .xres = 72,
	  .datetime = "", .orientation = -1, .pages = -1, .text = "",
	  .warn = "EXIF",
	  .why = "an IFD offset past the block: warning, size still read" },
	{ .name = "exif-bad-magic", .fx = FX_EXIF_BADMAGIC, .path = "b.jpg",
	  .mime = "image/jpeg", .width = 16, .height = 16, .xres = -1,
	  .datetime = "", .orientation = -1, .pages = -1, .text = "",
	  .warn = "EXIF",
	  .why = "a TIFF header that is neither II nor MM is a warning" },
	{ .name = "exif-bad-entry", .fx = FX_EXIF_BADENTRY, .path = "b.jpg",
	  .mime = "image/jpeg", .width = 16, .height = 16, .xres = 300,
	  .has_exif = 1, .datetime = "2001-01-01T00:00:00", .make = "",
	  .model = "Canon EOS 5D", .orientation = 6, .pages = -1, .text = "",
	  .warn = "EXIF",
	  .why =
	  "a value and a sub-IFD pointing out of the block are dropped with "
	  "a warning, what came before them is read (libexif 0.6.24 stops "
	  "IFD 0 at the bad pointer, so GPS after it is lost)" },
	{ .name = "exif-truncated", .fx = FX_EXIF_TRUNC, .path = "c.jpg",
	  .mime = "image/jpeg", .xres = -1, .has_exif = -1, .orientation = -1,
	  .pages = -1, .text = "", .warn = "图像无法读取",
	  .why =
	  "a file cut inside its EXIF segment: unreadable image, no crash" },
	{ .name = "exif-truncated-2", .fx = FX_EXIF_TRUNC, .path = "c.jpg",
	  .mime = "image/jpeg", .xres = -1, .has_exif = -1, .orientation = -1,
	  .pages = -1, .text = "", .warn = "EXIF",
	  .why = "... and the cut EXIF block is named too" },
	{ .name = "xmp-only", .fx = FX_XMP, .path = "x.jpg",
	  .mime = "image/jpeg", .width = 24, .height = 12, .xres = 300,
	  .datetime = "", .make = "", .model = "", .pages = -1, .text = "",
	  .warn = "XMP",
	  .why =
	  "an APP1 with XMP instead of EXIF is a warning, not an error" },
	{ .name = "exif-and-xmp", .fx = FX_EXIF_XMP, .path = "x.jpg",
	  .mime = "image/jpeg", .width = 24, .height = 12, .xres = 300,
	  .has_exif = 1, .datetime = "1985-03-12T10:20:30", .orientation = 6,
	  .pages = -1, .text = "", .warn = NOWARN,
	  .why = "XMP beside EXIF is normal: no warning" },
	{ .name = "garbage-after-soi", .fx = FX_GARBAGE, .path = "g.jpg",
	  .mime = "image/jpeg", .datetime = "", .orientation = -1, .pages = -1,
	  .text = "", .warn = "图像无法读取",
	  .why = "random bytes after SOI: unreadable, not a crash" },
	{ .name = "jpeg-cut-in-scan", .fx = FX_CUT_SCAN, .path = "cut.jpg",
	  .mime = "image/jpeg", .width = 64, .height = 48, .xres = 300,
	  .has_exif = 1, .orientation = -1, .pages = -1, .text = "",
	  .warn = "EOI",
	  .why = "a JPEG cut in its image data has a size but is incomplete" },
	{ .name = "jpeg-cut-in-head", .fx = FX_CUT_HEAD, .path = "cut.jpg",
	  .mime = "image/jpeg", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "", .warn = "图像无法读取",
	  .why = "a JPEG cut before its frame header is unreadable" },
	{ .name = "jpeg-big-app-prefix", .fx = FX_BIG_APP, .path = "big.jpg",
	  .prefix = 4096, .mime = "image/jpeg", .width = 40, .height = 20,
	  .xres = 300, .has_exif = 1, .datetime = "1985-03-12T10:20:30",
	  .orientation = -1, .pages = -1, .text = "", .warn = NOWARN,
	  .why =
	  "given 4 KiB of a file with 180 KB of APP2 first, the stage reads "
	  "the rest from disk to reach SOF" },
	{ .name = "jpeg-head-only", .fx = FX_PHOTO, .path = "photo.jpg",
	  .prefix = -40, .mime = "image/jpeg", .width = 64, .height = 48,
	  .xres = 300, .has_exif = 1, .datetime = "1985-03-12T10:20:30",
	  .orientation = 6, .pages = -1, .text = "", .warn = NOWARN,
	  .why =
	  "given a head holding SOS, the end of the file is read for EOI" },
	{ .name = "jpeg-head-cut-file", .fx = FX_CUT_SCAN, .path = "cut2.jpg",
	  .prefix = -40, .mime = "image/jpeg", .width = 64, .height = 48,
	  .xres = 300, .has_exif = 1, .orientation = -1, .pages = -1,
	  .text = "", .warn = "EOI",
	  .why = "... and a file cut short is found out from its tail" },
	{ .name = "png-phys", .fx = FX_PNG, .path = "p.png",
	  .mime = "image/png", .width = 10, .height = 7, .xres = 300,
	  .datetime = "", .orientation = -1, .pages = -1, .text = "",
	  .warn = NOWARN,
	  .why = "PNG size from IHDR, 11811 px/m from pHYs is 300 dpi" },
	{ .name = "png-named-jpg", .fx = FX_PNG, .path = "照片/001.jpg",
	  .mime = "image/png", .width = 10, .height = 7, .xres = 300,
	  .orientation = -1, .pages = -1, .text = "",
	  .warn = "内容为 image/png，与扩展名 .jpg 不符",
	  .why = "a PNG named .jpg keeps its real type, with a warning" },
	{ .name = "png-cut", .fx = FX_PNG_CUT, .path = "p.png",
	  .mime = "image/png", .width = 10, .height = 7, .xres = 300,
	  .orientation = -1, .pages = -1, .text = "", .warn = "IEND",
	  .why = "a PNG without its IEND is incomplete" },
	{ .name = "tiff-libtiff", .fx = FX_TIFF_LIB, .path = "scan/p1.tif",
	  .mime = "image/tiff", .width = 40, .height = 30, .xres = 150,
	  .has_exif = 1, .datetime = "2023-06-01T09:30:00", .make = "Epson",
	  .model = "Perfection V600", .orientation = 1, .pages = 2, .text = "",
	  .warn = NOWARN,
	  .why = "a two-page TIFF from libtiff: size, 150 dpi, tags, 2 pages" },
	{ .name = "tiff-libtiff-prefix", .fx = FX_TIFF_LIB,
	  .path = "scan/p1.TIFF", .prefix = 64, .mime = "image/tiff",
	  .width = 40, .height = 30, .xres = 150, .has_exif = 1,
	  .datetime = "2023-06-01T09:30:00", .make = "Epson", .orientation = 1,
	  .pages = 2, .text = "", .warn = NOWARN,
	  .why = "given only a head, the TIFF is read from disk" },
	{ .name = "tiff-exif-ifd", .fx = FX_TIFF_HAND, .path = "scan/p2.tiff",
	  .mime = "image/tiff", .width = 40, .height = 30, .xres = 400,
	  .has_exif = 1, .datetime = "1956-10-01T08:00:00", .make = "Fujitsu",
	  .model = "", .pages = 3, .text = "", .warn = NOWARN,
	  .why =
	  "big-endian TIFF: EXIF IFD DateTimeOriginal wins over DateTime; "
	  "the reduced-resolution thumbnail is not a page" },
	{ .name = "tiff-cut", .fx = FX_TIFF_CUT, .path = "scan/p3.tif",
	  .mime = "image/tiff", .xres = -1, .has_exif = -1, .orientation = -1,
	  .pages = -1, .text = "", .warn = "TIFF",
	  .why = "a TIFF cut short: a warning, libtiff prints nothing" },
	{ .name = "gif", .fx = FX_GIF, .path = "a.gif", .mime = "image/gif",
	  .width = 3, .height = 2, .datetime = "", .orientation = -1,
	  .pages = -1, .text = "", .warn = NOWARN,
	  .why = "GIF size from the logical screen" },
	{ .name = "bmp", .fx = FX_BMP, .path = "a.bmp", .width = 5, .height = 3,
	  .xres = 72, .datetime = "", .orientation = -1, .pages = -1,
	  .text = "",
	  .why = "BMP size (top-down rows) and 2835 px/m as 72 dpi" },
	{ .name = "webp", .fx = FX_WEBP, .path = "a.webp", .mime = "image/webp",
	  .width = 640, .height = 480, .datetime = "", .orientation = -1,
	  .pages = -1, .text = "", .warn = NOWARN,
	  .why = "WebP VP8X canvas size" },
	{ .name = "gb18030-text", .fx = FX_GB_TEXT, .path = "名册.txt",
	  .mime = "text/plain", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "番禺区前锋社区党员名册\n一九八五年三月\n夜校",
	  .notext = "\r", .warn = NOWARN,
	  .why = "GB18030 text becomes UTF-8, CRLF becomes LF" },
	{ .name = "gb18030-prefix", .fx = FX_LONG_GB, .path = "long.txt",
	  .prefix = 100, .mime = "text/plain", .xres = -1, .orientation = -1,
	  .pages = -1, .text = "测试截断。\n这是", .warn = NOWARN,
	  .why = "a text given in part is read whole from disk" },
	{ .name = "gb18030-damaged", .fx = FX_GB_BAD, .path = "坏.txt",
	  .mime = "text/plain", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "社\xEF\xBF\xBD区党员名册\n一九", .warn = NOWARN,
	  .why =
	  "GB18030 with one invalid byte keeps its text (the byte replaced)" },
	{ .name = "utf8-bom", .fx = FX_BOM_TEXT, .path = "a.TXT",
	  .mime = "text/plain", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "红色读书角", .notext = "\xEF\xBB\xBF", .warn = NOWARN,
	  .why = "a UTF-8 BOM is dropped" },
	{ .name = "utf16-bom", .fx = FX_U16_TEXT, .path = "u.txt",
	  .mime = "text/plain", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "档案室", .warn = NOWARN,
	  .why = "UTF-16LE with BOM (Notepad's \"Unicode\") is converted" },
	{ .name = "markdown", .fx = FX_MD, .path = "notes/社区史.md",
	  .mime = "text/markdown", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "- 1985 年 **夜校**", .warn = NOWARN,
	  .why = ".md text is text/markdown, kept as written" },
	{ .name = "csv", .fx = FX_CSV, .path = "目录.csv", .mime = "text/csv",
	  .xres = -1, .orientation = -1, .pages = -1, .text = "党员名册,1985",
	  .warn = NOWARN, .why = ".csv text is text/csv" },
	{ .name = "blank-text", .fx = FX_BLANK, .path = "blank.txt",
	  .mime = "text/plain", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "", .warn = "文本为空",
	  .why = "white space only (ideographic space too) is empty text" },
	{ .name = "empty-file", .fx = FX_EMPTY, .path = "empty.txt", .xres = -1,
	  .orientation = -1, .pages = -1, .text = "", .warn = "空",
	  .why = "a zero-byte file is noted" },
	{ .name = "html-gb2312", .fx = FX_HTML_GB, .path = "page.html",
	  .mime = "text/html", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "前锋社区\n历史文化长廊\n第一段&粗体\n第二段\n换行\n甲 乙\n"
	  "  保留  空格",
	  .notext = "不该出现", .warn = NOWARN,
	  .why = "gb2312 <meta> honoured; script, style and comments dropped; "
	  "blocks on their own lines; entities decoded; <pre> kept" },
	{ .name = "html-gb2312-css", .fx = FX_HTML_GB, .path = "page.html",
	  .mime = "text/html", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "长廊", .notext = "color", .warn = NOWARN,
	  .why = "style content is not text" },
	{ .name = "html-stale-meta", .fx = FX_HTML_STALE, .path = "old.htm",
	  .mime = "text/html", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "番禺 区 <红档>", .warn = NOWARN,
	  .why = "valid UTF-8 wins over a stale gb2312 <meta>; &nbsp; is "
	  "a space" },
	{ .name = "html-charset-late", .fx = FX_HTML_LATE, .path = "late.html",
	  .mime = "text/html", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "旧网页", .warn = NOWARN,
	  .why =
	  "the first 'charset' without '=' is skipped; the <meta> after it "
	  "counts" },
	{ .name = "html-fragment", .fx = FX_HTML_FRAG, .path = "frag.html",
	  .mime = "text/html", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "只有一段", .notext = "<p>", .warn = NOWARN,
	  .why = "a fragment libmagic calls text/plain is HTML by its name" },
	{ .name = "html-deep", .fx = FX_HTML_DEEP, .path = "deep.html",
	  .mime = "text/html", .xres = -1, .orientation = -1, .pages = -1,
	  .why = "20,000 nested <div>: no stack overflow" },
	{ .name = "html-as-txt", .fx = FX_HTML_FRAG, .path = "frag.txt",
	  .mime = "text/plain", .xres = -1, .orientation = -1, .pages = -1,
	  .text = "<p>只有一段</p>", .warn = NOWARN,
	  .why = "markup in a .txt stays text" },
	{ .name = "unknown-bin", .fx = FX_RANDOM, .path = "data.bin",
	  .mime = "application/octet-stream", .xres = -1, .orientation = -1,
	  .pages = -1, .text = "", .warn = "原样",
	  .why = "an unrecognised format is kept as is, with a warning" },
	{ .name = "unknown-named-jpg", .fx = FX_RANDOM, .path = "fake.jpg",
	  .mime = "application/octet-stream", .xres = -1, .orientation = -1,
	  .pages = -1, .text = "", .warn = ".jpg",
	  .why = "random bytes named .jpg: the warning names the extension" },
	{ .name = "jpeg-named-txt", .fx = FX_PHOTO, .path = "photo.txt",
	  .mime = "image/jpeg", .width = 64, .height = 48, .xres = 300,
	  .has_exif = 1, .orientation = -1, .pages = -1, .text = "",
	  .warn = "内容为 image/jpeg，与扩展名 .txt 不符",
	  .why = "a photo named .txt is still characterised as a photo" },
};

/* ------------------------------------------------------------ checks */

/* What went wrong with the row being checked, "; " between. */
static char problems[2048];

static void problem(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Add one formatted problem to problems. */
static void problem(const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(problems);

	if (len > 0 && len < sizeof(problems) - 3) {
		strcat(problems, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(problems + len, sizeof(problems) - len, fmt, ap);
	va_end(ap);
}

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "(null)", b ? b : "(null)") == 0;
}

static char *write_fixture(const char *path, const struct blob *f)
{
	char *full, *slash;
	FILE *fp;

	full = hd_xasprintf("%s/%s", tmpdir, path);
	slash = strrchr(full, '/');
	*slash = '\0';
	mkdir(full, 0700);
	*slash = '/';
	fp = fopen(full, "wb");
	if (fp == NULL || fwrite(f->p, 1, f->n, fp) != f->n) {
		fprintf(stderr, "cannot write %s: %s\n", full, strerror(errno));
		exit(2);
	}
	fclose(fp);
	return full;
}

/* Run the three stages over one fixture as the pipeline would. */
static struct batch_item *run_stages(struct batch *b, const char *path,
	const struct blob *f, long prefix, const char *src)
{
	struct batch_item *it;
	size_t n = f->n;
	int complete;

	if (prefix > 0 && (size_t)prefix < n) {
		n = (size_t)prefix;
	} else if (prefix < 0 && (size_t)-prefix < n) {
		n -= (size_t)-prefix;
	}
	complete = n == f->n;

	it = batch_add(b, path, src, f->n, 0);
	if (stage_identify(b, it, f->p, n, complete) != 0) {
		return it;
	}
	stage_characterise(b, it, f->p, n, complete);
	stage_extract(b, it, f->p, n, complete);
	return it;
}

static void check_row(struct batch *b, const struct row *r)
{
	struct batch_item *it;
	const struct hd_exif *x;
	size_t w0 = b->nwarnings, i;
	char *src, warns[1024] = "";
	int found = 0;

	problems[0] = '\0';
	src = write_fixture(r->path, &fx[r->fx]);
	it = run_stages(b, r->path, &fx[r->fx], r->prefix, src);
	free(src);
	x = &it->file.exif;
	for (i = w0; i < b->nwarnings; i++) {
		size_t len = strlen(warns);

		snprintf(warns + len, sizeof(warns) - len, "%s[%s]",
			len ? " " : "", b->warnings[i].msg);
		if (r->warn != NULL && strstr(b->warnings[i].msg, r->warn)) {
			found = 1;
		}
		if (strcmp(b->warnings[i].path, r->path) != 0) {
			problem("warning names path '%s'", b->warnings[i].path);
		}
	}
	if (r->mime != NULL && !streq(it->file.mime, r->mime)) {
		problem("mime %s got %s", r->mime, it->file.mime);
	}
	if (it->file.width != r->width || it->file.height != r->height) {
		problem("size %dx%d got %dx%d", r->width, r->height,
			it->file.width, it->file.height);
	}
	if (r->xres >= 0 && (fabs(x->xres - r->xres) > 0.01 ||
	    fabs(x->yres - r->xres) > 0.01)) {
		problem("dpi %g got %g x %g", r->xres, x->xres, x->yres);
	}
	if (r->has_exif >= 0 && it->file.has_exif != r->has_exif) {
		problem("has_exif %d got %d", r->has_exif, it->file.has_exif);
	}
	if (r->datetime != NULL && strcmp(x->datetime, r->datetime) != 0) {
		problem("datetime '%s' got '%s'", r->datetime, x->datetime);
	}
	if (r->make != NULL && strcmp(x->make, r->make) != 0) {
		problem("make '%s' got '%s'", r->make, x->make);
	}
	if (r->model != NULL && strcmp(x->model, r->model) != 0) {
		problem("model '%s' got '%s'", r->model, x->model);
	}
	if (r->orientation >= 0 && x->orientation != r->orientation) {
		problem("orientation %d got %d", r->orientation,
			x->orientation);
	}
	if (r->gps && (!x->has_gps || fabs(x->lat - r->lat) > 1e-4 ||
	    fabs(x->lon - r->lon) > 1e-4)) {
		problem("gps %.5f,%.5f got %d %.5f,%.5f", r->lat, r->lon,
			x->has_gps, x->lat, x->lon);
	}
	if (r->pages >= 0 && it->file.pages != r->pages) {
		problem("pages %d got %d", r->pages, it->file.pages);
	}
	if (r->text != NULL && r->text[0] == '\0' && it->text != NULL) {
		problem("no text got '%.60s'", it->text);
	}
	if (r->text != NULL && r->text[0] != '\0' && (it->text == NULL ||
	    strstr(it->text, r->text) == NULL)) {
		problem("text holding '%s' got '%s'", r->text,
			it->text ? it->text : "(null)");
	}
	if (r->notext != NULL && it->text != NULL &&
	    strstr(it->text, r->notext) != NULL) {
		problem("text without '%s' got '%s'", r->notext, it->text);
	}
	if (it->text != NULL && !hd_utf8_valid(it->text, strlen(it->text))) {
		problem("text is not valid UTF-8");
	}
	if (r->warn != NULL && strcmp(r->warn, NOWARN) == 0) {
		if (b->nwarnings > w0) {
			problem("no warning got %s", warns);
		}
	} else if (r->warn != NULL && !found) {
		problem("a warning with '%s' got %s", r->warn,
			warns[0] ? warns : "none");
	}
	check(r->name, problems[0] == '\0', "%s: %s", r->why, problems);
}

/* Drop what the item and the report hold, to keep a long loop small. */
static void reset(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nitems; i++) {
		free(b->items[i].path);
		free(b->items[i].src);
		free(b->items[i].file.mime);
		free(b->items[i].text);
	}
	b->nitems = 0;
	hd_notes_free(b->warnings, b->nwarnings);
	b->warnings = NULL;
	b->nwarnings = 0;
	hd_notes_free(b->rejected, b->nrejected);
	b->rejected = NULL;
	b->nrejected = 0;
}

/* Every prefix (the first 4 KiB byte by byte, then in steps) and many
 * mutated copies of f go through the stages under name, as complete
 * files and as heads of a longer file.  Passes when nothing crashes and
 * every text produced is valid UTF-8. */
static void survive(struct batch *b, const char *name, const char *path,
	const struct blob *f, int mutations)
{
	struct batch_item *it;
	struct blob m;
	size_t n, step = 1, i;
	int k, bad = 0;

	for (n = 0; n <= f->n; n += step) {
		m = blob_copy(f, n);
		it = run_stages(b, path, &m, 0, NULL);
		bad += it->text != NULL &&
			!hd_utf8_valid(it->text, strlen(it->text));
		free(m.p);
		reset(b);
		step = n < 4096 ? 1 : 1 + f->n / 500;
	}
	for (k = 0; k < mutations; k++) {
		m = blob_copy(f, f->n);
		for (i = 0; i < 1 + rnd() % 4; i++) {
			size_t at = rnd() % (m.n < 2048 ? m.n : 2048);

			m.p[at] = (unsigned char)rnd();
		}
		it = run_stages(b, path, &m, 0, NULL);
		bad += it->text != NULL &&
			!hd_utf8_valid(it->text, strlen(it->text));
		free(m.p);
		reset(b);
	}
	check(name, bad == 0, "truncated and mutated copies must give valid "
		"text: %d did not", bad);
}

static int rm_cb(const char *p, const struct stat *sb, int flag,
	struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Time identify + characterise over a ~200 KB camera JPEG in memory. */
static int bench(void)
{
	static const struct exif_spec photo = {
		0, "Canon", "Canon EOS 5D", NULL, "1985:03:12 10:20:30", 1,
		{ 300, 1 }, { 300, 1 }, 2, 1, 'N', 'E',
		{ 22, 1, 56, 1, 2400, 100 }, { 113, 1, 22, 1, 4800, 100 }
	};
	struct batch b;
	struct batch_item *it;
	struct blob e = exif_block(&photo), jpg;
	struct app app = { JPEG_APP0 + 1, &e };
	double t0, t1, t2;
	int i, runs = 1000;

	jpg = jpeg_make(500, 500, 1, 72, &app, 1, 1, 85);
	batch_init(&b, NULL);
	it = batch_add(&b, "photo.jpg", "/nonexistent", jpg.n, 0);
	stage_identify(&b, it, jpg.p, jpg.n, 1);       /* loads libmagic */
	t0 = now();
	for (i = 0; i < runs; i++) {
		stage_identify(&b, it, jpg.p, jpg.n, 1);
		stage_characterise(&b, it, jpg.p, jpg.n, 1);
	}
	t1 = now();
	for (i = 0; i < runs; i++) {
		stage_characterise(&b, it, jpg.p, jpg.n, 1);
	}
	t2 = now();
	printf("JPEG %zu bytes, %dx%d, exif %d, %d warnings\n", jpg.n,
		it->file.width, it->file.height, it->file.has_exif,
		(int)b.nwarnings);
	printf("%d x identify+characterise: %.1f ms (%.1f us each)\n", runs,
		(t1 - t0) * 1e3, (t1 - t0) * 1e6 / runs);
	printf("%d x characterise alone:    %.1f ms (%.1f us each)\n", runs,
		(t2 - t1) * 1e3, (t2 - t1) * 1e6 / runs);
	batch_release(&b);
	free(e.p);
	free(jpg.p);
	return 0;
}

int main(int argc, char **argv)
{
	struct batch b;
	size_t i;

	if (argc > 1 && strcmp(argv[1], "bench") == 0) {
		return bench();
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hd-stages-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	make_fixtures();
	batch_init(&b, NULL);
	for (i = 0; i < N(rows); i++) {
		check_row(&b, &rows[i]);
	}
	reset(&b);
	survive(&b, "survive-jpeg-exif", "s.jpg", &fx[FX_PHOTO], 3000);
	survive(&b, "survive-jpeg-be", "s.jpg", &fx[FX_PHOTO_BE], 1000);
	survive(&b, "survive-png", "s.png", &fx[FX_PNG], 1000);
	survive(&b, "survive-tiff", "s.tif", &fx[FX_TIFF_HAND], 1000);
	survive(&b, "survive-tiff-libtiff", "s.tif", &fx[FX_TIFF_LIB], 300);
	survive(&b, "survive-gif", "s.gif", &fx[FX_GIF], 300);
	survive(&b, "survive-webp", "s.webp", &fx[FX_WEBP], 300);
	survive(&b, "survive-bmp", "s.bmp", &fx[FX_BMP], 300);
	survive(&b, "survive-html", "s.html", &fx[FX_HTML_GB], 1000);
	survive(&b, "survive-text", "s.txt", &fx[FX_GB_TEXT], 1000);
	batch_release(&b);
	for (i = 0; i < FX_COUNT; i++) {
		free(fx[i].p);
	}
	if (getenv("HD_KEEP") != NULL) {
		printf("fixtures kept in %s\n", tmpdir);
	} else {
		nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	}
	return check_done();
}
