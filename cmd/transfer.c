/*
 * transfer.c - "hongdang transfer": the transfers (转递) sent ("hongdang
 * export") and received ("hongdang import"): list them, show one with
 * its items, confirm a sent one with the receipt (回执) the receiver
 * wrote.
 */
#include "cmd.h"

#include <string.h>

static const char about[] =
	"Transfers sent (out) and received (in; the id is the receipt\n"
	"number).\n";

static const struct cmd_spec list_spec = {
	.help =
	"usage: hongdang [-d DIR] transfer list [--json]\n\n"
	"Every transfer sent and received, with whether a sent one has its\n"
	"receipt.\n\n"
	"  --json  [{transfer, direction, uuid, peer, reason, bag, at, agent,\n"
	"          items, pages, files, bytes, manifest_sha256, confirmed,\n"
	"          records}]\n",
	.flags = CMD_READ,
};

static const struct cmd_spec show_spec = {
	.help =
	"usage: hongdang [-d DIR] transfer show ID [--json]\n\n"
	"One transfer with its items.\n\n"
	"  --json  {transfer, direction, uuid, peer, ...} as with list\n",
	.min = 1, .max = 1, .what = "give one transfer number",
	.flags = CMD_READ,
};

static const struct cmd_spec confirm_spec = {
	.help =
	"usage: hongdang [-d DIR] transfer confirm RECEIPT [--json]\n\n"
	"Record the receipt file RECEIPT that the receiver wrote with\n"
	"'hongdang export --receipt': it must name a transfer sent from here\n"
	"and repeat its manifest hash and items.\n\n"
	"  --json  the transfer confirmed, as with show\n",
	.min = 1, .max = 1, .what = "give one RECEIPT file",
	.flags = CMD_WRITE,
};

/* The transfer t as a JSON object; its records are the items of its
 * stored detail, [] when it has none (cmd.h). */
json_t *cmd_transfer_json(const struct hd_transfer *t)
{
	json_t *o, *d;

	o = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:i, "
		"s:i, s:i, s:I, s:s, s:s?}", "transfer", (json_int_t)t->id,
		"direction", t->direction, "uuid", t->uuid, "peer", t->peer,
		"reason", t->reason, "bag", t->path, "at", t->at,
		"agent", t->agent, "items", t->items, "pages", t->pages,
		"files", t->files, "bytes", (json_int_t)t->bytes,
		"manifest_sha256", t->manifest, "confirmed", t->confirmed);
	d = json_loads(t->detail ? t->detail : "{}", 0, NULL);
	json_object_set(o, "records", d ? json_object_get(d, "items") : NULL);
	if (json_object_get(o, "records") == NULL) {
		json_object_set_new(o, "records", json_array());
	}
	json_decref(d);
	return o;
}

/* The transfer item (a struct hd_transfer) as JSON (cmd_list_out). */
static json_t *transfer_item_json(const void *item)
{
	return cmd_transfer_json(item);
}

/* The transfer item (a struct hd_transfer) as one line: number,
 * direction, time, peer, size and receipt. */
static void transfer_print(const void *item)
{
	const struct hd_transfer *t = item;
	int out = strcmp(t->direction, "out") == 0;

	printf("%lld  %s  %s  %s%s  %d 件 %d 页  %s\n", (long long)t->id,
		out ? "移出" : "接收", t->at, out ? "→ " : "← ",
		t->peer ? t->peer : "（未填）", t->items, t->pages,
		!out ? "回执" : t->confirmed ? "已回执" : "待回执");
}

/* transfer list: every transfer (--json: an array).  Exit 0. */
static int transfer_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_transfer *v = NULL;
	struct hd_error e;
	size_t n = 0;
	int json, st;

	st = cmd_start_json(c, &list_spec, &json, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_transfer_list(c->a, &v, &n, &e) != 0) {
		return cmd_fail(c, &e);
	}
	st = cmd_list_out(json, v, n, sizeof *v, transfer_item_json,
		transfer_print, "还没有转递记录");
	hd_transfers_free(v, n);
	return st;
}

/* transfer show ID: the transfer and its items (--json: as an object).
 * Exit 0, 1 when there is none such, 2 for an id that is not a
 * number. */
static int transfer_show(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_transfer t;
	struct hd_error e;
	json_t *o, *recs, *it;
	int64_t id;
	size_t i;
	int json, status;

	status = cmd_start_json(c, &show_spec, &json, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	status = cmd_id(c, "a transfer number", argv[0], &id);
	if (status != 0) {
		return status;
	}
	hd_err_clear(&e);
	if (hd_transfer_get(c->a, id, &t, &e) != 0) {
		return cmd_fail(c, &e);
	}
	status = 0;
	o = cmd_transfer_json(&t);
	if (json) {
		status = cmd_json_out(o);
		o = NULL;
	} else {
		printf("转递 %lld（%s）\n编号      %s\n%s  %s\n原因      %s\n"
			"时间      %s\n经办      %s\n数量      %d 件，%d 页，"
			"%d 个文件，%llu 字节\n清单校验  %s\n包        %s\n",
			(long long)t.id, strcmp(t.direction, "out") == 0 ?
			"移出" : "接收", t.uuid, strcmp(t.direction, "out") ==
			0 ? "接收单位" : "移出单位", t.peer ? t.peer : "—",
			t.reason ? t.reason : "—", t.at, t.agent, t.items,
			t.pages, t.files, (unsigned long long)t.bytes,
			t.manifest, t.path);
		if (strcmp(t.direction, "out") == 0) {
			printf("回执      %s\n", t.confirmed ? t.confirmed :
				"尚未收到");
		}
		recs = json_object_get(o, "records");
		json_array_foreach(recs, i, it) {
			const char *as = json_string_value(json_object_get(it,
				"received_as"));

			printf("  %s  %s%s%s\n", json_string_value(
				json_object_get(it, "ref")),
				json_string_value(json_object_get(it, "title")),
				as ? "  → " : "", as ? as : "");
		}
	}
	json_decref(o);
	hd_transfer_release(&t);
	return status;
}

/* transfer confirm RECEIPT: record the receiver's receipt file for the
 * transfer it names (--json: the transfer as an object).  Exit 0, 1
 * when the receipt does not match a transfer sent from here. */
static int transfer_confirm(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_transfer t;
	struct hd_error e;
	int json, status;

	status = cmd_start_json(c, &confirm_spec, &json, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	hd_err_clear(&e);
	if (hd_transfer_confirm(c->a, argv[0], &c->agent, &t, &e) != 0) {
		return cmd_fail(c, &e);
	}
	status = 0;
	if (json) {
		status = cmd_json_out(cmd_transfer_json(&t));
	} else {
		printf("转递 %lld 已确认接收（%s）：%d 件，回执记录于 %s\n",
			(long long)t.id, t.peer ? t.peer : "接收单位", t.items,
			t.confirmed);
	}
	hd_transfer_release(&t);
	return status;
}

static const struct subcommand subs[] = {
	{"list", transfer_list, &list_spec},
	{"show", transfer_show, &show_spec},
	{"confirm", transfer_confirm, &confirm_spec},
	{NULL, NULL, NULL},
};

/* hongdang transfer SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_transfer = { about, subs };
