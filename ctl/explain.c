/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sockprobectl explain: for socket options and this host's sysctls, the
 * worst-case time to detect a dead peer in each failure mode, with the
 * traps.  The numbers come from sp_budget_compute(); this file only
 * formats them.  "explain NAME" asks the daemon for a target's budget
 * and prints it with the same renderer.
 */

#include "config.h"

#include <err.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

static const char	*explain_mode_label(const char *);
static const char	*explain_opt_text(const json_t *, const char *, int,
			    const char *, char *, size_t);
static void		 explain_options_render(const json_t *);

/* Failure modes in words, by sp_failure_name(). */
static const struct {
	const char	*mode;
	const char	*label;
} mode_labels[] = {
	{ "syn_sent",		"SYN_SENT, black hole" },
	{ "idle",		"ESTABLISHED, idle" },
	{ "busy",		"ESTABLISHED, data unacked" },
	{ "zero_window",	"zero window" },
	{ "fin_wait1",		"FIN_WAIT1, FIN unacked" },
	{ "fin_wait2",		"FIN_WAIT2, no FIN back" },
	{ "time_wait",		"TIME_WAIT" },
};

static const char *
explain_mode_label(const char *mode)
{
	size_t	i;

	for (i = 0; i < sizeof(mode_labels) / sizeof(mode_labels[0]); i++)
		if (mode != NULL && strcmp(mode_labels[i].mode, mode) == 0)
			return mode_labels[i].label;
	return mode != NULL ? mode : "-";
}

/*
 * One option in words: null is the kernel's value (dflt), 0 is "off",
 * else a duration (scale 1000 for seconds) or a count (scale 0).
 */
static const char *
explain_opt_text(const json_t *o, const char *key, int scale,
    const char *dflt, char *buf, size_t len)
{
	const json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v))
		return dflt;
	if (json_integer_value(v) == 0)
		return "off";
	if (scale == 0) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return output_ms(json_integer_value(v) * scale, buf, len);
}

/* The options block of a budget, in words. */
static void
explain_options_render(const json_t *o)
{
	struct kv	*kv = kv_new();
	char		 a[32], b[32], c[32];

	if (json_is_true(json_object_get(o, "keepalive")))
		kv_add(kv, "keepalive", COLOR_NONE, "on: idle %s, interval %s, "
		    "count %s",
		    explain_opt_text(o, "keepalive_idle_s", 1000,
		    "tcp_keepalive_time", a, sizeof(a)),
		    explain_opt_text(o, "keepalive_interval_s", 1000,
		    "tcp_keepalive_intvl", b, sizeof(b)),
		    explain_opt_text(o, "keepalive_count", 0,
		    "tcp_keepalive_probes", c, sizeof(c)));
	else
		kv_add(kv, "keepalive", COLOR_NONE, "off");
	kv_add(kv, "user timeout", COLOR_NONE, "%s", explain_opt_text(o,
	    "user_timeout_ms", 1, "off", a, sizeof(a)));
	kv_add(kv, "syn retries", COLOR_NONE, "%s", explain_opt_text(o,
	    "syn_retries", 0, "tcp_syn_retries", a, sizeof(a)));
	kv_add(kv, "linger2", COLOR_NONE, "%s", explain_opt_text(o,
	    "linger2_s", 1000, "tcp_fin_timeout", a, sizeof(a)));
	kv_add(kv, "rto", COLOR_NONE, "%s", explain_opt_text(o, "rto_ms", 1,
	    "tcp_rto_min", a, sizeof(a)));
	kv_add(kv, "recv timeout", COLOR_NONE, "%s", explain_opt_text(o,
	    "recv_timeout_ms", 1, "off", a, sizeof(a)));
	kv_add(kv, "send timeout", COLOR_NONE, "%s", explain_opt_text(o,
	    "send_timeout_ms", 1, "off", a, sizeof(a)));
	kv_print(kv);
	kv_free(kv);
}

/*
 * A budget object ({"options"?, "modes", "warnings"}) for people: the
 * options under options_title, a table of failure modes, then the traps.
 */
void
explain_budget_render(const json_t *bj, const char *options_title)
{
	static const struct column cols[] = {
		{ "FAILURE", "label", 0 },
		{ "DETECTED AFTER", "after", COL_RIGHT },
		{ "BY", "technique", 0 },
		{ "CAUSE", "cause", COL_CAUSE },
		{ "HOW", "how", 0 },
	};
	const json_t	*modes, *m, *warnings, *wn;
	json_t		*rows, *row;
	struct kv	*kv;
	char		 buf[32];
	size_t		 i;

	if (json_object_get(bj, "options") != NULL) {
		output_section(options_title);
		explain_options_render(json_object_get(bj, "options"));
	}
	output_section("Worst case to detect a dead peer");
	modes = json_object_get(bj, "modes");
	rows = xjson(json_array());
	json_array_foreach(modes, i, m) {
		row = xjson(json_deep_copy(m));
		json_object_set_new(row, "label", xjson(json_string(
		    explain_mode_label(json_string_value(
		    json_object_get(m, "mode"))))));
		json_object_set_new(row, "after", xjson(json_string(
		    json_is_integer(json_object_get(m, "detect_ms")) ?
		    output_ms(json_integer_value(json_object_get(m,
		    "detect_ms")), buf, sizeof(buf)) : "never")));
		json_array_append_new(rows, row);
	}
	output_table(cols, sizeof(cols) / sizeof(cols[0]), rows);
	json_decref(rows);
	warnings = json_object_get(bj, "warnings");
	if (json_array_size(warnings) == 0)
		return;
	output_section("Warnings");
	kv = kv_new();
	json_array_foreach(warnings, i, wn)
		kv_add(kv, json_string_value(json_object_get(wn, "name")),
		    COLOR_YELLOW, "%s", json_string_value(json_object_get(wn,
		    "text")));
	kv_print(kv);
	kv_free(kv);
}

/* explain [NAME]: standalone from the options, or a target's via the daemon. */
int
explain_main(struct ctl *ctl, int argc, char **argv)
{
	struct sp_budget_opts	 o;
	struct sp_budget	 b;
	struct sp_kernel	 k;
	json_t			*root;

	if (argc == 2)
		return client_main(ctl, argc, argv);
	memset(&o, 0, sizeof(o));
	o.keepalive = ctl->keepalive.enabled;
	o.keepalive_idle_s = ctl->keepalive.idle_s;
	o.keepalive_interval_s = ctl->keepalive.interval_s;
	o.keepalive_count = ctl->keepalive.count;
	o.user_timeout_ms = ctl->user_timeout_ms;
	o.syn_retries = ctl->syn_retries;
	o.linger2_s = ctl->linger2_s;
	o.rto_ms = ctl->rto_ms;
	o.recv_timeout_ms = ctl->recv_timeout_ms;
	o.send_timeout_ms = ctl->send_timeout_ms;
	ctl_kernel_read(ctl, &k);
	if (sp_budget_compute(&k, &o, &b) == -1)
		err(EXIT_DOWN, "budget");
	root = xjson(proto_budget_json(&b));
	json_object_set_new(root, "options", xjson(proto_budget_opts_json(&o)));
	if (ctl->json)
		output_json(root);
	else
		explain_budget_render(root, "Options");
	json_decref(root);
	return EXIT_OK;
}
