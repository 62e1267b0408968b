/*
 * qr.c - QR codes of record URLs as inline SVG (libqrencode), so that a
 * visitor can take a record away on a phone, and a printed study sheet
 * carries the code too.
 *
 * The SVG is one path: each horizontal run of dark modules is one
 * "M x,y h n v1 h-n z" rectangle, on a white square that includes the
 * 4-module quiet zone the standard (ISO/IEC 18004) asks for, so the code
 * scans on the red kiosk background as well as on paper.  It has no
 * width or height (the page's CSS sizes it), crispEdges rendering (no
 * grey seams between runs), and a <title> linked by aria-labelledby for
 * screen readers; the title is HTML-escaped.  The title's id is taken
 * from a hash of the text, so the output is the same for the same input
 * (cacheable) and two codes on one page do not share an id.
 */
#include "site.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

/* Longest text encoded: beyond version 40-M's capacity (2331 bytes)
 * libqrencode fails anyway; this only spares it the work. */
#define QR_MAX_TEXT 4096
/* Modules of light margin on each side. */
#define QR_QUIET 4

/* See site.h and the file comment: level M, byte mode, the smallest
 * version that holds text; NULL for NULL or longer than QR_MAX_TEXT
 * bytes, or what libqrencode refuses (out of memory aborts). */
char *qr_svg(const char *text, const char *title)
{
	QRcode *qr;
	struct hd_buf b;
	char hash[65];
	int x, y, run, w, n;

	if (text == NULL || strlen(text) > QR_MAX_TEXT) {
		return NULL;
	}
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL) {
		if (errno == ENOMEM) {
			abort();
		}
		return NULL;
	}
	w = qr->width;
	n = w + 2 * QR_QUIET;
	hd_sha256_hex(text, strlen(text), hash);
	hd_buf_init(&b);
	hd_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-labelledby=\"qr-%.12s\" shape-rendering=\"crispEdges\">"
		"<title id=\"qr-%.12s\">", n, n, hash, hash);
	if (title != NULL) {
		hd_buf_html(&b, title, strlen(title));
	}
	hd_buf_printf(&b, "</title><path fill=\"#fff\" d=\"M0 0h%dv%dH0z\"/>"
		"<path d=\"", n, n);
	for (y = 0; y < w; y++) {
		for (x = 0; x < w; x += run > 0 ? run : 1) {
			run = 0;
			while (x + run < w && (qr->data[y * w + x + run] & 1)) {
				run++;
			}
			if (run > 0) {
				hd_buf_printf(&b, "M%d %dh%dv1h-%dz",
					x + QR_QUIET, y + QR_QUIET, run, run);
			}
		}
	}
	hd_buf_puts(&b, "\"/></svg>");
	QRcode_free(qr);
	return hd_buf_detach(&b);
}
