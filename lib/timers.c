/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The host's TCP timer sysctls: read from /proc/sys/net/ipv4 (or a test's
 * copy of it), and each one explained as the time it means on this host.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockprobe.h"
#include "sp-internal.h"

#define SYSCTL_DIR		"/proc/sys/net/ipv4"
#define DEF_RTO_MIN_MS		200		/* TCP_RTO_MIN */
#define DEF_RTO_MAX_MS		120000		/* TCP_RTO_MAX */
#define DEF_ORPHAN_RETRIES	8		/* tcp_orphan_retries() */

/* Fills effect_ms and meaning of one sysctl from the whole set. */
typedef void	explain_fn_t(const struct sp_kernel *, struct sp_sysctl *);

static int	kernel_read_one(int, const char *);
static int	kval(int, int);
static explain_fn_t	explain_syn_retries;
static explain_fn_t	explain_syn_linear;
static explain_fn_t	explain_synack;
static explain_fn_t	explain_retries1;
static explain_fn_t	explain_retries2;
static explain_fn_t	explain_orphan;
static explain_fn_t	explain_fin_timeout;
static explain_fn_t	explain_ka_time;
static explain_fn_t	explain_ka_intvl;
static explain_fn_t	explain_ka_probes;
static explain_fn_t	explain_rto_min;
static explain_fn_t	explain_rto_max;
static void	meaning(struct sp_sysctl *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* The sysctls that decide liveness, in the order they are reported. */
static const struct kernel_sysctl {
	const char	*name;
	size_t		 off;		/* int in struct sp_kernel */
	explain_fn_t	*explain;
} kernel_sysctls[SP_KERNEL_NSYSCTL] = {
#define K(f)	offsetof(struct sp_kernel, f)
	{ "tcp_syn_retries", K(syn_retries), explain_syn_retries },
	{ "tcp_syn_linear_timeouts", K(syn_linear_timeouts),
	    explain_syn_linear },
	{ "tcp_synack_retries", K(synack_retries), explain_synack },
	{ "tcp_retries1", K(retries1), explain_retries1 },
	{ "tcp_retries2", K(retries2), explain_retries2 },
	{ "tcp_orphan_retries", K(orphan_retries), explain_orphan },
	{ "tcp_fin_timeout", K(fin_timeout_s), explain_fin_timeout },
	{ "tcp_keepalive_time", K(keepalive_time_s), explain_ka_time },
	{ "tcp_keepalive_intvl", K(keepalive_intvl_s), explain_ka_intvl },
	{ "tcp_keepalive_probes", K(keepalive_probes), explain_ka_probes },
	{ "tcp_rto_min_us", K(rto_min_us), explain_rto_min },
	{ "tcp_rto_max_ms", K(rto_max_ms), explain_rto_max },
#undef K
};

/* One sysctl file as an int; -1 when missing, unreadable or not a number. */
static int
kernel_read_one(int dirfd, const char *name)
{
	char	 buf[32], *end;
	ssize_t	 n;
	long	 v;
	int	 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno != 0 || v < 0 || v > INT_MAX ||
	    (*end != '\0' && *end != '\n'))
		return -1;
	return (int)v;
}

/* Read every sysctl of struct sp_kernel from dir; see sockprobe.h. */
int
sp_kernel_read(const char *dir, struct sp_kernel *k)
{
	size_t	i;
	int	dirfd;

	if (k == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (dir == NULL)
		dir = SYSCTL_DIR;
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	memset(k, 0, sizeof(*k));
	for (i = 0; i < SP_KERNEL_NSYSCTL; i++)
		*(int *)((char *)k + kernel_sysctls[i].off) =
		    kernel_read_one(dirfd, kernel_sysctls[i].name);
	(void)close(dirfd);
	return 0;
}

/* The values of a Linux 6.x kernel nobody has tuned. */
void
sp_kernel_defaults(struct sp_kernel *k)
{
	if (k == NULL)
		return;
	memset(k, 0, sizeof(*k));
	k->syn_retries = 6;
	k->syn_linear_timeouts = 4;
	k->synack_retries = 5;
	k->fin_timeout_s = 60;
	k->orphan_retries = 0;
	k->keepalive_time_s = 7200;
	k->keepalive_intvl_s = 75;
	k->keepalive_probes = 9;
	k->retries1 = 3;
	k->retries2 = 15;
	k->rto_min_us = DEF_RTO_MIN_MS * 1000;
	k->rto_max_ms = DEF_RTO_MAX_MS;
}

/* The RTO floor the kernel applies, in ms, never 0. */
uint32_t
lsp_rto_min_ms(const struct sp_kernel *k)
{
	if (k == NULL || k->rto_min_us <= 0)
		return DEF_RTO_MIN_MS;
	return (uint32_t)((k->rto_min_us + 999) / 1000);
}

/* The longest gap between retransmissions the kernel allows, in ms. */
uint32_t
lsp_rto_max_ms(const struct sp_kernel *k)
{
	if (k == NULL || k->rto_max_ms <= 0)
		return DEF_RTO_MAX_MS;
	return (uint32_t)k->rto_max_ms;
}

/* A sysctl's value, or the default when the kernel lacks it. */
static int
kval(int v, int def)
{
	return v >= 0 ? v : def;
}

/* Fill the meaning text; a truncated one still ends in a NUL. */
static void
meaning(struct sp_sysctl *s, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(s->meaning, sizeof(s->meaning), fmt, ap);
	va_end(ap);
	if (n < 0)
		s->meaning[0] = '\0';
}

/* The SYN model of budget.c, with no TCP_SYNCNT or user timeout. */
static void
explain_syn_retries(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];
	int	syns;

	s->effect_ms = lsp_syn_giveup_ms(k, 0, 0, &syns);
	meaning(s, "connect gives up after %s (%d SYNs)",
	    lsp_secs_format(s->effect_ms, t, sizeof(t)), syns);
}

/* Only a shape, not a duration: it changes the gaps between SYNs. */
static void
explain_syn_linear(const struct sp_kernel *k, struct sp_sysctl *s)
{
	if (k->syn_linear_timeouts < 0)
		meaning(s, "not on this kernel (before 6.5): SYN "
		    "retransmissions double from 1 s");
	else if (k->syn_linear_timeouts == 0)
		meaning(s, "SYN retransmissions double from 1 s");
	else
		meaning(s, "the first %d SYN retransmissions come 1 s apart, "
		    "then the gap doubles", k->syn_linear_timeouts + 1);
}

/* The request timer doubles from 1 s, each gap capped at TCP_RTO_MAX. */
static void
explain_synack(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];
	int64_t	gap = 1000, total = 0;
	int	i, n = kval(k->synack_retries, 5);

	for (i = 0; i <= n; i++) {
		total += gap;
		gap = gap * 2 > DEF_RTO_MAX_MS ? DEF_RTO_MAX_MS : gap * 2;
	}
	s->effect_ms = total;
	meaning(s, "an unanswered SYN-ACK drops the half-open connection "
	    "after %s (%d SYN-ACKs)", lsp_secs_format(total, t, sizeof(t)),
	    n + 1);
}

/* A soft threshold: the route is rethought, nothing ends. */
static void
explain_retries1(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];

	s->effect_ms = lsp_retries_budget_ms(kval(k->retries1, 3),
	    DEF_RTO_MIN_MS);
	meaning(s, "after %s of retransmitting, the kernel looks for a new "
	    "route; the connection goes on",
	    lsp_secs_format(s->effect_ms, t, sizeof(t)));
}

/* A time budget, not a count (tcp_model_timeout from 200 ms). */
static void
explain_retries2(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];

	s->effect_ms = lsp_retries_budget_ms(kval(k->retries2, 15),
	    DEF_RTO_MIN_MS);
	meaning(s, "data unacknowledged for %s after the first "
	    "retransmission ends the connection (ETIMEDOUT)",
	    lsp_secs_format(s->effect_ms, t, sizeof(t)));
}

/* tcp_orphan_retries(): 0 means 8 while the socket still sends. */
static void
explain_orphan(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];
	int	n = kval(k->orphan_retries, 0);

	s->effect_ms = lsp_retries_budget_ms(n == 0 ? DEF_ORPHAN_RETRIES : n,
	    DEF_RTO_MIN_MS);
	meaning(s, "%safter close(), unacknowledged data or FIN is abandoned "
	    "%s after the first retransmission", n == 0 ? "0 means 8: " : "",
	    lsp_secs_format(s->effect_ms, t, sizeof(t)));
}

/* Only orphans time out in FIN_WAIT2; a held socket waits forever. */
static void
explain_fin_timeout(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];

	s->effect_ms = (int64_t)kval(k->fin_timeout_s, 60) * 1000;
	meaning(s, "a closed connection waiting in FIN_WAIT2 for the peer's "
	    "FIN is dropped after %s", lsp_secs_format(s->effect_ms, t,
	    sizeof(t)));
}

/* Idle time before the first probe. */
static void
explain_ka_time(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];

	s->effect_ms = (int64_t)kval(k->keepalive_time_s, 7200) * 1000;
	meaning(s, "an idle connection with SO_KEEPALIVE is first probed "
	    "after %s", lsp_secs_format(s->effect_ms, t, sizeof(t)));
}

/* The gap between probes, also after the last one. */
static void
explain_ka_intvl(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];

	s->effect_ms = (int64_t)kval(k->keepalive_intvl_s, 75) * 1000;
	meaning(s, "unanswered keepalive probes are repeated every %s",
	    lsp_secs_format(s->effect_ms, t, sizeof(t)));
}

/* The whole keepalive budget: idle time plus every probe interval. */
static void
explain_ka_probes(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];
	int	n = kval(k->keepalive_probes, 9);
	int	idle = kval(k->keepalive_time_s, 7200);
	int	intvl = kval(k->keepalive_intvl_s, 75);

	s->effect_ms = ((int64_t)idle + (int64_t)n * intvl) * 1000;
	meaning(s, "keepalive gives up after %d unanswered probes: %d s + "
	    "%d x %d s = %s of silence", n, idle, n, intvl,
	    lsp_secs_format(s->effect_ms, t, sizeof(t)));
}

/* The floor every RTO starts from; the budgets assume 200 ms. */
static void
explain_rto_min(const struct sp_kernel *k, struct sp_sysctl *s)
{
	s->effect_ms = lsp_rto_min_ms(k);
	meaning(s, "%sretransmission timeouts never go below %" PRId64 " ms",
	    k->rto_min_us < 0 ? "not tunable on this kernel: " : "",
	    s->effect_ms);
}

/* The cap on backed-off gaps (a sysctl on newer kernels only). */
static void
explain_rto_max(const struct sp_kernel *k, struct sp_sysctl *s)
{
	char	t[48];

	s->effect_ms = lsp_rto_max_ms(k);
	meaning(s, "%sretransmissions back off to at most %s apart",
	    k->rto_max_ms < 0 ? "not tunable on this kernel: " : "",
	    lsp_secs_format(s->effect_ms, t, sizeof(t)));
}

/* Each liveness sysctl with its meaning in time; see sockprobe.h. */
size_t
sp_kernel_sysctls(const struct sp_kernel *k, struct sp_sysctl *out, size_t n)
{
	struct sp_kernel	 def;
	struct sp_sysctl	*s;
	size_t			 i;
	int			 v;

	if (out == NULL)
		return 0;
	if (k == NULL) {
		sp_kernel_defaults(&def);
		k = &def;
	}
	for (i = 0; i < n && i < SP_KERNEL_NSYSCTL; i++) {
		s = &out[i];
		memset(s, 0, sizeof(*s));
		v = *(const int *)((const char *)k + kernel_sysctls[i].off);
		s->name = kernel_sysctls[i].name;
		s->value = v;
		s->present = v >= 0;
		s->effect_ms = -1;
		kernel_sysctls[i].explain(k, s);
	}
	return i;
}
