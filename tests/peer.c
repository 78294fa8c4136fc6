/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-peer: the test suite's TCP peer.  It listens, prints its port, and
 * treats every accepted connection the way -m says: echo, hold, close
 * (FIN), rst, sink, halfclose, or never accepts at all.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockprobe.h"
#include "testlib.h"

#define MAX_CONNS	1024

enum mode { M_ECHO, M_HOLD, M_CLOSE, M_RST, M_SINK, M_HALFCLOSE,
    M_NOACCEPT };

static const char *const mode_names[] = {
	"echo", "hold", "close", "rst", "sink", "halfclose", "noaccept",
};

struct conn {
	int	fd;
	int64_t	act_at;		/* when the mode's action is due; 0 done */
};

struct peer {
	enum mode	mode;
	int		delay_ms;
	long		limit;		/* connections to handle, 0 = forever */
	long		handled;
	int		lfd;
	struct conn	conns[MAX_CONNS];
	size_t		nconns;
};

static int	peer_listen(const char *, int);
static void	peer_accept(struct peer *);
static void	peer_act(struct peer *, struct conn *);
static void	peer_io(struct peer *, struct conn *);
static void	peer_drop(struct peer *, size_t);
static void	peer_loop(struct peer *);
static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: sp-peer [-l ADDR:PORT] [-m MODE] [-d MS] "
	    "[-n N] [-b BACKLOG]\n"
	    "modes: echo hold close rst sink halfclose noaccept\n");
	exit(2);
}

/* Bind and listen on addr ("127.0.0.1:0", "[::1]:0", ...). */
static int
peer_listen(const char *addr, int backlog)
{
	struct addrinfo	 hints = { .ai_socktype = SOCK_STREAM,
			    .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
	struct addrinfo	*res;
	char		 host[256], port[8];
	const char	*errstr;
	uint16_t	 p;
	int		 fd, one = 1;

	if (sp_hostport_split(addr, host, sizeof(host), &p, &errstr) == -1) {
		/* Port 0 is refused by the splitter but wanted here. */
		const char *colon = strrchr(addr, ':');

		if (colon == NULL || strcmp(colon, ":0") != 0 ||
		    (size_t)(colon - addr) >= sizeof(host)) {
			fprintf(stderr, "sp-peer: %s: %s\n", addr, errstr);
			exit(2);
		}
		memcpy(host, addr, colon - addr);
		host[colon - addr] = '\0';
		if (host[0] == '[') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		p = 0;
	}
	snprintf(port, sizeof(port), "%u", p);
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		fprintf(stderr, "sp-peer: %s: bad address\n", addr);
		exit(2);
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, backlog) == -1) {
		fprintf(stderr, "sp-peer: listen %s: %s\n", addr,
		    strerror(errno));
		exit(1);
	}
	freeaddrinfo(res);
	return fd;
}

static void
peer_accept(struct peer *pr)
{
	struct conn	*c;
	int		 fd;

	if ((fd = accept4(pr->lfd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) == -1)
		return;
	if (pr->nconns == MAX_CONNS) {
		close(fd);
		return;
	}
	c = &pr->conns[pr->nconns++];
	c->fd = fd;
	c->act_at = tl_now_ms() + pr->delay_ms;
	if (pr->delay_ms == 0)
		peer_act(pr, c);
}

/* The mode's action on one connection, once its delay has passed. */
static void
peer_act(struct peer *pr, struct conn *c)
{
	c->act_at = 0;
	switch (pr->mode) {
	case M_CLOSE:
		close(c->fd);
		c->fd = -1;
		break;
	case M_RST:
		(void)sp_close_rst(c->fd);
		c->fd = -1;
		break;
	case M_HALFCLOSE:
		(void)shutdown(c->fd, SHUT_WR);
		break;
	default:
		break;
	}
	if (c->fd == -1)
		pr->handled++;
}

/* Readable: echo or discard; EOF or error ends the connection. */
static void
peer_io(struct peer *pr, struct conn *c)
{
	char	buf[65536];
	ssize_t	n;

	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n > 0 && pr->mode == M_ECHO)
		(void)send(c->fd, buf, n, MSG_NOSIGNAL);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		close(c->fd);
		c->fd = -1;
		pr->handled++;
	}
}

static void
peer_drop(struct peer *pr, size_t i)
{
	pr->conns[i] = pr->conns[--pr->nconns];
}

static void
peer_loop(struct peer *pr)
{
	struct pollfd	pfd[MAX_CONNS + 1];
	size_t		i;
	int64_t		now;

	for (;;) {
		if (pr->limit > 0 && pr->handled >= pr->limit)
			return;
		pfd[0].fd = pr->mode == M_NOACCEPT ? -1 : pr->lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < pr->nconns; i++) {
			pfd[i + 1].fd = pr->conns[i].fd;
			/*
			 * hold never reads: the peer's window fills.  Nor
			 * does a connection whose action is still due: a
			 * FIN it got meanwhile would make poll() return at
			 * once, over and over, until then.
			 */
			pfd[i + 1].events = pr->mode == M_HOLD ||
			    pr->conns[i].act_at != 0 ? 0 : POLLIN;
		}
		if (poll(pfd, pr->nconns + 1, 10) == -1 && errno != EINTR)
			exit(1);
		if (pfd[0].revents & POLLIN)
			peer_accept(pr);
		now = tl_now_ms();
		for (i = 0; i < pr->nconns; i++) {
			struct conn *c = &pr->conns[i];

			if (c->act_at != 0 && now >= c->act_at)
				peer_act(pr, c);
			else if (c->fd != -1 && c->act_at == 0 &&
			    (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				peer_io(pr, c);
		}
		for (i = pr->nconns; i-- > 0;)
			if (pr->conns[i].fd == -1)
				peer_drop(pr, i);
	}
}

int
main(int argc, char *argv[])
{
	struct peer	 pr = { .mode = M_ECHO, .lfd = -1 };
	const char	*addr = "127.0.0.1:0";
	struct sockaddr_storage ss;
	socklen_t	 sslen = sizeof(ss);
	char		 host[NI_MAXHOST], port[NI_MAXSERV];
	size_t		 i;
	int		 ch, backlog = 128;

	while ((ch = getopt(argc, argv, "b:d:l:m:n:")) != -1) {
		switch (ch) {
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'd':
			pr.delay_ms = atoi(optarg);
			break;
		case 'l':
			addr = optarg;
			break;
		case 'm':
			for (i = 0; i < sizeof(mode_names) /
			    sizeof(mode_names[0]); i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					break;
			if (i == sizeof(mode_names) / sizeof(mode_names[0]))
				usage();
			pr.mode = (enum mode)i;
			break;
		case 'n':
			pr.limit = atol(optarg);
			break;
		default:
			usage();
		}
	}
	signal(SIGPIPE, SIG_IGN);
	pr.lfd = peer_listen(addr, backlog);
	if (getsockname(pr.lfd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host),
	    port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		exit(1);
	printf("%s\n", port);
	fflush(stdout);
	peer_loop(&pr);
	return 0;
}
