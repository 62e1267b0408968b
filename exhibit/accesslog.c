/*
 * accesslog.c - the exhibit server's access log: its lines, and how
 * they reach the file whole and batched.
 *
 * One line a request, formatted by hand (it runs for every static file
 * too):
 *   2026-11-25T17:00:00Z 127.0.0.1 "GET /search?q=x" 200 1234 0.8ms
 * with at most LOG_URL_MAX bytes of the URL, and every byte of it
 * outside printable ASCII, a quote or a backslash as \xHH, so a URL
 * cannot forge a line; a request cut short ends in " timeout",
 * " cut-off", " client-abort" and the like.  Lines about the server
 * itself ("hongdang serve: templates reloaded") are written at once.
 *
 * Each worker thread gathers its lines in a buffer of its own and hands
 * them to the kernel with one write() of whole lines when the buffer is
 * full (at most ALOG_BUF bytes, so a write to a pipe stays atomic) or
 * its oldest line is ALOG_DELAY_MS old (checked at each new line and by
 * alog_tick from the main thread).  So lines never interleave, each
 * appears within about 0.2 s of its request, and a crash loses at most
 * that much.  Why batch: here one write() a request cost about 3 µs, a
 * quarter of what serving a small static file costs.
 */
#include "server_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALOG_BUF 4096           /* PIPE_BUF: atomic on a pipe too */
#define ALOG_DELAY_MS 100
#define LOG_URL_MAX 400         /* bytes of a URL written to the log */

struct alog_buf {
	struct alog_buf *next;
	pthread_mutex_t lock;       /* the owner thread and alog_tick */
	long long first;            /* ms of the oldest line; 0: empty */
	size_t len;
	char buf[ALOG_BUF];
};

struct alog {
	int fd;
	pthread_mutex_t lock;       /* the list of buffers */
	struct alog_buf *bufs;
};

/* This thread's buffer (worker threads live as long as one server). */
static __thread struct alog_buf *t_buf;

/* Write buffer b out and empty it (its lock held).  Writes go through
 * hd_fs_write_all and give up quietly at an error: a failing log must
 * not stop the server. */
static void flush_locked(struct alog *l, struct alog_buf *b)
{
	if (b->len > 0) {
		(void)hd_fs_write_all(l->fd, b->buf, b->len);
		b->len = 0;
		b->first = 0;
	}
}

/* See server_int.h.  Buffers are added as threads first log. */
struct alog *alog_new(int fd)
{
	struct alog *l = hd_xcalloc(1, sizeof *l);

	l->fd = fd;
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

/* See server_int.h.  A line longer than a buffer is written alone,
 * after what the buffer held. */
void alog_write(struct alog *l, const char *line, size_t n, long long now)
{
	struct alog_buf *b = t_buf;

	if (b == NULL) {
		b = hd_xcalloc(1, sizeof *b);
		pthread_mutex_init(&b->lock, NULL);
		pthread_mutex_lock(&l->lock);
		b->next = l->bufs;
		l->bufs = b;
		pthread_mutex_unlock(&l->lock);
		t_buf = b;
	}
	pthread_mutex_lock(&b->lock);
	if (b->len + n > ALOG_BUF) {
		flush_locked(l, b);
	}
	if (n > ALOG_BUF) {
		(void)hd_fs_write_all(l->fd, line, n);
	} else {
		memcpy(b->buf + b->len, line, n);
		b->len += n;
		if (b->first == 0) {
			b->first = now > 0 ? now : 1;
		}
		if (now - b->first >= ALOG_DELAY_MS) {
			flush_locked(l, b);
		}
	}
	pthread_mutex_unlock(&b->lock);
}

/* See server_int.h. */
void alog_tick(struct alog *l, long long now, int all)
{
	struct alog_buf *b;

	pthread_mutex_lock(&l->lock);
	for (b = l->bufs; b != NULL; b = b->next) {
		pthread_mutex_lock(&b->lock);
		if (b->len > 0 && (all || now - b->first >= ALOG_DELAY_MS)) {
			flush_locked(l, b);
		}
		pthread_mutex_unlock(&b->lock);
	}
	pthread_mutex_unlock(&l->lock);
}

/* See server_int.h. */
void alog_free(struct alog *l)
{
	struct alog_buf *b, *next;

	if (l == NULL) {
		return;
	}
	alog_tick(l, 0, 1);
	t_buf = NULL;   /* this thread may have logged too */
	for (b = l->bufs; b != NULL; b = next) {
		next = b->next;
		pthread_mutex_destroy(&b->lock);
		free(b);
	}
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* ------------------------------------------------------------ lines */

/* Append s[0..n) at p, bytes outside printable ASCII, quotes and
 * backslashes as \xHH.  Writes at most 4 * n bytes; returns the end. */
static char *put_logsafe(char *p, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else {
			*p++ = (char)c;
		}
	}
	return p;
}

/* Append s (at most max bytes of it) at p; returns the end. */
static char *put_str(char *p, const char *s, size_t max)
{
	while (*s && max-- > 0) {
		*p++ = *s++;
	}
	return p;
}

/* Append v in decimal at p; returns the end. */
static char *put_num(char *p, unsigned long long v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0) {
		*p++ = tmp[--n];
	}
	return p;
}

/* See server_int.h and the file comment.  The time stamp is made once a
 * second per thread; the duration is in tenths of a millisecond,
 * rounded. */
void alog_request(struct alog *l, const struct alog_req *r, long long now)
{
	static __thread time_t last;
	static __thread char stamp[32];
	char line[LOG_URL_MAX * 4 + 256], *p = line;
	long long tenths = (r->us + 50) / 100;
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != last) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = ts.tv_sec;
	}
	p = put_str(p, stamp, 31);
	*p++ = ' ';
	p = put_str(p, r->remote, INET6_ADDRSTRLEN);
	p = put_str(p, " \"", 2);
	p = put_str(p, r->method[0] ? r->method : "-", 15);
	*p++ = ' ';
	p = put_logsafe(p, r->url, r->nurl < LOG_URL_MAX ? r->nurl :
		LOG_URL_MAX);
	if (r->nurl > LOG_URL_MAX) {
		p = put_str(p, "...", 3);
	}
	p = put_str(p, "\" ", 2);
	if (r->status) {
		p = put_num(p, (unsigned long long)r->status);
		*p++ = ' ';
		p = put_num(p, r->bytes);
	} else {
		p = put_str(p, "- 0", 3);
	}
	*p++ = ' ';
	p = put_num(p, (unsigned long long)(tenths < 0 ? 0 : tenths / 10));
	*p++ = '.';
	*p++ = (char)('0' + (tenths < 0 ? 0 : tenths % 10));
	p = put_str(p, "ms", 2);
	p = put_str(p, r->end, 16);
	*p++ = '\n';
	alog_write(l, line, (size_t)(p - line), now);
}

/* See server_int.h.  Written straight to the file, not batched: such
 * lines are rare and should be there when someone looks. */
void alog_note(struct alog *l, const char *fmt, ...)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	struct hd_buf b;
	va_list ap;
	char *msg;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
	}
	va_end(ap);
	hd_buf_init(&b);
	hd_buf_printf(&b, "%s hongdang serve: %s\n", stamp,
		msg ? msg : fmt);
	free(msg);
	(void)hd_fs_write_all(l->fd, b.p, b.len);
	hd_buf_release(&b);
}
