/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * One connection's kernel state by its addresses, through NETLINK_SOCK_DIAG:
 * the only way to see a TIME_WAIT or orphaned FIN_WAIT2 that has outlived
 * the descriptor, and a cheap look at a socket another process owns.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "sockprobe.h"
#include "sp-internal.h"

struct diag_reply {
	struct sp_diag_entry	*e;
	bool			 found;
};

static int	diag_request(struct nlmsghdr *, const struct sockaddr *,
		    const struct sockaddr *);
static int	diag_cb(const struct nlmsghdr *, void *);
static int	diag_roundtrip(struct mnl_socket *, struct nlmsghdr *,
		    struct diag_reply *);

/* Fill an exact-tuple request: idiag_src is our end, idiag_dst the peer. */
static int
diag_request(struct nlmsghdr *nlh, const struct sockaddr *local,
    const struct sockaddr *peer)
{
	const struct sockaddr_in	*l4, *p4;
	const struct sockaddr_in6	*l6, *p6;
	struct inet_diag_req_v2		*req;

	if (local->sa_family != peer->sa_family ||
	    (local->sa_family != AF_INET && local->sa_family != AF_INET6)) {
		errno = EINVAL;
		return -1;
	}
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = local->sa_family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0u;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (local->sa_family == AF_INET) {
		l4 = (const struct sockaddr_in *)(const void *)local;
		p4 = (const struct sockaddr_in *)(const void *)peer;
		req->id.idiag_sport = l4->sin_port;
		req->id.idiag_dport = p4->sin_port;
		memcpy(req->id.idiag_src, &l4->sin_addr, sizeof(l4->sin_addr));
		memcpy(req->id.idiag_dst, &p4->sin_addr, sizeof(p4->sin_addr));
	} else {
		l6 = (const struct sockaddr_in6 *)(const void *)local;
		p6 = (const struct sockaddr_in6 *)(const void *)peer;
		req->id.idiag_sport = l6->sin6_port;
		req->id.idiag_dport = p6->sin6_port;
		memcpy(req->id.idiag_src, &l6->sin6_addr,
		    sizeof(l6->sin6_addr));
		memcpy(req->id.idiag_dst, &p6->sin6_addr,
		    sizeof(p6->sin6_addr));
	}
	return 0;
}

/* The kernel's answer: one inet_diag_msg for the socket it found. */
static int
diag_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct diag_reply		*r = arg;
	const struct inet_diag_msg	*m;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	memset(r->e, 0, sizeof(*r->e));
	r->e->state = m->idiag_state < SP_TCP__MAX ?
	    (enum sp_tcp_state)m->idiag_state : SP_TCP_UNKNOWN;
	r->e->timer = m->idiag_timer;
	r->e->timer_ms = m->idiag_expires;
	r->e->retransmits = m->idiag_retrans;
	r->e->rqueue = m->idiag_rqueue;
	r->e->wqueue = m->idiag_wqueue;
	r->e->uid = m->idiag_uid;
	r->e->inode = m->idiag_inode;
	r->found = true;
	return MNL_CB_STOP;
}

/*
 * Send the request and read the one message a non-dump request gets
 * back: the socket, or an NLMSG_ERROR (ENOENT when there is none).
 */
static int
diag_roundtrip(struct mnl_socket *nl, struct nlmsghdr *nlh,
    struct diag_reply *r)
{
	char		buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t		n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) == -1)
		return -1;
	/* mnl_cb_run() sets errno from an NLMSG_ERROR. */
	if (mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq,
	    mnl_socket_get_portid(nl), diag_cb, r) == MNL_CB_ERROR)
		return -1;
	return 0;
}

/* Look up one TCP connection by its addresses; see sockprobe.h. */
int
sp_diag_lookup(const struct sockaddr *local, const struct sockaddr *peer,
    struct sp_diag_entry *e)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	struct diag_reply	 r = { .e = e, .found = false };
	int			 rc, saved_errno;

	if (local == NULL || peer == NULL || e == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_seq = 1;
	if (diag_request(nlh, local, peer) == -1)
		return -1;
	if ((nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC)) == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		saved_errno = errno;
		(void)mnl_socket_close(nl);
		errno = saved_errno;
		return -1;
	}
	rc = diag_roundtrip(nl, nlh, &r);
	saved_errno = errno;
	(void)mnl_socket_close(nl);
	if (rc == 0 && !r.found) {
		rc = -1;
		saved_errno = ENOENT;
	}
	errno = saved_errno;
	return rc;
}
