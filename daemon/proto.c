/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The protocol's vocabulary and encoders: health names, event times,
 * errno names, and the JSON objects for verdicts, TCP_INFO, budgets and
 * sysctls that sockprobed sends and sockprobectl prints.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"

static json_t	*proto_uint(uint64_t);

static const char *const health_names[HEALTH__MAX] = {
	[HEALTH_CONNECTING] =	"connecting",
	[HEALTH_UP] =		"up",
	[HEALTH_DEGRADED] =	"degraded",
	[HEALTH_DOWN] =		"down",
};

/*
 * The errno values a socket, a name lookup or a control client can
 * produce, by symbol.  A table rather than strerrorname_np() so the wire
 * spelling does not depend on the C library.
 */
#define E(x)	{ x, #x }
static const struct {
	int		 err;
	const char	*name;
} errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(EBADF), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE),
	E(EMFILE), E(ENOSPC), E(ESPIPE), E(EROFS), E(EPIPE), E(EDOM),
	E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOSYS), E(ELOOP),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE),
	E(ENOPROTOOPT), E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
	E(EPFNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL),
	E(ENETDOWN), E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED),
	E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ESHUTDOWN),
	E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH),
	E(EALREADY), E(EINPROGRESS), E(EPROTO), E(EOVERFLOW), E(ECANCELED),
};
#undef E

/* DESIGN.md's word for a health. */
const char *
proto_health_name(enum health h)
{
	if ((unsigned)h >= HEALTH__MAX)
		return "unknown";
	return health_names[h];
}

/* The health named s: 0 and *out, or -1 with errno EINVAL. */
int
proto_health_parse(const char *s, enum health *out)
{
	int	i;

	if (s != NULL) {
		for (i = 0; i < HEALTH__MAX; i++) {
			if (strcmp(health_names[i], s) == 0) {
				*out = (enum health)i;
				return 0;
			}
		}
	}
	errno = EINVAL;
	return -1;
}

/*
 * A CLOCK_REALTIME time as RFC 3339 UTC with microseconds; an empty
 * string if buf is too small or the time cannot be broken down.
 */
void
proto_time_format(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	char		date[32];
	time_t		sec = ts->tv_sec;
	int		n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return;
	n = snprintf(buf, len, "%s.%06ldZ", date, (long)(ts->tv_nsec / 1000));
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
}

/* The symbol of an errno, "" for 0, "EUNKNOWN" for one not in the table. */
const char *
proto_errno_name(int err)
{
	size_t	i;

	if (err == 0)
		return "";
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EUNKNOWN";
}

/*
 * An unsigned counter as a JSON integer.  JSON integers here are signed
 * 64-bit; only ~0 ("unlimited", as in max_pacing_rate) exceeds that, and
 * it becomes null.
 */
static json_t *
proto_uint(uint64_t v)
{
	if (v > (uint64_t)INT64_MAX)
		return json_null();
	return json_integer((json_int_t)v);
}

/* {"technique","cause","error","tcp_state","detail"} for one verdict. */
json_t *
proto_verdict_json(const struct sp_verdict *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "technique", sp_technique_name(v->technique),
	    "cause", sp_cause_name(v->cause),
	    "error", proto_errno_name(v->error),
	    "tcp_state", sp_tcp_state_name(v->tcp_state),
	    "detail", v->detail);
}

/*
 * Every field the running kernel filled, named with its unit; the state
 * by its kernel name rather than its number.
 */
json_t *
proto_tcp_info_json(const struct sp_tcp_info *ti)
{
	json_t			*o;
	const char		*name;
	uint64_t		 val;
	int			 f;

	if ((o = json_object()) == NULL)
		return NULL;
	for (f = 0; f < SP_TI__MAX; f++) {
		if (sp_tcp_info_get(ti, (enum sp_tcp_info_field)f, &val) == -1)
			continue;
		if ((name = sp_tcp_info_field_name(
		    (enum sp_tcp_info_field)f)) == NULL)
			continue;
		if (f == SP_TI_STATE)
			json_object_set_new(o, "state",
			    json_string(sp_tcp_state_name(
			    (enum sp_tcp_state)val)));
		else
			json_object_set_new(o, name, proto_uint(val));
	}
	return o;
}

/* Each failure mode's worst case and the traps found, for one budget. */
json_t *
proto_budget_json(const struct sp_budget *b)
{
	const struct sp_budget_entry	*e;
	json_t				*modes, *warnings, *detect;
	uint32_t			 bit;
	int				 m;

	modes = json_array();
	warnings = json_array();
	if (modes == NULL || warnings == NULL)
		goto fail;
	for (m = 0; m < SP_FAIL__MAX; m++) {
		e = &b->entry[m];
		detect = e->detect_ms < 0 ? json_null() :
		    json_integer((json_int_t)e->detect_ms);
		json_array_append_new(modes, json_pack("{s:s, s:o, s:s, s:s, "
		    "s:s}",
		    "mode", sp_failure_name((enum sp_failure)m),
		    "detect_ms", detect,
		    "technique", sp_technique_name(e->technique),
		    "cause", sp_cause_name(e->cause),
		    "how", e->how));
	}
	for (bit = 1; bit != 0 && bit <= SP_WARN__ALL; bit <<= 1) {
		if ((b->warnings & bit) == 0 || sp_warning_name(bit) == NULL)
			continue;
		json_array_append_new(warnings, json_pack("{s:s, s:s}",
		    "name", sp_warning_name(bit),
		    "text", sp_warning_text(bit) != NULL ?
		    sp_warning_text(bit) : ""));
	}
	return json_pack("{s:o, s:o}", "modes", modes, "warnings", warnings);
fail:
	json_decref(modes);
	json_decref(warnings);
	return NULL;
}

/*
 * The sysctls that decide liveness, each with its value and its meaning;
 * value null when the running kernel lacks it, effect_ms null when it is
 * not a duration.
 */
json_t *
proto_kernel_json(const struct sp_kernel *k)
{
	struct sp_sysctl	 s[SP_KERNEL_NSYSCTL];
	json_t			*a;
	size_t			 i, n;

	if ((a = json_array()) == NULL)
		return NULL;
	n = sp_kernel_sysctls(k, s, SP_KERNEL_NSYSCTL);
	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_pack("{s:s, s:o, s:b, s:o, s:s}",
		    "name", s[i].name,
		    "value", s[i].present ?
		    json_integer((json_int_t)s[i].value) : json_null(),
		    "present", s[i].present,
		    "effect_ms", s[i].effect_ms < 0 ? json_null() :
		    json_integer((json_int_t)s[i].effect_ms),
		    "meaning", s[i].meaning));
	}
	return a;
}

/* An option's value, or null where the kernel's own value applies. */
static json_t *
opt_or_null(uint64_t v)
{
	return v == 0 ? json_null() : json_integer((json_int_t)v);
}

/* The options a budget was computed for; see proto.h. */
json_t *
proto_budget_opts_json(const struct sp_budget_opts *o)
{
	return json_pack("{s:b, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:I}",
	    "keepalive", o->keepalive,
	    "keepalive_idle_s", opt_or_null(o->keepalive_idle_s),
	    "keepalive_interval_s", opt_or_null(o->keepalive_interval_s),
	    "keepalive_count", opt_or_null(o->keepalive_count),
	    "user_timeout_ms", (json_int_t)o->user_timeout_ms,
	    "syn_retries", opt_or_null(o->syn_retries > 0 ?
	    (uint64_t)o->syn_retries : 0),
	    "linger2_s", opt_or_null(o->linger2_s > 0 ?
	    (uint64_t)o->linger2_s : 0),
	    "rto_ms", opt_or_null(o->rto_ms),
	    "recv_timeout_ms", (json_int_t)o->recv_timeout_ms,
	    "send_timeout_ms", (json_int_t)o->send_timeout_ms);
}
