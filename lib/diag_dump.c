/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Every TCP socket of the host through one NETLINK_SOCK_DIAG dump per
 * family, each message decoded by a pure function that trusts none of
 * its bytes, so that the decoder can be fuzzed on its own.
 */

#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "sockprobe.h"
#include "sp-internal.h"

/*
 * The kernel sizes each dump datagram to the largest read the socket
 * has seen, up to 32 KiB; a buffer that large takes a whole datagram
 * per recvmsg and so the fewest system calls.
 */
#define DUMP_BUFSIZE	(32 * 1024)

struct dump_ctx {
	sp_diag_cb		 cb;
	void			*arg;
	bool			 info;
	int			 cb_errno;	/* set when cb stopped us */
	bool			 cb_stopped;
	bool			 bad;		/* a message did not decode */
	struct sp_tcp_info	 ti;
};

static void	decode_addr(struct sockaddr_storage *, int, const uint32_t *,
		    uint16_t);
static int	decode_attrs(const uint8_t *, size_t, struct sp_diag_sock *,
		    struct sp_tcp_info *);
static int	dump_cb(const struct nlmsghdr *, void *);
static int	dump_family(struct mnl_socket *, uint8_t *, int, uint32_t,
		    struct dump_ctx *);

/* An address of inet_diag_sockid (network order) as a sockaddr. */
static void
decode_addr(struct sockaddr_storage *ss, int family, const uint32_t *addr,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	if (family == AF_INET) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
	} else {
		memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
	}
}

/*
 * Walk the attributes after the inet_diag_msg.  By hand rather than with
 * mnl_attr_ok(): the bytes may come unaligned from a fuzzer, so every
 * header is copied out before it is read.
 */
static int
decode_attrs(const uint8_t *p, size_t len, struct sp_diag_sock *s,
    struct sp_tcp_info *ti)
{
	struct nlattr	a;
	size_t		step;

	while (len >= sizeof(a)) {
		memcpy(&a, p, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > len)
			return -1;
		if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO &&
		    ti != NULL) {
			(void)sp_tcp_info_decode(p + NLA_HDRLEN,
			    a.nla_len - NLA_HDRLEN, ti);
			s->info = ti;
		}
		step = NLA_ALIGN(a.nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* Decode one dump message; see sockprobe.h. */
int
sp_diag_decode(const void *msg, size_t len, struct sp_diag_sock *s,
    struct sp_tcp_info *ti)
{
	const uint8_t		*p = msg;
	struct nlmsghdr		 h;
	struct inet_diag_msg	 m;
	size_t			 off;

	if (msg == NULL || s == NULL || len < NLMSG_HDRLEN)
		goto bad;
	memcpy(&h, p, sizeof(h));
	if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY || h.nlmsg_len > len ||
	    h.nlmsg_len < NLMSG_HDRLEN + sizeof(m))
		goto bad;
	memcpy(&m, p + NLMSG_HDRLEN, sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		goto bad;
	decode_addr(&s->local, m.idiag_family, m.id.idiag_src,
	    m.id.idiag_sport);
	decode_addr(&s->peer, m.idiag_family, m.id.idiag_dst,
	    m.id.idiag_dport);
	s->state = m.idiag_state < SP_TCP__MAX ?
	    (enum sp_tcp_state)m.idiag_state : SP_TCP_UNKNOWN;
	s->timer = m.idiag_timer;
	s->retransmits = m.idiag_retrans;
	s->timer_ms = m.idiag_expires;
	s->rqueue = m.idiag_rqueue;
	s->wqueue = m.idiag_wqueue;
	s->uid = m.idiag_uid;
	s->inode = m.idiag_inode;
	s->cookie = (uint64_t)m.id.idiag_cookie[1] << 32 |
	    m.id.idiag_cookie[0];
	s->info = NULL;
	memset(s->reserved, 0, sizeof(s->reserved));
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m));
	if (off < h.nlmsg_len &&
	    decode_attrs(p + off, h.nlmsg_len - off, s, ti) == -1)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* mnl_cb_run()'s callback: one socket of the dump, to the caller's cb. */
static int
dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx		*d = data;
	struct sp_diag_sock	 s;

	if (sp_diag_decode(nlh, nlh->nlmsg_len, &s, d->info ? &d->ti :
	    NULL) == -1) {
		d->bad = true;
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	errno = 0;
	if (d->cb(&s, d->arg) != 0) {
		d->cb_stopped = true;
		d->cb_errno = errno != 0 ? errno : ECANCELED;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* One family's dump: the request, then datagrams until NLMSG_DONE. */
static int
dump_family(struct mnl_socket *nl, uint8_t *buf, int family,
    uint32_t states, struct dump_ctx *d)
{
	struct nlmsghdr		*nlh;
	struct inet_diag_req_v2	*req;
	unsigned		 portid = mnl_socket_get_portid(nl);
	uint32_t		 seq = (uint32_t)family;
	ssize_t			 n;
	int			 rc;

	memset(buf, 0, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*req)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = states;
	if (d->info)
		req->idiag_ext = 1U << (INET_DIAG_INFO - 1);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	do {
		if ((n = mnl_socket_recvfrom(nl, buf, DUMP_BUFSIZE)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* MNL_CB_STOP at NLMSG_DONE; an NLMSG_ERROR sets errno. */
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, dump_cb, d);
	} while (rc == MNL_CB_OK);
	return rc == MNL_CB_ERROR ? -1 : 0;
}

/* Dump every TCP socket of one or both families; see sockprobe.h. */
int
sp_diag_dump(int family, uint32_t states, int flags, sp_diag_cb cb,
    void *arg)
{
	static const int	 both[] = { AF_INET, AF_INET6 };
	struct mnl_socket	*nl;
	struct dump_ctx		*d;
	uint8_t			*buf;
	size_t			 i;
	int			 rc = 0, saved_errno = 0;

	if (cb == NULL || (flags & ~SP_DIAG_INFO) != 0 ||
	    (family != AF_INET && family != AF_INET6 &&
	    family != AF_UNSPEC)) {
		errno = EINVAL;
		return -1;
	}
	/* The context holds a struct sp_tcp_info: no large stack frames. */
	buf = malloc(DUMP_BUFSIZE);
	d = calloc(1, sizeof(*d));
	if (buf == NULL || d == NULL) {
		free(buf);
		free(d);
		errno = ENOMEM;
		return -1;
	}
	d->cb = cb;
	d->arg = arg;
	d->info = (flags & SP_DIAG_INFO) != 0;
	if ((nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC)) ==
	    NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		rc = -1;
		saved_errno = errno;
		goto done;
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		if (family != AF_UNSPEC && family != both[i])
			continue;
		if ((rc = dump_family(nl, buf, both[i], states, d)) == -1)
			saved_errno = d->cb_stopped ? d->cb_errno :
			    d->bad ? EPROTO : errno;
	}
done:
	if (nl != NULL)
		(void)mnl_socket_close(nl);
	free(buf);
	free(d);
	if (rc == -1)
		errno = saved_errno;
	return rc;
}
