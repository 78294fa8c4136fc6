/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * Durations as people write them ("1m30s", "1.5s", "250ms") to and from
 * whole milliseconds, the unit every timer in sockprobe is kept in.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sockprobe.h"
#include "sp-internal.h"

/* 2^53: every duration stays exact in a JSON number (a double). */
#define DUR_MAX_MS	(UINT64_C(1) << 53)
#define MS_SECOND	UINT64_C(1000)
#define MS_MINUTE	(60 * MS_SECOND)
#define MS_HOUR		(60 * MS_MINUTE)

/* Units from the largest down: a duration names each at most once. */
static const struct dur_unit {
	const char	*name;
	uint64_t	 ms;
} dur_units[] = {
	{ "h",	MS_HOUR },
	{ "m",	MS_MINUTE },
	{ "s",	MS_SECOND },
	{ "ms",	1 },
};
#define DUR_NUNITS	(sizeof(dur_units) / sizeof(dur_units[0]))

struct dur_part {
	uint64_t	 whole;		/* digits before the point */
	const char	*frac;		/* digits after it, zeros trimmed */
	size_t		 fraclen;
	int		 unit;		/* index in dur_units */
};

static int	dur_fail(const char **, const char *, int);
static int	dur_scan(const char **, struct dur_part *, const char **);
static int	dur_unit(const char **);
static int	dur_value(const struct dur_part *, uint64_t *, const char **);
static bool	dur_all_zeros(const char *);
static void	dur_copy(char *, size_t, const char *);

/* Record why parsing failed; always returns -1. */
static int
dur_fail(const char **errstr, const char *why, int err)
{
	if (errstr != NULL)
		*errstr = why;
	errno = err;
	return -1;
}

/* The unit at *sp, longest name first ("ms" before "m"); -1 if none. */
static int
dur_unit(const char **sp)
{
	size_t	i, n, bestlen = 0;
	int	best = -1;

	for (i = 0; i < DUR_NUNITS; i++) {
		n = strlen(dur_units[i].name);
		if (n > bestlen && strncmp(*sp, dur_units[i].name, n) == 0) {
			best = (int)i;
			bestlen = n;
		}
	}
	*sp += bestlen;
	return best;
}

/* One "<digits>[.<digits>]<unit>" part at *sp, advancing past it. */
static int
dur_scan(const char **sp, struct dur_part *p, const char **errstr)
{
	const char	*s = *sp;

	if (*s == '-')
		return dur_fail(errstr, "a duration cannot be negative",
		    EINVAL);
	if (*s < '0' || *s > '9')
		return dur_fail(errstr, "expected a number", EINVAL);
	for (p->whole = 0; *s >= '0' && *s <= '9'; s++) {
		if (p->whole > (UINT64_MAX - 9) / 10)
			return dur_fail(errstr, "duration too long", ERANGE);
		p->whole = p->whole * 10 + (uint64_t)(*s - '0');
	}
	p->frac = s;
	p->fraclen = 0;
	if (*s == '.') {
		p->frac = ++s;
		if (*s < '0' || *s > '9')
			return dur_fail(errstr, "expected a digit after the "
			    "decimal point", EINVAL);
		while (*s >= '0' && *s <= '9')
			s++;
		p->fraclen = (size_t)(s - p->frac);
		while (p->fraclen > 0 && p->frac[p->fraclen - 1] == '0')
			p->fraclen--;
	}
	if (*s == '\0')
		return dur_fail(errstr, "a number needs a unit: ms, s, m or h",
		    EINVAL);
	if ((p->unit = dur_unit(&s)) == -1)
		return dur_fail(errstr, "unknown unit: use ms, s, m or h",
		    EINVAL);
	*sp = s;
	return 0;
}

/*
 * A part's value in ms.  A fraction must come to whole milliseconds; with
 * trailing zeros gone, more than nine digits never can (the largest unit,
 * 3.6e6 ms, has only seven factors of 2 and five of 5).
 */
static int
dur_value(const struct dur_part *p, uint64_t *ms, const char **errstr)
{
	uint64_t	unit = dur_units[p->unit].ms, f = 0, pow10 = 1;
	size_t		i;

	if (p->whole > DUR_MAX_MS / unit)
		return dur_fail(errstr, "duration too long", ERANGE);
	if (p->fraclen > 9)
		return dur_fail(errstr, "a decimal must come to whole "
		    "milliseconds", EINVAL);
	for (i = 0; i < p->fraclen; i++) {
		f = f * 10 + (uint64_t)(p->frac[i] - '0');
		pow10 *= 10;
	}
	if ((f * unit) % pow10 != 0)
		return dur_fail(errstr, "a decimal must come to whole "
		    "milliseconds", EINVAL);
	*ms = p->whole * unit + f * unit / pow10;
	return 0;
}

/* "0", "00": the one form that needs no unit. */
static bool
dur_all_zeros(const char *s)
{
	if (*s == '\0')
		return false;
	while (*s == '0')
		s++;
	return *s == '\0';
}

/* Parse a duration into ms; see sockprobe.h. */
int
sp_duration_parse(const char *s, uint64_t *ms, const char **errstr)
{
	struct dur_part	p;
	uint64_t	total = 0, v;
	int		last = -1;

	if (s == NULL || *s == '\0')
		return dur_fail(errstr, "empty duration", EINVAL);
	if (ms == NULL)
		return dur_fail(errstr, "no place for the result", EINVAL);
	if (dur_all_zeros(s)) {
		*ms = 0;
		return 0;
	}
	while (*s != '\0') {
		if (dur_scan(&s, &p, errstr) == -1)
			return -1;
		if (p.unit <= last)
			return dur_fail(errstr, "units must go from h down to "
			    "ms, each at most once", EINVAL);
		last = p.unit;
		if (dur_value(&p, &v, errstr) == -1)
			return -1;
		if (v > DUR_MAX_MS - total)
			return dur_fail(errstr, "duration too long", ERANGE);
		total += v;
	}
	*ms = total;
	return 0;
}

/* Copy into the caller's buffer, cutting short as snprintf would. */
static void
dur_copy(char *buf, size_t len, const char *s)
{
	size_t	n = strlen(s);

	if (buf == NULL || len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/*
 * Format ms exactly and briefly: hours and minutes as such, then seconds
 * with a decimal fraction, or plain milliseconds when no whole second is
 * left ("250ms", "1h250ms").
 */
char *
sp_duration_format(uint64_t ms, char *buf, size_t len)
{
	char		tmp[64], frac[8];
	uint64_t	h = ms / MS_HOUR, m = ms / MS_MINUTE % 60;
	uint64_t	s = ms / MS_SECOND % 60, rest = ms % MS_SECOND;
	size_t		n = 0, i;

	tmp[0] = '\0';
	if (h > 0)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%" PRIu64 "h",
		    h);
	if (m > 0)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%" PRIu64 "m",
		    m);
	if (s > 0 && rest > 0) {
		(void)snprintf(frac, sizeof(frac), "%03" PRIu64, rest);
		for (i = 3; frac[i - 1] == '0'; i--)
			frac[i - 1] = '\0';
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n,
		    "%" PRIu64 ".%ss", s, frac);
	} else if (s > 0)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%" PRIu64 "s",
		    s);
	else if (rest > 0)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n,
		    "%" PRIu64 "ms", rest);
	if (n == 0)
		(void)snprintf(tmp, sizeof(tmp), "0");
	dur_copy(buf, len, tmp);
	return buf;
}

/* ms in seconds for people, with the h/m form added past an hour. */
char *
lsp_secs_format(int64_t ms, char *buf, size_t len)
{
	char	 tmp[96], hms[64];
	int64_t	 s = ms / 1000, rest = ms % 1000;

	if (ms < 0)
		(void)snprintf(tmp, sizeof(tmp), "never");
	else if (ms < 1000)
		(void)snprintf(tmp, sizeof(tmp), "%" PRId64 " ms", ms);
	else if (rest == 0)
		(void)snprintf(tmp, sizeof(tmp), "%" PRId64 " s", s);
	else if (rest % 100 == 0)
		(void)snprintf(tmp, sizeof(tmp), "%" PRId64 ".%" PRId64 " s", s,
		    rest / 100);
	else if (rest % 10 == 0)
		(void)snprintf(tmp, sizeof(tmp), "%" PRId64 ".%02" PRId64 " s",
		    s, rest / 10);
	else
		(void)snprintf(tmp, sizeof(tmp), "%" PRId64 ".%03" PRId64 " s",
		    s, rest);
	if (ms >= (int64_t)MS_HOUR) {
		(void)sp_duration_format((uint64_t)ms, hms, sizeof(hms));
		/* tmp holds at most 24 + 64 + 3 bytes: no truncation. */
		(void)snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp),
		    " (%s)", hms);
	}
	dur_copy(buf, len, tmp);
	return buf;
}
