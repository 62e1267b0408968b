/*
 * characterise.c - stage_characterise: what an image file says about
 * itself, without decoding a single pixel.
 *
 * For JPEG the marker segments are walked by hand, with every length
 * checked against the bytes there are: the frame header (SOF) gives width
 * and height, APP0/JFIF a fallback resolution, APP1 the EXIF block that
 * libexif reads (capture date, camera, orientation, resolution, GPS).  PNG
 * (IHDR, pHYs), GIF, BMP and WebP headers are read the same way; TIFF goes
 * through libtiff, over the bytes in memory when the file is complete,
 * with its error and warning handlers bound to this call, never to the
 * process.  Resolutions are stored in dots per inch; conversions from
 * centimetres and metres are rounded to a whole dpi (118 dots/cm is
 * meant as 300 dpi, and the quality check compares with 300).
 *
 * Guarantees: no input crashes or hangs it (every read is bounds-checked;
 * libexif and libtiff get only the bytes that exist); an unreadable image
 * or a damaged EXIF block becomes a warning on the batch report, and the
 * stage goes on with whatever could be read.  Cost is a few microseconds
 * a photo: only the header segments are parsed (plus a memchr over the
 * scan data for the end marker).
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <libexif/exif-utils.h>
#include <tiffio.h>

/* How much of a file is read when the head given is not enough (header
 * segments before the image data: EXIF, ICC profiles, Photoshop data). */
#define HEAD_CAP ((size_t)32 * 1024 * 1024)
/* The end of a partly given JPEG that is read to look for its EOI. */
#define TAIL_CAP ((size_t)64 * 1024)
/* Directories walked in a TIFF (pages); guards against huge chains. */
#define TIFF_MAX_DIRS 10000
/* A single allocation libtiff may make while reading tags. */
#define TIFF_MAX_ALLOC ((tmsize_t)64 * 1024 * 1024)

static const char XMP_ID[] = "http://ns.adobe.com/xap/1.0/";

/* ------------------------------------------------------------ helpers */

/* The big-endian 16-bit number at p. */
static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The big-endian 32-bit number at p. */
static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

/* The little-endian 16-bit number at p. */
static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

/* The little-endian 24-bit number at p (WebP's canvas size). */
static uint32_t le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The little-endian 32-bit number at p. */
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
		(uint32_t)p[1] << 8 | p[0];
}

/* A dimension as stored: 0 when it does not fit an int. */
static int dim(uint32_t v)
{
	return v <= INT_MAX ? (int)v : 0;
}

/* A resolution in dpi from a value and its unit (1 inch, 2 cm, 3 m); 0
 * when there is no absolute unit or the value is not plausible. */
static double to_dpi(double v, int unit)
{
	switch (unit) {
	case 1:
		break;
	case 2:
		v = floor(v * 2.54 + 0.5);
		break;
	case 3:
		v = floor(v * 0.0254 + 0.5);
		break;
	default:
		return 0;
	}
	if (!(v > 0 && v < 1e6)) {
		return 0;
	}
	return v;
}


/* Read the last up-to-cap bytes of path into out.  Returns the count, or
 * -1. */
static ssize_t read_tail(const char *path, unsigned char *out, size_t cap)
{
	struct stat st;
	ssize_t r;
	off_t off;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	off = st.st_size > (off_t)cap ? st.st_size - (off_t)cap : 0;
	do {
		r = pread(fd, out, (size_t)(st.st_size - off), off);
	} while (r < 0 && errno == EINTR);
	close(fd);
	return r;
}

/* Copy an EXIF/TIFF ASCII value into out (cap bytes): stops at NUL, trims
 * white space, and makes it valid UTF-8 (GB18030 is tried, as Chinese
 * software writes it; otherwise bytes above 0x7F become '?'). */
static void copy_ascii(char *out, size_t cap, const char *s, size_t n)
{
	char *tmp, *conv;
	size_t i, len;

	out[0] = '\0';
	if (s == NULL || cap == 0) {
		return;
	}
	for (len = 0; len < n && s[len] != '\0'; len++) {
	}
	tmp = hd_xstrndup(s, len);
	if (!hd_utf8_valid(tmp, len)) {
		conv = hd_gb18030_to_utf8(tmp, len);
		if (conv != NULL) {
			free(tmp);
			tmp = conv;
		} else {
			for (i = 0; i < len; i++) {
				if ((unsigned char)tmp[i] >= 0x80) {
					tmp[i] = '?';
				}
			}
		}
	}
	for (i = 0; tmp[i] != '\0'; i++) {
		if ((unsigned char)tmp[i] < 0x20) {
			tmp[i] = ' ';
		}
	}
	hd_trim(tmp);
	len = strlen(tmp);
	if (len >= cap) {
		/* cut at a character boundary */
		len = cap - 1;
		while (len > 0 && ((unsigned char)tmp[len] & 0xC0) == 0x80) {
			len--;
		}
	}
	memcpy(out, tmp, len);
	out[len] = '\0';
	free(tmp);
}

/* Two decimal digits at s, or -1. */
static int dd(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
		return -1;
	}
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* An EXIF/TIFF date "YYYY:MM:DD HH:MM:SS" as ISO 8601 into out (32
 * bytes): "1985-03-12T10:20:30", or "1985-03-12" when the time is
 * missing or invalid, "1985-03" or "1985" when the day or month is 00.
 * Returns 1, or 0 (out = "") when there is no usable year; blank and
 * all-zero dates are common. */
static int exif_date_iso(const char *s, char *out)
{
	int y, mo, d, h, mi, se;
	size_t n = strlen(s);

	out[0] = '\0';
	if (n < 10 || dd(s) < 0 || dd(s + 2) < 0) {
		return 0;
	}
	y = dd(s) * 100 + dd(s + 2);
	if (y < 1000 || (s[4] != ':' && s[4] != '-' && s[4] != '/') ||
	    s[7] != s[4]) {
		return 0;
	}
	mo = dd(s + 5);
	d = dd(s + 8);
	if (mo < 0 || mo > 12 || d < 0 || d > 31) {
		return 0;
	}
	if (mo == 0) {
		snprintf(out, 32, "%04d", y);
		return 1;
	}
	if (d == 0) {
		snprintf(out, 32, "%04d-%02d", y, mo);
		return 1;
	}
	if (n >= 19 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' &&
	    s[16] == ':') {
		h = dd(s + 11);
		mi = dd(s + 14);
		se = dd(s + 17);
		if (h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0 &&
		    se <= 60) {
			snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d",
				y, mo, d, h, mi, se);
			return 1;
		}
	}
	snprintf(out, 32, "%04d-%02d-%02d", y, mo, d);
	return 1;
}

/* ------------------------------------------------------------- EXIF */

struct exif_log_ctx {
	int corrupt;            /* libexif reported corrupt data */
};

/* libexif's log: note in the exif_log_ctx at data when the main EXIF
 * structure is corrupt (not a maker note's quirk), instead of printing. */
static void exif_log_cb(ExifLog *log, ExifLogCode code, const char *domain,
	const char *format, va_list args, void *data)
{
	struct exif_log_ctx *ctx = data;

	(void)log;
	(void)format;
	(void)args;
	/* Only the main structure counts: maker-note parsers complain
	 * about vendor quirks that lose nothing we read. */
	if (code == EXIF_LOG_CODE_CORRUPT_DATA && domain != NULL &&
	    strcmp(domain, "ExifData") == 0) {
		ctx->corrupt = 1;
	}
}

/* Tag tag of EXIF directory ifd, or NULL. */
static ExifEntry *ifd_entry(ExifData *ed, ExifIfd ifd, ExifTag tag)
{
	return exif_content_get_entry(ed->ifd[ifd], tag);
}

/* The i-th unsigned rational of e as a double; 0 when absent or x/0. */
static int entry_rational(ExifEntry *e, ExifByteOrder bo, unsigned i,
	double *v)
{
	ExifRational r;

	if (e == NULL || e->data == NULL || e->format != EXIF_FORMAT_RATIONAL ||
	    e->components <= i || e->size < (i + 1) * 8) {
		return 0;
	}
	r = exif_get_rational(e->data + i * 8, bo);
	if (r.denominator == 0) {
		return 0;
	}
	*v = (double)r.numerator / r.denominator;
	return 1;
}

/* A SHORT (or LONG) value; -1 when absent. */
static long entry_uint(ExifEntry *e, ExifByteOrder bo)
{
	if (e == NULL || e->data == NULL || e->components < 1) {
		return -1;
	}
	if (e->format == EXIF_FORMAT_SHORT && e->size >= 2) {
		return exif_get_short(e->data, bo);
	}
	if (e->format == EXIF_FORMAT_LONG && e->size >= 4) {
		return (long)exif_get_long(e->data, bo);
	}
	return -1;
}

/* EXIF entry e as printable ASCII into out (cap bytes, copy_ascii); "" when
 * there is none or it is not text. */
static void entry_string(ExifEntry *e, char *out, size_t cap)
{
	out[0] = '\0';
	if (e != NULL && e->data != NULL && (e->format == EXIF_FORMAT_ASCII ||
	    e->format == EXIF_FORMAT_UNDEFINED)) {
		copy_ascii(out, cap, (const char *)e->data, e->size);
	}
}

/* A GPS coordinate (degrees, minutes, seconds as 1-3 rationals) with its
 * reference letter; neg is the letter that makes it negative. */
static int gps_coord(ExifData *ed, ExifTag tag, ExifTag reftag, char neg,
	double max, double *out)
{
	ExifByteOrder bo = exif_data_get_byte_order(ed);
	ExifEntry *e = ifd_entry(ed, EXIF_IFD_GPS, tag);
	ExifEntry *r = ifd_entry(ed, EXIF_IFD_GPS, reftag);
	double part, v = 0, scale = 1;
	char ref[8];
	unsigned i;

	if (e == NULL || r == NULL || !entry_rational(e, bo, 0, &part)) {
		return 0;
	}
	for (i = 0; i < 3 && entry_rational(e, bo, i, &part); i++) {
		v += part / scale;
		scale *= 60;
	}
	entry_string(r, ref, sizeof(ref));
	if (ref[0] != neg && ref[0] != (neg == 'S' ? 'N' : 'E')) {
		return 0;
	}
	if (ref[0] == neg) {
		v = -v;
	}
	if (!(fabs(v) <= max)) {
		return 0;
	}
	*out = v;
	return 1;
}

/* Read the EXIF block p[0..n) ("Exif\0\0" + TIFF structure) into
 * it->file.exif.  truncated: the APP1 segment was cut short. */
static void exif_read(struct batch *b, struct batch_item *it,
	const unsigned char *p, size_t n, int truncated)
{
	struct hd_exif *x = &it->file.exif;
	struct exif_log_ctx ctx = { 0 };
	ExifData *ed;
	ExifLog *log;
	ExifByteOrder bo;
	char s[32];
	unsigned i, count = 0;
	double xr = 0, yr = 0;
	long unit, orient;

	ed = exif_data_new();
	log = exif_log_new();
	if (ed == NULL || log == NULL) {
		abort();        /* out of memory, as hd_xmalloc */
	}
	exif_log_set_func(log, exif_log_cb, &ctx);
	exif_data_log(ed, log);
	/* Never invent values: FOLLOW_SPECIFICATION would add a 72 dpi
	 * resolution and today's date to an EXIF block that lacks them. */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, p, n > 0xFFFF ? 0xFFFF : (unsigned)n);
	bo = exif_data_get_byte_order(ed);
	for (i = 0; i < EXIF_IFD_COUNT; i++) {
		count += ed->ifd[i]->count;
	}
	if (count == 0) {
		batch_warn(b, it->path, "EXIF 数据损坏，无法读取%s",
			truncated ? "（数据块被截断）" : "");
		goto out;
	}
	if (truncated) {
		batch_warn(b, it->path, "EXIF 数据块被截断，"
			"只读取了其中一部分");
	} else if (ctx.corrupt) {
		batch_warn(b, it->path, "EXIF 数据部分损坏，已忽略损坏的字段");
	}
	it->file.has_exif = 1;

	entry_string(ifd_entry(ed, EXIF_IFD_EXIF,
		EXIF_TAG_DATE_TIME_ORIGINAL), s, sizeof(s));
	if (!exif_date_iso(s, x->datetime)) {
		entry_string(ifd_entry(ed, EXIF_IFD_EXIF,
			EXIF_TAG_DATE_TIME_DIGITIZED), s, sizeof(s));
		if (!exif_date_iso(s, x->datetime)) {
			entry_string(ifd_entry(ed, EXIF_IFD_0,
				EXIF_TAG_DATE_TIME), s, sizeof(s));
			exif_date_iso(s, x->datetime);
		}
	}
	entry_string(ifd_entry(ed, EXIF_IFD_0, EXIF_TAG_MAKE), x->make,
		sizeof(x->make));
	entry_string(ifd_entry(ed, EXIF_IFD_0, EXIF_TAG_MODEL), x->model,
		sizeof(x->model));
	orient = entry_uint(ifd_entry(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION),
		bo);
	x->orientation = orient >= 1 && orient <= 8 ? (int)orient : 0;

	/* IFD 0 only: IFD 1 describes the thumbnail. */
	unit = entry_uint(ifd_entry(ed, EXIF_IFD_0,
		EXIF_TAG_RESOLUTION_UNIT), bo);
	if (unit < 0) {
		unit = 2;       /* the EXIF default: inches */
	}
	if (entry_rational(ifd_entry(ed, EXIF_IFD_0, EXIF_TAG_X_RESOLUTION),
	    bo, 0, &xr) && entry_rational(ifd_entry(ed, EXIF_IFD_0,
	    EXIF_TAG_Y_RESOLUTION), bo, 0, &yr)) {
		x->xres = unit == 2 ? to_dpi(xr, 1) : unit == 3 ?
			to_dpi(xr, 2) : 0;
		x->yres = unit == 2 ? to_dpi(yr, 1) : unit == 3 ?
			to_dpi(yr, 2) : 0;
	}

	if (gps_coord(ed, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF,
	    'S', 90, &x->lat) && gps_coord(ed, EXIF_TAG_GPS_LONGITUDE,
	    EXIF_TAG_GPS_LONGITUDE_REF, 'W', 180, &x->lon)) {
		x->has_gps = 1;
	} else {
		x->lat = 0;
		x->lon = 0;
	}
out:
	exif_data_unref(ed);
	exif_log_unref(log);
}

/* ------------------------------------------------------------- JPEG */

struct jpeg_info {
	int have_sof;
	unsigned width, height;
	size_t sos;             /* offset just past the first SOS header */
	const unsigned char *exif;      /* first APP1 "Exif\0\0" payload */
	size_t nexif;
	int exif_truncated;     /* that segment runs past the data */
	int xmp;                /* an APP1 holding XMP */
	int jfif_units;         /* APP0 JFIF: 0 none, 1 dpi, 2 dpcm */
	unsigned jfif_x, jfif_y;
	int short_data;         /* the data ended before SOS */
	int bad;                /* marker structure broken */
};

/* 1 when JPEG marker m starts a frame (SOF0-SOF15, without DHT 0xC4, JPG
 * 0xC8 and DAC 0xCC, which share the range). */
static int is_sof(int m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 &&
		m != 0xCC;
}

/* Walk the marker segments of d[0..n) from SOI to the first SOS. */
static void jpeg_scan(const unsigned char *d, size_t n,
	struct jpeg_info *ji)
{
	size_t pos = 2, plen, avail;
	const unsigned char *p;
	int m;

	memset(ji, 0, sizeof(*ji));
	for (;;) {
		if (pos >= n) {
			ji->short_data = 1;
			return;
		}
		if (d[pos] != 0xFF) {
			ji->bad = 1;
			return;
		}
		while (pos < n && d[pos] == 0xFF) {
			pos++;
		}
		if (pos >= n) {
			ji->short_data = 1;
			return;
		}
		m = d[pos++];
		if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
			continue;       /* markers without a length */
		}
		if (m == 0xD9 || m == 0x00) {
			ji->bad = 1;    /* EOI or a stray byte before SOS */
			return;
		}
		if (n - pos < 2) {
			ji->short_data = 1;
			return;
		}
		if (be16(d + pos) < 2) {
			ji->bad = 1;
			return;
		}
		plen = be16(d + pos) - 2;
		p = d + pos + 2;
		avail = n - pos - 2 < plen ? n - pos - 2 : plen;
		if (m == 0xE0 && avail >= 12 && memcmp(p, "JFIF\0", 5) == 0) {
			ji->jfif_units = p[7];
			ji->jfif_x = be16(p + 8);
			ji->jfif_y = be16(p + 10);
		} else if (m == 0xE1 && avail >= 6 &&
		    memcmp(p, "Exif\0", 5) == 0) {
			if (ji->exif == NULL) {
				ji->exif = p;
				ji->nexif = avail;
				ji->exif_truncated = avail < plen;
			}
		} else if (m == 0xE1 && avail >= sizeof(XMP_ID) &&
		    memcmp(p, XMP_ID, sizeof(XMP_ID)) == 0) {
			ji->xmp = 1;
		} else if (is_sof(m) && avail >= 5 && !ji->have_sof) {
			ji->have_sof = 1;
			ji->height = be16(p + 1);
			ji->width = be16(p + 3);
		}
		if (avail < plen) {
			ji->short_data = 1;
			return;
		}
		pos += 2 + plen;
		if (m == 0xDA) {
			ji->sos = pos;
			return;
		}
	}
}

/* 1 when the bytes hold an EOI marker (FF D9). */
static int has_eoi(const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n;

	while (q + 1 < end) {
		q = memchr(q, 0xFF, (size_t)(end - q - 1));
		if (q == NULL) {
			return 0;
		}
		if (q[1] == 0xD9) {
			return 1;
		}
		q++;
	}
	return 0;
}

/* JPEG: size from the frame header, EXIF from APP1 (an XMP-only photo is
 * warned of), resolution from EXIF or else JFIF, and a warning when the file
 * ends before its EOI marker.  When the head given ends inside the header
 * segments the source is read further (HEAD_CAP at most); without the whole
 * file, its last TAIL_CAP bytes are read for the EOI. */
static void jpeg_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete)
{
	struct jpeg_info ji;
	unsigned char *head = NULL, *tail = NULL;
	size_t nhead;
	ssize_t ntail;
	int whole = complete;

	if (n < 3 || data[0] != 0xFF || data[1] != 0xD8) {
		batch_warn(b, it->path, "图像无法读取：不是有效的 JPEG 文件");
		return;
	}
	jpeg_scan(data, n, &ji);
	if (ji.short_data && !complete && it->src != NULL) {
		/* The header segments go past the head given: read more. */
		if (hd_read_file(it->src, HEAD_CAP, &head, &nhead, NULL) == 0 &&
		    nhead > n) {
			data = head;
			n = nhead;
			whole = (uint64_t)nhead < HEAD_CAP;
			jpeg_scan(data, n, &ji);
		}
	}
	if (ji.exif != NULL) {
		exif_read(b, it, ji.exif, ji.nexif, ji.exif_truncated);
	} else if (ji.xmp) {
		batch_warn(b, it->path, "照片元数据只有 XMP，没有 EXIF，"
			"拍摄日期和相机信息未读取");
	}
	if (it->file.exif.xres == 0 && ji.jfif_x > 0 && ji.jfif_y > 0) {
		it->file.exif.xres = to_dpi(ji.jfif_x, ji.jfif_units);
		it->file.exif.yres = to_dpi(ji.jfif_y, ji.jfif_units);
	}
	if (!ji.have_sof || ji.width == 0 || ji.height == 0) {
		batch_warn(b, it->path, "图像无法读取：JPEG %s",
			ji.short_data ? "文件不完整（图像数据前就已结束）" :
			"结构损坏（找不到帧头 SOF）");
		goto out;
	}
	it->file.width = dim(ji.width);
	it->file.height = dim(ji.height);
	if (ji.sos == 0) {
		batch_warn(b, it->path, "图像无法读取：JPEG 文件不完整"
			"（没有图像数据）");
		goto out;
	}
	/* The first FF D9 after the scan header is the end of the image:
	 * inside scan data FF is always followed by 00 or a restart marker. */
	if (whole) {
		if (!has_eoi(data + ji.sos, n - ji.sos)) {
			batch_warn(b, it->path, "JPEG 文件不完整（缺少结束标记 "
				"EOI），图像可能只显示一部分");
		}
	} else if (it->src != NULL) {
		tail = hd_xmalloc(TAIL_CAP);
		ntail = read_tail(it->src, tail, TAIL_CAP);
		if (ntail >= 0 && !has_eoi(tail, (size_t)ntail)) {
			batch_warn(b, it->path, "JPEG 文件不完整（缺少结束标记 "
				"EOI），图像可能只显示一部分");
		}
	}
out:
	free(head);
	free(tail);
}

/* -------------------------------------------------------------- PNG */

struct png_info {
	int have_ihdr;
	uint32_t width, height;
	int have_phys;
	uint32_t ppx, ppy;
	int unit;               /* pHYs unit: 1 = metre */
	int have_iend;
	int short_data;         /* a chunk runs past the data */
	int bad;
};

/* Walk the chunks of PNG d[0..n) after the signature into *pi: IHDR (size),
 * pHYs (resolution), IEND.  Stops at the first IDAT unless complete (the
 * data is the whole file), since the rest is image data; notes short_data
 * when a chunk runs past n and bad for a structure that is not PNG. */
static void png_scan(const unsigned char *d, size_t n, int complete,
	struct png_info *pi)
{
	size_t pos = 8;
	uint32_t len;
	const unsigned char *type, *p;

	memset(pi, 0, sizeof(*pi));
	for (;;) {
		if (n - pos < 8) {
			pi->short_data = 1;
			return;
		}
		len = be32(d + pos);
		type = d + pos + 4;
		p = d + pos + 8;
		if (len > 0x7FFFFFFF) {
			pi->bad = 1;
			return;
		}
		if (pos == 8 && memcmp(type, "IHDR", 4) != 0) {
			pi->bad = 1;
			return;
		}
		if (memcmp(type, "IDAT", 4) == 0 && !complete) {
			return;         /* the rest is image data */
		}
		if ((uint64_t)len + 4 > n - pos - 8) {
			pi->short_data = 1;
			return;
		}
		if (memcmp(type, "IHDR", 4) == 0 && len >= 13) {
			pi->have_ihdr = 1;
			pi->width = be32(p);
			pi->height = be32(p + 4);
		} else if (memcmp(type, "pHYs", 4) == 0 && len >= 9) {
			pi->have_phys = 1;
			pi->ppx = be32(p);
			pi->ppy = be32(p + 4);
			pi->unit = p[8];
		} else if (memcmp(type, "IEND", 4) == 0) {
			pi->have_iend = 1;
			return;
		}
		pos += 12 + (size_t)len;
	}
}

/* PNG: size and resolution from png_scan, reading more of the source when
 * the head given ends inside the first chunks, and a warning when the whole
 * file has no IEND. */
static void png_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete)
{
	struct png_info pi;
	unsigned char *head = NULL;
	size_t nhead;

	if (n < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0) {
		batch_warn(b, it->path, "图像无法读取：不是有效的 PNG 文件");
		return;
	}
	png_scan(data, n, complete, &pi);
	if (pi.short_data && !complete && it->src != NULL &&
	    hd_read_file(it->src, HEAD_CAP, &head, &nhead, NULL) == 0 && nhead > n) {
		png_scan(head, nhead, 0, &pi);
	}
	if (!pi.have_ihdr || pi.width == 0 || pi.height == 0) {
		batch_warn(b, it->path, "图像无法读取：PNG %s",
			pi.short_data ? "文件不完整" : "结构损坏（缺少 IHDR）");
		goto out;
	}
	it->file.width = dim(pi.width);
	it->file.height = dim(pi.height);
	if (pi.have_phys && pi.unit == 1) {
		it->file.exif.xres = to_dpi(pi.ppx, 3);
		it->file.exif.yres = to_dpi(pi.ppy, 3);
	}
	if (complete && !pi.have_iend) {
		batch_warn(b, it->path, "PNG 文件不完整（缺少结束块 IEND），"
			"图像可能只显示一部分");
	}
out:
	free(head);
}

/* ------------------------------------------------- GIF, BMP, WebP */

/* The size w x h pixels a header gave into it, or, when either is 0 (a
 * header damaged or of no known kind), the warning that the image of
 * format cannot be read. */
static void header_size(struct batch *b, struct batch_item *it,
	uint32_t w, uint32_t h, const char *format)
{
	if (w == 0 || h == 0) {
		batch_warn(b, it->path, "图像无法读取：%s 文件头损坏", format);
		return;
	}
	it->file.width = dim(w);
	it->file.height = dim(h);
}

/* GIF: the logical screen size of its header. */
static void gif_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *d, size_t n)
{
	int ok = n >= 10 && (memcmp(d, "GIF87a", 6) == 0 ||
		memcmp(d, "GIF89a", 6) == 0);

	header_size(b, it, ok ? le16(d + 6) : 0, ok ? le16(d + 8) : 0, "GIF");
}

/* BMP: the size of the OS/2 (12-byte) or Windows (40 bytes and more)
 * info header, and the Windows header's resolution (pixels a metre). */
static void bmp_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *d, size_t n)
{
	uint32_t hsize, w = 0, h = 0;

	hsize = n >= 26 && d[0] == 'B' && d[1] == 'M' ? le32(d + 14) : 0;
	if (hsize == 12) {
		w = le16(d + 18);
		h = le16(d + 20);
	} else if (hsize >= 40 && n >= 46) {
		w = le32(d + 18);
		h = le32(d + 22);
		if (h & 0x80000000u) {
			h = ~h + 1;     /* top-down rows */
		}
		it->file.exif.xres = to_dpi(le32(d + 38), 3);
		it->file.exif.yres = to_dpi(le32(d + 42), 3);
	}
	header_size(b, it, w, h, "BMP");
}

/* WebP: the canvas of an extended (VP8X) file, or the frame size of a
 * lossless (VP8L) or lossy (VP8) one. */
static void webp_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *d, size_t n)
{
	int webp = n >= 30 && memcmp(d, "RIFF", 4) == 0 &&
		memcmp(d + 8, "WEBP", 4) == 0;
	uint32_t w = 0, h = 0, bits;

	if (webp && memcmp(d + 12, "VP8X", 4) == 0) {
		w = le24(d + 24) + 1;
		h = le24(d + 27) + 1;
	} else if (webp && memcmp(d + 12, "VP8L", 4) == 0 && d[20] == 0x2F) {
		bits = le32(d + 21);
		w = (bits & 0x3FFF) + 1;
		h = ((bits >> 14) & 0x3FFF) + 1;
	} else if (webp && memcmp(d + 12, "VP8 ", 4) == 0 &&
	    memcmp(d + 23, "\x9d\x01\x2a", 3) == 0) {
		w = le16(d + 26) & 0x3FFF;
		h = le16(d + 28) & 0x3FFF;
	}
	header_size(b, it, w, h, "WebP");
}

/* ------------------------------------------------------------- TIFF */

/* The bytes libtiff reads through TIFFClientOpen. */
struct mem_tiff {
	const unsigned char *p;
	uint64_t n;
	uint64_t pos;
};

/* libtiff's read of the in-memory file h: up to size bytes from its
 * position; 0 at the end. */
static tmsize_t mt_read(thandle_t h, void *buf, tmsize_t size)
{
	struct mem_tiff *m = h;
	uint64_t left;

	if (size <= 0 || m->pos >= m->n) {
		return 0;
	}
	left = m->n - m->pos;
	if ((uint64_t)size > left) {
		size = (tmsize_t)left;
	}
	memcpy(buf, m->p + m->pos, (size_t)size);
	m->pos += (uint64_t)size;
	return size;
}

/* libtiff's write: refused, the file is read only. */
static tmsize_t mt_write(thandle_t h, void *buf, tmsize_t size)
{
	(void)h;
	(void)buf;
	(void)size;
	return -1;
}

/* libtiff's seek in the in-memory file h, from its start, position or end;
 * -1 for a position that would overflow or an unknown whence.  A position
 * past the end reads nothing. */
static toff_t mt_seek(thandle_t h, toff_t off, int whence)
{
	struct mem_tiff *m = h;
	uint64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = m->pos;
		break;
	case SEEK_END:
		base = m->n;
		break;
	default:
		return (toff_t)-1;
	}
	if (off > UINT64_MAX - base) {
		return (toff_t)-1;
	}
	m->pos = base + off;
	return m->pos;
}

/* libtiff's close: the memory is the caller's, nothing to do. */
static int mt_close(thandle_t h)
{
	(void)h;
	return 0;
}

/* libtiff's size of the in-memory file h. */
static toff_t mt_size(thandle_t h)
{
	return ((struct mem_tiff *)h)->n;
}

/* libtiff's map: none (0 makes it read through mt_read). */
static int mt_map(thandle_t h, void **base, toff_t *size)
{
	(void)h;
	(void)base;
	(void)size;
	return 0;
}

/* libtiff's unmap: nothing was mapped. */
static void mt_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h;
	(void)base;
	(void)size;
}

/* What libtiff complained about while reading this file. */
struct tiff_ctx {
	int errors;
	char first[200];        /* the first error message */
};

static int tiff_error(TIFF *tif, void *user, const char *module,
	const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* libtiff's error handler: count the errors of this file and keep the first
 * message in the tiff_ctx at user; nothing reaches stderr. */
static int tiff_error(TIFF *tif, void *user, const char *module,
	const char *fmt, va_list ap)
{
	struct tiff_ctx *ctx = user;

	(void)tif;
	(void)module;
	if (ctx->errors++ == 0) {
		vsnprintf(ctx->first, sizeof(ctx->first), fmt, ap);
	}
	return 1;               /* handled: nothing reaches stderr */
}

/* libtiff's warning handler: silence (unknown tags and the like are not
 * news). */
static int tiff_warning(TIFF *tif, void *user, const char *module,
	const char *fmt, va_list ap)
{
	(void)tif;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;               /* unknown tags and the like: not news */
}

/* ASCII tag tag of the current TIFF directory as printable text into out
 * (cap bytes); "" when absent. */
static void tiff_string(TIFF *tif, uint32_t tag, char *out, size_t cap)
{
	char *s = NULL;

	out[0] = '\0';
	if (TIFFGetField(tif, tag, &s) == 1 && s != NULL) {
		copy_ascii(out, cap, s, strlen(s));
	}
}

/* TIFF, through libtiff (from memory when the data is the whole file or
 * there is no source, else from the source file): size, resolution (inch or
 * cm), date, make, model and orientation from the first directory and its
 * EXIF directory, and the number of pages (directories that are not
 * reduced-resolution copies, TIFF_MAX_DIRS at most).  libtiff's errors
 * become one warning. */
static void tiff_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete)
{
	struct hd_exif *x = &it->file.exif;
	struct mem_tiff mt = { data, n, 0 };
	struct tiff_ctx ctx = { 0, "" };
	TIFFOpenOptions *opts;
	TIFF *tif = NULL;
	uint32_t w = 0, h = 0, subtype;
	uint16_t unit = RESUNIT_INCH, orient = 0;
	uint64_t exif_off = 0;
	float xr = 0, yr = 0;
	char s[32];
	int fd = -1, dirs = 0, pages = 0;

	opts = TIFFOpenOptionsAlloc();
	if (opts == NULL) {
		abort();        /* out of memory, as hd_xmalloc */
	}
	TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_error, &ctx);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_warning, &ctx);
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, TIFF_MAX_ALLOC);
	if (complete || it->src == NULL) {
		tif = TIFFClientOpenExt(it->path, "rmD", &mt, mt_read, mt_write,
			mt_seek, mt_close, mt_size, mt_map, mt_unmap, opts);
	} else {
		fd = open(it->src, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			tif = TIFFFdOpenExt(fd, it->path, "rmD", opts);
		} else {
			snprintf(ctx.first, sizeof(ctx.first), "%s",
				strerror(errno));
		}
	}
	if (tif == NULL) {
		batch_warn(b, it->path, "图像无法读取：TIFF 无法解析（%s）",
			ctx.first[0] != '\0' ? ctx.first : "?");
		goto out;
	}
	TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
	if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xr) == 1 &&
	    TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yr) == 1) {
		TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
		x->xres = unit == RESUNIT_INCH ? to_dpi(xr, 1) :
			unit == RESUNIT_CENTIMETER ? to_dpi(xr, 2) : 0;
		x->yres = unit == RESUNIT_INCH ? to_dpi(yr, 1) :
			unit == RESUNIT_CENTIMETER ? to_dpi(yr, 2) : 0;
	}
	tiff_string(tif, TIFFTAG_DATETIME, s, sizeof(s));
	exif_date_iso(s, x->datetime);
	tiff_string(tif, TIFFTAG_MAKE, x->make, sizeof(x->make));
	tiff_string(tif, TIFFTAG_MODEL, x->model, sizeof(x->model));
	if (TIFFGetField(tif, TIFFTAG_ORIENTATION, &orient) == 1 &&
	    orient >= 1 && orient <= 8) {
		x->orientation = orient;
	}
	TIFFGetField(tif, TIFFTAG_EXIFIFD, &exif_off);

	/* Pages: every directory but reduced-resolution (thumbnail) ones. */
	do {
		subtype = 0;
		TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subtype);
		if (!(subtype & FILETYPE_REDUCEDIMAGE)) {
			pages++;
		}
	} while (++dirs < TIFF_MAX_DIRS && TIFFReadDirectory(tif) == 1);
	it->file.pages = pages;

	if (exif_off != 0 && TIFFReadEXIFDirectory(tif, exif_off) == 1) {
		tiff_string(tif, EXIFTAG_DATETIMEORIGINAL, s, sizeof(s));
		if (s[0] == '\0') {
			tiff_string(tif, EXIFTAG_DATETIMEDIGITIZED, s,
				sizeof(s));
		}
		if (s[0] != '\0') {
			exif_date_iso(s, x->datetime);
		}
	}
	if (x->datetime[0] != '\0' || x->make[0] != '\0' ||
	    x->model[0] != '\0' || x->orientation != 0) {
		it->file.has_exif = 1;
	}
	if (w == 0 || h == 0) {
		batch_warn(b, it->path, "图像无法读取：TIFF 缺少图像尺寸%s%s",
			ctx.errors ? "：" : "", ctx.first);
		goto out;
	}
	it->file.width = dim(w);
	it->file.height = dim(h);
	if (ctx.errors > 0) {
		batch_warn(b, it->path, "TIFF 文件有损坏之处（%s）", ctx.first);
	}
out:
	if (tif != NULL) {
		TIFFClose(tif);
	}
	if (fd >= 0) {
		close(fd);
	}
	TIFFOpenOptionsFree(opts);
}

/* ------------------------------------------------------------ stage */

/*
 * Characterise an image; see ingest.h.  Fills it->file.width, height,
 * pages (TIFF), has_exif and exif (resolution also from JFIF, pHYs and
 * BMP headers, so exif.xres/yres is set whether or not has_exif is).
 * Other types are left alone.  Always returns 0: every problem is a
 * warning.  Allocates nothing that outlives the call.
 */
int stage_characterise(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete)
{
	const char *mime = it->file.mime;

	if (mime == NULL || strncmp(mime, "image/", 6) != 0) {
		return 0;
	}
	if (data == NULL) {
		data = (const unsigned char *)"";
		n = 0;
	}
	it->file.width = 0;
	it->file.height = 0;
	it->file.has_exif = 0;
	memset(&it->file.exif, 0, sizeof(it->file.exif));
	if (strcmp(mime, "image/jpeg") == 0) {
		jpeg_characterise(b, it, data, n, complete);
	} else if (strcmp(mime, "image/png") == 0) {
		png_characterise(b, it, data, n, complete);
	} else if (strcmp(mime, "image/tiff") == 0) {
		tiff_characterise(b, it, data, n, complete);
	} else if (strcmp(mime, "image/gif") == 0) {
		gif_characterise(b, it, data, n);
	} else if (strcmp(mime, "image/bmp") == 0 ||
	    strcmp(mime, "image/x-ms-bmp") == 0) {
		bmp_characterise(b, it, data, n);
	} else if (strcmp(mime, "image/webp") == 0) {
		webp_characterise(b, it, data, n);
	}
	return 0;
}
