/*
 * init.c - "hongdang init": create a data folder and its first fonds.
 */
#include "cmd.h"

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] init [--fonds CODE] [--name NAME]\n\n"
	"Create an archive in the data folder DIR with its first fonds\n"
	"(全宗).\n\n"
	"  --fonds CODE  fonds code used in reference codes (default QF01)\n"
	"  --name NAME   name of the fonds (default: the code)\n",
	.flags = CMD_IN_ORDER,
};

/* Create the archive in c->dir with the fonds --fonds (QF01) named
 * --name.  Exit 0, 1 when the folder already holds one, 2 for a bad
 * fonds code. */
int cmd_init(struct cmd_ctx *c, int argc, char **argv)
{
	const char *fonds = "QF01", *name = NULL;
	const struct cmd_opt opts[] = {
		CMD_STR("fonds", &fonds),
		CMD_STR("name", &name),
		CMD_END,
	};
	struct hd_error e;
	int st;

	st = cmd_start(c, &spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (hd_archive_init(c->dir, fonds, name, &c->agent, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	printf("已创建档案库 %s（全宗 %s %s）\n", c->dir, fonds,
		name ? name : "");
	return 0;
}
