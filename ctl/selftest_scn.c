/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * selftest's scenarios: eight ways for a connection to die, each with
 * the options that make one technique notice, its prediction (one round
 * trip, or sp_budget_compute()'s entry, the numbers explain prints), and
 * the death itself, timed from the moment it happens to the verdict.
 */

#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockprobe.h"
#include "selftest.h"

#define SCN_CONNECT_MS		2000	/* handshake and accept over veth */
#define SCN_ACK_WAIT_MS		2000	/* the kill scenario's data acked */
#define SCN_UNREAD		100	/* bytes the killed peer never read */
#define SCN_BUF			16384	/* SO_SNDBUF/SO_RCVBUF, zero window */
#define SCN_CHUNK		(256 * 1024)	/* more than both buffers */
#define SCN_KEEPALIVE		{ true, 1, 1, 3 }
#define SCN_USER_TIMEOUT_MS	2000
#define SCN_RECV_TIMEOUT_MS	1000
#define SCN_SEND_TIMEOUT_MS	1000
#define SCN_SYN_RETRIES		1
#define SCN_HOLDER_LIFE_S	120	/* the kill peer's own bound */

static void	scn_err(struct st_scn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	scn_socket(struct st_scn *, bool);
static int	scn_connect(struct selftest *, struct st_scn *, enum st_port);
static int	scn_blocking(struct st_scn *);
static int64_t	scn_deadline(const struct st_scn *);
static void	scn_watch(struct selftest *, struct st_scn *);
static bool	scn_stopped(struct selftest *);
static void	scn_holder(struct st_scn *);
static int	scn_fork_holder(struct st_scn *);

static int	fin_setup(struct selftest *, struct st_scn *);
static void	fin_run(struct selftest *, struct st_scn *);
static void	rst_run(struct selftest *, struct st_scn *);
static int	kill_setup(struct selftest *, struct st_scn *);
static void	kill_run(struct selftest *, struct st_scn *);
static int	zw_setup(struct selftest *, struct st_scn *);
static void	zw_run(struct selftest *, struct st_scn *);
static int	ka_setup(struct selftest *, struct st_scn *);
static void	silent_run(struct selftest *, struct st_scn *);
static int	ut_setup(struct selftest *, struct st_scn *);
static void	ut_run(struct selftest *, struct st_scn *);
static int	rcv_setup(struct selftest *, struct st_scn *);
static void	rcv_run(struct selftest *, struct st_scn *);
static int	syn_setup(struct selftest *, struct st_scn *);
static void	syn_run(struct selftest *, struct st_scn *);

/*
 * The scenarios, in the order they are set up and shown.  The silent
 * ones come last so that the cut follows their last segment closely:
 * keepalive counts its idle time from there.
 */
const struct st_def st_defs[ST_NSCN] = {
	{ "fin", "the peer closes: FIN",
	  SP_TECH_READ, SP_CAUSE_PEER_CLOSED, SP_CAUSE_NONE, SP_FAIL__MAX,
	  NULL, fin_setup, fin_run },
	{ "rst", "the peer closes with SO_LINGER 0: RST",
	  SP_TECH_READ, SP_CAUSE_RESET, SP_CAUSE_NONE, SP_FAIL__MAX,
	  NULL, fin_setup, rst_run },
	{ "kill", "the peer is killed with unread data: RST",
	  SP_TECH_READ, SP_CAUSE_RESET, SP_CAUSE_NONE, SP_FAIL__MAX,
	  NULL, kill_setup, kill_run },
	{ "zero_window", "the peer stops reading; SO_SNDTIMEO 1s",
	  SP_TECH_TIMEOUT, SP_CAUSE_SEND_STALLED, SP_CAUSE_ZERO_WINDOW,
	  SP_FAIL_ZERO_WINDOW, "--send-timeout 1s", zw_setup, zw_run },
	{ "keepalive", "silence, idle; keepalive 1s,1s,3",
	  SP_TECH_KEEPALIVE, SP_CAUSE_TIMED_OUT, SP_CAUSE_NONE, SP_FAIL_IDLE,
	  "--keepalive 1s,1s,3", ka_setup, silent_run },
	{ "user_timeout", "silence, 100 B unacked; user timeout 2s",
	  SP_TECH_USER_TIMEOUT, SP_CAUSE_TIMED_OUT, SP_CAUSE_NONE,
	  SP_FAIL_BUSY, "--user-timeout 2s", ut_setup, ut_run },
	{ "recv_timeout", "silence, request unanswered; SO_RCVTIMEO 1s",
	  SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, SP_CAUSE_NONE, SP_FAIL_BUSY,
	  "--recv-timeout 1s", rcv_setup, rcv_run },
	{ "syn_blackhole", "SYNs dropped; TCP_SYNCNT 1",
	  SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, SP_CAUSE_NONE,
	  SP_FAIL_SYN_SENT, "--syn-retries 1", syn_setup, syn_run },
};

static void
scn_err(struct st_scn *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

/* Nothing open, nothing seen yet. */
void
st_scn_init(struct st_scn *s, const struct st_def *def)
{
	memset(s, 0, sizeof(*s));
	s->def = def;
	s->fd = -1;
	s->peer_fd = -1;
	s->holder = -1;
	s->t1_us = -1;
	s->predicted_us = -1;
	sp_verdict_init(&s->v);
	sp_verdict_init(&s->ti_v);
}

/*
 * The two listeners inside the scratch namespace: one stays reachable,
 * the other's port is the one the cut silences.  The live one's small
 * receive buffer, inherited by what it accepts, lets the zero-window
 * peer fill up after a few segments.
 */
int
st_scn_listen(struct selftest *st, char *err, size_t errlen)
{
	struct sockaddr_in	*sa;
	socklen_t		 len;
	int			 i, fd, buf = SCN_BUF;

	for (i = 0; i < ST__PORTS; i++) {
		sa = &st->listen_sa[i];
		*sa = (struct sockaddr_in){ .sin_family = AF_INET,
		    .sin_addr = st->net.peer_ip };
		len = sizeof(*sa);
		if ((fd = st_net_socket(&st->net, AF_INET, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
			goto fail;
		st->listen_fd[i] = fd;
		if ((i == ST_LIVE && setsockopt(fd, SOL_SOCKET, SO_RCVBUF,
		    &buf, sizeof(buf)) == -1) ||
		    bind(fd, (struct sockaddr *)sa, sizeof(*sa)) == -1 ||
		    listen(fd, 16) == -1 ||
		    getsockname(fd, (struct sockaddr *)sa, &len) == -1)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "peer listener: %s", strerror(errno));
	return -1;
}

/* Our end: in our namespace, nonblocking until the scenario says. */
static int
scn_socket(struct st_scn *s, bool small)
{
	int	buf = SCN_BUF;

	if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		scn_err(s, "socket: %s", strerror(errno));
		return -1;
	}
	/* Before connect(), so that the window scale agrees. */
	if (small && setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buf,
	    sizeof(buf)) == -1) {
		scn_err(s, "SO_SNDBUF: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Connect our end to a listener and accept the peer's end. */
static int
scn_connect(struct selftest *st, struct st_scn *s, enum st_port port)
{
	struct pollfd		pfd = { .fd = st->listen_fd[port],
				    .events = POLLIN };
	struct sp_verdict	v;
	int			n;

	if (sp_connect_poll(s->fd, (struct sockaddr *)&st->listen_sa[port],
	    sizeof(st->listen_sa[port]), SCN_CONNECT_MS, &v) == -1) {
		scn_err(s, "connect: %s", strerror(errno));
		return -1;
	}
	if (v.cause != SP_CAUSE_NONE || v.tcp_state != SP_TCP_ESTABLISHED) {
		scn_err(s, "connect to the peer: %s", v.detail);
		return -1;
	}
	while ((n = poll(&pfd, 1, SCN_CONNECT_MS)) == -1 && errno == EINTR &&
	    st_interrupted() == 0)
		;
	if (n != 1 || (s->peer_fd = accept4(st->listen_fd[port], NULL, NULL,
	    SOCK_CLOEXEC)) == -1) {
		scn_err(s, "accept: %s", n == 1 ? strerror(errno) :
		    "nothing to accept");
		return -1;
	}
	return 0;
}

/* The timeout technique works on blocking sockets only. */
static int
scn_blocking(struct st_scn *s)
{
	int	fl;

	if ((fl = fcntl(s->fd, F_GETFL)) == -1 ||
	    fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		scn_err(s, "fcntl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * What the prediction is for this socket, its options read back from
 * the kernel: one round trip from TCP_INFO, or the budget model's entry
 * for the failure mode, with the explain command that prints it; -1
 * when it cannot be made (s->error says why).
 */
int
st_scn_predict(struct selftest *st, struct st_scn *s)
{
	struct sp_budget_opts	 o;
	struct sp_budget	 b;
	struct sp_tcp_info	 ti;
	const struct sp_budget_entry *e;
	char			 rto[32];

	s->model_tech = s->def->tech;
	s->model_cause = s->def->cause;
	if (s->def->mode == SP_FAIL__MAX) {
		if (sp_tcp_info_read(s->fd, &ti) == -1) {
			scn_err(s, "TCP_INFO: %s", strerror(errno));
			return -1;
		}
		s->predicted_us = ti.rtt_us;
		snprintf(s->how, sizeof(s->how), "one round trip (smoothed "
		    "rtt %u us): the segment is seen as it arrives",
		    ti.rtt_us);
		return 0;
	}
	if (sp_budget_opts_read(s->fd, &o) == -1 ||
	    sp_budget_compute(&st->kernel, &o, &b) == -1) {
		scn_err(s, "budget: %s", strerror(errno));
		return -1;
	}
	e = &b.entry[s->def->mode];
	s->predicted_us = e->detect_ms < 0 ? -1 : e->detect_ms * 1000;
	s->model_tech = e->technique;
	s->model_cause = e->cause;
	snprintf(s->how, sizeof(s->how), "%s", e->how);
	rto[0] = '\0';
	if (o.rto_ms > 0)
		snprintf(rto, sizeof(rto), " --rto %ums", o.rto_ms);
	snprintf(s->explain, sizeof(s->explain), "sockprobectl explain %s%s",
	    s->def->explain, rto);
	return 0;
}

/*
 * How long to wait for a verdict before calling it missed: well past
 * the margin, so that a late detection is measured, not cut short.
 */
static int64_t
scn_deadline(const struct st_scn *s)
{
	int64_t	p = s->predicted_us > 0 ? s->predicted_us : 0;

	return s->t0_us + p + 2 * (p * ST_MARGIN_PCT / 100 + ST_MARGIN_US) +
	    2000000;
}

/* The run was interrupted: stop[1] was closed. */
static bool
scn_stopped(struct selftest *st)
{
	struct pollfd	pfd = { .fd = st->stop[0], .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

/*
 * Wait for our end to show anything (FIN, RST, an error the kernel
 * gave up with) and judge it with the read check, as the daemon does;
 * t1 is the moment of a verdict other than alive.
 */
static void
scn_watch(struct selftest *st, struct st_scn *s)
{
	struct pollfd	pfd[2];
	int64_t		deadline = scn_deadline(s), left;

	while ((left = deadline - st_now_us()) > 0) {
		pfd[0] = (struct pollfd){ .fd = s->fd,
		    .events = POLLIN | POLLRDHUP };
		pfd[1] = (struct pollfd){ .fd = st->stop[0], .events = POLLIN };
		if (poll(pfd, 2, (int)(left / 1000) + 1) == -1) {
			if (errno == EINTR)
				continue;
			scn_err(s, "poll: %s", strerror(errno));
			return;
		}
		if (pfd[1].revents != 0)
			return;
		if (pfd[0].revents == 0)
			continue;
		if (sp_check_read(s->fd, &s->v) == -1) {
			scn_err(s, "read check: %s", strerror(errno));
			return;
		}
		if (s->v.cause != SP_CAUSE_NONE) {
			s->t1_us = st_now_us();
			return;
		}
	}
}

/* fin, rst: a connection to the live listener. */
static int
fin_setup(struct selftest *st, struct st_scn *s)
{
	if (scn_socket(s, false) == -1 || scn_connect(st, s, ST_LIVE) == -1)
		return -1;
	return st_scn_predict(st, s);
}

/* The peer closes: its FIN arrives, recv would return 0. */
static void
fin_run(struct selftest *st, struct st_scn *s)
{
	s->t0_us = st_now_us();
	close(s->peer_fd);
	s->peer_fd = -1;
	scn_watch(st, s);
}

/* The peer aborts: SO_LINGER {1, 0} and close() send an RST. */
static void
rst_run(struct selftest *st, struct st_scn *s)
{
	s->t0_us = st_now_us();
	(void)sp_close_rst(s->peer_fd);
	s->peer_fd = -1;
	scn_watch(st, s);
}

/*
 * The kill peer's process: it owns the peer's end alone (every other
 * descriptor closed, so nothing of ours outlives our own close()), and
 * waits for SIGKILL, or our death, or its own alarm.
 */
static void
scn_holder(struct st_scn *s)
{
	int	fd;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	if (dup2(s->peer_fd, 3) == -1)
		_exit(1);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4U, ~0U, 0U) == -1)
#endif
		for (fd = 4; fd < 65536; fd++)
			(void)close(fd);
	alarm(SCN_HOLDER_LIFE_S);
	for (;;)
		pause();
}

/* Hand the peer's end to a process of its own, which we can kill. */
static int
scn_fork_holder(struct st_scn *s)
{
	pid_t	parent = getpid();

	fflush(NULL);
	if ((s->holder = fork()) == -1) {
		scn_err(s, "fork: %s", strerror(errno));
		return -1;
	}
	if (s->holder == 0) {
		if (getppid() != parent)	/* died before PDEATHSIG */
			_exit(0);
		scn_holder(s);
	}
	close(s->peer_fd);
	s->peer_fd = -1;
	return 0;
}

/*
 * kill: 100 bytes sent and acknowledged, so they sit unread in the
 * peer's receive queue: a process that dies with unread data makes its
 * kernel answer with RST, where an empty queue would give a FIN.
 */
static int
kill_setup(struct selftest *st, struct st_scn *s)
{
	struct sp_tcp_info	ti;
	char			buf[SCN_UNREAD];
	int64_t			deadline;

	if (fin_setup(st, s) == -1)
		return -1;
	memset(buf, 'k', sizeof(buf));
	if (send(s->fd, buf, sizeof(buf), MSG_NOSIGNAL) != sizeof(buf)) {
		scn_err(s, "send: %s", strerror(errno));
		return -1;
	}
	deadline = st_now_us() + SCN_ACK_WAIT_MS * 1000;
	for (;;) {
		if (sp_tcp_info_read(s->fd, &ti) == -1) {
			scn_err(s, "TCP_INFO: %s", strerror(errno));
			return -1;
		}
		if (ti.unacked == 0 && ti.notsent_bytes == 0)
			break;
		if (st_now_us() >= deadline || st_interrupted() != 0) {
			scn_err(s, "the peer did not acknowledge %d bytes",
			    SCN_UNREAD);
			return -1;
		}
		(void)usleep(1000);
	}
	return scn_fork_holder(s);
}

static void
kill_run(struct selftest *st, struct st_scn *s)
{
	s->t0_us = st_now_us();
	if (kill(s->holder, SIGKILL) == -1) {
		scn_err(s, "kill: %s", strerror(errno));
		return;
	}
	scn_watch(st, s);
}

/*
 * zero_window: small buffers on both sides, a blocking socket with
 * SO_SNDTIMEO, and a peer that never reads.
 */
static int
zw_setup(struct selftest *st, struct st_scn *s)
{
	if (scn_socket(s, true) == -1 || scn_connect(st, s, ST_LIVE) == -1 ||
	    scn_blocking(s) == -1)
		return -1;
	if (sp_set_send_timeout(s->fd, SCN_SEND_TIMEOUT_MS) == -1) {
		scn_err(s, "SO_SNDTIMEO: %s", strerror(errno));
		return -1;
	}
	return st_scn_predict(st, s);
}

/*
 * Send more than both buffers hold: the send fills them, the peer's
 * window closes, and the call returns short at SO_SNDTIMEO.  Timed from
 * the start of the call that stalls; then TCP_INFO must show the zero
 * window.
 */
static void
zw_run(struct selftest *st, struct st_scn *s)
{
	char	*buf;
	ssize_t	 sent;
	int	 i;

	if ((buf = calloc(1, SCN_CHUNK)) == NULL) {
		scn_err(s, "calloc: %s", strerror(errno));
		return;
	}
	for (i = 0; i < 8 && !scn_stopped(st); i++) {
		s->t0_us = st_now_us();
		if (sp_send_wait(s->fd, buf, SCN_CHUNK, &sent, &s->v) == -1) {
			scn_err(s, "send: %s", strerror(errno));
			break;
		}
		if (s->v.cause != SP_CAUSE_NONE) {
			s->t1_us = st_now_us();
			break;
		}
	}
	free(buf);
	if (s->t1_us >= 0 && sp_check_tcp_info(s->fd, &s->ti_v, NULL) == 0)
		s->has_ti = true;
}

/* The silent port's connections: connect, set the options, predict. */
static int
ka_setup(struct selftest *st, struct st_scn *s)
{
	struct sp_keepalive	ka = SCN_KEEPALIVE;

	if (scn_socket(s, false) == -1 || scn_connect(st, s, ST_SILENT) == -1)
		return -1;
	if (sp_set_keepalive(s->fd, &ka) == -1) {
		scn_err(s, "keepalive: %s", strerror(errno));
		return -1;
	}
	return st_scn_predict(st, s);
}

/* Silence on an idle connection, timed from the cut. */
static void
silent_run(struct selftest *st, struct st_scn *s)
{
	s->t0_us = st->cut_us;
	scn_watch(st, s);
}

static int
ut_setup(struct selftest *st, struct st_scn *s)
{
	if (scn_socket(s, false) == -1 || scn_connect(st, s, ST_SILENT) == -1)
		return -1;
	if (sp_set_user_timeout(s->fd, SCN_USER_TIMEOUT_MS) == -1) {
		scn_err(s, "TCP_USER_TIMEOUT: %s", strerror(errno));
		return -1;
	}
	return st_scn_predict(st, s);
}

/*
 * 100 bytes into the silence: retransmitted unanswered, a tail loss
 * probe and then RTOs, until the user timeout (counted from the first
 * RTO) ends the connection.
 */
static void
ut_run(struct selftest *st, struct st_scn *s)
{
	char	buf[SCN_UNREAD];

	s->t0_us = st->cut_us;
	memset(buf, 'u', sizeof(buf));
	if (send(s->fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    sizeof(buf)) {
		scn_err(s, "send: %s", strerror(errno));
		return;
	}
	scn_watch(st, s);
}

static int
rcv_setup(struct selftest *st, struct st_scn *s)
{
	if (scn_socket(s, false) == -1 ||
	    scn_connect(st, s, ST_SILENT) == -1 || scn_blocking(s) == -1)
		return -1;
	if (sp_set_recv_timeout(s->fd, SCN_RECV_TIMEOUT_MS) == -1) {
		scn_err(s, "SO_RCVTIMEO: %s", strerror(errno));
		return -1;
	}
	return st_scn_predict(st, s);
}

/* A request into the silence and a blocking recv for the reply. */
static void
rcv_run(struct selftest *st, struct st_scn *s)
{
	static const char	req[] = "PING\r\n";
	char			buf[64];
	ssize_t			got;

	s->t0_us = st->cut_us;
	if (send(s->fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
	    sizeof(req) - 1) {
		scn_err(s, "send: %s", strerror(errno));
		return;
	}
	if (sp_recv_wait(s->fd, buf, sizeof(buf), &got, &s->v) == -1) {
		scn_err(s, "recv: %s", strerror(errno));
		return;
	}
	if (s->v.cause != SP_CAUSE_NONE && !scn_stopped(st))
		s->t1_us = st_now_us();
}

/* A socket that will connect into the black hole after the cut. */
static int
syn_setup(struct selftest *st, struct st_scn *s)
{
	if (scn_socket(s, false) == -1)
		return -1;
	if (sp_set_syn_retries(s->fd, SCN_SYN_RETRIES) == -1) {
		scn_err(s, "TCP_SYNCNT: %s", strerror(errno));
		return -1;
	}
	return st_scn_predict(st, s);
}

/*
 * Connect to the silenced port and wait for the kernel's own verdict:
 * no deadline of ours, TCP_SYNCNT decides.
 */
static void
syn_run(struct selftest *st, struct st_scn *s)
{
	struct sockaddr_in	*sa = &st->listen_sa[ST_SILENT];
	struct pollfd		 pfd[2];
	int64_t			 deadline, left;

	s->t0_us = st_now_us();
	if (sp_connect_start(s->fd, (struct sockaddr *)sa, sizeof(*sa),
	    &s->v) == -1) {
		scn_err(s, "connect: %s", strerror(errno));
		return;
	}
	deadline = scn_deadline(s);
	while (s->v.cause == SP_CAUSE_NONE &&
	    s->v.tcp_state != SP_TCP_ESTABLISHED &&
	    (left = deadline - st_now_us()) > 0) {
		pfd[0] = (struct pollfd){ .fd = s->fd, .events = POLLOUT };
		pfd[1] = (struct pollfd){ .fd = st->stop[0], .events = POLLIN };
		if (poll(pfd, 2, (int)(left / 1000) + 1) == -1) {
			if (errno == EINTR)
				continue;
			scn_err(s, "poll: %s", strerror(errno));
			return;
		}
		if (pfd[1].revents != 0)
			return;
		if (pfd[0].revents != 0 && sp_connect_check(s->fd, &s->v) ==
		    -1) {
			scn_err(s, "connect check: %s", strerror(errno));
			return;
		}
	}
	if (s->v.cause != SP_CAUSE_NONE ||
	    s->v.tcp_state == SP_TCP_ESTABLISHED)
		s->t1_us = st_now_us();
}

/*
 * Close both ends (ours with an RST, so that nothing of it lingers in
 * FIN_WAIT towards a namespace about to vanish) and end the kill peer.
 */
void
st_scn_free(struct st_scn *s)
{
	if (s->fd != -1)
		(void)sp_close_rst(s->fd);
	if (s->peer_fd != -1)
		close(s->peer_fd);
	s->fd = s->peer_fd = -1;
	if (s->holder > 0) {
		(void)kill(s->holder, SIGKILL);
		while (waitpid(s->holder, NULL, 0) == -1 && errno == EINTR)
			;
		s->holder = -1;
	}
}
