/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Monitored connections: create, resolve, connect, reconnect with
 * backoff and free one per [target], adopt the peers accepted on a
 * [listen], and end every connection through target_done().  What is
 * done to a held connection lives in held.c.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "sockprobe.h"
#include "sockprobed.h"

/* A name lookup; t is NULL once the target no longer wants the answer. */
struct dnsreq {
	struct target				*t;
	struct evdns_getaddrinfo_request	*req;
};

static void	target_addr_format(const struct sockaddr *, char *, size_t);
static uint64_t	target_backoff(struct target *);
static void	target_resolve(struct target *);
static int	target_numeric(struct target *, const char *, uint16_t);
static void	target_dns_cb(int, struct evutil_addrinfo *, void *);
static void	target_connect(struct target *);
static void	target_connect_wait(struct target *);
static void	target_connect_cb(evutil_socket_t, short, void *);
static void	target_connected(struct target *);
static void	target_timer_cb(evutil_socket_t, short, void *);
static void	target_close(struct target *);

/* Whether techniques = names t. */
bool
target_tech_on(const struct target *t, enum sp_technique x)
{
	return (t->conf->techniques & TECH_BIT(x)) != 0;
}

/*
 * Whether probe_payload is sent: by write, or as the request of the
 * timeout technique.  Without a payload nothing is sent at all: a
 * zero-length send transmits nothing and proves nothing.
 */
bool
target_sends(const struct target *t)
{
	const struct target_conf	*c = t->conf;

	if (c->probe_payload.len == 0)
		return false;
	if (target_tech_on(t, SP_TECH_WRITE))
		return true;
	return target_tech_on(t, SP_TECH_TIMEOUT) &&
	    (c->recv_timeout_ms > 0 || c->send_timeout_ms > 0);
}

/* Whether each probe waits for a reply (a deadline or probe_expect). */
bool
target_waits_reply(const struct target *t)
{
	const struct target_conf	*c = t->conf;

	if (!target_sends(t))
		return false;
	if (target_tech_on(t, SP_TECH_TIMEOUT) && c->recv_timeout_ms > 0)
		return true;
	return c->probe_expect.len > 0 && (target_tech_on(t, SP_TECH_READ) ||
	    target_tech_on(t, SP_TECH_TIMEOUT));
}

/* Replace a verdict's detail with printf-style words. */
void
target_detail(struct sp_verdict *v, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	/* Truncation is fine: the detail is for people. */
	(void)vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

/* Milliseconds are too coarse for a loopback handshake. */
uint64_t
target_clock_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A uniformly random value in [0, range], so retries never synchronise. */
uint64_t
target_jitter(uint64_t range)
{
	uint64_t	r;

	if (range == 0)
		return 0;
	evutil_secure_rng_get_bytes(&r, sizeof(r));
	return r % (range + 1);
}

/* Whether the held connection is established. */
bool
target_held(const struct target *t)
{
	return t->phase == PHASE_CONNECTED;
}

/* The peer as shown: resolved, else as configured. */
const char *
target_peer(const struct target *t)
{
	if (t->peer_str[0] != '\0')
		return t->peer_str;
	if (t->kind == TARGET_OUTBOUND && t->conf->address != NULL)
		return t->conf->address;
	return "";
}

/* "10.0.0.5:5432" or "[2001:db8::1]:5432". */
static void
target_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6;
	char				 a[INET6_ADDRSTRLEN];

	sin6 = (const struct sockaddr_in6 *)sa;
	buf[0] = '\0';
	if (sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
		(void)snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	else if (sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
		(void)snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
}

/*
 * The next reconnect delay: reconnect_min doubling up to reconnect_max,
 * with up to a quarter of jitter (downward at the cap), so a fleet of
 * targets that lost one peer does not knock on it in step.
 */
static uint64_t
target_backoff(struct target *t)
{
	const struct target_conf	*c = t->conf;
	uint64_t			 d = t->backoff_ms, j;

	if (d < c->reconnect_min_ms)
		d = c->reconnect_min_ms;
	if (d > c->reconnect_max_ms)
		d = c->reconnect_max_ms;
	t->backoff_ms = (uint32_t)(d * 2 > c->reconnect_max_ms ?
	    c->reconnect_max_ms : d * 2);
	j = target_jitter(d / 4);
	return d + j <= c->reconnect_max_ms ? d + j : d - j;
}

/* A target for tc; target_start() connects it. */
struct target *
target_new(struct sockprobed *sd, struct target_conf *tc)
{
	struct target	*t;

	t = xcalloc(1, sizeof(*t));
	t->sd = sd;
	t->kind = TARGET_OUTBOUND;
	t->name = xstrdup(tc->name);
	t->conf = tc;
	t->fd = -1;
	t->tcp.state = SP_TCP_CLOSE;
	t->backoff_ms = (uint32_t)tc->reconnect_min_ms;
	health_init(&t->health);
	TAILQ_INSERT_TAIL(&sd->targets, t, entry);
	sd->ntargets++;
	return t;
}

/* Resolve and connect; fresh checks begin within one check_interval. */
void
target_start(struct target *t)
{
	uint64_t	iv = t->conf->check_interval_ms;

	if (t->kind != TARGET_OUTBOUND || t->phase != PHASE_IDLE)
		return;
	if (iv > 0)
		t->next_check = now_ms() + iv / 2 + target_jitter(iv / 2);
	target_resolve(t);
}

/* An accepted connection becomes an inbound target, held at once. */
struct target *
target_adopt(struct listener *l, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct sockprobed	*sd = l->sd;
	struct target		*t;
	struct sp_verdict	 v;
	size_t			 len;

	t = xcalloc(1, sizeof(*t));
	t->sd = sd;
	t->kind = TARGET_INBOUND;
	t->conf = l->conf;
	t->listener = l;
	t->fd = fd;
	t->tcp.state = SP_TCP_CLOSE;
	if (salen > sizeof(t->peer))
		salen = sizeof(t->peer);
	memcpy(&t->peer, sa, salen);
	t->peerlen = salen;
	target_addr_format(&t->peer.sa, t->peer_str, sizeof(t->peer_str));
	len = strlen(l->conf->name) + 1 + strlen(t->peer_str) + 1;
	t->name = xcalloc(1, len);
	(void)snprintf(t->name, len, "%s/%s", l->conf->name, t->peer_str);
	health_init(&t->health);
	TAILQ_INSERT_TAIL(&sd->targets, t, entry);
	sd->ntargets++;
	l->npeers++;
	l->accepted++;
	t->connect_started = target_clock_us();

	sp_verdict_init(&v);
	sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	v.tcp_state = SP_TCP_ESTABLISHED;
	target_detail(&v, "accepted from %s", t->peer_str);
	held_watch(t, &v);
	return t;
}

/*
 * Free a target the caller took off sd->targets: its connection, any
 * fresh check or lookup in flight, its events and its conf if owned.
 */
void
target_free(struct target *t)
{
	struct sockprobed	*sd;
	struct sp_verdict	 v;

	if (t == NULL)
		return;
	sd = t->sd;
	t->removed = true;
	if (!sd->stopping && t->phase != PHASE_GONE) {
		sp_verdict_init(&v);
		v.tcp_state = t->tcp.state;
		target_detail(&v, "removed from monitoring");
		health_set(t, HEALTH_DOWN, PATH_HELD, &v);
	}
	fresh_free(t->fresh);
	t->fresh = NULL;
	if (t->dns != NULL) {
		/* The callback still runs, with EVUTIL_EAI_CANCEL. */
		t->dns->t = NULL;
		if (t->dns->req != NULL)
			evdns_getaddrinfo_cancel(t->dns->req);
		t->dns = NULL;
	}
	target_close(t);
	if (t->phase == PHASE_GONE)
		TAILQ_REMOVE(&t->listener->gone, t, qentry);
	if (t->ev_timer != NULL)
		event_free(t->ev_timer);
	if (t->kind == TARGET_INBOUND)
		t->listener->npeers--;
	else
		conf_target_release(t->conf);
	health_clear(&t->health);
	free(t->name);
	if (--sd->ntargets == 0)
		held_poll_gc(sd);
	free(t);
}

/* Take t off the daemon's list and free it (the `remove` command). */
void
target_remove(struct target *t)
{
	TAILQ_REMOVE(&t->sd->targets, t, entry);
	target_free(t);
}

/*
 * By name.  An inbound peer that came back from the same address and
 * port may share its name with a remembered dead one: the live one wins.
 */
struct target *
target_find(struct sockprobed *sd, const char *name)
{
	struct target	*t, *found = NULL;

	TAILQ_FOREACH(t, &sd->targets, entry) {
		if (strcmp(t->name, name) != 0)
			continue;
		if (t->phase != PHASE_GONE)
			return t;
		found = t;
	}
	return found;
}

/*
 * Find the peer's address: numeric at once, a name through evdns, so the
 * loop never blocks.  Names are looked up again at every reconnect.
 */
static void
target_resolve(struct target *t)
{
	struct evutil_addrinfo			 hints;
	struct evdns_getaddrinfo_request	*req;
	struct dnsreq				*r;
	struct sp_verdict			 v;
	const char				*errstr;
	char					 host[ADDR_MAX_LEN + 1];
	char					 port[8];
	uint16_t				 p;

	sp_verdict_init(&v);
	if (sp_hostport_split(t->conf->address, host, sizeof(host), &p,
	    &errstr) == -1) {
		/* config.c checked it; this is only a safety net. */
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, 0);
		target_detail(&v, "address %s: %s", t->conf->address, errstr);
		target_done(t, &v);
		return;
	}
	if (target_numeric(t, host, p) == 0) {
		target_connect(t);
		return;
	}
	if (resolve_never(host)) {
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, 0);
		target_detail(&v, "resolve %s: the .invalid domain never "
		    "resolves", t->conf->address);
		target_done(t, &v);
		return;
	}
	if (t->sd->dns == NULL) {
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, 0);
		target_detail(&v, "resolve %s: no nameservers configured",
		    host);
		target_done(t, &v);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	(void)snprintf(port, sizeof(port), "%u", p);
	r = xcalloc(1, sizeof(*r));
	r->t = t;
	t->dns = r;
	t->phase = PHASE_RESOLVING;
	/* The callback may run before this returns; then req is NULL. */
	if ((req = evdns_getaddrinfo(t->sd->dns, host, port, &hints,
	    target_dns_cb, r)) != NULL)
		r->req = req;
}

/* A numeric host fills the peer: 0, or -1 when host is a name. */
static int
target_numeric(struct target *t, const char *host, uint16_t port)
{
	memset(&t->peer, 0, sizeof(t->peer));
	if (inet_pton(AF_INET, host, &t->peer.sin.sin_addr) == 1) {
		t->peer.sin.sin_family = AF_INET;
		t->peer.sin.sin_port = htons(port);
		t->peerlen = sizeof(t->peer.sin);
	} else if (inet_pton(AF_INET6, host, &t->peer.sin6.sin6_addr) == 1) {
		t->peer.sin6.sin6_family = AF_INET6;
		t->peer.sin6.sin6_port = htons(port);
		t->peerlen = sizeof(t->peer.sin6);
	} else
		return -1;
	target_addr_format(&t->peer.sa, t->peer_str, sizeof(t->peer_str));
	return 0;
}

/* The lookup ended: connect to the first address, or count a failure. */
static void
target_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct dnsreq		*r = arg;
	struct target		*t = r->t;
	struct sp_verdict	 v;

	free(r);
	if (t == NULL) {			/* cancelled by target_free() */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	t->dns = NULL;
	if (result != 0 || res == NULL || res->ai_addrlen > sizeof(t->peer)) {
		sp_verdict_init(&v);
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, 0);
		target_detail(&v, "resolve %s: %s", t->conf->address,
		    result != 0 ? evutil_gai_strerror(result) : "no address");
		if (res != NULL)
			evutil_freeaddrinfo(res);
		target_done(t, &v);
		return;
	}
	memset(&t->peer, 0, sizeof(t->peer));
	memcpy(&t->peer, res->ai_addr, res->ai_addrlen);
	t->peerlen = (socklen_t)res->ai_addrlen;
	evutil_freeaddrinfo(res);
	target_addr_format(&t->peer.sa, t->peer_str, sizeof(t->peer_str));
	target_connect(t);
}

/*
 * Start the nonblocking handshake, bounded by TCP_SYNCNT when set and by
 * connect_timeout as a loop deadline.
 */
static void
target_connect(struct target *t)
{
	struct sp_verdict	v;
	int			fd, err;

	sp_verdict_init(&v);
	t->phase = PHASE_CONNECTING;
	t->connect_started = target_clock_us();
	t->connect_deadline = now_ms() + t->conf->connect_timeout_ms;
	if ((fd = socket(t->peer.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		err = errno;
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, err);
		target_detail(&v, "socket: %s", strerror(err));
		target_done(t, &v);
		return;
	}
	if (!sockprobed_fd_fits(fd)) {
		(void)close(fd);
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_LOCAL, EMFILE);
		target_detail(&v, "socket: descriptor %d: only the %d kept "
		    "for the control socket are left below RLIMIT_NOFILE", fd,
		    FD_RESERVE);
		target_done(t, &v);
		return;
	}
	t->fd = fd;
	if (t->conf->syn_retries > 0 &&
	    sp_set_syn_retries(fd, (int)t->conf->syn_retries) == -1)
		log_warn("target %s: TCP_SYNCNT %u", t->name,
		    t->conf->syn_retries);
	if (sp_connect_start(fd, &t->peer.sa, t->peerlen, &v) == -1) {
		err = errno;
		(void)sp_classify_error(fd, SP_TECH_CONNECT, err, &v);
		target_done(t, &v);
		return;
	}
	if (v.cause != SP_CAUSE_NONE) {	/* refused, unreachable */
		target_done(t, &v);
		return;
	}
	if (v.tcp_state == SP_TCP_ESTABLISHED) {
		target_connected(t);
		return;
	}
	if ((t->ev_read = event_new(t->sd->base, fd, EV_WRITE,
	    target_connect_cb, t)) == NULL)
		fatalx("target %s: event_new", t->name);
	target_connect_wait(t);
}

/* Wait for the handshake with the time left until connect_timeout. */
static void
target_connect_wait(struct target *t)
{
	struct timeval	tv;
	uint64_t	now = now_ms(), left;

	left = t->connect_deadline > now ? t->connect_deadline - now : 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	if (event_add(t->ev_read, &tv) == -1)
		fatalx("target %s: event_add", t->name);
}

/* The handshake finished, failed, or its deadline passed. */
static void
target_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct target		*t = arg;
	struct sp_verdict	 v;
	char			 dur[32];

	sp_verdict_init(&v);
	if (what & EV_TIMEOUT) {
		/* Our deadline, not the kernel's: no errno was reported. */
		sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_SYN_TIMEOUT, 0);
		v.tcp_state = SP_TCP_SYN_SENT;
		target_detail(&v, "connect %s: no SYN-ACK within "
		    "connect_timeout %s", t->peer_str, sp_duration_format(
		    t->conf->connect_timeout_ms, dur, sizeof(dur)));
		target_done(t, &v);
		return;
	}
	if (sp_connect_check(fd, &v) == -1)
		(void)sp_classify_error(fd, SP_TECH_CONNECT, errno, &v);
	if (v.cause != SP_CAUSE_NONE) {
		target_done(t, &v);
		return;
	}
	if (v.tcp_state == SP_TCP_SYN_SENT) {	/* woken early */
		target_connect_wait(t);
		return;
	}
	target_connected(t);
}

/* The handshake completed: time it and start holding the connection. */
static void
target_connected(struct target *t)
{
	struct sp_verdict	v;
	uint64_t		us;

	us = target_clock_us() - t->connect_started;
	t->connect_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	t->connect_deadline = 0;
	if (t->ev_read != NULL) {
		event_free(t->ev_read);
		t->ev_read = NULL;
	}
	sp_verdict_init(&v);
	sp_verdict_set(&v, SP_TECH_CONNECT, SP_CAUSE_NONE, 0);
	v.tcp_state = SP_TCP_ESTABLISHED;
	target_detail(&v, "connected to %s in %u us", t->peer_str,
	    t->connect_us);
	held_watch(t, &v);
}

/* Arm the timer for the earliest deadline, with the time left. */
void
target_timer_arm(struct target *t)
{
	struct timeval	tv;
	uint64_t	d[6], next = 0, now, left;
	size_t		i;

	d[0] = t->phase == PHASE_WAITING ? t->reconnect_at : 0;
	d[1] = t->phase == PHASE_CONNECTED ? t->next_probe : 0;
	d[2] = t->reply_deadline;
	d[3] = t->drain_deadline;
	d[4] = t->next_check;
	d[5] = t->phase == PHASE_CONNECTED ? t->keepalive_at : 0;
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (d[i] != 0 && (next == 0 || d[i] < next))
			next = d[i];
	if (next == 0) {
		if (t->ev_timer != NULL)
			event_del(t->ev_timer);
		return;
	}
	if (t->ev_timer == NULL && (t->ev_timer = evtimer_new(t->sd->base,
	    target_timer_cb, t)) == NULL)
		fatalx("target %s: evtimer_new", t->name);
	now = now_ms();
	left = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	if (evtimer_add(t->ev_timer, &tv) == -1)
		fatalx("target %s: evtimer_add", t->name);
}

/* The earliest deadline passed: handle every one that is due. */
static void
target_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct target	*t = arg;
	uint64_t	 now = now_ms();

	(void)fd;
	(void)what;
	if (t->phase == PHASE_WAITING && now >= t->reconnect_at) {
		t->reconnect_at = 0;
		target_resolve(t);
	}
	if (t->phase == PHASE_CONNECTED)
		held_timer(t, now);
	if (t->next_check != 0 && now >= t->next_check) {
		t->next_check = now + t->conf->check_interval_ms;
		if (t->fresh == NULL)
			fresh_start(t);
	}
	target_timer_arm(t);
}

/* Close the held connection and forget everything about it. */
static void
target_close(struct target *t)
{
	if (t->ev_read != NULL) {
		event_free(t->ev_read);
		t->ev_read = NULL;
	}
	if (t->fd != -1) {
		(void)close(t->fd);
		t->fd = -1;
	}
	held_poll_leave(t);
	t->connect_deadline = t->next_probe = 0;
	t->reply_deadline = t->drain_deadline = 0;
	t->keepalive_at = 0;
	t->zero_window_since = t->sendq_since = 0;
	t->bytes_written = t->drain_need = 0;
	t->stall_acked = 0;
	t->out_off = t->reply_got = 0;
	t->out_pending = t->reply_wait = false;
	memset(&t->tcp, 0, sizeof(t->tcp));
	t->tcp.state = SP_TCP_CLOSE;
}

/*
 * The single exit of a connection or an attempt: close, free the
 * per-attempt state, record the event, and schedule the retry (outbound)
 * or remember the dead peer until forget_after (inbound).
 */
void
target_done(struct target *t, const struct sp_verdict *v)
{
	uint64_t	now = now_ms(), delay, lived_ms = 0;
	char		dur[32];

	if (t->phase == PHASE_CONNECTED)
		lived_ms = (target_clock_us() - t->connect_started) / 1000;
	target_close(t);
	if (t->health.state == HEALTH_DOWN)
		log_debug("target %s: %s (%s): %s", t->name,
		    sp_cause_name(v->cause), sp_technique_name(v->technique),
		    v->detail);
	health_set(t, HEALTH_DOWN, PATH_HELD, v);
	if (t->kind == TARGET_INBOUND) {
		t->phase = PHASE_GONE;
		t->gone_at = now;
		TAILQ_INSERT_TAIL(&t->listener->gone, t, qentry);
		target_timer_arm(t);
		return;
	}
	/* A connection that outlived the wait before it was a success. */
	if (lived_ms >= t->backoff_ms)
		t->backoff_ms = (uint32_t)t->conf->reconnect_min_ms;
	delay = target_backoff(t);
	t->phase = PHASE_WAITING;
	t->reconnect_at = now + delay;
	log_debug("target %s: reconnect in %s", t->name,
	    sp_duration_format(delay, dur, sizeof(dur)));
	target_timer_arm(t);
}

/* The TCP_INFO sweep, every 100 ms from sockprobed.c: see held.c. */
void
target_poll_all(struct sockprobed *sd)
{
	held_poll_all(sd);
}
