/*
 * routes.c - the one table of the exhibit server's routes.  A path
 * ending in '/' matches as a prefix.  Static files (/static/...) are
 * served by the server core before this table is consulted.
 */
#include "pages.h"

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
	{"GET", "/api/records/", page_api_record},
	{"GET", "/api/corridor", page_api_corridor},
	{"GET", "/api/reading", page_api_reading},
	{"GET", "/api/stats", page_api_stats},
	{NULL, NULL, NULL},
};

/* Paths whose pages may write even for GET (sessions are touched on every
 * admin request): they get the worker's read-write archive handle. */
const char *const rw_prefixes[] = {"/admin", NULL};
