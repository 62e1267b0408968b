/*
 * harvest.c - "hongdang harvest": the district archive gathers the
 * public catalogues of the community archive rooms over OAI-PMH: add a
 * room's /oai as a source, harvest one or all, list how each stands,
 * remove one with what it brought.
 */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

static const char about[] =
	"The district gathers the rooms' public catalogues over OAI-PMH.\n"
	"Harvested records are searched and shown with the district's own,\n"
	"marked with their room (社区), and are read-only here.\n";

static const struct cmd_spec add_spec = {
	.help =
	"usage: hongdang [-d DIR] harvest add NAME URL\n\n"
	"Add the room NAME whose OAI-PMH address is URL (a Hongdang room:\n"
	"http://HOST:PORT/oai).  Nothing is fetched until 'harvest run'.\n",
	.min = 2, .max = 2, .what = "give NAME and URL",
	.flags = CMD_WRITE | CMD_IN_ORDER,
};

static const struct cmd_spec run_spec = {
	.help =
	"usage: hongdang [-d DIR] harvest run [--timeout S] [NAME]\n\n"
	"Harvest room NAME, or every room: what changed since the last\n"
	"complete run, page by page (a run that was stopped goes on where it\n"
	"stopped).  A room that fails is named with the reason and the\n"
	"others are still harvested.\n\n"
	"  --timeout S  seconds each request may take (default 60)\n\n"
	"Exit 0, 1 when any room failed.\n",
	.max = 1, .what = "give at most one NAME",
	.flags = CMD_WRITE,
};

static const struct cmd_spec list_spec = {
	.help =
	"usage: hongdang [-d DIR] harvest list [--json]\n\n"
	"Every room with its address, the records harvested from it, its last\n"
	"run and how that ended.\n\n"
	"  --json  [{name, url, added, records, last_run, last_ok,\n"
	"           last_error, done_until, resuming}]\n",
	.flags = CMD_READ,
};

static const struct cmd_spec remove_spec = {
	.help =
	"usage: hongdang [-d DIR] harvest remove NAME\n\n"
	"Remove room NAME and every record harvested from it.\n",
	.min = 1, .max = 1, .what = "give NAME",
	.flags = CMD_WRITE | CMD_IN_ORDER,
};

/* harvest add NAME URL.  Exit 0, 2 for a bad name or URL, 1 when the
 * name is taken. */
static int harvest_add(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_error e;
	int st;

	st = cmd_start(c, &add_spec, NULL, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_harvest_add(c->a, argv[0], argv[1], &c->agent, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	printf("已添加社区：%s（%s）\n", argv[0], argv[1]);
	return 0;
}

/* Harvest source name, telling how it went on stdout, or why it failed
 * on stderr.  0 or the exit status of the failure. */
static int run_one(struct cmd_ctx *c, const char *name, int timeout)
{
	struct hd_harvest_opts o = { .timeout = timeout };
	struct hd_harvest_report r;
	struct hd_error e;

	hd_err_clear(&e);
	if (hd_harvest_run(c->a, name, &o, &c->agent, &r, &e) != 0) {
		if (r.pages > 0) {
			printf("%s：已存 %lld 页（新增 %lld，更新 %lld，删除 "
				"%lld）后中断\n", name, (long long)r.pages,
				(long long)r.added, (long long)r.updated,
				(long long)r.deleted);
		}
		return cmd_fail(c, &e);
	}
	printf("%s：%s%lld 页，新增 %lld，更新 %lld，删除 %lld，缩略图 "
		"%lld", name, r.resumed ? "续接上次中断，" : "",
		(long long)r.pages, (long long)r.added, (long long)r.updated,
		(long long)r.deleted, (long long)r.thumbs);
	if (r.thumbs_failed > 0) {
		printf("（%lld 张取不到）", (long long)r.thumbs_failed);
	}
	printf("\n");
	return 0;
}

/* harvest run [NAME]: one room or every room, in name order.  Exit 0,
 * 1 when any failed, 2 for a usage error. */
static int harvest_run(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_harvest_source *v = NULL;
	struct hd_error e;
	int timeout = 0, st, one;
	size_t n = 0, i;
	const struct cmd_opt opts[] = {
		CMD_INT("timeout", &timeout, 1, 3600),
		CMD_END,
	};

	st = cmd_start(c, &run_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	if (argc == 1) {
		return run_one(c, argv[0], timeout);
	}
	hd_err_clear(&e);
	if (hd_harvest_list(c->a, &v, &n, &e) != 0) {
		return cmd_fail(c, &e);
	}
	if (n == 0) {
		printf("还没有社区；用 'hongdang harvest add NAME URL' 添加\n");
	}
	st = 0;
	for (i = 0; i < n; i++) {
		one = run_one(c, v[i].name, timeout);
		if (one != 0 && st == 0) {
			st = one;
		}
	}
	hd_harvest_sources_free(v, n);
	return st;
}

/* s as a JSON string, or null. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The source item (a struct hd_harvest_source) as a JSON object. */
static json_t *source_json(const void *item)
{
	const struct hd_harvest_source *s = item;
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "url", json_string(s->url));
	json_object_set_new(o, "added", json_string(s->added));
	json_object_set_new(o, "records", json_integer(s->records));
	json_object_set_new(o, "last_run", str_or_null(s->last_run));
	json_object_set_new(o, "last_ok", str_or_null(s->last_ok));
	json_object_set_new(o, "last_error", str_or_null(s->last_error));
	json_object_set_new(o, "done_until", str_or_null(s->done_until));
	json_object_set_new(o, "resuming", json_boolean(s->resuming));
	return o;
}

/* The source item as two lines: name, records and address; its last
 * run and how it ended. */
static void source_print(const void *item)
{
	const struct hd_harvest_source *s = item;

	printf("%s  %lld 件  %s\n", s->name, (long long)s->records, s->url);
	if (s->last_run == NULL) {
		printf("  尚未收集\n");
	} else if (s->last_error != NULL) {
		printf("  %.19s 失败：%s%s\n", s->last_run, s->last_error,
			s->resuming ? "（下次从中断处继续）" : "");
	} else if (s->resuming) {
		printf("  %.19s 中断，下次从中断处继续\n", s->last_run);
	} else {
		printf("  %.19s 完成\n", s->last_run);
	}
}

/* harvest list [--json].  Exit 0. */
static int harvest_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_harvest_source *v = NULL;
	struct hd_error e;
	int json = 0, st;
	size_t n = 0;

	st = cmd_start_json(c, &list_spec, &json, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_harvest_list(c->a, &v, &n, &e) != 0) {
		return cmd_fail(c, &e);
	}
	st = cmd_list_out(json, v, n, sizeof *v, source_json, source_print,
		"还没有社区；用 'hongdang harvest add NAME URL' 添加");
	hd_harvest_sources_free(v, n);
	return st;
}

/* harvest remove NAME.  Exit 0, 1 for an unknown room. */
static int harvest_remove(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_error e;
	int64_t n = 0;
	int st;

	st = cmd_start(c, &remove_spec, NULL, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_harvest_remove(c->a, argv[0], &c->agent, &n, &e) != 0) {
		return cmd_fail(c, &e);
	}
	printf("已移除社区：%s（%lld 件目录）\n", argv[0], (long long)n);
	return 0;
}

static const struct subcommand subs[] = {
	{"add", harvest_add, &add_spec},
	{"run", harvest_run, &run_spec},
	{"list", harvest_list, &list_spec},
	{"remove", harvest_remove, &remove_spec},
	{NULL, NULL, NULL},
};

/* hongdang harvest SUBCOMMAND ...: one of subs. */
int cmd_harvest(struct cmd_ctx *c, int argc, char **argv)
{
	return cmd_dispatch(c, about, subs, argc, argv);
}
