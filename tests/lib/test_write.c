/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "write" on real loopback sockets: the first write after a FIN
 * succeeds and the next fails, an RST seen first by a write, half-close,
 * a full buffer, the refused zero-length probe, and SIGPIPE counting.
 */

#include "config.h"

#include <sys/socket.h>

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"

static void	test_alive(void **);
static void	test_after_fin(void **);
static void	test_writefirst_rst(void **);
static void	test_halfclose(void **);
static void	test_buffer_full(void **);
static void	test_zero_length(void **);
static void	test_zero_length_kernel(void **);
static uint32_t	segs_out(int);
static void	test_sigpipe_count(void **);
static void	test_sigpipe_ignore(void **);
static void	test_sigpipe_policy(void **);
static void	test_misuse(void **);

static char	payload[100];

static void
test_alive(void **state)
{
	struct sp_verdict	v;
	ssize_t			sent = -1;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(sp_check_write(c, payload, sizeof(payload), &sent,
	    &v), 0);
	assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
	assert_int_equal(sent, sizeof(payload));
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	ck_wait_inq(s, sizeof(payload));
	close(c);
	close(s);
}

/*
 * Case 2: after the peer's FIN the first write succeeds and draws an RST;
 * the second fails with EPIPE, and so does every one after it.  recv
 * never reports the EPIPE: it keeps returning 0.
 */
static void
test_after_fin(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	ssize_t			sent = -1;
	int			c, i;

	(void)state;
	c = ck_fin_client();
	assert_int_equal(sp_check_write(c, payload, sizeof(payload), &sent,
	    &v), 0);
	assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
	assert_int_equal(sent, sizeof(payload));
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	for (i = 0; i < 2; i++) {
		sent = -1;
		assert_int_equal(sp_check_write(c, payload, sizeof(payload),
		    &sent, &v), 0);
		assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_BROKEN_PIPE, EPIPE);
		assert_int_equal(sent, 0);
		assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	}
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(c);
}

/* Case 4 "writefirst": ECONNRESET to the first send, then EPIPE. */
static void
test_writefirst_rst(void **state)
{
	struct sp_verdict	v;
	char			buf[16];
	int			c;

	(void)state;
	c = ck_rst_client();
	assert_int_equal(sp_check_write(c, payload, sizeof(payload), NULL,
	    &v), 0);
	assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_RESET, ECONNRESET);
	assert_int_equal(v.tcp_state, SP_TCP_CLOSE);
	assert_int_equal(sp_check_write(c, payload, sizeof(payload), NULL,
	    &v), 0);
	assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_BROKEN_PIPE, EPIPE);
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(c);
}

/* A half-closed peer keeps reading: no write ever fails. */
static void
test_halfclose(void **state)
{
	struct sp_verdict	v;
	ssize_t			sent;
	int			c, s, i;

	(void)state;
	tl_pair(&c, &s);
	assert_int_equal(shutdown(s, SHUT_WR), 0);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE_WAIT, CK_WAIT_MS), 0);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
	for (i = 0; i < 5; i++) {
		sent = -1;
		assert_int_equal(sp_check_write(c, payload, sizeof(payload),
		    &sent, &v), 0);
		assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
		assert_int_equal(sent, sizeof(payload));
		tl_sleep_ms(5);
	}
	ck_wait_inq(s, 5 * sizeof(payload));
	assert_int_equal(tl_tcp_state(c), TCP_CLOSE_WAIT);
	close(c);
	close(s);
}

/* A peer that does not read fills the buffer: EAGAIN is alive. */
static void
test_buffer_full(void **state)
{
	struct sp_verdict	v;
	static char		big[65536];
	ssize_t			sent = 1;
	int			c, s, i;

	(void)state;
	tl_pair(&c, &s);
	for (i = 0; i < 10000 && sent != 0; i++) {
		assert_int_equal(sp_check_write(c, big, sizeof(big), &sent,
		    &v), 0);
		assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
	}
	assert_int_equal(sent, 0);
	assert_int_equal(v.tcp_state, SP_TCP_ESTABLISHED);
	close(c);
	close(s);
}

/*
 * Case 5: a zero-length send proves nothing and consumes the pending
 * error, so the check refuses it, and the RST stays for a real check.
 */
static void
test_zero_length(void **state)
{
	struct sp_verdict	v;
	int			c;

	(void)state;
	c = ck_rst_client();
	errno = 0;
	assert_int_equal(sp_check_write(c, payload, 0, NULL, &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_check_read(c, &v), 0);
	assert_verdict(&v, SP_TECH_READ, SP_CAUSE_RESET, ECONNRESET);
	close(c);
	/* What the check refuses to do: the kernel's answer is 0. */
	c = ck_fin_client();
	assert_int_equal(send(c, "", 0, MSG_NOSIGNAL), 0);
	assert_int_equal(tl_tcp_state(c), TCP_CLOSE_WAIT);
	close(c);
}

/* segs_out of fd from TCP_INFO. */
static uint32_t
segs_out(int fd)
{
	struct sp_tcp_info	ti;

	assert_int_equal(sp_tcp_info_read(fd, &ti), 0);
	return ti.segs_out;
}

/*
 * Case 5 row by row, the reason the check refuses len 0: the kernel sends
 * no segment, answers 0 for a healthy and a half-dead peer alike, and
 * hands out the pending error, once, to whoever calls first.
 */
static void
test_zero_length_kernel(void **state)
{
	uint64_t	n0;
	uint32_t	segs;
	int		c, s;

	(void)state;
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_COUNT), 0);
	n0 = sp_sigpipe_count();
	if ((c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		tl_die("socket");
	assert_int_equal(send(c, "", 0, 0), -1);	/* never connected */
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sp_sigpipe_count(), n0 + 1);
	close(c);
	tl_pair(&c, &s);
	segs = segs_out(c);
	assert_int_equal(send(c, "", 0, MSG_NOSIGNAL), 0);
	assert_int_equal(segs_out(c), segs);
	close(s);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE_WAIT, CK_WAIT_MS), 0);
	segs = segs_out(c);
	assert_int_equal(send(c, "", 0, 0), 0);		/* no RST drawn */
	assert_int_equal(segs_out(c), segs);
	assert_int_equal(tl_tcp_state(c), TCP_CLOSE_WAIT);
	close(c);
	/* RST in ESTABLISHED: ECONNRESET, consumed, then EPIPE, then 0. */
	c = ck_rst_client();
	n0 = sp_sigpipe_count();
	assert_int_equal(send(c, "", 0, 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(sp_sigpipe_count(), n0);
	assert_int_equal(send(c, "", 0, 0), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sp_sigpipe_count(), n0 + 1);
	assert_int_equal(recv(c, payload, sizeof(payload), MSG_PEEK), 0);
	close(c);
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_IGNORE), 0);
}

/*
 * Case 2: plain write() raises SIGPIPE with EPIPE, counted by the
 * library's handler; MSG_NOSIGNAL, used by the checks, suppresses it.
 * An ECONNRESET raises none.
 */
static void
test_sigpipe_count(void **state)
{
	struct sp_verdict	v;
	uint64_t		n0;
	int			c;

	(void)state;
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_COUNT), 0);
	c = ck_fin_client();
	n0 = sp_sigpipe_count();
	assert_int_equal(write(c, payload, sizeof(payload)), sizeof(payload));
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(sp_sigpipe_count(), n0);
	assert_int_equal(write(c, payload, sizeof(payload)), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sp_sigpipe_count(), n0 + 1);
	assert_int_equal(send(c, payload, sizeof(payload), MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sp_check_write(c, payload, sizeof(payload), NULL,
	    &v), 0);
	assert_verdict(&v, SP_TECH_WRITE, SP_CAUSE_BROKEN_PIPE, EPIPE);
	assert_int_equal(sp_sigpipe_count(), n0 + 1);
	assert_int_equal(write(c, payload, sizeof(payload)), -1);
	assert_int_equal(sp_sigpipe_count(), n0 + 2);
	close(c);
	c = ck_rst_client();
	assert_int_equal(write(c, payload, sizeof(payload)), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(sp_sigpipe_count(), n0 + 2);
	assert_int_equal(write(c, payload, sizeof(payload)), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sp_sigpipe_count(), n0 + 3);
	close(c);
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_IGNORE), 0);
}

/* Ignored: the write still fails with EPIPE, nothing is counted. */
static void
test_sigpipe_ignore(void **state)
{
	uint64_t	n0;
	int		c;

	(void)state;
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_IGNORE), 0);
	c = ck_fin_client();
	n0 = sp_sigpipe_count();
	assert_int_equal(write(c, payload, sizeof(payload)), sizeof(payload));
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	assert_int_equal(write(c, payload, sizeof(payload)), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sp_sigpipe_count(), n0);
	close(c);
}

/* Each policy sets the disposition it names; others are refused. */
static void
test_sigpipe_policy(void **state)
{
	struct sigaction	sa;

	(void)state;
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_DEFAULT), 0);
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_IGNORE), 0);
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_IGN);
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_COUNT), 0);
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL);
	errno = 0;
	assert_int_equal(sp_sigpipe_set((enum sp_sigpipe_policy)7), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_sigpipe_set(SP_SIGPIPE_IGNORE), 0);
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
	assert_int_equal(sp_check_write(p[1], payload, 1, NULL, &v), -1);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);
	errno = 0;
	assert_int_equal(sp_check_write(p[1], payload, 1, NULL, &v), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(sp_check_write(0, NULL, 1, NULL, &v), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive),
		cmocka_unit_test(test_after_fin),
		cmocka_unit_test(test_writefirst_rst),
		cmocka_unit_test(test_halfclose),
		cmocka_unit_test(test_buffer_full),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_zero_length_kernel),
		cmocka_unit_test(test_sigpipe_count),
		cmocka_unit_test(test_sigpipe_ignore),
		cmocka_unit_test(test_sigpipe_policy),
		cmocka_unit_test(test_misuse),
	};

	memset(payload, 'p', sizeof(payload));
	/* A SIGPIPE in a test that forgot MSG_NOSIGNAL must not kill us. */
	if (sp_sigpipe_set(SP_SIGPIPE_IGNORE) == -1)
		tl_die("sp_sigpipe_set");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
