/*
 * scenes.c - the pictures of the sample collection: streets of 骑楼, a
 * lineage hall used as a night school, a rally, a market, housing
 * blocks, the river, the renovation's before/after views (drains,
 * road, parking, stairwell, lift), a meeting room, the reading corner,
 * document scans, a certificate, a pennant and book covers.  Each scene
 * draws only from the seeded generator and scene_year, so a
 * before/after pair given one seed shows the same place.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* ------------------------------------------------------- scene parts */

/* Shared by the scenes: the year drawn and a base seed, so that a
 * before/after pair draws the same street with different surfaces. */
int yr;

static void
sky(struct img *m, double hy, unsigned top, unsigned bot)
{
	double e[4];
	int i, j, n = ir(2, 5);
	double cx, cy, s;

	vgrad(m, 0, 0, m->w, hy, top, bot);
	for (i = 0; i < n; i++) {
		cx = fr(0, m->w);
		cy = fr(0.05, 0.6) * hy;
		s = fr(0.04, 0.09) * m->w;
		for (j = 0; j < 7; j++) {
			frs(e, 4, (const double[]){ -2, 2, -0.3, 0.3, 0.6,
				1.2, 0.3, 0.5 });
			ellipse(m, cx + e[0] * s, cy + e[1] * s, s * e[2],
				s * e[3], 0xf4f6f8, ir(40, 90));
		}
	}
}

static unsigned
cloth(void)
{
	static const unsigned old[] = { 0x3b4a6b, 0x5a5f66, 0xe6e4da,
		0x2d2f33, 0x4d5e7a };
	static const unsigned now[] = { 0xc0392b, 0x2e86c1, 0xf4d03f,
		0xeeeeee, 0x27ae60, 0x7d3c98, 0x34495e, 0xe67e22, 0xf1948a };

	if (yr < 1980) {
		return old[ir(0, 4)];
	}
	return now[ir(0, 8)];
}

/* A standing figure, feet at (x, yf), height h. */
static void
person(struct img *m, double x, double yf, double h)
{
	unsigned c = cloth(), t = yr < 1980 ? 0x2b2f3a : jit(0x30343c, 20);
	unsigned skin = jit(0xc8956e, 12);
	double r = h * 0.075, s = h * 0.13;

	rect(m, x - s * 0.55, yf - h * 0.47, x - s * 0.08, yf, t, 256);
	rect(m, x + s * 0.08, yf - h * 0.47, x + s * 0.55, yf, t, 256);
	quad(m, x - s, yf - h + 2.2 * r, x + s, yf - h + 2.2 * r,
		x + s * 0.75, yf - h * 0.42, x - s * 0.75, yf - h * 0.42,
		c, 256);
	rect(m, x - s * 1.15, yf - h + 2.4 * r, x - s * 0.85, yf - h * 0.5,
		shade(c, 0.85), 256);
	rect(m, x + s * 0.85, yf - h + 2.4 * r, x + s * 1.15, yf - h * 0.5,
		shade(c, 0.85), 256);
	ellipse(m, x, yf - h + r * 1.1, r * 0.9, r * 1.1, skin, 256);
	ellipse(m, x, yf - h + r * 0.7, r * 0.95, r * 0.75, 0x1c1a18, 256);
}

static void
crowd(struct img *m, double xa, double xb, double ya, double yb, int n,
	double hmul)
{
	int i;
	double yf;

	for (i = 0; i < n; i++) {
		yf = ya + (yb - ya) * ((double)i / n + fr(0, 1.0 / n));
		person(m, fr(xa, xb), yf, hmul * yf / m->h * m->h * 0.28);
	}
}

static void
tree(struct img *m, double x, double yb, double h)
{
	double e[4];
	int i;
	double cx, cy;
	unsigned g = yr < 1980 ? 0x4a5a38 : 0x3d6b2e;

	rect(m, x - h * 0.03, yb - h * 0.55, x + h * 0.03, yb, 0x4a3a2a, 256);
	for (i = 0; i < 26; i++) {
		cx = x + fr(-0.28, 0.28) * h;
		cy = yb - h * 0.72 + fr(-0.22, 0.2) * h;
		frs(e, 2, (const double[]){ 0.08, 0.16, 0.07, 0.13 });
		ellipse(m, cx, cy, h * e[0], h * e[1], jit(shade(g, 0.75 +
			(cy - (yb - h)) / h * -0.3 + 0.3), 14), 256);
	}
	tex(m, x - h * 0.4, yb - h, x + h * 0.4, yb - h * 0.4, 10);
}

/* A red cloth banner with yellow writing. */
static void
banner(struct img *m, double xa, double ya, double xb, double yb)
{
	double hgt = yb - ya, s = hgt * 0.62;
	int n = (int)((xb - xa) / (s * 1.3));

	n = n > 12 ? 12 : n;
	rect(m, xa, ya, xb, yb, 0xc41e24, 256);
	rect(m, xa, yb - hgt * 0.08, xb, yb, 0x8e1317, 200);
	glyphs(m, (xa + xb) / 2 - n * s * 1.15 / 2, ya + hgt * 0.19, s, n, 0,
		0xf5d142, 256);
}

/* A flat modern block: floors x bays of windows, balconies, air
 * conditioners after 1995; dirt draws rain streaks. */
static void
block(struct img *m, double xa, double xb, double ya, double yb,
	unsigned wall, int floors, int bays, int dirt)
{
	double e[4];
	double fh = (yb - ya) / floors, bw = (xb - xa) / bays, wx, wy;
	int i, j;

	rect(m, xa, ya, xb, yb, wall, 256);
	tex(m, xa, ya, xb, yb, 5);
	rect(m, xa - bw * 0.03, ya - fh * 0.12, xb + bw * 0.03, ya,
		shade(wall, 0.8), 256);
	for (i = 0; i < floors; i++) {
		for (j = 0; j < bays; j++) {
			wx = xa + j * bw + bw * 0.22;
			wy = ya + i * fh + fh * 0.22;
			rect(m, wx - 2, wy - 2, wx + bw * 0.56 + 2,
				wy + fh * 0.52 + 2, 0xe8e8e4, 256);
			rect(m, wx, wy, wx + bw * 0.56, wy + fh * 0.52,
				jit(0x3a4654, 18), 256);
			rect(m, wx + bw * 0.27, wy, wx + bw * 0.29,
				wy + fh * 0.52, 0xdcdcd8, 256);
			if (fr(0, 1) < 0.35) {
				rect(m, wx - bw * 0.08, wy + fh * 0.5,
					wx + bw * 0.64, wy + fh * 0.78,
					shade(wall, 1.06), 256);
				rect(m, wx - bw * 0.08, wy + fh * 0.52,
					wx + bw * 0.64, wy + fh * 0.55,
					shade(wall, 0.7), 256);
				if (fr(0, 1) < 0.4) {
					frs(e, 2, (const double[]){ 0, 0.3,
						0.35, 0.5 });
					rect(m, wx + bw * e[0], wy + fh * 0.35,
						wx + bw * e[1], wy + fh * 0.6,
						cloth(), 230);
				}
			}
			if (yr >= 1995 && fr(0, 1) < 0.35) {
				rect(m, wx + bw * 0.6, wy + fh * 0.3,
					wx + bw * 0.78, wy + fh * 0.55,
					0xeeeeea, 256);
			}
			if (dirt) {
				e[0] = fr(0.9, 1.4);
				rect(m, wx, wy + fh * 0.55, wx + bw * 0.56,
					wy + fh * e[0], 0x3a3228, ir(40, 90));
			}
		}
	}
}

/* One 骑楼 front: parapet with a gable, upper floors of tall shuttered
 * windows, an arcade of columns and arches over the pavement. */
static void
qilou(struct img *m, double xa, double xb, double yt, double ya,
	double yb)
{
	static const unsigned walls[] = { 0xcdb48a, 0xb9b4a8, 0xd6b3a3,
		0xaabba0, 0xd8cfb8 };
	unsigned wall = jit(walls[ir(0, 4)], 10), dark = shade(wall, 0.3);
	int bays = ir(2, 3), floors = ir(2, 3), i, j;
	double bw = (xb - xa) / bays, fh = (ya - yt - m->h * 0.05) / floors;
	double cx, wy;

	ellipse(m, (xa + xb) / 2, yt, bw * 0.45, m->h * 0.045, wall, 256);
	rect(m, xa, yt, xb, yb, wall, 256);
	tex(m, xa, yt - m->h * 0.05, xb, yb, 7);
	rect(m, xa, yt + m->h * 0.04, xb, yt + m->h * 0.05, shade(wall, 0.7),
		256);
	for (i = 0; i < floors; i++) {
		wy = yt + m->h * 0.05 + i * fh;
		rect(m, xa, wy + fh - 3, xb, wy + fh, shade(wall, 0.75), 256);
		for (j = 0; j < bays; j++) {
			cx = xa + (j + 0.5) * bw;
			ellipse(m, cx, wy + fh * 0.3, bw * 0.2, bw * 0.2,
				0x2e2822, 256);
			rect(m, cx - bw * 0.2, wy + fh * 0.3, cx + bw * 0.2,
				wy + fh * 0.85, 0x2e2822, 256);
			if (fr(0, 1) < 0.6) {
				rect(m, cx - bw * 0.2, wy + fh * 0.3,
					cx - bw * 0.06, wy + fh * 0.85,
					jit(0x5a7060, 15), 256);
			}
			rect(m, cx - bw * 0.26, wy + fh * 0.85,
				cx + bw * 0.26, wy + fh * 0.9,
				shade(wall, 1.1), 256);
		}
	}
	rect(m, xa, ya, xb, yb, dark, 256);
	for (j = 0; j < bays; j++) {
		cx = xa + (j + 0.5) * bw;
		rect(m, cx - bw * 0.3, ya + (yb - ya) * 0.3, cx + bw * 0.3, yb,
			shade(wall, fr(0.4, 0.6)), 256);
		rect(m, xa + j * bw, ya, xa + (j + 1) * bw,
			ya + (yb - ya) * 0.25, wall, 256);
		ellipse(m, cx, ya + (yb - ya) * 0.28, bw * 0.38,
			(yb - ya) * 0.18, dark, 256);
	}
	for (j = 0; j <= bays; j++) {
		rect(m, xa + j * bw - bw * 0.08, ya, xa + j * bw + bw * 0.08,
			yb, shade(wall, 0.95), 256);
	}
	if (fr(0, 1) < 0.7) {
		cx = xa + ir(1, bays) * bw - bw * 0.2;
		rect(m, cx, ya + 4, cx + bw * 0.16, ya + (yb - ya) * 0.8,
			fr(0, 1) < 0.5 ? 0x9c1c1c : 0x1e1e1e, 256);
		glyphs(m, cx + bw * 0.03, ya + 10, bw * 0.1, 4, 1, 0xe8c868,
			256);
	}
}

/* A car seen from the front, width w, wheels on yb. */
static void
car(struct img *m, double cx, double yb, double w)
{
	static const unsigned paint[] = { 0xf2f2f0, 0x1f2226, 0xa8adb3,
		0x8b1e22, 0x24466e, 0xc9c2b0 };
	unsigned c = paint[ir(0, 5)];

	rect(m, cx - w * 0.45, yb - w * 0.12, cx - w * 0.3, yb, 0x111111, 256);
	rect(m, cx + w * 0.3, yb - w * 0.12, cx + w * 0.45, yb, 0x111111, 256);
	quad(m, cx - w * 0.36, yb - w * 0.62, cx + w * 0.36, yb - w * 0.62,
		cx + w * 0.45, yb - w * 0.38, cx - w * 0.45, yb - w * 0.38,
		shade(c, 0.92), 256);
	quad(m, cx - w * 0.31, yb - w * 0.58, cx + w * 0.31, yb - w * 0.58,
		cx + w * 0.39, yb - w * 0.4, cx - w * 0.39, yb - w * 0.4,
		0x2a3440, 256);
	rect(m, cx - w * 0.5, yb - w * 0.4, cx + w * 0.5, yb - w * 0.1, c, 256);
	rect(m, cx - w * 0.45, yb - w * 0.33, cx - w * 0.3, yb - w * 0.26,
		0xf0f0e0, 256);
	rect(m, cx + w * 0.3, yb - w * 0.33, cx + w * 0.45, yb - w * 0.26,
		0xf0f0e0, 256);
	rect(m, cx - w * 0.2, yb - w * 0.3, cx + w * 0.2, yb - w * 0.22,
		0x202020, 256);
	rect(m, cx - w * 0.1, yb - w * 0.2, cx + w * 0.1, yb - w * 0.14,
		0x1d4fa8, 256);
}

/* ------------------------------------------------------------ scenes */

/* Each scene draws on a blank picture; var holds words the scene knows
 * ("before", "after", "banner", ...). */
typedef void scene_fn(struct img *m, const char *var);

static int
has(const char *var, const char *word)
{
	return strstr(var, word) != NULL;
}

static void
scene_qilou(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, x = -fr(0, W * 0.05), bw;
	int i;

	sky(m, H * 0.5, 0x86aed6, 0xdde7ef);
	while (x < W) {
		bw = W * fr(0.2, 0.3);
		qilou(m, x, x + bw, H * fr(0.12, 0.28), H * 0.58, H * 0.8);
		x += bw;
	}
	rect(m, 0, H * 0.8, W, H, 0x8d8a84, 256);
	tex(m, 0, H * 0.8, W, H, 9);
	rect(m, 0, H * 0.8, W, H * 0.81, 0x6a6864, 256);
	if (has(var, "banner")) {
		banner(m, W * 0.15, H * 0.47, W * 0.85, H * 0.54);
	}
	for (i = 0; i < ir(2, 4); i++) {
		frs(e, 2, (const double[]){ 0, W, 0.74, 0.79 });
		person(m, e[0], H * e[1], H * 0.15);
	}
	crowd(m, 0, W, H * 0.83, H * 0.98, ir(5, 10), 0.85);
}

/* A street in one-point perspective; the facades, road and people
 * depend on var: sweep (volunteers), banner, before/after (road). */
static void
scene_street(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, vx = W * fr(0.46, 0.54), vy = H * 0.44;
	double u0, u1, xn, xf, t, s, y;
	int side, k, f, i, floors;
	unsigned wall, road = has(var, "after") ? 0x3c3e42 : 0x8a8780;

	sky(m, vy + 10, 0x8db4db, 0xe3eaf0);
	for (i = 0; i < 6; i++) {
		s = fr(0.02, 0.05) * W;
		t = fr(0.04, 0.12);
		rect(m, vx - W * 0.08 + i * W * 0.03, vy - t * H,
			vx - W * 0.08 + i * W * 0.03 + s, vy + 4,
			jit(0xa9a9a4, 15), 256);
	}
	quad(m, 0, H, W, H, vx + W * 0.035, vy, vx - W * 0.035, vy,
		road, 256);
	tex(m, 0, vy, W, H, has(var, "after") ? 6 : 12);
	for (side = -1; side <= 1; side += 2) {
		xn = side < 0 ? 0 : W;
		xf = vx + side * W * 0.05;
		quad(m, xn, H * 0.86, xn + side * W * 0.16, H, vx + side * W *
			0.037, vy, xf, vy, 0xa19b90, 256);
		for (k = 0; k < 9; k++) {
			u0 = 1 - 1 / (1 + 0.5 * k);
			u1 = 1 - 1 / (1 + 0.5 * (k + 1));
			wall = jit(k % 2 ? 0xc9b894 : 0xb8b1a3, 14);
			floors = ir(3, 5);
#define PX(u) (xn + (xf - xn) * (u))
#define PT(u) (H * 0.02 + (vy - H * 0.14 - H * 0.02) * (u))
#define PB(u) (H * 0.86 + (vy + 2 - H * 0.86) * (u))
			quad(m, PX(u0), PT(u0), PX(u1), PT(u1), PX(u1), PB(u1),
				PX(u0), PB(u0), wall, 256);
			for (f = 0; f < floors; f++) {
				double va = (f + 0.3) / (floors + 0.5);
				double vb = (f + 0.75) / (floors + 0.5);
				double ua = u0 + (u1 - u0) * 0.2;
				double ub = u0 + (u1 - u0) * 0.75;

				quad(m, PX(ua), PT(ua) + (PB(ua) - PT(ua)) * va,
					PX(ub), PT(ub) + (PB(ub) - PT(ub)) * va,
					PX(ub), PT(ub) + (PB(ub) - PT(ub)) * vb,
					PX(ua), PT(ua) + (PB(ua) - PT(ua)) * vb,
					0x2f2a26, 256);
			}
			quad(m, PX(u0), PT(u0) + (PB(u0) - PT(u0)) * 0.8,
				PX(u1), PT(u1) + (PB(u1) - PT(u1)) * 0.8,
				PX(u1), PB(u1), PX(u0), PB(u0),
				shade(wall, 0.35), 256);
		}
		tex(m, side < 0 ? 0 : vx, 0, side < 0 ? vx : W, H * 0.9, 6);
	}
	if (has(var, "before")) {
		for (i = 0; i < 16; i++) {
			y = fr(vy + H * 0.1, H);
			t = (y - vy) / (H - vy);
			s = W * 0.06 * t;
			frs(e, 2, (const double[]){ -0.5, 0.5, 0.6, 1.6 });
			ellipse(m, vx + e[0] * W * t * 0.9, y, s * e[1],
				s * 0.25, i % 3 ? 0x4a4640 : 0xb8c4cc, 220);
		}
		for (i = 0; i < 10; i++) {
			double cx = fr(0.2, 0.8) * W, cy = fr(0.6, 1) * H;

			for (k = 0; k < 8; k++) {
				double nx = cx + fr(-30, 30);
				double ny = cy + fr(-8, 8);

				line(m, cx, cy, nx, ny, 2, 0x3a3834, 230);
				cx = nx;
				cy = ny;
			}
		}
	}
	if (has(var, "after") || (yr >= 1985 && !has(var, "before"))) {
		for (i = 0; i < 12; i += 2) {
			double ta = i / 12.0, tb = (i + 1) / 12.0;

			ta = ta * ta;
			tb = tb * tb;
			quad(m, vx - 2 * (1 - ta) - 1, vy + (H - vy) * (1 - ta),
				vx + 2 + 8 * (1 - ta), vy + (H - vy) * (1 - ta),
				vx + 2 + 8 * (1 - tb), vy + (H - vy) * (1 - tb),
				vx - 2 * (1 - tb) - 1, vy + (H - vy) * (1 - tb),
				0xe8e4d4, 240);
		}
	}
	if (yr >= 1985) {
		for (i = 0; i < 4; i++) {
			t = fr(0.15, 0.8);
			tree(m, i % 2 ? W - t * (W - vx) * 0.9 : t * vx * 0.9,
				vy + (H - vy) * (1 - t) * 0.92,
				H * 0.6 * (1 - t) + 20);
		}
	}
	if (has(var, "banner")) {
		banner(m, W * 0.12, H * 0.2, W * 0.88, H * 0.27);
	}
	if (yr >= 2000) {
		for (i = 0; i < 3; i++) {
			t = fr(0.2, 0.7);
			car(m, vx + (i % 2 ? 1 : -1) * (1 - t) * W * 0.33,
				vy + (H - vy) * (1 - t), W * 0.22 * (1 - t));
		}
	}
	for (i = 0; i < ir(6, 14); i++) {
		t = fr(0.05, 0.85);
		y = vy + (H - vy) * (1 - t);
		s = fr(-0.45, 0.45) * W * (1 - t) * 1.3;
		person(m, vx + s, y, H * 0.42 * (1 - t) + 6);
		if (has(var, "sweep") && i % 2 == 0) {
			line(m, vx + s + H * 0.04 * (1 - t), y - H * 0.2 *
				(1 - t), vx + s + H * 0.1 * (1 - t), y, 3,
				0x6b5a3a, 256);
		}
	}
}
#undef PX
#undef PT
#undef PB

/* A lineage hall (祠堂): used as a night school in the 1950s. */
static void
scene_hall(struct img *m, const char *var)
{
	double W = m->w, H = m->h;
	unsigned brick = 0x8a8f94;
	int i;

	sky(m, H * 0.4, 0x9ab8d4, 0xe6ecf0);
	rect(m, 0, H * 0.38, W, H, 0xb7b2a6, 256);
	for (i = 0; i < 12; i++) {
		rect(m, 0, H * (0.76 + i * 0.02 * (1 + i * 0.15)), W,
			H * (0.76 + i * 0.02 * (1 + i * 0.15)) + 2, 0x908b80,
			256);
	}
	tex(m, 0, H * 0.38, W, H, 10);
	rect(m, W * 0.08, H * 0.3, W * 0.92, H * 0.74, brick, 256);
	for (i = 0; i < 40; i++) {
		rect(m, W * 0.08, H * 0.3 + i * H * 0.011, W * 0.92,
			H * 0.3 + i * H * 0.011 + 1, shade(brick, 0.85), 256);
	}
	tex(m, W * 0.08, H * 0.3, W * 0.92, H * 0.74, 12);
	quad(m, W * 0.02, H * 0.32, W * 0.98, H * 0.32, W * 0.88, H * 0.17,
		W * 0.12, H * 0.17, 0x3c3f44, 256);
	for (i = 0; i < 60; i++) {
		rect(m, W * (0.05 + i * 0.0152), H * 0.17, W * (0.05 + i *
			0.0152) + 2, H * 0.32, 0x2c2e32, 256);
	}
	rect(m, W * 0.1, H * 0.15, W * 0.9, H * 0.18, 0x2e3034, 256);
	quad(m, W * 0.06, H * 0.1, W * 0.12, H * 0.15, W * 0.15, H * 0.18,
		W * 0.08, H * 0.18, 0x2e3034, 256);
	quad(m, W * 0.94, H * 0.1, W * 0.88, H * 0.15, W * 0.85, H * 0.18,
		W * 0.92, H * 0.18, 0x2e3034, 256);
	rect(m, W * 0.08, H * 0.7, W * 0.92, H * 0.75, 0xc8c4b8, 256);
	rect(m, W * 0.42, H * 0.45, W * 0.58, H * 0.72, 0x2a1e16, 256);
	rect(m, W * 0.43, H * 0.47, W * 0.495, H * 0.72, 0x5a2a1e, 256);
	rect(m, W * 0.505, H * 0.47, W * 0.57, H * 0.72, 0x5a2a1e, 256);
	rect(m, W * 0.4, H * 0.35, W * 0.6, H * 0.42, 0x1c1c1c, 256);
	glyphs(m, W * 0.43, H * 0.36, H * 0.05, 3, 0, 0xd8b860, 256);
	ellipse(m, W * 0.36, H * 0.46, W * 0.02, H * 0.035, 0xc02020, 256);
	ellipse(m, W * 0.64, H * 0.46, W * 0.02, H * 0.035, 0xc02020, 256);
	if (has(var, "school")) {
		rect(m, W * 0.66, H * 0.48, W * 0.84, H * 0.66, 0x1f3a2c, 256);
		for (i = 0; i < 4; i++) {
			glyphs(m, W * 0.68, H * (0.5 + i * 0.037), H * 0.025,
				ir(4, 6), 0, 0xe8e8e0, 230);
		}
		line(m, W * 0.68, H * 0.66, W * 0.66, H * 0.78, 4, 0x5a4030,
			256);
		line(m, W * 0.82, H * 0.66, W * 0.84, H * 0.78, 4, 0x5a4030,
			256);
		banner(m, W * 0.2, H * 0.23, W * 0.8, H * 0.29);
	}
	crowd(m, W * 0.05, W * 0.95, H * 0.8, H * 0.98, ir(8, 14), 0.9);
}

/* A rally: stage with a red backdrop, flags, a crowd. */
static void
scene_rally(struct img *m, const char *var)
{
	double W = m->w, H = m->h, x, y, s;
	int i, j;

	sky(m, H * 0.5, 0x95b6d6, 0xe8edf0);
	rect(m, 0, H * 0.45, W, H, 0xa09a8c, 256);
	tex(m, 0, H * 0.45, W, H, 10);
	rect(m, W * 0.1, H * 0.12, W * 0.9, H * 0.42, 0xb01c22, 256);
	banner(m, W * 0.14, H * 0.15, W * 0.86, H * 0.25);
	rect(m, W * 0.06, H * 0.42, W * 0.94, H * 0.5, 0x6a4e36, 256);
	tex(m, W * 0.06, H * 0.42, W * 0.94, H * 0.5, 8);
	for (i = 0; i < 7; i++) {
		person(m, W * (0.22 + i * 0.09), H * 0.43, H * 0.15);
	}
	for (i = 0; i < 8; i++) {
		x = W * (0.03 + i * 0.135);
		line(m, x, H * 0.08, x, H * 0.5, 3, 0x5a4a3a, 256);
		quad(m, x, H * 0.08, x + W * 0.06, H * 0.1, x + W * 0.06,
			H * 0.14, x, H * 0.15, 0xc8202a, 256);
		if (has(var, "gold")) {
			star(m, x + W * 0.015, H * 0.1, H * 0.01, 0xf2d040,
				256);
		}
	}
	for (j = 0; j < 14; j++) {
		y = H * (0.55 + j * 0.025 + j * j * 0.001);
		s = H * (0.008 + j * 0.0022);
		for (i = 0; i < (int)(W / (s * 3)) + 1; i++) {
			x = i * s * 3 + fr(-s, s) + (j % 2) * s * 1.5;
			rect(m, x - s * 1.1, y + s * 0.8, x + s * 1.1,
				y + s * 3, cloth(), 256);
			ellipse(m, x, y, s * 0.8, s, 0x1c1a18, 256);
			if (fr(0, 1) < 0.08) {
				line(m, x + s, y + s, x + s * 1.3, y - s * 3, 2,
					0x6b5a3a, 256);
				rect(m, x + s * 1.3, y - s * 3, x + s * 3.3,
					y - s * 1.8, 0xc8202a, 256);
			}
		}
	}
}

/* A street market: shopfronts, stalls under awnings, lanterns. */
static void
scene_market(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, x, w;
	unsigned aw, goods[] = { 0xd23c2c, 0xe89a2c, 0x4f9a3a, 0xe8d84a,
		0xd86aa0 };
	int i, k, flowers = has(var, "flowers");

	if (flowers) {
		sky(m, H * 0.3, 0x3a4a78, 0xe0a070);
	} else {
		sky(m, H * 0.3, 0x9ebcd8, 0xe4eaee);
	}
	for (x = 0; x < W; x += w) {
		w = W * fr(0.15, 0.25);
		qilou(m, x, x + w, H * fr(0.05, 0.12), H * 0.4, H * 0.55);
	}
	rect(m, 0, H * 0.55, W, H, 0x8e8a82, 256);
	tex(m, 0, H * 0.55, W, H, 10);
	for (i = 0; i < 30; i++) {
		double t = i / 29.0;

		ellipse(m, W * t, H * (0.08 + 0.1 * 4 * t * (1 - t)), H * 0.012,
			H * 0.016, 0xd02424, 256);
	}
	crowd(m, 0, W, H * 0.58, H * 0.66, ir(6, 10), 0.7);
	for (k = 0; k < 2; k++) {
		for (x = fr(-60, 0); x < W; x += w + fr(10, 40)) {
			double yb = H * (k ? 0.98 : 0.76), sc = k ? 1.4 : 1;

			w = W * 0.14 * sc;
			aw = jit(k ? 0x2c6ab0 : 0xc43a30, 20);
			rect(m, x + 6, yb - H * 0.14 * sc, x + 10, yb, 0x3a3a3a,
				256);
			rect(m, x + w - 10, yb - H * 0.14 * sc, x + w - 6, yb,
				0x3a3a3a, 256);
			quad(m, x - 8, yb - H * 0.13 * sc, x + w + 8,
				yb - H * 0.13 * sc, x + w - 4,
				yb - H * 0.2 * sc, x + 4, yb - H * 0.2 * sc,
				aw, 256);
			for (i = 0; i < 5; i++) {
				rect(m, x + w * i / 5.0, yb - H * 0.2 * sc,
					x + w * (i + 0.5) / 5.0,
					yb - H * 0.13 * sc, 0xf0ece4, 170);
			}
			rect(m, x, yb - H * 0.06 * sc, x + w,
				yb - H * 0.05 * sc, 0x6a4a30, 256);
			rect(m, x + 4, yb - H * 0.05 * sc, x + w - 4, yb,
				0x4a3624, 256);
			for (i = 0; i < 40; i++) {
				unsigned c = flowers ? (i % 3 ? 0xe86a9a :
					0xf0b020) : goods[ir(0, 4)];

				frs(e, 2, (const double[]){ 0.05, 0.95,
					0.06, 0.09 });
				ellipse(m, x + e[0] * w, yb - H * e[1] * sc,
					5 * sc, 4 * sc,
					jit(c, 20), 256);
			}
			if (flowers && fr(0, 1) < 0.6) {
				ellipse(m, x + w * 0.8, yb - H * 0.12 * sc,
					w * 0.12, w * 0.14, 0x2f5a24, 256);
				for (i = 0; i < 18; i++) {
					frs(e, 2, (const double[]){ 0.7, 0.9,
						0.08, 0.16 });
					ellipse(m, x + w * e[0],
						yb - H * e[1] * sc,
						3 * sc, 3 * sc, 0xf09020, 256);
				}
			}
		}
		if (k == 0) {
			crowd(m, 0, W, H * 0.78, H * 0.84, ir(5, 9), 0.9);
		}
	}
}

/* Housing blocks: opening (1998, banner), aged (stains) or renewed
 * (fresh paint, lift shafts). */
static void
scene_blocks(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, x = W * fr(-0.1, 0.02), w;
	static const unsigned tiles[] = { 0xe8e2d8, 0xe6cfc4, 0xd9dcd2,
		0xeae6da };
	int i, aged = has(var, "aged"), renewed = has(var, "renewed");
	unsigned wall;

	sky(m, H * 0.6, 0x7fa9d6, 0xdce6ee);
	block(m, W * 0.55, W * 1.05, H * 0.1, H * 0.7, 0xc8c4bc, 9, 5, aged);
	while (x < W * 0.7) {
		w = W * fr(0.3, 0.4);
		wall = tiles[ir(0, 3)];
		if (renewed) {
			wall = ir(0, 1) ? 0xf0e6d2 : 0xe4d2c0;
		}
		block(m, x, x + w, H * fr(0.16, 0.26), H * 0.8,
			aged ? shade(wall, 0.82) : wall, 7, 4, aged);
		if (has(var, "lift") || renewed) {
			rect(m, x + w * 0.44, H * 0.16, x + w * 0.56, H * 0.8,
				0x7fb0c4, 200);
			for (i = 0; i < 8; i++) {
				rect(m, x + w * 0.44, H * (0.16 + i * 0.08),
					x + w * 0.56, H * (0.16 + i * 0.08) + 3,
					0x5a6a70, 256);
			}
		}
		x += w + W * fr(0.02, 0.08);
	}
	for (i = 0; aged && i < 24; i++) {
		frs(e, 4, (const double[]){ 0, W, 0.15, 0.8, 0.02, 0.07,
			0.04, 0.12 });
		ellipse(m, e[0], e[1] * H, W * e[2], H * e[3], 0x4a4030,
			ir(20, 50));
	}
	rect(m, 0, H * 0.8, W, H, aged ? 0x7e7a72 : 0x5c5e60, 256);
	tex(m, 0, H * 0.8, W, H, 9);
	rect(m, 0, H * 0.8, W, H * 0.82, 0xb8b4aa, 256);
	if (has(var, "opening")) {
		banner(m, W * 0.1, H * 0.3, W * 0.32, H * 0.35);
	}
	for (i = 0; i < ir(3, 6); i++) {
		frs(e, 3, (const double[]){ 0, W, 0.86, 0.9, 0.3, 0.42 });
		tree(m, e[0], H * e[1], H * e[2]);
	}
	crowd(m, 0, W, H * 0.9, H * 0.99, ir(2, 6), 0.8);
}

/* The 市桥河: far bank, water with ripples, boats, near embankment. */
static void
scene_river(struct img *m, const char *var)
{
	double W = m->w, H = m->h, x, w, y;
	int i;

	sky(m, H * 0.45, 0x8eb2d2, 0xe6ecf0);
	for (x = 0; x < W; x += w) {
		w = W * fr(0.03, 0.09);
		y = fr(0.3, 0.4);
		rect(m, x, H * y, x + w, H * 0.45,
			jit(yr >= 2000 ? 0xbcb8b0 : 0x8c8880, 18), 256);
	}
	for (i = 0; i < 8; i++) {
		tree(m, fr(0, W), H * 0.45, H * 0.12);
	}
	vgrad(m, 0, H * 0.45, W, H * 0.85, 0x5d7684, 0x7f97a2);
	for (i = 0; i < 260; i++) {
		y = fr(0.46, 0.85) * H;
		x = fr(0, W);
		w = (y - H * 0.4) * fr(0.2, 0.6);
		rect(m, x, y, x + w, y + 1 + (y > H * 0.7), 0xc8d6dc,
			ir(50, 120));
	}
	for (i = 0; i < (yr < 1990 ? 4 : 1); i++) {
		x = fr(0.1, 0.8) * W;
		y = fr(0.52, 0.7) * H;
		w = W * 0.14 * (y / H);
		quad(m, x, y, x + w, y, x + w * 0.88, y + w * 0.12,
			x + w * 0.1, y + w * 0.12, 0x2a2420, 256);
		ellipse(m, x + w * 0.5, y, w * 0.22, w * 0.1, 0x4a4034, 256);
		if (fr(0, 1) < 0.6) {
			person(m, x + w * 0.8, y, w * 0.45);
		}
	}
	rect(m, 0, H * 0.85, W, H, yr >= 2000 ? 0xa8a49c : 0x7a7464, 256);
	tex(m, 0, H * 0.85, W, H, 12);
	if (yr >= 2000 || has(var, "rail")) {
		for (x = 0; x < W; x += W / 24) {
			rect(m, x, H * 0.8, x + 5, H * 0.88, 0xd8d8d4, 256);
		}
		rect(m, 0, H * 0.8, W, H * 0.81, 0xe0e0dc, 256);
		rect(m, 0, H * 0.84, W, H * 0.845, 0xe0e0dc, 256);
	}
	tree(m, W * 0.06, H * 0.98, H * 0.7);
	crowd(m, W * 0.2, W, H * 0.88, H * 0.96, ir(2, 5), 0.55);
}

/* Ground-level drains: before (broken slabs, open trench, sewage
 * puddles), after (new paving, manholes, grating). */
static void
scene_pipes(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, x, y, s;
	int i, j, after = has(var, "after");

	block(m, -W * 0.05, W * 1.05, -H * 0.3, H * 0.42, 0xd8d0c0, 4, 6,
		!after);
	rect(m, 0, H * 0.4, W, H * 0.44, 0x8a857c, 256);
	for (j = 0; j < 12; j++) {
		y = H * 0.44 + j * j * H * 0.0046;
		s = H * 0.02 + j * H * 0.01;
		for (i = -1; i < (int)(W / (s * 2)) + 2; i++) {
			x = i * s * 2 + (j % 2) * s;
			rect(m, x + 1, y + 1, x + s * 2 - 1, y + s * 0.9 + j,
				after ? jit(j % 3 ? 0xa8786a : 0x9a9a98, 8) :
				jit(0x9c988e, 22), 256);
		}
	}
	tex(m, 0, H * 0.44, W, H, after ? 8 : 14);
	if (after) {
		rect(m, 0, H * 0.44, W, H * 0.47, 0x2a2a2a, 256);
		for (x = 0; x < W; x += 14) {
			rect(m, x, H * 0.445, x + 7, H * 0.465, 0x6a6a68, 256);
		}
		for (i = 0; i < 2; i++) {
			ellipse(m, W * (0.3 + i * 0.4), H * (0.66 + i * 0.12),
				W * (0.08 + i * 0.02), H * (0.04 + i * 0.015),
				0x3e3e40, 256);
			for (j = 1; j < 5; j++) {
				ellipse(m, W * (0.3 + i * 0.4),
					H * (0.66 + i * 0.12),
					W * (0.08 + i * 0.02) * j / 5,
					H * (0.04 + i * 0.015) * j / 5,
					0x5a5a5c, 80);
			}
		}
		return;
	}
	quad(m, W * 0.25, H * 0.5, W * 0.45, H * 0.5, W * 0.6, H, W * 0.2, H,
		0x5e4a36, 256);
	tex(m, W * 0.2, H * 0.5, W * 0.6, H, 18);
	quad(m, W * 0.31, H * 0.6, W * 0.37, H * 0.6, W * 0.42, H, W * 0.26,
		H, 0x6a6e70, 256);
	quad(m, W * 0.33, H * 0.6, W * 0.345, H * 0.6, W * 0.33, H, W * 0.3,
		H, 0x9aa0a2, 256);
	for (i = 0; i < 7; i++) {
		frs(e, 4, (const double[]){ 0.05, 0.95, 0.55, 0.95, 0.04,
			0.12, 0.015, 0.04 });
		ellipse(m, e[0] * W, e[1] * H, W * e[2], H * e[3],
			i % 2 ? 0x3c3a30 : 0x5a5840, 230);
	}
	for (i = 0; i < 30; i++) {
		frs(e, 4, (const double[]){ 0, W, 0.5, 1, 3, 12, 2, 6 });
		ellipse(m, e[0], e[1] * H, e[2], e[3], jit(0x7a6a58, 25),
			256);
	}
}

/* Parking: before (cars anyhow, no bays), after (painted bays). */
static void
scene_parking(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, vx = W * 0.5, vy = H * 0.2, k;
	int i, after = has(var, "after");

	sky(m, H * 0.2, 0x86aed6, 0xdde7ee);
	block(m, -W * 0.02, W * 1.02, H * 0.05, H * 0.5, 0xe0d8c8, 5, 7,
		!after);
	rect(m, 0, H * 0.5, W, H, after ? 0x4a4c4e : 0x85827a, 256);
	tex(m, 0, H * 0.5, W, H, after ? 6 : 14);
	rect(m, 0, H * 0.5, W, H * 0.53, after ? 0x5d8a40 : 0x7a7a62, 256);
	if (after) {
		k = (H * 0.55 - vy) / (H - vy);
		for (i = -2; i <= 9; i++) {
			double xn = i * W / 7.0;

			line(m, xn, H, vx + (xn - vx) * k, H * 0.55, 5,
				0xf0f0ea, 256);
		}
		line(m, 0, H * 0.56, W, H * 0.56, 4, 0xf0f0ea, 256);
		for (i = 0; i < 7; i++) {
			if (i != 3) {
				car(m, vx + ((i + 0.5) * W / 7.0 - vx) * 0.72,
					H * 0.8, W * 0.11);
			}
		}
		rect(m, W * 0.9, H * 0.3, W * 0.96, H * 0.38, 0x1d5fb0, 256);
		rect(m, W * 0.92, H * 0.315, W * 0.93, H * 0.365, 0xffffff,
			256);
		rect(m, W * 0.92, H * 0.315, W * 0.945, H * 0.34, 0xffffff,
			256);
		rect(m, W * 0.93, H * 0.325, W * 0.937, H * 0.33, 0x1d5fb0,
			256);
		rect(m, W * 0.927, H * 0.38, W * 0.933, H * 0.55, 0x888888,
			256);
		return;
	}
	for (i = 0; i < 9; i++) {
		double y = fr(0.58, 0.98) * H;

		car(m, fr(0, W), y, W * 0.16 * (y - vy) / (H - vy));
	}
	for (i = 0; i < 3; i++) {
		frs(e, 2, (const double[]){ 0, W, 0.6, 0.9 });
		person(m, e[0], e[1] * H, H * 0.3);
	}
}

/* A stairwell looking up one flight: before (grime, loose wires,
 * stuck-on adverts), after (painted, handrail, notice boards). */
static void
scene_stair(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, y, t, xl, xr;
	int i, j, after = has(var, "after");
	unsigned wall = after ? 0xf2f0ea : 0xcfc2a2;

	rect(m, 0, 0, W, H, shade(wall, 0.9), 256);
	quad(m, 0, 0, W * 0.3, H * 0.14, W * 0.3, H * 0.52, 0, H,
		shade(wall, 0.8), 256);
	quad(m, W, 0, W * 0.7, H * 0.14, W * 0.7, H * 0.52, W, H,
		shade(wall, 0.95), 256);
	quad(m, 0, 0, W, 0, W * 0.7, H * 0.14, W * 0.3, H * 0.14,
		shade(wall, 1.05), 256);
	rect(m, W * 0.42, H * 0.2, W * 0.58, H * 0.38, after ? 0xc8dce8 :
		0x9aa6a8, 256);
	rect(m, W * 0.497, H * 0.2, W * 0.503, H * 0.38, 0x606060, 256);
	if (after) {
		quad(m, 0, H * 0.6, W * 0.3, H * 0.4, W * 0.3, H * 0.52, 0, H,
			0x7fa88a, 256);
		quad(m, W, H * 0.6, W * 0.7, H * 0.4, W * 0.7, H * 0.52, W, H,
			0x86ae90, 256);
	}
	tex(m, 0, 0, W, H, after ? 4 : 10);
	for (i = 0; i < 16; i++) {
		t = pow(i / 16.0, 1.5);
		y = H * 0.52 + (H - H * 0.52) * t;
		xl = W * 0.3 * (1 - t);
		xr = W - xl;
		rect(m, xl, y, xr, y + H * 0.03 * (0.3 + t), after ?
			0xb0aca4 : 0x8c8478, 256);
		rect(m, xl, y + H * 0.03 * (0.3 + t) * 0.7, xr,
			y + H * 0.03 * (0.3 + t), shade(after ? 0xb0aca4 :
			0x8c8478, 0.7), 256);
	}
	line(m, W * 0.98, H * 0.62, W * 0.72, H * 0.36, 9, after ? 0x8a5a30 :
		0x5a4838, 256);
	for (i = 0; i < 8; i++) {
		t = i / 8.0;
		line(m, W * (0.98 - 0.26 * t), H * (0.62 - 0.26 * t),
			W * (0.98 - 0.26 * t), H * (0.85 - 0.33 * t), 3,
			after ? 0xb8bcc0 : 0x404040, 256);
	}
	if (after) {
		rect(m, W * 0.44, H * 0.03, W * 0.56, H * 0.06, 0xffffff, 256);
		for (i = 0; i < 3; i++) {
			double xa = W * (0.04 + i * 0.08);
			double ya = H * (0.25 + i * 0.04);

			rect(m, xa, ya, xa + W * 0.06,
				ya + H * (0.14 - i * 0.02), 0x7a5a3a, 256);
			rect(m, xa + 4, ya + 4, xa + W * 0.06 - 4,
				ya + H * (0.14 - i * 0.02) - 4,
				i == 1 ? 0xc8302a : 0xf4efe2, 256);
			glyphs(m, xa + 8, ya + 10, W * 0.008, 4, 0,
				i == 1 ? 0xf5d142 : 0x404040, 256);
		}
		ellipse(m, W * 0.62, H * 0.5, W * 0.03, H * 0.04, 0x3d7a32,
			256);
		rect(m, W * 0.605, H * 0.52, W * 0.635, H * 0.56, 0x8a5a3a,
			256);
		return;
	}
	for (i = 0; i < 14; i++) {
		frs(e, 4, (const double[]){ 0, W, 0, H * 0.7, 0.03, 0.1,
			0.03, 0.1 });
		ellipse(m, e[0], e[1], W * e[2], H * e[3], 0x5a4a30,
			ir(15, 40));
	}
	for (i = 0; i < 24; i++) {
		double xa = fr(0.02, 0.28) * W, ya = fr(0.2, 0.6) * H;

		frs(e, 2, (const double[]){ 14, 40, 8, 22 });
		rect(m, xa, ya, xa + e[0], ya + e[1], i % 3 ? 0xf0ece0 :
			0xe8c040, 230);
		glyphs(m, xa + 2, ya + 2, 5, 3, 0, 0x303030, 200);
	}
	for (i = 0; i < 5; i++) {
		double xa = 0, ya = H * fr(0.05, 0.15);

		for (j = 0; j < 12; j++) {
			double xb = xa + W / 12.0, yb = ya + fr(-10, 14);

			line(m, xa, ya, xb, yb, 3, 0x1a1a1a, 256);
			xa = xb;
			ya = yb;
		}
	}
	ellipse(m, W * 0.5, H * 0.1, W * 0.012, H * 0.015, 0xfff4c0, 256);
	rect(m, W * 0.35, H * 0.42, W * 0.45, H * 0.52, 0x8a6a48, 256);
	rect(m, W * 0.55, H * 0.44, W * 0.66, H * 0.52, 0x9a7a58, 256);
}

/* A block with a lift shaft: before (none), build (scaffolding,
 * safety net, workers), after (glass shaft). */
static void
scene_lift(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, cx = W * fr(0.45, 0.55), x, y;
	int i;

	sky(m, H * 0.8, 0x7aa6d4, 0xdce6ee);
	block(m, W * 0.12, W * 0.88, H * 0.14, H * 0.86, 0xe6dccb, 7, 5,
		has(var, "before"));
	rect(m, cx - W * 0.03, H * 0.14, cx + W * 0.03, H * 0.86, 0xd0c6b4,
		256);
	for (i = 0; i < 7; i++) {
		rect(m, cx - W * 0.015, H * (0.18 + i * 0.1), cx + W * 0.015,
			H * (0.23 + i * 0.1), 0x3a4654, 256);
	}
	rect(m, 0, H * 0.86, W, H, 0x6a6c6e, 256);
	tex(m, 0, H * 0.86, W, H, 9);
	if (has(var, "build")) {
		rect(m, cx - W * 0.1, H * 0.1, cx + W * 0.1, H * 0.86,
			0x2f7a3a, 150);
		for (x = cx - W * 0.11; x <= cx + W * 0.11; x += W * 0.022) {
			line(m, x, H * 0.08, x, H * 0.86, 3, 0xc8a860, 256);
		}
		for (y = H * 0.1; y < H * 0.86; y += H * 0.05) {
			line(m, cx - W * 0.11, y, cx + W * 0.11, y, 3,
				0xc8a860, 256);
		}
		for (i = 0; i < 4; i++) {
			frs(e, 2, (const double[]){ -0.2, 0.2, 0.9, 0.98 });
			person(m, cx + e[0] * W, H * e[1], H * 0.14);
		}
		rect(m, W * 0.7, H * 0.9, W * 0.9, H * 0.95, 0x9a9890, 256);
		return;
	}
	if (has(var, "after")) {
		rect(m, cx - W * 0.07, H * 0.08, cx + W * 0.07, H * 0.86,
			0x6fa8c0, 210);
		tex(m, cx - W * 0.07, H * 0.08, cx + W * 0.07, H * 0.86, 5);
		rect(m, cx - W * 0.075, H * 0.06, cx + W * 0.075, H * 0.1,
			0xdadad6, 256);
		for (i = 0; i < 8; i++) {
			rect(m, cx - W * 0.07, H * (0.1 + i * 0.1),
				cx + W * 0.07, H * (0.1 + i * 0.1) + 4,
				0x5c6468, 256);
		}
		line(m, cx, H * 0.1, cx, H * 0.86, 4, 0x5c6468, 256);
		rect(m, cx - W * 0.03, H * 0.52, cx + W * 0.03, H * 0.6,
			0xb8b8b0, 256);
		rect(m, cx - W * 0.1, H * 0.8, cx + W * 0.1, H * 0.82,
			0x909090, 256);
	}
	for (i = 0; i < 3; i++) {
		tree(m, i == 1 ? W * 0.92 : W * fr(0.02, 0.1), H * 0.95,
			H * 0.4);
	}
	crowd(m, 0, W, H * 0.9, H * 0.99, ir(1, 4), 0.8);
}

/* A meeting room: red banner, long table, people seated behind it. */
static void
scene_meeting(struct img *m, const char *var)
{
	double W = m->w, H = m->h, x, s;
	int i;

	rect(m, 0, 0, W, H * 0.7, 0xece6d8, 256);
	tex(m, 0, 0, W, H * 0.7, 4);
	rect(m, W * 0.78, H * 0.08, W * 0.98, H * 0.5, 0xbcd6e6, 256);
	for (i = 0; i < 3; i++) {
		rect(m, W * (0.78 + i * 0.1), H * 0.08, W * (0.78 + i * 0.1) +
			5, H * 0.5, 0xf4f4f0, 256);
	}
	banner(m, W * 0.08, H * 0.06, W * 0.72, H * 0.16);
	if (has(var, "screen")) {
		rect(m, W * 0.22, H * 0.2, W * 0.58, H * 0.44, 0xf8f8f8, 256);
		rect(m, W * 0.25, H * 0.24, W * 0.55, H * 0.3, 0x2c5aa0, 256);
		glyphs(m, W * 0.26, H * 0.33, H * 0.025, 10, 0, 0x333333, 256);
	}
	rect(m, 0, H * 0.7, W, H, 0x9a8a74, 256);
	tex(m, 0, H * 0.7, W, H, 8);
	for (i = 0; i < 7; i++) {
		x = W * (0.08 + i * 0.13) + fr(-10, 10);
		s = H * 0.1;
		rect(m, x - s * 0.6, H * 0.55, x + s * 0.6, H * 0.72, cloth(),
			256);
		ellipse(m, x, H * 0.49, s * 0.3, s * 0.36,
			jit(0xc8956e, 12), 256);
		ellipse(m, x, H * 0.455, s * 0.31, s * 0.24, 0x1c1a18, 256);
	}
	quad(m, W * 0.02, H * 0.66, W * 0.98, H * 0.66, W, H * 0.8, 0, H * 0.8,
		has(var, "red") ? 0x9a1e22 : 0xf0efe8, 256);
	rect(m, 0, H * 0.8, W, H * 0.84, 0x6a5440, 256);
	for (i = 0; i < 7; i++) {
		x = W * (0.08 + i * 0.13);
		rect(m, x - 30, H * 0.7, x + 10, H * 0.74, 0xffffff, 256);
		rect(m, x + 16, H * 0.67, x + 30, H * 0.72, 0xe8e8e0, 256);
	}
}

/* The reading corner: bookshelves, a red wall, a table. */
static void
scene_room(struct img *m, const char *var)
{
	double W = m->w, H = m->h, x, w, t;
	int i, s;

	rect(m, 0, 0, W, H, 0xf2ece0, 256);
	rect(m, W * 0.35, H * 0.08, W * 0.65, H * 0.55, 0xb01c22, 256);
	star(m, W * 0.5, H * 0.22, H * 0.07, 0xf2d040, 256);
	glyphs(m, W * 0.4, H * 0.36, H * 0.045, 5, 0, 0xf2d040, 256);
	for (i = 0; i < 2; i++) {
		double xa = i ? W * 0.69 : W * 0.02, xb = xa + W * 0.29;

		rect(m, xa, H * 0.05, xb, H * 0.8, 0x8a5a36, 256);
		for (s = 0; s < 5; s++) {
			double ya = H * (0.07 + s * 0.145);

			rect(m, xa + 8, ya, xb - 8, ya + H * 0.125, 0x3a2a1e,
				256);
			for (x = xa + 10; x < xb - 14; x += w + 1) {
				w = fr(6, 14);
				t = fr(0.01, 0.03);
				rect(m, x, ya + H * t, x + w, ya + H * 0.125,
					jit(ir(0, 2) ? 0xb82a26 : ir(0, 1) ?
					0xe8dcc0 : 0x2c4a6a, 30), 256);
			}
		}
	}
	tex(m, 0, 0, W, H * 0.8, 4);
	rect(m, 0, H * 0.8, W, H, 0xb89870, 256);
	tex(m, 0, H * 0.8, W, H, 6);
	quad(m, W * 0.3, H * 0.66, W * 0.7, H * 0.66, W * 0.76, H * 0.76,
		W * 0.24, H * 0.76, 0xd8b888, 256);
	rect(m, W * 0.26, H * 0.76, W * 0.28, H * 0.9, 0x6a4a2a, 256);
	rect(m, W * 0.72, H * 0.76, W * 0.74, H * 0.9, 0x6a4a2a, 256);
	if (has(var, "kids")) {
		for (i = 0; i < 4; i++) {
			person(m, W * (0.32 + i * 0.12), H * 0.92, H * 0.3);
		}
	}
}

/* A page scan: paper, title, lines of writing, a red seal; "form"
 * draws the ruled cells of a personnel form. */
static void
scene_doc(struct img *m, const char *var)
{
	double e[4];
	double W = m->w, H = m->h, y, x, s = W * 0.022;
	int i, j, form = has(var, "form");
	unsigned ink = yr < 1980 ? 0x2a2a4a : 0x222222;

	rect(m, 0, 0, W, H, yr < 1990 ? 0xe6dcc0 : 0xf4f2ec, 256);
	tex(m, 0, 0, W, H, 6);
	for (i = 0; i < 12; i++) {
		frs(e, 4, (const double[]){ 0, W, 0, H, 20, 90, 20, 90 });
		ellipse(m, e[0], e[1], e[2], e[3], 0xb09a68, ir(8, 22));
	}
	rect(m, 0, H * 0.5, W, H * 0.5 + 2, 0xc8bfa6, 180);
	glyphs(m, W * 0.5 - 4 * s * 1.6 * 1.15 / 2, H * 0.07, s * 1.6,
		form ? 5 : 4, 0, ink, 256);
	if (form) {
		for (i = 0; i <= 10; i++) {
			rect(m, W * 0.08, H * (0.15 + i * 0.07), W * 0.92,
				H * (0.15 + i * 0.07) + 2, ink, 220);
		}
		for (i = 0; i < 10; i++) {
			y = H * (0.15 + i * 0.07);
			rect(m, W * 0.27, y, W * 0.27 + 2, y + H * 0.07, ink,
				220);
			glyphs(m, W * 0.1, y + H * 0.02, s, 3, 0, ink, 240);
			glyphs(m, W * 0.3, y + H * 0.02, s * 0.9, ir(3, 20), 0,
				0x1a2a6a, 220);
		}
		rect(m, W * 0.08, H * 0.15, W * 0.08 + 2, H * 0.85, ink, 220);
		rect(m, W * 0.92, H * 0.15, W * 0.92 + 2, H * 0.85, ink, 220);
		rect(m, W * 0.7, H * 0.15, W * 0.88, H * 0.36, 0xd8d4cc, 256);
		ellipse(m, W * 0.79, H * 0.22, W * 0.05, H * 0.045, 0x9a948a,
			256);
		rect(m, W * 0.72, H * 0.27, W * 0.86, H * 0.36, 0x9a948a, 256);
	} else {
		for (y = H * 0.16, j = 0; y < H * 0.84; y += s * 1.9, j++) {
			x = W * 0.1 + (j % 6 == 0 ? s * 2.3 : 0);
			i = (int)((W * 0.8 - (x - W * 0.1)) / (s * 1.15));
			glyphs(m, x, y, s, j % 6 == 5 ? ir(3, i) : i, 0, ink,
				230);
		}
	}
	ellipse(m, W * 0.74, H * 0.86, W * 0.09, W * 0.09, 0xc8282a, 200);
	ellipse(m, W * 0.74, H * 0.86, W * 0.08, W * 0.08, yr < 1990 ?
		0xe6dcc0 : 0xf4f2ec, 200);
	star(m, W * 0.74, H * 0.86, W * 0.035, 0xc8282a, 200);
	for (i = 0; i < 3; i++) {
		line(m, W * (0.5 + i * 0.04), H * 0.9, W * (0.52 + i * 0.04),
			H * 0.88, 3, ink, 220);
	}
}

/* A certificate (奖状): red and gold frame, big title, text. */
static void
scene_cert(struct img *m, const char *var)
{
	double W = m->w, H = m->h, y;
	int i;

	rect(m, 0, 0, W, H, 0x5a4a3a, 256);
	tex(m, 0, 0, W, H, 8);
	rect(m, W * 0.05, H * 0.06, W * 0.95, H * 0.94, 0xeee2c4, 256);
	for (i = 0; i < 3; i++) {
		double d = 0.02 + i * 0.015;

		rect(m, W * (0.05 + d), H * (0.06 + d), W * (0.95 - d),
			H * (0.94 - d), i == 1 ? 0xd4a830 : 0xc02024, 256);
		rect(m, W * (0.05 + d) + 5, H * (0.06 + d) + 5,
			W * (0.95 - d) - 5, H * (0.94 - d) - 5, 0xeee2c4, 256);
	}
	for (i = 0; i < 5; i++) {
		line(m, W * (0.35 + i * 0.07), H * 0.28, W * (0.38 + i * 0.07),
			H * 0.14, 3, 0x6a5030, 256);
		quad(m, W * (0.38 + i * 0.07), H * 0.14, W * (0.42 + i * 0.07),
			H * 0.15, W * (0.42 + i * 0.07), H * 0.19,
			W * (0.375 + i * 0.07), H * 0.2, 0xc8202a, 256);
	}
	glyphs(m, W * 0.38, H * 0.3, H * 0.12, 2, 0, 0xc02024, 256);
	for (y = H * 0.5, i = 0; i < 4; i++, y += H * 0.07) {
		glyphs(m, W * (i ? 0.18 : 0.22), y, H * 0.04, i == 3 ? 6 : 14,
			0, 0x222222, 240);
	}
	ellipse(m, W * 0.72, H * 0.8, H * 0.08, H * 0.08, 0xc8282a, 200);
	ellipse(m, W * 0.72, H * 0.8, H * 0.07, H * 0.07, 0xeee2c4, 200);
	star(m, W * 0.72, H * 0.8, H * 0.03, 0xc8282a, 210);
	tex(m, W * 0.05, H * 0.06, W * 0.95, H * 0.94, 6);
}

/* A pennant (锦旗) hanging on a wall. */
static void
scene_pennant(struct img *m, const char *var)
{
	double W = m->w, H = m->h, x;
	int i;

	vgrad(m, 0, 0, W, H, 0xe4e0d8, 0xc8c2b6);
	tex(m, 0, 0, W, H, 5);
	line(m, W * 0.5, H * 0.02, W * 0.3, H * 0.08, 2, 0xc89a30, 256);
	line(m, W * 0.5, H * 0.02, W * 0.7, H * 0.08, 2, 0xc89a30, 256);
	rect(m, W * 0.26, H * 0.075, W * 0.74, H * 0.095, 0x6a3a1a, 256);
	rect(m, W * 0.3, H * 0.09, W * 0.7, H * 0.82, 0xb0141c, 256);
	tex(m, W * 0.3, H * 0.09, W * 0.7, H * 0.82, 6);
	rect(m, W * 0.32, H * 0.11, W * 0.68, H * 0.115, 0xe0b840, 256);
	rect(m, W * 0.32, H * 0.79, W * 0.68, H * 0.795, 0xe0b840, 256);
	glyphs(m, W * 0.45, H * 0.2, W * 0.1, 4, 1, 0xf0c848, 256);
	glyphs(m, W * 0.6, H * 0.14, W * 0.04, 7, 1, 0xf0c848, 256);
	glyphs(m, W * 0.35, H * 0.5, W * 0.04, 7, 1, 0xf0c848, 256);
	for (x = W * 0.3; x < W * 0.7; x += W * 0.02) {
		quad(m, x, H * 0.82, x + W * 0.02, H * 0.82, x + W * 0.012,
			H * 0.88, x + W * 0.008, H * 0.88, 0xe0b840, 256);
	}
	for (i = 0; i < 2; i++) {
		line(m, W * (0.27 + i * 0.46), H * 0.095, W * (0.27 +
			i * 0.46), H * 0.2, 3, 0xe0b840, 256);
	}
}

/* A book cover: colour, border, a band and a motif (star, flag,
 * mountain, sun, pine, or lines); no text. */
static void
scene_cover(struct img *m, const char *var)
{
	double W = m->w, H = m->h;
	const char *c = strstr(var, "color=");
	unsigned bg = c != NULL ? (unsigned)strtoul(c + 6, NULL, 16) :
		0xb22222, fg = has(var, "light") ? 0x5a1a12 : 0xf2d36b;
	int i;

	rect(m, 0, 0, W, H, bg, 256);
	tex(m, 0, 0, W, H, 5);
	rect(m, W * 0.06, H * 0.05, W * 0.94, H * 0.95, fg, 256);
	rect(m, W * 0.06 + 4, H * 0.05 + 4, W * 0.94 - 4, H * 0.95 - 4, bg,
		256);
	rect(m, 0, H * 0.62, W, H * 0.72, mix(bg, fg, 0.75), 256);
	rect(m, W * 0.2, H * 0.12, W * 0.8, H * 0.13, fg, 256);
	rect(m, W * 0.2, H * 0.26, W * 0.8, H * 0.27, fg, 256);
	if (has(var, "star")) {
		star(m, W * 0.5, H * 0.44, W * 0.16, fg, 256);
	} else if (has(var, "flag")) {
		rect(m, W * 0.3, H * 0.3, W * 0.33, H * 0.6, fg, 256);
		for (i = 0; i < 40; i++) {
			double x = W * (0.33 + i * 0.01);
			double y = H * (0.31 + 0.02 * sin(i * 0.25));

			rect(m, x, y, x + W * 0.011, y + H * 0.16, fg, 256);
		}
		star(m, W * 0.42, H * 0.36, W * 0.04, bg, 256);
	} else if (has(var, "mountain")) {
		quad(m, W * 0.1, H * 0.58, W * 0.4, H * 0.32, W * 0.55,
			H * 0.45, W * 0.55, H * 0.58, fg, 256);
		quad(m, W * 0.4, H * 0.58, W * 0.66, H * 0.36, W * 0.9,
			H * 0.58, W * 0.9, H * 0.58, shade(fg, 0.85), 256);
	} else if (has(var, "sun")) {
		ellipse(m, W * 0.5, H * 0.46, W * 0.12, W * 0.12, fg, 256);
		for (i = 0; i < 12; i++) {
			double a = i * M_PI / 6;

			line(m, W * 0.5 + cos(a) * W * 0.15, H * 0.46 + sin(a) *
				W * 0.15, W * 0.5 + cos(a) * W * 0.24,
				H * 0.46 + sin(a) * W * 0.24, 6, fg, 256);
		}
	} else if (has(var, "pine")) {
		for (i = 0; i < 3; i++) {
			double v[6] = { W * 0.5, H * (0.3 + i * 0.07),
				W * (0.32 - i * 0.04), H * (0.42 + i * 0.07),
				W * (0.68 + i * 0.04), H * (0.42 + i * 0.07) };

			poly(m, v, 3, fg, 256);
		}
		rect(m, W * 0.47, H * 0.56, W * 0.53, H * 0.6, fg, 256);
	} else {
		for (i = 0; i < 4; i++) {
			rect(m, W * 0.15, H * (0.36 + i * 0.05), W * 0.85,
				H * (0.36 + i * 0.05) + 6, fg, 256);
		}
	}
	tex(m, 0, 0, W, H, 4);
}

static const struct {
	const char *name;
	scene_fn *fn;
} scenes[] = {
	{ "qilou", scene_qilou }, { "street", scene_street },
	{ "hall", scene_hall }, { "rally", scene_rally },
	{ "market", scene_market }, { "blocks", scene_blocks },
	{ "river", scene_river }, { "pipes", scene_pipes },
	{ "parking", scene_parking }, { "stair", scene_stair },
	{ "lift", scene_lift }, { "meeting", scene_meeting },
	{ "room", scene_room }, { "doc", scene_doc },
	{ "cert", scene_cert }, { "pennant", scene_pennant },
	{ "cover", scene_cover },
};

/* Draw scene name with words var on m; -1 when the scene is unknown. */
int
scene_draw(struct img *m, const char *name, const char *var)
{
	size_t i;

	for (i = 0; i < sizeof(scenes) / sizeof(scenes[0]); i++) {
		if (strcmp(scenes[i].name, name) == 0) {
			scenes[i].fn(m, var);
			return 0;
		}
	}
	return -1;
}
