/*
 * export.c - "hongdang export": a transfer (转递) written as a BagIt
 * bag, or the receipt (回执) of a transfer received, for its sender.
 *
 * The bag holds the chosen records' files byte for byte, their
 * description as JSON and as a catalogue sheet, the transfer slip and
 * SHA-256 manifests; the library writes it (hd_transfer_export) and
 * records the transfer, which "hongdang transfer" lists; the slip is
 * printed from templates/print/slip.html (cmd_print_slip).
 */
#include "cmd.h"

#include <string.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] export --bag OUT [--to ORG] [--reason TEXT]\n"
	"              [--json] (REF... | --person NAME | --query Q)\n"
	"       hongdang [-d DIR] export --receipt ID OUT\n\n"
	"Write a transfer (转递) as a BagIt 1.0 bag in the new folder OUT:\n"
	"the chosen records' files (byte-identical) under data/, their\n"
	"description in metadata/records.json and metadata/records.csv (a\n"
	"catalogue sheet), the transfer slip (转递单) in bag-info.txt and in\n"
	"slip.html, ready to print and sign, and SHA-256 manifests.\n\n"
	"  --to ORG        the receiving organisation (收件单位)\n"
	"  --reason TEXT   why the records are transferred\n"
	"  --person NAME   every record naming this person (人物)\n"
	"  --query Q       every record a search finds (all statuses)\n"
	"  --receipt ID    write the receipt (回执) of received transfer ID\n"
	"                  to the file OUT, for the sender's 'transfer\n"
	"                  confirm'\n"
	"  --json          {transfer, uuid, bag, items, pages, files, bytes,\n"
	"                  manifest_sha256, records}\n",
	.max = -1,
	.flags = CMD_IN_ORDER,
};

/* export --receipt ID OUT: the receipt of received transfer id into the
 * file out.  Exit 0, 1 when there is no such transfer or the file
 * cannot be written, 2 for an id that is not a number. */
static int export_receipt(struct cmd_ctx *c, const char *id,
	const char *out)
{
	struct hd_error e;
	int64_t n;
	int st;

	st = cmd_id(c, "a receipt number", id, &n);
	if (st == 0) {
		st = cmd_open(c, 0);
	}
	if (st != 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_receipt_write(c->a, n, out, &e) != 0) {
		return cmd_fail(c, &e);
	}
	printf("回执 %lld 已写出：%s\n", (long long)n, out);
	return 0;
}

/* Write the records chosen one way (the codes given, --person or
 * --query) as a transfer bag into the new folder --bag OUT and say what
 * it holds (--json: the transfer as an object); or with --receipt, a
 * receipt.  Exit 0, 1 when a record is unknown or OUT exists, 2 for bad
 * usage. */
int cmd_export(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_export x;
	const char *receipt = NULL;
	int json = 0, status;
	const struct cmd_opt opts[] = {
		CMD_STR("bag", &x.out),
		CMD_STR("to", &x.to),
		CMD_STR("reason", &x.reason),
		CMD_STR("person", &x.person),
		CMD_STR("query", &x.query),
		CMD_STR("receipt", &receipt),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct hd_transfer t;
	struct hd_error e;

	memset(&x, 0, sizeof x);
	status = cmd_start(c, &spec, opts, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	if (receipt != NULL) {
		if (x.out != NULL || argc != 1) {
			return cmd_usage(c, "--receipt ID takes one file to "
				"write, and no --bag");
		}
		return export_receipt(c, receipt, argv[0]);
	}
	if (x.out == NULL) {
		return cmd_usage(c, "--bag OUT is needed");
	}
	x.refs = (const char *const *)argv;
	x.nrefs = (size_t)argc;
	x.slip = cmd_print_slip;
	x.slip_ud = c;
	if ((x.nrefs > 0) + (x.person != NULL) + (x.query != NULL) != 1) {
		return cmd_usage(c, "choose the records one way: REF..., "
			"--person NAME or --query Q");
	}
	status = cmd_open(c, 0);
	if (status != 0) {
		return status;
	}
	hd_err_clear(&e);
	cmd_sweep(c, x.out);
	if (hd_transfer_export(c->a, &x, &c->agent, &t, &e) != 0) {
		return cmd_fail(c, &e);
	}
	if (json) {
		status = cmd_json_out(cmd_transfer_json(&t));
	} else {
		printf("转递包已写出：%s\n转递编号 %s（本馆第 %lld 号转递）\n"
			"%d 件，%d 页，%d 个文件，%llu 字节\n"
			"转递单：%s/slip.html（打印后签字随包移交）\n", t.path,
			t.uuid, (long long)t.id, t.items, t.pages, t.files,
			(unsigned long long)t.bytes, t.path);
	}
	hd_transfer_release(&t);
	return status;
}
