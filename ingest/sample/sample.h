/*
 * sample.h - what the parts of the sample generator share: the picture
 * type, the seeded random source, the drawing kit (draw.c) and the
 * scenes (scenes.c).  Internal to ingest/sample/.
 */
#ifndef HD_SAMPLE_H
#define HD_SAMPLE_H

#include <stdint.h>

/* An RGB picture, 8 bits a channel, rows top to bottom. */
struct img {
	int w;
	int h;
	unsigned char *p;       /* w * h * 3 bytes, owned */
};

/* Colours are 0xRRGGBB; alpha a is 0 (none) to 256 (opaque). */
#define CR(c) ((int)((c) >> 16 & 255))
#define CG(c) ((int)((c) >> 8 & 255))
#define CB(c) ((int)((c) & 255))

/* realloc that aborts when memory runs out (gen_sample.c). */
void *xrealloc(void *p, size_t n);

/* The seeded generator (splitmix64): set rng, then draw. */
extern uint64_t rng;
uint64_t rnext(void);
double fr(double a, double b);          /* uniform in [a, b) */
int ir(int a, int b);                   /* uniform in [a, b] */
/* n numbers, e[i] uniform in [lohi[2i], lohi[2i+1]), drawn in order:
 * never put two random calls in one argument list. */
void frs(double *e, int n, const double *lohi);

unsigned rgb(int r, int g, int b);      /* clamped to 0-255 */
unsigned shade(unsigned c, double f);
unsigned mix(unsigned a, unsigned b, double t);
unsigned jit(unsigned c, int a);        /* c give or take a */

void span(struct img *m, int y, double xa, double xb, unsigned c, int a);
void rect(struct img *m, double xa, double ya, double xb, double yb,
	unsigned c, int a);
void ellipse(struct img *m, double cx, double cy, double rx, double ry,
	unsigned c, int a);
void poly(struct img *m, const double *v, int n, unsigned c, int a);
void quad(struct img *m, double ax, double ay, double bx, double by,
	double cx, double cy, double dx, double dy, unsigned c, int a);
void line(struct img *m, double xa, double ya, double xb, double yb,
	double w, unsigned c, int a);
void vgrad(struct img *m, double xa, double ya, double xb, double yb,
	unsigned ct, unsigned cb);
void tex(struct img *m, double xa, double ya, double xb, double yb,
	int amp);
void glyph(struct img *m, double x, double y, double s, unsigned c, int a);
void glyphs(struct img *m, double x, double y, double s, int n,
	int vertical, unsigned c, int a);
void star(struct img *m, double cx, double cy, double r, unsigned c, int a);

/* The finish: era "bw" (1950s-70s print: sepia, grain, dust,
 * scratches), "faded" (1980s-90s colour print) or "color" (digital). */
void blur(struct img *m);
void finish(struct img *m, const char *era);
/* Store the displayed picture as a camera held sideways does, for EXIF
 * Orientation 6 (replaces m->p; width and height swap). */
void rotate_for_6(struct img *m);

/* The year the scene shows: clothes, cars, air conditioners. */
extern int yr;
/* Draw scene name (words in var) on m; -1 when unknown. */
int scene_draw(struct img *m, const char *name, const char *var);

#endif
