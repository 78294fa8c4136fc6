/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp_diag_dump() over real loopback sockets, IPv4 and IPv6: addresses,
 * states, inodes, listener queues, TCP_INFO, the states mask, stopping
 * from the callback; and sp_diag_decode() on crafted and mutated bytes,
 * which must never crash and must refuse whatever is not one message.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sockprobe.h"
#include "testlib.h"

#define MAX_SEEN	8

/* What the callback found of the sockets it was asked to look for. */
struct look {
	int			 family;
	uint16_t		 ports[MAX_SEEN];	/* local ports wanted */
	int			 peers[MAX_SEEN];	/* their peer port, or
							 * -1 for any */
	struct sp_diag_sock	 seen[MAX_SEEN];
	struct sp_tcp_info	 ti[MAX_SEEN];
	bool			 found[MAX_SEEN];
	bool			 has_info[MAX_SEEN];
	size_t			 n;
	size_t			 total;
	uint32_t		 states_seen;		/* SP_DIAG_STATE bits */
	int			 stop_after;		/* 0: never */
	int			 stop_errno;
};

static uint16_t	local_port(const struct sp_diag_sock *);
static uint16_t	peer_port(const struct sp_diag_sock *);
static int	look_cb(const struct sp_diag_sock *, void *);
static uint16_t	fd_port(int, bool);
static int	listen6(uint16_t *);
static int	connect6(uint16_t);
static size_t	craft(uint8_t *, size_t, bool);

static uint16_t
local_port(const struct sp_diag_sock *s)
{
	return ntohs(((const struct sockaddr_in *)&s->local)->sin_port);
}

static uint16_t
peer_port(const struct sp_diag_sock *s)
{
	return ntohs(((const struct sockaddr_in *)&s->peer)->sin_port);
}

/* Remember the sockets whose local (and peer) port is wanted. */
static int
look_cb(const struct sp_diag_sock *s, void *arg)
{
	struct look	*l = arg;
	size_t		 i;

	assert_true(s->local.ss_family == AF_INET ||
	    s->local.ss_family == AF_INET6);
	assert_int_equal(s->local.ss_family, s->peer.ss_family);
	if (l->family != AF_UNSPEC)
		assert_int_equal(s->local.ss_family, l->family);
	assert_true(s->state > SP_TCP_UNKNOWN && s->state < SP_TCP__MAX);
	l->total++;
	l->states_seen |= SP_DIAG_STATE(s->state);
	for (i = 0; i < l->n; i++) {
		if (l->ports[i] != local_port(s) || l->found[i] ||
		    (l->peers[i] != -1 && l->peers[i] != peer_port(s)))
			continue;
		l->found[i] = true;
		l->seen[i] = *s;
		l->has_info[i] = s->info != NULL;
		if (s->info != NULL)
			l->ti[i] = *s->info;
		break;
	}
	if (l->stop_after > 0 && (int)l->total >= l->stop_after) {
		errno = l->stop_errno;
		return -1;
	}
	return 0;
}

/* The local (or peer) port of a socket. */
static uint16_t
fd_port(int fd, bool peer)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
	    getsockname(fd, (struct sockaddr *)&ss, &len)) == -1)
		tl_die("getsockname");
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A listener on [::1] with backlog 1. */
static int
listen6(uint16_t *port)
{
	struct sockaddr_in6	sin6 = { .sin6_family = AF_INET6 };
	int			fd;

	sin6.sin6_addr = in6addr_loopback;
	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1 ||
	    listen(fd, 1) == -1)
		tl_die("listen on [::1] (IPv6 loopback is required)");
	*port = fd_port(fd, false);
	return fd;
}

static int
connect6(uint16_t port)
{
	struct sockaddr_in6	sin6 = { .sin6_family = AF_INET6 };
	int			fd;

	sin6.sin6_addr = in6addr_loopback;
	sin6.sin6_port = htons(port);
	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1)
		tl_die("connect to [::1]");
	return fd;
}

/*
 * IPv4: an established pair (both ends, with TCP_INFO and the client's
 * inode), and a listener with backlog 3 and two connections it has not
 * accepted: rqueue 2, wqueue 3.
 */
static void
test_dump_ipv4(void **state)
{
	struct look	 l = { .family = AF_INET };
	struct stat	 st;
	uint16_t	 lport;
	int		 c, s, lfd, q1, q2;

	(void)state;
	tl_pair(&c, &s);
	lfd = tl_listen_lo(&lport);
	assert_int_equal(listen(lfd, 3), 0);
	q1 = tl_connect_lo(lport);
	q2 = tl_connect_lo(lport);
	l.ports[0] = fd_port(c, false);
	l.peers[0] = fd_port(c, true);
	l.ports[1] = fd_port(s, false);
	l.peers[1] = fd_port(s, true);
	l.ports[2] = lport;
	l.peers[2] = 0;
	l.n = 3;
	assert_int_equal(sp_diag_dump(AF_INET, SP_DIAG_STATE(SP_TCP_LISTEN) |
	    SP_DIAG_STATE(SP_TCP_ESTABLISHED), SP_DIAG_INFO, look_cb, &l), 0);
	assert_true(l.found[0] && l.found[1] && l.found[2]);
	assert_int_equal(l.seen[0].state, SP_TCP_ESTABLISHED);
	assert_int_equal(peer_port(&l.seen[0]), fd_port(c, true));
	assert_int_equal(fstat(c, &st), 0);
	assert_int_equal(l.seen[0].inode, st.st_ino);
	assert_int_equal(l.seen[0].uid, geteuid());
	assert_true(l.seen[0].cookie != 0);
	assert_true(l.seen[0].cookie != l.seen[1].cookie);
	assert_true(l.has_info[0]);
	assert_int_equal(l.ti[0].state, SP_TCP_ESTABLISHED);
	assert_true(sp_tcp_info_has(&l.ti[0], SP_TI_RTT_US));
	assert_int_equal(((struct sockaddr_in *)&l.seen[0].local)->
	    sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	/* The listener: the accept queue and the backlog. */
	assert_int_equal(l.seen[2].state, SP_TCP_LISTEN);
	assert_int_equal(l.seen[2].rqueue, 2);
	assert_int_equal(l.seen[2].wqueue, 3);
	assert_int_equal(peer_port(&l.seen[2]), 0);
	assert_int_equal(l.states_seen & ~(SP_DIAG_STATE(SP_TCP_LISTEN) |
	    SP_DIAG_STATE(SP_TCP_ESTABLISHED)), 0);
	close(q1);
	close(q2);
	close(lfd);
	close(c);
	close(s);
}

/*
 * IPv6: the pair over [::1], in the AF_INET6 and AF_UNSPEC dumps and not
 * in the AF_INET one; without SP_DIAG_INFO no TCP_INFO comes.
 */
static void
test_dump_ipv6(void **state)
{
	struct look		l = { .family = AF_INET6 };
	struct stat		st;
	const struct sockaddr_in6 *a;
	uint16_t		port;
	int			lfd, c, s;

	(void)state;
	lfd = listen6(&port);
	c = connect6(port);
	assert_true((s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0);
	l.ports[0] = fd_port(c, false);
	l.peers[0] = port;
	l.n = 1;
	assert_int_equal(sp_diag_dump(AF_INET6, SP_DIAG_ALL, SP_DIAG_INFO,
	    look_cb, &l), 0);
	assert_true(l.found[0]);
	a = (const struct sockaddr_in6 *)&l.seen[0].peer;
	assert_int_equal(a->sin6_family, AF_INET6);
	assert_memory_equal(&a->sin6_addr, &in6addr_loopback,
	    sizeof(in6addr_loopback));
	assert_int_equal(ntohs(a->sin6_port), port);
	assert_int_equal(fstat(c, &st), 0);
	assert_int_equal(l.seen[0].inode, st.st_ino);
	assert_true(l.has_info[0]);

	memset(&l, 0, sizeof(l));
	l.family = AF_UNSPEC;
	l.ports[0] = fd_port(s, false);
	l.peers[0] = fd_port(s, true);
	l.n = 1;
	assert_int_equal(sp_diag_dump(AF_UNSPEC, SP_DIAG_ALL, 0, look_cb, &l),
	    0);
	assert_true(l.found[0]);
	assert_false(l.has_info[0]);
	assert_int_equal(l.seen[0].local.ss_family, AF_INET6);

	/*
	 * Both ports, not the local one alone: a parallel test's IPv4
	 * socket may share the number (look_cb already refuses any IPv6
	 * entry in this dump).
	 */
	memset(&l, 0, sizeof(l));
	l.family = AF_INET;
	l.ports[0] = fd_port(c, false);
	l.peers[0] = port;
	l.n = 1;
	assert_int_equal(sp_diag_dump(AF_INET, SP_DIAG_ALL, 0, look_cb, &l),
	    0);
	assert_false(l.found[0]);
	close(c);
	close(s);
	close(lfd);
}

/*
 * The side that closes first keeps a TIME_WAIT: no inode, no TCP_INFO
 * even when asked, the timewait timer; and a mask without TIME_WAIT
 * leaves it out.
 */
static void
test_dump_time_wait(void **state)
{
	struct look	l = { .family = AF_INET };
	int64_t		deadline;
	int		c, s;

	(void)state;
	tl_pair(&c, &s);
	/* Both ports: another test's socket may share the local one. */
	l.ports[0] = fd_port(c, false);
	l.peers[0] = fd_port(c, true);
	l.n = 1;
	close(c);
	assert_int_equal(tl_wait_events(s, POLLRDHUP, 2000) & POLLRDHUP,
	    POLLRDHUP);
	close(s);
	deadline = tl_now_ms() + 2000;
	do {
		memset(l.found, 0, sizeof(l.found));
		assert_int_equal(sp_diag_dump(AF_INET,
		    SP_DIAG_STATE(SP_TCP_TIME_WAIT), SP_DIAG_INFO, look_cb, &l),
		    0);
		if (l.found[0])
			break;
		tl_sleep_ms(5);
	} while (tl_now_ms() < deadline);
	assert_true(l.found[0]);
	assert_int_equal(l.seen[0].state, SP_TCP_TIME_WAIT);
	assert_int_equal(l.seen[0].inode, 0);
	assert_int_equal(l.seen[0].timer, 3);
	assert_false(l.has_info[0]);
	assert_int_equal(l.states_seen & ~SP_DIAG_STATE(SP_TCP_TIME_WAIT), 0);

	memset(l.found, 0, sizeof(l.found));
	assert_int_equal(sp_diag_dump(AF_INET, SP_DIAG_ALL &
	    ~SP_DIAG_STATE(SP_TCP_TIME_WAIT), 0, look_cb, &l), 0);
	assert_false(l.found[0]);
}

/* The callback stops the dump: its errno, or ECANCELED without one. */
static void
test_dump_stop(void **state)
{
	struct look	l = { .family = AF_UNSPEC, .stop_after = 1,
			    .stop_errno = EEXIST };
	int		c, s;

	(void)state;
	tl_pair(&c, &s);
	errno = 0;
	assert_int_equal(sp_diag_dump(AF_UNSPEC, SP_DIAG_ALL, SP_DIAG_INFO,
	    look_cb, &l), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(l.total, 1);
	memset(&l, 0, sizeof(l));
	l.family = AF_UNSPEC;
	l.stop_after = 2;
	assert_int_equal(sp_diag_dump(AF_UNSPEC, SP_DIAG_ALL, 0, look_cb, &l),
	    -1);
	assert_int_equal(errno, ECANCELED);
	assert_int_equal(l.total, 2);
	close(c);
	close(s);
}

static void
test_dump_bad(void **state)
{
	struct look	l = { .family = AF_UNSPEC };

	(void)state;
	errno = 0;
	assert_int_equal(sp_diag_dump(AF_UNIX, SP_DIAG_ALL, 0, look_cb, &l),
	    -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_diag_dump(AF_INET, SP_DIAG_ALL, 0x80, look_cb, &l),
	    -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sp_diag_dump(AF_INET, SP_DIAG_ALL, 0, NULL, &l), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(l.total, 0);
}

/*
 * A message as the kernel sends it, at buf: IPv4 127.0.0.1:5000 to
 * 127.0.0.2:6000, ESTABLISHED, inode 77, cookie 0x1122334455667788, an
 * INET_DIAG_SHUTDOWN attribute and, when info, an INET_DIAG_INFO one
 * with rtt_us 250.  Returns the length.
 */
static size_t
craft(uint8_t *buf, size_t cap, bool info)
{
	struct nlmsghdr		h = { .nlmsg_type = SOCK_DIAG_BY_FAMILY };
	struct inet_diag_msg	m = { .idiag_family = AF_INET };
	struct nlattr		a;
	uint8_t			ti[232] = { 0 }, sd = 1;
	uint32_t		rtt = 250;
	size_t			off;

	assert_true(cap >= 512);
	memset(buf, 0, cap);
	m.idiag_state = SP_TCP_ESTABLISHED;
	m.id.idiag_sport = htons(5000);
	m.id.idiag_dport = htons(6000);
	m.id.idiag_src[0] = htonl(0x7f000001);
	m.id.idiag_dst[0] = htonl(0x7f000002);
	m.id.idiag_cookie[0] = 0x55667788;
	m.id.idiag_cookie[1] = 0x11223344;
	m.idiag_inode = 77;
	m.idiag_uid = 1000;
	m.idiag_rqueue = 3;
	memcpy(buf + NLMSG_HDRLEN, &m, sizeof(m));
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m));
	a.nla_type = INET_DIAG_SHUTDOWN;
	a.nla_len = NLA_HDRLEN + 1;
	memcpy(buf + off, &a, sizeof(a));
	memcpy(buf + off + NLA_HDRLEN, &sd, 1);
	off += NLA_ALIGN(a.nla_len);
	if (info) {
		ti[0] = SP_TCP_ESTABLISHED;
		memcpy(ti + 68, &rtt, sizeof(rtt));
		a.nla_type = INET_DIAG_INFO;
		a.nla_len = NLA_HDRLEN + sizeof(ti);
		memcpy(buf + off, &a, sizeof(a));
		memcpy(buf + off + NLA_HDRLEN, ti, sizeof(ti));
		off += NLA_ALIGN(a.nla_len);
	}
	h.nlmsg_len = (uint32_t)off;
	memcpy(buf, &h, sizeof(h));
	return off;
}

/* A good crafted message decodes to what was put in, at any alignment. */
static void
test_decode_crafted(void **state)
{
	uint8_t			 buf[1024], *odd = buf + 1;
	struct sp_diag_sock	 s;
	struct sp_tcp_info	 ti;
	size_t			 len;

	(void)state;
	len = craft(buf, sizeof(buf), true);
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), 0);
	assert_int_equal(s.state, SP_TCP_ESTABLISHED);
	assert_int_equal(local_port(&s), 5000);
	assert_int_equal(peer_port(&s), 6000);
	assert_int_equal(((struct sockaddr_in *)&s.peer)->sin_addr.s_addr,
	    htonl(0x7f000002));
	assert_int_equal(s.inode, 77);
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.rqueue, 3);
	assert_true(s.cookie == 0x1122334455667788ULL);
	assert_ptr_equal(s.info, &ti);
	assert_int_equal(ti.rtt_us, 250);
	/* Without ti the attribute is skipped. */
	assert_int_equal(sp_diag_decode(buf, len, &s, NULL), 0);
	assert_null(s.info);
	/* Unaligned bytes decode alike. */
	memmove(odd, buf, len);
	assert_int_equal(sp_diag_decode(odd, len, &s, &ti), 0);
	assert_int_equal(ti.rtt_us, 250);
	/* Without the INFO attribute: no info. */
	len = craft(buf, sizeof(buf), false);
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), 0);
	assert_null(s.info);
}

/* What is not one whole message is refused, EINVAL, without a crash. */
static void
test_decode_bad(void **state)
{
	uint8_t			 buf[1024];
	struct sp_diag_sock	 s;
	struct sp_tcp_info	 ti;
	struct nlmsghdr		 h;
	struct nlattr		 a;
	size_t			 len, i, off;

	(void)state;
	len = craft(buf, sizeof(buf), true);
	/* Every truncation: the header says more than there is. */
	for (i = 0; i < len; i++) {
		errno = 0;
		assert_int_equal(sp_diag_decode(buf, i, &s, &ti), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(sp_diag_decode(NULL, len, &s, &ti), -1);
	assert_int_equal(sp_diag_decode(buf, len, NULL, &ti), -1);
	/* Wrong type, family, a header shorter than the message needs. */
	memcpy(&h, buf, sizeof(h));
	h.nlmsg_type = NLMSG_ERROR;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), -1);
	len = craft(buf, sizeof(buf), true);
	buf[NLMSG_HDRLEN + offsetof(struct inet_diag_msg, idiag_family)] =
	    AF_UNIX;
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), -1);
	len = craft(buf, sizeof(buf), true);
	memcpy(&h, buf, sizeof(h));
	h.nlmsg_len = NLMSG_HDRLEN + 8;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), -1);
	/* An attribute longer than the message, and one of length 0. */
	len = craft(buf, sizeof(buf), true);
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_msg));
	memcpy(&a, buf + off, sizeof(a));
	a.nla_len = 60000;
	memcpy(buf + off, &a, sizeof(a));
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), -1);
	a.nla_len = 0;
	memcpy(buf + off, &a, sizeof(a));
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), -1);
	/* An unknown state is UNKNOWN, not an index past the names. */
	len = craft(buf, sizeof(buf), false);
	buf[NLMSG_HDRLEN + offsetof(struct inet_diag_msg, idiag_state)] = 200;
	assert_int_equal(sp_diag_decode(buf, len, &s, &ti), 0);
	assert_int_equal(s.state, SP_TCP_UNKNOWN);
	assert_string_equal(sp_tcp_state_name(s.state), "UNKNOWN");
}

/*
 * Mutations of a good message, a fixed seed so failures repeat: any
 * result is allowed but a crash (the sanitizer build sees overreads).
 */
static void
test_decode_mutations(void **state)
{
	uint8_t			 good[1024], buf[1024];
	struct sp_diag_sock	 s;
	struct sp_tcp_info	 ti;
	uint32_t		 x = 0x9e3779b9;
	size_t			 len, n, i, k, ok = 0;
	uint8_t			*heap;

	(void)state;
	len = craft(good, sizeof(good), true);
	for (i = 0; i < 200000; i++) {
		memcpy(buf, good, len);
		for (k = 0; k < 1 + i % 4; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[x % len] = (uint8_t)(x >> 24);
		}
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = i % 3 == 0 ? x % (len + 1) : len;
		/* An exact-size heap copy, so an overread is caught. */
		if ((heap = malloc(n > 0 ? n : 1)) == NULL)
			tl_die("malloc");
		memcpy(heap, buf, n);
		if (sp_diag_decode(heap, n, &s, &ti) == 0) {
			ok++;
			assert_true(s.state < SP_TCP__MAX);
		}
		free(heap);
	}
	assert_true(ok > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_ipv4),
		cmocka_unit_test(test_dump_ipv6),
		cmocka_unit_test(test_dump_time_wait),
		cmocka_unit_test(test_dump_stop),
		cmocka_unit_test(test_dump_bad),
		cmocka_unit_test(test_decode_crafted),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_decode_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
