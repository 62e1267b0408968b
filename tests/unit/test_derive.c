/*
 * test_derive.c - derivatives (archive/derive.c): hd_derive,
 * hd_object_public and hd_object_mime against a real data folder.
 *
 * The fixtures are made at start with libvips in a fresh temporary folder
 * (nothing binary is kept in the repository): a textured 3000x2000 JPEG,
 * a JPEG stored 1200x800 with EXIF Orientation 6, small, transparent and
 * 16-bit PNGs, a two-page TIFF whose pages differ, GIF and WebP, a JPEG
 * cut in half, one that is JPEG only in its first four bytes, and a text
 * file.  They are ingested with the hongdang binary as an archivist would
 * ($HONGDANG, else ../hongdang beside this program): most public and
 * approved, one internal, one waiting for review.  Then the library is
 * called directly on a read-only handle, as the exhibit server does.
 *
 * Checked: sizes (longest side 400 / 1600, never upscaled), orientation
 * applied, first TIFF page, transparency on white, sRGB JPEG without
 * metadata; a damaged master is HD_EINVAL naming the hash and leaves
 * nothing behind; a non-image, an unknown hash and hashes that are not
 * hashes ("../trap", upper case, short) are HD_ENOTFOUND without a path
 * being built (a trap file where "../trap" would lead is not returned);
 * the second call returns the cached file untouched; four threads on the
 * same fresh derivatives agree; no temporary file is left; RSS levels
 * off over 240 derivations (not under ASan).
 *
 * Prints "PASS name" or "FAIL name: why" per check and a last line
 * "N passed, N failed"; exits 1 on any failure.
 *   test_derive          the test
 *   test_derive bench    thumbnails per second, ours against vipsthumbnail
 *                        on the sample photos and on 4000x3000 copies
 */
#include "../../archive/hd.h"
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vips/vips.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static char tmpdir[64];
static char archdir[128];
static char hongdang[4096];
static char sampledir[4096];

static void die(const char *what)
{
	char *m = vips_error_buffer_copy();

	check("setup", 0, "%s %s", what, m != NULL ? m : "");
	g_free(m);
	exit(1);
}

static void cleanup(void)
{
	if (tmpdir[0] != '\0' && getenv("HD_KEEP") == NULL) {
		hd_fs_rmtree(tmpdir);
	}
}

/* ------------------------------------------------------------ fixtures */

/* Steal an image reference into *slot's place (unref the old one). */
static void swap(VipsImage **img, VipsImage *next)
{
	g_object_unref(*img);
	*img = next;
}

/* A flat image: bands of value v, uchar (or ushort when wide). */
static VipsImage *flat(int w, int h, int bands, double v, int wide)
{
	VipsImage *img, *t;

	if (vips_black(&img, w, h, "bands", bands, NULL) != 0) {
		die("vips_black");
	}
	if (vips_linear1(img, &t, 1.0, v, NULL) != 0) {
		die("vips_linear1");
	}
	swap(&img, t);
	if (vips_cast(img, &t, wide ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR,
	    NULL) != 0) {
		die("vips_cast");
	}
	swap(&img, t);
	if (vips_copy(img, &t, "interpretation", bands >= 3 ?
	    (wide ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB) :
	    (wide ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W),
	    NULL) != 0) {
		die("vips_copy");
	}
	swap(&img, t);
	return img;
}

/* A photo-like texture (Perlin noise), sRGB uchar. */
static VipsImage *texture(int w, int h)
{
	VipsImage *img, *t, *b[3];
	int i;

	for (i = 0; i < 3; i++) {
		if (vips_perlin(&b[i], w, h, "cell_size", 64 << i,
		    "seed", i + 1, NULL) != 0) {
			die("vips_perlin");
		}
	}
	if (vips_bandjoin(b, &img, 3, NULL) != 0) {
		die("vips_bandjoin");
	}
	for (i = 0; i < 3; i++) {
		g_object_unref(b[i]);
	}
	if (vips_linear1(img, &t, 110.0, 128.0, NULL) != 0) {
		die("vips_linear1");
	}
	swap(&img, t);
	if (vips_cast_uchar(img, &t, NULL) != 0) {
		die("vips_cast_uchar");
	}
	swap(&img, t);
	if (vips_copy(img, &t, "interpretation", VIPS_INTERPRETATION_sRGB,
	    NULL) != 0) {
		die("vips_copy");
	}
	swap(&img, t);
	return img;
}

static char *fixture(const char *name)
{
	return hd_xasprintf("%s/in/%s", tmpdir, name);
}

static void save_jpeg(VipsImage *img, const char *name, int orientation)
{
	char *p = fixture(name);
	VipsImage *t;

	if (vips_copy(img, &t, NULL) != 0) {
		die("vips_copy");
	}
	if (orientation != 0) {
		vips_image_set_int(t, "orientation", orientation);
	}
	if (vips_jpegsave(t, p, "Q", 90, NULL) != 0) {
		die(p);
	}
	g_object_unref(t);
	free(p);
}

static void save_png(VipsImage *img, const char *name)
{
	char *p = fixture(name);

	if (vips_pngsave(img, p, NULL) != 0) {
		die(p);
	}
	free(p);
}

/* Two pages of 600x400: white, then black. */
static void save_tiff_pages(const char *name)
{
	VipsImage *pg[2], *img, *t;
	char *p = fixture(name);

	pg[0] = flat(600, 400, 3, 255, 0);
	pg[1] = flat(600, 400, 3, 0, 0);
	if (vips_arrayjoin(pg, &img, 2, "across", 1, NULL) != 0) {
		die("vips_arrayjoin");
	}
	if (vips_copy(img, &t, NULL) != 0) {
		die("vips_copy");
	}
	swap(&img, t);
	vips_image_set_int(img, "page-height", 400);
	if (vips_tiffsave(img, p, NULL) != 0) {
		die(p);
	}
	g_object_unref(img);
	g_object_unref(pg[0]);
	g_object_unref(pg[1]);
	free(p);
}

static void write_bytes(const char *name, const void *b, size_t n)
{
	char *p = fixture(name);
	FILE *f = fopen(p, "wb");

	if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		die(p);
	}
	free(p);
}

/* The first half of fixture src, as name. */
static void save_half(const char *src, const char *name)
{
	char *p = fixture(src);
	unsigned char *b = NULL;
	size_t n = 0;

	if (hd_read_file(p, 64 << 20, &b, &n, NULL) != 0) {
		die(p);
	}
	write_bytes(name, b, n / 2);
	free(b);
	free(p);
}

static int have_gif, have_webp, have_sample6;

static void make_fixtures(void)
{
	static const char note[] = "番禺 前锋社区\n";
	VipsImage *img;
	unsigned char junk[6000];
	uint32_t s = 12345;
	char *p;
	size_t i;

	p = fixture("");
	if (mkdir(p, 0755) != 0) {
		die(p);
	}
	free(p);
	img = texture(3000, 2000);
	save_jpeg(img, "big.jpg", 0);
	g_object_unref(img);
	save_half("big.jpg", "half.jpg");
	img = texture(1200, 800);
	save_jpeg(img, "o6.jpg", 6);
	g_object_unref(img);
	img = texture(300, 200);
	save_png(img, "small.png");
	p = fixture("anim.gif");
	have_gif = vips_gifsave(img, p, NULL) == 0;
	free(p);
	vips_error_clear();
	g_object_unref(img);
	img = texture(2000, 1000);
	p = fixture("w.webp");
	have_webp = vips_webpsave(img, p, NULL) == 0;
	free(p);
	vips_error_clear();
	g_object_unref(img);
	img = flat(500, 500, 4, 0, 0);         /* wholly transparent */
	save_png(img, "alpha.png");
	g_object_unref(img);
	img = flat(640, 480, 1, 30000, 1);
	save_png(img, "g16.png");
	g_object_unref(img);
	save_tiff_pages("pages.tif");
	img = flat(640, 480, 3, 10, 0);
	save_jpeg(img, "int.jpg", 0);
	g_object_unref(img);
	img = flat(640, 480, 3, 20, 0);
	save_jpeg(img, "pend.jpg", 0);
	g_object_unref(img);
	memcpy(junk, "\xff\xd8\xff\xe0", 4);
	for (i = 4; i < sizeof junk; i++) {
		s = s * 1103515245u + 12345u;
		junk[i] = (unsigned char)(s >> 16);
	}
	write_bytes("garbage.jpg", junk, sizeof junk);
	write_bytes("note.txt", note, strlen(note));
	/* A real photo of the sample collection with Orientation 6. */
	p = hd_xasprintf("%s/照片/改造/楼道-改造前.jpg", sampledir);
	if (access(p, R_OK) == 0) {
		char *cmd = hd_xasprintf("cp '%s' '%s/in/sample6.jpg'", p,
			tmpdir);

		have_sample6 = system(cmd) == 0;
		free(cmd);
	}
	free(p);
}

static void sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0) {
		check("setup", 0, "'%s' exited %d", cmd, rc);
		cleanup();
		exit(1);
	}
}

static void ingest(void)
{
	char *cmd;

	cmd = hd_xasprintf("'%s' -d '%s' init --fonds QF01 --name 测试 "
		">/dev/null", hongdang, archdir);
	sh(cmd);
	free(cmd);
	cmd = hd_xasprintf("cd '%s/in' && '%s' -d '%s' ingest --access "
		"public --approve big.jpg half.jpg o6.jpg small.png alpha.png "
		"g16.png pages.tif garbage.jpg note.txt%s%s%s >/dev/null",
		tmpdir, hongdang, archdir, have_gif ? " anim.gif" : "",
		have_webp ? " w.webp" : "",
		have_sample6 ? " sample6.jpg" : "");
	sh(cmd);
	free(cmd);
	cmd = hd_xasprintf("cd '%s/in' && '%s' -d '%s' ingest --access "
		"internal --approve int.jpg >/dev/null", tmpdir, hongdang,
		archdir);
	sh(cmd);
	free(cmd);
	cmd = hd_xasprintf("cd '%s/in' && '%s' -d '%s' ingest --access "
		"public pend.jpg >/dev/null", tmpdir, hongdang, archdir);
	sh(cmd);
	free(cmd);
}

/* The hash of a fixture (as the store names it). */
static void sha_of(const char *name, char out[65])
{
	char *p = fixture(name);
	struct hd_error e;

	hd_err_clear(&e);
	if (hd_sha256_file(p, out, NULL, &e) != 0) {
		check("setup", 0, "%s", e.msg);
		exit(1);
	}
	free(p);
}

/* ------------------------------------------------------------ helpers */

/* Entries in dir whose name starts with prefix (-1 when dir is absent). */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' &&
		    strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static int tree_n;

static int tree_entry(const char *path, const struct stat *sb, int flag,
	struct FTW *ftw)
{
	(void)path;
	(void)sb;
	(void)flag;
	(void)ftw;
	tree_n++;
	return 0;
}

/* Files and folders under dir, dir included (-1 when absent). */
static int count_tree(const char *dir)
{
	tree_n = 0;
	if (nftw(dir, tree_entry, 16, FTW_PHYS) != 0) {
		return -1;
	}
	return tree_n;
}

struct look {
	int ok;
	int w, h, bands;
	double mean;
	int exif;               /* has an EXIF block */
	int srgb;
	char loader[64];
};

static struct look look_at(const char *path)
{
	struct look l;
	VipsImage *img;
	const char *ld;

	memset(&l, 0, sizeof l);
	ld = vips_foreign_find_load(path);
	snprintf(l.loader, sizeof l.loader, "%s", ld != NULL ? ld : "");
	img = vips_image_new_from_file(path, NULL);
	if (img == NULL) {
		vips_error_clear();
		return l;
	}
	l.w = vips_image_get_width(img);
	l.h = vips_image_get_height(img);
	l.bands = vips_image_get_bands(img);
	l.exif = vips_image_get_typeof(img, VIPS_META_EXIF_NAME) != 0;
	l.srgb = vips_image_get_interpretation(img) ==
		VIPS_INTERPRETATION_sRGB;
	l.ok = vips_avg(img, &l.mean, NULL) == 0;
	vips_error_clear();
	g_object_unref(img);
	return l;
}

/* ----------------------------------------------------------- the test */

static struct hd_archive *arch;

/* Hashes that are not hashes: refused before a path is built. */
static void test_bogus(void)
{
	static const struct {
		const char *sha;
		const char *why;
	} rows[] = {
		{ "../trap", "a relative path must not reach the file system" },
		{ "../../../../../../etc/passwd", "nor one to /etc" },
		{ "", "empty" },
		{ "abc", "too short" },
		{ "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852"
		  "B855", "upper case is not the store's spelling" },
		{ "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852"
		  "b8555", "65 digits" },
		{ "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852"
		  "b855", "not hex" },
		{ "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852"
		  "b85/", "a slash at the end" },
	};
	char *derived, *path, name[64];
	struct hd_error e;
	size_t i;
	int rc, k, before;

	/* Where "../trap" would lead once derived/ exists (it does: this
	 * runs after the rows): DIR/derived/../../trap-thumb.jpg. */
	write_bytes("../trap-thumb.jpg", "x", 1);
	derived = hd_xasprintf("%s/derived", archdir);
	before = count_tree(derived);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (k = 0; k < 2; k++) {
			hd_err_clear(&e);
			path = (char *)"untouched";
			rc = hd_derive(arch, rows[i].sha, (enum hd_deriv)k,
				&path, &e);
			snprintf(name, sizeof name, "bogus-%zu-%s", i,
				k ? "screen" : "thumb");
			check(name, rc == HD_ENOTFOUND && path == NULL,
				"%s: '%s' gave %d, path %s", rows[i].why,
				rows[i].sha, rc, path != NULL ? path : "NULL");
			if (rc == 0) {
				free(path);
			}
		}
		snprintf(name, sizeof name, "bogus-%zu-public", i);
		check(name, hd_object_public(arch, rows[i].sha) == 0,
			"%s: '%s' public", rows[i].why, rows[i].sha);
		snprintf(name, sizeof name, "bogus-%zu-mime", i);
		path = hd_object_mime(arch, rows[i].sha);
		check(name, path == NULL, "%s: '%s' has a type", rows[i].why,
			rows[i].sha);
		free(path);
	}
	rc = hd_derive(arch, NULL, HD_DERIV_THUMB, &path, &e);
	check("bogus-null", rc == HD_ENOTFOUND && path == NULL,
		"a NULL hash gave %d", rc);
	check("bogus-null-public", hd_object_public(arch, NULL) == 0,
		"a NULL hash is public");
	rc = hd_derive(arch, rows[4].sha, (enum hd_deriv)7, &path, &e);
	check("bogus-kind", rc == HD_EUSAGE && path == NULL,
		"kind 7 gave %d", rc);
	check("bogus-untouched", before > 0 && count_tree(derived) == before,
		"refused calls changed derived/ (%d entries, then %d)",
		before, count_tree(derived));
	free(derived);
}

struct row {
	const char *file;
	enum hd_deriv kind;
	int rc;                 /* expected return */
	int w, h;               /* expected size (0: not checked) */
	double mean_min;        /* expected mean at least (0: any) */
	double mean_max;        /* at most (0: any) */
	const char *why;
};

static const struct row rows[] = {
	{ "big.jpg", HD_DERIV_THUMB, 0, 400, 267, 0, 0,
	  "a 3000x2000 photo fits 400 px on its longest side" },
	{ "big.jpg", HD_DERIV_SCREEN, 0, 1600, 1067, 0, 0,
	  "and 1600 px for the screen" },
	{ "o6.jpg", HD_DERIV_THUMB, 0, 267, 400, 0, 0,
	  "stored 1200x800 with Orientation 6: comes out upright, portrait" },
	{ "o6.jpg", HD_DERIV_SCREEN, 0, 800, 1200, 0, 0,
	  "rotated, and not upscaled to 1600" },
	{ "sample6.jpg", HD_DERIV_THUMB, 0, 300, 400, 0, 0,
	  "the sample collection's Orientation 6 photo (1024x768) upright" },
	{ "small.png", HD_DERIV_THUMB, 0, 300, 200, 0, 0,
	  "a 300x200 PNG is never upscaled" },
	{ "small.png", HD_DERIV_SCREEN, 0, 300, 200, 0, 0,
	  "nor for the screen" },
	{ "alpha.png", HD_DERIV_THUMB, 0, 400, 400, 250, 256,
	  "a transparent PNG is flattened on white, not black" },
	{ "g16.png", HD_DERIV_THUMB, 0, 400, 300, 100, 130,
	  "a 16-bit grey PNG becomes 8-bit sRGB of the same grey" },
	{ "pages.tif", HD_DERIV_THUMB, 0, 400, 267, 250, 256,
	  "a two-page TIFF gives its first (white) page, not both" },
	{ "anim.gif", HD_DERIV_THUMB, 0, 300, 200, 0, 0, "a GIF" },
	{ "w.webp", HD_DERIV_THUMB, 0, 400, 200, 0, 0, "a WebP" },
	{ "half.jpg", HD_DERIV_THUMB, HD_EINVAL, 0, 0, 0, 0,
	  "a JPEG cut in half is an error, not a half-grey copy" },
	{ "half.jpg", HD_DERIV_SCREEN, HD_EINVAL, 0, 0, 0, 0,
	  "also when decoded at full size" },
	{ "garbage.jpg", HD_DERIV_THUMB, HD_EINVAL, 0, 0, 0, 0,
	  "a JPEG only in its first four bytes is an error, not a crash" },
	{ "note.txt", HD_DERIV_THUMB, HD_ENOTFOUND, 0, 0, 0, 0,
	  "a text object has no derivative" },
	{ "int.jpg", HD_DERIV_THUMB, 0, 400, 300, 0, 0,
	  "derive does not filter by access: hd_object_public does" },
};

static int row_skipped(const struct row *r)
{
	return (strcmp(r->file, "anim.gif") == 0 && !have_gif) ||
	    (strcmp(r->file, "w.webp") == 0 && !have_webp) ||
	    (strcmp(r->file, "sample6.jpg") == 0 && !have_sample6);
}

static void test_rows(void)
{
	const char *kname[] = { "thumb", "screen" };
	char sha[65], name[96], *path, *want;
	struct hd_error e;
	struct look l;
	size_t i;
	int rc;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];

		snprintf(name, sizeof name, "%s-%s", r->file, kname[r->kind]);
		if (row_skipped(r)) {
			printf("SKIP %s: fixture not available\n", name);
			continue;
		}
		sha_of(r->file, sha);
		hd_err_clear(&e);
		rc = hd_derive(arch, sha, r->kind, &path, &e);
		if (rc != r->rc) {
			check(name, 0, "%s: returned %d (%s), want %d", r->why,
				rc, e.msg, r->rc);
			free(path);
			continue;
		}
		if (rc != 0) {
			want = hd_xasprintf("%s/derived/%.2s/%s-%s.jpg",
				archdir, sha, sha, kname[r->kind]);
			check(name, path == NULL &&
				strstr(e.msg, sha) != NULL &&
				access(want, F_OK) != 0,
				"%s: path %s, message '%s' (must name the "
				"hash), derivative %s", r->why,
				path != NULL ? path : "NULL", e.msg,
				access(want, F_OK) == 0 ? "left" : "absent");
			free(want);
			continue;
		}
		want = hd_xasprintf("%s/derived/%.2s/%s-%s.jpg", archdir, sha,
			sha, kname[r->kind]);
		l = look_at(path);
		check(name, strcmp(path, want) == 0 && l.ok &&
			strncmp(l.loader, "VipsForeignLoadJpeg", 19) == 0 &&
			l.w == r->w && l.h == r->h && l.bands == 3 &&
			l.srgb && !l.exif &&
			(r->mean_min == 0 || l.mean >= r->mean_min) &&
			(r->mean_max == 0 || l.mean <= r->mean_max),
			"%s: %s: %s %dx%d %d bands%s%s mean %.1f, want "
			"%dx%d 3 bands sRGB JPEG without EXIF at %s",
			r->why, path, l.loader, l.w, l.h, l.bands,
			l.srgb ? " sRGB" : "", l.exif ? " EXIF" : "", l.mean,
			r->w, r->h, want);
		free(want);
		free(path);
	}
}

/* The stored pixels of o6.jpg are landscape: the rotation is ours. */
static void test_o6_master(void)
{
	char *p = fixture("o6.jpg");
	VipsImage *img = vips_image_new_from_file(p, NULL);
	int o = 0;

	if (img != NULL) {
		vips_image_get_int(img, VIPS_META_ORIENTATION, &o);
	}
	check("o6-master", img != NULL && o == 6 &&
		vips_image_get_width(img) == 1200 &&
		vips_image_get_height(img) == 800,
		"the fixture must be stored 1200x800 with Orientation 6, "
		"is %dx%d orientation %d",
		img != NULL ? vips_image_get_width(img) : 0,
		img != NULL ? vips_image_get_height(img) : 0, o);
	if (img != NULL) {
		g_object_unref(img);
	}
	free(p);
}

static void test_public(void)
{
	static const struct {
		const char *file;
		int want;
		const char *mime;
		const char *why;
	} prow[] = {
		{ "big.jpg", 1, "image/jpeg", "approved public record" },
		{ "note.txt", 1, "text/plain", "a public text object" },
		{ "int.jpg", 0, "image/jpeg", "internal record" },
		{ "pend.jpg", 0, "image/jpeg", "public but pending review" },
	};
	char sha[65], name[64], *m;
	size_t i;

	for (i = 0; i < sizeof prow / sizeof prow[0]; i++) {
		sha_of(prow[i].file, sha);
		snprintf(name, sizeof name, "public-%s", prow[i].file);
		check(name, hd_object_public(arch, sha) == prow[i].want,
			"%s: want %d", prow[i].why, prow[i].want);
		m = hd_object_mime(arch, sha);
		snprintf(name, sizeof name, "mime-%s", prow[i].file);
		check(name, m != NULL && strcmp(m, prow[i].mime) == 0,
			"%s: type %s, want %s", prow[i].why,
			m != NULL ? m : "NULL", prow[i].mime);
		free(m);
	}
	/* A well-formed hash of nothing catalogued. */
	hd_sha256_hex("not in the archive", 18, sha);
	check("public-unknown", hd_object_public(arch, sha) == 0,
		"an unknown hash is public");
	m = hd_object_mime(arch, sha);
	check("mime-unknown", m == NULL, "an unknown hash has a type");
	free(m);
	{
		struct hd_error e;
		char *path;
		int rc = hd_derive(arch, sha, HD_DERIV_THUMB, &path, &e);

		check("derive-unknown", rc == HD_ENOTFOUND && path == NULL,
			"an unknown hash gave %d", rc);
	}
}

/* A second call is the cached file, untouched; removing it remakes it. */
static void test_cache(void)
{
	struct hd_error e;
	struct stat a, b;
	char sha[65], *p1 = NULL, *p2 = NULL;
	int rc1, rc2;

	sha_of("big.jpg", sha);
	rc1 = hd_derive(arch, sha, HD_DERIV_THUMB, &p1, &e);
	if (rc1 == 0) {
		stat(p1, &a);
	}
	usleep(20000);
	rc2 = hd_derive(arch, sha, HD_DERIV_THUMB, &p2, &e);
	check("cache-hit", rc1 == 0 && rc2 == 0 && strcmp(p1, p2) == 0 &&
		stat(p2, &b) == 0 && a.st_ino == b.st_ino &&
		a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
		a.st_mtim.tv_nsec == b.st_mtim.tv_nsec,
		"the second call must return the same file unchanged");
	free(p2);
	p2 = NULL;
	if (rc1 == 0) {
		unlink(p1);
	}
	rc2 = hd_derive(arch, sha, HD_DERIV_THUMB, &p2, &e);
	check("cache-remake", rc2 == 0 && access(p2, R_OK) == 0 &&
		look_at(p2).w == 400, "a removed derivative is made again: "
		"%d %s", rc2, e.msg);
	free(p1);
	free(p2);
}

/* ------------------------------------------------------------ threads */

struct worker {
	pthread_t t;
	int fails;
	char msg[1200];
};

static const char *const tfiles[] = {
	"big.jpg", "o6.jpg", "pages.tif", "small.png", "alpha.png",
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct hd_archive *a = NULL;
	struct hd_error e;
	char sha[65], *path;
	size_t i;
	int round;

	hd_err_clear(&e);
	if (hd_archive_open(archdir, 1, &a, &e) != 0) {
		w->fails++;
		snprintf(w->msg, sizeof w->msg, "%s", e.msg);
		return NULL;
	}
	for (round = 0; round < 3; round++) {
		for (i = 0; i < sizeof tfiles / sizeof tfiles[0]; i++) {
			sha_of(tfiles[i], sha);
			if (hd_derive(a, sha, HD_DERIV_SCREEN, &path,
			    &e) != 0 || look_at(path).ok == 0) {
				w->fails++;
				snprintf(w->msg, sizeof w->msg, "%s: %s",
					tfiles[i], e.msg);
			}
			free(path);
		}
	}
	hd_archive_close(a);
	return NULL;
}

static void test_threads(void)
{
	struct worker w[4];
	char sha[65], *p;
	size_t i;
	int fails = 0;
	const char *msg = "";

	/* Fresh screen copies, so the threads race to make them. */
	for (i = 0; i < sizeof tfiles / sizeof tfiles[0]; i++) {
		sha_of(tfiles[i], sha);
		p = hd_xasprintf("%s/derived/%.2s/%s-screen.jpg", archdir,
			sha, sha);
		unlink(p);
		free(p);
	}
	memset(w, 0, sizeof w);
	for (i = 0; i < 4; i++) {
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(w[i].t, NULL);
		fails += w[i].fails;
		if (w[i].fails) {
			msg = w[i].msg;
		}
	}
	check("threads", fails == 0, "%d failed calls, last: %s", fails, msg);
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL) {
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
		}
	}
	fclose(f);
	return kb;
}

/* Make n derivatives afresh; returns the failures. */
static int churn(int n)
{
	const char *files[] = { "big.jpg", "o6.jpg", "pages.tif",
		"g16.png" };	/* big.jpg first: i % 4 == 0 */
	struct hd_error e;
	char sha[4][65], *path;
	int i, fails = 0;

	for (i = 0; i < 4; i++) {
		sha_of(files[i], sha[i]);
	}
	for (i = 0; i < n; i++) {
		/* big.jpg's screen copy needs a full decode: thumbs only. */
		enum hd_deriv k = (i / 4) % 2 && i % 4 != 0 ?
			HD_DERIV_SCREEN : HD_DERIV_THUMB;

		if (hd_derive(arch, sha[i % 4], k, &path, &e) != 0) {
			fails++;
			continue;
		}
		unlink(path);
		free(path);
	}
	return fails;
}

/* Memory must level off: the operation cache is off and nothing is
 * kept per call.  Measured after malloc_trim, so that free memory kept
 * in glibc's per-thread arenas (the thread test made some) is not taken
 * for a leak (it varies by +-5 MB here, with no trend); a leak of one
 * screen copy per call would add 40 MB; small leaks are LSan's job under
 * make check-asan. */
static void test_rss(void)
{
	long r[5];
	int i, fails;

	if (UNDER_ASAN) {
		printf("SKIP rss: ASan's allocator makes RSS meaningless\n");
		return;
	}
	fails = churn(40);
	for (i = 0; i < 5; i++) {
		fails += churn(40);
		malloc_trim(0);
		r[i] = rss_kb();
	}
	printf("# RSS after 80, 120, 160, 200, 240 derivations: %ld, %ld, "
		"%ld, %ld, %ld kB\n", r[0], r[1], r[2], r[3], r[4]);
	for (i = 1; i < 5; i++) {
		if (r[i] - r[0] >= 8192) {
			break;
		}
	}
	check("rss-flat", fails == 0 && i == 5, "%d failures; RSS %ld kB "
		"after 80 derivations grew to %ld kB", fails, r[0],
		r[i < 5 ? i : 4]);
}

static void test_leftovers(void)
{
	char *tmp = hd_xasprintf("%s/tmp", archdir);
	int n = count_entries(tmp, "drv-");

	check("no-temporaries", n == 0, "%d drv-* files left in tmp/", n);
	free(tmp);
}

/* ------------------------------------------------------------ bench */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process or of its children. */
static double cpu_s(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int collect_jpeg(const char *path, const struct stat *sb, int flag,
	struct FTW *ftw);
static char **bench_files;
static size_t nbench_files;

static int collect_jpeg(const char *path, const struct stat *sb, int flag,
	struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)sb;
	(void)ftw;
	if (flag == FTW_F && n > 4 && strcmp(path + n - 4, ".jpg") == 0) {
		hd_strv_add(&bench_files, &nbench_files, path);
	}
	return 0;
}

/* Seconds vipsthumbnail takes over files at size px (one process, as
 * vipsthumbnail is used on a batch), or -1; *cpu: its CPU seconds. */
static double vipsthumbnail(const char *files, int size, double *cpu)
{
	char *dir = hd_xasprintf("%s/vt", tmpdir), *cmd;
	double t0, c0;
	int rc;

	mkdir(dir, 0755);
	cmd = hd_xasprintf("vipsthumbnail --size '%dx%d>' "
		"-o '%s/%%s.jpg[Q=82,strip]'%s", size, size, dir, files);
	c0 = cpu_s(RUSAGE_CHILDREN);
	t0 = now_s();
	rc = system(cmd);
	t0 = now_s() - t0;
	*cpu = cpu_s(RUSAGE_CHILDREN) - c0;
	free(cmd);
	cmd = hd_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		rc = -1;
	}
	free(cmd);
	free(dir);
	return rc == 0 ? t0 : -1;
}

/* Time our hd_derive (fresh cache each time) and vipsthumbnail over the
 * same files, interleaved, best of reps: images per second of wall
 * time, and milliseconds of CPU per image (steadier on a busy box). */
static void bench_set(const char *set, char **names, size_t n, int reps)
{
	struct hd_error e;
	char sha[65], *path;
	double t0, c0, cpu, ours[2] = { 1e9, 1e9 }, theirs[2] = { 1e9, 1e9 };
	double ocpu[2] = { 1e9, 1e9 }, tcpu[2] = { 1e9, 1e9 };
	size_t i;
	int r, kind;
	struct hd_buf files;

	hd_buf_init(&files);
	for (i = 0; i < n; i++) {
		hd_buf_printf(&files, " '%s'", names[i]);
	}
	for (r = 0; r < reps; r++) {
		for (kind = 0; kind < 2; kind++) {
			c0 = cpu_s(RUSAGE_SELF);
			t0 = now_s();
			for (i = 0; i < n; i++) {
				hd_sha256_file(names[i], sha, NULL, &e);
				if (hd_derive(arch, sha, (enum hd_deriv)kind,
				    &path, &e) != 0) {
					printf("derive %s: %s\n", names[i],
						e.msg);
					continue;
				}
				unlink(path);
				free(path);
			}
			t0 = now_s() - t0;
			cpu = cpu_s(RUSAGE_SELF) - c0;
			ours[kind] = t0 < ours[kind] ? t0 : ours[kind];
			ocpu[kind] = cpu < ocpu[kind] ? cpu : ocpu[kind];
			t0 = vipsthumbnail(files.p, kind ? 1600 : 400, &cpu);
			if (t0 < 0) {
				printf("vipsthumbnail failed (apt-get install "
					"libvips-tools)\n");
				continue;
			}
			theirs[kind] = t0 < theirs[kind] ? t0 : theirs[kind];
			tcpu[kind] = cpu < tcpu[kind] ? cpu : tcpu[kind];
		}
	}
	printf("%s, %zu files, best of %d:\n", set, n, reps);
	for (kind = 0; kind < 2; kind++) {
		printf("  %4d px: hd_derive %6.1f/s %6.1f ms CPU;  "
			"vipsthumbnail %6.1f/s %6.1f ms CPU\n",
			kind ? 1600 : 400, n / ours[kind],
			1e3 * ocpu[kind] / n, n / theirs[kind],
			1e3 * tcpu[kind] / n);
	}
	hd_buf_release(&files);
}

static int bench(void)
{
	char *cmd, **big = NULL;
	size_t i, nbig = 0;

	nftw(sampledir, collect_jpeg, 16, FTW_PHYS);
	if (nbench_files == 0) {
		printf("no sample collection at %s (make sample)\n",
			sampledir);
		return 1;
	}
	cmd = hd_xasprintf("'%s' -d '%s' init --fonds QF01 --name 测试 "
		">/dev/null && '%s' -d '%s' ingest --access public --approve "
		"'%s' >/dev/null", hongdang, archdir, hongdang, archdir,
		sampledir);
	sh(cmd);
	free(cmd);
	/* Camera-sized copies: 4000x3000, Q 90. */
	cmd = fixture("");
	mkdir(cmd, 0755);
	free(cmd);
	for (i = 0; i < nbench_files && i < 20; i++) {
		VipsImage *in = vips_image_new_from_file(bench_files[i], NULL);
		VipsImage *out = NULL;
		char *p = hd_xasprintf("%s/in/big%02zu.jpg", tmpdir, i);

		if (in == NULL || vips_resize(in, &out, 4000.0 /
		    vips_image_get_width(in), NULL) != 0 ||
		    vips_jpegsave(out, p, "Q", 90, NULL) != 0) {
			die(p);
		}
		g_object_unref(in);
		g_object_unref(out);
		hd_strv_add(&big, &nbig, p);
		free(p);
	}
	cmd = hd_xasprintf("'%s' -d '%s' ingest --access public --approve "
		"'%s/in' >/dev/null", hongdang, archdir, tmpdir);
	sh(cmd);
	free(cmd);
	{
		struct hd_error e;

		if (hd_archive_open(archdir, 1, &arch, &e) != 0) {
			printf("%s\n", e.msg);
			return 1;
		}
	}
	bench_set("sample photos (1024x768)", bench_files, nbench_files, 3);
	bench_set("camera size (4000x3000)", big, nbig, 3);
	printf("# RSS at the end: %ld kB\n", rss_kb());
	hd_archive_close(arch);
	hd_strv_free(bench_files, nbench_files);
	hd_strv_free(big, nbig);
	return 0;
}

/* ------------------------------------------------------------ main */

static void locate(const char *argv0)
{
	char *copy = hd_xstrdup(argv0), *dir = dirname(copy);
	const char *env = getenv("HONGDANG");
	const char *build = getenv("HD_BUILD");

	if (env != NULL && *env) {
		snprintf(hongdang, sizeof hongdang, "%s", env);
	} else {
		snprintf(hongdang, sizeof hongdang, "%s/../hongdang", dir);
	}
	if (build != NULL && *build) {
		snprintf(sampledir, sizeof sampledir, "%s/sample", build);
	} else {
		snprintf(sampledir, sizeof sampledir, "%s/../sample", dir);
	}
	free(copy);
}

int main(int argc, char **argv)
{
	struct hd_error e;
	int is_bench = argc > 1 && strcmp(argv[1], "bench") == 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (VIPS_INIT(argv[0]) != 0) {
		die("VIPS_INIT");
	}
	locate(argv[0]);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/hd-derive-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		check("setup", 0, "mkdtemp: %s", strerror(errno));
		return 1;
	}
	snprintf(archdir, sizeof archdir, "%s/arch", tmpdir);
	if (is_bench) {
		int rc = bench();

		cleanup();
		vips_shutdown();
		return rc;
	}
	make_fixtures();
	ingest();
	hd_err_clear(&e);
	if (hd_archive_open(archdir, 1, &arch, &e) != 0) {
		check("setup", 0, "%s", e.msg);
		cleanup();
		return 1;
	}
	test_o6_master();
	test_public();
	test_threads();
	test_rows();
	test_bogus();
	test_cache();
	test_rss();
	test_leftovers();
	hd_archive_close(arch);
	cleanup();
	vips_shutdown();
	return check_done();
}
