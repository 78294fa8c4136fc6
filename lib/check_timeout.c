/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "timeout": the socket's own SO_RCVTIMEO and SO_SNDTIMEO, and
 * the blocking recv and send that they bound.  A passed deadline is a
 * verdict (no_reply, send_stalled), never an error.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>

#include "sockprobe.h"
#include "sp-internal.h"

static int	timeo_set(int, int, uint32_t);
static int	timeo_get(int, int, uint32_t *);
static int	timeo_blocking(int);
static bool	timeo_misuse(int);
static void	timeo_partial(int, ssize_t, size_t, struct sp_verdict *);

/* Set a socket deadline option from milliseconds; 0 means none. */
static int
timeo_set(int fd, int opt, uint32_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/*
 * Read a deadline option back.  The kernel keeps it in jiffies, so the
 * value read is what it will use, rounded up to the tick; rounding the
 * microseconds up keeps a set deadline from reading back as 0 (off).
 */
static int
timeo_get(int fd, int opt, uint32_t *ms)
{
	struct timeval	tv;
	socklen_t	len = sizeof(tv);
	uint64_t	v;

	if (ms == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, opt, &tv, &len) == -1)
		return -1;
	v = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
	*ms = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}

/* Set SO_RCVTIMEO in ms, the deadline of sp_recv_wait(); 0 turns it off. */
int
sp_set_recv_timeout(int fd, uint32_t ms)
{
	return timeo_set(fd, SO_RCVTIMEO, ms);
}

/* Report SO_RCVTIMEO in ms as the kernel will apply it, 0 when off. */
int
sp_get_recv_timeout(int fd, uint32_t *ms)
{
	return timeo_get(fd, SO_RCVTIMEO, ms);
}

/* Set SO_SNDTIMEO in ms, the deadline of sp_send_wait(); 0 turns it off. */
int
sp_set_send_timeout(int fd, uint32_t ms)
{
	return timeo_set(fd, SO_SNDTIMEO, ms);
}

/* Report SO_SNDTIMEO in ms as the kernel will apply it, 0 when off. */
int
sp_get_send_timeout(int fd, uint32_t *ms)
{
	return timeo_get(fd, SO_SNDTIMEO, ms);
}

/* 0 if fd is in blocking mode, else -1 with EINVAL (or fcntl's errno). */
static int
timeo_blocking(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	/* O_NONBLOCK would turn the deadline into an immediate EAGAIN. */
	if (fl & O_NONBLOCK) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Errors that mean the call was wrong, not that the peer is gone. */
static bool
timeo_misuse(int err)
{
	return err == EBADF || err == ENOTSOCK || err == EINVAL ||
	    err == EFAULT || err == ENOTCONN || err == EOPNOTSUPP ||
	    err == EINTR;
}

/* Receive into buf, blocking up to SO_RCVTIMEO, and judge the result. */
int
sp_recv_wait(int fd, void *buf, size_t len, ssize_t *got,
    struct sp_verdict *v)
{
	ssize_t	n;
	int	err;

	/* recv() of 0 bytes returns 0, which would read as a FIN. */
	if (buf == NULL || len == 0 || v == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (timeo_blocking(fd) == -1)
		return -1;
	sp_verdict_init(v);
	n = recv(fd, buf, len, 0);
	err = errno;
	/*
	 * EINTR is passed on as the system call would: restarting would
	 * begin a whole new SO_RCVTIMEO period.
	 */
	if (n == -1 && timeo_misuse(err)) {
		errno = err;
		return -1;
	}
	if (got != NULL)
		*got = n == -1 ? 0 : n;
	if (n == -1 && (err == EAGAIN || err == EWOULDBLOCK)) {
		/* The deadline says nothing of the TCP state. */
		sp_verdict_set(v, SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, err);
		lsp_detail_set(v, "recv got nothing before SO_RCVTIMEO "
		    "passed");
		lsp_fill_state(fd, v);
		return 0;
	}
	/* Data, a FIN or an error: what the recv itself saw. */
	(void)sp_classify_recv(fd, n, err, v);	/* fills the state */
	return 0;
}

/*
 * A short count from a blocking send: the deadline passed after part
 * of the buffer was queued, unless the connection died meanwhile, in
 * which case the error is still pending and is taken now, once.
 */
static void
timeo_partial(int fd, ssize_t n, size_t len, struct sp_verdict *v)
{
	lsp_fill_state(fd, v);
	if (v->tcp_state == SP_TCP_CLOSE) {
		(void)sp_check_error(fd, SP_TECH_WRITE, v);
		if (v->cause != SP_CAUSE_NONE)
			return;
	}
	sp_verdict_set(v, SP_TECH_TIMEOUT, SP_CAUSE_SEND_STALLED, 0);
	lsp_detail_set(v, "send queued only %zd of %zu bytes before "
	    "SO_SNDTIMEO passed", n, len);
}

/* Send buf, blocking up to SO_SNDTIMEO, and judge the result. */
int
sp_send_wait(int fd, const void *buf, size_t len, ssize_t *sent,
    struct sp_verdict *v)
{
	ssize_t	n;
	int	err;

	if (buf == NULL || len == 0 || v == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (timeo_blocking(fd) == -1)
		return -1;
	sp_verdict_init(v);
	n = send(fd, buf, len, MSG_NOSIGNAL);
	err = errno;
	if (n == -1 && timeo_misuse(err)) {
		errno = err;
		return -1;
	}
	if (sent != NULL)
		*sent = n == -1 ? 0 : n;
	if (n >= 0 && (size_t)n < len) {
		/* The kernel returns EAGAIN only if it queued nothing. */
		timeo_partial(fd, n, len, v);
		return 0;
	}
	if (n == -1 && (err == EAGAIN || err == EWOULDBLOCK)) {
		sp_verdict_set(v, SP_TECH_TIMEOUT, SP_CAUSE_SEND_STALLED, err);
		lsp_detail_set(v, "send queued nothing before SO_SNDTIMEO "
		    "passed: the peer is not reading");
		lsp_fill_state(fd, v);
		return 0;
	}
	(void)sp_classify_send(fd, n, err, v);	/* fills the state */
	return 0;
}
