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
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
	"usage: hongdang [-d DIR] ingest [--fonds CODE] [--sheet FILE]\n"
	"       [--category C] [--access public|internal|restricted]\n"
	"       [--retention Y|D30|D10] [--class C] [--approve] [--dry-run]\n"
	"       [--ocr|--no-ocr] [--ocr-lang L] [--report-html FILE]\n"
	"       [--json] PATH...\n\n"
	"Ingest a batch: files, folders, zip/tar/tar.gz/7z archives and\n"
	"BagIt bags.  The batch lands whole, in one transaction, or not at\n"
	"all; re-running the same batch adds nothing and reports duplicates.\n\n"
	"  --sheet FILE   catalogue sheet (CSV, UTF-8 or GB18030): 文件名 题名\n"
	"                 责任者 日期 门类 保管期限 开放 主题词 人物 地点 页数\n"
	"                 机构问题 附注 位置 语种; FILE may also be a path\n"
	"                 inside the batch\n"
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
	"                 warnings, ocr}\n";

static void env_cap(const char *name, uint64_t *v)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long x;

	if (s != NULL && *s) {
		x = strtoull(s, &end, 10);
		if (*end == '\0' && x > 0) {
			*v = x;
		}
	}
}

static json_t *notes_json(const struct batch_note *v, size_t n,
	const char *key)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "path", json_string(v[i].path));
		json_object_set_new(o, key, json_string(v[i].msg));
		json_array_append_new(a, o);
	}
	return a;
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

/* Write the quality-check sheet to path; 0, or 1 with a line on stderr. */
static int write_html(struct batch *b, const struct ingest_result *res,
	int dry, const char *path)
{
	char *html = batch_report_html(b, res, dry);
	FILE *f = fopen(path, "w");
	int bad;

	if (f == NULL) {
		fprintf(stderr, "hongdang ingest: %s: %s\n", path,
			strerror(errno));
		free(html);
		return 1;
	}
	bad = fputs(html, f) == EOF;
	bad |= fclose(f) != 0;
	free(html);
	if (bad) {
		fprintf(stderr, "hongdang ingest: %s: cannot write\n", path);
		return 1;
	}
	return 0;
}

static int report(const struct batch *b, const struct ingest_result *res,
	int json, int dry)
{
	size_t i;

	if (json) {
		json_t *o = json_object(), *refs = json_array();

		for (i = 0; i < res->nrefs; i++) {
			json_array_append_new(refs, json_string(res->refs[i]));
		}
		json_object_set_new(o, "batch", res->batch ?
			json_integer(res->batch) : json_null());
		json_object_set_new(o, "dry_run", json_boolean(dry));
		json_object_set_new(o, "added", json_integer(res->added));
		json_object_set_new(o, "duplicates",
			json_integer(res->duplicates));
		json_object_set_new(o, "records", refs);
		json_object_set_new(o, "rejected", notes_json(b->rejected,
			b->nrejected, "reason"));
		json_object_set_new(o, "warnings", notes_json(b->warnings,
			b->nwarnings, "message"));
		json_object_set_new(o, "ocr", ocr_json(&b->ocr));
		return cmd_json_out(o);
	}
	for (i = 0; i < res->nrefs; i++) {
		printf("%s  %s\n", res->refs[i], res->titles[i]);
	}
	for (i = 0; i < b->nwarnings; i++) {
		printf("警告  %s%s%s\n", b->warnings[i].path,
			*b->warnings[i].path ? "：" : "", b->warnings[i].msg);
	}
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

/* hongdang ingest: options, then one batch through the pipeline, its
 * report printed.  Returns the exit status. */
int cmd_ingest(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"fonds", required_argument, NULL, 'f'},
		{"sheet", required_argument, NULL, 's'},
		{"category", required_argument, NULL, 'c'},
		{"access", required_argument, NULL, 'a'},
		{"retention", required_argument, NULL, 'r'},
		{"class", required_argument, NULL, 'k'},
		{"approve", no_argument, NULL, 'A'},
		{"dry-run", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"ocr", no_argument, NULL, 'O'},
		{"no-ocr", no_argument, NULL, 'N'},
		{"ocr-lang", required_argument, NULL, 'L'},
		{"report-html", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *html = NULL, *env;
	struct ingest_opts o;
	struct ingest_result res;
	struct hd_archive *a;
	struct hd_error e;
	struct batch b;
	int ch, json = 0, status = 0, rc;
	int64_t fonds;
	uint64_t cap;

	memset(&o, 0, sizeof o);
	o.agent = &c->agent;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o.fonds = optarg;
			break;
		case 's':
			o.sheet = optarg;
			break;
		case 'c':
			o.category = hd_category_code(optarg);
			if (o.category == NULL) {
				return cmd_usage("ingest", "--category '%s': "
					"unknown category (WS, ZP, RS, SW, LY, "
					"LX)", optarg);
			}
			break;
		case 'a':
			o.access = hd_access_code(optarg);
			if (o.access == NULL) {
				return cmd_usage("ingest", "--access '%s': use "
					"public, internal or restricted",
					optarg);
			}
			break;
		case 'r':
			o.retention = hd_retention_code(optarg);
			if (o.retention == NULL) {
				return cmd_usage("ingest", "--retention '%s': "
					"use Y, D30 or D10", optarg);
			}
			break;
		case 'k':
			o.cls = optarg;
			break;
		case 'A':
			o.approve = 1;
			break;
		case 'n':
			o.dry_run = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'O':
			o.ocr = OCR_ON;
			break;
		case 'N':
			o.ocr = OCR_OFF;
			break;
		case 'L':
			if (!ocr_lang_ok(optarg)) {
				return cmd_usage("ingest", "--ocr-lang '%s': "
					"give tesseract language names such as "
					"chi_sim, chi_tra, eng or chi_sim+eng",
					optarg);
			}
			o.ocr_lang = optarg;
			break;
		case 'H':
			html = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage("ingest", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return cmd_usage("ingest", "no PATH given");
	}
	a = cmd_open(c, "ingest", 0, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (o.fonds != NULL && hd_fonds_id(a, o.fonds, &fonds, &e) != 0) {
		hd_archive_close(a);
		return cmd_usage("ingest", "--fonds: %s", e.msg);
	}
	o.progress = !json && isatty(2);
	batch_init(&b, a);
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
	rc = ingest_run(&b, &o, argv + optind, (size_t)(argc - optind), &res,
		&e);
	if (rc == 0 || rc == HD_EREJECT) {
		if (report(&b, &res, json, o.dry_run) != 0) {
			status = 1;
		}
		if (html != NULL && write_html(&b, &res, o.dry_run, html)) {
			status = 1;
		}
	}
	if (rc != 0) {
		status = cmd_fail("ingest", &e);
	}
	ingest_result_release(&res);
	batch_release(&b);
	hd_archive_close(a);
	return status;
}
