/*
 * cmd.h - the command layer: turns library results into output, error
 * lines and exit statuses.  The only place (with the HTTP layer) that
 * prints.
 */
#ifndef HD_CMD_H
#define HD_CMD_H

#include "../archive/hd.h"

#include <jansson.h>

struct cmd_ctx {
	const char *dir;            /* the data folder (-d / HONGDANG_DIR) */
	const char *prog;           /* "hongdang" */
	struct hd_agent agent;      /* "cli:<user>" */
};

struct command {
	const char *name;
	int (*fn)(struct cmd_ctx *c, int argc, char **argv);
	const char *summary;        /* one line, for the command list */
};

/* Report e on stderr as one line "hongdang CMD: msg"; returns the exit
 * status for its code. */
int cmd_fail(const char *cmd, const struct hd_error *e);
/* A usage error: one line on stderr, returns 2. */
int cmd_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print a jansson value to stdout (indented, UTF-8 unescaped), consume
 * it.  Returns 0, or 1 when stdout fails. */
int cmd_json_out(json_t *v);
/* A string or JSON null. */
json_t *cmd_jstr(const char *s);
/* The options of a command that has only --json and --help: sets *json,
 * leaves optind at the first argument after them.  Returns -1 to go on,
 * or the exit status to return (0 after printing help, 2 for an unknown
 * option, named). */
int cmd_opts_json(const char *cmd, const char *help, int argc, char **argv,
	int *json);
/* Open the archive of the context, reporting failure; NULL then. */
struct hd_archive *cmd_open(struct cmd_ctx *c, const char *cmd,
	int readonly, int *status);
/* Parse "A-B", "A-", "-B" or "A" into years; 0 or -1. */
int cmd_years(const char *s, int *from, int *to);

int cmd_init(struct cmd_ctx *c, int argc, char **argv);
int cmd_ingest(struct cmd_ctx *c, int argc, char **argv);
int cmd_search(struct cmd_ctx *c, int argc, char **argv);
int cmd_show(struct cmd_ctx *c, int argc, char **argv);
int cmd_verify(struct cmd_ctx *c, int argc, char **argv);
int cmd_optimize(struct cmd_ctx *c, int argc, char **argv);
int cmd_config(struct cmd_ctx *c, int argc, char **argv);
int cmd_serve(struct cmd_ctx *c, int argc, char **argv);
int cmd_export(struct cmd_ctx *c, int argc, char **argv);
int cmd_import(struct cmd_ctx *c, int argc, char **argv);
int cmd_transfer(struct cmd_ctx *c, int argc, char **argv);
int cmd_bag(struct cmd_ctx *c, int argc, char **argv);
int cmd_location(struct cmd_ctx *c, int argc, char **argv);
int cmd_storage(struct cmd_ctx *c, int argc, char **argv);
int cmd_inventory(struct cmd_ctx *c, int argc, char **argv);
int cmd_backup(struct cmd_ctx *c, int argc, char **argv);
int cmd_restore(struct cmd_ctx *c, int argc, char **argv);
int cmd_user(struct cmd_ctx *c, int argc, char **argv);
int cmd_review(struct cmd_ctx *c, int argc, char **argv);
int cmd_consult(struct cmd_ctx *c, int argc, char **argv);
int cmd_audit(struct cmd_ctx *c, int argc, char **argv);

#endif
