/*
 * page_object.c - an original as the admin pages send it, wherever the
 * archive keeps it: the file of the local store, or the object of a
 * bucket streamed as it is read (its size asked first, so a missing
 * object is a 404 and a store out of reach a 503 before any byte goes;
 * a transfer cut midway, or bytes that do not hash to the object's name,
 * cut the download off rather than end it short).
 */
#include "pages.h"


/* The server's stream_read over a bucket's reader. */
static ssize_t object_read(void *ud, char *buf, size_t max)
{
	return (ssize_t)hd_s3_reader_read(ud, buf, max);
}

/* The server's stream_done: the reader freed, whether the original
 * went out whole or not. */
static void object_done(void *ud, int whole)
{
	(void)whole;
	hd_s3_reader_free(ud);
}

/* page_object_send: see pages.h. */
int page_object_send(struct hd_archive *a, const char *sha256,
	struct http_resp *resp)
{
	struct hd_s3_reader *r = NULL;
	struct hd_error e;
	uint64_t size;
	int rc;

	hd_err_clear(&e);
	rc = hd_store_stat(a, sha256, &size, &e);
	if (rc == 0 && hd_store_remote(a)) {
		rc = hd_s3_reader_open(a, sha256, size, &r, &e);
	}
	if (rc == HD_ENOTFOUND) {
		return 404;
	}
	if (rc != 0) {
		return 503;
	}
	if (r != NULL) {
		resp->stream_read = object_read;
		resp->stream_done = object_done;
		resp->stream_ud = r;
	} else {
		resp->file = hd_store_path(a, sha256);
	}
	return 0;
}

/* page_object_bytes: see pages.h.  Only the bytes shown are fetched
 * (hd_store_head: a ranged GET from a bucket). */
unsigned char *page_object_bytes(struct hd_archive *a, const char *sha256,
	size_t cap, size_t *n, int *more)
{
	struct hd_error e;
	unsigned char *raw = NULL;

	hd_err_clear(&e);
	if (hd_store_head(a, sha256, cap, &raw, n, more, &e) != 0) {
		return NULL;
	}
	return raw;
}
