/*
 * review.c - "hongdang review": the review queue (审核) from the command
 * line: list, approve, return with a reason, resubmit, edit description
 * fields, withdraw a published record.
 *
 * Each decision is an event naming the agent ("cli:USER"); the same
 * steps from the admin pages name the account ("web:NAME").
 */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: hongdang [-d DIR] review list [--status S] [--json]\n"
	"       hongdang [-d DIR] review approve REF\n"
	"       hongdang [-d DIR] review return REF --reason TEXT\n"
	"       hongdang [-d DIR] review resubmit REF\n"
	"       hongdang [-d DIR] review withdraw REF --reason TEXT\n"
	"       hongdang [-d DIR] review edit REF [--title T] [--creator C]\n"
	"              [--date D] [--place P] [--description TEXT]\n"
	"              [--access A] [--location L] [--subjects LIST]\n"
	"              [--persons LIST]\n\n"
	"Review (审核): records arrive pending; a reviewer approves them\n"
	"(only approved public records reach visitors) or returns them with\n"
	"a reason; an archivist edits and resubmits.  Withdrawing takes a\n"
	"published record off every public page at once.  Editing an\n"
	"approved record sends it back for review.\n\n"
	"  --status S   list: pending (default), returned, approved,\n"
	"               withdrawn, draft or all (everything not approved)\n"
	"  --reason T   why it is returned or withdrawn (required)\n"
	"  --json       list: [{ref, title, date, category, access, status,\n"
	"               updated, note, note_by}]\n"
	"  edit: an empty value clears a field (not the title); LIST is\n"
	"  separated by ; or 、\n";

static int list(struct hd_archive *a, const char *status, int json)
{
	struct hd_queue_item *v;
	struct hd_error e;
	size_t n, i;
	int rc = 0;

	hd_err_clear(&e);
	if (hd_review_list(a, status, &v, &n, &e) != 0) {
		return e.code == HD_EUSAGE ? cmd_usage("review", "%s", e.msg) :
			cmd_fail("review", &e);
	}
	if (json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "ref", json_string(v[i].ref));
			json_object_set_new(o, "title",
				json_string(v[i].title));
			json_object_set_new(o, "date", cmd_jstr(v[i].date));
			json_object_set_new(o, "category",
				json_string(v[i].category));
			json_object_set_new(o, "access",
				json_string(v[i].access));
			json_object_set_new(o, "status",
				json_string(v[i].status));
			json_object_set_new(o, "updated",
				json_string(v[i].updated));
			json_object_set_new(o, "note", cmd_jstr(v[i].note));
			json_object_set_new(o, "note_by",
				cmd_jstr(v[i].note_by));
			json_array_append_new(arr, o);
		}
		rc = cmd_json_out(arr);
	} else {
		for (i = 0; i < n; i++) {
			printf("%s  %s  %s  %s", v[i].ref,
				hd_status_name(v[i].status) ?
				hd_status_name(v[i].status) : v[i].status,
				hd_access_name(v[i].access) ?
				hd_access_name(v[i].access) : v[i].access,
				v[i].title);
			if (v[i].note != NULL) {
				printf("  （%s：%s）", v[i].note_by ?
					v[i].note_by : "", v[i].note);
			}
			putchar('\n');
		}
		if (n == 0) {
			printf("队列为空\n");
		}
	}
	hd_queue_free(v, n);
	return rc;
}

int cmd_review(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"status", required_argument, NULL, 's'},
		{"reason", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},
		{"title", required_argument, NULL, 'T'},
		{"creator", required_argument, NULL, 'C'},
		{"date", required_argument, NULL, 'D'},
		{"place", required_argument, NULL, 'P'},
		{"description", required_argument, NULL, 'E'},
		{"access", required_argument, NULL, 'A'},
		{"location", required_argument, NULL, 'L'},
		{"subjects", required_argument, NULL, 'S'},
		{"persons", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *sub, *status = NULL, *reason = NULL, *ref;
	struct hd_edit ed;
	struct hd_archive *a;
	struct hd_error e;
	int ch, json = 0, rc, st = 0, changed = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	memset(&ed, 0, sizeof ed);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's':
			status = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'T':
			ed.title = optarg;
			break;
		case 'C':
			ed.creator = optarg;
			break;
		case 'D':
			ed.date = optarg;
			break;
		case 'P':
			ed.place = optarg;
			break;
		case 'E':
			ed.description = optarg;
			break;
		case 'A':
			ed.access = optarg;
			break;
		case 'L':
			ed.location = optarg;
			break;
		case 'S':
			ed.subjects = optarg;
			break;
		case 'R':
			ed.persons = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage("review", "unknown option '%s'",
				argv[optind]);
		}
	}
	optind++;
	if (strcmp(sub, "list") == 0) {
		if (optind < argc) {
			return cmd_usage("review", "unexpected argument '%s'",
				argv[optind]);
		}
		a = cmd_open(c, "review", 1, &st);
		if (a == NULL) {
			return st;
		}
		st = list(a, status, json);
		hd_archive_close(a);
		return st;
	}
	if (strcmp(sub, "approve") != 0 && strcmp(sub, "return") != 0 &&
	    strcmp(sub, "resubmit") != 0 && strcmp(sub, "withdraw") != 0 &&
	    strcmp(sub, "edit") != 0) {
		return cmd_usage("review", "'%s' is not a review command "
			"(list, approve, return, resubmit, withdraw, edit)",
			sub);
	}
	if (optind + 1 != argc) {
		return cmd_usage("review", "%s: give one reference code", sub);
	}
	ref = argv[optind];
	if ((strcmp(sub, "return") == 0 || strcmp(sub, "withdraw") == 0) &&
	    reason == NULL) {
		return cmd_usage("review", "%s: give --reason TEXT", sub);
	}
	a = cmd_open(c, "review", 0, &st);
	if (a == NULL) {
		return st;
	}
	hd_err_clear(&e);
	if (strcmp(sub, "approve") == 0) {
		rc = hd_review_approve(a, ref, &c->agent, &e);
	} else if (strcmp(sub, "return") == 0) {
		rc = hd_review_return(a, ref, reason, &c->agent, &e);
	} else if (strcmp(sub, "resubmit") == 0) {
		rc = hd_review_resubmit(a, ref, &c->agent, &e);
	} else if (strcmp(sub, "withdraw") == 0) {
		rc = hd_review_withdraw(a, ref, reason, &c->agent, &e);
	} else {
		rc = hd_record_edit(a, ref, &ed, &c->agent, &changed, &e);
	}
	hd_archive_close(a);
	if (rc != 0) {
		return cmd_fail("review", &e);
	}
	if (strcmp(sub, "edit") == 0) {
		if (changed) {
			printf("%s：已修改 %d 项\n", ref, changed);
		} else {
			printf("%s：没有改动\n", ref);
		}
	} else {
		printf("%s：已%s\n", ref, strcmp(sub, "approve") == 0 ?
			"批准发布" : strcmp(sub, "return") == 0 ? "退回" :
			strcmp(sub, "resubmit") == 0 ? "重新提交审核" :
			"撤回");
	}
	return 0;
}
