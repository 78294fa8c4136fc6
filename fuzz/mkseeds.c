/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-mkseeds DIR: the binary seeds of the tcpinfo and diag fuzz targets,
 * taken from this kernel rather than made up: TCP_INFO of a loopback
 * connection while ESTABLISHED and in CLOSE_WAIT (whole, and cut to the
 * 104 bytes of the oldest layout), and the sock_diag messages that
 * describe it (the exact lookup's reply, a dump message with TCP_INFO,
 * a listener's, a datagram of several ending in NLMSG_DONE) for IPv4
 * and IPv6.  Writes DIR/tcpinfo/ and DIR/diag/; `make fuzz-seeds`.
 */

#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#define DUMP_BUF	(16 * 1024 * 1024)

struct pair {
	int			 family;
	int			 lfd, cfd, sfd;	/* listener, client, server */
	struct sockaddr_storage	 laddr, caddr;
};

static void	save(const char *, const char *, const void *, size_t);
static void	pair_open(struct pair *, int);
static void	tcpinfo_seeds(const char *, const struct pair *, const char *);
static size_t	diag_query(const struct pair *, bool, uint32_t, uint8_t *,
		    size_t);
static void	diag_seeds(const char *, const struct pair *, const char *);
static bool	msg_is(const struct nlmsghdr *, const struct sockaddr_storage *,
		    uint8_t);

static void
save(const char *dir, const char *name, const void *buf, size_t len)
{
	char	 path[4096];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		err(1, "%s", path);
	printf("%s: %zu bytes\n", path, len);
}

/* A listener, a client connected to it and the accepted end. */
static void
pair_open(struct pair *p, int family)
{
	socklen_t	len = sizeof(p->laddr);

	memset(p, 0, sizeof(*p));
	p->family = family;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->laddr;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->laddr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
	}
	if ((p->lfd = socket(family, SOCK_STREAM, 0)) == -1 ||
	    bind(p->lfd, (struct sockaddr *)&p->laddr, family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == -1 ||
	    listen(p->lfd, 4) == -1 ||
	    getsockname(p->lfd, (struct sockaddr *)&p->laddr, &len) == -1)
		err(1, "listener");
	if ((p->cfd = socket(family, SOCK_STREAM, 0)) == -1 ||
	    connect(p->cfd, (struct sockaddr *)&p->laddr, len) == -1 ||
	    (p->sfd = accept(p->lfd, NULL, NULL)) == -1)
		err(1, "connect");
	len = sizeof(p->caddr);
	if (getsockname(p->cfd, (struct sockaddr *)&p->caddr, &len) == -1)
		err(1, "getsockname");
	/* Some traffic, so the counters are not all zero. */
	if (write(p->cfd, "ping\n", 5) != 5 || write(p->sfd, "pong\n", 5) != 5)
		err(1, "write");
	usleep(20000);
}

/* The client's TCP_INFO, whole and cut to the oldest layout. */
static void
tcpinfo_seeds(const char *dir, const struct pair *p, const char *what)
{
	uint8_t		buf[512];
	socklen_t	len = sizeof(buf);
	char		name[64];

	if (getsockopt(p->cfd, IPPROTO_TCP, TCP_INFO, buf, &len) == -1)
		err(1, "TCP_INFO");
	(void)snprintf(name, sizeof(name), "%s-%s", p->family == AF_INET ?
	    "v4" : "v6", what);
	save(dir, name, buf, len);
	(void)snprintf(name, sizeof(name), "%s-%s-104", p->family == AF_INET ?
	    "v4" : "v6", what);
	save(dir, name, buf, len < 104 ? len : 104);
}

/*
 * One sock_diag exchange, TCP_INFO asked for when info: a dump of the
 * listeners (states), or with states 0 the exact lookup of the client's
 * socket (a dump of ESTABLISHED would list every connection of a busy
 * host).  Every datagram back, one after the other in buf.
 */
static size_t
diag_query(const struct pair *p, bool info, uint32_t states, uint8_t *buf,
    size_t len)
{
	struct mnl_socket	*nl;
	struct nlmsghdr		*nlh;
	struct inet_diag_req_v2	*req;
	ssize_t			 n;
	size_t			 used = 0;
	int			 left;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | (states != 0 ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = 1;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)p->family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = states != 0 ? states : ~0U;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (info)
		req->idiag_ext = 1U << (INET_DIAG_INFO - 1);
	if (states == 0 && p->family == AF_INET) {
		const struct sockaddr_in *c = (const void *)&p->caddr;
		const struct sockaddr_in *l = (const void *)&p->laddr;

		req->id.idiag_sport = c->sin_port;
		req->id.idiag_dport = l->sin_port;
		memcpy(req->id.idiag_src, &c->sin_addr, 4);
		memcpy(req->id.idiag_dst, &l->sin_addr, 4);
	} else if (states == 0) {
		const struct sockaddr_in6 *c = (const void *)&p->caddr;
		const struct sockaddr_in6 *l = (const void *)&p->laddr;

		req->id.idiag_sport = c->sin6_port;
		req->id.idiag_dport = l->sin6_port;
		memcpy(req->id.idiag_src, &c->sin6_addr, 16);
		memcpy(req->id.idiag_dst, &l->sin6_addr, 16);
	}
	if ((nl = mnl_socket_open(NETLINK_SOCK_DIAG)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		err(1, "sock_diag");
	/* A lookup gets one datagram; a dump, datagrams until NLMSG_DONE. */
	for (;;) {
		if (len - used < 65536)
			errx(1, "sock_diag: more sockets than fit");
		if ((n = mnl_socket_recvfrom(nl, buf + used, 65536)) <= 0)
			err(1, "sock_diag");
		nlh = (struct nlmsghdr *)(buf + used);
		used += (size_t)n;
		if (states == 0)
			break;
		left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh,
		    &left))
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR)
				goto done;
	}
done:
	mnl_socket_close(nl);
	return used;
}

/* Whether a dump message is the socket bound to ss in state. */
static bool
msg_is(const struct nlmsghdr *nlh, const struct sockaddr_storage *ss,
    uint8_t state)
{
	const struct inet_diag_msg	*m = mnl_nlmsg_get_payload(nlh);
	uint16_t			 port;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || m->idiag_state != state)
		return false;
	port = ss->ss_family == AF_INET ?
	    ((const struct sockaddr_in *)ss)->sin_port :
	    ((const struct sockaddr_in6 *)ss)->sin6_port;
	return m->id.idiag_sport == port;
}

/* The messages about our pair, as this kernel writes them. */
static void
diag_seeds(const char *dir, const struct pair *p, const char *fam)
{
	uint8_t			*buf = malloc(DUMP_BUF), *many;
	const struct nlmsghdr	*nlh;
	struct nlmsghdr		 done;
	size_t			 n, nmany = 0;
	int			 left;
	char			 name[64];

	if (buf == NULL || (many = malloc(DUMP_BUF)) == NULL)
		err(1, "malloc");
	/* The client's socket: the lookup's reply, with and without info. */
	n = diag_query(p, false, 0, buf, DUMP_BUF);
	nlh = (struct nlmsghdr *)buf;
	if (!mnl_nlmsg_ok(nlh, (int)n) ||
	    !msg_is(nlh, &p->caddr, TCP_ESTABLISHED))
		errx(1, "sock_diag: no reply for our connection");
	(void)snprintf(name, sizeof(name), "%s-established", fam);
	save(dir, name, nlh, nlh->nlmsg_len);
	n = diag_query(p, true, 0, buf, DUMP_BUF);
	if (!mnl_nlmsg_ok(nlh, (int)n) ||
	    !msg_is(nlh, &p->caddr, TCP_ESTABLISHED))
		errx(1, "sock_diag: no reply for our connection");
	(void)snprintf(name, sizeof(name), "%s-established-info", fam);
	save(dir, name, nlh, nlh->nlmsg_len);
	memcpy(many, nlh, NLMSG_ALIGN(nlh->nlmsg_len));
	nmany = NLMSG_ALIGN(nlh->nlmsg_len);
	/* Our listener, from a dump of every listener. */
	n = diag_query(p, true, 1U << TCP_LISTEN, buf, DUMP_BUF);
	left = (int)n;
	for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
	    nlh = mnl_nlmsg_next(nlh, &left)) {
		if (!msg_is(nlh, &p->laddr, TCP_LISTEN))
			continue;
		(void)snprintf(name, sizeof(name), "%s-listen-info", fam);
		save(dir, name, nlh, nlh->nlmsg_len);
		memcpy(many + nmany, nlh, NLMSG_ALIGN(nlh->nlmsg_len));
		nmany += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	/* The two, then the end of the dump, as one datagram. */
	memset(&done, 0, sizeof(done));
	done.nlmsg_len = NLMSG_HDRLEN + sizeof(int);
	done.nlmsg_type = NLMSG_DONE;
	memcpy(many + nmany, &done, sizeof(done));
	memset(many + nmany + sizeof(done), 0, sizeof(int));
	nmany += done.nlmsg_len;
	(void)snprintf(name, sizeof(name), "%s-datagram", fam);
	save(dir, name, many, nmany);
	free(buf);
	free(many);
}

int
main(int argc, char *argv[])
{
	struct pair	p;
	char		tdir[4096], ddir[4096];
	int		i, family;

	if (argc != 2) {
		fprintf(stderr, "usage: sp-mkseeds DIR\n");
		return 2;
	}
	(void)snprintf(tdir, sizeof(tdir), "%s/tcpinfo", argv[1]);
	(void)snprintf(ddir, sizeof(ddir), "%s/diag", argv[1]);
	for (i = 0; i < 2; i++) {
		family = i == 0 ? AF_INET : AF_INET6;
		pair_open(&p, family);
		tcpinfo_seeds(tdir, &p, "established");
		diag_seeds(ddir, &p, i == 0 ? "v4" : "v6");
		/* The server closes: the client is in CLOSE_WAIT. */
		close(p.sfd);
		usleep(20000);
		tcpinfo_seeds(tdir, &p, "close-wait");
		close(p.cfd);
		close(p.lfd);
	}
	return 0;
}
