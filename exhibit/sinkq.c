/*
 * sinkq.c - a streamed body's sink (struct http_sink) run on a thread of
 * its own.  The server's threads each answer many connections; a sink
 * that writes an upload to disk (upload.c: files made, written, renamed)
 * would hold up every other connection of its thread whenever the disk
 * is slow, and the home page of a kiosk would wait on a batch of scans.
 * Here the pieces of the body are copied into a queue and the wrapped
 * sink is called from a thread of the queue's own, in order; when the
 * queue holds more than QUEUE_HIGH bytes the connection is paused
 * (behind) until it is down to QUEUE_LOW (resume), so the client is
 * slowed to the disk's pace and memory stays bounded, while the
 * server's thread goes on answering.
 *
 * Guarantees: the wrapped sink sees the same calls in the same order as
 * it would have (field ..., end, release), never two at once; once its
 * field said stop the rest is not passed on; its release runs after
 * everything queued, on the thread that releases the queue.
 */
#include "sinkq.h"
#include "../archive/hd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_HIGH (4u << 20)   /* bytes queued that pause the client */
#define QUEUE_LOW (1u << 20)    /* ... until they are down to this */

/* A piece of the body, or its end. */
struct item {
	struct item *next;
	int end;                /* the end of the body: complete below */
	int complete;
	char *name;             /* a field's names: set at offset 0 */
	char *filename;
	uint64_t off;
	size_t n;
	char data[];            /* n bytes */
};

struct sinkq {
	struct http_sink in;    /* the wrapped sink */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* an item, or the release */
	struct item *head, *tail;
	size_t queued;          /* bytes in the queue */
	int stop;               /* in's field said stop */
	int done;               /* in's end has run */
	int released;           /* the thread is to end once the queue is
	                           empty */
	int waiting_all;        /* what the pause waits for: done (1), or
	                           the queue down to QUEUE_LOW (0) */
	void (*wake)(void *);   /* the paused connection's, or NULL */
	void *wake_arg;
	/* the thread's own: the names of the field under way */
	char *name, *filename;
};

/* 1 when what a pause waits for has come (under q->mu). */
static int caught_up(const struct sinkq *q, int all)
{
	return all ? q->done : q->queued <= QUEUE_LOW;
}

/* Run one item on the wrapped sink (the queue's thread). */
static void run(struct sinkq *q, struct item *it)
{
	if (it->end) {
		q->in.end(q->in.ud, it->complete && !q->stop);
		return;
	}
	if (it->name != NULL) {
		free(q->name);
		free(q->filename);
		q->name = it->name;
		q->filename = it->filename;
		it->name = it->filename = NULL;
	}
	if (!q->stop && q->in.field(q->in.ud, q->name ? q->name : "",
	    q->filename, it->data, it->off, it->n) != 0) {
		pthread_mutex_lock(&q->mu);
		q->stop = 1;
		pthread_mutex_unlock(&q->mu);
	}
}

/* The queue's thread: each item in turn, until released and empty. */
static void *worker(void *arg)
{
	struct sinkq *q = arg;
	struct item *it;
	void (*wake)(void *);
	void *wake_arg = NULL;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->head == NULL && !q->released) {
			pthread_cond_wait(&q->cv, &q->mu);
		}
		it = q->head;
		if (it == NULL) {
			break;
		}
		pthread_mutex_unlock(&q->mu);
		run(q, it);
		pthread_mutex_lock(&q->mu);
		q->head = it->next;
		if (q->head == NULL) {
			q->tail = NULL;
		}
		q->queued -= it->n;
		q->done |= it->end;
		wake = NULL;
		if (q->wake != NULL && caught_up(q, q->waiting_all)) {
			wake = q->wake;
			wake_arg = q->wake_arg;
			q->wake = NULL;
		}
		pthread_mutex_unlock(&q->mu);
		free(it->name);
		free(it->filename);
		free(it);
		if (wake != NULL) {
			wake(wake_arg);
		}
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Queue it (the server's thread). */
static void put(struct sinkq *q, struct item *it)
{
	pthread_mutex_lock(&q->mu);
	if (q->tail != NULL) {
		q->tail->next = it;
	} else {
		q->head = it;
	}
	q->tail = it;
	q->queued += it->n;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* The field function: a copy of the piece into the queue; -1 once the
 * wrapped sink said stop. */
static int q_field(void *ud, const char *name, const char *filename,
	const char *data, uint64_t off, size_t n)
{
	struct sinkq *q = ud;
	struct item *it;
	int stop;

	pthread_mutex_lock(&q->mu);
	stop = q->stop;
	pthread_mutex_unlock(&q->mu);
	if (stop) {
		return -1;
	}
	it = hd_xcalloc(1, sizeof *it + n);
	if (off == 0) {
		it->name = hd_xstrdup(name);
		it->filename = filename ? hd_xstrdup(filename) : NULL;
	}
	it->off = off;
	it->n = n;
	memcpy(it->data, data, n);
	put(q, it);
	return 0;
}

/* The end function: the end into the queue. */
static void q_end(void *ud, int complete)
{
	struct item *it = hd_xcalloc(1, sizeof *it);

	it->end = 1;
	it->complete = complete;
	put(ud, it);
}

/* The behind function: 1 (and the pause noted) while more than
 * QUEUE_HIGH bytes wait, or with all while anything does. */
static int q_behind(void *ud, int all)
{
	struct sinkq *q = ud;
	int behind;

	pthread_mutex_lock(&q->mu);
	behind = all ? !q->done : q->queued > QUEUE_HIGH;
	if (behind) {
		q->waiting_all = all;
	}
	pthread_mutex_unlock(&q->mu);
	return behind;
}

/* The resume function: wake(arg) once caught up, now if already. */
static void q_resume(void *ud, void (*wake)(void *), void *arg)
{
	struct sinkq *q = ud;
	int now;

	pthread_mutex_lock(&q->mu);
	now = caught_up(q, q->waiting_all);
	if (!now) {
		q->wake = wake;
		q->wake_arg = arg;
	}
	pthread_mutex_unlock(&q->mu);
	if (now) {
		wake(arg);
	}
}

/* The release function: the thread runs what is queued and ends, then
 * the wrapped sink is released. */
static void q_release(void *ud)
{
	struct sinkq *q = ud;

	pthread_mutex_lock(&q->mu);
	q->released = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	q->in.release(q->in.ud);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q->name);
	free(q->filename);
	free(q);
}

/* See sinkq.h. */
int sinkq_wrap(const struct http_sink *in, struct http_sink *out)
{
	struct sinkq *q = hd_xcalloc(1, sizeof *q);

	q->in = *in;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (pthread_create(&q->thread, NULL, worker, q) != 0) {
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q);
		return -1;
	}
	memset(out, 0, sizeof *out);
	out->field = q_field;
	out->end = q_end;
	out->release = q_release;
	out->behind = q_behind;
	out->resume = q_resume;
	out->ud = q;
	return 0;
}

/* See sinkq.h. */
void *sinkq_inner(void *ud)
{
	return ((struct sinkq *)ud)->in.ud;
}
