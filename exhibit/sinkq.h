/*
 * sinkq.h - a streamed body's sink run on a thread of its own (sinkq.c).
 */
#ifndef HD_SINKQ_H
#define HD_SINKQ_H

#include "http.h"

/* Wrap the sink in: its field, end and release then run on a thread of
 * their own, fed from a queue, and *out is the sink the server is to
 * use (with behind and resume: its connection waits while the queue
 * holds more than a few megabytes, instead of the server's thread
 * waiting on the disk).  in's release runs once everything queued ran,
 * from out's release.  Returns 0, or -1 when no thread could be
 * started (in is then left as it was, to be used as it is). */
int sinkq_wrap(const struct http_sink *in, struct http_sink *out);
/* The ud of the sink wrapped by the queue ud (out->ud of sinkq_wrap);
 * what a page does with req->upload. */
void *sinkq_inner(void *ud);

#endif
