/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * What the control socket shows of a target: one status line, and the
 * full view for `show`: TCP_INFO, settings, techniques in force and why
 * not, the detection budget and the recent events.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"

static json_t	*target_json_tcp_info(const struct target *);
static json_t	*target_json_settings(const struct target *);
static const char *target_json_why(const struct target *, enum sp_technique);
static json_t	*target_json_techniques(const struct target *);
static void	 target_json_budget_conf(const struct target *,
		    struct sp_budget_opts *);
static json_t	*target_json_budget(const struct target *);
static json_t	*target_json_fresh(const struct target *);

static const char *const phase_names[] = {
	[PHASE_IDLE] = "idle",
	[PHASE_RESOLVING] = "resolving",
	[PHASE_CONNECTING] = "connecting",
	[PHASE_CONNECTED] = "connected",
	[PHASE_WAITING] = "waiting",
	[PHASE_GONE] = "gone",
};

/* One status entry: who, how healthy since when, and the last trouble. */
json_t *
target_status_json(const struct target *t)
{
	const struct hstate	*h = &t->health;
	char			 since[40];

	proto_time_format(&h->since, since, sizeof(since));
	/* Without a held connection there is no rtt: null, shown as "-". */
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:s, "
	    "s:s, s:s, s:I}",
	    "name", t->name,
	    "kind", t->kind == TARGET_INBOUND ? "inbound" : "target",
	    "peer", target_peer(t),
	    "health", proto_health_name(h->state),
	    "since", since,
	    "tcp_state", sp_tcp_state_name((enum sp_tcp_state)t->tcp.state),
	    "rtt_us", target_held(t) ? json_integer((json_int_t)t->tcp.rtt_us) :
	    json_null(),
	    "retransmits", (json_int_t)t->tcp.retransmits,
	    "total_retrans", (json_int_t)t->tcp.total_retrans,
	    "last_cause", sp_cause_name((enum sp_cause)h->last_cause),
	    "last_technique",
	    sp_technique_name((enum sp_technique)h->last_technique),
	    "last_error", proto_errno_name(h->last_error),
	    "connect_us", (json_int_t)t->connect_us);
}

/* TCP_INFO read now, or null when no connection is held. */
static json_t *
target_json_tcp_info(const struct target *t)
{
	struct sp_tcp_info	 ti;
	json_t			*j;

	if (!target_held(t) || sp_tcp_info_read(t->fd, &ti) == -1)
		return json_null();
	j = proto_tcp_info_json(&ti);
	return j != NULL ? j : json_null();
}

/* The resolved settings, every key, as `sockprobed -n` writes them. */
static json_t *
target_json_settings(const struct target *t)
{
	json_t	*o;
	char	*text = NULL, *line, *save = NULL, *eq, *val;
	size_t	 len = 0;
	FILE	*fp;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((fp = open_memstream(&text, &len)) == NULL)
		return o;
	conf_print_section(t->sd->conf, t->conf, fp, true);
	if (fclose(fp) != 0 || text == NULL) {
		free(text);
		return o;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[' || (eq = strstr(line, " =")) == NULL)
			continue;
		*eq = '\0';
		val = eq + 2;
		if (*val == ' ')
			val++;
		/* A value that is not UTF-8 is left out rather than mangled. */
		(void)json_object_set_new(o, line, json_string(val));
	}
	free(text);
	return o;
}

/* Why technique x does nothing on t, or NULL when it is in force. */
static const char *
target_json_why(const struct target *t, enum sp_technique x)
{
	const struct target_conf	*c = t->conf;

	if (x == SP_TECH_CONNECT)
		return t->kind == TARGET_INBOUND ?
		    "accepted connection: the peer connected to us" : NULL;
	if (!target_tech_on(t, x))
		return "switched off by techniques";
	switch (x) {
	case SP_TECH_WRITE:
		if (c->probe_payload.len == 0)
			return "no probe_payload: a zero-length send "
			    "transmits nothing and proves nothing";
		break;
	case SP_TECH_TIMEOUT:
		if (c->recv_timeout_ms == 0 && c->send_timeout_ms == 0)
			return "recv_timeout and send_timeout are 0";
		if (c->probe_payload.len == 0)
			return "no probe_payload: deadlines need a request "
			    "to time";
		break;
	case SP_TECH_USER_TIMEOUT:
		if (c->user_timeout_ms == 0)
			return "user_timeout is 0";
		break;
	default:
		break;
	}
	return NULL;
}

/* [{"name","active","why"}] for every technique. */
static json_t *
target_json_techniques(const struct target *t)
{
	json_t		*a;
	const char	*why;
	int		 x;

	if ((a = json_array()) == NULL)
		return NULL;
	for (x = SP_TECH_READ; x < SP_TECH__MAX; x++) {
		why = target_json_why(t, (enum sp_technique)x);
		json_array_append_new(a, json_pack("{s:s, s:b, s:s}",
		    "name", sp_technique_name((enum sp_technique)x),
		    "active", why == NULL,
		    "why", why != NULL ? why : ""));
	}
	return a;
}

/* The options a connection of t would get, from the conf. */
static void
target_json_budget_conf(const struct target *t, struct sp_budget_opts *o)
{
	const struct target_conf	*c = t->conf;

	memset(o, 0, sizeof(*o));
	if (target_tech_on(t, SP_TECH_KEEPALIVE)) {
		o->keepalive = true;
		o->keepalive_idle_s = (uint32_t)(c->keepalive_idle_ms / 1000);
		o->keepalive_interval_s =
		    (uint32_t)(c->keepalive_interval_ms / 1000);
		o->keepalive_count = c->keepalive_count;
	}
	if (target_tech_on(t, SP_TECH_USER_TIMEOUT))
		o->user_timeout_ms = (uint32_t)c->user_timeout_ms;
	if (t->kind == TARGET_OUTBOUND)
		o->syn_retries = (int)c->syn_retries;
	if (target_tech_on(t, SP_TECH_TIMEOUT)) {
		o->recv_timeout_ms = (uint32_t)c->recv_timeout_ms;
		o->send_timeout_ms = (uint32_t)c->send_timeout_ms;
	}
}

/*
 * The detection budget: from the held socket's own options when there is
 * one, else from the settings it would get, on this host's sysctls.
 */
static json_t *
target_json_budget(const struct target *t)
{
	struct sp_budget_opts	 o;
	struct sp_budget	 b;
	struct sp_kernel	 k;
	json_t			*j;

	if (!target_held(t) || sp_budget_opts_read(t->fd, &o) == -1)
		target_json_budget_conf(t, &o);
	if (sp_kernel_read(NULL, &k) == -1)
		sp_kernel_defaults(&k);
	if (sp_budget_compute(&k, &o, &b) == -1)
		return json_null();
	j = proto_budget_json(&b);
	return j != NULL ? j : json_null();
}

/* The fresh path: off, never run yet, or its last result. */
static json_t *
target_json_fresh(const struct target *t)
{
	uint64_t	now = now_ms();

	if (t->kind != TARGET_OUTBOUND || t->conf->check_interval_ms == 0)
		return json_pack("{s:b}", "enabled", 0);
	if (t->fresh_at == 0)
		return json_pack("{s:b, s:n}", "enabled", 1, "last_cause");
	return json_pack("{s:b, s:s, s:I}", "enabled", 1,
	    "last_cause", sp_cause_name((enum sp_cause)t->fresh_cause),
	    "age_ms", (json_int_t)(now - t->fresh_at));
}

/* Status plus everything `show` explains. */
json_t *
target_show_json(struct target *t)
{
	json_t		*o;
	uint64_t	 now = now_ms();

	if ((o = target_status_json(t)) == NULL)
		return NULL;
	json_object_set_new(o, "phase", json_string(phase_names[t->phase]));
	json_object_set_new(o, "events_total",
	    json_integer((json_int_t)t->events_total));
	json_object_set_new(o, "reconnect_in_ms",
	    t->phase == PHASE_WAITING && t->reconnect_at > now ?
	    json_integer((json_int_t)(t->reconnect_at - now)) : json_null());
	json_object_set_new(o, "fresh", target_json_fresh(t));
	json_object_set_new(o, "tcp_info", target_json_tcp_info(t));
	json_object_set_new(o, "settings", target_json_settings(t));
	json_object_set_new(o, "techniques", target_json_techniques(t));
	json_object_set_new(o, "budget", target_json_budget(t));
	json_object_set_new(o, "events", health_history_json(t));
	return o;
}
