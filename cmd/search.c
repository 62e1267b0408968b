/*
 * search.c - "hongdang search": full-text search from the command line.
 *
 * The command line sees every record (the archivist is at the machine);
 * "search --public" shows exactly what a visitor may see.
 */
#include "cmd.h"
#include "../exhibit/site.h"

#include <string.h>
#include <unistd.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] search [--json] [--limit N] [--offset N]\n"
	"       [--public] [--year A-B] [--category C] [--class C] QUERY\n\n"
	"Full-text search.  One Chinese character and up matches (番禺, 党员,\n"
	"档); \"a phrase\", AND, OR, NOT and prefix* work; anything FTS5 would\n"
	"refuse is searched as plain words.\n\n"
	"  --json        {query, total, hits: [{ref, title, date, category,\n"
	"                access, status, source, snippet}]}; snippet is HTML\n"
	"                with <mark>…</mark>; source is the room a harvested\n"
	"                record came from (hongdang harvest), else null\n"
	"  --limit N     hits to show, 1-1000 (default 20)\n"
	"  --offset N    skip the first N hits\n"
	"  --public      only what a visitor may see (approved public records)\n"
	"  --year A-B    records dated within A..B (also A-, -B, A)\n"
	"  --category C  门类 code or name (WS 文书, ZP 照片, RS 人事 ...)\n"
	"  --class C     机构问题 code (DJ 党建, SQ 社区史, GZ 改造 ...)\n",
	.min = 1, .max = -1, .what = "no query given",
	.flags = CMD_IN_ORDER,
};

/* --year A-B: the range into the query o->to (cmd_years).  Returns 0,
 * or 2 after the usage message. */
static int opt_year(struct cmd_ctx *c, const struct cmd_opt *o,
	const char *arg)
{
	struct hd_query *q = o->to;

	if (cmd_years(arg, &q->year_from, &q->year_to) != 0) {
		return cmd_usage(c, "--year '%s': give a range such as "
			"1980-1999", arg);
	}
	return 0;
}

/* Text s[0..n) of a snippet for the terminal, appended to b: on one
 * line, each newline a space. */
static void put_line(struct hd_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			hd_buf_add(b, s + run, i - run);
			hd_buf_add(b, " ", 1);
			run = i + 1;
		}
	}
	hd_buf_add(b, s + run, n - run);
}

/* The command's rendering of a snippet s on the terminal, appended to b
 * (grown; nothing else allocated): the text on one line, its marks in
 * bold red when stdout is a terminal (tty 1), "…" where it was cut.
 * --json renders snippets as the exhibit does (site_search_json). */
static void put_snippet(struct hd_buf *b, const struct hd_snippet *s,
	int tty)
{
	static const struct hd_snippet_style styles[] = {
		{ put_line, "", "" },
		{ put_line, "\033[1;31m", "\033[0m" },
	};

	hd_snippet_render(b, s, &styles[tty ? 1 : 0]);
}

/* Search for the operands joined by spaces, as the archivist (every
 * record, every match counted) or with --public as a visitor; print the
 * hits with their snippets (--json: as an object).  Exit 0 (also for no
 * hits), 2 for bad usage or a query that is empty. */
int cmd_search(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_query q;
	struct hd_results res;
	struct hd_error e;
	struct hd_buf qb, sb;
	int json = 0, pub = 0, tty = isatty(1), status, i;
	const struct cmd_opt opts[] = {
		CMD_FLAG("json", &json),
		CMD_INT("limit", &q.limit, 1, 1000),
		CMD_INT("offset", &q.offset, 0, 1000000),
		CMD_FLAG("public", &pub),
		CMD_FN("year", &q, opt_year),
		CMD_CATEGORY(&q.category),
		CMD_STR("class", &q.cls),
		CMD_END,
	};
	size_t k;

	memset(&q, 0, sizeof q);
	q.limit = 20;
	status = cmd_start(c, &spec, opts, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	hd_buf_init(&qb);
	hd_buf_init(&sb);       /* each hit's snippet in turn */
	for (i = 0; i < argc; i++) {
		hd_buf_printf(&qb, "%s%s", i > 0 ? " " : "", argv[i]);
	}
	q.q = qb.p;
	status = cmd_open(c, 1);
	if (status != 0) {
		goto out;
	}
	/* the archivist at the command line counts every match */
	q.exact = 1;
	hd_err_clear(&e);
	if (hd_search(c->a, pub ? HD_PUBLIC : HD_ARCHIVIST, &q, &res,
	    &e) != 0) {
		status = cmd_fail_usage(c, &e, HD_EINVAL);
		goto out;
	}
	if (json) {
		/* the same answer as the staff catalogue's API */
		status = cmd_json_out(site_search_json(q.q, &res));
	} else {
		printf("“%s”：共 %lld 条\n", q.q, (long long)res.total);
		for (k = 0; k < res.nhits; k++) {
			struct hd_hit *h = &res.hits[k];

			printf("\n%s  %s  %s%s%s\n    ", h->ref, h->title,
				h->date ? h->date : "", strcmp(h->status,
				"approved") ? "  [" : "", strcmp(h->status,
				"approved") ? hd_status_name(h->status) : "");
			if (strcmp(h->status, "approved") != 0) {
				fputs("]", stdout);
			}
			sb.len = 0;
			put_snippet(&sb, &h->snippet, tty);
			fwrite(sb.p, 1, sb.len, stdout);
			putchar('\n');
		}
	}
	hd_results_release(&res);
out:
	hd_buf_release(&qb);
	hd_buf_release(&sb);
	return status;
}
