/*
 * review.c - "hongdang review": the review queue (审核) from the command
 * line: list, approve, return with a reason, resubmit, edit description
 * fields, withdraw a published record.
 *
 * Each decision is an event naming the agent ("cli:USER"); the same
 * steps from the admin pages name the account ("web:NAME").
 */
#include "cmd.h"

#include <string.h>

static const char about[] =
	"Review (审核): records arrive pending; a reviewer approves them\n"
	"(only approved public records reach visitors) or returns them with\n"
	"a reason; an archivist edits and resubmits.  Withdrawing takes a\n"
	"published record off every public page at once.  Editing an\n"
	"approved record sends it back for review.\n";

static const struct cmd_spec list_spec = {
	.help =
	"usage: hongdang [-d DIR] review list [--status S] [--json]\n\n"
	"The records in the review queue, with the note of the last return\n"
	"or withdrawal.\n\n"
	"  --status S   pending (default), returned, approved, withdrawn,\n"
	"               draft or all (everything not approved)\n"
	"  --json       [{ref, title, date, category, access, status,\n"
	"               updated, note, note_by}]\n",
	.flags = CMD_READ,
};

static const struct cmd_spec approve_spec = {
	.help =
	"usage: hongdang [-d DIR] review approve REF\n\n"
	"Approve record REF: published, a public one reaches visitors.\n",
	.min = 1, .max = 1, .what = "give one reference code",
};

static const struct cmd_spec return_spec = {
	.help =
	"usage: hongdang [-d DIR] review return REF --reason TEXT\n\n"
	"Return record REF to the archivist with the reason (required).\n",
	.min = 1, .max = 1, .what = "give one reference code",
};

static const struct cmd_spec resubmit_spec = {
	.help =
	"usage: hongdang [-d DIR] review resubmit REF\n\n"
	"Send a returned record REF back to the reviewers.\n",
	.min = 1, .max = 1, .what = "give one reference code",
};

static const struct cmd_spec withdraw_spec = {
	.help =
	"usage: hongdang [-d DIR] review withdraw REF --reason TEXT\n\n"
	"Take the published record REF off every public page at once, with\n"
	"the reason (required).\n",
	.min = 1, .max = 1, .what = "give one reference code",
};

static const struct cmd_spec edit_spec = {
	.help =
	"usage: hongdang [-d DIR] review edit REF [--title T] [--creator C]\n"
	"              [--date D] [--place P] [--description TEXT]\n"
	"              [--access A] [--location L] [--subjects LIST]\n"
	"              [--persons LIST]\n\n"
	"Change description fields of record REF; each change is an event\n"
	"with the values before and after, and an approved record goes back\n"
	"for review.  An empty value clears a field (not the title); LIST is\n"
	"separated by ; or 、\n",
	.min = 1, .max = 1, .what = "give one reference code",
	.flags = CMD_WRITE,
};

/* The queue item (a struct hd_queue_item) as a JSON object. */
static json_t *item_json(const void *item)
{
	const struct hd_queue_item *v = item;

	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s?}",
		"ref", v->ref, "title", v->title, "date", v->date,
		"category", v->category, "access", v->access,
		"status", v->status, "updated", v->updated, "note", v->note,
		"note_by", v->note_by);
}

/* The queue item (a struct hd_queue_item) as one line: code, status,
 * access, title and the note of the last return or withdrawal. */
static void item_print(const void *item)
{
	const struct hd_queue_item *v = item;

	printf("%s  %s  %s  %s", v->ref, hd_status_name(v->status) ?
		hd_status_name(v->status) : v->status,
		hd_access_name(v->access) ? hd_access_name(v->access) :
		v->access, v->title);
	if (v->note != NULL) {
		printf("  （%s：%s）", v->note_by ? v->note_by : "", v->note);
	}
	putchar('\n');
}

/* review list: the records of one status (--status, pending by
 * default), a line each (--json: an array).  Exit 0, 2 for an unknown
 * status. */
static int review_list(struct cmd_ctx *c, int argc, char **argv)
{
	const char *status = NULL;
	int json = 0, st;
	const struct cmd_opt opts[] = {
		CMD_STR("status", &status),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct hd_queue_item *v;
	struct hd_error e;
	size_t n;

	st = cmd_start(c, &list_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_review_list(c->a, status, &v, &n, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EUSAGE);
	}
	st = cmd_list_out(json, v, n, sizeof *v, item_json, item_print,
		"队列为空");
	hd_queue_free(v, n);
	return st;
}

/* A decision on one record: its subcommand's spec, the library call
 * (with a reason, required, or without) and what is said once done. */
struct decision {
	const struct cmd_spec *spec;
	int (*plain)(struct hd_archive *a, const char *ref,
		const struct hd_agent *agent, struct hd_error *e);
	int (*reasoned)(struct hd_archive *a, const char *ref,
		const char *reason, const struct hd_agent *agent,
		struct hd_error *e);
	const char *done;
};

/* Take decision d on the record argv[1] (with --reason TEXT when d
 * needs one) and say "REF：已DONE".  Exit 0, 1 when the record cannot
 * take it (none such, not in the right status), 2 for bad usage. */
static int decide(struct cmd_ctx *c, int argc, char **argv,
	const struct decision *d)
{
	const char *reason = NULL;
	const struct cmd_opt opts[] = {
		CMD_STR("reason", &reason),
		CMD_END,
	};
	struct hd_error e;
	int st;

	st = cmd_start(c, d->spec, d->reasoned ? opts : NULL, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	if (d->reasoned != NULL && reason == NULL) {
		return cmd_usage(c, "give --reason TEXT");
	}
	st = cmd_open(c, 0);
	if (st != 0) {
		return st;
	}
	hd_err_clear(&e);
	st = d->reasoned ? d->reasoned(c->a, argv[0], reason, &c->agent, &e) :
		d->plain(c->a, argv[0], &c->agent, &e);
	if (st != 0) {
		return cmd_fail(c, &e);
	}
	printf("%s：已%s\n", argv[0], d->done);
	return 0;
}

/* review approve REF: published; a public record reaches visitors. */
static int review_approve(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct decision d = {
		&approve_spec, hd_review_approve, NULL, "批准发布"};

	return decide(c, argc, argv, &d);
}

/* review resubmit REF: a returned record goes back to the reviewers. */
static int review_resubmit(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct decision d = {
		&resubmit_spec, hd_review_resubmit, NULL, "重新提交审核"};

	return decide(c, argc, argv, &d);
}

/* review return REF --reason TEXT: back to the archivist. */
static int review_return(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct decision d = {
		&return_spec, NULL, hd_review_return, "退回"};

	return decide(c, argc, argv, &d);
}

/* review withdraw REF --reason TEXT: off every public page at once. */
static int review_withdraw(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct decision d = {
		&withdraw_spec, NULL, hd_review_withdraw, "撤回"};

	return decide(c, argc, argv, &d);
}

/* review edit REF --FIELD VALUE...: change description fields; says
 * how many changed.  Exit 0, 1 for a value the record cannot hold. */
static int review_edit(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_edit ed;
	const struct cmd_opt opts[] = {
		CMD_STR("title", &ed.title),
		CMD_STR("creator", &ed.creator),
		CMD_STR("date", &ed.date),
		CMD_STR("place", &ed.place),
		CMD_STR("description", &ed.description),
		CMD_STR("access", &ed.access),
		CMD_STR("location", &ed.location),
		CMD_STR("subjects", &ed.subjects),
		CMD_STR("persons", &ed.persons),
		CMD_END,
	};
	struct hd_error e;
	int st, changed = 0;

	memset(&ed, 0, sizeof ed);
	st = cmd_start(c, &edit_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_record_edit(c->a, argv[0], &ed, &c->agent, &changed,
	    &e) != 0) {
		return cmd_fail(c, &e);
	}
	if (changed) {
		printf("%s：已修改 %d 项\n", argv[0], changed);
	} else {
		printf("%s：没有改动\n", argv[0]);
	}
	return 0;
}

static const struct subcommand subs[] = {
	{"list", review_list, &list_spec},
	{"approve", review_approve, &approve_spec},
	{"return", review_return, &return_spec},
	{"resubmit", review_resubmit, &resubmit_spec},
	{"withdraw", review_withdraw, &withdraw_spec},
	{"edit", review_edit, &edit_spec},
	{NULL, NULL, NULL},
};

/* hongdang review SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_review = { about, subs };
