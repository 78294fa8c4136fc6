/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The human renderer of a probe: the JSON object that --json prints,
 * turned into sections of aligned key/value lines.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sockprobe.h"
#include "proto.h"
#include "sockprobectl.h"

static const char	*str(const json_t *, const char *);
static int64_t		 num(const json_t *, const char *);
static void		 render_target(const json_t *);
static void		 render_handshake(const json_t *);
static void		 render_tcp_info(const json_t *);
static void		 render_verdict(struct kv *, const char *,
			    const json_t *);
static void		 render_techniques(const json_t *);
static void		 render_close(const json_t *);
static void		 render_result(const json_t *);
static void		 render_budget_words(const json_t *);

/* A string member, "-" when missing or empty. */
static const char *
str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : "-";
}

/* An integer member, -1 when missing or null. */
static int64_t
num(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static void
render_target(const json_t *root)
{
	const json_t	*r = json_object_get(root, "resolve"), *a;
	struct kv	*kv = kv_new();
	char		 addrs[512] = "", t[32];
	size_t		 i;

	output_section("Target");
	kv_add(kv, "target", COLOR_NONE, "%s", str(root, "target"));
	json_array_foreach(json_object_get(r, "addresses"), i, a) {
		if (i > 0)
			strncat(addrs, ", ", sizeof(addrs) - strlen(addrs) - 1);
		strncat(addrs, json_string_value(a),
		    sizeof(addrs) - strlen(addrs) - 1);
	}
	if (strcmp(str(r, "error"), "-") != 0)
		kv_add(kv, "resolved", COLOR_RED, "failed: %s",
		    str(r, "error"));
	else
		kv_add(kv, "resolved", COLOR_NONE, "%s in %s", addrs,
		    output_us(num(r, "elapsed_us"), t, sizeof(t)));
	/* With one address, the handshake section says it all. */
	json_array_foreach(json_object_get(root, "attempts"), i, a) {
		if (json_array_size(json_object_get(root, "attempts")) < 2 ||
		    strcmp(str(a, "result"), "connected") == 0)
			continue;
		kv_add(kv, "attempt", output_cause_color(str(a, "result")),
		    "%s %s after %s", str(a, "address"), str(a, "result"),
		    output_us(num(a, "elapsed_us"), t, sizeof(t)));
	}
	kv_print(kv);
	kv_free(kv);
}

static void
render_handshake(const json_t *h)
{
	struct kv	*kv = kv_new();
	char		 t[32];
	bool		 ok = strcmp(str(h, "result"), "connected") == 0;

	output_section("Handshake");
	kv_add(kv, "address", COLOR_NONE, "%s", str(h, "address"));
	if (ok)
		kv_add(kv, "local", COLOR_NONE, "%s", str(h, "local"));
	kv_add(kv, "result", ok ? COLOR_GREEN : COLOR_RED, "%s%s%s%s",
	    str(h, "result"), ok ? "" : " (", ok ? "" : str(h, "error"),
	    ok ? "" : ")");
	kv_add(kv, "time", COLOR_NONE, "%s", output_us(num(h, "elapsed_us"),
	    t, sizeof(t)));
	if (!ok)
		kv_add(kv, "detail", COLOR_NONE, "%s", str(h, "detail"));
	kv_print(kv);
	kv_free(kv);
}

static void
render_tcp_info(const json_t *ti)
{
	struct kv	*kv = kv_new();
	char		 a[32], b[32], c[32];

	output_section("TCP_INFO");
	kv_add(kv, "state", COLOR_NONE, "%s", str(ti, "state"));
	kv_add(kv, "rtt", COLOR_NONE, "%s (rttvar %s, min %s)",
	    output_us(num(ti, "rtt_us"), a, sizeof(a)),
	    output_us(num(ti, "rttvar_us"), b, sizeof(b)),
	    output_us(num(ti, "min_rtt_us"), c, sizeof(c)));
	kv_add(kv, "rto", COLOR_NONE, "%s", output_us(num(ti, "rto_us"), a,
	    sizeof(a)));
	kv_add(kv, "retransmits", COLOR_NONE, "%lld now, %lld in total, "
	    "backoff %lld", (long long)num(ti, "retransmits"),
	    (long long)num(ti, "total_retrans"), (long long)num(ti, "backoff"));
	kv_add(kv, "probes", COLOR_NONE, "%lld", (long long)num(ti, "probes"));
	kv_add(kv, "unacked", COLOR_NONE, "%lld segments, %lld lost",
	    (long long)num(ti, "unacked"), (long long)num(ti, "lost"));
	kv_add(kv, "windows", COLOR_NONE, "send %lld, receive %lld bytes",
	    (long long)num(ti, "snd_wnd"), (long long)num(ti, "rcv_wnd"));
	kv_add(kv, "mss", COLOR_NONE, "%lld, cwnd %lld segments",
	    (long long)num(ti, "snd_mss"), (long long)num(ti, "snd_cwnd"));
	kv_add(kv, "segments", COLOR_NONE, "%lld out, %lld in",
	    (long long)num(ti, "segs_out"), (long long)num(ti, "segs_in"));
	kv_print(kv);
	kv_free(kv);
}

/* One verdict as "cause: detail", coloured by its severity. */
static void
render_verdict(struct kv *kv, const char *name, const json_t *v)
{
	const char	*e = str(v, "error");
	enum color	 c = output_cause_color(str(v, "cause"));

	if (strcmp(e, "-") == 0)
		kv_add(kv, name, c, "%s: %s", str(v, "cause"),
		    str(v, "detail"));
	else
		kv_add(kv, name, c, "%s: %s (%s)", str(v, "cause"),
		    str(v, "detail"), e);
}

static void
render_techniques(const json_t *t)
{
	const json_t	*w = json_object_get(t, "write"), *r, *d, *s;
	struct kv	*kv = kv_new();
	char		 a[32], b[32], c[32];

	output_section("Techniques");
	render_verdict(kv, "read", json_object_get(t, "read"));
	if (json_is_true(json_object_get(w, "skipped")))
		kv_add(kv, "write", COLOR_DIM, "skipped: %s", str(w, "detail"));
	else {
		render_verdict(kv, "write", w);
		if ((r = json_object_get(w, "reply")) != NULL)
			render_verdict(kv, "reply", r);
		if (r != NULL && json_object_get(r, "expect") != NULL)
			kv_add(kv, "", COLOR_NONE, "%lld bytes: \"%s\" "
			    "(expected \"%s\")", (long long)num(r, "bytes"),
			    str(r, "data"), str(r, "expect"));
		else if (r != NULL)
			kv_add(kv, "", COLOR_NONE, "%lld bytes: \"%s\"",
			    (long long)num(r, "bytes"), str(r, "data"));
	}
	render_verdict(kv, "tcp_info", json_object_get(t, "tcp_info"));

	s = json_object_get(json_object_get(t, "keepalive"), "effective");
	d = json_object_get(json_object_get(t, "keepalive"), "detects");
	if (json_is_true(json_object_get(s, "enabled")))
		kv_add(kv, "keepalive", COLOR_NONE, "idle %s, interval %s, "
		    "count %lld: an idle dead peer is seen after %s",
		    output_ms(num(s, "idle_s") * 1000, a, sizeof(a)),
		    output_ms(num(s, "interval_s") * 1000, b, sizeof(b)),
		    (long long)num(s, "count"),
		    output_ms(num(d, "detect_ms"), c, sizeof(c)));
	else
		kv_add(kv, "keepalive", COLOR_YELLOW, "off: an idle dead peer "
		    "is %s", num(d, "detect_ms") < 0 ? "never seen" :
		    "seen late");

	s = json_object_get(json_object_get(t, "user_timeout"), "effective");
	d = json_object_get(json_object_get(t, "user_timeout"), "detects");
	kv_add(kv, "user_timeout", COLOR_NONE, "%s: with data unacked, a dead "
	    "peer is seen after %s", num(s, "user_timeout_ms") > 0 ?
	    output_ms(num(s, "user_timeout_ms"), a, sizeof(a)) : "off",
	    output_ms(num(d, "detect_ms"), b, sizeof(b)));

	s = json_object_get(json_object_get(t, "timeout"), "effective");
	kv_add(kv, "timeout", COLOR_NONE, "receive %s, send %s: an unanswered "
	    "request is no_reply,\na send that cannot complete send_stalled",
	    output_ms(num(s, "recv_timeout_ms"), a, sizeof(a)),
	    output_ms(num(s, "send_timeout_ms"), b, sizeof(b)));
	kv_print(kv);
	kv_free(kv);
}

static void
render_close(const json_t *c)
{
	const json_t	*step;
	struct kv	*kv = kv_new();
	char		 t[32], timer[64];
	size_t		 i;

	output_section("Close");
	json_array_foreach(json_object_get(c, "steps"), i, step) {
		timer[0] = '\0';
		if (num(step, "timer_ms") >= 0)
			snprintf(timer, sizeof(timer), " (%s%s left)",
			    json_is_true(json_object_get(step, "orphan")) &&
			    strcmp(str(step, "state"), "TIME_WAIT") != 0 ?
			    "orphan, " : "", output_ms(num(step, "timer_ms"),
			    t, sizeof(t)));
		kv_add(kv, str(step, "state"), COLOR_NONE, "+%s  %s%s",
		    output_us(num(step, "at_us"), t, sizeof(t)),
		    str(step, "meaning"), timer);
	}
	kv_add(kv, "result", strcmp(str(c, "outcome"), "time_wait") == 0 ?
	    COLOR_GREEN : COLOR_YELLOW, "%s", str(c, "detail"));
	kv_print(kv);
	kv_free(kv);
}

/*
 * The budget in a few sentences: how long until this peer's death is
 * noticed, for the ways it can die, and by what.
 */
static void
render_budget_words(const json_t *b)
{
	static const struct {
		const char	*mode;
		const char	*key;
		const char	*words;
	} lines[] = {
		{ "idle", "idle death", "if the peer dies while the "
		    "connection is idle" },
		{ "busy", "busy death", "if it dies with our data "
		    "unacknowledged" },
		{ "zero_window", "stops reading", "if it stays up but stops "
		    "reading" },
		{ "syn_sent", "reconnect", "if it is gone when we connect "
		    "again" },
	};
	const json_t	*m;
	struct kv	*kv = kv_new();
	char		 t[32];
	size_t		 i, j;

	output_section("The budget in words");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		json_array_foreach(json_object_get(b, "modes"), j, m) {
			if (strcmp(str(m, "mode"), lines[i].mode) != 0)
				continue;
			if (num(m, "detect_ms") < 0)
				kv_add(kv, lines[i].key, COLOR_YELLOW, "%s, "
				    "nothing notices", lines[i].words);
			else
				kv_add(kv, lines[i].key, COLOR_NONE, "%s, %s "
				    "notices after %s: %s", lines[i].words,
				    str(m, "technique"), output_ms(num(m,
				    "detect_ms"), t, sizeof(t)),
				    str(m, "cause"));
		}
	}
	kv_print(kv);
	kv_free(kv);
}

static void
render_result(const json_t *r)
{
	struct kv	*kv = kv_new();
	const char	*h = str(r, "health");

	output_section("Result");
	kv_add(kv, "health", strcmp(h, "up") == 0 ? COLOR_GREEN :
	    strcmp(h, "degraded") == 0 ? COLOR_YELLOW : COLOR_RED, "%s", h);
	if (strcmp(str(r, "cause"), "none") != 0)
		kv_add(kv, "cause", output_cause_color(str(r, "cause")),
		    "%s (seen by %s)", str(r, "cause"), str(r, "technique"));
	kv_add(kv, "detail", COLOR_NONE, "%s", str(r, "detail"));
	kv_print(kv);
	kv_free(kv);
}

/* The whole probe for people, section by section. */
void
probe_render(const json_t *root)
{
	render_target(root);
	if (json_object_get(root, "handshake") != NULL)
		render_handshake(json_object_get(root, "handshake"));
	if (json_object_get(root, "tcp_info") != NULL)
		render_tcp_info(json_object_get(root, "tcp_info"));
	if (json_object_get(root, "techniques") != NULL)
		render_techniques(json_object_get(root, "techniques"));
	if (json_object_get(root, "close") != NULL)
		render_close(json_object_get(root, "close"));
	if (json_object_get(root, "budget") != NULL) {
		explain_budget_render(json_object_get(root, "budget"),
		    "Socket options, as the kernel reads them back");
		render_budget_words(json_object_get(root, "budget"));
	}
	render_result(json_object_get(root, "result"));
}
