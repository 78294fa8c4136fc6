/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The option setters and getters on real sockets: keepalive, user
 * timeout, TCP_LINGER2, and the RST close.  Values round-trip exactly;
 * values outside the kernel's range are refused and change nothing.
 */

#include "config.h"

#include <sys/socket.h>

#include <limits.h>
#include <unistd.h>

#include "checks.h"

static void	test_keepalive_defaults(void **);
static void	test_keepalive_round_trip(void **);
static void	test_keepalive_range(void **);
static void	test_user_timeout(void **);
static void	test_linger2(void **);
static void	test_linger2_orphan(void **);
static void	test_close_rst(void **);

/* A fresh socket reports the sysctls: the getter shows the effective. */
static void
test_keepalive_defaults(void **state)
{
	struct sp_keepalive	ka;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_get_keepalive(c, &ka), 0);
	assert_false(ka.enabled);
	assert_int_equal(ka.idle_s, ck_sysctl("tcp_keepalive_time"));
	assert_int_equal(ka.interval_s, ck_sysctl("tcp_keepalive_intvl"));
	assert_int_equal(ka.count, ck_sysctl("tcp_keepalive_probes"));
	close(c);
	close(s);
}

static void
test_keepalive_round_trip(void **state)
{
	struct sp_keepalive	set = { true, 5, 2, 3 }, got;
	struct sp_keepalive	off = { false, 0, 0, 0 };
	struct sp_keepalive	max = { true, 32767, 32767, 127 };
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_set_keepalive(c, &set), 0);
	assert_int_equal(sp_get_keepalive(c, &got), 0);
	assert_true(got.enabled);
	assert_int_equal(got.idle_s, 5);
	assert_int_equal(got.interval_s, 2);
	assert_int_equal(got.count, 3);
	/* Zero knobs are left alone; only SO_KEEPALIVE goes off. */
	assert_int_equal(sp_set_keepalive(c, &off), 0);
	assert_int_equal(sp_get_keepalive(c, &got), 0);
	assert_false(got.enabled);
	assert_int_equal(got.idle_s, 5);
	assert_int_equal(got.interval_s, 2);
	assert_int_equal(got.count, 3);
	assert_int_equal(sp_set_keepalive(c, &max), 0);
	assert_int_equal(sp_get_keepalive(c, &got), 0);
	assert_true(got.enabled);
	assert_int_equal(got.idle_s, 32767);
	assert_int_equal(got.interval_s, 32767);
	assert_int_equal(got.count, 127);
	close(c);
	close(s);
}

/* Out of range: EINVAL, and nothing at all is applied. */
static void
test_keepalive_range(void **state)
{
	struct sp_keepalive	base = { false, 10, 3, 4 }, got;
	struct sp_keepalive	bad[] = {
		{ true, 32768, 1, 1 },
		{ true, 1, 32768, 1 },
		{ true, 1, 1, 128 },
	};
	size_t			i;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_set_keepalive(c, &base), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(sp_set_keepalive(c, &bad[i]), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(sp_get_keepalive(c, &got), 0);
		assert_false(got.enabled);
		assert_int_equal(got.idle_s, 10);
		assert_int_equal(got.interval_s, 3);
		assert_int_equal(got.count, 4);
	}
	errno = 0;
	assert_int_equal(sp_set_keepalive(c, NULL), -1);
	assert_int_equal(errno, EINVAL);
	close(c);
	close(s);
}

static void
test_user_timeout(void **state)
{
	uint32_t	ms = 1;
	int		c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_get_user_timeout(c, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(sp_set_user_timeout(c, 2500), 0);
	assert_int_equal(sp_get_user_timeout(c, &ms), 0);
	assert_int_equal(ms, 2500);
	assert_int_equal(sp_set_user_timeout(c, INT_MAX), 0);
	assert_int_equal(sp_get_user_timeout(c, &ms), 0);
	assert_int_equal(ms, INT_MAX);
	errno = 0;
	assert_int_equal(sp_set_user_timeout(c, (uint32_t)INT_MAX + 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_get_user_timeout(c, &ms), 0);
	assert_int_equal(ms, INT_MAX);
	assert_int_equal(sp_set_user_timeout(c, 0), 0);
	assert_int_equal(sp_get_user_timeout(c, &ms), 0);
	assert_int_equal(ms, 0);
	close(c);
	close(s);
}

/* TCP_LINGER2: 0 reads back as tcp_fin_timeout; above 120 s is refused. */
static void
test_linger2(void **state)
{
	int	c, s, v;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_get_linger2(c, &v), 0);
	assert_int_equal(v, ck_sysctl("tcp_fin_timeout"));
	assert_int_equal(sp_set_linger2(c, 5), 0);
	assert_int_equal(sp_get_linger2(c, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(sp_set_linger2(c, 120), 0);
	assert_int_equal(sp_get_linger2(c, &v), 0);
	assert_int_equal(v, 120);
	assert_int_equal(sp_set_linger2(c, -1), 0);
	assert_int_equal(sp_get_linger2(c, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(sp_set_linger2(c, 0), 0);
	assert_int_equal(sp_get_linger2(c, &v), 0);
	assert_int_equal(v, ck_sysctl("tcp_fin_timeout"));
	errno = 0;
	assert_int_equal(sp_set_linger2(c, 121), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_set_linger2(c, -2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_get_linger2(c, &v), 0);
	assert_int_equal(v, ck_sysctl("tcp_fin_timeout"));
	close(c);
	close(s);
}

/*
 * TCP_LINGER2 = -1: the closing side skips FIN_WAIT2 and resets once its
 * FIN is acked.  The peer, already in CLOSE_WAIT from that FIN, records
 * the RST as EPIPE: broken_pipe seen by read, not a lingering CLOSE_WAIT.
 */
static void
test_linger2_orphan(void **state)
{
	struct sp_verdict	v;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_set_linger2(s, -1), 0);
	close(s);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_BROKEN_PIPE, EPIPE);
	close(c);
}

/* sp_close_rst: the peer's next read fails with ECONNRESET. */
static void
test_close_rst(void **state)
{
	struct sp_verdict	v;
	char			buf[8];
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_close_rst(s), 0);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(sp_classify_recv(c, -1, ECONNRESET, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	close(c);
	/* The descriptor is gone even when SO_LINGER cannot be set. */
	errno = 0;
	assert_int_equal(sp_close_rst(s), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive_defaults),
		cmocka_unit_test(test_keepalive_round_trip),
		cmocka_unit_test(test_keepalive_range),
		cmocka_unit_test(test_user_timeout),
		cmocka_unit_test(test_linger2),
		cmocka_unit_test(test_linger2_orphan),
		cmocka_unit_test(test_close_rst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
