/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The health of each monitored connection: verdicts counted toward
 * rise and fall, state changes, and the event each change produces,
 * kept in a bounded history, logged at info and sent to watch clients.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sockprobe.h"
#include "sockprobed.h"

static enum health health_good(struct target *, enum path,
		    const struct sp_verdict *);
static void	health_note(struct hstate *, const struct sp_verdict *);
static void	health_change(struct target *, enum health, enum path,
		    const struct sp_verdict *);
static void	health_detail(const struct target *, enum health, enum path,
		    const struct sp_verdict *, char *, size_t);

#define DETAIL_HELD_LOST	"; held connection lost but fresh connects " \
	"succeed: the peer restarted or a middlebox dropped the flow's state"
#define DETAIL_FRESH_FAIL	"; fresh connects fail while the held " \
	"connection lives: listen backlog full, firewall change or port " \
	"exhaustion"

/* A new connection's health: connecting, no events yet. */
void
health_init(struct hstate *h)
{
	memset(h, 0, sizeof(*h));
	h->state = HEALTH_CONNECTING;
	h->src_path = HEALTH_SRC_ANY;
	clock_gettime(CLOCK_REALTIME, &h->since);
}

/* Free what health_init() and the events allocated. */
void
health_clear(struct hstate *h)
{
	free(h->last_detail);
	h->last_detail = NULL;
	metrics_counts_free(&h->counts);
}

/* A verdict judged by its cause's own severity. */
enum health
health_update(struct target *t, enum path path, const struct sp_verdict *v)
{
	return health_judge(t, path, v, sp_cause_severity(v->cause));
}

/*
 * Count a verdict: fall consecutive bad ones make the target degraded or
 * down (whichever the last one implies), rise good ones from the source
 * of the trouble bring it back up.
 */
enum health
health_judge(struct target *t, enum path path, const struct sp_verdict *v,
    enum sp_severity sev)
{
	struct hstate	*h = &t->health;
	enum health	 to;

	if (sev == SP_SEVERITY_OK)
		return health_good(t, path, v);
	health_note(h, v);
	h->good_streak = 0;
	h->bad_streak++;
	h->src_path = (uint8_t)path;
	h->src_tech = (uint8_t)v->technique;
	if (h->bad_streak < t->conf->fall)
		return h->state;
	to = sev == SP_SEVERITY_DOWN ? HEALTH_DOWN : HEALTH_DEGRADED;
	/* Down stays down; a degraded verdict never lifts it. */
	if (h->state == HEALTH_DOWN || h->state == to)
		return h->state;
	health_change(t, to, path, v);
	return h->state;
}

/*
 * A good verdict.  It counts only if it comes from the source of the
 * last bad one (or any source after a reconnect): a healthy TCP_INFO
 * poll says nothing about fresh connects failing.
 */
static enum health
health_good(struct target *t, enum path path, const struct sp_verdict *v)
{
	struct hstate	*h = &t->health;

	/* A fresh check is one source whatever technique spoke last. */
	if (h->src_path != HEALTH_SRC_ANY && (h->src_path != (uint8_t)path ||
	    (path == PATH_HELD && h->src_tech != (uint8_t)v->technique)))
		return h->state;
	h->bad_streak = 0;
	switch (h->state) {
	case HEALTH_CONNECTING:
		health_change(t, HEALTH_UP, path, v);
		break;
	case HEALTH_UP:
		h->src_path = HEALTH_SRC_ANY;
		break;
	case HEALTH_DOWN:
		/* Only a new held connection can bring a target up. */
		if (!target_held(t))
			break;
		/* FALLTHROUGH */
	case HEALTH_DEGRADED:
		if (++h->good_streak >= t->conf->rise)
			health_change(t, HEALTH_UP, path, v);
		break;
	default:
		break;
	}
	return h->state;
}

/* Force a state: down when a connection ends or a target is removed. */
void
health_set(struct target *t, enum health to, enum path path,
    const struct sp_verdict *v)
{
	struct hstate	*h = &t->health;

	if (v->cause != SP_CAUSE_NONE)
		health_note(h, v);
	if (h->state != to)
		health_change(t, to, path, v);
	h->good_streak = h->bad_streak = 0;
	h->src_path = HEALTH_SRC_ANY;
}

/* Remember the last trouble for status, whether or not it changed much. */
static void
health_note(struct hstate *h, const struct sp_verdict *v)
{
	h->last_cause = (uint8_t)v->cause;
	h->last_technique = (uint8_t)v->technique;
	h->last_error = v->error;
}

/*
 * The detail of an event: the verdict's words, plus the diagnosis the
 * two paths allow when they disagree.
 */
static void
health_detail(const struct target *t, enum health to, enum path path,
    const struct sp_verdict *v, char *buf, size_t len)
{
	enum health	from = t->health.state;
	const char	*extra = "";

	if (to == HEALTH_DOWN && path == PATH_HELD &&
	    v->cause != SP_CAUSE_NONE &&
	    (from == HEALTH_UP || from == HEALTH_DEGRADED) &&
	    t->kind == TARGET_OUTBOUND && fresh_recent_ok(t))
		extra = DETAIL_HELD_LOST;
	else if (to == HEALTH_DEGRADED && path == PATH_FRESH)
		extra = DETAIL_FRESH_FAIL;
	/* Truncation only shortens words meant for people. */
	(void)snprintf(buf, len, "%s%s", v->detail, extra);
}

/* One state change: history, log line, watch clients. */
static void
health_change(struct target *t, enum health to, enum path path,
    const struct sp_verdict *v)
{
	struct hstate	*h = &t->health;
	struct hevent	*e = &h->history[h->head];
	char		 detail[SP_DETAIL_MAX + 256];
	json_t		*j;

	health_detail(t, to, path, v, detail, sizeof(detail));
	clock_gettime(CLOCK_REALTIME, &e->time);
	e->error = v->error;
	e->from = (uint8_t)h->state;
	e->to = (uint8_t)to;
	e->cause = (uint8_t)v->cause;
	e->technique = (uint8_t)v->technique;
	e->tcp_state = (uint8_t)v->tcp_state;
	e->path = (uint8_t)path;
	h->head = (h->head + 1) % HISTORY_LEN;
	if (h->nhistory < HISTORY_LEN)
		h->nhistory++;

	log_health(t->name, t->peer_str, sp_cause_name(v->cause),
	    sp_technique_name(v->technique), "target %s: %s -> %s: %s (%s%s): "
	    "%s", t->name, proto_health_name(h->state), proto_health_name(to),
	    sp_cause_name(v->cause), sp_technique_name(v->technique),
	    path == PATH_FRESH ? ", fresh" : "", detail);
	h->state = to;
	h->since = e->time;
	h->good_streak = h->bad_streak = 0;
	/* Degraded waits for its own source to recover; up and down for any. */
	if (to != HEALTH_DEGRADED)
		h->src_path = HEALTH_SRC_ANY;
	free(h->last_detail);
	h->last_detail = xstrdup(detail);
	t->events_total++;
	/*
	 * sockprobe_events_total{cause,technique}: counted on the
	 * connection, and for an inbound peer on its listener too, whose
	 * count outlives the peer once it is forgotten.
	 */
	metrics_count(&h->counts, v->cause, v->technique);
	if (t->kind == TARGET_INBOUND)
		metrics_count(&t->listener->counts, v->cause, v->technique);
	t->sd->status_dirty = true;

	if (t->sd->stopping)
		return;
	if ((j = health_event_json(t, e, detail)) != NULL) {
		control_broadcast(t->sd, j);
		json_decref(j);
	}
}

/* DESIGN.md's event object for one history entry. */
json_t *
health_event_json(const struct target *t, const struct hevent *e,
    const char *detail)
{
	char	time[40];

	proto_time_format(&e->time, time, sizeof(time));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s}",
	    "time", time,
	    "target", t->name,
	    "peer", target_peer(t),
	    "path", e->path == PATH_FRESH ? "fresh" : "held",
	    "from", proto_health_name((enum health)e->from),
	    "to", proto_health_name((enum health)e->to),
	    "cause", sp_cause_name((enum sp_cause)e->cause),
	    "technique", sp_technique_name((enum sp_technique)e->technique),
	    "tcp_state", sp_tcp_state_name((enum sp_tcp_state)e->tcp_state),
	    "error", proto_errno_name(e->error),
	    "detail", detail != NULL ? detail : "");
}

/*
 * The remembered events, oldest first.  Only the newest keeps its full
 * detail (memory: one string per connection); older ones get the
 * cause's standard words.
 */
json_t *
health_history_json(const struct target *t)
{
	const struct hstate	*h = &t->health;
	const struct hevent	*e;
	struct sp_verdict	 v;
	json_t			*a, *o;
	size_t			 i, idx;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < h->nhistory; i++) {
		idx = (h->head + HISTORY_LEN - h->nhistory + i) % HISTORY_LEN;
		e = &h->history[idx];
		if (i + 1 == h->nhistory && h->last_detail != NULL)
			o = health_event_json(t, e, h->last_detail);
		else {
			sp_verdict_init(&v);
			sp_verdict_set(&v, (enum sp_technique)e->technique,
			    (enum sp_cause)e->cause, e->error);
			o = health_event_json(t, e, v.detail);
		}
		if (o != NULL)
			json_array_append_new(a, o);
	}
	return a;
}
