/*
 * s3.c - objects in a bucket of an S3-compatible object store (Ceph's
 * RADOS Gateway, packaged in Debian, or any S3), through libcurl's
 * SigV4 signing.
 *
 * An object's key is its SHA-256 (64 hex digits), as its name is in the
 * local store.  Guarantees:
 *  - every PUT carries x-amz-content-sha256 set to the real SHA-256 of
 *    its body (of the object, or of the part), so the store itself
 *    refuses a body damaged on the way, or a file that changed between
 *    its hashing and its sending (ingest sends each from the file it
 *    hashed: no temporary copy); an object is sent only when a HEAD does
 *    not find it (identical content is stored once);
 *  - objects above the multipart size go in parts, each read from the
 *    temporary file and hashed on its own; a failed upload is aborted;
 *  - a request the store did not answer, or answered with 5xx or 429,
 *    is tried again after 0.25, 0.5 then 1 s, at most S3_TRIES times,
 *    each connection attempt cut after CONNECT_MS: a store that is down
 *    costs a few seconds, never a hang;
 *  - the keys live in memory only: no message names them (libcurl is
 *    never verbose), and the settings hold where they are, not what;
 *  - one curl handle per archive handle, under a mutex, so a batch's
 *    objects go over one kept-alive connection.
 */
#include "s3_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#define S3_TRIES 4
#define CONNECT_MS 3000L
#define STALL_SECONDS 30L       /* under 1 byte/s this long: cut */
#define ERRBODY_MAX 65536       /* bytes of an answer kept (XML, errors) */
#define CHUNK (1u << 20)
#define KEYFILE_MAX 65536       /* bytes of an S3 key file */
#define MIB ((uint64_t)1 << 20)
/* SHA-256 of nothing: the payload hash of a HEAD, GET or DELETE */
#define EMPTY_SHA \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static pthread_once_t globals_once = PTHREAD_ONCE_INIT;

/* pthread_once body of hd_globals_init. */
static void globals_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
}

/* hd_globals_init: see hd_s3.h. */
void hd_globals_init(void)
{
	pthread_once(&globals_once, globals_start);
}

/* ------------------------------------------------------------- keys */

/* Trim white space at both ends of s in place; returns s. */
static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n')) {
		s[--n] = '\0';
	}
	return s;
}

/* Up to KEYFILE_MAX bytes of the open file fd into a new buffer *raw
 * (NUL-terminated), *n of them.  0, or -1 with errno set (EFBIG when the
 * file holds more). */
static int read_fd(int fd, char **raw, size_t *n)
{
	char *b = hd_xmalloc(KEYFILE_MAX + 2);
	size_t k = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, b + k, KEYFILE_MAX + 1 - k);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			break;
		}
		k += (size_t)r;
		if (k > KEYFILE_MAX) {
			break;
		}
	}
	if (r < 0 || k > KEYFILE_MAX) {
		int err = r < 0 ? errno : EFBIG;

		explicit_bzero(b, k);
		free(b);
		errno = err;
		return -1;
	}
	b[k] = '\0';
	*raw = b;
	*n = k;
	return 0;
}

/* Read the keys from the file path (mode 0600): *ak and *sk new
 * strings.  The file is opened once (not through a symbolic link), its
 * type and mode checked on that descriptor and its bytes read from the
 * same one, so a file swapped in between is never what is read.  0 or
 * HD_EDENIED naming the file, never its content. */
static int keys_file(const char *path, char **ak, char **sk,
	struct hd_error *e)
{
	char *raw = NULL;
	char *line, *save = NULL, *eq, *k, *v;
	struct stat sb;
	size_t n = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		err = errno;
		if (fd >= 0) {
			close(fd);
		}
		return hd_err(e, HD_EDENIED, "%s: cannot read the S3 key "
			"file: %s", path, strerror(err));
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 07777) != 0600) {
		close(fd);
		return hd_err(e, HD_EDENIED, "%s: the S3 key file must be a "
			"file of mode 0600 (it is %s%04o): chmod 600 it",
			path, S_ISREG(sb.st_mode) ? "" : "not a file, ",
			(unsigned)(sb.st_mode & 07777));
	}
	if (read_fd(fd, &raw, &n) != 0) {
		err = errno;
		close(fd);
		return hd_err(e, HD_EDENIED, "%s: cannot read the S3 key "
			"file: %s", path, err == EFBIG ? "over 64 KiB" :
			strerror(err));
	}
	close(fd);
	*ak = NULL;
	*sk = NULL;
	for (line = strtok_r(raw, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (eq == NULL) {
			continue;
		}
		*eq = '\0';
		k = trim(line);
		v = trim(eq + 1);
		if (strcmp(k, "aws_access_key_id") == 0 && *ak == NULL) {
			*ak = hd_xstrdup(v);
		} else if (strcmp(k, "aws_secret_access_key") == 0 &&
		    *sk == NULL) {
			*sk = hd_xstrdup(v);
		}
	}
	explicit_bzero(raw, n);
	free(raw);
	if (*ak == NULL || *sk == NULL || **ak == '\0' || **sk == '\0') {
		free(*ak);
		free(*sk);
		*ak = NULL;
		*sk = NULL;
		return hd_err(e, HD_EDENIED, "%s: no aws_access_key_id and "
			"aws_secret_access_key lines", path);
	}
	return 0;
}

/* The keys of s into s->ak and s->sk, once: from s->credfile when set,
 * else from the environment.  Call under s->mu.  0 or HD_EDENIED. */
static int keys_load(struct hd_s3 *s, struct hd_error *e)
{
	const char *ak, *sk;

	if (s->ak != NULL) {
		return 0;
	}
	if (s->credfile != NULL) {
		return keys_file(s->credfile, &s->ak, &s->sk, e);
	}
	ak = getenv("AWS_ACCESS_KEY_ID");
	sk = getenv("AWS_SECRET_ACCESS_KEY");
	if (ak == NULL || sk == NULL || *ak == '\0' || *sk == '\0') {
		return hd_err(e, HD_EDENIED, "%s: no S3 keys: set "
			"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name "
			"a key file with 'hongdang config s3.credentials "
			"FILE'", s->where);
	}
	s->ak = hd_xstrdup(ak);
	s->sk = hd_xstrdup(sk);
	return 0;
}

/* ------------------------------------------------------- connection */

/* hd_s3_new: see s3_int.h. */
struct hd_s3 *hd_s3_new(const char *endpoint, const char *bucket,
	const char *region, const char *credfile, uint64_t multipart,
	uint64_t part)
{
	struct hd_s3 *s = hd_xcalloc(1, sizeof *s);
	size_t n;

	s->endpoint = hd_xstrdup(endpoint);
	n = strlen(s->endpoint);
	while (n > 0 && s->endpoint[n - 1] == '/') {
		s->endpoint[--n] = '\0';
	}
	s->bucket = hd_xstrdup(bucket);
	s->region = hd_xstrdup(region != NULL && *region ? region :
		"us-east-1");
	s->credfile = credfile != NULL && *credfile ? hd_xstrdup(credfile) :
		NULL;
	s->multipart = multipart < HD_S3_PART_MIN ? HD_S3_PART_MIN :
		multipart;
	s->part = part < HD_S3_PART_MIN ? HD_S3_PART_MIN : part;
	if (s->part > s->multipart) {
		s->part = s->multipart;
	}
	s->sock = -1;
	s->where = hd_xasprintf("s3://%s at %s", s->bucket, s->endpoint);
	snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", s->region);
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

/* hd_s3_free: see hd_s3.h.  The keys are wiped; accepts NULL. */
void hd_s3_free(struct hd_s3 *s)
{
	if (s == NULL) {
		return;
	}
	if (s->curl != NULL) {
		curl_easy_cleanup(s->curl);
	}
	if (s->sk != NULL) {
		explicit_bzero(s->sk, strlen(s->sk));
	}
	free(s->ak);
	free(s->sk);
	free(s->endpoint);
	free(s->bucket);
	free(s->region);
	free(s->credfile);
	free(s->where);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* libcurl's read callback: the next bytes of the body. */
static size_t body_read(char *buf, size_t size, size_t nitems, void *ud)
{
	struct hd_s3_req *q = ud;
	size_t want = size * nitems;
	uint64_t left = (q->fd >= 0 ? q->len : q->nmem) - q->sent;
	ssize_t k;

	if (want > left) {
		want = (size_t)left;
	}
	if (want == 0) {
		return 0;
	}
	if (q->fd < 0) {
		memcpy(buf, q->mem + q->sent, want);
		q->sent += want;
		return want;
	}
	do {
		k = pread(q->fd, buf, want, q->off + (off_t)q->sent);
	} while (k < 0 && errno == EINTR);
	if (k <= 0) {
		return CURL_READFUNC_ABORT;
	}
	q->sent += (uint64_t)k;
	return (size_t)k;
}

/* libcurl's write callback: the answer's body to the sink (only for a
 * 200), or kept (capped) in q->body. */
static size_t body_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct hd_s3_req *q = ud;
	size_t n = size * nmemb;

	if (q->sink != NULL && (q->status == 200 || (q->range &&
	    q->status == 206))) {
		if (q->sink(q->ud, p, n) != 0) {
			q->sink_stop = 1;
			return 0;
		}
		q->got += n;
		return n;
	}
	if (q->body.len + n <= ERRBODY_MAX) {
		hd_buf_add(&q->body, p, n);
	}
	return n;
}

/* libcurl's socket callback: note the socket of a new connection in
 * the slot ud (an int), for head_line's quick ACKs. */
static int sock_made(void *ud, curl_socket_t fd, curlsocktype purpose)
{
	if (purpose == CURLSOCKTYPE_IPCXN) {
		*(int *)ud = (int)fd;
	}
	return CURL_SOCKOPT_OK;
}

/* libcurl's close callback: close fd, and forget it in the slot ud. */
static int sock_gone(void *ud, curl_socket_t fd)
{
	if (*(int *)ud == (int)fd) {
		*(int *)ud = -1;
	}
	return close((int)fd);
}

/* libcurl's header callback: the status (known once the first line is
 * in, before the body), the ETag and the length.  At the final status
 * line the answer's first segment is acknowledged at once: on a kept-alive
 * connection Linux delays that ACK (40 ms), and a gateway that writes
 * an answer's head and its body apart (RGW does, for the XML of a
 * multipart upload's start and end) holds the body until the ACK
 * comes: 45 ms a request instead of 3. */
static size_t head_line(char *p, size_t size, size_t nitems, void *ud)
{
	struct hd_s3_req *q = ud;
	size_t n = size * nitems, k;
	int one = 1;

	if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', n);

		q->status = sp != NULL ? strtol(sp + 1, NULL, 10) : 0;
		/* (a 100 Continue is followed by the body, which carries
		 * the ACK) */
		if (q->status != 100 && q->sock != NULL && *q->sock >= 0) {
			setsockopt(*q->sock, IPPROTO_TCP, TCP_QUICKACK, &one,
				sizeof one);
		}
		q->etag[0] = '\0';
	} else if (n > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		k = n - 5;
		if (k >= sizeof q->etag) {
			k = sizeof q->etag - 1;
		}
		memcpy(q->etag, p + 5, k);
		q->etag[k] = '\0';
		snprintf(q->etag, sizeof q->etag, "%s", trim(q->etag));
	} else if (n > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
		q->length = strtoull(p + 15, NULL, 10);
	}
	return n;
}

/* The text of the first element called name in the XML doc[0..n), a
 * new string, or NULL. */
static char *xml_text(const char *doc, size_t n, const char *name)
{
	xmlDocPtr d;
	xmlNodePtr cur, next;
	xmlChar *t;
	char *out = NULL;

	if (n == 0) {
		return NULL;
	}
	d = xmlReadMemory(doc, (int)n, "s3.xml", NULL, XML_PARSE_NONET |
		XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (d == NULL) {
		return NULL;
	}
	cur = xmlDocGetRootElement(d);
	while (cur != NULL && out == NULL) {
		if (cur->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)cur->name, name) == 0) {
			t = xmlNodeGetContent(cur);
			out = hd_xstrdup(t != NULL ? (const char *)t : "");
			xmlFree(t);
			break;
		}
		/* depth first */
		if (cur->children != NULL) {
			cur = cur->children;
			continue;
		}
		while (cur != NULL && cur->next == NULL) {
			cur = cur->parent;
			if (cur != NULL && cur->type == XML_DOCUMENT_NODE) {
				cur = NULL;
			}
		}
		next = cur != NULL ? cur->next : NULL;
		cur = next;
	}
	xmlFreeDoc(d);
	return out;
}

/* 1 when a try that ended with curl's result cr and status st is worth
 * another: the store did not answer, or said it is busy or failing. */
static int retryable(CURLcode cr, long st)
{
	if (cr != CURLE_OK) {
		return cr == CURLE_COULDNT_CONNECT ||
			cr == CURLE_COULDNT_RESOLVE_HOST ||
			cr == CURLE_OPERATION_TIMEDOUT ||
			cr == CURLE_SEND_ERROR || cr == CURLE_RECV_ERROR ||
			cr == CURLE_GOT_NOTHING || cr == CURLE_PARTIAL_FILE;
	}
	return st >= 500 || st == 429;
}

/* Set h's options for request q of s (the keys loaded): the URL, SigV4
 * with the payload's hash, the method and its body, the callbacks; the
 * socket of h's connection is noted in *sock (-1 while there is none).
 * *hdrs receives the header list (caller frees). */
static void request_setup(struct hd_s3 *s, CURL *h, struct hd_s3_req *q,
	int *sock, struct curl_slist **hdrs)
{
	char line[128], *url;

	url = hd_xasprintf("%s/%s%s%s%s%s", s->endpoint, s->bucket,
		q->key ? "/" : "", q->key ? q->key : "",
		q->query ? "?" : "", q->query ? q->query : "");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
	curl_easy_setopt(h, CURLOPT_USERNAME, s->ak);
	curl_easy_setopt(h, CURLOPT_PASSWORD, s->sk);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, head_line);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, sock_made);
	curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, sock);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, sock_gone);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, sock);
	q->sock = sock;
	snprintf(line, sizeof line, "x-amz-content-sha256: %s",
		q->sha ? q->sha : EMPTY_SHA);
	*hdrs = curl_slist_append(NULL, line);
	if (q->range) {
		snprintf(line, sizeof line, "Range: bytes=0-%llu",
			(unsigned long long)q->range_end);
		*hdrs = curl_slist_append(*hdrs, line);
	}
	/* (an "Expect:" header to drop curl's own would be signed, and the
	 * store refuses the signature: the gateway answers 100 at once) */
	if (strcmp(q->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(q->method, "PUT") == 0 ||
	    strcmp(q->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, body_read);
		curl_easy_setopt(h, CURLOPT_READDATA, q);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
			(curl_off_t)(q->fd >= 0 ? q->len : q->nmem));
		if (strcmp(q->method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
		}
	} else if (strcmp(q->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
}

/* What a status that is not a success means, into e: 403 as the keys
 * refused (HD_EDENIED), 404 HD_ENOTFOUND, others HD_EIO; each naming
 * the store, what was asked (what) and the store's own error code. */
static int status_err(struct hd_s3 *s, struct hd_s3_req *q, const char *what,
	struct hd_error *e)
{
	char *code = xml_text(q->body.p, q->body.len, "Code");
	int rc;

	if (q->status == 404) {
		rc = hd_err(e, HD_ENOTFOUND, "%s: %s: not found%s%s",
			s->where, what, code ? " " : "", code ? code : "");
	} else if (q->status == 403) {
		rc = hd_err(e, HD_EDENIED, "%s: %s: the store refused the "
			"keys (403%s%s)", s->where, what, code ? " " : "",
			code ? code : "");
	} else {
		rc = hd_err(e, HD_EIO, "%s: %s: the store answered %ld%s%s",
			s->where, what, q->status, code ? " " : "",
			code ? code : "");
	}
	free(code);
	return rc;
}

/* Run request q on s's connection (s->mu held, the keys loaded),
 * trying again what is worth it (retryable) after growing waits.
 * q->status and q->body hold the last answer.  0 once the store
 * answered (any status: the caller reads it), or HD_EIO when it could
 * not be reached, naming it, what (the request's subject) and the
 * tries. */
static int request_on(struct hd_s3 *s, CURL *h, struct hd_s3_req *q,
	const char *what, struct hd_error *e)
{
	struct curl_slist *hdrs = NULL;
	struct timespec t0, t1;
	CURLcode cr = CURLE_OK;
	char cerr[CURL_ERROR_SIZE];
	long wait_ms = 250;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 1; i <= S3_TRIES; i++) {
		q->sent = 0;
		q->status = 0;
		q->length = 0;
		q->sink_stop = 0;
		hd_buf_release(&q->body);
		request_setup(s, h, q, &s->sock, &hdrs);
		cerr[0] = '\0';
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
		cr = curl_easy_perform(h);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
		curl_slist_free_all(hdrs);
		hdrs = NULL;
		if (q->sink_stop) {
			return hd_err(e, HD_EIO, "%s: %s: the reading was "
				"stopped", s->where, what);
		}
		/* bytes already given to a sink cannot be taken back */
		if (!retryable(cr, q->status) || q->got > 0 ||
		    i == S3_TRIES) {
			break;
		}
		usleep((useconds_t)wait_ms * 1000);
		wait_ms *= 2;
	}
	if (cr == CURLE_OK) {
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return hd_err(e, HD_EIO, "%s: %s: cannot reach the object store: "
		"%s (%d %s in %.1f s)", s->where, what,
		cerr[0] ? cerr : curl_easy_strerror(cr), i > S3_TRIES ?
		S3_TRIES : i, i == 1 ? "try" : "tries",
		(double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

/* hd_s3_request: see s3_int.h.  request_on with s's kept-alive handle,
 * made at the first request. */
int hd_s3_request(struct hd_s3 *s, struct hd_s3_req *q, const char *what,
	struct hd_error *e)
{
	int rc;

	hd_globals_init();
	rc = keys_load(s, e);
	if (rc != 0) {
		return rc;
	}
	if (s->curl == NULL) {
		s->curl = curl_easy_init();
		if (s->curl == NULL) {
			abort();
		}
	}
	return request_on(s, s->curl, q, what, e);
}

/* hd_s3_req_init: see s3_int.h. */
void hd_s3_req_init(struct hd_s3_req *q, const char *method, const char *key)
{
	memset(q, 0, sizeof *q);
	q->method = method;
	q->key = key;
	q->fd = -1;
	hd_buf_init(&q->body);
}

/* HEAD of the bucket, or of object key: 0 (*size set when not NULL),
 * or status_err's code for anything but 200. */
static int s3_head(struct hd_s3 *s, const char *key, uint64_t *size,
	struct hd_error *e)
{
	struct hd_s3_req q;
	int rc;

	hd_s3_req_init(&q, "HEAD", key);
	rc = hd_s3_request(s, &q, key ? key : "the bucket", e);
	if (rc == 0 && q.status != 200) {
		rc = status_err(s, &q, key ? key : "the bucket", e);
	}
	if (rc == 0 && size != NULL) {
		*size = q.length;
	}
	hd_buf_release(&q.body);
	return rc;
}

/* hd_s3_bucket_make: see s3_int.h. */
int hd_s3_bucket_make(struct hd_s3 *s, int *made, struct hd_error *e)
{
	struct hd_s3_req q;
	struct hd_error he;
	int rc;

	hd_err_clear(&he);
	rc = s3_head(s, NULL, NULL, &he);
	if (rc != HD_ENOTFOUND) {
		if (rc != 0) {
			hd_err(e, rc, "%s", he.msg);
		}
		return rc;
	}
	hd_s3_req_init(&q, "PUT", NULL);
	rc = hd_s3_request(s, &q, "creating the bucket", e);
	if (rc == 0 && q.status != 200) {
		rc = status_err(s, &q, "creating the bucket", e);
	}
	*made = rc == 0;
	hd_buf_release(&q.body);
	return rc;
}

/* ------------------------------------------------------------ upload */

/* PUT object sha whole from fd (size bytes).  0 or an error. */
static int put_whole(struct hd_s3 *s, const char *sha, int fd,
	uint64_t size, struct hd_error *e)
{
	struct hd_s3_req q;
	int rc;

	hd_s3_req_init(&q, "PUT", sha);
	q.sha = sha;
	q.fd = fd;
	q.len = size;
	rc = hd_s3_request(s, &q, sha, e);
	if (rc == 0 && q.status != 200) {
		rc = status_err(s, &q, sha, e);
	}
	hd_buf_release(&q.body);
	return rc;
}

/* Abort multipart upload id of object sha (its parts removed); errors
 * are ignored: the store removes abandoned uploads in time anyway. */
static void put_abort(struct hd_s3 *s, const char *sha, const char *id)
{
	struct hd_s3_req q;
	struct hd_error e;
	char *query = hd_xasprintf("uploadId=%s", id);

	hd_s3_req_init(&q, "DELETE", sha);
	q.query = query;
	hd_err_clear(&e);
	hd_s3_request(s, &q, sha, &e);
	hd_buf_release(&q.body);
	free(query);
}

/* The SHA-256 hex of fd's n bytes at off into out, read through buf
 * (CHUNK bytes).  0, or an errno value. */
static int hash_range(int fd, off_t off, size_t n, unsigned char *buf,
	char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int dn = 0;
	size_t k = 0;
	ssize_t r;

	if (md == NULL) {
		abort();
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (k < n) {
		r = pread(fd, buf, n - k < CHUNK ? n - k : CHUNK,
			off + (off_t)k);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			EVP_MD_CTX_free(md);
			return r < 0 ? errno : EIO;
		}
		EVP_DigestUpdate(md, buf, (size_t)r);
		k += (size_t)r;
	}
	EVP_DigestFinal_ex(md, d, &dn);
	EVP_MD_CTX_free(md);
	hd_hex(d, 32, out);
	return 0;
}

/* hd_s3_part_size: see hd_s3.h. */
uint64_t hd_s3_part_size(uint64_t size, uint64_t setting)
{
	uint64_t need = size / HD_S3_PARTS_MAX +
		(size % HD_S3_PARTS_MAX != 0);

	if (need <= setting) {
		return setting;
	}
	return (need + MIB - 1) / MIB * MIB;
}

/* PUT object sha from fd (size bytes) in parts (hd_s3_part_size):
 * initiate, each part hashed for its own x-amz-content-sha256 and sent
 * from the file (read twice, the second time from the page cache), then
 * complete with the parts' ETags.  An upload that fails midway is
 * aborted.  0, HD_EINVAL for an object S3 cannot take (over 10,000
 * parts of 5 GiB), or an error of the store. */
static int put_parts(struct hd_s3 *s, const char *sha, int fd,
	uint64_t size, struct hd_error *e)
{
	struct hd_s3_req q;
	struct hd_buf done;
	char *id = NULL, *query = NULL, psha[65], *err = NULL;
	unsigned char *buf = NULL;
	uint64_t off, part = hd_s3_part_size(size, s->part);
	size_t n;
	unsigned num = 0;
	int rc;

	if (part > HD_S3_PART_MAX) {
		return hd_err(e, HD_EINVAL, "%s: %s: %llu bytes: an S3 object "
			"holds at most %d parts of 5 GiB", s->where, sha,
			(unsigned long long)size, HD_S3_PARTS_MAX);
	}
	hd_buf_init(&done);
	hd_s3_req_init(&q, "POST", sha);
	q.query = "uploads=";
	rc = hd_s3_request(s, &q, sha, e);
	if (rc == 0 && q.status != 200) {
		rc = status_err(s, &q, sha, e);
	}
	if (rc == 0) {
		id = xml_text(q.body.p, q.body.len, "UploadId");
		if (id == NULL || *id == '\0' || strpbrk(id, "&=?# ")) {
			rc = hd_err(e, HD_EIO, "%s: %s: no usable UploadId "
				"in the answer to a multipart upload",
				s->where, sha);
		}
	}
	hd_buf_release(&q.body);
	if (rc != 0) {
		free(id);
		return rc;
	}
	buf = hd_xmalloc(CHUNK);
	hd_buf_puts(&done, "<CompleteMultipartUpload>");
	for (off = 0; off < size && rc == 0; off += n) {
		n = (size_t)(size - off < part ? size - off : part);
		rc = hash_range(fd, (off_t)off, n, buf, psha);
		if (rc != 0) {
			rc = hd_err(e, HD_EIO, "%s: reading it back: %s", sha,
				strerror(rc));
			break;
		}
		num++;
		free(query);
		query = hd_xasprintf("partNumber=%u&uploadId=%s", num, id);
		hd_s3_req_init(&q, "PUT", sha);
		q.query = query;
		q.sha = psha;
		q.fd = fd;
		q.off = (off_t)off;
		q.len = n;
		rc = hd_s3_request(s, &q, sha, e);
		if (rc == 0 && q.status != 200) {
			rc = status_err(s, &q, sha, e);
		}
		if (rc == 0 && q.etag[0] == '\0') {
			rc = hd_err(e, HD_EIO, "%s: %s: part %u has no ETag",
				s->where, sha, num);
		}
		if (rc == 0) {
			hd_buf_printf(&done, "<Part><PartNumber>%u</PartNumber>"
				"<ETag>", num);
			hd_buf_html(&done, q.etag, strlen(q.etag));
			hd_buf_puts(&done, "</ETag></Part>");
		}
		hd_buf_release(&q.body);
	}
	hd_buf_puts(&done, "</CompleteMultipartUpload>");
	if (rc == 0) {
		free(query);
		query = hd_xasprintf("uploadId=%s", id);
		hd_sha256_hex(done.p, done.len, psha);
		hd_s3_req_init(&q, "POST", sha);
		q.query = query;
		q.sha = psha;
		q.mem = done.p;
		q.nmem = done.len;
		rc = hd_s3_request(s, &q, sha, e);
		/* S3 may answer 200 with an error in the body */
		err = q.status == 200 ? xml_text(q.body.p, q.body.len,
			"Error") : NULL;
		if (rc == 0 && (q.status != 200 || err != NULL)) {
			if (q.status == 200) {
				q.status = 500;
			}
			rc = status_err(s, &q, sha, e);
		}
		free(err);
		hd_buf_release(&q.body);
	}
	if (rc != 0) {
		put_abort(s, sha, id);
	}
	free(buf);
	free(query);
	free(id);
	hd_buf_release(&done);
	return rc;
}

/* hd_s3_publish: see hd_s3.h. */
int hd_s3_publish(struct hd_archive *a, struct hd_objw **ws, size_t nws,
	struct hd_error *e)
{
	struct hd_s3 *s = a->s3;
	struct hd_error he;
	uint64_t have;
	size_t i;
	int rc = 0, fd;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < nws && rc == 0; i++) {
		struct hd_objw *w = ws[i];
		const char *from;
		struct stat sb;

		if (w == NULL || (w->tmp == NULL && w->src == NULL)) {
			continue;
		}
		from = w->tmp != NULL ? w->tmp : w->src;
		hd_err_clear(&he);
		rc = s3_head(s, w->sha256, &have, &he);
		if (rc == 0 && have == w->size) {
			hd_objw_discard(w);
			continue;
		}
		if (rc != 0 && rc != HD_ENOTFOUND) {
			hd_err(e, rc, "%s", he.msg);
			break;
		}
		fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fstat(fd, &sb) != 0) {
			rc = hd_err(e, HD_EIO, "%s: %s", from,
				strerror(errno));
			if (fd >= 0) {
				close(fd);
			}
			break;
		}
		if ((uint64_t)sb.st_size != w->size) {
			close(fd);
			rc = hd_err(e, HD_EIO, "%s: changed since it was "
				"read (%llu bytes, not %llu)", from,
				(unsigned long long)sb.st_size,
				(unsigned long long)w->size);
			break;
		}
		rc = w->size > s->multipart ? put_parts(s, w->sha256, fd,
			w->size, e) : put_whole(s, w->sha256, fd, w->size, e);
		close(fd);
		hd_objw_discard(w);
	}
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < nws; i++) {
		hd_objw_discard(ws[i]);
	}
	return rc;
}

/* -------------------------------------------------------------- read */

/* What hd_store_read's sink wrapper carries: the caller's sink, and the
 * hash of what passed. */
struct hashing {
	int (*sink)(void *ud, const void *p, size_t n);
	void *ud;
	EVP_MD_CTX *md;
	uint64_t n;
};

/* Hash p[0..n) and hand it on. */
static int hash_sink(void *ud, const void *p, size_t n)
{
	struct hashing *h = ud;

	EVP_DigestUpdate(h->md, p, n);
	h->n += n;
	return h->sink != NULL ? h->sink(h->ud, p, n) : 0;
}

/* hd_store_read: see hd_s3.h.  The local store reads the file. */
int hd_store_read(struct hd_archive *a, const char *sha256,
	int (*sink)(void *ud, const void *p, size_t n), void *ud,
	char got[65], uint64_t *size, struct hd_error *e)
{
	struct hashing h;
	struct hd_s3_req q;
	unsigned char d[32];
	unsigned int dn = 0;
	int rc = 0;

	if (!hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no object '%.80s'", sha256);
	}
	h.sink = sink;
	h.ud = ud;
	h.n = 0;
	h.md = EVP_MD_CTX_new();
	if (h.md == NULL) {
		abort();
	}
	EVP_DigestInit_ex(h.md, EVP_sha256(), NULL);
	if (a->s3 != NULL) {
		hd_s3_req_init(&q, "GET", sha256);
		q.sink = hash_sink;
		q.ud = &h;
		pthread_mutex_lock(&a->s3->mu);
		rc = hd_s3_request(a->s3, &q, sha256, e);
		if (rc == 0 && q.status != 200) {
			rc = status_err(a->s3, &q, sha256, e);
		}
		pthread_mutex_unlock(&a->s3->mu);
		hd_buf_release(&q.body);
	} else {
		char *path = hd_store_path(a, sha256);
		unsigned char *buf = hd_xmalloc(CHUNK);
		ssize_t k;
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			rc = hd_err(e, errno == ENOENT ? HD_ENOTFOUND : HD_EIO,
				"%s: %s", path, strerror(errno));
		}
		while (rc == 0) {
			k = read(fd, buf, CHUNK);
			if (k == 0) {
				break;
			}
			if (k < 0 && errno == EINTR) {
				continue;
			}
			if (k < 0) {
				rc = hd_err(e, HD_EIO, "%s: %s", path,
					strerror(errno));
			} else if (hash_sink(&h, buf, (size_t)k) != 0) {
				rc = hd_err(e, HD_EIO, "%s: the reading was "
					"stopped", path);
			}
		}
		if (fd >= 0) {
			close(fd);
		}
		free(buf);
		free(path);
	}
	EVP_DigestFinal_ex(h.md, d, &dn);
	EVP_MD_CTX_free(h.md);
	hd_hex(d, 32, got);
	*size = h.n;
	return rc;
}

/* What hd_store_head's sink gathers: at most cap + 1 bytes. */
struct first_bytes {
	struct hd_buf b;
	size_t cap;
};

/* Keep the bytes up to fb->cap + 1 (one more tells that the object
 * holds more); past that, stop. */
static int first_sink(void *ud, const void *p, size_t n)
{
	struct first_bytes *fb = ud;
	size_t room = fb->cap + 1 - fb->b.len;

	hd_buf_add(&fb->b, p, n < room ? n : room);
	return n <= room ? 0 : -1;
}

/* hd_store_head: see hd_s3.h.  From a bucket one GET with "Range:
 * bytes=0-CAP" (cap + 1 bytes at most cross the network: one more than
 * shown says whether there is more); a store that ignores the range
 * and answers 200 with the whole object is cut once cap + 1 bytes are
 * in. */
int hd_store_head(struct hd_archive *a, const char *sha256, size_t cap,
	unsigned char **out, size_t *n, int *more, struct hd_error *e)
{
	struct first_bytes fb;
	struct hd_s3_req q;
	char *path;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (!hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no object '%.80s'", sha256);
	}
	if (a->s3 == NULL) {
		path = hd_store_path(a, sha256);
		rc = hd_read_file(path, cap, out, n, more) == 0 ? 0 :
			hd_err(e, errno == ENOENT ? HD_ENOTFOUND : HD_EIO,
			"%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	hd_buf_init(&fb.b);
	fb.cap = cap;
	hd_s3_req_init(&q, "GET", sha256);
	q.range = 1;
	q.range_end = cap;
	q.sink = first_sink;
	q.ud = &fb;
	pthread_mutex_lock(&a->s3->mu);
	rc = hd_s3_request(a->s3, &q, sha256, e);
	if (rc == HD_EIO && q.sink_stop && fb.b.len == cap + 1) {
		rc = 0;         /* the whole object came: cut at cap + 1 */
		q.status = 206;
	}
	if (rc == 0 && q.status == 416) {
		q.status = 206; /* no byte 0: an empty object */
	}
	if (rc == 0 && q.status != 200 && q.status != 206) {
		rc = status_err(a->s3, &q, sha256, e);
	}
	pthread_mutex_unlock(&a->s3->mu);
	hd_buf_release(&q.body);
	if (rc != 0) {
		hd_buf_release(&fb.b);
		return rc;
	}
	*more = fb.b.len > cap;
	*n = *more ? cap : fb.b.len;
	*out = hd_xmalloc(*n + 1);
	if (*n > 0) {
		memcpy(*out, fb.b.p, *n);
	}
	(*out)[*n] = '\0';
	hd_buf_release(&fb.b);
	return 0;
}

/* hd_store_stat: see hd_s3.h. */
int hd_store_stat(struct hd_archive *a, const char *sha256,
	uint64_t *size, struct hd_error *e)
{
	struct stat sb;
	char *p;
	int rc;

	if (!hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no object '%.80s'", sha256);
	}
	if (a->s3 != NULL) {
		pthread_mutex_lock(&a->s3->mu);
		rc = s3_head(a->s3, sha256, size, e);
		pthread_mutex_unlock(&a->s3->mu);
		return rc;
	}
	p = hd_store_path(a, sha256);
	rc = stat(p, &sb) == 0 && S_ISREG(sb.st_mode) ? 0 :
		hd_err(e, HD_ENOTFOUND, "%s: missing", p);
	*size = rc == 0 ? (uint64_t)sb.st_size : 0;
	free(p);
	return rc;
}

/* hd_store_check: see hd_s3.h. */
int hd_store_check(struct hd_archive *a, struct hd_error *e)
{
	int rc;

	if (a->s3 == NULL) {
		return 0;
	}
	pthread_mutex_lock(&a->s3->mu);
	rc = s3_head(a->s3, NULL, NULL, e);
	pthread_mutex_unlock(&a->s3->mu);
	return rc;
}

/* The sink of hd_store_fetch: into the file descriptor ud. */
static int fd_sink(void *ud, const void *p, size_t n)
{
	return hd_fs_write_all(*(int *)ud, p, n) == 0 ? 0 : -1;
}

/* hd_store_fetch: see hd_s3.h.  The copy is tmp/s3get-PID-N (the
 * store's sweep knows it by its PID). */
int hd_store_fetch(struct hd_archive *a, const char *sha256, char **path,
	int *temp, struct hd_error *e)
{
	char got[65], *p;
	uint64_t size;
	int fd, rc;

	*path = NULL;
	*temp = 0;
	if (!hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no object '%.80s'", sha256);
	}
	if (a->s3 == NULL) {
		*path = hd_store_path(a, sha256);
		return 0;
	}
	p = hd_xasprintf("%s/s3get-%ld-%u", a->tmpdir, (long)getpid(),
		hd_tmp_next());
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = hd_err(e, HD_EIO, "%s: cannot create: %s", p,
			strerror(errno));
		free(p);
		return rc;
	}
	rc = hd_store_read(a, sha256, fd_sink, &fd, got, &size, e);
	if (close(fd) != 0 && rc == 0) {
		rc = hd_err(e, HD_EIO, "%s: close: %s", p, strerror(errno));
	}
	if (rc == 0 && strcmp(got, sha256) != 0) {
		rc = hd_err(e, HD_ECORRUPT, "%s: object %s is damaged (its "
			"bytes no longer match its name)", a->s3->where,
			sha256);
	}
	if (rc != 0) {
		unlink(p);
		free(p);
		return rc;
	}
	*path = p;
	*temp = 1;
	return 0;
}

/* ----------------------------------------------------- streamed read */

struct hd_s3_reader {
	CURLM *m;
	CURL *h;
	struct curl_slist *hdrs;
	struct hd_s3_req q;
	char want[65];
	uint64_t size;
	EVP_MD_CTX *md;
	char *buf;              /* what curl gave and the reader has not */
	size_t have, off;
	int sock;               /* its connection's socket, or -1 */
	int done, failed;
};

/* The reader's sink: keep the bytes for hd_s3_reader_read. */
static int reader_sink(void *ud, const void *p, size_t n)
{
	struct hd_s3_reader *r = ud;

	if (r->off == r->have) {
		r->off = 0;
		r->have = 0;
	}
	r->buf = hd_xrealloc(r->buf, r->have + n);
	memcpy(r->buf + r->have, p, n);
	r->have += n;
	EVP_DigestUpdate(r->md, p, n);
	return 0;
}

/* hd_s3_reader_open: see hd_s3.h.  The keys are read under the
 * archive's mutex; the transfer is its own handle and connection. */
int hd_s3_reader_open(struct hd_archive *a, const char *sha256,
	uint64_t size, struct hd_s3_reader **out, struct hd_error *e)
{
	struct hd_s3 *s = a->s3;
	struct hd_s3_reader *r;
	int rc;

	*out = NULL;
	if (s == NULL || !hd_sha_ok(sha256)) {
		return hd_err(e, HD_ENOTFOUND, "no object '%.80s' in a "
			"bucket", sha256);
	}
	hd_globals_init();
	pthread_mutex_lock(&s->mu);
	rc = keys_load(s, e);
	r = hd_xcalloc(1, sizeof *r);
	r->sock = -1;
	snprintf(r->want, sizeof r->want, "%s", sha256);
	r->size = size;
	hd_s3_req_init(&r->q, "GET", r->want);
	r->q.sink = reader_sink;
	r->q.ud = r;
	r->m = curl_multi_init();
	r->h = curl_easy_init();
	r->md = EVP_MD_CTX_new();
	if (r->m == NULL || r->h == NULL || r->md == NULL) {
		abort();
	}
	EVP_DigestInit_ex(r->md, EVP_sha256(), NULL);
	if (rc == 0) {
		request_setup(s, r->h, &r->q, &r->sock, &r->hdrs);
	}
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		hd_s3_reader_free(r);
		return rc;
	}
	curl_multi_add_handle(r->m, r->h);
	*out = r;
	return 0;
}

/* hd_s3_reader_read: see hd_s3.h.  Drives the transfer until bytes are
 * there or it is over; at the end the size, the status and the hash
 * decide between 0 and -1. */
long hd_s3_reader_read(struct hd_s3_reader *r, char *buf, size_t max)
{
	unsigned char d[32];
	unsigned int dn = 0;
	char got[65];
	CURLMsg *msg;
	int running = 1, left;
	size_t n;

	if (r->failed) {
		return -1;
	}
	while (r->have == r->off && !r->done) {
		if (curl_multi_perform(r->m, &running) != CURLM_OK) {
			r->failed = 1;
			return -1;
		}
		while ((msg = curl_multi_info_read(r->m, &left)) != NULL) {
			if (msg->msg == CURLMSG_DONE) {
				r->done = 1;
				if (msg->data.result != CURLE_OK) {
					r->failed = 1;
				}
			}
		}
		if (r->q.status != 0 && r->q.status != 200) {
			r->failed = 1;
		}
		if (r->failed) {
			return -1;
		}
		if (running == 0) {
			r->done = 1;
		} else if (r->have == r->off) {
			curl_multi_poll(r->m, NULL, 0, 1000, NULL);
		}
	}
	if (r->have > r->off) {
		n = r->have - r->off < max ? r->have - r->off : max;
		memcpy(buf, r->buf + r->off, n);
		r->off += n;
		return (long)n;
	}
	EVP_DigestFinal_ex(r->md, d, &dn);
	hd_hex(d, 32, got);
	if (r->q.status != 200 || r->q.got != r->size ||
	    strcmp(got, r->want) != 0) {
		r->failed = 1;
		return -1;
	}
	return 0;
}

/* hd_s3_reader_free: see hd_s3.h. */
void hd_s3_reader_free(struct hd_s3_reader *r)
{
	if (r == NULL) {
		return;
	}
	if (r->m != NULL && r->h != NULL) {
		curl_multi_remove_handle(r->m, r->h);
	}
	if (r->h != NULL) {
		curl_easy_cleanup(r->h);
	}
	if (r->m != NULL) {
		curl_multi_cleanup(r->m);
	}
	curl_slist_free_all(r->hdrs);
	EVP_MD_CTX_free(r->md);
	hd_buf_release(&r->q.body);
	free(r->buf);
	free(r);
}
