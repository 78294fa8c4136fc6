/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Verdicts: filling them, turning a return value and errno into a cause,
 * and naming the kernel mechanism behind an ETIMEDOUT.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

static void	detail_vappend(struct sp_verdict *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
static const char *errno_words(int);

/* What each cause means, in the words of the detail text. */
static const char *const cause_words[SP_CAUSE__MAX] = {
	[SP_CAUSE_NONE] =		"the peer looks alive",
	[SP_CAUSE_PEER_CLOSED] =	"the peer sent FIN",
	[SP_CAUSE_RESET] =		"the peer sent RST",
	[SP_CAUSE_BROKEN_PIPE] =	"the peer reset the connection after "
					"its FIN; nothing more can be sent",
	[SP_CAUSE_TIMED_OUT] =		"the kernel gave up on the peer",
	[SP_CAUSE_HOST_UNREACHABLE] =	"the peer's host is unreachable",
	[SP_CAUSE_NO_REPLY] =		"no reply before the receive deadline",
	[SP_CAUSE_SEND_STALLED] =	"the send did not complete before the "
					"deadline: the peer is not reading",
	[SP_CAUSE_REFUSED] =		"the peer's host answered the SYN with "
					"RST: nothing listens there",
	[SP_CAUSE_SYN_TIMEOUT] =	"no SYN-ACK: the handshake timed out",
	[SP_CAUSE_NET_UNREACHABLE] =	"no route to the peer's network",
	[SP_CAUSE_STATE] =		"the TCP state left ESTABLISHED",
	[SP_CAUSE_RETRANSMITTING] =	"unacknowledged data is being "
					"retransmitted",
	[SP_CAUSE_KEEPALIVE_PROBING] =	"keepalive probes are unanswered",
	[SP_CAUSE_ZERO_WINDOW] =	"the peer advertises a zero window",
	[SP_CAUSE_EXPECT_MISMATCH] =	"the reply did not match",
	[SP_CAUSE_LOCAL] =		"a local resource failed",
};

/* Clear a verdict. */
void
sp_verdict_init(struct sp_verdict *v)
{
	memset(v, 0, sizeof(*v));
}

/* The errno's symbol, or its number when glibc does not know it. */
static const char *
errno_words(int err)
{
	const char	*name;

	name = strerrorname_np(err);
	return name != NULL ? name : "unknown errno";
}

/* Fill technique, cause, errno and a detail built from them. */
void
sp_verdict_set(struct sp_verdict *v, enum sp_technique t, enum sp_cause c,
    int err)
{
	v->technique = t;
	v->cause = c;
	v->error = err;
	v->detail[0] = '\0';
	lsp_detail(v, "%s", (unsigned)c < SP_CAUSE__MAX ? cause_words[c] :
	    "unknown cause");
	if (err != 0)
		lsp_detail(v, " (%s)", errno_words(err));
}

static void
detail_vappend(struct sp_verdict *v, const char *fmt, va_list ap)
{
	size_t	used = strnlen(v->detail, sizeof(v->detail));

	if (used >= sizeof(v->detail) - 1)
		return;
	/* Truncation is acceptable: the detail is for people. */
	(void)vsnprintf(v->detail + used, sizeof(v->detail) - used, fmt, ap);
}

/* Append printf-style words to the detail. */
void
lsp_detail(struct sp_verdict *v, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	detail_vappend(v, fmt, ap);
	va_end(ap);
}

/* Replace the detail with printf-style words. */
void
lsp_detail_set(struct sp_verdict *v, const char *fmt, ...)
{
	va_list	ap;

	v->detail[0] = '\0';
	va_start(ap, fmt);
	detail_vappend(v, fmt, ap);
	va_end(ap);
}

/* Only the state byte of TCP_INFO: cheap, and the one field a dead
 * socket reports truthfully. */
void
lsp_fill_state(int fd, struct sp_verdict *v)
{
	uint8_t		buf[8];
	socklen_t	len = sizeof(buf);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == -1 ||
	    len < 1 || buf[0] >= SP_TCP__MAX)
		v->tcp_state = SP_TCP_UNKNOWN;
	else
		v->tcp_state = (enum sp_tcp_state)buf[0];
}

/*
 * The kernel reports one ETIMEDOUT for several mechanisms.  Measured on
 * the CLOSE socket right after it: giving up purges the write queue, so
 * tcpi_backoff and tcpi_unacked read 0, but tcpi_retransmits and
 * tcpi_probes survive and are never both non-zero.  TCP_USER_TIMEOUT,
 * when set, decided in every case (data in flight, keepalive, zero
 * window); else retransmissions mean the tcp_retries2 budget, even with
 * keepalive on; else probes mean keepalive, or zero-window probes when
 * the peer's window was shut.
 */
void
lsp_attribute_timeout(int fd, struct sp_verdict *v)
{
	struct sp_tcp_info	ti;
	uint32_t		ut = 0;
	socklen_t		len = sizeof(ut);
	int			ka = 0;
	socklen_t		kalen = sizeof(ka);

	if (v->cause != SP_CAUSE_TIMED_OUT)
		return;
	if (getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, &len) == 0 &&
	    ut > 0) {
		v->technique = SP_TECH_USER_TIMEOUT;
		lsp_detail(v, ": TCP_USER_TIMEOUT of %u ms expired", ut);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, &kalen) == -1)
		ka = 0;
	if (sp_tcp_info_read(fd, &ti) == -1)
		memset(&ti, 0, sizeof(ti));
	if (ti.retransmits > 0) {
		lsp_detail(v, ": retransmissions unanswered for the "
		    "tcp_retries2 budget");
	} else if (ti.probes > 0 && ti.snd_wnd == 0) {
		lsp_detail(v, ": zero-window probes unanswered for the "
		    "tcp_retries2 budget");
	} else if (ka != 0) {
		v->technique = SP_TECH_KEEPALIVE;
		lsp_detail(v, ": keepalive probes went unanswered");
	} else {
		lsp_detail(v, ": the kernel's retransmission budget ran out");
	}
}

/* Classify what recv() returned; see sockprobe.h. */
int
sp_classify_recv(int fd, ssize_t n, int err, struct sp_verdict *v)
{
	if (v == NULL) {
		errno = EINVAL;
		return -1;
	}
	lsp_fill_state(fd, v);
	if (n > 0) {
		sp_verdict_set(v, SP_TECH_READ, SP_CAUSE_NONE, 0);
		lsp_detail_set(v, "recv returned %zd bytes", n);
	} else if (n == 0) {
		sp_verdict_set(v, SP_TECH_READ, SP_CAUSE_PEER_CLOSED, 0);
		lsp_detail_set(v, "recv returned 0: the peer sent FIN");
	} else if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
		sp_verdict_set(v, SP_TECH_READ, SP_CAUSE_NONE, 0);
		lsp_detail_set(v, "nothing to read");
	} else {
		sp_verdict_set(v, SP_TECH_READ, sp_cause_from_errno(err, false),
		    err);
		lsp_detail_set(v, "recv failed with %s: %s", errno_words(err),
		    cause_words[v->cause]);
		lsp_attribute_timeout(fd, v);
	}
	return 0;
}

/* Classify what send() returned; see sockprobe.h. */
int
sp_classify_send(int fd, ssize_t n, int err, struct sp_verdict *v)
{
	if (v == NULL) {
		errno = EINVAL;
		return -1;
	}
	lsp_fill_state(fd, v);
	if (n >= 0) {
		sp_verdict_set(v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
		lsp_detail_set(v, "send queued %zd bytes", n);
	} else if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
		sp_verdict_set(v, SP_TECH_WRITE, SP_CAUSE_NONE, 0);
		lsp_detail_set(v, "the send buffer is full");
	} else {
		sp_verdict_set(v, SP_TECH_WRITE,
		    sp_cause_from_errno(err, false), err);
		lsp_detail_set(v, "send failed with %s: %s", errno_words(err),
		    cause_words[v->cause]);
		lsp_attribute_timeout(fd, v);
	}
	return 0;
}

/* Classify an errno seen by technique t; see sockprobe.h. */
int
sp_classify_error(int fd, enum sp_technique t, int err, struct sp_verdict *v)
{
	bool	connecting = (t == SP_TECH_CONNECT);

	if (v == NULL) {
		errno = EINVAL;
		return -1;
	}
	lsp_fill_state(fd, v);
	sp_verdict_set(v, t, sp_cause_from_errno(err, connecting), err);
	if (err != 0) {
		lsp_detail_set(v, "%s: %s", errno_words(err),
		    cause_words[v->cause]);
		if (!connecting)
			lsp_attribute_timeout(fd, v);
	}
	return 0;
}
