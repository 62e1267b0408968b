/*
 * consult.c - "hongdang consult": consultation requests (查阅 / 借阅),
 * their approval or refusal, the list, and usage statistics (利用统计).
 *
 * Restricted content itself is only shown through the admin pages, to
 * the account an approval names; the command line files and decides.
 */
#include "cmd.h"

#include <string.h>

static const char about[] =
	"Consultation of records (查阅 / 借阅).  A request names the person,\n"
	"their organisation, the purpose, the records, the kinds of use and\n"
	"the days wanted; a reviewer approves it for a named account, which\n"
	"may then see the content on the admin pages inside the window and\n"
	"only for the kinds approved.  Every use is logged.\n";

static const struct cmd_spec request_spec = {
	.help =
	"usage: hongdang [-d DIR] consult request --person P --org O\n"
	"              --purpose X [--note TEXT] --kind K --days N [--json]\n"
	"              REF...\n\n"
	"File a request to consult the records REF..., waiting for a\n"
	"reviewer's decision.\n\n"
	"  --person P    who asks;  --org O  their organisation\n"
	"  --purpose X   research 学术研究, work 工作查考, history 编史修志,\n"
	"                personal 个人权益, education 宣传教育, other 其他\n"
	"  --note TEXT   what for, in their words\n"
	"  --kind K      view (on screen), print, copy; several with commas\n"
	"  --days N      the days wanted, 1-90\n"
	"  --json        {id}\n",
	.max = -1,
};

static const struct cmd_spec approve_spec = {
	.help =
	"usage: hongdang [-d DIR] consult approve ID --account NAME\n"
	"              [--kind K] [--from DATE] [--days N]\n\n"
	"Approve request ID for the account NAME, which may consult its\n"
	"records inside the window, for the kinds granted.\n\n"
	"  --account A   the account that may consult\n"
	"  --kind K      the kinds granted (default: as asked)\n"
	"  --from DATE   first day of the window, YYYY-MM-DD (China time;\n"
	"                default today).  A day in the past records an\n"
	"                approval given earlier: a window that has ended\n"
	"                grants nothing\n"
	"  --days N      the window's length, 1-90 (default: as asked)\n",
	.min = 1, .max = 1, .what = "give one request number",
};

static const struct cmd_spec refuse_spec = {
	.help =
	"usage: hongdang [-d DIR] consult refuse ID --reason TEXT\n\n"
	"Refuse request ID with the reason (required).\n",
	.min = 1, .max = 1, .what = "give one request number",
};

static const struct cmd_spec list_spec = {
	.help =
	"usage: hongdang [-d DIR] consult list [--status S] [--account NAME]\n"
	"              [--json]\n\n"
	"The requests with their decisions and records.\n\n"
	"  --status S    pending, approved or refused\n"
	"  --account A   only the approved requests naming it\n"
	"  --json        [{id, person, org, purpose, kinds, days, status,\n"
	"                account, granted, from, until, refs}]\n",
	.flags = CMD_READ,
};

static const struct cmd_spec stats_spec = {
	.help =
	"usage: hongdang [-d DIR] consult stats [--json]\n\n"
	"Usage statistics (利用统计): requests, records and uses by month,\n"
	"by category and by purpose.\n\n"
	"  --json        {month, category, purpose}\n",
	.flags = CMD_READ,
};

/* The request number s into *id, then the option a decision needs
 * (its value need; what names it when it is missing), then the archive
 * opened for writing.  Returns -1 to go on, or the exit status after
 * the message. */
static int open_request(struct cmd_ctx *c, const char *s, const char *need,
	const char *what, int64_t *id)
{
	int st = cmd_id(c, "a request number", s, id);

	if (st != 0) {
		return st;
	}
	if (need == NULL) {
		return cmd_usage(c, "give %s", what);
	}
	st = cmd_open(c, 0);
	return st != 0 ? st : -1;
}

/* The request item (a struct hd_consult) as a JSON object. */
static json_t *consult_json(const void *item)
{
	const struct hd_consult *q = item;

	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:i, s:s, s:s, "
		"s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o}",
		"id", (json_int_t)q->id, "person", q->person, "org", q->org,
		"purpose", q->purpose, "note", q->note, "kinds", q->kinds,
		"days", q->days, "status", q->status, "created", q->created,
		"requester", q->requester, "account", q->account,
		"granted", q->granted, "from", q->from, "until", q->until,
		"decided_by", q->decided_by, "reason", q->reason,
		"refs", hd_json_strv(q->refs, q->nrefs));
}

/* The request item (a struct hd_consult) as a line: number, status,
 * who asks, purpose, kinds, days, the decision; then a line a record. */
static void consult_print(const void *item)
{
	const struct hd_consult *q = item;
	size_t k;

	printf("#%lld  %s  %s（%s）  %s  %s  %d 天", (long long)q->id,
		strcmp(q->status, "pending") == 0 ? "待批" :
		strcmp(q->status, "approved") == 0 ? "已批准" : "已拒绝",
		q->person, q->org, hd_purpose_name(q->purpose) ?
		hd_purpose_name(q->purpose) : q->purpose, q->kinds, q->days);
	if (q->account != NULL) {
		printf("  账户 %s %s %s 至 %s", q->account, q->granted,
			q->from, q->until);
	}
	if (q->reason != NULL) {
		printf("  理由：%s", q->reason);
	}
	putchar('\n');
	for (k = 0; k < q->nrefs; k++) {
		printf("      %s\n", q->refs[k]);
	}
}

/* consult list: the requests of one status or account, or all (--json:
 * an array).  Exit 0, 2 for an unknown status. */
static int consult_list(struct cmd_ctx *c, int argc, char **argv)
{
	const char *status = NULL, *account = NULL;
	int json = 0, st;
	const struct cmd_opt opts[] = {
		CMD_STR("status", &status),
		CMD_STR("account", &account),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct hd_consult *v;
	struct hd_error e;
	size_t n;

	st = cmd_start(c, &list_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_consult_list(c->a, status, account, &v, &n, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EUSAGE);
	}
	st = cmd_list_out(json, v, n, sizeof *v, consult_json,
		consult_print, "没有查阅申请");
	hd_consults_free(v, n);
	return st;
}

/* The rows of one table of statistics as a JSON array of {key,
 * requests, items, uses}. */
static json_t *rows_json(const struct hd_use_row *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}",
			"key", v[i].key, "requests", (json_int_t)v[i].requests,
			"items", (json_int_t)v[i].items,
			"uses", (json_int_t)v[i].uses));
	}
	return arr;
}

/* One table of statistics under its title, a line a row (its key, and
 * name(key) when there is a name), "（无）" when empty. */
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

/* consult stats: requests, records and uses by month, category and
 * purpose (--json: as an object of three arrays).  Exit 0. */
static int consult_stats(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_use_stats st;
	struct hd_error e;
	int json, rc;

	rc = cmd_start_json(c, &stats_spec, &json, &argc, &argv);
	if (rc >= 0) {
		return rc;
	}
	rc = 0;
	hd_err_clear(&e);
	if (hd_consult_stats(c->a, &st, &e) != 0) {
		return cmd_fail(c, &e);
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

/* consult request --person P --org O --purpose X --kind K --days N
 * REF...: file a request (--json: {id}).  Exit 0, 1 for a request the
 * library refuses (an unknown record, purpose or kind), 2 for bad
 * usage. */
static int consult_request(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_consult_ask q;
	int json = 0, st;
	const struct cmd_opt opts[] = {
		CMD_STR("person", &q.person),
		CMD_STR("org", &q.org),
		CMD_STR("purpose", &q.purpose),
		CMD_STR("note", &q.note),
		CMD_STR("kind", &q.kinds),
		CMD_INT("days", &q.days, 1, 90),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct hd_error e;
	int64_t id = 0;
	json_t *o;

	memset(&q, 0, sizeof q);
	q.days = -1;
	st = cmd_start(c, &request_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	if (q.person == NULL || q.org == NULL || q.purpose == NULL ||
	    q.kinds == NULL || q.days < 0) {
		return cmd_usage(c, "give --person, --org, --purpose, --kind "
			"and --days");
	}
	if (argc < 1) {
		return cmd_usage(c, "name at least one record (REF...)");
	}
	q.refs = (const char *const *)argv;
	q.nrefs = (size_t)argc;
	st = cmd_open(c, 0);
	if (st != 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_consult_request(c->a, &q, &c->agent, &id, &e) != 0) {
		return cmd_fail(c, &e);
	}
	if (json) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(id));
		return cmd_json_out(o);
	}
	printf("查阅申请 #%lld 已登记，等待审核人批准\n", (long long)id);
	return 0;
}

/* consult approve ID --account NAME [--kind K] [--from DATE] [--days
 * N]: open the window for the account; say what was granted.  Exit 0,
 * 1 when the request cannot be approved, 2 for bad usage. */
static int consult_approve(struct cmd_ctx *c, int argc, char **argv)
{
	const char *account = NULL, *kinds = NULL, *from = NULL;
	int days = 0, st;
	const struct cmd_opt opts[] = {
		CMD_STR("account", &account),
		CMD_STR("kind", &kinds),
		CMD_STR("from", &from),
		CMD_INT("days", &days, 1, 90),
		CMD_END,
	};
	struct hd_consult r;
	struct hd_error e;
	char today[11];
	int64_t id;

	st = cmd_start(c, &approve_spec, opts, &argc, &argv);
	if (st < 0) {
		st = open_request(c, argv[0], account, "--account NAME (who "
			"may consult)", &id);
	}
	if (st >= 0) {
		return st;
	}
	hd_china_today(today);
	hd_err_clear(&e);
	if (hd_consult_approve(c->a, id, account, kinds, from, days, today,
	    &c->agent, &e) != 0) {
		return cmd_fail(c, &e);
	}
	if (hd_consult_get(c->a, id, &r, &e) == 0) {
		printf("查阅申请 #%lld 已批准：账户 %s，%s，%s 至 %s\n",
			(long long)id, r.account, r.granted, r.from, r.until);
		hd_consult_release(&r);
	}
	return 0;
}

/* consult refuse ID --reason TEXT.  Exit 0, 1 when the request cannot
 * be refused (none such, decided already), 2 for bad usage. */
static int consult_refuse(struct cmd_ctx *c, int argc, char **argv)
{
	const char *reason = NULL;
	const struct cmd_opt opts[] = {
		CMD_STR("reason", &reason),
		CMD_END,
	};
	struct hd_error e;
	int64_t id;
	int st;

	st = cmd_start(c, &refuse_spec, opts, &argc, &argv);
	if (st < 0) {
		st = open_request(c, argv[0], reason, "--reason TEXT", &id);
	}
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_consult_refuse(c->a, id, reason, &c->agent, &e) != 0) {
		return cmd_fail(c, &e);
	}
	printf("查阅申请 #%lld 已拒绝\n", (long long)id);
	return 0;
}

static const struct subcommand subs[] = {
	{"request", consult_request, &request_spec},
	{"approve", consult_approve, &approve_spec},
	{"refuse", consult_refuse, &refuse_spec},
	{"list", consult_list, &list_spec},
	{"stats", consult_stats, &stats_spec},
	{NULL, NULL, NULL},
};

/* hongdang consult SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_consult = { about, subs };
