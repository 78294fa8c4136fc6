/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Helpers for the C tests: loopback listeners and connected pairs, a
 * monotonic clock, and bounded waits.  Header-only: every test is one
 * translation unit.  Any failure here aborts the test (exit 99, automake's
 * "hard error"), never passes it.
 */

#ifndef TESTLIB_H
#define TESTLIB_H

#include <sys/socket.h>
#include <sys/ioctl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TL_UNUSED	__attribute__((unused))

static TL_UNUSED void
tl_die(const char *what)
{
	fprintf(stderr, "test setup failed: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* Milliseconds on CLOCK_MONOTONIC. */
static TL_UNUSED int64_t
tl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static TL_UNUSED void
tl_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A listening socket on 127.0.0.1 with an ephemeral port. */
static TL_UNUSED int
tl_listen_lo(uint16_t *port)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);
	int			 fd, one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		tl_die("socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		tl_die("listen");
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A loopback address with port, for connect(). */
static TL_UNUSED struct sockaddr_in
tl_addr_lo(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	return sin;
}

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static TL_UNUSED uint16_t
tl_closed_port(void)
{
	uint16_t	port;
	int		fd = tl_listen_lo(&port);

	close(fd);
	return port;
}

/* A blocking TCP socket connected to 127.0.0.1:port. */
static TL_UNUSED int
tl_connect_lo(uint16_t port)
{
	struct sockaddr_in	sin = tl_addr_lo(port);
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		tl_die("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		tl_die("connect");
	return fd;
}

/* A connected loopback pair: *client connected, *server accepted. */
static TL_UNUSED void
tl_pair(int *client, int *server)
{
	uint16_t	port;
	int		lfd = tl_listen_lo(&port);

	*client = tl_connect_lo(port);
	if ((*server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		tl_die("accept");
	close(lfd);
}

/* tcpi_state of fd, or -1. */
static TL_UNUSED int
tl_tcp_state(int fd)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	return ti.tcpi_state;
}

/* Wait up to timeout_ms for fd to reach state; 0 when it did, else -1. */
static TL_UNUSED int
tl_wait_state(int fd, int state, int timeout_ms)
{
	int64_t deadline = tl_now_ms() + timeout_ms;

	while (tl_tcp_state(fd) != state) {
		if (tl_now_ms() >= deadline)
			return -1;
		tl_sleep_ms(2);
	}
	return 0;
}

/* Wait up to timeout_ms for any of events on fd; the revents, 0 if none. */
static TL_UNUSED short
tl_wait_events(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	if (poll(&pfd, 1, timeout_ms) == -1)
		tl_die("poll");
	return pfd.revents;
}

/* Close with SO_LINGER {1, 0}: the peer gets an RST. */
static TL_UNUSED void
tl_close_rst(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == -1)
		tl_die("SO_LINGER");
	close(fd);
}

#endif /* TESTLIB_H */
