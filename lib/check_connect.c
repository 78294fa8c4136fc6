/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "connect": the handshake, nonblocking or bounded by the
 * socket's SO_SNDTIMEO, its outcome read from SO_ERROR and TCP_INFO
 * rather than from writability, and the TCP_SYNCNT knob.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>

#include "sockprobe.h"
#include "sp-internal.h"

/* The kernel's limit for TCP_SYNCNT (MAX_TCP_SYNCNT). */
#define SYNCNT_MAX	127

static int	connect_mode(int, bool);
static bool	connect_misuse(int);
static void	connect_failed(int, int, struct sp_verdict *);
static void	connect_ok(int, const char *, struct sp_verdict *);
static int64_t	connect_now_ms(void);

/*
 * 0 if fd's O_NONBLOCK matches what the function needs, else -1 EINVAL:
 * the same connect() call means different things in the two modes.
 */
static int
connect_mode(int fd, bool nonblocking)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (((fl & O_NONBLOCK) != 0) != nonblocking) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* connect() errors that are the caller's mistake, not the network's. */
static bool
connect_misuse(int err)
{
	return err == EBADF || err == ENOTSOCK || err == EINVAL ||
	    err == EFAULT || err == EAFNOSUPPORT || err == EISCONN ||
	    err == EALREADY || err == EPROTOTYPE || err == EINTR;
}

/* A failed handshake: while connecting, ETIMEDOUT means no SYN-ACK. */
static void
connect_failed(int fd, int err, struct sp_verdict *v)
{
	sp_verdict_set(v, SP_TECH_CONNECT, sp_cause_from_errno(err, true),
	    err);
	lsp_fill_state(fd, v);
}

/* No failure (yet): the state says connected or still in SYN_SENT. */
static void
connect_ok(int fd, const char *what, struct sp_verdict *v)
{
	sp_verdict_set(v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	lsp_fill_state(fd, v);
	lsp_detail_set(v, "%s (state %s)", what,
	    sp_tcp_state_name(v->tcp_state));
}

/* Start a nonblocking connect; a failure already known fills the verdict. */
int
sp_connect_start(int fd, const struct sockaddr *sa, socklen_t salen,
    struct sp_verdict *v)
{
	int	err;

	if (sa == NULL || v == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (connect_mode(fd, true) == -1)
		return -1;
	sp_verdict_init(v);
	if (connect(fd, sa, salen) == 0) {
		connect_ok(fd, "connected at once", v);
		return 0;
	}
	if ((err = errno) != EINPROGRESS) {
		if (connect_misuse(err))
			return -1;
		connect_failed(fd, err, v);
		return 0;
	}
	/*
	 * A closed local port answers the SYN within connect() itself,
	 * yet the call still says EINPROGRESS: the state is then CLOSE
	 * and SO_ERROR holds ECONNREFUSED, so take the verdict now.
	 */
	lsp_fill_state(fd, v);
	if (v->tcp_state == SP_TCP_CLOSE)
		return sp_connect_check(fd, v);
	/* On loopback the handshake may even be complete already. */
	connect_ok(fd, v->tcp_state == SP_TCP_SYN_SENT ?
	    "handshake in progress" : "connected", v);
	return 0;
}

/* Judge a connect in progress from SO_ERROR (consumed) and the state. */
int
sp_connect_check(int fd, struct sp_verdict *v)
{
	socklen_t	len;
	int		err;

	if (v == NULL) {
		errno = EINVAL;
		return -1;
	}
	sp_verdict_init(v);
	/* Writability proves nothing: a refused socket is writable too. */
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0) {
		connect_failed(fd, err, v);
		return 0;
	}
	connect_ok(fd, "connected", v);
	if (v->tcp_state == SP_TCP_SYN_SENT)
		lsp_detail_set(v, "handshake in progress: no SYN-ACK yet");
	else if (v->tcp_state == SP_TCP_CLOSE) {
		/* Never connected, or its error was taken by someone else. */
		sp_verdict_set(v, SP_TECH_CONNECT, SP_CAUSE_STATE, 0);
		lsp_detail_set(v, "the socket is CLOSE and no error is "
		    "pending: not connected");
	}
	return 0;
}

/* Milliseconds on CLOCK_MONOTONIC, for deadlines that clock steps miss. */
static int64_t
connect_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect and wait with poll() until done or timeout_ms have passed. */
int
sp_connect_poll(int fd, const struct sockaddr *sa, socklen_t salen,
    int timeout_ms, struct sp_verdict *v)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLOUT };
	int64_t		deadline, left;
	int		n;

	if (sp_connect_start(fd, sa, salen, v) == -1)
		return -1;
	if (v->cause != SP_CAUSE_NONE || v->tcp_state != SP_TCP_SYN_SENT)
		return 0;
	deadline = connect_now_ms() + timeout_ms;
	for (;;) {
		left = deadline - connect_now_ms();
		if (timeout_ms < 0)
			left = -1;
		else if (left < 0)
			left = 0;
		if ((n = poll(&pfd, 1, (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		/* POLLOUT or POLLERR: the handshake ended either way. */
		if (sp_connect_check(fd, v) == -1)
			return -1;
		if (v->cause != SP_CAUSE_NONE ||
		    v->tcp_state != SP_TCP_SYN_SENT)
			return 0;
	}
	/* Only our deadline passed: the kernel keeps resending the SYN. */
	sp_verdict_set(v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, 0);
	lsp_detail_set(v, "no SYN-ACK within %d ms", timeout_ms);
	lsp_fill_state(fd, v);
	return 0;
}

/* Blocking connect bounded by SO_SNDTIMEO, judged like the others. */
int
sp_connect_wait(int fd, const struct sockaddr *sa, socklen_t salen,
    struct sp_verdict *v)
{
	int	err;

	if (sa == NULL || v == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (connect_mode(fd, false) == -1)
		return -1;
	sp_verdict_init(v);
	if (connect(fd, sa, salen) == 0) {
		connect_ok(fd, "connected", v);
		return 0;
	}
	err = errno;
	/*
	 * At the SO_SNDTIMEO deadline the kernel returns EINPROGRESS (a
	 * repeated call: EALREADY), not ETIMEDOUT, and the handshake goes
	 * on in the background.
	 */
	if (err == EINPROGRESS || err == EALREADY) {
		sp_verdict_set(v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, err);
		lsp_fill_state(fd, v);
		lsp_detail_set(v, "no SYN-ACK before SO_SNDTIMEO passed; the "
		    "kernel keeps resending the SYN");
		return 0;
	}
	if (connect_misuse(err))
		return -1;
	connect_failed(fd, err, v);
	return 0;
}

/* Set TCP_SYNCNT, the SYN retransmissions before the kernel gives up. */
int
sp_set_syn_retries(int fd, int n)
{
	if (n < 1 || n > SYNCNT_MAX) {
		errno = EINVAL;
		return -1;
	}
	return setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &n, sizeof(n));
}

/* Report TCP_SYNCNT; the kernel answers with the sysctl when unset. */
int
sp_get_syn_retries(int fd, int *n)
{
	socklen_t	len = sizeof(*n);

	if (n == NULL) {
		errno = EINVAL;
		return -1;
	}
	return getsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, n, &len);
}
