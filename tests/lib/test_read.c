/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "read" on real loopback sockets: FIN, RST, a killed peer,
 * unread data ahead of a FIN or RST, select() with a deadline, and the
 * capture of an error the kernel reports only once.
 */

#include "config.h"

#include <sys/select.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

static void	test_alive_idle(void **);
static void	test_alive_data_kept(void **);
static void	test_fin(void **);
static void	test_halfclose(void **);
static void	test_data_then_fin(void **);
static void	test_rst(void **);
static void	test_fin_then_rst(void **);
static void	test_rst_unread_kernel(void **);
static void	test_rst_unread_check(void **);
static void	test_killed_unread(void **);
static void	test_killed_empty(void **);
static void	test_select_timeout(void **);
static void	test_select_fin(void **);
static void	test_select_misuse(void **);
static void	test_check_error(void **);
static void	test_misuse(void **);

static void
test_alive_idle(void **state)
{
	struct sp_verdict	v;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_NONE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	close(c);
	close(s);
}

/* Data waiting is alive, and the check leaves it for the caller. */
static void
test_alive_data_kept(void **state)
{
	struct sp_verdict	v;
	char			buf[64];
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(send(s, "hello", 5, MSG_NOSIGNAL), 5);
	ck_wait_inq(c, 5);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_NONE, 0);
	assert_non_null(strstr(v.detail, "5 bytes"));
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 5);
	close(c);
	close(s);
}

/* Case 1: FIN gives CLOSE_WAIT, no POLLHUP/POLLERR, recv 0 every time. */
static void
test_fin(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	short			ev;
	int			c, i;

	(void)state;
	c = ck_fin_client();
	ev = tl_wait_events(c, POLLIN | POLLOUT | POLLRDHUP, 0);
	assert_int_equal(ev, POLLIN | POLLOUT | POLLRDHUP);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sp_check_read(c, &v), 0);
		assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
		assert_int_equal(v.tcp_state, SP_TCP_CLOSE_WAIT);
	}
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 0);
	assert_int_equal(read(c, buf, sizeof(buf)), 0);
	assert_int_equal(tl_tcp_state(c), TCP_CLOSE_WAIT);
	close(c);
}

/* shutdown(SHUT_WR) on the peer reads exactly like a close. */
static void
test_halfclose(void **state)
{
	struct sp_verdict	v;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(shutdown(s, SHUT_WR), 0);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE_WAIT, CK_WAIT_MS), 0);
	assert_int_equal(tl_wait_state(s, TCP_FIN_WAIT2, CK_WAIT_MS), 0);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE_WAIT);
	close(c);
	close(s);
}

/* A FIN behind unread data is reported at once; the data stays. */
static void
test_data_then_fin(void **state)
{
	struct sp_verdict	v;
	char			buf[128];
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	memset(buf, 'd', 50);
	assert_int_equal(send(s, buf, 50, MSG_NOSIGNAL), 50);
	close(s);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE_WAIT, CK_WAIT_MS), 0);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
	assert_non_null(strstr(v.detail, "50 bytes"));
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 50);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 0);
	close(c);
}

/*
 * Case 4: SO_LINGER {1, 0}.  The check captures ECONNRESET; after it the
 * kernel's recv says 0, a clean EOF to anyone who asks only now.
 */
static void
test_rst(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	short			ev;
	int			c;

	(void)state;
	c = ck_rst_client();
	ev = tl_wait_events(c, POLLIN | POLLOUT | POLLRDHUP, 0);
	assert_int_equal(ev, POLLIN | POLLOUT | POLLRDHUP | POLLERR | POLLHUP);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	/* The error was consumed: POLLERR is gone, recv returns 0. */
	ev = tl_wait_events(c, POLLIN | POLLOUT | POLLRDHUP, 0);
	assert_int_equal(ev, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	close(c);
}

/*
 * Case 2 "recvfirst": our write after the FIN draws an RST, which in
 * CLOSE_WAIT leaves EPIPE.  recv checks the FIN first and never reports
 * it; POLLERR stays up, and the check takes the EPIPE through SO_ERROR.
 */
static void
test_fin_then_rst(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	int			c;

	(void)state;
	c = ck_fin_client();
	assert_int_equal(send(c, "x", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT),
	    0);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 0);
	assert_int_equal(read(c, buf, sizeof(buf)), 0);
	assert_true(tl_wait_events(c, POLLIN, 0) & POLLERR);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_BROKEN_PIPE, EPIPE);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	assert_false(tl_wait_events(c, POLLIN, 0) & POLLERR);
	close(c);
}

/* Case 4 "unread", kernel side: data first, then ECONNRESET, then 0. */
static void
test_rst_unread_kernel(void **state)
{
	struct sp_verdict	v;
	char			buf[256];
	ssize_t			n;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	memset(buf, 'u', 100);
	assert_int_equal(send(s, buf, 100, MSG_NOSIGNAL), 100);
	ck_wait_inq(c, 100);
	tl_close_rst(s);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(ck_inq(c), 100);
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_PEEK), 100);
	n = recv(c, buf, sizeof(buf), 0);
	assert_int_equal(n, 100);
	assert_int_equal(sp_classify_recv(c, n, 0, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_NONE, 0);
	n = recv(c, buf, sizeof(buf), 0);
	assert_int_equal(n, -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(sp_classify_recv(c, n, errno, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 0);
	close(c);
}

/* The check reports the RST behind unread data and leaves the data. */
static void
test_rst_unread_check(void **state)
{
	struct sp_verdict	v;
	char			buf[256];
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	memset(buf, 'u', 100);
	assert_int_equal(send(s, buf, 100, MSG_NOSIGNAL), 100);
	ck_wait_inq(c, 100);
	tl_close_rst(s);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	assert_non_null(strstr(v.detail, "100 bytes"));
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 100);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 0);
	close(c);
}

/* Case 3: a peer killed with unread data sends RST. */
static void
test_killed_unread(void **state)
{
	struct sp_verdict	v;
	int			c;

	(void)state;
	c = ck_killed_peer_client(true);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	close(c);
}

/* Case 3: a peer killed with an empty receive buffer sends FIN. */
static void
test_killed_empty(void **state)
{
	struct sp_verdict	v;
	int			c;

	(void)state;
	c = ck_killed_peer_client(false);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE_WAIT);
	close(c);
}

/* A silent but alive peer: nothing readable is no_reply, by timeout. */
static void
test_select_timeout(void **state)
{
	struct sp_verdict	v;
	int64_t			t0, dt;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	t0 = tl_now_ms();
	assert_int_equal(sp_select_read(c, 200, &v), 0);
	dt = tl_now_ms() - t0;
	assert_verdict(&v, SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	assert_in_range(dt, 195, 1500);
	close(c);
	close(s);
}

/* select() wakes for the FIN at once: peer_closed, by read. */
static void
test_select_fin(void **state)
{
	struct sp_verdict	v;
	int64_t			t0;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	close(s);
	t0 = tl_now_ms();
	assert_int_equal(sp_select_read(c, 5000, &v), 0);
	assert_in_range(tl_now_ms() - t0, 0, 1000);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE_WAIT);
	close(c);
}

static void
test_select_misuse(void **state)
{
	struct sp_verdict	v;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	errno = 0;
	assert_int_equal(sp_select_read(FD_SETSIZE, 10, &v), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_select_read(c, -1, &v), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_select_read(-1, 10, &v), -1);
	assert_int_equal(errno, EBADF);
	close(c);
	close(s);
}

/* SO_ERROR on demand: captured once, then nothing is pending. */
static void
test_check_error(void **state)
{
	struct sp_verdict	v;
	int			c;

	(void)state;
	c = ck_rst_client();
	assert_int_equal(sp_check_error(c, SP_TECH_READ, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(sp_check_error(c, SP_TECH_READ, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_NONE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	/* Case 4 "soerrfirst": now recv looks exactly like a clean EOF. */
	assert_int_equal(recv(c, &v, 1, MSG_DONTWAIT), 0);
	close(c);
}

/* Not a connected socket: -1 with errno, never a verdict. */
static void
test_misuse(void **state)
{
	struct sp_verdict	v;
	int			p[2], fd;

	(void)state;
	if (pipe(p) == -1)
		tl_die("pipe");
	errno = 0;
	assert_int_equal(sp_check_read(p[0], &v), -1);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);
	errno = 0;
	assert_int_equal(sp_check_read(p[0], &v), -1);
	assert_int_equal(errno, EBADF);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		tl_die("socket");
	errno = 0;
	assert_int_equal(sp_check_read(fd, &v), -1);
	assert_int_equal(errno, ENOTCONN);
	errno = 0;
	assert_int_equal(sp_check_read(fd, NULL), -1);
	assert_int_equal(errno, EINVAL);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive_idle),
		cmocka_unit_test(test_alive_data_kept),
		cmocka_unit_test(test_fin),
		cmocka_unit_test(test_halfclose),
		cmocka_unit_test(test_data_then_fin),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_fin_then_rst),
		cmocka_unit_test(test_rst_unread_kernel),
		cmocka_unit_test(test_rst_unread_check),
		cmocka_unit_test(test_killed_unread),
		cmocka_unit_test(test_killed_empty),
		cmocka_unit_test(test_select_timeout),
		cmocka_unit_test(test_select_fin),
		cmocka_unit_test(test_select_misuse),
		cmocka_unit_test(test_check_error),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
