/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The control commands: one request line in, one response object out.
 * The request is checked in order (JSON syntax, an object, its "cmd",
 * the client's right to mutate, then each argument's type and range)
 * before anything is done; a bad request costs the client one error
 * object and changes nothing.  No socket here: control.c frames lines,
 * and the fuzzer calls commands_handle() directly.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"

#define ERRLEN		256		/* an argument's problem, in words */
#define MAX_SETTINGS	64		/* key=value pairs in one add */
#define KEY_MAX_LEN	32		/* a settings key */
#define VALUE_MAX_LEN	(4 * PAYLOAD_MAX)	/* \xHH escapes are 4 bytes */
/* Inbound targets are named LISTENER/ADDR:PORT. */
#define TARGET_NAME_MAX	(NAME_MAX_LEN + 1 + ADDR_MAX_LEN)

/* The request being validated and the first problem found in it. */
struct args {
	const json_t	*req;
	char		 err[ERRLEN];
};

struct command {
	const char	*name;			/* CTL_CMD_* from proto.h */
	int		 flags;
#define CMD_MUTATES	0x01			/* root, our uid or the group */
#define CMD_WATCH	0x02			/* success makes a watcher */
	json_t		*(*fn)(struct sockprobed *, const struct client_cred *,
			    const json_t *);
};

static json_t	*commands_error(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static size_t	 utf8_len(const unsigned char *);
static void	 utf8_clean(char *);
static json_t	*commands_bad(const struct args *);
static json_t	*commands_ok(json_t *);
static const struct command *commands_lookup(const char *);
static json_t	*commands_parse(const char *, size_t, char *);
static int	 arg_fail(struct args *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 arg_string(struct args *, const char *, bool, size_t,
		    const char **);
static int	 arg_uint(struct args *, const char *, uint64_t, uint64_t,
		    uint64_t *);
static int	 arg_new_name(struct args *, const char **);
static int	 arg_settings(struct args *, char ***, size_t *);
static int	 arg_pair(struct args *, const char *, const json_t *,
		    char **);
static int	 arg_keepalive(struct args *, struct sp_budget_opts *);
static int	 arg_budget_opts(struct args *, struct sp_budget_opts *);
static bool	 key_valid(const char *, size_t);
static void	 settings_free(char **, size_t);
static void	 target_budget_opts(const struct target *,
		    struct sp_budget_opts *, const char **);
static json_t	*explain_json(const struct sp_budget_opts *);
static json_t	*cmd_hello(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_status(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_show(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_watch(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_add(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_remove(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_reload(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_kernel(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_explain(struct sockprobed *, const struct client_cred *,
		    const json_t *);
static json_t	*cmd_metrics(struct sockprobed *, const struct client_cred *,
		    const json_t *);

/*
 * Every command, once; the dispatcher checks CMD_MUTATES, handlers never
 * do.  `sockets` is answered by survey.c.
 */
static const struct command commands[] = {
	{ CTL_CMD_HELLO,	0,		cmd_hello },
	{ CTL_CMD_STATUS,	0,		cmd_status },
	{ CTL_CMD_SHOW,		0,		cmd_show },
	{ CTL_CMD_WATCH,	CMD_WATCH,	cmd_watch },
	{ CTL_CMD_ADD,		CMD_MUTATES,	cmd_add },
	{ CTL_CMD_REMOVE,	CMD_MUTATES,	cmd_remove },
	{ CTL_CMD_RELOAD,	CMD_MUTATES,	cmd_reload },
	{ CTL_CMD_KERNEL,	0,		cmd_kernel },
	{ CTL_CMD_EXPLAIN,	0,		cmd_explain },
	{ CTL_CMD_SOCKETS,	0,		survey_cmd_sockets },
	{ CTL_CMD_METRICS,	0,		cmd_metrics },
};

/* The options `explain` takes instead of a target's name. */
static const char *const explain_keys[] = {
	"keepalive", "user_timeout_ms", "syn_retries", "linger2_s", "rto_ms",
	"recv_timeout_ms", "send_timeout_ms",
};

#define NEXPLAIN_KEYS	(sizeof(explain_keys) / sizeof(explain_keys[0]))

/*
 * {"ok": false, "error": {"code", "message"}}; NULL only without memory.
 * The message may quote the client's bytes (jansson's error text, a
 * name cut at a length): whatever is not UTF-8 becomes '?', or jansson
 * would refuse to build the string.
 */
static json_t *
commands_error(const char *code, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utf8_clean(msg);
	return json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error",
	    "code", code, "message", msg);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Replace each byte that does not start a valid UTF-8 sequence by '?'. */
static void
utf8_clean(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 n;

	while (*p != '\0') {
		if ((n = utf8_len(p)) == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

/* The bad_argument error for the problem an arg_*() found. */
static json_t *
commands_bad(const struct args *a)
{
	return commands_error(CTL_ERR_BAD_ARGUMENT, "%s", a->err);
}

/* Mark a response object successful; NULL (no memory) passes through. */
static json_t *
commands_ok(json_t *o)
{
	if (o != NULL && json_object_set_new(o, "ok", json_true()) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const struct command *
commands_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * The request object of a line, or NULL with the reason in why (ERRLEN
 * bytes).  jansson refuses invalid UTF-8, NUL bytes, trailing text and,
 * as asked, duplicate keys.
 */
static json_t *
commands_parse(const char *line, size_t len, char *why)
{
	json_error_t	 jerr;
	json_t		*req;
	size_t		 i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' ||
	    line[i] == '\r' || line[i] == '\n'); i++)
		;
	if (i == len) {
		(void)snprintf(why, ERRLEN, "empty request line");
		return NULL;
	}
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		(void)snprintf(why, ERRLEN, "invalid JSON at byte %d: %s",
		    jerr.position, jerr.text);
		return NULL;
	}
	if (!json_is_object(req)) {
		json_decref(req);
		(void)snprintf(why, ERRLEN, "a request must be a JSON object");
		return NULL;
	}
	return req;
}

/*
 * Handle one request line of a client and return the response object
 * (a new reference; NULL only when out of memory).  *watch becomes true
 * when the client is now a watcher.
 */
json_t *
commands_handle(struct sockprobed *sd, const struct client_cred *cred,
    const char *line, size_t len, bool *watch)
{
	const struct command	*cmd;
	const json_t		*jcmd;
	const char		*name;
	char			 why[ERRLEN];
	json_t			*req, *resp;

	*watch = false;
	if ((req = commands_parse(line, len, why)) == NULL)
		return commands_error(CTL_ERR_BAD_REQUEST, "%s", why);
	jcmd = json_object_get(req, "cmd");
	if (jcmd == NULL)
		resp = commands_error(CTL_ERR_BAD_REQUEST, "cmd: missing");
	else if ((name = json_string_value(jcmd)) == NULL)
		resp = commands_error(CTL_ERR_BAD_REQUEST,
		    "cmd: expected a string");
	else if ((cmd = commands_lookup(name)) == NULL)
		resp = commands_error(CTL_ERR_UNKNOWN_COMMAND,
		    "%.64s: unknown command", name);
	else if ((cmd->flags & CMD_MUTATES) && !cred->may_mutate) {
		log_info("control: uid %u pid %d: %s refused",
		    (unsigned)cred->uid, (int)cred->pid, cmd->name);
		resp = commands_error(CTL_ERR_NOT_AUTHORIZED, "%s: only root, "
		    "uid %u or the control group may", cmd->name,
		    (unsigned)geteuid());
	} else {
		if ((resp = cmd->fn(sd, cred, req)) == NULL)
			resp = commands_error(CTL_ERR_INTERNAL,
			    "%s: out of memory", cmd->name);
		else if ((cmd->flags & CMD_WATCH) &&
		    json_is_true(json_object_get(resp, "ok")))
			*watch = true;
	}
	json_decref(req);
	return resp;
}

/* Record the first problem with the arguments; returns -1. */
static int
arg_fail(struct args *a, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(a->err, sizeof(a->err), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Member key as a string of 1..max bytes: 1 and *out, 0 when absent and
 * not required (*out NULL), -1 when bad.
 */
static int
arg_string(struct args *a, const char *key, bool required, size_t max,
    const char **out)
{
	const json_t	*v = json_object_get(a->req, key);
	size_t		 len;

	*out = NULL;
	if (v == NULL)
		return required ? arg_fail(a, "%s: missing", key) : 0;
	if (!json_is_string(v))
		return arg_fail(a, "%s: expected a string", key);
	len = json_string_length(v);
	if (len == 0 || len > max)
		return arg_fail(a, "%s: expected 1 to %zu bytes, got %zu", key,
		    max, len);
	*out = json_string_value(v);
	return 1;
}

/* Optional member key as a whole number in [min, max]: 1, 0 absent, -1. */
static int
arg_uint(struct args *a, const char *key, uint64_t min, uint64_t max,
    uint64_t *out)
{
	const json_t	*v = json_object_get(a->req, key);
	json_int_t	 n;

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return arg_fail(a, "%s: expected an integer", key);
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return arg_fail(a, "%s: %lld out of range %llu..%llu", key,
		    (long long)n, (unsigned long long)min,
		    (unsigned long long)max);
	*out = (uint64_t)n;
	return 1;
}

/* "name" for a new target: the configuration file's rule for names. */
static int
arg_new_name(struct args *a, const char **out)
{
	const char	*p;

	if (arg_string(a, "name", true, NAME_MAX_LEN, out) == -1)
		return -1;
	for (p = *out; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			return arg_fail(a, "name: expected letters, digits, "
			    "'_', '.' or '-'");
	return 0;
}

/* A settings key as the configuration spells them: [a-z0-9_]. */
static bool
key_valid(const char *k, size_t len)
{
	size_t	i;

	if (len == 0 || len > KEY_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)k[i]) &&
		    !isdigit((unsigned char)k[i]) && k[i] != '_')
			return false;
	return true;
}

/*
 * One setting as "key=value" in a new string: key from the object form
 * (v its value, a string or a whole number), or NULL for the array form
 * (v the "key=value" string).  0, or -1 with the problem.
 */
static int
arg_pair(struct args *a, const char *key, const json_t *v, char **out)
{
	const char	*s, *eq;
	char		 num[32];
	size_t		 klen;

	if (json_is_integer(v) && key != NULL && json_integer_value(v) >= 0) {
		(void)snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(v));
		s = num;
	} else if ((s = json_string_value(v)) == NULL)
		return arg_fail(a, "settings: %.*s: expected %s", KEY_MAX_LEN,
		    key != NULL ? key : "item", key != NULL ?
		    "a string or a whole number" : "a \"key=value\" string");
	if (key == NULL) {
		if ((eq = strchr(s, '=')) == NULL)
			return arg_fail(a, "settings: %.64s: expected "
			    "key=value", s);
		klen = (size_t)(eq - s);
		key = s;
		s = eq + 1;
	} else
		klen = strlen(key);
	if (!key_valid(key, klen))
		return arg_fail(a, "settings: %.*s: not a setting name",
		    (int)(klen > 64 ? 64 : klen), key);
	if (klen == strlen("address") && strncmp(key, "address", klen) == 0)
		return arg_fail(a, "settings: address: give it as the "
		    "\"address\" argument");
	if (strlen(s) > VALUE_MAX_LEN || strpbrk(s, "\r\n") != NULL)
		return arg_fail(a, "settings: %.*s: value longer than %d bytes "
		    "or with a line break", (int)klen, key, VALUE_MAX_LEN);
	if (asprintf(out, "%.*s=%s", (int)klen, key, s) == -1)
		return arg_fail(a, "settings: out of memory");
	return 0;
}

/*
 * "settings" of add: an object {key: value} or an array of "key=value"
 * strings, or absent.  0 with a new array of pairs, or -1.
 */
static int
arg_settings(struct args *a, char ***pairs, size_t *npairs)
{
	json_t		*set = json_object_get(a->req, "settings"), *v;
	const char	*key;
	size_t		 n, i = 0;

	*pairs = NULL;
	*npairs = 0;
	if (set == NULL || json_is_null(set))
		return 0;
	if (json_is_object(set))
		n = json_object_size(set);
	else if (json_is_array(set))
		n = json_array_size(set);
	else
		return arg_fail(a, "settings: expected an object or an array");
	if (n > MAX_SETTINGS)
		return arg_fail(a, "settings: %zu of them, at most %d", n,
		    MAX_SETTINGS);
	if (n == 0)
		return 0;
	if ((*pairs = calloc(n, sizeof(**pairs))) == NULL)
		return arg_fail(a, "settings: out of memory");
	if (json_is_object(set)) {
		json_object_foreach(set, key, v)
			if (arg_pair(a, key, v, &(*pairs)[i++]) == -1)
				goto fail;
	} else {
		json_array_foreach(set, i, v)
			if (arg_pair(a, NULL, v, &(*pairs)[i]) == -1)
				goto fail;
	}
	*npairs = n;
	return 0;
fail:
	settings_free(*pairs, n);
	*pairs = NULL;
	return -1;
}

static void
settings_free(char **pairs, size_t n)
{
	size_t	i;

	if (pairs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(pairs[i]);
	free(pairs);
}

/*
 * explain's "keepalive": false (off), true (on with the kernel's
 * values) or [idle_s, interval_s, count] in the kernel's ranges.
 */
static int
arg_keepalive(struct args *a, struct sp_budget_opts *o)
{
	const json_t	*v = json_object_get(a->req, "keepalive"), *e;
	static const uint64_t max[3] = { 32767, 32767, 127 };
	static const char *const what[3] = { "idle_s", "interval_s", "count" };
	uint32_t	 val[3];
	size_t		 i;

	if (v == NULL)
		return 0;
	if (json_is_boolean(v)) {
		o->keepalive = json_is_true(v);
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) != 3)
		return arg_fail(a, "keepalive: expected true, false or "
		    "[idle_s, interval_s, count]");
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 1 ||
		    (uint64_t)json_integer_value(e) > max[i])
			return arg_fail(a, "keepalive: %s: expected an integer "
			    "in 1..%llu", what[i], (unsigned long long)max[i]);
		val[i] = (uint32_t)json_integer_value(e);
	}
	o->keepalive = true;
	o->keepalive_idle_s = val[0];
	o->keepalive_interval_s = val[1];
	o->keepalive_count = val[2];
	return 0;
}

/* explain's explicit options, each checked against the kernel's range. */
static int
arg_budget_opts(struct args *a, struct sp_budget_opts *o)
{
	uint64_t	v;
	int		r;

	memset(o, 0, sizeof(*o));
	if (arg_keepalive(a, o) == -1)
		return -1;
	if ((r = arg_uint(a, "user_timeout_ms", 0, INT_MAX, &v)) == -1)
		return -1;
	o->user_timeout_ms = r == 1 ? (uint32_t)v : 0;
	if ((r = arg_uint(a, "syn_retries", 1, 127, &v)) == -1)
		return -1;
	o->syn_retries = r == 1 ? (int)v : 0;
	if ((r = arg_uint(a, "linger2_s", 1, INT_MAX / 1000, &v)) == -1)
		return -1;
	o->linger2_s = r == 1 ? (int)v : 0;
	if ((r = arg_uint(a, "rto_ms", 1, 120000, &v)) == -1)
		return -1;
	o->rto_ms = r == 1 ? (uint32_t)v : 0;
	if ((r = arg_uint(a, "recv_timeout_ms", 0, INT_MAX, &v)) == -1)
		return -1;
	o->recv_timeout_ms = r == 1 ? (uint32_t)v : 0;
	if ((r = arg_uint(a, "send_timeout_ms", 0, INT_MAX, &v)) == -1)
		return -1;
	o->send_timeout_ms = r == 1 ? (uint32_t)v : 0;
	return 0;
}

/*
 * A target's options for the budget: read from its held socket once it
 * is established (the kernel's truth, RTO included; the options are set
 * then), else from its settings.
 */
static void
target_budget_opts(const struct target *t, struct sp_budget_opts *o,
    const char **source)
{
	const struct target_conf	*c = t->conf;

	memset(o, 0, sizeof(*o));
	if (target_held(t) && sp_budget_opts_read(t->fd, o) == 0) {
		*source = "socket";
		return;
	}
	memset(o, 0, sizeof(*o));
	*source = "settings";
	if (c == NULL)
		return;
	if (c->techniques & TECH_BIT(SP_TECH_KEEPALIVE)) {
		o->keepalive = true;
		o->keepalive_idle_s = (uint32_t)(c->keepalive_idle_ms / 1000);
		o->keepalive_interval_s =
		    (uint32_t)(c->keepalive_interval_ms / 1000);
		o->keepalive_count = c->keepalive_count;
	}
	if (c->techniques & TECH_BIT(SP_TECH_USER_TIMEOUT))
		o->user_timeout_ms = (uint32_t)(c->user_timeout_ms > INT_MAX ?
		    INT_MAX : c->user_timeout_ms);
	if (c->techniques & TECH_BIT(SP_TECH_TIMEOUT)) {
		o->recv_timeout_ms = (uint32_t)(c->recv_timeout_ms > INT_MAX ?
		    INT_MAX : c->recv_timeout_ms);
		o->send_timeout_ms = (uint32_t)(c->send_timeout_ms > INT_MAX ?
		    INT_MAX : c->send_timeout_ms);
	}
	o->syn_retries = (int)c->syn_retries;
}

/*
 * {"options", "modes", "warnings"} for options o on this host; the
 * model's defaults stand in when /proc cannot be read.
 */
static json_t *
explain_json(const struct sp_budget_opts *o)
{
	struct sp_kernel	 k;
	struct sp_budget	 b;
	json_t			*resp;

	if (sp_kernel_read(NULL, &k) == -1)
		sp_kernel_defaults(&k);
	if (sp_budget_compute(&k, o, &b) == -1)
		return commands_error(CTL_ERR_INTERNAL, "budget: %s",
		    strerror(errno));
	if ((resp = proto_budget_json(&b)) == NULL)
		return NULL;
	if (json_object_set_new(resp, "options",
	    proto_budget_opts_json(o)) == -1) {
		json_decref(resp);
		return NULL;
	}
	return commands_ok(resp);
}

/* hello: who we are, and whether this client may change things. */
static json_t *
cmd_hello(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	char	started[64];

	(void)req;
	proto_time_format(&sd->started, started, sizeof(started));
	return json_pack("{s:b, s:i, s:s, s:I, s:s, s:s, s:b}",
	    "ok", 1,
	    "proto", CTL_PROTO_VERSION,
	    "version", PACKAGE_VERSION,
	    "pid", (json_int_t)getpid(),
	    "backend", event_base_get_method(sd->base),
	    "started", started,
	    "may_mutate", cred->may_mutate);
}

/* status: every monitored connection, in the order they were made. */
static json_t *
cmd_status(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	const struct target	*t;
	json_t			*a, *o;
	json_int_t		 n[HEALTH__MAX] = { 0 };

	(void)cred;
	(void)req;
	if ((a = json_array()) == NULL)
		return NULL;
	TAILQ_FOREACH(t, &sd->targets, entry) {
		if ((o = target_status_json(t)) == NULL ||
		    json_array_append_new(a, o) == -1) {
			json_decref(a);
			return NULL;
		}
		if (t->health.state < HEALTH__MAX)
			n[t->health.state]++;
	}
	/*
	 * The counts come first: a client that only needs them (the exit
	 * status of status --json) reads them without parsing every target.
	 */
	return json_pack("{s:b, s:{s:I, s:I, s:I, s:I}, s:o}", "ok", 1,
	    "summary", "connecting", n[HEALTH_CONNECTING], "up", n[HEALTH_UP],
	    "degraded", n[HEALTH_DEGRADED], "down", n[HEALTH_DOWN],
	    "targets", a);
}

/* show {name}: one connection in full. */
static json_t *
cmd_show(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	struct args	 a = { .req = req };
	struct target	*t;
	const char	*name;
	json_t		*o;

	(void)cred;
	if (arg_string(&a, "name", true, TARGET_NAME_MAX, &name) == -1)
		return commands_bad(&a);
	if ((t = target_find(sd, name)) == NULL)
		return commands_error(CTL_ERR_NOT_FOUND, "%s: no such target",
		    name);
	if ((o = target_show_json(t)) == NULL)
		return NULL;
	return json_pack("{s:b, s:o}", "ok", 1, "target", o);
}

/* watch: the caller streams events from now on (control.c does that). */
static json_t *
cmd_watch(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	(void)sd;
	(void)cred;
	(void)req;
	return json_pack("{s:b, s:b}", "ok", 1, "watching", 1);
}

/*
 * add {name, address, settings}: a target on top of the running
 * [defaults], monitored at once; it lasts until the next reload.
 */
static json_t *
cmd_add(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	struct args		 a = { .req = req };
	struct target_conf	*tc;
	struct target		*t;
	const char		*name, *address;
	char			**pairs = NULL, errbuf[ERRLEN];
	size_t			 npairs = 0;

	if (arg_new_name(&a, &name) == -1 ||
	    arg_string(&a, "address", true, ADDR_MAX_LEN, &address) == -1 ||
	    arg_settings(&a, &pairs, &npairs) == -1)
		return commands_bad(&a);
	if (target_find(sd, name) != NULL) {
		settings_free(pairs, npairs);
		return commands_error(CTL_ERR_EXISTS, "%s: a target of that "
		    "name exists", name);
	}
	tc = conf_target_from_pairs(sd->conf, name, address,
	    (const char *const *)pairs, npairs, errbuf, sizeof(errbuf));
	settings_free(pairs, npairs);
	if (tc == NULL)
		return commands_error(CTL_ERR_BAD_ARGUMENT, "%s", errbuf);
	t = target_new(sd, tc);
	target_start(t);
	log_info("control: uid %u pid %d: added target %s %s",
	    (unsigned)cred->uid, (int)cred->pid, name, address);
	return json_pack("{s:b, s:o}", "ok", 1, "target",
	    target_status_json(t));
}

/* remove {name}: stop monitoring a target and forget it. */
static json_t *
cmd_remove(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	struct args	 a = { .req = req };
	struct target	*t;
	const char	*name;

	if (arg_string(&a, "name", true, TARGET_NAME_MAX, &name) == -1)
		return commands_bad(&a);
	if ((t = target_find(sd, name)) == NULL)
		return commands_error(CTL_ERR_NOT_FOUND, "%s: no such target",
		    name);
	if (t->kind != TARGET_OUTBOUND)
		return commands_error(CTL_ERR_BAD_ARGUMENT, "%s: a peer "
		    "accepted on a [listen], not a target", name);
	log_info("control: uid %u pid %d: removed target %s",
	    (unsigned)cred->uid, (int)cred->pid, name);
	/* Its "down: removed" event goes to watchers before this answer. */
	target_remove(t);
	return json_pack("{s:b, s:s}", "ok", 1, "removed", name);
}

/*
 * reload: reread the file; when it is bad, nothing changes and the
 * response carries each FILE:LINE message in "errors".
 */
static json_t *
cmd_reload(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	struct conf_errors	 errs = { 0 };
	json_t			*resp, *lines;
	size_t			 i;

	(void)req;
	log_info("control: uid %u pid %d: reload", (unsigned)cred->uid,
	    (int)cred->pid);
	if (sockprobed_reload(sd, &errs) == 0)
		return json_pack("{s:b, s:o, s:I}", "ok", 1,
		    "config", sd->conf_path != NULL ?
		    json_string(sd->conf_path) : json_null(),
		    "targets", (json_int_t)sd->ntargets);
	for (i = 0; i < errs.n; i++)
		log_warnx("reload refused: %s", errs.lines[i]);
	lines = json_array();
	for (i = 0; lines != NULL && i < errs.n; i++)
		json_array_append_new(lines, json_string(errs.lines[i]));
	resp = commands_error(CTL_ERR_RELOAD_FAILED, "%s: %zu error%s, "
	    "the running configuration stays", sd->conf_path != NULL ?
	    sd->conf_path : "built-in defaults", errs.n,
	    errs.n == 1 ? "" : "s");
	conf_errors_clear(&errs);
	if (resp == NULL || lines == NULL ||
	    json_object_set_new(resp, "errors", lines) == -1) {
		json_decref(resp);
		return NULL;
	}
	return resp;
}

/* kernel: this host's TCP sysctls, as the daemon's namespace sees them. */
static json_t *
cmd_kernel(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	struct sp_kernel	k;

	(void)sd;
	(void)cred;
	(void)req;
	if (sp_kernel_read(NULL, &k) == -1)
		return commands_error(CTL_ERR_INTERNAL, "/proc/sys/net/ipv4: "
		    "%s", strerror(errno));
	return json_pack("{s:b, s:o}", "ok", 1, "sysctls",
	    proto_kernel_json(&k));
}

/*
 * explain {name} or explain {options}: the worst-case detection time in
 * each failure mode, for a target's socket (or settings) or for the
 * options given.
 */
static json_t *
cmd_explain(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	struct args		 a = { .req = req };
	struct sp_budget_opts	 o;
	const struct target	*t;
	const char		*name, *source;
	json_t			*resp;
	size_t			 i;
	int			 r;

	(void)cred;
	if ((r = arg_string(&a, "name", false, TARGET_NAME_MAX, &name)) == -1)
		return commands_bad(&a);
	if (r == 0) {
		if (arg_budget_opts(&a, &o) == -1)
			return commands_bad(&a);
		return explain_json(&o);
	}
	for (i = 0; i < NEXPLAIN_KEYS; i++)
		if (json_object_get(req, explain_keys[i]) != NULL)
			return commands_error(CTL_ERR_BAD_ARGUMENT, "%s: not "
			    "with name: a target's options are its own",
			    explain_keys[i]);
	if ((t = target_find(sd, name)) == NULL)
		return commands_error(CTL_ERR_NOT_FOUND, "%s: no such target",
		    name);
	target_budget_opts(t, &o, &source);
	if ((resp = explain_json(&o)) == NULL)
		return NULL;
	if (json_is_true(json_object_get(resp, "ok")) &&
	    (json_object_set_new(resp, "target", json_string(t->name)) == -1 ||
	    json_object_set_new(resp, "source", json_string(source)) == -1)) {
		json_decref(resp);
		return NULL;
	}
	return resp;
}

/* metrics: the text GET /metrics serves, in "text". */
static json_t *
cmd_metrics(struct sockprobed *sd, const struct client_cred *cred,
    const json_t *req)
{
	(void)cred;
	(void)req;
	return commands_ok(metrics_json(sd));
}
