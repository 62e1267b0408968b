/*
 * respcache.c - the response cache: public answers made once and sent
 * again from memory.
 *
 * The public pages (home, corridor, search, records, the JSON API) are
 * the same for every visitor: a function of the URL, the Host header
 * (QR links), the archive and the hour.  A kiosk or a class of students
 * asks for the same few again and again, so an answer made once is sent
 * again until the archive changes, the templates are reloaded, or the
 * hour ends (the open-now line and the day's slots follow the clock;
 * China's offset is whole hours, so its hours begin with UTC's).
 *
 * Guarantees:
 *  - an answer is sent again only within the clock hour it was made in
 *    and while the generation is the one it was made at.  A new
 *    generation starts when any commit by another handle or process is
 *    seen through PRAGMA data_version on the cache's own read-only
 *    handle (respcache_check, before every lookup), and at a template
 *    reload (respcache_bump);
 *  - only answers respcache_keeps accepts are kept (200, no cookie, no
 *    Cache-Control of their own, a body of at most RESPCACHE_MAX_BODY
 *    bytes), and only for routes marked ROUTE_CACHED (routes.c);
 *  - at most RESPCACHE_MAX_ENTRIES answers and RESPCACHE_MAX_BYTES bytes
 *    of bodies are kept: when a new answer does not fit, the stale ones
 *    are dropped, and when that is not enough, all of them;
 *  - thread-safe: lookups share a read lock, writers go first; a kept
 *    response is handed to the caller's send function under that lock,
 *    so no other thread can drop it meanwhile.
 *
 * The responses themselves are opaque here (libmicrohttpd's, made by
 * respond.c); the cache frees one through the drop function it was given.
 */
#include "server_int.h"

#include <glib.h>

#include <stdlib.h>

/* One kept answer. */
struct answer {
	char *key;                      /* host '\n' raw URL; the map's key */
	unsigned long gen;              /* the generation it was made at */
	long long hour;                 /* answer_hour() when made */
	void *resp;                     /* the response, every header set */
	size_t bytes;                   /* of its body */
	void (*drop)(void *resp);
};

struct respcache {
	pthread_rwlock_t lock;          /* map and bytes */
	GHashTable *map;                /* key -> struct answer */
	size_t bytes;                   /* of the bodies kept */
	void (*drop)(void *resp);
	_Atomic unsigned long gen;      /* the current generation */
	struct hd_archive *watch;       /* read-only, for data_version */
	int64_t watch_dv;               /* its last data_version */
	pthread_mutex_t watch_lock;
};

/* The hour an answer is made in: answers are sent again within it. */
static long long answer_hour(void)
{
	return (long long)time(NULL) / 3600;
}

/* Free an answer and drop its response (the map's value destructor). */
static void answer_free(void *p)
{
	struct answer *an = p;

	an->drop(an->resp);
	free(an->key);
	free(an);
}

/* See server_int.h.  Writers are preferred on the lock: a put must not
 * starve under a stream of lookups. */
int respcache_open(const char *dir, void (*drop)(void *resp),
	struct respcache **out, struct hd_error *e)
{
	struct respcache *rc;
	struct hd_archive *watch = NULL;
	int r;

	*out = NULL;
	r = hd_archive_open(dir, 1, &watch, e);
	if (r != 0) {
		return r;
	}
	rc = hd_xcalloc(1, sizeof *rc);
	site_rwlock_init(&rc->lock);
	rc->map = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
		answer_free);
	rc->drop = drop;
	rc->watch = watch;
	rc->watch_dv = hd_archive_data_version(watch);
	pthread_mutex_init(&rc->watch_lock, NULL);
	*out = rc;
	return 0;
}

/* See server_int.h.  Call when no thread uses the cache any more. */
void respcache_close(struct respcache *rc)
{
	if (rc == NULL) {
		return;
	}
	g_hash_table_destroy(rc->map);
	hd_archive_close(rc->watch);
	pthread_mutex_destroy(&rc->watch_lock);
	pthread_rwlock_destroy(&rc->lock);
	free(rc);
}

/* See server_int.h. */
char *respcache_key(const char *host, const char *url, size_t n)
{
	return hd_xasprintf("%s\n%.*s", host ? host : "", (int)n, url);
}

/* See server_int.h.  One read-only handle of the cache's own answers
 * for every worker: data_version numbers are per connection, so each
 * worker comparing its own would start a new generation the first time
 * each worker looks. */
unsigned long respcache_check(struct respcache *rc)
{
	int64_t v;

	pthread_mutex_lock(&rc->watch_lock);
	v = hd_archive_data_version(rc->watch);
	if (v != rc->watch_dv) {
		rc->watch_dv = v;
		atomic_fetch_add(&rc->gen, 1);
	}
	pthread_mutex_unlock(&rc->watch_lock);
	return atomic_load(&rc->gen);
}

/* See server_int.h. */
void respcache_bump(struct respcache *rc)
{
	atomic_fetch_add(&rc->gen, 1);
}

/* See server_int.h. */
int respcache_send(struct respcache *rc, const char *key,
	int (*send)(void *arg, void *resp, size_t bytes), void *arg,
	int *ret)
{
	unsigned long gen = atomic_load(&rc->gen);
	long long now = answer_hour();
	struct answer *an;
	int hit = 0;

	pthread_rwlock_rdlock(&rc->lock);
	an = g_hash_table_lookup(rc->map, key);
	if (an != NULL && an->gen == gen && an->hour == now) {
		hit = 1;
		*ret = send(arg, an->resp, an->bytes);
	}
	pthread_rwlock_unlock(&rc->lock);
	return hit;
}

/* See server_int.h. */
int respcache_keeps(const struct http_resp *hr, size_t n)
{
	return hr->status == 200 && n <= RESPCACHE_MAX_BODY &&
		!http_resp_has(hr, "Cache-Control") &&
		!http_resp_has(hr, "Set-Cookie");
}

/* What answer_stale drops: answers not of gen and hour. */
struct prune {
	struct respcache *rc;
	unsigned long gen;
	long long hour;
};

/* For g_hash_table_foreach_remove: TRUE (drop it) when the answer value
 * is stale by the struct prune at data, whose cache then counts its
 * bytes out. */
static gboolean answer_stale(gpointer key, gpointer value, gpointer data)
{
	struct answer *an = value;
	struct prune *pr = data;

	(void)key;
	if (an->gen != pr->gen || an->hour != pr->hour) {
		pr->rc->bytes -= an->bytes;
		return TRUE;
	}
	return FALSE;
}

/* 1 when an answer of bytes more does not fit (write lock held). */
static int respcache_full(const struct respcache *rc, size_t bytes)
{
	return g_hash_table_size(rc->map) >= RESPCACHE_MAX_ENTRIES ||
		rc->bytes + bytes > RESPCACHE_MAX_BYTES;
}

/* See server_int.h.  An answer already kept for key is replaced. */
void respcache_put(struct respcache *rc, char *key, unsigned long gen,
	void *resp, size_t bytes)
{
	long long now = answer_hour();
	struct answer *an, *old;
	struct prune pr;

	an = hd_xcalloc(1, sizeof *an);
	an->key = key;
	an->gen = gen;
	an->hour = now;
	an->resp = resp;
	an->bytes = bytes;
	an->drop = rc->drop;
	pthread_rwlock_wrlock(&rc->lock);
	if (respcache_full(rc, bytes)) {
		pr.rc = rc;
		pr.gen = atomic_load(&rc->gen);
		pr.hour = now;
		g_hash_table_foreach_remove(rc->map, answer_stale, &pr);
		if (respcache_full(rc, bytes)) {
			g_hash_table_remove_all(rc->map);
			rc->bytes = 0;
		}
	}
	old = g_hash_table_lookup(rc->map, key);
	if (old != NULL) {
		rc->bytes -= old->bytes;
	}
	g_hash_table_replace(rc->map, an->key, an);
	rc->bytes += bytes;
	pthread_rwlock_unlock(&rc->lock);
}
