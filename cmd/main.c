/*
 * main.c - the hongdang binary: global options and the command table.
 * What the commands share lives in cmd.c.
 *
 *   hongdang [-d DIR] COMMAND [ARGS]
 *
 * -d DIR (or HONGDANG_DIR) selects the data folder, "./var" by default.
 * Exit statuses: 0 success, 1 the command ran and found a problem, 2 bad
 * usage.
 */
#include "cmd.h"

#include <locale.h>
#include <malloc.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct command commands[] = {
	{"init", cmd_init, "create a data folder and its first fonds", NULL},
	{"ingest", cmd_ingest, "ingest a batch: files, folders, archives, "
		"BagIt bags", NULL},
	{"search", cmd_search, "full-text search (Chinese, one character "
		"and up)", NULL},
	{"show", cmd_show, "show one record by reference code", NULL},
	{"verify", cmd_verify, "check every object and the event chain", NULL},
	{"optimize", cmd_optimize, "merge the search index into one "
		"segment", NULL},
	{"config", cmd_config, "show or change settings (visit hours "
		"...)", NULL},
	{"visit", NULL, "guided-talk bookings: list, cancel", &cmd_visit},
	{"serve", cmd_serve, "serve the exhibit screens and the JSON "
		"API", NULL},
	{"export", cmd_export, "write a transfer bag (BagIt) or a "
		"receipt", NULL},
	{"import", cmd_import, "validate and ingest a transfer bag; "
		"receipt", NULL},
	{"transfer", NULL, "transfers: list, show, confirm a receipt",
		&cmd_transfer},
	{"bag", NULL, "validate a BagIt bag (folder, zip or tar)", &cmd_bag},
	{"location", NULL, "storage-room locations: add, assign, list",
		&cmd_location},
	{"storage", NULL, "temperature and humidity: log, report",
		&cmd_storage},
	{"inventory", NULL, "inventory (盘点): start, found, finish",
		&cmd_inventory},
	{"backup", cmd_backup, "a verified copy, while the archive runs", NULL},
	{"restore", cmd_restore, "restore a backup into a new data "
		"folder", NULL},
	{"user", cmd_user, "staff accounts: add, list, disable, passwd", NULL},
	{"review", NULL, "review queue: approve, return, edit, "
		"withdraw", &cmd_review},
	{"consult", NULL, "consultation requests, approvals, "
		"statistics", &cmd_consult},
	{"harvest", cmd_harvest, "gather the rooms' catalogues "
		"(OAI-PMH)", NULL},
	{"audit", cmd_audit, "list the event log by record, type, time", NULL},
	{NULL, NULL, NULL, NULL},
};

/* Print the program's usage and the list of commands on f. */
static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hongdang [-d DIR] COMMAND [ARGS]\n\n"
		"红档 Hongdang: the community archive and exhibit system.\n\n"
		"options:\n"
		"  -d DIR      data folder (default: $HONGDANG_DIR, or ./var)\n"
		"  -h, --help  this help; 'hongdang COMMAND --help' for one "
		"command\n"
		"  --version   print the version\n\ncommands:\n");
	for (i = 0; commands[i].name; i++) {
		fprintf(f, "  %-10s  %s\n", commands[i].name,
			commands[i].summary);
	}
}

/* The upgrade hook's lines about giving back the space a rebuilt index
 * left (the HD_UPGRADE_COMPACT events), on stderr: what it frees and
 * needs, then the file's size after, or why it was not done. */
static void compact_shown(const struct hd_upgrade *u, int tty)
{
	const struct hd_compact *k = &u->compact;
	char *freed = hd_size_text((uint64_t)k->freed);
	char *a = hd_size_text((uint64_t)k->size);
	char *b = hd_size_text((uint64_t)(u->event ==
		HD_UPGRADE_COMPACT_DONE ? k->size_after : k->need));
	char *c = hd_size_text((uint64_t)(k->room > 0 ? k->room : 0));

	fprintf(stderr, "%shongdang: %s: ", tty ? "\r\033[K" : "", u->dir);
	if (u->event == HD_UPGRADE_COMPACT) {
		fprintf(stderr, "%s（空出 %s，需要 %s 空闲空间）……\n",
			u->what, freed, b);
	} else if (u->event == HD_UPGRADE_COMPACT_DONE) {
		fprintf(stderr, "数据库文件已从 %s 缩小到 %s\n", a, b);
	} else {
		fprintf(stderr, "没有整理数据库文件（%s：需要 %s 空闲空间，"
			"现有 %s）；空出的 %s 留在文件中，以后再用；腾出空间后"
			"可运行 hongdang optimize 归还\n", u->what, b, c, freed);
	}
	free(freed);
	free(a);
	free(b);
	free(c);
}

/* The upgrade hook (hd_set_upgrade_hook): a line when an archive made by
 * an older version starts being upgraded and one when it is done (or
 * failed), and in between, on a terminal, the step with its share done
 * and the time left; elsewhere (a log) a line every 10 seconds. */
static void upgrade_shown(const struct hd_upgrade *u, void *ud)
{
	static double logged;
	int *tty = ud, step = u->version - u->from, steps = u->to - u->from;
	int pct = u->total > 0 ? (int)(100 * u->done / u->total) : -1;

	switch (u->event) {
	case HD_UPGRADE_START:
		fprintf(stderr, "hongdang: %s: 正在把档案库从第 %d 版升级到第 "
			"%d 版（中断无妨：完成的步骤保留，下次打开时继续）\n",
			u->dir, u->from, u->to);
		logged = 0;
		return;
	case HD_UPGRADE_STEP:
	case HD_UPGRADE_STEP_DONE:
		if (!*tty && (u->event != HD_UPGRADE_STEP ||
		    u->secs - logged < 10.0)) {
			return;
		}
		logged = u->secs;
		fprintf(stderr, *tty ? "\r\033[K" : "hongdang: %s: ", u->dir);
		fprintf(stderr, "第 %d/%d 步（第 %d 版）%s", step, steps,
			u->version, u->what);
		if (pct >= 0) {
			fprintf(stderr, "  %d%%", pct);
		}
		if (pct > 0 && u->done < u->total) {
			fprintf(stderr, "  剩余约 %.0f 秒", u->step_secs *
				(double)(u->total - u->done) / (double)u->done);
		}
		if (!*tty) {
			fprintf(stderr, "（已用 %.0f 秒）\n", u->secs);
		}
		return;
	case HD_UPGRADE_FAILED:
		fprintf(stderr, "%shongdang: %s: 升级到第 %d 版未成功，档案库仍是"
			"第 %d 版\n", *tty ? "\r\033[K" : "", u->dir,
			u->version, u->version - 1);
		return;
	case HD_UPGRADE_COMPACT:
	case HD_UPGRADE_COMPACT_DONE:
	case HD_UPGRADE_COMPACT_SKIPPED:
		compact_shown(u, *tty);
		return;
	case HD_UPGRADE_DONE:
		fprintf(stderr, "%shongdang: %s: 档案库已升级到第 %d 版，用时 "
			"%.1f 秒\n", *tty ? "\r\033[K" : "", u->dir, u->to,
			u->secs);
		return;
	}
}

/* The program: -d, --help and --version, then the command its first
 * argument names, run with the rest (its argv[0] is the command's name)
 * and the archive it opened closed after it.  Returns the command's exit
 * status, or 2 for bad usage before one. */
int main(int argc, char **argv)
{
	static int tty;
	struct cmd_ctx c;
	static char agent[128];
	struct passwd *pw;
	const char *env;
	size_t i;
	int ai = 1, st;

	setlocale(LC_ALL, "C.UTF-8");
	/* Ingest reads each file into one buffer and frees it: without these
	 * glibc returns the memory to the kernel after every file (brk,
	 * munmap and TLB flushes took 40 % of ingest CPU). */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	tty = isatty(2);
	hd_set_upgrade_hook(upgrade_shown, &tty);
	cmd_clock_init();
	memset(&c, 0, sizeof c);
	env = getenv("HONGDANG_DIR");
	c.dir = env && *env ? env : "var";
	while (ai < argc && argv[ai][0] == '-') {
		if (strcmp(argv[ai], "-d") == 0 && ai + 1 < argc) {
			c.dir = argv[ai + 1];
			ai += 2;
		} else if (strncmp(argv[ai], "-d", 2) == 0 && argv[ai][2]) {
			c.dir = argv[ai] + 2;
			ai++;
		} else if (strcmp(argv[ai], "-h") == 0 ||
		    strcmp(argv[ai], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[ai], "--version") == 0) {
			printf("hongdang 0.1\n");
			return 0;
		} else {
			fprintf(stderr, "hongdang: unknown option '%s'\n",
				argv[ai]);
			usage(stderr);
			return 2;
		}
	}
	if (ai >= argc) {
		usage(stderr);
		return 2;
	}
	pw = getpwuid(geteuid());
	snprintf(agent, sizeof agent, "cli:%s",
		pw && pw->pw_name ? pw->pw_name : "unknown");
	c.agent.name = agent;
	for (i = 0; commands[i].name; i++) {
		if (strcmp(commands[i].name, argv[ai]) == 0) {
			c.name = commands[i].name;
			st = commands[i].fn != NULL ?
				commands[i].fn(&c, argc - ai, argv + ai) :
				cmd_dispatch(&c, commands[i].group->about,
				commands[i].group->subs, argc - ai, argv + ai);
			hd_archive_close(c.a);
			return st;
		}
	}
	fprintf(stderr, "hongdang: '%s' is not a command\n", argv[ai]);
	usage(stderr);
	return 2;
}
