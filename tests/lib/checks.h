/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Shared pieces of the real-socket library tests: a verdict assertion
 * that prints the detail when it fails, peers that close, reset or die,
 * and sysctl reads.  Header-only, on top of testlib.h and cmocka.
 */

#ifndef CHECKS_H
#define CHECKS_H

#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sockprobe.h"
#include "testlib.h"

/* Longest any test waits for a loopback segment to arrive. */
#define CK_WAIT_MS	2000

/* Assert technique, cause and errno of v exactly; show v when they differ. */
#define assert_verdict(v, t, c, e) do {					\
	const struct sp_verdict *ck_v = (v);				\
	if (ck_v->technique != (t) || ck_v->cause != (c) ||		\
	    ck_v->error != (e))						\
		print_error("verdict %s/%s error %d (%s), state %s\n",	\
		    sp_technique_name(ck_v->technique),			\
		    sp_cause_name(ck_v->cause), ck_v->error,		\
		    ck_v->detail, sp_tcp_state_name(ck_v->tcp_state));	\
	assert_string_equal(sp_technique_name(ck_v->technique),	\
	    sp_technique_name(t));					\
	assert_string_equal(sp_cause_name(ck_v->cause),		\
	    sp_cause_name(c));						\
	assert_int_equal(ck_v->error, (e));				\
	assert_true(ck_v->detail[0] != '\0');				\
} while (0)

/* A client whose peer closed with FIN; it is in CLOSE_WAIT on return. */
static TL_UNUSED int
ck_fin_client(void)
{
	int	c, s;

	tl_pair(&c, &s);
	close(s);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE_WAIT, CK_WAIT_MS), 0);
	return c;
}

/* A client whose peer closed with RST; it is in CLOSE on return. */
static TL_UNUSED int
ck_rst_client(void)
{
	int	c, s;

	tl_pair(&c, &s);
	tl_close_rst(s);
	assert_int_equal(tl_wait_state(c, TCP_CLOSE, CK_WAIT_MS), 0);
	return c;
}

/* Bytes queued for reading on fd (SIOCINQ). */
static TL_UNUSED int
ck_inq(int fd)
{
	int	n;

	if (ioctl(fd, FIONREAD, &n) == -1)
		tl_die("FIONREAD");
	return n;
}

/* Wait until fd has n bytes to read; fail the test if they never come. */
static TL_UNUSED void
ck_wait_inq(int fd, int n)
{
	int64_t	deadline = tl_now_ms() + CK_WAIT_MS;

	while (ck_inq(fd) < n && tl_now_ms() < deadline)
		tl_sleep_ms(1);
	assert_int_equal(ck_inq(fd), n);
}

/*
 * A client whose peer was a process killed with SIGKILL.  With unread
 * data in the peer's receive buffer the kernel sends RST, else FIN; on
 * return the client has seen it (CLOSE or CLOSE_WAIT).
 */
static TL_UNUSED int
ck_killed_peer_client(bool unread)
{
	char	buf[100];
	pid_t	pid;
	int	c, s, status;

	tl_pair(&c, &s);
	if (unread) {
		memset(buf, 'k', sizeof(buf));
		assert_int_equal(send(c, buf, sizeof(buf), MSG_NOSIGNAL),
		    sizeof(buf));
		ck_wait_inq(s, sizeof(buf));
	}
	if ((pid = fork()) == -1)
		tl_die("fork");
	if (pid == 0) {
		/* The child owns the accepted end until it is killed. */
		close(c);
		for (;;)
			pause();
	}
	close(s);	/* now only the child holds the accepted socket */
	if (kill(pid, SIGKILL) == -1 || waitpid(pid, &status, 0) == -1)
		tl_die("kill");
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(tl_wait_state(c,
	    unread ? TCP_CLOSE : TCP_CLOSE_WAIT, CK_WAIT_MS), 0);
	return c;
}

/* An integer sysctl under /proc/sys/net/ipv4. */
static TL_UNUSED long
ck_sysctl(const char *name)
{
	char	path[128];
	FILE	*fp;
	long	v;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	if ((fp = fopen(path, "r")) == NULL)
		tl_die(path);
	if (fscanf(fp, "%ld", &v) != 1)
		tl_die(path);
	fclose(fp);
	return v;
}

#endif /* CHECKS_H */
