/*
 * transfer.c - the transfer commands (转递):
 *   hongdang export --bag OUT (REF... | --person NAME | --query Q)
 *   hongdang export --receipt ID OUT
 *   hongdang import BAG
 *   hongdang transfer list | show ID | confirm RECEIPT
 *   hongdang bag validate PATH
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

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORDS_JSON_MAX ((size_t)256 << 20)

static const char export_help[] =
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
	"                  manifest_sha256, records}\n";

static const char import_help[] =
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
	"                 rejected, warnings}\n";

static const char transfer_help[] =
	"usage: hongdang [-d DIR] transfer list [--json]\n"
	"       hongdang [-d DIR] transfer show ID [--json]\n"
	"       hongdang [-d DIR] transfer confirm RECEIPT [--json]\n\n"
	"list     transfers sent (out) and received (in; the id is the\n"
	"         receipt number)\n"
	"show     one transfer with its items\n"
	"confirm  record the receipt file RECEIPT that the receiver wrote\n"
	"         with 'hongdang export --receipt': it must name a transfer\n"
	"         sent from here and repeat its manifest hash and items\n";

static const char bag_help[] =
	"usage: hongdang bag validate PATH\n\n"
	"Validate a BagIt bag (RFC 8493 1.0 and drafts 0.93-0.97) in a\n"
	"folder, zip or tar: every checksum of every manifest and tag\n"
	"manifest, no payload file missing or unlisted, Payload-Oxum,\n"
	"encodings, no path leaving the bag, nothing to fetch.  Exit 0 when\n"
	"valid (warnings on stderr), 1 when not (every reason on stderr).\n";

static json_t *transfer_json(const struct hd_transfer *t)
{
	json_t *o = json_object(), *d;

	json_object_set_new(o, "transfer", json_integer(t->id));
	json_object_set_new(o, "direction", json_string(t->direction));
	json_object_set_new(o, "uuid", cmd_jstr(t->uuid));
	json_object_set_new(o, "peer", cmd_jstr(t->peer));
	json_object_set_new(o, "reason", cmd_jstr(t->reason));
	json_object_set_new(o, "bag", cmd_jstr(t->path));
	json_object_set_new(o, "at", cmd_jstr(t->at));
	json_object_set_new(o, "agent", cmd_jstr(t->agent));
	json_object_set_new(o, "items", json_integer(t->items));
	json_object_set_new(o, "pages", json_integer(t->pages));
	json_object_set_new(o, "files", json_integer(t->files));
	json_object_set_new(o, "bytes", json_integer((json_int_t)t->bytes));
	json_object_set_new(o, "manifest_sha256", json_string(t->manifest));
	json_object_set_new(o, "confirmed", cmd_jstr(t->confirmed));
	d = json_loads(t->detail ? t->detail : "{}", 0, NULL);
	json_object_set(o, "records", d ? json_object_get(d, "items") : NULL);
	if (json_object_get(o, "records") == NULL) {
		json_object_set_new(o, "records", json_array());
	}
	json_decref(d);
	return o;
}

/* --------------------------------------------------------------- export */

static int export_receipt(struct cmd_ctx *c, const char *id,
	const char *out)
{
	struct hd_archive *a;
	struct hd_error e;
	char *end;
	long long n = strtoll(id, &end, 10);
	int status = 0;

	if (*end != '\0' || n <= 0) {
		return cmd_usage("export", "--receipt '%s': not a receipt "
			"number", id);
	}
	a = cmd_open(c, "export", 0, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (hd_receipt_write(a, (int64_t)n, out, &e) != 0) {
		status = cmd_fail("export", &e);
	} else {
		printf("回执 %lld 已写出：%s\n", n, out);
	}
	hd_archive_close(a);
	return status;
}

int cmd_export(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"bag", required_argument, NULL, 'b'},
		{"to", required_argument, NULL, 't'},
		{"reason", required_argument, NULL, 'r'},
		{"person", required_argument, NULL, 'p'},
		{"query", required_argument, NULL, 'q'},
		{"receipt", required_argument, NULL, 'R'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hd_export x;
	struct hd_transfer t;
	struct hd_archive *a;
	struct hd_error e;
	const char *receipt = NULL;
	int ch, json = 0, status = 0, kinds;
	json_t *o;

	memset(&x, 0, sizeof x);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			x.out = optarg;
			break;
		case 't':
			x.to = optarg;
			break;
		case 'r':
			x.reason = optarg;
			break;
		case 'p':
			x.person = optarg;
			break;
		case 'q':
			x.query = optarg;
			break;
		case 'R':
			receipt = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(export_help, stdout);
			return 0;
		default:
			return cmd_usage("export", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (receipt != NULL) {
		if (x.out != NULL || optind + 1 != argc) {
			return cmd_usage("export", "--receipt ID takes one "
				"file to write, and no --bag");
		}
		return export_receipt(c, receipt, argv[optind]);
	}
	if (x.out == NULL) {
		return cmd_usage("export", "--bag OUT is needed");
	}
	x.refs = (const char *const *)(argv + optind);
	x.nrefs = (size_t)(argc - optind);
	kinds = (x.nrefs > 0) + (x.person != NULL) + (x.query != NULL);
	if (kinds != 1) {
		return cmd_usage("export", "choose the records one way: "
			"REF..., --person NAME or --query Q");
	}
	a = cmd_open(c, "export", 0, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (hd_transfer_export(a, &x, &c->agent, &t, &e) != 0) {
		status = cmd_fail("export", &e);
		if (e.code == HD_ENOTFOUND || e.code == HD_EEXIST) {
			status = 1;
		}
		hd_archive_close(a);
		return status;
	}
	if (json) {
		o = transfer_json(&t);
		status = cmd_json_out(o);
	} else {
		printf("转递包已写出：%s\n转递编号 %s（本馆第 %lld 号转递）\n"
			"%d 件，%d 页，%d 个文件，%llu 字节\n"
			"转递单：%s/slip.html（打印后签字随包移交）\n", t.path,
			t.uuid, (long long)t.id, t.items, t.pages, t.files,
			(unsigned long long)t.bytes, t.path);
	}
	hd_transfer_release(&t);
	hd_archive_close(a);
	return status;
}

/* --------------------------------------------------------------- import */

/* The bag inside an unpacked folder: the folder itself or its single
 * top folder.  A new string, or NULL. */
static char *bag_root(const char *dir)
{
	char *sub = NULL, *only = NULL;
	struct dirent **names = NULL;
	struct stat st;
	int n, i, count = 0;

	if (bag_detect(dir)) {
		return hd_xstrdup(dir);
	}
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *d = names[i]->d_name;

		if (strcmp(d, ".") != 0 && strcmp(d, "..") != 0 &&
		    strcmp(d, "__MACOSX") != 0 && strcmp(d, ".DS_Store") != 0) {
			count++;
			free(only);
			only = hd_xasprintf("%s/%s", dir, d);
		}
		free(names[i]);
	}
	free(names);
	if (count == 1 && lstat(only, &st) == 0 && S_ISDIR(st.st_mode) &&
	    bag_detect(only)) {
		sub = only;
		only = NULL;
	}
	free(only);
	return sub;
}

static void print_notes(FILE *f, const char *label,
	const struct batch_note *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		fprintf(f, "%s  %s%s%s\n", label, v[i].path,
			*v[i].path ? "：" : "", v[i].msg);
	}
}

static json_t *notes_json(const struct batch_note *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "path", json_string(v[i].path));
		json_object_set_new(o, "message", json_string(v[i].msg));
		json_array_append_new(arr, o);
	}
	return arr;
}

static const char *tag_of(const struct batch *b, const char *label)
{
	size_t i;

	for (i = 0; i < b->nbag_info; i++) {
		if (strcasecmp(b->bag_info[i].label, label) == 0) {
			return b->bag_info[i].value;
		}
	}
	return NULL;
}

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

/* What names the bag for sender and receiver alike: the SHA-256 of its
 * manifest-sha256.txt, or of all its payload manifests in name order
 * (a bag from elsewhere may list md5 or sha512 only). */
static void manifest_hash(const char *root, char sum[65])
{
	struct dirent **names = NULL;
	struct hd_buf b;
	unsigned char *buf;
	char *path;
	size_t len;
	int n, i;

	path = hd_xasprintf("%s/manifest-sha256.txt", root);
	if (hd_sha256_file(path, sum, NULL, NULL) == 0) {
		free(path);
		return;
	}
	free(path);
	hd_buf_init(&b);
	n = scandir(root, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *d = names[i]->d_name;

		if (strncmp(d, "manifest-", 9) == 0 &&
		    strlen(d) > 13 && strcmp(d + strlen(d) - 4, ".txt") == 0) {
			path = hd_xasprintf("%s/%s", root, d);
			if (hd_read_file(path, RECORDS_JSON_MAX, &buf, &len,
			    NULL) == 0) {
				hd_buf_printf(&b, "%s\n", d);
				hd_buf_add(&b, buf, len);
				free(buf);
			}
			free(path);
		}
		free(names[i]);
	}
	free(names);
	hd_sha256_hex(b.p ? b.p : "", b.len, sum);
	hd_buf_release(&b);
}

static int import_report(const struct batch *b,
	const struct ingest_result *res, int64_t receipt, int again,
	int json)
{
	size_t i;

	if (json) {
		json_t *o = json_object(), *refs = json_array();

		for (i = 0; i < res->nrefs; i++) {
			json_array_append_new(refs, json_string(res->refs[i]));
		}
		json_object_set_new(o, "receipt", receipt > 0 ?
			json_integer(receipt) : json_null());
		json_object_set_new(o, "again", json_boolean(again));
		json_object_set_new(o, "batch", res->batch ?
			json_integer(res->batch) : json_null());
		json_object_set_new(o, "added", json_integer(res->added));
		json_object_set_new(o, "duplicates",
			json_integer(res->duplicates));
		json_object_set_new(o, "records", refs);
		json_object_set_new(o, "rejected", notes_json(b->rejected,
			b->nrejected));
		json_object_set_new(o, "warnings", notes_json(b->warnings,
			b->nwarnings));
		return cmd_json_out(o);
	}
	for (i = 0; i < res->nrefs; i++) {
		printf("%s  %s\n", res->refs[i], res->titles[i]);
	}
	print_notes(stdout, "警告", b->warnings, b->nwarnings);
	if (b->nrejected > 0) {
		print_notes(stdout, "拒收", b->rejected, b->nrejected);
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

/* hongdang import BAG: validate a received bag, ingest it and record
 * its receipt.  Returns the exit status. */
int cmd_import(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"approve", no_argument, NULL, 'A'},
		{"fonds", required_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ingest_opts o;
	struct ingest_result res;
	struct hd_receive rcv;
	struct hd_received *items = NULL;
	struct hd_archive *a;
	struct hd_error e;
	struct batch sb, b;
	struct stat st;
	json_t *doc = NULL;
	char *root = NULL, *sheet = NULL, sum[65];
	char *paths[1];
	size_t nitems = 0, i;
	int64_t receipt = 0, fonds;
	int ch, json = 0, status = 0, rc, again = 0;
	unsigned long long bytes = 0, files = 0;

	memset(&o, 0, sizeof o);
	memset(&res, 0, sizeof res);
	o.agent = &c->agent;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			o.approve = 1;
			break;
		case 'f':
			o.fonds = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(import_help, stdout);
			return 0;
		default:
			return cmd_usage("import", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (optind + 1 != argc) {
		return cmd_usage("import", "give one BAG (folder, zip or "
			"tar)");
	}
	if (stat(argv[optind], &st) != 0) {
		fprintf(stderr, "hongdang import: %s: no such file or "
			"folder\n", argv[optind]);
		return 2;
	}
	a = cmd_open(c, "import", 0, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (o.fonds != NULL && hd_fonds_id(a, o.fonds, &fonds, &e) != 0) {
		hd_archive_close(a);
		return cmd_usage("import", "--fonds: %s", e.msg);
	}
	batch_init(&sb, a);
	batch_init(&b, a);
	/* 1. a packed bag is unpacked (and validated) privately first */
	if (S_ISDIR(st.st_mode)) {
		root = hd_xstrdup(argv[optind]);
		if (!bag_detect(root)) {
			batch_reject(&b, argv[optind], "not a BagIt bag (no "
				"bagit.txt)");
		}
	} else {
		paths[0] = argv[optind];
		rc = stage_receive(&sb, paths, 1, &e);
		if (rc == HD_EIO) {
			status = cmd_fail("import", &e);
			goto out;
		}
		if (rc == 0 && !sb.is_bag) {
			batch_reject(&b, argv[optind], "not a BagIt bag: a "
				"zip or tar holding a folder with bagit.txt "
				"is needed");
		}
		if (rc == 0 && sb.is_bag && sb.ntmpdirs > 0) {
			root = bag_root(sb.tmpdirs[0]);
		}
		if (rc != 0) {
			b.rejected = sb.rejected;
			b.nrejected = sb.nrejected;
			sb.rejected = NULL;
			sb.nrejected = 0;
		}
	}
	if (b.nrejected == 0 && root == NULL) {
		batch_reject(&b, argv[optind], "the bag could not be found "
			"after unpacking");
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
	o.progress = !json && isatty(2);
	paths[0] = root;
	rc = ingest_run(&b, &o, paths, 1, &res, &e);
	if (rc == HD_EREJECT) {
		import_report(&b, &res, 0, 0, json);
		status = 1;
		goto out;
	}
	if (rc != 0) {
		status = cmd_fail("import", &e);
		goto out;
	}
	/* 3. the receipt */
	manifest_hash(root, sum);
	received_items(root, &b, &items, &nitems, &doc);
	for (i = 0; i < b.nitems; i++) {
		if (b.items[i].record != -2) {
			files++;
			bytes += b.items[i].file.size;
		}
	}
	memset(&rcv, 0, sizeof rcv);
	rcv.uuid = tag_of(&b, "External-Identifier");
	rcv.from = tag_of(&b, "Source-Organization");
	rcv.reason = tag_of(&b, "Transfer-Reason");
	rcv.path = argv[optind];
	rcv.manifest = sum;
	rcv.pages = tag_of(&b, "Transfer-Pages") ?
		atoi(tag_of(&b, "Transfer-Pages")) : 0;
	rcv.files = (int)files;
	rcv.bytes = bytes;
	rcv.batch = res.batch;
	rcv.items = items;
	rcv.nitems = nitems;
	if (hd_transfer_receive(a, &rcv, &c->agent, &receipt, &again,
	    &e) != 0) {
		import_report(&b, &res, 0, 0, json);
		fprintf(stderr, "hongdang import: the records are stored, "
			"but the receipt was not: %s (run the import again to "
			"record it)\n", e.msg);
		status = 1;
		goto out;
	}
	if (import_report(&b, &res, receipt, again, json) != 0) {
		status = 1;
	}
out:
	ingest_result_release(&res);
	batch_release(&b);
	batch_release(&sb);
	json_decref(doc);
	free(items);
	free(root);
	free(sheet);
	hd_archive_close(a);
	return status;
}

/* ------------------------------------------------------------- transfer */

static int transfer_list(struct hd_archive *a, int json)
{
	struct hd_transfer *v = NULL;
	struct hd_error e;
	size_t n = 0, i;
	json_t *arr;
	int status = 0;

	hd_err_clear(&e);
	if (hd_transfer_list(a, &v, &n, &e) != 0) {
		return cmd_fail("transfer", &e);
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			json_array_append_new(arr, transfer_json(&v[i]));
		}
		status = cmd_json_out(arr);
	} else {
		for (i = 0; i < n; i++) {
			printf("%lld  %s  %s  %s%s  %d 件 %d 页  %s\n",
				(long long)v[i].id, strcmp(v[i].direction,
				"out") == 0 ? "移出" : "接收", v[i].at,
				strcmp(v[i].direction, "out") == 0 ? "→ " :
				"← ", v[i].peer ? v[i].peer : "（未填）",
				v[i].items, v[i].pages,
				strcmp(v[i].direction, "in") == 0 ? "回执" :
				v[i].confirmed ? "已回执" : "待回执");
		}
		if (n == 0) {
			printf("还没有转递记录\n");
		}
	}
	hd_transfers_free(v, n);
	return status;
}

static int transfer_show(struct hd_archive *a, const char *id, int json)
{
	struct hd_transfer t;
	struct hd_error e;
	json_t *o, *recs, *it;
	char *end;
	long long n = strtoll(id, &end, 10);
	size_t i;
	int status = 0;

	if (*end != '\0' || n <= 0) {
		return cmd_usage("transfer", "'%s' is not a transfer number",
			id);
	}
	hd_err_clear(&e);
	if (hd_transfer_get(a, (int64_t)n, &t, &e) != 0) {
		status = cmd_fail("transfer", &e);
		return e.code == HD_ENOTFOUND ? 1 : status;
	}
	o = transfer_json(&t);
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

static int transfer_confirm(struct cmd_ctx *c, struct hd_archive *a,
	const char *path, int json)
{
	struct hd_transfer t;
	struct hd_error e;
	int status = 0;

	hd_err_clear(&e);
	if (hd_transfer_confirm(a, path, &c->agent, &t, &e) != 0) {
		status = cmd_fail("transfer", &e);
		return status == 2 ? 2 : 1;
	}
	if (json) {
		status = cmd_json_out(transfer_json(&t));
	} else {
		printf("转递 %lld 已确认接收（%s）：%d 件，回执记录于 %s\n",
			(long long)t.id, t.peer ? t.peer : "接收单位", t.items,
			t.confirmed);
	}
	hd_transfer_release(&t);
	return status;
}

int cmd_transfer(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hd_archive *a;
	const char *sub;
	int ch, json = 0, status = 0, need;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(transfer_help, stdout);
			return 0;
		default:
			return cmd_usage("transfer", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return cmd_usage("transfer", "list, show ID or confirm "
			"RECEIPT");
	}
	sub = argv[optind];
	need = strcmp(sub, "list") == 0 ? 1 : 2;
	if ((strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "confirm") != 0) || argc - optind != need) {
		return cmd_usage("transfer", "list, show ID or confirm "
			"RECEIPT");
	}
	a = cmd_open(c, "transfer", strcmp(sub, "confirm") != 0, &status);
	if (a == NULL) {
		return status;
	}
	if (strcmp(sub, "list") == 0) {
		status = transfer_list(a, json);
	} else if (strcmp(sub, "show") == 0) {
		status = transfer_show(a, argv[optind + 1], json);
	} else {
		status = transfer_confirm(c, a, argv[optind + 1], json);
	}
	hd_archive_close(a);
	return status;
}

/* ------------------------------------------------------------------ bag */

int cmd_bag(struct cmd_ctx *c, int argc, char **argv)
{
	struct batch_note *errs = NULL, *warns = NULL;
	size_t nerrs = 0, nwarns = 0, i;
	struct hd_error e;
	struct batch sb;
	struct stat st;
	char *paths[1];
	int rc, status;

	(void)c;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(bag_help, stdout);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "validate") != 0) {
		return cmd_usage("bag", "use 'bag validate PATH'");
	}
	if (stat(argv[2], &st) != 0) {
		fprintf(stderr, "hongdang bag: %s: no such file or folder\n",
			argv[2]);
		return 2;
	}
	batch_init(&sb, NULL);
	hd_err_clear(&e);
	if (S_ISDIR(st.st_mode)) {
		rc = bag_validate(argv[2], &errs, &nerrs, &warns, &nwarns,
			NULL, NULL);
	} else {
		paths[0] = argv[2];
		rc = stage_receive(&sb, paths, 1, &e);
		if (rc == HD_EIO) {
			batch_release(&sb);
			return cmd_fail("bag", &e);
		}
		if (rc == 0 && !sb.is_bag) {
			batch_reject(&sb, argv[2], "not a BagIt bag: no folder "
				"with bagit.txt inside");
			rc = HD_EINVAL;
		}
		errs = sb.rejected;
		nerrs = sb.nrejected;
		warns = sb.warnings;
		nwarns = sb.nwarnings;
		sb.rejected = sb.warnings = NULL;
		sb.nrejected = sb.nwarnings = 0;
	}
	for (i = 0; i < nwarns; i++) {
		fprintf(stderr, "warning: %s\n", warns[i].msg);
	}
	if (rc != 0 || nerrs > 0) {
		for (i = 0; i < nerrs; i++) {
			fprintf(stderr, "invalid: %s\n", errs[i].msg);
		}
		fprintf(stderr, "hongdang bag: %s is not a valid bag (%zu "
			"problem%s)\n", argv[2], nerrs, nerrs == 1 ? "" : "s");
		status = 1;
	} else {
		printf("%s: valid BagIt bag%s\n", argv[2], nwarns ?
			" (with warnings)" : "");
		status = 0;
	}
	batch_notes_free(errs, nerrs);
	batch_notes_free(warns, nwarns);
	batch_release(&sb);
	return status;
}
