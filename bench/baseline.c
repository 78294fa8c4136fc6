/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * One round of the physical baseline: sp-bench-epoll holds as many
 * connections as sockprobed will, and is measured the same way: its
 * memory, its CPU with a TCP_INFO sweep a second, and the latency from
 * a peer's close() or RST to the moment it knew.
 */

#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define BASE_READY_S	60		/* to connect everything */

struct base {
	pid_t		pid;
	int		in;		/* its stdin */
	struct lines	out;		/* its stdout */
};

static int	baseline_wait_cb(void *, int64_t, struct event_rec *);
static int	baseline_cmd(struct base *, const char *, const char *);
static pid_t	baseline_spawn(const struct options *, struct peers *,
		    size_t, struct base *);

/*
 * The program's next "ev NS IDX CAUSE" line: the detection time it
 * took right after recv() returned.
 */
static int
baseline_wait_cb(void *arg, int64_t deadline, struct event_rec *ev)
{
	struct base	*b = arg;
	char		*line;
	long long	 ns;
	long		 idx;

	while ((line = util_line(&b->out, deadline)) != NULL) {
		if (sscanf(line, "ev %lld %ld %31s", &ns, &idx, ev->cause) !=
		    3)
			continue;
		ev->ns = (int64_t)ns;
		ev->id = idx;
		ev->down = true;
		return 1;
	}
	return b->out.eof ? -1 : 0;
}

/* Send a command line and wait for the line that acknowledges it. */
static int
baseline_cmd(struct base *b, const char *cmd, const char *ack)
{
	int64_t	 deadline = util_now(CLOCK_MONOTONIC) + 5 * NS_SECOND;
	char	*line;

	if (write(b->in, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return -1;
	while ((line = util_line(&b->out, deadline)) != NULL)
		if (strcmp(line, ack) == 0)
			return 0;
	return -1;
}

/*
 * Start sp-bench-epoll with n connections, connection i to the peers'
 * address i, from a file (15,000 addresses are too many for argv).
 */
static pid_t
baseline_spawn(const struct options *opt, struct peers *ps, size_t n,
    struct base *b)
{
	const char	*list = util_tmpfile("epoll-addresses");
	char		*argv[] = { (char *)(uintptr_t)opt->epoll,
			    (char *)(uintptr_t)"-f", (char *)(uintptr_t)list,
			    NULL };
	FILE		*fp;
	size_t		 i;
	int		 in[2], out[2];

	if ((fp = fopen(list, "w")) == NULL)
		err(1, "%s", list);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s\n", peers_addr(ps, i));
	if (fclose(fp) != 0)
		err(1, "%s", list);
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
		err(1, "pipe2");
	b->pid = util_spawn(argv, in[0], out[1], 2);
	close(in[0]);
	close(out[1]);
	b->in = in[1];
	util_lines_init(&b->out, out[0]);
	return b->pid;
}

/* Every baseline figure of round r, its peers on 127.77.group.X. */
int
baseline_round(const struct options *opt, struct round *r, int group)
{
	struct peers	*ps;
	struct base	 b;
	char		 want[64], *line;
	int64_t		 deadline, c0, c1, w0, w1;
	uint64_t	 drops = util_softnet_drops();
	int		 rc = -1;

	ps = peers_start(group, r->n);
	baseline_spawn(opt, ps, r->n, &b);
	(void)snprintf(want, sizeof(want), "ready %zu", r->n);
	deadline = util_now(CLOCK_MONOTONIC) + BASE_READY_S * NS_SECOND;
	while ((line = util_line(&b.out, deadline)) != NULL &&
	    strcmp(line, want) != 0)
		;
	if (line == NULL) {
		warnx("baseline: not connected within %d s", BASE_READY_S);
		goto done;
	}
	if (peers_wait(ps, r->n, deadline) == -1)
		goto done;
	vlog("baseline: %zu connections held", r->n);
	util_sleep_ns(500 * NS_MS);
	if (util_procmem(b.pid, &r->base_mem) == -1)
		warnx("baseline: no /proc figures");

	if (baseline_cmd(&b, "sweep 1000\n", "ok sweep 1000") == -1) {
		warnx("baseline: sweep not started");
		goto done;
	}
	util_sleep_ns(NS_SECOND);
	c0 = util_cpu_ns(b.pid);
	w0 = util_now(CLOCK_MONOTONIC);
	util_sleep_ns(opt->cpu_seconds * NS_SECOND);
	c1 = util_cpu_ns(b.pid);
	w1 = util_now(CLOCK_MONOTONIC);
	r->base_cpu_pct = c0 < 0 || c1 < 0 ? -1 :
	    100.0 * (double)(c1 - c0) / (double)(w1 - w0);
	if (baseline_cmd(&b, "sweep 0\n", "ok sweep 0") == -1) {
		warnx("baseline: sweep not stopped");
		goto done;
	}
	util_check();
	vlog("baseline: CPU %.2f%% with a TCP_INFO sweep a second",
	    r->base_cpu_pct);

	rc = bench_detect(opt, ps, r->n, baseline_wait_cb, &b, &r->base_lat);
done:
	r->base_drops = util_softnet_drops() - drops;
	(void)write(b.in, "quit\n", 5);
	close(b.in);
	util_stop(b.pid, 5000);
	close(b.out.fd);
	util_lines_free(&b.out);
	peers_stop(ps);
	return rc;
}
