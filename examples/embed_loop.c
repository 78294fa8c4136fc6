/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * How to embed libsockprobe in an event loop of your own, here plain
 * poll(): connect to HOST:PORT (or, with no argument, to a loopback peer
 * made here that says hello and then closes) and print each verdict as
 * readiness, data and periodic TCP_INFO samples arrive.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netdb.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockprobe.h"

#define INFO_INTERVAL_MS	500	/* TCP_INFO sampling period */
#define SELF_DEADLINE_MS	5000	/* self test: bound on the whole run */

struct loop {
	int		fd;		/* the monitored connection */
	int		lfd;		/* self test: our listener, else -1 */
	int		peer;		/* self test: the peer's end, else -1 */
	bool		connected;
	bool		rdhup_seen;	/* sp_check_read ran for the hangup */
	bool		done;		/* the connection is down */
	bool		saw_peer_closed;
	enum sp_cause	last_info;	/* report TCP_INFO only on change */
	int64_t		start;
	int64_t		next_info;
};

static int64_t	now_ms(void);
static void	report(struct loop *, const char *, const struct sp_verdict *);
static int	open_target(const char *, struct sockaddr_storage *,
		    socklen_t *);
static int	open_self(struct loop *, struct sockaddr_storage *,
		    socklen_t *);
static void	apply_options(int);
static void	on_connect(struct loop *);
static void	on_established(struct loop *);
static void	on_readable(struct loop *, short);
static void	on_tick(struct loop *);
static void	run(struct loop *, bool);
static void	usage(void) __attribute__((noreturn));

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Print one verdict and remember what it means for the loop. */
static void
report(struct loop *l, const char *via, const struct sp_verdict *v)
{
	printf("%6lld ms  %-18s %-9s %-12s %-12s %s\n",
	    (long long)(now_ms() - l->start), via,
	    sp_technique_name(v->technique), sp_cause_name(v->cause),
	    sp_tcp_state_name(v->tcp_state), v->detail);
	fflush(stdout);
	if (v->cause == SP_CAUSE_PEER_CLOSED)
		l->saw_peer_closed = true;
	if (sp_cause_severity(v->cause) == SP_SEVERITY_DOWN)
		l->done = true;
}

/* Resolve HOST:PORT (blocking getaddrinfo: fine in an example). */
static int
open_target(const char *arg, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo	 hints = { .ai_socktype = SOCK_STREAM,
			    .ai_flags = AI_NUMERICSERV };
	struct addrinfo	*res;
	const char	*errstr;
	char		 host[256], port[8];
	uint16_t	 p;
	int		 fd, rc;

	if (sp_hostport_split(arg, host, sizeof(host), &p, &errstr) == -1)
		errx(2, "%s: %s", arg, errstr);
	(void)snprintf(port, sizeof(port), "%u", p);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		errx(2, "%s: %s", arg, gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	freeaddrinfo(res);
	if (fd == -1)
		err(2, "socket");
	return fd;
}

/* Self test: a listener on 127.0.0.1 whose peer end we control. */
static int
open_self(struct loop *l, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	int			 fd;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*sslen = sizeof(*sin);
	if ((l->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(l->lfd, (struct sockaddr *)sin, *sslen) == -1 ||
	    listen(l->lfd, 1) == -1 ||
	    getsockname(l->lfd, (struct sockaddr *)sin, sslen) == -1)
		err(2, "listen");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		err(2, "socket");
	return fd;
}

/*
 * Keepalive 10 s + 2 s x 3 notices a silent peer on an idle connection;
 * the user timeout bounds unacknowledged data (and overrides the probe
 * count).  Both end in an ETIMEDOUT that sp_check_read() attributes.
 */
static void
apply_options(int fd)
{
	struct sp_keepalive	ka = { .enabled = true, .idle_s = 10,
				    .interval_s = 2, .count = 3 };
	uint32_t		ut;

	if (sp_set_keepalive(fd, &ka) == -1 ||
	    sp_set_user_timeout(fd, 10000) == -1)
		err(2, "socket options");
	if (sp_get_keepalive(fd, &ka) == -1 ||
	    sp_get_user_timeout(fd, &ut) == -1)
		err(2, "socket options");
	printf("keepalive %s idle %us interval %us count %u, "
	    "user timeout %u ms\n", ka.enabled ? "on" : "off", ka.idle_s,
	    ka.interval_s, ka.count, ut);
}

/* POLLOUT or POLLERR while connecting: SO_ERROR says which. */
static void
on_connect(struct loop *l)
{
	struct sp_verdict	v;

	if (sp_connect_check(l->fd, &v) == -1)
		err(2, "sp_connect_check");
	if (v.cause == SP_CAUSE_NONE && v.tcp_state == SP_TCP_SYN_SENT)
		return;				/* not yet */
	report(l, "sp_connect_check", &v);
	if (v.cause == SP_CAUSE_NONE)
		on_established(l);
}

/* Connected: in the self test the peer greets us, then closes at a tick. */
static void
on_established(struct loop *l)
{
	l->connected = true;
	l->next_info = now_ms();
	if (l->lfd == -1)
		return;
	if ((l->peer = accept(l->lfd, NULL, NULL)) == -1)
		err(2, "accept");
	if (send(l->peer, "hello\n", 6, MSG_NOSIGNAL) != 6)
		err(2, "send");
}

/*
 * Readable.  A hangup or error first goes to sp_check_read(), which
 * takes a pending error the one time the kernel offers it and sees a FIN
 * behind unread data; then we read as the application would and let
 * sp_classify_recv() judge what our own recv() returned.
 */
static void
on_readable(struct loop *l, short revents)
{
	struct sp_verdict	v;
	char			buf[512];
	ssize_t			n;
	int			saved_errno;

	if ((revents & (POLLRDHUP | POLLERR | POLLHUP)) && !l->rdhup_seen) {
		l->rdhup_seen = true;
		if (sp_check_read(l->fd, &v) == -1)
			err(2, "sp_check_read");
		report(l, "sp_check_read", &v);
		/* After an error was taken, recv says 0: a fake clean EOF. */
		if (l->done && v.cause != SP_CAUSE_PEER_CLOSED)
			return;
	}
	n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
	saved_errno = errno;
	(void)sp_classify_recv(l->fd, n, saved_errno, &v);
	report(l, "sp_classify_recv", &v);
	if (n == 0) {
		/* CLOSE_WAIT lasts until we close: TCP_INFO agrees. */
		if (sp_check_tcp_info(l->fd, &v, NULL) == -1)
			err(2, "sp_check_tcp_info");
		report(l, "sp_check_tcp_info", &v);
	}
}

/* Every INFO_INTERVAL_MS: sample TCP_INFO, print it when it changes. */
static void
on_tick(struct loop *l)
{
	struct sp_verdict	v;

	l->next_info = now_ms() + INFO_INTERVAL_MS;
	if (sp_check_tcp_info(l->fd, &v, NULL) == -1)
		err(2, "sp_check_tcp_info");
	if (v.cause != l->last_info)
		report(l, "sp_check_tcp_info", &v);
	l->last_info = v.cause;
	if (l->peer != -1) {
		printf("self test: the peer closes its end now\n");
		close(l->peer);
		l->peer = -1;
	}
}

/* The event loop: one poll() over the connection, with a TCP_INFO timer. */
static void
run(struct loop *l, bool self)
{
	struct pollfd	pfd = { .fd = l->fd };
	int64_t		wait;
	int		n;

	while (!l->done) {
		if (self && now_ms() - l->start > SELF_DEADLINE_MS)
			errx(1, "self test: no verdict within %d ms",
			    SELF_DEADLINE_MS);
		pfd.events = l->connected ? POLLIN | POLLRDHUP : POLLOUT;
		wait = l->connected ? l->next_info - now_ms() : 1000;
		if ((n = poll(&pfd, 1, wait < 0 ? 0 : (int)wait)) == -1) {
			if (errno == EINTR)
				continue;
			err(2, "poll");
		}
		if (!l->connected) {
			if (n > 0)
				on_connect(l);
			continue;
		}
		if (n > 0)
			on_readable(l, pfd.revents);
		if (!l->done && now_ms() >= l->next_info)
			on_tick(l);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: embed_loop [HOST:PORT]\n"
	    "With no target, connects to a loopback peer that closes, and\n"
	    "exits 0 once the verdict peer_closed was observed.\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage	ss;
	struct sp_verdict	v;
	struct loop		l = { .lfd = -1, .peer = -1,
				    .last_info = SP_CAUSE__MAX };
	socklen_t		sslen;
	bool			self = argc == 1;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		usage();
	printf("libsockprobe %s\n", sp_version());
	l.fd = self ? open_self(&l, &ss, &sslen) :
	    open_target(argv[1], &ss, &sslen);
	apply_options(l.fd);
	l.start = now_ms();
	if (sp_connect_start(l.fd, (struct sockaddr *)&ss, sslen, &v) == -1)
		err(2, "sp_connect_start");
	report(&l, "sp_connect_start", &v);
	if (v.cause == SP_CAUSE_NONE && v.tcp_state == SP_TCP_ESTABLISHED)
		on_established(&l);
	if (!l.done)
		run(&l, self);
	close(l.fd);
	if (l.lfd != -1)
		close(l.lfd);
	if (self)
		return l.saw_peer_closed ? 0 : 1;
	return 1;				/* the connection went down */
}
