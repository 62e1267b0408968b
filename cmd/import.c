/*
 * import.c - "hongdang import": receive a transfer (转递) bag.
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

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORDS_JSON_MAX ((size_t)256 << 20)

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


/* The items of the receipt: the sender's records from
 * metadata/records.json, or for a bag from elsewhere each payload file.
 * *doc keeps the strings alive (caller frees with json_decref). */
static void received_items(const char *root, const struct batch *b,
	struct hd_received **items, size_t *n, json_t **doc)
{
	char *path = hd_xasprintf("%s/metadata/records.json", root);
	unsigned char *buf = NULL;
	json_t *recs, *r, *files;
	size_t len, i;
	int more = 0;

	*items = NULL;
	*n = 0;
	*doc = NULL;
	if (hd_read_file(path, RECORDS_JSON_MAX, &buf, &len, &more) == 0 &&
	    !more) {
		*doc = json_loadb((const char *)buf, len, 0, NULL);
	}
	free(buf);
	free(path);
	recs = json_object_get(*doc, "records");
	if (json_is_array(recs)) {
		*items = hd_xcalloc(json_array_size(recs) + 1, sizeof **items);
		json_array_foreach(recs, i, r) {
			files = json_object_get(r, "files");
			(*items)[*n].ref = json_string_value(
				json_object_get(r, "ref"));
			(*items)[*n].title = json_string_value(
				json_object_get(r, "title"));
			(*items)[*n].sha256 = json_string_value(json_object_get(
				json_array_get(files, 0), "sha256"));
			(*n)++;
		}
		return;
	}
	*items = hd_xcalloc(b->nitems + 1, sizeof **items);
	for (i = 0; i < b->nitems; i++) {
		if (b->items[i].record == -2) {
			continue;
		}
		(*items)[*n].ref = b->items[i].path;
		(*items)[*n].title = b->items[i].path;
		(*items)[*n].sha256 = b->items[i].file.sha256;
		(*n)++;
	}
}

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

/* Find the bag path (st: its stat) for batch b: a folder as it is, a
 * zip or tar unpacked into sb's private folder.  Sets *root to the bag's
 * folder (caller frees), or rejects path in b with why.  Returns 0, or
 * HD_EIO with e set when unpacking failed. */
static int find_bag(char *path, const struct stat *st,
	struct batch *sb, struct batch *b, char **root, struct hd_error *e)
{
	char *paths[1];
	int rc;

	*root = NULL;
	if (S_ISDIR(st->st_mode)) {
		*root = hd_xstrdup(path);
		if (!hd_bag_detect(*root)) {
			batch_reject(b, path, "not a BagIt bag (no "
				"bagit.txt)");
		}
		return 0;
	}
	paths[0] = path;
	rc = stage_receive(sb, paths, 1, e);
	if (rc == HD_EIO) {
		return rc;
	}
	if (rc == 0 && !sb->is_bag) {
		batch_reject(b, path, "not a BagIt bag: a zip or tar holding "
			"a folder with bagit.txt is needed");
	}
	if (rc == 0 && sb->is_bag && sb->ntmpdirs > 0) {
		*root = hd_bag_find(sb->tmpdirs[0]);
	}
	if (rc != 0) {
		b->rejected = sb->rejected;
		b->nrejected = sb->nrejected;
		sb->rejected = NULL;
		sb->nrejected = 0;
	}
	if (b->nrejected == 0 && *root == NULL) {
		batch_reject(b, path, "the bag could not be found after "
			"unpacking");
	}
	return 0;
}

/* Record the receipt of the bag path (its folder root) that batch b
 * (res) stored: its bag-info.txt and folder (where the library reads
 * the sender, the reason and the manifest hash), its items, files and
 * bytes.  Sets *receipt and *again (received before).  Returns 0, or
 * the library's code with e set. */
static int receive(struct cmd_ctx *c, const char *path, const char *root,
	const struct batch *b, const struct ingest_result *res,
	int64_t *receipt, int *again, struct hd_error *e)
{
	struct hd_received *items = NULL;
	struct hd_receive rcv;
	unsigned long long bytes = 0, files = 0;
	size_t nitems = 0, i;
	json_t *doc = NULL;
	int rc;

	received_items(root, b, &items, &nitems, &doc);
	for (i = 0; i < b->nitems; i++) {
		if (b->items[i].record != -2) {
			files++;
			bytes += b->items[i].file.size;
		}
	}
	memset(&rcv, 0, sizeof rcv);
	rcv.path = path;
	rcv.root = root;
	rcv.info = b->bag_info;
	rcv.ninfo = b->nbag_info;
	rcv.files = (int)files;
	rcv.bytes = bytes;
	rcv.batch = res->batch;
	rcv.items = items;
	rcv.nitems = nitems;
	rc = hd_transfer_receive(c->a, &rcv, &c->agent, receipt, again, e);
	json_decref(doc);
	free(items);
	return rc;
}

/* Validate the bag argv[1] whole, ingest it in one transaction and
 * record its receipt; report it (--json: as an object).  Exit 0, 1 when
 * the bag is refused (nothing stored) or the receipt could not be
 * recorded, 2 for bad usage or no such file. */
int cmd_import(struct cmd_ctx *c, int argc, char **argv)
{
	struct ingest_opts o;
	int json = 0, status, rc, again = 0;
	const struct cmd_opt opts[] = {
		CMD_FLAG("approve", &o.approve),
		CMD_STR("fonds", &o.fonds),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct ingest_result res;
	struct hd_error e;
	struct batch sb, b;
	struct stat st;
	char *root = NULL, *sheet = NULL, *paths[1];
	int64_t receipt = 0;

	memset(&o, 0, sizeof o);
	memset(&res, 0, sizeof res);
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
	batch_init(&sb, c->a);
	batch_init(&b, c->a);
	hd_err_clear(&e);
	/* 1. a packed bag is unpacked (and validated) privately first */
	if (find_bag(argv[0], &st, &sb, &b, &root, &e) != 0) {
		status = cmd_fail(c, &e);
		goto out;
	}
	if (b.nrejected > 0) {
		import_report(&b, &res, 0, 0, json);
		status = 1;
		goto out;
	}
	/* 2. validated again and ingested in one transaction */
	sheet = hd_xasprintf("%s/metadata/records.csv", root);
	if (lstat(sheet, &st) == 0 && S_ISREG(st.st_mode)) {
		o.sheet = sheet;
	}
	if (!json && isatty(2)) {
		o.progress = cmd_ingest_progress;
	}
	paths[0] = root;
	rc = ingest_run(&b, &o, paths, 1, &res, &e);
	if (rc == HD_EREJECT) {
		import_report(&b, &res, 0, 0, json);
		status = 1;
		goto out;
	}
	if (rc != 0) {
		status = cmd_fail(c, &e);
		goto out;
	}
	/* 3. the receipt */
	if (receive(c, argv[0], root, &b, &res, &receipt, &again, &e) != 0) {
		import_report(&b, &res, 0, 0, json);
		status = cmd_err(c, 1, "the records are stored, but the "
			"receipt was not: %s (run the import again to record "
			"it)", e.msg);
		goto out;
	}
	status = import_report(&b, &res, receipt, again, json) != 0;
out:
	ingest_result_release(&res);
	batch_release(&b);
	batch_release(&sb);
	free(root);
	free(sheet);
	return status;
}
