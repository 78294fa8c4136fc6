/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The far end of every held connection: forked processes listening on
 * loopback, each holding at most CONNS_PER_PEER accepted connections,
 * and closing the one it is told to (FIN or RST), with the time just
 * before.
 */

#include "config.h"

#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define PEER_BACKLOG	16		/* one connection per listener */
#define PEER_WAIT_MS	5000		/* for one answer from a peer */
#define PEER_EVENTS	256

enum peer_op {
	OP_READY = 1,		/* peer: listening on port val */
	OP_COUNT,		/* driver: how many held? (val) */
	OP_CLOSE,		/* driver: close index val, arg 1 = RST; the
				 * answer: val = the time, arg -1 if not held */
	OP_QUIT			/* driver: reset everything and exit */
};

/* One message on the SOCK_SEQPACKET pair between driver and peer. */
struct peer_msg {
	int32_t	op;
	int32_t	arg;
	int64_t	val;
};

/* A peer process, as the driver sees it: connections [lo, hi). */
struct peer {
	pid_t	 pid;
	int	 fd;			/* our end of the pair */
	size_t	 lo, hi;
	uint16_t port;
	size_t	 held;			/* as last counted */
};

struct peers {
	struct peer	*p;
	size_t		 np;
	size_t		 n;
	int		 group;
	char		 addr[32];	/* peers_addr()'s buffer */
};

/* Inside a peer process. */
struct peer_state {
	int	 ctl;
	int	 ep;
	size_t	 lo, hi;
	int	*lfd;			/* listener of index lo + i, or -1 */
	int	*conn;			/* accepted on it, or -1 */
	size_t	 nopen;			/* connections held */
};

static void	peer_main(int, int, size_t, size_t) __attribute__((noreturn));
static void	peer_addr(int, size_t, struct sockaddr_in *);
static int	peer_listen(struct peer_state *, int, uint16_t *);
static void	peer_accept(struct peer_state *, size_t);
static void	peer_command(struct peer_state *, const struct peer_msg *);
static void	peer_reset_all(struct peer_state *);
static int	peers_ask(struct peer *, struct peer_msg *);

/*
 * Connection i has a listener of its own address: every event names
 * its connection, so a late event is never taken for another close's.
 * Group g owns 127.(100 + 16 (g - 1) + i / 62500).(i / 250 % 250).
 * (i % 250 + 1), a million addresses; the whole of 127/8 is local.
 */
static void
peer_addr(int group, size_t i, struct sockaddr_in *sin)
{
	uint32_t	a = 100 + 16 * ((uint32_t)group - 1) +
			    (uint32_t)(i / 62500);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl((127U << 24) | (a << 16) |
	    ((uint32_t)(i / 250 % 250) << 8) | (uint32_t)(i % 250 + 1));
}

/*
 * A listener for each index of ours, all on one port: the kernel picks
 * it for the first, free for that address, so no wildcard listener
 * holds it either.  0, or -1 with errno.
 */
static int
peer_listen(struct peer_state *ps, int group, uint16_t *port)
{
	struct sockaddr_in	sin;
	struct epoll_event	ev;
	socklen_t		len = sizeof(sin);
	size_t			i;
	int			fd, one = 1;

	*port = 0;
	for (i = ps->lo; i < ps->hi; i++) {
		peer_addr(group, i, &sin);
		sin.sin_port = htons(*port);
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			return -1;
		ps->lfd[i - ps->lo] = fd;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) == -1 ||
		    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fd, PEER_BACKLOG) == -1)
			return -1;
		if (*port == 0) {
			if (getsockname(fd, (struct sockaddr *)&sin, &len) ==
			    -1)
				return -1;
			*port = ntohs(sin.sin_port);
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = i - ps->lo;
		if (epoll_ctl(ps->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			return -1;
	}
	return 0;
}

/* Accept the one connection of a listener, then close the listener. */
static void
peer_accept(struct peer_state *ps, size_t k)
{
	int	fd;

	if (ps->lfd[k] == -1 || ps->conn[k] != -1)
		return;
	if ((fd = accept4(ps->lfd[k], NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1)
		return;
	ps->conn[k] = fd;
	ps->nopen++;
	close(ps->lfd[k]);
	ps->lfd[k] = -1;
}

/* Reset every held connection: no TIME_WAIT left on either side. */
static void
peer_reset_all(struct peer_state *ps)
{
	struct linger	lg = { 1, 0 };
	size_t		k;

	for (k = 0; k < ps->hi - ps->lo; k++) {
		if (ps->conn[k] == -1)
			continue;
		(void)setsockopt(ps->conn[k], SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
		close(ps->conn[k]);
		ps->conn[k] = -1;
	}
	ps->nopen = 0;
}

/* One command from the driver, answered on the same pair. */
static void
peer_command(struct peer_state *ps, const struct peer_msg *m)
{
	struct peer_msg	r = { .op = m->op };
	struct linger	lg = { 1, 0 };
	size_t		k;
	int		fd;

	switch (m->op) {
	case OP_COUNT:
		r.val = (int64_t)ps->nopen;
		break;
	case OP_CLOSE:
		if (m->val < (int64_t)ps->lo || m->val >= (int64_t)ps->hi ||
		    ps->conn[m->val - ps->lo] == -1) {
			r.arg = -1;
			break;
		}
		k = (size_t)m->val - ps->lo;
		fd = ps->conn[k];
		ps->conn[k] = -1;
		ps->nopen--;
		/* SO_LINGER {1, 0}: close() sends an RST, not a FIN. */
		if (m->arg == 1)
			(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		r.val = util_now(CLOCK_REALTIME);
		close(fd);
		break;
	case OP_QUIT:
		peer_reset_all(ps);
		_exit(0);
	default:
		r.arg = -1;
		break;
	}
	if (send(ps->ctl, &r, sizeof(r), MSG_NOSIGNAL) == -1)
		_exit(1);
}

/*
 * A peer process for connections [lo, hi): it reports its port, then
 * accepts and obeys until told to quit or the driver goes away
 * (PR_SET_PDEATHSIG, or EOF on the pair).
 */
static void
peer_main(int ctl, int group, size_t lo, size_t hi)
{
	struct peer_state	 ps = { .ctl = ctl, .lo = lo, .hi = hi };
	struct epoll_event	 evs[PEER_EVENTS], ev;
	struct peer_msg		 m;
	size_t			 i;
	ssize_t			 n;
	int			 nev, j;

	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	srandom((unsigned)getpid());
	if ((ps.lfd = calloc(hi - lo, sizeof(int))) == NULL ||
	    (ps.conn = calloc(hi - lo, sizeof(int))) == NULL ||
	    (ps.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		_exit(1);
	for (i = 0; i < hi - lo; i++)
		ps.lfd[i] = ps.conn[i] = -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = UINT64_MAX;
	if (epoll_ctl(ps.ep, EPOLL_CTL_ADD, ctl, &ev) == -1)
		_exit(1);
	m = (struct peer_msg){ .op = OP_READY };
	if (peer_listen(&ps, group, (uint16_t *)&i) == -1) {
		dprintf(2, "sp-bench: peer: listen in group %d: %s\n",
		    group, strerror(errno));
		_exit(1);
	}
	m.val = (int64_t)(uint16_t)i;
	if (send(ctl, &m, sizeof(m), MSG_NOSIGNAL) == -1)
		_exit(1);
	for (;;) {
		/* Bounded: a second at a time; the pair's EOF ends us. */
		if ((nev = epoll_wait(ps.ep, evs, PEER_EVENTS, 1000)) == -1 &&
		    errno != EINTR)
			_exit(1);
		for (j = 0; j < nev; j++) {
			if (evs[j].data.u64 != UINT64_MAX) {
				peer_accept(&ps, (size_t)evs[j].data.u64);
				continue;
			}
			n = recv(ctl, &m, sizeof(m), 0);
			if (n == 0 || (n == -1 && errno != EINTR &&
			    errno != EAGAIN)) {
				peer_reset_all(&ps);
				_exit(0);
			}
			if (n == (ssize_t)sizeof(m))
				peer_command(&ps, &m);
		}
	}
}

/*
 * Fork enough peer processes for n connections, at most CONNS_PER_PEER
 * each (a listener and a connection per index, so twice that in fds),
 * and learn their ports.
 */
struct peers *
peers_start(int group, size_t n)
{
	struct peers	*ps;
	struct peer	*p;
	struct peer_msg	 m;
	size_t		 i, per;
	int		 sv[2];
	pid_t		 pid;

	if (n > PEERS_MAX || group < 1 || group > PEERS_GROUPS)
		errx(1, "peers: %zu connections in group %d", n, group);
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		err(1, "calloc");
	ps->n = n;
	ps->group = group;
	ps->np = (n + CONNS_PER_PEER - 1) / CONNS_PER_PEER;
	if (ps->np == 0)
		ps->np = 1;
	per = (n + ps->np - 1) / ps->np;
	if ((ps->p = calloc(ps->np, sizeof(*ps->p))) == NULL)
		err(1, "calloc");
	for (i = 0; i < ps->np; i++) {
		p = &ps->p[i];
		p->lo = i * per;
		p->hi = p->lo + per < n ? p->lo + per : n;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) == -1)
			err(1, "socketpair");
		if ((pid = fork()) == -1)
			err(1, "fork");
		if (pid == 0) {
			close(sv[0]);
			peer_main(sv[1], group, p->lo, p->hi);
		}
		util_child(pid);
		close(sv[1]);
		p->pid = pid;
		p->fd = sv[0];
	}
	for (i = 0; i < ps->np; i++) {
		p = &ps->p[i];
		if (peers_ask(p, NULL) == -1 ||
		    recv(p->fd, &m, sizeof(m), 0) != (ssize_t)sizeof(m) ||
		    m.op != OP_READY)
			errx(1, "peer %d did not start", (int)p->pid);
		p->port = (uint16_t)m.val;
	}
	vlog("peers: %zu processes, %zu listeners in group %d", ps->np, n,
	    group);
	return ps;
}

/* "127.G.X.Y:PORT" of connection i, valid until the next call. */
const char *
peers_addr(struct peers *ps, size_t i)
{
	struct sockaddr_in	sin;
	char			a[INET_ADDRSTRLEN];
	size_t			k;

	for (k = 0; k < ps->np; k++)
		if (i >= ps->p[k].lo && i < ps->p[k].hi)
			break;
	if (k == ps->np)
		errx(1, "peers: no connection %zu", i);
	peer_addr(ps->group, i, &sin);
	(void)inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
	(void)snprintf(ps->addr, sizeof(ps->addr), "%s:%u", a,
	    ps->p[k].port);
	return ps->addr;
}

/*
 * Send m to a peer (NULL: send nothing) and wait until its answer is
 * readable, at most PEER_WAIT_MS.  0, or -1 if it died or is silent.
 */
static int
peers_ask(struct peer *p, struct peer_msg *m)
{
	struct pollfd	pfd = { .fd = p->fd, .events = POLLIN };

	if (m != NULL && send(p->fd, m, sizeof(*m), MSG_NOSIGNAL) == -1)
		return -1;
	if (poll(&pfd, 1, PEER_WAIT_MS) <= 0 || !(pfd.revents & POLLIN))
		return -1;
	return 0;
}

/* Wait until the peers hold n connections between them; 0 or -1. */
int
peers_wait(struct peers *ps, size_t n, int64_t deadline)
{
	struct peer_msg	m;
	size_t		i, total;

	for (;;) {
		total = 0;
		for (i = 0; i < ps->np; i++) {
			m = (struct peer_msg){ .op = OP_COUNT };
			if (peers_ask(&ps->p[i], &m) == -1 ||
			    recv(ps->p[i].fd, &m, sizeof(m), 0) !=
			    (ssize_t)sizeof(m))
				return -1;
			ps->p[i].held = (size_t)m.val;
			total += ps->p[i].held;
		}
		if (total >= n)
			return 0;
		if (util_now(CLOCK_MONOTONIC) > deadline ||
		    util_interrupted()) {
			warnx("peers hold %zu of %zu connections", total, n);
			return -1;
		}
		util_sleep_ns(20 * NS_MS);
	}
}

/*
 * Have the peer holding connection idx close it: FIN, or RST when rst.
 * *when is CLOCK_REALTIME just before the close().  0, or -1 when it is
 * not held (any more).
 */
int
peers_close(struct peers *ps, size_t idx, bool rst, int64_t *when)
{
	struct peer_msg	 m;
	struct peer	*p = NULL;
	size_t		 i;

	for (i = 0; i < ps->np; i++)
		if (idx >= ps->p[i].lo && idx < ps->p[i].hi)
			p = &ps->p[i];
	if (p == NULL)
		return -1;
	m = (struct peer_msg){ .op = OP_CLOSE, .arg = rst ? 1 : 0,
	    .val = (int64_t)idx };
	if (peers_ask(p, &m) == -1 ||
	    recv(p->fd, &m, sizeof(m), 0) != (ssize_t)sizeof(m) ||
	    m.arg == -1)
		return -1;
	p->held--;
	*when = m.val;
	return 0;
}

/* Reset every connection, end the processes, free. */
void
peers_stop(struct peers *ps)
{
	struct peer_msg	m = { .op = OP_QUIT };
	size_t		i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->np; i++)
		(void)send(ps->p[i].fd, &m, sizeof(m), MSG_NOSIGNAL);
	for (i = 0; i < ps->np; i++) {
		/* Its end of the pair closes when it has reset all and quit. */
		(void)peers_ask(&ps->p[i], NULL);
		util_stop(ps->p[i].pid, 5000);
		close(ps->p[i].fd);
	}
	free(ps->p);
	free(ps);
}
