/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sock_diag decoding under a fuzzer: any bytes as a datagram the kernel
 * sent on NETLINK_SOCK_DIAG.  Each message goes to sp_diag_decode(), the
 * dump's decoder, with and without TCP_INFO wanted, and the datagram
 * through libmnl to the exact lookup's callback (diag.c is included to
 * reach it).  A decoded socket has an inet family and a state in range,
 * and its TCP_INFO only when asked for; nothing is read past the input.
 */

#include "config.h"

#include "../lib/diag.c"

#include "fuzz.h"

static int	fuzz_dump_cb(const struct nlmsghdr *, void *);
static bool	fuzz_framing_ok(const uint8_t *, size_t);
static void	fuzz_check_sock(const struct sp_diag_sock *,
		    const struct sp_tcp_info *);

/* What a decoded socket must look like. */
static void
fuzz_check_sock(const struct sp_diag_sock *s, const struct sp_tcp_info *ti)
{
	FUZZ_CHECK(s->local.ss_family == AF_INET ||
	    s->local.ss_family == AF_INET6);
	FUZZ_CHECK(s->peer.ss_family == s->local.ss_family);
	FUZZ_CHECK((unsigned)s->state < SP_TCP__MAX);
	FUZZ_CHECK(s->info == NULL || s->info == ti);
	FUZZ_CHECK(ti != NULL || s->info == NULL);
}

/* One message of a dump datagram, as sp_diag_dump() hands it over. */
static int
fuzz_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct sp_tcp_info	*ti = arg;
	struct sp_diag_sock	 s;

	if (sp_diag_decode(nlh, nlh->nlmsg_len, &s, ti) == 0)
		fuzz_check_sock(&s, ti);
	return MNL_CB_OK;
}

/*
 * Whether every message header in the datagram has a length within it.
 * libmnl trusts the kernel here: mnl_nlmsg_ok() compares nlmsg_len as an
 * int, so one of 2^31 or more passes and mnl_nlmsg_next() then steps
 * out of the buffer.  The kernel's datagrams are at most 32 KiB and no
 * other process may send on NETLINK_SOCK_DIAG, so only such inputs are
 * given to libmnl; sp_diag_decode() gets every input.
 */
static bool
fuzz_framing_ok(const uint8_t *p, size_t len)
{
	struct nlmsghdr	h;
	size_t		step;

	while (len >= sizeof(h)) {
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len)
			return false;
		step = NLMSG_ALIGN(h.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_diag_entry	 e;
	struct diag_reply	 r = { .e = &e, .found = false };
	struct sp_diag_sock	 s;
	struct sp_tcp_info	 ti;
	uint8_t			*buf;

	/* The whole input as one message, at any alignment it came in. */
	if (sp_diag_decode(data, size, &s, &ti) == 0)
		fuzz_check_sock(&s, &ti);
	else
		FUZZ_CHECK(errno == EINVAL);
	if (sp_diag_decode(data, size, &s, NULL) == 0)
		fuzz_check_sock(&s, NULL);
	FUZZ_CHECK(sp_diag_decode(NULL, size, &s, NULL) == -1);

	/* libmnl walks aligned messages, as in a receive buffer. */
	if (size == 0 || !fuzz_framing_ok(data, size) ||
	    (buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data, size);
	(void)mnl_cb_run(buf, size, 0, 0, fuzz_dump_cb, &ti);
	if (mnl_cb_run(buf, size, 0, 0, diag_cb, &r) != MNL_CB_ERROR &&
	    r.found)
		FUZZ_CHECK((unsigned)e.state < SP_TCP__MAX);
	free(buf);
	return 0;
}
