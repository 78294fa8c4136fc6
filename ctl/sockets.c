/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl sockets: the filters of the request, checked before the
 * daemon is asked, and the survey for people: counts by state, CLOSE_WAIT
 * by process with the leak suspects, TIME_WAIT and FIN_WAIT2 by
 * destination, the flows retransmitting now, the accept queues.
 */

#include "config.h"

#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

static void	 sockets_states(json_t *, const char *);
static const char *str_or(const json_t *, const char *, const char *);
static json_int_t num(const json_t *, const char *);
static void	 render_counts(const json_t *);
static void	 render_closewait(const json_t *);
static void	 render_dests(const char *, const json_t *);
static void	 render_flows(const json_t *);
static void	 render_listeners(const json_t *);

/*
 * --state: a comma-separated list of states as the kernel names them,
 * in any case and with '-' for '_' as ss writes them ("close-wait").
 */
static void
sockets_states(json_t *req, const char *list)
{
	enum sp_tcp_state	 st;
	json_t			*a = xjson(json_array());
	char			*copy, *word, *rest, *p;

	if ((copy = strdup(list)) == NULL)
		err(EXIT_DOWN, "strdup");
	for (rest = copy; (word = strsep(&rest, ",")) != NULL;) {
		for (p = word; *p != '\0'; p++)
			*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		if (sp_tcp_state_parse(word, &st) == -1 ||
		    st == SP_TCP_UNKNOWN || st == SP_TCP_NEW_SYN_RECV)
			errx(EXIT_USAGE, "--state: %s: not a TCP state "
			    "(established, syn-sent, syn-recv, fin-wait1, "
			    "fin-wait2, time-wait, close, close-wait, "
			    "last-ack, listen, closing)", word);
		json_array_append_new(a, xjson(json_string(word)));
	}
	free(copy);
	json_object_set_new(req, "state", a);
}

/* The filters of `sockets` into its request; a bad one exits 2. */
void
sockets_request(const struct ctl *ctl, json_t *req)
{
	const char	*p;

	if (ctl->states != NULL)
		sockets_states(req, ctl->states);
	if (ctl->port != 0)
		json_object_set_new(req, "port", xjson(json_integer(ctl->port)));
	if (ctl->top != 0)
		json_object_set_new(req, "limit", xjson(json_integer(ctl->top)));
	if (ctl->process == NULL)
		return;
	for (p = ctl->process; *p >= '0' && *p <= '9'; p++)
		;
	if (*p == '\0' && p != ctl->process) {
		if (strlen(ctl->process) > 9 || atol(ctl->process) == 0)
			errx(EXIT_USAGE, "--process: %s: not a process id",
			    ctl->process);
		json_object_set_new(req, "pid",
		    xjson(json_integer(atol(ctl->process))));
	} else if (*ctl->process == '\0' || strlen(ctl->process) > 15)
		errx(EXIT_USAGE, "--process: '%s': expected a process id or "
		    "a command name of 1 to 15 bytes", ctl->process);
	else
		json_object_set_new(req, "comm",
		    xjson(json_string(ctl->process)));
}

static const char *
str_or(const json_t *o, const char *key, const char *dflt)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : dflt;
}

static json_int_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The states that have sockets, and the orphans. */
static void
render_counts(const json_t *resp)
{
	static const struct column cols[] = {
		{ "STATE", "state", 0 },
		{ "SOCKETS", "sockets", 0 },
	};
	json_t		*counts = json_object_get(resp, "counts"), *v;
	json_t		*rows = xjson(json_array());
	const char	*state;

	json_object_foreach(counts, state, v)
		if (json_integer_value(v) > 0)
			json_array_append_new(rows, xjson(json_pack("{s:s, s:O}",
			    "state", state, "sockets", v)));
	json_array_append_new(rows, xjson(json_pack("{s:s, s:O}", "state",
	    "(orphans)", "sockets", json_object_get(resp, "orphans"))));
	output_section("Sockets by state");
	output_table(cols, sizeof(cols) / sizeof(cols[0]), rows);
	json_decref(rows);
}

/*
 * CLOSE_WAIT by process and port, then the sockets of each group with
 * their age: a CLOSE_WAIT ends only when its program closes it.
 */
static void
render_closewait(const json_t *resp)
{
	static const struct column gcols[] = {
		{ "PID", "pid", COL_RIGHT },
		{ "COMMAND", "comm", 0 },
		{ "UID", "uid", 0 },
		{ "PORT", "port", 0 },
		{ "SIDE", "side", 0 },
		{ "SOCKETS", "count", 0 },
		{ "SUSPECTS", "suspects", 0 },
		{ "OLDEST", "oldest_age_ms", COL_MS },
	};
	static const struct column scols[] = {
		{ "PID", "pid", COL_RIGHT },
		{ "COMMAND", "comm", 0 },
		{ "LOCAL", "local", 0 },
		{ "PEER", "peer", 0 },
		{ "AGE", "age_ms", COL_MS },
		{ "SUSPECT", "suspect", 0 },
	};
	const json_t	*cw = json_object_get(resp, "closewait"), *g, *s;
	const json_t	*survey = json_object_get(resp, "survey");
	json_t		*socks = xjson(json_array()), *row;
	char		 title[256], alarm[32];
	size_t		 i, k;

	if (num(survey, "closewait_alarm_ms") > 0)
		output_ms(num(survey, "closewait_alarm_ms"), alarm,
		    sizeof(alarm));
	else
		snprintf(alarm, sizeof(alarm), "off");
	snprintf(title, sizeof(title), "CLOSE_WAIT by process: %lld "
	    "socket%s, %lld leak suspect%s (alarm after %s)",
	    (long long)num(cw, "total"), num(cw, "total") == 1 ? "" : "s",
	    (long long)num(cw, "suspects"),
	    num(cw, "suspects") == 1 ? "" : "s", alarm);
	output_section(title);
	if (json_array_size(json_object_get(cw, "groups")) == 0) {
		json_decref(socks);
		return;
	}
	output_table(gcols, sizeof(gcols) / sizeof(gcols[0]),
	    json_object_get(cw, "groups"));
	json_array_foreach(json_object_get(cw, "groups"), i, g) {
		json_array_foreach(json_object_get(g, "sockets"), k, s) {
			row = xjson(json_deep_copy(s));
			json_object_set(row, "pid", json_object_get(g, "pid"));
			json_object_set(row, "comm",
			    json_object_get(g, "comm"));
			json_array_append_new(socks, row);
		}
	}
	output_section("CLOSE_WAIT sockets, oldest of each group first");
	output_table(scols, sizeof(scols) / sizeof(scols[0]), socks);
	json_decref(socks);
}

/* TIME_WAIT or FIN_WAIT2 by destination. */
static void
render_dests(const char *state, const json_t *d)
{
	static const struct column cols[] = {
		{ "PEER", "peer", 0 },
		{ "SOCKETS", "count", 0 },
	};
	char	title[128];

	snprintf(title, sizeof(title), "%s by destination: %lld socket%s, "
	    "%lld destination%s", state, (long long)num(d, "total"),
	    num(d, "total") == 1 ? "" : "s",
	    (long long)num(d, "destinations_total"),
	    num(d, "destinations_total") == 1 ? "" : "s");
	output_section(title);
	if (json_array_size(json_object_get(d, "destinations")) > 0)
		output_table(cols, sizeof(cols) / sizeof(cols[0]),
		    json_object_get(d, "destinations"));
}

static void
render_flows(const json_t *resp)
{
	static const struct column cols[] = {
		{ "LOCAL", "local", 0 },
		{ "PEER", "peer", 0 },
		{ "STATE", "state", 0 },
		{ "RETRANS", "retransmits", 0 },
		{ "BACKOFF", "backoff", 0 },
		{ "LOST", "lost", 0 },
		{ "UNACKED", "unacked", 0 },
		{ "RTT", "rtt_us", COL_US },
		{ "RTO", "rto_us", COL_US },
		{ "PID", "pid", COL_RIGHT },
		{ "COMMAND", "comm", 0 },
	};
	const json_t	*f = json_object_get(resp, "retransmitting");
	char		 title[128];

	snprintf(title, sizeof(title), "Retransmitting now: %lld flow%s",
	    (long long)num(f, "total"), num(f, "total") == 1 ? "" : "s");
	output_section(title);
	if (json_array_size(json_object_get(f, "flows")) > 0)
		output_table(cols, sizeof(cols) / sizeof(cols[0]),
		    json_object_get(f, "flows"));
}

/* Listeners with connections waiting: the fill is the ctl's arithmetic. */
static void
render_listeners(const json_t *resp)
{
	static const struct column cols[] = {
		{ "LOCAL", "local", 0 },
		{ "QUEUE", "queue", 0 },
		{ "BACKLOG", "backlog", 0 },
		{ "FILL", "fill", COL_RIGHT },
		{ "STATE", "verdict", 0 },
		{ "PID", "pid", COL_RIGHT },
		{ "COMMAND", "comm", 0 },
	};
	const json_t	*l = json_object_get(resp, "listeners");
	json_t		*rows = xjson(json_deep_copy(json_object_get(l,
			    "queues"))), *row;
	char		 title[160], fill[16];
	json_int_t	 backlog;
	size_t		 i;

	snprintf(title, sizeof(title), "Accept queues: %lld listener%s, "
	    "%lld with connections waiting, %lld full",
	    (long long)num(l, "total"), num(l, "total") == 1 ? "" : "s",
	    (long long)num(l, "queued"), (long long)num(l, "full"));
	output_section(title);
	json_array_foreach(rows, i, row) {
		backlog = num(row, "backlog");
		snprintf(fill, sizeof(fill), "%lld%%", backlog > 0 ?
		    (long long)(num(row, "queue") * 100 / backlog) : 100LL);
		json_object_set_new(row, "fill", xjson(json_string(fill)));
		json_object_set_new(row, "verdict", xjson(json_string(
		    json_is_true(json_object_get(row, "full")) ?
		    "full: SYNs dropped" :
		    json_is_true(json_object_get(row, "near_full")) ?
		    "near full" : "-")));
	}
	if (json_array_size(rows) > 0)
		output_table(cols, sizeof(cols) / sizeof(cols[0]), rows);
	json_decref(rows);
}

/* The survey for people; --json prints the daemon's object instead. */
void
sockets_render(const json_t *resp)
{
	const json_t	*survey = json_object_get(resp, "survey");
	const json_t	*owners = json_object_get(survey, "owners");
	struct kv	*kv = kv_new();
	char		 buf[64];

	output_section("Survey");
	kv_add(kv, "time", COLOR_NONE, "%s", str_or(resp, "time", "-"));
	kv_add(kv, "sockets", COLOR_NONE, "%lld, %lld matching the filters",
	    (long long)num(survey, "sockets"),
	    (long long)num(survey, "selected"));
	kv_add(kv, "cost", COLOR_NONE, "%s of CPU",
	    output_us(num(survey, "cpu_us"), buf, sizeof(buf)));
	if (num(owners, "found") < num(owners, "asked"))
		kv_add(kv, "processes", COLOR_YELLOW, "unknown for %lld of %lld "
		    "sockets: sockprobed may not read another user's "
		    "/proc/PID/fd", (long long)(num(owners, "asked") -
		    num(owners, "found")), (long long)num(owners, "asked"));
	kv_print(kv);
	kv_free(kv);
	render_counts(resp);
	render_closewait(resp);
	render_dests("TIME_WAIT", json_object_get(resp, "time_wait"));
	render_dests("FIN_WAIT2", json_object_get(resp, "fin_wait2"));
	render_flows(resp);
	render_listeners(resp);
}
