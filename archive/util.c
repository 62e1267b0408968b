/*
 * util.c - errors, allocation, byte buffers and UTF-8 helpers.
 *
 * The small pieces every other module leans on.  Allocation failure aborts
 * (the one place the library may end the process: there is nothing sane
 * left to do); everything else reports through struct hd_error.  Unicode
 * normalisation and GB18030 conversion go through ICU, UTF-8 validation
 * through GLib and reading characters through ICU's U8_NEXT.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

/* hd_err: see hd.h.  The message is cut to fit e->msg. */
int hd_err(struct hd_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL) {
		return code;
	}
	e->code = code;
	e->retry = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* hd_err_clear: see hd.h.  Accepts NULL. */
void hd_err_clear(struct hd_error *e)
{
	if (e != NULL) {
		e->code = 0;
		e->msg[0] = '\0';
		e->retry = 0;
	}
}

/* Exit statuses: 0 success, 1 the command ran and found a problem, 2 bad
 * usage (including a data folder or record that is not there). */
int hd_exit_status(int code)
{
	switch (code) {
	case HD_OK:
		return 0;
	case HD_EUSAGE:
		return 2;
	default:
		return 1;
	}
}

/* hd_http_status: see hd.h.  Usage and bad input 400, not there and
 * not allowed both 404 (a hidden record must look missing), taken 409,
 * over a limit 413, a refused batch 422, busy 503, the rest 500. */
int hd_http_status(int code)
{
	switch (code) {
	case HD_OK:
		return 200;
	case HD_EUSAGE:
	case HD_EINVAL:
		return 400;
	case HD_ENOTFOUND:
	case HD_EDENIED:        /* a hidden record must not leak: 404 */
		return 404;
	case HD_EEXIST:
		return 409;
	case HD_ELIMIT:
		return 413;
	case HD_EREJECT:
		return 422;
	case HD_EBUSY:
		return 503;
	default:
		return 500;
	}
}

/* The one permitted exit: out of memory. */
static void __attribute__((noreturn)) oom(void)
{
	static const char msg[] = "hongdang: out of memory\n";

	(void)!write(2, msg, sizeof msg - 1);
	abort();
}

/* malloc that never returns NULL: out of memory ends the process (oom), the
 * one exit the library has.  A size of 0 allocates a byte, so the result is
 * always freeable and distinct. */
void *hd_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		oom();
	}
	return p;
}

/* calloc that never returns NULL (see hd_xmalloc). */
void *hd_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL) {
		oom();
	}
	return p;
}

/* realloc that never returns NULL (see hd_xmalloc); a size of 0 keeps a byte
 * instead of freeing. */
void *hd_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		oom();
	}
	return q;
}

/* A new copy of s, or NULL for NULL; aborts only when memory runs out. */
char *hd_xstrdup(const char *s)
{
	return s == NULL ? NULL : hd_xstrndup(s, strlen(s));
}

/* A new NUL-terminated copy of the n bytes at s (which may hold NULs). */
char *hd_xstrndup(const char *s, size_t n)
{
	char *p = hd_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A new string formatted as printf would; aborts only when memory runs out. */
char *hd_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		oom();
	}
	return s;
}

/* ------------------------------------------------------------ buffers */

/* hd_buf_init: see hd.h: an empty buffer, nothing allocated yet. */
void hd_buf_init(struct hd_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Make room in b for more bytes and the terminating NUL: the capacity
 * doubles (from 64) until it is enough. */
static void buf_grow(struct hd_buf *b, size_t more)
{
	size_t need = b->len + more + 1;
	size_t cap;

	if (need <= b->cap) {
		return;
	}
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		cap *= 2;
	}
	b->p = hd_xrealloc(b->p, cap);
	b->cap = cap;
}

/* Append the n bytes at s to b (n may be 0, s then unused); b stays
 * NUL-terminated. */
void hd_buf_add(struct hd_buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	if (n > 0) {
		memcpy(b->p + b->len, s, n);
	}
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append the string s to b. */
void hd_buf_puts(struct hd_buf *b, const char *s)
{
	hd_buf_add(b, s, strlen(s));
}

/* Append printf-formatted text to b (measured first, then written in place). */
void hd_buf_printf(struct hd_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* hd_buf_html: see hd.h.  Runs of plain bytes are copied whole. */
void hd_buf_html(struct hd_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *rep;

	buf_grow(b, n);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		hd_buf_add(b, s + run, i - run);
		hd_buf_puts(b, rep);
		run = i + 1;
	}
	hd_buf_add(b, s + run, n - run);
}

/* hd_buf_release: see hd.h. */
void hd_buf_release(struct hd_buf *b)
{
	free(b->p);
	hd_buf_init(b);
}

/* hd_buf_detach: see hd.h.  An empty buffer gives "" (never NULL). */
char *hd_buf_detach(struct hd_buf *b)
{
	char *p = b->p;

	if (p == NULL) {
		p = hd_xstrdup("");
	}
	hd_buf_init(b);
	return p;
}

/*
 * hd_json_dump: see internal.h.  json_dumps fails only when memory runs
 * out (every value the library builds is encodable), which is reported,
 * not aborted on: the one abort stays in hd_xmalloc.
 */
int hd_json_dump(const struct json_t *o, size_t flags, const char *what,
	char **out, struct hd_error *e)
{
	*out = json_dumps(o, flags);
	if (*out == NULL) {
		return hd_err(e, HD_EIO, "%s: cannot write the JSON (out of "
			"memory)", what);
	}
	return 0;
}

/* hd_json_str: see hd.h. */
json_t *hd_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* hd_json_strv: see hd.h. */
json_t *hd_json_strv(char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_array_append_new(arr, json_string(v[i]));
	}
	return arr;
}

/* -------------------------------------------------------------- UTF-8 */

/*
 * hd_utf8_valid: see hd.h.  GLib's g_utf8_validate_len, run again past
 * each NUL byte it stops at (GLib refuses NULs; a file's bytes may hold
 * them).  Allocates nothing.
 */
int hd_utf8_valid(const char *s, size_t n)
{
	const char *end = s + n, *stop;

	while (!g_utf8_validate_len(s, (gsize)(end - s), &stop)) {
		if (*stop != '\0') {
			return 0;
		}
		s = stop + 1;
	}
	return 1;
}

/*
 * hd_utf8_printable: see hd.h.  Each character is read with ICU's U8_NEXT;
 * what is not a whole valid character is shown one byte at a time.
 * Returns a new string (caller frees).
 */
char *hd_utf8_printable(const char *s, size_t n, size_t max)
{
	const uint8_t *u = (const uint8_t *)s;
	struct hd_buf b;
	int32_t i = 0, j, len = (int32_t)n;
	UChar32 c;

	hd_buf_init(&b);
	while (i < len) {
		if (max > 0 && b.len >= max) {
			hd_buf_puts(&b, "...");
			break;
		}
		j = i;
		U8_NEXT(u, j, len, c);
		if (c >= 0x20 && c != 0x7F && !(c >= 0x80 && c < 0xA0)) {
			hd_buf_add(&b, s + i, (size_t)(j - i));
			i = j;
		} else {
			hd_buf_printf(&b, "\\x%02X", (unsigned)u[i]);
			i++;
		}
	}
	return hd_buf_detach(&b);
}

/* hd_name_show: see hd.h.  The copy fits: 160 bytes, at most one
 * character more, and "..." stay under HD_SHOW_SIZE.  Allocates nothing
 * that outlives the call. */
const char *hd_name_show(const char *s, char out[HD_SHOW_SIZE])
{
	char *p = hd_utf8_printable(s, strlen(s), 160);

	snprintf(out, HD_SHOW_SIZE, "%s", p);
	free(p);
	return out;
}

/* hd_notes_free: see hd.h.  Frees each path and message, then v. */
void hd_notes_free(struct hd_note *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].path);
		free(v[i].msg);
	}
	free(v);
}

/* hd_notes_vadd: see hd.h.  Out of memory aborts (oom).  The note's
 * strings are new; v grows by one. */
void hd_notes_vadd(struct hd_note **v, size_t *n, int printable,
	const char *path, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0) {
		oom();
	}
	if (path == NULL) {
		path = "";
	}
	*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
	if (printable) {
		(*v)[*n].path = hd_utf8_printable(path, strlen(path), 0);
		(*v)[*n].msg = hd_utf8_printable(msg, strlen(msg), 0);
		free(msg);
	} else {
		(*v)[*n].path = hd_xstrdup(path);
		(*v)[*n].msg = msg;
	}
	(*n)++;
}

/* UTF-8 -> UTF-16 with ICU; returns a malloc'd buffer and its length. */
static UChar *to_utf16(const char *s, size_t n, int32_t *len)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar *u;
	int32_t need = 0;

	u_strFromUTF8(NULL, 0, &need, s, (int32_t)n, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
		return NULL;
	}
	st = U_ZERO_ERROR;
	u = hd_xmalloc(((size_t)need + 1) * sizeof(UChar));
	u_strFromUTF8(u, need + 1, len, s, (int32_t)n, &st);
	if (U_FAILURE(st)) {
		free(u);
		return NULL;
	}
	return u;
}

/* A new UTF-8 string of the n UTF-16 units at u, or NULL when ICU cannot
 * convert them.  Caller frees. */
static char *from_utf16(const UChar *u, int32_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t need = 0;
	char *s;

	u_strToUTF8(NULL, 0, &need, u, n, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
		return NULL;
	}
	st = U_ZERO_ERROR;
	s = hd_xmalloc((size_t)need + 1);
	u_strToUTF8(s, need + 1, NULL, u, n, &st);
	if (U_FAILURE(st)) {
		free(s);
		return NULL;
	}
	return s;
}

/* The n UTF-16 units at u normalised by nf: a new buffer (caller frees)
 * whose length goes into *len, or NULL when ICU cannot. */
static UChar *normalize16(const UNormalizer2 *nf, const UChar *u, int32_t n,
	int32_t *len)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t need;
	UChar *v;

	need = unorm2_normalize(nf, u, n, NULL, 0, &st);
	st = U_ZERO_ERROR;
	v = hd_xmalloc(((size_t)need + 1) * sizeof(UChar));
	*len = unorm2_normalize(nf, u, n, v, need + 1, &st);
	if (U_FAILURE(st)) {
		free(v);
		return NULL;
	}
	return v;
}

/* hd_nfc: see hd.h.  Through ICU: UTF-8 to UTF-16, NFC, back. */
char *hd_nfc(const char *s, size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfc;
	UChar *u, *v;
	int32_t ulen = 0, vlen;
	char *out;

	if (!hd_utf8_valid(s, n)) {
		return NULL;
	}
	nfc = unorm2_getNFCInstance(&st);
	if (U_FAILURE(st)) {
		return NULL;
	}
	u = to_utf16(s, n, &ulen);
	if (u == NULL) {
		return NULL;
	}
	if (unorm2_isNormalized(nfc, u, ulen, &st) && U_SUCCESS(st)) {
		free(u);
		return hd_xstrndup(s, n);
	}
	v = normalize16(nfc, u, ulen, &vlen);
	free(u);
	if (v == NULL) {
		return NULL;
	}
	out = from_utf16(v, vlen);
	free(v);
	return out;
}

/*
 * hd_text_tidy: see internal.h.  ICU's NFC, NFKC or NFKC_Casefold, then
 * one pass over the code points, in place: a default-ignorable one
 * (U+200B-U+200F, U+2060, U+FEFF, U+00AD ...) is dropped, a run of white
 * space or controls (u_isUWhiteSpace, u_iscntrl: U+3000 and U+00A0
 * among them) becomes one U+0020 between two other characters and
 * nothing at either end.  The pass only drops units or puts one in
 * place of one or more, so it never overtakes its reading.
 */
char *hd_text_tidy(const char *s, enum hd_tidy form)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nf;
	UChar *u, *v;
	int32_t ulen = 0, vlen = 0, i = 0, k = 0;
	UChar32 c;
	int space = 0;
	char *out;

	if (s == NULL || !hd_utf8_valid(s, strlen(s))) {
		return NULL;
	}
	nf = form == HD_TIDY_KEY ? unorm2_getNFKCCasefoldInstance(&st) :
		form == HD_TIDY_NFKC ? unorm2_getNFKCInstance(&st) :
		unorm2_getNFCInstance(&st);
	if (U_FAILURE(st)) {
		return NULL;
	}
	u = to_utf16(s, strlen(s), &ulen);
	if (u == NULL) {
		return NULL;
	}
	v = normalize16(nf, u, ulen, &vlen);
	free(u);
	if (v == NULL) {
		return NULL;
	}
	while (i < vlen) {
		U16_NEXT(v, i, vlen, c);
		if (u_hasBinaryProperty(c,
		    UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
			continue;
		}
		if (u_isUWhiteSpace(c) || u_iscntrl(c)) {
			space = k > 0;
			continue;
		}
		if (space) {
			v[k++] = 0x20;
			space = 0;
		}
		U16_APPEND_UNSAFE(v, k, c);
	}
	out = from_utf16(v, k);
	free(v);
	return out;
}

/* hd_gb18030_to_utf8: see hd.h.  ICU's converter stops at the first bad byte
 * (no substitution), so garbage is NULL, not mojibake. */
char *hd_gb18030_to_utf8(const char *s, size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	UConverter *cv;
	UChar *u;
	int32_t len;
	char *out;

	cv = ucnv_open("GB18030", &st);
	if (U_FAILURE(st)) {
		return NULL;
	}
	/* Stop at the first invalid byte instead of substituting. */
	ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL,
		&st);
	u = hd_xmalloc((n + 1) * 2 * sizeof(UChar));
	len = ucnv_toUChars(cv, u, (int32_t)(n + 1) * 2, s, (int32_t)n, &st);
	ucnv_close(cv);
	if (U_FAILURE(st)) {
		free(u);
		return NULL;
	}
	out = from_utf16(u, len);
	free(u);
	return out;
}

/* hd_text_to_utf8: see hd.h. */
char *hd_text_to_utf8(const char *s, size_t n)
{
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (hd_utf8_valid(s, n)) {
		return hd_xstrndup(s, n);
	}
	return hd_gb18030_to_utf8(s, n);
}

/* hd_trim: see hd.h.  White space is space, tab, CR, LF and U+3000; returns
 * s. */
char *hd_trim(char *s)
{
	size_t n;
	char *p = s;

	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
		} else if (strncmp(p, "\xE3\x80\x80", 3) == 0) {
			p += 3;         /* U+3000 ideographic space */
		} else {
			break;
		}
	}
	if (p != s) {
		memmove(s, p, strlen(p) + 1);
	}
	n = strlen(s);
	for (;;) {
		if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
		    s[n - 1] == '\r' || s[n - 1] == '\n')) {
			n--;
		} else if (n >= 3 && strncmp(s + n - 3, "\xE3\x80\x80", 3) == 0) {
			n -= 3;
		} else {
			break;
		}
	}
	s[n] = '\0';
	return s;
}

/* Append a copy of s to the array *v of *n strings, growing it by one. */
void hd_strv_add(char ***v, size_t *n, const char *s)
{
	*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[*n] = hd_xstrdup(s);
	(*n)++;
}

/* Free the n strings of v and v; accepts NULL with n 0. */
void hd_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

/* 1 when s is 64 lower-case hex digits: the only object names that
 * ever reach SQL or a path. */
int hd_sha_ok(const char *s)
{
	size_t i;

	if (s == NULL) {
		return 0;
	}
	for (i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return s[64] == '\0';
}
