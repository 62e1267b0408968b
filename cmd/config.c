/*
 * config.c - "hongdang config": settings kept in the archive (visit
 * hours, capacity, price).  Each change is an event.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

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
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const char help[] =
	"usage: hongdang [-d DIR] config [KEY [VALUE]]\n\n"
	"Show all settings, one setting, or change one (recorded as an\n"
	"event).  Keys:\n";

/* A value must look like what the key holds: a count, or hours in the
 * library's grammar (hd_visit_hours). */
static int valid(const char *key, const char *v)
{
	int mask[24];
	char *end;
	long n;

	if (strcmp(key, "visit.capacity") == 0 ||
	    strcmp(key, "visit.price") == 0) {
		n = strtol(v, &end, 10);
		return *v && *end == '\0' && n >= (key[6] == 'c' ? 1 : 0) &&
			n <= 10000;
	}
	return hd_visit_hours(v, mask, NULL) == 0;
}

/* hongdang config [KEY [VALUE]]: show every setting, one, or set one.
 * Returns the exit status. */
int cmd_config(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_archive *a;
	struct hd_error e;
	size_t i, k = NKEYS;
	int status = 0;
	char *v;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(help, stdout);
		for (i = 0; i < NKEYS; i++) {
			printf("  %-15s %s (default %s)\n", keys[i].key,
				keys[i].what, keys[i].def);
		}
		return 0;
	}
	if (argc > 3) {
		return cmd_usage("config", "give KEY, or KEY and VALUE");
	}
	if (argc >= 2) {
		for (k = 0; k < NKEYS && strcmp(keys[k].key, argv[1]); k++) {
		}
		if (k == NKEYS) {
			return cmd_usage("config", "unknown setting '%s'",
				argv[1]);
		}
		if (argc == 3 && !valid(argv[1], argv[2])) {
			return cmd_usage("config", "%s: '%s' is not a valid "
				"value (%s)", argv[1], argv[2], keys[k].what);
		}
	}
	a = cmd_open(c, "config", argc < 3, &status);
	if (a == NULL) {
		return status;
	}
	hd_err_clear(&e);
	if (argc == 3) {
		if (hd_meta_set(a, argv[1], argv[2], &c->agent, &e) != 0) {
			status = cmd_fail("config", &e);
		}
	} else {
		for (i = 0; i < NKEYS; i++) {
			if (k != NKEYS && i != k) {
				continue;
			}
			if (hd_meta_get(a, keys[i].key, keys[i].def, &v,
			    &e) != 0) {
				status = cmd_fail("config", &e);
				break;
			}
			printf(k == NKEYS ? "%s=%s\n" : "%.0s%s\n",
				keys[i].key, v);
			free(v);
		}
	}
	hd_archive_close(a);
	return status;
}
