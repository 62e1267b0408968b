/*
 * transfer.c - transfers (转递): records sent as BagIt bags with their
 * transfer slip (转递单), the receipt (回执) recorded on the receiving
 * side, and the receipt confirmed back on the sending side.
 *
 * A bag made here (RFC 8493, BagIt 1.0):
 *   bagit.txt, bag-info.txt (the slip as tags), manifest-sha256.txt,
 *   tagmanifest-sha256.txt, data/<REF>/<original file names>,
 *   metadata/records.json (every field, the files and their hashes, the
 *   events), metadata/records.csv (a catalogue sheet naming the payload,
 *   so any Hongdang ingests the bag with it) and slip.html (the slip to
 *   print and sign, rendered by the front end from the data this file
 *   computes: the library makes no HTML).
 * <REF> is the reference code with '.' for '·', as in record URLs.
 * The metadata and the slip are tag files (listed in the tag manifest)
 * rather than payload, so that the payload is exactly the records' files
 * and the sheet names every one of them.  Writing the bag is bagit.c's
 * work (hd_bagw_*); this file chooses the records and says what the bag
 * and its slip hold.
 *
 * Guarantees: every payload file is copied from the object store while
 * its hash is computed and compared with its name, so a bag never
 * carries a damaged file; the bag is built under a temporary name beside
 * its destination, fsynced and renamed, so it appears whole or not at
 * all (the slip is rendered while it is built); the transfer and its
 * events commit only once the bag is in place.
 * Validating and ingesting a received bag is the ingest pipeline's work
 * (the import command); this file records what was received.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#define MAX_ITEMS 100000        /* records in one transfer */
#define RECEIPT_MAX (16u << 20) /* bytes of a receipt file */
#define SOFTWARE "hongdang 0.1"

/* ------------------------------------------------------- transfers */

/* hd_transfer_release: free the strings of *t and zero it.  Accepts
 * NULL. */
void hd_transfer_release(struct hd_transfer *t)
{
	if (t == NULL) {
		return;
	}
	free(t->uuid);
	free(t->peer);
	free(t->reason);
	free(t->at);
	free(t->agent);
	free(t->path);
	free(t->detail);
	free(t->confirmed);
	free(t->receipt);
	memset(t, 0, sizeof *t);
}

/* hd_transfers_free: release v[0..n) and free v.  Accepts NULL. */
void hd_transfers_free(struct hd_transfer *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		hd_transfer_release(&v[i]);
	}
	free(v);
}

/* A row of TRANSFER_SQL into *t. */
static void transfer_row(sqlite3_stmt *st, struct hd_transfer *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(st, 0);
	snprintf(t->direction, sizeof t->direction, "%s",
		(const char *)sqlite3_column_text(st, 1));
	t->uuid = hd_col_dup(st, 2);
	t->peer = hd_col_dup(st, 3);
	t->reason = hd_col_dup(st, 4);
	t->items = sqlite3_column_int(st, 5);
	t->pages = sqlite3_column_int(st, 6);
	t->files = sqlite3_column_int(st, 7);
	t->bytes = (uint64_t)sqlite3_column_int64(st, 8);
	snprintf(t->manifest, sizeof t->manifest, "%s",
		(const char *)sqlite3_column_text(st, 9));
	t->at = hd_col_dup(st, 10);
	t->agent = hd_col_dup(st, 11);
	t->path = hd_col_dup(st, 12);
	t->detail = hd_col_dup(st, 13);
	t->confirmed = hd_col_dup(st, 14);
	t->receipt = hd_col_dup(st, 15);
}

/* The transfer the bound statement st finds into *t (zeroed when there is
 * none).  Returns 0, HD_ENOTFOUND without a message, or HD_EDB. */
static int transfer_read(struct hd_archive *a, sqlite3_stmt *st,
	struct hd_transfer *t, struct hd_error *e)
{
	int rc = hd_sql_step(a, st, "read transfer", e);

	if (rc != 1) {
		return rc == 0 ? HD_ENOTFOUND : rc;
	}
	transfer_row(st, t);
	sqlite3_reset(st);
	return 0;
}

/* hd_transfer_get: see hd.h.  Returns 0, HD_ENOTFOUND, HD_EDB. */
int hd_transfer_get(struct hd_archive *a, int64_t id, struct hd_transfer *t,
	struct hd_error *e)
{
	int rc;

	memset(t, 0, sizeof *t);
	rc = transfer_read(a, hd_sql_bind(a, SQL_TRANSFER_GET, e, "l", id), t,
		e);
	if (rc == HD_ENOTFOUND) {
		return hd_err(e, HD_ENOTFOUND, "transfer %lld does not exist",
			(long long)id);
	}
	return rc;
}

/* The transfer of direction dir ("in", "out") with identifier uuid into
 * *t.  Returns 0, HD_ENOTFOUND (no message), HD_EDB. */
static int transfer_by_uuid(struct hd_archive *a, const char *dir,
	const char *uuid, struct hd_transfer *t, struct hd_error *e)
{
	memset(t, 0, sizeof *t);
	return transfer_read(a, hd_sql_bind(a, SQL_TRANSFER_BY_UUID, e, "tt",
		dir, uuid), t, e);
}

/* hd_transfer_list: every transfer, sent and received, into *v (*n of
 * them; hd_transfers_free).  Returns 0, or HD_EDB with *v NULL. */
int hd_transfer_list(struct hd_archive *a, struct hd_transfer **v,
	size_t *n, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_TRANSFER_LIST, e);
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "list transfers", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		transfer_row(st, &(*v)[(*n)++]);
	}
	if (rc != 0) {
		hd_transfers_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* Insert a transfer row (inside a transaction): *id receives its id.
 * Returns 0 or HD_EDB. */
static int transfer_insert(struct hd_archive *a, const char *dir,
	const char *uuid, const char *peer, const char *reason, int items,
	int pages, int files, uint64_t bytes, const char *manifest,
	const char *agent, const char *path, const char *detail, int64_t *id,
	struct hd_error *e)
{
	char now[32];
	int rc;

	*id = 0;
	hd_now_iso(now);
	rc = hd_sql_run(a, SQL_TRANSFER_INSERT, "record transfer", e,
		"ttttiiilttttt", dir, uuid, peer, reason, items, pages, files,
		(int64_t)bytes, manifest, now, agent, path, detail);
	if (rc == 0) {
		*id = sqlite3_last_insert_rowid(a->db);
	}
	return rc;
}

/* The name events and slips give the agent: its name, or "unknown". */
static const char *agent_name(const struct hd_agent *agent)
{
	return agent && agent->name ? agent->name : "unknown";
}

/* ------------------------------------------------------------ choosing */

/* Add a copy of ref to the list v of *n unless it is there already. */
static void add_unique(char ***v, size_t *n, const char *ref)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*v)[i], ref) == 0) {
			return;
		}
	}
	hd_strv_add(v, n, ref);
}

/* The canonical reference codes x chooses, each once, in order. */
static int choose(struct hd_archive *a, const struct hd_export *x,
	char ***refs, size_t *n, struct hd_error *e)
{
	struct hd_results res;
	struct hd_query q;
	sqlite3_stmt *st;
	char canon[64];
	int64_t id;
	size_t i;
	int rc, done;

	*refs = NULL;
	*n = 0;
	for (i = 0; i < x->nrefs; i++) {
		rc = hd_ref_canon(x->refs[i], canon, sizeof canon, e);
		if (rc != 0) {
			return rc;
		}
		rc = hd_record_id(a, canon, &id, e);
		if (rc != 0) {
			return rc;
		}
		if (id == 0) {
			return hd_err(e, HD_ENOTFOUND, "%s: no such record",
				x->refs[i]);
		}
		add_unique(refs, n, canon);
	}
	if (x->person != NULL) {
		st = hd_sql(a, SQL_RECORDS_OF_PERSON, e);
		if (st == NULL) {
			return HD_EDB;
		}
		hd_bind_text(st, 1, x->person);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		    *n < MAX_ITEMS) {
			add_unique(refs, n, (const char *)
				sqlite3_column_text(st, 0));
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			return hd_sql_err(a, e, "records of the person");
		}
	}
	if (x->query != NULL) {
		memset(&q, 0, sizeof q);
		q.q = x->query;
		q.limit = 1000;
		q.exact = 1;    /* every match, not the newest only */
		for (;;) {
			rc = hd_search(a, HD_ARCHIVIST, &q, &res, e);
			if (rc != 0) {
				return rc;
			}
			for (i = 0; i < res.nhits; i++) {
				add_unique(refs, n, res.hits[i].ref);
			}
			q.offset += (int)res.nhits;
			done = res.nhits == 0 || q.offset >= res.total ||
				q.offset >= MAX_ITEMS;
			hd_results_release(&res);
			if (done) {
				break;
			}
		}
	}
	if (*n > MAX_ITEMS) {
		return hd_err(e, HD_ELIMIT, "over %d records chosen; transfer "
			"them in parts", MAX_ITEMS);
	}
	if (*n == 0) {
		return hd_err(e, HD_ENOTFOUND, "no record chosen: nothing to "
			"transfer");
	}
	return 0;
}

/* 1 when a stored file name can go into a bag as it is: relative, no
 * "." or ".." part, no empty part, no control character. */
static int name_ok(const char *s)
{
	const char *p = s, *q;

	if (*s == '\0' || *s == '/') {
		return 0;
	}
	for (q = s; *q; q++) {
		if ((unsigned char)*q < 0x20 || *q == 0x7F || *q == '\\') {
			return 0;
		}
	}
	while (*p) {
		q = strchr(p, '/');
		if (q == NULL) {
			q = p + strlen(p);
		}
		if (q == p || (q - p == 1 && p[0] == '.') ||
		    (q - p == 2 && p[0] == '.' && p[1] == '.')) {
			return 0;
		}
		p = *q ? q + 1 : q;
	}
	return 1;
}

/* ------------------------------------------------------ the metadata */

/* Pages of a record: the sheet's count, else its files' (1 each when a
 * file's own count is unknown). */
static int record_pages(const struct hd_record *r)
{
	size_t i;
	int p = 0;

	if (r->pages > 0) {
		return r->pages;
	}
	for (i = 0; i < r->nfiles; i++) {
		p += r->files[i].pages > 0 ? r->files[i].pages : 1;
	}
	return p;
}

/* Record r as metadata/records.json holds it: every field, its files
 * (with their paths in the bag under data/FOLDER/) and its events.  A
 * new reference. */
static json_t *record_json(const struct hd_record *r, const char *folder)
{
	json_t *o = json_object(), *files = json_array(), *evs = json_array();
	json_t *f;
	char *p;
	size_t i;

	json_object_set_new(o, "ref", json_string(r->ref));
	json_object_set_new(o, "fonds", hd_json_str(r->fonds));
	json_object_set_new(o, "title", hd_json_str(r->title));
	json_object_set_new(o, "creator", hd_json_str(r->creator));
	json_object_set_new(o, "date", hd_json_str(r->date));
	json_object_set_new(o, "category", hd_json_str(r->category));
	json_object_set_new(o, "retention", hd_json_str(r->retention));
	json_object_set_new(o, "class", hd_json_str(r->cls));
	json_object_set_new(o, "access", hd_json_str(r->access));
	json_object_set_new(o, "status", hd_json_str(r->status));
	json_object_set_new(o, "place", hd_json_str(r->place));
	json_object_set_new(o, "location", hd_json_str(r->location));
	json_object_set_new(o, "description", hd_json_str(r->description));
	json_object_set_new(o, "language", hd_json_str(r->language));
	json_object_set_new(o, "source", hd_json_str(r->source));
	json_object_set_new(o, "pages", json_integer(record_pages(r)));
	json_object_set_new(o, "subjects", hd_json_strv(r->subjects, r->nsubjects));
	json_object_set_new(o, "persons", hd_json_strv(r->persons, r->npersons));
	json_object_set_new(o, "created", hd_json_str(r->created));
	json_object_set_new(o, "updated", hd_json_str(r->updated));
	json_object_set_new(o, "folder", json_string(folder));
	for (i = 0; i < r->nfiles; i++) {
		f = json_object();
		p = hd_xasprintf("data/%s/%s", folder, r->files[i].name);
		json_object_set_new(f, "name", json_string(r->files[i].name));
		json_object_set_new(f, "path", json_string(p));
		json_object_set_new(f, "sha256",
			json_string(r->files[i].sha256));
		json_object_set_new(f, "size",
			json_integer((json_int_t)r->files[i].size));
		json_object_set_new(f, "mime", hd_json_str(r->files[i].mime));
		if (r->files[i].pages > 0) {
			json_object_set_new(f, "pages",
				json_integer(r->files[i].pages));
		}
		json_array_append_new(files, f);
		free(p);
	}
	json_object_set_new(o, "files", files);
	for (i = 0; i < r->nevents; i++) {
		f = json_object();
		json_object_set_new(f, "at", json_string(r->events[i].at));
		json_object_set_new(f, "type", hd_json_str(r->events[i].type));
		json_object_set_new(f, "agent", hd_json_str(r->events[i].agent));
		json_object_set_new(f, "detail", hd_json_str(r->events[i].detail));
		json_array_append_new(evs, f);
	}
	json_object_set_new(o, "events", evs);
	return o;
}

/* The catalogue sheet of the bag (sheetw.c): the columns ingest reads,
 * one row per record, its files named one by one under its folder, in
 * their order, so the receiving record keeps it.  Caller frees. */
static char *records_csv(struct hd_record *recs, char **folders, size_t n)
{
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b);
	hd_sheet_csv_header(&b);
	for (i = 0; i < n; i++) {
		hd_sheet_csv_record(&b, &recs[i], folders[i]);
	}
	return hd_buf_detach(&b);
}

/* The slip's facts, shared by bag-info.txt and the slip's data. */
struct slip {
	const char *uuid;
	const char *from;       /* fonds name */
	const char *fonds;      /* fonds code */
	const char *to;
	const char *reason;
	const char *agent;
	char date[11];          /* China date */
	char at[32];            /* UTC */
	int items;
	int pages;
	int files;
	uint64_t bytes;
	char oxum[48];          /* Payload-Oxum */
	char manifest[65];      /* SHA-256 of manifest-sha256.txt */
};

/* Tag t[*n] labelled label with a copy of value (NULL stays NULL: the
 * writer leaves the tag out). */
static void tag_set(struct hd_bag_tag *t, size_t *n, const char *label,
	const char *value)
{
	t[*n].label = hd_xstrdup(label);
	t[*n].value = value != NULL ? hd_xstrdup(value) : NULL;
	(*n)++;
}

/* Write bag-info.txt for slip s: who sends (the settings
 * transfer.contact_name, _phone, _email and transfer.address where set),
 * the bag's identifier, what is sent to whom and why, Payload-Oxum.
 * Returns 0, HD_EDB when the settings cannot be read, HD_EIO. */
static int bag_info(struct hd_archive *a, struct hd_bagw *w,
	const struct slip *s, struct hd_error *e)
{
	static const char *const keys[] = {"transfer.contact_name",
		"transfer.contact_phone", "transfer.contact_email",
		"transfer.address"};
	char *set[4] = {NULL, NULL, NULL, NULL}, *v;
	struct hd_bag_tag *t = hd_xcalloc(20, sizeof *t);
	size_t n = 0, i;
	int rc = 0;

	for (i = 0; i < 4 && rc == 0; i++) {
		rc = hd_meta_get(a, keys[i], NULL, &set[i], e);
	}
	if (rc != 0) {
		goto out;
	}
	tag_set(t, &n, "Source-Organization", s->from);
	tag_set(t, &n, "Organization-Address", set[3]);
	tag_set(t, &n, "Contact-Name", set[0] ? set[0] : s->agent);
	tag_set(t, &n, "Contact-Phone", set[1]);
	tag_set(t, &n, "Contact-Email", set[2]);
	tag_set(t, &n, "External-Identifier", s->uuid);
	tag_set(t, &n, "Internal-Sender-Identifier", s->fonds);
	v = hd_xasprintf("转递单：%s 移交 %s，%d 件 %d 页 %d 个文件", s->from,
		s->to ? s->to : "（未填接收单位）", s->items, s->pages,
		s->files);
	tag_set(t, &n, "Internal-Sender-Description", v);
	free(v);
	tag_set(t, &n, "To", s->to);
	tag_set(t, &n, "Transfer-Reason", s->reason);
	tag_set(t, &n, "Bagging-Date", s->date);
	tag_set(t, &n, "Bag-Software-Agent", SOFTWARE);
	tag_set(t, &n, "Payload-Oxum", s->oxum);
	v = hd_bag_size_text(s->bytes);
	tag_set(t, &n, "Bag-Size", v);
	free(v);
	v = hd_xasprintf("%d", s->items);
	tag_set(t, &n, "Transfer-Items", v);
	free(v);
	v = hd_xasprintf("%d", s->pages);
	tag_set(t, &n, "Transfer-Pages", v);
	free(v);
	tag_set(t, &n, "Transfer-Agent", s->agent);
	rc = hd_bagw_info(w, t, n, e);
out:
	for (i = 0; i < 4; i++) {
		free(set[i]);
	}
	hd_bag_tags_free(t, n);
	return rc;
}

/* The slip's data, for the printable slip (struct hd_export's slip,
 * templates/print/slip.html):
 *   {uuid, from, fonds, to, reason, date (China), agent, items, pages,
 *    files, bytes, size ("341.8 KB"), oxum (Payload-Oxum), manifest
 *    (SHA-256 of manifest-sha256.txt), records: [{ref, title, date,
 *    pages, files: [{name, sha256}]}]}
 * with null for a missing to, reason, title or date.  Returns a new
 * JSON object (caller decrefs). */
static json_t *slip_json(const struct slip *s, const struct hd_record *recs,
	size_t n)
{
	json_t *o = json_object(), *arr = json_array(), *r, *files, *f;
	char *size = hd_bag_size_text(s->bytes);
	size_t i, k;

	json_object_set_new(o, "uuid", json_string(s->uuid));
	json_object_set_new(o, "from", json_string(s->from));
	json_object_set_new(o, "fonds", json_string(s->fonds));
	json_object_set_new(o, "to", hd_json_str(s->to));
	json_object_set_new(o, "reason", hd_json_str(s->reason));
	json_object_set_new(o, "date", json_string(s->date));
	json_object_set_new(o, "agent", json_string(s->agent));
	json_object_set_new(o, "items", json_integer(s->items));
	json_object_set_new(o, "pages", json_integer(s->pages));
	json_object_set_new(o, "files", json_integer(s->files));
	json_object_set_new(o, "bytes", json_integer((json_int_t)s->bytes));
	json_object_set_new(o, "size", json_string(size));
	json_object_set_new(o, "oxum", json_string(s->oxum));
	json_object_set_new(o, "manifest", json_string(s->manifest));
	for (i = 0; i < n; i++) {
		r = json_object();
		files = json_array();
		json_object_set_new(r, "ref", json_string(recs[i].ref));
		json_object_set_new(r, "title", hd_json_str(recs[i].title));
		json_object_set_new(r, "date", hd_json_str(recs[i].date));
		json_object_set_new(r, "pages",
			json_integer(record_pages(&recs[i])));
		for (k = 0; k < recs[i].nfiles; k++) {
			f = json_object();
			json_object_set_new(f, "name",
				json_string(recs[i].files[k].name));
			json_object_set_new(f, "sha256",
				json_string(recs[i].files[k].sha256));
			json_array_append_new(files, f);
		}
		json_object_set_new(r, "files", files);
		json_array_append_new(arr, r);
	}
	json_object_set_new(o, "records", arr);
	free(size);
	return o;
}

/* A new random (version 4) UUID as a URN, "urn:uuid:…" (GLib's
 * g_uuid_string_random: an identifier, unique, not a secret). */
static void uuid_new(char out[48])
{
	char *u = g_uuid_string_random();

	snprintf(out, 48, "urn:uuid:%s", u);
	g_free(u);
}

/* Copy the files of the records into the bag's payload, data/FOLDER/NAME,
 * each checked against its hash while copied, and count the slip's
 * pages, files and bytes.  Returns 0; HD_EINVAL for a stored name that
 * cannot go into a bag; HD_ECORRUPT for an object missing or damaged in
 * the store; HD_EIO. */
static int bag_payload(struct hd_archive *a, struct hd_bagw *w,
	struct hd_record *recs, char **folders, size_t n, struct slip *s,
	struct hd_error *e)
{
	struct hd_error fe;
	char got[65], *rel = NULL, *dst = NULL, *src = NULL;
	uint64_t size;
	size_t i, k;
	int rc = 0, temp = 0;

	for (i = 0; i < n && rc == 0; i++) {
		s->pages += record_pages(&recs[i]);
		for (k = 0; k < recs[i].nfiles && rc == 0; k++) {
			struct hd_file *f = &recs[i].files[k];

			if (!name_ok(f->name)) {
				rc = hd_err(e, HD_EINVAL, "%s: file name '%s' "
					"cannot go into a bag", recs[i].ref,
					f->name);
				break;
			}
			free(rel);
			free(dst);
			free(src);
			dst = NULL;
			rel = hd_xasprintf("data/%s/%s", folders[i], f->name);
			rc = hd_bagw_path(w, rel, &dst, e);
			if (rc != 0) {
				break;
			}
			hd_err_clear(&fe);
			/* a bucket's object is fetched (and checked) first */
			rc = hd_store_fetch(a, f->sha256, &src, &temp, &fe);
			if (rc == HD_EIO || rc == HD_EDENIED) {
				hd_err(e, rc, "%s", fe.msg);
				break;
			}
			if (rc == 0) {
				rc = hd_fs_copy(src, dst, f->sha256, got,
					&size, &fe);
			}
			if (temp) {
				unlink(src);
				temp = 0;
			}
			if (rc == HD_ECORRUPT || rc == HD_ENOTFOUND) {
				rc = hd_err(e, HD_ECORRUPT, "%s: file '%s' "
					"(object %s) is %s in the store; run "
					"'hongdang verify'", recs[i].ref,
					f->name, f->sha256, rc == HD_ENOTFOUND ?
					"missing" : "damaged");
				break;
			}
			if (rc != 0) {
				hd_err(e, fe.code, "%s", fe.msg);
				break;
			}
			hd_bagw_payload(w, rel, got, size);
		}
	}
	free(rel);
	free(dst);
	free(src);
	s->files = (int)w->npayload;
	s->bytes = w->bytes;
	hd_bagw_oxum(w, s->oxum);
	return rc;
}

/* The metadata/records.json of the bag: the transfer and every record
 * with its files and events.  Returns 0 or HD_EIO. */
static int bag_records_json(struct hd_bagw *w, struct hd_record *recs,
	char **folders, size_t n, const struct slip *s,
	struct hd_error *e)
{
	json_t *top = json_object(), *arr = json_array(), *from;
	char *text = NULL;
	size_t i;
	int rc;

	from = json_object();
	json_object_set_new(from, "fonds", json_string(s->fonds));
	json_object_set_new(from, "name", json_string(s->from));
	json_object_set_new(top, "hongdang_transfer", json_integer(1));
	json_object_set_new(top, "identifier", json_string(s->uuid));
	json_object_set_new(top, "from", from);
	json_object_set_new(top, "to", hd_json_str(s->to));
	json_object_set_new(top, "reason", hd_json_str(s->reason));
	json_object_set_new(top, "date", json_string(s->at));
	json_object_set_new(top, "items", json_integer(s->items));
	json_object_set_new(top, "pages", json_integer(s->pages));
	json_object_set_new(top, "files", json_integer(s->files));
	for (i = 0; i < n; i++) {
		json_array_append_new(arr, record_json(&recs[i], folders[i]));
	}
	json_object_set_new(top, "records", arr);
	rc = hd_json_dump(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER,
		"metadata/records.json", &text, e);
	if (rc == 0) {
		rc = hd_bagw_tag(w, "metadata/records.json", text, e);
	}
	free(text);
	json_decref(top);
	return rc;
}

/* The tag files of the bag after its payload: the manifest (its hash
 * goes to the slip), bag-info.txt, the metadata, slip.html rendered by
 * x->slip (none without one), then bagit.txt and the tag manifest, every
 * folder fsynced (hd_bagw_finish).  Returns 0 or the first error (a
 * slip that cannot be rendered is one). */
static int bag_tags(struct hd_archive *a, struct hd_bagw *w,
	const struct hd_export *x, struct hd_record *recs, char **folders,
	size_t n, struct slip *s, struct hd_error *e)
{
	struct hd_buf html;
	json_t *data;
	char *text;
	int rc;

	rc = hd_bagw_manifest(w, s->manifest, e);
	if (rc == 0) {
		rc = bag_info(a, w, s, e);
	}
	if (rc == 0) {
		rc = bag_records_json(w, recs, folders, n, s, e);
	}
	if (rc == 0) {
		text = records_csv(recs, folders, n);
		rc = hd_bagw_tag(w, "metadata/records.csv", text, e);
		free(text);
	}
	if (rc == 0 && x->slip != NULL) {
		hd_buf_init(&html);
		data = slip_json(s, recs, n);
		rc = x->slip(data, &html, x->slip_ud, e);
		if (rc == 0) {
			rc = hd_bagw_tag(w, "slip.html", html.p ? html.p : "",
				e);
		}
		json_decref(data);
		hd_buf_release(&html);
	}
	if (rc == 0) {
		rc = hd_bagw_finish(w, e);
	}
	return rc;
}

/* A transfer out whose bag is made but not yet recorded (hd_desk.h). */
struct hd_export_made {
	struct hd_bagw w;       /* the bag, under its temporary name or
	                           placed at out */
	char *out;              /* where it is placed */
	char uuid[48];
	char *to, *reason;      /* copies, NULL when not named */
	char *agent;            /* who made it */
	int items, pages, files;
	uint64_t bytes;
	char manifest[65];
	char *detail;           /* the transfer's detail (JSON) */
	int64_t *rids;          /* the records sent */
	size_t n;
};

/* The transfer's detail: the receiver and every item (ref, title,
 * pages, files), compact JSON into m->detail.  0 or the error. */
static int made_detail(struct hd_export_made *m, struct hd_record *recs,
	size_t n, struct hd_error *e)
{
	json_t *detail = json_object(), *items = json_array(), *it;
	size_t i;
	int rc;

	json_object_set_new(detail, "to", hd_json_str(m->to));
	for (i = 0; i < n; i++) {
		it = json_object();
		json_object_set_new(it, "ref", json_string(recs[i].ref));
		json_object_set_new(it, "title", hd_json_str(recs[i].title));
		json_object_set_new(it, "pages",
			json_integer(record_pages(&recs[i])));
		json_object_set_new(it, "files",
			json_integer((json_int_t)recs[i].nfiles));
		json_array_append_new(items, it);
	}
	json_object_set_new(detail, "items", items);
	rc = hd_json_dump(detail, JSON_COMPACT | JSON_PRESERVE_ORDER,
		"transfer", &m->detail, e);
	json_decref(detail);
	return rc;
}

/* Make the bag of the records x chooses under its temporary name (not
 * placed, nothing recorded) into a new *out.  Returns 0, or the first
 * error with *out NULL and the bag gone. */
static int export_build(struct hd_archive *a, const struct hd_export *x,
	const struct hd_agent *agent, struct hd_export_made **out,
	struct hd_error *e)
{
	struct hd_export_made *m = hd_xcalloc(1, sizeof *m);
	struct hd_record *recs = NULL;
	struct slip s;
	char **refs = NULL, **folders = NULL;
	size_t nrefs = 0, i;
	int rc, begun = 0;

	*out = NULL;
	memset(&s, 0, sizeof s);
	rc = hd_bagw_begin(&m->w, x->out, e);
	begun = rc == 0;
	if (rc == 0) {
		rc = choose(a, x, &refs, &nrefs, e);
	}
	if (rc == 0) {
		recs = hd_xcalloc(nrefs, sizeof *recs);
		folders = hd_xcalloc(nrefs, sizeof *folders);
		m->rids = hd_xcalloc(nrefs, sizeof *m->rids);
	}
	for (i = 0; rc == 0 && i < nrefs; i++) {
		hd_record_init(&recs[i]);
		rc = hd_record_get(a, HD_ARCHIVIST, refs[i], &recs[i], e);
		if (rc == 0 && recs[i].nfiles == 0) {
			rc = hd_err(e, HD_EINVAL, "%s has no digital files to "
				"transfer", refs[i]);
		}
		if (rc == 0) {
			folders[i] = hd_ref_dotted(recs[i].ref);
			m->rids[i] = recs[i].id;
			m->n = i + 1;
		}
	}
	if (rc == 0) {
		uuid_new(m->uuid);
		m->out = hd_xstrdup(x->out);
		m->to = x->to ? hd_xstrdup(x->to) : NULL;
		m->reason = x->reason ? hd_xstrdup(x->reason) : NULL;
		m->agent = hd_xstrdup(agent_name(agent));
		s.uuid = m->uuid;
		s.from = hd_archive_name(a) ? hd_archive_name(a) : "";
		s.fonds = hd_archive_fonds(a) ? hd_archive_fonds(a) : "";
		s.to = x->to;
		s.reason = x->reason;
		s.agent = m->agent;
		s.items = (int)nrefs;
		hd_china_today(s.date);
		hd_now_iso(s.at);
		rc = bag_payload(a, &m->w, recs, folders, nrefs, &s, e);
	}
	if (rc == 0) {
		rc = bag_tags(a, &m->w, x, recs, folders, nrefs, &s, e);
	}
	if (rc == 0) {
		rc = made_detail(m, recs, nrefs, e);
	}
	m->items = s.items;
	m->pages = s.pages;
	m->files = s.files;
	m->bytes = s.bytes;
	memcpy(m->manifest, s.manifest, sizeof m->manifest);
	for (i = 0; recs != NULL && i < nrefs; i++) {
		hd_record_release(&recs[i]);
	}
	free(recs);
	hd_strv_free(folders, folders ? nrefs : 0);
	hd_strv_free(refs, nrefs);
	if (rc != 0) {
		if (begun) {
			hd_bagw_discard(&m->w);
		}
		hd_export_made_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* Record the transfer m made, as gone to where (NULL: its folder), and
 * an event "transfer" on each record, in one transaction; place: put
 * the bag in place inside it, so the two commit together.  Returns 0
 * with the transfer's number in *id, or the first error with nothing
 * recorded. */
static int export_record(struct hd_archive *a, struct hd_export_made *m,
	const char *where, const struct hd_agent *agent, int place,
	int64_t *id, struct hd_error *e)
{
	const char *bag = where ? where : m->out;
	size_t i;
	char *ev;
	int rc;

	*id = 0;
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = transfer_insert(a, "out", m->uuid, m->to, m->reason, m->items,
		m->pages, m->files, m->bytes, m->manifest, agent_name(agent),
		bag, m->detail, id, e);
	for (i = 0; i < m->n && rc == 0; i++) {
		ev = hd_xasprintf("sent to %s in transfer %lld (%s), bag %s",
			m->to ? m->to : "(no receiver named)", (long long)*id,
			m->uuid, bag);
		rc = hd_event_add(a, "transfer", m->rids[i], agent, ev, e);
		free(ev);
	}
	if (rc == 0 && place) {
		rc = hd_bagw_place(&m->w, e);
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc != 0) {
		hd_tx_rollback(a);
		*id = 0;
	}
	return rc;
}

/* See hd.h.  The bag is removed again on every error path before the
 * transaction commits, also after it was renamed into place. */
int hd_transfer_export(struct hd_archive *a, const struct hd_export *x,
	const struct hd_agent *agent, struct hd_transfer *t,
	struct hd_error *e)
{
	struct hd_export_made *m;
	int64_t id;
	int rc;

	memset(t, 0, sizeof *t);
	rc = export_build(a, x, agent, &m, e);
	if (rc != 0) {
		return rc;
	}
	rc = export_record(a, m, NULL, agent, 1, &id, e);
	if (rc != 0) {
		hd_bagw_discard(&m->w);
	}
	hd_export_made_free(m);
	return rc != 0 ? rc : hd_transfer_get(a, id, t, e);
}

/* See hd_desk.h. */
int hd_transfer_export_make(struct hd_archive *a, const struct hd_export *x,
	const struct hd_agent *agent, struct hd_export_made **m,
	struct hd_error *e)
{
	int rc = export_build(a, x, agent, m, e);

	if (rc == 0) {
		rc = hd_bagw_place(&(*m)->w, e);
		if (rc != 0) {
			hd_bagw_discard(&(*m)->w);
			hd_export_made_free(*m);
			*m = NULL;
		}
	}
	return rc;
}

/* See hd_desk.h. */
int hd_transfer_export_record(struct hd_archive *a,
	struct hd_export_made *m, const char *where,
	const struct hd_agent *agent, struct hd_transfer *t,
	struct hd_error *e)
{
	int64_t id;
	int rc = export_record(a, m, where, agent, 0, &id, e);

	memset(t, 0, sizeof *t);
	return rc != 0 ? rc : hd_transfer_get(a, id, t, e);
}

/* See hd_desk.h. */
const char *hd_export_made_uuid(const struct hd_export_made *m)
{
	return m->uuid;
}

/* See hd_desk.h. */
void hd_export_made_free(struct hd_export_made *m)
{
	if (m == NULL) {
		return;
	}
	hd_bagw_release(&m->w);
	free(m->out);
	free(m->to);
	free(m->reason);
	free(m->agent);
	free(m->detail);
	free(m->rids);
	free(m);
}

/* ------------------------------------------------------------- receipts */

/* hd_transfer_receive: see hd.h.  Reads back the tags bag_info writes
 * (External-Identifier, Source-Organization, Transfer-Reason,
 * Transfer-Pages) and the manifest hash in r->root.  Returns 0, HD_EIO,
 * HD_EBUSY, HD_EDB; *id is 0 on every error path. */
int hd_transfer_receive(struct hd_archive *a, const struct hd_receive *r,
	const struct hd_agent *agent, int64_t *id, int *again,
	struct hd_error *e)
{
	const char *ext, *from, *reason, *pg;
	struct hd_transfer old;
	json_t *detail = json_object(), *items = json_array(), *it;
	char *uuid, *text = NULL, *ev, man[65];
	sqlite3_stmt *st;
	int64_t *rids, rid;
	size_t i, fresh = 0;
	int rc, got, pages;

	*id = 0;
	*again = 0;
	ext = hd_bag_tag_get(r->info, r->ninfo, "External-Identifier");
	from = hd_bag_tag_get(r->info, r->ninfo, "Source-Organization");
	reason = hd_bag_tag_get(r->info, r->ninfo, "Transfer-Reason");
	pg = hd_bag_tag_get(r->info, r->ninfo, "Transfer-Pages");
	pages = pg != NULL ? atoi(pg) : 0;
	hd_bag_manifest_hash(r->root, man);
	uuid = ext != NULL && *ext ? hd_xstrdup(ext) :
		hd_xasprintf("sha256:%s", man);
	rids = hd_xcalloc(r->nitems + 1, sizeof *rids);
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		goto done;
	}
	rc = transfer_by_uuid(a, "in", uuid, &old, e);
	if (rc == 0) {
		*id = old.id;
		*again = 1;
		hd_transfer_release(&old);
		hd_tx_rollback(a);
		goto done;
	}
	if (rc != HD_ENOTFOUND) {
		goto fail;
	}
	rc = 0;
	for (i = 0; i < r->nitems; i++) {
		const struct hd_received *x = &r->items[i];
		const char *status = "not found";
		char *local = NULL;

		st = hd_sql(a, SQL_RECORD_BY_FILE, e);
		if (st == NULL) {
			rc = HD_EDB;
			goto fail;
		}
		hd_bind_text(st, 1, x->sha256 ? x->sha256 : "");
		got = sqlite3_step(st) == SQLITE_ROW;
		if (got) {
			local = hd_col_dup(st, 0);
			rid = sqlite3_column_int64(st, 2);
			if (r->batch > 0 && sqlite3_column_int64(st, 1) ==
			    r->batch) {
				status = "received";
				rids[i] = rid;
				fresh++;
			} else {
				status = "held before";
			}
		}
		sqlite3_reset(st);
		it = json_object();
		json_object_set_new(it, "ref", hd_json_str(x->ref));
		json_object_set_new(it, "title", hd_json_str(x->title));
		json_object_set_new(it, "received_as", hd_json_str(local));
		json_object_set_new(it, "status", json_string(status));
		json_array_append_new(items, it);
		free(local);
	}
	json_object_set_new(detail, "from", hd_json_str(from));
	json_object_set_new(detail, "items", items);
	items = NULL;
	rc = hd_json_dump(detail, JSON_COMPACT | JSON_PRESERVE_ORDER,
		"receipt", &text, e);
	if (rc == 0) {
		rc = transfer_insert(a, "in", uuid, from, reason,
			(int)r->nitems, pages, r->files, r->bytes, man,
			agent_name(agent), r->path ? r->path : "", text, id, e);
	}
	if (rc != 0) {
		goto fail;
	}
	for (i = 0; i < r->nitems && rc == 0; i++) {
		if (rids[i] == 0) {
			continue;
		}
		ev = hd_xasprintf("received from %s in transfer %s as the "
			"sender's %s (receipt %lld)", from ? from :
			"(unnamed sender)", uuid, r->items[i].ref ?
			r->items[i].ref : "?", (long long)*id);
		rc = hd_event_add(a, "transfer", rids[i], agent, ev, e);
		free(ev);
	}
	if (rc == 0) {
		ev = hd_xasprintf("receipt %lld: transfer %s from %s, %zu "
			"item(s), %zu new", (long long)*id, uuid, from ?
			from : "(unnamed sender)", r->nitems, fresh);
		rc = hd_event_add(a, "transfer", 0, agent, ev, e);
		free(ev);
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc == 0) {
		goto done;
	}
fail:
	hd_tx_rollback(a);
	*id = 0;
done:
	json_decref(detail);
	json_decref(items);
	free(text);
	free(uuid);
	free(rids);
	return rc;
}

/* hd_receipt_write: see hd.h.  Returns 0, HD_ENOTFOUND, HD_EIO, HD_EDB. */
int hd_receipt_write(struct hd_archive *a, int64_t id, const char *path,
	struct hd_error *e)
{
	struct hd_transfer t;
	json_t *o = NULL, *by, *d;
	char *text = NULL;
	int rc;

	rc = hd_transfer_get(a, id, &t, e);
	if (rc != 0) {
		return rc;
	}
	if (strcmp(t.direction, "in") != 0) {
		rc = hd_err(e, HD_ENOTFOUND, "%lld is a transfer sent from "
			"here, not a receipt", (long long)id);
		goto out;
	}
	o = json_object();
	by = json_object();
	json_object_set_new(by, "fonds", hd_json_str(hd_archive_fonds(a)));
	json_object_set_new(by, "name", hd_json_str(hd_archive_name(a)));
	json_object_set_new(o, "hongdang_receipt", json_integer(1));
	json_object_set_new(o, "receipt", json_integer(t.id));
	json_object_set_new(o, "transfer", json_string(t.uuid));
	json_object_set_new(o, "manifest_sha256", json_string(t.manifest));
	json_object_set_new(o, "from", hd_json_str(t.peer));
	json_object_set_new(o, "received_by", by);
	json_object_set_new(o, "received_at", hd_json_str(t.at));
	json_object_set_new(o, "agent", hd_json_str(t.agent));
	json_object_set_new(o, "files", json_integer(t.files));
	json_object_set_new(o, "pages", json_integer(t.pages));
	json_object_set_new(o, "bytes", json_integer((json_int_t)t.bytes));
	d = json_loads(t.detail ? t.detail : "{}", 0, NULL);
	json_object_set(o, "items", d ? json_object_get(d, "items") : NULL);
	if (json_object_get(o, "items") == NULL) {
		json_object_set_new(o, "items", json_array());
	}
	json_decref(d);
	rc = hd_json_dump(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER, path,
		&text, e);
	if (rc != 0) {
		goto out;
	}
	text = hd_xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");
	rc = hd_fs_replace(path, text, strlen(text), e);
out:
	json_decref(o);
	free(text);
	hd_transfer_release(&t);
	return rc;
}

/* 1 when the receipt's items name ref. */
static int receipt_names(json_t *items, const char *ref, const char **as)
{
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it) {
		const char *r = json_string_value(json_object_get(it, "ref"));

		if (r != NULL && strcmp(r, ref) == 0) {
			*as = json_string_value(json_object_get(it,
				"received_as"));
			return 1;
		}
	}
	return 0;
}

/* hd_transfer_confirm: see hd.h.  *t is released on every error path. */
int hd_transfer_confirm(struct hd_archive *a, const char *path,
	const struct hd_agent *agent, struct hd_transfer *t,
	struct hd_error *e)
{
	unsigned char *buf = NULL;
	json_t *o = NULL, *sent = NULL, *items, *it;
	const char *uuid, *man, *ref, *as, *by;
	char now[32], *ev;
	sqlite3_stmt *st;
	int64_t rid;
	size_t n, i;
	int more = 0, rc, in_tx = 0;

	memset(t, 0, sizeof *t);
	if (hd_read_file(path, RECEIPT_MAX, &buf, &n, &more) != 0) {
		return hd_err(e, errno == ENOENT ? HD_ENOTFOUND : HD_EIO,
			"%s: %s", path, strerror(errno));
	}
	if (more) {
		rc = hd_err(e, HD_ELIMIT, "%s: over %u bytes: not a receipt",
			path, RECEIPT_MAX);
		goto out;
	}
	o = json_loadb((const char *)buf, n, 0, NULL);
	uuid = json_string_value(json_object_get(o, "transfer"));
	man = json_string_value(json_object_get(o, "manifest_sha256"));
	items = json_object_get(o, "items");
	by = json_string_value(json_object_get(json_object_get(o,
		"received_by"), "name"));
	if (o == NULL || json_integer_value(json_object_get(o,
	    "hongdang_receipt")) != 1 || uuid == NULL || man == NULL ||
	    !json_is_array(items)) {
		rc = hd_err(e, HD_EINVAL, "%s: not a Hongdang receipt", path);
		goto out;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		goto out;
	}
	in_tx = 1;
	rc = transfer_by_uuid(a, "out", uuid, t, e);
	if (rc == HD_ENOTFOUND) {
		rc = hd_err(e, HD_ENOTFOUND, "%s: transfer %s was not sent "
			"from this archive", path, uuid);
	}
	if (rc != 0) {
		goto out;
	}
	if (t->confirmed != NULL) {
		rc = hd_err(e, HD_EEXIST, "%s: transfer %lld was confirmed "
			"already, at %s", path, (long long)t->id, t->confirmed);
		goto out;
	}
	if (strcmp(man, t->manifest) != 0) {
		rc = hd_err(e, HD_EINVAL, "%s: the receipt is for a bag whose "
			"manifest hash is %.16s…, but the bag sent had %.16s…",
			path, man, t->manifest);
		goto out;
	}
	sent = json_loads(t->detail ? t->detail : "{}", 0, NULL);
	json_array_foreach(json_object_get(sent, "items"), i, it) {
		ref = json_string_value(json_object_get(it, "ref"));
		if (ref != NULL && !receipt_names(items, ref, &as)) {
			rc = hd_err(e, HD_EINVAL, "%s: the receipt does not "
				"name %s, which was sent", path, ref);
			goto out;
		}
	}
	st = hd_sql(a, SQL_TRANSFER_CONFIRM, e);
	if (st == NULL) {
		rc = HD_EDB;
		goto out;
	}
	hd_now_iso(now);
	sqlite3_bind_int64(st, 1, t->id);
	hd_bind_text(st, 2, now);
	sqlite3_bind_text(st, 3, (const char *)buf, (int)n, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "confirm transfer");
		goto out;
	}
	json_array_foreach(json_object_get(sent, "items"), i, it) {
		ref = json_string_value(json_object_get(it, "ref"));
		as = NULL;
		if (ref == NULL || !receipt_names(items, ref, &as)) {
			continue;
		}
		ev = hd_xasprintf("transfer %lld (%s) confirmed by receipt "
			"%lld of %s: received as %s", (long long)t->id, uuid,
			(long long)json_integer_value(json_object_get(o,
			"receipt")), by ? by : "the receiver", as ? as :
			"(held before)");
		rc = hd_record_id(a, ref, &rid, e);
		if (rc == 0) {
			rc = hd_event_add(a, "transfer", rid, agent, ev, e);
		}
		free(ev);
		if (rc != 0) {
			goto out;
		}
	}
	rc = hd_tx_commit(a, e);
	if (rc == 0) {
		in_tx = 0;
		free(t->confirmed);
		t->confirmed = hd_xstrdup(now);
	}
out:
	if (in_tx) {
		hd_tx_rollback(a);
	}
	if (rc != 0) {
		hd_transfer_release(t);
	}
	json_decref(o);
	json_decref(sent);
	free(buf);
	return rc;
}
