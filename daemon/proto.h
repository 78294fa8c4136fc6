/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The control protocol: command names, error codes, limits and the
 * version, spelled once for sockprobed and sockprobectl; and the JSON
 * encoders of library results that both emit, so the daemon and the
 * standalone verbs print the same objects.
 */

#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "sockprobe.h"

/*
 * Bump when a field changes meaning or disappears; additions do not
 * bump it and readers ignore fields they do not know.
 *
 * History:
 *  1  first version.
 */
#define CTL_PROTO_VERSION	1

/* Commands: one JSON object per line with "cmd" set to one of these. */
#define CTL_CMD_HELLO		"hello"
#define CTL_CMD_STATUS		"status"
#define CTL_CMD_SHOW		"show"
#define CTL_CMD_WATCH		"watch"
#define CTL_CMD_ADD		"add"
#define CTL_CMD_REMOVE		"remove"
#define CTL_CMD_RELOAD		"reload"
#define CTL_CMD_KERNEL		"kernel"
#define CTL_CMD_EXPLAIN		"explain"
#define CTL_CMD_SOCKETS		"sockets"
#define CTL_CMD_METRICS		"metrics"

/* Error codes, in "error": {"code": ..., "message": ...}. */
#define CTL_ERR_BAD_REQUEST	"bad_request"		/* not JSON, not an object */
#define CTL_ERR_UNKNOWN_COMMAND	"unknown_command"
#define CTL_ERR_BAD_ARGUMENT	"bad_argument"		/* wrong type or range */
#define CTL_ERR_NOT_FOUND	"not_found"
#define CTL_ERR_EXISTS		"exists"
#define CTL_ERR_NOT_AUTHORIZED	"not_authorized"
#define CTL_ERR_TOO_LONG	"request_too_long"	/* then dropped */
#define CTL_ERR_TOO_MANY	"too_many_clients"	/* then dropped */
#define CTL_ERR_IDLE		"idle_timeout"		/* then dropped */
#define CTL_ERR_RELOAD_FAILED	"reload_failed"
#define CTL_ERR_INTERNAL	"internal"

/* Limits the daemon enforces on each client. */
#define CTL_MAX_LINE		65536		/* bytes per request line */
#define CTL_MAX_CLIENTS		128		/* connected at once */
#define CTL_MAX_WATCHERS	96		/* of them watching: the rest
						 * stay free for requests */
#define CTL_IDLE_MS		60000		/* silence before a drop */
#define CTL_MAX_OUTPUT		(4 * 1024 * 1024)	/* unread bytes, then
							 * a client is dropped */
/* The longest answer line a client accepts: status of a million targets. */
#define CTL_MAX_RESPONSE	(1024 * 1024 * 1024)

/* Health of a monitored connection (DESIGN.md). */
enum health {
	HEALTH_CONNECTING = 0,
	HEALTH_UP,
	HEALTH_DEGRADED,
	HEALTH_DOWN,
	HEALTH__MAX
};

/* proto.c */
const char	*proto_health_name(enum health);
int		 proto_health_parse(const char *, enum health *);
/* RFC 3339 UTC with microseconds: "2026-11-24T10:00:00.123456Z". */
void		 proto_time_format(const struct timespec *, char *, size_t);
/* {"technique","cause","error","tcp_state","detail"}: error is the errno
 * name ("ECONNRESET") or "" when none. */
json_t		*proto_verdict_json(const struct sp_verdict *);
/* Every field the kernel provided, by sp_tcp_info_field_name(), with
 * "state" as its name. */
json_t		*proto_tcp_info_json(const struct sp_tcp_info *);
/* {"modes": [{"mode","detect_ms","technique","cause","how"}...],
 *  "warnings": [{"name","text"}...]}; detect_ms null for never. */
json_t		*proto_budget_json(const struct sp_budget *);
/* The options a budget is computed for: null is the kernel's value
 * (a knob left unset), 0 a timeout that is off. */
json_t		*proto_budget_opts_json(const struct sp_budget_opts *);
/* [{"name","value","present","effect_ms","meaning"}...] */
json_t		*proto_kernel_json(const struct sp_kernel *);
/* The symbolic name of an errno ("ETIMEDOUT"), or "" for 0. */
const char	*proto_errno_name(int);

#endif /* PROTO_H */
