/*
 * print.c - the command line's printable documents: the transfer slip
 * (转递单) that export writes into a bag and the quality-check sheet
 * (数字化质量检查单) of ingest --report-html.  The library and the
 * pipeline say what a document holds (a JSON value); it becomes HTML
 * here, through the template engine, as every page of Hongdang does, so
 * every value is escaped for where it stands.
 *
 * A print template NAME is looked up as the server looks up its pages:
 * the data folder's DIR/templates/print/NAME first (a community may
 * restyle its documents), then print/NAME of the built-in templates
 * folder (cmd_templates_dir: ./templates, else the installed one).  When
 * neither holds it, the copy compiled into the program from
 * templates/print/ (the Makefile makes it, as it does the schema) is
 * used, so a document can be printed from any folder.
 */
#include "cmd.h"
#include "../exhibit/site.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The print templates as built (build/gen/print_*.c). */
extern const char hd_print_slip_html[];
extern const char hd_print_report_html[];

static const struct {
	const char *name;
	const char *text;
} compiled[] = {
	{"slip.html", hd_print_slip_html},
	{"report.html", hd_print_report_html},
};

/* 1 when path is a folder (or a link to one). */
static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* cmd_templates_dir: see cmd.h.  Returns a new path (caller frees) or
 * NULL; *tried (if not NULL) names the folder looked at. */
char *cmd_templates_dir(const char *given, const char **tried)
{
	const char *dir = given;
	char *real;

	if (dir == NULL) {
		dir = is_dir("templates") ? "templates" : HD_TEMPLATES_DIR;
	}
	if (tried != NULL) {
		*tried = dir;
	}
	real = realpath(dir, NULL);
	if (real != NULL && !is_dir(real)) {
		free(real);
		real = NULL;
	}
	return real;
}

/* cmd_print: see cmd.h.  Opens a template set over the folders that
 * hold print templates only when one of them has name; else renders the
 * compiled copy.  Returns 0 or the engine's error (HD_ENOTFOUND for a
 * name that is no print template). */
int cmd_print(const struct cmd_ctx *c, const char *name, json_t *data,
	struct hd_buf *out, struct hd_error *e)
{
	struct tmpl_set *ts = NULL;
	const char *dirs[2];
	struct stat st;
	char *cand[2], *builtin, *path;
	size_t n = 0, i;
	int found = 0, rc;

	cand[0] = hd_xasprintf("%s/templates/print", c->dir ? c->dir : ".");
	builtin = cmd_templates_dir(NULL, NULL);
	cand[1] = builtin ? hd_xasprintf("%s/print", builtin) : NULL;
	free(builtin);
	for (i = 0; i < 2; i++) {
		if (cand[i] != NULL && is_dir(cand[i])) {
			dirs[n++] = cand[i];
		}
	}
	for (i = 0; i < n && !found; i++) {
		path = hd_xasprintf("%s/%s", dirs[i], name);
		found = stat(path, &st) == 0 && S_ISREG(st.st_mode);
		free(path);
	}
	if (found) {
		rc = tmpl_open(&ts, dirs, n, e);
		if (rc == 0) {
			rc = tmpl_render(ts, name, data, out, e);
		}
		tmpl_close(ts);
	} else {
		rc = hd_err(e, HD_ENOTFOUND, "print template %s not found",
			name);
		for (i = 0; i < sizeof compiled / sizeof compiled[0]; i++) {
			if (strcmp(compiled[i].name, name) == 0) {
				rc = tmpl_render_text(name, compiled[i].text,
					strlen(compiled[i].text), data, out, e);
			}
		}
	}
	free(cand[0]);
	free(cand[1]);
	return rc;
}

/* cmd_print_slip: see cmd.h.  ud is the command's struct cmd_ctx.
 * Returns cmd_print's code. */
int cmd_print_slip(const struct json_t *data, struct hd_buf *html, void *ud,
	struct hd_error *e)
{
	/* the engine only reads its context */
	return cmd_print(ud, "slip.html", (json_t *)data, html, e);
}
