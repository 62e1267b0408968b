/*
 * init.c - "hongdang init": create a data folder and its first fonds.
 */
#include "cmd.h"

#include <stdlib.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] init [--fonds CODE] [--name NAME]\n"
	"       [--objects s3://BUCKET --s3-endpoint URL [--s3-region R]\n"
	"        [--s3-credentials FILE]]\n\n"
	"Create an archive in the data folder DIR with its first fonds\n"
	"(全宗).\n\n"
	"  --fonds CODE  fonds code used in reference codes (default QF01)\n"
	"  --name NAME   name of the fonds (default: the code)\n"
	"  --objects s3://BUCKET\n"
	"                keep the objects in this bucket of an S3-compatible\n"
	"                store (made if missing) instead of DIR/objects\n"
	"  --s3-endpoint URL  the store, http(s)://HOST[:PORT]\n"
	"  --s3-region R      its SigV4 region (default us-east-1)\n"
	"  --s3-credentials FILE\n"
	"                a key file of mode 0600 (aws_access_key_id = ...,\n"
	"                aws_secret_access_key = ...); without it the keys\n"
	"                come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n",
	.flags = CMD_IN_ORDER,
};

/* Create the archive in c->dir with the fonds --fonds (QF01) named
 * --name, its objects in a bucket with --objects.  Exit 0, 1 when the
 * folder already holds one or the store cannot be reached or refuses
 * the keys, 2 for a bad fonds code or store option. */
int cmd_init(struct cmd_ctx *c, int argc, char **argv)
{
	const char *fonds = "QF01", *name = NULL, *objects = NULL;
	struct hd_s3_conf s3 = {0};
	const struct cmd_opt opts[] = {
		CMD_STR("fonds", &fonds),
		CMD_STR("name", &name),
		CMD_STR("objects", &objects),
		CMD_STR("s3-endpoint", &s3.endpoint),
		CMD_STR("s3-region", &s3.region),
		CMD_STR("s3-credentials", &s3.credentials),
		CMD_END,
	};
	struct hd_error e;
	char *bucket = NULL;
	int st, rc;

	st = cmd_start(c, &spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	hd_err_clear(&e);
	if (objects == NULL) {
		if (s3.endpoint || s3.region || s3.credentials) {
			return cmd_usage(c, "--s3-endpoint, --s3-region and "
				"--s3-credentials go with --objects "
				"s3://BUCKET");
		}
		rc = hd_archive_init(c->dir, fonds, name, &c->agent, &e);
	} else if (hd_s3_url_parse(objects, &bucket, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EUSAGE);
	} else {
		s3.bucket = bucket;
		rc = hd_archive_init_s3(c->dir, fonds, name, &c->agent, &s3,
			&e);
	}
	if (rc != 0) {
		free(bucket);
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	printf("已创建档案库 %s（全宗 %s %s）\n", c->dir, fonds,
		name ? name : "");
	if (bucket != NULL) {
		printf("数字对象存放在 %s（%s）\n", objects, s3.endpoint);
	}
	free(bucket);
	return 0;
}
