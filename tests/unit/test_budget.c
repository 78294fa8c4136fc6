/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The detection-budget model against KERNEL-FACTS.md: each reference case
 * gives the model's exact number and stays within 10% of what was
 * measured on Linux 6.18 (long timers fire late), and each trap raises
 * its warning.  Also reads the options back from a real socket.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sockprobe.h"
#include "testlib.h"

static struct sp_budget	compute(const struct sp_kernel *,
			    const struct sp_budget_opts *);
static void		near(int64_t, int64_t);

static struct sp_budget
compute(const struct sp_kernel *k, const struct sp_budget_opts *o)
{
	struct sp_budget	b;
	int			i;

	memset(&b, 0xa5, sizeof(b));
	assert_int_equal(sp_budget_compute(k, o, &b), 0);
	for (i = 0; i < SP_FAIL__MAX; i++) {
		assert_int_equal(b.entry[i].mode, i);
		assert_true(strlen(b.entry[i].how) > 10);
		/* The texts fit: a truncated one would end in "...". */
		assert_null(strstr(b.entry[i].how, "..."));
	}
	assert_int_equal(b.warnings & ~(uint32_t)SP_WARN__ALL, 0);
	return b;
}

/* The model within 10% of a measurement from KERNEL-FACTS.md. */
static void
near(int64_t model, int64_t measured)
{
	if (llabs(model - measured) * 10 > measured)
		fail_msg("model %lld ms vs measured %lld ms",
		    (long long)model, (long long)measured);
}

/* KERNEL-FACTS case 7: TCP_SYNCNT with tcp_syn_linear_timeouts = 4. */
static void
test_syn_sent(void **state)
{
	static const struct {
		int		 syncnt;
		int64_t		 ms;
		int64_t		 measured;
		const char	*syns;
	} cases[] = {
		{ 1,	3000,	3070,	"(3 SYNs)" },
		{ 2,	7000,	7130,	"(6 SYNs)" },
		{ 3,	19000,	19400,	"(8 SYNs)" },
		{ 5,	67000,	69600,	"(10 SYNs)" },
		{ 0,	131000,	134400,	"(11 SYNs)" },	/* sysctl: 6 */
	};
	struct sp_budget_opts	o;
	struct sp_budget	b;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.syn_retries = cases[i].syncnt;
		b = compute(NULL, &o);
		assert_int_equal(b.entry[SP_FAIL_SYN_SENT].detect_ms,
		    cases[i].ms);
		near(cases[i].ms, cases[i].measured);
		assert_non_null(strstr(b.entry[SP_FAIL_SYN_SENT].how,
		    cases[i].syns));
		assert_int_equal(b.entry[SP_FAIL_SYN_SENT].technique,
		    SP_TECH_CONNECT);
		assert_int_equal(b.entry[SP_FAIL_SYN_SENT].cause,
		    SP_CAUSE_SYN_TIMEOUT);
		assert_int_equal((b.warnings & SP_WARN_SYN_SLOW) != 0,
		    cases[i].ms > 60000);
	}
	/* Default + TCP_USER_TIMEOUT=5000: 5.01 s, 5 SYNs. */
	memset(&o, 0, sizeof(o));
	o.user_timeout_ms = 5000;
	b = compute(NULL, &o);
	assert_int_equal(b.entry[SP_FAIL_SYN_SENT].detect_ms, 5000);
	near(5000, 5010);
	assert_non_null(strstr(b.entry[SP_FAIL_SYN_SENT].how, "(5 SYNs)"));
	assert_int_equal(b.warnings & SP_WARN_SYN_SLOW, 0);
}

/* Before 6.5 (no tcp_syn_linear_timeouts): 1+2+4+... from 1 s. */
static void
test_syn_classic(void **state)
{
	struct sp_kernel	k;
	struct sp_budget_opts	o;
	struct sp_budget	b;

	(void)state;
	sp_kernel_defaults(&k);
	k.syn_linear_timeouts = -1;
	memset(&o, 0, sizeof(o));
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_SYN_SENT].detect_ms, 127000);
	o.syn_retries = 5;
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_SYN_SENT].detect_ms, 63000);
	o.syn_retries = 3;
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_SYN_SENT].detect_ms, 15000);
	/* Beyond 6: 127 s, then 120 s steps (tcp_model_timeout). */
	o.syn_retries = 8;
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_SYN_SENT].detect_ms,
	    127000 + 120000 + 120000);
}

/* KERNEL-FACTS case 6 a, b, c_idle, d1, d2. */
static void
test_idle(void **state)
{
	struct sp_budget_opts	 o;
	struct sp_budget	 b;
	struct sp_budget_entry	*e = &b.entry[SP_FAIL_IDLE];

	(void)state;
	memset(&o, 0, sizeof(o));
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, -1);
	assert_true(b.warnings & SP_WARN_KEEPALIVE_OFF);
	assert_false(b.warnings & SP_WARN_UT_IDLE_NOOP);

	o.keepalive = true;
	o.keepalive_idle_s = 1;
	o.keepalive_interval_s = 1;
	o.keepalive_count = 3;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 4000);
	near(e->detect_ms, 4040);
	assert_int_equal(e->technique, SP_TECH_KEEPALIVE);
	assert_int_equal(e->cause, SP_CAUSE_TIMED_OUT);
	assert_int_equal(b.warnings & (SP_WARN_KEEPALIVE_OFF |
	    SP_WARN_KEEPCNT_OVERRIDDEN | SP_WARN_KEEPALIVE_DEFAULTS), 0);

	o.user_timeout_ms = 10000;		/* d1: UT extends */
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 10000);
	near(e->detect_ms, 10180);
	assert_int_equal(e->technique, SP_TECH_USER_TIMEOUT);
	assert_true(b.warnings & SP_WARN_KEEPCNT_OVERRIDDEN);

	o.keepalive_count = 9;			/* d2: UT shortens */
	o.user_timeout_ms = 2500;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 3000);
	near(e->detect_ms, 3005);
	assert_true(b.warnings & SP_WARN_KEEPCNT_OVERRIDDEN);

	o.user_timeout_ms = 500;		/* at least one probe */
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 2000);

	memset(&o, 0, sizeof(o));		/* c_idle: UT alone */
	o.user_timeout_ms = 2000;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, -1);
	assert_true(b.warnings & SP_WARN_UT_IDLE_NOOP);
	assert_true(b.warnings & SP_WARN_KEEPALIVE_OFF);
}

/* SO_KEEPALIVE with nothing else: the kernel's 2 h + 9 x 75 s. */
static void
test_idle_kernel_defaults(void **state)
{
	struct sp_kernel	k;
	struct sp_budget_opts	o;
	struct sp_budget	b;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.keepalive = true;
	b = compute(NULL, &o);
	assert_int_equal(b.entry[SP_FAIL_IDLE].detect_ms, 7875000);
	assert_true(b.warnings & SP_WARN_KEEPALIVE_DEFAULTS);
	/* A tuned host changes the numbers; the warning still names it. */
	sp_kernel_defaults(&k);
	k.keepalive_time_s = 60;
	k.keepalive_intvl_s = 5;
	k.keepalive_probes = 2;
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_IDLE].detect_ms, 70000);
	/* Values read from a socket (7200 s effective) also warn. */
	o.keepalive_idle_s = 7200;
	o.keepalive_interval_s = 75;
	o.keepalive_count = 9;
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_IDLE].detect_ms, 7875000);
	assert_true(b.warnings & SP_WARN_KEEPALIVE_DEFAULTS);
}

/* KERNEL-FACTS case 6 c (user timeout), f and h (tcp_retries2). */
static void
test_busy(void **state)
{
	struct sp_kernel	 k;
	struct sp_budget_opts	 o;
	struct sp_budget	 b;
	struct sp_budget_entry	*e = &b.entry[SP_FAIL_BUSY];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.user_timeout_ms = 3000;
	o.rto_ms = 205;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 3410);
	near(e->detect_ms, 3417);
	assert_int_equal(e->technique, SP_TECH_USER_TIMEOUT);
	assert_int_equal(e->cause, SP_CAUSE_TIMED_OUT);
	assert_false(b.warnings & SP_WARN_RETRIES2_FLOOR);
	o.user_timeout_ms = 1000;
	o.rto_ms = 204;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 1408);
	near(e->detect_ms, 1438);
	o.rto_ms = 0;				/* the floor plus 1 ms */
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 1402);

	/*
	 * Default tcp_retries2=15: a 924.6 s budget from the first RTO,
	 * met at the first firing past it.  With tcpi_rto 204 ms (loopback)
	 * the gaps after the first RTO double from 408 ms to 104.4 s
	 * (408 ms * (2^9 - 1) = 208.49 s in all), then stay at 120 s: the
	 * sixth of those ends at 928.49 s, past 924.6 s; plus the first RTO
	 * at 0.408 s.
	 */
	memset(&o, 0, sizeof(o));
	o.rto_ms = 204;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 408 + 208488 + 6 * 120000);
	assert_true(e->detect_ms >= 924600);
	assert_int_equal(e->technique, SP_TECH_READ);
	assert_int_equal(e->cause, SP_CAUSE_TIMED_OUT);
	assert_true(b.warnings & SP_WARN_RETRIES2_FLOOR);
	assert_non_null(strstr(e->how, "924.6 s"));
	o.rto_ms = 0;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 402 + 1022 * 201 + 6 * 120000);

	/* Case h: tcp_retries2=5 gave ETIMEDOUT at 13.30 / 13.44 s. */
	sp_kernel_defaults(&k);
	k.retries2 = 5;
	o.rto_ms = 204;
	b = compute(&k, &o);
	assert_int_equal(e->detect_ms, 408 + 408 * 31);
	near(e->detect_ms, 13370);
	assert_false(b.warnings & SP_WARN_RETRIES2_FLOOR);

	/* A receive deadline on the reply comes before the kernel. */
	o.recv_timeout_ms = 2000;
	b = compute(&k, &o);
	assert_int_equal(e->detect_ms, 2000);
	assert_int_equal(e->technique, SP_TECH_TIMEOUT);
	assert_int_equal(e->cause, SP_CAUSE_NO_REPLY);
}

/* A small tcp_rto_max_ms keeps firings close: the budget is met sooner. */
static void
test_busy_rto_max(void **state)
{
	struct sp_kernel	k;
	struct sp_budget_opts	o;
	struct sp_budget	b;
	int64_t			ms;

	(void)state;
	sp_kernel_defaults(&k);
	k.rto_max_ms = 1000;
	memset(&o, 0, sizeof(o));
	o.rto_ms = 250;
	b = compute(&k, &o);
	ms = b.entry[SP_FAIL_BUSY].detect_ms;
	assert_true(ms >= 500 + 924600);
	assert_true(ms < 500 + 924600 + 1000);
}

/*
 * Alive but not reading: no end without a deadline.  TCP_USER_TIMEOUT
 * ends a window closed that long (measured on loopback here: UT 2000,
 * 5000 and 1000 gave ETIMEDOUT about one RTO plus the UT after the
 * window closed, with the peer alive).
 */
static void
test_zero_window(void **state)
{
	struct sp_budget_opts	 o;
	struct sp_budget	 b;
	struct sp_budget_entry	*e = &b.entry[SP_FAIL_ZERO_WINDOW];

	(void)state;
	memset(&o, 0, sizeof(o));
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, -1);
	assert_non_null(strstr(e->how, "probes"));
	o.send_timeout_ms = 2000;		/* case 6 e_snd */
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 2000);
	assert_int_equal(e->technique, SP_TECH_TIMEOUT);
	assert_int_equal(e->cause, SP_CAUSE_SEND_STALLED);
	o.send_timeout_ms = 0;
	o.user_timeout_ms = 5000;
	o.rto_ms = 204;
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 5204);
	near(e->detect_ms, 5241);
	assert_int_equal(e->technique, SP_TECH_USER_TIMEOUT);
	assert_int_equal(e->cause, SP_CAUSE_TIMED_OUT);
	o.send_timeout_ms = 2000;		/* the sooner one wins */
	b = compute(NULL, &o);
	assert_int_equal(e->detect_ms, 2000);
	assert_int_equal(e->technique, SP_TECH_TIMEOUT);
}

/* The closing states: orphan retries, fin_timeout or linger2, 60 s. */
static void
test_closing(void **state)
{
	struct sp_kernel	k;
	struct sp_budget_opts	o;
	struct sp_budget	b;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.rto_ms = 204;
	b = compute(NULL, &o);
	/* 0 means 8: a 102.2 s budget, met by 408 ms * (2^8 - 1). */
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT1].detect_ms,
	    408 + 408 * 255);
	assert_true(b.entry[SP_FAIL_FIN_WAIT1].detect_ms >= 102200);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT2].detect_ms, 60000);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT2].cause, SP_CAUSE_STATE);
	assert_non_null(strstr(b.entry[SP_FAIL_FIN_WAIT2].how,
	    "tcp_fin_timeout"));
	assert_int_equal(b.entry[SP_FAIL_TIME_WAIT].detect_ms, 60000);
	sp_kernel_defaults(&k);
	k.orphan_retries = 3;
	k.fin_timeout_s = 30;
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT1].detect_ms, 408 + 6120);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT2].detect_ms, 30000);
	assert_int_equal(b.entry[SP_FAIL_TIME_WAIT].detect_ms, 60000);
	o.linger2_s = 1;			/* case 1: about 1 s */
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT2].detect_ms, 1000);
	assert_non_null(strstr(b.entry[SP_FAIL_FIN_WAIT2].how,
	    "TCP_LINGER2"));
	o.linger2_s = -1;			/* no FIN_WAIT2 at all */
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT2].detect_ms, 0);
	o.user_timeout_ms = 3000;
	b = compute(&k, &o);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT1].detect_ms, 3408);
}

/* NULL k means the defaults; NULL o or b is EINVAL. */
static void
test_arguments(void **state)
{
	struct sp_kernel	k;
	struct sp_budget_opts	o;
	struct sp_budget	a, b;
	int			i;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.keepalive = true;
	sp_kernel_defaults(&k);
	a = compute(NULL, &o);
	b = compute(&k, &o);
	for (i = 0; i < SP_FAIL__MAX; i++)
		assert_int_equal(a.entry[i].detect_ms, b.entry[i].detect_ms);
	assert_int_equal(a.warnings, b.warnings);
	errno = 0;
	assert_int_equal(sp_budget_compute(&k, NULL, &b), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_budget_compute(&k, &o, NULL), -1);
}

/* Every warning has a name and a sentence; unknown bits have neither. */
static void
test_warning_words(void **state)
{
	static const uint32_t	bits[] = {
		SP_WARN_UT_IDLE_NOOP, SP_WARN_KEEPCNT_OVERRIDDEN,
		SP_WARN_RETRIES2_FLOOR, SP_WARN_KEEPALIVE_OFF,
		SP_WARN_KEEPALIVE_DEFAULTS, SP_WARN_SYN_SLOW,
	};
	uint32_t		all = 0;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		assert_non_null(sp_warning_name(bits[i]));
		assert_non_null(sp_warning_text(bits[i]));
		all |= bits[i];
	}
	assert_int_equal(all, SP_WARN__ALL);
	assert_string_equal(sp_warning_name(SP_WARN_KEEPALIVE_OFF),
	    "keepalive_off");
	assert_non_null(strstr(sp_warning_text(SP_WARN_RETRIES2_FLOOR),
	    "924.6 s"));
	assert_null(sp_warning_name(0x40));
	assert_null(sp_warning_text(0));
}

/* The options a socket carries come back as set, and drive the model. */
static void
test_opts_read(void **state)
{
	struct sp_budget_opts	o;
	struct sp_budget	b;
	struct timeval		tv = { 1, 500000 };
	int			c, s, on = 1, v;
	unsigned int		ut = 7000;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &on,
	    sizeof(on)), 0);
	v = 5;
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &v,
	    sizeof(v)), 0);
	v = 2;
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &v,
	    sizeof(v)), 0);
	v = 3;
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &v,
	    sizeof(v)), 0);
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut,
	    sizeof(ut)), 0);
	v = 4;
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_SYNCNT, &v,
	    sizeof(v)), 0);
	v = 7;
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_LINGER2, &v,
	    sizeof(v)), 0);
	assert_int_equal(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	assert_int_equal(setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);

	memset(&o, 0xff, sizeof(o));
	assert_int_equal(sp_budget_opts_read(c, &o), 0);
	assert_true(o.keepalive);
	assert_int_equal(o.keepalive_idle_s, 5);
	assert_int_equal(o.keepalive_interval_s, 2);
	assert_int_equal(o.keepalive_count, 3);
	assert_int_equal(o.user_timeout_ms, 7000);
	assert_int_equal(o.syn_retries, 4);
	assert_int_equal(o.linger2_s, 7);
	assert_int_equal(o.recv_timeout_ms, 1500);
	assert_int_equal(o.send_timeout_ms, 2000);
	assert_true(o.rto_ms >= 200 && o.rto_ms < 3000);
	assert_int_equal(o.reserved[0], 0);

	b = compute(NULL, &o);
	/* idle 5 s, interval 2 s: first tick at or past 7 s is 5 + 2 * 1. */
	assert_int_equal(b.entry[SP_FAIL_IDLE].detect_ms, 7000);
	assert_int_equal(b.entry[SP_FAIL_FIN_WAIT2].detect_ms, 7000);
	assert_int_equal(b.entry[SP_FAIL_BUSY].detect_ms, 1500);
	close(c);
	close(s);

	/* A fresh socket: kernel defaults, keepalive off, no RTO yet. */
	assert_true((c = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(sp_budget_opts_read(c, &o), 0);
	assert_false(o.keepalive);
	assert_int_equal(o.user_timeout_ms, 0);
	assert_int_equal(o.rto_ms, 0);
	assert_int_equal(o.recv_timeout_ms, 0);
	close(c);
	errno = 0;
	assert_int_equal(sp_budget_opts_read(-1, &o), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(sp_budget_opts_read(0, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_sent),
		cmocka_unit_test(test_syn_classic),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_idle_kernel_defaults),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_busy_rto_max),
		cmocka_unit_test(test_zero_window),
		cmocka_unit_test(test_closing),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_warning_words),
		cmocka_unit_test(test_opts_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
