/*
 * init.c - "hongdang init": create a data folder and its first fonds.
 */
#include "cmd.h"

#include <getopt.h>
#include <string.h>

static const char help[] =
	"usage: hongdang [-d DIR] init [--fonds CODE] [--name NAME]\n\n"
	"Create an archive in the data folder DIR with its first fonds\n"
	"(全宗).\n\n"
	"  --fonds CODE  fonds code used in reference codes (default QF01)\n"
	"  --name NAME   name of the fonds (default: the code)\n";

int cmd_init(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"fonds", required_argument, NULL, 'f'},
		{"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *fonds = "QF01", *name = NULL;
	struct hd_error e;
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			fonds = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage("init", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cmd_usage("init", "unexpected argument '%s'",
			argv[optind]);
	}
	hd_err_clear(&e);
	if (hd_archive_init(c->dir, fonds, name, &c->agent, &e) != 0) {
		return e.code == HD_EINVAL ? cmd_usage("init", "%s", e.msg) :
			cmd_fail("init", &e);
	}
	printf("已创建档案库 %s（全宗 %s %s）\n", c->dir, fonds,
		name ? name : "");
	return 0;
}
