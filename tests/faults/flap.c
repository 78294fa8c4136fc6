/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-flap: TCP clients that come and go, for the fault tests and the
 * soak.  Two ways:
 *
 *   sp-flap -n N ADDR:PORT
 *	open N connections and hold them until SIGTERM or SIGINT; a line
 *	"established E pending P closed C" is printed each time one of
 *	the counts changes (C: connections the other side ended).
 *
 *   sp-flap -r RATE -t SECONDS [-H MS] [-R PERCENT] ADDR:PORT
 *	open RATE connections a second for SECONDS, hold each a random
 *	0..MS (default 500) once established, then close it: PERCENT of
 *	them (default 25) with an RST (SO_LINGER 0), the rest with a FIN.
 *	At the end, one line: "connected N fin N rst N failed N".
 *
 * Connects are nonblocking, with a 5 s deadline each; every connection
 * is the client's alone, so one that is established and then closed is
 * exactly one peer the server must see come and go.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../testlib.h"

#define CONNECT_MS	5000		/* deadline of one connect */
#define TICK_MS		10		/* pacing of new connections */

enum cstate { C_CONNECTING, C_HELD, C_DONE };

struct conn {
	int		fd;
	enum cstate	state;
	int64_t		at;		/* deadline or close time (ms) */
};

struct flap {
	struct sockaddr_in	 sin;
	struct conn		*c;
	size_t			 n, cap;
	long			 rate;		/* 0: hold mode */
	long			 hold_n;
	int			 seconds;
	int			 hold_ms;
	int			 rst_pct;
	uint64_t		 connected, fin, rst, failed, closed;
	uint64_t		 pending;
};

static volatile sig_atomic_t	stop;

static void	usage(void) __attribute__((noreturn));
static void	on_signal(int);
static int	rnd(int);
static void	flap_open(struct flap *, int64_t);
static void	flap_close(struct flap *, struct conn *);
static void	flap_poll(struct flap *, int);
static void	flap_event(struct flap *, struct conn *, short, int64_t);
static void	flap_compact(struct flap *);
static void	flap_report(struct flap *, bool);
static void	flap_hold(struct flap *);
static void	flap_run(struct flap *);

static void
usage(void)
{
	fprintf(stderr, "usage: sp-flap -n N ADDR:PORT\n"
	    "       sp-flap -r RATE -t SECONDS [-H MS] [-R PERCENT] "
	    "ADDR:PORT\n");
	exit(2);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A random number in [0, n]. */
static int
rnd(int n)
{
	return n <= 0 ? 0 : (int)(random() % (n + 1));
}

/* One more nonblocking connect. */
static void
flap_open(struct flap *f, int64_t now)
{
	struct conn	*c;
	int		 fd;

	if (f->n == f->cap) {
		f->cap = f->cap == 0 ? 256 : f->cap * 2;
		if ((f->c = realloc(f->c, f->cap * sizeof(*f->c))) == NULL) {
			perror("sp-flap: realloc");
			exit(1);
		}
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		f->failed++;
		return;
	}
	if (connect(fd, (struct sockaddr *)&f->sin, sizeof(f->sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		f->failed++;
		return;
	}
	c = &f->c[f->n++];
	c->fd = fd;
	c->state = C_CONNECTING;
	c->at = now + CONNECT_MS;
	f->pending++;
}

/* End a held connection: an RST for rst_pct of them, else a FIN. */
static void
flap_close(struct flap *f, struct conn *c)
{
	struct linger	lg = { .l_onoff = 1, .l_linger = 0 };

	if (rnd(99) < f->rst_pct) {
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
		f->rst++;
	} else
		f->fin++;
	close(c->fd);
	c->fd = -1;
	c->state = C_DONE;
}

/* What poll said about one connection, and its timers. */
static void
flap_event(struct flap *f, struct conn *c, short rev, int64_t now)
{
	socklen_t	len = sizeof(int);
	int		err = 0;
	char		buf[256];
	ssize_t		n;

	if (c->state == C_CONNECTING) {
		if (rev == 0 && now < c->at)
			return;
		f->pending--;
		if (rev == 0 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) == -1 || err != 0) {
			close(c->fd);
			c->fd = -1;
			c->state = C_DONE;
			f->failed++;
			return;
		}
		f->connected++;
		c->state = C_HELD;
		c->at = f->rate > 0 ? now + rnd(f->hold_ms) : 0;
		return;
	}
	if (c->state != C_HELD)
		return;
	if (rev & (POLLIN | POLLHUP | POLLERR)) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			close(c->fd);
			c->fd = -1;
			c->state = C_DONE;
			f->closed++;
			return;
		}
	}
	if (f->rate > 0 && now >= c->at)
		flap_close(f, c);
}

/* One round of poll over every live connection. */
static void
flap_poll(struct flap *f, int timeout)
{
	struct pollfd	*pfd;
	int64_t		 now;
	size_t		 i;

	if ((pfd = calloc(f->n + 1, sizeof(*pfd))) == NULL) {
		perror("sp-flap: calloc");
		exit(1);
	}
	for (i = 0; i < f->n; i++) {
		pfd[i].fd = f->c[i].fd;
		pfd[i].events = f->c[i].state == C_CONNECTING ? POLLOUT :
		    POLLIN;
	}
	if (poll(pfd, f->n, timeout) == -1 && errno != EINTR) {
		perror("sp-flap: poll");
		exit(1);
	}
	now = tl_now_ms();
	for (i = 0; i < f->n; i++)
		flap_event(f, &f->c[i], pfd[i].revents, now);
	free(pfd);
	flap_compact(f);
}

static void
flap_compact(struct flap *f)
{
	size_t	i, j = 0;

	for (i = 0; i < f->n; i++)
		if (f->c[i].state != C_DONE)
			f->c[j++] = f->c[i];
	f->n = j;
}

/* Hold mode's progress line, when it changed (or always if forced). */
static void
flap_report(struct flap *f, bool force)
{
	static uint64_t	last[3] = { UINT64_MAX, 0, 0 };
	uint64_t	est = f->connected - f->closed;

	if (!force && last[0] == est && last[1] == f->pending &&
	    last[2] == f->closed)
		return;
	last[0] = est;
	last[1] = f->pending;
	last[2] = f->closed;
	printf("established %llu pending %llu closed %llu\n",
	    (unsigned long long)est, (unsigned long long)f->pending,
	    (unsigned long long)f->closed);
	fflush(stdout);
}

/* Hold mode: N connections, retried while any fails, kept until a signal. */
static void
flap_hold(struct flap *f)
{
	int64_t	now = tl_now_ms();
	long	i;

	for (i = 0; i < f->hold_n; i++)
		flap_open(f, now);
	flap_report(f, true);
	while (!stop) {
		flap_poll(f, 100);
		flap_report(f, false);
	}
}

/* Flap mode: RATE a second for SECONDS, then finish what is open. */
static void
flap_run(struct flap *f)
{
	int64_t	start = tl_now_ms(), now, end;
	long	opened = 0, due;

	end = start + (int64_t)f->seconds * 1000;
	while (!stop && (now = tl_now_ms()) < end) {
		due = (long)((now - start) * f->rate / 1000);
		while (opened < due) {
			flap_open(f, now);
			opened++;
		}
		flap_poll(f, TICK_MS);
	}
	/* Let every connection run its course, bounded. */
	end = tl_now_ms() + CONNECT_MS + f->hold_ms + 1000;
	while (f->n > 0 && tl_now_ms() < end)
		flap_poll(f, TICK_MS);
	printf("connected %llu fin %llu rst %llu failed %llu\n",
	    (unsigned long long)f->connected, (unsigned long long)f->fin,
	    (unsigned long long)f->rst,
	    (unsigned long long)(f->failed + f->closed + f->n));
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	struct flap	 f = { .hold_ms = 500, .rst_pct = 25 };
	struct sigaction sa;
	char		 host[64], *colon;
	int		 ch;

	while ((ch = getopt(argc, argv, "H:n:r:R:t:")) != -1) {
		switch (ch) {
		case 'H':
			f.hold_ms = atoi(optarg);
			break;
		case 'n':
			f.hold_n = atol(optarg);
			break;
		case 'r':
			f.rate = atol(optarg);
			break;
		case 'R':
			f.rst_pct = atoi(optarg);
			break;
		case 't':
			f.seconds = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || (f.hold_n > 0) == (f.rate > 0) ||
	    (f.rate > 0 && f.seconds <= 0) || f.hold_ms < 0 ||
	    f.rst_pct < 0 || f.rst_pct > 100)
		usage();
	if (strlen(argv[optind]) >= sizeof(host) ||
	    (colon = strrchr(argv[optind], ':')) == NULL)
		usage();
	memcpy(host, argv[optind], (size_t)(colon - argv[optind]));
	host[colon - argv[optind]] = '\0';
	f.sin.sin_family = AF_INET;
	f.sin.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &f.sin.sin_addr) != 1)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)getpid());
	if (f.rate > 0)
		flap_run(&f);
	else
		flap_hold(&f);
	free(f.c);
	return 0;
}
