/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Fresh connect checks: every check_interval a new connection to an
 * outbound target, its handshake classified and timed, optionally a
 * probe and its expected reply, then closed the way close_mode says.
 * Where it disagrees with the held connection is a diagnosis.
 */

#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "sockprobe.h"
#include "sockprobed.h"

enum fresh_phase {
	FRESH_CONNECT = 0,
	FRESH_SEND,
	FRESH_REPLY
};

/* One check in progress; it exists only while it runs. */
struct fresh {
	struct target	*t;
	int		 fd;
	struct event	*ev;
	uint64_t	 started_us;
	uint64_t	 deadline;	/* this phase's, CLOCK_MONOTONIC ms */
	uint32_t	 connect_us;
	uint16_t	 off;		/* payload bytes sent */
	uint16_t	 got;		/* probe_expect bytes matched */
	enum fresh_phase phase;
};

static void	fresh_wait(struct fresh *, short);
static void	fresh_cb(evutil_socket_t, short, void *);
static void	fresh_timeout(struct fresh *);
static void	fresh_connected(struct fresh *);
static void	fresh_send(struct fresh *);
static void	fresh_recv(struct fresh *);
static void	fresh_finish(struct fresh *, struct sp_verdict *);
static void	fresh_close(struct fresh *, bool);
static void	fresh_report(struct target *, const struct sp_verdict *);

/* Replies of fresh checks: only the probe_expect prefix matters. */
static uint8_t	fresh_rbuf[PAYLOAD_MAX];

/*
 * Begin a check: a new nonblocking socket, TCP_SYNCNT as configured,
 * connect_timeout as the deadline.  Skipped while the name is unresolved.
 */
void
fresh_start(struct target *t)
{
	struct sp_verdict	 v;
	struct fresh		*f;
	int			 fd, err;

	if (t->kind != TARGET_OUTBOUND || t->fresh != NULL || t->peerlen == 0)
		return;
	sp_verdict_init(&v);
	if ((fd = socket(t->peer.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		err = errno;
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, err);
		target_detail(&v, "fresh check: socket: %s", strerror(err));
		fresh_report(t, &v);
		return;
	}
	if (!sockprobed_fd_fits(fd)) {
		(void)close(fd);
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, EMFILE);
		target_detail(&v, "fresh check: socket: descriptor %d: only "
		    "the %d kept for the control socket are left below "
		    "RLIMIT_NOFILE", fd, FD_RESERVE);
		fresh_report(t, &v);
		return;
	}
	f = xcalloc(1, sizeof(*f));
	f->t = t;
	f->fd = fd;
	f->phase = FRESH_CONNECT;
	f->started_us = target_clock_us();
	f->deadline = now_ms() + t->conf->connect_timeout_ms;
	t->fresh = f;
	if ((f->ev = event_new(t->sd->base, fd, EV_WRITE, fresh_cb, f)) ==
	    NULL)
		fatalx("target %s: event_new", t->name);
	if (t->conf->syn_retries > 0 &&
	    sp_set_syn_retries(fd, (int)t->conf->syn_retries) == -1)
		log_warn("target %s: fresh check: TCP_SYNCNT", t->name);
	if (sp_connect_start(fd, &t->peer.sa, t->peerlen, &v) == -1)
		(void)sp_classify_error(fd, SP_TECH_CONNECT, errno, &v);
	if (v.cause != SP_CAUSE_NONE)
		fresh_finish(f, &v);
	else if (v.tcp_state == SP_TCP_ESTABLISHED)
		fresh_connected(f);
	else
		fresh_wait(f, EV_WRITE);
}

/* Free a check in progress without a verdict (the target goes away). */
void
fresh_free(struct fresh *f)
{
	if (f == NULL)
		return;
	if (f->ev != NULL)
		event_free(f->ev);
	if (f->fd != -1)
		(void)close(f->fd);
	free(f);
}

/*
 * Whether the last fresh check succeeded and is recent enough to speak
 * for the peer now: within two check intervals.
 */
bool
fresh_recent_ok(const struct target *t)
{
	const struct target_conf	*c = t->conf;
	uint64_t			 now = now_ms();

	if (c->check_interval_ms == 0 || t->fresh_at == 0 ||
	    t->fresh_cause != SP_CAUSE_NONE)
		return false;
	return now - t->fresh_at <= 2 * c->check_interval_ms +
	    c->connect_timeout_ms;
}

/* Wait for what (EV_READ or EV_WRITE) with the time left in the phase. */
static void
fresh_wait(struct fresh *f, short what)
{
	struct timeval	tv;
	uint64_t	now = now_ms(), left;

	left = f->deadline > now ? f->deadline - now : 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	if (event_assign(f->ev, f->t->sd->base, f->fd, what, fresh_cb,
	    f) == -1 || event_add(f->ev, &tv) == -1)
		fatalx("target %s: fresh check event", f->t->name);
}

/* The check's socket is ready for its phase, or the deadline passed. */
static void
fresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fresh		*f = arg;
	struct sp_verdict	 v;

	if (what & EV_TIMEOUT) {
		fresh_timeout(f);
		return;
	}
	switch (f->phase) {
	case FRESH_CONNECT:
		if (sp_connect_check(fd, &v) == -1)
			(void)sp_classify_error(fd, SP_TECH_CONNECT, errno,
			    &v);
		if (v.cause != SP_CAUSE_NONE)
			fresh_finish(f, &v);
		else if (v.tcp_state == SP_TCP_SYN_SENT)
			fresh_wait(f, EV_WRITE);
		else
			fresh_connected(f);
		break;
	case FRESH_SEND:
		fresh_send(f);
		break;
	case FRESH_REPLY:
		fresh_recv(f);
		break;
	}
}

/* The phase's deadline passed: our deadline, so no errno. */
static void
fresh_timeout(struct fresh *f)
{
	const struct target_conf	*c = f->t->conf;
	struct sp_verdict		 v;
	char				 dur[32];

	sp_verdict_init(&v);
	switch (f->phase) {
	case FRESH_CONNECT:
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, 0);
		v.tcp_state = SP_TCP_SYN_SENT;
		target_detail(&v, "fresh connect: no SYN-ACK within "
		    "connect_timeout %s", sp_duration_format(
		    c->connect_timeout_ms, dur, sizeof(dur)));
		break;
	case FRESH_SEND:
		sp_verdict_set(&v, SP_TECH_TIMEOUT, SP_CAUSE_SEND_STALLED, 0);
		v.tcp_state = SP_TCP_ESTABLISHED;
		target_detail(&v, "fresh check: probe_payload not sent in "
		    "time: the peer is not reading");
		break;
	case FRESH_REPLY:
		sp_verdict_set(&v, SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, 0);
		v.tcp_state = SP_TCP_ESTABLISHED;
		target_detail(&v, "fresh check: no reply to probe_payload in "
		    "time");
		break;
	}
	fresh_finish(f, &v);
}

/* Handshake done: time it, then probe if there is a payload. */
static void
fresh_connected(struct fresh *f)
{
	const struct target_conf	*c = f->t->conf;
	struct sp_verdict		 v;
	uint64_t			 us;

	us = target_clock_us() - f->started_us;
	f->connect_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	if (c->probe_payload.len > 0 && target_sends(f->t)) {
		f->phase = FRESH_SEND;
		f->deadline = now_ms() + (c->send_timeout_ms > 0 ?
		    c->send_timeout_ms : c->connect_timeout_ms);
		fresh_send(f);
		return;
	}
	sp_verdict_init(&v);
	sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	v.tcp_state = SP_TCP_ESTABLISHED;
	target_detail(&v, "fresh connect to %s in %u us", f->t->peer_str,
	    f->connect_us);
	fresh_finish(f, &v);
}

/* Queue the rest of the payload; then wait for the reply if one is due. */
static void
fresh_send(struct fresh *f)
{
	const struct target_conf	*c = f->t->conf;
	const struct bytes		*p = &c->probe_payload;
	struct sp_verdict		 v;
	ssize_t				 sent = 0;

	if (sp_check_write(f->fd, p->data + f->off, p->len - f->off, &sent,
	    &v) == -1)
		(void)sp_classify_error(f->fd, SP_TECH_WRITE, errno, &v);
	if (v.cause != SP_CAUSE_NONE) {
		if (v.error == EPIPE)
			f->t->sd->epipe_total++;
		fresh_finish(f, &v);
		return;
	}
	f->off += (uint16_t)sent;
	if (f->off < p->len) {
		fresh_wait(f, EV_WRITE);
		return;
	}
	if (target_waits_reply(f->t)) {
		f->phase = FRESH_REPLY;
		f->deadline = now_ms() + (c->recv_timeout_ms > 0 ?
		    c->recv_timeout_ms : c->connect_timeout_ms);
		fresh_wait(f, EV_READ);
		return;
	}
	sp_verdict_set(&v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
	target_detail(&v, "fresh connect in %u us, probe_payload sent",
	    f->connect_us);
	fresh_finish(f, &v);
}

/* Read the reply and match it against probe_expect. */
static void
fresh_recv(struct fresh *f)
{
	const struct bytes	*x = &f->t->conf->probe_expect;
	struct sp_verdict	 v;
	ssize_t			 n;
	size_t			 m;

	n = recv(f->fd, fresh_rbuf, sizeof(fresh_rbuf), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		fresh_wait(f, EV_READ);
		return;
	}
	if (n <= 0) {
		(void)sp_classify_recv(f->fd, n, errno, &v);
		fresh_finish(f, &v);
		return;
	}
	sp_verdict_init(&v);
	v.tcp_state = SP_TCP_ESTABLISHED;
	m = x->len - f->got;
	if (m > (size_t)n)
		m = (size_t)n;
	if (memcmp(fresh_rbuf, x->data + f->got, m) != 0) {
		sp_verdict_set(&v, SP_TECH_READ, SP_CAUSE_EXPECT_MISMATCH, 0);
		target_detail(&v, "fresh check: the reply differs from "
		    "probe_expect");
		fresh_finish(f, &v);
		return;
	}
	f->got += (uint16_t)m;
	if (f->got < x->len) {
		fresh_wait(f, EV_READ);
		return;
	}
	sp_verdict_set(&v, SP_TECH_TIMEOUT, SP_CAUSE_NONE, 0);
	target_detail(&v, "fresh connect in %u us, reply as expected",
	    f->connect_us);
	fresh_finish(f, &v);
}

/* The check is over: close it, remember the result, tell health. */
static void
fresh_finish(struct fresh *f, struct sp_verdict *v)
{
	struct target	*t = f->t;

	fresh_close(f, v->cause == SP_CAUSE_NONE);
	t->fresh = NULL;
	fresh_free(f);
	fresh_report(t, v);
}

/*
 * close_mode fin: close() after draining what the peer sent, since
 * unread data would turn the FIN into an RST; rst: SO_LINGER 0.  A
 * failed connection is simply closed.
 */
static void
fresh_close(struct fresh *f, bool connected)
{
	if (connected && f->t->conf->close_mode == CLOSE_RST) {
		(void)sp_close_rst(f->fd);	/* closes in every case */
		f->fd = -1;
		return;
	}
	if (connected)
		while (recv(f->fd, fresh_rbuf, sizeof(fresh_rbuf),
		    MSG_DONTWAIT) > 0)
			continue;
	(void)close(f->fd);
	f->fd = -1;
}

/*
 * A fresh result counts for health only while the held connection
 * lives: a failure is then degraded (path fresh), a success undoes it.
 * When the held connection is down its own reconnects speak for it.
 */
static void
fresh_report(struct target *t, const struct sp_verdict *v)
{
	t->fresh_at = now_ms();
	t->fresh_cause = (uint8_t)v->cause;
	log_debug("target %s: fresh check: %s (%s): %s", t->name,
	    sp_cause_name(v->cause), sp_technique_name(v->technique),
	    v->detail);
	if (!target_held(t))
		return;
	(void)health_judge(t, PATH_FRESH, v, v->cause == SP_CAUSE_NONE ?
	    SP_SEVERITY_OK : SP_SEVERITY_DEGRADED);
}
