/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-httpget: one HTTP/1.1 request, as a scraper sends it, without curl:
 *   sp-httpget [-X METHOD] [-H LINE]... [-o BODY] [-t MS] HOST:PORT PATH
 * prints the status code on the first line, then the response's header
 * lines as they came (CR removed), and writes the body to BODY (or
 * nothing).  The request closes the connection, so the body ends at
 * EOF.  Exit 0 when a response came, 1 when none did within MS (default
 * 5000) or the connection failed, 2 on a usage error.
 */

#include "config.h"

#include <sys/socket.h>

#include <netdb.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockprobe.h"

#define MAX_HEADERS	16
#define MAX_RESPONSE	(256 * 1024 * 1024)

static void	usage(void) __attribute__((noreturn));
static int	dial(const char *);
static long	ms_left(const struct timespec *, long);
static int	request(int, const char *, const char *, char **, int,
		    long, const struct timespec *);
static char	*response(int, size_t *, long, const struct timespec *);
static int	report(const char *, size_t, const char *);

static void
usage(void)
{
	fprintf(stderr, "usage: sp-httpget [-X METHOD] [-H LINE]... "
	    "[-o BODY] [-t MS] HOST:PORT PATH\n");
	exit(2);
}

/* A connected TCP socket to host:port, or -1 after a message. */
static int
dial(const char *hostport)
{
	struct addrinfo	 hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	const char	*errstr;
	char		 host[256], port[8];
	uint16_t	 p;
	int		 fd = -1, rc;

	if (sp_hostport_split(hostport, host, sizeof(host), &p,
	    &errstr) == -1) {
		fprintf(stderr, "sp-httpget: %s: %s\n", hostport, errstr);
		exit(2);
	}
	(void)snprintf(port, sizeof(port), "%u", p);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "sp-httpget: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		(void)close(fd);
		fd = -1;
	}
	if (fd == -1)
		fprintf(stderr, "sp-httpget: %s: %s\n", hostport,
		    strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* Milliseconds left of limit since t0, at least 0. */
static long
ms_left(const struct timespec *t0, long limit)
{
	struct timespec	now;
	long		used;

	clock_gettime(CLOCK_MONOTONIC, &now);
	used = (now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
	return used >= limit ? 0 : limit - used;
}

/* Send the request line, the headers and the blank line. */
static int
request(int fd, const char *method, const char *path, char **headers,
    int nheaders, long limit, const struct timespec *t0)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLOUT };
	char		 buf[16384];
	size_t		 len, off = 0;
	ssize_t		 n;
	int		 i;

	len = (size_t)snprintf(buf, sizeof(buf), "%s %s HTTP/1.1\r\n"
	    "Host: sockprobe\r\nConnection: close\r\n", method, path);
	for (i = 0; i < nheaders && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s\r\n", headers[i]);
	if (len + 3 > sizeof(buf)) {
		fprintf(stderr, "sp-httpget: request longer than %zu bytes\n",
		    sizeof(buf));
		exit(2);
	}
	memcpy(buf + len, "\r\n", 3);
	len += 2;
	while (off < len) {
		if (poll(&pfd, 1, (int)ms_left(t0, limit)) <= 0)
			return -1;
		if ((n = send(fd, buf + off, len - off, MSG_NOSIGNAL)) == -1)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Everything the server sends until it closes, NUL-terminated. */
static char *
response(int fd, size_t *lenp, long limit, const struct timespec *t0)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		*buf = NULL, *p;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;

	for (;;) {
		if (len + 65536 + 1 > cap) {
			cap = cap == 0 ? 262144 : cap * 2;
			if (cap > MAX_RESPONSE || (p = realloc(buf, cap)) ==
			    NULL) {
				fprintf(stderr, "sp-httpget: response too "
				    "large\n");
				exit(1);
			}
			buf = p;
		}
		if (poll(&pfd, 1, (int)ms_left(t0, limit)) <= 0) {
			fprintf(stderr, "sp-httpget: no complete response "
			    "within %ld ms (%zu bytes)\n", limit, len);
			exit(1);
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == -1 && errno == EINTR)
			continue;
		/* A reset after a full answer (an error reply) still counts. */
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Status and headers to stdout, the body to bodypath. */
static int
report(const char *buf, size_t len, const char *bodypath)
{
	const char	*end, *line, *eol, *body;
	FILE		*fp;
	int		 code;

	if ((end = strstr(buf, "\r\n\r\n")) == NULL ||
	    sscanf(buf, "HTTP/1.%*d %d", &code) != 1) {
		fprintf(stderr, "sp-httpget: not an HTTP response (%zu "
		    "bytes)\n", len);
		return 1;
	}
	printf("%d\n", code);
	for (line = strstr(buf, "\r\n") + 2; line < end; line = eol + 2) {
		eol = strstr(line, "\r\n");
		printf("%.*s\n", (int)(eol - line), line);
	}
	body = end + 4;
	if (bodypath == NULL)
		return 0;
	if ((fp = fopen(bodypath, "w")) == NULL ||
	    fwrite(body, 1, len - (size_t)(body - buf), fp) !=
	    len - (size_t)(body - buf) || fclose(fp) != 0) {
		fprintf(stderr, "sp-httpget: %s: %s\n", bodypath,
		    strerror(errno));
		return 1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct timespec	 t0;
	const char	*method = "GET", *bodypath = NULL;
	char		*headers[MAX_HEADERS], *buf, *end;
	size_t		 len;
	long		 limit = 5000;
	int		 ch, fd, nheaders = 0, rc;

	while ((ch = getopt(argc, argv, "H:o:t:X:")) != -1) {
		switch (ch) {
		case 'H':
			if (nheaders == MAX_HEADERS)
				usage();
			headers[nheaders++] = optarg;
			break;
		case 'o':
			bodypath = optarg;
			break;
		case 't':
			limit = strtol(optarg, &end, 10);
			if (*end != '\0' || limit <= 0 || limit > 60000)
				usage();
			break;
		case 'X':
			method = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((fd = dial(argv[optind])) == -1)
		return 1;
	if (request(fd, method, argv[optind + 1], headers, nheaders, limit,
	    &t0) == -1) {
		fprintf(stderr, "sp-httpget: sending: %s\n", strerror(errno));
		(void)close(fd);
		return 1;
	}
	buf = response(fd, &len, limit, &t0);
	(void)close(fd);
	rc = report(buf, len, bodypath);
	free(buf);
	return rc;
}
