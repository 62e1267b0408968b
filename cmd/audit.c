/*
 * audit.c - "hongdang audit": list the event log, oldest first, filtered
 * by record, type, agent and time.  Reading only; "hongdang verify"
 * checks the chain.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
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
	"                detail}]}\n";

static int number(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		return -1;
	}
	*out = (int)v;
	return 0;
}

int cmd_audit(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"record", required_argument, NULL, 'r'},
		{"type", required_argument, NULL, 't'},
		{"agent", required_argument, NULL, 'a'},
		{"since", required_argument, NULL, 's'},
		{"limit", required_argument, NULL, 'l'},
		{"offset", required_argument, NULL, 'o'},
		{"newest", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hd_audit_query q;
	struct hd_archive *a;
	struct hd_event *v;
	struct hd_error e;
	int64_t total = 0;
	size_t n, i;
	int ch, json = 0, st = 0;

	memset(&q, 0, sizeof q);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			q.ref = optarg;
			break;
		case 't':
			q.type = optarg;
			break;
		case 'a':
			q.agent = optarg;
			break;
		case 's':
			q.since = optarg;
			break;
		case 'l':
			if (number(optarg, 1, 10000, &q.limit) != 0) {
				return cmd_usage("audit", "--limit '%s': "
					"give 1 to 10000", optarg);
			}
			break;
		case 'o':
			if (number(optarg, 0, 1000000000, &q.offset) != 0) {
				return cmd_usage("audit", "--offset '%s': "
					"give a number from 0", optarg);
			}
			break;
		case 'n':
			q.newest_first = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage("audit", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cmd_usage("audit", "unexpected argument '%s'",
			argv[optind]);
	}
	a = cmd_open(c, "audit", 1, &st);
	if (a == NULL) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_audit_list(a, &q, &v, &n, &total, &e) != 0) {
		hd_archive_close(a);
		return e.code == HD_EINVAL || e.code == HD_EUSAGE ?
			cmd_usage("audit", "%s", e.msg) : cmd_fail("audit", &e);
	}
	hd_archive_close(a);
	if (json) {
		json_t *o = json_object(), *arr = json_array();

		for (i = 0; i < n; i++) {
			json_t *ev = json_object();

			json_object_set_new(ev, "id", json_integer(v[i].id));
			json_object_set_new(ev, "at", json_string(v[i].at));
			json_object_set_new(ev, "type", json_string(v[i].type));
			json_object_set_new(ev, "agent",
				json_string(v[i].agent));
			json_object_set_new(ev, "ref", cmd_jstr(v[i].ref));
			json_object_set_new(ev, "detail",
				json_string(v[i].detail));
			json_array_append_new(arr, ev);
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
