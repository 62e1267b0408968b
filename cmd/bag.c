/*
 * bag.c - "hongdang bag validate": check any BagIt bag (RFC 8493 1.0 and
 * drafts 0.93-0.97), in a folder, zip or tar, with the validator ingest
 * and import use.  Needs no archive.
 */
#include "cmd.h"
#include "../ingest/ingest.h"

#include <string.h>
#include <sys/stat.h>

static const char about[] =
	"BagIt bags (RFC 8493): check one before it is sent or received.\n";

static const struct cmd_spec validate_spec = {
	.help =
	"usage: hongdang bag validate PATH\n\n"
	"Validate a BagIt bag (RFC 8493 1.0 and drafts 0.93-0.97) in a\n"
	"folder, zip or tar: every checksum of every manifest and tag\n"
	"manifest, no payload file missing or unlisted, Payload-Oxum,\n"
	"encodings, no path leaving the bag, nothing to fetch.  Exit 0 when\n"
	"valid (warnings on stderr), 1 when not (every reason on stderr).\n",
	.min = 1, .max = 1, .what = "give one PATH (folder, zip or tar)",
};

/* bag validate PATH: every problem of the bag on stderr ("invalid: ..."),
 * its warnings ("warning: ..."), and a verdict.  A folder is checked by
 * hd_bag_validate where it is; a zip or tar is unpacked privately by
 * the ingest pipeline's receiving stage, which validates the bag in it.
 * Exit 0 when valid, 1 when not, 2 for bad usage or no such file. */
static int bag_validate_cmd(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_bag_report rep;
	struct hd_error e;
	struct batch sb;
	struct stat st;
	size_t i;
	int rc, status;

	status = cmd_start(c, &validate_spec, NULL, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	if (stat(argv[0], &st) != 0) {
		return cmd_err(c, 2, "%s: no such file or folder", argv[0]);
	}
	memset(&rep, 0, sizeof rep);
	batch_init(&sb, NULL);
	hd_err_clear(&e);
	if (S_ISDIR(st.st_mode)) {
		rc = hd_bag_validate(argv[0], &rep, &e);
	} else {
		rc = stage_receive(&sb, argv, 1, &e);
		if (rc == HD_EIO) {
			batch_release(&sb);
			return cmd_fail(c, &e);
		}
		if (rc == 0 && !sb.is_bag) {
			batch_reject(&sb, argv[0], "not a BagIt bag: no folder "
				"with bagit.txt inside");
			rc = HD_EINVAL;
		}
		/* the batch's report is the bag's */
		rep.errs = sb.rejected;
		rep.nerrs = sb.nrejected;
		rep.warns = sb.warnings;
		rep.nwarns = sb.nwarnings;
		sb.rejected = sb.warnings = NULL;
		sb.nrejected = sb.nwarnings = 0;
	}
	for (i = 0; i < rep.nwarns; i++) {
		fprintf(stderr, "warning: %s\n", rep.warns[i].msg);
	}
	if (rc != 0 || rep.nerrs > 0) {
		for (i = 0; i < rep.nerrs; i++) {
			fprintf(stderr, "invalid: %s\n", rep.errs[i].msg);
		}
		status = cmd_err(c, 1, "%s is not a valid bag (%zu problem%s)",
			argv[0], rep.nerrs, rep.nerrs == 1 ? "" : "s");
	} else {
		printf("%s: valid BagIt bag%s\n", argv[0], rep.nwarns ?
			" (with warnings)" : "");
		status = 0;
	}
	hd_bag_report_release(&rep);
	batch_release(&sb);
	return status;
}

static const struct subcommand subs[] = {
	{"validate", bag_validate_cmd, &validate_spec},
	{NULL, NULL, NULL},
};

/* hongdang bag SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_bag = { about, subs };
