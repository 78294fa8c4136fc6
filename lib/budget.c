/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The detection-budget model: how long the 6.x kernel takes to give up on
 * a dead peer in each failure mode, for given socket options and sysctls.
 * It replays the kernel's timers (tcp_write_timeout, the keepalive timer,
 * tcp_model_timeout) and agrees with the measurements in KERNEL-FACTS.md.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

#define TIMEOUT_INIT_MS		1000	/* TCP_TIMEOUT_INIT: the SYN's RTO */
#define MODEL_RTO_MAX_MS	120000	/* TCP_RTO_MAX in tcp_model_timeout */
#define MODEL_RTO_MIN_MS	200	/* TCP_RTO_MIN, its base for data */
#define TIME_WAIT_MS		60000	/* TCP_TIMEWAIT_LEN, not tunable */
#define MAX_SYNCNT		127	/* MAX_TCP_SYNCNT */
#define ORPHAN_RETRIES_ALIVE	8	/* tcp_orphan_retries() for 0 */
#define SLOW_MS			60000	/* what the warnings call slow */
#define KA_DEFAULT_IDLE_S	7200	/* TCP_KEEPALIVE_TIME */

/* What every mode's model needs, with defaults already applied. */
struct budget_ctx {
	const struct sp_kernel		*k;
	const struct sp_budget_opts	*o;
	int64_t				 rto;		/* ms */
	int64_t				 rto_max;	/* ms */
	uint32_t			 warnings;
};

typedef void	(*mode_fn)(struct budget_ctx *, struct sp_budget_entry *);

static void	mode_syn(struct budget_ctx *, struct sp_budget_entry *);
static void	mode_idle(struct budget_ctx *, struct sp_budget_entry *);
static void	mode_busy(struct budget_ctx *, struct sp_budget_entry *);
static void	mode_zero_window(struct budget_ctx *,
		    struct sp_budget_entry *);
static void	mode_fin_wait1(struct budget_ctx *, struct sp_budget_entry *);
static void	mode_fin_wait2(struct budget_ctx *, struct sp_budget_entry *);
static void	mode_time_wait(struct budget_ctx *, struct sp_budget_entry *);
static void	entry_set(struct sp_budget_entry *, int64_t,
		    enum sp_technique, enum sp_cause);
static void	how(struct sp_budget_entry *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int64_t	rto_giveup(int64_t, int64_t, int64_t);
static int64_t	probe_giveup(int64_t, int64_t, int);
static int	kval(int, int);
static int	ilog2_u64(uint64_t);
static int	opt_get(int, int, int, void *, socklen_t);
static uint32_t	timeval_ms(const struct timeval *);

static const struct {
	const char	*name;
	mode_fn		 fn;
} modes[SP_FAIL__MAX] = {
	[SP_FAIL_SYN_SENT] =	{ "syn_sent",		mode_syn },
	[SP_FAIL_IDLE] =	{ "idle",		mode_idle },
	[SP_FAIL_BUSY] =	{ "busy",		mode_busy },
	[SP_FAIL_ZERO_WINDOW] =	{ "zero_window",	mode_zero_window },
	[SP_FAIL_FIN_WAIT1] =	{ "fin_wait1",		mode_fin_wait1 },
	[SP_FAIL_FIN_WAIT2] =	{ "fin_wait2",		mode_fin_wait2 },
	[SP_FAIL_TIME_WAIT] =	{ "time_wait",		mode_time_wait },
};

static const struct {
	uint32_t	 bit;
	const char	*name;
	const char	*text;
} warnings[] = {
	{ SP_WARN_UT_IDLE_NOOP, "ut_idle_noop",
	  "TCP_USER_TIMEOUT alone does nothing on an idle connection: it "
	  "needs data in flight or keepalive probes" },
	{ SP_WARN_KEEPCNT_OVERRIDDEN, "keepcnt_overridden",
	  "TCP_USER_TIMEOUT replaces TCP_KEEPCNT: keepalive gives up at the "
	  "first probe tick past the user timeout, sooner or later" },
	{ SP_WARN_RETRIES2_FLOOR, "retries2_floor",
	  "without TCP_USER_TIMEOUT, a dead peer with data in flight is "
	  "noticed only after the tcp_retries2 budget (924.6 s by default)" },
	{ SP_WARN_KEEPALIVE_OFF, "keepalive_off",
	  "keepalive is off: a peer that dies silently while the connection "
	  "is idle is never noticed" },
	{ SP_WARN_KEEPALIVE_DEFAULTS, "keepalive_defaults",
	  "keepalive runs on the kernel's defaults, 2 h + 9 x 75 s unless "
	  "the sysctls say otherwise: set TCP_KEEPIDLE/INTVL/CNT" },
	{ SP_WARN_SYN_SLOW, "syn_slow",
	  "a connect into a black hole takes over 60 s to fail: lower "
	  "TCP_SYNCNT or give connect a deadline" },
};
#define NWARNINGS	(sizeof(warnings) / sizeof(warnings[0]))

/* A sysctl's value, or the default when the kernel lacks it. */
static int
kval(int v, int def)
{
	return v >= 0 ? v : def;
}

/* ilog2() for the model's threshold; 0 for 0 and 1. */
static int
ilog2_u64(uint64_t v)
{
	int	n = 0;

	while (v >>= 1)
		n++;
	return n;
}

/*
 * tcp_model_timeout(): the time n retransmissions take when the RTO starts
 * at rto_base_ms and doubles up to TCP_RTO_MAX, then stays there.
 */
int64_t
lsp_retries_budget_ms(int n, uint32_t rto_base_ms)
{
	int64_t	base = rto_base_ms > 0 ? rto_base_ms : 1;
	int	thresh;

	thresh = ilog2_u64((uint64_t)(MODEL_RTO_MAX_MS / base > 0 ?
	    MODEL_RTO_MAX_MS / base : 1));
	if (n < 0)
		n = 0;
	if (n <= thresh)
		return ((INT64_C(2) << n) - 1) * base;
	return ((INT64_C(2) << thresh) - 1) * base +
	    (int64_t)(n - thresh) * MODEL_RTO_MAX_MS;
}

/*
 * Replay the SYN_SENT retransmit timer.  At each firing the kernel gives
 * up once retransmissions reach syn_retries + tcp_syn_linear_timeouts, or
 * (after at least one) once the time since the first SYN reaches the
 * model timeout or the user timeout; otherwise it sends a SYN and re-arms,
 * 1 s apart for the linear firings, then doubling, never past the user
 * timeout (tcp_clamp_rto_to_user_timeout).
 */
int64_t
lsp_syn_giveup_ms(const struct sp_kernel *k, int syn_retries, uint32_t ut_ms,
    int *syns)
{
	struct sp_kernel	def;
	int64_t			t = 0, rto = TIMEOUT_INIT_MS, gap, limit;
	int			n, lin, retrans = 0;

	if (k == NULL) {
		sp_kernel_defaults(&def);
		k = &def;
	}
	n = syn_retries > 0 ? syn_retries : k->syn_retries > 0 ?
	    k->syn_retries : 6;
	n = n > MAX_SYNCNT ? MAX_SYNCNT : n;
	lin = k->syn_linear_timeouts > 0 ? k->syn_linear_timeouts : 0;
	lin = lin > MAX_SYNCNT ? MAX_SYNCNT : lin;
	limit = ut_ms > 0 ? ut_ms : lsp_retries_budget_ms(n, TIMEOUT_INIT_MS);
	for (gap = rto;; ) {
		t += gap;
		if (retrans >= n + lin || (retrans > 0 && t >= limit))
			break;
		retrans++;
		if (retrans > lin && rto < lsp_rto_max_ms(k))
			rto = rto * 2 < lsp_rto_max_ms(k) ? rto * 2 :
			    lsp_rto_max_ms(k);
		gap = rto;
		if (ut_ms > 0 && gap > limit - t)
			gap = limit - t > 0 ? limit - t : 1;
	}
	if (syns != NULL)
		*syns = retrans + 1;
	return t;
}

/*
 * Time from the first RTO firing to the firing that finds budget_ms used
 * up: the RTO doubles from rto after each firing, capped at rto_max.
 */
static int64_t
rto_giveup(int64_t rto, int64_t rto_max, int64_t budget_ms)
{
	int64_t	t = 0, gap = rto;

	do {
		gap = gap * 2 < rto_max ? gap * 2 : rto_max;
		t += gap;
	} while (t < budget_ms);
	return t;
}

/* Time until n unanswered zero-window probes, backing off from rto. */
static int64_t
probe_giveup(int64_t rto, int64_t rto_max, int n)
{
	int64_t	t = 0, gap = rto;
	int	i;

	for (i = 0; i <= n; i++) {
		t += gap;
		gap = gap * 2 < rto_max ? gap * 2 : rto_max;
	}
	return t;
}

/* Fill the verdict part of an entry. */
static void
entry_set(struct sp_budget_entry *e, int64_t ms, enum sp_technique t,
    enum sp_cause c)
{
	e->detect_ms = ms;
	e->technique = t;
	e->cause = c;
}

/* Fill e->how; a text too long for it ends in "..." rather than mid-word. */
static void
how(struct sp_budget_entry *e, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(e->how, sizeof(e->how), fmt, ap);
	va_end(ap);
	if (n < 0)
		e->how[0] = '\0';
	else if ((size_t)n >= sizeof(e->how))
		memcpy(e->how + sizeof(e->how) - 4, "...", 4);
}

/* SYN_SENT: the replay above, with the socket's TCP_SYNCNT and UT. */
static void
mode_syn(struct budget_ctx *c, struct sp_budget_entry *e)
{
	char	t[48];
	int	syns;
	int64_t	ms;

	ms = lsp_syn_giveup_ms(c->k, c->o->syn_retries, c->o->user_timeout_ms,
	    &syns);
	entry_set(e, ms, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT);
	how(e, "connect gives up after %s (%d SYNs)%s",
	    lsp_secs_format(ms, t, sizeof(t)), syns, c->o->user_timeout_ms > 0 ?
	    ": TCP_USER_TIMEOUT replaces the SYN time limit" : "");
	if (ms > SLOW_MS)
		c->warnings |= SP_WARN_SYN_SLOW;
}

/*
 * The keepalive timer ticks at idle, idle + intvl, ...; at tick k it has
 * k probes out.  Without a user timeout it gives up at tick count; with
 * one, at the first tick k >= 1 whose idle time reaches the user timeout.
 */
static void
mode_idle(struct budget_ctx *c, struct sp_budget_entry *e)
{
	const struct sp_budget_opts	*o = c->o;
	char				 t[48];
	int64_t				 idle, intvl, cnt, need, ticks;

	if (!o->keepalive) {
		c->warnings |= SP_WARN_KEEPALIVE_OFF;
		if (o->user_timeout_ms > 0)
			c->warnings |= SP_WARN_UT_IDLE_NOOP;
		entry_set(e, -1, SP_TECH_NONE, SP_CAUSE_NONE);
		how(e, "never: with keepalive off nothing is sent while idle, "
		    "so a silent peer death goes unseen%s",
		    o->user_timeout_ms > 0 ? " (TCP_USER_TIMEOUT needs data "
		    "in flight or probes)" : "");
		return;
	}
	idle = o->keepalive_idle_s > 0 ? (int64_t)o->keepalive_idle_s :
	    (int64_t)kval(c->k->keepalive_time_s, KA_DEFAULT_IDLE_S);
	intvl = o->keepalive_interval_s > 0 ?
	    (int64_t)o->keepalive_interval_s :
	    (int64_t)kval(c->k->keepalive_intvl_s, 75);
	cnt = o->keepalive_count > 0 ? (int64_t)o->keepalive_count :
	    (int64_t)kval(c->k->keepalive_probes, 9);
	/* The kernel refuses 0 for each knob; a doctored sysctl gets 1. */
	idle = idle > 0 ? idle : 1;
	intvl = intvl > 0 ? intvl : 1;
	cnt = cnt > 0 ? cnt : 1;
	if (o->keepalive_idle_s == 0 || idle >= KA_DEFAULT_IDLE_S)
		c->warnings |= SP_WARN_KEEPALIVE_DEFAULTS;
	if (o->user_timeout_ms == 0) {
		entry_set(e, (idle + cnt * intvl) * 1000, SP_TECH_KEEPALIVE,
		    SP_CAUSE_TIMED_OUT);
		how(e, "keepalive probes after %lld s idle, every %lld s; "
		    "gives up after %lld unanswered: %s", (long long)idle,
		    (long long)intvl, (long long)cnt,
		    lsp_secs_format(e->detect_ms, t, sizeof(t)));
		return;
	}
	need = (int64_t)o->user_timeout_ms - idle * 1000;
	ticks = need <= 0 ? 1 : (need + intvl * 1000 - 1) / (intvl * 1000);
	/* The kernel decides by the user timeout either way; it is a trap
	 * only when that moves the outcome away from the probe count. */
	if (ticks != cnt)
		c->warnings |= SP_WARN_KEEPCNT_OVERRIDDEN;
	entry_set(e, (idle + ticks * intvl) * 1000, SP_TECH_USER_TIMEOUT,
	    SP_CAUSE_TIMED_OUT);
	how(e, "keepalive probes after %lld s idle, every %lld s; "
	    "TCP_USER_TIMEOUT %s the count of %lld: gives up at probe "
	    "tick %lld, %s", (long long)idle, (long long)intvl,
	    ticks != cnt ? "replaces" : "agrees with", (long long)cnt,
	    (long long)ticks, lsp_secs_format(e->detect_ms, t, sizeof(t)));
}

/*
 * Data in flight: a tail loss probe, then the first RTO about two RTOs
 * after the send (0.41 s measured on loopback).  The user timeout counts
 * from that first RTO; without one, tcp_retries2 is a time budget from it,
 * noticed at the first RTO firing past it.  A receive deadline on a
 * reply may come first.
 */
static void
mode_busy(struct budget_ctx *c, struct sp_budget_entry *e)
{
	const struct sp_budget_opts	*o = c->o;
	char				 t[48], b[48];
	int64_t				 first = 2 * c->rto, budget;
	int				 r = kval(c->k->retries2, 15);

	if (o->user_timeout_ms > 0) {
		entry_set(e, first + o->user_timeout_ms, SP_TECH_USER_TIMEOUT,
		    SP_CAUSE_TIMED_OUT);
		how(e, "first retransmission timeout after %s, then "
		    "TCP_USER_TIMEOUT: gives up at %s", lsp_secs_format(first,
		    b, sizeof(b)), lsp_secs_format(e->detect_ms, t, sizeof(t)));
	} else {
		budget = lsp_retries_budget_ms(r, MODEL_RTO_MIN_MS);
		entry_set(e, first + rto_giveup(c->rto, c->rto_max, budget),
		    SP_TECH_READ, SP_CAUSE_TIMED_OUT);
		how(e, "tcp_retries2=%d allows %s of retransmission after the "
		    "first timeout; the next firing past it, at %s, gives up",
		    r, lsp_secs_format(budget, b, sizeof(b)),
		    lsp_secs_format(e->detect_ms, t, sizeof(t)));
		if (e->detect_ms > SLOW_MS)
			c->warnings |= SP_WARN_RETRIES2_FLOOR;
	}
	if (o->recv_timeout_ms > 0 && o->recv_timeout_ms < e->detect_ms) {
		(void)lsp_secs_format(e->detect_ms, b, sizeof(b));
		entry_set(e, o->recv_timeout_ms, SP_TECH_TIMEOUT,
		    SP_CAUSE_NO_REPLY);
		how(e, "a blocking recv awaiting the reply gives up after "
		    "SO_RCVTIMEO, %s (the kernel would wait %s)",
		    lsp_secs_format(o->recv_timeout_ms, t, sizeof(t)), b);
	}
}

/*
 * The peer is alive and answers window probes, so the kernel keeps the
 * connection forever, unless TCP_USER_TIMEOUT is set: then (measured here)
 * a window closed for the user timeout from the first probe, about one
 * RTO after it closed, ends the connection even with a live peer.
 */
static void
mode_zero_window(struct budget_ctx *c, struct sp_budget_entry *e)
{
	const struct sp_budget_opts	*o = c->o;
	char				 t[48], d[48];
	int64_t				 dead;

	dead = probe_giveup(c->rto, c->rto_max, kval(c->k->retries2, 15));
	(void)lsp_secs_format(dead, d, sizeof(d));
	entry_set(e, -1, SP_TECH_NONE, SP_CAUSE_NONE);
	if (o->user_timeout_ms > 0)
		entry_set(e, c->rto + o->user_timeout_ms, SP_TECH_USER_TIMEOUT,
		    SP_CAUSE_TIMED_OUT);
	if (o->send_timeout_ms > 0 && (e->detect_ms < 0 ||
	    o->send_timeout_ms < e->detect_ms))
		entry_set(e, o->send_timeout_ms, SP_TECH_TIMEOUT,
		    SP_CAUSE_SEND_STALLED);
	if (e->detect_ms < 0)
		how(e, "never while the peer answers window probes; a dead "
		    "peer stops answering and is dropped after tcp_retries2 "
		    "probes, about %s", d);
	else if (e->technique == SP_TECH_USER_TIMEOUT)
		how(e, "TCP_USER_TIMEOUT ends a window closed that long, "
		    "even with a live peer: %s", lsp_secs_format(e->detect_ms,
		    t, sizeof(t)));
	else
		how(e, "a blocking send returns short or EAGAIN after "
		    "SO_SNDTIMEO, %s; the kernel itself waits as long as the "
		    "peer answers probes", lsp_secs_format(e->detect_ms, t,
		    sizeof(t)));
}

/*
 * After close() our unanswered FIN is retransmitted like data, with
 * tcp_orphan_retries (0 means 8) in place of tcp_retries2.  Nobody is told:
 * the socket just disappears.
 */
static void
mode_fin_wait1(struct budget_ctx *c, struct sp_budget_entry *e)
{
	char	t[48], b[48];
	int64_t	first = 2 * c->rto, budget;
	int	n = kval(c->k->orphan_retries, 0);

	n = n == 0 ? ORPHAN_RETRIES_ALIVE : n;
	budget = lsp_retries_budget_ms(n, MODEL_RTO_MIN_MS);
	if (c->o->user_timeout_ms > 0)
		entry_set(e, first + c->o->user_timeout_ms, SP_TECH_TCP_INFO,
		    SP_CAUSE_TIMED_OUT);
	else
		entry_set(e, first + rto_giveup(c->rto, c->rto_max, budget),
		    SP_TECH_TCP_INFO, SP_CAUSE_TIMED_OUT);
	how(e, "after close(), the unanswered FIN is retried %s (%s); the "
	    "socket then vanishes: %s", c->o->user_timeout_ms > 0 ?
	    "until TCP_USER_TIMEOUT" : "for tcp_orphan_retries' budget",
	    c->o->user_timeout_ms > 0 ? lsp_secs_format(
	    c->o->user_timeout_ms, b, sizeof(b)) : lsp_secs_format(budget, b,
	    sizeof(b)), lsp_secs_format(e->detect_ms, t, sizeof(t)));
}

/* An orphan waits TCP_LINGER2 or tcp_fin_timeout for the peer's FIN. */
static void
mode_fin_wait2(struct budget_ctx *c, struct sp_budget_entry *e)
{
	char	t[48];
	int64_t	s;

	if (c->o->linger2_s < 0)
		s = 0;
	else if (c->o->linger2_s > 0)
		s = c->o->linger2_s;
	else
		s = kval(c->k->fin_timeout_s, 60);
	entry_set(e, s * 1000, SP_TECH_TCP_INFO, SP_CAUSE_STATE);
	how(e, "after close(), FIN_WAIT2 waits %s for the peer's FIN (%s), "
	    "then drops the connection; after shutdown() it waits while the "
	    "socket is held", lsp_secs_format(e->detect_ms, t, sizeof(t)),
	    c->o->linger2_s != 0 ? "TCP_LINGER2" : "tcp_fin_timeout");
}

/* TIME_WAIT: TCP_TIMEWAIT_LEN, whatever the options say. */
static void
mode_time_wait(struct budget_ctx *c, struct sp_budget_entry *e)
{
	(void)c;
	entry_set(e, TIME_WAIT_MS, SP_TECH_TCP_INFO, SP_CAUSE_STATE);
	how(e, "the side that closed first keeps the connection in "
	    "TIME_WAIT for 60 s, fixed in the kernel; only sock_diag sees it");
}

/* Run every mode's model; see sockprobe.h. */
int
sp_budget_compute(const struct sp_kernel *k, const struct sp_budget_opts *o,
    struct sp_budget *b)
{
	struct sp_kernel	def;
	struct budget_ctx	c;
	size_t			i;

	if (o == NULL || b == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (k == NULL) {
		sp_kernel_defaults(&def);
		k = &def;
	}
	memset(b, 0, sizeof(*b));
	memset(&c, 0, sizeof(c));
	c.k = k;
	c.o = o;
	/*
	 * A live connection's RTO is the floor plus the smoothed RTT rounded
	 * up to a jiffy, so never the floor itself (204 ms on loopback here).
	 * Modelling it as exactly the floor would put every RTO firing a
	 * hair short of the tcp_retries2 budget and add one more 120 s step.
	 */
	c.rto = o->rto_ms > 0 ? o->rto_ms : (int64_t)lsp_rto_min_ms(k) + 1;
	c.rto_max = lsp_rto_max_ms(k);
	for (i = 0; i < SP_FAIL__MAX; i++) {
		b->entry[i].mode = (enum sp_failure)i;
		modes[i].fn(&c, &b->entry[i]);
	}
	b->warnings = c.warnings;
	return 0;
}

/* "syn_sent", "idle", ...; "unknown" out of range. */
const char *
sp_failure_name(enum sp_failure f)
{
	if ((unsigned)f >= SP_FAIL__MAX)
		return "unknown";
	return modes[f].name;
}

/* The name of one SP_WARN_* bit. */
const char *
sp_warning_name(uint32_t bit)
{
	size_t	i;

	for (i = 0; i < NWARNINGS; i++)
		if (warnings[i].bit == bit)
			return warnings[i].name;
	return NULL;
}

/* The sentence for one SP_WARN_* bit. */
const char *
sp_warning_text(uint32_t bit)
{
	size_t	i;

	for (i = 0; i < NWARNINGS; i++)
		if (warnings[i].bit == bit)
			return warnings[i].text;
	return NULL;
}

/* getsockopt() for a value of known size. */
static int
opt_get(int fd, int level, int name, void *val, socklen_t len)
{
	socklen_t	got = len;

	return getsockopt(fd, level, name, val, &got);
}

/* A timeval in ms, rounded up so that a set deadline never reads as 0. */
static uint32_t
timeval_ms(const struct timeval *tv)
{
	uint64_t	ms;

	ms = (uint64_t)tv->tv_sec * 1000 + ((uint64_t)tv->tv_usec + 999) / 1000;
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* Read the options the model needs from a TCP socket; see sockprobe.h. */
int
sp_budget_opts_read(int fd, struct sp_budget_opts *o)
{
	struct sp_tcp_info	ti;
	struct sp_kernel	k;
	struct timeval		rcv, snd;
	int			ka, idle, intvl, cnt, syn, linger2;
	uint32_t		ut;

	if (o == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (opt_get(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, sizeof(ka)) == -1 ||
	    opt_get(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) == -1 ||
	    opt_get(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)) == -1 ||
	    opt_get(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == -1 ||
	    opt_get(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut)) == -1 ||
	    opt_get(fd, IPPROTO_TCP, TCP_SYNCNT, &syn, sizeof(syn)) == -1 ||
	    opt_get(fd, IPPROTO_TCP, TCP_LINGER2, &linger2,
	    sizeof(linger2)) == -1 ||
	    opt_get(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv)) == -1 ||
	    opt_get(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd)) == -1 ||
	    sp_tcp_info_read(fd, &ti) == -1)
		return -1;
	memset(o, 0, sizeof(*o));
	o->keepalive = ka != 0;
	o->keepalive_idle_s = idle > 0 ? (uint32_t)idle : 0;
	o->keepalive_interval_s = intvl > 0 ? (uint32_t)intvl : 0;
	o->keepalive_count = cnt > 0 ? (uint32_t)cnt : 0;
	o->user_timeout_ms = ut;
	/*
	 * Unset, TCP_SYNCNT and TCP_LINGER2 read back as the sysctls; the
	 * model then names the sysctl, not an option nobody set.
	 */
	if (sp_kernel_read(NULL, &k) == -1)
		sp_kernel_defaults(&k);
	o->syn_retries = syn == k.syn_retries ? 0 : syn;
	o->linger2_s = linger2 == k.fin_timeout_s ? 0 : linger2;
	o->recv_timeout_ms = timeval_ms(&rcv);
	o->send_timeout_ms = timeval_ms(&snd);
	/* Before the handshake the RTO is the SYN's 1 s, not the path's. */
	if (ti.state != SP_TCP_SYN_SENT && ti.state != SP_TCP_CLOSE &&
	    ti.state != SP_TCP_LISTEN && ti.rto_us > 0)
		o->rto_ms = (ti.rto_us + 999) / 1000;
	return 0;
}
