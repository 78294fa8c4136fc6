/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The SIGPIPE policy a caller may choose, and the one counter the library
 * keeps: a signal handler has no argument to carry state in, so counting
 * deliveries needs a process-wide variable.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

static void	sigpipe_count_handler(int);

/*
 * The only global in the library, written only by the handler installed
 * through SP_SIGPIPE_COUNT.  An atomic add is async-signal-safe only if
 * it is lock-free, which a long is on every Linux target (64 bits on
 * LP64; a 32-bit host wraps after 2^32 deliveries).
 */
static _Atomic unsigned long	sigpipe_deliveries;
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2,
    "the SIGPIPE counter needs a lock-free atomic long");

/* Runs on each SIGPIPE delivered while SP_SIGPIPE_COUNT is in force. */
static void
sigpipe_count_handler(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&sigpipe_deliveries, 1,
	    memory_order_relaxed);
}

/* Set the process's SIGPIPE disposition as the caller chose. */
int
sp_sigpipe_set(enum sp_sigpipe_policy policy)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	switch (policy) {
	case SP_SIGPIPE_DEFAULT:
		sa.sa_handler = SIG_DFL;
		break;
	case SP_SIGPIPE_IGNORE:
		sa.sa_handler = SIG_IGN;
		break;
	case SP_SIGPIPE_COUNT:
		/*
		 * SA_RESTART: a write() interrupted by its own SIGPIPE
		 * already failed with EPIPE, but other blocking calls in
		 * the process should not see EINTR because of us.
		 */
		sa.sa_handler = sigpipe_count_handler;
		sa.sa_flags = SA_RESTART;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	return sigaction(SIGPIPE, &sa, NULL);
}

/* How many SIGPIPEs the counting handler has seen since the process began. */
uint64_t
sp_sigpipe_count(void)
{
	return atomic_load_explicit(&sigpipe_deliveries, memory_order_relaxed);
}
