/*
 * consult.c - "hongdang consult": consultation requests (查阅 / 借阅),
 * their approval or refusal, the list, and usage statistics (利用统计).
 *
 * Restricted content itself is only shown through the admin pages, to
 * the account an approval names; the command line files and decides.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: hongdang [-d DIR] consult request --person P --org O\n"
	"              --purpose X [--note TEXT] --kind K --days N REF...\n"
	"       hongdang [-d DIR] consult approve ID --account NAME\n"
	"              [--kind K] [--from DATE] [--days N]\n"
	"       hongdang [-d DIR] consult refuse ID --reason TEXT\n"
	"       hongdang [-d DIR] consult list [--status S] [--account NAME]\n"
	"              [--json]\n"
	"       hongdang [-d DIR] consult stats [--json]\n\n"
	"Consultation of records (查阅 / 借阅).  A request names the person,\n"
	"their organisation, the purpose, the records, the kinds of use and\n"
	"the days wanted; a reviewer approves it for a named account, which\n"
	"may then see the content on the admin pages inside the window and\n"
	"only for the kinds approved.  Every use is logged.\n\n"
	"  --purpose X   research 学术研究, work 工作查考, history 编史修志,\n"
	"                personal 个人权益, education 宣传教育, other 其他\n"
	"  --kind K      view (on screen), print, copy; several with commas\n"
	"  --days N      1-90; approve: the window's length (default: as\n"
	"                asked)\n"
	"  --account A   approve: the account that may consult; list: only\n"
	"                the approved requests naming it\n"
	"  --from DATE   approve: first day of the window, YYYY-MM-DD (China\n"
	"                time; default today).  A day in the past records an\n"
	"                approval given earlier: a window that has ended\n"
	"                grants nothing\n"
	"  --status S    list: pending, approved or refused\n"
	"  --json        request: {id}; list: [{id, person, org, purpose,\n"
	"                kinds, days, status, account, granted, from, until,\n"
	"                refs}]; stats: {month, category, purpose}\n";

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0) {
		return -1;
	}
	*id = v;
	return 0;
}

static json_t *consult_json(const struct hd_consult *q)
{
	json_t *o = json_object(), *refs = json_array();
	size_t i;

	for (i = 0; i < q->nrefs; i++) {
		json_array_append_new(refs, json_string(q->refs[i]));
	}
	json_object_set_new(o, "id", json_integer(q->id));
	json_object_set_new(o, "person", json_string(q->person));
	json_object_set_new(o, "org", json_string(q->org));
	json_object_set_new(o, "purpose", json_string(q->purpose));
	json_object_set_new(o, "note", cmd_jstr(q->note));
	json_object_set_new(o, "kinds", json_string(q->kinds));
	json_object_set_new(o, "days", json_integer(q->days));
	json_object_set_new(o, "status", json_string(q->status));
	json_object_set_new(o, "created", json_string(q->created));
	json_object_set_new(o, "requester", json_string(q->requester));
	json_object_set_new(o, "account", cmd_jstr(q->account));
	json_object_set_new(o, "granted", cmd_jstr(q->granted));
	json_object_set_new(o, "from", cmd_jstr(q->from));
	json_object_set_new(o, "until", cmd_jstr(q->until));
	json_object_set_new(o, "decided_by", cmd_jstr(q->decided_by));
	json_object_set_new(o, "reason", cmd_jstr(q->reason));
	json_object_set_new(o, "refs", refs);
	return o;
}

static const char *status_cn(const char *s)
{
	return strcmp(s, "pending") == 0 ? "待批" :
		strcmp(s, "approved") == 0 ? "已批准" : "已拒绝";
}

static int list(struct hd_archive *a, const char *status,
	const char *account, int json)
{
	struct hd_consult *v;
	struct hd_error e;
	size_t n, i, k;
	int rc = 0;

	hd_err_clear(&e);
	if (hd_consult_list(a, status, account, &v, &n, &e) != 0) {
		return e.code == HD_EUSAGE ? cmd_usage("consult", "%s",
			e.msg) : cmd_fail("consult", &e);
	}
	if (json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			json_array_append_new(arr, consult_json(&v[i]));
		}
		rc = cmd_json_out(arr);
	} else {
		for (i = 0; i < n; i++) {
			printf("#%lld  %s  %s（%s）  %s  %s  %d 天",
				(long long)v[i].id, status_cn(v[i].status),
				v[i].person, v[i].org,
				hd_purpose_name(v[i].purpose) ?
				hd_purpose_name(v[i].purpose) : v[i].purpose,
				v[i].kinds, v[i].days);
			if (v[i].account != NULL) {
				printf("  账户 %s %s %s 至 %s", v[i].account,
					v[i].granted, v[i].from, v[i].until);
			}
			if (v[i].reason != NULL) {
				printf("  理由：%s", v[i].reason);
			}
			putchar('\n');
			for (k = 0; k < v[i].nrefs; k++) {
				printf("      %s\n", v[i].refs[k]);
			}
		}
		if (n == 0) {
			printf("没有查阅申请\n");
		}
	}
	hd_consults_free(v, n);
	return rc;
}

static json_t *rows_json(const struct hd_use_row *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "key", json_string(v[i].key));
		json_object_set_new(o, "requests", json_integer(v[i].requests));
		json_object_set_new(o, "items", json_integer(v[i].items));
		json_object_set_new(o, "uses", json_integer(v[i].uses));
		json_array_append_new(arr, o);
	}
	return arr;
}

static void rows_print(const char *title, const struct hd_use_row *v,
	size_t n, const char *(*name)(const char *))
{
	size_t i;

	printf("%s\n", title);
	for (i = 0; i < n; i++) {
		const char *nm = name ? name(v[i].key) : NULL;

		printf("  %-12s%s%s  申请 %lld 人次  档案 %lld 件次  利用 %lld "
			"次\n", v[i].key, nm ? " " : "", nm ? nm : "",
			(long long)v[i].requests, (long long)v[i].items,
			(long long)v[i].uses);
	}
	if (n == 0) {
		printf("  （无）\n");
	}
}

static int stats(struct hd_archive *a, int json)
{
	struct hd_use_stats st;
	struct hd_error e;
	int rc = 0;

	hd_err_clear(&e);
	if (hd_consult_stats(a, &st, &e) != 0) {
		return cmd_fail("consult", &e);
	}
	if (json) {
		json_t *o = json_object();

		json_object_set_new(o, "month", rows_json(st.month, st.nmonth));
		json_object_set_new(o, "category", rows_json(st.category,
			st.ncategory));
		json_object_set_new(o, "purpose", rows_json(st.purpose,
			st.npurpose));
		rc = cmd_json_out(o);
	} else {
		rows_print("按月份", st.month, st.nmonth, NULL);
		rows_print("按门类", st.category, st.ncategory,
			hd_category_name);
		rows_print("按目的", st.purpose, st.npurpose,
			hd_purpose_name);
	}
	hd_use_stats_release(&st);
	return rc;
}

int cmd_consult(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"person", required_argument, NULL, 'p'},
		{"org", required_argument, NULL, 'o'},
		{"purpose", required_argument, NULL, 'u'},
		{"note", required_argument, NULL, 'n'},
		{"kind", required_argument, NULL, 'k'},
		{"days", required_argument, NULL, 'd'},
		{"account", required_argument, NULL, 'a'},
		{"from", required_argument, NULL, 'f'},
		{"reason", required_argument, NULL, 'r'},
		{"status", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hd_consult_ask q;
	const char *sub, *account = NULL, *from = NULL, *reason = NULL;
	const char *status = NULL;
	char today[11], *end;
	struct hd_archive *a;
	struct hd_error e;
	int64_t id = 0;
	long days = -1;
	int ch, json = 0, st = 0, rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	memset(&q, 0, sizeof q);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'p':
			q.person = optarg;
			break;
		case 'o':
			q.org = optarg;
			break;
		case 'u':
			q.purpose = optarg;
			break;
		case 'n':
			q.note = optarg;
			break;
		case 'k':
			q.kinds = optarg;
			break;
		case 'd':
			days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days < 1 ||
			    days > 90) {
				return cmd_usage("consult", "--days '%s': give "
					"1 to 90", optarg);
			}
			break;
		case 'a':
			account = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		case 's':
			status = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage("consult", "unknown option '%s'",
				argv[optind]);
		}
	}
	optind++;
	if (strcmp(sub, "list") == 0 || strcmp(sub, "stats") == 0) {
		if (optind < argc) {
			return cmd_usage("consult", "unexpected argument '%s'",
				argv[optind]);
		}
		a = cmd_open(c, "consult", 1, &st);
		if (a == NULL) {
			return st;
		}
		st = strcmp(sub, "list") == 0 ? list(a, status, account,
			json) : stats(a, json);
		hd_archive_close(a);
		return st;
	}
	hd_err_clear(&e);
	if (strcmp(sub, "request") == 0) {
		if (q.person == NULL || q.org == NULL || q.purpose == NULL ||
		    q.kinds == NULL || days < 0) {
			return cmd_usage("consult", "request: give --person, "
				"--org, --purpose, --kind and --days");
		}
		if (optind >= argc) {
			return cmd_usage("consult", "request: name at least "
				"one record (REF...)");
		}
		q.days = (int)days;
		q.refs = (const char *const *)(argv + optind);
		q.nrefs = (size_t)(argc - optind);
		a = cmd_open(c, "consult", 0, &st);
		if (a == NULL) {
			return st;
		}
		rc = hd_consult_request(a, &q, &c->agent, &id, &e);
		hd_archive_close(a);
		if (rc != 0) {
			return cmd_fail("consult", &e);
		}
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "id", json_integer(id));
			return cmd_json_out(o);
		}
		printf("查阅申请 #%lld 已登记，等待审核人批准\n",
			(long long)id);
		return 0;
	}
	if (strcmp(sub, "approve") != 0 && strcmp(sub, "refuse") != 0) {
		return cmd_usage("consult", "'%s' is not a consult command "
			"(request, approve, refuse, list, stats)", sub);
	}
	if (optind + 1 != argc || parse_id(argv[optind], &id) != 0) {
		return cmd_usage("consult", "%s: give one request number",
			sub);
	}
	if (strcmp(sub, "approve") == 0 && account == NULL) {
		return cmd_usage("consult", "approve: give --account NAME (who "
			"may consult)");
	}
	if (strcmp(sub, "refuse") == 0 && reason == NULL) {
		return cmd_usage("consult", "refuse: give --reason TEXT");
	}
	a = cmd_open(c, "consult", 0, &st);
	if (a == NULL) {
		return st;
	}
	hd_china_today(today);
	if (strcmp(sub, "approve") == 0) {
		rc = hd_consult_approve(a, id, account, q.kinds, from,
			days < 0 ? 0 : (int)days, today, &c->agent, &e);
	} else {
		rc = hd_consult_refuse(a, id, reason, &c->agent, &e);
	}
	if (rc == 0 && strcmp(sub, "approve") == 0) {
		struct hd_consult r;

		if (hd_consult_get(a, id, &r, &e) == 0) {
			printf("查阅申请 #%lld 已批准：账户 %s，%s，%s 至 %s\n",
				(long long)id, r.account, r.granted, r.from,
				r.until);
			hd_consult_release(&r);
		}
	} else if (rc == 0) {
		printf("查阅申请 #%lld 已拒绝\n", (long long)id);
	}
	hd_archive_close(a);
	if (rc != 0) {
		return cmd_fail("consult", &e);
	}
	return 0;
}
