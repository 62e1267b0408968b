/*
 * routes.c - the one table of the exhibit server's routes, and how a
 * request's path finds its route.
 *
 * A path ending in '/' (other than "/" itself) matches as a prefix; an
 * exact match wins over the longest prefix.  Static files (/static/...,
 * /favicon.ico) are served by the server before this table is
 * consulted.  Each route says what its pages need beyond a read-only
 * archive handle (enum route_flags in http.h): the writable handle
 * (every POST, and every admin page, which touches its session's
 * last-seen time), and whether its answers may be sent again from the
 * response cache (pages the same for every visitor: not /visit, whose
 * form carries the visitor's token, not /img/, files revalidated by
 * ETag, nothing under /admin, not /oai).  A route marked ROUTE_UPLOAD
 * (the web desk's uploads) names its open function in route_opens[].
 */
#include "server_int.h"
#include "pages.h"
#include "admin.h"
#include "desk.h"

#include <stdio.h>
#include <string.h>

const struct route routes[] = {
	{"GET", "/", page_home, ROUTE_CACHED},
	{"GET", "/corridor", page_corridor, ROUTE_CACHED},
	{"GET", "/reading", page_reading, ROUTE_CACHED},
	{"GET", "/demo", page_demo, ROUTE_CACHED},
	/* a demonstration works in the kiosk's own sandbox (its cookie):
	 * never cached, and never the writable handle of the archive */
	{"GET", "/demo/", page_demo, 0},
	{"POST", "/demo/", page_demo_post, 0},
	{"GET", "/search", page_search, ROUTE_CACHED},
	{"GET", "/record/", page_record, ROUTE_CACHED},
	{"GET", "/study", page_study, ROUTE_CACHED},
	{"GET", "/visit", page_visit, 0},
	{"POST", "/visit", page_visit_book, ROUTE_WRITES},
	{"GET", "/img/", page_image, 0},
	{"GET", "/api/search", page_api_search, ROUTE_CACHED},
	{"GET", "/api/suggest", page_api_suggest, ROUTE_CACHED},
	{"GET", "/api/records/", page_api_record, ROUTE_CACHED},
	{"GET", "/api/corridor", page_api_corridor, ROUTE_CACHED},
	{"GET", "/api/reading", page_api_reading, ROUTE_CACHED},
	{"GET", "/api/stats", page_api_stats, ROUTE_CACHED},
	{"GET", "/api/demos", page_api_demos, ROUTE_CACHED},
	/* admin pages: every one checks session, role and (POST) form
	 * token itself */
	{"GET", "/admin/login", page_admin_login, ROUTE_WRITES},
	{"POST", "/admin/login", page_admin_login_post, ROUTE_WRITES},
	{"POST", "/admin/logout", page_admin_logout, ROUTE_WRITES},
	{"GET", "/admin", page_admin_root, ROUTE_WRITES},
	{"GET", "/admin/", page_admin_home, ROUTE_WRITES},
	{"GET", "/admin/review", page_admin_review, ROUTE_WRITES},
	{"GET", "/admin/record/", page_admin_record, ROUTE_WRITES},
	{"POST", "/admin/record/", page_admin_record_post, ROUTE_WRITES},
	{"GET", "/admin/img/", page_admin_image, ROUTE_WRITES},
	{"GET", "/admin/consult", page_admin_consult, ROUTE_WRITES},
	{"POST", "/admin/consult", page_admin_consult_post, ROUTE_WRITES},
	{"GET", "/admin/consult/", page_admin_consult_use, ROUTE_WRITES},
	{"GET", "/admin/audit", page_admin_audit, ROUTE_WRITES},
	{"GET", "/admin/search", page_admin_search, ROUTE_WRITES},
	{"GET", "/admin/api/search", page_admin_api_search, ROUTE_WRITES},
	{"GET", "/admin/search.csv", page_admin_search_csv, ROUTE_WRITES},
	{"GET", "/admin/search.xlsx", page_admin_search_xlsx, ROUTE_WRITES},
	{"GET", "/admin/view/", page_admin_view, ROUTE_WRITES},
	{"GET", "/admin/original/", page_admin_original, ROUTE_WRITES},
	{"GET", "/admin/tile/", page_admin_tile, ROUTE_WRITES},
	/* transfers (page_admin_transfer.c): uploads stream */
	{"POST", "/admin/export", page_admin_export, ROUTE_WRITES},
	{"GET", "/admin/import", page_admin_import, ROUTE_WRITES},
	{"POST", "/admin/import", page_admin_import_post,
		ROUTE_WRITES | ROUTE_UPLOAD},
	{"GET", "/admin/receipt/", page_admin_receipt, ROUTE_WRITES},
	/* keeping (page_admin_keeping.c) */
	{"GET", "/admin/keeping", page_admin_keeping, ROUTE_WRITES},
	{"POST", "/admin/keeping", page_admin_keeping_post, ROUTE_WRITES},
	{"GET", "/admin/users", page_admin_users, ROUTE_WRITES},
	{"POST", "/admin/users", page_admin_users_post, ROUTE_WRITES},
	/* harvesting (GET and POST, as OAI-PMH allows) */
	{"GET", "/oai", page_oai, 0},
	{"POST", "/oai", page_oai, ROUTE_WRITES},
	/* the storage room (page_storage.c) */
	{"GET", "/admin/storage", page_admin_storage, ROUTE_WRITES},
	{"POST", "/admin/storage", page_admin_storage_post, ROUTE_WRITES},
	/* ingest by upload (page_ingest.c): multipart bodies stream */
	{"GET", "/admin/ingest", page_admin_ingest, ROUTE_WRITES},
	{"POST", "/admin/ingest", page_admin_ingest_post,
		ROUTE_WRITES | ROUTE_UPLOAD},
	{"GET", "/admin/batches", page_admin_batches, ROUTE_WRITES},
	{"GET", "/admin/batches.json", page_admin_batches, ROUTE_WRITES},
	{"GET", "/admin/batches/", page_admin_batch, ROUTE_WRITES},
	{"POST", "/admin/batches/", page_admin_batch_post,
		ROUTE_WRITES | ROUTE_UPLOAD},
	{NULL, NULL, NULL, 0},
};

const struct route_open route_opens[] = {
	{"/admin/ingest", page_admin_ingest_open},
	{"/admin/batches/", page_admin_batch_open},
	{"/admin/import", page_admin_import_open},
	{NULL, NULL},
};

/* See server_int.h. */
page_open_fn route_open_fn(const struct route *rt)
{
	size_t i;

	for (i = 0; (rt->flags & ROUTE_UPLOAD) && route_opens[i].path; i++) {
		if (strcmp(route_opens[i].path, rt->path) == 0) {
			return route_opens[i].open;
		}
	}
	return NULL;
}

/* 1 when the route's path takes path: the same string, or a prefix of
 * it when the route's path ends in '/' and is longer than "/". */
static int route_takes(const struct route *rt, const char *path)
{
	size_t n = strlen(rt->path);

	if (n > 1 && rt->path[n - 1] == '/') {       /* "/" is exact */
		return strncmp(path, rt->path, n) == 0;
	}
	return strcmp(path, rt->path) == 0;
}

/* See server_int.h.  One pass over the table: every route taking path
 * adds its method to allow; of those with the wanted method, an exact
 * path is kept over any prefix, and a longer prefix over a shorter. */
const struct route *route_find(const char *path, const char *want,
	char *allow, size_t nallow)
{
	const struct route *best = NULL;
	size_t i, blen = 0, n;
	int get = 0, post = 0;

	for (i = 0; routes[i].path != NULL; i++) {
		if (!route_takes(&routes[i], path)) {
			continue;
		}
		if (strcmp(routes[i].method, "POST") == 0) {
			post = 1;
		} else {
			get = 1;
		}
		if (want == NULL || strcmp(routes[i].method, want) != 0) {
			continue;
		}
		n = strlen(routes[i].path);
		if (best == NULL || strcmp(routes[i].path, path) == 0 ||
		    (n > blen && strcmp(best->path, path) != 0)) {
			best = &routes[i];
			blen = n;
		}
	}
	snprintf(allow, nallow, "%s%s%s", get ? "GET, HEAD" : "",
		get && post ? ", " : "", post ? "POST" : "");
	return best;
}
