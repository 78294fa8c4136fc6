/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * libclockshift: an LD_PRELOAD module that steps the wall clock of one
 * process, the way settimeofday() or an NTP step would for the whole
 * host, without touching the host: SIGUSR1 moves CLOCK_REALTIME (and
 * gettimeofday(), time()) forward by SP_CLOCKSHIFT_STEP seconds (default
 * 3600), SIGUSR2 moves it back as far.  CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME are left alone, as a real step leaves them.
 */

#include "config.h"

#include <sys/time.h>

#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int	(*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int	(*gettimeofday_fn)(struct timeval *, void *);

/* Steps taken, forward minus back; changed only by the handlers. */
static volatile sig_atomic_t	shift_steps;
static long			shift_step_s = 3600;

static void	shift_cb(int);
static void	shift_init(void) __attribute__((constructor));
static long	shift_s(void);

int	clock_gettime(clockid_t, struct timespec *);
int	gettimeofday(struct timeval *, void *);
time_t	time(time_t *);

static void
shift_cb(int sig)
{
	shift_steps += sig == SIGUSR1 ? 1 : -1;
}

/* At load: the step from the environment, and the two handlers. */
static void
shift_init(void)
{
	struct sigaction	 sa;
	const char		*s;

	if ((s = getenv("SP_CLOCKSHIFT_STEP")) != NULL && atol(s) > 0)
		shift_step_s = atol(s);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = shift_cb;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGUSR1, &sa, NULL);
	(void)sigaction(SIGUSR2, &sa, NULL);
}

static long
shift_s(void)
{
	return (long)shift_steps * shift_step_s;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static clock_gettime_fn	 real;
	int			 rc;

	if (real == NULL)
		real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
	if ((rc = real(id, ts)) == 0 && (id == CLOCK_REALTIME ||
	    id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI))
		ts->tv_sec += shift_s();
	return rc;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	static gettimeofday_fn	 real;
	int			 rc;

	if (real == NULL)
		real = (gettimeofday_fn)dlsym(RTLD_NEXT, "gettimeofday");
	if ((rc = real(tv, tz)) == 0)
		tv->tv_sec += shift_s();
	return rc;
}

time_t
time(time_t *t)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (time_t)-1;
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
