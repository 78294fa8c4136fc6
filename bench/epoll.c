/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-bench-epoll: the physical baseline for sp-bench.  It holds N
 * loopback connections in one epoll set (EPOLLIN|EPOLLRDHUP), does
 * nothing but recv on wake, and prints when each one died; on request
 * it reads TCP_INFO of every connection once per interval, the least
 * a TCP_INFO poller can do.  No library of ours, no libevent.
 */

#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS		100		/* the sweep runs in slices */
#define STDIN_TAG	UINT32_MAX
#define MAX_EVENTS	64

struct held {
	int	*fds;			/* -1 once dead */
	size_t	 n;
	size_t	 alive;
	int	 ep;
	int64_t	 sweep_ms;		/* 0: no TCP_INFO sweep */
	size_t	 cursor;		/* next fd the sweep reads */
	int64_t	 next_tick;		/* CLOCK_MONOTONIC ns */
};

static int64_t	now_ns(clockid_t);
static void	parse_addr(const char *, struct sockaddr_in *);
static char	**read_list(const char *, size_t *);
static void	connect_all(struct held *, char **, size_t);
static void	on_conn(struct held *, uint32_t);
static int	on_stdin(struct held *);
static void	sweep_slice(struct held *);
static int	next_timeout(struct held *);
static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: sp-bench-epoll [-n N] -f FILE | "
	    "ADDR:PORT...\n"
	    "  connection i goes to address i (mod their number); -n "
	    "defaults to that number\n");
	exit(2);
}

static int64_t
now_ns(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* "A.B.C.D:PORT", numeric only. */
static void
parse_addr(const char *s, struct sockaddr_in *sin)
{
	char		 host[32];
	const char	*colon = strrchr(s, ':');
	long		 port;
	char		*end;

	memset(sin, 0, sizeof(*sin));
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		errx(2, "%s: not ADDR:PORT", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535 ||
	    inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		errx(2, "%s: not ADDR:PORT", s);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
}

/* The addresses in a file, one a line. */
static char **
read_list(const char *path, size_t *n)
{
	char	**v = NULL, line[128];
	size_t	  cap = 0;
	FILE	 *fp;

	*n = 0;
	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				err(1, "realloc");
		}
		if ((v[(*n)++] = strdup(line)) == NULL)
			err(1, "strdup");
	}
	fclose(fp);
	return v;
}

/* Connection i goes to address i mod naddrs; blocking, then epoll. */
static void
connect_all(struct held *h, char **addrs, size_t naddrs)
{
	struct sockaddr_in	*sins;
	struct epoll_event	 ev;
	size_t			 i;
	int			 fd;

	if ((sins = calloc(naddrs, sizeof(*sins))) == NULL)
		err(1, "calloc");
	for (i = 0; i < naddrs; i++)
		parse_addr(addrs[i], &sins[i]);
	for (i = 0; i < h->n; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			err(1, "socket %zu", i);
		if (connect(fd, (struct sockaddr *)&sins[i % naddrs],
		    sizeof(sins[0])) == -1)
			err(1, "connect %s", addrs[i % naddrs]);
		h->fds[i] = fd;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			err(1, "epoll_ctl");
	}
	h->alive = h->n;
	free(sins);
}

/*
 * A connection woke: recv says FIN (0), RST (ECONNRESET) or another
 * error.  The time is taken right after recv, the earliest moment a
 * program can know; then the connection is dropped and reported.
 */
static void
on_conn(struct held *h, uint32_t i)
{
	char		 buf[4096];
	const char	*cause;
	ssize_t		 n;
	int64_t		 t;
	int		 e;

	if (i >= h->n || h->fds[i] == -1)
		return;
	n = recv(h->fds[i], buf, sizeof(buf), MSG_DONTWAIT);
	e = errno;
	t = now_ns(CLOCK_REALTIME);
	if (n > 0 || (n == -1 && (e == EAGAIN || e == EINTR)))
		return;
	if (n == 0)
		cause = "peer_closed";
	else if (e == ECONNRESET)
		cause = "reset";
	else
		cause = strerror(e);
	(void)epoll_ctl(h->ep, EPOLL_CTL_DEL, h->fds[i], NULL);
	close(h->fds[i]);
	h->fds[i] = -1;
	h->alive--;
	printf("ev %lld %u %s\n", (long long)t, i, cause);
	fflush(stdout);
}

/*
 * Commands on stdin, one a line: "sweep MS" (0 stops the sweep) or
 * "quit".  Returns -1 to quit, also at EOF.
 */
static int
on_stdin(struct held *h)
{
	static char	 buf[256];
	static size_t	 len;
	char		*nl, *end;
	ssize_t		 n;
	long		 ms;

	if ((n = read(0, buf + len, sizeof(buf) - 1 - len)) <= 0)
		return n == -1 && errno == EINTR ? 0 : -1;
	len += (size_t)n;
	buf[len] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		if (strcmp(buf, "quit") == 0)
			return -1;
		if (strncmp(buf, "sweep ", 6) == 0) {
			ms = strtol(buf + 6, &end, 10);
			if (ms >= 0 && *end == '\0') {
				h->sweep_ms = ms;
				h->next_tick = now_ns(CLOCK_MONOTONIC) +
				    TICK_MS * 1000000LL;
				printf("ok sweep %ld\n", ms);
				fflush(stdout);
			}
		}
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len + 1);
	}
	if (len == sizeof(buf) - 1)
		len = 0;		/* a line too long: drop it */
	return 0;
}

/*
 * One slice of the sweep: the share of connections due every TICK_MS
 * so that each is read once per sweep_ms, as a TCP_INFO poller must.
 */
static void
sweep_slice(struct held *h)
{
	struct tcp_info	ti;
	socklen_t	len;
	size_t		share, done = 0, looked = 0;

	share = (h->n * TICK_MS + (size_t)h->sweep_ms - 1) /
	    (size_t)h->sweep_ms;
	while (done < share && looked < h->n) {
		if (h->cursor >= h->n)
			h->cursor = 0;
		looked++;
		if (h->fds[h->cursor] != -1) {
			len = sizeof(ti);
			(void)getsockopt(h->fds[h->cursor], IPPROTO_TCP,
			    TCP_INFO, &ti, &len);
			done++;
		}
		h->cursor++;
	}
}

/* Milliseconds to the next sweep tick; bounded even without a sweep. */
static int
next_timeout(struct held *h)
{
	int64_t	now = now_ns(CLOCK_MONOTONIC), left;

	if (h->sweep_ms == 0)
		return 1000;
	while (h->next_tick <= now) {
		sweep_slice(h);
		h->next_tick += TICK_MS * 1000000LL;
		now = now_ns(CLOCK_MONOTONIC);
	}
	left = h->next_tick - now;
	return (int)((left + 999999) / 1000000);
}

int
main(int argc, char *argv[])
{
	struct epoll_event	 evs[MAX_EVENTS], ev;
	struct held		 h = { 0 };
	struct rlimit		 rl;
	char			*end, **list = NULL;
	size_t			 nlist = 0;
	int			 n, i, ch;

	while ((ch = getopt(argc, argv, "f:n:")) != -1) {
		switch (ch) {
		case 'f':
			list = read_list(optarg, &nlist);
			break;
		case 'n':
			h.n = strtoul(optarg, &end, 10);
			if (*end != '\0' || h.n == 0 || h.n > 1000000)
				errx(2, "-n %s: 1 to 1000000", optarg);
			break;
		default:
			usage();
		}
	}
	if (list == NULL) {
		list = argv + optind;
		nlist = (size_t)(argc - optind);
	} else if (optind != argc)
		usage();
	if (nlist == 0)
		usage();
	if (h.n == 0)
		h.n = nlist;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((h.fds = calloc(h.n, sizeof(int))) == NULL)
		err(1, "calloc");
	if ((h.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = STDIN_TAG;
	if (epoll_ctl(h.ep, EPOLL_CTL_ADD, 0, &ev) == -1)
		err(1, "epoll_ctl stdin");
	connect_all(&h, list, nlist);
	printf("ready %zu\n", h.n);
	fflush(stdout);
	for (;;) {
		n = epoll_wait(h.ep, evs, MAX_EVENTS, next_timeout(&h));
		if (n == -1 && errno != EINTR)
			err(1, "epoll_wait");
		for (i = 0; i < n; i++) {
			if (evs[i].data.u32 != STDIN_TAG)
				on_conn(&h, evs[i].data.u32);
			else if (on_stdin(&h) == -1)
				return 0;
		}
	}
}
