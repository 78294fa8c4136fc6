/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "user_timeout": TCP_USER_TIMEOUT bounds how long transmitted
 * data may stay unacknowledged, and overrides the keepalive probe count.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>

#include "sockprobe.h"
#include "sp-internal.h"

/*
 * Set TCP_USER_TIMEOUT in ms; 0 turns it off.  The kernel takes an int
 * and refuses negatives, so values above INT_MAX are out of its range.
 * Per the measurements it does nothing on an idle socket without
 * keepalive, and its clock starts at the first RTO, not at the send.
 */
int
sp_set_user_timeout(int fd, uint32_t ms)
{
	int	v;

	if (ms > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	v = (int)ms;
	return setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
}

/* Report TCP_USER_TIMEOUT in ms, 0 when off. */
int
sp_get_user_timeout(int fd, uint32_t *ms)
{
	socklen_t	len = sizeof(int);
	int		v;

	if (ms == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, &len) == -1)
		return -1;
	*ms = v < 0 ? 0 : (uint32_t)v;
	return 0;
}
