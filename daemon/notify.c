/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Every sd_notify() the daemon makes: READY, STATUS with counts,
 * RELOADING with the monotonic timestamp systemd asks for, STOPPING, and
 * WATCHDOG from a loop timer so a stuck loop gets restarted.
 */

#include "config.h"

#include <stdio.h>
#include <time.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "sockprobed.h"

static void	notify_watchdog_cb(evutil_socket_t, short, void *);

/* READY=1 and the status line: the control socket listens, targets run. */
void
notify_ready(struct sockprobed *sd)
{
	(void)sd_notify(0, "READY=1");
	notify_status(sd);
}

/* STATUS= with the health counts, as systemctl status shows it. */
void
notify_status(struct sockprobed *sd)
{
	const struct target	*t;
	size_t			 n[HEALTH__MAX] = { 0 };

	TAILQ_FOREACH(t, &sd->targets, entry)
		if (t->health.state < HEALTH__MAX)
			n[t->health.state]++;
	(void)sd_notifyf(0, "STATUS=%zu up, %zu degraded, %zu down, "
	    "%zu connecting", n[HEALTH_UP], n[HEALTH_DEGRADED],
	    n[HEALTH_DOWN], n[HEALTH_CONNECTING]);
}

/* RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload expects. */
void
notify_reloading(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}

void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

/* Runs at half the watchdog interval: the loop is alive if this runs. */
static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	(void)sd_notify(0, "WATCHDOG=1");
}

/* Arm the watchdog timer when systemd set WatchdogSec; 0 if not set. */
int
notify_watchdog_init(struct sockprobed *sd)
{
	struct timeval	tv;
	uint64_t	usec;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	sd->ev_watchdog = event_new(sd->base, -1, EV_PERSIST,
	    notify_watchdog_cb, sd);
	if (sd->ev_watchdog == NULL || event_add(sd->ev_watchdog, &tv) == -1) {
		log_warnx("watchdog timer could not be armed");
		return -1;
	}
	(void)sd_notify(0, "WATCHDOG=1");
	return 0;
}
