/*
 * desk_keep.c - the desk's keeper: a thread of its own for what must
 * land but cannot just now, so that no request's thread (and no run of
 * the pipeline) ever waits for it, and nothing is dropped silently:
 *
 *  - a batch whose batch.json could not be written (a full or failing
 *    disk: desk_persist marks it unsaved and logs it) is written again
 *    after 1, 2, 4 ... seconds (at most DESK_LATER_MAX_WAIT) until it
 *    lands, which is logged too;
 *  - work handed over with desk_later (what a finished download of an
 *    export records, which needs the archive's write lock while an
 *    ingest may hold it for minutes) is tried again on the same
 *    backoff for as long as it says "not yet".
 *
 * At the desk's close the check and ingest threads have ended first (a
 * run in progress rolled back), so the write lock is free of them: the
 * keeper then gives everything it holds one last try, logs what still
 * fails, and ends.  Everything here runs under d->mu but the work of
 * desk_later, which runs with the lock let go.
 */
#include "desk_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_WAIT 1.0          /* seconds before the first retry */

/* Seconds on the monotonic clock (the keeper's condition waits on it). */
static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The wait after w: doubled, at most DESK_LATER_MAX_WAIT. */
static double backoff(double w)
{
	w *= 2;
	return w > DESK_LATER_MAX_WAIT ? DESK_LATER_MAX_WAIT : w;
}

/* Put l into d's list of work in the order of its next try (under
 * d->mu). */
static void enqueue(struct desk *d, struct desk_later *l)
{
	struct desk_later **p = &d->later;

	while (*p != NULL && (*p)->at <= l->at) {
		p = &(*p)->next;
	}
	l->next = *p;
	*p = l;
}

/* See desk.h. */
int desk_later(struct desk *d, const char *what, int (*fn)(void *ud,
	int last), void (*done)(void *ud), void *ud)
{
	struct desk_later *l;

	if (d == NULL) {
		return -1;
	}
	pthread_mutex_lock(&d->mu);
	if (!d->have_keeper || d->keeper_stop) {
		pthread_mutex_unlock(&d->mu);
		return -1;
	}
	l = hd_xcalloc(1, sizeof *l);
	snprintf(l->what, sizeof l->what, "%s", what);
	l->fn = fn;
	l->done = done;
	l->ud = ud;
	l->at = mono();
	l->wait = FIRST_WAIT;
	enqueue(d, l);
	pthread_cond_signal(&d->keep_cv);
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* See desk_int.h. */
void desk_keeper_wake(struct desk *d)
{
	if (d->unsaved_wait == 0) {
		d->unsaved_wait = FIRST_WAIT;
		d->unsaved_at = mono() + FIRST_WAIT;
	}
	pthread_cond_signal(&d->keep_cv);
}

/* Write every unsaved batch of d again (under d->mu).  Returns how many
 * are still unsaved. */
static int write_unsaved(struct desk *d)
{
	GHashTableIter it;
	gpointer k, v;
	int left = 0;

	g_hash_table_iter_init(&it, d->batches);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct desk_batch *b = v;

		if (b->unsaved && desk_persist(d, b) != 0) {
			left++;
		}
	}
	return left;
}

/* Run the work l (taken out of the list, under d->mu, which is let go
 * meanwhile): done and freed when it landed or failed for good (or on
 * its last try), else back in the list for its next try. */
static void run_later(struct desk *d, struct desk_later *l, int last)
{
	int again;

	pthread_mutex_unlock(&d->mu);
	again = l->fn(l->ud, last);
	l->tries++;
	if (again && !last) {
		if (l->tries == 1) {
			fprintf(stderr, "hongdang: %s: the archive is busy; "
				"tried again until it lands\n", l->what);
		}
		pthread_mutex_lock(&d->mu);
		l->at = mono() + l->wait;
		l->wait = backoff(l->wait);
		enqueue(d, l);
		return;
	}
	if (again) {
		fprintf(stderr, "hongdang: %s: not done at the server's stop, "
			"after %d tries\n", l->what, l->tries);
	} else if (l->tries > 1) {
		fprintf(stderr, "hongdang: %s: done at try %d\n", l->what,
			l->tries);
	}
	l->done(l->ud);
	free(l);
	pthread_mutex_lock(&d->mu);
}

/* The keeper thread (arg: the desk).  Returns NULL. */
static void *keeper_main(void *arg)
{
	struct desk *d = arg;
	struct desk_later *l;
	struct timespec ts;
	double now, due;

	pthread_mutex_lock(&d->mu);
	while (!d->keeper_stop) {
		now = mono();
		if (d->later != NULL && d->later->at <= now) {
			l = d->later;
			d->later = l->next;
			run_later(d, l, 0);
			continue;
		}
		if (d->unsaved_wait > 0 && d->unsaved_at <= now) {
			if (write_unsaved(d) == 0) {
				d->unsaved_wait = 0;
			} else {
				d->unsaved_wait = backoff(d->unsaved_wait);
				d->unsaved_at = now + d->unsaved_wait;
			}
			continue;
		}
		due = now + 3600;
		if (d->later != NULL && d->later->at < due) {
			due = d->later->at;
		}
		if (d->unsaved_wait > 0 && d->unsaved_at < due) {
			due = d->unsaved_at;
		}
		ts.tv_sec = (time_t)due;
		ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
		pthread_cond_timedwait(&d->keep_cv, &d->mu, &ts);
	}
	/* the last round: the ingest has stopped */
	while (d->later != NULL) {
		l = d->later;
		d->later = l->next;
		run_later(d, l, 1);
	}
	if (d->unsaved_wait > 0 && write_unsaved(d) > 0) {
		fprintf(stderr, "hongdang: the desk stops with batches "
			"whose batch.json is behind (see above): after a "
			"restart they show their last state written\n");
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/* See desk_int.h. */
void desk_keeper_init(struct desk *d)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->keep_cv, &ca);
	pthread_condattr_destroy(&ca);
}

/* See desk_int.h. */
int desk_keeper_start(struct desk *d)
{
	if (pthread_create(&d->keeper, NULL, keeper_main, d) != 0) {
		return -1;
	}
	pthread_mutex_lock(&d->mu);
	d->have_keeper = 1;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* See desk_int.h. */
void desk_keeper_stop(struct desk *d)
{
	pthread_mutex_lock(&d->mu);
	if (!d->have_keeper) {
		pthread_mutex_unlock(&d->mu);
		return;
	}
	d->keeper_stop = 1;
	pthread_cond_signal(&d->keep_cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->keeper, NULL);
	pthread_mutex_lock(&d->mu);
	d->have_keeper = 0;
	pthread_mutex_unlock(&d->mu);
}
