/*
 * routes.c - the one table of the exhibit server's routes.  A path
 * ending in '/' matches as a prefix.  Static files (/static/...) are
 * served by the server core before this table is consulted.
 */
#include "pages.h"
#include "admin.h"

const struct route routes[] = {
	{"GET", "/", page_home},
	{"GET", "/corridor", page_corridor},
	{"GET", "/reading", page_reading},
	{"GET", "/demo", page_demo},
	{"GET", "/demo/", page_demo},
	{"GET", "/search", page_search},
	{"GET", "/record/", page_record},
	{"GET", "/study", page_study},
	{"GET", "/visit", page_visit},
	{"POST", "/visit", page_visit_book},
	{"GET", "/img/", page_image},
	{"GET", "/api/search", page_api_search},
	{"GET", "/api/suggest", page_api_suggest},
	{"GET", "/api/records/", page_api_record},
	{"GET", "/api/corridor", page_api_corridor},
	{"GET", "/api/reading", page_api_reading},
	{"GET", "/api/stats", page_api_stats},
	/* admin pages: every one checks session, role and (POST) form
	 * token itself */
	{"GET", "/admin/login", page_admin_login},
	{"POST", "/admin/login", page_admin_login_post},
	{"POST", "/admin/logout", page_admin_logout},
	{"GET", "/admin", page_admin_root},
	{"GET", "/admin/", page_admin_home},
	{"GET", "/admin/review", page_admin_review},
	{"GET", "/admin/record/", page_admin_record},
	{"POST", "/admin/record/", page_admin_record_post},
	{"GET", "/admin/img/", page_admin_image},
	{"GET", "/admin/consult", page_admin_consult},
	{"POST", "/admin/consult", page_admin_consult_post},
	{"GET", "/admin/consult/", page_admin_consult_use},
	{"GET", "/admin/audit", page_admin_audit},
	{"GET", "/admin/users", page_admin_users},
	{"POST", "/admin/users", page_admin_users_post},
	/* harvesting (GET and POST, as OAI-PMH allows) */
	{"GET", "/oai", page_oai},
	{"POST", "/oai", page_oai},
	/* the storage room (page_storage.c) */
	{"GET", "/admin/storage", page_admin_storage},
	{"POST", "/admin/storage", page_admin_storage_post},
	{NULL, NULL, NULL},
};

/* A GET under these gets the writable archive handle: an admin page
 * updates its session's last-seen time (idle expiry). */
const char *const rw_prefixes[] = {"/admin", NULL};

/* Public pages that are the same for every visitor (see http.h).  Not
 * /visit (its form carries the visitor's token), not /img/ (files,
 * revalidated by ETag), nothing under /admin, not /oai. */
const char *const cache_paths[] = {"/", "/corridor", "/reading", "/demo",
	"/demo/", "/search", "/record/", "/study", "/api/search",
	"/api/suggest", "/api/records/", "/api/corridor", "/api/reading",
	"/api/stats", NULL};
