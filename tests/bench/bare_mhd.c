/*
 * bare_mhd.c - the ceiling of the engine, for `make bench` (never a test).
 *
 *   bare_mhd PORT FILE
 *
 * Answers every request on 127.0.0.1:PORT with the bytes of FILE, read
 * once into memory, as "text/css; charset=utf-8": one ready-made
 * response queued again and again, no routing, no headers of our own.
 * Same threading model as the exhibit server (exhibit/server.c): an
 * internal polling thread with epoll, turbo mode and an inter-thread
 * channel, a pool of 2 threads.
 * Runs until SIGTERM or SIGINT.  bench_server.sh compares the exhibit
 * server's static rate with this one's.
 */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define FILE_MAX (16 * 1024 * 1024)     /* bytes of FILE at most */

static struct MHD_Response *resp;

/* As in libmicrohttpd's minimal_example.c: the first call only marks
 * the request, the second answers.  A response queued on the first call
 * counts as "early" and libmicrohttpd then closes the connection after
 * it (no keep-alive), which would measure TCP set-up, not the engine. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
	const char *url, const char *method, const char *version,
	const char *upload, size_t *upload_size, void **con_cls)
{
	static int seen;

	if (*con_cls != &seen) {
		*con_cls = &seen;
		return MHD_YES;
	}
	*con_cls = NULL;
	return MHD_queue_response(c, MHD_HTTP_OK, resp);
}

/* The bytes of path in a malloc'd buffer the caller frees, their count
 * in *n; NULL (and a message on stderr) if it cannot be read. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;

	if (f == NULL) {
		perror(path);
		return NULL;
	}
	buf = malloc(FILE_MAX);
	if (buf == NULL) {
		abort();
	}
	*n = fread(buf, 1, FILE_MAX, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "%s: unreadable or over %d bytes\n", path,
			FILE_MAX);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	sigset_t set;
	char *body;
	size_t n = 0;
	int port, sig;

	port = argc == 3 ? atoi(argv[1]) : 0;
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: bare_mhd PORT FILE\n");
		return 2;
	}
	body = slurp(argv[2], &n);
	if (body == NULL) {
		return 1;
	}
	resp = MHD_create_response_from_buffer(n, body,
		MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		"text/css; charset=utf-8");

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		MHD_USE_TURBO | MHD_USE_ITC, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, 2u,
		MHD_OPTION_CONNECTION_LIMIT, 512u,
		MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bare_mhd: 127.0.0.1:%d: did not start\n", port);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(resp);
	free(body);
	return 0;
}
