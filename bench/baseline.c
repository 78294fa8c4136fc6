/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * The driver's side of the physical baseline: sp-bench-epoll holding
 * as many connections as sockprobed does, on its own peers, told over
 * its stdin to sweep TCP_INFO or quit, and read for its events.
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

struct base {
	pid_t		pid;
	size_t		n;
	int		in;		/* its stdin */
	struct lines	out;		/* its stdout */
};

static int	baseline_cmd(struct base *, const char *, const char *);

/*
 * Start sp-bench-epoll with n connections, connection i to the peers'
 * address i, read from a file (15,000 addresses are too many for argv).
 */
struct base *
baseline_start(const struct options *opt, struct peers *ps, size_t n)
{
	const char	*list = util_tmpfile("epoll-addresses");
	char		*argv[] = { (char *)(uintptr_t)opt->epoll,
			    (char *)(uintptr_t)"-f", (char *)(uintptr_t)list,
			    NULL };
	struct base	*b;
	FILE		*fp;
	size_t		 i;
	int		 in[2], out[2];

	if ((b = calloc(1, sizeof(*b))) == NULL)
		err(1, "calloc");
	b->n = n;
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
	return b;
}

/* Wait for "ready N": every connection made.  0 or -1. */
int
baseline_ready(struct base *b, int64_t deadline)
{
	char	want[64], *line;

	(void)snprintf(want, sizeof(want), "ready %zu", b->n);
	while ((line = util_line(&b->out, deadline)) != NULL)
		if (strcmp(line, want) == 0)
			return 0;
	warnx("baseline: not connected in time");
	return -1;
}

pid_t
baseline_pid(const struct base *b)
{
	return b->pid;
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

/* Read TCP_INFO of every connection once per ms (0: stop).  0 or -1. */
int
baseline_sweep(struct base *b, int ms)
{
	char	cmd[32], ack[32];

	(void)snprintf(cmd, sizeof(cmd), "sweep %d\n", ms);
	(void)snprintf(ack, sizeof(ack), "ok sweep %d", ms);
	if (baseline_cmd(b, cmd, ack) == -1) {
		warnx("baseline: %s: no answer", ack + 3);
		return -1;
	}
	return 0;
}

/*
 * One line of its output: "ev NS IDX CAUSE" is an event, with the time
 * it took right after recv() returned.  1 for an event, else 0.
 */
int
baseline_parse(const char *line, struct event_rec *ev)
{
	long long	ns;
	long		idx;

	if (sscanf(line, "ev %lld %ld %31s", &ns, &idx, ev->cause) != 3)
		return 0;
	ev->ns = (int64_t)ns;
	ev->id = idx;
	ev->down = true;
	return 1;
}

/* Its stdout, where the events come. */
struct lines *
baseline_lines(struct base *b)
{
	return &b->out;
}

/* Quit, or be stopped; free. */
void
baseline_stop(struct base *b)
{
	if (b == NULL)
		return;
	(void)write(b->in, "quit\n", 5);
	close(b->in);
	util_stop(b->pid, 5000);
	close(b->out.fd);
	util_lines_free(&b->out);
	free(b);
}
