/*
 * serve.c - "hongdang serve": the exhibit server for the kiosks and the
 * study groups on the local network.
 *
 * Everything that can be wrong before the first request is found here
 * and reported as one line with exit status 2 (no archive, no templates,
 * a bad option) or 1 (templates that do not compile, a certificate or
 * key that cannot be used, an address in use),
 * so a kiosk's start-up script fails loudly instead of serving errors.
 */
#include "cmd.h"
#include "../exhibit/server.h"
#include "../exhibit/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] serve [--listen ADDR:PORT] [--threads N]\n"
	"       [--templates DIR] [--kiosk] [--log FILE] [--public-url URL]\n"
	"       [--timeout S] [--idle S] [--attract S] [--audit-hours H]\n"
	"       [--merge-idle S] [--no-page-cache] [--trusted-proxy ADDR]\n"
	"       [--upload-max-mb N] [--tls-cert FILE --tls-key FILE]\n"
	"       [--demo-max N] [--demo-idle S] [--demo-life S] [--demo-mb N]\n"
	"       [--harvest-hours H]\n\n"
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
	"  --harvest-hours H  harvest each room added with 'harvest add'\n"
	"                   whose last run is older than H hours, checked at\n"
	"                   start and every few seconds (default 0: only\n"
	"                   'hongdang harvest run' harvests)\n"
	"  --no-page-cache  make every public page anew (by default a page\n"
	"                   is sent again from memory while the archive is\n"
	"                   unchanged, within the hour)\n"
	"  --trusted-proxy ADDR  the address of a TLS proxy in front: for\n"
	"                   requests from it the client is the last address\n"
	"                   of X-Forwarded-For (login limits count it) and\n"
	"                   X-Forwarded-Proto: https makes cookies Secure\n"
	"  --upload-max-mb N  megabytes one batch may upload at the desk\n"
	"                   (/admin/ingest; default 4000); the pipeline's caps\n"
	"                   on files apply as in 'hongdang ingest'\n"
	"  --demo-max N     demonstrations: scratch archives (sandboxes) at\n"
	"                   once, one a kiosk, made under DIR/tmp from the\n"
	"                   archive's public records and never the archive\n"
	"                   itself (default 16; 0: none)\n"
	"  --demo-idle S    a sandbox unused for S seconds is removed\n"
	"                   (default 300)\n"
	"  --demo-life S    a sandbox older than S seconds is removed, used\n"
	"                   or not (default 3600); its kiosk starts afresh\n"
	"  --demo-mb N      a sandbox holding more than N megabytes on disk\n"
	"                   is removed (default 64)\n"
	"  --tls-cert FILE  serve HTTPS with this PEM certificate (then any\n"
	"                   chain); the session cookie is then Secure\n"
	"  --tls-key FILE   the PEM private key of --tls-cert, without a\n"
	"                   passphrase\n\n"
	"Staff log in over plain HTTP only from this machine (loopback) or\n"
	"through the trusted proxy with X-Forwarded-Proto: https; from\n"
	"another machine the login page says to turn HTTPS on.\n",
	.flags = CMD_IN_ORDER,
};

/* --trusted-proxy ADDR: an IPv4 or IPv6 address, into o->to.  Returns
 * 0, or 2 after the usage message. */
static int opt_proxy(struct cmd_ctx *c, const struct cmd_opt *o,
	const char *arg)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, arg, addr) != 1 &&
	    inet_pton(AF_INET6, arg, addr) != 1) {
		return cmd_usage(c, "--trusted-proxy '%s': give an IPv4 or "
			"IPv6 address", arg);
	}
	*(const char **)o->to = arg;
	return 0;
}

/* Whether path is a folder (or a link to one). */
static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Check everything that can be checked before the first request (the
 * templates, the archive, the log), then serve until SIGTERM or SIGINT.
 * Exit 0 after a clean stop, 1 when the templates do not compile, the
 * log cannot be opened, the certificate or key cannot be used or the
 * server fails, 2 for bad usage (one of --tls-cert and --tls-key without
 * the other too), no templates folder or no archive. */
int cmd_serve(struct cmd_ctx *c, int argc, char **argv)
{
	struct server_opts so;
	struct site site;
	struct hd_error e;
	const char *tdir = NULL, *logfile = NULL, *dirs[2];
	char *builtin = NULL, *over = NULL;
	size_t ndirs = 0;
	int status, upload_mb = 0, demo_mb = DEMO_BYTES_DEFAULT >> 20;
	const struct cmd_opt opts[] = {
		CMD_STR("listen", &so.listen),
		CMD_INT("threads", &so.threads, 1, 64),
		CMD_STR("templates", &tdir),
		CMD_FLAG("kiosk", &site.kiosk),
		CMD_STR("log", &logfile),
		CMD_STR("public-url", &site.public_url),
		CMD_INT("timeout", &so.timeout, 1, 3600),
		CMD_INT("idle", &site.idle_seconds, 5, 86400),
		CMD_INT("attract", &site.attract_seconds, 5, 86400),
		CMD_INT("audit-hours", &so.audit_hours, 0, 8760),
		CMD_INT("merge-idle", &so.merge_idle, 0, 86400),
		CMD_INT("harvest-hours", &so.harvest_hours, 0, 8760),
		CMD_SET("no-page-cache", &so.page_cache, 0),
		CMD_INT("demo-max", &so.demo_max, 0, 256),
		CMD_INT("demo-idle", &so.demo_idle, 1, 86400),
		CMD_INT("demo-life", &so.demo_life, 1, 7 * 86400),
		CMD_INT("demo-mb", &demo_mb, 1, 64 * 1024),
		CMD_FN("trusted-proxy", &so.trusted_proxy, opt_proxy),
		CMD_INT("upload-max-mb", &upload_mb, 1, 1024 * 1024),
		CMD_STR("tls-cert", &so.tls_cert),
		CMD_STR("tls-key", &so.tls_key),
		CMD_END,
	};

	memset(&so, 0, sizeof so);
	memset(&site, 0, sizeof site);
	so.listen = "127.0.0.1:8080";
	so.threads = 2;
	so.timeout = 15;
	so.logfd = 2;
	so.audit_hours = 24;
	so.merge_idle = 10;
	so.page_cache = 1;
	so.demo_max = DEMO_MAX_DEFAULT;
	so.demo_idle = DEMO_IDLE_DEFAULT;
	so.demo_life = DEMO_LIFE_DEFAULT;
	site.idle_seconds = 90;
	site.attract_seconds = 180;
	status = cmd_start(c, &spec, opts, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	so.upload_max = (uint64_t)upload_mb * 1000 * 1000;
	so.demo_bytes = (uint64_t)demo_mb << 20;
	if ((so.tls_cert == NULL) != (so.tls_key == NULL)) {
		return cmd_usage(c, "%s: give --tls-cert and --tls-key "
			"together", so.tls_cert ? "--tls-cert" : "--tls-key");
	}
	builtin = cmd_templates_dir(tdir, &tdir);
	if (builtin == NULL) {
		return cmd_err(c, 2, "%s: no templates folder (give one with "
			"--templates)", tdir);
	}

	/* the page cache pool, before any connection is opened: each
	 * worker's reader keeps its cache full, and two more connections'
	 * worth for the writers (the workers', the index merge's) */
	hd_page_cache_reserve(c->dir, so.threads + 2 +
		(so.harvest_hours > 0));
	/* fail fast: the archive must open before anyone is told to come */
	status = cmd_open(c, 1);
	if (status != 0) {
		free(builtin);
		return status;
	}
	site.name = hd_xstrdup(hd_archive_name(c->a) ?
		hd_archive_name(c->a) : "");
	hd_archive_close(c->a);
	c->a = NULL;

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
		status = cmd_fail(c, &e);
		goto out;
	}
	if (logfile != NULL) {
		so.logfd = open(logfile, O_WRONLY | O_APPEND | O_CREAT |
			O_CLOEXEC, 0640);
		if (so.logfd < 0) {
			status = cmd_err(c, 1, "%s: cannot open the log: %s",
				logfile, strerror(errno));
			goto out;
		}
	}
	if (server_run(&site, &so, &e) != 0) {
		status = cmd_fail(c, &e);
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
