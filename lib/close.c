/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Ending a connection on purpose: an abortive close that sends RST, and
 * TCP_LINGER2, which bounds how long an orphaned FIN_WAIT2 lingers.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <unistd.h>

#include "sockprobe.h"
#include "sp-internal.h"

/*
 * The kernel clamps TCP_LINGER2 silently to TCP_FIN_TIMEOUT_MAX (120 s);
 * refusing larger values keeps the setter's promise to apply exactly
 * what it is given.
 */
#define LINGER2_MAX_S	120

/* Close fd with an RST: SO_LINGER {1, 0}, then close(), in every case. */
int
sp_close_rst(int fd)
{
	struct linger	l = { .l_onoff = 1, .l_linger = 0 };
	int		rc = 0, saved_errno = 0;

	/*
	 * With a zero linger time tcp_close() sends RST and frees the
	 * socket at once: no FIN, no TIME_WAIT.  The descriptor is closed
	 * even if the option failed, as documented, so the caller never
	 * has to guess whether it still owns fd.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == -1) {
		saved_errno = errno;
		rc = -1;
	}
	if (close(fd) == -1 && rc == 0) {
		saved_errno = errno;
		rc = -1;
	}
	if (rc == -1)
		errno = saved_errno;
	return rc;
}

/*
 * Set TCP_LINGER2 to s seconds: 1..120 for an orphaned FIN_WAIT2, 0 for
 * the tcp_fin_timeout sysctl, -1 to skip FIN_WAIT2 and reset instead.
 */
int
sp_set_linger2(int fd, int s)
{
	if (s < -1 || s > LINGER2_MAX_S) {
		errno = EINVAL;
		return -1;
	}
	return setsockopt(fd, IPPROTO_TCP, TCP_LINGER2, &s, sizeof(s));
}

/* The FIN_WAIT2 lifetime in seconds the kernel will use, or -1. */
int
sp_get_linger2(int fd, int *s)
{
	socklen_t	len = sizeof(*s);

	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* The kernel reports the sysctl's value when the option is 0. */
	return getsockopt(fd, IPPROTO_TCP, TCP_LINGER2, s, &len);
}
