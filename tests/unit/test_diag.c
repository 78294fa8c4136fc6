/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sock_diag lookups of real loopback connections: an ESTABLISHED socket
 * with its owner's inode, the TIME_WAIT the side that closes first keeps
 * after close(), its FIN_WAIT2 before that, and tuples that do not exist.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sockprobe.h"
#include "testlib.h"

struct ends {
	struct sockaddr_in	local;
	struct sockaddr_in	peer;
};

static struct ends	ends_of(int);
static int		wait_diag_state(const struct ends *, enum sp_tcp_state,
			    struct sp_diag_entry *);

static struct ends
ends_of(int fd)
{
	struct ends	e;
	socklen_t	len = sizeof(e.local);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&e.local, &len),
	    0);
	len = sizeof(e.peer);
	assert_int_equal(getpeername(fd, (struct sockaddr *)&e.peer, &len),
	    0);
	return e;
}

/* Poll sock_diag up to 2 s for the connection to reach state. */
static int
wait_diag_state(const struct ends *x, enum sp_tcp_state state,
    struct sp_diag_entry *e)
{
	int64_t	deadline = tl_now_ms() + 2000;

	do {
		if (sp_diag_lookup((const struct sockaddr *)&x->local,
		    (const struct sockaddr *)&x->peer, e) == 0 &&
		    e->state == state)
			return 0;
		tl_sleep_ms(5);
	} while (tl_now_ms() < deadline);
	return -1;
}

/* An open connection: our own socket, by both ends. */
static void
test_established(void **state)
{
	struct sp_diag_entry	e;
	struct ends		x, y;
	struct stat		st;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	x = ends_of(c);
	y = ends_of(s);
	memset(&e, 0xff, sizeof(e));
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&x.local,
	    (struct sockaddr *)&x.peer, &e), 0);
	assert_int_equal(e.state, SP_TCP_ESTABLISHED);
	assert_int_equal(fstat(c, &st), 0);
	assert_int_equal(e.inode, st.st_ino);
	assert_int_equal(e.uid, geteuid());
	assert_int_equal(e.timer, 0);
	assert_int_equal(e.rqueue, 0);
	assert_int_equal(e.reserved[0], 0);
	/* Data the server has not read shows in its receive queue. */
	assert_int_equal(write(c, "0123456789", 10), 10);
	tl_sleep_ms(20);
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&y.local,
	    (struct sockaddr *)&y.peer, &e), 0);
	assert_int_equal(e.state, SP_TCP_ESTABLISHED);
	assert_int_equal(fstat(s, &st), 0);
	assert_int_equal(e.inode, st.st_ino);
	assert_int_equal(e.rqueue, 10);
	close(c);
	close(s);
}

/*
 * The client closes first: FIN_WAIT2 while the server holds its end
 * (an orphan, no inode), then TIME_WAIT for 60 s once the server closes,
 * with the timewait timer running.  The server's end, closed second,
 * goes through LAST_ACK and is gone.
 */
static void
test_time_wait(void **state)
{
	struct sp_diag_entry	e;
	struct ends		x, y;
	int			c, s;

	(void)state;
	tl_pair(&c, &s);
	x = ends_of(c);
	y = ends_of(s);
	close(c);
	assert_int_equal(wait_diag_state(&x, SP_TCP_FIN_WAIT2, &e), 0);
	assert_int_equal(e.inode, 0);
	close(s);
	assert_int_equal(wait_diag_state(&x, SP_TCP_TIME_WAIT, &e), 0);
	assert_int_equal(e.timer, 3);
	assert_true(e.timer_ms > 55000 && e.timer_ms <= 60000);
	assert_int_equal(e.inode, 0);
	assert_int_equal(e.rqueue, 0);
	assert_int_equal(e.wqueue, 0);
	/* A second look a little later: the same TIME_WAIT, less time. */
	tl_sleep_ms(1100);
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&x.local,
	    (struct sockaddr *)&x.peer, &e), 0);
	assert_int_equal(e.state, SP_TCP_TIME_WAIT);
	assert_true(e.timer_ms <= 59000);
	errno = 0;
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&y.local,
	    (struct sockaddr *)&y.peer, &e), -1);
	assert_int_equal(errno, ENOENT);
}

/* No such connection, and arguments that cannot name one. */
static void
test_missing_and_bad(void **state)
{
	struct sp_diag_entry	e;
	struct sockaddr_in	a = tl_addr_lo(tl_closed_port());
	struct sockaddr_in	b = tl_addr_lo(tl_closed_port());
	struct sockaddr_in6	v6 = { .sin6_family = AF_INET6 };

	(void)state;
	errno = 0;
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&a,
	    (struct sockaddr *)&b, &e), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&a,
	    (struct sockaddr *)&v6, &e), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_diag_lookup(NULL, (struct sockaddr *)&b, &e), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&a,
	    (struct sockaddr *)&b, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

/* The same over ::1, when the host has IPv6. */
static void
test_ipv6(void **state)
{
	struct sockaddr_in6	sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in6	l6, p6;
	struct sp_diag_entry	e;
	struct stat		st;
	socklen_t		len = sizeof(sin6);
	int			lfd, c, s;

	(void)state;
	sin6.sin6_addr = in6addr_loopback;
	if ((lfd = socket(AF_INET6, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1) {
		if (lfd != -1)
			close(lfd);
		skip();
	}
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin6, &len), 0);
	assert_true((c = socket(AF_INET6, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sin6, sizeof(sin6)),
	    0);
	assert_true((s = accept(lfd, NULL, NULL)) >= 0);
	len = sizeof(l6);
	assert_int_equal(getsockname(c, (struct sockaddr *)&l6, &len), 0);
	len = sizeof(p6);
	assert_int_equal(getpeername(c, (struct sockaddr *)&p6, &len), 0);
	assert_int_equal(sp_diag_lookup((struct sockaddr *)&l6,
	    (struct sockaddr *)&p6, &e), 0);
	assert_int_equal(e.state, SP_TCP_ESTABLISHED);
	assert_int_equal(fstat(c, &st), 0);
	assert_int_equal(e.inode, st.st_ino);
	close(c);
	close(s);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established),
		cmocka_unit_test(test_time_wait),
		cmocka_unit_test(test_missing_and_bad),
		cmocka_unit_test(test_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
