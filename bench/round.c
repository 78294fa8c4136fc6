/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * One round: the raw epoll baseline and sockprobed hold the same number
 * of connections at the same time, are measured over the same windows,
 * and share one schedule of closes, so that whatever else the machine
 * does falls on both alike.
 */

#include "config.h"

#include <err.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SETUP_S		60		/* plus 1 s per 250 connections */
#define SETTLE_MS	1500		/* after connecting: every poll ran */
#define LATE_S		1		/* a later event is counted late */
#define DRAIN_WAIT_S	3		/* for the stragglers, at the end */
#define DETECT_BUDGET_S	300		/* for the whole sample */
#define GAP_MEAN_US	2000		/* between closes, both programs */

/* A program under test, as the sampling sees it. */
struct prog {
	const char	*name;
	struct peers	*ps;
	size_t		 n;
	size_t		*cand;		/* indexes that may be closed */
	size_t		 ncand;
	uint8_t		*order;		/* kind of the i-th close */
	size_t		 done;		/* closes made */
	bool		 over;		/* no more closes: done or none left */
	int64_t		*closed;	/* >0 close time, -1 reported */
	uint8_t		*kind;		/* 0 FIN, 1 RST, by index */
	size_t		 pending;	/* closed, not yet reported */
	struct lines	*in;		/* where its events come */
	event_parse_fn	 parse;
	struct latencies *lat;
};

static void	prog_init(struct prog *, const struct options *, size_t);
static void	prog_free(struct prog *);
static void	detect_record(const struct options *, struct prog *,
		    const struct event_rec *);
static void	detect_close(const struct options *, struct prog *);
static int	detect_read(const struct options *, struct prog *);
static int64_t	detect_gap(void);
static int	detect(const struct options *, struct prog *, size_t);
static void	cpu_window(const struct options *, pid_t, pid_t, double *,
		    double *);

/* Sampling state for n connections: kinds in random order. */
static void
prog_init(struct prog *p, const struct options *opt, size_t n)
{
	size_t	total = 2 * opt->samples, i, j;
	uint8_t	k;

	p->n = n;
	if ((p->cand = calloc(n, sizeof(*p->cand))) == NULL ||
	    (p->order = calloc(total, 1)) == NULL ||
	    (p->closed = calloc(n, sizeof(*p->closed))) == NULL ||
	    (p->kind = calloc(n, 1)) == NULL)
		err(1, "calloc");
	for (i = 0; i < total; i++)
		p->order[i] = (uint8_t)(i % 2);
	for (i = total - 1; i > 0; i--) {
		j = util_random((uint32_t)(i + 1));
		k = p->order[i];
		p->order[i] = p->order[j];
		p->order[j] = k;
	}
}

static void
prog_free(struct prog *p)
{
	free(p->cand);
	free(p->order);
	free(p->closed);
	free(p->kind);
}

/*
 * An event of connection ev->id: a latency if we closed it and it was
 * not reported yet, else counted for what it is.  Every connection has
 * its own address, so an event names the close it answers, however
 * many are in flight.
 */
static void
detect_record(const struct options *opt, struct prog *p,
    const struct event_rec *ev)
{
	struct latencies	*lat = p->lat;
	int64_t			 ns;

	if (!ev->down) {
		lat->other++;
		return;
	}
	if (ev->id < 0 || (size_t)ev->id >= p->n || p->closed[ev->id] == 0) {
		lat->spurious++;
		return;
	}
	if (p->closed[ev->id] < 0)	/* reported before */
		return;
	if (strcmp(ev->cause, p->kind[ev->id] == 1 ? "reset" :
	    "peer_closed") != 0)
		lat->wrong_cause++;
	ns = ev->ns - p->closed[ev->id];
	if (ns > LATE_S * NS_SECOND)
		lat->late++;
	util_lat_add(lat, p->kind[ev->id], ns, opt->samples);
	p->closed[ev->id] = -1;
	p->pending--;
}

/* p's next close: a random candidate the peers still hold. */
static void
detect_close(const struct options *opt, struct prog *p)
{
	size_t	j, idx = SIZE_MAX;
	int64_t	t0 = 0;

	while (idx == SIZE_MAX && p->ncand > 0) {
		j = util_random((uint32_t)p->ncand);
		idx = p->cand[j];
		p->cand[j] = p->cand[--p->ncand];
		if (idx >= p->n || peers_close(p->ps, idx,
		    p->order[p->done] == 1, &t0) == -1)
			idx = SIZE_MAX;
	}
	if (idx == SIZE_MAX) {
		warnx("%s: only %zu connections to close", p->name, p->done);
		p->over = true;
		return;
	}
	p->closed[idx] = t0;
	p->kind[idx] = p->order[p->done];
	p->pending++;
	if (++p->done == 2 * opt->samples)
		p->over = true;
}

/* What p has written, line by line; -1 if it went away. */
static int
detect_read(const struct options *opt, struct prog *p)
{
	struct event_rec	 ev;
	char			*line;

	while ((line = util_line_next(p->in)) != NULL)
		if (p->parse(line, &ev) == 1)
			detect_record(opt, p, &ev);
	if (p->in->eof) {
		warnx("%s went away", p->name);
		return -1;
	}
	return 0;
}

/* Exponential, mean GAP_MEAN_US, capped at ten times that: in ns. */
static int64_t
detect_gap(void)
{
	double	u = (double)util_random(1000000) / 1000000.0;
	double	g = -log(1.0 - u) * GAP_MEAN_US * 1000.0;

	return g > 10.0 * GAP_MEAN_US * 1000.0 ? 10LL * GAP_MEAN_US * 1000 :
	    (int64_t)g;
}

/*
 * 2 * samples closes per program, FIN and RST in random order, open
 * loop: at the moments of a Poisson process (mean gap GAP_MEAN_US),
 * whoever is due, whether or not earlier closes were reported.  A close
 * therefore falls at a random moment of each program's life, stalls
 * included, which waiting for each event first would avoid (coordinated
 * omission).  Never reported counts as infinitely late.
 */
static int
detect(const struct options *opt, struct prog *progs, size_t np)
{
	struct pollfd	 pfd[4];
	struct timespec	 ts;
	struct prog	*p;
	int64_t		 now, next, end, drain = 0, left;
	size_t		 i, k, open;

	if (np > 4)
		errx(1, "detect: %zu programs", np);
	now = util_now(CLOCK_MONOTONIC);
	next = now;
	end = now + DETECT_BUDGET_S * NS_SECOND;
	for (;;) {
		if (util_interrupted())
			return -1;
		now = util_now(CLOCK_MONOTONIC);
		for (k = 0, open = 0; k < np; k++)
			open += !progs[k].over;
		if (open > 0 && now > end) {
			for (k = 0; k < np; k++) {
				progs[k].lat->cut_short = !progs[k].over;
				progs[k].over = true;
			}
			open = 0;
		}
		if (open > 0 && now >= next) {
			/* Whoever is open, at random. */
			k = util_random((uint32_t)open);
			for (i = 0; i < np; i++)
				if (!progs[i].over && k-- == 0)
					break;
			detect_close(opt, &progs[i]);
			next += detect_gap();
			continue;
		}
		if (open == 0) {
			if (drain == 0)
				drain = now + DRAIN_WAIT_S * NS_SECOND;
			for (k = 0, i = 0; k < np; k++)
				i += progs[k].pending;
			if (i == 0 || now >= drain)
				break;
		}
		left = (open > 0 ? next : drain) - now;
		ts.tv_sec = (time_t)(left / NS_SECOND);
		ts.tv_nsec = (long)(left % NS_SECOND);
		for (k = 0; k < np; k++) {
			pfd[k].fd = progs[k].in->fd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
		}
		if (ppoll(pfd, (nfds_t)np, &ts, NULL) > 0)
			for (k = 0; k < np; k++)
				if (pfd[k].revents != 0)
					util_lines_fill(progs[k].in);
		for (k = 0; k < np; k++)
			if (detect_read(opt, &progs[k]) == -1)
				return -1;
	}
	for (k = 0; k < np; k++) {
		p = &progs[k];
		p->lat->missed = p->pending;
		for (i = 0; i < p->n; i++)
			if (p->closed[i] > 0)
				util_lat_add(p->lat, p->kind[i], INT64_MAX,
				    opt->samples);
	}
	return 0;
}

/* CPU of both over the same window, in % of one core. */
static void
cpu_window(const struct options *opt, pid_t a, pid_t b, double *pa,
    double *pb)
{
	int64_t	a0, b0, a1, b1, w0, w1;

	a0 = util_cpu_ns(a);
	b0 = util_cpu_ns(b);
	w0 = util_now(CLOCK_MONOTONIC);
	util_sleep_ns(opt->cpu_seconds * NS_SECOND);
	a1 = util_cpu_ns(a);
	b1 = util_cpu_ns(b);
	w1 = util_now(CLOCK_MONOTONIC);
	*pa = a0 < 0 || a1 < 0 ? -1 : 100.0 * (double)(a1 - a0) /
	    (double)(w1 - w0);
	*pb = b0 < 0 || b1 < 0 ? -1 : 100.0 * (double)(b1 - b0) /
	    (double)(w1 - w0);
}

/*
 * One round, r->n connections each: the baseline connects, then
 * sockprobed; memory before any status request (a status of 15,000
 * targets allocates megabytes the heap keeps); CPU of both over one
 * window, the baseline reading TCP_INFO once a second as sockprobed
 * does; status; then the closes, taking turns.  group: 2 address
 * blocks from there.
 */
int
round_run(const struct options *opt, struct round *r, int group)
{
	struct peers	*pb = NULL, *pd = NULL;
	struct base	*b = NULL;
	struct subject	*sj = NULL;
	struct prog	 progs[2];
	int64_t		 t0, deadline;
	uint64_t	 drops = util_softnet_drops();
	size_t		 i;
	long		 up;
	int		 rc = -1;

	memset(progs, 0, sizeof(progs));
	deadline = util_now(CLOCK_MONOTONIC) + (SETUP_S + (int64_t)r->n /
	    250) * NS_SECOND;
	pb = peers_start(group, r->n);
	pd = peers_start(group + 1, r->n);
	b = baseline_start(opt, pb, r->n);
	if (baseline_ready(b, deadline) == -1 ||
	    peers_wait(pb, r->n, deadline) == -1)
		goto done;
	vlog("baseline: %zu connections held", r->n);
	t0 = util_now(CLOCK_MONOTONIC);
	if ((sj = subject_start(opt, pd, r->n)) == NULL)
		goto done;
	if (peers_wait(pd, r->n, deadline) == -1) {
		subject_log_tail(sj);
		goto done;
	}
	r->sd_up_s = (double)(util_now(CLOCK_MONOTONIC) - t0) / NS_SECOND;
	util_sleep_ns(SETTLE_MS * NS_MS);
	(void)util_procmem(subject_pid(sj), &r->sd_mem);
	(void)util_procmem(baseline_pid(b), &r->base_mem);
	if (subject_wait_up(sj, deadline) == -1)
		goto done;
	vlog("sockprobed: %zu targets connected in %.2f s", r->n, r->sd_up_s);
	util_check();

	if (baseline_sweep(b, 1000) == -1)
		goto done;
	util_sleep_ns(NS_SECOND);
	cpu_window(opt, subject_pid(sj), baseline_pid(b), &r->sd_cpu_pct,
	    &r->base_cpu_pct);
	if (baseline_sweep(b, 0) == -1)
		goto done;
	vlog("CPU: sockprobed %.2f%%, baseline %.2f%%", r->sd_cpu_pct,
	    r->base_cpu_pct);
	util_check();

	subject_status(opt, sj, r);
	vlog("sockprobed: status %.1f ms (raw %.1f ms, %zu bytes)",
	    r->status_ctl_ms, r->status_raw_ms, r->status_bytes);
	util_check();

	if (subject_watch(sj) == -1)
		goto done;
	prog_init(&progs[0], opt, r->n);
	progs[0].name = "sockprobed";
	progs[0].ps = pd;
	progs[0].in = subject_lines(sj);
	progs[0].parse = subject_parse;
	progs[0].lat = &r->sd_lat;
	prog_init(&progs[1], opt, r->n);
	progs[1].name = "baseline";
	progs[1].ps = pb;
	progs[1].in = baseline_lines(b);
	progs[1].parse = baseline_parse;
	progs[1].lat = &r->base_lat;
	/* Only what sockprobed holds up is closed; the rest is reported. */
	if ((up = subject_up_ids(sj, progs[0].cand, &r->sd_down)) < 0) {
		warnx("sockprobed: no status before the closes");
		goto done;
	}
	r->sd_degraded = r->n - (size_t)up - r->sd_down;
	progs[0].ncand = (size_t)up;
	for (i = 0; i < r->n; i++)
		progs[1].cand[i] = i;
	progs[1].ncand = r->n;
	r->sd_lat.candidates = progs[0].ncand;
	r->base_lat.candidates = progs[1].ncand;
	if ((size_t)up < r->n)
		vlog("sockprobed: %ld of %zu targets up before the closes", up,
		    r->n);
	rc = detect(opt, progs, 2);
	(void)util_procmem(subject_pid(sj), &r->sd_mem_end);
	if (rc == -1)
		subject_log_tail(sj);
done:
	/* The programs first: their FINs meet the peers' RSTs. */
	subject_stop(sj);
	baseline_stop(b);
	r->drops = util_softnet_drops() - drops;
	peers_stop(pd);
	peers_stop(pb);
	prog_free(&progs[0]);
	prog_free(&progs[1]);
	return rc;
}
