/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "keepalive": SO_KEEPALIVE and its three TCP knobs.  The kernel
 * does the probing; what ends the connection is an ETIMEDOUT that the read
 * and tcp_info checks attribute to keepalive.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>

#include "sockprobe.h"
#include "sp-internal.h"

/* The kernel's limits: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT. */
#define KEEPIDLE_MAX	32767
#define KEEPINTVL_MAX	32767
#define KEEPCNT_MAX	127

static int	keepalive_valid(const struct sp_keepalive *);
static int	tcp_setint(int, int, uint32_t);
static int	getint(int, int, int, uint32_t *);

/* Zero means "not given"; anything else must be within the kernel's range. */
static int
keepalive_valid(const struct sp_keepalive *ka)
{
	return ka->idle_s <= KEEPIDLE_MAX &&
	    ka->interval_s <= KEEPINTVL_MAX &&
	    ka->count <= KEEPCNT_MAX;
}

/* Set one TCP-level knob unless the caller left it at 0. */
static int
tcp_setint(int fd, int opt, uint32_t val)
{
	int	v = (int)val;

	if (val == 0)
		return 0;
	return setsockopt(fd, IPPROTO_TCP, opt, &v, sizeof(v));
}

/* Read one int option, which the kernel never reports negative here. */
static int
getint(int fd, int level, int opt, uint32_t *out)
{
	socklen_t	len;
	int		v;

	len = sizeof(v);
	if (getsockopt(fd, level, opt, &v, &len) == -1)
		return -1;
	*out = v < 0 ? 0 : (uint32_t)v;
	return 0;
}

/*
 * Apply a keepalive setting: each nonzero knob, then SO_KEEPALIVE on or
 * off.  A zero knob is not touched, so on a fresh socket it stays at the
 * kernel default: the kernel refuses 0 and offers no way back to "use
 * the sysctl" once a value was set.
 */
int
sp_set_keepalive(int fd, const struct sp_keepalive *ka)
{
	int	on;

	if (ka == NULL || !keepalive_valid(ka)) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * Knobs first, so that switching SO_KEEPALIVE on arms the timer
	 * with the new idle time (tcp_set_keepalive() reads it then).
	 */
	if (tcp_setint(fd, TCP_KEEPIDLE, ka->idle_s) == -1 ||
	    tcp_setint(fd, TCP_KEEPINTVL, ka->interval_s) == -1 ||
	    tcp_setint(fd, TCP_KEEPCNT, ka->count) == -1)
		return -1;
	on = ka->enabled ? 1 : 0;
	return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
}

/*
 * Report the keepalive setting the kernel will use: for a knob never
 * set, TCP_KEEPIDLE/INTVL/CNT already return the sysctl's value.
 */
int
sp_get_keepalive(int fd, struct sp_keepalive *ka)
{
	uint32_t	on;

	if (ka == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (getint(fd, SOL_SOCKET, SO_KEEPALIVE, &on) == -1 ||
	    getint(fd, IPPROTO_TCP, TCP_KEEPIDLE, &ka->idle_s) == -1 ||
	    getint(fd, IPPROTO_TCP, TCP_KEEPINTVL, &ka->interval_s) == -1 ||
	    getint(fd, IPPROTO_TCP, TCP_KEEPCNT, &ka->count) == -1)
		return -1;
	ka->enabled = on != 0;
	return 0;
}
