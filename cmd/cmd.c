/*
 * cmd.c - what every command shares (cmd.h): its options and operands
 * parsed from a table, subcommands run from a table, the archive opened
 * with the standard message, errors turned into one line and an exit
 * status, JSON printed.
 *
 * Every usage error is one line "hongdang NAME: what (see 'hongdang NAME
 * --help')" and exit status 2, so scripts and the tests can tell bad
 * usage (2) from a problem found (1).
 */
#include "cmd.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define OPTS_MAX 24             /* options of one command */
#define OPT_BASE 256            /* getopt_long's value of opts[0] */

/* Print "hongdang NAME: ", the message and a newline on stderr. */
static void say(const struct cmd_ctx *c, const char *fmt, va_list ap,
	const char *tail) __attribute__((format(printf, 2, 0)));
/* One line on stderr: "hongdang COMMAND: " and the message fmt formats, then
 * tail. */
static void say(const struct cmd_ctx *c, const char *fmt, va_list ap,
	const char *tail)
{
	fprintf(stderr, "hongdang %s: ", c->name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "%s\n", tail);
}

/* "hongdang NAME: MESSAGE" on stderr; returns status (cmd.h). */
int cmd_err(const struct cmd_ctx *c, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(c, fmt, ap, "");
	va_end(ap);
	return status;
}

/* "hongdang NAME: MESSAGE (see 'hongdang NAME --help')" on stderr;
 * returns 2 (cmd.h). */
int cmd_usage(const struct cmd_ctx *c, const char *fmt, ...)
{
	char tail[96];
	va_list ap;

	snprintf(tail, sizeof tail, " (see 'hongdang %s --help')", c->name);
	va_start(ap, fmt);
	say(c, fmt, ap, tail);
	va_end(ap);
	return 2;
}

/* e's message ("failed" when it has none) as cmd_err's line; returns
 * hd_exit_status of its code, HD_EIO when it has none (cmd.h). */
int cmd_fail(const struct cmd_ctx *c, const struct hd_error *e)
{
	return cmd_err(c, hd_exit_status(e->code ? e->code : HD_EIO), "%s",
		e->msg[0] ? e->msg : "failed");
}

/* e as a usage error when its code is code or HD_EUSAGE, else as
 * cmd_fail (cmd.h). */
int cmd_fail_usage(const struct cmd_ctx *c, const struct hd_error *e,
	int code)
{
	if (e->code == code || e->code == HD_EUSAGE) {
		return cmd_usage(c, "%s", e->msg);
	}
	return cmd_fail(c, e);
}

/* hd_archive_open of c->dir into c->a; on failure c->a is NULL and the
 * message out, exit 2 for no archive there, else cmd_fail's (cmd.h).  A
 * note on how it was opened (a full disk) goes to stderr. */
int cmd_open(struct cmd_ctx *c, int readonly)
{
	struct hd_error e;

	hd_err_clear(&e);
	if (hd_archive_open(c->dir, readonly, &c->a, &e) != 0) {
		c->a = NULL;
		return e.code == HD_ENOTFOUND ? cmd_err(c, 2, "%s", e.msg) :
			cmd_fail(c, &e);
	}
	if (hd_archive_note(c->a) != NULL) {
		fprintf(stderr, "hongdang %s: %s\n", c->name,
			hd_archive_note(c->a));
	}
	return 0;
}

/* hd_staging_sweep of dest, and a line naming at most three of the
 * folders removed (cmd.h). */
void cmd_sweep(const struct cmd_ctx *c, const char *dest)
{
	struct hd_sweep sw;
	struct hd_error e;
	char *size;
	size_t i;

	hd_err_clear(&e);
	if (hd_staging_sweep(dest, &sw, &e) != 0 || sw.n == 0) {
		/* unreadable: the run itself will name the folder */
		hd_sweep_release(&sw);
		return;
	}
	size = hd_size_text(sw.bytes);
	fprintf(stderr, "hongdang %s: removed %zu staging folder%s that "
		"interrupted runs left (%s):", c->name, sw.n,
		sw.n == 1 ? "" : "s", size);
	for (i = 0; i < sw.n && i < 3; i++) {
		fprintf(stderr, "%s %s", i ? "," : "", sw.paths[i]);
	}
	if (sw.n > 3) {
		fprintf(stderr, " and %zu more", sw.n - 3);
	}
	fputc('\n', stderr);
	free(size);
	hd_sweep_release(&sw);
}

/* json_dumpf of v, indented, keys in the order set, then a newline;
 * v is released.  0, or 1 when stdout fails (cmd.h). */
int cmd_json_out(json_t *v)
{
	int rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(v);
	if (rc != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
		return 1;
	}
	return 0;
}

/* The n items of v (size bytes each) as one JSON array of to_json, or
 * print each, or the line empty for none; 0, or 1 when stdout fails
 * (cmd.h). */
int cmd_list_out(int json, const void *v, size_t n, size_t size,
	json_t *(*to_json)(const void *item),
	void (*print)(const void *item), const char *empty)
{
	const char *p = v;
	json_t *arr;
	size_t i;

	if (json) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			json_array_append_new(arr, to_json(p + i * size));
		}
		return cmd_json_out(arr);
	}
	for (i = 0; i < n; i++) {
		print(p + i * size);
	}
	if (n == 0) {
		printf("%s\n", empty);
	}
	return 0;
}

/* strtoll of the whole of s, in min..max: 0 with *out set, else -1
 * (cmd.h). */
int cmd_number(const char *s, long long min, long long max,
	long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		return -1;
	}
	*out = v;
	return 0;
}

/* The value s of --opt, a number in min..max, into *out: 0, or 2 after
 * "--OPT 'S': give a number from MIN to MAX" (cmd.h). */
int cmd_int(struct cmd_ctx *c, const char *opt, const char *s, long min,
	long max, int *out)
{
	long long v;

	if (cmd_number(s, min, max, &v) != 0) {
		return cmd_usage(c, "--%s '%s': give a number from %ld to %ld",
			opt, s, min, max);
	}
	*out = (int)v;
	return 0;
}

/* The positive number s into *id: 0, or 2 after "'S' is not WHAT"
 * (cmd.h). */
int cmd_id(struct cmd_ctx *c, const char *what, const char *s,
	int64_t *id)
{
	long long v;

	if (cmd_number(s, 1, INT64_MAX, &v) != 0) {
		return cmd_usage(c, "'%s' is not %s", s, what);
	}
	*id = (int64_t)v;
	return 0;
}

/* "A-B", "A-", "-B" or "A" (years 0-9999, A not after B) into *from and
 * *to, 0 for an open end: 0, or -1 for anything else (cmd.h). */
int cmd_years(const char *s, int *from, int *to)
{
	char *end;
	long a = 0, b = 0;
	const char *dash = strchr(s, '-');

	if (dash == NULL) {
		a = strtol(s, &end, 10);
		if (*end != '\0' || end == s) {
			return -1;
		}
		b = a;
	} else {
		if (dash != s) {
			a = strtol(s, &end, 10);
			if (end != dash) {
				return -1;
			}
		}
		if (dash[1] != '\0') {
			b = strtol(dash + 1, &end, 10);
			if (*end != '\0') {
				return -1;
			}
		}
	}
	if (a < 0 || b < 0 || a > 9999 || b > 9999 || (b && a > b)) {
		return -1;
	}
	*from = (int)a;
	*to = (int)b;
	return 0;
}

/* Store the value arg of option o (cmd_opt's types).  Returns 0, or the
 * exit status after a usage message for a value o refuses. */
static int store(struct cmd_ctx *c, const struct cmd_opt *o,
	const char *arg)
{
	const char *code;

	switch (o->type) {
	case CMD_OPT_FLAG:
		*(int *)o->to = (int)o->min;
		return 0;
	case CMD_OPT_STR:
		*(const char **)o->to = arg;
		return 0;
	case CMD_OPT_INT:
		return cmd_int(c, o->name, arg, o->min, o->max, o->to);
	case CMD_OPT_CODE:
		code = o->code(arg);
		if (code == NULL) {
			return cmd_usage(c, "--%s '%s': use %s", o->name, arg,
				o->what);
		}
		*(const char **)o->to = code;
		return 0;
	case CMD_OPT_FN:
		return o->fn(c, o, arg);
	}
	return 0;
}

/* Check the count n of the operands v against spec.  Returns -1 when it
 * is right, else 2 after the usage message: spec->what, or with none
 * the first operand too many. */
static int count_operands(struct cmd_ctx *c, const struct cmd_spec *spec,
	int n, char **v)
{
	if (n >= spec->min && (spec->max < 0 || n <= spec->max)) {
		return -1;
	}
	if (spec->what == NULL && spec->max >= 0 && n > spec->max) {
		return cmd_usage(c, "unexpected argument '%s'", v[spec->max]);
	}
	return cmd_usage(c, "%s", spec->what ? spec->what :
		"an argument is missing");
}

/* getopt_long over *argv with a struct option built from opts (each
 * value OPT_BASE + its index) and --help; store() each value; then the
 * operands counted and the archive opened as spec says.  -1 to go on
 * with *argc and *argv at the operands, or the exit status (cmd.h). */
int cmd_start(struct cmd_ctx *c, const struct cmd_spec *spec,
	const struct cmd_opt *opts, int *argc, char ***argv)
{
	struct option lo[OPTS_MAX + 2];
	const char *optstring = spec->flags & CMD_IN_ORDER ? "+:h" : ":h";
	char **av = *argv;
	int ac = *argc, n, ch, st;

	for (n = 0; opts != NULL && opts[n].name != NULL; n++) {
		assert(n < OPTS_MAX);
		lo[n].name = opts[n].name;
		lo[n].has_arg = opts[n].type == CMD_OPT_FLAG ? no_argument :
			required_argument;
		lo[n].flag = NULL;
		lo[n].val = OPT_BASE + n;
	}
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n + 1] = (struct option){NULL, 0, NULL, 0};
	optind = 0;
	opterr = 0;
	for (;;) {
		ch = getopt_long(ac, av, optstring, lo, NULL);
		if (ch == -1) {
			break;
		}
		if (ch == 'h') {
			fputs(spec->help, stdout);
			return 0;
		}
		if (ch == ':') {
			return cmd_usage(c, "option '%s' needs a value",
				av[optind - 1]);
		}
		if (ch < OPT_BASE) {
			return cmd_usage(c, "unknown option '%s'",
				av[optind - 1]);
		}
		st = store(c, &opts[ch - OPT_BASE], optarg);
		if (st != 0) {
			return st;
		}
	}
	*argc = ac - optind;
	*argv = av + optind;
	st = count_operands(c, spec, *argc, *argv);
	if (st >= 0) {
		return st;
	}
	if (spec->flags & (CMD_READ | CMD_WRITE)) {
		st = cmd_open(c, !(spec->flags & CMD_WRITE));
		return st != 0 ? st : -1;
	}
	return -1;
}

/* cmd_start with the one option --json into *json (cmd.h). */
int cmd_start_json(struct cmd_ctx *c, const struct cmd_spec *spec,
	int *json, int *argc, char ***argv)
{
	const struct cmd_opt opts[] = {
		CMD_FLAG("json", json),
		CMD_END,
	};

	*json = 0;
	return cmd_start(c, spec, opts, argc, argv);
}

/* Print the help of a command with subcommands on f: the usage lines of
 * every subcommand (the first paragraph of its help), then about. */
static void group_help(const struct cmd_ctx *c, const char *about,
	const struct subcommand *subs, FILE *f)
{
	const char *u, *end;
	size_t i;

	for (i = 0; subs[i].name != NULL; i++) {
		u = subs[i].spec->help + strlen("usage: ");
		end = strstr(u, "\n\n");
		fprintf(f, "%s%.*s", i ? "       " : "usage: ",
			(int)(end ? end + 1 - u : (long)strlen(u)), u);
	}
	fprintf(f, "\n%s\n'hongdang %s SUBCOMMAND --help' gives one "
		"subcommand's options.\n", about, c->name);
}

/* Find argv[1] in subs and run it as "COMMAND SUBCOMMAND" with argv + 1;
 * the command's help (group_help) when there is none or it is --help;
 * a usage error naming it when it is unknown or an option (cmd.h). */
int cmd_dispatch(struct cmd_ctx *c, const char *about,
	const struct subcommand *subs, int argc, char **argv)
{
	struct hd_buf names;
	size_t i;
	int st;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		group_help(c, about, subs, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; subs[i].name != NULL; i++) {
		if (strcmp(subs[i].name, argv[1]) == 0) {
			snprintf(c->subname, sizeof c->subname, "%s %s",
				c->name, subs[i].name);
			c->name = c->subname;
			return subs[i].fn(c, argc - 1, argv + 1);
		}
	}
	hd_buf_init(&names);
	for (i = 0; subs[i].name != NULL; i++) {
		hd_buf_printf(&names, "%s%s", i ? ", " : "", subs[i].name);
	}
	if (argv[1][0] == '-') {
		st = cmd_usage(c, "'%s' comes after the subcommand (%s)",
			argv[1], names.p);
	} else {
		st = cmd_usage(c, "'%s' is not a %s command (%s)", argv[1],
			c->name, names.p);
	}
	hd_buf_release(&names);
	return st;
}
