/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Splitting "host:port", "[v6addr]:port" and "name:port" as written in
 * configuration and on command lines; resolving is the caller's business.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

static int	hp_fail(const char **, const char *, int);
static int	hp_port(const char *, uint16_t *, const char **);
static bool	hp_host_bad(const char *, size_t);

/* Record why splitting failed; always returns -1. */
static int
hp_fail(const char **errstr, const char *why, int err)
{
	if (errstr != NULL)
		*errstr = why;
	errno = err;
	return -1;
}

/* A decimal port, 1..65535, nothing else around it. */
static int
hp_port(const char *s, uint16_t *port, const char **errstr)
{
	unsigned long	v = 0;
	const char	*p;

	if (*s == '\0')
		return hp_fail(errstr, "missing port", EINVAL);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return hp_fail(errstr, "the port must be a number",
			    EINVAL);
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return hp_fail(errstr, "the port must be 1..65535",
			    EINVAL);
	}
	if (v == 0)
		return hp_fail(errstr, "the port must be 1..65535", EINVAL);
	*port = (uint16_t)v;
	return 0;
}

/*
 * A character no host name or address has: names are ASCII letters,
 * digits, '-', '.' and '_' (resolvers do no IDN), IPv6 adds ':' and '%'
 * for a zone, '*' means any address.  Anything else is a typo, or text
 * that would not survive being written back into a configuration file
 * (';' and '#' start comments there).
 */
static bool
hp_host_bad(const char *h, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') ||
		    strchr("-._:%*", h[i]) != NULL))
			return true;
	return false;
}

/* Split s into host and port; see sockprobe.h. */
int
sp_hostport_split(const char *s, char *host, size_t hostlen, uint16_t *port,
    const char **errstr)
{
	const char	*hstart, *hend, *colon;
	size_t		 n;

	if (s == NULL || host == NULL || port == NULL)
		return hp_fail(errstr, "missing argument", EINVAL);
	if (*s == '[') {
		hstart = s + 1;
		if ((hend = strchr(hstart, ']')) == NULL)
			return hp_fail(errstr, "missing ] after the IPv6 "
			    "address", EINVAL);
		if (hend[1] != ':')
			return hp_fail(errstr, "expected :port after ]",
			    EINVAL);
		colon = hend + 1;
	} else {
		hstart = s;
		if ((colon = strrchr(s, ':')) == NULL)
			return hp_fail(errstr, "missing :port", EINVAL);
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return hp_fail(errstr, "an IPv6 address must be "
			    "written in brackets: [addr]:port", EINVAL);
		hend = colon;
	}
	if ((n = (size_t)(hend - hstart)) == 0)
		return hp_fail(errstr, "missing host", EINVAL);
	if (hp_host_bad(hstart, n))
		return hp_fail(errstr, "the host may hold only letters, "
		    "digits, '-', '.', '_', and ':' or '%' in brackets",
		    EINVAL);
	if (hp_port(colon + 1, port, errstr) == -1)
		return -1;
	if (n >= hostlen)
		return hp_fail(errstr, "host name too long", ENAMETOOLONG);
	memcpy(host, hstart, n);
	host[n] = '\0';
	return 0;
}
