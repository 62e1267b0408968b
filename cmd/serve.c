/*
 * serve.c - "hongdang serve": the exhibit server for the kiosks and the
 * study groups on the local network.
 *
 * Everything that can be wrong before the first request is found here
 * and reported as one line with exit status 2 (no archive, no templates,
 * a bad option) or 1 (templates that do not compile, an address in use),
 * so a kiosk's start-up script fails loudly instead of serving errors.
 */
#include "cmd.h"
#include "../exhibit/server.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HD_TEMPLATES_DIR
#define HD_TEMPLATES_DIR "/usr/local/share/hongdang/templates"
#endif

static const char help[] =
	"usage: hongdang [-d DIR] serve [--listen ADDR:PORT] [--threads N]\n"
	"       [--templates DIR] [--kiosk] [--log FILE] [--public-url URL]\n"
	"       [--timeout S] [--idle S] [--attract S] [--audit-hours H]\n"
	"       [--merge-idle S] [--no-page-cache] [--trusted-proxy ADDR]\n\n"
	"Serve the exhibit: kiosk screens, corridor, reading corner,\n"
	"demonstrations, search, records and the JSON API.  Stops cleanly on\n"
	"SIGTERM or SIGINT (requests in flight finish); SIGHUP reloads the\n"
	"templates.\n\n"
	"  --listen A:P     address to listen on (default 127.0.0.1:8080;\n"
	"                   \":8080\" is every interface, [::1]:8080 IPv6)\n"
	"  --threads N      worker threads, 1-64 (default 2)\n"
	"  --templates DIR  built-in templates (default ./templates if it\n"
	"                   exists, else " HD_TEMPLATES_DIR ");\n"
	"                   files in DIR/templates of the data folder win\n"
	"  --kiosk          every page in kiosk mode (as with ?kiosk=1)\n"
	"  --log FILE       access log, one line a request (default stderr)\n"
	"  --public-url URL base of the links in QR codes, e.g.\n"
	"                   http://192.168.1.10:8080 (default: the Host\n"
	"                   header)\n"
	"  --timeout S      seconds a client has to send a whole request;\n"
	"                   also the longest silence (default 15)\n"
	"  --idle S         kiosk: ask \"还在浏览吗？\" after S seconds\n"
	"                   without a touch (default 90)\n"
	"  --attract S      kiosk: attract loop after S seconds (default "
	"180)\n"
	"  --audit-hours H  fixity audit of every stored object when the\n"
	"                   last is older than H hours, checked at start and\n"
	"                   every 10 minutes; an event \"fixity\" each run\n"
	"                   (default 24; 0: none)\n"
	"  --merge-idle S   merge the search index (as 'hongdang optimize'\n"
	"                   does) in short steps once the server has been\n"
	"                   quiet for S seconds (at most a request a second,\n"
	"                   as a kiosk's attract loop makes), until it is\n"
	"                   busier (default 10; 0: never)\n"
	"  --no-page-cache  make every public page anew (by default a page\n"
	"                   is sent again from memory while the archive is\n"
	"                   unchanged, within the hour)\n"
	"  --trusted-proxy ADDR  the address of a TLS proxy in front: for\n"
	"                   requests from it the client is the last address\n"
	"                   of X-Forwarded-For (login limits count it) and\n"
	"                   X-Forwarded-Proto: https makes cookies Secure\n";

static int parse_num(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_serve(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 'n'},
		{"templates", required_argument, NULL, 't'},
		{"kiosk", no_argument, NULL, 'k'},
		{"log", required_argument, NULL, 'L'},
		{"public-url", required_argument, NULL, 'u'},
		{"timeout", required_argument, NULL, 'T'},
		{"idle", required_argument, NULL, 'i'},
		{"attract", required_argument, NULL, 'a'},
		{"audit-hours", required_argument, NULL, 'A'},
		{"merge-idle", required_argument, NULL, 'M'},
		{"no-page-cache", no_argument, NULL, 'P'},
		{"trusted-proxy", required_argument, NULL, 'X'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct server_opts so;
	struct site site;
	struct hd_archive *a;
	struct hd_error e;
	const char *tdir = NULL, *logfile = NULL, *dirs[2];
	char *builtin = NULL, *over = NULL;
	size_t ndirs = 0;
	unsigned char addr[sizeof(struct in6_addr)];
	int ch, status = 0;

	memset(&so, 0, sizeof so);
	memset(&site, 0, sizeof site);
	so.listen = "127.0.0.1:8080";
	so.threads = 2;
	so.timeout = 15;
	so.logfd = 2;
	so.audit_hours = 24;
	so.merge_idle = 10;
	so.page_cache = 1;
	site.idle_seconds = 90;
	site.attract_seconds = 180;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			so.listen = optarg;
			break;
		case 'n':
			if (parse_num(optarg, 1, 64, &so.threads) != 0) {
				return cmd_usage("serve", "--threads '%s': "
					"give a number from 1 to 64", optarg);
			}
			break;
		case 't':
			tdir = optarg;
			break;
		case 'k':
			site.kiosk = 1;
			break;
		case 'L':
			logfile = optarg;
			break;
		case 'u':
			site.public_url = optarg;
			break;
		case 'T':
			if (parse_num(optarg, 1, 3600, &so.timeout) != 0) {
				return cmd_usage("serve", "--timeout '%s': "
					"give seconds from 1 to 3600", optarg);
			}
			break;
		case 'i':
			if (parse_num(optarg, 5, 86400,
			    &site.idle_seconds) != 0) {
				return cmd_usage("serve", "--idle '%s': give "
					"seconds from 5", optarg);
			}
			break;
		case 'a':
			if (parse_num(optarg, 5, 86400,
			    &site.attract_seconds) != 0) {
				return cmd_usage("serve", "--attract '%s': "
					"give seconds from 5", optarg);
			}
			break;
		case 'P':
			so.page_cache = 0;
			break;
		case 'X':
			if (inet_pton(AF_INET, optarg, addr) != 1 &&
			    inet_pton(AF_INET6, optarg, addr) != 1) {
				return cmd_usage("serve", "--trusted-proxy "
					"'%s': give an IPv4 or IPv6 address",
					optarg);
			}
			so.trusted_proxy = optarg;
			break;
		case 'A':
			if (parse_num(optarg, 0, 8760, &so.audit_hours) != 0) {
				return cmd_usage("serve", "--audit-hours '%s': "
					"give hours from 0 to 8760", optarg);
			}
			break;
		case 'M':
			if (parse_num(optarg, 0, 86400, &so.merge_idle) != 0) {
				return cmd_usage("serve", "--merge-idle '%s': "
					"give seconds from 0 to 86400", optarg);
			}
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cmd_usage("serve", "unknown option '%s'",
				argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cmd_usage("serve", "unexpected argument '%s'",
			argv[optind]);
	}
	if (tdir == NULL) {
		tdir = is_dir("templates") ? "templates" : HD_TEMPLATES_DIR;
	}
	builtin = realpath(tdir, NULL);
	if (builtin == NULL || !is_dir(builtin)) {
		fprintf(stderr, "hongdang serve: %s: no templates folder "
			"(give one with --templates)\n", tdir);
		free(builtin);
		return 2;
	}

	/* the page cache pool, before any connection is opened: each
	 * worker's reader keeps its cache full, and two more connections'
	 * worth for the writers (the workers', the index merge's) */
	hd_page_cache_reserve(c->dir, so.threads + 2);
	/* fail fast: the archive must open before anyone is told to come */
	a = cmd_open(c, "serve", 1, &status);
	if (a == NULL) {
		free(builtin);
		return status ? status : 2;
	}
	site.name = hd_xstrdup(hd_archive_name(a) ? hd_archive_name(a) : "");
	hd_archive_close(a);

	site.dir = c->dir;
	site.builtin = builtin;
	over = hd_xasprintf("%s/templates", c->dir);
	if (is_dir(over)) {
		site.override = over;
		dirs[ndirs++] = over;
	} else {
		free(over);
	}
	dirs[ndirs++] = builtin;
	hd_err_clear(&e);
	if (tmpl_open(&site.tmpl, dirs, ndirs, &e) != 0) {
		status = cmd_fail("serve", &e);
		goto out;
	}
	if (logfile != NULL) {
		so.logfd = open(logfile, O_WRONLY | O_APPEND | O_CREAT |
			O_CLOEXEC, 0640);
		if (so.logfd < 0) {
			fprintf(stderr, "hongdang serve: %s: cannot open the "
				"log: %s\n", logfile, strerror(errno));
			status = 1;
			goto out;
		}
	}
	if (server_run(&site, &so, &e) != 0) {
		status = cmd_fail("serve", &e);
	}
out:
	if (so.logfd > 2) {
		close(so.logfd);
	}
	tmpl_close(site.tmpl);
	free(site.override);
	free(site.name);
	free(builtin);
	return status;
}
