/*
 * search.c - "hongdang search" and "hongdang show".
 *
 * The command line sees every record (the archivist is at the machine);
 * "search --public" shows exactly what a visitor may see.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char search_help[] =
	"usage: hongdang [-d DIR] search [--json] [--limit N] [--offset N]\n"
	"       [--public] [--year A-B] [--category C] [--class C] QUERY\n\n"
	"Full-text search.  One Chinese character and up matches (番禺, 党员,\n"
	"档); \"a phrase\", AND, OR, NOT and prefix* work; anything FTS5 would\n"
	"refuse is searched as plain words.\n\n"
	"  --json        {query, total, hits: [{ref, title, date, category,\n"
	"                access, status, snippet}]}; snippet is HTML with\n"
	"                <mark>…</mark>\n"
	"  --limit N     hits to show, 1-1000 (default 20)\n"
	"  --offset N    skip the first N hits\n"
	"  --public      only what a visitor may see (approved public records)\n"
	"  --year A-B    records dated within A..B (also A-, -B, A)\n"
	"  --category C  门类 code or name (WS 文书, ZP 照片, RS 人事 ...)\n"
	"  --class C     机构问题 code (DJ 党建, SQ 社区史, GZ 改造 ...)\n";

static int parse_count(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Snippet HTML to terminal text: <mark> to bold, entities decoded. */
static void print_snippet(const char *s)
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{"<mark>", "\033[1;31m"}, {"</mark>", "\033[0m"},
		{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"},
		{"&quot;", "\""}, {"&#39;", "'"},
	};
	size_t i, k;
	int tty = isatty(1);

	for (i = 0; s[i]; ) {
		for (k = 0; k < sizeof map / sizeof map[0]; k++) {
			size_t n = strlen(map[k].from);

			if (strncmp(s + i, map[k].from, n) == 0) {
				if (k >= 2 || tty) {
					fputs(map[k].to, stdout);
				}
				i += n;
				break;
			}
		}
		if (k == sizeof map / sizeof map[0]) {
			putchar(s[i] == '\n' ? ' ' : s[i]);
			i++;
		}
	}
}

int cmd_search(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"limit", required_argument, NULL, 'l'},
		{"offset", required_argument, NULL, 'o'},
		{"public", no_argument, NULL, 'p'},
		{"year", required_argument, NULL, 'y'},
		{"category", required_argument, NULL, 'c'},
		{"class", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hd_query q;
	struct hd_results res;
	struct hd_archive *a;
	struct hd_error e;
	struct hd_buf qb;
	int ch, json = 0, pub = 0, status = 0, i;
	size_t k;

	memset(&q, 0, sizeof q);
	q.limit = 20;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'l':
			if (parse_count(optarg, 1, 1000, &q.limit) != 0) {
				return cmd_usage("search", "--limit '%s': give "
					"a number from 1 to 1000", optarg);
			}
			break;
		case 'o':
			if (parse_count(optarg, 0, 1000000, &q.offset) != 0) {
				return cmd_usage("search", "--offset '%s': give "
					"a number from 0", optarg);
			}
			break;
		case 'p':
			pub = 1;
			break;
		case 'y':
			if (cmd_years(optarg, &q.year_from, &q.year_to) != 0) {
				return cmd_usage("search", "--year '%s': give "
					"a range such as 1980-1999", optarg);
			}
			break;
		case 'c':
			q.category = hd_category_code(optarg);
			if (q.category == NULL) {
				return cmd_usage("search", "--category '%s': "
					"unknown category", optarg);
			}
			break;
		case 'k':
			q.cls = optarg;
			break;
		case 'h':
			fputs(search_help, stdout);
			return 0;
		default:
			return cmd_usage("search", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return cmd_usage("search", "no query given");
	}
	hd_buf_init(&qb);
	for (i = optind; i < argc; i++) {
		hd_buf_printf(&qb, "%s%s", i > optind ? " " : "", argv[i]);
	}
	q.q = qb.p;
	a = cmd_open(c, "search", 1, &status);
	if (a == NULL) {
		hd_buf_release(&qb);
		return status;
	}
	/* the archivist at the command line counts every match */
	q.exact = 1;
	hd_err_clear(&e);
	if (hd_search(a, pub ? HD_PUBLIC : HD_ARCHIVIST, &q, &res, &e) != 0) {
		status = e.code == HD_EINVAL ? cmd_usage("search", "%s",
			e.msg) : cmd_fail("search", &e);
		goto out;
	}
	if (json) {
		json_t *o = json_object(), *hits = json_array();

		json_object_set_new(o, "query", json_string(q.q));
		json_object_set_new(o, "total", json_integer(res.total));
		for (k = 0; k < res.nhits; k++) {
			struct hd_hit *h = &res.hits[k];
			json_t *j = json_object();

			json_object_set_new(j, "ref", json_string(h->ref));
			json_object_set_new(j, "title", json_string(h->title));
			json_object_set_new(j, "date", cmd_jstr(h->date));
			json_object_set_new(j, "category",
				json_string(h->category));
			json_object_set_new(j, "access", json_string(h->access));
			json_object_set_new(j, "status", json_string(h->status));
			json_object_set_new(j, "snippet",
				json_string(h->snippet));
			json_array_append_new(hits, j);
		}
		json_object_set_new(o, "hits", hits);
		status = cmd_json_out(o);
	} else {
		printf("“%s”：共 %lld 条\n", q.q, (long long)res.total);
		for (k = 0; k < res.nhits; k++) {
			struct hd_hit *h = &res.hits[k];

			printf("\n%s  %s  %s%s%s\n    ", h->ref, h->title,
				h->date ? h->date : "", strcmp(h->status,
				"approved") ? "  [" : "", strcmp(h->status,
				"approved") ? hd_status_name(h->status) : "");
			if (strcmp(h->status, "approved") != 0) {
				fputs("]", stdout);
			}
			print_snippet(h->snippet);
			putchar('\n');
		}
	}
	hd_results_release(&res);
out:
	hd_buf_release(&qb);
	hd_archive_close(a);
	return status;
}

static const char show_help[] =
	"usage: hongdang [-d DIR] show [--json] REF\n\n"
	"Show one record, its files (with EXIF) and its events.  REF is a\n"
	"reference code such as QF01-ZP·1985·Y-SQ-0003 ('.' may replace '·').\n";

static json_t *file_json(const struct hd_file *f)
{
	json_t *j = json_object(), *x;

	json_object_set_new(j, "name", json_string(f->name));
	json_object_set_new(j, "sha256", json_string(f->sha256));
	json_object_set_new(j, "size", json_integer((json_int_t)f->size));
	json_object_set_new(j, "mime", cmd_jstr(f->mime));
	json_object_set_new(j, "width", f->width ? json_integer(f->width) :
		json_null());
	json_object_set_new(j, "height", f->height ?
		json_integer(f->height) : json_null());
	if (f->pages > 0) {
		json_object_set_new(j, "pages", json_integer(f->pages));
	}
	if (!f->has_exif) {
		json_object_set_new(j, "exif", json_null());
		return j;
	}
	x = json_object();
	json_object_set_new(x, "DateTimeOriginal", f->exif.datetime[0] ?
		json_string(f->exif.datetime) : json_null());
	json_object_set_new(x, "Make", f->exif.make[0] ?
		json_string(f->exif.make) : json_null());
	json_object_set_new(x, "Model", f->exif.model[0] ?
		json_string(f->exif.model) : json_null());
	json_object_set_new(x, "Orientation", f->exif.orientation ?
		json_integer(f->exif.orientation) : json_null());
	json_object_set_new(x, "XResolution", f->exif.xres > 0 ?
		json_real(f->exif.xres) : json_null());
	json_object_set_new(x, "GPSLatitude", f->exif.has_gps ?
		json_real(f->exif.lat) : json_null());
	json_object_set_new(x, "GPSLongitude", f->exif.has_gps ?
		json_real(f->exif.lon) : json_null());
	json_object_set_new(j, "exif", x);
	return j;
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_string(v[i]));
	}
	return a;
}

static json_t *record_json(const struct hd_record *r)
{
	json_t *o = json_object(), *files = json_array(), *ev = json_array();
	size_t i;

	json_object_set_new(o, "ref", json_string(r->ref));
	json_object_set_new(o, "title", json_string(r->title));
	json_object_set_new(o, "creator", cmd_jstr(r->creator));
	json_object_set_new(o, "date", cmd_jstr(r->date));
	json_object_set_new(o, "category", json_string(r->category));
	json_object_set_new(o, "access", json_string(r->access));
	json_object_set_new(o, "status", json_string(r->status));
	json_object_set_new(o, "retention", json_string(r->retention));
	json_object_set_new(o, "class", cmd_jstr(r->cls));
	json_object_set_new(o, "location", cmd_jstr(r->location));
	json_object_set_new(o, "place", cmd_jstr(r->place));
	json_object_set_new(o, "description", cmd_jstr(r->description));
	json_object_set_new(o, "pages", r->pages ? json_integer(r->pages) :
		json_null());
	json_object_set_new(o, "subjects", strv_json(r->subjects,
		r->nsubjects));
	json_object_set_new(o, "persons", strv_json(r->persons, r->npersons));
	for (i = 0; i < r->nfiles; i++) {
		json_array_append_new(files, file_json(&r->files[i]));
	}
	json_object_set_new(o, "files", files);
	for (i = 0; i < r->nevents; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string(r->events[i].type));
		json_object_set_new(j, "at", json_string(r->events[i].at));
		json_object_set_new(j, "agent",
			json_string(r->events[i].agent));
		json_object_set_new(j, "detail",
			json_string(r->events[i].detail));
		json_array_append_new(ev, j);
	}
	json_object_set_new(o, "events", ev);
	return o;
}

static void print_field(const char *label, const char *v)
{
	if (v != NULL && *v) {
		printf("%s：%s\n", label, v);
	}
}

static void print_record(const struct hd_record *r)
{
	size_t i;

	printf("%s\n", r->title);
	print_field("档号", r->ref);
	print_field("责任者", r->creator);
	print_field("日期", r->date);
	printf("门类：%s %s\n", r->category,
		hd_category_name(r->category) ?
		hd_category_name(r->category) : "");
	printf("保管期限：%s　开放：%s　状态：%s\n",
		hd_retention_name(r->retention), hd_access_name(r->access),
		hd_status_name(r->status));
	print_field("地点", r->place);
	print_field("位置", r->location);
	print_field("附注", r->description);
	for (i = 0; i < r->nsubjects; i++) {
		printf("%s%s", i ? "、" : "主题词：", r->subjects[i]);
	}
	if (r->nsubjects) {
		putchar('\n');
	}
	for (i = 0; i < r->npersons; i++) {
		printf("%s%s", i ? "、" : "人物：", r->persons[i]);
	}
	if (r->npersons) {
		putchar('\n');
	}
	printf("\n文件（%zu）：\n", r->nfiles);
	for (i = 0; i < r->nfiles; i++) {
		const struct hd_file *f = &r->files[i];

		printf("  %s  %s  %llu 字节", f->name, f->mime,
			(unsigned long long)f->size);
		if (f->width) {
			printf("  %d×%d", f->width, f->height);
		}
		if (f->has_exif && f->exif.datetime[0]) {
			printf("  拍摄 %s", f->exif.datetime);
		}
		printf("\n    sha256 %s\n", f->sha256);
	}
	printf("\n事件：\n");
	for (i = 0; i < r->nevents; i++) {
		printf("  %s  %-8s %s  %s\n", r->events[i].at,
			r->events[i].type, r->events[i].agent,
			r->events[i].detail);
	}
}

int cmd_show(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_archive *a;
	struct hd_record r;
	struct hd_error e;
	int json, stop, status = 0;

	stop = cmd_opts_json("show", show_help, argc, argv, &json);
	if (stop >= 0) {
		return stop;
	}
	if (optind + 1 != argc) {
		return cmd_usage("show", "give exactly one reference code");
	}
	a = cmd_open(c, "show", 1, &status);
	if (a == NULL) {
		return status;
	}
	hd_record_init(&r);
	hd_err_clear(&e);
	if (hd_record_get(a, HD_ARCHIVIST, argv[optind], &r, &e) != 0) {
		status = e.code == HD_EINVAL ? cmd_usage("show", "%s", e.msg) :
			cmd_fail("show", &e);
		hd_archive_close(a);
		return status;
	}
	if (json) {
		status = cmd_json_out(record_json(&r));
	} else {
		print_record(&r);
	}
	hd_record_release(&r);
	hd_archive_close(a);
	return status;
}
