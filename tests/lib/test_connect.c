/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "connect" on loopback: refused in both modes (with POLLOUT
 * set next to POLLERR), success, a SYN black hole made of a listener whose
 * accept queue is full, SO_SNDTIMEO's EINPROGRESS, and TCP_SYNCNT.
 */

#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "checks.h"

static int	ck_socket(bool);
static int	ck_black_hole(uint16_t *, int *);
static void	test_refused_blocking(void **);
static void	test_refused_nonblocking(void **);
static void	test_refused_start(void **);
static void	test_refused_poll(void **);
static void	test_connected(void **);
static void	test_start_then_check(void **);
static void	test_poll_timeout(void **);
static void	test_wait_sndtimeo(void **);
static void	test_syncnt_give_up(void **);
static void	test_user_timeout_give_up(void **);
static void	test_syn_retries_option(void **);
static void	test_mode_misuse(void **);

/* A fresh IPv4 TCP socket, blocking or not. */
static int
ck_socket(bool nonblocking)
{
	int	fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblocking ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1)
		tl_die("socket");
	return fd;
}

/*
 * A loopback SYN black hole: with backlog 0 the accept queue holds one
 * connection, and once it is full the listener drops further SYNs
 * without answering.  Returns the listener; *filler occupies the queue.
 */
static int
ck_black_hole(uint16_t *port, int *filler)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			lfd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 0) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		tl_die("black hole");
	*port = ntohs(sin.sin_port);
	*filler = tl_connect_lo(*port);
	return lfd;
}

/* Case 7: a blocking connect to a closed port fails at once. */
static void
test_refused_blocking(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin = tl_addr_lo(tl_closed_port());
	int			fd = ck_socket(false);

	(void)state;
	assert_int_equal(sp_connect_wait(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_REFUSED, ECONNREFUSED);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	close(fd);
}

/*
 * Case 7: nonblocking, the kernel says EINPROGRESS although the RST was
 * already processed, and the socket is writable: POLLOUT and POLLERR.
 * Only SO_ERROR tells, once.
 */
static void
test_refused_nonblocking(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin = tl_addr_lo(tl_closed_port());
	short			ev;
	int			fd = ck_socket(true);

	(void)state;
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    -1);
	assert_int_equal(errno, EINPROGRESS);
	ev = tl_wait_events(fd, POLLOUT, CK_WAIT_MS);
	assert_true((ev & POLLOUT) && (ev & POLLERR));
	assert_int_equal(sp_connect_check(fd, &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_REFUSED, ECONNREFUSED);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	/* Consumed: asked again, only the CLOSE state is left. */
	assert_int_equal(sp_connect_check(fd, &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_STATE, 0);
	close(fd);
}

/* sp_connect_start sees the refusal already processed inside connect(). */
static void
test_refused_start(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin = tl_addr_lo(tl_closed_port());
	int			fd = ck_socket(true);

	(void)state;
	assert_int_equal(sp_connect_start(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_REFUSED, ECONNREFUSED);
	close(fd);
}

static void
test_refused_poll(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin = tl_addr_lo(tl_closed_port());
	int			fd = ck_socket(true);

	(void)state;
	assert_int_equal(sp_connect_poll(fd, (struct sockaddr *)&sin,
	    sizeof(sin), 1000, &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_REFUSED, ECONNREFUSED);
	close(fd);
}

/* A listener: each form reports NONE with state ESTABLISHED. */
static void
test_connected(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin;
	uint16_t		port;
	int			lfd, fd;

	(void)state;
	lfd = tl_listen_lo(&port);
	sin = tl_addr_lo(port);
	fd = ck_socket(true);
	assert_int_equal(sp_connect_poll(fd, (struct sockaddr *)&sin,
	    sizeof(sin), 2000, &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	close(fd);
	fd = ck_socket(false);
	assert_int_equal(sp_connect_wait(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	close(fd);
	close(lfd);
}

/* The event-loop form: start, wait for POLLOUT, check. */
static void
test_start_then_check(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin;
	uint16_t		port;
	int			lfd, fd;

	(void)state;
	lfd = tl_listen_lo(&port);
	sin = tl_addr_lo(port);
	fd = ck_socket(true);
	assert_int_equal(sp_connect_start(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	assert_true(v.tcp_state == SP_TCP_SYN_SENT ||
	    v.tcp_state == SP_TCP_ESTABLISHED);
	assert_true(tl_wait_events(fd, POLLOUT, CK_WAIT_MS) & POLLOUT);
	assert_int_equal(sp_connect_check(fd, &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	close(fd);
	close(lfd);
}

/* Our deadline, not the kernel's: syn_timeout, error 0, still SYN_SENT. */
static void
test_poll_timeout(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin;
	int64_t			t0;
	uint16_t		port;
	int			lfd, filler, fd;

	(void)state;
	lfd = ck_black_hole(&port, &filler);
	sin = tl_addr_lo(port);
	fd = ck_socket(true);
	t0 = tl_now_ms();
	assert_int_equal(sp_connect_poll(fd, (struct sockaddr *)&sin,
	    sizeof(sin), 300, &v), 0);
	assert_in_range(tl_now_ms() - t0, 295, 2000);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, 0);
	assert_int_equal(v.tcp_state, SP_TCP_SYN_SENT);
	close(fd);
	close(filler);
	close(lfd);
}

/* Case 7: SO_SNDTIMEO makes a blocking connect return EINPROGRESS. */
static void
test_wait_sndtimeo(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin;
	int64_t			t0;
	uint16_t		port;
	int			lfd, filler, fd;

	(void)state;
	lfd = ck_black_hole(&port, &filler);
	sin = tl_addr_lo(port);
	fd = ck_socket(false);
	assert_int_equal(sp_set_send_timeout(fd, 300), 0);
	t0 = tl_now_ms();
	assert_int_equal(sp_connect_wait(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), 0);
	assert_in_range(tl_now_ms() - t0, 295, 2000);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, EINPROGRESS);
	assert_int_equal(v.tcp_state, SP_TCP_SYN_SENT);
	/* A second call waits again and says EALREADY. */
	assert_int_equal(sp_connect_wait(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), 0);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, EALREADY);
	close(fd);
	close(filler);
	close(lfd);
}

/*
 * Case 7: TCP_SYNCNT=1 with tcp_syn_linear_timeouts gives 3 SYNs, 1 s
 * apart, and the kernel's own ETIMEDOUT at about 3.07 s.
 */
static void
test_syncnt_give_up(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin;
	int64_t			t0;
	uint16_t		port;
	int			lfd, filler, fd;

	(void)state;
	lfd = ck_black_hole(&port, &filler);
	sin = tl_addr_lo(port);
	fd = ck_socket(true);
	assert_int_equal(sp_set_syn_retries(fd, 1), 0);
	/* No deadline of ours: the kernel's; SIGALRM bounds a hang. */
	alarm(10);
	t0 = tl_now_ms();
	assert_int_equal(sp_connect_poll(fd, (struct sockaddr *)&sin,
	    sizeof(sin), -1, &v), 0);
	alarm(0);
	assert_in_range(tl_now_ms() - t0, 2900, 4500);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, ETIMEDOUT);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	close(fd);
	close(filler);
	close(lfd);
}

/*
 * Case 7: TCP_USER_TIMEOUT replaces the SYN time limit; the kernel gives
 * up at the first SYN retransmission after it, 1 s in the linear phase.
 */
static void
test_user_timeout_give_up(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin;
	int64_t			t0;
	uint16_t		port;
	int			lfd, filler, fd;

	(void)state;
	lfd = ck_black_hole(&port, &filler);
	sin = tl_addr_lo(port);
	fd = ck_socket(true);
	assert_int_equal(sp_set_user_timeout(fd, 500), 0);
	alarm(10);
	t0 = tl_now_ms();
	assert_int_equal(sp_connect_poll(fd, (struct sockaddr *)&sin,
	    sizeof(sin), -1, &v), 0);
	alarm(0);
	assert_in_range(tl_now_ms() - t0, 900, 2500);
	assert_verdict(&v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, ETIMEDOUT);
	close(fd);
	close(filler);
	close(lfd);
}

/* TCP_SYNCNT: the sysctl until set, exact round trip, 1..127 only. */
static void
test_syn_retries_option(void **state)
{
	int	fd = ck_socket(true), n;

	(void)state;
	assert_int_equal(sp_get_syn_retries(fd, &n), 0);
	assert_int_equal(n, ck_sysctl("tcp_syn_retries"));
	assert_int_equal(sp_set_syn_retries(fd, 3), 0);
	assert_int_equal(sp_get_syn_retries(fd, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(sp_set_syn_retries(fd, 127), 0);
	assert_int_equal(sp_get_syn_retries(fd, &n), 0);
	assert_int_equal(n, 127);
	errno = 0;
	assert_int_equal(sp_set_syn_retries(fd, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_set_syn_retries(fd, 128), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_get_syn_retries(fd, &n), 0);
	assert_int_equal(n, 127);
	close(fd);
}

/* Each form insists on its blocking mode. */
static void
test_mode_misuse(void **state)
{
	struct sp_verdict	v;
	struct sockaddr_in	sin = tl_addr_lo(tl_closed_port());
	int			fd;

	(void)state;
	fd = ck_socket(false);
	errno = 0;
	assert_int_equal(sp_connect_start(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_connect_poll(fd, (struct sockaddr *)&sin,
	    sizeof(sin), 10, &v), -1);
	assert_int_equal(errno, EINVAL);
	close(fd);
	fd = ck_socket(true);
	errno = 0;
	assert_int_equal(sp_connect_wait(fd, (struct sockaddr *)&sin,
	    sizeof(sin), &v), -1);
	assert_int_equal(errno, EINVAL);
	close(fd);
	errno = 0;
	assert_int_equal(sp_connect_check(fd, &v), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_blocking),
		cmocka_unit_test(test_refused_nonblocking),
		cmocka_unit_test(test_refused_start),
		cmocka_unit_test(test_refused_poll),
		cmocka_unit_test(test_connected),
		cmocka_unit_test(test_start_then_check),
		cmocka_unit_test(test_poll_timeout),
		cmocka_unit_test(test_wait_sndtimeo),
		cmocka_unit_test(test_syncnt_give_up),
		cmocka_unit_test(test_user_timeout_give_up),
		cmocka_unit_test(test_syn_retries_option),
		cmocka_unit_test(test_mode_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
