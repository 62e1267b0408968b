/*
 * config.c - "hongdang config": settings kept in the archive (visit
 * hours, capacity, price, the kiosks' addresses; the harvesters'
 * contact; the folder the admin pages back up to; a bucket's key file
 * and part size).  Each change is an
 * event.
 */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

/* The settings, their defaults and what they hold. */
static const struct {
	const char *key;
	const char *def;
	const char *what;
} keys[] = {
	{"visit.free", "09:00-12:00", "公益时段 (free hours), HH:00-HH:00[,...]"},
	{"visit.paid", "14:00-17:00,19:00-21:00",
		"low-price hours, HH:00-HH:00[,...]"},
	{"visit.capacity", "40", "people a guided-talk slot holds"},
	{"visit.price", "10", "yuan a person in the low-price hours"},
	{"visit.kiosks", "", "the kiosks' IP addresses, comma-separated "
		"(not held to 10 bookings an hour)"},
	{"oai.email", HD_OAI_EMAIL_DEFAULT, "the e-mail harvesters see "
		"(OAI-PMH adminEmail), NAME@HOST.DOMAIN without spaces"},
	{"oai.page", "100", "records an OAI-PMH list answers at a time "
		"(1-1000)"},
	{"backup.dest", "", "absolute folder the admin pages' \"back up "
		"now\" copies to"},
	{"s3.credentials", "", "absolute path of the S3 key file (mode "
		"0600) of an archive whose objects live in a bucket"},
	{"s3.multipart", "1073741824", "bytes above which an object goes "
		"to the bucket in parts (5242880 to 5368709120)"},
	{"s3.part", "67108864", "bytes of those parts, at most s3.multipart "
		"(5242880 to 5368709120)"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] config [KEY [VALUE]]\n\n"
	"Show all settings, one setting, or change one (recorded as an\n"
	"event).  Keys:\n",
	.max = 2, .what = "give KEY, or KEY and VALUE",
	.flags = CMD_IN_ORDER,
};

/* Whether v looks like what key holds: a number (capacity 1-10000,
 * price 0-10000), addresses (hd_visit_kiosks: IPv4 or IPv6, separated
 * by commas or spaces), an e-mail address the OAI-PMH schema takes
 * (hd_oai_email_valid), an absolute path of one line (backup.dest,
 * s3.credentials), a part size for a bucket (s3.multipart, s3.part)
 * or hours in the library's one grammar (hd_visit_hours:
 * "HH:00-HH:00[,...]", each ending after it starts).  1 or 0. */
static int valid(const char *key, const char *v)
{
	long long n;
	int mask[24];

	if (strcmp(key, "oai.email") == 0) {
		return hd_oai_email_valid(v);
	}
	if (strcmp(key, "s3.multipart") == 0 ||
	    strcmp(key, "s3.part") == 0) {
		return cmd_number(v, (long long)HD_S3_PART_MIN,
			(long long)HD_S3_PART_MAX, &n) == 0;
	}
	if (strcmp(key, "backup.dest") == 0 ||
	    strcmp(key, "s3.credentials") == 0) {
		return v[0] == '/' && strpbrk(v, "\r\n") == NULL &&
			strlen(v) < 4000;
	}
	if (strcmp(key, "oai.page") == 0) {
		return cmd_number(v, 1, HD_OAI_PAGE_MAX, &n) == 0;
	}
	if (strcmp(key, "visit.capacity") == 0 ||
	    strcmp(key, "visit.price") == 0) {
		return cmd_number(v, key[6] == 'c' ? 1 : 0, 10000, &n) == 0;
	}
	if (strcmp(key, "visit.kiosks") == 0) {
		return hd_visit_kiosks(v, NULL) == 0;
	}
	return hd_visit_hours(v, mask, NULL) == 0;
}

/* Print every setting as KEY=VALUE, print one setting's value, or set
 * one (an event).  Exit 0, 1 when it could not be stored or read, 2 for
 * an unknown key or a value it cannot hold. */
int cmd_config(struct cmd_ctx *c, int argc, char **argv)
{
	size_t i, k = NKEYS;
	struct hd_error e;
	int status;
	char *v;

	status = cmd_start(c, &spec, NULL, &argc, &argv);
	for (i = 0; status == 0 && i < NKEYS; i++) {
		/* the help went out: the keys end it */
		printf("  %-15s %s (default %s)\n", keys[i].key,
			keys[i].what, keys[i].def[0] ? keys[i].def : "none");
	}
	if (status >= 0) {
		return status;
	}
	if (argc >= 1) {
		for (k = 0; k < NKEYS && strcmp(keys[k].key, argv[0]); k++) {
		}
		if (k == NKEYS) {
			return cmd_usage(c, "unknown setting '%s'", argv[0]);
		}
		if (argc == 2 && !valid(argv[0], argv[1])) {
			return cmd_usage(c, "%s: '%s' is not a valid value "
				"(%s)", argv[0], argv[1], keys[k].what);
		}
	}
	status = cmd_open(c, argc < 2);
	if (status != 0) {
		return status;
	}
	hd_err_clear(&e);
	if (argc == 2) {
		if (hd_meta_set(c->a, argv[0], argv[1], &c->agent, &e) != 0) {
			status = cmd_fail(c, &e);
		}
		return status;
	}
	for (i = 0; i < NKEYS; i++) {
		if (k != NKEYS && i != k) {
			continue;
		}
		if (hd_meta_get(c->a, keys[i].key, keys[i].def, &v,
		    &e) != 0) {
			return cmd_fail(c, &e);
		}
		printf(k == NKEYS ? "%s=%s\n" : "%.0s%s\n", keys[i].key, v);
		free(v);
	}
	return 0;
}
