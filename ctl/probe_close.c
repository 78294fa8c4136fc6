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
	json_t			*steps;
	int64_t			 t0;
	enum sp_tcp_state	 last;
};

static int64_t		 close_now_us(void);
static const char	*close_meaning(enum sp_tcp_state, enum sp_tcp_state);
static void		 close_step(struct close_watch *, enum sp_tcp_state,
			    const char *, const struct sp_diag_entry *);
static enum sp_tcp_state close_state(int);
static int		 close_drain(int, bool *, size_t *);
static void		 close_diag(struct close_watch *,
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
 * Close fd with a FIN and watch what follows, at most CLOSE_WAIT_MS for
 * the peer's FIN.  The descriptor is closed in every case.  Returns
 * {"steps", "peer_fin", "peer_fin_us", "drained_bytes", "outcome",
 * "detail"}.
 */
json_t *
probe_close(int fd, const struct sockaddr *local, const struct sockaddr *peer,
    const struct sp_kernel *k)
{
	struct close_watch	 w;
	struct pollfd		 pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	enum sp_tcp_state	 first, s;
	const char		*outcome;
	char			 detail[256];
	size_t			 drained = 0;
	int64_t			 fin_us = -1;
	bool			 fin = false;
	int			 error = 0, linger2 = 0, fin_timeout;

	w.steps = xjson(json_array());
	w.t0 = close_now_us();
	w.last = SP_TCP_UNKNOWN;
	first = close_state(fd);
	close_step(&w, first, "tcp_info", NULL);
	(void)sp_get_linger2(fd, &linger2);
	/* Unset, TCP_LINGER2 reads back as tcp_fin_timeout. */
	if (linger2 == k->fin_timeout_s)
		linger2 = 0;
	fin_timeout = linger2 > 0 ? linger2 : k->fin_timeout_s;
	if (first == SP_TCP_CLOSE) {
		outcome = "already_closed";
		snprintf(detail, sizeof(detail), "the connection was already "
		    "gone: nothing to close");
		goto done;
	}
	if (shutdown(fd, SHUT_WR) == -1)
		error = errno;
	while (error == 0) {
		if ((s = close_state(fd)) != w.last)
			close_step(&w, s, "tcp_info", NULL);
		if (fin || close_now_us() - w.t0 >= CLOSE_WAIT_MS * 1000)
			break;
		if (poll(&pfd, 1, close_now_us() - w.t0 < CLOSE_SPIN_US ? 0 :
		    CLOSE_SLICE_MS) > 0 &&
		    (error = close_drain(fd, &fin, &drained)) == 0 && fin)
			fin_us = close_now_us() - w.t0;
	}
	if (error != 0) {
		outcome = error == ECONNRESET ? "reset" : "error";
		snprintf(detail, sizeof(detail), "the close failed: %s (%s)",
		    strerror(error), proto_errno_name(error));
	} else if (first == SP_TCP_CLOSE_WAIT) {
		outcome = "peer_closed_first";
		snprintf(detail, sizeof(detail), "the peer closed first: our "
		    "FIN answered its FIN, and the TIME_WAIT is on its side");
	} else if (fin) {
		outcome = "time_wait";
		close_diag(&w, local, peer);
		snprintf(detail, sizeof(detail), "a clean close: the peer "
		    "answered our FIN with its own%s",
		    w.last == SP_TCP_TIME_WAIT ? "; we keep TIME_WAIT" : "");
	} else {
		outcome = "peer_did_not_close";
		snprintf(detail, sizeof(detail), "the peer did not close: "
		    "%s until %s (%d s)", sp_tcp_state_name(w.last),
		    linger2 > 0 ? "TCP_LINGER2" : "tcp_fin_timeout",
		    fin_timeout);
		/* The orphan that close() leaves behind, with its timer. */
		close(fd);
		fd = -1;
		close_diag(&w, local, peer);
	}
done:
	if (fd != -1)
		close(fd);
	return xjson(json_pack("{s:o, s:b, s:o, s:I, s:i, s:s, s:s}",
	    "steps", w.steps, "peer_fin", fin,
	    "peer_fin_us", fin_us >= 0 ? json_integer(fin_us) : json_null(),
	    "drained_bytes", (json_int_t)drained,
	    "fin_timeout_s", fin_timeout, "outcome", outcome,
	    "detail", detail));
}
