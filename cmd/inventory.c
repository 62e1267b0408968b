/*
 * inventory.c - "hongdang inventory": an inventory (盘点) of a room or
 * cabinet: start it, mark each record found, finish it with the report
 * of missing and misplaced items (exit 1 when there are any, like
 * verify), stored with the inventory and as an event.
 */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

#define SCAN_LINE_MAX 256       /* bytes of a scanned reference code */
#define SCAN_MAX 100000         /* reference codes from stdin */

static const char about[] =
	"An inventory (盘点) of a room or cabinet: start it, mark each record\n"
	"found by its reference code, finish it for the report of missing and\n"
	"misplaced items, stored with the inventory and as an event.\n";

static const struct cmd_spec start_spec = {
	.help =
	"usage: hongdang [-d DIR] inventory start PLACE\n\n"
	"Start an inventory of PLACE (a room, cabinet ...); says its number\n"
	"and how many records the catalogue keeps there.\n",
	.min = 1, .max = 1, .what = "give one PLACE",
	.flags = CMD_WRITE,
};

static const struct cmd_spec found_spec = {
	.help =
	"usage: hongdang [-d DIR] inventory found ID [--at PLACE] REF...|-\n\n"
	"Mark records of inventory ID found by their reference codes, typed,\n"
	"or '-' to read codes a scanner types, one a line, from standard\n"
	"input.\n\n"
	"  --at PLACE  the box or shelf where they are\n",
	.min = 2, .max = -1, .what = "give ID and REF...|-",
};

static const struct cmd_spec show_spec = {
	.help =
	"usage: hongdang [-d DIR] inventory show ID [--json]\n\n"
	"The report of inventory ID so far.  Exit 1 when anything is\n"
	"missing or misplaced.\n\n"
	"  --json  the report: {inventory, scope, started, finished,\n"
	"          expected, found, missing, misplaced, unlocated, unknown}\n",
	.min = 1, .max = 1, .what = "give one inventory number",
};

static const struct cmd_spec finish_spec = {
	.help =
	"usage: hongdang [-d DIR] inventory finish ID [--json]\n\n"
	"Finish inventory ID: its report of missing and misplaced items is\n"
	"stored with it and as an event.  Exit 1 when anything is missing or\n"
	"misplaced.\n\n"
	"  --json  the report, as with show\n",
	.min = 1, .max = 1, .what = "give one inventory number",
};

/* Report the library error e: exit 2 for an unknown inventory or place
 * (the user typed them), else cmd_fail's. */
static int fail(const struct cmd_ctx *c, const struct hd_error *e)
{
	int st = cmd_fail(c, e);

	return e->code == HD_EINVAL || e->code == HD_ENOTFOUND ? 2 : st;
}

/* The inventory number s into *id, then the archive opened (readonly or
 * not).  Returns -1 to go on, or the exit status after the message. */
static int open_inventory(struct cmd_ctx *c, const char *s, int readonly,
	int64_t *id)
{
	int st = cmd_id(c, "an inventory number", s, id);

	if (st == 0) {
		st = cmd_open(c, readonly);
	}
	return st != 0 ? st : -1;
}

/* The list key of the report rep (missing, misplaced ...) under label
 * with its count, a line an item: its code and title, where it should
 * be and (at) where it was found.  Nothing when the list is empty. */
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

/* Print the report text (the JSON the library stores; with json as it
 * is).  Returns 1 when something is missing, misplaced, without a place
 * or unknown, else 0. */
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

/* Reference codes from standard input, one a line as a scanner types
 * them (at most SCAN_MAX, each trimmed, blank lines skipped): a new
 * string vector of *n (hd_strv_free). */
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

/* Mark the n codes refs found in inventory id (at the place at, or
 * where the catalogue has them) and print a line a code with what it
 * was: found, misplaced, without a place, unknown, found already.
 * Returns 0, or the exit status after the message: 2 for an unknown
 * inventory or a place not known. */
static int mark_found(struct cmd_ctx *c, int64_t id, const char *at,
	char **refs, size_t n)
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

	hd_err_clear(&e);
	if (hd_inventory_found(c->a, id, at, (const char *const *)refs, n, out,
	    &e) != 0) {
		free(out);
		return fail(c, &e);
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

/* inventory start PLACE: says the number and how many records are to be
 * found.  Exit 0, 2 for a place not known. */
static int inventory_start(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_error e;
	char *text = NULL;
	json_t *rep;
	int64_t id;
	int st;

	st = cmd_start(c, &start_spec, NULL, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_inventory_start(c->a, argv[0], &c->agent, &id, &e) != 0 ||
	    hd_inventory_report(c->a, id, 0, NULL, &text, &e) != 0) {
		return fail(c, &e);
	}
	rep = json_loads(text, 0, NULL);
	printf("盘点 %lld 已开始：%s，目录中应有 %lld 件\n", (long long)id,
		json_string_value(json_object_get(rep, "scope")),
		(long long)json_integer_value(json_object_get(rep,
		"expected")));
	json_decref(rep);
	free(text);
	return 0;
}

/* inventory found ID [--at PLACE] REF...|-: mark_found with the codes
 * given, or with "-" those read from standard input. */
static int inventory_found(struct cmd_ctx *c, int argc, char **argv)
{
	const char *at = NULL;
	const struct cmd_opt opts[] = {
		CMD_STR("at", &at),
		CMD_END,
	};
	char **scans;
	size_t nscans;
	int64_t id;
	int st;

	st = cmd_start(c, &found_spec, opts, &argc, &argv);
	if (st < 0) {
		st = open_inventory(c, argv[0], 0, &id);
	}
	if (st >= 0) {
		return st;
	}
	if (argc == 2 && strcmp(argv[1], "-") == 0) {
		scans = read_scans(&nscans);
		st = mark_found(c, id, at, scans, nscans);
		hd_strv_free(scans, nscans);
		return st;
	}
	return mark_found(c, id, at, argv + 1, (size_t)(argc - 1));
}

/* inventory show ID and inventory finish ID (finish 1): the report, so
 * far or final (--json: as it is stored).  Exit 0, 1 when anything is
 * missing or misplaced, 2 for an unknown inventory. */
static int report(struct cmd_ctx *c, int argc, char **argv, int finish)
{
	struct hd_error e;
	char *text = NULL;
	int64_t id;
	int json, st;

	st = cmd_start_json(c, finish ? &finish_spec : &show_spec, &json,
		&argc, &argv);
	if (st < 0) {
		st = open_inventory(c, argv[0], !finish, &id);
	}
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_inventory_report(c->a, id, finish, &c->agent, &text,
	    &e) != 0) {
		return fail(c, &e);
	}
	st = print_report(text, json);
	free(text);
	return st;
}

/* inventory show ID [--json] */
static int inventory_show(struct cmd_ctx *c, int argc, char **argv)
{
	return report(c, argc, argv, 0);
}

/* inventory finish ID [--json] */
static int inventory_finish(struct cmd_ctx *c, int argc, char **argv)
{
	return report(c, argc, argv, 1);
}

static const struct subcommand subs[] = {
	{"start", inventory_start, &start_spec},
	{"found", inventory_found, &found_spec},
	{"show", inventory_show, &show_spec},
	{"finish", inventory_finish, &finish_spec},
	{NULL, NULL, NULL},
};

/* hongdang inventory SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_inventory = { about, subs };
