/*
 * draw.c - the drawing kit of the sample generator: a seeded random
 * source, filled shapes with alpha on an RGB picture, made-up writing,
 * and the finish that ages a picture into an old print or a digital
 * photo.  Everything is deterministic: the same seed draws the same
 * bytes on every machine (integer blending, a fixed generator, no
 * clock).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* ------------------------------------------------------------ drawing */

uint64_t rng;

/* splitmix64: small, fast, and the same on every machine. */
uint64_t
rnext(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double
fr(double a, double b)
{
	return a + (b - a) * ((double)(rnext() >> 11) / 9007199254740992.0);
}

/* Fill e[0..n) with fr(lohi[2i], lohi[2i+1]) in that order.  C leaves
 * the order in which a call's arguments are evaluated unspecified, so
 * two fr() in one argument list would draw differently under another
 * compiler: scenes draw their numbers first, then call. */
void
frs(double *e, int n, const double *lohi)
{
	int i;

	for (i = 0; i < n; i++) {
		e[i] = fr(lohi[2 * i], lohi[2 * i + 1]);
	}
}

int
ir(int a, int b)
{
	return a + (int)(rnext() % (uint64_t)(b - a + 1));
}

unsigned
rgb(int r, int g, int b)
{
	r = r < 0 ? 0 : r > 255 ? 255 : r;
	g = g < 0 ? 0 : g > 255 ? 255 : g;
	b = b < 0 ? 0 : b > 255 ? 255 : b;
	return (unsigned)r << 16 | (unsigned)g << 8 | (unsigned)b;
}

unsigned
shade(unsigned c, double f)
{
	return rgb((int)(CR(c) * f), (int)(CG(c) * f), (int)(CB(c) * f));
}

unsigned
mix(unsigned a, unsigned b, double t)
{
	return rgb((int)(CR(a) + (CR(b) - CR(a)) * t),
		(int)(CG(a) + (CG(b) - CG(a)) * t),
		(int)(CB(a) + (CB(b) - CB(a)) * t));
}

unsigned
jit(unsigned c, int a)
{
	int d = ir(-a, a), dr = ir(-a / 3, a / 3), db = ir(-a / 3, a / 3);

	return rgb(CR(c) + d + dr, CG(c) + d, CB(c) + d + db);
}

/* Fill row y from xa to xb (exclusive) with c at alpha a (0-256). */
void
span(struct img *m, int y, double xa, double xb, unsigned c, int a)
{
	int x0 = (int)lround(xa), x1 = (int)lround(xb), x;
	unsigned char *p;
	int r = CR(c), g = CG(c), b = CB(c);

	if (y < 0 || y >= m->h) {
		return;
	}
	x0 = x0 < 0 ? 0 : x0;
	x1 = x1 > m->w ? m->w : x1;
	p = m->p + 3 * ((size_t)y * (size_t)m->w + (size_t)(x0 > 0 ? x0 : 0));
	for (x = x0; x < x1; x++, p += 3) {
		p[0] = (unsigned char)(p[0] + (((r - p[0]) * a) >> 8));
		p[1] = (unsigned char)(p[1] + (((g - p[1]) * a) >> 8));
		p[2] = (unsigned char)(p[2] + (((b - p[2]) * a) >> 8));
	}
}

void
rect(struct img *m, double xa, double ya, double xb, double yb, unsigned c,
	int a)
{
	int y;

	for (y = (int)lround(ya); y < (int)lround(yb); y++) {
		span(m, y, xa, xb, c, a);
	}
}

void
ellipse(struct img *m, double cx, double cy, double rx, double ry,
	unsigned c, int a)
{
	int y;
	double dy, dx;

	for (y = (int)floor(cy - ry); y <= (int)ceil(cy + ry); y++) {
		dy = (y + 0.5 - cy) / ry;
		if (dy <= -1 || dy >= 1) {
			continue;
		}
		dx = rx * sqrt(1 - dy * dy);
		span(m, y, cx - dx, cx + dx, c, a);
	}
}

/* Fill a polygon of n points (x,y pairs), even-odd rule. */
void
poly(struct img *m, const double *v, int n, unsigned c, int a)
{
	double ymin = v[1], ymax = v[1], xs[16], yc, t;
	int i, j, k, y, nx;

	for (i = 1; i < n; i++) {
		ymin = v[2 * i + 1] < ymin ? v[2 * i + 1] : ymin;
		ymax = v[2 * i + 1] > ymax ? v[2 * i + 1] : ymax;
	}
	for (y = (int)floor(ymin); y <= (int)ceil(ymax); y++) {
		yc = y + 0.5;
		nx = 0;
		for (i = 0, j = n - 1; i < n && nx < 16; j = i++) {
			if ((v[2 * i + 1] <= yc) != (v[2 * j + 1] <= yc)) {
				xs[nx++] = v[2 * i] + (yc - v[2 * i + 1]) *
					(v[2 * j] - v[2 * i]) /
					(v[2 * j + 1] - v[2 * i + 1]);
			}
		}
		for (i = 1; i < nx; i++) {
			for (k = i; k > 0 && xs[k - 1] > xs[k]; k--) {
				t = xs[k];
				xs[k] = xs[k - 1];
				xs[k - 1] = t;
			}
		}
		for (i = 0; i + 1 < nx; i += 2) {
			span(m, y, xs[i], xs[i + 1], c, a);
		}
	}
}

void
quad(struct img *m, double ax, double ay, double bx, double by, double cx,
	double cy, double dx, double dy, unsigned c, int a)
{
	double v[8] = { ax, ay, bx, by, cx, cy, dx, dy };

	poly(m, v, 4, c, a);
}

void
line(struct img *m, double xa, double ya, double xb, double yb, double w,
	unsigned c, int a)
{
	double dx = xb - xa, dy = yb - ya, l = sqrt(dx * dx + dy * dy);
	double nx, ny;

	if (l < 1e-9) {
		return;
	}
	nx = -dy / l * w / 2;
	ny = dx / l * w / 2;
	quad(m, xa + nx, ya + ny, xb + nx, yb + ny, xb - nx, yb - ny,
		xa - nx, ya - ny, c, a);
}

void
vgrad(struct img *m, double xa, double ya, double xb, double yb, unsigned ct,
	unsigned cb)
{
	int y, y0 = (int)lround(ya), y1 = (int)lround(yb);

	for (y = y0; y < y1; y++) {
		span(m, y, xa, xb, mix(ct, cb, (double)(y - y0) /
			(y1 - y0 > 1 ? y1 - y0 - 1 : 1)), 256);
	}
}

/* A cheap generator for per-pixel noise (grain, plaster), seeded from
 * rng each time so it stays deterministic. */
static uint32_t lcg;

static int
noise(int amp)
{
	lcg = lcg * 1664525u + 1013904223u;
	return (int)((lcg >> 8) % (uint32_t)(2 * amp + 1)) - amp;
}

static unsigned char
clamp8(double v)
{
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Add grey noise of amplitude amp to a box: plaster, asphalt, paper. */
void
tex(struct img *m, double xa, double ya, double xb, double yb, int amp)
{
	int x, y, d, i, x0 = (int)lround(xa), x1 = (int)lround(xb);
	unsigned char *p;

	lcg = (uint32_t)rnext();
	x0 = x0 < 0 ? 0 : x0;
	x1 = x1 > m->w ? m->w : x1;
	for (y = (int)lround(ya); y < (int)lround(yb); y++) {
		if (y < 0 || y >= m->h) {
			continue;
		}
		p = m->p + 3 * ((size_t)y * (size_t)m->w + (size_t)x0);
		for (x = x0; x < x1; x++, p += 3) {
			d = noise(amp);
			for (i = 0; i < 3; i++) {
				p[i] = clamp8(p[i] + d);
			}
		}
	}
}

/* One part of a made-up character: a box, or a few level and upright
 * strokes with perhaps a falling one, in the w-by-h cell at (x,y). */
static void
glyph_part(struct img *m, double x, double y, double w, double h,
	double sw, unsigned c, int a)
{
	int i, n;
	double p, e[2];

	if (ir(0, 4) == 0) {
		rect(m, x + w * 0.1, y + h * 0.1, x + w * 0.9, y + h * 0.1 + sw,
			c, a);
		rect(m, x + w * 0.1, y + h * 0.9 - sw, x + w * 0.9, y + h * 0.9,
			c, a);
		rect(m, x + w * 0.1, y + h * 0.1, x + w * 0.1 + sw, y + h * 0.9,
			c, a);
		rect(m, x + w * 0.9 - sw, y + h * 0.1, x + w * 0.9, y + h * 0.9,
			c, a);
	}
	n = ir(1, 3);
	for (i = 0; i < n; i++) {
		p = y + h * (i + fr(0.3, 0.7)) / n;
		frs(e, 2, (const double[]){ 0, 0.25, 0.75, 1 });
		rect(m, x + w * e[0], p, x + w * e[1], p + sw, c, a);
	}
	n = ir(0, 2);
	for (i = 0; i < n; i++) {
		p = x + w * fr(0.2, 0.8);
		frs(e, 2, (const double[]){ 0, 0.3, 0.7, 1 });
		rect(m, p, y + h * e[0], p + sw, y + h * e[1], c, a);
	}
	if (ir(0, 2) == 0) {
		p = fr(0.3, 0.7);
		line(m, x + w * p, y + h * 0.1, x + w * (p - 0.3), y + h * 0.9,
			sw, c, a);
	}
	if (ir(0, 3) == 0) {
		line(m, x + w * 0.5, y + h * 0.5, x + w * 0.95, y + h * 0.95,
			sw, c, a);
	}
}

/* A made-up character in an s-by-s cell, whole, left-right or
 * top-bottom like a Chinese one: it reads as writing from a distance
 * (banners, signs, document lines). */
void
glyph(struct img *m, double x, double y, double s, unsigned c, int a)
{
	double sw = s / 10 > 1 ? s / 10 : 1, k;

	switch (ir(0, 3)) {
	case 0:
		glyph_part(m, x, y, s, s, sw, c, a);
		break;
	case 1:
	case 2:
		k = fr(0.35, 0.45);
		glyph_part(m, x, y, s * k, s, sw, c, a);
		glyph_part(m, x + s * (k + 0.05), y, s * (0.95 - k), s, sw, c,
			a);
		break;
	default:
		k = fr(0.35, 0.5);
		glyph_part(m, x, y, s, s * k, sw, c, a);
		glyph_part(m, x, y + s * (k + 0.05), s, s * (0.95 - k), sw, c,
			a);
		break;
	}
}

/* n glyphs from (x,y), horizontal (dy 0) or vertical. */
void
glyphs(struct img *m, double x, double y, double s, int n, int vertical,
	unsigned c, int a)
{
	int i;

	for (i = 0; i < n; i++) {
		glyph(m, x + (vertical ? 0 : i * s * 1.15),
			y + (vertical ? i * s * 1.15 : 0), s, c, a);
	}
}

void
star(struct img *m, double cx, double cy, double r, unsigned c, int a)
{
	double v[20];
	int i;

	for (i = 0; i < 10; i++) {
		double ang = -M_PI / 2 + i * M_PI / 5;
		double rr = i % 2 == 0 ? r : r * 0.4;

		v[2 * i] = cx + rr * cos(ang);
		v[2 * i + 1] = cy + rr * sin(ang);
	}
	poly(m, v, 10, c, a);
}

/* ------------------------------------------------------ photo finish */

/* 3x3 box blur, rows then columns: softens the hard edges of the
 * drawing like a lens. */
void
blur(struct img *m)
{
	size_t n = (size_t)m->w * (size_t)m->h * 3, row = (size_t)m->w * 3;
	unsigned char *t = xrealloc(NULL, n), *p = m->p;
	int x, y, c, s;
	size_t o;

	for (y = 0; y < m->h; y++) {
		for (x = 0; x < m->w; x++) {
			for (c = 0; c < 3; c++) {
				o = (size_t)y * row + (size_t)x * 3 + (size_t)c;
				s = p[o] * 2;
				s += x > 0 ? p[o - 3] : p[o];
				s += x + 1 < m->w ? p[o + 3] : p[o];
				t[o] = (unsigned char)(s / 4);
			}
		}
	}
	for (y = 0; y < m->h; y++) {
		for (o = (size_t)y * row; o < (size_t)(y + 1) * row; o++) {
			s = t[o] * 2;
			s += y > 0 ? t[o - row] : t[o];
			s += y + 1 < m->h ? t[o + row] : t[o];
			p[o] = (unsigned char)(s / 4);
		}
	}
	free(t);
}

/* Age the picture: era "bw" (sepia, grain, scratches, vignette),
 * "faded" (colour print of the 1980s-90s) or "color" (digital). */
void
finish(struct img *m, const char *era)
{
	int bw = strcmp(era, "bw") == 0, faded = strcmp(era, "faded") == 0;
	int grain = bw ? 26 : faded ? 16 : 7, x, y, i;
	double cx = m->w / 2.0, cy = m->h / 2.0, vig, d, l, r, g, b, gr;
	double e[4];
	unsigned char *p;

	blur(m);
	lcg = (uint32_t)rnext();
	if (bw) {
		for (i = 0; i < 6; i++) {
			x = ir(0, m->w - 1);
			rect(m, x, 0, x + 1, m->h, 0xf0ead8, ir(30, 90));
		}
		for (i = 0; i < 80; i++) {
			frs(e, 4, (const double[]){ 0, m->w, 0, m->h, 0.5,
				2.5, 0.5, 2.5 });
			x = ir(0, 1);
			ellipse(m, e[0], e[1], e[2], e[3], x ? 0xffffff :
				0x101010, ir(80, 200));
		}
	}
	for (y = 0; y < m->h; y++) {
		for (x = 0; x < m->w; x++) {
			p = m->p + 3 * ((size_t)y * (size_t)m->w + (size_t)x);
			r = p[0];
			g = p[1];
			b = p[2];
			d = ((x - cx) * (x - cx) / (cx * cx) +
				(y - cy) * (y - cy) / (cy * cy)) / 2;
			vig = 1 - d * (bw ? 0.45 : faded ? 0.3 : 0.12);
			gr = (noise(grain) + noise(grain)) / 2.0;
			if (bw) {
				l = (0.299 * r + 0.587 * g + 0.114 * b) * 0.85 +
					22;
				l = l * vig + gr;
				r = l * 1.06 + 8;
				g = l * 0.96 + 4;
				b = l * 0.8;
			} else if (faded) {
				l = 0.299 * r + 0.587 * g + 0.114 * b;
				r = (l + (r - l) * 0.6) * 0.82 + 40;
				g = (l + (g - l) * 0.6) * 0.8 + 30;
				b = (l + (b - l) * 0.6) * 0.72 + 26;
				r = r * vig + gr;
				g = g * vig + gr;
				b = b * vig + gr;
			} else {
				r = r * vig + gr + noise(2);
				g = g * vig + gr + noise(2);
				b = b * vig + gr + noise(2);
			}
			p[0] = clamp8(r);
			p[1] = clamp8(g);
			p[2] = clamp8(b);
		}
	}
}

/* Turn the displayed picture d into what a camera held sideways
 * stores with EXIF Orientation 6: the stored image rotated 90 degrees
 * clockwise is the displayed one. */
void
rotate_for_6(struct img *d)
{
	struct img s;
	int r, c;

	s.w = d->h;
	s.h = d->w;
	s.p = xrealloc(NULL, (size_t)s.w * (size_t)s.h * 3);
	for (r = 0; r < s.h; r++) {
		for (c = 0; c < s.w; c++) {
			memcpy(s.p + 3 * ((size_t)r * (size_t)s.w + (size_t)c),
				d->p + 3 * ((size_t)c * (size_t)d->w +
				(size_t)(d->w - 1 - r)), 3);
		}
	}
	free(d->p);
	*d = s;
}
