/*
 * identify.c - stage_identify: the real format of a file, from its bytes.
 *
 * A scanner batch names its files however the contractor's software
 * pleased; the archive records what the bytes are.  libmagic decides
 * (opened once per batch, its cookie on b->magic), and the extension is
 * only compared with that answer: a contradiction keeps the type found in
 * the content and puts a warning on the batch report, so that a PNG named
 * .jpg is stored and shown as a PNG.  Two corrections are made where
 * libmagic cannot know better than the name: text whose name says
 * Markdown, CSV or HTML keeps that type (libmagic calls most of them
 * text/plain), and text in GB18030 that libmagic gives up on is text when
 * the name says so.  A file nobody recognises is kept as
 * application/octet-stream, with a warning that it is preserved as is.
 *
 * Guarantee: after a 0 return it->file.mime is a heap string (freed with
 * the item), never NULL.
 */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include <magic.h>

#define OCTET "application/octet-stream"

/* How much of the data libmagic sees.  Its tests look at the head of a
 * file, but some run over all they are given, so a first look takes the
 * first 16 KiB (15 us for a photo, where 256 KiB costs 35 us); only when
 * that finds nothing is a second look taken at up to 1 MiB (an ISO 9660
 * disc image, for one, is recognised at 32 KiB). */
#define MAGIC_QUICK ((size_t)16 * 1024)
#define MAGIC_CAP ((size_t)1024 * 1024)

/* What an extension promises.  types: the libmagic answers that agree
 * with it, '|'-separated; a type ending in '/' accepts the whole family.
 * canon: when not NULL, the type kept when the content is text (libmagic
 * cannot tell Markdown or CSV from plain text). */
struct ext_type {
	const char *ext;
	const char *types;
	const char *canon;
};

#define OLE "application/x-ole-storage|application/CDFV2|" \
	"application/vnd.ms-office|"
#define OOXML "application/vnd.openxmlformats-officedocument."
#define ODF "application/vnd.oasis.opendocument."

static const struct ext_type ext_types[] = {
	{ "jpg", "image/jpeg", NULL },
	{ "jpeg", "image/jpeg", NULL },
	{ "jpe", "image/jpeg", NULL },
	{ "jfif", "image/jpeg", NULL },
	{ "png", "image/png", NULL },
	{ "tif", "image/tiff", NULL },
	{ "tiff", "image/tiff", NULL },
	{ "gif", "image/gif", NULL },
	{ "webp", "image/webp", NULL },
	{ "bmp", "image/bmp|image/x-ms-bmp", NULL },
	{ "jp2", "image/jp2|image/jpx", NULL },
	{ "heic", "image/heic|image/heif", NULL },
	{ "pdf", "application/pdf", NULL },
	{ "ofd", "application/zip", NULL },     /* GB/T 33190 版式文档 */
	{ "txt", "text/", "text/plain" },
	{ "text", "text/", "text/plain" },
	{ "log", "text/", "text/plain" },
	{ "md", "text/", "text/markdown" },
	{ "markdown", "text/", "text/markdown" },
	{ "csv", "text/", "text/csv" },
	{ "tsv", "text/", "text/tab-separated-values" },
	{ "html", "text/", "text/html" },
	{ "htm", "text/", "text/html" },
	{ "xhtml", "text/html|text/xml|application/xhtml+xml", NULL },
	{ "xml", "text/xml|application/xml", NULL },
	{ "json", "application/json|text/", NULL },
	{ "rtf", "text/rtf", NULL },
	{ "zip", "application/zip", NULL },
	{ "7z", "application/x-7z-compressed", NULL },
	{ "tar", "application/x-tar", NULL },
	{ "gz", "application/gzip|application/x-gzip", NULL },
	{ "tgz", "application/gzip|application/x-gzip", NULL },
	{ "rar", "application/x-rar|application/vnd.rar", NULL },
	{ "mp3", "audio/mpeg", NULL },
	{ "wav", "audio/x-wav|audio/wav|audio/vnd.wave", NULL },
	{ "flac", "audio/flac|audio/x-flac", NULL },
	{ "m4a", "audio/x-m4a|audio/mp4|video/mp4", NULL },
	{ "ogg", "audio/ogg|video/ogg|application/ogg", NULL },
	{ "mp4", "video/mp4|video/quicktime|video/x-m4v", NULL },
	{ "m4v", "video/mp4|video/x-m4v", NULL },
	{ "mov", "video/quicktime", NULL },
	{ "avi", "video/x-msvideo", NULL },
	{ "doc", OLE "application/msword", NULL },
	{ "xls", OLE "application/vnd.ms-excel", NULL },
	{ "ppt", OLE "application/vnd.ms-powerpoint", NULL },
	{ "wps", OLE "application/vnd.ms-works", NULL },   /* WPS 文字 */
	{ "docx", OOXML "wordprocessingml.document|application/zip", NULL },
	{ "xlsx", OOXML "spreadsheetml.sheet|application/zip", NULL },
	{ "pptx", OOXML "presentationml.presentation|application/zip", NULL },
	{ "odt", ODF "text|application/zip", NULL },
	{ "ods", ODF "spreadsheet|application/zip", NULL },
};

/* The extension of path, lower-cased into out (without the dot); "" when
 * the last component has none or it is too long to be one. */
static void path_ext(const char *path, char *out, size_t cap)
{
	const char *base, *dot;
	size_t i, n;

	out[0] = '\0';
	if (path == NULL) {
		return;
	}
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base) {
		return;
	}
	n = strlen(dot + 1);
	if (n == 0 || n >= cap) {
		return;
	}
	for (i = 0; i < n; i++) {
		char c = dot[1 + i];

		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		out[i] = c;
	}
	out[n] = '\0';
}

/* The entry of ext_types for lower-case extension ext (no dot), or NULL. */
static const struct ext_type *ext_find(const char *ext)
{
	size_t i;

	for (i = 0; i < sizeof(ext_types) / sizeof(ext_types[0]); i++) {
		if (strcmp(ext_types[i].ext, ext) == 0) {
			return &ext_types[i];
		}
	}
	return NULL;
}

/* 1 when mime is one of the '|'-separated types (a type ending in '/'
 * matches its whole family). */
static int type_listed(const char *types, const char *mime)
{
	const char *p = types;
	size_t mlen = strlen(mime);

	while (*p != '\0') {
		const char *end = strchr(p, '|');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len > 0 && p[len - 1] == '/') {
			if (mlen > len && strncmp(p, mime, len) == 0) {
				return 1;
			}
		} else if (len == mlen && strncmp(p, mime, len) == 0) {
			return 1;
		}
		if (end == NULL) {
			break;
		}
		p = end + 1;
	}
	return 0;
}

/* 1 when data decodes as UTF-8 or GB18030 text without NUL bytes.  A
 * prefix is cut after its last byte below 0x30, which can end neither a
 * UTF-8 nor a GB18030 sequence in the middle. */
static int looks_text(const unsigned char *data, size_t n, int complete)
{
	char *s;
	size_t i;

	if (n == 0 || memchr(data, 0, n) != NULL) {
		return 0;
	}
	if (!complete) {
		for (i = n; i > 0 && data[i - 1] >= 0x30; i--) {
		}
		if (i == 0) {
			return 0;
		}
		n = i;
	}
	s = hd_text_to_utf8((const char *)data, n);
	free(s);
	return s != NULL;
}

/* Open libmagic for the batch once.  text: the cookie without the
 * soft-magic database (MAGIC_NO_CHECK_SOFT), which still tells JSON, CSV
 * and the text encodings apart but skips the thousands of patterns that
 * make a small text file cost 0.4 ms.  Returns the cookie, or NULL after
 * noting the file as rejected with libmagic's reason. */
static magic_t magic_cookie(struct batch *b, struct batch_item *it, int text)
{
	void **slot = text ? &b->magic_text : &b->magic;
	magic_t m;

	if (*slot != NULL) {
		return *slot;
	}
	m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR |
		(text ? MAGIC_NO_CHECK_SOFT : 0));
	if (m == NULL) {
		batch_reject(b, it->path, "无法识别格式：libmagic 无法启动");
		return NULL;
	}
	if (magic_load(m, NULL) != 0) {
		const char *why = magic_error(m);

		batch_reject(b, it->path, "无法识别格式：libmagic 数据库无法"
			"载入（%s）", why != NULL ? why : "?");
		magic_close(m);
		return NULL;
	}
	*slot = m;
	return m;
}

/*
 * Set it->file.mime from the content; see ingest.h.  Returns 0, or
 * HD_EIO when libmagic itself cannot be opened (the file is then noted as
 * rejected here, with the reason).  Allocates it->file.mime (freeing one
 * set before), which the item owns.
 */
int stage_identify(struct batch *b, struct batch_item *it,
	const unsigned char *data, size_t n, int complete)
{
	const struct ext_type *et;
	const char *found;
	char ext[16];
	char *mime;
	magic_t m;

	if (data == NULL) {
		data = (const unsigned char *)"";
		n = 0;
	}
	path_ext(it->path, ext, sizeof(ext));
	et = ext[0] != '\0' ? ext_find(ext) : NULL;
	/* Text named as text (.txt, .csv, .html ...) that decodes as text:
	 * whatever text/ type the full database finds, the name's type
	 * wins below, and no binary format decodes as UTF-8 or GB18030
	 * without a NUL; the cookie without soft magic gives the same
	 * answer (JSON, CSV, text) 200 times faster. */
	m = magic_cookie(b, it, et != NULL && et->canon != NULL && n > 0 &&
		looks_text(data, n < MAGIC_CAP ? n : MAGIC_CAP,
		complete && n <= MAGIC_CAP));
	if (m == NULL) {
		return HD_EIO;
	}
	found = magic_buffer(m, data, n < MAGIC_QUICK ? n : MAGIC_QUICK);
	if (n > MAGIC_QUICK && (found == NULL || strcmp(found, OCTET) == 0)) {
		found = magic_buffer(m, data, n < MAGIC_CAP ? n : MAGIC_CAP);
	}
	if (found == NULL || strchr(found, '/') == NULL) {
		found = OCTET;
	}
	mime = hd_xstrdup(found);

	if (n == 0 && complete) {
		batch_warn(b, it->path, "文件为空（0 字节）");
	} else if (et != NULL && et->canon != NULL &&
	    (strncmp(mime, "text/", 5) == 0 ||
	    (strcmp(mime, OCTET) == 0 && looks_text(data,
	    n < MAGIC_CAP ? n : MAGIC_CAP, complete && n <= MAGIC_CAP)))) {
		/* The name says which kind of text; libmagic cannot. */
		free(mime);
		mime = hd_xstrdup(et->canon);
	} else if (strcmp(mime, OCTET) == 0) {
		if (et != NULL) {
			batch_warn(b, it->path, "内容无法识别，与扩展名 .%s "
				"不符，按 " OCTET " 原样保存", ext);
		} else {
			batch_warn(b, it->path,
				"无法识别的格式，按 " OCTET " 原样保存");
		}
	} else if (et != NULL && !type_listed(et->types, mime)) {
		batch_warn(b, it->path, "内容为 %s，与扩展名 .%s 不符",
			mime, ext);
	}
	free(it->file.mime);
	it->file.mime = mime;
	return 0;
}

/*
 * Close the libmagic cookie stage_identify opened on b->magic.  Safe to
 * call twice, or when nothing was opened.
 */
void stage_identify_end(struct batch *b)
{
	if (b->magic != NULL) {
		magic_close(b->magic);
		b->magic = NULL;
	}
	if (b->magic_text != NULL) {
		magic_close(b->magic_text);
		b->magic_text = NULL;
	}
}
