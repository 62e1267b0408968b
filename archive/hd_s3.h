/*
 * hd_s3.h - an archive whose objects live in a bucket of an
 * S3-compatible object store (Ceph's RADOS Gateway, or any S3), named
 * by their SHA-256 as in the local store.  The catalogue, the
 * derivatives and the OCR cache stay in the data folder.  Included by
 * hd.h (archive/s3.c; store.c, verify.c, derive.c and backup.c ask it
 * where an object is).
 *
 * The keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or
 * from the file the setting s3.credentials names (mode 0600, lines
 * "aws_access_key_id = ..." and "aws_secret_access_key = ...", as in
 * an AWS credentials file), which wins when set.  Neither key is ever
 * written into the catalogue, an event or an error message.
 */
#ifndef HD_S3_H
#define HD_S3_H

/* What "init --objects s3://BUCKET" names. */
struct hd_s3_conf {
	const char *bucket;     /* S3 bucket name: 3-63 of a-z 0-9 . - */
	const char *endpoint;   /* http(s)://HOST[:PORT], no path */
	const char *region;     /* SigV4 region; NULL: "us-east-1" */
	const char *credentials; /* absolute path of a 0600 key file, or
	                            NULL: the environment */
};
/* The default size above which an object goes to the bucket in parts
 * (the setting s3.multipart), and the default size of those parts
 * (s3.part; never above s3.multipart).  Up to the first an object is
 * one PUT with the hash ingest already computed: the gateway writes it
 * as fast as parts and nothing is read twice; parts pay for objects too
 * big to resend whole when a try fails (each part is tried again on
 * its own), and for those over 5 GiB, which S3 takes only in parts.
 * Both settings range over what S3 takes as a part: 5 MiB (all but the
 * last) to 5 GiB, at most 10,000 of them. */
#define HD_S3_MULTIPART_DEFAULT ((uint64_t)1 << 30)
#define HD_S3_PART_DEFAULT ((uint64_t)64 << 20)
#define HD_S3_PART_MIN ((uint64_t)5 << 20)
#define HD_S3_PART_MAX ((uint64_t)5 << 30)
#define HD_S3_PARTS_MAX 10000

/* The part size for an object of size bytes when the parts are
 * setting bytes: setting, or, when that would need more than HD_S3_PARTS_MAX
 * parts, the smallest whole number of MiB that needs no more.  Above
 * HD_S3_PART_MAX the object cannot go to S3 at all. */
uint64_t hd_s3_part_size(uint64_t size, uint64_t setting);

/* Parse "s3://BUCKET" into bucket (a new string, caller frees).  0, or
 * HD_EUSAGE naming url. */
int hd_s3_url_parse(const char *url, char **bucket, struct hd_error *e);
/* Create the archive in dir (hd_archive_init) with its objects in the
 * bucket c names, in one transaction: the archive, the bucket made if
 * missing (or found, and the keys taken) and the settings
 * (objects.store, s3.endpoint, s3.region, s3.credentials).  When any of
 * it fails, nothing is left of it: the folders and files it made are
 * removed, and a bucket it made (empty) deleted.  0, HD_EUSAGE (a bad
 * bucket, endpoint or region), HD_EDENIED (keys missing, refused, or a
 * key file not 0600),
 * HD_EIO (the store unreachable, naming the endpoint) or
 * hd_archive_init's error. */
int hd_archive_init_s3(const char *dir, const char *fonds_code,
	const char *fonds_name, const struct hd_agent *agent,
	const struct hd_s3_conf *c, struct hd_error *e);

/* 1 when a's objects live in an S3 bucket, 0 in its objects/ folder. */
int hd_store_remote(const struct hd_archive *a);
/* Where a's objects are, for messages: "s3://BUCKET at ENDPOINT" or
 * the objects folder.  Lives as long as a. */
const char *hd_store_where(const struct hd_archive *a);
/* Whether the store answers: for a bucket, one HEAD of it (retried as
 * every request is, a few times with growing waits, a bounded time in
 * all).  0, HD_EIO naming the endpoint when it cannot be reached,
 * HD_EDENIED when it refuses the keys. */
int hd_store_check(struct hd_archive *a, struct hd_error *e);
/* The size of object sha256 as the store has it.  0, HD_ENOTFOUND,
 * HD_EIO or HD_EDENIED (hd_store_check). */
int hd_store_stat(struct hd_archive *a, const char *sha256,
	uint64_t *size, struct hd_error *e);
/* Read object sha256 whole, passing its bytes to sink (which returns 0
 * to go on, -1 to stop: HD_EIO) and hashing them: got receives their
 * SHA-256 hex and *size their number; a damaged object is not an error
 * here (compare got).  0, HD_ENOTFOUND, HD_EIO or HD_EDENIED. */
int hd_store_read(struct hd_archive *a, const char *sha256,
	int (*sink)(void *ud, const void *p, size_t n), void *ud,
	char got[65], uint64_t *size, struct hd_error *e);
/* Up to cap of the first bytes of object sha256 into a new buffer *out
 * (one spare byte, a NUL, after them; caller frees), *n of them, *more
 * set when the object holds more: what a text preview shows, read from
 * a bucket by a ranged GET of those bytes only (not the whole object).
 * Not checked against the hash (a part cannot be).  0, HD_ENOTFOUND,
 * HD_EIO or HD_EDENIED. */
int hd_store_head(struct hd_archive *a, const char *sha256, size_t cap,
	unsigned char **out, size_t *n, int *more, struct hd_error *e);
/* A path of the data folder where object sha256's bytes can be read:
 * for the local store its own file (*temp 0), for a bucket a copy made
 * under tmp/ and checked against the hash (*temp 1: the caller removes
 * it).  *path is a new string (caller frees), NULL on errors.  0,
 * HD_ENOTFOUND (missing), HD_ECORRUPT (damaged), HD_EIO or
 * HD_EDENIED. */
int hd_store_fetch(struct hd_archive *a, const char *sha256, char **path,
	int *temp, struct hd_error *e);

/* An object of a bucket read as it is sent on (the exhibit's downloads
 * of originals), on a connection of its own. */
struct hd_s3_reader;
/* Start reading object sha256 of a's bucket, whose size is size (from
 * hd_store_stat).  Nothing is sent yet.  0 (*r made; hd_s3_reader_free
 * frees it), or HD_EDENIED when the keys cannot be read. */
int hd_s3_reader_open(struct hd_archive *a, const char *sha256,
	uint64_t size, struct hd_s3_reader **r, struct hd_error *e);
/* Up to max of the next bytes into buf: their number, 0 at the end of
 * an object whose size and SHA-256 were as named, -1 when the store
 * failed or the object was not what its name says (the reader should
 * see a broken transfer, never a short one taken for whole). */
long hd_s3_reader_read(struct hd_s3_reader *r, char *buf, size_t max);
/* Free r, ending its transfer; accepts NULL. */
void hd_s3_reader_free(struct hd_s3_reader *r);

/* hd_backup_run with the objects of a bucket too when objects is 1 (the
 * objects of a local store are always copied): each read from the
 * bucket, checked against its hash, and written under DEST/objects as
 * a local store keeps them.  Otherwise the catalogue only. */
int hd_backup_run_objects(struct hd_archive *a, const char *dest,
	int objects, const struct hd_agent *agent,
	struct hd_backup_stats *st, struct hd_error *e);

/* The references of the records holding object sha256, joined by ", "
 * (a new string, "" when none; caller frees), for naming what verify
 * found.  NULL only when the catalogue cannot be read. */
char *hd_object_refs(struct hd_archive *a, const char *sha256);

/* Internal to the library: libcurl's and libxml2's process-wide state
 * (curl_global_init, xmlInitParser), set up the first time, once per
 * process, in this one place (s3.c): every user of either library (the
 * bucket, the harvest, the OAI-PMH answers) calls it before its first
 * use, so no two threads ever set them up at once. */
void hd_globals_init(void);

/* Internal to the library (db.c): hd_archive_init, with more(a, ud, e)
 * run inside its one transaction after the first fonds (NULL: nothing
 * more), so an archive and its settings are made together or not at
 * all.  0 or the first error. */
int hd_archive_init_with(const char *dir, const char *fonds_code,
	const char *fonds_name, const struct hd_agent *agent,
	int (*more)(struct hd_archive *a, void *ud, struct hd_error *e),
	void *ud, struct hd_error *e);

/* Internal to the library: a's bucket connection (NULL for a local
 * store), made from the settings when the archive is opened. */
struct hd_s3;
int hd_s3_load(struct hd_archive *a, struct hd_error *e);
void hd_s3_free(struct hd_s3 *s);
/* Send the finished writers of a batch to the bucket: each object a
 * HEAD finds already there is skipped, the others PUT (in parts above
 * the multipart size), each with its SHA-256 as x-amz-content-sha256
 * so that the store refuses a body damaged on the way.  Every writer
 * is discarded either way.  0, or HD_EIO / HD_EDENIED naming the
 * endpoint and the object. */
int hd_s3_publish(struct hd_archive *a, struct hd_objw **ws, size_t nws,
	struct hd_error *e);

#endif
