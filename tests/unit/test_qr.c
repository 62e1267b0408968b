/*
 * test_qr.c - qr_svg (exhibit/qr.c): the inline SVG QR code of a record
 * page.
 *
 * Each row is a text, the QR version it must take (error correction M,
 * byte mode for lower-case letters: 14 bytes fit version 1, 15 need 2,
 * 2331 fit version 40, 2332 do not) and why.  The SVG is parsed back: its
 * viewBox must be the symbol's width plus the 4-module quiet zone on
 * each side, every path command a horizontal run "MX YhNv1h-Nz" with no
 * two runs touching (runs are merged), the modules drawn must be exactly
 * libqrencode's, the quiet zone empty, the three finder patterns in
 * their corners; the title is escaped and linked by aria-labelledby.
 * The SVG is also rendered (librsvg) and decoded with zbarimg (Debian
 * zbar-tools, which make deps installs; a FAIL without it): the bytes
 * decoded must be the input.
 *
 * Prints "PASS name" or "FAIL name: why" and a last line
 * "N passed, N failed"; exits 1 on any failure.
 */
#include "../../exhibit/site.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qrencode.h>

#include <vips/vips.h>


static char *repeat(char c, size_t n)
{
	char *s = hd_xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* The modules an SVG draws, parsed back: grid[y * n + x], n the viewBox
 * side.  Returns NULL (and why) when the SVG is not in the expected
 * form. */
static unsigned char *parse(const char *svg, int *n, char *why, size_t nwhy)
{
	const char *p, *d;
	unsigned char *grid;
	int x, y, run, run2, used, px = -1, py = -1, pend = -1;

	p = strstr(svg, "viewBox=\"0 0 ");
	if (p == NULL || sscanf(p, "viewBox=\"0 0 %d %d\"", n, &x) != 2 ||
	    *n != x || *n < 29 || *n > 185) {
		snprintf(why, nwhy, "no square viewBox");
		return NULL;
	}
	/* The second path draws the dark modules (the first is white). */
	p = strstr(svg, "<path fill=\"#fff\" d=\"M0 0h");
	d = p != NULL ? strstr(p + 1, "<path d=\"") : NULL;
	if (d == NULL) {
		snprintf(why, nwhy, "no white square and dark path");
		return NULL;
	}
	d += strlen("<path d=\"");
	grid = hd_xcalloc((size_t)*n * (size_t)*n, 1);
	while (*d == 'M') {
		if (sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &run2,
		    &used) != 4 || run != run2 || run < 1 || x < 0 ||
		    y < 0 || x + run > *n || y >= *n) {
			snprintf(why, nwhy, "bad command at '%.24s'", d);
			free(grid);
			return NULL;
		}
		if (y == py && x <= pend) {
			snprintf(why, nwhy, "run at %d,%d touches the one "
				"before: runs not merged", x, y);
			free(grid);
			return NULL;
		}
		px = x;
		py = y;
		pend = x + run;
		(void)px;
		while (run-- > 0) {
			grid[y * *n + x++] = 1;
		}
		d += used;
	}
	if (strncmp(d, "\"/></svg>", 9) != 0 || d[9] != '\0') {
		snprintf(why, nwhy, "path ends badly at '%.24s'", d);
		free(grid);
		return NULL;
	}
	return grid;
}

/* 1 when a finder pattern (7x7: ring, light ring, 3x3 core) sits with
 * its top left at x0,y0, with its light separator around it. */
static int finder(const unsigned char *g, int n, int x0, int y0)
{
	int x, y, want, dx, dy;

	for (y = -1; y <= 7; y++) {
		for (x = -1; x <= 7; x++) {
			dx = x < 3 ? 3 - x : x - 3;
			dy = y < 3 ? 3 - y : y - 3;
			dx = dx > dy ? dx : dy;         /* ring number */
			want = dx == 3 || dx <= 1;
			if (dx == 4) {
				want = 0;               /* separator */
			}
			if (g[(y0 + y) * n + x0 + x] != want) {
				return 0;
			}
		}
	}
	return 1;
}

/* Render svg with librsvg (through libvips: ImageMagick's own SVG
 * renderer strokes and rounds the modules) at 6 px a module and decode
 * it with zbarimg, bytes as they are (-Sbinary: zbar would otherwise
 * guess an encoding for bytes above 0x7f).  Returns the decoded text
 * (caller frees) or NULL; *skip set when zbarimg is missing. */
static char *decode(const char *svg, int *skip)
{
	char dir[] = "/tmp/hd-qr-XXXXXX", *cmd, *path;
	unsigned char *out = NULL;
	VipsImage *img = NULL;
	size_t n = 0;

	*skip = system("command -v zbarimg >/dev/null") != 0;
	if (*skip || mkdtemp(dir) == NULL) {
		return NULL;
	}
	path = hd_xasprintf("%s/qr.png", dir);
	if (vips_svgload_buffer((void *)svg, strlen(svg), &img, "scale", 6.0,
	    NULL) != 0 || vips_pngsave(img, path, NULL) != 0) {
		printf("# librsvg: %s\n", vips_error_buffer());
		vips_error_clear();
	}
	if (img != NULL) {
		g_object_unref(img);
	}
	cmd = hd_xasprintf("cd '%s' && zbarimg --raw -q -Sbinary qr.png "
		"> out.txt 2>/dev/null", dir);
	if (system(cmd) == 0) {
		free(path);
		path = hd_xasprintf("%s/out.txt", dir);
		if (hd_read_file(path, 1 << 16, &out, &n, NULL) == 0) {
			out[n] = '\0';
			if (n > 0 && out[n - 1] == '\n') {
				out[n - 1] = '\0';
			}
		}
	}
	free(cmd);
	cmd = hd_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		printf("# could not remove %s\n", dir);
	}
	free(cmd);
	free(path);
	return (char *)out;
}

struct row {
	const char *name;
	char *text;             /* NULL: made by repeat() below */
	int version;            /* 0: qr_svg must return NULL */
	int decode;             /* also render and decode it */
	const char *why;
};

static void test_row(const struct row *r)
{
	static const char svg_head[] =
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=";
	char why[256], name[96], *svg, *got;
	unsigned char *g;
	QRcode *qr;
	int n, w, x, y, ok, skip, bx = -1, by = -1;

	svg = qr_svg(r->text, "记录二维码");
	if (r->version == 0) {
		check(r->name, svg == NULL, "%s: got an SVG", r->why);
		free(svg);
		return;
	}
	if (svg == NULL) {
		check(r->name, 0, "%s: no SVG", r->why);
		return;
	}
	w = 17 + 4 * r->version;
	g = parse(svg, &n, why, sizeof why);
	snprintf(name, sizeof name, "%s-form", r->name);
	check(name, g != NULL && n == w + 8 &&
		strncmp(svg, svg_head, strlen(svg_head)) == 0 &&
		strstr(svg, "shape-rendering=\"crispEdges\"") != NULL &&
		strstr(svg, "role=\"img\"") != NULL,
		"%s: %s; viewBox side %d, want %d (version %d + quiet zone)",
		r->why, g == NULL ? why : "form", n, w + 8, r->version);
	if (g == NULL) {
		free(svg);
		return;
	}
	/* The modules are libqrencode's, offset by the quiet zone. */
	qr = QRcode_encodeString(r->text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	ok = qr != NULL && qr->width == w;
	for (y = 0; ok && y < n; y++) {
		for (x = 0; ok && x < n; x++) {
			int in = x >= 4 && y >= 4 && x < 4 + w && y < 4 + w;
			int want = in ? qr->data[(y - 4) * w + x - 4] & 1 : 0;

			ok = g[y * n + x] == want;
			if (!ok) {
				bx = x;
				by = y;
			}
		}
	}
	snprintf(name, sizeof name, "%s-modules", r->name);
	check(name, ok, "%s: module %d,%d differs from libqrencode's (or "
		"the quiet zone is not empty)", r->why, bx, by);
	snprintf(name, sizeof name, "%s-finders", r->name);
	check(name, finder(g, n, 4, 4) && finder(g, n, 4 + w - 7, 4) &&
		finder(g, n, 4, 4 + w - 7) && !finder(g, n, 4 + w - 7,
		4 + w - 7), "%s: finder patterns not at three corners",
		r->why);
	if (r->decode) {
		got = decode(svg, &skip);
		snprintf(name, sizeof name, "%s-decode", r->name);
		/* zbar-tools and imagemagick are among the packages
		 * make deps installs: without them this is a failure */
		if (skip) {
			check(name, 0, "zbarimg or convert not installed");
		} else {
			check(name, got != NULL && strcmp(got, r->text) == 0,
				"%s: decoded '%s'", r->why,
				got != NULL ? got : "(nothing)");
		}
		free(got);
	}
	QRcode_free(qr);
	free(g);
	free(svg);
}

static void test_title(void)
{
	const char *url = "http://127.0.0.1:8080/record/QF01-ZP·2026·Y-0001";
	char *svg = qr_svg(url, "<script>alert(1)</script> & \"'");
	char *again = qr_svg(url, "<script>alert(1)</script> & \"'");
	char *other = qr_svg("http://127.0.0.1:8080/", "x");
	char id[64] = "", tid[64] = "", oid[64] = "";
	const char *p;

	check("title-escaped", svg != NULL &&
		strstr(svg, "<title id=\"") != NULL &&
		strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
		"&quot;&#39;</title>") != NULL &&
		strstr(svg, "<script") == NULL,
		"the title must be HTML-escaped: %.300s",
		svg != NULL ? svg : "NULL");
	if (svg != NULL) {
		p = strstr(svg, "aria-labelledby=\"");
		if (p != NULL) {
			sscanf(p, "aria-labelledby=\"%63[^\"]\"", id);
		}
		p = strstr(svg, "<title id=\"");
		if (p != NULL) {
			sscanf(p, "<title id=\"%63[^\"]\"", tid);
		}
	}
	if (other != NULL) {
		p = strstr(other, "aria-labelledby=\"");
		if (p != NULL) {
			sscanf(p, "aria-labelledby=\"%63[^\"]\"", oid);
		}
	}
	check("title-labelledby", id[0] != '\0' && strcmp(id, tid) == 0,
		"aria-labelledby '%s' must name the title's id '%s'", id,
		tid);
	check("title-id-stable", svg != NULL && again != NULL &&
		strcmp(svg, again) == 0 &&
		oid[0] != '\0' && strcmp(id, oid) != 0,
		"same text, same SVG (cacheable); another text, another id "
		"(two codes on one page): '%s' '%s'", id, oid);
	free(svg);
	free(again);
	free(other);
	svg = qr_svg("x", NULL);
	check("title-null", svg != NULL &&
		strstr(svg, "<title id=\"qr-") != NULL,
		"a NULL title gives an empty title");
	free(svg);
	svg = qr_svg(NULL, "x");
	check("text-null", svg == NULL, "a NULL text gives NULL");
	free(svg);
}

int main(int argc, char **argv)
{
	struct row rows[] = {
		{ "v1-14", NULL, 1, 0, "14 bytes fit version 1-M" },
		{ "v2-15", NULL, 2, 0, "15 bytes need version 2-M" },
		{ "url", (char *)"http://192.168.1.10:8080/record/"
		  "QF01-ZP%C2%B72026%C2%B7Y-0001", 4, 1,
		  "a record URL as the pages make it" },
		{ "url-utf8", (char *)"http://127.0.0.1:8080/record/"
		  "QF01-ZP·2026·Y-0001", 4, 1,
		  "a URL with the raw middle dot (UTF-8 bytes)" },
		{ "v40", NULL, 40, 1, "2331 bytes are version 40-M's limit" },
		{ "too-long", NULL, 0, 0,
		  "2332 bytes do not fit any version at M" },
		{ "cap", NULL, 0, 0, "past the cap, not even tried" },
	};
	size_t i;

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (VIPS_INIT(argv[0]) != 0) {
		check("setup", 0, "libvips: %s", vips_error_buffer());
		return 1;
	}
	rows[0].text = repeat('a', 14);
	rows[1].text = repeat('a', 15);
	rows[4].text = repeat('a', 2331);
	rows[5].text = repeat('a', 2332);
	rows[6].text = repeat('a', 100000);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		test_row(&rows[i]);
	}
	test_title();
	free(rows[0].text);
	free(rows[1].text);
	free(rows[4].text);
	free(rows[5].text);
	free(rows[6].text);
	vips_shutdown();
	return check_done();
}
