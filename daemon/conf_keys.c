/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The configuration keys as data: one table row per key with its type,
 * place in the struct, bounds, the sections it belongs to and its
 * built-in default; and the conversions between text and values.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "sockprobe.h"
#include "sockprobed.h"

enum conf_type {
	CONF_STRING,		/* char *, NULL when empty */
	CONF_ADDRESS,		/* char *, host:port checked */
	CONF_PATH,		/* char *, absolute, fits sun_path */
	CONF_DURATION,		/* uint64_t ms */
	CONF_SECONDS,		/* uint64_t ms, whole seconds only */
	CONF_UINT,		/* uint32_t */
	CONF_OPT_UINT,		/* uint32_t, empty = 0 = unset */
	CONF_BYTES,		/* struct bytes, escapes */
	CONF_TECHNIQUES,	/* uint32_t mask */
	CONF_BACKEND,		/* enum event_backend */
	CONF_LOGLEVEL,		/* int, syslog level */
	CONF_CLOSE_MODE,	/* enum close_mode */
	CONF_BOOL		/* bool, yes or no */
};

/* Sections a key may appear in. */
#define IN_DEFAULTS	0x1
#define IN_TARGET	0x2
#define IN_LISTEN	0x4
#define IN_ALL		(IN_DEFAULTS | IN_TARGET | IN_LISTEN)
#define IN_OUTBOUND	(IN_DEFAULTS | IN_TARGET)

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	uint64_t	 min, max;
	unsigned	 sections;
	const char	*builtin;	/* default, as written in a file */
};

#define T(f)	offsetof(struct target_conf, f)
#define D(f)	offsetof(struct daemon_conf, f)

/* Order is the order `sockprobed -n` prints. */
static const struct conf_key target_keys[] = {
	{ "address", CONF_ADDRESS, T(address), 0, 0, IN_TARGET, NULL },
	{ "bind", CONF_ADDRESS, T(bind), 0, 0, IN_LISTEN, NULL },
	{ "techniques", CONF_TECHNIQUES, T(techniques), 0, 0, IN_ALL,
	    "read,write,tcp_info,keepalive,timeout,user_timeout" },
	{ "poll_interval", CONF_DURATION, T(poll_interval_ms), 100, MS_HOUR,
	    IN_ALL, "1s" },
	{ "keepalive_idle", CONF_SECONDS, T(keepalive_idle_ms), 1000,
	    32767 * MS_SECOND, IN_ALL, "10s" },
	{ "keepalive_interval", CONF_SECONDS, T(keepalive_interval_ms), 1000,
	    32767 * MS_SECOND, IN_ALL, "2s" },
	{ "keepalive_count", CONF_UINT, T(keepalive_count), 1, 127, IN_ALL,
	    "3" },
	/* idle + interval x count: agrees with keepalive, bounds busy. */
	{ "user_timeout", CONF_DURATION, T(user_timeout_ms), 0, MS_DAY,
	    IN_ALL, "16s" },
	{ "send_timeout", CONF_DURATION, T(send_timeout_ms), 0, MS_HOUR,
	    IN_ALL, "5s" },
	{ "recv_timeout", CONF_DURATION, T(recv_timeout_ms), 0, MS_HOUR,
	    IN_ALL, "0" },
	{ "probe_payload", CONF_BYTES, T(probe_payload), 0, PAYLOAD_MAX,
	    IN_ALL, "" },
	{ "probe_expect", CONF_BYTES, T(probe_expect), 0, PAYLOAD_MAX,
	    IN_ALL, "" },
	{ "probe_interval", CONF_DURATION, T(probe_interval_ms), 100, MS_DAY,
	    IN_ALL, "5s" },
	{ "connect_timeout", CONF_DURATION, T(connect_timeout_ms), 100,
	    MS_HOUR, IN_OUTBOUND, "5s" },
	{ "syn_retries", CONF_OPT_UINT, T(syn_retries), 1, 127, IN_OUTBOUND,
	    "" },
	{ "check_interval", CONF_DURATION, T(check_interval_ms), 0, MS_DAY,
	    IN_OUTBOUND, "10s" },
	{ "close_mode", CONF_CLOSE_MODE, T(close_mode), 0, 0, IN_OUTBOUND,
	    "fin" },
	{ "stall_timeout", CONF_DURATION, T(stall_timeout_ms), 100, MS_DAY,
	    IN_ALL, "10s" },
	{ "rtt_threshold", CONF_DURATION, T(rtt_threshold_ms), 0, MS_HOUR,
	    IN_ALL, "0" },
	{ "rise", CONF_UINT, T(rise), 1, 100, IN_ALL, "1" },
	{ "fall", CONF_UINT, T(fall), 1, 100, IN_ALL, "1" },
	{ "reconnect_min", CONF_DURATION, T(reconnect_min_ms), 100, MS_DAY,
	    IN_OUTBOUND, "1s" },
	{ "reconnect_max", CONF_DURATION, T(reconnect_max_ms), 100, MS_DAY,
	    IN_OUTBOUND, "60s" },
	{ "backlog", CONF_UINT, T(backlog), 1, 65535,
	    IN_DEFAULTS | IN_LISTEN, "128" },
	{ "forget_after", CONF_DURATION, T(forget_after_ms), 0, MS_DAY,
	    IN_DEFAULTS | IN_LISTEN, "60s" },
	/* Inbound peers come and go: one series each only when asked. */
	{ "metrics_per_peer", CONF_BOOL, T(metrics_per_peer), 0, 0,
	    IN_DEFAULTS | IN_LISTEN, "no" },
};

static const struct conf_key daemon_keys[] = {
	{ "control_socket", CONF_PATH, D(control_socket), 0, 0, 0, NULL },
	{ "control_group", CONF_STRING, D(control_group), 0, 0, 0, NULL },
	{ "metrics_listen", CONF_ADDRESS, D(metrics_listen), 0, 0, 0, NULL },
	{ "event_backend", CONF_BACKEND, D(event_backend), 0, 0, 0, NULL },
	{ "log_level", CONF_LOGLEVEL, D(log_level), 0, 0, 0, NULL },
	/* 0 is off; config.c refuses the silly 1..99 ms. */
	{ "survey_interval", CONF_DURATION, D(survey_interval_ms), 0, MS_DAY,
	    0, NULL },
	{ "closewait_alarm", CONF_DURATION, D(closewait_alarm_ms), 0,
	    30 * MS_DAY, 0, NULL },
};

#define NTARGET_KEYS	(sizeof(target_keys) / sizeof(target_keys[0]))
#define NDAEMON_KEYS	(sizeof(daemon_keys) / sizeof(daemon_keys[0]))

_Static_assert(NTARGET_KEYS <= CONF_NKEYS, "CONF_NKEYS too small");
_Static_assert(NDAEMON_KEYS <= CONF_NKEYS, "CONF_NKEYS too small");

static const char *const backend_names[] = {
	[BACKEND_AUTO] = "auto", [BACKEND_EPOLL] = "epoll",
	[BACKEND_POLL] = "poll", [BACKEND_SELECT] = "select",
};

static const char *const close_mode_names[] = {
	[CLOSE_FIN] = "fin", [CLOSE_RST] = "rst",
};

static const char *const bool_names[] = { "no", "yes" };

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

static bool	group_name_valid(const char *);
static int	store_string(const struct conf_key *, void *, const char *,
		    char *, size_t);
static int	store_number(const struct conf_key *, void *, const char *,
		    char *, size_t);
static int	store_enum(const struct conf_key *, void *, const char *,
		    char *, size_t);
static int	store_techniques(uint32_t *, const char *, char *, size_t);
static int	store_bytes(struct bytes *, size_t, const char *, char *,
		    size_t);
static int	table_lookup(const char *const *, size_t, const char *);
static void	format_value(const struct conf_key *, const void *, char *,
		    size_t);
static void	format_bytes(const struct bytes *, char *, size_t);
static bool	value_equal(const struct conf_key *, const void *,
		    const void *);

static int
table_lookup(const char *const *names, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/* The name of an event backend as written in the file. */
const char *
conf_backend_name(enum event_backend b)
{
	return (unsigned)b <= BACKEND_SELECT ? backend_names[b] : "unknown";
}

/* "fin" or "rst". */
const char *
conf_close_mode_name(enum close_mode m)
{
	return (unsigned)m <= CLOSE_RST ? close_mode_names[m] : "unknown";
}

/* The syslog word for a level. */
const char *
conf_log_level_name(int level)
{
	size_t	i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "unknown";
}

/* The key of a [target]/[listen]/[defaults] section, or NULL. */
const struct conf_key *
conf_target_key(const char *name, enum section_kind kind, int *idx)
{
	unsigned	want = kind == SECTION_TARGET ? IN_TARGET :
			    kind == SECTION_LISTEN ? IN_LISTEN : IN_DEFAULTS;
	size_t		i;

	for (i = 0; i < NTARGET_KEYS; i++) {
		if (strcmp(target_keys[i].name, name) != 0)
			continue;
		if ((target_keys[i].sections & want) == 0)
			return NULL;
		*idx = (int)i;
		return &target_keys[i];
	}
	return NULL;
}

/* The key of the [daemon] section, or NULL. */
const struct conf_key *
conf_daemon_key(const char *name, int *idx)
{
	size_t	i;

	for (i = 0; i < NDAEMON_KEYS; i++) {
		if (strcmp(daemon_keys[i].name, name) == 0) {
			*idx = (int)i;
			return &daemon_keys[i];
		}
	}
	return NULL;
}

/* Why a key is refused: unknown everywhere, or out of place here. */
const char *
conf_key_unknown(const char *name, enum section_kind kind, char *buf,
    size_t len)
{
	const struct conf_key	*k = NULL;
	size_t			 i;

	if (kind != SECTION_DAEMON)
		for (i = 0; i < NTARGET_KEYS; i++)
			if (strcmp(target_keys[i].name, name) == 0)
				k = &target_keys[i];
	if (k == NULL) {
		(void)snprintf(buf, len, "unknown key %s", name);
		return buf;
	}
	(void)snprintf(buf, len, "%s: only valid in %s%s%s%s", name,
	    (k->sections & IN_TARGET) ? "[target]" : "[listen]",
	    (k->sections & IN_DEFAULTS) ? " and [defaults]" : "",
	    (k->sections & IN_TARGET) && (k->sections & IN_DEFAULTS) ?
	    " (it concerns outbound connections)" : "",
	    (k->sections & IN_LISTEN) && (k->sections & IN_DEFAULTS) &&
	    !(k->sections & IN_TARGET) ? " (it concerns listeners)" : "");
	return buf;
}

/* Check a host:port as the daemon will use it. */
int
conf_address_check(const char *s, const char **errstr)
{
	char		host[256];
	uint16_t	port;

	return sp_hostport_split(s, host, sizeof(host), &port, errstr);
}

/* A group name as useradd(8) makes them (the only CONF_STRING). */
static bool
group_name_valid(const char *s)
{
	size_t	n;

	if (*s == '-' || (n = strlen(s)) > 32)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n;
}

static int
store_string(const struct conf_key *k, void *dst, const char *value,
    char *errbuf, size_t errlen)
{
	char		**sp = (char **)((char *)dst + k->off);
	const char	 *errstr;
	char		 *copy = NULL, local[ADDR_MAX_LEN + 32];

	/* Only [daemon]'s metrics_listen may be empty (off). */
	if (k->type == CONF_ADDRESS && *value == '\0' && k->sections != 0) {
		(void)snprintf(errbuf, errlen, "expected host:port");
		return -1;
	}
	/* Its ":port" means loopback, never every interface. */
	if (k->type == CONF_ADDRESS && *value == ':' && k->sections == 0 &&
	    strlen(value) <= ADDR_MAX_LEN - 9) {
		(void)snprintf(local, sizeof(local), "127.0.0.1%s", value);
		value = local;
	}
	if (k->type == CONF_ADDRESS && *value != '\0' &&
	    conf_address_check(value, &errstr) == -1) {
		(void)snprintf(errbuf, errlen, "%s", errstr);
		return -1;
	}
	/* Printed back as written: nothing inih would read otherwise. */
	if (k->type == CONF_STRING && *value != '\0' &&
	    !group_name_valid(value)) {
		(void)snprintf(errbuf, errlen, "expected a group name (up to 32 "
		    "letters, digits, '_', '.' and '-', not first)");
		return -1;
	}
	if (k->type == CONF_PATH && (value[0] != '/' ||
	    strlen(value) >= 108)) {
		(void)snprintf(errbuf, errlen, "expected an absolute path of "
		    "at most 107 bytes");
		return -1;
	}
	if (k->type == CONF_ADDRESS && strlen(value) > ADDR_MAX_LEN) {
		(void)snprintf(errbuf, errlen, "longer than %d bytes",
		    ADDR_MAX_LEN);
		return -1;
	}
	if (*value != '\0' && (copy = strdup(value)) == NULL) {
		(void)snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	free(*sp);
	*sp = copy;
	return 0;
}

static int
store_number(const struct conf_key *k, void *dst, const char *value,
    char *errbuf, size_t errlen)
{
	char		*at = (char *)dst + k->off, *end;
	const char	*errstr;
	char		 lo[32], hi[32];
	uint64_t	 v;

	if (k->type == CONF_OPT_UINT && *value == '\0') {
		*(uint32_t *)at = 0;
		return 0;
	}
	if (k->type == CONF_UINT || k->type == CONF_OPT_UINT) {
		errno = 0;
		v = strtoull(value, &end, 10);
		if (*value == '\0' || *end != '\0' || !isdigit(
		    (unsigned char)*value) || errno != 0 || v < k->min ||
		    v > k->max) {
			(void)snprintf(errbuf, errlen, "expected a whole "
			    "number from %llu to %llu",
			    (unsigned long long)k->min,
			    (unsigned long long)k->max);
			return -1;
		}
		*(uint32_t *)at = (uint32_t)v;
		return 0;
	}
	if (sp_duration_parse(value, &v, &errstr) == -1) {
		(void)snprintf(errbuf, errlen, "%s", errstr);
		return -1;
	}
	if (k->type == CONF_SECONDS && v % 1000 != 0) {
		(void)snprintf(errbuf, errlen, "must be whole seconds (the "
		    "kernel's unit for keepalive)");
		return -1;
	}
	if ((v != 0 || k->min > 0) && (v < k->min || v > k->max)) {
		(void)snprintf(errbuf, errlen, "expected %s%s to %s",
		    k->min == 0 ? "0 or " : "",
		    sp_duration_format(k->min == 0 ? 1 : k->min, lo,
		    sizeof(lo)), sp_duration_format(k->max, hi, sizeof(hi)));
		return -1;
	}
	*(uint64_t *)at = v;
	return 0;
}

static int
store_enum(const struct conf_key *k, void *dst, const char *value,
    char *errbuf, size_t errlen)
{
	char	*at = (char *)dst + k->off;
	size_t	 i;
	int	 v;

	switch (k->type) {
	case CONF_BACKEND:
		v = table_lookup(backend_names, 4, value);
		if (v == -1)
			break;
		*(enum event_backend *)at = (enum event_backend)v;
		return 0;
	case CONF_CLOSE_MODE:
		v = table_lookup(close_mode_names, 2, value);
		if (v == -1)
			break;
		*(enum close_mode *)at = (enum close_mode)v;
		return 0;
	case CONF_BOOL:
		v = table_lookup(bool_names, 2, value);
		if (v == -1)
			break;
		*(bool *)at = v == 1;
		return 0;
	default:
		for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]);
		    i++) {
			if (strcmp(log_levels[i].name, value) == 0) {
				*(int *)at = log_levels[i].level;
				return 0;
			}
		}
		break;
	}
	(void)snprintf(errbuf, errlen, "expected %s",
	    k->type == CONF_BACKEND ? "auto, epoll, poll or select" :
	    k->type == CONF_CLOSE_MODE ? "fin or rst" :
	    k->type == CONF_BOOL ? "yes or no" :
	    "err, warning, notice, info or debug");
	return -1;
}

/* "read,write,..." into a mask; every word must name a technique. */
static int
store_techniques(uint32_t *mask, const char *value, char *errbuf,
    size_t errlen)
{
	enum sp_technique	 t;
	char			 copy[256], *word, *save;
	uint32_t		 m = 0;

	if (strlen(value) >= sizeof(copy)) {
		(void)snprintf(errbuf, errlen, "too long");
		return -1;
	}
	(void)snprintf(copy, sizeof(copy), "%s", value);
	for (word = strtok_r(copy, ", ", &save); word != NULL;
	    word = strtok_r(NULL, ", ", &save)) {
		if (sp_technique_parse(word, &t) == -1 ||
		    (TECH_BIT(t) & TECH_ALL) == 0) {
			(void)snprintf(errbuf, errlen, "unknown technique "
			    "'%s' (expected read, write, tcp_info, keepalive, "
			    "timeout, user_timeout)", word);
			return -1;
		}
		m |= TECH_BIT(t);
	}
	*mask = m;
	return 0;
}

/* A value with \r \n \t \\ \xHH escapes into bytes. */
static int
store_bytes(struct bytes *b, size_t max, const char *value, char *errbuf,
    size_t errlen)
{
	uint8_t		 buf[PAYLOAD_MAX], *copy = NULL;
	const char	*s;
	size_t		 n = 0;
	unsigned	 hex;

	for (s = value; *s != '\0'; s++) {
		if (n == max) {
			(void)snprintf(errbuf, errlen, "longer than %zu bytes",
			    max);
			return -1;
		}
		if (*s != '\\') {
			buf[n++] = (uint8_t)*s;
			continue;
		}
		s++;
		if (*s == 'r' || *s == 'n' || *s == 't' || *s == '\\')
			buf[n++] = *s == 'r' ? '\r' : *s == 'n' ? '\n' :
			    *s == 't' ? '\t' : '\\';
		else if (*s == 'x' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2]) &&
		    sscanf(s + 1, "%2x", &hex) == 1) {
			buf[n++] = (uint8_t)hex;
			s += 2;
		} else {
			(void)snprintf(errbuf, errlen, "bad escape (expected "
			    "\\r, \\n, \\t, \\\\ or \\xHH)");
			return -1;
		}
	}
	if (n > 0 && (copy = malloc(n)) == NULL) {
		(void)snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if (n > 0)
		memcpy(copy, buf, n);
	free(b->data);
	b->data = copy;
	b->len = n;
	return 0;
}

/* Convert value and store it into dst (a target or daemon conf). */
int
conf_key_store(const struct conf_key *k, void *dst, const char *value,
    char *errbuf, size_t errlen)
{
	switch (k->type) {
	case CONF_STRING:
	case CONF_ADDRESS:
	case CONF_PATH:
		return store_string(k, dst, value, errbuf, errlen);
	case CONF_DURATION:
	case CONF_SECONDS:
	case CONF_UINT:
	case CONF_OPT_UINT:
		return store_number(k, dst, value, errbuf, errlen);
	case CONF_BYTES:
		return store_bytes((struct bytes *)((char *)dst + k->off),
		    k->max, value, errbuf, errlen);
	case CONF_TECHNIQUES:
		return store_techniques((uint32_t *)((char *)dst + k->off),
		    value, errbuf, errlen);
	default:
		return store_enum(k, dst, value, errbuf, errlen);
	}
}

/* The built-in defaults of every target key. */
void
conf_keys_builtin(struct target_conf *t)
{
	char	errbuf[128];
	size_t	i;

	for (i = 0; i < NTARGET_KEYS; i++)
		if (target_keys[i].builtin != NULL)
			(void)conf_key_store(&target_keys[i], t,
			    target_keys[i].builtin, errbuf, sizeof(errbuf));
}

/* Free what a target conf owns, not the struct. */
void
conf_keys_release(struct target_conf *t)
{
	free(t->address);
	free(t->bind);
	free(t->probe_payload.data);
	free(t->probe_expect.data);
	t->address = t->bind = NULL;
	t->probe_payload.data = t->probe_expect.data = NULL;
}

/* Copy key idx's value from src to dst (deep for owned memory). */
void
conf_key_copy(size_t idx, struct target_conf *dst,
    const struct target_conf *src)
{
	const struct conf_key	*k;
	char			 buf[4 * PAYLOAD_MAX + 1], errbuf[128];

	/* Callers walk CONF_NKEYS slots; only the first NTARGET_KEYS exist. */
	if (idx >= NTARGET_KEYS)
		return;
	k = &target_keys[idx];
	switch (k->type) {
	case CONF_STRING:
	case CONF_ADDRESS:
	case CONF_PATH:
	case CONF_BYTES:
		/* Through the text form: one conversion path, no aliasing. */
		format_value(k, src, buf, sizeof(buf));
		(void)conf_key_store(k, dst, buf, errbuf, sizeof(errbuf));
		break;
	case CONF_DURATION:
	case CONF_SECONDS:
		*(uint64_t *)((char *)dst + k->off) =
		    *(const uint64_t *)((const char *)src + k->off);
		break;
	case CONF_CLOSE_MODE:
		*(enum close_mode *)((char *)dst + k->off) =
		    *(const enum close_mode *)((const char *)src + k->off);
		break;
	case CONF_BOOL:
		*(bool *)((char *)dst + k->off) =
		    *(const bool *)((const char *)src + k->off);
		break;
	default:
		*(uint32_t *)((char *)dst + k->off) =
		    *(const uint32_t *)((const char *)src + k->off);
		break;
	}
}

static void
format_bytes(const struct bytes *b, char *buf, size_t len)
{
	size_t	i, n = 0;
	uint8_t	c;

	buf[0] = '\0';
	for (i = 0; i < b->len && n + 5 < len; i++) {
		c = b->data[i];
		/* Edge blanks and ';' would be lost to inih's trimming. */
		if (c == '\r' || c == '\n' || c == '\t' || c == '\\')
			n += snprintf(buf + n, len - n, "\\%c", c == '\r' ?
			    'r' : c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
		else if (c < 0x20 || c >= 0x7f || c == ';' || c == '#' ||
		    (c == ' ' && (i == 0 || i == b->len - 1)))
			n += snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
		buf[n] = '\0';
	}
}

/* A value as a file would write it. */
static void
format_value(const struct conf_key *k, const void *src, char *buf, size_t len)
{
	const char	*at = (const char *)src + k->off;
	const char	*s;

	switch (k->type) {
	case CONF_STRING:
	case CONF_ADDRESS:
	case CONF_PATH:
		s = *(char *const *)at;
		(void)snprintf(buf, len, "%s", s != NULL ? s : "");
		break;
	case CONF_DURATION:
	case CONF_SECONDS:
		sp_duration_format(*(const uint64_t *)at, buf, len);
		break;
	case CONF_UINT:
	case CONF_OPT_UINT:
		if (k->type == CONF_OPT_UINT && *(const uint32_t *)at == 0)
			buf[0] = '\0';
		else
			(void)snprintf(buf, len, "%u", *(const uint32_t *)at);
		break;
	case CONF_BYTES:
		format_bytes((const struct bytes *)at, buf, len);
		break;
	case CONF_TECHNIQUES:
		conf_techniques_format(*(const uint32_t *)at, buf, len);
		break;
	case CONF_BACKEND:
		(void)snprintf(buf, len, "%s",
		    conf_backend_name(*(const enum event_backend *)at));
		break;
	case CONF_CLOSE_MODE:
		(void)snprintf(buf, len, "%s",
		    conf_close_mode_name(*(const enum close_mode *)at));
		break;
	case CONF_LOGLEVEL:
		(void)snprintf(buf, len, "%s",
		    conf_log_level_name(*(const int *)at));
		break;
	case CONF_BOOL:
		(void)snprintf(buf, len, "%s",
		    bool_names[*(const bool *)at ? 1 : 0]);
		break;
	}
}

static bool
value_equal(const struct conf_key *k, const void *a, const void *b)
{
	char	va[4 * PAYLOAD_MAX + 1], vb[4 * PAYLOAD_MAX + 1];

	format_value(k, a, va, sizeof(va));
	format_value(k, b, vb, sizeof(vb));
	return strcmp(va, vb) == 0;
}

/* "read,write,..." in the canonical order. */
char *
conf_techniques_format(uint32_t mask, char *buf, size_t len)
{
	size_t	n = 0;
	int	t;

	buf[0] = '\0';
	for (t = SP_TECH_READ; t < SP_TECH__MAX; t++) {
		if ((mask & TECH_BIT(t)) == 0)
			continue;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
		    n > 0 ? "," : "", sp_technique_name(t));
		if (n >= len)
			break;
	}
	return buf;
}

/*
 * One section: [defaults] with every key (all = true) or a target with
 * the keys that differ from [defaults], plus its address or bind.
 */
void
conf_print_section(const struct conf *c, const struct target_conf *t,
    FILE *fp, bool all)
{
	char		buf[4 * PAYLOAD_MAX + 1];
	unsigned	want;
	size_t		i;

	want = t->kind == SECTION_TARGET ? IN_TARGET :
	    t->kind == SECTION_LISTEN ? IN_LISTEN : IN_DEFAULTS;
	fprintf(fp, "[%s%s%s]\n", t->kind == SECTION_TARGET ? "target " :
	    t->kind == SECTION_LISTEN ? "listen " : "",
	    t->kind == SECTION_DEFAULTS ? "defaults" : "", t->kind ==
	    SECTION_DEFAULTS ? "" : t->name);
	for (i = 0; i < NTARGET_KEYS; i++) {
		const struct conf_key *k = &target_keys[i];

		if ((k->sections & want) == 0)
			continue;
		if (!all && k->builtin != NULL &&
		    value_equal(k, t, &c->defaults))
			continue;
		format_value(k, t, buf, sizeof(buf));
		fprintf(fp, "%s =%s%s\n", k->name, buf[0] != '\0' ? " " : "",
		    buf);
	}
}

/* The whole configuration, normalised: what `sockprobed -n` prints. */
void
conf_print(const struct conf *c, FILE *fp)
{
	const struct target_conf	*t;
	char				 buf[ADDR_MAX_LEN + 1];
	size_t				 i;

	fprintf(fp, "[daemon]\n");
	for (i = 0; i < NDAEMON_KEYS; i++) {
		format_value(&daemon_keys[i], &c->daemon, buf, sizeof(buf));
		fprintf(fp, "%s =%s%s\n", daemon_keys[i].name,
		    buf[0] != '\0' ? " " : "", buf);
	}
	fprintf(fp, "\n");
	conf_print_section(c, &c->defaults, fp, true);
	TAILQ_FOREACH(t, &c->targets, entry) {
		fprintf(fp, "\n");
		conf_print_section(c, t, fp, false);
	}
	TAILQ_FOREACH(t, &c->listens, entry) {
		fprintf(fp, "\n");
		conf_print_section(c, t, fp, false);
	}
}
