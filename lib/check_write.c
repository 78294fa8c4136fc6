/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Technique "write": a real payload sent with MSG_NOSIGNAL | MSG_DONTWAIT.
 * Only a write issued after the peer's RST has arrived fails, so this
 * check confirms a close the peer announced; it never raises SIGPIPE.
 */

#include "config.h"

#include <sys/socket.h>

#include <errno.h>

#include "sockprobe.h"
#include "sp-internal.h"

static bool	write_misuse(int);

/*
 * send() errors that mean the call itself was wrong.  EPIPE is not among
 * them although a never-connected socket reports it too: the kernel
 * gives a dead connection the same errno.
 */
static bool
write_misuse(int err)
{
	return err == EBADF || err == ENOTSOCK || err == EINVAL ||
	    err == EFAULT || err == EOPNOTSUPP || err == EDESTADDRREQ ||
	    err == EMSGSIZE;
}

/* Send len bytes of buf without blocking and judge the peer by the result. */
int
sp_check_write(int fd, const void *buf, size_t len, ssize_t *sent,
    struct sp_verdict *v)
{
	ssize_t	n;
	int	err;

	/*
	 * A zero-length send transmits no segment, returns 0 for a dead
	 * peer and for CLOSE_WAIT alike, and consumes the pending error:
	 * it cannot probe anything, so it is refused.
	 */
	if (buf == NULL || len == 0 || v == NULL) {
		errno = EINVAL;
		return -1;
	}
	sp_verdict_init(v);
	n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	err = errno;
	if (n == -1 && write_misuse(err)) {
		errno = err;
		return -1;
	}
	if (sent != NULL)
		*sent = n == -1 ? 0 : n;
	(void)sp_classify_send(fd, n, err, v);	/* fills the state */
	/*
	 * The first write after the peer's FIN succeeds; the peer answers
	 * it with RST, on loopback before send() even returns (state
	 * CLOSE).  Only the next write reports it.
	 */
	if (n >= 0 && v->tcp_state == SP_TCP_CLOSE_WAIT)
		lsp_detail_set(v, "send queued %zd bytes although the peer "
		    "sent FIN: the next write after its RST will fail", n);
	else if (n >= 0 && v->tcp_state == SP_TCP_CLOSE)
		lsp_detail_set(v, "send queued %zd bytes but the peer "
		    "answered with RST: the next write will fail", n);
	else if (n >= 0)
		lsp_detail_set(v, "send queued %zd of %zu bytes", n, len);
	else if (err == EAGAIN || err == EWOULDBLOCK)
		lsp_detail_set(v, "send buffer full: nothing queued");
	else if (err == EPIPE)
		lsp_detail_set(v, "send failed with EPIPE: the peer's RST "
		    "had already arrived");
	return 0;
}
