/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The techniques applied to a held connection: socket options, read,
 * write probes with their reply and drain deadlines, and the TCP_INFO
 * polls, run from queues that touch only the connections due.
 */

#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/sockios.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "sockprobe.h"
#include "sockprobed.h"

/* Targets with one poll_interval, ordered by next_poll. */
struct pollq {
	struct pollq		*next;
	uint64_t		 interval_ms;
	struct event		*ev_more;	/* resumes a sweep cut short */
	TAILQ_HEAD(, target)	 targets;
};

/* recv() calls per readiness callback before other connections run. */
#define READ_ROUNDS	8

/*
 * TCP_INFO reads per callback, about 0.3 ms: a sweep of 15,000 due at
 * once would otherwise hold the loop for 5-25 ms, and a close arriving
 * meanwhile would wait that long to be read (bench/README.md).
 */
#define POLL_SLICE	128

static void	held_options(struct target *);
static uint64_t	held_keepalive_pace(struct target *);
static void	held_io_update(struct target *);
static void	held_io_cb(evutil_socket_t, short, void *);
static void	held_read(struct target *);
static void	held_reply(struct target *, const uint8_t *, size_t);
static void	held_reply_done(struct target *, bool, size_t);
static void	held_probe(struct target *);
static void	held_flush(struct target *);
static void	held_no_reply(struct target *);
static void	held_drain_check(struct target *);
static void	held_bad(struct target *, const struct sp_verdict *);
static void	held_poll_join(struct target *, uint64_t);
static void	held_poll_queue(struct sockprobed *, struct pollq *,
		    uint64_t);
static void	held_poll_more_cb(evutil_socket_t, short, void *);
static void	held_poll(struct target *, uint64_t);
static bool	held_stalled(struct target *, uint64_t *, uint64_t,
		    struct sp_verdict *);
static bool	held_sendq(struct target *, const struct sp_tcp_info *,
		    uint64_t, struct sp_verdict *);
static void	held_snapshot(struct target *, const struct sp_tcp_info *);

/* Data read from held connections: replies are matched, then dropped. */
static uint8_t	held_rbuf[16384];

/*
 * Hold an established connection: socket options for keepalive, user
 * timeout and timeouts, the read event, the TCP_INFO poll queue and the
 * probe timer; then the connect verdict goes to health.
 */
void
held_watch(struct target *t, const struct sp_verdict *v)
{
	struct sp_tcp_info	ti;
	uint64_t		now = now_ms();

	t->phase = PHASE_CONNECTED;
	memset(&t->tcp, 0, sizeof(t->tcp));
	t->tcp.state = SP_TCP_ESTABLISHED;
	/* The handshake measured the first rtt: status shows it at once. */
	if (sp_tcp_info_read(t->fd, &ti) == 0)
		held_snapshot(t, &ti);
	held_options(t);
	if (target_tech_on(t, SP_TECH_TCP_INFO))
		held_poll_join(t, now);
	if (target_sends(t))
		t->next_probe = now + t->conf->probe_interval_ms;
	held_io_update(t);
	log_debug("target %s: %s", t->name, v->detail);
	/*
	 * rise counts polls, probes and replies; with none of them the
	 * connect is the only good verdict there will be.
	 */
	if (t->health.state == HEALTH_DOWN && t->pollq == NULL &&
	    !target_sends(t))
		health_set(t, HEALTH_UP, PATH_HELD, v);
	else
		(void)health_update(t, PATH_HELD, v);
	target_timer_arm(t);
}

/* The socket options of the techniques switched on. */
static void
held_options(struct target *t)
{
	const struct target_conf	*c = t->conf;
	struct sp_keepalive		 ka;

	if (target_tech_on(t, SP_TECH_KEEPALIVE)) {
		ka.idle_s = (uint32_t)(c->keepalive_idle_ms / 1000);
		ka.interval_s = (uint32_t)(c->keepalive_interval_ms / 1000);
		ka.count = c->keepalive_count;
		t->keepalive_at = held_keepalive_pace(t);
		ka.enabled = t->keepalive_at == 0;
		if (sp_set_keepalive(t->fd, &ka) == -1)
			log_warn("target %s: keepalive", t->name);
	}
	if (target_tech_on(t, SP_TECH_USER_TIMEOUT) && c->user_timeout_ms > 0 &&
	    sp_set_user_timeout(t->fd, (uint32_t)c->user_timeout_ms) == -1)
		log_warn("target %s: TCP_USER_TIMEOUT", t->name);
	if (!target_tech_on(t, SP_TECH_TIMEOUT))
		return;
	/* Set for budgets and ss(8); enforced as loop deadlines. */
	if (c->recv_timeout_ms > 0 &&
	    sp_set_recv_timeout(t->fd, (uint32_t)c->recv_timeout_ms) == -1)
		log_warn("target %s: SO_RCVTIMEO", t->name);
	if (c->send_timeout_ms > 0 &&
	    sp_set_send_timeout(t->fd, (uint32_t)c->send_timeout_ms) == -1)
		log_warn("target %s: SO_SNDTIMEO", t->name);
}


/*
 * When SO_KEEPALIVE may go on: now (0) while fewer than KA_PER_SLOT
 * connections did in this KA_SLOT_MS slot, else at a random moment
 * within keepalive_idle.  Keepalive timers keep the phase they start
 * with, and the kernel groups timers ~10 s out into 256 ms buckets
 * (HZ 250): 15,000 connections made at once probed together, overflowed
 * loopback's 1,000-packet input backlog, and half died of their own
 * lost probes.  Spread over the idle time, each bucket holds a few
 * hundred.  Connections made one by one are never delayed.
 */
#define KA_SLOT_MS	250
#define KA_PER_SLOT	200

static uint64_t
held_keepalive_pace(struct target *t)
{
	struct sockprobed	*sd = t->sd;
	uint64_t		 now = now_ms();

	if (sd->ka_slot != now / KA_SLOT_MS) {
		sd->ka_slot = now / KA_SLOT_MS;
		sd->ka_slot_n = 0;
	}
	if (sd->ka_slot_n < KA_PER_SLOT) {
		sd->ka_slot_n++;
		return 0;
	}
	return now + 1 + arc4random_uniform(
	    (uint32_t)t->conf->keepalive_idle_ms);
}

/*
 * Register what the held fd needs: EV_READ (with EV_CLOSED where the
 * backend has EPOLLRDHUP) for read, or while a reply is due; EV_WRITE
 * only while part of a probe is still queued.
 */
static void
held_io_update(struct target *t)
{
	struct event_base	*base = t->sd->base;
	short			 want = 0;

	if (target_tech_on(t, SP_TECH_READ) || t->reply_wait) {
		want |= EV_READ;
		if (event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE)
			want |= EV_CLOSED;
	}
	if (t->out_pending)
		want |= EV_WRITE;
	if (t->ev_read != NULL) {
		if (event_get_events(t->ev_read) == (want | EV_PERSIST))
			return;
		event_del(t->ev_read);
	}
	if (want == 0) {
		if (t->ev_read != NULL)
			event_free(t->ev_read);
		t->ev_read = NULL;
		return;
	}
	want |= EV_PERSIST;
	if (t->ev_read == NULL)
		t->ev_read = event_new(base, t->fd, want, held_io_cb, t);
	else if (event_assign(t->ev_read, base, t->fd, want, held_io_cb,
	    t) == -1)
		fatalx("target %s: event_assign", t->name);
	if (t->ev_read == NULL || event_add(t->ev_read, NULL) == -1)
		fatalx("target %s: read event", t->name);
}

/* The held fd is readable (data, FIN, RST, error) or has room to write. */
static void
held_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct target	*t = arg;

	(void)fd;
	if (what & (EV_READ | EV_CLOSED)) {
		held_read(t);
		if (t->phase != PHASE_CONNECTED)
			return;
	}
	if ((what & EV_WRITE) && t->out_pending)
		held_flush(t);
}

/*
 * Technique read: recv until the socket is drained.  Data is consumed
 * (and matched against a due reply); 0 is the FIN, -1 the error the
 * kernel reports once, captured here.  With read switched off this runs
 * only while a reply is due and speaks for the timeout technique.
 */
static void
held_read(struct target *t)
{
	struct sp_verdict	v;
	char			detail[SP_DETAIL_MAX];
	ssize_t			n;
	int			err, i;

	for (i = 0; i < READ_ROUNDS; i++) {
		n = recv(t->fd, held_rbuf, sizeof(held_rbuf),
		    MSG_DONTWAIT);
		err = errno;
		if (n > 0) {
			if (t->reply_wait)
				held_reply(t, held_rbuf, (size_t)n);
			if (t->phase != PHASE_CONNECTED)
				return;
			continue;
		}
		if (n == -1 && (err == EAGAIN || err == EWOULDBLOCK ||
		    err == EINTR))
			break;
		(void)sp_classify_recv(t->fd, n, err, &v);
		if (!target_tech_on(t, SP_TECH_READ) &&
		    v.technique == SP_TECH_READ) {
			v.technique = SP_TECH_TIMEOUT;
			(void)snprintf(detail, sizeof(detail), "%s", v.detail);
			target_detail(&v, "while waiting for a reply: %s",
			    detail);
		}
		target_done(t, &v);
		return;
	}
	held_io_update(t);
}

/* Match received bytes against probe_expect (any byte without one). */
static void
held_reply(struct target *t, const uint8_t *buf, size_t n)
{
	const struct bytes	*x = &t->conf->probe_expect;
	size_t			 m, i;

	if (x->len > 0) {
		m = x->len - t->reply_got;
		if (m > n)
			m = n;
		for (i = 0; i < m; i++) {
			if (buf[i] != x->data[t->reply_got + i]) {
				held_reply_done(t, false, t->reply_got + i);
				return;
			}
		}
		t->reply_got += (uint16_t)m;
		if (t->reply_got < x->len)
			return;
	}
	held_reply_done(t, true, 0);
}

/* A due reply arrived, matching or not (mismatch at byte at). */
static void
held_reply_done(struct target *t, bool ok, size_t at)
{
	const struct target_conf	*c = t->conf;
	struct sp_verdict		 v;
	enum sp_technique		 tech = SP_TECH_READ;
	uint64_t			 waited = 0, now = now_ms();

	if (t->reply_deadline != 0) {
		tech = SP_TECH_TIMEOUT;
		waited = now + c->recv_timeout_ms - t->reply_deadline;
	} else if (!target_tech_on(t, SP_TECH_READ))
		tech = SP_TECH_TIMEOUT;
	t->reply_wait = false;
	t->reply_deadline = 0;
	t->reply_got = 0;
	sp_verdict_init(&v);
	v.tcp_state = SP_TCP_ESTABLISHED;
	if (ok) {
		sp_verdict_set(&v, tech, SP_CAUSE_NONE, 0);
		target_detail(&v, "reply to probe_payload after %llu ms",
		    (unsigned long long)waited);
		(void)health_update(t, PATH_HELD, &v);
	} else {
		sp_verdict_set(&v, tech, SP_CAUSE_EXPECT_MISMATCH, 0);
		target_detail(&v, "the reply differs from probe_expect at "
		    "byte %zu", at);
		held_bad(t, &v);
	}
	if (t->phase == PHASE_CONNECTED)
		target_timer_arm(t);
}

/*
 * Send probe_payload (technique write, or the request of the timeout
 * technique) and arm the reply and drain deadlines.  A probe still
 * partly queued is not stacked on: the drain deadline judges it.
 */
static void
held_probe(struct target *t)
{
	const struct target_conf	*c = t->conf;
	uint64_t			 now = now_ms();

	if (t->out_pending) {
		log_debug("target %s: probe skipped: the last one is still "
		    "queued", t->name);
		return;
	}
	t->out_pending = true;
	t->out_off = 0;
	if (target_waits_reply(t) && !t->reply_wait) {
		/* An earlier probe still unanswered keeps its deadline. */
		t->reply_wait = true;
		t->reply_got = 0;
		if (target_tech_on(t, SP_TECH_TIMEOUT) &&
		    c->recv_timeout_ms > 0)
			t->reply_deadline = now + c->recv_timeout_ms;
	}
	if (target_tech_on(t, SP_TECH_TIMEOUT) && c->send_timeout_ms > 0 &&
	    t->drain_deadline == 0) {
		t->drain_need = t->bytes_written + c->probe_payload.len;
		t->drain_deadline = now + c->send_timeout_ms;
	}
	held_flush(t);
}

/*
 * Queue what is left of the probe with MSG_NOSIGNAL.  The first write
 * after the peer's FIN succeeds and draws an RST; the next one fails
 * with EPIPE, which is counted and ends the connection.
 */
static void
held_flush(struct target *t)
{
	const struct bytes	*p = &t->conf->probe_payload;
	struct sp_verdict	 v;
	ssize_t			 sent = 0;

	if (sp_check_write(t->fd, p->data + t->out_off, p->len - t->out_off,
	    &sent, &v) == -1) {
		(void)sp_classify_error(t->fd, SP_TECH_WRITE, errno, &v);
		target_done(t, &v);
		return;
	}
	if (!target_tech_on(t, SP_TECH_WRITE) && v.technique == SP_TECH_WRITE)
		v.technique = SP_TECH_TIMEOUT;
	if (v.cause != SP_CAUSE_NONE) {
		if (v.error == EPIPE)
			t->sd->epipe_total++;
		target_done(t, &v);
		return;
	}
	t->bytes_written += (uint64_t)sent;
	t->out_off += (uint16_t)sent;
	if (t->out_off >= p->len) {
		t->out_pending = false;
		t->out_off = 0;
	}
	/* Queued after a FIN proves nothing yet: the next write tells. */
	if (sent > 0 && v.tcp_state == SP_TCP_ESTABLISHED)
		(void)health_update(t, PATH_HELD, &v);
	else
		log_debug("target %s: %s", t->name, v.detail);
	held_io_update(t);
}

/* recv_timeout passed without the reply to a probe. */
static void
held_no_reply(struct target *t)
{
	struct sp_verdict	v;
	char			dur[32];

	t->reply_wait = false;
	t->reply_deadline = 0;
	t->reply_got = 0;
	held_io_update(t);
	sp_verdict_init(&v);
	sp_verdict_set(&v, SP_TECH_TIMEOUT, SP_CAUSE_NO_REPLY, 0);
	v.tcp_state = t->tcp.state;
	target_detail(&v, "no reply to probe_payload within recv_timeout %s",
	    sp_duration_format(t->conf->recv_timeout_ms, dur, sizeof(dur)));
	held_bad(t, &v);
}

/*
 * send_timeout passed since a probe was queued: every byte written up
 * to and including it must have been acknowledged by now.  What the
 * kernel still holds (SIOCOUTQ: unsent plus unacked) says whether it was.
 */
static void
held_drain_check(struct target *t)
{
	const struct target_conf	*c = t->conf;
	struct sp_verdict		 v;
	uint64_t			 acked;
	char				 dur[32];
	int				 outq;

	t->drain_deadline = 0;
	if (ioctl(t->fd, SIOCOUTQ, &outq) == -1) {
		log_warn("target %s: SIOCOUTQ", t->name);
		return;
	}
	acked = t->bytes_written > (uint64_t)outq ?
	    t->bytes_written - (uint64_t)outq : 0;
	sp_verdict_init(&v);
	v.tcp_state = t->tcp.state;
	if (acked >= t->drain_need) {
		/*
		 * Good news about sending only: it must not undo a streak
		 * of unanswered probes, which the same technique reports.
		 */
		if (t->health.last_cause != SP_CAUSE_SEND_STALLED)
			return;
		sp_verdict_set(&v, SP_TECH_TIMEOUT, SP_CAUSE_NONE, 0);
		target_detail(&v, "the probe was acknowledged within "
		    "send_timeout");
		(void)health_update(t, PATH_HELD, &v);
		return;
	}
	sp_verdict_set(&v, SP_TECH_TIMEOUT, SP_CAUSE_SEND_STALLED, 0);
	target_detail(&v, "%llu bytes still queued after send_timeout %s: "
	    "the peer is not reading or not acknowledging",
	    (unsigned long long)(t->drain_need - acked),
	    sp_duration_format(c->send_timeout_ms, dur, sizeof(dur)));
	held_bad(t, &v);
}

/*
 * A bad verdict that does not itself end the connection (no reply,
 * stalled send, wrong reply): once fall of them bring the target down,
 * the connection is closed and the target reconnects.
 */
static void
held_bad(struct target *t, const struct sp_verdict *v)
{
	enum sp_severity	sev = sp_cause_severity(v->cause);

	/* The verdict that reaches fall ends the connection: one event. */
	if (sev == SP_SEVERITY_DOWN &&
	    t->health.bad_streak + 1 >= t->conf->fall) {
		target_done(t, v);
		return;
	}
	log_debug("target %s: %s (%s): %s", t->name, sp_cause_name(v->cause),
	    sp_technique_name(v->technique), v->detail);
	(void)health_judge(t, PATH_HELD, v, sev);
}

/*
 * The held connection's deadlines, from the target's timer: the reply
 * and drain deadlines, then the next probe.
 */
void
held_timer(struct target *t, uint64_t now)
{
	uint64_t	iv = t->conf->probe_interval_ms;
	int		on = 1;

	if (t->keepalive_at != 0 && now >= t->keepalive_at) {
		t->keepalive_at = 0;
		if (setsockopt(t->fd, SOL_SOCKET, SO_KEEPALIVE, &on,
		    sizeof(on)) == -1)
			log_warn("target %s: SO_KEEPALIVE", t->name);
	}

	if (t->reply_deadline != 0 && now >= t->reply_deadline)
		held_no_reply(t);
	if (t->phase == PHASE_CONNECTED && t->drain_deadline != 0 &&
	    now >= t->drain_deadline)
		held_drain_check(t);
	if (t->phase == PHASE_CONNECTED && t->next_probe != 0 &&
	    now >= t->next_probe) {
		/* Keep the cadence; after a stall, restart it from now. */
		t->next_probe += iv;
		if (t->next_probe <= now)
			t->next_probe = now + iv;
		held_probe(t);
	}
}

/* Join the TCP_INFO queue of t's poll_interval, at its tail. */
static void
held_poll_join(struct target *t, uint64_t now)
{
	struct sockprobed	*sd = t->sd;
	struct pollq		*q;
	uint64_t		 iv = t->conf->poll_interval_ms;

	for (q = sd->pollqs; q != NULL; q = q->next)
		if (q->interval_ms == iv)
			break;
	if (q == NULL) {
		q = xcalloc(1, sizeof(*q));
		q->interval_ms = iv;
		TAILQ_INIT(&q->targets);
		q->next = sd->pollqs;
		sd->pollqs = q;
	}
	t->pollq = q;
	t->next_poll = now + iv;
	TAILQ_INSERT_TAIL(&q->targets, t, qentry);
}

/* Leave the poll queue; empty queues are freed by held_poll_gc(). */
void
held_poll_leave(struct target *t)
{
	if (t->pollq == NULL)
		return;
	TAILQ_REMOVE(&t->pollq->targets, t, qentry);
	t->pollq = NULL;
	t->next_poll = 0;
}

/* Free the queues nobody is in. */
void
held_poll_gc(struct sockprobed *sd)
{
	struct pollq	**qp, *q;

	for (qp = &sd->pollqs; (q = *qp) != NULL;) {
		if (TAILQ_EMPTY(&q->targets)) {
			*qp = q->next;
			if (q->ev_more != NULL)
				event_free(q->ev_more);
			free(q);
		} else
			qp = &q->next;
	}
}

/*
 * The TCP_INFO sweep, every 100 ms: each queue holds one poll_interval's
 * targets in next_poll order, so only the due ones are touched and the
 * sweep costs nothing for the rest, however many there are.
 */
void
held_poll_all(struct sockprobed *sd)
{
	struct pollq	*q;
	uint64_t	 now = now_ms();

	for (q = sd->pollqs; q != NULL; q = q->next)
		held_poll_queue(sd, q, now);
	held_poll_gc(sd);
}

/*
 * Poll q's due targets, at most POLL_SLICE of them; if more are due,
 * the rest follow from a zero timer, which libevent runs after the I/O
 * that became ready meanwhile.
 */
static void
held_poll_queue(struct sockprobed *sd, struct pollq *q, uint64_t now)
{
	struct timeval	 zero = { 0, 0 };
	struct target	*t;
	size_t		 n = 0;

	while ((t = TAILQ_FIRST(&q->targets)) != NULL &&
	    t->next_poll <= now) {
		if (n++ == POLL_SLICE) {
			if (q->ev_more == NULL && (q->ev_more =
			    evtimer_new(sd->base, held_poll_more_cb, sd)) ==
			    NULL)
				fatalx("poll: evtimer_new");
			if (evtimer_add(q->ev_more, &zero) == -1)
				fatalx("poll: evtimer_add");
			return;
		}
		TAILQ_REMOVE(&q->targets, t, qentry);
		TAILQ_INSERT_TAIL(&q->targets, t, qentry);
		t->next_poll += q->interval_ms;
		if (t->next_poll <= now)
			t->next_poll = now + q->interval_ms;
		held_poll(t, now);
	}
}

/* The next slice of a sweep cut short. */
static void
held_poll_more_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	held_poll_all(arg);
}

/*
 * Technique tcp_info on one held connection.  CLOSE_WAIT (a FIN, even
 * with read switched off), CLOSE and any other state end it; backoff,
 * keepalive probes, a zero window or a send queue that does not drain
 * for stall_timeout, and rtt over rtt_threshold make it degraded.
 */
static void
held_poll(struct target *t, uint64_t now)
{
	const struct target_conf	*c = t->conf;
	struct sp_tcp_info		 ti;
	struct sp_verdict		 v;
	char				 dur[32];

	if (sp_check_tcp_info(t->fd, &v, &ti) == -1) {
		log_warn("target %s: TCP_INFO", t->name);
		return;
	}
	held_snapshot(t, &ti);
	switch (sp_cause_severity(v.cause)) {
	case SP_SEVERITY_DOWN:
		target_done(t, &v);
		return;
	case SP_SEVERITY_DEGRADED:
		t->sendq_since = 0;
		if (v.cause == SP_CAUSE_ZERO_WINDOW) {
			(void)held_stalled(t, &t->zero_window_since, now,
			    &v);
			return;
		}
		t->zero_window_since = 0;
		(void)health_judge(t, PATH_HELD, &v, SP_SEVERITY_DEGRADED);
		return;
	default:
		break;
	}
	t->zero_window_since = 0;
	if (held_sendq(t, &ti, now, &v))
		return;
	if (c->rtt_threshold_ms > 0 && ti.rtt_us > c->rtt_threshold_ms * 1000) {
		/*
		 * DESIGN lists rtt over rtt_threshold as degraded but names
		 * no cause for it.  retransmitting is the closest: both say
		 * the path is slow, and the RTO, which sets every
		 * retransmission timer, grows with the rtt.
		 */
		sp_verdict_set(&v, SP_TECH_TCP_INFO, SP_CAUSE_RETRANSMITTING,
		    0);
		target_detail(&v, "rtt %u us over rtt_threshold %s",
		    ti.rtt_us, sp_duration_format(c->rtt_threshold_ms, dur,
		    sizeof(dur)));
		(void)health_judge(t, PATH_HELD, &v, SP_SEVERITY_DEGRADED);
		return;
	}
	(void)health_update(t, PATH_HELD, &v);
}

/*
 * A condition that only counts once it has lasted stall_timeout (since
 * *since): until then no verdict at all.  Returns true when judged or
 * waiting.
 */
static bool
held_stalled(struct target *t, uint64_t *since, uint64_t now,
    struct sp_verdict *v)
{
	char	dur[32], detail[SP_DETAIL_MAX];

	if (*since == 0)
		*since = now;
	if (now - *since < t->conf->stall_timeout_ms)
		return true;
	(void)snprintf(detail, sizeof(detail), "%s", v->detail);
	target_detail(v, "%s, for %s", detail,
	    sp_duration_format(now - *since, dur, sizeof(dur)));
	(void)health_judge(t, PATH_HELD, v, SP_SEVERITY_DEGRADED);
	return true;
}

/*
 * Data waits in the send queue (unsent or unacked) and nothing has been
 * acknowledged since the last look: the peer stopped reading.  Returns
 * true when judged or waiting, false when the queue is empty or moving.
 */
static bool
held_sendq(struct target *t, const struct sp_tcp_info *ti, uint64_t now,
    struct sp_verdict *v)
{
	uint32_t	acked = (uint32_t)ti->bytes_acked;

	if (ti->notsent_bytes == 0 && ti->unacked == 0) {
		t->sendq_since = 0;
		return false;
	}
	if (t->sendq_since == 0 || acked != t->stall_acked) {
		t->sendq_since = now;
		t->stall_acked = acked;
		return false;
	}
	sp_verdict_set(v, SP_TECH_TCP_INFO, SP_CAUSE_SEND_STALLED, 0);
	target_detail(v, "%u bytes not sent and %u segments unacked, "
	    "nothing acknowledged", ti->notsent_bytes, ti->unacked);
	return held_stalled(t, &t->sendq_since, now, v);
}

/* Keep the fields status shows. */
static void
held_snapshot(struct target *t, const struct sp_tcp_info *ti)
{
	t->tcp.rtt_us = ti->rtt_us;
	t->tcp.rttvar_us = ti->rttvar_us;
	t->tcp.unacked = ti->unacked;
	t->tcp.lost = ti->lost;
	t->tcp.total_retrans = ti->total_retrans;
	t->tcp.snd_wnd = ti->snd_wnd;
	t->tcp.notsent_bytes = ti->notsent_bytes;
	t->tcp.state = ti->state;
	t->tcp.retransmits = ti->retransmits;
	t->tcp.backoff = ti->backoff;
	t->tcp.probes = ti->probes;
}
