/*
 * upkeep.c - the work a running exhibit server does beside answering
 * requests: the daily fixity audit, the merge of the search index
 * while the server is quiet, and the demonstrations' sandboxes: their
 * template made at the start, sandboxes reclaimed every second.
 *
 * Each runs in a thread of its own on its own archive handle, off the
 * request path: a request never waits for either (readers do not
 * wait for SQLite's writer).  Both are stopped together through one
 * flag, lock and condition: upkeep_stop asks (at the start of a drain),
 * upkeep_end asks and waits; an audit in progress runs to its end, a
 * merge stops after the step in progress.
 */
#include "server_int.h"
#include "demo.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* How often the audit thread looks whether an audit is due. */
#define AUDIT_CHECK_S 600
/* Leaf pages a merge step: some 50 ms here, so a request that comes in
 * meanwhile shares the machine with it briefly (it never waits for it:
 * readers do not wait for the writer). */
#define MERGE_PAGES 500
/* How often the merge thread looks whether the server is idle. */
#define MERGE_CHECK_MS 1000
/* How often the demo thread reclaims sandboxes. */
#define REAP_MS 1000
/* How often the harvest thread looks whether a room is due (a list of
 * the sources: cheap). */
#define HARVEST_CHECK_MS 2000

struct upkeep {
	struct server *sv;
	pthread_mutex_t lock;           /* stop */
	pthread_cond_t wake;            /* signalled at a stop */
	int stop;
	pthread_t audit;
	int audit_started;
	pthread_t merge;
	int merge_started;
	pthread_t demo;
	int demo_started;
	pthread_t harvest;
	int harvest_started;
};

/* Wait until ms from now or a stop; returns 1 on a stop. */
static int upkeep_wait(struct upkeep *u, long long ms)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&u->lock);
	while (!u->stop &&
	    pthread_cond_timedwait(&u->wake, &u->lock, &until) == 0) {
		continue;
	}
	stop = u->stop;
	pthread_mutex_unlock(&u->lock);
	return stop;
}

/* 1 when a stop was asked for. */
static int upkeep_stopping(struct upkeep *u)
{
	int stop;

	pthread_mutex_lock(&u->lock);
	stop = u->stop;
	pthread_mutex_unlock(&u->lock);
	return stop;
}

/* ------------------------------------------------------ fixity audit */

/* The daily fixity audit inside the running server: on start and then
 * every AUDIT_CHECK_S seconds, when the last "fixity" event is older
 * than opts->audit_hours, every object is read and checked
 * (hd_fixity_audit writes the "fixity" event that the admin home reads
 * to flag damaged records), and the outcome is noted in the log.  A
 * handle that cannot be opened is tried again at the next look. */
static void *audit_thread(void *arg)
{
	struct upkeep *u = arg;
	struct server *sv = u->sv;
	struct hd_agent agent = { "server" };
	struct hd_archive *a = NULL;
	struct hd_verify v;
	struct hd_error e;
	int stop = 0;

	while (!stop) {
		hd_err_clear(&e);
		if (a == NULL &&
		    hd_archive_open(sv->site->dir, 0, &a, &e) != 0) {
			alog_note(sv->log, "fixity audit: %s", e.msg);
			a = NULL;
		}
		if (a != NULL && hd_fixity_due(a, sv->opts->audit_hours)) {
			memset(&v, 0, sizeof v);
			if (hd_fixity_audit(a, &agent, &v, &e) != 0) {
				alog_note(sv->log, "fixity audit: %s", e.msg);
			} else {
				alog_note(sv->log, "fixity audit: objects "
					"%lld, ok %lld, damaged %zu, missing "
					"%zu, chain %s", (long long)v.objects,
					(long long)v.ok, v.ndamaged,
					v.nmissing,
					v.chain_ok ? "ok" : "broken");
			}
			hd_verify_release(&v);
		}
		stop = upkeep_wait(u, AUDIT_CHECK_S * 1000LL);
	}
	hd_archive_close(a);
	return NULL;
}

/* ------------------------------------------------------- index merge */

/* The idle merge's clock in ms: the monotonic one, ahead by the skew of
 * the library's clock (hd_clock_skew_s), so that a test can make the
 * server quiet for an hour at once. */
static long long merge_ms(void)
{
	return mono_ms() + hd_clock_skew_s() * 1000;
}

/* Quiet: no request in flight, and at most one a second begun since
 * the count was base at t0 (ms).  A kiosk left on its attract loop asks
 * for a slide or /api/corridor every second or so; the merge should run
 * then, and give way when visitors or a class are searching. */
static int server_quiet(struct server *sv, unsigned long base, long long t0)
{
	unsigned long n = atomic_load_explicit(&sv->requests,
		memory_order_relaxed);

	return atomic_load(&sv->inflight) == 0 &&
	    (long long)(n - base) <= 1 + (merge_ms() - t0) / 1000;
}

/* The search index merged while the server is quiet (hd_index_merge):
 * after each batch an archivist ingests, searches look their words up in
 * more segments until this has run.  Once the server has been quiet for
 * opts->merge_idle seconds, steps go on while it stays quiet and
 * something is left to merge; then the thread rests until another
 * connection changes the archive (data_version).  A step that finds the
 * write lock taken (an ingest) is tried again later; any other failure
 * is noted in the log once until a step succeeds. */
static void *merge_thread(void *arg)
{
	struct upkeep *u = arg;
	struct server *sv = u->sv;
	struct hd_archive *a = NULL;
	struct hd_error e;
	int64_t rested = -1, dv;
	unsigned long seen = atomic_load(&sv->requests);
	long long quiet_since = merge_ms(), t;
	int rc, more, steps = 0, failed = 0;

	while (!upkeep_wait(u, MERGE_CHECK_MS)) {
		t = merge_ms();
		if (!server_quiet(sv, seen, t - MERGE_CHECK_MS)) {
			quiet_since = t;
		}
		seen = atomic_load(&sv->requests);
		if (t - quiet_since < sv->opts->merge_idle * 1000LL) {
			continue;
		}
		hd_err_clear(&e);
		if (a == NULL &&
		    hd_archive_open(sv->site->dir, 0, &a, &e) != 0) {
			if (!failed) {
				alog_note(sv->log, "index merge: %s", e.msg);
			}
			failed = 1;
			a = NULL;
			continue;
		}
		dv = hd_archive_data_version(a);
		if (dv == rested) {
			continue;
		}
		rc = 0;
		more = 1;
		while (more && server_quiet(sv, seen, t) &&
		    !upkeep_stopping(u)) {
			rc = hd_index_merge(a, MERGE_PAGES, &more, &e);
			if (rc != 0) {
				break;
			}
			steps += more;
		}
		if (rc != 0 && rc != HD_EBUSY && !failed) {
			alog_note(sv->log, "index merge: %s", e.msg);
		}
		failed = rc != 0 && rc != HD_EBUSY;
		if (rc == 0 && !more) {
			if (steps > 0) {
				alog_note(sv->log, "search index merged in %d "
					"step%s", steps, steps == 1 ? "" : "s");
			}
			steps = 0;
			rested = hd_archive_data_version(a);
		} else if (rc == 0) {
			quiet_since = merge_ms();   /* visitors came */
		}
		seen = atomic_load(&sv->requests);
	}
	hd_archive_close(a);
	return NULL;
}

/* ---------------------------------------------------- demonstrations */

/* The demonstrations' sandboxes: the template made from the archive
 * first (requests for a demonstration wait for it), then every REAP_MS
 * the sandboxes unused too long, too old or too big reclaimed, so a
 * kiosk that vanished mid-demonstration leaves nothing behind. */
static void *demo_thread(void *arg)
{
	struct upkeep *u = arg;
	struct server *sv = u->sv;
	struct demo_pool *p = sv->site->demos;
	struct hd_error e;
	double t0 = hd_mono_s();
	int n;

	/* behind the requests: this thread's work is nobody's wait but
	 * the first demonstration's */
	(void)!setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	hd_err_clear(&e);
	if (demo_pool_prepare(p, &e) != 0) {
		alog_note(sv->log, "demonstrations: %s", e.msg);
	} else {
		alog_note(sv->log, "demonstrations ready in %.1f s",
			hd_mono_s() - t0);
	}
	while (!upkeep_wait(u, REAP_MS)) {
		n = demo_pool_reap(p, &e);
		if (e.code != 0) {
			alog_note(sv->log, "demonstrations: the readings: %s",
				e.msg);
		}
		if (n > 0) {
			alog_note(sv->log, "demonstrations: %d sandbox%s "
				"reclaimed", n, n == 1 ? "" : "es");
		}
	}
	return NULL;
}

/* ----------------------------------------------------------- harvest */

/* Whether source v is due: never run, or its last run ended more than
 * hours ago by the library's clock (hd_now_s, which a test moves on). */
static int harvest_due(const struct hd_harvest_source *v, int hours)
{
	GDateTime *t;
	gint64 at;

	if (v->last_run == NULL) {
		return 1;
	}
	t = g_date_time_new_from_iso8601(v->last_run, NULL);
	if (t == NULL) {
		return 1;
	}
	at = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return hd_now_s() - at >= (int64_t)hours * 3600;
}

/* hd_harvest_run's question between pages: 1 when the server stops. */
static int harvest_stop(void *ud)
{
	return upkeep_stopping(ud);
}

/* The rooms' catalogues harvested on a schedule (hd_harvest_run): every
 * HARVEST_CHECK_MS each source whose last run is older than
 * opts->harvest_hours is harvested in turn, behind the requests (the
 * requests never wait for it: each page is one short write, and the
 * fetching is done outside any transaction); a stop is looked for
 * between pages (the run goes on from there next time).  Each run's
 * outcome goes to the log; a room that fails is tried again when it is
 * due again (its last run is the failed one). */
static void *harvest_thread(void *arg)
{
	struct upkeep *u = arg;
	struct server *sv = u->sv;
	struct hd_agent agent = { "server" };
	struct hd_archive *a = NULL;
	struct hd_harvest_source *v;
	struct hd_harvest_opts o = { 0, harvest_stop, u };
	struct hd_harvest_report r;
	struct hd_error e;
	size_t n, i;

	(void)!setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	do {
		hd_err_clear(&e);
		if (a == NULL &&
		    hd_archive_open(sv->site->dir, 0, &a, &e) != 0) {
			alog_note(sv->log, "harvest: %s", e.msg);
			a = NULL;
		}
		v = NULL;
		n = 0;
		if (a != NULL && hd_harvest_list(a, &v, &n, &e) != 0) {
			alog_note(sv->log, "harvest: %s", e.msg);
		}
		for (i = 0; i < n && !upkeep_stopping(u); i++) {
			if (!harvest_due(&v[i], sv->opts->harvest_hours)) {
				continue;
			}
			hd_err_clear(&e);
			if (hd_harvest_run(a, v[i].name, &o, &agent, &r,
			    &e) != 0) {
				alog_note(sv->log, "harvest: %s", e.msg);
			} else {
				alog_note(sv->log, "harvest: %s: %lld "
					"page(s), %lld new, %lld changed, "
					"%lld deleted", v[i].name,
					(long long)r.pages, (long long)r.added,
					(long long)r.updated,
					(long long)r.deleted);
			}
		}
		hd_harvest_sources_free(v, n);
	} while (!upkeep_wait(u, HARVEST_CHECK_MS));
	hd_archive_close(a);
	return NULL;
}

/* ---------------------------------------------------------- lifecycle */

/* See server_int.h.  The audit thread runs when opts->audit_hours > 0,
 * the merge thread when opts->merge_idle > 0, the demo thread when the
 * site has a pool of sandboxes, the harvest thread when
 * opts->harvest_hours > 0; a thread that cannot be created is
 * simply not there (demonstrations then wait and say they are not
 * ready). */
struct upkeep *upkeep_start(struct server *sv)
{
	struct upkeep *u = hd_xcalloc(1, sizeof *u);

	u->sv = sv;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->wake, NULL);
	if (sv->opts->audit_hours > 0 &&
	    pthread_create(&u->audit, NULL, audit_thread, u) == 0) {
		u->audit_started = 1;
	}
	if (sv->opts->merge_idle > 0 &&
	    pthread_create(&u->merge, NULL, merge_thread, u) == 0) {
		u->merge_started = 1;
	}
	if (sv->site->demos != NULL &&
	    pthread_create(&u->demo, NULL, demo_thread, u) == 0) {
		u->demo_started = 1;
	}
	if (sv->opts->harvest_hours > 0 &&
	    pthread_create(&u->harvest, NULL, harvest_thread, u) == 0) {
		u->harvest_started = 1;
	}
	return u;
}

/* See server_int.h. */
void upkeep_stop(struct upkeep *u)
{
	pthread_mutex_lock(&u->lock);
	u->stop = 1;
	pthread_cond_broadcast(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

/* See server_int.h. */
void upkeep_end(struct upkeep *u)
{
	if (u == NULL) {
		return;
	}
	upkeep_stop(u);
	if (u->audit_started) {
		pthread_join(u->audit, NULL);
	}
	if (u->merge_started) {
		pthread_join(u->merge, NULL);
	}
	if (u->demo_started) {
		pthread_join(u->demo, NULL);
	}
	if (u->harvest_started) {
		pthread_join(u->harvest, NULL);
	}
	pthread_cond_destroy(&u->wake);
	pthread_mutex_destroy(&u->lock);
	free(u);
}
