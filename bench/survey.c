/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The sockprobe authors
 *
 * sp-bench-survey: the cost of one host survey against ss over the same
 * sockets in the same run.  It makes about 20,000 TCP sockets on
 * loopback in helper processes (a process may hold at most
 * RLIMIT_NOFILE descriptors): established pairs, CLOSE_WAIT sockets
 * held by their own process, TIME_WAIT, orphaned FIN_WAIT2 and a
 * listener with a queue; starts the real sockprobed; and times its
 * `sockets` command (the daemon's CPU from /proc/PID/schedstat, and the
 * survey's own figure) beside `ss -tin`, `ss -tina` and `ss -tinap`
 * (their CPU from wait4()).  The first survey looks up the owners of
 * the CLOSE_WAIT sockets in /proc, as ss -p does every time; the later
 * ones know them.  The figures are a report, not assertions.
 *
 *   sp-bench-survey [-v] [-n PAIRS] [-c CLOSEWAIT] [-t TIMEWAIT]
 *       [-r RUNS] [--sockprobed PATH] [--ss PATH] [--out FILE]
 */

#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_RUNS	50

struct opts {
	long		 pairs;		/* established connections */
	long		 closewait;	/* CLOSE_WAIT sockets held */
	long		 timewait;	/* TIME_WAIT sockets */
	int		 runs;
	bool		 verbose;
	const char	*sockprobed;
	const char	*ss;
	const char	*out;
};

/* One measured program: its CPU and wall time per run, in us. */
struct sample {
	const char	*name;
	uint64_t	 cpu[MAX_RUNS];
	uint64_t	 wall[MAX_RUNS];
	int		 n;
	uint64_t	 seen;		/* sockets it reported */
};

static struct opts	 o = {
	.pairs = 9500, .closewait = 250, .timewait = 500, .runs = 5,
	.sockprobed = "daemon/sockprobed", .ss = "ss",
};
static char		 tmpdir[] = "/tmp/sp-bench-survey.XXXXXX";
static char		 sockpath[100];
static pid_t		 helpers[8];
static int		 nhelpers;
static pid_t		 daemon_pid = -1;

static void	 usage(void) __attribute__((noreturn));
static void	 say(const char *, ...) __attribute__((format(printf, 1, 2)));
static uint64_t	 now_us(void);
static void	 nofile_max(void);
static int	 listen_lo(uint16_t *, int);
static int	 connect_lo(uint16_t);
static void	 helper_ready(int);
static void	 helper_hold(void) __attribute__((noreturn));
static pid_t	 spawn(int *);
static void	 server(int, int, int, long, long);
static void	 clients(int, uint16_t, long, bool);
static void	 make_sockets(void);
static void	 cleanup(void);
static void	 daemon_start(void);
static uint64_t	 schedstat_us(pid_t);
static json_t	*sockets_request(uint64_t *, uint64_t *);
static void	 run_ss(struct sample *, const char *const *);
static int	 cmp_u64(const void *, const void *);
static uint64_t	 median(const uint64_t *, int);
static void	 report(FILE *, struct sample *, int, const json_t *);

static void
usage(void)
{
	fprintf(stderr, "usage: sp-bench-survey [-v] [-n PAIRS] [-c CLOSEWAIT] "
	    "[-t TIMEWAIT] [-r RUNS]\n"
	    "    [--sockprobed PATH] [--ss PATH] [--out FILE]\n");
	exit(2);
}

/* Progress on stderr with -v. */
static void
say(const char *fmt, ...)
{
	va_list	ap;

	if (!o.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "sp-bench-survey: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The soft descriptor limit up to the hard one. */
static void
nofile_max(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* A listener on 127.0.0.1 with an ephemeral port. */
static int
listen_lo(uint16_t *port, int backlog)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		err(1, "listen");
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
connect_lo(uint16_t port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	int			fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect to port %u", port);
	return fd;
}

/* A helper tells the parent it has made its sockets. */
static void
helper_ready(int fd)
{
	if (write(fd, "r", 1) != 1)
		_exit(1);
}

/* A helper keeps its sockets until cleanup() ends it. */
static void
helper_hold(void)
{
	for (;;)
		pause();
}

/*
 * Fork a helper; *ready is the pipe end it reports on (in the child)
 * or the one to read (in the parent).  Returns 0 in the child.
 */
static pid_t
spawn(int *ready)
{
	int	p[2];
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		close(p[0]);
		*ready = p[1];
		signal(SIGTERM, SIG_DFL);
		return 0;
	}
	close(p[1]);
	*ready = p[0];
	helpers[nhelpers++] = pid;
	return pid;
}

/*
 * The server: holds `pairs` accepted connections of lfd; accepts
 * `closers` connections of cfd and closes them at once (CLOSE_WAIT for
 * their clients that keep them, TIME_WAIT on our side for those that
 * close in turn).
 */
static void
server(int ready, int lfd, int cfd, long pairs, long closers)
{
	struct pollfd	pfd[2] = { { .fd = lfd, .events = POLLIN },
			    { .fd = cfd, .events = POLLIN } };
	long		held = 0, closed = 0;
	int		fd;

	while (held < pairs || closed < closers) {
		if (poll(pfd, 2, 10000) <= 0)
			errx(1, "server: accepts stopped at %ld and %ld", held,
			    closed);
		if ((pfd[0].revents & POLLIN) && held < pairs) {
			if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) != -1)
				held++;
		}
		if (pfd[1].revents & POLLIN) {
			if ((fd = accept4(pfd[1].fd, NULL, NULL,
			    SOCK_CLOEXEC)) != -1) {
				close(fd);
				closed++;
			}
		}
	}
	helper_ready(ready);
	helper_hold();
}

/*
 * Clients of port: keep n connections (established, or CLOSE_WAIT once
 * the server closes its end); with close_after, wait for the server's
 * FIN and close, which leaves the server's end in TIME_WAIT.
 */
static void
clients(int ready, uint16_t port, long n, bool close_after)
{
	char	c;
	long	i;
	int	fd;

	for (i = 0; i < n; i++) {
		fd = connect_lo(port);
		if (close_after) {
			while (read(fd, &c, 1) > 0)
				;
			close(fd);
		}
	}
	helper_ready(ready);
	if (close_after)
		_exit(0);
	helper_hold();
}

/*
 * The sockets, over four processes (each may hold only RLIMIT_NOFILE):
 * the server, the established clients, the CLOSE_WAIT holder and the
 * TIME_WAIT makers.
 */
static void
make_sockets(void)
{
	uint16_t	lport, cport;
	int		lfd, cfd, ready[4], i;
	char		c;

	lfd = listen_lo(&lport, 4096);
	cfd = listen_lo(&cport, 4096);
	if (spawn(&ready[0]) == 0)
		server(ready[0], lfd, cfd, o.pairs, o.closewait + o.timewait);
	if (spawn(&ready[1]) == 0)
		clients(ready[1], lport, o.pairs, false);
	if (spawn(&ready[2]) == 0)
		clients(ready[2], cport, o.closewait, false);
	if (spawn(&ready[3]) == 0)
		clients(ready[3], cport, o.timewait, true);
	for (i = 0; i < 4; i++)
		if (read(ready[i], &c, 1) != 1)
			errx(1, "helper %d failed", i);
	for (i = 0; i < 4; i++)
		close(ready[i]);
	/* The server has the listeners; ours would only be duplicates. */
	close(lfd);
	close(cfd);
}

static void
cleanup(void)
{
	char	path[256];
	int	i;

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = -1;
	}
	for (i = 0; i < nhelpers; i++) {
		kill(helpers[i], SIGTERM);
		waitpid(helpers[i], NULL, 0);
	}
	nhelpers = 0;
	(void)snprintf(path, sizeof(path), "%s/sockprobe.conf", tmpdir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/daemon.log", tmpdir);
	(void)unlink(path);
	(void)unlink(sockpath);
	(void)rmdir(tmpdir);
}

/* sockprobed on a private socket, surveying only when asked. */
static void
daemon_start(void)
{
	char		 conf[256], log[256];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	uint64_t	 deadline = now_us() + 10000000;
	FILE		*f;
	int		 fd;

	(void)snprintf(conf, sizeof(conf), "%s/sockprobe.conf", tmpdir);
	(void)snprintf(log, sizeof(log), "%s/daemon.log", tmpdir);
	(void)snprintf(sockpath, sizeof(sockpath), "%s/control.sock", tmpdir);
	if ((f = fopen(conf, "w")) == NULL)
		err(1, "%s", conf);
	fprintf(f, "[daemon]\nmetrics_listen =\nsurvey_interval = 0\n"
	    "closewait_alarm = 0\n");
	fclose(f);
	if ((daemon_pid = fork()) == -1)
		err(1, "fork");
	if (daemon_pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1)
			dup2(fd, STDERR_FILENO);
		execl(o.sockprobed, "sockprobed", "-c", conf, "-s", sockpath,
		    (char *)NULL);
		err(127, "%s", o.sockprobed);
	}
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	for (;;) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			err(1, "socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			return;
		}
		close(fd);
		if (now_us() > deadline)
			errx(1, "sockprobed did not come up (see %s)", log);
		(void)poll(NULL, 0, 50);
	}
}

/* A process's CPU time in us: the first field of schedstat, in ns. */
static uint64_t
schedstat_us(pid_t pid)
{
	char			 path[64];
	unsigned long long	 ns = 0;
	FILE			*f;

	(void)snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	if (fscanf(f, "%llu", &ns) != 1)
		errx(1, "%s: unreadable", path);
	fclose(f);
	return ns / 1000;
}

/*
 * One `sockets` request, answered: the daemon's CPU for it (accept,
 * survey, JSON, write) in *cpu, the wall time in *wall.
 */
static json_t *
sockets_request(uint64_t *cpu, uint64_t *wall)
{
	static const char	 req[] = "{\"cmd\":\"sockets\",\"limit\":10}\n";
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	json_error_t		 jerr;
	json_t			*resp;
	char			*buf = NULL, *nl;
	size_t			 len = 0, cap = 0;
	uint64_t		 c0, t0;
	ssize_t			 n;
	int			 fd;

	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	c0 = schedstat_us(daemon_pid);
	t0 = now_us();
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "%s", sockpath);
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		err(1, "write");
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				err(1, "realloc");
		}
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			errx(1, "sockprobed closed without an answer");
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = strchr(buf, '\n')) != NULL)
			break;
	}
	*wall = now_us() - t0;
	close(fd);
	*cpu = schedstat_us(daemon_pid) - c0;
	if ((resp = json_loadb(buf, (size_t)(nl - buf), 0, &jerr)) == NULL)
		errx(1, "bad answer: %s", jerr.text);
	free(buf);
	if (!json_is_true(json_object_get(resp, "ok")))
		errx(1, "sockets failed");
	return resp;
}

/*
 * ss with args, o.runs times: its CPU from wait4(), its output read
 * here (our CPU, not its) to count the sockets it listed.
 */
static void
run_ss(struct sample *s, const char *const *args)
{
	struct rusage	 ru;
	char		 buf[65536];
	uint64_t	 t0, lines;
	ssize_t		 n, i;
	bool		 bol;
	pid_t		 pid;
	int		 p[2], st, r;

	for (r = 0; r < o.runs; r++) {
		if (pipe2(p, O_CLOEXEC) == -1)
			err(1, "pipe");
		t0 = now_us();
		if ((pid = fork()) == -1)
			err(1, "fork");
		if (pid == 0) {
			dup2(p[1], STDOUT_FILENO);
			execvp(o.ss, (char *const *)(uintptr_t)args);
			err(127, "%s", o.ss);
		}
		close(p[1]);
		lines = 0;
		bol = true;
		while ((n = read(p[0], buf, sizeof(buf))) > 0)
			for (i = 0; i < n; i++) {
				/* A socket's first line starts in column 0. */
				if (bol && buf[i] != ' ' && buf[i] != '\t')
					lines++;
				bol = buf[i] == '\n';
			}
		close(p[0]);
		if (wait4(pid, &st, 0, &ru) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			errx(1, "%s failed", s->name);
		s->wall[s->n] = now_us() - t0;
		s->cpu[s->n++] = (uint64_t)(ru.ru_utime.tv_sec +
		    ru.ru_stime.tv_sec) * 1000000 +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
		s->seen = lines > 0 ? lines - 1 : 0;	/* the header */
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	const uint64_t	*x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static uint64_t
median(const uint64_t *v, int n)
{
	uint64_t	c[MAX_RUNS];

	memcpy(c, v, (size_t)n * sizeof(*v));
	qsort(c, (size_t)n, sizeof(*c), cmp_u64);
	return c[n / 2];
}

/* The table, as Markdown, with the host it ran on. */
static void
report(FILE *f, struct sample *s, int ns, const json_t *last)
{
	json_t		*counts = json_object_get(last, "counts"), *v;
	struct utsname	 u;
	const char	*state;
	uint64_t	 warm, ss_tin, per20k;
	int		 i;

	(void)uname(&u);
	fprintf(f, "# Host survey against ss\n\n");
	fprintf(f, "Linux %s on %s, %ld CPUs; %d runs each, medians.\n\n",
	    u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), o.runs);
	fprintf(f, "Sockets made: %ld established pairs, %ld CLOSE_WAIT held "
	    "by their own process (and as many orphaned FIN_WAIT2), %ld "
	    "TIME_WAIT.  The survey saw %lld sockets on the host:",
	    o.pairs, o.closewait, o.timewait, (long long)json_integer_value(
	    json_object_get(json_object_get(last, "survey"), "sockets")));
	json_object_foreach(counts, state, v)
		if (json_integer_value(v) > 0)
			fprintf(f, " %s %lld", state,
			    (long long)json_integer_value(v));
	fprintf(f, ".\n\n| what | CPU ms | wall ms | sockets listed |\n"
	    "|---|---:|---:|---:|\n");
	for (i = 0; i < ns; i++)
		fprintf(f, "| %s | %.1f | %.1f | %llu |\n", s[i].name,
		    (double)median(s[i].cpu, s[i].n) / 1000.0,
		    (double)median(s[i].wall, s[i].n) / 1000.0,
		    (unsigned long long)s[i].seen);
	warm = median(s[1].cpu, s[1].n);
	ss_tin = median(s[3].cpu, s[3].n);
	/* The host may hold other sockets: the target is per 20,000. */
	per20k = s[1].seen > 0 ? warm * 20000 / s[1].seen : 0;
	fprintf(f, "\nOne survey through `sockets` (the daemon's CPU for the "
	    "whole request): %.1f ms for %llu sockets, %.1f ms per 20,000 "
	    "(target: at most 50 ms, %s); %.1f times less CPU than `ss -tin`, "
	    "%.1f times less than `ss -tina`.  The first survey also looks "
	    "up the process of each CLOSE_WAIT socket in /proc, once in the "
	    "socket's life, as `ss -p` does on every run.  The host's "
	    "sockets may change between the measurements when other "
	    "programs run.\n\n",
	    (double)warm / 1000.0, (unsigned long long)s[1].seen,
	    (double)per20k / 1000.0, per20k <= 50000 ? "met" : "MISSED",
	    warm > 0 ? (double)ss_tin / (double)warm : 0.0,
	    warm > 0 ? (double)median(s[4].cpu, s[4].n) / (double)warm : 0.0);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "sockprobed",	required_argument,	NULL,	'D' },
		{ "ss",		required_argument,	NULL,	'S' },
		{ "out",	required_argument,	NULL,	'o' },
		{ NULL,		0,			NULL,	0 }
	};
	static const char *const ss_tin[] = { "ss", "-tin", NULL };
	static const char *const ss_tina[] = { "ss", "-tina", NULL };
	static const char *const ss_tinap[] = { "ss", "-tinap", NULL };
	struct sample	 s[6] = {
		{ .name = "sockprobed `sockets`, first (owners looked up)" },
		{ .name = "sockprobed `sockets`" },
		{ .name = "the survey itself (its cpu_us)" },
		{ .name = "`ss -tin`" },
		{ .name = "`ss -tina` (every state, as the survey)" },
		{ .name = "`ss -tinap` (with processes)" },
	};
	json_t		*resp = NULL;
	uint64_t	 cpu, wall;
	FILE		*f;
	int		 ch, r;

	while ((ch = getopt_long(argc, argv, "c:n:r:t:v", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			o.closewait = strtol(optarg, NULL, 10);
			break;
		case 'n':
			o.pairs = strtol(optarg, NULL, 10);
			break;
		case 'r':
			o.runs = atoi(optarg);
			break;
		case 't':
			o.timewait = strtol(optarg, NULL, 10);
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'D':
			o.sockprobed = optarg;
			break;
		case 'S':
			o.ss = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.pairs < 1 || o.pairs > 18000 ||
	    o.closewait < 1 || o.closewait > 18000 || o.timewait < 0 ||
	    o.timewait > 10000 || o.runs < 1 || o.runs > MAX_RUNS - 1)
		usage();
	nofile_max();
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL)
		err(1, "mkdtemp");
	atexit(cleanup);
	say("making %ld pairs, %ld CLOSE_WAIT, %ld TIME_WAIT", o.pairs,
	    o.closewait, o.timewait);
	make_sockets();
	(void)poll(NULL, 0, 300);	/* the last FINs and ACKs */
	say("starting %s", o.sockprobed);
	daemon_start();

	resp = sockets_request(&s[0].cpu[0], &s[0].wall[0]);
	s[0].n = 1;
	s[0].seen = (uint64_t)json_integer_value(json_object_get(
	    json_object_get(resp, "survey"), "sockets"));
	json_decref(resp);
	for (r = 0; r < o.runs; r++) {
		resp = sockets_request(&cpu, &wall);
		s[1].cpu[s[1].n] = cpu;
		s[1].wall[s[1].n++] = wall;
		s[2].cpu[s[2].n] = (uint64_t)json_integer_value(json_object_get(
		    json_object_get(resp, "survey"), "cpu_us"));
		s[2].wall[s[2].n++] = (uint64_t)json_integer_value(
		    json_object_get(json_object_get(resp, "survey"),
		    "wall_us"));
		s[1].seen = s[2].seen = (uint64_t)json_integer_value(
		    json_object_get(json_object_get(resp, "survey"),
		    "sockets"));
		if (r + 1 < o.runs)
			json_decref(resp);
		say("survey %d: %llu us of the daemon's CPU", r + 1,
		    (unsigned long long)cpu);
	}
	say("ss -tin, -tina, -tinap");
	run_ss(&s[3], ss_tin);
	run_ss(&s[4], ss_tina);
	run_ss(&s[5], ss_tinap);
	report(stdout, s, 6, resp);
	if (o.out != NULL) {
		if ((f = fopen(o.out, "w")) == NULL)
			err(1, "%s", o.out);
		report(f, s, 6, resp);
		fclose(f);
	}
	json_decref(resp);
	return 0;
}
