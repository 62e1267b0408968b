/*
 * server.c - the exhibit server core: a running server's state, its
 * start, its signals and its stop, and each worker's archive handles.
 * The parts it starts are listed in server_int.h; requests themselves
 * are answered in httpd.c.
 *
 * Guarantees:
 *  - the address is bound before anything else starts, so a wrong or
 *    busy address is an error at once (listen.c);
 *  - each worker thread opens its own archive handles (SQLite
 *    connections are opened without mutexes): a read-only one, and a
 *    second, writable one for the routes marked ROUTE_WRITES; every
 *    handle is closed at the stop;
 *  - SIGHUP reloads the templates (an error keeps the old ones and is
 *    logged) and starts a new generation of the response cache;
 *  - the desk (ingest by upload, desk.h) is opened before the first
 *    request and closed after the last: a batch being checked or
 *    ingested at a stop is stopped at its next file or page, nothing of
 *    it stored, and taken up again at the next start;
 *  - SIGTERM/SIGINT: the listening socket closes, the upkeep threads are
 *    asked to stop, requests in flight finish (for at most the timeout
 *    and DRAIN_EXTRA seconds more; a second signal stops at once), then
 *    everything is released and server_run returns 0.
 */
#include "server_int.h"
#include "desk.h"
#include "demo.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRAIN_EXTRA 5           /* seconds beyond the timeout to drain */
/* Records server_warm reads at a time: some 15 ms at 200,000 records. */
#define WARM_STEP 20000

/* This worker thread's archive handles: [0] read-only, [1] writable. */
static __thread struct hd_archive *t_arch[2];
/* server_warm's progress on t_arch[0]: the data_version at the last
 * look, the one the warming under way is for, the id it has read down
 * to (0: done) and the records read. */
static __thread int64_t t_seen_dv = -1, t_warm_dv = -1, t_warm_below;
static __thread int t_warm_rows;

/* See server_int.h.  The handle is remembered in sv->handles for the
 * close at the stop. */
struct hd_archive *server_archive(struct server *sv, int rw,
	struct hd_error *e)
{
	struct hd_archive *a = NULL;

	if (t_arch[rw] != NULL) {
		return t_arch[rw];
	}
	if (hd_archive_open(sv->site->dir, !rw, &a, e) != 0) {
		return NULL;
	}
	pthread_mutex_lock(&sv->lock);
	sv->handles = hd_xrealloc(sv->handles,
		(sv->nhandles + 1) * sizeof *sv->handles);
	sv->handles[sv->nhandles++] = a;
	pthread_mutex_unlock(&sv->lock);
	t_arch[rw] = a;
	return a;
}

/* See server_int.h.  Reads into this worker's read-only handle what
 * every search reads (hd_search_warm), WARM_STEP records a request,
 * newest first, and again after the archive changed, since SQLite
 * empties a connection's page cache when another one wrote.  A first
 * search on a cold handle reads its matches' records one system call
 * each: 14 ms for a rare phrase at 200,000 records.  Warming waits until
 * two looks in a row see the same data_version, so an archive being
 * written (a batch, the index merge) is left alone, and stops after
 * HD_WARM_ROWS records. */
void server_warm(struct server *sv)
{
	struct hd_error e;
	int64_t dv;

	if (t_arch[0] == NULL || atomic_load(&sv->draining) ||
	    atomic_load(&sv->inflight) > 0) {
		return;
	}
	dv = hd_archive_data_version(t_arch[0]);
	if (dv != t_seen_dv) {
		t_seen_dv = dv;
		return;
	}
	if (dv != t_warm_dv) {
		t_warm_dv = dv;
		t_warm_below = INT64_MAX;
		t_warm_rows = 0;
	}
	if (t_warm_below == 0 || t_warm_rows >= HD_WARM_ROWS) {
		return;
	}
	hd_err_clear(&e);
	if (hd_search_warm(t_arch[0], &t_warm_below, WARM_STEP, &e) != 0) {
		alog_note(sv->log, "%s", e.msg);
		t_warm_below = 0;
	}
	t_warm_rows += WARM_STEP;
}

/* Wait up to ms for one of the signals in set; the signal, or -1. */
static int wait_signal(const sigset_t *set, long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000 * 1000;
	return sigtimedwait(set, NULL, &ts);
}

/* See server.h.  The main thread only waits for signals, ten times a
 * second running the watchdog and writing the access log's old lines;
 * the workers inherit a mask that keeps the signals from them. */
int server_run(struct site *s, const struct server_opts *opts,
	struct hd_error *e)
{
	struct server *sv;
	struct desk_opts dopts;
	struct tls_pair tls;
	sigset_t set, old;
	struct hd_error te;
	char shown[300], line[400];
	long long deadline;
	int lfd, ipv6 = 0, sig, n;
	size_t i;

	/* the certificate before the address: a wrong file is found
	 * before anything listens */
	memset(&tls, 0, sizeof tls);
	if (opts->tls_cert != NULL && !httpd_tls_supported()) {
		return hd_err(e, HD_EIO, "%s: this libmicrohttpd was built "
			"without TLS (GnuTLS): serve plain HTTP behind a TLS "
			"proxy instead (--trusted-proxy)", opts->tls_cert);
	}
	if (opts->tls_cert != NULL && tls_load(opts->tls_cert,
	    opts->tls_key, &tls, e) != 0) {
		return e->code;
	}
	lfd = server_listen(opts->listen, shown, sizeof shown, &ipv6, e);
	if (lfd < 0) {
		tls_release(&tls);
		return e->code;
	}
	/* signals go to this thread only, before any other starts (the
	 * desk's, the demonstrations' and the server's threads inherit the
	 * mask): one delivered to another thread would end the process */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	dopts.upload_max = opts->upload_max ? opts->upload_max :
		DESK_UPLOAD_MAX;
	batch_limits_default(&dopts.lim);
	if (desk_open(s->dir, &dopts, &s->desk, e) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		tls_release(&tls);
		close(lfd);
		return e->code;
	}
	sv = hd_xcalloc(1, sizeof *sv);
	sv->tls = tls;
	sv->site = s;
	sv->opts = opts;
	sv->log = alog_new(opts->logfd);
	pthread_mutex_init(&sv->lock, NULL);
	sv->statics = static_cache_new(s, httpd_file_response,
		httpd_response_free);
	if (opts->demo_max > 0) {
		struct demo_limits lim = { opts->demo_max, opts->demo_idle,
			opts->demo_life, opts->demo_bytes };

		hd_err_clear(&te);
		if (demo_pool_new(s->dir, &lim, &s->demos, &te) != 0) {
			s->demos = NULL;        /* demonstrations say so */
			alog_note(sv->log, "demonstrations off: %s", te.msg);
		}
	}
	if (opts->page_cache) {
		hd_err_clear(&te);
		if (respcache_open(s->dir, httpd_response_free, &sv->answers,
		    &te) != 0) {
			sv->answers = NULL;     /* pages made anew, then */
			alog_note(sv->log, "page cache off: %s", te.msg);
		}
	}

	if (httpd_start(sv, lfd, ipv6) != 0) {
		close(lfd);
		hd_err(e, HD_EIO, "%s: the HTTP server did not start", shown);
		goto out;
	}
	n = snprintf(line, sizeof line, "红档展示服务已启动：%s://%s/\n",
		sv->tls.cert != NULL ? "https" : "http", shown);
	(void)!write(2, line, (size_t)n);
	sv->upkeep = upkeep_start(sv);

	for (;;) {
		sig = wait_signal(&set, 100);
		if (sig == SIGTERM || sig == SIGINT) {
			break;
		}
		if (sig == SIGHUP && s->tmpl != NULL) {
			hd_err_clear(&te);
			if (tmpl_refresh(s->tmpl, 1, &te) != 0) {
				alog_note(sv->log, "templates not reloaded: "
					"%s", te.msg);
			} else {
				alog_note(sv->log, "%s", "templates reloaded");
			}
			if (sv->answers != NULL) {
				respcache_bump(sv->answers);
			}
		}
		httpd_watchdog(sv);
		alog_tick(sv->log, mono_ms(), 0);
	}

	/* stop: no new connections, let the requests in flight finish */
	atomic_store(&sv->draining, 1);
	upkeep_stop(sv->upkeep);
	httpd_quiesce(sv);
	deadline = mono_ms() + (opts->timeout + DRAIN_EXTRA) * 1000LL;
	while (atomic_load(&sv->inflight) > 0 && mono_ms() < deadline) {
		sig = wait_signal(&set, 50);
		if (sig == SIGTERM || sig == SIGINT) {
			break;          /* asked twice: stop now */
		}
		httpd_watchdog(sv);
		alog_tick(sv->log, mono_ms(), 0);
	}
	httpd_stop(sv);
	upkeep_end(sv->upkeep);
	hd_err_clear(e);
out:
	desk_close(s->desk);
	s->desk = NULL;
	for (i = 0; i < sv->nhandles; i++) {
		hd_archive_close(sv->handles[i]);
	}
	free(sv->handles);
	demo_pool_free(s->demos);
	s->demos = NULL;
	alog_free(sv->log);
	static_cache_free(sv->statics);
	respcache_close(sv->answers);
	pthread_mutex_destroy(&sv->lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	tls_release(&sv->tls);
	free(sv);
	return e->code;
}
