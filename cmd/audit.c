/*
 * audit.c - "hongdang audit": list the event log, oldest first, filtered
 * by record, type, agent and time.  Reading only; "hongdang verify"
 * checks the chain.
 */
#include "cmd.h"

#include <string.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] audit [--record REF] [--type T] [--agent A]\n"
	"       [--since DATE] [--limit N] [--offset N] [--newest] [--json]\n\n"
	"List events (the hash-chained log of every action), oldest first.\n\n"
	"  --record REF  events of one record\n"
	"  --type T      one type: init, collect, ingest, review, edit,\n"
	"                withdraw, consult, account, login, logout, fixity,\n"
	"                config, visit, storage ...\n"
	"  --agent A     one agent, e.g. web:zhang or cli:root\n"
	"  --since DATE  from this day on (YYYY-MM-DD, China time) or this\n"
	"                UTC time (YYYY-MM-DDTHH:MM:SSZ)\n"
	"  --limit N     events to show, 1-10000 (default 100)\n"
	"  --offset N    skip the first N\n"
	"  --newest      newest first\n"
	"  --json        {total, events: [{id, at, type, agent, ref,\n"
	"                detail}]}\n",
	.flags = CMD_READ,
};

/* List the events the options select (--json: with the total, as an
 * object).  Exit 0, 2 for a bad option value. */
int cmd_audit(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_audit_query q;
	struct hd_event *v;
	struct hd_error e;
	int64_t total = 0;
	size_t n, i;
	int json = 0, st;
	const struct cmd_opt opts[] = {
		CMD_STR("record", &q.ref),
		CMD_STR("type", &q.type),
		CMD_STR("agent", &q.agent),
		CMD_STR("since", &q.since),
		CMD_INT("limit", &q.limit, 1, 10000),
		CMD_INT("offset", &q.offset, 0, 1000000000),
		CMD_FLAG("newest", &q.newest_first),
		CMD_FLAG("json", &json),
		CMD_END,
	};

	memset(&q, 0, sizeof q);
	st = cmd_start(c, &spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_audit_list(c->a, &q, &v, &n, &total, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	st = 0;
	if (json) {
		json_t *o = json_object(), *arr = json_array();

		for (i = 0; i < n; i++) {
			json_array_append_new(arr, json_pack("{s:I, s:s, s:s, "
				"s:s, s:s?, s:s}", "id", (json_int_t)v[i].id,
				"at", v[i].at, "type", v[i].type,
				"agent", v[i].agent, "ref", v[i].ref,
				"detail", v[i].detail));
		}
		json_object_set_new(o, "total", json_integer(total));
		json_object_set_new(o, "events", arr);
		st = cmd_json_out(o);
	} else {
		for (i = 0; i < n; i++) {
			printf("%6lld  %s  %-9s %-16s %s  %s\n",
				(long long)v[i].id, v[i].at, v[i].type,
				v[i].agent, v[i].ref ? v[i].ref : "-",
				v[i].detail);
		}
		if ((int64_t)n < total) {
			printf("（共 %lld 条，显示 %zu 条；用 --offset 和 "
				"--limit 翻页）\n", (long long)total, n);
		}
	}
	hd_events_free(v, n);
	return st;
}
