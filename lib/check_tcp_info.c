/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "tcp_info": judge a connection by what TCP_INFO says of it,
 * from a descriptor or from data decoded elsewhere (sock_diag).  Nothing
 * is sent and nothing is consumed, except a pending error on CLOSE.
 */

#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

static bool	ti_zero_window(const struct sp_tcp_info *);
static void	ti_established(const struct sp_tcp_info *,
		    struct sp_verdict *);

/*
 * The peer advertises no window while we have data it has not taken.
 * Zero-window probes then raise probes and backoff, so this must be
 * decided before those counters are read as keepalive or RTO trouble.
 */
static bool
ti_zero_window(const struct sp_tcp_info *ti)
{
	if (!sp_tcp_info_has(ti, SP_TI_SND_WND) || ti->snd_wnd != 0)
		return false;
	return ti->notsent_bytes > 0 || ti->unacked > 0;
}

/* ESTABLISHED: alive, or alive but suspect by its timers' counters. */
static void
ti_established(const struct sp_tcp_info *ti, struct sp_verdict *v)
{
	if (ti->retransmits > 0) {
		sp_verdict_set(v, SP_TECH_TCP_INFO, SP_CAUSE_RETRANSMITTING, 0);
		lsp_detail_set(v, "%u RTO retransmissions unanswered, "
		    "backoff %u, rto %u ms", ti->retransmits, ti->backoff,
		    ti->rto_us / 1000);
	} else if (ti_zero_window(ti)) {
		sp_verdict_set(v, SP_TECH_TCP_INFO, SP_CAUSE_ZERO_WINDOW, 0);
		lsp_detail_set(v, "the peer advertises a zero window with "
		    "%u bytes not sent and %u segments unacked",
		    ti->notsent_bytes, ti->unacked);
	} else if (ti->backoff > 0) {
		/* The RTO was backed off and has not yet been reset. */
		sp_verdict_set(v, SP_TECH_TCP_INFO, SP_CAUSE_RETRANSMITTING, 0);
		lsp_detail_set(v, "retransmission timer backed off %u "
		    "times, rto %u ms", ti->backoff, ti->rto_us / 1000);
	} else if (ti->probes > 0) {
		sp_verdict_set(v, SP_TECH_TCP_INFO,
		    SP_CAUSE_KEEPALIVE_PROBING, 0);
		lsp_detail_set(v, "%u keepalive probes unanswered",
		    ti->probes);
	} else {
		sp_verdict_set(v, SP_TECH_TCP_INFO, SP_CAUSE_NONE, 0);
		lsp_detail_set(v, "ESTABLISHED, rtt %u us, nothing "
		    "retransmitted", ti->rtt_us);
	}
}

/* Judge decoded TCP_INFO without touching a socket. */
void
sp_verdict_from_tcp_info(const struct sp_tcp_info *ti, struct sp_verdict *v)
{
	if (v == NULL)
		return;
	sp_verdict_init(v);
	v->technique = SP_TECH_TCP_INFO;
	if (ti == NULL || !sp_tcp_info_has(ti, SP_TI_STATE)) {
		lsp_detail_set(v, "TCP_INFO provided no state");
		return;
	}
	v->tcp_state = ti->state < SP_TCP__MAX ? ti->state : SP_TCP_UNKNOWN;
	switch (v->tcp_state) {
	case SP_TCP_ESTABLISHED:
		ti_established(ti, v);
		break;
	case SP_TCP_CLOSE_WAIT:
		/* CLOSE_WAIT has no timer: it lasts until we close. */
		sp_verdict_set(v, SP_TECH_TCP_INFO, SP_CAUSE_PEER_CLOSED, 0);
		lsp_detail_set(v, "state CLOSE_WAIT: the peer sent FIN");
		break;
	default:
		/* On CLOSE every other field is stale; trust only state. */
		sp_verdict_set(v, SP_TECH_TCP_INFO, SP_CAUSE_STATE, 0);
		lsp_detail_set(v, "state %s: the connection is not "
		    "established", sp_tcp_state_name(v->tcp_state));
		break;
	}
}

/* Read TCP_INFO from fd and judge it; on CLOSE, take the pending error. */
int
sp_check_tcp_info(int fd, struct sp_verdict *v, struct sp_tcp_info *ti)
{
	struct sp_tcp_info	info;
	socklen_t		len;
	int			err;

	if (v == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (sp_tcp_info_read(fd, &info) == -1)
		return -1;
	if (ti != NULL)
		memcpy(ti, &info, sizeof(*ti));
	sp_verdict_from_tcp_info(&info, v);
	if (v->tcp_state != SP_TCP_CLOSE)
		return 0;
	/*
	 * The kernel reports an error once; whoever reads it first must
	 * keep it, or a reset later looks like a clean close.
	 */
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0)
		(void)sp_classify_error(fd, SP_TECH_TCP_INFO, err, v);
	return 0;
}
