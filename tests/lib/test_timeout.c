/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "timeout" on loopback: SO_RCVTIMEO against a silent but alive
 * peer, SO_SNDTIMEO against a peer that does not read (partial counts,
 * then EAGAIN), and the deadline options themselves.
 */

#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

/* Short deadlines keep the suite quick; the kernel's rule is the same. */
#define DEADLINE_MS	300

static void	test_recv_no_reply(void **);
static void	test_recv_data(void **);
static void	test_recv_fin(void **);
static void	test_recv_killed_while_blocked(void **);
static void	test_send_stalled(void **);
static void	test_send_reset(void **);
static void	test_options(void **);
static void	test_misuse(void **);

/* Case 6 e_rcv on loopback: EAGAIN at the deadline, still ESTABLISHED. */
static void
test_recv_no_reply(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	ssize_t			got = -1;
	int64_t			t0;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_set_recv_timeout(c, DEADLINE_MS), 0);
	t0 = tl_now_ms();
	assert_int_equal(sp_recv_wait(c, buf, sizeof(buf), &got, &v), 0);
	assert_in_range(tl_now_ms() - t0, DEADLINE_MS - 5, 3 * DEADLINE_MS);
	assert_verdict(&v, SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, EAGAIN);
	assert_int_equal(got, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	close(c);
	close(s);
}

static void
test_recv_data(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	ssize_t			got = -1;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_set_recv_timeout(c, 5000), 0);
	assert_int_equal(send(s, "pong", 4, MSG_NOSIGNAL), 4);
	assert_int_equal(sp_recv_wait(c, buf, sizeof(buf), &got, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_NONE, 0);
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "pong", 4);
	close(c);
	close(s);
}

static void
test_recv_fin(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	ssize_t			got = -1;
	int			c;

	(void)state;
	c = ck_fin_client();
	assert_int_equal(sp_set_recv_timeout(c, 5000), 0);
	assert_int_equal(sp_recv_wait(c, buf, sizeof(buf), &got, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
	assert_int_equal(got, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE_WAIT);
	close(c);
}

/*
 * Case 3: a recv blocked under SO_RCVTIMEO returns ECONNRESET as soon as
 * the peer, killed with unread data, sends its RST.
 */
static void
test_recv_killed_while_blocked(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	int64_t			t0;
	pid_t			pid;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(send(c, "unread", 6, MSG_NOSIGNAL), 6);
	ck_wait_inq(s, 6);
	if ((pid = fork()) == -1)
		tl_die("fork");
	if (pid == 0) {
		close(c);
		tl_sleep_ms(150);
		raise(SIGKILL);
	}
	close(s);
	assert_int_equal(sp_set_recv_timeout(c, 5000), 0);
	t0 = tl_now_ms();
	assert_int_equal(sp_recv_wait(c, buf, sizeof(buf), NULL, &v), 0);
	assert_in_range(tl_now_ms() - t0, 100, 2000);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	if (waitpid(pid, NULL, 0) == -1)
		tl_die("waitpid");
	close(c);
}

/*
 * Case 6 e_snd on loopback: the peer is alive but does not read.  The
 * first blocking send that cannot finish returns the partial count at
 * the deadline; later, one that can queue nothing returns EAGAIN.
 */
static void
test_send_stalled(void **state)
{
	struct sp_verdict	v;
	static char		big[65536];
	ssize_t			sent;
	int64_t			t0, dt;
	int			c, s, i;
	bool			partial = false;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_set_send_timeout(c, DEADLINE_MS), 0);
	for (i = 0; i < 1000; i++) {
		t0 = tl_now_ms();
		sent = -1;
		assert_int_equal(sp_send_wait(c, big, sizeof(big), &sent,
		    &v), 0);
		dt = tl_now_ms() - t0;
		if (v.cause == SP_CAUSE_NONE) {
			assert_int_equal(sent, sizeof(big));
			continue;
		}
		assert_in_range(dt, DEADLINE_MS - 5, 3 * DEADLINE_MS);
		assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
		if (sent == 0)
			break;
		/* Only a short count, never EAGAIN, when part was queued. */
		assert_verdict(&v, SP_TECH_TIMEOUT, SP_CAUSE_SEND_STALLED, 0);
		assert_in_range(sent, 1, sizeof(big) - 1);
		partial = true;
	}
	assert_true(partial);
	assert_verdict(&v, SP_TECH_TIMEOUT, SP_CAUSE_SEND_STALLED, EAGAIN);
	close(c);
	close(s);
}

static void
test_send_reset(void **state)
{
	struct sp_verdict	v;
	ssize_t			sent = -1;
	int			c;

	(void)state;
	c = ck_rst_client();
	assert_int_equal(sp_set_send_timeout(c, DEADLINE_MS), 0);
	assert_int_equal(sp_send_wait(c, "x", 1, &sent, &v), 0);
	assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(sent, 0);
	close(c);
}

/* Round trips in ms; the kernel keeps jiffies, so 0 and whole s are exact. */
static void
test_options(void **state)
{
	uint32_t	ms;
	int		c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_get_recv_timeout(c, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(sp_set_recv_timeout(c, 1500), 0);
	assert_int_equal(sp_get_recv_timeout(c, &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(sp_set_recv_timeout(c, 1), 0);
	assert_int_equal(sp_get_recv_timeout(c, &ms), 0);
	assert_in_range(ms, 1, 10);
	assert_int_equal(sp_set_recv_timeout(c, 0), 0);
	assert_int_equal(sp_get_recv_timeout(c, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(sp_set_send_timeout(c, 2000), 0);
	assert_int_equal(sp_get_send_timeout(c, &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(sp_set_send_timeout(c, UINT32_MAX), 0);
	assert_int_equal(sp_get_send_timeout(c, &ms), 0);
	assert_in_range(ms, UINT32_MAX - 10, UINT32_MAX);
	errno = 0;
	assert_int_equal(sp_get_send_timeout(c, NULL), -1);
	assert_int_equal(errno, EINVAL);
	close(c);
	close(s);
}

/* Blocking forms need blocking sockets; a 0-byte recv would fake a FIN. */
static void
test_misuse(void **state)
{
	struct sp_verdict	v;
	char			buf[4];
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	errno = 0;
	assert_int_equal(sp_recv_wait(c, buf, 0, NULL, &v), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_send_wait(c, buf, 0, NULL, &v), -1);
	assert_int_equal(errno, EINVAL);
	if (fcntl(c, F_SETFL, O_NONBLOCK) == -1)
		tl_die("fcntl");
	errno = 0;
	assert_int_equal(sp_recv_wait(c, buf, sizeof(buf), NULL, &v), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_send_wait(c, buf, sizeof(buf), NULL, &v), -1);
	assert_int_equal(errno, EINVAL);
	close(c);
	close(s);
	errno = 0;
	assert_int_equal(sp_recv_wait(c, buf, sizeof(buf), NULL, &v), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recv_no_reply),
		cmocka_unit_test(test_recv_data),
		cmocka_unit_test(test_recv_fin),
		cmocka_unit_test(test_recv_killed_while_blocked),
		cmocka_unit_test(test_send_stalled),
		cmocka_unit_test(test_send_reset),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
