/*
 * demo_template.c - what the demonstrations' sandboxes are made of: the
 * material a visitor hands in (a photograph with EXIF, a letter, a
 * scanned page) and the template archive every sandbox is a copy of.
 *
 * Material comes from public sources only.  Photographs are copies of
 * the files of the real archive's approved public photographs (the one
 * to donate must carry EXIF); an archive without any gets photographs
 * drawn here with libvips, EXIF and all.  The letter is written here and
 * the scanned page is typeset here (libvips text, Noto CJK, 300 dpi), so
 * OCR has real characters to read.  The people in them are fictional
 * and named with 某, as in the sample collection.  Two pages are
 * typeset: a certificate to donate and a notice to digitise, so that
 * the one handed in is never the one read (a second copy of a file is
 * a duplicate to the pipeline).
 *
 * The template is a data folder of the real archive's fonds made with
 * the real pipeline: the public photographs (approved), a personal
 * party-member file (restricted, for consultation), a record waiting
 * for review, shelf locations with each record in a box, four weeks of
 * temperature and humidity readings (some outside the safe band) and an
 * account that consultations are approved for.  The real archive is
 * opened read-only and nothing is written to it.
 */
#include "demo.h"
#include "../ingest/ingest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <vips/vips.h>

/* Public photographs copied from the real archive into the template. */
#define BASE_PHOTOS 3
static const char letter_text[] =
	"前锋社区居委会：\n\n"
	"我是前锋街的老住户陈某华。家里整理旧物时，找到父亲在一九五六年"
	"参加社区夜校时用过的课本和一张结业证书。父亲生前常说，是夜校让他"
	"学会了读书看报。现将这些材料的情况写下来，一并捐给社区档案室，"
	"希望后人能记得那段日子。\n\n"
	"此致\n敬礼\n\n陈某华\n二〇二四年五月四日\n";

/* The text typeset on the scanned page a visitor donates. */
static const char scan_text[] =
	"前锋社区夜校结业证书\n"
	"学员陈某生于一九五六年三月至十二月在本社区夜校识字班学习，"
	"成绩合格，准予结业。\n"
	"前锋社区夜校　一九五六年十二月";

/* The text typeset on the page the digitisation reads. */
static const char page_text[] =
	"前锋社区夜校招生通知\n"
	"为提高居民文化水平，社区决定开设夜校，设识字班和算术班，"
	"每周一、三、五晚上七时至九时在社区礼堂上课。"
	"凡本社区居民均可报名，学费全免。报名地点：社区居委会。";

static const char restricted_text[] =
	"党员档案（演示用，人物为虚构）\n\n"
	"姓名：陈某明\n入党时间：一九七八年七月\n"
	"入党介绍人：李某芳、王某华\n"
	"工作经历：一九七五年起在前锋街道五金厂工作，一九九二年任车间主任。\n"
	"奖惩情况：一九八八年获评街道优秀共产党员。\n";

static const char pending_text[] =
	"社区志愿服务队活动记录\n\n"
	"时间：二〇二四年三月五日上午\n"
	"地点：前锋新村各楼道\n"
	"内容：志愿服务队十二人清理楼道杂物，看望独居老人五户，"
	"为三户更换了楼道灯泡。\n记录人：张某明\n";

/* ------------------------------------------------------- material */

/* Write s to path (a new file).  0 or the failure. */
static int put_text(const char *path, const char *s, struct hd_error *e)
{
	return hd_fs_write(path, s, strlen(s), e);
}

/* A file name from a title: '/' and control characters become '_'.  A
 * new string. */
static char *safe_name(const char *title, const char *ext)
{
	char *s = hd_xasprintf("%.80s%s", title, ext), *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '/' || (unsigned char)*p < 0x20) {
			*p = '_';
		}
	}
	return s;
}

/* A scanned page: text typeset in Noto Serif CJK at 300 dpi, black on
 * white with margins, saved as a JPEG whose EXIF says 300 dpi (libvips
 * writes the resolution into it).  0 or HD_EIO. */
static int make_scan(const char *path, const char *text, struct hd_error *e)
{
	VipsImage *t = NULL, *inv = NULL, *page = NULL, *out = NULL;
	int rc = 0;

	if (vips_text(&t, text, "font", "Noto Serif CJK SC 12",
	    "width", 2100, "dpi", 300, "spacing", 24, NULL) != 0 ||
	    vips_invert(t, &inv, NULL) != 0 ||
	    vips_embed(inv, &page, 150, 150, inv->Xsize + 300,
	    inv->Ysize + 300, "extend", VIPS_EXTEND_WHITE, NULL) != 0 ||
	    vips_copy(page, &out, "xres", 300 / 25.4, "yres", 300 / 25.4,
	    NULL) != 0 ||
	    vips_jpegsave(out, path, "Q", 85, NULL) != 0) {
		rc = hd_err(e, HD_EIO, "%s: the sample page was not made: %s",
			path, vips_error_buffer());
		vips_error_clear();
	}
	g_clear_object(&t);
	g_clear_object(&inv);
	g_clear_object(&page);
	g_clear_object(&out);
	return rc;
}

/* A photograph drawn here, for an archive without public photographs:
 * an evening sky over a caption, with EXIF (camera, date taken,
 * 300 dpi).  0 or HD_EIO. */
static int make_photo(const char *path, const char *caption, int seed,
	struct hd_error *e)
{
	VipsImage *xy = NULL, *y = NULL, *r = NULL, *g = NULL, *b = NULL;
	VipsImage *rgb = NULL, *u = NULL, *t = NULL, *txt = NULL;
	VipsImage *img = NULL;
	double hue = (seed % 5) * 12.0;
	int rc = 0;

	if (vips_xyz(&xy, 1024, 768, NULL) != 0 ||
	    vips_extract_band(xy, &y, 1, NULL) != 0 ||
	    vips_linear1(y, &r, -0.12, 220.0 - hue, NULL) != 0 ||
	    vips_linear1(y, &g, -0.15, 160.0, NULL) != 0 ||
	    vips_linear1(y, &b, 0.10, 90.0 + hue, NULL) != 0 ||
	    vips_bandjoin((VipsImage *[]){ r, g, b }, &rgb, 3, NULL) != 0 ||
	    vips_cast_uchar(rgb, &u, NULL) != 0 ||
	    vips_text(&t, caption, "font", "Noto Sans CJK SC 40", NULL) != 0 ||
	    vips_embed(t, &txt, 60, 620, 1024, 768, NULL) != 0) {
		rc = HD_EIO;
		goto out;
	}
	{
		double white[3] = { 250, 246, 236 };
		VipsImage *wc = NULL;

		if (vips_black(&wc, 1024, 768, "bands", 3, NULL) != 0 ||
		    vips_linear(wc, &img, (double[]){ 1, 1, 1 }, white, 3,
		    NULL) != 0) {
			g_clear_object(&wc);
			rc = HD_EIO;
			goto out;
		}
		g_clear_object(&wc);
		g_clear_object(&rgb);
		if (vips_ifthenelse(txt, img, u, &rgb, "blend", TRUE,
		    NULL) != 0) {
			rc = HD_EIO;
			goto out;
		}
		g_clear_object(&img);
		if (vips_copy(rgb, &img, "xres", 300 / 25.4, "yres",
		    300 / 25.4, NULL) != 0) {
			rc = HD_EIO;
			goto out;
		}
	}
	vips_image_set_string(img, "exif-ifd0-Make", "Hongdang");
	vips_image_set_string(img, "exif-ifd0-Model", "DEMO-1");
	vips_image_set_string(img, "exif-ifd2-DateTimeOriginal",
		"2024:05:01 09:30:00");
	if (vips_jpegsave(img, path, "Q", 85, NULL) != 0) {
		rc = HD_EIO;
	}
out:
	if (rc != 0) {
		hd_err(e, rc, "%s: the sample photograph was not made: %s",
			path, vips_error_buffer());
		vips_error_clear();
	}
	g_clear_object(&xy);
	g_clear_object(&y);
	g_clear_object(&r);
	g_clear_object(&g);
	g_clear_object(&b);
	g_clear_object(&rgb);
	g_clear_object(&u);
	g_clear_object(&t);
	g_clear_object(&txt);
	g_clear_object(&img);
	return rc;
}

/* One public photograph of the real archive, copied. */
struct photo {
	char *path;             /* the copy */
	char *title, *date, *place;
};

/* Copy up to n of the real archive's approved public photographs (JPEG
 * files) into folder dir, the first with EXIF into *donate (when it is
 * not NULL), the others into v[0..*nv).  0 or the failure to read. */
static int copy_photos(struct hd_archive *real, const char *dir,
	struct photo *donate, struct photo *v, size_t *nv, size_t n,
	struct hd_error *e)
{
	struct hd_list l;
	struct hd_results res;
	struct hd_record r;
	size_t i, k;
	int rc;

	*nv = 0;
	memset(&l, 0, sizeof l);
	l.category = "ZP";
	l.images_only = 1;
	l.limit = 40;
	rc = hd_list_public(real, &l, &res, e);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < res.nhits && (*nv < n || donate->path == NULL); i++) {
		hd_record_init(&r);
		if (hd_record_get(real, HD_PUBLIC, res.hits[i].ref, &r,
		    NULL) != 0) {
			continue;
		}
		for (k = 0; k < r.nfiles; k++) {
			const struct hd_file *f = &r.files[k];
			struct photo *p = NULL;
			char *src = NULL, *name;
			int temp = 0, frc;

			if (f->mime == NULL || strcmp(f->mime, "image/jpeg")) {
				continue;
			}
			if (donate->path == NULL && f->has_exif &&
			    f->exif.make[0] != '\0') {
				p = donate;
			} else if (*nv < n) {
				p = &v[*nv];
			} else {
				break;
			}
			name = safe_name(r.title, ".jpg");
			p->path = hd_xasprintf("%s/%s", dir, name);
			free(name);
			frc = hd_store_fetch(real, f->sha256, &src, &temp,
				NULL);
			if (frc == 0) {
				frc = hd_fs_copy(src, p->path, f->sha256,
					NULL, NULL, NULL);
			}
			if (temp) {
				unlink(src);
			}
			if (frc != 0) {
				free(p->path);
				p->path = NULL;
			} else {
				p->title = hd_xstrdup(r.title);
				p->date = r.date ? hd_xstrdup(r.date) : NULL;
				p->place = r.place ? hd_xstrdup(r.place) :
					NULL;
				if (p != donate) {
					(*nv)++;
				}
			}
			free(src);
			break;
		}
		hd_record_release(&r);
	}
	hd_results_release(&res);
	return 0;
}

/* Free what p holds and empty it. */
static void photo_release(struct photo *p)
{
	free(p->path);
	free(p->title);
	free(p->date);
	free(p->place);
	memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------- the sheet */

/* Append field s to b as a CSV field (RFC 4180 quoting), then sep. */
static void csv_field(struct hd_buf *b, const char *s, const char *sep)
{
	hd_buf_puts(b, "\"");
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"') {
			hd_buf_puts(b, "\"");
		}
		hd_buf_add(b, s, 1);
	}
	hd_buf_puts(b, "\"");
	hd_buf_puts(b, sep);
}

/* Append a sheet row: file, title, date, category, access, subjects,
 * place, location. */
static void csv_row(struct hd_buf *b, const char *file, const char *title,
	const char *date, const char *cat, const char *access,
	const char *subjects, const char *place, const char *loc)
{
	csv_field(b, file, ",");
	csv_field(b, title, ",");
	csv_field(b, "前锋社区档案室", ",");
	csv_field(b, date, ",");
	csv_field(b, cat, ",");
	csv_field(b, access, ",");
	csv_field(b, subjects, ",");
	csv_field(b, place, ",");
	csv_field(b, loc, "\r\n");
}

/* ------------------------------------------------------ the template */

/* Ingest the files under folder (one batch) into the template a, with
 * sheet (or NULL) and the options given; the references of the records
 * added into *res (release with ingest_result_release).  0 or the
 * failure, with the batch's first reason. */
static int ingest_folder(struct hd_archive *a, const char *folder,
	const char *sheet, const char *access, const char *cls, int approve,
	struct ingest_result *res, struct hd_error *e)
{
	static const struct hd_agent agent = { "demo" };
	struct ingest_opts o;
	struct batch b;
	char *paths[1];
	int rc;

	memset(&o, 0, sizeof o);
	o.sheet = sheet;
	o.access = access;
	o.cls = cls;
	o.approve = approve;
	o.agent = &agent;
	o.ocr = OCR_OFF;
	paths[0] = (char *)folder;
	batch_init(&b, a);
	rc = ingest_run(&b, &o, paths, 1, res, e);
	batch_release(&b);
	return rc;
}

/* Shelf places: rooms, cabinets and boxes, and the box of each kind of
 * record. */
static const char *const boxes[] = {
	"一号库房-01柜-01层-01盒", "一号库房-01柜-01层-02盒",
	"一号库房-01柜-01层-03盒", "一号库房-01柜-01层-04盒",
	"一号库房-02柜-01层-01盒", "一号库房-02柜-01层-02盒",
	"一号库房-02柜-01层-03盒", "一号库房-02柜-01层-04盒",
	"二号库房-01柜-01层-01盒", "二号库房-01柜-01层-02盒",
	"二号库房-01柜-01层-03盒", "二号库房-01柜-01层-04盒",
};
#define NBOXES (sizeof boxes / sizeof boxes[0])
#define BOX_PHOTO(i) boxes[i]           /* photographs: 1-01-01..03 */
#define BOX_PENDING boxes[4]
#define BOX_RESTRICTED boxes[8]

/* demo_reading_slot: see demo.h.  The slots are 01:00 and 07:00 UTC,
 * 09:00 and 15:00 in China. */
int64_t demo_reading_slot(int64_t t)
{
	int64_t day = t / 86400 * 86400;

	if (t < 0) {
		return 0;
	}
	if (t >= day + 7 * 3600) {
		return day + 7 * 3600;
	}
	if (t >= day + 3600) {
		return day + 3600;
	}
	return day - 86400 + 7 * 3600;
}

/* The reading slot after slot s. */
static int64_t next_slot(int64_t s)
{
	return s + (s % 86400 == 3600 ? 6 : 18) * 3600;
}

/* demo_readings_add: see demo.h.  Each slot's reading is drawn from its
 * number k (the slots since 1970), so that the same slot always reads
 * the same, most inside 14-24 °C and 45-60 %; three in every four weeks
 * (56 slots) fall outside, as a broken air conditioner, a rainy
 * afternoon or a dehumidifier left on leave them. */
int demo_readings_add(struct hd_archive *a, int64_t after, int64_t upto,
	struct hd_error *e)
{
	static const struct hd_agent agent = { "demo" };
	int64_t first = upto - (int64_t)DEMO_READING_DAYS * 86400, s, k;
	char at[32];
	int rc;

	for (s = next_slot(demo_reading_slot(after > first ? after : first));
	    s <= upto; s = next_slot(s)) {
		time_t t = (time_t)s;
		double temp, rh;
		struct tm tm;

		k = s / 86400 * 2 + (s % 86400 == 7 * 3600);
		temp = 19.5 + 2.5 * sin((double)(k % 56) * 0.45) +
			(double)(k * 37 % 10) / 10.0;
		rh = 52.0 + 5.0 * sin((double)(k % 56) * 0.3 + 1) +
			(double)(k * 53 % 10) / 5.0;
		if (k % 56 == 17) {
			temp = 25.6;    /* the air conditioner failed */
		} else if (k % 56 == 31) {
			rh = 63.5;      /* a rainy afternoon */
		} else if (k % 56 == 44) {
			rh = 42.8;      /* the dehumidifier left on */
		}
		gmtime_r(&t, &tm);
		strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
		rc = hd_reading_add(a, "一号库房", round(temp * 10) / 10,
			round(rh * 10) / 10, at, &agent, e);
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

/* The template's contents, made in a (open, writable), its readings up
 * to the slot upto; refs into m. */
static int fill_template(struct hd_archive *a, struct hd_archive *real,
	struct demo_material *m, int64_t upto, struct hd_error *e)
{
	static const struct hd_agent agent = { "demo" };
	struct photo base[BASE_PHOTOS], donate;
	struct ingest_result res;
	struct hd_buf sheet;
	char *bdir, *pdir, *sheet_path, *f, pw[65];
	size_t nbase = 0, i;
	int rc;

	memset(base, 0, sizeof base);
	memset(&donate, 0, sizeof donate);
	hd_buf_init(&sheet);
	bdir = hd_xasprintf("%s/base", m->dir);
	pdir = hd_xasprintf("%s/pending", m->dir);
	sheet_path = hd_xasprintf("%s/base.csv", m->dir);
	f = hd_xasprintf("%s/donate", m->dir);
	rc = hd_fs_mkdirs(bdir, e);
	if (rc == 0) {
		rc = hd_fs_mkdirs(pdir, e);
	}
	if (rc == 0) {
		rc = hd_fs_mkdirs(f, e);
	}
	if (rc == 0) {
		rc = copy_photos(real, bdir, &donate, base, &nbase,
			BASE_PHOTOS, e);
	}
	free(f);
	if (rc != 0) {
		goto out;
	}
	/* what the real archive lacks is drawn */
	if (nbase == 0) {
		base[0].path = hd_xasprintf("%s/社区礼堂前的合影.jpg", bdir);
		base[0].title = hd_xstrdup("社区礼堂前的合影");
		rc = make_photo(base[0].path, "前锋社区礼堂", 1, e);
		if (rc != 0) {
			goto out;
		}
		nbase = 1;
	}
	if (donate.path == NULL) {
		donate.title = hd_xstrdup("前锋街黄昏");
		donate.path = hd_xasprintf("%s/donate/前锋街黄昏.jpg", m->dir);
		rc = make_photo(donate.path, "前锋街黄昏", 2, e);
	} else {
		/* the copy to donate lives with the other material */
		char *name = safe_name(donate.title, ".jpg");
		char *to = hd_xasprintf("%s/donate/%s", m->dir, name);

		free(name);
		if (rename(donate.path, to) != 0) {
			rc = hd_err(e, HD_EIO, "%s: %s", to, strerror(errno));
		}
		free(donate.path);
		donate.path = to;
	}
	if (rc != 0) {
		goto out;
	}
	m->photo = hd_xstrdup(donate.path);
	m->photo_title = hd_xstrdup(donate.title);
	m->letter = hd_xasprintf("%s/donate/社区老党员来信.txt", m->dir);
	m->scan = hd_xasprintf("%s/donate/夜校结业证书（扫描件）.jpg", m->dir);
	m->page = hd_xasprintf("%s/夜校招生通知.jpg", m->dir);
	m->page_text = hd_xstrdup(page_text);
	rc = put_text(m->letter, letter_text, e);
	if (rc == 0) {
		rc = make_scan(m->scan, scan_text, e);
	}
	if (rc == 0) {
		rc = make_scan(m->page, page_text, e);
	}
	if (rc != 0) {
		goto out;
	}

	/* the approved records: the photographs and a restricted file */
	hd_buf_puts(&sheet, "文件名,题名,责任者,日期,门类,开放,主题词,地点,位置"
		"\r\n");
	for (i = 0; i < nbase; i++) {
		const char *slash = strrchr(base[i].path, '/');

		csv_row(&sheet, slash + 1, base[i].title, base[i].date,
			"ZP", "public", "社区记忆", base[i].place,
			BOX_PHOTO(i));
	}
	f = hd_xasprintf("%s/陈某明党员档案.txt", bdir);
	rc = put_text(f, restricted_text, e);
	free(f);
	csv_row(&sheet, "陈某明党员档案.txt", "陈某明同志党员档案（演示）",
		"1978-07", "RS", "restricted", "党员档案", "前锋社区",
		BOX_RESTRICTED);
	if (rc == 0) {
		rc = hd_fs_write(sheet_path, sheet.p, sheet.len, e);
	}
	if (rc != 0) {
		goto out;
	}
	for (i = 0; i < NBOXES && rc == 0; i++) {
		rc = hd_location_add(a, boxes[i], &agent, NULL, e);
	}
	if (rc == 0) {
		rc = ingest_folder(a, bdir, sheet_path, NULL, NULL, 1, &res, e);
	}
	if (rc != 0) {
		goto out;
	}
	for (i = 0; i < res.nrefs; i++) {
		if (strstr(res.titles[i], "党员档案") != NULL) {
			m->restricted_ref = hd_xstrdup(res.refs[i]);
		} else {
			hd_strv_add(&m->refs, &m->nrefs, res.refs[i]);
		}
	}
	ingest_result_release(&res);

	/* a record waiting for review, kept in its box */
	f = hd_xasprintf("%s/社区志愿服务队活动记录.txt", pdir);
	rc = put_text(f, pending_text, e);
	free(f);
	if (rc == 0) {
		rc = ingest_folder(a, pdir, NULL, "public", "SQ", 0, &res, e);
	}
	if (rc == 0 && res.nrefs == 1) {
		m->pending_ref = hd_xstrdup(res.refs[0]);
		rc = hd_location_assign(a, m->pending_ref, BOX_PENDING, &agent,
			e);
	}
	if (rc == 0) {
		ingest_result_release(&res);
	}
	if (rc == 0 && (m->restricted_ref == NULL || m->pending_ref == NULL ||
	    m->nrefs == 0)) {
		rc = hd_err(e, HD_EIO, "%s: the template lacks records",
			m->dir);
	}
	if (rc == 0) {
		rc = demo_readings_add(a, 0, upto, e);
	}
	/* the account a consultation is approved for (nobody logs in) */
	if (rc == 0) {
		hd_random_hex(pw);
		m->account = hd_xstrdup("visitor");
		rc = hd_user_add(a, m->account, "archivist", pw, &agent, e);
	}
out:
	for (i = 0; i < BASE_PHOTOS; i++) {
		photo_release(&base[i]);
	}
	photo_release(&donate);
	hd_buf_release(&sheet);
	free(sheet_path);
	free(bdir);
	free(pdir);
	return rc;
}

/* demo_template_make: see demo.h.  The template is made under a
 * temporary name and renamed when whole; its handle is closed, so the
 * folder is one database file and the objects (no write-ahead log). */
int demo_template_make(struct hd_archive *real, const char *dir,
	struct demo_material *m, int64_t upto, struct hd_error *e)
{
	static const struct hd_agent agent = { "demo" };
	struct hd_archive *a = NULL;
	char *part = hd_xasprintf("%s.part", dir);
	char *name;
	int rc;

	hd_fs_rmtree(part);
	rc = hd_vips_start(e);
	if (rc == 0) {
		rc = hd_fs_mkdirs(m->dir, e);
	}
	if (rc != 0) {
		goto out;
	}
	name = hd_xasprintf("%s（演示）", hd_archive_name(real) ?
		hd_archive_name(real) : "档案室");
	rc = hd_archive_init(part, hd_archive_fonds(real), name, &agent, e);
	free(name);
	if (rc == 0) {
		rc = hd_archive_open(part, 0, &a, e);
	}
	if (rc == 0) {
		rc = fill_template(a, real, m, upto, e);
	}
	hd_archive_close(a);
	if (rc == 0 && rename(part, dir) != 0) {
		rc = hd_err(e, HD_EIO, "%s: %s", dir, strerror(errno));
	}
out:
	if (rc != 0) {
		hd_fs_rmtree(part);
	}
	free(part);
	return rc;
}

/* demo_material_release: see demo.h.  The folder is the pool's. */
void demo_material_release(struct demo_material *m)
{
	free(m->dir);
	free(m->photo);
	free(m->photo_title);
	free(m->letter);
	free(m->scan);
	free(m->page);
	free(m->page_text);
	free(m->restricted_ref);
	free(m->pending_ref);
	hd_strv_free(m->refs, m->nrefs);
	free(m->account);
	memset(m, 0, sizeof *m);
}
