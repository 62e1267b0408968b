/*
 * demo_intake.c - three demonstrations of how records come in and go
 * out to readers, each step done by the archive's real machinery inside
 * the visitor's sandbox (demo.h):
 *
 *   收集 collect: an item handed in (a photograph with EXIF, a letter, a
 *     scanned page) has its real type identified (libmagic), its EXIF
 *     read (libexif), its SHA-256 computed, and is then ingested by the
 *     pipeline: a 档号 allocated, the events "collect" and "ingest"
 *     written to the chain;
 *   审核 review: a record waiting for review is approved or returned
 *     with a reason; the public screen shows it or not; the review event
 *     is read back from the chain with the hash it covers;
 *   查阅 consult: a request for a restricted file, a mock approval with
 *     a window of one day, the file opened inside it (the use logged:
 *     who saw what) and refused the day after.
 *
 * Also the helpers the demonstrations share (demo.h): times in China
 * time, a file's characterisation, the chain's newest events as values.
 */
#include "demo.h"
#include "pages.h"
#include "../ingest/ingest.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

/* Files read whole for identification at most. */
#define ITEM_CAP ((size_t)16 << 20)

/* The agents the demonstrations act as (the event log names them). */
static const struct hd_agent reg_agent = { "demo:登记员" };
static const struct hd_agent rev_agent = { "demo:审核人" };
static const struct hd_agent sec_agent = { "demo:党支部书记" };
static const struct hd_agent reader_agent = { "web:visitor" };

/* ---------------------------------------------------------- helpers */

/* demo_time_cn: see demo.h. */
void demo_time_cn(const char *iso, char out[24])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (iso == NULL || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) != 6) {
		snprintf(out, 24, "%s", iso ? iso : "");
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) + CHINA_UTC_OFFSET;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
}

/* demo_type_name: see demo.h. */
const char *demo_type_name(const char *mime)
{
	static const char *const names[][2] = {
		{"image/jpeg", "JPEG 图像"}, {"image/png", "PNG 图像"},
		{"image/tiff", "TIFF 图像"}, {"text/plain", "纯文本"},
		{"text/markdown", "Markdown 文本"},
		{"text/html", "网页（HTML）"}, {"application/pdf", "PDF 文档"},
	};
	size_t i;

	for (i = 0; mime != NULL && i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(mime, names[i][0]) == 0) {
			return names[i][1];
		}
	}
	return mime != NULL ? mime : "未知格式";
}

/* The last part of a path. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* demo_look: see demo.h.  The stages get the whole file, as the
 * pipeline gives a small one. */
int demo_look(struct hd_archive *a, const char *path, int what,
	json_t *out, struct hd_error *e)
{
	struct batch b;
	struct batch_item *it;
	unsigned char *data = NULL;
	size_t n = 0, i;
	int more = 0, rc = 0;
	const char *ext;
	json_t *warns = json_array();

	if (hd_read_file(path, ITEM_CAP, &data, &n, &more) != 0) {
		json_decref(warns);
		return hd_err(e, HD_EIO, "%s: cannot be read", path);
	}
	batch_init(&b, a);
	it = batch_add(&b, base_name(path), path, n, 0);
	if (stage_identify(&b, it, data, n, !more) != 0) {
		rc = hd_err(e, HD_EIO, "%s: not identified", path);
		goto out;
	}
	ext = strrchr(base_name(path), '.');
	json_object_set_new(out, "name", json_string(base_name(path)));
	json_object_set_new(out, "ext", json_string(ext ? ext : ""));
	json_object_set_new(out, "mime", json_string(it->file.mime));
	json_object_set_new(out, "type", json_string(demo_type_name(
		it->file.mime)));
	json_object_set_new(out, "bytes", json_integer((json_int_t)n));
	if (what & DEMO_LOOK_CHAR) {
		stage_characterise(&b, it, data, n, !more);
		stage_extract(&b, it, data, n, !more);
		demo_file_json(&it->file, out);
		if (it->text != NULL) {
			json_object_set_new(out, "chars", json_integer(
				g_utf8_strlen(it->text, -1)));
		}
	}
	for (i = 0; i < b.nwarnings; i++) {
		json_array_append_new(warns, json_string(b.warnings[i].msg));
	}
out:
	json_object_set_new(out, "warnings", warns);
	stage_identify_end(&b);
	batch_release(&b);
	free(data);
	return rc;
}

/* demo_file_json: see demo.h. */
void demo_file_json(const struct hd_file *f, json_t *out)
{
	const struct hd_exif *x = &f->exif;
	char gps[64], taken[24];

	if (f->width > 0) {
		json_object_set_new(out, "width", json_integer(f->width));
		json_object_set_new(out, "height", json_integer(f->height));
	}
	json_object_set_new(out, "has_exif", json_boolean(f->has_exif));
	if (!f->has_exif) {
		return;
	}
	if (x->make[0] != '\0' || x->model[0] != '\0') {
		json_object_set_new(out, "camera", json_string(x->model[0] ?
			x->model : x->make));
		json_object_set_new(out, "make", json_string(x->make));
	}
	if (x->datetime[0] != '\0') {
		snprintf(taken, sizeof taken, "%.10s %.8s", x->datetime,
			x->datetime[10] ? x->datetime + 11 : "");
		json_object_set_new(out, "taken", json_string(taken));
	}
	if (x->xres > 0) {
		json_object_set_new(out, "dpi", json_integer((int)(x->xres +
			0.5)));
	}
	if (x->has_gps) {
		snprintf(gps, sizeof gps, "北纬 %.4f°，东经 %.4f°", x->lat,
			x->lon);
		json_object_set_new(out, "gps", json_string(gps));
	}
}

/* The Chinese name of an event type. */
static const char *event_name(const char *type)
{
	static const char *const names[][2] = {
		{"collect", "收集"}, {"ingest", "入库"}, {"review", "审核"},
		{"consult", "查阅"}, {"transfer", "转递"},
		{"storage", "库房"}, {"edit", "修改著录"},
		{"withdraw", "撤回"}, {"fixity", "完整性检查"},
		{"account", "账户"}, {"config", "设置"}, {"init", "建档"},
	};
	size_t i;

	for (i = 0; type != NULL && i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(type, names[i][0]) == 0) {
			return names[i][1];
		}
	}
	return type != NULL ? type : "";
}

/* An event of the chain as a value: {id, type, type_name, at (China
 * time), agent, detail, ref, prev, hash, calc, ok (its hash computed
 * again is the one stored)}. */
static json_t *link_json(const struct hd_link *l)
{
	json_t *o = json_object();
	char at[24];

	demo_time_cn(l->ev.at, at);
	json_object_set_new(o, "id", json_integer(l->ev.id));
	json_object_set_new(o, "type", json_string(l->ev.type));
	json_object_set_new(o, "type_name", json_string(event_name(
		l->ev.type)));
	json_object_set_new(o, "at", json_string(at));
	json_object_set_new(o, "agent", json_string(l->ev.agent));
	json_object_set_new(o, "detail", json_string(l->ev.detail));
	if (l->ev.ref != NULL) {
		json_object_set_new(o, "ref", json_string(l->ev.ref));
	}
	json_object_set_new(o, "prev", json_string(l->prev));
	json_object_set_new(o, "hash", json_string(l->hash));
	json_object_set_new(o, "calc", json_string(l->calc));
	json_object_set_new(o, "ok", json_boolean(strcmp(l->calc, l->hash)
		== 0));
	return o;
}

/* demo_events_json: see demo.h. */
json_t *demo_events_json(struct hd_archive *a, int n, const char *ref)
{
	struct hd_link *v = NULL;
	size_t nv = 0, i;
	json_t *arr = json_array();

	if (hd_chain_tail(a, n, &v, &nv, NULL) != 0) {
		return arr;
	}
	for (i = 0; i < nv; i++) {
		if (ref == NULL || (v[i].ev.ref != NULL &&
		    strcmp(v[i].ev.ref, ref) == 0)) {
			json_array_append_new(arr, link_json(&v[i]));
		}
	}
	hd_links_free(v, nv);
	return arr;
}

/* demo_param: see demo.h. */
const char *demo_param(const struct demo_run *r, const char *name)
{
	const char *v = r->req != NULL ? http_param(r->req, name) : NULL;

	return v != NULL ? v : "";
}

/* A record's text, its first max characters ("…" when cut), or NULL. */
static char *record_excerpt(struct hd_archive *a, const char *ref,
	long max)
{
	struct hd_record rec;
	char *t, *x = NULL;

	hd_record_init(&rec);
	if (hd_record_get(a, HD_ARCHIVIST, ref, &rec, NULL) != 0) {
		return NULL;
	}
	t = hd_record_text(a, &rec);
	if (t != NULL && g_utf8_strlen(t, -1) > max) {
		x = hd_xasprintf("%.*s…", (int)(g_utf8_offset_to_pointer(t,
			max) - t), t);
	} else if (t != NULL) {
		x = hd_xstrdup(t);
	}
	free(t);
	hd_record_release(&rec);
	return x;
}

/* ---------------------------------------------------------- collect */

/* The things a visitor may hand in: form value, name, and where the
 * material keeps it. */
static const struct {
	const char *item;
	const char *label;
	const char *what;
} items[] = {
	{"photo", "一张老照片", "照片，带有相机写入的 EXIF 信息"},
	{"letter", "一封来信", "文字，存为纯文本文件"},
	{"scan", "一页扫描件", "纸质证书扫描成的图像，300 dpi"},
};

/* The material file of item, or NULL for an unknown one. */
static const char *item_path(const struct demo_material *m,
	const char *item)
{
	if (strcmp(item, "photo") == 0) {
		return m->photo;
	}
	if (strcmp(item, "letter") == 0) {
		return m->letter;
	}
	if (strcmp(item, "scan") == 0) {
		return m->scan;
	}
	return NULL;
}

/* The file of the item chosen at the first step. */
static const char *chosen(struct demo_run *r)
{
	const char *item = json_string_value(json_object_get(r->st, "_item"));

	return item != NULL ? item_path(r->m, item) : NULL;
}

/* Step 选择: the visitor picks one of the items (field item). */
static int collect_pick(struct demo_run *r, json_t **res)
{
	const char *item = demo_param(r, "item"), *path;
	size_t i;
	char *t;

	path = item_path(r->m, item);
	if (path == NULL) {
		return hd_err(&r->e, HD_EINVAL, "请选择一件要捐赠的物品");
	}
	*res = json_object();
	for (i = 0; i < sizeof items / sizeof items[0]; i++) {
		if (strcmp(items[i].item, item) == 0) {
			json_object_set_new(*res, "label", json_string(
				items[i].label));
			json_object_set_new(*res, "what", json_string(
				items[i].what));
		}
	}
	json_object_set_new(*res, "item", json_string(item));
	json_object_set_new(*res, "name", json_string(base_name(path)));
	if (strcmp(item, "letter") == 0) {
		unsigned char *d = NULL;
		size_t n = 0;

		t = hd_read_file(path, 4096, &d, &n, NULL) == 0 ?
			hd_xstrndup((const char *)d, n) : NULL;
		free(d);
		json_object_set_new(*res, "excerpt", json_string(t ? t : ""));
		free(t);
	} else {
		t = hd_xasprintf("/demo/material/%s", item);
		json_object_set_new(*res, "img", json_string(t));
		free(t);
	}
	json_object_set_new(r->st, "_item", json_string(item));
	return 0;
}

/* What demo_look says of the chosen item (DEMO_LOOK_TYPE, _CHAR ...)
 * as *res, a new object: 0, or the error with nothing made. */
static int collect_look(struct demo_run *r, int what, json_t **res)
{
	const char *path = chosen(r);
	int rc;

	if (path == NULL) {
		return hd_err(&r->e, HD_EINVAL, "请先选择一件物品");
	}
	*res = json_object();
	rc = demo_look(r->a, path, what, *res, &r->e);
	if (rc != 0) {
		json_decref(*res);
	}
	return rc;
}

/* Step 识别: the file's real type from its content (libmagic). */
static int collect_identify(struct demo_run *r, json_t **res)
{
	return collect_look(r, DEMO_LOOK_TYPE, res);
}

/* Step 读取: EXIF of a photograph or a scan (libexif), the characters of
 * a letter. */
static int collect_exif(struct demo_run *r, json_t **res)
{
	return collect_look(r, DEMO_LOOK_CHAR, res);
}

/* Step 校验码: the SHA-256 of the file's bytes, in groups of eight. */
static int collect_hash(struct demo_run *r, json_t **res)
{
	const char *path = chosen(r);
	json_t *groups = json_array();
	char sum[65], g[9];
	uint64_t size = 0;
	int i, rc;

	if (path == NULL) {
		json_decref(groups);
		return hd_err(&r->e, HD_EINVAL, "请先选择一件物品");
	}
	rc = hd_sha256_file(path, sum, &size, &r->e);
	if (rc != 0) {
		json_decref(groups);
		return rc;
	}
	for (i = 0; i < 8; i++) {
		memcpy(g, sum + i * 8, 8);
		g[8] = '\0';
		json_array_append_new(groups, json_string(g));
	}
	*res = json_object();
	json_object_set_new(*res, "sha256", json_string(sum));
	json_object_set_new(*res, "groups", groups);
	json_object_set_new(*res, "bytes", json_integer((json_int_t)size));
	return 0;
}

/* demo_ingest: see demo.h. */
int demo_ingest(struct demo_run *r, const char *path, const char *category,
	int approve, int ocr, struct batch *b, struct ingest_result *res)
{
	struct ingest_opts o;
	char *paths[1];

	memset(&o, 0, sizeof o);
	o.access = "public";
	o.cls = "SQ";
	o.category = category;
	o.approve = approve;
	o.agent = &reg_agent;
	o.ocr = ocr ? OCR_ON : OCR_OFF;
	o.ocr_workers = 1;
	paths[0] = (char *)path;
	batch_init(b, r->a);
	return ingest_run(b, &o, paths, 1, res, &r->e);
}

/* Step 登记: the pipeline ingests the file: a 档号, the record waiting
 * for review, the events "collect" and "ingest" in the chain. */
static int collect_register(struct demo_run *r, json_t **res)
{
	const char *path = chosen(r);
	struct ingest_result ir;
	struct batch b;
	int rc;

	if (path == NULL) {
		return hd_err(&r->e, HD_EINVAL, "请先选择一件物品");
	}
	rc = demo_ingest(r, path, NULL, 0, 0, &b, &ir);
	batch_release(&b);
	if (rc != 0) {
		ingest_result_release(&ir);
		return rc;
	}
	*res = json_object();
	if (ir.nrefs == 0) {
		json_object_set_new(*res, "duplicate", json_true());
	} else {
		json_object_set_new(*res, "ref", json_string(ir.refs[0]));
		json_object_set_new(*res, "title", json_string(ir.titles[0]));
		json_object_set_new(*res, "events", demo_events_json(r->a, 6,
			ir.refs[0]));
	}
	ingest_result_release(&ir);
	return 0;
}

static const struct demo_step collect_steps[] = {
	{"pick", "选择捐赠物", "从一张老照片、一封来信、一页扫描件中选一件，"
		"交给档案室。", 0, 0, collect_pick},
	{"identify", "识别格式", "不看文件名，读取文件内容判断它的真实格式"
		"（libmagic）。", 0, 0, collect_identify},
	{"exif", "读取信息", "照片和扫描件读出相机写入的 EXIF 信息：相机、"
		"拍摄时间、分辨率；文字数出字数。", 0, 0, collect_exif},
	{"hash", "计算校验码", "逐字节计算 SHA-256 校验码：文件改动一个"
		"字节，这串数字就完全不同。", 0, 0, collect_hash},
	{"register", "分配档号并登记", "档案系统接收入库：分配档号，记下"
		"“收集”和“入库”事件，每个事件都连着上一个事件的哈希。", 0, 0,
		collect_register},
};
const struct demo_def demo_collect = {
	"collect", collect_steps, sizeof collect_steps /
	sizeof collect_steps[0]
};

/* ----------------------------------------------------------- review */

/* The record under review, chosen at the first step. */
static const char *subject(struct demo_run *r)
{
	return json_string_value(json_object_get(r->st, "_subject"));
}

/* Step 待审: the newest record waiting for review (the visitor's own
 * donation when there is one), and the public screen before. */
static int review_look(struct demo_run *r, json_t **res)
{
	struct hd_queue_item *v = NULL;
	struct hd_stats st;
	size_t n = 0;
	char *x, *u;
	int rc;

	rc = hd_review_list(r->a, NULL, &v, &n, &r->e);
	if (rc != 0) {
		return rc;
	}
	if (n == 0) {
		hd_queue_free(v, n);
		return hd_err(&r->e, HD_EINVAL, "没有等待审核的档案了，请点"
			"“重新开始”");
	}
	*res = json_object();
	json_object_set_new(*res, "ref", json_string(v[n - 1].ref));
	json_object_set_new(*res, "title", json_string(v[n - 1].title));
	json_object_set_new(*res, "date", json_string(v[n - 1].date));
	json_object_set_new(*res, "category", json_string(hd_category_name(
		v[n - 1].category)));
	json_object_set_new(*res, "status", json_string(hd_status_name(
		v[n - 1].status)));
	if (v[n - 1].thumb != NULL) {
		u = demo_img_url(v[n - 1].thumb);
		json_object_set_new(*res, "thumb", json_string(u));
		free(u);
	}
	x = record_excerpt(r->a, v[n - 1].ref, 120);
	if (x != NULL) {
		json_object_set_new(*res, "excerpt", json_string(x));
		free(x);
	}
	memset(&st, 0, sizeof st);
	hd_stats_get(r->a, HD_PUBLIC, &st, NULL);
	json_object_set_new(*res, "public", json_integer(st.records));
	json_object_set_new(r->st, "_subject", json_string(v[n - 1].ref));
	hd_queue_free(v, n);
	return 0;
}

/* Step 决定: approve, or return with a reason (fields decision, reason). */
static int review_decide(struct demo_run *r, json_t **res)
{
	const char *d = demo_param(r, "decision"), *ref = subject(r);
	const char *reason = demo_param(r, "reason");
	int approve = strcmp(d, "approve") == 0, rc;

	if (ref == NULL) {
		return hd_err(&r->e, HD_EINVAL, "请先查看待审核的档案");
	}
	if (!approve && strcmp(d, "return") != 0) {
		return hd_err(&r->e, HD_EINVAL, "请选择“通过”或“退回”");
	}
	rc = approve ? hd_review_approve(r->a, ref, &rev_agent, &r->e) :
		hd_review_return(r->a, ref, reason, &rev_agent, &r->e);
	if (rc == HD_EINVAL || rc == HD_ENOTFOUND) {
		return HD_EINVAL;       /* the message says what to fix */
	}
	if (rc != 0) {
		return rc;
	}
	*res = json_object();
	json_object_set_new(*res, "approved", json_boolean(approve));
	json_object_set_new(*res, "decision", json_string(approve ? "通过" :
		"退回"));
	if (!approve) {
		json_object_set_new(*res, "reason", json_string(reason));
	}
	json_object_set_new(*res, "status", json_string(hd_status_name(
		approve ? "approved" : "returned")));
	return 0;
}

/* Step 展示屏: what the public screen shows now: the newest public
 * records, the one reviewed among them or not. */
static int review_screen(struct demo_run *r, json_t **res)
{
	const char *ref = subject(r);
	struct hd_results hits;
	struct hd_list l;
	json_t *arr = json_array();
	size_t i;
	int rc, present = 0;

	memset(&l, 0, sizeof l);
	l.newest_first = 1;
	l.limit = 8;
	rc = hd_list_public(r->a, &l, &hits, &r->e);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	for (i = 0; i < hits.nhits; i++) {
		json_t *o = json_object();
		int me = ref != NULL && strcmp(hits.hits[i].ref, ref) == 0;

		json_object_set_new(o, "title", json_string(
			hits.hits[i].title));
		if (hits.hits[i].thumb != NULL) {
			char *u = demo_img_url(hits.hits[i].thumb);

			json_object_set_new(o, "thumb", json_string(u));
			free(u);
		}
		json_object_set_new(o, "subject", json_boolean(me));
		present |= me;
		json_array_append_new(arr, o);
	}
	hd_results_release(&hits);
	*res = json_object();
	json_object_set_new(*res, "items", arr);
	json_object_set_new(*res, "present", json_boolean(present));
	return 0;
}

/* What each line of an event's hashed text is. */
static const char *const covered_labels[] = {
	"上一个事件的哈希", "事件编号", "时间（UTC）", "类型",
	"档案（内部编号）", "经办人", "详情",
};

/* Step 哈希链: the review event and the one before it, read back from
 * the chain: what its hash covers (the previous hash first), the hash
 * computed again, and the link to the event before. */
static int review_chain(struct demo_run *r, json_t **res)
{
	struct hd_link *v = NULL;
	size_t nv = 0, i;
	json_t *lines = json_array();
	const char *p, *nl;
	int rc;

	rc = hd_chain_tail(r->a, 2, &v, &nv, &r->e);
	if (rc != 0 || nv < 2) {
		json_decref(lines);
		hd_links_free(v, nv);
		return rc != 0 ? rc : hd_err(&r->e, HD_EIO, "%s: the event "
			"log is too short", r->dir);
	}
	for (p = v[1].covered, i = 0; p != NULL; i++) {
		json_t *o = json_object();

		nl = i + 1 < sizeof covered_labels / sizeof covered_labels[0] ?
			strchr(p, '\n') : NULL;
		json_object_set_new(o, "label", json_string(covered_labels[i <
			6 ? i : 6]));
		json_object_set_new(o, "value", nl != NULL ?
			json_stringn(p, (size_t)(nl - p)) : json_string(p));
		json_object_set_new(o, "prev", json_boolean(i == 0));
		json_array_append_new(lines, o);
		p = nl != NULL ? nl + 1 : NULL;
	}
	*res = json_object();
	json_object_set_new(*res, "before", link_json(&v[0]));
	json_object_set_new(*res, "event", link_json(&v[1]));
	json_object_set_new(*res, "covered", lines);
	json_object_set_new(*res, "linked", json_boolean(strcmp(v[1].prev,
		v[0].hash) == 0));
	hd_links_free(v, nv);
	return 0;
}

static const struct demo_step review_steps[] = {
	{"look", "查看待审档案", "找出等待审核的档案（刚捐赠的那件也在其中），"
		"看它的题名、内容和开放等级。", 0, 0, review_look},
	{"decide", "作出审核结论", "通过就发布展示；退回必须写明原因。结论"
		"作为“审核”事件写进事件链。", 0, 0, review_decide},
	{"screen", "公开展示屏", "展示屏只显示审核通过的公开档案。", 0, 0,
		review_screen},
	{"chain", "查看哈希链", "审核事件的哈希覆盖了上一个事件的哈希："
		"改动任何一条旧记录，后面的链就对不上了。", 0, 0, review_chain},
};
const struct demo_def demo_review = {
	"review", review_steps, sizeof review_steps / sizeof review_steps[0]
};

/* ---------------------------------------------------------- consult */

/* The ways of use a visitor may ask for. */
static const char *const kinds[][2] = {
	{"view", "查看"}, {"print", "打印"}, {"copy", "复制"},
};

/* The day after day ("YYYY-MM-DD") into out. */
static void next_day(const char *day, char out[11])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3) {
		snprintf(out, 11, "%s", day);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) + 86400;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The request filed at the first step, or 0. */
static int64_t request_id(struct demo_run *r)
{
	return json_integer_value(json_object_get(r->st, "_request"));
}

/* Step 申请: the request form (fields person, org, purpose, kind) for
 * the restricted file; the library checks every field. */
static int consult_request(struct demo_run *r, json_t **res)
{
	struct hd_consult_ask q;
	const char *kind = demo_param(r, "kind"), *kind_name = NULL;
	const char *refs[1];
	int64_t id = 0;
	size_t i;
	int rc;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(kind, kinds[i][0]) == 0) {
			kind_name = kinds[i][1];
		}
	}
	memset(&q, 0, sizeof q);
	q.person = demo_param(r, "person");
	q.org = demo_param(r, "org");
	q.purpose = demo_param(r, "purpose");
	q.kinds = kind;
	q.days = 1;
	refs[0] = r->m->restricted_ref;
	q.refs = refs;
	q.nrefs = 1;
	rc = hd_consult_request(r->a, &q, &reader_agent, &id, &r->e);
	if (rc == 0 && kind_name == NULL) {
		rc = hd_err(&r->e, HD_EINVAL, "查阅方式：请选择查看、打印或复制");
	}
	if (rc != 0) {
		return rc == HD_EINVAL || rc == HD_ENOTFOUND ? HD_EINVAL : rc;
	}
	*res = json_object();
	json_object_set_new(*res, "id", json_integer(id));
	json_object_set_new(*res, "person", json_string(q.person));
	json_object_set_new(*res, "org", json_string(q.org));
	json_object_set_new(*res, "purpose", json_string(hd_purpose_name(
		hd_purpose_code(q.purpose))));
	json_object_set_new(*res, "kind", json_string(kind_name));
	json_object_set_new(*res, "ref", json_string(r->m->restricted_ref));
	json_object_set_new(r->st, "_request", json_integer(id));
	json_object_set_new(r->st, "_kind", json_string(kind));
	return 0;
}

/* Step 审批: a mock approval by the branch secretary: the request is
 * approved for one day, from today. */
static int consult_approve(struct demo_run *r, json_t **res)
{
	struct hd_consult c;
	char today[11];
	int64_t id = request_id(r);
	int rc;

	if (id == 0) {
		return hd_err(&r->e, HD_EINVAL, "请先填写查阅申请");
	}
	hd_china_today(today);
	rc = hd_consult_approve(r->a, id, r->m->account, NULL, today, 1,
		today, &sec_agent, &r->e);
	if (rc != 0) {
		return rc;
	}
	memset(&c, 0, sizeof c);
	rc = hd_consult_get(r->a, id, &c, &r->e);
	if (rc != 0) {
		return rc;
	}
	*res = json_object();
	json_object_set_new(*res, "from", json_string(c.from));
	json_object_set_new(*res, "until", json_string(c.until));
	json_object_set_new(*res, "by", json_string(c.decided_by));
	json_object_set_new(r->st, "_until", json_string(c.until));
	hd_consult_release(&c);
	return 0;
}

/* May the reader use the restricted file on day?  0 with *req set, or
 * HD_EDENIED. */
static int allowed(struct demo_run *r, const char *day, int64_t *uid,
	int64_t *req)
{
	struct hd_user u;
	const char *kind = json_string_value(json_object_get(r->st, "_kind"));
	int rc;

	memset(&u, 0, sizeof u);
	rc = hd_user_get(r->a, r->m->account, &u, &r->e);
	if (rc != 0) {
		return rc;
	}
	*uid = u.id;
	return hd_consult_allowed(r->a, u.id, r->m->restricted_ref,
		kind ? kind : "view", day, req, &r->e);
}

/* Step 调阅: inside the window the file opens, and the use is logged:
 * the who-saw-what entry is read back from the event log. */
static int consult_open(struct demo_run *r, json_t **res)
{
	struct hd_audit_query q;
	struct hd_record rec;
	struct hd_event *ev = NULL;
	const char *kind = json_string_value(json_object_get(r->st, "_kind"));
	int64_t uid = 0, req = 0;
	char today[11], at[24], *text;
	size_t nev = 0;
	int rc;

	hd_china_today(today);
	rc = allowed(r, today, &uid, &req);
	if (rc != 0) {
		return rc == HD_EDENIED ? hd_err(&r->e, HD_EINVAL, "申请尚未"
			"批准，不能调阅") : rc;
	}
	hd_record_init(&rec);
	rc = hd_record_get(r->a, HD_ARCHIVIST, r->m->restricted_ref, &rec,
		&r->e);
	if (rc != 0) {
		return rc;
	}
	rc = rec.nfiles > 0 ? hd_consult_log(r->a, req, uid,
		r->m->restricted_ref, kind ? kind : "view", &rec.files[0],
		&reader_agent, &r->e) : hd_err(&r->e, HD_EIO, "no file");
	text = rc == 0 ? hd_record_text(r->a, &rec) : NULL;
	*res = json_object();
	json_object_set_new(*res, "title", json_string(rec.title));
	hd_record_release(&rec);
	if (rc != 0) {
		json_decref(*res);
		free(text);
		return rc;
	}
	json_object_set_new(*res, "content", json_string(text ? text : ""));
	free(text);
	memset(&q, 0, sizeof q);
	q.ref = r->m->restricted_ref;
	q.type = "consult";
	q.newest_first = 1;
	q.limit = 1;
	if (hd_audit_list(r->a, &q, &ev, &nev, NULL, NULL) == 0 && nev > 0) {
		json_t *o = json_object();

		demo_time_cn(ev[0].at, at);
		json_object_set_new(o, "at", json_string(at));
		json_object_set_new(o, "agent", json_string(ev[0].agent));
		json_object_set_new(o, "detail", json_string(ev[0].detail));
		json_object_set_new(*res, "log", o);
	}
	hd_events_free(ev, nev);
	return 0;
}

/* Step 窗口之外: the day after the window the same reader is refused:
 * the restricted content stays hidden. */
static int consult_outside(struct demo_run *r, json_t **res)
{
	const char *until = json_string_value(json_object_get(r->st,
		"_until"));
	int64_t uid = 0, req = 0;
	char day[11];
	int rc;

	if (until == NULL) {
		return hd_err(&r->e, HD_EINVAL, "请先完成审批");
	}
	next_day(until, day);
	rc = allowed(r, day, &uid, &req);
	if (rc != 0 && rc != HD_EDENIED) {
		return rc;
	}
	*res = json_object();
	json_object_set_new(*res, "day", json_string(day));
	json_object_set_new(*res, "denied", json_boolean(rc == HD_EDENIED));
	return 0;
}

static const struct demo_step consult_steps[] = {
	{"request", "填写申请", "写明查阅人、单位、目的和查阅方式，申请查阅"
		"一份受限的党员档案。", 0, 0, consult_request},
	{"approve", "审批", "党支部书记批准（模拟），给出一天的查阅期限。", 0, 0,
		consult_approve},
	{"open", "调阅", "在期限内打开档案，系统记下谁在什么时候看了什么。",
		0, 0, consult_open},
	{"outside", "期限之外", "期限一过，同一个人再来也看不到受限内容。", 0, 0,
		consult_outside},
};
const struct demo_def demo_consult = {
	"consult", consult_steps, sizeof consult_steps /
	sizeof consult_steps[0]
};

/* demo_form_values: see demo.h.  The consultation's form offers the
 * purposes and kinds; the review's, reasons to return. */
void demo_form_values(const struct demo_def *d, const char *key,
	struct demo_run *r, json_t *ctx)
{
	static const char *const purposes[] = {
		"education", "research", "history", "personal", "work",
		"other",
	};
	static const char *const reasons[] = {
		"题名与内容不符", "缺少形成日期", "涉及个人信息，不宜公开",
	};
	json_t *arr;
	size_t i;

	(void)r;
	if (d == &demo_consult && strcmp(key, "request") == 0) {
		arr = json_array();
		for (i = 0; i < sizeof purposes / sizeof purposes[0]; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "code",
				json_string(purposes[i]));
			json_object_set_new(o, "name", json_string(
				hd_purpose_name(purposes[i])));
			json_array_append_new(arr, o);
		}
		json_object_set_new(ctx, "purposes", arr);
		arr = json_array();
		for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "code",
				json_string(kinds[i][0]));
			json_object_set_new(o, "name",
				json_string(kinds[i][1]));
			json_array_append_new(arr, o);
		}
		json_object_set_new(ctx, "kinds", arr);
	} else if (d == &demo_review && strcmp(key, "decide") == 0) {
		arr = json_array();
		for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
			json_array_append_new(arr, json_string(reasons[i]));
		}
		json_object_set_new(ctx, "reasons", arr);
	} else {
		demo_keep_form_values(d, key, r, ctx);
	}
}
