/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Logging to stderr.  Lines carry sd-daemon "<N>" priority prefixes when
 * stderr is not a terminal, so journald and systemd read the level; on a
 * terminal they are plain.  When stderr is journald's own stream, health
 * events go to the journal directly with fields to match on
 * (journalctl TARGET=db).
 */

#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include <systemd/sd-journal.h>

#include "sockprobed.h"

static void	log_vwrite(int, const char *, va_list, int)
		    __attribute__((format(printf, 2, 0)));

static bool	log_journal_stream(void);
static void	log_libevent(int, const char *);
static void	log_write(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int	log_level = LOG_INFO;
static bool	log_prefix;
static bool	log_journal;

/*
 * systemd sets JOURNAL_STREAM to the device and inode of the stream it
 * connected to stderr; if stderr is still that stream, journald reads us.
 */
static bool
log_journal_stream(void)
{
	const char		*e = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/*
 * libevent's own messages (evdns's among them) at the matching level, so
 * they carry the prefix and obey log_level like ours.
 */
static void
log_libevent(int severity, const char *msg)
{
	int	pri;

	switch (severity) {
	case EVENT_LOG_DEBUG:
		pri = LOG_DEBUG;
		break;
	case EVENT_LOG_MSG:
		pri = LOG_INFO;
		break;
	case EVENT_LOG_WARN:
		pri = LOG_WARNING;
		break;
	default:
		pri = LOG_ERR;
		break;
	}
	log_write(pri, "libevent: %s", msg);
}

/* Decide the line format once, at start. */
void
log_init(int level)
{
	log_level = level;
	log_prefix = !isatty(STDERR_FILENO);
	log_journal = log_journal_stream();
	event_set_log_callback(log_libevent);
	evdns_set_log_fn(log_libevent);
}

/* Change the level (a reload may). */
void
log_setlevel(int level)
{
	log_level = level;
}

/* Whether messages at level are written; callers skip costly formatting. */
bool
log_enabled(int level)
{
	return level <= log_level;
}

/* One line; err != 0 appends its strerror. */
static void
log_vwrite(int pri, const char *fmt, va_list ap, int err)
{
	char	msg[1024];

	if (pri > log_level)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_prefix)
		fprintf(stderr, "<%d>", pri);
	if (err != 0)
		fprintf(stderr, "%s: %s\n", msg, strerror(err));
	else
		fprintf(stderr, "%s\n", msg);
}

/* One line at pri. */
static void
log_write(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(pri, fmt, ap, 0);
	va_end(ap);
}

/*
 * A health event at info: to the journal with TARGET=, PEER=, CAUSE= and
 * TECHNIQUE= when journald reads us, else one plain line.
 */
void
log_health(const char *target, const char *peer, const char *cause,
    const char *technique, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	if (LOG_INFO > log_level)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_journal && sd_journal_send("MESSAGE=%s", msg,
	    "PRIORITY=%d", LOG_INFO, "SYSLOG_IDENTIFIER=sockprobed",
	    "TARGET=%s", target, "PEER=%s", peer, "CAUSE=%s", cause,
	    "TECHNIQUE=%s", technique, NULL) == 0)
		return;
	log_info("%s", msg);
}

/* A warning with the current errno's text. */
void
log_warn(const char *fmt, ...)
{
	int	saved_errno = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, saved_errno);
	va_end(ap);
	errno = saved_errno;
}

/* A warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

/* An error without errno (not fatal). */
void
log_errx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, 0);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_NOTICE, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

/* Only before READY=1 or on a broken invariant: log with errno, exit 1. */
void
fatal(const char *fmt, ...)
{
	int	saved_errno = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, saved_errno);
	va_end(ap);
	exit(1);
}

/* As fatal(), without errno. */
void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/* malloc or die: the daemon cannot monitor without memory. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		fatal("calloc");
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}
