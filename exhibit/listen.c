/*
 * listen.c - the exhibit server's listening socket: --listen's address
 * parsed and bound before anything else starts, so a wrong or busy
 * address is an error at once, with the address named.
 *
 * Forms: "ADDR:PORT", "[ADDR6]:PORT", ":PORT" (every interface) and
 * "PORT" (127.0.0.1).  The socket is non-blocking and close-on-exec,
 * with SO_REUSEADDR (a restart does not wait for old connections to time
 * out) and a backlog of 511.
 */
#include "server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* See server_int.h.  Every address getaddrinfo gives for the host is
 * tried in turn until one binds and listens. */
int server_listen(const char *spec, char *shown, size_t nshown, int *ipv6,
	struct hd_error *e)
{
	char host[256], port[16];
	const char *colon, *h = spec, *ps;
	size_t hl;
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = -1, one = 1, rc, err = 0;
	char *end;
	long pn;

	if (spec[0] == '[') {
		colon = strstr(spec, "]:");
		h = spec + 1;
		hl = colon ? (size_t)(colon - h) : 0;
		colon = colon ? colon + 1 : NULL;
	} else {
		colon = strrchr(spec, ':');
		hl = colon ? (size_t)(colon - spec) : 0;
	}
	ps = colon ? colon + 1 : spec;
	if (colon == NULL) {
		snprintf(host, sizeof host, "127.0.0.1");
	} else if (hl == 0) {
		snprintf(host, sizeof host, "0.0.0.0");
	} else if (hl < sizeof host) {
		memcpy(host, h, hl);
		host[hl] = '\0';
	} else {
		return hd_err(e, HD_EUSAGE, "--listen '%s': address too long",
			spec);
	}
	pn = strtol(ps, &end, 10);
	if (*ps == '\0' || *end != '\0' || pn < 0 || pn > 65535) {
		return hd_err(e, HD_EUSAGE, "--listen '%s': give ADDR:PORT, "
			"e.g. 127.0.0.1:8080", spec);
	}
	snprintf(port, sizeof port, "%ld", pn);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		return hd_err(e, HD_EUSAGE, "--listen '%s': %s", spec,
			gai_strerror(rc));
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 511) == 0) {
			*ipv6 = ai->ai_family == AF_INET6;
			break;
		}
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		return hd_err(e, HD_EIO, "%s:%s: %s", host, port,
			strerror(err));
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			pn = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			pn = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
	}
	if (*ipv6) {
		snprintf(shown, nshown, "[%s]:%ld", host, pn);
	} else {
		snprintf(shown, nshown, "%s:%ld", host, pn);
	}
	return fd;
}
