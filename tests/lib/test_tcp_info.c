/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "tcp_info" on loopback: CLOSE_WAIT, FIN_WAIT2, CLOSE with its
 * error captured once, a real zero window, and the judgement of decoded
 * data with the counters that mark a suspect connection.
 */

#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

static void	test_established(void **);
static void	test_close_wait(void **);
static void	test_fin_wait2(void **);
static void	test_rst_captured(void **);
static void	test_rst_after_fin(void **);
static void	test_zero_window(void **);
static void	test_judgement(void **);
static void	test_misuse(void **);

static void
test_established(void **state)
{
	struct sp_verdict	v;
	struct sp_tcp_info	ti;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	memset(&ti, 0xff, sizeof(ti));
	assert_int_equal(sp_check_tcp_info(c, &v, &ti), 0);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_NONE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	assert_int_equal(ti.state, SP_TCP_ESTABLISHED);
	assert_int_equal(ti.retransmits, 0);
	assert_true(ti.kernel_len > 0);
	assert_int_equal(sp_check_tcp_info(c, &v, NULL), 0);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_NONE, 0);
	close(c);
	close(s);
}

/* Case 1: the FIN puts the client in CLOSE_WAIT, which has no timer. */
static void
test_close_wait(void **state)
{
	struct sp_verdict	v;
	struct sp_tcp_info	ti;
	int			c;

	(void)state;
	c = ck_fin_client();
	assert_int_equal(sp_check_tcp_info(c, &v, &ti), 0);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_PEER_CLOSED, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE_WAIT);
	assert_int_equal(ti.state, SP_TCP_CLOSE_WAIT);
	close(c);
}

/* Case 1: the side that sent SHUT_WR sits in FIN_WAIT2. */
static void
test_fin_wait2(void **state)
{
	struct sp_verdict	v;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(shutdown(s, SHUT_WR), 0);
	assert_int_equal(tl_wait_state(s, TCP_FIN_WAIT2, CK_WAIT_MS), 0);
	assert_int_equal(sp_check_tcp_info(s, &v, NULL), 0);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_STATE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_FIN_WAIT2);
	close(c);
	close(s);
}

/* CLOSE: the pending ECONNRESET is taken once; then only state remains. */
static void
test_rst_captured(void **state)
{
	struct sp_verdict	v;
	char			buf[8];
	int			c;

	(void)state;
	c = ck_rst_client();
	assert_int_equal(sp_check_tcp_info(c, &v, NULL), 0);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	assert_int_equal(sp_check_tcp_info(c, &v, NULL), 0);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_STATE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(c);
}

/* Case 2: an RST that arrives in CLOSE_WAIT leaves EPIPE, not ECONNRESET. */
static void
test_rst_after_fin(void **state)
{
	struct sp_verdict	v;
	int			c;

	(void)state;
	c = ck_fin_client();
	assert_int_equal(send(c, "x", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(sp_check_tcp_info(c, &v, NULL), 0);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_BROKEN_PIPE, EPIPE);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	close(c);
}

/* A peer that stops reading closes its window; data waits behind it. */
static void
test_zero_window(void **state)
{
	struct sp_verdict	v;
	struct sp_tcp_info	ti;
	static char		big[65536];
	int64_t			deadline;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	if (fcntl(c, F_SETFL, O_NONBLOCK) == -1)
		tl_die("fcntl");
	deadline = tl_now_ms() + 5000;
	do {
		while (send(c, big, sizeof(big), MSG_NOSIGNAL) > 0)
			;
		assert_true(errno == EAGAIN);
		assert_int_equal(sp_check_tcp_info(c, &v, &ti), 0);
		if (v.cause == SP_CAUSE_ZERO_WINDOW)
			break;
		tl_sleep_ms(20);
	} while (tl_now_ms() < deadline);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_ZERO_WINDOW, 0);
	assert_int_equal(ti.snd_wnd, 0);
	assert_true(ti.notsent_bytes > 0);
	close(c);
	close(s);
}

/* The counters in order: RTOs, zero window, backoff, keepalive probes. */
static void
test_judgement(void **state)
{
	struct sp_tcp_info	base, ti;
	struct sp_verdict	v;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_tcp_info_read(c, &base), 0);
	assert_int_equal(base.snd_wnd > 0, 1);
	ti = base;
	ti.retransmits = 3;
	ti.backoff = 3;
	sp_verdict_from_tcp_info(&ti, &v);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_RETRANSMITTING, 0);
	ti = base;
	ti.backoff = 2;
	sp_verdict_from_tcp_info(&ti, &v);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_RETRANSMITTING, 0);
	ti = base;
	ti.probes = 2;
	sp_verdict_from_tcp_info(&ti, &v);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_KEEPALIVE_PROBING, 0);
	/* Zero-window probes raise probes and backoff too. */
	ti = base;
	ti.snd_wnd = 0;
	ti.notsent_bytes = 1000;
	ti.probes = 2;
	ti.backoff = 2;
	sp_verdict_from_tcp_info(&ti, &v);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_ZERO_WINDOW, 0);
	/* A closed window with nothing to send is no stall. */
	ti.notsent_bytes = 0;
	ti.unacked = 0;
	ti.probes = 0;
	ti.backoff = 0;
	sp_verdict_from_tcp_info(&ti, &v);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_NONE, 0);
	ti = base;
	ti.state = SP_TCP_LAST_ACK;
	sp_verdict_from_tcp_info(&ti, &v);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_STATE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_LAST_ACK);
	/* Nothing decoded: no state to judge, so no verdict against it. */
	assert_int_equal(sp_tcp_info_decode(&base, 0, &ti), 0);
	sp_verdict_from_tcp_info(&ti, &v);
	assert_verdict(&v, SP_TECH_TCP_INFO, SP_CAUSE_NONE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_UNKNOWN);
	close(c);
	close(s);
}

static void
test_misuse(void **state)
{
	struct sp_verdict	v;
	int			p[2];

	(void)state;
	if (pipe(p) == -1)
		tl_die("pipe");
	errno = 0;
	assert_int_equal(sp_check_tcp_info(p[0], &v, NULL), -1);
	assert_int_equal(errno, ENOTSOCK);
	errno = 0;
	assert_int_equal(sp_check_tcp_info(p[0], NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established),
		cmocka_unit_test(test_close_wait),
		cmocka_unit_test(test_fin_wait2),
		cmocka_unit_test(test_rst_captured),
		cmocka_unit_test(test_rst_after_fin),
		cmocka_unit_test(test_zero_window),
		cmocka_unit_test(test_judgement),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
