/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Listeners: bind each [listen], accept every peer and hand it to
 * target.c as an inbound target named LISTENER/ADDR:PORT, and forget the
 * dead ones forget_after later.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "sockprobe.h"
#include "sockprobed.h"

/* Connections accepted per readiness callback before others run. */
#define ACCEPT_BURST	64

static int	listener_addr(const char *, struct sockaddr_storage *,
		    socklen_t *, const char **);
static int	listener_bind(struct listener *);
static void	listener_accept_cb(evutil_socket_t, short, void *);
static void	listener_pause(struct listener *);
static void	listener_resume_cb(evutil_socket_t, short, void *);

/*
 * The bind address: numeric, "*" or empty for any IPv4 address, or
 * "localhost".  Names are refused: resolving one here would block.
 */
static int
listener_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **errstr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[ADDR_MAX_LEN + 1];
	uint16_t		 port;

	if (sp_hostport_split(s, host, sizeof(host), &port, errstr) == -1)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (strcmp(host, "localhost") == 0)
		(void)snprintf(host, sizeof(host), "127.0.0.1");
	else if (host[0] == '\0' || strcmp(host, "*") == 0)
		(void)snprintf(host, sizeof(host), "0.0.0.0");
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	} else {
		*errstr = "a bind address must be numeric, * or localhost";
		return -1;
	}
	return 0;
}

/* socket, SO_REUSEADDR, bind, listen(backlog); logs what failed. */
static int
listener_bind(struct listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;
	int			 on = 1;

	if (listener_addr(l->conf->bind, &ss, &len, &errstr) == -1) {
		log_warnx("listen %s: bind %s: %s", l->conf->name,
		    l->conf->bind, errstr);
		return -1;
	}
	if ((l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("listen %s: socket", l->conf->name);
		return -1;
	}
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1) {
		log_warn("listen %s: SO_REUSEADDR", l->conf->name);
		return -1;
	}
	if (bind(l->fd, (struct sockaddr *)&ss, len) == -1) {
		log_warn("listen %s: bind %s", l->conf->name, l->conf->bind);
		return -1;
	}
	if (listen(l->fd, (int)l->conf->backlog) == -1) {
		log_warn("listen %s: listen %s", l->conf->name, l->conf->bind);
		return -1;
	}
	return 0;
}

/*
 * Start accepting for tc, which the listener then owns; on failure (-1,
 * logged) the caller keeps tc.
 */
int
listener_start(struct sockprobed *sd, struct target_conf *tc)
{
	struct listener	*l;

	l = xcalloc(1, sizeof(*l));
	l->sd = sd;
	l->conf = tc;
	l->fd = -1;
	TAILQ_INIT(&l->gone);
	if (listener_bind(l) == -1)
		goto fail;
	l->ev_accept = event_new(sd->base, l->fd, EV_READ | EV_PERSIST,
	    listener_accept_cb, l);
	l->ev_resume = evtimer_new(sd->base, listener_resume_cb, l);
	if (l->ev_accept == NULL || l->ev_resume == NULL ||
	    event_add(l->ev_accept, NULL) == -1) {
		log_warnx("listen %s: accept event", tc->name);
		goto fail;
	}
	TAILQ_INSERT_TAIL(&sd->listeners, l, entry);
	log_info("listen %s: accepting on %s", tc->name, tc->bind);
	return 0;
fail:
	l->conf = NULL;			/* still the caller's */
	listener_free(l);
	return -1;
}

/*
 * Free a listener the caller took off sd->listeners, with the inbound
 * targets it accepted: they share its conf.
 */
void
listener_free(struct listener *l)
{
	struct sockprobed	*sd;
	struct target		*t, *next;

	if (l == NULL)
		return;
	sd = l->sd;
	if (l->npeers > 0) {
		TAILQ_FOREACH_SAFE(t, &sd->targets, entry, next) {
			if (t->listener != l)
				continue;
			TAILQ_REMOVE(&sd->targets, t, entry);
			target_free(t);
		}
	}
	if (l->ev_accept != NULL)
		event_free(l->ev_accept);
	if (l->ev_resume != NULL)
		event_free(l->ev_resume);
	if (l->fd != -1)
		(void)close(l->fd);
	if (l->conf != NULL)
		conf_target_release(l->conf);
	metrics_counts_free(&l->counts);
	free(l);
}

/*
 * Accept what is queued, each peer becoming an inbound target, until
 * the descriptors left are the control socket's reserve.
 */
static void
listener_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 cfd, i;

	(void)what;
	for (i = 0; i < ACCEPT_BURST; i++) {
		len = sizeof(ss);
		cfd = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd != -1) {
			if (!sockprobed_fd_fits(cfd)) {
				/* Something else took the last ones. */
				(void)close(cfd);
				errno = EMFILE;
				listener_pause(l);
				return;
			}
			(void)target_adopt(l, cfd, (struct sockaddr *)&ss,
			    len);
			/* The next one would get cfd + 1 or more. */
			if (!sockprobed_fd_fits(cfd + 1)) {
				errno = EMFILE;
				listener_pause(l);
				return;
			}
			continue;
		}
		switch (errno) {
		case EAGAIN:
		case EINTR:
			return;
		case ECONNABORTED:
		case EPROTO:
			continue;	/* that peer gave up; others wait */
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			listener_pause(l);
			return;
		default:
			log_warn("listen %s: accept", l->conf->name);
			return;
		}
	}
}

/*
 * Out of descriptors: the pending connections stay queued and the
 * socket stays readable, so stop watching it for a second rather than
 * spin.  Only the first pause of a shortage is a warning.
 */
static void
listener_pause(struct listener *l)
{
	struct timeval	tv = { 1, 0 };

	if (!l->starved)
		log_warn("listen %s: accept: pausing, retrying every 1s",
		    l->conf->name);
	l->starved = true;
	event_del(l->ev_accept);
	if (evtimer_add(l->ev_resume, &tv) == -1)
		fatalx("listen %s: evtimer_add", l->conf->name);
}

/*
 * A second after a shortage: accept again if a descriptor is free below
 * the reserve, else wait another second; a queued peer is never taken
 * only to be closed.
 */
static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;
	struct timeval	 tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (!sockprobed_fd_room(l->fd)) {
		if (evtimer_add(l->ev_resume, &tv) == -1)
			fatalx("listen %s: evtimer_add", l->conf->name);
		return;
	}
	log_info("listen %s: descriptors free again, accepting",
	    l->conf->name);
	l->starved = false;
	if (event_add(l->ev_accept, NULL) == -1)
		fatalx("listen %s: event_add", l->conf->name);
}

/*
 * Free inbound targets dead for forget_after.  Each listener keeps its
 * dead peers in the order they died, so only the expired ones are seen.
 */
void
listener_forget(struct sockprobed *sd)
{
	struct listener	*l;
	struct target	*t;
	uint64_t	 now = now_ms();

	TAILQ_FOREACH(l, &sd->listeners, entry) {
		while ((t = TAILQ_FIRST(&l->gone)) != NULL &&
		    now - t->gone_at >= l->conf->forget_after_ms) {
			TAILQ_REMOVE(&sd->targets, t, entry);
			target_free(t);
		}
	}
}
