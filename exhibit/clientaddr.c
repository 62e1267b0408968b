/*
 * clientaddr.c - who the client of a request is: the peer's address as
 * text, and, for a request that came through the trusted proxy in front
 * (serve --trusted-proxy), the client that proxy names.
 *
 * Guarantees: an address is only ever taken from X-Forwarded-For when
 * it parses as an IPv4 or IPv6 address, and only the last one is
 * believed: that is the one the proxy added, while any earlier ones are
 * whatever the client chose to send.  Whether the peer is the trusted
 * proxy at all is the caller's test (httpd.c), made before any header is
 * looked at.
 */
#include "server_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* See server_int.h. */
void client_addr_text(const struct sockaddr *sa, char out[INET6_ADDRSTRLEN])
{
	if (sa == NULL) {
		snprintf(out, INET6_ADDRSTRLEN, "-");
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			(const void *)sa)->sin6_addr, out, INET6_ADDRSTRLEN);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
			(const void *)sa)->sin_addr, out, INET6_ADDRSTRLEN);
	}
}

/* See server_int.h.  The last comma-separated item of xff, blanks
 * around it trimmed, must fit and parse (inet_pton) as it stands. */
int client_forwarded(const char *xff, const char *proto,
	char out[INET6_ADDRSTRLEN], int *tls)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char addr[INET6_ADDRSTRLEN];
	const char *p, *end;
	size_t n;

	*tls = proto != NULL && strcasecmp(proto, "https") == 0;
	if (xff == NULL) {
		return 0;
	}
	p = strrchr(xff, ',');
	p = p != NULL ? p + 1 : xff;
	while (*p == ' ' || *p == '\t') {
		p++;
	}
	for (end = p + strlen(p); end > p && (end[-1] == ' ' ||
	    end[-1] == '\t'); end--) {
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof addr) {
		return 0;
	}
	memcpy(addr, p, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1) {
		return 0;
	}
	memcpy(out, addr, n + 1);
	return 1;
}
