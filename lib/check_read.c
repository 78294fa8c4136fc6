/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "read": readiness, then a peeking recv, so that a FIN, an RST
 * or the kernel giving up is seen without consuming the caller's data;
 * plus the select() form with a deadline, and SO_ERROR on demand.
 */

#include "config.h"

#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <time.h>

#include "sockprobe.h"
#include "sp-internal.h"

static bool	read_misuse(int);
static int	read_so_error(int, int *);
static int	read_unread(int);
static int	read_pending_error(int, int, struct sp_verdict *);
static int	read_peek(int, short, struct sp_verdict *);
static int64_t	read_now_ms(void);

/*
 * Errors of recv() that say the descriptor is not a connected socket we
 * can judge: the caller's mistake, reported as -1, never as a verdict.
 */
static bool
read_misuse(int err)
{
	return err == EBADF || err == ENOTSOCK || err == EINVAL ||
	    err == EFAULT || err == ENOTCONN || err == EOPNOTSUPP;
}

/* getsockopt(SO_ERROR): the kernel hands the pending error over once. */
static int
read_so_error(int fd, int *err)
{
	socklen_t	len = sizeof(*err);

	*err = 0;
	return getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len);
}

/* Bytes received and not yet read (SIOCINQ), 0 if unknown. */
static int
read_unread(int fd)
{
	int	n;

	if (ioctl(fd, FIONREAD, &n) == -1 || n < 0)
		return 0;
	return n;
}

/*
 * POLLERR was set: take the error through SO_ERROR rather than recv.
 * A peeking recv returns queued data first (an RST does not discard
 * it), and after a FIN it returns 0 and never reports the EPIPE that a
 * later RST leaves.  Returns 1 when a verdict was made, 0 if the error
 * was gone.
 */
static int
read_pending_error(int fd, int unread, struct sp_verdict *v)
{
	int	err;

	if (read_so_error(fd, &err) == -1)
		return -1;
	if (err == 0)
		return 0;
	(void)sp_classify_error(fd, SP_TECH_READ, err, v);
	if (unread > 0)
		lsp_detail(v, "; %d bytes received before it are still "
		    "unread", unread);
	return 1;
}

/*
 * recv(MSG_PEEK | MSG_DONTWAIT) of one byte: 0 is the FIN, data is
 * alive unless POLLRDHUP says a FIN follows it, EAGAIN is alive, and an
 * error is the pending one, consumed by this very call.
 */
static int
read_peek(int fd, short revents, struct sp_verdict *v)
{
	ssize_t	n;
	char	c;
	int	err, unread;

	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	err = errno;
	if (n == -1 && read_misuse(err)) {
		errno = err;
		return -1;
	}
	if (n <= 0) {
		(void)sp_classify_recv(fd, n, err, v);	/* fills the state */
		if (n == -1 && (err == EAGAIN || err == EWOULDBLOCK))
			lsp_detail_set(v, "nothing to read and no FIN or "
			    "error pending");
		else if (n == 0 && v->tcp_state == SP_TCP_CLOSE)
			/* Every error is reported once; then recv is 0. */
			lsp_detail_set(v, "recv returned 0 on a CLOSE "
			    "socket: whatever ended it was reported earlier");
		else if (n == 0)
			lsp_detail_set(v, "recv returned 0: the peer sent "
			    "FIN");
		return 0;
	}
	unread = read_unread(fd);
	if (revents & POLLRDHUP) {
		/* recv() returns the data first and 0 only after it. */
		sp_verdict_set(v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
		lsp_detail_set(v, "the peer sent FIN after %d bytes that are "
		    "still unread", unread);
	} else {
		sp_verdict_set(v, SP_TECH_READ, SP_CAUSE_NONE, 0);
		lsp_detail_set(v, "%d bytes waiting to be read", unread);
	}
	lsp_fill_state(fd, v);
	return 0;
}

/* Judge the peer of fd from readiness and a peeking recv; never blocks. */
int
sp_check_read(int fd, struct sp_verdict *v)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	int		rc;

	if (v == NULL) {
		errno = EINVAL;
		return -1;
	}
	sp_verdict_init(v);
	if (poll(&pfd, 1, 0) == -1)
		return -1;
	if (pfd.revents & POLLNVAL) {
		errno = EBADF;
		return -1;
	}
	if (pfd.revents & POLLERR) {
		rc = read_pending_error(fd, read_unread(fd), v);
		if (rc != 0)
			return rc == 1 ? 0 : -1;
	}
	return read_peek(fd, pfd.revents, v);
}

/* Milliseconds on CLOCK_MONOTONIC, immune to clock steps. */
static int64_t
read_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait up to timeout_ms with select() for fd to become readable, then
 * judge it as sp_check_read() does; nothing readable is no_reply.
 */
int
sp_select_read(int fd, int timeout_ms, struct sp_verdict *v)
{
	struct timeval	tv;
	fd_set		rfds;
	int64_t		deadline, left;
	int		n;

	if (v == NULL || timeout_ms < 0 || fd >= FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	deadline = read_now_ms() + timeout_ms;
	for (;;) {
		left = deadline - read_now_ms();
		if (left < 0)
			left = 0;
		tv.tv_sec = left / 1000;
		tv.tv_usec = (left % 1000) * 1000;
		FD_ZERO(&rfds);
		FD_SET(fd, &rfds);
		/* select() marks FIN, RST and data alike as readable. */
		if ((n = select(fd + 1, &rfds, NULL, NULL, &tv)) > 0)
			return sp_check_read(fd, v);
		if (n == 0)
			break;
		if (errno != EINTR)
			return -1;
	}
	sp_verdict_init(v);
	sp_verdict_set(v, SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, 0);
	lsp_detail_set(v, "nothing readable within %d ms", timeout_ms);
	lsp_fill_state(fd, v);
	return 0;
}

/* Take the pending socket error once (SO_ERROR) and classify it for t. */
int
sp_check_error(int fd, enum sp_technique t, struct sp_verdict *v)
{
	int	err;

	if (v == NULL) {
		errno = EINVAL;
		return -1;
	}
	sp_verdict_init(v);
	if (read_so_error(fd, &err) == -1)
		return -1;
	if (err != 0)
		return sp_classify_error(fd, t, err, v);
	v->technique = t;
	lsp_detail_set(v, "no socket error pending");
	lsp_fill_state(fd, v);
	return 0;
}
