/*
 * visit.c - "hongdang visit": the guided-talk bookings visitors made on
 * the exhibit's /visit page, as staff see them: the coming days' list,
 * and cancelling one (its places are free again).
 */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

static const char about[] =
	"Guided-talk bookings (讲解预约) made on the exhibit's /visit\n"
	"page.  A contact holds at most 2 bookings that have not taken\n"
	"place; an address makes at most 10 an hour, the kiosks'\n"
	"addresses excepted (hongdang config visit.kiosks).\n";

static const struct cmd_spec list_spec = {
	.help =
	"usage: hongdang [-d DIR] visit list [--from DAY] [--days N] "
	"[--json]\n\n"
	"The bookings of N days (7) from DAY (today, in China), by day and\n"
	"hour; cancelled ones are marked.\n\n"
	"  --from DAY  the first day, YYYY-MM-DD\n"
	"  --days N    how many days, 1-366\n"
	"  --json      [{id, day, slot, group, contact, people, free, price,\n"
	"              created, remote, cancelled, cancelled_by}]\n",
	.flags = CMD_READ,
};

static const struct cmd_spec cancel_spec = {
	.help =
	"usage: hongdang [-d DIR] visit cancel ID [--reason TEXT]\n\n"
	"Cancel booking ID (预约号): its places are free again and it no\n"
	"longer counts against its contact; it stays listed, marked.  One\n"
	"whose hour has begun cannot be cancelled.\n\n"
	"  --reason TEXT  why, kept in the event (one line, at most 200\n"
	"                 bytes)\n",
	.min = 1, .max = 1, .what = "give one booking number",
	.flags = CMD_WRITE,
};

/* The booking item (a struct hd_visit) as a JSON object. */
static json_t *visit_json(const void *item)
{
	const struct hd_visit *v = item;
	int gone = v->cancelled[0] != '\0';

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:b, s:i, s:s, "
		"s:s?, s:s?, s:s?}", "id", (json_int_t)v->id, "day", v->day,
		"slot", v->slot, "group", v->group, "contact", v->contact,
		"people", v->people, "free", v->free, "price", v->price,
		"created", v->created,
		"remote", v->remote[0] ? v->remote : NULL,
		"cancelled", gone ? v->cancelled : NULL,
		"cancelled_by", gone ? v->cancelled_by : NULL);
}

/* The booking item (a struct hd_visit) as one line: number, day, hour,
 * people, group, contact, and whether it was cancelled. */
static void visit_print(const void *item)
{
	const struct hd_visit *v = item;

	printf("%-6lld %s %s  %3d 人  %s  %s%s%s\n", (long long)v->id,
		v->day, v->slot, v->people, v->group, v->contact,
		v->cancelled[0] ? "  已取消 " : "", v->cancelled);
}

/* visit list [--from DAY] [--days N]: the bookings, a line each
 * (--json: an array).  Exit 0, 2 for a bad day. */
static int visit_list(struct cmd_ctx *c, int argc, char **argv)
{
	const char *from = NULL;
	int days = 7, json = 0, st;
	const struct cmd_opt opts[] = {
		CMD_STR("from", &from),
		CMD_INT("days", &days, 1, 366),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct hd_visit *v = NULL;
	struct hd_error e;
	char today[11];
	size_t n = 0;

	st = cmd_start(c, &list_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_china_today(today);
	hd_err_clear(&e);
	if (hd_visit_list(c->a, from ? from : today, days, &v, &n,
	    &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	st = cmd_list_out(json, v, n, sizeof *v, visit_json, visit_print,
		"这几天没有预约");
	free(v);
	return st;
}

/* visit cancel ID [--reason TEXT].  Exit 0, 1 when there is no such
 * booking, it is cancelled already or begun, or the reason is too long
 * or not one line; 2 for a number that is none. */
static int visit_cancel(struct cmd_ctx *c, int argc, char **argv)
{
	const char *reason = NULL;
	const struct cmd_opt opts[] = {
		CMD_STR("reason", &reason),
		CMD_END,
	};
	struct hd_visit v;
	struct hd_error e;
	int64_t id;
	int st;

	st = cmd_start(c, &cancel_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	st = cmd_id(c, "a booking number", argv[0], &id);
	if (st != 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_visit_cancel(c->a, id, hd_now_s(), reason, &c->agent, &v,
	    &e) != 0) {
		return cmd_fail(c, &e);
	}
	printf("已取消预约 %lld：%s %s，%s，%d 人\n", (long long)v.id, v.day,
		v.slot, v.group, v.people);
	return 0;
}

static const struct subcommand subs[] = {
	{"list", visit_list, &list_spec},
	{"cancel", visit_cancel, &cancel_spec},
	{NULL, NULL, NULL},
};

/* hongdang visit SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_visit = { about, subs };
