/*
 * site.h - the exhibit server's shared state and the interfaces between
 * its parts: the server core (server.c), the template engine
 * (template.c), images and QR codes (qr.c, archive/derive.c) and the
 * pages (page_*.c, routes.c).
 */
#ifndef HD_SITE_H
#define HD_SITE_H

#include "http.h"

#include <pthread.h>

/* ------------------------------------------------------------ templates */

/* A set of templates loaded from folders searched in order (the data
 * folder's own templates/ first, then the built-in ones), so a community
 * restyles its screens without recompiling.  Thread-safe. */
struct tmpl_set;
struct desk;

/* Load every *.html under the folders (and their partials/ and print/:
 * "print/report.html").  *out receives the set (free with
 * tmpl_close).  A template that does not compile (bad syntax, a
 * placeholder in an unsafe context) fails the load with a message naming
 * file and line. */
int tmpl_open(struct tmpl_set **out, const char *const *dirs, size_t ndirs,
	struct hd_error *e);
void tmpl_close(struct tmpl_set *ts);
/* Re-read templates whose files changed (cheap: one stat a file, at most
 * once a second); force: reload all now (SIGHUP).  On a compile error the
 * old version stays in use and the error is returned. */
int tmpl_refresh(struct tmpl_set *ts, int force, struct hd_error *e);
/* Render template name ("record.html") with ctx (a jansson object) into
 * out.  {{x}} is escaped for where it stands (text, attribute, URL
 * attribute); only values made by tmpl_html() go out raw. */
int tmpl_render(struct tmpl_set *ts, const char *name, json_t *ctx,
	struct hd_buf *out, struct hd_error *e);
/* Render the template text src (n bytes, at most 256 KiB; name names it
 * in messages) with ctx into out, as tmpl_render does a file of a set:
 * compiled for this one render, with no partials.  For a template built
 * into the program (the command line's print templates). */
int tmpl_render_text(const char *name, const char *src, size_t n,
	json_t *ctx, struct hd_buf *out, struct hd_error *e);
/* A value the C code vouches for as HTML (a highlighted snippet, an SVG
 * QR code). */
json_t *tmpl_html(const char *html);

/* ---------------------------------------------------------------- site */

struct site {
	const char *dir;            /* data folder */
	const char *builtin;        /* built-in templates folder */
	char *override;             /* DIR/templates, or NULL if absent */
	struct tmpl_set *tmpl;
	int kiosk;                  /* --kiosk: every page in kiosk mode */
	int idle_seconds;           /* kiosk: "still there?" after this */
	int attract_seconds;        /* kiosk: attract loop after this */
	const char *public_url;     /* base for QR codes, e.g.
	                               "http://192.168.1.10:8080"; NULL: from
	                               the Host header */
	char *name;                 /* the community's name (the fonds name) */
	struct desk *desk;          /* the web desk's uploads and ingests
	                               (desk.h), set while the server runs */
	struct demo_pool *demos;    /* the demonstrations' sandboxes
	                               (exhibit/demo.h), NULL: none */
};

/* Static files: the path under /static/ resolved inside the override or
 * built-in static folders (never outside them: "..", encoded variants,
 * symlinks out are refused).  Returns a new path (caller frees) or NULL. */
char *site_static_path(const struct site *s, const char *rel);

/* Render page template name inside layout.html (the shared frame) with
 * ctx, into resp as text/html.  Adds the common values every page gets
 * (site name, kiosk flag, idle times, asset URLs).  On a template error
 * the response is a 500 page. Consumes ctx. */
void site_page(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *name, json_t *ctx);
/* The error page (404 "找不到这一页" with a way home, 400, 413, 500...);
 * for a request under /api (site_is_api) the error as JSON instead:
 * {"error": title, "message": text, "status": status}. */
void site_error(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status);
/* The same page (or JSON) with a title and text of the caller's. */
void site_error_text(struct site *s, const struct http_req *req,
	struct http_resp *resp, int status, const char *title,
	const char *text);
/* 1 when the request's URL is /api or under /api/: a program's. */
int site_is_api(const struct http_req *req);
/* A 429's Retry-After: the seconds until the limit frees (at least 1;
 * 0 or less, unknown: none is added). */
void site_retry_after(struct http_resp *resp, int64_t secs);

/* The answer to a search as "hongdang search --json" and the staff
 * catalogue's /admin/api/search give it: {query, total, hits: [{ref,
 * title, date (null when none), category, access, status, snippet}]},
 * each snippet HTML with its marks in <mark></mark> (the exhibit's
 * rendering).  query NULL is "" (a list).  A new object. */
json_t *site_search_json(const char *query, const struct hd_results *res);

/* Initialise l as a read-write lock on which a waiting writer goes
 * before readers that come after it (site.c): a refresh of the
 * templates or a cache must not starve under a stream of readers. */
void site_rwlock_init(pthread_rwlock_t *l);

/* ---------------------------------------------------------- QR codes */

/* An inline SVG QR code (libqrencode) of text, with a title for screen
 * readers.  Caller frees.  NULL when text cannot be encoded. */
char *qr_svg(const char *text, const char *title);

#endif
