/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The vocabulary: one table per enum giving DESIGN.md's word, the parsers
 * back, each cause's severity, and the errno-to-cause mapping.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

static int	name_lookup(const char *const *, size_t, const char *, int *);

static const char *const technique_names[SP_TECH__MAX] = {
	[SP_TECH_NONE] =		"none",
	[SP_TECH_READ] =		"read",
	[SP_TECH_WRITE] =		"write",
	[SP_TECH_TCP_INFO] =		"tcp_info",
	[SP_TECH_KEEPALIVE] =		"keepalive",
	[SP_TECH_TIMEOUT] =		"timeout",
	[SP_TECH_USER_TIMEOUT] =	"user_timeout",
	[SP_TECH_CONNECT] =		"connect",
};

static const struct {
	const char		*name;
	enum sp_severity	 severity;
} causes[SP_CAUSE__MAX] = {
	[SP_CAUSE_NONE] =		{ "none",		SP_SEVERITY_OK },
	[SP_CAUSE_PEER_CLOSED] =	{ "peer_closed",	SP_SEVERITY_DOWN },
	[SP_CAUSE_RESET] =		{ "reset",		SP_SEVERITY_DOWN },
	[SP_CAUSE_BROKEN_PIPE] =	{ "broken_pipe",	SP_SEVERITY_DOWN },
	[SP_CAUSE_TIMED_OUT] =		{ "timed_out",		SP_SEVERITY_DOWN },
	[SP_CAUSE_HOST_UNREACHABLE] =	{ "host_unreachable",	SP_SEVERITY_DOWN },
	[SP_CAUSE_NO_REPLY] =		{ "no_reply",		SP_SEVERITY_DOWN },
	[SP_CAUSE_SEND_STALLED] =	{ "send_stalled",	SP_SEVERITY_DOWN },
	[SP_CAUSE_REFUSED] =		{ "refused",		SP_SEVERITY_DOWN },
	[SP_CAUSE_SYN_TIMEOUT] =	{ "syn_timeout",	SP_SEVERITY_DOWN },
	[SP_CAUSE_NET_UNREACHABLE] =	{ "net_unreachable",	SP_SEVERITY_DOWN },
	[SP_CAUSE_STATE] =		{ "state",		SP_SEVERITY_DOWN },
	[SP_CAUSE_RETRANSMITTING] =	{ "retransmitting",	SP_SEVERITY_DEGRADED },
	[SP_CAUSE_KEEPALIVE_PROBING] =	{ "keepalive_probing",	SP_SEVERITY_DEGRADED },
	[SP_CAUSE_ZERO_WINDOW] =	{ "zero_window",	SP_SEVERITY_DEGRADED },
	[SP_CAUSE_EXPECT_MISMATCH] =	{ "expect_mismatch",	SP_SEVERITY_DOWN },
	[SP_CAUSE_LOCAL] =		{ "local",		SP_SEVERITY_DOWN },
};

static const char *const severity_names[] = {
	[SP_SEVERITY_OK] =		"ok",
	[SP_SEVERITY_DEGRADED] =	"degraded",
	[SP_SEVERITY_DOWN] =		"down",
};

/* The kernel's own names (include/net/tcp_states.h), as ss prints them. */
static const char *const state_names[SP_TCP__MAX] = {
	[SP_TCP_UNKNOWN] =	"UNKNOWN",
	[SP_TCP_ESTABLISHED] =	"ESTABLISHED",
	[SP_TCP_SYN_SENT] =	"SYN_SENT",
	[SP_TCP_SYN_RECV] =	"SYN_RECV",
	[SP_TCP_FIN_WAIT1] =	"FIN_WAIT1",
	[SP_TCP_FIN_WAIT2] =	"FIN_WAIT2",
	[SP_TCP_TIME_WAIT] =	"TIME_WAIT",
	[SP_TCP_CLOSE] =	"CLOSE",
	[SP_TCP_CLOSE_WAIT] =	"CLOSE_WAIT",
	[SP_TCP_LAST_ACK] =	"LAST_ACK",
	[SP_TCP_LISTEN] =	"LISTEN",
	[SP_TCP_CLOSING] =	"CLOSING",
	[SP_TCP_NEW_SYN_RECV] =	"NEW_SYN_RECV",
};

/* errno values and the cause each means; ETIMEDOUT depends on the phase. */
static const struct {
	int		err;
	enum sp_cause	cause;
} errno_causes[] = {
	{ ECONNRESET,	SP_CAUSE_RESET },
	{ EPIPE,	SP_CAUSE_BROKEN_PIPE },
	{ ETIMEDOUT,	SP_CAUSE_TIMED_OUT },
	{ EHOSTUNREACH,	SP_CAUSE_HOST_UNREACHABLE },
	{ EHOSTDOWN,	SP_CAUSE_HOST_UNREACHABLE },
	{ ECONNREFUSED,	SP_CAUSE_REFUSED },
	{ ENETUNREACH,	SP_CAUSE_NET_UNREACHABLE },
	{ ENETDOWN,	SP_CAUSE_NET_UNREACHABLE },
	{ ECONNABORTED,	SP_CAUSE_RESET },
	{ EAGAIN,	SP_CAUSE_NONE },
	{ EINPROGRESS,	SP_CAUSE_NONE },
};

/* Returns PACKAGE_VERSION, which configure.ac sets. */
const char *
sp_version(void)
{
	return PACKAGE_VERSION;
}

/* Linear search of a name table; the tables are a dozen entries long. */
static int
name_lookup(const char *const *names, size_t n, const char *s, int *out)
{
	size_t	i;

	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], s) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

/* DESIGN.md's word for a technique. */
const char *
sp_technique_name(enum sp_technique t)
{
	if ((unsigned)t >= SP_TECH__MAX)
		return "unknown";
	return technique_names[t];
}

/* The technique named s. */
int
sp_technique_parse(const char *s, enum sp_technique *out)
{
	int	i;

	if (name_lookup(technique_names, SP_TECH__MAX, s, &i) == -1)
		return -1;
	*out = (enum sp_technique)i;
	return 0;
}

/* DESIGN.md's word for a cause. */
const char *
sp_cause_name(enum sp_cause c)
{
	if ((unsigned)c >= SP_CAUSE__MAX)
		return "unknown";
	return causes[c].name;
}

/* The cause named s. */
int
sp_cause_parse(const char *s, enum sp_cause *out)
{
	const char	*names[SP_CAUSE__MAX];
	int		 i;

	for (i = 0; i < SP_CAUSE__MAX; i++)
		names[i] = causes[i].name;
	if (name_lookup(names, SP_CAUSE__MAX, s, &i) == -1)
		return -1;
	*out = (enum sp_cause)i;
	return 0;
}

/* The health a cause implies on its own. */
enum sp_severity
sp_cause_severity(enum sp_cause c)
{
	if ((unsigned)c >= SP_CAUSE__MAX)
		return SP_SEVERITY_DOWN;
	return causes[c].severity;
}

/* "ok", "degraded" or "down". */
const char *
sp_severity_name(enum sp_severity s)
{
	if ((unsigned)s > SP_SEVERITY_DOWN)
		return "unknown";
	return severity_names[s];
}

/* The kernel's name for a TCP state. */
const char *
sp_tcp_state_name(enum sp_tcp_state s)
{
	if ((unsigned)s >= SP_TCP__MAX)
		return "unknown";
	return state_names[s];
}

/* The TCP state named s (upper case, as the kernel names them). */
int
sp_tcp_state_parse(const char *s, enum sp_tcp_state *out)
{
	int	i;

	if (name_lookup(state_names, SP_TCP__MAX, s, &i) == -1)
		return -1;
	*out = (enum sp_tcp_state)i;
	return 0;
}

/* The cause an errno means; anything not about the peer is local. */
enum sp_cause
sp_cause_from_errno(int err, bool connecting)
{
	size_t	i;

	if (err == 0)
		return SP_CAUSE_NONE;
	if (err == ETIMEDOUT && connecting)
		return SP_CAUSE_SYN_TIMEOUT;
	for (i = 0; i < sizeof(errno_causes) / sizeof(errno_causes[0]); i++)
		if (errno_causes[i].err == err)
			return errno_causes[i].cause;
	return SP_CAUSE_LOCAL;
}
