/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The close, observed state by state: shutdown(SHUT_WR), TCP_INFO while
 * our FIN is acknowledged and the peer's FIN awaited, then sock_diag for
 * what outlives the descriptor (TIME_WAIT, an orphaned FIN_WAIT2).
 */

#include "config.h"

#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

/* How long the peer has to answer our FIN with its own. */
#define CLOSE_WAIT_MS		1000
/* How often TCP_INFO is looked at meanwhile. */
#define CLOSE_SLICE_MS		1
/*
 * For the first moments TCP_INFO is read back to back: on loopback our
 * FIN is acknowledged and the peer's FIN arrives within tens of
 * microseconds, far quicker than any poll() timeout.
 */
#define CLOSE_SPIN_US		2000

struct close_watch {
	int			 fd;
	json_t			*steps;
	int64_t			 t0;
	enum sp_tcp_state	 first;		/* before our FIN */
	enum sp_tcp_state	 last;		/* the latest step's */
	bool			 fin;		/* the peer's FIN arrived */
	int64_t			 fin_us;
	size_t			 drained;	/* bytes read meanwhile */
	int			 error;		/* of shutdown or recv */
	int			 linger2;	/* TCP_LINGER2, 0 unset */
	int			 fin_timeout;	/* what bounds FIN_WAIT2 */
	const char		*outcome;
	char			 detail[256];
};

static int64_t		 close_now_us(void);
static const char	*close_meaning(enum sp_tcp_state, enum sp_tcp_state);
static void		 close_step(struct close_watch *, enum sp_tcp_state,
			    const char *, const struct sp_diag_entry *);
static enum sp_tcp_state close_state(int);
static int		 close_drain(int, bool *, size_t *);
static void		 close_diag(struct close_watch *,
			    const struct sockaddr *, const struct sockaddr *);
static void		 close_wait_fin(struct close_watch *);
static void		 close_outcome(struct close_watch *,
			    const struct sockaddr *, const struct sockaddr *);

static int64_t
close_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * What reaching state s from state prev means during a close we
 * started.  The peer acknowledges a FIN late on purpose (delayed ACK in
 * its CLOSE_WAIT), so a peer that closes at once sends its FIN with
 * that ACK and FIN_WAIT2 never shows.
 */
static const char *
close_meaning(enum sp_tcp_state s, enum sp_tcp_state prev)
{
	if (s == SP_TCP_CLOSE && prev == SP_TCP_FIN_WAIT1)
		return "the peer's FIN came with its ACK of ours: no "
		    "FIN_WAIT2, straight to TIME_WAIT";
	if (s == SP_TCP_CLOSE && (prev == SP_TCP_LAST_ACK ||
	    prev == SP_TCP_CLOSE_WAIT))
		return "the peer acknowledged our FIN: the connection is gone";
	if (s == SP_TCP_CLOSE && prev == SP_TCP_UNKNOWN)
		return "the connection was over before our close";
	switch (s) {
	case SP_TCP_ESTABLISHED:
		return "before our FIN";
	case SP_TCP_CLOSE_WAIT:
		return "the peer's FIN had arrived before ours";
	case SP_TCP_FIN_WAIT1:
		return "our FIN is out, not yet acknowledged";
	case SP_TCP_FIN_WAIT2:
		return "the peer acknowledged our FIN; waiting for its own";
	case SP_TCP_LAST_ACK:
		return "our FIN answers the peer's; waiting for its ACK";
	case SP_TCP_CLOSING:
		return "both FINs crossed";
	case SP_TCP_TIME_WAIT:
		return "both sides closed; the 4-tuple is kept against "
		    "stray segments";
	case SP_TCP_CLOSE:
		return "the peer's FIN arrived: the socket let go, the "
		    "4-tuple lives on in TIME_WAIT";
	default:
		return "";
	}
}

/* Append one observed state, with the sock_diag timer if there is one. */
static void
close_step(struct close_watch *w, enum sp_tcp_state s, const char *source,
    const struct sp_diag_entry *e)
{
	json_t	*step;

	step = xjson(json_pack("{s:s, s:I, s:s, s:s}",
	    "state", sp_tcp_state_name(s),
	    "at_us", (json_int_t)(close_now_us() - w->t0),
	    "source", source, "meaning", close_meaning(s, w->last)));
	if (e != NULL) {
		json_object_set_new(step, "timer_ms",
		    xjson(json_integer(e->timer_ms)));
		json_object_set_new(step, "orphan",
		    xjson(json_boolean(e->inode == 0)));
	}
	json_array_append_new(w->steps, step);
	w->last = s;
}

/* The fd's state from TCP_INFO; UNKNOWN if it cannot be read. */
static enum sp_tcp_state
close_state(int fd)
{
	struct sp_tcp_info	ti;

	if (sp_tcp_info_read(fd, &ti) == -1)
		return SP_TCP_UNKNOWN;
	return (enum sp_tcp_state)ti.state;
}

/*
 * Read and discard what the peer still sends, so that close() finds an
 * empty receive queue (unread data would turn our close into an RST).
 * Sets *fin at EOF; returns 0, or the errno of a failed recv.
 */
static int
close_drain(int fd, bool *fin, size_t *drained)
{
	char	buf[4096];
	ssize_t	n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			*drained += (size_t)n;
			continue;
		}
		if (n == 0) {
			*fin = true;
			return 0;
		}
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return errno;
	}
}

/* What sock_diag says of the 4-tuple once the descriptor let go. */
static void
close_diag(struct close_watch *w, const struct sockaddr *local,
    const struct sockaddr *peer)
{
	struct sp_diag_entry	e;

	if (sp_diag_lookup(local, peer, &e) == 0)
		close_step(w, e.state, "sock_diag", &e);
}

/*
 * After our FIN: record every state TCP_INFO shows until the peer's FIN
 * arrives, an error does, or CLOSE_WAIT_MS pass.
 */
static void
close_wait_fin(struct close_watch *w)
{
	struct pollfd		pfd = { .fd = w->fd,
				    .events = POLLIN | POLLRDHUP };
	enum sp_tcp_state	s;
	int			timeout;

	while (w->error == 0) {
		if ((s = close_state(w->fd)) != w->last)
			close_step(w, s, "tcp_info", NULL);
		if (w->fin || close_now_us() - w->t0 >= CLOSE_WAIT_MS * 1000)
			break;
		timeout = close_now_us() - w->t0 < CLOSE_SPIN_US ? 0 :
		    CLOSE_SLICE_MS;
		if (poll(&pfd, 1, timeout) <= 0)
			continue;
		w->error = close_drain(w->fd, &w->fin, &w->drained);
		if (w->error == 0 && w->fin)
			w->fin_us = close_now_us() - w->t0;
	}
}

/*
 * Name the outcome and say it in words; for a clean close or a peer
 * that never closed, look up what outlives the descriptor.  Closes the
 * descriptor where the kernel's view after close() is wanted.
 */
static void
close_outcome(struct close_watch *w, const struct sockaddr *local,
    const struct sockaddr *peer)
{
	if (w->error != 0) {
		w->outcome = w->error == ECONNRESET ? "reset" : "error";
		snprintf(w->detail, sizeof(w->detail), "the close failed: %s "
		    "(%s)", strerror(w->error), proto_errno_name(w->error));
	} else if (w->first == SP_TCP_CLOSE_WAIT) {
		w->outcome = "peer_closed_first";
		snprintf(w->detail, sizeof(w->detail), "the peer closed first: "
		    "our FIN answered its FIN, and the TIME_WAIT is on its "
		    "side");
	} else if (w->fin) {
		w->outcome = "time_wait";
		close_diag(w, local, peer);
		snprintf(w->detail, sizeof(w->detail), "a clean close: the "
		    "peer answered our FIN with its own%s",
		    w->last == SP_TCP_TIME_WAIT ? "; we keep TIME_WAIT" : "");
	} else {
		w->outcome = "peer_did_not_close";
		if (w->last == SP_TCP_FIN_WAIT1)
			snprintf(w->detail, sizeof(w->detail), "the peer did "
			    "not even acknowledge our FIN: FIN_WAIT1, retried "
			    "per tcp_orphan_retries once closed");
		else
			snprintf(w->detail, sizeof(w->detail), "the peer did "
			    "not close: %s until %s (%d s)",
			    sp_tcp_state_name(w->last), w->linger2 > 0 ?
			    "TCP_LINGER2" : "tcp_fin_timeout", w->fin_timeout);
		/* The orphan that close() leaves behind, with its timer. */
		close(w->fd);
		w->fd = -1;
		close_diag(w, local, peer);
	}
}

/*
 * Close fd with a FIN and watch what follows, at most CLOSE_WAIT_MS for
 * the peer's FIN.  The descriptor is closed in every case.  Returns
 * {"steps", "peer_fin", "peer_fin_us", "drained_bytes", "fin_timeout_s",
 * "outcome", "detail"}.
 */
json_t *
probe_close(int fd, const struct sockaddr *local, const struct sockaddr *peer,
    const struct sp_kernel *k)
{
	struct close_watch	w = { .fd = fd, .fin_us = -1,
				    .last = SP_TCP_UNKNOWN };

	w.steps = xjson(json_array());
	w.t0 = close_now_us();
	w.first = close_state(fd);
	close_step(&w, w.first, "tcp_info", NULL);
	(void)sp_get_linger2(fd, &w.linger2);
	/* Unset, TCP_LINGER2 reads back as tcp_fin_timeout. */
	if (w.linger2 == k->fin_timeout_s)
		w.linger2 = 0;
	w.fin_timeout = w.linger2 > 0 ? w.linger2 : k->fin_timeout_s;
	if (w.first == SP_TCP_CLOSE) {
		w.outcome = "already_closed";
		snprintf(w.detail, sizeof(w.detail), "the connection was "
		    "already gone: nothing to close");
	} else {
		if (shutdown(fd, SHUT_WR) == -1)
			w.error = errno;
		close_wait_fin(&w);
		close_outcome(&w, local, peer);
	}
	if (w.fd != -1)
		close(w.fd);
	return xjson(json_pack("{s:o, s:b, s:o, s:I, s:i, s:s, s:s}",
	    "steps", w.steps, "peer_fin", w.fin,
	    "peer_fin_us", w.fin_us >= 0 ? json_integer(w.fin_us) :
	    json_null(), "drained_bytes", (json_int_t)w.drained,
	    "fin_timeout_s", w.fin_timeout, "outcome", w.outcome,
	    "detail", w.detail));
}
