/*
 * storage.c - the storage-room commands (库房日常管理):
 *   hongdang location add PATH... | assign REF LOCATION | list
 *   hongdang storage log --temp C --rh PCT [--at TIME] [--room R]
 *   hongdang storage report [--days N] [--room R]
 *   hongdang inventory start PLACE | found ID [--at PLACE] REF... |
 *                      show ID | finish ID
 * A reading outside 14-24 °C or 45-60 % RH is flagged where it is logged
 * and in the report; an inventory's finish reports the missing and
 * misplaced items (exit 1 when there are any, like verify).
 */
#include "cmd.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCAN_LINE_MAX 256       /* bytes of a scanned reference code */
#define SCAN_MAX 100000         /* reference codes from stdin */

static const char location_help[] =
	"usage: hongdang [-d DIR] location add PATH...\n"
	"       hongdang [-d DIR] location assign REF LOCATION\n"
	"       hongdang [-d DIR] location list [--json]\n\n"
	"Shelf locations of the paper originals: room 库房, cabinet 柜, shelf\n"
	"层, box 盒, written ROOM/CABINET/SHELF/BOX or with '-' (kept as\n"
	"一号库房-01柜-02层-03盒).  add also adds the enclosing places;\n"
	"assign records where a record's original is kept (the place must\n"
	"have been added); list shows every place with the records kept in\n"
	"it.\n";

static const char storage_help[] =
	"usage: hongdang [-d DIR] storage log --temp C --rh PCT [--at TIME]\n"
	"              [--room ROOM]\n"
	"       hongdang [-d DIR] storage report [--days N] [--room ROOM]\n"
	"              [--json]\n\n"
	"The storage room's temperature and humidity (库房温湿度).  The room\n"
	"must keep 14-24 °C and 45-60 % RH; a reading outside is flagged.\n\n"
	"  --temp C      degrees Celsius        --rh PCT   relative humidity\n"
	"  --at TIME     when it was read: 2026-11-20 09:30 (China time) or\n"
	"                ISO 8601 with a zone; default now\n"
	"  --room ROOM   default 一号库房\n"
	"  --days N      report the last N days (default 30)\n";

static const char inventory_help[] =
	"usage: hongdang [-d DIR] inventory start PLACE\n"
	"       hongdang [-d DIR] inventory found ID [--at PLACE] REF...|-\n"
	"       hongdang [-d DIR] inventory show ID [--json]\n"
	"       hongdang [-d DIR] inventory finish ID [--json]\n\n"
	"An inventory (盘点) of a room or cabinet: start it, mark each record\n"
	"found by its reference code (typed, or '-' to read codes a scanner\n"
	"types, one a line, from standard input; --at names the box or shelf\n"
	"where they are), finish it for the report of missing and misplaced\n"
	"items, stored with the inventory and as an event.  finish exits 1\n"
	"when anything is missing or misplaced.\n";

/* Options parsed the same way by every subcommand: --json, --help and
 * those listed in extra. */
struct sub_opts {
	int json;
	const char *at;
	const char *room;
	const char *temp;
	const char *rh;
	const char *days;
};

static int parse_opts(const char *cmd, const char *help, int argc,
	char **argv, struct sub_opts *so)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"at", required_argument, NULL, 'a'},
		{"room", required_argument, NULL, 'r'},
		{"temp", required_argument, NULL, 't'},
		{"rh", required_argument, NULL, 'H'},
		{"days", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(so, 0, sizeof *so);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			so->json = 1;
			break;
		case 'a':
			so->at = optarg;
			break;
		case 'r':
			so->room = optarg;
			break;
		case 't':
			so->temp = optarg;
			break;
		case 'H':
			so->rh = optarg;
			break;
		case 'd':
			so->days = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage(cmd, "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	return -1;
}

/* ------------------------------------------------------------ location */

static int location_list(struct hd_archive *a, int json)
{
	struct hd_location *v = NULL;
	struct hd_error e;
	size_t n = 0, i;
	json_t *arr;
	int status = 0;

	hd_err_clear(&e);
	if (hd_location_list(a, &v, &n, &e) != 0) {
		return cmd_fail("location", &e);
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "path", json_string(v[i].path));
			json_object_set_new(o, "depth",
				json_integer(v[i].depth));
			json_object_set_new(o, "records",
				json_integer(v[i].records));
			json_array_append_new(arr, o);
		}
		status = cmd_json_out(arr);
	} else {
		for (i = 0; i < n; i++) {
			printf("%*s%s  %lld 件\n", 2 * (v[i].depth - 1), "",
				v[i].path, (long long)v[i].records);
		}
		if (n == 0) {
			printf("还没有库房位置；用 'hongdang location add "
				"一号库房/01柜/02层/03盒' 添加\n");
		}
	}
	hd_locations_free(v, n);
	return status;
}

int cmd_location(struct cmd_ctx *c, int argc, char **argv)
{
	struct sub_opts so;
	struct hd_archive *a;
	struct hd_error e;
	char canon[HD_LOCATION_MAX];
	const char *sub;
	int status = 0, rc, i;

	rc = parse_opts("location", location_help, argc, argv, &so);
	if (rc >= 0) {
		return rc;
	}
	if (optind >= argc) {
		return cmd_usage("location", "add PATH..., assign REF "
			"LOCATION or list");
	}
	sub = argv[optind++];
	if (!((strcmp(sub, "add") == 0 && optind < argc) ||
	    (strcmp(sub, "assign") == 0 && argc - optind == 2) ||
	    (strcmp(sub, "list") == 0 && optind == argc))) {
		return cmd_usage("location", "add PATH..., assign REF "
			"LOCATION or list");
	}
	a = cmd_open(c, "location", strcmp(sub, "list") == 0, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (strcmp(sub, "list") == 0) {
		status = location_list(a, so.json);
	} else if (strcmp(sub, "assign") == 0) {
		rc = hd_location_assign(a, argv[optind], argv[optind + 1],
			&c->agent, &e);
		if (rc != 0) {
			status = cmd_fail("location", &e);
		} else {
			hd_location_canon(argv[optind + 1], canon, NULL);
			printf("%s 的原件存放于 %s\n", argv[optind], canon);
		}
	} else {
		for (i = optind; i < argc; i++) {
			hd_err_clear(&e);
			rc = hd_location_add(a, argv[i], &c->agent, canon, &e);
			if (rc == HD_EEXIST) {
				printf("已有位置：%s\n", canon);
			} else if (rc != 0) {
				status = cmd_fail("location", &e);
			} else {
				printf("已添加位置：%s\n", canon);
			}
		}
	}
	hd_archive_close(a);
	return status;
}

/* ------------------------------------------------------------- storage */

/* Why a reading is flagged, or NULL when it is within the limits. */
static const char *flag_of(double temp, double rh, char *buf, size_t n)
{
	const char *t = temp < HD_TEMP_MIN ? "温度过低" : temp > HD_TEMP_MAX ?
		"温度过高" : NULL;
	const char *h = rh < HD_RH_MIN ? "湿度过低" : rh > HD_RH_MAX ?
		"湿度过高" : NULL;

	if (t == NULL && h == NULL) {
		return NULL;
	}
	snprintf(buf, n, "%s%s%s", t ? t : "", t && h ? "，" : "",
		h ? h : "");
	return buf;
}

/* A number from a command line, or NAN. */
static double number(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0') {
		return NAN;
	}
	v = strtod(s, &end);
	return *end == '\0' ? v : NAN;
}

static int storage_log(struct cmd_ctx *c, const struct sub_opts *so)
{
	struct hd_archive *a;
	struct hd_error e;
	double temp = number(so->temp), rh = number(so->rh);
	char at[32], why[64];
	const char *flag;
	int status = 0;

	if (isnan(temp) || isnan(rh)) {
		return cmd_usage("storage", "log needs --temp C and --rh PCT "
			"as numbers");
	}
	hd_err_clear(&e);
	if (so->at != NULL && hd_time_parse(so->at, at, &e) != 0) {
		return cmd_usage("storage", "--at: %s", e.msg);
	}
	a = cmd_open(c, "storage", 0, &status);
	if (a == NULL) {
		return status;
	}
	if (hd_reading_add(a, so->room, temp, rh, so->at ? at : NULL,
	    &c->agent, &e) != 0) {
		status = cmd_fail("storage", &e);
		hd_archive_close(a);
		return e.code == HD_EINVAL ? 2 : status;
	}
	flag = flag_of(temp, rh, why, sizeof why);
	printf("已记录：%s %.1f °C，%.0f%% RH\n", so->room ? so->room :
		"一号库房", temp, rh);
	if (flag != NULL) {
		printf("超出范围：%s（应保持 %.0f-%.0f °C，%.0f-%.0f%% RH）\n",
			flag, HD_TEMP_MIN, HD_TEMP_MAX, HD_RH_MIN, HD_RH_MAX);
	}
	hd_archive_close(a);
	return 0;
}

static int storage_report(struct cmd_ctx *c, const struct sub_opts *so)
{
	struct hd_reading *v = NULL;
	struct hd_archive *a;
	struct hd_error e;
	double tmin = 0, tmax = 0, tsum = 0, hmin = 0, hmax = 0, hsum = 0;
	size_t n = 0, i, bad = 0;
	char since[32], why[64];
	json_t *o, *flagged;
	int days = 30, status = 0;
	time_t t;
	struct tm tm;

	if (so->days != NULL) {
		days = atoi(so->days);
		if (days < 1 || days > 3660) {
			return cmd_usage("storage", "--days '%s': 1 to 3660",
				so->days);
		}
	}
	a = cmd_open(c, "storage", 1, &status);
	if (a == NULL) {
		return status;
	}
	t = time(NULL) - (time_t)days * 86400;
	gmtime_r(&t, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	hd_err_clear(&e);
	if (hd_readings_since(a, since, so->room, &v, &n, &e) != 0) {
		status = cmd_fail("storage", &e);
		hd_archive_close(a);
		return status;
	}
	for (i = 0; i < n; i++) {
		if (i == 0 || v[i].temp < tmin) {
			tmin = v[i].temp;
		}
		if (i == 0 || v[i].temp > tmax) {
			tmax = v[i].temp;
		}
		if (i == 0 || v[i].rh < hmin) {
			hmin = v[i].rh;
		}
		if (i == 0 || v[i].rh > hmax) {
			hmax = v[i].rh;
		}
		tsum += v[i].temp;
		hsum += v[i].rh;
		bad += !v[i].in_range;
	}
	if (so->json) {
		o = json_object();
		flagged = json_array();
		json_object_set_new(o, "days", json_integer(days));
		json_object_set_new(o, "since", json_string(since));
		json_object_set_new(o, "readings", json_integer((json_int_t)n));
		json_object_set_new(o, "out_of_range",
			json_integer((json_int_t)bad));
		if (n > 0) {
			json_object_set_new(o, "temp_min", json_real(tmin));
			json_object_set_new(o, "temp_max", json_real(tmax));
			json_object_set_new(o, "temp_avg",
				json_real(tsum / (double)n));
			json_object_set_new(o, "rh_min", json_real(hmin));
			json_object_set_new(o, "rh_max", json_real(hmax));
			json_object_set_new(o, "rh_avg",
				json_real(hsum / (double)n));
		}
		for (i = 0; i < n; i++) {
			json_t *r;

			if (v[i].in_range) {
				continue;
			}
			r = json_object();
			json_object_set_new(r, "at", json_string(v[i].at));
			json_object_set_new(r, "room", json_string(v[i].room));
			json_object_set_new(r, "temp", json_real(v[i].temp));
			json_object_set_new(r, "rh", json_real(v[i].rh));
			json_object_set_new(r, "why", json_string(flag_of(
				v[i].temp, v[i].rh, why, sizeof why)));
			json_array_append_new(flagged, r);
		}
		json_object_set_new(o, "flagged", flagged);
		status = cmd_json_out(o);
	} else {
		printf("库房温湿度：最近 %d 天，%zu 次记录\n", days, n);
		if (n > 0) {
			printf("温度 %.1f-%.1f °C，平均 %.1f °C（应保持 "
				"%.0f-%.0f °C）\n湿度 %.0f-%.0f%%，平均 %.0f%%"
				"（应保持 %.0f-%.0f%%）\n", tmin, tmax,
				tsum / (double)n, HD_TEMP_MIN, HD_TEMP_MAX,
				hmin, hmax, hsum / (double)n, HD_RH_MIN,
				HD_RH_MAX);
		}
		printf("超出范围 %zu 次\n", bad);
		for (i = 0; i < n; i++) {
			if (!v[i].in_range) {
				printf("  %s  %s  %.1f °C  %.0f%%  %s\n",
					v[i].at, v[i].room, v[i].temp, v[i].rh,
					flag_of(v[i].temp, v[i].rh, why,
					sizeof why));
			}
		}
	}
	free(v);
	hd_archive_close(a);
	return status;
}

int cmd_storage(struct cmd_ctx *c, int argc, char **argv)
{
	struct sub_opts so;
	int rc;

	rc = parse_opts("storage", storage_help, argc, argv, &so);
	if (rc >= 0) {
		return rc;
	}
	if (argc - optind != 1) {
		return cmd_usage("storage", "log or report");
	}
	if (strcmp(argv[optind], "log") == 0) {
		return storage_log(c, &so);
	}
	if (strcmp(argv[optind], "report") == 0) {
		return storage_report(c, &so);
	}
	return cmd_usage("storage", "'%s': use log or report",
		argv[optind]);
}

/* ----------------------------------------------------------- inventory */

static int64_t inventory_id(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);

	return *end == '\0' && n > 0 ? (int64_t)n : 0;
}

static void print_items(json_t *rep, const char *key, const char *label,
	int at)
{
	json_t *v = json_object_get(rep, key), *it;
	size_t i;

	if (json_array_size(v) == 0) {
		return;
	}
	printf("%s %zu 件：\n", label, json_array_size(v));
	json_array_foreach(v, i, it) {
		if (json_is_string(it)) {
			printf("  %s\n", json_string_value(it));
			continue;
		}
		printf("  %s  %s", json_string_value(json_object_get(it,
			"ref")), json_string_value(json_object_get(it,
			"title")));
		if (json_object_get(it, "location") != NULL) {
			printf("  应在 %s", json_string_value(
				json_object_get(it, "location")));
		}
		if (at && json_object_get(it, "found_at") != NULL) {
			printf("，见于 %s", json_string_value(
				json_object_get(it, "found_at")));
		}
		printf("\n");
	}
}

/* Print a report; 1 when something is missing or misplaced. */
static int print_report(const char *text, int json)
{
	json_t *rep = json_loads(text, 0, NULL);
	int problems;

	if (rep == NULL) {
		printf("%s\n", text);
		return 1;
	}
	problems = json_array_size(json_object_get(rep, "missing")) > 0 ||
		json_array_size(json_object_get(rep, "misplaced")) > 0 ||
		json_array_size(json_object_get(rep, "unlocated")) > 0 ||
		json_array_size(json_object_get(rep, "unknown")) > 0;
	if (json) {
		cmd_json_out(rep);
		return problems;
	}
	printf("盘点 %lld：%s，%s\n应有 %lld 件，找到 %lld 件\n",
		(long long)json_integer_value(json_object_get(rep,
		"inventory")), json_string_value(json_object_get(rep, "scope")),
		json_is_string(json_object_get(rep, "finished")) ? "已结束" :
		"进行中", (long long)json_integer_value(json_object_get(rep,
		"expected")), (long long)json_integer_value(json_object_get(rep,
		"found")));
	print_items(rep, "missing", "缺失", 0);
	print_items(rep, "misplaced", "错架", 1);
	print_items(rep, "unlocated", "目录无存放位置", 0);
	print_items(rep, "unknown", "目录中没有", 0);
	if (!problems) {
		printf("账物相符\n");
	}
	json_decref(rep);
	return problems;
}

/* Reference codes from standard input, one a line (a scanner types
 * them). */
static char **read_scans(size_t *n)
{
	char line[SCAN_LINE_MAX + 2], **v = NULL;
	size_t len;

	*n = 0;
	while (*n < SCAN_MAX && fgets(line, sizeof line, stdin) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		hd_trim(line);
		if (line[0] != '\0') {
			hd_strv_add(&v, n, line);
		}
	}
	return v;
}

static int inventory_found(struct cmd_ctx *c, struct hd_archive *a,
	int64_t id, const char *at, char **refs, size_t n)
{
	static const char *const mark[] = {
		[HD_INV_EXPECTED] = "✓",
		[HD_INV_MISPLACED] = "错架",
		[HD_INV_UNLOCATED] = "无位置",
		[HD_INV_UNKNOWN] = "目录中没有",
		[HD_INV_AGAIN] = "已登记",
	};
	struct hd_inv_found *out = hd_xcalloc(n + 1, sizeof *out);
	struct hd_error e;
	size_t i;
	int status = 0;

	(void)c;
	hd_err_clear(&e);
	if (hd_inventory_found(a, id, at, (const char *const *)refs, n, out,
	    &e) != 0) {
		free(out);
		status = cmd_fail("inventory", &e);
		return e.code == HD_EINVAL || e.code == HD_ENOTFOUND ? 2 :
			status;
	}
	for (i = 0; i < n; i++) {
		printf("%s  %s", mark[out[i].mark], out[i].ref);
		if (out[i].title != NULL) {
			printf("  %s", out[i].title);
		}
		if (out[i].mark == HD_INV_MISPLACED && out[i].location) {
			printf("  应在 %s", out[i].location);
		}
		printf("\n");
	}
	hd_inv_found_release(out, n);
	free(out);
	return status;
}

int cmd_inventory(struct cmd_ctx *c, int argc, char **argv)
{
	struct sub_opts so;
	struct hd_archive *a;
	struct hd_error e;
	const char *sub;
	char **scans = NULL, *text = NULL;
	size_t nscans = 0;
	int64_t id = 0;
	int status = 0, rc, nargs;

	rc = parse_opts("inventory", inventory_help, argc, argv, &so);
	if (rc >= 0) {
		return rc;
	}
	if (optind >= argc) {
		return cmd_usage("inventory", "start, found, show or finish");
	}
	sub = argv[optind++];
	nargs = argc - optind;
	if (strcmp(sub, "start") == 0) {
		if (nargs != 1) {
			return cmd_usage("inventory", "start PLACE");
		}
	} else if (strcmp(sub, "found") == 0 || strcmp(sub, "show") == 0 ||
	    strcmp(sub, "finish") == 0) {
		if (nargs < 1 || (strcmp(sub, "found") == 0 ? nargs < 2 :
		    nargs != 1)) {
			return cmd_usage("inventory", "%s ID%s", sub,
				strcmp(sub, "found") == 0 ? " REF...|-" : "");
		}
		id = inventory_id(argv[optind]);
		if (id == 0) {
			return cmd_usage("inventory", "'%s' is not an "
				"inventory number", argv[optind]);
		}
	} else {
		return cmd_usage("inventory", "'%s': use start, found, show "
			"or finish", sub);
	}
	a = cmd_open(c, "inventory", strcmp(sub, "show") == 0, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (strcmp(sub, "start") == 0) {
		rc = hd_inventory_start(a, argv[optind], &c->agent, &id, &e);
		if (rc == 0) {
			rc = hd_inventory_report(a, id, 0, NULL, &text, &e);
		}
		if (rc == 0) {
			json_t *rep = json_loads(text, 0, NULL);

			printf("盘点 %lld 已开始：%s，目录中应有 %lld 件\n",
				(long long)id, json_string_value(
				json_object_get(rep, "scope")), (long long)
				json_integer_value(json_object_get(rep,
				"expected")));
			json_decref(rep);
		}
	} else if (strcmp(sub, "found") == 0) {
		if (nargs == 2 && strcmp(argv[optind + 1], "-") == 0) {
			scans = read_scans(&nscans);
			status = inventory_found(c, a, id, so.at, scans,
				nscans);
		} else {
			status = inventory_found(c, a, id, so.at,
				argv + optind + 1, (size_t)(nargs - 1));
		}
		rc = 0;
	} else {
		rc = hd_inventory_report(a, id, strcmp(sub, "finish") == 0,
			&c->agent, &text, &e);
		if (rc == 0) {
			status = print_report(text, so.json);
		}
	}
	if (rc != 0) {
		status = cmd_fail("inventory", &e);
		if (e.code == HD_ENOTFOUND || e.code == HD_EINVAL) {
			status = 2;
		}
	}
	free(text);
	hd_strv_free(scans, nscans);
	hd_archive_close(a);
	return status;
}
