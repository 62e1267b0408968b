/*
 * cmd.h - the command layer: turns library results into output, error
 * lines and exit statuses.  The only place (with the HTTP layer) that
 * prints.
 *
 * A command reads as what it does: cmd_start parses its options and
 * operands from a table (as git's parse-options), cmd_dispatch runs a
 * subcommand from a table (as git's commands[]), cmd_open opens the
 * archive with the standard message, cmd_fail turns a library error into
 * its line and exit status, cmd_json_out prints machine output.
 *
 * Exit statuses: 0 success, 1 the command ran and found a problem, 2 bad
 * usage.
 */
#ifndef HD_CMD_H
#define HD_CMD_H

#include "../archive/hd.h"

#include <jansson.h>
#include <stdio.h>

/* One run of the program, handed to every command. */
struct cmd_ctx {
	const char *dir;            /* the data folder (-d / HONGDANG_DIR) */
	const char *name;           /* as messages name the command:
	                             * "search", "review approve" */
	char subname[64];           /* room for "COMMAND SUBCOMMAND" */
	struct hd_agent agent;      /* "cli:<user>" */
	struct hd_archive *a;       /* opened by cmd_open; main closes it */
};

struct cmd_group;

/* A command of the program (main.c's table): fn runs it, or, when fn is
 * NULL, cmd_dispatch runs one of group's subcommands. */
struct command {
	const char *name;
	int (*fn)(struct cmd_ctx *c, int argc, char **argv);
	const char *summary;        /* one line, for the command list */
	const struct cmd_group *group;
};

/* ------------------------------------------------ options and operands */

/* What an option does with its value. */
enum cmd_opt_type {
	CMD_OPT_FLAG,               /* no value: *(int *)to = min */
	CMD_OPT_STR,                /* *(const char **)to = the value */
	CMD_OPT_INT,                /* *(int *)to = the value, a whole
	                             * number from min to max */
	CMD_OPT_CODE,               /* *(const char **)to = code(value),
	                             * refused when that is NULL */
	CMD_OPT_FN,                 /* fn checks the value and stores it */
};

/* One option of a command, without its "--".  Tables end with CMD_END;
 * every command also takes --help (-h).  Build entries with the macros
 * below. */
struct cmd_opt {
	const char *name;
	enum cmd_opt_type type;
	void *to;                   /* where the value goes */
	long min, max;              /* CMD_OPT_INT's range; FLAG's value */
	const char *(*code)(const char *);      /* CMD_OPT_CODE */
	const char *what;           /* CMD_OPT_CODE: the values accepted */
	/* CMD_OPT_FN: 0, or the exit status after a usage message */
	int (*fn)(struct cmd_ctx *c, const struct cmd_opt *o,
		const char *arg);
};

#define CMD_FLAG(n, p) \
	{.name = (n), .type = CMD_OPT_FLAG, .to = (p), .min = 1}
#define CMD_SET(n, p, v) \
	{.name = (n), .type = CMD_OPT_FLAG, .to = (p), .min = (v)}
#define CMD_STR(n, p) {.name = (n), .type = CMD_OPT_STR, .to = (p)}
#define CMD_INT(n, p, lo, hi) \
	{.name = (n), .type = CMD_OPT_INT, .to = (p), .min = (lo), \
	 .max = (hi)}
#define CMD_CODE(n, p, f, w) \
	{.name = (n), .type = CMD_OPT_CODE, .to = (p), .code = (f), \
	 .what = (w)}
#define CMD_FN(n, p, f) \
	{.name = (n), .type = CMD_OPT_FN, .to = (p), .fn = (f)}
#define CMD_END {.name = NULL}
/* --category C: a 门类 code or name, stored as its code (search, ingest) */
#define CMD_CATEGORY(p) CMD_CODE("category", (p), hd_category_code, \
	"a 门类 code or name (WS, ZP, RS, SW, LY, LX ...)")

/* What a command or subcommand takes besides its options. */
struct cmd_spec {
	const char *help;           /* what --help prints: "usage: hongdang
	                             * ..." lines, a blank line, the rest */
	int min, max;               /* operands it takes (max -1: any) */
	const char *what;           /* the usage error when the count is
	                             * wrong; NULL: "unexpected argument" */
	int flags;                  /* CMD_IN_ORDER, CMD_READ, CMD_WRITE */
};
#define CMD_IN_ORDER 1          /* options end at the first operand, so an
                                 * operand may begin with '-' */
#define CMD_READ 2              /* open the archive read-only at the end */
#define CMD_WRITE 4             /* open the archive for writing */

/* Parse *argv (*argv[0] is the command's name) against opts and spec:
 * --help prints spec->help on stdout; each option stores its value; the
 * operands are counted; the archive is opened when spec asks.  Returns
 * -1 to go on, with *argc and *argv left at the operands, or the exit
 * status to return: 0 after the help, 2 after a usage message (an
 * option not in opts, a bad value, a wrong count), cmd_open's. */
int cmd_start(struct cmd_ctx *c, const struct cmd_spec *spec,
	const struct cmd_opt *opts, int *argc, char ***argv);
/* cmd_start for a command whose one option is --json, put in *json. */
int cmd_start_json(struct cmd_ctx *c, const struct cmd_spec *spec,
	int *json, int *argc, char ***argv);
/* The whole decimal number s (strtoll's form, nothing after it) when it
 * lies in min..max: 0 with *out set, else -1.  Prints nothing. */
int cmd_number(const char *s, long long min, long long max,
	long long *out);
/* The value s of option --opt as a number from min to max: 0 with *out
 * set, or 2 after the usage message "--OPT 'S': give a number from MIN
 * to MAX". */
int cmd_int(struct cmd_ctx *c, const char *opt, const char *s, long min,
	long max, int *out);
/* The number s of a thing as a positive whole number into *id: 0, or 2
 * after the usage message "'S' is not WHAT" (what: "an inventory
 * number" ...). */
int cmd_id(struct cmd_ctx *c, const char *what, const char *s,
	int64_t *id);
/* Parse "A-B", "A-", "-B" or "A" into years (0: open); 0 or -1. */
int cmd_years(const char *s, int *from, int *to);

/* ------------------------------------------------------- subcommands */

/* A subcommand: "review approve" is review's "approve". */
struct subcommand {
	const char *name;
	int (*fn)(struct cmd_ctx *c, int argc, char **argv);
	const struct cmd_spec *spec;    /* its help: its usage lines also
	                                 * make the command's */
};

/* A command made of subcommands, as git's: its table (ended by a NULL
 * name) and what its help says after their usage lines. */
struct cmd_group {
	const char *about;
	const struct subcommand *subs;
};

/* Run the subcommand argv[1] of the command c->name from subs (ended by
 * a NULL name), with argv + 1 and c->name "COMMAND SUBCOMMAND".  No
 * subcommand: the command's help (every subcommand's usage lines, then
 * about) on stderr, 2; --help or -h: the same on stdout, 0; an unknown
 * one (an option before any is one) is a usage error naming it, 2.
 * Returns the subcommand's exit status otherwise. */
int cmd_dispatch(struct cmd_ctx *c, const char *about,
	const struct subcommand *subs, int argc, char **argv);

/* ------------------------------------------------- errors and output */

/* Print "hongdang NAME: " and the message as one line on stderr;
 * returns status. */
int cmd_err(const struct cmd_ctx *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A usage error: one line on stderr pointing at --help; returns 2. */
int cmd_usage(const struct cmd_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Report the library error e on stderr; returns the exit status of its
 * code (hd_exit_status). */
int cmd_fail(const struct cmd_ctx *c, const struct hd_error *e);
/* As cmd_fail, but a usage error (cmd_usage: 2, pointing at --help)
 * when e's code is code or HD_EUSAGE: the library found the input the
 * user typed wrong. */
int cmd_fail_usage(const struct cmd_ctx *c, const struct hd_error *e,
	int code);
/* Open the archive of the data folder into c->a (main closes it).
 * Returns 0, or the exit status after the message: 2 when there is no
 * archive there. */
int cmd_open(struct cmd_ctx *c, int readonly);
/* Remove the staging folders that killed runs left beside dest
 * (hd_staging_sweep) and say so in one line on stderr when there were
 * any (backup, restore, export). */
void cmd_sweep(const struct cmd_ctx *c, const char *dest);
/* Print a jansson value to stdout (indented, UTF-8 unescaped), consume
 * it.  Returns 0, or 1 when stdout fails. */
int cmd_json_out(json_t *v);
/* Print the n items of the array v (each size bytes): with json as one
 * JSON array of to_json(item), else print(item) for each, or the line
 * empty when there are none.  Returns 0, or 1 when stdout fails. */
int cmd_list_out(int json, const void *v, size_t n, size_t size,
	json_t *(*to_json)(const void *item),
	void (*print)(const void *item), const char *empty);
/* Install the test clock when HONGDANG_TEST_CLOCK names a file (clock.c). */
void cmd_clock_init(void);

/* ------------------------------------------------------ the commands */

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
int cmd_harvest(struct cmd_ctx *c, int argc, char **argv);
int cmd_backup(struct cmd_ctx *c, int argc, char **argv);
int cmd_restore(struct cmd_ctx *c, int argc, char **argv);
int cmd_user(struct cmd_ctx *c, int argc, char **argv);
int cmd_audit(struct cmd_ctx *c, int argc, char **argv);
/* the commands made of subcommands */
extern const struct cmd_group cmd_bag, cmd_consult, cmd_inventory,
	cmd_location, cmd_review, cmd_storage, cmd_transfer, cmd_visit;

/* ---------------------------------------- templates and print (print.c) */

/* Where the templates are installed; the Makefile sets it from PREFIX. */
#ifndef HD_TEMPLATES_DIR
#define HD_TEMPLATES_DIR "/usr/local/share/hongdang/templates"
#endif
/* The built-in templates folder: given when not NULL, else ./templates
 * when it is a folder, else HD_TEMPLATES_DIR (serve, and the print
 * templates in its print/).  *tried (if not NULL) is set to the folder
 * looked at.  Returns its real path (caller frees), or NULL when it is
 * no folder. */
char *cmd_templates_dir(const char *given, const char **tried);
/* Render the print template name ("slip.html", "report.html") with data
 * into out: DIR/templates/print/NAME of the data folder, else print/NAME
 * of the built-in folder, else the copy compiled into the program.
 * Returns 0 or the template engine's error with *e set. */
int cmd_print(const struct cmd_ctx *c, const char *name, json_t *data,
	struct hd_buf *out, struct hd_error *e);
/* struct hd_export's slip: the transfer slip rendered by cmd_print
 * ("slip.html"); ud is the struct cmd_ctx. */
int cmd_print_slip(const struct json_t *data, struct hd_buf *html,
	void *ud, struct hd_error *e);

/* ------------------------------------- shared by two commands each */

/* The transfer t as a JSON object, its records included (transfer.c;
 * export and transfer). */
json_t *cmd_transfer_json(const struct hd_transfer *t);

struct batch;
struct hd_note;
struct ingest_result;
/* The outcome of an ingest run into the object o, which is returned:
 * batch, dry_run (unless dry is -1), added, duplicates, records, then
 * rejected ({path, REJECT_KEY}) and warnings ({path, message}) (ingest.c;
 * ingest and import). */
json_t *cmd_batch_json(json_t *o, const struct batch *b,
	const struct ingest_result *res, int dry, const char *reject_key);
/* Open the archive for writing (cmd_open) and check that the fonds
 * given with --fonds (NULL: none) is in it: 0, or the exit status
 * after the message (ingest.c; ingest and import). */
int cmd_open_fonds(struct cmd_ctx *c, const char *fonds);
/* The records an ingest run stored, "CODE  TITLE" a line, then its
 * warnings (cmd_notes_print) on stdout (ingest.c). */
void cmd_batch_print(const struct batch *b, const struct ingest_result *res);
/* struct ingest_opts' progress hook for a terminal: a line on stderr
 * for reading the files and for OCR, rewritten in place (ingest.c;
 * ingest and import). */
struct ingest_progress;
void cmd_ingest_progress(const struct ingest_progress *p, void *ud);
/* The notes v, "LABEL  PATH：MESSAGE" a line (no "PATH：" when the path
 * is empty) on stdout (ingest.c). */
void cmd_notes_print(const char *label, const struct hd_note *v,
	size_t n);

#endif
