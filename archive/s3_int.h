/*
 * s3_int.h - what the two halves of the bucket share: s3.c speaks to the
 * store (keys, requests, uploads, reads), s3_archive.c makes and opens
 * an archive whose objects live there.  Library-internal.
 */
#ifndef HD_S3_INT_H
#define HD_S3_INT_H

#include "internal.h"

#include <pthread.h>

#include <curl/curl.h>

/* A bucket and the connection to it. */
struct hd_s3 {
	char *endpoint;         /* http(s)://HOST[:PORT] */
	char *bucket;
	char *region;
	char *credfile;         /* or NULL: the environment */
	char *where;            /* "s3://BUCKET at ENDPOINT" */
	uint64_t multipart;     /* bytes above which a PUT goes in parts */
	uint64_t part;          /* their size (at most multipart) */
	char *ak, *sk;          /* the keys, read at the first request */
	char sigv4[96];         /* "aws:amz:REGION:s3" */
	CURL *curl;             /* kept alive across requests */
	int sock;               /* its connection's socket, or -1 */
	pthread_mutex_t mu;     /* curl and the keys */
};

/* One request and what came back. */
struct hd_s3_req {
	const char *method;     /* GET HEAD PUT POST DELETE */
	const char *key;        /* object key, NULL: the bucket */
	const char *query;      /* canonical query (sorted, encoded), NULL */
	const char *sha;        /* hex SHA-256 of the body; NULL: empty */
	int fd;                 /* a body read from fd at off, len bytes */
	off_t off;
	uint64_t len;
	const char *mem;        /* or from memory (when fd < 0) */
	size_t nmem;
	uint64_t sent;          /* of the body, in this try */
	int (*sink)(void *ud, const void *p, size_t n);
	void *ud;
	int sink_stop;          /* the sink said stop */
	int range;              /* 1: ask for bytes 0 to range_end only */
	uint64_t range_end;
	uint64_t got;           /* bytes given to the sink */
	int *sock;              /* the handle's socket (quick ACKs) */
	long status;
	struct hd_buf body;     /* the answer when there is no sink */
	char etag[128];
	uint64_t length;        /* Content-Length of the answer */
};

/* A connection to the bucket of endpoint (no request sent; the keys are
 * read at the first, from credfile or, NULL, the environment), objects
 * above multipart bytes sent in parts of part bytes (at most
 * multipart).  Freed with hd_s3_free. */
struct hd_s3 *hd_s3_new(const char *endpoint, const char *bucket,
	const char *region, const char *credfile, uint64_t multipart,
	uint64_t part);
/* An empty request for method on key (NULL: the bucket). */
void hd_s3_req_init(struct hd_s3_req *q, const char *method,
	const char *key);
/* Run q on s's kept-alive connection, the keys loaded first, trying
 * again what is worth it.  Call under s->mu.  0 once the store answered
 * (q->status says what), HD_EDENIED (no keys) or HD_EIO naming the store
 * and what. */
int hd_s3_request(struct hd_s3 *s, struct hd_s3_req *q, const char *what,
	struct hd_error *e);
/* The bucket, made when a HEAD does not find it (*made set to 1).  Call
 * under s->mu.  0 or an error. */
int hd_s3_bucket_make(struct hd_s3 *s, int *made, struct hd_error *e);

#endif
