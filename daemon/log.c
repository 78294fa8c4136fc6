/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Logging to stderr.  Lines carry sd-daemon "<N>" priority prefixes when
 * stderr is not a terminal, so journald and systemd read the level; on a
 * terminal they are plain.
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sockprobed.h"

static void	log_vwrite(int, const char *, va_list, int)
		    __attribute__((format(printf, 2, 0)));

static int	log_level = LOG_INFO;
static bool	log_prefix;

/* Decide the line format once, at start. */
void
log_init(int level)
{
	log_level = level;
	log_prefix = !isatty(STDERR_FILENO);
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
