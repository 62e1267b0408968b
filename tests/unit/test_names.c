/*
 * test_names.c - table-driven test of entry_name_check (ingest/names.c).
 *
 * Each row is a raw entry name as an archive or a folder may carry it
 * (bytes, with its length so a NUL can sit inside), the path expected
 * back or NULL when the name must be refused, a piece of the refusal
 * message, and why the row is there.  Prints "PASS name" or "FAIL name:
 * why" per row and exits 1 on any failure.
 */
#include "../../ingest/ingest.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

struct row {
	const char *raw;
	size_t n;               /* 0: strlen(raw) */
	const char *want;       /* expected path, NULL: refused */
	const char *err;        /* part of the message when refused */
	const char *why;
};

/* 300 bytes in one component, and a 4097-byte path of short parts. */
static char long_comp[310];
static char long_path[4200];

static const struct row rows[] = {
	{ "a/b.jpg", 0, "a/b.jpg", NULL,
	  "a plain relative path is kept as it is" },
	{ "./a//b", 0, "a/b", NULL,
	  "'.' and empty components are dropped" },
	{ "a\\b", 0, "a/b", NULL,
	  "a Windows backslash is a separator" },
	{ "dir/", 0, "dir", NULL,
	  "a directory entry loses its trailing slash" },
	{ "../x", 0, NULL, "'..'",
	  "a leading .. climbs out of the batch" },
	{ "a/../../x", 0, NULL, "'..'",
	  "a .. in the middle is refused, even one that would stay in" },
	{ "a/..", 0, NULL, "'..'",
	  "a trailing .. is refused" },
	{ "a\\..\\..\\x", 0, NULL, "'..'",
	  ".. hidden behind backslashes is still refused" },
	{ "/etc/passwd", 0, NULL, "absolute",
	  "an absolute path escapes the batch" },
	{ "C:\\x", 0, NULL, "drive letter",
	  "a Windows drive letter is absolute" },
	{ "c:x", 0, NULL, "drive letter",
	  "a drive-relative Windows path is refused too" },
	{ "./C:\\x", 0, NULL, "drive letter",
	  "a drive letter behind './' is still a drive letter" },
	{ "\\\\server\\x", 0, NULL, "absolute",
	  "a UNC path is absolute" },
	{ "", 0, NULL, "empty",
	  "an empty name names nothing" },
	{ "./", 0, NULL, "names no file",
	  "a name of only '.' components names nothing" },
	{ "a\0b", 3, NULL, "NUL",
	  "a NUL inside would cut the name short in C" },
	{ "\xC7\xB0\xB7\xE6\xC9\xE7\xC7\xF8.txt", 0,
	  "\xE5\x89\x8D\xE9\x94\x8B\xE7\xA4\xBE\xE5\x8C\xBA.txt", NULL,
	  "GBK bytes from Chinese Windows (\xE5\x89\x8D\xE9\x94\x8B"
	  "\xE7\xA4\xBE\xE5\x8C\xBA.txt) come out as UTF-8" },
	{ "\x87\x5C.txt", 0, "\xE5\x98\xB0.txt", NULL,
	  "a GBK trail byte 0x5C is part of a character, not a '\\'" },
	{ "\xC9\xE7\xC7\xF8\\\xD5\xD5\xC6\xAC.jpg", 0,
	  "\xE7\xA4\xBE\xE5\x8C\xBA/\xE7\x85\xA7\xE7\x89\x87.jpg", NULL,
	  "GBK folder and file with a backslash separator" },
	{ "e\xCC\x81.txt", 0, "\xC3\xA9.txt", NULL,
	  "a decomposed (NFD, macOS) name is stored in NFC" },
	{ "\xE6\xA1\xA3\xE6\xA1\x88/e\xCC\x81", 0,
	  "\xE6\xA1\xA3\xE6\xA1\x88/\xC3\xA9", NULL,
	  "NFC applies to every component" },
	{ long_comp, 0, NULL, "over 255",
	  "a 300-byte component does not fit a Linux file name" },
	{ long_path, 0, NULL, "over 4096",
	  "a path over 4096 bytes is refused" },
	{ "a\nb.txt", 0, NULL, "control",
	  "a newline would split report lines" },
	{ "a\tb", 0, NULL, "control",
	  "a tab is a control character" },
	{ "x\x1B[31m", 0, NULL, "control",
	  "an escape sequence would paint the terminal" },
	{ "x\x7F", 0, NULL, "control",
	  "DEL is a control character" },
	{ "x\xC2\x85y", 0, NULL, "control",
	  "a C1 control (NEL) is refused" },
	{ "\xFF\xFE", 0, NULL, "neither UTF-8 nor GB18030",
	  "bytes that are no encoding we know" },
	{ "\xC7", 0, NULL, "neither UTF-8 nor GB18030",
	  "a GBK lead byte cut short" },
	{ "\xED\xA0\x80.txt", 0, NULL, "neither UTF-8 nor GB18030",
	  "an encoded surrogate is not UTF-8, nor GB18030" },
	{ "...", 0, "...", NULL,
	  "three dots are an ordinary name" },
	{ "a/.hidden", 0, "a/.hidden", NULL,
	  "a dot file is kept" },
	{ "..a/b..", 0, "..a/b..", NULL,
	  "dots inside a component are no '..'" },
	{ "~/x", 0, "~/x", NULL,
	  "'~' is an ordinary name here: it is never expanded" },
	{ "ab:c", 0, "ab:c", NULL,
	  "a colon past the second byte is no drive letter" },
	{ "a:b", 0, NULL, "drive letter",
	  "one letter and a colon reads as a drive on Windows" },
};

int main(void)
{
	struct hd_error e;
	const struct row *r;
	size_t i, n, pos;
	char *out;
	int rc, ok;
	char name[64];

	memset(long_comp, 'x', 300);
	long_comp[300] = '\0';
	for (pos = 0; pos < 4097; pos += 2) {
		long_path[pos] = 'a';
		long_path[pos + 1] = '/';
	}
	long_path[4097] = '\0';
	long_path[4096] = 'b';

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		r = &rows[i];
		n = r->n != 0 ? r->n : strlen(r->raw);
		hd_err_clear(&e);
		rc = entry_name_check(r->raw, n, &out, &e);
		snprintf(name, sizeof name, "names-%02zu", i + 1);
		if (r->want != NULL) {
			ok = rc == 0 && out != NULL &&
				strcmp(out, r->want) == 0;
		} else {
			ok = rc == HD_EINVAL && out == NULL &&
				strstr(e.msg, r->err) != NULL &&
				hd_utf8_valid(e.msg, strlen(e.msg)) &&
				strchr(e.msg, '\n') == NULL;
		}
		check(name, ok, "%s (rc %d, got '%s', message '%s')", r->why,
			rc, out != NULL ? out : "(null)", e.msg);
		free(out);
	}
	return check_done();
}
