/*
 * import.c - receiving a transfer (转递) bag: what "hongdang import" and
 * the admin pages' /admin/import both run, so that a bag is validated,
 * stored and receipted the same way from either.
 *
 * The bag is validated completely before anything is stored (every
 * checksum, no payload file missing or unlisted, Payload-Oxum, encodings,
 * no path leaving the bag) with the same validator ingest uses; a bad bag
 * is refused whole with every reason listed; a good one is ingested in
 * one transaction with the bag's own catalogue sheet
 * (metadata/records.csv), then its receipt (回执) is recorded.  A zipped
 * or tarred bag is unpacked first into a private folder under the data
 * folder (the safe extraction of stage_receive), so what is validated is
 * what is ingested; a bag given as a folder is validated and read where
 * it is, and every file is hashed again as it is stored.
 */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#define RECORDS_JSON_MAX ((size_t)256 << 20)

/* See ingest.h. */
void import_run_init(struct import_run *r, struct hd_archive *a)
{
	memset(r, 0, sizeof *r);
	batch_init(&r->unpack, a);
	batch_init(&r->b, a);
}

/* See ingest.h. */
void import_run_release(struct import_run *r)
{
	ingest_result_release(&r->res);
	batch_release(&r->b);
	batch_release(&r->unpack);
	free(r->root);
	r->root = NULL;
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

/* Find the bag at path (st: its stat) for r: a folder as it is, a zip or
 * tar unpacked into r->unpack's private folder.  Sets r->root to the
 * bag's folder, or rejects path in r->b with why.  Returns 0, or HD_EIO
 * with e set when unpacking failed. */
static int find_bag(struct import_run *r, const char *path,
	const struct stat *st, struct hd_error *e)
{
	char *paths[1];
	int rc;

	if (S_ISDIR(st->st_mode)) {
		r->root = hd_xstrdup(path);
		if (!hd_bag_detect(r->root)) {
			batch_reject(&r->b, path, "not a BagIt bag (no "
				"bagit.txt)");
		}
		return 0;
	}
	paths[0] = (char *)path;        /* stage_receive only reads it */
	rc = stage_receive(&r->unpack, paths, 1, e);
	if (rc == HD_EIO) {
		return rc;
	}
	if (rc == 0 && !r->unpack.is_bag) {
		batch_reject(&r->b, path, "not a BagIt bag: a zip or tar "
			"holding a folder with bagit.txt is needed");
	}
	if (rc == 0 && r->unpack.is_bag && r->unpack.ntmpdirs > 0) {
		r->root = hd_bag_find(r->unpack.tmpdirs[0]);
	}
	if (rc != 0) {
		r->b.rejected = r->unpack.rejected;
		r->b.nrejected = r->unpack.nrejected;
		r->unpack.rejected = NULL;
		r->unpack.nrejected = 0;
	}
	if (r->b.nrejected == 0 && r->root == NULL) {
		batch_reject(&r->b, path, "the bag could not be found after "
			"unpacking");
	}
	return 0;
}

/* Record the receipt of the bag path that r stored: its bag-info.txt
 * and folder (where the library reads the sender, the reason and the
 * manifest hash), its items, files and bytes.  Sets r->receipt and
 * r->again.  Returns 0, or the library's code with e set. */
static int receive(struct import_run *r, const char *path,
	const struct hd_agent *agent, struct hd_error *e)
{
	struct hd_received *items = NULL;
	struct hd_receive rcv;
	unsigned long long bytes = 0, files = 0;
	size_t nitems = 0, i;
	json_t *doc = NULL;
	int rc;

	received_items(r->root, &r->b, &items, &nitems, &doc);
	for (i = 0; i < r->b.nitems; i++) {
		if (r->b.items[i].record != -2) {
			files++;
			bytes += r->b.items[i].file.size;
		}
	}
	memset(&rcv, 0, sizeof rcv);
	rcv.path = path;
	rcv.root = r->root;
	rcv.info = r->b.bag_info;
	rcv.ninfo = r->b.nbag_info;
	rcv.files = (int)files;
	rcv.bytes = bytes;
	rcv.batch = r->res.batch;
	rcv.items = items;
	rcv.nitems = nitems;
	rc = hd_transfer_receive(r->b.a, &rcv, agent, &r->receipt, &r->again,
		e);
	json_decref(doc);
	free(items);
	return rc;
}

/* See ingest.h.  The bag is looked for first (a packed one unpacked and
 * validated privately), then validated again and ingested by ingest_run,
 * then receipted. */
int ingest_import(struct import_run *r, const char *path,
	const struct ingest_opts *o, struct hd_error *e)
{
	struct ingest_opts io = *o;
	struct stat st;
	char *sheet, *paths[1];
	int rc;

	if (stat(path, &st) != 0) {
		batch_reject(&r->b, path, "no such file or folder");
		return HD_EREJECT;
	}
	/* 1. a packed bag is unpacked (and validated) privately first */
	rc = find_bag(r, path, &st, e);
	if (rc != 0) {
		return rc;
	}
	if (r->b.nrejected > 0) {
		return HD_EREJECT;
	}
	/* 2. validated again and ingested in one transaction */
	sheet = hd_xasprintf("%s/metadata/records.csv", r->root);
	if (lstat(sheet, &st) == 0 && S_ISREG(st.st_mode)) {
		io.sheet = sheet;
	}
	paths[0] = r->root;
	rc = ingest_run(&r->b, &io, paths, 1, &r->res, e);
	free(sheet);
	if (rc != 0) {
		return rc;
	}
	r->stored = 1;
	/* 3. the receipt */
	return receive(r, path, o->agent, e);
}
