/*
 * names.c - the one gate every file name of a batch passes through.
 *
 * Names come from archive headers and from folders made on other machines:
 * zip entries written by Chinese Windows in GBK, tar members with "../" or
 * "/etc/passwd", Windows paths with drive letters and backslashes, names
 * in decomposed Unicode from a Mac.  entry_name_check turns such a name
 * into the one form the rest of the program trusts: a relative,
 * '/'-separated, UTF-8 NFC path with no "..", no ".", no empty component,
 * no control character, components of at most 255 bytes and at most 4096
 * bytes in all.  What cannot be brought to that form is refused with a
 * message that shows the name escaped (it may hold any byte), so the
 * message itself is always valid UTF-8 and one line.
 */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#define NAME_MAX_BYTES 255      /* one component, as Linux NAME_MAX */
#define PATH_MAX_BYTES 4096     /* the whole relative path */
#define RAW_MAX_BYTES 16384     /* longer input is refused unread */
#define SHOW_MAX 160            /* bytes of a name shown in a message */

/* Write a printable form of raw[0..n) into out (size outsz): valid UTF-8
 * outside the control ranges is kept, every other byte becomes \xNN, and
 * a long name is cut with "...".  The result is valid UTF-8, one line. */
static void show(const char *raw, size_t n, char *out, size_t outsz)
{
	char *p = hd_utf8_printable(raw, n, SHOW_MAX);

	snprintf(out, outsz, "%s", p);
	free(p);
}

/* 1 when the UTF-8 string s[0..n) holds a C0 or C1 control character or
 * DEL (none of them belongs in a file name). */
static int has_control(const char *s, size_t n)
{
	int32_t i = 0, len = (int32_t)n;
	UChar32 cp;

	while (i < len) {
		U8_NEXT(s, i, len, cp);
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
			return 1;       /* invalid too (cp < 0) */
		}
	}
	return 0;
}

/*
 * entry_name_check: see ingest.h.  Order matters: the encoding is settled
 * before backslashes are touched (a GBK trail byte may be 0x5C, the byte
 * of '\'), and components are checked after NFC so that what is checked
 * is what is stored.  Returns 0 with *out allocated (caller frees), or
 * HD_EINVAL with *out NULL and *e naming the entry.
 */
int entry_name_check(const char *raw, size_t n, char **out,
	struct hd_error *e)
{
	char shown[SHOW_MAX + 16];
	char *conv = NULL, *nfc = NULL, *res = NULL, *q;
	const char *p, *end, *slash;
	size_t len, o = 0, clen;
	int rc = HD_EINVAL;

	*out = NULL;
	show(raw, n, shown, sizeof shown);
	if (n == 0) {
		hd_err(e, rc, "entry '': empty name");
		goto done;
	}
	if (n > RAW_MAX_BYTES) {
		hd_err(e, rc, "entry '%s': name over %d bytes", shown,
			PATH_MAX_BYTES);
		goto done;
	}
	if (memchr(raw, '\0', n) != NULL) {
		hd_err(e, rc, "entry '%s': NUL byte in the name", shown);
		goto done;
	}
	if (hd_utf8_valid(raw, n)) {
		conv = hd_xstrndup(raw, n);
	} else {
		/* Chinese Windows writes zip names in GBK without the
		 * UTF-8 flag; GB18030 is its superset. */
		conv = hd_gb18030_to_utf8(raw, n);
		if (conv == NULL) {
			hd_err(e, rc, "entry '%s': name is neither UTF-8 "
				"nor GB18030", shown);
			goto done;
		}
	}
	len = strlen(conv);
	if (has_control(conv, len)) {
		hd_err(e, rc, "entry '%s': control character in the name",
			shown);
		goto done;
	}
	if (conv[0] == '/' || conv[0] == '\\') {
		hd_err(e, rc, "entry '%s': absolute path escapes the batch",
			shown);
		goto done;
	}
	for (q = conv; *q != '\0'; q++) {
		if (*q == '\\') {
			*q = '/';
		}
	}
	nfc = hd_nfc(conv, len);
	if (nfc == NULL) {
		hd_err(e, rc, "entry '%s': name is not valid Unicode", shown);
		goto done;
	}
	len = strlen(nfc);
	res = hd_xmalloc(len + 1);
	p = nfc;
	end = nfc + len;
	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		clen = slash != NULL ? (size_t)(slash - p) : (size_t)(end - p);
		if (clen == 0 || (clen == 1 && p[0] == '.')) {
			/* empty and "." components say nothing */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			hd_err(e, rc, "entry '%s': '..' escapes the batch",
				shown);
			goto done;
		} else if (clen > NAME_MAX_BYTES) {
			hd_err(e, rc, "entry '%s': a component is over %d "
				"bytes", shown, NAME_MAX_BYTES);
			goto done;
		} else {
			if (o > 0) {
				res[o++] = '/';
			}
			memcpy(res + o, p, clen);
			o += clen;
		}
		p += clen + 1;
	}
	res[o] = '\0';
	if (o == 0) {
		hd_err(e, rc, "entry '%s': names no file", shown);
		goto done;
	}
	/* checked on the clean path, so that "./C:x" is caught too */
	if (((res[0] >= 'A' && res[0] <= 'Z') ||
	    (res[0] >= 'a' && res[0] <= 'z')) && res[1] == ':') {
		hd_err(e, rc, "entry '%s': drive letter escapes the batch",
			shown);
		goto done;
	}
	if (o > PATH_MAX_BYTES) {
		hd_err(e, rc, "entry '%s': path over %d bytes", shown,
			PATH_MAX_BYTES);
		goto done;
	}
	*out = res;
	res = NULL;
	rc = 0;
done:
	free(conv);
	free(nfc);
	free(res);
	return rc;
}
