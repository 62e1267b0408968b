/*
 * ingest.c - "hongdang ingest": run the pipeline over a batch and report.
 *
 * Exit 0 when the batch landed (or, with --dry-run, would land), 1 when it
 * was refused (nothing stored; every reason listed), 2 for bad usage.
 * Test hooks: HD_MAX_ENTRIES, HD_MAX_TOTAL, HD_MAX_ENTRY and HD_MAX_RATIO
 * lower the batch caps; HD_OCR_WORKERS sets the number of OCR threads.
 * TESSDATA_PREFIX names the folder of tesseract's language data.
 */
#include "cmd.h"
#include "../ingest/ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] ingest [--fonds CODE] [--sheet FILE]\n"
	"       [--category C] [--access public|internal|restricted]\n"
	"       [--retention Y|D30|D10] [--class C] [--approve] [--dry-run]\n"
	"       [--ocr|--no-ocr] [--ocr-lang L] [--report-html FILE]\n"
	"       [--json] PATH...\n\n"
	"Ingest a batch: files, folders, zip/tar/tar.gz/7z archives and\n"
	"BagIt bags.  The batch lands whole, in one transaction, or not at\n"
	"all; re-running the same batch adds nothing and reports duplicates.\n\n"
	"  --sheet FILE   catalogue sheet, .xlsx or CSV (UTF-8 or GB18030):\n"
	"                 文件名 题名 责任者 日期 门类 保管期限 开放 主题词 人物\n"
	"                 地点 页数 机构问题 附注 位置 语种; FILE may also be a\n"
	"                 path inside the batch\n"
	"  --fonds CODE   fonds (default: the archive's first)\n"
	"  --category C   门类 for records the sheet leaves open (default: from\n"
	"                 the format: ZP photos, WS documents ...)\n"
	"  --access A     public, internal or restricted (default internal)\n"
	"  --retention R  Y 永久, D30 or D10 (default Y)\n"
	"  --class C      机构问题 code (DJ 党建, SQ 社区史, GZ 改造 ...)\n"
	"  --approve      records arrive approved (a review event names you);\n"
	"                 without it they wait for review\n"
	"  --dry-run      report what would happen, store nothing\n"
	"  --ocr          read every image and scanned PDF page with OCR\n"
	"                 (default: scans of WS 文书 and RS 人事 records and\n"
	"                 PDF pages without text; photos ZP are not read)\n"
	"  --no-ocr       no OCR at all (PDF text layers are still used)\n"
	"  --ocr-lang L   tesseract languages: chi_sim (default), chi_tra,\n"
	"                 eng, or a list such as chi_sim+eng; a sheet column\n"
	"                 语种 (简体, 繁体, 英文) sets it per record.  Pages\n"
	"                 already read (DIR/derived/ocr) are not read again\n"
	"  --report-html FILE  also write the report as a printable Chinese\n"
	"                 quality-check sheet (数字化质量检查单)\n"
	"  --json         {batch, added, duplicates, records, rejected,\n"
	"                 warnings, ocr}\n",
	.min = 1, .max = -1, .what = "no PATH given",
	.flags = CMD_IN_ORDER,
};

/* The test hook name (HD_MAX_ENTRIES ...): a positive number in the
 * environment replaces *v; anything else leaves it. */
static void env_cap(const char *name, uint64_t *v)
{
	const char *s = getenv(name);
	long long x;

	if (s != NULL && cmd_number(s, 1, INT64_MAX, &x) == 0) {
		*v = (uint64_t)x;
	}
}

/* The keys batch .. warnings of an ingest run into o; returns o
 * (cmd.h). */
json_t *cmd_batch_json(json_t *o, const struct batch *b,
	const struct ingest_result *res, int dry, const char *reject_key)
{
	json_t *refs = json_array();
	size_t i;

	for (i = 0; i < res->nrefs; i++) {
		json_array_append_new(refs, json_string(res->refs[i]));
	}
	json_object_set_new(o, "batch", res->batch ?
		json_integer(res->batch) : json_null());
	if (dry >= 0) {
		json_object_set_new(o, "dry_run", json_boolean(dry));
	}
	json_object_set_new(o, "added", json_integer(res->added));
	json_object_set_new(o, "duplicates", json_integer(res->duplicates));
	json_object_set_new(o, "records", refs);
	json_object_set_new(o, "rejected", batch_notes_json(b->rejected,
		b->nrejected, reject_key));
	json_object_set_new(o, "warnings", batch_notes_json(b->warnings,
		b->nwarnings, "message"));
	return o;
}

/* "LABEL  PATH：MESSAGE" a note, without "PATH：" for an empty path
 * (cmd.h). */
void cmd_notes_print(const char *label, const struct hd_note *v,
	size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		printf("%s  %s%s%s\n", label, v[i].path, *v[i].path ? "：" : "",
			v[i].msg);
	}
}

/* "CODE  TITLE" a record stored, then "警告" a warning (cmd.h). */
void cmd_batch_print(const struct batch *b, const struct ingest_result *res)
{
	size_t i;

	for (i = 0; i < res->nrefs; i++) {
		printf("%s  %s\n", res->refs[i], res->titles[i]);
	}
	cmd_notes_print("警告", b->warnings, b->nwarnings);
}

/* The progress of an ingest on a terminal (cmd.h): one line on stderr,
 * rewritten in place, for reading the files ("60/60 个文件  0.1/0.1 MB
 * 2.0 MB/s  剩余约 0 秒") and for OCR ("文字识别 3/12 页  每分钟 4.0 页
 * 剩余约 135 秒"), ended by a newline when the stage ends.  The other
 * stages show nothing. */
void cmd_ingest_progress(const struct ingest_progress *p, void *ud)
{
	if (p->stage == INGEST_READ) {
		fprintf(stderr, "\r\033[K%zu/%zu 个文件  %.1f/%.1f MB  "
			"%.1f MB/s  剩余约 %.0f 秒", p->files_done,
			p->files_total, (double)p->bytes_done / 1e6,
			(double)p->bytes_total / 1e6, p->rate / 1e6, p->eta);
	} else if (p->stage == INGEST_OCR && p->pages_done == 0) {
		fprintf(stderr, "\r\033[K文字识别 0/%zu 页", p->pages_total);
	} else if (p->stage == INGEST_OCR) {
		fprintf(stderr, "\r\033[K文字识别 %zu/%zu 页  每分钟 %.1f 页"
			"  剩余约 %.0f 秒", p->pages_done, p->pages_total,
			p->rate * 60.0, p->eta);
	} else {
		return;
	}
	if (p->event == INGEST_END) {
		fputc('\n', stderr);
	}
}

/* What the OCR stage did; pages_per_minute counts pages read now. */
static json_t *ocr_json(const struct ocr_stats *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "pages", json_integer(s->pages));
	json_object_set_new(o, "read", json_integer(s->read));
	json_object_set_new(o, "cached", json_integer(s->cached));
	json_object_set_new(o, "failed", json_integer(s->failed));
	json_object_set_new(o, "skipped", json_integer(s->skipped));
	json_object_set_new(o, "workers", json_integer(s->workers));
	json_object_set_new(o, "seconds", json_real(s->seconds));
	json_object_set_new(o, "pages_per_minute", json_real(
		s->seconds > 0 && s->read > 0 ? s->read * 60.0 / s->seconds :
		0));
	return o;
}

/* Write the quality-check sheet of batch b to path, rendered from
 * batch_report by templates/print/report.html.  Returns 0, or 1 with a
 * line on stderr (the template failed, the file cannot be written). */
static int write_html(const struct cmd_ctx *c, struct batch *b,
	const struct ingest_result *res, int dry, const char *path)
{
	json_t *data = batch_report(b, res, dry);
	struct hd_error e;
	struct hd_buf html;
	FILE *f;
	int bad;

	hd_buf_init(&html);
	hd_err_clear(&e);
	bad = cmd_print(c, "report.html", data, &html, &e);
	json_decref(data);
	if (bad != 0) {
		hd_buf_release(&html);
		return cmd_err(c, 1, "%s: %s", path, e.msg);
	}
	f = fopen(path, "w");
	if (f == NULL) {
		hd_buf_release(&html);
		return cmd_err(c, 1, "%s: %s", path, strerror(errno));
	}
	bad = fwrite(html.p, 1, html.len, f) != html.len;
	bad |= fclose(f) != 0;
	hd_buf_release(&html);
	if (bad) {
		return cmd_err(c, 1, "%s: cannot write", path);
	}
	return 0;
}

/* cmd_open for writing, then hd_fonds_id of fonds unless NULL: 0, or a
 * usage error "--fonds: ..." (2), or cmd_open's status (cmd.h). */
int cmd_open_fonds(struct cmd_ctx *c, const char *fonds)
{
	struct hd_error e;
	int64_t id;
	int st = cmd_open(c, 0);

	hd_err_clear(&e);
	if (st == 0 && fonds != NULL && hd_fonds_id(c->a, fonds, &id,
	    &e) != 0) {
		return cmd_usage(c, "--fonds: %s", e.msg);
	}
	return st;
}

/* Report the run of batch b (res: what was stored; dry: --dry-run):
 * the records, warnings, OCR figures, refusals and the outcome (json: as
 * an object).  Returns 0, or 1 when stdout fails. */
static int report(const struct batch *b, const struct ingest_result *res,
	int json, int dry)
{
	size_t i;
	json_t *o;

	if (json) {
		o = cmd_batch_json(json_object(), b, res, dry, "reason");
		json_object_set_new(o, "ocr", ocr_json(&b->ocr));
		return cmd_json_out(o);
	}
	cmd_batch_print(b, res);
	if (b->ocr.pages > 0) {
		printf("文字识别 %d 页：本次识别 %d 页，沿用已识别 %d 页，未识别 "
			"%d 页，用时 %.1f 秒\n", b->ocr.pages, b->ocr.read,
			b->ocr.cached, b->ocr.failed + b->ocr.skipped,
			b->ocr.seconds);
	}
	for (i = 0; i < b->nrejected; i++) {
		printf("拒收  %s：%s\n", b->rejected[i].path,
			b->rejected[i].msg);
	}
	if (b->nrejected > 0) {
		printf("批次被拒收，未存入任何内容（%zu 个问题）\n",
			b->nrejected);
	} else if (dry) {
		printf("试运行：将新增 %d 件，重复 %d 件，警告 %zu 条；"
			"未存入任何内容\n", res->added, res->duplicates,
			b->nwarnings);
	} else {
		printf("批次 %lld：新增 %d 件，重复 %d 件，警告 %zu 条\n",
			(long long)res->batch, res->added, res->duplicates,
			b->nwarnings);
	}
	return 0;
}

/* --ocr-lang L: tesseract language names into o->to.  Returns 0, or 2
 * after the usage message. */
static int opt_ocr_lang(struct cmd_ctx *c, const struct cmd_opt *o,
	const char *arg)
{
	if (!ocr_lang_ok(arg)) {
		return cmd_usage(c, "--ocr-lang '%s': give tesseract language "
			"names such as chi_sim, chi_tra, eng or chi_sim+eng",
			arg);
	}
	*(const char **)o->to = arg;
	return 0;
}

/* Run the pipeline over the batch of the operands and report it
 * (--json: as an object; --report-html: also as a printable sheet).
 * Exit 0 when the batch landed (or with --dry-run would land), 1 when it
 * was refused or a report could not be written, 2 for bad usage. */
int cmd_ingest(struct cmd_ctx *c, int argc, char **argv)
{
	const char *html = NULL, *env;
	struct ingest_opts o;
	struct ingest_result res;
	struct hd_error e;
	struct batch b;
	int json = 0, status, rc;
	const struct cmd_opt opts[] = {
		CMD_STR("fonds", &o.fonds),
		CMD_STR("sheet", &o.sheet),
		CMD_CATEGORY(&o.category),
		CMD_CODE("access", &o.access, hd_access_code,
			"public, internal or restricted"),
		CMD_CODE("retention", &o.retention, hd_retention_code,
			"Y, D30 or D10"),
		CMD_STR("class", &o.cls),
		CMD_FLAG("approve", &o.approve),
		CMD_FLAG("dry-run", &o.dry_run),
		CMD_FLAG("json", &json),
		CMD_SET("ocr", &o.ocr, OCR_ON),
		CMD_SET("no-ocr", &o.ocr, OCR_OFF),
		CMD_FN("ocr-lang", &o.ocr_lang, opt_ocr_lang),
		CMD_STR("report-html", &html),
		CMD_END,
	};
	uint64_t cap;

	memset(&o, 0, sizeof o);
	o.agent = &c->agent;
	status = cmd_start(c, &spec, opts, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	status = cmd_open_fonds(c, o.fonds);
	if (status != 0) {
		return status;
	}
	if (!json && isatty(2)) {
		o.progress = cmd_ingest_progress;
	}
	batch_init(&b, c->a);
	cap = b.lim.max_entries;
	env_cap("HD_MAX_ENTRIES", &cap);
	b.lim.max_entries = (size_t)cap;
	env_cap("HD_MAX_TOTAL", &b.lim.max_total);
	env_cap("HD_MAX_ENTRY", &b.lim.max_entry);
	cap = (uint64_t)b.lim.max_ratio;
	env_cap("HD_MAX_RATIO", &cap);
	b.lim.max_ratio = (double)cap;
	cap = 0;
	env_cap("HD_OCR_WORKERS", &cap);
	o.ocr_workers = cap < 64 ? (int)cap : 64;
	env = getenv("TESSDATA_PREFIX");
	o.tessdata = env && *env ? env : NULL;
	hd_err_clear(&e);
	rc = ingest_run(&b, &o, argv, (size_t)argc, &res, &e);
	if (rc == 0 || rc == HD_EREJECT) {
		if (report(&b, &res, json, o.dry_run) != 0) {
			status = 1;
		}
		if (html != NULL && write_html(c, &b, &res, o.dry_run, html)) {
			status = 1;
		}
	}
	if (rc != 0) {
		status = cmd_fail(c, &e);
	}
	ingest_result_release(&res);
	batch_release(&b);
	return status;
}
