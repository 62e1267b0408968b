/*
 * location.c - "hongdang location": the shelf locations of the paper
 * originals (库房 room, 柜 cabinet, 层 shelf, 盒 box): add places, assign
 * a record's original to one, list them with the records they keep.
 */
#include "cmd.h"

static const char about[] =
	"Shelf locations of the paper originals: room 库房, cabinet 柜, shelf\n"
	"层, box 盒, written ROOM/CABINET/SHELF/BOX or with '-' (kept as\n"
	"一号库房-01柜-02层-03盒).\n";

static const struct cmd_spec add_spec = {
	.help =
	"usage: hongdang [-d DIR] location add PATH...\n\n"
	"Add the places PATH... and the places enclosing them.\n",
	.min = 1, .max = -1, .what = "give PATH...",
	.flags = CMD_WRITE,
};

static const struct cmd_spec assign_spec = {
	.help =
	"usage: hongdang [-d DIR] location assign REF LOCATION\n\n"
	"Record that the original of record REF is kept at LOCATION (the\n"
	"place must have been added).\n",
	.min = 2, .max = 2, .what = "give REF and LOCATION",
	.flags = CMD_WRITE,
};

static const struct cmd_spec list_spec = {
	.help =
	"usage: hongdang [-d DIR] location list [--json]\n\n"
	"Every place, indented by depth, with the records kept in it.\n\n"
	"  --json  [{path, depth, records}]\n",
	.flags = CMD_READ,
};

/* location add PATH...: each place with those enclosing it; a place
 * there already is said so.  Exit 0, 1 when any path is refused. */
static int location_add(struct cmd_ctx *c, int argc, char **argv)
{
	char canon[HD_LOCATION_MAX];
	struct hd_error e;
	int st, i, rc;

	st = cmd_start(c, &add_spec, NULL, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	st = 0;
	for (i = 0; i < argc; i++) {
		hd_err_clear(&e);
		rc = hd_location_add(c->a, argv[i], &c->agent, canon, &e);
		if (rc == HD_EEXIST) {
			printf("已有位置：%s\n", canon);
		} else if (rc != 0) {
			st = cmd_fail(c, &e);
		} else {
			printf("已添加位置：%s\n", canon);
		}
	}
	return st;
}

/* location assign REF LOCATION.  Exit 0, 1 for an unknown record or
 * place. */
static int location_assign(struct cmd_ctx *c, int argc, char **argv)
{
	char canon[HD_LOCATION_MAX];
	struct hd_error e;
	int st;

	st = cmd_start(c, &assign_spec, NULL, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_location_assign(c->a, argv[0], argv[1], &c->agent, &e) != 0) {
		return cmd_fail(c, &e);
	}
	hd_location_canon(argv[1], canon, NULL);
	printf("%s 的原件存放于 %s\n", argv[0], canon);
	return 0;
}

/* The place item (a struct hd_location) as a JSON object. */
static json_t *location_json(const void *item)
{
	const struct hd_location *v = item;

	return json_pack("{s:s, s:i, s:I}", "path", v->path, "depth",
		v->depth, "records", (json_int_t)v->records);
}

/* The place item (a struct hd_location) as a line, indented by its
 * depth, with its count of records. */
static void location_print(const void *item)
{
	const struct hd_location *v = item;

	printf("%*s%s  %lld 件\n", 2 * (v->depth - 1), "", v->path,
		(long long)v->records);
}

/* location list: every place (--json: an array).  Exit 0. */
static int location_list(struct cmd_ctx *c, int argc, char **argv)
{
	int json = 0, st;
	struct hd_location *v = NULL;
	struct hd_error e;
	size_t n = 0;

	st = cmd_start_json(c, &list_spec, &json, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_location_list(c->a, &v, &n, &e) != 0) {
		return cmd_fail(c, &e);
	}
	st = cmd_list_out(json, v, n, sizeof *v, location_json,
		location_print, "还没有库房位置；用 'hongdang location add "
		"一号库房/01柜/02层/03盒' 添加");
	hd_locations_free(v, n);
	return st;
}

static const struct subcommand subs[] = {
	{"add", location_add, &add_spec},
	{"assign", location_assign, &assign_spec},
	{"list", location_list, &list_spec},
	{NULL, NULL, NULL},
};

/* hongdang location SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_location = { about, subs };
