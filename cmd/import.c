/*
 * import.c - "hongdang import": receive a transfer (转递) bag, as the
 * admin pages' /admin/import does (both run ingest_import).
 *
 * Import validates the bag completely before anything is stored (every
 * checksum, no payload file missing or unlisted, Payload-Oxum, encodings,
 * no path leaving the bag) with the same validator ingest uses, refuses a
 * bad bag whole with every reason listed, ingests a good one in one
 * transaction with the bag's own catalogue sheet (metadata/records.csv),
 * then records the receipt (回执).  A zipped or tarred bag is unpacked
 * first into a private folder under the data folder (the safe extraction
 * of the ingest pipeline), so what is validated is what is ingested; a
 * bag given as a folder is validated and read where it is, as ingest
 * does, and every file is hashed again as it is stored.
 */
#include "cmd.h"
#include "../ingest/ingest.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] import [--approve] [--fonds CODE] [--json]\n"
	"              BAG\n\n"
	"Receive a transfer: BAG is a BagIt bag as a folder, zip or tar.  It\n"
	"is validated completely first; a bag with any problem is refused\n"
	"whole and every problem listed (exit 1).  A valid bag is ingested in\n"
	"one transaction, described by its metadata/records.csv, and a\n"
	"receipt (回执) is recorded; 'hongdang export --receipt N FILE'\n"
	"writes it for the sender.  Importing the same bag again adds\n"
	"nothing.\n\n"
	"  --approve      records arrive approved (else they wait for review)\n"
	"  --fonds CODE   the fonds they join (default: the archive's first)\n"
	"  --json         {receipt, again, batch, added, duplicates, records,\n"
	"                 rejected, warnings}\n",
	.min = 1, .max = 1, .what = "give one BAG (folder, zip or tar)",
	.flags = CMD_IN_ORDER,
};


/* Report the import of batch b (res: what was stored; receipt and again
 * once it is recorded): the records, warnings and refusals and the
 * receipt's number (json: as an object).  Returns 0, or 1 when stdout
 * fails. */
static int import_report(const struct batch *b,
	const struct ingest_result *res, int64_t receipt, int again,
	int json)
{
	json_t *o;

	if (json) {
		o = json_object();
		json_object_set_new(o, "receipt", receipt > 0 ?
			json_integer(receipt) : json_null());
		json_object_set_new(o, "again", json_boolean(again));
		return cmd_json_out(cmd_batch_json(o, b, res, -1, "message"));
	}
	cmd_batch_print(b, res);
	if (b->nrejected > 0) {
		cmd_notes_print("拒收", b->rejected, b->nrejected);
		printf("转递包被拒收，未存入任何内容（%zu 个问题）\n",
			b->nrejected);
		return 0;
	}
	printf("接收完成：新增 %d 件，原已保存 %d 件\n", res->added,
		res->duplicates);
	if (receipt > 0) {
		printf("回执 %lld%s；用 'hongdang export --receipt %lld 文件' "
			"写出回执交给移出单位\n", (long long)receipt,
			again ? "（这个包以前已接收过）" : "",
			(long long)receipt);
	}
	return 0;
}

/* Validate the bag argv[1] whole, ingest it in one transaction and
 * record its receipt; report it (--json: as an object).  Exit 0, 1 when
 * the bag is refused (nothing stored) or the receipt could not be
 * recorded, 2 for bad usage or no such file. */
int cmd_import(struct cmd_ctx *c, int argc, char **argv)
{
	struct ingest_opts o;
	int json = 0, status, rc;
	const struct cmd_opt opts[] = {
		CMD_FLAG("approve", &o.approve),
		CMD_STR("fonds", &o.fonds),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct import_run r;
	struct hd_error e;
	struct stat st;

	memset(&o, 0, sizeof o);
	o.agent = &c->agent;
	status = cmd_start(c, &spec, opts, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	if (stat(argv[0], &st) != 0) {
		return cmd_err(c, 2, "%s: no such file or folder", argv[0]);
	}
	status = cmd_open_fonds(c, o.fonds);
	if (status != 0) {
		return status;
	}
	if (!json && isatty(2)) {
		o.progress = cmd_ingest_progress;
	}
	import_run_init(&r, c->a);
	hd_err_clear(&e);
	rc = ingest_import(&r, argv[0], &o, &e);
	if (rc == HD_EREJECT) {
		import_report(&r.b, &r.res, 0, 0, json);
		status = 1;
	} else if (rc != 0 && r.stored) {
		import_report(&r.b, &r.res, 0, 0, json);
		status = cmd_err(c, 1, "the records are stored, but the "
			"receipt was not: %s (run the import again to record "
			"it)", e.msg);
	} else if (rc != 0) {
		status = cmd_fail(c, &e);
	} else {
		status = import_report(&r.b, &r.res, r.receipt, r.again,
			json) != 0;
	}
	import_run_release(&r);
	return status;
}
