/*
 * accesslog.c - the exhibit server's access log: whole lines, batched.
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
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALOG_BUF 4096           /* PIPE_BUF: atomic on a pipe too */
#define ALOG_DELAY_MS 100

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

/* Write b's lines to the log (l->lock held) and empty b. */
static void flush_locked(struct alog *l, struct alog_buf *b)
{
	if (b->len > 0) {
		/* a failing log must not stop the server */
		(void)hd_fs_write_all(l->fd, b->buf, b->len);
		b->len = 0;
		b->first = 0;
	}
}

struct alog *alog_new(int fd)
{
	struct alog *l = hd_xcalloc(1, sizeof *l);

	l->fd = fd;
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

/* Add one line of n bytes to this thread's buffer, writing the buffer
 * out when it would overflow or its first line is ALOG_DELAY_MS old (now,
 * in milliseconds); a line longer than the buffer is written at once. */
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
